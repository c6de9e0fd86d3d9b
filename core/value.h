/*
** dusk — value internals. This file is private to dusk's core.
*/
#ifndef DUSK_CORE_VALUE_H
#define DUSK_CORE_VALUE_H

#include <stdatomic.h>

#include "dusk/value.h"

typedef struct dusk__ndarray {
    dusk_dtype dtype;
    int ndim;
    int64_t *shape;          /* ndim entries, in the value's trailing area */
    int64_t *strides;        /* ndim entries, in bytes */
    char *data;
    dusk_value *parent;      /* a view keeps its parent alive; NULL if owner */
    size_t nbytes;           /* bytes this array shows */
} dusk__ndarray;

/* Big buffers (ndarray data, core/alloc.c): while a run goes (between
 * hold and release, which dusk__compute_on calls around the run), freed
 * ones are kept for the next allocation of about their size instead of
 * going back to the kernel. n is the size asked for; free takes the same. */
void *dusk__big_alloc(size_t n, int zero);
void dusk__big_free(void *p, size_t n);
void dusk__big_hold(void);
void dusk__big_release(void);
size_t dusk__big_cached(void);   /* bytes waiting in the cache, for tests */
/* In a child just forked (the processes scheduler's workers): a lock and
 * cache of its own, as another thread may have held the parent's. */
void dusk__big_after_fork(void);

/* The depth of a tuple that refused an item for nesting too deep. */
#define DUSK__TOO_DEEP (DUSK_MAX_DEPTH + 1)

struct dusk_value {
    atomic_long rc;          /* references; static values are never freed */
    unsigned char kind;      /* a dusk_kind */
    unsigned char is_static; /* None, True, False, small ints */
    unsigned short depth;    /* tuples: 1 + the deepest item, at most
                                DUSK_MAX_DEPTH, or DUSK__TOO_DEEP; else 0 */
    union {
        bool b;
        int64_t i;
        double d;
        struct { size_t len; char *s; } str;             /* s: trailing area */
        struct { size_t n; dusk_value **items; } tup;
        struct { void *ptr; void (*dtor)(void *); size_t nbytes; } op;
        dusk__ndarray nd;
    } u;
};


#endif /* DUSK_CORE_VALUE_H */
