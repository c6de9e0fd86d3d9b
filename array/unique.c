/*
** dusk — unique: numpy.unique of an array, as dask.array.unique builds it
**
** Dask 2022.12 flattens the array, takes each block's unique values (a
** 'unique_internal' task per block, whose structured result a 'getitem'
** task per block reads the values of), then one 'unique-aggregate-...'
** task concatenates them and takes their unique values again, and a last
** 'getitem' reads them. Blocks here hold the values themselves, so the two
** 'getitem' layers are Dask's keys as aliases (array/slicing.c's), and the
** task counts are Dask's. Every block, and the result, is of unknown size
** (one block), sized by its values when computed.
**
** Values are sorted as NumPy sorts them (NaN last) and equal neighbours
** dropped; NaNs are one value (NumPy 1.24's equal_nan=True); -0.0 and 0.0
** are equal, one of them kept. Integers sort as int64 (unsigned ones as
** uint64), floats as doubles (float16 and float32 exactly so), then are
** stored back in the array's dtype. Complex numbers are refused (NumPy's
** order of them is lexicographic, with NaNs placed by part).
*/
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "dusk/alloc.h"
#include "nd.h"

typedef enum { K_SIGNED, K_UNSIGNED, K_FLOAT } key_kind;

static key_kind kind_of(dusk_dtype t)
{
    if (dusk__dtype_is_float(t))
        return K_FLOAT;
    return t == DUSK_DT_U1 || t == DUSK_DT_U2 || t == DUSK_DT_U4 || t == DUSK_DT_U8 ||
                   t == DUSK_DT_BOOL
               ? K_UNSIGNED
               : K_SIGNED;
}

