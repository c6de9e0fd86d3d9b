/*
** dusk — the one allocation path
** Library: libdusk (core/: pthreads and libc only).
**
** Every byte dusk allocates goes through these functions, so that a test can
** make the N-th allocation fail (the way SQLite and Lua test their
** out-of-memory paths) and check that the call returns DUSK_ENOMEM and that
** the count of live blocks comes back to where it was.
**
** Thread-safe: the counters are atomics, in per-thread shards.
*/
#ifndef DUSK_ALLOC_H
#define DUSK_ALLOC_H

#include <stddef.h>

#include "version.h"

#ifdef __cplusplus
extern "C" {
#endif

DUSK_API void *dusk_malloc(size_t n);
DUSK_API void *dusk_calloc(size_t count, size_t size);
DUSK_API void *dusk_realloc(void *p, size_t n);   /* p NULL: as dusk_malloc */
DUSK_API void dusk_free(void *p); /* dusk_free(NULL) is a no-op */
DUSK_API char *dusk_strdup(const char *s);        /* NULL for NULL */

/* Failure injection. dusk_alloc_fail_after(n) makes the allocation n calls
 * from now (0 = the next one) and every later one fail, until
 * dusk_alloc_fail_after(-1) turns injection off. dusk_alloc_fail_once(n)
 * makes that one allocation fail and the later ones succeed (SQLite's
 * transient failure): it finds code that goes on after a failure as if
 * nothing had been lost. dusk_alloc_fail_after(-1) also ends it. */
DUSK_API void dusk_alloc_fail_after(long n);
DUSK_API void dusk_alloc_fail_once(long n);
/* How many allocations have been attempted since the process started. */
DUSK_API unsigned long dusk_alloc_calls(void);
/* How many blocks are allocated and not yet freed. */
DUSK_API long dusk_alloc_live(void);

#ifdef __cplusplus
}
#endif
#endif /* DUSK_ALLOC_H */
