/*
** dusk tests — the bytes held in a threads run (core/sched/run.c)
**
** Several threads workers share no count a task: each counts what its
** tasks add, and moves its count to the run's once it reaches 4 KiB; a
** result of 4 KiB or more goes in at once, before any other worker can
** release it; releases come off the worker's count while it covers them,
** off the run's beyond (events.h, `held`). So:
**  - results of 4 KiB or more, made on several workers and held together,
**    give the exact peak, as the sync scheduler counts it;
**  - small results give a peak no higher than the true one, and the end's
**    count exact;
**  - what a worker sees never wraps below zero, however the releases of
**    its tasks outrun what other workers have counted in.
*/
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "helpers.h"

enum { FAN = 64, BIG = 8192, WORKERS = 4 };

/* mk(n): n bytes; the first tasks wait (up to 2 s) until two workers have
 * each started one, so that the results come from several workers. */
static atomic_int mk_seen[WORKERS + 1];
static atomic_int mk_workers;

static int mk_fn(dusk_value *const *args, size_t nargs, dusk_value **out, dusk_error *err,
                 void *ud)
{
    (void)ud;
    int64_t n = nargs == 1 && dusk_value_kind(args[0]) == DUSK_KIND_INT ? dusk_value_int(args[0]) : 0;
    if (n <= 0)
        return dusk_error_set(err, DUSK_ETYPE, "mk wants a positive size");
    void *p = malloc((size_t)n);
    if (!p)
        return DUSK_ENOMEM;
    *out = dusk_opaque(p, free, (size_t)n);
    if (!*out)
        return DUSK_ENOMEM;
    uint64_t t0 = now_ns();
    while (atomic_load(&mk_workers) < 2 && now_ns() - t0 < 2000000000ull)
        sleep_ms(1);
    return 0;
}

/* total(...): the bytes of its arguments, as an int */
static int total_fn(dusk_value *const *args, size_t nargs, dusk_value **out, dusk_error *err,
                    void *ud)
{
    (void)err;
    (void)ud;
    int64_t s = 0;
    for (size_t i = 0; i < nargs; i++)
        s += (int64_t)dusk_value_nbytes(args[i]);
    *out = dusk_int(s);
    return *out ? 0 : DUSK_ENOMEM;
}

static const dusk_func MK = {"held_mk", mk_fn, NULL};
static const dusk_func TOTAL = {"held_total", total_fn, NULL};

/* What the callbacks saw of a run. */
typedef struct {
    atomic_ullong max_end_held;   /* the most an END carried */
    atomic_ullong max_held;       /* the most any event carried */
    atomic_ullong end_bytes;      /* all ENDs' bytes */
    atomic_ullong run_end_held;
    atomic_int ends;
} seen;

static void on_event(void *ud, const dusk_event *ev)
{
    seen *s = ud;
    unsigned long long h = ev->held, m;
    m = atomic_load(&s->max_held);
    while (h > m && !atomic_compare_exchange_weak(&s->max_held, &m, h))
        ;
    if (ev->kind == DUSK_EV_START && ev->worker >= 0 && ev->worker < WORKERS &&
        atomic_exchange(&mk_seen[ev->worker], 1) == 0)
        atomic_fetch_add(&mk_workers, 1);
    if (ev->kind == DUSK_EV_END) {
        atomic_fetch_add(&s->ends, 1);
        atomic_fetch_add(&s->end_bytes, ev->nbytes);
        m = atomic_load(&s->max_end_held);
        while (h > m && !atomic_compare_exchange_weak(&s->max_end_held, &m, h))
            ;
    }
    if (ev->kind == DUSK_EV_RUN_END)
        atomic_store(&s->run_end_held, h);
}

/* A fan of FAN tasks of `size` bytes each into one task that needs all. */
static dusk_graph *fan(int64_t size)
{
    dusk_graph *g = dusk_graph_new();
    dusk_arg *refs[FAN];
    char k[32];
    for (int i = 0; i < FAN; i++) {
        snprintf(k, sizeof k, "part-%d", i);
        dusk_task(g, k, &MK, dusk_lit_int(size));
        refs[i] = dusk_ref(k);
    }
    dusk_graph_taskv(g, "total", &TOTAL, FAN, refs);
    assert_int_equal(dusk_graph_status(g, NULL), 0);
    return g;
}

