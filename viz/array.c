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

/* The picture of n arrays of one context together (n >= 1), each layer
 * once, as dask.visualize(a, b) draws them. */
static int visualize_arrays(dusk_array *const *a, size_t n, const dusk_viz_options *o,
                            const dusk__viz_out *out, dusk_error *err)
{
    int rc;
    for (size_t i = 0; i < n; i++) {
        if (!a[i])
            return dusk_error_set(err, DUSK_EINVAL, n == 1 ? "visualize: no array"
                                                           : "visualize: array %zu is NULL", i);
        if ((rc = dusk_array_status(a[i], err)))
            return rc;
        if (dusk_array_context(a[i]) != dusk_array_context(a[0]))
            return dusk_error_set(err, DUSK_EINVAL, "visualize: array %zu (%s) is of another "
                                  "context than array 0: one picture draws the arrays of one "
                                  "context", i, dusk_array_name(a[i]));
    }
    /* Does the picture need the task graph? Not for a plain layer view. */
    static const dusk_viz_options defaults = DUSK_VIZ_OPTIONS_INIT;
    const dusk_viz_options *opt = o ? o : &defaults;
    size_t threshold = opt->threshold ? opt->threshold : DUSK_VIZ_THRESHOLD;
    int64_t ntasks = dusk_array_ntasks_many(a, n);
    int layers_view = opt->view == DUSK_VIZ_LAYERS ||
                      (opt->view == DUSK_VIZ_AUTO && ntasks > (int64_t)threshold);
    int need_graph = !layers_view || opt->color != DUSK_VIZ_COLOR_NONE ||
                     (opt->events && opt->nevents);
    dusk_graph *g = NULL;
    if (need_graph && (rc = dusk_array_graph_many(a, n, &g, err)))
        return rc;
    size_t nl = dusk_array_layers_many(a, n, NULL, 0);
    dusk_layer_info *layers = dusk_calloc(nl ? nl : 1, sizeof *layers);
    if (!layers) {
        dusk_graph_free(g);
        return dusk_error_set(err, DUSK_ENOMEM, "visualize: out of memory");
    }
    dusk_array_layers_many(a, n, layers, nl);
    rc = dusk__visualize(g, layers, nl, o, out, err);
    dusk_graph_free(g);
    dusk_free(layers);
    return rc;
}

static int visualize_array(const dusk_array *a, const dusk_viz_options *o,
                           const dusk__viz_out *out, dusk_error *err)
{
    dusk_array *one = (dusk_array *)a;   /* only read: the _many calls take a list */
    return visualize_arrays(&one, 1, o, out, err);
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

int dusk_visualize_arrays(dusk_array *const *a, size_t n, const char *path,
                          const dusk_viz_options *o, dusk_error *err)
{
    DUSK__NONNULL(err, a);
    DUSK__NONNULL(err, path);
    if (n == 0)
        return dusk_error_set(err, DUSK_EINVAL, "visualize: no arrays to draw");
    dusk__viz_out out = {path, NULL, NULL, NULL, NULL};
    return visualize_arrays(a, n, o, &out, err);
}

int dusk_visualize_arrays_mem(dusk_array *const *a, size_t n, const char *format,
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
    if (n == 0)
        return dusk_error_set(err, DUSK_EINVAL, "visualize: no arrays to draw");
    dusk__viz_out out = {NULL, format, buf, len, NULL};
    return visualize_arrays(a, n, o, &out, err);
}
