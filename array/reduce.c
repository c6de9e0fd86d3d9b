/*
** dusk — tree reductions: sum prod mean std var min max any all, and
** the nan- forms of the first seven
**
** As Dask's reduction(): a chunk step that reduces every block on its own
** but keeps the reduced axes (length 1 per block), then combine steps
** ('-partial') that each gather split_every blocks along the reduced axes,
** and an aggregate step ('-aggregate') that gathers what is left and
** drops the reduced axes unless keepdims. A partial result is a tuple of
** ndarrays (array/nd.h says which), so mean, var and std combine exactly;
** std and nanstd are var and nanvar followed by a '_sqrt' layer (Dask's
** safe_sqrt). The step names are the table's (array/ops.c),
** a row per reduction; nansum, nanprod and nanmean skip NaNs in their
** chunk step and then combine as sum, prod and mean do.
**
** Invariant: every layer after the chunk step has one block per group
** along the reduced axes and the input's chunks along the others.
*/
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "array.h"
#include "dusk/alloc.h"
#include "nd.h"

/* Resolves an axis mask against ndim: negative axes live in the top bits
 * (DUSK_AXIS(-1) is bit 63). -1 when an axis is out of range, that axis
 * (as the caller wrote it) in *bad; -2 when one is given twice, as itself
 * and counted from the end (DUSK_AXIS(0) | DUSK_AXIS(-2) of a 2-d array),
 * that axis in *bad and its negative form in *neg. */
static int resolve_axes(uint64_t mask, int ndim, uint64_t *out, int *bad, int *neg)
{
    if (mask == DUSK_ALL_AXES) {
        *out = ndim >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << ndim) - 1);
        return 0;
    }
    uint64_t r = 0;
    for (int b = 0; b < 64; b++) {
        if (!((mask >> b) & 1))
            continue;
        int ax = b < 32 ? b : b - 64 + ndim;
        if (ax < 0 || ax >= ndim || (b < 32 && b >= ndim)) {
            *bad = b < 32 ? b : b - 64;
            return -1;
        }
        if ((r >> ax) & 1) {   /* bits run upwards: b is the negative form */
            *bad = ax;
            *neg = b - 64;
            return -2;
        }
        r |= (uint64_t)1 << ax;
    }
    *out = r;
    return 0;
}

/* One tree step (combine or aggregate) running kop: groups of split[d]
 * blocks along the reduced axes; the aggregate (agg) makes one block of
 * them and drops them unless keepdims. The layer's parameters are (dtype,
 * None, extra...) (extra stolen); tokextra tells its token apart. */
static dusk_array *tree_step(dusk_array *x, const dusk__op *kop, int agg, uint64_t axes,
                             const int64_t *split, int keepdims, const char *tokextra,
                             size_t nextra, dusk_value **extra, dusk_dtype out_dtype)
{
    const char *prefix = kop->func.name;
    int ndim = 0, out_axis[DUSK_MAXDIMS];
    int64_t shape[DUSK_MAXDIMS], nb[DUSK_MAXDIMS];
    int64_t *chunks[DUSK_MAXDIMS], *units[DUSK_MAXDIMS], *cbuf;
    if (dusk__unit_chunks(x, axes, &cbuf, units) < 0) {
        for (size_t i = 0; i < nextra; i++)
            dusk_value_unref(extra[i]);
        return dusk__array_oom(x->ctx, prefix);
    }
    for (int d = 0; d < x->ndim; d++) {
        if ((axes >> d) & 1) {
            out_axis[d] = keepdims ? ndim : -1;
            if (!keepdims)
                continue;
            /* partial results keep each reduced group as one element */
            int64_t n = agg ? 1 : (x->nb[d] + split[d] - 1) / split[d];
            nb[ndim] = shape[ndim] = n;
            chunks[ndim++] = units[d];
        } else {
            out_axis[d] = ndim;
            nb[ndim] = x->nb[d];
            shape[ndim] = x->shape[d];
            chunks[ndim++] = x->chunks[d];
        }
    }
    char tok[33], sp[512] = "";
    for (int d = 0; d < x->ndim; d++) {
        size_t l = strlen(sp);
        snprintf(sp + l, sizeof sp - l, "%" PRId64 ",", split[d]);
    }
    dusk__token(tok, "%s|%s|%" PRIx64 "|%s|%d|%s", prefix, x->L->name, axes, sp, keepdims,
                tokextra);
    dusk_value *pv = dusk__params_new(out_dtype, ndim, NULL, NULL, nextra, extra);
    dusk__layer *L = dusk__layer_new(x->ctx, prefix, tok, DUSK__L_REDUCE, kop, pv, ndim, shape,
                                     nb, out_dtype);
    dusk_array *r;
    if (!L) {
        r = dusk__array_oom(x->ctx, prefix);
    } else {
        dusk__layer_input(L, x->L);
        for (int d = 0; d < x->ndim; d++) {
            L->split[d] = (axes >> d) & 1 ? split[d] : 0;
            L->out_axis[d] = out_axis[d];
        }
        r = dusk__array_new(x->ctx, L, ndim, shape, chunks, nb, out_dtype);
        /* an axis of unknown length it keeps holds at most what x's does */
        for (int d = 0; d < x->ndim && !r->status; d++)
            if (out_axis[d] >= 0 && r->shape[out_axis[d]] == DUSK_UNKNOWN_SIZE) {
                r->bound[out_axis[d]] = x->bound[d];
                r->bmax[out_axis[d]] = x->bmax[d];
                r->usrc[out_axis[d]] = x->usrc[d];
            }
    }
    dusk_free(cbuf);
    return r;
}

