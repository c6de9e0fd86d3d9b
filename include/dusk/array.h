/*
** dusk — chunked arrays that build task graphs, like dask.array
** Library: libdusk-array (array/: HDF5 and OpenBLAS, on libdusk).
**
** A dusk_array is lazy: a shape, a dtype, a grid of chunks, and the layers
** of tasks that compute them. Operations build new layers, named and
** counted as Dask 2022.12 names and counts them ('ones_like-<token>',
** 'transpose-<token>', 'mean_chunk-<token>', 'mean_agg-aggregate-<token>'
** ...); nothing runs until dusk_array_compute or dusk_array_store. Tokens
** are deterministic: the same expression built twice has the same keys.
**
** The lecture's example, in C:
**
**     dusk_array_ctx *ctx = dusk_array_ctx_new();
**     dusk_array *x = dusk_from_hdf5(ctx, "rnd_data.hdf5", "/data_set_1", "(500, 500)");
**     dusk_array *r = dusk_array_sub(x, dusk_array_mean(x, DUSK_AXIS(0), false));
**     dusk_array_describe(r, buf, sizeof buf);        // the Bytes/Shape/Count table
**     dusk_array_store(r, "r.hdf5", "/r", NULL, NULL, &err);
**     dusk_array_ctx_free(ctx);
**
** Ownership: a context owns every array made in it; dusk_array_ctx_free frees
** them all. Arrays are immutable and may be used as inputs any number of
** times.
**
** Errors, as in cairo: an operation that fails (shapes that do not
** broadcast, an axis out of range, a missing file ...) returns an array in
** an error state instead of NULL, and so does every operation given an
** array in an error state, so an expression is checked once at the end:
** dusk_array_status(r, &err) gives the first error with its message. The
** context also keeps the first error of all (dusk_array_ctx_status).
** A NULL array or context is such an error too: operations given one
** return an array in the error state DUSK_EINVAL (a shared static one
** when no context is at hand to keep it), never NULL; readers of a NULL
** array answer 0, NULL or DUSK_DT_F8, and the status functions
** DUSK_EINVAL (error.h's rule).
**
** Not thread-safe: build arrays of one context from one thread at a time.
** Computing uses the schedulers and their worker threads.
*/
#ifndef DUSK_ARRAY_H
#define DUSK_ARRAY_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "graph.h"
#include "sched.h"
#include "value.h"

#include "version.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dusk_array_ctx dusk_array_ctx;
typedef struct dusk_array dusk_array;

/* A shape: DUSK_SHAPE(1000, 10000). */
typedef struct dusk_shape {
    int ndim;
    int64_t v[DUSK_MAXDIMS];
} dusk_shape;
#ifndef __cplusplus
#define DUSK_SHAPE(...)                                                      \
    ((dusk_shape){(int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)), \
                  {__VA_ARGS__}})
#define DUSK_SHAPE0 ((dusk_shape){0, {0}})   /* a 0-d (scalar) shape */
#else   /* C++ has no compound literals: see the end of this file */
#define DUSK_SHAPE(...) dusk__shape_cxx(__VA_ARGS__)
#define DUSK_SHAPE0 dusk__shape_cxx()
#endif

/* A set of axes as a bit mask, NumPy's tuple of axes, for the functions
 * that take several (sum, mean, reduce, squeeze ...): DUSK_AXIS(0),
 * DUSK_AXIS(0) | DUSK_AXIS(2); DUSK_ALL_AXES for all of them. Negative axes
 * count from the end. */
#define DUSK_AXIS(i) ((uint64_t)1 << ((i) < 0 ? 64 + (i) : (i)))
#define DUSK_ALL_AXES (~(uint64_t)0)
/* The functions that take one axis (argmax, argmin, argreduce, cumsum,
 * cumprod) take it as NumPy does, as an int: dusk_array_cumsum(m, 1) is
 * np.cumsum(m, axis=1), -1 the last axis; an axis outside -ndim .. ndim-1
 * is DUSK_EINVAL, "axis 2 is out of bounds for array of dimension 2" (NumPy's
 * AxisError). DUSK_AXIS_NONE is NumPy's axis=None, the flattened array: INT_MIN,
 * which no array has as an axis (they have at most DUSK_MAXDIMS). Do not
 * pass them a mask: DUSK_AXIS(1) is 2, the third axis, and DUSK_ALL_AXES
 * converts to -1, the last one. */
#define DUSK_AXIS_NONE INT_MIN

/* --- contexts ------------------------------------------------------------ */
DUSK_API dusk_array_ctx *dusk_array_ctx_new(void);             /* NULL on allocation failure */
DUSK_API void dusk_array_ctx_free(dusk_array_ctx *ctx);        /* frees its arrays; NULL-safe */
/* The context a was made in (NULL for NULL): arrays go together (one graph,
 * one run, one picture) only with those of their own context. */
DUSK_API dusk_array_ctx *dusk_array_context(const dusk_array *a);
/* The first error of any array made in ctx, or 0. */
DUSK_API int dusk_array_ctx_status(const dusk_array_ctx *ctx, dusk_error *err);
/* Whether dusk_array_compute and dusk_array_store of arrays of ctx check,
 * before they start, that the memory they will hold fits in what this
 * process may take (on by default; see dusk_array_compute). false lets a
 * computation try anyway: it then fails with DUSK_ENOMEM when an
 * allocation does, or, where the system promises memory it does not have,
 * is killed by the kernel. NULL-safe. */
DUSK_API void dusk_array_ctx_set_memory_check(dusk_array_ctx *ctx, bool on);

/* --- chunks ----------------------------------------------------------------
 * Chunks are given as text, the way Dask takes them:
 *   "auto"                   blocks of about 128 MiB, as Dask's default
 *   "5" or "(5, 5)"          a block size per dimension (one size: all)
 *   "(500, -1)"              -1: the whole dimension in one block
 *   "((5, 5, 5), (10, 5))"   explicit block sizes per dimension
 * NULL means "auto"; "()" is the chunks of a 0-d array. A spec of another
 * rank than the shape, a size of 0 or below -1, an empty tuple, explicit
 * sizes that do not add up to the axis, or text that cannot be read is an
 * error (DUSK_EINVAL) whose message quotes the spec and the shape.
 *
 * Sizes: as NumPy, an array whose byte size (its item size times the
 * product of its axes, the axes of length 0 aside) exceeds PTRDIFF_MAX is
 * refused (DUSK_EINVAL, naming the shape) when made, and so is the result
 * of any operation (broadcast, astype, concatenate, stack, tensordot ...)
 * that would be one. */

/* --- creation -------------------------------------------------------------- */
DUSK_API dusk_array *dusk_ones(dusk_array_ctx *ctx, dusk_shape shape, const char *chunks, dusk_dtype dtype);
DUSK_API dusk_array *dusk_zeros(dusk_array_ctx *ctx, dusk_shape shape, const char *chunks, dusk_dtype dtype);
DUSK_API dusk_array *dusk_empty(dusk_array_ctx *ctx, dusk_shape shape, const char *chunks, dusk_dtype dtype);
DUSK_API dusk_array *dusk_full(dusk_array_ctx *ctx, dusk_shape shape, const char *chunks, dusk_dtype dtype,
                      double fill);
/* [start, stop) by step, as numpy.arange; dtype f8 or i8 as NumPy picks
 * (i8 when start, stop and step are whole numbers). */
DUSK_API dusk_array *dusk_arange(dusk_array_ctx *ctx, double start, double stop, double step,
                        const char *chunks);
/* The same in float64 whatever the bounds: numpy.arange(5.) for a caller
 * that knows one of them was written as a float. */
DUSK_API dusk_array *dusk_arange_f8(dusk_array_ctx *ctx, double start, double stop, double step,
                           const char *chunks);
/* num points from start to stop inclusive, as numpy.linspace. */
DUSK_API dusk_array *dusk_linspace(dusk_array_ctx *ctx, double start, double stop, int64_t num,
                          const char *chunks);
/* numpy.eye(n, m, k): ones on the diagonal k places right of the main
 * one (left when negative), zeros elsewhere; as dask.array.eye, one
 * 'eye' task per block and square blocks, both axes in the size of the
 * first row block chunks gives ("auto", "1000", "(500, 200)" take 500). */
DUSK_API dusk_array *dusk_eye(dusk_array_ctx *ctx, int64_t n, int64_t m, int64_t k,
                              const char *chunks, dusk_dtype dtype);
/* Seeded and deterministic per chunk: the same seed, shape and chunks give
 * the same numbers. */
DUSK_API dusk_array *dusk_random_normal(dusk_array_ctx *ctx, uint64_t seed, double loc, double scale,
                               dusk_shape shape, const char *chunks);
