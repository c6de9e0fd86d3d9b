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

#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dusk.h"
#include "dusk/array.h"
#include "helpers.h"

/* the reductions but their nan- forms (tested in test_nanreduce.c) */
#define NPLAIN_RED (DUSK_RED_ALL + 1)

static dusk_array_ctx *ctx;
static int setup(void **state)
{
    (void)state;
    return array_ctx_setup(&ctx);
}

static int teardown(void **state)
{
    (void)state;
    return array_ctx_teardown(&ctx);
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

static const char *const RED_NAME[NPLAIN_RED] = {"sum", "prod", "mean", "std", "var",
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
                for (int op = 0; op < NPLAIN_RED; op++)
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
                        /* threads for one dtype in four: the partials
                         * travel between workers there, and a pool per
                         * compute costs more than the reduction */
                        dusk_options o = opts_of(ti % 4 == 1 ? DUSK_SCHED_THREADS
                                                             : DUSK_SCHED_SYNC, 2);
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

/* --- chunk specs ----------------------------------------------------------- */

/* a is in error code, and its message has each of the fragments. */
static void assert_error_with(dusk_array *a, int code, const char *what, const char *f1,
                              const char *f2)
{
    dusk_error err = DUSK_ERROR_INIT;
    int rc = dusk_array_status(a, &err);
    if (rc != code)
        fail_msg("%s: status %s (%s), want %s", what, dusk_err_name(rc), err.msg,
                 dusk_err_name(code));
    if (f1 && !contains(err.msg, f1))
        fail_msg("%s: \"%s\" does not name %s", what, err.msg, f1);
    if (f2 && !contains(err.msg, f2))
        fail_msg("%s: \"%s\" does not name %s", what, err.msg, f2);
}

/* Specs of the wrong rank, with zeros, negatives other than -1, empty
 * tuples, numbers out of range, sums that overflow, and garbage: each
 * refused with the spec and the shape in the message (the empty tuple
 * divided by zero), by every function that takes chunks. */
static void test_chunks_refused(void **state)
{
    (void)state;
    static const struct { const char *spec, *why; } bad[] = {
        {"()", "0 dimensions"},
        {"(  )", "0 dimensions"},
        {"(4,)", "1 dimension "},
        {"(4, 4, 4)", "3 dimensions"},
        {"((2, 2),)", "1 dimension "},
        {"0", "block size of 0"},
        {"(0, 2)", "block size of 0"},
        {"(2, 0)", "block size of 0"},
        {"-2", "-2"},
        {"(2, -3)", "-3"},
        {"(-1, -5)", "-5"},
        {"((2, 2), ())", "empty tuple"},
        {"((), (4,))", "empty tuple"},
        {"((2, -2, 4), (4,))", "negative block size -2"},
        {"99999999999999999999", "out of range"},
        {"(2, 99999999999999999999)", "out of range"},
        {"((9223372036854775807, 9223372036854775807, 2), (4,))", "sums to more than"},
        {"((9223372036854775807, 1), (4,))", "sums to more than"},
        {"((2, 1), (4,))", "sums to 3"},
        {"abc", "column 1"},
        {"", "column 1"},
        {"   ", "column 4"},
        {"(2, 2) x", "after the end"},
        {"(2, 2))", "after the end"},
        {"((2, 2), (4,)", "column"},
        {"(2; 2)", "column 3"},
        {"(2 2)", "column 4"},
        {"(auto, 'auto'", "column"},
        {"(None, 1e3)", "column"},
        {"auto,", "after the end"},
        {"(((2,),), 4)", "column"},
    };
    static const dusk_shape shapes[] = {DUSK_SHAPE(4, 4), DUSK_SHAPE(0, 4)};
    const char *shape_text[] = {"(4, 4)", "(0, 4)"};
    char quoted[128], what[256];
    double buf[16] = {0};
    for (size_t si = 0; si < 2; si++) {
        dusk_array *x = dusk_ones(ctx, shapes[si], "2", DUSK_DT_F8);
        assert_int_equal(dusk_array_status(x, NULL), 0);
        for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
            if (si == 1 && strstr(bad[i].why, "sums to"))
                continue;  /* axis 0 has another length there */
            snprintf(quoted, sizeof quoted, "\"%s\"", bad[i].spec);
            snprintf(what, sizeof what, "chunks %s for shape %s", quoted, shape_text[si]);
            dusk_array *made[] = {
                dusk_ones(ctx, shapes[si], bad[i].spec, DUSK_DT_F8),
                dusk_full(ctx, shapes[si], bad[i].spec, DUSK_DT_I4, 3),
                dusk_random_normal(ctx, 1, 0, 1, shapes[si], bad[i].spec),
                dusk_from_buffer(ctx, buf, DUSK_DT_F8, shapes[si], bad[i].spec),
                dusk_array_rechunk(x, bad[i].spec),
            };
            for (size_t k = 0; k < sizeof made / sizeof *made; k++) {
                assert_error_with(made[k], DUSK_EINVAL, what, quoted, bad[i].why);
                if (k < 4)  /* rechunk's own messages may word the shape otherwise */
                    assert_error_with(made[k], DUSK_EINVAL, what, shape_text[si], NULL);
            }
        }
    }
    /* 1-d: "()" and friends, and arange / linspace */
    assert_error_with(dusk_arange(ctx, 0, 10, 1, "()"), DUSK_EINVAL, "arange", "\"()\"", "(10,)");
    assert_error_with(dusk_linspace(ctx, 0, 1, 7, "0"), DUSK_EINVAL, "linspace", "\"0\"", "(7,)");
    assert_error_with(dusk_ones(ctx, DUSK_SHAPE(0), "()", DUSK_DT_F8), DUSK_EINVAL, "ones (0,)",
                      "\"()\"", "(0,)");
    /* what stays valid: "()" for a 0-d array (Dask's chunks=()), -1 and
     * None, sizes larger than the axis, explicit zeros within an axis */
    dusk_value *v = compute(dusk_full(ctx, DUSK_SHAPE0, "()", DUSK_DT_I2, 3), "0-d, chunks ()");
    assert_int_equal(dusk_ndarray_ndim(v), 0);
    assert_int_equal(ref_geti(dusk_ndarray_data(v), DUSK_DT_I2, 0), 3);
    static const char *const good[] = {"(-1, None)", "(100, 9223372036854775807)",
                                       "((0, 4, 0), (1, 3))", "  ( 'auto' , -1 )  "};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        snprintf(what, sizeof what, "chunks \"%s\"", good[i]);
        v = compute(dusk_array_sum(dusk_ones(ctx, DUSK_SHAPE(4, 4), good[i], DUSK_DT_I8),
                                   DUSK_ALL_AXES, false), what);
        assert_int_equal(ref_geti(dusk_ndarray_data(v), DUSK_DT_I8, 0), 16);
    }
}

