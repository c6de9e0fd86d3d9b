/*
** dusk — NumPy's elementwise functions that are not one ufunc of one or
** two arrays: clip, round (around), isclose (allclose) and nan_to_num
**
** Each is one BLOCKS layer named as Dask names it ('clip-<token>',
** 'round_-<token>', 'around-<token>', 'isclose-<token>',
** 'nan_to_num-<token>'), one task per block; its parameters (the bounds,
** decimals, tolerances, replacements) travel in the tasks, as the keyword
** arguments of Dask's map_blocks do, and are hashed into the token.
** allclose is isclose's 'all' reduction, a 0-d bool array, as Dask's.
**
** The kernels follow NumPy's loops step for step, each operation rounded
** to the dtype NumPy computes it in (a float32 round multiplies in
** float32), so that values are NumPy's: clip's nan bound makes nan,
** round halves to even, isclose compares |x - y| <= atol + rtol |y| in
** y's float type.
*/
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "array.h"
#include "nd.h"

/* The identity map of a's axes, for one-input layers. */
static void identity_map(const dusk_array *a, int (*map)[DUSK_MAXDIMS])
{
    for (int d = 0; d < a->ndim; d++)
        map[0][d] = d;
}

/* v rounded to float dtype t's precision (float64: itself). */
static double in_type(dusk_dtype t, double v)
{
    if (t == DUSK_DT_F4)
        return (float)v;
    if (t == DUSK_DT_F2)
        return dusk__half_to_double(dusk__double_to_half(v));
    return v;
}

/* --- clip ------------------------------------------------------------------------ */

dusk_array *dusk_array_clip(dusk_array *a, const dusk_scalar *lo, const dusk_scalar *hi)
{
    dusk_array *e = dusk__array_bad_input(a, NULL);
    if (e)
        return e;
    if (!lo && !hi)
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "clip: one of max or min must be given "
                                "(as in NumPy)");
    if ((lo && (e = dusk__bad_scalar(a, lo))) || (hi && (e = dusk__bad_scalar(a, hi))))
        return e;
    /* NumPy 1.x reads a nan bound as no bound (its deprecated meaning):
     * -inf and inf, floats, which type the result as floats */
    dusk_scalar nlo, nhi;
    if (lo && dusk__dtype_is_inexact(lo->dtype) && (isnan(lo->re) || isnan(lo->im))) {
        nlo = dusk_scalar_float(-INFINITY);
        lo = &nlo;
    }
    if (hi && dusk__dtype_is_inexact(hi->dtype) && (isnan(hi->re) || isnan(hi->im))) {
        nhi = dusk_scalar_float(INFINITY);
        hi = &nhi;
    }
    /* NumPy 1.x types the bounds by value, as a + s: clip(int8, 0, 300)
     * is int16; with one bound clip is maximum or minimum, typed so */
    dusk_dtype t = a->dtype;
    if (lo)
        t = dusk__promote_typed(DUSK_BINOP_MAX, t, lo, false);
    if (hi)
        t = dusk__promote_typed(DUSK_BINOP_MIN, t, hi, false);
    char extra[160];
    size_t at = (size_t)snprintf(extra, sizeof extra, "%s|", dusk_dtype_code(t));
    dusk_value *args[2] = {NULL, NULL};
    const dusk_scalar *bound[2] = {lo, hi};
    for (int k = 0; k < 2; k++) {
        if (!bound[k]) {
            args[k] = dusk_none();
            at += (size_t)snprintf(extra + at, sizeof extra - at, "none|");
            continue;
        }
        /* each bound in the output's dtype, as NumPy casts it to the loop's */
        args[k] = dusk__scalar_arg(t, bound[k], false, extra + at, sizeof extra - at);
        at = strlen(extra);
        at += (size_t)snprintf(extra + at, sizeof extra - at, "|");
    }
    int map[1][DUSK_MAXDIMS];
    identity_map(a, map);
    return dusk__blockwise(dusk__op_get(DUSK__OP_CLIP), 0, &a, 1, map, a->ndim, a->shape,
                           a->chunks, a->nb, t, extra, 2, args);
}

