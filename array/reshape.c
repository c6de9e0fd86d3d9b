/*
** dusk — reshape and ravel, as dask.array.reshape builds them
**
** A reshape in C order cannot, in general, turn each input block into one
** output block: an output block must hold elements that lie together in
** the flattened array. Dask's answer, which dusk follows so that graphs
** and task counts are Dask's, is to first rechunk the input so that every
** block of it is one output block, then reshape block by block:
**
**   - axes that keep their length keep their chunks;
**   - axes merged into one (4, 4, 4) -> (64,) keep the first merged axis's
**     chunks (split further so that the blocks stay about as many) and
**     take the other merged axes whole, unless those are all chunked by
**     one, when the blocks simply move (no rechunk);
**   - an axis split into several (64,) -> (4, 4, 4) is chunked in
**     multiples of the product of the new trailing axes, which each take
**     whole;
**   - reshapes that neither merge nor split axes evenly, (6, 5, 4) ->
**     (4, 5, 6), are refused, as Dask refuses them.
**
** The plan (plan_chunks) walks both shapes from the last axis, as Dask's
** reshape_rechunk does, with Python's indexing where that walk reads
** before the first axis; an array of one block skips it. Input block k
** (in C order) becomes output block k: the 'reshape' layer's tasks read
** one block each and give a view of it (a copy where the block is not
** contiguous) of the output block's shape.
*/
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "array.h"
#include "dusk/alloc.h"
#include "nd.h"

/* A tuple of block sizes: NULL v is Python's None (not yet planned). own:
 * v is the plan's to free. */
typedef struct {
    int64_t *v;
    int64_t n;
    bool own;
} ctuple;

typedef struct {
    int nin, nout;
    ctuple in[DUSK_MAXDIMS], out[DUSK_MAXDIMS];
} chunk_plan;

static void plan_clear(chunk_plan *p)
{
    for (int d = 0; d < p->nin; d++)
        if (p->in[d].own)
            dusk_free(p->in[d].v);
    for (int d = 0; d < p->nout; d++)
        if (p->out[d].own)
            dusk_free(p->out[d].v);
    memset(p, 0, sizeof *p);
}

/* Sets slot t to n sizes of a new buffer (returned, NULL when out of memory). */
static int64_t *ct_alloc(ctuple *t, int64_t n)
{
    if (t->own)
        dusk_free(t->v);
    t->v = dusk_malloc((size_t)(n ? n : 1) * sizeof *t->v);
    t->n = n;
    t->own = t->v != NULL;
    return t->v;
}

static void ct_borrow(ctuple *t, int64_t *v, int64_t n)
{
    if (t->own)
        dusk_free(t->v);
    t->v = v;
    t->n = n;
    t->own = false;
}

static int64_t mul_sat(int64_t a, int64_t b)
{
    int64_t r;
    return __builtin_mul_overflow(a, b, &r) ? INT64_MAX : r;
}

/* Python's shape[lo:hi] for a tuple of n: the product of the slice into
 * *out; 0 when it is empty (reduce() of nothing: Dask fails there). */
static int prod_slice(const int64_t *v, int n, int lo, int hi, int64_t *out)
{
    if (lo < 0)
        lo = lo + n < 0 ? 0 : lo + n;
    if (hi < 0)
        hi = hi + n < 0 ? 0 : hi + n;
    if (hi > n)
        hi = n;
    if (lo >= hi)
        return 0;
    int64_t p = 1;
    for (int i = lo; i < hi; i++)
        p = mul_sat(p, v[i]);
    *out = p;
    return 1;
}

/* Python's index i of a tuple of n (negative from the end), or -1 when out of range. */
static int py_at(int i, int n) { return i < 0 ? (i + n < 0 ? -1 : i + n) : (i < n ? i : -1); }

/* Dask's expand_tuple: each block split into about factor parts, none
 * smaller than 1, in floating point as Dask computes it. */
