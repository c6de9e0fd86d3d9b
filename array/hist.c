/*
** dusk — histograms, as dask.array.histogram builds them, and digitize
**
** A 'histogram-sum' layer of one task per block of a (in the order of its
** grid), each counting its block into the bins: a (nblocks, nbins) array
** of rows of 1, which dusk_array_sum then adds up along axis 0, as Dask's
** mapped.sum(axis=0). Bins are numpy.histogram's: [e_i, e_{i+1}), the last
** one closed; values outside the edges and NaN are not counted.
*/
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "array.h"
#include "core/util.h"
#include "dusk/alloc.h"
#include "nd.h"

/* Block idx[0] of a's grid, in its C order: the input of row idx[0]. */
static int hist_inputs(const dusk__layer *L, const int64_t *idx, dusk_arg **out)
{
    int n = 0;
    for (int i = 0; i < L->nin; i++) {
        const dusk__layer *in = L->in[i];
        int64_t j[DUSK_MAXDIMS], k = idx[0];
        for (int d = in->ndim - 1; d >= 0; d--) {
            j[d] = in->nb[d] ? k % in->nb[d] : 0;
            k = in->nb[d] ? k / in->nb[d] : 0;
        }
        char key[1024];
        dusk_key_tuple(key, sizeof key, in->name, in->ndim, j);
        if (!(out[n] = dusk_ref(key))) {
            while (n > 0)
                dusk_arg_free(out[--n]);
            return -1;
        }
        n++;
    }
    return n;
}

/* The bins of a task: the n + 1 non-decreasing edges e, and, where the
 * outer edges are finite and apart, the factor that guesses x's bin from
 * its place between them (NumPy's for even bins). */
typedef struct {
    const double *e;
    int64_t n;
    double lo, norm;   /* norm 0: no guess */
} binning;

static binning binning_of(const double *e, int64_t n)
{
    binning b = {e, n, e[0], 0};
    if (n > 0 && isfinite(e[0]) && isfinite(e[n]) && e[n] > e[0])
        b.norm = (double)n / (e[n] - e[0]);
    return b;
}

/* Whether x is in bin i: e[i] <= x < e[i + 1], so that i is the last edge
 * at or below x (searchsorted's 'right' less one, NumPy's bin). */
static inline int in_bin(const binning *b, double x, int64_t i)
{
    return i >= 0 && i < b->n && b->e[i] <= x && x < b->e[i + 1];
}

/* The bin of x, or -1 outside the edges (and for NaN). Even bins are
 * found from the guess or a neighbour of it; the rest by bisection, which
 * gives the same bin. */
static inline int64_t bin_of(const binning *b, double x)
{
    const double *e = b->e;
    int64_t n = b->n;
    if (!(x >= e[0] && x <= e[n]))   /* also NaN */
        return -1;
    if (x == e[n])
        return n - 1;
    if (b->norm > 0) {
        double f = (x - b->lo) * b->norm;
        int64_t g = f < (double)n ? (int64_t)f : n - 1;
        if (in_bin(b, x, g))
            return g;
        if (in_bin(b, x, g - 1))
            return g - 1;
        if (in_bin(b, x, g + 1))
            return g + 1;
    }
    int64_t lo = 0, hi = n;   /* e[lo] <= x < e[hi] */
    while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2;
        if (x < e[mid])
            hi = mid;
        else
            lo = mid;
    }
    return lo;
}