/* The bound k of a clip task: NULL for None, else a 0-d ndarray of t. */
static int clip_bound(const dusk__targs *t, size_t k, const dusk_value **out, dusk_error *err)
{
    const dusk_value *v = dusk__params_extra(t->params, k);
    if (v && dusk_value_kind(v) == DUSK_KIND_NONE) {
        *out = NULL;
        return 0;
    }
    int rc = dusk__targs_scalar(t, k, out, err);
    if (!rc && dusk_ndarray_dtype(*out) != t->dtype)
        rc = dusk_error_set(err, DUSK_EINVAL, "clip: a bound of dtype %s for an output of %s",
                            dusk_dtype_name(dusk_ndarray_dtype(*out)), dusk_dtype_name(t->dtype));
    return rc;
}

/* NumPy's clip loop, MIN(MAX(x, lo), hi) with MAX(a, b) = a if a is nan
 * or a > b, else b: a nan element or bound gives nan. */
#define CLIP_MAX(a, b, nan_a) ((nan_a) || (a) > (b) ? (a) : (b))
#define CLIP_MIN(a, b, nan_a) ((nan_a) || (a) < (b) ? (a) : (b))

static int complex_gt(double ar, double ai, double br, double bi)
{
    return ar > br || (ar == br && ai > bi);
}

int dusk__k_clip(const dusk__targs *t, dusk_value **out, dusk_error *err)
{
    const dusk_value *a, *lo, *hi;
    int rc = dusk__targs_block_in(t, 0, -1, &a, err);
    if (rc || (rc = clip_bound(t, 0, &lo, err)) || (rc = clip_bound(t, 1, &hi, err)))
        return rc;
    dusk_value *r;
    if ((rc = dusk__nd_astype(a, t->dtype, &r, err)))   /* a new contiguous copy */
        return rc;
    dusk_dtype dt = t->dtype;
    size_t es = dusk_dtype_size(dt);
    int64_t n = dusk_ndarray_size(r);
    char *p = dusk_ndarray_data(r);
    const char *pl = lo ? dusk_ndarray_data(lo) : NULL, *ph = hi ? dusk_ndarray_data(hi) : NULL;
    if (dusk__dtype_is_complex(dt)) {
        double complex l = pl ? dusk__nd_loadc(pl, dt) : 0, h = ph ? dusk__nd_loadc(ph, dt) : 0;
        for (int64_t i = 0; i < n; i++, p += es) {
            double complex x = dusk__nd_loadc(p, dt);
            if (pl && !(isnan(creal(x)) || isnan(cimag(x))) &&
                !complex_gt(creal(x), cimag(x), creal(l), cimag(l)))
                x = l;
            if (ph && !(isnan(creal(x)) || isnan(cimag(x))) &&
                !complex_gt(creal(h), cimag(h), creal(x), cimag(x)))
                x = h;
            dusk__nd_storec(p, dt, x);
        }
    } else if (dusk__dtype_is_float(dt)) {
        double l = pl ? dusk__nd_loadf(pl, dt) : 0, h = ph ? dusk__nd_loadf(ph, dt) : 0;
        for (int64_t i = 0; i < n; i++, p += es) {
            double x = dusk__nd_loadf(p, dt);
            if (pl)
                x = CLIP_MAX(x, l, isnan(x));
            if (ph)
                x = CLIP_MIN(x, h, isnan(x));
            dusk__nd_storef(p, dt, x);
        }
    } else if (dt == DUSK_DT_U8) {   /* past INT64_MAX: compared as the numbers they are */
        uint64_t l = pl ? (uint64_t)dusk__nd_loadi(pl, dt) : 0;
        uint64_t h = ph ? (uint64_t)dusk__nd_loadi(ph, dt) : 0;
        for (int64_t i = 0; i < n; i++, p += es) {
            uint64_t x = (uint64_t)dusk__nd_loadi(p, dt);
            if (pl)
                x = CLIP_MAX(x, l, 0);
            if (ph)
                x = CLIP_MIN(x, h, 0);
            dusk__nd_storei(p, dt, (int64_t)x);
        }
    } else {
        int64_t l = pl ? dusk__nd_loadi(pl, dt) : 0, h = ph ? dusk__nd_loadi(ph, dt) : 0;
        for (int64_t i = 0; i < n; i++, p += es) {
            int64_t x = dusk__nd_loadi(p, dt);
            if (pl)
                x = CLIP_MAX(x, l, 0);
            if (ph)
                x = CLIP_MIN(x, h, 0);
            dusk__nd_storei(p, dt, x);
        }
    }
    *out = r;
    return 0;
}

