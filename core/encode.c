/*
** dusk — values as bytes: encoding and decoding (include/dusk/encode.h)
**
** The format is specified once, in include/dusk/encode.h. Encoding is one
** walk of the value written twice: a first pass with no output only counts
** bytes (and refuses what cannot travel), the second writes into a buffer
** already known to be big enough, so it cannot fail. Both passes lay out
** ndarray padding from the same offsets, which count from the start of
** the header, so the size is exact.
**
** Decoding reads untrusted bytes. Invariant: d->pos <= d->len always, and
** every length is compared with d->len - d->pos (never added to pos first)
** before anything is read or allocated, so no count in the input can make
** the decoder read past the end or allocate more than a small multiple of
** the input's size. Recursion is bounded by DUSK_ENCODE_MAXDEPTH, so the
** stack stays small whatever the input. A failure drops every value made
** so far: a half-built tuple owns its items, so one unref frees them all.
**
** Views (dusk_value_decode_view) are ndarray values built here from the
** private layout in core/value.h: data points into the caller's buffer and
** the parent slot holds the owner, which dusk_value_unref drops as it
** drops a view's parent.
*/
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dusk/alloc.h"
#include "dusk/encode.h"
#include "util.h"
#include "value.h"

static const unsigned char MAGIC[4] = {'d', 's', 'k', DUSK_ENCODE_VERSION};
#define HEADER_LEN sizeof MAGIC

enum {
    TAG_NONE = 'N', TAG_FALSE = 'F', TAG_TRUE = 'T', TAG_INT = 'i',
    TAG_FLOAT = 'f', TAG_STRING = 's', TAG_TUPLE = 't', TAG_NDARRAY = 'a'
};

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define HOST_LITTLE 0
#else
#define HOST_LITTLE 1
#endif

/* Copies n elements of dtype t from src to dst, turning host order into
 * little-endian or back (the same swap both ways). c16 and c8 swap each
 * of their two halves. */
static void copy_elems(unsigned char *dst, const unsigned char *src, size_t n, dusk_dtype t)
{
    size_t es = dusk_dtype_size(t);
    if (HOST_LITTLE || es == 1) {
        memcpy(dst, src, n * es);
        return;
    }
    /* the width of one number */
    size_t w = t == DUSK_DT_C16 || t == DUSK_DT_C8 ? es / 2 : es;
    for (size_t i = 0; i < n * es; i += w)
        for (size_t b = 0; b < w; b++)
            dst[i + b] = src[i + w - 1 - b];
}

/* The element count of a shape (0 when an extent is 0), or -1 when the
 * product of its non-zero extents reaches 2^59, the format's limit: any
 * count times any item size then fits in 63 bits, and value.c accepts
 * the shape whatever the order of its extents. */
#define MAX_ELEMS ((int64_t)1 << 59)
static int64_t shape_count(int ndim, const int64_t *shape)
{
    int64_t prod = 1;
    int zero = 0;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0 || shape[i] >= MAX_ELEMS)
            return -1;
        if (shape[i] == 0)
            zero = 1;
        else if (__builtin_mul_overflow(prod, shape[i], &prod) || prod >= MAX_ELEMS)
            return -1;
    }
    return zero ? 0 : prod;
}

/* --- encoding ------------------------------------------------------------- */

typedef struct enc {
    unsigned char *out;      /* NULL in the counting pass */
    size_t pos;              /* bytes so far, from the header's first byte */
    dusk_error *err;
    int depth;               /* tuples entered */
    size_t path[DUSK_ENCODE_MAXDEPTH + 1];  /* item index at each depth */
} enc;

/* Where the walk is, as "[1][0]" (or "the top-level value"). */
static void enc_where(const enc *e, char *buf, size_t n)
{
    if (e->depth == 0) {
        snprintf(buf, n, "the top-level value");
        return;
    }
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; i < e->depth && len < n; i++) {
        int k = snprintf(buf + len, n - len, "[%zu]", e->path[i]);
        if (k < 0)
            break;
        len += (size_t)k;
    }
}

