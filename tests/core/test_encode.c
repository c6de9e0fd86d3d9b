/*
** dusk tests — values as bytes (include/dusk/encode.h)
**
** Round trips of every kind and dtype (bit-exact, views written
** contiguously), the exact bytes of a few encodings (the format in the
** header, pinned), sizes, caller buffers, refusals, hostile input (every
** truncation, named corruptions, seeded random mutations), decoding in
** place, out-of-memory at every allocation, and the fuzz seed corpus.
** Every test checks that dusk's live block count comes back.
*/
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dusk.h"
#include "helpers.h"

#define MAX_N 100000L

/* --- helpers --------------------------------------------------------------- */

/* Structural equality that also tells floats apart by their bits (NaN,
 * -0.0) and ints from floats: what a round trip must preserve. */
static bool same(const dusk_value *a, const dusk_value *b)
{
    if (dusk_value_kind(a) != dusk_value_kind(b))
        return false;
    switch (dusk_value_kind(a)) {
    case DUSK_KIND_FLOAT: {
        double x = dusk_value_float(a), y = dusk_value_float(b);
        return memcmp(&x, &y, sizeof x) == 0;
    }
    case DUSK_KIND_TUPLE:
        if (dusk_tuple_len(a) != dusk_tuple_len(b))
            return false;
        for (size_t i = 0; i < dusk_tuple_len(a); i++)
            if (!same(dusk_tuple_get(a, i), dusk_tuple_get(b, i)))
                return false;
        return true;
    default:
        return dusk_value_equal(a, b);
    }
}

static void unref_free(void *p) { dusk_free(p); }

static int dtor_calls;
static void counting_free(void *p)
{
    dtor_calls++;
    dusk_free(p);
}

/* Encodes v, checks the size function and both decoders, re-encodes and
 * compares the bytes; returns the encoding's size. */
static size_t roundtrip(const dusk_value *v)
{
    dusk_error err = DUSK_ERROR_INIT;
    void *buf = NULL;
    size_t len = 0;
    int rc = dusk_value_encode(v, &buf, &len, &err);
    if (rc)
        fail_msg("encode: %s", err.msg);
    assert_int_equal(len, dusk_value_encoded_size(v));
    assert_int_equal(((uintptr_t)buf) % DUSK_ENCODE_ALIGN, 0);

    dusk_value *back = NULL;
    rc = dusk_value_decode(buf, len, &back, NULL, &err);
    if (rc)
        fail_msg("decode: %s", err.msg);
    assert_true(same(v, back));
    void *again = NULL;
    size_t len2 = 0;
    assert_int_equal(dusk_value_encode(back, &again, &len2, &err), 0);
    assert_int_equal(len2, len);
    assert_memory_equal(again, buf, len);
    dusk_free(again);
    dusk_value_unref(back);

    /* in place: the buffer lives as long as the views need it */
    dusk_value *owner = dusk_opaque(buf, unref_free, len);
    assert_non_null(owner);
    size_t used = 0;
    rc = dusk_value_decode_view(buf, len, owner, &back, &used, &err);
    if (rc)
        fail_msg("decode_view: %s", err.msg);
    assert_int_equal(used, len);
    dusk_value_unref(owner);
    assert_true(same(v, back));
    dusk_value_unref(back);
    return len;
}

/* Encodes v into a new buffer (dusk_free it). */
static unsigned char *enc(const dusk_value *v, size_t *len)
{
    void *buf = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_value_encode(v, &buf, len, &err))
        fail_msg("encode: %s", err.msg);
    return buf;
}

/* Decoding these bytes must fail with DUSK_EINVAL, a message containing
 * want (when not NULL) and nothing left behind. */
static void assert_decode_fails(const void *buf, size_t len, const char *want)
{
    long live = dusk_alloc_live();
    dusk_error err = DUSK_ERROR_INIT;
    dusk_value *v = (dusk_value *)1;
    int rc = dusk_value_decode(buf, len, &v, NULL, &err);
    if (rc != DUSK_EINVAL)
        fail_msg("decode returned %d (%s), expected DUSK_EINVAL", rc, err.msg);
    assert_null(v);
    assert_int_equal(err.code, DUSK_EINVAL);
    assert_contains(err.msg, "at byte");
    if (want)
        assert_contains(err.msg, want);
    assert_int_equal(dusk_alloc_live(), live);
}

static void fill_random(void *p, size_t n, uint64_t seed)
{
    uint64_t s = seed * 0x9E3779B97F4A7C15ULL + 1;
    unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        b[i] = (unsigned char)(rng_next(&s) >> 56);
}

static dusk_value *random_array(dusk_dtype t, int ndim, const int64_t *shape, uint64_t seed)
{
    dusk_value *a = dusk_ndarray_new(t, ndim, shape);
    assert_non_null(a);
    fill_random(dusk_ndarray_data(a), dusk_value_nbytes(a), seed);
    return a;
}

