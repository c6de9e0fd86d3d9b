/*
** dusk — user functions on blocks: map_blocks, blockwise, elemwise, and
** reduction with the user's chunk, combine and aggregate
**
** Each is built as Dask builds it: one CUSTOM layer per step, one task per
** output block, named after the user's function. map_blocks, blockwise and
** elemwise all reduce to one general form (bw_core): every axis of every
** input carries a label; the output is a list of labels; a label missing
** from the output is contracted, and each task then reads all of an
** input's blocks along it (a nested list, one level per contracted axis,
** concatenated before the call unless blockwise was told not to). Labels
** line up from the right for map_blocks and elemwise, and are the user's
** letters for blockwise. The reduction's combine and aggregate steps read
** groups of split_every blocks along the reduced axes, as reduce.c's do.
**
** A task is (the user's dusk_func, params, index, inputs...), params being
** (dtype, bounds, mode, concat, axes, keepdims, args): mode says which call
** it is (MODE_*), concat per input the axes its nested list joins along
** (None: passed as it is), args the user's extra arguments. Its function
** is the user's dusk_func, whose code is dusk_block_func_run: it checks
** these values, concatenates, calls the user and checks what comes back,
** so a wrong block fails its own task with a message instead of breaking
** compute or store later.
*/
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "core/util.h"
#include "dusk/alloc.h"
#include "nd.h"

enum { MODE_MAP, MODE_ELEM, MODE_CHUNK, MODE_COMBINE, MODE_AGG, NMODES };
#define NPARAMS 5   /* after dtype and bounds: mode, concat, axes, keepdims, args */
/* The longest name a user's layer may have before its token: a block's
 * key, ('name-token', i, j, ...), is formatted into 512 bytes where the
 * array library emits tasks, and a longer one would be cut there, two
 * layers then sharing keys. */
#define MAXPREFIX 200

/* What each input of a user layer reads, per input axis d: out_axis[i][d],
 * the output axis whose block index it follows (-1: none), and group: 0
 * for one block (that index, or 0 where the input has one block), g > 0
 * for up to g consecutive blocks from index * g (0 without an axis). */
typedef struct {
    int out_axis[DUSK__MAXIN][DUSK_MAXDIMS];
    int64_t group[DUSK__MAXIN][DUSK_MAXDIMS];
} map_plan;

/* --- emission ------------------------------------------------------------------ */

/* A reference to in's block at, or nested lists over the grouped axes
 * gax[level..ng) of the block range lo..hi. */
static dusk_arg *nest(const dusk__layer *in, const int64_t *lo, const int64_t *hi, const int *gax,
                      int ng, int level, int64_t *at)
{
    if (level == ng) {
        char key[512];
        dusk_key_tuple(key, sizeof key, in->name, in->ndim, at);
        return dusk_ref(key);
    }
    int d = gax[level];
    int64_t n = hi[d] - lo[d];
    dusk_arg **items = dusk_malloc((size_t)(n ? n : 1) * sizeof *items);
    if (!items)
        return NULL;
    for (int64_t k = 0; k < n; k++) {
        at[d] = lo[d] + k;
        items[k] = nest(in, lo, hi, gax, ng, level + 1, at);
    }
    dusk_arg *list = dusk_listv((size_t)n, items);  /* frees them all when one is NULL */
    dusk_free(items);
    return list;
}

static int map_inputs(const dusk__layer *L, const int64_t *idx, dusk_arg **out)
{
    const map_plan *p = L->data;
    for (int i = 0; i < L->nin; i++) {
        const dusk__layer *in = L->in[i];
        int64_t lo[DUSK_MAXDIMS], hi[DUSK_MAXDIMS], at[DUSK_MAXDIMS];
        int gax[DUSK_MAXDIMS], ng = 0;
        for (int d = 0; d < in->ndim; d++) {
            int o = p->out_axis[i][d];
            int64_t g = p->group[i][d];
            if (g == 0) {
                lo[d] = o >= 0 && in->nb[d] > 1 ? idx[o] : 0;
                hi[d] = lo[d] + 1;
            } else {
                lo[d] = o >= 0 ? idx[o] * g : 0;
                hi[d] = lo[d] + g < in->nb[d] ? lo[d] + g : in->nb[d];
                gax[ng++] = d;
            }
            at[d] = lo[d];
        }
        if (!(out[i] = nest(in, lo, hi, gax, ng, 0, at))) {
            for (int k = 0; k < i; k++)
                dusk_arg_free(out[k]);
            return -1;
        }
    }
    return L->nin;
}

/* The layer: prefix-tok (tok NULL: prefix alone), running f in mode, over in[] as plan says.
 * concat is stolen; args borrowed. */
static dusk_array *user_layer(const dusk_block_func *f, int mode, const char *prefix,
                              const char *tok, dusk_array **in, int nin, const map_plan *plan,
                              int ndim, const int64_t *shape, int64_t *const *chunks,
                              const int64_t *nb, dusk_dtype dtype, dusk_value *concat,
                              uint64_t axes, bool keepdims, const dusk_value *args)
{
    dusk_array_ctx *ctx = in[0]->ctx;
    dusk_value *extra[NPARAMS] = {
        dusk_int(mode), concat, dusk_int((int64_t)axes), dusk_bool(keepdims),
        args ? dusk_value_ref((dusk_value *)args) : dusk_tuple_new(0),
    };
    dusk_value *pv = dusk__params_new(dtype, ndim, chunks, nb, NPARAMS, extra);
    map_plan *pc = pv ? dusk_malloc(sizeof *pc) : NULL;
    dusk__layer *L = pc ? dusk__layer_new(ctx, prefix, tok, DUSK__L_CUSTOM, NULL, pv, ndim, shape,
                                          nb, dtype)
                        : NULL;
    if (!L) {
        if (!pc)
            dusk_value_unref(pv);
        dusk_free(pc);
        return dusk__array_oom(ctx, prefix);
    }
    *pc = *plan;
    L->data = pc;
    L->data_free = dusk_free;
    L->inputs = map_inputs;
    L->func = &f->func;
    for (int i = 0; i < nin; i++)
        dusk__layer_input(L, in[i]->L);
    return dusk__array_new(ctx, L, ndim, shape, chunks, nb, dtype);
}

/* --- checking what the user gives ---------------------------------------------- */

/* The first of in[0..nin) that is missing or bad as an error array, after
 * checking f has the code a mode needs; NULL when all is well. */
static dusk_array *check_inputs(const char *what, const dusk_block_func *f, int need_scalar,
                                dusk_array *const *in, int nin, dusk_dtype dtype)
{
    if (!in || nin < 1)
        return dusk__array_bad_input(NULL, NULL);
    for (int i = 0; i < nin; i++) {
        dusk_array *e = dusk__array_input(in[i], in[0], what);
        if (e)
            return e;
    }
    dusk_array_ctx *ctx = in[0]->ctx;
    if (nin > DUSK__MAXIN)
        return dusk__array_fail(ctx, DUSK_EINVAL, "%s: at most %d arrays, not %d", what,
                                DUSK__MAXIN, nin);
    for (int i = 1; i < nin; i++)
        if (in[i]->ctx != ctx)
            return dusk__array_fail(ctx, DUSK_EINVAL, "%s: array %d is of another context",
                                    what, i);
    if (!f)
        return dusk__array_fail(ctx, DUSK_EINVAL, "%s: f is NULL", what);
    if (f->func.fn != dusk_block_func_run || f->func.ud != (const void *)f || !f->func.name)
        return dusk__array_fail(ctx, DUSK_EINVAL, "%s: the function %s was not made with "
                                "DUSK_BLOCK_FUNC or DUSK_SCALAR_FUNC", what,
                                f->func.name ? f->func.name : "(unnamed)");
    if (need_scalar ? !f->scalar : !f->block)
        return dusk__array_fail(ctx, DUSK_EINVAL, "%s: %s has no %s function (%s)", what,
                                f->func.name, need_scalar ? "scalar" : "block",
                                need_scalar ? "DUSK_SCALAR_FUNC" : "DUSK_BLOCK_FUNC");
    if ((unsigned)dtype >= DUSK_DT_COUNT)
        return dusk__array_fail(ctx, DUSK_EINVAL, "%s: unsupported dtype %d", what, (int)dtype);
    /* a scalar function takes and returns doubles: it would lose the
     * imaginary parts */
    for (int i = 0; need_scalar && i <= nin; i++) {
        dusk_dtype t = i < nin ? in[i]->dtype : dtype;
        if (t == DUSK_DT_C16 || t == DUSK_DT_C8)
            return dusk__array_fail(ctx, DUSK_EINVAL, "%s: %s takes and returns real numbers, "
                                    "and %s is %s", what, f->func.name,
                                    i < nin ? "an input" : "the dtype asked for",
                                    dusk_dtype_name(t));
    }
    return NULL;
}

/* The chunks text of map_blocks and blockwise: per axis a size or a tuple
 * of sizes. Each axis's sizes go to per[d] (n[d] of them; n[d] = -1 for a
 * single size that every block has), in one new *buf. -1 with why. */
static int parse_adjust(const char *text, int *naxes, int64_t **buf, int64_t **per, int64_t *n,
                        char *why, size_t wn)
{
    size_t len = strlen(text);
    int64_t *b = dusk_malloc((len + 1) * sizeof *b);
    if (!b) {
        snprintf(why, wn, "out of memory");
        return -1;
    }
    const char *s = text;
    int64_t used = 0;
    int nd = 0;
    while (*s == ' ')
        s++;
    if (*s++ != '(')
        goto bad;
    for (;;) {
        while (*s == ' ')
            s++;
        if (*s == ')') {   /* "()", or a trailing comma */
            s++;
            break;
        }
        if (nd == DUSK_MAXDIMS)
            goto bad;
        per[nd] = b + used;
        if (*s == '(') {
            s++;
            n[nd] = 0;
            for (;;) {
                while (*s == ' ')
                    s++;
                if (*s == ')' && n[nd] > 0) {
                    s++;
                    break;
                }
                char *e;
                long long v = strtoll(s, &e, 10);
                if (e == s || v < 0)
                    goto bad;
                b[used++] = v;
                n[nd]++;
                s = e;
                while (*s == ' ')
                    s++;
                if (*s == ',')
                    s++;
                else if (*s != ')')
                    goto bad;
            }
        } else {
            char *e;
            long long v = strtoll(s, &e, 10);
            if (e == s || v < 0)
                goto bad;
            b[used++] = v;
            n[nd] = -1;
            s = e;
        }
        nd++;
        while (*s == ' ')
            s++;
        if (*s == ',')
            s++;
        else if (*s == ')') {
            s++;
            break;
        } else {
            goto bad;
        }
    }
    while (*s == ' ')
        s++;
    if (*s)
        goto bad;
    *naxes = nd;
    *buf = b;
    return 0;
bad:
    dusk_free(b);
    snprintf(why, wn, "chunks \"%s\" are not a tuple of sizes or of tuples of sizes, such as "
             "\"(3, 5)\" or \"((2, 2, 1), 5)\"", text);
    return -1;
}

/* --- tokens ------------------------------------------------------------------------ */

/* A layer's token hashes all its tasks depend on, as Dask's tokenize does:
 * the function (its dusk_block_func's address and code, as Dask tokenizes
 * the function object, so two functions of one name differ), the inputs'
 * whole names, and args by value (an ndarray by its bytes, nested tuples
 * item by item). Each piece goes straight into two 64-bit hashes, never
 * through a text of fixed size that would cut long names or args short. */
