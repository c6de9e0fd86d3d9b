/*
** dusk tests — builtin task functions (include/dusk/builtins.h)
**
** Python's number rules (bool and int stay int, a float makes a float),
** sum of a list, sleep, type errors with messages, lookup by name and
** registration of user functions.
*/
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dusk.h"
#include "helpers.h"

/* Calls f on the given arguments (stolen) and returns its code; *out gets
 * the result (NULL on failure). */
static int call(const dusk_func *f, dusk_value **out, dusk_error *err,
                size_t n, dusk_value **args)
{
    *out = NULL;
    dusk_error_clear(err);
    int rc = f->fn(args, n, out, err, f->ud);
    for (size_t i = 0; i < n; i++)
        dusk_value_unref(args[i]);
    return rc;
}
#define CALL(f, out, err, ...)                                               \
    call((f), (out), (err),                                                  \
         sizeof((dusk_value *[]){__VA_ARGS__}) / sizeof(dusk_value *),      \
         (dusk_value *[]){__VA_ARGS__})

/* f(args) must succeed with a value whose repr is want and whose kind is
 * kind. */
#define EXPECT(f, kind, want, ...)                                           \
    do {                                                                     \
        dusk_value *o_;                                                      \
        dusk_error e_ = DUSK_ERROR_INIT;                                     \
        int rc_ = CALL((f), &o_, &e_, __VA_ARGS__);                          \
        if (rc_ != 0)                                                        \
            fail_msg("%s failed: %s %s", (f)->name, dusk_err_name(rc_),     \
                     e_.msg);                                                \
        assert_int_equal(dusk_value_kind(o_), (kind));                       \
        assert_repr(o_, (want));                                             \
        dusk_value_unref(o_);                                                \
    } while (0)

/* f(args) must fail with code, leave *out NULL and say why. */
#define EXPECT_FAIL(f, code, ...)                                            \
    do {                                                                     \
        dusk_value *o_;                                                      \
        dusk_error e_ = DUSK_ERROR_INIT;                                     \
        int rc_ = CALL((f), &o_, &e_, __VA_ARGS__);                          \
        assert_int_equal(rc_, (code));                                       \
        assert_null(o_);                                                     \
        assert_true(strlen(e_.msg) > 0);                                     \
    } while (0)

static dusk_value *tup(size_t n, dusk_value **items)
{
    return dusk_tuple_of(n, items);
}
#define TUP(...)                                                             \
    tup(sizeof((dusk_value *[]){__VA_ARGS__}) / sizeof(dusk_value *),       \
        (dusk_value *[]){__VA_ARGS__})

static void test_inc_neg(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    EXPECT(&dusk_inc, DUSK_KIND_INT, "2", dusk_int(1));
    EXPECT(&dusk_inc, DUSK_KIND_INT, "0", dusk_int(-1));
    EXPECT(&dusk_inc, DUSK_KIND_FLOAT, "3.5", dusk_float(2.5));
    EXPECT(&dusk_inc, DUSK_KIND_INT, "2", dusk_bool(true));
    EXPECT(&dusk_neg, DUSK_KIND_INT, "-3", dusk_int(3));
    EXPECT(&dusk_neg, DUSK_KIND_INT, "-1", dusk_bool(true));
    EXPECT(&dusk_neg, DUSK_KIND_INT, "0", dusk_bool(false));
    EXPECT(&dusk_neg, DUSK_KIND_FLOAT, "2.5", dusk_float(-2.5));
    /* -INT64_MIN is past int64: said with the number the user wrote, and
     * the float to write instead (it said "0 - -9223372036854775808",
     * "as 0.0") */
    dusk_value *o = NULL;
    dusk_error e = DUSK_ERROR_INIT;
    assert_int_equal(CALL(&dusk_neg, &o, &e, dusk_int(INT64_MIN)), DUSK_EINVAL);
    assert_null(o);
    assert_string_equal(e.msg, "neg: -(-9223372036854775808) is beyond 64-bit integers (dusk's "
                               "integers are C's int64, not Python's; write a float, as "
                               "-9223372036854775808.0, to compute in floats)");
    assert_int_equal(dusk_alloc_live(), live);
}