DUSK_API dusk_array *dusk_random_uniform(dusk_array_ctx *ctx, uint64_t seed, double low, double high,
                                dusk_shape shape, const char *chunks);
/* numpy.random.randint(low, high): integers in [low, high), each as likely
 * (a bounded draw without bias), of an integer dtype (or bool: [0, 2));
 * low < high, both in the dtype's range, as NumPy checks them. */
DUSK_API dusk_array *dusk_random_integers(dusk_array_ctx *ctx, uint64_t seed, int64_t low,
                                          int64_t high, dusk_shape shape, const char *chunks,
                                          dusk_dtype dtype);
/* numpy.random.exponential(scale): float64, scale >= 0. */
DUSK_API dusk_array *dusk_random_exponential(dusk_array_ctx *ctx, uint64_t seed, double scale,
                                             dusk_shape shape, const char *chunks);
/* numpy.random.poisson(lam): int64 counts, 0 <= lam <= 9.2e18 (NumPy's
 * bound); Knuth's product below 10, Hormann's PTRS from 10 on, as NumPy. */
DUSK_API dusk_array *dusk_random_poisson(dusk_array_ctx *ctx, uint64_t seed, double lam,
                                         dusk_shape shape, const char *chunks);
/* From a C-contiguous buffer, which is copied. */
DUSK_API dusk_array *dusk_from_buffer(dusk_array_ctx *ctx, const void *data, dusk_dtype dtype,
                             dusk_shape shape, const char *chunks);
/* The same with the layer named name and its source 'original-<name>', as
 * Dask's from_array(x, name=): keys ('name', i, j), the caller's to keep
 * unique. name NULL: 'array-<token>' as dusk_from_buffer; "" or one past
 * 200 characters DUSK_EINVAL. */
DUSK_API dusk_array *dusk_from_buffer_named(dusk_array_ctx *ctx, const void *data,
                                            dusk_dtype dtype, dusk_shape shape,
                                            const char *chunks, const char *name);
/* From an HDF5 dataset, lazily: each chunk reads its own hyperslab when it
 * runs. The file and dataset are checked now. A chunked dataset is read,
 * and a compressed one decoded, by dusk, not by libhdf5, chunk by chunk:
 * gzip, shuffle and fletcher32, each chunk checked to be stored and to
 * decode to exactly its size, so that a corrupt chunk is an error
 * (DUSK_EIO naming the file, dataset and chunk), not a crash inside
 * libhdf5's H5Dread; a dataset
 * with any other filter (szip, scale-offset, n-bit, plugins) is refused
 * here with DUSK_EIO naming the filter. HDF5's own reason for a failure
 * ends the message; libhdf5 prints nothing to stderr while dusk calls it,
 * from any thread, and the host's own HDF5 error handler on that thread is
 * as it was afterwards. libhdf5 1.10.8 can still fault on a file whose
 * object headers or heaps are corrupt: read files you do not trust in a
 * process of their own (README, Fuzzing). The chunks of an unfiltered
 * dataset stored in native byte order, and the elements of a contiguous
 * one (h5py's default layout), are read with pread at the offsets libhdf5
 * gives, outside dusk's HDF5 lock, so workers read at once; a file cut
 * short under such a read is DUSK_EIO naming it. */
DUSK_API dusk_array *dusk_from_hdf5(dusk_array_ctx *ctx, const char *path, const char *dataset,
                           const char *chunks);
/* The same named as dusk_from_buffer_named names its layers. */
DUSK_API dusk_array *dusk_from_hdf5_named(dusk_array_ctx *ctx, const char *path,
                                          const char *dataset, const char *chunks,
                                          const char *name);

/* --- elementwise ------------------------------------------------------------ */
typedef enum {
    DUSK_BINOP_ADD, DUSK_BINOP_SUB, DUSK_BINOP_MUL, DUSK_BINOP_DIV, DUSK_BINOP_POW,
    DUSK_BINOP_LT, DUSK_BINOP_LE, DUSK_BINOP_GT, DUSK_BINOP_GE, DUSK_BINOP_EQ, DUSK_BINOP_NE,
    /* a // b and a % b, as NumPy's floor_divide and remainder: the
     * quotient rounded down and a remainder of b's sign; an integer
     * divided by 0 gives 0 (NumPy's result, which it warns of), a float
     * inf or nan; complex numbers are refused */
    DUSK_BINOP_FLOORDIV, DUSK_BINOP_MOD,
    /* a & b, a | b, a ^ b of integers and bools (bitwise; of bools,
     * logical), as NumPy's bitwise_and, _or and _xor: floats and complex
     * numbers are refused */
    DUSK_BINOP_AND, DUSK_BINOP_OR, DUSK_BINOP_XOR,
    /* numpy.maximum and minimum: elementwise, a nan wins (complex
     * numbers ordered as the comparisons order them) */
    DUSK_BINOP_MAX, DUSK_BINOP_MIN,
    /* NumPy's ufuncs of the same names. arctan2 hypot copysign nextafter
     * logaddexp logaddexp2 compute in floats (integers and bools give
     * the first float type both cast to safely: int8 with uint8 is
     * float16) and refuse complex numbers; fmod is C's (the remainder of
     * x's sign; integers as NumPy's, by 0 it gives 0) and refuses complex
     * numbers; fmax and fmin are maximum and minimum that ignore a nan;
     * float_power is pow in float64 or complex128; logical_and, _or and
     * _xor give bools of any inputs (truth: nonzero) */
    DUSK_BINOP_ARCTAN2, DUSK_BINOP_HYPOT, DUSK_BINOP_COPYSIGN, DUSK_BINOP_NEXTAFTER,
    DUSK_BINOP_LOGADDEXP, DUSK_BINOP_LOGADDEXP2, DUSK_BINOP_FMOD, DUSK_BINOP_FMAX,
    DUSK_BINOP_FMIN, DUSK_BINOP_FLOAT_POWER, DUSK_BINOP_LOGICAL_AND, DUSK_BINOP_LOGICAL_OR,
    DUSK_BINOP_LOGICAL_XOR,
    /* The operators under NumPy's function names (numpy.subtract ...):
     * they compute as -, *, /, **, ==, !=, <, <=, >, >= do, but their
     * layers are named after the function, as dask.array.subtract's
     * ('subtract-<token>'; true_divide is divide), and power of an array
     * and a scalar is the ufunc's pow (x ** 0.5 is sqrt) */
    DUSK_BINOP_SUBTRACT, DUSK_BINOP_MULTIPLY, DUSK_BINOP_DIVIDE, DUSK_BINOP_POWER,
    DUSK_BINOP_EQUAL, DUSK_BINOP_NOT_EQUAL, DUSK_BINOP_LESS, DUSK_BINOP_LESS_EQUAL,
    DUSK_BINOP_GREATER, DUSK_BINOP_GREATER_EQUAL,
    DUSK_BINOP_COUNT
} dusk_binop;
typedef enum {
    DUSK_UNOP_NEG, DUSK_UNOP_ABS, DUSK_UNOP_EXP, DUSK_UNOP_LOG, DUSK_UNOP_SQRT,
    DUSK_UNOP_SIN, DUSK_UNOP_COS,
    /* x.real, x.imag and x.conj(): the parts of complex numbers (float32
     * for complex64, float64 for complex128); of real numbers, the
     * numbers, zeros of their dtype and the numbers */
    DUSK_UNOP_REAL, DUSK_UNOP_IMAG, DUSK_UNOP_CONJ,
    /* ~x: bitwise not of integers, logical not of bools (numpy.invert);
     * floats and complex numbers are refused */
    DUSK_UNOP_INVERT,
    /* NumPy's ufuncs of the same names: floor ceil trunc (not of complex
     * numbers), rint, isnan isinf isfinite (bool), square (bools give
     * int8), sign (not of bools; of complex numbers, the sign of the real
     * part, or of the imaginary one where the real part is 0), and tan
     * arcsin arccos arctan sinh cosh tanh log10 log2 log1p expm1 */
    DUSK_UNOP_FLOOR, DUSK_UNOP_CEIL, DUSK_UNOP_TRUNC, DUSK_UNOP_RINT, DUSK_UNOP_ISNAN,
    DUSK_UNOP_ISINF, DUSK_UNOP_ISFINITE, DUSK_UNOP_SQUARE, DUSK_UNOP_SIGN, DUSK_UNOP_TAN,
    DUSK_UNOP_ARCSIN, DUSK_UNOP_ARCCOS, DUSK_UNOP_ARCTAN, DUSK_UNOP_SINH, DUSK_UNOP_COSH,
    DUSK_UNOP_TANH, DUSK_UNOP_LOG10, DUSK_UNOP_LOG2, DUSK_UNOP_LOG1P, DUSK_UNOP_EXPM1,
    /* NumPy's ufuncs of the same names: logical_not and signbit give bools
     * (signbit not of complex numbers); positive (not of bools) and
     * reciprocal (bools give int8; integers NumPy's 1 / x: 0 but for 1
     * and -1) keep the dtype; cbrt fabs deg2rad rad2deg degrees radians
     * refuse complex numbers, exp2 arcsinh arccosh arctanh take them; of
     * integers and bools these give float16 for 1-byte inputs, float32
     * for 2-byte ones, float64 for the rest. sinc is numpy.sinc,
     * sin(pi x) / (pi x) (float64 for integers and bools, as NumPy's). */
    DUSK_UNOP_LOGICAL_NOT, DUSK_UNOP_POSITIVE, DUSK_UNOP_RECIPROCAL, DUSK_UNOP_CBRT,
    DUSK_UNOP_EXP2, DUSK_UNOP_FABS, DUSK_UNOP_DEG2RAD, DUSK_UNOP_RAD2DEG, DUSK_UNOP_DEGREES,
    DUSK_UNOP_RADIANS, DUSK_UNOP_ARCSINH, DUSK_UNOP_ARCCOSH, DUSK_UNOP_ARCTANH,
    DUSK_UNOP_SIGNBIT, DUSK_UNOP_SINC,
    DUSK_UNOP_COUNT
} dusk_unop;