/* --- round ------------------------------------------------------------------------ */

static dusk_array *round_layer(dusk_array *a, int decimals, int id)
{
    dusk_array *e = dusk__array_bad_input(a, NULL);
    if (e)
        return e;
    const char *name = dusk__op_get(id)->func.name;
    dusk_dtype t = a->dtype;
    if (t == DUSK_DT_BOOL) {
        /* NumPy rounds bools with rint (float16) and refuses the rest: its
         * multiply's float64 cannot be cast back to bool */
        if (decimals != 0)
            return dusk__array_fail(a->ctx, DUSK_ETYPE, "%s: bools are not rounded to %d "
                                    "decimals: NumPy cannot cast its float64 back to bool",
                                    name, decimals);
        t = DUSK_DT_F2;
    }
    char extra[32];
    snprintf(extra, sizeof extra, "%d", decimals);
    dusk_value *args[1] = {dusk_int(decimals)};
    int map[1][DUSK_MAXDIMS];
    identity_map(a, map);
    return dusk__blockwise(dusk__op_get(id), 0, &a, 1, map, a->ndim, a->shape, a->chunks, a->nb,
                           t, extra, 1, args);
}

dusk_array *dusk_array_round(dusk_array *a, int decimals)
{
    return round_layer(a, decimals, DUSK__OP_ROUND);
}

dusk_array *dusk_array_around(dusk_array *a, int decimals)
{
    return round_layer(a, decimals, DUSK__OP_AROUND);
}

/* NumPy's power_of_ten: exact up to 1e8, then by repeated multiplication
 * (so 10**23 is its product, not the nearest double). */
static double power_of_ten(unsigned n)
{
    static const double p10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8};
    if (n < 9)
        return p10[n];
    double r = 1e9;
    while (n-- > 9)
        r *= 10.;
    return r;
}

/* x rounded to decimals in float type t: x * f (x / f), rint, / f (* f),
 * each step computed in ft (t, or the wider type NumPy's value-based
 * casting gives the Python float f: float32 for 1e5 with float16) and
 * stored in t, as NumPy's multiply, rint and divide into t. */
static double round_float(dusk_dtype t, dusk_dtype ft, double x, int decimals, double f)
{
    if (decimals == 0)
        return rint(x);
    double y = in_type(t, in_type(ft, decimals > 0 ? x * f : x / f));
    y = rint(y);
    return in_type(t, in_type(ft, decimals > 0 ? y / f : y * f));
}

