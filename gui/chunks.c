/*
** dusk gui — the chunk map: an array job's block grids, filled as it runs
**
** Array tasks have Dask's tuple keys, "('sub-510b...', 2, 1)": a layer's
** name and a block's index. The grids come from the plan alone, once per
** plan (at the first draw, kept until the viewer shows another plan): the
** names are interned (dense ids, core/util.h's strtab), a grid's shape in
** blocks is the largest index + 1 along its first two axes, and each cell
** keeps the task that makes the block. The result grid is the one of the
** requested keys (or, when the request is not a block, as for a store,
** the first grid found walking down from it); inputs are the grids none
** of whose tasks uses another grid's task (ones, from_hdf5, random ...).
**
** Cells are drawn as the graph's nodes are, one SDL_RenderFillRectsF per
** state colour, so a frame costs the same whatever the grid. Cells are
** squares, or in proportion to the chunks when dusk_viewer_set_array gave
** the array's chunk sizes. A cell is its block's task: dusk__chunks_hit
** inverts the same geometry (a binary search per axis). A 1-d grid of
** many blocks, whose one row would be a hairline (1,000 blocks in 600
** pixels), is folded into lines as text is, as many cells a line as makes
** them largest in the panel.
*/
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "draw.h"
#include "dusk/array.h"

#define MAX_INPUTS 3
#define MARGIN 8
#define MAX_CELLS ((int64_t)1 << 24)   /* a grid past this is not drawn */

typedef struct dusk__chunks dusk__chunks;

typedef struct grid {
    int64_t id;             /* its name's id in names */
    int ndim;               /* of its keys */
    int64_t rows, cols;     /* in blocks (1-d: one row) */
    int64_t *task;          /* rows x cols, -1 where no task makes the block */
    double *roff, *coff;    /* rows + 1 and cols + 1 offsets, in cells */
    int source;             /* none of its tasks uses another grid's */
    int too_big;            /* more than MAX_CELLS cells: not shown */
    char title[128];
} grid;

struct dusk__chunks {
    const dusk_plan *plan;  /* the grids' plan (a reference), NULL: none */
    dusk__strtab names;
    grid *grids;
    size_t ngrids;
    size_t show[1 + MAX_INPUTS];   /* grids shown: the result, then inputs */
    size_t nshow;
    SDL_FRect *rects;       /* a frame's cells, grouped by state */
    size_t rects_cap;
    /* dusk_viewer_set_array's: the array's name and the chunk sizes along
     * its first two axes (one for a 1-d array; none: no array set) */
    char *arr_name;
    int arr_ndim;
    int64_t arr_nb[2];
    int64_t *arr_chunks[2];
};

static void drop_grids(dusk__chunks *C)
{
    for (size_t k = 0; k < C->ngrids; k++) {
        dusk_free(C->grids[k].task);
        dusk_free(C->grids[k].roff);
        dusk_free(C->grids[k].coff);
    }
    dusk_free(C->grids);
    C->grids = NULL;
    C->ngrids = C->nshow = 0;
    dusk__strtab_free(&C->names);
    dusk_plan_unref(C->plan);
    C->plan = NULL;
}

void dusk__chunks_free(dusk__chunks *C)
{
    if (!C)
        return;
    drop_grids(C);
    dusk_free(C->rects);
    dusk_free(C->arr_name);
    dusk_free(C->arr_chunks[0]);
    dusk_free(C->arr_chunks[1]);
    dusk_free(C);
}

static dusk__chunks *chunks_of(dusk_viewer *v)
{
    if (!v->chunks)
        v->chunks = dusk_calloc(1, sizeof *v->chunks);
    return v->chunks;
}

/* --- keys --------------------------------------------------------------------- */

/* A block key "('name', i, j, ...)": the name (*name, *len), the number
 * of indices, the first two in idx and whether all others are 0. 0 when
 * key is not one (a string key, a negative or non-integer index). */
