/*
** dusk tests — plans (include/dusk/plan.h)
**
** What a plan holds for the lecture's graph (keys, reprs, functions,
** literals, dependencies, priorities, the request); a culled request holds
** only the tasks it needs, with dependents restricted to them; tasks whose
** arguments a run reads from their dependency list, runs after a failed
** one; runs of one plan at once (threads, a run inside a run of itself,
** out of memory between the kept block's layouts, a culled plan's event
** times); errors name the missing key; reference counting, the graph's cache of its last plan,
** plans that outlive their graph (run under ASan), plans shared by threads
** (TSan), and allocation failures while making one.
*/
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <cmocka.h>

#include "dusk.h"
#include "helpers.h"

static dusk_plan *plan_of(dusk_graph *g, const char *const *keys, size_t n)
{
    dusk_plan *p = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    int rc = dusk_plan_new(g, keys, n, &p, &err);
    if (rc)
        fail_msg("dusk_plan_new: %s: %s", dusk_err_name(rc), err.msg);
    assert_non_null(p);
    return p;
}

static void assert_deps(const dusk_plan *p, int64_t id, int dependents, const int64_t *want,
                        int64_t nwant)
{
    const int64_t *ids = NULL;
    int64_t n = dependents ? dusk_plan_dependents(p, id, &ids) : dusk_plan_dependencies(p, id, &ids);
    assert_int_equal(n, nwant);
    for (int64_t i = 0; i < n; i++)
        assert_int_equal(ids[i], want[i]);
}

/* --- what a plan holds ---------------------------------------------------------- */

