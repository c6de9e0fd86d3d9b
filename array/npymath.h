/*
** dusk — NumPy's formulas for numbers, written once. This file is private
** to dusk: array/nd.c's kernels and the dusk command's numbers
** (cli/expr.c) include it.
**
** Where C's own operation rounds or signs otherwise than NumPy's loop, the
** loop's formula is here, step for step, so that results are NumPy's bit
** for bit; each is made for double and for float, as NumPy's float32 loop
** computes in float (in double, a float32 quotient past 2**24 rounds
** otherwise). The functions are static inline: each includer compiles its
** own, and no library exports them.
*/
#ifndef DUSK_ARRAY_NPYMATH_H
#define DUSK_ARRAY_NPYMATH_H

#include <math.h>

/* NumPy's divmod of floats (npy_divmod, npy_divmodf), which Python's //
 * and % of floats are too: the quotient rounded down, and *mod a
 * remainder of y's sign with |remainder| < |y|; y == 0 gives x / y and
 * fmod's nan. */
#define DUSK__DIVMOD(name, T, FMOD, FLOOR, COPYSIGN)                                           \
    static inline T name(T x, T y, T *mod)                                                     \
    {                                                                                          \
        T m = FMOD(x, y);                                                                      \
        if (y == 0) {                                                                          \
            *mod = m;                                                                          \
            return x / y;                                                                      \
        }                                                                                      \
        T div = (x - m) / y;                                                                   \
        if (m != 0) {                                                                          \
            if ((y < 0) != (m < 0)) {                                                          \
                m += y;                                                                        \
                div -= (T)1;                                                                   \
            }                                                                                  \
        } else {                                                                               \
            m = COPYSIGN((T)0, y);                                                             \
        }                                                                                      \
        T q;                                                                                   \
        if (div != 0) {                                                                        \
            q = FLOOR(div);                                                                    \
            if (div - q > (T)0.5)                                                              \
                q += (T)1;                                                                     \
        } else {                                                                               \
            q = COPYSIGN((T)0, x / y);                                                         \
        }                                                                                      \
        *mod = m;                                                                              \
        return q;                                                                              \
    }
DUSK__DIVMOD(dusk__divmod, double, fmod, floor, copysign)
DUSK__DIVMOD(dusk__divmodf, float, fmodf, floorf, copysignf)
#undef DUSK__DIVMOD

/* NumPy's complex division (its divide loop, and npymath's cdiv that
 * npy_cpow takes 1 / r with), Smith's method: scaled by the larger part
 * of b, with 1 / (the denominator) multiplied in. C's / rounds otherwise
 * (an ulp apart on ordinary numbers) and treats inf and nan parts by its
 * Annex G. Divided by a zero, each part of a over |0|: inf or nan. */
#define DUSK__CDIV(name, T, FABS)                                                              \
    static inline void name(T ar, T ai, T br, T bi, T *re, T *im)                             \
    {                                                                                          \
        T abs_br = FABS(br), abs_bi = FABS(bi);                                                \
        if (abs_br >= abs_bi) {                                                                \
            if (abs_br == 0 && abs_bi == 0) {                                                  \
                *re = ar / abs_br;                                                             \
                *im = ai / abs_bi;                                                             \
            } else {                                                                           \
                T rat = bi / br, scl = (T)1 / (br + bi * rat);                                 \
                *re = (ar + ai * rat) * scl;                                                   \
                *im = (ai - ar * rat) * scl;                                                   \
            }                                                                                  \
        } else {                                                                               \
            T rat = br / bi, scl = (T)1 / (bi + br * rat);                                     \
            *re = (ar * rat + ai) * scl;                                                       \
            *im = (ai * rat - ar) * scl;                                                       \
        }                                                                                      \
    }
DUSK__CDIV(dusk__cdiv, double, fabs)
DUSK__CDIV(dusk__cdivf, float, fabsf)
#undef DUSK__CDIV

/* NumPy's npy_logaddexp and npy_logaddexp2: log(exp(x) + exp(y)) without
 * overflow, x + log 2 (x + 1) of equal ones (infinities included), and a
 * nan of either a nan. */
static inline double dusk__logaddexp(double x, double y)
{
    if (x == y)
        return x + 0.693147180559945309417232121458176568;
    double d = x - y;
    return d > 0 ? x + log1p(exp(-d)) : d <= 0 ? y + log1p(exp(d)) : d;
}
static inline double dusk__logaddexp2(double x, double y)
{
    if (x == y)
        return x + 1;
    double d = x - y;
    const double log2e = 1.442695040888963407359924681001892137;
    return d > 0 ? x + log2e * log1p(exp2(-d)) : d <= 0 ? y + log2e * log1p(exp2(d)) : d;
}

#endif /* DUSK_ARRAY_NPYMATH_H */
