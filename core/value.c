/*
** dusk — values: construction, references, reading and printing
**
** A value is one allocation: the header and, in a trailing area, what varies
** in size (a string's text, a tuple's item slots, an ndarray's shape and
** strides). An owning ndarray's data is a second allocation, 64-byte
** aligned for the array kernels. None, True and False are static and their
** reference counts are never looked at. Ints from -2^62 to 2^62 - 1 are no
** allocation at all: they travel in the pointer (core/value.h), so every
** function here asks dusk__is_imm before it reads a field.
*/
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dusk/alloc.h"
#include "value.h"

static dusk_value v_none = {.rc = 1, .kind = DUSK_KIND_NONE, .is_static = 1};
static dusk_value v_true = {.rc = 1, .kind = DUSK_KIND_BOOL, .is_static = 1, .u.b = true};
static dusk_value v_false = {.rc = 1, .kind = DUSK_KIND_BOOL, .is_static = 1, .u.b = false};

static dusk_value *value_alloc(dusk_kind kind, size_t extra)
{
    /* A number takes the header and its 8 bytes, not the union's largest
     * member (an ndarray's): 32 bytes of heap instead of 80, and graphs
     * hold millions of int literals. Only u.i or u.d is ever read. */
    size_t size = kind == DUSK_KIND_INT || kind == DUSK_KIND_FLOAT
                      ? offsetof(dusk_value, u) + sizeof(int64_t)
                      : sizeof(dusk_value) + extra;
    dusk_value *v = dusk_malloc(size);
    if (!v)
        return NULL;
    atomic_init(&v->rc, 1);
    v->kind = (unsigned char)kind;
    v->is_static = 0;
    v->depth = 0;
    return v;
}

dusk_value *dusk_none(void) { return &v_none; }
dusk_value *dusk_bool(bool b) { return b ? &v_true : &v_false; }

/* An int is carried in the pointer when it fits (core/value.h): a task
 * that returns a number then costs no malloc and no free, nor an atomic
 * reference count, which on small tasks was a third of the scheduler's
 * cost. Only the ints beyond +-2^62 are boxed, so each int has one form. */
dusk_value *dusk_int(int64_t i)
{
    if (dusk__int_fits_imm(i))
        return dusk__imm(i);
    dusk_value *v = value_alloc(DUSK_KIND_INT, 0);
    if (v)
        v->u.i = i;
    return v;
}

dusk_value *dusk_float(double d)
{
    dusk_value *v = value_alloc(DUSK_KIND_FLOAT, 0);
    if (v)
        v->u.d = d;
    return v;
}

dusk_value *dusk_string_n(const char *s, size_t n)
{
    if (!s && n)
        return NULL;
    dusk_value *v = value_alloc(DUSK_KIND_STRING, n + 1);
    if (!v)
        return NULL;
    v->u.str.len = n;
    v->u.str.s = (char *)(v + 1);
    if (n)
        memcpy(v->u.str.s, s, n);
    v->u.str.s[n] = '\0';
    return v;
}

dusk_value *dusk_string(const char *s) { return s ? dusk_string_n(s, strlen(s)) : NULL; }

dusk_value *dusk_tuple_new(size_t n)
{
    if (n > (SIZE_MAX - sizeof(dusk_value)) / sizeof(dusk_value *))
        return NULL;
    dusk_value *v = value_alloc(DUSK_KIND_TUPLE, n * sizeof(dusk_value *));
    if (!v)
        return NULL;
    v->depth = 1;
    v->u.tup.n = n;
    v->u.tup.items = (dusk_value **)(v + 1);
    for (size_t i = 0; i < n; i++)
        v->u.tup.items[i] = &v_none;
    return v;
}

