/*
** dusk — making arrays: ones, zeros, full, arange, linspace, eye, random,
** from_buffer, from_hdf5, and the kernels that make their blocks
**
** A source layer ('ones_like', 'arange', 'normal' ...) makes every block
** from its parameters and the block's place alone. from_buffer and
** from_hdf5 are Dask's from_array: an 'original-array' key holding the
** source (the buffer's copy as an ndarray, or an HDF5 file as the tuple
** (path, dataset)) and an 'array' layer of getter tasks, each reading its
** own block of it: a view of the buffer, or a hyperslab of the dataset
** (array/h5.c opens the file in whatever process runs the task).
**
** Random numbers: each block seeds its own xoshiro256** generator from the
** array's seed and the block's position, so results depend only on the
** seed, the shape and the chunks, never on which worker ran what when.
*/
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "array.h"
#include "core/util.h"
#include "dusk/alloc.h"
#include "h5.h"
#include "nd.h"

/* --- building ------------------------------------------------------------- */

/* NULL when what (an operation's name) can make an array of shape and
 * dtype, else an error array. */
static dusk_array *check_shape(dusk_array_ctx *ctx, dusk_shape shape, dusk_dtype dtype,
                               const char *what)
{
    if (!ctx)
        return dusk__array_fail(NULL, DUSK_EINVAL, "no context given");
    if (shape.ndim < 0 || shape.ndim > DUSK_MAXDIMS)
        return dusk__array_fail(ctx, DUSK_EINVAL, "an array has 0 to %d dimensions, not %d",
                                DUSK_MAXDIMS, shape.ndim);
    for (int d = 0; d < shape.ndim; d++)
        if (shape.v[d] < 0)
            return dusk__array_fail(ctx, DUSK_EINVAL, "negative dimension %" PRId64 " in a shape",
                                    shape.v[d]);
    if ((unsigned)dtype >= DUSK_DT_COUNT)
        return dusk__array_fail(ctx, DUSK_EINVAL, "%s: unsupported dtype %d", what, (int)dtype);
    char why[512];
    if (dusk__check_size(shape.ndim, shape.v, dtype, NULL, why, sizeof why) < 0)
        return dusk__array_fail(ctx, DUSK_EINVAL, "%s: %s", what, why);
    return NULL;
}

/* A parameter of a source layer: an int or a float. */
typedef struct {
    bool is_int;
    int64_t i;
    double f;
} src_param;

/* A source layer of entry id: every block made from nothing but its place,
 * its parameters np of them after the dtype and bounds (in the order the
 * table in ops.h gives them). The token hashes the entry, the shape, the
 * chunks, the dtype and tokentext, which names the parameters. */
static dusk_array *source_layer(dusk_array_ctx *ctx, int id, dusk_shape shape, const char *chunks,
                                dusk_dtype dtype, const char *tokentext, const src_param *p,
                                size_t np, const char *what)
{
    dusk_array *e = check_shape(ctx, shape, dtype, what);
    if (e)
        return e;
    int64_t *buf = NULL, nb[DUSK_MAXDIMS], *per[DUSK_MAXDIMS];
    if (dusk__normalize_chunks(ctx, chunks, shape.ndim, shape.v, dtype, &buf, nb, per, &e) < 0)
        return e;
    const dusk__op *kop = dusk__op_get(id);
    const char *prefix = kop->func.name;
    char sh[256], tok[33];
    dusk__fmt_shape(sh, sizeof sh, shape.ndim, shape.v);
    dusk__token(tok, "%s|%s|%016" PRIx64 "|%s|%s", prefix, sh, dusk__hash_chunks(shape.ndim, per, nb),
                dusk_dtype_code(dtype), tokentext);
    dusk_value *extra[4];
    for (size_t k = 0; k < np && k < 4; k++)
        extra[k] = p[k].is_int ? dusk_int(p[k].i) : dusk_float(p[k].f);
    dusk_value *pv = dusk__params_new(dtype, shape.ndim, per, nb, np < 4 ? np : 4, extra);
    dusk__layer *L = dusk__layer_new(ctx, prefix, tok, DUSK__L_BLOCKS, kop, pv, shape.ndim,
                                     shape.v, nb, dtype);
    dusk_array *r = L ? dusk__array_new(ctx, L, shape.ndim, shape.v, per, nb, dtype)
                      : dusk__array_oom(ctx, what);
    dusk_free(buf);
    return r;
}

/* A source layer whose numbers are a and b (and seed): the fills, arange,
 * linspace and the random draws of float parameters. */
