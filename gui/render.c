/*
** dusk gui — the graph panel, drawn with SDL2
**
** One frame of the panel: the legend strip at the top (a swatch, the
** state's name and its count, for each of Dask's six states), then the
** layout fitted below it (zoomed and panned by the user). Nodes are batched
** by state: the frame fills one SDL_FRect array per state colour and draws
** each with a single SDL_RenderFillRectsF (one call per node is about twice
** as slow in the software renderer). Edges are lines from a dependency's
** top to its dependent's foot (inputs at the bottom, as visualize() draws
** them), at most DUSK__MAX_EDGES a frame:
** when zoomed out, every k-th edge only, as thousands of lines crossing a
** few pixels show nothing but cost time. In the layer view a layer's node
** takes the colour of the state most of its tasks are in, with a bar at
** its foot filled to the share of its tasks that are done (in memory,
** released or erred).
**
** Over the nodes: each running task outlined in its worker's colour, and
** the selected task with what it needs and what needs it outlined in the
** theme's accent (selection on top).
**
** dusk_viewer_render draws the whole window: the panels of the panel table
** that are shown and drawn by this build, arranged by dusk__arrange (the
** graph large on the left and top, the chunk map above the progress bars
** in a right column, the task stream left of the memory curve in a bottom
** row, the status strip at the very bottom; the splitters' fractions in
** v->ui), the splitters, then the tooltip of the hovered task and the help
** overlay. A screenshot asked for with p is taken there, from the frame
** just drawn, before the caller presents it.
*/
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "window.h"

/* the legend's height in a panel w px wide */
#define LEGEND_H legend_h(v, b.w)
#define MARGIN 8
#define DUSK__MAX_EDGES 20000
#define SCRUB_H 12   /* the time scrubber under the status lines */

/* The names of the states in the legend, as Dask's. */
static const char *const state_name[DUSK_TASK_NSTATES] = {
    "waiting", "ready", "running", "in memory", "released", "erred"};

/* The legend's rows in a graph panel w px wide, and each state's row: as
 * many as its labels need (one line cut "erred" and its count off in an
 * 800 px window), measured at the run's task count, so that the rows do
 * not move as the counts grow. The last frame's atlas (none yet: one row,
 * the first frame's is made before anything is placed). */
static int legend_rows(const dusk_viewer *v, int w, int row_of[DUSK_TASK_NSTATES])
{
    int rows = 1;
    float x = MARGIN;
    dusk__frame f = {.R = v->render};
    for (int k = 0; k < DUSK_TASK_NSTATES; k++) {
        row_of[k] = 0;
        if (!v->render || !v->render->atlas)
            continue;
        char label[64];
        snprintf(label, sizeof label, "%s %zu", state_name[k], v->layout.ntasks);
        float item = 18 + dusk__text_width(&f, label);
        if (x > MARGIN && x + item > (float)(w - MARGIN)) {
            rows++;
            x = MARGIN;
        }
        row_of[k] = rows - 1;
        x += item + 16;
    }
    return rows;
}

static int legend_h(const dusk_viewer *v, int w)
{
    int row_of[DUSK_TASK_NSTATES], line = v->render && v->render->atlas ? v->render->atlas->h : 0;
    int rows = legend_rows(v, w, row_of);
    return dusk__strip_h(line) + (rows - 1) * line;
}

void dusk__view_fit(const dusk_viewer *v, int w, int h, dusk__fit *fit)
{
    const dusk__layout *L = &v->layout;
    float uw = L->width > 0 ? L->width : 1.0f, uh = L->height > 0 ? L->height : 1.0f;
    const float lh = (float)legend_h(v, w);
    float pw = (float)(w - 2 * MARGIN), ph = (float)(h - lh - 2 * MARGIN);
    if (pw < 1)
        pw = 1;
    if (ph < 1)
        ph = 1;
    /* each axis to the drawing area: a wide, shallow graph takes the
     * panel's height as well, its rows spread apart, where one scale for
     * both left it a strip of small nodes across the middle */
    float sx = pw / uw, sy = ph / uh;
    float fx = (float)MARGIN, fy = lh + MARGIN;
    /* zoom about the centre of the drawing area, then pan */
    float z = v->zoom > 0 ? v->zoom : 1.0f;
    float cx = (float)MARGIN + pw / 2, cy = lh + MARGIN + ph / 2;
    fit->sx = sx * z;
    fit->sy = sy * z;
    fit->side = fit->sx < fit->sy ? fit->sx : fit->sy;
    if (fit->side < 1.0f)
        fit->side = 1.0f;
    fit->ox = cx + (fx - cx) * z + v->pan_x;
    fit->oy = cy + (fy - cy) * z + v->pan_y;
}

/* The state most of layer l's tasks are in (the earliest state on a tie). */
static int layer_major(const dusk_viewer *v, size_t l)
{
    const uint32_t *lc = v->layer_counts + l * DUSK_TASK_NSTATES;
    int best = 0;
    for (int k = 1; k < DUSK_TASK_NSTATES; k++)
        if (lc[k] > lc[best])
            best = k;
    return best;
}

static void edge_line(dusk__frame *f, const dusk__layout *L, size_t a, size_t b,
                      const dusk__fit *t)
{
    float ax = dusk__node_x(t, L->x[a]), ay = dusk__node_y(t, L->y[a]);
    float bx = dusk__node_x(t, L->x[b]), by = dusk__node_y(t, L->y[b]), h = t->side / 2;
    /* a dependency's head to its dependent's foot: every layout has the
     * inputs at the bottom (visualize()'s BT) */
    float x0 = ax + h, y0 = ay, x1 = bx + h, y1 = by + t->side;
    /* a thick stroke: lines side by side, apart across the line's run */
    int flat = (x1 - x0) * (x1 - x0) > (y1 - y0) * (y1 - y0);
    for (int k = 0; k < f->th->stroke; k++) {
        float dx = flat ? 0 : (float)k, dy = flat ? (float)k : 0;
        SDL_RenderDrawLineF(f->r, x0 + dx, y0 + dy, x1 + dx, y1 + dy);
    }
}

