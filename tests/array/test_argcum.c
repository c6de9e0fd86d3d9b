/*
** dusk tests — argmax/argmin (and their nan- forms), cumsum/cumprod and
** where, checked against NumPy and Dask
**
** The data is written raw to the scratch directory and NumPy (Debian's
** /usr/bin/python3) computes the expected side; Dask builds the same
** expressions, and its layers (key_split of their names) and task counts
** must be dusk's. Chunkings include uneven ones and blocks of one element.
*/
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dusk.h"
#include "dusk/array.h"
#include "helpers.h"

/* "ntasks;op=n,op=n" over the layers of a, ops sorted by name: what the
 * Python side prints for Dask's graph of the same expression. */
static void signature(const dusk_array *a, char *buf, size_t n)
{
    layer_signature(a, buf, n);
}

/* The Python that prints the same signature for a Dask array e. */
#define PY_SIGNATURE                                                                 \
    "def sig(e):\n"                                                                  \
    "    g = e.__dask_graph__()\n"                                                   \
    "    c = {}\n"                                                                   \
    "    for name, layer in g.layers.items():\n"                                     \
    "        c[key_split(name)] = c.get(key_split(name), 0) + len(layer)\n"          \
    "    return '%d;' % len(g) + ','.join('%s=%d' % (k, c[k]) for k in sorted(c))\n"

static void assert_built(const dusk_array *a, const char *what)
{
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_array_status(a, &err))
        fail_msg("%s: building failed: %s", what, err.msg);
}

/* The next line of text at *p (NUL-ended in place), advancing *p. */
static char *next_line(char **p)
{
    char *s = *p;
    if (!*s)
        fail_msg("NumPy's output ended early");
    char *e = strchr(s, '\n');
    if (e) {
        *e = 0;
        *p = e + 1;
    } else {
        *p = s + strlen(s);
    }
    return s;
}

/* Data of dtype t, shape 7 x 10 (70 elements) from seed: values from a
 * small set, so that ties are many, and for floats NaNs where nans (one
 * in 9, never in row 3, so that some slices have none; all of row 5 when
 * nans is 2, an all-NaN slice). */
#define ROWS 7
#define COLS 10
#define NEL (ROWS * COLS)
static void *make(dusk_dtype t, uint64_t seed, int nans)
{
    char *p = calloc(NEL, 8);
    assert_non_null(p);
    for (int64_t i = 0; i < NEL; i++) {
        uint64_t r = au_rng(&seed);
        int v = (int)(r % 7) - 3;
        if (t == DUSK_DT_BOOL)
            ref_seti(p, t, i, r % 3 == 0);
        else if (dt_unsigned(t))
            ref_seti(p, t, i, v + 3 + (r % 11 == 0 ? 200 : 0));
        else if (dt_float(t))
            ref_setf(p, t, i, nans && ((r >> 20) % 9 == 0 && i / COLS != 3) ? NAN
                              : v * 0.5 + (r % 13 == 0 ? 1e9 : 0));
        else
            ref_seti(p, t, i, v);
        if (nans == 2 && i / COLS == 5 && dt_float(t))
            ref_setf(p, t, i, NAN);
    }
    return p;
}

static const char *const CHUNKINGS[] = {"(3, 4)", "((1, 1, 5), (1, 2, 3, 4))", "1", "(7, 10)",
                                        "(2, 3)"};
#define NCHUNKINGS (sizeof CHUNKINGS / sizeof *CHUNKINGS)

/* --- argmax and argmin ----------------------------------------------------------- */

static const dusk_dtype ARG_DT[] = {DUSK_DT_F8, DUSK_DT_F4, DUSK_DT_F2, DUSK_DT_I4,
                                    DUSK_DT_I8, DUSK_DT_U1, DUSK_DT_U8, DUSK_DT_BOOL};
static const char *const ARG_NAMES[DUSK_ARG_COUNT] = {"argmax", "argmin", "nanargmax",
                                                      "nanargmin"};
/* axis 0, 1, -1 and None (the flattened array) */
static const int ARG_AXES[] = {0, 1, -1, DUSK_AXIS_NONE};
static const char *const ARG_PYAXES[] = {"0", "1", "-1", "None"};
#define NARGAXES 4

/* Every dtype, with and without NaNs, every chunking, axis, kind and a
 * few split_every: the indices are NumPy's (first occurrence, first NaN
 * for argmax/argmin, NaNs skipped by the nan- forms). */
