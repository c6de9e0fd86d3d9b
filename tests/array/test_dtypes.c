/*
** dusk tests — float16, complex64 and complex128 (issue 16, "Dtypes"),
** checked against NumPy and h5py
**
** NumPy (Debian's /usr/bin/python3: install-deps installs python3-numpy
** and python3-h5py) gives the expected side: its result dtypes for every
** pair of dtypes and operation, its float16 rounding of tricky doubles,
** its results of arithmetic, abs, real, imag, conj and reductions on
** complex and half arrays (written raw to the scratch directory), and
** h5py reads what dusk writes and writes what dusk reads.
*/
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <complex.h>

#include "dusk.h"
#include "dusk/array.h"
#include "dusk/encode.h"
#include "helpers.h"

#define NALL 14
static const dusk_dtype EVERY[NALL] = {
    DUSK_DT_F8, DUSK_DT_F4, DUSK_DT_F2, DUSK_DT_C16, DUSK_DT_C8, DUSK_DT_I8, DUSK_DT_I4,
    DUSK_DT_I2, DUSK_DT_I1, DUSK_DT_U8, DUSK_DT_U4, DUSK_DT_U2, DUSK_DT_U1, DUSK_DT_BOOL,
};

/* Runs a Python program (NumPy as np, h5py) with the scratch directory as
 * its working directory; returns its output (free it), failing the test
 * when Python fails. */
static char *py(const char *prog)
{
    size_t cap = strlen(prog) + 1024;
    char *cmd = malloc(cap);
    assert_non_null(cmd);
    snprintf(cmd, cap, "cd '%s' && /usr/bin/python3 -c \"$(cat <<'EOF'\nimport h5py, numpy as np\n"
             "import warnings\nwarnings.simplefilter('ignore')\n%s\nEOF\n)\" 2>&1",
             scratch_dir, prog);
    int status;
    char *out = run_command(cmd, &status);
    free(cmd);
    if (status != 0)
        fail_msg("python3 with NumPy and h5py (install-deps installs python3-numpy and "
                 "python3-h5py) failed:\n%s\n%s", prog, out);
    return out;
}

static dusk_value *compute(dusk_array *a, const char *what)
{
    return compute_with(a, NULL, what);
}

/* NumPy's dtype code as dusk spells it ("b1" for bool). */
static const char *code(dusk_dtype t) { return dusk_dtype_code(t); }

static dusk_dtype dtype_of_code(const char *c)
{
    for (int i = 0; i < NALL; i++)
        if (strcmp(dusk_dtype_code(EVERY[i]), c) == 0)
            return EVERY[i];
    fail_msg("no dtype %s", c);
    return DUSK_DT_F8;
}

/* --- dtypes of results -------------------------------------------------------- */

/* Every pair of dtypes under + and /, every unary operation and reduction,
 * and array OP float scalar: the dtype dusk gives is NumPy's. */
static void test_result_dtypes_are_numpys(void **state)
{
    dusk_array_ctx *ctx = *state;
    char *out = py(
        "codes = ['f8','f4','f2','c16','c8','i8','i4','i2','i1','u8','u4','u2','u1','b1']\n"
        "def c(t): t = np.dtype(t); return 'b1' if t == np.bool_ else t.kind.replace('f','f') + str(t.itemsize)\n"
        "def arr(t): return np.ones(2, t)\n"
        "for a in codes:\n"
        "    for b in codes:\n"
        "        print('add', a, b, c((arr(a) + arr(b)).dtype), c((arr(a) / arr(b)).dtype))\n"
        "for a in codes:\n"
        "    x = arr(a)\n"
        "    print('un', a, c(np.abs(x).dtype), c(np.exp(x).dtype), c(np.real(x).dtype),\n"
        "          c(np.imag(x).dtype), c(np.conj(x).dtype) if a != 'b1' else 'b1',\n"
        "          c(x.sum().dtype), c(x.prod().dtype), c(x.mean().dtype), c(x.var().dtype))\n"
        "for a in ['f2', 'f4', 'c8', 'c16']:\n"
        "    for s in [1.5, 64999.0, 65000.0, -65504.0, 1e5, 3.3999e38, 3.4e38, 1e39, float('inf'), float('nan')]:\n"
        "        print('sc', a, repr(s), c((arr(a) + s).dtype))\n");
    int lines = 0;
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        char k[32], a[8], b[8], w[9][8];
        if (sscanf(line, "add %7s %7s %7s %7s", a, b, w[0], w[1]) == 4) {
            dusk_dtype ta = dtype_of_code(a), tb = dtype_of_code(b);
            dusk_array *x = dusk_ones(ctx, DUSK_SHAPE(2), NULL, ta);
            dusk_array *y = dusk_ones(ctx, DUSK_SHAPE(2), NULL, tb);
            if (strcmp(code(dusk_array_dtype(dusk_array_add(x, y))), w[0]) != 0)
                fail_msg("%s + %s: dusk %s, numpy %s", a, b,
                         code(dusk_array_dtype(dusk_array_add(x, y))), w[0]);
            if (strcmp(code(dusk_array_dtype(dusk_array_div(x, y))), w[1]) != 0)
                fail_msg("%s / %s: dusk %s, numpy %s", a, b,
                         code(dusk_array_dtype(dusk_array_div(x, y))), w[1]);
            lines++;
        } else if (sscanf(line, "un %7s %7s %7s %7s %7s %7s %7s %7s %7s %7s", a, w[0], w[1],
                          w[2], w[3], w[4], w[5], w[6], w[7], w[8]) == 10) {
            dusk_array *x = dusk_ones(ctx, DUSK_SHAPE(2), NULL, dtype_of_code(a));
            dusk_array *got[9] = {
                dusk_array_unop(DUSK_UNOP_ABS, x), dusk_array_unop(DUSK_UNOP_EXP, x),
                dusk_array_unop(DUSK_UNOP_REAL, x), dusk_array_unop(DUSK_UNOP_IMAG, x),
                dusk_array_unop(DUSK_UNOP_CONJ, x),
                dusk_array_reduce(DUSK_RED_SUM, x, DUSK_ALL_AXES, false, 0, 0),
                dusk_array_reduce(DUSK_RED_PROD, x, DUSK_ALL_AXES, false, 0, 0),
                dusk_array_reduce(DUSK_RED_MEAN, x, DUSK_ALL_AXES, false, 0, 0),
                dusk_array_reduce(DUSK_RED_VAR, x, DUSK_ALL_AXES, false, 0, 0),
            };
            static const char *const what[9] = {"abs", "exp", "real", "imag", "conj",
                                                "sum", "prod", "mean", "var"};
            for (int i = 0; i < 9; i++)
                if (strcmp(code(dusk_array_dtype(got[i])), w[i]) != 0)
                    fail_msg("%s of %s: dusk %s, numpy %s", what[i], a,
                             code(dusk_array_dtype(got[i])), w[i]);
            lines++;
        } else if (sscanf(line, "sc %7s %31s %7s", a, k, w[0]) == 3) {
            double s = strcmp(k, "inf") == 0 ? INFINITY : strcmp(k, "nan") == 0 ? NAN
                                                                               : strtod(k, NULL);
            dusk_array *x = dusk_ones(ctx, DUSK_SHAPE(2), NULL, dtype_of_code(a));
            dusk_array *r = dusk_array_binop_scalar(DUSK_BINOP_ADD, x, s, false);
            if (strcmp(code(dusk_array_dtype(r)), w[0]) != 0)
                fail_msg("%s + %s: dusk %s, numpy %s", a, k, code(dusk_array_dtype(r)), w[0]);
            lines++;
        }
    }
    free(out);
    assert_int_equal(lines, NALL * NALL + NALL + 4 * 10);
}

/* Whole scalars at the ends of the 64-bit ranges, as NumPy 1.24 takes
 * Python ints: int64 down to -2**63, uint64 from 2**63 to 2**64 - 1. dusk
 * used to take every one beyond 9.2e18 for a float: float64 results,
 * rounded. (NumPy's answers, computed once, are the table's.) */
