/*
** dusk — rechunk, as Dask builds it in one step
**
** Per output block a 'rechunk-merge' task assembles the pieces of the
** input blocks it overlaps (an alias instead, when one whole input block
** is the output block), and a 'rechunk-split' task cuts out every piece
** that is only part of an input block. Both kinds live in one GATHER
** layer: its task count is the merges plus the splits, as in Dask.
**
** The merge layer's parameters hold the output's block boundaries and the
** input's (ops.h); emission and the merge kernel find the overlapping
** input blocks from them with one function (axis_overlaps), so the pieces
** a task is given are the pieces its kernel expects, in C order.
**
** Cost: which input blocks an output block overlaps is a question per
** axis, as in Dask's _intersect_1d. dusk_array_rechunk answers it once per
** axis, sweeping the two sorted boundary lists together (a rechunk_plan,
** kept as the layer's data); the pieces of a block are then the cartesian
** product of its axes' answers, and the number of split tasks a product of
** per-axis sums. So building the graph costs its tasks, not input blocks
** times output blocks; a merge task finds its own block's inputs with a
** binary search.
**
** Many blocks to many blocks (a 2000 x 2000 array from 100 x 100 blocks
** into rows) would cross every old block with every new one; Dask then
** plans intermediate chunkings (dask/array/rechunk.py's plan_rechunk,
** with its rechunk-threshold 4 and chunk-size 128 MiB), each a rechunk of
** its own, so that no step's graph grows past 4 times its blocks. dusk
** plans the same steps (plan_steps below), so the layers and task counts
** stay Dask's: 820 tasks there where one step made 8,400.
*/
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "dusk/alloc.h"
#include "nd.h"

/* The last input block starting at or before s: the number of j in
 * 1..in_nb-1 with io[j] <= s (io, the input's boundaries, never decrease). */
static int64_t block_at(const int64_t *io, int64_t in_nb, int64_t s)
{
    int64_t a = 1, b = in_nb;
    while (a < b) {
        int64_t m = a + (b - a) / 2;
        if (io[m] <= s)
            a = m + 1;
        else
            b = m;
    }
    return a - 1;
}

/* Along one axis: the input blocks first[i]..last[i] that output block i
 * (spanning off[i]..off[i+1]) overlaps, for i < nb, from the input's
 * boundaries io (in_nb blocks). An empty output block, or one at a run of
 * empty input blocks, gets the last input block starting at or before it.
 * Both lists only grow with i, so one sweep answers the whole axis. */
static void axis_overlaps(const int64_t *off, int64_t nb, const int64_t *io, int64_t in_nb,
                          int64_t *first, int64_t *last)
{
    int64_t lo = nb ? block_at(io, in_nb, off[0]) : 0, hi = lo;
    for (int64_t i = 0; i < nb; i++) {
        while (lo + 1 < in_nb && io[lo + 1] <= off[i])
            lo++;
        if (hi < lo)
            hi = lo;
        while (hi + 1 < in_nb && io[hi + 1] < off[i + 1])
            hi++;
        first[i] = lo;
        last[i] = hi;
    }
}

/* Whether input block j is wholly inside output block idx. */
static int rechunk_whole(const int64_t *const *off, const int64_t *const *in_off, int ndim,
                         const int64_t *idx, const int64_t *j)
{
    for (int d = 0; d < ndim; d++)
        if (in_off[d][j[d]] < off[d][idx[d]] || in_off[d][j[d] + 1] > off[d][idx[d] + 1])
            return 0;
    return 1;
}

/* A GATHER layer's boundaries, from its parameters. */
static void layer_bounds(const dusk__layer *L, const int64_t **off, const int64_t **in_off)
{
    const dusk_value *ib = dusk__params_extra(L->params, 0);
    for (int d = 0; d < L->ndim; d++) {
        off[d] = dusk__bounds_axis(dusk_tuple_get(L->params, 1), d);
        in_off[d] = dusk__bounds_axis(ib, d);
    }
}

/* What emission needs of a GATHER layer, made once by dusk_array_rechunk:
 * output block i along axis d overlaps input blocks first[d][i] ..
 * last[d][i]. */
