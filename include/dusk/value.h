/*
** dusk — values: what tasks take and return
** Library: libdusk (core/).
**
** A dusk_value is reference-counted and immutable once it has been handed to
** a graph or returned from a task. Kinds: none, bool, int (int64), float
** (double), string, tuple (an ordered list of values), ndarray (a chunk of an
** array) and opaque (a user pointer with a destructor and a byte size).
** Every value reports its size in bytes; a scheduler's memory accounting is
** the sum of the sizes of the values it holds.
**
** Ownership, stated once: every function that returns a dusk_value * returns
** a new reference, which the caller owns and ends with dusk_value_unref().
** Functions that take a dusk_value * borrow it, except those whose comment
** says they steal it (the callee then owns that reference, also on failure).
** Constructors return NULL when allocation fails.
**
** NULL, as error.h's rule has it: a constructor given NULL where it needs
** a pointer returns NULL; readers of a NULL value answer DUSK_KIND_NONE, 0,
** false or NULL (dusk_value_float 0.0, dusk_ndarray_dtype 0).
**
** Reference counts are atomic, so values may be shared between threads.
**
** What a program may rely on: a value is only touched through these
** functions. A dusk_value * is a handle, not necessarily the address of
** anything: an int from -2^62 to 2^62 - 1 (on 64-bit machines; on 32-bit
** ones, -2^30 to 2^30 - 1) is carried in the pointer itself, with no
** allocation, so making one, referencing it and dropping it cost nothing
** and cannot fail. Never dereference a dusk_value *, never compare two
** values by pointer to decide whether they are equal (use
** dusk_value_equal; two makes of one int may or may not be the same
** pointer), and never put bits of your own in the pointer.
*/
#ifndef DUSK_VALUE_H
#define DUSK_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "version.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dusk_value dusk_value;

typedef enum {
    DUSK_KIND_NONE = 0,
    DUSK_KIND_BOOL,
    DUSK_KIND_INT,
    DUSK_KIND_FLOAT,
    DUSK_KIND_STRING,
    DUSK_KIND_TUPLE,
    DUSK_KIND_NDARRAY,
    DUSK_KIND_OPAQUE
} dusk_kind;

/* NumPy's dtypes, by their short codes. C16 (complex128) and C8
 * (complex64) hold the real part then the imaginary part, each an f8 or
 * an f4, as C's double complex and float complex; F2 is IEEE 754 half
 * precision (binary16), NumPy's float16. The later codes were added last
 * so that the earlier ones (and the encoder's dtype bytes) keep their
 * numbers. */
typedef enum {
    DUSK_DT_F8 = 0, DUSK_DT_F4, DUSK_DT_I8, DUSK_DT_I4, DUSK_DT_I2, DUSK_DT_I1,
    DUSK_DT_U8, DUSK_DT_U4, DUSK_DT_U2, DUSK_DT_U1, DUSK_DT_BOOL, DUSK_DT_C16,
    DUSK_DT_C8, DUSK_DT_F2,
    DUSK_DT_COUNT
} dusk_dtype;

#define DUSK_MAXDIMS 32

/* How deep values and arguments may nest: a tuple holding only scalars
 * is 1 deep, a tuple of such tuples 2, and so on (a list argument counts
 * the same way, plus the depth of the literals in it). Python stops
 * recursing at 1,000 too. Every walk over a value (printing, comparing,
 * freeing, encoding) and over an argument recurses once per level, so
 * the limit bounds the stack a walk needs (under 100 KiB on x86-64 at
 * -O2, so a thread of 256 KiB is ample; more under sanitizers); what would
 * nest deeper is refused where it is made,
 * without recursing into it: dusk_tuple_of returns NULL, dusk_tuple_set
 * leaves None and marks the tuple too deep, and graphs, runs and the
 * encoder refuse such a tuple with DUSK_EINVAL naming the key. */
#define DUSK_MAX_DEPTH 1000

/* --- constructors (new reference, or NULL on allocation failure) ---------- */
DUSK_API dusk_value *dusk_none(void);      /* never NULL: None is a static value */
DUSK_API dusk_value *dusk_bool(bool b);    /* never NULL: True and False are static */
/* An int from -2^62 to 2^62 - 1 (see above) is never NULL, and making or
 * dropping it costs nothing; only ints beyond are allocated. Either way it
 * reads, prints, compares and encodes the same. */
DUSK_API dusk_value *dusk_int(int64_t i);
DUSK_API dusk_value *dusk_float(double d);
DUSK_API dusk_value *dusk_string(const char *s);         /* copies s */
DUSK_API dusk_value *dusk_string_n(const char *s, size_t n);
/* A tuple of n items, each None until set with dusk_tuple_set(). */
DUSK_API dusk_value *dusk_tuple_new(size_t n);
/* A tuple of the given items; steals each (NULL items, or items so deep
 * that the tuple would nest deeper than DUSK_MAX_DEPTH, make the call fail
 * with NULL, after dropping the others). items may be NULL when n is 0. */
DUSK_API dusk_value *dusk_tuple_of(size_t n, dusk_value **items);
/* Opaque: dtor(ptr) runs when the last reference goes; nbytes is what the
 * value reports as its size. ptr may be NULL, and dtor (then nothing runs). */