static int parse_key(const char *key, const char **name, size_t *len, int *ndim,
                     int64_t idx[2], int *rest_zero)
{
    if (!key || key[0] != '(' || key[1] != '\'')
        return 0;
    const char *q = strchr(key + 2, '\'');
    if (!q || q == key + 2)
        return 0;
    *name = key + 2;
    *len = (size_t)(q - key - 2);
    *ndim = 0;
    *rest_zero = 1;
    idx[0] = idx[1] = 0;
    const char *s = q + 1;
    while (*s == ',') {
        s++;
        while (*s == ' ')
            s++;
        if (*s < '0' || *s > '9')
            return *s == ')' && s[1] == '\0' && *ndim <= 1;   /* "('x',)" */
        int64_t x = 0;
        for (; *s >= '0' && *s <= '9'; s++) {
            if (x > (INT64_MAX - 9) / 10)
                return 0;
            x = x * 10 + (*s - '0');
        }
        if (*ndim < 2)
            idx[*ndim] = x;
        else if (x != 0)
            *rest_zero = 0;
        if (*ndim == DUSK_MAXDIMS)
            return 0;
        ++*ndim;
    }
    return *s == ')' && s[1] == '\0';
}

/* "mean_agg-aggregate-d5e0...": the name without its token (a last part
 * of 8 or more hex digits). */
static size_t short_len(const char *name, size_t len)
{
    size_t i = len;
    while (i > 0 && ((name[i - 1] >= '0' && name[i - 1] <= '9') ||
                     (name[i - 1] >= 'a' && name[i - 1] <= 'f')))
        i--;
    return i > 1 && name[i - 1] == '-' && len - i >= 8 ? i - 1 : len;
}

/* Offsets of n cells of the given sizes (NULL: all 1). */
static double *offsets(int64_t n, const int64_t *sizes)
{
    double *o = dusk_malloc((size_t)(n + 1) * sizeof *o);
    if (!o)
        return NULL;
    o[0] = 0;
    for (int64_t i = 0; i < n; i++)
        o[i + 1] = o[i] + (sizes ? (double)(sizes[i] > 0 ? sizes[i] : 1) : 1.0);
    return o;
}

static void set_title(const dusk__chunks *C, grid *g)
{
    const char *name = dusk__strtab_text(&C->names, g->id);
    int n = (int)short_len(name, strlen(name));
    if (g->ndim <= 1)
        snprintf(g->title, sizeof g->title, "%.*s  %lld block%s", n, name,
                 (long long)g->cols, g->cols == 1 ? "" : "s");
    else if (g->ndim == 2)
        snprintf(g->title, sizeof g->title, "%.*s  %lldx%lld blocks", n, name,
                 (long long)g->rows, (long long)g->cols);
    else
        snprintf(g->title, sizeof g->title, "%.*s  %lldx%lld blocks (axes 0, 1 of %d)", n, name,
                 (long long)g->rows, (long long)g->cols, g->ndim);
}

/* --- the grids of a plan --------------------------------------------------------- */

