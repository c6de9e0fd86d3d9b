/*
** bench/gui.c — the live viewer's costs (`make bench`)
**
** On the graph of bench/overhead.c (overhead_graph.h) at 5,000 and 50,000
** leaves (10,005 and 100,006 tasks):
**   gui.layout.10k, gui.layout.100k   ms from a plan to the first frame's
**       layout: dusk_viewer_set_plan and a RUN_BEGIN fed (the layered
**       layout and the per-task state), best of 5 (targets 300 ms, 2 s)
**   gui.drain   events per second dusk_viewer_pump moves from the stream
**       into the viewer's state: a run of 100,006 tasks on the sync
**       scheduler fills the viewer's stream, then one pump (its RUN_BEGIN
**       lays the plan out, included) takes all 400,025 events; best of 5
**       (target 5 million/s); fails unless every event is applied
*/
#include <inttypes.h>
#include <stdio.h>

#include <dusk.h>
#include <dusk/gui.h>

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
        uint64_t t0 = now_ns();
        dusk_viewer_set_plan(v, p, &err);
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
    printf("gui.drain: %.1f million events/s (%" PRIu64 " events, layout included)\n", best / 1e6,
           nev);
    dusk_graph_free(g);
    return failures ? 1 : 0;
}