static int enc_fail(enc *e, int code, const char *what)
{
    char where[256];
    enc_where(e, where, sizeof where);
    return dusk_error_set(e->err, code, "encode: %s (at %s)", what, where);
}

/* Reserves n bytes: *at gets where to write them (NULL when counting).
 * Fails only when the size would overflow a size_t. */
static int enc_grow(enc *e, size_t n, unsigned char **at)
{
    size_t end;
    if (__builtin_add_overflow(e->pos, n, &end))
        return enc_fail(e, DUSK_EINVAL, "the encoding would be larger than memory");
    *at = e->out ? e->out + e->pos : NULL;
    e->pos = end;
    return 0;
}

static int put_bytes(enc *e, const void *p, size_t n)
{
    unsigned char *at = NULL;
    int rc = enc_grow(e, n, &at);
    if (rc == 0 && at && n)
        memcpy(at, p, n);
    return rc;
}

static int put_byte(enc *e, unsigned char b) { return put_bytes(e, &b, 1); }

static int put_varint(enc *e, uint64_t x)
{
    unsigned char tmp[10];
    size_t n = 0;
    while (x >= 0x80) {
        tmp[n++] = (unsigned char)(x | 0x80);
        x >>= 7;
    }
    tmp[n++] = (unsigned char)x;
    return put_bytes(e, tmp, n);
}

/* Writes v's count elements in C order at dst (the second pass only). */
static void write_elems(unsigned char *dst, const dusk_value *v, int64_t count)
{
    const dusk__ndarray *a = &v->u.nd;
    size_t es = dusk_dtype_size(a->dtype);
    if (count == 0)
        return;
    if (dusk_ndarray_is_contiguous(v)) {
        copy_elems(dst, (const unsigned char *)a->data, (size_t)count, a->dtype);
        return;
    }
    /* Row by row along the last axis; ndim >= 1 here, as a 0-d array is
     * contiguous. */
    int last = a->ndim - 1;
    size_t row = (size_t)a->shape[last];
    int64_t step = a->strides[last];
    int64_t idx[DUSK_MAXDIMS] = {0};
    for (;;) {
        int64_t off = 0;
        for (int i = 0; i < last; i++)
            off += idx[i] * a->strides[i];
        const unsigned char *src = (const unsigned char *)a->data + off;
        if (step == (int64_t)es) {
            copy_elems(dst, src, row, a->dtype);
        } else {
            for (size_t j = 0; j < row; j++)
                copy_elems(dst + j * es, src + (int64_t)j * step, 1, a->dtype);
        }
        dst += row * es;
        int i = last - 1;
        for (; i >= 0; i--) {
            if (++idx[i] < a->shape[i])
                break;
            idx[i] = 0;
        }
        if (i < 0)
            return;
    }
}

static int put_ndarray(enc *e, const dusk_value *v)
{
    const dusk__ndarray *a = &v->u.nd;
    size_t es = dusk_dtype_size(a->dtype);
    int64_t count = shape_count(a->ndim, a->shape);
    if (count < 0)
        return enc_fail(e, DUSK_EINVAL, "an ndarray's shape is too large to encode "
                                        "(its non-zero extents multiply to 2^59 or more)");
    int rc = put_byte(e, TAG_NDARRAY);
    if (!rc)
        rc = put_byte(e, (unsigned char)a->dtype);
    if (!rc)
        rc = put_byte(e, (unsigned char)a->ndim);
    for (int i = 0; i < a->ndim && !rc; i++)
        rc = put_varint(e, (uint64_t)a->shape[i]);
    if (rc)
        return rc;
    unsigned char *at = NULL;
    size_t pad = (DUSK_ENCODE_ALIGN - e->pos % DUSK_ENCODE_ALIGN) % DUSK_ENCODE_ALIGN;
    if ((rc = enc_grow(e, pad, &at)) != 0)
        return rc;
    if (at)
        memset(at, 0, pad);
    size_t total = (size_t)count * es;    /* the array is in memory: it fits */
    if ((rc = enc_grow(e, total, &at)) != 0)
        return rc;
    if (at)
        write_elems(at, v, count);
    return 0;
}

