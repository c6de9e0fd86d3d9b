/*
** dusk tests — resource samples as the recorder takes them
**
** CPU %: the process's CPU clock counts a thread on another core only when
** a tick or a context switch updates it, so over 1 ms intervals it jumped
** by several ms at once (615-700 % on 2 cores). Every sample now says at
** most 100 % a core the process may use, and the curve's mean over the run
** is still the CPU time the run took over its wall time.
**
** The start of a run: its first sample is taken as the profiler hears the
** run begin, and the sampler goes on every millisecond through the run's
** set-up (other listeners' start callbacks, workers starting), before any
** task has run.
*/
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
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
#include "profiler/prof.h"
#include "helpers.h"

static uint64_t cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A task that keeps its core busy for 3 ms of wall time. */
static int fn_spin(dusk_value *const *args, size_t nargs, dusk_value **out, dusk_error *err,
                   void *ud)
{
    (void)args;
    (void)nargs;
    (void)err;
    (void)ud;
    volatile uint64_t x = 0;
    uint64_t end = mono_ns() + 3000000u;
    while (mono_ns() < end)
        x++;
    *out = dusk_int(1);
    return *out ? 0 : DUSK_ENOMEM;
}
static const dusk_func spin = {"spin", fn_spin, NULL};

enum { NSPIN = 120 };

static dusk_graph *spin_graph(void)
{
    return summed_graph(&spin, "spin", NSPIN);
}

/* Busy workers, more of them than cores (as a pool on a loaded machine):
 * no sample above 100 % a core, and the curve's time-weighted mean within
 * 15 % (and 8 ms of CPU time a core, a tick's worth of lag) of the CPU
 * time the run took over its wall time. */
static void test_cpu_bounded(void **state)
{
    (void)state;
    const int ncpu = dusk__ncpu();
    dusk_graph *g = spin_graph();
    for (int rep = 0; rep < 2; rep++) {
        dusk_profiler *p = dusk_profiler_new(NULL);
        assert_non_null(p);
        dusk_callbacks cb = dusk_profiler_callbacks(p);
        dusk_options o = DUSK_OPTIONS_INIT;
        o.scheduler = DUSK_SCHED_THREADS;
        o.workers = 2 * ncpu + 1;
        o.callbacks = &cb;
        o.ncallbacks = 1;
        dusk_value *v = NULL;
        dusk_error err = DUSK_ERROR_INIT;
        uint64_t c0 = cpu_ns();
        if (dusk_get(g, "total", &o, &v, &err) != 0)
            fail_msg("%s", err.msg);
        uint64_t c1 = cpu_ns();
        assert_int_value(v, NSPIN);
        dusk_value_unref(v);

        size_t n = dusk_profiler_nsamples(p);
        const dusk_resource_sample *s = dusk_profiler_samples(p);
        assert_true(n >= 10);
        double area = 0;   /* % x ns */
        for (size_t i = 0; i < n; i++) {
            if (s[i].cpu > 100.0 * ncpu + 1e-9)
                fail_msg("sample %zu at %.3f ms says %.1f %% CPU on %d cores", i,
                         s[i].t_ns / 1e6, s[i].cpu, ncpu);
            if (i)
                area += s[i].cpu * (double)(s[i].t_ns - s[i - 1].t_ns);
        }
        double span = (double)(s[n - 1].t_ns - s[0].t_ns);
        double mean = area / span;
        double want = 100.0 * (double)(c1 - c0) / span;
        double slack = 0.15 * want + 100.0 * 8e6 * ncpu / span;
        if (mean < want - slack || mean > want + slack)
            fail_msg("mean CPU %.1f %% over %.1f ms; the process used %.1f ms of CPU: %.1f %%",
                     mean, span / 1e6, (c1 - c0) / 1e6, want);
        dusk_profiler_free(p);
    }
    dusk_graph_free(g);
}

