/*
** dusk — elementwise operations: binops with NumPy broadcasting, binops
** with a scalar, unops, astype, transpose and where
**
** Each is one BLOCKS layer (dusk__blockwise): output block idx reads, of
** each input, the block that lies under it, or block 0 along an axis the
** input broadcasts. Inputs whose chunks differ along a shared axis of
** length > 1 are first rechunked to the common refinement of both (unify),
** as Dask's unify_chunks does for two arrays (for where's three, unify_all).
** The kernels are thin: the arithmetic and NumPy's dtype rules are
** array/nd.c's.
*/
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "array.h"
#include "dusk/alloc.h"
#include "nd.h"

static int same_chunks(const dusk_array *a, int da, const dusk_array *b, int db)
{
    if (a->nb[da] != b->nb[db])
        return 0;
    return memcmp(a->chunks[da], b->chunks[db], (size_t)a->nb[da] * sizeof(int64_t)) == 0;
}

/* The common refinement of two chunkings of one axis, as text "(...)". */
static char *refine(const int64_t *c1, int64_t n1, const int64_t *c2, int64_t n2)
{
    size_t cap = (size_t)(n1 + n2) * 22 + 8;
    char *s = dusk_malloc(cap);
    if (!s)
        return NULL;
    size_t len = (size_t)snprintf(s, cap, "(");
    int64_t i = 0, j = 0, e1 = c1[0], e2 = c2[0], at = 0;
    while (i < n1 && j < n2) {
        int64_t e = e1 < e2 ? e1 : e2;
        len += (size_t)snprintf(s + len, cap - len, "%" PRId64 ", ", e - at);
        at = e;
        if (e1 == e && ++i < n1)
            e1 += c1[i];
        if (e2 == e && ++j < n2)
            e2 += c2[j];
    }
    snprintf(s + len, cap - len, ")");
    return s;
}

/* Rechunks x so that along each axis where both have length > 1 (right
 * aligned) it has the common refinement of x's and y's chunks. */
static dusk_array *unify(dusk_array *x, const dusk_array *y)
{
    int off = y->ndim - x->ndim;  /* y's axis of x's axis d is d + off */
    int need = 0;
    for (int d = 0; d < x->ndim; d++) {
        int e = d + off;
        if (e >= 0 && x->shape[d] > 1 && y->shape[e] > 1 && !same_chunks(x, d, y, e))
            need = 1;
    }
    if (!need)
        return x;
    size_t cap = 64;
    for (int d = 0; d < x->ndim; d++)
        cap += (size_t)(x->nb[d] + (d + off >= 0 ? y->nb[d + off] : 0)) * 22 + 8;
    char *spec = dusk_malloc(cap);
    if (!spec)
        return dusk__array_oom(x->ctx, "unified chunks");
    size_t len = (size_t)snprintf(spec, cap, "(");
    int changed = 0;
    for (int d = 0; d < x->ndim; d++) {
        int e = d + off;
        char *r, *own = refine(x->chunks[d], x->nb[d], x->chunks[d], x->nb[d]);
        if (e >= 0 && x->shape[d] > 1 && y->shape[e] > 1)
            r = refine(x->chunks[d], x->nb[d], y->chunks[e], y->nb[e]);
        else
            r = own ? dusk_strdup(own) : NULL;
        if (!r || !own) {
            dusk_free(r);
            dusk_free(own);
            dusk_free(spec);
            return dusk__array_oom(x->ctx, "unified chunks");
        }
        changed |= strcmp(r, own) != 0;
        len += (size_t)snprintf(spec + len, cap - len, "%s, ", r);
        dusk_free(r);
        dusk_free(own);
    }
    snprintf(spec + len, cap - len, ")");
    if (!changed) {   /* x's chunks are already the common ones (the other is cut) */
        dusk_free(spec);
        return x;
    }
    dusk_array *z = dusk_array_rechunk(x, spec);
    dusk_free(spec);
    return z;
}

dusk_array *dusk__blockwise_layer(const dusk__op *kop, const char *tok, dusk_array **in, int nin,
                                  int (*map)[DUSK_MAXDIMS], int ndim, const int64_t *shape,
                                  int64_t *const *chunks, const int64_t *nb, dusk_dtype dtype,
                                  size_t nargs, dusk_value **args)
{
    dusk_array_ctx *ctx = in[0]->ctx;
    const char *prefix = kop->func.name;
    dusk_value *pv = dusk__params_new(dtype, ndim, NULL, NULL, nargs, args);
    dusk__layer *L = dusk__layer_new(ctx, prefix, tok, DUSK__L_BLOCKS, kop, pv, ndim, shape, nb,
                                     dtype);
    if (!L)
        return dusk__array_oom(ctx, prefix);
    for (int i = 0; i < nin; i++) {
        dusk__layer_input(L, in[i]->L);
        memcpy(L->map[i], map[i], sizeof L->map[i]);
    }
    dusk_array *r = dusk__array_new(ctx, L, ndim, shape, chunks, nb, dtype);
    dusk__bound_from_inputs(r, in, nin, map);
    return r;
}

