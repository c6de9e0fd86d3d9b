/*
** dusk tests — the allocation wrapper and out-of-memory paths
** (include/dusk/alloc.h)
**
** SQLite's way: for N = 0, 1, 2 ... make the N-th allocation (and every
** later one) fail, run an operation, and check that it either succeeds or
** returns DUSK_ENOMEM, never crashes, and leaves dusk's live block count
** where it was; stop once the operation ran with no failure injected.
** Threads and stdio may allocate through libc; only dusk's blocks count.
*/
#define _DEFAULT_SOURCE   /* mincore */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include <sys/mman.h>

#include "core/value.h"
#include "dusk.h"
#include "helpers.h"

#define MAX_N 200000L

/* --- the wrapper itself -------------------------------------------------------- */

/* grow_buffer(x): a new 2 MiB array, noting whether a freed buffer of
 * that size was waiting in the cache for it. */
static atomic_int grow_seen, grow_reused;

static int grow_fn(dusk_value *const *args, size_t nargs, dusk_value **out, dusk_error *err,
                   void *ud)
{
    (void)args;
    (void)nargs;
    (void)ud;
    atomic_fetch_add(&grow_seen, 1);
    if (dusk__big_cached() >= (size_t)2 << 20)
        atomic_fetch_add(&grow_reused, 1);
    *out = dusk_ndarray_new(DUSK_DT_F8, 1, (int64_t[]){1 << 18});
    if (!*out)
        return dusk_error_set(err, DUSK_ENOMEM, "out of memory");
    return 0;
}

/* Big buffers freed while a run goes are reused (no fresh pages to fault
 * in), are not live while cached, count as allocations when taken again,
 * and are all given back when the last run ends. */
