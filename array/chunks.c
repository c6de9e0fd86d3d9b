/*
** dusk — chunk specs: the text Dask takes for chunks, as block sizes
**
** dusk__normalize_chunks is Dask's normalize_chunks for one shape and
** dtype: "auto" (blocks of about 128 MiB, rounded as Dask's round_to
** does), "5" or "(5, 5)" (a block size per axis, one for all), "(500, -1)"
** (-1 or None: the whole axis), "((5, 5, 5), (10, 5))" (explicit sizes,
** which must add up to the axis) and, for a 1-d array, "(50, 50, 25)".
** The result is nb[d] block sizes per axis, every block but the last of
** an axis of the full size, in one buffer. A spec that cannot be read or
** does not fit the shape gives an error array quoting the text and shape.
**
** Invariants after normalising: every axis has at least one block (an
** empty axis one block of 0), sizes are not negative and add up to the
** axis, and the shape's byte size and the block count fit
** (dusk__check_size, which every new array passes too).
*/
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "dusk/alloc.h"

typedef struct {
    int n;                       /* entries given */
    int single;                  /* one entry for every axis: "5", "auto", "-1" */
    int kind[DUSK_MAXDIMS];      /* 0 size, 1 auto, 2 whole axis, 3 explicit */
    int64_t size[DUSK_MAXDIMS];
    int64_t *list[DUSK_MAXDIMS]; /* explicit sizes (owned) */
    int nlist[DUSK_MAXDIMS];
    char why[160];               /* what is wrong, when parsing fails */
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

/* An integer at *p into *v; -1 (with s->why) when there is none or it
 * does not fit in int64. */
static int read_size(const char **p, const char *text, chunk_spec *s, int64_t *v)
{
    char *end;
    errno = 0;
    long long x = strtoll(*p, &end, 10);
    if (end == *p) {
        snprintf(s->why, sizeof s->why, "expected a block size, -1, None, 'auto' or a tuple of "
                 "sizes at column %d", (int)(*p - text) + 1);
        return -1;
    }
    if (errno == ERANGE) {
        snprintf(s->why, sizeof s->why, "block size %.*s is out of range", (int)(end - *p), *p);
        return -1;
    }
    *p = end;
    *v = x;
    return 0;
}

/* One entry: an integer, -1, None, 'auto' / auto, or a tuple of integers.
 * -1 when malformed (s->why says how), -2 when out of memory. */
static int parse_entry(const char **p, const char *text, chunk_spec *s, int i)
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
            int64_t v;
            if (read_size(p, text, s, &v) < 0)
                return -1;
            if (v < 0) {
                snprintf(s->why, sizeof s->why, "negative block size %" PRId64 " in a tuple of "
                         "sizes", v);
                return -1;
            }
            if (n == INT32_MAX) {
                snprintf(s->why, sizeof s->why, "more than %d block sizes for one axis",
                         INT32_MAX);
                return -1;
            }
            if (n == cap) {
                cap = cap > INT32_MAX / 2 ? INT32_MAX : cap ? cap * 2 : 64;
                int64_t *grown = dusk_realloc(s->list[i], (size_t)cap * sizeof(int64_t));
                if (!grown)
                    return -2;
                s->list[i] = grown;
            }
            s->list[i][n++] = v;
            skip_ws(p);
            if (**p == ',') {
                (*p)++;
            } else if (**p != ')') {
                snprintf(s->why, sizeof s->why, "expected ',' or ')' at column %d",
                         (int)(*p - text) + 1);
                return -1;
            }
        }
        if (n == 0) {
            /* every axis has at least one block: an empty one is (0,) */
            snprintf(s->why, sizeof s->why, "an empty tuple of block sizes (an empty axis is "
                     "one block of 0: (0,))");
            return -1;
        }
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
    int64_t v;
    if (read_size(p, text, s, &v) < 0)
        return -1;
    if (v == 0 || v < -1) {
        snprintf(s->why, sizeof s->why, v == 0 ? "a block size of 0"
                 : "block size %" PRId64 " (the only negative size is -1, the whole axis)", v);
        return -1;
    }
    s->kind[i] = v == -1 ? 2 : 0;
    s->size[i] = v;
    return 0;
}

