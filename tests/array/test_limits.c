/*
** dusk tests — arrays at their limits: empty axes and empty blocks, chunk
** specs that make no sense, and sizes that overflow
**
** Every creation kernel on arrays with no elements, for every dtype (the
** fill of a zero-size block wrote one element past it); every reduction
** over every set of axes of arrays with an axis of length 0 or with empty
** blocks, against plain loops and NumPy's rules (sum 0, prod 1, mean nan,
** min and max refused); chunk specs of the wrong rank, zeros, negatives
** and garbage, refused with the spec and the shape, also by dusk-demo;
** shapes, chunk lists, joins, broadcasts and products whose sizes do not
** fit, refused with the shape instead of wrapping. The memory errors
** these guard against show under `make SANITIZE=address,undefined`.
*/
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dusk.h"
#include "dusk/array.h"
#include "helpers.h"

static dusk_array_ctx *ctx;
static long live0;

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
    ctx = NULL;
    long live = dusk_alloc_live();
    if (live != live0) {
        fprintf(stderr, "leak: dusk_alloc_live() is %ld, was %ld\n", live, live0);
        return -1;
    }
    return 0;
}

/* Computes a on sync or on two threads, by turns; fails the test with
 * what on an error. The value is released at teardown. */
static dusk_value *compute(dusk_array *a, const char *what)
{
    static unsigned turn;
    dusk_options o = opts_of(turn++ % 2 ? DUSK_SCHED_THREADS : DUSK_SCHED_SYNC, 2);
    return compute_with(a, &o, what);
}

/* --- creation of arrays with no elements ----------------------------------- */

/* ones, zeros, full and empty of every dtype, with an axis of length 0 or
 * empty blocks among full ones: the right shape, and every element there
 * is the fill. */
static void test_fill_empty(void **state)
{
    (void)state;
    static const struct { int ndim; int64_t shape[3]; const char *chunks; } cases[] = {
        {1, {0}, NULL},
        {1, {0}, "5"},
        {2, {3, 0}, "(2, 1)"},
        {2, {0, 5}, "(1, 2)"},
        {3, {2, 0, 3}, "(1, 1, 1)"},
        {1, {5}, "((3, 0, 2),)"},
        {2, {3, 4}, "((0, 3, 0), (2, 0, 2))"},
    };
    char what[256];
    for (size_t ci = 0; ci < sizeof cases / sizeof *cases; ci++) {
        dusk_shape s = {cases[ci].ndim, {0}};
        memcpy(s.v, cases[ci].shape, sizeof cases[ci].shape);
        int64_t n = count_of_shape(s.ndim, s.v);
        for (int ti = 0; ti < NDT; ti++) {
            dusk_dtype t = ALL_DT[ti];
            const double fills[4] = {1, 0, 7, -1};
            dusk_array *arrs[4] = {dusk_ones(ctx, s, cases[ci].chunks, t),
                                   dusk_zeros(ctx, s, cases[ci].chunks, t),
                                   dusk_full(ctx, s, cases[ci].chunks, t, 7),
                                   dusk_full(ctx, s, cases[ci].chunks, t, -1)};
            for (int k = 0; k < 4; k++) {
                snprintf(what, sizeof what, "fill %g, case %zu, %s", fills[k], ci,
                         dusk_dtype_code(t));
                dusk_value *v = compute(arrs[k], what);
                assert_shape(v, s.ndim, s.v, what);
                assert_int_equal(dusk_ndarray_dtype(v), t);
                /* the fill as the dtype holds it (-1 wraps in unsigned types) */
                unsigned char want[8];
                ref_setf(want, t, 0, fills[k]);
                for (int64_t i = 0; i < n; i++)
                    if (memcmp((const char *)dusk_ndarray_data(v) + i * (int64_t)dt_size(t), want,
                               dt_size(t)) != 0)
                        fail_msg("%s: element %" PRId64 " is not the fill", what, i);
                release(v);
            }
            snprintf(what, sizeof what, "empty, case %zu, %s", ci, dusk_dtype_code(t));
            dusk_value *v = compute(dusk_empty(ctx, s, cases[ci].chunks, t), what);
            assert_shape(v, s.ndim, s.v, what);
            release(v);
        }
    }
    /* the other sources of nothing */
    dusk_value *v = compute(dusk_arange(ctx, 0, 0, 1, NULL), "arange(0)");
    assert_int_equal(dusk_ndarray_shape(v)[0], 0);
    v = compute(dusk_arange(ctx, 0, 5, 1, "((2, 0, 3),)"), "arange(5) with an empty block");
    for (int64_t i = 0; i < 5; i++)
        assert_int_equal(ref_geti(dusk_ndarray_data(v), DUSK_DT_I8, i), i);
    v = compute(dusk_linspace(ctx, 0, 1, 0, NULL), "linspace(0, 1, 0)");
    assert_int_equal(dusk_ndarray_shape(v)[0], 0);
    v = compute(dusk_random_normal(ctx, 1, 0, 1, DUSK_SHAPE(0, 3), "(1, 2)"), "normal (0, 3)");
    assert_shape(v, 2, (int64_t[]){0, 3}, "normal (0, 3)");
    v = compute(dusk_random_uniform(ctx, 1, 0, 1, DUSK_SHAPE(4, 0), NULL), "uniform (4, 0)");
    assert_shape(v, 2, (int64_t[]){4, 0}, "uniform (4, 0)");
    int64_t nothing = 0;
    v = compute(dusk_from_buffer(ctx, &nothing, DUSK_DT_I2, DUSK_SHAPE(2, 0, 2), "1"),
                "from_buffer (2, 0, 2)");
    assert_shape(v, 3, (int64_t[]){2, 0, 2}, "from_buffer (2, 0, 2)");
}