static void test_big_buffers_reused_during_runs(void **state)
{
    (void)state;
    size_t mib = (size_t)1 << 20;
    long live = dusk_alloc_live();
    assert_int_equal(dusk__big_cached(), 0);

    /* No run: a freed buffer goes back at once. */
    void *p = dusk__big_alloc(mib, 0);
    assert_non_null(p);
    dusk__big_free(p, mib);
    assert_int_equal(dusk__big_cached(), 0);
    assert_int_equal(dusk_alloc_live(), live);

    dusk__big_hold();
    p = dusk__big_alloc(mib, 0);
    memset(p, 7, mib);
    dusk__big_free(p, mib);
    assert_int_equal(dusk__big_cached(), mib);
    assert_int_equal(dusk_alloc_live(), live);          /* cached is not live */
    unsigned long calls = dusk_alloc_calls();
    unsigned char *q = dusk__big_alloc(mib - 100, 1);   /* about the size: reused, zeroed */
    assert_ptr_equal(q, p);
    assert_int_equal(dusk_alloc_calls(), calls + 1);
    assert_int_equal(dusk_alloc_live(), live + 1);
    for (size_t i = 0; i < mib - 100; i += 4093)
        assert_int_equal(q[i], 0);
    assert_int_equal(dusk__big_cached(), 0);
    dusk__big_free(q, mib - 100);
    /* Much smaller: not worth a buffer four times its size. */
    void *small = dusk__big_alloc(mib / 4, 0);
    assert_ptr_not_equal(small, q);
    dusk__big_free(small, mib / 4);
    /* A cached buffer taken under failure injection fails as malloc would. */
    dusk_alloc_fail_after(0);
    assert_null(dusk__big_alloc(mib - 100, 0));
    dusk_alloc_fail_after(-1);
    dusk__big_release();
    assert_int_equal(dusk__big_cached(), 0);
    assert_int_equal(dusk_alloc_live(), live);

    /* A run holds the cache and empties it when it ends: a chain of tasks
     * each making a 2 MiB array from its input's, the input released as
     * the next task starts, takes each new array's buffer from the cache
     * from the third task on (x1's buffer, released when x2 is done, waits
     * for x3's). */
    dusk_graph *g = dusk_graph_new();
    static const dusk_func grow = {"grow_buffer", grow_fn, NULL};
    dusk_graph_value(g, "x0", dusk_int(0));
    char key[16], prev[16];
    for (int i = 1; i <= 8; i++) {
        snprintf(key, sizeof key, "x%d", i);
        snprintf(prev, sizeof prev, "x%d", i - 1);
        assert_int_equal(dusk_task(g, key, &grow, dusk_ref(prev)), 0);
    }
    dusk_value *v = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    dusk_options o = DUSK_OPTIONS_INIT;
    o.scheduler = DUSK_SCHED_SYNC;
    atomic_store(&grow_seen, 0);
    atomic_store(&grow_reused, 0);
    assert_int_equal(dusk_get(g, "x8", &o, &v, &err), 0);
    assert_int_equal(atomic_load(&grow_seen), 8);
    assert_int_equal(atomic_load(&grow_reused), 6);
    assert_int_equal(dusk__big_cached(), 0);
    dusk_value_unref(v);
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

/* Chunks of about 2 MiB are mapped from a 2 MiB boundary and advised into
 * 2 MiB pages (a fault each, not 489); they are reused only by sizes that
 * map the same length, and unmapped when dropped. Under AddressSanitizer
 * they stay in malloc, whose red zones catch writes past a block. */
#if defined(__SANITIZE_ADDRESS__)
#define CHUNKS_IN_MALLOC 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CHUNKS_IN_MALLOC 1
#endif
#endif
#ifndef CHUNKS_IN_MALLOC
#define CHUNKS_IN_MALLOC 0
#endif

static int is_mapped(const void *p)
{
    unsigned char v;
    return mincore((void *)p, 4096, &v) == 0 || errno != ENOMEM;
}

static void test_chunks_in_huge_pages(void **state)
{
    (void)state;
    if (CHUNKS_IN_MALLOC)
        skip();
    const size_t block = 500 * 500 * 8, huge = (size_t)2 << 20;
    long live = dusk_alloc_live();
    unsigned char *p = dusk__big_alloc(block, 1);
    assert_non_null(p);
    assert_int_equal((uintptr_t)p % huge, 0);
    assert_int_equal(dusk_alloc_live(), live + 1);
    for (size_t i = 0; i < block; i += 4093)
        assert_int_equal(p[i], 0);
    memset(p, 1, block);
    p[huge - 1] = 1;   /* rounded up to the whole page, which is mapped */
    int advised = 0, whole = 0;
    if (huge_pages_on()) {
        assert_int_equal(huge_pages_at(p, &advised, &whole), 0);
        assert_true(advised);
        print_message("a chunk in %s\n", whole ? "one 2 MiB page" : "4 KiB pages (none free)");
    }
    dusk__big_free(p, block);
    assert_false(is_mapped(p));
    assert_int_equal(dusk_alloc_live(), live);

    /* in a run: cached, and taken again by a size that maps the same */
    dusk__big_hold();
    p = dusk__big_alloc(block, 0);
    dusk__big_free(p, block);
    assert_int_equal(dusk__big_cached(), block);
    unsigned char *q = dusk__big_alloc(block - 4000, 1);
    assert_ptr_equal(q, p);
    for (size_t i = 0; i < block - 4000; i += 4093)
        assert_int_equal(q[i], 0);
    dusk__big_free(q, block - 4000);
    /* a smaller one that malloc would hold is not given the mapping */
    void *r = dusk__big_alloc(block - block / 5, 0);
    assert_ptr_not_equal(r, q);
    assert_int_equal(dusk__big_cached(), block - 4000);
    dusk__big_free(r, block - block / 5);
    /* failure injection on a cached mapping drops it */
    dusk_alloc_fail_after(0);
    assert_null(dusk__big_alloc(block, 0));
    dusk_alloc_fail_after(-1);
    assert_false(is_mapped(q));
    q = dusk__big_alloc(block, 0);
    dusk__big_free(q, block);
    dusk__big_release();
    assert_false(is_mapped(q));
    assert_int_equal(dusk__big_cached(), 0);
    assert_int_equal(dusk_alloc_live(), live);
}

static void test_counters(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    unsigned long calls = dusk_alloc_calls();
    void *a = dusk_malloc(10);
    int *b = dusk_calloc(4, sizeof *b);
    char *s = dusk_strdup("hello");
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(s);
    assert_int_equal(dusk_alloc_live(), live + 3);
    assert_int_equal(dusk_alloc_calls(), calls + 3);
    for (int i = 0; i < 4; i++)
        assert_int_equal(b[i], 0);
    assert_string_equal(s, "hello");
    assert_ptr_not_equal(s, "hello");
    a = dusk_realloc(a, 1000);
    assert_non_null(a);
    memset(a, 1, 1000);
    assert_int_equal(dusk_alloc_live(), live + 3); /* still one block */
    void *c = dusk_realloc(NULL, 5);               /* realloc(NULL) mallocs */
    assert_non_null(c);
    assert_int_equal(dusk_alloc_live(), live + 4);
    dusk_free(a);
    dusk_free(b);
    dusk_free(s);
    dusk_free(c);
    dusk_free(NULL);
    assert_int_equal(dusk_alloc_live(), live);
    void *z = dusk_malloc(0); /* a zero-byte block is still a block */
    dusk_free(z);
    assert_int_equal(dusk_alloc_live(), live);
}

static void test_fail_after(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_alloc_fail_after(0);
    assert_null(dusk_malloc(8));
    assert_null(dusk_calloc(1, 8));    /* and every later one */
    assert_null(dusk_strdup("x"));
    dusk_alloc_fail_after(-1);
    void *p = dusk_malloc(8);
    assert_non_null(p);

    dusk_alloc_fail_after(2);
    void *q1 = dusk_malloc(8), *q2 = dusk_malloc(8), *q3 = dusk_malloc(8);
    assert_non_null(q1);
    assert_non_null(q2);
    assert_null(q3);
    /* a failed realloc leaves the block as it was */
    memset(p, 7, 8);
    assert_null(dusk_realloc(p, 4096));
    assert_int_equal(((unsigned char *)p)[7], 7);
    dusk_alloc_fail_after(-1);
    assert_int_equal(dusk_alloc_live(), live + 3);
    dusk_free(p);
    dusk_free(q1);
    dusk_free(q2);
    assert_int_equal(dusk_alloc_live(), live);
}

/* --- values ---------------------------------------------------------------------- */

static void test_value_constructors_oom(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    int64_t shape[2] = {3, 4};
    dusk_alloc_fail_after(0);
    assert_null(dusk_int(INT64_MAX));   /* boxed: beyond the ints in the pointer */
    assert_null(dusk_float(1.0));
    assert_null(dusk_string("abc"));
    assert_null(dusk_string_n("abc", 2));
    assert_null(dusk_tuple_new(3));
    assert_null(dusk_ndarray_new(DUSK_DT_F8, 2, shape));
    /* static values and ints in the pointer never fail */
    assert_non_null(dusk_none());
    assert_non_null(dusk_bool(true));
    assert_non_null(dusk_int(1000));
    assert_non_null(dusk_int(-((int64_t)1 << 62)));
    dusk_alloc_fail_after(-1);
    assert_int_equal(dusk_alloc_live(), live);

    /* tuple_of steals its items, also when it fails */
    for (long n = 0; n < MAX_N; n++) {
        dusk_value *items[3] = {dusk_int(1), dusk_string("two"),
                                dusk_tuple_new(2)};
        unsigned long c0 = dusk_alloc_calls();
        dusk_alloc_fail_after(n);
        dusk_value *t = dusk_tuple_of(3, items);
        dusk_alloc_fail_after(-1);
        int injected = dusk_alloc_calls() - c0 > (unsigned long)n;
        if (!injected)
            assert_non_null(t);
        if (t)
            assert_repr(t, "(1, 'two', (None, None))");
        dusk_value_unref(t);
        assert_int_equal(dusk_alloc_live(), live);
        if (!injected)
            break;
    }

    /* views */
    dusk_value *p = dusk_ndarray_new(DUSK_DT_I8, 2, shape);
    long live_p = dusk_alloc_live();
    for (long n = 0; n < MAX_N; n++) {
        unsigned long c0 = dusk_alloc_calls();
        int64_t vs[1] = {4}, vst[1] = {8};
        dusk_alloc_fail_after(n);
        dusk_value *v = dusk_ndarray_view(p, 1, vs, vst, 32);
        dusk_alloc_fail_after(-1);
        int injected = dusk_alloc_calls() - c0 > (unsigned long)n;
        if (!injected)
            assert_non_null(v);
        dusk_value_unref(v);
        assert_int_equal(dusk_alloc_live(), live_p);
        if (!injected)
            break;
    }
    dusk_value_unref(p);
    assert_int_equal(dusk_alloc_live(), live);
}

/* Tasks returning ints allocate nothing for their results: a chain of
 * 10,000 inc tasks counting up from 1,000 runs with a fixed number of
 * allocations (the run's own state), not one or more a task, and leaves
 * the live count where it was. A boxed result would cost 10,000 calls. */
static void test_int_results_cost_no_allocation(void **state)
{
    (void)state;
    enum { N = 10000 };
    long live0 = dusk_alloc_live();
    dusk_graph *g = dusk_graph_new();
    assert_non_null(g);
    assert_int_equal(dusk_graph_value(g, "c0", dusk_int(1000)), 0);
    for (int i = 1; i < N; i++) {
        char k[16], prev[16];
        snprintf(k, sizeof k, "c%d", i);
        snprintf(prev, sizeof prev, "c%d", i - 1);
        assert_int_equal(dusk_task(g, k, &dusk_inc, dusk_ref(prev)), 0);
    }
    char last[16];
    snprintf(last, sizeof last, "c%d", N - 1);
    const sched_cfg *cfgs[] = {&SCHEDS[0], &SCHEDS[2]};   /* sync, threads/2 */
    for (size_t c = 0; c < sizeof cfgs / sizeof *cfgs; c++) {
        dusk_options o = mkopts(cfgs[c], NULL);
        for (int round = 0; round < 2; round++) {   /* the second reuses the plan */
            long live = dusk_alloc_live();
            unsigned long c0 = dusk_alloc_calls();
            dusk_value *out = NULL;
            assert_int_equal(dusk_get(g, last, &o, &out, NULL), 0);
            unsigned long calls = dusk_alloc_calls() - c0;
            assert_int_value(out, 1000 + N - 1);
            dusk_value_unref(out);
            if (calls >= N / 10)
                fail_msg("%s: %lu allocations for %d int tasks", cfgs[c]->name, calls, N);
            if (round)   /* the first run leaves its plan with the graph */
                assert_int_equal(dusk_alloc_live(), live);
        }
    }
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live0);
}