static dusk_array *source(dusk_array_ctx *ctx, int id, dusk_shape shape, const char *chunks,
                          dusk_dtype dtype, double a, double b, uint64_t seed, const char *what)
{
    const dusk__op *kop = dusk__op_get(id);
    char text[96];
    snprintf(text, sizeof text, "%.17g|%.17g|%" PRIu64, a, b, seed);
    src_param p[3];
    size_t np = 0;
    if (kop->kernel == dusk__k_random)
        p[np++] = (src_param){true, (int64_t)seed, 0};
    p[np++] = (src_param){false, 0, a};
    if (kop->nextra > 1)
        p[np++] = (src_param){false, 0, b};
    if (id == DUSK__OP_LINSPACE)
        p[np++] = (src_param){true, (int64_t)seed, 0};
    return source_layer(ctx, id, shape, chunks, dtype, text, p, np, what);
}

dusk_array *dusk_ones(dusk_array_ctx *ctx, dusk_shape shape, const char *chunks, dusk_dtype dtype)
{
    return source(ctx, DUSK__OP_ONES_LIKE, shape, chunks, dtype, 1, 0, 0, "ones");
}

dusk_array *dusk_zeros(dusk_array_ctx *ctx, dusk_shape shape, const char *chunks, dusk_dtype dtype)
{
    return source(ctx, DUSK__OP_ZEROS_LIKE, shape, chunks, dtype, 0, 0, 0, "zeros");
}

dusk_array *dusk_empty(dusk_array_ctx *ctx, dusk_shape shape, const char *chunks, dusk_dtype dtype)
{
    return source(ctx, DUSK__OP_EMPTY_LIKE, shape, chunks, dtype, 0, 0, 0, "empty");
}

dusk_array *dusk_full(dusk_array_ctx *ctx, dusk_shape shape, const char *chunks, dusk_dtype dtype,
                      double fill)
{
    return source(ctx, DUSK__OP_FULL_LIKE, shape, chunks, dtype, fill, 0, 0, "full");
}

static dusk_array *arange(dusk_array_ctx *ctx, double start, double stop, double step,
                          const char *chunks, int floats)
{
    if (!ctx)
        return dusk__array_fail(NULL, DUSK_EINVAL, "no context given");
    if (step == 0 || !isfinite(step) || !isfinite(start) || !isfinite(stop))
        return dusk__array_fail(ctx, DUSK_EINVAL, "arange: step must be finite and non-zero");
    double n = ceil((stop - start) / step);
    if (!(n < 0x1p63))  /* also (stop - start) / step overflowing to inf */
        return dusk__array_fail(ctx, DUSK_EINVAL, "arange: %.17g to %.17g by %.17g gives "
                                "%.3g elements, more than can be counted (%" PRId64 ")",
                                start, stop, step, n, INT64_MAX);
    int64_t len = n > 0 ? (int64_t)n : 0;
    /* integers as NumPy makes them from Python ints, where they fit in int64 */
    int whole = !floats && start == floor(start) && stop == floor(stop) && step == floor(step) &&
                fabs(start) < 0x1p63 && fabs(stop) < 0x1p63 && fabs(step) < 0x1p63;
    return source(ctx, DUSK__OP_ARANGE, DUSK_SHAPE(len), chunks, whole ? DUSK_DT_I8 : DUSK_DT_F8,
                  start, step, 0, "arange");
}

dusk_array *dusk_arange(dusk_array_ctx *ctx, double start, double stop, double step,
                        const char *chunks)
{
    return arange(ctx, start, stop, step, chunks, 0);
}

dusk_array *dusk_arange_f8(dusk_array_ctx *ctx, double start, double stop, double step,
                           const char *chunks)
{
    return arange(ctx, start, stop, step, chunks, 1);
}

dusk_array *dusk_linspace(dusk_array_ctx *ctx, double start, double stop, int64_t num,
                          const char *chunks)
{
    if (!ctx)
        return dusk__array_fail(NULL, DUSK_EINVAL, "no context given");
    if (num < 0)
        return dusk__array_fail(ctx, DUSK_EINVAL, "linspace: number of samples %" PRId64
                                " is negative", num);
    /* the token hashes num where the other sources hash a seed */
    return source(ctx, DUSK__OP_LINSPACE, DUSK_SHAPE(num), chunks, DUSK_DT_F8, start, stop,
                  (uint64_t)num, "linspace");
}