typedef struct {
    uint64_t a, b;
} tok_hash;

static tok_hash th_new(const char *what)
{
    tok_hash h = {DUSK__FNV_INIT, 0x9e3779b97f4a7c15ull};
    h.a = dusk__fnv(h.a, what, strlen(what) + 1);
    return h;
}

static void th_bytes(tok_hash *h, const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t b = h->b;
    h->a = dusk__fnv(h->a, p, n);
    for (size_t i = 0; i < n; i++) {
        b = (b ^ s[i]) * DUSK__FNV_PRIME + 0x632be59bd9b4e019ull;
        b ^= b >> 31;
    }
    h->b = b;
}

static void th_word(tok_hash *h, uint64_t x)
{
    th_bytes(h, &x, sizeof x);
}

/* A string with its length, so that ("ab", "c") and ("a", "bc") differ. */
static void th_str(tok_hash *h, const char *s)
{
    size_t n = s ? strlen(s) : (size_t)-1;
    th_word(h, (uint64_t)n);
    if (s)
        th_bytes(h, s, n);
}

static void th_func(tok_hash *h, const dusk_block_func *f)
{
    th_bytes(h, &f, sizeof f);
    th_bytes(h, &f->block, sizeof f->block);
    th_bytes(h, &f->scalar, sizeof f->scalar);
    th_bytes(h, &f->ud, sizeof f->ud);
    th_str(h, f->func.name);
}

/* The elements of an ndarray in C order, whatever its strides. */
static void th_elements(tok_hash *h, const char *p, int ndim, const int64_t *shape,
                        const int64_t *strides, size_t item, int d)
{
    if (d == ndim) {
        th_bytes(h, p, item);
        return;
    }
    for (int64_t k = 0; k < shape[d]; k++)
        th_elements(h, p + k * strides[d], ndim, shape, strides, item, d + 1);
}

/* v by value; values nest at most DUSK_MAX_DEPTH deep, which bounds the
 * recursion. */
static void th_value(tok_hash *h, const dusk_value *v)
{
    dusk_kind k = dusk_value_kind(v);
    th_word(h, (uint64_t)k);
    switch (k) {
    case DUSK_KIND_NONE:
        break;
    case DUSK_KIND_BOOL:
    case DUSK_KIND_INT:
        th_word(h, (uint64_t)dusk_value_int(v));
        break;
    case DUSK_KIND_FLOAT: {
        double x = dusk_value_float(v);
        th_bytes(h, &x, sizeof x);
        break;
    }
    case DUSK_KIND_STRING:
        th_str(h, dusk_value_str(v));
        break;
    case DUSK_KIND_TUPLE: {
        size_t n = dusk_tuple_len(v);
        th_word(h, n);
        for (size_t i = 0; i < n; i++)
            th_value(h, dusk_tuple_get(v, i));
        break;
    }
    case DUSK_KIND_NDARRAY: {
        int nd = dusk_ndarray_ndim(v);
        const int64_t *shape = dusk_ndarray_shape(v);
        th_word(h, (uint64_t)dusk_ndarray_dtype(v));
        th_word(h, (uint64_t)nd);
        for (int d = 0; d < nd; d++)
            th_word(h, (uint64_t)shape[d]);
        size_t item = dusk_dtype_size(dusk_ndarray_dtype(v));
        int64_t size = dusk_ndarray_size(v);
        if (size == 0)
            break;
        if (dusk_ndarray_is_contiguous(v))
            th_bytes(h, dusk_ndarray_data(v), (size_t)size * item);
        else
            th_elements(h, dusk_ndarray_data(v), nd, shape, dusk_ndarray_strides(v), item, 0);
        break;
    }
    default: {   /* opaque: by identity, as Dask tokenizes an object it cannot read */
        void *p = dusk_opaque_ptr(v);
        th_bytes(h, &p, sizeof p);
        th_word(h, dusk_value_nbytes(v));
        break;
    }
    }
}

static void th_done(const tok_hash *h, char tok[33])
{
    snprintf(tok, 33, "%016" PRIx64 "%016" PRIx64, h->a, h->b);
}

static void fmt_chunks(char *buf, size_t n, const int64_t *c, int64_t nb)
{
    size_t l = (size_t)snprintf(buf, n, "(");
    for (int64_t k = 0; k < nb && l < n; k++)
        l += (size_t)snprintf(buf + l, n - l, k ? ", %" PRId64 : "%" PRId64, c[k]);
    if (l < n)
        snprintf(buf + l, n - l, nb == 1 ? ",)" : ")");
}

/* --- the general form ---------------------------------------------------------- */

#define MAXLAB (2 * DUSK_MAXDIMS)

/* Common boundaries of two chunkings of one length: into out (room for
 * na + nb), returns how many blocks. */
static int64_t refine(const int64_t *a, int64_t na, const int64_t *b, int64_t nb, int64_t *out)
{
    int64_t i = 0, j = 0, ea = na ? a[0] : 0, eb = nb ? b[0] : 0, at = 0, n = 0;
    while (i < na && j < nb) {
        int64_t e = ea < eb ? ea : eb;
        if (e > at)
            out[n++] = e - at;
        at = e;
        if (ea == e && ++i < na)
            ea += a[i];
        if (eb == e && ++j < nb)
            eb += b[j];
    }
    if (n == 0)
        out[n++] = 0;  /* a length of 0 keeps one empty block */
    return n;
}

typedef struct {
    const char *what;           /* "map_blocks", "blockwise", "elemwise" */
    const char *prefix;         /* the layer's name before its token */
    bool whole;                 /* prefix is the whole name: no token */
    const dusk_block_func *f;
    int mode;
    dusk_array *in[DUSK__MAXIN];
    int nin;
    int lab[DUSK__MAXIN][DUSK_MAXDIMS];  /* label of each input axis */
    int out[MAXLAB];                     /* label of each output axis */
    int nout, nlab;
    dusk_dtype dtype;
    bool concatenate, align;
    const char *chunks;                  /* adjust text, or NULL */
    const dusk_value *args;
    const char *sig;                     /* what else goes into the token */
} bw_spec;

