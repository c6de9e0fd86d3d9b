/*
** dusk — joining arrays: concatenate and stack, as dask.array builds them
**
** Both follow dask/array/core.py (2022.12): dtypes are promoted to the
** one numpy.concatenate / numpy.stack would give (an 'astype' layer for
** each array of another dtype), arrays with no elements are dropped,
** chunks along the shared axes are unified (unify_chunks, common_blockdim)
** and one layer gives one task per output block, reading one input block:
** 'concatenate' hands the block on as it is (Dask's alias), 'stack' gives
** it the new axis of length 1.
**
** A layer reads at most DUSK__MAXIN distinct layers (array/array.h). Joins
** of more distinct arrays than that are built as a tree of joins: the
** result is the same, but with one extra layer of pass-through tasks per
** level, so the counts are Dask's only up to DUSK__MAXIN distinct inputs.
*/
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "dusk/alloc.h"
#include "join.h"
#include "nd.h"
#include "core/util.h"
#include "core/value.h"

/* --- unify_chunks ---------------------------------------------------------- */

typedef struct {
    const int64_t *c;
    int64_t n;
} chunking;

static int same(chunking x, chunking y)
{
    return x.n == y.n && memcmp(x.c, y.c, (size_t)x.n * sizeof(int64_t)) == 0;
}

/* Appends "(a, b, c), " for chunks c to text (grown as needed). */
static int put_chunks(char **text, size_t *len, size_t *cap, chunking c)
{
    size_t need = *len + (size_t)c.n * 22 + 8;
    if (need > *cap) {
        size_t ncap = need * 2;
        char *t = dusk_realloc(*text, ncap);
        if (!t)
            return -1;
        *text = t;
        *cap = ncap;
    }
    *len += (size_t)snprintf(*text + *len, *cap - *len, "(");
    for (int64_t k = 0; k < c.n; k++)
        *len += (size_t)snprintf(*text + *len, *cap - *len, "%" PRId64 ", ", c.c[k]);
    *len += (size_t)snprintf(*text + *len, *cap - *len, "), ");
    return 0;
}

