/*
** dusk tests — the nan- reductions (nansum nanprod nanmean nanstd nanvar
** nanmin nanmax), checked against NumPy and Dask
**
** The data is written raw to the scratch directory and NumPy (Debian's
** /usr/bin/python3) computes the expected side, written raw too; Dask
** builds the same expressions, and its layers (key_split of their names)
** and task counts must be dusk's. Data sets hold NaNs, none, or a row of
** NaNs only (an all-NaN slice); chunkings include uneven ones and blocks
** of one element.
*/
#define _POSIX_C_SOURCE 200809L
#include <complex.h>
#include <inttypes.h>
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

/* The next line of text at *p (NUL-ended in place), advancing *p. */
static char *next_line(char **p)
{
    char *s = *p;
    if (!*s)
        fail_msg("Python's output ended early");
    char *e = strchr(s, '\n');
    if (e) {
        *e = 0;
        *p = e + 1;
    } else {
        *p = s + strlen(s);
    }
    return s;
}

static void assert_built(const dusk_array *a, const char *what)
{
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_array_status(a, &err))
        fail_msg("%s: building failed: %s", what, err.msg);
}

static const char *const NAMES[DUSK_RED_COUNT] = {
    [DUSK_RED_NANSUM] = "nansum", [DUSK_RED_NANPROD] = "nanprod",
    [DUSK_RED_NANMEAN] = "nanmean", [DUSK_RED_NANSTD] = "nanstd",
    [DUSK_RED_NANVAR] = "nanvar", [DUSK_RED_NANMIN] = "nanmin", [DUSK_RED_NANMAX] = "nanmax"};

/* --- values against NumPy ----------------------------------------------------------- */

/* Data of dtype t, shape 7 x 10, from seed. Floats are signed powers of
 * two (-2 ... 2), complex numbers Gaussian integers of modulus 1 or
 * sqrt(2), so that sums and products are exact in any order (float16's
 * products stay in range); integers small, of both signs, and unsigned
 * ones now and then 200 more. With nans, one element in 6 is a NaN (of a
 * complex number, one part), never in row 3, so that some slices have
 * none; with nans 2, all of row 5 too. */
#define ROWS 7
#define COLS 10
#define NEL (ROWS * COLS)
static void *make(dusk_dtype t, uint64_t seed, int nans)
{
    char *p = calloc(NEL, 16);
    assert_non_null(p);
    static const double pow2[] = {-2, -1, -0.5, 0.5, 1, 2};
    for (int64_t i = 0; i < NEL; i++) {
        uint64_t r = au_rng(&seed);
        int nan = (nans && (r >> 24) % 6 == 0 && i / COLS != 3) || (nans == 2 && i / COLS == 5);
        if (t == DUSK_DT_C16) {
            double re = (double)((int)(r % 3) - 1), im = (double)((int)((r >> 8) % 3) - 1);
            if (re == 0 && im == 0)
                re = 1;
            if (nan)
                *((r >> 30) & 1 ? &re : &im) = NAN;
            memcpy(p + i * 16, &re, 8);
            memcpy(p + i * 16 + 8, &im, 8);
        } else if (dt_float(t)) {
            ref_setf(p, t, i, nan ? NAN : pow2[r % 6]);
        } else if (t == DUSK_DT_BOOL) {
            ref_seti(p, t, i, r % 3 == 0);
        } else if (dt_unsigned(t)) {
            ref_seti(p, t, i, (int64_t)(r % 6) + (r % 11 == 0 ? 200 : 0));
        } else {
            ref_seti(p, t, i, (int64_t)(r % 7) - 3);
        }
    }
    return p;
}

static const char *const CHUNKINGS[] = {"(3, 4)", "((1, 1, 5), (1, 2, 3, 4))", "1", "(7, 10)",
                                        "(2, 3)"};
#define NCHUNKINGS (sizeof CHUNKINGS / sizeof *CHUNKINGS)

