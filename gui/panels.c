/*
** dusk gui — the task stream, memory and progress panels, and the status line
**
** Every panel reads the current run's log (v->log[0..v->shown)) and the
** facts model.c keeps per task (t_start, t_end, worker_of), and draws as
** of "now", the time of log[shown - 1]: when the user scrubs back, bars,
** curves and counts stop there. Times are the events' clock (ns since the
** run began); v->t0, the RUN_BEGIN's time, is t = 0 of the axes.
**
** What does not change during a run is computed once per plan and cached
** in v->panels (holding a reference to the plan, so that a later plan made
** at the same address can never be taken for it): each task's colour
** (its function's, from the profiler's palette: dusk_profiler_colour with
** no profiler, so the live window and the charts agree), each task's group
** (Dask's key_split of its key) and the groups in order of first
** appearance in static order (dusk_plan_priority).
**
** Speed (bench/gui.c, gui.frame.panels.100k): the stream's bars are
** batched, one SDL_RenderFillRectsF per colour, and cover whole pixels; a
** bar whose pixels its row has already painted is skipped (the first bar
** in a pixel shows), so a row draws at most one rectangle per pixel
** column however many tasks it ran: filling 50,000 one-pixel bars of the
** full row height cost 12 ms a frame, the fill rate and not the count. The memory curves are drawn per pixel column (the
** lowest and highest value in the column, one rectangle), whatever the
** number of points.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"
#include "draw.h"
#include "dusk/profiler.h"

#define STRIP_H dusk__strip_h(f->line)   /* the title strip, as the graph's legend */
#define MARGIN 8
#define MAX_COLOURS 64               /* distinct function colours (the palette has 20) */
#define MAX_GROUP_ROWS 40
#define DEFAULT_SPAN_S 10.0
#define RSS_EVERY_NS 20000000ull     /* 20 ms between RSS samples */

static const uint8_t held_rgb[3] = {0xff, 0x7f, 0x0e};   /* as the profiler's memory chart */
static const uint8_t rss_rgb[3] = {0x1f, 0x77, 0xb4};

typedef struct dusk__panels {
    const dusk_plan *plan;          /* a reference: what the rest was made from */
    size_t ngraph;
    /* colours: per graph id an index into rgb; the functions for the legend */
    uint8_t *colour;
    uint8_t rgb[MAX_COLOURS][3];
    int ncolours;
    const struct dusk__theme *user; /* the viewer's own theme (its states kept apart too) */
    dusk__strtab funcs;             /* function names, first seen first */
    uint8_t *func_colour;           /* per function: its colour index */
    /* groups: per graph id its group (-1: not in the plan) */
    int32_t *group;
    dusk__strtab names;             /* group names, first seen first */
    size_t ngroups;
    uint32_t *order;                /* group ids by first appearance in static order */
    uint32_t *total;                /* per group: its tasks */
    /* The plan's literals ('a': 1): nodes of the graph, but no task of
     * the run's counts, as Dask's ProgressBar counts them (its literals
     * go to the cache, never to waiting, ready or finished): in no group,
     * and taken out of the status line's done and total. */
    uint32_t *lits;
    size_t nlits;
    uint32_t *counts;               /* per group x DUSK_TASK_NSTATES, per frame */
    /* per-frame buffers */
    SDL_FRect *rects, *sorted;
    uint8_t *rect_colour;
    size_t rects_cap;
    float *last_x;                  /* per worker row: where its last bar ended */
    size_t rows_cap;
    /* The log's STARTs in order, their task and index in the log, indexed
     * up to log[scanned]: each frame reads the new events only, not the
     * whole log (at 48 bytes an event, 400,000 of them cost 3 ms). */
    int64_t *st_task;
    size_t *st_at;
    size_t nst, st_cap, scanned;
    uint64_t st_last_t;             /* the last indexed START's time */
    /* The same per worker row (indices into st_*), so that a frame jumps
     * over the bars a row's painted pixels hide (a bisection over their
     * ends) instead of visiting each of 200,000: valid while each row's
     * tasks end before its next starts (mono, as a run's workers do; a
     * trace that breaks it is drawn bar by bar). rows_ok: no row lost a
     * START to memory. */
    struct srow {
        size_t *k;
        size_t n, cap;
        int mono;
    } *srows;
    size_t nsrows;
    int rows_ok;
    size_t *rect_key;               /* rows_walk's: per rectangle, its START */
    /* dusk__memory_stats_of's sums of each series as of the last frame:
     * the first n points of p (all at or before now), in run `runs` */
    struct mstat {
        uint64_t runs;
        const dusk_held_point *p;
        size_t n;
        uint64_t now, val, peak, peak_t;
    } mstat[2];
    struct mblocks {                /* draw_series': per series, as blocks_update says */
        uint64_t runs;
        const dusk_held_point *p;
        uint64_t *mn, *mx;
        size_t nb, cap;
    } mblocks[2];
    SDL_FRect peak_box[2];          /* the peaks' labels as last drawn (w 0: none) */
    struct keyed_bar *keyed;
    size_t keyed_cap;
} dusk__panels;

int dusk__stream_walk_all, dusk__stream_walked_rows;

void dusk__panels_free(dusk_viewer *v)
{
    dusk__panels *P = v ? v->panels : NULL;
    if (!P)
        return;
    dusk_plan_unref(P->plan);
    dusk_free(P->colour);
    dusk__strtab_free(&P->funcs);
    dusk_free(P->func_colour);
    dusk_free(P->group);
    dusk__strtab_free(&P->names);
    dusk_free(P->order);
    dusk_free(P->total);
    dusk_free(P->lits);
    dusk_free(P->counts);
    dusk_free(P->rects);
    dusk_free(P->sorted);
    dusk_free(P->rect_colour);
    dusk_free(P->last_x);
    dusk_free(P->st_task);
    dusk_free(P->st_at);
    for (size_t w = 0; w < P->nsrows; w++)
        dusk_free(P->srows[w].k);
    dusk_free(P->srows);
    dusk_free(P->rect_key);
    dusk_free(P->keyed);
    for (int k = 0; k < 2; k++) {
        dusk_free(P->mblocks[k].mn);
        dusk_free(P->mblocks[k].mx);
    }
    dusk_free(P);
    v->panels = NULL;
}

/* --- the per-plan cache ---------------------------------------------------- */

static const char *func_name(const dusk_plan *p, int64_t t)
{
    /* the names the profiler's records give (profiler/record.c) */
    const dusk_func *f = dusk_plan_func(p, t);
    if (f)
        return f->name ? f->name : "(unnamed)";
    return dusk_plan_entry_kind(p, t) == DUSK_ENTRY_ALIAS ? "(alias)" : "(value)";
}

/* The function palette's colours: every two at least DUSK__FUNC_RGB_APART
 * apart, and as far from every state colour of every theme (Category20's
 * and Category20b's shades that are, greys and the states' own hues left
 * out), so that a task's bar never reads as a state, nor two functions
 * as one. */
const uint8_t dusk__func_rgb[DUSK__NFUNC_RGB][3] = {
    {0xff, 0x7f, 0x0e}, {0x94, 0x67, 0xbd}, {0x8c, 0x56, 0x4b}, {0xe3, 0x77, 0xc2},
    {0xbc, 0xbd, 0x22}, {0x17, 0xbe, 0xcf}, {0xff, 0xbb, 0x78}, {0x98, 0xdf, 0x8a},
    {0xf7, 0xb6, 0xd2}, {0x9e, 0xda, 0xe5}, {0x39, 0x3b, 0x79}, {0xd6, 0x61, 0x6b},
    {0x00, 0x79, 0x6b}, {0x4e, 0x34, 0x2e}};

double dusk__rgb_distance(const uint8_t a[3], const uint8_t b[3])
{
    double d = 0;
    for (int i = 0; i < 3; i++)
        d += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
    return sqrt(d);
}

/* Whether rgb is at least DUSK__FUNC_RGB_APART from every state colour of
 * every theme, the user's own among them (a state they set to a function's
 * colour would read as it), and from the colours taken. */
static int rgb_free(const dusk__panels *P, const uint8_t rgb[3])
{
    for (int th = 0; th <= DUSK__NTHEMES; th++) {
        const dusk__theme *t = th < DUSK__NTHEMES ? dusk__theme_at(th) : P->user;
        for (int k = 0; t && k < DUSK_TASK_NSTATES; k++)
            if (dusk__rgb_distance(rgb, t->state[k]) < DUSK__FUNC_RGB_APART)
                return 0;
    }
    for (int k = 0; k < P->ncolours; k++)
        if (dusk__rgb_distance(rgb, P->rgb[k]) < DUSK__FUNC_RGB_APART)
            return 0;
    return 1;
}

/* A new function's colour: the profiler's (so that the live window and
 * its charts agree) when it is free, else the palette's first free one
 * (the profiler's hash gave inc and identity one grey, and sub the grey
 * of waiting), else, past the palette, the palette's colours again. */
