/*
** dusk tests — blocks of unknown size: x[mask] (dusk_array_mask), what
** takes such arrays, dusk_array_compute_chunk_sizes, and the refusals
**
** x[mask] must build Dask 2022.12's graph (its layers and task counts, one
** block per block of x, or of the unified chunks), give NumPy's values
** (the elements where the mask is true, in C order), and keep the sentinel
** DUSK_UNKNOWN_SIZE as its shape and block sizes. Elementwise operations
** and every reduction take it (blocks that may be empty among them);
** compute_chunk_sizes makes the sizes known under the same keys; every
** other operation refuses it with DUSK_EINVAL naming itself; allocation
** failures at every step leak nothing.
*/
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dusk.h"
#include "dusk/array.h"
#include "dusk/viz.h"
#include "helpers.h"

/* "ntasks;op=n,op=n|nblocks" over the layers of a, ops sorted by name: what
 * the Python side prints for Dask's graph of the same expression. */
static void signature(const dusk_array *a, char *buf, size_t n)
{
    size_t l = layer_signature(a, buf, n);
    if (l < n)
        snprintf(buf + l, n - l, "|%lld", (long long)dusk_array_nchunks(a));
}

#define PY_SIGNATURE                                                                 \
    "def sig(e):\n"                                                                  \
    "    g = e.__dask_graph__()\n"                                                   \
    "    c = {}\n"                                                                   \
    "    for name, layer in g.layers.items():\n"                                     \
    "        c[key_split(name)] = c.get(key_split(name), 0) + len(layer)\n"          \
    "    return '%d;' % len(g) + ','.join('%s=%d' % (k, c[k]) for k in sorted(c)) + "  \
    "'|%d' % e.npartitions\n"

static void assert_built(const dusk_array *a, const char *what)
{
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_array_status(a, &err))
        fail_msg("%s: building failed: %s", what, err.msg);
}

static dusk_value *computed(dusk_array *a)
{
    dusk_error err = DUSK_ERROR_INIT;
    dusk_value *v = NULL;
    if (dusk_array_compute(a, NULL, &v, &err))
        fail_msg("computing %s: %s", dusk_array_name(a), err.msg);
    return v;
}

/* a is x[mask]: 1-d, every block of unknown size, as many as want */
static void assert_unknown(const dusk_array *a, int64_t nblocks)
{
    assert_true(dusk_array_unknown_chunks(a));
    assert_int_equal(dusk_array_ndim(a), 1);
    assert_int_equal(dusk_array_shape(a)[0], DUSK_UNKNOWN_SIZE);
    assert_int_equal(dusk_array_numblocks(a, 0), nblocks);
    for (int64_t k = 0; k < nblocks; k++)
        assert_int_equal(dusk_array_chunks(a, 0)[k], DUSK_UNKNOWN_SIZE);
}

/* --- the graph is Dask's ------------------------------------------------------- */

