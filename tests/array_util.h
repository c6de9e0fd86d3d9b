/*
** dusk tests — helpers for tests/test_array.c (private to tests/)
**
** Reference element access written independently of core/nd.c, test data
** per dtype, a per-test context with a leak check, a scratch directory,
** a runner for h5dump, and N-d index arithmetic for reference loops.
** Everything is static inline. Include after <cmocka.h> and test_util.h.
*/
#ifndef DUSK_TEST_ARRAY_UTIL_H
#define DUSK_TEST_ARRAY_UTIL_H

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dusk.h"
#include "dusk/array.h"

/* --- dtypes ------------------------------------------------------------- */

#define NDT 11
static const dusk_dtype ALL_DT[NDT] = {
    DUSK_DT_F8, DUSK_DT_F4, DUSK_DT_I8, DUSK_DT_I4, DUSK_DT_I2, DUSK_DT_I1,
    DUSK_DT_U8, DUSK_DT_U4, DUSK_DT_U2, DUSK_DT_U1, DUSK_DT_BOOL,
};

static inline bool dt_float(dusk_dtype t) { return t == DUSK_DT_F8 || t == DUSK_DT_F4; }
static inline bool dt_unsigned(dusk_dtype t)
{
    return t == DUSK_DT_U8 || t == DUSK_DT_U4 || t == DUSK_DT_U2 || t == DUSK_DT_U1;
}
static inline bool dt_signed(dusk_dtype t)
{
    return t == DUSK_DT_I8 || t == DUSK_DT_I4 || t == DUSK_DT_I2 || t == DUSK_DT_I1;
}
static inline size_t dt_size(dusk_dtype t)
{
    switch (t) {
    case DUSK_DT_F8: case DUSK_DT_I8: case DUSK_DT_U8: return 8;
    case DUSK_DT_F4: case DUSK_DT_I4: case DUSK_DT_U4: return 4;
    case DUSK_DT_I2: case DUSK_DT_U2: return 2;
    default: return 1;
    }
}

/* Parses NumPy's short codes as Python printed them ("f8", "b1"). */
static inline dusk_dtype dt_of(const char *code)
{
    static const char *const codes[NDT] = {"f8", "f4", "i8", "i4", "i2", "i1",
                                           "u8", "u4", "u2", "u1", "b1"};
    for (int i = 0; i < NDT; i++)
        if (!strcmp(codes[i], code))
            return ALL_DT[i];
    fail_msg("unknown dtype code %s", code);
    return DUSK_DT_F8;
}

/* Element i of a C array of dtype t: as int64 (integers and bool; U8 as
 * its bit pattern), as uint64, as double. */
static inline int64_t ref_geti(const void *base, dusk_dtype t, int64_t i)
{
    const char *p = (const char *)base + (size_t)i * dt_size(t);
    switch (t) {
    case DUSK_DT_I8: { int64_t v; memcpy(&v, p, 8); return v; }
    case DUSK_DT_U8: { uint64_t v; memcpy(&v, p, 8); return (int64_t)v; }
    case DUSK_DT_I4: { int32_t v; memcpy(&v, p, 4); return v; }
    case DUSK_DT_U4: { uint32_t v; memcpy(&v, p, 4); return v; }
    case DUSK_DT_I2: { int16_t v; memcpy(&v, p, 2); return v; }
    case DUSK_DT_U2: { uint16_t v; memcpy(&v, p, 2); return v; }
    case DUSK_DT_I1: { int8_t v; memcpy(&v, p, 1); return v; }
    case DUSK_DT_U1: { uint8_t v; memcpy(&v, p, 1); return v; }
    case DUSK_DT_BOOL: { uint8_t v; memcpy(&v, p, 1); return v != 0; }
    case DUSK_DT_F8: { double v; memcpy(&v, p, 8); return (int64_t)v; }
    case DUSK_DT_F4: { float v; memcpy(&v, p, 4); return (int64_t)v; }
    default: return 0;
    }
}

static inline double ref_getf(const void *base, dusk_dtype t, int64_t i)
{
    const char *p = (const char *)base + (size_t)i * dt_size(t);
    switch (t) {
    case DUSK_DT_F8: { double v; memcpy(&v, p, 8); return v; }
    case DUSK_DT_F4: { float v; memcpy(&v, p, 4); return v; }
    case DUSK_DT_U8: return (double)(uint64_t)ref_geti(base, t, i);
    default: return (double)ref_geti(base, t, i);
    }
}

