/*
** dusk — chunked array internals. This file is private to dusk's core.
**
** An array is a view of its last layer: shape, dtype and chunk grid. A
** layer knows how to emit its tasks into a dusk_graph (one per output
** block, except 'original-array' layers, which hold one value) and which
** layers it reads. Both belong to their context and die with it.
**
** What a task needs at run time travels in the graph itself, as a shared
** opaque value (kparams) that is each task's first argument, followed by
** the block's index as a tuple and then its input blocks. kparams also
** holds the dusk_func the tasks run, named after the layer's operation,
** so a graph stays valid after its context is freed.
*/
#ifndef DUSK_CORE_ARRAY_H
#define DUSK_CORE_ARRAY_H

#include "dusk/array.h"
#include "h5.h"

#define DUSK__MAXIN 2

/* What a layer's tasks compute. */
typedef enum {
    K_FILL, K_ARANGE, K_LINSPACE, K_NORMAL, K_UNIFORM,
    K_GET_H5, K_GET_BUF,
    K_BINOP, K_BINOP_SCALAR, K_UNOP, K_ASTYPE, K_TRANSPOSE,
    K_RED_CHUNK, K_RED_COMBINE, K_RED_AGG,
    K_STORE
} kkind;

typedef struct kparams {
    dusk_func func;              /* name: the operation, as Dask names it */
    char opname[40];
    kkind kind;
    int op;                      /* dusk_binop, dusk_unop or dusk_reduction */
    dusk_dtype dtype;            /* of the output */
    int ndim;                    /* of the output blocks' grid */
    int64_t *off[DUSK_MAXDIMS];  /* block boundaries per axis (nb + 1) */
    double a, b;                 /* fill; start, step; loc, scale; low, high; scalar */
    uint64_t seed;
    int scalar_first;
    int perm[DUSK_MAXDIMS];
    uint64_t axes;               /* reduced axes of the input */
    int keepdims, ddof;
    dusk_dtype acc_dtype;
    struct dusk__h5dst *dst;     /* K_STORE */
} kparams;

typedef enum { L_BLOCKS, L_REDUCE, L_ORIGINAL } lkind;

typedef struct layer layer;
struct layer {
    layer *next;                 /* in the context's list */
    char *name;                  /* 'add-<token>' */
    char op[40];                 /* key_split of name */
    lkind kind;
    dusk_value *params;          /* opaque kparams; NULL for L_ORIGINAL */
    dusk_value *literal;         /* L_ORIGINAL: its value */
    int ndim;
    int64_t shape[DUSK_MAXDIMS];
    int64_t nb[DUSK_MAXDIMS];    /* blocks per axis */
    dusk_dtype dtype;
    int nin;
    layer *in[DUSK__MAXIN];
    /* L_BLOCKS: input i's block index along its axis d is the output's
     * along axis map[i][d], or 0 when map[i][d] is -1 (broadcast). */
    int map[DUSK__MAXIN][DUSK_MAXDIMS];
    /* L_REDUCE: each output block gathers, along every axis in split,
     * split[d] consecutive input blocks; out_axis[d] is the output axis of
     * input axis d, -1 when it is dropped. */
    int64_t split[DUSK_MAXDIMS];
    int out_axis[DUSK_MAXDIMS];
    int64_t ntasks;
    const char *deps[DUSK__MAXIN];
    unsigned visit;              /* traversal stamp */
};

#endif /* DUSK_CORE_ARRAY_H */
