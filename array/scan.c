/*
** dusk — cumulative sums and products along an axis
**
** As dask.array.reductions.cumreduction with method='sequential': a
** 'cumsum' layer of map_blocks runs NumPy's cumsum on every block, then a
** second 'cumsum' layer carries the blocks before along the axis. Its
** keys are Dask's: ('cumsum-<token>', 'extra', i, j ...) holds the carry
** into block (i, j ...) (the identity, 0 or 1, of the axis's first blocks,
** then the carry before added to the last element of the block before),
** and ('cumsum-<token>', i, j ...) the block plus its carry (an alias of
** the first layer's block along the first blocks). So a layer of n blocks
** has 2n tasks, as Dask's, and block k waits for the k blocks before it.
*/
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "array.h"
#include "dusk/alloc.h"
#include "nd.h"

/* What the carrying layer emits. */
typedef struct {
    int axis, prod;
    const char *m;               /* the blocks' own cumulative sums (a layer name) */
    dusk_value *ident;           /* params of the identity carry: full_like */
    dusk_value *carry;           /* params of carry + last element: (dtype, None, axis) */
    dusk_value *add;             /* params of carry + block: (dtype, None, -1) */
} cum_data;

static void cum_free(void *p)
{
    cum_data *d = p;
    if (!d)
        return;
    dusk_value_unref(d->ident);
    dusk_value_unref(d->carry);
    dusk_value_unref(d->add);
    dusk_free(d);
}

/* Dask's key (name, 'extra', idx...). */
static void extra_key(char *buf, size_t n, const char *name, int ndim, const int64_t *idx)
{
    size_t l = (size_t)snprintf(buf, n, "('%s', 'extra'", name);
    for (int d = 0; d < ndim && l < n; d++)
        l += (size_t)snprintf(buf + l, n - l, ", %" PRId64, idx[d]);
    if (l < n)
        snprintf(buf + l, n - l, ")");
}

static int task(dusk_graph *g, const char *key, int opid, dusk_value *params, int ndim,
                const int64_t *idx, int nin, dusk_arg **ins)
{
    dusk_arg *args[4];
    args[0] = dusk_lit(dusk_value_ref(params));
    args[1] = dusk__index_arg(ndim, idx);
    for (int i = 0; i < nin; i++)
        args[2 + i] = ins[i];
    return dusk_graph_taskv(g, key, &dusk__op_get(opid)->func, (size_t)(2 + nin), args);
}

static int cum_emit(dusk_graph *g, const dusk__layer *L)
{
    const cum_data *d = L->data;
    int ax = d->axis, merge = d->prod ? DUSK__OP_CUMPROD_MERGE : DUSK__OP_CUMSUM_MERGE;
    int64_t idx[DUSK_MAXDIMS] = {0};
    int rc = 0;
    do {
        char key[512], ek[512], prev[512];
        dusk_key_tuple(key, sizeof key, L->name, L->ndim, idx);
        extra_key(ek, sizeof ek, L->name, L->ndim, idx);
        if (idx[ax] == 0) {
            /* the identity, of the block's shape but 1 along the axis */
            rc = task(g, ek, DUSK__OP_FULL_LIKE, d->ident, L->ndim, idx, 0, NULL);
            if (!rc) {
                dusk_key_tuple(prev, sizeof prev, d->m, L->ndim, idx);
                rc = dusk_graph_alias(g, key, prev);
            }
            continue;
        }
        int64_t before[DUSK_MAXDIMS];
        memcpy(before, idx, sizeof before);
        before[ax]--;
        extra_key(prev, sizeof prev, L->name, L->ndim, before);
        dusk_arg *ins[2] = {dusk_ref(prev), NULL};
        dusk_key_tuple(prev, sizeof prev, d->m, L->ndim, before);
        ins[1] = dusk_ref(prev);
        rc = task(g, ek, merge, d->carry, L->ndim, idx, 2, ins);
        if (rc)
            break;
        ins[0] = dusk_ref(ek);
        dusk_key_tuple(prev, sizeof prev, d->m, L->ndim, idx);
        ins[1] = dusk_ref(prev);
        rc = task(g, key, merge, d->add, L->ndim, idx, 2, ins);
    } while (!rc && dusk__next_index(L->ndim, L->nb, idx));
    return rc;
}

/* NumPy's dtype of cumsum and cumprod: integers and bools accumulate in
 * int64 (unsigned ones in uint64), the rest in their own dtype. */
static dusk_dtype cum_dtype(dusk_dtype t)
{
    return dusk__reduce_dtype(DUSK_RED_SUM, t);
}