/* A step of a builtin reduction: its row's entry, and for the aggregate
 * the parameters (axes, keepdims, ddof), and for nanvar's whether no
 * degree of freedom gives NaN: NumPy's nanvar of floats; of integers it
 * is var, which divides by zero. */
static dusk_array *reduce_step(dusk_array *x, dusk_reduction op, int step, uint64_t axes,
                               const int64_t *split, int keepdims, int ddof, int nan_dof,
                               dusk_dtype out_dtype)
{
    const dusk__op *kop = dusk__op_red(dusk__red_row(op), step);
    dusk_value *extra[4];
    size_t nextra = 0;
    if (step == DUSK__RED_AGG) {
        extra[nextra++] = dusk_int((int64_t)axes);
        extra[nextra++] = dusk_bool(keepdims);
        extra[nextra++] = dusk_int(ddof);
        if (op == DUSK_RED_NANVAR || op == DUSK_RED_NANSTD)
            extra[nextra++] = dusk_bool(nan_dof);
    }
    char tokextra[32];
    snprintf(tokextra, sizeof tokextra, "%d|%d", ddof, (int)op);
    return tree_step(x, kop, step == DUSK__RED_AGG, axes, split, keepdims, tokextra, nextra,
                     extra, out_dtype);
}

/* Dask's split_every: an int k (0: 4) becomes max(int(k ** (1 / naxes)), 2)
 * blocks per reduced axis, 1 along the others; returns how many steps the
 * tree takes (the aggregate included). */
static int tree_split(const dusk_array *a, uint64_t axes, int split_every, int64_t *split)
{
    int nax = 0;
    for (int d = 0; d < a->ndim; d++)
        nax += (int)((axes >> d) & 1);
    int k = split_every ? split_every : 4;
    int64_t per = (int64_t)pow((double)k, 1.0 / (nax ? nax : 1));
    if (per < 2)
        per = 2;
    int depth = 1;
    for (int d = 0; d < a->ndim; d++) {
        split[d] = (axes >> d) & 1 ? per : 1;
        if ((axes >> d) & 1 && a->nb[d] > 1) {
            int dd = (int)ceil(log((double)a->nb[d]) / log((double)per));
            if (dd > depth)
                depth = dd;
        }
    }
    return depth;
}

/* The first step of a tree reduction: op on each block, which keeps one
 * element along the reduced axes (so as many as the array has blocks
 * there) and the whole of the others. */
static dusk_array *chunk_step(dusk_array *a, const dusk__op *op, int sub, uint64_t axes,
                              dusk_dtype dtype, const char *extra, size_t nargs, dusk_value **args)
{
    int map[1][DUSK_MAXDIMS];
    int64_t shape[DUSK_MAXDIMS];
    int64_t *chunks[DUSK_MAXDIMS], *cbuf;
    if (dusk__unit_chunks(a, axes, &cbuf, chunks) < 0) {
        for (size_t i = 0; i < nargs; i++)
            dusk_value_unref(args[i]);
        return dusk__array_oom(a->ctx, op->func.name);
    }
    for (int d = 0; d < a->ndim; d++) {
        map[0][d] = d;
        shape[d] = (axes >> d) & 1 ? a->nb[d] : a->shape[d];
    }
    dusk_array *x = dusk__blockwise(op, sub, &a, 1, map, a->ndim, shape, chunks, a->nb, dtype,
                                    extra, nargs, args);
    dusk_free(cbuf);
    return x;
}

