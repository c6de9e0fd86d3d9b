/*
** dusk — ndarray kernels: what array tasks compute on their chunks
**
** Every element is read through dusk__nd_loadf/loadi and written through
** storef/storei, so one loop serves the real dtypes (complex ones go
** through loadc/storec, as C's double complex); float64 inputs and
** outputs of the four arithmetic operators take a direct path that the
** compiler vectorises, since that is what most array work is.
**
** Iteration is C order over the output, carrying one byte offset per
** operand; a broadcast operand has stride 0 along the axes it repeats.
*/
#include <complex.h>
#include <math.h>
#include <string.h>

#include "dusk/alloc.h"
#include "nd.h"
#include "npymath.h"

/* --- dtypes ---------------------------------------------------------------- */

/* IEEE binary16 to double, through the bits of the float that holds it
 * exactly (NaN payloads kept, as NumPy's npy_half_to_float). */
double dusk__half_to_double(uint16_t h)
{
    uint32_t e = (h >> 10) & 31, f = h & 1023, s = (uint32_t)(h & 0x8000) << 16, bits;
    if (e == 0 && f != 0)                       /* subnormal: f units of 2^-24 */
        return h & 0x8000 ? -(double)f * 0x1p-24 : (double)f * 0x1p-24;
    if (e == 0)
        bits = s;
    else if (e == 31)
        bits = s | 0x7f800000u | (f << 13);
    else
        bits = s | ((e + 112) << 23) | (f << 13);
    float x;
    memcpy(&x, &bits, 4);
    return x;
}

/* Rounds q (with rem of 2^sh as what is cut off) to nearest, ties to even. */
static uint64_t round_even(uint64_t q, uint64_t rem, int sh)
{
    uint64_t half = (uint64_t)1 << (sh - 1);
    return rem > half || (rem == half && (q & 1)) ? q + 1 : q;
}

/* double to IEEE binary16, rounding to nearest even once from the double
 * as NumPy's npy_double_to_half does, so that f2 + f2 (exact in a double,
 * and in a float) rounds as NumPy's route through float32 does. Works on
 * the bits: a carry out of the mantissa moves to the next exponent, and
 * out of the largest one to infinity. */
uint16_t dusk__double_to_half(double v)
{
    uint64_t b;
    memcpy(&b, &v, 8);
    uint16_t sign = (uint16_t)((b >> 48) & 0x8000);
    uint64_t a = b & 0x7fffffffffffffffu, m = a & (((uint64_t)1 << 52) - 1);
    if (a >= 0x7ff0000000000000u)
        return sign | (a > 0x7ff0000000000000u ? 0x7e00 : 0x7c00);
    int e = (int)(a >> 52) - 1023;
    if (e > 15)
        return sign | 0x7c00;
    if (e >= -14)                               /* normal: 10 of the 52 bits */
        return sign | (uint16_t)round_even(((uint64_t)(e + 15) << 10) | (m >> 42),
                                           m & (((uint64_t)1 << 42) - 1), 42);
    if (e < -25)                                /* below half of 2^-24 */
        return sign;
    /* subnormal: units of 2^-24 of the significand with its leading 1 */
    uint64_t sig = m | ((uint64_t)1 << 52);
    int sh = 28 - e;                            /* 43 .. 53 */
    return sign | (uint16_t)round_even(sig >> sh, sig & (((uint64_t)1 << sh) - 1), sh);
}

static double load_f2(const char *p)
{
    uint16_t h;
    memcpy(&h, p, 2);
    return dusk__half_to_double(h);
}

static void store_f2(char *p, double v)
{
    uint16_t h = dusk__double_to_half(v);
    memcpy(p, &h, 2);
}

double dusk__nd_loadf(const char *p, dusk_dtype t)
{
    switch (t) {
    case DUSK_DT_F8: case DUSK_DT_C16: { double v; memcpy(&v, p, 8); return v; }
    case DUSK_DT_F4: case DUSK_DT_C8: { float v; memcpy(&v, p, 4); return v; }
    case DUSK_DT_F2: return load_f2(p);
    case DUSK_DT_U8: { uint64_t v; memcpy(&v, p, 8); return (double)v; }
    default: return (double)dusk__nd_loadi(p, t);
    }
}

double complex dusk__nd_loadc(const char *p, dusk_dtype t)
{
    /* A complex has the layout of two reals (C11 6.2.5): copied in, not
     * built with CMPLX, which glibc's complex.h gives gcc but not clang. */
    double complex z;
    if (t == DUSK_DT_C16) {
        memcpy(&z, p, sizeof z);
        return z;
    }
    if (t == DUSK_DT_C8) {
        float v[2];
        memcpy(v, p, 8);
        double d[2] = {v[0], v[1]};
        memcpy(&z, d, sizeof z);
        return z;
    }
    return dusk__nd_loadf(p, t);
}

void dusk__nd_storec(char *p, dusk_dtype t, double complex v)
{
    if (t == DUSK_DT_C16) {
        double x[2] = {creal(v), cimag(v)};
        memcpy(p, x, 16);
    } else if (t == DUSK_DT_C8) {
        float x[2] = {(float)creal(v), (float)cimag(v)};
        memcpy(p, x, 8);
    } else if (t == DUSK_DT_BOOL) {
        *p = v != 0;
    } else {
        /* NumPy drops the imaginary part (with a ComplexWarning) */
        dusk__nd_storef(p, t, creal(v));
    }
}

int64_t dusk__nd_loadi(const char *p, dusk_dtype t)
{
    switch (t) {
    case DUSK_DT_F8: case DUSK_DT_C16: { double v; memcpy(&v, p, 8); return (int64_t)v; }
    case DUSK_DT_F4: case DUSK_DT_C8: { float v; memcpy(&v, p, 4); return (int64_t)v; }
    case DUSK_DT_F2: return (int64_t)load_f2(p);
    case DUSK_DT_I8: case DUSK_DT_U8: { int64_t v; memcpy(&v, p, 8); return v; }
    case DUSK_DT_I4: { int32_t v; memcpy(&v, p, 4); return v; }
    case DUSK_DT_U4: { uint32_t v; memcpy(&v, p, 4); return v; }
    case DUSK_DT_I2: { int16_t v; memcpy(&v, p, 2); return v; }
    case DUSK_DT_U2: { uint16_t v; memcpy(&v, p, 2); return v; }
    case DUSK_DT_I1: return (int8_t)*p;
    case DUSK_DT_U1: return (uint8_t)*p;
    case DUSK_DT_BOOL: return *p != 0;
    default: return 0;
    }
}

/* Float to integer as C would, but defined for values out of range (NumPy
 * gives unspecified values there; dusk gives 0 rather than undefined
 * behaviour). */
static int64_t f2i(double v)
{
    if (!(v > -9.3e18 && v < 9.3e18))
        return v >= 9.3e18 && v < 1.85e19 ? (int64_t)(uint64_t)v : 0;
    return (int64_t)v;
}

void dusk__nd_storef(char *p, dusk_dtype t, double v)
{
    switch (t) {
    case DUSK_DT_F8: memcpy(p, &v, 8); break;
    case DUSK_DT_F4: { float f = (float)v; memcpy(p, &f, 4); break; }
    case DUSK_DT_F2: store_f2(p, v); break;
    case DUSK_DT_C16: case DUSK_DT_C8: dusk__nd_storec(p, t, v); break;
    case DUSK_DT_BOOL: *p = v != 0; break;
    default: dusk__nd_storei(p, t, f2i(v)); break;
    }
}

void dusk__nd_storei(char *p, dusk_dtype t, int64_t v)
{
    switch (t) {
    case DUSK_DT_F8: { double d = (double)v; memcpy(p, &d, 8); break; }
    case DUSK_DT_F4: { float f = (float)v; memcpy(p, &f, 4); break; }
    case DUSK_DT_F2: store_f2(p, (double)v); break;
    case DUSK_DT_C16: case DUSK_DT_C8: dusk__nd_storec(p, t, (double)v); break;
    case DUSK_DT_I8: case DUSK_DT_U8: memcpy(p, &v, 8); break;
    case DUSK_DT_I4: case DUSK_DT_U4: { uint32_t x = (uint32_t)v; memcpy(p, &x, 4); break; }
    case DUSK_DT_I2: case DUSK_DT_U2: { uint16_t x = (uint16_t)v; memcpy(p, &x, 2); break; }
    case DUSK_DT_I1: case DUSK_DT_U1: *p = (char)(uint8_t)v; break;
    case DUSK_DT_BOOL: *p = v != 0; break;
    default: break;
    }
}

int dusk__dtype_is_float(dusk_dtype t)
{
    return t == DUSK_DT_F8 || t == DUSK_DT_F4 || t == DUSK_DT_F2;
}

int dusk__dtype_is_complex(dusk_dtype t) { return t == DUSK_DT_C16 || t == DUSK_DT_C8; }

int dusk__dtype_is_inexact(dusk_dtype t)
{
    return dusk__dtype_is_float(t) || dusk__dtype_is_complex(t);
}

dusk_dtype dusk__dtype_real(dusk_dtype t)
{
    return t == DUSK_DT_C16 ? DUSK_DT_F8 : t == DUSK_DT_C8 ? DUSK_DT_F4 : t;
}

/* The float type NumPy promotes t to when it meets a float: a float or
 * complex's own (part), the smallest float that holds an integer type. */
static dusk_dtype float_of(dusk_dtype t)
{
    if (dusk__dtype_is_inexact(t))
        return dusk__dtype_real(t);
    size_t n = dusk_dtype_size(t);
    return n == 1 ? DUSK_DT_F2 : n == 2 ? DUSK_DT_F4 : DUSK_DT_F8;
}

static dusk_dtype wider_float(dusk_dtype a, dusk_dtype b)
{
    return dusk_dtype_size(a) >= dusk_dtype_size(b) ? a : b;
}

int dusk__dtype_is_unsigned(dusk_dtype t)
{
    return t == DUSK_DT_U8 || t == DUSK_DT_U4 || t == DUSK_DT_U2 || t == DUSK_DT_U1;
}

static int is_signed(dusk_dtype t)
{
    return t == DUSK_DT_I8 || t == DUSK_DT_I4 || t == DUSK_DT_I2 || t == DUSK_DT_I1;
}

static dusk_dtype signed_of_size(size_t n)
{
    return n >= 8 ? DUSK_DT_I8 : n == 4 ? DUSK_DT_I4 : n == 2 ? DUSK_DT_I2 : DUSK_DT_I1;
}

dusk_dtype dusk__promote(dusk_dtype a, dusk_dtype b)
{
    if (a == b)
        return a;
    if (a == DUSK_DT_BOOL)
        return b;
    if (b == DUSK_DT_BOOL)
        return a;
    size_t sa = dusk_dtype_size(a), sb = dusk_dtype_size(b);
    if (dusk__dtype_is_complex(a) || dusk__dtype_is_complex(b))
        return wider_float(float_of(a), float_of(b)) == DUSK_DT_F8 ? DUSK_DT_C16 : DUSK_DT_C8;
    if (dusk__dtype_is_float(a) || dusk__dtype_is_float(b))
        return wider_float(float_of(a), float_of(b));
    if (is_signed(a) == is_signed(b))
        return sa > sb ? a : b;
    dusk_dtype s = is_signed(a) ? a : b, u = s == a ? b : a;
    size_t ss = dusk_dtype_size(s), su = dusk_dtype_size(u);
    if (su < ss)
        return s;
    if (su == 8)
        return DUSK_DT_F8;
    return signed_of_size(su * 2);
}

/* NumPy's min_scalar_type of s: the smallest dtype of its kind that holds
 * its value (unsigned for an integer >= 0), never wider than its own. */