dusk_array *dusk__blockwise(const dusk__op *kop, int code, dusk_array **in, int nin,
                            int (*map)[DUSK_MAXDIMS], int ndim, const int64_t *shape,
                            int64_t *const *chunks, const int64_t *nb, dusk_dtype dtype,
                            const char *extra, size_t nargs, dusk_value **args)
{
    char tok[33];
    dusk__token(tok, "%s|%d|%s|%s|%s|%s", kop->func.name, code, in[0]->L->name,
                nin > 1 ? in[1]->L->name : "", dusk_dtype_code(dtype), extra ? extra : "");
    return dusk__blockwise_layer(kop, tok, in, nin, map, ndim, shape, chunks, nb, dtype, nargs,
                                 args);
}

/* The identity map of a's axes, for one-input layers. */
static void identity_map(const dusk_array *a, int (*map)[DUSK_MAXDIMS])
{
    for (int d = 0; d < a->ndim; d++)
        map[0][d] = d;
}

/* What NumPy refuses too: floor division and remainder of complex
 * numbers, bitwise operations of anything but integers and bools (t: the
 * operands' common dtype). DUSK_ETYPE: NumPy's TypeError, as every refusal
 * of an operation for its operands' dtypes. */
static dusk_array *no_such_op(dusk_array *a, dusk_binop op, dusk_dtype t)
{
    const char *name = dusk__op_get(DUSK__OP_BINOP + op)->func.name;
    op = dusk__binop_base(op);
    if ((dusk__binop_floats_only(op) || op == DUSK_BINOP_FMOD) && dusk__dtype_is_complex(t))
        return dusk__array_fail(a->ctx, DUSK_ETYPE, "%s: ufunc '%s' not supported for %s "
                                "(nor in NumPy)", name, name, dusk_dtype_name(t));
    if (op == DUSK_BINOP_SUB && t == DUSK_DT_BOOL)
        return dusk__array_fail(a->ctx, DUSK_ETYPE, "%s: numpy boolean subtract is not "
                                "supported", name);
    if ((op == DUSK_BINOP_FLOORDIV || op == DUSK_BINOP_MOD) && dusk__dtype_is_complex(t))
        return dusk__array_fail(a->ctx, DUSK_ETYPE, "%s: complex numbers have no %s (nor in NumPy)",
                                name, op == DUSK_BINOP_MOD ? "remainder" : "floor division");
    if ((op == DUSK_BINOP_AND || op == DUSK_BINOP_OR || op == DUSK_BINOP_XOR) &&
        dusk__dtype_is_inexact(t))
        return dusk__array_fail(a->ctx, DUSK_ETYPE, "%s: bitwise operations take integers and "
                                "bools, not %s (nor in NumPy)", name, dusk_dtype_name(t));
    return NULL;
}

/* The broadcast of a and b and its layer of kop (args stolen, also on
 * failure). code: the dusk_binop, whose dtypes are checked once the shapes
 * broadcast (Dask's order: its error is the shapes'), or -1 for a layer
 * checked by its caller. */
static dusk_array *binary_layer(const dusk__op *kop, int code, dusk_array *a, dusk_array *b,
                                dusk_dtype t, const char *extra, size_t nargs,
                                dusk_value **args);

dusk_array *dusk_array_binop(dusk_binop op, dusk_array *a, dusk_array *b)
{
    dusk_array *e = dusk__array_bad_input(a, b);
    if (e)
        return e;
    if (!b)
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "no second array given");
    if ((unsigned)op >= DUSK_BINOP_COUNT)
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "unknown operation %d", (int)op);
    return binary_layer(dusk__op_get(DUSK__OP_BINOP + op), op, a, b,
                        dusk__binop_dtype(op, a->dtype, b->dtype), NULL, 0, NULL);
}

dusk_array *dusk__binary(const dusk__op *kop, dusk_array *a, dusk_array *b, dusk_dtype t,
                         const char *extra, size_t nargs, dusk_value **args)
{
    return binary_layer(kop, -1, a, b, t, extra, nargs, args);
}