/* a OP b with NumPy broadcasting; chunks are unified where they differ.
 * The result's dtype is NumPy's (dusk_dtype in value.h: f2 and complex
 * included); comparisons of complex numbers order them by real part,
 * then imaginary part, as NumPy does. */
DUSK_API dusk_array *dusk_array_binop(dusk_binop op, dusk_array *a, dusk_array *b);
/* a OP s, or s OP a when scalar_first. s is a Python float (or int when
 * it is whole and the array is of integers or bools: from -2**63 to
 * 2**64 - 1, which NumPy holds in int64 or uint64), with NumPy 1.x's
 * value-based casting: the array's dtype wins unless s does not fit. A
 * double cannot say whether it was 2 or 2.0, True or 1: where that
 * decides the dtype (int8 array - 2.0 is float64, bool array & True is
 * bool, float16 array + 300 is float32), use dusk_array_binop_typed. */
DUSK_API dusk_array *dusk_array_binop_scalar(dusk_binop op, dusk_array *a, double s, bool scalar_first);

/* A scalar operand with the type Python or NumPy gives it, which NumPy
 * 1.x's value-based casting reads together with its value: dtype is
 * DUSK_DT_BOOL for a Python bool, DUSK_DT_I8 for an int (DUSK_DT_U8 for
 * one from 2**63 to 2**64 - 1), DUSK_DT_F8 for a float, DUSK_DT_C16 for
 * a complex, or a NumPy scalar's own dtype (np.float32(2): DUSK_DT_F4).
 * Bools and integers are in i (a uint64's bits for DUSK_DT_U8), floats in
 * re, complex numbers in re and im. The dusk_scalar_ helpers make one. */
typedef struct dusk_scalar {
    dusk_dtype dtype;
    int64_t i;          /* bool and integer dtypes */
    double re, im;      /* float dtypes (re), complex ones (re, im) */
} dusk_scalar;
static inline dusk_scalar dusk_scalar_of(dusk_dtype dtype, int64_t i, double re, double im)
{
    dusk_scalar s;
    s.dtype = dtype;
    s.i = i;
    s.re = re;
    s.im = im;
    return s;
}
static inline dusk_scalar dusk_scalar_bool(bool b) { return dusk_scalar_of(DUSK_DT_BOOL, b, 0, 0); }
static inline dusk_scalar dusk_scalar_int(int64_t v) { return dusk_scalar_of(DUSK_DT_I8, v, 0, 0); }
/* A Python int from 0 to 2**64 - 1: int64 when it fits, else uint64. */
static inline dusk_scalar dusk_scalar_uint(uint64_t v)
{
    return dusk_scalar_of(v > (uint64_t)INT64_MAX ? DUSK_DT_U8 : DUSK_DT_I8, (int64_t)v, 0, 0);
}
static inline dusk_scalar dusk_scalar_float(double v) { return dusk_scalar_of(DUSK_DT_F8, 0, v, 0); }
static inline dusk_scalar dusk_scalar_complex(double re, double im)
{
    return dusk_scalar_of(DUSK_DT_C16, 0, re, im);
}
/* a OP s, or s OP a when scalar_first, as NumPy 1.x types it: when the
 * array's kind (bool < integer < float and complex) is at least the
 * scalar's, the smallest type that holds s's value joins the array's
 * (uint8 array + 300 is uint16, float32 array + 2.0 float32, float16
 * array + 1j complex64); otherwise s's own dtype does (int8 array + 2.0
 * is float64, bool array + 1 int64). One layer of one task per block,
 * as Dask's. An s whose value its dtype cannot hold is DUSK_EINVAL. */
DUSK_API dusk_array *dusk_array_binop_typed(dusk_binop op, dusk_array *a, dusk_scalar s,
                                            bool scalar_first);
DUSK_API dusk_array *dusk_array_unop(dusk_unop op, dusk_array *a);
/* Shorthands. */
DUSK_API dusk_array *dusk_array_add(dusk_array *a, dusk_array *b);
DUSK_API dusk_array *dusk_array_sub(dusk_array *a, dusk_array *b);
DUSK_API dusk_array *dusk_array_mul(dusk_array *a, dusk_array *b);
DUSK_API dusk_array *dusk_array_div(dusk_array *a, dusk_array *b);
/* numpy.where(cond, a, b): a's element where cond's is nonzero (a NaN
 * is), else b's, the three broadcast together and their chunks unified
 * as dusk_array_binop unifies them; cond may be of any dtype. The dtype
 * is numpy.result_type(a, b). One 'where' layer, as dask.array.where
 * builds it (elemwise). */
DUSK_API dusk_array *dusk_array_where(dusk_array *cond, dusk_array *a, dusk_array *b);
/* numpy.where(cond, a, s), or where(cond, s, a) when scalar_first, with s
 * typed as dusk_array_binop_typed types it (NumPy 1.x's value-based
 * casting: where(cond, int8 array, 0) is int8, with 300 int16, with 0.5
 * float64). The scalar goes in the tasks: no layer of its own, as in
 * Dask. */
DUSK_API dusk_array *dusk_array_where_scalar(dusk_array *cond, dusk_array *a, dusk_scalar s,
                                             bool scalar_first);

/* numpy.clip(a, lo, hi) with scalar bounds, NULL for None (not both: one
 * of them must be given, as NumPy says), typed by value as a + s types
 * them (clip(int8 array, 0, 300) is int16, with 0.5 float64); each bound
 * is cast to that dtype. A nan element stays nan; a nan bound is no bound
 * (-inf or inf: NumPy 1.x's deprecated reading, which makes the dtype a
 * float's); with lo > hi every element is hi, as NumPy's. One 'clip' layer, as Dask's
 * (map_blocks of numpy.clip). */
DUSK_API dusk_array *dusk_array_clip(dusk_array *a, const dusk_scalar *lo, const dusk_scalar *hi);
/* numpy.round(a, decimals), half to even at 10**-decimals (decimals < 0:
 * to tens, hundreds ...), each step in a's dtype as NumPy's (x * 10**d,
 * rint, / 10**d: 1.35 to 1 decimal is 1.4, 2.675 to 2 is 2.67, as the
 * doubles are); integers keep their dtype (to decimals >= 0 they are
 * unchanged), complex numbers round both parts, bools give float16 to 0
 * decimals and are refused otherwise, as in NumPy. dusk_array_round's
 * layer is 'round_' (dask.array.round and Array.round), dusk_array_around's
 * 'around' (dask.array.around). */
DUSK_API dusk_array *dusk_array_round(dusk_array *a, int decimals);
DUSK_API dusk_array *dusk_array_around(dusk_array *a, int decimals);
/* numpy.isclose(a, b, rtol, atol, equal_nan): |a - b| <= atol + rtol |b|
 * where both are finite (b's side computed in b's float type, float64 for
 * integers and bools), a == b elsewhere, and nan close to nan when
 * equal_nan; broadcast and chunks unified as dusk_array_binop's. bool;
 * one 'isclose' layer (NumPy's defaults: rtol 1e-5, atol 1e-8). */
