/*
** dusk gui — the files of assets/ built into libdusk-gui
**
** scripts/embed.sh writes $(BUILD)/gen/assets.c from assets/fonts/ and
** assets/themes/, so that the window needs no file at run time wherever
** dusk is installed (and no system font). Each asset is named by its path
** under assets/ and followed by a NUL byte not counted in its size.
*/
#ifndef DUSK_GUI_ASSETS_H
#define DUSK_GUI_ASSETS_H

#include <stddef.h>

typedef struct dusk__asset {
    const char *name;             /* "themes/dark.theme" */
    const unsigned char *data;
    size_t size;
} dusk__asset;

extern const dusk__asset dusk__assets[];
extern const size_t dusk__nassets;

/* The asset of that name, or NULL. */
const dusk__asset *dusk__asset_find(const char *name);

#endif