/* --- reductions over empty axes and empty blocks ------------------------- */

/* NumPy's result dtype of a reduction (np.add.reduce and friends on
 * Linux, where the default integer is int64). */
static dusk_dtype numpy_reduce_dtype(dusk_reduction op, dusk_dtype t)
{
    switch (op) {
    case DUSK_RED_SUM: case DUSK_RED_PROD:
        return dt_float(t) ? t : dt_unsigned(t) ? DUSK_DT_U8 : DUSK_DT_I8;
    case DUSK_RED_MEAN: case DUSK_RED_VAR: case DUSK_RED_STD:
        return t == DUSK_DT_F4 ? DUSK_DT_F4 : DUSK_DT_F8;
    case DUSK_RED_ANY: case DUSK_RED_ALL:
        return DUSK_DT_BOOL;
    default:
        return t;
    }
}

static const char *const RED_NAME[DUSK_RED_COUNT] = {"sum", "prod", "mean", "std", "var",
                                                     "min", "max", "any", "all"};

/* op over the axes in mask of data (dtype t, shape), into out (one double
 * per element of the keepdims shape), with plain loops. An empty set
 * gives NumPy's value: 0, 1, nan, False, True. */
static void ref_reduce(dusk_reduction op, dusk_dtype t, int ndim, const int64_t *shape,
                       const void *data, uint64_t mask, int ddof, double *out, int64_t nout)
{
    int64_t kshape[DUSK_MAXDIMS], idx[DUSK_MAXDIMS];
    for (int d = 0; d < ndim; d++)
        kshape[d] = (mask >> d) & 1 ? 1 : shape[d];
    int64_t n = count_of_shape(ndim, shape);
    double *cnt = calloc((size_t)nout + 1, sizeof(double));
    double *sum = calloc((size_t)nout + 1, sizeof(double));
    assert_non_null(cnt);
    assert_non_null(sum);
    for (int64_t k = 0; k < nout; k++)
        out[k] = op == DUSK_RED_PROD || op == DUSK_RED_ALL ? 1
                 : op == DUSK_RED_MIN                     ? INFINITY
                 : op == DUSK_RED_MAX                     ? -INFINITY
                                                          : 0;
    for (int pass = 0; pass < 2; pass++)
        for (int64_t i = 0; i < n; i++) {
            unravel(i, ndim, shape, idx);
            for (int d = 0; d < ndim; d++)
                if ((mask >> d) & 1)
                    idx[d] = 0;
            int64_t o = ravel(ndim, kshape, idx);
            double x = dt_float(t) ? ref_getf(data, t, i) : (double)ref_geti(data, t, i);
            if (dt_unsigned(t) && t == DUSK_DT_U8)
                x = (double)(uint64_t)ref_geti(data, t, i);
            if (pass == 1) {
                double dv = x - sum[o] / cnt[o];
                if (op == DUSK_RED_VAR || op == DUSK_RED_STD)
                    out[o] += dv * dv;
                continue;
            }
            cnt[o] += 1;
            sum[o] += x;
            switch (op) {
            case DUSK_RED_SUM: out[o] += x; break;
            case DUSK_RED_PROD: out[o] *= x; break;
            case DUSK_RED_MIN: if (x < out[o]) out[o] = x; break;
            case DUSK_RED_MAX: if (x > out[o]) out[o] = x; break;
            case DUSK_RED_ANY: if (x != 0) out[o] = 1; break;
            case DUSK_RED_ALL: if (x == 0) out[o] = 0; break;
            default: break;
            }
        }
    for (int64_t k = 0; k < nout; k++) {
        if (op == DUSK_RED_MEAN)
            out[k] = sum[k] / cnt[k];  /* 0/0: nan, as np.mean of nothing */
        if (op == DUSK_RED_VAR || op == DUSK_RED_STD) {
            double dof = cnt[k] - ddof > 0 ? cnt[k] - ddof : 0;
            out[k] = cnt[k] ? out[k] / dof : NAN;
            if (op == DUSK_RED_STD)
                out[k] = sqrt(out[k]);
        }
    }
    free(cnt);
    free(sum);
}