/* numpy.isclose(a, s), or numpy.isclose(s, a) when scalar_first, with s a
 * Python float (or an int a double holds), as dask.array.isclose passes a
 * number into every block's numpy.isclose: one 'isclose' layer, the values
 * NumPy 1.24 gives block by block (a float32 block that is all finite
 * computes in float32 where NumPy's value-based casting does). a of
 * float64, float32, an integer type or bool (else DUSK_EINVAL). */
DUSK_API dusk_array *dusk_array_isclose_scalar(dusk_array *a, double s, bool scalar_first,
                                               double rtol, double atol, bool equal_nan);
DUSK_API dusk_array *dusk_array_isclose(dusk_array *a, dusk_array *b, double rtol, double atol,
                                        bool equal_nan);
/* numpy.allclose, lazily, as Dask's: isclose's 'all' reduction, a 0-d
 * bool array. */
DUSK_API dusk_array *dusk_array_allclose(dusk_array *a, dusk_array *b, double rtol, double atol,
                                         bool equal_nan);
/* numpy.nan_to_num(a, nan=, posinf=, neginf=): nan, inf and -inf
 * replaced (in each part of a complex number), posinf and neginf NULL for
 * the dtype's largest finite number and its negative; the values are cast
 * to a's dtype. Integers and bools are copied. One 'nan_to_num' layer. */
DUSK_API dusk_array *dusk_array_nan_to_num(dusk_array *a, double nan, const double *posinf,
                                           const double *neginf);

/* --- shape -------------------------------------------------------------------- */
/* perm: a permutation of 0..ndim-1, or NULL to reverse the axes (.T). */
DUSK_API dusk_array *dusk_array_transpose(dusk_array *a, const int *perm);
DUSK_API dusk_array *dusk_array_astype(dusk_array *a, dusk_dtype dtype);
DUSK_API dusk_array *dusk_array_rechunk(dusk_array *a, const char *chunks);

/* --- slicing, joining and products --- */
/* An index along one axis, as Python writes it inside x[...]:
 *   DUSK_SLICE(start, stop, step)   start:stop:step; DUSK_NIL for a part left
 *                                   out, so x[:10] is DUSK_SLICE(DUSK_NIL, 10,
 *                                   DUSK_NIL) and 12:2:-2 is DUSK_SLICE(12, 2, -2)
 *   DUSK_ALL                        :  (the whole axis)
 *   DUSK_AT(i)                      an integer: picks one element, drops the axis
 *   DUSK_LIST(p, n)                 a list of n integers at p (copied by the call):
 *                                   x[:, [10, 1, 5]]; at most one list per index
 *   DUSK_NEWAXIS                    None: a new axis of length 1
 *   DUSK_ELLIPSIS                   ...: as many : as the other entries leave
 * Negative integers count from the end, as in Python; a slice never fails
 * (it clips to the axis), an integer or list entry out of range does.
 * Missing trailing entries are :. */
#define DUSK_NIL INT64_MIN
typedef enum {
    DUSK_IDX_SLICE, DUSK_IDX_INT, DUSK_IDX_LIST, DUSK_IDX_NEWAXIS, DUSK_IDX_ELLIPSIS
} dusk_index_kind;
typedef struct dusk_index {
    dusk_index_kind kind;
    int64_t start, stop, step;  /* DUSK_IDX_SLICE (DUSK_NIL: None); DUSK_IDX_INT: start */
    const int64_t *list;        /* DUSK_IDX_LIST: n integers */
    int64_t n;
} dusk_index;
#ifndef __cplusplus
#define DUSK__INDEX(kind, start, stop, step, p, n) \
    ((dusk_index){(kind), (start), (stop), (step), (p), (n)})
#define DUSK__NOLIST NULL
#else
#define DUSK__INDEX(kind, start, stop, step, p, n) \
    dusk__index_cxx((kind), (start), (stop), (step), (p), (n))
#define DUSK__NOLIST nullptr
#endif
#define DUSK_SLICE(start, stop, step) \
    DUSK__INDEX(DUSK_IDX_SLICE, (start), (stop), (step), DUSK__NOLIST, 0)
#define DUSK_ALL DUSK_SLICE(DUSK_NIL, DUSK_NIL, DUSK_NIL)
#define DUSK_AT(i) DUSK__INDEX(DUSK_IDX_INT, (i), 0, 0, DUSK__NOLIST, 0)
#define DUSK_LIST(p, n) DUSK__INDEX(DUSK_IDX_LIST, 0, 0, 0, (p), (n))
#define DUSK_NEWAXIS DUSK__INDEX(DUSK_IDX_NEWAXIS, 0, 0, 0, DUSK__NOLIST, 0)
#define DUSK_ELLIPSIS DUSK__INDEX(DUSK_IDX_ELLIPSIS, 0, 0, 0, DUSK__NOLIST, 0)

/* a[idx[0], ..., idx[n-1]], as Dask slices: one 'getitem' layer (when a
 * list is mixed with integers or partial slices, it holds 'slice-<token>'
 * tasks too, which take the integers and slices first, as Dask's layer
 * does), the result chunked as Dask chunks it. An index that selects
 * everything returns a itself. For example x[:10, 12:2:-2]:
 *     dusk_index ix[] = {DUSK_SLICE(DUSK_NIL, 10, DUSK_NIL), DUSK_SLICE(12, 2, -2)};
 *     dusk_array *y = dusk_array_getitem(x, ix, 2);                          */
DUSK_API dusk_array *dusk_array_getitem(dusk_array *a, const dusk_index *idx, int n);
/* The same with the index as Python text: ":10, 12:2:-2", ":, [10, 1, 5]",
 * "3", "-1, ..., None", "" (everything). */
DUSK_API dusk_array *dusk_array_slice(dusk_array *a, const char *index);
/* --- blocks of unknown size (Dask's chunks of nan) -----------------------------
 * x[mask] keeps, of each block, the elements its mask marks: how many is
 * known only once the mask is computed. Such an array has the size
 * DUSK_UNKNOWN_SIZE in its shape along that axis and as each block size
 * there (dusk_array_shape, dusk_array_chunks); Python shows it as nan,
 * as Dask does. What takes such an array is listed here; every other
 * operation refuses it with DUSK_EINVAL, naming itself and saying to
 * compute the chunk sizes first (dusk_array_compute_chunk_sizes):
 *   indexing     dusk_array_mask (1-d), dusk_array_getitem and _slice with
 *                ':' along the unknown axes (anything along the others, as
 *                Dask: y[None], c[:, 1]); another entry there is refused
 *   elementwise  dusk_array_binop (with an array of the same blocks along
 *                the unknown axis, or one of length 1 there), _binop_scalar,
 *                _binop_typed, _unop, _astype, _where, _where_scalar, _clip,
 *                _round, _around, _nan_to_num, _isclose, _isclose_scalar, _transpose
 *   reductions   dusk_array_reduce (sum ... nanmax), dusk_array_unique (1-d)
 *   running      dusk_array_compute, _compute_many, _graph, _graph_many,
 *                _ntasks, _layers, _describe, dusk_array_compute_chunk_sizes
 * Their kernels size each block from the values they are given, never from
 * planned chunks; the memory check counts each unknown block at the size
 * of the block it was taken from (an upper bound). */
#define DUSK_UNKNOWN_SIZE INT64_C(-1)
/* Whether a has blocks of unknown size (false for NULL and arrays in an
 * error state). */
DUSK_API bool dusk_array_unknown_chunks(const dusk_array *a);
/* a[mask] for a bool array mask of a's shape, as dask.array's x[mask]: a
 * 1-d array of a's elements where mask is true, in C order, one block of
 * unknown size per block of a (a and mask first flattened, as
 * dusk_array_ravel does, when a has more than one axis; mask rechunked to
 * a's chunks where they differ). Dask's graph: a 'getitem' layer of one
 * task per block (the block of a and its mask's), then a 'getitem' layer
 * of aliases to them. A mask of another shape or a dtype other than bool
 * is DUSK_EINVAL. */
DUSK_API dusk_array *dusk_array_mask(dusk_array *a, dusk_array *mask);
/* numpy.compress(cond, a, axis) with a lazy 1-d condition (any dtype, as
 * bools), as dask.array.compress builds it: a cut to the condition's length
 * along axis (a longer condition is DUSK_EINVAL), then a 1-d a as
 * dusk_array_mask, and a of several axes as a 'getitem_variadic' layer of
 * one task per block (the condition's chunks and a's along axis unified
 * first), whose blocks along axis are of unknown size. DUSK_AXIS_NONE is
 * NumPy's axis=None: a flattened first (dusk_array_ravel). */