static int expand(ctuple *t, const int64_t *c, int64_t n, int64_t factor)
{
    if (factor == 1) {
        ct_borrow(t, (int64_t *)c, n);
        return 0;
    }
    int64_t cnt = 0;
    for (int pass = 0; pass < 2; pass++) {
        int64_t k = 0;
        for (int64_t i = 0; i < n; i++) {
            double x = (double)c[i], part = x / (double)factor;
            if (part < 1)
                part = 1;
            while (x >= 2 * part) {
                if (pass)
                    t->v[k] = (int64_t)part;
                k++;
                x -= (double)(int64_t)part;
            }
            if (x != 0) {
                if (pass)
                    t->v[k] = (int64_t)x;
                k++;
            }
        }
        cnt = k;
        if (!pass && !ct_alloc(t, cnt))
            return -1;
    }
    return 0;
}

/* Dask's contract_tuple: sizes that factor divides, carrying remainders on. */
static int contract(ctuple *t, const int64_t *c, int64_t n, int64_t factor)
{
    if (!ct_alloc(t, n))
        return -1;
    int64_t k = 0, residual = 0;
    for (int64_t i = 0; i < n; i++) {
        int64_t chunk = c[i] + residual, good = factor * (chunk / factor);
        residual = chunk % factor;
        if (good)
            t->v[k++] = good;
    }
    t->n = k;
    return 0;
}

/* Dask's reshape_rechunk: the input's chunks that make every block one
 * output block, and the output's chunks. 0; 1 when the reshape does not
 * merge or split axes evenly (Dask's NotImplementedError, or where its
 * walk fails); -1 when out of memory. inchunks[d] is borrowed. */
static int plan_chunks(chunk_plan *p, int nin, const int64_t *inshape, int64_t *const *inchunks,
                       const int64_t *innb, int nout, const int64_t *outshape)
{
    memset(p, 0, sizeof *p);
    p->nin = nin;
    p->nout = nout;
    int ii = nin - 1, oi = nout - 1;
    while (ii >= 0 || oi >= 0) {
        int ai = py_at(ii, nin), ao = py_at(oi, nout);
        if (ai < 0 || ao < 0)
            return 1;   /* Python's IndexError */
        int64_t din = inshape[ai], dout = outshape[ao];
        if (din == dout) {
            ct_borrow(&p->in[ai], inchunks[ai], innb[ai]);
            ct_borrow(&p->out[ao], inchunks[ai], innb[ai]);
            ii--;
            oi--;
        } else if (din == 1) {
            ct_borrow(&p->in[ai], inchunks[ai], innb[ai]);   /* (1,): its only chunking */
            ii--;
        } else if (dout == 1) {
            if (!ct_alloc(&p->out[ao], 1))
                return -1;
            p->out[ao].v[0] = 1;
            oi--;
        } else if (din < dout) {
            /* merging input axes ileft..ii into output axis oi */
            int ileft = ii - 1;
            int64_t pr;
            while (ileft >= 0) {
                if (!prod_slice(inshape, nin, ileft, ii + 1, &pr))
                    return 1;
                if (pr >= dout)
                    break;
                ileft--;
            }
            if (!prod_slice(inshape, nin, ileft, ii + 1, &pr) || pr != dout || ileft < 0)
                return 1;
            int lower_ones = 1;
            for (int i = 0; i < ii; i++)
                if (innb[i] != inshape[i])
                    lower_ones = 0;
            if (lower_ones) {
                /* the lower axes are chunked by one: the blocks move as they are */
                int64_t rep = 1;
                for (int i = 0; i <= ii; i++)
                    ct_borrow(&p->in[i], inchunks[i], innb[i]);
                for (int i = ileft; i < ii; i++)
                    rep = mul_sat(rep, innb[i]);
                if (!ct_alloc(&p->out[ao], innb[ii] * rep))
                    return -1;
                for (int64_t r = 0; r < rep; r++)
                    memcpy(p->out[ao].v + r * innb[ii], inchunks[ii],
                           (size_t)innb[ii] * sizeof(int64_t));
            } else {
                int64_t reduction = 1, prod = 1;
                for (int i = ileft + 1; i <= ii; i++) {
                    if (!ct_alloc(&p->in[i], 1))
                        return -1;
                    p->in[i].v[0] = inshape[i];
                    reduction = mul_sat(reduction, innb[i]);
                    prod = mul_sat(prod, inshape[i]);
                }
                if (expand(&p->in[ileft], inchunks[ileft], innb[ileft], reduction) < 0)
                    return -1;
                const ctuple *e = &p->in[ileft];
                if (!ct_alloc(&p->out[ao], e->n))
                    return -1;
                for (int64_t k = 0; k < e->n; k++)
                    p->out[ao].v[k] = prod * e->v[k];
            }
            oi--;
            ii = ileft - 1;
        } else {
            /* splitting input axis ii into output axes oleft..oi */
            int oleft = oi - 1;
            int64_t pr;
            while (oleft >= 0) {
                if (!prod_slice(outshape, nout, oleft, oi + 1, &pr))
                    return 1;
                if (pr >= din)
                    break;
                oleft--;
            }
            if (!prod_slice(outshape, nout, oleft, oi + 1, &pr) || pr != din || oleft < 0)
                return 1;
            int64_t cs = 1;
            for (int i = oleft + 1; i <= oi; i++)
                cs = mul_sat(cs, outshape[i]);
            if (cs == 0 || din % cs)
                return 1;
            if (contract(&p->in[ai], inchunks[ai], innb[ai], cs) < 0)
                return -1;
            for (int i = oleft + 1; i <= oi; i++) {
                if (!ct_alloc(&p->out[i], 1))
                    return -1;
                p->out[i].v[0] = outshape[i];
            }
            const ctuple *c = &p->in[ai];
            if (!ct_alloc(&p->out[oleft], c->n))
                return -1;
            for (int64_t k = 0; k < c->n; k++)
                p->out[oleft].v[k] = c->v[k] / cs;
            oi = oleft - 1;
            ii--;
        }
    }
    for (int d = 0; d < nin; d++)
        if (!p->in[d].v)
            return 1;
    for (int d = 0; d < nout; d++)
        if (!p->out[d].v)
            return 1;
    return 0;
}

