/*
** dusk viz — pictures of chunked arrays
**
** An array's picture (or layout) is its task graph's (dusk_array_graph) with its
** layers (dusk_array_layers) at hand: their shapes and dtypes go into the
** tooltips, and the layer view draws them directly. The layer view with no
** colour needs no task graph at all, so an array of millions of tasks is
** summarised without building one.
**
** In a file of its own so that programs that draw plain graphs only do
** not link the array module.
*/
#include <string.h>

#include "dusk/alloc.h"
#include "scene.h"

static int visualize_array(const dusk_array *a, const dusk_viz_options *o,
                           const dusk__viz_out *out, dusk_error *err)
{
    if (!a)
        return dusk_error_set(err, DUSK_EINVAL, "visualize: no array");
    int rc = dusk_array_status(a, err);
    if (rc)
        return rc;
    size_t nl = dusk_array_layers(a, NULL, 0);
    dusk_layer_info *layers = dusk_calloc(nl ? nl : 1, sizeof *layers);
    if (!layers)
        return dusk_error_set(err, DUSK_ENOMEM, "visualize: out of memory");
    dusk_array_layers(a, layers, nl);

    /* Does the picture need the task graph? Not for a plain layer view. */
    static const dusk_viz_options defaults = DUSK_VIZ_OPTIONS_INIT;
    const dusk_viz_options *opt = o ? o : &defaults;
    size_t threshold = opt->threshold ? opt->threshold : DUSK_VIZ_THRESHOLD;
    int64_t ntasks = dusk_array_ntasks(a);
    int layers_view = opt->view == DUSK_VIZ_LAYERS ||
                      (opt->view == DUSK_VIZ_AUTO && ntasks > (int64_t)threshold);
    int need_graph = !layers_view || opt->color != DUSK_VIZ_COLOR_NONE ||
                     (opt->events && opt->nevents);
    dusk_graph *g = NULL;
    if (need_graph && (rc = dusk_array_graph(a, &g, err))) {
        dusk_free(layers);
        return rc;
    }
    rc = dusk__visualize(g, layers, nl, o, out, err);
    dusk_graph_free(g);
    dusk_free(layers);
    return rc;
}

int dusk_visualize_array(const dusk_array *a, const char *path, const dusk_viz_options *o,
                         dusk_error *err)
{
    DUSK__NONNULL(err, a);
    DUSK__NONNULL(err, path);
    dusk__viz_out out = {path, NULL, NULL, NULL, NULL};
    return visualize_array(a, o, &out, err);
}

int dusk_visualize_array_mem(const dusk_array *a, const char *format,
                             const dusk_viz_options *o, char **buf, size_t *len,
                             dusk_error *err)
{
    if (buf)
        *buf = NULL;
    if (len)
        *len = 0;
    DUSK__NONNULL(err, a);
    DUSK__NONNULL(err, buf);
    DUSK__NONNULL(err, len);
    dusk__viz_out out = {NULL, format, buf, len, NULL};
    return visualize_array(a, o, &out, err);
}

int dusk_viz_layout_array(const dusk_array *a, const dusk_viz_options *o,
                          dusk_viz_layout **out, dusk_error *err)
{
    if (out)
        *out = NULL;
    DUSK__NONNULL(err, a);
    DUSK__NONNULL(err, out);
    dusk__viz_out to = {NULL, NULL, NULL, NULL, out};
    return visualize_array(a, o, &to, err);
}