static int put_value(enc *e, const dusk_value *v)
{
    switch (dusk__kind(v)) {   /* an int may be in the pointer: no v-> for it */
    case DUSK_KIND_NONE:
        return put_byte(e, TAG_NONE);
    case DUSK_KIND_BOOL:
        return put_byte(e, v->u.b ? TAG_TRUE : TAG_FALSE);
    case DUSK_KIND_INT: {
        uint64_t u = (uint64_t)dusk__int_of(v);
        int rc = put_byte(e, TAG_INT);
        return rc ? rc : put_varint(e, (u << 1) ^ (0 - (u >> 63)));
    }
    case DUSK_KIND_FLOAT: {
        uint64_t bits;
        unsigned char le[8];
        memcpy(&bits, &v->u.d, 8);
        for (int i = 0; i < 8; i++)
            le[i] = (unsigned char)(bits >> (8 * i));
        int rc = put_byte(e, TAG_FLOAT);
        return rc ? rc : put_bytes(e, le, 8);
    }
    case DUSK_KIND_STRING: {
        int rc = put_byte(e, TAG_STRING);
        if (!rc)
            rc = put_varint(e, v->u.str.len);
        return rc ? rc : put_bytes(e, v->u.str.s, v->u.str.len);
    }
    case DUSK_KIND_TUPLE: {
        if (v->depth > DUSK_MAX_DEPTH)   /* it lost an item: encoding it would hide that */
            return enc_fail(e, DUSK_EINVAL, "a tuple that refused an item nested deeper "
                            "than DUSK_MAX_DEPTH");
        if (e->depth >= DUSK_ENCODE_MAXDEPTH) {
            char what[96];
            snprintf(what, sizeof what, "tuples nest more than %d deep",
                     DUSK_ENCODE_MAXDEPTH);
            return enc_fail(e, DUSK_EINVAL, what);
        }
        int rc = put_byte(e, TAG_TUPLE);
        if (!rc)
            rc = put_varint(e, v->u.tup.n);
        e->depth++;
        for (size_t i = 0; i < v->u.tup.n && !rc; i++) {
            e->path[e->depth - 1] = i;
            rc = put_value(e, v->u.tup.items[i]);
        }
        if (!rc)
            e->depth--;           /* on failure the path stays for the message */
        return rc;
    }
    case DUSK_KIND_NDARRAY:
        return put_ndarray(e, v);
    case DUSK_KIND_OPAQUE: {
        char what[160];
        snprintf(what, sizeof what,
                 "an opaque value (%zu bytes) cannot be encoded: opaque values "
                 "cannot travel to another process", v->u.op.nbytes);
        return enc_fail(e, DUSK_ETYPE, what);
    }
    }
    return enc_fail(e, DUSK_EINVAL, "a value of unknown kind");
}

/* One pass: counting when out is NULL, writing otherwise. */
static int encode_pass(const dusk_value *v, unsigned char *out, size_t *len, dusk_error *err)
{
    enc e;                     /* path[] is written before it is read */
    e.out = out;
    e.pos = 0;
    e.err = err;
    e.depth = 0;
    int rc = put_bytes(&e, MAGIC, HEADER_LEN);
    if (!rc)
        rc = put_value(&e, v);
    *len = rc ? 0 : e.pos;
    return rc;
}

size_t dusk_value_encoded_size(const dusk_value *v)
{
    size_t len = 0;
    if (!v || encode_pass(v, NULL, &len, NULL) != 0)
        return 0;
    return len;
}

int dusk_value_encode_to(const dusk_value *v, void *buf, size_t cap, size_t *len,
                         dusk_error *err)
{
    size_t need = 0, dummy;
    if (!len)
        len = &dummy;
    *len = 0;
    DUSK__NONNULL(err, v);
    int rc = encode_pass(v, NULL, &need, err);
    if (rc)
        return rc;
    if (!buf || cap < need) {
        *len = need;
        return dusk_error_set(err, DUSK_EINVAL,
                              "encode: the buffer holds %zu bytes, the encoding needs %zu",
                              buf ? cap : 0, need);
    }
    return encode_pass(v, buf, len, err);
}