/* NumPy's text of a shape in its reshape messages: (3,newaxis,5), (5,). */
static void np_shape(char *buf, size_t n, int ndim, const int64_t *v)
{
    size_t l = (size_t)snprintf(buf, n, "(");
    for (int d = 0; d < ndim && l < n; d++) {
        if (v[d] == -1)
            l += (size_t)snprintf(buf + l, n - l, "%snewaxis", d ? "," : "");
        else
            l += (size_t)snprintf(buf + l, n - l, "%s%" PRId64, d ? "," : "", v[d]);
    }
    if (l < n)
        snprintf(buf + l, n - l, "%s)", ndim == 1 ? "," : "");
}

/* The input block of output block idx: the same place in C order. */
static int reshape_inputs(const dusk__layer *L, const int64_t *idx, dusk_arg **out)
{
    const dusk__layer *in = L->in[0];
    int64_t k = 0, j[DUSK_MAXDIMS];
    for (int d = 0; d < L->ndim; d++)
        k = k * L->nb[d] + idx[d];
    for (int d = in->ndim - 1; d >= 0; d--) {
        j[d] = in->nb[d] ? k % in->nb[d] : 0;
        k = in->nb[d] ? k / in->nb[d] : 0;
    }
    char key[1024];
    dusk_key_tuple(key, sizeof key, in->name, in->ndim, j);
    out[0] = dusk_ref(key);
    return out[0] ? 1 : -1;
}

/* "((a, b), (c,))": chunks as dusk_array_rechunk reads them, axis d's
 * the nb[d] sizes at per[d], or "1" for the axes in ones (free it). */
static char *chunks_text(int ndim, int64_t *const *per, const int64_t *nb, uint64_t ones)
{
    size_t cap = 8;
    for (int d = 0; d < ndim; d++)
        cap += 8 + (size_t)nb[d] * 22;
    char *s = dusk_malloc(cap);
    if (!s)
        return NULL;
    size_t l = (size_t)snprintf(s, cap, "(");
    for (int d = 0; d < ndim; d++) {
        if ((ones >> d) & 1) {
            l += (size_t)snprintf(s + l, cap - l, "%s1", d ? ", " : "");
            continue;
        }
        l += (size_t)snprintf(s + l, cap - l, "%s(", d ? ", " : "");
        for (int64_t k = 0; k < nb[d]; k++)
            l += (size_t)snprintf(s + l, cap - l, "%s%" PRId64, k ? ", " : "", per[d][k]);
        l += (size_t)snprintf(s + l, cap - l, "%s)", nb[d] == 1 ? "," : "");
    }
    snprintf(s + l, cap - l, "%s)", ndim == 1 ? "," : "");
    return s;
}

