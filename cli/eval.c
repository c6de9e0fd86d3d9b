/*
** dusk cli — `dusk eval EXPR`: a NumPy-style array expression over HDF5
** datasets, described, drawn, printed, stored, profiled or watched
**
** The work is the libraries': cli/expr.c parses the expression and builds
** it with include/dusk/array.h; this file reads the options, opens the
** --input datasets (lazily, as dusk_from_hdf5 does), and hands the result
** to dusk_array_describe, dusk_visualize_array, dusk_array_compute or
** dusk_array_store (under a profiler, or in the live window with --view).
**
** Exit codes: 0 done; 1 the run or a file failed (a missing file or
** dataset, shapes that do not fit, chunks that do not fit an array's shape,
** an output that cannot be written); 2 bad usage (an unknown option, a
** syntax error, chunks that cannot be read, whether from --chunks or in the
** expression, an unknown name, function or keyword, an argument of the
** wrong kind); 130 (143) when Ctrl-C (SIGTERM) stopped the computation,
** whose store then removed its temporary file (cli_interrupt_install).
** An error in the expression is printed with the expression and a caret
** under its column.
*/
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dusk/alloc.h"
#include "dusk/array.h"
#include "dusk/gui.h"
#include "dusk/profiler.h"
#include "dusk/viz.h"

#include "array/h5held.h"   /* one wording with array/h5.c's */
#include "core/util.h"      /* dusk__atomic: the chunks' picture, whole or not at all */
#include "cli.h"
#include "expr.h"

#define MAX_INPUTS 64

static const char HELP[] =
    "usage: dusk eval EXPR [--input NAME=FILE.hdf5:/dataset ...] [--chunks SPEC]\n"
    "                 [-o OUT.hdf5:/dataset] [--describe] [--chunks-svg OUT.svg]\n"
    "                 [--visualize OUT.svg [--threshold N]]\n"
    "                 [--print] [--profile REPORT.html] [--view]\n"
    "                 [--scheduler sync|threads|processes] [--workers N]\n"
    "                 [--no-memory-check]\n"
    "\n"
    "Evaluates a NumPy-style expression over dusk's chunked arrays, e.g.\n"
    "  dusk eval 'x - x.mean(axis=0)' --input x=rnd_data.hdf5:/data_set_1 \\\n"
    "            --chunks '(500, 500)' -o r.hdf5:/r\n"
    "  dusk eval 'ones((15, 15), chunks=(5, 5)).sum(axis=1)' --print\n"
    "An expression that reads as an option (-x, -inf) goes after --:\n"
    "  dusk eval --input x=f.hdf5:/x -- -x   (-x + 1 and -(x) need no --)\n"
    "\n"
    "The language: numbers, 'strings', names (the --input arrays; pi, e, inf,\n"
    "nan, newaxis; dtype names such as float32), + - * / // % ** @ & | ^ ~,\n"
    "comparisons (< <= > >= == !=; they bind looser than & | ^, as in Python:\n"
    "write (x > 0) & (x < 1)), unary minus, calls with keyword arguments, x.T,\n"
    "x.shape, x.ndim, x.size, x.dtype, methods (x.sum(axis=0), x.astype('f4')),\n"
    "indexing and slicing (x[:100, 500:100:-2], x[:, [10, 1, 5]], x[..., None], a mask\n"
    "as x[[True, False, True]]).\n"
    "np., numpy., da. and dask.array. before a name are allowed and ignored.\n"
    "The whole expression gives an array or a number: x.shape and x.dtype are\n"
    "for use inside it (zeros(x.shape, dtype=x.dtype)).\n"
    "Functions: ones zeros empty full (shape, [fill_value,] dtype=, chunks=),\n"
    "arange linspace, eye (N, chunks=, M=, k=, dtype=), random.normal\n"
    "random.uniform random.random random.standard_normal random.exponential\n"
    "random.poisson random.randint (low, high, dtype=) (size=,\n"
    "chunks=, seed=; 42 by default), exp log sqrt sin cos abs negative floor\n"
    "ceil trunc (fix) rint isnan isinf isfinite square sign tan arcsin arccos\n"
    "arctan sinh cosh tanh log10 log2 log1p expm1 logical_not positive\n"
    "reciprocal cbrt exp2 fabs deg2rad rad2deg degrees radians arcsinh arccosh\n"
    "arctanh signbit sinc invert (of x), add subtract multiply divide\n"
    "(true_divide) power less less_equal greater greater_equal equal\n"
    "not_equal floor_divide remainder (mod) bitwise_and bitwise_or bitwise_xor\n"
    "maximum minimum arctan2 hypot copysign nextafter logaddexp logaddexp2\n"
    "fmod fmax fmin float_power logical_and logical_or logical_xor (of x1, x2),\n"
    "clip (a, a_min, a_max: numbers, one may be None; x.clip too), round around\n"
    "(a, decimals=; x.round too), isclose allclose (a, b, rtol=, atol=,\n"
    "equal_nan=), nan_to_num (x, nan=, posinf=, neginf=); of numbers alone\n"
    "these give a number, as NumPy's scalars (allclose: a 0-d array, as Dask's).\n"
    "Reductions: sum prod mean std var min max any all (axis=,\n"
    "keepdims=, ddof=, split_every=; and nansum nanprod nanmean nanstd nanvar\n"
    "nanmin nanmax, which skip NaNs), argmax argmin nanargmax nanargmin (axis=\n"
    "one axis or None, keepdims=, split_every=), cumsum cumprod (axis=; None:\n"
    "of the flattened array), where (condition, x, y: arrays or numbers),\n"
    "transpose astype rechunk squeeze concatenate stack tensordot dot matmul,\n"
    "reshape (shape with one -1 at most, merge_chunks=), ravel; x.flatten().\n"
    "\n"
    "  --input NAME=FILE:/DATASET  an HDF5 dataset, read lazily, as the array NAME\n"
    "                              (FILE:DATASET names it from the root, as /DATASET)\n"
    "  --chunks SPEC               the inputs' chunks, and the creation functions'\n"
    "                              when they give none ('(500, 500)', 'auto')\n"
    "  -o, --output FILE:/DATASET  compute and store the result (HDF5; the dataset\n"
    "                              is replaced if it exists, the file kept whole\n"
    "                              if the store fails)\n"
    "  --describe                  print Dask's table: bytes, shape, count, type\n"
    "  --chunks-svg FILE.svg       draw how the result is cut into chunks, as Dask's\n"
    "                              to_svg (beside a computation, written once it\n"
    "                              went through)\n"
    "  --visualize FILE            draw the result's task graph (.svg .png .pdf\n"
    "                              .jpg .jpeg .dot .gv .xdot; beside a computation,\n"
    "                              put in place once\n"
    "                              it went through)\n"
    "  --threshold N               --visualize draws one node per layer past N\n"
    "                              tasks (default 1000), one per task up to N\n"
    "  --print                     compute and print the result (the default when\n"
    "                              nothing else is asked) as NumPy's str() does:\n"
    "                              an array's floats to 8 digits at most, long axes\n"
    "                              cut to ...; a number as print() of the NumPy\n"
    "                              scalar Dask computes (0.1, 0.3333333333333333)\n"
    "  --profile FILE.html         profile the computation, write the HTML report\n"
    "  --view                      compute in the live window (--close: close it\n"
    "                              when the run ends; so it does when stdin is\n"
    "                              not a terminal; --theme T: light, dark,\n"
    "                              contrast or a theme file)\n"
    "  --scheduler sync|threads|processes  (threads); --workers N (0: one per core)\n"
    "  -q, --quiet                 no progress bar (one is drawn on stderr only\n"
    "                              when it is a terminal), no note when\n"
    "                              --visualize draws the layer view\n"
    "  --no-memory-check           compute even when the blocks and the result\n"
    "                              seem not to fit in the memory this process may\n"
    "                              take (then it fails when an allocation does,\n"
    "                              or is killed by the kernel)\n"
    "\n"
    "Exit codes: 0 done, 1 a file or the computation failed, or dusk's arrays\n"
    "refused a step (an axis out of bounds, shapes or chunks that do not fit,\n"
    "a dtype the operation has no meaning for), 2 bad usage (a syntax error, chunks\n"
    "that cannot be read, an unknown name, function or keyword: shown with a\n"
    "caret), 130 (143) interrupted by Ctrl-C (SIGTERM): no output written, no\n"
    "temporary file left.\n";