static dusk_array *binary_layer(const dusk__op *kop, int code, dusk_array *a, dusk_array *b,
                                dusk_dtype t, const char *extra, size_t nargs,
                                dusk_value **args)
{
    dusk_array *e;
    int ndim = a->ndim > b->ndim ? a->ndim : b->ndim;
    int64_t shape[DUSK_MAXDIMS];
    if ((a->unknown || b->unknown) && (e = dusk__unknown_align(a, b, kop->func.name))) {
        for (size_t k = 0; k < nargs; k++)
            dusk_value_unref(args[k]);
        return e;
    }
    for (int d = 0; d < ndim; d++) {
        int da = d - (ndim - a->ndim), db = d - (ndim - b->ndim);
        int64_t x = da >= 0 ? a->shape[da] : 1, y = db >= 0 ? b->shape[db] : 1;
        if (x != y && x != 1 && y != 1) {
            char s1[256], s2[256];
            dusk__fmt_shape(s1, sizeof s1, a->ndim, a->shape);
            dusk__fmt_shape(s2, sizeof s2, b->ndim, b->shape);
            for (size_t k = 0; k < nargs; k++)
                dusk_value_unref(args[k]);
            return dusk__array_fail(a->ctx, DUSK_EINVAL,
                        "%s: shapes %s and %s do not broadcast (axis %d: %" PRId64 " vs %" PRId64 ")",
                        kop->func.name, s1, s2, d, x, y);
        }
        shape[d] = x == 1 ? y : x;
    }
    if (code >= 0 && (e = no_such_op(a, (dusk_binop)code, dusk__promote(a->dtype, b->dtype)))) {
        for (size_t k = 0; k < nargs; k++)
            dusk_value_unref(args[k]);
        return e;
    }
    /* Chunks must agree along shared axes of length > 1: refine both. */
    dusk_array *ua = unify(a, b), *ub = unify(b, a);
    if ((e = dusk__array_bad_input(ua, ub))) {
        for (size_t k = 0; k < nargs; k++)
            dusk_value_unref(args[k]);
        return e;
    }
    dusk_array *in[2] = {ua, ub};
    int map[2][DUSK_MAXDIMS];
    int64_t nb[DUSK_MAXDIMS];
    int64_t *chunks[DUSK_MAXDIMS];
    for (int d = 0; d < ndim; d++) {
        int da = d - (ndim - ua->ndim), db = d - (ndim - ub->ndim);
        const dusk_array *src = da >= 0 && ua->shape[da] == shape[d] ? ua : ub;
        int ds = src == ua ? da : db;
        nb[d] = src->nb[ds];
        chunks[d] = src->chunks[ds];
        if (da >= 0)
            map[0][da] = ua->shape[da] == shape[d] && shape[d] != 1 ? d : (ua->nb[da] == nb[d] ? d : -1);
        if (db >= 0)
            map[1][db] = ub->shape[db] == shape[d] && shape[d] != 1 ? d : (ub->nb[db] == nb[d] ? d : -1);
    }
    return dusk__blockwise(kop, code < 0 ? 0 : code, in, 2, map, ndim, shape, chunks, nb, t, extra,
                           nargs, args);
}

dusk_array *dusk_array_binop_scalar(dusk_binop op, dusk_array *a, double s, bool scalar_first)
{
    dusk_array *e = dusk__array_bad_input(a, NULL);
    if (e)
        return e;
    return dusk_array_binop_typed(op, a, dusk__scalar_of_double(a->dtype, s), scalar_first);
}

/* NULL when s's value is one its dtype holds, else an error array. */
static dusk_array *bad_scalar(dusk_array *a, const dusk_scalar *s)
{
    if ((unsigned)s->dtype >= DUSK_DT_COUNT)
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "scalar of unknown dtype %d", (int)s->dtype);
    static const struct { dusk_dtype t; int64_t lo, hi; } R[] = {
        {DUSK_DT_BOOL, 0, 1}, {DUSK_DT_I1, INT8_MIN, INT8_MAX}, {DUSK_DT_I2, INT16_MIN, INT16_MAX},
        {DUSK_DT_I4, INT32_MIN, INT32_MAX}, {DUSK_DT_U1, 0, UINT8_MAX}, {DUSK_DT_U2, 0, UINT16_MAX},
        {DUSK_DT_U4, 0, UINT32_MAX},
    };
    for (size_t k = 0; k < sizeof R / sizeof *R; k++)
        if (s->dtype == R[k].t && (s->i < R[k].lo || s->i > R[k].hi))
            return dusk__array_fail(a->ctx, DUSK_EINVAL, "scalar %" PRId64 " is out of range "
                                    "for its dtype %s", s->i, dusk_dtype_name(s->dtype));
    if (!dusk__dtype_is_complex(s->dtype) && s->im != 0)
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "scalar of dtype %s with an imaginary "
                                "part (%g): give it dtype complex128", dusk_dtype_name(s->dtype),
                                s->im);
    return NULL;
}

/* The scalar of an array-scalar operation as a 0-d array of dtype st (its
 * task argument; NULL when out of memory, which the layer reports), and in
 * extra, for the layer's token, what the tasks compute with: the side it
 * is on, its dtype and its bytes. */
static dusk_value *scalar_arg(dusk_dtype st, const dusk_scalar *s, bool scalar_first,
                              char *extra, size_t n)
{
    size_t at = (size_t)snprintf(extra, n, "%d|%s|", (int)scalar_first, dusk_dtype_code(st));
    dusk_value *sv = dusk_ndarray_new(st, 0, NULL);
    if (sv) {
        dusk__nd_store_scalar(sv->u.nd.data, st, s);
        for (size_t k = 0; k < dusk_dtype_size(st) && at < n; k++)
            at += (size_t)snprintf(extra + at, n - at, "%02x", (unsigned char)sv->u.nd.data[k]);
    }
    return sv;
}

dusk_array *dusk__bad_scalar(dusk_array *a, const dusk_scalar *s) { return bad_scalar(a, s); }

dusk_value *dusk__scalar_arg(dusk_dtype st, const dusk_scalar *s, bool scalar_first, char *extra,
                             size_t n)
{
    return scalar_arg(st, s, scalar_first, extra, n);
}