static void test_int_scalars_at_the_range_ends(void **state)
{
    dusk_array_ctx *ctx = *state;
    static const struct {
        dusk_dtype t;
        dusk_binop op;
        double s;
        bool first;
        dusk_dtype want;
        uint64_t v[3];   /* of [1, 0, 3] OP s, as uint64 bits */
    } cases[] = {
        {DUSK_DT_I8, DUSK_BINOP_ADD, -0x1p63, false, DUSK_DT_I8,
         {9223372036854775809u, 9223372036854775808u, 9223372036854775811u}},
        {DUSK_DT_I1, DUSK_BINOP_ADD, 9220000000000000000.0, false, DUSK_DT_I8,
         {9220000000000000001u, 9220000000000000000u, 9220000000000000003u}},
        {DUSK_DT_U1, DUSK_BINOP_ADD, 0x1p63, false, DUSK_DT_U8,
         {9223372036854775809u, 9223372036854775808u, 9223372036854775811u}},
        {DUSK_DT_BOOL, DUSK_BINOP_ADD, 0x1p63, false, DUSK_DT_U8,
         {9223372036854775809u, 9223372036854775808u, 9223372036854775809u}},
        {DUSK_DT_BOOL, DUSK_BINOP_SUB, 0x1p63, false, DUSK_DT_U8,
         {9223372036854775809u, 9223372036854775808u, 9223372036854775809u}},
        {DUSK_DT_U8, DUSK_BINOP_ADD, 0x1p64 - 2048, false, DUSK_DT_U8,
         {18446744073709549569u, 18446744073709549568u, 18446744073709549571u}},
        {DUSK_DT_U1, DUSK_BINOP_SUB, 0x1p63, true, DUSK_DT_U8,
         {9223372036854775807u, 9223372036854775808u, 9223372036854775805u}},
        {DUSK_DT_U8, DUSK_BINOP_MUL, 0x1p63, false, DUSK_DT_U8,
         {9223372036854775808u, 0, 9223372036854775808u}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        uint8_t buf[24] = {0};
        for (int k = 0; k < 3; k++)
            ref_seti(buf, cases[i].t, k, (int64_t[]){1, 0, 3}[k]);
        dusk_array *x = dusk_from_buffer(ctx, buf, cases[i].t, DUSK_SHAPE(3), "2");
        dusk_array *r = dusk_array_binop_scalar(cases[i].op, x, cases[i].s, cases[i].first);
        if (dusk_array_dtype(r) != cases[i].want)
            fail_msg("case %zu: %s OP %.17g: dusk %s, numpy %s", i, code(cases[i].t), cases[i].s,
                     code(dusk_array_dtype(r)), code(cases[i].want));
        dusk_value *v = compute(r, "range end");
        for (int k = 0; k < 3; k++) {
            uint64_t got;
            memcpy(&got, (const char *)dusk_ndarray_data(v) + 8 * k, 8);
            if (got != cases[i].v[k])
                fail_msg("case %zu, element %d: %" PRIu64 ", numpy %" PRIu64, i, k, got,
                         cases[i].v[k]);
        }
        release(v);
    }
    /* a signed array and a scalar only uint64 holds: float64, as before */
    dusk_array *y = dusk_ones(ctx, DUSK_SHAPE(3), NULL, DUSK_DT_I8);
    assert_int_equal(dusk_array_dtype(dusk_array_binop_scalar(DUSK_BINOP_ADD, y, 0x1p63, false)),
                     DUSK_DT_F8);
}

static bool same_number(double got, double want)
{
    return (got == want && signbit(got) == signbit(want)) || (isnan(got) && isnan(want));
}

/* x ** y of complex128 arrays as NumPy's npy_cpow: zero to a power
 * that is not real and positive is nan (C's cpow: 0 or inf), whole
 * powers below 100 by repeated multiplication (exactly NumPy's numbers),
 * the rest by cpow. */
static void test_complex_power_is_numpys(void **state)
{
    dusk_array_ctx *ctx = *state;
    char *out = py(
        "b = [0, -0.0, 3, 1j, 2 + 3j, 1e200 + 1j, 1.1 - 0.7j]\n"
        "e = [2, 2.5, 1j, -1, 0, 3, 1e5 + 1j, 7, -2, 0.5j, -17, 99, 1]\n"
        "x = np.array([p for p in b for q in e], np.complex128)\n"
        "y = np.array([q for p in b for q in e], np.complex128)\n"
        "x.tofile('cpx.c16'); y.tofile('cpy.c16')\n"
        "with np.errstate(all='ignore'): r = x ** y\n"
        "print(len(r)); print(' '.join(v.real.hex() + ' ' + v.imag.hex() for v in r))\n");
    char *p = out, *end;
    int64_t n = strtoll(p, &end, 10);
    assert_true(n == 7 * 13);
    void *bx = slurp(scratch("cpx.c16"), NULL), *by = slurp(scratch("cpy.c16"), NULL);
    dusk_array *x = dusk_from_buffer(ctx, bx, DUSK_DT_C16, DUSK_SHAPE(n), "20");
    dusk_array *y = dusk_from_buffer(ctx, by, DUSK_DT_C16, DUSK_SHAPE(n), "20");
    free(bx);
    free(by);
    dusk_value *v = compute(dusk_array_binop(DUSK_BINOP_POW, x, y), "x ** y");
    const double *got = dusk_ndarray_data(v);
    p = end;
    for (int64_t i = 0; i < 2 * n; i++) {
        double want = strtod(p, &end);
        assert_true(end != p);
        p = end;
        /* the powers cpow takes: to a few ulps of the power's magnitude */
        double mag = hypot(got[i & ~(int64_t)1], got[i | 1]);
        if (!same_number(got[i], want) && !(fabs(got[i] - want) <= 1e-14 * mag))
            fail_msg("element %lld (%s part): dusk %.17g, numpy %.17g", (long long)(i / 2),
                     i % 2 ? "imaginary" : "real", got[i], want);
    }
    release(v);
    free(out);
}

/* One element of a result as its real and imaginary parts. */
static void parts_at(const void *data, dusk_dtype t, int64_t i, double *re, double *im)
{
    *im = 0;
    if (t == DUSK_DT_C16) {
        memcpy(re, (const char *)data + 16 * i, 8);
        memcpy(im, (const char *)data + 16 * i + 8, 8);
    } else if (t == DUSK_DT_C8) {
        float f[2];
        memcpy(f, (const char *)data + 8 * i, 8);
        *re = f[0];
        *im = f[1];
    } else {
        *re = ref_getf(data, t, i);
    }
}

/* a / b of complex numbers as NumPy's divide loop computes it (Smith's
 * method, in float for complex64), bit for bit: ordinary numbers (where
 * C's / is an ulp apart), large and small magnitudes, zeros, inf and nan.
 * NumPy 1.24.2 computed the quotients: x / y of np.complex128 (and
 * np.complex64) arrays of these a and b, printed with float.hex. */
static const double CDIV16[][6] = {   /* a.real, a.imag, b.real, b.imag, quotient */
    {-0x1.530930ee62e3ep+0, -0x1.4a26acb747354p-2, -0x1.b34452d325f19p+0, -0x1.ea25366bb540cp+0, 0x1.c0141d3a63bcep-2, -0x1.36654ac66a680p-2},
    {0x1.22d3f20fc6f7bp+0, 0x1.fc4dbcbe78eecp-1, -0x1.5c1b691714e15p+0, 0x1.7a0d09bed9f78p-1, -0x1.5b2ca3a82569cp-2, -0x1.d411ab3b3030dp-1},
    {0x1.999999999999ap-4, 0x1.999999999999ap-3, 0x1.3333333333333p-2, -0x1.6666666666666p-1, -0x1.8469ee58469efp-3, 0x1.cb08d3dcb08d5p-3},
    {0x1.8000000000000p+1, 0x1.0000000000000p+2, 0x1.0000000000000p+0, 0x1.0000000000000p+1, 0x1.199999999999ap+1, -0x1.999999999999ap-2},
    {0x1.0000000000000p+0, 0x0.0p+0, 0x1.8000000000000p+1, 0x0.0p+0, 0x1.5555555555555p-2, 0x0.0p+0},
    {0x1.0000000000000p+1, 0x1.0000000000000p+0, 0x0.0p+0, 0x1.8000000000000p+1, 0x1.5555555555555p-2, -0x1.5555555555555p-1},
    {-0x1.4000000000000p+2, 0x0.0p+0, 0x0.0p+0, -0x1.0000000000000p+1, -0x0.0p+0, -0x1.4000000000000p+1},
    {0x1.7e43c8800759cp+996, 0x1.7e43c8800759cp+996, 0x1.7e43c8800759cp+996, 0x1.31cfd3999f7b0p+993, 0x1.16cfd7720f353p+0, 0x1.c83cd4e930288p-1},
    {0x1.56e1fc2f8f359p-997, 0x1.01297d23ab683p-995, 0x1.e0092ddc2ee49p-998, -0x1.56e1fc2f8f359p-996, -0x1.2e2ec0b6732bfp+0, 0x1.d387207fb7052p-1},
    {0x1.1ccf385ebc8a0p+1023, 0x1.1ccf385ebc8a0p+1023, 0x0.730d67819e8d2p-1022, 0x0.730d67819e8d2p-1022, INFINITY, 0x0.0p+0},
    {0x0.012688b70e62bp-1022, 0x1.0000000000000p+1, 0x0.00000000017b8p-1022, 0x0.000000c1069cdp-1022, INFINITY, INFINITY},
    {0x1.ab36d48e1acf0p+1023, -0x1.1ccf385ebc8a0p+1023, 0x1.e42d130773b76p+1023, 0x1.c7b1f3cac7433p+1023, 0x0.0p+0, NAN},
    {0x1.0000000000000p+1, 0x1.8000000000000p+1, 0x1.87e92154ef7acp-665, 0x1.4e718d7d7625ap+664, 0x1.25eed8ffb39c1p-663, -0x1.87e92154ef7acp-664},
    {0x1.0000000000000p+0, 0x1.0000000000000p+0, 0x0.0p+0, 0x0.0p+0, INFINITY, INFINITY},
    {-0x1.0000000000000p+0, 0x0.0p+0, -0x0.0p+0, 0x0.0p+0, -INFINITY, NAN},
    {0x0.0p+0, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, NAN, NAN},
    {0x1.0000000000000p+0, 0x1.0000000000000p+0, INFINITY, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0},
    {INFINITY, 0x1.0000000000000p+0, 0x1.0000000000000p+0, 0x1.0000000000000p+0, INFINITY, -INFINITY},
    {NAN, 0x1.0000000000000p+0, 0x1.0000000000000p+1, 0x0.0p+0, NAN, NAN},
    {0x1.0000000000000p+0, 0x1.0000000000000p+1, INFINITY, INFINITY, NAN, NAN},
    {0x0.0p+0, -0x0.0p+0, 0x1.0000000000000p+0, 0x1.0000000000000p+0, 0x0.0p+0, -0x0.0p+0},
};
static const double CDIV8[][6] = {    /* the same of complex64, each number a float's */
    {-0x1.9a96c20000000p-1, -0x1.5c3a240000000p+0, 0x1.15932e0000000p-3, 0x1.da02c20000000p-3, -0x1.78c8b80000000p+2, 0x1.1b84420000000p-6},
    {-0x1.5309300000000p+0, -0x1.4a26ac0000000p-2, -0x1.b344520000000p+0, -0x1.ea25360000000p+0, 0x1.c014200000000p-2, -0x1.36654c0000000p-2},
    {0x1.99999a0000000p-4, 0x1.99999a0000000p-3, 0x1.3333340000000p-2, -0x1.6666660000000p-1, -0x1.8469ec0000000p-3, 0x1.cb08d60000000p-3},
    {0x1.2ced320000000p+126, 0x1.2ced320000000p+126, 0x1.691ca40000000p+124, -0x1.2ced320000000p+127, -0x1.a99f9a0000000p-2, 0x1.1febf60000000p-1},
    {0x1.b38fb80000000p-127, 0x1.5c73000000000p-130, 0x1.5c73000000000p-129, 0x1.b38fb80000000p-127, 0x1.27627a0000000p-2, -0x1.e276240000000p-1},
    {0x1.0000000000000p+0, 0x1.0000000000000p+0, 0x0.0p+0, 0x0.0p+0, INFINITY, INFINITY},
};

static void test_complex_division_is_numpys(void **state)
{
    dusk_array_ctx *ctx = *state;
    enum { N16 = sizeof CDIV16 / sizeof *CDIV16, N8 = sizeof CDIV8 / sizeof *CDIV8 };
    double a16[2 * N16], b16[2 * N16];
    float a8[2 * N8], b8[2 * N8];
    for (int i = 0; i < N16; i++) {
        a16[2 * i] = CDIV16[i][0], a16[2 * i + 1] = CDIV16[i][1];
        b16[2 * i] = CDIV16[i][2], b16[2 * i + 1] = CDIV16[i][3];
    }
    for (int i = 0; i < N8; i++) {
        a8[2 * i] = (float)CDIV8[i][0], a8[2 * i + 1] = (float)CDIV8[i][1];
        b8[2 * i] = (float)CDIV8[i][2], b8[2 * i + 1] = (float)CDIV8[i][3];
    }
    for (int k = 0; k < 2; k++) {
        dusk_dtype t = k ? DUSK_DT_C8 : DUSK_DT_C16;
        int n = k ? N8 : N16;
        const double (*want)[6] = k ? CDIV8 : CDIV16;
        dusk_array *x = dusk_from_buffer(ctx, k ? (void *)a8 : (void *)a16, t, DUSK_SHAPE(n), "4");
        dusk_array *y = dusk_from_buffer(ctx, k ? (void *)b8 : (void *)b16, t, DUSK_SHAPE(n), "4");
        dusk_value *v = compute(dusk_array_div(x, y), "x / y");
        assert_int_equal(dusk_ndarray_dtype(v), t);
        for (int i = 0; i < n; i++) {
            double re, im;
            parts_at(dusk_ndarray_data(v), t, i, &re, &im);
            if (!same_number(re, want[i][4]) || !same_number(im, want[i][5]))
                fail_msg("%s (%a%+aj) / (%a%+aj): dusk %a%+aj, numpy %a%+aj", dusk_dtype_code(t),
                         want[i][0], want[i][1], want[i][2], want[i][3], re, im, want[i][4],
                         want[i][5]);
        }
        release(v);
    }
}

/* x ** -n of complex128 as NumPy's npy_cpow: 1 / x ** n by npymath's
 * cdiv(1, r), whose zeros have its signs (2 ** -1 is 0.5 + 0j, not 0.5 -
 * 0j) and whose nan parts its. NumPy 1.24.2 computed the powers: x ** y
 * of np.complex128 arrays of these x and (real) y, printed with
 * float.hex. */
static const double CPOW_NEG[][5] = {   /* x.real, x.imag, y, the power */
    {0x1.0000000000000p+1, 0x0.0p+0, -1, 0x1.0000000000000p-1, 0x0.0p+0},
    {0x1.0000000000000p+1, 0x0.0p+0, -2, 0x1.0000000000000p-2, 0x0.0p+0},
    {0x1.0000000000000p+1, 0x0.0p+0, -3, 0x1.0000000000000p-3, 0x0.0p+0},
    {0x1.0000000000000p+1, 0x0.0p+0, -5, 0x1.0000000000000p-5, 0x0.0p+0},
    {0x1.0000000000000p+1, 0x0.0p+0, -17, 0x1.0000000000000p-17, 0x0.0p+0},
    {-0x1.0000000000000p+1, 0x0.0p+0, -2, 0x1.0000000000000p-2, 0x0.0p+0},
    {0x1.0000000000000p+1, -0x0.0p+0, -1, 0x1.0000000000000p-1, 0x0.0p+0},
    {0x1.0000000000000p+1, -0x0.0p+0, -2, 0x1.0000000000000p-2, 0x0.0p+0},
    {0x1.0000000000000p+1, -0x0.0p+0, -3, 0x1.0000000000000p-3, 0x0.0p+0},
    {0x1.0000000000000p+1, -0x0.0p+0, -5, 0x1.0000000000000p-5, 0x0.0p+0},
    {0x1.0000000000000p+1, -0x0.0p+0, -17, 0x1.0000000000000p-17, 0x0.0p+0},
    {-0x0.0p+0, -0x1.0000000000000p+1, -1, -0x0.0p+0, 0x1.0000000000000p-1},
    {-0x0.0p+0, -0x1.0000000000000p+1, -5, -0x0.0p+0, 0x1.0000000000000p-5},
    {-0x0.0p+0, -0x1.0000000000000p+1, -17, -0x0.0p+0, 0x1.0000000000000p-17},
    {0x1.87e92154ef7acp-665, 0x0.0p+0, -1, 0x1.4e718d7d7625ap+664, 0x0.0p+0},
    {0x1.4e718d7d7625ap+664, 0x1.56e1fc2f8f359p-997, -1, 0x1.87e92154ef7acp-665, 0x0.0p+0},
    {0x1.4e718d7d7625ap+664, 0x1.56e1fc2f8f359p-997, -2, NAN, NAN},
    {0x1.4e718d7d7625ap+664, 0x1.56e1fc2f8f359p-997, -3, NAN, NAN},
    {0x1.4e718d7d7625ap+664, 0x1.56e1fc2f8f359p-997, -5, NAN, NAN},
    {0x1.4e718d7d7625ap+664, 0x1.56e1fc2f8f359p-997, -17, NAN, NAN},
};

static void test_complex_negative_powers_are_numpys(void **state)
{
    dusk_array_ctx *ctx = *state;
    enum { N = sizeof CPOW_NEG / sizeof *CPOW_NEG };
    double xs[2 * N], ys[2 * N];
    for (int i = 0; i < N; i++) {
        xs[2 * i] = CPOW_NEG[i][0], xs[2 * i + 1] = CPOW_NEG[i][1];
        ys[2 * i] = CPOW_NEG[i][2], ys[2 * i + 1] = 0;
    }
    dusk_array *x = dusk_from_buffer(ctx, xs, DUSK_DT_C16, DUSK_SHAPE(N), "4");
    dusk_array *y = dusk_from_buffer(ctx, ys, DUSK_DT_C16, DUSK_SHAPE(N), "4");
    dusk_value *v = compute(dusk_array_binop(DUSK_BINOP_POW, x, y), "x ** y");
    for (int i = 0; i < N; i++) {
        double re, im;
        parts_at(dusk_ndarray_data(v), DUSK_DT_C16, i, &re, &im);
        if (!same_number(re, CPOW_NEG[i][3]) || !same_number(im, CPOW_NEG[i][4]))
            fail_msg("(%a%+aj) ** %g: dusk %a%+aj, numpy %a%+aj", CPOW_NEG[i][0], CPOW_NEG[i][1],
                     CPOW_NEG[i][2], re, im, CPOW_NEG[i][3], CPOW_NEG[i][4]);
    }
    release(v);
}

/* x ** 2, 0.5, -1 and 1 of an array of floats (or complex numbers: 2,
 * 0.5, 1) are NumPy's ** operator, which takes square, sqrt, reciprocal
 * and a copy there, not pow: sqrt(-0.0) is -0.0 and sqrt(-inf) nan, where
 * pow gives +0.0 and +inf. Expected values from NumPy 1.24:
 * np.array([-0.0, -np.inf, np.inf, 2.0, 1e-300, 3.0]) ** 0.5, and
 * np.array([-4+0j, -1+0j, 3+4j]) ** 0.5 and ** 2, printed with .hex(). */
static void test_scalar_powers_are_numpys_operator(void **state)
{
    dusk_array_ctx *ctx = *state;
    static const double xf[6] = {-0.0, -INFINITY, INFINITY, 2.0, 1e-300, 3.0};
    static const double root[6] = {-0.0, NAN, INFINITY, 0x1.6a09e667f3bcdp+0, 1e-150,
                                   0x1.bb67ae8584caap+0};
    dusk_array *x = dusk_from_buffer(ctx, (void *)xf, DUSK_DT_F8, DUSK_SHAPE(6), "4");
    dusk_value *v = compute(dusk_array_binop_typed(DUSK_BINOP_POW, x, dusk_scalar_float(0.5),
                                                   false),
                            "x ** 0.5");
    const double *d = dusk_ndarray_data(v);
    for (int i = 0; i < 6; i++)
        if (!same_number(d[i], root[i]))
            fail_msg("%a ** 0.5: dusk %a, numpy %a", xf[i], d[i], root[i]);
    release(v);
    v = compute(dusk_array_binop_typed(DUSK_BINOP_POW, x, dusk_scalar_int(-1), false), "x ** -1");
    d = dusk_ndarray_data(v);
    for (int i = 0; i < 6; i++)
        if (!same_number(d[i], 1 / xf[i]))
            fail_msg("%a ** -1: dusk %a, numpy %a", xf[i], d[i], 1 / xf[i]);
    release(v);
    v = compute(dusk_array_binop_typed(DUSK_BINOP_POW, x, dusk_scalar_int(2), false), "x ** 2");
    d = dusk_ndarray_data(v);
    for (int i = 0; i < 6; i++)
        if (!same_number(d[i], xf[i] * xf[i]))
            fail_msg("%a ** 2: dusk %a, numpy %a", xf[i], d[i], xf[i] * xf[i]);
    release(v);

    /* an integer array ** a negative integer fails in every block: refused
     * when built, in NumPy's words; a uint64 array computes in float64 */
    int64_t xi[3] = {1, 2, 3};
    dusk_array *n = dusk_from_buffer(ctx, xi, DUSK_DT_I8, DUSK_SHAPE(3), "2");
    dusk_error err = DUSK_ERROR_INIT;
    dusk_array *bad = dusk_array_binop_typed(DUSK_BINOP_POW, n, dusk_scalar_int(-1), false);
    assert_int_equal(dusk_array_status(bad, &err), DUSK_EINVAL);
    assert_string_equal(err.msg, "x ** -1 of int64: integers to negative integer powers are "
                                 "not allowed");
    dusk_array *u = dusk_array_astype(n, DUSK_DT_U8);
    dusk_array *ok = dusk_array_binop_typed(DUSK_BINOP_POW, u, dusk_scalar_int(-1), false);
    assert_int_equal(dusk_array_status(ok, NULL), 0);
    assert_int_equal(dusk_array_dtype(ok), DUSK_DT_F8);

    static const double xc[6] = {-4, 0, -1, 0, 3, 4};
    static const double croot[6] = {0, 2, 0, 1, 2, 1}, csq[6] = {16, -0.0, 1, -0.0, -7, 24};
    dusk_array *z = dusk_from_buffer(ctx, (void *)xc, DUSK_DT_C16, DUSK_SHAPE(3), "2");
    for (int k = 0; k < 2; k++) {
        dusk_scalar e = k ? dusk_scalar_int(2) : dusk_scalar_float(0.5);
        const double *want = k ? csq : croot;
        v = compute(dusk_array_binop_typed(DUSK_BINOP_POW, z, e, false), "z ** e");
        for (int i = 0; i < 3; i++) {
            double re, im;
            parts_at(dusk_ndarray_data(v), DUSK_DT_C16, i, &re, &im);
            if (!same_number(re, want[2 * i]) || !same_number(im, want[2 * i + 1]))
                fail_msg("(%g%+gj) ** %s: dusk %a%+aj, numpy %a%+aj", xc[2 * i], xc[2 * i + 1],
                         k ? "2" : "0.5", re, im, want[2 * i], want[2 * i + 1]);
        }
        release(v);
    }
}

/* array OP scalar and scalar OP array with the scalar's type said
 * (dusk_array_binop_typed): Python's bools, ints, floats and complex
 * numbers and NumPy's scalars, with arrays of every dtype, under + - * /
 * < != & | ^ // % ** minimum: the dtype NumPy 1.x's value-based casting gives (int8
 * - 2.0 is float64, bool & True bool, uint8 + 300 uint16, float16 + 300
 * float32, uint8 // 300 int16), NumPy's refusals, and the numbers,
 * against NumPy run here. */
static void test_typed_scalars_are_numpys(void **state)
{
    dusk_array_ctx *ctx = *state;
    static const struct { const char *tag; dusk_binop op; } ops[] = {
        {"add", DUSK_BINOP_ADD}, {"sub", DUSK_BINOP_SUB}, {"div", DUSK_BINOP_DIV},
        {"lt", DUSK_BINOP_LT}, {"and", DUSK_BINOP_AND}, {"xor", DUSK_BINOP_XOR},
        {"fd", DUSK_BINOP_FLOORDIV}, {"mod", DUSK_BINOP_MOD}, {"pow", DUSK_BINOP_POW},
        {"mul", DUSK_BINOP_MUL}, {"ne", DUSK_BINOP_NE}, {"or", DUSK_BINOP_OR},
        {"min", DUSK_BINOP_MIN},
    };
    char *out = py(
        "import operator as op\n"
        "codes = ['f8','f4','f2','c16','c8','i8','i4','i2','i1','u8','u4','u2','u1','b1']\n"
        "def c(t): t = np.dtype(t); return 'b1' if t == np.bool_ else t.kind + str(t.itemsize)\n"
        "S = [True, False, 0, 2, -2, 127, 128, 200, 255, 256, 300, -129, -300, 32768, 65536,\n"
        "     70000, -70000, 2**31, 2**32, 2**62, 2**63 - 1, 2**63, 2**64 - 1, -2**63,\n"
        "     2.0, -2.0, 0.0, 2.5, 300.0, 1e5, 1e39, float('inf'), float('nan'),\n"
        "     1j, 2 + 0j, 1e5 + 1j, 1e39j, complex(float('inf'), 1),\n"
        "     np.float32(2), np.float16(2), np.float32(1e5), np.int16(5), np.int8(-3),\n"
        "     np.uint8(200), np.int64(-3), np.uint64(2**63), np.uint32(2**32 - 1),\n"
        "     np.complex64(1j), np.bool_(True)]\n"
        "def kind(s):\n"
        "    if isinstance(s, np.generic): return c(s.dtype)\n"
        "    if isinstance(s, bool): return 'b1'\n"
        "    if isinstance(s, int): return 'u8' if s >= 2**63 else 'i8'\n"
        "    return 'f8' if isinstance(s, float) else 'c16'\n"
        "def ival(s):\n"
        "    k = kind(s)\n"
        "    if k[0] in 'fc': return 0\n"
        "    v = int(s)\n"
        "    return v - 2**64 if v >= 2**63 else v\n"
        "def parts(v): v = complex(v); return v.real.hex() + ',' + v.imag.hex()\n"
        "OPS = [('add', op.add), ('sub', op.sub), ('div', op.truediv), ('lt', op.lt), ('and', op.and_),\n"
        "       ('xor', op.xor), ('fd', op.floordiv), ('mod', op.mod), ('pow', op.pow),\n"
        "       ('mul', op.mul), ('ne', op.ne), ('or', op.or_), ('min', np.minimum)]\n"
        "for t in codes:\n"
        "    x = np.array([1, 0, 3]).astype(t)\n"
        "    x.tofile('ts.' + t)\n"
        "    for s in S:\n"
        "        for tag, f in OPS:\n"
        "            for first in (0, 1):\n"
        "                head = '%s %s %d %s %s %d' % (t, kind(s), ival(s), parts(s).replace(',', ' '), tag, first)\n"
        "                try:\n"
        "                    with np.errstate(all='ignore'):\n"
        "                        r = f(s, x) if first else f(x, s)\n"
        "                except TypeError:\n"
        "                    print('ty', head, 'no'); continue\n"
        "                except ValueError:\n"   /* an integer to a negative power */
        "                    continue\n"
        "                print('ty', head, c(r.dtype), ' '.join(parts(v) for v in r))\n");
    int lines = 0, refused = 0;
    for (char *save = NULL, *line = strtok_r(out, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        char a[8], sk[8], tag[8], rc[8], re[40], im[40];
        long long iv;
        int first, at = 0;
        if (sscanf(line, "ty %7s %7s %lld %39s %39s %7s %d %7s %n", a, sk, &iv, re, im, tag,
                   &first, rc, &at) != 8)
            continue;
        dusk_dtype ta = dtype_of_code(a);
        dusk_scalar s = dusk_scalar_of(dtype_of_code(sk), (int64_t)iv, strtod(re, NULL),
                                       strtod(im, NULL));
        dusk_binop op = DUSK_BINOP_COUNT;
        for (size_t k = 0; k < sizeof ops / sizeof *ops; k++)
            op = strcmp(ops[k].tag, tag) == 0 ? ops[k].op : op;
        assert_int_not_equal(op, DUSK_BINOP_COUNT);
        char f[16];
        snprintf(f, sizeof f, "ts.%s", a);
        void *buf = slurp(scratch(f), NULL);
        dusk_array *x = dusk_from_buffer(ctx, buf, ta, DUSK_SHAPE(3), "2");
        free(buf);
        dusk_array *r = dusk_array_binop_typed(op, x, s, first != 0);
        dusk_error err = DUSK_ERROR_INIT;
        lines++;
        if (strcmp(rc, "no") == 0) {
            if (dusk_array_status(r, &err) != DUSK_ETYPE)
                fail_msg("%s: NumPy refuses it, dusk gives an array of %s", line,
                         code(dusk_array_dtype(r)));
            refused++;
            continue;
        }
        if (dusk_array_status(r, &err) != 0)
            fail_msg("%s: %s", line, err.msg);
        dusk_dtype t = dusk_array_dtype(r);
        if (strcmp(code(t), rc) != 0)
            fail_msg("%s: dusk's dtype %s, numpy's %s", line, code(t), rc);
        dusk_value *v = compute(r, line);
        const char *p = line + at;
        for (int64_t k = 0; k < 3; k++) {
            char *end;
            double wre = strtod(p, &end), wim, gre, gim;
            assert_true(end != p && *end == ',');
            wim = strtod(end + 1, &end);
            p = end;
            parts_at(dusk_ndarray_data(v), t, k, &gre, &gim);
            /* complex division rounds by its algorithm (NumPy's Smith's,
             * C's), powers by their libm: to a few ulps of the result's
             * magnitude */
            bool loose = (op == DUSK_BINOP_DIV && (t == DUSK_DT_C16 || t == DUSK_DT_C8)) ||
                         (op == DUSK_BINOP_POW &&
                          (t == DUSK_DT_F8 || t == DUSK_DT_F4 || t == DUSK_DT_F2 ||
                           t == DUSK_DT_C16 || t == DUSK_DT_C8));
            double ulp = t == DUSK_DT_F2 ? 1e-3 : t == DUSK_DT_F4 || t == DUSK_DT_C8 ? 4e-7 : 1e-15;
            double tol = loose ? ulp * hypot(wre, wim) : 0;
            if (loose && fabs(gre - wre) <= tol && fabs(gim - wim) <= tol)
                continue;
            if (!same_number(gre, wre) || !same_number(gim, wim))
                fail_msg("%s [%lld]: dusk %.17g%+.17gj, numpy %.17g%+.17gj", line, (long long)k,
                         gre, gim, wre, wim);
        }
        release(v);
    }
    free(out);
    assert_true(lines > 14 * 49 * 13 * 2 - 1000);   /* but x ** -2 of integers */
    assert_true(refused > 0);

    /* a value its dtype cannot hold, an imaginary part of a real dtype */
    dusk_array *y = dusk_ones(ctx, DUSK_SHAPE(3), NULL, DUSK_DT_F8);
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_array_status(dusk_array_binop_typed(DUSK_BINOP_ADD, y,
                         dusk_scalar_of(DUSK_DT_U1, 300, 0, 0), false), &err), DUSK_EINVAL);
    assert_string_equal(err.msg, "scalar 300 is out of range for its dtype uint8");
    assert_int_equal(dusk_array_status(dusk_array_binop_typed(DUSK_BINOP_ADD, y,
                         dusk_scalar_of(DUSK_DT_F8, 0, 1, 2), false), &err), DUSK_EINVAL);
    assert_string_equal(err.msg, "scalar of dtype float64 with an imaginary part (2): give it "
                                 "dtype complex128");
    /* i8 - 2 and i8 - 2.0 are two layers (their tokens differ), each one
     * task per block; f8 - 2 and f8 - 2.0 compute the same, one layer */
    dusk_array *n = dusk_ones(ctx, DUSK_SHAPE(6), "2", DUSK_DT_I8);
    dusk_array *ri = dusk_array_binop_typed(DUSK_BINOP_SUB, n, dusk_scalar_int(2), false);
    dusk_array *rf = dusk_array_binop_typed(DUSK_BINOP_SUB, n, dusk_scalar_float(2), false);
    assert_int_equal(dusk_array_dtype(ri), DUSK_DT_I8);
    assert_int_equal(dusk_array_dtype(rf), DUSK_DT_F8);
    assert_string_not_equal(dusk_array_name(ri), dusk_array_name(rf));
    assert_int_equal(dusk_array_ntasks(rf), 6);
    dusk_array *m = dusk_ones(ctx, DUSK_SHAPE(6), "2", DUSK_DT_F8);
    assert_string_equal(dusk_array_name(dusk_array_binop_typed(DUSK_BINOP_SUB, m,
                                                               dusk_scalar_int(2), false)),
                        dusk_array_name(dusk_array_binop_scalar(DUSK_BINOP_SUB, m, 2.0, false)));
}

/* --- float16 rounding ------------------------------------------------------------ */

/* Every one of the 65,536 halves reads as NumPy reads it, and doubles
 * (halfway cases, subnormals, overflow, random ones) round to the half
 * NumPy's astype('f2') gives, bit for bit. */
static void test_half_conversions_are_numpys(void **state)
{
    dusk_array_ctx *ctx = *state;
    char *out = py(
        "h = np.arange(65536, dtype=np.uint32).astype(np.uint16).view(np.float16)\n"
        "h.astype(np.float64).tofile('halves.f8')\n"
        "rng = np.random.default_rng(16)\n"
        "d = [0.0, -0.0, 1.0, 65504.0, 65519.99, 65520.0, 1e300, -1e300, 2.0**-24, 2.0**-25,\n"
        "     2.0**-25 * 1.0000001, 3 * 2.0**-25, 2.0**-14, 2.0**-14 - 2.0**-25, 1 + 2.0**-11,\n"
        "     1 + 3 * 2.0**-11, 1 + 2.0**-11 + 2.0**-40, 2048 + 1, 2048 + 3, 5e-324,\n"
        "     float('inf'), float('-inf')]\n"
        "d = np.concatenate([np.array(d), rng.standard_normal(3000) * 10.0 ** rng.integers(-9, 6, 3000)])\n"
        "d.tofile('doubles.f8')\n"
        "d.astype(np.float16).tofile('doubles.f2')\n"
        "print(len(d))\n");
    int64_t n = strtoll(out, NULL, 10);
    free(out);
    assert_true(n > 3000);
    /* halves to float64 */
    uint16_t *bits = malloc(65536 * 2);
    for (int i = 0; i < 65536; i++)
        bits[i] = (uint16_t)i;
    dusk_value *v = compute(dusk_array_astype(dusk_from_buffer(ctx, bits, DUSK_DT_F2,
                                                               DUSK_SHAPE(65536), "10000"),
                                              DUSK_DT_F8), "halves as f8");
    double *want = slurp(scratch("halves.f8"), NULL);
    const double *got = dusk_ndarray_data(v);
    for (int i = 0; i < 65536; i++)
        if (!(got[i] == want[i] || (isnan(got[i]) && isnan(want[i]))) ||
            signbit(got[i]) != signbit(want[i]))
            fail_msg("half 0x%04x: dusk %.17g, numpy %.17g", i, got[i], want[i]);
    release(v);
    free(want);
    free(bits);
    /* doubles to halves */
    double *d = slurp(scratch("doubles.f8"), NULL);
    uint16_t *h = slurp(scratch("doubles.f2"), NULL);
    v = compute(dusk_array_astype(dusk_from_buffer(ctx, d, DUSK_DT_F8, DUSK_SHAPE(n), "1000"),
                                  DUSK_DT_F2), "doubles as f2");
    const uint16_t *hg = dusk_ndarray_data(v);
    for (int64_t i = 0; i < n; i++)
        if (hg[i] != h[i])
            fail_msg("%.17g as f2: dusk 0x%04x, numpy 0x%04x", d[i], hg[i], h[i]);
    release(v);
    free(d);
    free(h);
}

/* --- arithmetic against NumPy ------------------------------------------------------ */

typedef struct {
    const char *name;   /* the file NumPy wrote its result to: name.<code> */
    dusk_array *got;
    double rel;         /* tolerance, relative to the largest |expected| */
} case_t;

/* The NumPy expressions, in the order of the cases built below. */
static const char *const EXPRS =
    "x = np.fromfile('x.c16', np.complex128).reshape(6, 5)\n"
    "y = np.fromfile('y.c8', np.complex64)\n"
    "h = np.fromfile('h.f2', np.float16).reshape(6, 5)\n"
    "g = np.fromfile('g.f2', np.float16)\n"
    "cases = [\n"
    " ('add', x + y), ('sub', x - y), ('mul', x * y), ('div', x / y), ('yy', y * y),\n"
    " ('ydiv', y / g), ('scal', x * 2.5 - 1), ('yscal', y + 0.1), ('pow', x ** 2),\n"
    " ('abs', np.abs(x)), ('yabs', np.abs(y)), ('real', x.real), ('imag', y.imag),\n"
    " ('conj', x.conj()), ('exp', np.exp(x)), ('log', np.log(x)), ('sqrt', np.sqrt(y)),\n"
    " ('sin', np.sin(x)), ('neg', -y), ('eq', x == x.conj()), ('lt', x < y),\n"
    " ('hadd', h + g), ('hmul', h * g), ('hdiv', h / g), ('hsc', h * 3.0 + 0.1),\n"
    " ('hexp', np.exp(h)), ('hx', h + x), ('hy', g + y), ('habs', np.abs(-h)),\n"
    " ('hsum', h.sum()), ('hsum0', h.sum(axis=0)), ('hmean', h.mean(axis=1)),\n"
    " ('hvar', h.var()), ('hmax', h.max(axis=1)),\n"
    " ('sum', x.sum()), ('sum1', x.sum(axis=1)), ('mean0', x.mean(axis=0)),\n"
    " ('prod', y.prod()), ('mean', y.mean()), ('var', x.var(axis=0)), ('std', x.std()),\n"
    " ('std1', y.std(ddof=1)), ('any', (x * 0).any()), ('all', x.all(axis=1)),\n"
    " ('x2f8', x.astype(np.float64)), ('h2c8', h.astype(np.complex64)), ('x2i4', (x * 10).astype(np.int32)),\n"
    " ('x2b', (x * (np.arange(30).reshape(6, 5) % 3 == 0)).astype(bool)),\n"
    "]\n"
    "for n, v in cases:\n"
    "    v = np.asarray(v)\n"
    "    c = 'b1' if v.dtype == np.bool_ else v.dtype.kind + str(v.dtype.itemsize)\n"
    "    v.tofile(n + '.' + c)\n"
    "    print(n, c)\n";

static void test_arithmetic_matches_numpy(void **state)
{
    dusk_array_ctx *ctx = *state;
    /* inputs: x complex128 (6, 5), y complex64 (5,), h float16 (6, 5), g
     * float16 (5,); no zeros, so that log and division are defined */
    char *in = py(
        "rng = np.random.default_rng(7)\n"
        "x = rng.standard_normal((6, 5)) + 1j * rng.standard_normal((6, 5))\n"
        "x[0, 0] = 2 + 0j; x[1, 1] = -1.5j\n"
        "y = (rng.standard_normal(5) + 1j * rng.standard_normal(5)).astype(np.complex64)\n"
        "y[2] = x[0, 2]\n"
        "h = (rng.standard_normal((6, 5)) * 4).astype(np.float16)\n"
        "g = (rng.uniform(0.5, 3, 5) * np.array([1, -1, 1, -1, 1])).astype(np.float16)\n"
        "x.tofile('x.c16'); y.tofile('y.c8'); h.tofile('h.f2'); g.tofile('g.f2')\n");
    free(in);
    void *xb = slurp(scratch("x.c16"), NULL), *yb = slurp(scratch("y.c8"), NULL);
    void *hb = slurp(scratch("h.f2"), NULL), *gb = slurp(scratch("g.f2"), NULL);
    /* chunked so that every operation crosses blocks and reductions combine */
    dusk_array *x = dusk_from_buffer(ctx, xb, DUSK_DT_C16, DUSK_SHAPE(6, 5), "(2, 3)");
    dusk_array *y = dusk_from_buffer(ctx, yb, DUSK_DT_C8, DUSK_SHAPE(5), "2");
    dusk_array *h = dusk_from_buffer(ctx, hb, DUSK_DT_F2, DUSK_SHAPE(6, 5), "(2, 3)");
    dusk_array *g = dusk_from_buffer(ctx, gb, DUSK_DT_F2, DUSK_SHAPE(5), "2");
    free(xb), free(yb), free(hb), free(gb);
    const uint64_t ALL = DUSK_ALL_AXES, A0 = DUSK_AXIS(0), A1 = DUSK_AXIS(1);
    /* tolerances: complex128 1e-13; complex64 and its mixtures 1e-6;
     * float16 results computed element by element 0 (one rounding from
     * the exact result, as NumPy's through float32), others half an ulp
     * of float16 or more */
    case_t cs[] = {
        {"add", dusk_array_add(x, y), 1e-13},
        {"sub", dusk_array_sub(x, y), 1e-13},
        {"mul", dusk_array_mul(x, y), 1e-13},
        {"div", dusk_array_div(x, y), 1e-13},
        {"yy", dusk_array_mul(y, y), 1e-6},
        {"ydiv", dusk_array_div(y, g), 1e-6},
        {"scal", dusk_array_binop_scalar(DUSK_BINOP_SUB,
                                         dusk_array_binop_scalar(DUSK_BINOP_MUL, x, 2.5, false),
                                         1, false), 1e-13},
        {"yscal", dusk_array_binop_scalar(DUSK_BINOP_ADD, y, 0.1, false), 1e-6},
        {"pow", dusk_array_binop_scalar(DUSK_BINOP_POW, x, 2, false), 1e-13},
        {"abs", dusk_array_unop(DUSK_UNOP_ABS, x), 1e-13},
        {"yabs", dusk_array_unop(DUSK_UNOP_ABS, y), 1e-6},
        {"real", dusk_array_unop(DUSK_UNOP_REAL, x), 0},
        {"imag", dusk_array_unop(DUSK_UNOP_IMAG, y), 0},
        {"conj", dusk_array_unop(DUSK_UNOP_CONJ, x), 0},
        {"exp", dusk_array_unop(DUSK_UNOP_EXP, x), 1e-13},
        {"log", dusk_array_unop(DUSK_UNOP_LOG, x), 1e-13},
        {"sqrt", dusk_array_unop(DUSK_UNOP_SQRT, y), 1e-6},
        {"sin", dusk_array_unop(DUSK_UNOP_SIN, x), 1e-13},
        {"neg", dusk_array_unop(DUSK_UNOP_NEG, y), 0},
        {"eq", dusk_array_binop(DUSK_BINOP_EQ, x, dusk_array_unop(DUSK_UNOP_CONJ, x)), 0},
        {"lt", dusk_array_binop(DUSK_BINOP_LT, x, y), 0},
        {"hadd", dusk_array_add(h, g), 0},
        {"hmul", dusk_array_mul(h, g), 0},
        {"hdiv", dusk_array_div(h, g), 0},
        {"hsc", dusk_array_binop_scalar(DUSK_BINOP_ADD,
                                        dusk_array_binop_scalar(DUSK_BINOP_MUL, h, 3, false),
                                        0.1, false), 0},
        {"hexp", dusk_array_unop(DUSK_UNOP_EXP, h), 1e-3},
        {"hx", dusk_array_add(h, x), 1e-13},
        {"hy", dusk_array_add(g, y), 1e-6},
        {"habs", dusk_array_unop(DUSK_UNOP_ABS, dusk_array_unop(DUSK_UNOP_NEG, h)), 0},
        {"hsum", dusk_array_reduce(DUSK_RED_SUM, h, ALL, false, 0, 0), 2e-3},
        {"hsum0", dusk_array_reduce(DUSK_RED_SUM, h, A0, false, 0, 0), 2e-3},
        {"hmean", dusk_array_reduce(DUSK_RED_MEAN, h, A1, false, 0, 0), 1e-3},
        {"hvar", dusk_array_reduce(DUSK_RED_VAR, h, ALL, false, 0, 0), 1e-3},
        {"hmax", dusk_array_reduce(DUSK_RED_MAX, h, A1, false, 0, 0), 0},
        {"sum", dusk_array_reduce(DUSK_RED_SUM, x, ALL, false, 0, 0), 1e-13},
        {"sum1", dusk_array_reduce(DUSK_RED_SUM, x, A1, false, 0, 0), 1e-13},
        {"mean0", dusk_array_reduce(DUSK_RED_MEAN, x, A0, false, 0, 0), 1e-13},
        {"prod", dusk_array_reduce(DUSK_RED_PROD, y, ALL, false, 0, 0), 1e-6},
        {"mean", dusk_array_reduce(DUSK_RED_MEAN, y, ALL, false, 0, 0), 1e-6},
        {"var", dusk_array_reduce(DUSK_RED_VAR, x, A0, false, 0, 0), 1e-13},
        {"std", dusk_array_reduce(DUSK_RED_STD, x, ALL, false, 0, 0), 1e-13},
        {"std1", dusk_array_reduce(DUSK_RED_STD, y, ALL, false, 0, 1), 1e-6},
        {"any", dusk_array_reduce(DUSK_RED_ANY, dusk_array_binop_scalar(DUSK_BINOP_MUL, x, 0, false),
                                  ALL, false, 0, 0), 0},
        {"all", dusk_array_reduce(DUSK_RED_ALL, x, A1, false, 0, 0), 0},
        {"x2f8", dusk_array_astype(x, DUSK_DT_F8), 0},
        {"h2c8", dusk_array_astype(h, DUSK_DT_C8), 0},
        {"x2i4", dusk_array_astype(dusk_array_binop_scalar(DUSK_BINOP_MUL, x, 10, false),
                                   DUSK_DT_I4), 0},
        {"x2b", NULL, 0},
    };
    size_t ncases = sizeof cs / sizeof *cs;
    {   /* x * (arange(30).reshape(6, 5) % 3 == 0), as bool */
        int64_t k[30];
        for (int i = 0; i < 30; i++)
            k[i] = i % 3 == 0;
        dusk_array *m = dusk_from_buffer(ctx, k, DUSK_DT_I8, DUSK_SHAPE(6, 5), "(3, 2)");
        m = dusk_array_astype(m, DUSK_DT_BOOL);
        cs[ncases - 1].got = dusk_array_astype(dusk_array_mul(x, m), DUSK_DT_BOOL);
    }
    char *out = py(EXPRS);
    size_t seen = 0;
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        char name[32], c[8];
        if (sscanf(line, "%31s %7s", name, c) != 2)
            continue;
        assert_true(seen < ncases);
        case_t *k = &cs[seen++];
        assert_string_equal(k->name, name);
        dusk_dtype t = dusk_array_dtype(k->got);
        if (strcmp(code(t), c) != 0)
            fail_msg("%s: dusk's dtype %s, numpy's %s", name, code(t), c);
        char file[64];
        snprintf(file, sizeof file, "%s.%s", name, c);
        size_t len;
        char *want = slurp(scratch(file), &len);
        dusk_value *v = compute(k->got, name);
        assert_int_equal(len, (size_t)dusk_ndarray_size(v) * dusk_dtype_size(t));
        /* complex: two numbers an element */
        int parts = t == DUSK_DT_C16 || t == DUSK_DT_C8 ? 2 : 1;
        dusk_dtype pt = t == DUSK_DT_C16 ? DUSK_DT_F8 : t == DUSK_DT_C8 ? DUSK_DT_F4 : t;
        int64_t n = dusk_ndarray_size(v) * parts;
        char *gotp = dusk_ndarray_data(v);
        /* read every number as float64 through dusk's own astype of a
         * flat view would be circular: compare as NumPy wrote them */
        double scale = 0;
        double *wv = malloc((size_t)(n ? n : 1) * sizeof *wv), *gv = malloc((size_t)(n ? n : 1) * sizeof *gv);
        for (int64_t i = 0; i < n; i++) {
            if (pt == DUSK_DT_F2) {
                uint16_t a, b;
                memcpy(&a, want + i * 2, 2);
                memcpy(&b, gotp + i * 2, 2);
                if (k->rel == 0 && a != b)
                    fail_msg("%s[%lld]: dusk's half 0x%04x, numpy's 0x%04x", name, (long long)i,
                             b, a);
                /* exponent and mantissa as a double, enough for the
                 * tolerance check below */
                int ea = (a >> 10) & 31, eb = (b >> 10) & 31;
                wv[i] = ldexp((a & 1023) + (ea ? 1024 : 0), (ea ? ea : 1) - 25) * (a >> 15 ? -1 : 1);
                gv[i] = ldexp((b & 1023) + (eb ? 1024 : 0), (eb ? eb : 1) - 25) * (b >> 15 ? -1 : 1);
            } else {
                wv[i] = ref_getf(want, pt, i);
                gv[i] = ref_getf(gotp, pt, i);
            }
            if (fabs(wv[i]) > scale && isfinite(wv[i]))
                scale = fabs(wv[i]);
        }
        for (int64_t i = 0; i < n; i++) {
            double tol = k->rel * scale;
            bool ok = k->rel == 0 ? (gv[i] == wv[i] || (isnan(gv[i]) && isnan(wv[i])))
                                  : close_enough(gv[i], wv[i], 0, tol);
            if (!ok)
                fail_msg("%s (%s) number %lld: dusk %.17g, numpy %.17g (tolerance %g)", name, c,
                         (long long)i, gv[i], wv[i], tol);
        }
        free(wv);
        free(gv);
        free(want);
        release(v);
    }
    free(out);
    assert_int_equal(seen, ncases);
}