int dusk__k_round(const dusk__targs *t, dusk_value **out, dusk_error *err)
{
    const dusk_value *a;
    int64_t dec;
    int rc = dusk__targs_block_in(t, 0, -1, &a, err);
    if (rc || (rc = dusk__targs_int(t, 0, &dec, err)))
        return rc;
    if (dec < -400 || dec > 400)   /* beyond, 10**d is 0 or inf in every dtype */
        dec = dec < 0 ? -400 : 400;
    dusk_value *r;
    if ((rc = dusk__nd_astype(a, t->dtype, &r, err)))   /* a new contiguous copy */
        return rc;
    dusk_dtype dt = t->dtype;
    int decimals = (int)dec;
    size_t es = dusk_dtype_size(dt);
    int64_t n = dusk_ndarray_size(r);
    char *p = dusk_ndarray_data(r);
    double f = power_of_ten((unsigned)(decimals < 0 ? -decimals : decimals));
    if (dusk__dtype_is_inexact(dt)) {
        dusk_dtype part = dusk__dtype_real(dt);
        /* NumPy's Python float f joins t by value: past 65000 float16
         * computes in float32, past 3.4e38 both in float64 */
        dusk_dtype ft = part;
        if (part == DUSK_DT_F2 && f >= 65000.0)
            ft = DUSK_DT_F4;
        if (part != DUSK_DT_F8 && f >= 3.4e38)
            ft = DUSK_DT_F8;
        double fp = in_type(ft, f);
        for (int64_t i = 0; i < n; i++, p += es) {
            if (dusk__dtype_is_complex(dt)) {   /* both parts, as NumPy's */
                double complex z = dusk__nd_loadc(p, dt);
                double re = round_float(part, ft, creal(z), decimals, fp);
                double im = round_float(part, ft, cimag(z), decimals, fp);
                double v[2] = {re, im};
                if (dt == DUSK_DT_C16) {
                    memcpy(p, v, sizeof v);
                } else {
                    float w[2] = {(float)re, (float)im};
                    memcpy(p, w, sizeof w);
                }
            } else {
                dusk__nd_storef(p, dt, round_float(part, ft, dusk__nd_loadf(p, dt), decimals, fp));
            }
        }
    } else if (decimals < 0) {
        /* integers to tens, hundreds ...: in float64, cast back as NumPy
         * casts (a value past int64 is its least, x86's conversion) */
        int uns = dusk__dtype_is_unsigned(dt);
        for (int64_t i = 0; i < n; i++, p += es) {
            int64_t v = dusk__nd_loadi(p, dt);
            double x = uns ? (double)(uint64_t)v : (double)v;
            double y = rint(x / f) * f;
            int64_t q;
            if (uns)
                q = y >= 0 && y < 0x1p64 ? (int64_t)(uint64_t)y : 0;
            else
                q = y >= -0x1p63 && y < 0x1p63 ? (int64_t)y : INT64_MIN;
            if (dt == DUSK_DT_I4 && (q < INT32_MIN || q > INT32_MAX))
                q = INT32_MIN;   /* x86's conversion of a double past int32 */
            dusk__nd_storei(p, dt, q);
        }
    }   /* integers to decimals >= 0 are themselves */
    *out = r;
    return 0;
}

/* --- isclose ---------------------------------------------------------------------- */

/* The float type NumPy computes y's side in: result_type(y, 1.0). */
static dusk_dtype close_ytype(dusk_dtype tb)
{
    return dusk__dtype_is_inexact(tb) ? tb : DUSK_DT_F8;
}

dusk_array *dusk_array_isclose(dusk_array *a, dusk_array *b, double rtol, double atol,
                               bool equal_nan)
{
    dusk_array *e = dusk__array_bad_input(a, b);
    if (e)
        return e;
    if (!b)
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "isclose: no second array given");
    if (a->ctx != b->ctx)
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "isclose: the arrays belong to "
                                "different contexts");
    char extra[96];
    snprintf(extra, sizeof extra, "%a|%a|%d", rtol, atol, (int)equal_nan);
    dusk_value *args[3] = {dusk_float(rtol), dusk_float(atol), dusk_bool(equal_nan)};
    return dusk__binary(dusk__op_get(DUSK__OP_ISCLOSE), a, b, DUSK_DT_BOOL, extra, 3, args);
}

dusk_array *dusk_array_allclose(dusk_array *a, dusk_array *b, double rtol, double atol,
                                bool equal_nan)
{
    return dusk_array_reduce(DUSK_RED_ALL, dusk_array_isclose(a, b, rtol, atol, equal_nan),
                             DUSK_ALL_AXES, false, 0, 0);
}

/* numpy.isclose(a, s) or (s, a) with s a Python float, as NumPy 1.24
 * computes it in every block (see close_scalar_block). */
dusk_array *dusk_array_isclose_scalar(dusk_array *a, double s, bool scalar_first, double rtol,
                                      double atol, bool equal_nan)
{
    dusk_array *e = dusk__array_bad_input(a, NULL);
    if (e)
        return e;
    dusk_dtype t = a->dtype;
    if (t == DUSK_DT_F2 || dusk__dtype_is_complex(t))
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "isclose_scalar: a %s array (float64, "
                                "float32, integer and bool arrays only; use dusk_array_isclose)",
                                dusk_dtype_name(t));
    char extra[160];
    snprintf(extra, sizeof extra, "%a|%a|%d|%a|%d", rtol, atol, (int)equal_nan, s,
             (int)scalar_first);
    dusk_value *args[5] = {dusk_float(rtol), dusk_float(atol), dusk_bool(equal_nan),
                           dusk_float(s), dusk_bool(scalar_first)};
    int map[1][DUSK_MAXDIMS];
    identity_map(a, map);
    return dusk__blockwise(dusk__op_get(DUSK__OP_ISCLOSE), 0, &a, 1, map, a->ndim, a->shape,
                           a->chunks, a->nb, DUSK_DT_BOOL, extra, 5, args);
}

