/*
** bench/gui.c — the live viewer's costs (`make bench`)
**
** On the graph of bench/overhead.c (overhead_graph.h) at 5,000 and 50,000
** leaves (10,005 and 100,006 tasks):
**   gui.layout.10k, gui.layout.100k   ms from a plan to the first frame's
**       layout, as a live run makes it: the viewer's start callback (the
**       layered layout and every task WAITING, before the run's first
**       task) and its RUN_BEGIN fed, best of 5 (targets 300 ms, 2 s)
**   gui.drain   events per second dusk_viewer_pump moves from the stream
**       into the viewer's state: a run of 100,006 tasks on the sync
**       scheduler fills the viewer's stream, then one pump (its RUN_BEGIN
**       adopts the layout the start callback made before the run's first
**       task) takes all 400,025 events; best of 5
**       (target 5 million/s); fails unless every event is applied
**   gui.frame.10k, gui.frame.100k   ms to draw one frame of the window,
**       every panel on (graph, chunk map, progress, task stream, memory,
**       status strip: dusk_viewer_render), at 1280x800 with SDL's software
**       renderer (into a surface: no display needed), half-way through a
**       recorded run (every state present), a node per task (the
**       layer-view threshold raised past the run), the first frame (which
**       lays out the panels' per-plan caches) left out; median of 21
**       frames (targets 8 ms and 16 ms)
**   gui.frame.graph.100k   the graph panel alone in the same frame
**   gui.frame.layers.200k   the same whole frame for the 200,006-task graph
**       of gui.overhead, in the layer view the window shows it in (one
**       node per layer: past DUSK_VIEWER_OPTIONS_INIT's threshold)
**   gui.overhead   what a live viewer costs a run, in %: the 200,006-task
**       graph (100,000 leaves) on the threads scheduler with 2 workers,
**       with a viewer attached (its callbacks, classroom mode's gate and
**       pretask included, at full speed and never paused; its stream; a UI
**       thread pumping it every 16 ms as a window at 60 frames a second,
**       within the window's DUSK_VIEWER_PUMP_NS a frame; the rest after
**       the run, untimed)
**       against no listener. Only dusk_get is timed. Runs come in pairs,
**       one of each in alternating order, as profile.overhead's; the
**       median over the pairs of (on - off) / off (target: under 10 %);
**       fails unless every event reaches the viewer
**   gui.overhead.layout_ms   the part of it the run waits for its layout:
**       the viewer's start callback laying the 200,006 tasks out before the
**       run's first task (dusk_viewer_layout_ns, inside those very runs),
**       median
**   gui.overhead.run   gui.overhead with that layout's time taken out of
**       each run with a viewer, the median of (on - layout - off) / off:
**       what following the run costs, apart from laying it out
**   gui.overhead.stream   the workers' share of it: the same runs with the
**       viewer's stream alone (no callbacks, no UI thread; drained after
**       the run, untimed), a third run in each round (the three in turn
**       first), the median of (stream - off) / off
**   gui.overhead.ui_cpu   the UI thread's CPU time in gui.overhead's runs
**       with a viewer (CLOCK_THREAD_CPUTIME_ID from its start, just before
**       dusk_get, to the run's end), median: what it takes from the cores
**       the 2 workers fill (where gui.overhead minus gui.overhead.stream
**       is this and the callbacks' cost on the workers)
**   gui.overhead.1us   gui.overhead on the graph's shape with 50,000
**       leaves whose every task first spins for 1 us (100,006 tasks, some
**       50 ms a run): the viewer against tasks that do some work
*/
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#include <dusk.h>
#include <dusk/gui.h>

#include <SDL.h>

#include "gui/draw.h"
#include "overhead_graph.h"