/* a // b, a % b, a & b, a | b, a ^ b, maximum, minimum and ~a for every
 * (pair of) real dtype(s), against NumPy: the result's dtype and every
 * number (a float's sign and nan included), over negatives, zeros,
 * division by 0 and by -1, inf and nan, in blocks of 5; what NumPy
 * refuses (bitwise operations of floats) is refused. */
static void test_more_binops_match_numpy(void **state)
{
    dusk_array_ctx *ctx = *state;
    enum { N = 20, NREAL = 11, NOPS = 7 };
    static const char *const codes[NREAL] = {"f8", "f4", "f2", "i8", "i4", "i2",
                                             "i1", "u8", "u2", "u1", "b1"};
    static const struct { const char *tag, *sym; dusk_binop op; } ops[NOPS] = {
        {"fd", "//", DUSK_BINOP_FLOORDIV}, {"md", "%", DUSK_BINOP_MOD},
        {"an", "&", DUSK_BINOP_AND},       {"or", "|", DUSK_BINOP_OR},
        {"xo", "^", DUSK_BINOP_XOR},       {"mx", "maximum", DUSK_BINOP_MAX},
        {"mn", "minimum", DUSK_BINOP_MIN},
    };
    char *out = py(
        "codes = ['f8','f4','f2','i8','i4','i2','i1','u8','u2','u1','b1']\n"
        "def c(t): t = np.dtype(t); return 'b1' if t == np.bool_ else t.kind + str(t.itemsize)\n"
        "a = [-7, 7, -7, 7, 0, 5, -5, 3, 100, -128, 0, 1, 2**63 - 1, -2**63, 6, -9]\n"
        "b = [2, 2, -2, -2, 3, 0, 0, -1, 7, -1, 0, 1, 3, -1, 4, 4]\n"
        "fa = a[:12] + [np.nan, -5, 5, -0.0] + [1e8, -1e8, 16777217.0, 7.5e6]\n"
        "fb = b[:12] + [2, np.inf, np.nan, 0.0] + [3, 7, 3, -0.3]\n"
        "a += [2**62, -2**62 - 1, 12345678, 255]\n"
        "b += [-3, 7, -10, 2]\n"
        "for t in codes:\n"
        "    f = np.dtype(t).kind == 'f'\n"
        "    np.array(fa if f else a).astype(t).tofile('fa.' + t)\n"
        "    np.array(fb if f else b).astype(t).tofile('fb.' + t)\n"
        "ops = [('fd', np.floor_divide), ('md', np.remainder), ('an', np.bitwise_and),\n"
        "       ('or', np.bitwise_or), ('xo', np.bitwise_xor), ('mx', np.maximum),\n"
        "       ('mn', np.minimum)]\n"
        "def show(tag, x, y, f):\n"
        "    try: r = f()\n"
        "    except TypeError: print(tag, x, y, 'no'); return\n"
        "    print(tag, x, y, c(r.dtype), ' '.join(float(v).hex() for v in r))\n"
        "for x in codes:\n"
        "    p = np.fromfile('fa.' + x, x)\n"
        "    show('iv', x, x, lambda: ~p)\n"
        "    for y in codes:\n"
        "        q = np.fromfile('fb.' + y, y)\n"
        "        for tag, f in ops:\n"
        "            show(tag, x, y, lambda: f(p, q))\n");
    int lines = 0, refused = 0;
    dusk_array *in_a[NREAL], *in_b[NREAL];
    for (int i = 0; i < NREAL; i++) {
        char f[16];
        dusk_dtype t = dtype_of_code(codes[i]);
        snprintf(f, sizeof f, "fa.%s", codes[i]);
        void *buf = slurp(scratch(f), NULL);
        in_a[i] = dusk_from_buffer(ctx, buf, t, DUSK_SHAPE(N), "5");
        free(buf);
        snprintf(f, sizeof f, "fb.%s", codes[i]);
        buf = slurp(scratch(f), NULL);
        in_b[i] = dusk_from_buffer(ctx, buf, t, DUSK_SHAPE(N), "5");
        free(buf);
    }
    for (char *save = NULL, *line = strtok_r(out, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        char tag[4], x[4], y[4], rc[4];
        int at = 0;
        if (sscanf(line, "%3s %3s %3s %3s %n", tag, x, y, rc, &at) != 4)
            continue;
        int ix = -1, iy = -1, k = -1;
        for (int i = 0; i < NREAL; i++) {
            ix = strcmp(codes[i], x) == 0 ? i : ix;
            iy = strcmp(codes[i], y) == 0 ? i : iy;
        }
        for (int i = 0; i < NOPS; i++)
            k = strcmp(ops[i].tag, tag) == 0 ? i : k;
        int inv = strcmp(tag, "iv") == 0;
        assert_true(ix >= 0 && iy >= 0 && (k >= 0 || inv));
        const char *sym = inv ? "~" : ops[k].sym;
        dusk_array *r = inv ? dusk_array_unop(DUSK_UNOP_INVERT, in_a[ix])
                            : dusk_array_binop(ops[k].op, in_a[ix], in_b[iy]);
        dusk_error err = DUSK_ERROR_INIT;
        if (strcmp(rc, "no") == 0) {   /* NumPy refuses it */
            if (dusk_array_status(r, &err) != DUSK_ETYPE || !strstr(err.msg, "(nor in NumPy)"))
                fail_msg("%s %s %s: NumPy refuses it, dusk gives %s", x, sym, y,
                         err.code ? err.msg : "an array");
            lines++, refused++;
            continue;
        }
        if (dusk_array_status(r, &err) != 0)
            fail_msg("%s %s %s: %s", x, sym, y, err.msg);
        dusk_dtype t = dusk_array_dtype(r);
        if (strcmp(code(t), rc) != 0)
            fail_msg("%s %s %s: dusk's dtype %s, numpy's %s", x, sym, y, code(t), rc);
        dusk_value *v = compute(r, line);
        const char *data = dusk_ndarray_data(v);
        char *p = line + at;
        for (int64_t i = 0; i < N; i++) {
            char *end;
            double want = strtod(p, &end);
            assert_true(end != p);
            p = end;
            double got = ref_getf(data, t, i);
            if (!(got == want && signbit(got) == signbit(want)) && !(isnan(got) && isnan(want)))
                fail_msg("%s %s %s [%lld]: dusk %.17g, numpy %.17g", x, sym, y, (long long)i,
                         got, want);
        }
        release(v);
        lines++;
    }
    free(out);
    assert_int_equal(lines, NOPS * NREAL * NREAL + NREAL);
    /* the bitwise operations of a float operand or of uint64 with a
     * signed integer (their common type is float64), and ~ of floats */
    assert_int_equal(refused, 3 * (NREAL * NREAL - 8 * 8 + 2 * 4) + 3);

    /* complex numbers have no floor division or remainder, as in NumPy */
    dusk_error err = DUSK_ERROR_INIT;
    dusk_array *z = dusk_ones(ctx, DUSK_SHAPE(N), NULL, DUSK_DT_C16);
    assert_int_equal(dusk_array_status(dusk_array_binop_scalar(DUSK_BINOP_FLOORDIV, z, 2, false),
                                       &err), DUSK_ETYPE);
    assert_string_equal(err.msg, "floordiv: complex numbers have no floor division (nor in NumPy)");
    assert_int_equal(dusk_array_status(dusk_array_binop(DUSK_BINOP_MOD, in_a[0], z), &err),
                     DUSK_ETYPE);
    assert_string_equal(err.msg, "mod: complex numbers have no remainder (nor in NumPy)");
    /* Dask's layer names */
    static const char *const names[] = {"floordiv-", "mod-", "and_-", "or_-", "xor-",
                                        "maximum-", "minimum-"};
    for (int i = 0; i < NOPS; i++)
        assert_true(strncmp(dusk_array_name(dusk_array_binop(ops[i].op, in_a[3], in_b[3])),
                            names[i], strlen(names[i])) == 0);
    assert_true(strncmp(dusk_array_name(dusk_array_unop(DUSK_UNOP_INVERT, in_a[10])), "invert-",
                        7) == 0);
}

/* floor ceil trunc rint isnan isinf isfinite square sign tan arcsin arccos
 * arctan sinh cosh tanh log10 log2 log1p expm1 of every dtype, against
 * NumPy: its dtype, its refusals (floor of complex numbers, sign of
 * bools), and its numbers (to a few ulps of the result's dtype where
 * libm and NumPy's own loops may round apart; exactly for the rounding,
 * test, square and sign ones). */
static void test_more_unops_match_numpy(void **state)
{
    dusk_array_ctx *ctx = *state;
    enum { N = 12, NU = 20 };
    static const struct { const char *name; dusk_unop op; int exact; } ops[NU] = {
        {"floor", DUSK_UNOP_FLOOR, 1}, {"ceil", DUSK_UNOP_CEIL, 1},
        {"trunc", DUSK_UNOP_TRUNC, 1}, {"rint", DUSK_UNOP_RINT, 1},
        {"isnan", DUSK_UNOP_ISNAN, 1}, {"isinf", DUSK_UNOP_ISINF, 1},
        {"isfinite", DUSK_UNOP_ISFINITE, 1}, {"square", DUSK_UNOP_SQUARE, 1},
        {"sign", DUSK_UNOP_SIGN, 1}, {"tan", DUSK_UNOP_TAN, 0},
        {"arcsin", DUSK_UNOP_ARCSIN, 0}, {"arccos", DUSK_UNOP_ARCCOS, 0},
        {"arctan", DUSK_UNOP_ARCTAN, 0}, {"sinh", DUSK_UNOP_SINH, 0},
        {"cosh", DUSK_UNOP_COSH, 0}, {"tanh", DUSK_UNOP_TANH, 0},
        {"log10", DUSK_UNOP_LOG10, 0}, {"log2", DUSK_UNOP_LOG2, 0},
        {"log1p", DUSK_UNOP_LOG1P, 0}, {"expm1", DUSK_UNOP_EXPM1, 0},
    };
    char *out = py(
        "codes = ['f8','f4','f2','c16','c8','i8','i4','i2','i1','u8','u4','u2','u1','b1']\n"
        "def c(t): t = np.dtype(t); return 'b1' if t == np.bool_ else t.kind + str(t.itemsize)\n"
        "v = [-2.5, -0.5, 0.5, 1.5, 2.5, -0.0, 0.25, 3.0, np.nan, np.inf, -np.inf, 0.0]\n"
        "iv = [-3, -1, 0, 1, 2, 3, 100, -100, 7, 0, 1, 2]\n"
        "cv = [complex(a, b) for a, b in zip(v, [0.5, -1, 0, 2.5, -0.5, 0, 1, -3, 0, 0, 1, np.nan])]\n"
        "ops = ['floor','ceil','trunc','rint','isnan','isinf','isfinite','square','sign','tan',\n"
        "       'arcsin','arccos','arctan','sinh','cosh','tanh','log10','log2','log1p','expm1']\n"
        "for t in codes:\n"
        "    k = np.dtype(t).kind\n"
        "    x = np.array(cv if k == 'c' else v if k == 'f' else iv).astype(t)\n"
        "    x.tofile('u.' + t)\n"
        "    for o in ops:\n"
        "        try: r = getattr(np, o)(x)\n"
        "        except TypeError: print(o, t, 'no'); continue\n"
        "        parts = np.stack([r.real, r.imag], -1).ravel() if r.dtype.kind == 'c' else r\n"
        "        print(o, t, c(r.dtype), ' '.join(float(p).hex() for p in parts))\n");
    int lines = 0, refused = 0;
    for (char *save = NULL, *line = strtok_r(out, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        char name[16], x[4], rc[4];
        int at = 0;
        if (sscanf(line, "%15s %3s %3s %n", name, x, rc, &at) != 3)
            continue;
        int k = -1;
        for (int i = 0; i < NU; i++)
            k = strcmp(ops[i].name, name) == 0 ? i : k;
        assert_true(k >= 0);
        dusk_dtype t = dtype_of_code(x);
        char f[16];
        snprintf(f, sizeof f, "u.%s", x);
        void *buf = slurp(scratch(f), NULL);
        dusk_array *a = dusk_from_buffer(ctx, buf, t, DUSK_SHAPE(N), "5");
        free(buf);
        dusk_array *r = dusk_array_unop(ops[k].op, a);
        dusk_error err = DUSK_ERROR_INIT;
        lines++;
        if (strcmp(rc, "no") == 0) {
            if (dusk_array_status(r, &err) != DUSK_ETYPE || !strstr(err.msg, "(nor in NumPy)"))
                fail_msg("%s(%s): NumPy refuses it, dusk gives %s", name, x,
                         err.code ? err.msg : "an array");
            refused++;
            continue;
        }
        if (dusk_array_status(r, &err) != 0)
            fail_msg("%s(%s): %s", name, x, err.msg);
        dusk_dtype rt = dusk_array_dtype(r);
        if (strcmp(code(rt), rc) != 0)
            fail_msg("%s(%s): dusk's dtype %s, numpy's %s", name, x, code(rt), rc);
        if (strncmp(dusk_array_name(r), name, strlen(name)) != 0 ||
            dusk_array_name(r)[strlen(name)] != '-')
            fail_msg("%s(%s): layer %s, Dask's is %s-...", name, x, dusk_array_name(r), name);
        dusk_value *v = compute(r, line);
        int parts = rt == DUSK_DT_C16 || rt == DUSK_DT_C8 ? 2 : 1;
        dusk_dtype pt = rt == DUSK_DT_C16 ? DUSK_DT_F8 : rt == DUSK_DT_C8 ? DUSK_DT_F4 : rt;
        double ulp = pt == DUSK_DT_F2 ? 0x1p-10 : pt == DUSK_DT_F4 ? 0x1p-23 : 0x1p-52;
        const char *data = dusk_ndarray_data(v);
        char *p = line + at;
        for (int64_t i = 0; i < N * parts; i++) {
            char *end;
            double want = strtod(p, &end);
            assert_true(end != p);
            p = end;
            double got = ref_getf(data, pt, i);
            int same = (got == want && signbit(got) == signbit(want)) || (isnan(got) && isnan(want));
            if (!same && !ops[k].exact && isfinite(want) && fabs(got - want) <= 4 * ulp * fabs(want))
                same = 1;
            if (!same)
                fail_msg("%s(%s) [%lld]: dusk %.17g, numpy %.17g", name, x, (long long)i, got, want);
        }
        release(v);
    }
    free(out);
    assert_int_equal(lines, NU * NALL);
    /* floor, ceil, trunc of the complex dtypes; sign of bool */
    assert_int_equal(refused, 3 * 2 + 1);
}

/* --- what is refused ------------------------------------------------------------- */

static double twice(const double *x, int n, void *ud)
{
    (void)n, (void)ud;
    return 2 * x[0];
}

/* Complex and float16 products (zgemm, cgemm; sgemm rounded once), from
 * blocks as they are and transposed, against the sums written out. */
static void test_complex_products(void **state)
{
    dusk_array_ctx *ctx = *state;
    enum { M = 5, K = 4, N = 3 };
    double complex za[M][K];
    float complex wb[K][N];
    for (int i = 0; i < M; i++)
        for (int k = 0; k < K; k++)
            za[i][k] = (i + 1) * 0.5 + (k - 2) * I;
    for (int k = 0; k < K; k++)
        for (int j = 0; j < N; j++)
            wb[k][j] = (float)(k - j) + 0.5f * (float)j * I;
    dusk_array *a = dusk_from_buffer(ctx, za, DUSK_DT_C16, DUSK_SHAPE(M, K), "(2, 3)");
    dusk_array *b = dusk_from_buffer(ctx, wb, DUSK_DT_C8, DUSK_SHAPE(K, N), "(3, 2)");
    dusk_array *at = dusk_array_transpose(dusk_from_buffer(ctx, za, DUSK_DT_C16, DUSK_SHAPE(M, K),
                                                           "(2, 3)"), NULL);
    dusk_array *prods[3] = {dusk_tensordot(a, b, NULL, NULL, 1), dusk_array_matmul(a, b),
                            /* a.T.T: the blocks come transposed (BLAS's Trans) */
                            dusk_array_matmul(dusk_array_transpose(at, NULL), b)};
    for (int p = 0; p < 3; p++) {
        assert_int_equal(dusk_array_dtype(prods[p]), DUSK_DT_C16);   /* NumPy's promotion */
        dusk_value *v = compute(prods[p], "complex product");
        const double complex *got = dusk_ndarray_data(v);
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++) {
                double complex want = 0;
                for (int k = 0; k < K; k++)
                    want += za[i][k] * (double complex)wb[k][j];
                assert_true(cabs(got[i * N + j] - want) < 1e-12);
            }
    }
    /* complex64 with complex64: cgemm, complex64 out */
    dusk_array *c = dusk_array_matmul(b, dusk_array_transpose(b, NULL));
    assert_int_equal(dusk_array_dtype(c), DUSK_DT_C8);
    dusk_value *v = compute(c, "complex64 product");
    const float complex *cg = dusk_ndarray_data(v);
    for (int i = 0; i < K; i++)
        for (int j = 0; j < K; j++) {
            float complex want = 0;
            for (int k = 0; k < N; k++)
                want += wb[i][k] * wb[j][k];
            assert_true(cabsf(cg[i * K + j] - want) < 1e-5f);
        }
    /* float16: quarters whose sums float16 holds exactly */
    double hd[4][4];
    for (int i = 0; i < 4; i++)
        for (int k = 0; k < 4; k++)
            hd[i][k] = i * 0.25 - k * 0.5;
    dusk_array *h = dusk_array_astype(dusk_from_buffer(ctx, hd, DUSK_DT_F8, DUSK_SHAPE(4, 4), "3"),
                                      DUSK_DT_F2);
    dusk_array *hh = dusk_array_matmul(h, h);
    assert_int_equal(dusk_array_dtype(hh), DUSK_DT_F2);
    v = compute(dusk_array_astype(hh, DUSK_DT_F8), "float16 product");
    const double *hg = dusk_ndarray_data(v);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            double want = 0;
            for (int k = 0; k < 4; k++)
                want += hd[i][k] * hd[k][j];
            assert_true(hg[i * 4 + j] == want);
        }
    /* summed over both axes in reversed order: the blocks are packed (in
     * float16, then float32), not handed over as they are */
    int ax[2] = {1, 0};
    for (int k = 0; k < 2; k++) {
        dusk_array *hs = dusk_tensordot(h, h, ax, ax, 2);
        assert_int_equal(dusk_array_dtype(hs), DUSK_DT_F2);
        v = compute(dusk_array_astype(hs, DUSK_DT_F8), "float16 tensordot");
        double want = 0;
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++)
                want += hd[i][j] * hd[i][j];
        assert_true(*(const double *)dusk_ndarray_data(v) == want);
        h = dusk_array_rechunk(h, "4");   /* one block: the kernel's whole pack */
    }
}

