/*
** dusk — slicing: x[:10, 12:2:-2], x[:, [10, 1, 5]], x[3], x[None], squeeze
**
** A port of dask/array/slicing.py (2022.12), so that names, task counts
** and chunks are Dask's:
**
**   normalize_index   '...' expanded, missing trailing ':' added, integers
**                     and lists checked against the axis and made positive,
**                     slices put in canonical form (normalize_slice);
**   __getitem__       an index that is all ':' returns the array itself;
**   _slice_1d         which input blocks a slice touches and how (the same
**                     bisections, so the same blocks; a negative step
**                     numbers the output blocks from the last input block);
**   slicing_plan/take a list becomes one output block per run of entries
**                     that fall in the same input block;
**   slice_wrap_lists  a list with integers or partial slices first slices
**                     ('slice-<token>' keys) and then takes ('getitem-<token>'),
**                     in one 'getitem' layer as Dask's (the slice layer is
**                     inner: counted and listed with the getitem layer).
**
** Every output block reads one input block, so a layer is CUSTOM: its
** inputs() callback and its kernel share one plan, which says per entry
** of the index, per output block along that entry's axis, which input
** block it reads and which elements of it. The plan is values (one tuple
** per entry, its tables int64 ndarrays) in the layer's parameters, so the
** tasks carry it; gi_plan is a view of those values, made once for the
** layer's emission and once per task, checked, by its kernel.
*/
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "dusk/alloc.h"
#include "core/util.h"
#include "join.h"
#include "nd.h"
#include "core/value.h"

#define NIL DUSK_NIL

/* --- the normalised index ------------------------------------------------- */

typedef enum { E_NEW, E_INT, E_SLICE, E_LIST } ekind;

typedef struct {
    ekind kind;
    int axis;                    /* the input axis, -1 for E_NEW */
    int64_t start, stop, step;   /* E_SLICE (NIL: None); E_INT: start */
    const int64_t *list;         /* E_LIST: n positive indices */
    int64_t n;
} entry;

/* One entry of a layer's plan: per output block along its axis, the input
 * block read, where its elements start and how many there are. The
 * tables are rows of tab (3 x nb, int64); E_LIST's local indices are idxv. */
typedef struct {
    ekind kind;
    int axis;                    /* input axis; -1 for E_NEW */
    int64_t nb;                  /* output blocks (1 for E_INT and E_NEW) */
    int64_t step;                /* E_SLICE */
    int64_t *blk, *start, *count;
    int64_t *idx;                /* E_LIST: local indices; start[j] is an offset */
    int64_t nidx;
    dusk_value *tab, *idxv;      /* owned while building, borrowed in a view */
} gi_axis;

typedef struct {
    int nent;
    int in_ndim;
    gi_axis ax[2 * DUSK_MAXDIMS];
} gi_plan;

/* Frees a plan being built (the values its axes own). */
static void plan_free(gi_plan *pl)
{
    for (int e = 0; e < pl->nent; e++) {
        dusk_value_unref(pl->ax[e].tab);
        dusk_value_unref(pl->ax[e].idxv);
    }
}

/* --- Python's arithmetic ---------------------------------------------------- */

static int64_t pymod(int64_t a, int64_t m)
{
    int64_t r = a % m;
    if (r != 0 && ((r < 0) != (m < 0)))
        r += m;
    return r;
}