dusk_value *dusk_tuple_of(size_t n, dusk_value **items)
{
    dusk_value *t = NULL;
    int ok = 1;
    if (!items && n)
        return NULL;
    int depth = 0;
    for (size_t i = 0; i < n; i++)
        if (!items[i])
            ok = 0;
        else if (dusk__depth(items[i]) > depth)
            depth = dusk__depth(items[i]);
    if (ok && depth < DUSK_MAX_DEPTH)   /* a too-deep item (DUSK__TOO_DEEP) fails too */
        t = dusk_tuple_new(n);
    if (!t) {
        for (size_t i = 0; i < n; i++)
            dusk_value_unref(items[i]);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        t->u.tup.items[i] = items[i];
    t->depth = (unsigned short)(depth + 1);
    return t;
}

dusk_value *dusk_opaque(void *ptr, void (*dtor)(void *), size_t nbytes)
{
    dusk_value *v = value_alloc(DUSK_KIND_OPAQUE, 0);
    if (!v)
        return NULL;
    v->u.op.ptr = ptr;
    v->u.op.dtor = dtor;
    v->u.op.nbytes = nbytes;
    return v;
}

static const struct {
    const char *name, *code;
    size_t size;
} dtypes[DUSK_DT_COUNT] = {
    [DUSK_DT_F8] = {"float64", "f8", 8},  [DUSK_DT_F4] = {"float32", "f4", 4},
    [DUSK_DT_I8] = {"int64", "i8", 8},    [DUSK_DT_I4] = {"int32", "i4", 4},
    [DUSK_DT_I2] = {"int16", "i2", 2},    [DUSK_DT_I1] = {"int8", "i1", 1},
    [DUSK_DT_U8] = {"uint64", "u8", 8},   [DUSK_DT_U4] = {"uint32", "u4", 4},
    [DUSK_DT_U2] = {"uint16", "u2", 2},   [DUSK_DT_U1] = {"uint8", "u1", 1},
    [DUSK_DT_BOOL] = {"bool", "b1", 1},  [DUSK_DT_C16] = {"complex128", "c16", 16},
    [DUSK_DT_C8] = {"complex64", "c8", 8}, [DUSK_DT_F2] = {"float16", "f2", 2},
};

const char *dusk_dtype_name(dusk_dtype t)
{
    return (unsigned)t < DUSK_DT_COUNT ? dtypes[t].name : "?";
}
const char *dusk_dtype_code(dusk_dtype t)
{
    return (unsigned)t < DUSK_DT_COUNT ? dtypes[t].code : "?";
}
size_t dusk_dtype_size(dusk_dtype t)
{
    return (unsigned)t < DUSK_DT_COUNT ? dtypes[t].size : 0;
}

/* An ndarray header with room for ndim shape and stride entries. */
static dusk_value *ndarray_header(dusk_dtype dtype, int ndim, const int64_t *shape,
                                  size_t *count)
{
    if ((unsigned)dtype >= DUSK_DT_COUNT || ndim < 0 || ndim > DUSK_MAXDIMS || (ndim && !shape))
        return NULL;
    /* The strides span the non-empty axes even when another axis is 0, so
     * that product must fit too (NumPy's rule), not only the element count. */
    size_t n = 1, span = 1;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0)
            return NULL;
        if (shape[i] && span > (size_t)PTRDIFF_MAX / 16 / (size_t)shape[i])
            return NULL;
        n *= (size_t)shape[i];
        span *= shape[i] ? (size_t)shape[i] : 1;
    }
    dusk_value *v = value_alloc(DUSK_KIND_NDARRAY, 2 * (size_t)ndim * sizeof(int64_t));
    if (!v)
        return NULL;
    dusk__ndarray *a = &v->u.nd;
    a->dtype = dtype;
    a->ndim = ndim;
    a->shape = (int64_t *)(v + 1);
    a->strides = a->shape + ndim;
    if (ndim)
        memcpy(a->shape, shape, (size_t)ndim * sizeof(int64_t));
    a->data = NULL;
    a->parent = NULL;
    a->nbytes = n * dtypes[dtype].size;
    *count = n;
    return v;
}

static dusk_value *ndarray_make(dusk_dtype dtype, int ndim, const int64_t *shape, int zero)
{
    size_t count;
    dusk_value *v = ndarray_header(dtype, ndim, shape, &count);
    if (!v)
        return NULL;
    dusk__ndarray *a = &v->u.nd;
    a->data = dusk__big_alloc(a->nbytes, zero);
    if (!a->data) {
        dusk_free(v);
        return NULL;
    }
    int64_t step = (int64_t)dtypes[dtype].size;
    for (int i = ndim - 1; i >= 0; i--) {
        a->strides[i] = step;
        step *= shape[i] ? shape[i] : 1;
    }
    return v;
}

dusk_value *dusk_ndarray_new(dusk_dtype dtype, int ndim, const int64_t *shape)
{
    return ndarray_make(dtype, ndim, shape, 1);
}