int dusk__unify_chunks(dusk_array **arrs, int n, int (*group)[DUSK_MAXDIMS], const char *what,
                       dusk_array **err)
{
    dusk_array_ctx *ctx = arrs[0]->ctx;
    int ngroups = 0;
    for (int k = 0; k < n; k++)
        for (int d = 0; d < arrs[k]->ndim; d++)
            if (group[k][d] >= ngroups)
                ngroups = group[k][d] + 1;
    if (!ngroups)
        return 0;
    chunking target[DUSK_MAXDIMS * 2];
    int64_t *owned[DUSK_MAXDIMS * 2] = {NULL};
    chunking *seen = dusk_malloc((size_t)n * sizeof *seen);
    int rc = 0;
    if (!seen) {
        *err = dusk__array_oom(ctx, what);
        return -1;
    }
    for (int g = 0; g < ngroups && !rc; g++) {
        /* the distinct chunkings of this index */
        int ns = 0;
        for (int k = 0; k < n; k++)
            for (int d = 0; d < arrs[k]->ndim; d++) {
                if (group[k][d] != g)
                    continue;
                chunking c = {arrs[k]->chunks[d], arrs[k]->nb[d]};
                int dup = 0;
                for (int s = 0; s < ns && !dup; s++)
                    dup = same(seen[s], c);
                if (!dup)
                    seen[ns++] = c;
            }
        if (ns > 1) {
            /* a single block of length 1 broadcasts (Dask's sentinel) */
            for (int s = 0; s < ns; s++)
                if (seen[s].n == 1 && seen[s].c[0] == 1) {
                    seen[s] = seen[--ns];
                    break;
                }
        }
        int nontrivial = 0, pick = 0;
        for (int s = 0; s < ns; s++)
            if (seen[s].n > 1) {
                nontrivial++;
                pick = s;
            }
        if (nontrivial == 0) {
            /* max(blockdims, key=first) */
            for (int s = 1; s < ns; s++)
                if (seen[s].n > 0 && (seen[pick].n == 0 || seen[s].c[0] > seen[pick].c[0]))
                    pick = s;
        }
        if (nontrivial <= 1) {
            target[g] = ns ? seen[pick] : (chunking){NULL, 0};
            continue;
        }
        /* several: the refinement that divides them all */
        int64_t total = -1, cap = 1, sum;
        for (int s = 0; s < ns; s++) {
            if (seen[s].n <= 1)
                continue;
            sum = 0;
            for (int64_t i = 0; i < seen[s].n; i++)
                sum += seen[s].c[i];
            if (total >= 0 && sum != total) {
                *err = dusk__array_fail(ctx, DUSK_EINVAL,
                                        "%s: chunks do not add up to the same length (%" PRId64
                                        " and %" PRId64 ")", what, total, sum);
                rc = -1;
                break;
            }
            total = sum;
            cap += seen[s].n;
        }
        if (rc)
            break;
        int64_t *out = dusk_malloc((size_t)cap * sizeof(int64_t));
        int64_t *pos = dusk_calloc((size_t)ns, sizeof(int64_t));
        int64_t *left = dusk_malloc((size_t)ns * sizeof(int64_t));
        if (!out || !pos || !left) {
            dusk_free(out);
            dusk_free(pos);
            dusk_free(left);
            *err = dusk__array_oom(ctx, what);
            rc = -1;
            break;
        }
        for (int s = 0; s < ns; s++)
            left[s] = seen[s].n > 1 ? seen[s].c[0] : 0;
        int64_t m = 0, done = 0;
        while (done < total && m < cap) {
            int64_t step = INT64_MAX;
            for (int s = 0; s < ns; s++)
                if (seen[s].n > 1 && left[s] < step)
                    step = left[s];
            out[m++] = step;
            for (int s = 0; s < ns; s++) {
                if (seen[s].n <= 1)
                    continue;
                left[s] -= step;
                while (left[s] == 0 && pos[s] + 1 < seen[s].n)
                    left[s] = seen[s].c[++pos[s]];
            }
            done += step;
        }
        dusk_free(pos);
        dusk_free(left);
        owned[g] = out;
        target[g] = (chunking){out, m};
    }
    dusk_free(seen);
    /* rechunk the arrays that differ along an axis longer than 1 */
    for (int k = 0; k < n && !rc; k++) {
        dusk_array *a = arrs[k];
        int need = 0;
        for (int d = 0; d < a->ndim; d++) {
            int g = group[k][d];
            if (g >= 0 && a->shape[d] > 1 && !same(target[g], (chunking){a->chunks[d], a->nb[d]}))
                need = 1;
        }
        if (!need)
            continue;
        size_t len = 0, cap = 64;
        char *text = dusk_malloc(cap);
        if (text)
            len = (size_t)snprintf(text, cap, "(");
        for (int d = 0; d < a->ndim && text; d++) {
            int g = group[k][d];
            chunking c = g >= 0 && a->shape[d] > 1 ? target[g] : (chunking){a->chunks[d], a->nb[d]};
            if (put_chunks(&text, &len, &cap, c) < 0) {
                dusk_free(text);
                text = NULL;
            }
        }
        if (!text) {
            *err = dusk__array_oom(ctx, what);
            rc = -1;
            break;
        }
        snprintf(text + len, cap - len, ")");
        dusk_array *r = dusk_array_rechunk(a, text);
        dusk_free(text);
        if (r->status) {
            *err = r;
            rc = -1;
            break;
        }
        arrs[k] = r;
    }
    for (int g = 0; g < ngroups; g++)
        dusk_free(owned[g]);
    return rc;
}

/* --- shared checks ------------------------------------------------------------ */

/* The arrays, checked: present, not in error, of one context, whose
 * context and the first's ndim it gives. NULL, or an error array. */
