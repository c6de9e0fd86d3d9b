/*
** dusk tests — user functions on blocks: map_blocks, blockwise, elemwise,
** reduction (array/map.c)
**
** Each operation's graph is compared with Dask's: the task count and the
** tasks per layer name of the same expression, kept here as numbers and
** checked again against python3-dask itself (/usr/bin/python3). Values are
** checked against loops over the whole array; errors of the user's
** function come back naming the block's key.
*/
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "dusk.h"
#include "dusk/array.h"
#include "helpers.h"

/* --- the user's functions ----------------------------------------------------------- */

/* each block less its own mean */
static int normalise_fn(const dusk_block *b, dusk_value **out, dusk_error *err, void *ud)
{
    (void)ud;
    const dusk_value *x = b->in[0];
    if (dusk_ndarray_dtype(x) != DUSK_DT_F8)
        return dusk_error_set(err, DUSK_ETYPE, "normalise wants float64");
    int64_t n = dusk_ndarray_size(x);
    const double *p = dusk_ndarray_data(x);
    dusk_value *r = dusk_ndarray_empty(DUSK_DT_F8, dusk_ndarray_ndim(x), dusk_ndarray_shape(x));
    if (!r)
        return DUSK_ENOMEM;
    double s = 0, *o = dusk_ndarray_data(r);
    for (int64_t k = 0; k < n; k++)
        s += p[k];
    for (int64_t k = 0; k < n; k++)
        o[k] = p[k] - s / (double)n;
    *out = r;
    return 0;
}
static const dusk_block_func normalise = DUSK_BLOCK_FUNC(normalise, "normalise", normalise_fn, NULL);

/* a block of the output's chunk shape holding 100 * i + j of its block
 * index (and args[0] added, when given) */
static int where_fn(const dusk_block *b, dusk_value **out, dusk_error *err, void *ud)
{
    (void)err;
    (void)ud;
    dusk_value *r = dusk_ndarray_empty(DUSK_DT_F8, b->ndim, b->chunk_shape);
    if (!r)
        return DUSK_ENOMEM;
    double add = dusk_tuple_len(b->args) ? dusk_value_float(dusk_tuple_get(b->args, 0)) : 0;
    double v = add;
    for (int d = 0; d < b->ndim; d++)
        v = v * 100 + (double)b->block_id[d];
    double *o = dusk_ndarray_data(r);
    for (int64_t k = 0; k < dusk_ndarray_size(r); k++)
        o[k] = v;
    *out = r;
    return 0;
}
static const dusk_block_func where = DUSK_BLOCK_FUNC(where, "where", where_fn, NULL);

/* the sum over the last axis (drop_axis=-1), of a 2-d block */
static int rowsum_fn(const dusk_block *b, dusk_value **out, dusk_error *err, void *ud)
{
    (void)err;
    (void)ud;
    const dusk_value *x = b->in[0];
    const int64_t *s = dusk_ndarray_shape(x);
    dusk_value *r = dusk_ndarray_empty(DUSK_DT_F8, 1, s);
    if (!r)
        return DUSK_ENOMEM;
    const double *p = dusk_ndarray_data(x);
    double *o = dusk_ndarray_data(r);
    for (int64_t i = 0; i < s[0]; i++) {
        o[i] = 0;
        for (int64_t j = 0; j < s[1]; j++)
            o[i] += p[i * s[1] + j];
    }
    *out = r;
    return 0;
}
static const dusk_block_func rowsum = DUSK_BLOCK_FUNC(rowsum, "rowsum", rowsum_fn, NULL);

/* a block with a new last axis of length 1 */
static int newax_fn(const dusk_block *b, dusk_value **out, dusk_error *err, void *ud)
{
    (void)ud;
    const dusk_value *x = b->in[0];
    int64_t s[3] = {dusk_ndarray_shape(x)[0], dusk_ndarray_shape(x)[1], 1};
    dusk_value *r = dusk_ndarray_empty(DUSK_DT_F8, 3, s);
    if (!r)
        return dusk_error_set(err, DUSK_ENOMEM, "no memory");
    memcpy(dusk_ndarray_data(r), dusk_ndarray_data(x), (size_t)(s[0] * s[1]) * sizeof(double));
    *out = r;
    return 0;
}
static const dusk_block_func newax = DUSK_BLOCK_FUNC(newax, "newax", newax_fn, NULL);

/* every other row (chunks "(3, 5)" of 5-row blocks) */
static int half_fn(const dusk_block *b, dusk_value **out, dusk_error *err, void *ud)
{
    (void)err;
    (void)ud;
    const dusk_value *x = b->in[0];
    const int64_t *s = dusk_ndarray_shape(x);
    int64_t rs[2] = {(s[0] + 1) / 2, s[1]};
    dusk_value *r = dusk_ndarray_empty(DUSK_DT_F8, 2, rs);
    if (!r)
        return DUSK_ENOMEM;
    const double *p = dusk_ndarray_data(x);
    double *o = dusk_ndarray_data(r);
    for (int64_t i = 0; i < rs[0]; i++)
        memcpy(o + i * s[1], p + 2 * i * s[1], (size_t)s[1] * sizeof *o);
    *out = r;
    return 0;
}
static const dusk_block_func half = DUSK_BLOCK_FUNC(half, "half", half_fn, NULL);

/* a @ b of two 2-d float64 blocks; with tuples (blockwise without
 * concatenate) the sum of the products of their items */
static int matmul1(const dusk_value *a, const dusk_value *b, double *o, int64_t m, int64_t n)
{
    const int64_t *sa = dusk_ndarray_shape(a), *sb = dusk_ndarray_shape(b);
    if (sa[1] != sb[0] || sa[0] != m || sb[1] != n)
        return -1;
    const double *pa = dusk_ndarray_data(a), *pb = dusk_ndarray_data(b);
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++)
            for (int64_t k = 0; k < sa[1]; k++)
                o[i * n + j] += pa[i * sa[1] + k] * pb[k * n + j];
    return 0;
}
static int dot_fn(const dusk_block *b, dusk_value **out, dusk_error *err, void *ud)
{
    (void)ud;
    dusk_value *r = dusk_ndarray_new(DUSK_DT_F8, 2, b->chunk_shape);  /* zeros */
    if (!r)
        return DUSK_ENOMEM;
    const dusk_value *x = b->in[0], *y = b->in[1];
    int bad = 0;
    if (dusk_value_kind(x) == DUSK_KIND_TUPLE) {
        if (dusk_tuple_len(x) != dusk_tuple_len(y))
            bad = 1;
        for (size_t k = 0; !bad && k < dusk_tuple_len(x); k++)
            bad = matmul1(dusk_tuple_get(x, k), dusk_tuple_get(y, k), dusk_ndarray_data(r),
                          b->chunk_shape[0], b->chunk_shape[1]);
    } else {
        bad = matmul1(x, y, dusk_ndarray_data(r), b->chunk_shape[0], b->chunk_shape[1]);
    }
    if (bad) {
        dusk_value_unref(r);
        return dusk_error_set(err, DUSK_EINVAL, "dot: blocks do not fit");
    }
    *out = r;
    return 0;
}
static const dusk_block_func dot = DUSK_BLOCK_FUNC(dot, "dot", dot_fn, NULL);

static int add2_fn(const dusk_block *b, dusk_value **out, dusk_error *err, void *ud)
{
    (void)ud;
    (void)b;
    (void)out;
    return dusk_error_set(err, DUSK_EINVAL, "never called");
}
static const dusk_block_func add = DUSK_BLOCK_FUNC(add, "add", add2_fn, NULL);

static double fma_fn(const double *x, int n, void *ud)
{
    (void)ud;
    return n == 2 ? x[0] * x[1] + 1 : -1;
}
static const dusk_block_func f = DUSK_SCALAR_FUNC(f, "f", fma_fn, NULL);

/* sum with keepdims over b->axes, for the chunk, combine and aggregate
 * steps (as numpy's sum(axis=..., keepdims=...)) */
static int sum_fn(const dusk_block *b, dusk_value **out, dusk_error *err, void *ud)
{
    (void)err;
    (void)ud;
    const dusk_value *x = b->in[0];
    int nd = dusk_ndarray_ndim(x);
    const int64_t *s = dusk_ndarray_shape(x);
    int64_t ks[DUSK_MAXDIMS], os[DUSK_MAXDIMS];
    int on = 0;
    for (int d = 0; d < nd; d++) {
        int red = (int)((b->axes >> d) & 1);
        ks[d] = red ? 1 : s[d];
        if (!red || b->keepdims)
            os[on++] = ks[d];
    }
    dusk_value *r = dusk_ndarray_new(DUSK_DT_F8, on, os);
    if (!r)
        return DUSK_ENOMEM;
    const double *p = dusk_ndarray_data(x);
    double *o = dusk_ndarray_data(r);
    int64_t n = dusk_ndarray_size(x), idx[DUSK_MAXDIMS] = {0};
    for (int64_t k = 0; k < n; k++) {
        int64_t at = 0;
        for (int d = 0; d < nd; d++)
            at = at * ks[d] + (ks[d] == 1 ? 0 : idx[d]);
        o[at] += p[k];
        for (int d = nd - 1; d >= 0 && ++idx[d] == s[d]; d--)
            idx[d] = 0;
    }
    *out = r;
    return 0;
}
static const dusk_block_func c = DUSK_BLOCK_FUNC(c, "c", sum_fn, NULL);

/* Two functions of one name that differ in what they do: each block
 * times *ud (a block function, a scalar one, and a sum that scales). */