/* The 'reshape' layer of x (chunked so that block k is output block k). */
static dusk_array *reshape_layer(dusk_array *x, int ndim, const int64_t *shape,
                                 int64_t *const *chunks, const int64_t *nb)
{
    char tok[33], sh[256];
    dusk__fmt_shape(sh, sizeof sh, ndim, shape);
    dusk__token(tok, "reshape|%s|%s|%016" PRIx64, x->L->name, sh,
                dusk__hash_chunks(ndim, chunks, nb));
    dusk__layer *L = dusk__layer_new(x->ctx, "reshape", tok, DUSK__L_CUSTOM,
                                     dusk__op_get(DUSK__OP_RESHAPE),
                                     dusk__params_new(x->dtype, ndim, chunks, nb, 0, NULL), ndim,
                                     shape, nb, x->dtype);
    if (!L)
        return dusk__array_oom(x->ctx, "reshape");
    L->inputs = reshape_inputs;
    dusk__layer_input(L, x->L);
    return dusk__array_new(x->ctx, L, ndim, shape, chunks, nb, x->dtype);
}

dusk_array *dusk_array_reshape(dusk_array *a, dusk_shape shape, bool merge_chunks)
{
    dusk_array *e = dusk__array_bad_input(a, NULL);
    if (e)
        return e;
    if (shape.ndim < 0 || shape.ndim > DUSK_MAXDIMS)
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "reshape: a shape of %d dimensions "
                                "(at most %d)", shape.ndim, DUSK_MAXDIMS);
    int nd = shape.ndim, unknown = -1;
    char given[256];
    dusk__fmt_shape(given, sizeof given, nd, shape.v);
    int64_t known = 1, size = 1;
    for (int d = 0; d < a->ndim; d++)
        size *= a->shape[d];   /* fits: the array's bytes do */
    for (int d = 0; d < nd; d++) {
        if (shape.v[d] == -1) {
            if (unknown >= 0)
                return dusk__array_fail(a->ctx, DUSK_EINVAL, "reshape: can only specify one "
                                        "unknown dimension (-1): shape %s", given);
            unknown = d;
        } else if (shape.v[d] < 0) {
            return dusk__array_fail(a->ctx, DUSK_EINVAL, "reshape: negative dimensions are not "
                                    "allowed: %" PRId64 " in shape %s (-1 alone stands for "
                                    "the length that fits)", shape.v[d], given);
        } else {
            known = mul_sat(known, shape.v[d]);
        }
    }
    if (unknown >= 0 && nd == 1 && a->ndim == 1)
        return a;   /* Dask's fast path: x.reshape(-1) of 1-d is x */
    if (unknown >= 0) {
        if (known == 0 || size % known) {
            char np[256];
            np_shape(np, sizeof np, nd, shape.v);
            return dusk__array_fail(a->ctx, DUSK_EINVAL, "reshape: cannot reshape array of "
                                    "size %" PRId64 " into shape %s", size, np);
        }
        shape.v[unknown] = size / known;
        known = size;
    }
    if (known != size) {
        char np[256];
        np_shape(np, sizeof np, nd, shape.v);
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "reshape: cannot reshape array of size %"
                                PRId64 " into shape %s", size, np);
    }
    if (nd == a->ndim && !memcmp(shape.v, a->shape, (size_t)nd * sizeof(int64_t)))
        return a;
    if (dusk_array_nchunks(a) == 1) {
        /* one block: one task, its whole shape */
        int64_t nb[DUSK_MAXDIMS], *per[DUSK_MAXDIMS];
        for (int d = 0; d < nd; d++) {
            nb[d] = 1;
            per[d] = &shape.v[d];
        }
        return reshape_layer(a, nd, shape.v, per, nb);
    }
    dusk_array *x = a;
    if (!merge_chunks && a->ndim > nd) {
        /* Dask's merge_chunks=False: the leading axes that go, chunked by
         * one (x.rechunk({i: 1 ...})), the others as they are */
        char *spec = chunks_text(a->ndim, a->chunks, a->nb,
                                 ((uint64_t)1 << (a->ndim - nd)) - 1);
        x = spec ? dusk_array_rechunk(a, spec) : dusk__array_oom(a->ctx, "reshape");
        dusk_free(spec);
        if (x->status)
            return x;
    }
    chunk_plan p;
    int rc = plan_chunks(&p, x->ndim, x->shape, x->chunks, x->nb, nd, shape.v);
    if (rc) {
        plan_clear(&p);
        if (rc < 0)
            return dusk__array_oom(a->ctx, "reshape");
        char from[256];
        dusk__fmt_shape(from, sizeof from, a->ndim, a->shape);
        dusk__fmt_shape(given, sizeof given, nd, shape.v);
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "reshape: cannot reshape %s into %s "
                                "block by block: dusk, as Dask, only merges or splits "
                                "existing axes evenly (as (6, 5, 4) into (3, 2, 5, 4) or "
                                "(30, 4)); reshape in several steps", from, given);
    }
    int same = 1;
    for (int d = 0; d < x->ndim; d++)
        if (p.in[d].n != x->nb[d] ||
            memcmp(p.in[d].v, x->chunks[d], (size_t)x->nb[d] * sizeof(int64_t)))
            same = 0;
    if (!same) {
        int64_t *pin[DUSK_MAXDIMS], pnb[DUSK_MAXDIMS];
        for (int d = 0; d < x->ndim; d++) {
            pin[d] = p.in[d].v;
            pnb[d] = p.in[d].n;
        }
        char *spec = chunks_text(x->ndim, pin, pnb, 0);
        x = spec ? dusk_array_rechunk(x, spec) : dusk__array_oom(a->ctx, "reshape");
        dusk_free(spec);
    }
    int64_t nb[DUSK_MAXDIMS], *per[DUSK_MAXDIMS];
    for (int d = 0; d < nd; d++) {
        nb[d] = p.out[d].n;
        per[d] = p.out[d].v;
    }
    dusk_array *r = x->status ? x : reshape_layer(x, nd, shape.v, per, nb);
    plan_clear(&p);
    return r;
}

