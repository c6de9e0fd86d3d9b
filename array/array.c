/*
** dusk — chunked arrays: building layers of tasks the way dask.array does
**
** Every operation checks its inputs, works out the result's shape, dtype
** and chunks, and adds one or more layers named as Dask 2022.12 names them,
** with a token that hashes the operation and its inputs (so building the
** same expression twice gives the same keys). Nothing runs here: the
** layers are turned into tasks of a dusk_graph when the array is computed,
** stored or drawn.
**
** Errors travel as arrays in an error state (see array.h); the context
** keeps the first. Allocation failure while making an error array falls
** back to a static one, so no operation ever returns NULL.
*/
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "dusk/alloc.h"
#include "core/graph.h"
#include "nd.h"
#include "core/value.h"

/* The arrays returned when not even an error array can be allocated, and
 * for calls given no array or context at all (there is no context to keep
 * a message in). */
static dusk_array oom_array = {.status = DUSK_ENOMEM, .msg = "out of memory building an array"};
static dusk_array noctx_array = {.status = DUSK_EINVAL,
                                 .msg = "no array or context given (NULL)"};

/* --- contexts and errors ------------------------------------------------ */

dusk_array_ctx *dusk_array_ctx_new(void) { return dusk_calloc(1, sizeof(dusk_array_ctx)); }

static int next_index(int ndim, const int64_t *nb, int64_t *idx);

static void layer_free(layer *L)
{
    if (L->data_free)
        L->data_free(L->data);
    dusk_free(L->name);
    dusk_value_unref(L->params);
    dusk_value_unref(L->literal);
    dusk_free(L);
}

void dusk_array_ctx_free(dusk_array_ctx *ctx)
{
    if (!ctx)
        return;
    for (dusk_array *a = ctx->arrays, *next; a; a = next) {
        next = a->next;
        dusk_free(a->msg);
        dusk_free(a->chunkbuf);
        dusk_free(a);
    }
    for (layer *L = ctx->layers, *next; L; L = next) {
        next = L->next;
        layer_free(L);
    }
    dusk_free(ctx);
}

int dusk_array_ctx_status(const dusk_array_ctx *ctx, dusk_error *err)
{
    if (!ctx)
        return dusk_error_set(err, DUSK_EINVAL, "no context");
    if (ctx->first.code && err)
        *err = ctx->first;
    return ctx->first.code;
}