/* First i with b[i] > x (bisect.bisect_right). */
static int64_t bisect_right(const int64_t *b, int64_t n, int64_t x)
{
    int64_t lo = 0, hi = n;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (x < b[mid])
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* First i with b[i] >= x (bisect.bisect_left). */
static int64_t bisect_left(const int64_t *b, int64_t n, int64_t x)
{
    int64_t lo = 0, hi = n;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (b[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* A slice bound x of an axis of length dim, as slice.indices clips it. */
static int64_t clip_bound(int64_t x, int64_t dim, int64_t lower, int64_t upper)
{
    if (x < 0)
        return x < -dim ? lower : x + dim < lower ? lower : x + dim;
    return x > upper ? upper : x;
}

/* slice(start, stop, step).indices(dim), then Dask's normalize_slice:
 * parts that are the default become NIL. */
static void normalize_slice(int64_t dim, int64_t *start, int64_t *stop, int64_t *step)
{
    int64_t st = *step == NIL ? 1 : *step, s = *start, e = *stop;
    int64_t lower = st < 0 ? -1 : 0, upper = st < 0 ? dim - 1 : dim;
    s = s == NIL ? (st < 0 ? upper : lower) : clip_bound(s, dim, lower, upper);
    e = e == NIL ? (st < 0 ? lower : upper) : clip_bound(e, dim, lower, upper);
    if (st > 0) {
        int64_t ns = s == 0 ? NIL : s, ne = e >= dim ? NIL : e;
        if (ne != NIL && ns != NIL && ne < ns)
            ne = ns;
        *start = ns;
        *stop = ne;
        *step = st == 1 ? NIL : st;
    } else if (s <= e) {
        /* nothing: a start before the first element (-1 once clipped) read
         * as an index would be the last one (x[-11::-1] of 10 elements was
         * the whole axis reversed; Dask's normalize_slice does that too) */
        *start = NIL;
        *stop = 0;
        *step = NIL;
    } else {
        *start = s >= dim - 1 ? NIL : s;
        *stop = e < 0 ? NIL : e;
        *step = st;
    }
}

static int is_full(const entry *e)
{
    return e->kind == E_SLICE && e->start == NIL && e->stop == NIL && e->step == NIL;
}

/* --- plans ------------------------------------------------------------------------- */

static int axis_alloc(gi_axis *ax, int64_t nb)
{
    ax->nb = nb;
    int64_t shape[2] = {3, nb ? nb : 1};
    if (!(ax->tab = dusk_ndarray_empty(DUSK_DT_I8, 2, shape)))
        return -1;
    ax->blk = dusk_ndarray_data(ax->tab);
    ax->start = ax->blk + shape[1];
    ax->count = ax->blk + 2 * shape[1];
    return 0;
}

/* Dask's _slice_1d for a slice along an axis of the given block lengths:
 * fills ax with the touched blocks in output order. */
static int plan_slice(gi_axis *ax, const entry *e, int64_t dim, const int64_t *len, int64_t nbl)
{
    int64_t *bounds = dusk_malloc((size_t)(nbl ? nbl : 1) * 4 * sizeof(int64_t));
    if (!bounds)
        return -1;
    int64_t *blk = bounds + nbl, *st = bounds + 2 * nbl, *cnt = bounds + 3 * nbl;
    int64_t n = 0, at = 0;
    for (int64_t i = 0; i < nbl; i++)
        bounds[i] = at += len[i];
    int64_t step = e->step == NIL ? 1 : e->step;
    ax->step = step;
    if (is_full(e)) {
        for (int64_t i = 0; i < nbl; i++) {
            blk[n] = i;
            st[n] = 0;
            cnt[n++] = len[i];
        }
    } else if (step > 0) {
        int64_t start = e->start == NIL ? 0 : e->start, stop = e->stop == NIL ? dim : e->stop;
        if (start < 0)
            start += dim;
        if (stop < 0)
            stop += dim;
        int64_t istart = bisect_right(bounds, nbl, start);
        int64_t istop = bisect_left(bounds, nbl, stop) + 1;
        if (istop > nbl)
            istop = nbl;
        if (istart > 0) {
            start -= bounds[istart - 1];
            stop -= bounds[istart - 1];
        }
        for (int64_t i = istart; i < istop; i++) {
            int64_t length = len[i];
            if (start < length && stop > 0) {
                int64_t end = stop < length ? stop : length;
                blk[n] = i;
                st[n] = start;
                cnt[n++] = end > start ? (end - start - 1) / step + 1 : 0;
                start = pymod(start - length, step);
            } else {
                start -= length;
            }
            stop -= length;
        }
    } else {
        int64_t start = e->start == NIL ? dim - 1 : e->start;
        if (start >= dim)
            start = dim - 1;
        /* a stop left out is one before the first element (Dask's
         * -(dim + 1) + dim, without overflowing at dim = INT64_MAX) */
        int64_t stop = e->stop == NIL ? -1 : e->stop < 0 ? e->stop + dim : e->stop;
        if (start < 0)
            start += dim;
        int64_t rstart = start;
        int64_t istart = bisect_left(bounds, nbl, start) + 1;
        if (istart > nbl - 1)
            istart = nbl - 1;
        int64_t istop = bisect_right(bounds, nbl, stop) - 1;
        if (istop < -1)
            istop = -1;
        /* found from the last block down; kept in block order, then
         * reversed below with the rest */
        int64_t first = n;
        for (int64_t i = istart; i > istop; i--) {
            int64_t chunk_stop = bounds[i], chunk_start = i == 0 ? 0 : bounds[i - 1];
            if (chunk_start <= rstart && rstart < chunk_stop && rstart > stop) {
                int64_t ls = rstart - chunk_start;
                int64_t le = stop - chunk_start > -1 ? stop - chunk_start : -1;
                blk[n] = i;
                st[n] = ls;
                cnt[n++] = ls > le ? (ls - le - 1) / -step + 1 : 0;
                int64_t offset = pymod(rstart - (chunk_start - 1), step);
                rstart = chunk_start + offset - 1;
            }
        }
        /* into increasing block order */
        for (int64_t a = first, b = n - 1; a < b; a++, b--) {
            int64_t t;
            t = blk[a], blk[a] = blk[b], blk[b] = t;
            t = st[a], st[a] = st[b], st[b] = t;
            t = cnt[a], cnt[a] = cnt[b], cnt[b] = t;
        }
    }
    if (n == 0) {
        /* x[:0]: one empty block from block 0 */
        blk[0] = 0;
        st[0] = 0;
        cnt[0] = 0;
        n = 1;
    }
    if (axis_alloc(ax, n) < 0) {
        dusk_free(bounds);
        return -1;
    }
    /* a negative step numbers the output blocks from the last input block */
    for (int64_t j = 0; j < n; j++) {
        int64_t k = step < 0 && !is_full(e) ? n - 1 - j : j;
        ax->blk[j] = blk[k];
        ax->start[j] = st[k];
        ax->count[j] = cnt[k];
    }
    dusk_free(bounds);
    return 0;
}

/* Dask's slicing_plan: one output block per run of list entries in one
 * input block. */
static int plan_list(gi_axis *ax, const entry *e, const int64_t *len, int64_t nbl)
{
    int64_t *bounds = dusk_malloc((size_t)(nbl ? nbl : 1) * sizeof(int64_t));
    if (!bounds)
        return -1;
    int64_t at = 0, runs = 0, prev = -1;
    for (int64_t i = 0; i < nbl; i++)
        bounds[i] = at += len[i];
    for (int64_t i = 0; i < e->n; i++) {
        int64_t loc = bisect_right(bounds, nbl, e->list[i]);
        if (i == 0 || loc != prev)
            runs++;
        prev = loc;
    }
    ax->nidx = e->n;
    ax->idxv = dusk_ndarray_empty(DUSK_DT_I8, 1, &ax->nidx);
    ax->idx = ax->idxv ? dusk_ndarray_data(ax->idxv) : NULL;
    if (!ax->idx || axis_alloc(ax, runs) < 0) {
        dusk_free(bounds);
        return -1;
    }
    int64_t j = -1;
    for (int64_t i = 0; i < e->n; i++) {
        int64_t loc = bisect_right(bounds, nbl, e->list[i]);
        if (i == 0 || loc != ax->blk[j]) {
            j++;
            ax->blk[j] = loc;
            ax->start[j] = i;
            ax->count[j] = 0;
        }
        ax->idx[i] = e->list[i] - (loc > 0 ? bounds[loc - 1] : 0);
        ax->count[j]++;
    }
    dusk_free(bounds);
    return 0;
}

/* The plan of one layer over input array a, for entries ent[0..nent). */
static int plan_new(gi_plan *p, const dusk_array *a, const entry *ent, int nent)
{
    memset(p, 0, sizeof *p);
    p->in_ndim = a->ndim;
    for (int k = 0; k < nent; k++) {
        const entry *e = &ent[k];
        gi_axis *ax = &p->ax[k];
        ax->kind = e->kind;
        ax->axis = e->axis;
        p->nent = k + 1;
        int rc = 0;
        if (e->kind == E_NEW) {
            rc = axis_alloc(ax, 1);
            if (!rc) {
                ax->blk[0] = 0;
                ax->start[0] = 0;
                ax->count[0] = 1;
            }
        } else if (e->kind == E_INT) {
            const int64_t *len = a->chunks[e->axis];
            int64_t nbl = a->nb[e->axis], i = 0, at = 0;
            while (i < nbl - 1 && at + len[i] <= e->start)
                at += len[i++];
            rc = axis_alloc(ax, 1);
            if (!rc) {
                ax->blk[0] = i;
                ax->start[0] = e->start - at;
                ax->count[0] = 1;
            }
        } else if (e->kind == E_SLICE) {
            rc = plan_slice(ax, e, a->shape[e->axis], a->chunks[e->axis], a->nb[e->axis]);
        } else {
            rc = plan_list(ax, e, a->chunks[e->axis], a->nb[e->axis]);
        }
        if (rc < 0) {
            plan_free(p);
            return -1;
        }
    }
    return 0;
}

/* The plan as values, (in_ndim, ((kind, axis, step, tab, idx|None), ...));
 * NULL when out of memory. Takes the plan's values over. */
static dusk_value *plan_value(gi_plan *p, dusk_value **in_ndim)
{
    dusk_value *ents[2 * DUSK_MAXDIMS];
    for (int e = 0; e < p->nent; e++) {
        gi_axis *ax = &p->ax[e];
        dusk_value *items[5] = {dusk_int(ax->kind), dusk_int(ax->axis), dusk_int(ax->step),
                                ax->tab, ax->idxv ? ax->idxv : dusk_none()};
        ax->tab = ax->idxv = NULL;
        ents[e] = dusk_tuple_of(5, items);
    }
    *in_ndim = dusk_int(p->in_ndim);
    return dusk_tuple_of((size_t)p->nent, ents);
}

/* A view of a plan's values (in_ndim and the plan), checked as far as a
 * kernel needs: kinds, axes and table shapes. */
static int plan_read(gi_plan *p, const dusk_value *in_ndim, const dusk_value *plan,
                     const char *what, dusk_error *err)
{
    size_t n = dusk_tuple_len(plan);
    if (dusk_value_kind(in_ndim) != DUSK_KIND_INT || dusk_value_int(in_ndim) < 0 ||
        dusk_value_int(in_ndim) > DUSK_MAXDIMS || dusk_value_kind(plan) != DUSK_KIND_TUPLE ||
        n > 2 * DUSK_MAXDIMS)
        return dusk_error_set(err, DUSK_EINVAL, "%s: the plan is not (in_ndim, entries)", what);
    p->in_ndim = (int)dusk_value_int(in_ndim);
    p->nent = (int)n;
    for (size_t e = 0; e < n; e++) {
        const dusk_value *t = dusk_tuple_get(plan, e);
        gi_axis *ax = &p->ax[e];
        const dusk_value *tab = dusk_tuple_get(t, 3), *idx = dusk_tuple_get(t, 4);
        int ok = dusk_value_kind(t) == DUSK_KIND_TUPLE && dusk_tuple_len(t) == 5 && tab &&
                 dusk_value_kind(tab) == DUSK_KIND_NDARRAY && dusk_ndarray_dtype(tab) == DUSK_DT_I8 &&
                 dusk_ndarray_ndim(tab) == 2 && dusk_ndarray_shape(tab)[0] == 3 &&
                 dusk_ndarray_shape(tab)[1] >= 1 && dusk_ndarray_is_contiguous(tab);
        if (ok) {
            ax->kind = (ekind)dusk_value_int(dusk_tuple_get(t, 0));
            ax->axis = (int)dusk_value_int(dusk_tuple_get(t, 1));
            ax->step = dusk_value_int(dusk_tuple_get(t, 2));
            ax->nb = dusk_ndarray_shape(tab)[1];
            ax->blk = dusk_ndarray_data(tab);
            ax->start = ax->blk + ax->nb;
            ax->count = ax->blk + 2 * ax->nb;
            ax->idx = NULL;
            ax->nidx = 0;
            ok = ax->kind == E_NEW ? ax->axis == -1
                 : ax->kind >= E_INT && ax->kind <= E_LIST && ax->axis >= 0 &&
                       ax->axis < p->in_ndim && (ax->kind != E_SLICE || ax->step != 0);
        }
        if (ok && ax->kind == E_LIST) {
            ok = dusk_value_kind(idx) == DUSK_KIND_NDARRAY && dusk_ndarray_ndim(idx) == 1 &&
                 dusk_ndarray_dtype(idx) == DUSK_DT_I8 && dusk_ndarray_is_contiguous(idx);
            if (ok) {
                ax->idx = dusk_ndarray_data(idx);
                ax->nidx = dusk_ndarray_shape(idx)[0];
            }
        }
        if (!ok)
            return dusk_error_set(err, DUSK_EINVAL, "%s: entry %zu of the plan is malformed",
                                  what, e);
    }
    return 0;
}

/* --- running ------------------------------------------------------------------------- */

static int gi_inputs(const dusk__layer *L, const int64_t *idx, dusk_arg **out)
{
    const gi_plan *p = L->data;
    int64_t j[DUSK_MAXDIMS] = {0};
    int o = 0;
    for (int e = 0; e < p->nent; e++) {
        const gi_axis *ax = &p->ax[e];
        if (ax->kind == E_INT)
            j[ax->axis] = ax->blk[0];
        else if (ax->kind != E_NEW)
            j[ax->axis] = ax->blk[idx[o]];
        if (ax->kind != E_INT)
            o++;
    }
    char key[1024];
    dusk_key_tuple(key, sizeof key, L->in[0]->name, p->in_ndim, j);
    out[0] = dusk_ref(key);
    return out[0] ? 1 : -1;
}

/* Copies the selected elements of the input block into a new block. */
/* x[mask] of one block and its mask's (the 'getitem' task of Dask's
 * elemwise(getitem, x, mask)), or, with axis >= 0, the block's slices
 * along axis where a 1-d mask is true (Dask's getitem_variadic, compress):
 * in C order, sized from the mask's values, never from the layer's chunks
 * (they are unknown). */
static int mask_block(const dusk__targs *t, int64_t axis, dusk_value **out, dusk_error *err)
{
    const char *name = t->op->func.name;
    const dusk_value *x, *m;
    int rc;
    if ((rc = dusk__targs_block_in(t, 0, -1, &x, err)) ||
        (rc = dusk__targs_block_in(t, 1, -1, &m, err)))
        return rc;
    int ndim = dusk_ndarray_ndim(x);
    const int64_t *sh = dusk_ndarray_shape(x);
    if (dusk_ndarray_dtype(x) != t->dtype || dusk_ndarray_dtype(m) != DUSK_DT_BOOL)
        return dusk_error_set(err, DUSK_ETYPE, "%s: expected a %s block and a bool mask, got %s "
                              "and %s", name, dusk_dtype_name(t->dtype),
                              dusk_dtype_name(dusk_ndarray_dtype(x)),
                              dusk_dtype_name(dusk_ndarray_dtype(m)));
    int along = axis >= 0;
    if (along ? axis >= ndim || dusk_ndarray_ndim(m) != 1 || dusk_ndarray_shape(m)[0] != sh[axis]
              : dusk_ndarray_ndim(m) != ndim ||
                    memcmp(dusk_ndarray_shape(m), sh, (size_t)ndim * sizeof *sh) != 0) {
        char s1[256], s2[256];
        dusk__fmt_shape(s1, sizeof s1, ndim, sh);
        dusk__fmt_shape(s2, sizeof s2, dusk_ndarray_ndim(m), dusk_ndarray_shape(m));
        return dusk_error_set(err, DUSK_EINVAL, "%s: a block of shape %s and its mask of "
                              "shape %s%s: boolean index did not match", name, s1, s2,
                              along ? " along an axis" : "");
    }
    const int64_t *xs = dusk_ndarray_strides(x), *ms = dusk_ndarray_strides(m);
    int64_t size = dusk_ndarray_size(x), count = 0, idx[DUSK_MAXDIMS] = {0};
    const char *xd = dusk_ndarray_data(x), *md = dusk_ndarray_data(m);
    int64_t oshape[DUSK_MAXDIMS];
    int ondim = along ? ndim : 1;
    if (along) {
        for (int64_t i = 0; i < sh[axis]; i++)
            count += md[i * ms[0]] != 0;
        memcpy(oshape, sh, (size_t)ndim * sizeof *sh);
        oshape[axis] = count;
    } else {
        for (int64_t k = 0; k < size; k++) {
            int64_t mo = 0;
            for (int d = 0; d < ndim; d++)
                mo += idx[d] * ms[d];
            count += md[mo] != 0;
            dusk__next_index(ndim, sh, idx);
        }
        oshape[0] = count;
    }
    dusk_value *v = dusk_ndarray_new(t->dtype, ondim, oshape);
    if (!v)
        return dusk__oom(err);
    char *dst = v->u.nd.data;
    size_t es = dusk_dtype_size(t->dtype);
    memset(idx, 0, sizeof idx);
    for (int64_t k = 0; k < size && dusk_ndarray_size(v) > 0; k++) {
        int64_t mo = 0, xo = 0;
        for (int d = 0; d < ndim; d++)
            xo += idx[d] * xs[d];
        if (along)
            mo = idx[axis] * ms[0];
        else
            for (int d = 0; d < ndim; d++)
                mo += idx[d] * ms[d];
        if (md[mo]) {
            memcpy(dst, xd + xo, es);
            dst += es;
        }
        dusk__next_index(ndim, sh, idx);
    }
    *out = v;
    return 0;
}

int dusk__k_getitem(const dusk__targs *t, dusk_value **out, dusk_error *err)
{
    const char *name = t->op->func.name;
    if (t->nin == 2) {   /* x[mask]: a block and its mask (parameter 2: its axis, or -1) */
        int64_t axis;
        int rc = dusk__targs_int(t, 0, &axis, err);
        return rc ? rc : mask_block(t, axis, out, err);
    }
    gi_plan plan, *p = &plan;
    const dusk_value *in;
    int rc = plan_read(p, dusk__params_extra(t->params, 0), dusk__params_extra(t->params, 1),
                       name, err);
    if (rc || (rc = dusk__targs_block_in(t, 0, p->in_ndim, &in, err)))
        return rc;
    if (in->u.nd.dtype != t->dtype)
        return dusk_error_set(err, DUSK_ETYPE, "%s: expected a %s block, got %s", name,
                              dusk_dtype_name(t->dtype), dusk_dtype_name(in->u.nd.dtype));
    const dusk_value *index = t->index;
    const int64_t *ist = in->u.nd.strides, *ish = in->u.nd.shape;
    int64_t shape[DUSK_MAXDIMS], total = 0, base = 0;
    int o = 0;
    for (int e = 0; e < p->nent; e++)
        o += p->ax[e].kind != E_INT;
    if ((size_t)o != dusk_tuple_len(index) || o > DUSK_MAXDIMS)
        return dusk_error_set(err, DUSK_EINVAL, "%s: a %zu-d index for a plan of %d axes", name,
                              dusk_tuple_len(index), o);
    o = 0;
    /* the output's extent along each axis, and the integer entries' offset */
    for (int e = 0; e < p->nent; e++) {
        const gi_axis *ax = &p->ax[e];
        if (ax->kind == E_INT) {
            if (ax->start[0] < 0 || ax->start[0] >= ish[ax->axis])
                goto bad;
            base += ax->start[0] * ist[ax->axis];
            continue;
        }
        int64_t j = dusk_value_int(dusk_tuple_get(index, (size_t)o));
        /* a count of DUSK_UNKNOWN_SIZE: ':' along a block of unknown size,
         * the whole of it, as long as the block is */
        int whole = j >= 0 && j < ax->nb && ax->kind == E_SLICE &&
                    ax->count[j] == DUSK_UNKNOWN_SIZE && ax->start[j] == 0 && ax->step == 1;
        if (j < 0 || j >= ax->nb || (ax->count[j] < 0 && !whole) ||
            (ax->kind == E_LIST && (ax->start[j] < 0 || ax->start[j] + ax->count[j] > ax->nidx)))
            goto bad;
        shape[o] = whole ? ish[ax->axis] : ax->count[j];
        total += shape[o];
        o++;
    }
    int ndim = o;
    int64_t *tab = dusk_malloc((size_t)(total ? total : 1) * sizeof(int64_t));
    const int64_t *rows[DUSK_MAXDIMS];
    if (!tab)
        return dusk__oom(err);
    /* byte offsets into the input along each output axis */
    int64_t at = 0;
    o = 0;
    for (int e = 0; e < p->nent; e++) {
        const gi_axis *ax = &p->ax[e];
        if (ax->kind == E_INT)
            continue;
        int64_t j = dusk_value_int(dusk_tuple_get(index, (size_t)o));
        int64_t *row = tab + at;
        for (int64_t i = 0; i < shape[o]; i++) {
            int64_t pos;
            if (ax->kind == E_NEW) {
                row[i] = 0;
                continue;
            }
            pos = ax->kind == E_SLICE ? ax->start[j] + i * ax->step : ax->idx[ax->start[j] + i];
            if (pos < 0 || pos >= ish[ax->axis]) {
                dusk_free(tab);
                goto bad;
            }
            row[i] = pos * ist[ax->axis];
        }
        rows[o] = row;
        at += shape[o++];
    }
    dusk_value *v = dusk_ndarray_new(t->dtype, ndim, shape);
    if (!v) {
        dusk_free(tab);
        return dusk__oom(err);
    }
    int64_t es = (int64_t)dusk_dtype_size(t->dtype), count = dusk_ndarray_size(v);
    const char *src = in->u.nd.data + base;
    char *dst = v->u.nd.data;
    if (count > 0 && ndim == 0) {
        memcpy(dst, src, (size_t)es);
    } else if (count > 0) {
        int64_t n = shape[ndim - 1], i[DUSK_MAXDIMS] = {0};
        const int64_t *last = rows[ndim - 1];
        int contiguous = 1;
        for (int64_t k = 1; k < n && contiguous; k++)
            contiguous = last[k] == last[0] + k * es;
        for (;;) {
            int64_t off = 0;
            for (int d = 0; d < ndim - 1; d++)
                off += rows[d][i[d]];
            const char *s = src + off;
            if (contiguous) {
                memcpy(dst, s + last[0], (size_t)(n * es));
            } else if (es == 8) {
                for (int64_t k = 0; k < n; k++)
                    memcpy(dst + k * 8, s + last[k], 8);
            } else {
                for (int64_t k = 0; k < n; k++)
                    memcpy(dst + k * es, s + last[k], (size_t)es);
            }
            dst += n * es;
            if (!dusk__next_index(ndim - 1, shape, i))
                break;
        }
    }
    dusk_free(tab);
    *out = v;
    return 0;
bad:
    return dusk_error_set(err, DUSK_EINVAL, "%s: the input block does not fit the slice", name);
}

/* --- layers ------------------------------------------------------------------------------ */

/* Adds a layer of entry id (getitem or slice) named by tok over a, for
 * entries ent[0..nent). */
static dusk_array *gi_layer(dusk_array *a, int id, const char *tok, const entry *ent, int nent)
{
    const dusk__op *kop = dusk__op_get(id);
    const char *prefix = kop->func.name;
    gi_plan p;
    gi_plan *view = dusk_malloc(sizeof *view);
    if (!view || plan_new(&p, a, ent, nent) < 0) {
        dusk_free(view);
        return dusk__array_oom(a->ctx, prefix);
    }
    int64_t shape[DUSK_MAXDIMS], nb[DUSK_MAXDIMS];
    int64_t *chunks[DUSK_MAXDIMS];
    int ndim = 0;
    for (int e = 0; e < p.nent; e++) {
        const gi_axis *ax = &p.ax[e];
        if (ax->kind == E_INT)
            continue;
        nb[ndim] = ax->nb;
        chunks[ndim] = ax->count;
        shape[ndim] = 0;
        for (int64_t j = 0; j < ax->nb; j++)
            shape[ndim] = ax->count[j] == DUSK_UNKNOWN_SIZE || shape[ndim] == DUSK_UNKNOWN_SIZE
                              ? DUSK_UNKNOWN_SIZE : shape[ndim] + ax->count[j];
        ndim++;
    }
    /* the plan's values now belong to the parameters, which keep them
     * (and so chunks) alive with the layer */
    dusk_value *extra[2];
    extra[1] = plan_value(&p, &extra[0]);
    dusk_value *pv = dusk__params_new(a->dtype, ndim, NULL, NULL, 2, extra);
    dusk__layer *L = dusk__layer_new(a->ctx, prefix, tok, DUSK__L_CUSTOM, kop, pv, ndim, shape,
                                     nb, a->dtype);
    if (!L) {
        dusk_free(view);
        return dusk__array_oom(a->ctx, prefix);
    }
    /* emission reads the plan through a view of the layer's parameters */
    plan_read(view, extra[0], extra[1], prefix, NULL);
    L->inputs = gi_inputs;
    L->data = view;
    L->data_free = dusk_free;
    dusk__layer_input(L, a->L);
    dusk_array *r = dusk__array_new(a->ctx, L, ndim, shape, chunks, nb, a->dtype);
    /* an axis of unknown length (':' of one) holds what a's does at most */
    for (int e = 0, o = 0; e < nent && !r->status; e++) {
        if (ent[e].kind == E_INT)
            continue;
        if (ent[e].kind != E_NEW && r->shape[o] == DUSK_UNKNOWN_SIZE) {
            r->bound[o] = a->bound[ent[e].axis];
            r->bmax[o] = a->bmax[ent[e].axis];
            r->usrc[o] = a->usrc[ent[e].axis];
        }
        o++;
    }
    return r;
}

/* A hash of the normalised index, for tokens. */
static uint64_t index_hash(const entry *ent, int nent)
{
    uint64_t h = DUSK__FNV_INIT;
    for (int k = 0; k < nent; k++) {
        const entry *e = &ent[k];
        int64_t f[6] = {e->kind, e->axis, e->start, e->stop, e->step, e->n};
        h = dusk__fnv(h, f, sizeof f);
        if (e->kind == E_LIST)
            h = dusk__fnv(h, e->list, (size_t)e->n * sizeof(int64_t));
    }
    return h;
}

/* Checks idx against a and normalises it, as Dask's normalize_index does;
 * lists are copied (made positive) into *lists, which the caller frees.
 * NULL, or an error array. */
static dusk_array *normalize_index(dusk_array *a, const dusk_index *idx, int n, entry *ent,
                                   int *nent, int64_t **lists)
{
    dusk_array_ctx *ctx = a->ctx;
    *lists = NULL;
    if (n < 0 || (n > 0 && !idx))
        return dusk__array_fail(ctx, DUSK_EINVAL, "getitem: no index given (%d entries)", n);
    int nsliced = 0, nell = 0;
    int64_t total = 0;
    for (int k = 0; k < n; k++) {
        switch (idx[k].kind) {
        case DUSK_IDX_SLICE:
        case DUSK_IDX_INT:
            nsliced++;
            break;
        case DUSK_IDX_LIST:
            if (idx[k].n < 0 || (idx[k].n > 0 && !idx[k].list))
                return dusk__array_fail(ctx, DUSK_EINVAL,
                                        "getitem: entry %d is a list with no items (n = %" PRId64 ")",
                                        k, idx[k].n);
            if (__builtin_add_overflow(total, idx[k].n, &total) || total > PTRDIFF_MAX / 8) {
                char sh[256];
                dusk__fmt_shape(sh, sizeof sh, a->ndim, a->shape);
                return dusk__array_fail(ctx, DUSK_EINVAL, "getitem: entry %d of the index into "
                                        "shape %s is a list of %" PRId64 " items, more than can "
                                        "be stored", k, sh, idx[k].n);
            }
            nsliced++;
            break;
        case DUSK_IDX_NEWAXIS:
            break;
        case DUSK_IDX_ELLIPSIS:
            nell++;
            break;
        default:
            return dusk__array_fail(ctx, DUSK_EINVAL, "getitem: entry %d has unknown kind %d", k,
                                    (int)idx[k].kind);
        }
    }
    if (nell > 1)
        return dusk__array_fail(ctx, DUSK_EINVAL,
                                "getitem: an index can only have a single ellipsis ('...')");
    if (nsliced > a->ndim)
        return dusk__array_fail(ctx, DUSK_EINVAL,
                                "getitem: too many indices for array: array is %d-dimensional, "
                                "but %d were indexed", a->ndim, nsliced);
    int nout = 0, m = 0, axis = 0, nlists = 0, list_axis = -1;
    for (int k = 0; k < n; k++)
        if (idx[k].kind != DUSK_IDX_INT)
            nout += idx[k].kind == DUSK_IDX_ELLIPSIS ? a->ndim - nsliced : 1;
    if (!nell)
        nout += a->ndim - nsliced;
    if (nout > DUSK_MAXDIMS)
        return dusk__array_fail(ctx, DUSK_EINVAL,
                                "getitem: the result would have %d dimensions (at most %d)", nout,
                                DUSK_MAXDIMS);
    int64_t *buf = dusk_malloc((size_t)(total ? total : 1) * sizeof(int64_t));
    if (!buf)
        return dusk__array_oom(ctx, "an index");
    int64_t at = 0;
    for (int k = 0; k <= n; k++) {
        /* k == n: the trailing ':' that fill the rest */
        int fill = k == n ? (nell ? 0 : a->ndim - nsliced)
                          : idx[k].kind == DUSK_IDX_ELLIPSIS ? a->ndim - nsliced : 0;
        for (int f = 0; f < fill; f++)
            ent[m++] = (entry){E_SLICE, axis++, NIL, NIL, NIL, NULL, 0};
        if (k == n || idx[k].kind == DUSK_IDX_ELLIPSIS)
            continue;
        const dusk_index *x = &idx[k];
        entry *e = &ent[m++];
        memset(e, 0, sizeof *e);
        if (x->kind == DUSK_IDX_NEWAXIS) {
            e->kind = E_NEW;
            e->axis = -1;
            continue;
        }
        int64_t dim = a->shape[axis];
        e->axis = axis;
        if (dim == DUSK_UNKNOWN_SIZE &&
            !(x->kind == DUSK_IDX_SLICE && x->start == NIL && x->stop == NIL &&
              (x->step == NIL || x->step == 1))) {
            /* blocks of unknown size: only ':' along them (Dask's too) */
            char why[96];
            snprintf(why, sizeof why, ", where axis %d takes ':' only", axis);
            dusk_free(buf);
            return dusk__refuse_unknown(a, "getitem", why);
        }
        if (x->kind == DUSK_IDX_INT) {
            /* DUSK_NIL (INT64_MIN) too: Python's x[-2**63] is that */
            if (x->start >= dim || x->start < -dim) {
                dusk_free(buf);
                return dusk__array_fail(ctx, DUSK_EINVAL,
                                        "getitem: index %" PRId64 " is out of bounds for axis %d "
                                        "with size %" PRId64, x->start, axis, dim);
            }
            e->kind = E_INT;
            e->start = x->start < 0 ? x->start + dim : x->start;
        } else if (x->kind == DUSK_IDX_SLICE) {
            if (x->step == 0) {
                dusk_free(buf);
                return dusk__array_fail(ctx, DUSK_EINVAL,
                                        "getitem: slice step cannot be zero (axis %d)", axis);
            }
            e->kind = E_SLICE;
            e->start = x->start;
            e->stop = x->stop;
            e->step = x->step;
            normalize_slice(dim, &e->start, &e->stop, &e->step);
        } else {
            e->kind = E_LIST;
            e->list = buf + at;
            e->n = x->n;
            for (int64_t i = 0; i < x->n; i++) {
                int64_t v = x->list[i];
                if (v >= dim || v < -dim) {
                    dusk_free(buf);
                    return dusk__array_fail(ctx, DUSK_EINVAL,
                                            "getitem: index %" PRId64 " (item %" PRId64 " of the "
                                            "list) is out of bounds for axis %d with size %" PRId64,
                                            v, i, axis, dim);
                }
                buf[at++] = v < 0 ? v + dim : v;
            }
            if (nlists++) {
                dusk_free(buf);
                return dusk__array_fail(ctx, DUSK_EINVAL,
                                        "getitem: only one list index is supported (axes %d and "
                                        "%d have lists)", list_axis, axis);
            }
            list_axis = axis;
        }
        axis++;
    }
    *nent = m;
    *lists = buf;
    return NULL;
}

dusk_array *dusk_array_getitem(dusk_array *a, const dusk_index *idx, int n)
{
    dusk_array *err = dusk__array_bad_input(a, NULL);
    if (err)
        return err;
    entry ent[2 * DUSK_MAXDIMS + 1];
    int nent = 0;
    int64_t *lists;
    if (n > 2 * DUSK_MAXDIMS)
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "getitem: %d index entries are too many", n);
    if ((err = normalize_index(a, idx, n, ent, &nent, &lists)))
        return err;
    int all = 1, list_at = -1, others_full = 1;
    for (int k = 0; k < nent; k++) {
        if (ent[k].kind == E_LIST && ent[k].n == 0) {
            /* an empty list is the empty slice 0:0:1 */
            ent[k] = (entry){E_SLICE, ent[k].axis, 0, 0, 1, NULL, 0};
        }
        if (!is_full(&ent[k]))
            all = 0;
        if (ent[k].kind == E_LIST)
            list_at = k;
        else if (ent[k].kind != E_NEW && !is_full(&ent[k]))
            others_full = 0;
    }
    if (all) {
        dusk_free(lists);
        return a;
    }
    char tok[33];
    dusk__token(tok, "getitem|%s|%d|%016" PRIx64, a->L->name, nent, index_hash(ent, nent));
    dusk_array *r;
    if (list_at < 0 || others_full) {
        r = gi_layer(a, DUSK__OP_GETITEM, tok, ent, nent);
    } else {
        /* slices and integers first ('slice-<token>'), then the list */
        entry first[2 * DUSK_MAXDIMS + 1], second[2 * DUSK_MAXDIMS + 1];
        int n1 = 0, n2 = 0, axis2 = 0;
        for (int k = 0; k < nent; k++) {
            const entry *e = &ent[k];
            if (e->kind != E_NEW) {
                first[n1] = *e;
                if (e->kind == E_LIST)
                    first[n1] = (entry){E_SLICE, e->axis, NIL, NIL, NIL, NULL, 0};
                n1++;
            }
            if (e->kind == E_INT)
                continue;
            second[n2] = *e;
            if (e->kind == E_SLICE)
                second[n2] = (entry){E_SLICE, axis2, NIL, NIL, NIL, NULL, 0};
            else if (e->kind == E_LIST)
                second[n2].axis = axis2;
            if (e->kind != E_NEW)
                axis2++;
            n2++;
        }
        char tok1[33];
        dusk__token(tok1, "slice|%s", tok);
        r = gi_layer(a, DUSK__OP_SLICE, tok1, first, n1);
        if (!r->status) {
            dusk__layer *S = r->L;
            r = gi_layer(r, DUSK__OP_GETITEM, tok, second, n2);
            if (!r->status) {
                /* one 'getitem' layer, as Dask's: it holds the slice keys
                 * and reads what they read */
                r->L->ntasks += S->ntasks;
                r->L->deps[0] = S->deps[0];
                S->ntasks = 0;
                S->inner = true;
            }
        }
    }
    dusk_free(lists);
    return r;
}

/* --- the index as text ------------------------------------------------------------------ */

static void skip_ws(const char **p)
{
    while (isspace((unsigned char)**p))
        (*p)++;
}

/* An optional integer; 1 if one was read, 0 if none, -1 if malformed. */
static int read_int(const char **p, int64_t *v)
{
    skip_ws(p);
    const char *s = *p;
    if (*s == '+' || *s == '-')
        s++;
    if (!isdigit((unsigned char)*s))
        return s != *p ? -1 : 0;  /* a sign with no digits is malformed */
    errno = 0;
    char *end;
    long long x = strtoll(*p, &end, 10);
    if (errno == ERANGE || x == INT64_MIN)
        return -1;
    *v = x;
    *p = end;
    return 1;
}

/* Dask's layer of aliases after x[mask]'s getitem: ('getitem-<token>', i)
 * is ('getitem-<token>', i) of its input, a key of another name. */
static int alias_emit(dusk_graph *g, const dusk__layer *L)
{
    int64_t idx[DUSK_MAXDIMS] = {0};
    int rc = 0;
    do {
        char key[512], target[512];
        dusk_key_tuple(key, sizeof key, L->name, L->ndim, idx);
        dusk_key_tuple(target, sizeof target, L->in[0]->name, L->ndim, idx);
        rc = dusk_graph_alias(g, key, target);
    } while (!rc && dusk__next_index(L->ndim, L->nb, idx));
    return rc;
}

dusk_array *dusk_array_mask(dusk_array *a, dusk_array *mask)
{
    dusk_array *e = dusk__array_bad_input(a, mask);
    if (e)
        return e;
    if (!mask)
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "x[mask]: no mask given");
    if (mask->ctx != a->ctx)
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "x[mask]: the mask belongs to another "
                                "context");
    if (mask->dtype != DUSK_DT_BOOL)
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "x[mask]: the mask must be of bools, not "
                                "%s (an index of integers is taken as a list)",
                                dusk_dtype_name(mask->dtype));
    int same = a->ndim == mask->ndim;
    for (int d = 0; same && d < a->ndim; d++)
        same = a->shape[d] == mask->shape[d] && (a->shape[d] != DUSK_UNKNOWN_SIZE ||
                                                 a->nb[d] == mask->nb[d]);
    if (!same) {
        char s1[256], s2[256];
        dusk__fmt_array_shape(s1, sizeof s1, a->ndim, a->shape);
        dusk__fmt_array_shape(s2, sizeof s2, mask->ndim, mask->shape);
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "x[mask]: boolean index did not match "
                                "indexed array: the mask's shape is %s, the array's %s%s", s2,
                                s1, a->unknown || mask->unknown ? " (or its blocks of unknown "
                                "size are not the array's)" : "");
    }
    if (a->unknown && a->ndim != 1)
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "x[mask]: an array of %d axes with blocks "
                                "of unknown size is not flattened in C order (Dask warns that "
                                "its order differs from NumPy's); compute its chunk sizes "
                                "first (x.compute_chunk_sizes())", a->ndim);
    /* As Dask: both flattened when the shapes are known (C order), then
     * getitem block by block, the chunks unified as elemwise's */
    if (!a->unknown && a->ndim != 1) {
        a = dusk_array_ravel(a);
        mask = dusk_array_ravel(mask);
        if ((e = dusk__array_input(a, mask, "x[mask]")))
            return e;
    }
    dusk_value *args[2] = {dusk_int(-1), dusk_none()};   /* a mask of the block's shape */
    dusk_array *y = dusk__binary(dusk__op_get(DUSK__OP_GETITEM), a, mask, a->dtype, "mask", 2,
                                 args);
    if (y->status)
        return y;
    /* its blocks' sizes are known once computed; at most the source's */
    int64_t bound = y->bound[0], block = y->bmax[0];
    y->shape[0] = y->L->shape[0] = DUSK_UNKNOWN_SIZE;
    for (int64_t k = 0; k < y->nb[0]; k++)
        y->chunks[0][k] = DUSK_UNKNOWN_SIZE;
    y->unknown = true;
    /* the sizes are the mask's counts: its layer, as the getitem took it
     * (rechunked to a's chunks), is where they come from, so x[m] and
     * (2 * x)[m] line up */
    y->usrc[0] = y->L->nin > 1 ? (const void *)y->L->in[1] : (const void *)y->L;
    y->bound[0] = bound;
    y->bmax[0] = block;   /* a block keeps at most its source block's elements */
    return dusk__alias_layer(y, "getitem-mask");
}