/* dusk-demo --chunks "()" (and others) stops with the message, not a
 * signal, without writing an output. */
static void test_demo_refuses_chunks(void **state)
{
    (void)state;
    char demo[4200], cmd[8192];
    if (build_path(demo, sizeof demo, "dusk-demo") != 0)
        skip();
    if (access(demo, X_OK) != 0) {
        print_message("test_demo_refuses_chunks: skipped: %s not built\n", demo);
        skip();
    }
    char input[512], output[512], dir[512];
    snprintf(input, sizeof input, "%s", scratch("in.hdf5"));
    snprintf(output, sizeof output, "%s", scratch("out.hdf5"));
    snprintf(dir, sizeof dir, "%s", scratch("demo"));
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_array_store(dusk_ones(ctx, DUSK_SHAPE(4, 6), NULL, DUSK_DT_F8), input,
                                      "/x", NULL, NULL, &err), 0);
    static const char *const specs[] = {"()", "(0, 5)", "(2, -3)", "(2, 2, 2)", "garbage"};
    for (size_t i = 0; i < sizeof specs / sizeof *specs; i++) {
        snprintf(cmd, sizeof cmd, "'%s' --array-only --dir '%s' --input '%s' --dataset /x "
                 "--output '%s' --chunks '%s' 2>&1", demo, dir, input, output, specs[i]);
        int status;
        char *out = run_command(cmd, &status);
        assert_non_null(out);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 1)
            fail_msg("dusk-demo --chunks '%s': status %d, want exit 1:\n%s", specs[i], status,
                     out);
        char quoted[64];
        snprintf(quoted, sizeof quoted, "\"%s\"", specs[i]);
        if (!contains(out, quoted) || !contains(out, "(4, 6)"))
            fail_msg("dusk-demo --chunks '%s' does not name the spec and the shape:\n%s",
                     specs[i], out);
        free(out);
        assert_false(file_exists(output));
    }
}