static void run_fan(dusk_graph *g, dusk_sched_kind kind, int workers, dusk_run_stats *st,
                    seen *s, int64_t want)
{
    for (int i = 0; i <= WORKERS; i++)
        atomic_store(&mk_seen[i], 0);
    atomic_store(&mk_workers, kind == DUSK_SCHED_THREADS ? 0 : 2);
    memset(s, 0, sizeof *s);
    dusk_callbacks cb = {.ud = s, .on_event = on_event};
    dusk_options o = {.scheduler = kind, .workers = workers, .stats = st,
                      .callbacks = &cb, .ncallbacks = 1};
    dusk_value *out = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_get(g, "total", &o, &out, &err) != 0)
        fail_msg("run failed: %s", err.msg);
    assert_int_value(out, want);
    dusk_value_unref(out);
}

/* Results of 8 KiB from several workers, all held at the last task's end:
 * the threads run's peak is exact, as sync's. */
static void test_big_results_exact(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_graph *g = fan(BIG);
    dusk_run_stats sst, tst;
    seen ss, ts;
    run_fan(g, DUSK_SCHED_SYNC, 1, &sst, &ss, (int64_t)FAN * BIG);
    assert_int_equal(sst.held_peak, (uint64_t)FAN * BIG + 8);
    for (int round = 0; round < 5; round++) {
        run_fan(g, DUSK_SCHED_THREADS, WORKERS, &tst, &ts, (int64_t)FAN * BIG);
        if (atomic_load(&mk_workers) < 2)
            fail_msg("round %d: the parts were all made on one worker", round);
        assert_int_equal(tst.held_peak, sst.held_peak);
        assert_int_equal(tst.held_end, 8);
        assert_int_equal(atomic_load(&ts.max_end_held), tst.held_peak);
        assert_int_equal(atomic_load(&ts.run_end_held), 8);
    }
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

/* Small results: the peak as the workers saw it is never above the true
 * one (65 results at most), the END's held give it, and the end's count is
 * exact. */
static void test_small_results_bounded(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_graph *g = fan(8);
    dusk_run_stats sst, tst;
    seen ss, ts;
    run_fan(g, DUSK_SCHED_SYNC, 1, &sst, &ss, (int64_t)FAN * 8);
    for (int round = 0; round < 5; round++) {
        run_fan(g, DUSK_SCHED_THREADS, WORKERS, &tst, &ts, (int64_t)FAN * 8);
        assert_true(tst.held_peak >= 8 && tst.held_peak <= sst.held_peak);
        assert_int_equal(atomic_load(&ts.max_end_held), tst.held_peak);
        assert_true(atomic_load(&ts.max_held) <= sst.held_peak);
        assert_int_equal(tst.held_end, 8);
        assert_int_equal(atomic_load(&ts.run_end_held), 8);
    }
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

/* Random DAGs of small results on 8 workers: no event's held exceeds all
 * the bytes the run made (a count wrapped below zero would), and the end's
 * count is the requested result's. */
static void test_no_wrap(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    for (uint64_t seed = 1; seed <= 6; seed++) {
        rdag r;
        assert_int_equal(rdag_build(&r, seed * 7919, 3000), 0);
        const char *key = r.keys[r.n - 1];
        seen s;
        memset(&s, 0, sizeof s);
        atomic_store(&mk_workers, 2);
        dusk_callbacks cb = {.ud = &s, .on_event = on_event};
        dusk_run_stats st;
        dusk_options o = {.scheduler = DUSK_SCHED_THREADS, .workers = 8, .stats = &st,
                          .callbacks = &cb, .ncallbacks = 1};
        dusk_value *out = NULL;
        dusk_error err = DUSK_ERROR_INIT;
        if (dusk_get(r.g, key, &o, &out, &err) != 0)
            fail_msg("seed %llu: %s", (unsigned long long)seed, err.msg);
        assert_int_value(out, r.expect[r.n - 1]);
        unsigned long long made = atomic_load(&s.end_bytes), top = atomic_load(&s.max_held);
        if (top > made)
            fail_msg("seed %llu: an event held %llu bytes of the %llu the run made",
                     (unsigned long long)seed, top, made);
        assert_true(st.held_peak <= made);
        assert_int_equal(st.held_end, dusk_value_nbytes(out));
        assert_int_equal(atomic_load(&s.run_end_held), st.held_end);
        dusk_value_unref(out);
        rdag_free(&r);
    }
    assert_int_equal(dusk_alloc_live(), live);
}

/* Small results kept to the end, made on two workers: each worker saw only
 * its own at its END, but both are held at once at the end, so the peak is
 * at least the end's count. */
static void test_peak_covers_end(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_graph *g = dusk_graph_new();
    dusk_task(g, "keep-0", &MK, dusk_lit_int(100));
    dusk_task(g, "keep-1", &MK, dusk_lit_int(100));
    assert_int_equal(dusk_graph_status(g, NULL), 0);
    const char *keys[] = {"keep-0", "keep-1"};
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i <= WORKERS; i++)
            atomic_store(&mk_seen[i], 0);
        atomic_store(&mk_workers, 0);
        seen s;
        memset(&s, 0, sizeof s);
        dusk_callbacks cb = {.ud = &s, .on_event = on_event};
        dusk_run_stats st;
        dusk_options o = {.scheduler = DUSK_SCHED_THREADS, .workers = 2, .stats = &st,
                          .callbacks = &cb, .ncallbacks = 1};
        dusk_value *out = NULL;
        dusk_error err = DUSK_ERROR_INIT;
        if (dusk_get_list(g, keys, 2, &o, &out, &err) != 0)
            fail_msg("run failed: %s", err.msg);
        dusk_value_unref(out);
        if (atomic_load(&mk_workers) < 2)
            fail_msg("round %d: the results were made on one worker", round);
        assert_int_equal(st.held_end, 200);
        assert_int_equal(atomic_load(&s.run_end_held), 200);
        if (st.held_peak < st.held_end)
            fail_msg("round %d: held_peak %llu below held_end %llu", round,
                     (unsigned long long)st.held_peak, (unsigned long long)st.held_end);
    }
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

/* A result of 4 KiB or more goes in at once, also from a worker whose own
 * count is below zero (it released small results another worker made and
 * has not moved): another worker's view after it includes it.
 *   P (100 B, worker Y) and Q (100 B, worker A) start on two workers; Q
 *   ends after P's END, so A runs B = total(P, Q), dropping both (A's count
 *   -92), then C (4 KiB) after B. E (8 KiB), on Y after P, ends after C's
 *   END: at E's END, Y sees C and E held. */
typedef struct {
    int64_t size;
    atomic_int *wait1, *wait2;
} role;

static struct {
    int64_t p, c, e;                /* task ids */
    atomic_int end_p, end_c;
    atomic_int worker[3];           /* P's, C's and E's START workers + 1 */
    atomic_ullong e_end_held;
} once;

static int role_fn(dusk_value *const *args, size_t nargs, dusk_value **out, dusk_error *err,
                   void *ud)
{
    (void)args;
    (void)nargs;
    (void)err;
    const role *ro = ud;
    uint64_t t0 = now_ns();
    while (atomic_load(&mk_workers) < 2 && now_ns() - t0 < 2000000000ull)
        sleep_ms(1);
    for (int k = 0; k < 2; k++) {
        atomic_int *f = k ? ro->wait2 : ro->wait1;
        while (f && !atomic_load(f) && now_ns() - t0 < 2000000000ull)
            sleep_ms(1);
    }
    void *p = malloc((size_t)ro->size);
    if (!p)
        return DUSK_ENOMEM;
    *out = dusk_opaque(p, free, (size_t)ro->size);
    return *out ? 0 : DUSK_ENOMEM;
}

static void once_event(void *ud, const dusk_event *ev)
{
    (void)ud;
    if (ev->kind == DUSK_EV_START && ev->worker >= 0 && ev->worker < WORKERS) {
        if (atomic_exchange(&mk_seen[ev->worker], 1) == 0)
            atomic_fetch_add(&mk_workers, 1);
        int i = ev->task == once.p ? 0 : ev->task == once.c ? 1 : ev->task == once.e ? 2 : -1;
        if (i >= 0)
            atomic_store(&once.worker[i], ev->worker + 1);
    }
    if (ev->kind == DUSK_EV_END) {
        if (ev->task == once.p)
            atomic_store(&once.end_p, 1);
        if (ev->task == once.c)
            atomic_store(&once.end_c, 1);
        if (ev->task == once.e)
            atomic_store(&once.e_end_held, ev->held);
    }
}

static void test_big_result_at_once(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    static role rp = {100, NULL, NULL}, rq = {100, &once.end_p, NULL},
                rc = {4096, NULL, NULL}, re = {8192, &once.end_c, NULL};
    static const dusk_func P = {"held_p", role_fn, &rp}, Q = {"held_q", role_fn, &rq},
                           C = {"held_c", role_fn, &rc}, E = {"held_e", role_fn, &re};
    dusk_graph *g = dusk_graph_new();
    dusk_task(g, "p", &P, dusk_lit_int(0));
    dusk_task(g, "q", &Q, dusk_lit_int(0));
    dusk_task(g, "b", &TOTAL, dusk_ref("p"), dusk_ref("q"));
    dusk_task(g, "c", &C, dusk_ref("b"));
    dusk_task(g, "e", &E, dusk_lit_int(0));
    dusk_task(g, "f", &TOTAL, dusk_ref("c"), dusk_ref("e"));
    assert_int_equal(dusk_graph_status(g, NULL), 0);
    once.p = dusk_graph_find(g, "p");
    once.c = dusk_graph_find(g, "c");
    once.e = dusk_graph_find(g, "e");
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i <= WORKERS; i++)
            atomic_store(&mk_seen[i], 0);
        atomic_store(&mk_workers, 0);
        atomic_store(&once.end_p, 0);
        atomic_store(&once.end_c, 0);
        for (int i = 0; i < 3; i++)
            atomic_store(&once.worker[i], 0);
        atomic_store(&once.e_end_held, 0);
        dusk_callbacks cb = {.on_event = once_event};
        dusk_run_stats st;
        dusk_options o = {.scheduler = DUSK_SCHED_THREADS, .workers = 2, .stats = &st,
                          .callbacks = &cb, .ncallbacks = 1};
        dusk_value *out = NULL;
        dusk_error err = DUSK_ERROR_INIT;
        if (dusk_get(g, "f", &o, &out, &err) != 0)
            fail_msg("run failed: %s", err.msg);
        assert_int_value(out, 4096 + 8192);
        dusk_value_unref(out);
        int wp = atomic_load(&once.worker[0]), wc = atomic_load(&once.worker[1]),
            we = atomic_load(&once.worker[2]);
        if (!wp || wp == wc || we != wp)
            fail_msg("round %d: not arranged (P on %d, C on %d, E on %d)", round, wp - 1,
                     wc - 1, we - 1);
        /* at most C, E and B or F (8 bytes) are held at once, in any order;
         * a view counting B after C dropped it (its dropper's part below 0,
         * not moved) was above that */
        if (st.held_peak > 4096 + 8192 + 8)
            fail_msg("round %d: held_peak %llu above the %d held at most", round,
                     (unsigned long long)st.held_peak, 4096 + 8192 + 8);
        unsigned long long h = atomic_load(&once.e_end_held);
        if (h < 4096 + 8192)
            fail_msg("round %d: E's END held %llu, C's 4096 and E's 8192 not in", round, h);
    }
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_big_results_exact, reset_alloc),
        cmocka_unit_test_teardown(test_small_results_bounded, reset_alloc),
        cmocka_unit_test_teardown(test_no_wrap, reset_alloc),
        cmocka_unit_test_teardown(test_peak_covers_end, reset_alloc),
        cmocka_unit_test_teardown(test_big_result_at_once, reset_alloc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