static int parse_chunks(const char *text, chunk_spec *s)
{
    memset(s, 0, sizeof *s);
    const char *p = text;
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
            if ((rc = parse_entry(&p, text, s, 0)) < 0)
                return rc;
            s->n = 1;
        } else {
            /* (5, 5): one entry per axis; ((5, 5), (3,)): explicit sizes;
             * (): none, for a 0-d array */
            p++;
            for (;;) {
                skip_ws(&p);
                if (*p == ')') {
                    p++;
                    break;
                }
                if (s->n == DUSK_MAXDIMS) {
                    snprintf(s->why, sizeof s->why, "more than %d entries", DUSK_MAXDIMS);
                    return -1;
                }
                if ((rc = parse_entry(&p, text, s, s->n)) < 0)
                    return rc;
                s->n++;
                skip_ws(&p);
                if (*p == ',') {
                    p++;
                } else if (*p != ')') {
                    snprintf(s->why, sizeof s->why, "expected ',' or ')' at column %d",
                             (int)(p - text) + 1);
                    return -1;
                }
            }
        }
    } else {
        if ((rc = parse_entry(&p, text, s, 0)) < 0)
            return rc;
        s->single = 1;
    }
    skip_ws(&p);
    if (*p) {
        snprintf(s->why, sizeof s->why, "unexpected '%c' at column %d after the end", *p,
                 (int)(p - text) + 1);
        return -1;
    }
    return 0;
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

void dusk__fmt_array_shape(char *buf, size_t n, int ndim, const int64_t *shape)
{
    size_t len = (size_t)snprintf(buf, n, "(");
    for (int i = 0; i < ndim && len < n; i++) {
        if (shape[i] == DUSK_UNKNOWN_SIZE)   /* known once computed: Dask's nan */
            len += (size_t)snprintf(buf + len, n - len, i ? ", nan" : "nan");
        else
            len += (size_t)snprintf(buf + len, n - len, i ? ", %" PRId64 : "%" PRId64, shape[i]);
    }
    if (len < n)
        snprintf(buf + len, n - len, ndim == 1 ? ",)" : ")");
}

int dusk__check_size(int ndim, const int64_t *shape, dusk_dtype dtype, const int64_t *nb,
                     char *why, size_t n)
{
    char sh[256];
    /* as NumPy: the axes of length 0 aside, the product of the lengths
     * times the item size must be an addressable byte count, since
     * strides are built from it even when an array is empty */
    int64_t bytes = (int64_t)dusk_dtype_size(dtype);
    double approx = (double)bytes;
    int over = 0;
    for (int d = 0; d < ndim; d++) {
        if (shape[d] == 0)
            continue;
        approx *= (double)shape[d];
        over |= __builtin_mul_overflow(bytes, shape[d], &bytes);
    }
    if (over || bytes > PTRDIFF_MAX) {
        dusk__fmt_shape(sh, sizeof sh, ndim, shape);
        snprintf(why, n, "shape %s of %s is too large: %.3g bytes, more than can be "
                 "addressed (%" PRId64 ")", sh, dusk_dtype_name(dtype), approx,
                 (int64_t)PTRDIFF_MAX);
        return -1;
    }
    if (nb) {
        int64_t blocks = 1;
        approx = 1;
        over = 0;
        for (int d = 0; d < ndim; d++) {
            approx *= (double)nb[d];
            over |= __builtin_mul_overflow(blocks, nb[d], &blocks);
        }
        if (over) {
            dusk__fmt_shape(sh, sizeof sh, ndim, shape);
            snprintf(why, n, "shape %s is split into %.3g blocks, more than can be counted "
                     "(%" PRId64 ")", sh, approx, INT64_MAX);
            return -1;
        }
    }
    return 0;
}

/* Fills sizes (per axis, nb[d] entries each, in one new buffer *buf) from
 * text for shape; Dask's normalize_chunks with a 128 MiB "auto" limit. */