static void test_argreduce_matches_numpy(void **state)
{
    dusk_array_ctx *ctx = *state;
    for (size_t ti = 0; ti < sizeof ARG_DT / sizeof *ARG_DT; ti++) {
        dusk_dtype t = ARG_DT[ti];
        for (int nans = 0; nans < (dt_float(t) ? 2 : 1); nans++) {
            void *data = make(t, 1000 + ti * 10 + (uint64_t)nans, nans);
            FILE *f = fopen(scratch("x.raw"), "wb");
            assert_non_null(f);
            assert_int_equal(fwrite(data, dt_size(t), NEL, f), NEL);
            fclose(f);
            char prog[2048];
            snprintf(prog, sizeof prog,
                     "x = np.fromfile('x.raw', '%s').reshape(%d, %d)\n"
                     "for f in (np.argmax, np.argmin, np.nanargmax, np.nanargmin):\n"
                     "    for ax in (0, 1, -1, None):\n"
                     "        try:\n"
                     "            print(' '.join(str(v) for v in np.ravel(f(x, axis=ax))))\n"
                     "        except ValueError as e:\n"
                     "            print('error', e)\n",
                     t == DUSK_DT_BOOL ? "?" : dusk_dtype_code(t), ROWS, COLS);
            char *out = py_dask(prog), *at = out;
            for (int op = 0; op < DUSK_ARG_COUNT; op++)
                for (int ax = 0; ax < NARGAXES; ax++) {
                    const char *want = next_line(&at);
                    for (size_t c = 0; c < NCHUNKINGS; c++) {
                        int split = (int)(c % 3) * 2;   /* 0 (Dask's 4), 2, 4 */
                        dusk_array *x = dusk_from_buffer(ctx, data, t, DUSK_SHAPE(ROWS, COLS),
                                                         CHUNKINGS[c]);
                        dusk_array *r = dusk_array_argreduce((dusk_argreduction)op, x,
                                                             ARG_AXES[ax], false, split);
                        char what[160];
                        snprintf(what, sizeof what, "%s(%s x, axis=%s) chunks %s nans %d",
                                 ARG_NAMES[op], dusk_dtype_code(t), ARG_PYAXES[ax],
                                 CHUNKINGS[c], nans);
                        assert_built(r, what);
                        assert_int_equal(dusk_array_dtype(r), DUSK_DT_I8);
                        if (strncmp(want, "error", 5) == 0) {
                            /* an all-NaN slice: the run fails, as NumPy raises */
                            dusk_value *v = NULL;
                            dusk_error err = DUSK_ERROR_INIT;
                            int rc = dusk_array_compute(r, NULL, &v, &err);
                            if (rc == 0)
                                fail_msg("%s: computed, NumPy says %s", what, want);
                            assert_contains(err.msg, "All-NaN slice encountered");
                            continue;
                        }
                        dusk_value *v = compute_with(r, NULL, what);
                        const int64_t *got = dusk_ndarray_data(v);
                        char buf[1024];
                        size_t l = 0;
                        buf[0] = 0;
                        for (int64_t k = 0; k < dusk_ndarray_size(v); k++)
                            l += (size_t)snprintf(buf + l, sizeof buf - l, "%s%" PRId64,
                                                  k ? " " : "", got[k]);
                        if (strcmp(buf, want) != 0)
                            fail_msg("%s: got %s, NumPy %s", what, buf, want);
                        release(v);
                    }
                }
            free(out);
            free(data);
        }
    }
}

/* keepdims keeps the axis with length 1; a 0-d array's argmax is 0; the
 * flattened index of a 3-d array crosses blocks of every axis. */
static void test_argreduce_shapes(void **state)
{
    dusk_array_ctx *ctx = *state;
    dusk_array *x = dusk_arange(ctx, 0, 60, 1, "7");
    dusk_array *r = dusk_array_argreduce(DUSK_ARG_MAX, x, DUSK_AXIS_NONE, true, 0);
    assert_built(r, "keepdims");
    assert_int_equal(dusk_array_ndim(r), 1);
    assert_int_equal(dusk_array_shape(r)[0], 1);
    dusk_value *v = compute_with(r, NULL, "argmax keepdims");
    assert_int_equal(((int64_t *)dusk_ndarray_data(v))[0], 59);
    release(v);
    /* 0-d */
    double one = 1;
    dusk_array *s = dusk_from_buffer(ctx, &one, DUSK_DT_F8, DUSK_SHAPE0, "()");
    v = compute_with(dusk_array_argmin(s, DUSK_AXIS_NONE), NULL, "argmin 0-d");
    assert_int_equal(dusk_ndarray_ndim(v), 0);
    assert_int_equal(((int64_t *)dusk_ndarray_data(v))[0], 0);
    release(v);
    /* 3-d, the maximum and minimum placed by hand */
    double d[4 * 5 * 6];
    for (int i = 0; i < 120; i++)
        d[i] = (i * 37) % 11;
    d[2 * 30 + 3 * 6 + 4] = 100;   /* (2, 3, 4): flat 82 */
    d[1 * 30 + 4 * 6 + 5] = -1;    /* (1, 4, 5): flat 59 */
    dusk_array *c = dusk_from_buffer(ctx, d, DUSK_DT_F8, DUSK_SHAPE(4, 5, 6), "(3, 2, 4)");
    v = compute_with(dusk_array_argmax(c, DUSK_AXIS_NONE), NULL, "argmax 3-d");
    assert_int_equal(((int64_t *)dusk_ndarray_data(v))[0], 82);
    release(v);
    v = compute_with(dusk_array_argmin(c, DUSK_AXIS_NONE), NULL, "argmin 3-d");
    assert_int_equal(((int64_t *)dusk_ndarray_data(v))[0], 59);
    release(v);
    r = dusk_array_argreduce(DUSK_ARG_MAX, c, 1, true, 0);
    assert_int_equal(dusk_array_ndim(r), 3);
    assert_int_equal(dusk_array_shape(r)[1], 1);
    v = compute_with(r, NULL, "argmax 3-d axis 1 keepdims");
    assert_int_equal(((int64_t *)dusk_ndarray_data(v))[2 * 6 + 4], 3);
    release(v);
}