dusk_array *dusk_array_binop_typed(dusk_binop op, dusk_array *a, dusk_scalar s, bool scalar_first)
{
    dusk_array *e = dusk__array_bad_input(a, NULL);
    if (e)
        return e;
    if ((unsigned)op >= DUSK_BINOP_COUNT)
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "unknown operation %d", (int)op);
    if ((e = bad_scalar(a, &s)))
        return e;
    /* the scalar computes in the type NumPy's value-based casting gives
     * the pair (uint64 + 3 stays in integers, int8 - 2.0 is float64) */
    dusk_dtype st = dusk__promote_typed(op, a->dtype, &s, scalar_first);
    if ((e = no_such_op(a, op, st)))
        return e;
    /* an integer x ** -1 fails in every block: said now, as NumPy says it
     * (Dask refuses it too, when its graph is built) */
    if (dusk__binop_base(op) == DUSK_BINOP_POW && !scalar_first && !dusk__dtype_is_inexact(st) &&
        !dusk__dtype_is_inexact(s.dtype) && s.dtype != DUSK_DT_BOOL && s.dtype != DUSK_DT_U8 &&
        s.i < 0)
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "x ** %" PRId64 " of %s: integers to negative "
                                "integer powers are not allowed", s.i, dusk_dtype_name(a->dtype));
    dusk_dtype t = dusk__binop_dtype(op, a->dtype, st);
    int map[1][DUSK_MAXDIMS];
    identity_map(a, map);
    /* the token names what the tasks compute: the scalar as the type it
     * computes in (f8 + 2 and f8 + 2.0 are one layer, i8 - 2 and i8 -
     * 2.0 two) */
    char extra[64];
    dusk_value *sv = scalar_arg(st, &s, scalar_first, extra, sizeof extra);
    dusk_value *args[2] = {sv, dusk_bool(scalar_first)};
    return dusk__blockwise(dusk__op_get(DUSK__OP_BINOP + op), op, &a, 1, map, a->ndim, a->shape,
                           a->chunks, a->nb, t, extra, 2, args);
}

dusk_array *dusk_array_unop(dusk_unop op, dusk_array *a)
{
    dusk_array *e = dusk__array_bad_input(a, NULL);
    if (e)
        return e;
    if ((unsigned)op >= DUSK_UNOP_COUNT)
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "unknown operation %d", (int)op);
    if (op == DUSK_UNOP_NEG && a->dtype == DUSK_DT_BOOL)
        return dusk__array_fail(a->ctx, DUSK_ETYPE, "neg: the numpy boolean negative is not supported");
    if (op == DUSK_UNOP_INVERT && dusk__dtype_is_inexact(a->dtype))
        return dusk__array_fail(a->ctx, DUSK_ETYPE, "invert: ~ takes integers and bools, not %s "
                                "(nor in NumPy)", dusk_dtype_name(a->dtype));
    if ((op == DUSK_UNOP_FLOOR || op == DUSK_UNOP_CEIL || op == DUSK_UNOP_TRUNC) &&
        dusk__dtype_is_complex(a->dtype))
        return dusk__array_fail(a->ctx, DUSK_ETYPE, "%s: complex numbers are not rounded so "
                                "(nor in NumPy)", dusk__op_get(DUSK__OP_UNOP + op)->func.name);
    if (op == DUSK_UNOP_SIGN && a->dtype == DUSK_DT_BOOL)
        return dusk__array_fail(a->ctx, DUSK_ETYPE, "sign: bools have no sign (nor in NumPy)");
    if (op == DUSK_UNOP_POSITIVE && a->dtype == DUSK_DT_BOOL)
        return dusk__array_fail(a->ctx, DUSK_ETYPE, "positive: ufunc 'positive' has no loop "
                                "for bools (nor in NumPy)");
    if ((op == DUSK_UNOP_CBRT || op == DUSK_UNOP_FABS || op == DUSK_UNOP_DEG2RAD ||
         op == DUSK_UNOP_RAD2DEG || op == DUSK_UNOP_DEGREES || op == DUSK_UNOP_RADIANS ||
         op == DUSK_UNOP_SIGNBIT) && dusk__dtype_is_complex(a->dtype)) {
        const char *name = dusk__op_get(DUSK__OP_UNOP + op)->func.name;
        return dusk__array_fail(a->ctx, DUSK_ETYPE, "%s: ufunc '%s' not supported for %s "
                                "(nor in NumPy)", name, name, dusk_dtype_name(a->dtype));
    }
    int map[1][DUSK_MAXDIMS];
    identity_map(a, map);
    return dusk__blockwise(dusk__op_get(DUSK__OP_UNOP + op), op, &a, 1, map, a->ndim, a->shape,
                           a->chunks, a->nb, dusk__unop_dtype(op, a->dtype), NULL, 0, NULL);
}