/* Builds C's grids for p; 0, or -1 out of memory (then none). */
static int build(dusk__chunks *C, const dusk_plan *p)
{
    drop_grids(C);
    C->plan = dusk_plan_ref(p);
    size_t n = dusk_plan_ntasks(p), ng = dusk_plan_graph_size(p);
    const int64_t *tasks = dusk_plan_tasks(p);
    int32_t *gid = dusk_malloc((ng ? ng : 1) * sizeof *gid);
    int64_t *ij = dusk_malloc((ng ? ng : 1) * 2 * sizeof *ij);
    int64_t *queue = NULL;
    uint8_t *seen = NULL;
    if (!gid || !ij || (n && !tasks))
        goto oom;
    for (size_t i = 0; i < ng; i++)
        gid[i] = -1;

    /* names, and each grid's rank and extent */
    size_t cap = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t t = tasks[i], idx[2];
        const char *name;
        size_t len;
        int nd, rest_zero;
        if (!parse_key(dusk_plan_key(p, t), &name, &len, &nd, idx, &rest_zero))
            continue;
        int64_t id = dusk__strtab_intern(&C->names, name, len);
        if (id < 0)
            goto oom;
        if ((size_t)id == C->ngrids) {
            if (C->ngrids == cap) {
                cap = cap ? 2 * cap : 8;
                grid *ng2 = dusk_realloc(C->grids, cap * sizeof *ng2);
                if (!ng2)
                    goto oom;
                C->grids = ng2;
            }
            C->grids[C->ngrids++] = (grid){.id = id, .ndim = nd, .source = 1};
        }
        grid *g = &C->grids[id];
        if (nd != g->ndim || !rest_zero)
            continue;   /* a key of another rank, or past index 0 of axis 2+ */
        if (nd <= 1) {
            idx[1] = idx[0];
            idx[0] = 0;
        }
        if (idx[0] + 1 > g->rows)
            g->rows = idx[0] + 1;
        if (idx[1] + 1 > g->cols)
            g->cols = idx[1] + 1;
        gid[t] = (int32_t)id;
        ij[2 * t] = idx[0];
        ij[2 * t + 1] = idx[1];
    }
    for (size_t k = 0; k < C->ngrids; k++) {
        grid *g = &C->grids[k];
        if (g->rows < 1)
            g->rows = 1;
        if (g->cols < 1)
            g->cols = 1;
        if (g->rows > MAX_CELLS / g->cols) {
            g->too_big = 1;
            continue;
        }
        g->task = dusk_malloc((size_t)(g->rows * g->cols) * sizeof *g->task);
        if (!g->task)
            goto oom;
        for (int64_t c = 0; c < g->rows * g->cols; c++)
            g->task[c] = -1;
        set_title(C, g);
    }

    /* cells, and which grids are sources */
    for (size_t i = 0; i < n; i++) {
        int64_t t = tasks[i];
        if (gid[t] < 0)
            continue;
        grid *g = &C->grids[gid[t]];
        if (g->task && g->task[ij[2 * t] * g->cols + ij[2 * t + 1]] < 0)
            g->task[ij[2 * t] * g->cols + ij[2 * t + 1]] = t;
        const int64_t *deps;
        int64_t nd = dusk_plan_dependencies(p, t, &deps);
        if (nd < 0)
            goto oom;
        for (int64_t j = 0; j < nd; j++)
            if (gid[deps[j]] >= 0 && gid[deps[j]] != gid[t])
                g->source = 0;
    }

    /* the result: the grid of the first requested block, or of the first
     * block found walking down from the request (breadth first) */
    int64_t result = -1;
    size_t nreq = dusk_plan_nrequested(p), head = 0, tail = 0;
    const int64_t *req = dusk_plan_requested(p);
    queue = dusk_malloc((n ? n : 1) * sizeof *queue);
    seen = dusk_calloc(ng ? ng : 1, 1);
    if (!queue || !seen || (nreq && !req))
        goto oom;
    for (size_t i = 0; i < nreq; i++)
        if (!seen[req[i]]) {
            seen[req[i]] = 1;
            queue[tail++] = req[i];
        }
    while (head < tail && result < 0) {
        int64_t t = queue[head++];
        if (gid[t] >= 0 && !C->grids[gid[t]].too_big) {
            result = gid[t];
            break;
        }
        const int64_t *deps;
        int64_t nd = dusk_plan_dependencies(p, t, &deps);
        for (int64_t j = 0; j < nd; j++)
            if (!seen[deps[j]]) {
                seen[deps[j]] = 1;
                queue[tail++] = deps[j];
            }
    }
    if (result >= 0) {
        C->show[C->nshow++] = (size_t)result;
        for (size_t k = 0; k < C->ngrids && C->nshow < 1 + MAX_INPUTS; k++)
            if ((int64_t)k != result && C->grids[k].source && !C->grids[k].too_big)
                C->show[C->nshow++] = k;
    }

    /* cell sizes: the set array's chunks for its grid, else squares */
    for (size_t s = 0; s < C->nshow; s++) {
        grid *g = &C->grids[C->show[s]];
        const int64_t *rs = NULL, *cs = NULL;
        int64_t row = 1;   /* a 1-d grid's one row, in elements */
        if (C->arr_name && strcmp(C->arr_name, dusk__strtab_text(&C->names, g->id)) == 0) {
            if (C->arr_ndim == 1 && g->ndim == 1 && C->arr_nb[0] == g->cols) {
                /* as high as its largest chunk is long, not one element
                 * (which drew the row as a hairline): equal chunks are
                 * squares, as without chunk sizes */
                cs = C->arr_chunks[0];
                for (int64_t k = 0; k < g->cols; k++)
                    row = cs[k] > row ? cs[k] : row;
                rs = &row;
            } else if (C->arr_ndim >= 2 && g->ndim == C->arr_ndim && C->arr_nb[0] == g->rows &&
                       C->arr_nb[1] == g->cols) {
                rs = C->arr_chunks[0];
                cs = C->arr_chunks[1];
            }
        }
        if (!(g->roff = offsets(g->rows, rs)) || !(g->coff = offsets(g->cols, cs)))
            goto oom;
    }
    dusk_free(gid);
    dusk_free(ij);
    dusk_free(queue);
    dusk_free(seen);
    return 0;