typedef struct {
    dusk_value *split_params;    /* the split tasks' parameters */
    int64_t *first[DUSK_MAXDIMS], *last[DUSK_MAXDIMS];  /* in buf */
    int64_t *buf;
} rechunk_plan;

static void plan_free(void *p)
{
    rechunk_plan *plan = p;
    if (!plan)
        return;
    dusk_value_unref(plan->split_params);
    dusk_free(plan->buf);
    dusk_free(plan);
}

/* The plan of layer L (its bounds and its input set), or NULL when out of
 * memory. Takes split_params over. */
static rechunk_plan *plan_new(const dusk__layer *L, dusk_value *split_params)
{
    rechunk_plan *plan = dusk_calloc(1, sizeof *plan);
    int64_t total = 0;
    for (int d = 0; d < L->ndim; d++)
        total += 2 * L->nb[d];
    int64_t *buf = dusk_malloc((size_t)(total ? total : 1) * sizeof *buf);
    if (!plan || !buf || !split_params) {
        dusk_free(plan);
        dusk_free(buf);
        dusk_value_unref(split_params);
        return NULL;
    }
    plan->split_params = split_params;
    plan->buf = buf;
    const int64_t *off[DUSK_MAXDIMS], *in_off[DUSK_MAXDIMS];
    layer_bounds(L, off, in_off);
    for (int d = 0; d < L->ndim; d++) {
        plan->first[d] = buf;
        plan->last[d] = buf + L->nb[d];
        buf += 2 * L->nb[d];
        axis_overlaps(off[d], L->nb[d], in_off[d], L->in[0]->nb[d], plan->first[d],
                      plan->last[d]);
    }
    return plan;
}

/* The number of split tasks of a GATHER layer: its pieces, less those that
 * are whole input blocks. A piece is whole when it is whole along every
 * axis, so both counts are products over the axes of per-axis sums. */
static int64_t rechunk_splits(const dusk__layer *L, const rechunk_plan *plan)
{
    const int64_t *off[DUSK_MAXDIMS], *in_off[DUSK_MAXDIMS];
    layer_bounds(L, off, in_off);
    int64_t pieces = 1, whole = 1;
    for (int d = 0; d < L->ndim; d++) {
        int64_t p = 0, w = 0;
        for (int64_t i = 0; i < L->nb[d]; i++)
            for (int64_t j = plan->first[d][i]; j <= plan->last[d][i]; j++) {
                p++;
                w += in_off[d][j] >= off[d][i] && in_off[d][j + 1] <= off[d][i + 1];
            }
        pieces *= p;
        whole *= w;
    }
    return pieces - whole;
}

/* --- planning the steps, as Dask's plan_rechunk ------------------------------- */

/* A chunking: per axis its block sizes (owned, in one buffer per axis). */
typedef struct {
    int ndim;
    int64_t n[DUSK_MAXDIMS];
    int64_t *c[DUSK_MAXDIMS];
} chunking;

static void chunking_free(chunking *k)
{
    for (int d = 0; d < k->ndim; d++) {
        dusk_free(k->c[d]);
        k->c[d] = NULL;
    }
}

/* Axis d of *k becomes a copy of the n sizes v (freed before); -1 when out
 * of memory. */
static int axis_set(chunking *k, int d, const int64_t *v, int64_t n)
{
    int64_t *c = dusk_malloc((size_t)(n ? n : 1) * sizeof *c);
    if (!c)
        return -1;
    if (n)
        memcpy(c, v, (size_t)n * sizeof *c);
    dusk_free(k->c[d]);
    k->c[d] = c;
    k->n[d] = n;
    return 0;
}

static int chunking_copy(chunking *to, int ndim, int64_t *const *c, const int64_t *n)
{
    *to = (chunking){ndim, {0}, {0}};
    for (int d = 0; d < ndim; d++)
        if (axis_set(to, d, c[d], n[d]) < 0) {
            chunking_free(to);
            return -1;
        }
    return 0;
}

static int axis_equal(const int64_t *a, int64_t na, const int64_t *b, int64_t nb)
{
    return na == nb && (na == 0 || memcmp(a, b, (size_t)na * sizeof *a) == 0);
}

static int chunking_equal(const chunking *a, const chunking *b)
{
    for (int d = 0; d < a->ndim; d++)
        if (!axis_equal(a->c[d], a->n[d], b->c[d], b->n[d]))
            return 0;
    return 1;
}