/* A varied set of values, the samples the hostile-input tests corrupt. */
enum { NSAMPLES = 9 };
static void make_samples(dusk_value **s)
{
    int64_t sh2[2] = {3, 5}, sh0[1] = {0};
    s[0] = dusk_none();
    s[1] = dusk_int(-300);
    s[2] = dusk_float(-0.0);
    s[3] = dusk_string("hello, dusk");
    s[4] = random_array(DUSK_DT_F8, 2, sh2, 1);
    s[5] = random_array(DUSK_DT_C16, 0, NULL, 2);
    s[6] = random_array(DUSK_DT_I2, 1, sh0, 3);
    dusk_value *inner[3] = {dusk_bool(true), dusk_string(""), random_array(DUSK_DT_U1, 2, sh2, 4)};
    dusk_value *outer[4] = {dusk_int(INT64_MIN), dusk_tuple_of(3, inner),
                            dusk_float(NAN), random_array(DUSK_DT_I4, 1, sh2, 5)};
    s[7] = dusk_tuple_of(4, outer);
    s[8] = dusk_tuple_new(0);
    for (int i = 0; i < NSAMPLES; i++)
        assert_non_null(s[i]);
}

static void free_samples(dusk_value **s)
{
    for (int i = 0; i < NSAMPLES; i++)
        dusk_value_unref(s[i]);
}

/* --- round trips ------------------------------------------------------------- */

static void test_scalars(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    roundtrip(dusk_none());
    roundtrip(dusk_bool(true));
    roundtrip(dusk_bool(false));

    const int64_t ints[] = {0, 1, -1, 63, -64, 64, -65, 127, 128, 8191, -8192, 1 << 20,
                            INT32_MAX, INT32_MIN, (int64_t)1 << 62, -((int64_t)1 << 62),
                            INT64_MAX, INT64_MIN, INT64_MAX - 1, INT64_MIN + 1};
    for (size_t i = 0; i < sizeof ints / sizeof *ints; i++) {
        dusk_value *v = dusk_int(ints[i]);
        size_t len = roundtrip(v);
        assert_true(len <= 4 + 1 + 10);
        dusk_value_unref(v);
    }
    /* zig-zag keeps small magnitudes short, either sign */
    dusk_value *v = dusk_int(-64);
    assert_int_equal(dusk_value_encoded_size(v), 6);
    dusk_value_unref(v);

    uint64_t payload_nan = 0x7ff8dead0000beefULL, snan = 0x7ff0000000000001ULL;
    double nan1, nan2;
    memcpy(&nan1, &payload_nan, 8);
    memcpy(&nan2, &snan, 8);
    const double floats[] = {0.0, -0.0, 1.5, -2.25, INFINITY, -INFINITY, NAN, -NAN,
                             nan1, nan2, 4.9e-324, 2.2250738585072014e-308,
                             1.7976931348623157e308, 0.1};
    for (size_t i = 0; i < sizeof floats / sizeof *floats; i++) {
        v = dusk_float(floats[i]);
        assert_int_equal(roundtrip(v), 4 + 1 + 8);
        dusk_value_unref(v);
    }
    assert_int_equal(dusk_alloc_live(), live);
}

/* Ints on both sides of the range dusk keeps in the pointer (-2^62 ..
 * 2^62 - 1) encode the same way and decode to the same form: the ones in
 * the range without an allocation, the others boxed, alone or in a tuple. */
static void test_ints_across_the_pointer_boundary(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    const int64_t p62 = (int64_t)1 << 62;
    const struct { int64_t i; int boxed; const char *zigzag; size_t n; } cases[] = {
        {p62 - 1, 0, "\xfe\xff\xff\xff\xff\xff\xff\xff\x7f", 9},
        {p62, 1, "\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01", 10},
        {-p62, 0, "\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 9},
        {-p62 - 1, 1, "\x81\x80\x80\x80\x80\x80\x80\x80\x80\x01", 10},
        {INT64_MAX, 1, "\xfe\xff\xff\xff\xff\xff\xff\xff\xff\x01", 10},
        {INT64_MIN, 1, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 10},
        {255, 0, "\xfe\x03", 2},
        {-9, 0, "\x11", 1},
    };
    dusk_value *items[sizeof cases / sizeof *cases];
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        dusk_value *v = dusk_int(cases[k].i);
        size_t n;
        unsigned char *buf = enc(v, &n);
        assert_int_equal(n, 5 + cases[k].n);
        assert_memory_equal(buf + 5, cases[k].zigzag, cases[k].n);
        roundtrip(v);
        dusk_value *back = NULL;
        unsigned long c0 = dusk_alloc_calls();
        assert_int_equal(dusk_value_decode(buf, n, &back, NULL, NULL), 0);
        assert_int_equal(dusk_alloc_calls() - c0, cases[k].boxed);
        assert_int_equal(dusk_value_kind(back), DUSK_KIND_INT);
        assert_true(dusk_value_int(back) == cases[k].i);
        assert_true(dusk_value_equal(back, v));
        dusk_value_unref(back);
        dusk_free(buf);
        items[k] = v;
    }
    dusk_value *t = dusk_tuple_of(sizeof cases / sizeof *cases, items);
    assert_non_null(t);
    roundtrip(t);
    dusk_value_unref(t);
    assert_int_equal(dusk_alloc_live(), live);
}

static void test_strings(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_value *v = dusk_string("");
    assert_int_equal(roundtrip(v), 4 + 1 + 1);
    dusk_value_unref(v);
    v = dusk_string_n("a\0b\xff", 4);           /* any bytes, NUL included */
    roundtrip(v);
    dusk_value_unref(v);
    for (size_t n = 125; n <= 130; n++) {       /* the length's varint grows */
        char s[130];
        memset(s, 'x', n);
        v = dusk_string_n(s, n);
        assert_int_equal(roundtrip(v), 4 + 1 + (n < 128 ? 1 : 2) + n);
        dusk_value_unref(v);
    }
    size_t big = (size_t)3 << 20;
    char *s = malloc(big);
    assert_non_null(s);
    fill_random(s, big, 7);
    v = dusk_string_n(s, big);
    free(s);
    assert_int_equal(roundtrip(v), 4 + 1 + 4 + big);
    dusk_value_unref(v);
    assert_int_equal(dusk_alloc_live(), live);
}