static void test_mask_graphs_are_dasks(void **state)
{
    dusk_array_ctx *ctx = *state;
    /* x[x > 4], a mask of other chunks, 2-d (flattened first, as Dask) */
    dusk_array *x1 = dusk_arange(ctx, 0, 10, 1, "3");
    dusk_array *m1 = dusk_array_binop_scalar(DUSK_BINOP_GT, x1, 4, false);
    dusk_array *m1b = dusk_array_binop_scalar(DUSK_BINOP_GT, dusk_arange(ctx, 0, 10, 1, "5"), 4,
                                              false);
    dusk_array *x2 = dusk_ones(ctx, DUSK_SHAPE(6, 6), "(3, 2)", DUSK_DT_F8);
    dusk_array *m2 = dusk_array_binop_scalar(DUSK_BINOP_GT, x2, 0, false);
    dusk_array *m2b = dusk_array_binop_scalar(
        DUSK_BINOP_GT, dusk_ones(ctx, DUSK_SHAPE(6, 6), "(2, 3)", DUSK_DT_F8), 0, false);
    dusk_array *y[] = {dusk_array_mask(x1, m1), dusk_array_mask(x1, m1b), dusk_array_mask(x2, m2),
                       dusk_array_mask(x2, m2b)};
    /* and what takes it: elementwise, a reduction, x[mask] of it */
    dusk_array *w = dusk_array_add(dusk_array_binop_scalar(DUSK_BINOP_MUL, y[0], 2, false), y[0]);
    dusk_array *s = dusk_array_sum(y[2], DUSK_ALL_AXES, false);
    dusk_array *yy = dusk_array_mask(y[0], dusk_array_binop_scalar(DUSK_BINOP_GT, y[0], 6, false));
    /* compress with a lazy condition: 1-d (x[mask]'s graph), along an axis
     * of several (getitem_variadic), the condition of other chunks */
    dusk_array *c1 = dusk_array_binop_scalar(DUSK_BINOP_GT, dusk_array_binop_scalar(
                                                 DUSK_BINOP_MOD, x1, 4, false), 1, false);
    dusk_array *o2 = dusk_ones(ctx, DUSK_SHAPE(10, 4), "(3, 2)", DUSK_DT_F8);
    dusk_array *cmp[] = {dusk_array_compress(c1, o2, 0), dusk_array_compress(c1, x1, 0),
                         dusk_array_compress(m1b, o2, 0),
                         dusk_array_compress(dusk_array_binop_scalar(DUSK_BINOP_GT,
                                             dusk_arange(ctx, 0, 4, 1, "3"), 1, false), o2, 1),
                         dusk_array_compress(c1, o2, DUSK_AXIS_NONE)};
    /* unique, of a known array (flattened) and of x[mask] */
    dusk_array *uq[] = {dusk_array_unique(dusk_array_binop_scalar(DUSK_BINOP_MOD, x1, 4, false)),
                        dusk_array_unique(x2), dusk_array_unique(y[0])};
    /* ':' along the unknown axis, anything along the others */
    dusk_array *gi[] = {dusk_array_slice(y[0], "None"), dusk_array_slice(y[0], ":, None"),
                        dusk_array_slice(cmp[0], ":, 1"), dusk_array_slice(cmp[0], ":, [0, 2]"),
                        dusk_array_slice(cmp[0], "..., ::-1")};
    dusk_array *all[] = {y[0], y[1], y[2], y[3], w, s, yy, cmp[0], cmp[1], cmp[2], cmp[3], cmp[4],
                         uq[0], uq[1], uq[2], gi[0], gi[1], gi[2], gi[3], gi[4]};
    char *out = py_dask(PY_SIGNATURE
                   "x1 = da.arange(10, chunks=3)\n"
                   "x2 = da.ones((6, 6), chunks=(3, 2))\n"
                   "y = [x1[x1 > 4], x1[da.arange(10, chunks=5) > 4], x2[x2 > 0],\n"
                   "     x2[da.ones((6, 6), chunks=(2, 3)) > 0]]\n"
                   "w = y[0] * 2 + y[0]\n"
                   "s = y[2].sum()\n"
                   "yy = y[0][y[0] > 6]\n"
                   "c1 = x1 % 4 > 1\n"
                   "o2 = da.ones((10, 4), chunks=(3, 2))\n"
                   "cmp = [da.compress(c1, o2, 0), da.compress(c1, x1, 0),\n"
                   "       da.compress(da.arange(10, chunks=5) > 4, o2, 0),\n"
                   "       da.compress(da.arange(4, chunks=3) > 1, o2, 1), da.compress(c1, o2)]\n"
                   "uq = [da.unique(x1 % 4), da.unique(x2), da.unique(y[0])]\n"
                   "gi = [y[0][None], y[0][:, None], cmp[0][:, 1], cmp[0][:, [0, 2]],\n"
                   "      cmp[0][..., ::-1]]\n"
                   "for e in y + [w, s, yy] + cmp + uq + gi:\n"
                   "    print(sig(e))\n");
    char *p = out;
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) {
        assert_built(all[i], "x[mask]");
        char mine[1024];
        signature(all[i], mine, sizeof mine);
        char *nl = strchr(p, '\n');
        assert_non_null(nl);
        *nl = '\0';
        if (strcmp(mine, p) != 0)
            fail_msg("case %zu: dusk's graph %s, Dask's %s", i, mine, p);
        p = nl + 1;
    }
    free(out);
    assert_unknown(y[0], 4);
    assert_unknown(y[1], 5);   /* the common refinement of (3,3,3,1) and (5,5) */
    assert_unknown(y[2], 6);
    assert_unknown(w, 4);
    assert_false(dusk_array_unknown_chunks(s));
    assert_false(dusk_array_unknown_chunks(x1));
    /* compress along axis 0 of (10, 4): nan blocks there, 2 of 2 along 1 */
    assert_true(dusk_array_unknown_chunks(cmp[0]));
    assert_int_equal(dusk_array_shape(cmp[0])[0], DUSK_UNKNOWN_SIZE);
    assert_int_equal(dusk_array_shape(cmp[0])[1], 4);
    assert_int_equal(dusk_array_numblocks(cmp[0], 0), 4);
    assert_int_equal(dusk_array_chunks(cmp[0], 1)[0], 2);
    assert_int_equal(dusk_array_shape(cmp[3])[0], 10);
    assert_int_equal(dusk_array_shape(cmp[3])[1], DUSK_UNKNOWN_SIZE);
    /* x[mask][None, :] computes: one row of x's kept elements */
    dusk_value *gv = computed(gi[0]);
    static const int64_t gw[] = {5, 6, 7, 8, 9};
    assert_int_equal(dusk_ndarray_ndim(gv), 2);
    assert_int_equal(dusk_ndarray_shape(gv)[1], 5);
    assert_memory_equal(dusk_ndarray_data(gv), gw, sizeof gw);
    dusk_value_unref(gv);
    assert_int_equal(dusk_array_shape(gi[2])[0], DUSK_UNKNOWN_SIZE);
    /* its layers' shapes are nan as its own is (what pictures show) */
    dusk_layer_info li[16];
    size_t nl = dusk_array_layers(uq[2], li, 16);
    int unknown_layers = 0;
    for (size_t i = 0; i < nl; i++)
        if (!strcmp(li[i].op, "getitem") || !strcmp(li[i].op, "unique_internal") ||
            !strcmp(li[i].op, "unique-aggregate")) {   /* Dask's key_split of its name */
            assert_int_equal(li[i].ndim, 1);
            assert_int_equal(li[i].shape[0], DUSK_UNKNOWN_SIZE);
            unknown_layers++;
        }
    assert_int_equal(unknown_layers, 6);   /* x[mask]'s 2, unique's 4 */
    /* the last layer aliases the getitem tasks: ('getitem-<t>', i) -> key */
    dusk_graph *g = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_array_graph(y[0], &g, &err), 0);
    char key[256];
    int64_t idx = 2;
    assert_true(dusk_array_block_key(y[0], &idx, key, sizeof key) > 0);
    int64_t id = dusk_graph_find(g, key);
    assert_true(id >= 0);
    assert_int_equal(dusk_graph_entry_kind(g, id), DUSK_ENTRY_ALIAS);
    dusk_graph_free(g);
}