static int64_t axis_max(const int64_t *c, int64_t n)
{
    int64_t m = 0;
    for (int64_t i = 0; i < n; i++)
        if (c[i] > m)
            m = c[i];
    return m;
}

static double nblocks(const chunking *k)
{
    double p = 1;
    for (int d = 0; d < k->ndim; d++)
        p *= (double)k->n[d];
    return p;
}

static double largest_block(const chunking *k)
{
    double p = 1;
    for (int d = 0; d < k->ndim; d++)
        p *= (double)axis_max(k->c[d], k->n[d]);
    return p;
}

/* Dask's estimate_graph_size: the blocks a step from old to new crosses. */
static double graph_size(const chunking *old, const chunking *new)
{
    double p = 1;
    for (int d = 0; d < old->ndim; d++)
        p *= axis_equal(old->c[d], old->n[d], new->c[d], new->n[d])
                 ? (double)old->n[d]
                 : (double)(old->n[d] + new->n[d] - 1);
    return p;
}

/* divide_to_width: each size cut into the fewest near-equal pieces of at
 * most w. *out is new (NULL and -1 when out of memory). */
static int64_t divide_to_width(const int64_t *c, int64_t n, int64_t w, int64_t **out)
{
    int64_t total = 0;
    for (int64_t i = 0; i < n; i++)
        total += (int64_t)ceil((double)c[i] / (double)w);
    int64_t *r = dusk_malloc((size_t)(total ? total : 1) * sizeof *r), k = 0;
    if (!(*out = r))
        return -1;
    for (int64_t i = 0; i < n; i++) {
        int64_t left = c[i], pieces = (int64_t)ceil((double)c[i] / (double)w);
        for (int64_t j = 0; j < pieces; j++) {
            int64_t m = left / (pieces - j);
            r[k++] = m;
            left -= m;
        }
    }
    return k;
}

/* merge_to_number's heap entries: (width, i, j), smallest first, ties by i
 * then j, as Python's tuples compare. */
typedef struct {
    int64_t w, i, j;
} merge_pair;

static int pair_less(const merge_pair *a, const merge_pair *b)
{
    return a->w != b->w ? a->w < b->w : a->i != b->i ? a->i < b->i : a->j < b->j;
}

static void heap_push(merge_pair *h, int64_t *n, merge_pair p)
{
    int64_t k = (*n)++;
    while (k > 0 && pair_less(&p, &h[(k - 1) / 2])) {
        h[k] = h[(k - 1) / 2];
        k = (k - 1) / 2;
    }
    h[k] = p;
}

static merge_pair heap_pop(merge_pair *h, int64_t *n)
{
    merge_pair top = h[0], last = h[--*n];
    int64_t k = 0;
    for (;;) {
        int64_t l = 2 * k + 1, m = l;
        if (l >= *n)
            break;
        if (l + 1 < *n && pair_less(&h[l + 1], &h[l]))
            m = l + 1;
        if (!pair_less(&h[m], &last))
            break;
        h[k] = h[m];
        k = m;
    }
    h[k] = last;
    return top;
}

/* merge_to_number: adjacent sizes merged, narrowest pair first, until at
 * most max remain. Into *out (new); its length, or -1 when out of memory. */
