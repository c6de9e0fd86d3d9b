/*
** dusk tests — a run's set-up is not charged to its first task
**
** Before a run's first task starts, the run sets up: the start callbacks
** of its listeners (a slow one here: it sleeps SETUP_MS), the worker
** threads or processes. A task's recorded start is its START, taken on
** its worker as it starts, so the set-up shows as the time from the
** run's begin to the first start, in the run's wall time, and in no
** task's duration. Checked on every scheduler, with the slow listener
** before and after the profiler's callbacks, in the records and in the
** trace read back; 64 workers make the threads' start slow as well.
** And the profiler's own set-up (its per-worker state and log) is made
** before the first task, not within it.
*/
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "dusk.h"
#include "dusk/profiler.h"
#include "helpers.h"

/* The slow set-up, and the most a task may take of it: a third, far above
 * a task here (a forked worker's first one took 22 ms in a sanitizer
 * build) and far below the set-up. */
enum { SETUP_MS = 300, NLEAVES = 8 };

static void slow_setup(void *ud, const dusk_plan *p, size_t ntasks)
{
    (void)ud;
    (void)p;
    (void)ntasks;
    struct timespec ts = {0, SETUP_MS * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* NLEAVES inc tasks summed by one: a first task on each worker. */
static dusk_graph *small_graph(void)
{
    return summed_graph(&dusk_inc, "leaf", NLEAVES);
}

/* No task of p lasts a third of the set-up; the first starts after it,
 * and the run's wall time holds it. */
static void check(dusk_profiler *p, const char *what)
{
    size_t n = dusk_profiler_ntasks(p);
    const dusk_task_record *r = dusk_profiler_tasks(p);
    const uint64_t setup = (uint64_t)SETUP_MS * 1000000u;
    assert_int_equal(n, NLEAVES + 1);
    assert_int_equal(dusk_profiler_nruns(p), 1);
    assert_true(dusk_profiler_runs(p)[0].wall_ns >= setup);
    /* records are in start order: r[0] is the run's first task */
    if (r[0].start_ns < setup)
        fail_msg("%s: the first task (%s) started %.3f ms into the run, before the "
                 "%d ms set-up ended", what, r[0].key, r[0].start_ns / 1e6, SETUP_MS);
    for (size_t i = 0; i < n; i++)
        if (r[i].end_ns - r[i].start_ns > setup / 3)
            fail_msg("%s: task %s lasted %.3f ms: the %d ms set-up charged to it", what,
                     r[i].key, (r[i].end_ns - r[i].start_ns) / 1e6, SETUP_MS);
}

static void test_setup_not_charged(void **state)
{
    (void)state;
    dusk_graph *g = small_graph();
    for (size_t c = 0; c < NSCHEDS + 1; c++)
        for (int order = 0; order < 2; order++) {
            sched_cfg cfg = c < NSCHEDS ? SCHEDS[c]
                                        : (sched_cfg){DUSK_SCHED_THREADS, 64, "threads-64"};
            char what[96];
            snprintf(what, sizeof what, "%s, slow listener %s the profiler", cfg.name,
                     order ? "after" : "before");
            dusk_profiler *p = dusk_profiler_new(NULL);
            assert_non_null(p);
            dusk_callbacks cbs[2];
            memset(cbs, 0, sizeof cbs);
            cbs[order] = (dusk_callbacks){0};
            cbs[order].start = slow_setup;
            cbs[1 - order] = dusk_profiler_callbacks(p);
            dusk_options o = mkopts(&cfg, NULL);
            o.callbacks = cbs;
            o.ncallbacks = 2;
            dusk_value *v = NULL;
            dusk_error err = DUSK_ERROR_INIT;
            if (dusk_get(g, "total", &o, &v, &err) != 0)
                fail_msg("%s: %s", what, err.msg);
            assert_int_value(v, NLEAVES * (NLEAVES + 1) / 2);
            dusk_value_unref(v);
            check(p, what);

            /* and the trace says the same */
            dusk_profiler *back = NULL;
            assert_int_equal(dusk_profiler_write_trace(p, scratch("first.json"), NULL, &err), 0);
            assert_int_equal(dusk_profiler_read_trace(scratch("first.json"), &back, &err), 0);
            check(back, what);
            dusk_profiler_free(back);
            dusk_profiler_free(p);
        }
    dusk_graph_free(g);
}

/* The profiler's own set-up: a worker's state and the first block of its
 * log are made at RUN_BEGIN, before any task, not at the worker's first
 * START, where they fell within the first task's START and END (a worker
 * thread's first malloc made its malloc arena: 20-70 us charged to a task
 * of 2-3 us). Counted, not timed: the allocations made between the first
 * START (as a listener placed before the profiler hears it) and the first
 * task's function, the same with the profiler as without. One worker, and
 * no resource sampler, so that no other thread allocates meanwhile. */
static unsigned long at_start, in_task;
static int seen_start, seen_task;

static void first_start(void *ud, const dusk_event *ev, size_t n)
{
    (void)ud;
    for (size_t i = 0; i < n; i++)
        if (ev[i].kind == DUSK_EV_START && !seen_start) {
            seen_start = 1;
            at_start = dusk_alloc_calls();
        }
}

static int first_call(dusk_value *const *args, size_t nargs, dusk_value **out, dusk_error *err,
                      void *ud)
{
    (void)args;
    (void)nargs;
    (void)err;
    (void)ud;
    if (!seen_task) {
        seen_task = 1;
        in_task = dusk_alloc_calls();
    }
    *out = dusk_int(1);
    return *out ? 0 : DUSK_ENOMEM;
}

static void test_profiler_setup_before_tasks(void **state)
{
    (void)state;
    static const dusk_func f = {"first_call", first_call, NULL};
    dusk_graph *g = summed_graph(&f, "leaf", NLEAVES);
    for (size_t c = 0; c < 2; c++) {
        const sched_cfg *cfg = &SCHEDS[c];   /* sync, threads/1 */
        assert_int_equal(cfg->workers, 1);
        unsigned long without = 0;
        for (int with = 0; with < 2; with++) {
            dusk_profiler_options po = DUSK_PROFILER_OPTIONS_INIT;
            po.record = DUSK_PROF_TASKS | DUSK_PROF_CACHE;
            dusk_profiler *p = dusk_profiler_new(&po);
            assert_non_null(p);
            dusk_callbacks cbs[2];
            memset(cbs, 0, sizeof cbs);
            cbs[0].on_events = first_start;
            cbs[0].kinds = DUSK_EVMASK(DUSK_EV_START);
            cbs[1] = dusk_profiler_callbacks(p);
            dusk_options o = mkopts(cfg, NULL);
            o.callbacks = cbs;
            o.ncallbacks = with ? 2 : 1;
            seen_start = seen_task = 0;
            dusk_value *v = NULL;
            dusk_error err = DUSK_ERROR_INIT;
            assert_int_equal(dusk_get(g, "total", &o, &v, &err), 0);
            assert_int_value(v, NLEAVES);
            dusk_value_unref(v);
            assert_true(seen_start && seen_task);
            if (!with)
                without = in_task - at_start;
            else if (in_task - at_start != without)
                fail_msg("%s: %lu allocations between the first START and its task with the "
                         "profiler, %lu without: its set-up charged to the first task",
                         cfg->name, in_task - at_start, without);
            if (with)
                assert_int_equal(dusk_profiler_ntasks(p), NLEAVES + 1);
            dusk_profiler_free(p);
        }
    }
    dusk_graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_setup_not_charged),
        cmocka_unit_test(test_profiler_setup_before_tasks),
    };
    return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
