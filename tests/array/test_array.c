/*
** tests/test_array.c — chunked arrays (include/dusk/array.h)
**
** Every operation is checked against a reference that this file computes
** with plain loops (tests/helpers.c reads and writes elements without
** array/nd.c), over several shapes, chunkings with uneven last chunks, and
** all eleven dtypes. The expected dtypes, task counts, chunks and layer
** names were taken from NumPy 1.24 and Dask 2022.12 when the tests were
** written (np.result_type, len(x.__dask_graph__()), x.chunks ...); the tests
** do not run Python.
**
** Where NumPy gives float16 (np.exp of int8, uint8 or bool arrays), dusk
** has no float16 and gives float32; the tables below say f4 there.
**
** Every test runs in its own context; the teardown frees it and checks that
** dusk_alloc_live() is back where it was. Files go to a mkdtemp directory
** that the group teardown removes.
*/
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <inttypes.h>
#include <limits.h>

#include "dusk.h"
#include "dusk/array.h"
#include "dusk/linalg.h"
#include "helpers.h"

/* the reductions but their nan- forms (tested in test_nanreduce.c) */
#define NPLAIN_RED (DUSK_RED_ALL + 1)
/* private: a task's arguments (core), the table of array operations */
#include "core/graph.h"
#include "ops.h"
#include "array.h"   /* dusk__chunk_shapes_graph */

/* --- fixtures ------------------------------------------------------------ */

static char g_tmp[512];       /* the scratch directory of this run */
static dusk_array_ctx *ctx;         /* the current test's context */
static dusk_array_ctx *ctx2;        /* a second one, for tests that need it */
static long live0;            /* dusk_alloc_live() before it */
static unsigned long ncompute; /* alternates schedulers */

static int group_setup(void **state)
{
    (void)state;
    const char *base = getenv("TMPDIR");
    snprintf(g_tmp, sizeof g_tmp, "%s/dusk-test-array-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(g_tmp)) {
        fprintf(stderr, "test_array: mkdtemp(%s): %s\n", g_tmp, strerror(errno));
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    rm_tree(g_tmp);
    return 0;
}

static int setup(void **state)
{
    (void)state;
    dusk_alloc_fail_after(-1);
    live0 = dusk_alloc_live();
    ctx = dusk_array_ctx_new();
    return ctx ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    dusk_alloc_fail_after(-1);
    release_all();
    dusk_array_ctx_free(ctx);
    dusk_array_ctx_free(ctx2);
    ctx = ctx2 = NULL;
    /* empty the scratch directory now: a run that a sanitizer stops
     * leaves at most one test's files behind */
    rm_tree(g_tmp);
    if (mkdir(g_tmp, 0700) != 0)
        return -1;
    long live = dusk_alloc_live();
    if (live != live0) {
        fprintf(stderr, "leak: dusk_alloc_live() is %ld after dusk_array_ctx_free, was %ld\n", live,
                live0);
        return -1;
    }
    return 0;
}

/* A path in the scratch directory. */
static const char *tmp_path(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/%s", g_tmp, name);
    return buf;
}

/* Computes on sync and on two threads in turn. */
static dusk_value *compute(dusk_array *a, const char *what)
{
    dusk_options o = ncompute++ % 2 ? opts_of(DUSK_SCHED_THREADS, 2) : opts_of(DUSK_SCHED_SYNC, 1);
    return compute_with(a, &o, what);
}

/* The result must have dtype t and the given shape. */
static void check_meta(const dusk_array *a, const dusk_value *v, dusk_dtype t, int ndim,
                       const int64_t *shape, const char *what)
{
    if (dusk_array_dtype(a) != t)
        fail_msg("%s: array dtype %s, want %s", what, dusk_dtype_name(dusk_array_dtype(a)),
                 dusk_dtype_name(t));
    if (dusk_ndarray_dtype(v) != t)
        fail_msg("%s: result dtype %s, want %s", what, dusk_dtype_name(dusk_ndarray_dtype(v)),
                 dusk_dtype_name(t));
    if (dusk_array_ndim(a) != ndim)
        fail_msg("%s: array has %d axes, want %d", what, dusk_array_ndim(a), ndim);
    for (int d = 0; d < ndim; d++)
        if (dusk_array_shape(a)[d] != shape[d])
            fail_msg("%s: array axis %d is %lld, want %lld", what, d,
                     (long long)dusk_array_shape(a)[d], (long long)shape[d]);
    assert_shape(v, ndim, shape, what);
}

/* Compares n elements of got (dtype t) with want (dtype t, same layout):
 * integers and bool exactly, floats within rel (NaN == NaN). */
static void check_values(const void *got, const void *want, dusk_dtype t, int64_t n, double rel,
                         double abs_tol, const char *what)
{
    for (int64_t i = 0; i < n; i++) {
        if (dt_float(t)) {
            double g = ref_getf(got, t, i), w = ref_getf(want, t, i);
            if (!close_enough(g, w, rel, abs_tol))
                fail_msg("%s: element %lld is %.17g, want %.17g", what, (long long)i, g, w);
        } else {
            int64_t g = ref_geti(got, t, i), w = ref_geti(want, t, i);
            if (g != w)
                fail_msg("%s: element %lld is %lld, want %lld (%s)", what, (long long)i,
                         (long long)g, (long long)w, dusk_dtype_name(t));
        }
    }
}

/* Tolerances for a float result: computed in double and rounded (f8:
 * a few ulps; f4: NumPy computes in float32, dusk may round once). */
static double rel_of(dusk_dtype t) { return t == DUSK_DT_F4 ? 3e-7 : 1e-14; }

/* --- contexts and errors --------------------------------------------------- */

static void test_ctx_and_error_propagation(void **state)
{
    (void)state;
    dusk_array_ctx_free(NULL);
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_array_ctx_status(ctx, &err), 0);

    dusk_array *x = dusk_ones(ctx, DUSK_SHAPE(4, 3), "2", DUSK_DT_F8);
    assert_int_equal(dusk_array_status(x, NULL), 0);
    dusk_array *bad = dusk_array_add(x, dusk_ones(ctx, DUSK_SHAPE(5), "2", DUSK_DT_F8));
    assert_array_error(bad, DUSK_EINVAL, "do not broadcast");
    /* the first error is the context's too */
    assert_int_equal(dusk_array_ctx_status(ctx, &err), DUSK_EINVAL);
    assert_contains(err.msg, "do not broadcast");

    /* every operation given an array in an error state returns it */
    dusk_array *r = dusk_array_sum(dusk_array_transpose(dusk_array_unop(DUSK_UNOP_EXP,
                        dusk_array_binop_scalar(DUSK_BINOP_MUL, bad, 2, false)), NULL), DUSK_ALL_AXES,
                        false);
    assert_array_error(r, DUSK_EINVAL, "do not broadcast");
    assert_array_error(dusk_array_add(x, bad), DUSK_EINVAL, "do not broadcast");
    assert_array_error(dusk_array_rechunk(bad, "2"), DUSK_EINVAL, "do not broadcast");
    assert_array_error(dusk_array_astype(bad, DUSK_DT_I4), DUSK_EINVAL, "do not broadcast");

    /* a later error does not replace the context's first */
    dusk_array *r2 = dusk_array_sum(x, DUSK_AXIS(5), false);
    assert_array_error(r2, DUSK_EINVAL, "axis");
    assert_int_equal(dusk_array_ctx_status(ctx, &err), DUSK_EINVAL);
    assert_contains(err.msg, "do not broadcast");

    /* computing, storing, describing and graphing an error array */
    dusk_value *v = (dusk_value *)1;
    dusk_error_clear(&err);
    assert_int_equal(dusk_array_compute(r, NULL, &v, &err), DUSK_EINVAL);
    assert_null(v);
    assert_contains(err.msg, "do not broadcast");
    char p[1024];
    tmp_path(p, sizeof p, "never.h5");
    assert_int_equal(dusk_array_store(r, p, "/x", NULL, NULL, &err), DUSK_EINVAL);
    assert_false(file_exists(p));
    char table[1024];
    dusk_array_describe(r, table, sizeof table);
    assert_contains(table, "do not broadcast");
    dusk_graph *g = (dusk_graph *)1;
    assert_int_equal(dusk_array_graph(r, &g, &err), DUSK_EINVAL);
    assert_null(g);
    assert_int_equal(dusk_array_ntasks(r), 0);
    assert_int_equal(dusk_array_nchunks(r), 0);
    assert_int_equal(dusk_array_layers(r, NULL, 0), 0);

    /* missing inputs */
    assert_int_not_equal(dusk_array_status(dusk_array_add(x, NULL), NULL), 0);
    assert_int_not_equal(dusk_array_status(dusk_array_unop(DUSK_UNOP_EXP, NULL), NULL), 0);
    assert_int_equal(dusk_array_status(NULL, &err), DUSK_EINVAL);
    assert_array_error(dusk_array_binop((dusk_binop)99, x, x), DUSK_EINVAL, "unknown operation");
    assert_array_error(dusk_array_unop((dusk_unop)99, x), DUSK_EINVAL, "unknown operation");
    assert_array_error(dusk_array_binop_scalar((dusk_binop)-1, x, 1, false), DUSK_EINVAL,
                       "unknown operation");
}

/* A NULL context is bad input, not an allocation failure. */
static void test_null_context(void **state)
{
    (void)state;
    dusk_array *a = dusk_ones(NULL, DUSK_SHAPE(3), NULL, DUSK_DT_F8);
    assert_non_null(a);
    assert_array_error(a, DUSK_EINVAL, "context");
    assert_array_error(dusk_arange(NULL, 0, 3, 1, NULL), DUSK_EINVAL, "context");
    assert_array_error(dusk_from_hdf5(NULL, "x.h5", "/x", NULL), DUSK_EINVAL, "context");
}

static void test_bad_shapes_and_dtypes(void **state)
{
    (void)state;
    assert_array_error(dusk_ones(ctx, DUSK_SHAPE(3, -1), NULL, DUSK_DT_F8), DUSK_EINVAL, "negative");
    dusk_shape big = {DUSK_MAXDIMS + 1, {0}};
    assert_array_error(dusk_zeros(ctx, big, NULL, DUSK_DT_F8), DUSK_EINVAL, "dimensions");
    dusk_shape neg = {-1, {0}};
    assert_array_error(dusk_zeros(ctx, neg, NULL, DUSK_DT_F8), DUSK_EINVAL, "dimensions");
    assert_array_error(dusk_ones(ctx, DUSK_SHAPE(3), NULL, DUSK_DT_COUNT), DUSK_EINVAL, "dtype");
    assert_array_error(dusk_full(ctx, DUSK_SHAPE(3), NULL, (dusk_dtype)42, 1), DUSK_EINVAL, "dtype");
    double buf[3] = {1, 2, 3};
    assert_array_error(dusk_from_buffer(ctx, buf, DUSK_DT_COUNT, DUSK_SHAPE(3), NULL), DUSK_EINVAL,
                       "dtype");
    assert_array_error(dusk_from_buffer(ctx, NULL, DUSK_DT_F8, DUSK_SHAPE(3), NULL), DUSK_EINVAL,
                       "no data");
}

/* --- chunks ------------------------------------------------------------------ */

static void test_chunks_auto(void **state)
{
    (void)state;
    /* da.ones((20000, 10000)).chunks, per dtype (Dask 2022.12) */
    static const struct { dusk_dtype t; const char *c0, *c1; } want[] = {
        {DUSK_DT_F8, "(4096, 4096, 4096, 4096, 3616)", "(4096, 4096, 1808)"},
        {DUSK_DT_I8, "(4096, 4096, 4096, 4096, 3616)", "(4096, 4096, 1808)"},
        {DUSK_DT_U8, "(4096, 4096, 4096, 4096, 3616)", "(4096, 4096, 1808)"},
        {DUSK_DT_F4, "(5792, 5792, 5792, 2624)", "(5792, 4208)"},
        {DUSK_DT_I4, "(5792, 5792, 5792, 2624)", "(5792, 4208)"},
        {DUSK_DT_U4, "(5792, 5792, 5792, 2624)", "(5792, 4208)"},
        {DUSK_DT_I2, "(8192, 8192, 3616)", "(8192, 1808)"},
        {DUSK_DT_U2, "(8192, 8192, 3616)", "(8192, 1808)"},
        {DUSK_DT_I1, "(13421, 6579)", "(10000,)"},
        {DUSK_DT_U1, "(13421, 6579)", "(10000,)"},
        {DUSK_DT_BOOL, "(13421, 6579)", "(10000,)"},
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        dusk_array *a = dusk_ones(ctx, DUSK_SHAPE(20000, 10000), "auto", want[i].t);
        assert_int_equal(dusk_array_status(a, NULL), 0);
        assert_chunks(a, 0, want[i].c0);
        assert_chunks(a, 1, want[i].c1);
    }
    /* NULL is "auto" */
    dusk_array *a = dusk_zeros(ctx, DUSK_SHAPE(20000, 10000), NULL, DUSK_DT_F8);
    assert_chunks(a, 0, "(4096, 4096, 4096, 4096, 3616)");
    assert_chunks(a, 1, "(4096, 4096, 1808)");
    assert_int_equal(dusk_array_nchunks(a), 15);
    /* (1000, 10000) float64 is 76 MiB: one chunk */
    a = dusk_ones(ctx, DUSK_SHAPE(1000, 10000), "auto", DUSK_DT_F8);
    assert_chunks(a, 0, "(1000,)");
    assert_chunks(a, 1, "(10000,)");
    assert_int_equal(dusk_array_nchunks(a), 1);
    assert_int_equal(dusk_array_ntasks(a), 1);
    /* a mix: ((500, 500), 'auto') */
    a = dusk_ones(ctx, DUSK_SHAPE(1000, 100000), "(500, auto)", DUSK_DT_F8);
    assert_int_equal(dusk_array_status(a, NULL), 0);
    assert_chunks(a, 0, "(500, 500)");
    assert_chunks(a, 1, "(33554, 33554, 32892)");
}

static void test_chunks_specs(void **state)
{
    (void)state;
    static const struct { int ndim; int64_t shape[3]; const char *spec; const char *want[3]; } c[] = {
        {2, {15, 15}, "(5, 5)", {"(5, 5, 5)", "(5, 5, 5)"}},
        {2, {15, 15}, "(5,5)", {"(5, 5, 5)", "(5, 5, 5)"}},
        {2, {13, 7}, "5", {"(5, 5, 3)", "(5, 2)"}},
        {1, {13}, "5", {"(5, 5, 3)"}},
        {1, {13}, "(5,)", {"(5, 5, 3)"}},
        {1, {13}, "((6, 7),)", {"(6, 7)"}},
        {2, {1000, 10000}, "(500, -1)", {"(500, 500)", "(10000,)"}},
        {2, {1000, 10000}, "(500, None)", {"(500, 500)", "(10000,)"}},
        {2, {15, 15}, "((5, 5, 5), (10, 5))", {"(5, 5, 5)", "(10, 5)"}},
        {2, {15, 15}, " ( ( 5 , 5, 5 ) ,(10,5) ) ", {"(5, 5, 5)", "(10, 5)"}},
        {2, {15, 15}, "(20, 20)", {"(15,)", "(15,)"}},   /* larger than the axis */
        {2, {15, 15}, "-1", {"(15,)", "(15,)"}},
        {3, {4, 5, 6}, "(3, 2, 4)", {"(3, 1)", "(2, 2, 1)", "(4, 2)"}},
        {2, {0, 5}, "(5, 5)", {"(0,)", "(5,)"}},         /* an empty axis: one empty block */
    };
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        dusk_shape s = {c[i].ndim, {0}};
        memcpy(s.v, c[i].shape, sizeof c[i].shape);
        dusk_array *a = dusk_ones(ctx, s, c[i].spec, DUSK_DT_F8);
        dusk_error err = DUSK_ERROR_INIT;
        if (dusk_array_status(a, &err))
            fail_msg("chunks \"%s\": %s", c[i].spec, err.msg);
        int64_t n = 1;
        for (int d = 0; d < c[i].ndim; d++) {
            assert_chunks(a, d, c[i].want[d]);
            n *= dusk_array_numblocks(a, d);
        }
        assert_int_equal(dusk_array_nchunks(a), n);
        assert_int_equal(dusk_array_ntasks(a), n);
    }
    /* a 0-d array has one chunk */
    dusk_array *z = dusk_ones(ctx, DUSK_SHAPE0, NULL, DUSK_DT_F8);
    assert_int_equal(dusk_array_status(z, NULL), 0);
    assert_int_equal(dusk_array_ndim(z), 0);
    assert_int_equal(dusk_array_nchunks(z), 1);
    /* out-of-range axis queries */
    assert_int_equal(dusk_array_numblocks(z, 0), 0);
    assert_null(dusk_array_chunks(z, 0));
    assert_null(dusk_array_chunks(z, -1));
}

/* normalize_chunks((6, 7), (13,)) is ((6, 7),) in Dask: for a 1-d array
 * a tuple of sizes that does not give one entry per axis is explicit. */
static void test_chunks_1d_tuple(void **state)
{
    (void)state;
    dusk_array *a = dusk_ones(ctx, DUSK_SHAPE(13), "(6, 7)", DUSK_DT_F8);
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_array_status(a, &err))
        fail_msg("chunks \"(6, 7)\" for shape (13,): %s (Dask: ((6, 7),))", err.msg);
    assert_chunks(a, 0, "(6, 7)");
}

/* Explicit chunks may have any number of blocks:
 * da.ones(5000, chunks=((1,) * 5000,)) has 5000. */
static void test_chunks_long_explicit(void **state)
{
    (void)state;
    size_t cap = 5000 * 3 + 16;
    char *spec = malloc(cap);
    strcpy(spec, "((");
    for (int i = 0; i < 5000; i++)
        strcat(spec, "1, ");
    strcat(spec, "),)");
    dusk_array *a = dusk_ones(ctx, DUSK_SHAPE(5000), spec, DUSK_DT_F8);
    free(spec);
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_array_status(a, &err))
        fail_msg("5000 explicit chunks: %.100s...", err.msg);
    assert_int_equal(dusk_array_numblocks(a, 0), 5000);
}

static void test_chunks_bad(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "abc", "(5, 5, 5)", "((5, 5), (10, 5))", "0", "-2", "(5,", "5)", "(5 5)", "",
        "((5, 5, 5))", "(5, x)", "((5, 5, 5), (10, 5), (1,))", "(0, 5)", "((5, 5, -5), (15,))",
        "(5, 5))", "5 5",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        dusk_array *a = dusk_ones(ctx, DUSK_SHAPE(15, 15), bad[i], DUSK_DT_F8);
        dusk_error err = DUSK_ERROR_INIT;
        int rc = dusk_array_status(a, &err);
        if (rc != DUSK_EINVAL)
            fail_msg("chunks \"%s\" gave %s, want DUSK_EINVAL", bad[i], dusk_err_name(rc));
        char quoted[128];
        snprintf(quoted, sizeof quoted, "\"%s\"", bad[i]);
        assert_contains(err.msg, quoted);
    }
    /* the same checks in rechunk and from_buffer */
    dusk_array *x = dusk_ones(ctx, DUSK_SHAPE(15, 15), "5", DUSK_DT_F8);
    assert_array_error(dusk_array_rechunk(x, "(5, 5, 5)"), DUSK_EINVAL, "\"(5, 5, 5)\"");
    assert_array_error(dusk_array_rechunk(x, "((5, 10), (16,))"), DUSK_EINVAL, "(15, 15)");
    double buf[6] = {0};
    assert_array_error(dusk_from_buffer(ctx, buf, DUSK_DT_F8, DUSK_SHAPE(2, 3), "(1, 2, 3)"),
                       DUSK_EINVAL, "\"(1, 2, 3)\"");
}

/* --- creation ------------------------------------------------------------------ */

static const struct { int ndim; int64_t shape[3]; const char *chunks; } SHAPES[] = {
    {2, {7, 5}, "(3, 2)"},
    {1, {13}, "5"},
    {3, {2, 3, 4}, "(1, 2, 3)"},
    {2, {6, 9}, "((1, 5), (4, 4, 1))"},
};
#define NSHAPES (sizeof SHAPES / sizeof *SHAPES)

static dusk_shape shape_of(size_t i)
{
    dusk_shape s = {SHAPES[i].ndim, {0}};
    memcpy(s.v, SHAPES[i].shape, sizeof SHAPES[i].shape);
    return s;
}

static void test_ones_zeros_full_empty(void **state)
{
    (void)state;
    for (size_t si = 0; si < NSHAPES; si++) {
        dusk_shape s = shape_of(si);
        int64_t n = count_of_shape(s.ndim, s.v);
        for (int ti = 0; ti < NDT; ti++) {
            dusk_dtype t = ALL_DT[ti];
            /* full(7.9) truncates for integers as np.full does; bool: True */
            double fillv = dt_float(t) ? -2.5 : 7.9;
            dusk_array *arr[4] = {
                dusk_ones(ctx, s, SHAPES[si].chunks, t), dusk_zeros(ctx, s, SHAPES[si].chunks, t),
                dusk_full(ctx, s, SHAPES[si].chunks, t, fillv), dusk_empty(ctx, s, SHAPES[si].chunks, t)};
            const char *ops[4] = {"ones_like", "zeros_like", "full_like", "empty_like"};
            for (int k = 0; k < 4; k++) {
                char what[128];
                snprintf(what, sizeof what, "%s %s shape #%zu", ops[k], dusk_dtype_name(t), si);
                dusk_value *v = compute(arr[k], what);
                check_meta(arr[k], v, t, s.ndim, s.v, what);
                dusk_layer_info info[4];
                assert_int_equal(dusk_array_layers(arr[k], info, 4), 1);
                assert_string_equal(info[0].op, ops[k]);
                assert_int_equal(info[0].ntasks, dusk_array_nchunks(arr[k]));
                if (k < 3) {
                    void *want = calloc((size_t)n + 1, dt_size(t));
                    for (int64_t i = 0; i < n; i++) {
                        if (k == 0)
                            ref_seti(want, t, i, 1);
                        else if (k == 2 && dt_float(t))
                            ref_setf(want, t, i, fillv);
                        else if (k == 2)
                            ref_seti(want, t, i, t == DUSK_DT_BOOL ? 1 : 7);
                    }
                    check_values(dusk_ndarray_data(v), want, t, n, 0, 0, what);
                    free(want);
                }
                release(v);
            }
        }
    }
    /* 0-d and empty arrays */
    dusk_value *v = compute(dusk_full(ctx, DUSK_SHAPE0, NULL, DUSK_DT_I4, -3), "0-d full");
    assert_int_equal(dusk_ndarray_ndim(v), 0);
    assert_int_equal(dusk_ndarray_dtype(v), DUSK_DT_I4);
    assert_int_equal(ref_geti(dusk_ndarray_data(v), DUSK_DT_I4, 0), -3);
    release(v);
    dusk_array *e = dusk_ones(ctx, DUSK_SHAPE(0, 3), "2", DUSK_DT_F8);
    v = compute(e, "(0, 3) ones");
    assert_shape(v, 2, (int64_t[]){0, 3}, "(0, 3) ones");
    release(v);
}

static void test_arange(void **state)
{
    (void)state;
    /* integers: dtype int64, chunks as asked */
    dusk_array *a = dusk_arange(ctx, 0, 10, 1, "3");
    dusk_value *v = compute(a, "arange(10)");
    check_meta(a, v, DUSK_DT_I8, 1, (int64_t[]){10}, "arange(10)");
    assert_chunks(a, 0, "(3, 3, 3, 1)");
    for (int64_t i = 0; i < 10; i++)
        assert_int_equal(ref_geti(dusk_ndarray_data(v), DUSK_DT_I8, i), i);
    release(v);
    dusk_layer_info info[2];
    assert_int_equal(dusk_array_layers(a, info, 2), 1);
    assert_string_equal(info[0].op, "arange");

    /* a negative step: [5, 3, 1, -1, -3, -5] */
    a = dusk_arange(ctx, 5, -6, -2, "4");
    v = compute(a, "arange(5, -6, -2)");
    check_meta(a, v, DUSK_DT_I8, 1, (int64_t[]){6}, "arange(5, -6, -2)");
    for (int64_t i = 0; i < 6; i++)
        assert_int_equal(ref_geti(dusk_ndarray_data(v), DUSK_DT_I8, i), 5 - 2 * i);
    release(v);

    /* a large integer range stays exact */
    a = dusk_arange(ctx, 4000000000.0, 4000000100.0, 7, "5");
    v = compute(a, "arange(4e9, ...)");
    check_meta(a, v, DUSK_DT_I8, 1, (int64_t[]){15}, "arange(4e9, ...)");
    for (int64_t i = 0; i < 15; i++)
        assert_int_equal(ref_geti(dusk_ndarray_data(v), DUSK_DT_I8, i), 4000000000LL + 7 * i);
    release(v);

    /* empty ranges */
    a = dusk_arange(ctx, 0, 0, 1, "3");
    v = compute(a, "arange(0)");
    check_meta(a, v, DUSK_DT_I8, 1, (int64_t[]){0}, "arange(0)");
    release(v);
    a = dusk_arange(ctx, 3, 0, 1, NULL);
    v = compute(a, "arange(3, 0)");
    check_meta(a, v, DUSK_DT_I8, 1, (int64_t[]){0}, "arange(3, 0)");
    release(v);

    /* floats: np.arange(0, 1, 0.1) has 10 points; (0.5, 3, 0.7) has 4 */
    static const struct { double start, stop, step; int64_t n; const char *chunks; } f[] = {
        {0, 1, 0.1, 10, "4"}, {0.5, 3, 0.7, 4, "3"}, {1, -1, -0.25, 8, "3"}, {0, 10, 2.5, 4, "1"},
    };
    for (size_t k = 0; k < sizeof f / sizeof *f; k++) {
        char what[96];
        snprintf(what, sizeof what, "arange(%g, %g, %g)", f[k].start, f[k].stop, f[k].step);
        a = dusk_arange(ctx, f[k].start, f[k].stop, f[k].step, f[k].chunks);
        v = compute(a, what);
        check_meta(a, v, DUSK_DT_F8, 1, &f[k].n, what);
        for (int64_t i = 0; i < f[k].n; i++) {
            double want = f[k].start + (double)i * f[k].step;
            double got = ref_getf(dusk_ndarray_data(v), DUSK_DT_F8, i);
            if (!close_enough(got, want, 1e-15, 1e-15))
                fail_msg("%s[%lld] = %.17g, want %.17g", what, (long long)i, got, want);
        }
        release(v);
    }
    /* a step of 2.5 from 0 to 10 is not whole: float64 */
    assert_int_equal(dusk_array_dtype(dusk_arange(ctx, 0, 10, 2.5, NULL)), DUSK_DT_F8);
    assert_int_equal(dusk_array_dtype(dusk_arange(ctx, 0.5, 10, 1, NULL)), DUSK_DT_F8);

    assert_array_error(dusk_arange(ctx, 0, 10, 0, NULL), DUSK_EINVAL, "step");
    assert_array_error(dusk_arange(ctx, 0, NAN, 1, NULL), DUSK_EINVAL, "finite");
    assert_array_error(dusk_arange(ctx, 0, INFINITY, 1, NULL), DUSK_EINVAL, "finite");
    assert_array_error(dusk_arange(ctx, 0, 10, 1, "(3, 3)"), DUSK_EINVAL, "\"(3, 3)\"");
}

static void test_linspace(void **state)
{
    (void)state;
    static const struct { double a, b; int64_t n; const char *chunks; const char *c0; } c[] = {
        {0, 1, 7, "3", "(3, 3, 1)"}, {-2, 3, 1, "3", "(1,)"}, {5, -5, 11, "4", "(4, 4, 3)"},
        {0, 1, 0, "3", "(0,)"}, {1e10, 1e10 + 1, 5, "2", "(2, 2, 1)"},
    };
    for (size_t k = 0; k < sizeof c / sizeof *c; k++) {
        char what[96];
        snprintf(what, sizeof what, "linspace(%g, %g, %lld)", c[k].a, c[k].b, (long long)c[k].n);
        dusk_array *a = dusk_linspace(ctx, c[k].a, c[k].b, c[k].n, c[k].chunks);
        dusk_value *v = compute(a, what);
        check_meta(a, v, DUSK_DT_F8, 1, &c[k].n, what);
        assert_chunks(a, 0, c[k].c0);
        double step = c[k].n > 1 ? (c[k].b - c[k].a) / (double)(c[k].n - 1) : 0;
        for (int64_t i = 0; i < c[k].n; i++) {
            double want = c[k].a + (double)i * step;
            double got = ref_getf(dusk_ndarray_data(v), DUSK_DT_F8, i);
            if (!close_enough(got, want, 1e-15, 1e-15))
                fail_msg("%s[%lld] = %.17g, want %.17g", what, (long long)i, got, want);
        }
        if (c[k].n > 0) {   /* the ends exactly */
            assert_true(ref_getf(dusk_ndarray_data(v), DUSK_DT_F8, 0) == c[k].a);
            if (c[k].n > 1)
                assert_true(ref_getf(dusk_ndarray_data(v), DUSK_DT_F8, c[k].n - 1) == c[k].b);
        }
        release(v);
    }
    dusk_layer_info info[2];
    assert_int_equal(dusk_array_layers(dusk_linspace(ctx, 0, 1, 5, "2"), info, 2), 1);
    assert_string_equal(info[0].op, "linspace");
    assert_int_equal(info[0].ntasks, 3);
    assert_array_error(dusk_linspace(ctx, 0, 1, -1, NULL), DUSK_EINVAL, "negative");
}