static double layout_ms(dusk_graph *g, const char *root, size_t *ntasks)
{
    dusk_plan *p = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_plan_new(g, &root, 1, &p, &err) != 0) {
        fail("plan: %s", err.msg);
        return 0;
    }
    *ntasks = dusk_plan_ntasks(p);
    dusk_event begin = {.kind = DUSK_EV_RUN_BEGIN, .task = -1, .worker = -1, .status = 2};
    double best = 1e30;
    for (int rep = 0; rep < 5; rep++) {
        dusk_viewer *v = dusk_viewer_new(NULL);
        dusk_callbacks cb = dusk_viewer_callbacks(v);
        uint64_t t0 = now_ns();
        cb.start(cb.ud, p, *ntasks);
        dusk_viewer_feed(v, &begin, 1);
        double ms = (double)(now_ns() - t0) / 1e6;
        if (dusk_viewer_count(v, DUSK_TASK_WAITING) != *ntasks)
            fail("layout: %zu tasks waiting, want %zu", dusk_viewer_count(v, DUSK_TASK_WAITING),
                 *ntasks);
        if (ms < best)
            best = ms;
        dusk_viewer_free(v);
    }
    dusk_plan_unref(p);
    return best;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The graph panel alone over the whole w x h. */
static int draw_graph(dusk_viewer *v, SDL_Renderer *r, int w, int h, dusk_error *err)
{
    dusk__frame f;
    int rc = dusk__frame_begin(v, r, &f, "bench", err);
    if (rc != 0)
        return rc;
    dusk__panel_graph(v, &f, (SDL_Rect){0, 0, w, h});
    dusk__frame_end(&f);
    return 0;
}

/* A run of g recorded from a stream, its plan, then the viewer fed up to
 * half of its events and drawn 21 times (the window, or the graph alone). */
static double frame_ms(dusk_graph *g, const char *root, size_t *ntasks, int graph_only,
                       int layer_view)
{
    enum { FW = 1280, FH = 800, REPS = 21 };
    dusk_stream *s = dusk_stream_new();
    dusk_options o = DUSK_OPTIONS_INIT;
    o.scheduler = DUSK_SCHED_SYNC;
    o.stream = s;
    dusk_value *out = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    dusk_plan *p = NULL;
    if (dusk_get(g, root, &o, &out, &err) != 0 || dusk_plan_new(g, &root, 1, &p, &err) != 0) {
        fail("frame: %s", err.msg);
        dusk_stream_free(s);
        return 0;
    }
    dusk_value_unref(out);
    size_t n = (size_t)dusk_stream_appended(s);
    dusk_event *ev = malloc(n * sizeof *ev);
    n = dusk_stream_drain(s, ev, n);
    dusk_stream_free(s);
    *ntasks = dusk_plan_ntasks(p);

    dusk_viewer_options vo = {.layer_view_threshold = layer_view ? 0 : 10 * *ntasks};
    dusk_viewer *v = dusk_viewer_new(&vo);
    dusk_viewer_set_plan(v, p, &err);
    dusk_plan_unref(p);
    dusk_viewer_feed(v, ev, n / 2);
    free(ev);
    SDL_Surface *surf = SDL_CreateRGBSurfaceWithFormat(0, FW, FH, 32, SDL_PIXELFORMAT_ARGB8888);
    SDL_Renderer *r = surf ? SDL_CreateSoftwareRenderer(surf) : NULL;
    double t[REPS], med = 0;
    if (!r) {
        fail("frame: SDL software renderer: %s", SDL_GetError());
    } else if ((graph_only ? draw_graph(v, r, FW, FH, &err)
                           : dusk_viewer_render(v, r, FW, FH, &err)) != 0) {   /* opens the font */
        fail("frame: %s", err.msg);
    } else {
        for (int k = 0; k < REPS; k++) {
            uint64_t t0 = now_ns();
            if (graph_only)
                draw_graph(v, r, FW, FH, &err);
            else
                dusk_viewer_render(v, r, FW, FH, &err);
            t[k] = (double)(now_ns() - t0) / 1e6;
        }
        qsort(t, REPS, sizeof t[0], cmp_double);
        med = t[REPS / 2];
    }
    if (r)
        SDL_DestroyRenderer(r);
    SDL_FreeSurface(surf);
    dusk_viewer_free(v);
    return med;
}

/* --- gui.overhead --------------------------------------------------------------- */

enum { OVH_PAIRS = 21, OVH_WORKERS = 2, SPIN_LEAVES = 50000 };

/* The graph overhead_run checks a run against: the overhead graph's
 * tasks and sum, or the 1 us graph's for gui.overhead.1us. */
static size_t want_tasks = NTASKS;
static int64_t want_sum = SUM;

