/*
** bench/viz.c — how long visualize() takes, small graphs to a million tasks
**
**   viz.render.N        (x + x.T).sum(axis=0), x = ones((10N, 10N),
**                       chunks=(10, 10)), N = 10, 20, 40: 440, 1,760 and
**                       6,960 tasks, rendered to SVG in memory with the task
**                       view forced and the layout AUTO chooses (dot for
**                       440 tasks, 880 nodes; dusk's layered layout past
**                       DUSK_VIZ_DOT_MAX nodes). Target: 6,960 tasks in
**                       1 s or less (Dask's visualize: 4 s at 1,760 tasks,
**                       117 s at 6,960).
**   viz.render.40.dot   the same 6,960 tasks laid out by dot (with its
**                       fast settings), as before the layered layout: the
**                       figure to compare with, in the same run.
**   viz.render.40.gv    the same 6,960 tasks, layered, their SVG drawn by
**                       Graphviz's renderer ("svg:graphviz": the cgraph
**                       graph, neato -n2, gvRender) where viz.render.40 has
**                       dusk write it (viz/svg.c): the two, side by side.
**   viz.render.100k     the same expression at N = 152: 100,320 tasks
**                       (200,640 nodes, 300,960 edges, 189 MB of SVG), the
**                       layered layout, SVG written by dusk. Target: 10 s
**                       or less. viz.render.100k.gv, Graphviz drawing it
**                       (half a minute), with DUSK_BENCH_VIZ_GV=1 set.
**   viz.layout.20       the same 1,760-task picture as numbers
**                       (dusk_viz_layout_array: the scene and Graphviz's
**                       layout, no rendering), for the live viewer.
**   viz.layers.1m       the layer view, to SVG, of a plain graph of
**                       1,000,000 keys ('x-<i>' values, 'inc-<i>' and
**                       'add-<i>' tasks), validation included. Target: < 1 s.
**   viz.layers.array.1m the layer view of an array expression of a million
**                       tasks (no task graph is built for it).
**
** Each figure is the best of a few runs; the whole call is timed (building
** the array's graph, the scene, Graphviz's layout and rendering); the
** renders also give the process's CPU time, best of the same runs. Checks
** (task counts, SVG sizes) make a broken build fail instead of printing a
** fast figure.
*/
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dusk.h>
#include <dusk/array.h>
#include <dusk/viz.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The process's CPU time: on a machine shared with other builds the wall
 * time of one thread says more about the others than about dusk. */
static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void fail(const char *what, const dusk_error *err)
{
    fprintf(stderr, "bench/viz: %s: %s\n", what, err ? err->msg : "");
    exit(1);
}

/* The SVG format renders use: "svg" (dusk writes a layered picture's SVG
 * itself) or "svg:graphviz" (Graphviz's renderer draws it). */
static const char *svg_format = "svg";

/* Renders a with o to SVG in memory; returns seconds (and the CPU's in
 * *cpu, when not NULL), checks the output. */
static double time_array(dusk_array *a, const dusk_viz_options *o, size_t min_bytes,
                         double *cpu)
{
    char *buf = NULL;
    size_t len = 0;
    dusk_error err = DUSK_ERROR_INIT;
    double t0 = now_s(), c0 = cpu_s();
    if (dusk_visualize_array_mem(a, svg_format, o, &buf, &len, &err) != 0)
        fail("visualize", &err);
    double t = now_s() - t0;
    if (cpu)
        *cpu = cpu_s() - c0;
    if (len < min_bytes || strncmp(buf, "<?xml", 5) != 0)
        fail("the SVG is too small", NULL);
    dusk_free(buf);
    return t;
}

/* Lays a out with o; returns seconds, checks the node count. */
static double time_layout(dusk_array *a, const dusk_viz_options *o, size_t min_nodes)
{
    dusk_viz_layout *l = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    double t0 = now_s();
    if (dusk_viz_layout_array(a, o, &l, &err) != 0)
        fail("layout", &err);
    double t = now_s() - t0;
    size_t nn, ne;
    dusk_viz_layout_nodes(l, &nn);
    dusk_viz_layout_edges(l, &ne);
    if (nn < min_nodes || ne < min_nodes)
        fail("the layout has too few nodes or edges", NULL);
    dusk_viz_layout_free(l);
    return t;
}