static void draw_edges(dusk__frame *f, const dusk_viewer *v, const dusk__fit *fit)
{
    const dusk__layout *L = &v->layout;
    const dusk_plan *p = v->plan;
    dusk__set_rgb(f, f->th->edge);
    if (L->layer_view) {   /* each pair of layers once, laid out with the layers */
        size_t stride = L->nledges / DUSK__MAX_EDGES + 1;
        for (size_t k = 0; k < L->nledges; k += stride)
            edge_line(f, L, L->ledges[2 * k], L->ledges[2 * k + 1], fit);
        return;
    }
    size_t nedges = 0;
    for (size_t i = 0; i < L->ntasks; i++) {
        const int64_t *ids;
        int64_t nd = dusk_plan_dependencies(p, L->order[i], &ids);
        nedges += nd > 0 ? (size_t)nd : 0;
    }
    size_t stride = nedges / DUSK__MAX_EDGES + 1, k = 0;
    for (size_t i = 0; i < L->ntasks; i++) {
        int64_t t = L->order[i];
        const int64_t *ids;
        int64_t nd = dusk_plan_dependencies(p, t, &ids);
        for (int64_t j = 0; j < nd; j++, k++)
            if (k % stride == 0)
                edge_line(f, L, (size_t)ids[j], (size_t)t, fit);
    }
}

/* Workers' colours for the outline of the task each runs: none of them a
 * state's colour (tab10's others, then darker ones). */
static const uint8_t worker_rgb[8][3] = {
    {0x94, 0x67, 0xbd}, {0x8c, 0x56, 0x4b}, {0xe3, 0x77, 0xc2}, {0xbc, 0xbd, 0x22},
    {0x17, 0xbe, 0xcf}, {0x39, 0x3b, 0x79}, {0x63, 0x79, 0x39}, {0x84, 0x3c, 0x39}};

/* A ring `width` pixels wide just outside node t's square. */
static void outline(dusk__frame *f, const dusk_viewer *v, int64_t t, const dusk__fit *fit,
                    int width)
{
    const dusk__layout *L = &v->layout;
    float x = dusk__node_x(fit, L->x[t]), y = dusk__node_y(fit, L->y[t]), side = fit->side;
    for (int k = 1; k <= width; k++)
        SDL_RenderDrawRectF(f->r, &(SDL_FRect){x - (float)k, y - (float)k, side + 2.0f * (float)k,
                                               side + 2.0f * (float)k});
}

static void draw_outlines(dusk__frame *f, const dusk_viewer *v, const dusk__fit *fit)
{
    int width = (fit->side >= 6 ? 3 : 1) * f->th->stroke;
    for (size_t w = 0; w < v->nworkers; w++) {
        int64_t t = v->worker_task[w];
        if (t < 0 || dusk_viewer_state(v, t) != DUSK_TASK_RUNNING)
            continue;
        dusk__set_rgb(f, worker_rgb[w % 8]);
        outline(f, v, t, fit, width);
    }
    int64_t sel = v->selected;
    if (dusk_viewer_state(v, sel) < 0)
        return;
    dusk__set_rgb(f, f->th->accent);
    const int64_t *ids;
    int64_t nd = dusk_plan_dependencies(v->plan, sel, &ids);
    for (int64_t j = 0; j < nd; j++)
        if (dusk_viewer_state(v, ids[j]) >= 0)
            outline(f, v, ids[j], fit, width);
    nd = dusk_plan_dependents(v->plan, sel, &ids);
    for (int64_t j = 0; j < nd; j++)
        if (dusk_viewer_state(v, ids[j]) >= 0)
            outline(f, v, ids[j], fit, width);
    outline(f, v, sel, fit, width + f->th->stroke);
}

/* Shortens s in place to fit room px, ending it with ".." when cut;
 * 0 when not even its first character and the dots fit. */
static int elide(const dusk__frame *f, char *s, float room)
{
    if (dusk__text_width(f, s) <= room)
        return 1;
    float dots = dusk__text_width(f, "..");
    size_t n = strlen(s);
    while (n > 1) {
        s[--n] = 0;
        if (dusk__text_width(f, s) + dots <= room) {
            memcpy(s + n, "..", 3);
            return 1;
        }
    }
    return 0;
}

/* Task t's label lines, as visualize() names its nodes: a string key's
 * node is the key ("z"), with the function's name ("add") under it; a
 * tuple key's is what it does (key_split: "sum"), with its chunk index
 * ("(0, 1)") under it; a literal's is its key alone. */
static void node_label(const dusk_plan *p, int64_t t, char *l1, char *l2, size_t n)
{
    const char *key = dusk_plan_key(p, t);
    const dusk_func *fn = dusk_plan_func(p, t);
    l1[0] = l2[0] = 0;
    if (!key)
        return;
    if (key[0] == '(') {
        dusk_key_split(key, l1, n);
        /* "('sum-abc', 0, 1)": the indices after the quoted name */
        const char *q = strchr(key + 2, '\'');
        const char *rest = q ? q + 1 : "";
        if (*rest == ',')
            rest++;
        while (*rest == ' ')
            rest++;
        if (*rest)
            snprintf(l2, n, "(%s", rest);
    } else {
        snprintf(l1, n, "%s", key);
        if (dusk_plan_entry_kind(p, t) == DUSK_ENTRY_TASK && fn && fn->name)
            snprintf(l2, n, "%s", fn->name);
    }
}

/* Each node's label inside it, once the zoom makes the nodes at least two
 * lines of text high (a small graph at once; a big one zoomed in): the
 * label's first line, and its second from three lines up; cut with ".."
 * to the node's width, and left out where not even that fits. Only the
 * nodes in the box are labelled, through the glyph atlas, so a frame costs
 * a few hundred labels at most whatever the graph's size; zoomed out, the
 * loop is not entered at all. */
size_t dusk__graph_labels;