DUSK_API dusk_array *dusk_array_compress(dusk_array *cond, dusk_array *a, int axis);
/* numpy.unique(a) (the sorted distinct values of a, flattened; NaN once,
 * as NumPy 1.24's), as dask.array.unique builds it: a 'unique_internal'
 * task per block, Dask's 'getitem' of each (an alias here), one
 * 'unique-aggregate-unique_internal' task of them all and a last 'getitem':
 * one block of unknown size. a may itself have blocks of unknown size when
 * it is 1-d. Complex numbers are DUSK_ETYPE. */
DUSK_API dusk_array *dusk_array_unique(dusk_array *a);
/* Dask's x.compute_chunk_sizes(): computes a's blocks (one
 * '_get_chunk_shape' task each reads its block's shape, so only the
 * sizes are kept) and sets *out to an array of the same keys with those
 * sizes as its chunks (new, in a's context; a itself if its chunks are
 * known). 0, or the error of the run (err says which). */
DUSK_API int dusk_array_compute_chunk_sizes(dusk_array *a, const dusk_options *opts,
                                            dusk_array **out, dusk_error *err);
/* Drops axes of length 1 (DUSK_ALL_AXES: every axis of length 1), as
 * numpy.squeeze; an axis of another length is an error. */
DUSK_API dusk_array *dusk_array_squeeze(dusk_array *a, uint64_t axes);
/* numpy.reshape(a, shape) in C order, as dask.array.reshape builds it:
 * one axis of shape may be -1, the length that fits; the sizes must hold
 * a's elements (else DUSK_EINVAL with NumPy's "cannot reshape array of
 * size 12 into shape (5,)"), and other negative sizes, or two -1, are
 * DUSK_EINVAL. A shape equal to a's (or -1 for a 1-d array) returns a.
 * An array of one block takes one 'reshape' task; otherwise, as Dask, a
 * is first rechunked ('rechunk-merge', 'rechunk-split') so that each of
 * its blocks, in C order, is one output block, then one 'reshape' task
 * per block. Like Dask, dusk only merges or splits axes evenly: (6, 5, 4)
 * to (3, 2, 5, 4) or (30, 4), not to (4, 5, 6) (DUSK_EINVAL; reshape in
 * steps). merge_chunks false is Dask's merge_chunks=False: when axes are
 * merged, the leading ones are first rechunked to blocks of 1. Dask's
 * limit= is not taken (dask/dask#10199: its split output blocks do not
 * match their input blocks). */
DUSK_API dusk_array *dusk_array_reshape(dusk_array *a, dusk_shape shape, bool merge_chunks);
/* numpy.ravel and x.flatten(): dusk_array_reshape(a, DUSK_SHAPE(-1), true). */
DUSK_API dusk_array *dusk_array_ravel(dusk_array *a);

/* Joins n arrays of one context along an existing axis (concatenate) or a
 * new one (stack; axis may be -ndim-1 .. ndim), as numpy does: dtypes are
 * promoted, shapes must agree (but along the axis, for concatenate), chunks
 * along the other axes are unified (rechunking where they differ). Layers
 * 'concatenate' and 'stack', one task per output block. */
DUSK_API dusk_array *dusk_concatenate(dusk_array *const *arrays, int n, int axis);
DUSK_API dusk_array *dusk_stack(dusk_array *const *arrays, int n, int axis);

/* numpy.tensordot: sums products over axes a_axes[i] of a and b_axes[i] of
 * b (i < naxes; negative axes count from the end). With a_axes and b_axes
 * both NULL, naxes is numpy's integer form: the last naxes axes of a with
 * the first naxes of b. The result has a's other axes, then b's. As Dask
 * builds it: a 'tensordot' layer with one task per pair of blocks (BLAS
 * gemm for float64/float32 and complex128/complex64, sgemm rounded once for
 * float16, 64-bit integer loops otherwise) that keeps the summed axes, then
 * a sum over them ('sum', 'sum-aggregate'). The dtype is Dask's: float and
 * complex types promote, integers and bool give int64 (uint64 for
 * unsigned), as the sum over blocks does. */
DUSK_API dusk_array *dusk_tensordot(dusk_array *a, dusk_array *b, const int *a_axes, const int *b_axes,
                           int naxes);
/* numpy.dot (a's last axis with b's second to last, or b's only one). */
DUSK_API dusk_array *dusk_array_dot(dusk_array *a, dusk_array *b);
/* a @ b (numpy.matmul): 1-d operands get an axis of length 1 for the
 * product, leading axes broadcast as stacks of matrices. As Dask builds
 * it: 'matmul' blocks, then 'chunk_sum' / 'chunk_sum-aggregate' over the
 * inner axis's blocks. */
DUSK_API dusk_array *dusk_array_matmul(dusk_array *a, dusk_array *b);

/* --- reductions ------------------------------------------------------------------ */
typedef enum {
    DUSK_RED_SUM, DUSK_RED_PROD, DUSK_RED_MEAN, DUSK_RED_STD, DUSK_RED_VAR,
    DUSK_RED_MIN, DUSK_RED_MAX, DUSK_RED_ANY, DUSK_RED_ALL,
    /* the nan- forms: NaNs skipped (below) */
    DUSK_RED_NANSUM, DUSK_RED_NANPROD, DUSK_RED_NANMEAN, DUSK_RED_NANSTD, DUSK_RED_NANVAR,
    DUSK_RED_NANMIN, DUSK_RED_NANMAX,
    DUSK_RED_COUNT
} dusk_reduction;
/* A tree reduction over the axes in the mask, split_every blocks per
 * step (0: Dask's default, 4); ddof for std and var. Over no elements, as
 * NumPy: sum 0, prod 1, mean, var and std nan, any false, all true; min
 * and max over an axis of length 0 are an error (DUSK_EINVAL, naming the
 * shape: NumPy's "zero-size array to reduction operation minimum which
 * has no identity"), even when the result would be empty. Complex arrays
 * (c16, c8) take sum, prod, mean (complex), var and std (real: of |x -
 * mean|, as NumPy) and any/all; min and max of them are refused with
 * DUSK_EINVAL (NumPy's lexicographic order of complex numbers). Sums and
 * means of f2 blocks add up in float64 and round once per block.
 *
 * The nan- forms (numpy.nansum ... nanmax) skip NaNs (a complex number
 * with a NaN part among them): nansum and nanprod of a slice of NaNs
 * only are 0 and 1, nanmean, nanvar and nanstd NaN (as are nanvar's and
 * nanstd's with ddof at least the count of numbers, where var gives inf),
 * nanmin and nanmax NaN (NumPy warns there). Their dtypes are the plain
 * forms' (nansum of integers is their sum); an empty reduced axis and
 * complex numbers are refused by nanmin and nanmax as by min and max.
 * Their graphs are Dask's: 'nansum' ('nanprod') then sum's (prod's)
 * steps; nanmean's are mean's; 'moment_chunk', 'moment_combine-partial',
 * 'moment_agg-aggregate' (and nanstd's '_sqrt'); 'nanmin_skip',
 * '_nanmin_skip-partial', '_nanmin_skip-aggregate' (nanmax's alike). */
DUSK_API dusk_array *dusk_array_reduce(dusk_reduction op, dusk_array *a, uint64_t axes, bool keepdims,
                              int split_every, int ddof);
DUSK_API dusk_array *dusk_array_sum(dusk_array *a, uint64_t axes, bool keepdims);
DUSK_API dusk_array *dusk_array_mean(dusk_array *a, uint64_t axes, bool keepdims);

/* The index of the largest (smallest) element, as numpy.argmax and argmin
 * and their nan- forms, which skip NaNs. axis: one axis, an int as NumPy's
 * (-1 the last; out of range is DUSK_EINVAL naming it and ndim), or
 * DUSK_AXIS_NONE for NumPy's axis=None, the index into the flattened
 * array. The result is int64, of the shape without that axis (0-d for
 * DUSK_AXIS_NONE), or with it of length
 * 1 when keepdims. Ties go to the first index; argmax and argmin of a
 * slice holding a NaN give the first NaN's index (NumPy's), and the nan-
 * forms of an all-NaN slice fail when computed ("All-NaN slice
 * encountered"). As dask.array.reductions.arg_reduction builds it: an
 * 'arg-reduce' layer giving each block's best value and its global index,
 * then 'arg_combine-partial' steps of split_every blocks (0: 4) and an
 * 'arg_agg-aggregate' ('nanarg_agg-aggregate'). An empty axis is
 * DUSK_EINVAL naming the shape (NumPy's "attempt to get argmax of an
 * empty sequence"); complex numbers are refused, as min and max refuse
 * them. */
typedef enum {
    DUSK_ARG_MAX, DUSK_ARG_MIN, DUSK_ARG_NANMAX, DUSK_ARG_NANMIN,
    DUSK_ARG_COUNT
} dusk_argreduction;
DUSK_API dusk_array *dusk_array_argreduce(dusk_argreduction op, dusk_array *a, int axis,
                                          bool keepdims, int split_every);