static void test_add_sub_mul(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    EXPECT(&dusk_add, DUSK_KIND_INT, "3", dusk_int(1), dusk_int(2));
    EXPECT(&dusk_add, DUSK_KIND_INT, "13", dusk_int(2), dusk_int(11));
    EXPECT(&dusk_add, DUSK_KIND_FLOAT, "3.5", dusk_int(1), dusk_float(2.5));
    EXPECT(&dusk_add, DUSK_KIND_FLOAT, "3.5", dusk_float(2.5), dusk_int(1));
    EXPECT(&dusk_add, DUSK_KIND_INT, "2", dusk_bool(true), dusk_bool(true));
    EXPECT(&dusk_add, DUSK_KIND_INT, "6", dusk_bool(true), dusk_int(5));
    EXPECT(&dusk_add, DUSK_KIND_FLOAT, "1.5", dusk_bool(true), dusk_float(0.5));
    EXPECT(&dusk_sub, DUSK_KIND_INT, "-2", dusk_int(5), dusk_int(7));
    EXPECT(&dusk_sub, DUSK_KIND_FLOAT, "4.5", dusk_int(5), dusk_float(0.5));
    EXPECT(&dusk_sub, DUSK_KIND_INT, "0", dusk_bool(true), dusk_bool(true));
    EXPECT(&dusk_mul, DUSK_KIND_INT, "12", dusk_int(3), dusk_int(4));
    EXPECT(&dusk_mul, DUSK_KIND_INT, "-12", dusk_int(-3), dusk_int(4));
    EXPECT(&dusk_mul, DUSK_KIND_FLOAT, "1.0", dusk_int(2), dusk_float(0.5));
    EXPECT(&dusk_mul, DUSK_KIND_INT, "0", dusk_bool(false), dusk_int(9));
    EXPECT(&dusk_mul, DUSK_KIND_INT, "1000000000000", dusk_int(1000000),
           dusk_int(1000000));
    assert_int_equal(dusk_alloc_live(), live);
}

/* add and inc take ints held in the pointer (|i| < 2^62) on a path of
 * their own: sums at its edges leave it for a boxed int, exactly; past
 * int64 every integer builtin fails, naming the operands (it wrapped
 * around: inc of INT64_MAX gave INT64_MIN). */
static void test_int_edges(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    const int64_t top = ((int64_t)1 << 62) - 1, bottom = -((int64_t)1 << 62);
    EXPECT(&dusk_inc, DUSK_KIND_INT, "4611686018427387903", dusk_int(top - 1));
    EXPECT(&dusk_inc, DUSK_KIND_INT, "4611686018427387904", dusk_int(top));
    EXPECT(&dusk_inc, DUSK_KIND_INT, "-4611686018427387903", dusk_int(bottom));
    EXPECT_FAIL(&dusk_inc, DUSK_EINVAL, dusk_int(INT64_MAX));
    EXPECT(&dusk_add, DUSK_KIND_INT, "4611686018427387904", dusk_int(top), dusk_int(1));
    EXPECT(&dusk_add, DUSK_KIND_INT, "-4611686018427387905", dusk_int(bottom), dusk_int(-1));
    EXPECT(&dusk_add, DUSK_KIND_INT, "9223372036854775806", dusk_int(top), dusk_int(top));
    EXPECT(&dusk_add, DUSK_KIND_INT, "-9223372036854775808", dusk_int(bottom),
           dusk_int(bottom));
    EXPECT(&dusk_add, DUSK_KIND_INT, "-1", dusk_int(bottom), dusk_int(top));
    EXPECT_FAIL(&dusk_add, DUSK_EINVAL, dusk_int(INT64_MAX), dusk_int(1));
    EXPECT_FAIL(&dusk_sub, DUSK_EINVAL, dusk_int(INT64_MIN), dusk_int(1));
    EXPECT_FAIL(&dusk_mul, DUSK_EINVAL, dusk_int((int64_t)1 << 62), dusk_int(2));
    EXPECT_FAIL(&dusk_neg, DUSK_EINVAL, dusk_int(INT64_MIN));
    EXPECT(&dusk_mul, DUSK_KIND_INT, "-9223372036854775808", dusk_int((int64_t)1 << 62),
           dusk_int(-2));
    EXPECT(&dusk_sub, DUSK_KIND_INT, "-9223372036854775808", dusk_int(INT64_MIN + 1), dusk_int(1));
    EXPECT(&dusk_neg, DUSK_KIND_INT, "-9223372036854775807", dusk_int(INT64_MAX));
    {   /* sum: the message names the item where it went past */
        dusk_value *o = NULL;
        dusk_error e = DUSK_ERROR_INIT;
        assert_int_equal(CALL(&dusk_sum, &o, &e,
                              TUP(dusk_int(INT64_MAX - 1), dusk_int(1), dusk_int(1))),
                         DUSK_EINVAL);
        assert_null(o);
        assert_non_null(strstr(e.msg, "item 2"));
        EXPECT(&dusk_sum, DUSK_KIND_INT, "9223372036854775807",
               TUP(dusk_int(INT64_MAX - 1), dusk_int(1), dusk_int(0)));
    }
    EXPECT(&dusk_add, DUSK_KIND_INT, "4611686018427387903", dusk_int(top + 1), dusk_int(-1));
    /* what the sum gives stays the same value whichever path made it */
    dusk_value *a = NULL, *b = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(CALL(&dusk_add, &a, &err, dusk_int(top), dusk_int(1)), 0);
    assert_int_equal(CALL(&dusk_inc, &b, &err, dusk_int(top)), 0);
    assert_true(dusk_value_equal(a, b));
    assert_int_equal(dusk_value_int(a), top + 1);
    dusk_value_unref(a);
    dusk_value_unref(b);
    assert_int_equal(dusk_alloc_live(), live);
}