dusk_array *dusk_array_reduce(dusk_reduction op, dusk_array *a, uint64_t axes_mask,
                              bool keepdims, int split_every, int ddof)
{
    dusk_array *e = dusk__array_bad_input(a, NULL);
    if (e)
        return e;
    if ((unsigned)op >= DUSK_RED_COUNT)
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "unknown reduction %d", (int)op);
    int row = dusk__red_row(op);
    uint64_t axes;
    int bad = 0, neg = 0;
    /* named as the caller knows it: "sum", not its layer "sum-aggregate" */
    static const char *const names[DUSK_RED_COUNT] = {
        "sum", "prod", "mean", "std", "var", "min", "max", "any", "all",
        "nansum", "nanprod", "nanmean", "nanstd", "nanvar", "nanmin", "nanmax"};
    int minmax = op == DUSK_RED_MIN || op == DUSK_RED_MAX || op == DUSK_RED_NANMIN ||
                 op == DUSK_RED_NANMAX;
    int lo = op == DUSK_RED_MIN || op == DUSK_RED_NANMIN;
    int rc = resolve_axes(axes_mask, a->ndim, &axes, &bad, &neg);
    if (rc == -2)   /* NumPy's ValueError */
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "%s: duplicate value in 'axis': axis %d "
                                "given twice (as %d and %d)", names[op], bad, bad, neg);
    if (rc < 0)
        return dusk__array_fail(a->ctx, DUSK_EINVAL,
                                "%s: axis out of range for an array of %d dimension%s: axis %d",
                                names[op], a->ndim, a->ndim == 1 ? "" : "s", bad);
    if (split_every < 0 || split_every == 1)
        return dusk__array_fail(a->ctx, DUSK_EINVAL,
                                "split_every must be 0 (default) or at least 2, not %d",
                                split_every);
    /* NumPy orders complex numbers by real part, then imaginary part, an
     * order that means nothing for them: dusk refuses it (its comparison
     * operators do order them so, as NumPy's do) */
    if (minmax && (a->dtype == DUSK_DT_C16 || a->dtype == DUSK_DT_C8))
        return dusk__array_fail(a->ctx, DUSK_ETYPE, "%s: complex numbers (%s) have no order; "
                                "take the %s of abs(x), x.real or x.imag", names[op],
                                dusk_dtype_name(a->dtype), names[op]);
    /* min and max have no identity: NumPy refuses an empty reduced axis
     * even when the result would be empty too (nanmin's ufunc is fmin) */
    for (int d = 0; d < a->ndim; d++)
        if (minmax && (axes >> d) & 1 && a->shape[d] == 0) {
            char sh[256];
            dusk__fmt_shape(sh, sizeof sh, a->ndim, a->shape);
            int nan = op == DUSK_RED_NANMIN || op == DUSK_RED_NANMAX;
            return dusk__array_fail(a->ctx, DUSK_EINVAL,
                                    "%s: zero-size array to reduction operation %s which has no "
                                    "identity (axis %d of shape %s is empty)", names[op],
                                    nan ? (lo ? "fmin" : "fmax") : lo ? "minimum" : "maximum",
                                    d, sh);
        }
    dusk_dtype out = dusk__reduce_dtype(op, a->dtype);
    int moments = op == DUSK_RED_MEAN || op == DUSK_RED_VAR || op == DUSK_RED_STD ||
                  op == DUSK_RED_NANMEAN || op == DUSK_RED_NANVAR || op == DUSK_RED_NANSTD;
    dusk_dtype acc = moments ? DUSK_DT_F8 : out;
    int64_t split[DUSK_MAXDIMS];
    int depth = tree_split(a, axes, split_every, split);
    /* The chunk step: blockwise, each block reduced with keepdims. */
    char extra[64];
    snprintf(extra, sizeof extra, "%" PRIx64, axes);
    /* nansum and nanprod start with steps of their own; nanmean's
     * mean_chunk is told to skip NaNs */
    dusk_value *args[2] = {dusk_int((int64_t)axes), dusk_bool(true)};
    const dusk__op *first = op == DUSK_RED_NANSUM    ? dusk__op_get(DUSK__OP_NANSUM)
                            : op == DUSK_RED_NANPROD ? dusk__op_get(DUSK__OP_NANPROD)
                                                     : dusk__op_red(row, DUSK__RED_CHUNK);
    size_t nargs = op == DUSK_RED_NANMEAN ? 2 : 1;
    if (nargs < 2)
        dusk_value_unref(args[1]);
    dusk_array *x = chunk_step(a, first, op, axes, acc, extra, nargs, args);
    /* Partial steps, then the aggregate. */
    for (int i = 0; i < depth - 1 && !x->status; i++)
        x = reduce_step(x, op, DUSK__RED_COMBINE, axes, split, 1, ddof, 0, acc);
    if (x->status)
        return x;
    /* The aggregate gathers everything left along the reduced axes. */
    for (int d = 0; d < a->ndim; d++)
        if ((axes >> d) & 1)
            split[d] = x->nb[d];
    x = reduce_step(x, op, DUSK__RED_AGG, axes, split, keepdims, ddof,
                    dusk__dtype_is_inexact(a->dtype), out);
    if ((op == DUSK_RED_STD || op == DUSK_RED_NANSTD) && !x->status) {
        int map[1][DUSK_MAXDIMS];
        for (int d = 0; d < x->ndim; d++)
            map[0][d] = d;
        x = dusk__blockwise(dusk__op_get(DUSK__OP_SAFE_SQRT), DUSK_UNOP_SQRT, &x, 1, map, x->ndim,
                            x->shape, x->chunks, x->nb, x->dtype, NULL, 0, NULL);
    }
    return x;
}

dusk_array *dusk_array_sum(dusk_array *a, uint64_t axes, bool keepdims)
{
    return dusk_array_reduce(DUSK_RED_SUM, a, axes, keepdims, 0, 0);
}