static const char *const OPTIONS[] = {
    "--input", "--chunks", "--output", "--describe", "--chunks-svg", "--visualize", "--threshold",
    "--print",
    "--profile", "--view", "--close", "--theme", "--scheduler", "--workers", "--quiet", "--no-memory-check",
    "--help",
};

/* The options that take one value (each at most once, cli_once). */
static const char *const SINGLE[] = {"--chunks", "--output", "--chunks-svg", "--visualize",
                                     "--threshold",
                                     "--profile", "--theme", "--scheduler", "--workers"};

/* The expression echoed with a caret under column col (control characters
 * shown as spaces, so that the caret stays under its character). */
static void show_caret(const char *text, int col)
{
    if (col <= 0)
        return;
    fputs("  ", stderr);
    for (const char *p = text; *p; p++)
        fputc((unsigned char)*p < 0x20 ? ' ' : *p, stderr);
    /* col counts bytes; the caret goes under the character: UTF-8
     * continuation bytes take no place on the line */
    int place = 0;
    for (int k = 0; k < col - 1 && text[k]; k++)
        place += ((unsigned char)text[k] & 0xc0) != 0x80;
    fprintf(stderr, "\n  %*s^\n", place, "");
}

/* A name for path's picture while it is drawn: in its folder, hidden,
 * ending as path does (its extension says the format), as
 * "DIR/.dusk-PID-NAME.svg" (dusk_free it; NULL without memory). */
static char *temp_beside(const char *path)
{
    const char *slash = strrchr(path, '/');
    int dir = slash ? (int)(slash - path + 1) : 0;
    size_t n = strlen(path) + 48;
    char *t = dusk_malloc(n);
    if (t)
        snprintf(t, n, "%.*s.dusk-%ld-%s", dir, path, (long)getpid(), path + dir);
    return t;
}

/* --chunks-svg's picture into path, whole or not at all: 0, or 1 with the
 * reason said (nothing to do without a path). */
static int write_grid(const char *path, const char *svg, size_t len)
{
    if (!path)
        return 0;
    dusk__atomic o;
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk__atomic_open(&o, path, &err) != 0)
        return cli_fail(1, "eval", "--chunks-svg: %s", err.msg);   /* it names the path */
    int ok = dusk__atomic_write(&o, svg, len) == 0;
    if (dusk__atomic_close(&o, ok, &err) != 0 || !ok)
        return cli_fail(1, "eval", "--chunks-svg: %s", ok ? err.msg : "cannot write it");
    return 0;
}

/* A copy of spec with a byte to spare, for split_target (dusk_free it). */
static char *target_copy(const char *spec)
{
    size_t n = strlen(spec) + 1;
    char *s = dusk_malloc(n + 1);
    if (s)
        memcpy(s, spec, n);
    return s;
}

/* NAME=FILE:/dataset or FILE:/dataset (name NULL), in a target_copy. The
 * last ":/" splits; without one, the last ':' does, and the dataset is
 * named from the root, as HDF5 reads a relative name ("f.h5:ds" is
 * "f.h5:/ds"). 0; TARGET_BAD for no NAME= or no FILE; TARGET_NO_DATASET
 * when no dataset follows FILE ("f.h5", "f.h5:") and TARGET_ROOT when
 * the root group does ("f.h5:/"), *file then set, for the message. */
enum { TARGET_BAD = -1, TARGET_NO_DATASET = -2, TARGET_ROOT = -3 };
static int split_target(char *spec, char **name, char **file, char **dataset)
{
    if (name) {
        char *eq = strchr(spec, '=');
        if (!eq)
            return -1;
        *eq = '\0';
        *name = spec;
        spec = eq + 1;
        if (!**name || !(isalpha((unsigned char)**name) || **name == '_'))
            return -1;
        for (char *p = *name; *p; p++)
            if (!isalnum((unsigned char)*p) && *p != '_')
                return -1;
    }
    char *cut = NULL;
    for (char *p = strstr(spec, ":/"); p; p = strstr(p + 1, ":/"))
        cut = p;
    if (!cut && (cut = strrchr(spec, ':')) && cut[1]) {
        memmove(cut + 2, cut + 1, strlen(cut + 1) + 1);   /* the spare byte */
        cut[1] = '/';
    }
    /* "f.h5:/" and "f.h5:" name no dataset: usage, before any work */
    if (!*spec || cut == spec)
        return TARGET_BAD;
    if (!cut || !cut[1] || !cut[strspn(cut + 1, "/") + 1]) {
        int why = cut && cut[1] ? TARGET_ROOT : TARGET_NO_DATASET;
        if (cut)
            *cut = '\0';
        *file = spec;
        return why;
    }
    *cut = '\0';
    *file = spec;
    *dataset = cut + 1;
    return 0;
}

/* What the root group of file holds, for the message of an --input that
 * names no dataset, as a read of a group says it (dusk__h5_held: "; it
 * holds the datasets 'a', 'b' (and 3 more)", ...), in held; the first
 * dataset in first, for the example. Both empty when the file cannot say
 * (missing, not HDF5): then the message keeps its generic example. */
static void root_datasets(const char *file, char *held, size_t nheld, char *first,
                          size_t nfirst)
{
    held[0] = first[0] = '\0';
    dusk_value *list = NULL;
    dusk_error e = DUSK_ERROR_INIT;
    if (dusk_hdf5_list(file, "/", &list, &e) != 0)
        return;
    for (size_t i = 0; i < dusk_tuple_len(list) && !first[0]; i++) {
        const dusk_value *m = dusk_tuple_get(list, i);
        const char *name = dusk_value_str(dusk_tuple_get(m, 0));
        if (!strcmp(dusk_value_str(dusk_tuple_get(m, 1)), "dataset") && strlen(name) + 2 < nfirst)
            snprintf(first, nfirst, "/%s", name);
    }
    dusk__h5_held(list, held, nheld);
    dusk_value_unref(list);
}

