/*
** dusk tests — limits: how deep values and arguments nest (DUSK_MAX_DEPTH)
** and how much memory a task costs
**
** Nesting: lists and tuples 15,000 and 1,000,000 deep are refused where
** they are made, without recursing into them, so no later walk (freeing,
** printing, comparing, encoding, dependency discovery, the run's
** substitution of results into arguments) can overflow the stack; this
** holds on a thread with a 64 KiB stack. What is exactly DUSK_MAX_DEPTH
** deep goes through every public path: set, validate, cull, order, plan,
** both schedulers, repr, equality, encoding (refused: its own limit is
** lower) and freeing. A hostile byte string nested a million tuples deep
** is refused by the decoder. A chain of a million views, each of the one
** before, is freed without recursing along it.
**
** Memory: the overhead benchmark's graph on 500,000 leaves (1,000,000+
** tasks), built, ordered, planned and run, counted by the allocator
** (glibc's mallinfo2, which is deterministic for one thread; skipped where
** a sanitizer replaces malloc), stays under BYTES_PER_TASK_MAX a task.
*/
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The benchmark's graph, its helpers renamed clear of cmocka's fail() and
 * helpers.h's now_ns(). */
#define fail overhead_fail
#define now_ns overhead_now_ns
#include "../../bench/overhead_graph.h"
#undef fail
#undef now_ns

#include <cmocka.h>

#include "dusk.h"
#include "dusk/encode.h"
#include "helpers.h"

enum { HUGE_DEPTH = 1000000, DEEP = 15000 };

/* The small stack: 64 KiB; under a sanitizer, whose thread-local state
 * does not fit in that and whose frames are larger, 1 MiB, still far
 * less than recursing a million levels takes. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SMALL_STACK (1024 * 1024)
#else
#define SMALL_STACK (64 * 1024)
#endif

/* Allocator-counted bytes a task of the overhead graph may cost (graph,
 * order, plan and the run's state): bench/overhead.c's graph.bytes_per_task
 * measures the same on 10 million tasks. */
#define BYTES_PER_TASK_MAX 150

/* A list `depth` lists deep around a reference to key. */
static dusk_arg *deep_list(const char *key, int depth)
{
    dusk_arg *a = dusk_ref(key);
    for (int i = 0; i < depth; i++)
        a = dusk_list(a);
    return a;
}

/* A tuple `depth` deep around the int 7 (tuples of one item), or NULL
 * when dusk_tuple_of refuses a level. */
static dusk_value *deep_tuple(int depth)
{
    dusk_value *v = dusk_int(7);
    for (int i = 0; v && i < depth; i++)
        v = dusk_tuple_of(1, &v);
    return v;
}

/* --- lists ------------------------------------------------------------------ */

/* What runs on the small-stack thread too: lists and tuples far too deep
 * are refused where they are made, with messages naming the key. */
