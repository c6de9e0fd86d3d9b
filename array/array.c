/*
** dusk — chunked arrays: contexts, errors, layers, tokens and descriptions
**
** The object model every operation builds on. An operation checks its
** inputs, works out the result's shape, dtype and chunks, and adds one or
** more layers named as Dask 2022.12 names them, with a token that hashes
** the operation and its inputs (so building the same expression twice
** gives the same keys). Nothing runs here: layers become tasks of a
** dusk_graph when the array is computed, stored or drawn (array/emit.c).
**
** Errors travel as arrays in an error state (see dusk/array.h); the
** context keeps the first. Allocation failure while making an error array
** falls back to a static one, so no operation ever returns NULL.
*/
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "array.h"
#include "core/util.h"
#include "dusk/alloc.h"

/* The arrays returned when not even an error array can be allocated, and
 * for calls given no array or context at all (there is no context to keep
 * a message in). */
static dusk_array oom_array = {.status = DUSK_ENOMEM, .msg = "out of memory building an array"};
static dusk_array noctx_array = {.status = DUSK_EINVAL,
                                 .msg = "no array or context given (NULL)"};

/* --- contexts and errors ------------------------------------------------ */

dusk_array_ctx *dusk_array_ctx_new(void)
{
    dusk__ops_register();
    return dusk_calloc(1, sizeof(dusk_array_ctx));
}

static void layer_free(dusk__layer *L)
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
    for (dusk__layer *L = ctx->layers, *next; L; L = next) {
        next = L->next;
        layer_free(L);
    }
    dusk_free(ctx);
}

int dusk_array_ctx_status(const dusk_array_ctx *ctx, dusk_error *err)
{
    DUSK__NONNULL(err, ctx);
    if (ctx->first.code && err)
        *err = ctx->first;
    return ctx->first.code;
}

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

/* The builders that take arrays with blocks of unknown size (by their C
 * names, as dusk__array_bad_input passes them): each makes blocks that
 * follow its inputs' blocks one for one, or reduces them, and its kernels
 * size what they make from the blocks they are given (their layers'
 * bounds are None). Every other builder refuses such an array in
 * dusk__array_input, so an operation that plans with chunk sizes (slicing,
 * rechunk, reshape, joins, products, stores ...) never reads the
 * sentinel as a size. */
static const char *const unknown_ok[] = {
    "dusk_array_binop", "binary_layer", "dusk_array_binop_scalar", "dusk_array_binop_typed",
    "dusk_array_unop", "dusk_array_astype", "dusk_array_transpose", "dusk_array_where",
    "dusk_array_where_scalar",
    "dusk_array_clip", "round_layer", "dusk_array_isclose", "dusk_array_isclose_scalar",
    "dusk_array_nan_to_num", "dusk_array_reduce", "dusk_array_mask", "dusk_array_unique",
    /* ':' along its unknown axes, anything along the others (slicing.c) */
    "dusk_array_getitem", "dusk_array_slice",
};

/* The operation a builder's C name stands for, as the caller knows it:
 * dusk_array_rechunk is rechunk, dusk_linalg_qr linalg.qr. */
static const char *op_name(const char *who, char *buf, size_t n)
{
    static const char *const prefix[] = {"dusk_array_", "dusk_linalg_", "dusk_"};
    for (size_t i = 0; i < sizeof prefix / sizeof *prefix; i++)
        if (strncmp(who, prefix[i], strlen(prefix[i])) == 0) {
            snprintf(buf, n, "%s%s", i == 1 ? "linalg." : "", who + strlen(prefix[i]));
            return buf;
        }
    return who;
}

