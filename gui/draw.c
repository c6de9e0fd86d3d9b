/*
** dusk gui — what the panels draw with: the glyph atlas, text, shapes
**
** Text comes from one glyph atlas: the font's printable ASCII glyphs drawn
** once with TTF_RenderGlyph_Blended into a surface the viewer keeps (again
** when the font scale changes); each frame makes a texture of it (a few
** tens of kB) and copies glyphs from it. Keeping no texture between frames
** means the viewer holds nothing of the renderer's, which the caller may
** destroy before or after the viewer.
*/
#include <string.h>

#include "assets.h"
#include "draw.h"

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

static void drop_font(dusk__render *R)
{
    if (R->font) {
        TTF_CloseFont(R->font);
        TTF_Quit();
    }
    SDL_FreeSurface(R->atlas);
    R->font = NULL;
    R->atlas = NULL;
}

/* path NULL: the font built in from assets/fonts/. */
static int make_atlas(dusk__render *R, const char *path, float scale, const char *who,
                      dusk_error *err)
{
    if (TTF_Init() != 0)
        return dusk_error_set(err, DUSK_EIO, "%s%sthe text's library (SDL_ttf) failed: %s",
                              DUSK__WHO(who), TTF_GetError());
    int pt = (int)(14.0f * scale + 0.5f);
    if (path) {
        R->font = TTF_OpenFont(path, pt < 6 ? 6 : pt);
    } else {
        const dusk__asset *a = dusk__asset_find(DUSK__DEFAULT_FONT);
        SDL_RWops *rw = a ? SDL_RWFromConstMem(a->data, (int)a->size) : NULL;
        R->font = rw ? TTF_OpenFontRW(rw, 1, pt < 6 ? 6 : pt) : NULL;
    }
    if (!R->font) {
        dusk_error_set(err, DUSK_EIO, "%s%scannot open the font %s: %s", DUSK__WHO(who),
                       path ? path : "built in", TTF_GetError());
        TTF_Quit();
        return DUSK_EIO;
    }
    R->scale = scale;
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
        return dusk_error_set(err, DUSK_ENOMEM, "%s%sout of memory for the font's glyphs: %s",
                              DUSK__WHO(who), SDL_GetError());
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

int dusk__frame_begin(dusk_viewer *v, SDL_Renderer *r, dusk__frame *f, const char *who,
                      dusk_error *err)
{
    memset(f, 0, sizeof *f);
    if (!v->render && !(v->render = dusk_calloc(1, sizeof *v->render)))
        return dusk_error_set(err, DUSK_ENOMEM, "%s%sout of memory", DUSK__WHO(who));
    dusk__render *R = v->render;
    float scale = v->font_scale > 0.25f ? v->font_scale : 1.0f;
    if (R->font && R->scale != scale)
        drop_font(R);
    if (!R->font) {
        int rc = make_atlas(R, v->opts.font, scale, who, err);
        if (rc != 0) {
            drop_font(R);
            return rc;
        }
    }
    f->r = r;
    f->R = R;
    f->th = dusk__viewer_theme(v);
    f->line = R->atlas->h;
    f->glyphs = SDL_CreateTextureFromSurface(r, R->atlas);
    if (f->glyphs)
        SDL_SetTextureBlendMode(f->glyphs, SDL_BLENDMODE_BLEND);
    SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_NONE);
    return 0;
}

void dusk__frame_end(dusk__frame *f)
{
    if (f->glyphs)
        SDL_DestroyTexture(f->glyphs);
    f->glyphs = NULL;
}

void dusk__set_rgb(dusk__frame *f, const uint8_t rgb[3])
{
    SDL_SetRenderDrawColor(f->r, rgb[0], rgb[1], rgb[2], 255);
}

void dusk__fill(dusk__frame *f, const uint8_t rgb[3], float x, float y, float w, float h)
{
    dusk__set_rgb(f, rgb);
    SDL_RenderFillRectF(f->r, &(SDL_FRect){x, y, w, h});
}

float dusk__text(dusk__frame *f, float x, float y, const char *s, const uint8_t rgb[3])
{
    const dusk__render *R = f->R;
    if (f->glyphs)
        SDL_SetTextureColorMod(f->glyphs, rgb[0], rgb[1], rgb[2]);
    for (; *s; s++) {
        int c = (unsigned char)*s;
        if (c < ' ' || c > '~')
            c = '?';
        int k = c - ' ';
        if (f->glyphs && c != ' ') {
            SDL_Rect from = {R->gx[k], 0, R->gw[k], R->atlas->h};
            SDL_FRect to = {x, y, (float)R->gw[k], (float)R->atlas->h};
            SDL_RenderCopyF(f->r, f->glyphs, &from, &to);
        }
        x += (float)R->gw[k];
    }
    return x;
}

float dusk__text_width(const dusk__frame *f, const char *s)
{
    float w = 0;
    for (; *s; s++) {
        int c = (unsigned char)*s;
        w += (float)f->R->gw[(c < ' ' || c > '~' ? '?' : c) - ' '];
    }
    return w;
}