static void draw_labels(dusk__frame *f, const dusk_viewer *v, const dusk__fit *fit, SDL_Rect b,
                        int top)
{
    const dusk__layout *L = &v->layout;
    float side = fit->side, lh = (float)f->line;
    dusk__graph_labels = 0;
    if (!f->glyphs || !v->plan || L->layer_view || side < 2 * lh)
        return;
    int lines = side >= 3 * lh ? 2 : 1;
    float room = side - 4;
    for (size_t i = 0; i < L->ntasks; i++) {
        int64_t t = L->order[i];
        float x = dusk__node_x(fit, L->x[t]), y = dusk__node_y(fit, L->y[t]);
        if (x + side < (float)b.x || y + side < (float)top || x > (float)(b.x + b.w) ||
            y > (float)(b.y + b.h))
            continue;
        char l[2][128];
        node_label(v->plan, t, l[0], l[1], sizeof l[0]);
        int k = lines == 2 && l[1][0] ? 2 : 1;
        /* dark text on a pale state colour, white on a deep one */
        const uint8_t *c = f->th->state[v->state[t]];
        static const uint8_t black[3] = {0, 0, 0}, white[3] = {255, 255, 255};
        const uint8_t *ink = 299 * c[0] + 587 * c[1] + 114 * c[2] > 150000 ? black : white;
        float ty = y + (side - (float)k * lh) / 2;
        int drawn = 0;
        for (int j = 0; j < k; j++, ty += lh)
            if (l[j][0] && elide(f, l[j], room)) {
                dusk__text(f, x + (side - dusk__text_width(f, l[j])) / 2, ty, l[j], ink);
                drawn = 1;
            }
        dusk__graph_labels += (size_t)drawn;
    }
}

size_t dusk__graph_group_labels;
char dusk__graph_group_label[8][64];

typedef struct group_box {
    float x0, x1, y0, y1;   /* its nodes' span on screen */
    size_t n;               /* its nodes */
    const char *name;
} group_box;

static int by_size(const void *a, const void *b)
{
    const group_box *x = a, *y = b;
    return x->n != y->n ? (x->n < y->n ? 1 : -1) : strcmp(x->name, y->name);
}

/* The task groups' names, for a graph zoomed out past its node labels
 * (the demo's 140-task array job at 1280 x 800 showed unlabelled rows of
 * squares): each once, centred above its nodes in a strip of the
 * background (below them at the panel's top), the largest groups first;
 * one that would cover a node or a name drawn, or is wider than its
 * nodes' span and two nodes more, is left out. A pass over the tasks a
 * frame, and one a name: up to DUSK__GROUP_LABELS_MAX tasks. */
static void draw_group_labels(dusk__frame *f, dusk_viewer *v, const dusk__fit *fit, SDL_Rect b,
                              int top)
{
    const dusk__layout *L = &v->layout;
    float side = fit->side, lh = (float)f->line;
    if (!f->glyphs || !v->plan || L->layer_view || side >= 2 * lh ||
        L->ntasks > DUSK__GROUP_LABELS_MAX)
        return;
    size_t ng = 0;
    const char *name;
    for (size_t i = 0; i < L->ntasks && !ng; i++)
        dusk__task_group(v, L->order[i], &name, &ng);
    group_box *g = ng ? dusk_calloc(ng, sizeof *g) : NULL;
    SDL_FRect *drawn = ng ? dusk_malloc(ng * sizeof *drawn) : NULL;
    if (!g || !drawn) {
        dusk_free(g);
        dusk_free(drawn);
        return;
    }
    for (size_t i = 0; i < L->ntasks; i++) {
        int64_t t = L->order[i];
        int32_t k = dusk__task_group(v, t, &name, &ng);
        if (k < 0)
            continue;
        float x = dusk__node_x(fit, L->x[t]), y = dusk__node_y(fit, L->y[t]);
        group_box *q = &g[k];
        if (!q->n++) {
            *q = (group_box){x, x + side, y, y + side, 1, name};
            continue;
        }
        q->x0 = x < q->x0 ? x : q->x0;
        q->x1 = x + side > q->x1 ? x + side : q->x1;
        q->y0 = y < q->y0 ? y : q->y0;
        q->y1 = y + side > q->y1 ? y + side : q->y1;
    }
    qsort(g, ng, sizeof *g, by_size);
    size_t nd = 0;
    /* the 32 largest groups at most: each name tried costs a pass */
    for (size_t k = 0; k < ng && k < 32 && g[k].n; k++) {
        float w = dusk__text_width(f, g[k].name);
        if (w > g[k].x1 - g[k].x0 + 2 * side)
            continue;
        float x = (g[k].x0 + g[k].x1 - w) / 2, y = g[k].y0 - lh - 1;
        if (y < (float)top)
            y = g[k].y1 + 1;
        SDL_FRect r = {x - 3, y, w + 6, lh};
        if (r.x + r.w < (float)b.x || r.x > (float)(b.x + b.w) || r.y + r.h < (float)top ||
            r.y > (float)(b.y + b.h))
            continue;
        int clear = 1;
        for (size_t j = 0; j < nd && clear; j++)
            clear = r.x + r.w <= drawn[j].x || drawn[j].x + drawn[j].w <= r.x ||
                    r.y + r.h <= drawn[j].y || drawn[j].y + drawn[j].h <= r.y;
        /* nor over a node (rows closer than a line of text) */
        for (size_t i = 0; i < L->ntasks && clear; i++) {
            int64_t t = L->order[i];
            float nx = dusk__node_x(fit, L->x[t]), ny = dusk__node_y(fit, L->y[t]);
            clear = r.x + r.w <= nx || nx + side <= r.x || r.y + r.h <= ny || ny + side <= r.y;
        }
        if (!clear)
            continue;
        dusk__fill(f, f->th->bg, r.x, r.y, r.w, r.h);
        dusk__text(f, x, y, g[k].name, f->th->fg);
        if (nd < 8)
            snprintf(dusk__graph_group_label[nd], sizeof dusk__graph_group_label[nd], "%s",
                     g[k].name);
        drawn[nd++] = r;
    }
    dusk__graph_group_labels = nd;
    dusk_free(g);
    dusk_free(drawn);
}