/* --- building ---------------------------------------------------------------------- */

typedef dusk_graph *(*builder)(void);

/* dsk2 plus an alias, a tuple key, nested lists, a replaced key and
 * literals of several kinds. */
static dusk_graph *bigger_graph(void)
{
    dusk_graph *g = lecture_dsk2();
    if (!g)
        return NULL;
    dusk_graph_alias(g, "w", "d");
    dusk_task(g, "('t', 0, 1)", &dusk_identity,
              dusk_list(dusk_ref("w"), dusk_list(dusk_ref("a"), dusk_lit_str("s"),
                                                 dusk_lit_float(2.5))));
    dusk_graph_value(g, "b", dusk_int(20)); /* replaces b */
    dusk_task(g, "e", &dusk_sum, dusk_list(dusk_ref("c"), dusk_lit_int(3),
                                           dusk_lit(dusk_bool(true))));
    for (int i = 0; i < 40; i++) { /* enough keys to grow tables */
        char k[16];
        snprintf(k, sizeof k, "k%d", i);
        dusk_task(g, k, &dusk_add, dusk_ref(i ? "e" : "a"), dusk_lit_int(i));
    }
    return g;
}

static void build_loop(builder build, const char *key, const char *want)
{
    long live = dusk_alloc_live();
    int saw_enomem = 0;
    long n;
    for (n = 0; n < MAX_N; n++) {
        unsigned long c0 = dusk_alloc_calls();
        dusk_alloc_fail_after(n);
        dusk_graph *g = build();
        dusk_error err = DUSK_ERROR_INIT;
        int rc = g ? dusk_graph_status(g, &err) : DUSK_ENOMEM;
        dusk_alloc_fail_after(-1);
        int injected = dusk_alloc_calls() - c0 > (unsigned long)n;
        if (rc != 0 && rc != DUSK_ENOMEM)
            fail_msg("N=%ld: status %s (%s), want 0 or DUSK_ENOMEM", n,
                     dusk_err_name(rc), err.msg);
        if (injected && rc == 0)
            fail_msg("N=%ld: an allocation failed but the status is 0", n);
        if (!injected && rc != 0)
            fail_msg("N=%ld: no allocation failed but status %s", n,
                     dusk_err_name(rc));
        if (g && rc == DUSK_ENOMEM) {
            assert_int_equal(err.code, DUSK_ENOMEM);
            /* computing a graph whose building failed returns that error */
            dusk_value *out = NULL;
            dusk_options o = {DUSK_SCHED_SYNC, 1, NULL, 0, NULL, NULL, 0};
            assert_int_equal(dusk_get(g, key, &o, &out, NULL), DUSK_ENOMEM);
            assert_null(out);
        }
        if (rc == 0) {
            dusk_value *out = NULL;
            dusk_options o = {DUSK_SCHED_SYNC, 1, NULL, 0, NULL, NULL, 0};
            assert_int_equal(dusk_get(g, key, &o, &out, NULL), 0);
            assert_repr(out, want);
            dusk_value_unref(out);
        }
        saw_enomem |= rc == DUSK_ENOMEM;
        dusk_graph_free(g);
        if (dusk_alloc_live() != live)
            fail_msg("N=%ld: %ld dusk blocks leaked", n,
                     dusk_alloc_live() - live);
        if (!injected)
            break;
    }
    assert_true(n < MAX_N);
    assert_true(n > 0 && saw_enomem);
}

