/*
** dusk tests — task graphs (include/dusk/graph.h)
**
** Building with dict semantics (replacement, aliases, nested lists), keys
** (tuple keys, repr, Dask's key_split), validation messages that name keys,
** sticky builder errors, dependency queries, culling and ordering.
*/
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dusk.h"
#include "helpers.h"

static const dusk_options SYNC_OPTS = {DUSK_SCHED_SYNC, 1, NULL, 0, NULL, NULL, 0};

/* Sorted copy of n ids compared with want (a set). */
static void assert_id_set(const int64_t *ids, int64_t n, const int64_t *want,
                          int64_t nwant)
{
    assert_int_equal(n, nwant);
    int64_t a[64], b[64];
    assert_true(n <= 64);
    memcpy(a, ids, (size_t)n * sizeof *a);
    memcpy(b, want, (size_t)n * sizeof *b);
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = i + 1; j < n; j++) {
            if (a[j] < a[i]) { int64_t t = a[i]; a[i] = a[j]; a[j] = t; }
            if (b[j] < b[i]) { int64_t t = b[i]; b[i] = b[j]; b[j] = t; }
        }
    for (int64_t i = 0; i < n; i++)
        assert_int_equal(a[i], b[i]);
}

/* Queries g (dependencies or dependents of id) and compares with a set; the
 * query runs before ids is read. */
#define ASSERT_IDS(which, g, id, ...)                                       \
    do {                                                                     \
        const int64_t *ids_ = NULL;                                          \
        int64_t want_[] = {__VA_ARGS__};                                     \
        int64_t n_ = dusk_graph_##which((g), (id), &ids_);                   \
        assert_id_set(ids_, n_, want_,                                       \
                      (int64_t)(sizeof want_ / sizeof want_[0]));            \
    } while (0)

static int64_t id_of(dusk_graph *g, const char *key)
{
    int64_t id = dusk_graph_find(g, key);
    if (id < 0)
        fail_msg("key %s not found", key);
    return id;
}

static void assert_get_int(dusk_graph *g, const char *key, int64_t want)
{
    dusk_value *out = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    int rc = dusk_get(g, key, &SYNC_OPTS, &out, &err);
    if (rc != 0)
        fail_msg("get %s: %s: %s", key, dusk_err_name(rc), err.msg);
    assert_int_value(out, want);
    dusk_value_unref(out);
}

/* msg must contain the cycle's keys in order, as "'k0' -> 'k1' -> ... ->
 * 'k0'": any rotation, in either direction (dependency or dependent). */
static void assert_cycle_msg(const char *msg, const char *const *cyc, int n)
{
    for (int dir = -1; dir <= 1; dir += 2)
        for (int r = 0; r < n; r++) {
            char cand[512] = "";
            for (int i = 0; i <= n; i++) {
                int k = ((r + dir * i) % n + n) % n;
                size_t l = strlen(cand);
                snprintf(cand + l, sizeof cand - l, "%s'%s'", i ? " -> " : "",
                         cyc[k]);
            }
            if (contains(msg, cand))
                return;
        }
    fail_msg("cycle message \"%s\" does not list the cycle in order", msg);
}

/* --- building and reading ------------------------------------------------- */

static void test_lecture_graph_structure(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_graph *g = lecture_dsk();
    assert_non_null(g);
    assert_int_equal(dusk_graph_status(g, NULL), 0);
    assert_int_equal(dusk_graph_size(g), 5);
    const char *order[] = {"a", "x", "b", "y", "z"};
    for (int i = 0; i < 5; i++) {
        assert_int_equal(dusk_graph_find(g, order[i]), i);
        assert_string_equal(dusk_graph_key(g, i), order[i]);
    }
    assert_int_equal(dusk_graph_find(g, "q"), -1);
    assert_int_equal(dusk_graph_entry_kind(g, 0), DUSK_ENTRY_VALUE);
    assert_int_equal(dusk_graph_entry_kind(g, 2), DUSK_ENTRY_TASK);
    assert_int_value(dusk_graph_literal(g, 0), 1);
    assert_int_value(dusk_graph_literal(g, 1), 10);
    assert_null(dusk_graph_literal(g, 2));
    assert_null(dusk_graph_func(g, 0));
    assert_ptr_equal(dusk_graph_func(g, 2), &dusk_inc);
    assert_ptr_equal(dusk_graph_func(g, 4), &dusk_add);
    assert_string_equal(dusk_graph_func(g, 4)->name, "add");
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_graph_validate(g, &err), 0);
    assert_int_equal(err.code, 0);
    dusk_graph_free(g);
    dusk_graph_free(NULL);
    assert_int_equal(dusk_alloc_live(), live);
}