static dusk_array *check_inputs(dusk_array *const *arrays, int n, const char *what,
                                dusk_array_ctx **ctx, int *ndim)
{
    if (!arrays || n <= 0)
        return dusk__array_fail(NULL, DUSK_EINVAL, "%s: need at least one array", what);
    for (int k = 0; k < n; k++) {
        dusk_array *e = dusk__array_input(arrays[k], NULL, what);
        if (e)
            return e;
        if (arrays[k]->ctx != arrays[0]->ctx)
            return dusk__array_fail(arrays[0]->ctx, DUSK_EINVAL,
                                    "%s: array %d belongs to another context", what, k);
    }
    *ctx = arrays[0]->ctx;
    *ndim = arrays[0]->ndim;
    return NULL;
}

/* The common dtype of the arrays, as numpy.result_type of them. */
static dusk_dtype common_dtype(dusk_array *const *arrays, int n)
{
    dusk_dtype t = arrays[0]->dtype;
    for (int k = 1; k < n; k++)
        t = dusk__promote(t, arrays[k]->dtype);
    return t;
}

static void fmt_shape(char *buf, size_t n, const dusk_array *a)
{
    dusk__fmt_shape(buf, n, a->ndim, a->shape);
}

/* Names of the distinct layers of arrs[0..n), and how many. */
static int distinct_layers(dusk_array *const *arrs, int n, dusk__layer **out, int max)
{
    int m = 0;
    for (int k = 0; k < n; k++) {
        int dup = 0;
        for (int j = 0; j < m && !dup; j++)
            dup = out[j] == arrs[k]->L;
        if (!dup) {
            if (m == max)
                return max + 1;
            out[m++] = arrs[k]->L;
        }
    }
    return m;
}

/* What a join layer's inputs() needs: each array's layer name, and for
 * concatenate where each array's blocks start along the axis. */
typedef struct {
    int n, axis, ndim;          /* ndim: of the inputs */
    const char **names;
    int64_t *cum;               /* n + 1 entries */
} join_plan;

static void join_plan_free(void *p)
{
    join_plan *j = p;
    if (j) {
        dusk_free(j->names);
        dusk_free(j->cum);
        dusk_free(j);
    }
}

static join_plan *join_plan_new(dusk_array *const *arrs, int n, int axis)
{
    join_plan *j = dusk_calloc(1, sizeof *j);
    if (!j)
        return NULL;
    j->names = dusk_malloc((size_t)n * sizeof *j->names);
    j->cum = dusk_malloc((size_t)(n + 1) * sizeof *j->cum);
    if (!j->names || !j->cum) {
        join_plan_free(j);
        return NULL;
    }
    j->n = n;
    j->axis = axis;
    j->ndim = arrs[0]->ndim;
    j->cum[0] = 0;
    for (int k = 0; k < n; k++) {
        j->names[k] = arrs[k]->L->name;
        j->cum[k + 1] = j->cum[k] + (axis < arrs[k]->ndim ? arrs[k]->nb[axis] : 1);
    }
    return j;
}

/* The token of a join: the operation, the inputs' names and the axis. */
static void join_token(char tok[33], const char *what, dusk_array *const *arrs, int n, int axis)
{
    uint64_t h = DUSK__FNV_INIT;
    for (int k = 0; k < n; k++)
        h = dusk__fnv(h, arrs[k]->L->name, strlen(arrs[k]->L->name) + 1);
    dusk__token(tok, "%s|%d|%016" PRIx64 "|%d", what, n, h, axis);
}

/* --- concatenate ----------------------------------------------------------------- */

/* The array of a join layer L, or an out-of-memory array when L is NULL: L reads
 * the distinct layers of arrs through inputs(), with plan j, which it owns
 * from here on (freed here when L is NULL). */