dusk_array *dusk__refuse_unknown(dusk_array *a, const char *who, const char *detail)
{
    char name[64], sh[256];
    dusk__fmt_array_shape(sh, sizeof sh, a->ndim, a->shape);
    return dusk__array_fail(a->ctx, DUSK_EINVAL,
                            "%s: array chunk sizes are unknown: shape %s%s (x[mask] and the like "
                            "make blocks whose sizes are known only once computed). A "
                            "possible solution: "
                            "https://docs.dask.org/en/latest/array-chunks.html#unknown-chunks; "
                            "to compute the chunk sizes, use x.compute_chunk_sizes() "
                            "(dusk_array_compute_chunk_sizes)",
                            op_name(who, name, sizeof name), sh, detail ? detail : "");
}

/* The first input in an error state (or NULL for a missing input), as the
 * result of an operation on it; or an input of unknown chunk sizes given
 * to a builder not on the allow-list. */
dusk_array *dusk__array_input(dusk_array *a, dusk_array *b, const char *who)
{
    if (!a)
        return dusk__array_fail(b ? b->ctx : NULL, DUSK_EINVAL, "no array given");
    if (a->status)
        return a;
    if (b && b->status)
        return b;
    if (!a->unknown && !(b && b->unknown))
        return NULL;
    for (size_t i = 0; i < sizeof unknown_ok / sizeof *unknown_ok; i++)
        if (who && strcmp(who, unknown_ok[i]) == 0)
            return NULL;
    return dusk__refuse_unknown(a->unknown ? a : b, who ? who : "an operation", NULL);
}

/* Whether two axes of unknown length come from the same selection: the
 * same layer, or one of the same name (its token: the same computation,
 * made twice). */
static int same_source(const void *p, const void *q)
{
    const dusk__layer *l = p, *m = q;
    return l == m || (l && m && strcmp(l->name, m->name) == 0);
}

dusk_array *dusk__unknown_align(dusk_array *a, dusk_array *b, const char *op)
{
    int ndim = a->ndim > b->ndim ? a->ndim : b->ndim;
    for (int d = 0; d < ndim; d++) {
        int da = d - (ndim - a->ndim), db = d - (ndim - b->ndim);
        int ua = da >= 0 && a->shape[da] == DUSK_UNKNOWN_SIZE;
        int ub = db >= 0 && b->shape[db] == DUSK_UNKNOWN_SIZE;
        if (!ua && !ub)
            continue;
        if (ua && ub && a->nb[da] == b->nb[db] && same_source(a->usrc[da], b->usrc[db]))
            continue;
        if (ua && ub && a->nb[da] == b->nb[db]) {
            /* as many blocks, but from two selections: their sizes may
             * differ block by block, where a block of 1 would broadcast */
            char s1[256], s2[256];
            dusk__fmt_array_shape(s1, sizeof s1, a->ndim, a->shape);
            dusk__fmt_array_shape(s2, sizeof s2, b->ndim, b->shape);
            return dusk__array_fail(a->ctx, DUSK_EINVAL,
                                    "%s: shapes %s and %s: their lengths along axis %d, known "
                                    "only once computed, come from two different selections "
                                    "(x[mask] ...), whose blocks may differ in size; compute "
                                    "the chunk sizes first (x.compute_chunk_sizes())",
                                    op, s1, s2, d);
        }
        /* an axis absent or of length 1 broadcasts */
        if ((ua && (db < 0 || b->shape[db] == 1)) || (ub && (da < 0 || a->shape[da] == 1)))
            continue;
        char s1[256], s2[256];
        dusk__fmt_array_shape(s1, sizeof s1, a->ndim, a->shape);
        dusk__fmt_array_shape(s2, sizeof s2, b->ndim, b->shape);
        return dusk__array_fail(a->ctx, DUSK_EINVAL,
                                "%s: operands could not be broadcast together with shapes %s "
                                "and %s (axis %d): a length known only once computed (nan) "
                                "goes with one of as many blocks of unknown size (%" PRId64
                                " and %" PRId64 " blocks here%s) or with a length of 1; "
                                "compute the chunk sizes first (x.compute_chunk_sizes())",
                                op, s1, s2, d, da >= 0 ? a->nb[da] : 0, db >= 0 ? b->nb[db] : 0,
                                ua && ub ? "" : ", one of them of known size");
    }
    return NULL;
}