static double by2 = 2, by3 = 3, by10 = 10;
static int scale_fn(const dusk_block *b, dusk_value **out, dusk_error *err, void *ud)
{
    (void)err;
    const dusk_value *x = b->in[0];
    dusk_value *r = dusk_ndarray_empty(DUSK_DT_F8, dusk_ndarray_ndim(x), dusk_ndarray_shape(x));
    if (!r)
        return DUSK_ENOMEM;
    const double *p = dusk_ndarray_data(x);
    double *o = dusk_ndarray_data(r);
    for (int64_t k = 0; k < dusk_ndarray_size(x); k++)
        o[k] = p[k] * *(const double *)ud;
    *out = r;
    return 0;
}
static const dusk_block_func scale2 = DUSK_BLOCK_FUNC(scale2, "scale", scale_fn, &by2);
static const dusk_block_func scale3 = DUSK_BLOCK_FUNC(scale3, "scale", scale_fn, &by3);
static double sscale_fn(const double *x, int n, void *ud)
{
    (void)n;
    return x[0] * *(const double *)ud;
}
static const dusk_block_func sscale2 = DUSK_SCALAR_FUNC(sscale2, "sscale", sscale_fn, &by2);
static const dusk_block_func sscale3 = DUSK_SCALAR_FUNC(sscale3, "sscale", sscale_fn, &by3);
static int sum_scaled_fn(const dusk_block *b, dusk_value **out, dusk_error *err, void *ud)
{
    int rc = sum_fn(b, out, err, NULL);
    double *o = rc ? NULL : dusk_ndarray_data(*out);
    for (int64_t k = 0; !rc && k < dusk_ndarray_size(*out); k++)
        o[k] *= *(const double *)ud;
    return rc;
}
static const dusk_block_func c10 = DUSK_BLOCK_FUNC(c10, "c", sum_scaled_fn, &by10);

/* each block plus the sum of the elements of args[0] (an ndarray of
 * float64, or a tuple whose first item is one) */
static int addarg_fn(const dusk_block *b, dusk_value **out, dusk_error *err, void *ud)
{
    (void)ud;
    const dusk_value *a = dusk_tuple_get(b->args, 0);
    while (dusk_value_kind(a) == DUSK_KIND_TUPLE)
        a = dusk_tuple_get(a, 0);
    if (dusk_value_kind(a) != DUSK_KIND_NDARRAY || !dusk_ndarray_is_contiguous(a))
        return dusk_error_set(err, DUSK_ETYPE, "addarg wants a contiguous ndarray argument");
    double plus = 0;
    for (int64_t k = 0; k < dusk_ndarray_size(a); k++)
        plus += ((const double *)dusk_ndarray_data(a))[k];
    const dusk_value *x = b->in[0];
    dusk_value *r = dusk_ndarray_empty(DUSK_DT_F8, dusk_ndarray_ndim(x), dusk_ndarray_shape(x));
    if (!r)
        return DUSK_ENOMEM;
    const double *p = dusk_ndarray_data(x);
    double *o = dusk_ndarray_data(r);
    for (int64_t k = 0; k < dusk_ndarray_size(x); k++)
        o[k] = p[k] + plus;
    *out = r;
    return 0;
}
static const dusk_block_func addarg = DUSK_BLOCK_FUNC(addarg, "addarg", addarg_fn, NULL);

/* the sum of all its inputs (of one shape) */
static int sumin_fn(const dusk_block *b, dusk_value **out, dusk_error *err, void *ud)
{
    (void)err;
    (void)ud;
    const dusk_value *x = b->in[0];
    dusk_value *r = dusk_ndarray_new(DUSK_DT_F8, dusk_ndarray_ndim(x), dusk_ndarray_shape(x));
    if (!r)
        return DUSK_ENOMEM;
    double *o = dusk_ndarray_data(r);
    for (size_t i = 0; i < b->nin; i++)
        for (int64_t k = 0; k < dusk_ndarray_size(x); k++)
            o[k] += ((const double *)dusk_ndarray_data(b->in[i]))[k];
    *out = r;
    return 0;
}
static const dusk_block_func sumin = DUSK_BLOCK_FUNC(sumin, "sumin", sumin_fn, NULL);

/* failures: an error of its own, a wrong shape, a wrong dtype, nothing */
static int fails_fn(const dusk_block *b, dusk_value **out, dusk_error *err, void *ud)
{
    int how = (int)(intptr_t)ud;
    if (b->block_id[0] != 1 || b->block_id[1] != 2)
        return normalise_fn(b, out, err, NULL);
    int64_t s[2] = {2, 2};
    switch (how) {
    case 0:
        return dusk_error_set(err, DUSK_EINVAL, "the sensor of this block is broken");
    case 1:
        *out = dusk_ndarray_new(DUSK_DT_F8, 2, s);
        return 0;
    case 2:
        *out = dusk_ndarray_new(DUSK_DT_F4, b->ndim, b->chunk_shape);
        return 0;
    case 3:
        *out = dusk_int(3);
        return 0;
    default:
        return DUSK_EIO;   /* and no message */
    }
}
static const dusk_block_func fails0 = DUSK_BLOCK_FUNC(fails0, "fails", fails_fn, (void *)0);
static const dusk_block_func fails1 = DUSK_BLOCK_FUNC(fails1, "fails", fails_fn, (void *)1);
static const dusk_block_func fails2 = DUSK_BLOCK_FUNC(fails2, "fails", fails_fn, (void *)2);
static const dusk_block_func fails3 = DUSK_BLOCK_FUNC(fails3, "fails", fails_fn, (void *)3);
static const dusk_block_func fails4 = DUSK_BLOCK_FUNC(fails4, "fails", fails_fn, (void *)4);

/* --- helpers --------------------------------------------------------------------- */

/* "total;op=n,op=n" with the layers' ops in alphabetical order and the
 * tasks of layers of one op added up: what the Python side prints too. */
static void signature(const dusk_array *a, char *buf, size_t n)
{
    layer_signature(a, buf, n);
}

static void all_chunks(const dusk_array *a, char *buf, size_t n)
{
    all_chunks_text(a, buf, n);
}

static const double *values(dusk_array *a, const char *what)
{
    dusk_value *v = compute_with(a, NULL, what);
    return dusk_ndarray_data(v);
}

static void assert_built(const dusk_array *a)
{
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_array_status(a, &err))
        fail_msg("building failed: %s", err.msg);
}

/* The cases compared with Dask: each builds one expression in dusk; the
 * Python below builds the same in Dask, in the same order. */
#define NCASES 16
static dusk_array *build_case(dusk_array_ctx *ctx, int k)
{
    dusk_array *x = dusk_ones(ctx, DUSK_SHAPE(15, 15), "(5, 5)", DUSK_DT_F8);
    dusk_array *y = dusk_ones(ctx, DUSK_SHAPE(15, 10), "(5, 4)", DUSK_DT_F8);
    dusk_array *z = dusk_ones(ctx, DUSK_SHAPE(15, 15), "(3, 5)", DUSK_DT_F8);
    dusk_array *v = dusk_ones(ctx, DUSK_SHAPE(100), "5", DUSK_DT_F8);
    dusk_array *col = dusk_ones(ctx, DUSK_SHAPE(15, 1), "5", DUSK_DT_F8);
    dusk_map_options o = DUSK_MAP_OPTIONS_INIT;
    switch (k) {
    case 0:
        return dusk_map_blocks(&normalise, &x, 1, DUSK_DT_F8, NULL);
    case 1:
        o.name = "mynorm";
        return dusk_map_blocks(&normalise, &x, 1, DUSK_DT_F8, &o);
    case 2:
        o.drop_axis = DUSK_AXIS(1);
        return dusk_map_blocks(&rowsum, &x, 1, DUSK_DT_F8, &o);
    case 3:
        o.new_axis = DUSK_AXIS(2);
        return dusk_map_blocks(&newax, &x, 1, DUSK_DT_F8, &o);
    case 4:
        o.chunks = "(3, 5)";
        return dusk_map_blocks(&half, &x, 1, DUSK_DT_F8, &o);
    case 5: {
        dusk_array *in[2] = {x, y};
        return dusk_blockwise(&dot, "ij,jk->ik", in, 2, DUSK_DT_F8, true, NULL);
    }
    case 6: {
        dusk_array *in[2] = {x, dusk_array_transpose(z, NULL)};
        return dusk_blockwise(&add, "ij,ji->ij", in, 2, DUSK_DT_F8, false, NULL);
    }
    case 7: {
        dusk_array *in[2] = {x, y};
        return dusk_blockwise(&dot, "ij,jk->ik", in, 2, DUSK_DT_F8, false, NULL);
    }
    case 8: {
        dusk_array *in[2] = {x, col};
        return dusk_elemwise(&f, in, 2, DUSK_DT_F8, NULL);
    }
    case 9: {
        dusk_array *in[2] = {x, z};
        return dusk_elemwise(&f, in, 2, DUSK_DT_F8, NULL);
    }
    case 10:
        return dusk_array_reduction(x, &c, NULL, &c, DUSK_AXIS(0), false, DUSK_DT_F8, 0, NULL);
    case 11:
        return dusk_array_reduction(v, &c, &c, &c, DUSK_AXIS(0), false, DUSK_DT_F8, 0, NULL);
    case 12:
        return dusk_array_reduction(v, &c, NULL, &c, DUSK_AXIS(0), false, DUSK_DT_F8, 0,
                                    "mysum");
    case 13: {
        dusk_array *row = dusk_ones(ctx, DUSK_SHAPE(15), "5", DUSK_DT_F8);
        dusk_array *in[2] = {x, row};
        return dusk_map_blocks(&add, in, 2, DUSK_DT_F8, NULL);
    }
    case 14:
        o.chunks = "(5, 5, 3)";
        return dusk_blockwise(&where, "ij->ijk", &x, 1, DUSK_DT_F8, true, &o);
    default:
        o.chunks = "(2, 5, 3)";
        return dusk_blockwise(&where, "ij->ijk", &x, 1, DUSK_DT_F8, true, &o);
    }
}

/* Dask's graphs of the cases (Dask 2022.12.1, the script below). */
static const char *const dask_sigs[NCASES] = {
    "18;normalise=9,ones_like=9",
    "18;mynorm=9,ones_like=9",
    "12;ones_like=9,rowsum=3",
    "18;newax=9,ones_like=9",
    "18;half=9,ones_like=9",
    "27;dot=9,ones_like=18",
    "135;add=21,ones_like=24,rechunk-merge=75,transpose=15",
    "27;dot=9,ones_like=18",
    "21;f=9,ones_like=12",
    "120;f=21,ones_like=24,rechunk-merge=75",
    "21;c=9,c-aggregate=3,ones_like=9",
    "48;c=20,c-aggregate=1,c-partial=7,ones_like=20",
    "48;mysum=20,mysum-aggregate=1,mysum-partial=7,ones_like=20",
    "21;add=9,ones_like=12",
    "18;ones_like=9,where=9",
    "18;ones_like=9,where=9",
};