/* An array in an error state, with a formatted message. */
dusk_array *dusk__array_fail(dusk_array_ctx *ctx, int code, const char *fmt, ...)
{
    char msg[DUSK_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (!ctx)
        return code == DUSK_ENOMEM ? &oom_array : &noctx_array;
    if (!ctx->first.code)
        dusk_error_set(&ctx->first, code, "%s", msg);
    dusk_array *a = dusk_calloc(1, sizeof *a);
    if (!a)
        return &oom_array;
    a->msg = dusk_strdup(msg);
    if (!a->msg) {
        dusk_free(a);
        return &oom_array;
    }
    a->ctx = ctx;
    a->status = code;
    a->next = ctx->arrays;
    ctx->arrays = a;
    return a;
}

dusk_array *dusk__array_oom(dusk_array_ctx *ctx, const char *what)
{
    return dusk__array_fail(ctx, DUSK_ENOMEM, "out of memory building %s", what);
}

/* The first input in an error state (or NULL for a missing input), as the
 * result of an operation on it. */
dusk_array *dusk__array_bad_input(dusk_array *a, dusk_array *b)
{
    if (!a)
        return dusk__array_fail(b ? b->ctx : NULL, DUSK_EINVAL, "no array given");
    if (a->status)
        return a;
    if (b && b->status)
        return b;
    return NULL;
}

int dusk_array_status(const dusk_array *a, dusk_error *err)
{
    if (!a)
        return dusk_error_set(err, DUSK_EINVAL, "no array given");
    if (a->status)
        dusk_error_set(err, a->status, "%s", a->msg ? a->msg : dusk_strerror(a->status));
    return a->status;
}

/* --- tokens -------------------------------------------------------------- */

/* 32 hex digits from two independent 64-bit FNV-1a hashes of the text
 * (the length of Dask's md5 tokens). */
void dusk__token(char out[33], const char *fmt, ...)
{
    char text[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    uint64_t h1 = 1469598103934665603ull, h2 = 0x9e3779b97f4a7c15ull;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        h1 = (h1 ^ *p) * 1099511628211ull;
        h2 = (h2 ^ *p) * 0x100000001b3ull + 0x632be59bd9b4e019ull;
        h2 ^= h2 >> 31;
    }
    snprintf(out, 33, "%016" PRIx64 "%016" PRIx64, h1, h2);
}

/* A hash of every block size, for tokens (chunk lists can be long). */
static uint64_t hash_chunks(int ndim, int64_t *const *per, const int64_t *nb)
{
    uint64_t h = 1469598103934665603ull;
    for (int d = 0; d < ndim; d++) {
        h = (h ^ (uint64_t)nb[d]) * 1099511628211ull;
        for (int64_t k = 0; k < nb[d]; k++)
            h = (h ^ (uint64_t)per[d][k]) * 1099511628211ull;
        h = (h ^ 0xffu) * 1099511628211ull;  /* axis separator */
    }
    return h;
}

/* --- chunks -------------------------------------------------------------- */

typedef struct {
    int n;                       /* entries given (0: a single spec for all) */
    int kind[DUSK_MAXDIMS];      /* 0 size, 1 auto, 2 whole axis, 3 explicit */
    int64_t size[DUSK_MAXDIMS];
    int64_t *list[DUSK_MAXDIMS]; /* explicit sizes (owned) */
    int nlist[DUSK_MAXDIMS];
} chunk_spec;

static void spec_free(chunk_spec *s)
{
    for (int i = 0; i < DUSK_MAXDIMS; i++)
        dusk_free(s->list[i]);
}

static void skip_ws(const char **p)
{
    while (isspace((unsigned char)**p))
        (*p)++;
}

/* One entry: an integer, -1, None, 'auto' / auto, or a tuple of integers. */
static int parse_entry(const char **p, chunk_spec *s, int i)
{
    skip_ws(p);
    if (**p == '(') {
        (*p)++;
        int n = 0, cap = 0;
        for (;;) {
            skip_ws(p);
            if (**p == ')') {
                (*p)++;
                break;
            }
            char *end;
            long long v = strtoll(*p, &end, 10);
            if (end == *p || v < 0 || n == INT32_MAX)
                return -1;
            if (n == cap) {
                cap = cap ? cap * 2 : 64;
                int64_t *grown = dusk_realloc(s->list[i], (size_t)cap * sizeof(int64_t));
                if (!grown)
                    return -2;
                s->list[i] = grown;
            }
            s->list[i][n++] = v;
            *p = end;
            skip_ws(p);
            if (**p == ',')
                (*p)++;
            else if (**p != ')')
                return -1;
        }
        if (!s->list[i] && !(s->list[i] = dusk_malloc(sizeof(int64_t))))
            return -2;
        s->nlist[i] = n;
        s->kind[i] = 3;
        return 0;
    }
    if (**p == '\'' || **p == '"')
        (*p)++;
    if (strncmp(*p, "auto", 4) == 0) {
        *p += 4;
        if (**p == '\'' || **p == '"')
            (*p)++;
        s->kind[i] = 1;
        return 0;
    }
    if (strncmp(*p, "None", 4) == 0) {
        *p += 4;
        s->kind[i] = 2;
        return 0;
    }
    char *end;
    long long v = strtoll(*p, &end, 10);
    if (end == *p || v == 0 || v < -1)
        return -1;
    *p = end;
    s->kind[i] = v == -1 ? 2 : 0;
    s->size[i] = v;
    return 0;
}

static int parse_chunks(const char *text, chunk_spec *s)
{
    memset(s, 0, sizeof *s);
    const char *p = text ? text : "auto";
    skip_ws(&p);
    int rc = 0;
    if (*p == '(') {
        /* a tuple of entries, or one explicit tuple for a 1-d array */
        const char *q = p + 1;
        skip_ws(&q);
        int nested = *q == '(';
        int entries = 1;
        for (const char *c = p + 1; *c && *c != ')'; c++)
            entries += *c == ',';
        if (!nested && entries > DUSK_MAXDIMS) {
            /* more entries than axes: a 1-d array's block sizes */
            if ((rc = parse_entry(&p, s, 0)) < 0)
                return rc;
            s->n = 1;
        } else {
            /* (5, 5): one entry per axis; ((5, 5), (3,)): explicit sizes */
            p++;
            for (;;) {
                skip_ws(&p);
                if (*p == ')') {
                    p++;
                    break;
                }
                if (s->n == DUSK_MAXDIMS || (rc = parse_entry(&p, s, s->n)) < 0)
                    return rc == -2 ? -2 : -1;
                s->n++;
                skip_ws(&p);
                if (*p == ',')
                    p++;
                else if (*p != ')')
                    return -1;
            }
        }
    } else {
        if ((rc = parse_entry(&p, s, 0)) < 0)
            return rc;
        s->n = 0;  /* one spec for every axis */
    }
    skip_ws(&p);
    return *p ? -1 : 0;
}

/* Dask's round_to: near an even multiple or factor of the axis length. */
static int64_t round_to(double c, int64_t s)
{
    if (c <= (double)s)
        return c < 1 ? 1 : (int64_t)c;
    return (int64_t)(floor(c / (double)s) * (double)s);
}

void dusk__fmt_shape(char *buf, size_t n, int ndim, const int64_t *shape)
{
    size_t len = (size_t)snprintf(buf, n, "(");
    for (int i = 0; i < ndim && len < n; i++)
        len += (size_t)snprintf(buf + len, n - len, i ? ", %" PRId64 : "%" PRId64, shape[i]);
    if (len < n)
        snprintf(buf + len, n - len, ndim == 1 ? ",)" : ")");
}

/* Fills sizes (per axis, nb[d] entries each, in one new buffer *buf) from
 * text for shape; Dask's normalize_chunks with a 128 MiB "auto" limit. */
int dusk__normalize_chunks(dusk_array_ctx *ctx, const char *text, int ndim, const int64_t *shape,
                            dusk_dtype dtype, int64_t **buf, int64_t *nb, int64_t **per,
                            dusk_array **err_out)
{
    chunk_spec s;
    char sh[256];
    dusk__fmt_shape(sh, sizeof sh, ndim, shape);
    int rc = parse_chunks(text, &s);
    if (rc == -2) {
        spec_free(&s);
        *err_out = dusk__array_oom(ctx, "chunks");
        return -1;
    }
    if (rc < 0) {
        spec_free(&s);
        *err_out = dusk__array_fail(ctx, DUSK_EINVAL, "cannot read chunks \"%s\" (want \"auto\", \"(5, 5)\", "
                        "\"(500, -1)\" or \"((5, 5, 5), (10, 5))\")", text ? text : "auto");
        return -1;
    }
    if (ndim == 1 && s.n > 1) {
        /* Dask reads (50, 50, 25) for a 1-d array as its block sizes */
        int flat = 1;
        for (int i = 0; i < s.n; i++)
            if (s.kind[i] != 0)
                flat = 0;
        if (flat) {
            int64_t *list = dusk_malloc((size_t)s.n * sizeof(int64_t));
            if (!list) {
                spec_free(&s);
                *err_out = dusk__array_oom(ctx, "chunks");
                return -1;
            }
            for (int i = 0; i < s.n; i++)
                list[i] = s.size[i];
            s.list[0] = list;
            s.nlist[0] = s.n;
            s.kind[0] = 3;
            s.n = 1;
        }
    }
    if (s.n == 0) {
        for (int d = 1; d < ndim; d++) {
            s.kind[d] = s.kind[0];
            s.size[d] = s.size[0];
        }
        if (s.kind[0] == 3 && ndim != 1) {
            spec_free(&s);
            *err_out = dusk__array_fail(ctx, DUSK_EINVAL, "chunks \"%s\" do not fit shape %s", text, sh);
            return -1;
        }
        s.n = ndim;
    }
    if (s.n != ndim) {
        spec_free(&s);
        *err_out = dusk__array_fail(ctx, DUSK_EINVAL, "chunks \"%s\" give %d dimension%s for shape %s", text,
                        s.n, s.n == 1 ? "" : "s", sh);
        return -1;
    }
    /* Resolve auto sizes. */
    int64_t size[DUSK_MAXDIMS];
    int autos = 0;
    for (int d = 0; d < ndim; d++) {
        if (s.kind[d] == 2 || (s.kind[d] == 0 && s.size[d] > shape[d]))
            size[d] = shape[d] ? shape[d] : 1;
        else if (s.kind[d] == 0)
            size[d] = s.size[d];
        if (s.kind[d] == 1)
            autos++;
    }
    while (autos) {
        double largest = 1;
        for (int d = 0; d < ndim; d++)
            if (s.kind[d] != 1)
                largest *= s.kind[d] == 3 ? 1 : (double)size[d];
        for (int d = 0; d < ndim; d++)
            if (s.kind[d] == 3) {
                int64_t m = 0;
                for (int k = 0; k < s.nlist[d]; k++)
                    if (s.list[d][k] > m)
                        m = s.list[d][k];
                largest *= (double)m;
            }
        double limit = 128.0 * 1024 * 1024;
        double ideal = pow(limit / (double)dusk_dtype_size(dtype) / largest, 1.0 / autos);
        int small = 0;
        for (int d = 0; d < ndim; d++)
            if (s.kind[d] == 1 && (double)shape[d] < ideal) {
                s.kind[d] = 0;
                size[d] = shape[d] ? shape[d] : 1;
                autos--;
                small = 1;
            }
        if (small)
            continue;
        for (int d = 0; d < ndim; d++)
            if (s.kind[d] == 1) {
                s.kind[d] = 0;
                size[d] = round_to(ideal, shape[d]);
            }
        autos = 0;
    }
    /* Count blocks, then fill. */
    int64_t total = 0;
    for (int d = 0; d < ndim; d++) {
        if (s.kind[d] == 3) {
            int64_t sum = 0;
            for (int k = 0; k < s.nlist[d]; k++)
                sum += s.list[d][k];
            if (sum != shape[d]) {
                spec_free(&s);
                *err_out = dusk__array_fail(ctx, DUSK_EINVAL,
                                "chunks \"%s\" do not fit shape %s: axis %d sums to %" PRId64,
                                text, sh, d, sum);
                return -1;
            }
            nb[d] = s.nlist[d];
        } else {
            nb[d] = shape[d] == 0 ? 1 : (shape[d] + size[d] - 1) / size[d];
        }
        total += nb[d];
    }
    int64_t *b = dusk_malloc((size_t)(total ? total : 1) * sizeof *b);
    if (!b) {
        spec_free(&s);
        *err_out = dusk__array_oom(ctx, "chunks");
        return -1;
    }
    int64_t at = 0;
    for (int d = 0; d < ndim; d++) {
        per[d] = b + at;
        for (int64_t k = 0; k < nb[d]; k++) {
            if (s.kind[d] == 3)
                per[d][k] = s.list[d][k];
            else
                per[d][k] = shape[d] == 0 ? 0
                            : (k + 1) * size[d] <= shape[d] ? size[d] : shape[d] - k * size[d];
        }
        at += nb[d];
    }
    spec_free(&s);
    *buf = b;
    return 0;
}

/* --- arrays and layers --------------------------------------------------- */

/* A new array over layer L with the given chunk sizes (copied). */
dusk_array *dusk__array_new(dusk_array_ctx *ctx, layer *L, int ndim, const int64_t *shape,
                             int64_t *const *chunks, const int64_t *nb, dusk_dtype dtype)
{
    dusk_array *a = dusk_calloc(1, sizeof *a);
    int64_t total = 0;
    for (int d = 0; d < ndim; d++)
        total += nb[d];
    int64_t *buf = dusk_malloc((size_t)(total ? total : 1) * sizeof *buf);
    if (!a || !buf) {
        dusk_free(a);
        dusk_free(buf);
        return dusk__array_oom(ctx, "an array");
    }
    a->ctx = ctx;
    a->L = L;
    a->ndim = ndim;
    a->dtype = dtype;
    a->chunkbuf = buf;
    int64_t at = 0;
    for (int d = 0; d < ndim; d++) {
        a->shape[d] = shape[d];
        a->nb[d] = nb[d];
        a->chunks[d] = buf + at;
        memcpy(a->chunks[d], chunks[d], (size_t)nb[d] * sizeof *buf);
        at += nb[d];
    }
    a->next = ctx->arrays;
    ctx->arrays = a;
    return a;
}

static void params_free(void *p)
{
    kparams *kp = p;
    if (kp->ndim > 0)
        dusk_free(kp->off[0]);
    dusk_free(kp->in_off[0]);
    if (kp->extra_free)
        kp->extra_free(kp->extra);
    dusk_free(kp);
}

/* Shared kernel parameters for a layer with output chunks; NULL on
 * allocation failure. opname is the function's display name. */
dusk_value *dusk__params_new(kkind kind, const char *opname, dusk_dtype dtype, int ndim,
                              int64_t *const *chunks, const int64_t *nb, kparams **out)
{
    kparams *kp = dusk_calloc(1, sizeof *kp);
    if (!kp)
        return NULL;
    int64_t total = 0;
    for (int d = 0; d < ndim; d++)
        total += nb[d] + 1;
    if (ndim > 0 && !(kp->off[0] = dusk_malloc((size_t)total * sizeof(int64_t)))) {
        dusk_free(kp);
        return NULL;
    }
    int64_t at = 0;
    for (int d = 0; d < ndim; d++) {
        kp->off[d] = kp->off[0] + at;
        kp->off[d][0] = 0;
        for (int64_t k = 0; k < nb[d]; k++)
            kp->off[d][k + 1] = kp->off[d][k] + chunks[d][k];
        at += nb[d] + 1;
    }
    kp->kind = kind;
    kp->dtype = dtype;
    kp->ndim = ndim;
    snprintf(kp->opname, sizeof kp->opname, "%s", opname);
    kp->func.name = kp->opname;
    kp->func.fn = dusk__block_task;
    dusk_value *v = dusk_opaque(kp, params_free, sizeof *kp);
    if (!v) {
        params_free(kp);
        return NULL;
    }
    *out = kp;
    return v;
}

/* A new layer named prefix-token, in ctx; takes params over. */
layer *dusk__layer_new(dusk_array_ctx *ctx, const char *prefix, const char *tok, lkind kind,
                        dusk_value *params, int ndim, const int64_t *shape, const int64_t *nb,
                        dusk_dtype dtype)
{
    layer *L = dusk_calloc(1, sizeof *L);
    size_t n = strlen(prefix) + 34;
    char *name = dusk_malloc(n);
    if (!L || !name || (kind != L_ORIGINAL && !params)) {
        dusk_free(L);
        dusk_free(name);
        dusk_value_unref(params);
        return NULL;
    }
    snprintf(name, n, "%s-%s", prefix, tok);
    L->name = name;
    dusk_key_split(name, L->op, sizeof L->op);
    L->kind = kind;
    L->params = params;
    L->ndim = ndim;
    L->dtype = dtype;
    L->ntasks = 1;
    for (int d = 0; d < ndim; d++) {
        L->shape[d] = shape[d];
        L->nb[d] = nb[d];
        L->ntasks *= nb[d];
    }
    L->next = ctx->layers;
    ctx->layers = L;
    return L;
}

void dusk__layer_input(layer *L, layer *in)
{
    L->deps[L->nin] = in->name;
    L->in[L->nin++] = in;
}

/* --- creation ------------------------------------------------------------ */

static dusk_array *check_shape(dusk_array_ctx *ctx, dusk_shape shape)
{
    if (!ctx)
        return dusk__array_fail(NULL, DUSK_EINVAL, "no context given");
    if (shape.ndim < 0 || shape.ndim > DUSK_MAXDIMS)
        return dusk__array_fail(ctx, DUSK_EINVAL, "an array has 0 to %d dimensions, not %d", DUSK_MAXDIMS,
                    shape.ndim);
    for (int d = 0; d < shape.ndim; d++)
        if (shape.v[d] < 0)
            return dusk__array_fail(ctx, DUSK_EINVAL, "negative dimension %" PRId64 " in a shape",
                        shape.v[d]);
    return NULL;
}

/* A source layer of kind k: every block made from nothing but its index. */
static dusk_array *source(dusk_array_ctx *ctx, const char *prefix, kkind k, dusk_shape shape,
                          const char *chunks, dusk_dtype dtype, double a, double b,
                          uint64_t seed, const char *what)
{
    dusk_array *e = check_shape(ctx, shape);
    if (e)
        return e;
    if ((unsigned)dtype >= DUSK_DT_C16)
        return dusk__array_fail(ctx, DUSK_EINVAL, "%s: unsupported dtype %d", what, (int)dtype);
    int64_t *buf = NULL, nb[DUSK_MAXDIMS], *per[DUSK_MAXDIMS];
    if (dusk__normalize_chunks(ctx, chunks, shape.ndim, shape.v, dtype, &buf, nb, per, &e) < 0)
        return e;
    char sh[256], tok[33];
    dusk__fmt_shape(sh, sizeof sh, shape.ndim, shape.v);
    dusk__token(tok, "%s|%s|%016" PRIx64 "|%s|%.17g|%.17g|%" PRIu64, prefix, sh,
                hash_chunks(shape.ndim, per, nb), dusk_dtype_code(dtype), a, b, seed);
    kparams *kp;
    dusk_value *pv = dusk__params_new(k, prefix, dtype, shape.ndim, per, nb, &kp);
    if (pv) {
        kp->a = a;
        kp->b = b;
        kp->seed = seed;
    }
    layer *L = pv ? dusk__layer_new(ctx, prefix, tok, L_BLOCKS, pv, shape.ndim, shape.v, nb, dtype)
                  : NULL;
    dusk_array *r = L ? dusk__array_new(ctx, L, shape.ndim, shape.v, per, nb, dtype) : dusk__array_oom(ctx, what);
    dusk_free(buf);
    return r;
}

dusk_array *dusk_ones(dusk_array_ctx *ctx, dusk_shape shape, const char *chunks, dusk_dtype dtype)
{
    return source(ctx, "ones_like", K_FILL, shape, chunks, dtype, 1, 0, 0, "ones");
}

dusk_array *dusk_zeros(dusk_array_ctx *ctx, dusk_shape shape, const char *chunks, dusk_dtype dtype)
{
    return source(ctx, "zeros_like", K_FILL, shape, chunks, dtype, 0, 0, 0, "zeros");
}

dusk_array *dusk_empty(dusk_array_ctx *ctx, dusk_shape shape, const char *chunks, dusk_dtype dtype)
{
    return source(ctx, "empty_like", K_FILL, shape, chunks, dtype, 0, 0, 0, "empty");
}

dusk_array *dusk_full(dusk_array_ctx *ctx, dusk_shape shape, const char *chunks, dusk_dtype dtype,
                      double fill)
{
    return source(ctx, "full_like", K_FILL, shape, chunks, dtype, fill, 0, 0, "full");
}

dusk_array *dusk_arange(dusk_array_ctx *ctx, double start, double stop, double step,
                        const char *chunks)
{
    if (!ctx)
        return dusk__array_fail(NULL, DUSK_EINVAL, "no context given");
    if (step == 0 || !isfinite(step) || !isfinite(start) || !isfinite(stop))
        return dusk__array_fail(ctx, DUSK_EINVAL, "arange: step must be finite and non-zero");
    double n = ceil((stop - start) / step);
    int64_t len = n > 0 ? (int64_t)n : 0;
    int whole = start == floor(start) && stop == floor(stop) && step == floor(step);
    return source(ctx, "arange", K_ARANGE, DUSK_SHAPE(len), chunks, whole ? DUSK_DT_I8 : DUSK_DT_F8,
                  start, step, 0, "arange");
}

dusk_array *dusk_linspace(dusk_array_ctx *ctx, double start, double stop, int64_t num,
                          const char *chunks)
{
    if (!ctx)
        return dusk__array_fail(NULL, DUSK_EINVAL, "no context given");
    if (num < 0)
        return dusk__array_fail(ctx, DUSK_EINVAL, "linspace: number of samples %" PRId64 " is negative", num);
    /* a and b hold start and stop; seed holds num. */
    return source(ctx, "linspace", K_LINSPACE, DUSK_SHAPE(num), chunks, DUSK_DT_F8, start, stop,
                  (uint64_t)num, "linspace");
}

dusk_array *dusk_random_normal(dusk_array_ctx *ctx, uint64_t seed, double loc, double scale,
                               dusk_shape shape, const char *chunks)
{
    if (ctx && scale < 0)
        return dusk__array_fail(ctx, DUSK_EINVAL, "normal: scale %g is negative", scale);
    return source(ctx, "normal", K_NORMAL, shape, chunks, DUSK_DT_F8, loc, scale, seed, "normal");
}

dusk_array *dusk_random_uniform(dusk_array_ctx *ctx, uint64_t seed, double low, double high,
                                dusk_shape shape, const char *chunks)
{
    return source(ctx, "uniform", K_UNIFORM, shape, chunks, DUSK_DT_F8, low, high, seed,
                  "uniform");
}

/* 'original-array-<token>' holding v, and 'array-<token>' getting blocks
 * of it with kernel k, as Dask's from_array does. Takes v over. */
static dusk_array *from_original(dusk_array_ctx *ctx, dusk_value *v, kkind k, dusk_shape shape,
                                 const char *chunks, dusk_dtype dtype, const char *what,
                                 const char *tokentext)
{
    int64_t *buf = NULL, nb[DUSK_MAXDIMS], *per[DUSK_MAXDIMS];
    dusk_array *e;
    if (dusk__normalize_chunks(ctx, chunks, shape.ndim, shape.v, dtype, &buf, nb, per, &e) < 0) {
        dusk_value_unref(v);
        return e;
    }
    char tok[33];
    dusk__token(tok, "array|%s|%016" PRIx64, tokentext, hash_chunks(shape.ndim, per, nb));
    kparams *kp;
    dusk_value *pv = dusk__params_new(k, "array", dtype, shape.ndim, per, nb, &kp);
    int64_t one = 1;
    layer *O = dusk__layer_new(ctx, "original-array", tok, L_ORIGINAL, NULL, 0, NULL, &one, dtype);
    layer *L = pv && O ? dusk__layer_new(ctx, "array", tok, L_BLOCKS, pv, shape.ndim, shape.v, nb,
                                   dtype)
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
    dusk_array *e = check_shape(ctx, shape);
    if (e)
        return e;
    if ((unsigned)dtype >= DUSK_DT_C16)
        return dusk__array_fail(ctx, DUSK_EINVAL, "from_buffer: unsupported dtype %d", (int)dtype);
    if (!data)
        return dusk__array_fail(ctx, DUSK_EINVAL, "from_buffer: no data given");
    dusk_value *v = dusk_ndarray_new(dtype, shape.ndim, shape.v);
    if (!v)
        return dusk__array_oom(ctx, "a copy of the buffer");
    memcpy(dusk_ndarray_data(v), data, dusk_value_nbytes(v));
    /* The token hashes the contents, as Dask's tokenize does for arrays. */
    uint64_t h = 1469598103934665603ull;
    const unsigned char *p = data;
    for (size_t i = 0; i < dusk_value_nbytes(v); i++)
        h = (h ^ p[i]) * 1099511628211ull;
    char sh[256], text[400];
    dusk__fmt_shape(sh, sizeof sh, shape.ndim, shape.v);
    snprintf(text, sizeof text, "buffer|%s|%s|%016" PRIx64, sh, dusk_dtype_code(dtype), h);
    return from_original(ctx, v, K_GET_BUF, shape, chunks, dtype, "from_buffer", text);
}

static void h5src_free(void *p) { dusk__h5_close(p); }

dusk_array *dusk_from_hdf5(dusk_array_ctx *ctx, const char *path, const char *dataset,
                           const char *chunks)
{
    if (!ctx)
        return dusk__array_fail(NULL, DUSK_EINVAL, "no context given");
    if (!path || !dataset)
        return dusk__array_fail(ctx, DUSK_EINVAL, "from_hdf5: no %s given", path ? "dataset" : "file");
    dusk__h5src *src;
    dusk_dtype dtype;
    dusk_shape shape;
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk__h5_open(path, dataset, &src, &dtype, &shape.ndim, shape.v, &err) < 0)
        return dusk__array_fail(ctx, err.code, "%s", err.msg);
    dusk_value *v = dusk_opaque(src, h5src_free, 0);
    if (!v) {
        dusk__h5_close(src);
        return dusk__array_oom(ctx, "from_hdf5");
    }
    char sh[256], text[1200];
    dusk__fmt_shape(sh, sizeof sh, shape.ndim, shape.v);
    snprintf(text, sizeof text, "hdf5|%s|%s|%s|%s", path, dataset, sh, dusk_dtype_code(dtype));
    return from_original(ctx, v, K_GET_H5, shape, chunks, dtype, "from_hdf5", text);
}