void dusk__bound_from_inputs(dusk_array *r, dusk_array *const *in, int nin,
                             int (*map)[DUSK_MAXDIMS])
{
    if (r->status || !r->unknown)
        return;
    for (int d = 0; d < r->ndim; d++) {
        if (r->shape[d] != DUSK_UNKNOWN_SIZE)
            continue;
        int64_t most = 0, block = 0;
        for (int i = 0; i < nin; i++)
            for (int e = 0; e < in[i]->ndim; e++)
                if (map[i][e] == d) {
                    most = in[i]->bound[e] > most ? in[i]->bound[e] : most;
                    block = in[i]->bmax[e] > block ? in[i]->bmax[e] : block;
                    if (in[i]->shape[e] == DUSK_UNKNOWN_SIZE)
                        r->usrc[d] = in[i]->usrc[e];   /* the sizes are its input's */
                }
        r->bound[d] = most;
        r->bmax[d] = block;
    }
}

/* The one axis a function such as argmax or cumsum was given, as NumPy
 * reads it: negative axes count from the end; out of range is NumPy's
 * AxisError, naming the axis and ndim. DUSK_AXIS_NONE (axis=None) is kept
 * as it is, for the caller that flattens. */
dusk_array *dusk__array_one_axis(dusk_array *a, int axis, const char *name, int *out)
{
    if (axis == DUSK_AXIS_NONE) {
        *out = DUSK_AXIS_NONE;
        return NULL;
    }
    if (axis < -a->ndim || axis >= a->ndim)
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "%s: axis %d is out of bounds for array "
                                "of dimension %d", name, axis, a->ndim);
    *out = axis < 0 ? axis + a->ndim : axis;
    return NULL;
}

int dusk_array_status(const dusk_array *a, dusk_error *err)
{
    DUSK__NONNULL(err, a);
    if (a->status)
        dusk_error_set(err, a->status, "%s", a->msg ? a->msg : dusk_strerror(a->status));
    return a->status;
}

/* --- tokens -------------------------------------------------------------- */

/* 32 hex digits from two independent 64-bit hashes of the text (the length
 * of Dask's md5 tokens): FNV-1a, and a multiply-add-shift variant of it. */
void dusk__token(char out[33], const char *fmt, ...)
{
    char text[2048];
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    size_t n = len < 0 ? 0 : (size_t)len < sizeof text ? (size_t)len : sizeof text - 1;
    uint64_t h1 = dusk__fnv(DUSK__FNV_INIT, text, n), h2 = 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < n; i++) {
        h2 = (h2 ^ (unsigned char)text[i]) * DUSK__FNV_PRIME + 0x632be59bd9b4e019ull;
        h2 ^= h2 >> 31;
    }
    snprintf(out, 33, "%016" PRIx64 "%016" PRIx64, h1, h2);
}

uint64_t dusk__hash_chunks(int ndim, int64_t *const *per, const int64_t *nb)
{
    uint64_t h = DUSK__FNV_INIT;
    for (int d = 0; d < ndim; d++) {
        h = dusk__fnv_word(h, (uint64_t)nb[d]);
        for (int64_t k = 0; k < nb[d]; k++)
            h = dusk__fnv_word(h, (uint64_t)per[d][k]);
        h = dusk__fnv_word(h, 0xffu);  /* axis separator */
    }
    return h;
}

/* --- arrays and layers --------------------------------------------------- */