static void *refuse_deep(void *arg)
{
    (void)arg;
    static const int depths[] = {DUSK_MAX_DEPTH + 1, DEEP, HUGE_DEPTH};
    for (size_t k = 0; k < sizeof depths / sizeof *depths; k++) {
        long live = dusk_alloc_live();
        dusk_graph *g = dusk_graph_new();
        dusk_graph_value(g, "x", dusk_int(1));
        dusk_error err = DUSK_ERROR_INIT;
        int rc = dusk_task(g, "deep", &dusk_identity, deep_list("x", depths[k]));
        if (rc != DUSK_EINVAL || dusk_graph_status(g, &err) != DUSK_EINVAL ||
            !contains(err.msg, "argument 0 of key 'deep' nests deeper than 1000"))
            return "a list too deep was not refused by dusk_task";
        dusk_value *v = NULL;
        if (dusk_get(g, "deep", NULL, &v, &err) != DUSK_EINVAL || v)
            return "a graph that refused a deep list computed";
        dusk_graph_free(g);

        /* a request too deep */
        g = dusk_graph_new();
        dusk_graph_value(g, "x", dusk_int(1));
        err = (dusk_error)DUSK_ERROR_INIT;
        if (dusk_compute(g, deep_list("x", depths[k]), NULL, &v, &err) != DUSK_EINVAL || v ||
            !contains(err.msg, "the request nests deeper than 1000"))
            return "a request too deep was not refused";

        /* tuples: dusk_tuple_of refuses, dusk_tuple_set marks */
        if (deep_tuple(depths[k]))
            return "dusk_tuple_of made a tuple deeper than DUSK_MAX_DEPTH";
        dusk_value *t = dusk_int(7);
        for (int i = 0; i < depths[k]; i++) {
            dusk_value *outer = dusk_tuple_new(1);
            dusk_tuple_set(outer, 0, t);
            t = outer;
        }
        if (!dusk_value_too_deep(t) || dusk_value_depth(t) != DUSK_MAX_DEPTH + 1)
            return "dusk_tuple_set did not mark a tuple too deep";
        char buf[32];
        dusk_value_repr(t, buf, sizeof buf);   /* bounded: the refused item is gone */
        err = (dusk_error)DUSK_ERROR_INIT;
        if (dusk_graph_value(g, "t", dusk_value_ref(t)) != DUSK_EINVAL ||
            dusk_graph_status(g, &err) != DUSK_EINVAL ||
            !contains(err.msg, "its value of key 't' nests deeper than 1000"))
            return "a graph took a tuple marked too deep as a value";
        dusk_graph_free(g);
        g = dusk_graph_new();
        err = (dusk_error)DUSK_ERROR_INIT;
        if (dusk_task(g, "u", &dusk_identity, dusk_lit(dusk_value_ref(t))) != DUSK_EINVAL ||
            dusk_graph_status(g, &err) != DUSK_EINVAL || !contains(err.msg, "key 'u'"))
            return "a task took a literal marked too deep";
        void *bytes = NULL;
        size_t len = 0;
        err = (dusk_error)DUSK_ERROR_INIT;
        if (dusk_value_encode(t, &bytes, &len, &err) != DUSK_EINVAL || bytes ||
            !contains(err.msg, "refused an item"))
            return "the encoder took a tuple marked too deep";
        dusk_value_unref(t);
        dusk_graph_free(g);
        if (dusk_alloc_live() != live)
            return "refusing deep nesting leaked";
    }

    /* A hostile byte string: a million tuples of one item, one inside the
     * other, None at the bottom, made from the encodings of None and (None,). */
    void *one = NULL, *tup = NULL;
    size_t onelen = 0, tuplen = 0;
    dusk_value *single = dusk_tuple_new(1);
    if (dusk_value_encode(dusk_none(), &one, &onelen, NULL) != 0 ||
        dusk_value_encode(single, &tup, &tuplen, NULL) != 0 || tuplen != onelen + 2)
        return "encoding None and (None,)";
    dusk_value_unref(single);
    size_t head = onelen - 1, n = head + 2 * (size_t)HUGE_DEPTH + 1;
    unsigned char *bytes = malloc(n);
    if (!bytes)
        return "out of memory";
    const unsigned char *tb = tup;
    memcpy(bytes, tb, head);
    for (size_t i = 0; i < (size_t)HUGE_DEPTH; i++)
        memcpy(bytes + head + 2 * i, tb + head, 2);   /* tuple tag, length 1 */
    bytes[n - 1] = tb[head + 2];                      /* None */
    dusk_free(one);
    dusk_free(tup);
    dusk_value *out = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    int rc = dusk_value_decode(bytes, n, &out, NULL, &err);
    free(bytes);
    if (rc != DUSK_EINVAL || out || !contains(err.msg, "tuples nest more than"))
        return "the decoder took a million nested tuples";
    return NULL;
}

static void test_deep_refused(void **state)
{
    (void)state;
    const char *why = refuse_deep(NULL);
    if (why)
        fail_msg("%s", why);
}

/* The same on a thread with a small stack (SMALL_STACK): refusing recurses nowhere. */
static void test_deep_refused_small_stack(void **state)
{
    (void)state;
    pthread_attr_t at;
    pthread_t th;
    void *why = NULL;
    assert_int_equal(pthread_attr_init(&at), 0);
    assert_int_equal(pthread_attr_setstacksize(&at, SMALL_STACK), 0);
    assert_int_equal(pthread_create(&th, &at, refuse_deep, NULL), 0);
    assert_int_equal(pthread_join(th, &why), 0);
    pthread_attr_destroy(&at);
    if (why)
        fail_msg("on a %d KiB stack: %s", SMALL_STACK / 1024, (const char *)why);
}

