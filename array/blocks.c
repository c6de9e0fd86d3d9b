/*
** dusk — what an array task computes for its block
**
** Every array task calls dusk__block_task with (params, index, inputs...):
** params is the layer's shared kparams, index the block's position in the
** output grid, and the inputs are blocks (or, for reduce and gather
** layers, one list of blocks). The switch below is the whole catalogue.
**
** Random numbers: each block seeds its own xoshiro256** generator from the
** array's seed and the block's position, so results depend only on the
** seed, the shape and the chunks, never on which worker ran what when.
*/
#include <math.h>
#include <string.h>

#include "array.h"
#include "dusk/alloc.h"
#include "nd.h"
#include "core/value.h"

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

typedef struct { uint64_t s[4]; } rng;

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t rng_next(rng *r)
{
    uint64_t *s = r->s, out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

static double rng_unit(rng *r) { return (double)(rng_next(r) >> 11) * 0x1.0p-53; }

/* The block's shape and where it starts, from the layer's boundaries. */
static void block_geometry(const kparams *kp, const dusk_value *index, int64_t *shape,
                           int64_t *start)
{
    for (int d = 0; d < kp->ndim; d++) {
        int64_t i = dusk_value_int(dusk_tuple_get(index, (size_t)d));
        start[d] = kp->off[d][i];
        shape[d] = kp->off[d][i + 1] - kp->off[d][i];
    }
}

static int oom(dusk_error *err)
{
    return dusk_error_set(err, DUSK_ENOMEM, "out of memory for a block");
}

static int fill(const kparams *kp, const dusk_value *index, dusk_value **out, dusk_error *err)
{
    int64_t shape[DUSK_MAXDIMS], start[DUSK_MAXDIMS];
    block_geometry(kp, index, shape, start);
    /* zeros come cleared; everything else writes every element */
    dusk_value *v = kp->kind == K_FILL && kp->a == 0
                        ? dusk_ndarray_new(kp->dtype, kp->ndim, shape)
                        : dusk_ndarray_empty(kp->dtype, kp->ndim, shape);
    if (!v)
        return oom(err);
    int64_t n = dusk_ndarray_size(v);
    char *p = dusk_ndarray_data(v);
    size_t es = dusk_dtype_size(kp->dtype);
    switch (kp->kind) {
    case K_FILL:
        if (kp->a != 0) {
            if (kp->dtype == DUSK_DT_F8) {
                double *d = (double *)p;
                for (int64_t i = 0; i < n; i++)
                    d[i] = kp->a;
            } else {
                dusk__nd_storef(p, kp->dtype, kp->a);
                for (int64_t i = 1; i < n; i++)
                    memcpy(p + i * (int64_t)es, p, es);
            }
        }
        break;
    case K_ARANGE:
        for (int64_t i = 0; i < n; i++) {
            double x = kp->a + (double)(start[0] + i) * kp->b;
            if (kp->dtype == DUSK_DT_I8)
                dusk__nd_storei(p + i * 8, DUSK_DT_I8,
                                (int64_t)kp->a + (start[0] + i) * (int64_t)kp->b);
            else
                dusk__nd_storef(p + i * 8, DUSK_DT_F8, x);
        }
        break;
    case K_LINSPACE: {
        /* numpy.linspace: start + i * step, the last point exactly stop;
         * the layer keeps num in seed */
        double *d = (double *)p;
        int64_t total = (int64_t)kp->seed;
        double step = total > 1 ? (kp->b - kp->a) / (double)(total - 1) : 0;
        for (int64_t i = 0; i < n; i++) {
            int64_t g = start[0] + i;
            d[i] = g == total - 1 && total > 1 ? kp->b : kp->a + (double)g * step;
        }
        break;
    }
    case K_NORMAL:
    case K_UNIFORM: {
        uint64_t s = kp->seed;
        for (int d = 0; d < kp->ndim; d++)
            s = s * 0x9e3779b97f4a7c15ull + (uint64_t)start[d] + 1;
        rng r;
        for (int k = 0; k < 4; k++)
            r.s[k] = splitmix64(&s);
        double *d = (double *)p;
        if (kp->kind == K_UNIFORM) {
            for (int64_t i = 0; i < n; i++)
                d[i] = kp->a + (kp->b - kp->a) * rng_unit(&r);
        } else {
            /* Box-Muller, both outputs used */
            for (int64_t i = 0; i < n; i += 2) {
                double u1 = 1.0 - rng_unit(&r), u2 = rng_unit(&r);
                double rad = sqrt(-2.0 * log(u1)), th = 6.283185307179586 * u2;
                d[i] = kp->a + kp->b * rad * cos(th);
                if (i + 1 < n)
                    d[i + 1] = kp->a + kp->b * rad * sin(th);
            }
        }
        break;
    }
    default:
        break;
    }
    *out = v;
    return 0;
}

/* Reads this block of the original: an HDF5 hyperslab or a slice of a
 * buffer's copy. */
static int get_block(const kparams *kp, const dusk_value *index, const dusk_value *orig,
                     dusk_value **out, dusk_error *err)
{
    int64_t shape[DUSK_MAXDIMS], start[DUSK_MAXDIMS];
    block_geometry(kp, index, shape, start);
    dusk_value *v = kp->kind == K_GET_H5 ? dusk_ndarray_empty(kp->dtype, kp->ndim, shape)
                                         : dusk_ndarray_new(kp->dtype, kp->ndim, shape);
    if (!v)
        return oom(err);
    int rc = 0;
    if (kp->kind == K_GET_H5) {
        if (dusk_ndarray_size(v) > 0)
            rc = dusk__h5_read(dusk_opaque_ptr(orig), start, shape, dusk_ndarray_data(v), err);
    } else {
        /* a strided view of the original at this block, copied */
        const int64_t *st = dusk_ndarray_strides(orig);
        int64_t offset = 0;
        for (int d = 0; d < kp->ndim; d++)
            offset += start[d] * st[d];
        dusk_value *view = dusk_ndarray_view((dusk_value *)orig, kp->ndim, shape, st, offset);
        dusk_value *copy = NULL;
        if (!view || dusk__nd_astype(view, kp->dtype, &copy, err) < 0)
            rc = oom(err);
        dusk_value_unref(view);
        if (!rc) {
            dusk_value_unref(v);
            v = copy;
        }
    }
    if (rc) {
        dusk_value_unref(v);
        return rc;
    }
    *out = v;
    return 0;
}

/* Assembles this block from the input blocks it overlaps (rechunk). */
static int gather(const kparams *kp, const dusk_value *index, const dusk_value *list,
                  dusk_value **out, dusk_error *err)
{
    int64_t shape[DUSK_MAXDIMS], start[DUSK_MAXDIMS], lo[DUSK_MAXDIMS], hi[DUSK_MAXDIMS];
    block_geometry(kp, index, shape, start);
    dusk_value *v = dusk_ndarray_new(kp->dtype, kp->ndim, shape);
    if (!v)
        return oom(err);
    int nd = kp->ndim;
    /* the input blocks lo..hi overlap this block along each axis; the
     * list holds them in C order over that range */
    size_t m = dusk_tuple_len(list);
    int64_t j[DUSK_MAXDIMS] = {0}, cnt[DUSK_MAXDIMS];
    for (int d = 0; d < nd; d++) {
        const int64_t *io = kp->in_off[d];
        int64_t e = start[d] + shape[d];
        lo[d] = 0;
        while (io[lo[d] + 1] <= start[d] && io[lo[d] + 1] < e)
            lo[d]++;
        hi[d] = lo[d];
        while (io[hi[d] + 1] < e)
            hi[d]++;
        cnt[d] = hi[d] - lo[d] + 1;
    }
    size_t es = dusk_dtype_size(kp->dtype);
    for (size_t k = 0; k < m; k++) {
        const dusk_value *b = dusk_tuple_get(list, k);
        int64_t s0[DUSK_MAXDIMS], ov[DUSK_MAXDIMS], dst0[DUSK_MAXDIMS];
        int64_t total = 1;
        for (int d = 0; d < nd; d++) {
            int64_t bs = kp->in_off[d][lo[d] + j[d]], be = kp->in_off[d][lo[d] + j[d] + 1];
            int64_t a0 = bs > start[d] ? bs : start[d];
            int64_t a1 = be < start[d] + shape[d] ? be : start[d] + shape[d];
            ov[d] = a1 - a0;
            /* a piece split off already is exactly the overlap; a whole
             * input block starts at bs */
            s0[d] = dusk_ndarray_shape(b)[d] == ov[d] ? 0 : a0 - bs;
            dst0[d] = a0 - start[d];
            total *= ov[d] > 0 ? ov[d] : 0;
        }
        if (total > 0) {
            /* element copy over the overlap, C order */
            int64_t t[DUSK_MAXDIMS] = {0};
            const int64_t *bst = dusk_ndarray_strides(b), *vst = dusk_ndarray_strides(v);
            for (int64_t q = 0; q < total; q++) {
                int64_t so = 0, doff = 0;
                for (int d = 0; d < nd; d++) {
                    so += (s0[d] + t[d]) * bst[d];
                    doff += (dst0[d] + t[d]) * vst[d];
                }
                memcpy((char *)dusk_ndarray_data(v) + doff,
                       (const char *)dusk_ndarray_data(b) + so, es);
                for (int d = nd - 1; d >= 0; d--) {
                    if (++t[d] < ov[d])
                        break;
                    t[d] = 0;
                }
            }
        }
        for (int d = nd - 1; d >= 0; d--) {
            if (++j[d] < cnt[d])
                break;
            j[d] = 0;
        }
    }
    *out = v;
    return 0;
}

/* The part of a block given by (start, stop) pairs per axis, copied. */
static int split_block(const dusk_value *slices, const dusk_value *block, dusk_value **out,
                       dusk_error *err)
{
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
        return oom(err);
    int rc = dusk__nd_astype(view, dusk_ndarray_dtype(block), out, err);
    dusk_value_unref(view);
    return rc;
}

static int store(const kparams *kp, const dusk_value *index, const dusk_value *block,
                 dusk_value **out, dusk_error *err)
{
    int64_t shape[DUSK_MAXDIMS], start[DUSK_MAXDIMS];
    block_geometry(kp, index, shape, start);
    int64_t n = 1;
    for (int d = 0; d < kp->ndim; d++)
        n *= shape[d];
    if (n > 0) {
        /* HDF5 wants C order in the dtype of the dataset */
        dusk_value *c = NULL;
        int rc = 0;
        if (dusk_ndarray_dtype(block) == kp->dtype && dusk_ndarray_is_contiguous(block))
            c = dusk_value_ref((dusk_value *)block);
        else
            rc = dusk__nd_astype(block, kp->dtype, &c, err);
        if (rc)
            return rc;
        rc = dusk__h5_write(kp->dst, start, shape, dusk_ndarray_data(c), err);
        dusk_value_unref(c);
        if (rc)
            return rc;
    }
    *out = dusk_none();
    return 0;
}

static int want_ndarray(const dusk_value *v, const char *op, dusk_error *err)
{
    if (v && dusk_value_kind(v) == DUSK_KIND_NDARRAY)
        return 0;
    return dusk_error_set(err, DUSK_ETYPE, "%s: expected an ndarray block, got %s", op,
                          v ? dusk_kind_name(dusk_value_kind(v)) : "nothing");
}

int dusk__block_task(dusk_value *const *args, size_t nargs, dusk_value **out,
                     dusk_error *err, void *ud)
{
    (void)ud;
    if (nargs < 2 || dusk_value_kind(args[0]) != DUSK_KIND_OPAQUE)
        return dusk_error_set(err, DUSK_EINVAL, "array task called without its parameters");
    const kparams *kp = dusk_opaque_ptr(args[0]);
    const dusk_value *index = args[1], *in0 = nargs > 2 ? args[2] : NULL;
    const dusk_value *in1 = nargs > 3 ? args[3] : NULL;
    int rc;
    switch (kp->kind) {
    case K_FILL: case K_ARANGE: case K_LINSPACE: case K_NORMAL: case K_UNIFORM:
        return fill(kp, index, out, err);
    case K_GET_H5: case K_GET_BUF:
        return get_block(kp, index, in0, out, err);
    case K_BINOP:
        if ((rc = want_ndarray(in0, kp->opname, err)) || (rc = want_ndarray(in1, kp->opname, err)))
            return rc;
        return dusk__nd_binop(kp->op, in0, in1, 0, 0, kp->dtype, out, err);
    case K_BINOP_SCALAR:
        if ((rc = want_ndarray(in0, kp->opname, err)))
            return rc;
        return dusk__nd_binop(kp->op, in0, NULL, kp->a, kp->scalar_first, kp->dtype, out, err);
    case K_UNOP:
        if ((rc = want_ndarray(in0, kp->opname, err)))
            return rc;
        return dusk__nd_unop(kp->op, in0, kp->dtype, out, err);
    case K_ASTYPE:
        if ((rc = want_ndarray(in0, kp->opname, err)))
            return rc;
        return dusk__nd_astype(in0, kp->dtype, out, err);
    case K_TRANSPOSE:
        if ((rc = want_ndarray(in0, kp->opname, err)))
            return rc;
        return dusk__nd_transpose(in0, kp->perm, out, err);
    case K_RED_CHUNK:
        if ((rc = want_ndarray(in0, kp->opname, err)))
            return rc;
        return dusk__nd_reduce_chunk(kp->op, in0, kp->axes, kp->acc_dtype, out, err);
    case K_RED_COMBINE:
        return dusk__nd_reduce_combine(kp->op, in0, out, err);
    case K_RED_AGG: {
        dusk_value *part = NULL;
        if ((rc = dusk__nd_reduce_combine(kp->op, in0, &part, err)))
            return rc;
        rc = dusk__nd_reduce_finish(kp->op, part, kp->axes, kp->keepdims, kp->ddof, kp->dtype,
                                    out, err);
        dusk_value_unref(part);
        return rc;
    }
    case K_RECHUNK:
        return gather(kp, index, in0, out, err);
    case K_RSPLIT:
        if ((rc = want_ndarray(in0, kp->opname, err)))
            return rc;
        return split_block(index, in0, out, err);
    case K_STORE:
        if ((rc = want_ndarray(in0, kp->opname, err)))
            return rc;
        return store(kp, index, in0, out, err);
    case K_CUSTOM:
        return kp->kernel(kp, args, nargs, out, err);
    }
    return dusk_error_set(err, DUSK_EINVAL, "unknown array task kind %d", (int)kp->kind);
}