static dusk_dtype min_scalar_type(const dusk_scalar *s)
{
    dusk_dtype t = s->dtype;
    if (t == DUSK_DT_BOOL)
        return t;
    if (!dusk__dtype_is_inexact(t)) {
        if (t == DUSK_DT_U8 ? (uint64_t)s->i > (uint64_t)INT64_MAX : false)
            return DUSK_DT_U8;
        int64_t v = s->i;
        if (v >= 0)
            return v <= 255 ? DUSK_DT_U1 : v <= 65535 ? DUSK_DT_U2
                   : v <= 4294967295 ? DUSK_DT_U4 : DUSK_DT_U8;
        return v >= -128 ? DUSK_DT_I1 : v >= -32768 ? DUSK_DT_I2
               : v >= -2147483648LL ? DUSK_DT_I4 : DUSK_DT_I8;
    }
    /* NumPy's bounds: 65000 and 3.4e38, and any float holds inf and nan;
     * a complex number is c8 when both parts are finite and within 3.4e38
     * (NumPy's test, which an inf or a nan fails) */
    double m = fabs(s->re);
    dusk_dtype f = !isfinite(m) || m < 65000.0 ? DUSK_DT_F2 : m < 3.4e38 ? DUSK_DT_F4 : DUSK_DT_F8;
    if (dusk__dtype_is_complex(t))
        f = m < 3.4e38 && fabs(s->im) < 3.4e38 ? DUSK_DT_C8 : DUSK_DT_C16;
    return dusk__promote(f, t) == t ? f : t;
}

/* NumPy's kinds as value-based casting orders them: bool, integers,
 * inexact numbers (floats and complex numbers alike). */
static int kind_rank(dusk_dtype t)
{
    return t == DUSK_DT_BOOL ? 0 : dusk__dtype_is_inexact(t) ? 2 : 1;
}

/* NumPy's "small unsigned": a positive integer whose smallest type m is
 * unsigned but which the signed type of m's size holds too. */
static int small_unsigned(const dusk_scalar *s, dusk_dtype m)
{
    int64_t top = m == DUSK_DT_U1 ? INT8_MAX : m == DUSK_DT_U2 ? INT16_MAX
                  : m == DUSK_DT_U4 ? INT32_MAX : INT64_MAX;
    /* a uint64 past INT64_MAX has the bits of an i < 0 */
    return m != DUSK_DT_BOOL && dusk__dtype_is_unsigned(m) && s->i >= 0 && s->i <= top;
}

static dusk_dtype promote_typed(dusk_dtype a, const dusk_scalar *s)
{
    if (kind_rank(a) < kind_rank(s->dtype))
        return dusk__promote(a, s->dtype);
    dusk_dtype m = min_scalar_type(s);
    /* a small unsigned joins a signed array as the signed type (int8
     * array + 2**62 is int64, not float64) */
    if (is_signed(a) && small_unsigned(s, m))
        m = signed_of_size(dusk_dtype_size(m));
    return dusk__promote(a, m);
}

dusk_binop dusk__binop_base(dusk_binop op)
{
    static const dusk_binop base[] = {
        DUSK_BINOP_SUB, DUSK_BINOP_MUL, DUSK_BINOP_DIV, DUSK_BINOP_POW, DUSK_BINOP_EQ,
        DUSK_BINOP_NE, DUSK_BINOP_LT, DUSK_BINOP_LE, DUSK_BINOP_GT, DUSK_BINOP_GE,
    };
    return op >= DUSK_BINOP_SUBTRACT && op < DUSK_BINOP_COUNT ? base[op - DUSK_BINOP_SUBTRACT]
                                                               : op;
}

int dusk__binop_floats_only(dusk_binop op)
{
    return op >= DUSK_BINOP_ARCTAN2 && op <= DUSK_BINOP_LOGADDEXP2;
}

/* The first of the float loops (float16, float32, float64; float_power's:
 * float64, complex128) that a and b cast to safely; 0 (bool) when none
 * does: a complex operand, which the caller refuses. */
static dusk_dtype float_loop(dusk_binop op, dusk_dtype a, dusk_dtype b)
{
    static const dusk_dtype loops[] = {DUSK_DT_F2, DUSK_DT_F4, DUSK_DT_F8, DUSK_DT_C16};
    for (size_t k = op == DUSK_BINOP_FLOAT_POWER ? 2 : 0; k < 3 + (op == DUSK_BINOP_FLOAT_POWER);
         k++)
        if (dusk__promote(a, loops[k]) == loops[k] && dusk__promote(b, loops[k]) == loops[k])
            return loops[k];
    return DUSK_DT_BOOL;
}

dusk_dtype dusk__promote_typed(dusk_binop op, dusk_dtype a, const dusk_scalar *s,
                               bool scalar_first)
{
    op = dusk__binop_base(op);
    /* x ** 2 is NumPy's square (the fast path of ndarray.__pow__, which
     * Dask's chunks take too): of bools int8, of integers their own type,
     * or float64 when the 2 is a float of any dtype */
    if (op == DUSK_BINOP_POW && !scalar_first && !dusk__dtype_is_inexact(a) &&
        !dusk__dtype_is_complex(s->dtype) && s->dtype != DUSK_DT_BOOL &&
        (dusk__dtype_is_float(s->dtype) ? s->re == 2 : s->i == 2))
        return a == DUSK_DT_BOOL ? DUSK_DT_I1 : dusk__dtype_is_float(s->dtype) ? DUSK_DT_F8 : a;
    dusk_dtype r = promote_typed(a, s);
    int bitwise = op == DUSK_BINOP_AND || op == DUSK_BINOP_OR || op == DUSK_BINOP_XOR;
    int nocomplex = op == DUSK_BINOP_FLOORDIV || op == DUSK_BINOP_MOD || op == DUSK_BINOP_FMOD;
    int floats = dusk__binop_floats_only(op) || op == DUSK_BINOP_FLOAT_POWER;
    if (!bitwise && !nocomplex && !floats && op != DUSK_BINOP_POW)
        return r;
    /* NumPy types these ufuncs by taking the first of their loops that
     * both operands cast to safely (a scalar by its value), not by
     * promotion: uint8 array // 300 is int16, where + gives uint16 */
    static const dusk_dtype loops[] = {
        DUSK_DT_BOOL, DUSK_DT_I1, DUSK_DT_U1, DUSK_DT_I2, DUSK_DT_U2, DUSK_DT_I4, DUSK_DT_U4,
        DUSK_DT_I8, DUSK_DT_U8, DUSK_DT_F2, DUSK_DT_F4, DUSK_DT_F8, DUSK_DT_C8, DUSK_DT_C16,
    };
    int by_value = kind_rank(a) >= kind_rank(s->dtype);
    dusk_dtype m = by_value ? min_scalar_type(s) : s->dtype;
    int small = by_value && small_unsigned(s, m);
    for (size_t k = 0; k < sizeof loops / sizeof *loops; k++) {
        dusk_dtype t = loops[k];
        if ((t == DUSK_DT_BOOL && !bitwise) || (bitwise && dusk__dtype_is_inexact(t)) ||
            (nocomplex && dusk__dtype_is_complex(t)) || (floats && !dusk__dtype_is_inexact(t)) ||
            (floats && dusk__dtype_is_complex(t) && op != DUSK_BINOP_FLOAT_POWER) ||
            (op == DUSK_BINOP_FLOAT_POWER && t != DUSK_DT_F8 && t != DUSK_DT_C16))
            continue;
        dusk_dtype ms = small && !dusk__dtype_is_unsigned(t) ? signed_of_size(dusk_dtype_size(m))
                                                             : m;
        if (dusk__promote(a, t) == t && dusk__promote(ms, t) == t)
            return t;
    }
    return r;   /* no loop: NumPy refuses it, as the caller does */
}

dusk_scalar dusk__scalar_of_double(dusk_dtype a, double s)
{
    /* a Python int: NumPy gives int64 down to -2**63 and uint64 up to
     * 2**64 - 1 (beyond, an object array: dusk stays in float64) */
    int whole = s == floor(s) && s >= -0x1p63 && s < 0x1p64;
    if (dusk__dtype_is_inexact(a) || !whole)
        return dusk_scalar_float(s);
    return s >= 0x1p63 ? dusk_scalar_uint((uint64_t)s) : dusk_scalar_int((int64_t)s);
}

void dusk__nd_store_scalar(char *p, dusk_dtype t, const dusk_scalar *s)
{
    if (dusk__dtype_is_complex(s->dtype) && dusk__dtype_is_complex(t)) {
        /* the parts copied in: building re + im * I makes nan of an
         * infinite part */
        if (t == DUSK_DT_C16) {
            double x[2] = {s->re, s->im};
            memcpy(p, x, 16);
        } else {
            float x[2] = {(float)s->re, (float)s->im};
            memcpy(p, x, 8);
        }
    } else if (dusk__dtype_is_inexact(s->dtype)) {
        dusk__nd_storef(p, t, s->re);
    } else if (dusk__dtype_is_inexact(t)) {
        dusk__nd_storef(p, t, s->dtype == DUSK_DT_U8 ? (double)(uint64_t)s->i : (double)s->i);
    } else {
        dusk__nd_storei(p, t, s->i);
    }
}

int dusk__binop_compares(dusk_binop op)
{
    return op >= DUSK_BINOP_LT && op <= DUSK_BINOP_NE;
}

dusk_dtype dusk__binop_dtype(dusk_binop op, dusk_dtype a, dusk_dtype b)
{
    op = dusk__binop_base(op);
    if (dusk__binop_compares(op) || op == DUSK_BINOP_LOGICAL_AND || op == DUSK_BINOP_LOGICAL_OR ||
        op == DUSK_BINOP_LOGICAL_XOR)
        return DUSK_DT_BOOL;
    dusk_dtype t = dusk__promote(a, b);
    if (dusk__binop_floats_only(op) || op == DUSK_BINOP_FLOAT_POWER) {
        dusk_dtype f = float_loop(op, a, b);
        return f == DUSK_DT_BOOL ? t : f;
    }
    if (op == DUSK_BINOP_DIV && !dusk__dtype_is_inexact(t))
        return DUSK_DT_F8;
    if ((op == DUSK_BINOP_POW || op == DUSK_BINOP_FLOORDIV || op == DUSK_BINOP_MOD ||
         op == DUSK_BINOP_FMOD) && t == DUSK_DT_BOOL)
        return DUSK_DT_I1;
    return t;
}

int dusk__unop_tests(dusk_unop op)
{
    return op == DUSK_UNOP_ISNAN || op == DUSK_UNOP_ISINF || op == DUSK_UNOP_ISFINITE;
}

dusk_dtype dusk__unop_dtype(dusk_unop op, dusk_dtype a)
{
    if (dusk__unop_tests(op) || op == DUSK_UNOP_LOGICAL_NOT || op == DUSK_UNOP_SIGNBIT)
        return DUSK_DT_BOOL;
    if (op == DUSK_UNOP_RECIPROCAL)
        return a == DUSK_DT_BOOL ? DUSK_DT_I1 : a;
    if (op == DUSK_UNOP_POSITIVE)
        return a;
    if (op == DUSK_UNOP_SINC)   /* pi * x: a Python float with integers is float64 */
        return dusk__dtype_is_inexact(a) ? a : DUSK_DT_F8;
    if (op == DUSK_UNOP_SQUARE || op == DUSK_UNOP_SIGN)
        return a == DUSK_DT_BOOL ? DUSK_DT_I1 : a;
    if (op == DUSK_UNOP_ABS || op == DUSK_UNOP_REAL || op == DUSK_UNOP_IMAG)
        return dusk__dtype_real(a);   /* the same for real types */
    if (op == DUSK_UNOP_NEG || op == DUSK_UNOP_CONJ || op == DUSK_UNOP_INVERT ||
        dusk__dtype_is_inexact(a))
        return a;
    /* float16 for 1-byte inputs, float32 for 2-byte ones, as NumPy */
    return float_of(a);
}