/* An IEEE binary16's value (exact in a double). */
static double half_value(uint16_t h)
{
    int e = (h >> 10) & 31, f = h & 1023;
    double x = e == 0 ? ldexp(f, -24) : e == 31 ? (f ? NAN : INFINITY) : ldexp(f + 1024, e - 25);
    return h & 0x8000 ? -x : x;
}

/* --- --print: NumPy's str() of an array ------------------------------------------
 * As numpy/core/arrayprint.py writes it (1.24, default options): every
 * element shown is formatted alike, so that columns line up: integers
 * and booleans right-justified to the widest; floats, when no shown
 * finite non-zero magnitude is >= 1e8 or < 1e-4 and the largest is at
 * most 1000 times the smallest, positionally with the fewest fractional
 * digits (at most 8) that read back as the value, padded left to the
 * widest integer part (sign included) and right to the most fractional
 * digits ("[[ 0.14404357  0.40015721 -0.97727788]"); else in scientific
 * notation with one mantissa precision and exponent width. Rows wrap at
 * 75 columns; an array of more than 1000 elements shows the first and
 * last 3 along each longer axis, with "...". */
typedef struct {
    dusk_dtype dt;
    bool sci;          /* floats: scientific notation */
    int prec;          /* floats: fractional (mantissa) digits, at most */
    int left, right;   /* widest integer part, most fractional digits */
    int exp;           /* scientific: exponent digits */
    int width;         /* the widest element */
    int odd;           /* floats: the longest of nan, inf, -inf shown */
    double lo, hi;     /* shown finite non-zero magnitudes */
    bool any;
} numfmt;

/* Element k of v as a double (complex: its real part), or its integer. */
static double elem_double(const dusk_value *v, int64_t k)
{
    const unsigned char *p = (const unsigned char *)dusk_ndarray_data(v) +
                             (size_t)k * dusk_dtype_size(dusk_ndarray_dtype(v));
    switch (dusk_ndarray_dtype(v)) {
    case DUSK_DT_F8: { double x; memcpy(&x, p, 8); return x; }
    case DUSK_DT_F4: { float x; memcpy(&x, p, 4); return x; }
    case DUSK_DT_F2: { uint16_t h; memcpy(&h, p, 2); return half_value(h); }
    default: return 0;
    }
}

static bool is_float(dusk_dtype dt)
{
    return dt == DUSK_DT_F8 || dt == DUSK_DT_F4 || dt == DUSK_DT_F2;
}

/* Whether text reads back as x in x's own precision. */
static bool reads_back(const char *text, double x, dusk_dtype dt)
{
    double y = strtod(text, NULL);
    if (dt == DUSK_DT_F8)
        return y == x;
    if (dt == DUSK_DT_F4)
        return (float)y == (float)x;
    return fabs(y - x) <= fabs(x) * 4.9e-4;   /* binary16: 11 bits */
}

/* The fewest digits (at most f->prec) after the point, in fixed or
 * scientific notation, that read back as x. */
static int digits_of(double x, const numfmt *f)
{
    char buf[400];
    for (int p = 0; p < f->prec; p++) {
        snprintf(buf, sizeof buf, f->sci ? "%.*e" : "%.*f", p, x);
        if (reads_back(buf, x, f->dt))
            return p;
    }
    /* none reads back: rounded at prec digits, without its trailing zeros,
     * as NumPy's (3.0000000000000004e-05 is 3.e-05, not 3.00000000e-05) */
    snprintf(buf, sizeof buf, f->sci ? "%.*e" : "%.*f", f->prec, x);
    const char *end = f->sci ? strchr(buf, 'e') : buf + strlen(buf);
    int p = f->prec;
    while (p > 0 && end[-1] == '0') {
        end--;
        p--;
    }
    return p;
}

/* Element k of v as the format f puts it, without padding, into buf. */

/* The real and imaginary parts of the complex128 or complex64 at p. */
static void complex_at(const unsigned char *p, dusk_dtype dt, double *re, double *im)
{
    if (dt == DUSK_DT_C16) {
        memcpy(re, p, 8);
        memcpy(im, p + 8, 8);
    } else {
        float c[2];
        memcpy(c, p, 8);
        *re = c[0];
        *im = c[1];
    }
}

static void elem_text(const dusk_value *v, int64_t k, const numfmt *f, char *buf, size_t n)
{
    const unsigned char *p = (const unsigned char *)dusk_ndarray_data(v) +
                             (size_t)k * dusk_dtype_size(f->dt);
    switch (f->dt) {
    case DUSK_DT_F8: case DUSK_DT_F4: case DUSK_DT_F2: {
        double x = elem_double(v, k);
        if (x != x || isinf(x)) {
            snprintf(buf, n, "%s", x != x ? "nan" : x < 0 ? "-inf" : "inf");
        } else if (!f->sci) {
            /* the fewest digits that read back, then no trailing zeros
             * (rounded at 8 digits: 0.1000000000001 is 0.1), "1." */
            snprintf(buf, n, "%.*f", digits_of(x, f), x);
            char *dot = strchr(buf, '.');
            if (!dot) {
                strncat(buf, ".", n - strlen(buf) - 1);
            } else {
                char *e = buf + strlen(buf);
                while (e > dot + 1 && e[-1] == '0')
                    *--e = '\0';
            }
        } else {
            char m[400];
            snprintf(m, sizeof m, "%.*e", f->right, x);
            char *e = strchr(m, 'e');
            *e = '\0';
            int ev = atoi(e + 1);
            snprintf(buf, n, "%s%se%c%0*d", m, f->right ? "" : ".", ev < 0 ? '-' : '+',
                     f->exp, ev < 0 ? -ev : ev);
        }
        break;
    }
    case DUSK_DT_C16: case DUSK_DT_C8: {   /* NumPy's 1.+2.j */
        double re, im;
        complex_at(p, f->dt, &re, &im);
        int digits = f->dt == DUSK_DT_C16 ? 8 : 7;
        char a[64], b[64];
        snprintf(a, sizeof a, "%.*g", digits, re);
        snprintf(b, sizeof b, "%.*g", digits, fabs(im));
        snprintf(buf, n, "%s%s%c%s%sj", a, strpbrk(a, ".en") ? "" : ".", signbit(im) ? '-' : '+',
                 b, strpbrk(b, ".en") ? "" : ".");
        break;
    }
    case DUSK_DT_I8: { int64_t x; memcpy(&x, p, 8); snprintf(buf, n, "%lld", (long long)x); break; }
    case DUSK_DT_I4: { int32_t x; memcpy(&x, p, 4); snprintf(buf, n, "%d", (int)x); break; }
    case DUSK_DT_I2: { int16_t x; memcpy(&x, p, 2); snprintf(buf, n, "%d", (int)x); break; }
    case DUSK_DT_I1: { int8_t x; memcpy(&x, p, 1); snprintf(buf, n, "%d", (int)x); break; }
    case DUSK_DT_U8: {
        uint64_t x;
        memcpy(&x, p, 8);
        snprintf(buf, n, "%llu", (unsigned long long)x);
        break;
    }
    case DUSK_DT_U4: { uint32_t x; memcpy(&x, p, 4); snprintf(buf, n, "%u", (unsigned)x); break; }
    case DUSK_DT_U2: { uint16_t x; memcpy(&x, p, 2); snprintf(buf, n, "%u", (unsigned)x); break; }
    case DUSK_DT_U1: snprintf(buf, n, "%u", (unsigned)*p); break;
    case DUSK_DT_BOOL: snprintf(buf, n, "%s", *p ? "True" : "False"); break;
    default: snprintf(buf, n, "?"); break;
    }
}