/* The element at idx of a strided block. */
static const char *strided(const char *base, int nd, const int64_t *st, const int64_t *idx)
{
    for (int d = 0; d < nd; d++)
        base += idx[d] * st[d];
    return base;
}

/* NumPy 1.x's value-based casting: a float64 scalar v meets a float32
 * array in float32 when min_scalar_type(v) is float16 or float32 (it is
 * not finite, or -3.4e38 < v < 3.4e38), else in float64. */
static int fits32(double v)
{
    return !isfinite(v) || (v > -3.4e38 && v < 3.4e38);
}

/* A float32 array's element v plus scalar w as NumPy computes the pair. */
static double f32_add(float v, double w)
{
    return fits32(w) ? (double)((float)w + v) : w + (double)v;
}

/* The value of element p of dtype t as NumPy casts it to float64. */
static double close_load(const char *p, dusk_dtype t)
{
    switch (t) {
    case DUSK_DT_F8: { double v; memcpy(&v, p, sizeof v); return v; }
    case DUSK_DT_F4: { float v; memcpy(&v, p, sizeof v); return v; }
    case DUSK_DT_U8: return (double)(uint64_t)dusk__nd_loadi(p, t);
    default: return (double)dusk__nd_loadi(p, t);
    }
}

/* One block of isclose with the scalar s, as numpy.isclose does it:
 *
 * - the scalar second (isclose(x, s)): y = s as a float64 0-d array. When
 *   the block and s are all finite, NumPy computes abs(x - y) <= atol +
 *   rtol * abs(y) with y a scalar, so a float32 block subtracts in float32
 *   (s rounded to float32 first, when it fits) and compares with the
 *   tolerance rounded to float32 (when it fits); any other block is
 *   broadcast to arrays first, and float32 meets float64: all in float64.
 *   Integer and bool blocks compute in float64 either way.
 * - the scalar first (isclose(s, y)): y is the block made inexact
 *   (result_type(y, 1.0): float32 stays, the rest becomes float64); the
 *   tolerance atol + rtol * abs(y) is y's type; the difference float32 when
 *   all is finite and s fits, else float64 (s broadcast to a float64 array).
 * - a 0-d block is a scalar too: no value-based casting, all in float64.
 * Where x or y is not finite: x == y, or both nan with equal_nan. */