static void test_eye(void **state)
{
    (void)state;
    static const struct {
        int64_t n, m, k;
        const char *chunks;
        dusk_dtype dt;
        const char *c0, *c1;
        size_t ntasks;
    } c[] = {
        {5, 5, 0, "2", DUSK_DT_F8, "(2, 2, 1)", "(2, 2, 1)", 9},
        /* both axes in the first row block's size, as dask.array.eye */
        {4, 7, 1, "(3, 2)", DUSK_DT_I8, "(3, 1)", "(3, 3, 1)", 6},
        {6, 3, -2, "4", DUSK_DT_BOOL, "(4, 2)", "(3,)", 2},
        {3, 5, 10, "2", DUSK_DT_F4, "(2, 1)", "(2, 2, 1)", 6},      /* no diagonal within */
        {4, 4, INT64_MAX, "3", DUSK_DT_U1, "(3, 1)", "(3, 1)", 4},  /* k + row past int64 */
        {4, 4, INT64_MIN, "3", DUSK_DT_I2, "(3, 1)", "(3, 1)", 4},
        {0, 3, 0, "auto", DUSK_DT_F8, "(0,)", "(3,)", 1},
    };
    for (size_t t = 0; t < sizeof c / sizeof *c; t++) {
        char what[96];
        snprintf(what, sizeof what, "eye(%lld, %lld, k=%lld)", (long long)c[t].n,
                 (long long)c[t].m, (long long)c[t].k);
        dusk_array *a = dusk_eye(ctx, c[t].n, c[t].m, c[t].k, c[t].chunks, c[t].dt);
        dusk_value *v = compute(a, what);
        int64_t shape[2] = {c[t].n, c[t].m};
        check_meta(a, v, c[t].dt, 2, shape, what);
        assert_chunks(a, 0, c[t].c0);
        assert_chunks(a, 1, c[t].c1);
        for (int64_t i = 0; i < c[t].n; i++)
            for (int64_t j = 0; j < c[t].m; j++) {
                double want = (double)j - (double)i == (double)c[t].k ? 1 : 0;
                double got = ref_getf(dusk_ndarray_data(v), c[t].dt, i * c[t].m + j);
                if (got != want)
                    fail_msg("%s[%lld, %lld] = %g, want %g", what, (long long)i, (long long)j,
                             got, want);
            }
        release(v);
        dusk_layer_info info[2];
        assert_int_equal(dusk_array_layers(a, info, 2), 1);
        assert_string_equal(info[0].op, "eye");
        assert_int_equal(info[0].ntasks, c[t].ntasks);
    }
    /* the same call names the same layer; another k another */
    assert_string_equal(dusk_array_name(dusk_eye(ctx, 5, 5, 1, "2", DUSK_DT_F8)),
                        dusk_array_name(dusk_eye(ctx, 5, 5, 1, "2", DUSK_DT_F8)));
    assert_string_not_equal(dusk_array_name(dusk_eye(ctx, 5, 5, 1, "2", DUSK_DT_F8)),
                            dusk_array_name(dusk_eye(ctx, 5, 5, 2, "2", DUSK_DT_F8)));
    /* no rows: the columns' own block size, not a block per column */
    dusk_array *flat = dusk_eye(ctx, 0, 1000000, 0, "auto", DUSK_DT_F8);
    assert_int_equal(dusk_array_status(flat, NULL), 0);
    assert_true(dusk_array_numblocks(flat, 1) <= 8);
    assert_array_error(dusk_eye(ctx, -1, 3, 0, NULL, DUSK_DT_F8), DUSK_EINVAL, "negative");
    assert_array_error(dusk_eye(ctx, 3, -2, 0, NULL, DUSK_DT_F8), DUSK_EINVAL, "M -2");
    assert_array_error(dusk_eye(ctx, 3, 3, 0, "0", DUSK_DT_F8), DUSK_EINVAL, "\"0\"");
    assert_array_error(dusk_eye(ctx, 3, 3, 0, NULL, (dusk_dtype)99), DUSK_EINVAL, "dtype");
}

static void count_run_tasks(void *ud, const dusk_plan *plan, size_t ntasks)
{
    (void)plan;
    *(size_t *)ud += ntasks;
}

/* Arrays computed together run once, their shared tasks once, and each
 * gets what it gets alone. */
static void test_compute_many(void **state)
{
    (void)state;
    double data[6 * 4];
    for (int i = 0; i < 24; i++)
        data[i] = (double)((i * 7) % 11) - 3.5;
    dusk_array *x = dusk_from_buffer(ctx, data, DUSK_DT_F8, DUSK_SHAPE(6, 4), "(2, 3)");
    dusk_array *m = dusk_array_mean(x, DUSK_AXIS(0), false);
    dusk_array *arrays[4] = {dusk_array_sub(x, m), m, dusk_array_sum(x, DUSK_ALL_AXES, false), m};
    size_t tasks_many = 0, tasks_alone = 0;
    dusk_callbacks cb = {0};
    cb.start = count_run_tasks;
    for (int sched = 0; sched < 2; sched++) {
        dusk_options o = sched ? opts_of(DUSK_SCHED_THREADS, 2) : opts_of(DUSK_SCHED_SYNC, 1);
        o.callbacks = &cb;
        o.ncallbacks = 1;
        dusk_value *out[4], *alone;
        dusk_error err = DUSK_ERROR_INIT;
        tasks_many = 0;
        cb.ud = &tasks_many;
        if (dusk_array_compute_many(arrays, 4, &o, out, &err))
            fail_msg("dusk_array_compute_many: %s", err.msg);
        size_t runs_alone = 0;
        tasks_alone = 0;
        cb.ud = &tasks_alone;
        for (int i = 0; i < 4; i++) {
            if (dusk_array_compute(arrays[i], &o, &alone, &err))
                fail_msg("dusk_array_compute: %s", err.msg);
            runs_alone++;
            assert_int_equal(dusk_ndarray_ndim(out[i]), dusk_array_ndim(arrays[i]));
            int64_t n = dusk_ndarray_size(alone);
            assert_int_equal(dusk_ndarray_size(out[i]), n);
            assert_memory_equal(dusk_ndarray_data(out[i]), dusk_ndarray_data(alone),
                                (size_t)n * sizeof(double));
            release(alone);
            release(out[i]);
        }
        /* x's blocks and the mean are in the joined graph once: fewer tasks
         * than the four runs alone */
        assert_int_equal(runs_alone, 4);
        assert_true(tasks_many < tasks_alone);
        dusk_graph *g;
        assert_int_equal(dusk_array_graph(arrays[0], &g, NULL), 0);
        size_t sub_alone = dusk_graph_size(g);
        dusk_graph_free(g);
        /* the sum's tasks are all the joined run adds to x - mean's */
        assert_int_equal(tasks_many, sub_alone + (size_t)dusk_array_ntasks(arrays[2]) -
                                         (size_t)dusk_array_ntasks(x));
    }
    /* the joined graph, its counts and layers: what the run ran, each
     * layer once; every task id of the graph is one the run had */
    dusk_graph *joined;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_array_graph_many(arrays, 4, &joined, &err), 0);
    assert_int_equal(dusk_graph_size(joined), tasks_many);
    assert_int_equal(dusk_array_ntasks_many(arrays, 4), (int64_t)tasks_many);
    dusk_graph_free(joined);
    size_t nl = dusk_array_layers_many(arrays, 4, NULL, 0);
    dusk_layer_info info[16];
    assert_true(nl <= 16);
    assert_int_equal(dusk_array_layers_many(arrays, 4, info, 16), nl);
    int64_t layer_tasks = 0;
    for (size_t i = 0; i < nl; i++) {
        layer_tasks += info[i].ntasks;
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(info[i].name, info[j].name);
    }
    assert_int_equal(layer_tasks, (int64_t)tasks_many);
    /* one array: its own graph, counts and layers */
    assert_int_equal(dusk_array_ntasks_many(arrays + 2, 1), dusk_array_ntasks(arrays[2]));
    assert_int_equal(dusk_array_layers_many(arrays + 2, 1, NULL, 0),
                     dusk_array_layers(arrays[2], NULL, 0));
    assert_int_equal(dusk_array_graph_many(arrays, 0, &joined, &err), 0);
    assert_int_equal(dusk_graph_size(joined), 0);
    dusk_graph_free(joined);
    assert_ptr_equal(dusk_array_context(m), ctx);

    /* errors: an array in an error state, one of another context, none */
    dusk_value *out[2] = {NULL, NULL};
    dusk_array *bad[2] = {m, dusk_array_sum(x, DUSK_AXIS(5), false)};
    assert_int_equal(dusk_array_compute_many(bad, 2, NULL, out, &err), DUSK_EINVAL);
    assert_non_null(strstr(err.msg, "axis"));
    assert_null(out[0]);
    /* an array that failed with no context says why, not "another context" */
    dusk_array *orphan[2] = {m, dusk_array_sum(NULL, DUSK_ALL_AXES, false)};
    assert_int_equal(dusk_array_compute_many(orphan, 2, NULL, out, &err), DUSK_EINVAL);
    assert_non_null(strstr(err.msg, "no array"));
    dusk_array_ctx *other = dusk_array_ctx_new();
    dusk_array *two[2] = {m, dusk_ones(other, DUSK_SHAPE(2), NULL, DUSK_DT_F8)};
    assert_int_equal(dusk_array_compute_many(two, 2, NULL, out, &err), DUSK_EINVAL);
    assert_non_null(strstr(err.msg, "another context"));
    assert_int_equal(dusk_array_graph_many(two, 2, &joined, &err), DUSK_EINVAL);
    assert_null(joined);
    assert_non_null(strstr(err.msg, "dusk_array_graph_many: array 1"));
    assert_int_equal(dusk_array_ntasks_many(two, 2), 0);
    assert_int_equal(dusk_array_layers_many(two, 2, info, 16), 0);
    assert_ptr_equal(dusk_array_context(two[1]), other);
    assert_int_equal(dusk_array_graph_many(bad, 2, &joined, &err), DUSK_EINVAL);
    assert_non_null(strstr(err.msg, "axis"));
    assert_int_equal(dusk_array_ntasks_many(bad, 2), 0);
    assert_null(out[0]);
    assert_null(out[1]);
    dusk_array_ctx_free(other);
    assert_int_equal(dusk_array_compute_many(two, 0, NULL, out, &err), 0);
}

/* numpy.histogram's bin of x among n + 1 edges, -1 outside (the test's own
 * linear search, not the library's bisection) */
static int64_t ref_bin(double x, const double *e, int64_t n)
{
    if (isnan(x) || x < e[0] || x > e[n])
        return -1;
    for (int64_t b = 0; b < n; b++)
        if (x < e[b + 1])
            return b;
    return n - 1;
}

static void test_digitize(void **state)
{
    (void)state;
    double data[5 * 7];
    for (int i = 0; i < 35; i++)
        data[i] = (double)((i * 11) % 17) - 6;
    data[3] = NAN;
    data[9] = -INFINITY;
    data[20] = INFINITY;
    dusk_array *x = dusk_from_buffer(ctx, data, DUSK_DT_F8, DUSK_SHAPE(5, 7), "(2, 3)");
    dusk_array *view = dusk_array_slice(x, "::-1, 1::2");
    static const double up[] = {-3, 0, 0, 2.5, 7}, down[] = {7, 2.5, 0, 0, -3};
    for (int v = 0; v < 2; v++) {
        dusk_array *xs = v ? view : x;
        dusk_value *vals = compute(xs, "digitize's values");
        const double *xv = dusk_ndarray_data(vals);
        int64_t n = dusk_ndarray_size(vals);
        for (int right = 0; right < 2; right++)
            for (int dir = 0; dir < 2; dir++) {
                const double *b = dir ? down : up;
                dusk_array *d = dusk_array_digitize(xs, b, 5, right);
                dusk_value *got = compute(d, "digitize");
                assert_int_equal(dusk_ndarray_dtype(got), DUSK_DT_I8);
                assert_int_equal(dusk_ndarray_size(got), n);
                for (int64_t i = 0; i < n; i++) {
                    /* numpy: increasing, searchsorted(b, x, 'left' if right else 'right');
                     * decreasing, 5 - searchsorted(b[::-1], x, same side) */
                    int64_t want = 0;
                    for (int k = 0; k < 5; k++) {
                        double e = dir ? b[4 - k] : b[k];
                        want += isnan(xv[i]) || (right ? e < xv[i] : e <= xv[i]);
                    }
                    if (dir)
                        want = 5 - want;
                    int64_t g = ((const int64_t *)dusk_ndarray_data(got))[i];
                    if (g != want)
                        fail_msg("digitize(%g, right=%d, %s) = %lld, want %lld", xv[i], right,
                                 dir ? "decreasing" : "increasing", (long long)g, (long long)want);
                }
                release(got);
                for (int a = 0; a < dusk_array_ndim(xs); a++)
                    assert_int_equal(dusk_array_numblocks(d, a), dusk_array_numblocks(xs, a));
            }
        release(vals);
    }
    static const double wavy[] = {0, 2, 1}, nan_bin[] = {0, NAN};
    assert_array_error(dusk_array_digitize(x, wavy, 3, false), DUSK_EINVAL, "monotonically");
    assert_array_error(dusk_array_digitize(x, nan_bin, 2, false), DUSK_EINVAL, "NaN");
    assert_array_error(dusk_array_digitize(dusk_array_astype(x, DUSK_DT_C8), up, 5, false),
                       DUSK_EINVAL, "complex");
    assert_array_error(dusk_array_digitize(NULL, up, 5, false), DUSK_EINVAL, "no array");
    /* no bins: every index 0 */
    dusk_value *none = compute(dusk_array_digitize(x, NULL, 0, false), "digitize of no bins");
    for (int64_t i = 0; i < dusk_ndarray_size(none); i++)
        assert_int_equal(((const int64_t *)dusk_ndarray_data(none))[i], 0);
    release(none);
}

static void test_histogram(void **state)
{
    (void)state;
    enum { R = 7, C = 9 };
    double data[R * C];
    for (int i = 0; i < R * C; i++)
        data[i] = (double)((i * 13) % 23) - 4;   /* -4 .. 18, many on the edges */
    data[5] = NAN;
    data[17] = INFINITY;
    data[30] = 18;
    dusk_array *x = dusk_from_buffer(ctx, data, DUSK_DT_F8, DUSK_SHAPE(R, C), "(3, 4)");
    /* values as the blocks see them: some through a view with negative and
     * skipping strides */
    dusk_array *views[2] = {x, dusk_array_slice(x, "::-1, ::2")};
    static const double edges[] = {-2, 0, 0.5, 7, 11, 18};
    const int64_t nb = 5;
    for (int v = 0; v < 2; v++) {
        dusk_value *vals = compute(views[v], "histogram's values");
        int64_t n = dusk_ndarray_size(vals);
        const double *xv = dusk_ndarray_data(vals);
        double w[R * C];
        for (int64_t i = 0; i < n; i++)
            w[i] = 0.25 * (double)(i % 5) - 0.5;
        dusk_array *wa = dusk_array_rechunk(
            dusk_from_buffer(ctx, w, DUSK_DT_F8, DUSK_SHAPE(dusk_array_shape(views[v])[0],
                                                          dusk_array_shape(views[v])[1]), "2"),
            v ? "((1, 3, 3), (2, 2, 1))" : "(3, 4)");
        int64_t want[5] = {0};
        double wantw[5] = {0};
        int64_t wanti[5] = {0};
        for (int64_t i = 0; i < n; i++) {
            int64_t b = ref_bin(xv[i], edges, nb);
            if (b >= 0) {
                want[b]++;
                wantw[b] += w[i];
                wanti[b] += i % 3;
            }
        }
        dusk_array *h = dusk_array_histogram(views[v], edges, 6, NULL);
        dusk_value *got = compute(h, "histogram");
        check_meta(h, got, DUSK_DT_I8, 1, &nb, "histogram");
        assert_memory_equal(dusk_ndarray_data(got), want, sizeof want);
        release(got);
        /* one task per block, then Dask's sum over them */
        dusk_layer_info info[8];
        size_t nl = dusk_array_layers(h, info, 8);
        size_t at = nl;
        for (size_t i = 0; i < nl; i++)
            if (!strcmp(info[i].op, "histogram-sum"))
                at = i;
        assert_true(at < nl);
        assert_int_equal(info[at].ntasks, dusk_array_nchunks(views[v]));
        dusk_array *wh = dusk_array_histogram(views[v], edges, 6, wa);
        got = compute(wh, "weighted histogram");
        check_meta(wh, got, DUSK_DT_F8, 1, &nb, "weighted histogram");
        for (int b = 0; b < 5; b++)
            assert_true(fabs(((double *)dusk_ndarray_data(got))[b] - wantw[b]) < 1e-12);
        release(got);
        /* int32 weights add up to int64, as NumPy's sum of them */
        int32_t wi[R * C];
        for (int64_t i = 0; i < n; i++)
            wi[i] = (int32_t)(i % 3);
        dusk_array *wia = dusk_array_rechunk(
            dusk_from_buffer(ctx, wi, DUSK_DT_I4, DUSK_SHAPE(dusk_array_shape(views[v])[0],
                                                           dusk_array_shape(views[v])[1]), "2"),
            v ? "((1, 3, 3), (2, 2, 1))" : "(3, 4)");
        dusk_array *ih = dusk_array_histogram(views[v], edges, 6, wia);
        got = compute(ih, "int-weighted histogram");
        check_meta(ih, got, DUSK_DT_I8, 1, &nb, "int-weighted histogram");
        assert_memory_equal(dusk_ndarray_data(got), wanti, sizeof wanti);
        release(got);
        release(vals);
    }
    /* integers, and an empty array */
    dusk_array *ints = dusk_arange(ctx, 0, 10, 1, "4");
    static const double ie[] = {0, 5, 9};
    dusk_value *got = compute(dusk_array_histogram(ints, ie, 3, NULL), "int histogram");
    assert_int_equal(((int64_t *)dusk_ndarray_data(got))[0], 5);
    assert_int_equal(((int64_t *)dusk_ndarray_data(got))[1], 5);
    release(got);
    got = compute(dusk_array_histogram(dusk_zeros(ctx, DUSK_SHAPE(0), NULL, DUSK_DT_F8), ie, 3,
                                       NULL), "empty histogram");
    assert_int_equal(((int64_t *)dusk_ndarray_data(got))[0] + ((int64_t *)dusk_ndarray_data(got))[1], 0);
    release(got);
    /* open-ended bins, and one edge: no bins (NumPy's) */
    static const double open_edges[] = {-INFINITY, 0, INFINITY};
    got = compute(dusk_array_histogram(x, open_edges, 3, NULL), "open-ended histogram");
    int64_t below = 0, above = 0;
    for (int i = 0; i < R * C; i++) {
        below += data[i] < 0;
        above += data[i] >= 0;   /* NaN in neither, +inf in the last */
    }
    assert_int_equal(((int64_t *)dusk_ndarray_data(got))[0], below);
    assert_int_equal(((int64_t *)dusk_ndarray_data(got))[1], above);
    release(got);
    dusk_array *none = dusk_array_histogram(x, edges, 1, NULL);
    got = compute(none, "histogram of one edge");
    assert_int_equal(dusk_ndarray_size(got), 0);
    release(got);
    /* a block count no row per block can be laid out for: refused, not
     * written past a wrapped allocation (2**62 blocks) */
    dusk_array *vast = dusk_ones(ctx, DUSK_SHAPE(1 << 21, 1 << 21, 1 << 20), "1", DUSK_DT_BOOL);
    assert_int_equal(dusk_array_status(vast, NULL), 0);
    assert_array_error(dusk_array_histogram(vast, edges, 6, NULL), DUSK_EINVAL, "histogram");
    /* what is refused, and named */
    static const double down[] = {0, 2, 1}, nan_edge[] = {0, NAN};
    assert_array_error(dusk_array_histogram(x, edges, 0, NULL), DUSK_EINVAL, "no bin edges");
    assert_array_error(dusk_array_histogram(x, NULL, 3, NULL), DUSK_EINVAL, "no bin edges");
    assert_array_error(dusk_array_histogram(x, down, 3, NULL), DUSK_EINVAL, "monotonically");
    assert_array_error(dusk_array_histogram(x, nan_edge, 2, NULL), DUSK_EINVAL, "NaN");
    assert_array_error(dusk_array_histogram(dusk_array_astype(x, DUSK_DT_C16), edges, 6, NULL),
                       DUSK_EINVAL, "complex");
    assert_array_error(dusk_array_histogram(x, edges, 6, dusk_array_rechunk(x, "2")),
                       DUSK_EINVAL, "same shape and chunks");
    assert_array_error(dusk_array_histogram(x, edges, 6, dusk_array_astype(x, DUSK_DT_C8)),
                       DUSK_EINVAL, "complex weights");
    assert_array_error(dusk_array_histogram(NULL, edges, 6, NULL), DUSK_EINVAL, "no array");
}

static double mean_of(const double *x, int64_t n)
{
    double s = 0;
    for (int64_t i = 0; i < n; i++)
        s += x[i];
    return s / (double)n;
}

static double var_of(const double *x, int64_t n)
{
    double m = mean_of(x, n), s = 0;
    for (int64_t i = 0; i < n; i++)
        s += (x[i] - m) * (x[i] - m);
    return s / (double)n;
}

static void test_random(void **state)
{
    (void)state;
    const int64_t N = 100000;
    /* normal(3, 2): mean within 5 sigma of 3 (sigma = 2 / sqrt(1e5)),
     * std within 2 % */
    dusk_array *a = dusk_random_normal(ctx, 42, 3.0, 2.0, DUSK_SHAPE(N), "10000");
    dusk_layer_info info[2];
    assert_int_equal(dusk_array_layers(a, info, 2), 1);
    assert_string_equal(info[0].op, "normal");
    dusk_options sync = opts_of(DUSK_SCHED_SYNC, 1), thr = opts_of(DUSK_SCHED_THREADS, 4);
    dusk_value *v1 = compute_with(a, &sync, "normal, sync");
    check_meta(a, v1, DUSK_DT_F8, 1, &N, "normal");
    const double *x = dusk_ndarray_data(v1);
    double m = mean_of(x, N), sd = sqrt(var_of(x, N));
    if (fabs(m - 3.0) > 5 * 2.0 / sqrt((double)N) || fabs(sd - 2.0) > 0.04)
        fail_msg("normal(3, 2): mean %g, std %g", m, sd);
    /* roughly normal: about 68.3 % within one sigma */
    int64_t within = 0;
    for (int64_t i = 0; i < N; i++)
        within += fabs(x[i] - 3.0) < 2.0;
    assert_true(fabs((double)within / (double)N - 0.6827) < 0.01);
    /* the same on the threaded scheduler, bit for bit */
    dusk_value *v2 = compute_with(a, &thr, "normal, threads");
    assert_memory_equal(dusk_ndarray_data(v1), dusk_ndarray_data(v2), (size_t)N * 8);
    release(v2);
    /* the same seed again, in another context: the same numbers and name */
    dusk_array_ctx *c2 = ctx2 = dusk_array_ctx_new();
    dusk_array *b = dusk_random_normal(c2, 42, 3.0, 2.0, DUSK_SHAPE(N), "10000");
    assert_string_equal(dusk_array_name(a), dusk_array_name(b));
    v2 = compute_with(b, &thr, "normal again");
    assert_memory_equal(dusk_ndarray_data(v1), dusk_ndarray_data(v2), (size_t)N * 8);
    release(v2);
    dusk_array_ctx_free(c2);
    ctx2 = NULL;
    /* another seed: other numbers, another name */
    dusk_array *c = dusk_random_normal(ctx, 43, 3.0, 2.0, DUSK_SHAPE(N), "10000");
    assert_string_not_equal(dusk_array_name(a), dusk_array_name(c));
    v2 = compute(c, "normal seed 43");
    int64_t same = 0;
    for (int64_t i = 0; i < N; i++)
        same += ((const double *)dusk_ndarray_data(v2))[i] == x[i];
    assert_true(same < 10);
    /* blocks do not repeat each other's numbers */
    assert_true(x[0] != x[10000] && x[1] != x[10001]);
    release(v2);
    release(v1);

    /* uniform(-1, 5) in 2-d with uneven chunks: in [low, high), mean 2,
     * variance 36 / 12 = 3 */
    a = dusk_random_uniform(ctx, 7, -1.0, 5.0, DUSK_SHAPE(250, 400), "(100, 150)");
    assert_int_equal(dusk_array_layers(a, info, 2), 1);
    assert_string_equal(info[0].op, "uniform");
    v1 = compute_with(a, &sync, "uniform");
    check_meta(a, v1, DUSK_DT_F8, 2, (int64_t[]){250, 400}, "uniform");
    x = dusk_ndarray_data(v1);
    for (int64_t i = 0; i < N; i++)
        if (!(x[i] >= -1.0 && x[i] < 5.0))
            fail_msg("uniform(-1, 5)[%lld] = %g", (long long)i, x[i]);
    m = mean_of(x, N);
    double var = var_of(x, N);
    if (fabs(m - 2.0) > 0.03 || fabs(var - 3.0) > 0.06)
        fail_msg("uniform(-1, 5): mean %g, var %g", m, var);
    v2 = compute_with(a, &thr, "uniform, threads");
    assert_memory_equal(dusk_ndarray_data(v1), dusk_ndarray_data(v2), (size_t)N * 8);
    release(v2);
    release(v1);

    assert_array_error(dusk_random_normal(ctx, 1, 0, -1, DUSK_SHAPE(3), NULL), DUSK_EINVAL,
                       "scale");

    /* randint(-3, 4) as int8: every value in range, each about 1/7 of them
     * (within 5 sigma of the count), the same on threads */
    a = dusk_random_integers(ctx, 11, -3, 4, DUSK_SHAPE(300, 200), "(70, 90)", DUSK_DT_I1);
    assert_int_equal(dusk_array_layers(a, info, 2), 1);
    assert_string_equal(info[0].op, "randint");
    v1 = compute_with(a, &sync, "randint");
    check_meta(a, v1, DUSK_DT_I1, 2, (int64_t[]){300, 200}, "randint");
    const int8_t *k8 = dusk_ndarray_data(v1);
    int64_t count[7] = {0};
    for (int64_t i = 0; i < 60000; i++) {
        if (k8[i] < -3 || k8[i] > 3)
            fail_msg("randint(-3, 4)[%lld] = %d", (long long)i, k8[i]);
        count[k8[i] + 3]++;
    }
    for (int k = 0; k < 7; k++)
        if (fabs((double)count[k] - 60000.0 / 7) > 5 * sqrt(60000.0 / 7 * 6 / 7))
            fail_msg("randint(-3, 4): %lld of %d", (long long)count[k], k - 3);
    v2 = compute_with(a, &thr, "randint, threads");
    assert_memory_equal(dusk_ndarray_data(v1), dusk_ndarray_data(v2), 60000);
    release(v2);
    release(v1);
    /* the whole int64 range: a range of 2^64 - 1, drawn without overflow */
    a = dusk_random_integers(ctx, 5, INT64_MIN, INT64_MAX, DUSK_SHAPE(1000), "300", DUSK_DT_I8);
    v1 = compute_with(a, &sync, "randint, int64");
    const int64_t *k64 = dusk_ndarray_data(v1);
    int neg = 0;
    for (int i = 0; i < 1000; i++)
        neg += k64[i] < 0;
    assert_true(neg > 400 && neg < 600);
    release(v1);
    /* exponential(2): mean 2, variance 4; poisson(lam): mean and variance
     * lam, on both of its algorithms (Knuth's below 10, PTRS above) */
    a = dusk_random_exponential(ctx, 9, 2.0, DUSK_SHAPE(N), "30000");
    v1 = compute_with(a, &sync, "exponential");
    x = dusk_ndarray_data(v1);
    for (int64_t i = 0; i < N; i++)
        if (!(x[i] >= 0))
            fail_msg("exponential(2)[%lld] = %g", (long long)i, x[i]);
    m = mean_of(x, N);
    var = var_of(x, N);
    if (fabs(m - 2.0) > 0.03 || fabs(var - 4.0) > 0.15)
        fail_msg("exponential(2): mean %g, var %g", m, var);
    release(v1);
    const double lams[] = {0, 0.5, 4, 12, 1000, 1e7};
    for (size_t j = 0; j < sizeof lams / sizeof *lams; j++) {
        a = dusk_random_poisson(ctx, 13 + j, lams[j], DUSK_SHAPE(N), "40000");
        assert_int_equal(dusk_array_dtype(a), DUSK_DT_I8);
        v1 = compute_with(a, &sync, "poisson");
        k64 = dusk_ndarray_data(v1);
        double sum = 0, sq = 0;
        for (int64_t i = 0; i < N; i++) {
            if (k64[i] < 0)
                fail_msg("poisson(%g)[%lld] = %lld", lams[j], (long long)i, (long long)k64[i]);
            sum += (double)k64[i];
        }
        double pm = sum / (double)N;
        for (int64_t i = 0; i < N; i++)
            sq += ((double)k64[i] - pm) * ((double)k64[i] - pm);
        double pv = sq / (double)N, tol = 6 * sqrt(lams[j] / (double)N) + 1e-12;
        if (fabs(pm - lams[j]) > tol || fabs(pv - lams[j]) > 0.05 * lams[j] + 1e-12)
            fail_msg("poisson(%g): mean %g, var %g", lams[j], pm, pv);
        release(v1);
    }
    /* NumPy's refusals, naming what is wrong */
    assert_array_error(dusk_random_integers(ctx, 1, 5, 5, DUSK_SHAPE(3), NULL, DUSK_DT_I8),
                       DUSK_EINVAL, "low >= high (5 >= 5)");
    assert_array_error(dusk_random_integers(ctx, 1, 0, 257, DUSK_SHAPE(3), NULL, DUSK_DT_U1),
                       DUSK_EINVAL, "high 257 is out of bounds for uint8");
    assert_array_error(dusk_random_integers(ctx, 1, -1, 3, DUSK_SHAPE(3), NULL, DUSK_DT_U2),
                       DUSK_EINVAL, "low -1 is out of bounds for uint16");
    assert_array_error(dusk_random_integers(ctx, 1, 0, 3, DUSK_SHAPE(3), NULL, DUSK_DT_F8),
                       DUSK_ETYPE, "not an integer type");
    assert_array_error(dusk_random_exponential(ctx, 1, -1, DUSK_SHAPE(3), NULL), DUSK_EINVAL,
                       "scale -1");
    assert_array_error(dusk_random_poisson(ctx, 1, NAN, DUSK_SHAPE(3), NULL), DUSK_EINVAL,
                       "lam nan");
    assert_array_error(dusk_random_poisson(ctx, 1, 1e19, DUSK_SHAPE(3), NULL), DUSK_EINVAL,
                       "too large");
}