int dusk_value_encode(const dusk_value *v, void **out, size_t *len, dusk_error *err)
{
    if (out)
        *out = NULL;
    if (len)
        *len = 0;
    DUSK__NONNULL(err, v);
    DUSK__NONNULL(err, out);
    DUSK__NONNULL(err, len);
    size_t need = 0;
    int rc = encode_pass(v, NULL, &need, err);
    if (rc)
        return rc;
    unsigned char *buf = dusk_malloc(need);
    if (!buf)
        return dusk_error_set(err, DUSK_ENOMEM, "encode: out of memory for %zu bytes", need);
    rc = encode_pass(v, buf, len, err);
    if (rc) {                  /* cannot happen: the first pass checked all */
        dusk_free(buf);
        return rc;
    }
    *out = buf;
    return 0;
}

/* --- decoding ------------------------------------------------------------- */

typedef struct dec {
    const unsigned char *p;
    size_t len, pos;          /* invariant: pos <= len */
    dusk_value *owner;        /* decode_view: what keeps p alive; else NULL */
    dusk_error *err;
} dec;

static size_t left(const dec *d) { return d->len - d->pos; }

/* DUSK_EINVAL with "decode: <what> at byte <at>". */
static int bad(dec *d, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int bad(dec *d, size_t at, const char *fmt, ...)
{
    char what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return dusk_error_set(d->err, DUSK_EINVAL, "decode: %s at byte %zu", what, at);
}

static int oom(dec *d, size_t at, const char *what)
{
    return dusk_error_set(d->err, DUSK_ENOMEM, "decode: out of memory for %s at byte %zu",
                          what, at);
}

static int get_varint(dec *d, uint64_t *out, const char *what)
{
    size_t start = d->pos;
    uint64_t x = 0;
    for (unsigned shift = 0;; shift += 7) {
        if (d->pos == d->len)
            return bad(d, start, "truncated input: %s ends inside its varint", what);
        unsigned b = d->p[d->pos++];
        if (shift == 63 && b > 1)
            return bad(d, start, "%s: varint does not fit in 64 bits", what);
        x |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            if (b == 0 && shift > 0)
                return bad(d, start, "%s: varint is not in its shortest form", what);
            break;
        }
    }
    *out = x;
    return 0;
}

/* An ndarray of the given header whose elements are the n bytes at p,
 * viewing them with d->owner as its parent. */
static dusk_value *nd_view(dec *d, dusk_dtype dtype, int ndim, const int64_t *shape,
                           const unsigned char *p, size_t n)
{
    dusk_value *v = dusk_malloc(sizeof *v + 2 * (size_t)ndim * sizeof(int64_t));
    if (!v)
        return NULL;
    atomic_init(&v->rc, 1);
    v->kind = DUSK_KIND_NDARRAY;
    v->is_static = 0;
    v->depth = 0;
    dusk__ndarray *a = &v->u.nd;
    a->dtype = dtype;
    a->ndim = ndim;
    a->shape = (int64_t *)(v + 1);
    a->strides = a->shape + ndim;
    int64_t step = (int64_t)dusk_dtype_size(dtype);
    for (int i = ndim - 1; i >= 0; i--) {
        a->shape[i] = shape[i];
        a->strides[i] = step;
        step *= shape[i];      /* n > 0: no extent is 0, and n < 2^63 */
    }
    a->data = (char *)(uintptr_t)p;   /* values are immutable: never written */
    a->parent = dusk_value_ref(d->owner);
    a->nbytes = n;
    return v;
}