oom:
    dusk_free(gid);
    dusk_free(ij);
    dusk_free(queue);
    dusk_free(seen);
    drop_grids(C);
    C->plan = dusk_plan_ref(p);   /* not tried again for this plan */
    return -1;
}

/* The grids of the viewer's current plan, built at the first call. */
static dusk__chunks *current(dusk_viewer *v)
{
    dusk__chunks *C = chunks_of(v);
    if (!C)
        return NULL;
    if (!v->plan) {
        if (C->plan)
            drop_grids(C);
        return C;
    }
    if (C->plan != v->plan)
        build(C, v->plan);
    return C;
}

/* --- geometry ------------------------------------------------------------------------- */

/* Where shown grid s goes in box b: its title's top-left (tx, ty) and its
 * cells' origin and scale (pixels per cell unit). */
typedef struct place {
    float tx, ty, ox, oy, scale;
    float tw;               /* the title's room: its slot's width */
    int64_t fold;           /* a folded 1-d grid's cells a line, else 0 */
} place;

/* A 1-d grid folded into lines of k cells: its scale in a box aw x ah,
 * and the widest line and the height, in cell units. */
static double fold_scale(const grid *g, int64_t k, double aw, double ah, double *w, double *h)
{
    int64_t n = g->cols, lines = (n + k - 1) / k;
    *w = 0;
    for (int64_t l = 0; l < lines; l++) {
        int64_t a = l * k, e = a + k < n ? a + k : n;
        if (g->coff[e] - g->coff[a] > *w)
            *w = g->coff[e] - g->coff[a];
    }
    *h = (double)lines * g->roff[1];
    double sx = aw / *w, sy = ah / *h;
    return sx < sy ? sx : sy;
}

/* Cell (i, j) of g placed at P; a folded grid's cell j is on line
 * j / fold, counted from that line's first cell. */
static SDL_FRect cell_at(const grid *g, const place *P, int64_t i, int64_t j)
{
    double x = g->coff[j], y = g->roff[i];
    if (P->fold) {
        int64_t line = j / P->fold;
        x -= g->coff[line * P->fold];
        y = (double)line * g->roff[1];
    }
    return (SDL_FRect){P->ox + (float)x * P->scale, P->oy + (float)y * P->scale,
                       (float)(g->coff[j + 1] - g->coff[j]) * P->scale,
                       (float)(g->roff[i + 1] - g->roff[i]) * P->scale};
}

