/*
** dusk gui — the graph panel, drawn with SDL2
**
** One frame of the panel: the legend strip at the top (a swatch, the
** state's name and its count, for each of Dask's six states), then the
** layout fitted below it (zoomed and panned by the user). Nodes are batched
** by state: the frame fills one SDL_FRect array per state colour and draws
** each with a single SDL_RenderFillRectsF (one call per node is about twice
** as slow in the software renderer). Edges are lines from a dependency's
** right side to its dependent's left side, at most DUSK__MAX_EDGES a frame:
** when zoomed out, every k-th edge only, as thousands of lines crossing a
** few pixels show nothing but cost time. In the layer view a layer's node
** takes the colour of the state most of its tasks are in, with a bar at
** its foot filled to the share of its tasks that are done (in memory,
** released or erred).
*/
#include <stdio.h>
#include <string.h>

#include "draw.h"

#define LEGEND_H 28
#define MARGIN 8
#define DUSK__MAX_EDGES 20000

/* Dask's dashboard colours, and the names its legend uses. */
const uint8_t dusk__state_rgb[DUSK_TASK_NSTATES][3] = {
    [DUSK_TASK_WAITING] = {0x80, 0x80, 0x80},  [DUSK_TASK_READY] = {0xf0, 0xc0, 0x00},
    [DUSK_TASK_RUNNING] = {0x2c, 0xa0, 0x2c},  [DUSK_TASK_MEMORY] = {0xd6, 0x27, 0x28},
    [DUSK_TASK_RELEASED] = {0x1f, 0x77, 0xb4}, [DUSK_TASK_ERRED] = {0x00, 0x00, 0x00}};
static const char *const state_name[DUSK_TASK_NSTATES] = {
    "waiting", "ready", "running", "in memory", "released", "erred"};

void dusk__view_fit(const dusk_viewer *v, int w, int h, float *scale, float *ox, float *oy)
{
    const dusk__layout *L = &v->layout;
    float uw = L->width > 0 ? L->width : 1.0f, uh = L->height > 0 ? L->height : 1.0f;
    float pw = (float)(w - 2 * MARGIN), ph = (float)(h - LEGEND_H - 2 * MARGIN);
    if (pw < 1)
        pw = 1;
    if (ph < 1)
        ph = 1;
    float s = pw / uw < ph / uh ? pw / uw : ph / uh;
    float fx = (float)MARGIN + (pw - uw * s) / 2, fy = (float)(LEGEND_H + MARGIN) + (ph - uh * s) / 2;
    /* zoom about the centre of the drawing area, then pan */
    float z = v->zoom > 0 ? v->zoom : 1.0f;
    float cx = (float)MARGIN + pw / 2, cy = (float)(LEGEND_H + MARGIN) + ph / 2;
    *scale = s * z;
    *ox = cx + (fx - cx) * z + v->pan_x;
    *oy = cy + (fy - cy) * z + v->pan_y;
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

static void draw_edges(dusk__frame *f, const dusk_viewer *v, float s, float ox, float oy)
{
    const dusk__layout *L = &v->layout;
    const dusk_plan *p = v->plan;
    size_t nedges = 0;
    for (size_t i = 0; i < L->ntasks; i++) {
        const int64_t *ids;
        int64_t nd = dusk_plan_dependencies(p, L->order[i], &ids);
        nedges += nd > 0 ? (size_t)nd : 0;
    }
    size_t stride = nedges / DUSK__MAX_EDGES + 1, k = 0;
    dusk__set_rgb(f, f->th->edge);
    for (size_t i = 0; i < L->ntasks; i++) {
        int64_t t = L->order[i];
        const int64_t *ids;
        int64_t nd = dusk_plan_dependencies(p, t, &ids);
        for (int64_t j = 0; j < nd; j++, k++) {
            if (k % stride)
                continue;
            int64_t d = ids[j];
            size_t a = L->layer_view ? (size_t)L->layer[d] : (size_t)d;
            size_t b = L->layer_view ? (size_t)L->layer[t] : (size_t)t;
            SDL_RenderDrawLineF(f->r, ox + (L->x[a] + 1) * s, oy + (L->y[a] + 0.5f) * s,
                                ox + L->x[b] * s, oy + (L->y[b] + 0.5f) * s);
        }
    }
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

    float s, ox, oy;
    dusk__view_fit(v, b.w, b.h, &s, &ox, &oy);
    ox += (float)b.x;
    oy += (float)b.y;
    float side = s < 1.0f ? 1.0f : s;
    if (n && s >= 2.0f)
        draw_edges(f, v, s, ox, oy);

    /* the nodes, grouped by state: offsets from the per-state counts */
    size_t start[DUSK_TASK_NSTATES + 1] = {0}, fill[DUSK_TASK_NSTATES];
    if (n && !L->layer_view) {
        for (int k = 0; k < DUSK_TASK_NSTATES; k++)
            start[k + 1] = start[k] + v->counts[k];
        memcpy(fill, start, sizeof fill);
        for (size_t i = 0; i < n; i++) {
            int64_t t = L->order[i];
            R->rects[fill[v->state[t]]++] =
                (SDL_FRect){ox + L->x[t] * s, oy + L->y[t] * s, side, side};
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
                (SDL_FRect){ox + L->x[l] * s, oy + L->y[l] * s, side, side};
    }
    for (int k = 0; k < DUSK_TASK_NSTATES; k++)
        if (start[k + 1] > start[k]) {
            dusk__set_rgb(f, dusk__state_rgb[k]);
            SDL_RenderFillRectsF(f->r, R->rects + start[k], (int)(start[k + 1] - start[k]));
        }
    if (n && L->layer_view) {   /* each layer's progress bar at its foot */
        dusk__set_rgb(f, f->th->fg);
        for (size_t l = 0; l < n; l++) {
            const uint32_t *lc = v->layer_counts + l * DUSK_TASK_NSTATES;
            size_t all = L->layer_start[l + 1] - L->layer_start[l];
            size_t done = lc[DUSK_TASK_MEMORY] + lc[DUSK_TASK_RELEASED] + lc[DUSK_TASK_ERRED];
            float bar = side * (float)done / (float)(all ? all : 1);
            SDL_RenderFillRectF(f->r, &(SDL_FRect){ox + L->x[l] * s, oy + (L->y[l] + 1) * s + 2,
                                                   bar, 4});
        }
    }

    /* the legend */
    dusk__fill(f, f->th->strip, (float)b.x, (float)b.y, (float)b.w, LEGEND_H);
    float x = (float)b.x + MARGIN, ty = (float)b.y + (float)(LEGEND_H - f->line) / 2;
    for (int k = 0; k < DUSK_TASK_NSTATES; k++) {
        dusk__fill(f, dusk__state_rgb[k], x, (float)b.y + (LEGEND_H - 14) / 2.0f, 14, 14);
        char label[64];
        snprintf(label, sizeof label, "%s %zu", state_name[k], v->counts[k]);
        x = dusk__text(f, x + 18, ty, label, f->th->fg) + 16;
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
    dusk__frame f;
    int rc = dusk__frame_begin(v, r, &f, "dusk_viewer_render", err);
    if (rc != 0)
        return rc;
    dusk__panel_graph(v, &f, (SDL_Rect){0, 0, w, h});
    dusk__frame_end(&f);
    return 0;
}