static void func_rgb(const dusk__panels *P, const char *fn, uint8_t rgb[3])
{
    dusk_profiler_colour(NULL, fn, rgb);
    if (rgb_free(P, rgb))
        return;
    for (int k = 0; k < DUSK__NFUNC_RGB; k++)
        if (rgb_free(P, dusk__func_rgb[k])) {
            memcpy(rgb, dusk__func_rgb[k], 3);
            return;
        }
    memcpy(rgb, dusk__func_rgb[P->ncolours % DUSK__NFUNC_RGB], 3);
}

typedef struct first_seen {
    int64_t prio;                   /* the group's first task in static order */
    uint32_t group;
} first_seen;

static int by_first(const void *a, const void *b)
{
    const first_seen *x = a, *y = b;
    if (x->prio != y->prio)
        return x->prio < y->prio ? -1 : 1;
    return x->group < y->group ? -1 : x->group > y->group;
}

static int build_cache(dusk__panels *P, const dusk_plan *plan, const dusk__layout *L)
{
    size_t ng = L->ngraph ? L->ngraph : 1;
    P->ngraph = L->ngraph;
    P->colour = dusk_calloc(ng, 1);
    P->group = dusk_malloc(ng * sizeof *P->group);
    if (!P->colour || !P->group)
        return DUSK_ENOMEM;
    for (size_t i = 0; i < L->ngraph; i++)
        P->group[i] = -1;
    first_seen *first = NULL;
    size_t first_cap = 0, lits_cap = 0;
    for (size_t i = 0; i < L->ntasks; i++) {
        int64_t t = L->order[i];
        dusk_entry_kind kind = dusk_plan_entry_kind(plan, t);
        if (kind == DUSK_ENTRY_VALUE) {   /* no task: in no group (above) */
            if (P->nlits == lits_cap) {
                size_t cap = lits_cap ? 2 * lits_cap : 16;
                uint32_t *nl = dusk_realloc(P->lits, cap * sizeof *nl);
                if (!nl)
                    goto oom;
                P->lits = nl;
                lits_cap = cap;
            }
            P->lits[P->nlits++] = (uint32_t)t;
            continue;
        }
        /* an alias runs nothing either: no bar, no legend entry (but a
         * task in Dask's counts, as its value is computed by the run) */
        if (kind == DUSK_ENTRY_TASK) {
            const char *fn = func_name(plan, t);
            size_t nfuncs = P->funcs.n;
            int64_t fi = dusk__strtab_intern(&P->funcs, fn, strlen(fn));
            if (fi < 0)
                goto oom;
            if (P->funcs.n > nfuncs) {   /* a new function: its colour */
                uint8_t *fc = dusk_realloc(P->func_colour, P->funcs.n);
                if (!fc)
                    goto oom;
                P->func_colour = fc;
                uint8_t rgb[3];
                func_rgb(P, fn, rgb);
                int k = 0;
                while (k < P->ncolours && memcmp(P->rgb[k], rgb, 3) != 0)
                    k++;
                if (k == P->ncolours && k < MAX_COLOURS)
                    memcpy(P->rgb[P->ncolours++], rgb, 3);
                P->func_colour[fi] = (uint8_t)(k < MAX_COLOURS ? k : MAX_COLOURS - 1);
            }
            P->colour[t] = P->func_colour[fi];
        }

        char grp[256];
        size_t len = dusk_key_split(dusk_plan_key(plan, t), grp, sizeof grp);
        if (len >= sizeof grp)
            len = sizeof grp - 1;   /* a longer group name is cut, not split */
        size_t ngroups = P->names.n;
        int64_t gi = dusk__strtab_intern(&P->names, grp, len);
        if (gi < 0)
            goto oom;
        P->group[t] = (int32_t)gi;
        int64_t prio = dusk_plan_priority(plan, t);
        if ((size_t)gi >= first_cap) {
            size_t cap = first_cap ? 2 * first_cap : 64;
            first_seen *nf = dusk_realloc(first, cap * sizeof *nf);
            if (!nf)
                goto oom;
            first = nf;
            first_cap = cap;
        }
        if (P->names.n > ngroups || prio < first[gi].prio)
            first[gi] = (first_seen){prio, (uint32_t)gi};
    }
    P->ngroups = P->names.n;
    size_t ngr = P->ngroups ? P->ngroups : 1;
    P->order = dusk_malloc(ngr * sizeof *P->order);
    P->total = dusk_calloc(ngr, sizeof *P->total);
    P->counts = dusk_calloc(ngr * DUSK_TASK_NSTATES, sizeof *P->counts);
    if (!P->order || !P->total || !P->counts)
        goto oom;
    if (P->ngroups)
        qsort(first, P->ngroups, sizeof *first, by_first);
    for (size_t g = 0; g < P->ngroups; g++)
        P->order[g] = first[g].group;
    for (size_t i = 0; i < L->ntasks; i++)
        if (P->group[L->order[i]] >= 0)
            P->total[P->group[L->order[i]]]++;
    dusk_free(first);
    return 0;
oom:
    dusk_free(first);
    return DUSK_ENOMEM;
}

/* The cache for the current plan, made at the first frame of its run;
 * NULL with no run, or when memory ran out (then the panels show their
 * strips alone and the next frame tries again). */
static dusk__panels *cache(dusk_viewer *v)
{
    if (!v->plan || !v->state)
        return NULL;
    if (v->panels && v->panels->plan == v->plan && v->panels->ngraph == v->layout.ngraph)
        return v->panels;
    dusk__panels_free(v);
    dusk__panels *P = dusk_calloc(1, sizeof *P);
    if (!P)
        return NULL;
    v->panels = P;
    P->plan = dusk_plan_ref(v->plan);
    P->user = v->user_theme;
    if (build_cache(P, v->plan, &v->layout) != 0) {
        dusk__panels_free(v);
        return NULL;
    }
    return P;
}

int32_t dusk__task_group(dusk_viewer *v, int64_t t, const char **name, size_t *ngroups)
{
    dusk__panels *P = cache(v);
    if (!P || t < 0 || (size_t)t >= P->ngraph || P->group[t] < 0)
        return -1;
    *name = dusk__strtab_text(&P->names, P->group[t]);
    *ngroups = P->ngroups;
    return P->group[t];
}

int dusk__stream_colour(const dusk_viewer *v, int64_t t, uint8_t rgb[3])
{
    const dusk__panels *P = v && v->panels && v->panels->plan == v->plan ? v->panels : NULL;
    if (!P || t < 0 || (size_t)t >= P->ngraph ||
        dusk_plan_entry_kind(v->plan, t) != DUSK_ENTRY_TASK)
        return -1;
    memcpy(rgb, P->rgb[P->colour[t]], 3);
    return 0;
}

static int grow_rects(dusk__panels *P, size_t n)
{
    if (n <= P->rects_cap)
        return 0;
    SDL_FRect *a = dusk_realloc(P->rects, n * sizeof *a);
    if (a)
        P->rects = a;
    SDL_FRect *s = dusk_realloc(P->sorted, n * sizeof *s);
    if (s)
        P->sorted = s;
    uint8_t *c = dusk_realloc(P->rect_colour, n);
    if (c)
        P->rect_colour = c;
    size_t *k = dusk_realloc(P->rect_key, n * sizeof *k);
    if (k)
        P->rect_key = k;
    if (!a || !s || !c || !k)
        return DUSK_ENOMEM;
    P->rects_cap = n;
    return 0;
}

/* Indexes the STARTs of log[scanned..nlog). A log that is not the one
 * indexed (shorter, or its last indexed START not there at its time: a new
 * run of the same plan) is indexed afresh. On out of memory the index stops short; the
 * stream then shows the tasks started before. */
static void index_row(const dusk_viewer *v, dusk__panels *P, size_t k)
{
    int32_t w = v->log[P->st_at[k]].worker;
    if (w < 0 || (size_t)w >= v->nworkers)
        return;   /* not drawn: no row */
    if ((size_t)w >= P->nsrows) {
        size_t n = v->nworkers;
        struct srow *r = dusk_realloc(P->srows, n * sizeof *r);
        if (!r) {
            P->rows_ok = 0;
            return;
        }
        memset(r + P->nsrows, 0, (n - P->nsrows) * sizeof *r);
        for (size_t i = P->nsrows; i < n; i++)
            r[i].mono = 1;
        P->srows = r;
        P->nsrows = n;
    }
    struct srow *r = &P->srows[w];
    if (r->n) {   /* the row's last task ended before this one started */
        int64_t prev = P->st_task[r->k[r->n - 1]];
        if (!v->t_end[prev] || v->t_end[prev] > v->log[P->st_at[k]].t_ns)
            r->mono = 0;
    }
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 256;
        size_t *a = dusk_realloc(r->k, cap * sizeof *a);
        if (!a) {
            P->rows_ok = 0;
            return;
        }
        r->k = a;
        r->cap = cap;
    }
    r->k[r->n++] = k;
}

