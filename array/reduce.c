/*
** dusk — tree reductions: sum prod mean std var min max any all
**
** As Dask's reduction(): a chunk step that reduces every block on its own
** but keeps the reduced axes (length 1 per block), then combine steps
** ('-partial') that each gather split_every blocks along the reduced axes,
** and an aggregate step ('-aggregate') that gathers what is left and
** drops the reduced axes unless keepdims. A partial result is a tuple of
** ndarrays (array/nd.h says which), so mean, var and std combine exactly;
** std is var followed by a 'sqrt' layer. The step names are the table's
** (array/ops.c), a row per reduction.
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

/* One tree step (combine or aggregate): groups of split[d] blocks along
 * the reduced axes. */
static dusk_array *reduce_step(dusk_array *x, dusk_reduction op, int step, uint64_t axes,
                               const int64_t *split, int keepdims, int ddof,
                               dusk_dtype out_dtype)
{
    const dusk__op *kop = dusk__op_red(dusk__red_row(op), step);
    const char *prefix = kop->func.name;
    int ndim = 0, out_axis[DUSK_MAXDIMS];
    int64_t shape[DUSK_MAXDIMS], nb[DUSK_MAXDIMS];
    int64_t *chunks[DUSK_MAXDIMS], *units[DUSK_MAXDIMS], *cbuf;
    if (dusk__unit_chunks(x, axes, &cbuf, units) < 0)
        return dusk__array_oom(x->ctx, prefix);
    for (int d = 0; d < x->ndim; d++) {
        if ((axes >> d) & 1) {
            out_axis[d] = keepdims ? ndim : -1;
            if (!keepdims)
                continue;
            /* partial results keep each reduced group as one element */
            int64_t n = step == DUSK__RED_AGG ? 1 : (x->nb[d] + split[d] - 1) / split[d];
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
    dusk__token(tok, "%s|%s|%" PRIx64 "|%s|%d|%d|%d", prefix, x->L->name, axes, sp, keepdims,
                ddof, (int)op);
    dusk_value *extra[3];
    size_t nextra = 0;
    if (step == DUSK__RED_AGG) {
        extra[nextra++] = dusk_int((int64_t)axes);
        extra[nextra++] = dusk_bool(keepdims);
        extra[nextra++] = dusk_int(ddof);
    }
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
    }
    dusk_free(cbuf);
    return r;
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
    static const char *const names[DUSK_RED_COUNT] = {"sum", "prod", "mean", "std", "var",
                                                      "min", "max", "any", "all"};
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
    if ((op == DUSK_RED_MIN || op == DUSK_RED_MAX) &&
        (a->dtype == DUSK_DT_C16 || a->dtype == DUSK_DT_C8))
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "%s: complex numbers (%s) have no order; "
                                "take the min or max of abs(x), x.real or x.imag",
                                op == DUSK_RED_MIN ? "min" : "max", dusk_dtype_name(a->dtype));
    /* min and max have no identity: NumPy refuses an empty reduced axis
     * even when the result would be empty too */
    for (int d = 0; d < a->ndim; d++)
        if ((op == DUSK_RED_MIN || op == DUSK_RED_MAX) && (axes >> d) & 1 && a->shape[d] == 0) {
            char sh[256];
            dusk__fmt_shape(sh, sizeof sh, a->ndim, a->shape);
            return dusk__array_fail(a->ctx, DUSK_EINVAL,
                                    "%s: zero-size array to reduction operation %s which has no "
                                    "identity (axis %d of shape %s is empty)",
                                    op == DUSK_RED_MIN ? "min" : "max",
                                    op == DUSK_RED_MIN ? "minimum" : "maximum", d, sh);
        }
    dusk_dtype out = dusk__reduce_dtype(op, a->dtype);
    dusk_dtype acc = op == DUSK_RED_MEAN || op == DUSK_RED_VAR || op == DUSK_RED_STD ? DUSK_DT_F8
                                                                                   : out;
    int nax = 0;
    for (int d = 0; d < a->ndim; d++)
        nax += (int)((axes >> d) & 1);
    /* Dask's split_every: an int k becomes max(int(k ** (1 / naxes)), 2) per axis. */
    int k = split_every ? split_every : 4;
    int64_t per = (int64_t)pow((double)k, 1.0 / (nax ? nax : 1));
    if (per < 2)
        per = 2;
    int64_t split[DUSK_MAXDIMS];
    int depth = 1;
    for (int d = 0; d < a->ndim; d++) {
        split[d] = (axes >> d) & 1 ? per : 1;
        if ((axes >> d) & 1 && a->nb[d] > 1) {
            int dd = (int)ceil(log((double)a->nb[d]) / log((double)per));
            if (dd > depth)
                depth = dd;
        }
    }
    /* The chunk step: blockwise, each block reduced with keepdims. */
    const dusk__op *chunk = dusk__op_red(row, DUSK__RED_CHUNK);
    int map[1][DUSK_MAXDIMS];
    int64_t shape[DUSK_MAXDIMS];
    int64_t *chunks[DUSK_MAXDIMS], *cbuf;
    if (dusk__unit_chunks(a, axes, &cbuf, chunks) < 0)
        return dusk__array_oom(a->ctx, chunk->func.name);
    for (int d = 0; d < a->ndim; d++) {
        map[0][d] = d;
        shape[d] = (axes >> d) & 1 ? a->nb[d] : a->shape[d];
    }
    char extra[64];
    snprintf(extra, sizeof extra, "%" PRIx64, axes);
    dusk_value *arg = dusk_int((int64_t)axes);
    dusk_array *x = dusk__blockwise(chunk, op, &a, 1, map, a->ndim, shape, chunks, a->nb, acc,
                                    extra, 1, &arg);
    dusk_free(cbuf);
    /* Partial steps, then the aggregate. */
    for (int i = 0; i < depth - 1 && !x->status; i++)
        x = reduce_step(x, op, DUSK__RED_COMBINE, axes, split, 1, ddof, acc);
    if (x->status)
        return x;
    /* The aggregate gathers everything left along the reduced axes. */
    for (int d = 0; d < a->ndim; d++)
        if ((axes >> d) & 1)
            split[d] = x->nb[d];
    x = reduce_step(x, op, DUSK__RED_AGG, axes, split, keepdims, ddof, out);
    if (op == DUSK_RED_STD)
        x = dusk_array_unop(DUSK_UNOP_SQRT, x);
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
    size_t np = op == DUSK_RED_MEAN ? 2 : op == DUSK_RED_VAR ? 3 : 1;
    const dusk_value *first = dusk_tuple_get(*list, 0);
    for (size_t j = 0; j < dusk_tuple_len(*list); j++) {
        const dusk_value *pj = dusk_tuple_get(*list, j);
        int ok = dusk_value_kind(pj) == DUSK_KIND_TUPLE && dusk_tuple_len(pj) == np;
        for (size_t i = 0; i < np && ok; i++) {
            const dusk_value *x = dusk_tuple_get(pj, i), *x0 = dusk_tuple_get(first, 0);
            ok = dusk_value_kind(x) == DUSK_KIND_NDARRAY &&
                 dusk_value_kind(x0) == DUSK_KIND_NDARRAY &&
                 dusk_ndarray_ndim(x) == dusk_ndarray_ndim(x0) &&
                 memcmp(dusk_ndarray_shape(x), dusk_ndarray_shape(x0),
                        (size_t)dusk_ndarray_ndim(x) * sizeof(int64_t)) == 0 &&
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
    return dusk__nd_reduce_chunk(row_op(t->op->code), a, (uint64_t)axes, t->dtype, out, err);
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
    dusk_value *part = NULL;
    if ((rc = dusk__nd_reduce_combine(op, list, &part, err)))
        return rc;
    rc = dusk__nd_reduce_finish(op, part, (uint64_t)axes, keepdims != 0, (int)ddof, t->dtype,
                                out, err);
    dusk_value_unref(part);
    return rc;
}
