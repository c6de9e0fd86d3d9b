/*
** dusk — value internals. This file is private to dusk's core.
*/
#ifndef DUSK_CORE_VALUE_H
#define DUSK_CORE_VALUE_H

#include <stdatomic.h>
#include <stdint.h>

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
/* The same for the function registry's lock (builtins.c): the child looks
 * its tasks' functions up. */
void dusk__registry_after_fork(void);

/* The depth of a tuple that refused an item for nesting too deep. */
#define DUSK__TOO_DEEP (DUSK_MAX_DEPTH + 1)

struct dusk_value {
    atomic_long rc;          /* references; static values are never freed */
    unsigned char kind;      /* a dusk_kind */
    unsigned char is_static; /* None, True and False */
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
/* The low bit of a real value's address is 0: it tells ints in the
 * pointer (below) from values. */
_Static_assert(_Alignof(dusk_value) >= 2, "a dusk_value's address is even");

/* --- ints in the pointer -------------------------------------------------
 * An int that fits in a pointer less one bit (on 64-bit machines, -2^62 ..
 * 2^62 - 1) is not allocated: dusk_int returns a pointer whose low bit is
 * 1 and whose other bits are the int (OCaml's and Lua's immediates). A
 * real value is at least 8-byte aligned, so its low bit is 0 and the two
 * never meet. Such a pointer must never be dereferenced: code in core that
 * reads struct dusk_value's fields asks dusk__is_imm first, or goes
 * through the helpers below. Ints outside that range are boxed (kind INT,
 * u.i), so every int has exactly one representation. */
#define DUSK__IMM_MIN ((int64_t)(INTPTR_MIN / 2))
#define DUSK__IMM_MAX ((int64_t)(INTPTR_MAX / 2))

static inline int dusk__is_imm(const dusk_value *v) { return (int)((uintptr_t)v & 1); }

static inline int dusk__int_fits_imm(int64_t i)
{
    return i >= DUSK__IMM_MIN && i <= DUSK__IMM_MAX;
}

/* Only for i that fits (dusk__int_fits_imm). The shift is done unsigned:
 * shifting a negative int left is undefined in C. */
static inline dusk_value *dusk__imm(int64_t i)
{
    return (dusk_value *)(((uintptr_t)(intptr_t)i << 1) | 1u);
}

/* An arithmetic shift right, written so that it is one (C leaves >> of a
 * negative number to the implementation). */
static inline int64_t dusk__imm_int(const dusk_value *v)
{
    intptr_t s = (intptr_t)(uintptr_t)v;
    return (int64_t)(s >= 0 ? s >> 1 : ~(~s >> 1));
}

/* dusk_value_kind, inline. */
static inline dusk_kind dusk__kind(const dusk_value *v)
{
    if (!v)
        return DUSK_KIND_NONE;
    return dusk__is_imm(v) ? DUSK_KIND_INT : (dusk_kind)v->kind;
}

/* The int of a value of kind DUSK_KIND_INT (immediate or boxed). */
static inline int64_t dusk__int_of(const dusk_value *v)
{
    return dusk__is_imm(v) ? dusk__imm_int(v) : v->u.i;
}

/* dusk_int, inline for the ints that need no allocation. */
static inline dusk_value *dusk__int(int64_t i)
{
    return dusk__int_fits_imm(i) ? dusk__imm(i) : dusk_int(i);
}

/* dusk_value_depth, inline (0 for NULL and for anything but a tuple). */
static inline int dusk__depth(const dusk_value *v)
{
    return v && !dusk__is_imm(v) ? v->depth : 0;
}

/* dusk_value_nbytes, with the scalars (most results of small tasks)
 * answered inline: a scheduler asks for it twice a task. */
static inline size_t dusk__value_nbytes_fast(const dusk_value *v)
{
    if (!v)
        return 0;
    if (dusk__is_imm(v))
        return 8;
    if (v->kind <= DUSK_KIND_FLOAT)
        return v->kind == DUSK_KIND_NONE ? 0 : 8;
    return dusk_value_nbytes(v);
}

#endif /* DUSK_CORE_VALUE_H */