/* A view of a view of ... an ndarray, `depth` views long: freeing the
 * last lets go of the chain without recursing along it. */
static void *chain_of_views(void *arg)
{
    int depth = *(const int *)arg;
    long live = dusk_alloc_live();
    int64_t shape[1] = {4}, strides[1] = {8};
    dusk_value *v = dusk_ndarray_new(DUSK_DT_F8, 1, shape);
    for (int i = 0; v && i < depth; i++) {
        dusk_value *view = dusk_ndarray_view(v, 1, shape, strides, 0);
        dusk_value_unref(v);
        v = view;
    }
    if (!v)
        return "out of memory making the views";
    dusk_value_unref(v);
    return dusk_alloc_live() == live ? NULL : "the views leaked";
}

static void test_chain_of_views(void **state)
{
    (void)state;
    int depth = HUGE_DEPTH;
    const char *why = chain_of_views(&depth);
    if (why)
        fail_msg("%s", why);
    pthread_attr_t at;
    pthread_t th;
    void *twhy = NULL;
    depth = DEEP;
    assert_int_equal(pthread_attr_init(&at), 0);
    assert_int_equal(pthread_attr_setstacksize(&at, SMALL_STACK), 0);
    assert_int_equal(pthread_create(&th, &at, chain_of_views, &depth), 0);
    assert_int_equal(pthread_join(th, &twhy), 0);
    pthread_attr_destroy(&at);
    if (twhy)
        fail_msg("on a %d KiB stack: %s", SMALL_STACK / 1024, (const char *)twhy);
}

/* --- exactly at the limit ------------------------------------------------------ */

static const dusk_sched_kind kinds[] = {DUSK_SCHED_SYNC, DUSK_SCHED_THREADS};

/* A list DUSK_MAX_DEPTH deep goes through every path; the tuple it makes
 * is DUSK_MAX_DEPTH deep. */
static void test_at_the_limit(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_graph *g = dusk_graph_new();
    dusk_graph_value(g, "x", dusk_int(5));
    assert_int_equal(dusk_task(g, "deep", &dusk_identity, deep_list("x", DUSK_MAX_DEPTH)), 0);
    assert_int_equal(dusk_task(g, "top", &dusk_identity, dusk_ref("deep")), 0);
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_graph_validate(g, &err), 0);
    const int64_t *ids;
    assert_int_equal(dusk_graph_dependencies(g, dusk_graph_find(g, "deep"), &ids), 1);
    assert_int_equal(ids[0], dusk_graph_find(g, "x"));
    int64_t *culled = NULL;
    size_t ncull = 0;
    const char *keys[] = {"top"};
    assert_int_equal(dusk_graph_cull(g, keys, 1, &culled, &ncull, &err), 0);
    assert_int_equal(ncull, 3);
    dusk_free(culled);
    const int64_t *prio;
    assert_int_equal(dusk_graph_order(g, &prio, &err), 0);
    dusk_plan *p = NULL;
    assert_int_equal(dusk_plan_new(g, keys, 1, &p, &err), 0);
    assert_int_equal(dusk_plan_ntasks(p), 3);
    dusk_plan_unref(p);

    dusk_value *first = NULL;
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
        dusk_options o = DUSK_OPTIONS_INIT;
        o.scheduler = kinds[k];
        dusk_value *v = NULL;
        err = (dusk_error)DUSK_ERROR_INIT;
        if (dusk_get(g, "top", &o, &v, &err) != 0)
            fail_msg("dusk_get: %s", err.msg);
        assert_int_equal(dusk_value_depth(v), DUSK_MAX_DEPTH);
        assert_false(dusk_value_too_deep(v));
        const dusk_value *in = v;
        for (int i = 0; i < DUSK_MAX_DEPTH; i++)
            in = dusk_tuple_get(in, 0);
        assert_int_value(in, 5);
        char buf[16];
        size_t len = dusk_value_repr(v, buf, sizeof buf);
        assert_int_equal(len, 2 * DUSK_MAX_DEPTH + DUSK_MAX_DEPTH + 1);   /* (5,) nested */
        assert_string_equal(buf, "((((((((((((...");
        assert_int_equal(dusk_value_nbytes(v), 8 * DUSK_MAX_DEPTH + 8);
        if (first)
            assert_true(dusk_value_equal(first, v));
        void *bytes = NULL;
        size_t blen;
        err = (dusk_error)DUSK_ERROR_INIT;
        assert_int_equal(dusk_value_encode(v, &bytes, &blen, &err), DUSK_EINVAL);
        assert_true(contains(err.msg, "tuples nest more than 64 deep"));
        if (first)
            dusk_value_unref(v);
        else
            first = v;
    }
    /* one more level is refused */
    assert_int_equal(dusk_task(g, "deeper", &dusk_identity, deep_list("x", DUSK_MAX_DEPTH + 1)),
                     DUSK_EINVAL);
    dusk_value_unref(first);
    dusk_graph_free(g);

    /* dusk_tuple_of: DUSK_MAX_DEPTH levels, not one more */
    dusk_value *t = deep_tuple(DUSK_MAX_DEPTH);
    assert_non_null(t);
    assert_int_equal(dusk_value_depth(t), DUSK_MAX_DEPTH);
    dusk_value *items[1] = {dusk_value_ref(t)};
    assert_null(dusk_tuple_of(1, items));
    dusk_value_unref(t);
    assert_int_equal(dusk_alloc_live(), live);
}

