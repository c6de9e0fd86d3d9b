/*
** dusk tests — reshape, ravel and cumsum/cumprod(axis=None) of N-d arrays,
** checked against NumPy and Dask
**
** Dask (Debian's /usr/bin/python3) builds the same expressions, and their
** layers (key_split of their names), task counts, shapes and chunks must
** be dusk's, or both must refuse. Values: a reshape in C order keeps the
** elements in their flat order, so every computed result must hold the
** input's elements in order, over several chunkings and dtypes; the
** cumulative sums of flattened arrays are compared with NumPy's.
*/
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
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
#include "helpers.h"

/* The next line of text at *p (NUL-ended in place), advancing *p. */
static char *next_line(char **p)
{
    char *s = *p;
    if (!*s)
        fail_msg("Python's output ended early");
    char *e = strchr(s, '\n');
    if (e) {
        *e = 0;
        *p = e + 1;
    } else {
        *p = s + strlen(s);
    }
    return s;
}

static void assert_built(const dusk_array *a, const char *what)
{
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_array_status(a, &err))
        fail_msg("%s: building failed: %s", what, err.msg);
}

/* "ntasks;op=n,op=n shape chunks": ops sorted by name, shape and chunks
 * as Python prints tuples. The same as PY_SIGNATURE prints for Dask. */
static void signature(const dusk_array *a, char *buf, size_t n)
{
    size_t l = layer_signature(a, buf, n);
    int nd = dusk_array_ndim(a);
    l += (size_t)snprintf(buf + l, n - l, " (");
    for (int d = 0; d < nd && l < n; d++)
        l += (size_t)snprintf(buf + l, n - l, "%s%" PRId64, d ? ", " : "",
                              dusk_array_shape(a)[d]);
    l += (size_t)snprintf(buf + l, n - l, "%s) (", nd == 1 ? "," : "");
    for (int d = 0; d < nd && l < n; d++) {
        l += (size_t)snprintf(buf + l, n - l, "%s(", d ? ", " : "");
        int64_t nb = dusk_array_numblocks(a, d);
        for (int64_t k = 0; k < nb && l < n; k++)
            l += (size_t)snprintf(buf + l, n - l, "%s%" PRId64, k ? ", " : "",
                                  dusk_array_chunks(a, d)[k]);
        l += (size_t)snprintf(buf + l, n - l, "%s)", nb == 1 ? "," : "");
    }
    if (l < n)
        snprintf(buf + l, n - l, "%s)", nd == 1 ? "," : "");
}

#define PY_SIGNATURE                                                                 \
    "def sig(e):\n"                                                                  \
    "    g = e.__dask_graph__()\n"                                                   \
    "    c = {}\n"                                                                   \
    "    for name, layer in g.layers.items():\n"                                     \
    "        c[key_split(name)] = c.get(key_split(name), 0) + len(layer)\n"          \
    "    s = '%d;' % len(g) + ','.join('%s=%d' % (k, c[k]) for k in sorted(c))\n"    \
    "    return '%s %s %s' % (s, e.shape, e.chunks)\n"

/* --- the graphs against Dask's ---------------------------------------------------- */

/* A reshape of da.ones(shape, chunks=chunks): the chunks text is the same
 * in C and Python; out may hold one -1. */
typedef struct {
    int ndim;
    int64_t shape[4];
    const char *chunks;
    int ondim;
    int64_t out[5];
    bool merge;
    const char *why;
} rcase;