static int get_ndarray(dec *d, size_t at, dusk_value **out)
{
    if (left(d) < 2)
        return bad(d, at, "truncated input: an ndarray header needs 2 bytes, %zu remain",
                   left(d));
    unsigned dt = d->p[d->pos], ndim = d->p[d->pos + 1];
    if (dt >= DUSK_DT_COUNT)
        return bad(d, d->pos, "bad dtype code %u (0 to %d are known)", dt, DUSK_DT_COUNT - 1);
    if (ndim > DUSK_MAXDIMS)
        return bad(d, d->pos + 1, "ndim %u is more than DUSK_MAXDIMS (%d)", ndim,
                   DUSK_MAXDIMS);
    d->pos += 2;
    int64_t shape[DUSK_MAXDIMS];
    for (unsigned i = 0; i < ndim; i++) {
        uint64_t x;
        size_t here = d->pos;
        int rc = get_varint(d, &x, "an ndarray extent");
        if (rc)
            return rc;
        if (x > INT64_MAX)
            return bad(d, here, "ndarray extent %u is %llu, more than 2^63 - 1", i,
                       (unsigned long long)x);
        shape[i] = (int64_t)x;
    }
    size_t es = dusk_dtype_size((dusk_dtype)dt);
    int64_t count = shape_count((int)ndim, shape);
    if (count < 0)
        return bad(d, at, "ndarray shape is too large (its non-zero extents multiply "
                          "to 2^59 or more)");
    size_t pad = (DUSK_ENCODE_ALIGN - d->pos % DUSK_ENCODE_ALIGN) % DUSK_ENCODE_ALIGN;
    if (pad > left(d))
        return bad(d, d->pos, "truncated input: ndarray padding of %zu bytes, %zu remain",
                   pad, left(d));
    for (size_t i = 0; i < pad; i++)
        if (d->p[d->pos + i] != 0)
            return bad(d, d->pos + i, "ndarray padding byte is 0x%02x, not 0",
                       d->p[d->pos + i]);
    d->pos += pad;
    uint64_t bytes = (uint64_t)count * es;   /* < 2^63 */
    if (bytes > left(d))
        return bad(d, d->pos, "truncated input: ndarray data of %llu bytes, %zu remain",
                   (unsigned long long)bytes, left(d));
    size_t total = (size_t)bytes;
    const unsigned char *src = d->p + d->pos;
    dusk_value *v;
    size_t align = es < 8 ? es : 8;          /* c16 is two f64s, c8 two f32s */
    if (d->owner && HOST_LITTLE && total > 0 && (uintptr_t)src % align == 0) {
        v = nd_view(d, (dusk_dtype)dt, (int)ndim, shape, src, total);
    } else {
        v = dusk_ndarray_empty((dusk_dtype)dt, (int)ndim, shape);
        if (v)
            copy_elems((unsigned char *)v->u.nd.data, src, (size_t)count, (dusk_dtype)dt);
    }
    if (!v)
        return oom(d, at, "an ndarray");
    d->pos += total;
    *out = v;
    return 0;
}