dusk_array *dusk_array_mean(dusk_array *a, uint64_t axes, bool keepdims)
{
    return dusk_array_reduce(DUSK_RED_MEAN, a, axes, keepdims, 0, 0);
}

/* --- kernels ------------------------------------------------------------------------ */

/* The reduction a row of names computes (matmul's chunk_sum is a sum). */
static dusk_reduction row_op(int row)
{
    static const dusk_reduction ops[DUSK__RED_NROWS] = {
        DUSK_RED_SUM, DUSK_RED_PROD, DUSK_RED_MEAN, DUSK_RED_VAR, DUSK_RED_MIN,
        DUSK_RED_MAX, DUSK_RED_ANY, DUSK_RED_ALL, DUSK_RED_SUM,
        DUSK_RED_NANVAR, DUSK_RED_NANMIN, DUSK_RED_NANMAX,
    };
    return ops[row];
}

/* Part i of a mean's or variance's partial: float64, but the sums (part
 * 1) of complex numbers are complex128; of one dtype across the list. */
static int part_dtype_ok(const dusk_value *x, size_t i, const dusk_value *first)
{
    dusk_dtype t = dusk_ndarray_dtype(x);
    return (t == DUSK_DT_F8 || (i == 1 && t == DUSK_DT_C16)) &&
           dusk_value_kind(first) == DUSK_KIND_NDARRAY && t == dusk_ndarray_dtype(first);
}

/* Partials of op: a list of tuples of np ndarrays of one shape, float64
 * (complex128 for complex sums) and C-contiguous where there is more than
 * one part (array/nd.h). */
static int check_partials(const dusk__targs *t, dusk_reduction op, const dusk_value **list,
                          dusk_error *err)
{
    int rc = dusk__targs_list_in(t, 0, list, err);
    if (rc)
        return rc;
    size_t np = op == DUSK_RED_MEAN ? 2 : op == DUSK_RED_VAR || op == DUSK_RED_NANVAR ? 3 : 1;
    const dusk_value *first = dusk_tuple_get(*list, 0);
    for (size_t j = 0; j < dusk_tuple_len(*list); j++) {
        const dusk_value *pj = dusk_tuple_get(*list, j);
        int ok = dusk_value_kind(pj) == DUSK_KIND_TUPLE && dusk_tuple_len(pj) == np;
        for (size_t i = 0; i < np && ok; i++) {
            const dusk_value *x = dusk_tuple_get(pj, i), *x0 = dusk_tuple_get(first, 0);
            /* min's and max's partial of an empty block is empty (array/nd.c) */
            int skip = np == 1 && (dusk_value_kind(x) == DUSK_KIND_NDARRAY &&
                                   dusk_value_kind(x0) == DUSK_KIND_NDARRAY) &&
                       (op == DUSK_RED_MIN || op == DUSK_RED_MAX || op == DUSK_RED_NANMIN ||
                        op == DUSK_RED_NANMAX) &&
                       (dusk_ndarray_size(x) == 0 || dusk_ndarray_size(x0) == 0);
            ok = dusk_value_kind(x) == DUSK_KIND_NDARRAY &&
                 dusk_value_kind(x0) == DUSK_KIND_NDARRAY &&
                 dusk_ndarray_ndim(x) == dusk_ndarray_ndim(x0) &&
                 (skip || memcmp(dusk_ndarray_shape(x), dusk_ndarray_shape(x0),
                                 (size_t)dusk_ndarray_ndim(x) * sizeof(int64_t)) == 0) &&
                 (np == 1 || (part_dtype_ok(x, i, dusk_tuple_get(first, i)) &&
                              /* an empty one has no element to misplace */
                              (dusk_ndarray_is_contiguous(x) || dusk_ndarray_size(x) == 0)));
        }
        if (!ok)
            return dusk_error_set(err, DUSK_ETYPE, "%s: item %zu of the list is not a partial "
                                  "result like the first", t->op->func.name, j);
    }
    return 0;
}

int dusk__k_red_chunk(const dusk__targs *t, dusk_value **out, dusk_error *err)
{
    const dusk_value *a;
    int64_t axes;
    int rc = dusk__targs_block_in(t, 0, -1, &a, err);
    if (rc || (rc = dusk__targs_int(t, 0, &axes, err)))
        return rc;
    if ((uint64_t)axes >> dusk_ndarray_ndim(a))
        return dusk_error_set(err, DUSK_EINVAL, "%s: axes 0x%" PRIx64 " beyond the block's %d",
                              t->op->func.name, (uint64_t)axes, dusk_ndarray_ndim(a));
    dusk_reduction op = row_op(t->op->code);
    /* 'nansum' and 'nanprod' skip NaNs, and 'mean_chunk' when told to */
    const dusk_value *skip = dusk__params_extra(t->params, 1);
    if (t->op == dusk__op_get(DUSK__OP_NANSUM))
        op = DUSK_RED_NANSUM;
    else if (t->op == dusk__op_get(DUSK__OP_NANPROD))
        op = DUSK_RED_NANPROD;
    else if (op == DUSK_RED_MEAN && skip && dusk_value_kind(skip) == DUSK_KIND_BOOL &&
             dusk_value_int(skip))
        op = DUSK_RED_NANMEAN;
    return dusk__nd_reduce_chunk(op, a, (uint64_t)axes, t->dtype, out, err);
}