dusk_dtype dusk__reduce_dtype(dusk_reduction op, dusk_dtype a)
{
    switch (op) {
    case DUSK_RED_SUM:
    case DUSK_RED_PROD:
    case DUSK_RED_NANSUM:
    case DUSK_RED_NANPROD:
        if (dusk__dtype_is_inexact(a))
            return a;
        return dusk__dtype_is_unsigned(a) ? DUSK_DT_U8 : DUSK_DT_I8;
    case DUSK_RED_MEAN:
    case DUSK_RED_NANMEAN:
        return dusk__dtype_is_inexact(a) ? a : DUSK_DT_F8;
    case DUSK_RED_VAR:
    case DUSK_RED_STD:
    case DUSK_RED_NANVAR:
    case DUSK_RED_NANSTD:
        /* of complex numbers, the variance of their distance: real */
        return dusk__dtype_is_inexact(a) ? dusk__dtype_real(a) : DUSK_DT_F8;
    case DUSK_RED_ANY:
    case DUSK_RED_ALL:
        return DUSK_DT_BOOL;
    default:
        return a;
    }
}

/* --- iteration ---------------------------------------------------------------- */

typedef struct {
    int ndim;
    int64_t shape[DUSK_MAXDIMS];
    int64_t idx[DUSK_MAXDIMS];
    int nop;
    int64_t strides[3][DUSK_MAXDIMS];
    int64_t off[3];
} iter;

/* Advances all but the last axis; false when done. The inner loop walks
 * the last axis itself. */
static int iter_next_row(iter *it)
{
    for (int d = it->ndim - 2; d >= 0; d--) {
        for (int k = 0; k < it->nop; k++)
            it->off[k] += it->strides[k][d];
        if (++it->idx[d] < it->shape[d])
            return 1;
        for (int k = 0; k < it->nop; k++)
            it->off[k] -= it->strides[k][d] * it->shape[d];
        it->idx[d] = 0;
    }
    return 0;
}

static int64_t count_of(int ndim, const int64_t *shape)
{
    int64_t n = 1;
    for (int i = 0; i < ndim; i++)
        n *= shape[i];
    return n;
}

/* Strides of operand v aligned to an output of ndim axes (right-aligned,
 * 0 where v has length 1 or lacks the axis). */
static void aligned_strides(const dusk_value *v, int ndim, const int64_t *oshape, int64_t *st)
{
    int vn = v->u.nd.ndim;
    for (int d = 0; d < ndim; d++) {
        int vd = d - (ndim - vn);
        if (vd < 0 || v->u.nd.shape[vd] == 1 || oshape[d] == 1)
            st[d] = 0;
        else
            st[d] = v->u.nd.strides[vd];
    }
}

static int oom(dusk_error *err)
{
    return dusk_error_set(err, DUSK_ENOMEM, "out of memory for a chunk");
}

/* --- elementwise --------------------------------------------------------------- */

static double fop(dusk_binop op, double x, double y)
{
    double m;
    switch (op) {
    case DUSK_BINOP_ADD: return x + y;
    case DUSK_BINOP_SUB: return x - y;
    case DUSK_BINOP_MUL: return x * y;
    case DUSK_BINOP_DIV: return x / y;
    case DUSK_BINOP_POW: return pow(x, y);
    case DUSK_BINOP_LT: return x < y;
    case DUSK_BINOP_LE: return x <= y;
    case DUSK_BINOP_GT: return x > y;
    case DUSK_BINOP_GE: return x >= y;
    case DUSK_BINOP_EQ: return x == y;
    case DUSK_BINOP_NE: return x != y;
    case DUSK_BINOP_FLOORDIV: return dusk__divmod(x, y, &m);
    case DUSK_BINOP_MOD: return dusk__divmod(x, y, &m), m;
    /* a nan wins; of equal ones (0.0 and -0.0), y, as NumPy's float32
     * and float64 loops give (float16's: in dusk__nd_binop) */
    case DUSK_BINOP_MAX: return isnan(x) || x > y ? x : y;
    case DUSK_BINOP_MIN: return isnan(x) || x < y ? x : y;
    case DUSK_BINOP_ARCTAN2: return atan2(x, y);
    case DUSK_BINOP_HYPOT: return hypot(x, y);
    case DUSK_BINOP_COPYSIGN: return copysign(x, y);
    case DUSK_BINOP_NEXTAFTER: return nextafter(x, y);
    case DUSK_BINOP_LOGADDEXP: return dusk__logaddexp(x, y);
    case DUSK_BINOP_LOGADDEXP2: return dusk__logaddexp2(x, y);
    case DUSK_BINOP_FMOD: return fmod(x, y);
    /* the number of the two, the nan only if both are; of equal ones x */
    case DUSK_BINOP_FMAX: return !isnan(x) && (x >= y || isnan(y)) ? x : y;
    case DUSK_BINOP_FMIN: return !isnan(x) && (x <= y || isnan(y)) ? x : y;
    case DUSK_BINOP_FLOAT_POWER: return pow(x, y);
    case DUSK_BINOP_LOGICAL_AND: return x != 0 && y != 0;   /* a nan is true */
    case DUSK_BINOP_LOGICAL_OR: return x != 0 || y != 0;
    case DUSK_BINOP_LOGICAL_XOR: return (x != 0) != (y != 0);
    default: return 0;
    }
}

/* x's neighbour towards y in float32 or float16 (float64's is fop's): a
 * step of one unit in the last place of that type, not of a double. */
static double next_toward(dusk_dtype t, double x, double y)
{
    if (t == DUSK_DT_F4)
        return nextafterf((float)x, (float)y);
    if (isnan(x) || isnan(y))
        return x + y;
    if (x == y)
        return y;
    uint16_t h = dusk__double_to_half(x);
    if (x == 0)   /* the smallest subnormal of y's sign */
        h = (uint16_t)(y > 0 ? 0x0001 : 0x8001);
    else if ((x < y) == (x > 0))   /* away from zero */
        h++;
    else
        h--;
    return dusk__half_to_double(h);
}

static int iop(dusk_binop op, int64_t x, int64_t y, int uns, int64_t *r)
{
    uint64_t ux = (uint64_t)x, uy = (uint64_t)y;
    if (uns && (op == DUSK_BINOP_FLOORDIV || op == DUSK_BINOP_MOD)) {
        /* by 0: 0, as NumPy gives */
        *r = uy == 0 ? 0 : (int64_t)(op == DUSK_BINOP_FLOORDIV ? ux / uy : ux % uy);
        return 0;
    }
    if (op == DUSK_BINOP_FMAX || op == DUSK_BINOP_FMIN)   /* integers have no nan */
        op = op == DUSK_BINOP_FMAX ? DUSK_BINOP_MAX : DUSK_BINOP_MIN;
    if (uns && (op == DUSK_BINOP_MAX || op == DUSK_BINOP_MIN)) {
        *r = (op == DUSK_BINOP_MAX) == (ux > uy) ? x : y;
        return 0;
    }
    if (op == DUSK_BINOP_FMOD) {
        /* C's remainder, of x's sign; by 0 it is 0 (NumPy's, which warns),
         * and by -1 0 (INT64_MIN % -1 would trap) */
        *r = y == 0 || (!uns && y == -1) ? 0 : uns ? (int64_t)(ux % uy) : x % y;
        return 0;
    }
    if (op == DUSK_BINOP_LOGICAL_AND || op == DUSK_BINOP_LOGICAL_OR ||
        op == DUSK_BINOP_LOGICAL_XOR) {
        int p = x != 0, q = y != 0;
        *r = op == DUSK_BINOP_LOGICAL_AND ? p && q : op == DUSK_BINOP_LOGICAL_OR ? p || q : p != q;
        return 0;
    }
    if (uns && dusk__binop_compares(op)) {
        /* uint64 values past INT64_MAX compare as the large numbers they are */
        switch (op) {
        case DUSK_BINOP_LT: *r = ux < uy; return 0;
        case DUSK_BINOP_LE: *r = ux <= uy; return 0;
        case DUSK_BINOP_GT: *r = ux > uy; return 0;
        case DUSK_BINOP_GE: *r = ux >= uy; return 0;
        case DUSK_BINOP_EQ: *r = ux == uy; return 0;
        default: *r = ux != uy; return 0;
        }
    }
    switch (op) {
    case DUSK_BINOP_ADD: *r = (int64_t)(ux + uy); return 0;
    case DUSK_BINOP_SUB: *r = (int64_t)(ux - uy); return 0;
    case DUSK_BINOP_MUL: *r = (int64_t)(ux * uy); return 0;
    case DUSK_BINOP_POW: {
        if (!uns && y < 0)   /* a uint64 exponent past INT64_MAX is no negative one */
            return -1;
        uint64_t acc = 1, base = ux;
        for (uint64_t e = uy; e; e >>= 1) {
            if (e & 1)
                acc *= base;
            base *= base;
        }
        *r = (int64_t)acc;
        return 0;
    }
    case DUSK_BINOP_LT: *r = x < y; return 0;
    case DUSK_BINOP_LE: *r = x <= y; return 0;
    case DUSK_BINOP_GT: *r = x > y; return 0;
    case DUSK_BINOP_GE: *r = x >= y; return 0;
    case DUSK_BINOP_EQ: *r = x == y; return 0;
    case DUSK_BINOP_NE: *r = x != y; return 0;
    case DUSK_BINOP_AND: *r = x & y; return 0;
    case DUSK_BINOP_OR: *r = x | y; return 0;
    case DUSK_BINOP_XOR: *r = x ^ y; return 0;
    case DUSK_BINOP_MAX: *r = x > y ? x : y; return 0;
    case DUSK_BINOP_MIN: *r = x < y ? x : y; return 0;
    case DUSK_BINOP_FLOORDIV:
    case DUSK_BINOP_MOD: {
        /* by 0: 0, as NumPy gives; INT64_MIN // -1 wraps to itself
         * (NumPy's result; C's division would trap) */
        int64_t q, m;
        if (y == 0) {
            q = m = 0;
        } else if (y == -1) {
            q = (int64_t)(0 - ux);
            m = 0;
        } else {
            q = x / y;
            m = x % y;
            if (m != 0 && (m < 0) != (y < 0)) {
                q -= 1;
                m += y;
            }
        }
        *r = op == DUSK_BINOP_FLOORDIV ? q : m;
        return 0;
    }
    default: *r = 0; return 0;
    }
}

static double complex make_complex(double re, double im);

/* x * y by the schoolbook formula, as NumPy's cmul (C's * treats inf
 * and nan parts by Annex G). */
static double complex cmul(double complex x, double complex y)
{
    double xr = creal(x), yr = creal(y), xi = cimag(x), yi = cimag(y);
    return make_complex(xr * yr - xi * yi, xr * yi + xi * yr);
}

/* x ** y as NumPy's npy_cpow: 1 for y == 0; of a
 * zero x, 0 for a real y > 0 and nan otherwise (C's cpow gives 0 or
 * inf); whole real powers below 100 in magnitude by repeated squaring
 * (1 / that for negative ones); the rest by cpow. */