dusk_array *dusk_array_add(dusk_array *a, dusk_array *b) { return dusk_array_binop(DUSK_BINOP_ADD, a, b); }
dusk_array *dusk_array_sub(dusk_array *a, dusk_array *b) { return dusk_array_binop(DUSK_BINOP_SUB, a, b); }
dusk_array *dusk_array_mul(dusk_array *a, dusk_array *b) { return dusk_array_binop(DUSK_BINOP_MUL, a, b); }
dusk_array *dusk_array_div(dusk_array *a, dusk_array *b) { return dusk_array_binop(DUSK_BINOP_DIV, a, b); }


/* --- shape ---------------------------------------------------------------------- */

dusk_array *dusk_array_transpose(dusk_array *a, const int *perm)
{
    dusk_array *e = dusk__array_bad_input(a, NULL);
    if (e)
        return e;
    int p[DUSK_MAXDIMS], seen[DUSK_MAXDIMS] = {0};
    for (int i = 0; i < a->ndim; i++) {
        int ax = perm ? perm[i] : a->ndim - 1 - i;
        if (ax < 0)
            ax += a->ndim;
        if (ax < 0 || ax >= a->ndim || seen[ax])
            return dusk__array_fail(a->ctx, DUSK_EINVAL,
                                    "transpose: axes are not a permutation of 0..%d", a->ndim - 1);
        seen[ax] = 1;
        p[i] = ax;
    }
    int64_t shape[DUSK_MAXDIMS], nb[DUSK_MAXDIMS];
    int64_t *chunks[DUSK_MAXDIMS];
    int map[1][DUSK_MAXDIMS];
    char extra[256] = "";
    for (int i = 0; i < a->ndim; i++) {
        shape[i] = a->shape[p[i]];
        nb[i] = a->nb[p[i]];
        chunks[i] = a->chunks[p[i]];
        map[0][p[i]] = i;
        size_t l = strlen(extra);
        snprintf(extra + l, sizeof extra - l, "%d,", p[i]);
    }
    dusk_value *pt = dusk__ints_value(p, a->ndim);
    return dusk__blockwise(dusk__op_get(DUSK__OP_TRANSPOSE), 0, &a, 1, map, a->ndim, shape,
                           chunks, nb, a->dtype, extra, 1, &pt);
}

dusk_array *dusk_array_astype(dusk_array *a, dusk_dtype dtype)
{
    dusk_array *e = dusk__array_bad_input(a, NULL);
    if (e)
        return e;
    if ((unsigned)dtype >= DUSK_DT_COUNT)
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "astype: unsupported dtype %d", (int)dtype);
    if (dtype == a->dtype)
        return a;
    int map[1][DUSK_MAXDIMS];
    identity_map(a, map);
    return dusk__blockwise(dusk__op_get(DUSK__OP_ASTYPE), 0, &a, 1, map, a->ndim, a->shape,
                           a->chunks, a->nb, dtype, NULL, 0, NULL);
}

/* --- kernels ---------------------------------------------------------------------- */

/* a ** s for a real number s, as NumPy's ** operator on an array of
 * floats (fast_scalar_power): 2, 0.5 and -1 are square, sqrt and 1 / a,
 * not pow, which differs from them on -0.0 and -inf (sqrt(-0.0) is -0.0,
 * pow's +0.0) and in the last bit of some values; 1 is a copy. Complex
 * arrays square and take the root the same way (NumPy's reciprocal of a
 * complex number rounds otherwise than a division: that one stays pow).
 * Dask's x ** 0.5 is NumPy's operator on each block. */
static int pow_scalar(const dusk_value *a, const dusk_value *s, dusk_dtype dtype,
                      dusk_value **out, dusk_error *err)
{
    dusk_dtype at = dusk_ndarray_dtype(a);
    int fl = at == DUSK_DT_F8 || at == DUSK_DT_F4 || at == DUSK_DT_F2;
    int cx = at == DUSK_DT_C16 || at == DUSK_DT_C8;
    /* the scalar: a 0-d array in the type NumPy computes it in (a
     * complex one for a complex array: its imaginary part is 0) */
    dusk_dtype st = dusk_ndarray_dtype(s);
    const char *sp = dusk_ndarray_data(s);
    double e = 0;
    int real = dusk_ndarray_ndim(s) == 0;
    if (real && st == DUSK_DT_C16) {
        double p[2];
        memcpy(p, sp, sizeof p);
        e = p[0], real = p[1] == 0;
    } else if (real && st == DUSK_DT_C8) {
        float p[2];
        memcpy(p, sp, sizeof p);
        e = p[0], real = p[1] == 0;
    } else if (real) {
        e = dusk__nd_loadf(sp, st);
    }
    if (dtype == at && (fl || cx) && real) {
        if (e == 1)
            return dusk__nd_astype(a, dtype, out, err);   /* a copy, as np.positive */
        if (e == 2)
            return dusk__nd_unop(DUSK_UNOP_SQUARE, a, dtype, out, err);
        if (e == 0.5)
            return dusk__nd_unop(DUSK_UNOP_SQRT, a, dtype, out, err);
        if (e == -1 && fl) {
            dusk_value *one = dusk_ndarray_new(DUSK_DT_F8, 0, NULL);
            if (!one)
                return dusk_error_set(err, DUSK_ENOMEM, "out of memory for a chunk");
            *(double *)dusk_ndarray_data(one) = 1;
            int rc = dusk__nd_binop(DUSK_BINOP_DIV, one, a, dtype, out, err);
            dusk_value_unref(one);
            return rc;
        }
    }
    return dusk__nd_binop(DUSK_BINOP_POW, a, s, dtype, out, err);
}