static void test_from_buffer(void **state)
{
    (void)state;
    for (size_t si = 0; si < NSHAPES; si++) {
        dusk_shape s = shape_of(si);
        int64_t n = count_of_shape(s.ndim, s.v);
        for (int ti = 0; ti < NDT; ti++) {
            dusk_dtype t = ALL_DT[ti];
            void *data = make_data(t, n, (uint64_t)(si * 31 + (size_t)ti), DATA_MIXED);
            void *keep = malloc((size_t)n * dt_size(t));
            memcpy(keep, data, (size_t)n * dt_size(t));
            dusk_array *a = dusk_from_buffer(ctx, data, t, s, SHAPES[si].chunks);
            /* the buffer is copied */
            memset(data, 0x5a, (size_t)n * dt_size(t));
            char what[96];
            snprintf(what, sizeof what, "from_buffer %s shape #%zu", dusk_dtype_name(t), si);
            dusk_value *v = compute(a, what);
            check_meta(a, v, t, s.ndim, s.v, what);
            assert_memory_equal(dusk_ndarray_data(v), keep, (size_t)n * dt_size(t));
            release(v);
            /* the layers: original-array (1 task) and array (one per chunk) */
            dusk_layer_info info[4];
            assert_int_equal(dusk_array_layers(a, info, 4), 2);
            assert_string_equal(info[0].op, "original-array");
            assert_int_equal(info[0].ntasks, 1);
            assert_string_equal(info[1].op, "array");
            assert_int_equal(info[1].ntasks, dusk_array_nchunks(a));
            assert_int_equal(dusk_array_ntasks(a), dusk_array_nchunks(a) + 1);
            /* the token hashes the contents */
            dusk_array *b = dusk_from_buffer(ctx, keep, t, s, SHAPES[si].chunks);
            dusk_array *c = dusk_from_buffer(ctx, data, t, s, SHAPES[si].chunks);
            assert_string_equal(dusk_array_name(a), dusk_array_name(b));
            assert_string_not_equal(dusk_array_name(a), dusk_array_name(c));
            free(data);
            free(keep);
        }
    }
}

/* --- elementwise: dtypes ------------------------------------------------------ */

/* np.result_type for arrays, rows and columns in ALL_DT order (f8 f4 i8
 * i4 i2 i1 u8 u4 u2 u1 b1), as NumPy 1.24 printed them. add, sub (but
 * bool - bool is an error), mul. */
static const char *const PROMOTE[NDT] = {
    "f8 f8 f8 f8 f8 f8 f8 f8 f8 f8 f8",
    "f8 f4 f8 f8 f4 f4 f8 f8 f4 f4 f4",
    "f8 f8 i8 i8 i8 i8 f8 i8 i8 i8 i8",
    "f8 f8 i8 i4 i4 i4 f8 i8 i4 i4 i4",
    "f8 f4 i8 i4 i2 i2 f8 i8 i4 i2 i2",
    "f8 f4 i8 i4 i2 i1 f8 i8 i4 i2 i1",
    "f8 f8 f8 f8 f8 f8 u8 u8 u8 u8 u8",
    "f8 f8 i8 i8 i8 i8 u8 u4 u4 u4 u4",
    "f8 f4 i8 i4 i4 i4 u8 u4 u2 u2 u2",
    "f8 f4 i8 i4 i2 i2 u8 u4 u2 u1 u1",
    "f8 f4 i8 i4 i2 i1 u8 u4 u2 u1 b1",
};
/* a / b */
static const char *const TRUEDIV[NDT] = {
    "f8 f8 f8 f8 f8 f8 f8 f8 f8 f8 f8",
    "f8 f4 f8 f8 f4 f4 f8 f8 f4 f4 f4",
    "f8 f8 f8 f8 f8 f8 f8 f8 f8 f8 f8",
    "f8 f8 f8 f8 f8 f8 f8 f8 f8 f8 f8",
    "f8 f4 f8 f8 f8 f8 f8 f8 f8 f8 f8",
    "f8 f4 f8 f8 f8 f8 f8 f8 f8 f8 f8",
    "f8 f8 f8 f8 f8 f8 f8 f8 f8 f8 f8",
    "f8 f8 f8 f8 f8 f8 f8 f8 f8 f8 f8",
    "f8 f4 f8 f8 f8 f8 f8 f8 f8 f8 f8",
    "f8 f4 f8 f8 f8 f8 f8 f8 f8 f8 f8",
    "f8 f4 f8 f8 f8 f8 f8 f8 f8 f8 f8",
};
/* a ** b: as PROMOTE, except bool ** bool, which is int8 */
static dusk_dtype table_dt(const char *const *table, int i, int j)
{
    char code[3] = {table[i][3 * j], table[i][3 * j + 1], 0};
    return dt_of(code);
}

static dusk_dtype want_binop_dt(dusk_binop op, int i, int j)
{
    if (op >= DUSK_BINOP_LT)
        return DUSK_DT_BOOL;
    if (op == DUSK_BINOP_DIV)
        return table_dt(TRUEDIV, i, j);
    if (op == DUSK_BINOP_POW && ALL_DT[i] == DUSK_DT_BOOL && ALL_DT[j] == DUSK_DT_BOOL)
        return DUSK_DT_I1;
    return table_dt(PROMOTE, i, j);
}

static const char *const BINOP_OPS[DUSK_BINOP_COUNT] = {
    "add", "sub", "mul", "truediv", "pow", "lt", "le", "gt", "ge", "eq", "ne",
    "floordiv", "mod", "and_", "or_", "xor", "maximum", "minimum",
};
/* The operations ref_binop computes (arithmetic and comparisons); the
 * later ones (// % & | ^ maximum minimum) are checked against NumPy
 * itself in test_dtypes.c. */
enum { REF_BINOPS = DUSK_BINOP_NE + 1 };

static void test_binop_dtypes(void **state)
{
    (void)state;
    for (int i = 0; i < NDT; i++)
        for (int j = 0; j < NDT; j++) {
            dusk_array *a = dusk_ones(ctx, DUSK_SHAPE(3), NULL, ALL_DT[i]);
            dusk_array *b = dusk_ones(ctx, DUSK_SHAPE(3), NULL, ALL_DT[j]);
            for (int op = 0; op < REF_BINOPS; op++) {
                dusk_array *r = dusk_array_binop((dusk_binop)op, a, b);
                if (op == DUSK_BINOP_SUB && ALL_DT[i] == DUSK_DT_BOOL && ALL_DT[j] == DUSK_DT_BOOL) {
                    /* TypeError: numpy boolean subtract is not supported */
                    assert_array_error(r, DUSK_ETYPE, "boolean subtract");
                    continue;
                }
                dusk_error err = DUSK_ERROR_INIT;
                if (dusk_array_status(r, &err))
                    fail_msg("%s %s %s: %s", dusk_dtype_code(ALL_DT[i]), BINOP_OPS[op],
                             dusk_dtype_code(ALL_DT[j]), err.msg);
                dusk_dtype want = want_binop_dt((dusk_binop)op, i, j);
                if (dusk_array_dtype(r) != want)
                    fail_msg("%s %s %s: dtype %s, want %s", dusk_dtype_code(ALL_DT[i]),
                             BINOP_OPS[op], dusk_dtype_code(ALL_DT[j]),
                             dusk_dtype_code(dusk_array_dtype(r)), dusk_dtype_code(want));
                dusk_layer_info info[8];
                size_t nl = dusk_array_layers(r, info, 8);
                assert_string_equal(info[nl - 1].op, BINOP_OPS[op]);
            }
        }
}

/* --- elementwise: reference ------------------------------------------------------ */

static bool dt_is_int(dusk_dtype t) { return dt_signed(t) || dt_unsigned(t); }

/* x OP y for the result dtype tout, with operand dtypes ta and tb, the way
 * NumPy computes it: in the common dtype, integers wrapping. Writes element
 * k of out; returns false for an integer to a negative integer power. */
static bool ref_binop(dusk_binop op, const void *a, dusk_dtype ta, int64_t ia, const void *b,
                      dusk_dtype tb, int64_t ib, dusk_dtype common, void *out, dusk_dtype tout,
                      int64_t k)
{
    if (op >= DUSK_BINOP_LT) {
        int r;
        if (dt_float(common) || op == DUSK_BINOP_DIV) {
            double x = ref_getf(a, ta, ia), y = ref_getf(b, tb, ib);
            r = op == DUSK_BINOP_LT ? x < y : op == DUSK_BINOP_LE ? x <= y : op == DUSK_BINOP_GT ? x > y
              : op == DUSK_BINOP_GE ? x >= y : op == DUSK_BINOP_EQ ? x == y : x != y;
        } else if (common == DUSK_DT_U8) {
            uint64_t x = (uint64_t)ref_geti(a, ta, ia), y = (uint64_t)ref_geti(b, tb, ib);
            r = op == DUSK_BINOP_LT ? x < y : op == DUSK_BINOP_LE ? x <= y : op == DUSK_BINOP_GT ? x > y
              : op == DUSK_BINOP_GE ? x >= y : op == DUSK_BINOP_EQ ? x == y : x != y;
        } else {
            int64_t x = ref_geti(a, ta, ia), y = ref_geti(b, tb, ib);
            r = op == DUSK_BINOP_LT ? x < y : op == DUSK_BINOP_LE ? x <= y : op == DUSK_BINOP_GT ? x > y
              : op == DUSK_BINOP_GE ? x >= y : op == DUSK_BINOP_EQ ? x == y : x != y;
        }
        ref_seti(out, DUSK_DT_BOOL, k, r);
        return true;
    }
    if (dt_float(tout)) {
        double x = ref_getf(a, ta, ia), y = ref_getf(b, tb, ib), r;
        switch (op) {
        case DUSK_BINOP_ADD: r = x + y; break;
        case DUSK_BINOP_SUB: r = x - y; break;
        case DUSK_BINOP_MUL: r = x * y; break;
        case DUSK_BINOP_DIV: r = x / y; break;
        default: r = pow(x, y); break;
        }
        ref_setf(out, tout, k, r);
        return true;
    }
    if (tout == DUSK_DT_BOOL) {   /* bool + bool: or; bool * bool: and */
        int x = ref_geti(a, ta, ia) != 0, y = ref_geti(b, tb, ib) != 0;
        ref_seti(out, tout, k, op == DUSK_BINOP_ADD ? (x | y) : (x & y));
        return true;
    }
    uint64_t x = (uint64_t)ref_geti(a, ta, ia), y = (uint64_t)ref_geti(b, tb, ib), r;
    switch (op) {
    case DUSK_BINOP_ADD: r = x + y; break;
    case DUSK_BINOP_SUB: r = x - y; break;
    case DUSK_BINOP_MUL: r = x * y; break;
    default:
        if (dt_signed(tb) && (int64_t)y < 0)
            return false;
        r = 1;
        for (uint64_t e = 0; e < y; e++)
            r *= x;
        break;
    }
    ref_seti(out, tout, k, (int64_t)r);
    return true;
}

/* Computes a OP b (both given as C buffers with shapes) with dusk and
 * checks every element against ref_binop under broadcasting. */
static void check_binop(dusk_binop op, dusk_dtype ta, int nda, const int64_t *sa, const char *ca,
                        const void *da, dusk_dtype tb, int ndb, const int64_t *sb, const char *cb,
                        const void *db, dusk_dtype tout, double rel, const char *what)
{
    dusk_shape s1 = {nda, {0}}, s2 = {ndb, {0}};
    memcpy(s1.v, sa, sizeof(int64_t) * (size_t)nda);
    memcpy(s2.v, sb, sizeof(int64_t) * (size_t)ndb);
    dusk_array *a = dusk_from_buffer(ctx, da, ta, s1, ca);
    dusk_array *b = dusk_from_buffer(ctx, db, tb, s2, cb);
    dusk_array *r = dusk_array_binop(op, a, b);
    int nd = nda > ndb ? nda : ndb;
    int64_t shape[DUSK_MAXDIMS] = {0};
    for (int d = 0; d < nd; d++) {
        int xa = d - (nd - nda), xb = d - (nd - ndb);
        int64_t x = xa >= 0 ? sa[xa] : 1, y = xb >= 0 ? sb[xb] : 1;
        shape[d] = x == 1 ? y : x;
    }
    dusk_value *v = compute(r, what);
    check_meta(r, v, tout, nd, shape, what);
    int64_t n = count_of_shape(nd, shape);
    void *want = calloc((size_t)n + 1, dt_size(tout));
    int ia = 0, ib = 0;
    for (ia = 0; ia < NDT && ALL_DT[ia] != ta; ia++)
        ;
    for (ib = 0; ib < NDT && ALL_DT[ib] != tb; ib++)
        ;
    dusk_dtype common = table_dt(PROMOTE, ia, ib);
    for (int64_t k = 0; k < n; k++) {
        int64_t idx[DUSK_MAXDIMS];
        unravel(k, nd, shape, idx);
        if (!ref_binop(op, da, ta, bcast_index(nd, idx, nda, sa), db, tb,
                       bcast_index(nd, idx, ndb, sb), common, want, tout, k))
            fail_msg("%s: test data has a negative integer exponent", what);
    }
    check_values(dusk_ndarray_data(v), want, tout, n, rel, 0, what);
    free(want);
    release(v);
}

/* Every dtype pair and operation on (7, 5) arrays in (3, 2) chunks. */
static void test_binop_values(void **state)
{
    (void)state;
    const int64_t shape[2] = {7, 5};
    for (int i = 0; i < NDT; i++)
        for (int j = 0; j < NDT; j++) {
            dusk_dtype ta = ALL_DT[i], tb = ALL_DT[j];
            void *da = make_data(ta, 35, (uint64_t)(i * 11 + j), DATA_MIXED);
            void *db = make_data(tb, 35, (uint64_t)(i * 11 + j + 500), DATA_MIXED);
            void *de = make_data(tb, 35, (uint64_t)(i * 11 + j + 900), DATA_SMALLPOS);
            for (int op = 0; op < REF_BINOPS; op++) {
                if (op == DUSK_BINOP_SUB && ta == DUSK_DT_BOOL && tb == DUSK_DT_BOOL)
                    continue;
                char what[96];
                snprintf(what, sizeof what, "%s %s %s", dusk_dtype_code(ta), BINOP_OPS[op],
                         dusk_dtype_code(tb));
                dusk_dtype tout = want_binop_dt((dusk_binop)op, i, j);
                /* pow in float32: NumPy's powf may differ from pow by an ulp */
                double rel = op == DUSK_BINOP_POW ? (tout == DUSK_DT_F4 ? 1e-6 : 1e-13) : rel_of(tout);
                check_binop((dusk_binop)op, ta, 2, shape, "(3, 2)", da, tb, 2, shape, "(3, 2)",
                            op == DUSK_BINOP_POW ? de : db, tout, rel, what);
            }
            free(da);
            free(db);
            free(de);
        }
}

/* uint64 values of 2**53 and more: exact, wrapping arithmetic; unsigned
 * comparisons; abs is the identity. One test per operation family. */
static const uint64_t U8BIG[6] = {UINT64_MAX, (1ull << 63) + 7, 1ull << 63, (1ull << 53) + 1, 5, 0};

static void test_uint64_arith(void **state)
{
    (void)state;
    uint64_t b[6] = {1, 3, 1ull << 63, 2, UINT64_MAX, 7};
    dusk_array *x = dusk_from_buffer(ctx, U8BIG, DUSK_DT_U8, DUSK_SHAPE(6), "4");
    dusk_array *y = dusk_from_buffer(ctx, b, DUSK_DT_U8, DUSK_SHAPE(6), "4");
    for (int op = DUSK_BINOP_ADD; op <= DUSK_BINOP_MUL; op++) {
        dusk_value *v = compute(dusk_array_binop((dusk_binop)op, x, y), BINOP_OPS[op]);
        for (int k = 0; k < 6; k++) {
            uint64_t want = op == DUSK_BINOP_ADD ? U8BIG[k] + b[k] : op == DUSK_BINOP_SUB ? U8BIG[k] - b[k]
                          : U8BIG[k] * b[k];
            assert_true((uint64_t)ref_geti(dusk_ndarray_data(v), DUSK_DT_U8, k) == want);
        }
        release(v);
    }
    /* reductions: a wrapping sum, unsigned min and max */
    dusk_value *v = compute(dusk_array_sum(x, DUSK_ALL_AXES, false), "sum u8");
    uint64_t s = 0;
    for (int k = 0; k < 6; k++)
        s += U8BIG[k];
    assert_true((uint64_t)ref_geti(dusk_ndarray_data(v), DUSK_DT_U8, 0) == s);
    release(v);
    v = compute(dusk_array_reduce(DUSK_RED_MAX, x, DUSK_ALL_AXES, false, 0, 0), "max u8");
    assert_true((uint64_t)ref_geti(dusk_ndarray_data(v), DUSK_DT_U8, 0) == UINT64_MAX);
    release(v);
    v = compute(dusk_array_reduce(DUSK_RED_MIN, x, DUSK_ALL_AXES, false, 0, 0), "min u8");
    assert_true(ref_geti(dusk_ndarray_data(v), DUSK_DT_U8, 0) == 0);
    release(v);
    /* to float64 */
    v = compute(dusk_array_astype(x, DUSK_DT_F8), "u8 as f8");
    for (int k = 0; k < 6; k++)
        assert_true(ref_getf(dusk_ndarray_data(v), DUSK_DT_F8, k) == (double)U8BIG[k]);
    release(v);
}

static void test_uint64_compare(void **state)
{
    (void)state;
    uint64_t b[6] = {1, 2, 1ull << 63, 1ull << 63, (1ull << 63) + 1, 0};
    for (int op = DUSK_BINOP_LT; op <= DUSK_BINOP_NE; op++) {
        dusk_array *r = dusk_array_binop((dusk_binop)op,
                                         dusk_from_buffer(ctx, U8BIG, DUSK_DT_U8, DUSK_SHAPE(6), "2"),
                                         dusk_from_buffer(ctx, b, DUSK_DT_U8, DUSK_SHAPE(6), "2"));
        dusk_value *v = compute(r, BINOP_OPS[op]);
        for (int k = 0; k < 6; k++) {
            uint64_t x = U8BIG[k], y = b[k];
            bool want = op == DUSK_BINOP_LT ? x < y : op == DUSK_BINOP_LE ? x <= y
                      : op == DUSK_BINOP_GT ? x > y : op == DUSK_BINOP_GE ? x >= y
                      : op == DUSK_BINOP_EQ ? x == y : x != y;
            if (ref_geti(dusk_ndarray_data(v), DUSK_DT_BOOL, k) != want)
                fail_msg("uint64 %llu %s %llu gave %d", (unsigned long long)x, BINOP_OPS[op],
                         (unsigned long long)y, !want);
        }
        release(v);
    }
}

/* np.ones(1, 'u8') + 1 is uint64, computed in uint64 (not in float64) */
static void test_uint64_scalar(void **state)
{
    (void)state;
    dusk_array *x = dusk_from_buffer(ctx, U8BIG, DUSK_DT_U8, DUSK_SHAPE(6), "4");
    static const dusk_binop ops[3] = {DUSK_BINOP_ADD, DUSK_BINOP_SUB, DUSK_BINOP_MUL};
    for (int i = 0; i < 3; i++) {
        dusk_array *r = dusk_array_binop_scalar(ops[i], x, 3, false);
        assert_int_equal(dusk_array_dtype(r), DUSK_DT_U8);
        dusk_value *v = compute(r, BINOP_OPS[ops[i]]);
        for (int k = 0; k < 6; k++) {
            uint64_t want = i == 0 ? U8BIG[k] + 3 : i == 1 ? U8BIG[k] - 3 : U8BIG[k] * 3;
            uint64_t got = (uint64_t)ref_geti(dusk_ndarray_data(v), DUSK_DT_U8, k);
            if (got != want)
                fail_msg("uint64 %llu %s 3 gave %llu, want %llu", (unsigned long long)U8BIG[k],
                         BINOP_OPS[ops[i]], (unsigned long long)got, (unsigned long long)want);
        }
        release(v);
    }
}

static void test_uint64_abs(void **state)
{
    (void)state;
    dusk_value *v = compute(dusk_array_unop(DUSK_UNOP_ABS, dusk_from_buffer(ctx, U8BIG, DUSK_DT_U8,
                                            DUSK_SHAPE(6), "4")), "abs u8");
    for (int k = 0; k < 6; k++)
        if ((uint64_t)ref_geti(dusk_ndarray_data(v), DUSK_DT_U8, k) != U8BIG[k])
            fail_msg("abs(uint64 %llu) gave %llu", (unsigned long long)U8BIG[k],
                     (unsigned long long)ref_geti(dusk_ndarray_data(v), DUSK_DT_U8, k));
    release(v);
}

/* Integers to negative integer powers: NumPy raises ValueError; dusk
 * fails the task, naming the reason. */
static void test_binop_negative_int_power(void **state)
{
    (void)state;
    int64_t base[6] = {1, 2, 3, 4, 5, 6}, ex[6] = {1, 2, 0, 3, 1, -1};
    dusk_array *r = dusk_array_binop(DUSK_BINOP_POW,
                                     dusk_from_buffer(ctx, base, DUSK_DT_I8, DUSK_SHAPE(6), "2"),
                                     dusk_from_buffer(ctx, ex, DUSK_DT_I8, DUSK_SHAPE(6), "2"));
    assert_int_equal(dusk_array_status(r, NULL), 0);
    for (size_t s = 0; s < NSCHEDS; s++) {
        dusk_options o = mkopts(&SCHEDS[s], NULL);
        dusk_value *v = NULL;
        dusk_error err = DUSK_ERROR_INIT;
        int rc = dusk_array_compute(r, &o, &v, &err);
        assert_int_not_equal(rc, 0);
        assert_null(v);
        assert_contains(err.msg, "negative integer powers");
        assert_contains(err.msg, "pow-");   /* names the task's key */
    }
    dusk_value *v = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_not_equal(dusk_array_compute(dusk_array_binop_scalar(DUSK_BINOP_POW,
                             dusk_from_buffer(ctx, base, DUSK_DT_I8, DUSK_SHAPE(6), "2"), -1, false),
                             NULL, &v, &err), 0);
    assert_contains(err.msg, "negative integer powers");
    /* a float base takes negative exponents */
    double fb[2] = {2, 4};
    v = compute(dusk_array_binop(DUSK_BINOP_POW, dusk_from_buffer(ctx, fb, DUSK_DT_F8, DUSK_SHAPE(2), NULL),
                                 dusk_from_buffer(ctx, ex + 5, DUSK_DT_I8, DUSK_SHAPE(1), NULL)),
                "f8 ** i8");
    assert_true(ref_getf(dusk_ndarray_data(v), DUSK_DT_F8, 0) == 0.5);
    assert_true(ref_getf(dusk_ndarray_data(v), DUSK_DT_F8, 1) == 0.25);
    release(v);
}

/* --- elementwise: scalars -------------------------------------------------------- */

/* (array of dtype) + scalar, by NumPy 1.24's value-based casting. Whole
 * scalars are Python ints for integer arrays (array.h), Python floats for
 * float arrays. Columns: 1, 1.5, -1, 300, 70000, -129, 2**40, 1e300. */
static const double SCALARS[8] = {1, 1.5, -1, 300, 70000, -129, 1099511627776.0, 1e300};
static const char *const SCALAR_DT[NDT] = {
    "f8 f8 f8 f8 f8 f8 f8 f8",
    "f4 f4 f4 f4 f4 f4 f4 f8",   /* np.ones(1, 'f4') + 1e300 is float64 */
    "i8 f8 i8 i8 i8 i8 i8 f8",
    "i4 f8 i4 i4 i4 i4 i8 f8",
    "i2 f8 i2 i2 i4 i2 i8 f8",
    "i1 f8 i1 i2 i4 i2 i8 f8",
    "u8 f8 f8 u8 u8 f8 u8 f8",
    "u4 f8 i8 u4 u4 i8 u8 f8",
    "u2 f8 i4 u2 u4 i4 u8 f8",
    "u1 f8 i2 u2 u4 i2 u8 f8",
    "i8 f8 i8 i8 i8 i8 i8 f8",
};

static void test_scalar_dtypes(void **state)
{
    (void)state;
    for (int i = 0; i < NDT; i++) {
        dusk_array *a = dusk_ones(ctx, DUSK_SHAPE(4), "2", ALL_DT[i]);
        for (int k = 0; k < 8; k++) {
            if (ALL_DT[i] == DUSK_DT_F4 && k == 7)
                continue;   /* test_scalar_float32_overflow */
            dusk_dtype want = table_dt(SCALAR_DT, i, k);
            for (int first = 0; first < 2; first++) {
                dusk_array *r = dusk_array_binop_scalar(DUSK_BINOP_ADD, a, SCALARS[k], first);
                if (dusk_array_dtype(r) != want)
                    fail_msg("%s + %g: dtype %s, want %s", dusk_dtype_code(ALL_DT[i]), SCALARS[k],
                             dusk_dtype_code(dusk_array_dtype(r)), dusk_dtype_code(want));
            }
            /* comparisons give bool; true division floats */
            assert_int_equal(dusk_array_dtype(dusk_array_binop_scalar(DUSK_BINOP_LT, a, SCALARS[k],
                                                                      false)), DUSK_DT_BOOL);
            dusk_dtype d = dusk_array_dtype(dusk_array_binop_scalar(DUSK_BINOP_DIV, a, SCALARS[k], false));
            assert_true(d == (want == DUSK_DT_F4 ? DUSK_DT_F4 : DUSK_DT_F8));
        }
        /* whole floats given to an integer array are ints: i1 * 2.0 is int8 */
        if (dt_is_int(ALL_DT[i]))
            assert_int_equal(dusk_array_dtype(dusk_array_binop_scalar(DUSK_BINOP_MUL, a, 2.0, false)),
                             ALL_DT[i]);
    }
}

/* A Python float that float32 cannot hold makes a float32 array's result
 * float64: np.ones(1, 'f4') + 1e300 and np.ones(1, 'f4') * 1e39 are
 * float64 arrays (value-based casting: min_scalar_type(1e300) is f8). */
static void test_scalar_float32_overflow(void **state)
{
    (void)state;
    float x[3] = {1, -2, 0.5f};
    dusk_array *a = dusk_from_buffer(ctx, x, DUSK_DT_F4, DUSK_SHAPE(3), NULL);
    static const double s[3] = {1e300, 1e39, -4e38};
    for (int i = 0; i < 3; i++) {
        dusk_array *r = dusk_array_binop_scalar(DUSK_BINOP_MUL, a, s[i], false);
        if (dusk_array_dtype(r) != DUSK_DT_F8)
            fail_msg("f4 * %g: dtype %s, NumPy gives float64", s[i],
                     dusk_dtype_code(dusk_array_dtype(r)));
        dusk_value *v = compute(r, "f4 * big");
        for (int k = 0; k < 3; k++)
            assert_true(ref_getf(dusk_ndarray_data(v), DUSK_DT_F8, k) == (double)x[k] * s[i]);
        release(v);
    }
    /* 3e38 fits: float32 (and so does 70000.0) */
    assert_int_equal(dusk_array_dtype(dusk_array_binop_scalar(DUSK_BINOP_ADD, a, 3e38, false)), DUSK_DT_F4);
}

/* a OP s and s OP a for every dtype, against loops. */
static void test_scalar_values(void **state)
{
    (void)state;
    static const double svals[] = {1, 1.5, -1, 300, 70000, -129, 2, 0.1};
    static const dusk_binop ops[] = {DUSK_BINOP_ADD, DUSK_BINOP_SUB, DUSK_BINOP_MUL, DUSK_BINOP_DIV,
                                     DUSK_BINOP_POW, DUSK_BINOP_LT, DUSK_BINOP_GE, DUSK_BINOP_EQ, DUSK_BINOP_NE};
    const int64_t n = 35;
    for (int i = 0; i < NDT; i++) {
        dusk_dtype t = ALL_DT[i];
        void *data = make_data(t, n, (uint64_t)i + 77, DATA_MIXED);
        void *small = make_data(t, n, (uint64_t)i + 78, DATA_SMALLPOS);
        for (size_t si = 0; si < sizeof svals / sizeof *svals; si++) {
            double s = svals[si];
            for (size_t oi = 0; oi < sizeof ops / sizeof *ops; oi++) {
                dusk_binop op = ops[oi];
                for (int first = 0; first < 2; first++) {
                    const void *src = data;
                    if (op == DUSK_BINOP_POW) {
                        /* integer exponents must not be negative; keep
                         * the numbers small */
                        if (first)
                            src = small;
                        else if (s != 2 && s != 1 && s != 1.5 && s != 0.1)
                            continue;
                    }
                    dusk_array *a = dusk_from_buffer(ctx, src, t, DUSK_SHAPE(7, 5), "(3, 2)");
                    dusk_array *r = dusk_array_binop_scalar(op, a, s, first);
                    char what[96];
                    if (first)
                        snprintf(what, sizeof what, "%g %s %s", s, BINOP_OPS[op], dusk_dtype_code(t));
                    else
                        snprintf(what, sizeof what, "%s %s %g", dusk_dtype_code(t), BINOP_OPS[op], s);
                    dusk_value *v = compute(r, what);
                    dusk_dtype tout = dusk_array_dtype(r);
                    /* the scalar as a 0-d operand of NumPy's computation:
                     * the result dtype decides how it is done */
                    dusk_dtype ts = dt_float(tout) || op == DUSK_BINOP_DIV ? DUSK_DT_F8 : DUSK_DT_I8;
                    if (op >= DUSK_BINOP_LT)
                        ts = (s == floor(s) && !dt_float(t)) ? DUSK_DT_I8 : DUSK_DT_F8;
                    char sbuf[8];
                    if (ts == DUSK_DT_F8)
                        ref_setf(sbuf, ts, 0, s);
                    else
                        ref_seti(sbuf, ts, 0, (int64_t)s);
                    void *want = calloc((size_t)n, dt_size(tout));
                    dusk_dtype common = ts == DUSK_DT_F8 ? DUSK_DT_F8 : (dt_is_int(tout) ? tout : DUSK_DT_I8);
                    if (op >= DUSK_BINOP_LT)   /* compared as numbers, exactly */
                        common = dt_float(t) || ts == DUSK_DT_F8 || (t == DUSK_DT_U8 && s < 0) ? DUSK_DT_F8
                               : t == DUSK_DT_U8 ? DUSK_DT_U8 : DUSK_DT_I8;
                    for (int64_t k = 0; k < n; k++) {
                        bool ok = first ? ref_binop(op, sbuf, ts, 0, src, t, k, common, want, tout, k)
                                        : ref_binop(op, src, t, k, sbuf, ts, 0, common, want, tout, k);
                        assert_true(ok);
                    }
                    double rel = op == DUSK_BINOP_POW && tout == DUSK_DT_F4 ? 1e-6
                               : tout == DUSK_DT_F4 ? 6e-7 : 1e-14;
                    check_values(dusk_ndarray_data(v), want, tout, n, rel, 0, what);
                    free(want);
                    release(v);
                }
            }
        }
        free(data);
        free(small);
    }
}