static dusk_array *join_array(dusk_array_ctx *ctx, dusk__layer *L, void *j,
                              int (*inputs)(const dusk__layer *, const int64_t *, dusk_arg **),
                              const char *what, dusk_array *const *arrs, int n, int ndim,
                              const int64_t *shape, int64_t *const *chunks, const int64_t *nb,
                              dusk_dtype dtype)
{
    if (!L) {
        join_plan_free(j);
        return dusk__array_oom(ctx, what);
    }
    L->inputs = inputs;
    L->data = j;
    L->data_free = join_plan_free;
    dusk__layer *ins[DUSK__MAXIN];
    int m = distinct_layers(arrs, n, ins, DUSK__MAXIN);
    for (int i = 0; i < m; i++)
        dusk__layer_input(L, ins[i]);
    return dusk__array_new(ctx, L, ndim, shape, chunks, nb, dtype);
}

static int cat_inputs(const dusk__layer *L, const int64_t *idx, dusk_arg **out)
{
    const join_plan *j = L->data;
    int64_t b = idx[j->axis];
    int lo = 0, hi = j->n - 1;
    while (lo < hi) {  /* the last k with cum[k] <= b */
        int mid = (lo + hi + 1) / 2;
        if (j->cum[mid] <= b)
            lo = mid;
        else
            hi = mid - 1;
    }
    int64_t at[DUSK_MAXDIMS];
    memcpy(at, idx, (size_t)j->ndim * sizeof *at);
    at[j->axis] = b - j->cum[lo];
    char key[1024];
    dusk_key_tuple(key, sizeof key, j->names[lo], j->ndim, at);
    out[0] = dusk_ref(key);
    return out[0] ? 1 : -1;
}

/* The block as it is: blocks are immutable, so this is Dask's alias. */
int dusk__k_pass(const dusk__targs *t, dusk_value **out, dusk_error *err)
{
    const dusk_value *in;
    int rc = dusk__targs_block_in(t, 0, -1, &in, err);
    if (!rc)
        *out = dusk_value_ref(t->in[0]);
    return rc;
}

/* One 'concatenate' layer over arrs (n >= 2, same dtype, chunks unified,
 * at most DUSK__MAXIN distinct layers). */
static dusk_array *cat_layer(dusk_array *const *arrs, int n, int axis)
{
    dusk_array *a0 = arrs[0];
    dusk_array_ctx *ctx = a0->ctx;
    int ndim = a0->ndim;
    int64_t shape[DUSK_MAXDIMS], nb[DUSK_MAXDIMS];
    int64_t *chunks[DUSK_MAXDIMS];
    int64_t nbax = 0;
    for (int k = 0; k < n; k++)
        nbax += arrs[k]->nb[axis];
    int64_t *axchunks = dusk_malloc((size_t)nbax * sizeof(int64_t));
    join_plan *j = axchunks ? join_plan_new(arrs, n, axis) : NULL;
    if (!j) {
        dusk_free(axchunks);
        return dusk__array_oom(ctx, "concatenate");
    }
    for (int d = 0; d < ndim; d++) {
        shape[d] = a0->shape[d];
        nb[d] = a0->nb[d];
        chunks[d] = a0->chunks[d];
    }
    int64_t at = 0;
    shape[axis] = 0;
    for (int k = 0; k < n; k++) {
        memcpy(axchunks + at, arrs[k]->chunks[axis], (size_t)arrs[k]->nb[axis] * sizeof(int64_t));
        at += arrs[k]->nb[axis];
        shape[axis] += arrs[k]->shape[axis];
    }
    nb[axis] = nbax;
    chunks[axis] = axchunks;
    char tok[33];
    join_token(tok, "concatenate", arrs, n, axis);
    dusk__layer *L = dusk__layer_new(ctx, "concatenate", tok, DUSK__L_CUSTOM,
                                     dusk__op_get(DUSK__OP_CONCATENATE),
                                     dusk__params_new(a0->dtype, ndim, NULL, NULL, 0, NULL), ndim,
                                     shape, nb, a0->dtype);
    dusk_array *r = join_array(ctx, L, j, cat_inputs, "concatenate", arrs, n, ndim, shape,
                               chunks, nb, a0->dtype);
    dusk_free(axchunks);
    return r;
}