/* --- values --------------------------------------------------------------------- */

static void test_mask_values_are_numpys(void **state)
{
    dusk_array_ctx *ctx = *state;
    static const char *const chunkings[] = {"(7, 5)", "(20, 3)", "(1, 16)", "(3, 4)"};
    uint64_t seed = 7;
    for (size_t c = 0; c < sizeof chunkings / sizeof *chunkings; c++) {
        double data[20 * 16];
        for (int i = 0; i < 20 * 16; i++)
            data[i] = (double)rng_range(&seed, -100, 100) / 10;
        dusk_array *x = dusk_from_buffer(ctx, data, DUSK_DT_F8, DUSK_SHAPE(20, 16), chunkings[c]);
        /* a mask of other chunks (rechunked as Dask's elemwise does) */
        dusk_array *xm = dusk_array_rechunk(x, c % 2 ? "(10, 8)" : "(4, 16)");
        dusk_array *y = dusk_array_mask(x, dusk_array_binop_scalar(DUSK_BINOP_GT, xm, 2.5, false));
        assert_built(y, "x[mask]");
        assert_true(dusk_array_unknown_chunks(y));
        dusk_value *v = computed(y);
        int64_t n = 0;
        for (int i = 0; i < 20 * 16; i++)
            n += data[i] > 2.5;
        assert_int_equal(dusk_ndarray_ndim(v), 1);
        assert_int_equal(dusk_ndarray_shape(v)[0], n);
        const double *got = dusk_ndarray_data(v);
        for (int i = 0, k = 0; i < 20 * 16; i++)
            if (data[i] > 2.5)
                assert_true(got[k++] == data[i]);
        dusk_value_unref(v);
    }
    /* integers, a mask that keeps nothing, and a mask that keeps all */
    int32_t iv[12] = {5, -3, 0, 8, 8, -1, 2, 2, 9, -7, 4, 1};
    dusk_array *xi = dusk_from_buffer(ctx, iv, DUSK_DT_I4, DUSK_SHAPE(12), "5");
    dusk_array *none = dusk_array_mask(xi, dusk_array_binop_scalar(DUSK_BINOP_GT, xi, 100, false));
    dusk_array *every = dusk_array_mask(xi, dusk_array_binop_scalar(DUSK_BINOP_GT, xi, -100,
                                                                     false));
    dusk_value *v0 = computed(none), *v1 = computed(every);
    assert_int_equal(dusk_ndarray_dtype(v0), DUSK_DT_I4);
    assert_int_equal(dusk_ndarray_shape(v0)[0], 0);
    assert_int_equal(dusk_ndarray_shape(v1)[0], 12);
    assert_memory_equal(dusk_ndarray_data(v1), iv, sizeof iv);
    dusk_value_unref(v0);
    dusk_value_unref(v1);
    /* under the sync and processes schedulers too */
    dusk_array *pos = dusk_array_mask(xi, dusk_array_binop_scalar(DUSK_BINOP_GT, xi, 0, false));
    dusk_sched_kind kinds[] = {DUSK_SCHED_SYNC, DUSK_SCHED_PROCESSES};
    for (size_t k = 0; k < 2; k++) {
        dusk_options o = opts_of(kinds[k], 2);
        dusk_value *v = NULL;
        dusk_error err = DUSK_ERROR_INIT;
        assert_int_equal(dusk_array_compute(pos, &o, &v, &err), 0);
        static const int32_t want[] = {5, 8, 8, 2, 2, 9, 4, 1};
        assert_int_equal(dusk_ndarray_shape(v)[0], 8);
        assert_memory_equal(dusk_ndarray_data(v), want, sizeof want);
        dusk_value_unref(v);
    }
}