static const char *const py_cases =
    "import dask.array as da, numpy as np\n"
    "from dask.array.core import elemwise\n"
    "def normalise(b): return b - b.mean()\n"
    "def rowsum(b): return b.sum(axis=1)\n"
    "def newax(b): return b[:, :, None]\n"
    "def half(b): return b[::2]\n"
    "def dot(a, b): return a @ b\n"
    "def add(a, b): return a + b.T\n"
    "def f(a, b): return a * b + 1\n"
    "def c(b, axis, keepdims): return b.sum(axis=axis, keepdims=keepdims)\n"    "def where(b): return np.broadcast_to(b[:, :, None], b.shape + (3,))\n"
    "x = da.ones((15, 15), chunks=(5, 5)); y = da.ones((15, 10), chunks=(5, 4))\n"
    "z = da.ones((15, 15), chunks=(3, 5)); v = da.ones((100,), chunks=5)\n"
    "col = da.ones((15, 1), chunks=5)\n"
    "cases = [x.map_blocks(normalise, dtype='f8'),\n"
    " da.map_blocks(normalise, x, dtype='f8', name='mynorm'),\n"
    " x.map_blocks(rowsum, drop_axis=1, dtype='f8'),\n"
    " x.map_blocks(newax, new_axis=2, dtype='f8'),\n"
    " x.map_blocks(half, chunks=(3, 5), dtype='f8'),\n"
    " da.blockwise(dot, 'ik', x, 'ij', y, 'jk', dtype='f8', concatenate=True),\n"
    " da.blockwise(add, 'ij', x, 'ij', z.T, 'ji', dtype='f8'),\n"
    " da.blockwise(dot, 'ik', x, 'ij', y, 'jk', dtype='f8'),\n"
    " elemwise(f, x, col), elemwise(f, x, z),\n"
    " da.reduction(x, c, c, axis=0, dtype='f8'),\n"
    " da.reduction(v, c, c, combine=c, axis=0, dtype='f8'),\n"
    " da.reduction(v, c, c, axis=0, dtype='f8', name='mysum'),\n"
    " da.map_blocks(add, x, da.ones((15,), chunks=5), dtype='f8'),\n"
    " da.blockwise(where, 'ijk', x, 'ij', new_axes={'k': 3}, dtype='f8'),\n"
    " da.blockwise(where, 'ijk', x, 'ij', new_axes={'k': 3}, adjust_chunks={'i': 2},"
    " dtype='f8')]\n"
    "from dask.utils import key_split\n"
    "for a in cases:\n"
    "    g = a.__dask_graph__(); cnt = {}\n"
    "    for name, layer in g.layers.items():\n"
    "        op = key_split(name); cnt[op] = cnt.get(op, 0) + len(layer)\n"
    "    print('%d;%s' % (len(g), ','.join('%s=%d' % (k, cnt[k]) for k in sorted(cnt))))\n";

/* --- tests ---------------------------------------------------------------------------- */

static void test_graphs_as_dask(void **state)
{
    dusk_array_ctx *ctx = *state;
    for (int k = 0; k < NCASES; k++) {
        dusk_array *a = build_case(ctx, k);
        assert_built(a);
        char sig[512];
        signature(a, sig, sizeof sig);
        if (strcmp(sig, dask_sigs[k]) != 0)
            fail_msg("case %d: dusk builds %s, Dask %s", k, sig, dask_sigs[k]);
    }
    /* and the chunks Dask gives them */
    char buf[512];
    all_chunks(build_case(ctx, 2), buf, sizeof buf);
    assert_string_equal(buf, "((5, 5, 5,),)");
    all_chunks(build_case(ctx, 3), buf, sizeof buf);
    assert_string_equal(buf, "((5, 5, 5,), (5, 5, 5,), (1,))");
    all_chunks(build_case(ctx, 4), buf, sizeof buf);
    assert_string_equal(buf, "((3, 3, 3,), (5, 5, 5,))");
    all_chunks(build_case(ctx, 5), buf, sizeof buf);
    assert_string_equal(buf, "((5, 5, 5,), (4, 4, 2,))");
    all_chunks(build_case(ctx, 9), buf, sizeof buf);
    assert_string_equal(buf, "((3, 2, 1, 3, 1, 2, 3,), (5, 5, 5,))");
    all_chunks(build_case(ctx, 15), buf, sizeof buf);
    assert_string_equal(buf, "((2, 2, 2,), (5, 5, 5,), (3,))");
    /* and the blocks hold what the function made for each */
    const double *w = values(build_case(ctx, 15), "blockwise new axis");
    assert_true(w[((5 * 15) + 14) * 3 + 2] == 20200);   /* element (5, 14, 2): block (2, 2, 0) */
    /* layer names: the function's, or the name given, then a token */
    assert_true(strncmp(dusk_array_name(build_case(ctx, 0)), "normalise-", 10) == 0);
    assert_int_equal(strlen(dusk_array_name(build_case(ctx, 1))), strlen("mynorm-") + 32);
    /* the same expression twice has the same keys; other args, others */
    assert_string_equal(dusk_array_name(build_case(ctx, 0)), dusk_array_name(build_case(ctx, 0)));
}

static void test_graphs_checked_with_dask(void **state)
{
    (void)state;
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 -c \"$(cat <<'EOF'\n%sEOF\n)\" 2>&1", py_cases);
    int status;
    char *out = run_command(cmd, &status);
    if (status != 0)
        fail_msg("python3-dask (/usr/bin/python3, install-deps installs it) failed:\n%s", out);
    char *line = out, *save = NULL;
    for (int k = 0; k < NCASES; k++) {
        char *l = strtok_r(k ? NULL : line, "\n", &save);
        assert_non_null(l);
        if (strcmp(l, dask_sigs[k]) != 0)
            fail_msg("case %d: Dask builds %s, the test keeps %s", k, l, dask_sigs[k]);
    }
    free(out);
}

static void test_map_blocks_values(void **state)
{
    dusk_array_ctx *ctx = *state;
    int64_t sh[2] = {15, 12};
    double *data = fill_buffer(DUSK_DT_F8, 2, sh, 7);
    dusk_array *x = dusk_from_buffer(ctx, data, DUSK_DT_F8, DUSK_SHAPE(15, 12), "(5, 4)");
    /* each block less its mean */
    const double *r = values(dusk_map_blocks(&normalise, &x, 1, DUSK_DT_F8, NULL), "normalise");
    for (int bi = 0; bi < 3; bi++)
        for (int bj = 0; bj < 3; bj++) {
            double s = 0;
            for (int i = 0; i < 5; i++)
                for (int j = 0; j < 4; j++)
                    s += data[(bi * 5 + i) * 12 + bj * 4 + j];
            for (int i = 0; i < 5; i++)
                for (int j = 0; j < 4; j++) {
                    int at = (bi * 5 + i) * 12 + bj * 4 + j;
                    assert_true(close_enough(r[at], data[at] - s / 20, 1e-12, 1e-12));
                }
        }
    /* the block index and the extra arguments reach the function */
    dusk_map_options o = DUSK_MAP_OPTIONS_INIT;
    dusk_value *items[1] = {dusk_float(7)};
    dusk_value *args = dusk_tuple_of(1, items);
    o.args = args;
    r = values(dusk_map_blocks(&where, &x, 1, DUSK_DT_F8, &o), "where");
    dusk_value_unref(args);
    for (int i = 0; i < 15; i++)
        for (int j = 0; j < 12; j++)
            assert_true(r[i * 12 + j] == 70000 + 100 * (i / 5) + j / 4);
    /* drop_axis: the blocks along it are joined first, so rows sum whole */
    o = (dusk_map_options)DUSK_MAP_OPTIONS_INIT;
    o.drop_axis = DUSK_AXIS(-1);
    dusk_array *rs = dusk_map_blocks(&rowsum, &x, 1, DUSK_DT_F8, &o);
    assert_int_equal(dusk_array_ndim(rs), 1);
    assert_int_equal(dusk_array_nchunks(rs), 3);
    r = values(rs, "rowsum");
    for (int i = 0; i < 15; i++) {
        double s = 0;
        for (int j = 0; j < 12; j++)
            s += data[i * 12 + j];
        assert_true(close_enough(r[i], s, 1e-12, 1e-12));
    }
    /* new_axis and chunks */
    o = (dusk_map_options)DUSK_MAP_OPTIONS_INIT;
    o.new_axis = DUSK_AXIS(2);
    dusk_array *n3 = dusk_map_blocks(&newax, &x, 1, DUSK_DT_F8, &o);
    assert_int_equal(dusk_array_ndim(n3), 3);
    r = values(n3, "newax");
    assert_memory_equal(r, data, 15 * 12 * sizeof(double));
    o = (dusk_map_options)DUSK_MAP_OPTIONS_INIT;
    o.chunks = "(3, 4)";
    dusk_array *h = dusk_map_blocks(&half, &x, 1, DUSK_DT_F8, &o);
    assert_int_equal(dusk_array_shape(h)[0], 9);
    r = values(h, "half");
    for (int i = 0; i < 9; i++)
        for (int j = 0; j < 12; j++)
            assert_true(r[i * 12 + j] == data[((i / 3) * 5 + (i % 3) * 2) * 12 + j]);
    /* the output's own chunks per block, and a new axis of 2 blocks */
    o.chunks = "((3, 3, 3), 4, (2, 1))";
    o.new_axis = DUSK_AXIS(2);
    dusk_array *w = dusk_map_blocks(&where, &x, 1, DUSK_DT_F8, &o);
    char buf[256];
    all_chunks(w, buf, sizeof buf);
    assert_string_equal(buf, "((3, 3, 3,), (4, 4, 4,), (2, 1,))");
    r = values(w, "where, new axis");
    assert_true(r[(8 * 12 + 11) * 3 + 2] == 20201);
    free(data);
}

static void test_map_blocks_on_the_threaded_scheduler(void **state)
{
    dusk_array_ctx *ctx = *state;
    dusk_array *x = dusk_random_normal(ctx, 3, 0, 1, DUSK_SHAPE(200, 300), "(20, 30)");
    dusk_array *y = dusk_map_blocks(&normalise, &x, 1, DUSK_DT_F8, NULL);
    /* every block's mean is 0 now: the sum of each block, as a reduction of
     * the user's own, is 0 too */
    dusk_array *s = dusk_array_reduction(y, &c, &c, &c, DUSK_ALL_AXES, false, DUSK_DT_F8, 3,
                                         NULL);
    for (int k = 0; k < 2; k++) {
        dusk_options opt = opts_of(k ? DUSK_SCHED_THREADS : DUSK_SCHED_SYNC, 2);
        dusk_value *v = compute_with(s, &opt, "sum of normalised");
        assert_true(close_enough(*(const double *)dusk_ndarray_data(v), 0, 0, 1e-9));
    }
}

