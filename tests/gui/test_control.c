/*
** dusk tests — classroom mode (gui/control.c): the viewer holds the real run
**
** Runs on a thread of their own (threads scheduler, 2 workers; close also
** on sync) go through a viewer's callbacks and stream, no window: this
** thread drains the stream as a window would and feeds the viewer. Paused
** before the run, no START comes for 200 ms; each step lets exactly one
** more task start; resuming completes the run. In slow motion each
** worker's consecutive STARTs (their events' t_ns) are at least the delay
** apart, while the two workers' tasks run side by side (a START on one
** within the delay of a START on the other: parallelism a class can see),
** and a shorter delay set while workers wait for a long one takes effect
** at once.
** Closing the viewer (paused, or mid-run) ends the run with DUSK_ECANCELED
** and "the viewer was closed", leaking nothing (the allocation counter),
** and the viewer can be freed after.
*/
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dusk/gui.h"
#include "helpers.h"

/* --- a run on its own thread ------------------------------------------------------ */

typedef struct bg {
    dusk_graph *g;
    const char *key;
    dusk_options o;
    dusk_callbacks cb;
    int rc;
    dusk_error err;
    int64_t value;
    atomic_int done;
    pthread_t th;
} bg;

static void *bg_main(void *arg)
{
    bg *b = arg;
    dusk_value *out = NULL;
    b->rc = dusk_get(b->g, b->key, &b->o, &out, &b->err);
    b->value = out ? dusk_value_int(out) : -1;
    dusk_value_unref(out);
    atomic_store(&b->done, 1);
    return NULL;
}

/* Starts key of g through viewer v on scheduler k. */
static void bg_start(bg *b, dusk_viewer *v, dusk_graph *g, const char *key, dusk_sched_kind k,
                     int workers)
{
    memset(b, 0, sizeof *b);
    b->g = g;
    b->key = key;
    b->cb = dusk_viewer_callbacks(v);
    b->o = opts_of(k, workers);
    b->o.callbacks = &b->cb;
    b->o.ncallbacks = 1;
    b->o.stream = dusk_viewer_stream(v);
    atomic_init(&b->done, 0);
    assert_int_equal(pthread_create(&b->th, NULL, bg_main, b), 0);
}

/* --- the stream, as a window drains it ---------------------------------------------- */

typedef struct seen {
    dusk_event *ev;
    size_t n, cap;
    size_t starts, ends;
} seen;

/* Takes what the viewer's stream holds into s and into the viewer. */
static void collect(dusk_viewer *v, seen *s)
{
    dusk_event buf[256];
    size_t got;
    while ((got = dusk_stream_drain(dusk_viewer_stream(v), buf, 256)) > 0) {
        assert_int_equal(dusk_viewer_feed(v, buf, got), 0);
        if (s->n + got > s->cap) {
            s->cap = 2 * (s->n + got);
            s->ev = realloc(s->ev, s->cap * sizeof *s->ev);
        }
        for (size_t i = 0; i < got; i++) {
            s->ev[s->n++] = buf[i];
            s->starts += buf[i].kind == DUSK_EV_START;
            s->ends += buf[i].kind == DUSK_EV_END;
        }
    }
}

/* Collects for ms milliseconds, or until `starts` STARTs have come (when
 * starts > 0); returns how many have. */
static size_t collect_for(dusk_viewer *v, seen *s, int ms, size_t starts)
{
    uint64_t until = now_ns() + (uint64_t)ms * 1000000u;
    do {
        collect(v, s);
        if (starts && s->starts >= starts)
            break;
        sleep_ms(2);
    } while (now_ns() < until);
    collect(v, s);
    return s->starts;
}

/* Collects until the run has begun (its RUN_BEGIN has come), 20 s at
 * most: the run's first task waits for the viewer to lay the run out, by
 * Graphviz for these small graphs, which the sanitizers make slow. */
static void wait_begun(dusk_viewer *v, seen *s)
{
    for (int i = 0; i < 10000 && s->n == 0; i++)
        collect_for(v, s, 2, 0);
    assert_true(s->n > 0);
}