static void test_every_dtype(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    static const int64_t shapes[][3] = {{0}, {7}, {0}, {3, 0, 2}, {2, 3, 4}, {1, 1, 1}, {17}};
    static const int ndims[] = {0, 1, 1, 3, 3, 3, 1};
    for (int t = 0; t < DUSK_DT_COUNT; t++) {
        for (size_t k = 0; k < sizeof ndims / sizeof *ndims; k++) {
            dusk_value *a = random_array((dusk_dtype)t, ndims[k], shapes[k], (uint64_t)(t * 10 + (int)k));
            size_t len = roundtrip(a);
            /* header 4 + tag, dtype, ndim + extents, padded to 16, then data */
            size_t head = 4 + 3;
            for (int i = 0; i < ndims[k]; i++)
                head += 1;
            size_t padded = (head + 15) / 16 * 16;
            assert_int_equal(len, padded + dusk_value_nbytes(a));
            /* the decoded array is contiguous, of the same dtype and shape */
            size_t n;
            unsigned char *buf = enc(a, &n);
            dusk_value *b = NULL;
            assert_int_equal(dusk_value_decode(buf, n, &b, NULL, NULL), 0);
            assert_int_equal(dusk_ndarray_dtype(b), t);
            assert_int_equal(dusk_ndarray_ndim(b), ndims[k]);
            if (ndims[k])
                assert_memory_equal(dusk_ndarray_shape(b), shapes[k],
                                    (size_t)ndims[k] * sizeof(int64_t));
            if (dusk_ndarray_size(b))  /* value.c calls no zero-size array contiguous */
                assert_true(dusk_ndarray_is_contiguous(b));
            assert_memory_equal(dusk_ndarray_data(b), buf + padded, dusk_value_nbytes(a));
            dusk_value_unref(b);
            dusk_free(buf);
            dusk_value_unref(a);
        }
    }
    assert_int_equal(dusk_alloc_live(), live);
}

static void test_views_travel_contiguously(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    int64_t shape[3] = {4, 5, 6};
    for (int t = 0; t < DUSK_DT_COUNT; t++) {
        dusk_value *p = random_array((dusk_dtype)t, 3, shape, (uint64_t)t + 100);
        int64_t es = (int64_t)dusk_dtype_size((dusk_dtype)t);
        const int64_t *st = dusk_ndarray_strides(p);
        struct { int ndim; int64_t shape[3], strides[3], offset; } views[] = {
            /* reversed along every axis */
            {3, {4, 5, 6}, {-st[0], -st[1], -st[2]}, 3 * st[0] + 4 * st[1] + 5 * st[2]},
            /* transposed */
            {3, {6, 5, 4}, {st[2], st[1], st[0]}, 0},
            /* every other row, every third column, odd offset into the parent */
            {2, {2, 2}, {2 * st[1], 3 * st[2]}, st[0] + es},
            /* a column (stride of a row) */
            {1, {5}, {st[1]}, 2 * es},
            /* negative and odd strides together */
            {2, {3, 2}, {-st[0], 5 * es}, 3 * st[0]},
            /* broadcast: a stride of 0 */
            {2, {3, 6}, {0, st[2]}, 0},
            /* a 0-d view of one element, and a zero-size view */
            {0, {0}, {0}, 7 * es},
            {2, {0, 6}, {st[1], st[2]}, 0},
        };
        for (size_t k = 0; k < sizeof views / sizeof *views; k++) {
            dusk_value *v = dusk_ndarray_view(p, views[k].ndim, views[k].shape,
                                              views[k].strides, views[k].offset);
            assert_non_null(v);
            roundtrip(v);
            size_t n;
            unsigned char *buf = enc(v, &n);
            dusk_value *b = NULL;
            assert_int_equal(dusk_value_decode(buf, n, &b, NULL, NULL), 0);
            if (dusk_ndarray_size(b))
                assert_true(dusk_ndarray_is_contiguous(b));
            assert_true(dusk_value_equal(v, b));
            assert_int_equal(dusk_value_nbytes(b), dusk_value_nbytes(v));
            dusk_value_unref(b);
            dusk_free(buf);
            dusk_value_unref(v);
        }
        dusk_value_unref(p);
    }
    assert_int_equal(dusk_alloc_live(), live);
}

static dusk_value *nest(int depth)
{
    dusk_value *v = dusk_int(depth);
    for (int i = 0; i < depth; i++) {
        dusk_value *items[2] = {v, dusk_none()};
        v = dusk_tuple_of(2, items);
        assert_non_null(v);
    }
    return v;
}