static void test_lecture_results_sync(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_graph *g = lecture_dsk();
    assert_get_int(g, "z", 13);
    assert_get_int(g, "b", 2);
    assert_get_int(g, "y", 11);
    assert_get_int(g, "a", 1);
    dusk_graph_free(g);
    g = lecture_dsk2();
    assert_get_int(g, "c", 3);
    assert_get_int(g, "d", 6);
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

/* --- keys ----------------------------------------------------------------- */

static void test_key_tuple(void **state)
{
    (void)state;
    char buf[64];
    int64_t idx[3] = {0, 1, 12};
    assert_int_equal(dusk_key_tuple(buf, sizeof buf, "x", 2, idx), 11);
    assert_string_equal(buf, "('x', 0, 1)");
    assert_int_equal(dusk_key_tuple(buf, sizeof buf, "x", 1, idx), 8);
    assert_string_equal(buf, "('x', 0)");
    dusk_key_tuple(buf, sizeof buf, "add-5d3e", 3, idx);
    assert_string_equal(buf, "('add-5d3e', 0, 1, 12)");
    int64_t neg[1] = {-3};
    dusk_key_tuple(buf, sizeof buf, "y", 1, neg);
    assert_string_equal(buf, "('y', -3)");
    /* truncation works like snprintf */
    char small[5];
    assert_int_equal(dusk_key_tuple(small, sizeof small, "x", 2, idx), 11);
    assert_string_equal(small, "('x'");
}

static void test_key_repr(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_graph *g = dusk_graph_new();
    char k[64], buf[64];
    int64_t idx[2] = {0, 3};
    dusk_key_tuple(k, sizeof k, "x", 1, idx);
    assert_int_equal(dusk_graph_value(g, "a", dusk_int(1)), 0);
    assert_int_equal(dusk_graph_value(g, k, dusk_int(2)), 0);
    dusk_key_tuple(k, sizeof k, "x", 2, idx);
    assert_int_equal(dusk_task(g, k, &dusk_inc, dusk_ref("('x', 0)")), 0);

    assert_int_equal(dusk_graph_key_repr(g, 0, buf, sizeof buf), 3);
    assert_string_equal(buf, "'a'");
    assert_int_equal(dusk_graph_key_repr(g, 1, buf, sizeof buf), 8);
    assert_string_equal(buf, "('x', 0)");
    dusk_graph_key_repr(g, 2, buf, sizeof buf);
    assert_string_equal(buf, "('x', 0, 3)");
    assert_string_equal(dusk_graph_key(g, 1), "('x', 0)");
    assert_int_equal(dusk_graph_find(g, "('x', 0, 3)"), 2);

    /* a tuple key can be referenced and computed */
    assert_get_int(g, "('x', 0, 3)", 3);
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

static void test_key_split(void **state)
{
    (void)state;
    /* the doctests of dask.utils.key_split, and a few more */
    static const struct { const char *key, *want; } cases[] = {
        {"x", "x"},
        {"x-1", "x"},
        {"x-1-2-3", "x"},
        {"('x-2', 1)", "x"},
        {"('x', 1)", "x"},
        {"hello-world-1", "hello-world"},
        {"ae05086432ca935f6eba409a8ecd4896", "data"},
        {"<module.submodule.myclass object at 0xdaf372", "myclass"},
        {"x-abcdefab", "x"},           /* an 8-letter hex word is a token */
        {"_(x)", "x"},                 /* strips unpleasant characters */
        {"inc-abc123", "inc"},
        {"('inc-abc123', 0)", "inc"},
        {"('inc-abc123', 0, 1)", "inc"},
        {"add-5d3e2c1f9a8b7c6d5e4f3a2b1c0d9e8f", "add"},
        {"mean_chunk-5d3e2c1f9a8b7c6d5e4f3a2b1c0d9e8f", "mean_chunk"},
        {"('ones-3a7bd3e2360a3d29eea436fcfb7e44c8', 0, 0)", "ones"},
        {"hello-world-abcdefab-x", "hello-world"},
        {"x-zzzzzzzz", "x-zzzzzzzz"}, /* alphabetic, not hex: kept */
        {"x-abc", "x-abc"},
        {"", "Other"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[128];
        memset(buf, 0, sizeof buf);
        size_t len = dusk_key_split(cases[i].key, buf, sizeof buf);
        if (strcmp(buf, cases[i].want) != 0)
            fail_msg("key_split(\"%s\") = \"%s\", want \"%s\"", cases[i].key,
                     buf, cases[i].want);
        assert_int_equal(len, strlen(cases[i].want));
    }
    /* truncation: returns the full length */
    char small[4];
    assert_int_equal(dusk_key_split("hello-world-1", small, sizeof small), 11);
    assert_string_equal(small, "hel");
}

/* --- dict semantics -------------------------------------------------------- */

static void test_key_replacement(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_graph *g = lecture_dsk();
    /* a: 1 -> 5 keeps id 0 and the size */
    assert_int_equal(dusk_graph_value(g, "a", dusk_int(5)), 0);
    assert_int_equal(dusk_graph_size(g), 5);
    assert_int_equal(dusk_graph_find(g, "a"), 0);
    assert_int_value(dusk_graph_literal(g, 0), 5);
    assert_get_int(g, "z", 17);
    /* a value replaced by a task, and a task by a value */
    assert_int_equal(dusk_task(g, "x", &dusk_neg, dusk_lit_int(10)), 0);
    assert_int_equal(dusk_graph_entry_kind(g, 1), DUSK_ENTRY_TASK);
    assert_get_int(g, "z", 6 + -9);
    assert_int_equal(dusk_graph_value(g, "b", dusk_int(100)), 0);
    assert_int_equal(dusk_graph_entry_kind(g, 2), DUSK_ENTRY_VALUE);
    assert_null(dusk_graph_func(g, 2));
    assert_get_int(g, "z", 100 - 9);
    /* dependencies follow the new entry */
    const int64_t *ids;
    assert_int_equal(dusk_graph_dependencies(g, 2, &ids), 0);
    assert_int_equal(dusk_graph_dependents(g, 0, &ids), 0);
    assert_int_equal(dusk_graph_size(g), 5);
    /* a new key gets the next id */
    assert_int_equal(dusk_graph_value(g, "new", dusk_int(0)), 0);
    assert_int_equal(dusk_graph_find(g, "new"), 5);
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

static void test_alias(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_graph *g = lecture_dsk();
    assert_int_equal(dusk_graph_alias(g, "w", "z"), 0);
    assert_int_equal(dusk_graph_alias(g, "v", "w"), 0);
    int64_t w = id_of(g, "w");
    assert_int_equal(dusk_graph_entry_kind(g, w), DUSK_ENTRY_ALIAS);
    assert_null(dusk_graph_func(g, w));
    assert_null(dusk_graph_literal(g, w));
    int64_t z = id_of(g, "z");
    ASSERT_IDS(dependencies, g, w, z);
    ASSERT_IDS(dependents, g, z, w);
    assert_get_int(g, "w", 13);
    assert_get_int(g, "v", 13);
    /* an alias of a value */
    assert_int_equal(dusk_graph_alias(g, "a2", "a"), 0);
    assert_get_int(g, "a2", 1);
    /* and a task that reads through an alias */
    assert_int_equal(dusk_task(g, "u", &dusk_inc, dusk_ref("v")), 0);
    assert_get_int(g, "u", 14);
    dusk_graph_free(g);

    /* an alias to a missing key names both */
    g = dusk_graph_new();
    dusk_graph_alias(g, "p", "nowhere");
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_graph_validate(g, &err), DUSK_EMISSING);
    assert_int_equal(err.code, DUSK_EMISSING);
    assert_contains(err.msg, "'nowhere'");
    assert_contains(err.msg, "'p'");
    dusk_graph_free(g);

    /* an alias cycle */
    g = dusk_graph_new();
    dusk_graph_alias(g, "p", "q");
    dusk_graph_alias(g, "q", "p");
    dusk_error_clear(&err);
    assert_int_equal(dusk_graph_validate(g, &err), DUSK_ECYCLE);
    assert_cycle_msg(err.msg, (const char *[]){"p", "q"}, 2);
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

static void test_nested_lists(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_graph *g = lecture_dsk2();
    /* (sum, ['a', 'b', 3]) */
    assert_int_equal(dusk_task(g, "s", &dusk_sum,
                               dusk_list(dusk_ref("a"), dusk_ref("b"),
                                         dusk_lit_int(3))), 0);
    /* (identity, [['a', 'b'], ['c']]) */
    assert_int_equal(dusk_task(g, "ll", &dusk_identity,
                               dusk_list(dusk_list(dusk_ref("a"), dusk_ref("b")),
                                         dusk_list(dusk_ref("c")))), 0);
    /* (identity, ['c', 'text', [], [[2.5]]]) */
    assert_int_equal(
        dusk_task(g, "mix", &dusk_identity,
                  dusk_list(dusk_ref("c"), dusk_lit_str("text"),
                            dusk_listv(0, NULL),
                            dusk_list(dusk_list(dusk_lit_float(2.5))))), 0);
    /* (sum, []) */
    assert_int_equal(dusk_graph_taskv(g, "empty", &dusk_sum, 1,
                                      (dusk_arg *[]){dusk_listv(0, NULL)}), 0);
    /* (sum, ['c', 'c', 'a']): a key used twice */
    assert_int_equal(dusk_task(g, "rep", &dusk_sum,
                               dusk_list(dusk_ref("c"), dusk_ref("c"),
                                         dusk_ref("a"))), 0);
    assert_int_equal(dusk_graph_status(g, NULL), 0);

    assert_get_int(g, "s", 6);
    assert_get_int(g, "empty", 0);
    assert_get_int(g, "rep", 7);
    dusk_value *out = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_get(g, "ll", &SYNC_OPTS, &out, &err), 0);
    assert_repr(out, "((1, 2), (3,))");
    dusk_value_unref(out);
    out = NULL;
    assert_int_equal(dusk_get(g, "mix", &SYNC_OPTS, &out, &err), 0);
    assert_repr(out, "(3, 'text', (), ((2.5,),))");
    dusk_value_unref(out);

    /* dependencies see through lists, once per key */
    const int64_t *ids;
    int64_t want[3] = {id_of(g, "a"), id_of(g, "b"), id_of(g, "c")};
    ASSERT_IDS(dependencies, g, id_of(g, "ll"), want[0], want[1], want[2]);
    ASSERT_IDS(dependencies, g, id_of(g, "rep"), want[0], want[2]);
    assert_int_equal(dusk_graph_dependencies(g, id_of(g, "empty"), &ids), 0);
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

/* --- validation ------------------------------------------------------------ */

static void test_missing_dependency(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_graph *g = lecture_dsk();
    dusk_task(g, "z", &dusk_add, dusk_ref("b"), dusk_ref("q"));
    assert_int_equal(dusk_graph_status(g, NULL), 0); /* not a builder error */
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_graph_validate(g, &err), DUSK_EMISSING);
    assert_int_equal(err.code, DUSK_EMISSING);
    assert_contains(err.msg, "'q'");
    assert_contains(err.msg, "'z'");
    assert_true(strstr(err.msg, "'q'") < strstr(err.msg, "'z'"));

    dusk_value *out = NULL;
    dusk_error_clear(&err);
    assert_int_equal(dusk_get(g, "z", &SYNC_OPTS, &out, &err), DUSK_EMISSING);
    assert_null(out);
    assert_contains(err.msg, "'q'");
    assert_contains(err.msg, "'z'");
    dusk_error_clear(&err);
    dusk_options th = {DUSK_SCHED_THREADS, 2, NULL, 0, NULL, NULL, 0};
    assert_int_equal(dusk_get(g, "z", &th, &out, &err), DUSK_EMISSING);
    assert_null(out);

    /* queries refuse an invalid graph */
    const int64_t *ids;
    assert_true(dusk_graph_dependencies(g, 4, &ids) < 0);
    assert_true(dusk_graph_dependents(g, 0, &ids) < 0);
    const int64_t *prio;
    assert_int_equal(dusk_graph_order(g, &prio, NULL), DUSK_EMISSING);
    dusk_graph_free(g);

    /* deep in a nested list, and with tuple keys */
    g = dusk_graph_new();
    dusk_graph_value(g, "a", dusk_int(1));
    dusk_task(g, "('x', 0)", &dusk_identity,
              dusk_list(dusk_ref("a"), dusk_list(dusk_list(dusk_ref("('x', 1)")))));
    dusk_error_clear(&err);
    assert_int_equal(dusk_graph_validate(g, &err), DUSK_EMISSING);
    assert_contains(err.msg, "('x', 1)");
    assert_contains(err.msg, "('x', 0)");
    /* tuple keys print as Dask prints them, not quoted as strings */
    if (contains(err.msg, "'('"))
        fail_msg("tuple key quoted like a string key: %s", err.msg);
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

static void test_cycles(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_error err = DUSK_ERROR_INIT;

    /* a -> b -> a */
    dusk_graph *g = dusk_graph_new();
    dusk_task(g, "a", &dusk_inc, dusk_ref("b"));
    dusk_task(g, "b", &dusk_inc, dusk_ref("a"));
    assert_int_equal(dusk_graph_validate(g, &err), DUSK_ECYCLE);
    assert_int_equal(err.code, DUSK_ECYCLE);
    assert_cycle_msg(err.msg, (const char *[]){"a", "b"}, 2);
    dusk_value *out = NULL;
    for (size_t s = 0; s < NSCHEDS; s++) {
        dusk_options o = mkopts(&SCHEDS[s], NULL);
        dusk_error_clear(&err);
        assert_int_equal(dusk_get(g, "a", &o, &out, &err), DUSK_ECYCLE);
        assert_null(out);
        assert_cycle_msg(err.msg, (const char *[]){"a", "b"}, 2);
    }
    const int64_t *ids;
    assert_int_equal(dusk_graph_dependencies(g, 0, &ids), DUSK_ECYCLE);
    dusk_graph_free(g);

    /* a tail into a 3-cycle: z -> p -> q -> r -> p; the tail is not listed */
    g = dusk_graph_new();
    dusk_graph_value(g, "v", dusk_int(1));
    dusk_task(g, "z", &dusk_inc, dusk_ref("p"));
    dusk_task(g, "p", &dusk_add, dusk_ref("v"), dusk_ref("q"));
    dusk_task(g, "q", &dusk_sum, dusk_list(dusk_ref("v"), dusk_ref("r")));
    dusk_task(g, "r", &dusk_inc, dusk_ref("p"));
    dusk_error_clear(&err);
    assert_int_equal(dusk_graph_validate(g, &err), DUSK_ECYCLE);
    assert_cycle_msg(err.msg, (const char *[]){"p", "q", "r"}, 3);
    assert_null(strstr(err.msg, "'z'"));
    assert_null(strstr(err.msg, "'v'"));
    const int64_t *prio;
    dusk_error_clear(&err);
    assert_int_equal(dusk_graph_order(g, &prio, &err), DUSK_ECYCLE);
    dusk_graph_free(g);

    /* a task that needs itself */
    g = dusk_graph_new();
    dusk_task(g, "s", &dusk_inc, dusk_ref("s"));
    dusk_error_clear(&err);
    assert_int_equal(dusk_graph_validate(g, &err), DUSK_ECYCLE);
    assert_contains(err.msg, "'s' -> 's'");
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

static void test_sticky_builder_errors(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_graph *g = dusk_graph_new();
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_graph_value(g, "a", dusk_int(1)), 0);
    assert_int_equal(dusk_graph_status(g, &err), 0);
    assert_int_equal(err.code, 0);

    int rc = dusk_graph_value(g, NULL, dusk_int(2)); /* no key: value dropped */
    assert_true(rc < 0);
    assert_int_equal(dusk_graph_status(g, NULL), rc);
    /* later good calls still work but do not clear the status */
    assert_int_equal(dusk_task(g, "b", &dusk_inc, dusk_ref("a")), 0);
    assert_int_equal(dusk_graph_status(g, NULL), rc);
    /* a second, different failure does not overwrite the first */
    int rc2 = dusk_task(g, "c", NULL, dusk_ref("a")); /* no function */
    assert_true(rc2 < 0);
    rc2 = dusk_task(g, "d", &dusk_inc, NULL);          /* a failed argument */
    assert_true(rc2 < 0);
    rc2 = dusk_graph_value(g, "e", NULL);               /* a failed value */
    assert_true(rc2 < 0);
    rc2 = dusk_graph_alias(g, "f", NULL);
    assert_true(rc2 < 0);
    assert_int_equal(dusk_graph_status(g, &err), rc);
    assert_int_equal(err.code, rc);
    assert_true(strlen(err.msg) > 0);

    /* computing the graph returns the builder's error */
    dusk_value *out = NULL;
    for (size_t s = 0; s < NSCHEDS; s++) {
        dusk_options o = mkopts(&SCHEDS[s], NULL);
        dusk_error_clear(&err);
        assert_int_equal(dusk_get(g, "b", &o, &out, &err), rc);
        assert_null(out);
        assert_int_equal(err.code, rc);
    }
    dusk_graph_free(g);

    /* a list with a failed item is handed over and freed */
    g = dusk_graph_new();
    dusk_graph_value(g, "a", dusk_int(1));
    rc = dusk_task(g, "s", &dusk_sum, dusk_list(dusk_ref("a"), NULL,
                                                dusk_lit_str("leak?")));
    assert_true(rc < 0);
    assert_int_equal(dusk_graph_status(g, NULL), rc);
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

/* --- queries ---------------------------------------------------------------- */

static void test_dependencies_and_dependents(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_graph *g = lecture_dsk();
    const int64_t *ids;
    int64_t a = 0, x = 1, b = 2, y = 3, z = 4;
    ASSERT_IDS(dependencies, g, z, b, y);
    ASSERT_IDS(dependencies, g, b, a);
    ASSERT_IDS(dependencies, g, y, x);
    assert_int_equal(dusk_graph_dependencies(g, a, &ids), 0);
    ASSERT_IDS(dependents, g, a, b);
    ASSERT_IDS(dependents, g, b, z);
    assert_int_equal(dusk_graph_dependents(g, z, &ids), 0);
    /* a dependency used twice counts once */
    dusk_task(g, "aa", &dusk_add, dusk_ref("a"), dusk_ref("a"));
    int64_t aa = id_of(g, "aa");
    ASSERT_IDS(dependencies, g, aa, a);
    ASSERT_IDS(dependents, g, a, b, aa);
    dusk_graph_free(g);

    g = lecture_dsk2();
    int64_t d = id_of(g, "d"), c = id_of(g, "c");
    ASSERT_IDS(dependencies, g, d, 0, 1, c);
    ASSERT_IDS(dependents, g, 0, c, d);
    ASSERT_IDS(dependents, g, c, d);
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

/* Validation lists a task's dependencies once each, in the order its
 * arguments first name them: a few checked against the list so far, many
 * (past 16) by a stamp per task, which must not leak from one task to the
 * next. */
static void test_many_dependencies_listed_once(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_graph *g = dusk_graph_new();
    char key[16];
    for (int i = 0; i < 100; i++) {
        snprintf(key, sizeof key, "k%d", i);
        assert_int_equal(dusk_graph_value(g, key, dusk_int(i)), 0);
    }
    /* wide1: 200 references to 60 keys, the repeats in a nested list;
     * wide2: the same keys again; few: 3 keys named 5 times */
    for (int w = 1; w <= 2; w++) {
        dusk_arg *outer[100], *inner[100];
        for (int i = 0; i < 100; i++) {
            snprintf(key, sizeof key, "k%d", (i * 7 + w) % 60);
            if (i < 99)
                outer[i] = dusk_ref(key);
            snprintf(key, sizeof key, "k%d", (i * 11) % 60);
            inner[i] = dusk_ref(key);
        }
        outer[99] = dusk_listv(100, inner);
        snprintf(key, sizeof key, "wide%d", w);
        assert_int_equal(dusk_graph_taskv(g, key, &dusk_identity, 100, outer), 0);
    }
    assert_int_equal(dusk_task(g, "few", &dusk_identity, dusk_listv(5, (dusk_arg *[]){
        dusk_ref("k3"), dusk_ref("k1"), dusk_ref("k3"), dusk_ref("k2"), dusk_ref("k1")})), 0);
    for (int w = 1; w <= 2; w++) {
        int64_t want[60], nwant = 0;
        int seen[60] = {0};
        for (int i = 0; i < 199; i++) {
            int k = i < 99 ? (i * 7 + w) % 60 : ((i - 99) * 11) % 60;
            if (!seen[k]++)
                want[nwant++] = k;   /* k<i> has id i */
        }
        assert_int_equal(nwant, 60);
        snprintf(key, sizeof key, "wide%d", w);
        const int64_t *ids;
        assert_int_equal(dusk_graph_dependencies(g, id_of(g, key), &ids), 60);
        assert_memory_equal(ids, want, sizeof want);
    }
    ASSERT_IDS(dependencies, g, id_of(g, "few"), 3, 1, 2);
    ASSERT_IDS(dependents, g, 1, id_of(g, "wide1"), id_of(g, "wide2"), id_of(g, "few"));
    ASSERT_IDS(dependents, g, 59, id_of(g, "wide1"), id_of(g, "wide2"));
    const int64_t *ids;
    assert_int_equal(dusk_graph_dependents(g, 60, &ids), 0);
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

static void test_cull(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_graph *g = lecture_dsk();
    dusk_task(g, "unused", &dusk_inc, dusk_ref("z"));
    dusk_task(g, "other", &dusk_neg, dusk_ref("x"));
    int64_t *out = NULL;
    size_t n = 0;
    dusk_error err = DUSK_ERROR_INIT;

    assert_int_equal(dusk_graph_cull(g, (const char *[]){"b"}, 1, &out, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_int_equal(out[0], 0); /* a */
    assert_int_equal(out[1], 2); /* b */
    dusk_free(out);

    assert_int_equal(dusk_graph_cull(g, (const char *[]){"z"}, 1, &out, &n, &err), 0);
    assert_int_equal(n, 5);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(out[i], (int64_t)i); /* increasing id order */
    dusk_free(out);

    /* several keys, with repeats */
    assert_int_equal(dusk_graph_cull(g, (const char *[]){"other", "b", "other", "a"},
                                     4, &out, &n, &err), 0);
    assert_int_equal(n, 4);
    int64_t want[4] = {0, 1, 2, id_of(g, "other")};
    for (size_t i = 0; i < n; i++)
        assert_int_equal(out[i], want[i]);
    dusk_free(out);

    /* unknown key */
    out = NULL;
    assert_int_equal(dusk_graph_cull(g, (const char *[]){"b", "nokey"}, 2, &out,
                                     &n, &err), DUSK_ENOKEY);
    assert_int_equal(err.code, DUSK_ENOKEY);
    assert_contains(err.msg, "'nokey'");
    dusk_error_clear(&err);
    assert_int_equal(dusk_graph_cull(g, (const char *[]){"('nokey', 1)"}, 1, &out,
                                     &n, &err), DUSK_ENOKEY);
    assert_contains(err.msg, "('nokey', 1)");
    if (contains(err.msg, "'('"))
        fail_msg("tuple key quoted like a string key: %s", err.msg);
    dusk_graph_free(g);

    /* culling an alias keeps its target */
    g = lecture_dsk2();
    dusk_graph_alias(g, "w", "c");
    assert_int_equal(dusk_graph_cull(g, (const char *[]){"w"}, 1, &out, &n, &err), 0);
    assert_int_equal(n, 4);
    dusk_free(out);
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

/* --- order ------------------------------------------------------------------ */

/* prio is a permutation of 0..n-1 with every dependency before its
 * dependents. */
static void check_order(dusk_graph *g, const int64_t *prio)
{
    size_t n = dusk_graph_size(g);
    char *seen = calloc(n, 1);
    for (size_t i = 0; i < n; i++) {
        assert_true(prio[i] >= 0 && (size_t)prio[i] < n);
        assert_false(seen[prio[i]]);
        seen[prio[i]] = 1;
    }
    free(seen);
    for (size_t i = 0; i < n; i++) {
        const int64_t *deps;
        int64_t nd = dusk_graph_dependencies(g, (int64_t)i, &deps);
        assert_true(nd >= 0);
        for (int64_t j = 0; j < nd; j++)
            if (prio[deps[j]] >= prio[i])
                fail_msg("dependency %s (prio %lld) not before %s (prio %lld)",
                         dusk_graph_key(g, deps[j]), (long long)prio[deps[j]],
                         dusk_graph_key(g, (int64_t)i), (long long)prio[i]);
    }
}

static void test_order_lecture(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_graph *g1 = lecture_dsk(), *g2 = lecture_dsk();
    const int64_t *p1, *p2;
    assert_int_equal(dusk_graph_order(g1, &p1, NULL), 0);
    check_order(g1, p1);
    assert_int_equal(dusk_graph_order(g2, &p2, NULL), 0);
    assert_memory_equal(p1, p2, 5 * sizeof *p1);  /* deterministic */
    assert_int_equal(p1[4], 4);                    /* z last */
    /* finishing a branch: a and b are adjacent, x and y are adjacent */
    assert_int_equal(p1[2], p1[0] + 1);
    assert_int_equal(p1[3], p1[1] + 1);
    dusk_graph_free(g1);
    dusk_graph_free(g2);
    assert_int_equal(dusk_alloc_live(), live);
}

static void test_order_random_dags(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    for (uint64_t seed = 1; seed <= 40; seed++) {
        rdag r1, r2;
        int n = 5 + (int)(seed * 37 % 200);
        assert_int_equal(rdag_build(&r1, seed, n), 0);
        assert_int_equal(rdag_build(&r2, seed, n), 0);
        const int64_t *p1, *p2;
        assert_int_equal(dusk_graph_order(r1.g, &p1, NULL), 0);
        check_order(r1.g, p1);
        assert_int_equal(dusk_graph_order(r2.g, &p2, NULL), 0);
        assert_memory_equal(p1, p2, (size_t)n * sizeof *p1);
        rdag_free(&r1);
        rdag_free(&r2);
    }
    assert_int_equal(dusk_alloc_live(), live);
}

/* The same graph inserted in another key order gets the same order per
 * key: ties are broken by key, not by id. */
typedef struct spec {
    int op;        /* 0 leaf, 1 add, 2 sum, 3 inc */
    int a, b;      /* operands */
    int m, items[6];
    int64_t lit;
} spec;

static void insert_spec(dusk_graph *g, const spec *sp, int i)
{
    char k[16], a[16], b[16];
    snprintf(k, sizeof k, "n%03d", i);
    snprintf(a, sizeof a, "n%03d", sp->a);
    snprintf(b, sizeof b, "n%03d", sp->b);
    switch (sp->op) {
    case 0:
        dusk_task(g, k, &dusk_identity, dusk_lit_int(sp->lit));
        break;
    case 1:
        dusk_task(g, k, &dusk_add, dusk_ref(a), dusk_ref(b));
        break;
    case 3:
        dusk_task(g, k, &dusk_inc, dusk_ref(a));
        break;
    default: {
        dusk_arg *items[6];
        for (int j = 0; j < sp->m; j++) {
            snprintf(b, sizeof b, "n%03d", sp->items[j]);
            items[j] = dusk_ref(b);
        }
        dusk_task(g, k, &dusk_sum, dusk_listv((size_t)sp->m, items));
    }
    }
}

static void test_order_independent_of_insertion(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    /* the lecture graph, keys set in another order */
    dusk_graph *g1 = lecture_dsk(), *g2 = dusk_graph_new();
    dusk_task(g2, "z", &dusk_add, dusk_ref("b"), dusk_ref("y"));
    dusk_task(g2, "y", &dusk_inc, dusk_ref("x"));
    dusk_task(g2, "b", &dusk_inc, dusk_ref("a"));
    dusk_graph_value(g2, "x", dusk_int(10));
    dusk_graph_value(g2, "a", dusk_int(1));
    const int64_t *p1, *p2;
    assert_int_equal(dusk_graph_order(g1, &p1, NULL), 0);
    assert_int_equal(dusk_graph_order(g2, &p2, NULL), 0);
    const char *keys[] = {"a", "x", "b", "y", "z"};
    for (int i = 0; i < 5; i++)
        assert_int_equal(p1[id_of(g1, keys[i])], p2[id_of(g2, keys[i])]);
    /* b and y tie (paths of equal length): the smaller key goes first */
    assert_true(p1[id_of(g1, "b")] < p1[id_of(g1, "y")]);
    dusk_graph_free(g1);
    dusk_graph_free(g2);

    for (uint64_t seed = 1; seed <= 20; seed++) {
        uint64_t s = seed;
        int n = 10 + (int)(seed * 13 % 90);
        spec *sp = calloc((size_t)n, sizeof *sp);
        for (int i = 0; i < n; i++) {
            sp[i].op = i < 3 ? 0 : rng_range(&s, 0, 3);
            sp[i].lit = rng_range(&s, 0, 9);
            if (i) {
                sp[i].a = rdag_pick(&s, i);
                sp[i].b = rdag_pick(&s, i);
                sp[i].m = rng_range(&s, 1, 6);
                for (int j = 0; j < sp[i].m; j++)
                    sp[i].items[j] = rdag_pick(&s, i);
            }
        }
        int *perm = malloc((size_t)n * sizeof *perm);
        for (int i = 0; i < n; i++)
            perm[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = (int)(rng_next(&s) % (uint64_t)(i + 1)), t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        g1 = dusk_graph_new();
        g2 = dusk_graph_new();
        for (int i = 0; i < n; i++) {
            insert_spec(g1, &sp[i], i);
            insert_spec(g2, &sp[perm[i]], perm[i]);
        }
        assert_int_equal(dusk_graph_status(g1, NULL), 0);
        assert_int_equal(dusk_graph_status(g2, NULL), 0);
        assert_int_equal(dusk_graph_order(g1, &p1, NULL), 0);
        assert_int_equal(dusk_graph_order(g2, &p2, NULL), 0);
        check_order(g1, p1);
        for (int i = 0; i < n; i++) {
            char k[16];
            snprintf(k, sizeof k, "n%03d", i);
            if (p1[id_of(g1, k)] != p2[id_of(g2, k)])
                fail_msg("seed %llu: %s has priority %lld or %lld depending "
                         "on insertion order", (unsigned long long)seed, k,
                         (long long)p1[id_of(g1, k)],
                         (long long)p2[id_of(g2, k)]);
        }
        dusk_graph_free(g1);
        dusk_graph_free(g2);
        free(perm);
        free(sp);
    }
    assert_int_equal(dusk_alloc_live(), live);
}

/* Two chains joined at the end: each chain runs without interruption, the
 * longer one first (the critical path), whatever the keys and insertion
 * order say. */
static void test_order_finishes_branches_longest_first(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_graph *g = dusk_graph_new();
    /* short chain a0..a1 (keys sort first), long chain b0..b5, interleaved */
    char k[16], prev[16];
    for (int i = 0; i < 6; i++) {
        if (i < 2) {
            snprintf(k, sizeof k, "a%d", i);
            snprintf(prev, sizeof prev, "a%d", i - 1);
            if (i == 0)
                dusk_task(g, k, &dusk_identity, dusk_lit_int(1));
            else
                dusk_task(g, k, &dusk_inc, dusk_ref(prev));
        }
        snprintf(k, sizeof k, "b%d", i);
        snprintf(prev, sizeof prev, "b%d", i - 1);
        if (i == 0)
            dusk_task(g, k, &dusk_identity, dusk_lit_int(1));
        else
            dusk_task(g, k, &dusk_inc, dusk_ref(prev));
    }
    dusk_task(g, "z", &dusk_add, dusk_ref("a1"), dusk_ref("b5"));
    assert_int_equal(dusk_graph_status(g, NULL), 0);
    const int64_t *p;
    assert_int_equal(dusk_graph_order(g, &p, NULL), 0);
    check_order(g, p);
    int64_t b0 = p[id_of(g, "b0")];
    for (int i = 0; i < 6; i++) {
        snprintf(k, sizeof k, "b%d", i);
        assert_int_equal(p[id_of(g, k)], b0 + i);
    }
    assert_int_equal(b0, 0);
    assert_int_equal(p[id_of(g, "a1")], p[id_of(g, "a0")] + 1);
    assert_int_equal(p[id_of(g, "a0")], 6);
    assert_int_equal(p[id_of(g, "z")], 8);
    assert_get_int(g, "z", 8);
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

/* Building by handles: the same graph as by key text, references set
 * before their keys, lists, replacement; refusals name what is wrong and
 * release what the task was given (reset_alloc checks the live blocks). */
static void test_build_by_handles(void **state)
{
    (void)state;
    dusk_graph *g = dusk_graph_new();
    int64_t hz = dusk_graph_handle(g, "z"), hb = dusk_graph_handle(g, "b");
    int64_t ha = dusk_graph_handle(g, "a");
    assert_true(hz >= 0 && hb >= 0 && ha >= 0 && hz != hb && hb != ha);
    assert_int_equal(dusk_graph_handle(g, "b"), hb);   /* one handle per text */
    /* z = add(b, 10) set before b and a: references are resolved later */
    assert_int_equal(dusk_graph_task_h(g, hz, &dusk_add, 2, (dusk_harg[]){
                         {.kind = DUSK_HARG_KEY, .u.key = hb},
                         {.kind = DUSK_HARG_LIT, .u.lit = dusk_int(10)}}), 0);
    assert_int_equal(dusk_graph_task_h(g, hb, &dusk_inc, 1, (dusk_harg[]){
                         {.kind = DUSK_HARG_KEY, .u.key = ha}}), 0);
    assert_int_equal(dusk_graph_value(g, "a", dusk_int(1)), 0);
    assert_int_equal(dusk_graph_size(g), 3);
    assert_int_equal(dusk_graph_find(g, "z"), 0);   /* task ids: the order keys were set */
    assert_string_equal(dusk_graph_key(g, 1), "b");
    assert_get_int(g, "z", 12);
    /* a list argument (a dusk_arg), and the key of a handle set again */
    int64_t hs = dusk_graph_handle(g, "s");
    assert_int_equal(dusk_graph_task_h(g, hs, &dusk_sum, 1, (dusk_harg[]){
                         {.kind = DUSK_HARG_ARG, .u.arg = dusk_list(dusk_ref("a"), dusk_ref("z"),
                                                                    dusk_lit_int(100))}}), 0);
    assert_get_int(g, "s", 113);
    assert_int_equal(dusk_graph_task_h(g, hz, &dusk_inc, 1, (dusk_harg[]){
                         {.kind = DUSK_HARG_KEY, .u.key = ha}}), 0);
    assert_get_int(g, "s", 103);
    assert_int_equal(dusk_graph_size(g), 4);
    assert_int_equal(dusk_graph_status(g, NULL), 0);

    /* a handle no key has, as the task's key or an argument */
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_graph_task_h(g, 99, &dusk_inc, 1, (dusk_harg[]){
                         {.kind = DUSK_HARG_LIT, .u.lit = dusk_int(1)}}), DUSK_EINVAL);
    assert_int_equal(dusk_graph_status(g, &err), DUSK_EINVAL);
    assert_non_null(strstr(err.msg, "no key has handle 99"));
    dusk_graph_free(g);
    g = dusk_graph_new();
    hb = dusk_graph_handle(g, "b");
    assert_int_equal(dusk_graph_task_h(g, hb, &dusk_add, 2, (dusk_harg[]){
                         {.kind = DUSK_HARG_LIT, .u.lit = dusk_int(1)},
                         {.kind = DUSK_HARG_KEY, .u.key = -3}}), DUSK_EINVAL);
    assert_int_equal(dusk_graph_status(g, &err), DUSK_EINVAL);
    assert_non_null(strstr(err.msg, "no key has handle -3"));
    assert_int_equal(dusk_graph_size(g), 0);
    dusk_graph_free(g);
    /* a literal whose constructor failed; an unknown kind; too deep */
    g = dusk_graph_new();
    hb = dusk_graph_handle(g, "b");
    assert_int_equal(dusk_graph_task_h(g, hb, &dusk_add, 2, (dusk_harg[]){
                         {.kind = DUSK_HARG_ARG, .u.arg = dusk_ref("a")},
                         {.kind = DUSK_HARG_LIT, .u.lit = NULL}}), DUSK_ENOMEM);
    assert_int_equal(dusk_graph_status(g, &err), DUSK_ENOMEM);
    assert_non_null(strstr(err.msg, "'b'"));
    dusk_graph_free(g);
    g = dusk_graph_new();
    hb = dusk_graph_handle(g, "b");
    assert_int_equal(dusk_graph_task_h(g, hb, &dusk_inc, 2, (dusk_harg[]){
                         {.kind = DUSK_HARG_LIT, .u.lit = dusk_int(1)},
                         {.kind = (dusk_harg_kind)7}}), DUSK_EINVAL);
    dusk_graph_free(g);
    g = dusk_graph_new();
    hb = dusk_graph_handle(g, "b");
    dusk_arg *deep = dusk_lit_int(1);
    for (int i = 0; i <= DUSK_MAX_DEPTH && deep; i++)
        deep = dusk_list(deep);
    assert_int_equal(dusk_graph_task_h(g, hb, &dusk_inc, 2, (dusk_harg[]){
                         {.kind = DUSK_HARG_LIT, .u.lit = dusk_int(1)},
                         {.kind = DUSK_HARG_ARG, .u.arg = deep}}), DUSK_EINVAL);
    assert_int_equal(dusk_graph_status(g, &err), DUSK_EINVAL);
    assert_non_null(strstr(err.msg, "argument 1 of key 'b' nests deeper"));
    dusk_graph_free(g);
}

/* dusk_graph_handles gives the handles dusk_graph_handle gives, in groups
 * and across them, repeats included; a NULL key stops it with the keys
 * before it interned, and is the graph's error, naming the key's place. */
static void test_handles_at_once(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    enum { N = 100 };
    char text[N][16];
    const char *keys[N];
    int64_t got[N];
    for (int i = 0; i < N; i++) {
        snprintf(text[i], sizeof text[i], "k-%d", i % 37);   /* repeats, across groups */
        keys[i] = text[i];
    }
    dusk_graph *g = dusk_graph_new(), *one = dusk_graph_new();
    assert_int_equal(dusk_graph_handle(g, "k-5"), 0);        /* known before */
    assert_int_equal(dusk_graph_handle(one, "k-5"), 0);
    assert_int_equal(dusk_graph_handles(g, N, keys, got), 0);
    for (int i = 0; i < N; i++)
        assert_int_equal(got[i], dusk_graph_handle(one, keys[i]));
    assert_int_equal(dusk_graph_handles(g, 0, NULL, NULL), 0);   /* nothing to do */
    assert_int_equal(dusk_graph_status(g, NULL), 0);
    /* handles set tasks: the text is the key's */
    assert_int_equal(dusk_graph_task_h(g, got[1], &dusk_inc, 1, (dusk_harg[]){
        {.kind = DUSK_HARG_LIT, .u.lit = dusk_int(1)}}), 0);
    assert_string_equal(dusk_graph_key(g, dusk_graph_find(g, "k-1")), "k-1");
    dusk_graph_free(one);

    for (int i = 0; i < N; i++)
        got[i] = -7;
    const char *fresh[N];
    char ftext[N][16];
    for (int i = 0; i < N; i++) {
        snprintf(ftext[i], sizeof ftext[i], "new-%d", i);
        fresh[i] = i == 40 ? NULL : ftext[i];
    }
    size_t before = (size_t)dusk_graph_handle(g, "probe");
    assert_int_equal(dusk_graph_handles(g, N, fresh, got), DUSK_EINVAL);
    for (int i = 0; i < 40; i++)
        assert_int_equal(got[i], (int64_t)before + 1 + i);
    assert_int_equal(got[40], -7);
    assert_true(dusk_graph_handle(g, "new-41") > (int64_t)before + 40);   /* not interned before */
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_graph_status(g, &err), DUSK_EINVAL);
    assert_string_equal(err.msg, "dusk_graph_handles: keys[40] is NULL");
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

/* A graph with room reserved for its keys sets them without allocating:
 * with every allocation failing, 2,000 keys (the first made the key text's
 * page) go in; past the room it grows again; a reserve that cannot be
 * made leaves the graph working and its status clear. */
static void test_reserve(void **state)
{
    (void)state;
    dusk_graph *g = dusk_graph_new();
    assert_int_equal(dusk_graph_reserve(g, 2000), 0);
    assert_int_equal(dusk_graph_reserve(g, 10), 0);   /* less than there is room for */
    assert_int_equal(dusk_graph_value(g, "k0", dusk_none()), 0);
    dusk_alloc_fail_after(0);
    char key[32];
    for (int i = 1; i < 2000; i++) {
        snprintf(key, sizeof key, "k%d", i);
        if (dusk_graph_value(g, key, dusk_none()) != 0)
            fail_msg("key %d of 2000 reserved needed an allocation", i);
    }
    assert_int_equal(dusk_graph_value(g, "k2000", dusk_none()), DUSK_ENOMEM);
    dusk_alloc_fail_after(-1);
    dusk_graph_free(g);

    g = dusk_graph_new();
    assert_int_equal(dusk_graph_value(g, "a", dusk_int(1)), 0);
    assert_int_equal(dusk_graph_reserve(g, (size_t)UINT32_MAX), DUSK_EINVAL);
    dusk_alloc_fail_after(0);
    assert_int_equal(dusk_graph_reserve(g, 100000), DUSK_ENOMEM);
    dusk_alloc_fail_after(-1);
    assert_int_equal(dusk_graph_status(g, NULL), 0);
    assert_int_equal(dusk_task(g, "b", &dusk_inc, dusk_ref("a")), 0);
    for (int i = 0; i < 5000; i++) {   /* grows past the room, as without it */
        snprintf(key, sizeof key, "x%d", i);
        assert_int_equal(dusk_task(g, key, &dusk_inc, dusk_ref("b")), 0);
    }
    assert_get_int(g, "x4999", 3);
    assert_int_equal(dusk_graph_size(g), 5002);
    dusk_graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_lecture_graph_structure, reset_alloc),
        cmocka_unit_test_teardown(test_lecture_results_sync, reset_alloc),
        cmocka_unit_test_teardown(test_key_tuple, reset_alloc),
        cmocka_unit_test_teardown(test_key_repr, reset_alloc),
        cmocka_unit_test_teardown(test_key_split, reset_alloc),
        cmocka_unit_test_teardown(test_key_replacement, reset_alloc),
        cmocka_unit_test_teardown(test_alias, reset_alloc),
        cmocka_unit_test_teardown(test_build_by_handles, reset_alloc),
        cmocka_unit_test_teardown(test_reserve, reset_alloc),
        cmocka_unit_test_teardown(test_handles_at_once, reset_alloc),
        cmocka_unit_test_teardown(test_nested_lists, reset_alloc),
        cmocka_unit_test_teardown(test_missing_dependency, reset_alloc),
        cmocka_unit_test_teardown(test_cycles, reset_alloc),
        cmocka_unit_test_teardown(test_sticky_builder_errors, reset_alloc),
        cmocka_unit_test_teardown(test_dependencies_and_dependents, reset_alloc),
        cmocka_unit_test_teardown(test_many_dependencies_listed_once, reset_alloc),
        cmocka_unit_test_teardown(test_cull, reset_alloc),
        cmocka_unit_test_teardown(test_order_lecture, reset_alloc),
        cmocka_unit_test_teardown(test_order_random_dags, reset_alloc),
        cmocka_unit_test_teardown(test_order_independent_of_insertion,
                                  reset_alloc),
        cmocka_unit_test_teardown(test_order_finishes_branches_longest_first,
                                  reset_alloc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