/* NumPy orders complex numbers lexicographically for min and max; dusk
 * refuses those reductions, and scalar functions that would drop
 * imaginary parts, each naming the dtype. */
static void test_complex_refusals(void **state)
{
    dusk_array_ctx *ctx = *state;
    dusk_array *z = dusk_ones(ctx, DUSK_SHAPE(4, 4), "2", DUSK_DT_C16);
    dusk_array *w = dusk_ones(ctx, DUSK_SHAPE(4), "2", DUSK_DT_C8);
    dusk_array *h = dusk_ones(ctx, DUSK_SHAPE(4, 4), "2", DUSK_DT_F2);
    dusk_array *f = dusk_ones(ctx, DUSK_SHAPE(4, 4), "2", DUSK_DT_F8);
    assert_array_error(dusk_array_reduce(DUSK_RED_MAX, z, DUSK_ALL_AXES, false, 0, 0),
                       DUSK_ETYPE, "max: complex numbers (complex128) have no order");
    assert_array_error(dusk_array_reduce(DUSK_RED_MIN, w, DUSK_AXIS(0), true, 0, 0),
                       DUSK_ETYPE, "min: complex numbers (complex64) have no order");
    /* the factorisations take complex arrays (test_lapack checks their
     * values): their results are complex, of the inputs' precision */
    assert_int_equal(dusk_array_dtype(dusk_linalg_inv(z)), DUSK_DT_C16);
    assert_int_equal(dusk_array_dtype(dusk_linalg_solve(f, z)), DUSK_DT_C16);
    assert_int_equal(dusk_array_dtype(dusk_linalg_svd(dusk_ones(ctx, DUSK_SHAPE(4, 4), "4",
                                                                DUSK_DT_C8)).s), DUSK_DT_F4);
    static const dusk_block_func dbl = DUSK_SCALAR_FUNC(dbl, "twice", twice, NULL);
    dusk_array *in[1] = {w};
    assert_array_error(dusk_elemwise(&dbl, in, 1, DUSK_DT_F8, NULL), DUSK_EINVAL,
                       "an input is complex64");
    in[0] = f;
    assert_array_error(dusk_elemwise(&dbl, in, 1, DUSK_DT_C16, NULL), DUSK_EINVAL,
                       "the dtype asked for is complex128");
    /* what is allowed still builds: max of float16, abs of complex */
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_array_status(dusk_array_reduce(DUSK_RED_MAX, h, DUSK_ALL_AXES, false, 0, 0),
                                       &err), 0);
    assert_int_equal(dusk_array_status(dusk_array_unop(DUSK_UNOP_ABS, z), &err), 0);
    /* Dask's layer names for the new operations: real-, imag-, conj- */
    assert_true(strncmp(dusk_array_name(dusk_array_unop(DUSK_UNOP_REAL, z)), "real-", 5) == 0);
    assert_true(strncmp(dusk_array_name(dusk_array_unop(DUSK_UNOP_IMAG, z)), "imag-", 5) == 0);
    assert_true(strncmp(dusk_array_name(dusk_array_unop(DUSK_UNOP_CONJ, z)), "conj-", 5) == 0);
}