static void test_compress_values_are_numpys(void **state)
{
    dusk_array_ctx *ctx = *state;
    int32_t data[5 * 6];
    for (int i = 0; i < 30; i++)
        data[i] = i * 7 % 11;
    dusk_array *a = dusk_from_buffer(ctx, data, DUSK_DT_I4, DUSK_SHAPE(5, 6), "(2, 4)");
    /* rows 1, 3, 4; columns 0, 2, 3 (a condition of 4 entries: 4, 5 cut) */
    static const uint8_t rows[5] = {0, 1, 0, 1, 1}, cols[4] = {1, 0, 1, 1};
    dusk_array *cr = dusk_from_buffer(ctx, rows, DUSK_DT_BOOL, DUSK_SHAPE(5), "3");
    dusk_array *cc = dusk_array_astype(dusk_from_buffer(ctx, cols, DUSK_DT_U1, DUSK_SHAPE(4),
                                                        "1"), DUSK_DT_I8);
    dusk_array *r0 = dusk_array_compress(cr, a, 0), *r1 = dusk_array_compress(cc, a, -1);
    dusk_array *rn = dusk_array_compress(cc, a, DUSK_AXIS_NONE);
    assert_built(r0, "compress");
    assert_built(r1, "compress");
    dusk_value *v0 = computed(r0), *v1 = computed(r1), *vn = computed(rn);
    assert_int_equal(dusk_ndarray_shape(v0)[0], 3);
    assert_int_equal(dusk_ndarray_shape(v0)[1], 6);
    assert_int_equal(dusk_ndarray_shape(v1)[0], 5);
    assert_int_equal(dusk_ndarray_shape(v1)[1], 3);
    assert_int_equal(dusk_ndarray_shape(vn)[0], 3);
    const int32_t *g0 = dusk_ndarray_data(v0), *g1 = dusk_ndarray_data(v1);
    const int32_t *gn = dusk_ndarray_data(vn);
    for (int i = 0, k = 0; i < 5; i++)
        for (int j = 0; j < 6 && rows[i]; j++)
            assert_int_equal(g0[k++], data[i * 6 + j]);
    for (int i = 0, k = 0; i < 5; i++)
        for (int j = 0; j < 4; j++)
            if (cols[j])
                assert_int_equal(g1[k++], data[i * 6 + j]);
    assert_int_equal(gn[0], data[0]);
    assert_int_equal(gn[1], data[2]);
    assert_int_equal(gn[2], data[3]);
    dusk_value_unref(v0);
    dusk_value_unref(v1);
    dusk_value_unref(vn);
    /* its sizes computed: rows in the refinement of (2, 2, 1) and (3, 2),
     * (2, 1, 1, 1), of which rows 1, 3 and 4 are kept */
    dusk_array *k = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_array_compute_chunk_sizes(r0, NULL, &k, &err), 0);
    static const int64_t want[] = {1, 0, 1, 1};
    assert_int_equal(dusk_array_numblocks(k, 0), 4);
    assert_memory_equal(dusk_array_chunks(k, 0), want, sizeof want);
    /* a sum over the kept rows, and over all */
    dusk_value *s = computed(dusk_array_sum(r0, DUSK_AXIS(0), false));
    const int64_t *sv = dusk_ndarray_data(s);
    for (int j = 0; j < 6; j++)
        assert_int_equal(sv[j], data[6 + j] + data[18 + j] + data[24 + j]);
    dusk_value_unref(s);
    /* refusals: a condition of 2 axes, longer than the axis, an axis out
     * of range, a condition or an array of unknown chunk sizes */
    dusk_array *long_c = dusk_ones(ctx, DUSK_SHAPE(7), "3", DUSK_DT_BOOL);
    assert_int_equal(dusk_array_status(dusk_array_compress(a, a, 0), &err), DUSK_EINVAL);
    assert_true(contains(err.msg, "one dimensional"));
    assert_int_equal(dusk_array_status(dusk_array_compress(long_c, a, 1), &err), DUSK_EINVAL);
    assert_true(contains(err.msg, "more than the 6 of axis 1"));
    assert_int_equal(dusk_array_status(dusk_array_compress(cr, a, 2), &err), DUSK_EINVAL);
    assert_true(contains(err.msg, "out of bounds"));
    assert_int_equal(dusk_array_status(dusk_array_compress(cr, r0, 1), &err), DUSK_EINVAL);
    assert_true(contains(err.msg, "compress: ") && contains(err.msg, "compute_chunk_sizes"));
}