dusk_array *dusk_eye(dusk_array_ctx *ctx, int64_t n, int64_t m, int64_t k, const char *chunks,
                     dusk_dtype dtype)
{
    if (!ctx)
        return dusk__array_fail(NULL, DUSK_EINVAL, "no context given");
    if (n < 0 || m < 0)
        return dusk__array_fail(ctx, DUSK_EINVAL, "eye: negative dimensions are not allowed "
                                "(N %" PRId64 ", M %" PRId64 ")", n, m);
    dusk_shape shape = DUSK_SHAPE(n, m);
    dusk_array *e = check_shape(ctx, shape, dtype, "eye");
    if (e)
        return e;
    /* Dask's blocks are square: both axes in the first row block's size,
     * as dask.array.eye takes chunks[0] of what chunks normalises to */
    int64_t *buf = NULL, nb[DUSK_MAXDIMS], *per[DUSK_MAXDIMS];
    if (dusk__normalize_chunks(ctx, chunks, 2, shape.v, dtype, &buf, nb, per, &e) < 0)
        return e;
    int64_t c = nb[0] > 0 ? per[0][0] : 0;
    if (c == 0)   /* no rows: the columns' block size, not m blocks of 1 */
        c = nb[1] > 0 ? per[1][0] : 0;
    dusk_free(buf);
    char text[64];
    c = c > 0 ? c : 1;   /* both axes of 0 have chunks of 0, which no chunks text reads */
    snprintf(text, sizeof text, "(%" PRId64 ", %" PRId64 ")", c, c);
    if (dusk__normalize_chunks(ctx, text, 2, shape.v, dtype, &buf, nb, per, &e) < 0)
        return e;
    char tok[33];
    dusk__token(tok, "eye|%" PRId64 "|%" PRId64 "|%" PRId64 "|%" PRId64 "|%s", n, m, k, c,
                dusk_dtype_code(dtype));
    dusk_value *kv[1] = {dusk_int(k)};
    dusk_value *pv = dusk__params_new(dtype, 2, per, nb, 1, kv);
    dusk__layer *L = dusk__layer_new(ctx, "eye", tok, DUSK__L_BLOCKS, dusk__op_get(DUSK__OP_EYE),
                                     pv, 2, shape.v, nb, dtype);
    dusk_array *r = L ? dusk__array_new(ctx, L, 2, shape.v, per, nb, dtype)
                      : dusk__array_oom(ctx, "eye");
    dusk_free(buf);
    return r;
}

dusk_array *dusk_random_normal(dusk_array_ctx *ctx, uint64_t seed, double loc, double scale,
                               dusk_shape shape, const char *chunks)
{
    if (ctx && scale < 0)
        return dusk__array_fail(ctx, DUSK_EINVAL, "normal: scale %g is negative", scale);
    return source(ctx, DUSK__OP_NORMAL, shape, chunks, DUSK_DT_F8, loc, scale, seed, "normal");
}

dusk_array *dusk_random_uniform(dusk_array_ctx *ctx, uint64_t seed, double low, double high,
                                dusk_shape shape, const char *chunks)
{
    return source(ctx, DUSK__OP_UNIFORM, shape, chunks, DUSK_DT_F8, low, high, seed, "uniform");
}

dusk_array *dusk_random_exponential(dusk_array_ctx *ctx, uint64_t seed, double scale,
                                    dusk_shape shape, const char *chunks)
{
    if (ctx && !(scale >= 0))   /* NaN too */
        return dusk__array_fail(ctx, DUSK_EINVAL, "exponential: scale %g is not 0 or more", scale);
    return source(ctx, DUSK__OP_EXPONENTIAL, shape, chunks, DUSK_DT_F8, scale, 0, seed,
                  "exponential");
}

/* NumPy's largest lam: past it the counts would not fit an int64 */
#define POISSON_LAM_MAX 9.223372006484771e18

dusk_array *dusk_random_poisson(dusk_array_ctx *ctx, uint64_t seed, double lam, dusk_shape shape,
                                const char *chunks)
{
    if (ctx && !(lam >= 0))
        return dusk__array_fail(ctx, DUSK_EINVAL, "poisson: lam %g is not 0 or more", lam);
    if (ctx && lam > POISSON_LAM_MAX)
        return dusk__array_fail(ctx, DUSK_EINVAL, "poisson: lam %g is too large (at most %g, "
                                "as NumPy's)", lam, POISSON_LAM_MAX);
    return source(ctx, DUSK__OP_POISSON, shape, chunks, DUSK_DT_I8, lam, 0, seed, "poisson");
}