/* --- elementwise: unary -------------------------------------------------------- */

static const char *const UNOP_OPS[DUSK_UNOP_COUNT] = {"neg", "absolute", "exp", "log", "sqrt",
                                                  "sin", "cos"};
/* np.negative, np.abs, np.exp, np.log, np.sqrt, np.sin, np.cos of each
 * dtype; "--" for NumPy's TypeError (negative of bool). NumPy gives f2
 * where this says f4 (int8, uint8, bool): dusk has no float16. */
static const char *const UNOP_DT[NDT] = {
    "f8 f8 f8 f8 f8 f8 f8",
    "f4 f4 f4 f4 f4 f4 f4",
    "i8 i8 f8 f8 f8 f8 f8",
    "i4 i4 f8 f8 f8 f8 f8",
    "i2 i2 f4 f4 f4 f4 f4",
    "i1 i1 f2 f2 f2 f2 f2",
    "u8 u8 f8 f8 f8 f8 f8",
    "u4 u4 f8 f8 f8 f8 f8",
    "u2 u2 f4 f4 f4 f4 f4",
    "u1 u1 f2 f2 f2 f2 f2",
    "-- b1 f2 f2 f2 f2 f2",
};

static void test_unop_values(void **state)
{
    (void)state;
    for (size_t si = 0; si < NSHAPES; si++) {
        dusk_shape s = shape_of(si);
        int64_t n = count_of_shape(s.ndim, s.v);
        for (int i = 0; i < NDT; i++) {
            dusk_dtype t = ALL_DT[i];
            void *data = make_data(t, n, (uint64_t)(i + 1000 * si), DATA_MIXED);
            dusk_array *a = dusk_from_buffer(ctx, data, t, s, SHAPES[si].chunks);
            /* real, imag and conj: test_dtypes.c */
            for (int op = 0; op <= DUSK_UNOP_COS; op++) {
                char what[96];
                snprintf(what, sizeof what, "%s(%s) shape #%zu", UNOP_OPS[op], dusk_dtype_code(t), si);
                dusk_array *r = dusk_array_unop((dusk_unop)op, a);
                if (UNOP_DT[i][3 * op] == '-') {
                    assert_array_error(r, DUSK_ETYPE, "boolean negative");
                    continue;
                }
                dusk_dtype tout = table_dt(UNOP_DT, i, op);
                dusk_value *v = compute(r, what);
                check_meta(r, v, tout, s.ndim, s.v, what);
                dusk_layer_info info[4];
                size_t nl = dusk_array_layers(r, info, 4);
                assert_string_equal(info[nl - 1].op, UNOP_OPS[op]);
                void *want = calloc((size_t)n + 1, dt_size(tout));
                for (int64_t k = 0; k < n; k++) {
                    if (dt_is_int(tout) || tout == DUSK_DT_BOOL) {
                        int64_t x = ref_geti(data, t, k);
                        /* wraps: np.negative(int8(-128)) is -128 */
                        uint64_t r2 = op == DUSK_UNOP_NEG || (x < 0 && !dt_unsigned(t))
                                      ? 0 - (uint64_t)x : (uint64_t)x;
                        ref_seti(want, tout, k, tout == DUSK_DT_BOOL ? x != 0 : (int64_t)r2);
                    } else {
                        double x = ref_getf(data, t, k), y;
                        switch (op) {
                        case DUSK_UNOP_NEG: y = -x; break;
                        case DUSK_UNOP_ABS: y = fabs(x); break;
                        case DUSK_UNOP_EXP: y = exp(x); break;
                        case DUSK_UNOP_LOG: y = log(x); break;
                        case DUSK_UNOP_SQRT: y = sqrt(x); break;
                        case DUSK_UNOP_SIN: y = sin(x); break;
                        default: y = cos(x); break;
                        }
                        ref_setf(want, tout, k, y);
                    }
                }
                /* float32 results: NumPy calls expf & co.; allow an ulp or two.
                 * Huge integers (extremes of int64) through sin/cos: the
                 * absolute error of the argument reduction */
                /* float16: NumPy through float32, dusk through float64,
                 * each rounded once (the test's reference too) */
                check_values(dusk_ndarray_data(v), want, tout, n,
                             tout == DUSK_DT_F4 ? 3e-7 : tout == DUSK_DT_F2 ? 1e-3 : 1e-15,
                             tout == DUSK_DT_F4 ? 1e-7 : tout == DUSK_DT_F2 ? 1e-7 : 0, what);
                free(want);
                release(v);
            }
            free(data);
        }
    }
}

/* --- broadcasting and chunk unification --------------------------------------------- */

static void test_broadcasting(void **state)
{
    (void)state;
    static const struct { int nda; int64_t sa[3]; const char *ca; int ndb; int64_t sb[3];
                          const char *cb; int nd; int64_t so[3]; } c[] = {
        {2, {4, 1}, "(3, 1)", 1, {3}, "2", 2, {4, 3}},
        {1, {3}, "2", 2, {4, 1}, "(3, 1)", 2, {4, 3}},
        {2, {15, 15}, "(5, 5)", 1, {15}, "5", 2, {15, 15}},
        {2, {15, 15}, "(5, 5)", 1, {15}, "4", 2, {15, 15}},
        {3, {2, 1, 3}, "(1, 1, 2)", 2, {4, 1}, "(3, 1)", 3, {2, 4, 3}},
        {0, {0}, NULL, 2, {3, 4}, "(2, 3)", 2, {3, 4}},
        {2, {3, 4}, "(2, 3)", 0, {0}, NULL, 2, {3, 4}},
        {1, {1}, NULL, 1, {5}, "2", 1, {5}},
        {2, {3, 4}, "(2, 3)", 2, {1, 4}, "(1, 2)", 2, {3, 4}},
        {2, {1, 4}, "(1, 4)", 2, {3, 1}, "(2, 1)", 2, {3, 4}},
        {3, {2, 3, 4}, "(1, 2, 3)", 1, {4}, "(3,)", 3, {2, 3, 4}},
        {2, {0, 3}, "(1, 2)", 1, {3}, "2", 2, {0, 3}},
        {2, {15, 15}, "(5, 5)", 2, {15, 1}, "(4, 1)", 2, {15, 15}},
        {2, {1, 15}, "(1, 4)", 2, {15, 15}, "(5, 6)", 2, {15, 15}},
        {3, {4, 1, 6}, "(3, 1, 4)", 3, {1, 5, 6}, "(1, 2, 5)", 3, {4, 5, 6}},
    };
    for (size_t k = 0; k < sizeof c / sizeof *c; k++)
        for (int ti = 0; ti < 3; ti++) {
            dusk_dtype ta = ti == 0 ? DUSK_DT_F8 : ti == 1 ? DUSK_DT_I4 : DUSK_DT_U1;
            dusk_dtype tb = ti == 0 ? DUSK_DT_F8 : ti == 1 ? DUSK_DT_I2 : DUSK_DT_F4;
            int64_t na = count_of_shape(c[k].nda, c[k].sa), nb = count_of_shape(c[k].ndb, c[k].sb);
            void *da = make_data(ta, na, k * 3 + (size_t)ti, DATA_MIXED);
            void *db = make_data(tb, nb, k * 3 + (size_t)ti + 99, DATA_MIXED);
            int ia = ti == 0 ? 0 : ti == 1 ? 3 : 9, ib = ti == 0 ? 0 : ti == 1 ? 4 : 1;
            for (int op = DUSK_BINOP_ADD; op <= DUSK_BINOP_MUL; op++) {
                char what[96];
                snprintf(what, sizeof what, "broadcast case %zu %s %s %s", k, dusk_dtype_code(ta),
                         BINOP_OPS[op], dusk_dtype_code(tb));
                check_binop((dusk_binop)op, ta, c[k].nda, c[k].sa, c[k].ca, da, tb, c[k].ndb,
                            c[k].sb, c[k].cb, db, table_dt(PROMOTE, ia, ib), rel_of(DUSK_DT_F8), what);
            }
            free(da);
            free(db);
        }
    /* the (15, 15) + (15,) chunks: 5 + 4 are unified as Dask does */
    dusk_array *a = dusk_ones(ctx, DUSK_SHAPE(15, 15), "(5, 5)", DUSK_DT_F8);
    dusk_array *r = dusk_array_add(a, dusk_ones(ctx, DUSK_SHAPE(15), "4", DUSK_DT_F8));
    assert_chunks(r, 0, "(5, 5, 5)");
    assert_chunks(r, 1, "(4, 1, 3, 2, 2, 3)");
    r = dusk_array_add(dusk_ones(ctx, DUSK_SHAPE(4, 1), "(2, 1)", DUSK_DT_F8),
                 dusk_ones(ctx, DUSK_SHAPE(3), "2", DUSK_DT_F8));
    assert_chunks(r, 0, "(2, 2)");
    assert_chunks(r, 1, "(2, 1)");
    /* x + x.T on (15, 15) in (5, 5): 9 + 9 + 9 tasks */
    assert_int_equal(dusk_array_ntasks(dusk_array_add(a, dusk_array_transpose(a, NULL))), 27);
}

static void test_broadcast_errors(void **state)
{
    (void)state;
    static const struct { int nda; int64_t sa[3]; int ndb; int64_t sb[3]; const char *s1, *s2; } c[] = {
        {2, {4, 3}, 1, {5}, "(4, 3)", "(5,)"},
        {2, {2, 3}, 2, {3, 2}, "(2, 3)", "(3, 2)"},
        {3, {2, 3, 4}, 2, {2, 4}, "(2, 3, 4)", "(2, 4)"},
        {1, {0}, 1, {2}, "(0,)", "(2,)"},
    };
    for (size_t k = 0; k < sizeof c / sizeof *c; k++) {
        dusk_shape s1 = {c[k].nda, {0}}, s2 = {c[k].ndb, {0}};
        memcpy(s1.v, c[k].sa, sizeof c[k].sa);
        memcpy(s2.v, c[k].sb, sizeof c[k].sb);
        for (int op = 0; op < DUSK_BINOP_COUNT; op++) {
            dusk_array *r = dusk_array_binop((dusk_binop)op, dusk_ones(ctx, s1, NULL, DUSK_DT_F8),
                                             dusk_zeros(ctx, s2, NULL, DUSK_DT_I4));
            assert_array_error(r, DUSK_EINVAL, "do not broadcast");
            dusk_error err = DUSK_ERROR_INIT;
            dusk_array_status(r, &err);
            assert_contains(err.msg, c[k].s1);
            assert_contains(err.msg, c[k].s2);
        }
    }
}

/* Inputs chunked differently are rechunked to the common refinement. */
static void test_unify_chunks(void **state)
{
    (void)state;
    double *buf = malloc(225 * sizeof *buf);
    for (int i = 0; i < 225; i++)
        buf[i] = i * 0.5 - 7;
    dusk_array *x = dusk_ones(ctx, DUSK_SHAPE(15, 15), "(5, 5)", DUSK_DT_F8);
    dusk_array *y = dusk_from_buffer(ctx, buf, DUSK_DT_F8, DUSK_SHAPE(15, 15), "(3, 3)");
    for (int order = 0; order < 2; order++) {
        dusk_array *r = order ? dusk_array_sub(y, x) : dusk_array_sub(x, y);
        assert_chunks(r, 0, "(3, 2, 1, 3, 1, 2, 3)");
        assert_chunks(r, 1, "(3, 2, 1, 3, 1, 2, 3)");
        assert_int_equal(dusk_array_nchunks(r), 49);
        dusk_value *v = compute(r, "(5, 5) - (3, 3)");
        for (int i = 0; i < 225; i++) {
            double want = order ? buf[i] - 1 : 1 - buf[i];
            if (((double *)dusk_ndarray_data(v))[i] != want)
                fail_msg("element %d: %g, want %g", i, ((double *)dusk_ndarray_data(v))[i], want);
        }
        release(v);
    }
    /* one axis only, and explicit uneven chunks */
    dusk_array *z = dusk_from_buffer(ctx, buf, DUSK_DT_F8, DUSK_SHAPE(15, 15), "((15,), (1, 13, 1))");
    dusk_array *r = dusk_array_mul(x, z);
    assert_chunks(r, 0, "(5, 5, 5)");
    assert_chunks(r, 1, "(1, 4, 5, 4, 1)");
    dusk_value *v = compute(r, "(5, 5) * ((15,), (1, 13, 1))");
    assert_memory_equal(dusk_ndarray_data(v), buf, 225 * sizeof *buf);
    release(v);
    /* a chain of differently chunked inputs */
    r = dusk_array_add(dusk_array_add(x, y), dusk_array_rechunk(z, "(4, 7)"));
    v = compute(r, "x + y + z");
    for (int i = 0; i < 225; i++)
        assert_true(((double *)dusk_ndarray_data(v))[i] == 1 + 2 * buf[i]);
    release(v);
    free(buf);
}

/* --- transpose, astype, rechunk ------------------------------------------------------ */

/* Checks r = transpose(a, perm) element by element. */
static void check_transpose(const void *data, dusk_dtype t, int nd, const int64_t *shape,
                            const char *chunks, const int *perm, const char *what)
{
    dusk_shape s = {nd, {0}};
    memcpy(s.v, shape, sizeof(int64_t) * (size_t)nd);
    dusk_array *a = dusk_from_buffer(ctx, data, t, s, chunks);
    dusk_array *r = dusk_array_transpose(a, perm);
    int p[DUSK_MAXDIMS];
    int64_t oshape[DUSK_MAXDIMS];
    for (int i = 0; i < nd; i++) {
        p[i] = perm ? (perm[i] < 0 ? perm[i] + nd : perm[i]) : nd - 1 - i;
        oshape[i] = shape[p[i]];
    }
    dusk_value *v = compute(r, what);
    check_meta(r, v, t, nd, oshape, what);
    /* chunks follow their axes */
    for (int i = 0; i < nd; i++) {
        assert_int_equal(dusk_array_numblocks(r, i), dusk_array_numblocks(a, p[i]));
        assert_memory_equal(dusk_array_chunks(r, i), dusk_array_chunks(a, p[i]),
                            (size_t)dusk_array_numblocks(r, i) * sizeof(int64_t));
    }
    int64_t n = count_of_shape(nd, shape);
    for (int64_t k = 0; k < n; k++) {
        int64_t oi[DUSK_MAXDIMS], ii[DUSK_MAXDIMS];
        unravel(k, nd, oshape, oi);
        for (int i = 0; i < nd; i++)
            ii[p[i]] = oi[i];
        int64_t src = ravel(nd, shape, ii);
        if (ref_geti(dusk_ndarray_data(v), t, k) != ref_geti(data, t, src) ||
            (dt_float(t) && ref_getf(dusk_ndarray_data(v), t, k) != ref_getf(data, t, src)))
            fail_msg("%s: element %lld differs", what, (long long)k);
    }
    dusk_layer_info info[4];
    size_t nl = dusk_array_layers(r, info, 4);
    assert_string_equal(info[nl - 1].op, "transpose");
    assert_int_equal(info[nl - 1].ntasks, dusk_array_nchunks(a));
    release(v);
}