/* --- sizes that overflow ----------------------------------------------------------- */

#define P62 ((int64_t)1 << 62)
#define P61 ((int64_t)1 << 61)

/* Shapes whose byte size or block count does not fit, and explicit
 * chunks that sum past INT64_MAX: refused when made, naming the shape,
 * instead of wrapping to small or negative sizes. */
static void test_sizes_refused(void **state)
{
    (void)state;
    /* element count and byte size */
    assert_error_with(dusk_ones(ctx, DUSK_SHAPE(INT64_MAX, INT64_MAX), "(-1, -1)", DUSK_DT_F8),
                      DUSK_EINVAL, "ones (max, max)", "(9223372036854775807, 9223372036854775807)",
                      "too large");
    assert_error_with(dusk_ones(ctx, DUSK_SHAPE(P62, 4), "(1, 1)", DUSK_DT_F8), DUSK_EINVAL,
                      "ones (2**62, 4)", "(4611686018427387904, 4)", "too large");
    assert_error_with(dusk_ones(ctx, DUSK_SHAPE(P62, 4), "(1, 1)", DUSK_DT_BOOL), DUSK_EINVAL,
                      "ones (2**62, 4) bool", "(4611686018427387904, 4)", "too large");
    assert_error_with(dusk_zeros(ctx, DUSK_SHAPE(P62), NULL, DUSK_DT_I2), DUSK_EINVAL,
                      "zeros (2**62,) int16", "(4611686018427387904,)", "int16");
    /* an axis of length 0 does not excuse the others (NumPy: "array is too big") */
    assert_error_with(dusk_ones(ctx, DUSK_SHAPE(INT64_MAX, 0, 4), NULL, DUSK_DT_U1), DUSK_EINVAL,
                      "ones (max, 0, 4)", "(9223372036854775807, 0, 4)", "too large");
    assert_error_with(dusk_random_normal(ctx, 1, 0, 1, DUSK_SHAPE(P61, 4), "-1"), DUSK_EINVAL,
                      "normal", "(2305843009213693952, 4)", "too large");
    assert_error_with(dusk_from_buffer(ctx, "x", DUSK_DT_F4, DUSK_SHAPE(P62, 2), NULL),
                      DUSK_EINVAL, "from_buffer", "(4611686018427387904, 2)", "too large");
    assert_error_with(dusk_arange(ctx, 0, 1e19, 1, NULL), DUSK_EINVAL, "arange(1e19)",
                      "arange", "more than can be counted");
    assert_error_with(dusk_arange(ctx, -1e308, 1e308, 1e-300, NULL), DUSK_EINVAL,
                      "arange(-1e308, 1e308)", "arange", "more than can be counted");
    assert_error_with(dusk_linspace(ctx, 0, 1, P62, NULL), DUSK_EINVAL, "linspace(2**62)",
                      "(4611686018427387904,)", "too large");
    /* block lists that cannot be listed: 2**61 blocks of one bool */
    assert_error_with(dusk_ones(ctx, DUSK_SHAPE(P61), "1", DUSK_DT_BOOL), DUSK_EINVAL,
                      "ones (2**61,) in blocks of 1", "(2305843009213693952,)", "\"1\"");
    /* explicit sizes that wrap to the axis's length */
    assert_error_with(dusk_ones(ctx, DUSK_SHAPE(0, 4),
                                "((9223372036854775807, 9223372036854775807, 2), (4,))",
                                DUSK_DT_F8),
                      DUSK_EINVAL, "explicit sizes summing to 2**64", "(0, 4)", "sums to more");
    /* the largest array that can be: INT64_MAX bytes, described but not run */
    dusk_array *big = dusk_ones(ctx, DUSK_SHAPE(INT64_MAX), "-1", DUSK_DT_BOOL);
    assert_int_equal(dusk_array_status(big, NULL), 0);
    assert_int_equal(dusk_array_nchunks(big), 1);
    assert_error_with(dusk_array_astype(big, DUSK_DT_I2), DUSK_EINVAL, "astype of the largest",
                      "(9223372036854775807,)", "too large");
}