static double complex cpow_numpy(double complex x, double complex y)
{
    double xr = creal(x), xi = cimag(x), yr = creal(y), yi = cimag(y);
    if (yr == 0 && yi == 0)
        return 1;
    if (xr == 0 && xi == 0)
        return yr > 0 && yi == 0 ? 0 : make_complex(NAN, NAN);
    if (yi == 0 && fabs(yr) < 100 && yr == (double)(int)yr) {
        int n = (int)yr;
        if (n == 1)
            return x;
        if (n == 2)
            return cmul(x, x);
        if (n == 3)
            return cmul(x, cmul(x, x));
        double complex r = 1, p = x;
        for (int k = n < 0 ? -n : n;; k >>= 1) {
            if (k & 1)
                r = cmul(r, p);
            if (k <= 1)
                break;
            p = cmul(p, p);
        }
        if (n > 0)
            return r;
        double re, im;   /* 1 / r, as NumPy's cdiv(1, r): 2 ** -1 is 0.5 + 0j */
        dusk__cdiv(1, 0, creal(r), cimag(r), &re, &im);
        return make_complex(re, im);
    }
    return cpow(x, y);
}

/* Complex operands. Comparisons order complex numbers as NumPy does:
 * by real part, then by imaginary part. The result of a comparison is
 * 0 or 1 in the real part. */
static double complex cop(dusk_binop op, double complex x, double complex y)
{
    double xr = creal(x), yr = creal(y), xi = cimag(x), yi = cimag(y);
    switch (op) {
    case DUSK_BINOP_ADD: return x + y;
    case DUSK_BINOP_SUB: return x - y;
    case DUSK_BINOP_MUL: return x * y;
    case DUSK_BINOP_DIV: {
        double re, im;
        dusk__cdiv(xr, xi, yr, yi, &re, &im);
        return make_complex(re, im);
    }
    case DUSK_BINOP_POW: return cpow_numpy(x, y);
    case DUSK_BINOP_LT: return xr < yr || (xr == yr && xi < yi);
    case DUSK_BINOP_LE: return xr < yr || (xr == yr && xi <= yi);
    case DUSK_BINOP_GT: return xr > yr || (xr == yr && xi > yi);
    case DUSK_BINOP_GE: return xr > yr || (xr == yr && xi >= yi);
    case DUSK_BINOP_EQ: return x == y;
    case DUSK_BINOP_NE: return x != y;
    case DUSK_BINOP_MAX:
    case DUSK_BINOP_MIN: {
        /* a number with a nan part wins, x first */
        if (isnan(xr) || isnan(xi))
            return x;
        if (isnan(yr) || isnan(yi))
            return y;
        int x_greater = xr > yr || (xr == yr && xi > yi);
        int x_less = xr < yr || (xr == yr && xi < yi);
        return (op == DUSK_BINOP_MAX ? x_greater : x_less) ? x : y;
    }
    case DUSK_BINOP_FMAX:
    case DUSK_BINOP_FMIN: {
        /* the number of the two, as NumPy's: x unless it has a nan part
         * or y is a number beyond it */
        int xnan = isnan(xr) || isnan(xi), ynan = isnan(yr) || isnan(yi);
        int x_ge = xr > yr || (xr == yr && xi >= yi);
        int x_le = xr < yr || (xr == yr && xi <= yi);
        return !xnan && ((op == DUSK_BINOP_FMAX ? x_ge : x_le) || ynan) ? x : y;
    }
    case DUSK_BINOP_FLOAT_POWER: return cpow_numpy(x, y);
    case DUSK_BINOP_LOGICAL_AND: return x != 0 && y != 0;
    case DUSK_BINOP_LOGICAL_OR: return x != 0 || y != 0;
    case DUSK_BINOP_LOGICAL_XOR: return (x != 0) != (y != 0);
    default: return 0;
    }
}

/* Rows of float64 by four elements: the output is a new array, never an
 * input (restrict), so gcc's -O2 vectoriser pairs them (its cheapest cost
 * model leaves a plain loop of unknown length scalar: twice the time on
 * the lecture's subtraction). Each element is computed as one by one. */
#define F8_ROWS(name, OP)                                                                     \
    static void name##_vv(double *restrict o, const double *restrict a,                      \
                          const double *restrict b, int64_t n)                               \
    {                                                                                        \
        int64_t i = 0;                                                                       \
        for (; i + 4 <= n; i += 4) {                                                         \
            o[i] = a[i] OP b[i];                                                             \
            o[i + 1] = a[i + 1] OP b[i + 1];                                                 \
            o[i + 2] = a[i + 2] OP b[i + 2];                                                 \
            o[i + 3] = a[i + 3] OP b[i + 3];                                                 \
        }                                                                                    \
        for (; i < n; i++)                                                                   \
            o[i] = a[i] OP b[i];                                                             \
    }                                                                                        \
    static void name##_vs(double *restrict o, const double *restrict a, double y, int64_t n) \
    {                                                                                        \
        int64_t i = 0;                                                                       \
        for (; i + 4 <= n; i += 4) {                                                         \
            o[i] = a[i] OP y;                                                                \
            o[i + 1] = a[i + 1] OP y;                                                        \
            o[i + 2] = a[i + 2] OP y;                                                        \
            o[i + 3] = a[i + 3] OP y;                                                        \
        }                                                                                    \
        for (; i < n; i++)                                                                   \
            o[i] = a[i] OP y;                                                                \
    }
F8_ROWS(f8_add, +)
F8_ROWS(f8_sub, -)
F8_ROWS(f8_mul, *)
F8_ROWS(f8_div, /)
#undef F8_ROWS

/* The float64 path: contiguous or broadcast rows of the four operators. */
static void f8_row(dusk_binop op, double *o, const char *pa, int64_t sa, const char *pb,
                   int64_t sb, int64_t n)
{
    const double *a = (const double *)pa, *b = (const double *)pb;
    if (sa == 8 && sb == 8) {
        switch (op) {
        case DUSK_BINOP_ADD: f8_add_vv(o, a, b, n); return;
        case DUSK_BINOP_SUB: f8_sub_vv(o, a, b, n); return;
        case DUSK_BINOP_MUL: f8_mul_vv(o, a, b, n); return;
        default: f8_div_vv(o, a, b, n); return;
        }
    }
    if (sa == 8 && sb == 0) {
        double y = b[0];
        switch (op) {
        case DUSK_BINOP_ADD: f8_add_vs(o, a, y, n); return;
        case DUSK_BINOP_SUB: f8_sub_vs(o, a, y, n); return;
        case DUSK_BINOP_MUL: f8_mul_vs(o, a, y, n); return;
        default: f8_div_vs(o, a, y, n); return;
        }
    }
    for (int64_t i = 0; i < n; i++) {
        double x, y;
        memcpy(&x, pa + i * sa, 8);
        memcpy(&y, pb + i * sb, 8);
        o[i] = fop(op, x, y);
    }
}

int dusk__nd_binop(dusk_binop op, const dusk_value *a, const dusk_value *b,
                   dusk_dtype out_dtype, dusk_value **out, dusk_error *err)
{
    int ndim = a->u.nd.ndim > b->u.nd.ndim ? a->u.nd.ndim : b->u.nd.ndim;
    int64_t shape[DUSK_MAXDIMS] = {0};   /* gcc does not see the loop fill all ndim */
    for (int d = 0; d < ndim; d++) {
        int da = d - (ndim - a->u.nd.ndim), db = d - (ndim - b->u.nd.ndim);
        int64_t x = da >= 0 ? a->u.nd.shape[da] : 1, y = db >= 0 ? b->u.nd.shape[db] : 1;
        if (x != y && x != 1 && y != 1)
            return dusk_error_set(err, DUSK_EINVAL, "chunk shapes do not broadcast");
        shape[d] = x == 1 ? y : x;
    }
    dusk_value *o = dusk_ndarray_empty(out_dtype, ndim, shape);
    if (!o)
        return oom(err);
    int64_t count = count_of(ndim, shape);
    int rc = 0;
    if (count > 0) {
        iter it = {.ndim = ndim, .nop = 3};
        memcpy(it.shape, shape, sizeof(int64_t) * (size_t)ndim);
        aligned_strides(a, ndim, shape, it.strides[0]);
        aligned_strides(b, ndim, shape, it.strides[1]);
        memcpy(it.strides[2], o->u.nd.strides, sizeof(int64_t) * (size_t)ndim);
        dusk_dtype ta = a->u.nd.dtype, tb = b->u.nd.dtype;
        int64_t n = ndim ? shape[ndim - 1] : 1;
        int64_t sa = ndim ? it.strides[0][ndim - 1] : 0, sb = ndim ? it.strides[1][ndim - 1] : 0;
        int64_t so = ndim ? it.strides[2][ndim - 1] : 0;
        size_t es = dusk_dtype_size(out_dtype);
        int fast = ta == DUSK_DT_F8 && tb == DUSK_DT_F8 && out_dtype == DUSK_DT_F8 && op <= DUSK_BINOP_DIV;
        dusk_dtype common = dusk__promote(ta, tb);
        int as_complex = dusk__dtype_is_complex(common);
        /* (arctan2 and float_power of integers compute in floats) */
        int as_float = dusk__dtype_is_float(common) || op == DUSK_BINOP_DIV ||
                       dusk__dtype_is_float(out_dtype);
        int as_bool = common == DUSK_DT_BOOL &&
                      (op == DUSK_BINOP_ADD || op == DUSK_BINOP_MUL || op == DUSK_BINOP_MAX ||
                       op == DUSK_BINOP_MIN || op == DUSK_BINOP_FMAX || op == DUSK_BINOP_FMIN);
        int uns = dusk__dtype_is_unsigned(common);
        do {
            const char *pa = a->u.nd.data + it.off[0], *pb = b->u.nd.data + it.off[1];
            char *po = o->u.nd.data + it.off[2];
            if (fast) {
                f8_row(op, (double *)po, pa, sa, pb, sb, n);
                continue;
            }
            for (int64_t i = 0; i < n; i++, pa += sa, pb += sb, po += (int64_t)es) {
                (void)so;
                if (as_bool) {
                    int x = *pa != 0, y = *pb != 0;
                    *po = (char)(op == DUSK_BINOP_ADD || op == DUSK_BINOP_MAX ||
                                         op == DUSK_BINOP_FMAX ? (x | y) : (x & y));
                } else if (as_complex && op == DUSK_BINOP_DIV && out_dtype == DUSK_DT_C8) {
                    /* in float, as NumPy's complex64 loop: in double, the
                     * quotient rounds twice */
                    double complex x = dusk__nd_loadc(pa, ta), y = dusk__nd_loadc(pb, tb);
                    float re, im;
                    dusk__cdivf((float)creal(x), (float)cimag(x), (float)creal(y),
                                (float)cimag(y), &re, &im);
                    dusk__nd_storec(po, out_dtype, make_complex(re, im));
                } else if (as_complex) {
                    dusk__nd_storec(po, out_dtype, cop(op, dusk__nd_loadc(pa, ta),
                                                       dusk__nd_loadc(pb, tb)));
                } else if (as_float && out_dtype == DUSK_DT_F2 &&
                           (op == DUSK_BINOP_MAX || op == DUSK_BINOP_MIN)) {
                    /* NumPy's float16 loop keeps x of equal ones (0.0, -0.0) */
                    double x = dusk__nd_loadf(pa, ta), y = dusk__nd_loadf(pb, tb);
                    int keep = isnan(x) || (op == DUSK_BINOP_MAX ? x >= y : x <= y);
                    dusk__nd_storef(po, out_dtype, keep ? x : y);
                } else if (as_float && out_dtype == DUSK_DT_F4 &&
                           (op == DUSK_BINOP_FLOORDIV || op == DUSK_BINOP_MOD)) {
                    float m, q = dusk__divmodf((float)dusk__nd_loadf(pa, ta),
                                               (float)dusk__nd_loadf(pb, tb), &m);
                    dusk__nd_storef(po, out_dtype, op == DUSK_BINOP_MOD ? m : q);
                } else if (as_float && op == DUSK_BINOP_NEXTAFTER && out_dtype != DUSK_DT_F8) {
                    dusk__nd_storef(po, out_dtype, next_toward(out_dtype, dusk__nd_loadf(pa, ta),
                                                               dusk__nd_loadf(pb, tb)));
                } else if (as_float) {
                    dusk__nd_storef(po, out_dtype, fop(op, dusk__nd_loadf(pa, ta),
                                                       dusk__nd_loadf(pb, tb)));
                } else {
                    int64_t r;
                    if (iop(op, dusk__nd_loadi(pa, ta), dusk__nd_loadi(pb, tb), uns, &r) < 0) {
                        rc = dusk_error_set(err, DUSK_EINVAL,
                                            "integers to negative integer powers are not allowed");
                        break;
                    }
                    dusk__nd_storei(po, out_dtype, r);
                }
            }
        } while (!rc && iter_next_row(&it));
    }
    if (rc) {
        dusk_value_unref(o);
        return rc;
    }
    *out = o;
    return 0;
}