int dusk__k_red_combine(const dusk__targs *t, dusk_value **out, dusk_error *err)
{
    const dusk_value *list;
    dusk_reduction op = row_op(t->op->code);
    int rc = check_partials(t, op, &list, err);
    return rc ? rc : dusk__nd_reduce_combine(op, list, out, err);
}

int dusk__k_red_agg(const dusk__targs *t, dusk_value **out, dusk_error *err)
{
    const dusk_value *list;
    dusk_reduction op = row_op(t->op->code);
    int64_t axes, keepdims, ddof;
    int rc = check_partials(t, op, &list, err);
    if (rc || (rc = dusk__targs_int(t, 0, &axes, err)) ||
        (rc = dusk__targs_int(t, 1, &keepdims, err)) || (rc = dusk__targs_int(t, 2, &ddof, err)))
        return rc;
    /* nanvar's parameter 3: whether no degree of freedom gives NaN (its
     * input had floats) or, as var, a division by zero */
    const dusk_value *nan_dof = dusk__params_extra(t->params, 3);
    if (op == DUSK_RED_NANVAR && !(nan_dof && dusk_value_int(nan_dof)))
        op = DUSK_RED_VAR;
    dusk_value *part = NULL;
    if ((rc = dusk__nd_reduce_combine(op, list, &part, err)))
        return rc;
    rc = dusk__nd_reduce_finish(op, part, (uint64_t)axes, keepdims != 0, (int)ddof, t->dtype,
                                out, err);
    dusk_value_unref(part);
    return rc;
}

/* --- argmax, argmin and their nan- forms ------------------------------------------- */

static const char *const arg_names[DUSK_ARG_COUNT] = {"argmax", "argmin", "nanargmax",
                                                       "nanargmin"};

dusk_array *dusk_array_argreduce(dusk_argreduction op, dusk_array *a, int axis,
                                 bool keepdims, int split_every)
{
    dusk_array *e = dusk__array_bad_input(a, NULL);
    if (e)
        return e;
    if ((unsigned)op >= DUSK_ARG_COUNT)
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "unknown arg reduction %d", (int)op);
    const char *name = arg_names[op];
    int ax;
    if ((e = dusk__array_one_axis(a, axis, name, &ax)))
        return e;
    /* axis=None reduces every axis to one index into the flattened array */
    uint64_t axes = ax == DUSK_AXIS_NONE ? ((uint64_t)1 << a->ndim) - 1 : DUSK_AXIS(ax);
    if (split_every < 0 || split_every == 1)
        return dusk__array_fail(a->ctx, DUSK_EINVAL,
                                "split_every must be 0 (default) or at least 2, not %d",
                                split_every);
    if (dusk__dtype_is_complex(a->dtype))
        return dusk__array_fail(a->ctx, DUSK_ETYPE, "%s: complex numbers (%s) have no order; "
                                "take the %s of abs(x), x.real or x.imag", name,
                                dusk_dtype_name(a->dtype), name);
    /* the flattened array: one index into it, as NumPy's axis=None */
    int ravel = ax == DUSK_AXIS_NONE || a->ndim == 1;
    for (int d = 0; d < a->ndim; d++)
        if ((axes >> d) & 1 && a->shape[d] == 0) {
            char sh[256];
            dusk__fmt_shape(sh, sizeof sh, a->ndim, a->shape);
            return dusk__array_fail(a->ctx, DUSK_EINVAL, "%s: attempt to get %s of an empty "
                                    "sequence (axis %d of shape %s is empty)", name,
                                    op == DUSK_ARG_MIN || op == DUSK_ARG_NANMIN ? "argmin"
                                                                               : "argmax",
                                    d, sh);
        }
    int64_t split[DUSK_MAXDIMS];
    int depth = tree_split(a, axes, split_every, split);
    /* The chunk step: each block's best value and its index in the whole. */
    char extra[64];
    snprintf(extra, sizeof extra, "%d|%" PRIx64 "|%d|%d", (int)op, axes, ravel, split_every);
    dusk_value *args[4] = {dusk_int(op), dusk_int((int64_t)axes), dusk_bool(ravel),
                           dusk__bounds_new(a->ndim, a->chunks, a->nb)};
    dusk_array *x = chunk_step(a, dusk__op_get(DUSK__OP_ARG_CHUNK), 0, axes, DUSK_DT_I8, extra,
                               4, args);
    for (int i = 0; i < depth - 1 && !x->status; i++) {
        dusk_value *kind = dusk_int(op);
        x = tree_step(x, dusk__op_get(DUSK__OP_ARG_COMBINE), 0, axes, split, 1, extra, 1, &kind,
                      DUSK_DT_I8);
    }
    if (x->status)
        return x;
    for (int d = 0; d < a->ndim; d++)
        if ((axes >> d) & 1)
            split[d] = x->nb[d];
    dusk_value *agg[3] = {dusk_int(op), dusk_int((int64_t)axes), dusk_bool(keepdims)};
    int nan = op == DUSK_ARG_NANMAX || op == DUSK_ARG_NANMIN;
    return tree_step(x, dusk__op_get(nan ? DUSK__OP_NANARG_AGG : DUSK__OP_ARG_AGG), 1, axes,
                     split, keepdims, extra, 3, agg, DUSK_DT_I8);
}