static void test_sum(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    EXPECT(&dusk_sum, DUSK_KIND_INT, "6", TUP(dusk_int(1), dusk_int(2), dusk_int(3)));
    EXPECT(&dusk_sum, DUSK_KIND_INT, "0", dusk_tuple_new(0));
    EXPECT(&dusk_sum, DUSK_KIND_FLOAT, "3.5",
           TUP(dusk_int(1), dusk_float(0.5), dusk_int(2)));
    EXPECT(&dusk_sum, DUSK_KIND_INT, "2", TUP(dusk_bool(true), dusk_bool(true)));
    EXPECT(&dusk_sum, DUSK_KIND_INT, "7", TUP(dusk_int(7)));
    assert_int_equal(dusk_alloc_live(), live);
}

static void test_identity(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    EXPECT(&dusk_identity, DUSK_KIND_STRING, "'text'", dusk_string("text"));
    EXPECT(&dusk_identity, DUSK_KIND_NONE, "None", dusk_none());
    EXPECT(&dusk_identity, DUSK_KIND_TUPLE, "(1, (2.5,))",
           TUP(dusk_int(1), TUP(dusk_float(2.5))));
    /* the result is a reference to the very input (or an equal value) */
    dusk_value *in = dusk_int(42), *out = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_identity.fn(&in, 1, &out, &err, dusk_identity.ud), 0);
    assert_true(dusk_value_equal(in, out));
    dusk_value_unref(in);
    assert_int_value(out, 42); /* still alive: it owns its reference */
    dusk_value_unref(out);
    assert_int_equal(dusk_alloc_live(), live);
}

static void test_sleep(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    uint64_t t0 = now_ns();
    EXPECT(&dusk_sleep, DUSK_KIND_STRING, "'x'", dusk_int(20), dusk_string("x"));
    uint64_t dt = now_ns() - t0;
    assert_true(dt >= 19000000ull);
    assert_true(dt < 2000000000ull);
    t0 = now_ns();
    EXPECT(&dusk_sleep, DUSK_KIND_NONE, "None", dusk_int(5));
    assert_true(now_ns() - t0 >= 4000000ull);
    EXPECT(&dusk_sleep, DUSK_KIND_INT, "7", dusk_int(0), dusk_int(7));
    EXPECT(&dusk_sleep, DUSK_KIND_INT, "3", dusk_float(1.5), dusk_int(3));
    assert_int_equal(dusk_alloc_live(), live);
}