/* r, computed, holds want[0 .. n-1] (r is int64 or float64). */
static void assert_values(dusk_array *r, const double *want, int64_t n, const char *what)
{
    dusk_value *v = compute_with(r, NULL, what);
    if (dusk_ndarray_size(v) != n)
        fail_msg("%s: %" PRId64 " elements, want %" PRId64, what, dusk_ndarray_size(v), n);
    for (int64_t k = 0; k < n; k++) {
        double got = dusk_ndarray_dtype(v) == DUSK_DT_I8
                         ? (double)((const int64_t *)dusk_ndarray_data(v))[k]
                         : ((const double *)dusk_ndarray_data(v))[k];
        if (got != want[k])
            fail_msg("%s: element %" PRId64 " is %g, want %g", what, k, got, want[k]);
    }
    release(v);
}

/* One axis is an int as NumPy's, not a mask: axis 1 and -1 of a 2-d
 * array are its rows, 1 and -1 of a 3-d array differ, and DUSK_AXIS_NONE
 * flattens. The answers are worked out by hand. */
static void test_one_axis_is_numpys(void **state)
{
    dusk_array_ctx *ctx = *state;
    /* m = [[1, 5, 2],
     *      [7, 0, 3]], blocks crossing both axes */
    static const double md[6] = {1, 5, 2, 7, 0, 3};
    dusk_array *m = dusk_from_buffer(ctx, md, DUSK_DT_F8, DUSK_SHAPE(2, 3), "(1, 2)");
    static const double rows_sum[6] = {1, 6, 8, 7, 7, 10}, cols_sum[6] = {1, 5, 2, 8, 5, 5};
    assert_values(dusk_array_cumsum(m, 1), rows_sum, 6, "cumsum(m, axis=1)");
    assert_values(dusk_array_cumsum(m, -1), rows_sum, 6, "cumsum(m, axis=-1)");
    assert_values(dusk_array_cumsum(m, 0), cols_sum, 6, "cumsum(m, axis=0)");
    assert_values(dusk_array_cumsum(m, -2), cols_sum, 6, "cumsum(m, axis=-2)");
    static const double rows_prod[6] = {1, 5, 10, 7, 0, 0};
    assert_values(dusk_array_cumprod(m, 1), rows_prod, 6, "cumprod(m, axis=1)");
    static const double flat_sum[6] = {1, 6, 8, 15, 15, 18};
    dusk_array *f = dusk_array_cumsum(m, DUSK_AXIS_NONE);
    assert_int_equal(dusk_array_ndim(f), 1);
    assert_values(f, flat_sum, 6, "cumsum(m, axis=None)");
    static const double rows_max[2] = {1, 0}, rows_min[2] = {0, 1}, cols_min[3] = {0, 1, 0};
    assert_values(dusk_array_argmax(m, 1), rows_max, 2, "argmax(m, axis=1)");
    assert_values(dusk_array_argmax(m, -1), rows_max, 2, "argmax(m, axis=-1)");
    assert_values(dusk_array_argmin(m, 1), rows_min, 2, "argmin(m, axis=1)");
    assert_values(dusk_array_argmin(m, -2), cols_min, 3, "argmin(m, axis=-2)");
    assert_values(dusk_array_argreduce(DUSK_ARG_NANMAX, m, -1, true, 0), rows_max, 2,
                  "nanargmax(m, axis=-1, keepdims=True)");
    static const double flat_max[1] = {3}, flat_min[1] = {4};
    dusk_array *am = dusk_array_argmax(m, DUSK_AXIS_NONE);
    assert_int_equal(dusk_array_ndim(am), 0);
    assert_values(am, flat_max, 1, "argmax(m, axis=None)");
    assert_values(dusk_array_argmin(m, DUSK_AXIS_NONE), flat_min, 1, "argmin(m, axis=None)");
    /* t = arange(8).reshape(2, 2, 2): axis 1 and axis -1 (2) differ */
    dusk_array *t = dusk_array_reshape(dusk_arange(ctx, 0, 8, 1, "3"), DUSK_SHAPE(2, 2, 2),
                                       true);
    static const double t1[8] = {0, 1, 2, 4, 4, 5, 10, 12}, t2[8] = {0, 1, 2, 5, 4, 9, 6, 13},
                        t0[8] = {0, 1, 2, 3, 4, 6, 8, 10};
    assert_values(dusk_array_astype(dusk_array_cumsum(t, 1), DUSK_DT_F8), t1, 8,
                  "cumsum(t, axis=1)");
    assert_values(dusk_array_astype(dusk_array_cumsum(t, -1), DUSK_DT_F8), t2, 8,
                  "cumsum(t, axis=-1)");
    assert_values(dusk_array_astype(dusk_array_cumsum(t, -3), DUSK_DT_F8), t0, 8,
                  "cumsum(t, axis=-3)");
}

/* Bad input: an empty axis names the shape, complex numbers and axes out
 * of range (NumPy's AxisError, naming the axis and ndim) are refused. */
