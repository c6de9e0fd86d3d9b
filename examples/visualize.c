/*
** examples/visualize.c — pictures of task graphs, as Dask's visualize()
**
** The lecture's pictures and a few Dask cannot draw:
**
**   dsk.svg              dsk = {'a': 1, 'x': 10, 'b': (inc, 'a'), 'y': (inc, 'x'),
**                        'z': (add, 'b', 'y')}, Dask's look
**   dsk-order.png        coloured by static priority, numbered (color="order")
**   dsk-state.svg        after a run: each task's state, as Dask's dashboard
**   dsk-duration.pdf     after a run: each task's time, with a colour bar
**   transpose.svg        x = da.ones((15, 15), chunks=(5, 5)); x + x.T
**   r.svg, r-layers.svg  r = x - x.mean(axis=0), (1000, 10000) in (500, 500)
**                        blocks: every task, then one node per layer
**   big.svg              93,600 tasks: drawn as layers, automatically
**
** and, on stdout, dsk laid out but not drawn: where each node goes, for a
** program that draws the graph itself.
**
** Usage: visualize [DIR]   (default: build/visualize)
** Build against an installed dusk (dusk.pc's libraries include libdusk-viz):
**     cc visualize.c $(pkg-config --cflags --libs dusk)
*/
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <dusk.h>
#include <dusk/array.h>
#include <dusk/viz.h>

static char dir[512];

/* Renders g (or the array a) to DIR/name and says where. */
static void draw(dusk_graph *g, dusk_array *a, const char *name, const dusk_viz_options *o)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    dusk_error err = DUSK_ERROR_INIT;
    int rc = g ? dusk_visualize(g, path, o, &err) : dusk_visualize_array(a, path, o, &err);
    if (rc != 0) {
        fprintf(stderr, "visualize: %s\n", err.msg);
        exit(1);
    }
    printf("wrote %s\n", path);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);   /* in order with stderr, even into a pipe */
    if (argc > 1) {
        snprintf(dir, sizeof dir, "%s", argv[1]);
        if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
            perror(dir);
            return 1;
        }
    } else {
        /* run from the repository root (as make test does): under build/ */
        snprintf(dir, sizeof dir, "build/visualize");
        if (mkdir("build", 0777) != 0 && errno != EEXIST) {
            perror("build");
            return 1;
        }
        if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
            perror(dir);
            return 1;
        }
    }

    /* The lecture's first graph, as Dask draws it. */
    dusk_graph *dsk = dusk_graph_new();
    dusk_graph_value(dsk, "a", dusk_int(1));
    dusk_graph_value(dsk, "x", dusk_int(10));
    dusk_task(dsk, "b", &dusk_inc, dusk_ref("a"));
    dusk_task(dsk, "y", &dusk_inc, dusk_ref("x"));
    dusk_task(dsk, "z", &dusk_add, dusk_ref("b"), dusk_ref("y"));
    draw(dsk, NULL, "dsk.svg", NULL);

    /* Coloured by the order the schedulers follow. */
    dusk_viz_options o = DUSK_VIZ_OPTIONS_INIT;
    o.color = DUSK_VIZ_COLOR_ORDER;
    draw(dsk, NULL, "dsk-order.png", &o);

    /* Run it with a recorder listening, then colour by what happened. */
    dusk_viz_recorder *rec = dusk_viz_recorder_new();
    dusk_callbacks cb = dusk_viz_recorder_callbacks(rec);
    dusk_options run = DUSK_OPTIONS_INIT;
    run.callbacks = &cb;
    run.ncallbacks = 1;
    dusk_value *z = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_get(dsk, "z", &run, &z, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    dusk_value_unref(z);
    o.events = dusk_viz_recorder_events(rec, &o.nevents);
    o.color = DUSK_VIZ_COLOR_STATE;
    draw(dsk, NULL, "dsk-state.svg", &o);
    o.color = DUSK_VIZ_COLOR_DURATION;
    draw(dsk, NULL, "dsk-duration.pdf", &o);
    dusk_viz_recorder_free(rec);

    /* The same picture as numbers: Graphviz's layout, in points, y down. */
    dusk_viz_layout *lay = NULL;
    if (dusk_viz_layout_graph(dsk, NULL, &lay, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    double w, h;
    dusk_viz_layout_bbox(lay, &w, &h);
    size_t nn, ne;
    const dusk_viz_node *n = dusk_viz_layout_nodes(lay, &nn);
    const dusk_viz_edge *e = dusk_viz_layout_edges(lay, &ne);
    printf("dsk laid out: %.0f x %.0f points, %zu nodes, %zu edges\n", w, h, nn, ne);
    for (size_t i = 0; i < nn; i++)
        printf("  %-6s %-3s at (%5.1f, %5.1f), %.0f x %.0f\n",
               n[i].kind == DUSK_VIZ_NODE_TASK ? "task" : "result", n[i].label, n[i].x,
               n[i].y, n[i].width, n[i].height);
    for (size_t i = 0; i < ne; i++)
        printf("  %s -> %s: %zu control points\n", n[e[i].tail].label, n[e[i].head].label,
               e[i].npoints);
    dusk_viz_layout_free(lay);
    dusk_graph_free(dsk);

    /* Arrays: the lecture's x + x.T and r = x - x.mean(axis=0). */
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_array *x = dusk_ones(ctx, DUSK_SHAPE(15, 15), "(5, 5)", DUSK_DT_F8);
    draw(NULL, dusk_array_add(x, dusk_array_transpose(x, NULL)), "transpose.svg", NULL);

    dusk_array *big = dusk_ones(ctx, DUSK_SHAPE(1000, 10000), "(500, 500)", DUSK_DT_F8);
    dusk_array *r = dusk_array_sub(big, dusk_array_mean(big, DUSK_AXIS(0), false));
    draw(NULL, r, "r.svg", NULL);
    o = (dusk_viz_options)DUSK_VIZ_OPTIONS_INIT;
    o.view = DUSK_VIZ_LAYERS;
    draw(NULL, r, "r-layers.svg", &o);

    /* Past 1,000 tasks the layer view is drawn, with a note on stderr. */
    dusk_array *huge = dusk_ones(ctx, DUSK_SHAPE(2000, 2000), "(10, 10)", DUSK_DT_F8);
    draw(NULL, dusk_array_sum(huge, DUSK_AXIS(0), false), "big.svg", NULL);

    dusk_array_ctx_free(ctx);
    return 0;
}