static void test_unique_is_numpys(void **state)
{
    dusk_array_ctx *ctx = *state;
    /* NaN once, -0.0 and 0.0 one value, infinities, across blocks */
    static const double f[] = {3, NAN, -0.0, 0.0, 2, NAN, 3, 1e300, -INFINITY, 2, INFINITY};
    static const double fw[] = {-INFINITY, 0, 2, 3, 1e300, INFINITY, NAN};
    dusk_array *a = dusk_from_buffer(ctx, f, DUSK_DT_F8, DUSK_SHAPE(11), "3");
    dusk_array *u = dusk_array_unique(a);
    assert_built(u, "unique");
    assert_unknown(u, 1);
    dusk_value *v = computed(u);
    assert_int_equal(dusk_ndarray_shape(v)[0], 7);
    const double *g = dusk_ndarray_data(v);
    for (int i = 0; i < 6; i++)
        assert_true(g[i] == fw[i]);
    assert_true(isnan(g[6]));
    dusk_value_unref(v);
    /* unsigned past int64, float32, bools, and a 2-d array (flattened) */
    static const uint64_t big[] = {UINT64_MAX, 5, (uint64_t)1 << 63, 5, 0};
    static const uint64_t bigw[] = {0, 5, (uint64_t)1 << 63, UINT64_MAX};
    v = computed(dusk_array_unique(dusk_from_buffer(ctx, big, DUSK_DT_U8, DUSK_SHAPE(5), "2")));
    assert_int_equal(dusk_ndarray_shape(v)[0], 4);
    assert_memory_equal(dusk_ndarray_data(v), bigw, sizeof bigw);
    dusk_value_unref(v);
    static const float f4[] = {1.5f, -2, 1.5f, 0.25f};
    static const float f4w[] = {-2, 0.25f, 1.5f};
    v = computed(dusk_array_unique(dusk_from_buffer(ctx, f4, DUSK_DT_F4, DUSK_SHAPE(2, 2), "1")));
    assert_int_equal(dusk_ndarray_dtype(v), DUSK_DT_F4);
    assert_memory_equal(dusk_ndarray_data(v), f4w, sizeof f4w);
    dusk_value_unref(v);
    static const uint8_t bo[] = {1, 1, 0, 1};
    v = computed(dusk_array_unique(dusk_from_buffer(ctx, bo, DUSK_DT_BOOL, DUSK_SHAPE(4), "3")));
    assert_int_equal(dusk_ndarray_shape(v)[0], 2);
    assert_int_equal(((const uint8_t *)dusk_ndarray_data(v))[0], 0);
    assert_int_equal(((const uint8_t *)dusk_ndarray_data(v))[1], 1);
    dusk_value_unref(v);
    /* of x[mask], and of nothing at all */
    dusk_array *x = dusk_arange(ctx, 0, 12, 1, "5");
    dusk_array *m = dusk_array_binop_scalar(DUSK_BINOP_MOD, x, 3, false);
    v = computed(dusk_array_unique(dusk_array_mask(m, dusk_array_binop_scalar(DUSK_BINOP_GT, x, 6,
                                                                               false))));
    static const int64_t mw[] = {0, 1, 2};
    assert_int_equal(dusk_ndarray_shape(v)[0], 3);
    assert_memory_equal(dusk_ndarray_data(v), mw, sizeof mw);
    dusk_value_unref(v);
    v = computed(dusk_array_unique(dusk_array_mask(x, dusk_array_binop_scalar(DUSK_BINOP_GT, x,
                                                                               99, false))));
    assert_int_equal(dusk_ndarray_shape(v)[0], 0);
    dusk_value_unref(v);
    /* complex numbers, and x[mask] of 2 axes (its ravel refuses it) */
    dusk_error err = DUSK_ERROR_INIT;
    dusk_array *c = dusk_array_astype(x, DUSK_DT_C16);
    assert_int_equal(dusk_array_status(dusk_array_unique(c), &err), DUSK_ETYPE);
    assert_true(contains(err.msg, "complex"));
    dusk_array *o2 = dusk_ones(ctx, DUSK_SHAPE(4, 3), "2", DUSK_DT_F8);
    dusk_array *k2 = dusk_array_compress(dusk_array_binop_scalar(DUSK_BINOP_GT,
                                         dusk_arange(ctx, 0, 4, 1, "2"), 1, false), o2, 0);
    assert_int_equal(dusk_array_status(dusk_array_unique(k2), &err), DUSK_EINVAL);
    assert_true(contains(err.msg, "reshape: ") && contains(err.msg, "compute_chunk_sizes"));
}

/* --- what takes such arrays ------------------------------------------------------ */

static double scalar_of(dusk_array *a)
{
    dusk_value *v = computed(a);
    assert_int_equal(dusk_ndarray_ndim(v), 0);
    double d = dusk_ndarray_dtype(v) == DUSK_DT_BOOL ? *(const uint8_t *)dusk_ndarray_data(v)
               : dusk_ndarray_dtype(v) == DUSK_DT_I8 ? (double)*(const int64_t *)dusk_ndarray_data(v)
                                                     : *(const double *)dusk_ndarray_data(v);
    dusk_value_unref(v);
    return d;
}

