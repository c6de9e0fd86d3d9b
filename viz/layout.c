/*
** dusk viz — layouts: the picture as numbers, for programs that draw it
**
** A layout is made by the one path of viz.c (dusk__visualize with a
** layout to fill), so it is always of the scene dusk_visualize would
** render; gv.c lays that scene out under the Graphviz lock and copies
** Graphviz's numbers into the layout (dusk__gv_layout). This file holds
** the public entry and the readers.
**
** Memory: a layout is one struct and one arena (core/util.h) that holds
** its node and edge arrays, the edges' points and every string; freeing
** it is freeing those two. It never changes after it is made, so readers
** need no lock.
*/
#include <string.h>

#include "dusk/alloc.h"
#include "scene.h"

int dusk_viz_layout_graph(dusk_graph *g, const dusk_viz_options *o, dusk_viz_layout **out,
                          dusk_error *err)
{
    if (out)
        *out = NULL;
    DUSK__NONNULL(err, g);
    DUSK__NONNULL(err, out);
    dusk__viz_out to = {NULL, NULL, NULL, NULL, out};
    return dusk__visualize(g, NULL, 0, o, &to, err);
}

void dusk_viz_layout_free(dusk_viz_layout *l)
{
    if (!l)
        return;
    dusk__arena_free(&l->mem);
    dusk_free(l);
}

dusk_viz_view dusk_viz_layout_view(const dusk_viz_layout *l)
{
    return l ? l->view : DUSK_VIZ_AUTO;
}

void dusk_viz_layout_bbox(const dusk_viz_layout *l, double *width, double *height)
{
    if (width)
        *width = l ? l->width : 0;
    if (height)
        *height = l ? l->height : 0;
}

const dusk_viz_node *dusk_viz_layout_nodes(const dusk_viz_layout *l, size_t *n)
{
    if (n)
        *n = l ? l->nnodes : 0;
    return l ? l->nodes : NULL;
}

const dusk_viz_edge *dusk_viz_layout_edges(const dusk_viz_layout *l, size_t *n)
{
    if (n)
        *n = l ? l->nedges : 0;
    return l ? l->edges : NULL;
}