static int get_value(dec *d, int depth, dusk_value **out)
{
    *out = NULL;
    size_t at = d->pos;
    if (d->pos == d->len)
        return bad(d, at, "truncated input: a value was expected");
    unsigned tag = d->p[d->pos++];
    switch (tag) {
    case TAG_NONE:
        *out = dusk_none();
        return 0;
    case TAG_FALSE:
    case TAG_TRUE:
        *out = dusk_bool(tag == TAG_TRUE);
        return 0;
    case TAG_INT: {
        uint64_t z;
        int rc = get_varint(d, &z, "an int");
        if (rc)
            return rc;
        uint64_t u = (z >> 1) ^ (0 - (z & 1));
        int64_t i;
        memcpy(&i, &u, sizeof i);
        *out = dusk_int(i);
        return *out ? 0 : oom(d, at, "an int");
    }
    case TAG_FLOAT: {
        if (left(d) < 8)
            return bad(d, at, "truncated input: a float needs 8 bytes, %zu remain", left(d));
        uint64_t bits = 0;
        for (int i = 0; i < 8; i++)
            bits |= (uint64_t)d->p[d->pos + i] << (8 * i);
        d->pos += 8;
        double x;
        memcpy(&x, &bits, 8);
        *out = dusk_float(x);
        return *out ? 0 : oom(d, at, "a float");
    }
    case TAG_STRING: {
        uint64_t n;
        int rc = get_varint(d, &n, "a string's length");
        if (rc)
            return rc;
        if (n > left(d))
            return bad(d, at, "truncated input: a string of %llu bytes, %zu remain",
                       (unsigned long long)n, left(d));
        *out = dusk_string_n((const char *)d->p + d->pos, (size_t)n);
        if (!*out)
            return oom(d, at, "a string");
        d->pos += (size_t)n;
        return 0;
    }
    case TAG_TUPLE: {
        if (depth >= DUSK_ENCODE_MAXDEPTH)
            return bad(d, at, "tuples nest more than %d deep", DUSK_ENCODE_MAXDEPTH);
        uint64_t n;
        int rc = get_varint(d, &n, "a tuple's length");
        if (rc)
            return rc;
        if (n > left(d))       /* each item takes at least one byte */
            return bad(d, at, "truncated input: a tuple of %llu items, %zu bytes remain",
                       (unsigned long long)n, left(d));
        dusk_value *t = dusk_tuple_new((size_t)n);
        if (!t)
            return oom(d, at, "a tuple");
        for (size_t i = 0; i < n; i++) {
            dusk_value *item;
            if ((rc = get_value(d, depth + 1, &item)) != 0) {
                dusk_value_unref(t);
                return rc;
            }
            dusk_tuple_set(t, i, item);
        }
        *out = t;
        return 0;
    }
    case TAG_NDARRAY:
        return get_ndarray(d, at, out);
    default:
        return bad(d, at, "unknown tag 0x%02x", tag);
    }
}

static int decode(const void *buf, size_t len, dusk_value *owner, dusk_value **out,
                  size_t *used, dusk_error *err)
{
    if (!out)
        return dusk_error_set(err, DUSK_EINVAL, "decode: out must not be NULL");
    *out = NULL;
    if (used)
        *used = 0;
    if (!buf && len)
        return dusk_error_set(err, DUSK_EINVAL, "decode: no buffer (NULL)");
    dec d = {.p = buf, .len = len, .owner = owner, .err = err};
    if (len < HEADER_LEN)
        return bad(&d, 0, "truncated input: %zu bytes, a header needs %zu", len,
                   HEADER_LEN);
    if (memcmp(d.p, MAGIC, 3) != 0)
        return bad(&d, 0, "not a dusk encoding (the magic is not \"dsk\")");
    if (d.p[3] != DUSK_ENCODE_VERSION)
        return bad(&d, 3, "format version %u, this dusk reads version %d", d.p[3],
                   DUSK_ENCODE_VERSION);
    d.pos = HEADER_LEN;
    dusk_value *v;
    int rc = get_value(&d, 0, &v);
    if (rc)
        return rc;
    if (!used && d.pos != d.len) {
        dusk_value_unref(v);
        return bad(&d, d.pos, "trailing garbage: %zu bytes after the value", left(&d));
    }
    if (used)
        *used = d.pos;
    *out = v;
    return 0;
}

int dusk_value_decode(const void *buf, size_t len, dusk_value **out, size_t *used,
                      dusk_error *err)
{
    if (out)
        *out = NULL;
    if (used)
        *used = 0;
    if (len)
        DUSK__NONNULL(err, buf);
    DUSK__NONNULL(err, out);
    return decode(buf, len, NULL, out, used, err);
}

int dusk_value_decode_view(const void *buf, size_t len, dusk_value *owner,
                           dusk_value **out, size_t *used, dusk_error *err)
{
    if (out)
        *out = NULL;
    if (used)
        *used = 0;
    if (len)
        DUSK__NONNULL(err, buf);
    DUSK__NONNULL(err, owner);
    DUSK__NONNULL(err, out);
    return decode(buf, len, owner, out, used, err);
}