typedef struct ui {
    dusk_viewer *v;
    atomic_int stop;
    uint64_t cpu_ns;   /* the thread's CPU time, start to stop */
} ui;

static uint64_t thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A window's loop without the drawing: a pump a frame. */
static void *ui_main(void *arg)
{
    ui *u = arg;
    uint64_t c0 = thread_cpu_ns();
    while (!atomic_load(&u->stop)) {
        dusk_viewer_pump_for(u->v, DUSK_VIEWER_PUMP_NS);   /* as the window does */
        nanosleep(&(struct timespec){0, 16000000}, NULL);
    }
    u->cpu_ns = thread_cpu_ns() - c0;
    return NULL;
}

enum { OVH_OFF, OVH_VIEWER, OVH_STREAM, OVH_KINDS };

/* One timed dusk_get of the overhead graph, with no listener, a live
 * viewer, or its stream alone; ns, or 0 on failure. */
static uint64_t overhead_run(dusk_graph *g, const char *root, int kind, uint64_t *ui_cpu,
                             uint64_t *layout_ns)
{
    int viewer = kind == OVH_VIEWER;
    dusk_options o = DUSK_OPTIONS_INIT;
    o.scheduler = DUSK_SCHED_THREADS;
    o.workers = OVH_WORKERS;
    dusk_callbacks cb;
    ui u = {0};
    pthread_t th;
    atomic_init(&u.stop, 0);
    if (viewer) {
        if (!(u.v = dusk_viewer_new(NULL))) {
            fail("overhead: out of memory");
            return 0;
        }
        cb = dusk_viewer_callbacks(u.v);
        o.callbacks = &cb;
        o.ncallbacks = 1;
        o.stream = dusk_viewer_stream(u.v);
        if (pthread_create(&th, NULL, ui_main, &u) != 0) {
            fail("overhead: cannot start the UI thread");
            dusk_viewer_free(u.v);
            return 0;
        }
    }
    dusk_stream *alone = NULL;
    if (kind == OVH_STREAM && !(o.stream = alone = dusk_stream_new())) {
        fail("overhead: out of memory");
        return 0;
    }
    dusk_value *out = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    uint64_t t0 = now_ns();
    int rc = dusk_get(g, root, &o, &out, &err);
    uint64_t t1 = now_ns();
    if (alone) {
        dusk_event ev[4096];
        uint64_t got = 0;
        for (size_t n; (n = dusk_stream_drain(alone, ev, 4096)) > 0;)
            got += n;
        if (got != dusk_stream_appended(alone) || dusk_stream_lost(alone) != 0)
            fail("overhead: the stream gave %" PRIu64 " of %" PRIu64 " events", got,
                 dusk_stream_appended(alone));
        dusk_stream_free(alone);
    }
    if (viewer) {
        atomic_store(&u.stop, 1);
        pthread_join(th, NULL);
        *ui_cpu = u.cpu_ns;
        dusk_viewer_pump(u.v);
        *layout_ns = dusk_viewer_layout_ns(u.v);   /* its start callback's, in this run */
        if (dusk_viewer_events(u.v) != dusk_stream_appended(o.stream) ||
            dusk_viewer_unplaced(u.v) != 0 || dusk_stream_lost(o.stream) != 0 ||
            dusk_viewer_count(u.v, DUSK_TASK_RELEASED) + 1 != want_tasks)
            fail("overhead: the viewer took %" PRIu64 " of %" PRIu64 " events", dusk_viewer_events(u.v),
                 dusk_stream_appended(o.stream));
        dusk_viewer_free(u.v);
    }
    if (rc != 0 || dusk_value_int(out) != want_sum) {
        fail("overhead: %s", rc ? err.msg : "wrong sum");
        t1 = t0;
    }
    dusk_value_unref(out);
    return t1 - t0;
}

static double median_pct(double *ratio, size_t n)
{
    qsort(ratio, n, sizeof *ratio, cmp_double);
    return 100.0 * ((n % 2 ? ratio[n / 2] : (ratio[n / 2 - 1] + ratio[n / 2]) / 2) - 1);
}