/* axis 0, 1, -1, None and (0, 1) */
static const uint64_t AXES[] = {DUSK_AXIS(0), DUSK_AXIS(1), DUSK_AXIS(-1), DUSK_ALL_AXES,
                                DUSK_AXIS(0) | DUSK_AXIS(1)};
static const char *const PYAXES[] = {"0", "1", "-1", "None", "(0, 1)"};
#define NAXES 5
/* ddof of nanvar and nanstd: 9 leaves a row of 10 with a NaN no degree
 * of freedom (NaN, where var would divide by zero) */
static const int DDOFS[] = {0, 1, 9};

static const dusk_dtype DTYPES[] = {DUSK_DT_F8, DUSK_DT_F4, DUSK_DT_F2, DUSK_DT_C16,
                                    DUSK_DT_I4, DUSK_DT_I8, DUSK_DT_U1, DUSK_DT_BOOL};

static int is_moment(int op) { return op == DUSK_RED_NANVAR || op == DUSK_RED_NANSTD; }

/* got (an ndarray) against what NumPy wrote to scratch file name: element
 * for element, NaN equal to NaN, complex numbers part for part; integers
 * exactly, floats within rel (and abs for a value near 0). */
static void assert_same_as_file(const dusk_value *got, const char *name, double rel,
                                const char *what)
{
    dusk_dtype t = dusk_ndarray_dtype(got);
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
        int same = dt_float(part) ? close_enough(ref_getf(g, part, i), ref_getf(want, part, i),
                                                 rel, rel)
                                  : ref_geti(g, part, i) == ref_geti(want, part, i);
        if (!same)
            fail_msg("%s: element %" PRId64 " is %.17g, NumPy's %.17g", what, i,
                     ref_getf(g, part, i), ref_getf(want, part, i));
    }
    free(want);
}

/* Every dtype, with and without NaNs and with an all-NaN slice, every
 * chunking, axis, nan- form, some split_every and keepdims, and ddof 0, 1
 * and 9: the values and dtypes are NumPy's. */
static void test_nanreduce_matches_numpy(void **state)
{
    dusk_array_ctx *ctx = *state;
    for (size_t ti = 0; ti < sizeof DTYPES / sizeof *DTYPES; ti++) {
        dusk_dtype t = DTYPES[ti];
        int inexact = dt_float(t) || t == DUSK_DT_C16;
        for (int nans = 0; nans < (inexact ? 3 : 1); nans++) {
            void *data = make(t, 7000 + ti * 10 + (uint64_t)nans, nans);
            FILE *f = fopen(scratch("x.raw"), "wb");
            assert_non_null(f);
            assert_int_equal(fwrite(data, dt_size(t), NEL, f), NEL);
            fclose(f);
            char prog[2048];
            snprintf(prog, sizeof prog,
                     "x = np.fromfile('x.raw', '%s').reshape(%d, %d)\n"
                     "k = 0\n"
                     "for f in ('nansum', 'nanprod', 'nanmean', 'nanstd', 'nanvar', 'nanmin',\n"
                     "          'nanmax'):\n"
                     "    for ax in (0, 1, -1, None, (0, 1)):\n"
                     "        for ddof in ((0, 1, 9) if f in ('nanstd', 'nanvar') else (0,)):\n"
                     "            kw = {'ddof': ddof} if f in ('nanstd', 'nanvar') else {}\n"
                     "            r = np.asarray(getattr(np, f)(x, axis=ax, **kw))\n"
                     "            np.ascontiguousarray(r).tofile('w%%d.raw' %% k)\n"
                     "            print(r.dtype.str[1:])\n"
                     "            k += 1\n",
                     t == DUSK_DT_BOOL ? "?" : dusk_dtype_code(t), ROWS, COLS);
            char *out = py_dask(prog), *at = out;
            int k = 0;
            for (int op = DUSK_RED_NANSUM; op <= DUSK_RED_NANMAX; op++)
                for (int ax = 0; ax < NAXES; ax++)
                    for (int di = 0; di < (is_moment(op) ? 3 : 1); di++, k++) {
                        const char *want_dt = next_line(&at);
                        char file[32];
                        snprintf(file, sizeof file, "w%d.raw", k);
                        for (size_t c = 0; c < NCHUNKINGS; c++) {
                            int split = (int)(c % 3) * 2;   /* 0 (Dask's 4), 2, 4 */
                            bool keep = c % 2;
                            dusk_array *x = dusk_from_buffer(ctx, data, t,
                                                             DUSK_SHAPE(ROWS, COLS),
                                                             CHUNKINGS[c]);
                            dusk_array *r = dusk_array_reduce((dusk_reduction)op, x, AXES[ax],
                                                              keep, split, DDOFS[di]);
                            char what[200];
                            snprintf(what, sizeof what, "%s(%s x, axis=%s, ddof=%d) chunks %s "
                                     "split_every %d nans %d", NAMES[op], dusk_dtype_code(t),
                                     PYAXES[ax], DDOFS[di], CHUNKINGS[c], split, nans);
                            if (t == DUSK_DT_C16 &&
                                (op == DUSK_RED_NANMIN || op == DUSK_RED_NANMAX)) {
                                /* NumPy's order of complex numbers, which dusk refuses */
                                assert_array_error(r, DUSK_ETYPE, "complex numbers");
                                continue;
                            }
                            assert_built(r, what);
                            if (strcmp(dusk_dtype_code(dusk_array_dtype(r)), want_dt) != 0)
                                fail_msg("%s: dtype %s, NumPy's %s", what,
                                         dusk_dtype_code(dusk_array_dtype(r)), want_dt);
                            int nred = ax == 3 || ax == 4 ? 2 : 1;
                            assert_int_equal(dusk_array_ndim(r), keep ? 2 : 2 - nred);
                            dusk_value *v = compute_with(r, NULL, what);
                            double rel = t == DUSK_DT_F2 ? 2e-2 : t == DUSK_DT_F4 ? 2e-5
                                                                                  : 1e-12;
                            assert_same_as_file(v, file, rel, what);
                            release(v);
                        }
                    }
            free(out);
            free(data);
        }
    }
}