static double funary(dusk_unop op, double x)
{
    switch (op) {
    case DUSK_UNOP_NEG: return -x;
    case DUSK_UNOP_ABS: return fabs(x);
    case DUSK_UNOP_EXP: return exp(x);
    case DUSK_UNOP_LOG: return log(x);
    case DUSK_UNOP_SQRT: return sqrt(x);
    case DUSK_UNOP_SIN: return sin(x);
    case DUSK_UNOP_COS: return cos(x);
    case DUSK_UNOP_IMAG: return 0;
    case DUSK_UNOP_FLOOR: return floor(x);
    case DUSK_UNOP_CEIL: return ceil(x);
    case DUSK_UNOP_TRUNC: return trunc(x);
    case DUSK_UNOP_RINT: return rint(x);   /* halves to even, as NumPy's */
    case DUSK_UNOP_SQUARE: return x * x;
    case DUSK_UNOP_SIGN: return x > 0 ? 1 : x < 0 ? -1 : x == 0 ? 0 : x;   /* nan stays */
    case DUSK_UNOP_TAN: return tan(x);
    case DUSK_UNOP_ARCSIN: return asin(x);
    case DUSK_UNOP_ARCCOS: return acos(x);
    case DUSK_UNOP_ARCTAN: return atan(x);
    case DUSK_UNOP_SINH: return sinh(x);
    case DUSK_UNOP_COSH: return cosh(x);
    case DUSK_UNOP_TANH: return tanh(x);
    case DUSK_UNOP_LOG10: return log10(x);
    case DUSK_UNOP_LOG2: return log2(x);
    case DUSK_UNOP_LOG1P: return log1p(x);
    case DUSK_UNOP_EXPM1: return expm1(x);
    case DUSK_UNOP_RECIPROCAL: return 1 / x;
    case DUSK_UNOP_CBRT: return cbrt(x);
    case DUSK_UNOP_EXP2: return exp2(x);
    case DUSK_UNOP_FABS: return fabs(x);
    /* NumPy's factors, pi / 180 and 180 / pi as doubles */
    case DUSK_UNOP_DEG2RAD:
    case DUSK_UNOP_RADIANS: return x * 0.017453292519943295769236907684886127;
    case DUSK_UNOP_RAD2DEG:
    case DUSK_UNOP_DEGREES: return x * 57.295779513082320876798154814105170;
    case DUSK_UNOP_ARCSINH: return asinh(x);
    case DUSK_UNOP_ARCCOSH: return acosh(x);
    case DUSK_UNOP_ARCTANH: return atanh(x);
    case DUSK_UNOP_SINC: {   /* numpy.sinc: 1e-20 stands for 0, whose limit is 1 */
        double y = 3.141592653589793238462643383279502884 * (x == 0 ? 1.0e-20 : x);
        return sin(y) / y;
    }
    default: return x;   /* real and conj of a real number, positive */
    }
}

/* re + im i, nan and inf parts kept (re + im * I is not: inf * I is
 * nan + inf i), copied in as dusk__nd_loadc does: glibc gives CMPLX to
 * gcc, not to clang. */
static double complex make_complex(double re, double im)
{
    double p[2] = {re, im};
    double complex z;
    memcpy(&z, p, sizeof z);
    return z;
}

static double complex cunary(dusk_unop op, double complex x)
{
    switch (op) {
    case DUSK_UNOP_NEG: return -x;
    case DUSK_UNOP_ABS: return cabs(x);
    case DUSK_UNOP_EXP: return cexp(x);
    case DUSK_UNOP_LOG: return clog(x);
    case DUSK_UNOP_SQRT: return csqrt(x);
    case DUSK_UNOP_SIN: return csin(x);
    case DUSK_UNOP_COS: return ccos(x);
    case DUSK_UNOP_REAL: return creal(x);
    case DUSK_UNOP_IMAG: return cimag(x);
    case DUSK_UNOP_CONJ: return conj(x);
    case DUSK_UNOP_RINT: return make_complex(rint(creal(x)), rint(cimag(x)));
    case DUSK_UNOP_SQUARE: {   /* the plain formula, as NumPy's (C's recovers infinities) */
        double re = creal(x), im = cimag(x);
        return make_complex(re * re - im * im, re * im + im * re);
    }
    case DUSK_UNOP_SIGN: {
        /* NumPy 1.x: the real part's sign, else the imaginary part's; nan
         * if either is */
        double re = creal(x), im = cimag(x);
        if (isnan(re) || isnan(im))
            return make_complex(NAN, 0);
        double by = re != 0 ? re : im;
        return by > 0 ? 1 : by < 0 ? -1 : 0;
    }
    case DUSK_UNOP_TAN: return ctan(x);
    case DUSK_UNOP_ARCSIN: return casin(x);
    case DUSK_UNOP_ARCCOS: return cacos(x);
    case DUSK_UNOP_ARCTAN: return catan(x);
    case DUSK_UNOP_SINH: return csinh(x);
    case DUSK_UNOP_COSH: return ccosh(x);
    case DUSK_UNOP_TANH: return ctanh(x);
    case DUSK_UNOP_LOG10: return clog(x) / 2.30258509299404568402;   /* ln 10 */
    case DUSK_UNOP_LOG2: return clog(x) / 0.69314718055994530942;   /* ln 2 */
    case DUSK_UNOP_LOG1P: {   /* NumPy 1.x's formula, for its numbers */
        double re = creal(x), im = cimag(x);
        return make_complex(log(hypot(re + 1, im)), atan2(im, re + 1));
    }
    case DUSK_UNOP_EXPM1: {   /* NumPy's formula: exact near 0, its nans */
        double re = creal(x), im = cimag(x), h = sin(im / 2);
        return make_complex(expm1(re) * cos(im) - 2 * h * h, exp(re) * sin(im));
    }
    case DUSK_UNOP_RECIPROCAL: {   /* NumPy's loop: Smith's, by the larger part */
        double re = creal(x), im = cimag(x);
        if (fabs(im) <= fabs(re)) {
            double r = im / re, d = re + im * r;
            return make_complex(1 / d, -r / d);
        }
        double r = re / im, d = re * r + im;
        return make_complex(r / d, -1 / d);
    }
    case DUSK_UNOP_EXP2: {   /* NumPy's: exp of x ln 2 */
        const double ln2 = 0.693147180559945309417232121458176568;
        return cexp(make_complex(creal(x) * ln2, cimag(x) * ln2));
    }
    case DUSK_UNOP_ARCSINH: return casinh(x);
    case DUSK_UNOP_ARCCOSH: return cacosh(x);
    case DUSK_UNOP_ARCTANH: return catanh(x);
    case DUSK_UNOP_SINC: {   /* sin(pi x) / (pi x), divided as NumPy divides */
        const double pi = 3.141592653589793238462643383279502884;
        double re = creal(x), im = cimag(x);
        if (re == 0 && im == 0)
            re = 1.0e-20;
        double complex y = make_complex(pi * re, pi * im), sy = csin(y);
        double qr, qi;
        dusk__cdiv(creal(sy), cimag(sy), creal(y), cimag(y), &qr, &qi);
        return make_complex(qr, qi);
    }
    default: return x;
    }
}

/* v rounded to float32 or float16 (t), as NumPy's loop of t stores it. */
static double round_to(dusk_dtype t, double v)
{
    return t == DUSK_DT_F4 ? (double)(float)v : dusk__half_to_double(dusk__double_to_half(v));
}

/* numpy.sinc in float32 or float16: each of its array operations (pi * x,
 * sin, /) rounded to t, so that float16's pi makes sinc(1) 3.08e-4 and
 * its 1e-20 (a zero) sinc(0) nan, as NumPy's. */
static double sinc_in(dusk_dtype t, double x)
{
    double y = round_to(t, round_to(t, 3.141592653589793238462643383279502884) *
                               round_to(t, x == 0 ? 1.0e-20 : x));
    return round_to(t, round_to(t, sin(y)) / y);
}