/* Operations whose results outgrow their inputs: broadcasting, casts,
 * joins and products, each refused with the result's shape; slices of the
 * largest array keep Python's lengths. */
static void test_results_refused(void **state)
{
    (void)state;
    dusk_array *col = dusk_ones(ctx, DUSK_SHAPE(P61 / 4, 1), "(-1, -1)", DUSK_DT_BOOL);
    dusk_array *row = dusk_ones(ctx, DUSK_SHAPE(1, 1024), "(-1, -1)", DUSK_DT_BOOL);
    assert_int_equal(dusk_array_status(col, NULL), 0);
    assert_error_with(dusk_array_add(col, row), DUSK_EINVAL, "broadcast",
                      "(576460752303423488, 1024)", "too large");
    dusk_array *x = dusk_ones(ctx, DUSK_SHAPE(P61), "-1", DUSK_DT_I2);
    assert_int_equal(dusk_array_status(x, NULL), 0);
    dusk_array *two[2] = {x, x};
    assert_error_with(dusk_concatenate(two, 2, 0), DUSK_EINVAL, "concatenate",
                      "(4611686018427387904,)", "too large");
    assert_error_with(dusk_stack(two, 2, 0), DUSK_EINVAL, "stack", "(2, 2305843009213693952)",
                      "too large");
    assert_error_with(dusk_array_astype(x, DUSK_DT_F8), DUSK_EINVAL, "astype",
                      "(2305843009213693952,)", "too large");
    dusk_array *m = dusk_ones(ctx, DUSK_SHAPE(INT64_MAX), "-1", DUSK_DT_BOOL);
    dusk_array *mm[3] = {m, m, m};
    assert_error_with(dusk_concatenate(mm, 3, 0), DUSK_EINVAL, "concatenate past INT64_MAX",
                      "(9223372036854775807,)", "longer than");
    dusk_array *a = dusk_ones(ctx, DUSK_SHAPE(1 << 30, 2), "(-1, -1)", DUSK_DT_F8);
    dusk_array *b = dusk_ones(ctx, DUSK_SHAPE(2, (int64_t)1 << 34), "(-1, -1)", DUSK_DT_F8);
    /* refused at its 'tensordot' layer, which keeps the summed axis */
    assert_error_with(dusk_tensordot(a, b, (int[]){1}, (int[]){0}, 1), DUSK_EINVAL, "tensordot",
                      "tensordot: shape (1073741824, 1, 17179869184)", "too large");
    /* slices of an axis of INT64_MAX: Python's len(range(...)) */
    static const struct { const char *index; int64_t len; } sl[] = {
        {"::-1", INT64_MAX},
        {"::2", P62},
        {"::-2", P62},
        {"-3:", 3},
        {"5:1:-1", 4},
        {"::9223372036854775807", 1},
        {"::-9223372036854775807", 1},
        {"9223372036854775806:", 1},
        {"-9223372036854775807:-9223372036854775805", 2},
    };
    for (size_t i = 0; i < sizeof sl / sizeof *sl; i++) {
        dusk_array *r = dusk_array_slice(m, sl[i].index);
        dusk_error err = DUSK_ERROR_INIT;
        if (dusk_array_status(r, &err))
            fail_msg("x[%s]: %s", sl[i].index, err.msg);
        if (dusk_array_shape(r)[0] != sl[i].len)
            fail_msg("x[%s] has length %" PRId64 ", want %" PRId64, sl[i].index,
                     dusk_array_shape(r)[0], sl[i].len);
    }
    /* a list too long to copy is refused before any item is read */
    int64_t first = 0;
    dusk_index ix[1] = {DUSK_LIST(&first, INT64_MAX / 4)};
    assert_error_with(dusk_array_getitem(m, ix, 1), DUSK_EINVAL, "a list of 2**61 items",
                      "(9223372036854775807,)", "more than can be stored");
    /* integers near the ends of int64 in arange: index * step overflows,
     * the values do not */
    dusk_value *v = compute(dusk_arange(ctx, -9e18, 9e18, 6e18, "1"), "arange(-9e18, 9e18, 6e18)");
    assert_int_equal(dusk_ndarray_dtype(v), DUSK_DT_I8);
    assert_int_equal(dusk_ndarray_shape(v)[0], 3);
    const int64_t want[3] = {-9000000000000000000, -3000000000000000000, 3000000000000000000};
    for (int i = 0; i < 3; i++)
        assert_int_equal(ref_geti(dusk_ndarray_data(v), DUSK_DT_I8, i), want[i]);
}