static void test_transpose(void **state)
{
    (void)state;
    /* .T of 2-d arrays with uneven chunks, every dtype */
    for (int i = 0; i < NDT; i++) {
        void *d = make_data(ALL_DT[i], 35, (uint64_t)i + 3, DATA_MIXED);
        char what[64];
        snprintf(what, sizeof what, "(7, 5).T %s", dusk_dtype_code(ALL_DT[i]));
        check_transpose(d, ALL_DT[i], 2, (int64_t[]){7, 5}, "(3, 2)", NULL, what);
        free(d);
    }
    /* every permutation of a 3-d array */
    static const int perms[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
    void *d = make_data(DUSK_DT_F8, 60, 9, DATA_MIXED);
    for (int k = 0; k < 6; k++) {
        char what[64];
        snprintf(what, sizeof what, "transpose (3, 4, 5) (%d, %d, %d)", perms[k][0], perms[k][1],
                 perms[k][2]);
        check_transpose(d, DUSK_DT_F8, 3, (int64_t[]){3, 4, 5}, "(2, 3, 2)", perms[k], what);
    }
    check_transpose(d, DUSK_DT_F8, 3, (int64_t[]){3, 4, 5}, "(2, 3, 2)", NULL, ".T of 3-d");
    check_transpose(d, DUSK_DT_F8, 3, (int64_t[]){3, 4, 5}, "(2, 3, 2)", (int[]){-1, 0, -2},
                    "negative axes");
    check_transpose(d, DUSK_DT_F8, 1, (int64_t[]){60}, "7", NULL, "1-d .T");
    free(d);
    /* x.T.T is x again */
    double buf[6] = {1, 2, 3, 4, 5, 6};
    dusk_array *x = dusk_from_buffer(ctx, buf, DUSK_DT_F8, DUSK_SHAPE(2, 3), "(1, 2)");
    dusk_value *v = compute(dusk_array_transpose(dusk_array_transpose(x, NULL), NULL), "x.T.T");
    assert_memory_equal(dusk_ndarray_data(v), buf, sizeof buf);
    release(v);
    /* and a 0-d array is its own transpose */
    v = compute(dusk_array_transpose(dusk_full(ctx, DUSK_SHAPE0, NULL, DUSK_DT_F8, 4), NULL), "0-d .T");
    assert_true(ref_getf(dusk_ndarray_data(v), DUSK_DT_F8, 0) == 4);
    release(v);
    /* not permutations */
    dusk_array *a3 = dusk_ones(ctx, DUSK_SHAPE(2, 3, 4), NULL, DUSK_DT_F8);
    assert_array_error(dusk_array_transpose(a3, (int[]){0, 0, 1}), DUSK_EINVAL, "permutation");
    assert_array_error(dusk_array_transpose(a3, (int[]){0, 1, 3}), DUSK_EINVAL, "permutation");
    assert_array_error(dusk_array_transpose(a3, (int[]){0, 1, -4}), DUSK_EINVAL, "permutation");
    assert_array_error(dusk_array_transpose(a3, (int[]){2, -1, 0}), DUSK_EINVAL, "permutation");
}

/* NumPy's astype: C casts; integers wrap; floats truncate toward zero
 * (out-of-range float to integer casts are undefined in C and NumPy alike,
 * so the data stays in range); anything to bool is != 0 (NaN is True). */
static void test_astype(void **state)
{
    (void)state;
    const int64_t n = 24;
    for (int i = 0; i < NDT; i++) {
        dusk_dtype ts = ALL_DT[i];
        void *data = make_data(ts, n, (uint64_t)i + 123, DATA_MIXED);
        if (dt_float(ts)) {     /* fractions, a NaN, negatives only where they fit */
            for (int64_t k = 0; k < n; k++)
                ref_setf(data, ts, k, (double)(k % 7) * 1.75 - (k % 2 ? 0 : 3.4) + 0.5);
            ref_setf(data, ts, 5, NAN);
        }
        for (int j = 0; j < NDT; j++) {
            dusk_dtype tt = ALL_DT[j];
            dusk_array *a = dusk_from_buffer(ctx, data, ts, DUSK_SHAPE(4, 6), "(3, 4)");
            dusk_array *r = dusk_array_astype(a, tt);
            char what[64];
            snprintf(what, sizeof what, "%s.astype(%s)", dusk_dtype_code(ts), dusk_dtype_code(tt));
            if (ts == tt) {   /* the same array, no new layer */
                assert_ptr_equal(r, a);
                continue;
            }
            dusk_layer_info info[4];
            size_t nl = dusk_array_layers(r, info, 4);
            assert_string_equal(info[nl - 1].op, "astype");
            dusk_value *v = compute(r, what);
            check_meta(r, v, tt, 2, (int64_t[]){4, 6}, what);
            for (int64_t k = 0; k < n; k++) {
                if (tt == DUSK_DT_BOOL) {
                    bool want = dt_float(ts) ? ref_getf(data, ts, k) != 0 : ref_geti(data, ts, k) != 0;
                    if (ref_geti(dusk_ndarray_data(v), tt, k) != want)
                        fail_msg("%s: element %lld", what, (long long)k);
                } else if (dt_float(tt)) {
                    double x = ref_getf(data, ts, k);
                    double want = tt == DUSK_DT_F4 ? (double)(float)x : x;
                    if (!close_enough(ref_getf(dusk_ndarray_data(v), tt, k), want, 0, 0))
                        fail_msg("%s: element %lld is %.17g, want %.17g", what, (long long)k,
                                 ref_getf(dusk_ndarray_data(v), tt, k), want);
                } else if (dt_float(ts)) {
                    double x = ref_getf(data, ts, k);
                    if (isnan(x) || (x < 0 && dt_unsigned(tt)))
                        continue;   /* undefined in C and NumPy */
                    int64_t want = (int64_t)trunc(x);
                    void *w = calloc(1, 8);
                    ref_seti(w, tt, 0, want);
                    if (ref_geti(dusk_ndarray_data(v), tt, k) != ref_geti(w, tt, 0))
                        fail_msg("%s: element %lld (%g) is %lld", what, (long long)k, x,
                                 (long long)ref_geti(dusk_ndarray_data(v), tt, k));
                    free(w);
                } else {
                    int64_t w[1];
                    ref_seti(w, tt, 0, ref_geti(data, ts, k));   /* wraps */
                    if (ref_geti(dusk_ndarray_data(v), tt, k) != ref_geti(w, tt, 0))
                        fail_msg("%s: element %lld is %lld, want %lld", what, (long long)k,
                                 (long long)ref_geti(dusk_ndarray_data(v), tt, k),
                                 (long long)ref_geti(w, tt, 0));
                }
            }
            release(v);
        }
        free(data);
    }
    /* np.array([200], 'u1').astype('i1') is -56; (-1.5).astype(i1) is -1 */
    uint8_t u = 200;
    dusk_value *v = compute(dusk_array_astype(dusk_from_buffer(ctx, &u, DUSK_DT_U1, DUSK_SHAPE(1), NULL),
                                              DUSK_DT_I1), "u1 200 as i1");
    assert_int_equal(ref_geti(dusk_ndarray_data(v), DUSK_DT_I1, 0), -56);
    release(v);
    dusk_array *x = dusk_ones(ctx, DUSK_SHAPE(3), NULL, DUSK_DT_F8);
    assert_array_error(dusk_array_astype(x, DUSK_DT_COUNT), DUSK_EINVAL, "dtype");
    assert_array_error(dusk_array_astype(x, (dusk_dtype)-1), DUSK_EINVAL, "dtype");
}

/* Rechunk builds what Dask 2022.12 builds in one step: a 'rechunk-merge'
 * task per output block and a 'rechunk-split' task per piece that is only
 * part of an input block (counts from Dask itself). */
static void test_rechunk_dask_structure(void **state)
{
    (void)state;
    static const struct {
        int nd;
        int64_t shape[3];
        const char *from, *to;
        size_t merge, split;
    } c[] = {
        {2, {15, 15}, "(5, 5)", "(3, 15)", 5, 21},
        {2, {15, 15}, "(5, 5)", "(4, 6)", 12, 30},
        {2, {15, 15}, "(5, 5)", "((1, 14), (15,))", 2, 6},
        {2, {15, 15}, "(5, 5)", "(-1, 2)", 8, 27},
        {2, {15, 15}, "(3, 7)", "(15, 15)", 1, 0},
        {1, {13}, "5", "((2, 2, 9),)", 3, 3},
        {3, {5, 6, 7}, "(2, 3, 4)", "(3, 2, 5)", 12, 48},
        {1, {225}, "50", "((30, 30, 60, 105),)", 4, 6},
    };
    for (size_t k = 0; k < sizeof c / sizeof *c; k++) {
        dusk_shape s = {c[k].nd, {0}};
        memcpy(s.v, c[k].shape, sizeof c[k].shape);
        dusk_array *a = dusk_ones(ctx, s, c[k].from, DUSK_DT_F8);
        dusk_array *y = dusk_array_rechunk(a, c[k].to);
        assert_int_equal(dusk_array_status(y, NULL), 0);
        dusk_graph *g = NULL;
        assert_int_equal(dusk_array_graph(y, &g, NULL), 0);
        size_t merge = 0, split = 0;
        for (size_t t = 0; t < dusk_graph_size(g); t++) {
            char op[64];
            dusk_key_split(dusk_graph_key(g, (int64_t)t), op, sizeof op);
            merge += strcmp(op, "rechunk-merge") == 0;
            split += strcmp(op, "rechunk-split") == 0;
        }
        if (merge != c[k].merge || split != c[k].split)
            fail_msg("rechunk %s -> %s: merge %zu split %zu, Dask %zu %zu", c[k].from, c[k].to,
                     merge, split, c[k].merge, c[k].split);
        assert_int_equal(dusk_array_ntasks(y), (int64_t)dusk_graph_size(g));
        /* and the values come through: ones everywhere */
        dusk_value *v = NULL;
        assert_int_equal(dusk_array_compute(y, NULL, &v, NULL), 0);
        const double *d = dusk_ndarray_data(v);
        for (int64_t i = 0; i < dusk_ndarray_size(v); i++)
            assert_true(d[i] == 1.0);
        dusk_value_unref(v);
        dusk_graph_free(g);
    }
}

static void test_rechunk(void **state)
{
    (void)state;
    static const struct { int nd; int64_t shape[3]; const char *from, *to; const char *want[3]; } c[] = {
        {2, {15, 15}, "(5, 5)", "(4, 6)", {"(4, 4, 4, 3)", "(6, 6, 3)"}},
        {2, {15, 15}, "(5, 5)", "((1, 14), (15,))", {"(1, 14)", "(15,)"}},
        {2, {15, 15}, "(5, 5)", "(-1, 2)", {"(15,)", "(2, 2, 2, 2, 2, 2, 2, 1)"}},
        {2, {15, 15}, "(3, 7)", "(15, 15)", {"(15,)", "(15,)"}},
        {2, {15, 15}, "(15, 15)", "1", {"(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1)",
                                        "(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1)"}},
        {2, {15, 15}, "(5, 5)", "auto", {"(15,)", "(15,)"}},
        {1, {13}, "5", "((2, 2, 9),)", {"(2, 2, 9)"}},
        {3, {5, 6, 7}, "(2, 3, 4)", "(3, 2, 5)", {"(3, 2)", "(2, 2, 2)", "(5, 2)"}},
        {3, {5, 6, 7}, "((1, 4), (6,), (3, 3, 1))", "(2, 4, 3)", {"(2, 2, 1)", "(4, 2)", "(3, 3, 1)"}},
    };
    for (size_t k = 0; k < sizeof c / sizeof *c; k++) {
        dusk_shape s = {c[k].nd, {0}};
        memcpy(s.v, c[k].shape, sizeof c[k].shape);
        int64_t n = count_of_shape(c[k].nd, c[k].shape);
        for (int ti = 0; ti < 3; ti++) {
            dusk_dtype t = ti == 0 ? DUSK_DT_F8 : ti == 1 ? DUSK_DT_I2 : DUSK_DT_BOOL;
            void *d = make_data(t, n, k * 3 + (size_t)ti, DATA_MIXED);
            dusk_array *a = dusk_from_buffer(ctx, d, t, s, c[k].from);
            dusk_array *r = dusk_array_rechunk(a, c[k].to);
            char what[96];
            snprintf(what, sizeof what, "rechunk %s -> %s (%s)", c[k].from, c[k].to,
                     dusk_dtype_code(t));
            for (int dd = 0; dd < c[k].nd; dd++)
                assert_chunks(r, dd, c[k].want[dd]);
            dusk_value *v = compute(r, what);
            check_meta(r, v, t, c[k].nd, c[k].shape, what);
            assert_memory_equal(dusk_ndarray_data(v), d, (size_t)n * dt_size(t));
            release(v);
            /* and back again, after an elementwise step */
            dusk_array *back = dusk_array_rechunk(dusk_array_binop_scalar(DUSK_BINOP_MUL, r, 1, false),
                                                  c[k].from);
            v = compute(back, what);
            if (t != DUSK_DT_BOOL)
                assert_memory_equal(dusk_ndarray_data(v), d, (size_t)n * dt_size(t));
            release(v);
            free(d);
        }
    }
    /* an empty axis */
    dusk_value *ev = compute(dusk_array_rechunk(dusk_ones(ctx, DUSK_SHAPE(0, 6), "(1, 2)", DUSK_DT_F8),
                                                "(1, 3)"), "rechunk (0, 6)");
    assert_shape(ev, 2, (int64_t[]){0, 6}, "rechunk (0, 6)");
    release(ev);
    /* rechunking to the chunks it has gives the array itself */
    dusk_array *a = dusk_ones(ctx, DUSK_SHAPE(15, 15), "(5, 5)", DUSK_DT_F8);
    assert_ptr_equal(dusk_array_rechunk(a, "5"), a);
    assert_ptr_equal(dusk_array_rechunk(a, "((5, 5, 5), (5, 5, 5))"), a);
    dusk_array *r = dusk_array_rechunk(a, "(3, 5)");
    dusk_layer_info info[4];
    size_t nl = dusk_array_layers(r, info, 4);
    assert_string_equal(info[nl - 1].op, "rechunk-merge");
    assert_array_error(dusk_array_rechunk(a, "(5, 5, 5)"), DUSK_EINVAL, "(5, 5, 5)");
    assert_array_error(dusk_array_rechunk(a, "((5, 5), (15,))"), DUSK_EINVAL, "((5, 5), (15,))");
}

/* --- reductions ------------------------------------------------------------------ */

static const char *const RED_NAMES[NPLAIN_RED] = {"sum", "prod", "mean", "std", "var",
                                                  "min", "max", "any", "all"};

/* np.sum(x).dtype & co. for each input dtype */
static dusk_dtype want_reduce_dt(dusk_reduction op, dusk_dtype t)
{
    switch (op) {
    case DUSK_RED_SUM: case DUSK_RED_PROD:
        return dt_float(t) ? t : dt_unsigned(t) ? DUSK_DT_U8 : DUSK_DT_I8;
    case DUSK_RED_MEAN: case DUSK_RED_STD: case DUSK_RED_VAR:
        return t == DUSK_DT_F4 ? DUSK_DT_F4 : DUSK_DT_F8;
    case DUSK_RED_ANY: case DUSK_RED_ALL:
        return DUSK_DT_BOOL;
    default:
        return t;
    }
}

/* The reduction of x (dtype t, shape) over the axes in mask, by loops:
 * the result in a new buffer of dtype tout, in C order of the kept axes. */
static void *ref_reduce(dusk_reduction op, const void *x, dusk_dtype t, int nd,
                        const int64_t *shape, uint64_t mask, int ddof, dusk_dtype tout,
                        int64_t *nout_p)
{
    int64_t kshape[DUSK_MAXDIMS];
    for (int d = 0; d < nd; d++)
        kshape[d] = (mask >> d) & 1 ? 1 : shape[d];
    int64_t nout = count_of_shape(nd, kshape), n = count_of_shape(nd, shape);
    double *fs = calloc((size_t)nout + 1, sizeof *fs), *m2 = calloc((size_t)nout + 1, sizeof *m2);
    uint64_t *is = calloc((size_t)nout + 1, sizeof *is);
    int64_t *cnt = calloc((size_t)nout + 1, sizeof *cnt);
    bool *seen = calloc((size_t)nout + 1, sizeof *seen);
    for (int64_t o = 0; o < nout; o++) {
        fs[o] = op == DUSK_RED_PROD ? 1 : 0;
        is[o] = op == DUSK_RED_PROD || op == DUSK_RED_ALL ? 1 : 0;
    }
    int64_t idx[DUSK_MAXDIMS];
    for (int pass = 0; pass < 2; pass++)
        for (int64_t k = 0; k < n; k++) {
            unravel(k, nd, shape, idx);
            for (int d = 0; d < nd; d++)
                if ((mask >> d) & 1)
                    idx[d] = 0;
            int64_t o = ravel(nd, kshape, idx);
            double xf = ref_getf(x, t, k);
            uint64_t xi = (uint64_t)ref_geti(x, t, k);
            if (pass == 1) {
                if (op == DUSK_RED_VAR || op == DUSK_RED_STD) {
                    double m = fs[o] / (double)cnt[o];
                    m2[o] += (xf - m) * (xf - m);
                }
                continue;
            }
            cnt[o]++;
            switch (op) {
            case DUSK_RED_SUM: case DUSK_RED_MEAN: case DUSK_RED_VAR: case DUSK_RED_STD:
                fs[o] += xf;
                is[o] += xi;
                break;
            case DUSK_RED_PROD:
                fs[o] *= xf;
                is[o] *= xi;
                break;
            case DUSK_RED_ANY:
                is[o] |= xf != 0;
                break;
            case DUSK_RED_ALL:
                is[o] &= xf != 0;
                break;
            default: {   /* min, max: NaN wins */
                bool mn = op == DUSK_RED_MIN;
                if (dt_float(t)) {
                    if (!seen[o] || isnan(xf) || (!isnan(fs[o]) && (mn ? xf < fs[o] : xf > fs[o])))
                        fs[o] = xf;
                } else if (dt_unsigned(t) || t == DUSK_DT_BOOL) {
                    if (!seen[o] || (mn ? xi < is[o] : xi > is[o]))
                        is[o] = xi;
                } else {
                    if (!seen[o] || (mn ? (int64_t)xi < (int64_t)is[o] : (int64_t)xi > (int64_t)is[o]))
                        is[o] = xi;
                }
                seen[o] = true;
            }
            }
        }
    void *out = calloc((size_t)nout + 1, dt_size(tout));
    for (int64_t o = 0; o < nout; o++) {
        switch (op) {
        case DUSK_RED_MEAN:
            ref_setf(out, tout, o, fs[o] / (double)cnt[o]);
            break;
        case DUSK_RED_VAR: case DUSK_RED_STD: {
            /* NumPy: m2 / max(n - ddof, 0) */
            double dof = (double)cnt[o] - ddof;
            double v = m2[o] / (dof > 0 ? dof : 0);
            ref_setf(out, tout, o, op == DUSK_RED_STD ? sqrt(v) : v);
            break;
        }
        default:
            if (dt_float(tout))
                ref_setf(out, tout, o, fs[o]);
            else
                ref_seti(out, tout, o, (int64_t)is[o]);
        }
    }
    free(fs);
    free(m2);
    free(is);
    free(cnt);
    free(seen);
    *nout_p = nout;
    return out;
}

/* Reduces data with dusk and checks shape, chunks, dtype and values. */
static void check_reduce(dusk_reduction op, const void *data, dusk_dtype t, int nd,
                         const int64_t *shape, const char *chunks, uint64_t mask, bool keepdims,
                         int split_every, int ddof, const char *label)
{
    dusk_shape s = {nd, {0}};
    memcpy(s.v, shape, sizeof(int64_t) * (size_t)nd);
    dusk_array *a = dusk_from_buffer(ctx, data, t, s, chunks);
    dusk_array *r = dusk_array_reduce(op, a, mask, keepdims, split_every, ddof);
    uint64_t axes = 0;   /* the mask resolved: negative axes count from the end */
    if (mask == DUSK_ALL_AXES)
        axes = nd ? (((uint64_t)1 << nd) - 1) : 0;
    else
        for (int b = 0; b < 64; b++)
            if ((mask >> b) & 1)
                axes |= (uint64_t)1 << (b < 32 ? b : b - 64 + nd);
    char what[160];
    snprintf(what, sizeof what, "%s %s(%s, axes %#llx, keepdims %d, split_every %d, ddof %d)",
             label, RED_NAMES[op], dusk_dtype_code(t), (unsigned long long)axes, keepdims,
             split_every, ddof);
    dusk_dtype tout = want_reduce_dt(op, t);
    int ond = 0;
    int64_t oshape[DUSK_MAXDIMS] = {0};
    for (int d = 0; d < nd; d++) {
        if (!((axes >> d) & 1))
            oshape[ond++] = shape[d];
        else if (keepdims)
            oshape[ond++] = 1;
    }
    dusk_value *v = compute(r, what);
    check_meta(r, v, tout, ond, oshape, what);
    /* chunks: kept axes keep theirs; reduced axes are one block of 1 */
    for (int d = 0, od = 0; d < nd; d++) {
        if ((axes >> d) & 1) {
            if (keepdims)
                assert_chunks(r, od++, "(1,)");
        } else {
            assert_int_equal(dusk_array_numblocks(r, od), dusk_array_numblocks(a, d));
            assert_memory_equal(dusk_array_chunks(r, od), dusk_array_chunks(a, d),
                                (size_t)dusk_array_numblocks(a, d) * sizeof(int64_t));
            od++;
        }
    }
    int64_t nout;
    void *want = ref_reduce(op, data, t, nd, shape, axes, ddof, tout, &nout);
    double rel = 1e-12, abs_tol = 1e-12;
    if (tout == DUSK_DT_F4)
        rel = abs_tol = op == DUSK_RED_PROD ? 1e-4 : 2e-6;
    check_values(dusk_ndarray_data(v), want, tout, nout, rel, abs_tol, what);
    free(want);
    release(v);
}

static const struct { int nd; int64_t shape[3]; const char *chunks; } RSHAPES[] = {
    {1, {13}, "5"},
    {2, {7, 5}, "(3, 2)"},
    {2, {6, 9}, "((1, 5), (4, 4, 1))"},
    {3, {4, 5, 6}, "(3, 2, 4)"},
    {2, {20, 3}, "(1, 3)"},     /* 20 blocks along axis 0: a deep tree */
};
#define NRSHAPES (sizeof RSHAPES / sizeof *RSHAPES)

/* The axis sets tried for an array of nd axes. */
static int axis_sets(int nd, uint64_t *out)
{
    int n = 0;
    out[n++] = DUSK_ALL_AXES;
    for (int d = 0; d < nd; d++)
        out[n++] = DUSK_AXIS(d);
    if (nd >= 2) {
        out[n++] = DUSK_AXIS(-1);
        out[n++] = DUSK_AXIS(0) | DUSK_AXIS(1);
    }
    if (nd >= 3) {
        out[n++] = DUSK_AXIS(0) | DUSK_AXIS(2);
        out[n++] = DUSK_AXIS(-1) | DUSK_AXIS(-2);
    }
    return n;
}

/* Every reduction of float64 data over every axis set, keepdims or not,
 * with split_every 0 (Dask's 4), 2, 4 and 8. */
static void test_reduce_f8(void **state)
{
    (void)state;
    for (size_t si = 0; si < NRSHAPES; si++) {
        int nd = RSHAPES[si].nd;
        int64_t n = count_of_shape(nd, RSHAPES[si].shape);
        void *mixed = make_data(DUSK_DT_F8, n, si + 5, DATA_MIXED);
        void *near1 = make_data(DUSK_DT_F8, n, si + 6, DATA_NEARONE);
        uint64_t sets[8];
        int ns = axis_sets(nd, sets);
        for (int op = 0; op < NPLAIN_RED; op++)
            for (int ai = 0; ai < ns; ai++)
                for (int keep = 0; keep < 2; keep++)
                    for (int se = 0; se < 4; se++) {
                        static const int splits[4] = {0, 2, 4, 8};
                        check_reduce((dusk_reduction)op, op == DUSK_RED_PROD ? near1 : mixed,
                                     DUSK_DT_F8, nd, RSHAPES[si].shape, RSHAPES[si].chunks, sets[ai],
                                     keep, splits[se], op == DUSK_RED_VAR ? 1 : 0, "f8");
                    }
        free(mixed);
        free(near1);
    }
}

/* Every reduction of every dtype (sum of int8 is int64, of uint8 uint64,
 * mean of integers float64 ...). */
static void test_reduce_dtypes(void **state)
{
    (void)state;
    for (size_t si = 1; si < NRSHAPES; si += 2) {
        int nd = RSHAPES[si].nd;
        int64_t n = count_of_shape(nd, RSHAPES[si].shape);
        for (int ti = 0; ti < NDT; ti++) {
            dusk_dtype t = ALL_DT[ti];
            void *mixed = make_data(t, n, si * 17 + (size_t)ti, DATA_MIXED);
            void *near1 = make_data(t, n, si * 17 + (size_t)ti + 1, DATA_NEARONE);
            uint64_t sets[3] = {DUSK_ALL_AXES, DUSK_AXIS(0), DUSK_AXIS(-1)};
            for (int op = 0; op < NPLAIN_RED; op++)
                for (int ai = 0; ai < 3; ai++) {
                    /* float products of mixed data over- and underflow
                     * differently in float32 steps */
                    const void *d = op == DUSK_RED_PROD && dt_float(t) ? near1 : mixed;
                    /* mean/var of the int64 extremes lose precision in
                     * any order of summing: use small numbers there */
                    if ((op == DUSK_RED_MEAN || op == DUSK_RED_VAR || op == DUSK_RED_STD) &&
                        (t == DUSK_DT_I8 || t == DUSK_DT_U8))
                        d = near1;
                    check_reduce((dusk_reduction)op, d, t, nd, RSHAPES[si].shape,
                                 RSHAPES[si].chunks, sets[ai], ai == 1, ai == 2 ? 2 : 0,
                                 op == DUSK_RED_STD ? 1 : 0, "dtypes");
                }
            free(mixed);
            free(near1);
        }
    }
    /* widening, explicitly: 15 x 100 as int8 sums to 1500 (int64);
     * 15 x 255 as uint8 to 3825 (uint64); bool sums count */
    int8_t i1[15];
    uint8_t u1[15], b1[15];
    for (int k = 0; k < 15; k++) {
        i1[k] = 100;
        u1[k] = 255;
        b1[k] = k % 3 == 0;
    }
    dusk_value *v = compute(dusk_array_sum(dusk_from_buffer(ctx, i1, DUSK_DT_I1, DUSK_SHAPE(15), "4"),
                                           DUSK_ALL_AXES, false), "sum i1");
    assert_int_equal(dusk_ndarray_dtype(v), DUSK_DT_I8);
    assert_int_equal(ref_geti(dusk_ndarray_data(v), DUSK_DT_I8, 0), 1500);
    release(v);
    v = compute(dusk_array_sum(dusk_from_buffer(ctx, u1, DUSK_DT_U1, DUSK_SHAPE(15), "4"),
                               DUSK_ALL_AXES, false), "sum u1");
    assert_int_equal(dusk_ndarray_dtype(v), DUSK_DT_U8);
    assert_int_equal(ref_geti(dusk_ndarray_data(v), DUSK_DT_U8, 0), 3825);
    release(v);
    v = compute(dusk_array_sum(dusk_from_buffer(ctx, b1, DUSK_DT_BOOL, DUSK_SHAPE(15), "4"),
                               DUSK_ALL_AXES, false), "sum bool");
    assert_int_equal(dusk_ndarray_dtype(v), DUSK_DT_I8);
    assert_int_equal(ref_geti(dusk_ndarray_data(v), DUSK_DT_I8, 0), 5);
    release(v);
    v = compute(dusk_array_mean(dusk_from_buffer(ctx, i1, DUSK_DT_I1, DUSK_SHAPE(15), "4"),
                                DUSK_ALL_AXES, false), "mean i1");
    assert_int_equal(dusk_ndarray_dtype(v), DUSK_DT_F8);
    assert_true(ref_getf(dusk_ndarray_data(v), DUSK_DT_F8, 0) == 100.0);
    release(v);
}

/* NaN propagates through min and max (np.min, not np.nanmin), sum, mean;
 * any counts it as True. */
static void test_reduce_nan(void **state)
{
    (void)state;
    for (int ti = 0; ti < 2; ti++) {
        dusk_dtype t = ti ? DUSK_DT_F4 : DUSK_DT_F8;
        for (int where = 0; where < 3; where++) {
            /* (4, 6) in (3, 4) chunks; the NaN first, in the middle, last */
            int64_t at = where == 0 ? 0 : where == 1 ? 10 : 23;
            void *d = make_data(t, 24, 40 + (uint64_t)where, DATA_MIXED);
            for (int64_t k = 0; k < 24; k++)
                if (ref_getf(d, t, k) == 0)
                    ref_setf(d, t, k, 0.5);
            ref_setf(d, t, at, NAN);
            for (int op = 0; op < NPLAIN_RED; op++) {
                if (op == DUSK_RED_PROD)
                    continue;
                uint64_t sets[3] = {DUSK_ALL_AXES, DUSK_AXIS(0), DUSK_AXIS(1)};
                for (int ai = 0; ai < 3; ai++)
                    check_reduce((dusk_reduction)op, d, t, 2, (int64_t[]){4, 6}, "(3, 4)", sets[ai],
                                 false, 0, 0, "nan");
            }
            /* spelled out: min over all is NaN; over axis 0 only the NaN's
             * column is NaN */
            dusk_array *a = dusk_from_buffer(ctx, d, t, DUSK_SHAPE(4, 6), "(3, 4)");
            dusk_value *v = compute(dusk_array_reduce(DUSK_RED_MIN, a, DUSK_ALL_AXES, false, 0, 0),
                                    "min with nan");
            assert_true(isnan(ref_getf(dusk_ndarray_data(v), t, 0)));
            release(v);
            v = compute(dusk_array_reduce(DUSK_RED_MAX, a, DUSK_AXIS(0), false, 0, 0), "max axis 0");
            for (int64_t j = 0; j < 6; j++)
                assert_int_equal(isnan(ref_getf(dusk_ndarray_data(v), t, j)), j == at % 6);
            release(v);
            free(d);
        }
    }
    /* infinities are ordinary values */
    double inf[4] = {-INFINITY, 1, INFINITY, -2};
    dusk_array *a = dusk_from_buffer(ctx, inf, DUSK_DT_F8, DUSK_SHAPE(4), "1");
    dusk_value *v = compute(dusk_array_reduce(DUSK_RED_MAX, a, DUSK_ALL_AXES, false, 2, 0), "max inf");
    assert_true(ref_getf(dusk_ndarray_data(v), DUSK_DT_F8, 0) == INFINITY);
    release(v);
    v = compute(dusk_array_reduce(DUSK_RED_MIN, a, DUSK_ALL_AXES, false, 2, 0), "min inf");
    assert_true(ref_getf(dusk_ndarray_data(v), DUSK_DT_F8, 0) == -INFINITY);
    release(v);
}

/* var and std with ddof, including ddof = n (0 / 0 is NaN). */
static void test_reduce_ddof(void **state)
{
    (void)state;
    void *d = make_data(DUSK_DT_F8, 60, 77, DATA_MIXED);
    for (int ddof = 0; ddof <= 3; ddof++)
        for (int op = DUSK_RED_STD; op <= DUSK_RED_VAR; op++) {
            check_reduce((dusk_reduction)op, d, DUSK_DT_F8, 2, (int64_t[]){6, 10}, "(4, 3)",
                         DUSK_ALL_AXES, false, 0, ddof, "ddof");
            check_reduce((dusk_reduction)op, d, DUSK_DT_F8, 2, (int64_t[]){6, 10}, "(4, 3)",
                         DUSK_AXIS(0), true, 2, ddof, "ddof");
            check_reduce((dusk_reduction)op, d, DUSK_DT_F8, 3,
                         (int64_t[]){3, 4, 5}, "(2, 3, 2)", DUSK_AXIS(1) | DUSK_AXIS(2), false, 4,
                         ddof, "ddof");
        }
    /* constant data with ddof = n: 0 / 0 */
    double c[3] = {2, 2, 2};
    dusk_value *v = compute(dusk_array_reduce(DUSK_RED_VAR, dusk_from_buffer(ctx, c, DUSK_DT_F8,
                                              DUSK_SHAPE(3), "2"), DUSK_ALL_AXES, false, 0, 3),
                            "var ddof=n");
    assert_true(isnan(ref_getf(dusk_ndarray_data(v), DUSK_DT_F8, 0)));
    release(v);
    free(d);
}

/* np.var([1., 2.], ddof=2) is inf (0.5 / 0), as is ddof=3 (n - ddof is
 * clipped at 0); Dask 2022.12 gives inf too. */
static void test_reduce_ddof_too_large(void **state)
{
    (void)state;
    double x[2] = {1, 2};
    for (int ddof = 2; ddof <= 3; ddof++) {
        dusk_value *v = compute(dusk_array_reduce(DUSK_RED_VAR, dusk_from_buffer(ctx, x, DUSK_DT_F8,
                                                  DUSK_SHAPE(2), "1"), DUSK_ALL_AXES, false, 0, ddof),
                                "var ddof>=n");
        double got = ref_getf(dusk_ndarray_data(v), DUSK_DT_F8, 0);
        release(v);
        if (!(isinf(got) && got > 0))
            fail_msg("var([1, 2], ddof=%d) = %g, NumPy gives inf", ddof, got);
    }
}

static void test_reduce_shapes_and_errors(void **state)
{
    (void)state;
    dusk_array *x = dusk_ones(ctx, DUSK_SHAPE(15, 15), "(5, 5)", DUSK_DT_F8);
    dusk_array *r = dusk_array_sum(x, DUSK_AXIS(0), true);
    assert_int_equal(dusk_array_ndim(r), 2);
    assert_int_equal(dusk_array_shape(r)[0], 1);
    assert_int_equal(dusk_array_shape(r)[1], 15);
    assert_chunks(r, 0, "(1,)");
    assert_chunks(r, 1, "(5, 5, 5)");
    r = dusk_array_sum(x, DUSK_AXIS(1), false);
    assert_int_equal(dusk_array_ndim(r), 1);
    assert_chunks(r, 0, "(5, 5, 5)");
    r = dusk_array_sum(x, DUSK_ALL_AXES, false);
    assert_int_equal(dusk_array_ndim(r), 0);
    assert_int_equal(dusk_array_nchunks(r), 1);
    dusk_value *v = compute(r, "sum of ones");
    assert_true(ref_getf(dusk_ndarray_data(v), DUSK_DT_F8, 0) == 225);
    release(v);
    r = dusk_array_mean(x, DUSK_ALL_AXES, true);
    assert_int_equal(dusk_array_ndim(r), 2);
    assert_chunks(r, 0, "(1,)");
    assert_chunks(r, 1, "(1,)");
    /* axes as a set: (0, 1) is all of them */
    assert_string_equal(dusk_array_name(dusk_array_sum(x, DUSK_AXIS(0) | DUSK_AXIS(1), false)),
                        dusk_array_name(dusk_array_sum(x, DUSK_ALL_AXES, false)));
    /* a reduction of a 0-d array and of nothing */
    v = compute(dusk_array_sum(dusk_full(ctx, DUSK_SHAPE0, NULL, DUSK_DT_I2, 5), DUSK_ALL_AXES, false),
                "sum of 0-d");
    assert_int_equal(dusk_ndarray_dtype(v), DUSK_DT_I8);
    assert_int_equal(ref_geti(dusk_ndarray_data(v), DUSK_DT_I8, 0), 5);
    release(v);
    v = compute(dusk_array_sum(dusk_ones(ctx, DUSK_SHAPE(0, 3), "2", DUSK_DT_F8), DUSK_AXIS(0), false),
                "sum over an empty axis");
    assert_shape(v, 1, (int64_t[]){3}, "sum over an empty axis");
    for (int j = 0; j < 3; j++)
        assert_true(ref_getf(dusk_ndarray_data(v), DUSK_DT_F8, j) == 0);
    release(v);
    /* np.min of nothing raises: a failed task with NumPy's words */
    dusk_error err = DUSK_ERROR_INIT;
    v = NULL;
    assert_int_not_equal(dusk_array_compute(dusk_array_reduce(DUSK_RED_MIN,
                             dusk_ones(ctx, DUSK_SHAPE(0), NULL, DUSK_DT_F8), DUSK_ALL_AXES, false,
                             0, 0), NULL, &v, &err), 0);
    assert_null(v);
    assert_contains(err.msg, "zero-size array");

    /* axes out of range */
    static const uint64_t badax[] = {DUSK_AXIS(2), DUSK_AXIS(-3), DUSK_AXIS(31),
                                     DUSK_AXIS(0) | DUSK_AXIS(5), DUSK_AXIS(-32)};
    for (size_t k = 0; k < sizeof badax / sizeof *badax; k++)
        for (int op = 0; op < NPLAIN_RED; op++)
            assert_array_error(dusk_array_reduce((dusk_reduction)op, x, badax[k], false, 0, 0),
                               DUSK_EINVAL, "axis out of range");
    /* the message names the reduction as called and the axis that is out
     * of range (not the layer "sum-aggregate") */
    assert_array_error(dusk_array_sum(x, DUSK_AXIS(0) | DUSK_AXIS(5), false), DUSK_EINVAL,
                       "sum: axis out of range for an array of 2 dimensions: axis 5");
    assert_array_error(dusk_array_reduce(DUSK_RED_VAR, x, DUSK_AXIS(-3), false, 0, 0),
                       DUSK_EINVAL, "var: axis out of range for an array of 2 dimensions: axis -3");
    assert_array_error(dusk_array_mean(x, DUSK_AXIS(2), true), DUSK_EINVAL, "mean: axis out of "
                       "range for an array of 2 dimensions: axis 2");
    assert_array_error(dusk_array_sum(dusk_ones(ctx, DUSK_SHAPE(4), NULL, DUSK_DT_F8), DUSK_AXIS(1),
                                      false), DUSK_EINVAL, "axis out of range");
    assert_array_error(dusk_array_sum(dusk_ones(ctx, DUSK_SHAPE0, NULL, DUSK_DT_F8), DUSK_AXIS(0),
                                      false), DUSK_EINVAL, "axis out of range");
    /* an axis given twice, as itself and from the end: NumPy's "duplicate
     * value in 'axis'", naming it (it was reduced once) */
    for (int op = 0; op < NPLAIN_RED; op++)
        assert_array_error(dusk_array_reduce((dusk_reduction)op, x, DUSK_AXIS(0) | DUSK_AXIS(-2),
                                             false, 0, 0), DUSK_EINVAL, "duplicate value in 'axis'");
    assert_array_error(dusk_array_sum(x, DUSK_AXIS(0) | DUSK_AXIS(-2), false), DUSK_EINVAL,
                       "sum: duplicate value in 'axis': axis 0 given twice (as 0 and -2)");
    assert_array_error(dusk_array_reduce(DUSK_RED_MAX, x, DUSK_AXIS(1) | DUSK_AXIS(-1) |
                                         DUSK_AXIS(0), true, 0, 0), DUSK_EINVAL,
                       "max: duplicate value in 'axis': axis 1 given twice (as 1 and -1)");
    assert_array_error(dusk_array_reduce(DUSK_RED_SUM, x, DUSK_ALL_AXES, false, 1, 0), DUSK_EINVAL,
                       "split_every");
    assert_array_error(dusk_array_reduce(DUSK_RED_SUM, x, DUSK_ALL_AXES, false, -2, 0), DUSK_EINVAL,
                       "split_every");
    assert_array_error(dusk_array_reduce((dusk_reduction)99, x, DUSK_ALL_AXES, false, 0, 0),
                       DUSK_EINVAL, "unknown reduction");
}

/* Dask reduces any number of blocks: da.ones(5000, chunks=1).sum() is
 * 5000.0 in 11670 tasks (5000 + 5000 + 1250 + 313 + 79 + 20 + 5 + 2 + 1). */
static void test_reduce_many_blocks(void **state)
{
    (void)state;
    dusk_array *r = dusk_array_sum(dusk_ones(ctx, DUSK_SHAPE(5000), "1", DUSK_DT_F8), DUSK_ALL_AXES,
                                   false);
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_array_status(r, &err))
        fail_msg("sum over 5000 blocks: %s", err.msg);
    assert_int_equal(dusk_array_ntasks(r), 11670);
    dusk_value *v = compute(r, "sum over 5000 blocks");
    assert_true(ref_getf(dusk_ndarray_data(v), DUSK_DT_F8, 0) == 5000);
    release(v);
}

/* Task counts and result chunks of Dask 2022.12 for reductions of
 * da.ones(shape, chunks) (len(x.sum(axis, split_every=k).__dask_graph__())),
 * the same for sum, mean, var and max; std adds one '_sqrt' task per block. */
static void test_reduce_task_counts(void **state)
{
    (void)state;
    static const struct { int nd; int64_t shape[3]; const char *chunks; uint64_t axes; int se;
                          int64_t ntasks; const char *c0; } c[] = {
        {2, {15, 15}, "(5, 5)", DUSK_ALL_AXES, 0, 23, NULL},
        {2, {15, 15}, "(5, 5)", DUSK_ALL_AXES, 2, 23, NULL},
        {2, {15, 15}, "(5, 5)", DUSK_ALL_AXES, 8, 23, NULL},
        {2, {15, 15}, "(5, 5)", DUSK_AXIS(0), 0, 21, "(5, 5, 5)"},
        {2, {15, 15}, "(5, 5)", DUSK_AXIS(0), 2, 27, "(5, 5, 5)"},
        {2, {15, 15}, "(5, 5)", DUSK_AXIS(0), 8, 21, "(5, 5, 5)"},
        {2, {15, 15}, "(5, 5)", DUSK_AXIS(-1), 2, 27, "(5, 5, 5)"},
        {2, {100, 100}, "(10, 10)", DUSK_ALL_AXES, 0, 239, NULL},
        {2, {100, 100}, "(10, 10)", DUSK_ALL_AXES, 8, 239, NULL},
        {2, {100, 100}, "(10, 10)", DUSK_AXIS(0), 0, 240, "(10, 10, 10, 10, 10, 10, 10, 10, 10, 10)"},
        {2, {100, 100}, "(10, 10)", DUSK_AXIS(0), 2, 310, "(10, 10, 10, 10, 10, 10, 10, 10, 10, 10)"},
        {2, {100, 100}, "(10, 10)", DUSK_AXIS(0), 8, 230, "(10, 10, 10, 10, 10, 10, 10, 10, 10, 10)"},
        {1, {100}, "1", DUSK_ALL_AXES, 0, 235, NULL},
        {1, {100}, "1", DUSK_ALL_AXES, 2, 302, NULL},
        {1, {100}, "1", DUSK_ALL_AXES, 8, 216, NULL},
        {2, {7, 5}, "(3, 2)", DUSK_ALL_AXES, 0, 23, NULL},
        {2, {7, 5}, "(3, 2)", DUSK_AXIS(0), 2, 27, "(2, 2, 1)"},
        {2, {7, 5}, "(3, 2)", DUSK_AXIS(-1), 0, 21, "(3, 3, 1)"},
        {3, {4, 5, 6}, "(1, 2, 4)", DUSK_ALL_AXES, 0, 53, NULL},
        {3, {4, 5, 6}, "(1, 2, 4)", DUSK_AXIS(0), 0, 54, "(2, 2, 1)"},
        {3, {4, 5, 6}, "(1, 2, 4)", DUSK_AXIS(0), 2, 66, "(2, 2, 1)"},
        {3, {4, 5, 6}, "(1, 2, 4)", DUSK_AXIS(0) | DUSK_AXIS(1), 0, 58, "(4, 2)"},
        {3, {4, 5, 6}, "(1, 2, 4)", DUSK_AXIS(-1), 8, 60, "(1, 1, 1, 1)"},
        {3, {30, 30, 30}, "(3, 3, 3)", DUSK_ALL_AXES, 0, 2161, NULL},
        {3, {30, 30, 30}, "(3, 3, 3)", DUSK_AXIS(0), 2, 3100, "(3, 3, 3, 3, 3, 3, 3, 3, 3, 3)"},
        {3, {30, 30, 30}, "(3, 3, 3)", DUSK_AXIS(0) | DUSK_AXIS(1), 8, 2390, "(3, 3, 3, 3, 3, 3, 3, 3, 3, 3)"},
    };
    for (size_t k = 0; k < sizeof c / sizeof *c; k++) {
        dusk_shape s = {c[k].nd, {0}};
        memcpy(s.v, c[k].shape, sizeof c[k].shape);
        dusk_array *x = dusk_ones(ctx, s, c[k].chunks, DUSK_DT_F8);
        for (int op = 0; op < NPLAIN_RED; op++) {
            dusk_array *r = dusk_array_reduce((dusk_reduction)op, x, c[k].axes, false, c[k].se, 0);
            int64_t want = c[k].ntasks + (op == DUSK_RED_STD ? dusk_array_nchunks(r) : 0);
            if (dusk_array_ntasks(r) != want)
                fail_msg("case %zu %s: %lld tasks, Dask has %lld", k, RED_NAMES[op],
                         (long long)dusk_array_ntasks(r), (long long)want);
            if (c[k].c0)
                assert_chunks(r, 0, c[k].c0);
            else
                assert_int_equal(dusk_array_ndim(r), 0);
        }
    }
}