DUSK_API dusk_array *dusk_array_argmax(dusk_array *a, int axis);
DUSK_API dusk_array *dusk_array_argmin(dusk_array *a, int axis);

/* Cumulative sums and products along one axis, as numpy.cumsum and
 * cumprod: an int as NumPy's (-1 the last; out of range is DUSK_EINVAL
 * naming it and ndim), or DUSK_AXIS_NONE for NumPy's axis=None, the
 * flattened array (dusk_array_ravel). The dtype is NumPy's: bools and
 * integers accumulate in int64 (unsigned ones in uint64), floats and
 * complex numbers in their own dtype (float32 stays float32), element
 * after element; integers wrap. As Dask builds it (cumreduction,
 * method='sequential'): a 'cumsum' layer, each block's own cumsum, then a
 * 'cumsum' layer of two tasks per block, the carry of the blocks before
 * along the axis ('extra' keys) and the block plus its carry; axis=None
 * first flattens (a 'reshape' layer, after a rechunk unless a has one
 * block or is 1-d) and rechunks to blocks of as many elements as there
 * were blocks, as Dask does. */
DUSK_API dusk_array *dusk_array_cumsum(dusk_array *a, int axis);
DUSK_API dusk_array *dusk_array_cumprod(dusk_array *a, int axis);

/* --- reading an array's description ------------------------------------------ */
DUSK_API dusk_dtype dusk_array_dtype(const dusk_array *a);
DUSK_API int dusk_array_ndim(const dusk_array *a);
DUSK_API const int64_t *dusk_array_shape(const dusk_array *a);
/* Number of blocks along axis, and their sizes. */
DUSK_API int64_t dusk_array_numblocks(const dusk_array *a, int axis);
DUSK_API const int64_t *dusk_array_chunks(const dusk_array *a, int axis);
DUSK_API int64_t dusk_array_nchunks(const dusk_array *a);       /* all blocks */
/* In all its layers, each name once: x.T + x.T builds the transpose twice,
 * the same keys, and has 27 tasks on a 3 x 3 grid, as its graph and Dask's. */
DUSK_API int64_t dusk_array_ntasks(const dusk_array *a);
/* The tasks of n arrays together, each layer's name once: what
 * dusk_array_graph_many's graph holds. 0 for an array NULL, in an error
 * state or of another context than a[0]. */
DUSK_API int64_t dusk_array_ntasks_many(dusk_array *const *a, size_t n);
DUSK_API const char *dusk_array_name(const dusk_array *a);      /* its layer's name */
/* 0, or the first error on the way to this array. */
DUSK_API int dusk_array_status(const dusk_array *a, dusk_error *err);
/* The table Dask shows for an array (Bytes, Shape, Count, Type; array and
 * chunk columns). Returns the full length, as snprintf. */
DUSK_API size_t dusk_array_describe(const dusk_array *a, char *buf, size_t n);

/* One layer of an array's graph, for summaries and layer pictures. */
typedef struct dusk_layer_info {
    const char *name;          /* 'mean_chunk-<token>' */
    const char *op;            /* key_split of the name: 'mean_chunk' */
    int64_t ntasks;
    int ndim;
    const int64_t *shape;      /* the layer's output shape */
    dusk_dtype dtype;
    size_t ndeps;
    const char *const *deps;   /* names of the layers it reads */
} dusk_layer_info;
/* The layers of a's graph, inputs before their users, each name once;
 * returns how many there are (fills at most max; none when out is NULL).
 * Valid while the context lives. */
DUSK_API size_t dusk_array_layers(const dusk_array *a, dusk_layer_info *out, size_t max);
/* The same for n arrays together, each layer once (none when one of them
 * is NULL, in an error state or of another context than a[0]). */
DUSK_API size_t dusk_array_layers_many(dusk_array *const *a, size_t n, dusk_layer_info *out,
                                       size_t max);

/* numpy.histogram(a, bins=edges)'s counts, as dask.array.histogram builds
 * them: a 'histogram-sum' task per block of a counting it into the
 * nedges - 1 bins ([e_i, e_{i+1}), the last closed; values outside and NaN
 * not counted), added up by a sum along the blocks. int64 counts, or with
 * weights (a's shape and chunks) their sums: each block's in the weights'
 * dtype (as Dask's rows: int8 weights wrap within a block), then added up
 * in the dtype NumPy's sum of that dtype gives. The edges (non-decreasing,
 * not NaN; infinite ones make open-ended bins; one edge gives no bins) are
 * copied. */
DUSK_API dusk_array *dusk_array_histogram(dusk_array *a, const double *edges, size_t nedges,
                                          dusk_array *weights);
/* numpy.digitize(a, bins, right): each value's bin index, int64, as
 * dask.array.digitize's one 'digitize' task per block; bins increasing or
 * decreasing (not NaN; copied), NaN placed past every bin as NumPy's. */
DUSK_API dusk_array *dusk_array_digitize(dusk_array *a, const double *bins, size_t nbins,
                                         bool right);

/* --- computing ----------------------------------------------------------------------- */
/* The task graph of a (a new graph the caller frees). */
DUSK_API int dusk_array_graph(const dusk_array *a, dusk_graph **out, dusk_error *err);
/* One graph of n arrays of one context, as dask.visualize(a, b) draws them
 * and dusk_array_compute_many runs them: each layer once, so what they
 * share appears once. Task ids are those of dusk_array_compute_many's run
 * of the same arrays in the same order. */
DUSK_API int dusk_array_graph_many(dusk_array *const *a, size_t n, dusk_graph **out,
                                   dusk_error *err);
/* The key of block idx (one index per dimension), as text; returns the
 * length the full key has, as snprintf (buf may be NULL), or DUSK_EINVAL
 * for a NULL array, an array in an error state, a NULL idx, or an index
 * outside 0 .. numblocks - 1 along some axis (no block has that key). */
DUSK_API int dusk_array_block_key(const dusk_array *a, const int64_t *idx, char *buf, size_t n);
/* Runs a's graph and gathers the blocks into one C-contiguous ndarray
 * value (new reference). opts NULL: threads, one worker per core.
 * It holds every block and then the result they are copied into, twice
 * a's size; before building the graph it refuses with DUSK_ENOMEM, naming
 * that size and the limit, when this is more than the process may take:
 * the least of physical and available memory (MemAvailable), the limit of
 * its cgroup (v2 memory.max or v1 memory.limit_in_bytes, less what is in
 * use) and RLIMIT_AS and RLIMIT_DATA (less what is in use). Swap is not
 * counted. dusk_array_ctx_set_memory_check(ctx, false) turns this off. */
DUSK_API int dusk_array_compute(dusk_array *a, const dusk_options *opts, dusk_value **out,
                       dusk_error *err);
/* The values of n arrays of one context in one run of their joined graph,
 * as dask.compute(a, b): what they share (an input read, a mean) is
 * computed once. out (n of them) as dusk_array_compute's, each NULL on
 * failure; the memory check counts every result at once. */
DUSK_API int dusk_array_compute_many(dusk_array *const *arrays, size_t n, const dusk_options *opts,
                                     dusk_value **out, dusk_error *err);

/* dusk_store_options.gzip for gzip's filter at level 0, h5py's
 * compression=0: the dataset names gzip, its chunks kept as they are */
#define DUSK_GZIP_LEVEL0 (-1)

typedef struct dusk_store_options {
    int gzip;                  /* 0: no compression; 1..9: gzip level;
                                  DUSK_GZIP_LEVEL0: gzip at level 0 */
    bool overwrite;            /* replace an existing dataset of that name (a group
                                  there is DUSK_EIO, never replaced) */
} dusk_store_options;
/* Computes a and writes it to dataset (created, chunked like a) in the
 * HDF5 file at path (created if missing). Chunks compute in parallel and are
 * written as they finish. A store that fails leaves the target as it was:
 * dusk writes a copy beside it and renames it into place; the copy is
 * removed, and nothing of it stays in memory, when the store fails (a
 * full or read-only disk: DUSK_EIO naming path and the system's reason).
 * Stores to one path take turns, between threads and between processes:
 * each holds an flock() on ".NAME.dusk-lock" beside the target (removed
 * when it is done) from before it copies the file until it has renamed
 * it, so every store that reports success keeps its dataset (a task of a
 * store must therefore not store to the same path itself). As a store
 * streams, its memory check (see dusk_array_compute) is on the least it
 * will hold at once: a's largest block on each worker. The dataset's
 * chunks are a's largest block on each axis; without gzip or a maxshape
 * they are all allocated when it is made (H5D_ALLOC_TIME_EARLY, no fill
 * written), so that blocks that are whole chunks (or the part of an edge
 * chunk inside the dataset, the rest of it zero) are written with pwrite
 * outside dusk's HDF5 lock, workers writing at once; other blocks go
 * through libhdf5. With opts->scheduler DUSK_SCHED_MPI every rank makes
 * the call: the ranks compute a together, and rank 0, where the result
 * gathers (the whole array in its memory), writes it alone, since the
 * libhdf5 dusk links is serial; on the other ranks the call returns the
 * run's status once the result has gathered, and only rank 0 reports the
 * write's own errors (a path it cannot write, a full disk). */