static void render_n(int n, int runs, int64_t want_tasks, int layout,
                     dusk_viz_layout_mode mode, const char *name)
{
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_array *x = dusk_ones(ctx, DUSK_SHAPE(10 * n, 10 * n), "(10, 10)", DUSK_DT_F8);
    dusk_array *y = dusk_array_sum(dusk_array_add(x, dusk_array_transpose(x, NULL)),
                                   DUSK_AXIS(0), false);
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_array_status(y, &err))
        fail("building the array", &err);
    int64_t ntasks = dusk_array_ntasks(y);
    if (ntasks != want_tasks) {
        fprintf(stderr, "bench/viz: N=%d: %lld tasks, expected %lld\n", n, (long long)ntasks,
                (long long)want_tasks);
        exit(1);
    }
    dusk_viz_options o = DUSK_VIZ_OPTIONS_INIT;
    o.view = DUSK_VIZ_TASKS;
    o.layout = mode;
    double best = 1e30, best_cpu = 1e30;
    for (int r = 0; r < runs; r++) {
        double cpu, t = time_array(y, &o, (size_t)ntasks * 200, &cpu);
        if (t < best)
            best = t;
        if (cpu < best_cpu)
            best_cpu = cpu;
    }
    printf("%s: %.0f ms (%lld tasks; CPU %.0f ms)\n", name, best * 1e3, (long long)ntasks,
           best_cpu * 1e3);
    fflush(stdout);
    if (layout) {
        best = 1e30;
        for (int r = 0; r < runs; r++) {
            double t = time_layout(y, &o, 2 * (size_t)ntasks);
            if (t < best)
                best = t;
        }
        printf("viz.layout.%d: %.0f ms (%lld tasks)\n", n, best * 1e3, (long long)ntasks);
        fflush(stdout);
    }
    dusk_array_ctx_free(ctx);
}

/* 400,000 'x-<i>' values, 400,000 'inc-<i>' tasks, 200,000 'add-<i>'. */
static dusk_graph *million(void)
{
    dusk_graph *g = dusk_graph_new();
    char k[32], a[32], b[32];
    for (int i = 0; i < 400000; i++) {
        snprintf(k, sizeof k, "x-%d", i);
        dusk_graph_value(g, k, dusk_int(i));
        snprintf(a, sizeof a, "inc-%d", i);
        dusk_task(g, a, &dusk_inc, dusk_ref(k));
    }
    for (int i = 0; i < 200000; i++) {
        snprintf(k, sizeof k, "add-%d", i);
        snprintf(a, sizeof a, "inc-%d", 2 * i);
        snprintf(b, sizeof b, "inc-%d", 2 * i + 1);
        dusk_task(g, k, &dusk_add, dusk_ref(a), dusk_ref(b));
    }
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_graph_status(g, &err) || dusk_graph_size(g) != 1000000)
        fail("building the million-key graph", &err);
    return g;
}

static void layers_1m(void)
{
    dusk_viz_options o = DUSK_VIZ_OPTIONS_INIT;
    o.view = DUSK_VIZ_LAYERS;
    double best = 1e30;
    for (int r = 0; r < 3; r++) {
        dusk_graph *g = million();     /* fresh: validation is timed too */
        char *buf = NULL;
        size_t len = 0;
        dusk_error err = DUSK_ERROR_INIT;
        double t0 = now_s();
        if (dusk_visualize_mem(g, "svg", &o, &buf, &len, &err) != 0)
            fail("visualize", &err);
        double t = now_s() - t0;
        if (!strstr(buf, "inc&#10;400000 tasks") && !strstr(buf, ">400000 tasks<"))
            fail("the layer view lacks the inc layer", NULL);
        dusk_free(buf);
        dusk_graph_free(g);
        if (t < best)
            best = t;
    }
    printf("viz.layers.1m: %.0f ms (1000000 tasks, 3 layers)\n", best * 1e3);
    fflush(stdout);
}

static void layers_array_1m(void)
{
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_array *x = dusk_ones(ctx, DUSK_SHAPE(5000, 5000), "(10, 10)", DUSK_DT_F8);
    dusk_array *y = dusk_array_sum(dusk_array_add(x, dusk_array_transpose(x, NULL)),
                                   DUSK_AXIS(0), false);
    dusk_viz_options o = DUSK_VIZ_OPTIONS_INIT;
    o.quiet = true;                    /* AUTO: the layer view */
    double best = 1e30;
    for (int r = 0; r < 3; r++) {
        double t = time_array(y, &o, 1000, NULL);
        if (t < best)
            best = t;
    }
    printf("viz.layers.array.1m: %.0f ms (%lld tasks)\n", best * 1e3,
           (long long)dusk_array_ntasks(y));
    dusk_array_ctx_free(ctx);
}

int main(void)
{
    render_n(10, 3, 440, 0, DUSK_VIZ_LAYOUT_AUTO, "viz.render.10");
    render_n(20, 3, 1760, 1, DUSK_VIZ_LAYOUT_AUTO, "viz.render.20");
    render_n(40, 3, 6960, 0, DUSK_VIZ_LAYOUT_AUTO, "viz.render.40");
    render_n(40, 1, 6960, 0, DUSK_VIZ_LAYOUT_DOT, "viz.render.40.dot");
    svg_format = "svg:graphviz";
    render_n(40, 3, 6960, 0, DUSK_VIZ_LAYOUT_AUTO, "viz.render.40.gv");
    svg_format = "svg";
    render_n(152, 2, 100320, 0, DUSK_VIZ_LAYOUT_AUTO, "viz.render.100k");
    /* Graphviz drawing the 100k picture takes half a minute: on request */
    if (getenv("DUSK_BENCH_VIZ_GV")) {
        svg_format = "svg:graphviz";
        render_n(152, 1, 100320, 0, DUSK_VIZ_LAYOUT_AUTO, "viz.render.100k.gv");
        svg_format = "svg";
    }
    layers_1m();
    layers_array_1m();
    return 0;
}