int dusk__k_binop(const dusk__targs *t, dusk_value **out, dusk_error *err)
{
    const dusk_value *a, *b = NULL;
    int rc = dusk__targs_block_in(t, 0, -1, &a, err);
    if (rc)
        return rc;
    if (t->nin == 2) {
        if ((rc = dusk__targs_block_in(t, 1, -1, &b, err)))
            return rc;
        return dusk__nd_binop(t->op->code, a, b, t->dtype, out, err);
    }
    const dusk_value *s;
    int64_t first;
    if ((rc = dusk__targs_scalar(t, 0, &s, err)) || (rc = dusk__targs_int(t, 1, &first, err)))
        return rc;
    /* the ** operator's fast path (numpy.power's layers compute pow) */
    if (!first && t->op == dusk__op_get(DUSK__OP_BINOP + DUSK_BINOP_POW))
        return pow_scalar(a, s, t->dtype, out, err);
    return first ? dusk__nd_binop(t->op->code, s, a, t->dtype, out, err)
                 : dusk__nd_binop(t->op->code, a, s, t->dtype, out, err);
}

int dusk__k_unop(const dusk__targs *t, dusk_value **out, dusk_error *err)
{
    const dusk_value *a;
    int rc = dusk__targs_block_in(t, 0, -1, &a, err);
    return rc ? rc : dusk__nd_unop(t->op->code, a, t->dtype, out, err);
}

int dusk__k_astype(const dusk__targs *t, dusk_value **out, dusk_error *err)
{
    const dusk_value *a;
    int rc = dusk__targs_block_in(t, 0, -1, &a, err);
    return rc ? rc : dusk__nd_astype(a, t->dtype, out, err);
}

int dusk__k_transpose(const dusk__targs *t, dusk_value **out, dusk_error *err)
{
    const dusk_value *a;
    int perm[DUSK_MAXDIMS], n, seen[DUSK_MAXDIMS] = {0};
    int rc = dusk__targs_block_in(t, 0, -1, &a, err);
    if (rc || (rc = dusk__targs_ints(t, 0, perm, DUSK_MAXDIMS, &n, err)))
        return rc;
    int ok = n == dusk_ndarray_ndim(a);
    for (int i = 0; i < n && ok; i++) {
        ok = perm[i] < n && !seen[perm[i]];
        seen[perm[i]] = 1;
    }
    if (!ok)
        return dusk_error_set(err, DUSK_EINVAL, "transpose: the axes are not a permutation of "
                              "the block's %d", dusk_ndarray_ndim(a));
    return dusk__nd_transpose(a, perm, out, err);
}

/* --- where ------------------------------------------------------------------------- */

/* Rechunks x so that along each axis of length > 1 it has the common
 * refinement of its chunks and those of every other input of length > 1
 * there (right aligned): Dask's unify_chunks over n arrays, one rechunk
 * per input at most. */
static dusk_array *unify_all(dusk_array *x, dusk_array *const *in, int n)
{
    int need = 0;
    int64_t cap = 0;
    for (int i = 0; i < n; i++)
        for (int d = 0; d < x->ndim; d++) {
            int e = d + in[i]->ndim - x->ndim;
            cap += e >= 0 ? in[i]->nb[e] : 0;
            if (e >= 0 && x->shape[d] > 1 && in[i]->shape[e] > 1 && !same_chunks(x, d, in[i], e))
                need = 1;
        }
    if (!need)
        return x;
    int64_t *bnd = dusk_malloc((size_t)(cap + 2) * sizeof *bnd);
    size_t scap = (size_t)(cap + 2 * x->ndim + 2) * 22 + 64;
    char *spec = dusk_malloc(scap);
    if (!bnd || !spec) {
        dusk_free(bnd);
        dusk_free(spec);
        return dusk__array_oom(x->ctx, "unified chunks");
    }
    size_t len = (size_t)snprintf(spec, scap, "(");
    for (int d = 0; d < x->ndim; d++) {
        /* every block end of x and of the others along d, sorted, once */
        int64_t nbnd = 0;
        for (int i = 0; i < n; i++) {
            int e = d + in[i]->ndim - x->ndim;
            if (in[i] != x && (e < 0 || x->shape[d] <= 1 || in[i]->shape[e] <= 1))
                continue;
            int64_t at = 0;
            for (int64_t k = 0; k < in[i]->nb[e]; k++) {
                at += in[i]->chunks[e][k];
                int64_t j = nbnd;
                while (j > 0 && bnd[j - 1] > at)
                    j--;
                if (j > 0 && bnd[j - 1] == at)
                    continue;
                memmove(bnd + j + 1, bnd + j, (size_t)(nbnd - j) * sizeof *bnd);
                bnd[j] = at;
                nbnd++;
            }
        }
        len += (size_t)snprintf(spec + len, scap - len, "(");
        for (int64_t k = 0; k < nbnd; k++)
            len += (size_t)snprintf(spec + len, scap - len, "%" PRId64 ", ",
                                    bnd[k] - (k ? bnd[k - 1] : 0));
        len += (size_t)snprintf(spec + len, scap - len, "), ");
    }
    snprintf(spec + len, scap - len, ")");
    dusk_array *z = dusk_array_rechunk(x, spec);
    dusk_free(spec);
    dusk_free(bnd);
    return z;
}