/* An integer dtype's range, as far as an int64 reaches. */
static void int_range(dusk_dtype t, int64_t *lo, int64_t *hi)
{
    switch (t) {
    case DUSK_DT_BOOL: *lo = 0, *hi = 1; break;
    case DUSK_DT_I1: *lo = INT8_MIN, *hi = INT8_MAX; break;
    case DUSK_DT_I2: *lo = INT16_MIN, *hi = INT16_MAX; break;
    case DUSK_DT_I4: *lo = INT32_MIN, *hi = INT32_MAX; break;
    case DUSK_DT_U1: *lo = 0, *hi = UINT8_MAX; break;
    case DUSK_DT_U2: *lo = 0, *hi = UINT16_MAX; break;
    case DUSK_DT_U4: *lo = 0, *hi = UINT32_MAX; break;
    case DUSK_DT_U8: *lo = 0, *hi = INT64_MAX; break;
    default: *lo = INT64_MIN, *hi = INT64_MAX; break;
    }
}

dusk_array *dusk_random_integers(dusk_array_ctx *ctx, uint64_t seed, int64_t low, int64_t high,
                                 dusk_shape shape, const char *chunks, dusk_dtype dtype)
{
    if (!ctx)
        return dusk__array_fail(NULL, DUSK_EINVAL, "no context given");
    if ((unsigned)dtype >= DUSK_DT_COUNT ||
        (dtype != DUSK_DT_BOOL && (dusk__dtype_is_inexact(dtype))))
        return dusk__array_fail(ctx, DUSK_ETYPE, "randint: dtype %s is not an integer type",
                                (unsigned)dtype < DUSK_DT_COUNT ? dusk_dtype_name(dtype) : "?");
    if (low >= high)
        return dusk__array_fail(ctx, DUSK_EINVAL, "randint: low >= high (%" PRId64 " >= %" PRId64
                                ")", low, high);
    /* NumPy's bounds: low and high - 1 in the dtype */
    int64_t lo, hi;
    int_range(dtype, &lo, &hi);
    if (low < lo)
        return dusk__array_fail(ctx, DUSK_EINVAL, "randint: low %" PRId64 " is out of bounds "
                                "for %s", low, dusk_dtype_name(dtype));
    if (high - 1 > hi)
        return dusk__array_fail(ctx, DUSK_EINVAL, "randint: high %" PRId64 " is out of bounds "
                                "for %s", high, dusk_dtype_name(dtype));
    char text[96];
    snprintf(text, sizeof text, "%" PRId64 "|%" PRId64 "|%" PRIu64, low, high, seed);
    const src_param p[3] = {{true, (int64_t)seed, 0}, {true, low, 0}, {true, high, 0}};
    return source_layer(ctx, DUSK__OP_RANDINT, shape, chunks, dtype, text, p, 3, "randint");
}

/* 'original-array-<token>' holding v, and 'array-<token>' getting blocks
 * of it, as Dask's from_array does. Takes v over. */
static dusk_array *from_original(dusk_array_ctx *ctx, dusk_value *v, dusk_shape shape,
                                 const char *chunks, dusk_dtype dtype, const char *what,
                                 const char *tokentext, const char *name)
{
    int64_t *buf = NULL, nb[DUSK_MAXDIMS], *per[DUSK_MAXDIMS];
    dusk_array *e;
    /* keys hold the name whole: at most 200 characters, as map_blocks' names */
    if (name && (!*name || strlen(name) > 200)) {
        dusk_value_unref(v);
        return *name ? dusk__array_fail(ctx, DUSK_EINVAL, "%s: the name \"%.40s...\" is %zu "
                                        "characters long; at most 200", what, name, strlen(name))
                     : dusk__array_fail(ctx, DUSK_EINVAL, "%s: the name is empty", what);
    }
    if (dusk__normalize_chunks(ctx, chunks, shape.ndim, shape.v, dtype, &buf, nb, per, &e) < 0) {
        dusk_value_unref(v);
        return e;
    }
    char tok[33];
    dusk__token(tok, "array|%s|%016" PRIx64, tokentext, dusk__hash_chunks(shape.ndim, per, nb));
    dusk_value *pv = dusk__params_new(dtype, shape.ndim, per, nb, 0, NULL);
    int64_t one = 1;
    /* a name given is the whole name (Dask's name=), its source 'original-<name>' */
    char *oname = name ? dusk_malloc(strlen(name) + 16) : NULL;
    if (oname)
        sprintf(oname, "original-%s", name);
    dusk__layer *O = !name || oname ? dusk__layer_new(ctx, name ? oname : "original-array",
                                                      name ? NULL : tok, DUSK__L_ORIGINAL, NULL,
                                                      NULL, 0, NULL, &one, dtype)
                                    : NULL;
    dusk_free(oname);
    dusk__layer *L = O ? dusk__layer_new(ctx, name ? name : "array", name ? NULL : tok,
                                         DUSK__L_BLOCKS,
                                         dusk__op_get(DUSK__OP_ARRAY), pv, shape.ndim, shape.v,
                                         nb, dtype)
                       : NULL;
    dusk_array *r;
    if (!L) {
        if (!O)
            dusk_value_unref(pv);
        dusk_value_unref(v);
        r = dusk__array_oom(ctx, what);
    } else {
        O->literal = v;
        O->ntasks = 1;
        dusk__layer_input(L, O);
        r = dusk__array_new(ctx, L, shape.ndim, shape.v, per, nb, dtype);
    }
    dusk_free(buf);
    return r;
}