static void test_elementwise_and_reductions(void **state)
{
    dusk_array_ctx *ctx = *state;
    /* 0..9 by 3: x > 4 leaves block 0 empty, x > 5.5 blocks 0 and 1 */
    dusk_array *x = dusk_arange_f8(ctx, 0, 10, 1, "3");
    dusk_array *y = dusk_array_mask(x, dusk_array_binop_scalar(DUSK_BINOP_GT, x, 4, false));
    /* y * 2 + y, exp(y), y as int32, y.T, where(y > 6, y, 0), and two
     * arrays of one structure */
    dusk_array *e[] = {
        dusk_array_add(dusk_array_binop_scalar(DUSK_BINOP_MUL, y, 2, false), y),
        dusk_array_unop(DUSK_UNOP_NEG, y),
        dusk_array_astype(dusk_array_binop_scalar(DUSK_BINOP_ADD, y, 0.5, false), DUSK_DT_I4),
        dusk_array_transpose(y, NULL),
        dusk_array_where_scalar(dusk_array_binop_scalar(DUSK_BINOP_GT, y, 6, false), y,
                                dusk_scalar_float(0), false),
        dusk_array_binop(DUSK_BINOP_SUB, y, dusk_ones(ctx, DUSK_SHAPE(1), "1", DUSK_DT_F8)),
    };
    static const double want[][5] = {{15, 18, 21, 24, 27}, {-5, -6, -7, -8, -9},
                                     {5, 6, 7, 8, 9}, {5, 6, 7, 8, 9}, {0, 0, 7, 8, 9},
                                     {4, 5, 6, 7, 8}};
    for (size_t i = 0; i < sizeof e / sizeof *e; i++) {
        assert_built(e[i], "elementwise");
        assert_true(dusk_array_unknown_chunks(e[i]));
        dusk_value *v = computed(e[i]);
        assert_int_equal(dusk_ndarray_shape(v)[0], 5);
        for (int k = 0; k < 5; k++) {
            double got = dusk_ndarray_dtype(v) == DUSK_DT_I4
                             ? ((const int32_t *)dusk_ndarray_data(v))[k]
                             : ((const double *)dusk_ndarray_data(v))[k];
            assert_true(got == want[i][k]);
        }
        dusk_value_unref(v);
    }
    /* every reduction of 5..9, whole and by split_every 2 */
    static const struct { dusk_reduction op; double want; } reds[] = {
        {DUSK_RED_SUM, 35}, {DUSK_RED_PROD, 15120}, {DUSK_RED_MEAN, 7}, {DUSK_RED_STD, 1.4142135623730951},
        {DUSK_RED_VAR, 2}, {DUSK_RED_MIN, 5}, {DUSK_RED_MAX, 9}, {DUSK_RED_ANY, 1},
        {DUSK_RED_ALL, 1}, {DUSK_RED_NANSUM, 35}, {DUSK_RED_NANPROD, 15120},
        {DUSK_RED_NANMEAN, 7}, {DUSK_RED_NANSTD, 1.4142135623730951}, {DUSK_RED_NANVAR, 2},
        {DUSK_RED_NANMIN, 5}, {DUSK_RED_NANMAX, 9},
    };
    assert_int_equal(sizeof reds / sizeof *reds, DUSK_RED_COUNT);
    for (size_t i = 0; i < sizeof reds / sizeof *reds; i++)
        for (int se = 0; se <= 2; se += 2) {
            dusk_array *r = dusk_array_reduce(reds[i].op, y, DUSK_ALL_AXES, false, se, 0);
            assert_built(r, "reduction");
            assert_false(dusk_array_unknown_chunks(r));
            double got = scalar_of(r);
            if (!close_enough(got, reds[i].want, 1e-12, 0))
                fail_msg("reduction %zu (split_every %d): %.17g, not %.17g", i, se, got,
                         reds[i].want);
        }
    /* nothing kept: sum 0, mean nan, min NumPy's error when computed */
    dusk_array *none = dusk_array_mask(x, dusk_array_binop_scalar(DUSK_BINOP_GT, x, 100, false));
    assert_true(scalar_of(dusk_array_sum(none, DUSK_ALL_AXES, false)) == 0);
    assert_true(isnan(scalar_of(dusk_array_mean(none, DUSK_ALL_AXES, false))));
    dusk_reduction noid[] = {DUSK_RED_MIN, DUSK_RED_MAX, DUSK_RED_NANMIN, DUSK_RED_NANMAX};
    for (size_t i = 0; i < 4; i++) {
        dusk_array *r = dusk_array_reduce(noid[i], none, DUSK_ALL_AXES, false, 2, 0);
        assert_built(r, "min of nothing");
        dusk_value *v = NULL;
        dusk_error err = DUSK_ERROR_INIT;
        assert_int_equal(dusk_array_compute(r, NULL, &v, &err), DUSK_EINVAL);
        assert_null(v);
        assert_true(contains(err.msg, "zero-size array to reduction operation"));
    }
    /* two results of one graph at once, and the Dask table */
    dusk_array *two[] = {y, dusk_array_sum(y, DUSK_ALL_AXES, false)};
    dusk_value *vals[2] = {NULL, NULL};
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_array_compute_many(two, 2, NULL, vals, &err), 0);
    assert_int_equal(dusk_ndarray_shape(vals[0])[0], 5);
    assert_true(*(const double *)dusk_ndarray_data(vals[1]) == 35);
    dusk_value_unref(vals[0]);
    dusk_value_unref(vals[1]);
    char table[1024];
    dusk_array_describe(y, table, sizeof table);
    assert_true(contains(table, "unknown"));
    assert_true(contains(table, "(nan,)"));
    /* its picture's layers say nan, not the sentinel */
    dusk_viz_options vo = DUSK_VIZ_OPTIONS_INIT;
    vo.view = DUSK_VIZ_LAYERS;
    char *dot = NULL;
    size_t len = 0;
    dusk_array *w = dusk_array_binop_scalar(DUSK_BINOP_MUL, y, 2, false);
    assert_int_equal(dusk_visualize_array_mem(w, "dot", &vo, &dot, &len, &err), 0);
    assert_true(contains(dot, "(nan,)"));
    assert_false(contains(dot, "(-1,)"));
    dusk_free(dot);
}

/* --- compute_chunk_sizes ---------------------------------------------------------- */