dusk_value *dusk_ndarray_empty(dusk_dtype dtype, int ndim, const int64_t *shape)
{
    return ndarray_make(dtype, ndim, shape, 0);
}

bool dusk_ndarray_is_contiguous(const dusk_value *v)
{
    if (dusk__kind(v) != DUSK_KIND_NDARRAY)
        return false;
    const dusk__ndarray *a = &v->u.nd;
    if (a->nbytes == 0)   /* nothing to lay out: contiguous, as in NumPy */
        return 1;
    int64_t step = (int64_t)dtypes[a->dtype].size;
    for (int i = a->ndim - 1; i >= 0; i--) {
        if (a->shape[i] != 1 && a->strides[i] != step)
            return 0;
        step *= a->shape[i];
    }
    return 1;
}

dusk_value *dusk_ndarray_view(dusk_value *parent, int ndim, const int64_t *shape,
                              const int64_t *strides, int64_t offset)
{
    if (dusk__kind(parent) != DUSK_KIND_NDARRAY || (ndim && (!shape || !strides)))
        return NULL;
    size_t count;
    dusk_value *v = ndarray_header(parent->u.nd.dtype, ndim, shape, &count);
    if (!v)
        return NULL;
    dusk__ndarray *a = &v->u.nd;
    if (ndim)
        memcpy(a->strides, strides, (size_t)ndim * sizeof(int64_t));
    a->data = parent->u.nd.data + offset;
    a->parent = dusk_value_ref(parent);
    return v;
}

dusk_value *dusk_value_ref(dusk_value *v)
{
    if (v && !dusk__is_imm(v) && !v->is_static)
        atomic_fetch_add_explicit(&v->rc, 1, memory_order_relaxed);
    return v;
}

/* The last references' way out, apart from dusk_value_unref so that
 * its test for what owns no memory (ints in the pointer, None, bools:
 * most results a small task drops) saves no register first. A view's
 * parent is let go of in this loop, not by recursion: views of views (and
 * decoded views of their owners) chain without limit. Tuples recurse, at
 * most DUSK_MAX_DEPTH deep. */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((noinline))
#endif
static void value_release(dusk_value *v)
{
    while (v && !dusk__is_imm(v) && !v->is_static &&
           atomic_fetch_sub_explicit(&v->rc, 1, memory_order_acq_rel) == 1) {
        dusk_value *next = NULL;
        switch (v->kind) {
        case DUSK_KIND_TUPLE:
            for (size_t i = 0; i < v->u.tup.n; i++)
                dusk_value_unref(v->u.tup.items[i]);
            break;
        case DUSK_KIND_OPAQUE:
            if (v->u.op.dtor)
                v->u.op.dtor(v->u.op.ptr);
            break;
        case DUSK_KIND_NDARRAY:
            if (v->u.nd.parent)
                next = v->u.nd.parent;
            else
                dusk__big_free(v->u.nd.data, v->u.nd.nbytes);
            break;
        default:
            break;
        }
        dusk_free(v);
        v = next;
    }
}

void dusk_value_unref(dusk_value *v)
{
    if (v && !dusk__is_imm(v) && !v->is_static)
        value_release(v);
}

dusk_kind dusk_value_kind(const dusk_value *v) { return dusk__kind(v); }

const char *dusk_kind_name(dusk_kind k)
{
    static const char *names[] = {"none", "bool", "int", "float",
                                  "string", "tuple", "ndarray", "opaque"};
    return (unsigned)k < sizeof names / sizeof *names ? names[k] : "?";
}

size_t dusk_value_nbytes(const dusk_value *v)
{
    switch (dusk__kind(v)) {
    case DUSK_KIND_NONE:
        return 0;
    case DUSK_KIND_BOOL:
    case DUSK_KIND_INT:
    case DUSK_KIND_FLOAT:
        return 8;
    case DUSK_KIND_STRING:
        return v->u.str.len;
    case DUSK_KIND_TUPLE: {
        size_t n = 8 * v->u.tup.n;
        for (size_t i = 0; i < v->u.tup.n; i++)
            n += dusk_value_nbytes(v->u.tup.items[i]);
        return n;
    }
    case DUSK_KIND_NDARRAY:
        return v->u.nd.nbytes;
    case DUSK_KIND_OPAQUE:
        return v->u.op.nbytes;
    }
    return 0;
}