dusk_array *dusk__array_new(dusk_array_ctx *ctx, dusk__layer *L, int ndim, const int64_t *shape,
                            int64_t *const *chunks, const int64_t *nb, dusk_dtype dtype)
{
    /* every operation's result passes here: one that broadcasts, joins,
     * casts or multiplies axes past what can be addressed stops now (an
     * axis of unknown length counts as none: its bound is set by the
     * builder, from its input's) */
    char why[512];
    int64_t known[DUSK_MAXDIMS] = {0};
    bool unknown = false;
    for (int d = 0; d < ndim; d++) {
        unknown |= shape[d] == DUSK_UNKNOWN_SIZE;
        known[d] = shape[d] == DUSK_UNKNOWN_SIZE ? 0 : shape[d];
    }
    if (dusk__check_size(ndim, known, dtype, nb, why, sizeof why) < 0)
        return dusk__array_fail(ctx, DUSK_EINVAL, "%s: %s", L->op, why);
    int64_t total = 0;
    int over = 0;
    for (int d = 0; d < ndim; d++)
        over |= __builtin_add_overflow(total, nb[d], &total);
    size_t bytes;
    over |= __builtin_mul_overflow((size_t)(total ? total : 1), sizeof(int64_t), &bytes);
    dusk_array *a = dusk_calloc(1, sizeof *a);
    int64_t *buf = over ? NULL : dusk_malloc(bytes);
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
    a->unknown = unknown;
    for (int d = 0; d < ndim; d++) {
        a->shape[d] = shape[d];
        a->bound[d] = known[d];
        a->bmax[d] = 0;
        for (int64_t k = 0; k < nb[d]; k++)
            if (chunks[d][k] > a->bmax[d])
                a->bmax[d] = chunks[d][k];
        a->usrc[d] = shape[d] == DUSK_UNKNOWN_SIZE ? (const void *)L : NULL;
        a->nb[d] = nb[d];
        a->chunks[d] = buf + at;
        memcpy(a->chunks[d], chunks[d], (size_t)nb[d] * sizeof *buf);
        at += nb[d];
    }
    a->next = ctx->arrays;
    ctx->arrays = a;
    return a;
}

dusk__layer *dusk__layer_new(dusk_array_ctx *ctx, const char *prefix, const char *tok,
                             dusk__lkind kind, const dusk__op *kop, dusk_value *params,
                             int ndim, const int64_t *shape, const int64_t *nb,
                             dusk_dtype dtype)
{
    dusk__layer *L = dusk_calloc(1, sizeof *L);
    size_t n = strlen(prefix) + 34;
    char *name = dusk_malloc(n);
    if (!L || !name || (kind != DUSK__L_ORIGINAL && !params)) {
        dusk_free(L);
        dusk_free(name);
        dusk_value_unref(params);
        return NULL;
    }
    if (tok)
        snprintf(name, n, "%s-%s", prefix, tok);
    else
        snprintf(name, n, "%s", prefix);
    L->name = name;
    dusk_key_split(name, L->op, sizeof L->op);
    L->kind = kind;
    L->kop = kop;
    L->params = params;
    L->ndim = ndim;
    L->dtype = dtype;
    L->ntasks = 1;
    for (int d = 0; d < ndim; d++) {
        L->shape[d] = shape[d];
        L->nb[d] = nb[d];
        /* saturates: dusk__array_new refuses a grid this large */
        if (__builtin_mul_overflow(L->ntasks, nb[d], &L->ntasks))
            L->ntasks = INT64_MAX;
    }
    L->next = ctx->layers;
    ctx->layers = L;
    return L;
}

void dusk__layer_input(dusk__layer *L, dusk__layer *in)
{
    L->deps[L->nin] = in->name;
    L->in[L->nin++] = in;
}

int dusk__unit_chunks(const dusk_array *x, uint64_t mask, int64_t **buf, int64_t **chunks)
{
    int64_t room = 1;
    for (int d = 0; d < x->ndim; d++)
        room += x->nb[d];
    int64_t *b = dusk_malloc((size_t)room * sizeof(int64_t)), *next = b;
    if (!b)
        return -1;
    for (int d = 0; d < x->ndim; d++) {
        if ((mask >> d) & 1) {
            chunks[d] = next;
            for (int64_t i = 0; i < x->nb[d]; i++)
                next[i] = 1;
            next += x->nb[d];
        } else {
            chunks[d] = x->chunks[d];
        }
    }
    *buf = b;
    return 0;
}