/* Concatenates prepared arrays: one layer, or a tree of them when they
 * read more than DUSK__MAXIN distinct layers. Takes over arrs (an
 * allocated array it may rewrite). */
static dusk_array *cat_tree(dusk_array **arrs, int n, int axis)
{
    dusk__layer *ins[DUSK__MAXIN];
    while (distinct_layers(arrs, n, ins, DUSK__MAXIN) > DUSK__MAXIN) {
        /* groups of consecutive arrays with at most DUSK__MAXIN layers each */
        int m = 0, k = 0;
        while (k < n) {
            int e = k + 1;
            while (e < n && distinct_layers(arrs + k, e - k + 1, ins, DUSK__MAXIN) <= DUSK__MAXIN)
                e++;
            dusk_array *g = e - k == 1 ? arrs[k] : cat_layer(arrs + k, e - k, axis);
            if (g->status)
                return g;
            arrs[m++] = g;
            k = e;
        }
        n = m;
    }
    return n == 1 ? arrs[0] : cat_layer(arrs, n, axis);
}

dusk_array *dusk_concatenate(dusk_array *const *arrays, int n, int axis)
{
    dusk_array_ctx *ctx;
    int ndim;
    dusk_array *e = check_inputs(arrays, n, "concatenate", &ctx, &ndim);
    if (e)
        return e;
    if (ndim == 0)
        return dusk__array_fail(ctx, DUSK_EINVAL, "concatenate: zero-dimensional arrays cannot be "
                                "concatenated");
    if (axis < -ndim || axis >= ndim)
        return dusk__array_fail(ctx, DUSK_EINVAL, "concatenate: axis %d is out of bounds for "
                                "arrays of %d dimension%s", axis, ndim, ndim == 1 ? "" : "s");
    if (axis < 0)
        axis += ndim;
    for (int k = 1; k < n; k++) {
        const dusk_array *a = arrays[k];
        char s0[256], s1[256];
        fmt_shape(s0, sizeof s0, arrays[0]);
        fmt_shape(s1, sizeof s1, a);
        if (a->ndim != ndim)
            return dusk__array_fail(ctx, DUSK_EINVAL, "concatenate: all arrays must have the same "
                                    "number of dimensions: array 0 has shape %s, array %d has %s",
                                    s0, k, s1);
        for (int d = 0; d < ndim; d++)
            if (d != axis && a->shape[d] != arrays[0]->shape[d])
                return dusk__array_fail(ctx, DUSK_EINVAL, "concatenate: shapes do not align along "
                                        "axis %d: array 0 has shape %s, array %d has %s", d, s0, k,
                                        s1);
    }
    /* the joined axis's length and block count must be countable */
    int64_t len = 0, blocks = 0;
    for (int k = 0; k < n; k++)
        if (__builtin_add_overflow(len, arrays[k]->shape[axis], &len) ||
            __builtin_add_overflow(blocks, arrays[k]->nb[axis], &blocks)) {
            char s0[256], s1[256];
            fmt_shape(s0, sizeof s0, arrays[0]);
            fmt_shape(s1, sizeof s1, arrays[k]);
            return dusk__array_fail(ctx, DUSK_EINVAL, "concatenate: axis %d of the result would "
                                    "be longer than %" PRId64 " (array 0 has shape %s, array %d "
                                    "has %s)", axis, INT64_MAX, s0, k, s1);
        }
    dusk_dtype t = common_dtype(arrays, n);
    dusk_array **seq = dusk_malloc((size_t)n * sizeof *seq);
    if (!seq)
        return dusk__array_oom(ctx, "concatenate");
    /* promote, then drop the arrays with no elements (all, if none has) */
    int m = 0;
    for (int k = 0; k < n; k++) {
        int64_t size = 1;
        for (int d = 0; d < ndim; d++)
            size *= arrays[k]->shape[d];
        if (size)
            seq[m++] = arrays[k];
    }
    if (!m)
        for (int k = 0; k < n; k++)
            seq[m++] = arrays[k];
    for (int k = 0; k < m; k++) {
        dusk_array *c = dusk_array_astype(seq[k], t);
        if (c->status) {
            dusk_free(seq);
            return c;
        }
        seq[k] = c;
    }
    dusk_array *r;
    if (m == 1) {
        r = seq[0];
    } else {
        int(*group)[DUSK_MAXDIMS] = dusk_malloc((size_t)m * sizeof *group);
        if (!group) {
            dusk_free(seq);
            return dusk__array_oom(ctx, "concatenate");
        }
        for (int k = 0; k < m; k++)
            for (int d = 0; d < ndim; d++)
                group[k][d] = d == axis ? -1 : d;
        r = NULL;
        if (dusk__unify_chunks(seq, m, group, "concatenate", &r) == 0)
            r = cat_tree(seq, m, axis);
        dusk_free(group);
    }
    dusk_free(seq);
    return r;
}