bool dusk_value_number(const dusk_value *v, double *out)
{
    double ignored;
    if (!out)
        out = &ignored;
    switch (dusk__kind(v)) {
    case DUSK_KIND_BOOL: *out = v->u.b; return true;
    case DUSK_KIND_INT: *out = (double)dusk__int_of(v); return true;
    case DUSK_KIND_FLOAT: *out = v->u.d; return true;
    default: return false;
    }
}

bool dusk_value_bool(const dusk_value *v)
{
    switch (dusk__kind(v)) {
    case DUSK_KIND_BOOL: return v->u.b;
    case DUSK_KIND_INT: return dusk__int_of(v) != 0;
    case DUSK_KIND_FLOAT: return v->u.d != 0;
    case DUSK_KIND_STRING: return v->u.str.len != 0;
    case DUSK_KIND_TUPLE: return v->u.tup.n != 0;
    case DUSK_KIND_NONE: return false;
    default: return true;
    }
}

int64_t dusk_value_int(const dusk_value *v)
{
    switch (dusk__kind(v)) {
    case DUSK_KIND_BOOL: return v->u.b;
    case DUSK_KIND_INT: return dusk__int_of(v);
    case DUSK_KIND_FLOAT: return (int64_t)v->u.d;
    default: return 0;
    }
}

bool dusk_value_get_int(const dusk_value *v, int64_t *out)
{
    dusk_kind k = dusk__kind(v);
    if (k != DUSK_KIND_INT && k != DUSK_KIND_BOOL)
        return false;
    if (out)
        *out = k == DUSK_KIND_BOOL ? v->u.b : dusk__int_of(v);
    return true;
}

double dusk_value_float(const dusk_value *v)
{
    double d = 0;
    dusk_value_number(v, &d);
    return d;
}

const char *dusk_value_str(const dusk_value *v)
{
    return dusk__kind(v) == DUSK_KIND_STRING ? v->u.str.s : NULL;
}

size_t dusk_tuple_len(const dusk_value *v)
{
    return dusk__kind(v) == DUSK_KIND_TUPLE ? v->u.tup.n : 0;
}

dusk_value *dusk_tuple_get(const dusk_value *v, size_t i)
{
    return dusk__kind(v) == DUSK_KIND_TUPLE && i < v->u.tup.n ? v->u.tup.items[i] : NULL;
}

void dusk_tuple_set(dusk_value *t, size_t i, dusk_value *item)
{
    if (dusk__kind(t) != DUSK_KIND_TUPLE || i >= t->u.tup.n) {
        dusk_value_unref(item);
        return;
    }
    if (dusk__depth(item) >= DUSK_MAX_DEPTH) {
        /* Refused here, so that no walk ever recurses deeper than the
         * limit; the mark travels with t to whoever uses it. */
        dusk_value_unref(item);
        item = NULL;
        t->depth = DUSK__TOO_DEEP;
    } else if (dusk__depth(item) >= t->depth && t->depth != DUSK__TOO_DEEP) {
        t->depth = (unsigned short)(dusk__depth(item) + 1);
    }
    dusk_value_unref(t->u.tup.items[i]);
    t->u.tup.items[i] = item ? item : &v_none;
}

int dusk_value_depth(const dusk_value *v) { return dusk__depth(v); }
bool dusk_value_too_deep(const dusk_value *v) { return dusk__depth(v) > DUSK_MAX_DEPTH; }

void *dusk_opaque_ptr(const dusk_value *v)
{
    return dusk__kind(v) == DUSK_KIND_OPAQUE ? v->u.op.ptr : NULL;
}

/* Of anything but an ndarray (an int in the pointer included): 0 or NULL. */
static const dusk__ndarray *nd_of(const dusk_value *v)
{
    return dusk__kind(v) == DUSK_KIND_NDARRAY ? &v->u.nd : NULL;
}

dusk_dtype dusk_ndarray_dtype(const dusk_value *v)
{
    return nd_of(v) ? v->u.nd.dtype : (dusk_dtype)0;
}
int dusk_ndarray_ndim(const dusk_value *v) { return nd_of(v) ? v->u.nd.ndim : 0; }
const int64_t *dusk_ndarray_shape(const dusk_value *v) { return nd_of(v) ? v->u.nd.shape : NULL; }
const int64_t *dusk_ndarray_strides(const dusk_value *v)
{
    return nd_of(v) ? v->u.nd.strides : NULL;
}
void *dusk_ndarray_data(const dusk_value *v) { return nd_of(v) ? v->u.nd.data : NULL; }