/* --- HDF5, both ways with h5py ----------------------------------------------------- */

static void test_hdf5_with_h5py(void **state)
{
    dusk_array_ctx *ctx = *state;
    /* h5py writes, dusk reads */
    char *out = py(
        "with h5py.File('py.h5', 'w') as f:\n"
        "    f.create_dataset('half', data=np.arange(-6, 6).reshape(3, 4) / 8, dtype='f2')\n"
        "    f.create_dataset('z', data=np.arange(12).reshape(3, 4) * (1 - 0.5j), dtype='c16',\n"
        "                     chunks=(2, 2))\n"
        "    f.create_dataset('w', data=np.arange(5) + 2.5j, dtype='c8', compression='gzip')\n");
    free(out);
    const char *pyfile = scratch("py.h5");
    dusk_array *hf = dusk_from_hdf5(ctx, pyfile, "/half", "(2, 2)");
    dusk_array *zf = dusk_from_hdf5(ctx, pyfile, "/z", NULL);
    dusk_array *wf = dusk_from_hdf5(ctx, pyfile, "/w", "2");
    assert_int_equal(dusk_array_dtype(hf), DUSK_DT_F2);
    assert_int_equal(dusk_array_dtype(zf), DUSK_DT_C16);
    assert_int_equal(dusk_array_dtype(wf), DUSK_DT_C8);
    dusk_value *v = compute(dusk_array_astype(hf, DUSK_DT_F8), "/half as f8");
    for (int i = 0; i < 12; i++)
        assert_true(((double *)dusk_ndarray_data(v))[i] == (i - 6) / 8.0);
    release(v);
    v = compute(zf, "/z");
    for (int i = 0; i < 12; i++) {
        const double *p = (const double *)dusk_ndarray_data(v) + 2 * i;
        assert_true(p[0] == i && p[1] == -0.5 * i);
    }
    release(v);
    v = compute(wf, "/w");
    for (int i = 0; i < 5; i++) {
        const float *p = (const float *)dusk_ndarray_data(v) + 2 * i;
        assert_true(p[0] == (float)i && p[1] == 2.5f);
    }
    release(v);
    /* the fixture h5py wrote for the lecture's dtypes */
    v = compute(dusk_from_hdf5(ctx, "tests/data/array/h5py_fixture.h5", "/complex", NULL),
                "fixture /complex");
    const double *c = dusk_ndarray_data(v);
    assert_true(dusk_ndarray_dtype(v) == DUSK_DT_C16 && c[0] == 1 && c[1] == 2 && c[2] == 3 &&
                c[3] == -4);
    release(v);
    v = compute(dusk_array_astype(dusk_from_hdf5(ctx, "tests/data/array/h5py_fixture.h5",
                                                 "/half", NULL), DUSK_DT_F8), "fixture /half");
    assert_true(((double *)dusk_ndarray_data(v))[0] == 1.5 &&
                ((double *)dusk_ndarray_data(v))[1] == 2.5);
    release(v);
    /* dusk writes (computed results, chunked and whole), h5py reads */
    const char *mine = scratch("dusk.h5");
    dusk_error err = DUSK_ERROR_INIT;
    dusk_array *zz = dusk_array_mul(zf, dusk_array_unop(DUSK_UNOP_CONJ, zf));   /* |z|^2 + 0j */
    dusk_array *hh = dusk_array_add(hf, hf);
    dusk_array *ww = dusk_array_binop_scalar(DUSK_BINOP_ADD, wf, 1, false);
    assert_int_equal(dusk_array_store(zz, mine, "/zz", NULL, NULL, &err), 0);
    assert_int_equal(dusk_array_store(hh, mine, "/grp/hh", NULL, NULL, &err), 0);
    assert_int_equal(dusk_array_store(ww, mine, "/ww", NULL, NULL, &err), 0);
    /* a complex128 array stored as complex64 */
    assert_int_equal(dusk_array_store(dusk_array_astype(zf, DUSK_DT_C8), mine, "/zc8", NULL, NULL,
                                      &err), 0);
    out = py(
        "f = h5py.File('dusk.h5', 'r')\n"
        "z = np.arange(12).reshape(3, 4) * (1 - 0.5j)\n"
        "h = (np.arange(-6, 6).reshape(3, 4) / 8).astype('f2')\n"
        "w = (np.arange(5) + 2.5j).astype('c8')\n"
        "checks = [(f['zz'], z * z.conj()), (f['grp/hh'], h + h), (f['ww'], w + 1),\n"
        "          (f['zc8'], z.astype('c8'))]\n"
        "for d, want in checks:\n"
        "    got = d[()]\n"
        "    assert got.dtype == want.dtype, (d.name, got.dtype, want.dtype)\n"
        "    assert np.array_equal(got, want), (d.name, got, want)\n"
        "    print(d.name, got.dtype, d.id.get_type().get_class())\n");
    assert_contains(out, "/zz complex128");
    assert_contains(out, "/grp/hh float16");
    assert_contains(out, "/ww complex64");
    assert_contains(out, "/zc8 complex64");
    free(out);
}