/* Hand-made cases: NaNs only give 0, 1, NaN, NaN, NaN, NaN, NaN; a NaN
 * is skipped in the count of nanmean and nanvar; inf - inf in one block
 * is NaN in nansum, as NumPy's; f2 sums add up in float64. */
static void test_nanreduce_by_hand(void **state)
{
    dusk_array_ctx *ctx = *state;
    double all_nan[4] = {NAN, NAN, NAN, NAN};
    dusk_array *x = dusk_from_buffer(ctx, all_nan, DUSK_DT_F8, DUSK_SHAPE(4), "3");
    static const double want[] = {0, 1, NAN, NAN, NAN, NAN, NAN};
    for (int op = DUSK_RED_NANSUM; op <= DUSK_RED_NANMAX; op++) {
        dusk_value *v = compute_with(dusk_array_reduce((dusk_reduction)op, x, DUSK_ALL_AXES,
                                                       false, 0, 0), NULL, NAMES[op]);
        assert_int_equal(dusk_ndarray_ndim(v), 0);
        double got = *(const double *)dusk_ndarray_data(v);
        if (!close_enough(got, want[op - DUSK_RED_NANSUM], 0, 0))
            fail_msg("%s of NaNs only: %g, NumPy's %g", NAMES[op], got,
                     want[op - DUSK_RED_NANSUM]);
        release(v);
    }
    /* 1, NaN, 3 | NaN, 5: mean 3, var 8/3, ddof 1: 4 */
    double d[5] = {1, NAN, 3, NAN, 5};
    x = dusk_from_buffer(ctx, d, DUSK_DT_F8, DUSK_SHAPE(5), "3");
    struct { int op, ddof; double want; } c[] = {
        {DUSK_RED_NANMEAN, 0, 3}, {DUSK_RED_NANVAR, 0, 8.0 / 3}, {DUSK_RED_NANVAR, 1, 4},
        {DUSK_RED_NANSTD, 1, 2}, {DUSK_RED_NANSUM, 0, 9}, {DUSK_RED_NANPROD, 0, 15},
        {DUSK_RED_NANMIN, 0, 1}, {DUSK_RED_NANMAX, 0, 5},
        {DUSK_RED_NANVAR, 3, NAN},   /* no degree of freedom: NaN (var: inf) */
    };
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        dusk_value *v = compute_with(dusk_array_reduce((dusk_reduction)c[i].op, x, DUSK_AXIS(0),
                                                       false, 0, c[i].ddof), NULL, "by hand");
        double got = *(const double *)dusk_ndarray_data(v);
        if (!close_enough(got, c[i].want, 1e-15, 0))
            fail_msg("%s(ddof=%d) of 1, NaN, 3, NaN, 5: %.17g, want %.17g", NAMES[c[i].op],
                     c[i].ddof, got, c[i].want);
        release(v);
    }
    /* inf and -inf in one block: NaN, which the other block does not hide */
    double e[4] = {INFINITY, -INFINITY, 1, NAN};
    x = dusk_from_buffer(ctx, e, DUSK_DT_F8, DUSK_SHAPE(4), "2");
    dusk_value *v = compute_with(dusk_array_reduce(DUSK_RED_NANSUM, x, DUSK_ALL_AXES, false, 0,
                                                   0), NULL, "nansum inf - inf");
    assert_true(isnan(*(const double *)dusk_ndarray_data(v)));
    release(v);
    v = compute_with(dusk_array_reduce(DUSK_RED_NANMEAN, x, DUSK_ALL_AXES, false, 0, 0), NULL,
                     "nanmean inf - inf");
    assert_true(isnan(*(const double *)dusk_ndarray_data(v)));
    release(v);
    /* integers: nanmin and nansum are min and sum, wrapping as NumPy's */
    int64_t big[3] = {INT64_MAX, INT64_MIN, 5};
    x = dusk_from_buffer(ctx, big, DUSK_DT_I8, DUSK_SHAPE(3), "1");
    v = compute_with(dusk_array_reduce(DUSK_RED_NANMIN, x, DUSK_ALL_AXES, false, 0, 0), NULL,
                     "nanmin int64");
    assert_int_equal(*(const int64_t *)dusk_ndarray_data(v), INT64_MIN);
    release(v);
    v = compute_with(dusk_array_reduce(DUSK_RED_NANSUM, x, DUSK_ALL_AXES, false, 0, 0), NULL,
                     "nansum int64");
    assert_int_equal(*(const int64_t *)dusk_ndarray_data(v), 4);   /* wraps, as NumPy's */
    release(v);
}