/* Stores the integer v (taken modulo 2^bits, as NumPy wraps). */
static inline void ref_seti(void *base, dusk_dtype t, int64_t i, int64_t v)
{
    char *p = (char *)base + (size_t)i * dt_size(t);
    switch (t) {
    case DUSK_DT_I8: case DUSK_DT_U8: memcpy(p, &v, 8); break;
    case DUSK_DT_I4: case DUSK_DT_U4: { uint32_t x = (uint32_t)(uint64_t)v; memcpy(p, &x, 4); break; }
    case DUSK_DT_I2: case DUSK_DT_U2: { uint16_t x = (uint16_t)(uint64_t)v; memcpy(p, &x, 2); break; }
    case DUSK_DT_I1: case DUSK_DT_U1: { uint8_t x = (uint8_t)(uint64_t)v; memcpy(p, &x, 1); break; }
    case DUSK_DT_BOOL: { uint8_t x = v != 0; memcpy(p, &x, 1); break; }
    case DUSK_DT_F8: { double d = (double)v; memcpy(p, &d, 8); break; }
    case DUSK_DT_F4: { float f = (float)v; memcpy(p, &f, 4); break; }
    default: break;
    }
}

static inline void ref_setf(void *base, dusk_dtype t, int64_t i, double v)
{
    char *p = (char *)base + (size_t)i * dt_size(t);
    if (t == DUSK_DT_F8)
        memcpy(p, &v, 8);
    else if (t == DUSK_DT_F4) {
        float f = (float)v;
        memcpy(p, &f, 4);
    } else if (t == DUSK_DT_BOOL)
        ref_seti(base, t, i, v != 0);
    else
        ref_seti(base, t, i, (int64_t)v);
}

/* --- test data ----------------------------------------------------------- */

static inline uint64_t au_rng(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x ? x : 0x1234567;
    return x * 0x2545F4914F6CDD1DULL;
}

enum {
    DATA_MIXED,    /* small values of both signs (unsigned: small), zeros,
                      and now and then the extremes of the dtype */
    DATA_SMALLPOS, /* 0..3: exponents that every dtype can take */
    DATA_NEARONE,  /* floats in [0.5, 1.5]; integers 1 and 2 */
};

/* n values of dtype t (malloc'd; free with free). */
static inline void *make_data(dusk_dtype t, int64_t n, uint64_t seed, int kind)
{
    void *buf = calloc((size_t)(n ? n : 1), dt_size(t));
    assert_non_null(buf);
    uint64_t s = seed * 0x9E3779B97F4A7C15ULL + 12345;
    for (int64_t i = 0; i < n; i++) {
        uint64_t r = au_rng(&s);
        if (t == DUSK_DT_BOOL) {
            ref_seti(buf, t, i, (int64_t)(r & 1));
            continue;
        }
        if (kind == DATA_SMALLPOS) {
            ref_seti(buf, t, i, (int64_t)(r % 4));
            continue;
        }
        if (kind == DATA_NEARONE) {
            if (dt_float(t))
                ref_setf(buf, t, i, 0.5 + (double)(r % 1001) / 1000.0);
            else
                ref_seti(buf, t, i, 1 + (int64_t)(r % 2));
            continue;
        }
        if (dt_float(t)) {
            double v = (double)((int64_t)(r % 2001) - 1000) / 64.0;  /* exact in f4 */
            if (r % 13 == 0)
                v = 0;
            ref_setf(buf, t, i, v);
        } else {
            int64_t v = dt_unsigned(t) ? (int64_t)(r % 20) : (int64_t)(r % 41) - 20;
            /* now and then an extreme, which exercises wrapping. uint64
             * stays below 2**26 here (its squares and products with the
             * test scalars below 2**53): its larger values have tests of
             * their own (test_uint64_*) */
            if (r % 11 == 0) {
                int bits = (int)dt_size(t) * 8;
                if (dt_unsigned(t))
                    v = bits == 64 ? ((int64_t)1 << 26) - 1 : (int64_t)((1ull << bits) - 1);
                else
                    v = bits == 64 ? INT64_MIN : -((int64_t)1 << (bits - 1));
            } else if (r % 11 == 1) {
                int bits = (int)dt_size(t) * 8;
                v = dt_unsigned(t) ? (bits == 64 ? ((int64_t)1 << 25) + 7
                                                 : (int64_t)((1ull << (bits - 1)) + 7))
                                   : (bits == 64 ? INT64_MAX : ((int64_t)1 << (bits - 1)) - 1);
            }
            ref_seti(buf, t, i, v);
        }
    }
    return buf;
}

/* --- N-d indices ---------------------------------------------------------- */

static inline int64_t count_of_shape(int ndim, const int64_t *shape)
{
    int64_t n = 1;
    for (int d = 0; d < ndim; d++)
        n *= shape[d];
    return n;
}