static dusk_array *bw_core(bw_spec *s)
{
    dusk_array_ctx *ctx = s->in[0]->ctx;
    if (strlen(s->prefix) > MAXPREFIX)
        return dusk__array_fail(ctx, DUSK_EINVAL, "%s: the name \"%.40s...\" is %zu characters "
                                "long; at most %d", s->what, s->prefix, strlen(s->prefix),
                                MAXPREFIX);
    if (s->args && dusk_value_kind(s->args) != DUSK_KIND_TUPLE)
        return dusk__array_fail(ctx, DUSK_EINVAL, "%s: args must be a tuple, not %s", s->what,
                                dusk_kind_name(dusk_value_kind(s->args)));
    int nlab = s->nlab, nin = s->nin;
    int64_t len[MAXLAB];
    int src[MAXLAB][2];       /* an input and axis that give the label's chunks */
    char why[1024];
    for (int l = 0; l < nlab; l++) {
        len[l] = -1;
        src[l][0] = -1;
    }
    /* lengths, and where each label's chunks come from: an input that
     * has it longer than 1, if any does */
    for (int i = 0; i < nin; i++)
        for (int d = 0; d < s->in[i]->ndim; d++) {
            int l = s->lab[i][d];
            int64_t n = s->in[i]->shape[d];
            if (len[l] < 0 || (len[l] == 1 && n != 1)) {
                len[l] = n;
                src[l][0] = i;
                src[l][1] = d;
            } else if (n != len[l] && n != 1) {
                char s1[256], s2[256];
                int j = src[l][0];
                dusk__fmt_shape(s1, sizeof s1, s->in[j]->ndim, s->in[j]->shape);
                dusk__fmt_shape(s2, sizeof s2, s->in[i]->ndim, s->in[i]->shape);
                return dusk__array_fail(ctx, DUSK_EINVAL, "%s: shapes %s (array %d) and %s "
                                        "(array %d) do not match: axis %d has %" PRId64
                                        " where the other has %" PRId64, s->what, s1, j, s2, i,
                                        d, n, len[l]);
            }
        }
    /* chunks per label: unified (align) or required to be the same */
    int64_t *lc[MAXLAB], lnb[MAXLAB];
    int64_t room = 0;
    for (int i = 0; i < nin; i++)
        for (int d = 0; d < s->in[i]->ndim; d++)
            room += s->in[i]->nb[d] + 1;
    int64_t *cbuf = dusk_malloc((size_t)(2 * room + MAXLAB + 1) * sizeof *cbuf), *next = cbuf;
    int64_t *tmp = dusk_malloc((size_t)(2 * room + 1) * sizeof *tmp);
    dusk_array *res = NULL, *un[DUSK__MAXIN];
    int64_t *abuf = NULL;
    if (!cbuf || !tmp) {
        res = dusk__array_oom(ctx, s->what);
        goto done;
    }
    for (int l = 0; l < nlab; l++) {
        lc[l] = NULL;
        lnb[l] = 0;
        if (src[l][0] < 0)
            continue;
        const dusk_array *a0 = s->in[src[l][0]];
        int d0 = src[l][1];
        lc[l] = next;
        lnb[l] = a0->nb[d0];
        memcpy(next, a0->chunks[d0], (size_t)lnb[l] * sizeof *next);
        for (int i = 0; i < nin; i++)
            for (int d = 0; d < s->in[i]->ndim; d++) {
                const dusk_array *a = s->in[i];
                if (s->lab[i][d] != l || a->shape[d] != len[l] || len[l] == 1)
                    continue;
                if (a->nb[d] == lnb[l] &&
                    memcmp(a->chunks[d], lc[l], (size_t)lnb[l] * sizeof *next) == 0)
                    continue;
                if (!s->align) {
                    char c1[256], c2[256];
                    fmt_chunks(c1, sizeof c1, lc[l], lnb[l]);
                    fmt_chunks(c2, sizeof c2, a->chunks[d], a->nb[d]);
                    res = dusk__array_fail(ctx, DUSK_EINVAL, "%s: the arrays' chunks differ "
                                           "along axis %d of array %d: %s and %s (rechunk them "
                                           "alike first)", s->what, d, i, c1, c2);
                    goto done;
                }
                int64_t n = refine(lc[l], lnb[l], a->chunks[d], a->nb[d], tmp);
                memcpy(next, tmp, (size_t)n * sizeof *next);
                lnb[l] = n;
            }
        next += lnb[l];
    }
    /* rechunk inputs to the labels' chunks where they differ */
    for (int i = 0; i < nin; i++) {
        dusk_array *a = s->in[i];
        int need = 0;
        for (int d = 0; d < a->ndim; d++) {
            int l = s->lab[i][d];
            if (a->shape[d] == len[l] && len[l] != 1 &&
                (a->nb[d] != lnb[l] ||
                 memcmp(a->chunks[d], lc[l], (size_t)lnb[l] * sizeof *next) != 0))
                need = 1;
        }
        un[i] = a;
        if (!need)
            continue;
        size_t cap = 16;
        for (int d = 0; d < a->ndim; d++)
            cap += (size_t)(lnb[s->lab[i][d]] + a->nb[d]) * 22 + 8;
        char *spec = dusk_malloc(cap);
        if (!spec) {
            res = dusk__array_oom(ctx, s->what);
            goto done;
        }
        size_t at = (size_t)snprintf(spec, cap, "(");
        for (int d = 0; d < a->ndim; d++) {
            int l = s->lab[i][d];
            int own = !(a->shape[d] == len[l] && len[l] != 1);
            fmt_chunks(spec + at, cap - at, own ? a->chunks[d] : lc[l], own ? a->nb[d] : lnb[l]);
            at += strlen(spec + at);
            at += (size_t)snprintf(spec + at, cap - at, ", ");
        }
        snprintf(spec + at, cap - at, ")");
        un[i] = dusk_array_rechunk(a, spec);
        dusk_free(spec);
        if (un[i]->status) {
            res = un[i];
            goto done;
        }
    }
    /* the output's chunks: the labels', then what chunks= says */
    int64_t *oc[MAXLAB], onb[MAXLAB], oshape[MAXLAB];
    int64_t *aper[DUSK_MAXDIMS], an[DUSK_MAXDIMS];
    int nadj = 0;
    if (s->chunks &&
        parse_adjust(s->chunks, &nadj, &abuf, aper, an, why, sizeof why) < 0) {
        res = dusk__array_fail(ctx, DUSK_EINVAL, "%s: %s", s->what, why);
        goto done;
    }
    if (s->chunks && nadj != s->nout) {
        res = dusk__array_fail(ctx, DUSK_EINVAL, "%s: chunks \"%s\" have %d axes; the output "
                               "has %d", s->what, s->chunks, nadj, s->nout);
        goto done;
    }
    if (s->nout > DUSK_MAXDIMS) {
        res = dusk__array_fail(ctx, DUSK_EINVAL, "%s: the output would have %d axes (at most %d)",
                               s->what, s->nout, DUSK_MAXDIMS);
        goto done;
    }
    /* room for new axes' and adjusted chunks */
    int64_t extra = 0;
    for (int o = 0; o < s->nout; o++)
        extra += (s->chunks && an[o] > 0 ? an[o] : 1) + lnb[s->out[o]];
    int64_t *obuf = dusk_malloc((size_t)(extra + 1) * sizeof *obuf), *on = obuf;
    if (!obuf) {
        res = dusk__array_oom(ctx, s->what);
        goto done;
    }
    for (int o = 0; o < s->nout; o++) {
        int l = s->out[o];
        oc[o] = on;
        if (src[l][0] < 0) {             /* a new axis */
            if (s->chunks && an[o] > 0) {
                memcpy(on, aper[o], (size_t)an[o] * sizeof *on);
                onb[o] = an[o];
            } else {
                on[0] = s->chunks ? aper[o][0] : 1;
                onb[o] = 1;
            }
        } else {
            onb[o] = lnb[l];
            if (s->chunks && an[o] > 0 && an[o] != lnb[l]) {
                res = dusk__array_fail(ctx, DUSK_EINVAL, "%s: chunks \"%s\" give axis %d %" PRId64
                                       " blocks where it has %" PRId64, s->what, s->chunks, o,
                                       an[o], lnb[l]);
                dusk_free(obuf);
                goto done;
            }
            for (int64_t k = 0; k < onb[o]; k++)
                on[k] = !s->chunks ? lc[l][k] : an[o] > 0 ? aper[o][k] : aper[o][0];
        }
        /* chunks= sizes are the user's: their sum may not fit (what does
         * fit, dusk__array_new checks against what can be addressed) */
        oshape[o] = 0;
        for (int64_t k = 0; k < onb[o]; k++)
            if (__builtin_add_overflow(oshape[o], oc[o][k], &oshape[o])) {
                res = dusk__array_fail(ctx, DUSK_EINVAL, "%s: chunks \"%s\" make axis %d "
                                       "longer than %" PRId64 " elements", s->what,
                                       s->chunks ? s->chunks : "", o, INT64_MAX);
                dusk_free(obuf);
                goto done;
            }
        on += onb[o];
    }
    /* the plan, and what each input's nested lists join along */
    map_plan plan;
    memset(&plan, 0, sizeof plan);
    dusk_value *concat = dusk_tuple_new((size_t)nin);
    int oax[MAXLAB];
    for (int l = 0; l < nlab; l++)
        oax[l] = -1;
    for (int o = 0; o < s->nout; o++)
        oax[s->out[o]] = o;
    for (int i = 0; concat && i < nin; i++) {
        dusk_value *axes[DUSK_MAXDIMS];
        int na = 0;
        for (int d = 0; d < un[i]->ndim; d++) {
            int l = s->lab[i][d];
            plan.out_axis[i][d] = oax[l];
            plan.group[i][d] = 0;
            if (oax[l] < 0 && (un[i]->nb[d] > 1 || !s->concatenate)) {
                plan.group[i][d] = un[i]->nb[d];
                axes[na++] = dusk_int(d);
            }
        }
        dusk_tuple_set(concat, (size_t)i,
                       s->concatenate ? dusk_tuple_of((size_t)na, axes) : dusk_none());
        if (!s->concatenate)
            for (int k = 0; k < na; k++)
                dusk_value_unref(axes[k]);
    }
    if (!concat) {
        dusk_free(obuf);
        res = dusk__array_oom(ctx, s->what);
        goto done;
    }
    tok_hash h = th_new(s->what);
    th_func(&h, s->f);
    th_word(&h, (uint64_t)s->mode);
    th_word(&h, (uint64_t)nin);
    for (int i = 0; i < nin; i++)
        th_str(&h, un[i]->L->name);
    th_word(&h, (uint64_t)s->dtype);
    th_str(&h, s->sig);
    th_word(&h, (uint64_t)s->concatenate);
    th_word(&h, dusk__hash_chunks(s->nout, oc, onb));
    th_value(&h, s->args);
    th_str(&h, s->prefix);
    char tok[33];
    th_done(&h, tok);
    res = user_layer(s->f, s->mode, s->prefix, s->whole ? NULL : tok, un, nin, &plan, s->nout, oshape, oc, onb,
                     s->dtype, concat, 0, false, s->args);
    dusk_free(obuf);
done:
    dusk_free(cbuf);
    dusk_free(tmp);
    dusk_free(abuf);
    return res;
}

/* Bits of mask resolved against n axes (negative ones in the top bits, as
 * DUSK_AXIS(-1)); -1 when one is out of range. */
static int resolve_axes(uint64_t mask, int n, uint64_t *out, int *bad)
{
    uint64_t r = 0;
    for (int b = 0; b < 64; b++) {
        if (!((mask >> b) & 1))
            continue;
        int ax = b < 32 ? b : b - 64 + n;
        if (ax < 0 || ax >= n || (b < 32 && b >= n)) {
            *bad = b < 32 ? b : b - 64;   /* as the caller wrote it */
            return -1;
        }
        r |= (uint64_t)1 << ax;
    }
    *out = r;
    return 0;
}

/* --- map_blocks, blockwise, elemwise ---------------------------------------------- */

dusk_array *dusk_map_blocks(const dusk_block_func *f, dusk_array *const *in, int nin,
                            dusk_dtype dtype, const dusk_map_options *opts)
{
    dusk_array *e = check_inputs("map_blocks", f, 0, in, nin, dtype);
    if (e)
        return e;
    dusk_map_options o = DUSK_MAP_OPTIONS_INIT;
    if (opts)
        o = *opts;
    bw_spec s;
    memset(&s, 0, sizeof s);
    s.what = "map_blocks";
    s.prefix = o.name ? o.name : f->func.name;
    s.whole = o.name && o.whole_name;
    s.f = f;
    s.mode = MODE_MAP;
    s.nin = nin;
    s.dtype = dtype;
    s.concatenate = true;
    s.chunks = o.chunks;
    s.args = o.args;
    int n = 0;
    for (int i = 0; i < nin; i++)
        if (in[i]->ndim > n)
            n = in[i]->ndim;
    /* inputs line up from the right: input axis d is position d + n - ndim */
    for (int i = 0; i < nin; i++) {
        s.in[i] = in[i];
        for (int d = 0; d < in[i]->ndim; d++)
            s.lab[i][d] = d + n - in[i]->ndim;
    }
    dusk_array_ctx *ctx = in[0]->ctx;
    uint64_t drop = 0, add = 0;
    int bad = 0;
    if (resolve_axes(o.drop_axis, n, &drop, &bad) < 0)
        return dusk__array_fail(ctx, DUSK_EINVAL, "map_blocks: drop_axis out of range (the "
                                "output is %dd before any is dropped): axis %d", n, bad);
    int kept = 0;
    for (int p = 0; p < n; p++)
        kept += !((drop >> p) & 1);
    /* Dask: chunks of more axes than are kept, and no new_axis, add the
     * first ones */
    int nchunks = -1;
    if (o.chunks) {
        int64_t *b, *per[DUSK_MAXDIMS], an[DUSK_MAXDIMS];
        char why[512];
        if (parse_adjust(o.chunks, &nchunks, &b, per, an, why, sizeof why) < 0)
            return dusk__array_fail(ctx, DUSK_EINVAL, "map_blocks: %s", why);
        dusk_free(b);
    }
    int m = kept;
    if (o.new_axis) {
        int nnew = __builtin_popcountll(o.new_axis);
        m = kept + nnew;
        if (resolve_axes(o.new_axis, m, &add, &bad) < 0 || __builtin_popcountll(add) != nnew)
            return dusk__array_fail(ctx, DUSK_EINVAL, "map_blocks: new_axis values do not fill "
                                    "in all dimensions (the output has %d)", m);
    } else if (nchunks > kept) {
        m = nchunks;
        for (int k = 0; k < nchunks - kept; k++)
            add |= (uint64_t)1 << k;
    }
    if (m > DUSK_MAXDIMS)
        return dusk__array_fail(ctx, DUSK_EINVAL, "map_blocks: the output would have %d axes "
                                "(at most %d)", m, DUSK_MAXDIMS);
    /* output axes: new ones take fresh labels, the rest the kept positions */
    int p = 0;
    s.nlab = n;
    for (int k = 0; k < m; k++) {
        if ((add >> k) & 1) {
            s.out[k] = s.nlab++;
            continue;
        }
        while ((drop >> p) & 1)
            p++;
        s.out[k] = p++;
    }
    s.nout = m;
    char sig[64];
    snprintf(sig, sizeof sig, "%" PRIx64 "|%" PRIx64, drop, add);
    s.sig = sig;
    return bw_core(&s);
}