static void close_scalar_block(const dusk_value *in, char *o, double s, int first, double rtol,
                               double atol, int equal_nan)
{
    dusk_dtype t = dusk_ndarray_dtype(in);
    int nd = dusk_ndarray_ndim(in);
    const int64_t *shape = dusk_ndarray_shape(in), *st = dusk_ndarray_strides(in);
    int64_t n = dusk_ndarray_size(in), idx[DUSK_MAXDIMS] = {0};
    const char *base = dusk_ndarray_data(in);
    size_t es = dusk_dtype_size(t);
    int contig = 1;
    int64_t want = (int64_t)es;
    for (int d = nd - 1; d >= 0; d--) {
        if (shape[d] != 1 && st[d] != want)
            contig = 0;
        want *= shape[d];
    }
#define CLOSE_AT(k) (contig ? base + (size_t)(k) * es : strided(base, nd, st, idx))
    int f32 = t == DUSK_DT_F4 && nd > 0;
    int allfin = isfinite(s);
    if (f32 && contig) {   /* only float32 blocks compute otherwise when all is finite */
        const float *x = (const float *)(const void *)base;
        for (int64_t k = 0; k < n && allfin; k++)
            allfin = isfinite(x[k]);
    } else if (f32) {
        memset(idx, 0, sizeof idx);
        for (int64_t k = 0; k < n && allfin; k++) {
            allfin = isfinite(close_load(CLOSE_AT(k), t));
            dusk__next_index(nd, shape, idx);
        }
    }
    double tol_s = atol + rtol * fabs(s);   /* NumPy's float64 scalars */
    if (contig && t == DUSK_DT_F8 && isfinite(s)) {   /* the common case, in one loop */
        const double *x = (const double *)(const void *)base;
        double lo = first ? 0 : tol_s;
        for (int64_t k = 0; k < n; k++) {
            double v = x[k];
            if (!isfinite(v))
                o[k] = 0;   /* s is finite: never equal, never both nan */
            else
                o[k] = (char)(fabs(first ? s - v : v - s) <= (first ? atol + rtol * fabs(v) : lo));
        }
        return;
    }
    if (contig && f32 && allfin && !first) {   /* isclose(x, s) of a finite float32 block */
        const float *x = (const float *)(const void *)base;
        float fs = (float)s, ft = (float)tol_s;
        if (!fits32(s))
            for (int64_t k = 0; k < n; k++)
                o[k] = (char)(fabs((double)x[k] - s) <= tol_s);
        else if (fits32(tol_s))
            for (int64_t k = 0; k < n; k++)
                o[k] = (char)(fabsf(x[k] - fs) <= ft);
        else
            for (int64_t k = 0; k < n; k++)
                o[k] = (char)((double)fabsf(x[k] - fs) <= tol_s);
        return;
    }
    memset(idx, 0, sizeof idx);
    for (int64_t k = 0; k < n; k++) {
        const char *p = CLOSE_AT(k);
        if (!contig)
            dusk__next_index(nd, shape, idx);
        double v = close_load(p, t);
        int r;
        if (!isfinite(v) || !isfinite(s)) {
            r = v == s || (equal_nan && isnan(v) && isnan(s));
        } else if (!first) {
            if (f32 && allfin) {
                float fv = (float)v;
                double d = fits32(s) ? (double)fabsf(fv - (float)s) : fabs(v - s);
                r = fits32(tol_s) && fits32(s) ? (float)d <= (float)tol_s : d <= tol_s;
            } else {
                r = fabs(v - s) <= tol_s;
            }
        } else if (f32) {
            float fv = (float)v, ay = fabsf(fv);
            double tol;
            /* rtol * abs(y), then atol + it, each as NumPy pairs a scalar
             * with a float32 array (float32 when the scalar fits) */
            if (fits32(rtol)) {
                float m = (float)rtol * ay;
                tol = f32_add(m, atol);
            } else {
                tol = atol + rtol * (double)ay;
            }
            int tol32 = fits32(rtol) && fits32(atol);
            if (allfin && fits32(s)) {
                float d = fabsf((float)s - fv);
                r = tol32 ? d <= (float)tol : (double)d <= tol;
            } else {
                r = fabs(s - v) <= tol;
            }
        } else {
            r = fabs(s - v) <= atol + rtol * fabs(v);
        }
        o[k] = (char)r;
    }
#undef CLOSE_AT
}

/* One element of numpy.isclose: x of dtype tx, y of ty, x - y computed in
 * td, y's side in tyf. */
static int close_elem(const char *px, dusk_dtype tx, const char *py, dusk_dtype ty,
                      dusk_dtype td, dusk_dtype tyf, double rtol, double atol, int equal_nan)
{
    if (dusk__dtype_is_complex(td)) {
        double complex x = dusk__nd_loadc(px, tx), y = dusk__nd_loadc(py, ty);
        double xr = creal(x), xi = cimag(x), yr = creal(y), yi = cimag(y);
        int fin = isfinite(xr) && isfinite(xi) && isfinite(yr) && isfinite(yi);
        if (!fin) {
            /* NumPy multiplies each complex side by ones first (its
             * broadcast), by the plain formula: inf + 0j becomes inf + nanj */
            if (dusk__dtype_is_complex(tx)) {
                double r = xr * 1 - xi * 0, i = xr * 0 + xi * 1;
                xr = r, xi = i;
            }
            if (dusk__dtype_is_complex(tyf)) {
                double r = yr * 1 - yi * 0, i = yr * 0 + yi * 1;
                yr = r, yi = i;
            }
            int xnan = isnan(xr) || isnan(xi), ynan = isnan(yr) || isnan(yi);
            return (xr == yr && xi == yi) || (equal_nan && xnan && ynan);
        }
        dusk_dtype pd = dusk__dtype_real(td), py_ = dusk__dtype_real(tyf);
        double d = in_type(pd, hypot(in_type(pd, xr - yr), in_type(pd, xi - yi)));
        double ay = in_type(py_, hypot(yr, yi));
        double tol = in_type(py_, in_type(py_, atol) + in_type(py_, in_type(py_, rtol) * ay));
        return d <= tol;
    }
    double x = dusk__nd_loadf(px, tx), y = dusk__nd_loadf(py, ty);
    if (dusk__dtype_is_unsigned(ty) && ty == DUSK_DT_U8)
        y = (double)(uint64_t)dusk__nd_loadi(py, ty);
    if (dusk__dtype_is_unsigned(tx) && tx == DUSK_DT_U8)
        x = (double)(uint64_t)dusk__nd_loadi(px, tx);
    if (!isfinite(x) || !isfinite(y))
        return x == y || (equal_nan && isnan(x) && isnan(y));
    double d = fabs(in_type(td, x - y));
    double tol = in_type(tyf, in_type(tyf, atol) + in_type(tyf, in_type(tyf, rtol) * fabs(y)));
    return d <= tol;
}