static size_t walk(dusk__layer *L, unsigned stamp, void (*f)(dusk__layer *, void *), void *ud)
{
    if (L->visit == stamp)
        return 0;
    L->visit = stamp;
    size_t n = 1;
    for (int i = 0; i < L->nin; i++)
        n += walk(L->in[i], stamp, f, ud);
    if (f)
        f(L, ud);
    return n;
}

size_t dusk__walk(dusk_array_ctx *ctx, dusk__layer *L, void (*f)(dusk__layer *, void *),
                  void *ud)
{
    return walk(L, ++ctx->stamp, f, ud);
}

size_t dusk__walk_many(dusk_array_ctx *ctx, dusk__layer *const *L, size_t n,
                       void (*f)(dusk__layer *, void *), void *ud)
{
    unsigned stamp = ++ctx->stamp;
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        count += walk(L[i], stamp, f, ud);
    return count;
}

/* --- reading ------------------------------------------------------------------------ */

dusk_array_ctx *dusk_array_context(const dusk_array *a) { return a ? a->ctx : NULL; }
dusk_dtype dusk_array_dtype(const dusk_array *a) { return a ? a->dtype : (dusk_dtype)0; }
int dusk_array_ndim(const dusk_array *a) { return !a || a->status ? 0 : a->ndim; }
const int64_t *dusk_array_shape(const dusk_array *a) { return a ? a->shape : NULL; }
const char *dusk_array_name(const dusk_array *a) { return !a ? NULL : a->L ? a->L->name : ""; }

int64_t dusk_array_numblocks(const dusk_array *a, int axis)
{
    return !a || a->status || axis < 0 || axis >= a->ndim ? 0 : a->nb[axis];
}

const int64_t *dusk_array_chunks(const dusk_array *a, int axis)
{
    return !a || a->status || axis < 0 || axis >= a->ndim ? NULL : a->chunks[axis];
}

bool dusk_array_unknown_chunks(const dusk_array *a) { return a && !a->status && a->unknown; }

int64_t dusk_array_nchunks(const dusk_array *a)
{
    if (!a || a->status)
        return 0;
    int64_t n = 1;
    for (int d = 0; d < a->ndim; d++)
        n *= a->nb[d];
    return n;
}

/* Whether L is the first layer of its name seen in this walk. The same
 * expression built twice (x.T + x.T, or the a.T of every power iteration)
 * makes two layers of one name, whose tasks are the same keys: the graph
 * holds them once, so counts and listings take them once, as Dask's. A
 * name that cannot be remembered (out of memory) counts again. */
static bool first_of_name(dusk__strtab *seen, const dusk__layer *L)
{
    size_t before = seen->n;
    int64_t id = dusk__strtab_intern(seen, L->name, strlen(L->name));
    return id < 0 || (size_t)id == before;
}

typedef struct {
    dusk__strtab seen;
    int64_t n;
} count_acc;

static void count_tasks(dusk__layer *L, void *ud)
{
    count_acc *acc = ud;
    if (first_of_name(&acc->seen, L))
        acc->n += L->ntasks;
}

/* Whether n arrays can be taken together: each there, of no error, with a
 * graph, and of a[0]'s context (the walks and the graph are per context). */
static bool together(dusk_array *const *a, size_t n)
{
    if (!a || n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!a[i] || a[i]->status || !a[i]->L || a[i]->ctx != a[0]->ctx)
            return false;
    return true;
}

/* Calls f on the layers n arrays (together) need, each once, in one walk;
 * -1 when out of memory. */
static int walk_arrays(dusk_array *const *a, size_t n, void (*f)(dusk__layer *, void *),
                       void *ud)
{
    dusk__layer *one[16], **roots = n <= 16 ? one : dusk_malloc(n * sizeof *roots);
    if (!roots)
        return -1;
    for (size_t i = 0; i < n; i++)
        roots[i] = a[i]->L;
    dusk__walk_many(a[0]->ctx, roots, n, f, ud);
    if (roots != one)
        dusk_free(roots);
    return 0;
}

