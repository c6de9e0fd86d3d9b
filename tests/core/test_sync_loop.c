/*
** dusk tests — the sync scheduler's loop for a run nobody listens to
**
** A sync run without a listener takes its own loop (dusk__run_unheard)
** instead of the steps a listened-to run takes. On seeded random graphs
** (values, aliases, tasks with literal, reference and list arguments) the
** two must agree exactly: the tasks' functions record the order they run
** in and how many results are alive at each call (early release), and the
** listened-to run's pretask order must be the same; the stats, the results
** and, when a task fails, the error, the tasks run before it and the
** results freed after it.
*/
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dusk.h"
#include "helpers.h"

/* --- a recording task ------------------------------------------------------- */

#define MAXN 400

typedef struct journal {
    int n;                /* calls so far */
    int order[MAXN];      /* node index of each call */
    int live_at[MAXN];    /* results alive when it was called */
    int fail;             /* the node that fails, or -1 */
    int npre;             /* pretask calls (the listened-to run) */
    int64_t pre[4 * MAXN];
} journal;

static int live;   /* results of rec not yet freed */

static void rec_free(void *p)
{
    live--;
    free(p);
}

/* args: the node's index, then its inputs. Records the call; returns an
 * opaque of the index whose size varies by node, so that held bytes tell
 * when each is dropped. */
static int rec(dusk_value *const *args, size_t nargs, dusk_value **out, dusk_error *err,
               void *ud)
{
    journal *j = ud;
    int idx = (int)dusk_value_int(args[0]);
    (void)nargs;
    j->live_at[j->n] = live;
    j->order[j->n++] = idx;
    if (idx == j->fail)
        return dusk_error_set(err, DUSK_EINVAL, "node %d refuses", idx);
    int *p = malloc(sizeof *p);
    if (!p)
        return dusk_error_set(err, DUSK_ENOMEM, "no memory");
    *p = idx;
    *out = dusk_opaque(p, rec_free, 8 * (size_t)(1 + idx % 7));
    if (!*out) {
        free(p);
        return dusk_error_set(err, DUSK_ENOMEM, "no memory");
    }
    live++;
    return 0;
}

static void on_pretask(void *ud, int64_t task, int worker)
{
    journal *j = ud;
    (void)worker;
    if (j->npre < 4 * MAXN)
        j->pre[j->npre++] = task;
}

/* --- a random graph --------------------------------------------------------- */

typedef struct rgraph {
    dusk_graph *g;
    int n;
    int is_rec[MAXN];
    dusk_func f;
} rgraph;

static void key_of(char *buf, size_t n, int i) { snprintf(buf, n, "n%d", i); }

/* n nodes: about a tenth values, a tenth aliases, the rest rec tasks of
 * up to four earlier nodes, some through a list argument. */
static void rgraph_build(rgraph *rg, journal *j, uint64_t seed, int n)
{
    uint64_t s = seed;
    rg->g = dusk_graph_new();
    assert_non_null(rg->g);
    rg->n = n;
    rg->f = (dusk_func){"rec", rec, j};
    char key[16], dep[16];
    for (int i = 0; i < n; i++) {
        key_of(key, sizeof key, i);
        int kind = i < 2 ? 0 : rng_range(&s, 0, 9);
        rg->is_rec[i] = 0;
        if (kind == 0) {
            assert_int_equal(dusk_graph_value(rg->g, key, dusk_int(i)), 0);
        } else if (kind == 1) {
            key_of(dep, sizeof dep, rdag_pick(&s, i));
            assert_int_equal(dusk_graph_alias(rg->g, key, dep), 0);
        } else {
            dusk_arg *args[6];
            size_t na = 0;
            args[na++] = dusk_lit_int(i);
            int ndeps = rng_range(&s, 0, 4);
            for (int k = 0; k < ndeps; k++) {
                key_of(dep, sizeof dep, rdag_pick(&s, i));
                args[na++] = dusk_ref(dep);
            }
            if (rng_range(&s, 0, 3) == 0) {
                dusk_arg *items[2];
                key_of(dep, sizeof dep, rdag_pick(&s, i));
                items[0] = dusk_ref(dep);
                items[1] = dusk_lit_int(-i);
                args[na++] = dusk_listv(2, items);
            }
            assert_int_equal(dusk_graph_taskv(rg->g, key, &rg->f, na, args), 0);
            rg->is_rec[i] = 1;
        }
    }
}

/* --- one run each way --------------------------------------------------------- */

typedef struct outcome {
    int rc;
    char msg[DUSK_ERROR_MSG_MAX];
    dusk_run_stats st;
    dusk_value *out;
} outcome;

static void run_once(rgraph *rg, journal *j, int listened, const char *const *keys,
                     size_t nkeys, outcome *o)
{
    dusk_callbacks cb = {.ud = j, .pretask = on_pretask};
    dusk_options opts = {DUSK_SCHED_SYNC, 1, listened ? &cb : NULL, listened ? 1 : 0,
                         NULL, &o->st, 0};
    dusk_error err = {0};
    j->n = j->npre = 0;
    o->rc = dusk_get_list(rg->g, keys, nkeys, &opts, &o->out, &err);
    snprintf(o->msg, sizeof o->msg, "%s", o->rc ? err.msg : "");
}

/* The pretask order of the listened-to run, as node indexes of rec tasks
 * (values and aliases have a pretask too, and no call of rec). */