dusk_array *dusk_array_argmax(dusk_array *a, int axis)
{
    return dusk_array_argreduce(DUSK_ARG_MAX, a, axis, false, 0);
}

dusk_array *dusk_array_argmin(dusk_array *a, int axis)
{
    return dusk_array_argreduce(DUSK_ARG_MIN, a, axis, false, 0);
}

/* An element as a number that orders as its dtype does: floats (f2 f4
 * f8, exactly) as double, signed integers as int64, unsigned ones and
 * bools as uint64. */
typedef union {
    double f;
    int64_t i;
    uint64_t u;
} elem;
enum { EL_FLOAT, EL_SIGNED, EL_UNSIGNED };

static int elem_class(dusk_dtype t)
{
    if (dusk__dtype_is_float(t))
        return EL_FLOAT;
    return dusk__dtype_is_unsigned(t) || t == DUSK_DT_BOOL ? EL_UNSIGNED : EL_SIGNED;
}

static elem elem_load(const char *p, dusk_dtype t, int cls)
{
    elem e;
    if (cls == EL_FLOAT)
        e.f = dusk__nd_loadf(p, t);
    else if (cls == EL_SIGNED)
        e.i = dusk__nd_loadi(p, t);
    else
        e.u = t == DUSK_DT_BOOL ? (uint64_t)(*p != 0) : (uint64_t)dusk__nd_loadi(p, t);
    return e;
}

/* Whether candidate (v, i) beats the current best (w, j) of an arg
 * reduction of kind op; an index of -1 is no element (an empty group).
 * Ties go to the lower index, so the result is NumPy's first occurrence
 * whatever order the blocks are combined in; a NaN beats every number
 * (argmax, argmin: NumPy returns the first NaN) or loses to every one
 * (the nan- forms). */
static int beats(int op, int cls, elem v, int64_t i, elem w, int64_t j)
{
    if (i < 0)
        return 0;
    if (j < 0)
        return 1;
    int hi = op == DUSK_ARG_MAX || op == DUSK_ARG_NANMAX;
    int c;
    if (cls == EL_FLOAT) {
        int vn = isnan(v.f), wn = isnan(w.f);
        if (vn || wn) {
            if (vn && wn)
                return i < j;
            return op == DUSK_ARG_NANMAX || op == DUSK_ARG_NANMIN ? wn : vn;
        }
        c = (v.f > w.f) - (v.f < w.f);
    } else if (cls == EL_SIGNED) {
        c = (v.i > w.i) - (v.i < w.i);
    } else {
        c = (v.u > w.u) - (v.u < w.u);
    }
    if (c == 0)
        return i < j;
    return hi ? c > 0 : c < 0;
}

/* Parameter 0, the kind of arg reduction. */
static int arg_kind(const dusk__targs *t, int *op, dusk_error *err)
{
    int64_t k;
    int rc = dusk__targs_int(t, 0, &k, err);
    if (rc)
        return rc;
    if (k < 0 || k >= DUSK_ARG_COUNT)
        return dusk_error_set(err, DUSK_EINVAL, "%s: unknown arg reduction %" PRId64,
                              t->op->func.name, k);
    *op = (int)k;
    return 0;
}

/* A partial: (vals in dtype, arg int64) of shape. */
static int arg_partial_new(dusk_dtype dtype, int ndim, const int64_t *shape, dusk_value **out,
                           dusk_error *err)
{
    dusk_value *p[2] = {dusk_ndarray_new(dtype, ndim, shape),
                        dusk_ndarray_new(DUSK_DT_I8, ndim, shape)};
    if (p[1]) {
        int64_t *arg = dusk_ndarray_data(p[1]);
        for (int64_t k = 0; k < dusk_ndarray_size(p[1]); k++)
            arg[k] = -1;
    }
    if (!(*out = dusk_tuple_of(2, p)))
        return dusk__oom(err);
    return 0;
}