static inline void unravel(int64_t k, int ndim, const int64_t *shape, int64_t *idx)
{
    for (int d = ndim - 1; d >= 0; d--) {
        idx[d] = shape[d] ? k % shape[d] : 0;
        k = shape[d] ? k / shape[d] : 0;
    }
}

static inline int64_t ravel(int ndim, const int64_t *shape, const int64_t *idx)
{
    int64_t k = 0;
    for (int d = 0; d < ndim; d++)
        k = k * shape[d] + idx[d];
    return k;
}

/* Index of the element of an input of shape ishape (right-aligned,
 * broadcast) read for output index oidx of ondim axes. */
static inline int64_t bcast_index(int ondim, const int64_t *oidx, int indim, const int64_t *ishape)
{
    int64_t idx[DUSK_MAXDIMS];
    for (int d = 0; d < indim; d++) {
        int od = d + (ondim - indim);
        idx[d] = ishape[d] == 1 ? 0 : oidx[od];
    }
    return ravel(indim, ishape, idx);
}

/* --- comparing numbers ----------------------------------------------------- */

/* Equal as results of dtype t: NaN equals NaN, infinities equal
 * themselves, otherwise within rel (relative) or abs_tol. */
static inline bool close_enough(double got, double want, double rel, double abs_tol)
{
    if (isnan(want))
        return isnan(got);
    if (isinf(want))
        return got == want;
    if (isnan(got) || isinf(got))
        return false;
    double d = fabs(got - want);
    return d <= abs_tol || d <= rel * fabs(want);
}

/* --- running ----------------------------------------------------------------- */

static inline dusk_options opts_of(dusk_sched_kind k, int workers)
{
    dusk_options o = DUSK_OPTIONS_INIT;
    o.scheduler = k;
    o.workers = workers;
    return o;
}

/* Values a test holds, so that a test that fails half-way does not also
 * show up as a leak: release() drops one, release_all() (teardown) the
 * rest. */
static dusk_value *au_vals[1024];
static int au_nvals;

static inline dusk_value *track(dusk_value *v)
{
    if (v && au_nvals < (int)(sizeof au_vals / sizeof *au_vals))
        au_vals[au_nvals++] = v;
    return v;
}

static inline void release(dusk_value *v)
{
    for (int i = au_nvals - 1; i >= 0; i--)
        if (au_vals[i] == v) {
            au_vals[i] = au_vals[--au_nvals];
            break;
        }
    dusk_value_unref(v);
}

static inline void release_all(void)
{
    while (au_nvals > 0)
        dusk_value_unref(au_vals[--au_nvals]);
}

/* Computes a and checks that it worked; returns the ndarray (caller
 * releases). what names the case in a failure message. */
static inline dusk_value *compute_with(dusk_array *a, const dusk_options *o, const char *what)
{
    dusk_error err = DUSK_ERROR_INIT;
    dusk_value *v = NULL;
    if (dusk_array_status(a, &err))
        fail_msg("%s: building failed: %s", what, err.msg);
    int rc = dusk_array_compute(a, o, &v, &err);
    if (rc)
        fail_msg("%s: compute failed (%s): %s", what, dusk_err_name(rc), err.msg);
    assert_non_null(v);
    track(v);
    assert_int_equal(dusk_value_kind(v), DUSK_KIND_NDARRAY);
    return v;
}

static inline void assert_shape(const dusk_value *v, int ndim, const int64_t *shape,
                                const char *what)
{
    if (dusk_ndarray_ndim(v) != ndim)
        fail_msg("%s: result has %d axes, want %d", what, dusk_ndarray_ndim(v), ndim);
    for (int d = 0; d < ndim; d++)
        if (dusk_ndarray_shape(v)[d] != shape[d])
            fail_msg("%s: axis %d has length %lld, want %lld", what, d,
                     (long long)dusk_ndarray_shape(v)[d], (long long)shape[d]);
}

/* The array's chunks along axis as text "(5, 5, 3)". */
static inline const char *chunks_text(const dusk_array *a, int axis, char *buf, size_t n)
{
    const int64_t *c = dusk_array_chunks(a, axis);
    int64_t nb = dusk_array_numblocks(a, axis);
    size_t len = (size_t)snprintf(buf, n, "(");
    for (int64_t k = 0; k < nb && len < n; k++)
        len += (size_t)snprintf(buf + len, n - len, k ? ", %lld" : "%lld", (long long)c[k]);
    if (len < n)
        snprintf(buf + len, n - len, nb == 1 ? ",)" : ")");
    return buf;
}