static const rcase CASES[] = {
    {1, {12}, "5", 2, {3, 4}, true, "1-d to 2-d"},
    {1, {12}, "5", 2, {4, -1}, true, "1-d to 2-d with -1"},
    {2, {6, 4}, "(2, 2)", 1, {24}, true, "2-d to 1-d, the lower axis taken whole"},
    {2, {6, 4}, "(2, 4)", 1, {-1}, true, "2-d to 1-d, no rechunk"},
    {2, {6, 4}, "(1, 2)", 1, {24}, true, "2-d to 1-d, blocks of one row move"},
    {3, {6, 5, 4}, "(3, 2, 2)", 4, {3, 2, 5, 4}, true, "splitting an axis"},
    {3, {6, 5, 4}, "(3, 2, 2)", 2, {30, 4}, true, "merging axes"},
    {3, {6, 5, 4}, "(3, 2, 2)", 3, {4, 5, 6}, true, "uneven: refused"},
    {1, {24}, "7", 3, {2, 3, 4}, true, "uneven chunks contracted"},
    {3, {4, 1, 6}, "(2, 1, 3)", 2, {4, 6}, true, "a size-1 axis dropped"},
    {2, {4, 6}, "(2, 3)", 4, {4, 1, 6, 1}, true, "size-1 axes added"},
    {2, {4, 6}, "(4, 6)", 2, {2, 12}, true, "one block"},
    {2, {10, 12}, "((1, 1, 5, 3), (5, 7))", 1, {-1}, true, "uneven chunks flattened"},
    {3, {2, 3, 4}, "1", 1, {24}, true, "blocks of one element"},
    {3, {2, 3, 4}, "(1, 2, 3)", 2, {6, 4}, false, "merge_chunks=False"},
    {3, {2, 3, 4}, "(2, 2, 3)", 2, {6, 4}, false, "merge_chunks=False, a rechunk"},
    {2, {12, 10}, "(5, 3)", 3, {3, 4, 10}, true, "splitting the first axis"},
    {2, {7, 4}, "((7,), (2, 2))", 1, {28}, true, "expand_tuple's split"},
    {2, {6, 4}, "((2, 2, 2), (1, 3))", 2, {3, 8}, true, "merge across: refused"},
    {2, {0, 6}, "(2, 3)", 2, {6, 0}, true, "empty: refused as Dask refuses"},
    {1, {12}, "5", 1, {12}, true, "the same shape: the same array"},
    {4, {2, 3, 4, 5}, "(1, 3, 2, 5)", 2, {6, 20}, true, "two merges"},
    {2, {24, 5}, "(7, 5)", 4, {2, 3, 4, 5}, true, "a split into three"},
};
#define NCASES (sizeof CASES / sizeof *CASES)

static void pytuple(char *buf, size_t n, int nd, const int64_t *v)
{
    size_t l = (size_t)snprintf(buf, n, "(");
    for (int d = 0; d < nd; d++)
        l += (size_t)snprintf(buf + l, n - l, "%s%" PRId64, d ? ", " : "", v[d]);
    snprintf(buf + l, n - l, "%s)", nd == 1 ? "," : "");
}

static dusk_shape shape_of(int nd, const int64_t *v)
{
    dusk_shape s = DUSK_SHAPE0;
    s.ndim = nd;
    memcpy(s.v, v, (size_t)nd * sizeof *v);
    return s;
}

static void test_graphs_are_dasks(void **state)
{
    dusk_array_ctx *ctx = *state;
    size_t cap = 8192;
    char *prog = malloc(cap);
    assert_non_null(prog);
    size_t l = (size_t)snprintf(prog, cap, "%scases = []\n", PY_SIGNATURE);
    for (size_t k = 0; k < NCASES; k++) {
        char sh[64], out[64];
        pytuple(sh, sizeof sh, CASES[k].ndim, CASES[k].shape);
        pytuple(out, sizeof out, CASES[k].ondim, CASES[k].out);
        l += (size_t)snprintf(prog + l, cap - l, "cases.append((%s, %s, %s, %s))\n", sh,
                              CASES[k].chunks, out, CASES[k].merge ? "True" : "False");
    }
    snprintf(prog + l, cap - l,
             "for sh, ch, out, m in cases:\n"
             "    x = da.ones(sh, chunks=ch)\n"
             "    try:\n"
             "        r = x.reshape(out, merge_chunks=m)\n"
             "        print(sig(r), 'same' if r is x else 'new')\n"
             "    except (ValueError, NotImplementedError) as e:\n"
             "        print('error', type(e).__name__)\n");
    char *got_py = py_dask(prog), *at = got_py;
    free(prog);
    for (size_t k = 0; k < NCASES; k++) {
        const rcase *c = &CASES[k];
        const char *want = next_line(&at);
        dusk_array *x = dusk_ones(ctx, shape_of(c->ndim, c->shape), c->chunks, DUSK_DT_F8);
        assert_built(x, c->why);
        dusk_array *r = dusk_array_reshape(x, shape_of(c->ondim, c->out), c->merge);
        if (strncmp(want, "error", 5) == 0) {
            dusk_error err = DUSK_ERROR_INIT;
            if (dusk_array_status(r, &err) != DUSK_EINVAL)
                fail_msg("case %zu (%s): Dask says %s, dusk built it", k, c->why, want);
            assert_contains(err.msg, "only merges or splits existing axes evenly");
            continue;
        }
        assert_built(r, c->why);
        char got[1024];
        signature(r, got, sizeof got);
        snprintf(got + strlen(got), sizeof got - strlen(got), " %s", r == x ? "same" : "new");
        if (strcmp(got, want) != 0)
            fail_msg("case %zu (%s): dusk %s, Dask %s", k, c->why, got, want);
    }
    free(got_py);
}

