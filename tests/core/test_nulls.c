/*
** dusk tests — NULL arguments, across the whole public API
**
** include/dusk/error.h states one rule for NULL pointers in every DUSK_API
** function of the five libraries. Here every public function is called
** with NULL for each of its pointer arguments in turn (the others valid)
** and gives the answer the rule promises: DUSK_EINVAL with "<function>:
** <argument> is NULL" from status functions, NULL from constructors, an
** error array from array operations, a no-op from the _free functions, the
** neutral answer from getters, the default for optional arguments. Nothing
** may crash or leak (the live block count comes back; ASan watches too).
**
** The last test reads the headers in include/dusk/ (the program runs from the
** repository root), lists every DUSK_API function and which of its
** arguments are pointers, and fails for any function, or pointer
** argument, that the cases above did not call with NULL: a function added
** to a header must be added here. It also checks that the five shared
** libraries export exactly the functions the headers declare (nm -D).
*/
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dusk.h"
#include "dusk/gui.h"
#include "helpers.h"

/* --- what the cases covered ------------------------------------------------ */

typedef struct {
    const char *fn;
    unsigned long args;  /* bit i: argument i was given as NULL */
} covered;
static covered cov[400];
static size_t ncov;

/* Records that fn was called with argument i (0-based) NULL; i = -1 for
 * a call of a function that takes no pointer. */
static void mark(const char *fn, int i)
{
    size_t k = 0;
    while (k < ncov && strcmp(cov[k].fn, fn) != 0)
        k++;
    if (k == ncov) {
        assert_true(ncov < sizeof cov / sizeof cov[0]);
        cov[ncov++] = (covered){fn, 0};
    }
    if (i >= 0)
        cov[k].args |= 1ul << i;
}

static dusk_error err;

static void expect_msg(const char *fn, const char *arg)
{
    char want[256];
    snprintf(want, sizeof want, "%s: %s is NULL", fn, arg);
    if (err.code != DUSK_EINVAL || strcmp(err.msg, want) != 0)
        fail_msg("%s with %s NULL: err has %s \"%s\", want DUSK_EINVAL \"%s\"", fn, arg,
                 dusk_err_name(err.code), err.msg, want);
}

/* A status function given NULL for argument i (named name), with &err
 * among its arguments: DUSK_EINVAL, and err names the function and the
 * argument. */