static void test_blockwise(void **state)
{
    dusk_array_ctx *ctx = *state;
    int64_t sa[2] = {9, 7}, sb[2] = {7, 5};
    double *a = fill_buffer(DUSK_DT_F8, 2, sa, 1), *b = fill_buffer(DUSK_DT_F8, 2, sb, 2);
    double want[9 * 5] = {0};
    for (int i = 0; i < 9; i++)
        for (int j = 0; j < 5; j++)
            for (int k = 0; k < 7; k++)
                want[i * 5 + j] += a[i * 7 + k] * b[k * 5 + j];
    dusk_array *in[2] = {dusk_from_buffer(ctx, a, DUSK_DT_F8, DUSK_SHAPE(9, 7), "(4, 3)"),
                         dusk_from_buffer(ctx, b, DUSK_DT_F8, DUSK_SHAPE(7, 5), "(2, 2)")};
    for (int concat = 0; concat < 2; concat++) {
        /* the inner axis's chunks differ, (3, 3, 1) and (2, 2, 2, 1): both
         * are rechunked to (2, 1, 1, 2, 1) */
        dusk_array *p = dusk_blockwise(&dot, "ij,jk->ik", in, 2, DUSK_DT_F8, concat, NULL);
        assert_built(p);
        assert_true(count_op(p, "rechunk-merge") > 0);
        const double *r = values(p, "blockwise dot");
        for (int k = 0; k < 45; k++)
            assert_true(close_enough(r[k], want[k], 1e-12, 1e-12));
    }
    /* errors name what is wrong */
    assert_error(dusk_blockwise(&dot, "ij,jk", in, 2, DUSK_DT_F8, true, NULL), DUSK_EINVAL,
                 "blockwise: indices \"ij,jk\"", "->");
    assert_error(dusk_blockwise(&dot, "ijk,jk->ik", in, 2, DUSK_DT_F8, true, NULL), DUSK_EINVAL,
                 "array 0 has 2 axes", "3");
    assert_error(dusk_blockwise(&dot, "ij,ik->jk", in, 2, DUSK_DT_F8, true, NULL), DUSK_EINVAL,
                 "shapes (9, 7) (array 0) and (7, 5) (array 1) do not match", "axis 0");
    assert_error(dusk_blockwise(&dot, "ii,jk->ik", in, 2, DUSK_DT_F8, true, NULL), DUSK_EINVAL,
                 "names index 'i' twice", NULL);
    free(a);
    free(b);
}

/* Dask's blockwise(name=) and from_array(name=): the whole name, no token */
static void test_whole_names(void **state)
{
    dusk_array_ctx *ctx = *state;
    int64_t sa[2] = {9, 7}, sb[2] = {7, 5};
    double *a = fill_buffer(DUSK_DT_F8, 2, sa, 1), *b = fill_buffer(DUSK_DT_F8, 2, sb, 2);
    dusk_array *in[2] = {dusk_from_buffer_named(ctx, a, DUSK_DT_F8, DUSK_SHAPE(9, 7), "(4, 3)",
                                                "left"),
                         dusk_from_buffer(ctx, b, DUSK_DT_F8, DUSK_SHAPE(7, 5), "(2, 2)")};
    assert_built(in[0]);
    assert_string_equal(dusk_array_name(in[0]), "left");
    assert_int_equal(count_op(in[0], "original-left"), 1);
    assert_true(strncmp(dusk_array_name(in[1]), "array-", 6) == 0);
    dusk_map_options o = DUSK_MAP_OPTIONS_INIT;
    o.name = "product";
    o.whole_name = true;
    dusk_array *p = dusk_blockwise(&dot, "ij,jk->ik", in, 2, DUSK_DT_F8, true, &o);
    assert_built(p);
    assert_string_equal(dusk_array_name(p), "product");
    o.whole_name = false;   /* a name before the token */
    dusk_array *q = dusk_blockwise(&dot, "ij,jk->ik", in, 2, DUSK_DT_F8, true, &o);
    assert_true(strncmp(dusk_array_name(q), "product-", 8) == 0 &&
                strlen(dusk_array_name(q)) == 8 + 32);
    const double *r = values(p, "whole-named dot");
    double *rq = malloc(45 * sizeof *rq);
    assert_non_null(rq);
    memcpy(rq, r, 45 * sizeof *rq);
    const double *r2 = values(q, "prefixed dot");
    for (int k = 0; k < 45; k++)
        assert_true(rq[k] == r2[k]);
    free(rq);
    assert_error(dusk_from_buffer_named(ctx, a, DUSK_DT_F8, DUSK_SHAPE(9, 7), "(4, 3)", ""),
                 DUSK_EINVAL, "from_buffer: the name is empty", NULL);
    free(a);
    free(b);
}

static void test_elemwise(void **state)
{
    dusk_array_ctx *ctx = *state;
    int64_t sa[2] = {15, 15}, sb[1] = {15};
    double *a = fill_buffer(DUSK_DT_F8, 2, sa, 3), *b = fill_buffer(DUSK_DT_F8, 1, sb, 4);
    dusk_array *in[2] = {dusk_from_buffer(ctx, a, DUSK_DT_F8, DUSK_SHAPE(15, 15), "(5, 5)"),
                         dusk_from_buffer(ctx, b, DUSK_DT_F8, DUSK_SHAPE(15), "(3,)")};
    /* broadcasting, chunks unified (5 and 3: (3, 2, 1, 3, 1, 2, 3) along the
     * last axis), float64 through to int32 */
    dusk_array *e = dusk_elemwise(&f, in, 2, DUSK_DT_F8, NULL);
    assert_int_equal(dusk_array_numblocks(e, 1), 7);
    const double *r = values(e, "elemwise");
    for (int i = 0; i < 15; i++)
        for (int j = 0; j < 15; j++)
            assert_true(r[i * 15 + j] == a[i * 15 + j] * b[j] + 1);
    dusk_value *v = compute_with(dusk_elemwise(&f, in, 2, DUSK_DT_I4, "fi"), NULL, "to i4");
    assert_int_equal(dusk_ndarray_dtype(v), DUSK_DT_I4);
    assert_int_equal(((const int32_t *)dusk_ndarray_data(v))[17], (int32_t)(a[17] * b[2] + 1));
    /* shapes that do not broadcast; a block function given as scalar */
    dusk_array *bad[2] = {in[0], dusk_ones(ctx, DUSK_SHAPE(4), NULL, DUSK_DT_F8)};
    assert_error(dusk_elemwise(&f, bad, 2, DUSK_DT_F8, NULL), DUSK_EINVAL, "elemwise: shapes",
                 "do not match");
    assert_error(dusk_elemwise(&normalise, in, 2, DUSK_DT_F8, NULL), DUSK_EINVAL,
                 "normalise has no scalar function", NULL);
    free(a);
    free(b);
}

static void test_reduction(void **state)
{
    dusk_array_ctx *ctx = *state;
    int64_t sh[3] = {12, 10, 6};
    double *data = fill_buffer(DUSK_DT_F8, 3, sh, 5);
    dusk_array *x = dusk_from_buffer(ctx, data, DUSK_DT_F8, DUSK_SHAPE(12, 10, 6), "(2, 3, 4)");
    for (int keep = 0; keep < 2; keep++)
        for (int se = 0; se < 3; se++) {
            int split = se == 0 ? 0 : se == 1 ? 2 : 5;
            dusk_array *s = dusk_array_reduction(x, &c, &c, &c, DUSK_AXIS(0) | DUSK_AXIS(2),
                                                 keep, DUSK_DT_F8, split, NULL);
            /* against the builtin sum, which builds the same tree */
            dusk_array *t = dusk_array_reduce(DUSK_RED_SUM, x, DUSK_AXIS(0) | DUSK_AXIS(2),
                                              keep, split, 0);
            assert_int_equal(dusk_array_ntasks(s), dusk_array_ntasks(t));
            assert_int_equal(dusk_array_ndim(s), keep ? 3 : 1);
            const double *r = values(s, "reduction"), *w = values(t, "sum");
            for (int j = 0; j < 10; j++)
                assert_true(close_enough(r[j], w[j], 1e-12, 1e-12));
        }
    assert_error(dusk_array_reduction(x, &c, NULL, &c, DUSK_AXIS(3), false, DUSK_DT_F8, 0, NULL),
                 DUSK_EINVAL, "reduction: axis out of range", "3 dimensions");
    assert_error(dusk_array_reduction(x, &c, NULL, &c, DUSK_AXIS(-4), false, DUSK_DT_F8, 0, NULL),
                 DUSK_EINVAL, "reduction: axis out of range", "3 dimensions: axis -4");
    assert_error(dusk_array_reduction(x, &c, NULL, &c, DUSK_AXIS(2) | DUSK_AXIS(-1), false,
                                      DUSK_DT_F8, 0, NULL),
                 DUSK_EINVAL, "reduction: duplicate value in 'axis'", "axis 2 given twice (as 2 and -1)");
    assert_error(dusk_array_reduction(x, &c, NULL, &c, DUSK_AXIS(0), false, DUSK_DT_F8, 1, NULL),
                 DUSK_EINVAL, "split_every", "not 1");
    assert_error(dusk_array_reduction(x, &c, NULL, NULL, DUSK_AXIS(0), false, DUSK_DT_F8, 0,
                                      NULL),
                 DUSK_EINVAL, "aggregate is NULL", NULL);
    free(data);
}

/* The run's error names the block's key and the function, and says what
 * went wrong with the block. */
