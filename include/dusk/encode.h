/*
** dusk — values as bytes: the encoding that lets tasks travel
** Library: libdusk (core/).
**
** A processes or MPI scheduler sends task arguments and results between
** address spaces. These functions turn a dusk_value into a compact binary
** form and back: numbers, strings and tuples as a tagged tree, ndarrays as
** their raw elements with dtype and shape. Opaque values (a pointer and a
** destructor) mean nothing in another process and are refused.
**
** Ownership, as everywhere in dusk: encoding borrows the value; a decoded
** value is a new reference the caller ends with dusk_value_unref();
** dusk_value_encode's buffer comes from dusk_malloc and the caller frees
** it with dusk_free. Decoding treats its input as hostile: whatever the
** bytes, it returns a value or DUSK_EINVAL with a message that names what
** is wrong and the byte offset, and it never reads outside the buffer,
** overflows the stack, or leaks.
**
** The format, version 1 (all multi-byte numbers little-endian, whatever
** the host; "offset" counts bytes from the first byte of the header):
**
**   encoding := header value
**   header   := 'd' 's' 'k' 0x01          (magic, then the format version)
**   value    := 'N'                        None
**             | 'F' | 'T'                  False, True
**             | 'i' varint(zigzag(x))      int64 x
**             | 'f' f64                    float64: its 8 bytes, bit-exact
**                                          (NaN payloads, -0.0, inf)
**             | 's' varint(n) byte*n       string of n bytes (any bytes)
**             | 't' varint(n) value*n      tuple of n items
**             | 'a' dtype ndim varint(extent)*ndim pad elements
**                                          ndarray
**   varint   := unsigned LEB128: 7 bits a byte, low bits first, the high
**               bit set on every byte but the last; at most 10 bytes, and
**               canonical (no redundant trailing 0x80 0x00 ... groups)
**   zigzag   := (x << 1) ^ (x >> 63), so small negatives stay short
**   dtype    := one byte, a dusk_dtype (0 f8, 1 f4, 2 i8, 3 i4, 4 i2, 5 i1,
**               6 u8, 7 u4, 8 u2, 9 u1, 10 bool, 11 c16, 12 c8, 13 f2)
**   ndim     := one byte, 0 .. DUSK_MAXDIMS (0 is a 0-d, one-element array)
**   pad      := zero bytes up to the next offset that is a multiple of
**               DUSK_ENCODE_ALIGN (16), so that a buffer which starts on a
**               16-byte boundary holds every array's elements aligned and
**               a decoder can view them in place
**   elements := the product of the extents times the dtype's size bytes:
**               the elements in C order (last index fastest), each
**               little-endian (c16: real then imaginary, each an f64;
**               c8 the same with f32s; f2: an IEEE binary16;
**               bool: one byte, 0 false, other values passed on as they
**               are). Views, with any strides, are written contiguously.
**
** Limits, checked by both sides: at most DUSK_ENCODE_MAXDEPTH tuples
** nest one inside another (so recursion stays shallow); ndim <=
** DUSK_MAXDIMS; the product of an ndarray's non-zero extents is below
** 2^59 (so its size in bytes fits in 63 bits). A decoder also refuses a
** length or count larger than the bytes that remain, non-zero padding, an
** unknown tag or dtype, a non-canonical varint and, when the caller asks
** for exactly one value, bytes after it. So the encoding is canonical:
** decoding then re-encoding gives back the same bytes.
**
** Thread-safe: no shared state.
*/
#ifndef DUSK_ENCODE_H
#define DUSK_ENCODE_H

#include <stddef.h>

#include "error.h"
#include "value.h"
#include "version.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DUSK_ENCODE_VERSION 1    /* the format version this dusk writes and reads */
#define DUSK_ENCODE_ALIGN 16     /* ndarray elements start at a multiple of this */
#define DUSK_ENCODE_MAXDEPTH 64  /* tuples nested deeper cannot be encoded */

/* The number of bytes dusk_value_encode would write for v, or 0 when v
 * cannot be encoded (it holds an opaque value or nests too deep; the
 * encode functions say why). */
DUSK_API size_t dusk_value_encoded_size(const dusk_value *v);

/* Encodes v into a new buffer from dusk_malloc: *out gets it and *len its
 * size; the caller frees it with dusk_free. On failure *out is NULL and
 * the call returns DUSK_ETYPE (an opaque value, named by its position),
 * DUSK_EINVAL (nesting too deep, or too large for memory) or DUSK_ENOMEM. */
DUSK_API int dusk_value_encode(const dusk_value *v, void **out, size_t *len,
                               dusk_error *err);

/* Encodes v into the caller's buf of cap bytes (shared memory, say) and
 * sets *len (len may be NULL) to the bytes written. When cap is too small
 * (or buf is NULL: no room) nothing is written, *len gets the size needed
 * and the call returns DUSK_EINVAL;
 * other failures as dusk_value_encode. For the receiver to view arrays in
 * place, buf should start on a DUSK_ENCODE_ALIGN boundary. */
DUSK_API int dusk_value_encode_to(const dusk_value *v, void *buf, size_t cap,
                                  size_t *len, dusk_error *err);

/* Decodes the encoding at the start of buf (len bytes) into a new value
 * (*out; NULL on failure) that copies everything it needs: buf may go
 * once the call returns. With used NULL, buf must hold exactly one
 * encoding; otherwise *used gets the bytes it took and more may follow.
 * Returns 0, DUSK_EINVAL for bad input, or DUSK_ENOMEM. */
DUSK_API int dusk_value_decode(const void *buf, size_t len, dusk_value **out,
                               size_t *used, dusk_error *err);

/* As dusk_value_decode, but ndarrays whose elements sit in buf suitably
 * aligned for their dtype (and on a little-endian host) become views of
 * buf instead of copies: no bytes are copied. Each such view holds a
 * reference to owner, the value that keeps buf alive (an opaque value
 * whose destructor unmaps a shared-memory segment, say); owner is
 * borrowed, so the caller may drop its own reference afterwards. The
 * bytes must not change while any view lives. Other arrays, and all
 * other values, are copied as by dusk_value_decode. owner must not be
 * NULL. */
DUSK_API int dusk_value_decode_view(const void *buf, size_t len, dusk_value *owner,
                                    dusk_value **out, size_t *used, dusk_error *err);

#ifdef __cplusplus
}
#endif
#endif /* DUSK_ENCODE_H */