void dusk__panel_graph(dusk_viewer *v, dusk__frame *f, SDL_Rect b)
{
    dusk__render *R = f->R;
    const dusk__layout *L = &v->layout;
    size_t n = v->state ? (L->layer_view ? L->nlayers : L->ntasks) : 0;
    if (n > R->rects_cap) {
        SDL_FRect *nr = dusk_realloc(R->rects, n * sizeof *nr);
        if (!nr)
            n = 0;   /* out of memory: the legend still shows the counts */
        else {
            R->rects = nr;
            R->rects_cap = n;
        }
    }
    SDL_RenderSetClipRect(f->r, &b);
    dusk__fill(f, f->th->bg, (float)b.x, (float)b.y, (float)b.w, (float)b.h);

    dusk__fit fit;
    dusk__view_fit(v, b.w, b.h, &fit);
    fit.ox += (float)b.x;
    fit.oy += (float)b.y;
    const float side = fit.side;
    /* a folded layout's edges cross its layers' columns: drawn only once
     * zoomed in to nodes of 8 pixels (10,000 lines at 5 pixels made a
     * frame of 10k tasks five times as slow, and no easier to read) */
    if (n && side >= (L->fold ? 8.0f : 2.0f))
        draw_edges(f, v, &fit);

    /* the nodes, grouped by state: offsets from the per-state counts */
    size_t start[DUSK_TASK_NSTATES + 1] = {0}, fill[DUSK_TASK_NSTATES];
    if (n && !L->layer_view) {
        for (int k = 0; k < DUSK_TASK_NSTATES; k++)
            start[k + 1] = start[k] + v->counts[k];
        memcpy(fill, start, sizeof fill);
        for (size_t i = 0; i < n; i++) {
            int64_t t = L->order[i];
            R->rects[fill[v->state[t]]++] =
                (SDL_FRect){dusk__node_x(&fit, L->x[t]), dusk__node_y(&fit, L->y[t]), side, side};
        }
    } else if (n) {
        size_t cnt[DUSK_TASK_NSTATES] = {0};
        for (size_t l = 0; l < n; l++)
            cnt[layer_major(v, l)]++;
        for (int k = 0; k < DUSK_TASK_NSTATES; k++)
            start[k + 1] = start[k] + cnt[k];
        memcpy(fill, start, sizeof fill);
        for (size_t l = 0; l < n; l++)
            R->rects[fill[layer_major(v, l)]++] =
                (SDL_FRect){dusk__node_x(&fit, L->x[l]), dusk__node_y(&fit, L->y[l]), side, side};
    }
    for (int k = 0; k < DUSK_TASK_NSTATES; k++)
        if (start[k + 1] > start[k]) {
            dusk__set_rgb(f, f->th->state[k]);
            SDL_RenderFillRectsF(f->r, R->rects + start[k], (int)(start[k + 1] - start[k]));
        }
    dusk__graph_labels = dusk__graph_group_labels = 0;
    if (n && !L->layer_view) {
        draw_outlines(f, v, &fit);
        draw_labels(f, v, &fit, b, b.y + LEGEND_H);
        draw_group_labels(f, v, &fit, b, b.y + LEGEND_H);
    }
    if (n && L->layer_view) {   /* each layer's progress bar at its foot */
        dusk__set_rgb(f, f->th->fg);
        for (size_t l = 0; l < n; l++) {
            const uint32_t *lc = v->layer_counts + l * DUSK_TASK_NSTATES;
            size_t all = L->layer_start[l + 1] - L->layer_start[l];
            size_t done = lc[DUSK_TASK_MEMORY] + lc[DUSK_TASK_RELEASED] + lc[DUSK_TASK_ERRED];
            float bar = side * (float)done / (float)(all ? all : 1);
            SDL_RenderFillRectF(f->r, &(SDL_FRect){dusk__node_x(&fit, L->x[l]),
                                                   dusk__node_y(&fit, L->y[l]) + side + 2, bar, 4});
        }
    }

    /* the legend */
    int row_of[DUSK_TASK_NSTATES], rows = legend_rows(v, b.w, row_of), lh = LEGEND_H;
    dusk__fill(f, f->th->strip, (float)b.x, (float)b.y, (float)b.w, (float)lh);
    if (!memcmp(f->th->strip, f->th->bg, 3))   /* as the other panels' strips */
        dusk__fill(f, f->th->dim, (float)b.x, (float)(b.y + lh - f->th->stroke), (float)b.w,
                   (float)f->th->stroke);
    float x = (float)b.x + MARGIN, y0 = (float)b.y + (float)(lh - rows * f->line) / 2;
    for (int k = 0; k < DUSK_TASK_NSTATES; k++) {
        if (k && row_of[k] != row_of[k - 1])
            x = (float)b.x + MARGIN;
        float ty = y0 + (float)(row_of[k] * f->line);
        dusk__fill(f, f->th->state[k], x, ty + (float)(f->line - 14) / 2, 14, 14);
        char label[64];
        snprintf(label, sizeof label, "%s %zu", state_name[k], v->counts[k]);
        x = dusk__text(f, x + 18, ty, label, f->th->fg) + 16;
    }
    SDL_RenderSetClipRect(f->r, NULL);
}

int64_t dusk__graph_hit(const dusk_viewer *v, SDL_Rect b, int x, int y)
{
    const dusk__layout *L = &v->layout;
    if (!v->state || L->layer_view || x < b.x || y < b.y + LEGEND_H || x >= b.x + b.w ||
        y >= b.y + b.h)
        return -1;
    dusk__fit fit;
    dusk__view_fit(v, b.w, b.h, &fit);
    float side = fit.side;
    /* the node whose square holds the point (a scan: a hover is one
     * event, and another layout may place nodes anywhere) */
    float px = (float)x + 0.5f - (float)b.x, py = (float)y + 0.5f - (float)b.y;
    for (size_t i = 0; i < L->ntasks; i++) {
        int64_t t = L->order[i];
        float nx = dusk__node_x(&fit, L->x[t]), ny = dusk__node_y(&fit, L->y[t]);
        if (px >= nx && px < nx + side && py >= ny && py < ny + side)
            return t;
    }
    return -1;
}