dusk_array *dusk_blockwise(const dusk_block_func *f, const char *indices, dusk_array *const *in,
                           int nin, dusk_dtype dtype, bool concatenate,
                           const dusk_map_options *opts)
{
    dusk_array *e = check_inputs("blockwise", f, 0, in, nin, dtype);
    if (e)
        return e;
    dusk_array_ctx *ctx = in[0]->ctx;
    if (!indices)
        return dusk__array_fail(ctx, DUSK_EINVAL, "blockwise: indices is NULL");
    dusk_map_options o = DUSK_MAP_OPTIONS_INIT;
    if (opts)
        o = *opts;
    if (o.drop_axis || o.new_axis)
        return dusk__array_fail(ctx, DUSK_EINVAL, "blockwise: drop_axis and new_axis are "
                                "map_blocks' (blockwise says it with its indices)");
    bw_spec s;
    memset(&s, 0, sizeof s);
    s.what = "blockwise";
    s.prefix = o.name ? o.name : f->func.name;
    s.whole = o.name && o.whole_name;
    s.f = f;
    s.mode = MODE_MAP;
    s.nin = nin;
    s.dtype = dtype;
    s.concatenate = concatenate;
    s.align = true;
    s.chunks = o.chunks;
    s.args = o.args;
    s.sig = indices;
    int label_of[128];
    for (int c = 0; c < 128; c++)
        label_of[c] = -1;
    const char *arrow = strstr(indices, "->");
    const char *q = indices;
    for (int i = 0; i < nin; i++) {
        int d = 0;
        for (; *q && *q != ',' && q != arrow; q++) {
            unsigned char c = (unsigned char)*q;
            if (c == ' ')
                continue;
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) || d >= DUSK_MAXDIMS)
                goto bad;
            if (label_of[c] < 0)
                label_of[c] = s.nlab++;
            for (int k = 0; k < d; k++)
                if (s.lab[i][k] == label_of[c])
                    return dusk__array_fail(ctx, DUSK_EINVAL, "blockwise: \"%s\": input %d "
                                            "names index '%c' twice", indices, i, c);
            s.lab[i][d++] = label_of[c];
        }
        if (d != in[i]->ndim)
            return dusk__array_fail(ctx, DUSK_EINVAL, "blockwise: \"%s\": array %d has %d "
                                    "axes, its indices name %d", indices, i, in[i]->ndim, d);
        s.in[i] = in[i];
        if (i < nin - 1) {
            if (*q != ',')
                goto bad;
            q++;
        }
    }
    if (!arrow || q != arrow)
        goto bad;
    for (q = arrow + 2; *q; q++) {
        unsigned char c = (unsigned char)*q;
        if (c == ' ')
            continue;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) || s.nout >= DUSK_MAXDIMS)
            goto bad;
        if (label_of[c] < 0)
            label_of[c] = s.nlab++;   /* a new axis */
        for (int k = 0; k < s.nout; k++)
            if (s.out[k] == label_of[c])
                return dusk__array_fail(ctx, DUSK_EINVAL, "blockwise: \"%s\": the output names "
                                        "index '%c' twice", indices, c);
        s.out[s.nout++] = label_of[c];
    }
    return bw_core(&s);
bad:
    return dusk__array_fail(ctx, DUSK_EINVAL, "blockwise: indices \"%s\" are not %d comma-"
                            "separated groups of letters, '->' and the output's letters "
                            "(\"ij,jk->ik\")", indices, nin);
}

dusk_array *dusk_elemwise(const dusk_block_func *f, dusk_array *const *in, int nin,
                          dusk_dtype dtype, const char *name)
{
    dusk_array *e = check_inputs("elemwise", f, 1, in, nin, dtype);
    if (e)
        return e;
    bw_spec s;
    memset(&s, 0, sizeof s);
    s.what = "elemwise";
    s.prefix = name ? name : f->func.name;
    s.f = f;
    s.mode = MODE_ELEM;
    s.nin = nin;
    s.dtype = dtype;
    s.concatenate = true;
    s.align = true;
    int n = 0;
    for (int i = 0; i < nin; i++)
        if (in[i]->ndim > n)
            n = in[i]->ndim;
    for (int i = 0; i < nin; i++) {
        s.in[i] = in[i];
        for (int d = 0; d < in[i]->ndim; d++)
            s.lab[i][d] = d + n - in[i]->ndim;
    }
    s.nlab = s.nout = n;
    for (int k = 0; k < n; k++)
        s.out[k] = k;
    return bw_core(&s);
}

/* --- reduction ------------------------------------------------------------------------ */

/* One combine or aggregate step over x: groups of split[d] blocks along
 * the reduced axes. */
static dusk_array *red_step(dusk_array *x, const dusk_block_func *f, int mode, const char *prefix,
                            uint64_t axes, const int64_t *split, bool keepdims, dusk_dtype dtype)
{
    int ndim = 0;
    int64_t shape[DUSK_MAXDIMS], nb[DUSK_MAXDIMS], *chunks[DUSK_MAXDIMS], *units[DUSK_MAXDIMS];
    int64_t *cbuf;
    map_plan plan;
    memset(&plan, 0, sizeof plan);
    dusk_value *cax[DUSK_MAXDIMS];
    int nc = 0;
    if (dusk__unit_chunks(x, axes, &cbuf, units) < 0)
        return dusk__array_oom(x->ctx, prefix);
    for (int d = 0; d < x->ndim; d++) {
        if ((axes >> d) & 1) {
            plan.group[0][d] = split[d];
            cax[nc++] = dusk_int(d);
            if (!keepdims) {
                plan.out_axis[0][d] = -1;
                continue;
            }
            plan.out_axis[0][d] = ndim;
            int64_t n = (x->nb[d] + split[d] - 1) / split[d];
            nb[ndim] = shape[ndim] = n;
            chunks[ndim++] = units[d];
        } else {
            plan.group[0][d] = 0;
            plan.out_axis[0][d] = ndim;
            nb[ndim] = x->nb[d];
            shape[ndim] = x->shape[d];
            chunks[ndim++] = x->chunks[d];
        }
    }
    tok_hash h = th_new("reduction");
    th_str(&h, prefix);
    th_func(&h, f);
    th_word(&h, (uint64_t)mode);
    th_str(&h, x->L->name);
    th_word(&h, axes);
    for (int d = 0; d < x->ndim; d++)
        th_word(&h, (uint64_t)split[d]);
    th_word(&h, (uint64_t)keepdims);
    th_word(&h, (uint64_t)dtype);
    char tok[33];
    th_done(&h, tok);
    dusk_value *one = dusk_tuple_of((size_t)nc, cax);
    dusk_value *concat = one ? dusk_tuple_of(1, &one) : NULL;
    dusk_array *r = user_layer(f, mode, prefix, tok, &x, 1, &plan, ndim, shape, chunks, nb,
                               dtype, concat, axes, keepdims, NULL);
    dusk_free(cbuf);
    return r;
}

dusk_array *dusk_array_reduction(dusk_array *x, const dusk_block_func *chunk,
                                 const dusk_block_func *combine,
                                 const dusk_block_func *aggregate, uint64_t axes_mask,
                                 bool keepdims, dusk_dtype dtype, int split_every,
                                 const char *name)
{
    dusk_array *in[1] = {x};
    dusk_array *e = check_inputs("reduction", chunk, 0, in, 1, dtype);
    if (e)
        return e;
    if (!aggregate)
        return dusk__array_fail(x->ctx, DUSK_EINVAL, "reduction: aggregate is NULL");
    if ((e = check_inputs("reduction", aggregate, 0, in, 1, dtype)) ||
        (combine && (e = check_inputs("reduction", combine, 0, in, 1, dtype))))
        return e;
    uint64_t axes;
    int bad = 0;
    if (axes_mask == DUSK_ALL_AXES)
        axes = x->ndim >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << x->ndim) - 1);
    else if (resolve_axes(axes_mask, x->ndim, &axes, &bad) < 0)
        return dusk__array_fail(x->ctx, DUSK_EINVAL, "reduction: axis out of range for an "
                                "array of %d dimension%s: axis %d", x->ndim,
                                x->ndim == 1 ? "" : "s", bad);
    else if (__builtin_popcountll(axes) != __builtin_popcountll(axes_mask))
        for (int d = 0; d < x->ndim; d++)   /* an axis as itself and from the end */
            if ((axes_mask >> d) & (axes_mask >> (64 - x->ndim + d)) & 1)
                return dusk__array_fail(x->ctx, DUSK_EINVAL, "reduction: duplicate value in "
                                        "'axis': axis %d given twice (as %d and %d)", d, d,
                                        d - x->ndim);
    if (split_every < 0 || split_every == 1)
        return dusk__array_fail(x->ctx, DUSK_EINVAL, "reduction: split_every must be 0 "
                                "(default) or at least 2, not %d", split_every);
    const char *names[3] = {name ? name : chunk->func.name,
                            name ? name : (combine ? combine : aggregate)->func.name,
                            name ? name : aggregate->func.name};
    for (int i = 0; i < 3; i++)
        if (strlen(names[i]) > MAXPREFIX)
            return dusk__array_fail(x->ctx, DUSK_EINVAL, "reduction: the name \"%.40s...\" is "
                                    "%zu characters long; at most %d", names[i],
                                    strlen(names[i]), MAXPREFIX);
    int nax = __builtin_popcountll(axes);
    /* Dask's split_every: k becomes max(int(k ** (1 / naxes)), 2) per axis,
     * in floating point as Dask computes it (64 over 3 axes is 3, not 4);
     * more than an axis's blocks changes nothing, so it is capped there */
    int k = split_every ? split_every : 4;
    int64_t per = nax ? (int64_t)pow((double)k, 1.0 / nax) : 2, most = 2;
    for (int d = 0; d < x->ndim; d++)
        if ((axes >> d) & 1 && x->nb[d] > most)
            most = x->nb[d];
    per = per < 2 ? 2 : per > most ? most : per;
    int64_t split[DUSK_MAXDIMS];
    int depth = 1;
    for (int d = 0; d < x->ndim; d++) {
        split[d] = (axes >> d) & 1 ? per : 1;
        if ((axes >> d) & 1 && x->nb[d] > 1) {
            int dd = 0;
            for (int64_t n = 1; n < x->nb[d]; n *= per)
                dd++;
            if (dd > depth)
                depth = dd;
        }
    }
    /* the chunk step: each block reduced, the reduced axes kept as 1 */
    map_plan plan;
    memset(&plan, 0, sizeof plan);
    int64_t shape[DUSK_MAXDIMS], *chunks[DUSK_MAXDIMS], *cbuf;
    dusk_value *none[1] = {dusk_tuple_new(0)};
    if (dusk__unit_chunks(x, axes, &cbuf, chunks) < 0) {
        dusk_value_unref(none[0]);
        return dusk__array_oom(x->ctx, "reduction");
    }
    for (int d = 0; d < x->ndim; d++) {
        plan.out_axis[0][d] = d;
        plan.group[0][d] = 0;
        shape[d] = (axes >> d) & 1 ? x->nb[d] : x->shape[d];
    }
    char tok[33], prefix[MAXPREFIX + 16];
    snprintf(prefix, sizeof prefix, "%s", names[0]);
    tok_hash h = th_new("reduction");
    th_str(&h, prefix);
    th_func(&h, chunk);
    th_str(&h, x->L->name);
    th_word(&h, axes);
    th_word(&h, (uint64_t)dtype);
    th_done(&h, tok);
    dusk_array *r = user_layer(chunk, MODE_CHUNK, prefix, tok, in, 1, &plan, x->ndim, shape,
                               chunks, x->nb, dtype, none[0] ? dusk_tuple_of(1, none) : NULL,
                               axes, true, NULL);
    dusk_free(cbuf);
    snprintf(prefix, sizeof prefix, "%s-partial", names[1]);
    for (int i = 0; i < depth - 1 && !r->status; i++)
        r = red_step(r, combine ? combine : aggregate, MODE_COMBINE, prefix, axes, split, true,
                     dtype);
    if (r->status)
        return r;
    for (int d = 0; d < x->ndim; d++)
        if ((axes >> d) & 1)
            split[d] = r->nb[d] ? r->nb[d] : 1;
    snprintf(prefix, sizeof prefix, "%s-aggregate", names[2]);
    return red_step(r, aggregate, MODE_AGG, prefix, axes, split, keepdims, dtype);
}

/* --- running a block's task ---------------------------------------------------------- */

/* n ndarrays joined along axis, as numpy.concatenate; one dtype and the
 * same shape but along axis, else DUSK_EINVAL. */