static void test_compute_chunk_sizes(void **state)
{
    dusk_array_ctx *ctx = *state;
    dusk_array *x = dusk_arange(ctx, 0, 10, 1, "3");
    dusk_array *y = dusk_array_mask(x, dusk_array_binop_scalar(DUSK_BINOP_GT, x, 4, false));
    dusk_array *k = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_array_compute_chunk_sizes(y, NULL, &k, &err), 0);
    assert_non_null(k);
    assert_false(dusk_array_unknown_chunks(k));
    assert_string_equal(dusk_array_name(k), dusk_array_name(y));   /* the same keys */
    assert_int_equal(dusk_array_shape(k)[0], 5);
    static const int64_t want[] = {0, 1, 3, 1};
    assert_memory_equal(dusk_array_chunks(k, 0), want, sizeof want);
    assert_int_equal(dusk_array_ntasks(k), dusk_array_ntasks(y));
    /* what was refused now builds */
    dusk_array *s = dusk_array_slice(k, "1:4");
    assert_built(s, "slice after compute_chunk_sizes");
    dusk_value *v = computed(s);
    static const int64_t sv[] = {6, 7, 8};
    assert_int_equal(dusk_ndarray_shape(v)[0], 3);
    assert_memory_equal(dusk_ndarray_data(v), sv, sizeof sv);
    dusk_value_unref(v);
    /* known chunks: the array itself */
    dusk_array *same = NULL;
    assert_int_equal(dusk_array_compute_chunk_sizes(x, NULL, &same, &err), 0);
    assert_ptr_equal(same, x);
    /* an error of the run is the call's */
    dusk_array *bad = dusk_array_mask(x, dusk_array_binop_scalar(DUSK_BINOP_GT, x, 4, false));
    dusk_array *r = NULL;
    dusk_array_ctx_set_memory_check(ctx, true);
    dusk_options o = opts_of(DUSK_SCHED_SYNC, 1);
    assert_int_equal(dusk_array_compute_chunk_sizes(bad, &o, &r, &err), 0);
    assert_int_equal(dusk_array_shape(r)[0], 5);
}

/* --- refusals ------------------------------------------------------------------------- */

static void assert_refused(dusk_array *r, const char *name)
{
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_array_status(r, &err), DUSK_EINVAL);
    char want[64];
    snprintf(want, sizeof want, "%s: ", name);
    if (strncmp(err.msg, want, strlen(want)) != 0 || !contains(err.msg, "compute_chunk_sizes") ||
        !contains(err.msg, "(nan,)"))
        fail_msg("%s: the message does not name it and the remedy: %s", name, err.msg);
}