int dusk__k_hist(const dusk__targs *t, dusk_value **out, dusk_error *err)
{
    const dusk_value *x, *w = NULL;
    int rc = dusk__targs_block_in(t, 0, -1, &x, err);
    if (!rc && t->nin > 1)
        rc = dusk__targs_block_in(t, 1, dusk_ndarray_ndim(x), &w, err);
    if (rc)
        return rc;
    const dusk_value *ev = dusk__params_extra(t->params, 0);
    if (dusk_value_kind(ev) != DUSK_KIND_NDARRAY || dusk_ndarray_dtype(ev) != DUSK_DT_F8 ||
        dusk_ndarray_ndim(ev) != 1 || dusk_ndarray_shape(ev)[0] < 1)
        return dusk_error_set(err, DUSK_EINVAL, "%s: the bin edges are not a float64 array of "
                              "1 or more", t->op->func.name);
    const double *e = dusk_ndarray_data(ev);
    int64_t nbins = dusk_ndarray_shape(ev)[0] - 1;
    int ndim = dusk_ndarray_ndim(x);
    const int64_t *shape = dusk_ndarray_shape(x);
    if (w) {
        for (int d = 0; d < ndim; d++)
            if (dusk_ndarray_shape(w)[d] != shape[d])
                return dusk_error_set(err, DUSK_EINVAL, "%s: a block of weights of another "
                                      "shape than its block of values", t->op->func.name);
    }
    int64_t oshape[2] = {1, nbins};
    dusk_value *v = dusk_ndarray_new(t->dtype, 2, oshape);
    /* counts and integer weights add up in int64 (wrapping as NumPy's),
     * float weights in double */
    int floats = dusk__dtype_is_float(t->dtype);
    void *acc = v ? dusk_calloc((size_t)(nbins ? nbins : 1), 8) : NULL;
    if (!acc) {
        dusk_value_unref(v);
        return dusk__oom(err);
    }
    int64_t *ci = acc;
    double *cf = acc;
    dusk_dtype xt = dusk_ndarray_dtype(x), wt = w ? dusk_ndarray_dtype(w) : xt;
    const char *xb = dusk_ndarray_data(x), *wb = w ? dusk_ndarray_data(w) : NULL;
    const int64_t *xs = dusk_ndarray_strides(x), *ws = w ? dusk_ndarray_strides(w) : NULL;
    binning bins = binning_of(e, nbins);
    /* rows along the last axis, each read with its stride; float64 values
     * without a conversion call */
    int64_t size = dusk_ndarray_size(x), inner = ndim ? shape[ndim - 1] : 1;
    int64_t xin = ndim ? xs[ndim - 1] : 0, win = w && ndim ? ws[ndim - 1] : 0;
    int64_t idx[DUSK_MAXDIMS] = {0};
    for (int64_t row = 0; inner > 0 && row < size / inner; row++) {
        int64_t xo = 0, wo = 0;
        for (int d = 0; d < ndim - 1; d++) {
            xo += idx[d] * xs[d];
            if (w)
                wo += idx[d] * ws[d];
        }
        const char *xp = xb + xo, *wp = w ? wb + wo : NULL;
        for (int64_t k = 0; k < inner; k++, xp += xin, wp = w ? wp + win : NULL) {
            double xv;
            if (xt == DUSK_DT_F8)
                memcpy(&xv, xp, sizeof xv);
            else
                xv = dusk__nd_loadf(xp, xt);
            int64_t b = bin_of(&bins, xv);
            if (b < 0)
                continue;
            if (!w)
                ci[b]++;
            else if (floats)
                cf[b] += dusk__nd_loadf(wp, wt);
            else
                ci[b] = (int64_t)((uint64_t)ci[b] + (uint64_t)dusk__nd_loadi(wp, wt));
        }
        dusk__next_index(ndim - 1, shape, idx);
    }
    char *p = dusk_ndarray_data(v);
    size_t es = dusk_dtype_size(t->dtype);
    for (int64_t b = 0; b < nbins; b++) {
        if (floats)
            dusk__nd_storef(p + b * (int64_t)es, t->dtype, cf[b]);
        else
            dusk__nd_storei(p + b * (int64_t)es, t->dtype, ci[b]);
    }
    dusk_free(acc);
    *out = v;
    return 0;
}