static place place_of(const dusk__chunks *C, const dusk__frame *f, SDL_Rect b, size_t s)
{
    /* the result on the left two thirds, the inputs on the right in
     * slots of a third of the height, from the top (small, however few) */
    float x = (float)b.x, y = (float)b.y, w = (float)b.w, h = (float)b.h;
    if (C->nshow > 1) {
        float lw = w * 2 / 3;
        if (s == 0) {
            w = lw;
        } else {
            x += lw;
            w -= lw;
            h /= MAX_INPUTS;
            y += h * (float)(s - 1);
        }
    }
    const grid *g = &C->grids[C->show[s]];
    place P;
    P.tx = x + MARGIN;
    P.ty = y + MARGIN / 2.0f;
    P.tw = w - 2 * MARGIN > 0 ? w - 2 * MARGIN : 0;
    float ax = x + MARGIN, ay = y + MARGIN + (float)f->line;
    float aw = w - 2 * MARGIN, ah = h - 2 * MARGIN - (float)f->line;
    if (aw < 1)
        aw = 1;
    if (ah < 1)
        ah = 1;
    double W = g->coff[g->cols], H = g->roff[g->rows];
    double sx = aw / W, sy = ah / H, scale = sx < sy ? sx : sy;
    P.fold = 0;
    if (g->ndim <= 1 && g->rows == 1 && g->cols > 1 && H * scale < 8) {
        /* the best number a line is near the one that makes the folded
         * grid as wide as tall in the panel's proportions */
        double mean = W / (double)g->cols;
        double k0 = sqrt((double)g->cols * aw * g->roff[1] / (ah * mean));
        for (int64_t k = (int64_t)k0 - 2; k <= (int64_t)k0 + 2; k++) {
            if (k < 1 || k >= g->cols)
                continue;
            double fw, fh, fs = fold_scale(g, k, aw, ah, &fw, &fh);
            if (fs > 1.5 * scale && (!P.fold || fs > P.scale)) {
                P.fold = k;
                P.scale = (float)fs;
                W = fw;
                H = fh;
            }
        }
    }
    if (!P.fold)
        P.scale = (float)scale;
    P.ox = ax + (aw - (float)(W * P.scale)) / 2;
    P.oy = ay + (ah - (float)(H * P.scale)) / 2;
    return P;
}