/* --- elementwise ------------------------------------------------------------ */

static const char *const binop_names[DUSK_NBINOPS] = {
    "add", "sub", "mul", "truediv", "pow", "lt", "le", "gt", "ge", "eq", "ne",
};
static const char *const unop_names[DUSK_NUNOPS] = {
    "neg", "absolute", "exp", "log", "sqrt", "sin", "cos",
};

static int same_chunks(const dusk_array *a, int da, const dusk_array *b, int db)
{
    if (a->nb[da] != b->nb[db])
        return 0;
    return memcmp(a->chunks[da], b->chunks[db], (size_t)a->nb[da] * sizeof(int64_t)) == 0;
}

/* The common refinement of two chunkings of one axis, as text "(...)". */
static char *refine(const int64_t *c1, int64_t n1, const int64_t *c2, int64_t n2)
{
    size_t cap = (size_t)(n1 + n2) * 22 + 8;
    char *s = dusk_malloc(cap);
    if (!s)
        return NULL;
    size_t len = (size_t)snprintf(s, cap, "(");
    int64_t i = 0, j = 0, e1 = c1[0], e2 = c2[0], at = 0;
    while (i < n1 && j < n2) {
        int64_t e = e1 < e2 ? e1 : e2;
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

/* Rechunks x so that along each axis where both have length > 1 (right
 * aligned) it has the common refinement of x's and y's chunks. */
static dusk_array *unify(dusk_array *x, const dusk_array *y)
{
    int off = y->ndim - x->ndim;  /* y's axis of x's axis d is d + off */
    int need = 0;
    for (int d = 0; d < x->ndim; d++) {
        int e = d + off;
        if (e >= 0 && x->shape[d] > 1 && y->shape[e] > 1 && !same_chunks(x, d, y, e))
            need = 1;
    }
    if (!need)
        return x;
    size_t cap = 64;
    for (int d = 0; d < x->ndim; d++)
        cap += (size_t)(x->nb[d] + (d + off >= 0 ? y->nb[d + off] : 0)) * 22 + 8;
    char *spec = dusk_malloc(cap);
    if (!spec)
        return dusk__array_oom(x->ctx, "unified chunks");
    size_t len = (size_t)snprintf(spec, cap, "(");
    for (int d = 0; d < x->ndim; d++) {
        int e = d + off;
        char *r;
        if (e >= 0 && x->shape[d] > 1 && y->shape[e] > 1)
            r = refine(x->chunks[d], x->nb[d], y->chunks[e], y->nb[e]);
        else
            r = refine(x->chunks[d], x->nb[d], x->chunks[d], x->nb[d]);
        if (!r) {
            dusk_free(spec);
            return dusk__array_oom(x->ctx, "unified chunks");
        }
        len += (size_t)snprintf(spec + len, cap - len, "%s, ", r);
        dusk_free(r);
    }
    snprintf(spec + len, cap - len, ")");
    dusk_array *z = dusk_array_rechunk(x, spec);
    dusk_free(spec);
    return z;
}

/* A blockwise layer over one or two inputs with the given output grid;
 * input i's axis d follows output axis map[i][d] (-1: block 0). */
static dusk_array *blockwise(const char *prefix, kkind k, int op, dusk_array **in, int nin,
                             int (*map)[DUSK_MAXDIMS], int ndim, const int64_t *shape,
                             int64_t *const *chunks, const int64_t *nb, dusk_dtype dtype,
                             const char *extra, kparams **kpo)
{
    dusk_array_ctx *ctx = in[0]->ctx;
    char tok[33];
    dusk__token(tok, "%s|%d|%s|%s|%s|%s", prefix, op, in[0]->L->name, nin > 1 ? in[1]->L->name : "",
          dusk_dtype_code(dtype), extra ? extra : "");
    kparams *kp;
    dusk_value *pv = dusk__params_new(k, prefix[0] == '_' ? prefix + 1 : prefix, dtype, ndim, chunks,
                                nb, &kp);
    layer *L = pv ? dusk__layer_new(ctx, prefix, tok, L_BLOCKS, pv, ndim, shape, nb, dtype) : NULL;
    if (!L)
        return dusk__array_oom(ctx, prefix);
    kp->op = op;
    for (int i = 0; i < nin; i++) {
        dusk__layer_input(L, in[i]->L);
        memcpy(L->map[i], map[i], sizeof L->map[i]);
    }
    if (kpo)
        *kpo = kp;
    return dusk__array_new(ctx, L, ndim, shape, chunks, nb, dtype);
}

dusk_array *dusk_array_binop(dusk_binop op, dusk_array *a, dusk_array *b)
{
    dusk_array *e = dusk__array_bad_input(a, b);
    if (e)
        return e;
    if (!b)
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "no second array given");
    if ((unsigned)op >= DUSK_NBINOPS)
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "unknown operation %d", (int)op);
    int ndim = a->ndim > b->ndim ? a->ndim : b->ndim;
    int64_t shape[DUSK_MAXDIMS];
    for (int d = 0; d < ndim; d++) {
        int da = d - (ndim - a->ndim), db = d - (ndim - b->ndim);
        int64_t x = da >= 0 ? a->shape[da] : 1, y = db >= 0 ? b->shape[db] : 1;
        if (x != y && x != 1 && y != 1) {
            char s1[256], s2[256];
            dusk__fmt_shape(s1, sizeof s1, a->ndim, a->shape);
            dusk__fmt_shape(s2, sizeof s2, b->ndim, b->shape);
            return dusk__array_fail(a->ctx, DUSK_EINVAL,
                        "%s: shapes %s and %s do not broadcast (axis %d: %" PRId64 " vs %" PRId64 ")",
                        binop_names[op], s1, s2, d, x, y);
        }
        shape[d] = x == 1 ? y : x;
    }
    dusk_dtype ta = a->dtype, tb = b->dtype;
    if (op == DUSK_OP_SUB && ta == DUSK_DT_BOOL && tb == DUSK_DT_BOOL)
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "sub: numpy boolean subtract is not supported");
    /* Chunks must agree along shared axes of length > 1: refine both. */
    dusk_array *ua = unify(a, b), *ub = unify(b, a);
    if ((e = dusk__array_bad_input(ua, ub)))
        return e;
    dusk_array *in[2] = {ua, ub};
    int map[2][DUSK_MAXDIMS];
    int64_t nb[DUSK_MAXDIMS];
    int64_t *chunks[DUSK_MAXDIMS];
    for (int d = 0; d < ndim; d++) {
        int da = d - (ndim - ua->ndim), db = d - (ndim - ub->ndim);
        const dusk_array *src = da >= 0 && ua->shape[da] == shape[d] ? ua : ub;
        int ds = src == ua ? da : db;
        nb[d] = src->nb[ds];
        chunks[d] = src->chunks[ds];
        if (da >= 0)
            map[0][da] = ua->shape[da] == shape[d] && shape[d] != 1 ? d : (ua->nb[da] == nb[d] ? d : -1);
        if (db >= 0)
            map[1][db] = ub->shape[db] == shape[d] && shape[d] != 1 ? d : (ub->nb[db] == nb[d] ? d : -1);
    }
    return blockwise(binop_names[op], K_BINOP, op, in, 2, map, ndim, shape, chunks, nb,
                     dusk__binop_dtype(op, ta, tb), NULL, NULL);
}