/* Empty axes, complex numbers, bad axes, split_every, NULL and failed
 * inputs. */
static void test_nanreduce_errors(void **state)
{
    dusk_array_ctx *ctx = *state;
    dusk_array *e = dusk_zeros(ctx, DUSK_SHAPE(0, 3), "2", DUSK_DT_F8);
    assert_array_error(dusk_array_reduce(DUSK_RED_NANMIN, e, DUSK_AXIS(0), false, 0, 0),
                       DUSK_EINVAL, "nanmin: zero-size array to reduction operation fmin which "
                       "has no identity (axis 0 of shape (0, 3) is empty)");
    assert_array_error(dusk_array_reduce(DUSK_RED_NANMAX, e, DUSK_ALL_AXES, true, 0, 0),
                       DUSK_EINVAL, "operation fmax");
    /* the other axis is not empty: an empty result, as NumPy's */
    dusk_array *r = dusk_array_reduce(DUSK_RED_NANMIN, e, DUSK_AXIS(1), false, 0, 0);
    assert_built(r, "nanmin of (0, 3) along 1");
    dusk_value *v = compute_with(r, NULL, "nanmin of (0, 3) along 1");
    assert_int_equal(dusk_ndarray_ndim(v), 1);
    assert_int_equal(dusk_ndarray_size(v), 0);
    release(v);
    /* the others have an identity or give NaN: 0, 1, NaN x 3 along the empty axis */
    static const double want[] = {0, 1, NAN, NAN, NAN};
    for (int op = DUSK_RED_NANSUM; op <= DUSK_RED_NANVAR; op++) {
        v = compute_with(dusk_array_reduce((dusk_reduction)op, e, DUSK_AXIS(0), false, 0, 0),
                         NULL, NAMES[op]);
        assert_int_equal(dusk_ndarray_size(v), 3);
        for (int k = 0; k < 3; k++)
            if (!close_enough(((const double *)dusk_ndarray_data(v))[k],
                              want[op - DUSK_RED_NANSUM], 0, 0))
                fail_msg("%s over an empty axis: element %d is %g", NAMES[op], k,
                         ((const double *)dusk_ndarray_data(v))[k]);
        release(v);
    }
    dusk_array *c = dusk_ones(ctx, DUSK_SHAPE(4), "2", DUSK_DT_C16);
    assert_array_error(dusk_array_reduce(DUSK_RED_NANMIN, c, DUSK_ALL_AXES, false, 0, 0),
                       DUSK_ETYPE, "nanmin: complex numbers (complex128) have no order; take "
                       "the nanmin of abs(x)");
    assert_array_error(dusk_array_reduce(DUSK_RED_NANMAX, c, DUSK_ALL_AXES, false, 0, 0),
                       DUSK_ETYPE, "nanmax: complex numbers");
    dusk_array *x = dusk_ones(ctx, DUSK_SHAPE(4, 4), "2", DUSK_DT_F8);
    assert_array_error(dusk_array_reduce(DUSK_RED_NANSUM, x, DUSK_AXIS(2), false, 0, 0),
                       DUSK_EINVAL, "nansum: axis out of range for an array of 2 dimensions: "
                       "axis 2");
    assert_array_error(dusk_array_reduce(DUSK_RED_NANVAR, x, DUSK_AXIS(0) | DUSK_AXIS(-2),
                                         false, 0, 0), DUSK_EINVAL,
                       "nanvar: duplicate value in 'axis'");
    assert_array_error(dusk_array_reduce(DUSK_RED_NANMEAN, x, DUSK_AXIS(0), false, 1, 0),
                       DUSK_EINVAL, "split_every");
    assert_array_error(dusk_array_reduce(DUSK_RED_COUNT, x, DUSK_AXIS(0), false, 0, 0),
                       DUSK_EINVAL, "unknown reduction");
    for (int op = DUSK_RED_NANSUM; op <= DUSK_RED_NANMAX; op++) {
        dusk_array *n = dusk_array_reduce((dusk_reduction)op, NULL, DUSK_ALL_AXES, false, 0, 0);
        assert_non_null(n);
        assert_array_error(n, DUSK_EINVAL, "no array");
        /* a failed input's error travels on */
        assert_array_error(dusk_array_reduce((dusk_reduction)op,
                                             dusk_array_reduce(DUSK_RED_NANSUM, x, DUSK_AXIS(5),
                                                               false, 0, 0),
                                             DUSK_ALL_AXES, false, 0, 0),
                           DUSK_EINVAL, "nansum: axis out of range");
    }
}