/* The cell whose span [off[i], off[i + 1]) holds u, or -1. */
static int64_t find_cell(const double *off, int64_t n, double u)
{
    if (u < 0 || u >= off[n])
        return -1;
    int64_t lo = 0, hi = n;   /* off[lo] <= u < off[hi] */
    while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2;
        if (off[mid] <= u)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* --- drawing ---------------------------------------------------------------------------- */

/* Grid g's title as it fits in room px: the whole of it, else without
 * what is least needed first ("(axes 0, 1 of 3)", then "blocks", then the
 * block counts), the array's name kept whole as long as it fits, then cut
 * with "...". An input's slot is a third of the result's: "array  2x20
 * bloc" ran off its edge, mid-word. */
static void fit_title(const dusk__frame *f, const dusk__chunks *C, const grid *g, float room,
                      char *buf, size_t n)
{
    const char *name = dusk__strtab_text(&C->names, g->id);
    int len = (int)short_len(name, strlen(name));
    snprintf(buf, n, "%s", g->title);
    if (dusk__text_width(f, buf) <= room)
        return;
    if (g->ndim > 2) {
        snprintf(buf, n, "%.*s  %lldx%lld blocks", len, name, (long long)g->rows,
                 (long long)g->cols);
        if (dusk__text_width(f, buf) <= room)
            return;
    }
    if (g->ndim >= 2) {
        snprintf(buf, n, "%.*s  %lldx%lld", len, name, (long long)g->rows, (long long)g->cols);
        if (dusk__text_width(f, buf) <= room)
            return;
    }
    snprintf(buf, n, "%.*s", len, name);
    if (dusk__text_width(f, buf) <= room)
        return;
    for (int k = len - 1; k > 0; k--) {
        snprintf(buf, n, "%.*s...", k, name);
        if (dusk__text_width(f, buf) <= room)
            return;
    }
    buf[0] = '\0';
}

void dusk__panel_chunks(dusk_viewer *v, dusk__frame *f, SDL_Rect b)
{
    SDL_RenderSetClipRect(f->r, &b);
    dusk__fill(f, f->th->bg, (float)b.x, (float)b.y, (float)b.w, (float)b.h);
    dusk__chunks *C = current(v);
    if (!C || !C->nshow) {
        const char *msg = "no arrays in this run";
        dusk__text(f, (float)b.x + ((float)b.w - dusk__text_width(f, msg)) / 2,
                   (float)b.y + (float)(b.h - f->line) / 2, msg, f->th->dim);
        SDL_RenderSetClipRect(f->r, NULL);
        return;
    }

    /* every shown cell, grouped by its task's state (no task: none) */
    size_t ncells = 0;
    for (size_t s = 0; s < C->nshow; s++)
        ncells += (size_t)(C->grids[C->show[s]].rows * C->grids[C->show[s]].cols);
    if (ncells > C->rects_cap) {
        SDL_FRect *nr = dusk_realloc(C->rects, ncells * sizeof *nr);
        if (!nr) {
            SDL_RenderSetClipRect(f->r, NULL);
            return;   /* out of memory: the panel stays blank this frame */
        }
        C->rects = nr;
        C->rects_cap = ncells;
    }
    enum { NONE_STATE = DUSK_TASK_NSTATES };
    size_t count[DUSK_TASK_NSTATES + 1] = {0}, start[DUSK_TASK_NSTATES + 2] = {0};
    for (int pass = 0; pass < 2; pass++) {
        for (size_t s = 0; s < C->nshow; s++) {
            const grid *g = &C->grids[C->show[s]];
            place P = place_of(C, f, b, s);
            for (int64_t i = 0; i < g->rows; i++)
                for (int64_t j = 0; j < g->cols; j++) {
                    int64_t t = g->task[i * g->cols + j];
                    int st = t < 0 ? NONE_STATE
                             : v->state && v->state[t] < DUSK_TASK_NSTATES ? v->state[t]
                                                                          : DUSK_TASK_WAITING;
                    if (pass == 0) {
                        count[st]++;
                        continue;
                    }
                    SDL_FRect r = cell_at(g, &P, i, j);
                    /* a pixel's gap between cells big enough to spare it */
                    float gap = r.w >= 4 && r.h >= 4 ? 1.0f : 0.0f;
                    r.w -= gap;
                    r.h -= gap;
                    C->rects[start[st]++] = r;
                }
        }
        if (pass == 0)
            for (int k = 0; k <= NONE_STATE; k++)
                start[k + 1] = start[k] + count[k];
    }
    /* start[k] now ends state k's run, which began at start[k] - count[k] */
    for (int k = 0; k <= NONE_STATE; k++) {
        if (!count[k])
            continue;
        dusk__set_rgb(f, k == NONE_STATE ? f->th->strip : f->th->state[k]);
        SDL_RenderFillRectsF(f->r, C->rects + start[k] - count[k], (int)count[k]);
    }
    for (size_t s = 0; s < C->nshow; s++) {
        /* each title cut at its slot's edge: the result's long one ran
         * into the first input's */
        place P = place_of(C, f, b, s);
        SDL_Rect clip = {(int)P.tx, (int)P.ty, (int)P.tw, f->line}, in;
        if (!SDL_IntersectRect(&clip, &b, &in))
            continue;
        char title[sizeof C->grids[0].title];
        fit_title(f, C, &C->grids[C->show[s]], P.tw, title, sizeof title);
        SDL_RenderSetClipRect(f->r, &in);
        dusk__text(f, P.tx, P.ty, title, s ? f->th->dim : f->th->fg);
    }
    SDL_RenderSetClipRect(f->r, NULL);
}

int64_t dusk__chunks_hit(const dusk_viewer *v, const dusk__frame *f, SDL_Rect b, int x, int y)
{
    const dusk__chunks *C = v ? v->chunks : NULL;
    if (!C || !C->nshow || C->plan != v->plan || x < b.x || y < b.y || x >= b.x + b.w ||
        y >= b.y + b.h)
        return -1;
    for (size_t s = 0; s < C->nshow; s++) {
        const grid *g = &C->grids[C->show[s]];
        place P = place_of(C, f, b, s);
        if (P.scale <= 0)
            continue;
        double u = ((double)x + 0.5 - P.ox) / P.scale, w = ((double)y + 0.5 - P.oy) / P.scale;
        if (P.fold) {
            /* the line, then the cell on it from the line's first */
            if (u < 0 || w < 0)
                continue;
            int64_t line = (int64_t)(w / g->roff[1]), first = line * P.fold;
            if (first >= g->cols)
                continue;
            int64_t end = first + P.fold < g->cols ? first + P.fold : g->cols;
            int64_t j = find_cell(g->coff, g->cols, u + g->coff[first]);
            if (j >= first && j < end)
                return g->task[j];
            continue;
        }
        int64_t j = find_cell(g->coff, g->cols, u);
        int64_t i = find_cell(g->roff, g->rows, w);
        if (i >= 0 && j >= 0)
            return g->task[i * g->cols + j];
    }
    return -1;
}

/* --- reading ----------------------------------------------------------------------------- */

static const grid *shown(const dusk_viewer *v, size_t k)
{
    const dusk__chunks *C = v ? v->chunks : NULL;
    return C && C->plan == v->plan && k < C->nshow ? &C->grids[C->show[k]] : NULL;
}

size_t dusk__chunks_ngrids(const dusk_viewer *v)
{
    const dusk__chunks *C = v ? v->chunks : NULL;
    return C && C->plan == v->plan ? C->nshow : 0;
}

int dusk__chunks_grid(const dusk_viewer *v, size_t k, const char **name, const char **title,
                      int64_t *rows, int64_t *cols)
{
    const grid *g = shown(v, k);
    if (!g)
        return DUSK_EINVAL;
    if (name)
        *name = dusk__strtab_text(&v->chunks->names, g->id);
    if (title)
        *title = g->title;
    if (rows)
        *rows = g->rows;
    if (cols)
        *cols = g->cols;
    return 0;
}

float dusk__chunks_title(const dusk_viewer *v, const dusk__frame *f, SDL_Rect b, size_t k,
                         char *buf, size_t n)
{
    const grid *g = shown(v, k);
    if (!g || !n)
        return -1;
    place P = place_of(v->chunks, f, b, k);
    fit_title(f, v->chunks, g, P.tw, buf, n);
    return P.tw;
}

int64_t dusk__chunks_task(const dusk_viewer *v, size_t k, int64_t i, int64_t j)
{
    const grid *g = shown(v, k);
    if (!g || i < 0 || j < 0 || i >= g->rows || j >= g->cols)
        return -1;
    return g->task[i * g->cols + j];
}

int dusk__chunks_cell(const dusk_viewer *v, const dusk__frame *f, SDL_Rect b, size_t k,
                      int64_t i, int64_t j, SDL_FRect *r)
{
    const grid *g = shown(v, k);
    if (!g || i < 0 || j < 0 || i >= g->rows || j >= g->cols)
        return DUSK_EINVAL;
    place P = place_of(v->chunks, f, b, k);
    *r = cell_at(g, &P, i, j);
    return 0;
}

/* --- the array's chunk sizes ---------------------------------------------------------- */

int dusk_viewer_set_array(dusk_viewer *v, const struct dusk_array *a, dusk_error *err)
{
    DUSK__NONNULL(err, v);
    DUSK__NONNULL(err, a);
    int rc = dusk_array_status(a, err);
    if (rc != 0)
        return rc;
    dusk__chunks *C = chunks_of(v);
    const char *name = dusk_array_name(a);
    int nd = dusk_array_ndim(a), keep = nd < 2 ? nd : 2;
    int64_t *ch[2] = {NULL, NULL};
    if (!C)
        return dusk_error_set(err, DUSK_ENOMEM, "out of memory for the array's chunk map");
    size_t len = name ? strlen(name) : 0;
    char *nm = dusk_malloc(len + 1);
    for (int d = 0; d < keep && nm; d++) {
        int64_t nb = dusk_array_numblocks(a, d);
        ch[d] = dusk_malloc((size_t)(nb > 0 ? nb : 1) * sizeof *ch[d]);
        if (!ch[d])
            break;
        memcpy(ch[d], dusk_array_chunks(a, d), (size_t)nb * sizeof *ch[d]);
    }
    if (!nm || (keep > 0 && !ch[0]) || (keep > 1 && !ch[1])) {
        dusk_free(nm);
        dusk_free(ch[0]);
        dusk_free(ch[1]);
        return dusk_error_set(err, DUSK_ENOMEM, "out of memory for the array's chunk map");
    }
    memcpy(nm, name ? name : "", len + 1);
    dusk_free(C->arr_name);
    dusk_free(C->arr_chunks[0]);
    dusk_free(C->arr_chunks[1]);
    C->arr_name = nm;
    C->arr_ndim = nd;
    C->arr_chunks[0] = ch[0];
    C->arr_chunks[1] = ch[1];
    for (int d = 0; d < 2; d++)
        C->arr_nb[d] = d < keep ? dusk_array_numblocks(a, d) : 0;
    /* the grids are made again, with these sizes, at the next draw */
    drop_grids(C);
    return 0;
}