static dusk_array *cumreduce(dusk_array *a, int axis, int prod)
{
    const char *name = prod ? "cumprod" : "cumsum";
    dusk_array *e = dusk__array_input(a, NULL, name);
    if (e)
        return e;
    int ax;
    if ((e = dusk__array_one_axis(a, axis, name, &ax)))
        return e;
    if (ax == DUSK_AXIS_NONE) {
        /* NumPy's axis=None: the flattened array. Dask flattens with a
         * reshape, then rechunks to blocks of as many elements as there
         * were blocks (x.flatten().rechunk(chunks=x.npartitions)). */
        int64_t nparts = dusk_array_nchunks(a);
        a = dusk_array_ravel(a);
        if (a->status)
            return a;
        char spec[32];
        snprintf(spec, sizeof spec, "%" PRId64, nparts > 0 ? nparts : 1);
        a = dusk_array_rechunk(a, spec);
        if (a->status)
            return a;
        ax = 0;
    }
    dusk_dtype dt = cum_dtype(a->dtype);
    /* each block's own cumulative op */
    const dusk__op *kop = dusk__op_get(prod ? DUSK__OP_CUMPROD : DUSK__OP_CUMSUM);
    int map[1][DUSK_MAXDIMS];
    for (int d = 0; d < a->ndim; d++)
        map[0][d] = d;
    char extra[32];
    snprintf(extra, sizeof extra, "%d", ax);
    dusk_value *arg = dusk_int(ax);
    dusk_array *m = dusk__blockwise(kop, prod, &a, 1, map, a->ndim, a->shape, a->chunks, a->nb,
                                    dt, extra, 1, &arg);
    if (m->status)
        return m;
    /* the carries: the identity has the block's shape, 1 along the axis */
    cum_data *d = dusk_calloc(1, sizeof *d);
    int64_t one = 1, nb1[DUSK_MAXDIMS], *per[DUSK_MAXDIMS];
    for (int k = 0; k < a->ndim; k++) {
        nb1[k] = k == ax ? 1 : a->nb[k];
        per[k] = k == ax ? &one : a->chunks[k];
    }
    if (d) {
        d->axis = ax;
        d->prod = prod;
        d->m = m->L->name;
        dusk_value *fill = dusk_float(prod);
        d->ident = dusk__params_new(dt, a->ndim, per, nb1, 1, &fill);
        dusk_value *cax = dusk_int(ax), *none = dusk_int(-1);
        d->carry = dusk__params_new(dt, 0, NULL, NULL, 1, &cax);
        d->add = dusk__params_new(dt, 0, NULL, NULL, 1, &none);
    }
    char tok[33];
    dusk__token(tok, "%s|%s|%d|%s", name, m->L->name, ax, dusk_dtype_code(dt));
    dusk__layer *L = NULL;
    if (d && d->ident && d->carry && d->add)
        L = dusk__layer_new(a->ctx, name, tok, DUSK__L_CUSTOM, dusk__op_get(prod ?
                            DUSK__OP_CUMPROD_MERGE : DUSK__OP_CUMSUM_MERGE),
                            dusk__params_new(dt, 0, NULL, NULL, 0, NULL), a->ndim, a->shape,
                            a->nb, dt);
    if (!L) {
        cum_free(d);
        return dusk__array_oom(a->ctx, name);
    }
    L->data = d;
    L->data_free = cum_free;
    L->emit = cum_emit;
    L->ntasks = 2 * dusk_array_nchunks(a);
    dusk__layer_input(L, m->L);
    return dusk__array_new(a->ctx, L, a->ndim, a->shape, a->chunks, a->nb, dt);
}

dusk_array *dusk_array_cumsum(dusk_array *a, int axis) { return cumreduce(a, axis, 0); }

dusk_array *dusk_array_cumprod(dusk_array *a, int axis) { return cumreduce(a, axis, 1); }

/* --- kernels ------------------------------------------------------------------------ */

/* The axis parameter: 0 .. ndim - 1, or -1 where allowed. */
static int axis_param(const dusk__targs *t, int ndim, int none_ok, int *ax, dusk_error *err)
{
    int64_t v;
    int rc = dusk__targs_int(t, 0, &v, err);
    if (rc)
        return rc;
    if (v >= ndim || v < (none_ok ? -1 : 0))
        return dusk_error_set(err, DUSK_EINVAL, "%s: axis %" PRId64 " for a block of %d axes",
                              t->op->func.name, v, ndim);
    *ax = (int)v;
    return 0;
}