DUSK_API dusk_value *dusk_opaque(void *ptr, void (*dtor)(void *), size_t nbytes);
/* A C-contiguous ndarray, zero-filled. ndim may be 0 (a scalar array). */
DUSK_API dusk_value *dusk_ndarray_new(dusk_dtype dtype, int ndim, const int64_t *shape);
/* The same with its elements not initialised (NumPy's empty): for code
 * that writes every element, which saves clearing the pages first. */
DUSK_API dusk_value *dusk_ndarray_empty(dusk_dtype dtype, int ndim, const int64_t *shape);
/* A view of parent (which it keeps alive): data starts offset bytes into
 * parent's data, with the given shape and strides (in bytes). */
DUSK_API dusk_value *dusk_ndarray_view(dusk_value *parent, int ndim,
                              const int64_t *shape, const int64_t *strides,
                              int64_t offset);

/* --- references ---------------------------------------------------------- */
DUSK_API dusk_value *dusk_value_ref(dusk_value *v);  /* returns v; NULL-safe */
DUSK_API void dusk_value_unref(dusk_value *v);       /* NULL-safe */

/* --- reading ------------------------------------------------------------- */
DUSK_API dusk_kind dusk_value_kind(const dusk_value *v);
DUSK_API const char *dusk_kind_name(dusk_kind k);    /* "int", "tuple", ... */
/* Bytes this value accounts for: 8 for numbers, the text for strings, the
 * items plus 8 per slot for tuples, the elements for ndarrays (a view counts
 * the elements it shows), nbytes for opaque values. */
DUSK_API size_t dusk_value_nbytes(const dusk_value *v);

DUSK_API bool dusk_value_bool(const dusk_value *v);
/* Of bool/int/float (a float truncated); 0 for anything else, so a task
 * function that must refuse a string or None reads with
 * dusk_value_get_int instead. */
DUSK_API int64_t dusk_value_int(const dusk_value *v);
/* True for an int or a bool, with *out (when out is not NULL) its value;
 * false, *out untouched, for anything else (a float, a string, None...):
 * what tells "not an integer" from 0. */
DUSK_API bool dusk_value_get_int(const dusk_value *v, int64_t *out);
DUSK_API double dusk_value_float(const dusk_value *v); /* of bool/int/float */
/* True for bool, int and float; *out (when out is not NULL) gets the
 * number as a double. */
DUSK_API bool dusk_value_number(const dusk_value *v, double *out);
DUSK_API const char *dusk_value_str(const dusk_value *v);  /* NULL unless string */
DUSK_API size_t dusk_tuple_len(const dusk_value *v);       /* 0 unless tuple */
DUSK_API dusk_value *dusk_tuple_get(const dusk_value *v, size_t i); /* borrowed */
/* Puts item at i, stealing it and dropping what was there (a NULL item puts
 * None; a NULL t, or i out of range, drops item). Only for a tuple nobody
 * else sees yet. An item that would make t nest deeper than
 * DUSK_MAX_DEPTH is dropped instead, None stays at i, and t is marked too
 * deep (dusk_value_too_deep): a graph, a run and the encoder refuse it. */
DUSK_API void dusk_tuple_set(dusk_value *t, size_t i, dusk_value *item);
DUSK_API void *dusk_opaque_ptr(const dusk_value *v);

/* ndarray accessors (of NULL or of a value of another kind: 0, NULL,
 * false). */
DUSK_API dusk_dtype dusk_ndarray_dtype(const dusk_value *v);
DUSK_API int dusk_ndarray_ndim(const dusk_value *v);
DUSK_API const int64_t *dusk_ndarray_shape(const dusk_value *v);
DUSK_API const int64_t *dusk_ndarray_strides(const dusk_value *v); /* in bytes */
DUSK_API void *dusk_ndarray_data(const dusk_value *v);
/* True when v is an ndarray whose elements lie in C order with no gaps. */
DUSK_API bool dusk_ndarray_is_contiguous(const dusk_value *v);
DUSK_API int64_t dusk_ndarray_size(const dusk_value *v);  /* element count */

DUSK_API const char *dusk_dtype_name(dusk_dtype t);   /* "float64", "int32", ... */
DUSK_API const char *dusk_dtype_code(dusk_dtype t);   /* "f8", "i4", ... */
DUSK_API size_t dusk_dtype_size(dusk_dtype t);        /* bytes per element */

/* How deep v nests (0 for anything but a tuple; see DUSK_MAX_DEPTH), and
 * whether it is a tuple that refused an item for being too deep. */
DUSK_API int dusk_value_depth(const dusk_value *v);
DUSK_API bool dusk_value_too_deep(const dusk_value *v);

/* Python-style text: None, True, 13, 2.5, 'text', (1, 2, 3), (1,),
 * ndarray<float64, (5, 5)>. Writes at most n bytes including the NUL,
 * truncating with "..."; returns the length the full text would have.
 * buf may be NULL (nothing written); v NULL gives "" and 0. */
DUSK_API size_t dusk_value_repr(const dusk_value *v, char *buf, size_t n);
/* Structural equality: same kind and contents (numbers compare as numbers,
 * so 1 == 1.0 == True, as in Python). Two NULLs are equal, NULL and a
 * value are not. */
DUSK_API bool dusk_value_equal(const dusk_value *a, const dusk_value *b);

#ifdef __cplusplus
}
#endif
#endif /* DUSK_VALUE_H */