dusk_array *dusk_array_binop_scalar(dusk_binop op, dusk_array *a, double s, bool scalar_first)
{
    dusk_array *e = dusk__array_bad_input(a, NULL);
    if (e)
        return e;
    if ((unsigned)op >= DUSK_NBINOPS)
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "unknown operation %d", (int)op);
    dusk_dtype t = dusk__promote_scalar(a->dtype, s);
    if (op >= DUSK_OP_LT)
        t = DUSK_DT_BOOL;
    else if (op == DUSK_OP_DIV && !dusk__dtype_is_float(t))
        t = DUSK_DT_F8;
    int map[1][DUSK_MAXDIMS];
    for (int d = 0; d < a->ndim; d++)
        map[0][d] = d;
    char extra[64];
    snprintf(extra, sizeof extra, "%.17g|%d", s, (int)scalar_first);
    kparams *kp = NULL;
    dusk_array *r = blockwise(binop_names[op], K_BINOP_SCALAR, op, &a, 1, map, a->ndim, a->shape,
                              a->chunks, a->nb, t, extra, &kp);
    if (kp) {
        kp->a = s;
        kp->scalar_first = scalar_first;
    }
    return r;
}

dusk_array *dusk_array_unop(dusk_unop op, dusk_array *a)
{
    dusk_array *e = dusk__array_bad_input(a, NULL);
    if (e)
        return e;
    if ((unsigned)op >= DUSK_NUNOPS)
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "unknown operation %d", (int)op);
    if (op == DUSK_OP_NEG && a->dtype == DUSK_DT_BOOL)
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "neg: the numpy boolean negative is not supported");
    int map[1][DUSK_MAXDIMS];
    for (int d = 0; d < a->ndim; d++)
        map[0][d] = d;
    return blockwise(unop_names[op], K_UNOP, op, &a, 1, map, a->ndim, a->shape, a->chunks,
                     a->nb, dusk__unop_dtype(op, a->dtype), NULL, NULL);
}