/* Runs f over every element of a into a new array of dtype t. */
static int map_elements(const dusk_value *a, dusk_dtype t, int op, int kind,
                        dusk_value **out, dusk_error *err)
{
    int ndim = a->u.nd.ndim;
    dusk_value *o = dusk_ndarray_empty(t, ndim, a->u.nd.shape);
    if (!o)
        return oom(err);
    if (count_of(ndim, a->u.nd.shape) > 0) {
        iter it = {.ndim = ndim, .nop = 2};
        memcpy(it.shape, a->u.nd.shape, sizeof(int64_t) * (size_t)ndim);
        memcpy(it.strides[0], a->u.nd.strides, sizeof(int64_t) * (size_t)ndim);
        memcpy(it.strides[1], o->u.nd.strides, sizeof(int64_t) * (size_t)ndim);
        dusk_dtype ta = a->u.nd.dtype;
        int64_t n = ndim ? a->u.nd.shape[ndim - 1] : 1;
        int64_t sa = ndim ? it.strides[0][ndim - 1] : 0, so = (int64_t)dusk_dtype_size(t);
        int as_int = !dusk__dtype_is_inexact(ta) && !dusk__dtype_is_inexact(t);
        int cx = dusk__dtype_is_complex(ta) || dusk__dtype_is_complex(t);
        do {
            const char *pa = a->u.nd.data + it.off[0];
            char *po = o->u.nd.data + it.off[1];
            if (kind == 0 && ta == DUSK_DT_F8 && t == DUSK_DT_F8 && sa == 8) {
                const double *x = (const double *)pa;
                double *y = (double *)po;
                for (int64_t i = 0; i < n; i++)
                    y[i] = funary((dusk_unop)op, x[i]);
                continue;
            }
            for (int64_t i = 0; i < n; i++, pa += sa, po += so) {
                if (kind == 0 && (op == DUSK_UNOP_LOGICAL_NOT || op == DUSK_UNOP_SIGNBIT)) {
                    int r;
                    if (dusk__dtype_is_complex(ta)) {   /* logical_not only */
                        double complex v = dusk__nd_loadc(pa, ta);
                        r = creal(v) == 0 && cimag(v) == 0;
                    } else if (!dusk__dtype_is_inexact(ta)) {   /* no -0 nor nan */
                        int64_t v = dusk__nd_loadi(pa, ta);
                        r = op == DUSK_UNOP_LOGICAL_NOT ? v == 0
                                                        : !dusk__dtype_is_unsigned(ta) && v < 0;
                    } else {
                        double v = dusk__nd_loadf(pa, ta);
                        r = op == DUSK_UNOP_LOGICAL_NOT ? v == 0 : signbit(v) != 0;
                    }
                    dusk__nd_storei(po, t, r);
                    continue;
                }
                if (kind == 0 && op == DUSK_UNOP_RECIPROCAL && as_int) {
                    /* NumPy's 1.0 / x, cast back: 1 and -1 are themselves,
                     * the rest 0, but 0 of int32 and int64, whose cast of
                     * inf is the least integer (x86's conversion) */
                    int64_t v = dusk__nd_loadi(pa, ta);
                    int uns = dusk__dtype_is_unsigned(ta);
                    int64_t r = v == 1 || (!uns && v == -1) ? v : 0;
                    if (v == 0 && ta == DUSK_DT_I4)
                        r = INT32_MIN;
                    else if (v == 0 && ta == DUSK_DT_I8)
                        r = INT64_MIN;
                    dusk__nd_storei(po, t, r);
                    continue;
                }
                if (kind == 0 && dusk__unop_tests((dusk_unop)op)) {   /* to bool */
                    double re, im = 0;
                    if (dusk__dtype_is_complex(ta)) {
                        double complex v = dusk__nd_loadc(pa, ta);
                        re = creal(v), im = cimag(v);
                    } else {
                        re = dusk__nd_loadf(pa, ta);
                    }
                    int r = op == DUSK_UNOP_ISNAN   ? isnan(re) || isnan(im)
                            : op == DUSK_UNOP_ISINF ? isinf(re) || isinf(im)
                                                    : isfinite(re) && isfinite(im);
                    dusk__nd_storei(po, t, r);
                    continue;
                }
                if (cx) {
                    double complex v = dusk__nd_loadc(pa, ta);
                    dusk__nd_storec(po, t, kind == 1 ? v : cunary((dusk_unop)op, v));
                } else if (kind == 1) {  /* astype */
                    if (as_int || t == DUSK_DT_BOOL)
                        dusk__nd_storei(po, t, t == DUSK_DT_BOOL ? dusk__nd_loadf(pa, ta) != 0
                                                               : dusk__nd_loadi(pa, ta));
                    else
                        dusk__nd_storef(po, t, dusk__nd_loadf(pa, ta));
                } else if (as_int && (op == DUSK_UNOP_SQUARE || op == DUSK_UNOP_SIGN)) {
                    /* in the integers' own type: square wraps, as NumPy's */
                    int64_t v = dusk__nd_loadi(pa, ta);
                    int uns = dusk__dtype_is_unsigned(ta);
                    if (op == DUSK_UNOP_SQUARE)
                        v = (int64_t)((uint64_t)v * (uint64_t)v);
                    else
                        v = uns ? v != 0 : v > 0 ? 1 : v < 0 ? -1 : 0;
                    dusk__nd_storei(po, t, v);
                } else if (op == DUSK_UNOP_INVERT) {   /* integers and bools only */
                    int64_t v = dusk__nd_loadi(pa, ta);
                    dusk__nd_storei(po, t, ta == DUSK_DT_BOOL ? !v : ~v);
                } else if (as_int && (op == DUSK_UNOP_NEG || op == DUSK_UNOP_ABS ||
                                      op == DUSK_UNOP_REAL || op == DUSK_UNOP_IMAG ||
                                      op == DUSK_UNOP_CONJ || op == DUSK_UNOP_POSITIVE)) {
                    int64_t v = op == DUSK_UNOP_IMAG ? 0 : dusk__nd_loadi(pa, ta);
                    /* abs of an unsigned value is itself; neg wraps */
                    if (op == DUSK_UNOP_NEG ||
                        (op == DUSK_UNOP_ABS && v < 0 && !dusk__dtype_is_unsigned(ta)))
                        v = (int64_t)(0 - (uint64_t)v);
                    dusk__nd_storei(po, t, v);
                } else if (op == DUSK_UNOP_SINC && t != DUSK_DT_F8) {
                    dusk__nd_storef(po, t, sinc_in(t, dusk__nd_loadf(pa, ta)));
                } else {
                    dusk__nd_storef(po, t, funary((dusk_unop)op, dusk__nd_loadf(pa, ta)));
                }
            }
        } while (iter_next_row(&it));
    }
    *out = o;
    return 0;
}

int dusk__nd_unop(dusk_unop op, const dusk_value *a, dusk_dtype out_dtype, dusk_value **out,
                  dusk_error *err)
{
    return map_elements(a, out_dtype, op, 0, out, err);
}

int dusk__nd_astype(const dusk_value *a, dusk_dtype t, dusk_value **out, dusk_error *err)
{
    return map_elements(a, t, 0, 1, out, err);
}

int dusk__nd_transpose(const dusk_value *a, const int *perm, dusk_value **out,
                       dusk_error *err)
{
    int ndim = a->u.nd.ndim;
    int64_t shape[DUSK_MAXDIMS];
    /* a strided view on a's data, on the stack: only the ndarray part is
     * copied, never the reference count, which other workers may be
     * changing right now */
    dusk_value view;
    memset(&view, 0, sizeof view);
    view.kind = DUSK_KIND_NDARRAY;
    view.u.nd = a->u.nd;
    int64_t vs[DUSK_MAXDIMS];
    for (int i = 0; i < ndim; i++) {
        shape[i] = a->u.nd.shape[perm[i]];
        vs[i] = a->u.nd.strides[perm[i]];
    }
    view.u.nd.shape = shape;
    view.u.nd.strides = vs;
    return map_elements(&view, a->u.nd.dtype, 0, 1, out, err);
}

/* --- reductions ------------------------------------------------------------------- */

static int nparts(dusk_reduction op)
{
    switch (op) {
    case DUSK_RED_MEAN: case DUSK_RED_NANMEAN:
        return 2;
    case DUSK_RED_VAR: case DUSK_RED_STD: case DUSK_RED_NANVAR: case DUSK_RED_NANSTD:
        return 3;
    default:
        return 1;
    }
}

/* Whether op skips NaNs, and the plain reduction its arithmetic is. */
static int skips_nan(dusk_reduction op)
{
    return op >= DUSK_RED_NANSUM && op <= DUSK_RED_NANMAX;
}

static dusk_reduction plain_of(dusk_reduction op)
{
    switch (op) {
    case DUSK_RED_NANSUM: return DUSK_RED_SUM;
    case DUSK_RED_NANPROD: return DUSK_RED_PROD;
    case DUSK_RED_NANMEAN: return DUSK_RED_MEAN;
    case DUSK_RED_NANSTD: return DUSK_RED_STD;
    case DUSK_RED_NANVAR: return DUSK_RED_VAR;
    case DUSK_RED_NANMIN: return DUSK_RED_MIN;
    case DUSK_RED_NANMAX: return DUSK_RED_MAX;
    default: return op;
    }
}

/* Whether the element at p (dtype t) is a NaN, as numpy.isnan: a complex
 * number is one when either part is. */
static int is_nan_elem(const char *p, dusk_dtype t)
{
    if (dusk__dtype_is_complex(t)) {
        double complex z = dusk__nd_loadc(p, t);
        return isnan(creal(z)) || isnan(cimag(z));
    }
    return dusk__dtype_is_float(t) && isnan(dusk__nd_loadf(p, t));
}

/* Accumulates x into the accumulator element at p (dtype t). The nan-
 * forms pass a NaN by; nanmin's and nanmax's accumulator is NaN until a
 * number comes (of an all-NaN slice it stays NaN, as NumPy's). */
static void acc_elem(dusk_reduction op, char *p, dusk_dtype t, const char *x, dusk_dtype tx)
{
    if (skips_nan(op)) {
        if (is_nan_elem(x, tx))
            return;
        if ((op == DUSK_RED_NANMIN || op == DUSK_RED_NANMAX) && dusk__dtype_is_float(t) &&
            isnan(dusk__nd_loadf(p, t))) {
            dusk__nd_storef(p, t, dusk__nd_loadf(x, tx));
            return;
        }
        op = plain_of(op);
    }
    if (dusk__dtype_is_complex(t)) {
        /* sum and prod: min and max of complex numbers are refused */
        double complex a = dusk__nd_loadc(p, t), v = dusk__nd_loadc(x, tx);
        dusk__nd_storec(p, t, op == DUSK_RED_PROD ? a * v : a + v);
    } else if (dusk__dtype_is_float(t)) {
        double a = dusk__nd_loadf(p, t), v = dusk__nd_loadf(x, tx);
        switch (op) {
        case DUSK_RED_PROD: a *= v; break;
        case DUSK_RED_MIN: if (v < a || isnan(v)) a = v; break;
        case DUSK_RED_MAX: if (v > a || isnan(v)) a = v; break;
        default: a += v; break;
        }
        dusk__nd_storef(p, t, a);
    } else if (t == DUSK_DT_BOOL) {
        int a = *p != 0;
        int v = dusk__dtype_is_complex(tx) ? dusk__nd_loadc(x, tx) != 0 : dusk__nd_loadf(x, tx) != 0;
        *p = (char)(op == DUSK_RED_ALL || op == DUSK_RED_MIN ? (a && v) : (a || v));
    } else if (dusk__dtype_is_unsigned(t)) {
        uint64_t a = (uint64_t)dusk__nd_loadi(p, t), v = (uint64_t)dusk__nd_loadi(x, tx);
        switch (op) {
        case DUSK_RED_PROD: a *= v; break;
        case DUSK_RED_MIN: if (v < a) a = v; break;
        case DUSK_RED_MAX: if (v > a) a = v; break;
        default: a += v; break;
        }
        dusk__nd_storei(p, t, (int64_t)a);
    } else {
        int64_t a = dusk__nd_loadi(p, t), v = dusk__nd_loadi(x, tx);
        switch (op) {
        case DUSK_RED_PROD: a = (int64_t)((uint64_t)a * (uint64_t)v); break;
        case DUSK_RED_MIN: if (v < a) a = v; break;
        case DUSK_RED_MAX: if (v > a) a = v; break;
        default: a = (int64_t)((uint64_t)a + (uint64_t)v); break;
        }
        dusk__nd_storei(p, t, a);
    }
}

void dusk__nd_accumulate(dusk_reduction op, char *p, dusk_dtype t, const char *x, dusk_dtype tx)
{
    acc_elem(op, p, t, x, tx);
}

/* The identity of op in dtype t, written at p: for min and max the
 * largest and smallest value of t, so that any element replaces it. */
static void acc_init(dusk_reduction op, char *p, dusk_dtype t)
{
    if ((op == DUSK_RED_NANMIN || op == DUSK_RED_NANMAX) && dusk__dtype_is_float(t)) {
        dusk__nd_storef(p, t, NAN);   /* no number yet */
        return;
    }
    op = plain_of(op);
    int hi = op == DUSK_RED_MIN;  /* min starts from the top */
    if (op != DUSK_RED_MIN && op != DUSK_RED_MAX) {
        dusk__nd_storei(p, t, op == DUSK_RED_PROD || op == DUSK_RED_ALL);
        return;
    }
    switch (t) {
    case DUSK_DT_F8: case DUSK_DT_F4: case DUSK_DT_F2:
        dusk__nd_storef(p, t, hi ? INFINITY : -INFINITY);
        break;
    case DUSK_DT_I8: dusk__nd_storei(p, t, hi ? INT64_MAX : INT64_MIN); break;
    case DUSK_DT_I4: dusk__nd_storei(p, t, hi ? INT32_MAX : INT32_MIN); break;
    case DUSK_DT_I2: dusk__nd_storei(p, t, hi ? INT16_MAX : INT16_MIN); break;
    case DUSK_DT_I1: dusk__nd_storei(p, t, hi ? INT8_MAX : INT8_MIN); break;
    case DUSK_DT_U8: dusk__nd_storei(p, t, hi ? -1 : 0); break;
    case DUSK_DT_U4: dusk__nd_storei(p, t, hi ? UINT32_MAX : 0); break;
    case DUSK_DT_U2: dusk__nd_storei(p, t, hi ? UINT16_MAX : 0); break;
    case DUSK_DT_U1: dusk__nd_storei(p, t, hi ? UINT8_MAX : 0); break;
    default: dusk__nd_storei(p, t, hi); break;
    }
}

