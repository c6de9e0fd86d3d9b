/*
** dusk — helpers shared by joining (array/join.c) and block products
** (array/linalg.c). This file is private to libdusk-array.
*/
#ifndef DUSK_ARRAY_JOIN_H
#define DUSK_ARRAY_JOIN_H

#include "array.h"

/* Dask's unify_chunks for n arrays: group[k][d] is the index (0, 1, ...)
 * that axis d of array k carries, or -1 for an axis that shares with
 * nothing. The axes of one index get common chunks, as Dask's
 * common_blockdim finds them (a single block of length 1 broadcasts and
 * does not count; one chunking with more than one block wins; several are
 * refined into one that divides them all); every array that then differs
 * along an axis longer than 1 is rechunked, and arrs[k] replaced.
 * Returns 0, or -1 with *err set to an array in an error state. */
int dusk__unify_chunks(dusk_array **arrs, int n, int (*group)[DUSK_MAXDIMS], const char *what,
                       dusk_array **err);

#endif /* DUSK_ARRAY_JOIN_H */