static void index_starts(const dusk_viewer *v, dusk__panels *P)
{
    if (P->scanned > v->nlog ||
        (P->nst && (v->log[P->st_at[P->nst - 1]].kind != DUSK_EV_START ||
                    v->log[P->st_at[P->nst - 1]].task != P->st_task[P->nst - 1] ||
                    v->log[P->st_at[P->nst - 1]].t_ns != P->st_last_t)))
        P->nst = P->scanned = 0;
    if (P->nst == 0 && P->scanned == 0) {
        P->rows_ok = 1;
        for (size_t w = 0; w < P->nsrows; w++) {
            P->srows[w].n = 0;
            P->srows[w].mono = 1;
        }
    }
    for (size_t i = P->scanned; i < v->nlog; i++, P->scanned = i) {
        if (v->log[i].kind != DUSK_EV_START ||
            dusk_plan_entry_kind(v->plan, v->log[i].task) != DUSK_ENTRY_TASK)
            continue;   /* a literal's or an alias's START: no task of the run */
        if (P->nst == P->st_cap) {
            size_t cap = P->st_cap ? 2 * P->st_cap : 1024;
            int64_t *t = dusk_realloc(P->st_task, cap * sizeof *t);
            if (t)
                P->st_task = t;
            size_t *a = dusk_realloc(P->st_at, cap * sizeof *a);
            if (a)
                P->st_at = a;
            if (!t || !a)
                return;
            P->st_cap = cap;
        }
        P->st_task[P->nst] = v->log[i].task;
        P->st_at[P->nst] = i;
        index_row(v, P, P->nst++);
        P->st_last_t = v->log[i].t_ns;
    }
    P->scanned = v->nlog;
}

