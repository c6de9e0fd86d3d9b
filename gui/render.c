/*
** dusk gui — drawing the graph panel with SDL2 (the only file of dusk that
** includes SDL headers)
**
** One frame: the legend strip at the top (a swatch, the state's name and
** its count, for each of Dask's six states), then the graph fitted below
** it. Nodes are batched by state: the frame fills one SDL_FRect array per
** state colour and draws each with a single SDL_RenderFillRectsF (one call
** per node is about twice as slow in the software renderer). Edges are
** lines from a dependency's right side to its dependent's left side, at
** most DUSK__MAX_EDGES a frame: when zoomed out, every k-th edge only, as
** thousands of lines crossing a few pixels show nothing but cost time.
** In the layer view a layer's node takes the colour of the state most of
** its tasks are in, with a bar at its foot filled to the share of its
** tasks that are done (in memory, released or erred).
**
** Text comes from one glyph atlas: the font's printable ASCII glyphs drawn
** once with TTF_RenderGlyph_Blended into a surface the viewer keeps; each
** frame makes a texture of it (a few tens of kB) and copies glyphs from
** it. Keeping no texture between frames means the viewer holds nothing of
** the renderer's, which the caller may destroy before or after the viewer.
*/
#include <stdio.h>
#include <string.h>

#include <SDL.h>
#include <SDL_ttf.h>

#include "gui.h"

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

struct dusk__render {
    TTF_Font *font;
    SDL_Surface *atlas;       /* glyphs ' '..'~' side by side, white on clear */
    int gx[96], gw[96];       /* each glyph's x in the atlas and its advance */
    SDL_FRect *rects;         /* ntasks, grouped by state */
    size_t rects_cap;
};

void dusk__render_free(dusk__render *R)
{
    if (!R)
        return;
    if (R->font) {
        TTF_CloseFont(R->font);
        TTF_Quit();
    }
    SDL_FreeSurface(R->atlas);
    dusk_free(R->rects);
    dusk_free(R);
}

static int make_atlas(dusk__render *R, const char *path, dusk_error *err)
{
    if (TTF_Init() != 0)
        return dusk_error_set(err, DUSK_EIO, "dusk_viewer_render: SDL_ttf: %s", TTF_GetError());
    R->font = TTF_OpenFont(path, 14);
    if (!R->font) {
        dusk_error_set(err, DUSK_EIO, "dusk_viewer_render: cannot open the font %s: %s", path,
                       TTF_GetError());
        TTF_Quit();
        return DUSK_EIO;
    }
    int width = 0, h = TTF_FontHeight(R->font);
    for (int c = ' '; c <= '~'; c++) {
        int adv = 0;
        TTF_GlyphMetrics(R->font, (Uint16)c, NULL, NULL, NULL, NULL, &adv);
        R->gx[c - ' '] = width;
        R->gw[c - ' '] = adv;
        width += adv + 1;
    }
    R->atlas = SDL_CreateRGBSurfaceWithFormat(0, width, h, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!R->atlas)
        return dusk_error_set(err, DUSK_ENOMEM, "dusk_viewer_render: glyph atlas: %s",
                              SDL_GetError());
    SDL_FillRect(R->atlas, NULL, 0);
    SDL_Color white = {255, 255, 255, 255};
    for (int c = '!'; c <= '~'; c++) {
        SDL_Surface *g = TTF_RenderGlyph_Blended(R->font, (Uint16)c, white);
        if (!g)
            continue;   /* a glyph the font lacks shows as a space */
        SDL_SetSurfaceBlendMode(g, SDL_BLENDMODE_NONE);
        SDL_Rect to = {R->gx[c - ' '], 0, g->w, g->h};
        SDL_BlitSurface(g, NULL, R->atlas, &to);
        SDL_FreeSurface(g);
    }
    return 0;
}

/* Writes s at (x, y) from the atlas texture; returns the x after it. */
static float draw_text(SDL_Renderer *r, const dusk__render *R, SDL_Texture *t, float x, float y,
                       const char *s)
{
    for (; *s; s++) {
        int c = (unsigned char)*s;
        if (c < ' ' || c > '~')
            c = '?';
        int k = c - ' ';
        if (t && c != ' ') {
            SDL_Rect from = {R->gx[k], 0, R->gw[k], R->atlas->h};
            SDL_FRect to = {x, y, (float)R->gw[k], (float)R->atlas->h};
            SDL_RenderCopyF(r, t, &from, &to);
        }
        x += (float)R->gw[k];
    }
    return x;
}