/* --- values: the encoder ----------------------------------------------------------- */

/* c8 and f2 blocks cross a process boundary as they are. */
static void test_encoder_keeps_the_new_dtypes(void **state)
{
    (void)state;
    int64_t sh[1] = {3};
    dusk_value *c = dusk_ndarray_new(DUSK_DT_C8, 1, sh), *h = dusk_ndarray_new(DUSK_DT_F2, 1, sh);
    float *cp = dusk_ndarray_data(c);
    for (int i = 0; i < 6; i++)
        cp[i] = (float)i - 2.5f;
    uint16_t *hp = dusk_ndarray_data(h);
    hp[0] = 0x3c00, hp[1] = 0xfbff, hp[2] = 0x0001;
    dusk_value *items[2] = {c, h};
    dusk_value *t = dusk_tuple_of(2, items);
    size_t len;
    dusk_error err = DUSK_ERROR_INIT;
    void *buf = NULL;
    assert_int_equal(dusk_value_encode(t, &buf, &len, &err), 0);
    dusk_value *back = NULL;
    assert_int_equal(dusk_value_decode(buf, len, &back, NULL, &err), 0);
    assert_true(dusk_value_equal(t, back));
    assert_int_equal(dusk_ndarray_dtype(dusk_tuple_get(back, 0)), DUSK_DT_C8);
    assert_int_equal(dusk_ndarray_dtype(dusk_tuple_get(back, 1)), DUSK_DT_F2);
    dusk_free(buf);
    dusk_value_unref(back);
    dusk_value_unref(t);
    assert_string_equal(dusk_dtype_name(DUSK_DT_F2), "float16");
    assert_string_equal(dusk_dtype_code(DUSK_DT_C8), "c8");
    assert_int_equal(dusk_dtype_size(DUSK_DT_C8), 8);
    assert_int_equal(dusk_dtype_size(DUSK_DT_F2), 2);
}