dusk_array *dusk_array_add(dusk_array *a, dusk_array *b) { return dusk_array_binop(DUSK_OP_ADD, a, b); }
dusk_array *dusk_array_sub(dusk_array *a, dusk_array *b) { return dusk_array_binop(DUSK_OP_SUB, a, b); }
dusk_array *dusk_array_mul(dusk_array *a, dusk_array *b) { return dusk_array_binop(DUSK_OP_MUL, a, b); }
dusk_array *dusk_array_div(dusk_array *a, dusk_array *b) { return dusk_array_binop(DUSK_OP_DIV, a, b); }

/* --- shape ---------------------------------------------------------------------- */

dusk_array *dusk_array_transpose(dusk_array *a, const int *perm)
{
    dusk_array *e = dusk__array_bad_input(a, NULL);
    if (e)
        return e;
    int p[DUSK_MAXDIMS], seen[DUSK_MAXDIMS] = {0};
    for (int i = 0; i < a->ndim; i++) {
        int ax = perm ? perm[i] : a->ndim - 1 - i;
        if (ax < 0)
            ax += a->ndim;
        if (ax < 0 || ax >= a->ndim || seen[ax])
            return dusk__array_fail(a->ctx, DUSK_EINVAL, "transpose: axes are not a permutation of 0..%d",
                        a->ndim - 1);
        seen[ax] = 1;
        p[i] = ax;
    }
    int64_t shape[DUSK_MAXDIMS], nb[DUSK_MAXDIMS];
    int64_t *chunks[DUSK_MAXDIMS];
    int map[1][DUSK_MAXDIMS];
    char extra[256] = "";
    for (int i = 0; i < a->ndim; i++) {
        shape[i] = a->shape[p[i]];
        nb[i] = a->nb[p[i]];
        chunks[i] = a->chunks[p[i]];
        map[0][p[i]] = i;
        size_t l = strlen(extra);
        snprintf(extra + l, sizeof extra - l, "%d,", p[i]);
    }
    kparams *kp = NULL;
    dusk_array *r = blockwise("transpose", K_TRANSPOSE, 0, &a, 1, map, a->ndim, shape, chunks, nb,
                              a->dtype, extra, &kp);
    if (kp)
        memcpy(kp->perm, p, sizeof p);
    return r;
}

dusk_array *dusk_array_astype(dusk_array *a, dusk_dtype dtype)
{
    dusk_array *e = dusk__array_bad_input(a, NULL);
    if (e)
        return e;
    if ((unsigned)dtype >= DUSK_DT_C16)
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "astype: unsupported dtype %d", (int)dtype);
    if (dtype == a->dtype)
        return a;
    int map[1][DUSK_MAXDIMS];
    for (int d = 0; d < a->ndim; d++)
        map[0][d] = d;
    return blockwise("astype", K_ASTYPE, 0, &a, 1, map, a->ndim, a->shape, a->chunks, a->nb, dtype,
                     NULL, NULL);
}

/* Records a's block boundaries in kp, for kernels that gather blocks. */
static int params_input_offsets(kparams *kp, const dusk_array *a)
{
    int64_t total = 0;
    for (int d = 0; d < a->ndim; d++)
        total += a->nb[d] + 1;
    if (a->ndim == 0)
        return 0;
    if (!(kp->in_off[0] = dusk_malloc((size_t)total * sizeof(int64_t))))
        return -1;
    int64_t at = 0;
    for (int d = 0; d < a->ndim; d++) {
        kp->in_off[d] = kp->in_off[0] + at;
        kp->in_off[d][0] = 0;
        for (int64_t k = 0; k < a->nb[d]; k++)
            kp->in_off[d][k + 1] = kp->in_off[d][k] + a->chunks[d][k];
        at += a->nb[d] + 1;
    }
    return 0;
}

/* The input blocks lo..hi (per axis) that output block idx of a rechunk
 * overlaps, from the boundaries in kp. */
static void rechunk_range(const kparams *kp, const int64_t *in_nb, int ndim, const int64_t *idx,
                          int64_t *lo, int64_t *hi)
{
    for (int d = 0; d < ndim; d++) {
        int64_t s = kp->off[d][idx[d]], e = kp->off[d][idx[d] + 1];
        const int64_t *io = kp->in_off[d];
        lo[d] = 0;
        while (io[lo[d] + 1] <= s && lo[d] + 1 < in_nb[d])
            lo[d]++;
        hi[d] = lo[d];
        while (hi[d] + 1 < in_nb[d] && io[hi[d] + 1] < e)
            hi[d]++;
    }
}

/* Whether input block j is wholly inside output block idx. */
static int rechunk_whole(const kparams *kp, int ndim, const int64_t *idx, const int64_t *j)
{
    for (int d = 0; d < ndim; d++)
        if (kp->in_off[d][j[d]] < kp->off[d][idx[d]] ||
            kp->in_off[d][j[d] + 1] > kp->off[d][idx[d] + 1])
            return 0;
    return 1;
}

/* Dask's rechunk in one step: per output block a 'rechunk-merge' task
 * (an alias when one piece makes it), and a 'rechunk-split' task for
 * every piece that is only part of an input block. Returns the number of
 * split tasks. */
static int64_t rechunk_splits(const kparams *kp, const int64_t *in_nb, int ndim,
                              const int64_t *out_nb)
{
    int64_t idx[DUSK_MAXDIMS] = {0}, n = 0;
    do {
        int64_t lo[DUSK_MAXDIMS], hi[DUSK_MAXDIMS], j[DUSK_MAXDIMS], cnt[DUSK_MAXDIMS], k[DUSK_MAXDIMS] = {0};
        rechunk_range(kp, in_nb, ndim, idx, lo, hi);
        for (int d = 0; d < ndim; d++)
            cnt[d] = hi[d] - lo[d] + 1;
        do {
            for (int d = 0; d < ndim; d++)
                j[d] = lo[d] + k[d];
            n += !rechunk_whole(kp, ndim, idx, j);
        } while (next_index(ndim, cnt, k));
    } while (next_index(ndim, out_nb, idx));
    return n;
}

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
    char tok[33];
    dusk__token(tok, "rechunk|%s|%016" PRIx64, a->L->name, hash_chunks(a->ndim, per, nb));
    kparams *kp;
    dusk_value *pv = dusk__params_new(K_RECHUNK, "rechunk-merge", a->dtype, a->ndim, per, nb, &kp);
    if (pv && params_input_offsets(kp, a) < 0) {
        dusk_value_unref(pv);
        pv = NULL;
    }
    /* the split tasks' own parameters (their display name differs) */
    kparams *skp = NULL;
    dusk_value *spv = pv ? dusk__params_new(K_RSPLIT, "rechunk-split", a->dtype, 0, NULL, NULL, &skp)
                         : NULL;
    if (!spv) {
        dusk_value_unref(pv);
        pv = NULL;
    }
    /* layer_new takes pv over, also when it fails */
    layer *L = pv ? dusk__layer_new(a->ctx, "rechunk-merge", tok, L_GATHER, pv, a->ndim, a->shape, nb,
                              a->dtype)
                  : NULL;
    dusk_array *r;
    if (!L) {
        dusk_value_unref(spv);
        r = dusk__array_oom(a->ctx, "rechunk");
    } else {
        L->data = spv;
        L->data_free = (void (*)(void *))dusk_value_unref;
        L->ntasks += rechunk_splits(kp, a->nb, a->ndim, nb);
        dusk__layer_input(L, a->L);
        r = dusk__array_new(a->ctx, L, a->ndim, a->shape, per, nb, a->dtype);
    }
    dusk_free(buf);
    return r;
}

/* --- reductions ------------------------------------------------------------------ */

/* Dask's names: the chunk step, the combine step (+ "-partial") and the
 * aggregate step (+ "-aggregate"). */
static const char *const red_names[DUSK_NREDS][3] = {
    [DUSK_RED_SUM] = {"sum", "sum", "sum"},
    [DUSK_RED_PROD] = {"prod", "prod", "prod"},
    [DUSK_RED_MEAN] = {"mean_chunk", "mean_combine", "mean_agg"},
    [DUSK_RED_STD] = {"var", "var", "var"},
    [DUSK_RED_VAR] = {"var", "var", "var"},
    [DUSK_RED_MIN] = {"chunk_min", "chunk_min", "amin"},
    [DUSK_RED_MAX] = {"chunk_max", "chunk_max", "amax"},
    [DUSK_RED_ANY] = {"any", "any", "any"},
    [DUSK_RED_ALL] = {"all", "all", "all"},
};

/* Resolves an axis mask against ndim: negative axes live in the top bits
 * (DUSK_AXIS(-1) is bit 63). -1 when an axis is out of range. */
static int resolve_axes(uint64_t mask, int ndim, uint64_t *out)
{
    if (mask == DUSK_ALL_AXES) {
        *out = ndim >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << ndim) - 1);
        return 0;
    }
    uint64_t r = 0;
    for (int b = 0; b < 64; b++) {
        if (!((mask >> b) & 1))
            continue;
        int ax = b < 32 ? b : b - 64 + ndim;
        if (ax < 0 || ax >= ndim || (b < 32 && b >= ndim))
            return -1;
        r |= (uint64_t)1 << ax;
    }
    *out = r;
    return 0;
}