static int join(const char *name, dusk_value **parts, size_t n, int axis, dusk_value **out,
                dusk_error *err)
{
    const dusk_value *p0 = parts[0];
    int ndim = dusk_ndarray_ndim(p0);
    dusk_dtype t = dusk_ndarray_dtype(p0);
    if (axis >= ndim)
        return dusk_error_set(err, DUSK_EINVAL, "%s: a block of %d axes cannot be joined along "
                              "axis %d", name, ndim, axis);
    int64_t shape[DUSK_MAXDIMS];
    memcpy(shape, dusk_ndarray_shape(p0), (size_t)ndim * sizeof *shape);
    shape[axis] = 0;
    for (size_t k = 0; k < n; k++) {
        const int64_t *s = dusk_ndarray_shape(parts[k]);
        int ok = dusk_ndarray_dtype(parts[k]) == t && dusk_ndarray_ndim(parts[k]) == ndim;
        for (int d = 0; ok && d < ndim; d++)
            ok = d == axis || s[d] == shape[d];
        if (!ok) {
            char s1[256], s2[256];
            dusk__fmt_shape(s1, sizeof s1, ndim, dusk_ndarray_shape(p0));
            dusk__fmt_shape(s2, sizeof s2, dusk_ndarray_ndim(parts[k]), s);
            return dusk_error_set(err, DUSK_EINVAL, "%s: blocks %s %s and %s %s cannot be "
                                  "joined along axis %d", name, dusk_dtype_name(t), s1,
                                  dusk_dtype_name(dusk_ndarray_dtype(parts[k])), s2, axis);
        }
        shape[axis] += s[axis];
    }
    dusk_value *r = dusk_ndarray_empty(t, ndim, shape);
    if (!r)
        return dusk__oom(err);
    size_t item = dusk_dtype_size(t);
    int64_t outer = 1, inner = (int64_t)item;
    for (int d = 0; d < axis; d++)
        outer *= shape[d];
    for (int d = axis + 1; d < ndim; d++)
        inner *= shape[d];
    char *dst = dusk_ndarray_data(r);
    for (size_t k = 0; k < n; k++) {
        dusk_value *c = NULL;
        if (!dusk_ndarray_is_contiguous(parts[k])) {
            int rc = dusk__nd_astype(parts[k], t, &c, err);
            if (rc) {
                dusk_value_unref(r);
                return rc;
            }
        }
        const char *src = dusk_ndarray_data(c ? c : parts[k]);
        int64_t run = inner * dusk_ndarray_shape(parts[k])[axis];
        char *d0 = dst;
        for (int64_t o = 0; o < outer; o++)
            memcpy(d0 + o * (inner * shape[axis]), src + o * run, (size_t)run);
        dst += run;
        dusk_value_unref(c);
    }
    *out = r;
    return 0;
}

/* The nested tuple v joined along axes[level..n) into one ndarray. */
static int concat_nested(const char *name, const dusk_value *v, const dusk_value *axes,
                         size_t level, dusk_value **out, dusk_error *err)
{
    if (level == dusk_tuple_len(axes)) {
        if (dusk_value_kind(v) != DUSK_KIND_NDARRAY)
            return dusk_error_set(err, DUSK_ETYPE, "%s: expected a block, got %s", name,
                                  dusk_kind_name(dusk_value_kind(v)));
        *out = dusk_value_ref((dusk_value *)v);
        return 0;
    }
    size_t n = dusk_tuple_len(v);
    const dusk_value *ax = dusk_tuple_get(axes, level);
    if (dusk_value_kind(v) != DUSK_KIND_TUPLE || n == 0 || dusk_value_kind(ax) != DUSK_KIND_INT ||
        dusk_value_int(ax) < 0 || dusk_value_int(ax) >= DUSK_MAXDIMS)
        return dusk_error_set(err, DUSK_EINVAL, "%s: expected a list of blocks to join along "
                              "axis %" PRId64 ", got %s", name, dusk_value_int(ax),
                              dusk_kind_name(dusk_value_kind(v)));
    dusk_value **parts = dusk_calloc(n, sizeof *parts);
    if (!parts)
        return dusk__oom(err);
    int rc = 0;
    for (size_t k = 0; k < n && !rc; k++)
        rc = concat_nested(name, dusk_tuple_get(v, k), axes, level + 1, &parts[k], err);
    if (!rc && n == 1)
        *out = dusk_value_ref(parts[0]);
    else if (!rc)
        rc = join(name, parts, n, (int)dusk_value_int(ax), out, err);
    for (size_t k = 0; k < n; k++)
        dusk_value_unref(parts[k]);
    dusk_free(parts);
    return rc;
}

/* The scalar kernel over the broadcast blocks. */
static int elem_run(const dusk_block_func *f, dusk_value *const *blk, size_t nin,
                    dusk_dtype dtype, int ndim, const int64_t *shape, dusk_value **out,
                    dusk_error *err)
{
    int64_t strides[DUSK__MAXIN][DUSK_MAXDIMS];
    const char *base[DUSK__MAXIN];
    dusk_dtype types[DUSK__MAXIN];
    for (size_t i = 0; i < nin; i++) {
        int nd = dusk_ndarray_ndim(blk[i]);
        const int64_t *s = dusk_ndarray_shape(blk[i]), *st = dusk_ndarray_strides(blk[i]);
        if (nd > ndim)
            return dusk_error_set(err, DUSK_EINVAL, "%s: input %zu has %d axes, more than the "
                                  "output's %d", f->func.name, i, nd, ndim);
        for (int d = 0; d < ndim; d++) {
            int e = d - (ndim - nd);
            int64_t len = e >= 0 ? s[e] : 1;
            if (len != shape[d] && len != 1) {
                char s1[256], s2[256];
                dusk__fmt_shape(s1, sizeof s1, nd, s);
                dusk__fmt_shape(s2, sizeof s2, ndim, shape);
                return dusk_error_set(err, DUSK_EINVAL, "%s: input %zu's block %s does not "
                                      "broadcast to %s", f->func.name, i, s1, s2);
            }
            strides[i][d] = e >= 0 && len != 1 ? st[e] : 0;
        }
        base[i] = dusk_ndarray_data(blk[i]);
        types[i] = dusk_ndarray_dtype(blk[i]);
    }
    dusk_value *r = dusk_ndarray_empty(dtype, ndim, shape);
    if (!r)
        return dusk__oom(err);
    int64_t count = dusk_ndarray_size(r), idx[DUSK_MAXDIMS] = {0}, off[DUSK__MAXIN] = {0};
    size_t item = dusk_dtype_size(dtype);
    char *o = dusk_ndarray_data(r);
    double x[DUSK__MAXIN];
    for (int64_t k = 0; k < count; k++) {
        for (size_t i = 0; i < nin; i++)
            x[i] = dusk__nd_loadf(base[i] + off[i], types[i]);
        dusk__nd_storef(o + (size_t)k * item, dtype, f->scalar(x, (int)nin, f->ud));
        for (int d = ndim - 1; d >= 0; d--) {   /* the next index, offsets with it */
            for (size_t i = 0; i < nin; i++)
                off[i] += strides[i][d];
            if (++idx[d] < shape[d])
                break;
            for (size_t i = 0; i < nin; i++)
                off[i] -= strides[i][d] * shape[d];
            idx[d] = 0;
        }
    }
    *out = r;
    return 0;
}

int dusk_block_func_run(dusk_value *const *args, size_t nargs, dusk_value **out, dusk_error *err,
                        void *ud)
{
    const dusk_block_func *f = ud;
    if (out)
        *out = NULL;
    DUSK__NONNULL(err, args);
    DUSK__NONNULL(err, out);
    DUSK__NONNULL(err, ud);
    const char *name = f->func.name ? f->func.name : "(unnamed)";
    const dusk_value *params = nargs >= 2 ? args[0] : NULL;
    if (!params || dusk_value_kind(params) != DUSK_KIND_TUPLE ||
        dusk_tuple_len(params) < 2 + NPARAMS)
        return dusk_error_set(err, DUSK_EINVAL, "%s: a block task takes (params, index, "
                              "inputs...) with %d parameters after dtype and bounds", name,
                              NPARAMS);
    int dt = -1;
    const char *code = dusk_value_str(dusk_tuple_get(params, 0));
    for (int t = 0; code && t < DUSK_DT_COUNT; t++)
        if (strcmp(dusk_dtype_code((dusk_dtype)t), code) == 0)
            dt = t;
    const dusk_value *mode = dusk__params_extra(params, 0), *concat = dusk__params_extra(params, 1),
                     *axes = dusk__params_extra(params, 2), *keep = dusk__params_extra(params, 3),
                     *fargs = dusk__params_extra(params, 4), *index = args[1];
    size_t nin = nargs - 2;
    if (dt < 0)
        return dusk_error_set(err, DUSK_EINVAL, "%s: the first parameter is not a dtype code",
                              name);
    if (dusk_value_kind(mode) != DUSK_KIND_INT || dusk_value_int(mode) < 0 ||
        dusk_value_int(mode) >= NMODES || dusk_value_kind(concat) != DUSK_KIND_TUPLE ||
        dusk_tuple_len(concat) != nin || dusk_value_kind(axes) != DUSK_KIND_INT ||
        dusk_value_kind(keep) != DUSK_KIND_BOOL || dusk_value_kind(fargs) != DUSK_KIND_TUPLE)
        return dusk_error_set(err, DUSK_EINVAL, "%s: the parameters are not (dtype, bounds, "
                              "mode, concat, axes, keepdims, args) for %zu inputs", name, nin);
    if (nin > DUSK__MAXIN)
        return dusk_error_set(err, DUSK_EINVAL, "%s: at most %d inputs, got %zu", name,
                              DUSK__MAXIN, nin);
    if (dusk_value_kind(index) != DUSK_KIND_TUPLE || dusk_tuple_len(index) > DUSK_MAXDIMS)
        return dusk_error_set(err, DUSK_EINVAL, "%s: the block index is not a tuple of at most "
                              "%d ints", name, DUSK_MAXDIMS);
    int ndim = (int)dusk_tuple_len(index);
    int64_t id[DUSK_MAXDIMS], start[DUSK_MAXDIMS], cshape[DUSK_MAXDIMS];
    int64_t numblocks[DUSK_MAXDIMS], shape[DUSK_MAXDIMS];
    for (int d = 0; d < ndim; d++) {
        if (dusk_value_kind(dusk_tuple_get(index, (size_t)d)) != DUSK_KIND_INT)
            return dusk_error_set(err, DUSK_EINVAL, "%s: the block index holds a %s", name,
                                  dusk_kind_name(dusk_value_kind(dusk_tuple_get(index,
                                                                                (size_t)d))));
        id[d] = dusk_value_int(dusk_tuple_get(index, (size_t)d));
    }
    dusk__op op;
    memset(&op, 0, sizeof op);
    op.func = f->func;
    dusk__targs t = {&op, params, index, args + 2, nin, (dusk_dtype)dt};
    int rc = dusk__targs_block(&t, start, cshape, err);
    if (rc)
        return rc;
    const dusk_value *bounds = dusk_tuple_get(params, 1);
    for (int d = 0; d < ndim; d++) {
        const dusk_value *b = dusk_tuple_get(bounds, (size_t)d);
        numblocks[d] = dusk_ndarray_shape(b)[0] - 1;
        shape[d] = dusk__bounds_axis(bounds, d)[numblocks[d]];
    }
    dusk_value *blk[DUSK__MAXIN] = {0};
    for (size_t i = 0; i < nin && !rc; i++) {
        const dusk_value *c = dusk_tuple_get(concat, i);
        if (dusk_value_kind(c) == DUSK_KIND_TUPLE)
            rc = concat_nested(name, args[2 + i], c, 0, &blk[i], err);
        else if (dusk_value_kind(c) == DUSK_KIND_NONE)
            blk[i] = dusk_value_ref(args[2 + i]);
        else
            rc = dusk_error_set(err, DUSK_EINVAL, "%s: the concat parameter of input %zu is a "
                                "%s", name, i, dusk_kind_name(dusk_value_kind(c)));
        if (!rc && dusk_value_int(mode) == MODE_ELEM &&
            dusk_value_kind(blk[i]) != DUSK_KIND_NDARRAY)
            rc = dusk_error_set(err, DUSK_ETYPE, "%s: input %zu is a %s, not a block", name, i,
                                dusk_kind_name(dusk_value_kind(blk[i])));
    }
    dusk_value *res = NULL;
    if (!rc) {
        if (dusk_value_int(mode) == MODE_ELEM) {
            rc = f->scalar ? elem_run(f, blk, nin, (dusk_dtype)dt, ndim, cshape, &res, err)
                           : dusk_error_set(err, DUSK_EINVAL, "%s has no scalar function", name);
        } else if (!f->block) {
            rc = dusk_error_set(err, DUSK_EINVAL, "%s has no block function", name);
        } else {
            dusk_block b = {nin, (const dusk_value *const *)blk, ndim, id, numblocks, start,
                            cshape, shape, (dusk_dtype)dt, fargs,
                            (uint64_t)dusk_value_int(axes), dusk_value_bool(keep)};
            if (err) {
                err->code = 0;
                err->msg[0] = 0;
            }
            rc = f->block(&b, &res, err, f->ud);
            if (rc && err && !err->msg[0])
                dusk_error_set(err, rc < 0 ? rc : DUSK_EINVAL, "%s returned %d (%s)", name, rc,
                               dusk_strerror(rc < 0 ? rc : DUSK_EINVAL));
            if (rc > 0)
                rc = DUSK_EINVAL;
        }
    }
    for (size_t i = 0; i < nin; i++)
        dusk_value_unref(blk[i]);
    if (rc) {
        dusk_value_unref(res);
        return rc;
    }
    /* what came back must be the block the output's chunks promise */
    if (!res || dusk_value_kind(res) != DUSK_KIND_NDARRAY) {
        rc = dusk_error_set(err, DUSK_ETYPE, "%s returned %s, not an ndarray block", name,
                            res ? dusk_kind_name(dusk_value_kind(res)) : "nothing");
    } else if (dusk_ndarray_dtype(res) != (dusk_dtype)dt) {
        rc = dusk_error_set(err, DUSK_ETYPE, "%s returned a %s block where the array is %s", name,
                            dusk_dtype_name(dusk_ndarray_dtype(res)),
                            dusk_dtype_name((dusk_dtype)dt));
    } else {
        int ok = dusk_ndarray_ndim(res) == ndim;
        for (int d = 0; ok && d < ndim; d++)
            ok = dusk_ndarray_shape(res)[d] == cshape[d];
        if (!ok) {
            char s1[256], s2[256];
            dusk__fmt_shape(s1, sizeof s1, dusk_ndarray_ndim(res), dusk_ndarray_shape(res));
            dusk__fmt_shape(s2, sizeof s2, ndim, cshape);
            rc = dusk_error_set(err, DUSK_EINVAL, "%s returned a block of shape %s where the "
                                "array's chunks make it %s", name, s1, s2);
        }
    }
    if (rc) {
        dusk_value_unref(res);
        return rc;
    }
    *out = res;
    return 0;
}