/* --- the window: panels arranged ------------------------------------------------ */

#define SPLIT_MIN 0.15f
#define SPLIT_MAX 0.85f
#define HANDLE 3   /* a splitter's handle reaches this far each side of it */

static void status_strip(dusk_viewer *v, dusk__frame *f, SDL_Rect b);
static int64_t stream_hit(const dusk_viewer *v, SDL_Rect b, int x, int y);
static int64_t chunks_hit(const dusk_viewer *v, SDL_Rect b, int x, int y);

/* The panels: only the graph's and the status strip's drawers are in this
 * file; the others come from panels.c and chunks.c. */
const dusk__panel dusk__panels[DUSK__NPANELS] = {
    [DUSK__P_GRAPH] = {"graph", SDLK_1, DUSK_VIEW_GRAPH, dusk__panel_graph, dusk__graph_hit},
    [DUSK__P_CHUNKS] = {"chunk map", SDLK_2, DUSK_VIEW_CHUNKS, dusk__panel_chunks, chunks_hit},
    [DUSK__P_STREAM] = {"task stream", SDLK_3, DUSK_VIEW_STREAM, dusk__panel_stream, stream_hit},
    [DUSK__P_MEMORY] = {"memory", SDLK_4, DUSK_VIEW_MEMORY, dusk__panel_memory, NULL},
    [DUSK__P_PROGRESS] = {"progress", SDLK_5, DUSK_VIEW_PROGRESS, dusk__panel_progress, NULL},
    [DUSK__P_STATUS] = {"status", 0, DUSK_VIEW_STATUS, status_strip, NULL},
};

void dusk__ui_ready(dusk_viewer *v)
{
    dusk__ui *ui = &v->ui;
    if (ui->ready)
        return;
    ui->ready = 1;
    ui->shown = DUSK_VIEW_ALL;
    for (int k = 0; k < DUSK__NPANELS; k++)
        if (dusk__panels[k].draw)
            ui->avail |= dusk__panels[k].bit;
    ui->split[DUSK__S_RIGHT] = 0.7f;
    ui->split[DUSK__S_BOTTOM] = 0.68f;
    ui->split[DUSK__S_COLUMN] = 0.6f;
    ui->split[DUSK__S_ROW] = 0.6f;
}

static int part(int len, float frac)
{
    if (frac < SPLIT_MIN)
        frac = SPLIT_MIN;
    if (frac > SPLIT_MAX)
        frac = SPLIT_MAX;
    return (int)((float)len * frac + 0.5f);
}

static void put(dusk__box *b, int x, int y, int w, int h)
{
    *b = (w > 0 && h > 0) ? (dusk__box){x, y, w, h} : (dusk__box){0, 0, 0, 0};
}

void dusk__arrange(dusk__ui *ui, unsigned shown, int w, int h, int status_h)
{
    memset(ui->box, 0, sizeof ui->box);
    memset(ui->split_box, 0, sizeof ui->split_box);
    memset(ui->split_span, 0, sizeof ui->split_span);
    ui->w = w;
    ui->h = h;
    if (!(shown & DUSK_VIEW_STATUS) || status_h > h)
        status_h = shown & DUSK_VIEW_STATUS ? h : 0;
    int area = h - status_h;
    put(&ui->box[DUSK__P_STATUS], 0, area, w, status_h);
    int left = !!(shown & DUSK_VIEW_GRAPH);
    int right = !!(shown & (DUSK_VIEW_CHUNKS | DUSK_VIEW_PROGRESS));
    int bottom = !!(shown & (DUSK_VIEW_STREAM | DUSK_VIEW_MEMORY));
    int top_h = left || right ? (bottom ? part(area, ui->split[DUSK__S_BOTTOM]) : area) : 0;
    int bottom_h = area - top_h;
    int right_w = right ? (left ? w - part(w, ui->split[DUSK__S_RIGHT]) : w) : 0;
    if (top_h && bottom) {
        put(&ui->split_box[DUSK__S_BOTTOM], 0, top_h - HANDLE, w, 2 * HANDLE);
        put(&ui->split_span[DUSK__S_BOTTOM], 0, 0, w, area);
    }
    if (left && right) {
        put(&ui->split_box[DUSK__S_RIGHT], w - right_w - HANDLE, 0, 2 * HANDLE, top_h);
        put(&ui->split_span[DUSK__S_RIGHT], 0, 0, w, top_h);
    }
    if (left)
        put(&ui->box[DUSK__P_GRAPH], 0, 0, w - right_w, top_h);
    /* the right column: the chunk map above the progress bars */
    int cx = w - right_w;
    if ((shown & DUSK_VIEW_CHUNKS) && (shown & DUSK_VIEW_PROGRESS)) {
        int ch = part(top_h, ui->split[DUSK__S_COLUMN]);
        put(&ui->box[DUSK__P_CHUNKS], cx, 0, right_w, ch);
        put(&ui->box[DUSK__P_PROGRESS], cx, ch, right_w, top_h - ch);
        put(&ui->split_box[DUSK__S_COLUMN], cx, ch - HANDLE, right_w, 2 * HANDLE);
        put(&ui->split_span[DUSK__S_COLUMN], cx, 0, right_w, top_h);
    } else if (right) {
        put(&ui->box[shown & DUSK_VIEW_CHUNKS ? DUSK__P_CHUNKS : DUSK__P_PROGRESS], cx, 0, right_w,
            top_h);
    }
    /* the bottom row: the task stream left of the memory curve */
    if ((shown & DUSK_VIEW_STREAM) && (shown & DUSK_VIEW_MEMORY)) {
        int sw = part(w, ui->split[DUSK__S_ROW]);
        put(&ui->box[DUSK__P_STREAM], 0, top_h, sw, bottom_h);
        put(&ui->box[DUSK__P_MEMORY], sw, top_h, w - sw, bottom_h);
        put(&ui->split_box[DUSK__S_ROW], sw - HANDLE, top_h, 2 * HANDLE, bottom_h);
        put(&ui->split_span[DUSK__S_ROW], 0, top_h, w, bottom_h);
    } else if (bottom) {
        put(&ui->box[shown & DUSK_VIEW_STREAM ? DUSK__P_STREAM : DUSK__P_MEMORY], 0, top_h, w,
            bottom_h);
    }
}