/* numpy.cumsum (cumprod) of one block along the axis, in the output's dtype. */
int dusk__k_cum(const dusk__targs *t, dusk_value **out, dusk_error *err)
{
    const dusk_value *a;
    int ax = 0;
    int rc = dusk__targs_block_in(t, 0, -1, &a, err);
    int ndim = rc ? 0 : dusk_ndarray_ndim(a);
    if (rc || (rc = axis_param(t, ndim, 0, &ax, err)))
        return rc;
    dusk_dtype ta = dusk_ndarray_dtype(a), to = t->dtype;
    if (dusk__dtype_is_complex(ta) && !dusk__dtype_is_complex(to))
        return dusk_error_set(err, DUSK_ETYPE, "%s: a complex block into %s",
                              t->op->func.name, dusk_dtype_name(to));
    dusk_reduction op = t->op->code ? DUSK_RED_PROD : DUSK_RED_SUM;
    const int64_t *shape = dusk_ndarray_shape(a), *st = dusk_ndarray_strides(a);
    dusk_value *r = dusk_ndarray_empty(to, ndim, shape);
    if (!r)
        return dusk__oom(err);
    *out = r;
    if (dusk_ndarray_size(a) == 0)
        return 0;
    int64_t es = (int64_t)dusk_dtype_size(to), step = es;   /* the output's stride of ax */
    for (int d = ndim - 1; d > ax; d--)
        step *= shape[d];
    const char *src = dusk_ndarray_data(a);
    char *o = dusk_ndarray_data(r);
    int64_t idx[DUSK_MAXDIMS] = {0};
    do {
        int64_t off = 0;
        for (int d = 0; d < ndim; d++)
            off += idx[d] * st[d];
        if (idx[ax] == 0)
            dusk__nd_storei(o, to, op == DUSK_RED_PROD);
        else
            memcpy(o, o - step, (size_t)es);
        dusk__nd_accumulate(op, o, to, src + off, ta);
        o += es;
    } while (dusk__next_index(ndim, shape, idx));
    return 0;
}

/* The carry a (1 along the axis) OP the block b: with axis -1 every
 * element of b, otherwise b's last element along axis (the next carry). */
int dusk__k_cum_merge(const dusk__targs *t, dusk_value **out, dusk_error *err)
{
    const dusk_value *a, *b;
    int ax = 0;
    int rc = dusk__targs_block_in(t, 0, -1, &a, err);
    if (rc || (rc = dusk__targs_block_in(t, 1, dusk_ndarray_ndim(a), &b, err)))
        return rc;
    int ndim = dusk_ndarray_ndim(a);
    if ((rc = axis_param(t, ndim, 1, &ax, err)))
        return rc;
    const int64_t *sa = dusk_ndarray_shape(a), *sb = dusk_ndarray_shape(b);
    int ok = dusk_ndarray_dtype(a) == t->dtype && dusk_ndarray_dtype(b) == t->dtype;
    for (int d = 0; d < ndim && ok; d++)
        ok = d == ax ? sa[d] == 1 && sb[d] > 0 : sa[d] == sb[d] || (ax < 0 && sa[d] == 1);
    if (!ok)
        return dusk_error_set(err, DUSK_ETYPE, "%s: a carry and a block that do not match",
                              t->op->func.name);
    dusk_reduction op = t->op->code ? DUSK_RED_PROD : DUSK_RED_SUM;
    const int64_t *osh = ax < 0 ? sb : sa;
    dusk_value *r = dusk_ndarray_empty(t->dtype, ndim, osh);
    if (!r)
        return dusk__oom(err);
    *out = r;
    if (dusk_ndarray_size(r) == 0)
        return 0;
    const int64_t *st_a = dusk_ndarray_strides(a), *st_b = dusk_ndarray_strides(b);
    int64_t es = (int64_t)dusk_dtype_size(t->dtype);
    char *o = dusk_ndarray_data(r);
    int64_t idx[DUSK_MAXDIMS] = {0};
    do {
        int64_t oa = 0, ob = 0;
        for (int d = 0; d < ndim; d++) {
            oa += (sa[d] == 1 ? 0 : idx[d]) * st_a[d];
            ob += (d == ax ? sb[d] - 1 : idx[d]) * st_b[d];
        }
        memcpy(o, (const char *)dusk_ndarray_data(a) + oa, (size_t)es);
        dusk__nd_accumulate(op, o, t->dtype, (const char *)dusk_ndarray_data(b) + ob, t->dtype);
        o += es;
    } while (dusk__next_index(ndim, osh, idx));
    return 0;
}