/* --- map_overlap ----------------------------------------------------------------------
 *
 * As dask.array.map_overlap (one array, one depth and one boundary per
 * axis, trimmed or not): the chunks grown to at least the depth (a rechunk), the
 * boundary added with getitem, full and concatenate layers exactly as
 * Dask's boundaries() adds it, then the overlap (below), a trim of the
 * added boundary (a getitem), the user's map_blocks, and a 'trim' layer.
 *
 * The overlap is Dask's ArrayOverlapLayer: per output block, the block
 * and the edges of its neighbours joined ('overlap-<token>' tasks), each
 * edge cut from its block by a task of its own ('getitem-<token>'), all
 * in one layer. Along an axis with depth, piece p of the pieces' grid
 * (3 nb - 2 of them) is block p / 3 whole when p % 3 is 0, its last depth
 * cells when 1, and the first depth cells of block p / 3 + 1 when 2
 * (Dask's keys i, i + 0.9 and i + 1.1 - 1 ... are fractions: dusk's are
 * these integers). Output block i joins pieces 3i - 2, 3i and 3i + 2. */

typedef struct {
    int64_t depth[DUSK_MAXDIMS];
} overlap_data;

/* The sub-block of x at off of the given shape, contiguous. */
static int sub_block(const dusk_value *x, const int64_t *off, const int64_t *shape,
                     dusk_value **out, dusk_error *err)
{
    int nd = dusk_ndarray_ndim(x);
    const int64_t *xs = dusk_ndarray_shape(x), *st = dusk_ndarray_strides(x);
    for (int d = 0; d < nd; d++)
        if (off[d] < 0 || shape[d] < 0 || off[d] + shape[d] > xs[d])
            return dusk_error_set(err, DUSK_EINVAL, "overlap: a block of %lld along axis %d "
                                  "has no cells %lld:%lld", (long long)xs[d], d,
                                  (long long)off[d], (long long)(off[d] + shape[d]));
    dusk_value *r = dusk_ndarray_empty(dusk_ndarray_dtype(x), nd, shape);
    if (!r)
        return dusk__oom(err);
    size_t item = dusk_dtype_size(dusk_ndarray_dtype(x));
    int64_t n = dusk_ndarray_size(r), idx[DUSK_MAXDIMS] = {0};
    const char *base = dusk_ndarray_data(x);
    for (int d = 0; d < nd; d++)
        base += off[d] * st[d];
    char *o = dusk_ndarray_data(r);
    for (int64_t k = 0; k < n; k++) {
        const char *p = base;
        for (int d = 0; d < nd; d++)
            p += idx[d] * st[d];
        memcpy(o + (size_t)k * item, p, item);
        for (int d = nd - 1; d >= 0 && ++idx[d] == shape[d]; d--)
            idx[d] = 0;
    }
    *out = r;
    return 0;
}

/* depth per axis, from args[0] */
static int depths_of(const dusk_block *b, int64_t *depth, dusk_error *err)
{
    const dusk_value *t = dusk_tuple_get(b->args, 0);
    if (dusk_value_kind(t) != DUSK_KIND_TUPLE || dusk_tuple_len(t) != (size_t)b->ndim)
        return dusk_error_set(err, DUSK_EINVAL, "overlap: the depths are not %d ints", b->ndim);
    for (int d = 0; d < b->ndim; d++) {
        depth[d] = dusk_value_int(dusk_tuple_get(t, (size_t)d));
        if (depth[d] < 0)
            return dusk_error_set(err, DUSK_EINVAL, "overlap: a depth is negative");
    }
    return 0;
}

/* A piece: the whole block, its last depth cells or its first. */
static int piece_fn(const dusk_block *b, dusk_value **out, dusk_error *err, void *ud)
{
    (void)ud;
    int64_t depth[DUSK_MAXDIMS], off[DUSK_MAXDIMS];
    int rc = depths_of(b, depth, err);
    if (rc)
        return rc;
    const dusk_value *x = b->in[0];
    if (dusk_value_kind(x) != DUSK_KIND_NDARRAY || dusk_ndarray_ndim(x) != b->ndim)
        return dusk_error_set(err, DUSK_ETYPE, "overlap: a piece's input is not a block");
    for (int d = 0; d < b->ndim; d++)
        off[d] = depth[d] && b->block_id[d] % 3 == 1 ? dusk_ndarray_shape(x)[d] - depth[d] : 0;
    return sub_block(x, off, b->chunk_shape, out, err);
}
static const dusk_block_func piece = DUSK_BLOCK_FUNC(piece, "getitem", piece_fn, NULL);

/* The joined pieces (the call has concatenated them). */
static int join_fn(const dusk_block *b, dusk_value **out, dusk_error *err, void *ud)
{
    (void)err;
    (void)ud;
    *out = dusk_value_ref((dusk_value *)b->in[0]);
    return 0;
}
static const dusk_block_func join3 = DUSK_BLOCK_FUNC(join3, "concatenate3", join_fn, NULL);

/* Dask's _trim: depth off each side of a block, but the array's own edges
 * where no boundary was added (args: depths, per axis whether its boundary
 * is 'none'). */
static int trim_fn(const dusk_block *b, dusk_value **out, dusk_error *err, void *ud)
{
    (void)ud;
    int64_t depth[DUSK_MAXDIMS], off[DUSK_MAXDIMS];
    int rc = depths_of(b, depth, err);
    if (rc)
        return rc;
    const dusk_value *none = dusk_tuple_get(b->args, 1);
    if (dusk_value_kind(none) != DUSK_KIND_TUPLE || dusk_tuple_len(none) != (size_t)b->ndim)
        return dusk_error_set(err, DUSK_EINVAL, "trim: the boundaries are not %d bools",
                              b->ndim);
    const dusk_value *x = b->in[0];
    if (dusk_value_kind(x) != DUSK_KIND_NDARRAY || dusk_ndarray_ndim(x) != b->ndim)
        return dusk_error_set(err, DUSK_ETYPE, "trim: the input is not a %d-d block", b->ndim);
    for (int d = 0; d < b->ndim; d++)
        off[d] = b->block_id[d] == 0 && dusk_value_bool(dusk_tuple_get(none, (size_t)d))
                     ? 0 : depth[d];
    return sub_block(x, off, b->chunk_shape, out, err);
}
static const dusk_block_func trim = DUSK_BLOCK_FUNC(trim, "trim", trim_fn, NULL);

static pthread_once_t overlap_once = PTHREAD_ONCE_INIT;
static void register_overlap(void)
{
    /* so that these tasks too run by name in another process */
    dusk_func_register_as("array.overlap-getitem", &piece.func);
    dusk_func_register_as("array.concatenate3", &join3.func);
    dusk_func_register_as("array.trim", &trim.func);
}

static int piece_inputs(const dusk__layer *L, const int64_t *idx, dusk_arg **out)
{
    const overlap_data *od = L->data;
    const dusk__layer *in = L->in[0];
    int64_t at[DUSK_MAXDIMS];
    for (int d = 0; d < in->ndim; d++)
        at[d] = od->depth[d] && in->nb[d] > 1 ? idx[d] / 3 + (idx[d] % 3 == 2) : idx[d];
    char key[512];
    dusk_key_tuple(key, sizeof key, in->name, in->ndim, at);
    return (out[0] = dusk_ref(key)) ? 1 : -1;
}

/* Nested lists over the overlapped axes of the pieces output block idx joins. */
static dusk_arg *piece_nest(const dusk__layer *P, const overlap_data *od, const int64_t *idx,
                            int d, int64_t *at)
{
    while (d < P->ndim && !od->depth[d])
        d++;
    if (d == P->ndim) {
        char key[512];
        dusk_key_tuple(key, sizeof key, P->name, P->ndim, at);
        return dusk_ref(key);
    }
    int64_t nb = (P->nb[d] + 2) / 3, list[3];
    int n = 0;
    if (nb == 1) {
        list[n++] = 0;
    } else {
        if (idx[d] > 0)
            list[n++] = 3 * idx[d] - 2;
        list[n++] = 3 * idx[d];
        if (idx[d] < nb - 1)
            list[n++] = 3 * idx[d] + 2;
    }
    dusk_arg *items[3];
    for (int k = 0; k < n; k++) {
        at[d] = list[k];
        items[k] = piece_nest(P, od, idx, d + 1, at);
    }
    return dusk_listv((size_t)n, items);
}