static void test_refusals(void **state)
{
    dusk_array_ctx *ctx = *state;
    dusk_array *x = dusk_arange_f8(ctx, 0, 10, 1, "3");
    dusk_array *y = dusk_array_mask(x, dusk_array_binop_scalar(DUSK_BINOP_GT, x, 4, false));
    dusk_index ix[] = {DUSK_SLICE(DUSK_NIL, 3, DUSK_NIL)};
    dusk_array *pair[] = {y, y};
    static const double edges[] = {0, 5, 10};
    struct { dusk_array *r; const char *name; } cases[] = {
        {dusk_array_getitem(y, ix, 1), "getitem"},
        {dusk_array_slice(y, "0"), "getitem"},   /* the text's getitem */
        {dusk_array_slice(y, "1:"), "getitem"},
        {dusk_array_rechunk(y, "2"), "rechunk"},
        {dusk_array_reshape(y, DUSK_SHAPE(-1, 1), true), "reshape"},
        {dusk_array_ravel(y), "reshape"},
        {dusk_array_squeeze(y, DUSK_ALL_AXES), "squeeze"},
        {dusk_concatenate(pair, 2, 0), "concatenate"},
        {dusk_stack(pair, 2, 0), "stack"},
        {dusk_tensordot(y, y, NULL, NULL, 1), "tensordot"},
        {dusk_array_dot(y, y), "dot"},
        {dusk_array_matmul(y, y), "matmul"},
        {dusk_array_cumsum(y, 0), "cumsum"},
        {dusk_array_argmax(y, DUSK_AXIS_NONE), "argreduce"},
        {dusk_array_histogram(y, edges, 3, NULL), "histogram"},
        {dusk_array_digitize(y, edges, 3, false), "digitize"},
        {dusk_linalg_tsqr(dusk_array_transpose(dusk_stack(pair, 1, 0), NULL)).q, "stack"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        assert_refused(cases[i].r, cases[i].name);
    /* a store refuses it before it makes any file */
    dusk_error err = DUSK_ERROR_INIT;
    char path[1024];
    snprintf(path, sizeof path, "%s/unknown.h5", scratch_dir);
    assert_int_equal(dusk_array_store(y, path, "/y", NULL, NULL, &err), DUSK_EINVAL);
    assert_true(contains(err.msg, "store: ") && contains(err.msg, "compute_chunk_sizes"));
    FILE *f = fopen(path, "rb");
    assert_null(f);
    /* elementwise with another structure along the unknown axis: refused */
    dusk_array *z = dusk_arange_f8(ctx, 0, 20, 1, "4");   /* 5 blocks, y 4 */
    dusk_array *w = dusk_array_mask(z, dusk_array_binop_scalar(DUSK_BINOP_GT, z, 3, false));
    dusk_array *bad[] = {
        dusk_array_add(y, w),
        dusk_array_add(y, dusk_ones(ctx, DUSK_SHAPE(4), "1", DUSK_DT_F8)),
        dusk_array_where(dusk_array_binop_scalar(DUSK_BINOP_GT, w, 6, false), y, y),
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(dusk_array_status(bad[i], &err), DUSK_EINVAL);
        assert_true(contains(err.msg, "could not be broadcast") && contains(err.msg, "nan"));
    }
    /* a mask of another shape, or not of bools */
    dusk_array *m2 = dusk_ones(ctx, DUSK_SHAPE(9), "3", DUSK_DT_BOOL);
    assert_int_equal(dusk_array_status(dusk_array_mask(x, m2), &err), DUSK_EINVAL);
    assert_true(contains(err.msg, "did not match"));
    assert_int_equal(dusk_array_status(dusk_array_mask(x, x), &err), DUSK_EINVAL);
    assert_true(contains(err.msg, "must be of bools"));
}

/* --- the memory check ----------------------------------------------------------------------- */

/* An array of unknown chunk sizes counts at the most it can hold: x[mask]
 * of 8 TiB in blocks of 2 TiB is refused, computed or its sizes computed,
 * before anything runs (the sentinel, read as a size, would have let it
 * start). */
static void test_memory_check_counts_the_bound(void **state)
{
    dusk_array_ctx *ctx = *state;
    dusk_array *x = dusk_ones(ctx, DUSK_SHAPE(INT64_C(1) << 40), "274877906944", DUSK_DT_F8);
    dusk_array *y = dusk_array_mask(x, dusk_array_binop_scalar(DUSK_BINOP_GT, x, 0, false));
    dusk_array *z = dusk_array_binop_scalar(DUSK_BINOP_MUL, y, 2, false);
    assert_built(z, "a large x[mask]");
    dusk_value *v = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_array_compute(z, NULL, &v, &err), DUSK_ENOMEM);
    assert_null(v);
    assert_true(contains(err.msg, "computing") && contains(err.msg, "(nan,)"));
    dusk_array *k = NULL;
    assert_int_equal(dusk_array_compute_chunk_sizes(z, NULL, &k, &err), DUSK_ENOMEM);
    assert_null(k);
    assert_true(contains(err.msg, "computing the chunk sizes of") &&
                contains(err.msg, "2.00 TiB"));
    dusk_array *two[] = {z, y};
    dusk_value *vals[2] = {NULL, NULL};
    assert_int_equal(dusk_array_compute_many(two, 2, NULL, vals, &err), DUSK_ENOMEM);
    /* a small one of the same shape passes */
    dusk_array *s = dusk_ones(ctx, DUSK_SHAPE(40), "10", DUSK_DT_F8);
    dusk_array *t = dusk_array_mask(s, dusk_array_binop_scalar(DUSK_BINOP_GT, s, 0, false));
    assert_int_equal(dusk_array_compute_chunk_sizes(t, NULL, &k, &err), 0);
    assert_int_equal(dusk_array_shape(k)[0], 40);
}

/* --- allocation failures ----------------------------------------------------------------- */

static void test_out_of_memory(void **state)
{
    (void)state;
    bool built_ok = false, computed_ok = false;
    for (long n = 0; n < 4000 && !computed_ok; n++) {
        dusk_array_ctx *ctx = dusk_array_ctx_new();
        if (!ctx)
            continue;
        dusk_alloc_fail_after(n);
        dusk_array *x = dusk_ones(ctx, DUSK_SHAPE(6, 4), "(3, 2)", DUSK_DT_F8);
        dusk_array *y = dusk_array_mask(x, dusk_array_binop_scalar(DUSK_BINOP_GT, x, 0, false));
        dusk_array *s = dusk_array_sum(dusk_array_binop_scalar(DUSK_BINOP_MUL, y, 2, false),
                                       DUSK_ALL_AXES, false);
        dusk_error err = DUSK_ERROR_INIT;
        int rc = dusk_array_status(s, &err);
        if (rc == 0) {
            built_ok = true;
            dusk_value *v = NULL, *all = NULL;
            dusk_array *k = NULL;
            dusk_options o = opts_of(DUSK_SCHED_SYNC, 1);
            rc = dusk_array_compute(s, &o, &v, &err);
            if (rc == 0)
                rc = dusk_array_compute(y, &o, &all, &err);
            if (rc == 0)
                rc = dusk_array_compute_chunk_sizes(y, &o, &k, &err);
            dusk_alloc_fail_after(-1);
            if (rc == 0) {
                computed_ok = true;
                assert_true(*(const double *)dusk_ndarray_data(v) == 48);
                assert_int_equal(dusk_ndarray_shape(all)[0], 24);
                assert_int_equal(dusk_array_shape(k)[0], 24);
            } else {
                assert_int_equal(rc, DUSK_ENOMEM);
            }
            dusk_value_unref(v);
            dusk_value_unref(all);
        } else {
            assert_int_equal(rc, DUSK_ENOMEM);
        }
        dusk_alloc_fail_after(-1);
        dusk_array_ctx_free(ctx);
    }
    assert_true(built_ok);
    assert_true(computed_ok);
}

static int setup(void **state)
{
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    *state = ctx;
    return ctx ? 0 : -1;
}

static int teardown(void **state)
{
    dusk_array_ctx_free(*state);
    return reset_alloc(state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_mask_graphs_are_dasks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mask_values_are_numpys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compress_values_are_numpys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unique_is_numpys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_elementwise_and_reductions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compute_chunk_sizes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_memory_check_counts_the_bound, setup, teardown),
        cmocka_unit_test(test_out_of_memory),
    };
    return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