void dusk__view_fit(const dusk_viewer *v, int w, int h, float *scale, float *ox, float *oy)
{
    const dusk__layout *L = &v->layout;
    float step = 1.0f + DUSK__GAP;
    float uw = L->nlayers ? (float)L->nlayers * step - DUSK__GAP : 1.0f;
    float uh = L->layer_view ? 1.0f : L->widest ? (float)L->widest * step - DUSK__GAP : 1.0f;
    float pw = (float)(w - 2 * MARGIN), ph = (float)(h - LEGEND_H - 2 * MARGIN);
    if (pw < 1)
        pw = 1;
    if (ph < 1)
        ph = 1;
    float s = pw / uw < ph / uh ? pw / uw : ph / uh;
    *scale = s;
    *ox = (float)MARGIN + (pw - uw * s) / 2;
    *oy = (float)(LEGEND_H + MARGIN) + (ph - uh * s) / 2;
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

static void set_rgb(SDL_Renderer *r, int state)
{
    const uint8_t *c = dusk__state_rgb[state];
    SDL_SetRenderDrawColor(r, c[0], c[1], c[2], 255);
}

static void draw_edges(SDL_Renderer *r, const dusk_viewer *v, float s, float ox, float oy)
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
    float step = (1.0f + DUSK__GAP) * s;
    SDL_SetRenderDrawColor(r, 0xb0, 0xb0, 0xb0, 255);
    for (size_t i = 0; i < L->ntasks; i++) {
        int64_t t = L->order[i];
        const int64_t *ids;
        int64_t nd = dusk_plan_dependencies(p, t, &ids);
        for (int64_t j = 0; j < nd; j++, k++) {
            if (k % stride)
                continue;
            int64_t d = ids[j];
            float x0 = ox + (float)L->layer[d] * step + s, x1 = ox + (float)L->layer[t] * step;
            float y0 = L->layer_view ? oy + s / 2 : oy + (float)L->slot[d] * step + s / 2;
            float y1 = L->layer_view ? oy + s / 2 : oy + (float)L->slot[t] * step + s / 2;
            SDL_RenderDrawLineF(r, x0, y0, x1, y1);
        }
    }
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
    if (!v->render) {
        dusk__render *R = dusk_calloc(1, sizeof *R);
        if (!R)
            return dusk_error_set(err, DUSK_ENOMEM, "dusk_viewer_render: out of memory");
        int rc = make_atlas(R, v->opts.font ? v->opts.font : DUSK__DEFAULT_FONT, err);
        if (rc != 0) {
            dusk__render_free(R);
            return rc;
        }
        v->render = R;
    }
    dusk__render *R = v->render;
    const dusk__layout *L = &v->layout;
    size_t n = v->state ? (L->layer_view ? L->nlayers : L->ntasks) : 0;
    if (n > R->rects_cap) {
        SDL_FRect *nr = dusk_realloc(R->rects, n * sizeof *nr);
        if (!nr)
            return dusk_error_set(err, DUSK_ENOMEM, "dusk_viewer_render: out of memory for "
                                  "%zu nodes", n);
        R->rects = nr;
        R->rects_cap = n;
    }

    SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_NONE);
    SDL_SetRenderDrawColor(r, 255, 255, 255, 255);
    SDL_RenderFillRect(r, &(SDL_Rect){0, 0, w, h});

    float s, ox, oy;
    dusk__view_fit(v, w, h, &s, &ox, &oy);
    float step = (1.0f + DUSK__GAP) * s, side = s < 1.0f ? 1.0f : s;
    if (n && s >= 2.0f)
        draw_edges(r, v, s, ox, oy);

    /* the nodes, grouped by state: offsets from the per-state counts */
    size_t start[DUSK_TASK_NSTATES + 1] = {0}, fill[DUSK_TASK_NSTATES];
    if (n && !L->layer_view) {
        for (int k = 0; k < DUSK_TASK_NSTATES; k++)
            start[k + 1] = start[k] + v->counts[k];
        memcpy(fill, start, sizeof fill);
        for (size_t i = 0; i < n; i++) {
            int64_t t = L->order[i];
            R->rects[fill[v->state[t]]++] = (SDL_FRect){
                ox + (float)L->layer[t] * step, oy + (float)L->slot[t] * step, side, side};
        }
    } else if (n) {
        size_t cnt[DUSK_TASK_NSTATES] = {0};
        for (size_t l = 0; l < n; l++)
            cnt[layer_major(v, l)]++;
        for (int k = 0; k < DUSK_TASK_NSTATES; k++)
            start[k + 1] = start[k] + cnt[k];
        memcpy(fill, start, sizeof fill);
        for (size_t l = 0; l < n; l++)
            R->rects[fill[layer_major(v, l)]++] = (SDL_FRect){ox + (float)l * step, oy, side, side};
    }
    for (int k = 0; k < DUSK_TASK_NSTATES; k++)
        if (start[k + 1] > start[k]) {
            set_rgb(r, k);
            SDL_RenderFillRectsF(r, R->rects + start[k], (int)(start[k + 1] - start[k]));
        }
    if (n && L->layer_view) {   /* each layer's progress bar at its foot */
        SDL_SetRenderDrawColor(r, 0x40, 0x40, 0x40, 255);
        for (size_t l = 0; l < n; l++) {
            const uint32_t *lc = v->layer_counts + l * DUSK_TASK_NSTATES;
            size_t all = L->layer_start[l + 1] - L->layer_start[l];
            size_t done = lc[DUSK_TASK_MEMORY] + lc[DUSK_TASK_RELEASED] + lc[DUSK_TASK_ERRED];
            float bar = side * (float)done / (float)(all ? all : 1);
            SDL_RenderFillRectF(r, &(SDL_FRect){ox + (float)l * step, oy + side + 2, bar, 4});
        }
    }

    /* the legend */
    SDL_SetRenderDrawColor(r, 0xf4, 0xf4, 0xf4, 255);
    SDL_RenderFillRect(r, &(SDL_Rect){0, 0, w, LEGEND_H});
    SDL_Texture *t = SDL_CreateTextureFromSurface(r, R->atlas);
    if (t) {
        SDL_SetTextureBlendMode(t, SDL_BLENDMODE_BLEND);
        SDL_SetTextureColorMod(t, 0x20, 0x20, 0x20);
    }
    float x = MARGIN, ty = (float)(LEGEND_H - R->atlas->h) / 2;
    for (int k = 0; k < DUSK_TASK_NSTATES; k++) {
        set_rgb(r, k);
        SDL_RenderFillRectF(r, &(SDL_FRect){x, (LEGEND_H - 14) / 2.0f, 14, 14});
        char label[64];
        snprintf(label, sizeof label, "%s %zu", state_name[k], v->counts[k]);
        x = draw_text(r, R, t, x + 18, ty, label) + 16;
    }
    if (t)
        SDL_DestroyTexture(t);
    return 0;
}