SDL_Rect dusk__panel_box(const dusk_viewer *v, int k)
{
    const dusk__box *b = &v->ui.box[k];
    return (SDL_Rect){b->x, b->y, b->w, b->h};
}

/* The panels whose hit tests place things by the text's height: a frame
 * with the font of the last frame drawn (none yet: nothing to hit). */
static int hit_frame(const dusk_viewer *v, dusk__frame *f)
{
    memset(f, 0, sizeof *f);
    if (!v->render || !v->render->atlas)
        return -1;
    f->R = v->render;
    f->th = dusk__viewer_theme(v);
    f->line = v->render->atlas->h;
    return 0;
}

static int64_t stream_hit(const dusk_viewer *v, SDL_Rect b, int x, int y)
{
    dusk__frame f;
    return hit_frame(v, &f) == 0 ? dusk__stream_hit(v, &f, b, x, y) : -1;
}

static int64_t chunks_hit(const dusk_viewer *v, SDL_Rect b, int x, int y)
{
    dusk__frame f;
    return hit_frame(v, &f) == 0 ? dusk__chunks_hit(v, &f, b, x, y) : -1;
}

/* Two lines: the status line of the run shown (panels.c), then the
 * window's own: the run's outcome, the classroom controls, the time shown
 * when scrubbed back, the last screenshot, and "h: help" on the right. */
static void status_strip(dusk_viewer *v, dusk__frame *f, SDL_Rect b)
{
    /* the time scrubber along the bottom: the run so far, the time shown */
    dusk__ui *sui = &v->ui;
    b.h -= SCRUB_H;
    SDL_Rect bar = {b.x + MARGIN, b.y + b.h + 2, b.w - 2 * MARGIN, SCRUB_H - 4};
    dusk__fill(f, f->th->strip, (float)b.x, (float)(b.y + b.h), (float)b.w, SCRUB_H);
    sui->scrub = (dusk__box){0, 0, 0, 0};
    if (v->state && bar.w > 1 && bar.h > 0) {
        sui->scrub = (dusk__box){bar.x, bar.y - 2, bar.w, bar.h + 4};
        uint64_t d = dusk_viewer_duration(v), t = dusk_viewer_time(v);
        float at = d ? (float)bar.w * (float)((double)t / (double)d) : (float)bar.w;
        dusk__fill(f, f->th->dim, (float)bar.x, (float)bar.y + (float)bar.h / 2 - 1,
                   (float)bar.w, 2);
        dusk__fill(f, f->th->accent, (float)bar.x, (float)bar.y, at, (float)bar.h);
        dusk__fill(f, f->th->fg, (float)bar.x + at - 1, (float)bar.y - 2, 3,
                   (float)bar.h + 4);
    }
    int top = b.h / 2;
    dusk__panel_status(v, f, (SDL_Rect){b.x, b.y, b.w, top});
    SDL_Rect low = {b.x, b.y + top, b.w, b.h - top};
    dusk__fill(f, f->th->strip, (float)low.x, (float)low.y, (float)low.w, (float)low.h);
    char line[DUSK_ERROR_MSG_MAX + 512];
    const dusk__ui *ui = &v->ui;
    if (ui->message[0])
        snprintf(line, sizeof line, "%s", ui->message);
    else if (v->state)
        snprintf(line, sizeof line, "%s", v->run_over ? "the run ended" : "running");
    else
        snprintf(line, sizeof line, "waiting for a run");
    size_t k = strlen(line);
    if (dusk_viewer_paused(v))
        snprintf(line + k, sizeof line - k, "   |   paused (space: resume, n: one task)");
    else if (dusk_viewer_delay(v) > 0)
        snprintf(line + k, sizeof line - k, "   |   slow motion: %g s a task (s/S)",
                 dusk_viewer_delay(v));
    k = strlen(line);
    if (v->state && (v->shown < v->nlog || sui->playing))
        snprintf(line + k, sizeof line - k, "   |   %s at %.3f s of %.3f s%s",
                 sui->playing ? "replay" : "scrubbed", (double)dusk_viewer_time(v) / 1e9,
                 (double)dusk_viewer_duration(v) / 1e9,
                 sui->playing ? (sui->play_back ? ", backwards (k: stop)" : " (k: stop)")
                              : " (End: live, k: play)");
    k = strlen(line);
    if (sui->playing && sui->play_speed > 0 && sui->play_speed != 1)
        snprintf(line + k, sizeof line - k, " x%g", sui->play_speed);
    k = strlen(line);
    if (ui->shot_note[0])
        snprintf(line + k, sizeof line - k, "   |   %s", ui->shot_note);
    float ty = (float)low.y + (float)(low.h - f->line) / 2;
    const char *hint = "h: help";
    float hx = (float)(low.x + low.w) - MARGIN - dusk__text_width(f, hint);
    /* a long line (a failed run's message) stops short of the hint rather
     * than being written through it */
    int room = (int)hx - MARGIN - low.x;
    if (room > 0) {
        SDL_RenderSetClipRect(f->r, &(SDL_Rect){low.x, low.y, room, low.h});
        dusk__text(f, (float)low.x + MARGIN, ty, line, f->th->fg);
        SDL_RenderSetClipRect(f->r, NULL);
    }
    dusk__text(f, hx, ty, hint, f->th->dim);
}

/* Lines of text in a box with a border, placed at (x, y) but kept inside
 * w x h. */