#define assert_chunks(a, axis, want)                                              \
    do {                                                                          \
        char cb_[4096];                                                           \
        const char *got_ = chunks_text((a), (axis), cb_, sizeof cb_);             \
        if (strcmp(got_, (want)) != 0)                                            \
            fail_msg("chunks of axis %d: got %s, want %s", (axis), got_, (want)); \
    } while (0)

/* The array's status must be code, with a message containing needle. */
#define assert_array_error(a, code, needle)                                           \
    do {                                                                              \
        dusk_error e_ = DUSK_ERROR_INIT;                                              \
        int rc_ = dusk_array_status((a), &e_);                                        \
        if (rc_ != (code))                                                            \
            fail_msg("status %s (%s), want %s", dusk_err_name(rc_), e_.msg,           \
                     dusk_err_name(code));                                            \
        assert_contains(e_.msg, (needle));                                            \
    } while (0)

/* --- files ---------------------------------------------------------------------- */

/* Removes dir and everything under it (no symlinks followed). */
static inline void rm_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            char p[4096];
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            struct stat st;
            if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
                rm_tree(p);
            else
                unlink(p);
        }
        closedir(d);
    }
    rmdir(dir);
}

static inline bool file_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

/* Whole file into a malloc'd buffer (NULL if it cannot be read). */
static inline unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    unsigned char *buf = malloc(cap);
    size_t r;
    while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            unsigned char *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                buf = NULL;
            }
            buf = nb;
        }
    }
    fclose(f);
    *len = n;
    return buf;
}

/* How many entries of dir have names containing needle. */
static inline int count_entries_with(const char *dir, const char *needle)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strstr(e->d_name, needle))
            n++;
    closedir(d);
    return n;
}

/* --- h5dump ------------------------------------------------------------------------ */

static inline bool have_h5dump(void)
{
    return system("h5dump --version >/dev/null 2>&1") == 0;
}

typedef struct {
    char type[256];   /* the DATATYPE line's text, e.g. "H5T_IEEE_F64LE" */
    char **tok;       /* the values, as h5dump prints them */
    size_t n;
    char *text;       /* the whole output */
} h5dump_out;

static inline void h5dump_free(h5dump_out *o)
{
    for (size_t i = 0; i < o->n; i++)
        free(o->tok[i]);
    free(o->tok);
    free(o->text);
    memset(o, 0, sizeof *o);
}

/* Runs `h5dump -d dataset -y -w 0 -m %.17g path` and splits the DATA
 * block into values. 0 on success. extra: more options ("-p -H") to get
 * the header only (then no values). */
static inline int run_h5dump(const char *path, const char *dataset, const char *extra,
                             h5dump_out *o)
{
    memset(o, 0, sizeof *o);
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "h5dump %s -d '%s' -y -w 0 -m %%.17g '%s' 2>&1", extra ? extra : "",
             dataset, path);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    size_t cap = 1 << 16, n = 0, r;
    char *text = malloc(cap);
    while (text && (r = fread(text + n, 1, cap - n - 1, p)) > 0) {
        n += r;
        if (n + 1 >= cap) {
            char *t2 = realloc(text, cap *= 2);
            if (!t2)
                free(text);
            text = t2;
        }
    }
    int status = pclose(p);
    if (!text)
        return -1;
    text[n] = 0;
    o->text = text;
    if (status != 0)
        return -1;
    const char *dt = strstr(text, "DATATYPE");
    if (dt) {
        dt += strlen("DATATYPE");
        while (*dt == ' ')
            dt++;
        size_t k = 0;
        while (dt[k] && dt[k] != '\n' && k + 1 < sizeof o->type) {
            o->type[k] = dt[k];
            k++;
        }
        o->type[k] = 0;
        while (k && o->type[k - 1] == ' ')
            o->type[--k] = 0;
    }
    const char *d = strstr(text, "DATA {");
    if (!d)
        return 0;
    d += strlen("DATA {");
    const char *end = strchr(d, '}');
    if (!end)
        return -1;
    size_t tcap = 64;
    o->tok = malloc(tcap * sizeof *o->tok);
    for (const char *q = d; q < end;) {
        while (q < end && (*q == ',' || *q == ' ' || *q == '\n' || *q == '\t' || *q == '\r'))
            q++;
        if (q >= end)
            break;
        const char *s = q;
        while (q < end && !(*q == ',' || *q == ' ' || *q == '\n' || *q == '\t' || *q == '\r'))
            q++;
        if (o->n == tcap)
            o->tok = realloc(o->tok, (tcap *= 2) * sizeof *o->tok);
        o->tok[o->n++] = strndup(s, (size_t)(q - s));
    }
    return 0;
}

#endif /* DUSK_TEST_ARRAY_UTIL_H */