/* cumsum and cumprod with axis=None: flattened, then rechunked to blocks
 * of as many elements as there were blocks, as Dask builds it. */
static void test_cumulative_none_graphs(void **state)
{
    dusk_array_ctx *ctx = *state;
    char *out = py_dask(PY_SIGNATURE
                   "x = da.ones((10, 7), chunks=(3, 2))\n"
                   "for e in (da.cumsum(x), da.cumprod(x), da.cumsum(da.ones((4, 5, 6), chunks=(2, 5, 3))),\n"
                   "          da.cumsum(da.ones((4, 6), chunks=(4, 6))), da.cumsum(da.ones((), dtype='i4')),\n"
                   "          da.cumprod(da.ones((6, 4), chunks=(1, 4), dtype='u1'))):\n"
                   "    print(sig(e), e.dtype)\n");
    char *at = out;
    dusk_array *x = dusk_ones(ctx, DUSK_SHAPE(10, 7), "(3, 2)", DUSK_DT_F8);
    dusk_array *rs[6] = {
        dusk_array_cumsum(x, DUSK_AXIS_NONE),
        dusk_array_cumprod(x, DUSK_AXIS_NONE),
        dusk_array_cumsum(dusk_ones(ctx, DUSK_SHAPE(4, 5, 6), "(2, 5, 3)", DUSK_DT_F8),
                          DUSK_AXIS_NONE),
        dusk_array_cumsum(dusk_ones(ctx, DUSK_SHAPE(4, 6), "(4, 6)", DUSK_DT_F8),
                          DUSK_AXIS_NONE),
        dusk_array_cumsum(dusk_ones(ctx, DUSK_SHAPE0, "()", DUSK_DT_I4), DUSK_AXIS_NONE),
        dusk_array_cumprod(dusk_ones(ctx, DUSK_SHAPE(6, 4), "(1, 4)", DUSK_DT_U1),
                           DUSK_AXIS_NONE),
    };
    for (int k = 0; k < 6; k++) {
        const char *want = next_line(&at);
        char what[32], got[1024];
        snprintf(what, sizeof what, "cumulative case %d", k);
        assert_built(rs[k], what);
        signature(rs[k], got, sizeof got);
        snprintf(got + strlen(got), sizeof got - strlen(got), " %s",
                 dusk_dtype_name(dusk_array_dtype(rs[k])));
        if (strcmp(got, want) != 0)
            fail_msg("%s: dusk %s, Dask %s", what, got, want);
    }
    free(out);
}

/* --- values --------------------------------------------------------------------------- */

static const dusk_dtype DTYPES[] = {DUSK_DT_F8, DUSK_DT_F4, DUSK_DT_I2, DUSK_DT_U1,
                                    DUSK_DT_BOOL, DUSK_DT_C16};

/* Every case Dask builds, of several dtypes and over more chunkings of
 * the input than the case's own, computed on two schedulers: the result
 * has the shape asked for and the input's elements in C order. */