dusk_array *dusk_from_buffer(dusk_array_ctx *ctx, const void *data, dusk_dtype dtype,
                             dusk_shape shape, const char *chunks)
{
    return dusk_from_buffer_named(ctx, data, dtype, shape, chunks, NULL);
}

dusk_array *dusk_from_buffer_named(dusk_array_ctx *ctx, const void *data, dusk_dtype dtype,
                                   dusk_shape shape, const char *chunks, const char *name)
{
    dusk_array *e = check_shape(ctx, shape, dtype, "from_buffer");
    if (e)
        return e;
    if (!data)
        return dusk__array_fail(ctx, DUSK_EINVAL, "from_buffer: no data given");
    dusk_value *v = dusk_ndarray_new(dtype, shape.ndim, shape.v);
    if (!v)
        return dusk__array_oom(ctx, "a copy of the buffer");
    memcpy(dusk_ndarray_data(v), data, dusk_value_nbytes(v));
    /* The token hashes the contents, as Dask's tokenize does for arrays. */
    uint64_t h = dusk__fnv(DUSK__FNV_INIT, data, dusk_value_nbytes(v));
    char sh[256], text[400];
    dusk__fmt_shape(sh, sizeof sh, shape.ndim, shape.v);
    snprintf(text, sizeof text, "buffer|%s|%s|%016" PRIx64, sh, dusk_dtype_code(dtype), h);
    return from_original(ctx, v, shape, chunks, dtype, "from_buffer", text, name);
}

dusk_array *dusk_from_hdf5(dusk_array_ctx *ctx, const char *path, const char *dataset,
                           const char *chunks)
{
    return dusk_from_hdf5_named(ctx, path, dataset, chunks, NULL);
}

dusk_array *dusk_from_hdf5_named(dusk_array_ctx *ctx, const char *path, const char *dataset,
                                 const char *chunks, const char *name)
{
    if (!ctx)
        return dusk__array_fail(NULL, DUSK_EINVAL, "no context given");
    if (!path || !dataset)
        return dusk__array_fail(ctx, DUSK_EINVAL, "from_hdf5: no %s given",
                                path ? "dataset" : "file");
    dusk_dtype dtype;
    dusk_shape shape;
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk__h5_describe(path, dataset, &dtype, &shape.ndim, shape.v, &err) < 0)
        return dusk__array_fail(ctx, err.code, "%s", err.msg);
    /* A file can claim any shape: say which file claims one dusk cannot hold. */
    char why[320];
    if (dusk__check_size(shape.ndim, shape.v, dtype, NULL, why, sizeof why) < 0)
        return dusk__array_fail(ctx, DUSK_EINVAL, "dataset '%s' in '%s': %s", dataset, path, why);
    /* (path, dataset): what the block tasks open, and what the source's box
     * in a picture shows (viz/tasks.c) */
    dusk_value *v = dusk_tuple_of(2, (dusk_value *[]){dusk_string(path), dusk_string(dataset)});
    if (!v)
        return dusk__array_oom(ctx, "from_hdf5");
    char sh[256], text[1200];
    dusk__fmt_shape(sh, sizeof sh, shape.ndim, shape.v);
    snprintf(text, sizeof text, "hdf5|%s|%s|%s|%s", path, dataset, sh, dusk_dtype_code(dtype));
    return from_original(ctx, v, shape, chunks, dtype, "from_hdf5", text, name);
}

/* --- kernels ----------------------------------------------------------------- */

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

/* The block's place, and a new block of its shape (cleared when zero) of
 * the task's dtype, which must be one of want (a mask of dtypes; 0: any). */