/* At the limit every walk fits in the stack value.h promises (256 KiB
 * here; under sanitizers, with their larger frames, 8 MiB). */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define LIMIT_STACK (8 * 1024 * 1024)
#else
#define LIMIT_STACK (256 * 1024)
#endif

static void *walk_at_limit(void *arg)
{
    (void)arg;
    dusk_graph *g = dusk_graph_new();
    dusk_graph_value(g, "x", dusk_int(5));
    dusk_task(g, "deep", &dusk_identity, deep_list("x", DUSK_MAX_DEPTH));
    dusk_options o = DUSK_OPTIONS_INIT;
    o.scheduler = DUSK_SCHED_SYNC;
    dusk_value *v = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_get(g, "deep", &o, &v, &err) != 0)
        return "dusk_get failed";
    char buf[8];
    dusk_value_repr(v, buf, sizeof buf);
    int ok = dusk_value_equal(v, v) && dusk_value_nbytes(v) == 8 * DUSK_MAX_DEPTH + 8;
    dusk_value_unref(v);
    dusk_graph_free(g);
    return ok ? NULL : "wrong value";
}

static void test_limit_stack(void **state)
{
    (void)state;
    pthread_attr_t at;
    pthread_t th;
    void *why = NULL;
    assert_int_equal(pthread_attr_init(&at), 0);
    assert_int_equal(pthread_attr_setstacksize(&at, LIMIT_STACK), 0);
    assert_int_equal(pthread_create(&th, &at, walk_at_limit, NULL), 0);
    assert_int_equal(pthread_join(th, &why), 0);
    pthread_attr_destroy(&at);
    if (why)
        fail_msg("%s", (const char *)why);
}

/* A task's list DUSK_MAX_DEPTH deep around a result that is a tuple: the
 * run fails naming the task, on both schedulers; so does a task that
 * returns a tuple marked too deep, and a request whose lists put a
 * result too deep. */
static int return_marked(dusk_value *const *args, size_t nargs, dusk_value **out,
                         dusk_error *err, void *ud)
{
    (void)args;
    (void)nargs;
    (void)err;
    (void)ud;
    dusk_value *t = deep_tuple(DUSK_MAX_DEPTH);
    dusk_value *outer = dusk_tuple_new(1);
    dusk_tuple_set(outer, 0, t);
    *out = outer;
    return 0;
}
static const dusk_func returns_marked = {"returns_marked", return_marked, NULL};