static void test_values_keep_c_order(void **state)
{
    dusk_array_ctx *ctx = *state;
    static const char *const more[] = {NULL, "1", "auto", "2"};
    int checked = 0;
    for (size_t k = 0; k < NCASES; k++) {
        const rcase *c = &CASES[k];
        int64_t n = 1;
        for (int d = 0; d < c->ndim; d++)
            n *= c->shape[d];
        for (size_t ti = 0; ti < sizeof DTYPES / sizeof *DTYPES; ti++) {
            dusk_dtype t = DTYPES[ti];
            size_t es = dusk_dtype_size(t);
            unsigned char *data = malloc((size_t)(n ? n : 1) * es);
            assert_non_null(data);
            for (int64_t i = 0; i < n * (int64_t)es; i++)
                data[i] = t == DUSK_DT_BOOL ? (unsigned char)(i % 3 == 0)
                                            : (unsigned char)(i * 37 + k);
            for (size_t m = 0; m < sizeof more / sizeof *more; m++) {
                const char *ch = more[m] ? more[m] : c->chunks;
                dusk_array *x = dusk_from_buffer(ctx, data, t, shape_of(c->ndim, c->shape), ch);
                assert_built(x, c->why);
                /* a transposed input twice over: blocks that are views
                 * with strides, not contiguous */
                if (c->ndim == 2 && m == 3)
                    x = dusk_array_transpose(dusk_array_transpose(x, NULL), NULL);
                dusk_array *r = dusk_array_reshape(x, shape_of(c->ondim, c->out), c->merge);
                if (dusk_array_status(r, NULL)) {
                    assert_int_equal(dusk_array_status(r, NULL), DUSK_EINVAL);
                    continue;
                }
                char what[160];
                snprintf(what, sizeof what, "case %zu (%s) %s chunks %s", k, c->why,
                         dusk_dtype_code(t), ch);
                dusk_options o = opts_of(m % 2 ? DUSK_SCHED_SYNC : DUSK_SCHED_THREADS, 2);
                dusk_value *v = compute_with(r, &o, what);
                assert_int_equal(dusk_ndarray_ndim(v), c->ondim);
                for (int d = 0; d < c->ondim; d++)
                    if (c->out[d] >= 0)
                        assert_int_equal(dusk_ndarray_shape(v)[d], c->out[d]);
                assert_int_equal(dusk_ndarray_size(v), n);
                assert_true(dusk_ndarray_is_contiguous(v));
                if (n && memcmp(dusk_ndarray_data(v), data, (size_t)n * es) != 0)
                    fail_msg("%s: the elements are not the input's in C order", what);
                release(v);
                checked++;
            }
            free(data);
        }
    }
    assert_true(checked > 300);
}

/* NumPy's values of reshape, ravel and cumsum/cumprod(axis=None) of a
 * 3-d array of integers and one of floats. */