dusk_array *dusk__alias_layer(dusk_array *y, const char *what)
{
    char tok[33];
    dusk__token(tok, "%s|%s", what, y->L->name);
    dusk__layer *L = dusk__layer_new(y->ctx, "getitem", tok, DUSK__L_CUSTOM, NULL, dusk_none(),
                                     y->ndim, y->shape, y->nb, y->dtype);
    if (!L)
        return dusk__array_oom(y->ctx, what);
    dusk__layer_input(L, y->L);
    L->emit = alias_emit;
    dusk_array *r = dusk__array_new(y->ctx, L, y->ndim, y->shape, y->chunks, y->nb, y->dtype);
    if (!r->status) {
        memcpy(r->bound, y->bound, sizeof r->bound);
        memcpy(r->bmax, y->bmax, sizeof r->bmax);
        memcpy(r->usrc, y->usrc, sizeof r->usrc);
    }
    return r;
}

/* a's chunks along every axis as text "((5, 5), (3,))", with axis's
 * replaced by along (text) when it is not NULL. NULL when out of memory. */
static char *chunks_text(const dusk_array *a, int axis, const char *along)
{
    size_t cap = 16 + (along ? strlen(along) : 0);
    for (int d = 0; d < a->ndim; d++)
        cap += (size_t)a->nb[d] * 22 + 8;
    char *s = dusk_malloc(cap);
    if (!s)
        return NULL;
    size_t len = (size_t)snprintf(s, cap, "(");
    for (int d = 0; d < a->ndim; d++) {
        if (d == axis && along) {
            len += (size_t)snprintf(s + len, cap - len, "%s, ", along);
            continue;
        }
        len += (size_t)snprintf(s + len, cap - len, "(");
        for (int64_t k = 0; k < a->nb[d]; k++)
            len += (size_t)snprintf(s + len, cap - len, "%" PRId64 ", ", a->chunks[d][k]);
        len += (size_t)snprintf(s + len, cap - len, "), ");
    }
    snprintf(s + len, cap - len, ")");
    return s;
}