static int new_block(const dusk__targs *t, unsigned want, int zero, int64_t *start,
                     dusk_value **out, dusk_error *err)
{
    int64_t shape[DUSK_MAXDIMS];
    int rc = dusk__targs_block(t, start, shape, err);
    if (rc)
        return rc;
    if (want && !((want >> t->dtype) & 1u))
        return dusk_error_set(err, DUSK_EINVAL, "%s: does not make %s blocks", t->op->func.name,
                              dusk_dtype_name(t->dtype));
    int ndim = (int)dusk_tuple_len(t->index);
    *out = zero ? dusk_ndarray_new(t->dtype, ndim, shape)
                : dusk_ndarray_empty(t->dtype, ndim, shape);
    return *out ? 0 : dusk__oom(err);
}

/* Parameters at and at + 1, both numbers. */
static int two_floats(const dusk__targs *t, size_t at, double *a, double *b, dusk_error *err)
{
    int rc = dusk__targs_float(t, at, a, err);
    return rc ? rc : dusk__targs_float(t, at + 1, b, err);
}

#define ONE_D(t, err)                                                                      \
    if (dusk_tuple_len((t)->index) != 1)                                                   \
        return dusk_error_set(err, DUSK_EINVAL, "%s: makes 1-d blocks, not %zu-d",         \
                              (t)->op->func.name, dusk_tuple_len((t)->index))

int dusk__k_fill(const dusk__targs *t, dusk_value **out, dusk_error *err)
{
    int64_t start[DUSK_MAXDIMS];
    double x;
    dusk_value *v;
    int rc = dusk__targs_float(t, 0, &x, err);
    if (rc)
        return rc;   /* x unread: not looked at */
    /* zeros come cleared (not -0.0, whose sign bit a cleared block lacks);
     * everything else writes every element */
    int cleared = x == 0 && !signbit(x);
    if ((rc = new_block(t, 0, cleared, start, &v, err)))
        return rc;
    if (!cleared) {
        int64_t n = dusk_ndarray_size(v);
        char *p = dusk_ndarray_data(v);
        if (t->dtype == DUSK_DT_F8) {
            double *d = (double *)p;
            for (int64_t i = 0; i < n; i++)
                d[i] = x;
        } else if (n > 0) {
            size_t es = dusk_dtype_size(t->dtype);
            dusk__nd_storef(p, t->dtype, x);
            for (int64_t i = 1; i < n; i++)
                memcpy(p + i * (int64_t)es, p, es);
        }
    }
    *out = v;
    return 0;
}

int dusk__k_arange(const dusk__targs *t, dusk_value **out, dusk_error *err)
{
    ONE_D(t, err);
    int64_t start[1];
    double a, step;
    dusk_value *v;
    int rc = two_floats(t, 0, &a, &step, err);
    if (rc)
        return rc;
    if (t->dtype == DUSK_DT_I8 && !(fabs(a) < 0x1p63 && fabs(step) < 0x1p63))
        return dusk_error_set(err, DUSK_EINVAL, "%s: start %.17g or step %.17g is not an int64",
                              t->op->func.name, a, step);
    if ((rc = new_block(t, (1u << DUSK_DT_I8) | (1u << DUSK_DT_F8), 0, start, &v, err)))
        return rc;
    int64_t n = dusk_ndarray_size(v);
    char *p = dusk_ndarray_data(v);
    for (int64_t i = 0; i < n; i++) {
        if (t->dtype == DUSK_DT_I8)
            /* wraps in unsigned arithmetic: the true value lies between
             * start and stop, so it fits, while index * step may not */
            dusk__nd_storei(p + i * 8, DUSK_DT_I8,
                            (int64_t)((uint64_t)(int64_t)a +
                                      (uint64_t)(start[0] + i) * (uint64_t)(int64_t)step));
        else
            dusk__nd_storef(p + i * 8, DUSK_DT_F8, a + (double)(start[0] + i) * step);
    }
    *out = v;
    return 0;
}

/* numpy.linspace: start + i * step, the last point exactly stop. */
int dusk__k_linspace(const dusk__targs *t, dusk_value **out, dusk_error *err)
{
    ONE_D(t, err);
    int64_t start[1], total;
    double a, b;
    dusk_value *v;
    int rc = two_floats(t, 0, &a, &b, err);
    if (rc || (rc = dusk__targs_int(t, 2, &total, err)) ||
        (rc = new_block(t, 1u << DUSK_DT_F8, 0, start, &v, err)))
        return rc;
    double *d = dusk_ndarray_data(v);
    int64_t n = dusk_ndarray_size(v);
    double step = total > 1 ? (b - a) / (double)(total - 1) : 0;
    for (int64_t i = 0; i < n; i++) {
        int64_t g = start[0] + i;
        d[i] = g == total - 1 && total > 1 ? b : a + (double)g * step;
    }
    *out = v;
    return 0;
}