/* The median over OVH_PAIRS rounds of (with a viewer - without) / without,
 * in %, in *run_pct that of (with a viewer - its layout - without) /
 * without, in *layout_ms the layout's median, and in *stream_pct that of
 * the stream alone; *off and *on get the best runs' ns a task. A round is a pair, without first in even rounds
 * and the viewer first in odd ones, with the stream alone put first,
 * second and last in turn. */
static double overhead_pct(dusk_graph *g, const char *root, double *off, double *on,
                           double *stream_pct, double *ui_ms, double *run_pct,
                           double *layout_ms)
{
    size_t ntasks = dusk_graph_size(g);
    double ratio[OVH_PAIRS], sratio[OVH_PAIRS], ucpu[OVH_PAIRS], rratio[OVH_PAIRS],
        lms[OVH_PAIRS];
    uint64_t best[OVH_KINDS] = {UINT64_MAX, UINT64_MAX, UINT64_MAX};
    size_t n = 0;
    for (int r = 0; r < OVH_PAIRS + 1 && !failures; r++) {
        uint64_t ns[OVH_KINDS] = {0, 0, 0}, uc = 0, lay = 0;
        int order[OVH_KINDS] = {r % 2 ? OVH_VIEWER : OVH_OFF, r % 2 ? OVH_OFF : OVH_VIEWER};
        int at = r % 3;   /* where the stream alone goes */
        for (int k = OVH_KINDS - 1; k > at; k--)
            order[k] = order[k - 1];
        order[at] = OVH_STREAM;
        for (int k = 0; k < OVH_KINDS; k++) {
            int kind = order[k];
            ns[kind] = overhead_run(g, root, kind, &uc, &lay);
            if (r > 0 && ns[kind] && ns[kind] < best[kind])
                best[kind] = ns[kind];
        }
        if (r > 0 && ns[OVH_OFF] && ns[OVH_VIEWER] && ns[OVH_STREAM]) {   /* round 0 warms up */
            ratio[n] = (double)ns[OVH_VIEWER] / (double)ns[OVH_OFF];
            ucpu[n] = (double)uc / 1e6;
            lms[n] = (double)lay / 1e6;
            if (!lay || lay >= ns[OVH_VIEWER])
                fail("overhead: a layout of %" PRIu64 " ns in a run of %" PRIu64, lay,
                     ns[OVH_VIEWER]);
            rratio[n] = (double)(ns[OVH_VIEWER] - lay) / (double)ns[OVH_OFF];
            sratio[n++] = (double)ns[OVH_STREAM] / (double)ns[OVH_OFF];
        }
    }
    if (!n)
        return 0;
    *off = (double)best[OVH_OFF] / (double)ntasks;
    *on = (double)best[OVH_VIEWER] / (double)ntasks;
    *stream_pct = median_pct(sratio, n);
    qsort(ucpu, n, sizeof *ucpu, cmp_double);
    *ui_ms = ucpu[n / 2];
    qsort(lms, n, sizeof *lms, cmp_double);
    *layout_ms = n % 2 ? lms[n / 2] : (lms[n / 2 - 1] + lms[n / 2]) / 2;
    *run_pct = median_pct(rratio, n);
    return median_pct(ratio, n);
}