/* --- the graphs against Dask's --------------------------------------------------- */

/* "ntasks;op=n,op=n" over the layers of a, ops sorted by name: what the
 * Python side prints for Dask's graph of the same expression. */
static void signature(const dusk_array *a, char *buf, size_t n)
{
    layer_signature(a, buf, n);
}

#define PY_SIGNATURE                                                                 \
    "def sig(e):\n"                                                                  \
    "    g = e.__dask_graph__()\n"                                                   \
    "    c = {}\n"                                                                   \
    "    for name, layer in g.layers.items():\n"                                     \
    "        c[key_split(name)] = c.get(key_split(name), 0) + len(layer)\n"          \
    "    return '%d;' % len(g) + ','.join('%s=%d' % (k, c[k]) for k in sorted(c))\n"

static dusk_array *build_case(dusk_array_ctx *ctx, int k)
{
    dusk_array *x = dusk_ones(ctx, DUSK_SHAPE(10, 7), "(3, 2)", DUSK_DT_F8);
    dusk_array *y = dusk_ones(ctx, DUSK_SHAPE(40, 30), "(3, 2)", DUSK_DT_F8);
    dusk_array *z = dusk_ones(ctx, DUSK_SHAPE(6, 8, 10), "(2, 3, 4)", DUSK_DT_F8);
    dusk_array *xi = dusk_array_astype(x, DUSK_DT_I4);
    const uint64_t all = DUSK_ALL_AXES, a0 = DUSK_AXIS(0), a1 = DUSK_AXIS(1);
    switch (k) {
    case 0: return dusk_array_reduce(DUSK_RED_NANSUM, x, all, false, 0, 0);
    case 1: return dusk_array_reduce(DUSK_RED_NANSUM, x, a0, false, 0, 0);
    case 2: return dusk_array_reduce(DUSK_RED_NANPROD, x, a1, true, 0, 0);
    case 3: return dusk_array_reduce(DUSK_RED_NANMEAN, x, a0, false, 0, 0);
    case 4: return dusk_array_reduce(DUSK_RED_NANMEAN, y, all, false, 2, 0);
    case 5: return dusk_array_reduce(DUSK_RED_NANVAR, x, a1, false, 0, 1);
    case 6: return dusk_array_reduce(DUSK_RED_NANSTD, y, a0, false, 0, 0);
    case 7: return dusk_array_reduce(DUSK_RED_NANMIN, y, a0 | a1, false, 3, 0);
    case 8: return dusk_array_reduce(DUSK_RED_NANMAX, x, DUSK_AXIS(-1), false, 0, 0);
    case 9: return dusk_array_reduce(DUSK_RED_NANSUM, xi, a0, false, 0, 0);
    case 10: return dusk_array_reduce(DUSK_RED_NANMEAN, xi, all, false, 0, 0);
    case 11: return dusk_array_reduce(DUSK_RED_NANMAX, z, a0 | DUSK_AXIS(2), false, 0, 0);
    case 12: return dusk_array_reduce(DUSK_RED_NANSTD, z, a1 | DUSK_AXIS(2), true, 4, 0);
    case 13: return dusk_array_reduce(DUSK_RED_NANVAR, dusk_array_astype(x, DUSK_DT_F4), all,
                                      false, 0, 0);
    case 14: return dusk_array_reduce(DUSK_RED_NANPROD, y, a0, false, 2, 0);
    case 15: return dusk_array_reduce(DUSK_RED_NANMIN, z, a1, false, 0, 0);
    case 16: return dusk_array_reduce(DUSK_RED_NANSTD, xi, all, false, 0, 0);
    case 17: return dusk_array_reduce(DUSK_RED_NANMAX, dusk_array_astype(x, DUSK_DT_U1), a1,
                                      true, 2, 0);
    default: return NULL;
    }
}
#define NCASES 18
static const char *const PY_CASES =
    "x = da.ones((10, 7), chunks=(3, 2))\n"
    "y = da.ones((40, 30), chunks=(3, 2))\n"
    "z = da.ones((6, 8, 10), chunks=(2, 3, 4))\n"
    "xi = x.astype('i4')\n"
    "cases = [da.nansum(x), da.nansum(x, axis=0), da.nanprod(x, axis=1, keepdims=True),\n"
    "         da.nanmean(x, axis=0), da.nanmean(y, split_every=2), da.nanvar(x, axis=1, ddof=1),\n"
    "         da.nanstd(y, axis=0), da.nanmin(y, axis=(0, 1), split_every=3),\n"
    "         da.nanmax(x, axis=-1), da.nansum(xi, axis=0), da.nanmean(xi),\n"
    "         da.nanmax(z, axis=(0, 2)), da.nanstd(z, axis=(1, 2), split_every=4, keepdims=True),\n"
    "         da.nanvar(x.astype('f4')), da.nanprod(y, axis=0, split_every=2),\n"
    "         da.nanmin(z, axis=1), da.nanstd(xi),\n"
    "         da.nanmax(x.astype('u1'), axis=1, keepdims=True, split_every=2)]\n";