/* The common refinement of a's chunks along axis and c's (1-d) as text
 * "(2, 1, 3)"; NULL when out of memory. */
static char *refined(const dusk_array *a, int axis, const dusk_array *c)
{
    const int64_t *c1 = a->chunks[axis], *c2 = c->chunks[0];
    int64_t n1 = a->nb[axis], n2 = c->nb[0];
    size_t cap = (size_t)(n1 + n2) * 22 + 8;
    char *s = dusk_malloc(cap);
    if (!s)
        return NULL;
    size_t len = (size_t)snprintf(s, cap, "(");
    int64_t i = 0, j = 0, e1 = n1 ? c1[0] : 0, e2 = n2 ? c2[0] : 0, at = 0;
    while (i < n1 && j < n2) {
        int64_t e = e1 < e2 ? e1 : e2;
        if (e > at || (n1 == 1 && n2 == 1))
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

dusk_array *dusk_array_compress(dusk_array *cond, dusk_array *a, int axis)
{
    dusk_array *e = dusk__array_bad_input(cond, a);
    if (e || (e = dusk__array_bad_input(a, cond)))
        return e;
    if (a->ctx != cond->ctx)
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "compress: the condition belongs to "
                                "another context");
    if (cond->ndim != 1)
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "compress: Condition must be one "
                                "dimensional (it has %d axes)", cond->ndim);
    int ax;
    if ((e = dusk__array_one_axis(a, axis, "compress", &ax)))
        return e;
    if (ax == DUSK_AXIS_NONE) {   /* numpy's axis=None: the flattened array */
        a = dusk_array_ravel(a);
        if ((e = dusk__array_input(a, NULL, "compress")))
            return e;
        ax = 0;
    }
    if (cond->shape[0] > a->shape[ax])
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "compress: the condition has %" PRId64
                                " entries, more than the %" PRId64 " of axis %d (NumPy's "
                                "'index out of bounds')", cond->shape[0], a->shape[ax], ax);
    /* as Dask: the condition as bools, a cut to its length (a itself when
     * it is as long), then a[..., cond, ...] */
    cond = dusk_array_astype(cond, DUSK_DT_BOOL);
    dusk_index ix[DUSK_MAXDIMS];
    for (int d = 0; d < a->ndim; d++)
        ix[d] = d == ax ? (dusk_index)DUSK_SLICE(DUSK_NIL, cond->shape[0], DUSK_NIL)
                        : (dusk_index)DUSK_ALL;
    a = dusk_array_getitem(a, ix, a->ndim);
    if ((e = dusk__array_input(a, cond, "compress")))
        return e;
    if (a->ndim == 1)   /* Dask's elemwise getitem and its aliases, as x[mask] */
        return dusk_array_mask(a, cond);
    /* Dask's blockwise getitem_variadic: the condition's chunks and a's
     * along axis unified (the arrays whose chunks are not the common
     * refinement rechunked to it), one task per block of a */
    char *r = refined(a, ax, cond);
    if (!r)
        return dusk__array_oom(a->ctx, "compress");
    int same_a = a->nb[ax] == cond->nb[0] &&
                 memcmp(a->chunks[ax], cond->chunks[0], (size_t)a->nb[ax] * sizeof(int64_t)) == 0;
    if (!same_a) {
        char *ta = chunks_text(a, ax, r), *tc = dusk_malloc(strlen(r) + 8);
        if (!ta || !tc) {
            dusk_free(ta);
            dusk_free(tc);
            dusk_free(r);
            return dusk__array_oom(a->ctx, "compress");
        }
        snprintf(tc, strlen(r) + 8, "(%s,)", r);
        int64_t nr = 0;
        for (const char *p = r; *p; p++)
            nr += *p == ',';
        if (nr != a->nb[ax])
            a = dusk_array_rechunk(a, ta);
        if (nr != cond->nb[0])
            cond = dusk_array_rechunk(cond, tc);
        dusk_free(ta);
        dusk_free(tc);
    }
    dusk_free(r);
    if ((e = dusk__array_input(a, cond, "compress")))
        return e;
    int map[2][DUSK_MAXDIMS];
    for (int d = 0; d < a->ndim; d++)
        map[0][d] = d;
    map[1][0] = ax;
    int64_t shape[DUSK_MAXDIMS];
    memcpy(shape, a->shape, sizeof shape);
    shape[ax] = DUSK_UNKNOWN_SIZE;
    int64_t *chunks[DUSK_MAXDIMS], *unknown = dusk_malloc((size_t)a->nb[ax] * sizeof(int64_t));
    if (!unknown)
        return dusk__array_oom(a->ctx, "compress");
    for (int64_t k = 0; k < a->nb[ax]; k++)
        unknown[k] = DUSK_UNKNOWN_SIZE;
    for (int d = 0; d < a->ndim; d++)
        chunks[d] = d == ax ? unknown : a->chunks[d];
    char tok[33];
    dusk__token(tok, "getitem_variadic|%s|%s|%d", a->L->name, cond->L->name, ax);
    dusk_array *in[2] = {a, cond};
    dusk_value *args[2] = {dusk_int(ax), dusk_none()};
    dusk__layer *L = NULL;
    dusk_value *pv = dusk__params_new(a->dtype, a->ndim, NULL, NULL, 2, args);
    if (pv)
        L = dusk__layer_new(a->ctx, "getitem_variadic", tok, DUSK__L_BLOCKS,
                            dusk__op_get(DUSK__OP_GETITEM), pv, a->ndim, shape, a->nb,
                            a->dtype);
    if (!L) {
        dusk_free(unknown);
        return dusk__array_oom(a->ctx, "compress");
    }
    for (int i = 0; i < 2; i++) {
        dusk__layer_input(L, in[i]->L);
        memcpy(L->map[i], map[i], sizeof L->map[i]);
    }
    dusk_array *out = dusk__array_new(a->ctx, L, a->ndim, shape, chunks, a->nb, a->dtype);
    dusk_free(unknown);
    if (!out->status) {
        out->bound[ax] = a->shape[ax];
        out->bmax[ax] = a->bmax[ax];
    }
    return out;
}