static void test_build_lecture_oom(void **state)
{
    (void)state;
    build_loop(lecture_dsk, "z", "13");
    build_loop(lecture_dsk2, "d", "6");
}

static void test_build_bigger_oom(void **state)
{
    (void)state;
    build_loop(bigger_graph, "('t', 0, 1)", "(42, (1, 's', 2.5))");
}

/* validate, cull and order of a good graph, under injection */
static void test_graph_queries_oom(void **state)
{
    (void)state;
    long live0 = dusk_alloc_live();
    for (long n = 0; n < MAX_N; n++) {
        dusk_graph *g = bigger_graph();
        assert_int_equal(dusk_graph_status(g, NULL), 0);
        unsigned long c0 = dusk_alloc_calls();
        dusk_alloc_fail_after(n);
        dusk_error err = DUSK_ERROR_INIT;
        int rc1 = dusk_graph_validate(g, &err);
        const int64_t *prio = NULL;
        int rc2 = dusk_graph_order(g, &prio, &err);
        int64_t *ids = NULL;
        size_t nids = 0;
        int rc3 = dusk_graph_cull(g, (const char *[]){"e", "w"}, 2, &ids, &nids,
                                  &err);
        const int64_t *deps;
        int64_t rc4 = dusk_graph_dependents(g, 0, &deps);
        dusk_alloc_fail_after(-1);
        int injected = dusk_alloc_calls() - c0 > (unsigned long)n;
        assert_true(rc1 == 0 || rc1 == DUSK_ENOMEM);
        assert_true(rc2 == 0 || rc2 == DUSK_ENOMEM);
        assert_true(rc3 == 0 || rc3 == DUSK_ENOMEM);
        assert_true(rc4 >= 0 || rc4 == DUSK_ENOMEM);
        if (!injected)
            assert_true(rc1 == 0 && rc2 == 0 && rc3 == 0 && rc4 >= 0);
        if (rc3 == 0) {
            assert_int_equal(nids, 6); /* a b c d w e */
            dusk_free(ids);
        }
        /* after a failure the graph still works */
        assert_int_equal(dusk_graph_validate(g, NULL), 0);
        assert_int_equal(dusk_graph_order(g, &prio, NULL), 0);
        assert_int_equal(dusk_graph_dependents(g, 0, &deps), 4);
        dusk_graph_free(g);
        assert_int_equal(dusk_alloc_live(), live0);
        if (!injected)
            break;
    }
}