typedef struct {
    int ndim;
    int64_t shape[3];
    const char *chunks;
} shape_case;

/* Arrays with an axis of length 0, and arrays with empty blocks inside
 * non-empty axes. */
static const shape_case EMPTY_CASES[] = {
    {1, {0}, NULL},
    {1, {0}, "1"},
    {1, {0}, "((0,),)"},
    {3, {3, 0, 2}, NULL},
    {3, {3, 0, 2}, "1"},
    {3, {3, 0, 2}, "(2, 1, 1)"},
    {3, {3, 0, 2}, "((1, 2), (0,), (1, 1))"},
    {3, {2, 3, 0}, "(1, 2, 5)"},
    {3, {0, 2, 3}, "(1, 1, 2)"},
    {2, {0, 0}, "(1, 1)"},
    {2, {0, 4}, "(3, 1)"},
    {2, {5, 0}, "(1, 1)"},
    {1, {5}, "((3, 0, 2),)"},
    {1, {4}, "((0, 0, 4, 0),)"},
    {2, {2, 5}, "((1, 1), (0, 5, 0))"},
    {2, {3, 4}, "((0, 3, 0), (2, 0, 2))"},
    {3, {2, 3, 2}, "((2, 0), (1, 0, 2), (0, 2))"},
};

/* Every reduction over every set of axes (and None, and negative axes),
 * keepdims or not, for every dtype, with NumPy's results: sum 0, prod 1,
 * mean/var/std nan, any False, all True over nothing; min and max of an
 * empty axis refuse with NumPy's words and the shape. */