/* c += x, by four elements (c is the accumulator, never x: see F8_ROWS). */
static void add_into(double *restrict c, const double *restrict x, int64_t n)
{
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        c[i] += x[i];
        c[i + 1] += x[i + 1];
        c[i + 2] += x[i + 2];
        c[i + 3] += x[i + 3];
    }
    for (; i < n; i++)
        c[i] += x[i];
}

/* c += x where x is a number (NumPy's nansum: NaN as 0), by four
 * elements, branch-free so that the compiler can vectorise it. */
static void nanadd_into(double *restrict c, const double *restrict x, int64_t n)
{
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        c[i] += x[i] == x[i] ? x[i] : 0.0;
        c[i + 1] += x[i + 1] == x[i + 1] ? x[i + 1] : 0.0;
        c[i + 2] += x[i + 2] == x[i + 2] ? x[i + 2] : 0.0;
        c[i + 3] += x[i + 3] == x[i + 3] ? x[i + 3] : 0.0;
    }
    for (; i < n; i++)
        c[i] += x[i] == x[i] ? x[i] : 0.0;
}

/* One contiguous float64 row x folded with min, max, nanmin, nanmax or
 * prod into one accumulator (*c: the row's axis is reduced), in a local
 * that the loop keeps in a register. min and max carry NaN on, as NumPy's:
 * the comparison loop vectorises (minpd's own order), a NaN is noted on
 * the side; the nan-forms skip NaNs, and their accumulator is NaN until
 * the first number. fold_f8_one returns 0 for the ops it does not fold. */
static void fold_f8_extreme(double *c, const double *restrict x, int64_t n, int max, int skipnan)
{
    double s = *c;
    int nan = 0, none = skipnan && s != s, found = 0;
    if (none)
        s = max ? -INFINITY : INFINITY;
    if (max)
        for (int64_t i = 0; i < n; i++) {
            s = x[i] > s ? x[i] : s;
            nan |= x[i] != x[i];
        }
    else
        for (int64_t i = 0; i < n; i++) {
            s = x[i] < s ? x[i] : s;
            nan |= x[i] != x[i];
        }
    if (!skipnan) {
        *c = nan ? NAN : s;
        return;
    }
    for (int64_t i = 0; none && !found && i < n; i++)
        found = x[i] == x[i];
    if (!none || found)
        *c = s;
}

static int fold_f8_one(dusk_reduction op, double *c, const double *restrict x, int64_t n)
{
    switch (op) {
    case DUSK_RED_MIN: case DUSK_RED_NANMIN: case DUSK_RED_MAX: case DUSK_RED_NANMAX:
        fold_f8_extreme(c, x, n, op == DUSK_RED_MAX || op == DUSK_RED_NANMAX,
                        op == DUSK_RED_NANMIN || op == DUSK_RED_NANMAX);
        return 1;
    case DUSK_RED_PROD: {
        double s = *c;
        for (int64_t i = 0; i < n; i++)
            s *= x[i];
        *c = s;
        return 1;
    }
    default:
        return 0;
    }
}

/* The same ops, row x folded element by element into the row c (an axis
 * before the last is reduced): branch-free selects, so they vectorise. */
static int fold_f8_row(dusk_reduction op, double *restrict c, const double *restrict x, int64_t n)
{
    switch (op) {
    case DUSK_RED_MIN:
        for (int64_t i = 0; i < n; i++)
            c[i] = x[i] < c[i] || x[i] != x[i] ? x[i] : c[i];
        return 1;
    case DUSK_RED_MAX:
        for (int64_t i = 0; i < n; i++)
            c[i] = x[i] > c[i] || x[i] != x[i] ? x[i] : c[i];
        return 1;
    case DUSK_RED_NANMIN:
        for (int64_t i = 0; i < n; i++)
            c[i] = (x[i] < c[i] || c[i] != c[i]) && x[i] == x[i] ? x[i] : c[i];
        return 1;
    case DUSK_RED_NANMAX:
        for (int64_t i = 0; i < n; i++)
            c[i] = (x[i] > c[i] || c[i] != c[i]) && x[i] == x[i] ? x[i] : c[i];
        return 1;
    case DUSK_RED_PROD:
        for (int64_t i = 0; i < n; i++)
            c[i] *= x[i];
        return 1;
    default:
        return 0;
    }
}

/* any and all of a contiguous float64 row into bool accumulators. */
static int fold_f8_bool(dusk_reduction op, char *c, const double *restrict x, int64_t n, int64_t sc)
{
    if (op != DUSK_RED_ANY && op != DUSK_RED_ALL)
        return 0;
    if (sc == 0) {
        int k = 0;
        for (int64_t i = 0; i < n; i++)
            k += x[i] != 0;   /* NaN is true, as NumPy's */
        *c = (char)(op == DUSK_RED_ANY ? (*c || k > 0) : (*c && k == n));
    } else {
        for (int64_t i = 0; i < n; i++)
            c[i * sc] = (char)(op == DUSK_RED_ANY ? (c[i * sc] | (x[i] != 0))
                                                  : (c[i * sc] & (x[i] != 0)));
    }
    return 1;
}

/* Folds every element of a into acc (keepdims shape) with op. */
static void fold(dusk_reduction op, const dusk_value *a, dusk_value *acc)
{
    int ndim = a->u.nd.ndim;
    /* the row walk below visits a first row even when another axis is
     * empty: an empty a has nothing to fold */
    if (count_of(ndim, a->u.nd.shape) == 0)
        return;
    dusk_dtype ta = a->u.nd.dtype, tc = acc->u.nd.dtype;
    iter it = {.ndim = ndim, .nop = 2};
    memcpy(it.shape, a->u.nd.shape, sizeof(int64_t) * (size_t)ndim);
    memcpy(it.strides[0], a->u.nd.strides, sizeof(int64_t) * (size_t)ndim);
    for (int d = 0; d < ndim; d++)
        it.strides[1][d] = acc->u.nd.shape[d] == 1 ? 0 : acc->u.nd.strides[d];
    int64_t n = ndim ? a->u.nd.shape[ndim - 1] : 1;
    int64_t sa = ndim ? it.strides[0][ndim - 1] : 0, sc = ndim ? it.strides[1][ndim - 1] : 0;
    do {
        const char *pa = a->u.nd.data + it.off[0];
        char *pc = acc->u.nd.data + it.off[1];
        if (ta == DUSK_DT_F8 && tc == DUSK_DT_F8 && op == DUSK_RED_SUM && sa == 8) {
            double *c = (double *)pc;
            const double *x = (const double *)pa;
            if (sc == 0) {
                double s = 0;
                for (int64_t i = 0; i < n; i++)
                    s += x[i];
                *c += s;
            } else {
                add_into(c, x, n);
            }
            continue;
        }
        if (ta == DUSK_DT_F8 && tc == DUSK_DT_F8 && op == DUSK_RED_NANSUM && sa == 8) {
            double *c = (double *)pc;
            const double *x = (const double *)pa;
            if (sc == 0) {
                double s = 0;
                for (int64_t i = 0; i < n; i++)
                    s += x[i] == x[i] ? x[i] : 0.0;
                *c += s;
            } else {
                nanadd_into(c, x, n);
            }
            continue;
        }
        if (ta == DUSK_DT_F8 && tc == DUSK_DT_F8 && sa == 8 &&
            (sc == 0 ? fold_f8_one(op, (double *)pc, (const double *)pa, n)
             : sc == 8 && fold_f8_row(op, (double *)pc, (const double *)pa, n)))
            continue;
        if (ta == DUSK_DT_F8 && tc == DUSK_DT_BOOL && sa == 8 &&
            fold_f8_bool(op, pc, (const double *)pa, n, sc))
            continue;
        for (int64_t i = 0; i < n; i++, pa += sa, pc += sc)
            acc_elem(op, pc, tc, pa, ta);
    } while (iter_next_row(&it));
}

/* n (float64, keepdims shape) += how many numbers (elements but NaNs)
 * of a fall on each of its elements. */
static void count_numbers(const dusk_value *a, dusk_value *n)
{
    int ndim = a->u.nd.ndim;
    if (count_of(ndim, a->u.nd.shape) == 0)
        return;
    dusk_dtype ta = a->u.nd.dtype;
    iter it = {.ndim = ndim, .nop = 2};
    memcpy(it.shape, a->u.nd.shape, sizeof(int64_t) * (size_t)ndim);
    memcpy(it.strides[0], a->u.nd.strides, sizeof(int64_t) * (size_t)ndim);
    for (int d = 0; d < ndim; d++)
        it.strides[1][d] = n->u.nd.shape[d] == 1 ? 0 : n->u.nd.strides[d];
    int64_t len = ndim ? a->u.nd.shape[ndim - 1] : 1;
    int64_t sa = ndim ? it.strides[0][ndim - 1] : 0, sc = ndim ? it.strides[1][ndim - 1] : 0;
    do {
        const char *pa = a->u.nd.data + it.off[0];
        char *pc = n->u.nd.data + it.off[1];
        if (ta == DUSK_DT_F8 && sa == 8 && sc == 0) {
            const double *x = (const double *)pa;
            double k = 0;
            for (int64_t i = 0; i < len; i++)
                k += x[i] == x[i];
            *(double *)pc += k;
            continue;
        }
        for (int64_t i = 0; i < len; i++, pa += sa, pc += sc)
            *(double *)pc += !is_nan_elem(pa, ta);
    } while (iter_next_row(&it));
}

static void keep_shape(const dusk_value *a, uint64_t axes, int64_t *shape)
{
    for (int d = 0; d < a->u.nd.ndim; d++)
        shape[d] = (axes >> d) & 1 ? 1 : a->u.nd.shape[d];
}

/* Whether op has no identity (min, max and their nan- forms): a block
 * with no element along a reduced axis (x[mask]'s blocks can be empty)
 * gives an empty partial, 0 long along those axes, which combining skips
 * and which, left alone at the end, is NumPy's "zero-size array" error. */
static int no_identity(dusk_reduction op)
{
    return op == DUSK_RED_MIN || op == DUSK_RED_MAX || op == DUSK_RED_NANMIN ||
           op == DUSK_RED_NANMAX;
}

/* Whether partial p of such an op is empty along a reduced axis. */
static int empty_partial(const dusk_value *p, uint64_t axes)
{
    for (int d = 0; d < p->u.nd.ndim; d++)
        if ((axes >> d) & 1 && p->u.nd.shape[d] == 0)
            return 1;
    return 0;
}