static int join_inputs(const dusk__layer *L, const int64_t *idx, dusk_arg **out)
{
    const overlap_data *od = L->data;
    int64_t at[DUSK_MAXDIMS];
    for (int d = 0; d < L->ndim; d++)
        at[d] = idx[d];
    return (out[0] = piece_nest(L->in[0], od, idx, 0, at)) ? 1 : -1;
}

/* A copy of src's depths as the layers' data. */
static overlap_data *overlap_data_new(const int64_t *depth, int ndim)
{
    overlap_data *od = dusk_calloc(1, sizeof *od);
    if (od)
        memcpy(od->depth, depth, (size_t)ndim * sizeof *depth);
    return od;
}

/* Dask's overlap_internal over x. */
static dusk_array *overlap_internal(dusk_array *x, const int64_t *depth, const dusk_value *dargs)
{
    dusk_array_ctx *ctx = x->ctx;
    int nd = x->ndim;
    int64_t room = 1;
    for (int d = 0; d < nd; d++)
        room += 3 * x->nb[d] + x->nb[d];
    int64_t *buf = dusk_malloc((size_t)room * sizeof *buf), *next = buf;
    if (!buf)
        return dusk__array_oom(ctx, "overlap");
    int64_t pnb[DUSK_MAXDIMS], onb[DUSK_MAXDIMS], pshape[DUSK_MAXDIMS], oshape[DUSK_MAXDIMS];
    int64_t *pc[DUSK_MAXDIMS], *oc[DUSK_MAXDIMS];
    for (int d = 0; d < nd; d++) {
        int64_t nb = x->nb[d], dep = nb > 1 ? depth[d] : 0;
        const int64_t *c = x->chunks[d];
        pc[d] = next;
        pnb[d] = dep ? 3 * nb - 2 : nb;
        pshape[d] = 0;
        for (int64_t p = 0; p < pnb[d]; p++) {
            next[p] = !dep || p % 3 == 0 ? c[dep ? p / 3 : p] : dep;
            pshape[d] += next[p];
        }
        next += pnb[d];
        oc[d] = next;
        onb[d] = nb;
        oshape[d] = 0;
        for (int64_t i = 0; i < nb; i++) {
            next[i] = c[i] + (nb > 1 ? (i > 0) * depth[d] + (i < nb - 1) * depth[d] : 0);
            oshape[d] += next[i];
        }
        next += nb;
    }
    tok_hash h = th_new("overlap");
    th_str(&h, x->L->name);
    for (int d = 0; d < nd; d++)
        th_word(&h, (uint64_t)depth[d]);
    char tok[33];
    th_done(&h, tok);
    map_plan none;
    memset(&none, 0, sizeof none);
    dusk_value *e0[1] = {dusk_tuple_new(0)};
    dusk_array *P = user_layer(&piece, MODE_MAP, "getitem", tok, &x, 1, &none, nd, pshape, pc,
                               pnb, x->dtype, e0[0] ? dusk_tuple_of(1, e0) : NULL, 0, false,
                               dargs);
    dusk_array *r = P;
    if (!P->status) {
        overlap_data *od = overlap_data_new(depth, nd);
        dusk_value *axes[DUSK_MAXDIMS];
        int na = 0;
        for (int d = 0; d < nd; d++)
            if (depth[d])
                axes[na++] = dusk_int(d);
        dusk_value *cx = dusk_tuple_of((size_t)na, axes);
        dusk_value *concat = cx ? dusk_tuple_of(1, &cx) : NULL;
        r = od ? user_layer(&join3, MODE_MAP, "overlap", tok, &P, 1, &none, nd, oshape, oc, onb,
                            x->dtype, concat, 0, false, dargs)
               : (dusk_value_unref(concat), dusk__array_oom(ctx, "overlap"));
        if (!r->status) {
            P->L->inputs = piece_inputs;
            P->L->data_free(P->L->data);
            P->L->data = overlap_data_new(depth, nd);
            r->L->inputs = join_inputs;
            r->L->data_free(r->L->data);
            r->L->data = od;
            /* one layer, as Dask's: the pieces are counted with it */
            r->L->ntasks += P->L->ntasks;
            r->L->deps[0] = P->L->deps[0];
            P->L->ntasks = 0;
            P->L->inner = true;
            if (!P->L->data)
                r = dusk__array_oom(ctx, "overlap");
        } else {
            dusk_free(od);
        }
    }
    dusk_free(buf);
    return r;
}

/* Dask's ensure_minimum_chunksize: chunks of at least size, small ones
 * added to their neighbours; -1 when the axis is shorter than size. */
static int64_t min_chunks(int64_t size, const int64_t *c, int64_t nb, int64_t *out)
{
    int64_t lo = INT64_MAX, n = 0, acc = 0;
    for (int64_t i = 0; i < nb; i++)
        lo = c[i] < lo ? c[i] : lo;
    if (size <= lo) {
        memcpy(out, c, (size_t)nb * sizeof *c);
        return nb;
    }
    for (int64_t i = 0; i < nb; i++) {
        if (c[i] < size) {
            if (acc > size + (size - c[i])) {
                out[n++] = acc - (size - c[i]);
                acc = size;
            } else {
                acc += c[i];
            }
        }
        if (acc >= size) {
            out[n++] = acc;
            acc = 0;
        }
        if (c[i] >= size)
            acc += c[i];
    }
    if (acc >= size)
        out[n++] = acc;
    else if (n >= 1)
        out[n - 1] += acc;
    else
        return -1;
    return n;
}

/* x with its chunks along axis replaced by (depth,), as Dask's
 * _remove_overlap_boundaries (a rechunk, or x itself). */
static dusk_array *depth_chunks(dusk_array *x, int axis, int64_t depth)
{
    size_t cap = 16;
    for (int d = 0; d < x->ndim; d++)
        cap += (size_t)x->nb[d] * 22 + 8;
    char *spec = dusk_malloc(cap);
    if (!spec)
        return dusk__array_oom(x->ctx, "overlap");
    size_t at = (size_t)snprintf(spec, cap, "(");
    for (int d = 0; d < x->ndim; d++) {
        if (d == axis)
            at += (size_t)snprintf(spec + at, cap - at, "(%lld,)", (long long)depth);
        else
            fmt_chunks(spec + at, cap - at, x->chunks[d], x->nb[d]);
        at += strlen(spec + at);
        at += (size_t)snprintf(spec + at, cap - at, ", ");
    }
    snprintf(spec + at, cap - at, ")");
    dusk_array *r = dusk_array_rechunk(x, spec);
    dusk_free(spec);
    return r;
}

/* x[..., a:b:s, ...] along axis. */
static dusk_array *cut(dusk_array *x, int axis, int64_t a, int64_t b, int64_t s)
{
    dusk_index ix[DUSK_MAXDIMS];
    for (int d = 0; d < x->ndim; d++)
        ix[d] = d == axis ? (dusk_index){DUSK_IDX_SLICE, a, b, s, NULL, 0}
                          : (dusk_index){DUSK_IDX_SLICE, DUSK_NIL, DUSK_NIL, DUSK_NIL, NULL, 0};
    return dusk_array_getitem(x, ix, x->ndim);
}

/* Dask's boundaries(): the boundary along axis, depth deep. */
static dusk_array *add_boundary(dusk_array *x, int axis, int64_t d, dusk_boundary kind,
                                double value)
{
    dusk_array *parts[3], *l, *r;
    switch (kind) {
    case DUSK_BOUNDARY_CONSTANT: {
        dusk_shape sh = {x->ndim, {0}};
        size_t cap = 16;
        for (int k = 0; k < x->ndim; k++) {
            sh.v[k] = k == axis ? d : x->shape[k];
            cap += (size_t)x->nb[k] * 22 + 8;
        }
        char *spec = dusk_malloc(cap);
        if (!spec)
            return dusk__array_oom(x->ctx, "overlap");
        size_t at = (size_t)snprintf(spec, cap, "(");
        for (int k = 0; k < x->ndim; k++) {
            if (k == axis)
                at += (size_t)snprintf(spec + at, cap - at, "(%lld,)", (long long)d);
            else
                fmt_chunks(spec + at, cap - at, x->chunks[k], x->nb[k]);
            at += strlen(spec + at);
            at += (size_t)snprintf(spec + at, cap - at, ", ");
        }
        snprintf(spec + at, cap - at, ")");
        dusk_array *c = dusk_full(x->ctx, sh, spec, x->dtype, value);
        dusk_free(spec);
        parts[0] = c, parts[1] = x, parts[2] = c;
        return dusk_concatenate(parts, 3, axis);
    }
    case DUSK_BOUNDARY_PERIODIC:
        l = cut(x, axis, 0, d, DUSK_NIL);
        r = cut(x, axis, -d, DUSK_NIL, DUSK_NIL);
        l = depth_chunks(l, axis, d);
        r = depth_chunks(r, axis, d);
        parts[0] = r, parts[1] = x, parts[2] = l;
        return dusk_concatenate(parts, 3, axis);
    case DUSK_BOUNDARY_REFLECT:
        l = d == 1 ? cut(x, axis, 0, 1, DUSK_NIL) : cut(x, axis, d - 1, DUSK_NIL, -1);
        r = cut(x, axis, -1, -d - 1, -1);
        l = depth_chunks(l, axis, d);
        r = depth_chunks(r, axis, d);
        parts[0] = l, parts[1] = x, parts[2] = r;
        return dusk_concatenate(parts, 3, axis);
    default: {   /* nearest */
        dusk_array **rep = dusk_malloc((size_t)d * sizeof *rep);
        if (!rep)
            return dusk__array_oom(x->ctx, "overlap");
        dusk_array *e = cut(x, axis, 0, 1, DUSK_NIL);
        for (int64_t k = 0; k < d; k++)
            rep[k] = e;
        l = dusk_concatenate(rep, (int)d, axis);
        e = cut(x, axis, -1, -2, -1);
        for (int64_t k = 0; k < d; k++)
            rep[k] = e;
        r = dusk_concatenate(rep, (int)d, axis);
        dusk_free(rep);
        l = depth_chunks(l, axis, d);
        r = depth_chunks(r, axis, d);
        parts[0] = l, parts[1] = x, parts[2] = r;
        return dusk_concatenate(parts, 3, axis);
    }
    }
}

dusk_array *dusk_map_overlap(const dusk_block_func *f, dusk_array *x, const int64_t *depth,
                             dusk_boundary boundary, double value, dusk_dtype dtype,
                             const dusk_map_options *opts)
{
    dusk_boundary kinds[DUSK_MAXDIMS];
    double values[DUSK_MAXDIMS];
    for (int d = 0; d < DUSK_MAXDIMS; d++)
        kinds[d] = boundary, values[d] = value;
    return dusk_map_overlap_axes(f, x, depth, kinds, values, true, dtype, opts);
}