static void test_type_errors(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    EXPECT_FAIL(&dusk_inc, DUSK_ETYPE, dusk_string("a"));
    EXPECT_FAIL(&dusk_inc, DUSK_ETYPE, dusk_none());
    EXPECT_FAIL(&dusk_neg, DUSK_ETYPE, TUP(dusk_int(1)));
    EXPECT_FAIL(&dusk_add, DUSK_ETYPE, dusk_int(1), dusk_none());
    EXPECT_FAIL(&dusk_add, DUSK_ETYPE, dusk_string("a"), dusk_string("b"));
    EXPECT_FAIL(&dusk_sub, DUSK_ETYPE, dusk_int(1), dusk_string("b"));
    EXPECT_FAIL(&dusk_mul, DUSK_ETYPE, TUP(dusk_int(1)), dusk_int(2));
    EXPECT_FAIL(&dusk_sum, DUSK_ETYPE, dusk_int(5));           /* not a list */
    EXPECT_FAIL(&dusk_sum, DUSK_ETYPE, TUP(dusk_int(1), dusk_string("a")));
    EXPECT_FAIL(&dusk_sleep, DUSK_ETYPE, dusk_string("soon"), dusk_int(1));

    /* the message says which types */
    dusk_value *o;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(CALL(&dusk_add, &o, &err, dusk_int(1), dusk_string("b")),
                     DUSK_ETYPE);
    assert_int_equal(err.code, DUSK_ETYPE);
    assert_contains(err.msg, "str"); /* "string" or Python's "str" */
    /* and what the value is: a misspelled key of a graph arrives as text */
    assert_string_equal(err.msg, "add: expected a number, got string 'b'");
    assert_int_equal(CALL(&dusk_inc, &o, &err, dusk_none()), DUSK_ETYPE);
    assert_string_equal(err.msg, "inc: expected a number, got None");
    assert_int_equal(CALL(&dusk_mul, &o, &err, TUP(dusk_int(1), dusk_int(2)), dusk_int(2)),
                     DUSK_ETYPE);
    /* a tuple argument is what a graph's user wrote as a list */
    assert_string_equal(err.msg, "mul: expected a number, got list [1, 2]");
    assert_int_equal(dusk_alloc_live(), live);
}

static void test_wrong_arity(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    const dusk_func *fs[] = {&dusk_inc, &dusk_neg, &dusk_add, &dusk_sub,
                             &dusk_mul, &dusk_sum};
    for (size_t i = 0; i < sizeof fs / sizeof fs[0]; i++) {
        dusk_value *o = NULL;
        dusk_error err = DUSK_ERROR_INIT;
        int rc = fs[i]->fn(NULL, 0, &o, &err, fs[i]->ud);
        assert_true(rc < 0);
        assert_null(o);
        /* one too many */
        dusk_value *args[3] = {dusk_int(1), dusk_int(2), dusk_int(3)};
        size_t n = (fs[i] == &dusk_add || fs[i] == &dusk_sub ||
                    fs[i] == &dusk_mul) ? 3 : 2;
        rc = call(fs[i], &o, &err, n, args);
        assert_true(rc < 0);
        assert_null(o);
        if (n == 2)
            dusk_value_unref(args[2]);
    }
    assert_int_equal(dusk_alloc_live(), live);
}

static void test_lookup(void **state)
{
    (void)state;
    static const struct { const char *name; const dusk_func *f; } cases[] = {
        {"inc", &dusk_inc}, {"add", &dusk_add}, {"sub", &dusk_sub},
        {"mul", &dusk_mul}, {"neg", &dusk_neg}, {"sum", &dusk_sum},
        {"identity", &dusk_identity}, {"sleep", &dusk_sleep},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_ptr_equal(dusk_func_lookup(cases[i].name), cases[i].f);
        assert_string_equal(cases[i].f->name, cases[i].name);
        assert_non_null(cases[i].f->fn);
    }
    assert_null(dusk_func_lookup("nope"));
    assert_null(dusk_func_lookup(""));
    assert_null(dusk_func_lookup("Inc"));
}

static int square_fn(dusk_value *const *args, size_t nargs, dusk_value **out,
                     dusk_error *err, void *ud)
{
    int64_t *calls = ud;
    (*calls)++;
    if (nargs != 1 || dusk_value_kind(args[0]) != DUSK_KIND_INT)
        return dusk_error_set(err, DUSK_ETYPE, "square wants one int");
    int64_t v = dusk_value_int(args[0]);
    *out = dusk_int(v * v);
    return *out ? 0 : DUSK_ENOMEM;
}

static int64_t square_calls;
static const dusk_func square = {"test_square", square_fn, &square_calls};
static const dusk_func square2 = {"test_square", square_fn, NULL};
static const dusk_func fake_inc = {"inc", square_fn, NULL};