/* One tree step: groups of split[d] blocks along the reduced axes. */
static dusk_array *reduce_step(dusk_array *x, dusk_reduction op, kkind k, const char *prefix,
                               uint64_t axes, const int64_t *split, int keepdims, int ddof,
                               dusk_dtype out_dtype)
{
    int ndim = 0, out_axis[DUSK_MAXDIMS];
    int64_t shape[DUSK_MAXDIMS], nb[DUSK_MAXDIMS], ones[DUSK_MAXDIMS];
    int64_t *chunks[DUSK_MAXDIMS];
    int64_t room = 1;
    for (int d = 0; d < x->ndim; d++)
        room += x->nb[d];
    int64_t *cbuf = dusk_malloc((size_t)room * sizeof(int64_t)), *next = cbuf;
    if (!cbuf)
        return dusk__array_oom(x->ctx, prefix);
    for (int d = 0; d < x->ndim; d++) {
        ones[d] = 1;
        if ((axes >> d) & 1) {
            int64_t n = (x->nb[d] + split[d] - 1) / split[d];
            if (!keepdims) {
                out_axis[d] = -1;
                continue;
            }
            out_axis[d] = ndim;
            nb[ndim] = n;
            shape[ndim] = n;  /* partial results keep each reduced block as 1 */
            chunks[ndim] = next;
            for (int64_t i = 0; i < n; i++)
                chunks[ndim][i] = 1;
            next += n;
            if (k == K_RED_AGG) {
                shape[ndim] = 1;
                nb[ndim] = 1;
            }
            ndim++;
        } else {
            out_axis[d] = ndim;
            nb[ndim] = x->nb[d];
            shape[ndim] = x->shape[d];
            chunks[ndim] = x->chunks[d];
            ndim++;
        }
    }
    (void)ones;
    char tok[33], sp[512] = "";
    for (int d = 0; d < x->ndim; d++) {
        size_t l = strlen(sp);
        snprintf(sp + l, sizeof sp - l, "%" PRId64 ",", split[d]);
    }
    dusk__token(tok, "%s|%s|%" PRIx64 "|%s|%d|%d|%d", prefix, x->L->name, axes, sp, keepdims, ddof,
          (int)op);
    kparams *kp;
    dusk_value *pv = dusk__params_new(k, prefix, out_dtype, ndim, chunks, nb, &kp);
    layer *L = pv ? dusk__layer_new(x->ctx, prefix, tok, L_REDUCE, pv, ndim, shape, nb, out_dtype)
                  : NULL;
    dusk_array *r;
    if (!L) {
        r = dusk__array_oom(x->ctx, prefix);
    } else {
        kp->op = op;
        kp->axes = axes;
        kp->keepdims = keepdims;
        kp->ddof = ddof;
        dusk__layer_input(L, x->L);
        for (int d = 0; d < x->ndim; d++) {
            L->split[d] = (axes >> d) & 1 ? split[d] : 0;
            L->out_axis[d] = out_axis[d];
        }
        r = dusk__array_new(x->ctx, L, ndim, shape, chunks, nb, out_dtype);
    }
    dusk_free(cbuf);
    return r;
}

dusk_array *dusk_array_reduce(dusk_reduction op, dusk_array *a, uint64_t axes_mask,
                              bool keepdims, int split_every, int ddof)
{
    dusk_array *e = dusk__array_bad_input(a, NULL);
    if (e)
        return e;
    if ((unsigned)op >= DUSK_NREDS)
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "unknown reduction %d", (int)op);
    uint64_t axes;
    if (resolve_axes(axes_mask, a->ndim, &axes) < 0)
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "%s: axis out of range for an array of %d dimension%s",
                    red_names[op][2], a->ndim, a->ndim == 1 ? "" : "s");
    if (split_every < 0 || split_every == 1)
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "split_every must be 0 (default) or at least 2, not %d",
                    split_every);
    dusk_dtype out = dusk__reduce_dtype(op, a->dtype);
    dusk_dtype acc = op == DUSK_RED_MEAN || op == DUSK_RED_VAR || op == DUSK_RED_STD ? DUSK_DT_F8 : out;
    int nax = 0;
    for (int d = 0; d < a->ndim; d++)
        nax += (int)((axes >> d) & 1);
    /* Dask's split_every: an int k becomes max(int(k ** (1 / naxes)), 2) per axis. */
    int k = split_every ? split_every : 4;
    int64_t per = (int64_t)pow((double)k, 1.0 / (nax ? nax : 1));
    if (per < 2)
        per = 2;
    int64_t split[DUSK_MAXDIMS];
    int depth = 1;
    for (int d = 0; d < a->ndim; d++) {
        split[d] = (axes >> d) & 1 ? per : 1;
        if ((axes >> d) & 1 && a->nb[d] > 1) {
            int dd = (int)ceil(log((double)a->nb[d]) / log((double)per));
            if (dd > depth)
                depth = dd;
        }
    }
    /* The chunk step: blockwise, each block reduced with keepdims. */
    int map[1][DUSK_MAXDIMS];
    int64_t nb[DUSK_MAXDIMS], shape[DUSK_MAXDIMS];
    int64_t *chunks[DUSK_MAXDIMS];
    int64_t room = 1;
    for (int d = 0; d < a->ndim; d++)
        room += a->nb[d];
    int64_t *cbuf = dusk_malloc((size_t)room * sizeof(int64_t)), *next = cbuf;
    if (!cbuf)
        return dusk__array_oom(a->ctx, red_names[op][0]);
    for (int d = 0; d < a->ndim; d++) {
        map[0][d] = d;
        nb[d] = a->nb[d];
        if ((axes >> d) & 1) {
            shape[d] = a->nb[d];
            chunks[d] = next;
            for (int64_t i = 0; i < nb[d]; i++)
                chunks[d][i] = 1;
            next += nb[d];
        } else {
            shape[d] = a->shape[d];
            chunks[d] = a->chunks[d];
        }
    }
    char extra[64];
    snprintf(extra, sizeof extra, "%" PRIx64, axes);
    kparams *kp = NULL;
    dusk_array *x = blockwise(red_names[op][0], K_RED_CHUNK, op, &a, 1, map, a->ndim, shape,
                              chunks, nb, acc, extra, &kp);
    dusk_free(cbuf);
    if (x->status)
        return x;
    kp->axes = axes;
    kp->acc_dtype = acc;
    /* Partial steps, then the aggregate. */
    char name[64];
    snprintf(name, sizeof name, "%s-partial", red_names[op][1]);
    for (int i = 0; i < depth - 1 && !x->status; i++)
        x = reduce_step(x, op, K_RED_COMBINE, name, axes, split, 1, ddof, acc);
    if (x->status)
        return x;
    /* The aggregate gathers everything left along the reduced axes. */
    for (int d = 0; d < a->ndim; d++)
        if ((axes >> d) & 1)
            split[d] = x->nb[d];
    snprintf(name, sizeof name, "%s-aggregate", red_names[op][2]);
    x = reduce_step(x, op, K_RED_AGG, name, axes, split, keepdims, ddof, out);
    if (op == DUSK_RED_STD)
        x = dusk_array_unop(DUSK_OP_SQRT, x);
    return x;
}

dusk_array *dusk_array_sum(dusk_array *a, uint64_t axes, bool keepdims)
{
    return dusk_array_reduce(DUSK_RED_SUM, a, axes, keepdims, 0, 0);
}

dusk_array *dusk_array_mean(dusk_array *a, uint64_t axes, bool keepdims)
{
    return dusk_array_reduce(DUSK_RED_MEAN, a, axes, keepdims, 0, 0);
}

/* --- reading ------------------------------------------------------------------------ */

dusk_dtype dusk_array_dtype(const dusk_array *a) { return a->dtype; }
int dusk_array_ndim(const dusk_array *a) { return a->status ? 0 : a->ndim; }
const int64_t *dusk_array_shape(const dusk_array *a) { return a->shape; }
const char *dusk_array_name(const dusk_array *a) { return a->L ? a->L->name : ""; }

int64_t dusk_array_numblocks(const dusk_array *a, int axis)
{
    return a->status || axis < 0 || axis >= a->ndim ? 0 : a->nb[axis];
}

const int64_t *dusk_array_chunks(const dusk_array *a, int axis)
{
    return a->status || axis < 0 || axis >= a->ndim ? NULL : a->chunks[axis];
}

int64_t dusk_array_nchunks(const dusk_array *a)
{
    if (a->status)
        return 0;
    int64_t n = 1;
    for (int d = 0; d < a->ndim; d++)
        n *= a->nb[d];
    return n;
}

/* Visits the layers a needs, inputs first, calling f on each once. */
static size_t walk(dusk_array_ctx *ctx, layer *L, unsigned stamp, void (*f)(layer *, void *), void *ud)
{
    if (L->visit == stamp)
        return 0;
    L->visit = stamp;
    size_t n = 1;
    for (int i = 0; i < L->nin; i++)
        n += walk(ctx, L->in[i], stamp, f, ud);
    if (f)
        f(L, ud);
    return n;
}

static void count_tasks(layer *L, void *ud) { *(int64_t *)ud += L->ntasks; }

int64_t dusk_array_ntasks(const dusk_array *a)
{
    if (a->status || !a->L)
        return 0;
    int64_t n = 0;
    walk(a->ctx, a->L, ++a->ctx->stamp, count_tasks, &n);
    return n;
}

typedef struct {
    dusk_layer_info *out;
    size_t max, n;
} info_acc;

static void add_info(layer *L, void *ud)
{
    info_acc *acc = ud;
    if (acc->n < acc->max)
        acc->out[acc->n] = (dusk_layer_info){L->name, L->op, L->ntasks, L->ndim, L->shape,
                                             L->dtype, (size_t)L->nin, L->deps};
    acc->n++;
}