/* The checks of depth, boundary and value that every overlap call makes. */
static dusk_array *check_overlap(const char *what, dusk_array *x, const int64_t *depth,
                                 const dusk_boundary *boundary, const double *value)
{
    if (!depth || !boundary || !value)
        return dusk__array_fail(x->ctx, DUSK_EINVAL, "%s: %s is NULL", what,
                                !depth ? "depth" : !boundary ? "boundary" : "value");
    for (int d = 0; d < x->ndim; d++)
        if ((unsigned)boundary[d] > DUSK_BOUNDARY_NEAREST)
            return dusk__array_fail(x->ctx, DUSK_EINVAL, "%s: unknown boundary %d for axis %d",
                                    what, (int)boundary[d], d);
    for (int d = 0; d < x->ndim; d++)
        if (depth[d] < 0 || depth[d] > x->shape[d])
            return dusk__array_fail(x->ctx, DUSK_EINVAL, "%s: depth %lld of axis %d is not "
                                    "between 0 and its length %lld", what, (long long)depth[d],
                                    d, (long long)x->shape[d]);
    return NULL;
}

/* Dask's ensure_minimum_chunksize on every axis: the rechunk spec into
 * *spec (the caller frees it) and whether x needs it; an error array when
 * an axis is shorter than its depth. */
static dusk_array *min_spec(const char *what, dusk_array *x, const int64_t *depth, char **spec,
                            int *need)
{
    size_t cap = 16;
    for (int d = 0; d < x->ndim; d++)
        cap += (size_t)x->nb[d] * 22 + 8;
    int64_t *mc = dusk_malloc((size_t)(cap + 1) * sizeof *mc);
    char *sp = dusk_malloc(cap);
    *spec = NULL;
    *need = 0;
    if (!mc || !sp) {
        dusk_free(mc);
        dusk_free(sp);
        return dusk__array_oom(x->ctx, what);
    }
    size_t at = (size_t)snprintf(sp, cap, "(");
    for (int d = 0; d < x->ndim; d++) {
        int64_t n = min_chunks(depth[d], x->chunks[d], x->nb[d], mc);
        if (n < 0) {
            dusk_free(mc);
            dusk_free(sp);
            return dusk__array_fail(x->ctx, DUSK_EINVAL, "%s: the overlapping depth %lld is "
                                    "larger than axis %d of the array (%lld)", what,
                                    (long long)depth[d], d, (long long)x->shape[d]);
        }
        *need |= n != x->nb[d] || memcmp(mc, x->chunks[d], (size_t)n * sizeof *mc) != 0;
        fmt_chunks(sp + at, cap - at, mc, n);
        at += strlen(sp + at);
        at += (size_t)snprintf(sp + at, cap - at, ", ");
    }
    snprintf(sp + at, cap - at, ")");
    dusk_free(mc);
    *spec = sp;
    return NULL;
}

/* The arguments of the overlap and trim layers: (depths, per axis whether
 * it takes no boundary); none[d] filled. NULL when out of memory. */
static dusk_value *overlap_args(int ndim, const int64_t *depth, const dusk_boundary *boundary,
                                bool *none)
{
    dusk_value *dv[DUSK_MAXDIMS], *nv[DUSK_MAXDIMS];
    for (int d = 0; d < ndim; d++) {
        /* an axis without depth adds no boundary and trims nothing, whatever its kind */
        none[d] = !depth[d] || boundary[d] == DUSK_BOUNDARY_NONE;
        dv[d] = dusk_int(depth[d]);
        nv[d] = dusk_bool(none[d]);
    }
    dusk_value *items[2] = {dusk_tuple_of((size_t)ndim, dv), dusk_tuple_of((size_t)ndim, nv)};
    return dusk_tuple_of(2, items);
}

/* y (of chunks at least the depth) grown: the boundary, the 'overlap'
 * layer, and Dask's chunk.trim of the boundaries added. */
static dusk_array *grow(dusk_array *y, const int64_t *depth, const dusk_boundary *boundary,
                        const double *value, const bool *none, const dusk_value *dargs)
{
    int ndim = y->ndim, trims = 0;
    for (int d = 0; d < ndim && !y->status; d++)
        if (!none[d]) {
            y = add_boundary(y, d, depth[d], boundary[d], value[d]);
            trims = 1;
        }
    if (!y->status)
        y = overlap_internal(y, depth, dargs);
    if (!y->status && trims) {
        dusk_index ix[DUSK_MAXDIMS];
        for (int d = 0; d < ndim; d++)
            ix[d] = !none[d] ? (dusk_index){DUSK_IDX_SLICE, 2 * depth[d], -2 * depth[d], DUSK_NIL,
                                            NULL, 0}
                             : (dusk_index){DUSK_IDX_SLICE, 0, DUSK_NIL, DUSK_NIL, NULL, 0};
        y = dusk_array_getitem(y, ix, ndim);
    }
    return y;
}

/* Dask's trim_internal: depth off each side of each block of y, but the
 * array's own edges on axes without a boundary (dargs: overlap_args'). */
static dusk_array *trim_back(const char *what, dusk_array *y, const int64_t *depth,
                             const bool *none, dusk_value *dargs)
{
    size_t cap = 64;
    for (int d = 0; d < y->ndim; d++)
        cap += (size_t)y->nb[d] * 22 + 8;
    int64_t *tn = dusk_malloc((size_t)(dusk_array_nchunks(y) + y->ndim + 1) * 8);
    char *ts = tn ? dusk_malloc(cap) : NULL;
    if (!ts) {
        dusk_free(tn);
        return dusk__array_oom(y->ctx, what);
    }
    size_t at = (size_t)snprintf(ts, cap, "(");
    for (int d = 0; d < y->ndim; d++) {
        for (int64_t j = 0; j < y->nb[d]; j++) {
            int64_t c = y->chunks[d][j];
            c -= !none[d] ? 2 * depth[d]
                          : (j != 0) * depth[d] + (j != y->nb[d] - 1) * depth[d];
            if (c < 0) {
                dusk_free(ts);
                dusk_free(tn);
                return dusk__array_fail(y->ctx, DUSK_EINVAL, "%s: block %lld of axis %d holds "
                                        "%lld cells, fewer than the %lld to trim from it", what,
                                        (long long)j, d, (long long)y->chunks[d][j],
                                        (long long)(y->chunks[d][j] - c));
            }
            tn[j] = c;
        }
        fmt_chunks(ts + at, cap - at, tn, y->nb[d]);
        at += strlen(ts + at);
        at += (size_t)snprintf(ts + at, cap - at, ", ");
    }
    snprintf(ts + at, cap - at, ")");
    dusk_map_options to = DUSK_MAP_OPTIONS_INIT;
    to.name = "_trim";   /* Dask's name for the layer */
    to.chunks = ts;
    to.args = dargs;
    y = dusk_map_blocks(&trim, &y, 1, y->dtype, &to);
    dusk_free(ts);
    dusk_free(tn);
    return y;
}

dusk_array *dusk_map_overlap_axes(const dusk_block_func *f, dusk_array *x, const int64_t *depth,
                                  const dusk_boundary *boundary, const double *value, bool trimmed,
                                  dusk_dtype dtype, const dusk_map_options *opts)
{
    dusk_array *e = check_inputs("map_overlap", f, 0, &x, 1, dtype);
    if (!e)
        e = check_overlap("map_overlap", x, depth, boundary, value);
    if (e)
        return e;
    if (opts && (opts->drop_axis || opts->new_axis || opts->whole_name))
        return dusk__array_fail(x->ctx, DUSK_EINVAL, "map_overlap: drop_axis, new_axis and "
                                "whole_name are map_blocks' and blockwise's");
    int any = 0;
    for (int d = 0; d < x->ndim; d++)
        any |= depth[d] > 0;
    if (!any)
        return dusk_map_blocks(f, &x, 1, dtype, opts);
    pthread_once(&overlap_once, register_overlap);
    /* Dask without trim: the function's blocks have x's chunks (its chunks=) */
    char *xchunks = NULL;
    dusk_map_options fo = DUSK_MAP_OPTIONS_INIT;
    if (opts)
        fo = *opts;
    if (!trimmed && !fo.chunks) {
        size_t xcap = 16;
        for (int d = 0; d < x->ndim; d++)
            xcap += (size_t)x->nb[d] * 22 + 8;
        if (!(xchunks = dusk_malloc(xcap)))
            return dusk__array_oom(x->ctx, "map_overlap");
        size_t xat = (size_t)snprintf(xchunks, xcap, "(");
        for (int d = 0; d < x->ndim; d++) {
            fmt_chunks(xchunks + xat, xcap - xat, x->chunks[d], x->nb[d]);
            xat += strlen(xchunks + xat);
            xat += (size_t)snprintf(xchunks + xat, xcap - xat, ", ");
        }
        snprintf(xchunks + xat, xcap - xat, ")");
        fo.chunks = xchunks;
    }
    /* chunks of at least the depth */
    char *spec;
    int need;
    if ((e = min_spec("map_overlap", x, depth, &spec, &need))) {
        dusk_free(xchunks);
        return e;
    }
    if (need && xchunks) {
        dusk_free(spec);
        dusk_free(xchunks);
        return dusk__array_fail(x->ctx, DUSK_EINVAL, "map_overlap: without trim the function's "
                                "blocks have the array's chunks, and some are smaller than the "
                                "depth (rechunk first, or give chunks=)");
    }
    dusk_array *y = need ? dusk_array_rechunk(x, spec) : x;
    dusk_free(spec);
    bool none[DUSK_MAXDIMS];
    dusk_value *dargs = overlap_args(x->ndim, depth, boundary, none);
    if (!dargs) {
        dusk_free(xchunks);
        return dusk__array_oom(x->ctx, "map_overlap");
    }
    y = grow(y, depth, boundary, value, none, dargs);
    if (!y->status)
        y = dusk_map_blocks(f, &y, 1, dtype, &fo);
    dusk_free(xchunks);
    /* the trim: depth off each side of each block, as Dask's trim_internal */
    if (!y->status && trimmed)
        y = trim_back("map_overlap", y, depth, none, dargs);
    dusk_value_unref(dargs);
    return y;
}

dusk_array *dusk_array_overlap(dusk_array *x, const int64_t *depth, const dusk_boundary *boundary,
                               const double *value)
{
    dusk_array *e = dusk__array_bad_input(x, x);
    if (!e)
        e = check_overlap("overlap", x, depth, boundary, value);
    if (e)
        return e;
    /* every depth 0 still makes the overlap layer, as Dask's does */
    pthread_once(&overlap_once, register_overlap);
    char *spec;
    int need;
    if ((e = min_spec("overlap", x, depth, &spec, &need)))
        return e;
    dusk_array *y = need ? dusk_array_rechunk(x, spec) : x;
    dusk_free(spec);
    bool none[DUSK_MAXDIMS];
    dusk_value *dargs = overlap_args(x->ndim, depth, boundary, none);
    if (!dargs)
        return dusk__array_oom(x->ctx, "overlap");
    y = grow(y, depth, boundary, value, none, dargs);
    dusk_value_unref(dargs);
    return y;
}

dusk_array *dusk_array_trim_internal(dusk_array *x, const int64_t *depth,
                                     const dusk_boundary *boundary)
{
    static const double zeros[DUSK_MAXDIMS];
    dusk_array *e = dusk__array_bad_input(x, x);
    if (!e)
        e = check_overlap("trim_internal", x, depth, boundary, zeros);
    if (e)
        return e;
    pthread_once(&overlap_once, register_overlap);
    bool none[DUSK_MAXDIMS];
    dusk_value *dargs = overlap_args(x->ndim, depth, boundary, none);
    if (!dargs)
        return dusk__array_oom(x->ctx, "trim_internal");
    dusk_array *y = trim_back("trim_internal", x, depth, none, dargs);
    dusk_value_unref(dargs);
    return y;
}