/* numpy.eye's block: ones where column - row is k. */
int dusk__k_eye(const dusk__targs *t, dusk_value **out, dusk_error *err)
{
    int64_t k, start[DUSK_MAXDIMS];
    dusk_value *v;
    int rc = dusk__targs_int(t, 0, &k, err);
    if (rc)
        return rc;
    if (dusk_tuple_len(t->index) != 2)
        return dusk_error_set(err, DUSK_EINVAL, "eye: makes 2-d blocks, not %zu-d",
                              dusk_tuple_len(t->index));
    if ((rc = new_block(t, 0, 1, start, &v, err)))
        return rc;
    const int64_t *shape = dusk_ndarray_shape(v);
    size_t es = dusk_dtype_size(t->dtype);
    char *p = dusk_ndarray_data(v);
    for (int64_t r = 0; r < shape[0]; r++) {
        int64_t c;   /* k + row - first column; past int64 it is no column of the block */
        if (!__builtin_add_overflow(k, start[0] + r, &c) &&
            !__builtin_sub_overflow(c, start[1], &c) && c >= 0 && c < shape[1])
            dusk__nd_storef(p + (r * shape[1] + c) * (int64_t)es, t->dtype, 1.0);
    }
    *out = v;
    return 0;
}

/* A block's generator: the seed and the block's place, so that a block
 * draws the same numbers whichever worker computes it, and when. */
static void block_rng(uint64_t seed, const int64_t *start, size_t ndim, rng *r)
{
    uint64_t s = seed;
    for (size_t d = 0; d < ndim; d++)
        s = s * 0x9e3779b97f4a7c15ull + (uint64_t)start[d] + 1;
    for (int k = 0; k < 4; k++)
        r->s[k] = splitmix64(&s);
}

/* A draw of Poisson(lam): Knuth's product of uniforms below 10, Hormann's
 * transformed rejection (PTRS, 1993) from 10 on, as NumPy draws them. */
static int64_t poisson_draw(rng *r, double lam)
{
    if (lam == 0)
        return 0;
    if (lam < 10) {
        double limit = exp(-lam), p = 1;
        int64_t k = 0;
        for (;;) {
            p *= rng_unit(r);
            if (p <= limit)
                return k;
            k++;
        }
    }
    double slam = sqrt(lam), loglam = log(lam);
    double b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b;
    double invalpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2);
    for (;;) {
        double u = rng_unit(r) - 0.5, v = rng_unit(r), us = 0.5 - fabs(u);
        double k = floor((2 * a / us + b) * u + lam + 0.43);
        if (us >= 0.07 && v <= vr)
            return (int64_t)k;
        if (k < 0 || (us < 0.013 && v > us))
            continue;
        if (log(v) + log(invalpha) - log(a / (us * us) + b) <= -lam + k * loglam - lgamma(k + 1))
            return (int64_t)k;
    }
}

int dusk__k_random(const dusk__targs *t, dusk_value **out, dusk_error *err)
{
    int64_t start[DUSK_MAXDIMS], seed;
    double a, b;
    dusk_value *v;
    int code = t->op->code;
    int rc = dusk__targs_int(t, 0, &seed, err);
    if (rc || (rc = two_floats(t, 1, &a, &b, err)) ||
        (rc = new_block(t, 1u << (code == 3 ? DUSK_DT_I8 : DUSK_DT_F8), 0, start, &v, err)))
        return rc;
    rng r;
    block_rng((uint64_t)seed, start, dusk_tuple_len(t->index), &r);
    int64_t n = dusk_ndarray_size(v);
    if (code == 3) {
        int64_t *k = dusk_ndarray_data(v);
        for (int64_t i = 0; i < n; i++)
            k[i] = poisson_draw(&r, a);
        *out = v;
        return 0;
    }
    double *d = dusk_ndarray_data(v);
    if (code == 2) {
        /* 1 - u is in (0, 1]: no log of 0 */
        for (int64_t i = 0; i < n; i++)
            d[i] = -a * log(1.0 - rng_unit(&r));
    } else if (code == 1) {
        for (int64_t i = 0; i < n; i++)
            d[i] = a + (b - a) * rng_unit(&r);
    } else {
        /* Box-Muller, both outputs used */
        for (int64_t i = 0; i < n; i += 2) {
            double u1 = 1.0 - rng_unit(&r), u2 = rng_unit(&r);
            double rad = sqrt(-2.0 * log(u1)), th = 6.283185307179586 * u2;
            d[i] = a + b * rad * cos(th);
            if (i + 1 < n)
                d[i + 1] = a + b * rad * sin(th);
        }
    }
    *out = v;
    return 0;
}