int dusk__normalize_chunks(dusk_array_ctx *ctx, const char *text, int ndim, const int64_t *shape,
                            dusk_dtype dtype, int64_t **buf, int64_t *nb, int64_t **per,
                            dusk_array **err_out)
{
    chunk_spec s;
    char sh[256], why[512];
    if (!text)
        text = "auto";
    dusk__fmt_shape(sh, sizeof sh, ndim, shape);
    if (dusk__check_size(ndim, shape, dtype, NULL, why, sizeof why) < 0) {
        *err_out = dusk__array_fail(ctx, DUSK_EINVAL, "chunks \"%s\": %s", text, why);
        return -1;
    }
    int rc = parse_chunks(text, &s);
    if (rc == -2) {
        spec_free(&s);
        *err_out = dusk__array_oom(ctx, "chunks");
        return -1;
    }
    if (rc < 0) {
        spec_free(&s);
        *err_out = dusk__array_fail(ctx, DUSK_EINVAL, "cannot read chunks \"%s\" for shape %s: %s "
                                    "(want \"auto\", \"(5, 5)\", \"(500, -1)\" or "
                                    "\"((5, 5, 5), (10, 5))\")", text, sh, s.why);
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
    if (s.single) {
        for (int d = 1; d < ndim; d++) {
            s.kind[d] = s.kind[0];
            s.size[d] = s.size[0];
        }
        s.n = ndim;
    }
    if (s.n != ndim) {
        spec_free(&s);
        *err_out = dusk__array_fail(ctx, DUSK_EINVAL, "chunks \"%s\" give %d dimension%s for shape "
                                    "%s", text, s.n, s.n == 1 ? "" : "s", sh);
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
    /* Count blocks, then fill. Sizes are at least 1 and at most the axis
     * here, so nothing below overflows but what is checked. */
    int64_t total = 0;
    int too_many = 0;
    for (int d = 0; d < ndim; d++) {
        if (s.kind[d] == 3) {
            int64_t sum = 0;
            int over = 0;
            for (int k = 0; k < s.nlist[d]; k++)
                over |= __builtin_add_overflow(sum, s.list[d][k], &sum);
            if (over || sum != shape[d]) {
                spec_free(&s);
                if (over)
                    *err_out = dusk__array_fail(ctx, DUSK_EINVAL, "chunks \"%s\" do not fit shape "
                                                "%s: axis %d sums to more than %" PRId64, text,
                                                sh, d, INT64_MAX);
                else
                    *err_out = dusk__array_fail(ctx, DUSK_EINVAL, "chunks \"%s\" do not fit shape "
                                                "%s: axis %d sums to %" PRId64, text, sh, d, sum);
                return -1;
            }
            nb[d] = s.nlist[d];
        } else {
            nb[d] = shape[d] == 0 ? 1 : shape[d] / size[d] + (shape[d] % size[d] != 0);
        }
        too_many |= __builtin_add_overflow(total, nb[d], &total);
    }
    size_t bytes;
    why[0] = '\0';
    if (dusk__check_size(ndim, shape, dtype, nb, why, sizeof why) < 0 || too_many ||
        __builtin_mul_overflow((size_t)total, sizeof(int64_t), &bytes)) {
        spec_free(&s);
        if (!why[0])
            snprintf(why, sizeof why, "shape %s is split into more blocks than can be listed",
                     sh);
        *err_out = dusk__array_fail(ctx, DUSK_EINVAL, "chunks \"%s\": %s", text, why);
        return -1;
    }
    int64_t *b = dusk_malloc(bytes ? bytes : sizeof *b);
    if (!b) {
        spec_free(&s);
        *err_out = dusk__array_fail(ctx, DUSK_ENOMEM, "out of memory for the %" PRId64 " block "
                                    "sizes of chunks \"%s\" for shape %s", total, text, sh);
        return -1;
    }
    int64_t at = 0;
    for (int d = 0; d < ndim; d++) {
        per[d] = b + at;
        for (int64_t k = 0; k < nb[d]; k++) {
            if (s.kind[d] == 3)
                per[d][k] = s.list[d][k];
            else  /* every block full but the last; k * size[d] < shape[d] */
                per[d][k] = shape[d] == 0 ? 0
                            : shape[d] - k * size[d] < size[d] ? shape[d] - k * size[d] : size[d];
        }
        at += nb[d];
    }
    spec_free(&s);
    *buf = b;
    return 0;
}