/* The indices shown along an axis of length len: all, or with cut the
 * first and last 3 of a longer one (i jumps from 3 to len - 3). */
#define SHOWN(i, len, cut) ((i) = ((cut) && (len) > 6 && (i) == 3) ? (len) - 3 : (i))

/* Calls measure on each shown element (pass 0: magnitudes; 1: widths). */
static void measure(const dusk_value *v, int d, int64_t base, int cut, numfmt *f, int pass)
{
    int nd = dusk_ndarray_ndim(v);
    const int64_t *shape = dusk_ndarray_shape(v);
    int64_t stride = 1;
    for (int k = d + 1; k < nd; k++)
        stride *= shape[k];
    for (int64_t i = 0; i < shape[d]; i++) {
        SHOWN(i, shape[d], cut);
        if (d < nd - 1) {
            measure(v, d + 1, base + i * stride, cut, f, pass);
            continue;
        }
        int64_t k = base + i;
        if (pass == 0) {   /* floats' magnitudes and digits, for the notation */
            double x = fabs(elem_double(v, k));
            if (x == x && !isinf(x) && x != 0) {
                f->lo = f->any && f->lo < x ? f->lo : x;
                f->hi = f->any && f->hi > x ? f->hi : x;
                f->any = true;
            }
            continue;
        }
        if (pass == 1 && f->sci && is_float(f->dt)) {   /* one mantissa precision */
            double x = elem_double(v, k);
            if (x == x && !isinf(x)) {
                int p = digits_of(x, f);
                f->right = p > f->right ? p : f->right;
                char buf[64];
                snprintf(buf, sizeof buf, "%.0e", x);
                int e = (int)strlen(strchr(buf, 'e') + 2);
                f->exp = e > f->exp ? e : f->exp;
            }
            continue;
        }
        if (pass == 1)
            continue;
        char buf[512];
        elem_text(v, k, f, buf, sizeof buf);
        int len = (int)strlen(buf);
        const char *dot = is_float(f->dt) && !f->sci ? strchr(buf, '.') : NULL;
        if (dot) {
            int l = (int)(dot - buf), r = len - l - 1;
            f->left = l > f->left ? l : f->left;
            f->right = r > f->right ? r : f->right;
        } else if (!is_float(f->dt) || f->sci) {
            f->width = len > f->width ? len : f->width;
        } else {
            f->odd = len > f->odd ? len : f->odd;
        }
    }
}

typedef struct {
    char *s;
    size_t len, cap;
    bool failed;
} strbuf;