static void test_errors_name_the_block(void **state)
{
    dusk_array_ctx *ctx = *state;
    dusk_array *x = dusk_ones(ctx, DUSK_SHAPE(15, 15), "(5, 5)", DUSK_DT_F8);
    const dusk_block_func *fs[5] = {&fails0, &fails1, &fails2, &fails3, &fails4};
    const char *why[5] = {"the sensor of this block is broken",
                          "returned a block of shape (2, 2) where the array's chunks make it (5, 5)",
                          "returned a float32 block where the array is float64",
                          "returned int, not an ndarray block", "returned -"};
    for (int k = 0; k < 5; k++) {
        dusk_array *y = dusk_map_blocks(fs[k], &x, 1, DUSK_DT_F8, NULL);
        char key[256];
        int64_t idx[2] = {1, 2};
        dusk_array_block_key(y, idx, key, sizeof key);
        for (int s = 0; s < 2; s++) {
            dusk_options o = opts_of(s ? DUSK_SCHED_THREADS : DUSK_SCHED_SYNC, 2);
            dusk_value *v = NULL;
            dusk_error err = DUSK_ERROR_INIT;
            int rc = dusk_array_compute(y, &o, &v, &err);
            assert_true(rc < 0);
            assert_null(v);
            if (!contains(err.msg, key) || !contains(err.msg, "(fails)") ||
                !contains(err.msg, why[k]))
                fail_msg("case %d: \"%s\" does not name %s and say \"%s\"", k, err.msg, key,
                         why[k]);
        }
    }
    /* errors found when building */
    dusk_array *y = dusk_ones(ctx, DUSK_SHAPE(15, 15), "(3, 5)", DUSK_DT_F8);
    dusk_array *two[2] = {x, y};
    assert_error(dusk_map_blocks(&normalise, two, 2, DUSK_DT_F8, NULL), DUSK_EINVAL,
                 "map_blocks: the arrays' chunks differ along axis 0 of array 1",
                 "(5, 5, 5) and (3, 3, 3, 3, 3)");
    dusk_map_options o = DUSK_MAP_OPTIONS_INIT;
    o.drop_axis = DUSK_AXIS(2);
    assert_error(dusk_map_blocks(&normalise, &x, 1, DUSK_DT_F8, &o), DUSK_EINVAL,
                 "drop_axis out of range", "2d");
    assert_error(dusk_map_blocks(&normalise, &x, 1, DUSK_DT_F8, &o), DUSK_EINVAL,
                 "drop_axis out of range", "dropped): axis 2");
    o = (dusk_map_options)DUSK_MAP_OPTIONS_INIT;
    o.new_axis = DUSK_AXIS(5);
    assert_error(dusk_map_blocks(&normalise, &x, 1, DUSK_DT_F8, &o), DUSK_EINVAL,
                 "new_axis values do not fill", "the output has 3");
    o.new_axis = 0;
    o.chunks = "(5,)";
    assert_error(dusk_map_blocks(&normalise, &x, 1, DUSK_DT_F8, &o), DUSK_EINVAL,
                 "chunks \"(5,)\" have 1 axes; the output has 2", NULL);
    o.chunks = "((5, 5), 5)";
    assert_error(dusk_map_blocks(&normalise, &x, 1, DUSK_DT_F8, &o), DUSK_EINVAL,
                 "give axis 0 2 blocks where it has 3", NULL);
    o.chunks = "(5, x)";
    assert_error(dusk_map_blocks(&normalise, &x, 1, DUSK_DT_F8, &o), DUSK_EINVAL,
                 "chunks \"(5, x)\" are not a tuple", NULL);
    o = (dusk_map_options)DUSK_MAP_OPTIONS_INIT;
    dusk_value *one = dusk_int(1);
    o.args = one;
    assert_error(dusk_map_blocks(&normalise, &x, 1, DUSK_DT_F8, &o), DUSK_EINVAL,
                 "map_blocks: args must be a tuple, not int", NULL);
    dusk_value_unref(one);
    static const dusk_block_func stray = {{"stray", NULL, NULL}, normalise_fn, NULL, NULL};
    assert_error(dusk_map_blocks(&stray, &x, 1, DUSK_DT_F8, NULL), DUSK_EINVAL,
                 "stray was not made with DUSK_BLOCK_FUNC", NULL);
    assert_error(dusk_map_blocks(&normalise, &x, 1, DUSK_DT_COUNT, NULL), DUSK_EINVAL,
                 "unsupported dtype", NULL);
}

/* A task, given only its values, runs by the function's registered name,
 * as in another process; values that are not a block task's are refused. */
static void test_task_by_name(void **state)
{
    dusk_array_ctx *ctx = *state;
    assert_int_equal(dusk_func_register(&where.func), 0);
    assert_ptr_equal(dusk_func_lookup("where"), &where.func);
    dusk_array *x = dusk_ones(ctx, DUSK_SHAPE(4, 4), "2", DUSK_DT_F8);
    dusk_graph *g;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_array_graph(dusk_map_blocks(&where, &x, 1, DUSK_DT_F8, NULL), &g, &err),
                     0);
    int64_t n = (int64_t)dusk_graph_size(g), ran = 0;
    for (int64_t id = 0; id < n; id++) {
        const dusk_func *fn = dusk_graph_func(g, id);
        if (fn == &where.func)
            ran++;
    }
    assert_int_equal(ran, 4);
    dusk_graph_free(g);
    /* bad values: no params, a wrong mode */
    dusk_value *out = NULL;
    dusk_value *args[2] = {dusk_int(1), dusk_tuple_new(0)};
    const dusk_func *fn = dusk_func_lookup("where");
    assert_int_equal(fn->fn(args, 2, &out, &err, fn->ud), DUSK_EINVAL);
    assert_true(contains(err.msg, "where: a block task takes (params, index, inputs...)"));
    assert_null(out);
    dusk_value_unref(args[0]);
    dusk_value_unref(args[1]);
}

/* --- map_overlap ----------------------------------------------------------------- */

/* The cross-shaped stencil of radius args[0]: each cell the sum of the
 * cells up to r away along one axis (not itself), cells past the grown
 * block counted as 0 (they are trimmed off anyway, or are the array's own
 * edge with boundary 'none'). */
static int cross_fn(const dusk_block *b, dusk_value **out, dusk_error *err, void *ud)
{
    (void)err;
    (void)ud;
    int64_t r = dusk_value_int(dusk_tuple_get(b->args, 0));
    const dusk_value *x = b->in[0];
    const int64_t *s = dusk_ndarray_shape(x);
    dusk_value *o = dusk_ndarray_new(DUSK_DT_F8, 2, s);
    if (!o)
        return DUSK_ENOMEM;
    const double *p = dusk_ndarray_data(x);
    double *q = dusk_ndarray_data(o);
    for (int64_t i = 0; i < s[0]; i++)
        for (int64_t j = 0; j < s[1]; j++)
            for (int64_t k = -r; k <= r; k++) {
                if (k == 0)
                    continue;
                if (i + k >= 0 && i + k < s[0])
                    q[i * s[1] + j] += p[(i + k) * s[1] + j];
                if (j + k >= 0 && j + k < s[1])
                    q[i * s[1] + j] += p[i * s[1] + j + k];
            }
    *out = o;
    return 0;
}
static const dusk_block_func cross = DUSK_BLOCK_FUNC(cross, "cross", cross_fn, NULL);

/* x[i] with i past the edges as the boundary makes it (Dask's pads:
 * reflect and nearest mirror / repeat the edge, periodic wraps). */
static double padded(const double *x, int64_t n0, int64_t n1, int64_t i, int64_t j,
                     dusk_boundary kind)
{
    int64_t at[2] = {i, j}, n[2] = {n0, n1};
    for (int d = 0; d < 2; d++) {
        if (at[d] >= 0 && at[d] < n[d])
            continue;
        switch (kind) {
        case DUSK_BOUNDARY_PERIODIC: at[d] = (at[d] + n[d]) % n[d]; break;
        case DUSK_BOUNDARY_REFLECT: at[d] = at[d] < 0 ? -at[d] - 1 : 2 * n[d] - at[d] - 1; break;
        case DUSK_BOUNDARY_NEAREST: at[d] = at[d] < 0 ? 0 : n[d] - 1; break;
        default: return 0;   /* none and constant 0 */
        }
    }
    return x[at[0] * n1 + at[1]];
}

static const char *const overlap_sigs[] = {
    "85;cross=9,ones_like=9,overlap=58,trim=9",
    "278;concatenate=40,cross=9,full_like=8,getitem=9,ones_like=9,overlap=194,trim=9",
    "286;concatenate=40,cross=9,getitem=25,ones_like=9,overlap=194,trim=9",
    "286;concatenate=40,cross=9,getitem=25,ones_like=9,overlap=194,trim=9",
    "286;concatenate=40,cross=9,getitem=25,ones_like=9,overlap=194,trim=9",
    "57;cross=9,ones_like=9,overlap=30,trim=9",
    "286;concatenate=40,cross=9,getitem=25,ones_like=9,overlap=194,trim=9",
    "233;concatenate=30,cross=6,getitem=20,ones_like=9,overlap=150,rechunk-merge=12,trim=6",
    "67;cross=6,ones_like=9,overlap=34,rechunk-merge=12,trim=6",
    "289;concatenate=72,cross=6,getitem=20,ones_like=9,overlap=150,rechunk-merge=26,trim=6",
};

static dusk_array *overlap_case(dusk_array_ctx *ctx, int k, dusk_value *args)
{
    dusk_array *x = dusk_ones(ctx, DUSK_SHAPE(15, 15), "5", DUSK_DT_F8);
    dusk_array *x2 = dusk_ones(ctx, DUSK_SHAPE(12, 10), "((5, 5, 2), (4, 4, 2))", DUSK_DT_F8);
    static const dusk_boundary kinds[] = {
        DUSK_BOUNDARY_NONE, DUSK_BOUNDARY_CONSTANT, DUSK_BOUNDARY_REFLECT,
        DUSK_BOUNDARY_PERIODIC, DUSK_BOUNDARY_NEAREST, DUSK_BOUNDARY_NONE,
        DUSK_BOUNDARY_REFLECT, DUSK_BOUNDARY_REFLECT, DUSK_BOUNDARY_NONE, DUSK_BOUNDARY_NEAREST};
    int64_t depth[2] = {k < 6 ? 1 : k == 6 ? 2 : 3, k == 5 ? 0 : k < 6 ? 1 : k == 6 ? 2 : 3};
    dusk_map_options o = DUSK_MAP_OPTIONS_INIT;
    o.args = args;
    return dusk_map_overlap(&cross, k < 7 ? x : x2, depth, kinds[k], 0, DUSK_DT_F8, &o);
}