dusk_array *dusk_array_histogram(dusk_array *a, const double *edges, size_t nedges,
                                 dusk_array *weights)
{
    dusk_array *e = dusk__array_bad_input(a, weights);
    if (e)
        return e;
    if (weights && (e = dusk__array_bad_input(weights, a)))
        return e;
    dusk_array_ctx *ctx = a->ctx;
    /* one edge is no bin, and empty counts, as NumPy's */
    if (!edges || nedges < 1)
        return dusk__array_fail(ctx, DUSK_EINVAL, "histogram: no bin edges given");
    for (size_t i = 0; i < nedges; i++) {
        if (isnan(edges[i]))   /* infinite ones make open-ended bins, as NumPy's */
            return dusk__array_fail(ctx, DUSK_EINVAL, "histogram: bin edge %zu is NaN", i);
        if (i && edges[i] < edges[i - 1])
            return dusk__array_fail(ctx, DUSK_EINVAL, "histogram: bins must increase "
                                    "monotonically (edge %zu, %.17g, is below edge %zu, %.17g)",
                                    i, edges[i], i - 1, edges[i - 1]);
    }
    if (dusk__dtype_is_complex(a->dtype))
        return dusk__array_fail(ctx, DUSK_EINVAL, "histogram: the values are complex (%s); "
                                "bins order real numbers", dusk_dtype_name(a->dtype));
    dusk_dtype out = DUSK_DT_I8;
    if (weights) {
        if (weights->ctx != ctx)
            return dusk__array_fail(ctx, DUSK_EINVAL, "histogram: the weights are of another "
                                    "array context than the values");
        int same = weights->ndim == a->ndim;
        for (int d = 0; same && d < a->ndim; d++) {
            same = weights->shape[d] == a->shape[d] && weights->nb[d] == a->nb[d];
            for (int64_t k = 0; same && k < a->nb[d]; k++)
                same = weights->chunks[d][k] == a->chunks[d][k];
        }
        if (!same) {
            char sa[256], sw[256];
            dusk__fmt_shape(sa, sizeof sa, a->ndim, a->shape);
            dusk__fmt_shape(sw, sizeof sw, weights->ndim, weights->shape);
            return dusk__array_fail(ctx, DUSK_EINVAL, "histogram: the values %s and the weights "
                                    "%s must have the same shape and chunks (rechunk the "
                                    "weights as the values)", sa, sw);
        }
        if (dusk__dtype_is_complex(weights->dtype))
            return dusk__array_fail(ctx, DUSK_EINVAL, "histogram: complex weights (%s) are not "
                                    "supported", dusk_dtype_name(weights->dtype));
        /* Dask's rows are of the weights' dtype; the sum widens them as
         * NumPy's sum does */
        out = weights->dtype == DUSK_DT_BOOL ? DUSK_DT_I8 : weights->dtype;
    }
    int64_t nbins = (int64_t)nedges - 1, nchunks = dusk_array_nchunks(a);
    int64_t shape[2] = {nchunks, nbins}, nb[2] = {nchunks, 1};
    /* a block count past what a row per block can address (2**62 blocks of
     * one element) is refused before its rows are laid out */
    char why[512];
    size_t bytes;
    if (dusk__check_size(2, shape, out, nb, why, sizeof why) < 0)
        return dusk__array_fail(ctx, DUSK_EINVAL, "histogram: %s", why);
    if (__builtin_mul_overflow((size_t)(nchunks > 0 ? nchunks : 1), sizeof(int64_t), &bytes))
        return dusk__array_fail(ctx, DUSK_EINVAL, "histogram: %" PRId64 " blocks, more than "
                                "a row each can be laid out for", nchunks);
    dusk_value *ev = dusk_ndarray_empty(DUSK_DT_F8, 1, (int64_t[]){(int64_t)nedges});
    int64_t *ones = dusk_malloc(bytes);
    if (!ev || !ones) {
        dusk_value_unref(ev);
        dusk_free(ones);
        return dusk__array_oom(ctx, "histogram");
    }
    memcpy(dusk_ndarray_data(ev), edges, nedges * sizeof *edges);
    for (int64_t k = 0; k < nchunks; k++)
        ones[k] = 1;
    char tok[33];
    dusk__token(tok, "histogram|%s|%s|%016" PRIx64 "|%zu", a->L->name,
                weights ? weights->L->name : "", dusk__hash_bytes(edges, nedges * sizeof *edges),
                nedges);
    int64_t *chunks[2] = {ones, &nbins};
    dusk__layer *L = dusk__layer_new(ctx, "histogram-sum", tok, DUSK__L_CUSTOM,
                                     dusk__op_get(DUSK__OP_HISTOGRAM),
                                     dusk__params_new(out, 2, NULL, NULL, 1, &ev), 2, shape, nb,
                                     out);
    dusk_array *r = NULL;
    if (L) {
        L->inputs = hist_inputs;
        dusk__layer_input(L, a->L);
        if (weights)
            dusk__layer_input(L, weights->L);
        r = dusk__array_new(ctx, L, 2, shape, chunks, nb, out);
    }
    dusk_free(ones);
    if (!r)
        return dusk__array_oom(ctx, "histogram");
    return dusk_array_sum(r, DUSK_AXIS(0), false);
}

/* numpy.digitize's index of x among the increasing edges e (m of them):
 * how many are <= x (searchsorted's side 'right', digitize's right=False)
 * or, with strict, how many are < x (right=True); NaN sorts after every
 * edge, as in NumPy. */