/* --- task counts, layers, tokens --------------------------------------------------- */

/* Layer ops and task counts of a, summed per op, must be exactly want
 * ("op:n" entries). */
static void check_layers(const dusk_array *a, const char *const *want, size_t nwant)
{
    dusk_layer_info info[32];
    size_t nl = dusk_array_layers(a, info, 32);
    assert_true(nl <= 32);
    char got[1024] = "";
    /* sum per op in order of first appearance */
    char ops[32][40];
    int64_t counts[32];
    size_t nops = 0;
    for (size_t i = 0; i < nl; i++) {
        size_t j = 0;
        while (j < nops && strcmp(ops[j], info[i].op) != 0)
            j++;
        if (j == nops) {
            snprintf(ops[nops], sizeof ops[nops], "%s", info[i].op);
            counts[nops++] = 0;
        }
        counts[j] += info[i].ntasks;
        /* inputs come before their users */
        for (size_t k = 0; k < info[i].ndeps; k++) {
            bool before = false;
            for (size_t m = 0; m < i; m++)
                before |= !strcmp(info[m].name, info[i].deps[k]);
            if (!before)
                fail_msg("layer %s reads %s, which is not listed before it", info[i].name,
                         info[i].deps[k]);
        }
        /* name = op-<32 hex digits>, where key_split drops a leading '_'
         * ('_sqrt-...' is op 'sqrt', as Dask's) */
        size_t ol = strlen(info[i].op);
        const char *nm = info[i].name + strspn(info[i].name, "_");
        assert_int_equal(strncmp(nm, info[i].op, ol), 0);
        assert_int_equal(nm[ol], '-');
        assert_int_equal(strlen(nm + ol + 1), 32);
        assert_int_equal(strspn(nm + ol + 1, "0123456789abcdef"), 32);
    }
    for (size_t j = 0; j < nops; j++) {
        size_t l = strlen(got);
        snprintf(got + l, sizeof got - l, "%s%s:%lld", j ? " " : "", ops[j], (long long)counts[j]);
    }
    for (size_t w = 0; w < nwant; w++) {
        char op[64];
        const char *colon = strrchr(want[w], ':');
        snprintf(op, sizeof op, "%.*s", (int)(colon - want[w]), want[w]);
        size_t j = 0;
        while (j < nops && strcmp(ops[j], op) != 0)
            j++;
        if (j == nops || counts[j] != atoll(colon + 1))
            fail_msg("layers: got %s, want %s", got, want[w]);
    }
    if (nops != nwant)
        fail_msg("layers: got %s, want %zu ops", got, nwant);
}

/* The graph of a has as many keys as dusk_array_ntasks says. */
static void check_graph_size(const dusk_array *a, int64_t want)
{
    dusk_graph *g = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_array_graph(a, &g, &err), 0);
    assert_int_equal(dusk_graph_size(g), want);
    assert_int_equal(dusk_graph_validate(g, &err), 0);
    dusk_graph_free(g);
}

static void test_task_counts(void **state)
{
    (void)state;
    dusk_array *x = dusk_ones(ctx, DUSK_SHAPE(15, 15), "(5, 5)", DUSK_DT_F8);
    /* y = x + x.T: 27 tasks */
    dusk_array *y = dusk_array_add(x, dusk_array_transpose(x, NULL));
    assert_int_equal(dusk_array_ntasks(y), 27);
    check_layers(y, (const char *[]){"ones_like:9", "transpose:9", "add:9"}, 3);
    check_graph_size(y, 27);
    dusk_run_stats st = {0};
    dusk_options o = opts_of(DUSK_SCHED_THREADS, 2);
    o.stats = &st;
    dusk_value *v = compute_with(y, &o, "x + x.T");
    assert_int_equal(st.ntasks, 27);
    for (int i = 0; i < 225; i++)
        assert_true(((double *)dusk_ndarray_data(v))[i] == 2);
    release(v);

    /* x.T + x.T: the two transposes are one layer of the same keys (Dask:
     * 27 tasks); they were counted and listed twice (36, two 'transpose') */
    dusk_array *tt = dusk_array_add(dusk_array_transpose(x, NULL), dusk_array_transpose(x, NULL));
    assert_int_equal(dusk_array_ntasks(tt), 27);
    check_layers(tt, (const char *[]){"ones_like:9", "transpose:9", "add:9"}, 3);
    assert_int_equal(dusk_array_layers(tt, NULL, 0), 3);
    check_graph_size(tt, 27);
    /* and x.sum(axis=0) + x.sum(axis=0): 9 + 9 + 3 + 3 (Dask: 24) */
    dusk_array *ss = dusk_array_add(dusk_array_sum(x, DUSK_AXIS(0), false),
                                    dusk_array_sum(x, DUSK_AXIS(0), false));
    assert_int_equal(dusk_array_ntasks(ss), 24);
    check_graph_size(ss, 24);

    /* x.sum(axis=0): 21 tasks: ones_like 9, sum 9, sum-aggregate 3 */
    dusk_array *s = dusk_array_sum(x, DUSK_AXIS(0), false);
    assert_int_equal(dusk_array_ntasks(s), 21);
    check_layers(s, (const char *[]){"ones_like:9", "sum:9", "sum-aggregate:3"}, 3);
    check_graph_size(s, 21);
    v = compute(s, "x.sum(axis=0)");
    for (int i = 0; i < 15; i++)
        assert_true(((double *)dusk_ndarray_data(v))[i] == 15);
    release(v);

    /* da.ones((100, 100), chunks=(10, 10)).mean(): 239 tasks */
    dusk_array *m = dusk_array_mean(dusk_ones(ctx, DUSK_SHAPE(100, 100), "(10, 10)", DUSK_DT_F8),
                                    DUSK_ALL_AXES, false);
    assert_int_equal(dusk_array_ntasks(m), 239);
    check_layers(m, (const char *[]){"ones_like:100", "mean_chunk:100", "mean_combine-partial:38",
                                     "mean_agg-aggregate:1"}, 4);
    /* the partial layers are 25, 9 and 4 tasks, as Dask's */
    dusk_layer_info info[16];
    size_t nl = dusk_array_layers(m, info, 16);
    int64_t partial[3];
    int np_ = 0;
    for (size_t i = 0; i < nl; i++)
        if (!strcmp(info[i].op, "mean_combine-partial") && np_ < 3)
            partial[np_++] = info[i].ntasks;
    assert_int_equal(np_, 3);
    assert_int_equal(partial[0], 25);
    assert_int_equal(partial[1], 9);
    assert_int_equal(partial[2], 4);
    check_graph_size(m, 239);
    st = (dusk_run_stats){0};
    v = compute_with(m, &o, "mean");
    assert_int_equal(st.ntasks, 239);
    assert_true(ref_getf(dusk_ndarray_data(v), DUSK_DT_F8, 0) == 1.0);
    release(v);

    /* the other reductions' layer names */
    static const char *const names[NPLAIN_RED][2] = {
        {"sum", "sum-aggregate"}, {"prod", "prod-aggregate"},
        {"mean_chunk", "mean_agg-aggregate"}, {"var", "var-aggregate"},
        {"var", "var-aggregate"}, {"chunk_min", "amin-aggregate"},
        {"chunk_max", "amax-aggregate"}, {"any", "any-aggregate"}, {"all", "all-aggregate"},
    };
    for (int op = 0; op < NPLAIN_RED; op++) {
        dusk_array *r = dusk_array_reduce((dusk_reduction)op, x, DUSK_AXIS(1), false, 0, 0);
        char a[64], b[64];
        snprintf(a, sizeof a, "%s:9", names[op][0]);
        snprintf(b, sizeof b, "%s:3", names[op][1]);
        if (op == DUSK_RED_STD)
            check_layers(r, (const char *[]){"ones_like:9", a, b, "sqrt:3"}, 4);
        else
            check_layers(r, (const char *[]){"ones_like:9", a, b}, 3);
    }
}

/* The lecture: x = from_hdf5 (1000, 10000) in (500, 500) chunks,
 * r = x - x.mean(axis=0): 141 tasks, 40 chunks and Dask's table; stored,
 * read back, and checked against a direct computation. */
static void test_lecture(void **state)
{
    (void)state;
    char in[1024], out[1024];
    tmp_path(in, sizeof in, "rnd_data.hdf5");
    tmp_path(out, sizeof out, "r.hdf5");
    dusk_error err = DUSK_ERROR_INIT;
    dusk_array *g = dusk_random_normal(ctx, 2026, 0.0, 1.0, DUSK_SHAPE(1000, 10000), "(500, 500)");
    if (dusk_array_store(g, in, "/data_set_1", NULL, NULL, &err))
        fail_msg("making the input: %s", err.msg);

    dusk_array *x = dusk_from_hdf5(ctx, in, "/data_set_1", "(500, 500)");
    dusk_array *r = dusk_array_sub(x, dusk_array_mean(x, DUSK_AXIS(0), false));
    assert_int_equal(dusk_array_status(r, &err), 0);
    assert_int_equal(dusk_array_ntasks(x), 41);
    assert_int_equal(dusk_array_ntasks(r), 141);
    assert_int_equal(dusk_array_nchunks(r), 40);
    check_layers(r, (const char *[]){"original-array:1", "array:40", "mean_chunk:40",
                                     "mean_agg-aggregate:20", "sub:40"}, 5);
    check_graph_size(r, 141);
    char table[2048];
    size_t len = dusk_array_describe(r, table, sizeof table);
    assert_int_equal(len, strlen(table));
    static const char *const cells[] = {"Array", "Chunk", "Bytes", "76.29 MiB", "1.91 MiB",
                                        "Shape", "(1000, 10000)", "(500, 500)", "Count",
                                        "141 Tasks", "40 Chunks", "Type", "float64",
                                        "numpy.ndarray"};
    for (size_t i = 0; i < sizeof cells / sizeof *cells; i++)
        assert_contains(table, cells[i]);
    /* snprintf semantics: a short buffer gets a truncated, terminated text */
    char small[16];
    assert_int_equal(dusk_array_describe(r, small, sizeof small), len);
    assert_int_equal(strlen(small), sizeof small - 1);
    dusk_array_describe(x, table, sizeof table);
    assert_contains(table, "41 Tasks");
    /* smaller units */
    dusk_array_describe(dusk_ones(ctx, DUSK_SHAPE(100), "10", DUSK_DT_I4), table, sizeof table);
    assert_contains(table, "400 B");
    assert_contains(table, "40 B");
    assert_contains(table, "int32");
    dusk_array_describe(dusk_ones(ctx, DUSK_SHAPE(3000), "1000", DUSK_DT_F8), table, sizeof table);
    assert_contains(table, "23.44 kiB");
    assert_contains(table, "7.81 kiB");

    /* store it (the 141 tasks and one store task per chunk: 'sub' waits
     * for each column's mean in pairs of blocks, too few to read them
     * again, array/emit.c) */
    dusk_run_stats st = {0};
    dusk_options o = opts_of(DUSK_SCHED_THREADS, 0);
    o.stats = &st;
    dusk_store_options so = {0, true};
    if (dusk_array_store(r, out, "/r", &so, &o, &err))
        fail_msg("storing r: %s", err.msg);
    assert_int_equal(st.ntasks, 141 + 40);

    /* the direct computation, from the input as stored */
    dusk_value *xv = compute(dusk_from_hdf5(ctx, in, "/data_set_1", "-1"), "reading x");
    dusk_value *rv = compute(dusk_from_hdf5(ctx, out, "/r", "(300, 7000)"), "reading r");
    dusk_value *rc = compute(r, "computing r");
    const double *xd = dusk_ndarray_data(xv), *rd = dusk_ndarray_data(rv);
    double *mean = calloc(10000, sizeof *mean), worst = 0;
    for (int i = 0; i < 1000; i++)
        for (int j = 0; j < 10000; j++)
            mean[j] += xd[i * 10000 + j];
    for (int j = 0; j < 10000; j++)
        mean[j] /= 1000;
    for (int i = 0; i < 1000 * 10000; i++) {
        double d = fabs(rd[i] - (xd[i] - mean[i % 10000]));
        if (!(d <= worst))
            worst = d;
    }
    if (!(worst < 1e-12))
        fail_msg("r differs from x - x.mean(axis=0) by up to %g", worst);
    /* stored and computed agree exactly */
    assert_memory_equal(dusk_ndarray_data(rc), rd, 1000 * 10000 * sizeof(double));
    /* the input is standard normal */
    double m = mean_of(xd, 10000000), sd = sqrt(var_of(xd, 10000000));
    assert_true(fabs(m) < 0.002 && fabs(sd - 1) < 0.002);
    free(mean);
    release(xv);
    release(rv);
    release(rc);
}

/* The demo program (examples/demo.c, `make demo`): its r.hdf5 is checked
 * here against a direct computation from its rnd_data.hdf5. */
static void test_demo_result(void **state)
{
    (void)state;
    char demo[4200], dir[1024], cmd[8192];
    if (build_path(demo, sizeof demo, "dusk-demo") != 0) {
        print_message("test_demo_result: skipped: cannot find this program's path\n");
        skip();
    }
    if (access(demo, X_OK) != 0) {
        print_message("test_demo_result: skipped: %s not built\n", demo);
        skip();
    }
    tmp_path(dir, sizeof dir, "demo");
    snprintf(cmd, sizeof cmd, "'%s' --array-only --dir '%s' --workers 2 >'%s.log' 2>&1", demo, dir,
             dir);
    int rc = system(cmd);
    if (rc != 0) {
        char logp[1100];
        snprintf(logp, sizeof logp, "%s.log", dir);
        size_t len = 0;
        unsigned char *log = slurp(logp, &len);
        fail_msg("dusk-demo exited with %d:\n%.*s", rc, (int)len, log ? (const char *)log : "");
    }
    char in[1100], out[1100];
    snprintf(in, sizeof in, "%s/rnd_data.hdf5", dir);
    snprintf(out, sizeof out, "%s/r.hdf5", dir);
    if (!file_exists(in) || !file_exists(out))
        fail_msg("%s --array-only --dir %s did not write rnd_data.hdf5 and r.hdf5", demo, dir);
    dusk_array *x = dusk_from_hdf5(ctx, in, "/data_set_1", NULL);
    dusk_array *r = dusk_from_hdf5(ctx, out, "/r", NULL);
    assert_int_equal(dusk_array_ndim(r), 2);
    assert_int_equal(dusk_array_shape(r)[0], 1000);
    assert_int_equal(dusk_array_shape(r)[1], 10000);
    dusk_value *xv = compute(x, "demo input"), *rv = compute(r, "demo output");
    const double *xd = dusk_ndarray_data(xv), *rd = dusk_ndarray_data(rv);
    double worst = 0;
    for (int j = 0; j < 10000; j++) {
        double mj = 0;
        for (int i = 0; i < 1000; i++)
            mj += xd[i * 10000 + j];
        mj /= 1000;
        for (int i = 0; i < 1000; i++) {
            double d = fabs(rd[i * 10000 + j] - (xd[i * 10000 + j] - mj));
            if (!(d <= worst))
                worst = d;
        }
    }
    if (!(worst < 1e-12))
        fail_msg("the demo's r differs from x - x.mean(axis=0) by up to %g", worst);
    release(xv);
    release(rv);
}

/* The same expression built twice has the same names; different ones
 * differ. */
static void test_tokens(void **state)
{
    (void)state;
    dusk_array_ctx *c2 = ctx2 = dusk_array_ctx_new();
    dusk_array_ctx *cs[2] = {ctx, c2};
    const char *names[2][16];
    for (int k = 0; k < 2; k++) {
        dusk_array_ctx *c = cs[k];
        int i = 0;
        dusk_array *x = dusk_ones(c, DUSK_SHAPE(15, 15), "(5, 5)", DUSK_DT_F8);
        dusk_array *y = dusk_random_normal(c, 5, 0, 1, DUSK_SHAPE(15, 15), "(5, 5)");
        names[k][i++] = dusk_array_name(x);
        names[k][i++] = dusk_array_name(dusk_array_add(x, dusk_array_transpose(x, NULL)));
        names[k][i++] = dusk_array_name(dusk_array_sum(x, DUSK_AXIS(0), false));
        names[k][i++] = dusk_array_name(dusk_array_mean(dusk_array_sub(y, x), DUSK_ALL_AXES, true));
        names[k][i++] = dusk_array_name(dusk_array_rechunk(y, "(3, 4)"));
        names[k][i++] = dusk_array_name(dusk_array_astype(y, DUSK_DT_F4));
        names[k][i++] = dusk_array_name(dusk_array_binop_scalar(DUSK_BINOP_POW, y, 2, false));
        names[k][i++] = dusk_array_name(dusk_array_reduce(DUSK_RED_STD, y, DUSK_AXIS(1), false, 2, 1));
        names[k][i++] = dusk_array_name(dusk_array_unop(DUSK_UNOP_EXP, y));
        names[k][i++] = dusk_array_name(dusk_arange(c, 0, 10, 1, "3"));
        names[k][i++] = dusk_array_name(dusk_linspace(c, 0, 1, 10, "3"));
        assert_int_equal(i, 11);
    }
    for (int i = 0; i < 11; i++)
        assert_string_equal(names[0][i], names[1][i]);
    /* twice in one context: the same names (and the same layers) */
    dusk_array *x = dusk_ones(ctx, DUSK_SHAPE(15, 15), "(5, 5)", DUSK_DT_F8);
    dusk_array *a1 = dusk_array_add(x, dusk_array_transpose(x, NULL));
    dusk_array *a2 = dusk_array_add(x, dusk_array_transpose(x, NULL));
    assert_string_equal(dusk_array_name(a1), dusk_array_name(a2));
    char k1[256], k2[256];
    int64_t idx[2] = {0, 1};
    /* returns the length, as snprintf */
    int l1 = dusk_array_block_key(a1, idx, k1, sizeof k1);
    int l2 = dusk_array_block_key(a2, idx, k2, sizeof k2);
    assert_int_equal(l1, strlen(k1));
    assert_int_equal(l2, strlen(k2));
    assert_string_equal(k1, k2);
    char want[256];
    snprintf(want, sizeof want, "('%s', 0, 1)", dusk_array_name(a1));
    assert_string_equal(k1, want);
    /* an index outside the (3, 3) grid of blocks is no block's key */
    int64_t outside[][2] = {{3, 0}, {0, 3}, {-1, 0}, {0, -1}, {INT64_MAX, 0}};
    for (size_t i = 0; i < sizeof outside / sizeof *outside; i++) {
        k2[0] = '\0';
        assert_int_equal(dusk_array_block_key(a1, outside[i], k2, sizeof k2), DUSK_EINVAL);
        assert_string_equal(k2, "");
    }
    /* keys of the graph are those */
    dusk_graph *g = NULL;
    assert_int_equal(dusk_array_graph(a1, &g, NULL), 0);
    assert_true(dusk_graph_find(g, k1) >= 0);
    dusk_graph_free(g);
    /* different expressions, different names */
    dusk_array *y = dusk_ones(ctx, DUSK_SHAPE(15, 15), "(5, 5)", DUSK_DT_I8);
    const char *diff[] = {
        dusk_array_name(x),
        dusk_array_name(y),
        dusk_array_name(dusk_ones(ctx, DUSK_SHAPE(15, 15), "(3, 5)", DUSK_DT_F8)),
        dusk_array_name(dusk_zeros(ctx, DUSK_SHAPE(15, 15), "(5, 5)", DUSK_DT_F8)),
        dusk_array_name(dusk_full(ctx, DUSK_SHAPE(15, 15), "(5, 5)", DUSK_DT_F8, 2)),
        dusk_array_name(dusk_full(ctx, DUSK_SHAPE(15, 15), "(5, 5)", DUSK_DT_F8, 3)),
        dusk_array_name(dusk_array_add(x, y)),
        dusk_array_name(dusk_array_add(y, x)),
        dusk_array_name(dusk_array_sub(x, y)),
        dusk_array_name(dusk_array_sum(x, DUSK_AXIS(0), false)),
        dusk_array_name(dusk_array_sum(x, DUSK_AXIS(1), false)),
        dusk_array_name(dusk_array_sum(x, DUSK_AXIS(0), true)),
        dusk_array_name(dusk_array_reduce(DUSK_RED_SUM, x, DUSK_AXIS(0), false, 2, 0)),
        dusk_array_name(dusk_array_reduce(DUSK_RED_VAR, x, DUSK_AXIS(0), false, 0, 0)),
        dusk_array_name(dusk_array_reduce(DUSK_RED_VAR, x, DUSK_AXIS(0), false, 0, 1)),
        dusk_array_name(dusk_array_binop_scalar(DUSK_BINOP_SUB, x, 2, false)),
        dusk_array_name(dusk_array_binop_scalar(DUSK_BINOP_SUB, x, 2, true)),
        dusk_array_name(dusk_array_binop_scalar(DUSK_BINOP_SUB, x, 3, false)),
        dusk_array_name(dusk_random_normal(ctx, 1, 0, 1, DUSK_SHAPE(15, 15), "(5, 5)")),
        dusk_array_name(dusk_random_normal(ctx, 2, 0, 1, DUSK_SHAPE(15, 15), "(5, 5)")),
        dusk_array_name(dusk_random_uniform(ctx, 1, 0, 1, DUSK_SHAPE(15, 15), "(5, 5)")),
        dusk_array_name(dusk_array_transpose(dusk_ones(ctx, DUSK_SHAPE(2, 3, 4), NULL, DUSK_DT_F8),
                                             (int[]){1, 0, 2})),
        dusk_array_name(dusk_array_transpose(dusk_ones(ctx, DUSK_SHAPE(2, 3, 4), NULL, DUSK_DT_F8),
                                             (int[]){0, 2, 1})),
    };
    size_t nd = sizeof diff / sizeof *diff;
    for (size_t i = 0; i < nd; i++)
        for (size_t j = i + 1; j < nd; j++)
            if (!strcmp(diff[i], diff[j]))
                fail_msg("expressions %zu and %zu share the name %s", i, j, diff[i]);
    dusk_array_ctx_free(c2);
    ctx2 = NULL;
}

/* Tokens hash all of the chunks, as Dask's do: arrays that differ only in
 * later chunk sizes get different names, and an expression that uses both
 * computes both. */
static void test_tokens_distinguish_chunks(void **state)
{
    (void)state;
    /* random numbers depend on the chunks: x - y is not 0 from element 9 */
    dusk_array *x = dusk_random_uniform(ctx, 1, 0, 1, DUSK_SHAPE(13), "5");
    dusk_array *y = dusk_random_uniform(ctx, 1, 0, 1, DUSK_SHAPE(13), "((5, 4, 4),)");
    dusk_value *vx = compute(x, "x"), *vy = compute(y, "y");
    dusk_array *d = dusk_array_sub(x, y);
    dusk_graph *g = NULL;
    assert_int_equal(dusk_array_graph(d, &g, NULL), 0);
    int64_t keys = (int64_t)dusk_graph_size(g);
    dusk_graph_free(g);
    dusk_value *vd = compute(d, "x - y");
    for (int k = 0; k < 13; k++) {
        double want = ref_getf(dusk_ndarray_data(vx), DUSK_DT_F8, k) -
                      ref_getf(dusk_ndarray_data(vy), DUSK_DT_F8, k);
        double got = ref_getf(dusk_ndarray_data(vd), DUSK_DT_F8, k);
        if (got != want)
            fail_msg("(x - y)[%d] = %g, but x[%d] - y[%d] = %g (names: %s, %s)", k, got, k,
                     k, want, dusk_array_name(x), dusk_array_name(y));
    }
    assert_int_equal(keys, dusk_array_ntasks(d));
    static const char *const pairs[][2] = {
        {"5", "((5, 4, 4),)"},            /* same count, same first size */
        {"((2, 3, 4, 4),)", "((2, 4, 3, 4),)"},
    };
    for (size_t i = 0; i < 2; i++) {
        dusk_array *a = dusk_ones(ctx, DUSK_SHAPE(13), pairs[i][0], DUSK_DT_F8);
        dusk_array *b = dusk_ones(ctx, DUSK_SHAPE(13), pairs[i][1], DUSK_DT_F8);
        if (!strcmp(dusk_array_name(a), dusk_array_name(b)))
            fail_msg("ones(13, chunks=%s) and ones(13, chunks=%s) are both %s", pairs[i][0],
                     pairs[i][1], dusk_array_name(a));
    }
    double buf[13] = {0};
    assert_string_not_equal(dusk_array_name(dusk_from_buffer(ctx, buf, DUSK_DT_F8, DUSK_SHAPE(13), "5")),
                            dusk_array_name(dusk_from_buffer(ctx, buf, DUSK_DT_F8, DUSK_SHAPE(13),
                                                             "((5, 4, 4),)")));
    /* rechunks to long lists of chunks that share a long beginning */
    dusk_array *z = dusk_arange(ctx, 0, 3000, 1, "3000");
    char *spec = malloc(8000);
    strcpy(spec, "((");
    for (int i = 0; i < 1000; i++)
        strcat(spec, "1, ");
    strcat(spec, "2000),)");
    dusk_array *r1 = dusk_array_rechunk(z, "1"), *r2 = dusk_array_rechunk(z, spec);
    free(spec);
    assert_int_equal(dusk_array_numblocks(r1, 0), 3000);
    assert_int_equal(dusk_array_numblocks(r2, 0), 1001);
    if (!strcmp(dusk_array_name(r1), dusk_array_name(r2)))
        fail_msg("rechunks to 3000 and to 1001 chunks are both %s", dusk_array_name(r1));
}

/* An expression of several steps, checked against loops, and the same
 * bits from every scheduler:
 *   z = ((x + y.T) * 2 - x.mean(axis=0)) / 3,  s = z.std(axis=1, ddof=1). */
static void test_composite(void **state)
{
    (void)state;
    enum { N = 23, M = 17 };
    double *x = make_data(DUSK_DT_F8, N * M, 1, DATA_MIXED);
    int32_t *y = make_data(DUSK_DT_I4, M * N, 2, DATA_MIXED);
    for (int k = 0; k < M * N; k++)
        y[k] %= 1000;
    dusk_array *ax = dusk_from_buffer(ctx, x, DUSK_DT_F8, DUSK_SHAPE(N, M), "(5, 4)");
    dusk_array *ay = dusk_from_buffer(ctx, y, DUSK_DT_I4, DUSK_SHAPE(M, N), "(6, 7)");
    dusk_array *z = dusk_array_binop_scalar(DUSK_BINOP_DIV,
        dusk_array_sub(dusk_array_binop_scalar(DUSK_BINOP_MUL,
                           dusk_array_add(ax, dusk_array_transpose(ay, NULL)), 2, false),
                       dusk_array_mean(ax, DUSK_AXIS(0), false)), 3, false);
    dusk_array *sd = dusk_array_reduce(DUSK_RED_STD, z, DUSK_AXIS(1), false, 2, 1);
    double mean[M] = {0}, want_z[N * M], want_s[N];
    for (int i = 0; i < N; i++)
        for (int j = 0; j < M; j++)
            mean[j] += x[i * M + j] / N;
    for (int i = 0; i < N; i++) {
        double m = 0, m2 = 0;
        for (int j = 0; j < M; j++) {
            want_z[i * M + j] = ((x[i * M + j] + y[j * N + i]) * 2 - mean[j]) / 3;
            m += want_z[i * M + j] / M;
        }
        for (int j = 0; j < M; j++)
            m2 += (want_z[i * M + j] - m) * (want_z[i * M + j] - m);
        want_s[i] = sqrt(m2 / (M - 1));
    }
    dusk_value *first = NULL;
    for (size_t si = 0; si < NSCHEDS; si++) {
        dusk_options o = mkopts(&SCHEDS[si], NULL);
        dusk_value *vz = compute_with(z, &o, "z");
        dusk_value *vs = compute_with(sd, &o, "std");
        check_meta(z, vz, DUSK_DT_F8, 2, (int64_t[]){N, M}, "z");
        check_meta(sd, vs, DUSK_DT_F8, 1, (int64_t[]){N}, "std");
        check_values(dusk_ndarray_data(vz), want_z, DUSK_DT_F8, N * M, 1e-12, 1e-12, "z");
        check_values(dusk_ndarray_data(vs), want_s, DUSK_DT_F8, N, 1e-12, 1e-12, "std");
        if (first)
            assert_memory_equal(dusk_ndarray_data(first), dusk_ndarray_data(vs), N * 8);
        else
            first = vs;
        release(vz);
        if (vs != first)
            release(vs);
    }
    release(first);
    /* dusk_array_layers fills at most max and returns how many there are */
    dusk_layer_info info[2];
    size_t nl = dusk_array_layers(sd, info, 2);
    assert_true(nl > 2);
    assert_string_equal(info[0].op, "original-array");
    assert_int_equal(dusk_array_layers(sd, NULL, 0), nl);
    free(x);
    free(y);
}

/* Blocks that feed several tasks at once (x, x.T, x.astype, x * 2 all
 * read each block of x), on four threads: results right, and no data
 * race for ThreadSanitizer to report. */