/* How many of the indexed STARTs are in log[0..shown). */
static size_t starts_shown(const dusk_viewer *v, const dusk__panels *P)
{
    size_t lo = 0, hi = P->nst;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (P->st_at[mid] < v->shown)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* --- shared pieces ------------------------------------------------------------ */

/* "Now": the time of the last event shown, in the log's clock. */
static uint64_t now_of(const dusk_viewer *v)
{
    return dusk__view_now(v);
}

static uint64_t rel(const dusk_viewer *v, uint64_t t)
{
    return t > v->t0 ? t - v->t0 : 0;
}

/* The first index of [a, b) at which holds(ctx, i) is false, where it
 * holds for a prefix (b when it holds throughout): galloping from a (the
 * answer is mostly near a, and near in memory), then halving. Inlined
 * where it is called, with the caller's holds. */
static inline size_t gallop(size_t a, size_t b, int (*holds)(const void *ctx, size_t i),
                            const void *ctx)
{
    size_t step = 1;
    while (a + step < b && holds(ctx, a + step - 1)) {
        a += step;
        step *= 2;
    }
    if (a + step < b)
        b = a + step;   /* holds(a + step - 1) is false */
    while (a < b) {
        size_t mid = a + (b - a) / 2;
        if (holds(ctx, mid))
            a = mid + 1;
        else
            b = mid;
    }
    return a;
}

static void strip(dusk__frame *f, SDL_Rect b, const char *title)
{
    dusk__fill(f, f->th->strip, (float)b.x, (float)b.y, (float)b.w, STRIP_H);
    /* a strip the colour of the panel (high contrast: black on black) is
     * told from it by a rule */
    if (!memcmp(f->th->strip, f->th->bg, 3))
        dusk__fill(f, f->th->dim, (float)b.x, (float)(b.y + STRIP_H - f->th->stroke), (float)b.w,
                   (float)f->th->stroke);
    dusk__text(f, (float)(b.x + MARGIN), (float)b.y + (float)(STRIP_H - f->line) / 2, title,
               f->th->fg);
}

/* A "nice" step (1, 2 or 5 times a power of ten) near range / n. */
static double nice_step(double range, int n)
{
    if (!(range > 0) || n < 1)
        return 1;
    double raw = range / n, mag = 1;
    while (mag * 10 <= raw)
        mag *= 10;
    while (mag > raw)
        mag /= 10;
    double r = raw / mag;
    return (r < 1.5 ? 1 : r < 3.5 ? 2 : r < 7.5 ? 5 : 10) * mag;
}

/* A time tick's label: the unit of the axis's end (end_ns), so that one
 * axis speaks one unit and "176.5 ms" is not "176500 us", with as many
 * decimals as the step needs there (at most 9; never %g's exponent:
 * "1.10283e+06 us" for ticks 1 us apart at 1.1 s). */
void dusk__tick_label(char *buf, size_t n, double ns, double step_ns, double end_ns)
{
    static const struct { double k; const char *unit; } U[] = {
        {1e9, "s"}, {1e6, "ms"}, {1e3, "us"}, {1, "ns"}};
    double big = end_ns > step_ns ? end_ns : step_ns;
    size_t i = 0;
    while (i < 3 && big < U[i].k)
        i++;
    int dec = 0;
    for (double st = step_ns / U[i].k; st < 0.999999 && dec < 9; st *= 10)
        dec++;
    snprintf(buf, n, "%.*f %s", dec, ns / U[i].k, U[i].unit);
}

double dusk__tick_step(const dusk__frame *f, float w, uint64_t lo, uint64_t hi, double *first)
{
    double range = (double)(hi - lo);
    /* as many ticks as their labels leave room for: first a tick per 90
     * px, then fewer while the widest label (the first's or the last's)
     * and a gap do not fit between two */
    for (int n = (int)(w / 90) > 2 ? (int)(w / 90) : 2;; n--) {
        double step = nice_step(range, n);
        *first = step * (double)(uint64_t)((double)lo / step);
        if (*first < (double)lo)
            *first += step;
        double last = *first + step * (double)(uint64_t)(((double)hi - *first) / step);
        char a[32], b[32];
        dusk__tick_label(a, sizeof a, *first, step, (double)hi);
        dusk__tick_label(b, sizeof b, last, step, (double)hi);
        float lw = dusk__text_width(f, a) > dusk__text_width(f, b) ? dusk__text_width(f, a)
                                                                    : dusk__text_width(f, b);
        if (!(range > 0) || (float)(step / range) * w >= lw + 12)
            return step;
        if (n <= 1)
            return 2 * range;   /* not even two fit: the first alone */
    }
}

/* Time ticks under a plot from x0 (time lo) to x0 + w (time hi). */
static void time_ticks(dusk__frame *f, float x0, float y, float w, uint64_t lo, uint64_t hi)
{
    double range = (double)(hi - lo), first;
    double step = dusk__tick_step(f, w, lo, hi, &first);
    dusk__set_rgb(f, f->th->dim);
    for (double t = first; t <= (double)hi * (1 + 1e-9); t += step) {
        float x = x0 + (float)((t - (double)lo) / range) * w;
        SDL_RenderDrawLineF(f->r, x, y, x, y + 4);
    }
    for (double t = first; t <= (double)hi * (1 + 1e-9); t += step) {
        float x = x0 + (float)((t - (double)lo) / range) * w;
        char s[32];
        dusk__tick_label(s, sizeof s, t, step, (double)hi);
        float tw = dusk__text_width(f, s);
        dusk__text(f, x - tw / 2, y + 5, s, f->th->dim);
    }
}

/* --- the task stream ------------------------------------------------------------ */

typedef struct stream_geom {
    float px, py, pw, ph;     /* the plot */
    float rowh, gap;
    size_t nw;
    uint64_t lo, hi, now;     /* the window and now, relative to t0 */
    uint64_t now_log;         /* now in the log's clock */
    double px_per_ns;
} stream_geom;

uint64_t dusk__time_origin(const dusk_viewer *v, uint64_t now)
{
    return v && v->layout_ns < now ? v->layout_ns : 0;
}

static void stream_geom_of(const dusk_viewer *v, const dusk__frame *f, SDL_Rect b, stream_geom *g)
{
    char widest[24];
    snprintf(widest, sizeof widest, "%zu", v->nworkers ? v->nworkers - 1 : 0);
    float lw = dusk__text_width(f, widest);
    g->px = (float)b.x + MARGIN + lw + 6;
    g->py = (float)b.y + STRIP_H + 4;
    g->pw = (float)(b.x + b.w - MARGIN) - g->px;
    g->ph = (float)(b.y + b.h) - (float)(f->line + 8) - g->py;
    if (g->pw < 1)
        g->pw = 1;
    if (g->ph < 1)
        g->ph = 1;
    g->nw = v->state ? v->nworkers : 0;
    g->rowh = g->nw ? g->ph / (float)g->nw : g->ph;
    g->gap = g->rowh > 6 ? 1.0f : 0.0f;
    double span_s = v->stream_span > 0 ? v->stream_span : DEFAULT_SPAN_S;
    uint64_t span = (uint64_t)(span_s * 1e9);
    g->now_log = now_of(v);
    g->now = rel(v, g->now_log);
    /* A live run's first task starts once the viewer's start callback has
     * laid it out: the plot begins there (its ticks still say the run's
     * time), not with a gap as long as the layout. The layout's end is
     * read a little after the events' t = 0, so no START comes before it. */
    uint64_t from = dusk__time_origin(v, g->now);
    if (g->now - from <= span) {
        g->lo = from;
        g->hi = g->now > from ? g->now : from + 1;
    } else {
        g->lo = g->now - span;
        g->hi = g->now;
    }
    g->px_per_ns = (double)g->pw / (double)(g->hi - g->lo);
}

static float stream_x(const stream_geom *g, uint64_t t)
{
    if (t < g->lo)
        t = g->lo;
    return g->px + (float)((double)(t - g->lo) * g->px_per_ns);
}

/* Whether task t has started as of now: its START is in log[0..shown).
 * Times decide unless its START has now's time stamp, which events just
 * after now may share. */
static int started(const dusk_viewer *v, int64_t t)
{
    uint64_t now = now_of(v);
    if (v->worker_of[t] < 0 || v->t_start[t] > now)
        return 0;
    if (v->t_start[t] < now)
        return 1;
    for (size_t i = v->shown; i-- > 0 && v->log[i].t_ns == now;)
        if (v->log[i].kind == DUSK_EV_START && v->log[i].task == t)
            return 1;
    return 0;
}

/* Task t's bar as drawn (before the skipping of repainted pixels): 0, or
 * -1 when it is not on the plot as of now. */
static int bar_of(const dusk_viewer *v, const stream_geom *g, int64_t t, SDL_FRect *r)
{
    int32_t w = v->worker_of[t];
    if (w < 0 || (size_t)w >= g->nw)
        return -1;
    uint64_t e = v->t_end[t] && v->t_end[t] <= g->now_log ? rel(v, v->t_end[t]) : g->now;
    if (e < g->lo)
        return -1;
    /* whole pixels, so that a row paints each pixel column at most once */
    float x0 = (float)(int)stream_x(g, rel(v, v->t_start[t])), x1 = (float)(int)stream_x(g, e);
    if (x1 - x0 >= 4)
        x1 -= 1;   /* a hairline between tasks back to back */
    else if (x1 - x0 < 1)
        x1 = x0 + 1;
    *r = (SDL_FRect){x0, g->py + g->rowh * (float)w + g->gap, x1 - x0, g->rowh - 2 * g->gap};
    if (r->h < 1)
        r->h = 1;
    return 0;
}

static int stream_bar(const dusk_viewer *v, const stream_geom *g, int64_t t, SDL_FRect *r)
{
    if (v->worker_of[t] < 0 || !started(v, t))
        return -1;   /* scrubbed back before its START */
    if (dusk_plan_entry_kind(v->plan, t) != DUSK_ENTRY_TASK)
        return -1;   /* a literal or an alias: no task of the run */
    return bar_of(v, g, t, r);
}

static void outline(dusk__frame *f, SDL_FRect r)
{
    SDL_RenderDrawRectF(f->r, &r);
    if (r.w > 4 && r.h > 4)
        SDL_RenderDrawRectF(f->r, &(SDL_FRect){r.x + 1, r.y + 1, r.w - 2, r.h - 2});
}

static void stream_selection(dusk_viewer *v, dusk__frame *f, const stream_geom *g)
{
    int64_t sel = v->selected;
    if (sel < 0 || (size_t)sel >= v->layout.ngraph || v->state[sel] == 0xff)
        return;
    dusk__set_rgb(f, f->th->accent);
    SDL_FRect r;
    if (stream_bar(v, g, sel, &r) == 0)
        outline(f, r);
    for (int side = 0; side < 2; side++) {
        const int64_t *ids;
        int64_t n = side ? dusk_plan_dependents(v->plan, sel, &ids)
                         : dusk_plan_dependencies(v->plan, sel, &ids);
        for (int64_t i = 0; i < n; i++)
            if (stream_bar(v, g, ids[i], &r) == 0)
                outline(f, r);
    }
}

/* Task t's bar into the frame's rectangles, unless it is off the plot or
 * its pixels are painted already (the first bar there shows). */
static inline void put_bar(const dusk_viewer *v, dusk__panels *P, const stream_geom *g,
                           int64_t t, size_t *nbars)
{
    SDL_FRect r;
    if (bar_of(v, g, t, &r) != 0)   /* started: its START is shown */
        return;
    size_t w = (size_t)v->worker_of[t];
    float x1 = r.x + r.w;
    if (x1 <= P->last_x[w])
        return;
    if (r.x < P->last_x[w]) {
        r.w = x1 - P->last_x[w];
        r.x = P->last_x[w];
    }
    P->last_x[w] = x1;
    P->rects[*nbars] = r;
    P->rect_colour[(*nbars)++] = (uint8_t)P->colour[t];
}

/* Whether the bar of a row's j-th task is hidden for sure: off the plot
 * to the left, or its last pixel left of where the row is painted. Along
 * a mono row the ends do not go back, so this holds for a prefix. */
static inline int hidden(const dusk_viewer *v, const dusk__panels *P, const stream_geom *g,
                         const struct srow *r, size_t j, float last_x)
{
    int64_t t = P->st_task[r->k[j]];
    uint64_t e = v->t_end[t] && v->t_end[t] <= g->now_log ? rel(v, v->t_end[t]) : g->now;
    return e < g->lo || (float)(int)stream_x(g, e) + 1 <= last_x;
}

/* hidden, for gallop: a row's bars left of where it is painted (last_x). */
typedef struct row_at {
    const dusk_viewer *v;
    const dusk__panels *P;
    const stream_geom *g;
    const struct srow *r;
    float last_x;
} row_at;

static inline int row_hidden(const void *ctx, size_t j)
{
    const row_at *a = ctx;
    return hidden(a->v, a->P, a->g, a->r, j, a->last_x);
}

typedef struct keyed_bar {
    size_t key;   /* the START's place in the log's order */
    SDL_FRect r;
    uint8_t c;
} keyed_bar;

static int by_key(const void *a, const void *b)
{
    size_t x = ((const keyed_bar *)a)->key, y = ((const keyed_bar *)b)->key;
    return (x > y) - (x < y);
}

/* The bars row by row, each row bisecting past the bars it hides, then
 * put back in the log's order where rows may share a pixel line at their
 * edges (no gap between them: the later START is drawn over, as bar by
 * bar), so the same
 * rectangles as put_bar over every START, for some rows x pixels bars.
 * 0 when a row cannot (not mono, a START not indexed, rows thinner than a
 * pixel, out of memory, or a test asked): the caller walks them all. */
static int rows_walk(const dusk_viewer *v, dusk__panels *P, const stream_geom *g, size_t *nbars)
{
    if (dusk__stream_walk_all || !P->rows_ok || g->rowh < 1 || P->nsrows < g->nw)
        return 0;
    for (size_t w = 0; w < g->nw; w++)
        if (!P->srows[w].mono)
            return 0;
    size_t n = 0;
    for (size_t w = 0; w < g->nw; w++) {
        const struct srow *r = &P->srows[w];
        size_t lo = 0, hi = r->n;   /* the row's STARTs shown */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (P->st_at[r->k[mid]] < v->shown)
                lo = mid + 1;
            else
                hi = mid;
        }
        size_t shown = lo;
        for (size_t j = 0; j < shown; j++) {
            if (hidden(v, P, g, r, j, P->last_x[w])) {
                /* the first not hidden */
                row_at at = {v, P, g, r, P->last_x[w]};
                if ((j = gallop(j + 1, shown, row_hidden, &at)) == shown)
                    break;
            }
            size_t before = n;
            put_bar(v, P, g, P->st_task[r->k[j]], &n);
            if (n > before)
                P->rect_key[before] = r->k[j];
        }
    }
    *nbars = n;
    if (g->gap >= 1)
        return 1;   /* rows two pixels apart: no pixel is two rows', order is free */
    if (n > P->keyed_cap) {
        keyed_bar *kb = dusk_realloc(P->keyed, n * sizeof *kb);
        if (!kb)
            return 0;
        P->keyed = kb;
        P->keyed_cap = n;
    }
    for (size_t i = 0; i < n; i++)
        P->keyed[i] = (keyed_bar){P->rect_key[i], P->rects[i], P->rect_colour[i]};
    qsort(P->keyed, n, sizeof *P->keyed, by_key);
    for (size_t i = 0; i < n; i++) {
        P->rects[i] = P->keyed[i].r;
        P->rect_colour[i] = P->keyed[i].c;
    }
    *nbars = n;
    return 1;
}

uint64_t dusk__axis_drawn[2][2];