/* --- stack --------------------------------------------------------------------------- */

static int stack_inputs(const dusk__layer *L, const int64_t *idx, dusk_arg **out)
{
    const join_plan *j = L->data;
    int64_t at[DUSK_MAXDIMS];
    for (int d = 0, o = 0; d <= j->ndim; d++)
        if (d != j->axis)
            at[o++] = idx[d];
    char key[1024];
    dusk_key_tuple(key, sizeof key, j->names[idx[j->axis]], j->ndim, at);
    out[0] = dusk_ref(key);
    return out[0] ? 1 : -1;
}

/* The block with a new axis of length 1 at the parameter axis (a view of it). */
int dusk__k_stack(const dusk__targs *t, dusk_value **out, dusk_error *err)
{
    int ndim = (int)dusk_tuple_len(t->index);
    const dusk_value *cin;
    int64_t axis;
    int rc = dusk__targs_block_in(t, 0, ndim - 1, &cin, err);
    if (rc || (rc = dusk__targs_int(t, 0, &axis, err)))
        return rc;
    if (axis < 0 || axis >= ndim)
        return dusk_error_set(err, DUSK_EINVAL, "stack: axis %" PRId64 " of a %d-d block", axis,
                              ndim);
    dusk_value *in = t->in[0];
    int64_t shape[DUSK_MAXDIMS], strides[DUSK_MAXDIMS];
    const int64_t *ish = dusk_ndarray_shape(in), *ist = dusk_ndarray_strides(in);
    size_t es = dusk_dtype_size(dusk_ndarray_dtype(in));
    for (int d = 0, i = 0; d < ndim; d++) {
        if (d == axis) {
            /* the stride a C-contiguous array would have there */
            shape[d] = 1;
            strides[d] = i < ndim - 1 ? ist[i] * ish[i] : (int64_t)es;
        } else {
            shape[d] = ish[i];
            strides[d] = ist[i++];
        }
    }
    dusk_value *v = dusk_ndarray_view(in, ndim, shape, strides, 0);
    if (!v)
        return dusk__oom(err);
    *out = v;
    return 0;
}

/* One 'stack' layer over arrs (same dtype, shape and chunks, at most
 * DUSK__MAXIN distinct layers). */