/* --- running ---------------------------------------------------------------------- */

typedef int (*runner)(dusk_graph *g, const dusk_options *o, dusk_value **out,
                      dusk_error *err);

static int run_get_z(dusk_graph *g, const dusk_options *o, dusk_value **out,
                     dusk_error *err)
{
    return dusk_get(g, "z", o, out, err);
}

static int run_get_list(dusk_graph *g, const dusk_options *o,
                        dusk_value **out, dusk_error *err)
{
    return dusk_get_list(g, (const char *[]){"a", "b", "c", "d"}, 4, o, out, err);
}

static int run_compute(dusk_graph *g, const dusk_options *o, dusk_value **out,
                       dusk_error *err)
{
    dusk_arg *req = dusk_list(dusk_ref("a"), dusk_list(dusk_ref("b"),
                                                       dusk_ref("c")),
                              dusk_lit_int(9));
    return dusk_compute(g, req, o, out, err);
}

static int run_bigger(dusk_graph *g, const dusk_options *o, dusk_value **out,
                      dusk_error *err)
{
    return dusk_get_list(g, (const char *[]){"('t', 0, 1)", "k39", "k0"}, 3, o,
                         out, err);
}

/* Listeners used while injecting: they must not change the outcome. */
static atomic_int cb_events;
static void count_event(void *ud, const dusk_event *ev)
{
    (void)ud;
    (void)ev;
    atomic_fetch_add(&cb_events, 1);
}