static void test_map_overlap_graphs(void **state)
{
    dusk_array_ctx *ctx = *state;
    dusk_value *r1[1] = {dusk_int(1)};
    dusk_value *args = dusk_tuple_of(1, r1);
    for (int k = 0; k < 10; k++) {
        dusk_array *y = overlap_case(ctx, k, args);
        assert_built(y);
        char sig[512];
        signature(y, sig, sizeof sig);
        if (strcmp(sig, overlap_sigs[k]) != 0)
            fail_msg("map_overlap case %d: dusk builds %s, Dask %s", k, sig, overlap_sigs[k]);
    }
    char buf[256];
    all_chunks(overlap_case(ctx, 7, args), buf, sizeof buf);
    assert_string_equal(buf, "((5, 4, 3,), (4, 6,))");
    dusk_value_unref(args);
    /* and Dask's own, but for its block-info layer of values */
    int status;
    char *out = run_command("/usr/bin/python3 -c \"$(cat <<'EOF'\n"
        "import dask.array as da\nfrom dask.utils import key_split\n"
        "def cross(b): return b\n"
        "x = da.ones((15, 15), chunks=5)\n"
        "x2 = da.ones((12, 10), chunks=((5, 5, 2), (4, 4, 2)))\n"
        "cases = [(x, 1, 'none'), (x, 1, 0), (x, 1, 'reflect'), (x, 1, 'periodic'),"
        " (x, 1, 'nearest'), (x, {0: 1, 1: 0}, 'none'), (x, 2, 'reflect'), (x2, 3, 'reflect'),"
        " (x2, 3, 'none'), (x2, 3, 'nearest')]\n"
        "for a, depth, b in cases:\n"
        "    g = a.map_overlap(cross, depth=depth, boundary=b, dtype='f8').__dask_graph__()\n"
        "    cnt = {}\n"
        "    for name, layer in g.layers.items():\n"
        "        op = key_split(name)\n"
        "        if op != 'block-info': cnt[op] = cnt.get(op, 0) + len(layer)\n"
        "    print('%d;%s' % (sum(cnt.values()), ','.join('%s=%d' % (k, cnt[k]) for k in sorted(cnt))))\n"
        "EOF\n)\" 2>&1", &status);
    if (status != 0)
        fail_msg("python3-dask failed:\n%s", out);
    char *save = NULL;
    for (int k = 0; k < 10; k++) {
        char *l = strtok_r(k ? NULL : out, "\n", &save);
        if (!l || strcmp(l, overlap_sigs[k]) != 0)
            fail_msg("map_overlap case %d: Dask builds %s, the test keeps %s", k, l ? l : "nothing",
                     overlap_sigs[k]);
    }
    free(out);
}

static void test_map_overlap_values(void **state)
{
    dusk_array_ctx *ctx = *state;
    int64_t sh[2] = {13, 11};
    double *data = fill_buffer(DUSK_DT_F8, 2, sh, 9);
    dusk_array *x = dusk_from_buffer(ctx, data, DUSK_DT_F8, DUSK_SHAPE(13, 11), "((5, 2, 6), (4, 7))");
    for (int r = 1; r <= 2; r++) {
        dusk_value *it[1] = {dusk_int(r)};
        dusk_value *args = dusk_tuple_of(1, it);
        for (int kind = 0; kind <= DUSK_BOUNDARY_NEAREST; kind++) {
            int64_t depth[2] = {r, r};
            dusk_map_options o = DUSK_MAP_OPTIONS_INIT;
            o.args = args;
            dusk_array *y = dusk_map_overlap(&cross, x, depth, (dusk_boundary)kind, 0, DUSK_DT_F8,
                                             &o);
            char what[64];
            snprintf(what, sizeof what, "map_overlap radius %d boundary %d", r, kind);
            const double *v = values(y, what);
            for (int64_t i = 0; i < 13; i++)
                for (int64_t j = 0; j < 11; j++) {
                    double want = 0;
                    for (int64_t k = -r; k <= r; k++)
                        if (k)
                            want += padded(data, 13, 11, i + k, j, (dusk_boundary)kind) +
                                    padded(data, 13, 11, i, j + k, (dusk_boundary)kind);
                    if (!close_enough(v[i * 11 + j], want, 1e-12, 1e-12))
                        fail_msg("%s: (%lld, %lld) is %g, want %g", what, (long long)i,
                                 (long long)j, v[i * 11 + j], want);
                }
        }
        dusk_value_unref(args);
    }
    /* a boundary per axis (Dask's boundary={0: 'reflect', 1: 'none'}): each
     * term of the cross leaves the array along one axis only */
    static const dusk_boundary pairs[][2] = {
        {DUSK_BOUNDARY_REFLECT, DUSK_BOUNDARY_NONE}, {DUSK_BOUNDARY_NONE, DUSK_BOUNDARY_PERIODIC},
        {DUSK_BOUNDARY_NEAREST, DUSK_BOUNDARY_CONSTANT}, {DUSK_BOUNDARY_PERIODIC, DUSK_BOUNDARY_REFLECT}};
    const double zeros[2] = {0, 0};
    for (int k = 0; k < 4; k++) {
        dusk_value *it[1] = {dusk_int(2)};
        dusk_value *args = dusk_tuple_of(1, it);
        int64_t depth[2] = {2, 2};
        dusk_map_options o = DUSK_MAP_OPTIONS_INIT;
        o.args = args;
        dusk_array *y = dusk_map_overlap_axes(&cross, x, depth, pairs[k], zeros, true, DUSK_DT_F8,
                                              &o);
        dusk_value_unref(args);
        char what[64];
        snprintf(what, sizeof what, "map_overlap boundaries %d, %d", pairs[k][0], pairs[k][1]);
        const double *v = values(y, what);
        for (int64_t i = 0; i < 13; i++)
            for (int64_t j = 0; j < 11; j++) {
                double want = 0;
                for (int64_t m = -2; m <= 2; m++)
                    if (m)
                        want += padded(data, 13, 11, i + m, j, pairs[k][0]) +
                                padded(data, 13, 11, i, j + m, pairs[k][1]);
                if (!close_enough(v[i * 11 + j], want, 1e-12, 1e-12))
                    fail_msg("%s: (%lld, %lld) is %g, want %g", what, (long long)i, (long long)j,
                             v[i * 11 + j], want);
            }
    }
    /* without trim: the function's blocks as they are, x's chunks unless
     * chunks says otherwise; x's block of 2 cannot keep its chunks at depth 3 */
    int64_t d3[2] = {3, 1};
    assert_error(dusk_map_overlap_axes(&cross, x, d3, pairs[0], zeros, false, DUSK_DT_F8, NULL),
                 DUSK_EINVAL, "without trim", "smaller than the depth");
    int64_t d1[2] = {1, 1};
    dusk_map_options o = DUSK_MAP_OPTIONS_INIT;
    dusk_value *it[1] = {dusk_int(1)};
    o.args = dusk_tuple_of(1, it);
    o.chunks = "((7, 4, 8), (5, 8))";   /* the grown blocks: reflect on 0, none on 1 */
    dusk_array *g = dusk_map_overlap_axes(&cross, x, d1, pairs[0], zeros, false, DUSK_DT_F8, &o);
    dusk_value_unref((dusk_value *)o.args);
    assert_built(g);
    assert_int_equal(dusk_array_shape(g)[0], 19);
    assert_int_equal(dusk_array_shape(g)[1], 13);
    assert_int_equal(count_op(g, "trim"), 0);
    assert_non_null(values(g, "map_overlap without trim"));
    int64_t deep[2] = {14, 1};
    assert_error(dusk_map_overlap(&cross, x, deep, DUSK_BOUNDARY_NONE, 0, DUSK_DT_F8, NULL),
                 DUSK_EINVAL, "depth 14 of axis 0 is not between 0 and its length 13", NULL);
    free(data);
}

/* dusk_array_overlap and dusk_array_trim_internal, map_overlap's halves:
 * every grown block holds its cells and the boundary's around them (the
 * padded reference), and the trim gives x back; a block too small to trim
 * is refused. */
static void test_overlap_and_trim(void **state)
{
    dusk_array_ctx *ctx = *state;
    int64_t sh[2] = {13, 11};
    double *data = fill_buffer(DUSK_DT_F8, 2, sh, 5), rowidx[13];
    for (int i = 0; i < 13; i++)
        rowidx[i] = i;   /* padded() of an index: the row a boundary cell copies */
    dusk_array *x = dusk_from_buffer(ctx, data, DUSK_DT_F8, DUSK_SHAPE(13, 11),
                                     "((5, 2, 6), (4, 7))");
    static const dusk_boundary kinds[][2] = {
        {DUSK_BOUNDARY_REFLECT, DUSK_BOUNDARY_NONE}, {DUSK_BOUNDARY_PERIODIC, DUSK_BOUNDARY_NEAREST},
        {DUSK_BOUNDARY_NONE, DUSK_BOUNDARY_NONE}, {DUSK_BOUNDARY_CONSTANT, DUSK_BOUNDARY_REFLECT}};
    const double zeros[2] = {0, 0};
    int64_t depth[2] = {3, 2};
    for (int k = 0; k < 4; k++) {
        dusk_array *g = dusk_array_overlap(x, depth, kinds[k], zeros);
        assert_built(g);
        /* the 2 of axis 0 merged into its neighbours first (Dask's
         * ensure_minimum_chunksize gives (4, 3, 6)) */
        static const int64_t starts0[] = {0, 4, 7}, starts1[] = {0, 4};
        assert_int_equal(dusk_array_numblocks(g, 0), 3);
        assert_int_equal(dusk_array_numblocks(g, 1), 2);
        char what[64];
        snprintf(what, sizeof what, "overlap %d, %d", kinds[k][0], kinds[k][1]);
        const double *v = values(g, what);
        const int64_t *gs = dusk_array_shape(g);
        /* block (bi, bj) starts at cell (start - depth) of x, or at the
         * start where the boundary is none and it is the first block */
        int64_t r0 = 0;
        for (int bi = 0; bi < 3; bi++) {
            int64_t xi0 = starts0[bi] -
                          (kinds[k][0] == DUSK_BOUNDARY_NONE && !bi ? 0 : depth[0]);
            int64_t nr = dusk_array_chunks(g, 0)[bi], c0 = 0;
            for (int bj = 0; bj < 2; bj++) {
                int64_t xj0 = starts1[bj] -
                              (kinds[k][1] == DUSK_BOUNDARY_NONE && !bj ? 0 : depth[1]);
                int64_t nc = dusk_array_chunks(g, 1)[bj];
                for (int64_t i = 0; i < nr; i++)
                    for (int64_t j = 0; j < nc; j++) {
                        /* each axis padded by its own kind */
                        int64_t pi = xi0 + i, pj = xj0 + j;
                        double want;
                        if ((pi < 0 || pi >= 13) && kinds[k][0] == DUSK_BOUNDARY_CONSTANT)
                            want = 0;
                        else {
                            int64_t ri = pi < 0 || pi >= 13
                                             ? (int64_t)(padded(rowidx, 13, 1, pi, 0, kinds[k][0]))
                                             : pi;
                            want = padded(data + ri * 11, 1, 11, 0, pj, kinds[k][1]);
                        }
                        double got = v[(r0 + i) * gs[1] + c0 + j];
                        if (got != want)
                            fail_msg("%s: block (%d, %d) cell (%lld, %lld) is %g, want %g", what,
                                     bi, bj, (long long)i, (long long)j, got, want);
                    }
                c0 += nc;
            }
            r0 += nr;
        }
        dusk_array *t = dusk_array_trim_internal(g, depth, kinds[k]);
        assert_built(t);
        const double *back = values(t, "trim_internal");
        assert_int_equal(dusk_array_shape(t)[0], 13);
        assert_int_equal(dusk_array_shape(t)[1], 11);
        assert_int_equal(dusk_array_chunks(t, 0)[1], 3);
        assert_memory_equal(back, data, 13 * 11 * sizeof(double));
    }
    int64_t none[2] = {0, 0};
    dusk_array *same = dusk_array_overlap(x, none, kinds[0], zeros);
    assert_int_equal(count_op(same, "overlap"), 2 * 6);   /* Dask's: a piece and a join each */
    assert_memory_equal(values(same, "overlap of depth 0"), data, 13 * 11 * sizeof(double));
    int64_t deep[2] = {14, 1};
    assert_error(dusk_array_overlap(x, deep, kinds[0], zeros), DUSK_EINVAL,
                 "overlap: depth 14 of axis 0 is not between 0 and its length 13", NULL);
    int64_t wide[2] = {2, 3};
    assert_error(dusk_array_trim_internal(x, wide, kinds[1]), DUSK_EINVAL,
                 "trim_internal: block 1 of axis 0 holds 2 cells, fewer than the 4 to trim", NULL);
    dusk_boundary bad[2] = {(dusk_boundary)9, DUSK_BOUNDARY_NONE};
    assert_error(dusk_array_overlap(x, depth, bad, zeros), DUSK_EINVAL,
                 "unknown boundary 9 for axis 0", NULL);
    free(data);
}