static void test_lecture_plan(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_graph *g = lecture_dsk();   /* a=0 x=1 b=2 y=3 z=4 */
    dusk_plan *p = plan_of(g, (const char *[]){"z"}, 1);
    assert_int_equal(dusk_plan_ntasks(p), 5);
    assert_int_equal(dusk_plan_graph_size(p), 5);
    for (int64_t i = 0; i < 5; i++) {
        assert_int_equal(dusk_plan_tasks(p)[i], i);
        assert_true(dusk_plan_contains(p, i));
        assert_string_equal(dusk_plan_key(p, i), dusk_graph_key(g, i));
    }
    assert_false(dusk_plan_contains(p, 5));
    assert_false(dusk_plan_contains(p, -1));
    char buf[32];
    assert_int_equal(dusk_plan_key_repr(p, 4, buf, sizeof buf), 3);
    assert_string_equal(buf, "'z'");
    assert_int_equal(dusk_plan_entry_kind(p, 0), DUSK_ENTRY_VALUE);
    assert_int_equal(dusk_plan_entry_kind(p, 2), DUSK_ENTRY_TASK);
    assert_null(dusk_plan_func(p, 0));
    assert_ptr_equal(dusk_plan_func(p, 2), &dusk_inc);
    assert_string_equal(dusk_plan_func(p, 4)->name, "add");
    assert_int_value(dusk_plan_literal(p, 1), 10);
    assert_null(dusk_plan_literal(p, 4));
    assert_deps(p, 4, 0, (int64_t[]){2, 3}, 2);
    assert_deps(p, 2, 0, (int64_t[]){0}, 1);
    assert_deps(p, 0, 1, (int64_t[]){2}, 1);
    assert_deps(p, 4, 1, NULL, 0);
    const int64_t *prio;
    assert_int_equal(dusk_graph_order(g, &prio, NULL), 0);
    for (int64_t i = 0; i < 5; i++)
        assert_int_equal(dusk_plan_priority(p, i), prio[i]);
    assert_int_equal(dusk_plan_nrequested(p), 1);
    assert_int_equal(dusk_plan_requested(p)[0], 4);
    dusk_plan_unref(p);
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

/* Tuple keys keep their text; an alias is an entry of its own. */
static void test_tuple_keys_and_aliases(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_graph *g = dusk_graph_new();
    char k0[64], k1[64];
    dusk_key_tuple(k0, sizeof k0, "x", 1, (int64_t[]){0});
    dusk_key_tuple(k1, sizeof k1, "x", 1, (int64_t[]){1});
    dusk_graph_value(g, k0, dusk_int(3));
    dusk_task(g, k1, &dusk_neg, dusk_ref(k0));
    dusk_graph_alias(g, "w", k1);
    dusk_plan *p = plan_of(g, (const char *[]){"w", k1, "w"}, 3);
    assert_int_equal(dusk_plan_ntasks(p), 3);
    assert_string_equal(dusk_plan_key(p, 1), "('x', 1)");
    char buf[32];
    dusk_plan_key_repr(p, 1, buf, sizeof buf);
    assert_string_equal(buf, "('x', 1)");   /* not quoted like a string key */
    assert_int_equal(dusk_plan_entry_kind(p, 2), DUSK_ENTRY_ALIAS);
    assert_null(dusk_plan_func(p, 2));
    assert_deps(p, 2, 0, (int64_t[]){1}, 1);
    /* the request as asked, repeats kept */
    assert_int_equal(dusk_plan_nrequested(p), 3);
    assert_int_equal(dusk_plan_requested(p)[0], 2);
    assert_int_equal(dusk_plan_requested(p)[1], 1);
    assert_int_equal(dusk_plan_requested(p)[2], 2);
    dusk_plan_unref(p);
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

/* A culled request: only what it needs, dependents within the plan. */
static void test_culled_plan(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_graph *g = lecture_dsk();
    dusk_task(g, "ab", &dusk_add, dusk_ref("a"), dusk_ref("b"));   /* 5 */
    dusk_task(g, "other", &dusk_neg, dusk_ref("x"));               /* 6 */
    dusk_plan *p = plan_of(g, (const char *[]){"b"}, 1);
    assert_int_equal(dusk_plan_ntasks(p), 2);
    assert_int_equal(dusk_plan_tasks(p)[0], 0);
    assert_int_equal(dusk_plan_tasks(p)[1], 2);
    assert_int_equal(dusk_plan_graph_size(p), 7);
    for (int64_t id = 0; id < 7; id++)
        assert_int_equal(dusk_plan_contains(p, id), id == 0 || id == 2);
    /* a has dependents b and ab in the graph; only b in the plan */
    const int64_t *ids;
    assert_int_equal(dusk_graph_dependents(g, 0, &ids), 2);
    assert_deps(p, 0, 1, (int64_t[]){2}, 1);
    /* ids outside the plan */
    assert_null(dusk_plan_key(p, 4));
    assert_null(dusk_plan_func(p, 4));
    assert_int_equal(dusk_plan_priority(p, 4), -1);
    assert_int_equal(dusk_plan_dependencies(p, 4, &ids), DUSK_EINVAL);
    assert_int_equal(dusk_plan_dependents(p, 99, &ids), DUSK_EINVAL);
    char buf[8];
    dusk_plan_key_repr(p, 4, buf, sizeof buf);
    assert_string_equal(buf, "?");
    dusk_plan_unref(p);

    /* several keys */
    p = plan_of(g, (const char *[]){"other", "ab"}, 2);
    int64_t want[] = {0, 1, 2, 5, 6};
    assert_int_equal(dusk_plan_ntasks(p), 5);
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(dusk_plan_tasks(p)[i], want[i]);
    assert_deps(p, 1, 1, (int64_t[]){6}, 1);   /* x: y is not in the plan */
    dusk_plan_unref(p);

    /* no keys: an empty plan */
    p = plan_of(g, NULL, 0);
    assert_int_equal(dusk_plan_ntasks(p), 0);
    assert_int_equal(dusk_plan_nrequested(p), 0);
    assert_false(dusk_plan_contains(p, 0));
    dusk_plan_unref(p);
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

/* Dependents are listed by decreasing priority, in the graph and in whole
 * and culled plans, whatever order the keys were set in: the order Dask's
 * scheduler visits them in, which a sync run's READY events follow, and
 * the one that keeps a run linear on a task with 10^5 dependents
 * (test_plan_wide.c). s has five dependents ('c', 3), ('c', 0), ('c', 4),
 * ('c', 1), ('c', 2) (ids 1 to 5), ordered by key: c0 runs first. */
static int64_t ready_seen[8];
static size_t nready_seen;

static void note_ready(void *ud, const dusk_event *ev)
{
    (void)ud;
    if (ev->kind == DUSK_EV_READY && ev->task != 0 && nready_seen < 8)
        ready_seen[nready_seen++] = ev->task;
}

static void test_dependents_by_priority(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_graph *g = dusk_graph_new();
    dusk_graph_value(g, "s", dusk_int(1));
    static const int c[5] = {3, 0, 4, 1, 2};
    char k[5][32];
    for (int i = 0; i < 5; i++) {
        dusk_key_tuple(k[i], sizeof k[i], "c", 1, (int64_t[]){c[i]});
        dusk_task(g, k[i], &dusk_inc, dusk_ref("s"));
    }
    /* by decreasing priority: c4 c3 c2 c1 c0 */
    const int64_t want[5] = {3, 1, 5, 4, 2};
    const int64_t *ids = NULL, *prio = NULL;
    assert_int_equal(dusk_graph_dependents(g, 0, &ids), 5);
    for (int i = 0; i < 5; i++)
        assert_int_equal(ids[i], want[i]);
    assert_int_equal(dusk_graph_order(g, &prio, NULL), 0);
    for (int i = 1; i < 5; i++)
        assert_true(prio[want[i]] < prio[want[i - 1]]);
    dusk_plan *p = plan_of(g, (const char *const[]){k[0], k[1], k[2], k[3], k[4]}, 5);
    assert_int_equal(dusk_plan_ntasks(p), 6);   /* whole: the graph's lists */
    assert_deps(p, 0, 1, want, 5);
    dusk_plan_unref(p);
    /* culled to ('c', 3) and ('c', 4) (ids 1 and 3) */
    p = plan_of(g, (const char *const[]){k[0], k[2]}, 2);
    assert_int_equal(dusk_plan_ntasks(p), 3);
    assert_deps(p, 0, 1, (int64_t[]){3, 1}, 2);
    assert_deps(p, 1, 1, NULL, 0);
    dusk_plan_unref(p);

    /* a sync run makes them ready in that order, as Dask's get_sync does */
    dusk_callbacks cb = {.on_event = note_ready};
    dusk_options o = DUSK_OPTIONS_INIT;
    o.scheduler = DUSK_SCHED_SYNC;
    o.callbacks = &cb;
    o.ncallbacks = 1;
    nready_seen = 0;
    dusk_value *v = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_get_list(g, (const char *const[]){k[0], k[1], k[2], k[3], k[4]}, 5,
                                   &o, &v, &err), 0);
    dusk_value_unref(v);
    assert_int_equal(nready_seen, 5);
    for (int i = 0; i < 5; i++)
        assert_int_equal(ready_seen[i], want[i]);
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

/* A plan holds a reference to each literal value entry it takes (a
 * culled plan only to its own): the graph freed, they are still there, and
 * the plan's end lets go of them. */
static void test_plan_holds_literals(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_graph *g = dusk_graph_new();
    dusk_graph_value(g, "s", dusk_string("a literal"));
    dusk_graph_value(g, "f", dusk_float(2.5));
    dusk_graph_value(g, "other", dusk_string("not in the plan"));
    dusk_task(g, "t", &dusk_identity, dusk_list(dusk_ref("s"), dusk_ref("f")));
    dusk_plan *p = plan_of(g, (const char *const[]){"t"}, 1);
    dusk_graph_free(g);
    assert_int_equal(dusk_plan_ntasks(p), 3);
    assert_string_equal(dusk_value_str(dusk_plan_literal(p, 0)), "a literal");
    assert_true(dusk_value_float(dusk_plan_literal(p, 1)) == 2.5);
    assert_false(dusk_plan_contains(p, 2));
    assert_true(dusk_alloc_live() > live);
    dusk_plan_unref(p);
    assert_int_equal(dusk_alloc_live(), live);
}

/* --- arguments read from the dependency list ------------------------------------- */

/* A run builds the arguments of a task whose references are its
 * dependency list, in order, from that list (the plan marks such tasks):
 * references alone, literals among them, a repeated reference (which the
 * list names once) and a list argument, each must give its own answer, on
 * both schedulers, in a culled plan too, and again in later runs of the
 * same plan (which reuse its last run's slots). */
static void test_arguments_from_lists(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_graph *g = dusk_graph_new();
    dusk_graph_value(g, "a", dusk_int(10));
    dusk_task(g, "b", &dusk_inc, dusk_ref("a"));                          /* 11 */
    dusk_task(g, "c", &dusk_sub, dusk_ref("b"), dusk_ref("a"));           /* 1 */
    dusk_task(g, "d", &dusk_sub, dusk_lit_int(100), dusk_ref("b"));       /* 89 */
    dusk_task(g, "e", &dusk_sub, dusk_ref("c"), dusk_lit_int(5));         /* -4 */
    dusk_task(g, "f", &dusk_sub, dusk_ref("b"), dusk_ref("b"));           /* 0 */
    dusk_task(g, "h", &dusk_sub, dusk_ref("a"), dusk_ref("c"));           /* 9 */
    dusk_task(g, "r", &dusk_identity,
              dusk_list(dusk_ref("d"), dusk_ref("e"), dusk_ref("f"), dusk_ref("h")));
    const int64_t want[4] = {89, -4, 0, 9};
    const dusk_sched_kind kinds[2] = {DUSK_SCHED_SYNC, DUSK_SCHED_THREADS};
    for (int round = 0; round < 3; round++)
        for (int k = 0; k < 2; k++) {
            dusk_options o = DUSK_OPTIONS_INIT;
            dusk_error err = DUSK_ERROR_INIT;
            dusk_value *v = NULL;
            o.scheduler = kinds[k];
            o.workers = 2;
            int rc = dusk_get(g, "r", &o, &v, &err);
            assert_int_equal(rc, 0);
            assert_int_equal(dusk_tuple_len(v), 4);
            for (size_t i = 0; i < 4; i++)
                assert_int_equal(dusk_value_int(dusk_tuple_get(v, i)), want[i]);
            dusk_value_unref(v);
            /* a culled plan: e needs c, b and a */
            rc = dusk_get(g, "e", &o, &v, &err);
            assert_int_equal(rc, 0);
            assert_int_equal(dusk_value_int(v), -4);
            dusk_value_unref(v);
        }
    /* what the plan says of those tasks is the graph's */
    dusk_plan *p = plan_of(g, (const char *const[]){"r"}, 1);
    const char *names[] = {"b", "c", "d", "e", "f", "h", "r"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        int64_t id = dusk_graph_find(g, names[i]);
        assert_int_equal(dusk_plan_entry_kind(p, id), DUSK_ENTRY_TASK);
        assert_ptr_equal(dusk_plan_func(p, id), i == 0 ? &dusk_inc : i == 6 ? &dusk_identity
                                                                           : &dusk_sub);
        assert_null(dusk_plan_literal(p, id));
    }
    assert_int_equal(dusk_plan_entry_kind(p, dusk_graph_find(g, "a")), DUSK_ENTRY_VALUE);
    dusk_plan_unref(p);
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);   /* the plans' kept slots went with them */
}

/* sub(a, b) that fails while *ud > 0, counting down: a run fails, a later
 * one does not. The result is a string, so that a slot left holding it
 * would show as a leak or a double free. */
static int flaky_sub(dusk_value *const *args, size_t nargs, dusk_value **out,
                     dusk_error *err, void *ud)
{
    int *fails = ud;
    if (nargs != 2)
        return dusk_error_set(err, DUSK_EINVAL, "flaky takes 2 arguments");
    if (*fails > 0) {
        (*fails)--;
        return dusk_error_set(err, DUSK_EINVAL, "not this time");
    }
    char buf[32];
    snprintf(buf, sizeof buf, "%lld",
             (long long)(dusk_value_int(args[0]) - dusk_value_int(args[1])));
    *out = dusk_string(buf);
    return *out ? 0 : DUSK_ENOMEM;
}

/* A run that fails leaves its slots to the plan's next run, which must
 * start from its own counters and no result of the failed one. */
static void test_run_after_failure(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    int fails = 0;
    const dusk_func flaky = {"flaky_sub", flaky_sub, &fails};
    dusk_graph *g = dusk_graph_new();
    dusk_task(g, "a", &dusk_inc, dusk_lit_int(1));                   /* 2 */
    dusk_task(g, "b", &dusk_inc, dusk_lit_int(5));                   /* 6 */
    dusk_task(g, "c", &dusk_identity, dusk_ref("a"));                /* 2 */
    dusk_task(g, "d", &flaky, dusk_ref("b"), dusk_ref("c"));         /* "4" */
    const dusk_sched_kind kinds[2] = {DUSK_SCHED_SYNC, DUSK_SCHED_THREADS};
    for (int round = 0; round < 4; round++) {
        dusk_options o = DUSK_OPTIONS_INIT;
        dusk_error err = DUSK_ERROR_INIT;
        dusk_value *v = NULL;
        o.scheduler = kinds[round / 2];
        o.workers = 2;
        fails = round % 2 == 0;   /* the first run on each fails */
        int rc = dusk_get(g, "d", &o, &v, &err);
        if (round % 2 == 0) {
            assert_int_equal(rc, DUSK_EINVAL);
            assert_null(v);
            assert_non_null(strstr(err.msg, "not this time"));
        } else {
            assert_int_equal(rc, 0);
            assert_string_equal(dusk_value_str(v), "4");
            dusk_value_unref(v);
        }
    }
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

/* --- runs of one plan at once ----------------------------------------------------- */

/* The sum of its arguments, ints or tuples of ints; refuses every
 * *fail_every-th call (0: never), counted over all threads. */
typedef struct tally_ctx {
    atomic_long calls;
    long fail_every;
} tally_ctx;

static int tally_fn(dusk_value *const *args, size_t nargs, dusk_value **out, dusk_error *err,
                    void *ud)
{
    tally_ctx *c = ud;
    long k = atomic_fetch_add(&c->calls, 1) + 1;
    if (c->fail_every && k % c->fail_every == 0)
        return dusk_error_set(err, DUSK_EINVAL, "tally refused");
    int64_t sum = 0;
    for (size_t i = 0; i < nargs; i++) {
        if (dusk_tuple_len(args[i]) > 0)
            for (size_t j = 0; j < dusk_tuple_len(args[i]); j++)
                sum += dusk_value_int(dusk_tuple_get(args[i], j));
        else
            sum += dusk_value_int(args[i]);
    }
    *out = dusk_int(sum);
    return *out ? 0 : DUSK_ENOMEM;
}

typedef struct run_count {
    atomic_long events, post;
} run_count;

static void count_event(void *ud, const dusk_event *ev)
{
    (void)ev;
    atomic_fetch_add(&((run_count *)ud)->events, 1);
}

static void count_post(void *ud, int64_t task, const dusk_value *v, int status, int worker)
{
    (void)task;
    (void)v;
    (void)status;
    (void)worker;
    atomic_fetch_add(&((run_count *)ud)->post, 1);
}

/* 16 inc of literals (136 in all), 8 add of two (arguments from the
 * dependency list), 4 tuples of two (results that hold memory) and a
 * tally of those: 29 tasks, "root" 136. */
static dusk_graph *tally_graph(const dusk_func *tally)
{
    dusk_graph *g = dusk_graph_new();
    char k[16], a[16], b[16];
    for (int i = 0; i < 16; i++) {
        snprintf(k, sizeof k, "l%d", i);
        dusk_task(g, k, &dusk_inc, dusk_lit_int(i));
    }
    for (int i = 0; i < 8; i++) {
        snprintf(k, sizeof k, "s%d", i);
        snprintf(a, sizeof a, "l%d", 2 * i);
        snprintf(b, sizeof b, "l%d", 2 * i + 1);
        dusk_task(g, k, &dusk_add, dusk_ref(a), dusk_ref(b));
    }
    for (int i = 0; i < 4; i++) {
        snprintf(k, sizeof k, "q%d", i);
        snprintf(a, sizeof a, "s%d", 2 * i);
        snprintf(b, sizeof b, "s%d", 2 * i + 1);
        dusk_task(g, k, &dusk_identity, dusk_list(dusk_ref(a), dusk_ref(b)));
    }
    dusk_task(g, "root", tally, dusk_ref("q0"), dusk_ref("q1"), dusk_ref("q2"), dusk_ref("q3"));
    return g;
}

enum { TALLY_TASKS = 29, TALLY_SUM = 136 };

/* One run of g's key: sync or threads, heard (every event and posttask
 * counted, a threads run keeping event times; ntasks tasks) or not. Its
 * int, with *rc 0, or 0 with *rc the code of a refused run; anything
 * else fails the test. */
static int64_t run_key(dusk_graph *g, const char *key, int threads, int heard, long ntasks,
                       int *rc)
{
    run_count n;
    atomic_init(&n.events, 0);
    atomic_init(&n.post, 0);
    dusk_callbacks cb = {.ud = &n, .on_event = count_event, .posttask = count_post};
    dusk_options o = DUSK_OPTIONS_INIT;
    o.scheduler = threads ? DUSK_SCHED_THREADS : DUSK_SCHED_SYNC;
    o.workers = 2;
    if (heard) {
        o.callbacks = &cb;
        o.ncallbacks = 1;
    }
    dusk_error err = DUSK_ERROR_INIT;
    dusk_value *v = NULL;
    *rc = dusk_get(g, key, &o, &v, &err);
    if (*rc) {
        assert_int_equal(*rc, DUSK_EINVAL);
        assert_non_null(strstr(err.msg, "tally refused"));
        assert_null(v);
        return 0;
    }
    int64_t x = dusk_value_int(v);
    dusk_value_unref(v);
    if (heard) {
        /* READY, START, END a task, RELEASED but the root's, the run's two */
        assert_int_equal(atomic_load(&n.events), 4 * ntasks + 1);
        assert_int_equal(atomic_load(&n.post), ntasks);
    }
    return x;
}

static int tally_run(dusk_graph *g, int threads, int heard)
{
    int rc;
    int64_t x = run_key(g, "root", threads, heard, TALLY_TASKS, &rc);
    if (!rc)
        assert_int_equal(x, TALLY_SUM);
    return rc;
}

typedef struct runner {
    dusk_graph *g;
    pthread_barrier_t *go;
    int id, ok, refused;
} runner;

static void *runner_main(void *arg)
{
    runner *r = arg;
    pthread_barrier_wait(r->go);
    for (int round = 0; round < 40; round++) {
        int rc = tally_run(r->g, (round + r->id) % 2, (round / 2 + r->id) % 2);
        r->ok += rc == 0;
        r->refused += rc != 0;
    }
    return NULL;
}

/* Threads run one graph's cached plan at once (after a first run made it,
 * each run only reads the graph, though graph.h asks for one thread at a
 * time: in contract, runs of one plan at once are a task's own dusk_get,
 * below, or plans shared otherwise; this is the hardest case for the
 * block a plan keeps): sync and threads, heard and not, so that
 * the block of slots the plan keeps between runs is taken and given back
 * by several runs at once, in both layouts (with and without event times),
 * some of the runs failing. Every result is right, nothing leaks (the
 * block a run takes is its own: a shared one would show as wrong sums,
 * events or a double free; TSan checks the exchange). */
static void test_plan_runs_at_once(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    for (int failing = 0; failing < 2; failing++) {
        tally_ctx c = {.fail_every = failing ? 7 : 0};
        atomic_init(&c.calls, 0);
        const dusk_func tally = {"tally", tally_fn, &c};
        dusk_graph *g = tally_graph(&tally);
        c.fail_every = 0;
        assert_int_equal(tally_run(g, 0, 0), 0);   /* the graph's plan, cached */
        c.fail_every = failing ? 7 : 0;
        enum { NR = 4 };
        pthread_barrier_t go;
        pthread_barrier_init(&go, NULL, NR);
        runner r[NR];
        pthread_t th[NR];
        for (int i = 0; i < NR; i++) {
            r[i] = (runner){.g = g, .go = &go, .id = i};
            assert_int_equal(pthread_create(&th[i], NULL, runner_main, &r[i]), 0);
        }
        int ok = 0, refused = 0;
        for (int i = 0; i < NR; i++) {
            pthread_join(th[i], NULL);
            ok += r[i].ok;
            refused += r[i].refused;
        }
        pthread_barrier_destroy(&go);
        assert_int_equal(ok + refused, NR * 40);
        if (failing)
            assert_true(refused > 0 && ok > 0);
        else
            assert_int_equal(refused, 0);
        /* and after them, one run at a time, each layout in turn */
        c.fail_every = 0;
        for (int i = 0; i < 4; i++)
            assert_int_equal(tally_run(g, i % 2, i / 2), 0);
        dusk_graph_free(g);
        assert_int_equal(dusk_alloc_live(), live);
    }
}

/* Out of memory as a run starts with the plan's kept block in the other
 * layout (with event times, resized for a run without, and back): at
 * every allocation in turn the run fails with DUSK_ENOMEM or succeeds,
 * the plan still keeps one block and no more, and the next runs of
 * either layout give the right sum. */
static void test_plan_run_oom(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    tally_ctx c = {.fail_every = 0};
    atomic_init(&c.calls, 0);
    const dusk_func tally = {"tally", tally_fn, &c};
    for (int from_heard = 0; from_heard < 2; from_heard++) {
        dusk_graph *g = tally_graph(&tally);
        /* the plan, and its block in the layout runs start from */
        assert_int_equal(tally_run(g, 1, !from_heard), 0);
        assert_int_equal(tally_run(g, 1, from_heard), 0);
        long live0 = dusk_alloc_live();
        int saw_enomem = 0;
        long n;
        for (n = 0; n < 10000; n++) {
            run_count k;
            atomic_init(&k.events, 0);
            atomic_init(&k.post, 0);
            dusk_callbacks cb = {.ud = &k, .on_event = count_event, .posttask = count_post};
            dusk_options o = DUSK_OPTIONS_INIT;
            o.scheduler = DUSK_SCHED_THREADS;
            o.workers = 2;
            if (!from_heard) {   /* the other layout */
                o.callbacks = &cb;
                o.ncallbacks = 1;
            }
            dusk_error err = DUSK_ERROR_INIT;
            dusk_value *v = NULL;
            unsigned long c0 = dusk_alloc_calls();
            dusk_alloc_fail_after(n);
            int rc = dusk_get(g, "root", &o, &v, &err);
            dusk_alloc_fail_after(-1);
            int injected = dusk_alloc_calls() - c0 > (unsigned long)n;
            if (rc == 0) {
                assert_int_equal(dusk_value_int(v), TALLY_SUM);
                dusk_value_unref(v);
            } else {
                assert_int_equal(rc, DUSK_ENOMEM);
                assert_null(v);
                saw_enomem = 1;
            }
            assert_int_equal(dusk_alloc_live(), live0);   /* one block kept, as before */
            /* back to the layout the next pass starts from */
            assert_int_equal(tally_run(g, 1, from_heard), 0);
            assert_int_equal(tally_run(g, 0, 0), 0);
            assert_int_equal(tally_run(g, 1, from_heard), 0);
            assert_int_equal(dusk_alloc_live(), live0);
            if (!injected)
                break;
        }
        assert_true(n > 0 && n < 10000);
        assert_true(saw_enomem);
        dusk_graph_free(g);
    }
    assert_int_equal(dusk_alloc_live(), live);
}

/* identity(x), sleeping 200 ms the first time */
static int slow_once_fn(dusk_value *const *args, size_t nargs, dusk_value **out,
                        dusk_error *err, void *ud)
{
    (void)nargs;
    (void)err;
    atomic_int *first = ud;
    if (atomic_exchange(first, 0))
        nanosleep(&(struct timespec){0, 200000000}, NULL);
    *out = dusk_value_ref(args[0]);
    return 0;
}

typedef struct latest {
    atomic_ullong t;
} latest;

static void note_latest(void *ud, const dusk_event *ev)
{
    latest *l = ud;
    unsigned long long t = atomic_load(&l->t);
    while (ev->t_ns > t && !atomic_compare_exchange_weak(&l->t, &t, ev->t_ns))
        ;
}

/* A culled plan's heard threads runs keep event times in the plan's kept
 * block: each run starts from its own (a slow first run's times, 200 ms
 * in, must not carry into a quick later run's events). */
static void test_culled_plan_times_per_run(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    atomic_int first;
    atomic_init(&first, 1);
    const dusk_func slow = {"slow_once", slow_once_fn, &first};
    dusk_graph *g = dusk_graph_new();
    dusk_task(g, "other", &dusk_inc, dusk_lit_int(0));   /* outside the plan */
    dusk_task(g, "a", &dusk_inc, dusk_lit_int(1));
    dusk_task(g, "s", &slow, dusk_ref("a"));
    dusk_task(g, "b", &dusk_inc, dusk_ref("s"));
    dusk_task(g, "c", &dusk_add, dusk_ref("b"), dusk_ref("a"));
    for (int round = 0; round < 4; round++) {
        latest l;
        atomic_init(&l.t, 0);
        dusk_callbacks cb = {.ud = &l, .on_event = note_latest};
        dusk_options o = DUSK_OPTIONS_INIT;
        o.scheduler = DUSK_SCHED_THREADS;
        o.workers = 2;
        o.callbacks = &cb;
        o.ncallbacks = 1;
        dusk_value *v = NULL;
        dusk_error err = DUSK_ERROR_INIT;
        uint64_t t0 = dusk_now_ns();
        assert_int_equal(dusk_get(g, "c", &o, &v, &err), 0);
        uint64_t wall = dusk_now_ns() - t0;
        assert_int_equal(dusk_value_int(v), 5);
        dusk_value_unref(v);
        /* every event within the run's own time */
        assert_true(atomic_load(&l.t) <= wall);
        if (round == 0)
            assert_true(atomic_load(&l.t) >= 200000000u);
    }
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

/* A task that runs its own graph's request again (once: the inner run's
 * copy of it does not), a run of the same plan inside a run of it. */
typedef struct nest_ctx {
    dusk_graph *g;
    atomic_int depth;
    int threads, heard;
    long inner;
} nest_ctx;

static int nest_fn(dusk_value *const *args, size_t nargs, dusk_value **out, dusk_error *err,
                   void *ud)
{
    nest_ctx *c = ud;
    (void)nargs;
    if (atomic_fetch_add(&c->depth, 1) == 0) {
        run_count n;
        atomic_init(&n.events, 0);
        atomic_init(&n.post, 0);
        dusk_callbacks cb = {.ud = &n, .on_event = count_event, .posttask = count_post};
        dusk_options o = DUSK_OPTIONS_INIT;
        o.scheduler = c->threads ? DUSK_SCHED_THREADS : DUSK_SCHED_SYNC;
        o.workers = 2;
        if (c->heard) {
            o.callbacks = &cb;
            o.ncallbacks = 1;
        }
        dusk_value *v = NULL;
        int rc = dusk_get(c->g, "top", &o, &v, err);
        c->inner = rc ? -1000 - rc : dusk_value_int(v);
        if (c->heard && atomic_load(&n.post) != 4)
            c->inner = -1;
        dusk_value_unref(v);
    }
    atomic_fetch_sub(&c->depth, 1);
    *out = dusk_value_ref(args[0]);
    return 0;
}

static void test_plan_run_inside_itself(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    for (int k = 0; k < 8; k++) {
        nest_ctx c = {.threads = k % 2, .heard = k / 2 % 2};
        atomic_init(&c.depth, 0);
        const dusk_func nest = {"nest", nest_fn, &c};
        dusk_graph *g = c.g = dusk_graph_new();
        dusk_task(g, "a", &dusk_inc, dusk_lit_int(1));                  /* 2 */
        dusk_task(g, "n", &nest, dusk_ref("a"));                        /* 2 */
        dusk_task(g, "b", &dusk_inc, dusk_ref("a"));                    /* 3 */
        dusk_task(g, "top", &dusk_add, dusk_ref("n"), dusk_ref("b"));   /* 5 */
        /* a run alone first: the plan, and the one block it keeps */
        atomic_store(&c.depth, 1);
        int rc;
        assert_int_equal(run_key(g, "top", c.threads, c.heard, 4, &rc), 5);
        long live0 = dusk_alloc_live();
        atomic_store(&c.depth, 0);
        for (int round = 0; round < 3; round++) {
            /* the outer run heard or not as the inner one, or the other way */
            c.inner = 0;
            assert_int_equal(run_key(g, "top", c.threads, k / 4 ? !c.heard : c.heard, 4, &rc), 5);
            assert_int_equal(rc, 0);
            assert_int_equal(c.inner, 5);
            /* the plan keeps one block of slots after the two runs, also
             * when they had different layouts */
            assert_int_equal(dusk_alloc_live(), live0);
        }
        atomic_store(&c.depth, 1);   /* no nesting: runs alone */
        assert_int_equal(run_key(g, "top", 1, 1, 4, &rc), 5);
        assert_int_equal(run_key(g, "top", 0, 0, 4, &rc), 5);
        assert_int_equal(dusk_alloc_live(), live0);
        dusk_graph_free(g);
        assert_int_equal(dusk_alloc_live(), live);
    }
}

/* --- errors ----------------------------------------------------------------------- */

static void test_plan_errors(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_graph *g = lecture_dsk();
    dusk_plan *p = (dusk_plan *)&live;   /* must be cleared on failure */
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_plan_new(g, (const char *[]){"z", "nokey"}, 2, &p, &err), DUSK_ENOKEY);
    assert_null(p);
    assert_int_equal(err.code, DUSK_ENOKEY);
    assert_contains(err.msg, "'nokey'");
    dusk_error_clear(&err);
    assert_int_equal(dusk_plan_new(g, (const char *[]){"('q', 3)"}, 1, &p, &err), DUSK_ENOKEY);
    assert_contains(err.msg, "('q', 3)");
    assert_false(contains(err.msg, "'('"));
    assert_int_equal(dusk_plan_new(g, (const char *[]){NULL}, 1, &p, &err), DUSK_EINVAL);
    assert_int_equal(dusk_plan_new(NULL, (const char *[]){"z"}, 1, &p, &err), DUSK_EINVAL);
    assert_null(p);
    assert_int_equal(dusk_plan_new(g, (const char *[]){"z"}, 1, NULL, &err), DUSK_EINVAL);
    /* a graph that does not validate gives validation's error */
    dusk_task(g, "bad", &dusk_inc, dusk_ref("missing"));
    dusk_error_clear(&err);
    assert_int_equal(dusk_plan_new(g, (const char *[]){"z"}, 1, &p, &err), DUSK_EMISSING);
    assert_contains(err.msg, "'missing'");
    assert_null(p);
    /* NULL-safe readers */
    assert_int_equal(dusk_plan_ntasks(NULL), 0);
    assert_null(dusk_plan_key(NULL, 0));
    assert_null(dusk_plan_ref(NULL));
    dusk_plan_unref(NULL);
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

/* --- references and the graph's cache ------------------------------------------------ */

static void test_refcount_and_cache(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_graph *g = lecture_dsk();
    dusk_plan *p1 = plan_of(g, (const char *[]){"z"}, 1);
    dusk_plan *p2 = plan_of(g, (const char *[]){"z"}, 1);
    assert_ptr_equal(p1, p2);            /* the same request: the cached plan */
    dusk_plan *p3 = plan_of(g, (const char *[]){"b"}, 1);
    assert_ptr_not_equal(p3, p1);
    assert_int_equal(dusk_plan_ntasks(p1), 5);   /* p1 is still whole */
    assert_ptr_equal(dusk_plan_ref(p3), p3);
    dusk_plan_unref(p3);
    dusk_plan_unref(p3);
    assert_int_equal(dusk_plan_ntasks(p3), 2);   /* the graph's reference holds it */
    /* a run for the same keys uses the cached plan: nothing new */
    dusk_value *v = NULL;
    dusk_options o = DUSK_OPTIONS_INIT;
    o.scheduler = DUSK_SCHED_SYNC;
    assert_int_equal(dusk_get(g, "b", &o, &v, NULL), 0);
    dusk_value_unref(v);
    long cached = dusk_alloc_live();
    assert_int_equal(dusk_get(g, "b", &o, &v, NULL), 0);
    dusk_value_unref(v);
    assert_int_equal(dusk_alloc_live(), cached);
    /* a change drops the graph's plan; ours stay as they were */
    assert_int_equal(dusk_graph_value(g, "a", dusk_int(5)), 0);
    assert_int_value(dusk_plan_literal(p1, 0), 1);
    dusk_plan *p4 = plan_of(g, (const char *[]){"z"}, 1);
    assert_ptr_not_equal(p4, p1);
    assert_int_value(dusk_plan_literal(p4, 0), 5);
    dusk_plan_unref(p4);
    dusk_plan_unref(p1);
    dusk_plan_unref(p2);
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

/* A plan stays whole after its graph is changed and freed (ASan checks
 * that nothing points into the graph). */
static void test_plan_outlives_graph(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    rdag r;
    assert_int_equal(rdag_build(&r, 11, 200), 0);
    dusk_graph *g = r.g;
    const char *root = r.keys[199];
    dusk_plan *p = plan_of(g, &root, 1);
    size_t n = dusk_plan_ntasks(p);
    /* what the graph says now, to compare with afterwards */
    char (*keys)[16] = calloc(n, sizeof *keys);
    int64_t *ndeps = calloc(n, sizeof *ndeps);
    for (size_t i = 0; i < n; i++) {
        int64_t t = dusk_plan_tasks(p)[i];
        snprintf(keys[i], sizeof keys[i], "%s", dusk_graph_key(g, t));
        const int64_t *ids;
        ndeps[i] = dusk_graph_dependencies(g, t, &ids);
    }
    /* change every key the plan has, then free the graph */
    for (size_t i = 0; i < n; i++)
        dusk_graph_value(g, keys[i], dusk_string("changed"));
    assert_int_equal(dusk_graph_size(g), (size_t)r.n);
    r.g = NULL;
    dusk_graph_free(g);
    rdag_free(&r);
    for (size_t i = 0; i < n; i++) {
        int64_t t = dusk_plan_tasks(p)[i];
        assert_string_equal(dusk_plan_key(p, t), keys[i]);
        const int64_t *ids;
        int64_t nd = dusk_plan_dependencies(p, t, &ids);
        assert_int_equal(nd, ndeps[i]);
        for (int64_t j = 0; j < nd; j++)
            assert_true(dusk_plan_contains(p, ids[j]));
        if (dusk_plan_entry_kind(p, t) == DUSK_ENTRY_TASK)
            assert_non_null(dusk_plan_func(p, t)->name);
        if (dusk_plan_entry_kind(p, t) == DUSK_ENTRY_VALUE)
            assert_int_equal(dusk_value_kind(dusk_plan_literal(p, t)), DUSK_KIND_INT);
    }
    free(keys);
    free(ndeps);
    dusk_plan_unref(p);
    assert_int_equal(dusk_alloc_live(), live);
}

/* Threads share one plan: reading, referencing and unreferencing at once
 * (TSan checks). */
typedef struct sharer {
    const dusk_plan *p;
    size_t keybytes;
} sharer;

static void *share(void *arg)
{
    sharer *s = arg;
    for (int k = 0; k < 200; k++) {
        dusk_plan *mine = dusk_plan_ref(s->p);
        size_t bytes = 0;
        for (size_t i = 0; i < dusk_plan_ntasks(mine); i++)
            bytes += strlen(dusk_plan_key(mine, dusk_plan_tasks(mine)[i]));
        s->keybytes = bytes;
        dusk_plan_unref(mine);
    }
    return NULL;
}

static void test_plan_shared_by_threads(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_graph *g = lecture_dsk();
    dusk_plan *p = plan_of(g, (const char *[]){"z"}, 1);
    dusk_graph_free(g);
    sharer s[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        s[i] = (sharer){p, 0};
        assert_int_equal(pthread_create(&th[i], NULL, share, &s[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(s[i].keybytes, 5);   /* a x b y z */
    }
    dusk_plan_unref(p);
    assert_int_equal(dusk_alloc_live(), live);
}

/* Core keeps ids in 32 bits; the 64-bit arrays the API hands out are made
 * the first time one is asked for. Eight threads ask a fresh plan at once,
 * at a barrier: all get the same arrays, with the right ids (TSan checks
 * the publishing). Without memory the getters say so and a later call
 * succeeds; the graph's copies follow its changes. */
typedef struct asker {
    const dusk_plan *p;
    pthread_barrier_t *go;
    const int64_t *tasks, *want, *deps, *rdeps;
} asker;

static void *ask(void *arg)
{
    asker *a = arg;
    pthread_barrier_wait(a->go);
    a->tasks = dusk_plan_tasks(a->p);
    (void)dusk_plan_dependencies(a->p, a->tasks[dusk_plan_ntasks(a->p) - 1], &a->deps);
    (void)dusk_plan_dependents(a->p, a->tasks[0], &a->rdeps);
    a->want = dusk_plan_requested(a->p);
    return NULL;
}

static void test_plan_id_copies(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_graph *g = lecture_dsk();   /* a x b y z: b = inc(a), y = inc(x), z = add(b, y) */
    int64_t a_ = dusk_graph_find(g, "a"), x = dusk_graph_find(g, "x");
    int64_t b_ = dusk_graph_find(g, "b"), y = dusk_graph_find(g, "y"), z = dusk_graph_find(g, "z");
    for (int whole = 0; whole < 2; whole++) {
        /* whole: every task (ids 0..4); else y's: x, y */
        dusk_plan *p = whole ? plan_of(g, (const char *[]){"z", "y"}, 2)
                             : plan_of(g, (const char *[]){"y"}, 1);
        enum { T = 8 };
        pthread_barrier_t go;
        pthread_barrier_init(&go, NULL, T);
        asker k[T];
        pthread_t th[T];
        for (int i = 0; i < T; i++) {
            k[i] = (asker){.p = p, .go = &go};
            assert_int_equal(pthread_create(&th[i], NULL, ask, &k[i]), 0);
        }
        for (int i = 0; i < T; i++)
            pthread_join(th[i], NULL);
        pthread_barrier_destroy(&go);
        for (int i = 1; i < T; i++) {
            assert_ptr_equal(k[i].tasks, k[0].tasks);
            assert_ptr_equal(k[i].want, k[0].want);
            assert_ptr_equal(k[i].deps, k[0].deps);
            assert_ptr_equal(k[i].rdeps, k[0].rdeps);
        }
        if (whole) {
            assert_int_equal(dusk_plan_ntasks(p), 5);
            for (size_t i = 0; i < 5; i++)
                assert_int_equal(k[0].tasks[i], (int64_t)i);
            assert_int_equal(k[0].want[0], z);
            assert_int_equal(k[0].want[1], y);
            assert_int_equal(k[0].deps[0], b_);     /* z's */
            assert_int_equal(k[0].deps[1], y);
            assert_int_equal(k[0].rdeps[0], b_);    /* a's */
        } else {
            assert_int_equal(dusk_plan_ntasks(p), 2);
            assert_int_equal(k[0].tasks[0], x);
            assert_int_equal(k[0].tasks[1], y);
            assert_int_equal(k[0].want[0], y);
            assert_int_equal(k[0].deps[0], x);      /* y's */
            assert_int_equal(k[0].rdeps[0], y);     /* x's */
        }
        dusk_plan_unref(p);
    }

    /* without memory: said, and a later call succeeds */
    dusk_plan *c = plan_of(g, (const char *[]){"b"}, 1);
    const int64_t *ids;
    dusk_alloc_fail_after(0);
    assert_int_equal(dusk_plan_dependents(c, a_, &ids), DUSK_ENOMEM);
    assert_null(ids);
    assert_null(dusk_plan_tasks(c));
    dusk_alloc_fail_after(-1);
    assert_deps(c, a_, 1, (const int64_t[]){b_}, 1);
    assert_int_equal(dusk_plan_tasks(c)[1], b_);
    dusk_plan_unref(c);

    /* the graph's copies: made on asking, dropped at a change */
    assert_int_equal(dusk_graph_dependencies(g, z, &ids), 2);
    assert_int_equal(dusk_task(g, "z", &dusk_inc, dusk_ref("b")), 0);
    assert_int_equal(dusk_graph_dependencies(g, z, &ids), 1);
    assert_int_equal(ids[0], b_);
    assert_int_equal(dusk_graph_dependents(g, y, &ids), 0);
    assert_int_equal(dusk_graph_dependents(g, b_, &ids), 1);
    assert_int_equal(ids[0], z);
    const int64_t *prio;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_graph_order(g, &prio, &err), 0);
    assert_true(prio[b_] < prio[z]);
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

/* --- allocation failures ------------------------------------------------------------- */

/* Making a plan (of a fresh graph, so nothing is cached; and of a cached
 * graph for another request) fails cleanly with DUSK_ENOMEM at every
 * allocation, and leaks nothing. */
static void test_plan_oom(void **state)
{
    (void)state;
    for (int cached = 0; cached < 2; cached++) {
        long n;
        int saw_enomem = 0;
        for (n = 0; n < 100000; n++) {
            long live0 = dusk_alloc_live();
            rdag r;
            assert_int_equal(rdag_build(&r, 5, 60), 0);
            if (cached) {
                dusk_plan *first = plan_of(r.g, (const char *[]){r.keys[10]}, 1);
                dusk_plan_unref(first);
            }
            long live = dusk_alloc_live();
            dusk_plan *p = NULL;
            dusk_error err = DUSK_ERROR_INIT;
            unsigned long c0 = dusk_alloc_calls();
            dusk_alloc_fail_after(n);
            int rc = dusk_plan_new(r.g, (const char *[]){r.keys[59], r.keys[3]}, 2, &p, &err);
            dusk_alloc_fail_after(-1);
            int injected = dusk_alloc_calls() - c0 > (unsigned long)n;
            if (rc == 0) {
                assert_non_null(p);
                assert_true(dusk_plan_contains(p, dusk_graph_find(r.g, r.keys[59])));
                dusk_plan_unref(p);
            } else {
                assert_int_equal(rc, DUSK_ENOMEM);
                assert_int_equal(err.code, DUSK_ENOMEM);
                assert_null(p);
                saw_enomem = 1;
                /* nothing half-made stays behind; a validated and ordered
                 * graph holds no more than it did */
                if (cached)
                    assert_int_equal(dusk_alloc_live(), live);
            }
            rdag_free(&r);
            assert_int_equal(dusk_alloc_live(), live0);
            if (!injected)
                break;
        }
        assert_true(n > 0 && n < 100000);
        assert_true(saw_enomem);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_lecture_plan, reset_alloc),
        cmocka_unit_test_teardown(test_tuple_keys_and_aliases, reset_alloc),
        cmocka_unit_test_teardown(test_culled_plan, reset_alloc),
        cmocka_unit_test_teardown(test_dependents_by_priority, reset_alloc),
        cmocka_unit_test_teardown(test_plan_holds_literals, reset_alloc),
        cmocka_unit_test_teardown(test_arguments_from_lists, reset_alloc),
        cmocka_unit_test_teardown(test_run_after_failure, reset_alloc),
        cmocka_unit_test_teardown(test_plan_runs_at_once, reset_alloc),
        cmocka_unit_test_teardown(test_plan_run_inside_itself, reset_alloc),
        cmocka_unit_test_teardown(test_plan_run_oom, reset_alloc),
        cmocka_unit_test_teardown(test_culled_plan_times_per_run, reset_alloc),
        cmocka_unit_test_teardown(test_plan_errors, reset_alloc),
        cmocka_unit_test_teardown(test_refcount_and_cache, reset_alloc),
        cmocka_unit_test_teardown(test_plan_outlives_graph, reset_alloc),
        cmocka_unit_test_teardown(test_plan_shared_by_threads, reset_alloc),
        cmocka_unit_test_teardown(test_plan_id_copies, reset_alloc),
        cmocka_unit_test_teardown(test_plan_oom, reset_alloc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