static void test_tuples(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_value *samples[NSAMPLES];
    make_samples(samples);
    for (int i = 0; i < NSAMPLES; i++)
        roundtrip(samples[i]);
    /* a tuple of all the samples, and one of that; arrays land at every
     * offset modulo 16 and are still aligned */
    dusk_value *items[NSAMPLES];
    for (int i = 0; i < NSAMPLES; i++)
        items[i] = dusk_value_ref(samples[i]);
    dusk_value *t = dusk_tuple_of(NSAMPLES, items);
    dusk_value *t2 = dusk_tuple_of(3, (dusk_value *[]){dusk_string("x"), dusk_value_ref(t),
                                                        dusk_value_ref(t)});
    roundtrip(t);
    roundtrip(t2);
    dusk_value_unref(t);
    dusk_value_unref(t2);

    int64_t one[1] = {1};
    for (int shift = 0; shift < 16; shift++) {
        char pre[16];
        memset(pre, 'p', sizeof pre);
        dusk_value *v = dusk_tuple_of(2, (dusk_value *[]){dusk_string_n(pre, (size_t)shift),
                                                           random_array(DUSK_DT_F8, 1, one, 9)});
        size_t n;
        unsigned char *buf = enc(v, &n);
        assert_int_equal((n - 8) % DUSK_ENCODE_ALIGN, 0);   /* elements end the buffer */
        dusk_value *owner = dusk_opaque(buf, unref_free, n);
        dusk_value *b = NULL;
        assert_int_equal(dusk_value_decode_view(buf, n, owner, &b, NULL, NULL), 0);
        dusk_value_unref(owner);
        assert_ptr_equal(dusk_ndarray_data(dusk_tuple_get(b, 1)), buf + n - 8);
        assert_true(same(v, b));
        dusk_value_unref(b);
        dusk_value_unref(v);
    }

    /* DUSK_ENCODE_MAXDEPTH tuples nest; one more is refused, both ways */
    dusk_value *deep = nest(DUSK_ENCODE_MAXDEPTH);
    roundtrip(deep);
    dusk_value_unref(deep);
    deep = nest(DUSK_ENCODE_MAXDEPTH + 1);
    dusk_error err = DUSK_ERROR_INIT;
    void *buf = (void *)1;
    size_t n = 1;
    assert_int_equal(dusk_value_encoded_size(deep), 0);
    assert_int_equal(dusk_value_encode(deep, &buf, &n, &err), DUSK_EINVAL);
    assert_null(buf);
    assert_int_equal(n, 0);
    assert_contains(err.msg, "nest more than 64 deep");
    assert_contains(err.msg, "[0][0][0]");
    dusk_value_unref(deep);

    unsigned char hostile[4 + 2 * 65 + 1];
    memcpy(hostile, "dsk\1", 4);
    for (int i = 0; i < 65; i++) {
        hostile[4 + 2 * i] = 't';
        hostile[5 + 2 * i] = 1;
    }
    hostile[sizeof hostile - 1] = 'N';
    assert_decode_fails(hostile, sizeof hostile, "tuples nest more than 64 deep at byte 132");
    /* a million nested tuples: refused early, the stack never grows */
    size_t big = 4 + 2 * 1000000 + 1;
    unsigned char *many = malloc(big);
    memcpy(many, "dsk\1", 4);
    for (size_t i = 0; i < 1000000; i++) {
        many[4 + 2 * i] = 't';
        many[5 + 2 * i] = 1;
    }
    many[big - 1] = 'N';
    assert_decode_fails(many, big, "nest more than 64 deep");
    free(many);

    free_samples(samples);
    assert_int_equal(dusk_alloc_live(), live);
}