/* Every allocation of building and computing a map_blocks with drop_axis,
 * a blockwise, an elemwise, a map_overlap and a reduction fails in turn: each ends in an
 * error or the right answer, and nothing leaks. */
static void test_out_of_memory(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    int completed = 0;
    for (long k = 0; !completed && k < 20000; k++) {
        dusk_alloc_fail_after(k);
        unsigned long before = dusk_alloc_calls();
        dusk_array_ctx *ctx = dusk_array_ctx_new();
        dusk_array *x = dusk_ones(ctx, DUSK_SHAPE(6, 4), "(2, 3)", DUSK_DT_F8);
        dusk_map_options o = DUSK_MAP_OPTIONS_INIT;
        o.drop_axis = DUSK_AXIS(1);
        dusk_array *r = dusk_map_blocks(&rowsum, &x, 1, DUSK_DT_F8, &o);      /* (6,) of 4 */
        dusk_array *xr[2] = {x, dusk_array_transpose(x, NULL)};
        dusk_array *p = dusk_blockwise(&dot, "ij,jk->ik", xr, 2, DUSK_DT_F8, false, NULL);
        dusk_array *e2[2] = {p, r};                                           /* 6x6 + (6,) */
        dusk_array *e = dusk_elemwise(&f, e2, 2, DUSK_DT_F8, NULL);           /* 4 * 4 + 1 */
        dusk_value *r1[1] = {dusk_int(1)};
        dusk_value *args = dusk_tuple_of(1, r1);
        dusk_map_options oo = DUSK_MAP_OPTIONS_INIT;
        oo.args = args;
        int64_t depth[2] = {1, 2};
        dusk_array *st = dusk_map_overlap(&cross, e, depth, DUSK_BOUNDARY_REFLECT, 0,
                                          DUSK_DT_F8, &oo);             /* 4 * 17 */
        dusk_value_unref(args);
        dusk_array *s = dusk_array_reduction(st, &c, &c, &c, DUSK_ALL_AXES, false, DUSK_DT_F8, 2,
                                             NULL);
        dusk_options opt = DUSK_OPTIONS_INIT;
        opt.scheduler = DUSK_SCHED_SYNC;
        dusk_value *v = NULL;
        int rc = dusk_array_compute(s, &opt, &v, NULL);
        completed = dusk_alloc_calls() - before < (unsigned long)k;
        dusk_alloc_fail_after(-1);
        if (completed) {
            assert_int_equal(rc, 0);
            assert_true(*(const double *)dusk_ndarray_data(v) == 36 * 17 * 4);
        } else {
            assert_true(rc != 0 || v != NULL);
        }
        dusk_value_unref(v);
        dusk_array_ctx_free(ctx);
        assert_int_equal(dusk_alloc_live(), live);
    }
    assert_true(completed);
}

/* All of a block's result b - a, as one value (every element the same). */
static double diff_of(dusk_array *b, dusk_array *a, const char *what)
{
    dusk_array *d = dusk_array_sub(b, a);
    const double *r = values(d, what);
    int64_t n = 1;
    for (int k = 0; k < dusk_array_ndim(d); k++)
        n *= dusk_array_shape(d)[k];
    for (int64_t k = 1; k < n; k++)
        if (r[k] != r[0])
            fail_msg("%s: element %lld is %g, element 0 %g", what, (long long)k, r[k], r[0]);
    return r[0];
}

/* Issue 16, 1: two functions of one name are two layers (Dask tokenizes
 * the function object), in map_blocks, blockwise, elemwise, reduction
 * and map_overlap; the same function twice is still one. */
static void test_functions_of_one_name(void **state)
{
    dusk_array_ctx *ctx = *state;
    dusk_array *x = dusk_ones(ctx, DUSK_SHAPE(12, 6), "(4, 3)", DUSK_DT_F8);
    dusk_array *a = dusk_map_blocks(&scale2, &x, 1, DUSK_DT_F8, NULL);
    dusk_array *b = dusk_map_blocks(&scale3, &x, 1, DUSK_DT_F8, NULL);
    assert_string_not_equal(dusk_array_name(a), dusk_array_name(b));
    assert_string_equal(dusk_array_name(a),
                        dusk_array_name(dusk_map_blocks(&scale2, &x, 1, DUSK_DT_F8, NULL)));
    assert_true(diff_of(b, a, "map_blocks") == 1);
    a = dusk_blockwise(&scale2, "ij->ij", &x, 1, DUSK_DT_F8, true, NULL);
    b = dusk_blockwise(&scale3, "ij->ij", &x, 1, DUSK_DT_F8, true, NULL);
    assert_true(diff_of(b, a, "blockwise") == 1);
    a = dusk_elemwise(&sscale2, &x, 1, DUSK_DT_F8, NULL);
    b = dusk_elemwise(&sscale3, &x, 1, DUSK_DT_F8, NULL);
    assert_true(diff_of(b, a, "elemwise") == 1);
    /* the chunk step, and the combine and aggregate steps */
    a = dusk_array_reduction(x, &c, &c, &c, DUSK_AXIS(0), false, DUSK_DT_F8, 2, NULL);
    b = dusk_array_reduction(x, &c10, &c, &c, DUSK_AXIS(0), false, DUSK_DT_F8, 2, NULL);
    assert_true(diff_of(b, a, "reduction, chunk") == 108);
    b = dusk_array_reduction(x, &c, &c10, &c, DUSK_AXIS(0), false, DUSK_DT_F8, 2, NULL);
    assert_true(diff_of(b, a, "reduction, combine") == 108);
    b = dusk_array_reduction(x, &c, &c, &c10, DUSK_AXIS(0), false, DUSK_DT_F8, 2, NULL);
    assert_true(diff_of(b, a, "reduction, aggregate") == 108);
    int64_t depth[2] = {1, 1};
    a = dusk_map_overlap(&scale2, x, depth, DUSK_BOUNDARY_REFLECT, 0, DUSK_DT_F8, NULL);
    b = dusk_map_overlap(&scale3, x, depth, DUSK_BOUNDARY_REFLECT, 0, DUSK_DT_F8, NULL);
    assert_true(diff_of(b, a, "map_overlap") == 1);
}

/* Issue 16, 2: args are part of the token by value: ndarrays by their
 * elements, also inside nested tuples; equal arguments, equal names. */
static void test_array_args_by_value(void **state)
{
    dusk_array_ctx *ctx = *state;
    dusk_array *x = dusk_ones(ctx, DUSK_SHAPE(6), "3", DUSK_DT_F8);
    dusk_array *m[4];
    for (int k = 0; k < 4; k++) {
        dusk_value *nd = dusk_ndarray_new(DUSK_DT_F8, 1, (int64_t[]){1});
        ((double *)dusk_ndarray_data(nd))[0] = k % 2 ? 20 : 10;
        dusk_value *args = k < 2 ? dusk_tuple_of(1, &nd) : NULL;
        if (k >= 2) {   /* ((nd,),) */
            dusk_value *in = dusk_tuple_of(1, &nd);
            args = dusk_tuple_of(1, &in);
        }
        dusk_map_options o = DUSK_MAP_OPTIONS_INIT;
        o.args = args;
        m[k] = dusk_map_blocks(&addarg, &x, 1, DUSK_DT_F8, &o);
        dusk_value_unref(args);
    }
    assert_true(diff_of(m[1], m[0], "args (np[20],) and (np[10],)") == 10);
    assert_true(diff_of(m[3], m[2], "args ((np[20],),) and ((np[10],),)") == 10);
    /* another ndarray of the same elements: the same layer */
    dusk_value *nd = dusk_ndarray_new(DUSK_DT_F8, 1, (int64_t[]){1});
    ((double *)dusk_ndarray_data(nd))[0] = 10;
    dusk_value *args = dusk_tuple_of(1, &nd);
    dusk_map_options o = DUSK_MAP_OPTIONS_INIT;
    o.args = args;
    assert_string_equal(dusk_array_name(dusk_map_blocks(&addarg, &x, 1, DUSK_DT_F8, &o)),
                        dusk_array_name(m[0]));
    dusk_value_unref(args);
    /* views: by the elements they show, not the memory under them */
    dusk_value *base = dusk_ndarray_new(DUSK_DT_F8, 1, (int64_t[]){4});
    double *p = dusk_ndarray_data(base);
    p[0] = 1, p[1] = 7, p[2] = 2, p[3] = 9;
    const char *names[3];
    for (int k = 0; k < 3; k++) {   /* [1, 2], [7, 9], [1, 2] */
        dusk_value *v = dusk_ndarray_view(base, 1, (int64_t[]){2}, (int64_t[]){16},
                                          k == 1 ? 8 : 0);
        dusk_value *a = dusk_tuple_of(1, &v);
        o.args = a;
        names[k] = dusk_array_name(dusk_map_blocks(&where, &x, 1, DUSK_DT_F8, &o));
        dusk_value_unref(a);
    }
    assert_string_not_equal(names[0], names[1]);
    assert_string_equal(names[0], names[2]);
    dusk_value_unref(base);
}