/* Layer names (key_split), task counts, shapes and dtypes of Dask's. */
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

/* The same expression has the same name; a nan- form's is not its plain
 * form's, even where the layers are named alike (mean_chunk, sum-partial),
 * and ddof tells nanvar's apart. */
static void test_names(void **state)
{
    dusk_array_ctx *ctx = *state;
    dusk_array *x = dusk_ones(ctx, DUSK_SHAPE(10, 7), "(3, 2)", DUSK_DT_F8);
    for (int op = DUSK_RED_NANSUM; op <= DUSK_RED_NANMAX; op++) {
        char a[128], b[128], p[128];
        snprintf(a, sizeof a, "%s", dusk_array_name(dusk_array_reduce((dusk_reduction)op, x,
                                                                      DUSK_AXIS(0), false, 0, 0)));
        snprintf(b, sizeof b, "%s", dusk_array_name(dusk_array_reduce((dusk_reduction)op, x,
                                                                      DUSK_AXIS(0), false, 0, 0)));
        assert_string_equal(a, b);
        int plain = op - DUSK_RED_NANSUM;   /* sum prod mean std var min max: the same order */
        snprintf(p, sizeof p, "%s", dusk_array_name(dusk_array_reduce((dusk_reduction)plain, x,
                                                                      DUSK_AXIS(0), false, 0, 0)));
        if (strcmp(a, p) == 0)
            fail_msg("%s and its plain form are both named %s", NAMES[op], a);
    }
    char v0[128];
    snprintf(v0, sizeof v0, "%s", dusk_array_name(dusk_array_reduce(DUSK_RED_NANVAR, x,
                                                                    DUSK_AXIS(0), false, 0, 0)));
    assert_string_not_equal(v0, dusk_array_name(dusk_array_reduce(DUSK_RED_NANVAR, x,
                                                                  DUSK_AXIS(0), false, 0, 1)));
    assert_true(strncmp(v0, "moment_agg-aggregate-", 21) == 0);
}