/* The where layer over nin inputs (the condition first), broadcast, with
 * the scalar's parameters when there are two. */
static dusk_array *where_layer(dusk_array **in, int nin, dusk_dtype dt, const char *extra,
                               size_t nargs, dusk_value **args)
{
    dusk_array *c = in[0];
    int ndim = 0;
    for (int i = 0; i < nin; i++)
        ndim = in[i]->ndim > ndim ? in[i]->ndim : ndim;
    for (int i = 0; i < nin; i++)
        for (int j = i + 1; j < nin; j++) {
            dusk_array *e = in[i]->unknown || in[j]->unknown
                                ? dusk__unknown_align(in[i], in[j], "where") : NULL;
            if (e) {
                for (size_t k = 0; k < nargs; k++)
                    dusk_value_unref(args[k]);
                return e;
            }
        }
    int64_t shape[DUSK_MAXDIMS];
    for (int d = 0; d < ndim; d++) {
        shape[d] = 1;
        for (int i = 0; i < nin; i++) {
            int e = d - (ndim - in[i]->ndim);
            int64_t x = e >= 0 ? in[i]->shape[e] : 1;
            if (x != 1 && shape[d] != 1 && x != shape[d]) {
                char s[3][256];
                for (int k = 0; k < 3; k++) {
                    s[k][0] = 0;
                    if (k < nin)
                        dusk__fmt_shape(s[k], sizeof s[k], in[k]->ndim, in[k]->shape);
                }
                for (size_t k = 0; k < nargs; k++)
                    dusk_value_unref(args[k]);
                return dusk__array_fail(c->ctx, DUSK_EINVAL, "where: shapes %s, %s%s%s do not "
                                        "broadcast (axis %d: %" PRId64 " vs %" PRId64 ")", s[0],
                                        s[1], nin > 2 ? " and " : "", s[2], d, shape[d], x);
            }
            if (x != 1)
                shape[d] = x;
        }
    }
    dusk_array *u[3];
    for (int i = 0; i < nin; i++) {
        u[i] = unify_all(in[i], in, nin);
        if (u[i]->status) {
            for (size_t k = 0; k < nargs; k++)
                dusk_value_unref(args[k]);
            return u[i];
        }
    }
    int map[3][DUSK_MAXDIMS] = {{0}};
    int64_t nb[DUSK_MAXDIMS], *chunks[DUSK_MAXDIMS];
    for (int d = 0; d < ndim; d++) {
        /* the grid of an input that has the whole axis (any, when it is 1) */
        const dusk_array *src = NULL;
        int ds = 0;
        for (int i = 0; i < nin && !src; i++) {
            int e = d - (ndim - u[i]->ndim);
            if (e >= 0 && u[i]->shape[e] == shape[d]) {
                src = u[i];
                ds = e;
            }
        }
        if (src) {
            nb[d] = src->nb[ds];
            chunks[d] = src->chunks[ds];
        } else {   /* every input lacks the axis: it is 1 long */
            static int64_t one = 1;
            nb[d] = 1;
            chunks[d] = &one;
        }
        for (int i = 0; i < nin; i++) {
            int e = d - (ndim - u[i]->ndim);
            if (e >= 0)
                map[i][e] = u[i]->shape[e] == shape[d] && shape[d] != 1
                                ? d : (u[i]->nb[e] == nb[d] ? d : -1);
        }
    }
    char tok[33];
    dusk__token(tok, "where|%s|%s|%s|%s|%s", u[0]->L->name, u[1]->L->name,
                nin > 2 ? u[2]->L->name : "", dusk_dtype_code(dt), extra);
    return dusk__blockwise_layer(dusk__op_get(DUSK__OP_WHERE), tok, u, nin, map, ndim, shape,
                                 chunks, nb, dt, nargs, args);
}

dusk_array *dusk_array_where(dusk_array *cond, dusk_array *a, dusk_array *b)
{
    dusk_array *e = dusk__array_bad_input(cond, NULL);
    if (e || (e = dusk__array_bad_input(a, cond)) || (e = dusk__array_bad_input(b, cond)))
        return e;
    if (a->ctx != cond->ctx || b->ctx != cond->ctx)
        return dusk__array_fail(cond->ctx, DUSK_EINVAL, "where: the arrays belong to "
                                "different contexts");
    dusk_array *in[3] = {cond, a, b};
    return where_layer(in, 3, dusk__promote(a->dtype, b->dtype), "", 0, NULL);
}