/* Issue 16, 3: every input's whole name goes into the token (16 inputs
 * of names of the longest a user may give: 3,700 characters of names);
 * a name too long for a key is refused rather than cut. */
static void test_long_input_names(void **state)
{
    dusk_array_ctx *ctx = *state;
    dusk_array *x = dusk_ones(ctx, DUSK_SHAPE(12, 6), "(4, 3)", DUSK_DT_F8);
    char name[1301];
    memset(name, 'n', 1300);
    name[200] = 0;
    dusk_array *w[2];
    for (int k = 0; k < 2; k++) {   /* where with args (1,) and (2,): 10000 apart */
        dusk_value *one = dusk_float(k + 1);
        dusk_value *args = dusk_tuple_of(1, &one);
        dusk_map_options o = DUSK_MAP_OPTIONS_INIT;
        o.name = name;
        o.args = args;
        w[k] = dusk_map_blocks(&where, &x, 1, DUSK_DT_F8, &o);
        dusk_value_unref(args);
    }
    assert_int_equal(strlen(dusk_array_name(w[0])), 200 + 33);
    assert_string_not_equal(dusk_array_name(w[0]), dusk_array_name(w[1]));
    /* the sum of 15 times w[0] and once w[0] or w[1] */
    dusk_array *in[16], *r[2];
    for (int k = 0; k < 2; k++) {
        for (int i = 0; i < 16; i++)
            in[i] = w[i == 15 ? k : 0];
        r[k] = dusk_map_blocks(&sumin, in, 16, DUSK_DT_F8, NULL);
    }
    assert_true(diff_of(r[1], r[0], "16 inputs of long names") == 10000);
    dusk_array *a = dusk_array_reduction(w[0], &c, &c, &c, DUSK_AXIS(0), false, DUSK_DT_F8, 2,
                                         NULL);
    dusk_array *b = dusk_array_reduction(w[1], &c, &c, &c, DUSK_AXIS(0), false, DUSK_DT_F8, 2,
                                         NULL);
    assert_true(diff_of(b, a, "reduction of long names") == 120000);
    /* longer: refused, from map_blocks, blockwise, elemwise, reduction */
    name[200] = 'n';
    name[1300] = 0;
    dusk_map_options o = DUSK_MAP_OPTIONS_INIT;
    o.name = name;
    assert_error(dusk_map_blocks(&scale2, &x, 1, DUSK_DT_F8, &o), DUSK_EINVAL,
                 "map_blocks: the name \"nnnn", "is 1300 characters long; at most 200");
    assert_error(dusk_blockwise(&scale2, "ij->ij", &x, 1, DUSK_DT_F8, true, &o), DUSK_EINVAL,
                 "blockwise: the name", "at most 200");
    assert_error(dusk_elemwise(&sscale2, &x, 1, DUSK_DT_F8, name), DUSK_EINVAL,
                 "elemwise: the name", "at most 200");
    assert_error(dusk_array_reduction(x, &c, &c, &c, DUSK_AXIS(0), false, DUSK_DT_F8, 0, name),
                 DUSK_EINVAL, "reduction: the name", "at most 200");
    dusk_block_func longf = DUSK_BLOCK_FUNC(longf, name, scale_fn, &by2);
    assert_error(dusk_map_blocks(&longf, &x, 1, DUSK_DT_F8, NULL), DUSK_EINVAL,
                 "map_blocks: the name", "at most 200");
    assert_error(dusk_array_reduction(x, &c, &c, &longf, DUSK_AXIS(0), false, DUSK_DT_F8, 0,
                                      NULL),
                 DUSK_EINVAL, "reduction: the name", "at most 200");
}

/* Issue 16, 5: chunks= sizes that overflow, or that make an array larger
 * than can be addressed, are refused naming the chunks. */
static void test_chunks_that_overflow(void **state)
{
    dusk_array_ctx *ctx = *state;
    dusk_array *x = dusk_ones(ctx, DUSK_SHAPE(12), "(4,)", DUSK_DT_F8);
    dusk_map_options o = DUSK_MAP_OPTIONS_INIT;
    o.chunks = "(4000000000000000000,)";   /* 3 blocks: 1.2e19 */
    assert_error(dusk_map_blocks(&scale2, &x, 1, DUSK_DT_F8, &o), DUSK_EINVAL,
                 "map_blocks: chunks \"(4000000000000000000,)\"", "longer than");
    o.chunks = "(6148914691236517206,)";   /* 3 blocks: 2**64 + 2 */
    assert_error(dusk_map_blocks(&scale2, &x, 1, DUSK_DT_F8, &o), DUSK_EINVAL,
                 "map_blocks: chunks", "longer than");
    o.chunks = "((9223372036854775807, 1, 0),)";
    assert_error(dusk_blockwise(&scale2, "i->i", &x, 1, DUSK_DT_F8, true, &o), DUSK_EINVAL,
                 "blockwise: chunks", "longer than");
    o.chunks = "(1000000000000000000,)";   /* fits in int64, not in memory */
    assert_error(dusk_map_blocks(&scale2, &x, 1, DUSK_DT_F8, &o), DUSK_EINVAL, "too large",
                 NULL);
    /* and sizes that fit still work */
    o.chunks = "(2,)";
    dusk_array *h = dusk_map_blocks(&where, &x, 1, DUSK_DT_F8, &o);
    assert_built(h);
    assert_int_equal(dusk_array_shape(h)[0], 6);
}

/* Issue 16, 6: split_every per axis as Dask computes it, in floating
 * point (int(64 ** (1/3)) is 3, int(1000 ** (1/3)) 9), and a huge one
 * builds at once. The task counts are Dask's (checked with it below). */
static void test_split_every_as_dask(void **state)
{
    dusk_array_ctx *ctx = *state;
    static const struct {
        int64_t n;
        int split, ntasks;
    } cases[] = {{8, 64, 137}, {20, 1000, 2009}, {8, INT_MAX, 129}};
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        int64_t n = cases[k].n;
        dusk_array *x = dusk_ones(ctx, DUSK_SHAPE(n, n, n), "2", DUSK_DT_F8);
        dusk_array *r = dusk_array_reduction(x, &c, &c, &c, DUSK_ALL_AXES, false, DUSK_DT_F8,
                                             cases[k].split, NULL);
        assert_built(r);
        if (dusk_array_ntasks(r) != cases[k].ntasks)
            fail_msg("(%lld,)*3 in chunks of 2, split_every %d: %lld tasks, Dask's %d",
                     (long long)n, cases[k].split, (long long)dusk_array_ntasks(r),
                     cases[k].ntasks);
        assert_true(values(r, "sum")[0] == (double)(n * n * n));
    }
    /* one axis of 4,000 blocks and split_every INT_MAX: one aggregate,
     * found without counting up to INT_MAX */
    struct timespec t0, t1;   /* this process's CPU time: not the machine's load */
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
    dusk_array *v = dusk_ones(ctx, DUSK_SHAPE(4000), "1", DUSK_DT_F8);
    dusk_array *r = dusk_array_reduction(v, &c, &c, &c, DUSK_AXIS(0), false, DUSK_DT_F8,
                                         INT_MAX, NULL);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
    assert_int_equal(dusk_array_ntasks(r), 4000 + 4000 + 1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    if (secs > 1)
        fail_msg("building a reduction with split_every INT_MAX took %.2f s", secs);
    int status;
    char *out = run_command(
        "/usr/bin/python3 -c \"$(cat <<'EOF'\n"
        "import dask.array as da\n"
        "def c(b, axis, keepdims): return b.sum(axis=axis, keepdims=keepdims)\n"
        "for n, se in [(8, 64), (20, 1000), (8, 2**31 - 1)]:\n"
        "    x = da.ones((n, n, n), chunks=2)\n"
        "    r = da.reduction(x, c, c, combine=c, axis=(0, 1, 2), dtype='f8', split_every=se)\n"
        "    print(len(r.__dask_graph__()), end=' ')\n"
        "EOF\n)\" 2>&1", &status);
    if (status != 0)
        fail_msg("python3-dask (/usr/bin/python3, install-deps installs it) failed:\n%s", out);
    assert_string_equal(out, "137 2009 129 ");
    free(out);
}

static int setup(void **state)
{
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    *state = ctx;
    return ctx ? 0 : -1;
}

static int teardown(void **state)
{
    release_all();
    dusk_array_ctx_free(*state);
    return reset_alloc(state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_graphs_as_dask, setup, teardown),
        cmocka_unit_test_setup_teardown(test_graphs_checked_with_dask, setup, teardown),
        cmocka_unit_test_setup_teardown(test_map_blocks_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_map_blocks_on_the_threaded_scheduler, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_blockwise, setup, teardown),
        cmocka_unit_test_setup_teardown(test_elemwise, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reduction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors_name_the_block, setup, teardown),
        cmocka_unit_test_setup_teardown(test_task_by_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_map_overlap_graphs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_map_overlap_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overlap_and_trim, setup, teardown),
        cmocka_unit_test_setup_teardown(test_functions_of_one_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_array_args_by_value, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_input_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_whole_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chunks_that_overflow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_split_every_as_dask, setup, teardown),
        cmocka_unit_test_teardown(test_out_of_memory, reset_alloc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