static void test_argreduce_errors(void **state)
{
    dusk_array_ctx *ctx = *state;
    dusk_array *e = dusk_zeros(ctx, DUSK_SHAPE(0, 3), "2", DUSK_DT_F8);
    assert_array_error(dusk_array_argmax(e, 0), DUSK_EINVAL,
                       "attempt to get argmax of an empty sequence (axis 0 of shape (0, 3)");
    assert_array_error(dusk_array_argmin(e, DUSK_AXIS_NONE), DUSK_EINVAL,
                       "argmin of an empty sequence");
    /* the other axis is not empty: an empty result, as NumPy's */
    dusk_array *r = dusk_array_argmax(e, 1);
    assert_built(r, "argmax of (0, 3) along 1");
    assert_int_equal(dusk_array_shape(r)[0], 0);
    dusk_value *v = compute_with(r, NULL, "argmax of (0, 3) along 1");
    assert_int_equal(dusk_ndarray_size(v), 0);
    release(v);
    dusk_array *c = dusk_ones(ctx, DUSK_SHAPE(4), "2", DUSK_DT_C16);
    assert_array_error(dusk_array_argmax(c, 0), DUSK_ETYPE, "complex");
    dusk_array *x = dusk_ones(ctx, DUSK_SHAPE(4, 4), "2", DUSK_DT_F8);
    assert_array_error(dusk_array_argmax(x, 2), DUSK_EINVAL,
                       "argmax: axis 2 is out of bounds for array of dimension 2");
    assert_array_error(dusk_array_argreduce(DUSK_ARG_NANMIN, x, -3, false, 0), DUSK_EINVAL,
                       "nanargmin: axis -3 is out of bounds for array of dimension 2");
    /* a mask given by mistake is an int out of range here, never axis 0 */
    assert_array_error(dusk_array_argmin(x, (int)(DUSK_AXIS(0) | DUSK_AXIS(1))), DUSK_EINVAL,
                       "argmin: axis 3 is out of bounds for array of dimension 2");
    assert_array_error(dusk_array_argmax(x, INT_MAX), DUSK_EINVAL, "axis 2147483647 is out");
    /* a 0-d array has no axis 0, only axis=None (test_argreduce_shapes) */
    double one = 1;
    dusk_array *s = dusk_from_buffer(ctx, &one, DUSK_DT_F8, DUSK_SHAPE0, "()");
    assert_array_error(dusk_array_argmax(s, 0), DUSK_EINVAL,
                       "argmax: axis 0 is out of bounds for array of dimension 0");
    assert_array_error(dusk_array_argreduce(DUSK_ARG_MAX, x, 0, false, 1),
                       DUSK_EINVAL, "split_every");
}

/* --- cumsum and cumprod ------------------------------------------------------------ */

static const dusk_dtype CUM_DT[] = {DUSK_DT_F8, DUSK_DT_F4, DUSK_DT_F2, DUSK_DT_C16,
                                    DUSK_DT_I4, DUSK_DT_I1, DUSK_DT_U1, DUSK_DT_U8,
                                    DUSK_DT_BOOL};

/* NumPy's code for np.fromfile. */
static const char *np_code(dusk_dtype t) { return t == DUSK_DT_BOOL ? "?" : dusk_dtype_code(t); }

/* got (an ndarray) holds what NumPy wrote to scratch file name, as dtype
 * code want_dt: element for element, NaN equal to NaN (complex numbers
 * part for part); integers exactly, floats exactly when exact, else
 * within a few roundings of their dtype (complex numbers always): a block's cumulative product
 * times the carry rounds differently from NumPy's one running product
 * (Dask's too). */
static void assert_same_as_file(const dusk_value *got, const char *name, const char *want_dt,
                                bool exact, const char *what)
{
    dusk_dtype t = dusk_ndarray_dtype(got);
    if (strcmp(dusk_dtype_code(t), want_dt) != 0)
        fail_msg("%s: dtype %s, NumPy's %s", what, dusk_dtype_code(t), want_dt);
    size_t len = 0;
    char *want = slurp(scratch(name), &len);
    assert_non_null(want);
    int64_t n = dusk_ndarray_size(got);
    dusk_dtype part = t == DUSK_DT_C16 ? DUSK_DT_F8 : t == DUSK_DT_C8 ? DUSK_DT_F4 : t;
    int64_t np = t == part ? n : 2 * n;
    if ((int64_t)len != np * (int64_t)dt_size(part))
        fail_msg("%s: %zu bytes from NumPy for %" PRId64 " elements", what, len, n);
    const void *g = dusk_ndarray_data(got);
    for (int64_t i = 0; i < np; i++) {
        /* NumPy's complex products use fused multiply-adds where the
         * machine has them: within an ulp or two */
        double rel = exact && t == part ? 0 : part == DUSK_DT_F8 ? 1e-13 : part == DUSK_DT_F4 ? 1e-6 : 5e-3;
        int same = dt_float(part) ? close_enough(ref_getf(g, part, i), ref_getf(want, part, i),
                                                 rel, 0)
                                  : ref_geti(g, part, i) == ref_geti(want, part, i);
        if (!same)
            fail_msg("%s: element %" PRId64 " is %.17g, NumPy's %.17g", what, i,
                     ref_getf(g, part, i), ref_getf(want, part, i));
    }
    free(want);
}