void dusk__panel_stream(dusk_viewer *v, dusk__frame *f, SDL_Rect b)
{
    SDL_RenderSetClipRect(f->r, &b);
    dusk__fill(f, f->th->bg, (float)b.x, (float)b.y, (float)b.w, (float)b.h);
    dusk__panels *P = cache(v);
    stream_geom g;
    stream_geom_of(v, f, b, &g);
    dusk__axis_drawn[0][0] = g.lo;
    dusk__axis_drawn[0][1] = g.hi;
    size_t nbars = 0;
    if (P && g.nw && P->rows_cap < g.nw) {
        float *lx = dusk_realloc(P->last_x, g.nw * sizeof *lx);
        if (lx) {
            P->last_x = lx;
            P->rows_cap = g.nw;
        }
    }
    if (P && g.nw && P->rows_cap >= g.nw && grow_rects(P, v->layout.ntasks ? v->layout.ntasks : 1) == 0) {
        for (size_t w = 0; w < g.nw; w++)
            P->last_x[w] = -1;
        /* STARTs in the log's order: each row's bars left to right */
        index_starts(v, P);
        dusk__stream_walked_rows = rows_walk(v, P, &g, &nbars);
        if (!dusk__stream_walked_rows) {
            size_t nst = starts_shown(v, P);
            nbars = 0;
            for (size_t w = 0; w < g.nw; w++)
                P->last_x[w] = -1;
            for (size_t i = 0; i < nst; i++)
                put_bar(v, P, &g, P->st_task[i], &nbars);
        }
        /* one SDL_RenderFillRectsF per colour */
        size_t start[MAX_COLOURS + 1] = {0}, fill[MAX_COLOURS];
        for (size_t i = 0; i < nbars; i++)
            start[P->rect_colour[i] + 1]++;
        for (int k = 0; k < MAX_COLOURS; k++)
            start[k + 1] += start[k];
        memcpy(fill, start, sizeof fill);
        for (size_t i = 0; i < nbars; i++)
            P->sorted[fill[P->rect_colour[i]]++] = P->rects[i];
        for (int k = 0; k < P->ncolours; k++)
            if (start[k + 1] > start[k]) {
                dusk__set_rgb(f, P->rgb[k]);
                SDL_RenderFillRectsF(f->r, P->sorted + start[k], (int)(start[k + 1] - start[k]));
            }
        stream_selection(v, f, &g);
    }

    /* worker labels, every row that has room for one */
    if (g.nw) {
        size_t every = (size_t)((float)f->line / g.rowh) + 1;
        for (size_t w = 0; w < g.nw; w += every) {
            char s[24];
            snprintf(s, sizeof s, "%zu", w);
            float tw = dusk__text_width(f, s);
            dusk__text(f, g.px - 6 - tw, g.py + g.rowh * ((float)w + 0.5f) - (float)f->line / 2,
                       s, f->th->dim);
        }
    }
    dusk__set_rgb(f, f->th->dim);
    SDL_RenderDrawLineF(f->r, g.px, g.py + g.ph, g.px + g.pw, g.py + g.ph);
    if (g.nw)
        time_ticks(f, g.px, g.py + g.ph, g.pw, g.lo, g.hi);

    /* the strip: title, then each function's colour while there is room */
    strip(f, b, "Task stream");
    if (P) {
        float x = (float)b.x + MARGIN + dusk__text_width(f, "Task stream") + 16;
        float ty = (float)b.y + (float)(STRIP_H - f->line) / 2;
        for (size_t k = 0; k < P->funcs.n; k++) {
            const char *name = dusk__strtab_text(&P->funcs, (int64_t)k);
            if (x + 18 + dusk__text_width(f, name) > (float)(b.x + b.w - MARGIN))
                break;
            dusk__fill(f, P->rgb[P->func_colour[k]], x, (float)b.y + (STRIP_H - 12) / 2.0f, 12, 12);
            x = dusk__text(f, x + 16, ty, name, f->th->fg) + 12;
        }
    }
    SDL_RenderSetClipRect(f->r, NULL);
}

int dusk__stream_bar(const dusk_viewer *v, const dusk__frame *f, SDL_Rect b, int64_t t,
                     SDL_FRect *r)
{
    if (!v || !v->state || t < 0 || (size_t)t >= v->layout.ngraph || v->state[t] == 0xff)
        return -1;
    stream_geom g;
    stream_geom_of(v, f, b, &g);
    return stream_bar(v, &g, t, r);
}

int64_t dusk__stream_hit(const dusk_viewer *v, const dusk__frame *f, SDL_Rect b, int x, int y)
{
    if (!v || !v->state || !v->worker_of)
        return -1;
    stream_geom g;
    stream_geom_of(v, f, b, &g);
    float fx = (float)x + 0.5f, fy = (float)y + 0.5f;   /* the pixel's centre */
    if (!g.nw || fx < g.px || fx >= g.px + g.pw || fy < g.py || fy >= g.py + g.ph)
        return -1;
    size_t w = (size_t)((fy - g.py) / g.rowh);
    int64_t hit = -1;
    for (size_t i = 0; i < v->shown; i++) {
        const dusk_event *ev = &v->log[i];
        if (ev->kind != DUSK_EV_START || ev->worker < 0 || (size_t)ev->worker != w)
            continue;
        SDL_FRect r;
        if (stream_bar(v, &g, ev->task, &r) == 0 && fx >= r.x && fx < r.x + r.w && fy >= r.y &&
            fy < r.y + r.h)
            hit = ev->task;   /* the last drawn is on top */
    }
    return hit;
}

/* --- memory ------------------------------------------------------------------------ */

static const dusk_held_point *series(const dusk_viewer *v, int s, size_t *n)
{
    *n = s ? v->nrss : dusk__held_at(v);   /* held: exactly the events shown */
    return s ? v->rss : v->held;
}

void dusk__memory_stats_of(const dusk_viewer *v, dusk__memory_stats *m)
{
    memset(m, 0, sizeof *m);
    uint64_t now = now_of(v);
    /* The frame before's sums go on where they stopped while the points
     * they read are still there (the same run's, appended only) and now
     * has not gone back: a frame reads the points added since, not the
     * run's 600,000 (a scrub back starts again). */
    dusk__panels *P = v->panels && v->panels->plan == v->plan ? v->panels : NULL;
    for (int s = 0; s < 2; s++) {
        size_t n;
        const dusk_held_point *p = series(v, s, &n);
        size_t i = 0;
        struct mstat *c = P ? &P->mstat[s] : NULL;
        if (c && c->runs == v->runs && c->p == p && c->n <= n && c->now <= now) {
            m->now[s] = c->val;
            m->peak[s] = c->peak;
            m->peak_t[s] = c->peak_t;
            m->n[s] = i = c->n;
        }
        for (; i < n && p[i].t_ns <= now; i++) {
            m->now[s] = p[i].held;
            if (p[i].held > m->peak[s] || !m->n[s]) {
                m->peak[s] = p[i].held;
                m->peak_t[s] = p[i].t_ns;
            }
            m->n[s]++;
        }
        if (c)
            *c = (struct mstat){v->runs, p, m->n[s], now, m->now[s], m->peak[s], m->peak_t[s]};
    }
}

void dusk__memory_label(const dusk__memory_stats *m, int series_k, int peak, char *buf, size_t n)
{
    char b[32];
    dusk__fmt_bytes(b, sizeof b, (double)(peak ? m->peak[series_k] : m->now[series_k]));
    snprintf(buf, n, "%s %s %s", series_k ? "RSS" : "held", peak ? "peak" : "now", b);
}

static int boxes_meet(const SDL_FRect *a, const SDL_FRect *b)
{
    return a->x < b->x + b->w && b->x < a->x + a->w && a->y < b->y + b->h && b->y < a->y + a->h;
}

/* Where a peak's label goes: beside its dot (right of it, or left near the
 * plot's right edge), above it, else below it, else above or below the
 * other label; always inside the plot [x0, x1) x [y0, y1), never over the
 * other label (`other`, w 0 for none). */
static SDL_FRect place_peak(float dx, float dy, float w, float h, float x0, float x1, float y0,
                            float y1, const SDL_FRect *other)
{
    float x = dx + 6 + w > x1 ? dx - 6 - w : dx + 6;
    x = x < x0 ? x0 : x;
    /* the dot is 7 px: 3 each side of (dx, dy) */
    const float ys[] = {dy - h - 5, dy + 6, other->y - h - 2, other->y + other->h + 2};
    SDL_FRect r = {x, 0, w, h};
    for (size_t k = 0; k < sizeof ys / sizeof ys[0]; k++) {
        r.y = ys[k];
        if (r.y >= y0 && r.y + h <= y1 && !(other->w > 0 && boxes_meet(&r, other)))
            return r;
    }
    r.y = dy - h - 5 < y0 ? y0 : dy - h - 5;   /* a plot too small: in it, at least */
    return r;
}

int dusk__memory_peak_box(const dusk_viewer *v, int series_k, SDL_FRect *r)
{
    const dusk__panels *P = v->panels && v->panels->plan == v->plan ? v->panels : NULL;
    if (!P || series_k < 0 || series_k > 1 || P->peak_box[series_k].w <= 0)
        return -1;
    *r = P->peak_box[series_k];
    return 0;
}

/* The y axis: a top of nice steps in the binary unit of the largest value. */
static double bytes_axis(double top, double *step, double *unit, const char **uname)
{
    static const struct { double k; const char *name; } U[] = {
        {1099511627776.0, "TiB"}, {1073741824.0, "GiB"}, {1048576.0, "MiB"}, {1024.0, "kiB"}};
    *unit = 1;
    *uname = "B";
    for (size_t i = 0; i < sizeof U / sizeof U[0]; i++)
        if (top >= U[i].k) {
            *unit = U[i].k;
            *uname = U[i].name;
            break;
        }
    double range = top / *unit;
    *step = nice_step(range > 0 ? range : 1, 4);
    double vtop = *step;
    while (vtop < range * (1 - 1e-9))
        vtop += *step;
    return vtop;
}