static void test_register(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    assert_null(dusk_func_lookup("test_square"));
    assert_int_equal(dusk_func_register(&square), 0);
    assert_ptr_equal(dusk_func_lookup("test_square"), &square);
    /* the name is taken by another function */
    assert_int_equal(dusk_func_register(&square2), DUSK_EINVAL);
    assert_int_equal(dusk_func_register(&fake_inc), DUSK_EINVAL);
    assert_ptr_equal(dusk_func_lookup("test_square"), &square);
    assert_ptr_equal(dusk_func_lookup("inc"), &dusk_inc);

    /* keys: a function shown as "inc" registers under a key of its own,
     * and is found (and travels) by that key */
    assert_null(dusk_func_key(&fake_inc));
    assert_int_equal(dusk_func_register_as("test.inc", &fake_inc), 0);
    assert_int_equal(dusk_func_register_as("test.inc", &fake_inc), 0);   /* again: fine */
    assert_int_equal(dusk_func_register_as("test.inc", &square2), DUSK_EINVAL);
    assert_int_equal(dusk_func_register_as("", &square2), DUSK_EINVAL);
    assert_int_equal(dusk_func_register_as(NULL, &square2), DUSK_EINVAL);
    assert_ptr_equal(dusk_func_lookup("test.inc"), &fake_inc);
    assert_ptr_equal(dusk_func_lookup("inc"), &dusk_inc);
    assert_string_equal(dusk_func_key(&fake_inc), "test.inc");
    assert_string_equal(dusk_func_key(&square), "test_square");
    assert_string_equal(dusk_func_key(&dusk_inc), "inc");
    assert_null(dusk_func_key(&square2));
    assert_null(dusk_func_key(NULL));

    /* a registered function in a graph, found by name */
    square_calls = 0;
    dusk_graph *g = dusk_graph_new();
    dusk_graph_value(g, "a", dusk_int(7));
    dusk_task(g, "sq", dusk_func_lookup("test_square"), dusk_ref("a"));
    dusk_task(g, "r", dusk_func_lookup("inc"), dusk_ref("sq"));
    dusk_value *out = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    dusk_options o = {DUSK_SCHED_THREADS, 2, NULL, 0, NULL, NULL, 0};
    assert_int_equal(dusk_get(g, "r", &o, &out, &err), 0);
    assert_int_value(out, 50);
    assert_int_equal(square_calls, 1);
    assert_string_equal(dusk_graph_func(g, 1)->name, "test_square");
    dusk_value_unref(out);
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

/* Registration is thread-safe: threads register distinct names at once
 * while others look names up. */
enum { REG_THREADS = 4, REG_EACH = 16 };
static dusk_func reg_funcs[REG_THREADS][REG_EACH];
static char reg_names[REG_THREADS][REG_EACH][32];
static atomic_int reg_fail;

static void *reg_thread(void *arg)
{
    int t = (int)(intptr_t)arg;
    for (int i = 0; i < REG_EACH; i++) {
        if (dusk_func_register(&reg_funcs[t][i]) != 0)
            atomic_fetch_add(&reg_fail, 1);
        if (dusk_func_lookup("add") != &dusk_add)
            atomic_fetch_add(&reg_fail, 1);
        if (dusk_func_lookup(reg_names[t][i]) != &reg_funcs[t][i])
            atomic_fetch_add(&reg_fail, 1);
    }
    return NULL;
}

static void test_register_concurrently(void **state)
{
    (void)state;
    for (int t = 0; t < REG_THREADS; t++)
        for (int i = 0; i < REG_EACH; i++) {
            snprintf(reg_names[t][i], sizeof reg_names[t][i], "test_conc_%d_%d",
                     t, i);
            reg_funcs[t][i] = (dusk_func){reg_names[t][i], square_fn, NULL};
        }
    atomic_store(&reg_fail, 0);
    pthread_t th[REG_THREADS];
    for (int t = 0; t < REG_THREADS; t++)
        assert_int_equal(pthread_create(&th[t], NULL, reg_thread,
                                        (void *)(intptr_t)t), 0);
    for (int t = 0; t < REG_THREADS; t++)
        pthread_join(th[t], NULL);
    assert_int_equal(atomic_load(&reg_fail), 0);
    for (int t = 0; t < REG_THREADS; t++)
        for (int i = 0; i < REG_EACH; i++)
            assert_ptr_equal(dusk_func_lookup(reg_names[t][i]), &reg_funcs[t][i]);
}

/* Builtins in a graph: promotion and errors seen through a run. */
static void test_builtins_in_graph(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_graph *g = dusk_graph_new();
    dusk_graph_value(g, "i", dusk_int(2));
    dusk_graph_value(g, "f", dusk_float(0.25));
    dusk_graph_value(g, "t", dusk_bool(true));
    dusk_graph_value(g, "s", dusk_string("str"));
    dusk_task(g, "if", &dusk_add, dusk_ref("i"), dusk_ref("f"));
    dusk_task(g, "it", &dusk_mul, dusk_ref("i"), dusk_ref("t"));
    dusk_task(g, "all", &dusk_sum, dusk_list(dusk_ref("i"), dusk_ref("f"),
                                             dusk_ref("t"), dusk_lit_int(1)));
    dusk_task(g, "slept", &dusk_sleep, dusk_lit_int(1), dusk_ref("s"));
    dusk_task(g, "bad", &dusk_inc, dusk_ref("s"));
    for (size_t k = 0; k < NSCHEDS; k++) {
        dusk_options o = mkopts(&SCHEDS[k], NULL);
        dusk_value *out = NULL;
        dusk_error err = DUSK_ERROR_INIT;
        assert_int_equal(dusk_get_list(g, (const char *[]){"if", "it", "all",
                                                           "slept"},
                                       4, &o, &out, &err), 0);
        assert_repr(out, "(2.25, 2, 4.25, 'str')");
        assert_int_equal(dusk_value_kind(dusk_tuple_get(out, 1)), DUSK_KIND_INT);
        dusk_value_unref(out);
        out = NULL;
        assert_int_equal(dusk_get(g, "bad", &o, &out, &err), DUSK_ETYPE);
        assert_null(out);
        assert_int_equal(err.code, DUSK_ETYPE);
        assert_contains(err.msg, "'bad'");
    }
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

/* The checks a task function of a plugin makes (dusk.1's example). */
static void test_args_check_and_get_int(void **state)
{
    (void)state;
    dusk_error err = {0};
    assert_int_equal(dusk_args_check("f", 1, 1, 1, &err), 0);
    assert_int_equal(dusk_args_check("f", 0, 1, 1, &err), DUSK_EINVAL);
    assert_string_equal(err.msg, "f takes 1 argument, got 0");
    assert_int_equal(dusk_args_check("f", 3, 1, 2, &err), DUSK_EINVAL);
    assert_string_equal(err.msg, "f takes 1 or 2 arguments, got 3");
    assert_int_equal(dusk_args_check("f", 0, 1, 3, &err), DUSK_EINVAL);
    assert_string_equal(err.msg, "f takes 1 to 3 arguments, got 0");
    assert_int_equal(dusk_args_check("f", 1, 2, SIZE_MAX, &err), DUSK_EINVAL);
    assert_string_equal(err.msg, "f takes at least 2 arguments, got 1");
    assert_int_equal(dusk_args_check("f", 1000, 2, SIZE_MAX, &err), 0);

    int64_t x = 5;
    dusk_value *s = dusk_string("0"), *f = dusk_float(0.0), *big = dusk_int(INT64_MIN);
    assert_false(dusk_value_get_int(s, &x));
    assert_false(dusk_value_get_int(f, &x));
    assert_false(dusk_value_get_int(dusk_none(), &x));
    assert_false(dusk_value_get_int(NULL, &x));
    assert_int_equal(x, 5);   /* untouched */
    assert_true(dusk_value_get_int(dusk_int(0), &x));
    assert_int_equal(x, 0);
    assert_true(dusk_value_get_int(big, &x));
    assert_true(x == INT64_MIN);
    assert_true(dusk_value_get_int(dusk_bool(true), &x));
    assert_int_equal(x, 1);
    assert_true(dusk_value_get_int(dusk_int(3), NULL));
    dusk_value_unref(s);
    dusk_value_unref(f);
    dusk_value_unref(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_inc_neg, reset_alloc),
        cmocka_unit_test_teardown(test_add_sub_mul, reset_alloc),
        cmocka_unit_test_teardown(test_int_edges, reset_alloc),
        cmocka_unit_test_teardown(test_sum, reset_alloc),
        cmocka_unit_test_teardown(test_identity, reset_alloc),
        cmocka_unit_test_teardown(test_sleep, reset_alloc),
        cmocka_unit_test_teardown(test_type_errors, reset_alloc),
        cmocka_unit_test_teardown(test_wrong_arity, reset_alloc),
        cmocka_unit_test_teardown(test_lookup, reset_alloc),
        cmocka_unit_test_teardown(test_register, reset_alloc),
        cmocka_unit_test_teardown(test_register_concurrently, reset_alloc),
        cmocka_unit_test_teardown(test_builtins_in_graph, reset_alloc),
        cmocka_unit_test(test_args_check_and_get_int),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