#define EINVAL_ERR(fn, i, name, ...)                                           \
    do {                                                                       \
        mark(#fn, i);                                                          \
        dusk_error_set(&err, DUSK_EIO, "stale");                              \
        long rc_ = (long)fn(__VA_ARGS__);                                      \
        if (rc_ != DUSK_EINVAL)                                                \
            fail_msg("%s with %s NULL returned %ld, want DUSK_EINVAL", #fn,   \
                     name, rc_);                                               \
        expect_msg(#fn, name);                                                 \
    } while (0)
/* The same for a function that takes no dusk_error. */
#define EINVAL_NOERR(fn, i, ...)                                               \
    do {                                                                       \
        mark(#fn, i);                                                          \
        long rc_ = (long)fn(__VA_ARGS__);                                      \
        if (rc_ != DUSK_EINVAL)                                                \
            fail_msg("%s with argument %d NULL returned %ld, want DUSK_EINVAL", \
                     #fn, i, rc_);                                             \
    } while (0)
/* A function given NULL for argument i returns want (an integer). */
#define GIVES(fn, i, want, ...)                                                \
    do {                                                                       \
        mark(#fn, i);                                                          \
        long long got_ = (long long)fn(__VA_ARGS__);                          \
        if (got_ != (long long)(want))                                        \
            fail_msg("%s with argument %d NULL gave %lld, want %lld", #fn, i,  \
                     got_, (long long)(want));                                 \
    } while (0)
/* ... returns NULL. */
#define GIVES_NULL(fn, i, ...)                                                 \
    do {                                                                       \
        mark(#fn, i);                                                          \
        if (fn(__VA_ARGS__) != NULL)                                           \
            fail_msg("%s with argument %d NULL did not return NULL", #fn, i);  \
    } while (0)
/* ... is a void function that must simply not crash. */
#define CALLS(fn, i, ...)                                                      \
    do {                                                                       \
        mark(#fn, i);                                                          \
        fn(__VA_ARGS__);                                                       \
    } while (0)
/* ... is an array operation: it returns an array in the error state
 * DUSK_EINVAL, never NULL. */
#define ARRAY_EINVAL(fn, i, ...)                                               \
    do {                                                                       \
        mark(#fn, i);                                                          \
        dusk_array *r_ = fn(__VA_ARGS__);                                      \
        if (!r_ || dusk_array_status(r_, NULL) != DUSK_EINVAL)                 \
            fail_msg("%s with argument %d NULL: %s, want an error array", #fn, \
                     i, r_ ? dusk_err_name(dusk_array_status(r_, NULL))        \
                           : "NULL");                                          \
    } while (0)
/* ... is an array operation for which NULL is an optional argument: it
 * returns a good array. */
#define ARRAY_OK(fn, i, ...)                                                   \
    do {                                                                       \
        mark(#fn, i);                                                          \
        dusk_error e_ = DUSK_ERROR_INIT;                                       \
        dusk_array *r_ = fn(__VA_ARGS__);                                      \
        if (!r_ || dusk_array_status(r_, &e_) != 0)                            \
            fail_msg("%s with argument %d NULL (optional) failed: %s", #fn, i, \
                     r_ ? e_.msg : "NULL");                                    \
    } while (0)

/* NULL where a compiler would see through a literal NULL (a format string). */
static const char *volatile no_text;

static long live_at_start;
static int note_live(void **state)
{
    (void)state;
    dusk_alloc_fail_after(-1);
    live_at_start = dusk_alloc_live();
    return 0;
}
static int check_live(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    if (live != live_at_start) {
        print_message("%ld blocks leaked\n", live - live_at_start);
        return -1;
    }
    return 0;
}

/* --- libdusk ------------------------------------------------------------------ */

static void test_version_alloc_error(void **state)
{
    (void)state;
    GIVES_NULL(dusk_strdup, 0, NULL);
    mark("dusk_version", 0);
    assert_string_equal(dusk_version(NULL), DUSK_VERSION);
    mark("dusk_realloc", 0);            /* realloc(NULL, n) is malloc(n) */
    void *p = dusk_realloc(NULL, 16);
    assert_non_null(p);
    CALLS(dusk_free, 0, p);             /* (frees it: not a NULL case) */
    CALLS(dusk_free, 0, NULL);
    mark("dusk_malloc", -1);
    dusk_free(dusk_malloc(1));
    mark("dusk_calloc", -1);
    dusk_free(dusk_calloc(1, 1));
    CALLS(dusk_alloc_fail_after, -1, -1);
    CALLS(dusk_alloc_fail_once, -1, -1);
    mark("dusk_alloc_calls", -1);
    assert_true(dusk_alloc_calls() > 0);
    mark("dusk_alloc_live", -1);
    assert_true(dusk_alloc_live() >= 0);

    mark("dusk_strerror", -1);
    mark("dusk_err_name", -1);
    assert_string_equal(dusk_err_name(DUSK_EINVAL), "DUSK_EINVAL");
    assert_string_equal(dusk_strerror(DUSK_EINVAL), "invalid argument");
    GIVES(dusk_error_set, 0, DUSK_EIO, NULL, DUSK_EIO, "%s", "x");
    /* no format: the code's own message */
    GIVES(dusk_error_set, 2, DUSK_EIO, &err, DUSK_EIO, no_text);
    assert_int_equal(err.code, DUSK_EIO);
    assert_string_equal(err.msg, dusk_strerror(DUSK_EIO));
    CALLS(dusk_error_clear, 0, NULL);
}

static void test_values(void **state)
{
    (void)state;
    char buf[64];
    int64_t shape[1] = {3}, strides[1] = {8};
    dusk_value *nd = dusk_ndarray_new(DUSK_DT_F8, 1, shape);
    dusk_value *i7 = dusk_int(7);
    assert_non_null(nd);
    assert_non_null(i7);

    mark("dusk_none", -1);
    mark("dusk_bool", -1);
    mark("dusk_int", -1);
    mark("dusk_float", -1);
    mark("dusk_tuple_new", -1);
    mark("dusk_kind_name", -1);
    mark("dusk_dtype_name", -1);
    mark("dusk_dtype_code", -1);
    mark("dusk_dtype_size", -1);
    dusk_value_unref(dusk_float(1.5));
    dusk_value_unref(dusk_tuple_new(2));
    assert_string_equal(dusk_kind_name(DUSK_KIND_INT), "int");
    assert_string_equal(dusk_dtype_name(DUSK_DT_F8), "float64");
    assert_string_equal(dusk_dtype_code(DUSK_DT_F8), "f8");
    assert_int_equal(dusk_dtype_size(DUSK_DT_F8), 8);
    assert_true(dusk_value_bool(dusk_bool(true)));
    assert_int_equal(dusk_value_kind(dusk_none()), DUSK_KIND_NONE);

    /* constructors: NULL, or for a count of 0 the empty thing */
    GIVES_NULL(dusk_string, 0, NULL);
    GIVES_NULL(dusk_string_n, 0, NULL, 3);
    dusk_value *empty = dusk_string_n(NULL, 0);
    assert_non_null(empty);
    assert_string_equal(dusk_value_str(empty), "");
    dusk_value_unref(empty);
    GIVES_NULL(dusk_tuple_of, 1, 2, NULL);
    empty = dusk_tuple_of(0, NULL);
    assert_non_null(empty);
    assert_int_equal(dusk_tuple_len(empty), 0);
    dusk_value_unref(empty);
    /* an opaque value may hold NULL, and have no destructor */
    mark("dusk_opaque", 0);
    mark("dusk_opaque", 1);
    dusk_value *op = dusk_opaque(NULL, NULL, 8);
    assert_non_null(op);
    assert_null(dusk_opaque_ptr(op));
    dusk_value_unref(op);
    GIVES_NULL(dusk_ndarray_new, 2, DUSK_DT_F8, 1, NULL);
    GIVES_NULL(dusk_ndarray_empty, 2, DUSK_DT_F8, 1, NULL);
    dusk_value *scalar = dusk_ndarray_new(DUSK_DT_F8, 0, NULL);
    assert_non_null(scalar);
    dusk_value_unref(scalar);
    scalar = dusk_ndarray_empty(DUSK_DT_F8, 0, NULL);
    assert_non_null(scalar);
    dusk_value_unref(scalar);
    GIVES_NULL(dusk_ndarray_view, 0, NULL, 1, shape, strides, 0);
    GIVES_NULL(dusk_ndarray_view, 2, nd, 1, NULL, strides, 0);
    GIVES_NULL(dusk_ndarray_view, 3, nd, 1, shape, NULL, 0);

    GIVES_NULL(dusk_value_ref, 0, NULL);
    CALLS(dusk_value_unref, 0, NULL);

    /* getters of nothing */
    GIVES(dusk_value_kind, 0, DUSK_KIND_NONE, NULL);
    GIVES(dusk_value_nbytes, 0, 0, NULL);
    GIVES(dusk_value_bool, 0, false, NULL);
    GIVES(dusk_value_int, 0, 0, NULL);
    mark("dusk_value_float", 0);
    assert_true(dusk_value_float(NULL) == 0.0);
    double d = 5;
    GIVES(dusk_value_number, 0, false, NULL, &d);
    GIVES(dusk_value_number, 1, true, i7, NULL);   /* the output is optional */
    int64_t gi = 5;
    GIVES(dusk_value_get_int, 0, false, NULL, &gi);
    GIVES(dusk_value_get_int, 1, true, i7, NULL);  /* the output is optional */
    assert_int_equal(gi, 5);
    dusk_error aerr = DUSK_ERROR_INIT;
    GIVES(dusk_args_check, 0, DUSK_EINVAL, NULL, 0, 1, 1, &aerr);   /* "the function" */
    assert_string_equal(aerr.msg, "the function takes 1 argument, got 0");
    GIVES(dusk_args_check, 4, DUSK_EINVAL, "f", 0, 1, 1, NULL);
    GIVES_NULL(dusk_value_str, 0, NULL);
    GIVES(dusk_tuple_len, 0, 0, NULL);
    GIVES(dusk_value_depth, 0, 0, NULL);
    GIVES(dusk_value_too_deep, 0, false, NULL);
    GIVES_NULL(dusk_tuple_get, 0, NULL, 0);
    GIVES_NULL(dusk_opaque_ptr, 0, NULL);
    GIVES(dusk_ndarray_dtype, 0, 0, NULL);
    GIVES(dusk_ndarray_ndim, 0, 0, NULL);
    GIVES_NULL(dusk_ndarray_shape, 0, NULL);
    GIVES_NULL(dusk_ndarray_strides, 0, NULL);
    GIVES_NULL(dusk_ndarray_data, 0, NULL);
    GIVES(dusk_ndarray_is_contiguous, 0, false, NULL);
    GIVES(dusk_ndarray_size, 0, 0, NULL);

    /* tuple_set steals its item, also when there is no tuple */
    long live = dusk_alloc_live();
    CALLS(dusk_tuple_set, 0, NULL, 0, dusk_int(99));
    assert_int_equal(dusk_alloc_live(), live);
    dusk_value *t = dusk_tuple_new(1);
    dusk_tuple_set(t, 0, dusk_int(4));
    CALLS(dusk_tuple_set, 2, t, 0, NULL);          /* no item: None */
    assert_repr(t, "(None,)");
    dusk_value_unref(t);

    /* text */
    strcpy(buf, "junk");
    GIVES(dusk_value_repr, 0, 0, NULL, buf, sizeof buf);
    assert_string_equal(buf, "");
    GIVES(dusk_value_repr, 1, 1, i7, NULL, sizeof buf);
    GIVES(dusk_value_equal, 0, false, NULL, i7);
    GIVES(dusk_value_equal, 1, false, i7, NULL);
    assert_true(dusk_value_equal(NULL, NULL));

    dusk_value_unref(i7);
    dusk_value_unref(nd);
}

static int noop_fn(dusk_value *const *args, size_t nargs, dusk_value **out, dusk_error *e,
                   void *ud)
{
    (void)args, (void)nargs, (void)e, (void)ud;
    *out = dusk_none();
    return 0;
}
static const dusk_func noop = {"nulls-noop", noop_fn, NULL};

/* The graph remembers the builder's error (graph.h), with this message. */
static void expect_status(const dusk_graph *g, const char *msg)
{
    dusk_error e = DUSK_ERROR_INIT;
    assert_int_equal(dusk_graph_status(g, &e), DUSK_EINVAL);
    assert_string_equal(e.msg, msg);
}

static void test_graph_building(void **state)
{
    (void)state;
    char buf[64];
    int64_t idx[2] = {1, 2};

    EINVAL_NOERR(dusk_func_register, 0, NULL);
    EINVAL_NOERR(dusk_func_register_as, 0, NULL, &noop);
    EINVAL_NOERR(dusk_func_register_as, 1, "nulls.key", NULL);
    EINVAL_NOERR(dusk_func_set_arity, 0, NULL, 1, 1);
    GIVES_NULL(dusk_func_lookup, 0, NULL);
    GIVES_NULL(dusk_func_key, 0, NULL);

    GIVES_NULL(dusk_ref, 0, NULL);
    GIVES_NULL(dusk_lit, 0, NULL);
    GIVES_NULL(dusk_lit_str, 0, NULL);
    mark("dusk_lit_int", -1);
    mark("dusk_lit_float", -1);
    dusk_arg_free(dusk_lit_int(1));
    dusk_arg_free(dusk_lit_float(1));
    GIVES_NULL(dusk_listv, 1, 2, NULL);
    dusk_arg *l = dusk_listv(0, NULL);   /* an empty list */
    assert_non_null(l);
    dusk_arg_free(l);
    CALLS(dusk_arg_free, 0, NULL);

    mark("dusk_graph_new", -1);
    CALLS(dusk_graph_free, 0, NULL);
    dusk_graph *g = dusk_graph_new();
    assert_non_null(g);

    /* builders: DUSK_EINVAL, what they steal released; a NULL value or
     * argument stands for a constructor that failed: DUSK_ENOMEM */
    EINVAL_NOERR(dusk_graph_value, 0, NULL, "a", dusk_int(1));
    EINVAL_NOERR(dusk_graph_taskv, 0, NULL, "b", &dusk_inc, 1, (dusk_arg *[]){dusk_ref("a")});
    EINVAL_NOERR(dusk_graph_alias, 0, NULL, "c", "a");
    GIVES(dusk_graph_status, 0, DUSK_EINVAL, NULL, NULL);
    EINVAL_ERR(dusk_graph_status, 0, "g", NULL, &err);
    GIVES(dusk_graph_status, 1, 0, g, NULL);
    EINVAL_NOERR(dusk_graph_value, 1, g, NULL, dusk_int(1));
    expect_status(g, "dusk_graph_value: key is NULL");
    dusk_graph_free(g);
    g = dusk_graph_new();
    GIVES(dusk_graph_value, 2, DUSK_ENOMEM, g, "a", NULL);
    dusk_graph_free(g);
    g = dusk_graph_new();
    EINVAL_NOERR(dusk_graph_taskv, 1, g, NULL, &dusk_inc, 1, (dusk_arg *[]){dusk_ref("a")});
    expect_status(g, "dusk_graph_taskv: key is NULL");
    dusk_graph_free(g);
    g = dusk_graph_new();
    EINVAL_NOERR(dusk_graph_taskv, 2, g, "b", NULL, 1, (dusk_arg *[]){dusk_ref("a")});
    expect_status(g, "dusk_graph_taskv: f is NULL");
    dusk_graph_free(g);
    g = dusk_graph_new();
    EINVAL_NOERR(dusk_graph_taskv, 4, g, "b", &dusk_inc, 2, NULL);
    expect_status(g, "dusk_graph_taskv: args is NULL");
    dusk_graph_free(g);
    g = dusk_graph_new();
    EINVAL_NOERR(dusk_graph_alias, 1, g, NULL, "a");
    expect_status(g, "dusk_graph_alias: key is NULL");
    dusk_graph_free(g);
    g = dusk_graph_new();
    EINVAL_NOERR(dusk_graph_alias, 2, g, "c", NULL);
    expect_status(g, "dusk_graph_alias: target is NULL");
    dusk_graph_free(g);
    g = dusk_graph_new();
    assert_int_equal(dusk_graph_taskv(g, "n", &noop, 0, NULL), 0);   /* no arguments */
    dusk_graph_free(g);
    /* by handles: what the task takes is released on every refusal */
    GIVES(dusk_graph_reserve, 0, DUSK_EINVAL, NULL, 10);
    GIVES(dusk_graph_handle, 0, DUSK_EINVAL, NULL, "a");
    g = dusk_graph_new();
    EINVAL_NOERR(dusk_graph_handle, 1, g, NULL);
    expect_status(g, "dusk_graph_handle: key is NULL");
    dusk_graph_free(g);
    int64_t hs[1];
    const char *one[] = {"a"};
    GIVES(dusk_graph_handles, 0, DUSK_EINVAL, NULL, 1, one, hs);
    g = dusk_graph_new();
    EINVAL_NOERR(dusk_graph_handles, 2, g, 1, NULL, hs);
    expect_status(g, "dusk_graph_handles: keys is NULL");
    dusk_graph_free(g);
    g = dusk_graph_new();
    EINVAL_NOERR(dusk_graph_handles, 3, g, 1, one, NULL);
    expect_status(g, "dusk_graph_handles: handles is NULL");
    dusk_graph_free(g);
    g = dusk_graph_new();
    int64_t hb = dusk_graph_handle(g, "b");
    assert_true(hb >= 0);
    EINVAL_NOERR(dusk_graph_task_h, 0, NULL, 0, &dusk_inc, 1,
                 (dusk_harg[]){{.kind = DUSK_HARG_LIT, .u.lit = dusk_int(1)}});
    EINVAL_NOERR(dusk_graph_task_h, 2, g, hb, NULL, 1,
                 (dusk_harg[]){{.kind = DUSK_HARG_LIT, .u.lit = dusk_int(1)}});
    expect_status(g, "dusk_graph_task_h: f is NULL");
    dusk_graph_free(g);
    g = dusk_graph_new();
    hb = dusk_graph_handle(g, "b");
    EINVAL_NOERR(dusk_graph_task_h, 4, g, hb, &dusk_inc, 1, NULL);
    expect_status(g, "dusk_graph_task_h: args is NULL");
    dusk_graph_free(g);

    /* tuple keys */
    GIVES(dusk_key_tuple, 0, 11, NULL, 0, "x", 2, idx);   /* ('x', 1, 2) */
    GIVES(dusk_key_tuple, 2, DUSK_EINVAL, buf, sizeof buf, NULL, 2, idx);
    GIVES(dusk_key_tuple, 4, DUSK_EINVAL, buf, sizeof buf, "x", 2, NULL);
    assert_int_equal(dusk_key_tuple(buf, sizeof buf, "x", 0, NULL), 6);
    assert_string_equal(buf, "('x',)");
    GIVES(dusk_key_split, 0, 0, NULL, buf, sizeof buf);
    assert_string_equal(buf, "");
    GIVES(dusk_key_split, 1, 3, "inc-1", NULL, 0);
}

static void test_graph_reading(void **state)
{
    (void)state;
    char buf[64];
    const int64_t *ids = (const int64_t *)buf;
    dusk_graph *g = lecture_dsk();
    int64_t z = dusk_graph_find(g, "z");

    GIVES(dusk_graph_size, 0, 0, NULL);
    GIVES(dusk_graph_find, 0, -1, NULL, "z");
    GIVES(dusk_graph_find, 1, -1, g, NULL);
    GIVES_NULL(dusk_graph_key, 0, NULL, 0);
    strcpy(buf, "junk");
    GIVES(dusk_graph_key_repr, 0, 1, NULL, 0, buf, sizeof buf);
    assert_string_equal(buf, "?");
    GIVES(dusk_graph_key_repr, 2, 3, g, z, NULL, 0);
    GIVES(dusk_graph_entry_kind, 0, DUSK_ENTRY_VALUE, NULL, 0);
    GIVES_NULL(dusk_graph_func, 0, NULL, z);
    GIVES_NULL(dusk_graph_literal, 0, NULL, 0);

    GIVES(dusk_graph_dependencies, 0, DUSK_EINVAL, NULL, z, &ids);
    assert_null(ids);
    GIVES(dusk_graph_dependencies, 2, DUSK_EINVAL, g, z, NULL);
    ids = (const int64_t *)buf;
    GIVES(dusk_graph_dependents, 0, DUSK_EINVAL, NULL, z, &ids);
    assert_null(ids);
    GIVES(dusk_graph_dependents, 2, DUSK_EINVAL, g, z, NULL);

    EINVAL_ERR(dusk_graph_validate, 0, "g", NULL, &err);
    GIVES(dusk_graph_validate, 1, 0, g, NULL);

    const char *keys[] = {"z"};
    int64_t *out = (int64_t *)buf;
    size_t nout = 7;
    EINVAL_ERR(dusk_graph_cull, 0, "g", NULL, keys, 1, &out, &nout, &err);
    assert_null(out);
    assert_int_equal(nout, 0);
    EINVAL_ERR(dusk_graph_cull, 1, "keys", g, NULL, 1, &out, &nout, &err);
    EINVAL_ERR(dusk_graph_cull, 3, "out", g, keys, 1, NULL, &nout, &err);
    EINVAL_ERR(dusk_graph_cull, 4, "nout", g, keys, 1, &out, NULL, &err);
    GIVES(dusk_graph_cull, 5, 0, g, keys, 1, &out, &nout, NULL);
    assert_int_equal(nout, 5);
    dusk_free(out);
    /* a NULL among the keys is named by its place */
    const char *holed[] = {"z", NULL};
    assert_int_equal(dusk_graph_cull(g, holed, 2, &out, &nout, &err), DUSK_EINVAL);
    assert_string_equal(err.msg, "dusk_graph_cull: keys[1] is NULL");
    assert_null(out);
    assert_int_equal(dusk_graph_cull(g, NULL, 0, &out, &nout, &err), 0);  /* no keys */
    assert_int_equal(nout, 0);
    dusk_free(out);

    const int64_t *prio = (const int64_t *)buf;
    EINVAL_ERR(dusk_graph_order, 0, "g", NULL, &prio, &err);
    assert_null(prio);
    EINVAL_ERR(dusk_graph_order, 1, "prio", g, NULL, &err);
    GIVES(dusk_graph_order, 2, 0, g, &prio, NULL);
    dusk_graph_free(g);
}

static void test_encode(void **state)
{
    (void)state;
    dusk_value *v = dusk_int(300);
    unsigned char buf[64];
    void *out = buf;
    size_t len = 7, used = 7;
    dusk_value *dec = (dusk_value *)buf;

    GIVES(dusk_value_encoded_size, 0, 0, NULL);
    size_t size = dusk_value_encoded_size(v);
    assert_true(size > 0);
    EINVAL_ERR(dusk_value_encode, 0, "v", NULL, &out, &len, &err);
    assert_null(out);
    assert_int_equal(len, 0);
    EINVAL_ERR(dusk_value_encode, 1, "out", v, NULL, &len, &err);
    EINVAL_ERR(dusk_value_encode, 2, "len", v, &out, NULL, &err);
    GIVES(dusk_value_encode, 3, 0, v, &out, &len, NULL);
    dusk_free(out);

    EINVAL_ERR(dusk_value_encode_to, 0, "v", NULL, buf, sizeof buf, &len, &err);
    assert_int_equal(len, 0);
    /* no buffer is one of 0 bytes: too small, and *len says what is needed */
    GIVES(dusk_value_encode_to, 1, DUSK_EINVAL, v, NULL, 0, &len, NULL);
    assert_int_equal(len, size);
    GIVES(dusk_value_encode_to, 3, 0, v, buf, sizeof buf, NULL, &err);   /* len is optional */
    GIVES(dusk_value_encode_to, 4, 0, v, buf, sizeof buf, &len, NULL);
    assert_int_equal(len, size);

    EINVAL_ERR(dusk_value_decode, 0, "buf", NULL, len, &dec, &used, &err);
    assert_null(dec);
    assert_int_equal(used, 0);
    EINVAL_ERR(dusk_value_decode, 2, "out", buf, len, NULL, &used, &err);
    GIVES(dusk_value_decode, 3, 0, buf, len, &dec, NULL, &err);   /* exactly one */
    assert_true(dusk_value_equal(dec, v));
    dusk_value_unref(dec);
    GIVES(dusk_value_decode, 4, 0, buf, len, &dec, &used, NULL);
    dusk_value_unref(dec);

    dusk_value *owner = dusk_opaque(NULL, NULL, 0);
    EINVAL_ERR(dusk_value_decode_view, 0, "buf", NULL, len, owner, &dec, &used, &err);
    assert_null(dec);
    EINVAL_ERR(dusk_value_decode_view, 2, "owner", buf, len, NULL, &dec, &used, &err);
    EINVAL_ERR(dusk_value_decode_view, 3, "out", buf, len, owner, NULL, &used, &err);
    GIVES(dusk_value_decode_view, 4, 0, buf, len, owner, &dec, NULL, &err);
    dusk_value_unref(dec);
    GIVES(dusk_value_decode_view, 5, 0, buf, len, owner, &dec, &used, NULL);
    dusk_value_unref(dec);
    dusk_value_unref(owner);
    dusk_value_unref(v);
}

static void test_events_plans_runs(void **state)
{
    (void)state;
    char buf[64];
    dusk_event ev[4];
    mark("dusk_event_kind_name", -1);
    mark("dusk_now_ns", -1);
    mark("dusk_ncores", -1);
    mark("dusk_sched_worker_pids", 0);
    mark("dusk_stream_new", -1);
    assert_string_equal(dusk_event_kind_name(DUSK_EV_READY), "ready");
    assert_true(dusk_now_ns() > 0);
    assert_true(dusk_ncores() >= 1);
    /* NULL pids: only the count (no processes run is going here) */
    assert_int_equal(dusk_sched_worker_pids(NULL, 4), 0);

    CALLS(dusk_stream_free, 0, NULL);
    dusk_stream *s = dusk_stream_new();
    GIVES(dusk_stream_drain, 0, 0, NULL, ev, 4);
    GIVES(dusk_stream_appended, 0, 0, NULL);
    GIVES(dusk_stream_lost, 0, 0, NULL);

    dusk_graph *g = lecture_dsk();
    const char *keys[] = {"z", "b"};
    dusk_value *out = (dusk_value *)buf;
    dusk_options sync = DUSK_OPTIONS_INIT;
    sync.scheduler = DUSK_SCHED_SYNC;
    sync.stream = s;

    EINVAL_ERR(dusk_get, 0, "g", NULL, "z", &sync, &out, &err);
    assert_null(out);
    EINVAL_ERR(dusk_get, 1, "key", g, NULL, &sync, &out, &err);
    GIVES(dusk_get, 2, 0, g, "z", NULL, &out, &err);            /* the defaults */
    assert_int_value(out, 13);
    dusk_value_unref(out);
    EINVAL_ERR(dusk_get, 3, "out", g, "z", &sync, NULL, &err);
    GIVES(dusk_get, 4, 0, g, "z", &sync, &out, NULL);
    assert_int_value(out, 13);
    dusk_value_unref(out);
    /* a stream that has events: no place to put them, none taken */
    GIVES(dusk_stream_drain, 1, 0, s, NULL, 4);
    assert_int_equal(dusk_stream_drain(s, ev, 1), 1);
    assert_int_equal(ev[0].kind, DUSK_EV_RUN_BEGIN);

    EINVAL_ERR(dusk_get_list, 0, "g", NULL, keys, 2, &sync, &out, &err);
    assert_null(out);
    EINVAL_ERR(dusk_get_list, 1, "keys", g, NULL, 2, &sync, &out, &err);
    GIVES(dusk_get_list, 3, 0, g, keys, 2, NULL, &out, &err);
    assert_repr(out, "(13, 2)");
    dusk_value_unref(out);
    EINVAL_ERR(dusk_get_list, 4, "out", g, keys, 2, &sync, NULL, &err);
    GIVES(dusk_get_list, 5, 0, g, keys, 2, &sync, &out, NULL);
    dusk_value_unref(out);
    const char *holed[] = {"z", NULL};
    assert_int_equal(dusk_get_list(g, holed, 2, &sync, &out, &err), DUSK_EINVAL);
    assert_null(out);
    assert_int_equal(dusk_get_list(g, NULL, 0, &sync, &out, &err), 0);  /* () */
    assert_repr(out, "()");
    dusk_value_unref(out);

    /* dusk_compute takes the request over, also when it fails */
    EINVAL_ERR(dusk_compute, 0, "g", NULL, dusk_ref("z"), &sync, &out, &err);
    assert_null(out);
    /* a NULL request is a constructor (dusk_ref, dusk_list) that ran out
     * of memory, as for dusk_graph_value */
    GIVES(dusk_compute, 1, DUSK_ENOMEM, g, NULL, &sync, &out, &err);
    assert_null(out);
    GIVES(dusk_compute, 2, 0, g, dusk_ref("z"), NULL, &out, &err);
    dusk_value_unref(out);
    EINVAL_ERR(dusk_compute, 3, "out", g, dusk_ref("z"), &sync, NULL, &err);
    GIVES(dusk_compute, 4, 0, g, dusk_ref("z"), &sync, &out, NULL);
    dusk_value_unref(out);

    /* plans */
    dusk_plan *p = (dusk_plan *)buf;
    EINVAL_ERR(dusk_plan_new, 0, "g", NULL, keys, 2, &p, &err);
    assert_null(p);
    EINVAL_ERR(dusk_plan_new, 1, "keys", g, NULL, 2, &p, &err);
    EINVAL_ERR(dusk_plan_new, 3, "out", g, keys, 2, NULL, &err);
    GIVES(dusk_plan_new, 4, 0, g, keys, 2, &p, NULL);
    GIVES_NULL(dusk_plan_ref, 0, NULL);
    CALLS(dusk_plan_unref, 0, NULL);
    GIVES(dusk_plan_ntasks, 0, 0, NULL);
    GIVES_NULL(dusk_plan_tasks, 0, NULL);
    GIVES(dusk_plan_graph_size, 0, 0, NULL);
    GIVES(dusk_plan_contains, 0, 0, NULL, 0);
    GIVES(dusk_plan_nrequested, 0, 0, NULL);
    GIVES_NULL(dusk_plan_requested, 0, NULL);
    int64_t z = dusk_graph_find(g, "z");
    GIVES_NULL(dusk_plan_key, 0, NULL, z);
    strcpy(buf, "junk");
    GIVES(dusk_plan_key_repr, 0, 1, NULL, z, buf, sizeof buf);
    assert_string_equal(buf, "?");
    GIVES(dusk_plan_key_repr, 2, 3, p, z, NULL, 0);
    GIVES(dusk_plan_entry_kind, 0, DUSK_ENTRY_VALUE, NULL, z);
    GIVES_NULL(dusk_plan_func, 0, NULL, z);
    GIVES_NULL(dusk_plan_literal, 0, NULL, 0);
    GIVES(dusk_plan_priority, 0, -1, NULL, z);
    const int64_t *ids = (const int64_t *)buf;
    GIVES(dusk_plan_dependencies, 0, DUSK_EINVAL, NULL, z, &ids);
    assert_null(ids);
    GIVES(dusk_plan_dependencies, 2, DUSK_EINVAL, p, z, NULL);
    ids = (const int64_t *)buf;
    GIVES(dusk_plan_dependents, 0, DUSK_EINVAL, NULL, z, &ids);
    assert_null(ids);
    GIVES(dusk_plan_dependents, 2, DUSK_EINVAL, p, z, NULL);
    dusk_plan_arrays pa;
    memset(&pa, 0x5a, sizeof pa);
    EINVAL_NOERR(dusk_plan_get_arrays, 0, NULL, &pa);
    assert_null(pa.dep_off);
    assert_int_equal(pa.ntasks, 0);
    EINVAL_NOERR(dusk_plan_get_arrays, 1, p, NULL);
    dusk_plan_unref(p);

    dusk_graph_free(g);
    dusk_stream_free(s);
}

/* --- transports and libdusk-mpi ------------------------------------------------- */

static int tp_yes(void *ud) { (void)ud; return 1; }

static void test_transports(void **state)
{
    (void)state;
    EINVAL_ERR(dusk_transport_register, 0, "t", NULL, &err);
    dusk_transport half = {.name = "half", .kind = 7, .schedules = tp_yes};
    GIVES(dusk_transport_register, 1, DUSK_EINVAL, &half, NULL);
    mark("dusk_transport_unregister", -1);
    dusk_transport_unregister(7);   /* none of that kind: nothing */

    void *out = &err;
    size_t len = 9;
    EINVAL_ERR(dusk_task_run, 1, "msg", 5, NULL, 4, NULL, NULL, &out, &len, &err);
    assert_null(out);
    assert_int_equal(len, 0);
    EINVAL_ERR(dusk_task_run, 5, "out", 5, "junk", 4, NULL, NULL, NULL, &len, &err);
    EINVAL_ERR(dusk_task_run, 6, "outlen", 5, "junk", 4, NULL, NULL, &out, NULL, &err);
    /* no err, no fetch and no fetch_ud: a message that does not decode
     * still gets an outcome */
    mark("dusk_task_run", 3);
    mark("dusk_task_run", 4);
    GIVES(dusk_task_run, 7, 0, 5, "junk", 4, NULL, NULL, &out, &len, NULL);
    assert_non_null(out);
    assert_true(len > 0);
    dusk_free(out);

    /* The results a serving process keeps: none here. */
    out = &err;
    len = 9;
    EINVAL_ERR(dusk_task_held_encode, 1, "out", 5, NULL, &len, &err);
    assert_int_equal(len, 0);
    EINVAL_ERR(dusk_task_held_encode, 2, "len", 5, &out, NULL, &err);
    assert_null(out);
    GIVES(dusk_task_held_encode, 3, DUSK_ENOKEY, 5, &out, &len, NULL);
    mark("dusk_task_held_drop", -1);
    dusk_task_held_drop(5);   /* not held: nothing */
    mark("dusk_task_held_clear", -1);
    dusk_task_held_clear();
    uint64_t hb = 1, hp = 1;
    CALLS(dusk_task_held_bytes, 0, NULL, &hp);
    CALLS(dusk_task_held_bytes, 1, &hb, NULL);
    assert_int_equal(hb, 0);
    assert_int_equal(hp, 0);

    /* Before dusk_mpi_init: one rank of one; finalize does nothing. The
     * init itself (argc and argv NULL, err NULL) runs in tests/mpi, under
     * mpirun. */
    mark("dusk_mpi_rank", -1);
    mark("dusk_mpi_size", -1);
    mark("dusk_mpi_worker_rank", -1);
    mark("dusk_mpi_finalize", -1);
    assert_int_equal(dusk_mpi_rank(), 0);
    assert_int_equal(dusk_mpi_size(), 1);
    assert_int_equal(dusk_mpi_worker_rank(0), 0);
    dusk_mpi_finalize();
    assert_int_equal(dusk_mpi_size(), 1);
    GIVES(dusk_mpi_barrier, 0, 0, NULL);   /* before init: nothing to wait for */
    uint64_t sent = 1, received = 1;
    CALLS(dusk_mpi_traffic, 0, NULL, &received);
    CALLS(dusk_mpi_traffic, 1, &sent, NULL);
    assert_int_equal(sent, 0);
    assert_int_equal(received, 0);
    uint64_t total = 1;
    GIVES(dusk_mpi_traffic_total, 0, 0, NULL, &err);   /* before init: this rank's, 0 */
    GIVES(dusk_mpi_traffic_total, 1, 0, &total, NULL);
    assert_int_equal(total, 0);

    /* argc, argv and err all NULL: MPI starts as a job of one (no mpirun).
     * In a child, which leaves with _exit: MPI cannot start twice in a
     * process, and its own allocations, kept to the end, are not dusk's
     * leaks for this program's leak check. */
    mark("dusk_mpi_init", 0);
    mark("dusk_mpi_init", 1);
    mark("dusk_mpi_init", 2);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int ok = dusk_mpi_init(NULL, NULL, NULL) == 0 && dusk_mpi_rank() == 0 &&
                 dusk_mpi_size() == 1 && dusk_mpi_barrier(NULL) == 0;
        dusk_mpi_finalize();
        _exit(ok ? 0 : 1);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* --- libdusk-array --------------------------------------------------------------- */

/* a block function that returns its first input, and a scalar one */
static int keep_block(const dusk_block *b, dusk_value **out, dusk_error *e, void *ud)
{
    (void)e;
    (void)ud;
    *out = dusk_value_ref((dusk_value *)b->in[0]);
    return 0;
}
static double one_scalar(const double *x, int n, void *ud)
{
    (void)x;
    (void)n;
    (void)ud;
    return 1;
}

static void test_array_building(void **state)
{
    (void)state;
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_shape sh = DUSK_SHAPE(4, 6);
    double data[24] = {0};
    dusk_array *a = dusk_ones(ctx, sh, "(2, 3)", DUSK_DT_F8);
    dusk_array *b = dusk_ones(ctx, DUSK_SHAPE(6, 4), "(3, 2)", DUSK_DT_F8);
    assert_int_equal(dusk_array_status(a, NULL), 0);

    mark("dusk_array_ctx_new", -1);
    CALLS(dusk_array_ctx_free, 0, NULL);
    EINVAL_ERR(dusk_array_ctx_status, 0, "ctx", NULL, &err);
    GIVES(dusk_array_ctx_status, 1, 0, ctx, NULL);
    CALLS(dusk_array_ctx_set_memory_check, 0, NULL, false);

    ARRAY_EINVAL(dusk_ones, 0, NULL, sh, NULL, DUSK_DT_F8);
    ARRAY_OK(dusk_ones, 2, ctx, sh, NULL, DUSK_DT_F8);      /* chunks: "auto" */
    ARRAY_EINVAL(dusk_zeros, 0, NULL, sh, NULL, DUSK_DT_F8);
    ARRAY_OK(dusk_zeros, 2, ctx, sh, NULL, DUSK_DT_F8);
    ARRAY_EINVAL(dusk_empty, 0, NULL, sh, NULL, DUSK_DT_F8);
    ARRAY_OK(dusk_empty, 2, ctx, sh, NULL, DUSK_DT_F8);
    ARRAY_EINVAL(dusk_full, 0, NULL, sh, NULL, DUSK_DT_F8, 1.0);
    ARRAY_OK(dusk_full, 2, ctx, sh, NULL, DUSK_DT_F8, 1.0);
    ARRAY_EINVAL(dusk_arange, 0, NULL, 0, 10, 1, NULL);
    ARRAY_OK(dusk_arange, 4, ctx, 0, 10, 1, NULL);
    ARRAY_EINVAL(dusk_arange_f8, 0, NULL, 0, 10, 1, NULL);
    ARRAY_OK(dusk_arange_f8, 4, ctx, 0, 10, 1, NULL);
    ARRAY_EINVAL(dusk_linspace, 0, NULL, 0, 1, 5, NULL);
    ARRAY_OK(dusk_linspace, 4, ctx, 0, 1, 5, NULL);
    static const double hist_edges[] = {0, 1, 2};
    ARRAY_EINVAL(dusk_array_histogram, 0, NULL, hist_edges, 3, NULL);
    ARRAY_EINVAL(dusk_array_histogram, 1, dusk_ones(ctx, sh, NULL, DUSK_DT_F8), NULL, 3, NULL);
    ARRAY_OK(dusk_array_histogram, 3, dusk_ones(ctx, sh, NULL, DUSK_DT_F8), hist_edges, 3, NULL);
    ARRAY_EINVAL(dusk_array_digitize, 0, NULL, hist_edges, 3, false);
    ARRAY_EINVAL(dusk_array_digitize, 1, dusk_ones(ctx, sh, NULL, DUSK_DT_F8), NULL, 3, false);
    ARRAY_OK(dusk_array_digitize, 1, dusk_ones(ctx, sh, NULL, DUSK_DT_F8), NULL, 0, false);
    ARRAY_EINVAL(dusk_eye, 0, NULL, 3, 3, 0, NULL, DUSK_DT_F8);
    ARRAY_OK(dusk_eye, 4, ctx, 3, 3, 0, NULL, DUSK_DT_F8);      /* chunks: "auto" */
    ARRAY_EINVAL(dusk_random_normal, 0, NULL, 1, 0, 1, sh, NULL);
    ARRAY_OK(dusk_random_normal, 5, ctx, 1, 0, 1, sh, NULL);
    ARRAY_EINVAL(dusk_random_uniform, 0, NULL, 1, 0, 1, sh, NULL);
    ARRAY_OK(dusk_random_uniform, 5, ctx, 1, 0, 1, sh, NULL);
    ARRAY_EINVAL(dusk_random_integers, 0, NULL, 1, 0, 9, sh, NULL, DUSK_DT_I8);
    ARRAY_OK(dusk_random_integers, 5, ctx, 1, 0, 9, sh, NULL, DUSK_DT_I8);
    ARRAY_EINVAL(dusk_random_exponential, 0, NULL, 1, 1, sh, NULL);
    ARRAY_OK(dusk_random_exponential, 4, ctx, 1, 1, sh, NULL);
    ARRAY_EINVAL(dusk_random_poisson, 0, NULL, 1, 1, sh, NULL);
    ARRAY_OK(dusk_random_poisson, 4, ctx, 1, 1, sh, NULL);
    ARRAY_EINVAL(dusk_from_buffer, 0, NULL, data, DUSK_DT_F8, sh, NULL);
    ARRAY_EINVAL(dusk_from_buffer, 1, ctx, NULL, DUSK_DT_F8, sh, NULL);
    ARRAY_OK(dusk_from_buffer, 4, ctx, data, DUSK_DT_F8, sh, NULL);
    ARRAY_EINVAL(dusk_from_buffer_named, 0, NULL, data, DUSK_DT_F8, sh, NULL, "b");
    ARRAY_EINVAL(dusk_from_buffer_named, 1, ctx, NULL, DUSK_DT_F8, sh, NULL, "b");
    ARRAY_OK(dusk_from_buffer_named, 4, ctx, data, DUSK_DT_F8, sh, NULL, "b");
    ARRAY_OK(dusk_from_buffer_named, 5, ctx, data, DUSK_DT_F8, sh, "2", NULL);

    const char *h5 = scratch("nulls.hdf5");
    assert_int_equal(dusk_array_store(a, h5, "/a", NULL, NULL, &err), 0);
    ARRAY_EINVAL(dusk_from_hdf5, 0, NULL, h5, "/a", NULL);
    ARRAY_EINVAL(dusk_from_hdf5, 1, ctx, NULL, "/a", NULL);
    ARRAY_EINVAL(dusk_from_hdf5, 2, ctx, h5, NULL, NULL);
    ARRAY_OK(dusk_from_hdf5, 3, ctx, h5, "/a", NULL);
    ARRAY_EINVAL(dusk_from_hdf5_named, 0, NULL, h5, "/a", NULL, "h");
    ARRAY_EINVAL(dusk_from_hdf5_named, 1, ctx, NULL, "/a", NULL, "h");
    ARRAY_EINVAL(dusk_from_hdf5_named, 2, ctx, h5, NULL, NULL, "h");
    ARRAY_OK(dusk_from_hdf5_named, 3, ctx, h5, "/a", NULL, "h");
    ARRAY_OK(dusk_from_hdf5_named, 4, ctx, h5, "/a", NULL, NULL);

    ARRAY_EINVAL(dusk_array_binop, 1, DUSK_BINOP_ADD, NULL, a);
    ARRAY_EINVAL(dusk_array_binop, 2, DUSK_BINOP_ADD, a, NULL);
    ARRAY_EINVAL(dusk_array_binop_scalar, 1, DUSK_BINOP_ADD, NULL, 1.0, false);
    ARRAY_EINVAL(dusk_array_binop_typed, 1, DUSK_BINOP_ADD, NULL, dusk_scalar_float(1.0), false);
    ARRAY_EINVAL(dusk_array_unop, 1, DUSK_UNOP_NEG, NULL);
    ARRAY_EINVAL(dusk_array_add, 0, NULL, a);
    ARRAY_EINVAL(dusk_array_add, 1, a, NULL);
    ARRAY_EINVAL(dusk_array_sub, 0, NULL, a);
    ARRAY_EINVAL(dusk_array_sub, 1, a, NULL);
    ARRAY_EINVAL(dusk_array_mul, 0, NULL, a);
    ARRAY_EINVAL(dusk_array_mul, 1, a, NULL);
    ARRAY_EINVAL(dusk_array_div, 0, NULL, a);
    ARRAY_EINVAL(dusk_array_div, 1, a, NULL);

    int perm[2] = {1, 0};
    ARRAY_EINVAL(dusk_array_transpose, 0, NULL, perm);
    ARRAY_OK(dusk_array_transpose, 1, a, NULL);              /* .T */
    ARRAY_EINVAL(dusk_array_astype, 0, NULL, DUSK_DT_F4);
    ARRAY_EINVAL(dusk_array_rechunk, 0, NULL, "2");
    ARRAY_OK(dusk_array_rechunk, 1, a, NULL);                /* "auto" */

    dusk_index ix[1] = {DUSK_AT(1)};
    ARRAY_EINVAL(dusk_array_getitem, 0, NULL, ix, 1);
    ARRAY_EINVAL(dusk_array_getitem, 1, a, NULL, 1);
    assert_ptr_equal(dusk_array_getitem(a, NULL, 0), a);     /* x[()] */
    ARRAY_EINVAL(dusk_array_slice, 0, NULL, "1");
    ARRAY_EINVAL(dusk_array_slice, 1, a, NULL);
    ARRAY_EINVAL(dusk_array_squeeze, 0, NULL, DUSK_ALL_AXES);
    ARRAY_EINVAL(dusk_array_reshape, 0, NULL, DUSK_SHAPE(-1), true);
    ARRAY_EINVAL(dusk_array_ravel, 0, NULL);

    dusk_array *two[2] = {a, a}, *holed[2] = {a, NULL};
    ARRAY_EINVAL(dusk_concatenate, 0, NULL, 2, 0);
    ARRAY_OK(dusk_concatenate, 0, two, 2, 0);
    ARRAY_EINVAL(dusk_concatenate, 0, holed, 2, 0);
    ARRAY_EINVAL(dusk_stack, 0, NULL, 2, 0);
    ARRAY_EINVAL(dusk_stack, 0, holed, 2, 0);

    int ax[1] = {1}, bx[1] = {0};
    ARRAY_EINVAL(dusk_tensordot, 0, NULL, b, ax, bx, 1);
    ARRAY_EINVAL(dusk_tensordot, 1, a, NULL, ax, bx, 1);
    ARRAY_EINVAL(dusk_tensordot, 2, a, b, NULL, bx, 1);
    ARRAY_EINVAL(dusk_tensordot, 3, a, b, ax, NULL, 1);
    ARRAY_OK(dusk_tensordot, 2, a, b, NULL, NULL, 1);        /* numpy's integer form */
    ARRAY_EINVAL(dusk_array_dot, 0, NULL, b);
    ARRAY_EINVAL(dusk_array_dot, 1, a, NULL);
    ARRAY_EINVAL(dusk_array_matmul, 0, NULL, b);
    ARRAY_EINVAL(dusk_array_matmul, 1, a, NULL);
    /* the factorisations return structs of arrays: each is the error */
    mark("dusk_linalg_tsqr", 0);
    assert_int_equal(dusk_array_status(dusk_linalg_tsqr(NULL).q, NULL), DUSK_EINVAL);
    mark("dusk_linalg_qr", 0);
    assert_int_equal(dusk_array_status(dusk_linalg_qr(NULL).r, NULL), DUSK_EINVAL);
    mark("dusk_linalg_svd", 0);
    assert_int_equal(dusk_array_status(dusk_linalg_svd(NULL).s, NULL), DUSK_EINVAL);
    ARRAY_EINVAL(dusk_linalg_norm, 0, NULL, NULL, DUSK_ALL_AXES, false);
    ARRAY_OK(dusk_linalg_norm, 1, a, NULL, DUSK_ALL_AXES, false);     /* ord None */
    ARRAY_EINVAL(dusk_linalg_solve_triangular, 0, NULL, a, true);
    ARRAY_EINVAL(dusk_linalg_solve_triangular, 1, a, NULL, true);
    mark("dusk_linalg_svd_compressed", 0);
    assert_int_equal(dusk_array_status(dusk_linalg_svd_compressed(NULL, 2, 0, 1).u, NULL),
                     DUSK_EINVAL);
    mark("dusk_linalg_svd_compressed_iter", 0);
    assert_int_equal(dusk_array_status(dusk_linalg_svd_compressed_iter(NULL, 2, 0, 1, "QR").u,
                                       NULL), DUSK_EINVAL);
    assert_int_equal(dusk_array_status(dusk_linalg_svd_compressed_iter(NULL, 2, 0, 1, "xx").v,
                                       NULL), DUSK_EINVAL);
    mark("dusk_linalg_svd_compressed_iter", 4);   /* iterator NULL is "power" */
    assert_int_equal(dusk_array_status(dusk_linalg_svd_compressed_iter(b, 2, 0, 1, NULL).s,
                                       NULL), 0);
    ARRAY_EINVAL(dusk_linalg_cholesky, 0, NULL, true);
    mark("dusk_linalg_lu", 0);
    assert_int_equal(dusk_array_status(dusk_linalg_lu(NULL).p, NULL), DUSK_EINVAL);
    ARRAY_EINVAL(dusk_linalg_solve, 0, NULL, a);
    ARRAY_EINVAL(dusk_linalg_solve, 1, a, NULL);
    ARRAY_EINVAL(dusk_linalg_inv, 0, NULL);
    ARRAY_EINVAL(dusk_linalg_solve_assume, 0, NULL, a, "pos");
    ARRAY_EINVAL(dusk_linalg_solve_assume, 1, a, NULL, "pos");
    {   /* assume_a NULL is "gen" */
        dusk_array *sq = dusk_ones(ctx, DUSK_SHAPE(4, 4), "2", DUSK_DT_F8);
        ARRAY_OK(dusk_linalg_solve_assume, 2, sq, dusk_ones(ctx, DUSK_SHAPE(4), "2", DUSK_DT_F8),
                 NULL);
    }
    mark("dusk_linalg_lstsq", 0);
    assert_int_equal(dusk_array_status(dusk_linalg_lstsq(NULL, a).x, NULL), DUSK_EINVAL);
    mark("dusk_linalg_lstsq", 1);
    assert_int_equal(dusk_array_status(dusk_linalg_lstsq(a, NULL).s, NULL), DUSK_EINVAL);

    ARRAY_EINVAL(dusk_array_reduce, 1, DUSK_RED_MAX, NULL, DUSK_ALL_AXES, false, 0, 0);
    ARRAY_EINVAL(dusk_array_sum, 0, NULL, DUSK_ALL_AXES, false);
    ARRAY_EINVAL(dusk_array_mean, 0, NULL, DUSK_ALL_AXES, false);
    ARRAY_EINVAL(dusk_array_argreduce, 1, DUSK_ARG_MAX, NULL, DUSK_AXIS_NONE, false, 0);
    ARRAY_EINVAL(dusk_array_argmax, 0, NULL, DUSK_AXIS_NONE);
    ARRAY_EINVAL(dusk_array_argmin, 0, NULL, 0);
    ARRAY_EINVAL(dusk_array_cumsum, 0, NULL, 0);
    ARRAY_EINVAL(dusk_array_cumprod, 0, NULL, 0);
    ARRAY_EINVAL(dusk_array_where, 0, NULL, a, a);
    ARRAY_EINVAL(dusk_array_where, 1, a, NULL, a);
    ARRAY_EINVAL(dusk_array_where, 2, a, a, NULL);
    ARRAY_EINVAL(dusk_array_where_scalar, 0, NULL, a, dusk_scalar_float(1.0), false);
    ARRAY_EINVAL(dusk_array_where_scalar, 1, a, NULL, dusk_scalar_float(1.0), false);
    {   /* clip's bounds and nan_to_num's infinities: NULL is None */
        dusk_scalar lo = dusk_scalar_float(0.0);
        ARRAY_EINVAL(dusk_array_clip, 0, NULL, &lo, &lo);
        ARRAY_OK(dusk_array_clip, 1, a, NULL, &lo);
        ARRAY_OK(dusk_array_clip, 2, a, &lo, NULL);
        ARRAY_EINVAL(dusk_array_round, 0, NULL, 1);
        ARRAY_EINVAL(dusk_array_around, 0, NULL, 1);
        ARRAY_EINVAL(dusk_array_isclose, 0, NULL, a, 1e-5, 1e-8, false);
        ARRAY_EINVAL(dusk_array_isclose, 1, a, NULL, 1e-5, 1e-8, false);
        ARRAY_EINVAL(dusk_array_isclose_scalar, 0, NULL, 0.5, false, 1e-5, 1e-8, false);
        ARRAY_EINVAL(dusk_array_allclose, 0, NULL, a, 1e-5, 1e-8, false);
        ARRAY_EINVAL(dusk_array_allclose, 1, a, NULL, 1e-5, 1e-8, false);
        double inf = 1e300;
        ARRAY_EINVAL(dusk_array_nan_to_num, 0, NULL, 0.0, &inf, &inf);
        ARRAY_OK(dusk_array_nan_to_num, 2, a, 0.0, NULL, &inf);
        ARRAY_OK(dusk_array_nan_to_num, 3, a, 0.0, &inf, NULL);
    }

    /* user functions on blocks (array/map.c) */
    static const dusk_block_func keep = DUSK_BLOCK_FUNC(keep, "keep", keep_block, NULL);
    static const dusk_block_func one = DUSK_SCALAR_FUNC(one, "one", one_scalar, NULL);
    ARRAY_EINVAL(dusk_map_blocks, 0, NULL, &a, 1, DUSK_DT_F8, NULL);
    ARRAY_EINVAL(dusk_map_blocks, 1, &keep, NULL, 1, DUSK_DT_F8, NULL);
    ARRAY_OK(dusk_map_blocks, 4, &keep, &a, 1, DUSK_DT_F8, NULL);
    ARRAY_EINVAL(dusk_blockwise, 0, NULL, "ij->ij", &a, 1, DUSK_DT_F8, true, NULL);
    ARRAY_EINVAL(dusk_blockwise, 1, &keep, NULL, &a, 1, DUSK_DT_F8, true, NULL);
    ARRAY_EINVAL(dusk_blockwise, 2, &keep, "ij->ij", NULL, 1, DUSK_DT_F8, true, NULL);
    ARRAY_OK(dusk_blockwise, 6, &keep, "ij->ij", &a, 1, DUSK_DT_F8, true, NULL);
    ARRAY_EINVAL(dusk_elemwise, 0, NULL, &a, 1, DUSK_DT_F8, NULL);
    ARRAY_EINVAL(dusk_elemwise, 1, &one, NULL, 1, DUSK_DT_F8, NULL);
    ARRAY_OK(dusk_elemwise, 4, &one, &a, 1, DUSK_DT_F8, NULL);
    ARRAY_EINVAL(dusk_array_reduction, 0, NULL, &keep, NULL, &keep, DUSK_ALL_AXES, false,
                 DUSK_DT_F8, 0, NULL);
    ARRAY_EINVAL(dusk_array_reduction, 1, a, NULL, NULL, &keep, DUSK_ALL_AXES, false,
                 DUSK_DT_F8, 0, NULL);
    ARRAY_OK(dusk_array_reduction, 2, a, &keep, NULL, &keep, DUSK_ALL_AXES, false, DUSK_DT_F8,
             0, NULL);
    ARRAY_EINVAL(dusk_array_reduction, 3, a, &keep, NULL, NULL, DUSK_ALL_AXES, false,
                 DUSK_DT_F8, 0, NULL);
    ARRAY_OK(dusk_array_reduction, 8, a, &keep, NULL, &keep, DUSK_ALL_AXES, false, DUSK_DT_F8,
             0, NULL);
    int64_t depth[2] = {1, 1};
    ARRAY_EINVAL(dusk_map_overlap, 0, NULL, a, depth, DUSK_BOUNDARY_NONE, 0, DUSK_DT_F8, NULL);
    ARRAY_EINVAL(dusk_map_overlap, 1, &keep, NULL, depth, DUSK_BOUNDARY_NONE, 0, DUSK_DT_F8,
                 NULL);
    ARRAY_EINVAL(dusk_map_overlap, 2, &keep, a, NULL, DUSK_BOUNDARY_NONE, 0, DUSK_DT_F8, NULL);
    ARRAY_OK(dusk_map_overlap, 6, &keep, a, depth, DUSK_BOUNDARY_NONE, 0, DUSK_DT_F8, NULL);
    dusk_boundary per_axis[2] = {DUSK_BOUNDARY_NONE, DUSK_BOUNDARY_NONE};
    double zero[2] = {0, 0};
    ARRAY_EINVAL(dusk_map_overlap_axes, 0, NULL, a, depth, per_axis, zero, true, DUSK_DT_F8,
                 NULL);
    ARRAY_EINVAL(dusk_map_overlap_axes, 1, &keep, NULL, depth, per_axis, zero, true, DUSK_DT_F8,
                 NULL);
    ARRAY_EINVAL(dusk_map_overlap_axes, 2, &keep, a, NULL, per_axis, zero, true, DUSK_DT_F8,
                 NULL);
    ARRAY_EINVAL(dusk_map_overlap_axes, 3, &keep, a, depth, NULL, zero, true, DUSK_DT_F8, NULL);
    ARRAY_EINVAL(dusk_map_overlap_axes, 4, &keep, a, depth, per_axis, NULL, true, DUSK_DT_F8,
                 NULL);
    ARRAY_OK(dusk_map_overlap_axes, 7, &keep, a, depth, per_axis, zero, true, DUSK_DT_F8, NULL);
    ARRAY_EINVAL(dusk_array_overlap, 0, NULL, depth, per_axis, zero);
    ARRAY_EINVAL(dusk_array_overlap, 1, a, NULL, per_axis, zero);
    ARRAY_EINVAL(dusk_array_overlap, 2, a, depth, NULL, zero);
    ARRAY_EINVAL(dusk_array_overlap, 3, a, depth, per_axis, NULL);
    ARRAY_EINVAL(dusk_array_trim_internal, 0, NULL, depth, per_axis);
    ARRAY_EINVAL(dusk_array_trim_internal, 1, a, NULL, per_axis);
    ARRAY_EINVAL(dusk_array_trim_internal, 2, a, depth, NULL);
    dusk_value *bargs[2] = {dusk_none(), dusk_none()}, *bout = NULL;
    EINVAL_ERR(dusk_block_func_run, 0, "args", NULL, 2, &bout, &err, (void *)&keep);
    EINVAL_ERR(dusk_block_func_run, 2, "out", bargs, 2, NULL, &err, (void *)&keep);
    GIVES(dusk_block_func_run, 3, DUSK_EINVAL, bargs, 2, &bout, NULL, (void *)&keep);
    EINVAL_ERR(dusk_block_func_run, 4, "ud", bargs, 2, &bout, &err, NULL);
    assert_null(bout);

    /* an expression with a NULL in it ends in an error, checked once */
    dusk_array *r = dusk_array_sub(dusk_array_mean(NULL, DUSK_AXIS(0), false), a);
    assert_int_equal(dusk_array_status(r, NULL), DUSK_EINVAL);
    dusk_array_ctx_free(ctx);
}

static void test_array_reading(void **state)
{
    (void)state;
    char buf[4096];
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_array *a = dusk_ones(ctx, DUSK_SHAPE(4, 6), "(2, 3)", DUSK_DT_I4);
    dusk_layer_info info[4];

    GIVES(dusk_array_dtype, 0, 0, NULL);
    GIVES(dusk_array_ndim, 0, 0, NULL);
    GIVES_NULL(dusk_array_shape, 0, NULL);
    GIVES(dusk_array_numblocks, 0, 0, NULL, 0);
    GIVES_NULL(dusk_array_chunks, 0, NULL, 0);
    GIVES(dusk_array_nchunks, 0, 0, NULL);
    GIVES(dusk_array_unknown_chunks, 0, false, NULL);
    GIVES(dusk_array_ntasks, 0, 0, NULL);
    GIVES_NULL(dusk_array_context, 0, NULL);
    GIVES(dusk_array_ntasks_many, 0, 0, NULL, 1);
    GIVES_NULL(dusk_array_name, 0, NULL);
    EINVAL_ERR(dusk_array_status, 0, "a", NULL, &err);
    GIVES(dusk_array_status, 1, 0, a, NULL);
    strcpy(buf, "junk");
    GIVES(dusk_array_describe, 0, 0, NULL, buf, sizeof buf);
    assert_string_equal(buf, "");
    size_t full = dusk_array_describe(a, buf, sizeof buf);
    assert_true(full > 0);
    GIVES(dusk_array_describe, 1, full, a, NULL, 0);
    GIVES(dusk_array_layers, 0, 0, NULL, info, 4);
    GIVES(dusk_array_layers, 1, 1, a, NULL, 4);             /* ones: one layer */
    GIVES(dusk_array_layers_many, 0, 0, NULL, 1, info, 4);
    dusk_array *self1[1] = {a};
    GIVES(dusk_array_layers_many, 2, 1, self1, 1, NULL, 4);

    int64_t idx[2] = {1, 1};
    GIVES(dusk_array_block_key, 0, DUSK_EINVAL, NULL, idx, buf, sizeof buf);
    GIVES(dusk_array_block_key, 1, DUSK_EINVAL, a, NULL, buf, sizeof buf);
    int klen = dusk_array_block_key(a, idx, buf, sizeof buf);
    assert_true(klen > 0);
    GIVES(dusk_array_block_key, 2, klen, a, idx, NULL, 0);

    dusk_graph *g = (dusk_graph *)buf;
    EINVAL_ERR(dusk_array_graph, 0, "a", NULL, &g, &err);
    assert_null(g);
    EINVAL_ERR(dusk_array_graph, 1, "out", a, NULL, &err);
    GIVES(dusk_array_graph, 2, 0, a, &g, NULL);
    dusk_graph_free(g);
    EINVAL_ERR(dusk_array_graph_many, 0, "a", NULL, 1, &g, &err);
    assert_null(g);
    EINVAL_ERR(dusk_array_graph_many, 2, "out", self1, 1, NULL, &err);
    GIVES(dusk_array_graph_many, 3, 0, self1, 1, &g, NULL);
    dusk_graph_free(g);

    dusk_options sync = DUSK_OPTIONS_INIT;
    sync.scheduler = DUSK_SCHED_SYNC;
    dusk_value *out = (dusk_value *)buf;
    EINVAL_ERR(dusk_array_compute, 0, "a", NULL, &sync, &out, &err);
    assert_null(out);
    GIVES(dusk_array_compute, 1, 0, a, NULL, &out, &err);
    dusk_value_unref(out);
    EINVAL_ERR(dusk_array_compute, 2, "out", a, &sync, NULL, &err);
    GIVES(dusk_array_compute, 3, 0, a, &sync, &out, NULL);
    dusk_value_unref(out);
    dusk_array *both[2] = {a, a};
    dusk_value *outs[2] = {NULL, NULL};
    EINVAL_ERR(dusk_array_compute_many, 0, "arrays", NULL, 2, &sync, outs, &err);
    GIVES(dusk_array_compute_many, 2, 0, both, 2, NULL, outs, &err);
    dusk_value_unref(outs[0]);
    dusk_value_unref(outs[1]);
    EINVAL_ERR(dusk_array_compute_many, 3, "out", both, 2, &sync, NULL, &err);
    GIVES(dusk_array_compute_many, 4, 0, both, 2, &sync, outs, NULL);
    dusk_value_unref(outs[0]);
    dusk_value_unref(outs[1]);

    /* x[mask] and its chunk sizes */
    dusk_array *mask = dusk_array_binop_scalar(DUSK_BINOP_GT, a, 0, false);
    ARRAY_EINVAL(dusk_array_mask, 0, NULL, mask);
    ARRAY_EINVAL(dusk_array_mask, 1, a, NULL);
    dusk_array *masked = dusk_array_mask(a, mask), *known = (dusk_array *)buf;
    GIVES(dusk_array_unknown_chunks, 0, true, masked);
    dusk_array *cond = dusk_array_binop_scalar(DUSK_BINOP_GT, dusk_arange(ctx, 0, 4, 1, "2"), 1,
                                               false);
    ARRAY_EINVAL(dusk_array_compress, 0, NULL, a, 0);
    ARRAY_EINVAL(dusk_array_compress, 1, cond, NULL, 0);
    ARRAY_OK(dusk_array_compress, 2, cond, a, DUSK_AXIS_NONE);   /* axis=None: flattened */
    ARRAY_EINVAL(dusk_array_unique, 0, NULL);
    EINVAL_ERR(dusk_array_compute_chunk_sizes, 0, "a", NULL, &sync, &known, &err);
    assert_null(known);
    GIVES(dusk_array_compute_chunk_sizes, 1, 0, masked, NULL, &known, &err);
    assert_false(dusk_array_unknown_chunks(known));
    EINVAL_ERR(dusk_array_compute_chunk_sizes, 2, "out", masked, &sync, NULL, &err);
    GIVES(dusk_array_compute_chunk_sizes, 3, 0, masked, &sync, &known, NULL);

    const char *h5 = scratch("store.hdf5");
    dusk_store_options so = {0, true};
    EINVAL_ERR(dusk_array_store, 0, "a", NULL, h5, "/x", &so, &sync, &err);
    assert_false(file_exists(h5));
    EINVAL_ERR(dusk_array_store, 1, "path", a, NULL, "/x", &so, &sync, &err);
    EINVAL_ERR(dusk_array_store, 2, "dataset", a, h5, NULL, &so, &sync, &err);
    assert_false(file_exists(h5));
    GIVES(dusk_array_store, 3, 0, a, h5, "/x", NULL, &sync, &err);
    GIVES(dusk_array_store, 4, 0, a, h5, "/y", &so, NULL, &err);
    GIVES(dusk_array_store, 5, 0, a, h5, "/x", &so, &sync, NULL);

    /* HDF5 attributes and regions (array/store.c) */
    dusk_hdf5_options ho = DUSK_HDF5_OPTIONS_INIT;
    EINVAL_ERR(dusk_array_store_hdf5, 0, "a", NULL, h5, "/z", &so, &ho, &sync, &err);
    EINVAL_ERR(dusk_array_store_hdf5, 1, "path", a, NULL, "/z", &so, &ho, &sync, &err);
    EINVAL_ERR(dusk_array_store_hdf5, 2, "dataset", a, h5, NULL, &so, &ho, &sync, &err);
    GIVES(dusk_array_store_hdf5, 3, 0, a, h5, "/z", NULL, &ho, &sync, &err);
    GIVES(dusk_array_store_hdf5, 4, 0, a, h5, "/z", &so, NULL, &sync, &err);
    GIVES(dusk_array_store_hdf5, 5, 0, a, h5, "/z", &so, &ho, NULL, &err);
    GIVES(dusk_array_store_hdf5, 6, 0, a, h5, "/z", &so, &ho, &sync, NULL);
    dusk_value *attrs = NULL;
    EINVAL_ERR(dusk_hdf5_attrs, 0, "path", NULL, "/z", &attrs, &err);
    EINVAL_ERR(dusk_hdf5_attrs, 1, "dataset", h5, NULL, &attrs, &err);
    EINVAL_ERR(dusk_hdf5_attrs, 2, "out", h5, "/z", NULL, &err);
    GIVES(dusk_hdf5_attrs, 3, 0, h5, "/z", &attrs, NULL);
    assert_int_equal(dusk_tuple_len(attrs), 0);
    dusk_value_unref(attrs);
    EINVAL_ERR(dusk_hdf5_attr_get, 0, "path", NULL, "/z", "u", &attrs, &err);
    EINVAL_ERR(dusk_hdf5_attr_get, 1, "dataset", h5, NULL, "u", &attrs, &err);
    EINVAL_ERR(dusk_hdf5_attr_get, 2, "name", h5, "/z", NULL, &attrs, &err);
    EINVAL_ERR(dusk_hdf5_attr_get, 3, "out", h5, "/z", "u", NULL, &err);
    GIVES(dusk_hdf5_attr_get, 4, DUSK_ENOKEY, h5, "/z", "u", &attrs, NULL);
    assert_null(attrs);
    EINVAL_ERR(dusk_hdf5_list, 0, "path", NULL, "/", &attrs, &err);
    EINVAL_ERR(dusk_hdf5_list, 1, "group", h5, NULL, &attrs, &err);
    EINVAL_ERR(dusk_hdf5_list, 2, "out", h5, "/", NULL, &err);
    GIVES(dusk_hdf5_list, 3, 0, h5, "/", &attrs, NULL);
    assert_true(dusk_tuple_len(attrs) >= 1);   /* /z at least */
    dusk_value_unref(attrs);
    dusk_array_ctx_free(ctx);
}

/* --- libdusk-viz ---------------------------------------------------------------------- */

static void test_viz(void **state)
{
    (void)state;
    dusk_graph *g = lecture_dsk();
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_array *a = dusk_ones(ctx, DUSK_SHAPE(4), "2", DUSK_DT_F8);
    dusk_viz_options dot = DUSK_VIZ_OPTIONS_INIT;
    dot.format = "dot";
    dot.quiet = true;
    const char *path = scratch("g.dot");
    char *mem = (char *)path;
    size_t len = 7;

    EINVAL_ERR(dusk_visualize, 0, "g", NULL, path, &dot, &err);
    assert_false(file_exists(path));                        /* nothing written */
    EINVAL_ERR(dusk_visualize, 1, "path", g, NULL, &dot, &err);
    GIVES(dusk_visualize, 2, 0, g, path, NULL, &err);       /* "dot" from the name */
    GIVES(dusk_visualize, 3, 0, g, path, &dot, NULL);

    EINVAL_ERR(dusk_visualize_mem, 0, "g", NULL, "dot", &dot, &mem, &len, &err);
    assert_null(mem);
    assert_int_equal(len, 0);
    GIVES(dusk_visualize_mem, 1, 0, g, NULL, &dot, &mem, &len, &err);  /* o's format */
    assert_contains(mem, "digraph");
    dusk_free(mem);
    GIVES(dusk_visualize_mem, 2, 0, g, "dot", NULL, &mem, &len, &err);
    dusk_free(mem);
    EINVAL_ERR(dusk_visualize_mem, 3, "buf", g, "dot", &dot, NULL, &len, &err);
    EINVAL_ERR(dusk_visualize_mem, 4, "len", g, "dot", &dot, &mem, NULL, &err);
    GIVES(dusk_visualize_mem, 5, 0, g, "dot", &dot, &mem, &len, NULL);
    dusk_free(mem);

    const char *apath = scratch("a.dot");
    EINVAL_ERR(dusk_visualize_array, 0, "a", NULL, apath, &dot, &err);
    assert_false(file_exists(apath));
    EINVAL_ERR(dusk_visualize_array, 1, "path", a, NULL, &dot, &err);
    GIVES(dusk_visualize_array, 2, 0, a, path, NULL, &err);
    GIVES(dusk_visualize_array, 3, 0, a, path, &dot, NULL);
    mem = (char *)path;
    EINVAL_ERR(dusk_visualize_array_mem, 0, "a", NULL, "dot", &dot, &mem, &len, &err);
    assert_null(mem);
    GIVES(dusk_visualize_array_mem, 1, 0, a, NULL, &dot, &mem, &len, &err);
    dusk_free(mem);
    GIVES(dusk_visualize_array_mem, 2, 0, a, "dot", NULL, &mem, &len, &err);
    dusk_free(mem);
    EINVAL_ERR(dusk_visualize_array_mem, 3, "buf", a, "dot", &dot, NULL, &len, &err);
    EINVAL_ERR(dusk_visualize_array_mem, 4, "len", a, "dot", &dot, &mem, NULL, &err);
    GIVES(dusk_visualize_array_mem, 5, 0, a, "dot", &dot, &mem, &len, NULL);
    dusk_free(mem);
    EINVAL_ERR(dusk_viz_chunks_svg, 0, "a", NULL, 0, &mem, &len, &err);
    assert_null(mem);
    EINVAL_ERR(dusk_viz_chunks_svg, 2, "buf", a, 0, NULL, &len, &err);
    GIVES(dusk_viz_chunks_svg, 3, 0, a, 0, &mem, NULL, &err);
    dusk_free(mem);
    GIVES(dusk_viz_chunks_svg, 4, 0, a, 0, &mem, &len, NULL);
    assert_non_null(strstr(mem, "<svg"));
    dusk_free(mem);
    dusk_array *pair[2] = {a, a};
    EINVAL_ERR(dusk_visualize_arrays, 0, "a", NULL, 2, apath, &dot, &err);
    assert_false(file_exists(apath));
    EINVAL_ERR(dusk_visualize_arrays, 2, "path", pair, 2, NULL, &dot, &err);
    GIVES(dusk_visualize_arrays, 3, 0, pair, 2, path, NULL, &err);
    GIVES(dusk_visualize_arrays, 4, 0, pair, 2, path, &dot, NULL);
    mem = (char *)path;
    EINVAL_ERR(dusk_visualize_arrays_mem, 0, "a", NULL, 2, "dot", &dot, &mem, &len, &err);
    assert_null(mem);
    GIVES(dusk_visualize_arrays_mem, 2, 0, pair, 2, NULL, &dot, &mem, &len, &err);
    dusk_free(mem);
    GIVES(dusk_visualize_arrays_mem, 3, 0, pair, 2, "dot", NULL, &mem, &len, &err);
    dusk_free(mem);
    EINVAL_ERR(dusk_visualize_arrays_mem, 4, "buf", pair, 2, "dot", &dot, NULL, &len, &err);
    EINVAL_ERR(dusk_visualize_arrays_mem, 5, "len", pair, 2, "dot", &dot, &mem, NULL, &err);
    GIVES(dusk_visualize_arrays_mem, 6, 0, pair, 2, "dot", &dot, &mem, &len, NULL);
    dusk_free(mem);

    dusk_viz_layout *lay = (dusk_viz_layout *)path;
    EINVAL_ERR(dusk_viz_layout_graph, 0, "g", NULL, &dot, &lay, &err);
    assert_null(lay);
    EINVAL_ERR(dusk_viz_layout_graph, 2, "out", g, &dot, NULL, &err);
    GIVES(dusk_viz_layout_graph, 3, 0, g, &dot, &lay, NULL);
    dusk_viz_layout_free(lay);
    GIVES(dusk_viz_layout_graph, 1, 0, g, NULL, &lay, &err);
    dusk_viz_layout_free(lay);
    EINVAL_ERR(dusk_viz_layout_array, 0, "a", NULL, &dot, &lay, &err);
    assert_null(lay);
    EINVAL_ERR(dusk_viz_layout_array, 2, "out", a, &dot, NULL, &err);
    GIVES(dusk_viz_layout_array, 3, 0, a, &dot, &lay, NULL);
    dusk_viz_layout_free(lay);
    GIVES(dusk_viz_layout_array, 1, 0, a, NULL, &lay, &err);
    dusk_plan *plan = NULL;
    assert_int_equal(dusk_plan_new(g, (const char *[]){"z"}, 1, &plan, &err), 0);
    dusk_viz_layout *play = (dusk_viz_layout *)path;
    EINVAL_ERR(dusk_viz_layout_plan, 0, "p", NULL, &dot, &play, &err);
    assert_null(play);
    EINVAL_ERR(dusk_viz_layout_plan, 2, "out", plan, &dot, NULL, &err);
    GIVES(dusk_viz_layout_plan, 3, 0, plan, &dot, &play, NULL);
    dusk_viz_layout_free(play);
    GIVES(dusk_viz_layout_plan, 1, 0, plan, NULL, &play, &err);
    dusk_viz_layout_free(play);
    dusk_plan_unref(plan);
    CALLS(dusk_viz_layout_free, 0, NULL);

    GIVES(dusk_viz_layout_view, 0, DUSK_VIZ_AUTO, NULL);
    double w = 7, h = 7;
    CALLS(dusk_viz_layout_bbox, 0, NULL, &w, &h);
    assert_true(w == 0 && h == 0);
    CALLS(dusk_viz_layout_bbox, 1, lay, NULL, &h);
    CALLS(dusk_viz_layout_bbox, 2, lay, &w, NULL);
    assert_true(w > 0 && h > 0);
    size_t n = 7;
    GIVES_NULL(dusk_viz_layout_nodes, 0, NULL, &n);
    assert_int_equal(n, 0);
    mark("dusk_viz_layout_nodes", 1);
    assert_non_null(dusk_viz_layout_nodes(lay, NULL));    /* the count is optional */
    n = 7;
    GIVES_NULL(dusk_viz_layout_edges, 0, NULL, &n);
    assert_int_equal(n, 0);
    mark("dusk_viz_layout_edges", 1);
    assert_non_null(dusk_viz_layout_edges(lay, NULL));
    dusk_viz_layout_free(lay);

    dusk_viz_color c = DUSK_VIZ_COLOR_BYTES;
    EINVAL_NOERR(dusk_viz_color_parse, 0, NULL, &c);
    assert_int_equal(c, DUSK_VIZ_COLOR_BYTES);
    EINVAL_NOERR(dusk_viz_color_parse, 1, "order", NULL);
    mark("dusk_viz_color_name", -1);
    assert_string_equal(dusk_viz_color_name(DUSK_VIZ_COLOR_ORDER), "order");

    mark("dusk_viz_recorder_new", -1);
    CALLS(dusk_viz_recorder_free, 0, NULL);
    mark("dusk_viz_recorder_callbacks", 0);
    dusk_callbacks cb = dusk_viz_recorder_callbacks(NULL);
    assert_true(!cb.on_event && !cb.on_events && !cb.start && !cb.finish && !cb.pretask &&
                !cb.posttask);
    dusk_viz_recorder *rec = dusk_viz_recorder_new();
    dusk_event ev = {0};
    EINVAL_NOERR(dusk_viz_recorder_add, 0, NULL, &ev, 1);
    EINVAL_NOERR(dusk_viz_recorder_add, 1, rec, NULL, 1);
    assert_int_equal(dusk_viz_recorder_add(rec, NULL, 0), 0);   /* none */
    n = 7;
    GIVES_NULL(dusk_viz_recorder_events, 0, NULL, &n);
    assert_int_equal(n, 0);
    assert_int_equal(dusk_viz_recorder_add(rec, &ev, 1), 0);
    mark("dusk_viz_recorder_events", 1);                    /* the count is optional */
    assert_non_null(dusk_viz_recorder_events(rec, NULL));
    GIVES_NULL(dusk_viz_recorder_plan, 0, NULL);
    GIVES(dusk_viz_recorder_lost, 0, 0, NULL);
    CALLS(dusk_viz_recorder_clear, 0, NULL);
    dusk_viz_recorder_free(rec);

    dusk_array_ctx_free(ctx);
    dusk_graph_free(g);
}

/* --- libdusk-profiler -------------------------------------------------------------------- */

static int sink(void *closure, const unsigned char *data, size_t n)
{
    (void)data;
    *(size_t *)closure += n;
    return 0;
}
static int sink_nothing(void *closure, const unsigned char *data, size_t n)
{
    (void)closure, (void)data, (void)n;
    return 0;
}

static void test_profiler(void **state)
{
    (void)state;
    dusk_profiler *p = (dusk_profiler *)&err;
    mark("dusk_profiler_new", 0);
    p = dusk_profiler_new(NULL);
    assert_non_null(p);
    dusk_callbacks cb = dusk_profiler_callbacks(p);
    dusk_options o = DUSK_OPTIONS_INIT;
    o.scheduler = DUSK_SCHED_SYNC;
    o.callbacks = &cb;
    o.ncallbacks = 1;
    dusk_graph *g = lecture_dsk();
    dusk_value *z;
    assert_int_equal(dusk_get(g, "z", &o, &z, &err), 0);
    dusk_value_unref(z);
    dusk_graph_free(g);

    CALLS(dusk_profiler_free, 0, NULL);
    mark("dusk_profiler_callbacks", 0);
    cb = dusk_profiler_callbacks(NULL);
    assert_true(!cb.on_event && !cb.on_events && !cb.start && !cb.finish && !cb.pretask &&
                !cb.posttask);
    EINVAL_NOERR(dusk_profiler_begin, 0, NULL);
    EINVAL_NOERR(dusk_profiler_end, 0, NULL);
    CALLS(dusk_profiler_clear, 0, NULL);
    EINVAL_NOERR(dusk_profiler_status, 0, NULL);
    GIVES(dusk_profiler_lost, 0, 0, NULL);
    GIVES(dusk_profiler_ntasks, 0, 0, NULL);
    GIVES_NULL(dusk_profiler_tasks, 0, NULL);
    GIVES(dusk_profiler_nruns, 0, 0, NULL);
    GIVES_NULL(dusk_profiler_runs, 0, NULL);
    GIVES(dusk_profiler_nsamples, 0, 0, NULL);
    GIVES_NULL(dusk_profiler_samples, 0, NULL);
    GIVES(dusk_profiler_ngroups, 0, 0, NULL);
    GIVES_NULL(dusk_profiler_group, 0, NULL, 0);
    const dusk_cache_point *pts = (const dusk_cache_point *)&err;
    GIVES(dusk_profiler_cache_series, 0, 0, NULL, 0, &pts);
    assert_null(pts);
    size_t ng = dusk_profiler_ngroups(p);
    size_t npts = dusk_profiler_cache_series(p, ng, &pts);
    assert_true(npts > 0);
    GIVES(dusk_profiler_cache_series, 2, npts, p, ng, NULL);   /* the length alone */

    dusk_event *ev = (dusk_event *)&err;
    size_t n = 7;
    EINVAL_NOERR(dusk_profiler_run_events, 0, NULL, 0, &ev, &n);
    assert_null(ev);
    assert_int_equal(n, 0);
    EINVAL_NOERR(dusk_profiler_run_events, 2, p, 0, NULL, &n);
    EINVAL_NOERR(dusk_profiler_run_events, 3, p, 0, &ev, NULL);

    dusk_profile_summary sum;
    EINVAL_NOERR(dusk_profiler_summary, 0, NULL, &sum);
    EINVAL_NOERR(dusk_profiler_summary, 1, p, NULL);
    /* colours: p NULL by the name's hash, name NULL as "", rgb NULL a no-op;
     * p's busiest function takes the palette's first colour */
    uint8_t c1[3] = {1, 2, 3}, c2[3] = {4, 5, 6};
    CALLS(dusk_profiler_colour, 0, NULL, "inc", c1);
    dusk_profiler_colour(NULL, "inc", c2);
    assert_memory_equal(c1, c2, 3);
    CALLS(dusk_profiler_colour, 1, p, NULL, c1);
    dusk_profiler_colour(p, "", c2);
    assert_memory_equal(c1, c2, 3);
    CALLS(dusk_profiler_colour, 2, p, "inc", NULL);
    assert_int_equal(dusk_profiler_summary(p, &sum), 0);
    dusk_profiler_colour(p, sum.funcs[0].func, c1);
    assert_memory_equal(c1, ((const uint8_t[]){0x1f, 0x77, 0xb4}), 3);
    FILE *devnull = fopen("/dev/null", "w");
    assert_non_null(devnull);
    EINVAL_NOERR(dusk_profiler_print_summary, 0, NULL, devnull);
    EINVAL_NOERR(dusk_profiler_print_summary, 1, p, NULL);
    fclose(devnull);

    const char *trace = scratch("trace.json");
    EINVAL_ERR(dusk_profiler_write_trace, 0, "p", NULL, trace, NULL, &err);
    assert_false(file_exists(trace));
    EINVAL_ERR(dusk_profiler_write_trace, 1, "path", p, NULL, NULL, &err);
    GIVES(dusk_profiler_write_trace, 2, 0, p, trace, NULL, &err);
    GIVES(dusk_profiler_write_trace, 3, 0, p, trace, NULL, NULL);

    dusk_profiler *back = (dusk_profiler *)&err;
    EINVAL_ERR(dusk_profiler_read_trace, 0, "path", NULL, &back, &err);
    assert_null(back);
    EINVAL_ERR(dusk_profiler_read_trace, 1, "out", trace, NULL, &err);
    GIVES(dusk_profiler_read_trace, 2, 0, trace, &back, NULL);
    assert_int_equal(dusk_profiler_ntasks(back), 5);
    dusk_profiler_free(back);

    size_t tlen;
    char *text = slurp(trace, &tlen);
    assert_non_null(text);
    back = (dusk_profiler *)&err;
    EINVAL_ERR(dusk_profiler_read_trace_buffer, 0, "data", NULL, tlen, "t", &back, &err);
    assert_null(back);
    GIVES(dusk_profiler_read_trace_buffer, 2, 0, text, tlen, NULL, &back, &err);  /* no name */
    dusk_profiler_free(back);
    EINVAL_ERR(dusk_profiler_read_trace_buffer, 3, "out", text, tlen, "t", NULL, &err);
    GIVES(dusk_profiler_read_trace_buffer, 4, 0, text, tlen, "t", &back, NULL);
    dusk_profiler_free(back);
    /* a bad buffer with no name: the message still says where */
    GIVES(dusk_profiler_read_trace_buffer, 2, DUSK_EINVAL, "[{", 2, NULL, &back, &err);
    assert_true(err.msg[0] != '\0');
    free(text);

    const char *csv = scratch("t.csv");
    EINVAL_ERR(dusk_profiler_write_tasks_csv, 0, "p", NULL, csv, &err);
    assert_false(file_exists(csv));
    EINVAL_ERR(dusk_profiler_write_tasks_csv, 1, "path", p, NULL, &err);
    GIVES(dusk_profiler_write_tasks_csv, 2, 0, p, csv, NULL);
    EINVAL_ERR(dusk_profiler_write_resources_csv, 0, "p", NULL, csv, &err);
    EINVAL_ERR(dusk_profiler_write_resources_csv, 1, "path", p, NULL, &err);
    GIVES(dusk_profiler_write_resources_csv, 2, 0, p, csv, NULL);
    EINVAL_ERR(dusk_profiler_write_cache_csv, 0, "p", NULL, csv, &err);
    EINVAL_ERR(dusk_profiler_write_cache_csv, 1, "path", p, NULL, &err);
    GIVES(dusk_profiler_write_cache_csv, 2, 0, p, csv, NULL);

    const char *svg = scratch("chart.svg");
    dusk_chart_options co = DUSK_CHART_OPTIONS_INIT;
    co.format = DUSK_CHART_SVG;
    EINVAL_ERR(dusk_profiler_write_chart, 0, "p", NULL, svg, &co, &err);
    assert_false(file_exists(svg));
    EINVAL_ERR(dusk_profiler_write_chart, 1, "path", p, NULL, &co, &err);
    GIVES(dusk_profiler_write_chart, 2, 0, p, svg, NULL, &err);
    GIVES(dusk_profiler_write_chart, 3, 0, p, svg, &co, NULL);
    size_t bytes = 0;
    EINVAL_ERR(dusk_profiler_chart_to, 0, "p", NULL, sink, &bytes, &co, &err);
    EINVAL_ERR(dusk_profiler_chart_to, 1, "write", p, NULL, &bytes, &co, &err);
    GIVES(dusk_profiler_chart_to, 2, 0, p, sink_nothing, NULL, &co, &err);  /* closure: the caller's */
    GIVES(dusk_profiler_chart_to, 4, 0, p, sink, &bytes, &co, NULL);
    assert_true(bytes > 0);
    /* no options: the defaults, whose format (AUTO) a writer cannot take */
    GIVES(dusk_profiler_chart_to, 3, DUSK_EINVAL, p, sink, &bytes, NULL, &err);

    const char *html = scratch("report.html");
    EINVAL_ERR(dusk_profiler_write_report, 0, "p", NULL, html, NULL, &err);
    assert_false(file_exists(html));
    EINVAL_ERR(dusk_profiler_write_report, 1, "path", p, NULL, NULL, &err);
    GIVES(dusk_profiler_write_report, 2, 0, p, html, NULL, &err);
    GIVES(dusk_profiler_write_report, 3, 0, p, html, NULL, NULL);
    dusk_profiler_free(p);

    mark("dusk_progress_new", 0);
    dusk_progress *bar = dusk_progress_new(NULL);
    assert_non_null(bar);
    dusk_progress_free(bar);
    CALLS(dusk_progress_free, 0, NULL);
    mark("dusk_progress_callbacks", 0);
    cb = dusk_progress_callbacks(NULL);
    assert_true(!cb.on_event && !cb.on_events && !cb.start && !cb.finish && !cb.pretask &&
                !cb.posttask);
    mark("dusk_progress_last_duration", 0);
    assert_true(dusk_progress_last_duration(NULL) == 0.0);
}

/* --- libdusk-gui ------------------------------------------------------------------------- */

static void test_gui(void **state)
{
    (void)state;
    mark("dusk_viewer_new", 0);
    dusk_viewer *v = dusk_viewer_new(NULL);   /* the defaults */
    assert_non_null(v);
    CALLS(dusk_viewer_free, 0, NULL);
    mark("dusk_viewer_callbacks", 0);
    dusk_callbacks cb = dusk_viewer_callbacks(NULL);
    assert_true(!cb.on_event && !cb.on_events && !cb.start && !cb.finish && !cb.pretask &&
                !cb.posttask);
    GIVES_NULL(dusk_viewer_stream, 0, NULL);
    GIVES(dusk_viewer_pump, 0, 0, NULL);
    GIVES(dusk_viewer_pump_for, 0, 0, NULL, 1000);
    GIVES(dusk_viewer_backlog, 0, 0, NULL);

    dusk_graph *g = lecture_dsk();
    const char *keys[] = {"z"};
    dusk_plan *p = NULL;
    assert_int_equal(dusk_plan_new(g, keys, 1, &p, &err), 0);
    EINVAL_ERR(dusk_viewer_set_plan, 0, "v", NULL, p, &err);
    EINVAL_ERR(dusk_viewer_set_plan, 1, "plan", v, NULL, &err);
    GIVES(dusk_viewer_set_plan, 2, 0, v, p, NULL);
    dusk_event begin = {.kind = DUSK_EV_RUN_BEGIN, .task = -1, .worker = -1, .status = 1};
    EINVAL_NOERR(dusk_viewer_feed, 0, NULL, &begin, 1);
    EINVAL_NOERR(dusk_viewer_feed, 1, v, NULL, 1);
    assert_int_equal(dusk_viewer_feed(v, &begin, 1), 0);
    int64_t z = dusk_graph_find(g, "z");
    assert_int_equal(dusk_viewer_state(v, z), DUSK_TASK_WAITING);

    GIVES(dusk_viewer_state, 0, -1, NULL, z);
    GIVES(dusk_viewer_count, 0, 0, NULL, DUSK_TASK_WAITING);
    GIVES(dusk_viewer_worker_task, 0, -1, NULL, 0);
    GIVES(dusk_viewer_events, 0, 0, NULL);
    GIVES(dusk_viewer_unplaced, 0, 0, NULL);
    GIVES(dusk_viewer_layout_ns, 0, 0, NULL);
    const dusk_held_point *pts = (const dusk_held_point *)&err;
    uint64_t peak = 7;
    GIVES(dusk_viewer_held, 0, 0, NULL, &pts, &peak);
    assert_null(pts);
    assert_int_equal(peak, 0);
    GIVES(dusk_viewer_held, 1, dusk_viewer_held(v, &pts, NULL), v, NULL, &peak);
    GIVES(dusk_viewer_held, 2, dusk_viewer_held(v, &pts, &peak), v, &pts, NULL);
    dusk_view_rect r;
    EINVAL_NOERR(dusk_viewer_node, 0, NULL, z, &r);
    EINVAL_NOERR(dusk_viewer_node, 2, v, z, NULL);
    GIVES(dusk_viewer_nlayers, 0, 0, NULL);
    GIVES(dusk_viewer_layer_view, 0, 0, NULL);
    EINVAL_NOERR(dusk_viewer_seek, 0, NULL, 5);
    GIVES(dusk_viewer_time, 0, 0, NULL);
    GIVES(dusk_viewer_duration, 0, 0, NULL);
    CALLS(dusk_viewer_follow, 0, NULL);
    EINVAL_NOERR(dusk_viewer_set_speed, 0, NULL, 2.0);
    GIVES(dusk_viewer_advance, 0, 0, NULL, 1000);
    EINVAL_ERR(dusk_viewer_load_trace, 0, "v", NULL, "trace.json", &err);
    EINVAL_ERR(dusk_viewer_load_trace, 1, "path", v, NULL, &err);
    GIVES(dusk_viewer_load_trace, 2, DUSK_EIO, v, "/nonexistent/trace.json", NULL);
    assert_int_equal(dusk_viewer_state(v, z), DUSK_TASK_WAITING);   /* untouched */
    /* the renderer is checked before SDL is touched (tests/gui/test_render.c
     * draws with a real one) */
    struct SDL_Renderer *ren = (struct SDL_Renderer *)&err;
    EINVAL_ERR(dusk_viewer_render, 0, "v", NULL, ren, 64, 64, &err);
    EINVAL_ERR(dusk_viewer_render, 1, "r", v, NULL, 64, 64, &err);
    mark("dusk_viewer_render", 4);
    assert_int_equal(dusk_viewer_render(v, NULL, 64, 64, NULL), DUSK_EINVAL);
    dusk_array_ctx *actx = dusk_array_ctx_new();
    dusk_array *arr = dusk_ones(actx, DUSK_SHAPE(4), "2", DUSK_DT_F8);
    EINVAL_ERR(dusk_viewer_set_array, 0, "v", NULL, arr, &err);
    EINVAL_ERR(dusk_viewer_set_array, 1, "a", v, NULL, &err);
    GIVES(dusk_viewer_set_array, 2, 0, v, arr, NULL);
    dusk_array_ctx_free(actx);

    /* the window: arguments are checked before SDL is touched
     * (tests/gui/test_window.c opens windows) */
    GIVES(dusk_viewer_handle, 0, 0, NULL, (const union SDL_Event *)&err);
    GIVES(dusk_viewer_handle, 1, 0, v, NULL);
    EINVAL_ERR(dusk_viewer_screenshot, 0, "v", NULL, ren, 64, 64, "x.png", &err);
    EINVAL_ERR(dusk_viewer_screenshot, 1, "r", v, NULL, 64, 64, "x.png", &err);
    EINVAL_ERR(dusk_viewer_screenshot, 4, "r", v, NULL, 64, 64, NULL, &err);
    GIVES(dusk_viewer_screenshot, 5, DUSK_EINVAL, NULL, ren, 64, 64, "x.png", NULL);
    dusk_view_options vo = DUSK_VIEW_OPTIONS_INIT;
    dusk_value *out = (dusk_value *)&err;
    EINVAL_ERR(dusk_view_get, 0, "g", NULL, "z", &vo, &out, &err);
    assert_null(out);
    EINVAL_ERR(dusk_view_get, 1, "key", g, NULL, &vo, &out, &err);
    EINVAL_ERR(dusk_view_get, 3, "out", g, "z", &vo, NULL, &err);
    EINVAL_ERR(dusk_view_get, 2, "out", g, "z", NULL, NULL, &err);   /* vo: the defaults */
    GIVES(dusk_view_get, 4, DUSK_EINVAL, NULL, "z", &vo, &out, NULL);
    /* dusk_view_compute takes the request over, also when it fails */
    EINVAL_ERR(dusk_view_compute, 0, "g", NULL, dusk_ref("z"), &vo, &out, &err);
    assert_null(out);
    GIVES(dusk_view_compute, 1, DUSK_ENOMEM, g, NULL, &vo, &out, &err);
    EINVAL_ERR(dusk_view_compute, 3, "out", g, dusk_ref("z"), &vo, NULL, &err);
    EINVAL_ERR(dusk_view_compute, 2, "out", g, dusk_ref("z"), NULL, NULL, &err);
    GIVES(dusk_view_compute, 4, DUSK_EINVAL, NULL, dusk_ref("z"), &vo, &out, NULL);
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_array *a = dusk_ones(ctx, DUSK_SHAPE(4), "2", DUSK_DT_F8);
    EINVAL_ERR(dusk_view_array_compute, 0, "a", NULL, &vo, &out, &err);
    EINVAL_ERR(dusk_view_array_compute, 2, "out", a, &vo, NULL, &err);
    EINVAL_ERR(dusk_view_array_compute, 1, "out", a, NULL, NULL, &err);
    GIVES(dusk_view_array_compute, 3, DUSK_EINVAL, NULL, &vo, &out, NULL);
    const char *h5 = scratch("view.h5");
    EINVAL_ERR(dusk_view_array_store, 0, "a", NULL, h5, "/x", NULL, &vo, &err);
    EINVAL_ERR(dusk_view_array_store, 1, "path", a, NULL, "/x", NULL, &vo, &err);
    EINVAL_ERR(dusk_view_array_store, 2, "dataset", a, h5, NULL, NULL, &vo, &err);
    EINVAL_ERR(dusk_view_array_store, 3, "a", NULL, h5, "/x", NULL, NULL, &err);
    mark("dusk_view_array_store", 4);
    GIVES(dusk_view_array_store, 5, DUSK_EINVAL, NULL, h5, "/x", NULL, &vo, NULL);
    assert_false(file_exists(h5));
    dusk_array_ctx_free(ctx);
    EINVAL_ERR(dusk_view_trace, 0, "path", NULL, &vo, &err);
    /* vo NULL: the defaults; a trace that is not there fails before any window */
    mark("dusk_view_trace", 1);
    assert_true(dusk_view_trace(scratch("no-trace.json"), NULL, &err) != 0);
    GIVES(dusk_view_trace, 2, DUSK_EINVAL, NULL, &vo, NULL);
    EINVAL_ERR(dusk_view_theme_check, 0, "theme", NULL, &err);
    GIVES(dusk_view_theme_check, 1, DUSK_EINVAL, "sepia", NULL);   /* err NULL: the code alone */
    GIVES(dusk_view_theme_check, 1, 0, "dark", NULL);
    dusk_viewer_free(v);
    dusk_plan_unref(p);
    dusk_graph_free(g);
}

/* classroom mode (gui/control.c): a NULL viewer changes nothing and reads 0 */
static void test_gui_control(void **state)
{
    (void)state;
    CALLS(dusk_viewer_pause, 0, NULL, 1);
    GIVES(dusk_viewer_paused, 0, 0, NULL);
    CALLS(dusk_viewer_step, 0, NULL);
    CALLS(dusk_viewer_set_delay, 0, NULL, 1.0);
    mark("dusk_viewer_delay", 0);
    assert_true(dusk_viewer_delay(NULL) == 0.0);
    CALLS(dusk_viewer_close, 0, NULL);
    GIVES(dusk_viewer_closed, 0, 0, NULL);
    dusk_callbacks cb = dusk_viewer_callbacks(NULL);
    assert_null(cb.gate);
}

/* --- every function, every pointer ---------------------------------------------------------- */

typedef struct {
    char name[64];
    unsigned long ptrs;   /* bit i: argument i is a pointer */
    int nargs;
} api_fn;

/* The header text with comments and preprocessor lines blanked out. */
static void strip(char *s)
{
    char *p = s;
    int bol = 1;
    while (*p) {
        if (p[0] == '/' && p[1] == '*') {
            char *e = strstr(p + 2, "*/");
            char *end = e ? e + 2 : p + strlen(p);
            for (; p < end; p++)
                if (*p != '\n')
                    *p = ' ';
            continue;
        }
        if (bol && *p == '#') {            /* a directive, with its continuations */
            while (*p && !(*p == '\n' && p[-1] != '\\'))
                *p++ = ' ';
            continue;
        }
        if (*p == '\n')
            bol = 1;
        else if (!isspace((unsigned char)*p))
            bol = 0;
        p++;
    }
}

/* Reads every DUSK_API function declared in include/dusk/ *.h. */
static size_t read_api(api_fn *fns, size_t max)
{
    FILE *ls = popen("ls include/dusk/*.h", "r");
    assert_non_null(ls);
    char path[512];
    size_t n = 0;
    while (fgets(path, sizeof path, ls)) {
        path[strcspn(path, "\n")] = '\0';
        char *text = slurp(path, NULL);
        assert_non_null(text);
        strip(text);
        for (char *at = strstr(text, "DUSK_API"); at; at = strstr(at + 8, "DUSK_API")) {
            char *semi = strchr(at, ';'), *open = strchr(at, '(');
            if (!semi || !open || open > semi)
                continue;                      /* an object (dusk_inc), not a function */
            char *e = open;
            while (e > at && isspace((unsigned char)e[-1]))
                e--;
            char *b = e;
            while (b > at && (isalnum((unsigned char)b[-1]) || b[-1] == '_'))
                b--;
            assert_true(n < max);
            api_fn *f = &fns[n++];
            memset(f, 0, sizeof *f);
            snprintf(f->name, sizeof f->name, "%.*s", (int)(e - b), b);
            /* the arguments: split at depth-0 commas */
            int depth = 0, arg = 0, ptr = 0, words = 0;
            char last[64] = "";
            char *p = open + 1;
            for (; *p && !(depth == 0 && *p == ')'); p++) {
                if (*p == '(')
                    depth++;
                else if (*p == ')')
                    depth--;
                if (*p == '*')
                    ptr = 1;
                if (isalpha((unsigned char)*p) || *p == '_') {
                    char *w = p;
                    while (isalnum((unsigned char)p[1]) || p[1] == '_')
                        p++;
                    snprintf(last, sizeof last, "%.*s", (int)(p - w + 1), w);
                    words++;
                    /* function pointer types (dusk_write_fn) are pointers */
                    size_t wl = strlen(last);
                    if (wl > 3 && strcmp(last + wl - 3, "_fn") == 0)
                        ptr = 1;
                }
                if (depth == 0 && *p == ',') {
                    if (ptr)
                        f->ptrs |= 1ul << arg;
                    arg++;
                    ptr = words = 0;
                }
            }
            if (!(arg == 0 && words == 1 && strcmp(last, "void") == 0) && words) {
                if (ptr)
                    f->ptrs |= 1ul << arg;
                arg++;
            }
            f->nargs = arg;
        }
        free(text);
    }
    pclose(ls);
    return n;
}

static void test_every_function_is_covered(void **state)
{
    (void)state;
    static api_fn fns[512];
    size_t n = read_api(fns, 512);
    assert_true(n > 200);           /* the parse found the API */
    /* ... and reads arguments as the compiler does: function pointers
     * (written out or as a dusk_write_fn), no arguments, varargs */
    int checked = 0;
    for (size_t i = 0; i < n; i++) {
        const struct { const char *fn; unsigned long ptrs; int nargs; } want[] = {
            {"dusk_opaque", 0x3, 3}, {"dusk_profiler_chart_to", 0x1f, 5},
            {"dusk_none", 0, 0}, {"dusk_error_set", 0x5, 3}, {"dusk_get_list", 0x3b, 6}};
        for (size_t k = 0; k < sizeof want / sizeof want[0]; k++)
            if (strcmp(fns[i].name, want[k].fn) == 0) {
                if (fns[i].ptrs != want[k].ptrs || fns[i].nargs != want[k].nargs)
                    fail_msg("%s read as %d arguments, pointers 0x%lx", fns[i].name,
                             fns[i].nargs, fns[i].ptrs);
                checked++;
            }
    }
    assert_int_equal(checked, 5);
    int missing = 0;
    for (size_t i = 0; i < n; i++) {
        const covered *c = NULL;
        for (size_t k = 0; k < ncov; k++)
            if (strcmp(cov[k].fn, fns[i].name) == 0)
                c = &cov[k];
        if (!c) {
            print_message("%s is not called by tests/core/test_nulls.c\n", fns[i].name);
            missing++;
            continue;
        }
        unsigned long left = fns[i].ptrs & ~c->args;
        for (int a = 0; a < fns[i].nargs; a++)
            if ((left >> a) & 1) {
                print_message("%s: argument %d (a pointer) is never given as NULL\n",
                              fns[i].name, a);
                missing++;
            }
    }
    /* and nothing is covered that is not in the headers (a renamed function) */
    for (size_t k = 0; k < ncov; k++) {
        size_t i = 0;
        while (i < n && strcmp(fns[i].name, cov[k].fn) != 0)
            i++;
        if (i == n) {
            print_message("%s is covered but not declared with DUSK_API\n", cov[k].fn);
            missing++;
        }
    }
    assert_int_equal(missing, 0);

    /* The shared libraries export these functions and no other (a function
     * marked DUSK_API where it is defined, but not in a header, would
     * escape the list above). The build tree is found from this program's
     * path, <build>/tests/core/test_nulls. */
    char self[4096];
    int found = build_path(self, sizeof self, "") == 0;
    int status = 0;
    char *nm = found ? run_command("command -v nm", &status) : NULL;
    if (!nm || status != 0) {
        free(nm);
        return;                     /* no binutils: the headers' list stands */
    }
    free(nm);
    static const char *const libs[] = {"dusk", "dusk-array", "dusk-mpi", "dusk-viz",
                                       "dusk-profiler", "dusk-gui"};
    static int exported[512];
    memset(exported, 0, sizeof exported);
    for (size_t l = 0; l < sizeof libs / sizeof libs[0]; l++) {
        char cmd[4400];
        snprintf(cmd, sizeof cmd,
                 "nm -D --defined-only '%s/lib%s.so' | awk '$2 == \"T\" {print $3}'", self,
                 libs[l]);
        char *out = run_command(cmd, &status);
        assert_non_null(out);
        assert_int_equal(status, 0);
        for (char *s = strtok(out, "\n"); s; s = strtok(NULL, "\n")) {
            if (strncmp(s, "dusk_", 5) != 0 || s[5] == '_')
                continue;               /* test_exports judges other names */
            size_t i = 0;
            while (i < n && strcmp(fns[i].name, s) != 0)
                i++;
            if (i == n) {
                print_message("lib%s.so exports %s, which no header declares with DUSK_API\n",
                              libs[l], s);
                missing++;
            } else {
                exported[i]++;
            }
        }
        free(out);
    }
    for (size_t i = 0; i < n; i++)
        if (exported[i] != 1) {
            print_message("%s is exported by %d libraries, not 1\n", fns[i].name, exported[i]);
            missing++;
        }
    assert_int_equal(missing, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_version_alloc_error, note_live, check_live),
        cmocka_unit_test_setup_teardown(test_values, note_live, check_live),
        cmocka_unit_test_setup_teardown(test_graph_building, note_live, check_live),
        cmocka_unit_test_setup_teardown(test_transports, note_live, check_live),
        cmocka_unit_test_setup_teardown(test_graph_reading, note_live, check_live),
        cmocka_unit_test_setup_teardown(test_encode, note_live, check_live),
        cmocka_unit_test_setup_teardown(test_events_plans_runs, note_live, check_live),
        cmocka_unit_test_setup_teardown(test_array_building, note_live, check_live),
        cmocka_unit_test_setup_teardown(test_array_reading, note_live, check_live),
        cmocka_unit_test_setup_teardown(test_viz, note_live, check_live),
        cmocka_unit_test_setup_teardown(test_profiler, note_live, check_live),
        cmocka_unit_test_setup_teardown(test_gui, note_live, check_live),
        cmocka_unit_test_setup_teardown(test_gui_control, note_live, check_live),
        cmocka_unit_test(test_every_function_is_covered),
    };
    return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