static void test_shared_inputs_threads(void **state)
{
    (void)state;
    dusk_array *x = dusk_random_uniform(ctx, 11, -1, 1, DUSK_SHAPE(120, 120), "(10, 10)");
    dusk_array *t = dusk_array_transpose(x, NULL);
    dusk_array *e = dusk_array_add(dusk_array_add(x, t),
                                   dusk_array_sub(dusk_array_astype(x, DUSK_DT_F4),
                                                  dusk_array_binop_scalar(DUSK_BINOP_MUL, t, 2, false)));
    dusk_options o = opts_of(DUSK_SCHED_THREADS, 4);
    dusk_value *vx = compute_with(x, &o, "x");
    const double *xd = dusk_ndarray_data(vx);
    for (int round = 0; round < 3; round++) {
        dusk_value *v = compute_with(e, &o, "x + x.T + (x.astype(f4) - 2 x.T)");
        const double *d = dusk_ndarray_data(v);
        for (int i = 0; i < 120; i++)
            for (int j = 0; j < 120; j++) {
                double want = xd[i * 120 + j] + xd[j * 120 + i] +
                              ((double)(float)xd[i * 120 + j] - 2 * xd[j * 120 + i]);
                if (fabs(d[i * 120 + j] - want) > 1e-12)
                    fail_msg("element (%d, %d) is %g, want %g", i, j, d[i * 120 + j], want);
            }
        release(v);
    }
    release(vx);
    /* and many small runs, where a block's first readers start while the
     * worker that made it is still handing it out */
    dusk_options o2 = opts_of(DUSK_SCHED_THREADS, 2);
    for (int round = 0; round < 300; round++) {
        dusk_array *s = dusk_ones(ctx, DUSK_SHAPE(6, 6), "(4, 4)", DUSK_DT_F8);
        dusk_array *f = dusk_array_mean(dusk_array_sub(s, dusk_array_rechunk(
                            dusk_array_transpose(s, NULL), "3")), DUSK_AXIS(0), false);
        dusk_value *v = compute_with(f, round % 2 ? &o : &o2, "mean(x - x.T.rechunk(3), axis=0)");
        for (int k = 0; k < 6; k++)
            assert_true(((const double *)dusk_ndarray_data(v))[k] == 0);
        release(v);
    }
}

/* --- HDF5 ------------------------------------------------------------------------ */

static const char *const H5TYPES[NDT] = {
    "H5T_IEEE_F64LE", "H5T_IEEE_F32LE", "H5T_STD_I64LE", "H5T_STD_I32LE", "H5T_STD_I16LE",
    "H5T_STD_I8LE", "H5T_STD_U64LE", "H5T_STD_U32LE", "H5T_STD_U16LE", "H5T_STD_U8LE",
    "H5T_ENUM {",
};

#define FIXTURE "tests/data/array/h5py_fixture.h5"

/* Checks what h5dump prints for path:dataset against data (dtype t). */
static void check_h5dump(const char *path, const char *dataset, const void *data, dusk_dtype t,
                         int64_t n, const char *h5type)
{
    h5dump_out o;
    if (run_h5dump(path, dataset, NULL, &o) != 0)
        fail_msg("h5dump of %s:%s failed:\n%s", path, dataset, o.text ? o.text : "");
    if (strncmp(o.type, h5type, strlen(h5type)) != 0)
        fail_msg("h5dump %s: DATATYPE %s, want %s", dataset, o.type, h5type);
    if ((int64_t)o.n != n)
        fail_msg("h5dump %s: %zu values, want %lld\n%s", dataset, o.n, (long long)n, o.text);
    for (int64_t k = 0; k < n; k++) {
        const char *tok = o.tok[k];
        bool ok;
        if (t == DUSK_DT_BOOL)
            ok = !strcmp(tok, ref_geti(data, t, k) ? "TRUE" : "FALSE");
        else if (dt_float(t))
            ok = close_enough(strtod(tok, NULL), ref_getf(data, t, k), 0, 0);
        else if (dt_unsigned(t))
            ok = strtoull(tok, NULL, 10) == (unsigned long long)ref_geti(data, t, k);
        else
            ok = strtoll(tok, NULL, 10) == ref_geti(data, t, k);
        if (!ok)
            fail_msg("h5dump %s value %lld is %s", dataset, (long long)k, tok);
    }
    h5dump_free(&o);
}

static void test_h5_roundtrip(void **state)
{
    (void)state;
    bool dump = have_h5dump();
    if (!dump)
        print_message("test_h5_roundtrip: h5dump not found (apt-get install hdf5-tools); "
                      "files are only read back by dusk\n");
    static const struct { int nd; int64_t shape[3]; const char *chunks, *rchunks; } c[] = {
        {1, {13}, "5", "4"},
        {2, {7, 5}, "(3, 2)", "(-1, 3)"},
        {3, {2, 3, 4}, "(1, 2, 3)", "(2, 2, 2)"},
        {2, {6, 9}, "((1, 5), (4, 4, 1))", "auto"},
        {0, {0}, NULL, NULL},
        {2, {0, 4}, "(2, 2)", "2"},
    };
    char path[1024];
    tmp_path(path, sizeof path, "roundtrip.h5");
    for (size_t k = 0; k < sizeof c / sizeof *c; k++)
        for (int ti = 0; ti < NDT; ti++) {
            dusk_dtype t = ALL_DT[ti];
            dusk_shape s = {c[k].nd, {0}};
            memcpy(s.v, c[k].shape, sizeof c[k].shape);
            int64_t n = count_of_shape(s.ndim, s.v);
            void *d = make_data(t, n, k * 100 + (size_t)ti, DATA_MIXED);
            char ds[64];
            snprintf(ds, sizeof ds, "/case%zu/%s", k, dusk_dtype_code(t));
            dusk_array *a = dusk_from_buffer(ctx, d, t, s, c[k].chunks);
            dusk_error err = DUSK_ERROR_INIT;
            dusk_options o = ti % 2 ? opts_of(DUSK_SCHED_SYNC, 1) : opts_of(DUSK_SCHED_THREADS, 3);
            if (dusk_array_store(a, path, ds, NULL, &o, &err))
                fail_msg("store %s: %s", ds, err.msg);
            dusk_array *b = dusk_from_hdf5(ctx, path, ds, c[k].rchunks);
            if (dusk_array_status(b, &err))
                fail_msg("from_hdf5 %s: %s", ds, err.msg);
            char al[32];
            snprintf(al, sizeof al, "array:%lld", (long long)dusk_array_nchunks(b));
            check_layers(b, (const char *[]){"original-array:1", al}, 2);
            dusk_value *v = compute(b, ds);
            check_meta(b, v, t, s.ndim, s.v, ds);
            assert_memory_equal(dusk_ndarray_data(v), d, (size_t)n * dt_size(t));
            release(v);
            if (dump && (k == 1 || k == 2 || k == 4))
                check_h5dump(path, ds, d, t, n, H5TYPES[ti]);
            free(d);
        }
    /* every dataset is still there, stored one after another */
    for (int ti = 0; ti < NDT; ti++) {
        char ds[64];
        snprintf(ds, sizeof ds, "/case0/%s", dusk_dtype_code(ALL_DT[ti]));
        assert_int_equal(dusk_array_status(dusk_from_hdf5(ctx, path, ds, NULL), NULL), 0);
    }
    /* a computed expression, stored on each scheduler, is the same */
    dusk_array *e = dusk_array_reduce(DUSK_RED_STD, dusk_random_normal(ctx, 3, 1, 2,
                                      DUSK_SHAPE(40, 30, 20), "(7, 8, 9)"), DUSK_AXIS(1), true, 2, 1);
    dusk_value *ref = compute(e, "std");
    for (size_t si = 0; si < NSCHEDS; si++) {
        dusk_options o = mkopts(&SCHEDS[si], NULL);
        dusk_error err = DUSK_ERROR_INIT;
        dusk_store_options so = {0, true};
        if (dusk_array_store(e, path, "/std", &so, &o, &err))
            fail_msg("store on %s: %s", SCHEDS[si].name, err.msg);
        dusk_value *v = compute(dusk_from_hdf5(ctx, path, "/std", NULL), "std back");
        assert_shape(v, 3, (int64_t[]){40, 1, 20}, "std back");
        assert_memory_equal(dusk_ndarray_data(v), dusk_ndarray_data(ref), 40 * 20 * 8);
        release(v);
    }
    release(ref);
}

static void test_h5_layout_and_gzip(void **state)
{
    (void)state;
    if (!have_h5dump()) {
        print_message("test_h5_layout_and_gzip: skipped: h5dump not found "
                      "(apt-get install hdf5-tools)\n");
        skip();
    }
    char path[1024];
    tmp_path(path, sizeof path, "gzip.h5");
    dusk_array *a = dusk_arange(ctx, 0, 10000, 1, "1000");
    dusk_array *m = dusk_array_astype(dusk_array_binop_scalar(DUSK_BINOP_SUB, a, 5000, false), DUSK_DT_I4);
    dusk_error err = DUSK_ERROR_INIT;
    dusk_store_options so = {6, false};
    assert_int_equal(dusk_array_store(m, path, "/z", &so, NULL, &err), 0);
    so.gzip = 0;
    assert_int_equal(dusk_array_store(dusk_array_rechunk(m, "(3000,)"), path, "/plain", &so, NULL,
                                      &err), 0);
    h5dump_out o;
    assert_int_equal(run_h5dump(path, "/z", "-p -H", &o), 0);
    assert_contains(o.text, "H5T_STD_I32LE");
    assert_contains(o.text, "CHUNKED ( 1000 )");
    assert_contains(o.text, "DEFLATE");
    assert_contains(o.text, "LEVEL 6");
    h5dump_free(&o);
    assert_int_equal(run_h5dump(path, "/plain", "-p -H", &o), 0);
    assert_contains(o.text, "CHUNKED ( 3000 )");
    if (contains(o.text, "DEFLATE"))
        fail_msg("gzip 0 compressed anyway:\n%s", o.text);
    h5dump_free(&o);
    /* gzip at level 0: the filter named, as h5py's compression=0 */
    so.gzip = DUSK_GZIP_LEVEL0;
    assert_int_equal(dusk_array_store(m, path, "/zero", &so, NULL, &err), 0);
    assert_int_equal(run_h5dump(path, "/zero", "-p -H", &o), 0);
    assert_contains(o.text, "DEFLATE");
    assert_contains(o.text, "LEVEL 0");
    h5dump_free(&o);
    dusk_value *v0 = compute(dusk_from_hdf5(ctx, path, "/zero", "(4000,)"), "gzip 0 back");
    for (int i = 0; i < 10000; i++)
        assert_int_equal(ref_geti(dusk_ndarray_data(v0), DUSK_DT_I4, i), i - 5000);
    release(v0);
    /* the compressed data reads back */
    dusk_value *v = compute(dusk_from_hdf5(ctx, path, "/z", "(777,)"), "gzip back");
    for (int i = 0; i < 10000; i++)
        assert_int_equal(ref_geti(dusk_ndarray_data(v), DUSK_DT_I4, i), i - 5000);
    release(v);
    /* 2-d chunks as the array's largest block */
    assert_int_equal(dusk_array_store(dusk_ones(ctx, DUSK_SHAPE(7, 5), "(3, 2)", DUSK_DT_U2), path,
                                      "/g/two", NULL, NULL, &err), 0);
    assert_int_equal(run_h5dump(path, "/g/two", "-p -H", &o), 0);
    assert_contains(o.text, "CHUNKED ( 3, 2 )");
    h5dump_free(&o);
    /* bad gzip levels: nothing written */
    char p2[1024];
    tmp_path(p2, sizeof p2, "gzip-bad.h5");
    for (int lvl = DUSK_GZIP_LEVEL0 - 1; lvl <= 10; lvl += 10 - (DUSK_GZIP_LEVEL0 - 1)) {
        so.gzip = lvl;
        assert_int_equal(dusk_array_store(m, p2, "/z", &so, NULL, &err), DUSK_EINVAL);
        assert_contains(err.msg, "gzip");
        assert_false(file_exists(p2));
    }
}

static void test_h5_overwrite(void **state)
{
    (void)state;
    char path[1024];
    tmp_path(path, sizeof path, "overwrite.h5");
    dusk_error err = DUSK_ERROR_INIT;
    dusk_array *one = dusk_ones(ctx, DUSK_SHAPE(4, 4), "2", DUSK_DT_F8);
    dusk_array *two = dusk_full(ctx, DUSK_SHAPE(3), "2", DUSK_DT_I8, 2);
    assert_int_equal(dusk_array_store(one, path, "/a", NULL, NULL, &err), 0);
    assert_int_equal(dusk_array_store(two, path, "b", NULL, NULL, &err), 0);   /* relative name */
    assert_int_equal(dusk_array_store(two, path, "/deep/er/c", NULL, NULL, &err), 0);
    size_t len0 = 0;
    unsigned char *before = slurp(path, &len0);
    assert_non_null(before);
    /* overwrite false: an error, and the file as it was */
    dusk_store_options so = {0, false};
    assert_int_equal(dusk_array_store(two, path, "/a", &so, NULL, &err), DUSK_EIO);
    assert_contains(err.msg, "/a");
    assert_contains(err.msg, "overwrite");
    assert_int_equal(dusk_array_store(two, path, "/a", NULL, NULL, &err), DUSK_EIO);
    size_t len1 = 0;
    unsigned char *after = slurp(path, &len1);
    assert_int_equal(len0, len1);
    assert_memory_equal(before, after, len0);
    free(after);
    assert_int_equal(count_entries_with(g_tmp, ".tmp"), 0);
    /* overwrite true replaces it, and keeps the rest */
    so.overwrite = true;
    assert_int_equal(dusk_array_store(two, path, "/a", &so, NULL, &err), 0);
    dusk_array *a = dusk_from_hdf5(ctx, path, "/a", NULL);
    assert_int_equal(dusk_array_dtype(a), DUSK_DT_I8);
    assert_int_equal(dusk_array_ndim(a), 1);
    dusk_value *v = compute(a, "/a replaced");
    for (int i = 0; i < 3; i++)
        assert_int_equal(ref_geti(dusk_ndarray_data(v), DUSK_DT_I8, i), 2);
    release(v);
    assert_int_equal(dusk_array_status(dusk_from_hdf5(ctx, path, "/b", NULL), NULL), 0);
    assert_int_equal(dusk_array_status(dusk_from_hdf5(ctx, path, "/deep/er/c", NULL), NULL), 0);
    free(before);
    /* a dataset replaced by an expression that reads it: x = x * 10 + 1 */
    for (int round = 0; round < 2; round++) {
        dusk_array *x = dusk_from_hdf5(ctx, path, "/a", "2");
        dusk_array *y = dusk_array_binop_scalar(DUSK_BINOP_ADD,
                            dusk_array_binop_scalar(DUSK_BINOP_MUL, x, 10, false), 1, false);
        if (dusk_array_store(y, path, "/a", &so, NULL, &err))
            fail_msg("in-place store: %s", err.msg);
    }
    v = compute(dusk_from_hdf5(ctx, path, "/a", NULL), "/a in place");
    for (int i = 0; i < 3; i++)
        assert_int_equal(ref_geti(dusk_ndarray_data(v), DUSK_DT_I8, i), 211);
    release(v);
    assert_int_equal(count_entries_with(g_tmp, ".tmp"), 0);
    /* overwrite replaces a dataset, never a group: storing to "/deep"
     * used to drop the group with /deep/er/c in it */
    before = slurp(path, &len0);
    assert_int_equal(dusk_array_store(two, path, "/deep", &so, NULL, &err), DUSK_EIO);
    assert_contains(err.msg, "'/deep'");
    assert_contains(err.msg, "group");
    assert_contains(err.msg, "not a dataset");
    after = slurp(path, &len1);
    /* a group read where a dataset belongs says what it holds */
    dusk_array *grp = dusk_from_hdf5(ctx, path, "/deep/er", NULL);
    assert_array_error(grp, DUSK_EIO, "'/deep/er' in '");
    assert_array_error(grp, DUSK_EIO, "' is a group, not a dataset; it holds the datasets 'c'");
    grp = dusk_from_hdf5(ctx, path, "/deep", NULL);
    /* with no dataset, its groups, where the datasets are */
    assert_array_error(grp, DUSK_EIO, "' is a group, not a dataset; it holds no dataset, only "
                                      "the group 'er'");
    assert_int_equal(len0, len1);
    assert_memory_equal(before, after, len0);
    free(before);
    free(after);
    assert_int_equal(dusk_array_status(dusk_from_hdf5(ctx, path, "/deep/er/c", NULL), NULL), 0);
    assert_int_equal(count_entries_with(g_tmp, ".tmp"), 0);
}

static void test_h5_read_errors(void **state)
{
    (void)state;
    char path[1024], txt[1024], missing[1024];
    tmp_path(path, sizeof path, "errors.h5");
    tmp_path(txt, sizeof txt, "not-hdf5.h5");
    tmp_path(missing, sizeof missing, "no-such-file.h5");
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_array_store(dusk_ones(ctx, DUSK_SHAPE(3), NULL, DUSK_DT_F8), path,
                                      "/grp/x", NULL, NULL, &err), 0);
    FILE *f = fopen(txt, "w");
    fputs("this is not an HDF5 file\n", f);
    fclose(f);

    assert_array_error(dusk_from_hdf5(ctx, missing, "/x", NULL), DUSK_EIO, "no-such-file.h5");
    assert_array_error(dusk_from_hdf5(ctx, path, "/nope", NULL), DUSK_EIO, "/nope");
    assert_array_error(dusk_from_hdf5(ctx, path, "/grp/nope", NULL), DUSK_EIO, "/grp/nope");
    assert_array_error(dusk_from_hdf5(ctx, path, "/nope/deeper", NULL), DUSK_EIO, "/nope/deeper");
    assert_array_error(dusk_from_hdf5(ctx, path, "/grp", NULL), DUSK_EIO, "group");
    assert_array_error(dusk_from_hdf5(ctx, path, "/", NULL), DUSK_EIO, "group");
    assert_array_error(dusk_from_hdf5(ctx, txt, "/x", NULL), DUSK_EIO, "not an HDF5 file");
    assert_array_error(dusk_from_hdf5(ctx, g_tmp, "/x", NULL), DUSK_EIO, "a directory");
    /* a pipe: opening it would wait for a writer (SIGALRM ends a hang) */
    char fifo[1024];
    tmp_path(fifo, sizeof fifo, "pipe.h5");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    alarm(60);
    assert_array_error(dusk_from_hdf5(ctx, fifo, "/x", NULL), DUSK_EIO, "a pipe");
    assert_int_equal(dusk_hdf5_attrs(fifo, "/x", &(dusk_value *){NULL}, &err), DUSK_EIO);
    assert_contains(err.msg, "a pipe");
    assert_int_equal(dusk_array_store(dusk_ones(ctx, DUSK_SHAPE(3), NULL, DUSK_DT_F8), fifo, "/x",
                                      NULL, NULL, &err), DUSK_EINVAL);   /* core/util.c's */
    assert_contains(err.msg, "a pipe");
    alarm(0);
    assert_int_equal(unlink(fifo), 0);
    assert_int_equal(count_entries_with(g_tmp, ".tmp"), 0);
    assert_array_error(dusk_from_hdf5(ctx, NULL, "/x", NULL), DUSK_EINVAL, "file");
    assert_array_error(dusk_from_hdf5(ctx, path, NULL, NULL), DUSK_EINVAL, "dataset");
    assert_array_error(dusk_from_hdf5(ctx, path, "/grp/x", "(2, 2)"), DUSK_EINVAL, "\"(2, 2)\"");
    /* a type dusk does not read, in a file h5py wrote (its /complex and
     * /half are read: test_dtypes.c) */
    assert_array_error(dusk_from_hdf5(ctx, FIXTURE, "/strings", NULL), DUSK_EIO, "/strings");
    assert_array_error(dusk_from_hdf5(ctx, FIXTURE, "/strings", NULL), DUSK_EIO, "type");
}

/* Reading what h5py wrote: int16 in a group (h5py chose (2, 3) chunks),
 * bool as h5py's enum, a scalar dataset. */
static void test_h5_read_h5py_file(void **state)
{
    (void)state;
    dusk_array *a = dusk_from_hdf5(ctx, FIXTURE, "/grp/ints", "(2, 3)");
    dusk_value *v = compute(a, "/grp/ints");
    check_meta(a, v, DUSK_DT_I2, 2, (int64_t[]){3, 4}, "/grp/ints");
    for (int i = 0; i < 12; i++)
        assert_int_equal(ref_geti(dusk_ndarray_data(v), DUSK_DT_I2, i), i - 5);
    release(v);
    a = dusk_from_hdf5(ctx, FIXTURE, "flags", NULL);
    v = compute(a, "/flags");
    check_meta(a, v, DUSK_DT_BOOL, 1, (int64_t[]){5}, "/flags");
    static const int flags[5] = {1, 0, 1, 1, 0};
    for (int i = 0; i < 5; i++)
        assert_int_equal(ref_geti(dusk_ndarray_data(v), DUSK_DT_BOOL, i), flags[i]);
    release(v);
    a = dusk_from_hdf5(ctx, FIXTURE, "/scalar", NULL);
    v = compute(dusk_array_binop_scalar(DUSK_BINOP_MUL, a, 2, false), "/scalar * 2");
    check_meta(a, v, DUSK_DT_F8, 0, NULL, "/scalar");
    assert_true(ref_getf(dusk_ndarray_data(v), DUSK_DT_F8, 0) == 5.0);
    release(v);
    /* the same file and dataset twice: the same names */
    assert_string_equal(dusk_array_name(dusk_from_hdf5(ctx, FIXTURE, "/grp/ints", "(2, 3)")),
                        dusk_array_name(dusk_from_hdf5(ctx, FIXTURE, "/grp/ints", "(2, 3)")));
}

/* A store that fails leaves the target as it was and nothing beside it. */
static void test_h5_store_failures(void **state)
{
    (void)state;
    char path[1024], nodir[1024], txt[1024];
    tmp_path(path, sizeof path, "fail.h5");
    tmp_path(nodir, sizeof nodir, "no/such/dir/out.h5");
    tmp_path(txt, sizeof txt, "fail.txt");
    dusk_error err = DUSK_ERROR_INIT;
    dusk_array *ok = dusk_ones(ctx, DUSK_SHAPE(10, 10), "(3, 3)", DUSK_DT_F8);

    /* a directory that does not exist */
    int rc = dusk_array_store(ok, nodir, "/x", NULL, NULL, &err);
    assert_int_not_equal(rc, 0);
    assert_contains(err.msg, "out.h5");
    assert_false(file_exists(nodir));

    /* a task that fails mid-way (int64 to a negative power in the last
     * block): no file at the target, no temporary file */
    int64_t base[8] = {1, 2, 3, 4, 5, 6, 7, 8}, ex[8] = {1, 1, 1, 1, 1, 1, 1, -1};
    dusk_array *bad = dusk_array_binop(DUSK_BINOP_POW,
                                       dusk_from_buffer(ctx, base, DUSK_DT_I8, DUSK_SHAPE(8), "2"),
                                       dusk_from_buffer(ctx, ex, DUSK_DT_I8, DUSK_SHAPE(8), "2"));
    for (size_t si = 0; si < NSCHEDS; si++) {
        dusk_options o = mkopts(&SCHEDS[si], NULL);
        rc = dusk_array_store(bad, path, "/x", NULL, &o, &err);
        assert_int_not_equal(rc, 0);
        assert_contains(err.msg, "negative integer powers");
        assert_false(file_exists(path));
        assert_int_equal(count_entries_with(g_tmp, ".tmp"), 0);
        assert_int_equal(count_entries_with(g_tmp, "fail.h5"), 0);
    }
    /* ... and with a file there: it is left byte for byte */
    assert_int_equal(dusk_array_store(ok, path, "/keep", NULL, NULL, &err), 0);
    size_t len0 = 0, len1 = 0;
    unsigned char *before = slurp(path, &len0);
    dusk_store_options so = {3, true};
    assert_int_not_equal(dusk_array_store(bad, path, "/x", &so, NULL, &err), 0);
    assert_int_not_equal(dusk_array_store(bad, path, "/keep", &so, NULL, &err), 0);
    unsigned char *after = slurp(path, &len1);
    assert_int_equal(len0, len1);
    assert_memory_equal(before, after, len0);
    free(before);
    free(after);
    assert_int_equal(count_entries_with(g_tmp, ".tmp"), 0);
    dusk_value *v = compute(dusk_from_hdf5(ctx, path, "/keep", NULL), "/keep after failures");
    for (int i = 0; i < 100; i++)
        assert_true(ref_getf(dusk_ndarray_data(v), DUSK_DT_F8, i) == 1);
    release(v);

    /* a target that is not an HDF5 file is not touched */
    FILE *f = fopen(txt, "w");
    fputs("precious text\n", f);
    fclose(f);
    assert_int_equal(dusk_array_store(ok, txt, "/x", NULL, NULL, &err), DUSK_EIO);
    assert_contains(err.msg, "not an HDF5 file");
    before = slurp(txt, &len0);
    assert_int_equal(len0, strlen("precious text\n"));
    assert_memory_equal(before, "precious text\n", len0);
    free(before);
    /* a directory as the target */
    assert_int_not_equal(dusk_array_store(ok, g_tmp, "/x", NULL, NULL, &err), 0);
    /* bad dataset names and missing arguments */
    assert_int_equal(dusk_array_store(ok, path, "", NULL, NULL, &err), DUSK_EINVAL);
    assert_int_equal(dusk_array_store(ok, path, "/", NULL, NULL, &err), DUSK_EINVAL);
    assert_int_equal(dusk_array_store(ok, NULL, "/x", NULL, NULL, &err), DUSK_EINVAL);
    assert_int_equal(dusk_array_store(ok, path, NULL, NULL, NULL, &err), DUSK_EINVAL);
    /* a dataset where a dataset is in the way of its group */
    assert_int_not_equal(dusk_array_store(ok, path, "/keep/inner", NULL, NULL, &err), 0);
    assert_int_equal(count_entries_with(g_tmp, ".tmp"), 0);
}

/* --- tasks that travel ---------------------------------------------------------------- */

/* What a walk over graphs saw: tasks per entry of the operation table,
 * and opaque values. */
typedef struct {
    int seen[DUSK__NOPS];
    int opaque;
} travel_log;

static void travel_value(const dusk_value *v, travel_log *log)
{
    if (dusk_value_kind(v) == DUSK_KIND_OPAQUE)
        log->opaque++;
    for (size_t i = 0; i < dusk_tuple_len(v); i++)
        travel_value(dusk_tuple_get(v, i), log);
}

static void travel_arg(const dusk__targ *a, travel_log *log)
{
    if (a->kind == DUSK__ARG_LIT)
        travel_value(a->u.lit, log);
    else if (a->kind == DUSK__ARG_LIST)
        for (size_t i = 0; i < a->n; i++)
            travel_arg(&a->u.items[i], log);
}

/* Every task of g runs an entry of the table, registered under a key that
 * finds it again (not a builtin of the same display name), and no value in
 * g is opaque: a task is its function's key and values. */
static void travel_check(const dusk_graph *g, travel_log *log)
{
    for (int64_t id = 0; id < (int64_t)dusk_graph_size(g); id++) {
        dusk_entry_kind k = dusk_graph_entry_kind(g, id);
        if (k == DUSK_ENTRY_VALUE)
            travel_value(dusk_graph_literal(g, id), log);
        if (k != DUSK_ENTRY_TASK)
            continue;
        const dusk_func *f = dusk_graph_func(g, id);
        assert_non_null(f);
        const dusk__op *op = (const dusk__op *)f;   /* the entry's first member */
        if (op < dusk__ops || op >= dusk__ops + DUSK__NOPS || &op->func != f)
            fail_msg("task %s runs '%s', not an entry of the table", dusk_graph_key(g, id),
                     f->name);
        log->seen[op - dusk__ops]++;
        const char *key = dusk_func_key(f);
        if (!key || dusk_func_lookup(key) != f)
            fail_msg("task %s: its function '%s' is not found again by its key %s",
                     dusk_graph_key(g, id), f->name, key ? key : "(none)");
        const dusk__task *t = &g->tasks[id];
        for (size_t i = 0; i < t->nargs; i++)
            travel_arg(&t->args[i], log);
    }
}

static void travel_array(const dusk_array *a, travel_log *log)
{
    dusk_graph *g = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_array_graph(a, &g, &err))
        fail_msg("graph of %s: %s", dusk_array_name(a), err.msg);
    travel_check(g, log);
    dusk_graph_free(g);
}

/* --- evaluating a graph by names and values alone --- */

static dusk_value *by_name(const dusk_graph *g, int64_t id, dusk_value **memo, dusk_error *err);

static dusk_value *by_name_arg(const dusk_graph *g, const dusk__targ *a, dusk_value **memo,
                               dusk_error *err)
{
    if (a->kind == DUSK__ARG_LIT)
        return dusk_value_ref(a->u.lit);
    if (a->kind == DUSK__ARG_REF)
        return by_name(g, dusk__name_task(g, a->u.name), memo, err);
    dusk_value *t = dusk_tuple_new(a->n);
    for (size_t i = 0; t && i < a->n; i++) {
        dusk_value *v = by_name_arg(g, &a->u.items[i], memo, err);
        if (!v) {
            dusk_value_unref(t);
            return NULL;
        }
        dusk_tuple_set(t, i, v);
    }
    return t;
}

/* The value of task id, computed by calling dusk_func_lookup(its key)
 * with its arguments' values: what another process, given the task as a
 * name and values, would do. */
static dusk_value *by_name(const dusk_graph *g, int64_t id, dusk_value **memo, dusk_error *err)
{
    if (memo[id])
        return dusk_value_ref(memo[id]);
    const dusk__task *t = &g->tasks[id];
    dusk_value *r = NULL;
    if (t->kind == DUSK_ENTRY_VALUE) {
        r = dusk_value_ref(t->value);
    } else if (t->kind == DUSK_ENTRY_ALIAS) {
        r = by_name(g, dusk__name_task(g, t->target), memo, err);
    } else {
        const dusk_func *f = dusk_func_lookup(dusk_func_key(t->func));
        dusk_value *args[2 + 64];
        size_t n = 0;
        assert_true(t->nargs <= 2 + 64);
        for (; n < t->nargs; n++)
            if (!(args[n] = by_name_arg(g, &t->args[n], memo, err)))
                break;
        if (n == t->nargs && f && f->fn(args, n, &r, err, f->ud) != 0)
            r = NULL;
        for (size_t i = 0; i < n; i++)
            dusk_value_unref(args[i]);
    }
    if (r)
        memo[id] = dusk_value_ref(r);
    return r;
}

/* a's blocks computed by name equal dusk_array_compute's; returns the
 * code of the first failure (its message in err) instead when one fails. */