int64_t dusk_ndarray_size(const dusk_value *v)
{
    if (!nd_of(v))
        return 0;
    int64_t n = 1;
    for (int i = 0; i < v->u.nd.ndim; i++)
        n *= v->u.nd.shape[i];
    return n;
}

/* --- printing ------------------------------------------------------------ */

typedef struct {
    char *buf;
    size_t cap, len;  /* len counts the whole text, even past cap */
} out_buf;

static void out_put(out_buf *o, const char *s, size_t n)
{
    if (o->len < o->cap) {
        size_t room = o->cap - 1 - o->len;
        memcpy(o->buf + o->len, s, n < room ? n : room);
    }
    o->len += n;
}

static void out_str(out_buf *o, const char *s) { out_put(o, s, strlen(s)); }

/* Python's repr of a float: the shortest digits that read back the same,
 * positional for exponents -4..15, scientific otherwise. */
static void float_repr(double d, char *buf, size_t n)
{
    if (isnan(d)) { snprintf(buf, n, "nan"); return; }
    if (isinf(d)) { snprintf(buf, n, d < 0 ? "-inf" : "inf"); return; }
    char tmp[40];
    int prec;
    for (prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec - 1, d);
        if (strtod(tmp, NULL) == d)
            break;
    }
    /* tmp is [-]D.DDDDe[+-]XX: collect the digits and the exponent. */
    const char *p = tmp;
    int neg = 0;
    if (*p == '-') { neg = 1; p++; }
    char digits[24];
    int nd = 0;
    for (; *p && *p != 'e'; p++)
        if (*p != '.')
            digits[nd++] = *p;
    int exp = atoi(p + 1);
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    digits[nd] = '\0';
    char *w = buf;
    size_t room = n;
#define PUT(c) do { if (room > 1) { *w++ = (c); room--; } } while (0)
    if (neg) PUT('-');
    if (exp >= -4 && exp < 16) {
        if (exp < 0) {
            PUT('0'); PUT('.');
            for (int i = -1; i > exp; i--) PUT('0');
            for (int i = 0; i < nd; i++) PUT(digits[i]);
        } else {
            for (int i = 0; i <= exp; i++) PUT(i < nd ? digits[i] : '0');
            PUT('.');
            if (nd > exp + 1)
                for (int i = exp + 1; i < nd; i++) PUT(digits[i]);
            else
                PUT('0');
        }
    } else {
        PUT(digits[0]);
        if (nd > 1) {
            PUT('.');
            for (int i = 1; i < nd; i++) PUT(digits[i]);
        }
        char e[16];
        snprintf(e, sizeof e, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
        for (char *c = e; *c; c++) PUT(*c);
    }
#undef PUT
    *w = '\0';
}

/* Everything but a tuple. Not inlined into repr, so that its buffers are
 * not in each frame of repr's recursion (once a tuple level). */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((noinline))
#endif
static void repr_scalar(out_buf *o, const dusk_value *v)
{
    char tmp[64];
    switch (dusk__kind(v)) {
    case DUSK_KIND_NONE: out_str(o, "None"); break;
    case DUSK_KIND_BOOL: out_str(o, v->u.b ? "True" : "False"); break;
    case DUSK_KIND_INT:
        snprintf(tmp, sizeof tmp, "%" PRId64, dusk__int_of(v));
        out_str(o, tmp);
        break;
    case DUSK_KIND_FLOAT:
        float_repr(v->u.d, tmp, sizeof tmp);
        out_str(o, tmp);
        break;
    case DUSK_KIND_STRING: {
        /* Python's choice: single quotes unless the text has a single
         * quote and no double quote. */
        const char *t = v->u.str.s;
        char q = memchr(t, '\'', v->u.str.len) && !memchr(t, '"', v->u.str.len) ? '"' : '\'';
        out_put(o, &q, 1);
        for (size_t i = 0; i < v->u.str.len; i++) {
            char c = t[i];
            if (c == q || c == '\\') { out_put(o, "\\", 1); out_put(o, &c, 1); }
            else if (c == '\n') out_str(o, "\\n");
            else if (c == '\t') out_str(o, "\\t");
            else if (c == '\r') out_str(o, "\\r");
            else out_put(o, &c, 1);
        }
        out_put(o, &q, 1);
        break;
    }
    case DUSK_KIND_TUPLE:
        break;   /* repr's */
    case DUSK_KIND_NDARRAY:
        out_str(o, "ndarray<");
        out_str(o, dusk_dtype_name(v->u.nd.dtype));
        out_str(o, ", (");
        for (int i = 0; i < v->u.nd.ndim; i++) {
            snprintf(tmp, sizeof tmp, i ? ", %" PRId64 : "%" PRId64, v->u.nd.shape[i]);
            out_str(o, tmp);
        }
        out_str(o, v->u.nd.ndim == 1 ? ",)>" : ")>");
        break;
    case DUSK_KIND_OPAQUE:
        snprintf(tmp, sizeof tmp, "<opaque %zu bytes>", v->u.op.nbytes);
        out_str(o, tmp);
        break;
    }
}