static int64_t sorted_place(const double *e, int64_t m, double x, int strict)
{
    if (isnan(x))
        return m;
    int64_t lo = 0, hi = m;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (strict ? e[mid] < x : e[mid] <= x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int dusk__k_digitize(const dusk__targs *t, dusk_value **out, dusk_error *err)
{
    const dusk_value *x;
    int64_t right, decreasing;
    int rc = dusk__targs_block_in(t, 0, -1, &x, err);
    if (rc || (rc = dusk__targs_int(t, 1, &right, err)) ||
        (rc = dusk__targs_int(t, 2, &decreasing, err)))
        return rc;
    const dusk_value *ev = dusk__params_extra(t->params, 0);
    if (dusk_value_kind(ev) != DUSK_KIND_NDARRAY || dusk_ndarray_dtype(ev) != DUSK_DT_F8 ||
        dusk_ndarray_ndim(ev) != 1)
        return dusk_error_set(err, DUSK_EINVAL, "%s: the bins are not a float64 array",
                              t->op->func.name);
    const double *e = dusk_ndarray_data(ev);
    int64_t m = dusk_ndarray_shape(ev)[0];
    int ndim = dusk_ndarray_ndim(x);
    const int64_t *shape = dusk_ndarray_shape(x), *xs = dusk_ndarray_strides(x);
    dusk_value *v = dusk_ndarray_empty(DUSK_DT_I8, ndim, shape);
    if (!v)
        return dusk__oom(err);
    int64_t *o = dusk_ndarray_data(v);
    dusk_dtype xt = dusk_ndarray_dtype(x);
    const char *xb = dusk_ndarray_data(x);
    int64_t size = dusk_ndarray_size(x), inner = ndim ? shape[ndim - 1] : 1;
    int64_t xin = ndim ? xs[ndim - 1] : 0, idx[DUSK_MAXDIMS] = {0};
    for (int64_t row = 0; inner > 0 && row < size / inner; row++) {
        int64_t xo = 0;
        for (int d = 0; d < ndim - 1; d++)
            xo += idx[d] * xs[d];
        const char *xp = xb + xo;
        for (int64_t k = 0; k < inner; k++, xp += xin) {
            double xv;
            if (xt == DUSK_DT_F8)
                memcpy(&xv, xp, sizeof xv);
            else
                xv = dusk__nd_loadf(xp, xt);
            /* decreasing bins are given reversed: m less their place */
            int64_t p = sorted_place(e, m, xv, (int)right);
            *o++ = decreasing ? m - p : p;
        }
        dusk__next_index(ndim - 1, shape, idx);
    }
    *out = v;
    return 0;
}

dusk_array *dusk_array_digitize(dusk_array *a, const double *bins, size_t nbins, bool right)
{
    dusk_array *e = dusk__array_bad_input(a, NULL);
    if (e)
        return e;
    dusk_array_ctx *ctx = a->ctx;
    if (!bins && nbins)
        return dusk__array_fail(ctx, DUSK_EINVAL, "digitize: no bins given");
    if (dusk__dtype_is_complex(a->dtype))
        return dusk__array_fail(ctx, DUSK_EINVAL, "digitize: x may not be complex (%s)",
                                dusk_dtype_name(a->dtype));
    int up = 1, down = 1;
    for (size_t i = 0; i < nbins; i++) {
        if (isnan(bins[i]))
            return dusk__array_fail(ctx, DUSK_EINVAL, "digitize: bin %zu is NaN", i);
        if (i && bins[i] < bins[i - 1])
            up = 0;
        if (i && bins[i] > bins[i - 1])
            down = 0;
    }
    if (!up && !down)
        return dusk__array_fail(ctx, DUSK_EINVAL, "digitize: bins must be monotonically "
                                "increasing or decreasing");
    int decreasing = !up;
    int64_t n = (int64_t)nbins;
    dusk_value *ev = dusk_ndarray_empty(DUSK_DT_F8, 1, &n);
    if (!ev)
        return dusk__array_oom(ctx, "digitize");
    double *ed = dusk_ndarray_data(ev);
    for (size_t i = 0; i < nbins; i++)   /* increasing, for the search */
        ed[i] = decreasing ? bins[nbins - 1 - i] : bins[i];
    char tok[33];
    dusk__token(tok, "digitize|%s|%016" PRIx64 "|%zu|%d", a->L->name,
                dusk__hash_bytes(bins, nbins * sizeof *bins), nbins, (int)right);
    dusk_value *args[3] = {ev, dusk_int(right), dusk_int(decreasing)};
    int map[DUSK__MAXIN][DUSK_MAXDIMS];
    for (int d = 0; d < a->ndim; d++)
        map[0][d] = d;
    return dusk__blockwise_layer(dusk__op_get(DUSK__OP_DIGITIZE), tok, &a, 1, map, a->ndim,
                                 a->shape, a->chunks, a->nb, DUSK_DT_I8, 3, args);
}