static int pre_rec_order(const rgraph *rg, const journal *j, int *order)
{
    int m = 0;
    for (int k = 0; k < j->npre; k++) {
        const char *key = dusk_graph_key(rg->g, j->pre[k]);
        assert_non_null(key);
        int i = atoi(key + 1);
        assert_true(i >= 0 && i < rg->n);
        if (rg->is_rec[i])
            order[m++] = i;
    }
    return m;
}

static void check_graph(uint64_t seed, int n, int fail_nth)
{
    static journal ja, jb;
    rgraph rg;
    live = 0;   /* a failed case before may have left some */
    rgraph_build(&rg, &ja, seed, n);
    /* the same graph calls jb's journal in the second run */
    char k[3][16];
    uint64_t s = seed ^ 0x5eed;
    key_of(k[0], sizeof k[0], n - 1);
    key_of(k[1], sizeof k[1], rng_range(&s, 0, n - 1));
    key_of(k[2], sizeof k[2], rng_range(&s, n / 2, n - 1));
    const char *keys[3] = {k[0], k[1], k[2]};

    ja.fail = jb.fail = -1;
    outcome a = {0}, b = {0};
    run_once(&rg, &ja, 1, keys, 3, &a);
    assert_int_equal(a.rc, 0);
    if (fail_nth >= 0 && ja.n > 0)
        ja.fail = ja.order[fail_nth % ja.n];
    jb.fail = ja.fail;
    if (ja.fail >= 0) {
        dusk_value_unref(a.out);
        a.out = NULL;
        assert_int_equal(live, 0);
        run_once(&rg, &ja, 1, keys, 3, &a);
    }
    /* A's results, noted and freed, so that both runs start with none alive */
    int akind[3] = {0}, aval[3] = {0};
    for (int i = 0; a.out && i < 3; i++) {
        const dusk_value *x = dusk_tuple_get(a.out, (size_t)i);
        akind[i] = (int)dusk_value_kind(x);
        aval[i] = akind[i] == DUSK_KIND_OPAQUE ? *(int *)dusk_opaque_ptr(x)
                                                : (int)dusk_value_int(x);
    }
    dusk_value_unref(a.out);
    a.out = NULL;
    assert_int_equal(live, 0);
    rg.f.ud = &jb;   /* the graph keeps a pointer to rg.f */
    run_once(&rg, &jb, 0, keys, 3, &b);

    /* the same tasks in the same order, with the same results alive */
    assert_int_equal(jb.n, ja.n);
    for (int i = 0; i < ja.n; i++) {
        if (ja.order[i] != jb.order[i] || ja.live_at[i] != jb.live_at[i])
            fail_msg("seed %" PRIu64 ": call %d: node %d with %d alive (listened) vs "
                     "node %d with %d alive (unheard)", seed, i, ja.order[i],
                     ja.live_at[i], jb.order[i], jb.live_at[i]);
    }
    static int pre[4 * MAXN];
    int m = pre_rec_order(&rg, &ja, pre);
    assert_int_equal(m, ja.n);
    for (int i = 0; i < m; i++)
        assert_int_equal(pre[i], ja.order[i]);

    assert_int_equal(b.rc, a.rc);
    assert_string_equal(b.msg, a.msg);
    if (ja.fail >= 0) {
        assert_int_not_equal(a.rc, 0);
        char want[96];
        snprintf(want, sizeof want, "task 'n%d' (rec) failed: node %d refuses", ja.fail, ja.fail);
        assert_contains(b.msg, want);
        assert_int_equal(jb.order[jb.n - 1], ja.fail);   /* nothing after it */
        assert_null(b.out);
    } else {
        assert_int_equal(b.st.ntasks, a.st.ntasks);
        assert_int_equal(b.st.held_peak, a.st.held_peak);
        assert_int_equal(b.st.held_end, a.st.held_end);
        assert_int_equal(b.st.workers, 1);
        assert_true(b.st.held_peak > 0);
        for (int i = 0; i < 3; i++) {
            const dusk_value *y = dusk_tuple_get(b.out, (size_t)i);
            assert_int_equal(dusk_value_kind(y), akind[i]);
            assert_int_equal(akind[i] == DUSK_KIND_OPAQUE ? *(int *)dusk_opaque_ptr(y)
                                                          : (int)dusk_value_int(y),
                             aval[i]);
        }
    }
    dusk_value_unref(b.out);
    assert_int_equal(live, 0);   /* every result freed, failed run or not */
    dusk_graph_free(rg.g);
}

static void test_same_order_random(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 60; seed++)
        check_graph(seed * 7919, 20 + (int)(seed * 37 % 300), -1);
}

static void test_same_error_random(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 40; seed++)
        check_graph(seed * 104729, 20 + (int)(seed * 53 % 300), (int)(seed * 13));
}

/* The lecture's graph, unheard: its result, and its stats filled. */
static void test_lecture_unheard(void **state)
{
    (void)state;
    dusk_graph *g = lecture_dsk();
    dusk_run_stats st = {0};
    dusk_options opts = {DUSK_SCHED_SYNC, 1, NULL, 0, NULL, &st, 0};
    dusk_value *out = NULL;
    dusk_error err = {0};
    assert_int_equal(dusk_get(g, "z", &opts, &out, &err), 0);
    assert_int_value(out, 13);
    assert_int_equal(st.ntasks, 5);
    assert_int_equal(st.workers, 1);
    assert_int_equal(st.held_end, 8);
    assert_true(st.held_peak >= 16);
    dusk_value_unref(out);
    dusk_graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_same_order_random, reset_alloc),
        cmocka_unit_test_teardown(test_same_error_random, reset_alloc),
        cmocka_unit_test_teardown(test_lecture_unheard, reset_alloc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