DUSK_API int dusk_array_store(dusk_array *a, const char *path, const char *dataset,
                     const dusk_store_options *sopts, const dusk_options *opts,
                     dusk_error *err);

/* --- HDF5 attributes, resizable datasets and regions (array/store.c) ---------
 * One attribute to write: its value a string (written as h5py writes a
 * str: variable-length UTF-8), an int (int64), a float (float64), a bool
 * (h5py's enum) or an ndarray (an array of its dtype; HDF5 keeps at most
 * 64 KiB of attributes in a dataset's header). */
typedef struct dusk_hdf5_attr {
    const char *name;
    const dusk_value *value;   /* borrowed */
} dusk_hdf5_attr;
typedef struct dusk_hdf5_options {
    const dusk_hdf5_attr *attrs;   /* written on the dataset (replacing ones of those names) */
    size_t nattrs;
    /* Per axis the length the dataset may grow to, -1 for no limit (h5py's
     * maxshape, None written -1): a resizable, chunked dataset. NULL: fixed. */
    const int64_t *maxshape;
    /* Per axis where the array goes in an existing dataset (Dask's
     * store(..., regions=)): the array fills [region[d], region[d] +
     * shape[d]) of dataset, which must exist, have as many axes, and hold
     * that region, or be resizable that far: it is extended (what lies
     * between its old end and the region holds its fill value, 0). The
     * blocks are cast to the dataset's dtype, as NumPy casts. An unlimited
     * axis is extended no further than an array can be addressed
     * (PTRDIFF_MAX bytes in all). With a region, maxshape and the store
     * options' gzip and overwrite (which apply to making a dataset) are
     * refused with DUSK_EINVAL, not ignored. NULL: the dataset is made, as
     * dusk_array_store makes it. */
    const int64_t *region;
} dusk_hdf5_options;
#define DUSK_HDF5_OPTIONS_INIT {0, 0, 0, 0}
/* dusk_array_store with these options (h5 NULL: dusk_array_store), with its
 * guarantees: the target changes whole or not at all. So a result can be
 * appended to a growing dataset: store the first part with maxshape
 * {-1, n}, then each next part with region {rows so far, 0}. The price of
 * "whole or not at all": every store, a region's too, first copies the
 * whole file and renames the copy into place, so appending k parts one
 * store each copies the file k times (quadratic in its final size); for
 * many small parts, concatenate them and store once. */
DUSK_API int dusk_array_store_hdf5(dusk_array *a, const char *path, const char *dataset,
                                   const dusk_store_options *sopts, const dusk_hdf5_options *h5,
                                   const dusk_options *opts, dusk_error *err);
/* The attributes of dataset (or group) in the HDF5 file at path, as a new
 * tuple of (name, value) tuples in name order: a string, an int, a float
 * or a bool for a scalar, an ndarray for an array, a tuple of strings for
 * an array of strings (nested one level per axis), None for h5py's Empty.
 * Attributes of types dusk does not read (a complex number, a float16,
 * references such as netCDF's DIMENSION_LIST) are left out, so the rest
 * can be read; dusk_hdf5_attr_get of one is DUSK_EIO naming its type. */
DUSK_API int dusk_hdf5_attrs(const char *path, const char *dataset, dusk_value **out,
                             dusk_error *err);
/* One attribute's value (a new reference); DUSK_ENOKEY naming it when
 * there is none. */
DUSK_API int dusk_hdf5_attr_get(const char *path, const char *dataset, const char *name,
                                dusk_value **out, dusk_error *err);

/* What group ("/" for the root) of the HDF5 file at path holds, as h5py's
 * list(f[group].items()) says it: a new tuple of (name, kind) tuples in
 * name order, kind "dataset" or "group". Soft and external links and named
 * types are left out. DUSK_EIO naming what is wrong when the file cannot
 * be read, has no such group, or group is a dataset. */
DUSK_API int dusk_hdf5_list(const char *path, const char *group, dusk_value **out,
                            dusk_error *err);

/* --- user functions on blocks (array/map.c) ------------------------------------------
 * dask.array's map_blocks, blockwise, elemwise and reduction with your own
 * C function. The function is declared once, with a name, and may be
 * registered so that its tasks can travel to another process:
 *
 *     static int normalise(const dusk_block *b, dusk_value **out, dusk_error *err,
 *                          void *ud);
 *     static const dusk_block_func norm = DUSK_BLOCK_FUNC(norm, "normalise", normalise, NULL);
 *     dusk_func_register(&norm.func);               // optional: by name elsewhere
 *     dusk_array *y = dusk_map_blocks(&norm, &x, 1, DUSK_DT_F8, NULL);
 *
 * The signature is stable: a block function gets a dusk_block (below) that
 * says which block it makes and holds its input blocks (borrowed), and sets
 * *out to a new ndarray: of the declared dtype and of the shape the output's
 * chunks give that block (b->chunk_shape). Anything else fails the task
 * with a message that says what came back and what was wanted. On failure
 * it returns a negative DUSK_E... code and may say why with
 * dusk_error_set(err, ...); either way the run's error names the block's
 * key and the function: "task ('normalise-<token>', 0, 1) (normalise)
 * failed: ...". It runs on any worker thread, concurrently with itself.
 *
 * The layers are Dask 2022.12's: one task per output block, named
 * '<name>-<token>' after the function (or the name given; at most 200
 * characters, else DUSK_EINVAL, so that every block's key holds it whole),
 * with Dask's task counts. The token, as Dask's tokenize, covers all a
 * task depends on: the function itself (its dusk_block_func's address and
 * code: two functions of one name make two layers), the inputs' whole
 * names, and the args by value (an ndarray by its elements, also inside
 * nested tuples; an opaque value by its pointer). So equal expressions
 * share keys and different ones never do. Dask adds a 'block-id-' or 'block-info-' layer of values
 * when a Python function asks for block_id or block_info; in dusk every
 * call has them in its dusk_block, and no layer is added. */
typedef struct dusk_block {
    size_t nin;                    /* input blocks, in the order the arrays were given */
    const dusk_value *const *in;   /* ndarrays; for dusk_blockwise without concatenate,
                                      an input with contracted indices is a tuple (nested
                                      one level per such axis, in its axis order) */
    int ndim;                      /* of the output */
    const int64_t *block_id;       /* this block's index in the output grid */
    const int64_t *numblocks;      /* blocks per output axis */
    const int64_t *start;          /* where the block starts in the output */
    const int64_t *chunk_shape;    /* the block's shape: what *out must have */
    const int64_t *shape;          /* the whole output's shape */
    dusk_dtype dtype;              /* what *out must have */
    const dusk_value *args;        /* the extra arguments given (a tuple, maybe empty) */
    uint64_t axes;                 /* reduction steps: the reduced axes (a mask, of the
                                      input's axes); 0 otherwise */
    bool keepdims;                 /* reduction steps: keep them (always true but for the
                                      aggregate of a reduction without keepdims) */
} dusk_block;

typedef int (*dusk_block_fn)(const dusk_block *b, dusk_value **out, dusk_error *err, void *ud);
/* An elementwise kernel: one element of each input (as float64, after
 * broadcasting), n of them, gives the output element (stored in the
 * output's dtype as a cast from float64 would). */
typedef double (*dusk_scalar_fn)(const double *x, int n, void *ud);

/* A user function, made with DUSK_BLOCK_FUNC or DUSK_SCALAR_FUNC and
 * kept alive as long as any graph or plan that uses it (a static one is
 * simplest). func is the task function every block's task runs: its name
 * is what pictures and profiles show, and registering it
 * (dusk_func_register(&f.func)) lets a task be run by name elsewhere. */
typedef struct dusk_block_func {
    dusk_func func;                /* {name, dusk_block_func_run, this struct} */
    dusk_block_fn block;           /* map_blocks, blockwise, reduction steps */
    dusk_scalar_fn scalar;         /* elemwise */
    void *ud;                      /* passed to either as its last argument */
} dusk_block_func;
#define DUSK_BLOCK_FUNC(self, name, fn, ud) \
    {{(name), dusk_block_func_run, (void *)&(self)}, (fn), 0, (ud)}