/* Joins the run, collecting what is left. A run still going after 20 s
 * is let go (resumed at full speed) and fails the test, rather than
 * hanging it. */
static void finish(bg *b, dusk_viewer *v, seen *s)
{
    uint64_t until = now_ns() + 20000000000u;
    while (!atomic_load(&b->done) && now_ns() < until) {
        collect(v, s);
        sleep_ms(2);
    }
    int late = !atomic_load(&b->done);
    if (late) {
        dusk_viewer_set_delay(v, 0);
        dusk_viewer_pause(v, 0);
    }
    pthread_join(b->th, NULL);
    collect(v, s);
    if (late)
        fail_msg("the run was still going 20 s on");
}

/* --- pause, step, resume ------------------------------------------------------------- */

static void test_pause_step_resume(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    const char *root;
    dusk_graph *g = tree_graph(32, &root);   /* 63 tasks */
    size_t ntasks = dusk_graph_size(g);
    dusk_viewer *v = dusk_viewer_new(NULL);
    assert_non_null(v);
    assert_int_equal(dusk_viewer_paused(v), 0);
    dusk_viewer_step(v);   /* not paused: nothing to step */
    dusk_viewer_pause(v, 1);
    assert_int_equal(dusk_viewer_paused(v), 1);
    bg b;
    seen s = {0};
    bg_start(&b, v, g, root, DUSK_SCHED_THREADS, 2);

    /* paused before the run: no task starts */
    wait_begun(v, &s);
    assert_int_equal(collect_for(v, &s, 200, 0), 0);
    assert_true(s.n > 0);   /* the run began: RUN_BEGIN and the leaves' READY came */
    assert_int_equal(dusk_viewer_count(v, DUSK_TASK_READY), 32);

    /* each step: exactly one more */
    for (size_t k = 1; k <= 3; k++) {
        dusk_viewer_step(v);
        assert_int_equal(collect_for(v, &s, 2000, k), k);
        assert_int_equal(collect_for(v, &s, 60, 0), k);
        /* the stepped task finished and shows in memory */
        for (int i = 0; i < 200 && s.ends < k; i++)
            collect_for(v, &s, 5, 0);
        assert_int_equal(s.ends, k);
        assert_int_equal(dusk_viewer_count(v, DUSK_TASK_RUNNING), 0);
        assert_int_equal(dusk_viewer_count(v, DUSK_TASK_MEMORY) +
                             dusk_viewer_count(v, DUSK_TASK_RELEASED), k);
    }
    /* two steps at once: two more */
    dusk_viewer_step(v);
    dusk_viewer_step(v);
    assert_int_equal(collect_for(v, &s, 2000, 5), 5);
    assert_int_equal(collect_for(v, &s, 60, 0), 5);
    assert_int_equal(atomic_load(&b.done), 0);

    /* resume: the run completes */
    dusk_viewer_pause(v, 0);
    assert_int_equal(dusk_viewer_paused(v), 0);
    finish(&b, v, &s);
    assert_int_equal(b.rc, 0);
    assert_int_equal(b.value, 32 * 33 / 2);
    assert_int_equal(s.starts, ntasks);
    assert_int_equal(dusk_viewer_count(v, DUSK_TASK_MEMORY), 1);
    assert_int_equal(dusk_viewer_count(v, DUSK_TASK_RELEASED), ntasks - 1);
    assert_int_equal(dusk_viewer_unplaced(v), 0);
    free(s.ev);
    dusk_viewer_free(v);
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

/* A chain (one task ready at a time) on two workers: a step pressed while
 * the last stepped task still runs lets the idle worker pass its gate and
 * find nothing; it keeps the step, and the next task of the chain starts
 * with it, so two steps start two tasks. */
static int nap200(dusk_value *const *args, size_t nargs, dusk_value **out, dusk_error *err,
                  void *ud)
{
    (void)nargs;
    (void)err;
    (void)ud;
    sleep_ms(200);
    *out = dusk_int(dusk_value_int(args[0]) + 1);
    return 0;
}

static void test_step_on_a_chain(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    static const dusk_func nap = {"nap200", nap200, NULL};
    dusk_graph *g = dusk_graph_new();
    dusk_task(g, "c0", &nap, dusk_lit_int(0));
    for (int i = 1; i < 6; i++) {
        char k[8], prev[8];
        snprintf(k, sizeof k, "c%d", i);
        snprintf(prev, sizeof prev, "c%d", i - 1);
        dusk_task(g, k, &nap, dusk_ref(prev));
    }
    dusk_viewer *v = dusk_viewer_new(NULL);
    dusk_viewer_pause(v, 1);
    bg b;
    seen s = {0};
    bg_start(&b, v, g, "c5", DUSK_SCHED_THREADS, 2);
    wait_begun(v, &s);
    assert_int_equal(collect_for(v, &s, 100, 0), 0);
    dusk_viewer_step(v);
    assert_int_equal(collect_for(v, &s, 2000, 1), 1);
    sleep_ms(50);   /* c0 runs: the second step finds nothing ready */
    dusk_viewer_step(v);
    assert_int_equal(collect_for(v, &s, 2000, 2), 2);   /* c1, once c0 is done */
    assert_int_equal(collect_for(v, &s, 500, 0), 2);    /* and no more */
    dusk_viewer_pause(v, 0);
    finish(&b, v, &s);
    assert_int_equal(b.rc, 0);
    assert_int_equal(b.value, 6);
    free(s.ev);
    dusk_viewer_free(v);
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

/* --- slow motion ---------------------------------------------------------------------- */

static void test_slow_motion(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_viewer *v = dusk_viewer_new(NULL);
    /* the setting: clamped to [0, 10] s */
    assert_true(dusk_viewer_delay(v) == 0.0);
    dusk_viewer_set_delay(v, -1);
    assert_true(dusk_viewer_delay(v) == 0.0);
    dusk_viewer_set_delay(v, NAN);
    assert_true(dusk_viewer_delay(v) == 0.0);
    dusk_viewer_set_delay(v, 1e9);
    assert_true(dusk_viewer_delay(v) == 10.0);
    dusk_viewer_set_delay(v, 0.05);
    assert_true(fabs(dusk_viewer_delay(v) - 0.05) < 1e-12);

    const char *root;
    dusk_graph *g = tree_graph(8, &root);   /* 15 tasks: 0.4 s at 0.05 s on 2 workers */
    size_t ntasks = dusk_graph_size(g);
    bg b;
    seen s = {0};
    uint64_t t0 = now_ns();
    bg_start(&b, v, g, root, DUSK_SCHED_THREADS, 2);
    finish(&b, v, &s);
    uint64_t took = now_ns() - t0;
    assert_int_equal(b.rc, 0);
    assert_int_equal(b.value, 8 * 9 / 2);
    assert_int_equal(s.starts, ntasks);
    /* per worker: STARTs at least the delay apart */
    uint64_t last[2] = {0, 0}, closest = UINT64_MAX, across = UINT64_MAX;
    size_t on[2] = {0, 0};
    for (size_t i = 0; i < s.n; i++) {
        if (s.ev[i].kind != DUSK_EV_START)
            continue;
        int w = s.ev[i].worker;
        assert_true(w == 0 || w == 1);
        uint64_t t = s.ev[i].t_ns;
        if (on[w]) {
            uint64_t gap = t - last[w];
            if (gap < closest)
                closest = gap;
            /* the events' clock (a calibrated tick counter) and the
             * gate's (CLOCK_MONOTONIC) may differ by a little */
            if (gap < 49900000u)
                fail_msg("worker %d's STARTs %.3f ms apart, under the delay of 50 ms", w,
                         (double)gap / 1e6);
        }
        /* the other worker's task, held for the delay, still runs */
        if (on[!w] && t - last[!w] < across)
            across = t - last[!w];
        on[w]++;
        last[w] = t;
    }
    print_message("%zu STARTs (%zu on worker 0, %zu on 1), one worker's closest %.3f ms apart, "
                  "the two workers' %.3f ms; the run took %.0f ms\n",
                  s.starts, on[0], on[1], (double)closest / 1e6, (double)across / 1e6,
                  (double)took / 1e6);
    assert_true(on[0] > 0 && on[1] > 0);
    assert_true(across < 50000000u);   /* overlapping in time */
    /* 15 tasks on 2 workers: 8 in a row on one at least, so 7 delays */
    assert_true(took >= 7 * 50000000u);
    /* and not one at a time (which takes 14 delays, 700 ms) */
    assert_true(took < (ntasks - 1) * 50000000u);
    free(s.ev);

    /* workers waiting out a 10 s delay take a shorter one at once */
    dusk_viewer_set_delay(v, 10);
    memset(&s, 0, sizeof s);
    t0 = now_ns();
    bg_start(&b, v, g, root, DUSK_SCHED_THREADS, 2);
    assert_int_equal(collect_for(v, &s, 150, 0), 0);   /* the last run's START was just now */
    dusk_viewer_set_delay(v, 0.01);
    finish(&b, v, &s);
    took = now_ns() - t0;
    assert_int_equal(b.rc, 0);
    assert_int_equal(s.starts, ntasks);
    print_message("10 s cut to 0.01 s after 150 ms: the run took %.0f ms\n", (double)took / 1e6);
    assert_true(took < 5000000000u);
    /* and full speed again */
    dusk_viewer_set_delay(v, 0);
    free(s.ev);
    memset(&s, 0, sizeof s);
    bg_start(&b, v, g, root, DUSK_SCHED_THREADS, 2);
    finish(&b, v, &s);
    assert_int_equal(b.rc, 0);
    assert_int_equal(s.starts, ntasks);
    free(s.ev);
    dusk_viewer_free(v);
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

/* A second listener's gate that holds worker 0 for 30 ms after the
 * viewer's gate let it through: a worker late between its pass and its
 * START, as a preempted one is. */
static int late_gate(void *ud, int worker, dusk_error *err)
{
    (void)ud;
    (void)err;
    if (worker == 0)
        sleep_ms(30);
    return 0;
}

/* The delay counts from the worker's START, not from its pass before it:
 * worker 0's STARTs stay 150 ms apart although it starts 30 ms after its
 * pass (a pass-based mark would let them come 120 ms apart). */
static void test_slow_motion_late_start(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_viewer *v = dusk_viewer_new(NULL);
    dusk_viewer_set_delay(v, 0.15);
    const char *root;
    dusk_graph *g = tree_graph(4, &root);   /* 7 tasks: 0.9 s at 0.15 s */
    bg b;
    seen s = {0};
    memset(&b, 0, sizeof b);
    dusk_callbacks cbs[2] = {dusk_viewer_callbacks(v), {.gate = late_gate}};
    b.g = g;
    b.key = root;
    b.o = opts_of(DUSK_SCHED_THREADS, 2);
    b.o.callbacks = cbs;
    b.o.ncallbacks = 2;
    b.o.stream = dusk_viewer_stream(v);
    atomic_init(&b.done, 0);
    assert_int_equal(pthread_create(&b.th, NULL, bg_main, &b), 0);
    finish(&b, v, &s);
    assert_int_equal(b.rc, 0);
    assert_int_equal(s.starts, dusk_graph_size(g));
    uint64_t last[2] = {0, 0};
    int on[2] = {0, 0};
    for (size_t i = 0; i < s.n; i++) {
        if (s.ev[i].kind != DUSK_EV_START)
            continue;
        int w = s.ev[i].worker;
        assert_true(w == 0 || w == 1);
        if (on[w] && s.ev[i].t_ns - last[w] < 150000000u)
            fail_msg("worker %d's STARTs %.3f ms apart, under the delay of 150 ms", w,
                     (double)(s.ev[i].t_ns - last[w]) / 1e6);
        on[w]++;
        last[w] = s.ev[i].t_ns;
    }
    int on0 = on[0];
    print_message("%d of %zu STARTs on the late worker\n", on0, s.starts);
    free(s.ev);
    dusk_viewer_free(v);
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

/* --- close ------------------------------------------------------------------------------ */

static void test_close(void **state)
{
    (void)state;
    static const struct {
        dusk_sched_kind k;
        int workers;
    } cfgs[] = {{DUSK_SCHED_THREADS, 2}, {DUSK_SCHED_SYNC, 1}};
    for (size_t c = 0; c < 2; c++) {
        long live = dusk_alloc_live();
        const char *root;
        dusk_graph *g = tree_graph(32, &root);
        size_t ntasks = dusk_graph_size(g);
        dusk_viewer *v = dusk_viewer_new(NULL);

        /* closed while paused: the waiting workers wake and refuse */
        dusk_viewer_pause(v, 1);
        bg b;
        seen s = {0};
        bg_start(&b, v, g, root, cfgs[c].k, cfgs[c].workers);
        collect_for(v, &s, 100, 0);
        assert_int_equal(dusk_viewer_closed(v), 0);
        uint64_t t0 = now_ns();
        dusk_viewer_close(v);
        assert_int_equal(dusk_viewer_closed(v), 1);
        finish(&b, v, &s);
        print_message("closed while paused: the run returned %.1f ms after\n",
                      (double)(now_ns() - t0) / 1e6);
        assert_int_equal(b.rc, DUSK_ECANCELED);
        assert_int_equal(b.err.code, DUSK_ECANCELED);
        assert_string_equal(b.err.msg, "the viewer was closed");
        assert_int_equal(s.starts, 0);
        assert_int_equal(s.ev[s.n - 1].kind, DUSK_EV_RUN_END);
        assert_int_equal(s.ev[s.n - 1].status, DUSK_ECANCELED);
        free(s.ev);

        /* for good: the next run stops before its first task */
        memset(&s, 0, sizeof s);
        bg_start(&b, v, g, root, cfgs[c].k, cfgs[c].workers);
        finish(&b, v, &s);
        assert_int_equal(b.rc, DUSK_ECANCELED);
        assert_int_equal(s.starts, 0);
        free(s.ev);
        dusk_viewer_free(v);

        /* closed mid-run, in slow motion: the running tasks end, no more start */
        v = dusk_viewer_new(NULL);
        dusk_viewer_set_delay(v, 0.02);
        memset(&s, 0, sizeof s);
        bg_start(&b, v, g, root, cfgs[c].k, cfgs[c].workers);
        wait_begun(v, &s);
        collect_for(v, &s, 2000, 4);
        dusk_viewer_close(v);
        finish(&b, v, &s);
        assert_int_equal(b.rc, DUSK_ECANCELED);
        assert_string_equal(b.err.msg, "the viewer was closed");
        assert_true(s.starts >= 4 && s.starts < ntasks);
        assert_int_equal(s.ends, s.starts);
        assert_int_equal(dusk_viewer_count(v, DUSK_TASK_RUNNING), 0);
        free(s.ev);
        dusk_viewer_free(v);
        dusk_graph_free(g);
        assert_int_equal(dusk_alloc_live(), live);
    }
    /* NULL: nothing, and getters answer 0 */
    dusk_viewer_pause(NULL, 1);
    dusk_viewer_step(NULL);
    dusk_viewer_set_delay(NULL, 1);
    dusk_viewer_close(NULL);
    assert_int_equal(dusk_viewer_paused(NULL), 0);
    assert_int_equal(dusk_viewer_closed(NULL), 0);
    assert_true(dusk_viewer_delay(NULL) == 0.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pause_step_resume),
        cmocka_unit_test(test_step_on_a_chain),
        cmocka_unit_test(test_slow_motion),
        cmocka_unit_test(test_slow_motion_late_start),
        cmocka_unit_test(test_close),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