static int64_t merge_to_number(const int64_t *c, int64_t n, int64_t max, int64_t **out)
{
    int64_t *r = dusk_malloc((size_t)(n ? n : 1) * sizeof *r);
    if (!(*out = r))
        return -1;
    if (n <= max) {
        memcpy(r, c, (size_t)n * sizeof *r);
        return n;
    }
    int homogeneous = 1;
    for (int64_t i = 1; i < n; i++)
        homogeneous &= c[i] == c[0];
    if (homogeneous) {
        int64_t w = c[0], total = n * w, want = total / max, width = w * (want / w);
        int64_t adjust = (total - max * width) / w;
        for (int64_t i = 0; i < max; i++)
            r[i] = i < adjust ? width + w : width;
        return max;
    }
    merge_pair *h = dusk_malloc((size_t)n * sizeof *h);
    if (!h) {
        dusk_free(r);
        *out = NULL;
        return -1;
    }
    memcpy(r, c, (size_t)n * sizeof *r);
    int64_t nh = 0, merges = n - max;
    for (int64_t i = 0; i + 1 < n; i++)
        heap_push(h, &nh, (merge_pair){c[i] + c[i + 1], i, i + 1});
    while (merges > 0 && nh > 0) {
        merge_pair p = heap_pop(h, &nh);
        if (r[p.j] == 0) {   /* merged away since: pair i with the next live size */
            int64_t j = p.j + 1;
            while (r[j] == 0)
                j++;
            heap_push(h, &nh, (merge_pair){r[p.i] + r[j], p.i, j});
            continue;
        }
        if (r[p.i] + r[p.j] != p.w) {
            heap_push(h, &nh, (merge_pair){r[p.i] + r[p.j], p.i, p.j});
            continue;
        }
        r[p.i] = 0;
        r[p.j] = p.w;
        merges--;
    }
    dusk_free(h);
    int64_t k = 0;
    for (int64_t i = 0; i < n; i++)
        if (r[i])
            r[k++] = r[i];
    return k;
}

/* find_merge_rechunk: old's axes replaced by new's (or by new's divided to
 * fit) where that lowers the number of blocks, greedily by graph gained
 * against block size grown, within limit elements a block. -1 when out of
 * memory, else whether the limit was met. */
static int find_merge(chunking *k, const chunking *new, double limit)
{
    int nd = k->ndim, order[DUSK_MAXDIMS], nc = 0;
    int64_t oldw[DUSK_MAXDIMS], neww[DUSK_MAXDIMS];
    double key[DUSK_MAXDIMS];
    for (int d = 0; d < nd; d++) {
        oldw[d] = axis_max(k->c[d], k->n[d]);
        neww[d] = axis_max(new->c[d], new->n[d]);
        double gse = (double)new->n[d] / (double)k->n[d];
        double bse = (double)neww[d] / (double)(oldw[d] ? oldw[d] : 1);
        if (bse == 1)
            bse = 1 + 1e-9;
        key[d] = bse > 0 ? log(gse) / log(bse) : 0;
        if (gse <= 1.0) {   /* sorted stably by key, as Python's sorted */
            int j = nc++;
            while (j > 0 && key[order[j - 1]] > key[d]) {
                order[j] = order[j - 1];
                j--;
            }
            order[j] = d;
        }
    }
    int64_t largest = 1;
    for (int d = 0; d < nd; d++)
        largest *= oldw[d];
    int hit = 0;
    for (int i = 0; i < nc; i++) {
        int d = order[i];
        int64_t grown = largest * neww[d] / (oldw[d] ? oldw[d] : 1);
        if ((double)grown <= limit) {
            if (axis_set(k, d, new->c[d], new->n[d]) < 0)
                return -1;
            largest = grown;
        } else {
            int64_t width = (int64_t)(limit * (double)oldw[d] / (double)largest), *c;
            int64_t n = divide_to_width(new->c[d], new->n[d], width, &c);
            if (n < 0)
                return -1;
            if (n <= k->n[d]) {
                largest = largest * axis_max(c, n) / oldw[d];
                dusk_free(k->c[d]);
                k->c[d] = c;
                k->n[d] = n;
            } else {
                dusk_free(c);
            }
            hit = 1;
        }
    }
    return hit;
}

/* find_split_rechunk: axes of k split toward new's where the graph stays
 * within limit. -1 when out of memory. */
static int find_split(chunking *k, const chunking *new, double limit)
{
    chunking old = *k;   /* the sizes it started from; k's axes change */
    int64_t on[DUSK_MAXDIMS], ow[DUSK_MAXDIMS];
    for (int d = 0; d < k->ndim; d++) {
        on[d] = old.n[d];
        ow[d] = axis_max(old.c[d], old.n[d]);
    }
    for (int d = 0; d < k->ndim; d++) {
        double g = graph_size(k, new);
        if (g > limit)
            break;
        if (on[d] > new->n[d])
            continue;
        int64_t max = (int64_t)((double)on[d] * limit / g), *c;
        int64_t n = merge_to_number(new->c[d], new->n[d], max, &c);
        if (n < 0)
            return -1;
        if (n >= on[d] && axis_max(c, n) <= ow[d]) {
            dusk_free(k->c[d]);
            k->c[d] = c;
            k->n[d] = n;
        } else {
            dusk_free(c);
        }
    }
    return 0;
}