int dusk__k_arg_chunk(const dusk__targs *t, dusk_value **out, dusk_error *err)
{
    const dusk_value *a, *bounds;
    int op = 0;
    int64_t axes, ravel;
    int rc = dusk__targs_block_in(t, 0, -1, &a, err);
    if (rc || (rc = arg_kind(t, &op, err)) || (rc = dusk__targs_int(t, 1, &axes, err)) ||
        (rc = dusk__targs_int(t, 2, &ravel, err)))
        return rc;
    int ndim = dusk_ndarray_ndim(a);
    const char *name = t->op->func.name;
    if ((uint64_t)axes >> ndim || (size_t)ndim != dusk_tuple_len(t->index))
        return dusk_error_set(err, DUSK_EINVAL, "%s: axes 0x%" PRIx64 " or index beyond the "
                              "block's %d", name, (uint64_t)axes, ndim);
    dusk_dtype dt = dusk_ndarray_dtype(a);
    if (dusk__dtype_is_complex(dt))
        return dusk_error_set(err, DUSK_ETYPE, "%s: complex numbers have no order", name);
    /* where the block starts in the whole array, and the whole's shape */
    bounds = dusk__params_extra(t->params, 3);
    const int64_t *bshape = dusk_ndarray_shape(a);
    int64_t start[DUSK_MAXDIMS], total[DUSK_MAXDIMS], oshape[DUSK_MAXDIMS];
    if (!bounds || dusk_value_kind(bounds) != DUSK_KIND_TUPLE ||
        dusk_tuple_len(bounds) != (size_t)ndim)
        return dusk_error_set(err, DUSK_EINVAL, "%s: parameter 5 is not the input's bounds",
                              name);
    for (int d = 0; d < ndim; d++) {
        const dusk_value *b = dusk_tuple_get(bounds, (size_t)d);
        int64_t i = dusk_value_int(dusk_tuple_get(t->index, (size_t)d));
        if (dusk_value_kind(b) != DUSK_KIND_NDARRAY || dusk_ndarray_dtype(b) != DUSK_DT_I8 ||
            dusk_ndarray_ndim(b) != 1 || !dusk_ndarray_is_contiguous(b) || i < 0 ||
            i >= dusk_ndarray_shape(b)[0] - 1)
            return dusk_error_set(err, DUSK_EINVAL, "%s: block %" PRId64 " of axis %d is not "
                                  "in the input's bounds", name, i, d);
        const int64_t *o = dusk_ndarray_data(b);
        int64_t n = dusk_ndarray_shape(b)[0];
        if (o[i] < 0 || o[i + 1] - o[i] != bshape[d] || o[n - 1] < o[i + 1])
            return dusk_error_set(err, DUSK_EINVAL, "%s: the block's axis %d is not %" PRId64
                                  " long, as the bounds say", name, d, o[i + 1] - o[i]);
        start[d] = o[i];
        total[d] = o[n - 1];
        oshape[d] = (axes >> d) & 1 ? 1 : bshape[d];
    }
    if ((rc = arg_partial_new(dt, ndim, oshape, out, err)))
        return rc;
    if (dusk_ndarray_size(a) == 0)
        return 0;
    dusk_value *vals = dusk_tuple_get(*out, 0), *argv = dusk_tuple_get(*out, 1);
    char *pv = dusk_ndarray_data(vals);
    int64_t *parg = dusk_ndarray_data(argv);
    const int64_t *ostride = dusk_ndarray_strides(vals);
    const int64_t *astride = dusk_ndarray_strides(a);
    int cls = elem_class(dt);
    size_t es = dusk_dtype_size(dt);
    int64_t idx[DUSK_MAXDIMS] = {0};
    /* every element in C order: its output element, and its index in the
     * whole array (along the axis, or into the flattened whole) */
    do {
        int64_t off = 0, o = 0, g = 0;
        for (int d = 0; d < ndim; d++) {
            off += idx[d] * astride[d];
            if (!((axes >> d) & 1))
                o += idx[d] * (ostride[d] / (int64_t)es);
            if (ravel)
                g = g * total[d] + start[d] + idx[d];
            else if ((axes >> d) & 1)
                g = start[d] + idx[d];
        }
        const char *p = (const char *)dusk_ndarray_data(a) + off;
        elem v = elem_load(p, dt, cls), w = elem_load(pv + o * (int64_t)es, dt, cls);
        if (beats(op, cls, v, g, w, parg[o])) {
            memcpy(pv + o * (int64_t)es, p, es);
            parg[o] = g;
        }
    } while (dusk__next_index(ndim, bshape, idx));
    return 0;
}