static void test_matches_numpy(void **state)
{
    dusk_array_ctx *ctx = *state;
    int32_t xi[4 * 5 * 6];
    double xf[4 * 5 * 6];
    for (int i = 0; i < 120; i++) {
        xi[i] = (i * 7919) % 13 - 6;
        xf[i] = ((i * 31) % 17) * 0.25 - 1.5;
    }
    FILE *f = fopen(scratch("xi.raw"), "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(xi, sizeof xi, 1, f), 1);
    fclose(f);
    f = fopen(scratch("xf.raw"), "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(xf, sizeof xf, 1, f), 1);
    fclose(f);
    char *out = py_dask("xi = np.fromfile('xi.raw', 'i4').reshape(4, 5, 6)\n"
                   "xf = np.fromfile('xf.raw', 'f8').reshape(4, 5, 6)\n"
                   "for r in (xi.reshape(20, 6), xi.reshape(2, 2, 30), np.ravel(xf),\n"
                   "          np.cumsum(xi), np.cumprod(xi[:2, :2]), np.cumsum(xf)):\n"
                   "    print(r.dtype.str[1:], r.shape, ' '.join(repr(v) for v in r.ravel().tolist()))\n");
    char *at = out;
    const char *wants[6];
    for (int k = 0; k < 6; k++)
        wants[k] = next_line(&at);
    static const char *const chunkings[] = {"(3, 2, 4)", "(1, 5, 6)", "1", "(4, 5, 6)"};
    for (size_t c = 0; c < 4; c++) {
        dusk_array *ai = dusk_from_buffer(ctx, xi, DUSK_DT_I4, DUSK_SHAPE(4, 5, 6), chunkings[c]);
        dusk_array *af = dusk_from_buffer(ctx, xf, DUSK_DT_F8, DUSK_SHAPE(4, 5, 6), chunkings[c]);
        dusk_array *rs[6] = {
            dusk_array_reshape(ai, DUSK_SHAPE(20, 6), true),
            dusk_array_reshape(ai, DUSK_SHAPE(2, 2, 30), true),
            dusk_array_ravel(af),
            dusk_array_cumsum(ai, DUSK_AXIS_NONE),
            dusk_array_cumprod(dusk_array_slice(ai, ":2, :2"), DUSK_AXIS_NONE),
            dusk_array_cumsum(af, DUSK_AXIS_NONE),
        };
        for (int k = 0; k < 6; k++) {
            const char *want = wants[k];
            char what[64];
            snprintf(what, sizeof what, "result %d, chunks %s", k, chunkings[c]);
            if (dusk_array_status(rs[k], NULL) == DUSK_EINVAL && k == 1)
                continue;   /* (4, 5, 6) into (2, 2, 30) splits 4: Dask refuses some chunkings */
            assert_built(rs[k], what);
            dusk_value *v = compute_with(rs[k], NULL, what);
            size_t cap = 8192, l = 0;
            char *got = malloc(cap);
            assert_non_null(got);
            dusk_dtype t = dusk_ndarray_dtype(v);
            l += (size_t)snprintf(got, cap, "%s (", dusk_dtype_code(t));
            for (int d = 0; d < dusk_ndarray_ndim(v); d++)
                l += (size_t)snprintf(got + l, cap - l, "%s%" PRId64, d ? ", " : "",
                                      dusk_ndarray_shape(v)[d]);
            l += (size_t)snprintf(got + l, cap - l, "%s) ", dusk_ndarray_ndim(v) == 1 ? "," : "");
            for (int64_t i = 0; i < dusk_ndarray_size(v); i++) {
                if (t == DUSK_DT_F8)
                    l += (size_t)snprintf(got + l, cap - l, "%s%.17g", i ? " " : "",
                                          ((double *)dusk_ndarray_data(v))[i]);
                else
                    l += (size_t)snprintf(got + l, cap - l, "%s%" PRId64, i ? " " : "",
                                          ref_geti(dusk_ndarray_data(v), t, i));
            }
            /* Python's repr of a float: 1.0, not 1; compare numbers, not text */
            char *g = got, *w = (char *)want;
            size_t hl = strcspn(g, ")") + 1;
            if (strncmp(g, w, hl) != 0)
                fail_msg("%s: dusk %.*s, NumPy %.*s", what, (int)hl, g, (int)strcspn(w, ")") + 1, w);
            g += hl;
            w += hl;
            for (int64_t i = 0; i < dusk_ndarray_size(v); i++) {
                char *ge, *we;
                double a = strtod(g, &ge), b = strtod(w, &we);
                if (ge == g || we == w || a != b)
                    fail_msg("%s: element %" PRId64 " is %.17g, NumPy's %.17g", what, i, a, b);
                g = ge;
                w = we;
            }
            free(got);
            release(v);
        }
    }
    free(out);
}

/* --- errors ------------------------------------------------------------------------- */

static void test_errors(void **state)
{
    dusk_array_ctx *ctx = *state;
    dusk_array *x = dusk_arange(ctx, 0, 12, 1, "5");
    assert_array_error(dusk_array_reshape(x, DUSK_SHAPE(5), true), DUSK_EINVAL,
                       "reshape: cannot reshape array of size 12 into shape (5,)");
    assert_array_error(dusk_array_reshape(x, DUSK_SHAPE(3, -1, 5), true), DUSK_EINVAL,
                       "cannot reshape array of size 12 into shape (3,newaxis,5)");
    assert_array_error(dusk_array_reshape(x, DUSK_SHAPE(-1, -1), true), DUSK_EINVAL,
                       "can only specify one unknown dimension (-1): shape (-1, -1)");
    assert_array_error(dusk_array_reshape(x, DUSK_SHAPE(-2, -6), true), DUSK_EINVAL,
                       "negative dimensions are not allowed: -2 in shape (-2, -6)");
    assert_array_error(dusk_array_reshape(x, DUSK_SHAPE(0, -1), true), DUSK_EINVAL,
                       "cannot reshape array of size 12 into shape (0,newaxis)");
    assert_array_error(dusk_array_reshape(x, DUSK_SHAPE0, true), DUSK_EINVAL,
                       "cannot reshape array of size 12 into shape ()");
    dusk_shape big = DUSK_SHAPE0;
    big.ndim = DUSK_MAXDIMS + 1;
    assert_array_error(dusk_array_reshape(x, big, true), DUSK_EINVAL, "dimensions");
    /* an error in, the same error out */
    dusk_array *bad = dusk_array_reshape(x, DUSK_SHAPE(7), true);
    assert_ptr_equal(dusk_array_ravel(bad), bad);
    /* zero sizes: -1 is whatever fits, when something does (of one block:
     * Dask refuses (0, 4) in blocks of (0, 2) into (2, 0), as dusk does) */
    assert_array_error(dusk_array_reshape(dusk_zeros(ctx, DUSK_SHAPE(0, 4), "2", DUSK_DT_F8),
                                          DUSK_SHAPE(2, -1), true),
                       DUSK_EINVAL, "only merges or splits existing axes evenly");
    dusk_array *e = dusk_zeros(ctx, DUSK_SHAPE(0, 4), "4", DUSK_DT_F8);
    dusk_array *r = dusk_array_reshape(e, DUSK_SHAPE(2, -1), true);
    assert_built(r, "(0, 4) into (2, -1)");
    assert_int_equal(dusk_array_shape(r)[1], 0);
    dusk_value *v = compute_with(r, NULL, "(0, 4) into (2, -1)");
    assert_int_equal(dusk_ndarray_size(v), 0);
    release(v);
    assert_array_error(dusk_array_reshape(e, DUSK_SHAPE(0, -1), true), DUSK_EINVAL,
                       "cannot reshape array of size 0 into shape (0,newaxis)");
    /* 0-d and back */
    double one = 3;
    dusk_array *s = dusk_from_buffer(ctx, &one, DUSK_DT_F8, DUSK_SHAPE0, "()");
    dusk_array *s11 = dusk_array_reshape(s, DUSK_SHAPE(1, 1), true);
    assert_built(s11, "0-d into (1, 1)");
    dusk_array *back = dusk_array_reshape(s11, DUSK_SHAPE0, true);
    assert_int_equal(dusk_array_ndim(back), 0);
    v = compute_with(back, NULL, "(1, 1) into ()");
    assert_int_equal(dusk_ndarray_ndim(v), 0);
    assert_true(*(double *)dusk_ndarray_data(v) == 3);
    release(v);
    /* ravel of 1-d is the array itself, as Dask's */
    assert_ptr_equal(dusk_array_ravel(x), x);
}

/* Every allocation of building and computing a reshape with a rechunk,
 * a merge_chunks=False reshape and cumsum(axis=None) failing in turn: an
 * error (never NULL, never a crash), nothing leaked. */
static void test_out_of_memory(void **state)
{
    (void)state;
    long base = dusk_alloc_live();
    int built_ok = 0, computed_ok = 0;
    for (long n = 0; n < 4000 && !(built_ok && computed_ok > 2); n++) {
        dusk_array_ctx *c = dusk_array_ctx_new();
        if (!c)
            continue;
        dusk_alloc_fail_after(n);
        dusk_array *x = dusk_ones(c, DUSK_SHAPE(6, 4), "(4, 3)", DUSK_DT_F8);
        dusk_array *r = dusk_array_reshape(x, DUSK_SHAPE(2, 3, 4), true);
        dusk_array *m = dusk_array_reshape(dusk_ones(c, DUSK_SHAPE(2, 3, 4), "(1, 2, 3)",
                                                     DUSK_DT_F8), DUSK_SHAPE(6, 4), false);
        dusk_array *y = dusk_array_cumsum(dusk_array_add(r, dusk_array_reshape(m,
                                          DUSK_SHAPE(2, 3, 4), true)), DUSK_AXIS_NONE);
        assert_non_null(y);
        int st = dusk_array_status(y, NULL);
        if (st == 0)
            built_ok = 1;
        else
            assert_int_equal(st, DUSK_ENOMEM);
        if (st == 0) {
            dusk_value *v = NULL;
            dusk_error err = DUSK_ERROR_INIT;
            dusk_options o = opts_of(n % 2 ? DUSK_SCHED_SYNC : DUSK_SCHED_THREADS, 2);
            if (dusk_array_compute(y, &o, &v, &err) == 0) {
                computed_ok++;
                const double *got = dusk_ndarray_data(v);
                for (int j = 0; j < 24; j++)
                    assert_true(got[j] == 2.0 * (j + 1));
            } else {
                assert_null(v);
            }
            dusk_value_unref(v);
        }
        dusk_alloc_fail_after(-1);
        dusk_array_ctx_free(c);
        if (dusk_alloc_live() != base)
            fail_msg("after failing allocation %ld: %ld blocks live, want %ld", n,
                     dusk_alloc_live(), base);
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
    release_all();
    dusk_array_ctx_free(*state);
    return reset_alloc(state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_graphs_are_dasks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cumulative_none_graphs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_values_keep_c_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_matches_numpy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test(test_out_of_memory),
    };
    return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