/* numpy.random.randint's block: low + a draw below high - low, unbiased
 * (Lemire's multiply and reject, 2019). */
int dusk__k_randint(const dusk__targs *t, dusk_value **out, dusk_error *err)
{
    int64_t start[DUSK_MAXDIMS], seed, low, high;
    dusk_value *v;
    int rc = dusk__targs_int(t, 0, &seed, err);
    if (rc || (rc = dusk__targs_int(t, 1, &low, err)) || (rc = dusk__targs_int(t, 2, &high, err)))
        return rc;
    if (low >= high || dusk__dtype_is_inexact(t->dtype))
        return dusk_error_set(err, DUSK_EINVAL, "randint: low %" PRId64 " and high %" PRId64
                              " for %s", low, high, dusk_dtype_name(t->dtype));
    if ((rc = new_block(t, 0, 0, start, &v, err)))
        return rc;
    rng r;
    block_rng((uint64_t)seed, start, dusk_tuple_len(t->index), &r);
    uint64_t range = (uint64_t)high - (uint64_t)low;   /* at least 1 */
    uint64_t reject = -range % range;                   /* 2^64 mod range */
    char *p = dusk_ndarray_data(v);
    size_t es = dusk_dtype_size(t->dtype);
    int64_t n = dusk_ndarray_size(v);
    for (int64_t i = 0; i < n; i++) {
        unsigned __int128 m;
        do
            m = (unsigned __int128)rng_next(&r) * range;
        while ((uint64_t)m < reject);
        dusk__nd_storei(p + (size_t)i * es, t->dtype, (int64_t)((uint64_t)low + (uint64_t)(m >> 64)));
    }
    *out = v;
    return 0;
}

/* Reads this block of the original: a hyperslab of an HDF5 dataset, or a
 * slice of a buffer's copy. Inputs after the original are not read: a
 * store's second read of a block waits for them (array/emit.c). */
int dusk__k_getter(const dusk__targs *t, dusk_value **out, dusk_error *err)
{
    int64_t shape[DUSK_MAXDIMS], start[DUSK_MAXDIMS];
    int rc = dusk__targs_block(t, start, shape, err);
    if (rc)
        return rc;
    int ndim = (int)dusk_tuple_len(t->index);
    dusk_value *orig = t->in[0];
    if (dusk_value_kind(orig) == DUSK_KIND_TUPLE && dusk_tuple_len(orig) == 2 &&
        dusk_value_str(dusk_tuple_get(orig, 0)) && dusk_value_str(dusk_tuple_get(orig, 1))) {
        dusk_value *v = dusk_ndarray_empty(t->dtype, ndim, shape);
        if (!v)
            return dusk__oom(err);
        if (dusk_ndarray_size(v) > 0 &&
            (rc = dusk__h5_read(dusk_value_str(dusk_tuple_get(orig, 0)),
                                dusk_value_str(dusk_tuple_get(orig, 1)), t->dtype, ndim, start,
                                shape, dusk_ndarray_data(v), err))) {
            dusk_value_unref(v);
            return rc;
        }
        *out = v;
        return 0;
    }
    if (dusk_value_kind(orig) != DUSK_KIND_NDARRAY || dusk_ndarray_ndim(orig) != ndim)
        return dusk_error_set(err, DUSK_ETYPE, "array: the original is a %s, not a %d-d "
                              "ndarray or an HDF5 (path, dataset)",
                              dusk_kind_name(dusk_value_kind(orig)), ndim);
    /* a strided view of the original at this block, copied */
    const int64_t *st = dusk_ndarray_strides(orig), *osh = dusk_ndarray_shape(orig);
    int64_t offset = 0;
    for (int d = 0; d < ndim; d++) {
        if (start[d] + shape[d] > osh[d])
            return dusk_error_set(err, DUSK_EINVAL, "array: block ends at %" PRId64 " past "
                                  "axis %d of the original, of length %" PRId64,
                                  start[d] + shape[d], d, osh[d]);
        if (shape[d] > 0)
            offset += start[d] * st[d];
    }
    dusk_value *view = dusk_ndarray_view(orig, ndim, shape, st, offset);
    if (!view)
        return dusk__oom(err);
    rc = dusk__nd_astype(view, t->dtype, out, err);
    dusk_value_unref(view);
    return rc;
}
