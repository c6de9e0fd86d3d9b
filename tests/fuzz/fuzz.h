/*
** dusk fuzz targets — what they share. This file is private to tests/fuzz/.
**
** A target checks properties of what dusk does with its input and calls
** abort() (through FUZZ_CHECK or fuzz_fail) when one does not hold, so
** that libFuzzer keeps the input as a crash, with the message before it.
*/
#ifndef DUSK_FUZZ_H
#define DUSK_FUZZ_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dusk/alloc.h"
#include "dusk/array.h"

#define FUZZ_CHECK(c)                                                        \
    do {                                                                     \
        if (!(c))                                                            \
            fuzz_fail("check failed: %s (%s:%d)", #c, __FILE__, __LINE__);   \
    } while (0)

__attribute__((format(printf, 1, 2), noreturn, unused))
static void fuzz_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("dusk fuzz: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

__attribute__((unused)) static char fuzz_scratch_path[512];

__attribute__((unused)) static void fuzz_scratch_remove(void) { unlink(fuzz_scratch_path); }

/* The path of a target's one scratch file, <dir>/dusk-fuzz-<pid>-<name>,
 * removed at exit; dir is $TMPDIR, else /dev/shm (memory) when there is
 * one, else /tmp. */
__attribute__((unused))
static const char *fuzz_scratch(const char *name)
{
    if (!fuzz_scratch_path[0]) {
        const char *t = getenv("TMPDIR");
        if (!t || !*t)
            t = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(fuzz_scratch_path, sizeof fuzz_scratch_path, "%s/dusk-fuzz-%ld-%s", t,
                 (long)getpid(), name);
        atexit(fuzz_scratch_remove);
    }
    return fuzz_scratch_path;
}

/* The input as a string (it ends at its first NUL), dusk_malloc'd. */
__attribute__((unused))
static char *fuzz_text(const uint8_t *data, size_t size)
{
    char *s = dusk_malloc(size + 1);
    if (s) {
        memcpy(s, data, size);
        s[size] = '\0';
    }
    return s;
}

/* Cuts s at its first newline: returns what follows (NULL when none). */
__attribute__((unused))
static char *fuzz_line(char *s)
{
    char *nl = s ? strchr(s, '\n') : NULL;
    if (!nl)
        return NULL;
    *nl = '\0';
    return nl + 1;
}

/* A line "<dtype code> <lengths>", as "i4 (100, 20)" or "f8 7": the dtype
 * (f8 when the first word is not a code) and up to DUSK_MAXDIMS lengths,
 * each cut to at most max. */
__attribute__((unused))
static void fuzz_array_line(const char *s, int64_t max, dusk_dtype *dtype, dusk_shape *shape)
{
    *dtype = DUSK_DT_F8;
    for (int t = 0; t <= DUSK_DT_C16; t++) {
        size_t n = strlen(dusk_dtype_code((dusk_dtype)t));
        if (strncmp(s, dusk_dtype_code((dusk_dtype)t), n) == 0 && (!s[n] || s[n] == ' ')) {
            *dtype = (dusk_dtype)t;
            s += n;
            break;
        }
    }
    shape->ndim = 0;
    while (*s && shape->ndim < DUSK_MAXDIMS) {
        if (*s < '0' || *s > '9') {
            s++;
            continue;
        }
        int64_t v = 0;
        for (; *s >= '0' && *s <= '9'; s++)
            v = v > max ? v : v * 10 + (*s - '0');
        shape->v[shape->ndim++] = v > max ? max : v;
    }
}

/* Elements of a shape, or -1 past limit. */
__attribute__((unused))
static int64_t fuzz_nelem(const dusk_shape *shape, int64_t limit)
{
    int64_t n = 1;
    for (int d = 0; d < shape->ndim; d++)
        if (shape->v[d] == 0)
            return 0;
    for (int d = 0; d < shape->ndim; d++) {
        if (shape->v[d] > limit / n)
            return -1;
        n *= shape->v[d];
    }
    return n;
}

/* Computes a on the sync scheduler: 0 and *out, or dusk_array_compute's
 * code with the message in err. */
__attribute__((unused))
static int fuzz_compute(dusk_array *a, dusk_value **out, dusk_error *err)
{
    dusk_options o = DUSK_OPTIONS_INIT;
    o.scheduler = DUSK_SCHED_SYNC;
    o.workers = 1;
    *out = NULL;
    return dusk_array_compute(a, &o, out, err);
}

/* Checks what an array that is not in an error state says of itself: its
 * blocks along each axis add up to its length, none is empty (but the one
 * block of an empty axis, and, when empty_blocks is set, those that Dask's
 * slicing leaves empty too: x[0:5:5] on chunks (4, 4, 2) has chunks
 * (1, 0)), and the total is their product. */
__attribute__((unused))
static void fuzz_check_grid(const dusk_array *a, int empty_blocks)
{
    int64_t total = 1;
    int ndim = dusk_array_ndim(a);
    FUZZ_CHECK(ndim >= 0 && ndim <= DUSK_MAXDIMS);
    for (int d = 0; d < ndim; d++) {
        int64_t nb = dusk_array_numblocks(a, d), sum = 0, len = dusk_array_shape(a)[d];
        const int64_t *c = dusk_array_chunks(a, d);
        FUZZ_CHECK(nb >= 1);
        for (int64_t k = 0; k < nb; k++) {
            FUZZ_CHECK(c[k] >= 1 || (len == 0 && nb == 1 && c[k] == 0) ||
                       (empty_blocks && c[k] == 0));
            FUZZ_CHECK(c[k] <= len - sum);
            sum += c[k];
        }
        FUZZ_CHECK(sum == len);
        total = total > INT64_MAX / nb ? -1 : total < 0 ? -1 : total * nb;
    }
    if (total >= 0)
        FUZZ_CHECK(dusk_array_nchunks(a) == total);
    char buf[2048];
    FUZZ_CHECK(dusk_array_describe(a, buf, sizeof buf) > 0);
}

/* Fills buf with n elements of dtype that are all different (as bytes;
 * bool: 0 and 1 in turn): element i holds i's low bytes. */
__attribute__((unused))
static void fuzz_counting(void *buf, int64_t n, dusk_dtype dtype)
{
    size_t esize = dusk_dtype_size(dtype);
    unsigned char *p = buf;
    for (int64_t i = 0; i < n; i++)
        for (size_t b = 0; b < esize; b++)
            *p++ = dtype == DUSK_DT_BOOL ? (unsigned char)(i & 1)
                   : b < 8 ? (unsigned char)((uint64_t)i >> (8 * b)) : 0;
}

/* The input of the array targets: a line of dtype and shape, a line of
 * chunks and a line for the target (*third NULL when absent). NULL, and
 * nothing kept, without chunks, or without a third line when need_third.
 * Fills the array's dtype and shape and returns the text (dusk_free it)
 * holding the lines. */
__attribute__((unused))
static char *fuzz_array_input(const uint8_t *data, size_t size, int need_third, char **chunks,
                              char **third, dusk_dtype *dtype, dusk_shape *shape)
{
    char *text = fuzz_text(data, size);
    if (!text)
        return NULL;
    *chunks = fuzz_line(text);
    *third = fuzz_line(*chunks);
    fuzz_array_line(text, (int64_t)1 << 20, dtype, shape);
    if (*dtype == DUSK_DT_C16)  /* for storage only: arrays are not made of it */
        *dtype = DUSK_DT_F8;
    if (!*chunks || (need_third && !*third)) {
        dusk_free(text);
        return NULL;
    }
    return text;
}

/* The array of dtype and shape in chunks: from a buffer of distinct numbers
 * (*buf, *nelem of them; dusk_free it) when it has at most 4096 elements,
 * else empty (*buf NULL). The buffer is kept to check values against. */
__attribute__((unused))
static dusk_array *fuzz_make_array(dusk_array_ctx *ctx, dusk_dtype dtype, dusk_shape shape,
                                   const char *chunks, void **buf, int64_t *nelem)
{
    *nelem = fuzz_nelem(&shape, 4096);
    *buf = NULL;
    if (*nelem >= 0) {
        size_t nbytes = (size_t)*nelem * dusk_dtype_size(dtype);
        *buf = dusk_malloc(nbytes ? nbytes : 1);
        FUZZ_CHECK(*buf != NULL);
        fuzz_counting(*buf, *nelem, dtype);
    }
    return *buf ? dusk_from_buffer(ctx, *buf, dtype, shape, chunks)
                : dusk_empty(ctx, shape, chunks, dtype);
}

#endif /* DUSK_FUZZ_H */