/* Every dtype (NaNs in the floats), chunking and axis, sums and products:
 * the values and dtypes are NumPy's, element for element. */
static void test_cumulative_matches_numpy(void **state)
{
    dusk_array_ctx *ctx = *state;
    for (size_t ti = 0; ti < sizeof CUM_DT / sizeof *CUM_DT; ti++) {
        dusk_dtype t = CUM_DT[ti];
        void *data;
        if (t == DUSK_DT_C16) {   /* complex: two float64 parts per element */
            data = make(DUSK_DT_F8, 77, 0);
            double *re = make(DUSK_DT_F8, 78, 0);
            double *c = malloc(2 * NEL * sizeof *c);
            assert_non_null(c);
            for (int i = 0; i < NEL; i++) {
                c[2 * i] = ((double *)data)[i];
                c[2 * i + 1] = re[i] * 0.25;
            }
            free(data);
            free(re);
            data = c;
        } else {
            data = make(t, 500 + ti, 1);
        }
        FILE *f = fopen(scratch("x.raw"), "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(data, dt_size(t), NEL, f), NEL);
        fclose(f);
        char prog[1024];
        snprintf(prog, sizeof prog,
                 "x = np.fromfile('x.raw', '%s').reshape(%d, %d)\n"
                 "for k, f in enumerate((np.cumsum, np.cumprod)):\n"
                 "    for a, ax in enumerate((0, 1, -1)):\n"
                 "        r = f(x, axis=ax)\n"
                 "        r.tofile('want%%d%%d.raw' %% (k, a))\n"
                 "        print('b1' if r.dtype == np.bool_ else r.dtype.str[1:])\n"
                 "    f(x[2]).tofile('want%%d9.raw' %% k)\n",
                 np_code(t), ROWS, COLS);
        char *out = py_dask(prog), *at = out;
        char want_dt[2][3][8];
        for (int k = 0; k < 2; k++)
            for (int a = 0; a < 3; a++)
                snprintf(want_dt[k][a], sizeof want_dt[k][a], "%s", next_line(&at));
        static const int axes[3] = {0, 1, -1};
        for (int k = 0; k < 2; k++)
            for (size_t c = 0; c < NCHUNKINGS; c++) {
                dusk_array *x = dusk_from_buffer(ctx, data, t, DUSK_SHAPE(ROWS, COLS),
                                                 CHUNKINGS[c]);
                for (int a = 0; a < 3; a++) {
                    dusk_array *r = k ? dusk_array_cumprod(x, axes[a])
                                      : dusk_array_cumsum(x, axes[a]);
                    char what[128], file[32];
                    snprintf(what, sizeof what, "%s(%s x, axis=%d) chunks %s",
                             k ? "cumprod" : "cumsum", dusk_dtype_code(t), a == 2 ? -1 : a,
                             CHUNKINGS[c]);
                    assert_built(r, what);
                    dusk_value *v = compute_with(r, NULL, what);
                    snprintf(file, sizeof file, "want%d%d.raw", k, a);
                    /* exact where the axis is one block */
                    assert_same_as_file(v, file, want_dt[k][a],
                                        dusk_array_numblocks(x, a ? 1 : 0) == 1, what);
                    release(v);
                }
                /* axis=None of a 1-d array (row 2), after Dask's rechunk */
                dusk_array *row = dusk_array_slice(x, "2");
                dusk_array *r = k ? dusk_array_cumprod(row, DUSK_AXIS_NONE)
                                  : dusk_array_cumsum(row, DUSK_AXIS_NONE);
                char what[128], file[32];
                snprintf(what, sizeof what, "%s(%s x[2]) chunks %s", k ? "cumprod" : "cumsum",
                         dusk_dtype_code(t), CHUNKINGS[c]);
                assert_built(r, what);
                dusk_value *v = compute_with(r, NULL, what);
                snprintf(file, sizeof file, "want%d9.raw", k);
                assert_same_as_file(v, file, want_dt[k][0], dusk_array_numblocks(r, 0) == 1,
                                    what);
                release(v);
            }
        free(out);
        free(data);
    }
}

/* Bad input: an axis out of range, named with ndim as NumPy's AxisError. */
static void test_cumulative_errors(void **state)
{
    dusk_array_ctx *ctx = *state;
    dusk_array *x = dusk_ones(ctx, DUSK_SHAPE(4, 4), "2", DUSK_DT_F8);
    assert_array_error(dusk_array_cumprod(x, 2), DUSK_EINVAL,
                       "cumprod: axis 2 is out of bounds for array of dimension 2");
    assert_array_error(dusk_array_cumsum(x, -3), DUSK_EINVAL,
                       "cumsum: axis -3 is out of bounds for array of dimension 2");
    assert_array_error(dusk_array_cumsum(x, INT_MIN + 1), DUSK_EINVAL,
                       "axis -2147483647 is out of bounds for array of dimension 2");
    assert_array_error(dusk_array_cumsum(dusk_ones(ctx, DUSK_SHAPE0, "()", DUSK_DT_F8), -1),
                       DUSK_EINVAL, "axis -1 is out of bounds for array of dimension 0");
    /* axis=None of 2-d flattens (tests/array/test_reshape.c checks it) */
    assert_int_equal(dusk_array_ndim(dusk_array_cumsum(x, DUSK_AXIS_NONE)), 1);
    /* an empty axis is no error: an empty result, as NumPy's */
    dusk_array *e = dusk_zeros(ctx, DUSK_SHAPE(0, 3), "2", DUSK_DT_I4);
    dusk_array *r = dusk_array_cumsum(e, 0);
    assert_built(r, "cumsum of (0, 3)");
    assert_int_equal(dusk_array_dtype(r), DUSK_DT_I8);
    dusk_value *v = compute_with(r, NULL, "cumsum of (0, 3)");
    assert_int_equal(dusk_ndarray_size(v), 0);
    release(v);
}

/* --- where --------------------------------------------------------------------------- */

/* where(x > 0, a, b) and where(x, a, b) (a float condition with NaNs:
 * nonzero is true) over pairs of dtypes, b broadcast along either axis
 * and chunked otherwise than a; and with scalars. Values and dtypes are
 * NumPy's. */
static void test_where_matches_numpy(void **state)
{
    dusk_array_ctx *ctx = *state;
    static const dusk_dtype pairs[][2] = {
        {DUSK_DT_F8, DUSK_DT_F4}, {DUSK_DT_I4, DUSK_DT_U1}, {DUSK_DT_BOOL, DUSK_DT_BOOL},
        {DUSK_DT_F4, DUSK_DT_I4}, {DUSK_DT_U1, DUSK_DT_I1}, {DUSK_DT_F2, DUSK_DT_U1},
        {DUSK_DT_C16, DUSK_DT_F4},
    };
    void *x = make(DUSK_DT_F8, 4242, 1);
    FILE *f = fopen(scratch("c.raw"), "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(x, 8, NEL, f), NEL);
    fclose(f);
    dusk_array *cx = dusk_from_buffer(ctx, x, DUSK_DT_F8, DUSK_SHAPE(ROWS, COLS), "(3, 4)");
    dusk_array *conds[2] = {dusk_array_binop_scalar(DUSK_BINOP_GT, cx, 0, false), cx};
    for (size_t pi = 0; pi < sizeof pairs / sizeof *pairs; pi++) {
        dusk_dtype ta = pairs[pi][0], tb = pairs[pi][1];
        void *a = make(ta == DUSK_DT_C16 ? DUSK_DT_F8 : ta, 10 + pi, 1);
        void *b = make(tb, 20 + pi, 1);
        f = fopen(scratch("a.raw"), "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(a, ta == DUSK_DT_C16 ? 8 : dt_size(ta), NEL, f), NEL);
        fclose(f);
        f = fopen(scratch("b.raw"), "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(b, dt_size(tb), NEL, f), NEL);
        fclose(f);
        char prog[1024];
        snprintf(prog, sizeof prog,
                 "c = np.fromfile('c.raw', 'f8').reshape(%d, %d)\n"
                 "a = np.fromfile('a.raw', '%s').reshape(%d, %d).astype('%s')\n"
                 "b = np.fromfile('b.raw', '%s').reshape(%d, %d)\n"
                 "for k, cond in enumerate((c > 0, c)):\n"
                 "    for j, bb in enumerate((b, b[0], b[:, :1])):\n"
                 "        r = np.where(cond, a, bb)\n"
                 "        r.tofile('w%%d%%d.raw' %% (k, j))\n"
                 "        print('b1' if r.dtype == np.bool_ else r.dtype.str[1:])\n",
                 ROWS, COLS, ta == DUSK_DT_C16 ? "f8" : np_code(ta), ROWS, COLS, np_code(ta),
                 np_code(tb), ROWS, COLS);
        char *out = py_dask(prog), *at = out;
        dusk_array *da_ = ta == DUSK_DT_C16
            ? dusk_array_astype(dusk_from_buffer(ctx, a, DUSK_DT_F8, DUSK_SHAPE(ROWS, COLS),
                                                 "(2, 5)"), DUSK_DT_C16)
            : dusk_from_buffer(ctx, a, ta, DUSK_SHAPE(ROWS, COLS), "(2, 5)");
        dusk_array *db = dusk_from_buffer(ctx, b, tb, DUSK_SHAPE(ROWS, COLS),
                                          "((1, 1, 5), (1, 2, 3, 4))");
        dusk_array *bs[3] = {db, dusk_array_slice(db, "0"), dusk_array_slice(db, ":, :1")};
        for (int k = 0; k < 2; k++)
            for (int j = 0; j < 3; j++) {
                const char *want_dt = next_line(&at);
                dusk_array *r = dusk_array_where(conds[k], da_, bs[j]);
                char what[128], file[16];
                snprintf(what, sizeof what, "where(%s, %s, %s b%d)", k ? "c" : "c > 0",
                         dusk_dtype_code(ta), dusk_dtype_code(tb), j);
                assert_built(r, what);
                dusk_value *v = compute_with(r, NULL, what);
                snprintf(file, sizeof file, "w%d%d.raw", k, j);
                assert_same_as_file(v, file, want_dt, true, what);
                release(v);
            }
        free(out);
        free(a);
        free(b);
    }
    /* scalars: NumPy 1.x's value-based casting */
    void *a = make(DUSK_DT_I1, 99, 0);
    f = fopen(scratch("a.raw"), "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(a, 1, NEL, f), NEL);
    fclose(f);
    char *out = py_dask("c = np.fromfile('c.raw', 'f8').reshape(7, 10)\n"
                   "a = np.fromfile('a.raw', 'i1').reshape(7, 10)\n"
                   "for j, r in enumerate((np.where(c > 0, a, 0), np.where(c > 0, 300, a),\n"
                   "                       np.where(c, a, 0.5), np.where(c, a.astype('f4'),\n"
                   "                       np.float32(2)), np.where(c, a, True))):\n"
                   "    r.tofile('s%d.raw' % j)\n"
                   "    print('b1' if r.dtype == np.bool_ else r.dtype.str[1:])\n");
    char *at = out;
    dusk_array *xa = dusk_from_buffer(ctx, a, DUSK_DT_I1, DUSK_SHAPE(ROWS, COLS), "1");
    dusk_array *sr[5] = {
        dusk_array_where_scalar(conds[0], xa, dusk_scalar_int(0), false),
        dusk_array_where_scalar(conds[0], xa, dusk_scalar_int(300), true),
        dusk_array_where_scalar(conds[1], xa, dusk_scalar_float(0.5), false),
        dusk_array_where_scalar(conds[1], dusk_array_astype(xa, DUSK_DT_F4),
                                dusk_scalar_of(DUSK_DT_F4, 0, 2, 0), false),
        dusk_array_where_scalar(conds[1], xa, dusk_scalar_bool(true), false),
    };
    for (int j = 0; j < 5; j++) {
        char what[32], file[16];
        snprintf(what, sizeof what, "where with scalar %d", j);
        assert_built(sr[j], what);
        dusk_value *v = compute_with(sr[j], NULL, what);
        snprintf(file, sizeof file, "s%d.raw", j);
        assert_same_as_file(v, file, next_line(&at), true, what);
        release(v);
    }
    free(out);
    free(a);
    free(x);
}

static void test_where_errors(void **state)
{
    dusk_array_ctx *ctx = *state;
    dusk_array *c = dusk_ones(ctx, DUSK_SHAPE(4, 3), "2", DUSK_DT_BOOL);
    dusk_array *a = dusk_ones(ctx, DUSK_SHAPE(4, 3), "2", DUSK_DT_F8);
    dusk_array *b = dusk_ones(ctx, DUSK_SHAPE(4), "2", DUSK_DT_F8);
    assert_array_error(dusk_array_where(c, a, b), DUSK_EINVAL,
                       "where: shapes (4, 3), (4, 3) and (4,) do not broadcast");
    assert_array_error(dusk_array_where(c, a, NULL), DUSK_EINVAL, "");
    assert_array_error(dusk_array_where_scalar(c, a, dusk_scalar_of(DUSK_DT_I1, 300, 0, 0),
                                               false), DUSK_EINVAL, "out of range");
    dusk_array_ctx *other = dusk_array_ctx_new();
    assert_non_null(other);
    dusk_array *o = dusk_ones(other, DUSK_SHAPE(4, 3), "2", DUSK_DT_F8);
    assert_array_error(dusk_array_where(c, a, o), DUSK_EINVAL, "different contexts");
    dusk_array_ctx_free(other);
}

/* --- the graphs against Dask's --------------------------------------------------- */

static dusk_array *build_case(dusk_array_ctx *ctx, int k)
{
    dusk_array *x = dusk_ones(ctx, DUSK_SHAPE(10, 7), "(3, 2)", DUSK_DT_F8);
    dusk_array *y = dusk_ones(ctx, DUSK_SHAPE(40, 30), "(3, 2)", DUSK_DT_F8);
    dusk_array *c = dusk_array_binop_scalar(DUSK_BINOP_GT, x, 0, false);
    switch (k) {
    case 0: return dusk_array_argmax(x, DUSK_AXIS_NONE);
    case 1: return dusk_array_argmax(x, 0);
    case 2: return dusk_array_argmin(x, 1);
    case 3: return dusk_array_argreduce(DUSK_ARG_NANMAX, x, 0, false, 0);
    case 4: return dusk_array_argreduce(DUSK_ARG_MAX, x, 0, true, 2);
    case 5: return dusk_array_argreduce(DUSK_ARG_NANMIN, y, DUSK_AXIS_NONE, false, 0);
    case 6: return dusk_array_argreduce(DUSK_ARG_MIN, y, 1, false, 3);
    case 7: return dusk_array_cumsum(x, 0);
    case 8: return dusk_array_cumprod(dusk_array_astype(x, DUSK_DT_I1), -1);
    case 9: return dusk_array_cumsum(dusk_ones(ctx, DUSK_SHAPE(10), "3", DUSK_DT_F4),
                                     DUSK_AXIS_NONE);
    case 10: return dusk_array_cumsum(dusk_ones(ctx, DUSK_SHAPE(30), "1", DUSK_DT_BOOL),
                                      0);
    case 11: return dusk_array_where_scalar(c, dusk_array_astype(x, DUSK_DT_I1),
                                            dusk_scalar_int(0), false);
    case 12: return dusk_array_where(c, x, dusk_array_astype(x, DUSK_DT_F4));
    case 13: return dusk_array_where(x, x, x);
    case 14: return dusk_array_where(dusk_array_slice(c, "0"), x, dusk_array_slice(x, ":, :1"));
    case 15: return dusk_array_where(c, x, dusk_ones(ctx, DUSK_SHAPE(7), "3", DUSK_DT_F8));
    case 16: return dusk_array_where_scalar(c, x, dusk_scalar_float(0.5), true);
    default: return NULL;
    }
}
#define NCASES 17
static const char *const PY_CASES =
    "x = da.ones((10, 7), chunks=(3, 2))\n"
    "y = da.ones((40, 30), chunks=(3, 2))\n"
    "cases = [x.argmax(), x.argmax(axis=0), x.argmin(axis=1), da.nanargmax(x, axis=0),\n"
    "         da.argmax(x, axis=0, keepdims=True, split_every=2), da.nanargmin(y),\n"
    "         da.argmin(y, axis=1, split_every=3), x.cumsum(axis=0),\n"
    "         x.astype('i1').cumprod(axis=-1), da.cumsum(da.ones(10, chunks=3, dtype='f4')),\n"
    "         da.ones(30, chunks=1, dtype=bool).cumsum(axis=0)]\n"
    "c = x > 0\n"
    "cases += [da.where(c, x.astype('i1'), 0), da.where(c, x, x.astype('f4')), da.where(x, x, x),\n"
    "          da.where(c[0], x, x[:, :1]), da.where(c, x, da.ones((7,), chunks=3)),\n"
    "          da.where(c, 0.5, x)]\n";

static void test_graphs_are_dasks(void **state)
{
    dusk_array_ctx *ctx = *state;
    char prog[4096];
    snprintf(prog, sizeof prog, "%s%sfor e in cases:\n    print(sig(e), e.shape, e.dtype)\n",
             PY_SIGNATURE, PY_CASES);
    char *out = py_dask(prog), *at = out;
    for (int k = 0; k < NCASES; k++) {
        char *want = next_line(&at);
        dusk_array *r = build_case(ctx, k);
        char what[32];
        snprintf(what, sizeof what, "case %d", k);
        assert_built(r, what);
        char sig[1024], shape[128];
        signature(r, sig, sizeof sig);
        /* the shape as Python prints a tuple, and the dtype */
        const int64_t *sh = dusk_array_shape(r);
        int nd = dusk_array_ndim(r);
        size_t l = (size_t)snprintf(shape, sizeof shape, "(");
        for (int d = 0; d < nd; d++)
            l += (size_t)snprintf(shape + l, sizeof shape - l, "%s%" PRId64,
                                  d ? ", " : "", sh[d]);
        snprintf(shape + l, sizeof shape - l, "%s)", nd == 1 ? "," : "");
        char got[1300];
        snprintf(got, sizeof got, "%s %s %s", sig, shape,
                 dusk_dtype_name(dusk_array_dtype(r)));
        if (strcmp(got, want) != 0)
            fail_msg("case %d: dusk %s, Dask %s", k, got, want);
    }
    free(out);
}

/* Every allocation of building and computing where, cumsum and argmax
 * failing in turn: an error (never NULL, never a crash), nothing leaked. */
static void test_out_of_memory(void **state)
{
    (void)state;
    long base = dusk_alloc_live();
    int built_ok = 0, computed_ok = 0;
    for (long n = 0; n < 4000 && !(built_ok && computed_ok > 2); n++) {
        dusk_array_ctx *c = dusk_array_ctx_new();
        if (!c)
            continue;
        dusk_alloc_fail_after(n);
        dusk_array *x = dusk_ones(c, DUSK_SHAPE(6, 6), "(4, 4)", DUSK_DT_F8);
        dusk_array *w = dusk_array_where_scalar(x, dusk_array_where(x, x, x),
                                                dusk_scalar_float(2.0), false);
        dusk_array *y = dusk_array_argmax(dusk_array_cumsum(w, 0), 0);
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
            if (dusk_array_compute(y, &o, &v, &err) == 0) {
                computed_ok++;
                const int64_t *got = dusk_ndarray_data(v);
                for (int j = 0; j < 6; j++)   /* the cumulative sums grow: the last row */
                    assert_int_equal(got[j], 5);
            } else {
                assert_null(v);
            }
            dusk_value_unref(v);
        }
        dusk_alloc_fail_after(-1);
        dusk_array_ctx_free(c);
        if (dusk_alloc_live() != base)
            fail_msg("after failing allocation %ld: %ld blocks live, want %ld", n,
                     dusk_alloc_live(), base);
    }
    assert_true(built_ok);
    assert_true(computed_ok);
}

static int setup(void **state)
{
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    *state = ctx;
    return ctx ? 0 : -1;
}

static int teardown(void **state)
{
    release_all();
    dusk_array_ctx_free(*state);
    return reset_alloc(state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_argreduce_matches_numpy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_argreduce_shapes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_axis_is_numpys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_argreduce_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cumulative_matches_numpy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cumulative_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_where_matches_numpy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_where_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_graphs_are_dasks, setup, teardown),
        cmocka_unit_test(test_out_of_memory),
    };
    return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