static dusk_array *stack_layer(dusk_array *const *arrs, int n, int axis)
{
    dusk_array *a0 = arrs[0];
    dusk_array_ctx *ctx = a0->ctx;
    int ndim = a0->ndim + 1;
    int64_t shape[DUSK_MAXDIMS], nb[DUSK_MAXDIMS];
    int64_t *chunks[DUSK_MAXDIMS];
    int64_t *ones = dusk_malloc((size_t)n * sizeof(int64_t));
    join_plan *j = ones ? join_plan_new(arrs, n, axis) : NULL;
    if (!j) {
        dusk_free(ones);
        return dusk__array_oom(ctx, "stack");
    }
    for (int k = 0; k < n; k++)
        ones[k] = 1;
    for (int d = 0, i = 0; d < ndim; d++) {
        if (d == axis) {
            shape[d] = n;
            nb[d] = n;
            chunks[d] = ones;
        } else {
            shape[d] = a0->shape[i];
            nb[d] = a0->nb[i];
            chunks[d] = a0->chunks[i++];
        }
    }
    char tok[33];
    join_token(tok, "stack", arrs, n, axis);
    dusk_value *ax = dusk_int(axis);
    dusk__layer *L = dusk__layer_new(ctx, "stack", tok, DUSK__L_CUSTOM,
                                     dusk__op_get(DUSK__OP_STACK),
                                     dusk__params_new(a0->dtype, ndim, NULL, NULL, 1, &ax), ndim,
                                     shape, nb, a0->dtype);
    dusk_array *r = join_array(ctx, L, j, stack_inputs, "stack", arrs, n, ndim, shape, chunks,
                               nb, a0->dtype);
    dusk_free(ones);
    return r;
}

dusk_array *dusk_stack(dusk_array *const *arrays, int n, int axis)
{
    dusk_array_ctx *ctx;
    int ndim;
    dusk_array *e = check_inputs(arrays, n, "stack", &ctx, &ndim);
    if (e)
        return e;
    for (int k = 1; k < n; k++) {
        const dusk_array *a = arrays[k];
        int differ = a->ndim != ndim;
        for (int d = 0; d < ndim && !differ; d++)
            differ = a->shape[d] != arrays[0]->shape[d];
        if (differ) {
            char s0[256], s1[256];
            fmt_shape(s0, sizeof s0, arrays[0]);
            fmt_shape(s1, sizeof s1, a);
            return dusk__array_fail(ctx, DUSK_EINVAL, "stack: arrays must have the same shape: "
                                    "array 0 has shape %s, array %d has %s", s0, k, s1);
        }
    }
    if (ndim + 1 > DUSK_MAXDIMS)
        return dusk__array_fail(ctx, DUSK_EINVAL, "stack: the result would have %d dimensions "
                                "(at most %d)", ndim + 1, DUSK_MAXDIMS);
    if (axis < -(ndim + 1) || axis > ndim)
        return dusk__array_fail(ctx, DUSK_EINVAL, "stack: axis %d is out of bounds for a result "
                                "of %d dimension%s", axis, ndim + 1, ndim ? "s" : "");
    if (axis < 0)
        axis += ndim + 1;
    dusk_dtype t = common_dtype(arrays, n);
    dusk_array **seq = dusk_malloc((size_t)n * sizeof *seq);
    int(*group)[DUSK_MAXDIMS] = dusk_malloc((size_t)n * sizeof *group);
    if (!seq || !group) {
        dusk_free(seq);
        dusk_free(group);
        return dusk__array_oom(ctx, "stack");
    }
    dusk_array *r = NULL;
    for (int k = 0; k < n && !r; k++) {
        seq[k] = dusk_array_astype(arrays[k], t);
        if (seq[k]->status)
            r = seq[k];
        for (int d = 0; d < ndim; d++)
            group[k][d] = d;
    }
    if (!r && dusk__unify_chunks(seq, n, group, "stack", &r) == 0) {
        dusk__layer *ins[DUSK__MAXIN];
        if (distinct_layers(seq, n, ins, DUSK__MAXIN) <= DUSK__MAXIN) {
            r = stack_layer(seq, n, axis);
        } else {
            /* stacks of groups, joined along the new axis */
            int m = 0, k = 0;
            while (k < n && !r) {
                int e2 = k + 1;
                while (e2 < n && distinct_layers(seq + k, e2 - k + 1, ins, DUSK__MAXIN) <= DUSK__MAXIN)
                    e2++;
                dusk_array *g = stack_layer(seq + k, e2 - k, axis);
                if (g->status)
                    r = g;
                seq[m++] = g;
                k = e2;
            }
            if (!r)
                r = cat_tree(seq, m, axis);
        }
    }
    dusk_free(seq);
    dusk_free(group);
    return r;
}