int dusk__k_isclose(const dusk__targs *t, dusk_value **out, dusk_error *err)
{
    const dusk_value *in[2];
    double rtol, atol;
    int64_t equal_nan;
    int rc = dusk__targs_block_in(t, 0, -1, &in[0], err);
    if (rc || (rc = dusk__targs_float(t, 0, &rtol, err)) ||
        (rc = dusk__targs_float(t, 1, &atol, err)) || (rc = dusk__targs_int(t, 2, &equal_nan, err)))
        return rc;
    if (t->nin == 1) {   /* dusk_array_isclose_scalar */
        double s;
        int64_t first;
        if ((rc = dusk__targs_float(t, 3, &s, err)) || (rc = dusk__targs_int(t, 4, &first, err)))
            return rc;
        dusk_dtype dt = dusk_ndarray_dtype(in[0]);
        if (dt == DUSK_DT_F2 || dusk__dtype_is_complex(dt))
            return dusk_error_set(err, DUSK_ETYPE, "isclose: a %s block with a scalar",
                                  dusk_dtype_name(dt));
        dusk_value *r = dusk_ndarray_empty(DUSK_DT_BOOL, dusk_ndarray_ndim(in[0]),
                                           dusk_ndarray_shape(in[0]));
        if (!r)
            return dusk__oom(err);
        close_scalar_block(in[0], dusk_ndarray_data(r), s, first != 0, rtol, atol,
                           equal_nan != 0);
        *out = r;
        return 0;
    }
    if ((rc = dusk__targs_block_in(t, 1, -1, &in[1], err)))
        return rc;
    int ndim = 0;
    for (int i = 0; i < 2; i++)
        ndim = dusk_ndarray_ndim(in[i]) > ndim ? dusk_ndarray_ndim(in[i]) : ndim;
    int64_t shape[DUSK_MAXDIMS], st[2][DUSK_MAXDIMS];
    for (int d = 0; d < ndim; d++) {
        shape[d] = 1;
        for (int i = 0; i < 2; i++) {
            int e = d - (ndim - dusk_ndarray_ndim(in[i]));
            int64_t x = e >= 0 ? dusk_ndarray_shape(in[i])[e] : 1;
            if (x != 1 && shape[d] != 1 && x != shape[d])
                return dusk_error_set(err, DUSK_ETYPE, "isclose: blocks that do not broadcast "
                                      "(axis %d: %" PRId64 " vs %" PRId64 ")", d, shape[d], x);
            if (x != 1)
                shape[d] = x;
        }
    }
    for (int i = 0; i < 2; i++)
        for (int d = 0; d < ndim; d++) {
            int e = d - (ndim - dusk_ndarray_ndim(in[i]));
            st[i][d] = e < 0 || dusk_ndarray_shape(in[i])[e] == 1 ? 0
                                                                   : dusk_ndarray_strides(in[i])[e];
        }
    dusk_value *r = dusk_ndarray_empty(DUSK_DT_BOOL, ndim, shape);
    if (!r)
        return dusk__oom(err);
    *out = r;
    if (dusk_ndarray_size(r) == 0)
        return 0;
    dusk_dtype tx = dusk_ndarray_dtype(in[0]), ty = dusk_ndarray_dtype(in[1]);
    dusk_dtype tyf = close_ytype(ty), td = dusk__promote(tx, tyf);
    char *o = dusk_ndarray_data(r);
    int64_t idx[DUSK_MAXDIMS] = {0};
    do {
        int64_t off[2] = {0, 0};
        for (int i = 0; i < 2; i++)
            for (int d = 0; d < ndim; d++)
                off[i] += idx[d] * st[i][d];
        *o++ = (char)close_elem((const char *)dusk_ndarray_data(in[0]) + off[0], tx,
                                (const char *)dusk_ndarray_data(in[1]) + off[1], ty, td, tyf,
                                rtol, atol, (int)equal_nan);
    } while (dusk__next_index(ndim, shape, idx));
    return 0;
}

