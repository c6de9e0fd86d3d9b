/*
** dusk tests — other tools' traces: their workers and their busy time
**
** The threads a trace has are its workers, numbered densely in (pid, tid)
** order: two fully busy threads with tids 3 and 9 were read as 10 workers
** (parallel efficiency 20 %), tids 1 and 5 as 6. dusk's own traces keep
** their worker numbers (idle workers and all). Slices nested on a thread
** count once in busy time, and the per-function shares are of that same
** busy time, so they add up to 100 % (they added up to 160 us of 150).
** Two threads summarising their own profilers at once each get their own
** figures (the self-time sort kept its records in a file-scope pointer).
*/
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dusk.h"
#include "dusk/profiler.h"
#include "helpers.h"

static dusk_profiler *read_text(const char *text)
{
    dusk_profiler *p = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_profiler_read_trace_buffer(text, strlen(text), "t.json", &p, &err))
        fail_msg("%s", err.msg);
    return p;
}

static void check_two_busy(int tid_a, int tid_b)
{
    char text[512];
    snprintf(text, sizeof text,
             "{\"traceEvents\":["
             "{\"ph\":\"X\",\"name\":\"a\",\"ts\":0,\"dur\":100,\"pid\":7,\"tid\":%d},"
             "{\"ph\":\"X\",\"name\":\"b\",\"ts\":0,\"dur\":100,\"pid\":7,\"tid\":%d}]}",
             tid_a, tid_b);
    dusk_profiler *p = read_text(text);
    dusk_profile_summary s;
    assert_int_equal(dusk_profiler_summary(p, &s), 0);
    if (s.workers != 2 || fabs(s.efficiency - 1.0) > 1e-9)
        fail_msg("tids %d and %d: %d workers, parallel efficiency %.1f %%", tid_a, tid_b,
                 s.workers, 100 * s.efficiency);
    const dusk_task_record *r = dusk_profiler_tasks(p);
    for (size_t i = 0; i < dusk_profiler_ntasks(p); i++)
        assert_int_equal(r[i].worker, !strcmp(r[i].func, "a") ? 0 : 1);
    dusk_profiler_free(p);
}

static void test_threads_are_workers(void **state)
{
    (void)state;
    check_two_busy(3, 9);
    check_two_busy(1, 5);
    check_two_busy(0, 1);
}

/* dusk's own trace without runs (its process and threads named as dusk
 * names them) keeps worker 2, with worker 1 idle: 3 workers. */
static void test_dusk_workers_kept(void **state)
{
    (void)state;
    dusk_profiler *p = read_text(
        "{\"traceEvents\":["
        "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1,\"tid\":0,\"args\":{\"name\":\"dusk\"}},"
        "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":0,\"args\":{\"name\":\"worker 0\"}},"
        "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":1,\"args\":{\"name\":\"worker 1\"}},"
        "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":2,\"args\":{\"name\":\"worker 2\"}},"
        "{\"ph\":\"X\",\"name\":\"inc\",\"ts\":0,\"dur\":100,\"pid\":1,\"tid\":0},"
        "{\"ph\":\"X\",\"name\":\"inc\",\"ts\":0,\"dur\":100,\"pid\":1,\"tid\":2}]}");
    dusk_profile_summary s;
    assert_int_equal(dusk_profiler_summary(p, &s), 0);
    assert_int_equal(s.workers, 3);
    const dusk_task_record *r = dusk_profiler_tasks(p);
    assert_true((r[0].worker == 0 && r[1].worker == 2) || (r[0].worker == 2 && r[1].worker == 0));
    dusk_profiler_free(p);
}

/* be.json: a pass (10 us) nested in a phase (100 us) on one thread, and
 * 50 us on another: busy 150 us, and the shares are of it: phase 90/150
 * (its self time), pass 10/150, other 50/150, adding up to 100 %. */
static const char nested_trace[] =
    "{\"traceEvents\":["
    "{\"ph\":\"B\",\"name\":\"phase\",\"ts\":0,\"pid\":7,\"tid\":3},"
    "{\"ph\":\"B\",\"name\":\"pass\",\"ts\":10,\"pid\":7,\"tid\":3},"
    "{\"ph\":\"E\",\"ts\":20,\"pid\":7,\"tid\":3},"
    "{\"ph\":\"E\",\"ts\":100,\"pid\":7,\"tid\":3},"
    "{\"ph\":\"X\",\"name\":\"other\",\"ts\":5,\"dur\":50,\"pid\":7,\"tid\":9}]}";