static void text_box(dusk__frame *f, const char *const *lines, size_t n, float x, float y, int w,
                     int h)
{
    float bw = 0, bh = (float)(n * (size_t)f->line) + 2 * MARGIN;
    for (size_t i = 0; i < n; i++) {
        float tw = dusk__text_width(f, lines[i]);
        if (tw > bw)
            bw = tw;
    }
    bw += 2 * MARGIN;
    if (x + bw > (float)w)
        x = (float)w - bw;
    if (y + bh > (float)h)
        y = (float)h - bh;
    if (x < 0)
        x = 0;
    if (y < 0)
        y = 0;
    float ring = (float)f->th->stroke;
    dusk__fill(f, f->th->dim, x - ring, y - ring, bw + 2 * ring, bh + 2 * ring);
    dusk__fill(f, f->th->strip, x, y, bw, bh);
    for (size_t i = 0; i < n; i++)
        dusk__text(f, x + MARGIN, y + MARGIN + (float)(i * (size_t)f->line), lines[i], f->th->fg);
}

static void draw_tooltip(dusk_viewer *v, dusk__frame *f, int w, int h)
{
    char text[sizeof v->ui.tooltip];
    snprintf(text, sizeof text, "%s", v->ui.tooltip);
    const char *lines[16];
    size_t n = 0;
    for (char *p = text; *p && n < 16;) {
        lines[n++] = p;
        char *nl = strchr(p, '\n');
        if (!nl)
            break;
        *nl = '\0';
        p = nl + 1;
    }
    if (n)
        text_box(f, lines, n, (float)v->ui.mouse_x + 16, (float)v->ui.mouse_y + 16, w, h);
}

/* The keys, in as many columns as the window's height needs, each key
 * beside what it does, or above it where that fits more of them (a narrow
 * window). In a window too small for all of them (a laptop's split screen,
 * a projector at a big text size) they go in pages of what fits, h turning
 * to the next one, rather than in a box larger than the window, whose
 * keys on the right or below would be hidden. */
static void draw_help(dusk__ui *ui, dusk__frame *f, int w, int h)
{
    char lines[48][96];   /* on the stack: viewers may draw on threads of their own */
    size_t n = dusk__help_lines(lines, 48);
    /* each line is two cells: the keys, then what they do */
    float kw = 0, ww = 0;
    for (size_t i = 0; i < n; i++) {
        char *tab = strchr(lines[i], '\t');
        if (!tab)
            continue;
        *tab = '\0';
        float a = dusk__text_width(f, lines[i]), b = dusk__text_width(f, tab + 1);
        *tab = '\t';
        if (a > kw)
            kw = a;
        if (b > ww)
            ww = b;
    }
    const float indent = 16;
    int line = f->line > 0 ? f->line : 1;
    size_t fit = h > 4 * MARGIN ? (size_t)((h - 4 * MARGIN) / line) : 0;
    size_t lines_free = fit > 3 ? fit - 3 : 1;   /* below the title */
    /* side by side: a line an entry; stacked: two */
    float colw_side = kw + ww + 3 * MARGIN + indent;
    float colw_stack = (kw > indent + ww ? kw : indent + ww) + 2 * MARGIN;
    float room = (float)w - MARGIN;
    size_t cols_side = room >= colw_side ? (size_t)(room / colw_side) : 0;
    size_t cols_stack = room >= colw_stack ? (size_t)(room / colw_stack) : 1;
    size_t rows_stack = lines_free / 2 ? lines_free / 2 : 1;
    int stacked = cols_side * lines_free < cols_stack * rows_stack && cols_side * lines_free < n;
    size_t rows = stacked ? rows_stack : lines_free;
    size_t maxcols = stacked ? cols_stack : cols_side;
    float colw = stacked ? colw_stack : colw_side;
    size_t cols = (n + rows - 1) / rows, pages = 1;
    if (cols > maxcols) {
        cols = maxcols;
        pages = (n + rows * cols - 1) / (rows * cols);
    } else {
        rows = (n + cols - 1) / cols;   /* the columns evened out */
    }
    if (ui->help > (int)pages)
        ui->help = (int)pages;          /* the window grew */
    ui->help_pages = (int)pages;
    size_t first = (size_t)(ui->help - 1) * rows * cols;
    size_t count = n - first < rows * cols ? n - first : rows * cols;
    size_t per = stacked ? 2 : 1;       /* lines an entry */
    float bw = colw * (float)cols + MARGIN;
    float bh = (float)((rows * per + 2) * (size_t)line) + 2 * MARGIN;
    if (bw > (float)w)
        bw = (float)w;                  /* narrower than one stacked entry: clipped */
    float x = ((float)w - bw) / 2, y = ((float)h - bh) / 2;
    if (x < 0)
        x = 0;
    if (y < 0)
        y = 0;
    ui->help_box = (dusk__box){(int)x, (int)y, (int)bw, (int)bh};
    ui->help_first = (int)first;
    ui->help_count = (int)count;
    dusk__fill(f, f->th->accent, x - 2, y - 2, bw + 4, bh + 4);
    dusk__fill(f, f->th->bg, x, y, bw, bh);
    SDL_RenderSetClipRect(f->r, &(SDL_Rect){(int)x, (int)y, (int)bw, (int)bh});
    char title[96];
    if (pages == 1)
        snprintf(title, sizeof title, "dusk viewer: keys (h or ? to close)");
    else
        snprintf(title, sizeof title, "keys, page %d of %zu (h or ?: %s)", ui->help, pages,
                 (size_t)ui->help < pages ? "next" : "close");
    dusk__text(f, x + MARGIN, y + MARGIN, title, f->th->fg);
    for (size_t k = 0; k < count; k++) {
        char *s = lines[first + k];
        float lx = x + colw * (float)(k / rows);
        float ly = y + MARGIN + (float)(((k % rows) * per + 2) * (size_t)line);
        char *tab = strchr(s, '\t');
        if (tab)
            *tab = '\0';
        dusk__text(f, lx + MARGIN, ly, s, f->th->accent);
        if (tab) {
            if (stacked)
                dusk__text(f, lx + MARGIN + indent, ly + (float)line, tab + 1, f->th->fg);
            else
                dusk__text(f, lx + 2 * MARGIN + kw + indent, ly, tab + 1, f->th->fg);
            *tab = '\t';
        }
    }
    SDL_RenderSetClipRect(f->r, NULL);
}