int main(void)
{
    size_t ninc, nadd, nid, ntasks = 0;
    const char *root;
    static const size_t leaves[] = {5000, 50000};
    static const char *const names[] = {"10k", "100k"};
    for (int k = 0; k < 2; k++) {
        dusk_graph *g = build_n(leaves[k], &root, &ninc, &nadd, &nid);
        double ms = layout_ms(g, root, &ntasks);
        printf("gui.layout.%s: %.1f ms (%zu tasks)\n", names[k], ms, ntasks);
        dusk_graph_free(g);
    }

    dusk_graph *g = build_n(50000, &root, &ninc, &nadd, &nid);
    double best = 0;
    uint64_t nev = 0;
    for (int rep = 0; rep < 5; rep++) {
        dusk_viewer *v = dusk_viewer_new(NULL);
        dusk_callbacks cb = dusk_viewer_callbacks(v);
        dusk_options o = DUSK_OPTIONS_INIT;
        o.scheduler = DUSK_SCHED_SYNC;
        o.callbacks = &cb;
        o.ncallbacks = 1;
        o.stream = dusk_viewer_stream(v);
        dusk_value *out = NULL;
        dusk_error err = DUSK_ERROR_INIT;
        if (dusk_get(g, root, &o, &out, &err) != 0)
            fail("run: %s", err.msg);
        dusk_value_unref(out);
        uint64_t t0 = now_ns();
        size_t n = dusk_viewer_pump(v);
        uint64_t dt = now_ns() - t0;
        if (n != dusk_stream_appended(o.stream) || dusk_viewer_unplaced(v) != 0 ||
            dusk_viewer_count(v, DUSK_TASK_RELEASED) + 1 != overhead_ntasks(50000))
            fail("drain: %zu of %" PRIu64 " events, %" PRIu64 " unplaced", n,
                 dusk_stream_appended(o.stream), dusk_viewer_unplaced(v));
        double rate = (double)n / ((double)dt / 1e9);
        if (rate > best)
            best = rate;
        nev = n;
        dusk_viewer_free(v);
    }
    printf("gui.drain: %.1f million events/s (%" PRIu64 " events, laid out before the run)\n", best / 1e6,
           nev);
    dusk_graph_free(g);

    for (int k = 0; k < 2; k++) {
        g = build_n(leaves[k], &root, &ninc, &nadd, &nid);
        double ms = frame_ms(g, root, &ntasks, 0, 0);
        printf("gui.frame.%s: %.1f ms (%zu tasks, 1280x800, every panel, software "
               "renderer)\n", names[k], ms, ntasks);
        if (k == 1) {
            ms = frame_ms(g, root, &ntasks, 1, 0);
            printf("gui.frame.graph.100k: %.1f ms (%zu tasks, 1280x800, the graph panel "
                   "alone)\n", ms, ntasks);
        }
        dusk_graph_free(g);
    }
    g = build_n(NLEAVES, &root, &ninc, &nadd, &nid);
    double ms = frame_ms(g, root, &ntasks, 0, 1);
    printf("gui.frame.layers.200k: %.1f ms (%zu tasks in the layer view, as the window shows "
           "them, 1280x800, every panel)\n", ms, ntasks);
    dusk_graph_free(g);
    g = build(&root, &ninc, &nadd, &nid);
    double off = 0, on = 0, spct = 0, ui_ms = 0, rpct = 0, lay_ms = 0,
           pct = g ? overhead_pct(g, root, &off, &on, &spct, &ui_ms, &rpct, &lay_ms) : 0;
    dusk_graph_free(g);
    if (!failures) {
        printf("gui.overhead: %.1f %% (median of %d pairs; best %.0f ns/task without, %.0f "
               "with a live viewer)\n", pct, OVH_PAIRS, off, on);
        printf("gui.overhead.layout_ms: %.2f ms (the viewer's start callback laying the run "
               "out before its first task, in those runs; median)\n", lay_ms);
        printf("gui.overhead.run: %.1f %% (gui.overhead without the layout's time: "
               "(with - layout - without) / without, median of %d pairs)\n", rpct, OVH_PAIRS);
        printf("gui.overhead.stream: %.1f %% (the viewer's stream alone, no callbacks, no UI "
               "thread; median of %d rounds)\n", spct, OVH_PAIRS);
        printf("gui.overhead.ui_cpu: %.2f ms (the UI thread's CPU time in a run with a live "
               "viewer, from before dusk_get to its end; median of %d)\n", ui_ms, OVH_PAIRS);
    }
    /* The same on tasks of about 1 us: the viewer against tasks that do
     * some work */
    if (!failures && (g = build_spin(SPIN_LEAVES, 1000, &root)) != NULL) {
        want_tasks = dusk_graph_size(g);
        want_sum = (int64_t)SPIN_LEAVES * (SPIN_LEAVES + 1) / 2;
        pct = overhead_pct(g, root, &off, &on, &spct, &ui_ms, &rpct, &lay_ms);
        if (!failures)
            printf("gui.overhead.1us: %.1f %% (as gui.overhead, on %zu tasks of 1 us; median "
                   "of %d pairs; the stream alone %.1f %%, the layout %.2f ms)\n",
                   pct, want_tasks, OVH_PAIRS, spct, lay_ms);
        dusk_graph_free(g);
    } else if (!failures) {
        fail("building the 1 us graph failed");
    }
    return failures ? 1 : 0;
}