/* float32 sums add up in float64 inside a block and round once, as close
 * to the sum as NumPy's pairwise float32 sum or closer: one by one in
 * float32, a block of 20 million ones came to 16,777,216 (2^24), where
 * NumPy gives 20,000,000; nansum alike. */
static void test_float32_sums_do_not_saturate(void **state)
{
    dusk_array_ctx *ctx = *state;
    const int64_t n = 20000000;
    static const char *chunks[] = {"(20000000,)", "(5000000,)"};
    for (int k = 0; k < 2; k++) {
        dusk_array *x = dusk_ones(ctx, DUSK_SHAPE(n), chunks[k], DUSK_DT_F4);
        static const dusk_reduction ops[] = {DUSK_RED_SUM, DUSK_RED_NANSUM};
        for (int o = 0; o < 2; o++) {
            dusk_array *s = dusk_array_reduce(ops[o], x, DUSK_ALL_AXES, false, 0, 0);
            dusk_value *v = NULL;
            dusk_error err = DUSK_ERROR_INIT;
            if (dusk_array_compute(s, NULL, &v, &err) != 0)
                fail_msg("%s", err.msg);
            assert_int_equal(dusk_ndarray_dtype(v), DUSK_DT_F4);
            float got = *(const float *)dusk_ndarray_data(v);
            if (got != (float)n)
                fail_msg("%s of %lld float32 ones in chunks %s: %.1f", o ? "nansum" : "sum",
                         (long long)n, chunks[k], (double)got);
            dusk_value_unref(v);
        }
    }
    /* along an axis too: 4 rows of 5 million */
    dusk_array *m = dusk_ones(ctx, DUSK_SHAPE(4, 5000000), "(2, 5000000)", DUSK_DT_F4);
    dusk_value *v = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_array_compute(dusk_array_sum(m, DUSK_AXIS(1), false), NULL, &v, &err) != 0)
        fail_msg("%s", err.msg);
    for (int i = 0; i < 4; i++)
        assert_true(((const float *)dusk_ndarray_data(v))[i] == 5000000.0f);
    dusk_value_unref(v);
}

static int setup(void **state)
{
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    *state = ctx;
    return ctx ? 0 : -1;
}

static int teardown(void **state)
{
    release_all();
    dusk_array_ctx_free(*state);
    return reset_alloc(state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_result_dtypes_are_numpys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_int_scalars_at_the_range_ends, setup, teardown),
        cmocka_unit_test_setup_teardown(test_typed_scalars_are_numpys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_complex_power_is_numpys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_complex_division_is_numpys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_complex_negative_powers_are_numpys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scalar_powers_are_numpys_operator, setup, teardown),
        cmocka_unit_test_setup_teardown(test_half_conversions_are_numpys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_arithmetic_matches_numpy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_more_binops_match_numpy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_more_unops_match_numpy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_complex_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_complex_products, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hdf5_with_h5py, setup, teardown),
        cmocka_unit_test_setup_teardown(test_encoder_keeps_the_new_dtypes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_float32_sums_do_not_saturate, setup, teardown),
    };
    return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