static void test_nested_shares(void **state)
{
    (void)state;
    dusk_profiler *p = read_text(nested_trace);
    dusk_profile_summary s;
    assert_int_equal(dusk_profiler_summary(p, &s), 0);
    assert_int_equal(s.busy_ns, 150000);
    assert_int_equal(s.workers, 2);
    double sum = 0;
    for (size_t i = 0; i < s.nfuncs; i++) {
        const dusk_func_stats *f = &s.funcs[i];
        double want = !strcmp(f->func, "phase") ? 90.0 / 150 : !strcmp(f->func, "pass") ? 10.0 / 150
                                                                                        : 50.0 / 150;
        if (fabs(f->share - want) > 1e-9)
            fail_msg("%s: share %.4f, want %.4f", f->func, f->share, want);
        sum += f->share;
    }
    assert_true(fabs(sum - 1) < 1e-9);
    /* totals stay the slices' durations */
    assert_int_equal(s.funcs[0].total_ns, 100000);
    dusk_profiler_free(p);
}

/* Slices that overlap without nesting (a tool's X slices): the later one is
 * innermost while both run; the self times still add up to busy time. */
static void test_overlapping_shares(void **state)
{
    (void)state;
    dusk_profiler *p = read_text("{\"traceEvents\":["
                                 "{\"ph\":\"X\",\"name\":\"a\",\"ts\":0,\"dur\":60,\"pid\":1,\"tid\":1},"
                                 "{\"ph\":\"X\",\"name\":\"b\",\"ts\":40,\"dur\":60,\"pid\":1,\"tid\":1},"
                                 "{\"ph\":\"X\",\"name\":\"c\",\"ts\":50,\"dur\":5,\"pid\":1,\"tid\":1}]}");
    dusk_profile_summary s;
    assert_int_equal(dusk_profiler_summary(p, &s), 0);
    assert_int_equal(s.busy_ns, 100000);
    for (size_t i = 0; i < s.nfuncs; i++) {
        const dusk_func_stats *f = &s.funcs[i];
        double want = !strcmp(f->func, "a") ? 0.40 : !strcmp(f->func, "b") ? 0.55 : 0.05;
        if (fabs(f->share - want) > 1e-9)
            fail_msg("%s: share %.4f, want %.4f", f->func, f->share, want);
    }
    dusk_profiler_free(p);
}

/* Two threads, each reading and summarising its own trace 200 times: the
 * nested trace above on one (busy 150 us), on the other 400 slices of 1 us
 * on 4 threads, 10 us apart (busy 400 us). Under ThreadSanitizer a shared
 * variable in the summary is a reported race; in any build, one thread's
 * sort reading the other's records gives wrong busy times or worse. */
typedef struct {
    const char *text;
    uint64_t busy_ns;
    int bad;
} summarizer;

static void *summarize_loop(void *arg)
{
    summarizer *z = arg;
    for (int round = 0; round < 200 && !z->bad; round++) {
        dusk_profiler *p = NULL;
        dusk_error err = DUSK_ERROR_INIT;
        dusk_profile_summary s;
        if (dusk_profiler_read_trace_buffer(z->text, strlen(z->text), "t.json", &p, &err) ||
            dusk_profiler_summary(p, &s) || s.busy_ns != z->busy_ns)
            z->bad = 1;
        dusk_profiler_free(p);
    }
    return NULL;
}

static void test_summaries_in_two_threads(void **state)
{
    (void)state;
    size_t cap = 64 + 400 * 80;
    char *many = malloc(cap);
    assert_non_null(many);
    size_t len = (size_t)snprintf(many, cap, "{\"traceEvents\":[");
    for (int i = 0; i < 400; i++)
        len += (size_t)snprintf(many + len, cap - len,
                                "%s{\"ph\":\"X\",\"name\":\"f\",\"ts\":%d,\"dur\":1,"
                                "\"pid\":2,\"tid\":%d}",
                                i ? "," : "", (i / 4) * 10, i % 4);
    snprintf(many + len, cap - len, "]}");
    summarizer z[2] = {
        {nested_trace, 150000, 0},
        {many, 400000, 0},
    };
    pthread_t t[2];
    for (int k = 0; k < 2; k++)
        assert_int_equal(pthread_create(&t[k], NULL, summarize_loop, &z[k]), 0);
    for (int k = 0; k < 2; k++)
        pthread_join(t[k], NULL);
    free(many);
    assert_false(z[0].bad);
    assert_false(z[1].bad);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads_are_workers),
        cmocka_unit_test(test_dusk_workers_kept),
        cmocka_unit_test(test_nested_shares),
        cmocka_unit_test(test_overlapping_shares),
        cmocka_unit_test(test_summaries_in_two_threads),
    };
    return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