size_t dusk_array_layers(const dusk_array *a, dusk_layer_info *out, size_t max)
{
    if (a->status || !a->L)
        return 0;
    info_acc acc = {out, max, 0};
    walk(a->ctx, a->L, ++a->ctx->stamp, add_info, &acc);
    return acc.n;
}

/* Dask's format_bytes. */
static void format_bytes(char *buf, size_t n, double b)
{
    static const struct { const char *p; double k; } units[] = {
        {"Pi", 1125899906842624.0}, {"Ti", 1099511627776.0}, {"Gi", 1073741824.0},
        {"Mi", 1048576.0}, {"ki", 1024.0},
    };
    for (size_t i = 0; i < sizeof units / sizeof *units; i++)
        if (b >= units[i].k * 0.9) {
            snprintf(buf, n, "%.2f %sB", b / units[i].k, units[i].p);
            return;
        }
    snprintf(buf, n, "%.0f B", b);
}

size_t dusk_array_describe(const dusk_array *a, char *buf, size_t n)
{
    if (a->status)
        return (size_t)snprintf(buf, n, "dusk array in error: %s\n", a->msg);
    int64_t csize[DUSK_MAXDIMS];
    double total = (double)dusk_dtype_size(a->dtype), chunk = total;
    for (int d = 0; d < a->ndim; d++) {
        csize[d] = 0;
        for (int64_t k = 0; k < a->nb[d]; k++)
            if (a->chunks[d][k] > csize[d])
                csize[d] = a->chunks[d][k];
        total *= (double)a->shape[d];
        chunk *= (double)csize[d];
    }
    char tb[32], cb[32], ts[256], cs[256], tc[32], cc[32];
    format_bytes(tb, sizeof tb, total);
    format_bytes(cb, sizeof cb, chunk);
    dusk__fmt_shape(ts, sizeof ts, a->ndim, a->shape);
    dusk__fmt_shape(cs, sizeof cs, a->ndim, csize);
    snprintf(tc, sizeof tc, "%" PRId64 " Tasks", dusk_array_ntasks(a));
    snprintf(cc, sizeof cc, "%" PRId64 " Chunks", dusk_array_nchunks(a));
    int w = 16;
    int l1 = (int)strlen(ts);
    if (l1 + 2 > w)
        w = l1 + 2;
    return (size_t)snprintf(buf, n,
                            "         %-*s%s\n"
                            "Bytes    %-*s%s\n"
                            "Shape    %-*s%s\n"
                            "Count    %-*s%s\n"
                            "Type     %-*snumpy.ndarray\n",
                            w, "Array", "Chunk", w, tb, cb, w, ts, cs, w, tc, cc, w,
                            dusk_dtype_name(a->dtype));
}

int dusk_array_block_key(const dusk_array *a, const int64_t *idx, char *buf, size_t n)
{
    return dusk_key_tuple(buf, n, a->L->name, a->ndim, idx);
}

/* --- turning layers into tasks -------------------------------------------------------- */

typedef struct {
    dusk_graph *g;
    int rc;
} emit_state;

/* The key of input layer in's block for output block idx of L. */
static void input_key(const layer *L, int i, const int64_t *idx, char *buf, size_t n)
{
    const layer *in = L->in[i];
    if (in->kind == L_ORIGINAL) {
        snprintf(buf, n, "%s", in->name);
        return;
    }
    int64_t j[DUSK_MAXDIMS];
    for (int d = 0; d < in->ndim; d++)
        j[d] = L->map[i][d] >= 0 ? idx[L->map[i][d]] : 0;
    dusk_key_tuple(buf, n, in->name, in->ndim, j);
}

static int next_index(int ndim, const int64_t *nb, int64_t *idx)
{
    for (int d = ndim - 1; d >= 0; d--) {
        if (++idx[d] < nb[d])
            return 1;
        idx[d] = 0;
    }
    return 0;
}

/* The input blocks an output block of L reads, as a list of references,
 * in C order over the range of input blocks lo..hi (inclusive). */
static dusk_arg *group_arg(const layer *L, const int64_t *lo, const int64_t *hi)
{
    const layer *in = L->in[0];
    int64_t count = 1, nb[DUSK_MAXDIMS], j[DUSK_MAXDIMS];
    for (int d = 0; d < in->ndim; d++) {
        nb[d] = hi[d] - lo[d] + 1;
        count *= nb[d];
        j[d] = 0;
    }
    dusk_arg **items = dusk_malloc((size_t)count * sizeof *items);
    if (!items)
        return NULL;
    int64_t k = 0;
    do {
        int64_t at[DUSK_MAXDIMS];
        for (int d = 0; d < in->ndim; d++)
            at[d] = lo[d] + j[d];
        char key[512];
        dusk_key_tuple(key, sizeof key, in->name, in->ndim, at);
        items[k++] = dusk_ref(key);
    } while (next_index(in->ndim, nb, j));
    dusk_arg *list = dusk_listv((size_t)count, items);
    dusk_free(items);
    return list;
}

/* The block index as a literal tuple. */
static dusk_arg *index_arg(int ndim, const int64_t *idx)
{
    dusk_value *items[DUSK_MAXDIMS];
    for (int d = 0; d < ndim; d++)
        items[d] = dusk_int(idx[d]);
    return dusk_lit(dusk_tuple_of((size_t)ndim, items));
}

/* Output block idx of a rechunk (see rechunk_splits): its split tasks,
 * then its merge task or alias. */
static int emit_rechunk(dusk_graph *g, const layer *L, const kparams *kp, const int64_t *idx,
                        const char *key, int64_t *splits)
{
    const layer *in = L->in[0];
    int nd = in->ndim;
    int64_t lo[DUSK_MAXDIMS], hi[DUSK_MAXDIMS], cnt[DUSK_MAXDIMS], k[DUSK_MAXDIMS] = {0};
    rechunk_range(kp, in->nb, nd, idx, lo, hi);
    int64_t npieces = 1;
    for (int d = 0; d < nd; d++) {
        cnt[d] = hi[d] - lo[d] + 1;
        npieces *= cnt[d];
    }
    dusk_arg **items = dusk_malloc((size_t)npieces * sizeof *items);
    if (!items)
        return DUSK_ENOMEM;
    const char *tok = L->name + strlen("rechunk-merge-");
    char split_name[64], first[512];
    snprintf(split_name, sizeof split_name, "rechunk-split-%s", tok);
    int64_t m = 0;
    int rc = 0;
    do {
        int64_t j[DUSK_MAXDIMS];
        for (int d = 0; d < nd; d++)
            j[d] = lo[d] + k[d];
        char ik[512], pk[512];
        dusk_key_tuple(ik, sizeof ik, in->name, nd, j);
        if (rechunk_whole(kp, nd, idx, j)) {
            snprintf(pk, sizeof pk, "%s", ik);
        } else {
            /* the part of input block j inside this block, as (start,
             * stop) pairs relative to block j */
            dusk_value *sl[2 * DUSK_MAXDIMS];
            for (int d = 0; d < nd; d++) {
                int64_t bs = kp->in_off[d][j[d]], be = kp->in_off[d][j[d] + 1];
                int64_t s0 = kp->off[d][idx[d]] > bs ? kp->off[d][idx[d]] : bs;
                int64_t e0 = kp->off[d][idx[d] + 1] < be ? kp->off[d][idx[d] + 1] : be;
                sl[2 * d] = dusk_int(s0 - bs);
                sl[2 * d + 1] = dusk_int(e0 - bs);
            }
            int64_t c = (*splits)++;
            dusk_key_tuple(pk, sizeof pk, split_name, 1, &c);
            rc = dusk_task(g, pk, &((const kparams *)dusk_opaque_ptr(L->data))->func,
                           dusk_lit(dusk_value_ref(L->data)),
                           dusk_lit(dusk_tuple_of((size_t)(2 * nd), sl)), dusk_ref(ik));
        }
        if (m == 0)
            snprintf(first, sizeof first, "%s", pk);
        items[m++] = dusk_ref(pk);
    } while (!rc && next_index(nd, cnt, k));
    if (rc || m == 1) {
        for (int64_t i = 0; i < m; i++)
            dusk_arg_free(items[i]);
        dusk_free(items);
        return rc ? rc : dusk_graph_alias(g, key, first);
    }
    dusk_value *cv[DUSK_MAXDIMS];
    for (int d = 0; d < nd; d++)
        cv[d] = dusk_int(cnt[d]);
    dusk_arg *list = dusk_listv((size_t)m, items);
    dusk_free(items);
    return dusk_task(g, key, &kp->func, dusk_lit(dusk_value_ref(L->params)),
                     index_arg(L->ndim, idx), list,
                     dusk_lit(dusk_tuple_of((size_t)nd, cv)));
}