int dusk__arrays_check(dusk_array *const *a, size_t n, const char *who, dusk_error *err)
{
    for (size_t i = 0; i < n; i++) {
        if (!a[i])
            return dusk_error_set(err, DUSK_EINVAL, "%s: array %zu is NULL", who, i);
        /* an array's own failure before a context compared (one that failed
         * for want of memory may have none) */
        if (dusk_array_status(a[i], err))
            return a[i]->status;
        if (a[i]->ctx != a[0]->ctx)
            return dusk_error_set(err, DUSK_EINVAL, "%s: array %zu (%s) is of another context "
                                  "than array 0: the arrays of one context go together", who, i,
                                  dusk_array_name(a[i]));
    }
    return 0;
}

int64_t dusk_array_ntasks_many(dusk_array *const *a, size_t n)
{
    if (!together(a, n))
        return 0;
    count_acc acc = {{0}, 0};
    int rc = walk_arrays(a, n, count_tasks, &acc);
    dusk__strtab_free(&acc.seen);
    return rc ? 0 : acc.n;
}

int64_t dusk_array_ntasks(const dusk_array *a)
{
    if (!a || a->status || !a->L)
        return 0;
    count_acc acc = {{0}, 0};
    dusk__walk(a->ctx, a->L, count_tasks, &acc);
    dusk__strtab_free(&acc.seen);
    return acc.n;
}

typedef struct {
    dusk_layer_info *out;
    size_t max, n;
    dusk__strtab seen;
} info_acc;

static void add_info(dusk__layer *L, void *ud)
{
    info_acc *acc = ud;
    if (L->inner || !first_of_name(&acc->seen, L))
        return;
    if (acc->n < acc->max)
        acc->out[acc->n] = (dusk_layer_info){L->name, L->op, L->ntasks, L->ndim, L->shape,
                                             L->dtype, (size_t)L->nin, L->deps};
    acc->n++;
}

size_t dusk_array_layers(const dusk_array *a, dusk_layer_info *out, size_t max)
{
    if (!out)
        max = 0;
    if (!a || a->status || !a->L)
        return 0;
    info_acc acc = {out, max, 0, {0}};
    dusk__walk(a->ctx, a->L, add_info, &acc);
    dusk__strtab_free(&acc.seen);
    return acc.n;
}

size_t dusk_array_layers_many(dusk_array *const *a, size_t n, dusk_layer_info *out, size_t max)
{
    if (!out)
        max = 0;
    if (!together(a, n))
        return 0;
    info_acc acc = {out, max, 0, {0}};
    int rc = walk_arrays(a, n, add_info, &acc);
    dusk__strtab_free(&acc.seen);
    return rc ? 0 : acc.n;
}

size_t dusk_array_describe(const dusk_array *a, char *buf, size_t n)
{
    if (!buf)
        n = 0;
    if (!a)
        return (size_t)snprintf(buf, n, "%s", "");
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
    dusk__fmt_bytes(tb, sizeof tb, total);
    dusk__fmt_bytes(cb, sizeof cb, chunk);
    if (a->unknown) {   /* Dask's table: "unknown" bytes, nan lengths */
        snprintf(tb, sizeof tb, "unknown");
        snprintf(cb, sizeof cb, "unknown");
        for (int d = 0; d < a->ndim; d++)
            if (a->shape[d] == DUSK_UNKNOWN_SIZE)
                csize[d] = DUSK_UNKNOWN_SIZE;
    }
    dusk__fmt_array_shape(ts, sizeof ts, a->ndim, a->shape);
    dusk__fmt_array_shape(cs, sizeof cs, a->ndim, csize);
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
    if (!a || !a->L)   /* no array, or one in an error state: no blocks */
        return DUSK_EINVAL;
    /* a key outside the grid names no task of the graph */
    for (int d = 0; idx && d < a->ndim; d++)
        if (idx[d] < 0 || idx[d] >= a->nb[d])
            return DUSK_EINVAL;
    return dusk_key_tuple(buf, n, a->L->name, a->ndim, idx);
}