static int cmp_i(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int cmp_u(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* NaN after every number, as NumPy's sort */
static int cmp_f(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    if (isnan(x) || isnan(y))
        return isnan(x) - isnan(y);
    return (x > y) - (x < y);
}

/* The unique values of the elements of n blocks (ndarrays of dtype t), as a
 * new 1-d ndarray in *out; 0, or DUSK_ENOMEM / DUSK_ETYPE with err. */
static int unique_of(const char *name, dusk_dtype t, const dusk_value *const *blocks, size_t n,
                     dusk_value **out, dusk_error *err)
{
    int64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (dusk_ndarray_dtype(blocks[i]) != t)
            return dusk_error_set(err, DUSK_ETYPE, "%s: expected %s blocks, got %s", name,
                                  dusk_dtype_name(t),
                                  dusk_dtype_name(dusk_ndarray_dtype(blocks[i])));
        total += dusk_ndarray_size(blocks[i]);
    }
    key_kind kind = kind_of(t);
    /* 8 bytes a key: an int64, a uint64's bits or a double */
    uint64_t *keys = dusk_malloc((size_t)(total ? total : 1) * sizeof *keys);
    if (!keys)
        return dusk__oom(err);
    int64_t at = 0;
    for (size_t i = 0; i < n; i++) {
        const dusk_value *b = blocks[i];
        int ndim = dusk_ndarray_ndim(b);
        const int64_t *sh = dusk_ndarray_shape(b), *st = dusk_ndarray_strides(b);
        const char *data = dusk_ndarray_data(b);
        int64_t idx[DUSK_MAXDIMS] = {0}, size = dusk_ndarray_size(b);
        for (int64_t k = 0; k < size; k++) {
            int64_t off = 0;
            for (int d = 0; d < ndim; d++)
                off += idx[d] * st[d];
            if (kind == K_FLOAT) {
                double v = dusk__nd_loadf(data + off, t);
                memcpy(&keys[at++], &v, sizeof v);
            } else {
                keys[at++] = (uint64_t)dusk__nd_loadi(data + off, t);
            }
            dusk__next_index(ndim, sh, idx);
        }
    }
    qsort(keys, (size_t)total, sizeof *keys, kind == K_FLOAT ? cmp_f : kind == K_UNSIGNED ? cmp_u
                                                                                      : cmp_i);
    int64_t kept = 0;
    for (int64_t k = 0; k < total; k++) {
        int same = 0;
        if (kept) {
            if (kind == K_FLOAT) {
                double x, y;
                memcpy(&x, &keys[kept - 1], sizeof x);
                memcpy(&y, &keys[k], sizeof y);
                same = x == y || (isnan(x) && isnan(y));
            } else {
                same = keys[kept - 1] == keys[k];
            }
        }
        if (!same)
            keys[kept++] = keys[k];
    }
    dusk_value *v = dusk_ndarray_new(t, 1, &kept);
    if (!v) {
        dusk_free(keys);
        return dusk__oom(err);
    }
    char *o = dusk_ndarray_data(v);
    size_t es = dusk_dtype_size(t);
    for (int64_t k = 0; k < kept; k++) {
        if (kind == K_FLOAT) {
            double x;
            memcpy(&x, &keys[k], sizeof x);
            dusk__nd_storef(o + k * (int64_t)es, t, x);
        } else {
            dusk__nd_storei(o + k * (int64_t)es, t, (int64_t)keys[k]);
        }
    }
    dusk_free(keys);
    *out = v;
    return 0;
}

/* 'unique_internal': one block's unique values. */
int dusk__k_unique(const dusk__targs *t, dusk_value **out, dusk_error *err)
{
    const dusk_value *b;
    int rc = dusk__targs_block_in(t, 0, -1, &b, err);
    return rc ? rc : unique_of(t->op->func.name, t->dtype, &b, 1, out, err);
}

/* 'unique-aggregate': the unique values of a list of blocks. */
int dusk__k_unique_agg(const dusk__targs *t, dusk_value **out, dusk_error *err)
{
    const dusk_value *list;
    int rc = dusk__targs_list_in(t, 0, &list, err);
    if (rc)
        return rc;
    size_t n = dusk_tuple_len(list);
    const dusk_value **blocks = dusk_malloc(n * sizeof *blocks);
    if (!blocks)
        return dusk__oom(err);
    for (size_t i = 0; i < n; i++) {
        blocks[i] = dusk_tuple_get(list, i);
        if (dusk_value_kind(blocks[i]) != DUSK_KIND_NDARRAY) {
            dusk_free(blocks);
            return dusk_error_set(err, DUSK_ETYPE, "%s: item %zu of the list is not an "
                                  "ndarray", t->op->func.name, i);
        }
    }
    rc = unique_of(t->op->func.name, t->dtype, blocks, n, out, err);
    dusk_free(blocks);
    return rc;
}

dusk_array *dusk_array_unique(dusk_array *a)
{
    dusk_array *e = dusk__array_bad_input(a, NULL);
    if (e)
        return e;
    if (dusk__dtype_is_complex(a->dtype))
        return dusk__array_fail(a->ctx, DUSK_ETYPE, "unique: complex numbers (%s) are not "
                                "sorted by dusk (NumPy's order of them places NaNs by part)",
                                dusk_dtype_name(a->dtype));
    if (a->ndim != 1) {
        a = dusk_array_ravel(a);
        if ((e = dusk__array_input(a, NULL, "unique")))
            return e;
    }
    dusk_array_ctx *ctx = a->ctx;
    int64_t bound = a->shape[0], one = 1, unknown = DUSK_UNKNOWN_SIZE;
    char tok[33];
    dusk__token(tok, "unique_internal|%s|%s", a->L->name, dusk_dtype_code(a->dtype));
    /* a 'unique_internal' task per block, of unknown size */
    int64_t *chunks = dusk_malloc((size_t)a->nb[0] * sizeof *chunks);
    if (!chunks)
        return dusk__array_oom(ctx, "unique");
    for (int64_t k = 0; k < a->nb[0]; k++)
        chunks[k] = DUSK_UNKNOWN_SIZE;
    int map[1][DUSK_MAXDIMS] = {{0}};
    dusk_array *u = dusk__blockwise_layer(dusk__op_get(DUSK__OP_UNIQUE), tok, &a, 1, map, 1,
                                          &unknown, &chunks, a->nb, a->dtype, 0, NULL);
    dusk_free(chunks);
    if (u->status)
        return u;
    u->bound[0] = bound;
    /* Dask's 'getitem' of the values, then one aggregate of them all */
    dusk_array *vals = dusk__alias_layer(u, "unique-values");
    if (vals->status)
        return vals;
    char name[64];
    snprintf(name, sizeof name, "unique-aggregate-%s", u->L->op);
    dusk__layer *L = dusk__layer_new(ctx, name, tok, DUSK__L_REDUCE,
                                     dusk__op_get(DUSK__OP_UNIQUE_AGG),
                                     dusk__params_new(a->dtype, 0, NULL, NULL, 0, NULL), 1,
                                     &unknown, &one, a->dtype);
    if (!L)
        return dusk__array_oom(ctx, "unique");
    dusk__layer_input(L, vals->L);
    L->split[0] = vals->nb[0];
    L->out_axis[0] = 0;
    int64_t *uc = &unknown;
    dusk_array *agg = dusk__array_new(ctx, L, 1, &unknown, &uc, &one, a->dtype);
    if (agg->status)
        return agg;
    agg->bound[0] = agg->bmax[0] = bound;   /* one block: all of them, at most */
    return dusk__alias_layer(agg, "unique-result");
}