dusk_array *dusk_array_ravel(dusk_array *a)
{
    return dusk_array_reshape(a, DUSK_SHAPE(-1), true);
}

/* --- kernel ------------------------------------------------------------------------ */

/* The block in the output block's shape, C order: a view of it when it is
 * contiguous, else of a contiguous copy. */
int dusk__k_reshape(const dusk__targs *t, dusk_value **out, dusk_error *err)
{
    const dusk_value *in;
    int ndim = (int)dusk_tuple_len(t->index);
    int64_t start[DUSK_MAXDIMS], shape[DUSK_MAXDIMS], strides[DUSK_MAXDIMS];
    int rc = dusk__targs_block_in(t, 0, -1, &in, err);
    if (rc || (rc = dusk__targs_block(t, start, shape, err)))
        return rc;
    int64_t n = 1;
    for (int d = 0; d < ndim; d++)
        n *= shape[d];
    if (n != dusk_ndarray_size(in) || dusk_ndarray_dtype(in) != t->dtype) {
        char sh[256];
        dusk__fmt_shape(sh, sizeof sh, ndim, shape);
        return dusk_error_set(err, DUSK_ETYPE, "%s: a block of %" PRId64 " %s elements into "
                              "shape %s of %s", t->op->func.name, dusk_ndarray_size(in),
                              dusk_dtype_name(dusk_ndarray_dtype(in)), sh,
                              dusk_dtype_name(t->dtype));
    }
    dusk_value *src = t->in[0], *copy = NULL;
    if (!dusk_ndarray_is_contiguous(src)) {
        if ((rc = dusk__nd_astype(src, t->dtype, &copy, err)))
            return rc;
        src = copy;
    }
    int64_t s = (int64_t)dusk_dtype_size(t->dtype);
    for (int d = ndim - 1; d >= 0; d--) {
        strides[d] = s;
        s *= shape[d] ? shape[d] : 1;
    }
    dusk_value *v = dusk_ndarray_view(src, ndim, shape, strides, 0);
    dusk_value_unref(copy);
    if (!v)
        return dusk__oom(err);
    *out = v;
    return 0;
}