static void test_results_too_deep(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
        dusk_options o = DUSK_OPTIONS_INIT;
        o.scheduler = kinds[k];
        dusk_graph *g = dusk_graph_new();
        dusk_graph_value(g, "pair", dusk_tuple_of(1, (dusk_value *[]){dusk_int(1)}));
        assert_int_equal(dusk_task(g, "wrap", &dusk_identity,
                                   deep_list("pair", DUSK_MAX_DEPTH)), 0);
        assert_int_equal(dusk_task(g, "marked", &returns_marked), 0);
        dusk_value *v = NULL;
        dusk_error err = DUSK_ERROR_INIT;
        assert_int_equal(dusk_get(g, "wrap", &o, &v, &err), DUSK_EINVAL);
        assert_null(v);
        if (!contains(err.msg, "'wrap'") || !contains(err.msg, "deeper than 1000") ||
            !contains(err.msg, "1000 lists or tuples"))   /* the list written, the tuples got */
            fail_msg("message: %s", err.msg);
        err = (dusk_error)DUSK_ERROR_INIT;
        assert_int_equal(dusk_get(g, "marked", &o, &v, &err), DUSK_EINVAL);
        if (!contains(err.msg, "'marked'") || !contains(err.msg, "deeper than 1000"))
            fail_msg("message: %s", err.msg);
        err = (dusk_error)DUSK_ERROR_INIT;
        assert_int_equal(dusk_compute(g, deep_list("pair", DUSK_MAX_DEPTH), &o, &v, &err),
                         DUSK_EINVAL);
        if (!contains(err.msg, "request"))
            fail_msg("message: %s", err.msg);
        dusk_graph_free(g);
    }
    assert_int_equal(dusk_alloc_live(), live);
}

/* --- memory a task costs ---------------------------------------------------- */

static void test_bytes_per_task(void **state)
{
    (void)state;
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    skip();   /* a sanitizer's allocator: mallinfo2 does not see it */
#endif
    size_t before = heap_bytes();
    const char *root;
    size_t ninc, nadd, nid;
    dusk_graph *g = build_n(500000, &root, &ninc, &nadd, &nid);
    assert_non_null(g);
    assert_int_equal(dusk_graph_size(g), overhead_ntasks(500000));
    dusk_callbacks cb;
    memset(&cb, 0, sizeof cb);
    cb.start = note_start;
    dusk_options o = DUSK_OPTIONS_INIT;
    o.scheduler = DUSK_SCHED_SYNC;
    o.callbacks = &cb;
    o.ncallbacks = 1;
    dusk_value *v = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_get(g, root, &o, &v, &err) != 0)
        fail_msg("dusk_get: %s", err.msg);
    assert_int_value(v, INT64_C(125000250000));   /* sum of i + 1 for i < 500000 */
    dusk_value_unref(v);
    double per_task = (double)(bytes_at_start - before) / (double)dusk_graph_size(g);
    print_message("graph + plan + run: %.1f bytes a task\n", per_task);
    if (per_task > BYTES_PER_TASK_MAX)
        fail_msg("%.1f bytes a task, more than %d", per_task, BYTES_PER_TASK_MAX);
    dusk_graph_free(g);
}

/* A key set again and again: its old arguments stay in the graph's
 * argument arena until validation finds them most of it and moves the
 * current ones to a piece of their own; the lists and literals the tasks
 * read then are the last ones set, intact. */
static void test_replaced_arguments_reclaimed(void **state)
{
    (void)state;
    enum { TIMES = 100000 };
    long live = dusk_alloc_live();
    dusk_graph *g = dusk_graph_new();
    dusk_graph_value(g, "x", dusk_int(1));
    dusk_task(g, "keep", &dusk_sum, dusk_list(dusk_ref("x"), dusk_lit_int(10), dusk_lit_int(100)));
    dusk_task(g, "nest", &dusk_identity, dusk_list(dusk_ref("x"), dusk_list(dusk_lit_int(10))));
    for (int i = 0; i < TIMES; i++)
        assert_int_equal(dusk_task(g, "t", &dusk_sum,
                                   dusk_list(dusk_ref("x"), dusk_lit_int(i), dusk_ref("keep"))),
                         0);
    long before = dusk_alloc_live();
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_graph_validate(g, &err), 0);
    long after = dusk_alloc_live();
    /* 100,000 runs of 4 entries (6.4 MB) were about 100 arena blocks of
     * 64 KiB; what is left fits in one piece */
    if (before - after < 90)
        fail_msg("validation left %ld blocks (%ld before it)", after - live, before - live);
    dusk_value *v = NULL;
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
        dusk_options o = DUSK_OPTIONS_INIT;
        o.scheduler = kinds[k];
        const char *keys[] = {"t", "keep", "nest"};
        if (dusk_get_list(g, keys, 3, &o, &v, &err) != 0)
            fail_msg("dusk_get_list: %s", err.msg);
        assert_repr(v, "(100111, 111, (1, (10,)))");   /* t: 1 + 99999 + keep */
        dusk_value_unref(v);
    }
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