/* Every allocation of building and computing the seven nan- forms
 * failing in turn: an error (never NULL, never a crash), nothing leaked. */
static void test_out_of_memory(void **state)
{
    (void)state;
    long base = dusk_alloc_live();
    int built_ok = 0, computed_ok = 0;
    double d[36];
    for (int i = 0; i < 36; i++)
        d[i] = i == 0 || i == 7 ? NAN : 1;
    for (long n = 0; n < 6000 && !(built_ok && computed_ok > 2); n++) {
        dusk_array_ctx *c = dusk_array_ctx_new();
        if (!c)
            continue;
        dusk_alloc_fail_after(n);
        dusk_array *x = dusk_from_buffer(c, d, DUSK_DT_F8, DUSK_SHAPE(6, 6), "(4, 4)");
        dusk_array *y = dusk_array_reduce(DUSK_RED_NANSTD, x, DUSK_AXIS(0), false, 2, 1);
        for (int op = DUSK_RED_NANSUM; op <= DUSK_RED_NANMAX; op++)
            if (op != DUSK_RED_NANSTD)
                y = dusk_array_add(y, dusk_array_reduce((dusk_reduction)op, x, DUSK_AXIS(0),
                                                        false, 2, 0));
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
                /* std 0, sum 6 (5 with a NaN), prod 1, mean 1, var 0, min 1, max 1 */
                const double *got = dusk_ndarray_data(v);
                for (int j = 0; j < 6; j++)
                    assert_true(got[j] == (j < 2 ? 9 : 10));
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
        cmocka_unit_test_setup_teardown(test_nanreduce_matches_numpy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nanreduce_by_hand, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nanreduce_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_graphs_are_dasks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_names, setup, teardown),
        cmocka_unit_test(test_out_of_memory),
    };
    return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