static void run_loop(builder build, runner run, const char *want,
                     const sched_cfg *c, int listeners)
{
    long live0 = dusk_alloc_live();
    dusk_graph *g = build();
    assert_int_equal(dusk_graph_status(g, NULL), 0);
    dusk_stream *s = listeners ? dusk_stream_new() : NULL;
    dusk_callbacks cb = {.on_event = count_event};
    dusk_options o = mkopts(c, NULL);
    if (listeners) {
        o.stream = s;
        o.callbacks = &cb;
        o.ncallbacks = 1;
    }
    /* a first run fills whatever the graph caches */
    dusk_value *out = NULL;
    assert_int_equal(run(g, &o, &out, NULL), 0);
    assert_repr(out, want);
    dusk_value_unref(out);
    dusk_event evbuf[256];
    while (s && dusk_stream_drain(s, evbuf, 256))
        ;
    /* Each injected run gets a stream of its own, freed before counting:
     * a stream keeps spent blocks for its next runs (up to a bound), and a
     * failed run may leave it one more, which is its cache, not a leak. */
    dusk_stream_free(s);
    s = NULL;
    long live = dusk_alloc_live();
    int saw_enomem = 0;
    long n;
    for (n = 0; n < MAX_N; n++) {
        out = NULL;
        dusk_error err = DUSK_ERROR_INIT;
        if (listeners)
            assert_non_null(o.stream = s = dusk_stream_new());
        unsigned long c0 = dusk_alloc_calls();
        dusk_alloc_fail_after(n);
        int rc = run(g, &o, &out, &err);
        dusk_alloc_fail_after(-1);
        int injected = dusk_alloc_calls() - c0 > (unsigned long)n;
        if (rc != 0 && rc != DUSK_ENOMEM)
            fail_msg("%s N=%ld: %s (%s), want 0 or DUSK_ENOMEM", c->name, n,
                     dusk_err_name(rc), err.msg);
        if (!injected && rc != 0)
            fail_msg("%s N=%ld: no allocation failed but %s (%s)", c->name, n,
                     dusk_err_name(rc), err.msg);
        if (rc == 0) {
            assert_repr(out, want);
            dusk_value_unref(out);
        } else {
            assert_null(out);
            assert_int_equal(err.code, DUSK_ENOMEM);
            saw_enomem = 1;
        }
        while (s && dusk_stream_drain(s, evbuf, 256))
            ;
        dusk_stream_free(s);
        s = NULL;
        if (dusk_alloc_live() != live)
            fail_msg("%s N=%ld (rc %s): %ld dusk blocks leaked", c->name, n,
                     dusk_err_name(rc), dusk_alloc_live() - live);
        if (!injected)
            break;
    }
    assert_true(n < MAX_N);
    assert_true(saw_enomem);
    dusk_stream_free(s);
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live0);
}