/* Folds the list of partials of kind op into a new one. */
static int arg_fold(const dusk__targs *t, int op, dusk_value **out, dusk_error *err)
{
    const dusk_value *list;
    int rc = dusk__targs_list_in(t, 0, &list, err);
    if (rc)
        return rc;
    const dusk_value *first = dusk_tuple_get(list, 0);
    const dusk_value *v0 = dusk_value_kind(first) == DUSK_KIND_TUPLE ? dusk_tuple_get(first, 0)
                                                                     : NULL;
    if (!v0 || dusk_value_kind(v0) != DUSK_KIND_NDARRAY ||
        dusk__dtype_is_complex(dusk_ndarray_dtype(v0)))
        return dusk_error_set(err, DUSK_ETYPE, "%s: item 0 of the list is not a partial result",
                              t->op->func.name);
    dusk_dtype dt = dusk_ndarray_dtype(v0);
    int ndim = dusk_ndarray_ndim(v0);
    const int64_t *shape = dusk_ndarray_shape(v0);
    for (size_t j = 0; j < dusk_tuple_len(list); j++) {
        const dusk_value *pj = dusk_tuple_get(list, j);
        int ok = dusk_value_kind(pj) == DUSK_KIND_TUPLE && dusk_tuple_len(pj) == 2;
        for (size_t i = 0; i < 2 && ok; i++) {
            const dusk_value *x = dusk_tuple_get(pj, i);
            ok = dusk_value_kind(x) == DUSK_KIND_NDARRAY &&
                 dusk_ndarray_dtype(x) == (i ? DUSK_DT_I8 : dt) &&
                 dusk_ndarray_ndim(x) == ndim && dusk_ndarray_is_contiguous(x) &&
                 memcmp(dusk_ndarray_shape(x), shape, (size_t)ndim * sizeof(int64_t)) == 0;
        }
        if (!ok)
            return dusk_error_set(err, DUSK_ETYPE, "%s: item %zu of the list is not a partial "
                                  "result like the first", t->op->func.name, j);
    }
    if ((rc = arg_partial_new(dt, ndim, shape, out, err)))
        return rc;
    char *pv = dusk_ndarray_data(dusk_tuple_get(*out, 0));
    int64_t *parg = dusk_ndarray_data(dusk_tuple_get(*out, 1));
    int64_t n = dusk_ndarray_size(v0);
    int cls = elem_class(dt);
    size_t es = dusk_dtype_size(dt);
    for (size_t j = 0; j < dusk_tuple_len(list); j++) {
        const dusk_value *pj = dusk_tuple_get(list, j);
        const char *qv = dusk_ndarray_data(dusk_tuple_get(pj, 0));
        const int64_t *qarg = dusk_ndarray_data(dusk_tuple_get(pj, 1));
        for (int64_t k = 0; k < n; k++) {
            const char *p = qv + k * (int64_t)es;
            if (beats(op, cls, elem_load(p, dt, cls), qarg[k],
                      elem_load(pv + k * (int64_t)es, dt, cls), parg[k])) {
                memcpy(pv + k * (int64_t)es, p, es);
                parg[k] = qarg[k];
            }
        }
    }
    return 0;
}

int dusk__k_arg_combine(const dusk__targs *t, dusk_value **out, dusk_error *err)
{
    int op = 0;
    int rc = arg_kind(t, &op, err);
    return rc ? rc : arg_fold(t, op, out, err);
}

int dusk__k_arg_agg(const dusk__targs *t, dusk_value **out, dusk_error *err)
{
    int op = 0;
    int64_t axes, keepdims;
    int rc = arg_kind(t, &op, err);
    if (rc || (rc = dusk__targs_int(t, 1, &axes, err)) ||
        (rc = dusk__targs_int(t, 2, &keepdims, err)))
        return rc;
    dusk_value *part = NULL;
    if ((rc = arg_fold(t, op, &part, err)))
        return rc;
    const dusk_value *vals = dusk_tuple_get(part, 0), *argv = dusk_tuple_get(part, 1);
    int ndim = dusk_ndarray_ndim(argv), ondim = 0;
    const int64_t *shape = dusk_ndarray_shape(argv);
    int64_t oshape[DUSK_MAXDIMS];
    if ((uint64_t)axes >> ndim) {
        dusk_value_unref(part);
        return dusk_error_set(err, DUSK_EINVAL, "%s: axes 0x%" PRIx64 " beyond the partials' %d",
                              t->op->func.name, (uint64_t)axes, ndim);
    }
    for (int d = 0; d < ndim; d++)
        if (keepdims || !((axes >> d) & 1))
            oshape[ondim++] = shape[d];
    const int64_t *parg = dusk_ndarray_data(argv);
    dusk_dtype dt = dusk_ndarray_dtype(vals);
    size_t es = dusk_dtype_size(dt);
    int64_t n = dusk_ndarray_size(argv);
    for (int64_t k = 0; k < n && !rc; k++) {
        const char *p = (const char *)dusk_ndarray_data(vals) + k * (int64_t)es;
        if (parg[k] < 0)
            rc = dusk_error_set(err, DUSK_EINVAL, "%s: attempt to get %s of an empty sequence",
                                t->op->func.name, arg_names[op]);
        else if (t->op->code && elem_class(dt) == EL_FLOAT && isnan(dusk__nd_loadf(p, dt)))
            rc = dusk_error_set(err, DUSK_EINVAL, "%s: All-NaN slice encountered (%s)",
                                arg_names[op], t->op->func.name);
    }
    dusk_value *r = NULL;
    if (!rc && !(r = dusk_ndarray_new(DUSK_DT_I8, ondim, oshape)))
        rc = dusk__oom(err);
    if (!rc) {
        /* the reduced axes have length 1: the same elements in the same order */
        memcpy(dusk_ndarray_data(r), parg, (size_t)n * sizeof(int64_t));
        *out = r;
    }
    dusk_value_unref(part);
    return rc;
}