int dusk__nd_reduce_chunk(dusk_reduction op, const dusk_value *a, uint64_t axes,
                          dusk_dtype acc_dtype, dusk_value **out, dusk_error *err)
{
    int ndim = a->u.nd.ndim;
    int64_t shape[DUSK_MAXDIMS];
    keep_shape(a, axes, shape);
    if (no_identity(op) && empty_partial(a, axes)) {
        for (int d = 0; d < ndim; d++)
            if ((axes >> d) & 1)
                shape[d] = 0;
        dusk_value *e = dusk_ndarray_new(acc_dtype, ndim, shape);
        dusk_value *t = e ? dusk_tuple_of(1, &e) : NULL;
        if (!t)
            return oom(err);
        *out = t;
        return 0;
    }
    int np = nparts(op), cx = dusk__dtype_is_complex(a->u.nd.dtype);
    /* float16 and complex64 blocks add up in float64 and complex128 (as
     * NumPy's pairwise sum does in float32), rounding once at the end; so
     * do float32 sums: added up in float32 one by one, a block of 36
     * million ones came to 16,777,216 (2^24, where adding 1 rounds away),
     * NumPy's pairwise sum to 36,000,000 */
    int sum = op == DUSK_RED_SUM || op == DUSK_RED_NANSUM;
    dusk_dtype wide = acc_dtype == DUSK_DT_F2 || (acc_dtype == DUSK_DT_F4 && sum) ? DUSK_DT_F8
                      : acc_dtype == DUSK_DT_C8 ? DUSK_DT_C16 : acc_dtype;
    dusk_value *parts[3] = {NULL, NULL, NULL};
    for (int i = 0; i < np; i++)
        if (!(parts[i] = dusk_ndarray_new(np == 1 ? wide : i == 1 && cx ? DUSK_DT_C16 : DUSK_DT_F8,
                                          ndim, shape))) {
            for (int j = 0; j < i; j++)
                dusk_value_unref(parts[j]);
            return oom(err);
        }
    int64_t total = count_of(ndim, a->u.nd.shape), nout = count_of(ndim, shape);
    int64_t per = nout ? total / nout : 0;  /* elements folded into each output */
    if (np == 1) {
        /* An empty block of min or max gives the extreme of its dtype,
         * which every element of the other blocks replaces; an axis with
         * no element at all was refused when the reduction was built. */
        for (int64_t k = 0; k < nout; k++)
            acc_init(op, parts[0]->u.nd.data + k * (int64_t)dusk_dtype_size(wide), wide);
        if (total)
            fold(op, a, parts[0]);
        if (wide != acc_dtype) {
            dusk_value *narrow = NULL;
            int rc = dusk__nd_astype(parts[0], acc_dtype, &narrow, err);
            dusk_value_unref(parts[0]);
            if (rc)
                return rc;
            parts[0] = narrow;
        }
    } else {
        double *n = (double *)parts[0]->u.nd.data;
        const dusk_value *sums = parts[1];
        dusk_dtype st = sums->u.nd.dtype;
        int64_t ss = (int64_t)dusk_dtype_size(st);
        /* the nan- forms count the numbers, and add up only them */
        int nan = skips_nan(op) && dusk__dtype_is_inexact(a->u.nd.dtype);
        for (int64_t k = 0; k < nout; k++)
            n[k] = nan ? 0 : (double)per;
        if (total)
            fold(nan ? DUSK_RED_NANSUM : DUSK_RED_SUM, a, parts[1]);
        if (total && nan)
            count_numbers(a, parts[0]);
        if (np == 3 && total) {
            /* m2 = sum of (x - mean)^2 over each output's elements */
            double *m2 = (double *)parts[2]->u.nd.data;
            iter it = {.ndim = ndim, .nop = 2};
            memcpy(it.shape, a->u.nd.shape, sizeof(int64_t) * (size_t)ndim);
            memcpy(it.strides[0], a->u.nd.strides, sizeof(int64_t) * (size_t)ndim);
            for (int d = 0; d < ndim; d++)
                it.strides[1][d] = shape[d] == 1 ? 0 : parts[2]->u.nd.strides[d];
            int64_t len = ndim ? a->u.nd.shape[ndim - 1] : 1;
            int64_t sa = ndim ? it.strides[0][ndim - 1] : 0, sc = ndim ? it.strides[1][ndim - 1] : 0;
            do {
                const char *pa = a->u.nd.data + it.off[0];
                int64_t oc = it.off[1];
                for (int64_t i = 0; i < len; i++, pa += sa, oc += sc) {
                    int64_t k = oc / 8;
                    if (nan && is_nan_elem(pa, a->u.nd.dtype))
                        continue;
                    if (!cx) {   /* the sums are float64 */
                        double d = dusk__nd_loadf(pa, a->u.nd.dtype) -
                                   ((const double *)sums->u.nd.data)[k] / n[k];
                        m2[k] += d * d;
                        continue;
                    }
                    double complex mean = dusk__nd_loadc(sums->u.nd.data + k * ss, st) / n[k];
                    double complex d = dusk__nd_loadc(pa, a->u.nd.dtype) - mean;
                    m2[k] += creal(d) * creal(d) + cimag(d) * cimag(d);
                }
            } while (iter_next_row(&it));
        }
    }
    dusk_value *t = dusk_tuple_of((size_t)np, parts);
    if (!t)
        return oom(err);
    *out = t;
    return 0;
}

int dusk__nd_reduce_combine(dusk_reduction op, const dusk_value *list, dusk_value **out,
                            dusk_error *err)
{
    size_t m = dusk_tuple_len(list);
    const dusk_value *first = dusk_tuple_get(list, 0);
    int np = nparts(op);
    if (no_identity(op)) {
        /* the partials of empty blocks (no_identity's: 0 long along the
         * reduced axes, where the others are 1) are skipped. The start is
         * the partial with the fewest axes of length 0, which is one of
         * them only when every block was empty; a partial empty along an
         * axis that is not reduced is as empty as all the others. */
        size_t j0 = 0;
        int least = DUSK_MAXDIMS + 1;
        for (size_t j = 0; j < m; j++) {
            const dusk_value *pj = dusk_tuple_get(dusk_tuple_get(list, j), 0);
            int zeros = 0;
            for (int d = 0; d < pj->u.nd.ndim; d++)
                zeros += pj->u.nd.shape[d] == 0;
            if (zeros < least) {
                least = zeros;
                j0 = j;
            }
        }
        const dusk_value *base = dusk_tuple_get(dusk_tuple_get(list, j0), 0);
        dusk_value *acc = NULL;
        if (dusk__nd_astype(base, base->u.nd.dtype, &acc, err) < 0)
            return DUSK_ENOMEM;
        for (size_t j = 0; j < m; j++) {
            const dusk_value *pj = dusk_tuple_get(dusk_tuple_get(list, j), 0);
            if (j != j0 && dusk_ndarray_size(pj) != 0)
                fold(op, pj, acc);
        }
        dusk_value *t = dusk_tuple_of(1, &acc);
        if (!t)
            return oom(err);
        *out = t;
        return 0;
    }
    dusk_value *parts[3] = {NULL, NULL, NULL};
    for (int i = 0; i < np; i++) {
        const dusk_value *p0 = dusk_tuple_get(first, (size_t)i);
        if (dusk__nd_astype(p0, p0->u.nd.dtype, &parts[i], err) < 0) {
            for (int j = 0; j < i; j++)
                dusk_value_unref(parts[j]);
            return DUSK_ENOMEM;
        }
    }
    int64_t nout = count_of(parts[0]->u.nd.ndim, parts[0]->u.nd.shape);
    for (size_t j = 1; j < m; j++) {
        const dusk_value *pj = dusk_tuple_get(list, j);
        if (np == 1) {
            fold(op, dusk_tuple_get(pj, 0), parts[0]);
            continue;
        }
        /* the sums are float64, or complex128 for complex input */
        double *n = (double *)parts[0]->u.nd.data;
        char *s = parts[1]->u.nd.data;
        const double *nj = (const double *)dusk_tuple_get(pj, 0)->u.nd.data;
        const dusk_value *svj = dusk_tuple_get(pj, 1);
        const char *sj = svj->u.nd.data;
        dusk_dtype st = parts[1]->u.nd.dtype, stj = svj->u.nd.dtype;
        int64_t ss = (int64_t)dusk_dtype_size(st), ssj = (int64_t)dusk_dtype_size(stj);
        if (np == 3) {
            /* Chan et al.: m2 = m2a + m2b + |d|^2 na nb / (na + nb) */
            double *m2 = (double *)parts[2]->u.nd.data;
            const double *m2j = (const double *)dusk_tuple_get(pj, 2)->u.nd.data;
            for (int64_t k = 0; k < nout; k++) {
                double na = n[k], nb = nj[k], tot = na + nb;
                if (nb == 0)
                    continue;
                double complex d = na > 0 ? dusk__nd_loadc(sj + k * ssj, stj) / nb -
                                            dusk__nd_loadc(s + k * ss, st) / na
                                          : 0;
                double d2 = creal(d) * creal(d) + cimag(d) * cimag(d);
                m2[k] += m2j[k] + (na > 0 ? d2 * na * nb / tot : 0);
            }
        }
        for (int64_t k = 0; k < nout; k++) {
            n[k] += nj[k];
            dusk__nd_storec(s + k * ss, st, dusk__nd_loadc(s + k * ss, st) +
                                                dusk__nd_loadc(sj + k * ssj, stj));
        }
    }
    dusk_value *t = dusk_tuple_of((size_t)np, parts);
    if (!t)
        return oom(err);
    *out = t;
    return 0;
}

int dusk__nd_reduce_finish(dusk_reduction op, const dusk_value *partial, uint64_t axes,
                           int keepdims, int ddof, dusk_dtype out_dtype, dusk_value **out,
                           dusk_error *err)
{
    const dusk_value *p0 = dusk_tuple_get(partial, 0);
    int ndim = p0->u.nd.ndim, ondim = 0;
    int64_t shape[DUSK_MAXDIMS];
    if (no_identity(op) && empty_partial(p0, axes)) {
        int lo = op == DUSK_RED_MIN || op == DUSK_RED_NANMIN;
        int nan = op == DUSK_RED_NANMIN || op == DUSK_RED_NANMAX;
        return dusk_error_set(err, DUSK_EINVAL, "zero-size array to reduction operation %s "
                              "which has no identity (every block was empty)",
                              nan ? (lo ? "fmin" : "fmax") : lo ? "minimum" : "maximum");
    }
    for (int d = 0; d < ndim; d++)
        if (keepdims || !((axes >> d) & 1))
            shape[ondim++] = p0->u.nd.shape[d];
    dusk_value *o = dusk_ndarray_new(out_dtype, ondim, shape);
    if (!o)
        return oom(err);
    int64_t nout = count_of(ndim, p0->u.nd.shape);
    size_t es = dusk_dtype_size(out_dtype);
    int np = nparts(op);
    for (int64_t k = 0; k < nout; k++) {
        char *po = o->u.nd.data + k * (int64_t)es;
        if (np == 1) {
            const char *pa = p0->u.nd.data + k * (int64_t)dusk_dtype_size(p0->u.nd.dtype);
            if (dusk__dtype_is_complex(p0->u.nd.dtype))
                dusk__nd_storec(po, out_dtype, dusk__nd_loadc(pa, p0->u.nd.dtype));
            else if (dusk__dtype_is_float(p0->u.nd.dtype))
                dusk__nd_storef(po, out_dtype, dusk__nd_loadf(pa, p0->u.nd.dtype));
            else
                dusk__nd_storei(po, out_dtype, dusk__nd_loadi(pa, p0->u.nd.dtype));
            continue;
        }
        const double *n = (const double *)p0->u.nd.data;
        const dusk_value *sums = dusk_tuple_get(partial, 1);
        dusk_dtype st = sums->u.nd.dtype;
        double v;
        if (np == 2) {
            dusk__nd_storec(po, out_dtype, dusk__nd_loadc(sums->u.nd.data +
                                                          k * (int64_t)dusk_dtype_size(st), st) / n[k]);
            continue;
        } else {
            const double *m2 = (const double *)dusk_tuple_get(partial, 2)->u.nd.data;
            /* NumPy: max(n - ddof, 0) degrees of freedom, then IEEE division
             * (inf, or nan for 0/0); nanvar gives NaN for no degree of
             * freedom at all */
            double dof = n[k] - ddof > 0 ? n[k] - ddof : 0;
            v = skips_nan(op) && dof == 0 ? NAN : m2[k] / dof;
        }
        dusk__nd_storef(po, out_dtype, v);
    }
    *out = o;
    return 0;
}