/* Dask's plan_rechunk from a's chunks to new: the intermediate chunkings
 * into steps[] (at most max; *nsteps of them, each to be freed), not new
 * itself. -1 when out of memory. */
static int plan_steps(const dusk_array *a, const chunking *new, chunking *steps, int max,
                      int *nsteps)
{
    *nsteps = 0;
    int nd = a->ndim;
    if (nd <= 1)
        return 0;
    for (int d = 0; d < nd; d++)
        if (new->n[d] == 0)
            return 0;
    chunking cur;
    if (chunking_copy(&cur, nd, a->chunks, a->nb) < 0)
        return -1;
    double limit = 128.0 * 1024 * 1024 / (double)dusk_dtype_size(a->dtype);
    double lo = largest_block(&cur), ln = largest_block(new);
    limit = fmax(limit, fmax(lo, ln));
    double threshold = 4 * (nblocks(&cur) + nblocks(new));
    int first = 1, rc = 0;
    while (*nsteps < max) {
        double g = graph_size(&cur, new);
        if (g < threshold)
            break;
        chunking k;
        if (chunking_copy(&k, nd, cur.c, cur.n) < 0 ||
            (!first && find_split(&k, new, g * 4) < 0)) {
            chunking_free(&k);
            rc = -1;
            break;
        }
        int hit = find_merge(&k, new, limit);
        if (hit < 0) {
            chunking_free(&k);
            rc = -1;
            break;
        }
        int same = chunking_equal(&k, &cur);
        if ((same && !first) || chunking_equal(&k, new)) {
            chunking_free(&k);
            break;
        }
        if (!same) {
            chunking step;
            if (chunking_copy(&step, nd, k.c, k.n) < 0) {
                chunking_free(&k);
                rc = -1;
                break;
            }
            steps[(*nsteps)++] = step;
        }
        chunking_free(&cur);
        cur = k;
        if (!hit)
            break;
        first = 0;
    }
    chunking_free(&cur);
    if (rc < 0) {
        for (int i = 0; i < *nsteps; i++)
            chunking_free(&steps[i]);
        *nsteps = 0;
    }
    return rc;
}

static dusk_array *rechunk_step(dusk_array *a, int64_t *const *per, const int64_t *nb);

dusk_array *dusk_array_rechunk(dusk_array *a, const char *chunks)
{
    dusk_array *e = dusk__array_bad_input(a, NULL);
    if (e)
        return e;
    int64_t *buf = NULL, nb[DUSK_MAXDIMS], *per[DUSK_MAXDIMS];
    if (dusk__normalize_chunks(a->ctx, chunks, a->ndim, a->shape, a->dtype, &buf, nb, per, &e) < 0)
        return e;
    int same = 1;
    for (int d = 0; d < a->ndim; d++)
        if (nb[d] != a->nb[d] || memcmp(per[d], a->chunks[d], (size_t)nb[d] * 8) != 0)
            same = 0;
    if (same) {
        dusk_free(buf);
        return a;
    }
    /* Dask's loop ends on its own; a bound keeps a bug from looping here */
    enum { MAX_STEPS = 16 };
    chunking target = {a->ndim, {0}, {0}}, steps[MAX_STEPS];
    memcpy(target.n, nb, sizeof nb);
    memcpy(target.c, per, sizeof per);
    int nsteps = 0;
    if (plan_steps(a, &target, steps, MAX_STEPS, &nsteps) < 0) {
        dusk_free(buf);
        return dusk__array_oom(a->ctx, "rechunk");
    }
    dusk_array *x = a;
    for (int i = 0; i < nsteps; i++) {
        if (!dusk_array_status(x, NULL))
            x = rechunk_step(x, steps[i].c, steps[i].n);
        chunking_free(&steps[i]);
    }
    if (!dusk_array_status(x, NULL))
        x = rechunk_step(x, per, nb);
    dusk_free(buf);
    return x;
}