static void test_reduce_empty(void **state)
{
    (void)state;
    char what[512];
    int ncases = (int)(sizeof EMPTY_CASES / sizeof *EMPTY_CASES);
    for (int ci = 0; ci < ncases; ci++) {
        const shape_case *c = &EMPTY_CASES[ci];
        dusk_shape s = {c->ndim, {0}};
        memcpy(s.v, c->shape, sizeof c->shape);
        int64_t n = count_of_shape(c->ndim, c->shape);
        char shtext[64];
        snprintf(shtext, sizeof shtext, c->ndim == 1 ? "(%" PRId64 ",)" : c->ndim == 2
                 ? "(%" PRId64 ", %" PRId64 ")" : "(%" PRId64 ", %" PRId64 ", %" PRId64 ")",
                 c->shape[0], c->shape[1], c->shape[2]);
        for (int ti = 0; ti < NDT; ti++) {
            dusk_dtype t = ALL_DT[ti];
            void *data = make_data(t, n, (uint64_t)(ci * 31 + ti), DATA_SMALLPOS);
            dusk_array *x = dusk_from_buffer(ctx, data, t, s, c->chunks);
            assert_int_equal(dusk_array_status(x, NULL), 0);
            /* every subset of the axes, then None, then the last axis as -1 */
            int nmask = (1 << c->ndim) + 2;
            for (int mi = 0; mi < nmask; mi++) {
                uint64_t mask = mi < (1 << c->ndim) ? (uint64_t)mi
                                : mi == (1 << c->ndim) ? DUSK_ALL_AXES : DUSK_AXIS(-1);
                uint64_t m = mask == DUSK_ALL_AXES ? ((uint64_t)1 << c->ndim) - 1
                             : mask == DUSK_AXIS(-1) ? (uint64_t)1 << (c->ndim - 1) : mask;
                int empty_axis = 0;
                for (int d = 0; d < c->ndim; d++)
                    if ((m >> d) & 1 && c->shape[d] == 0)
                        empty_axis = 1;
                for (int op = 0; op < DUSK_RED_COUNT; op++)
                    for (int keep = 0; keep < 2; keep++) {
                        int split_every = keep ? 2 : 0, ddof = keep;
                        snprintf(what, sizeof what, "%s(ones(%s, chunks=%s, dtype=%s), axis mask "
                                 "0x%" PRIx64 ", keepdims=%d)", RED_NAME[op], shtext,
                                 c->chunks ? c->chunks : "auto", dusk_dtype_code(t), mask, keep);
                        dusk_array *r = dusk_array_reduce((dusk_reduction)op, x, mask, keep,
                                                          split_every, ddof);
                        if ((op == DUSK_RED_MIN || op == DUSK_RED_MAX) && empty_axis) {
                            dusk_error err = DUSK_ERROR_INIT;
                            if (dusk_array_status(r, &err) != DUSK_EINVAL)
                                fail_msg("%s: want an error", what);
                            assert_contains(err.msg, "zero-size array");
                            assert_contains(err.msg, shtext);
                            assert_contains(err.msg, RED_NAME[op]);
                            continue;
                        }
                        int64_t kshape[3], oshape[3];
                        int ondim = 0;
                        for (int d = 0; d < c->ndim; d++) {
                            kshape[d] = (m >> d) & 1 ? 1 : c->shape[d];
                            if (keep || !((m >> d) & 1))
                                oshape[ondim++] = kshape[d];
                        }
                        int64_t nout = count_of_shape(c->ndim, kshape);
                        dusk_options o = opts_of(ci % 2 ? DUSK_SCHED_THREADS : DUSK_SCHED_SYNC,
                                                 2);
                        dusk_value *v = compute_with(r, &o, what);
                        dusk_dtype want_t = numpy_reduce_dtype((dusk_reduction)op, t);
                        if (dusk_ndarray_dtype(v) != want_t || dusk_array_dtype(r) != want_t)
                            fail_msg("%s: dtype %s, want %s", what,
                                     dusk_dtype_code(dusk_ndarray_dtype(v)),
                                     dusk_dtype_code(want_t));
                        assert_shape(v, ondim, oshape, what);
                        double *want = calloc((size_t)nout + 1, sizeof(double));
                        assert_non_null(want);
                        ref_reduce((dusk_reduction)op, t, c->ndim, c->shape, data, m, ddof, want,
                                   nout);
                        for (int64_t k = 0; k < nout; k++) {
                            double got = dt_float(want_t)
                                             ? ref_getf(dusk_ndarray_data(v), want_t, k)
                                             : want_t == DUSK_DT_U8
                                                   ? (double)(uint64_t)ref_geti(
                                                         dusk_ndarray_data(v), want_t, k)
                                                   : (double)ref_geti(dusk_ndarray_data(v),
                                                                      want_t, k);
                            if (!close_enough(got, want[k], 1e-6, 1e-6))
                                fail_msg("%s: element %" PRId64 " is %.17g, want %.17g", what,
                                         k, got, want[k]);
                        }
                        free(want);
                        release(v);
                    }
            }
            free(data);
        }
    }
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_fill_empty),
        T(test_reduce_empty),
    };
    return cmocka_run_group_tests_name("limits", tests, scratch_setup, scratch_teardown);
}