dusk_array *dusk_array_where_scalar(dusk_array *cond, dusk_array *a, dusk_scalar s,
                                    bool scalar_first)
{
    dusk_array *e = dusk__array_bad_input(cond, NULL);
    if (e || (e = dusk__array_bad_input(a, cond)))
        return e;
    if (a->ctx != cond->ctx)
        return dusk__array_fail(cond->ctx, DUSK_EINVAL, "where: the arrays belong to "
                                "different contexts");
    if ((e = bad_scalar(a, &s)))
        return e;
    /* NumPy 1.x's value-based casting, as for a + s */
    dusk_dtype st = dusk__promote_typed(DUSK_BINOP_ADD, a->dtype, &s, scalar_first);
    dusk_dtype t = dusk__promote(a->dtype, st);
    char extra[64];
    dusk_value *sv = scalar_arg(st, &s, scalar_first, extra, sizeof extra);
    dusk_value *args[2] = {sv, dusk_bool(scalar_first)};
    dusk_array *in[2] = {cond, a};
    return where_layer(in, 2, t, extra, 2, args);
}

/* Element at p of dtype ts into q of dtype t (a widening: t is the
 * promotion of the operands' dtypes). */
static void convert_elem(char *q, dusk_dtype t, const char *p, dusk_dtype ts)
{
    if (t == ts)
        memcpy(q, p, dusk_dtype_size(t));
    else if (dusk__dtype_is_complex(t))
        dusk__nd_storec(q, t, dusk__nd_loadc(p, ts));
    else if (dusk__dtype_is_float(t))
        dusk__nd_storef(q, t, dusk__nd_loadf(p, ts));
    else
        dusk__nd_storei(q, t, dusk__nd_loadi(p, ts));
}

/* numpy.where of the blocks (cond, a, b), broadcast; or (cond, a) with
 * the scalar parameter as b (as a, when scalar_first). */
int dusk__k_where(const dusk__targs *t, dusk_value **out, dusk_error *err)
{
    const dusk_value *in[3];
    int rc = 0;
    for (size_t i = 0; i < t->nin && !rc; i++)
        rc = dusk__targs_block_in(t, i, -1, &in[i], err);
    if (rc)
        return rc;
    if (t->nin == 2) {
        const dusk_value *s;
        int64_t first;
        if ((rc = dusk__targs_scalar(t, 0, &s, err)) || (rc = dusk__targs_int(t, 1, &first, err)))
            return rc;
        in[2] = s;
        if (first) {
            in[2] = in[1];
            in[1] = s;
        }
    }
    int ndim = 0;
    for (int i = 0; i < 3; i++)
        ndim = dusk_ndarray_ndim(in[i]) > ndim ? dusk_ndarray_ndim(in[i]) : ndim;
    int64_t shape[DUSK_MAXDIMS], st[3][DUSK_MAXDIMS];
    for (int d = 0; d < ndim; d++) {
        shape[d] = 1;
        for (int i = 0; i < 3; i++) {
            int e = d - (ndim - dusk_ndarray_ndim(in[i]));
            int64_t x = e >= 0 ? dusk_ndarray_shape(in[i])[e] : 1;
            if (x != 1 && shape[d] != 1 && x != shape[d])
                return dusk_error_set(err, DUSK_ETYPE, "where: blocks that do not broadcast "
                                      "(axis %d: %" PRId64 " vs %" PRId64 ")", d, shape[d], x);
            if (x != 1)
                shape[d] = x;
        }
    }
    for (int i = 0; i < 3; i++)
        for (int d = 0; d < ndim; d++) {
            int e = d - (ndim - dusk_ndarray_ndim(in[i]));
            st[i][d] = e < 0 || dusk_ndarray_shape(in[i])[e] == 1 ? 0
                                                                   : dusk_ndarray_strides(in[i])[e];
        }
    dusk_value *r = dusk_ndarray_empty(t->dtype, ndim, shape);
    if (!r)
        return dusk__oom(err);
    *out = r;
    if (dusk_ndarray_size(r) == 0)
        return 0;
    dusk_dtype tc = dusk_ndarray_dtype(in[0]);
    size_t es = dusk_dtype_size(t->dtype);
    char *o = dusk_ndarray_data(r);
    int64_t idx[DUSK_MAXDIMS] = {0};
    do {
        int64_t off[3] = {0, 0, 0};
        for (int i = 0; i < 3; i++)
            for (int d = 0; d < ndim; d++)
                off[i] += idx[d] * st[i][d];
        const char *pc = (const char *)dusk_ndarray_data(in[0]) + off[0];
        /* true where nonzero (a NaN is) */
        int yes = dusk__dtype_is_complex(tc) ? dusk__nd_loadc(pc, tc) != 0
                  : dusk__dtype_is_float(tc) ? dusk__nd_loadf(pc, tc) != 0
                                             : dusk__nd_loadi(pc, tc) != 0;
        int k = yes ? 1 : 2;
        convert_elem(o, t->dtype, (const char *)dusk_ndarray_data(in[k]) + off[k],
                     dusk_ndarray_dtype(in[k]));
        o += es;
    } while (dusk__next_index(ndim, shape, idx));
    return 0;
}