dusk_array *dusk__rechunk_one_step(dusk_array *a, const char *chunks)
{
    dusk_array *e = dusk__array_bad_input(a, NULL);
    if (e)
        return e;
    int64_t *buf = NULL, nb[DUSK_MAXDIMS], *per[DUSK_MAXDIMS];
    if (dusk__normalize_chunks(a->ctx, chunks, a->ndim, a->shape, a->dtype, &buf, nb, per, &e) < 0)
        return e;
    dusk_array *r = rechunk_step(a, per, nb);
    dusk_free(buf);
    return r;
}

/* One step: a's blocks into the blocks of sizes per (nb along each axis). */
static dusk_array *rechunk_step(dusk_array *a, int64_t *const *per, const int64_t *nb)
{
    char tok[33];
    dusk__token(tok, "rechunk|%s|%016" PRIx64, a->L->name,
                dusk__hash_chunks(a->ndim, per, nb));
    dusk_value *in_bounds = dusk__bounds_new(a->ndim, a->chunks, a->nb);
    dusk_value *pv = dusk__params_new(a->dtype, a->ndim, per, nb, 1, &in_bounds);
    /* layer_new takes pv over, also when it fails */
    dusk__layer *L = dusk__layer_new(a->ctx, "rechunk-merge", tok, DUSK__L_GATHER,
                                     dusk__op_get(DUSK__OP_RECHUNK_MERGE), pv, a->ndim, a->shape,
                                     nb, a->dtype);
    rechunk_plan *plan = NULL;
    if (L) {
        dusk__layer_input(L, a->L);
        /* the split tasks' own parameters, taken over by plan_new */
        plan = plan_new(L, dusk__params_new(a->dtype, 0, NULL, NULL, 0, NULL));
    }
    dusk_array *r;
    if (!plan) {
        r = dusk__array_oom(a->ctx, "rechunk");
    } else {
        L->data = plan;
        L->data_free = plan_free;
        L->ntasks += rechunk_splits(L, plan);
        r = dusk__array_new(a->ctx, L, a->ndim, a->shape, per, nb, a->dtype);
    }
    return r;
}

int dusk__rechunk_emit(dusk_graph *g, const dusk__layer *L, const int64_t *idx, const char *key,
                       int64_t *splits)
{
    const dusk__layer *in = L->in[0];
    int nd = in->ndim;
    const rechunk_plan *plan = L->data;
    const int64_t *off[DUSK_MAXDIMS], *in_off[DUSK_MAXDIMS];
    layer_bounds(L, off, in_off);
    int64_t lo[DUSK_MAXDIMS], cnt[DUSK_MAXDIMS], k[DUSK_MAXDIMS] = {0};
    int64_t npieces = 1;
    for (int d = 0; d < nd; d++) {
        lo[d] = plan->first[d][idx[d]];
        cnt[d] = plan->last[d][idx[d]] - lo[d] + 1;
        npieces *= cnt[d];
    }
    dusk_arg **items = dusk_malloc((size_t)npieces * sizeof *items);
    if (!items)
        return DUSK_ENOMEM;
    const char *tok = L->name + strlen("rechunk-merge-");
    char split_name[64], first[512];
    snprintf(split_name, sizeof split_name, "rechunk-split-%s", tok);
    const dusk_func *split = &dusk__op_get(DUSK__OP_RECHUNK_SPLIT)->func;
    int64_t m = 0;
    int rc = 0;
    do {
        int64_t j[DUSK_MAXDIMS];
        for (int d = 0; d < nd; d++)
            j[d] = lo[d] + k[d];
        char ik[512], pk[512];
        dusk_key_tuple(ik, sizeof ik, in->name, nd, j);
        /* Dask numbers every piece, whole input blocks too, and names
         * only the cut ones: the same numbers, the same keys. */
        int64_t c = (*splits)++;
        if (rechunk_whole(off, in_off, nd, idx, j)) {
            snprintf(pk, sizeof pk, "%s", ik);
        } else {
            /* the part of input block j inside this block, as (start,
             * stop) pairs relative to block j */
            dusk_value *sl[2 * DUSK_MAXDIMS];
            for (int d = 0; d < nd; d++) {
                int64_t bs = in_off[d][j[d]], be = in_off[d][j[d] + 1];
                int64_t s0 = off[d][idx[d]] > bs ? off[d][idx[d]] : bs;
                int64_t e0 = off[d][idx[d] + 1] < be ? off[d][idx[d] + 1] : be;
                sl[2 * d] = dusk_int(s0 - bs);
                sl[2 * d + 1] = dusk_int(e0 - bs);
            }
            dusk_key_tuple(pk, sizeof pk, split_name, 1, &c);
            rc = dusk_task(g, pk, split, dusk_lit(dusk_value_ref(plan->split_params)),
                           dusk_lit(dusk_tuple_of((size_t)(2 * nd), sl)), dusk_ref(ik));
        }
        if (m == 0)
            snprintf(first, sizeof first, "%s", pk);
        items[m++] = dusk_ref(pk);
    } while (!rc && dusk__next_index(nd, cnt, k));
    if (rc || m == 1) {
        for (int64_t i = 0; i < m; i++)
            dusk_arg_free(items[i]);
        dusk_free(items);
        return rc ? rc : dusk_graph_alias(g, key, first);
    }
    dusk_arg *list = dusk_listv((size_t)m, items);
    dusk_free(items);
    return dusk_task(g, key, &L->kop->func, dusk_lit(dusk_value_ref(L->params)),
                     dusk__index_arg(L->ndim, idx), list);
}