/* A series' min and max per block of MB points, built as points come
 * (a run's are appended only, so a block once full stays right) and made
 * anew for another run or another array: a column of the curve reads its
 * whole blocks, not each of the thousand points a column of a 600,000-
 * point run holds. */
#define MB 16

static void blocks_update(const dusk_viewer *v, struct mblocks *B, const dusk_held_point *p,
                          size_t stored)
{
    if (B->runs != v->runs || B->p != p || B->nb * MB > stored) {
        B->runs = v->runs;
        B->p = p;
        B->nb = 0;
    }
    size_t want = stored / MB;
    if (want > B->cap) {
        size_t cap = want + want / 2 + 64;
        uint64_t *mn = dusk_realloc(B->mn, cap * sizeof *mn);
        if (mn)
            B->mn = mn;
        uint64_t *mx = dusk_realloc(B->mx, cap * sizeof *mx);
        if (mx)
            B->mx = mx;
        if (!mn || !mx)
            return;   /* the columns scan past the blocks there are */
        B->cap = cap;
    }
    for (; B->nb < want; B->nb++) {
        const dusk_held_point *q = p + B->nb * MB;
        uint64_t a = q[0].held, b = q[0].held;
        for (int k = 1; k < MB; k++) {
            a = q[k].held < a ? q[k].held : a;
            b = q[k].held > b ? q[k].held : b;
        }
        B->mn[B->nb] = a;
        B->mx[B->nb] = b;
    }
}

/* The least and greatest held of p[a..b), a < b. */
static void range_of(const struct mblocks *B, const dusk_held_point *p, size_t a, size_t b,
                     uint64_t *lo, uint64_t *hi)
{
    uint64_t mn = p[a].held, mx = p[a].held;
    while (a < b && a % MB) {
        mn = p[a].held < mn ? p[a].held : mn;
        mx = p[a].held > mx ? p[a].held : mx;
        a++;
    }
    for (; a + MB <= b && a / MB < B->nb; a += MB) {
        mn = B->mn[a / MB] < mn ? B->mn[a / MB] : mn;
        mx = B->mx[a / MB] > mx ? B->mx[a / MB] : mx;
    }
    for (; a < b; a++) {
        mn = p[a].held < mn ? p[a].held : mn;
        mx = p[a].held > mx ? p[a].held : mx;
    }
    *lo = mn;
    *hi = mx;
}

int dusk__memory_walk_all;

/* A point before a pixel column's right edge, for gallop. */
typedef struct point_at {
    const dusk_viewer *v;
    const dusk_held_point *p;
    uint64_t edge;
} point_at;

static inline int point_before(const void *ctx, size_t i)
{
    const point_at *a = ctx;
    return rel(a->v, a->p[i].t_ns) < a->edge;
}

/* One series as a line of pixel columns: in each column, a rectangle from
 * the lowest to the highest value it holds (the value carried in from the
 * column before included, as the curve is a step function). */
static void draw_series(dusk_viewer *v, dusk__frame *f, dusk__panels *P, int s, float px,
                        float py, float pw, float ph, uint64_t t_lo, uint64_t hi, double ytop,
                        const uint8_t rgb[3])
{
    size_t n;
    const dusk_held_point *p = series(v, s, &n);
    uint64_t now = now_of(v);
    size_t cols = (size_t)pw + 1, k = 0;
    if (!n || grow_rects(P, cols) != 0)
        return;
    struct mblocks *B = &P->mblocks[s];
    blocks_update(v, B, p, s ? v->nrss : v->nheld);
    size_t nn = dusk__points_upto(p, n, now);   /* the points drawn */
    size_t i = 0;
    double cur = -1;
    /* the points before the plot's left edge (the layout, before the
     * run's first task): the curve goes on from the last of them */
    while (i < nn && rel(v, p[i].t_ns) < t_lo)
        cur = (double)p[i++].held;
    for (size_t c = 0; c < cols; c++) {
        /* points up to this column's right edge */
        uint64_t edge = t_lo + (uint64_t)((double)(c + 1) / (double)pw * (double)(hi - t_lo));
        double lo = cur, top = cur;
        if (dusk__memory_walk_all) {
            while (i < n && p[i].t_ns <= now && rel(v, p[i].t_ns) < edge) {
                double h = (double)p[i].held;
                if (lo < 0 || h < lo)
                    lo = h;
                if (h > top)
                    top = h;
                cur = h;
                i++;
            }
        } else if (i < nn && rel(v, p[i].t_ns) < edge) {
            point_at at = {v, p, edge};
            size_t a = gallop(i + 1, nn, point_before, &at);   /* the column's end */
            uint64_t mn, mx;
            range_of(B, p, i, a, &mn, &mx);
            if (lo < 0 || (double)mn < lo)
                lo = (double)mn;
            if ((double)mx > top)
                top = (double)mx;
            cur = (double)p[a - 1].held;
            i = a;
        }
        if (lo < 0)
            continue;   /* before the first point */
        float y0 = py + ph - (float)(top / ytop) * ph, y1 = py + ph - (float)(lo / ytop) * ph;
        float st = (float)f->th->stroke;   /* a thick stroke: a taller column */
        P->rects[k++] = (SDL_FRect){px + (float)c, y0 - st, 1, y1 - y0 + 2 * st};
    }
    dusk__set_rgb(f, rgb);
    SDL_RenderFillRectsF(f->r, P->rects, (int)k);
}

void dusk__panel_memory(dusk_viewer *v, dusk__frame *f, SDL_Rect b)
{
    SDL_RenderSetClipRect(f->r, &b);
    dusk__fill(f, f->th->bg, (float)b.x, (float)b.y, (float)b.w, (float)b.h);
    dusk__panels *P = cache(v);
    dusk__memory_stats m;
    dusk__memory_stats_of(v, &m);
    double top = (double)(m.peak[0] > m.peak[1] ? m.peak[0] : m.peak[1]);
    double step, unit;
    const char *uname;
    double vtop = bytes_axis(top > 0 ? top : 1024, &step, &unit, &uname);
    char label[48];
    /* the labels' column: the widest of them ("0.8 kiB", not the top's
     * "1 kiB", which left the others' first digits cut at the edge) */
    float lw = 0;
    for (double y = 0; y <= vtop * (1 + 1e-9); y += step) {
        snprintf(label, sizeof label, "%g %s", y, uname);
        float tw = dusk__text_width(f, label);
        lw = tw > lw ? tw : lw;
    }
    lw += 8;
    /* a band above the axis' top for the peaks' cards: the highest peak's
     * goes above its dot, off every curve (no point of a series is above
     * its peak), not below it across its own curve */
    float ring = (float)f->th->stroke, card_h = (float)f->line + 2 + 2 * ring;
    float px = (float)b.x + MARGIN + lw, py = (float)b.y + STRIP_H + 9 + card_h;
    float pw = (float)(b.x + b.w - MARGIN) - px, ph = (float)(b.y + b.h) - (float)(f->line + 8) - py;
    if (pw < 1)
        pw = 1;
    if (ph < 1)
        ph = 1;
    uint64_t hi = rel(v, now_of(v));
    if (!hi)
        hi = 1;
    /* the task stream's origin, so that the two panels' times line up */
    uint64_t t_lo = dusk__time_origin(v, hi);
    dusk__axis_drawn[1][0] = t_lo;
    dusk__axis_drawn[1][1] = hi;
    /* y ticks and their labels */
    for (double y = 0; y <= vtop * (1 + 1e-9); y += step) {
        float yy = py + ph - (float)(y / vtop) * ph;
        snprintf(label, sizeof label, "%g %s", y, uname);
        dusk__set_rgb(f, f->th->dim);
        SDL_RenderDrawLineF(f->r, px - 4, yy, px, yy);
        dusk__text(f, px - 6 - dusk__text_width(f, label), yy - (float)f->line / 2, label,
                   f->th->dim);
    }
    dusk__set_rgb(f, f->th->dim);
    SDL_RenderDrawLineF(f->r, px, py, px, py + ph);
    SDL_RenderDrawLineF(f->r, px, py + ph, px + pw, py + ph);
    if (v->state)
        time_ticks(f, px, py + ph, pw, t_lo, hi);

    static const uint8_t *const colour[2] = {held_rgb, rss_rgb};
    double ytop = vtop * unit;
    if (P)
        for (int s = 1; s >= 0; s--)   /* held drawn last, on top */
            draw_series(v, f, P, s, px, py, pw, ph, t_lo, hi, ytop, colour[s]);
    /* the peaks: a dot, and its value on a card of the panel's colour
     * framed in the series' (the curves ran through the bare text, and
     * the two labels could meet), inside the plot, apart */
    SDL_FRect none = {0, 0, 0, 0}, box[2] = {{0, 0, 0, 0}, {0, 0, 0, 0}};
    for (int s = 1; s >= 0; s--) {   /* RSS first: it is the higher one */
        if (!m.n[s])
            continue;
        uint64_t pt = rel(v, m.peak_t[s]);
        pt = pt > t_lo ? pt - t_lo : 0;
        float x = px + (float)((double)pt / (double)(hi - t_lo)) * pw;
        float y = py + ph - (float)((double)m.peak[s] / ytop) * ph;
        dusk__fill(f, colour[s], x - 3, y - 3, 7, 7);
        dusk__memory_label(&m, s, 1, label, sizeof label);
        float bw = dusk__text_width(f, label) + 8 + 2 * ring;
        box[s] = place_peak(x, y, bw, card_h, px + 1, px + pw, (float)(b.y + STRIP_H) + 2, py + ph,
                            s == 0 ? &box[1] : &none);
        dusk__fill(f, colour[s], box[s].x, box[s].y, box[s].w, box[s].h);
        dusk__fill(f, f->th->bg, box[s].x + ring, box[s].y + ring, box[s].w - 2 * ring,
                   box[s].h - 2 * ring);
        dusk__text(f, box[s].x + ring + 4, box[s].y + ring + 1, label, f->th->fg);
    }
    if (P)
        memcpy(P->peak_box, box, sizeof box);
    strip(f, b, "Memory");
    float x = (float)b.x + MARGIN + dusk__text_width(f, "Memory") + 16;
    float ty = (float)b.y + (float)(STRIP_H - f->line) / 2;
    for (int s = 0; s < 2; s++) {
        dusk__fill(f, colour[s], x, (float)b.y + (STRIP_H - 12) / 2.0f, 12, 12);
        if (m.n[s])
            dusk__memory_label(&m, s, 0, label, sizeof label);
        else
            snprintf(label, sizeof label, "%s now -", s ? "RSS" : "held");
        x = dusk__text(f, x + 16, ty, label, f->th->fg) + 16;
    }
    SDL_RenderSetClipRect(f->r, NULL);
}

