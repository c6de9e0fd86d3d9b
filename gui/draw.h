/*
** dusk gui — private to libdusk-gui: what every panel draws with (SDL2)
**
** A frame (dusk__frame) is the renderer, the viewer's glyph atlas made
** into a texture for this frame, the theme and the font scale. Panels draw
** into a box of the frame with the helpers below and never call
** TTF_Render* themselves: text is copied glyph by glyph from one atlas.
** Only gui/ includes this header (and SDL's).
*/
#ifndef DUSK_GUI_DRAW_H
#define DUSK_GUI_DRAW_H

#include <SDL.h>
#include <SDL_ttf.h>

#include "gui.h"

/* The colours of a theme; states keep Dask's colours (dusk__state_rgb). */
typedef struct dusk__theme {
    const char *name;
    uint8_t bg[3];       /* panels' background */
    uint8_t strip[3];    /* legend and title strips */
    uint8_t fg[3];       /* text */
    uint8_t dim[3];      /* secondary text, axes, grid */
    uint8_t edge[3];     /* the graph's edges */
    uint8_t accent[3];   /* selection and highlights */
} dusk__theme;

enum { DUSK__THEME_LIGHT, DUSK__THEME_DARK, DUSK__THEME_CONTRAST, DUSK__NTHEMES };
extern const dusk__theme dusk__themes[DUSK__NTHEMES];

/* The font and its atlas, made at the first frame and again when the font
 * scale changes; the node buffer of the graph panel. */
struct dusk__render {
    TTF_Font *font;
    float scale;              /* the font scale the atlas was made at */
    SDL_Surface *atlas;       /* glyphs ' '..'~' side by side, white on clear */
    int gx[96], gw[96];       /* each glyph's x in the atlas and its advance */
    SDL_FRect *rects;         /* the graph panel's nodes, grouped by state */
    size_t rects_cap;
};

typedef struct dusk__frame {
    SDL_Renderer *r;
    dusk__render *R;
    SDL_Texture *glyphs;      /* R->atlas for this frame (NULL: text skipped) */
    const dusk__theme *th;
    int line;                 /* the height of a line of text, pixels */
} dusk__frame;

/* Opens the font (at 14 px x v->font_scale) when needed and makes the
 * frame; DUSK_EIO naming the font, DUSK_ENOMEM. `who` names the caller in
 * messages. */
int dusk__frame_begin(dusk_viewer *v, SDL_Renderer *r, dusk__frame *f, const char *who,
                      dusk_error *err);
void dusk__frame_end(dusk__frame *f);

void dusk__set_rgb(dusk__frame *f, const uint8_t rgb[3]);
void dusk__fill(dusk__frame *f, const uint8_t rgb[3], float x, float y, float w, float h);
/* Writes s at (x, y) (its top-left) in rgb; returns the x after it.
 * Characters outside printable ASCII show as '?'. */
float dusk__text(dusk__frame *f, float x, float y, const char *s, const uint8_t rgb[3]);
float dusk__text_width(const dusk__frame *f, const char *s);

/* --- panels: each draws the viewer's state into box b of the frame ------ */

/* The graph: a legend strip (each state's colour, name and count) at the
 * top, the layout below it, fitted to the box and then zoomed and panned
 * by v->zoom, v->pan_x, v->pan_y (dusk__view_fit, offset by the box). */
void dusk__panel_graph(dusk_viewer *v, dusk__frame *f, SDL_Rect b);

/* chunks.c: the chunk map (gui.h, "arrays and layout"): the result
 * array's block grid large on the left, up to 3 inputs' small on the
 * right, each titled, each block in its task's state colour; "no arrays
 * in this run" without tuple keys. The grids are made at the first draw
 * of a plan and kept until the next plan. */
void dusk__panel_chunks(dusk_viewer *v, dusk__frame *f, SDL_Rect b);
/* The task whose block is drawn at pixel (x, y) by the last
 * dusk__panel_chunks into box b, or -1 (no block there, or the grids of
 * the current plan not drawn yet). */
int64_t dusk__chunks_hit(const dusk_viewer *v, const dusk__frame *f, SDL_Rect b, int x, int y);
/* The chunk map's grids as drawn (for tests and tooltips): how many are
 * shown (0 without arrays; the result is grid 0), and grid k's full name,
 * its title, its shape in blocks and the task of block (i, j) (-1). */
size_t dusk__chunks_ngrids(const dusk_viewer *v);
int dusk__chunks_grid(const dusk_viewer *v, size_t k, const char **name, const char **title,
                      int64_t *rows, int64_t *cols);
int64_t dusk__chunks_task(const dusk_viewer *v, size_t k, int64_t i, int64_t j);
/* Where block (i, j) of shown grid k is drawn in box b (gap included);
 * 0, or DUSK_EINVAL for no such block. */
int dusk__chunks_cell(const dusk_viewer *v, const dusk__frame *f, SDL_Rect b, size_t k,
                      int64_t i, int64_t j, SDL_FRect *r);

#endif /* DUSK_GUI_DRAW_H */