/* --- kernels -------------------------------------------------------------------------- */

/* Assembles this block from the pieces of the input blocks it overlaps:
 * whole input blocks, or pieces split off already (exactly the overlap). */
int dusk__k_rechunk_merge(const dusk__targs *t, dusk_value **out, dusk_error *err)
{
    int64_t shape[DUSK_MAXDIMS], start[DUSK_MAXDIMS], idx[DUSK_MAXDIMS] = {0};
    int64_t in_nb[DUSK_MAXDIMS] = {0}, lo[DUSK_MAXDIMS], hi[DUSK_MAXDIMS], cnt[DUSK_MAXDIMS];
    const int64_t *off[DUSK_MAXDIMS] = {NULL}, *in_off[DUSK_MAXDIMS] = {NULL};
    const char *name = t->op->func.name;
    const dusk_value *list;
    int rc = dusk__targs_block(t, start, shape, err);
    if (rc || (rc = dusk__targs_list_in(t, 0, &list, err)))
        return rc;
    int nd = (int)dusk_tuple_len(t->index);
    const dusk_value *ob = dusk_tuple_get(t->params, 1), *ib = dusk__params_extra(t->params, 0);
    if (dusk_value_kind(ib) != DUSK_KIND_TUPLE || dusk_tuple_len(ib) != (size_t)nd)
        return dusk_error_set(err, DUSK_EINVAL, "%s: the input bounds do not match the index",
                              name);
    int64_t npieces = 1;
    for (int d = 0; d < nd; d++) {
        const dusk_value *b = dusk_tuple_get(ib, (size_t)d);
        if (dusk_value_kind(b) != DUSK_KIND_NDARRAY || dusk_ndarray_dtype(b) != DUSK_DT_I8 ||
            dusk_ndarray_ndim(b) != 1 || !dusk_ndarray_is_contiguous(b) ||
            dusk_ndarray_shape(b)[0] < 2)
            return dusk_error_set(err, DUSK_EINVAL, "%s: the input bounds of axis %d are not "
                                  "an int64 vector", name, d);
        in_nb[d] = dusk_ndarray_shape(b)[0] - 1;
        in_off[d] = dusk_ndarray_data(b);
        off[d] = dusk__bounds_axis(ob, d);  /* checked by dusk__targs_block */
        idx[d] = dusk_value_int(dusk_tuple_get(t->index, (size_t)d));
    }
    for (int d = 0; d < nd; d++) {
        axis_overlaps(off[d] + idx[d], 1, in_off[d], in_nb[d], &lo[d], &hi[d]);
        npieces *= cnt[d] = hi[d] - lo[d] + 1;
    }
    if ((size_t)npieces != dusk_tuple_len(list))
        return dusk_error_set(err, DUSK_EINVAL, "%s: %zu pieces for the %" PRId64 " input "
                              "blocks under the block", name, dusk_tuple_len(list), npieces);
    dusk_value *v = dusk_ndarray_new(t->dtype, nd, shape);
    if (!v)
        return dusk__oom(err);
    size_t es = dusk_dtype_size(t->dtype);
    int64_t j[DUSK_MAXDIMS] = {0};
    for (size_t k = 0; k < (size_t)npieces; k++, dusk__next_index(nd, cnt, j)) {
        const dusk_value *b = dusk_tuple_get(list, k);
        if (dusk_value_kind(b) != DUSK_KIND_NDARRAY || dusk_ndarray_ndim(b) != nd ||
            dusk_ndarray_dtype(b) != t->dtype) {
            dusk_value_unref(v);
            return dusk_error_set(err, DUSK_ETYPE, "%s: piece %zu is not a %d-d %s block", name,
                                  k, nd, dusk_dtype_name(t->dtype));
        }
        int64_t s0[DUSK_MAXDIMS], ov[DUSK_MAXDIMS], dst0[DUSK_MAXDIMS], total = 1;
        const int64_t *bsh = dusk_ndarray_shape(b);
        for (int d = 0; d < nd; d++) {
            int64_t bs = in_off[d][lo[d] + j[d]], be = in_off[d][lo[d] + j[d] + 1];
            int64_t a0 = bs > start[d] ? bs : start[d];
            int64_t a1 = be < start[d] + shape[d] ? be : start[d] + shape[d];
            ov[d] = a1 - a0 > 0 ? a1 - a0 : 0;
            /* a piece split off already is exactly the overlap; a whole
             * input block starts at bs */
            s0[d] = bsh[d] == ov[d] ? 0 : a0 - bs;
            dst0[d] = a0 - start[d];
            total *= ov[d];
            if (ov[d] && (s0[d] < 0 || s0[d] + ov[d] > bsh[d])) {
                dusk_value_unref(v);
                return dusk_error_set(err, DUSK_EINVAL, "%s: piece %zu does not cover its "
                                      "part of the block", name, k);
            }
        }
        /* element copy over the overlap, C order */
        int64_t q[DUSK_MAXDIMS] = {0};
        const int64_t *bst = dusk_ndarray_strides(b), *vst = dusk_ndarray_strides(v);
        for (int64_t n = 0; n < total; n++, dusk__next_index(nd, ov, q)) {
            int64_t so = 0, doff = 0;
            for (int d = 0; d < nd; d++) {
                so += (s0[d] + q[d]) * bst[d];
                doff += (dst0[d] + q[d]) * vst[d];
            }
            memcpy((char *)dusk_ndarray_data(v) + doff, (const char *)dusk_ndarray_data(b) + so,
                   es);
        }
    }
    *out = v;
    return 0;
}