dusk_array *dusk_array_slice(dusk_array *a, const char *text)
{
    dusk_array *err = dusk__array_bad_input(a, NULL);
    if (err)
        return err;
    if (!text)
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "slice: no index text given");
    dusk_index ix[2 * DUSK_MAXDIMS] = {{0}};
    int64_t *lists[2 * DUSK_MAXDIMS] = {NULL};
    int n = 0, nl = 0;
    const char *p = text;
    const char *why = NULL;
    skip_ws(&p);
    while (*p && !why) {
        if (n == 2 * DUSK_MAXDIMS) {
            why = "too many entries";
            break;
        }
        dusk_index *x = &ix[n];
        int64_t v;
        skip_ws(&p);
        if (strncmp(p, "...", 3) == 0) {
            p += 3;
            *x = DUSK_ELLIPSIS;
        } else if (strncmp(p, "None", 4) == 0) {
            p += 4;
            *x = DUSK_NEWAXIS;
        } else if (strncmp(p, "np.newaxis", 10) == 0) {
            p += 10;
            *x = DUSK_NEWAXIS;
        } else if (*p == '[') {
            p++;
            size_t cap = 8, cnt = 0;
            int64_t *l = dusk_malloc(cap * sizeof *l);
            if (!l) {
                for (int i = 0; i < nl; i++)
                    dusk_free(lists[i]);
                return dusk__array_oom(a->ctx, "an index");
            }
            lists[nl++] = l;
            for (;;) {
                skip_ws(&p);
                if (*p == ']') {
                    p++;
                    break;
                }
                if (read_int(&p, &v) != 1) {
                    why = "a list takes integers: [10, 1, 5]";
                    break;
                }
                if (cnt == cap) {
                    int64_t *bigger = dusk_realloc(l, 2 * cap * sizeof *l);
                    if (!bigger) {
                        for (int i = 0; i < nl; i++)
                            dusk_free(lists[i]);
                        return dusk__array_oom(a->ctx, "an index");
                    }
                    lists[nl - 1] = l = bigger;
                    cap *= 2;
                }
                l[cnt++] = v;
                skip_ws(&p);
                if (*p == ',')
                    p++;
                else if (*p != ']') {
                    why = "a list's items are separated by commas";
                    break;
                }
            }
            *x = DUSK_LIST(l, (int64_t)cnt);
        } else {
            int64_t s = NIL, e = NIL, st = NIL;
            int r = read_int(&p, &s);
            if (r < 0) {
                why = "expected an integer, a slice, a list, None or ...";
                break;
            }
            skip_ws(&p);
            if (*p != ':') {
                if (r == 0) {
                    why = "expected an integer, a slice, a list, None or ...";
                    break;
                }
                *x = DUSK_AT(s);
            } else {
                p++;
                if (read_int(&p, &e) < 0) {
                    why = "a slice's stop must be an integer";
                    break;
                }
                skip_ws(&p);
                if (*p == ':') {
                    p++;
                    if (read_int(&p, &st) < 0) {
                        why = "a slice's step must be an integer";
                        break;
                    }
                }
                *x = DUSK_SLICE(s, e, st);
            }
        }
        n++;
        if (why)
            break;
        skip_ws(&p);
        if (*p == ',')
            p++;
        else if (*p)
            why = "entries are separated by commas";
        skip_ws(&p);
    }
    dusk_array *r;
    if (why)
        r = dusk__array_fail(a->ctx, DUSK_EINVAL, "slice: cannot read index \"%s\" at column %d: %s",
                             text, (int)(p - text) + 1, why);
    else
        r = dusk_array_getitem(a, ix, n);
    for (int i = 0; i < nl; i++)
        dusk_free(lists[i]);
    return r;
}