#define DUSK_SCALAR_FUNC(self, name, fn, ud) \
    {{(name), dusk_block_func_run, (void *)&(self)}, 0, (fn), (ud)}
/* The task function of every block function (ud: its dusk_block_func). A
 * task's arguments are (params, index, inputs...), as every array task's;
 * what does not fit is DUSK_EINVAL naming the function. */
DUSK_API int dusk_block_func_run(dusk_value *const *args, size_t nargs, dusk_value **out,
                                 dusk_error *err, void *ud);

typedef struct dusk_map_options {
    const char *name;         /* the layer's name before its token (Dask's name=);
                                 NULL: the function's */
    /* The output's chunks, when the function changes them (Dask's chunks=):
     * per output axis a size that every block has, or the sizes of its
     * blocks: "(3, 5)", "((2, 2, 1), 5)". NULL: the inputs' chunks, and 1
     * along new axes. An axis the inputs have keeps their number of blocks. */
    const char *chunks;       /* (sizes whose sum does not fit, or an array larger than can
                                 be addressed: DUSK_EINVAL naming the chunks) */
    uint64_t drop_axis;       /* map_blocks: axes the function removes (DUSK_AXIS); the
                                 input blocks along them are concatenated first */
    uint64_t new_axis;        /* map_blocks: axes of the output it adds */
    const dusk_value *args;   /* extra arguments for every call (a tuple; a reference is
                                 taken; NULL: none); they are part of the token */
    bool whole_name;          /* map_blocks, blockwise: name is the layer's whole name,
                                 no token appended (Dask's blockwise name=); keys are
                                 then the caller's to keep unique, as in Dask */
} dusk_map_options;
#define DUSK_MAP_OPTIONS_INIT {0, 0, 0, 0, 0, 0}

/* f on every block of the nin arrays in[] (at most 16, of one context),
 * as dask.array.map_blocks: the arrays' axes line up from the right, and
 * along each axis their chunks must be the same, or one block of length
 * 1 (broadcast); arrays are not rechunked (Dask's align_arrays=False),
 * a mismatch is an error naming the axis and both chunkings. dtype is
 * the output's (Dask infers it; C cannot). opts may be NULL. */
DUSK_API dusk_array *dusk_map_blocks(const dusk_block_func *f, dusk_array *const *in, int nin,
                                     dusk_dtype dtype, const dusk_map_options *opts);
/* f over the blocks of in[] as dask.array.blockwise, with its index
 * notation: "ij,jk->ik" names each input's axes and the output's. An index
 * of the output missing from the inputs is a new axis (its chunks from
 * opts->chunks, else one block of 1); an index of inputs missing from the
 * output is contracted: each task gets all blocks along it, concatenated
 * into one when concatenate is true, else as a tuple. Arrays sharing an
 * index are rechunked to the common refinement of their chunks, as Dask's
 * unify_chunks (Dask's 'rechunk-merge' layers); lengths must agree or be 1. */
DUSK_API dusk_array *dusk_blockwise(const dusk_block_func *f, const char *indices,
                                    dusk_array *const *in, int nin, dusk_dtype dtype,
                                    bool concatenate, const dusk_map_options *opts);
/* f's scalar kernel on every element of the broadcast inputs, as
 * dask.array.core.elemwise: NumPy broadcasting, chunks unified as
 * dusk_array_binop unifies them, computed through float64. name: the
 * layer's name (NULL: the function's). */
DUSK_API dusk_array *dusk_elemwise(const dusk_block_func *f, dusk_array *const *in, int nin,
                                   dusk_dtype dtype, const char *name);
/* dask.array.reduction with your functions: chunk on every block (with
 * b->axes and keepdims true: it returns the block with the reduced axes
 * of length 1), then combine (NULL: aggregate) on split_every partials
 * at a time concatenated along the reduced axes ('<name>-partial'), then
 * aggregate on what is left ('<name>-aggregate'), keepdims as given.
 * Every step returns dtype. split_every: 0 for Dask's 4, else at least 2;
 * k over n reduced axes groups int(k ** (1/n)) blocks per axis (at least
 * 2), computed in floating point as Dask does (64 over 3 axes: 3).
 * (dusk_array_reduce is the builtin sum, mean ... .) */
DUSK_API dusk_array *dusk_array_reduction(dusk_array *x, const dusk_block_func *chunk,
                                          const dusk_block_func *combine,
                                          const dusk_block_func *aggregate, uint64_t axes,
                                          bool keepdims, dusk_dtype dtype, int split_every,
                                          const char *name);

/* The values beyond an array's edges that map_overlap gives the blocks
 * there, as Dask's boundary= ('none': none, the edge blocks are smaller). */
typedef enum {
    DUSK_BOUNDARY_NONE, DUSK_BOUNDARY_CONSTANT, DUSK_BOUNDARY_REFLECT, DUSK_BOUNDARY_PERIODIC,
    DUSK_BOUNDARY_NEAREST
} dusk_boundary;
/* f on every block of x grown by depth[d] cells of its neighbours (or of
 * the boundary) along each axis d, then trimmed back: a stencil, as
 * dask.array.map_overlap(f, x, depth=, boundary=) with trim=True. value is
 * the constant of DUSK_BOUNDARY_CONSTANT. f returns a block of the grown
 * block's shape (b->chunk_shape). Chunks smaller than the depth are first
 * merged (Dask's ensure_minimum_chunksize). The layers are Dask's (a
 * rechunk, the boundary's getitem, full_like and concatenate layers, one
 * 'overlap' layer holding the neighbours' 'getitem' pieces, a getitem
 * trimming the boundary, f, 'trim') but for Dask's 'block-info' layer;
 * the pieces' keys are integers where Dask's are fractions (i + 0.9).
 * opts: name, args and chunks (the function's blocks', Dask's chunks=;
 * the trim takes the depth off them). */
DUSK_API dusk_array *dusk_map_overlap(const dusk_block_func *f, dusk_array *x,
                                      const int64_t *depth, dusk_boundary boundary,
                                      double value, dusk_dtype dtype,
                                      const dusk_map_options *opts);
/* The same with a boundary (and constant value) per axis, as Dask's
 * boundary={0: 'reflect', 1: 'none'}; an axis of depth 0 takes none. trim
 * false: no 'trim' layer, the function's output is the result, and its
 * blocks have x's chunks unless opts->chunks says otherwise (Dask's
 * trim=False: the function shrinks its grown blocks itself); chunks of x
 * smaller than the depth are then DUSK_EINVAL. */
DUSK_API dusk_array *dusk_map_overlap_axes(const dusk_block_func *f, dusk_array *x,
                                           const int64_t *depth, const dusk_boundary *boundary,
                                           const double *value, bool trim, dusk_dtype dtype,
                                           const dusk_map_options *opts);
/* x's blocks grown by depth[d] cells of their neighbours (or of the
 * boundary, value the constant's) along each axis d, as Dask's
 * dask.array.overlap.overlap(x, depth, boundary): the blocks map_overlap
 * gives its function, with the same layers; chunks smaller than the depth
 * are merged first. An axis whose boundary is DUSK_BOUNDARY_NONE grows only
 * between blocks. Every depth 0 makes the overlap layer too (its blocks
 * x's), as Dask's. */
DUSK_API dusk_array *dusk_array_overlap(dusk_array *x, const int64_t *depth,
                                        const dusk_boundary *boundary, const double *value);
/* The other way, as Dask's trim_internal(x, depth, boundary): depth[d]
 * cells off each side of every block along axis d, but the array's own
 * edges on an axis of DUSK_BOUNDARY_NONE (where overlap added none); a
 * block too small for it is DUSK_EINVAL. */
DUSK_API dusk_array *dusk_array_trim_internal(dusk_array *x, const int64_t *depth,
                                              const dusk_boundary *boundary);

#ifdef __cplusplus
}

/* C++ has no compound literals: DUSK_SHAPE and the index macros call these
 * instead. Each value converts to int64_t as it would in C. */
template <typename... T>
constexpr dusk_shape dusk__shape_cxx(T... v)
{
    static_assert(sizeof...(T) <= DUSK_MAXDIMS, "DUSK_SHAPE: more than DUSK_MAXDIMS axes");
    return dusk_shape{static_cast<int>(sizeof...(T)), {static_cast<int64_t>(v)...}};
}
constexpr dusk_index dusk__index_cxx(dusk_index_kind kind, int64_t start, int64_t stop,
                                     int64_t step, const int64_t *list, int64_t n)
{
    return dusk_index{kind, start, stop, step, list, n};
}
#endif
#endif /* DUSK_ARRAY_H */