int dusk_viewer_render(dusk_viewer *v, struct SDL_Renderer *r, int w, int h, dusk_error *err)
{
    if (!v)
        return dusk_error_set(err, DUSK_EINVAL, "dusk_viewer_render: v is NULL");
    if (!r)
        return dusk_error_set(err, DUSK_EINVAL, "dusk_viewer_render: r is NULL");
    if (w <= 0 || h <= 0)
        return dusk_error_set(err, DUSK_EINVAL, "dusk_viewer_render: the size %dx%d is empty",
                              w, h);
    return dusk__viewer_draw(v, r, w, h, "dusk_viewer_render", err);
}

int dusk__viewer_draw(dusk_viewer *v, SDL_Renderer *r, int w, int h, const char *who,
                      dusk_error *err)
{
    dusk__frame f;
    int rc = dusk__frame_begin(v, r, &f, who, err);
    if (rc != 0)
        return rc;
    dusk__ui *ui = &v->ui;
    dusk__ui_ready(v);
    dusk__arrange(ui, ui->shown & ui->avail, w, h, 2 * f.line + 10 + SCRUB_H);
    dusk__fill(&f, f.th->bg, 0, 0, (float)w, (float)h);
    for (int k = 0; k < DUSK__NPANELS; k++)
        if (ui->box[k].w && dusk__panels[k].draw)
            dusk__panels[k].draw(v, &f, dusk__panel_box(v, k));
    dusk__set_rgb(&f, f.th->dim);
    for (int k = 0; k < DUSK__NSPLITS; k++) {
        const dusk__box *b = &ui->split_box[k];
        if (!b->w)
            continue;
        int thick = 2 * f.th->stroke;
        if (k == DUSK__S_RIGHT || k == DUSK__S_ROW)
            SDL_RenderFillRect(r, &(SDL_Rect){b->x + HANDLE - thick / 2, b->y, thick, b->h});
        else
            SDL_RenderFillRect(r, &(SDL_Rect){b->x, b->y + HANDLE - thick / 2, b->w, thick});
    }
    if (v->hover >= 0 && dusk_viewer_state(v, v->hover) >= 0) {
        /* made again only when the task or what is shown of the run
         * changes (it looks through the run's log for the bytes) */
        if (!ui->tooltip[0] || ui->tip_task != v->hover || ui->tip_events != v->events ||
            ui->tip_shown != v->shown) {
            dusk__tooltip_text(v, v->hover, ui->tooltip, sizeof ui->tooltip);
            ui->tip_task = v->hover;
            ui->tip_events = v->events;
            ui->tip_shown = v->shown;
        }
        draw_tooltip(v, &f, w, h);
    } else {
        ui->tooltip[0] = '\0';
    }
    if (ui->help)
        draw_help(ui, &f, w, h);
    dusk__frame_end(&f);
    if (ui->want_shot) {
        ui->want_shot = 0;
        dusk_error e2 = DUSK_ERROR_INIT;
        if (dusk__write_png(v, r, w, h, NULL, "screenshot", &e2) != 0)
            snprintf(ui->shot_note, sizeof ui->shot_note, "%s", e2.msg);
    }
    return 0;
}

/* --- the tooltip's text ------------------------------------------------------------ */

/* The bytes of task t's result: its END's nbytes (a scan of the log, for
 * one task a frame). */
static uint64_t result_bytes(const dusk_viewer *v, int64_t t, int *found)
{
    for (size_t i = v->shown; i-- > 0;)
        if (v->log[i].task == t && v->log[i].kind == DUSK_EV_END) {
            *found = 1;
            return v->log[i].nbytes;
        }
    *found = 0;
    return 0;
}

size_t dusk__tooltip_text(const dusk_viewer *v, int64_t t, char *buf, size_t n)
{
    int st = dusk_viewer_state(v, t);
    if (st < 0)
        return (size_t)snprintf(buf, n, "%s", "");
    char key[128], fn[64] = "", num[64];
    dusk_plan_key_repr(v->plan, t, key, sizeof key);
    const dusk_func *func = dusk_plan_func(v->plan, t);
    if (func && func->name)
        snprintf(fn, sizeof fn, "%s", func->name);
    else
        snprintf(fn, sizeof fn, "(a value)");
    char out[1024];
    size_t k = (size_t)snprintf(out, sizeof out, "key: %s\nfunction: %s\nstate: %s", key, fn,
                                state_name[st]);
#define ADD(...)                                                                   \
    do {                                                                           \
        if (k < sizeof out)                                                        \
            k += (size_t)snprintf(out + k, sizeof out - k, __VA_ARGS__);           \
    } while (0)
    if (v->worker_of && v->worker_of[t] >= 0)
        ADD("\nworker: %d", (int)v->worker_of[t]);
    if (v->t_start && v->t_start[t] && v->t_end && v->t_end[t] >= v->t_start[t]) {
        dusk__fmt_ns(num, sizeof num, (double)(v->t_end[t] - v->t_start[t]));
        ADD("\nduration: %s", num);
    } else if (st == DUSK_TASK_RUNNING && v->t_start && v->shown) {
        uint64_t now = dusk__view_now(v);
        dusk__fmt_ns(num, sizeof num, (double)(now > v->t_start[t] ? now - v->t_start[t] : 0));
        ADD("\nrunning for: %s", num);
    }
    int found;
    uint64_t bytes = result_bytes(v, t, &found);
    if (found) {
        dusk__fmt_bytes(num, sizeof num, (double)bytes);
        ADD("\nbytes: %s", num);
    }
    if (st == DUSK_TASK_WAITING) {
        const int64_t *ids;
        int64_t nd = dusk_plan_dependencies(v->plan, t, &ids);
        const char *sep = "\nwaits for: ";
        for (int64_t j = 0; j < nd; j++) {
            if (dusk_viewer_state(v, ids[j]) == DUSK_TASK_MEMORY)
                continue;
            dusk_plan_key_repr(v->plan, ids[j], key, sizeof key);
            ADD("%s%s", sep, key);
            sep = ", ";
        }
    }
#undef ADD
    return (size_t)snprintf(buf, n, "%s", out);
}