/* The format in the header, byte for byte. */
static void test_exact_bytes(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    struct { dusk_value *v; const char *bytes; size_t n; } cases[] = {
        {dusk_none(), "dsk\1N", 5},
        {dusk_bool(true), "dsk\1T", 5},
        {dusk_bool(false), "dsk\1F", 5},
        {dusk_int(0), "dsk\1i\0", 6},
        {dusk_int(-1), "dsk\1i\1", 6},
        {dusk_int(1), "dsk\1i\2", 6},
        {dusk_int(300), "dsk\1i\xd8\x04", 7},
        {dusk_int(INT64_MIN), "dsk\1i\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 15},
        {dusk_float(1.0), "dsk\1f\0\0\0\0\0\0\xf0\x3f", 13},
        {dusk_float(-0.0), "dsk\1f\0\0\0\0\0\0\0\x80", 13},
        {dusk_string("ab"), "dsk\1s\2ab", 8},
        {dusk_tuple_of(2, (dusk_value *[]){dusk_int(1), dusk_none()}), "dsk\1t\2i\2N", 9},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        size_t n;
        unsigned char *buf = enc(cases[i].v, &n);
        assert_int_equal(n, cases[i].n);
        assert_memory_equal(buf, cases[i].bytes, n);
        dusk_free(buf);
        dusk_value_unref(cases[i].v);
    }
    /* u1 [1, 2, 3]: tag, dtype 9, ndim 1, extent 3, zero padding to 16 */
    int64_t sh[1] = {3};
    dusk_value *a = dusk_ndarray_new(DUSK_DT_U1, 1, sh);
    memcpy(dusk_ndarray_data(a), "\1\2\3", 3);
    size_t n;
    unsigned char *buf = enc(a, &n);
    assert_int_equal(n, 19);
    assert_memory_equal(buf, "dsk\1a\x09\x01\x03\0\0\0\0\0\0\0\0\1\2\3", 19);
    dusk_free(buf);
    dusk_value_unref(a);
    /* i4 [[1, -2]]: elements little-endian */
    int64_t sh2[2] = {1, 2};
    a = dusk_ndarray_new(DUSK_DT_I4, 2, sh2);
    int32_t el[2] = {1, -2};
    memcpy(dusk_ndarray_data(a), el, 8);
    buf = enc(a, &n);
    assert_int_equal(n, 24);
    assert_memory_equal(buf, "dsk\1a\x03\x02\x01\x02\0\0\0\0\0\0\0\1\0\0\0\xfe\xff\xff\xff", 24);
    dusk_free(buf);
    dusk_value_unref(a);
    assert_int_equal(dusk_alloc_live(), live);
}

/* --- sizes and caller buffers ------------------------------------------------ */

static void test_encode_to(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_value *samples[NSAMPLES];
    make_samples(samples);
    for (int i = 0; i < NSAMPLES; i++) {
        size_t need = dusk_value_encoded_size(samples[i]);
        assert_true(need >= 5);
        unsigned char *space = malloc(need + 32);
        unsigned char *buf = space;
        /* too small, down to nothing: fails, writes nothing, says how much */
        for (size_t cap = 0; cap < need; cap += (need > 64 ? 13 : 1)) {
            memset(space, 0xAA, need + 32);
            dusk_error err = DUSK_ERROR_INIT;
            size_t len = 0;
            assert_int_equal(dusk_value_encode_to(samples[i], buf, cap, &len, &err), DUSK_EINVAL);
            assert_int_equal(len, need);
            assert_contains(err.msg, "needs");
            for (size_t k = 0; k < need + 32; k++)
                assert_int_equal(space[k], 0xAA);
        }
        size_t len = 0;
        assert_int_equal(dusk_value_encode_to(samples[i], NULL, 0, &len, NULL), DUSK_EINVAL);
        assert_int_equal(len, need);
        /* exactly enough, and more than enough */
        for (size_t cap = need; cap <= need + 1; cap++) {
            memset(space, 0xAA, need + 32);
            assert_int_equal(dusk_value_encode_to(samples[i], buf, cap, &len, NULL), 0);
            assert_int_equal(len, need);
            assert_int_equal(space[need], 0xAA);
            size_t n2;
            unsigned char *ref = enc(samples[i], &n2);
            assert_memory_equal(ref, buf, need);
            dusk_free(ref);
        }
        free(space);
    }
    free_samples(samples);
    assert_int_equal(dusk_alloc_live(), live);
}

static void test_opaque_refused(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    int x = 0;
    dusk_value *op = dusk_opaque(&x, NULL, 24);
    dusk_error err = DUSK_ERROR_INIT;
    void *buf = (void *)1;
    size_t len = 1;
    assert_int_equal(dusk_value_encoded_size(op), 0);
    assert_int_equal(dusk_value_encode(op, &buf, &len, &err), DUSK_ETYPE);
    assert_null(buf);
    assert_int_equal(len, 0);
    assert_contains(err.msg, "opaque");
    assert_contains(err.msg, "cannot travel");
    assert_contains(err.msg, "24 bytes");
    assert_contains(err.msg, "top-level");

    dusk_value *t = dusk_tuple_of(2, (dusk_value *[]){
        dusk_int(1),
        dusk_tuple_of(1, (dusk_value *[]){dusk_value_ref(op)})});
    dusk_error_clear(&err);
    assert_int_equal(dusk_value_encoded_size(t), 0);
    assert_int_equal(dusk_value_encode(t, &buf, &len, &err), DUSK_ETYPE);
    assert_contains(err.msg, "opaque");
    assert_contains(err.msg, "at [1][0]");
    char space[64];
    len = 5;
    dusk_error_clear(&err);
    assert_int_equal(dusk_value_encode_to(t, space, sizeof space, &len, &err), DUSK_ETYPE);
    assert_int_equal(len, 0);
    assert_contains(err.msg, "opaque");
    dusk_value_unref(t);
    dusk_value_unref(op);

    /* bad arguments */
    assert_int_equal(dusk_value_encode(NULL, &buf, &len, NULL), DUSK_EINVAL);
    assert_int_equal(dusk_value_encode(dusk_none(), NULL, &len, NULL), DUSK_EINVAL);
    assert_int_equal(dusk_value_encoded_size(NULL), 0);
    dusk_value *v = (dusk_value *)1;
    assert_int_equal(dusk_value_decode(NULL, 4, &v, NULL, NULL), DUSK_EINVAL);
    assert_null(v);
    assert_int_equal(dusk_value_decode_view("dsk\1N", 5, NULL, &v, NULL, NULL), DUSK_EINVAL);
    assert_int_equal(dusk_alloc_live(), live);
}

/* --- hostile input --------------------------------------------------------------- */

static void test_every_truncation_fails(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_value *samples[NSAMPLES];
    make_samples(samples);
    for (int i = 0; i < NSAMPLES; i++) {
        size_t n;
        unsigned char *buf = enc(samples[i], &n);
        for (size_t cut = 0; cut < n; cut++) {
            /* a copy of exactly cut bytes, so ASan sees any overread */
            unsigned char *c = malloc(cut ? cut : 1);
            memcpy(c, buf, cut);
            assert_decode_fails(c, cut, "truncated input");
            size_t used = 99;
            dusk_value *v = (dusk_value *)1;
            assert_int_equal(dusk_value_decode(c, cut, &v, &used, NULL), DUSK_EINVAL);
            assert_null(v);
            assert_int_equal(used, 0);
            free(c);
        }
        dusk_free(buf);
    }
    free_samples(samples);
    assert_int_equal(dusk_alloc_live(), live);
}

static void test_trailing_bytes(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_value *samples[NSAMPLES];
    make_samples(samples);
    /* all the samples back to back, each aligned to 16 like a sender
     * would, read one by one with used */
    size_t total = 0, lens[NSAMPLES];
    for (int i = 0; i < NSAMPLES; i++) {
        lens[i] = dusk_value_encoded_size(samples[i]);
        total += (lens[i] + 15) / 16 * 16;
    }
    unsigned char *stream = dusk_calloc(1, total);
    size_t pos = 0;
    for (int i = 0; i < NSAMPLES; i++) {
        size_t len;
        assert_int_equal(dusk_value_encode_to(samples[i], stream + pos, total - pos, &len, NULL), 0);
        pos += (len + 15) / 16 * 16;
    }
    pos = 0;
    for (int i = 0; i < NSAMPLES; i++) {
        dusk_value *v = NULL;
        size_t used = 0;
        assert_int_equal(dusk_value_decode(stream + pos, total - pos, &v, &used, NULL), 0);
        assert_int_equal(used, lens[i]);
        assert_true(same(v, samples[i]));
        dusk_value_unref(v);
        if (lens[i] % 16) {  /* exactly one value wanted: the padding is garbage */
            char want[128];
            snprintf(want, sizeof want, "trailing garbage: %zu bytes after the value at byte %zu",
                     total - pos - lens[i], lens[i]);
            assert_decode_fails(stream + pos, total - pos, want);
        }
        pos += (lens[i] + 15) / 16 * 16;
    }
    dusk_free(stream);
    free_samples(samples);
    assert_int_equal(dusk_alloc_live(), live);
}

static void test_named_corruptions(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    static const struct { const char *bytes; size_t n; const char *want; } cases[] = {
        {"", 0, "truncated input: 0 bytes, a header needs 4 at byte 0"},
        {"DSK\1N", 5, "not a dusk encoding"},
        {"dsk\2N", 5, "format version 2, this dusk reads version 1 at byte 3"},
        {"dsk\1", 4, "a value was expected at byte 4"},
        {"dsk\1X", 5, "unknown tag 0x58 at byte 4"},
        {"dsk\1t\2NZ", 8, "unknown tag 0x5a at byte 7"},
        {"dsk\1i", 5, "ends inside its varint at byte 5"},
        {"dsk\1i\x80\x00", 7, "not in its shortest form at byte 5"},
        {"dsk\1i\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02", 15, "does not fit in 64 bits at byte 5"},
        {"dsk\1i\xff\xff\xff\xff\xff\xff\xff\xff\xff\x81\x01", 16, "does not fit in 64 bits"},
        {"dsk\1f\0\0\0", 8, "a float needs 8 bytes, 3 remain at byte 4"},
        {"dsk\1s\x05" "abcd", 10, "a string of 5 bytes, 4 remain at byte 4"},
        {"dsk\1s\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 15, "a string of 18446744073709551615 bytes"},
        {"dsk\1t\xff\xff\xff\xff\x0f", 10, "a tuple of 4294967295 items, 0 bytes remain"},
        {"dsk\1t\3NN", 7, "a tuple of 3 items, 1 bytes remain at byte 4"},
        {"dsk\1t\2i\2", 8, "a value was expected at byte 8"},
        {"dsk\1a\x0e\0", 7, "bad dtype code 14 (0 to 13 are known) at byte 5"},
        {"dsk\1a\xff\0", 7, "bad dtype code 255"},
        {"dsk\1a\0\x21", 7, "ndim 33 is more than DUSK_MAXDIMS (32) at byte 6"},
        {"dsk\1a\0", 6, "an ndarray header needs 2 bytes, 1 remain at byte 4"},
        {"dsk\1a\0\1", 7, "an ndarray extent ends inside its varint at byte 7"},
        {"dsk\1a\0\1\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 17, "ndarray extent 0 is 18446744073709551615"},
        {"dsk\1a\0\2\xff\xff\xff\xff\xff\xff\xff\xff\x7f\x02", 17, "ndarray shape is too large"},
        {"dsk\1a\x09\2\x80\x80\x80\x80\x80\x80\x80\x80\x04\x00", 17,
         "ndarray padding of 15 bytes, 0 remain at byte 17"},
        {"dsk\1a\x09\2\x80\x80\x80\x80\x80\x80\x80\x80\x08\x00", 17,
         "ndarray shape is too large (its non-zero extents multiply to 2^59 or more) at byte 4"},
        {"dsk\1a\x09\3\x02\x80\x80\x80\x80\x80\x80\x80\x80\x04\x00", 18,
         "ndarray shape is too large"},
        /* two extents below 2^59 whose product overflows 64 bits (found by
         * fuzz_decode) */
        {"dsk\1a\x09\2\x80\x80\x80\x80\x80\x80\x80\x80\x04\x80\x80\x80\x80\x80\x80\x80\x80\x04",
         25, "ndarray shape is too large"},
        {"dsk\1a\0\1\1\0\0\0\0\0\0", 14, "ndarray padding of 8 bytes, 6 remain at byte 8"},
        {"dsk\1a\0\1\1\0\0\0\0\0\0\7\0", 16, "padding byte is 0x07, not 0 at byte 14"},
        {"dsk\1a\0\1\1\0\0\0\0\0\0\0\0\1\2\3", 19, "ndarray data of 8 bytes, 3 remain at byte 16"},
        {"dsk\1NN", 6, "trailing garbage: 1 bytes after the value at byte 5"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        unsigned char *c = malloc(cases[i].n ? cases[i].n : 1);
        memcpy(c, cases[i].bytes, cases[i].n);
        assert_decode_fails(c, cases[i].n, cases[i].want);
        free(c);
    }
    /* a shape with a zero extent may have large others (nothing to send) */
    unsigned char zero_size[32] = "dsk\1a\x09\2\x80\x80\x80\x80\x80\x80\x80\x80\x04\x00";
    dusk_value *v = NULL;
    assert_int_equal(dusk_value_decode(zero_size, sizeof zero_size, &v, NULL, NULL), DUSK_OK);
    assert_int_equal(dusk_ndarray_size(v), 0);
    assert_true(dusk_ndarray_shape(v)[0] == (int64_t)1 << 58);
    roundtrip(v);
    dusk_value_unref(v);
    assert_int_equal(dusk_alloc_live(), live);
}

/* Seeded mutations of valid encodings: flips, random bytes, cuts and
 * inserts. Decoding must fail cleanly or give a value whose encoding is
 * the bytes it read (the format is canonical). */
static void test_random_mutations(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_value *samples[NSAMPLES];
    make_samples(samples);
    uint64_t s = 0x5eed;
    int ok = 0, failed = 0;
    for (int i = 0; i < NSAMPLES; i++) {
        size_t n;
        unsigned char *orig = enc(samples[i], &n);
        unsigned char *m = malloc(n + 8);
        for (int round = 0; round < 600; round++) {
            size_t len = n;
            memcpy(m, orig, n);
            int edits = 1 + (int)(rng_next(&s) % 3);
            for (int e = 0; e < edits && len; e++) {
                size_t at = (size_t)(rng_next(&s) % len);
                switch (rng_next(&s) % 4) {
                case 0: m[at] ^= (unsigned char)(1u << (rng_next(&s) % 8)); break;
                case 1: m[at] = (unsigned char)rng_next(&s); break;
                case 2: len = at; break;                            /* cut */
                default:                                            /* insert */
                    if (len < n + 8) {
                        memmove(m + at + 1, m + at, len - at);
                        m[at] = (unsigned char)rng_next(&s);
                        len++;
                    }
                }
            }
            unsigned char *c = malloc(len ? len : 1);
            memcpy(c, m, len);
            dusk_error err = DUSK_ERROR_INIT;
            dusk_value *v = NULL;
            size_t used = 0;
            int rc = dusk_value_decode(c, len, &v, &used, &err);
            if (rc == 0) {
                ok++;
                size_t n2;
                unsigned char *again = enc(v, &n2);
                assert_int_equal(n2, used);
                assert_memory_equal(again, c, used);
                dusk_free(again);
                dusk_value_unref(v);
            } else {
                failed++;
                assert_int_equal(rc, DUSK_EINVAL);
                assert_null(v);
                assert_contains(err.msg, "at byte");
            }
            free(c);
        }
        free(m);
        dusk_free(orig);
    }
    assert_int_equal(ok + failed, NSAMPLES * 600);
    assert_true(ok > 0 && failed > 0);
    free_samples(samples);
    assert_int_equal(dusk_alloc_live(), live);
}

/* --- decoding in place ------------------------------------------------------------ */

static void test_decode_view(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    int64_t sh[2] = {64, 33};
    dusk_value *a = random_array(DUSK_DT_F8, 2, sh, 11);
    dusk_value *z = dusk_ndarray_new(DUSK_DT_I4, 1, (int64_t[]){0});
    dusk_value *t = dusk_tuple_of(4, (dusk_value *[]){dusk_string("key"), dusk_value_ref(a),
                                                      dusk_int(5), dusk_value_ref(z)});
    size_t n;
    unsigned char *buf = enc(t, &n);
    dtor_calls = 0;
    dusk_value *owner = dusk_opaque(buf, counting_free, n);
    dusk_value *v = NULL;
    size_t used = 0;
    assert_int_equal(dusk_value_decode_view(buf, n, owner, &v, &used, NULL), 0);
    assert_int_equal(used, n);
    dusk_value_unref(owner);                  /* the view keeps it alive */
    assert_int_equal(dtor_calls, 0);
    const dusk_value *va = dusk_tuple_get(v, 1);
    const char *d = dusk_ndarray_data(va);
    assert_true(d >= (char *)buf && d + dusk_value_nbytes(va) <= (char *)buf + n);
    assert_true(dusk_ndarray_is_contiguous(va));
    assert_true(same(v, t));
    /* the zero-size array owns its (empty) data */
    const char *dz = dusk_ndarray_data(dusk_tuple_get(v, 3));
    assert_false(dz >= (char *)buf && dz < (char *)buf + n);
    /* a view taken of the decoded view works as any other */
    dusk_value *row = dusk_ndarray_view((dusk_value *)va, 1, (int64_t[]){33},
                                        (int64_t[]){8}, 8 * 33);
    dusk_value_unref(v);
    assert_int_equal(dtor_calls, 0);
    assert_true(((const double *)dusk_ndarray_data(row))[0] ==
                ((const double *)dusk_ndarray_data(a))[33]);
    dusk_value_unref(row);
    assert_int_equal(dtor_calls, 1);          /* the last view went */

    /* a buffer that does not start on an 8-byte boundary: arrays are copied */
    size_t n2;
    unsigned char *b2 = enc(a, &n2);
    unsigned char *odd = dusk_malloc(n2 + 1);
    memcpy(odd + 1, b2, n2);
    owner = dusk_opaque(odd, unref_free, n2 + 1);
    assert_int_equal(dusk_value_decode_view(odd + 1, n2, owner, &v, NULL, NULL), 0);
    dusk_value_unref(owner);
    d = dusk_ndarray_data(v);
    assert_false(d >= (char *)odd && d < (char *)odd + n2 + 1);
    assert_true(same(v, a));
    dusk_value_unref(v);
    dusk_free(b2);

    dusk_value_unref(t);
    dusk_value_unref(a);
    dusk_value_unref(z);
    assert_int_equal(dusk_alloc_live(), live);
}

/* --- out of memory ------------------------------------------------------------------- */

static void test_out_of_memory(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_value *samples[NSAMPLES];
    make_samples(samples);
    dusk_value *all = dusk_tuple_new(NSAMPLES);
    for (int i = 0; i < NSAMPLES; i++)
        dusk_tuple_set(all, (size_t)i, dusk_value_ref(samples[i]));
    size_t n;
    unsigned char *buf = enc(all, &n);
    dusk_value *keep = dusk_opaque(buf, unref_free, n);
    long base = dusk_alloc_live();
    for (int mode = 0; mode < 3; mode++) {
        long k;
        for (k = 0; k < MAX_N; k++) {
            dusk_error err = DUSK_ERROR_INIT;
            dusk_value *v = NULL;
            void *out = NULL;
            size_t len = 0;
            unsigned long c0 = dusk_alloc_calls();
            dusk_alloc_fail_after(k);
            int rc = mode == 0 ? dusk_value_decode(buf, n, &v, NULL, &err)
                   : mode == 1 ? dusk_value_decode_view(buf, n, keep, &v, NULL, &err)
                               : dusk_value_encode(all, &out, &len, &err);
            dusk_alloc_fail_after(-1);
            int injected = dusk_alloc_calls() - c0 > (unsigned long)k;
            if (rc) {
                assert_int_equal(rc, DUSK_ENOMEM);
                assert_true(injected);
                assert_null(v);
                assert_null(out);
                assert_contains(err.msg, "out of memory");
                assert_int_equal(dusk_alloc_live(), base);
                continue;
            }
            if (mode < 2) {
                assert_true(same(v, all));
                dusk_value_unref(v);
            } else {
                assert_int_equal(len, n);
                assert_memory_equal(out, buf, n);
                dusk_free(out);
            }
            assert_int_equal(dusk_alloc_live(), base);
            if (!injected)
                break;
        }
        assert_true(k > (mode < 2 ? 10 : 0));
    }
    dusk_value_unref(keep);
    dusk_value_unref(all);
    free_samples(samples);
    assert_int_equal(dusk_alloc_live(), live);
}

/* --- the fuzz corpus ---------------------------------------------------------------- */

/* Every seed of tests/fuzz/corpus/decode/ decodes and encodes back to
 * itself, so the corpus keeps up with the format. */
static void test_fuzz_corpus(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    const char *dir = "tests/fuzz/corpus/decode";
    DIR *dp = opendir(dir);
    if (!dp)
        skip();
    int seeds = 0;
    struct dirent *de;
    while ((de = readdir(dp)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        unsigned char *data = malloc(1 << 20);
        size_t n = fread(data, 1, 1 << 20, f);
        fclose(f);
        dusk_error err = DUSK_ERROR_INIT;
        dusk_value *v = NULL;
        if (dusk_value_decode(data, n, &v, NULL, &err))
            fail_msg("%s: %s", path, err.msg);
        size_t n2;
        unsigned char *again = enc(v, &n2);
        assert_int_equal(n2, n);
        assert_memory_equal(again, data, n);
        dusk_free(again);
        dusk_value_unref(v);
        free(data);
        seeds++;
    }
    closedir(dp);
    assert_true(seeds >= 5);
    assert_int_equal(dusk_alloc_live(), live);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_scalars, reset_alloc),
        cmocka_unit_test_teardown(test_ints_across_the_pointer_boundary, reset_alloc),
        cmocka_unit_test_teardown(test_strings, reset_alloc),
        cmocka_unit_test_teardown(test_every_dtype, reset_alloc),
        cmocka_unit_test_teardown(test_views_travel_contiguously, reset_alloc),
        cmocka_unit_test_teardown(test_tuples, reset_alloc),
        cmocka_unit_test_teardown(test_exact_bytes, reset_alloc),
        cmocka_unit_test_teardown(test_encode_to, reset_alloc),
        cmocka_unit_test_teardown(test_opaque_refused, reset_alloc),
        cmocka_unit_test_teardown(test_every_truncation_fails, reset_alloc),
        cmocka_unit_test_teardown(test_trailing_bytes, reset_alloc),
        cmocka_unit_test_teardown(test_named_corruptions, reset_alloc),
        cmocka_unit_test_teardown(test_random_mutations, reset_alloc),
        cmocka_unit_test_teardown(test_decode_view, reset_alloc),
        cmocka_unit_test_teardown(test_out_of_memory, reset_alloc),
        cmocka_unit_test_teardown(test_fuzz_corpus, reset_alloc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