/* A small result of a graph too big to build is refused at once for its
 * tasks: ones((10**9, 10**9)).sum() built its 1.4 * 10**11 tasks for
 * minutes, past 16 GB, before running out of memory. */
static void test_graph_too_big(void **state)
{
    (void)state;
    dusk_array *s = dusk_array_sum(dusk_ones(ctx, DUSK_SHAPE(1000000000, 1000000000), "auto",
                                             DUSK_DT_F8),
                                   DUSK_ALL_AXES, false);
    assert_int_equal(dusk_array_status(s, NULL), 0);
    dusk_value *v = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(dusk_array_compute(s, NULL, &v, &err), DUSK_ENOMEM);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_null(v);
    assert_non_null(strstr(err.msg, "its graph of 139078189069 tasks"));
    /* refused before building anything: well under a second, even loaded */
    assert_true((double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9 < 5);
    dusk_error_clear(&err);
    const char *out = scratch("graph-too-big.hdf5");
    assert_int_equal(dusk_array_store_hdf5(dusk_ones(ctx, DUSK_SHAPE(1000000000, 1000000000),
                                                     "auto", DUSK_DT_BOOL),
                                           out, "/x", NULL, NULL, NULL, &err),
                     DUSK_ENOMEM);
    assert_non_null(strstr(err.msg, "tasks"));
    assert_int_equal(access(out, F_OK), -1);
    /* a graph that fits still computes */
    dusk_value *ok = compute(dusk_array_sum(dusk_ones(ctx, DUSK_SHAPE(100, 100), "(10, 10)",
                                                      DUSK_DT_F8), DUSK_ALL_AXES, false),
                             "ones((100, 100)).sum()");
    assert_non_null(ok);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_fill_empty),
        T(test_reduce_empty),
        T(test_chunks_refused),
        T(test_demo_refuses_chunks),
        T(test_sizes_refused),
        T(test_results_refused),
        T(test_graph_too_big),
    };
    return cmocka_run_group_tests_name("limits", tests, scratch_setup, scratch_teardown);
}