/* --- squeeze ------------------------------------------------------------------------------ */

/* Dask's squeeze of an array whose every axis has length 1, to 0-d
 * (map_blocks(np.squeeze)). */
int dusk__k_squeeze(const dusk__targs *t, dusk_value **out, dusk_error *err)
{
    const dusk_value *in;
    int rc = dusk__targs_block_in(t, 0, -1, &in, err);
    if (rc)
        return rc;
    if (dusk_ndarray_size(in) != 1)
        return dusk_error_set(err, DUSK_ETYPE, "%s: expected a block of one element",
                              t->op->func.name);
    dusk_value *v = dusk_ndarray_new(in->u.nd.dtype, 0, NULL);
    if (!v)
        return dusk__oom(err);
    memcpy(v->u.nd.data, in->u.nd.data, dusk_dtype_size(in->u.nd.dtype));
    *out = v;
    return 0;
}

dusk_array *dusk_array_squeeze(dusk_array *a, uint64_t axes)
{
    dusk_array *err = dusk__array_bad_input(a, NULL);
    if (err)
        return err;
    uint64_t set = 0;
    if (axes == DUSK_ALL_AXES) {
        for (int d = 0; d < a->ndim; d++)
            if (a->shape[d] == 1)
                set |= (uint64_t)1 << d;
    } else {
        for (int b = 0; b < 64; b++) {
            if (!((axes >> b) & 1))
                continue;
            int ax = b < 32 ? b : b - 64 + a->ndim;
            if (ax < 0 || ax >= a->ndim || (b < 32 && b >= a->ndim))
                return dusk__array_fail(a->ctx, DUSK_EINVAL,
                                        "squeeze: axis %d is out of range for an array of %d "
                                        "dimension%s", b < 32 ? b : b - 64, a->ndim,
                                        a->ndim == 1 ? "" : "s");
            if ((set >> ax) & 1)   /* bits run upwards: b is the negative form */
                return dusk__array_fail(a->ctx, DUSK_EINVAL,
                                        "squeeze: duplicate value in 'axis': axis %d given "
                                        "twice (as %d and %d)", ax, ax, b - 64);
            if (a->shape[ax] != 1)
                return dusk__array_fail(a->ctx, DUSK_EINVAL,
                                        "squeeze: cannot squeeze axis %d of length %" PRId64
                                        " (only axes of length 1)", ax, a->shape[ax]);
            set |= (uint64_t)1 << ax;
        }
    }
    int all = 1;
    for (int d = 0; d < a->ndim; d++)
        if (!((set >> d) & 1) || a->shape[d] != 1)
            all = 0;
    if (all) {
        /* every axis goes: Dask maps np.squeeze over the one block */
        char tok[33];
        dusk__token(tok, "squeeze|%s", a->L->name);
        dusk__layer *L = dusk__layer_new(a->ctx, "squeeze", tok, DUSK__L_BLOCKS,
                                         dusk__op_get(DUSK__OP_SQUEEZE),
                                         dusk__params_new(a->dtype, 0, NULL, NULL, 0, NULL), 0,
                                         NULL, NULL, a->dtype);
        if (!L)
            return dusk__array_oom(a->ctx, "squeeze");
        dusk__layer_input(L, a->L);
        for (int d = 0; d < a->ndim; d++)
            L->map[0][d] = -1;
        return dusk__array_new(a->ctx, L, 0, NULL, NULL, NULL, a->dtype);
    }
    dusk_index ix[DUSK_MAXDIMS];
    for (int d = 0; d < a->ndim; d++)
        ix[d] = (set >> d) & 1 ? DUSK_AT(0) : DUSK_ALL;
    return dusk_array_getitem(a, ix, a->ndim);
}