void dusk__rss_sample(dusk_viewer *v, uint64_t now_ns)
{
    /* only a live run: one that came through the stream (a replay is fed)
     * and is still going */
    if (!v || !v->nlog || v->run_over || !dusk_stream_appended(v->stream))
        return;
    if (v->nrss && now_ns < v->rss_last + RSS_EVERY_NS)
        return;
    /* The run's t = 0 in dusk_now_ns() terms: the start callback's time
     * when the viewer has it; else an estimate: the last event happened
     * before now, so now minus its time is never earlier than the run's
     * start, and the smallest such value seen is the best (within a frame
     * of the truth once events flow). A new run starts afresh. */
    uint64_t last = v->log[v->nlog - 1].t_ns;
    if (now_ns < last)
        return;
    if (v->epoch && now_ns >= v->epoch)
        v->rss_epoch = v->epoch;
    else if (!v->nrss || now_ns - last < v->rss_epoch)
        v->rss_epoch = now_ns - last;
    long pages = 0, resident = 0;
    FILE *fp = fopen("/proc/self/statm", "r");
    if (!fp)
        return;
    int got = fscanf(fp, "%ld %ld", &pages, &resident);
    fclose(fp);
    if (got != 2 || resident < 0)
        return;
    if (v->nrss == v->rss_cap) {
        size_t cap = v->rss_cap ? 2 * v->rss_cap : 256;
        dusk_held_point *r = dusk_realloc(v->rss, cap * sizeof *r);
        if (!r)
            return;   /* the curve loses a sample */
        v->rss = r;
        v->rss_cap = cap;
    }
    v->rss[v->nrss++] = (dusk_held_point){now_ns - v->rss_epoch,
                                          (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE) +
                                              dusk__workers_rss()};
    v->rss_last = now_ns;
}

/* --- progress ------------------------------------------------------------------------ */

typedef struct progress_geom {
    float x, y, lw, bx, bw, rowh;
    size_t rows, shown;       /* rows that fit, groups shown in them */
    uint32_t group[MAX_GROUP_ROWS + 1];   /* the group of each row shown */
} progress_geom;

/* The groups of the rows: the first in plan order, but a group with an
 * erred task that would be under "... N more" takes the row of the last
 * group without one, so that a failing run shows where it failed (in
 * plan order among themselves). P->counts are the last frame's. */
static void progress_rows(const dusk__panels *P, progress_geom *g)
{
    size_t n = g->shown, keep = n;
    for (size_t k = 0; k < n; k++)
        g->group[k] = P->order[k];
    if (n == P->ngroups)
        return;
#define ERRED_IN(gi) (P->counts[(size_t)(gi) * DUSK_TASK_NSTATES + DUSK_TASK_ERRED] != 0)
    size_t late = 0;   /* erred groups past the rows */
    for (size_t k = n; k < P->ngroups; k++)
        late += ERRED_IN(P->order[k]);
    /* the rows they take: from the bottom, those without errors */
    size_t room = 0;
    while (keep > 0 && room < late) {
        keep--;
        room += !ERRED_IN(g->group[keep]);
    }
    /* rows keep.. again: the erred among them, then the late erred ones */
    size_t at = keep;
    for (size_t k = keep; k < n; k++)
        if (ERRED_IN(P->order[k]))
            g->group[at++] = P->order[k];
    for (size_t k = n; k < P->ngroups && at < n; k++)
        if (ERRED_IN(P->order[k]))
            g->group[at++] = P->order[k];
#undef ERRED_IN
}

static void progress_geom_of(const dusk__frame *f, const dusk__panels *P, SDL_Rect b,
                             progress_geom *g)
{
    g->x = (float)b.x + MARGIN;
    g->y = (float)b.y + STRIP_H + 4;
    g->rowh = (float)f->line + 6;
    size_t fit = (size_t)(((float)(b.y + b.h) - g->y) / g->rowh);
    g->rows = fit < MAX_GROUP_ROWS + 1 ? fit : MAX_GROUP_ROWS + 1;
    size_t ng = P ? P->ngroups : 0;
    g->shown = ng <= g->rows ? ng : g->rows ? g->rows - 1 : 0;
    if (P)
        progress_rows(P, g);
    /* the labels' column: the widest "name done/total" whole, as long as
     * the bars keep 30% of the panel (48 px at least); 45% cut the demo's
     * "mean_agg-aggregate 20/20" in the default 384 px column */
    float lw = 0;
    char s[300];
    for (size_t k = 0; k < g->shown; k++) {
        uint32_t gi = g->group[k];
        snprintf(s, sizeof s, "%s %u/%u", dusk__strtab_text(&P->names, gi), P->total[gi],
                 P->total[gi]);
        float w = dusk__text_width(f, s);
        if (w > lw)
            lw = w;
    }
    float bars = (float)b.w * 0.3f > 48 ? (float)b.w * 0.3f : 48;
    float cap = (float)b.w - 2 * MARGIN - 8 - bars;
    if (cap < 0)
        cap = 0;
    g->lw = lw < cap ? lw : cap;
    g->bx = g->x + g->lw + 8;
    g->bw = (float)(b.x + b.w - MARGIN) - g->bx;
    if (g->bw < 1)
        g->bw = 1;
}

static void count_groups(const dusk_viewer *v, dusk__panels *P)
{
    memset(P->counts, 0, (P->ngroups ? P->ngroups : 1) * DUSK_TASK_NSTATES * sizeof *P->counts);
    const dusk__layout *L = &v->layout;
    for (size_t i = 0; i < L->ntasks; i++) {
        int64_t t = L->order[i];
        if (P->group[t] >= 0)
            P->counts[(size_t)P->group[t] * DUSK_TASK_NSTATES + v->state[t]]++;
    }
}

void dusk__progress_label(const dusk__frame *f, const char *name, uint32_t done,
                          uint32_t total, float room, char *buf, size_t n)
{
    snprintf(buf, n, "%s %u/%u", name, done, total);
    if (dusk__text_width(f, buf) <= room)
        return;
    /* the name shortened, not the count cut off ("mean_agg-aggregate 4/"
     * said nothing of how far the group is): whole words of it first
     * ("mean_agg... 4/4", not "mean_agg-aggr... 4/4"), letters only when
     * its first word alone is too wide */
    for (int pass = 0; pass < 2; pass++)
        for (int len = (int)strlen(name) - 1; len > 0; len--) {
            if (pass == 0 && !strchr("-_. ", name[len]))
                continue;
            snprintf(buf, n, "%.*s... %u/%u", len, name, done, total);
            if (dusk__text_width(f, buf) <= room)
                return;
        }
    snprintf(buf, n, "%u/%u", done, total);
}

