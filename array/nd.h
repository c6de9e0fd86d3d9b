/*
** dusk — ndarray kernels. This file is private to libdusk-array.
**
** The arithmetic on chunks that array tasks run: element access for every
** dtype, NumPy's type promotion, broadcasting elementwise operations,
** reductions with keepdims, transposes and copies. Every kernel returns a
** new C-contiguous ndarray value, or NULL when allocation fails.
*/
#ifndef DUSK_ARRAY_ND_H
#define DUSK_ARRAY_ND_H

#include <complex.h>

#include "dusk/array.h"
#include "core/value.h"

/* Element access, converting to and from the widest type of a kind. Of a
 * complex element loadf and loadi read the real part; storing a real
 * number into a complex element gives it a zero imaginary part, storing
 * a complex number into a real one drops the imaginary part (as NumPy's
 * astype does, with its ComplexWarning). */
double dusk__nd_loadf(const char *p, dusk_dtype t);
int64_t dusk__nd_loadi(const char *p, dusk_dtype t);
double complex dusk__nd_loadc(const char *p, dusk_dtype t);
void dusk__nd_storef(char *p, dusk_dtype t, double v);
void dusk__nd_storei(char *p, dusk_dtype t, int64_t v);
void dusk__nd_storec(char *p, dusk_dtype t, double complex v);
/* IEEE binary16, NumPy's float16 (the conversion rounds to nearest even). */
double dusk__half_to_double(uint16_t h);
uint16_t dusk__double_to_half(double v);

int dusk__dtype_is_float(dusk_dtype t);     /* f8, f4, f2 */
int dusk__dtype_is_complex(dusk_dtype t);   /* c16, c8 */
int dusk__dtype_is_inexact(dusk_dtype t);   /* either */
/* The dtype of a complex type's parts (f8, f4); other types unchanged. */
dusk_dtype dusk__dtype_real(dusk_dtype t);
int dusk__dtype_is_unsigned(dusk_dtype t);
/* NumPy's result type of a binary operation on arrays of a and b. */
dusk_dtype dusk__promote(dusk_dtype a, dusk_dtype b);
/* The dtype array OP s (s OP array when scalar_first) computes in under
 * NumPy 1.x's value-based casting (before comparisons make it bool and
 * true division float). */
dusk_dtype dusk__promote_typed(dusk_binop op, dusk_dtype a, const dusk_scalar *s,
                               bool scalar_first);
/* The scalar dusk_array_binop_scalar's double s is, with an array of a:
 * an int when whole and a is of integers or bools, else a float. */
dusk_scalar dusk__scalar_of_double(dusk_dtype a, double s);
/* s's value as an element of dtype t at p. */
void dusk__nd_store_scalar(char *p, dusk_dtype t, const dusk_scalar *s);
dusk_dtype dusk__binop_dtype(dusk_binop op, dusk_dtype a, dusk_dtype b);
/* The operator a ufunc's name stands for (DUSK_BINOP_SUBTRACT: _SUB), or
 * op itself. */
dusk_binop dusk__binop_base(dusk_binop op);
/* Whether op computes in floats only (arctan2 ... logaddexp2): NumPy has
 * no loop of it for complex numbers. */
int dusk__binop_floats_only(dusk_binop op);
/* Whether op is isnan, isinf or isfinite: its result is bool. */
int dusk__unop_tests(dusk_unop op);
/* Whether op is a comparison (<, <=, >, >=, ==, !=): its result is bool. */
int dusk__binop_compares(dusk_binop op);
dusk_dtype dusk__unop_dtype(dusk_unop op, dusk_dtype a);
dusk_dtype dusk__reduce_dtype(dusk_reduction op, dusk_dtype a);

/* *p = *p OP *x for op sum or prod (of min and max: the NaN-propagating
 * ones), p of dtype t, x of tx converted to t first; integers wrap. */
void dusk__nd_accumulate(dusk_reduction op, char *p, dusk_dtype t, const char *x, dusk_dtype tx);

/* The kernels below return 0 and set *out to a new C-contiguous ndarray,
 * or return a DUSK_E... code with err filled (ENOMEM, or EINVAL for what
 * NumPy would raise on, such as an integer to a negative power). */

/* out = a OP b with broadcasting (a scalar operand is a 0-d array). */
int dusk__nd_binop(dusk_binop op, const dusk_value *a, const dusk_value *b,
                   dusk_dtype out_dtype, dusk_value **out, dusk_error *err);
int dusk__nd_unop(dusk_unop op, const dusk_value *a, dusk_dtype out_dtype, dusk_value **out,
                  dusk_error *err);
int dusk__nd_astype(const dusk_value *a, dusk_dtype t, dusk_value **out, dusk_error *err);
/* perm[i]: which input axis becomes output axis i. */
int dusk__nd_transpose(const dusk_value *a, const int *perm, dusk_value **out,
                       dusk_error *err);

/* Reductions. A partial result is a tuple of ndarrays that keep the reduced
 * axes with length 1: (acc) for sum, prod, min, max, any, all; (n, sum) for
 * mean; (n, sum, m2) for var and std, m2 being the sum of squared
 * deviations from the partial's mean. n, sum and m2 are float64. */
int dusk__nd_reduce_chunk(dusk_reduction op, const dusk_value *a, uint64_t axes,
                          dusk_dtype acc_dtype, dusk_value **out, dusk_error *err);
/* Combines partials (a tuple of partials, all of one shape) into one. */
int dusk__nd_reduce_combine(dusk_reduction op, const dusk_value *list, dusk_value **out,
                            dusk_error *err);
/* The final value from a combined partial; drops the reduced axes unless
 * keepdims. ddof for var/std (std's square root is a separate layer). */
int dusk__nd_reduce_finish(dusk_reduction op, const dusk_value *partial, uint64_t axes,
                           int keepdims, int ddof, dusk_dtype out_dtype, dusk_value **out,
                           dusk_error *err);

#endif /* DUSK_ARRAY_ND_H */