static void put(strbuf *b, const char *text, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->len + n + 1) * 2;
        char *s = realloc(b->s, cap);
        if (!s) {
            b->failed = true;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
    memcpy(b->s + b->len, text, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void puts_(strbuf *b, const char *text)
{
    put(b, text, strlen(text));
}

/* Element k padded to the format's width, into w (n bytes). */
static void elem_word(const dusk_value *v, int64_t k, const numfmt *f, char *w, size_t n)
{
    char buf[512];
    elem_text(v, k, f, buf, sizeof buf);
    const char *dot = is_float(f->dt) && !f->sci ? strchr(buf, '.') : NULL;
    if (dot) {
        int l = (int)(dot - buf), r = (int)strlen(dot + 1);
        snprintf(w, n, "%*s%s%*s", f->left - l, "", buf, f->right - r, "");
    } else {
        snprintf(w, n, "%*s", f->width, buf);
    }
}

/* NumPy's _extendLine_pretty for one-line words: a new line (with the
 * hanging indent) when the word would pass the width. */
static void extend(strbuf *s, strbuf *line, const char *word, size_t width, const char *indent)
{
    if (line->len + strlen(word) > width && line->len > strlen(indent)) {
        while (line->len && line->s[line->len - 1] == ' ')
            line->s[--line->len] = '\0';
        put(s, line->s, line->len);
        puts_(s, "\n");
        line->len = 0;
        puts_(line, indent);
    }
    puts_(line, word);
}

/* NumPy's _formatArray's recurser: the text of the sub-array at base along
 * axis d, without its hanging indent. */
static void format_axis(const dusk_value *v, int d, int64_t base, int cut, const numfmt *f,
                        const char *indent, size_t width, strbuf *out)
{
    int nd = dusk_ndarray_ndim(v);
    const int64_t *shape = dusk_ndarray_shape(v);
    int64_t stride = 1;
    for (int k = d + 1; k < nd; k++)
        stride *= shape[k];
    size_t ilen = strlen(indent);
    char *next = malloc(ilen + 2);
    if (!next) {
        out->failed = true;
        return;
    }
    snprintf(next, ilen + 2, "%s ", indent);
    strbuf s = {0};
    bool summary = cut && shape[d] > 6;
    if (d == nd - 1) {
        strbuf line = {0};
        puts_(&line, indent);
        char word[600];
        for (int64_t i = 0; i < shape[d]; i++) {
            if (summary && i == 3) {
                extend(&s, &line, "...", width - 1, indent);
                puts_(&line, " ");
            }
            SHOWN(i, shape[d], cut);
            elem_word(v, base + i, f, word, sizeof word);
            extend(&s, &line, word, width - 1, indent);
            if (i < shape[d] - 1)
                puts_(&line, " ");
        }
        if (line.s)
            put(&s, line.s, line.len);
        s.failed |= line.failed;
        free(line.s);
    } else {
        for (int64_t i = 0; i < shape[d]; i++) {
            if (summary && i == 3) {
                puts_(&s, indent);
                puts_(&s, "...");
                for (int k = 0; k < nd - 1 - d; k++)
                    puts_(&s, "\n");
            }
            SHOWN(i, shape[d], cut);
            puts_(&s, indent);
            format_axis(v, d + 1, base + i * stride, cut, f, next, width - 1, &s);
            if (i < shape[d] - 1)
                for (int k = 0; k < nd - 1 - d; k++)
                    puts_(&s, "\n");
        }
    }
    /* the first line's indent gives way to the bracket */
    puts_(out, "[");
    if (s.s && s.len >= ilen)
        put(out, s.s + ilen, s.len - ilen);
    puts_(out, "]");
    out->failed |= s.failed;
    free(s.s);
    free(next);
}

/* --- a 0-d result: NumPy's str() of a scalar ------------------------------------
 * What print(x.sum().compute()) shows: Dask gives a NumPy scalar, whose
 * str() (NumPy 1.24, Dragon4) is the shortest text that reads back as the
 * value in its own precision: 0.1, 0.3333333333333333 (float64),
 * 0.33333334 (float32), 0.3333 (float16); positional from 1e-4 up to
 * 1e16 with at least one fractional digit (3.0, 1000000000000000.0), else
 * scientific with a two-digit exponent at least (1e+20, 2.5e-05); nan,
 * inf, -inf, -0.0. A complex number is Python's repr of one: (1+2j), 2j,
 * (0.1-0j), its parts without ".0". */

/* x rounded to the nearest IEEE binary16 (ties to even), as a double. */
static double to_half(double x)
{
    double a = fabs(x);
    if (a != a || isinf(a))
        return x;
    if (a >= 65520.)   /* 65504 + half its ulp: rounds to inf */
        return x < 0 ? -INFINITY : INFINITY;
    int e;
    frexp(a, &e);   /* a = m * 2^e, m in [0.5, 1) */
    double ulp = ldexp(1., (e - 1 < -14 ? -14 : e - 1) - 10);   /* subnormals below 2^-14 */
    double q = rint(a / ulp) * ulp;
    return x < 0 ? -q : q;
}

/* Whether the double y is x once rounded to dt's precision. */
static bool same_in(double y, double x, dusk_dtype dt)
{
    if (dt == DUSK_DT_F4 || dt == DUSK_DT_C8)
        return (float)y == (float)x;
    if (dt == DUSK_DT_F2)
        return to_half(y) == x;
    return y == x;
}

/* x (finite) with the fewest significant digits that read back in dt:
 * its digits and the power of ten of the first, into digits (n bytes). */
static int shortest(double x, dusk_dtype dt, char *digits, size_t n, int *exp10)
{
    char buf[64];
    for (int p = 0; p < 17; p++) {
        snprintf(buf, sizeof buf, "%.*e", p, x);
        if (p == 16 || same_in(strtod(buf, NULL), x, dt))
            break;
    }
    char *e = strchr(buf, 'e');
    *exp10 = atoi(e + 1);
    size_t k = 0;
    for (const char *c = buf; c < e && k + 1 < n; c++)
        if (*c >= '0' && *c <= '9')
            digits[k++] = *c;
    digits[k] = '\0';
    return (int)k;
}

/* A float's text as NumPy's scalar str() writes it; whole: "3.0" (else "3",
 * as a complex part). */
static void float_text(double x, dusk_dtype dt, bool whole, char *out, size_t n)
{
    if (x != x || isinf(x)) {
        snprintf(out, n, "%s", x != x ? "nan" : x < 0 ? "-inf" : "inf");
        return;
    }
    char d[32];
    int e10 = 0, nd = x == 0 ? (d[0] = '0', d[1] = '\0', 1) : shortest(fabs(x), dt, d, sizeof d, &e10);
    const char *sign = signbit(x) ? "-" : "";
    if (x == 0 || (fabs(x) >= 1e-4 && fabs(x) < 1e16)) {
        /* positional: the digits around the point */
        char body[64];
        size_t k = 0;
        if (e10 < 0) {
            body[k++] = '0';
            body[k++] = '.';
            for (int i = -1; i > e10; i--)
                body[k++] = '0';
            for (int i = 0; i < nd; i++)
                body[k++] = d[i];
        } else {
            for (int i = 0; i <= e10 || i < nd; i++) {
                if (i == e10 + 1)
                    body[k++] = '.';
                body[k++] = i < nd ? d[i] : '0';
            }
            if (nd <= e10 + 1 && whole) {
                body[k++] = '.';
                body[k++] = '0';
            }
        }
        body[k] = '\0';
        snprintf(out, n, "%s%s", sign, body);
    } else {
        snprintf(out, n, "%s%c%s%s%se%c%02d", sign, d[0], nd > 1 ? "." : "", nd > 1 ? d + 1 : "",
                 "", e10 < 0 ? '-' : '+', abs(e10));
    }
}

static void print_scalar(const dusk_value *v)
{
    dusk_dtype dt = dusk_ndarray_dtype(v);
    char buf[256];
    if (is_float(dt)) {
        float_text(elem_double(v, 0), dt, true, buf, sizeof buf);
    } else if (dt == DUSK_DT_C16 || dt == DUSK_DT_C8) {
        const unsigned char *p = dusk_ndarray_data(v);
        double re, im;
        complex_at(p, dt, &re, &im);
        char a[64], b[64];
        float_text(re, dt, false, a, sizeof a);
        float_text(im, dt, false, b, sizeof b);
        if (re == 0 && !signbit(re))   /* Python: 2j, not (0+2j) */
            snprintf(buf, sizeof buf, "%sj", b);
        else
            snprintf(buf, sizeof buf, "(%s%s%sj)", a, b[0] == '-' ? "" : "+", b);
    } else {
        numfmt f = {.dt = dt};
        elem_text(v, 0, &f, buf, sizeof buf);
    }
    puts(buf);
}

static void print_value(const dusk_value *v)
{
    numfmt f = {.dt = dusk_ndarray_dtype(v), .prec = 8};
    if (f.dt == DUSK_DT_F2)
        f.prec = 4;
    if (dusk_ndarray_ndim(v) == 0) {
        print_scalar(v);
        return;
    }
    int cut = dusk_ndarray_size(v) > 1000;
    if (dusk_ndarray_size(v) == 0) {
        puts("[]");
        return;
    }
    if (is_float(f.dt)) {
        measure(v, 0, 0, cut, &f, 0);
        f.sci = f.any && (f.hi >= 1e8 || f.lo < 1e-4 || f.hi / f.lo > 1000.);
        f.exp = 2;
        measure(v, 0, 0, cut, &f, 1);
    }
    measure(v, 0, 0, cut, &f, 2);
    if (f.dt == DUSK_DT_BOOL)
        f.width = 5;   /* NumPy's BoolFormat: ' True' in an array, even of no False */
    if (is_float(f.dt) && !f.sci) {
        /* nan and inf right-justified to the numbers' width, which widens
         * to hold them */
        if (f.left < f.odd - f.right - 1)
            f.left = f.odd - f.right - 1;
        f.width = f.left + 1 + f.right;
    }
    strbuf out = {0};
    format_axis(v, 0, 0, cut, &f, " ", 75, &out);
    if (out.failed || !out.s)
        puts("(out of memory)");
    else
        puts(out.s);
    free(out.s);
}

/* Whether spec reads as chunks: a number, auto, -1 or a tuple of those
 * (nested tuples for per-block sizes), parentheses balanced, no 0 (*zero
 * says a 0 was what failed). What fits an array's shape is array.h's to
 * say; this catches the typing. */
static bool chunks_spelled(const char *spec, bool *zero)
{
    int depth = 0, items = 0;
    *zero = false;
    for (const char *p = spec; *p;) {
        if (isspace((unsigned char)*p) || *p == ',') {
            p++;
        } else if (*p == '(') {
            depth++;
            p++;
        } else if (*p == ')') {
            if (--depth < 0)
                return false;
            p++;
        } else if (!strncmp(p, "auto", 4)) {
            items++;
            p += 4;
        } else if (*p == '-' && p[1] == '1' && !isdigit((unsigned char)p[2])) {
            items++;
            p += 2;
        } else if (isdigit((unsigned char)*p)) {
            char *end;
            if (strtoll(p, &end, 10) <= 0)
                return !(*zero = true);
            items++;
            p = end;
        } else {
            return false;
        }
    }
    return depth == 0 && items > 0;
}

/* Whether a word that starts with '-' reads as an option (letters, digits
 * and '-' up to an '='), not as an expression ('-x + 1', '-(x)'). */
static bool option_like(const char *a)
{
    for (const char *p = a + 1; *p && *p != '='; p++)
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
            return false;
    return true;
}

int cli_eval(int argc, char **argv)
{
    const char *text = NULL, *chunks = NULL, *output = NULL, *picture = NULL, *report = NULL;
    const char *grid = NULL;    /* --chunks-svg */
    char *grid_svg = NULL;
    size_t grid_len = 0;
    bool describe = false, print = false, view = false, quiet = false, memory_check = true;
    bool close_when_done = !isatty(STDIN_FILENO);
    const char *theme = NULL;   /* --theme, for --view */
    size_t threshold = 0;       /* --threshold, for --visualize (0: viz's default) */
    dusk_options run = DUSK_OPTIONS_INIT;
    char *inputs[MAX_INPUTS];
    int ninputs = 0;
    const char *given[sizeof SINGLE / sizeof *SINGLE] = {NULL};   /* cli_once's */

    bool options_end = false;   /* after "--" every word is the expression */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        char opt[32];
        if (!options_end && !strcmp(a, "--")) {
            options_end = true;
            continue;
        }
        if (options_end) {
            if (text) {
                fprintf(stderr, "dusk eval: one expression only; '%s' is a second one (quote "
                                "the expression)\n", a);
                return 2;
            }
            text = a;
            continue;
        }
        /* --opt=value is --opt value */
        const char *eq = strncmp(a, "--", 2) == 0 ? strchr(a, '=') : NULL;
        if (eq && (size_t)(eq - a) < sizeof opt) {
            memcpy(opt, a, (size_t)(eq - a));
            opt[eq - a] = '\0';
            a = opt;
            val = eq + 1;
        }
/* An option's value: after '=' or the next argument, but never a long
 * option (`dusk eval -i --input i=f.h5:/d` meant -i as the expression:
 * it took --input as its value and the rest as the expression) */
#define VALUE()                                                                           \
    (val ? val                                                                            \
     : i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0 ? argv[++i]                     \
     : (fprintf(stderr, "dusk eval: %s needs a value%s%s%s\n", a,                          \
                i + 1 < argc ? " ('" : "", i + 1 < argc ? argv[i + 1] : "",                 \
                i + 1 < argc && a[1] != '-'                                               \
                    ? "' is an option; an expression that starts with '-' goes last, after " \
                      "--: dusk eval OPTIONS -- EXPR)"                                     \
                    : i + 1 < argc ? "' is an option)" : ""),                              \
        (char *)NULL))
        /* an option of one value given twice: refused, as cli_next does for
         * the other subcommands (--input is given once per array) */
        const char *once = !strcmp(a, "-o") ? "--output" : a;
        for (size_t k = 0; k < sizeof SINGLE / sizeof *SINGLE; k++) {
            const char *v = val ? val : i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0
                                            ? argv[i + 1] : NULL;   /* as VALUE() takes it */
            if (v && !strcmp(once, SINGLE[k]) && cli_once("eval", a, &given[k], v) != 0)
                return 2;
        }
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(HELP, stdout);
            return 0;
        } else if (!strcmp(a, "--input") || !strcmp(a, "-i")) {
            const char *v = VALUE();
            if (!v)
                return 2;
            if (ninputs == MAX_INPUTS) {
                fprintf(stderr, "dusk eval: more than %d --input\n", MAX_INPUTS);
                return 2;
            }
            inputs[ninputs++] = (char *)v;
        } else if (!strcmp(a, "--chunks")) {
            if (!(chunks = VALUE()))
                return 2;
            bool zero;
            if (!chunks_spelled(chunks, &zero) || !expr_chunks_readable(chunks)) {
                fprintf(stderr, "dusk eval: --chunks '%s': %schunks are a number, auto or a "
                                "tuple of them, as '(500, 500)'\n", chunks,
                        zero ? "a chunk of 0 elements; " : "");
                return 2;
            }
        } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            if (!(output = VALUE()))
                return 2;
        } else if (!strcmp(a, "--visualize")) {
            if (!(picture = VALUE()))
                return 2;
        } else if (!strcmp(a, "--chunks-svg")) {
            if (!(grid = VALUE()))
                return 2;
        } else if (!strcmp(a, "--threshold")) {
            const char *v = VALUE();
            long n;
            if (!v)
                return 2;
            if (cli_parse_int(v, 1, 1000000000, &n) != 0) {
                fprintf(stderr, "dusk eval: --threshold '%s': a whole number of tasks, from 1\n",
                        v);
                return 2;
            }
            threshold = (size_t)n;
        } else if (!strcmp(a, "--profile")) {
            if (!(report = VALUE()))
                return 2;
        } else if (!strcmp(a, "--theme")) {
            if (!(theme = VALUE()))
                return 2;
            dusk_error terr = DUSK_ERROR_INIT;
            if (dusk_view_theme_check(theme, &terr) != 0) {
                fprintf(stderr, "dusk eval: --theme: %s\n", terr.msg);
                return 2;
            }
        } else if (!strcmp(a, "--scheduler")) {
            const char *v = VALUE();
            if (!v)
                return 2;
            if (!strcmp(v, "sync"))
                run.scheduler = DUSK_SCHED_SYNC;
            else if (!strcmp(v, "threads"))
                run.scheduler = DUSK_SCHED_THREADS;
            else if (!strcmp(v, "processes"))
                run.scheduler = DUSK_SCHED_PROCESSES;
            else {
                fprintf(stderr, "dusk eval: --scheduler '%s': sync, threads or processes\n", v);
                return 2;
            }
        } else if (!strcmp(a, "--workers")) {
            const char *v = VALUE();
            long n;
            if (!v)
                return 2;
            if (cli_parse_int(v, 0, 4096, &n) != 0) {
                fprintf(stderr, "dusk eval: --workers '%s': a number from 0 to 4096\n", v);
                return 2;
            }
            run.workers = (int)n;
        } else if (val) {
            /* --describe=yes: a known flag, which takes no value (as cli_next says) */
            static const char *const flags[] = {"--describe", "--print", "--view", "--close",
                                                "--quiet", "--no-memory-check"};
            for (size_t k = 0; k < sizeof flags / sizeof *flags; k++)
                if (!strcmp(a, flags[k])) {
                    fprintf(stderr, "dusk eval: option '%s' takes no value\n", a);
                    return 2;
                }
            goto unknown;
        } else if (!strcmp(a, "--describe")) {
            describe = true;
        } else if (!strcmp(a, "--print")) {
            print = true;
        } else if (!strcmp(a, "--view")) {
            view = true;
        } else if (!strcmp(a, "--close")) {
            close_when_done = true;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            quiet = true;
        } else if (!strcmp(a, "--no-memory-check")) {
            memory_check = false;
        } else if (a[0] == '-' && a[1] && !isdigit((unsigned char)a[1]) && a[1] != '.' &&
                   option_like(a)) {
        unknown:;
            const char *near = expr_closest(a, OPTIONS, sizeof OPTIONS / sizeof *OPTIONS);
            fprintf(stderr, "dusk eval: unknown option '%s'", a);
            if (near)
                fprintf(stderr, "; did you mean '%s'?", near);
            else if (a[1] != '-')   /* -x, -inf: meant as an expression? */
                fprintf(stderr, " (an expression that starts with '-' goes after --: "
                                "dusk eval -- '%s')\n", a);
            if (near || a[1] == '-')
                fprintf(stderr, " (dusk eval --help lists them)\n");
            return 2;
        } else if (text) {
            fprintf(stderr, "dusk eval: one expression only; '%s' is a second one (quote the "
                            "expression)\n", a);
            return 2;
        } else {
            text = a;
        }
#undef VALUE
    }
    if (!text) {
        fprintf(stderr, "dusk eval: no expression given (dusk eval --help)\n");
        return 2;
    }
    if (theme && !view) {
        fprintf(stderr, "dusk eval: --theme goes with --view\n");
        return 2;
    }
    if (threshold && !picture) {
        fprintf(stderr, "dusk eval: --threshold goes with --visualize\n");
        return 2;
    }
    /* nothing else asked: the value, also after the window (as dusk run
     * --view prints its value) */
    if (!describe && !picture && !output && !report && !grid)
        print = true;

    /* Usage first: the expression and the targets, before any file is read. */
    expr_error xe;
    expr_tree *tree = expr_parse(text, &xe);
    if (!tree) {
        if (xe.col > 0)
            cli_fail(0, "eval", "column %d: %s", xe.col, xe.msg);
        else
            cli_fail(0, "eval", "%s", xe.msg);
        show_caret(text, xe.col);
        return xe.code ? xe.code : 2;
    }
    char *outspec = NULL, *outfile = NULL, *outset = NULL, *picture_tmp = NULL;
    char *specs[MAX_INPUTS];
    expr_binding bind[MAX_INPUTS];
    char *names[MAX_INPUTS], *files[MAX_INPUTS], *sets[MAX_INPUTS];
    int rc = 0, nspecs = 0;
    dusk_array_ctx *ctx = NULL;
    dusk_profiler *prof = NULL;
    dusk_progress *bar = NULL;
    dusk_value *result = NULL;
    dusk_error err = DUSK_ERROR_INIT;

    if (picture && (rc = cli_check_picture("eval", "--visualize", picture)) != 0)
        goto done;

    if (output) {
        outspec = target_copy(output);
        int why = outspec ? split_target(outspec, NULL, &outfile, &outset) : TARGET_BAD;
        if (why == TARGET_ROOT)
            rc = cli_fail(2, "eval", "-o '%s': '/' is the root group of %s, not a dataset: "
                          "name the dataset to write (%s:/r)", output, outfile, outfile);
        else if (why == TARGET_NO_DATASET)
            rc = cli_fail(2, "eval", "-o '%s': which dataset of %s? (FILE.hdf5:/dataset, "
                          "e.g. %s:/r)", output, outfile, outfile);
        else if (why < 0)
            rc = cli_fail(2, "eval", "-o '%s': expected FILE.hdf5:/dataset", output);
        if (rc)
            goto done;
    }
    for (int k = 0; k < ninputs; k++) {
        if (!(specs[k] = target_copy(inputs[k]))) {
            fprintf(stderr, "dusk eval: out of memory\n");
            rc = 1;
            goto done;
        }
        nspecs++;
        int why = split_target(specs[k], &names[k], &files[k], &sets[k]);
        char held[400] = "", first[256] = "";
        if (why == TARGET_ROOT || why == TARGET_NO_DATASET)
            root_datasets(files[k], held, sizeof held, first, sizeof first);
        /* the example: a dataset the file holds, or where its groups' are */
        const char *example = first[0]                           ? first
                              : strstr(held, "only the group") ? "/GROUP/DATASET"
                                                               : "/data_set_1";
        if (why == TARGET_ROOT)
            rc = cli_fail(2, "eval", "--input '%s': '/' is the root group of %s, not a "
                          "dataset%s: name one (%s=%s:%s)", inputs[k], files[k], held, names[k],
                          files[k], example);
        else if (why == TARGET_NO_DATASET)
            rc = cli_fail(2, "eval", "--input '%s': which dataset of %s?%s%s (NAME=FILE.hdf5:"
                          "/dataset, e.g. %s=%s:%s)", inputs[k], files[k], held[0] ? " " : "",
                          held[0] ? held + 2 : "", names[k], files[k], example);
        else if (why < 0)
            rc = cli_fail(2, "eval", "--input '%s': expected NAME=FILE.hdf5:/dataset (NAME "
                          "a Python name)", inputs[k]);
        if (rc)
            goto done;
        for (int j = 0; j < k; j++)
            if (!strcmp(names[j], names[k])) {
                fprintf(stderr, "dusk eval: --input names '%s' twice\n", names[k]);
                rc = 2;
                goto done;
            }
    }

    /* the outputs' folders, before any input is read or anything computed:
     * a late failure would leave the outputs written before it */
    const char *outs[] = {outfile, picture, report};
    static const char *const out_opt[] = {"-o", "--visualize", "--profile"};
    for (size_t k = 0; k < sizeof outs / sizeof *outs; k++)
        if (outs[k] && (rc = cli_check_output("eval", outs[k])) != 0)
            goto done;
    /* the picture or the report never replaces an input's file (-o adds a
     * dataset to one, which is fine) nor another output */
    for (size_t k = 0; k < sizeof outs / sizeof *outs && !rc; k++) {
        if (!outs[k])
            continue;
        for (int j = 0; k > 0 && j < ninputs && !rc; j++)
            if (cli_same_file(outs[k], files[j]))
                rc = cli_fail(2, "eval", "%s %s would replace the input file %s", out_opt[k],
                              outs[k], files[j]);
        for (size_t j = 0; j < k && !rc; j++)
            if (outs[j] && cli_same_file(outs[k], outs[j]))
                rc = cli_fail(2, "eval", "%s and %s name one file, %s", out_opt[j], out_opt[k],
                              outs[k]);
    }
    /* -o never replaces a dataset it reads: the result computed from it
     * would be all that is left of it */
    for (int j = 0; outfile && j < ninputs && !rc; j++)
        if (cli_same_file(outfile, files[j]) &&
            !strcmp(outset + strspn(outset, "/"), sets[j] + strspn(sets[j], "/")))
            rc = cli_fail(2, "eval", "-o %s would replace the dataset --input %s reads (%s:%s): "
                          "write the result to another dataset or file", output, names[j],
                          files[j], sets[j]);
    /* the report is HTML: not into r.txt */
    if (!rc && report)
        rc = cli_check_kind("eval", "--profile", report, "the report", "html", "htm");
    if (rc)
        goto done;

    if (!(ctx = dusk_array_ctx_new())) {
        fprintf(stderr, "dusk eval: out of memory\n");
        rc = 1;
        goto done;
    }
    dusk_array_ctx_set_memory_check(ctx, memory_check);
    for (int k = 0; k < ninputs; k++) {
        dusk_array *a = dusk_from_hdf5(ctx, files[k], sets[k], chunks);
        if (dusk_array_status(a, &err) != 0) {
            cli_fail(0, "eval", "--input %s: %s", names[k], err.msg);
            rc = 1;
            goto done;
        }
        bind[k].name = names[k];
        bind[k].array = a;
    }
    expr_env env = {ctx, bind, (size_t)ninputs, chunks, 0, 0};
    dusk_array *r = NULL;
    if (expr_eval(tree, &env, &r, &xe) != 0) {
        if (xe.col > 0)
            cli_fail(0, "eval", "column %d: %s", xe.col, xe.msg);
        else
            cli_fail(0, "eval", "%s", xe.msg);
        show_caret(text, xe.col);
        rc = xe.code;
        goto done;
    }

    if (describe) {
        size_t n = dusk_array_describe(r, NULL, 0);
        char *buf = dusk_malloc(n + 1);
        if (!buf) {
            fprintf(stderr, "dusk eval: out of memory\n");
            rc = 1;
            goto done;
        }
        dusk_array_describe(r, buf, n + 1);
        fputs(buf, stdout);
        if (n && buf[n - 1] != '\n')
            putchar('\n');
        dusk_free(buf);
    }
    if (grid && dusk_viz_chunks_svg(r, 500, &grid_svg, &grid_len, &err) != 0) {
        cli_fail(0, "eval", "--chunks-svg %s: %s", grid, err.msg);
        rc = 1;
        goto done;
    }
    /* A picture beside a computation is drawn first, under a temporary
     * name of its folder, and put in place once the computation went
     * through: a failed or interrupted one leaves no picture (and the file
     * it would replace as it was). */
    bool computes = output || print || report || view;
    if (picture && computes && !(picture_tmp = temp_beside(picture))) {
        fprintf(stderr, "dusk eval: out of memory\n");
        rc = 1;
        goto done;
    }
    dusk_viz_options viz = DUSK_VIZ_OPTIONS_INIT;
    viz.threshold = threshold;
    viz.quiet = quiet;   /* -q: no note when the picture is the layer view, as render's */
    viz.layers_hint = "a --threshold below its tasks";
    viz.who = "dusk eval";   /* viz's notes name the subcommand */
    if (picture) {
        char how[64];
        size_t ntasks = (size_t)dusk_array_ntasks(r);
        snprintf(how, sizeof how, "--threshold %zu", ntasks);
        cli_layers_note("eval", &viz, ntasks, how);
    }
    if (picture &&
        dusk_visualize_array(r, picture_tmp ? picture_tmp : picture, &viz, &err) != 0) {
        cli_fail(0, "eval", "--visualize %s: %s", picture, err.msg);
        rc = 1;
        goto done;
    }
    if (!computes) {
        rc = write_grid(grid, grid_svg, grid_len);
        goto done;
    }

    /* Ctrl-C stops the run, and the store removes its temporary file */
    dusk_callbacks cbs[3];
    cli_interrupt_install();
    cbs[run.ncallbacks++] = cli_interrupt_callbacks();
    if (report) {
        if (!(prof = dusk_profiler_new(NULL))) {
            fprintf(stderr, "dusk eval: out of memory\n");
            rc = 1;
            goto done;
        }
        cbs[run.ncallbacks++] = dusk_profiler_callbacks(prof);
    }
    /* the bar draws only where stderr is a terminal; the window shows its own */
    if (!quiet && !view && (bar = dusk_progress_new(NULL)))
        cbs[run.ncallbacks++] = dusk_progress_callbacks(bar);
    run.callbacks = cbs;
    dusk_view_options vo = DUSK_VIEW_OPTIONS_INIT;
    vo.run = &run;
    vo.stop = cli_interrupt_flag();
    vo.title = text;
    vo.close_when_done = close_when_done;
    vo.theme = theme;
    dusk_store_options so = {0, true};
    int crc = 0, stored = 0;
    if (output) {
        crc = view ? dusk_view_array_store(r, outfile, outset, &so, &vo, &err)
                   : dusk_array_store(r, outfile, outset, &so, &run, &err);
        stored = crc == 0;
    }
    if (crc == 0 && (print || (!output && (report || view))))
        crc = view && !output ? dusk_view_array_compute(r, &vo, &result, &err)
                              : dusk_array_compute(r, &run, &result, &err);
    /* A signal that came once every task had started stopped nothing: a
     * store that went through has replaced the file, so say so rather than
     * claim it was left as it was. */
    if (cli_interrupted() && (crc != 0 || !stored || print)) {
        if (stored)
            fprintf(stderr, "dusk eval: %s:%s was written before the interruption\n", outfile,
                    outset);
        rc = cli_interrupt_exit("eval");
        goto done;
    }
    if (crc != 0) {
        cli_fail(0, "eval", "%s", err.msg);
        rc = 1;
        goto done;
    }
    if (print && result)
        print_value(result);
    if (report && dusk_profiler_write_report(prof, report, NULL, &err) != 0) {
        cli_fail(0, "eval", "--profile %s: %s", report, err.msg);
        rc = 1;
        goto done;
    }
    if (picture_tmp && rename(picture_tmp, picture) != 0) {
        cli_fail(0, "eval", "--visualize %s: cannot put the picture in place: %s", picture,
                 strerror(errno));
        rc = 1;
        goto done;
    }
    if (picture_tmp) {
        dusk_free(picture_tmp);
        picture_tmp = NULL;
    }
    rc = write_grid(grid, grid_svg, grid_len);

done:
    dusk_free(grid_svg);
    if (picture_tmp) {   /* drawn, but the command failed */
        unlink(picture_tmp);
        dusk_free(picture_tmp);
    }
    dusk_value_unref(result);
    dusk_profiler_free(prof);
    dusk_progress_free(bar);
    dusk_array_ctx_free(ctx);
    for (int k = 0; k < nspecs; k++)
        dusk_free(specs[k]);
    dusk_free(outspec);
    expr_free(tree);
    return rc;
}