static void test_get_oom_all_schedulers(void **state)
{
    (void)state;
    for (size_t s = 0; s < NSCHEDS; s++)
        run_loop(lecture_dsk, run_get_z, "13", &SCHEDS[s], 0);
}

static void test_get_list_and_compute_oom(void **state)
{
    (void)state;
    for (size_t s = 0; s < NSCHEDS; s += 2) { /* sync, threads/2 */
        run_loop(lecture_dsk2, run_get_list, "(1, 2, 3, 6)", &SCHEDS[s], 0);
        run_loop(lecture_dsk2, run_compute, "(1, (2, 3), 9)", &SCHEDS[s], 0);
    }
}

static void test_bigger_run_oom(void **state)
{
    (void)state;
    run_loop(bigger_graph, run_bigger, "((42, (1, 's', 2.5)), 64, 1)",
             &SCHEDS[0], 0);
    run_loop(bigger_graph, run_bigger, "((42, (1, 's', 2.5)), 64, 1)",
             &SCHEDS[3], 0);
}

static void test_run_oom_with_listeners(void **state)
{
    (void)state;
    run_loop(lecture_dsk, run_get_z, "13", &SCHEDS[0], 1);
    run_loop(lecture_dsk, run_get_z, "13", &SCHEDS[2], 1);
    run_loop(lecture_dsk2, run_compute, "(1, (2, 3), 9)", &SCHEDS[3], 1);
}

static void test_stream_new_oom(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_alloc_fail_after(0);
    dusk_stream *s = dusk_stream_new();
    dusk_alloc_fail_after(-1);
    assert_null(s);
    assert_int_equal(dusk_alloc_live(), live);
    dusk_alloc_fail_after(0);
    dusk_graph *g = dusk_graph_new();
    dusk_alloc_fail_after(-1);
    assert_null(g);
    assert_int_equal(dusk_alloc_live(), live);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_counters, reset_alloc),
        cmocka_unit_test_teardown(test_big_buffers_reused_during_runs, reset_alloc),
        cmocka_unit_test_teardown(test_chunks_in_huge_pages, reset_alloc),
        cmocka_unit_test_teardown(test_fail_after, reset_alloc),
        cmocka_unit_test_teardown(test_value_constructors_oom, reset_alloc),
        cmocka_unit_test_teardown(test_int_results_cost_no_allocation, reset_alloc),
        cmocka_unit_test_teardown(test_build_lecture_oom, reset_alloc),
        cmocka_unit_test_teardown(test_build_bigger_oom, reset_alloc),
        cmocka_unit_test_teardown(test_graph_queries_oom, reset_alloc),
        cmocka_unit_test_teardown(test_get_oom_all_schedulers, reset_alloc),
        cmocka_unit_test_teardown(test_get_list_and_compute_oom, reset_alloc),
        cmocka_unit_test_teardown(test_bigger_run_oom, reset_alloc),
        cmocka_unit_test_teardown(test_run_oom_with_listeners, reset_alloc),
        cmocka_unit_test_teardown(test_stream_new_oom, reset_alloc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