int dusk__progress_row(dusk_viewer *v, const dusk__frame *f, SDL_Rect b, size_t k,
                       const char **name, SDL_Rect *bar, size_t *total)
{
    dusk__panels *P = cache(v);
    progress_geom g;
    progress_geom_of(f, P, b, &g);
    if (!P || k >= g.shown)
        return -1;
    uint32_t gi = g.group[k];
    *name = dusk__strtab_text(&P->names, gi);
    *total = P->total[gi];
    float y = g.y + g.rowh * (float)k;
    *bar = (SDL_Rect){(int)g.bx, (int)(y + 2), (int)g.bw, (int)(g.rowh - 4)};
    return 0;
}

void dusk__panel_progress(dusk_viewer *v, dusk__frame *f, SDL_Rect b)
{
    SDL_RenderSetClipRect(f->r, &b);
    dusk__fill(f, f->th->bg, (float)b.x, (float)b.y, (float)b.w, (float)b.h);
    dusk__panels *P = cache(v);
    progress_geom g;
    if (P)
        count_groups(v, P);   /* first: the rows shown depend on the errors */
    progress_geom_of(f, P, b, &g);
    /* the shares left to right: done (released, in memory), erred,
     * running, ready; what is left is waiting (the bar's ground) */
    static const int seg[] = {DUSK_TASK_RELEASED, DUSK_TASK_MEMORY, DUSK_TASK_ERRED,
                              DUSK_TASK_RUNNING, DUSK_TASK_READY};
    char s[300];
    for (size_t k = 0; k < g.shown; k++) {
        uint32_t gi = g.group[k];
        const uint32_t *c = P->counts + (size_t)gi * DUSK_TASK_NSTATES;
        uint32_t total = P->total[gi];
        float y = g.y + g.rowh * (float)k;
        int bx = (int)g.bx, by = (int)(y + 2), bw = (int)g.bw, bh = (int)(g.rowh - 4);
        dusk__fill(f, f->th->state[DUSK_TASK_WAITING], (float)bx, (float)by, (float)bw,
                   (float)bh);
        /* cumulative edges rounded, so each share is within a pixel */
        uint64_t cum = 0;
        int x = bx;
        for (size_t j = 0; j < sizeof seg / sizeof seg[0]; j++) {
            cum += c[seg[j]];
            int x1 = bx + (int)((cum * (uint64_t)bw + total / 2) / (total ? total : 1));
            if (x1 > x)
                dusk__fill(f, f->th->state[seg[j]], (float)x, (float)by, (float)(x1 - x),
                           (float)bh);
            x = x1;
        }
        dusk__progress_label(f, dusk__strtab_text(&P->names, gi),
                             c[DUSK_TASK_MEMORY] + c[DUSK_TASK_RELEASED], total, g.lw, s, sizeof s);
        SDL_RenderSetClipRect(f->r, &(SDL_Rect){(int)g.x, (int)y, (int)g.lw + 1, (int)g.rowh});
        dusk__text(f, g.x, y + 3, s, f->th->fg);
        SDL_RenderSetClipRect(f->r, &b);
    }
    if (P && g.shown < P->ngroups) {
        snprintf(s, sizeof s, "... %zu more", P->ngroups - g.shown);
        dusk__text(f, g.x, g.y + g.rowh * (float)g.shown + 3, s, f->th->dim);
    }
    strip(f, b, "Progress (task groups)");
    SDL_RenderSetClipRect(f->r, NULL);
}

/* --- the status line ------------------------------------------------------------------- */

#define DOT " \xc2\xb7 "   /* U+00B7 MIDDLE DOT, between spaces */

/* n with a comma every three digits: 4,567. */
static void fmt_count(char *buf, size_t n, uint64_t x)
{
    char d[32];
    int len = snprintf(d, sizeof d, "%llu", (unsigned long long)x), o = 0;
    char out[48];
    for (int i = 0; i < len; i++) {
        if (i && (len - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = d[i];
    }
    out[o] = '\0';
    snprintf(buf, n, "%s", out);
}

size_t dusk__task_count(dusk_viewer *v, size_t *done)
{
    size_t d = v->counts[DUSK_TASK_MEMORY] + v->counts[DUSK_TASK_RELEASED];
    size_t total = v->state ? v->layout.ntasks : 0;
    /* not the literals (out of memory for the cache, which a later frame
     * makes again: every node) */
    const dusk__panels *P = cache(v);
    for (size_t i = 0; P && i < P->nlits; i++) {
        int st = v->state[P->lits[i]];
        d -= st == DUSK_TASK_MEMORY || st == DUSK_TASK_RELEASED;
        total--;
    }
    if (done)
        *done = d;
    return total;
}

size_t dusk__status_line(dusk_viewer *v, char *buf, size_t n)
{
    size_t done, total = dusk__task_count(v, &done);
    uint64_t el = rel(v, now_of(v));
    char elapsed[32], rate[48], dropped[48];
    dusk__fmt_ns(elapsed, sizeof elapsed, (double)el);
    fmt_count(rate, sizeof rate, el ? (uint64_t)((double)done / ((double)el / 1e9) + 0.5) : 0);
    size_t busy = 0;
    for (size_t w = 0; v->worker_task && w < v->nworkers; w++)
        busy += v->worker_task[w] >= 0;
    /* Events lost between the run and the viewer: the stream's count of
     * what it could not store. v->unplaced (events naming no task of the
     * plan) are not losses. */
    fmt_count(dropped, sizeof dropped, dusk_stream_lost(v->stream));
    int len = snprintf(buf, n,
                       "tasks done %zu / %zu" DOT "elapsed %s" DOT "%s tasks/s" DOT
                       "workers busy %zu/%zu" DOT "events dropped %s",
                       done, total, elapsed, rate, busy, v->nworkers, dropped);
    if (len < 0)
        return 0;
    /* A run of tiny tasks outpaces the window's pump (DUSK_VIEWER_PUMP_NS
     * a frame): say how far behind the picture is. */
    uint64_t behind = dusk_viewer_backlog(v);
    if (behind) {
        char cnt[48];
        fmt_count(cnt, sizeof cnt, behind);
        size_t at = (size_t)len < n ? (size_t)len : n ? n - 1 : 0;
        int more = snprintf(n ? buf + at : NULL, n - at, DOT "catching up: %s events", cnt);
        if (more > 0)
            len += more;
    }
    /* a big plan laid out over several frames (model.c's begin_work) */
    if (v->begin_pending && v->plan) {
        char cnt[48];
        fmt_count(cnt, sizeof cnt, dusk_plan_ntasks(v->plan));
        size_t at = (size_t)len < n ? (size_t)len : n ? n - 1 : 0;
        int more = snprintf(n ? buf + at : NULL, n - at, DOT "laying out %s tasks", cnt);
        if (more > 0)
            len += more;
    }
    const dusk_event *last = v->shown ? &v->log[v->shown - 1] : NULL;
    if (last && last->kind == DUSK_EV_RUN_END && last->status != 0) {
        /* the user's terms: the task that failed, by its key, not the
         * code's name (DUSK_ETYPE says nothing to who wrote the graph);
         * the first ERROR back from the end: a failed run starts no more
         * tasks, so few events follow it */
        const char *key = NULL;
        for (size_t i = v->shown; i-- > 0 && !key;)
            if (v->log[i].kind == DUSK_EV_ERROR && v->log[i].task >= 0 && v->plan)
                key = dusk_plan_key(v->plan, v->log[i].task);
        size_t at = (size_t)len < n ? (size_t)len : n ? n - 1 : 0;
        int more;
        if (last->status == DUSK_ECANCELED)
            more = snprintf(n ? buf + at : NULL, n - at, DOT "run stopped");
        else if (key)
            more = snprintf(n ? buf + at : NULL, n - at, DOT "task '%s' failed", key);
        else
            more = snprintf(n ? buf + at : NULL, n - at, DOT "run failed: %s",
                            dusk_strerror(last->status));
        if (more > 0)
            len += more;
    }
    return (size_t)len;
}

void dusk__panel_status(dusk_viewer *v, dusk__frame *f, SDL_Rect b)
{
    char line[512];
    dusk__status_line(v, line, sizeof line);
    SDL_RenderSetClipRect(f->r, &b);
    dusk__fill(f, f->th->strip, (float)b.x, (float)b.y, (float)b.w, (float)b.h);
    float x = (float)b.x + MARGIN, y = (float)b.y + (float)(b.h - f->line) / 2;
    const uint8_t *fg = f->th->fg;
    const dusk_event *last = v->shown ? &v->log[v->shown - 1] : NULL;
    if (last && last->kind == DUSK_EV_RUN_END && last->status != 0)
        fg = f->th->accent;
    /* each piece, and the middle dots drawn as squares (the atlas is ASCII) */
    for (char *p = line;;) {
        char *d = strstr(p, DOT);
        if (d)
            *d = '\0';
        x = dusk__text(f, x, y, p, fg);
        if (!d)
            break;
        float sp = dusk__text_width(f, " ");
        dusk__fill(f, f->th->dim, x + sp + 1, (float)b.y + (float)b.h / 2 - 1, 3, 3);
        x += 2 * sp + 5;
        p = d + strlen(DOT);
    }
    SDL_RenderSetClipRect(f->r, NULL);
}