/* --- nan_to_num -------------------------------------------------------------------- */

/* The largest finite number of float type t. */
static double largest(dusk_dtype t)
{
    return t == DUSK_DT_F2 ? 65504.0 : t == DUSK_DT_F4 ? (double)FLT_MAX : DBL_MAX;
}

dusk_array *dusk_array_nan_to_num(dusk_array *a, double nan, const double *posinf,
                                  const double *neginf)
{
    dusk_array *e = dusk__array_bad_input(a, NULL);
    if (e)
        return e;
    dusk_dtype part = dusk__dtype_real(a->dtype);
    double pi = posinf ? *posinf : dusk__dtype_is_float(part) ? largest(part) : 0;
    double ni = neginf ? *neginf : dusk__dtype_is_float(part) ? -largest(part) : 0;
    char extra[96];
    snprintf(extra, sizeof extra, "%a|%a|%a", nan, pi, ni);
    dusk_value *args[3] = {dusk_float(nan), dusk_float(pi), dusk_float(ni)};
    int map[1][DUSK_MAXDIMS];
    identity_map(a, map);
    return dusk__blockwise(dusk__op_get(DUSK__OP_NAN_TO_NUM), 0, &a, 1, map, a->ndim, a->shape,
                           a->chunks, a->nb, a->dtype, extra, 3, args);
}

static double replace_nonfinite(double v, double nan, double pi, double ni)
{
    return isnan(v) ? nan : v == INFINITY ? pi : v == -INFINITY ? ni : v;
}

int dusk__k_nan_to_num(const dusk__targs *t, dusk_value **out, dusk_error *err)
{
    const dusk_value *a;
    double nan, pi, ni;
    int rc = dusk__targs_block_in(t, 0, -1, &a, err);
    if (rc || (rc = dusk__targs_float(t, 0, &nan, err)) || (rc = dusk__targs_float(t, 1, &pi, err)) ||
        (rc = dusk__targs_float(t, 2, &ni, err)))
        return rc;
    dusk_value *r;
    if ((rc = dusk__nd_astype(a, t->dtype, &r, err)))   /* a new contiguous copy */
        return rc;
    dusk_dtype dt = t->dtype;
    size_t es = dusk_dtype_size(dt);
    int64_t n = dusk_ndarray_size(r);
    char *p = dusk_ndarray_data(r);
    if (dusk__dtype_is_complex(dt)) {   /* each part */
        for (int64_t i = 0; i < n; i++, p += es) {
            double complex z = dusk__nd_loadc(p, dt);
            double re = replace_nonfinite(creal(z), nan, pi, ni);
            double im = replace_nonfinite(cimag(z), nan, pi, ni);
            if (dt == DUSK_DT_C16) {
                double v[2] = {re, im};
                memcpy(p, v, sizeof v);
            } else {
                float v[2] = {(float)re, (float)im};
                memcpy(p, v, sizeof v);
            }
        }
    } else if (dusk__dtype_is_float(dt)) {
        for (int64_t i = 0; i < n; i++, p += es)
            dusk__nd_storef(p, dt, replace_nonfinite(dusk__nd_loadf(p, dt), nan, pi, ni));
    }   /* integers and bools have neither nan nor inf */
    *out = r;
    return 0;
}