static void emit_layer(layer *L, void *ud)
{
    emit_state *st = ud;
    if (st->rc)
        return;
    if (L->kind == L_ORIGINAL) {
        st->rc = dusk_graph_value(st->g, L->name, dusk_value_ref(L->literal));
        return;
    }
    const kparams *kp = dusk_opaque_ptr(L->params);
    int64_t idx[DUSK_MAXDIMS] = {0}, splits = 0;
    do {
        char key[512];
        dusk_key_tuple(key, sizeof key, L->name, L->ndim, idx);
        if (L->kind == L_GATHER) {
            st->rc = emit_rechunk(st->g, L, kp, idx, key, &splits);
            continue;
        }
        dusk_arg *args[2 + DUSK__MAXIN];
        size_t nargs = 0;
        args[nargs++] = dusk_lit(dusk_value_ref(L->params));
        args[nargs++] = index_arg(L->ndim, idx);
        if (L->kind == L_CUSTOM) {
            int k = L->inputs(L, idx, args + nargs);
            if (k < 0) {
                for (size_t i = 0; i < nargs; i++)
                    dusk_arg_free(args[i]);
                st->rc = DUSK_ENOMEM;
                return;
            }
            nargs += (size_t)k;
        } else if (L->kind == L_BLOCKS) {
            for (int i = 0; i < L->nin; i++) {
                char ik[512];
                input_key(L, i, idx, ik, sizeof ik);
                args[nargs++] = dusk_ref(ik);
            }
        } else {
            /* L_REDUCE: a group along the reduced axes */
            const layer *in = L->in[0];
            int64_t lo[DUSK_MAXDIMS], hi[DUSK_MAXDIMS];
            for (int d = 0; d < in->ndim; d++) {
                if (L->split[d]) {
                    int64_t o = L->out_axis[d] >= 0 ? idx[L->out_axis[d]] : 0;
                    lo[d] = o * L->split[d];
                    hi[d] = lo[d] + L->split[d] - 1;
                    if (hi[d] >= in->nb[d])
                        hi[d] = in->nb[d] - 1;
                } else {
                    lo[d] = hi[d] = idx[L->out_axis[d]];
                }
            }
            args[nargs++] = group_arg(L, lo, hi);
        }
        st->rc = dusk_graph_taskv(st->g, key, &kp->func, nargs, args);
    } while (!st->rc && next_index(L->ndim, L->nb, idx));
}

int dusk_array_graph(const dusk_array *a, dusk_graph **out, dusk_error *err)
{
    *out = NULL;
    if (dusk_array_status(a, err))
        return a->status;
    dusk_graph *g = dusk_graph_new();
    if (!g)
        return dusk_error_set(err, DUSK_ENOMEM, "out of memory building a graph");
    emit_state st = {g, 0};
    walk(a->ctx, a->L, ++a->ctx->stamp, emit_layer, &st);
    if (st.rc) {
        dusk_graph_status(g, err);
        dusk_graph_free(g);
        return st.rc;
    }
    *out = g;
    return 0;
}

/* The keys of every block of a, in C order (a dusk_malloc'd array of
 * strings in one buffer). */
static char **block_keys(const dusk_array *a, size_t *count)
{
    int64_t n = dusk_array_nchunks(a);
    char **keys = dusk_malloc((size_t)n * (sizeof(char *) + 512));
    if (!keys)
        return NULL;
    char *text = (char *)(keys + n);
    int64_t idx[DUSK_MAXDIMS] = {0};
    for (int64_t k = 0; k < n; k++) {
        keys[k] = text + k * 512;
        dusk_key_tuple(keys[k], 512, a->L->name, a->ndim, idx);
        next_index(a->ndim, a->nb, idx);
    }
    *count = (size_t)n;
    return keys;
}

/* Copies block src into dst at the given offsets. */
static void place_block(dusk_value *dst, const int64_t *at, const dusk_value *src)
{
    int ndim = dusk_ndarray_ndim(src);
    const int64_t *shape = dusk_ndarray_shape(src), *ss = dusk_ndarray_strides(src);
    const int64_t *ds = dusk_ndarray_strides(dst);
    size_t es = dusk_dtype_size(dusk_ndarray_dtype(src));
    int64_t count = 1;
    for (int d = 0; d < ndim; d++)
        count *= shape[d];
    if (count == 0)
        return;
    char *db = dusk_ndarray_data(dst);
    const char *sb = dusk_ndarray_data(src);
    for (int d = 0; d < ndim; d++)
        db += at[d] * ds[d];
    if (ndim == 0) {
        memcpy(db, sb, es);
        return;
    }
    int64_t idx[DUSK_MAXDIMS] = {0}, row = shape[ndim - 1];
    int contiguous_rows = ss[ndim - 1] == (int64_t)es && ds[ndim - 1] == (int64_t)es;
    for (;;) {
        int64_t so = 0, dof = 0;
        for (int d = 0; d < ndim - 1; d++) {
            so += idx[d] * ss[d];
            dof += idx[d] * ds[d];
        }
        if (contiguous_rows) {
            memcpy(db + dof, sb + so, (size_t)row * es);
        } else {
            for (int64_t i = 0; i < row; i++)
                memcpy(db + dof + i * ds[ndim - 1], sb + so + i * ss[ndim - 1], es);
        }
        int d = ndim - 2;
        for (; d >= 0; d--) {
            if (++idx[d] < shape[d])
                break;
            idx[d] = 0;
        }
        if (d < 0)
            break;
    }
}

int dusk_array_compute(dusk_array *a, const dusk_options *opts, dusk_value **out,
                       dusk_error *err)
{
    *out = NULL;
    if (dusk_array_status(a, err))
        return a->status;
    dusk_graph *g;
    int rc = dusk_array_graph(a, &g, err);
    if (rc)
        return rc;
    size_t nkeys = 0;
    char **keys = block_keys(a, &nkeys);
    dusk_value *blocks = NULL, *result = NULL;
    if (!keys) {
        rc = dusk_error_set(err, DUSK_ENOMEM, "out of memory computing an array");
        goto done;
    }
    rc = dusk_get_list(g, (const char *const *)keys, nkeys, opts, &blocks, err);
    if (rc)
        goto done;
    result = dusk_ndarray_empty(a->dtype, a->ndim, a->shape);
    if (!result) {
        rc = dusk_error_set(err, DUSK_ENOMEM, "out of memory for the result of %s", a->L->name);
        goto done;
    }
    int64_t idx[DUSK_MAXDIMS] = {0}, at[DUSK_MAXDIMS];
    for (size_t k = 0; k < nkeys; k++) {
        const dusk_value *b = dusk_tuple_get(blocks, k);
        for (int d = 0; d < a->ndim; d++) {
            at[d] = 0;
            for (int64_t j = 0; j < idx[d]; j++)
                at[d] += a->chunks[d][j];
        }
        if (dusk_value_kind(b) != DUSK_KIND_NDARRAY || dusk_ndarray_ndim(b) != a->ndim) {
            rc = dusk_error_set(err, DUSK_ETYPE, "block %zu of %s is not an ndarray of %d axes",
                                k, a->L->name, a->ndim);
            goto done;
        }
        place_block(result, at, b);
        next_index(a->ndim, a->nb, idx);
    }
    *out = result;
    result = NULL;
done:
    dusk_value_unref(result);
    dusk_value_unref(blocks);
    dusk_free(keys);
    dusk_graph_free(g);
    return rc;
}

int dusk_array_store(dusk_array *a, const char *path, const char *dataset,
                     const dusk_store_options *sopts, const dusk_options *opts,
                     dusk_error *err)
{
    if (dusk_array_status(a, err))
        return a->status;
    if (!path || !dataset)
        return dusk_error_set(err, DUSK_EINVAL, "store: no %s given", path ? "dataset" : "file");
    static const dusk_store_options defaults = {0, false};
    if (!sopts)
        sopts = &defaults;
    int64_t csize[DUSK_MAXDIMS];
    for (int d = 0; d < a->ndim; d++) {
        csize[d] = 1;
        for (int64_t k = 0; k < a->nb[d]; k++)
            if (a->chunks[d][k] > csize[d])
                csize[d] = a->chunks[d][k];
    }
    dusk_graph *g;
    int rc = dusk_array_graph(a, &g, err);
    if (rc)
        return rc;
    dusk__h5dst *dst = NULL;
    rc = dusk__h5_create(path, dataset, a->dtype, a->ndim, a->shape, csize, sopts->gzip,
                         sopts->overwrite, &dst, err);
    if (rc) {
        dusk_graph_free(g);
        return rc;
    }
    /* One store task per block: it writes the block and returns None, so
     * each block is dropped as soon as it is on disk. */
    kparams *kp;
    dusk_value *pv = dusk__params_new(K_STORE, "store-map", a->dtype, a->ndim, a->chunks, a->nb, &kp);
    size_t nkeys = 0;
    char **keys = pv ? block_keys(a, &nkeys) : NULL;
    char **skeys = keys ? dusk_malloc(nkeys * (sizeof(char *) + 512)) : NULL;
    if (!skeys) {
        rc = dusk_error_set(err, DUSK_ENOMEM, "out of memory storing %s", a->L->name);
    } else {
        kp->dst = dst;
        char tok[33];
        dusk__token(tok, "store|%s|%s|%s", a->L->name, path, dataset);
        char *text = (char *)(skeys + nkeys);
        int64_t idx[DUSK_MAXDIMS] = {0};
        char name[64];
        snprintf(name, sizeof name, "store-map-%s", tok);
        for (size_t k = 0; k < nkeys && !rc; k++) {
            skeys[k] = text + k * 512;
            dusk_key_tuple(skeys[k], 512, name, a->ndim, idx);
            rc = dusk_task(g, skeys[k], &kp->func, dusk_lit(dusk_value_ref(pv)),
                           index_arg(a->ndim, idx), dusk_ref(keys[k]));
            next_index(a->ndim, a->nb, idx);
        }
        if (rc) {
            dusk_graph_status(g, err);
        } else {
            dusk_value *res = NULL;
            rc = dusk_get_list(g, (const char *const *)skeys, nkeys, opts, &res, err);
            dusk_value_unref(res);
        }
    }
    dusk_free(keys);
    dusk_free(skeys);
    dusk_graph_free(g);
    dusk_value_unref(pv);
    dusk_error ferr = DUSK_ERROR_INIT;
    int frc = dusk__h5_finish(dst, rc == 0, &ferr);
    if (!rc && frc) {
        rc = frc;
        if (err)
            *err = ferr;
    }
    return rc;
}