/* A run's heap of ready tasks is sized by a bound its plan works out
 * (core/plan.c: one task a path of a cover by paths). These graphs make
 * the bound tight: a star whose N points are all ready once its centre is
 * done, and L leaves that M sums each read whole, so that the M sums are
 * ready together (the bound is M); each run whole and culled to one sum,
 * on every scheduler (ASan would see a heap too small). */
static void test_ready_at_once(void **state)
{
    (void)state;
    enum { N = 3000, L = 40, M = 700 };
    long live = dusk_alloc_live();
    char key[32];
    dusk_graph *g = dusk_graph_new();
    dusk_graph_value(g, "centre", dusk_int(1));
    dusk_arg **pts = malloc(N * sizeof *pts);
    for (int i = 0; i < N; i++) {
        snprintf(key, sizeof key, "point-%d", i);
        assert_int_equal(dusk_task(g, key, &dusk_inc, dusk_ref("centre")), 0);
        pts[i] = dusk_ref(key);
    }
    assert_int_equal(dusk_task(g, "star", &dusk_sum, dusk_listv(N, pts)), 0);
    for (int j = 0; j < L; j++) {
        snprintf(key, sizeof key, "leaf-%d", j);
        assert_int_equal(dusk_graph_value(g, key, dusk_int(j)), 0);
    }
    dusk_arg **sums = malloc(M * sizeof *sums);
    for (int i = 0; i < M; i++) {
        dusk_arg *leaves[L];
        for (int j = 0; j < L; j++) {
            snprintf(key, sizeof key, "leaf-%d", j);
            leaves[j] = dusk_ref(key);
        }
        snprintf(key, sizeof key, "sum-%d", i);
        assert_int_equal(dusk_task(g, key, &dusk_sum, dusk_listv(L, leaves)), 0);
        sums[i] = dusk_ref(key);
    }
    assert_int_equal(dusk_task(g, "sums", &dusk_sum, dusk_listv(M, sums)), 0);
    free(pts);
    free(sums);
    dusk_error err = DUSK_ERROR_INIT;
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
        dusk_options o = DUSK_OPTIONS_INIT;
        o.scheduler = kinds[k];
        dusk_value *v = NULL;
        const char *both[] = {"star", "sums"};
        if (dusk_get_list(g, both, 2, &o, &v, &err) != 0)
            fail_msg("dusk_get_list: %s", err.msg);
        assert_repr(v, "(6000, 546000)");   /* N x 2; M x (0 + ... + 39) */
        dusk_value_unref(v);
        if (dusk_get(g, "sums", &o, &v, &err) != 0)
            fail_msg("dusk_get: %s", err.msg);
        assert_int_value(v, INT64_C(546000));
        dusk_value_unref(v);
    }
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_deep_refused, reset_alloc),
        cmocka_unit_test_teardown(test_deep_refused_small_stack, reset_alloc),
        cmocka_unit_test_teardown(test_chain_of_views, reset_alloc),
        cmocka_unit_test_teardown(test_at_the_limit, reset_alloc),
        cmocka_unit_test_teardown(test_limit_stack, reset_alloc),
        cmocka_unit_test_teardown(test_results_too_deep, reset_alloc),
        cmocka_unit_test_teardown(test_replaced_arguments_reclaimed, reset_alloc),
        cmocka_unit_test_teardown(test_ready_at_once, reset_alloc),
        cmocka_unit_test_teardown(test_bytes_per_task, reset_alloc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