static int by_name_matches(dusk_array *a, dusk_error *err)
{
    dusk_graph *g = NULL;
    assert_int_equal(dusk_array_graph(a, &g, err), 0);
    size_t n = dusk_graph_size(g);
    dusk_value **memo = calloc(n, sizeof *memo);
    assert_non_null(memo);
    int64_t idx[DUSK_MAXDIMS] = {0}, nb[DUSK_MAXDIMS];
    int ndim = dusk_array_ndim(a), rc = 0;
    for (int d = 0; d < ndim; d++)
        nb[d] = dusk_array_numblocks(a, d);
    for (int64_t k = 0; k < dusk_array_nchunks(a); k++) {
        unravel(k, ndim, nb, idx);
        char key[512];
        dusk_array_block_key(a, idx, key, sizeof key);
        int64_t id = dusk_graph_find(g, key);
        assert_true(id >= 0);
        dusk_value *mine = by_name(g, id, memo, err), *want = NULL;
        if (!mine) {
            rc = err->code;
            break;
        }
        assert_int_equal(dusk_get(g, key, NULL, &want, err), 0);
        if (!dusk_value_equal(mine, want))
            fail_msg("block %s by name differs from the scheduler's", key);
        dusk_value_unref(mine);
        dusk_value_unref(want);
    }
    for (size_t i = 0; i < n; i++)
        dusk_value_unref(memo[i]);
    free(memo);
    dusk_graph_free(g);
    return rc;
}

typedef struct {
    travel_log *log;
    int graphs;
} store_watch;

/* The store's graph is dusk_array_store's own: its listeners see the
 * run's plan, which holds each task's function and the literal entries
 * (the arguments stay in the graph). */
static void store_start(void *ud, const dusk_plan *plan, size_t ntasks)
{
    (void)ntasks;
    store_watch *w = ud;
    const int64_t *ids = dusk_plan_tasks(plan);
    for (size_t i = 0; i < dusk_plan_ntasks(plan); i++) {
        int64_t id = ids[i];
        if (dusk_plan_entry_kind(plan, id) == DUSK_ENTRY_VALUE)
            travel_value(dusk_plan_literal(plan, id), w->log);
        if (dusk_plan_entry_kind(plan, id) != DUSK_ENTRY_TASK)
            continue;
        const dusk_func *f = dusk_plan_func(plan, id);
        const dusk__op *op = (const dusk__op *)f;
        if (op < dusk__ops || op >= dusk__ops + DUSK__NOPS || &op->func != f)
            fail_msg("task %s runs '%s', not an entry of the table", dusk_plan_key(plan, id),
                     f->name);
        w->log->seen[op - dusk__ops]++;
        const char *key = dusk_func_key(f);
        if (!key || dusk_func_lookup(key) != f)
            fail_msg("task %s: its function '%s' is not found again by its key",
                     dusk_plan_key(plan, id), f->name);
    }
    w->graphs++;
}

/* Every kind of array task, in the lecture's graph read from and stored to
 * HDF5, slicing, joining, products and rechunks: its function is the
 * dusk_func registered under its key and its arguments hold no opaque
 * value. The graphs also compute, task by task, from dusk_func_lookup of
 * the keys and the values alone. */
static void test_tasks_travel(void **state)
{
    (void)state;
    travel_log log;
    memset(&log, 0, sizeof log);
    dusk_error err = DUSK_ERROR_INIT;
    char in[1024], out[1024];
    tmp_path(in, sizeof in, "travel-in.h5");
    tmp_path(out, sizeof out, "travel-out.h5");

    /* every entry of the table is registered under "array.<name>"; the
     * builtins keep their own names */
    for (int i = 0; i < DUSK__NOPS; i++) {
        char key[64];
        snprintf(key, sizeof key, "array.%s", dusk__ops[i].func.name);
        assert_string_equal(dusk_func_key(&dusk__ops[i].func), key);
        assert_ptr_equal(dusk_func_lookup(key), &dusk__ops[i].func);
    }
    assert_ptr_equal(dusk_func_lookup("sub"), &dusk_sub);
    assert_string_equal(dusk_func_key(&dusk_sub), "sub");

    /* the lecture: r = x - x.mean(axis=0), from HDF5, stored to HDF5 */
    dusk_array *src = dusk_random_normal(ctx, 11, 0, 1, DUSK_SHAPE(40, 300), "(20, 50)");
    assert_int_equal(dusk_array_store(src, in, "/data_set_1", NULL, NULL, &err), 0);
    dusk_array *x = dusk_from_hdf5(ctx, in, "/data_set_1", "(20, 50)");
    dusk_array *mean = dusk_array_mean(x, DUSK_AXIS(0), false);
    dusk_array *r = dusk_array_sub(x, mean);
    travel_array(r, &log);
    store_watch w = {&log, 0};
    dusk_callbacks cb = {0};
    cb.ud = &w;
    cb.start = store_start;
    dusk_options o = opts_of(DUSK_SCHED_THREADS, 2);
    o.callbacks = &cb;
    o.ncallbacks = 1;
    dusk_store_options so = {0, true};
    assert_int_equal(dusk_array_store(r, out, "/r", &so, &o, &err), 0);
    assert_int_equal(w.graphs, 1);
    assert_int_equal(log.seen[DUSK__OP_STORE], 12);
    assert_int_equal(by_name_matches(mean, &err), 0);   /* read from the file by name */

    /* sources, elementwise operations and every reduction */
    int64_t buf[6] = {1, 2, 3, 4, 5, 6};
    dusk_array *parts[] = {
        dusk_ones(ctx, DUSK_SHAPE(4, 6), "(2, 4)", DUSK_DT_F8),
        dusk_zeros(ctx, DUSK_SHAPE(4, 6), "(2, 4)", DUSK_DT_F8),
        dusk_empty(ctx, DUSK_SHAPE(4, 6), "(2, 4)", DUSK_DT_F8),
        dusk_full(ctx, DUSK_SHAPE(4, 6), "(2, 4)", DUSK_DT_I4, 7),
        dusk_random_uniform(ctx, 3, 0, 1, DUSK_SHAPE(4, 6), "(2, 4)"),
        dusk_random_normal(ctx, 3, 0, 1, DUSK_SHAPE(4, 6), "(2, 4)"),
        dusk_random_integers(ctx, 3, -5, 5, DUSK_SHAPE(4, 6), "(2, 4)", DUSK_DT_I8),
        dusk_random_exponential(ctx, 3, 2, DUSK_SHAPE(4, 6), "(2, 4)"),
        dusk_random_poisson(ctx, 3, 20, DUSK_SHAPE(4, 6), "(2, 4)"),
    };
    dusk_array *line[] = {
        dusk_arange(ctx, 0, 6, 1, "4"), dusk_linspace(ctx, 0, 1, 6, "4"),
        dusk_from_buffer(ctx, buf, DUSK_DT_I8, DUSK_SHAPE(6), "4"),
    };
    dusk_array *acc = parts[0];
    for (size_t i = 1; i < sizeof parts / sizeof *parts; i++)
        acc = dusk_array_add(acc, parts[i]);
    for (size_t i = 0; i < sizeof line / sizeof *line; i++)
        acc = dusk_array_add(acc, line[i]);
    /* the bitwise operations take integers: of acc as int64 */
    dusk_array *acc_i = dusk_array_astype(acc, DUSK_DT_I8);
    for (int op = 0; op < DUSK_BINOP_COUNT; op++) {
        int ints = op == DUSK_BINOP_AND || op == DUSK_BINOP_OR || op == DUSK_BINOP_XOR;
        travel_array(dusk_array_binop((dusk_binop)op, ints ? acc_i : acc, parts[3]), &log);
        travel_array(dusk_array_binop_scalar((dusk_binop)op, ints ? acc_i : acc, 2, op % 2), &log);
    }
    for (int op = 0; op < DUSK_UNOP_COUNT; op++)
        travel_array(dusk_array_unop((dusk_unop)op, op == DUSK_UNOP_INVERT ? acc_i : acc), &log);
    travel_array(dusk_array_transpose(dusk_array_astype(acc, DUSK_DT_F4), NULL), &log);
    dusk_array *wide = dusk_ones(ctx, DUSK_SHAPE(4, 40), "(2, 2)", DUSK_DT_I4);
    for (int op = 0; op < NPLAIN_RED; op++)
        travel_array(dusk_array_reduce((dusk_reduction)op, wide, DUSK_AXIS(1), false, 4, 0), &log);
    assert_int_equal(by_name_matches(dusk_array_transpose(line[2], NULL), &err), 0);
    assert_int_equal(by_name_matches(dusk_array_reduce(DUSK_RED_MEAN, wide, DUSK_AXIS(1), true,
                                                       4, 0), &err), 0);

    /* slicing: getitem, slice + getitem (a list with partial slices), squeeze */
    dusk_array *m = dusk_array_astype(dusk_arange(ctx, 0, 300, 1, "7"), DUSK_DT_F8);
    double grid[15 * 20];
    for (int i = 0; i < 15 * 20; i++)
        grid[i] = i * 0.5;
    dusk_array *m2 = dusk_array_rechunk(dusk_from_buffer(ctx, grid, DUSK_DT_F8,
                                                         DUSK_SHAPE(15, 20), "(4, 6)"),
                                        "(5, 7)");
    dusk_array *sl[] = {
        dusk_array_slice(m2, ":10, 12:2:-2"), dusk_array_slice(m2, "3:9, [10, 1, 5]"),
        dusk_array_slice(m2, "-1, ..., None"),
        dusk_array_squeeze(dusk_array_slice(m, "4:5"), DUSK_ALL_AXES),
    };
    for (size_t i = 0; i < sizeof sl / sizeof *sl; i++) {
        travel_array(sl[i], &log);
        assert_int_equal(by_name_matches(sl[i], &err), 0);
    }

    /* joins */
    dusk_array *three[] = {m2, dusk_array_slice(m2, "::-1"), dusk_full(ctx, DUSK_SHAPE(15, 20),
                                                                      "(3, 20)", DUSK_DT_F4, 2)};
    dusk_array *cat = dusk_concatenate(three, 3, 1), *stk = dusk_stack(three, 3, 0);
    travel_array(cat, &log);
    travel_array(stk, &log);
    assert_int_equal(by_name_matches(cat, &err), 0);
    assert_int_equal(by_name_matches(stk, &err), 0);

    /* products: tensordot (and its sum), matmul (and Dask's chunk_sum) */
    dusk_array *a = dusk_ones(ctx, DUSK_SHAPE(6, 50), "(3, 5)", DUSK_DT_F8);
    dusk_array *b = dusk_ones(ctx, DUSK_SHAPE(50, 4), "(5, 2)", DUSK_DT_F8);
    travel_array(dusk_tensordot(a, b, NULL, NULL, 1), &log);
    dusk_array *mm = dusk_array_matmul(a, b);
    travel_array(mm, &log);
    assert_int_equal(by_name_matches(mm, &err), 0);

    /* factorisations (include/dusk/linalg.h): tsqr with its recursion, svd,
     * sfqr, lstsq, lu, solve, inv (eye), cholesky, and cholesky of a complex
     * array (its conjugating transposes) */
    dusk_array *tall = dusk_random_normal(ctx, 3, 0, 1, DUSK_SHAPE(100, 10), "(25, 10)");
    dusk_qr qr = dusk_linalg_qr(tall);
    dusk_svd sv = dusk_linalg_svd(tall);
    dusk_lstsq ls = dusk_linalg_lstsq(tall, dusk_ones(ctx, DUSK_SHAPE(100), "25", DUSK_DT_F8));
    dusk_array *sq = dusk_array_add(dusk_array_matmul(dusk_array_transpose(tall, NULL), tall),
                                    dusk_ones(ctx, DUSK_SHAPE(10, 10), "5", DUSK_DT_F8));
    dusk_array *fact[] = {qr.q, qr.r, sv.u, sv.s, sv.v, ls.x, ls.rank, ls.s,
                          dusk_linalg_qr(dusk_array_transpose(tall, NULL)).r,   /* sfqr */
                          dusk_linalg_inv(sq), dusk_linalg_cholesky(sq, true),
                          dusk_linalg_cholesky(dusk_array_astype(sq, DUSK_DT_C16), false)};
    for (size_t i = 0; i < sizeof fact / sizeof *fact; i++) {
        travel_array(fact[i], &log);
        assert_int_equal(by_name_matches(fact[i], &err), 0);
    }

    /* argmax and friends: chunk, combine and both aggregates */
    dusk_array *ties = dusk_array_slice(m2, "::-1, ::2");
    for (int op = 0; op < DUSK_ARG_COUNT; op++) {
        dusk_array *am = dusk_array_argreduce((dusk_argreduction)op, ties,
                                              op % 2 ? 0 : DUSK_AXIS_NONE, false, 2);
        travel_array(am, &log);
        assert_int_equal(by_name_matches(am, &err), 0);
    }

    /* the nan- reductions: 'nansum', 'nanprod', nanmean's mean_chunk, the
     * rows of nanvar, nanmin and nanmax, nanstd's '_sqrt' */
    for (int op = DUSK_RED_NANSUM; op <= DUSK_RED_NANMAX; op++) {
        dusk_array *nr = dusk_array_reduce((dusk_reduction)op, ties, DUSK_AXIS(1), false, 2, 1);
        travel_array(nr, &log);
        assert_int_equal(by_name_matches(nr, &err), 0);
    }

    /* cumulative sums and products: each block's own, then the carries */
    dusk_array *cums[] = {dusk_array_cumsum(ties, 0),
                          dusk_array_cumprod(dusk_array_astype(ties, DUSK_DT_I4), 1)};
    for (size_t i = 0; i < sizeof cums / sizeof *cums; i++) {
        travel_array(cums[i], &log);
        assert_int_equal(by_name_matches(cums[i], &err), 0);
    }

    /* where, of three arrays and of an array and a scalar */
    dusk_array *cond = dusk_array_binop_scalar(DUSK_BINOP_GT, ties, 20, false);
    dusk_array *wh[] = {dusk_array_where(cond, ties, dusk_array_slice(ties, "0")),
                        dusk_array_where_scalar(cond, ties, dusk_scalar_int(-1), true)};
    for (size_t i = 0; i < sizeof wh / sizeof *wh; i++) {
        travel_array(wh[i], &log);
        assert_int_equal(by_name_matches(wh[i], &err), 0);
    }

    /* clip, round, around, isclose (and allclose's), nan_to_num */
    dusk_scalar lo = dusk_scalar_int(10), hi = dusk_scalar_float(30.5);
    double big = 1e6;
    dusk_array *uf[] = {dusk_array_clip(ties, &lo, &hi), dusk_array_round(ties, -1),
                        dusk_array_around(dusk_array_astype(ties, DUSK_DT_F4), 1),
                        dusk_array_allclose(ties, dusk_array_slice(ties, "0"), 1e-5, 1e-8, true),
                        dusk_array_nan_to_num(dusk_array_div(ties, dusk_array_slice(ties, "0")),
                                              -1, &big, NULL)};
    for (size_t i = 0; i < sizeof uf / sizeof *uf; i++) {
        travel_array(uf[i], &log);
        assert_int_equal(by_name_matches(uf[i], &err), 0);
    }

    /* reshape, with the rechunk it needs first */
    dusk_array *rs[] = {dusk_array_ravel(ties), dusk_array_reshape(ties, DUSK_SHAPE(5, -1, 10), true)};
    for (size_t i = 0; i < sizeof rs / sizeof *rs; i++) {
        travel_array(rs[i], &log);
        assert_int_equal(by_name_matches(rs[i], &err), 0);
    }

    /* histograms, counted and weighted */
    static const double hedges[] = {0, 10, 20.5, 40};
    dusk_array *hs[] = {dusk_array_histogram(ties, hedges, 4, NULL),
                        dusk_array_histogram(ties, hedges, 4, dusk_array_astype(ties, DUSK_DT_F4)),
                        dusk_array_digitize(ties, hedges, 4, true)};
    for (size_t i = 0; i < sizeof hs / sizeof *hs; i++) {
        travel_array(hs[i], &log);
        assert_int_equal(by_name_matches(hs[i], &err), 0);
    }

    /* x[mask] (getitem of two blocks, then aliases), and the shapes
     * compute_chunk_sizes reads */
    dusk_array *masked = dusk_array_mask(ties, dusk_array_binop_scalar(DUSK_BINOP_GT, ties, 10,
                                                                       false));
    travel_array(masked, &log);
    assert_int_equal(by_name_matches(masked, &err), 0);
    dusk_array *rows = dusk_array_binop_scalar(DUSK_BINOP_GT, dusk_arange(ctx, 0, (double)
                                               dusk_array_shape(ties)[0], 1, "3"), 2, false);
    dusk_array *kept = dusk_array_compress(rows, ties, 0);   /* getitem_variadic */
    travel_array(kept, &log);
    assert_int_equal(by_name_matches(kept, &err), 0);
    dusk_array *distinct = dusk_array_unique(ties);   /* unique_internal, unique-aggregate */
    travel_array(distinct, &log);
    assert_int_equal(by_name_matches(distinct, &err), 0);
    dusk_graph *sg = NULL;
    char **skeys = NULL;
    size_t nskeys = 0;
    assert_int_equal(dusk__chunk_shapes_graph(masked, &sg, &skeys, &nskeys, &err), 0);
    assert_int_equal((int64_t)nskeys, dusk_array_nchunks(masked));
    travel_check(sg, &log);
    dusk_graph_free(sg);
    dusk_free(skeys);

    /* every kind of task was seen; nothing was opaque */
    for (int i = 0; i < DUSK__NOPS; i++)
        if (!log.seen[i])
            fail_msg("no task of '%s' was checked", dusk__ops[i].func.name);
    assert_int_equal(log.opaque, 0);

    /* The lecture's r = x - x.mean(axis=0), whose 'sub' shows the same
     * name as the builtin, computes by keys and values too. */
    assert_int_equal(by_name_matches(r, &err), 0);
}

/* Runs the function registered as key on args (stolen); its code, with
 * the message in err and any result dropped. */
static int run_named(const char *key, dusk_value **args, size_t n, dusk_error *err)
{
    const dusk_func *f = dusk_func_lookup(key);
    assert_non_null(f);
    dusk_value *out = NULL;
    *err = (dusk_error)DUSK_ERROR_INIT;
    int rc = f->fn(args, n, &out, err, f->ud);
    if (rc == 0)
        assert_non_null(out);
    dusk_value_unref(out);
    for (size_t i = 0; i < n; i++)
        dusk_value_unref(args[i]);
    return rc;
}

static dusk_value *ints(int n, const int64_t *v)
{
    dusk_value *items[8];
    for (int i = 0; i < n; i++)
        items[i] = dusk_int(v[i]);
    return dusk_tuple_of((size_t)n, items);
}

static dusk_value *bounds1(int64_t n, const int64_t *v)
{
    dusk_value *b = dusk_ndarray_new(DUSK_DT_I8, 1, &n);
    memcpy(dusk_ndarray_data(b), v, (size_t)n * sizeof *v);
    return dusk_tuple_of(1, &b);
}

/* A task given values that do not describe a block fails with a message
 * naming its operation; it never reads past what it was given. */
static void test_tasks_bad_arguments(void **state)
{
    (void)state;
    dusk_error err;
    int64_t zero = 0, one = 1, three = 3, b3[3] = {0, 2, 5};
    /* a well-formed ones_like block first */
    dusk_value *ok[2] = {dusk_tuple_of(3, (dusk_value *[]){dusk_string("f8"), bounds1(3, b3),
                                                          dusk_float(1)}),
                         ints(1, &one)};
    assert_int_equal(run_named("array.ones_like", ok, 2, &err), 0);
    /* no parameters, a wrong dtype code, an index that is not ints */
    assert_int_equal(run_named("array.ones_like", (dusk_value *[]){dusk_int(1)}, 1, &err), DUSK_EINVAL);
    assert_contains(err.msg, "ones_like");
    dusk_value *bad_dt[2] = {dusk_tuple_of(3, (dusk_value *[]){dusk_string("q9"), bounds1(3, b3),
                                                              dusk_float(1)}),
                             ints(1, &one)};
    assert_int_equal(run_named("array.ones_like", bad_dt, 2, &err), DUSK_EINVAL);
    assert_contains(err.msg, "dtype");
    dusk_value *bad_ix[2] = {dusk_tuple_of(3, (dusk_value *[]){dusk_string("f8"), bounds1(3, b3),
                                                              dusk_float(1)}),
                             dusk_tuple_of(1, (dusk_value *[]){dusk_string("0")})};
    assert_int_equal(run_named("array.ones_like", bad_ix, 2, &err), DUSK_EINVAL);
    /* a block index past the bounds */
    dusk_value *past[2] = {dusk_tuple_of(3, (dusk_value *[]){dusk_string("f8"), bounds1(3, b3),
                                                            dusk_float(1)}),
                           ints(1, &three)};
    assert_int_equal(run_named("array.ones_like", past, 2, &err), DUSK_EINVAL);
    assert_contains(err.msg, "bounds");
    /* a parameter of the wrong kind */
    dusk_value *kind[2] = {dusk_tuple_of(3, (dusk_value *[]){dusk_string("f8"), bounds1(3, b3),
                                                            dusk_string("1")}),
                           ints(1, &zero)};
    assert_int_equal(run_named("array.full_like", kind, 2, &err), DUSK_EINVAL);
    assert_contains(err.msg, "not a number");
    /* a block index at the very end of int64 */
    int64_t huge = INT64_MAX;
    dusk_value *end[2] = {dusk_tuple_of(3, (dusk_value *[]){dusk_string("f8"), bounds1(3, b3),
                                                           dusk_float(1)}),
                          ints(1, &huge)};
    assert_int_equal(run_named("array.ones_like", end, 2, &err), DUSK_EINVAL);
    assert_contains(err.msg, "bounds");
    /* bounds whose difference overflows int64 */
    int64_t wide[3] = {0, 1, INT64_MIN};
    dusk_value *wrap[2] = {dusk_tuple_of(3, (dusk_value *[]){dusk_string("f8"), bounds1(3, wide),
                                                            dusk_float(1)}),
                           ints(1, &one)};
    assert_int_equal(run_named("array.ones_like", wrap, 2, &err), DUSK_EINVAL);
    assert_contains(err.msg, "decrease");
    /* products are computed in 64-bit or float types only: an int32 one
     * would be written 8 bytes an element into 4-byte elements */
    int64_t sq[2] = {2, 2};
    dusk_value *mm[4] = {dusk_tuple_of(2, (dusk_value *[]){dusk_string("i4"), dusk_none()}),
                         dusk_tuple_of(3, (dusk_value *[]){dusk_int(0), dusk_int(0), dusk_int(0)}),
                         dusk_ndarray_new(DUSK_DT_I4, 2, sq), dusk_ndarray_new(DUSK_DT_I4, 2, sq)};
    assert_int_equal(run_named("array.matmul", mm, 4, &err), DUSK_EINVAL);
    assert_contains(err.msg, "not computed in int32");
    /* arange makes int64 or float64 blocks only */
    dusk_value *ar[2] = {dusk_tuple_of(4, (dusk_value *[]){dusk_string("i1"), bounds1(3, b3),
                                                          dusk_float(0), dusk_float(1)}),
                         ints(1, &one)};
    assert_int_equal(run_named("array.arange", ar, 2, &err), DUSK_EINVAL);
    /* a getter whose block lies past its original */
    int64_t b9[2] = {0, 9};
    dusk_value *orig = dusk_ndarray_new(DUSK_DT_F8, 1, &three);
    dusk_value *get[3] = {dusk_tuple_of(2, (dusk_value *[]){dusk_string("f8"), bounds1(2, b9)}),
                          ints(1, &zero), orig};
    assert_int_equal(run_named("array.array", get, 3, &err), DUSK_EINVAL);
    assert_contains(err.msg, "past");
    /* too few inputs; an input that is not a block */
    dusk_value *tp[2] = {dusk_tuple_of(3, (dusk_value *[]){dusk_string("f8"), dusk_none(),
                                                          ints(1, &zero)}),
                         ints(1, &zero)};
    assert_int_equal(run_named("array.transpose", tp, 2, &err), DUSK_EINVAL);
    assert_contains(err.msg, "input");
    dusk_value *tp2[3] = {dusk_tuple_of(3, (dusk_value *[]){dusk_string("f8"), dusk_none(),
                                                           ints(1, &one)}),
                          ints(1, &zero), dusk_ndarray_new(DUSK_DT_F8, 1, &three)};
    assert_int_equal(run_named("array.transpose", tp2, 3, &err), DUSK_EINVAL);
    assert_contains(err.msg, "permutation");
    /* a rechunk merge given fewer pieces than its bounds say */
    int64_t ob[2] = {0, 5}, ib[3] = {0, 2, 5};
    dusk_value *piece = dusk_ndarray_new(DUSK_DT_F8, 1, (int64_t[]){2});
    dusk_value *mg[3] = {dusk_tuple_of(3, (dusk_value *[]){dusk_string("f8"), bounds1(2, ob),
                                                          bounds1(3, ib)}),
                         ints(1, &zero), dusk_tuple_of(1, &piece)};
    assert_int_equal(run_named("array.rechunk-merge", mg, 3, &err), DUSK_EINVAL);
    assert_contains(err.msg, "pieces");
    /* a getitem whose plan is not one */
    dusk_value *gi[3] = {dusk_tuple_of(4, (dusk_value *[]){dusk_string("f8"), dusk_none(),
                                                          dusk_int(1), dusk_string("plan")}),
                         ints(1, &zero), dusk_ndarray_new(DUSK_DT_F8, 1, &three)};
    assert_int_equal(run_named("array.getitem", gi, 3, &err), DUSK_EINVAL);
    assert_contains(err.msg, "plan");
    /* a store into a file that is not there names it */
    char path[1024];
    tmp_path(path, sizeof path, "absent.h5");
    dusk_value *st[3] = {dusk_tuple_of(4, (dusk_value *[]){dusk_string("f8"), bounds1(2, ob),
                                                          dusk_string(path), dusk_string("/x")}),
                         ints(1, &zero), dusk_ndarray_new(DUSK_DT_F8, 1, (int64_t[]){5})};
    assert_int_equal(run_named("array.store-map", st, 3, &err), DUSK_EIO);
    assert_contains(err.msg, "absent.h5");
}

/* --- out of memory ------------------------------------------------------------------ */

/* Every allocation of building and computing an expression failing in
 * turn: an error (never NULL, never a crash), and nothing leaked. */
static void test_out_of_memory(void **state)
{
    (void)state;
    dusk_array_ctx_free(ctx);
    ctx = NULL;
    long base = dusk_alloc_live();
    int built_ok = 0, computed_ok = 0;
    for (long n = 0; n < 4000 && !(built_ok && computed_ok > 2); n++) {
        dusk_array_ctx *c = dusk_array_ctx_new();
        if (!c)
            continue;
        dusk_alloc_fail_after(n);
        dusk_array *x = dusk_ones(c, DUSK_SHAPE(6, 6), "(4, 4)", DUSK_DT_F8);
        dusk_array *y = dusk_array_mean(dusk_array_sub(x, dusk_array_rechunk(dusk_array_transpose(x, NULL),
                                        "3")), DUSK_AXIS(0), false);
        assert_non_null(y);
        int st = dusk_array_status(y, NULL);
        if (st == 0)
            built_ok = 1;
        else
            assert_int_equal(st, DUSK_ENOMEM);
        if (st == 0) {
            dusk_value *v = NULL;
            dusk_error err = DUSK_ERROR_INIT;
            dusk_options o = opts_of(n % 2 ? DUSK_SCHED_SYNC : DUSK_SCHED_THREADS, 2);
            int rc = dusk_array_compute(y, &o, &v, &err);
            if (rc == 0) {
                computed_ok++;
                assert_non_null(v);
                for (int j = 0; j < 6; j++)
                    assert_true(ref_getf(dusk_ndarray_data(v), DUSK_DT_F8, j) == 0);
            } else {
                assert_null(v);
            }
            release(v);
        }
        dusk_alloc_fail_after(-1);
        dusk_array_ctx_free(c);
        if (dusk_alloc_live() != base)
            fail_msg("after failing allocation %ld: %ld blocks live, want %ld", n,
                     dusk_alloc_live(), base);
    }
    assert_true(built_ok);
    assert_true(computed_ok);
    ctx = dusk_array_ctx_new();
}

/* --- main -------------------------------------------------------------------------- */

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_ctx_and_error_propagation),
        T(test_rechunk_dask_structure),
        T(test_null_context),
        T(test_bad_shapes_and_dtypes),
        T(test_chunks_auto),
        T(test_chunks_specs),
        T(test_chunks_1d_tuple),
        T(test_chunks_long_explicit),
        T(test_chunks_bad),
        T(test_ones_zeros_full_empty),
        T(test_arange),
        T(test_linspace),
        T(test_eye),
        T(test_compute_many),
        T(test_histogram),
        T(test_digitize),
        T(test_random),
        T(test_from_buffer),
        T(test_binop_dtypes),
        T(test_binop_values),
        T(test_uint64_arith),
        T(test_uint64_compare),
        T(test_uint64_scalar),
        T(test_uint64_abs),
        T(test_binop_negative_int_power),
        T(test_scalar_dtypes),
        T(test_scalar_float32_overflow),
        T(test_scalar_values),
        T(test_unop_values),
        T(test_broadcasting),
        T(test_broadcast_errors),
        T(test_unify_chunks),
        T(test_transpose),
        T(test_astype),
        T(test_rechunk),
        T(test_reduce_f8),
        T(test_reduce_dtypes),
        T(test_reduce_nan),
        T(test_reduce_ddof),
        T(test_reduce_ddof_too_large),
        T(test_reduce_shapes_and_errors),
        T(test_reduce_task_counts),
        T(test_reduce_many_blocks),
        T(test_task_counts),
        T(test_tokens),
        T(test_tokens_distinguish_chunks),
        T(test_composite),
        T(test_shared_inputs_threads),
        T(test_lecture),
        T(test_demo_result),
        T(test_h5_roundtrip),
        T(test_h5_layout_and_gzip),
        T(test_h5_overwrite),
        T(test_h5_read_errors),
        T(test_h5_read_h5py_file),
        T(test_h5_store_failures),
        T(test_tasks_travel),
        T(test_tasks_bad_arguments),
        T(test_out_of_memory),
    };
    return cmocka_run_group_tests_name("array", tests, group_setup, group_teardown);
}