/* The part of a block given by (start, stop) pairs per axis, copied. */
int dusk__k_rechunk_split(const dusk__targs *t, dusk_value **out, dusk_error *err)
{
    const dusk_value *block, *slices = t->index;
    int rc = dusk__targs_block_in(t, 0, -1, &block, err);
    if (rc)
        return rc;
    int nd = dusk_ndarray_ndim(block);
    if (dusk_tuple_len(slices) != (size_t)(2 * nd))
        return dusk_error_set(err, DUSK_EINVAL, "rechunk-split: %zu bounds for %d axes",
                              dusk_tuple_len(slices), nd);
    const int64_t *st = dusk_ndarray_strides(block);
    int64_t shape[DUSK_MAXDIMS], offset = 0;
    for (int d = 0; d < nd; d++) {
        int64_t a = dusk_value_int(dusk_tuple_get(slices, (size_t)(2 * d)));
        int64_t b = dusk_value_int(dusk_tuple_get(slices, (size_t)(2 * d + 1)));
        if (a < 0 || b < a || b > dusk_ndarray_shape(block)[d])
            return dusk_error_set(err, DUSK_EINVAL, "rechunk-split: bounds out of the block");
        shape[d] = b - a;
        offset += a * st[d];
    }
    dusk_value *view = dusk_ndarray_view((dusk_value *)block, nd, shape, st, offset);
    if (!view)
        return dusk__oom(err);
    rc = dusk__nd_astype(view, dusk_ndarray_dtype(block), out, err);
    dusk_value_unref(view);
    return rc;
}