/* A listener after the profiler whose start is the run's set-up, before
 * any task: at least SETUP_MS, and until the sampler thread has woken past
 * its deadline SETUP_MS / 2 times (or SETUP_CAP_MS has gone). Its wake-ups
 * are the OS's to give: in the sanitizer suite on 2 loaded cores one came
 * 14 ms late, and a fixed 12 ms set-up saw 4-5 of them. */
enum { SETUP_MS = 12, SETUP_CAP_MS = 5000 };

typedef struct {
    dusk_profiler *p;
    uint64_t wakes;     /* the sampler's wake-ups during the set-up */
} setup_watch;

static uint64_t sampler_wakes(dusk_profiler *p)
{
    pthread_mutex_lock(&p->mu);
    uint64_t n = p->sampler_wakes;
    pthread_mutex_unlock(&p->mu);
    return n;
}

static void slow_setup(void *ud, const dusk_plan *plan, size_t ntasks)
{
    (void)plan;
    (void)ntasks;
    setup_watch *w = ud;
    uint64_t t0 = dusk_now_ns(), w0 = sampler_wakes(w->p);
    for (;;) {
        struct timespec ts = {0, 1000000L};
        while (nanosleep(&ts, &ts) != 0)
            ;
        uint64_t ms = (dusk_now_ns() - t0) / 1000000u;
        w->wakes = sampler_wakes(w->p) - w0;
        if ((ms >= SETUP_MS && w->wakes >= SETUP_MS / 2) || ms >= SETUP_CAP_MS)
            break;
    }
}

/* The first sample is taken at once (within 100 us of the run's start as
 * the profiler saw it; it came 190-410 us later), and samples come on
 * through the set-up: every wake-up of the sampler past its deadline takes
 * one, a millisecond or more after the one before. */
static void test_setup_sampled(void **state)
{
    (void)state;
    dusk_graph *g = spin_graph();
    dusk_profiler *p = dusk_profiler_new(NULL);
    assert_non_null(p);
    setup_watch watch = {p, 0};
    dusk_callbacks cbs[2];
    memset(cbs, 0, sizeof cbs);
    cbs[0] = dusk_profiler_callbacks(p);
    cbs[1].start = slow_setup;
    cbs[1].ud = &watch;
    dusk_options o = DUSK_OPTIONS_INIT;
    o.scheduler = DUSK_SCHED_THREADS;
    o.workers = 2;
    o.callbacks = cbs;
    o.ncallbacks = 2;
    dusk_value *v = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_get(g, "total", &o, &v, &err) != 0)
        fail_msg("%s", err.msg);
    dusk_value_unref(v);
    size_t n = dusk_profiler_nsamples(p);
    const dusk_resource_sample *s = dusk_profiler_samples(p);
    const dusk_task_record *r = dusk_profiler_tasks(p);
    assert_true(n >= 2);
    assert_true(r[0].start_ns >= (uint64_t)SETUP_MS * 1000000u);
    if (s[0].t_ns > 100000u)
        fail_msg("the first sample came %.3f ms into the run", s[0].t_ns / 1e6);
    size_t before = 0, close = 0;
    for (size_t i = 0; i < n && s[i].t_ns < r[0].start_ns; i++) {
        before++;
        close += i && s[i].t_ns - s[i - 1].t_ns < DUSK__SAMPLE_MIN_NS;
    }
    double first_ms = r[0].start_ns / 1e6;
    dusk_profiler_free(p);   /* before any failure: no leak reported with it */
    dusk_graph_free(g);
    if (watch.wakes < SETUP_MS / 2)
        fail_msg("the sampler woke %llu times in the %.3f ms before the first task",
                 (unsigned long long)watch.wakes, first_ms);
    if (before < 1 + watch.wakes || before < 1 + SETUP_MS / 2)
        fail_msg("%zu samples in the %.3f ms before the first task; the sampler woke %llu times",
                 before, first_ms, (unsigned long long)watch.wakes);
    if (close)
        fail_msg("%zu samples in the set-up came less than 1 ms after the one before", close);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cpu_bounded),
        cmocka_unit_test(test_setup_sampled),
    };
    return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