static void repr(out_buf *o, const dusk_value *v)
{
    if (dusk__kind(v) != DUSK_KIND_TUPLE) {
        repr_scalar(o, v);
        return;
    }
    out_put(o, "(", 1);
    for (size_t i = 0; i < v->u.tup.n; i++) {
        if (i)
            out_str(o, ", ");
        repr(o, v->u.tup.items[i]);
    }
    if (v->u.tup.n == 1)
        out_put(o, ",", 1);
    out_put(o, ")", 1);
}

size_t dusk_value_repr(const dusk_value *v, char *buf, size_t n)
{
    if (!buf)
        n = 0;
    if (!v) {
        if (n)
            buf[0] = '\0';
        return 0;
    }
    out_buf o = {buf, n, 0};
    repr(&o, v);
    if (n) {
        if (o.len < n) {
            buf[o.len] = '\0';
        } else {
            buf[n - 1] = '\0';
            for (size_t i = n >= 4 ? n - 4 : 0; i < n - 1; i++)
                buf[i] = '.';
        }
    }
    return o.len;
}

/* --- equality ------------------------------------------------------------ */

static bool ndarray_equal(const dusk__ndarray *a, const dusk__ndarray *b)
{
    if (a->dtype != b->dtype || a->ndim != b->ndim)
        return false;
    int64_t count = 1;
    for (int i = 0; i < a->ndim; i++) {
        if (a->shape[i] != b->shape[i])
            return false;
        count *= a->shape[i];
    }
    size_t es = dtypes[a->dtype].size;
    int64_t idx[DUSK_MAXDIMS] = {0};
    for (int64_t k = 0; k < count; k++) {
        int64_t oa = 0, ob = 0;
        for (int i = 0; i < a->ndim; i++) {
            oa += idx[i] * a->strides[i];
            ob += idx[i] * b->strides[i];
        }
        if (memcmp(a->data + oa, b->data + ob, es) != 0)
            return false;
        for (int i = a->ndim - 1; i >= 0; i--) {
            if (++idx[i] < a->shape[i])
                break;
            idx[i] = 0;
        }
    }
    return true;
}

bool dusk_value_equal(const dusk_value *a, const dusk_value *b)
{
    if (a == b)
        return true;
    if (!a || !b)
        return false;
    double x, y;
    if (dusk_value_number(a, &x) && dusk_value_number(b, &y)) {
        /* two ints compare exactly, beyond a double's 53 bits */
        if (dusk__kind(a) == DUSK_KIND_INT && dusk__kind(b) == DUSK_KIND_INT)
            return dusk__int_of(a) == dusk__int_of(b);
        return x == y;
    }
    if (dusk__kind(a) != dusk__kind(b))
        return false;
    switch (dusk__kind(a)) {
    case DUSK_KIND_NONE: return true;
    case DUSK_KIND_STRING:
        return a->u.str.len == b->u.str.len &&
               memcmp(a->u.str.s, b->u.str.s, a->u.str.len) == 0;
    case DUSK_KIND_TUPLE:
        if (a->u.tup.n != b->u.tup.n)
            return false;
        for (size_t i = 0; i < a->u.tup.n; i++)
            if (!dusk_value_equal(a->u.tup.items[i], b->u.tup.items[i]))
                return false;
        return true;
    case DUSK_KIND_NDARRAY: return ndarray_equal(&a->u.nd, &b->u.nd);
    case DUSK_KIND_OPAQUE: return a->u.op.ptr == b->u.op.ptr;
    default: return false;
    }
}
