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

#define DUSK__MAXIN 16  /* inputs of one blockwise task (joins read many) */

/* What a layer's tasks compute. */
typedef enum {
    K_FILL, K_ARANGE, K_LINSPACE, K_NORMAL, K_UNIFORM,
    K_GET_H5, K_GET_BUF,
    K_BINOP, K_BINOP_SCALAR, K_UNOP, K_ASTYPE, K_TRANSPOSE,
    K_RED_CHUNK, K_RED_COMBINE, K_RED_AGG,
    K_RECHUNK, K_RSPLIT, K_STORE, K_CUSTOM
} kkind;

typedef struct kparams kparams;

/* A kernel for operations that bring their own (slicing, joining, block
 * products): called with the same arguments as dusk__block_task. */
typedef int (*dusk__kernel)(const kparams *kp, dusk_value *const *args, size_t nargs,
                            dusk_value **out, dusk_error *err);

struct kparams {
    dusk_func func;              /* name: the operation, as Dask names it */
    char opname[40];
    kkind kind;
    int op;                      /* dusk_binop, dusk_unop or dusk_reduction */
    dusk_dtype dtype;            /* of the output */
    int ndim;                    /* of the output blocks' grid */
    int64_t *off[DUSK_MAXDIMS];  /* block boundaries per axis (nb + 1) */
    int64_t *in_off[DUSK_MAXDIMS];  /* K_RECHUNK: the input's boundaries */
    double a, b;                 /* fill; start, step; loc, scale; low, high; scalar */
    uint64_t seed;
    int scalar_first;
    int perm[DUSK_MAXDIMS];
    uint64_t axes;               /* reduced axes of the input */
    int keepdims, ddof;
    dusk_dtype acc_dtype;
    struct dusk__h5dst *dst;     /* K_STORE */
    dusk__kernel kernel;         /* K_CUSTOM */
    void *extra;                 /* K_CUSTOM: the operation's own data */
    void (*extra_free)(void *);
};

/* L_BLOCKS: one task per output block, reading one block of each input.
 * L_REDUCE: each output block reads a group of input blocks (a list).
 * L_GATHER: a rechunk, as Dask builds it: each output block merges the
 *   pieces of the input blocks it overlaps, split off by tasks of their
 *   own where a piece is only part of a block.
 * L_ORIGINAL: one string key holding a value.
 * L_CUSTOM: the layer's inputs() callback says what each block reads. */
typedef enum { L_BLOCKS, L_REDUCE, L_GATHER, L_ORIGINAL, L_CUSTOM } lkind;

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
    /* L_CUSTOM: the arguments after (params, index) of block idx, as new
     * dusk_args (references or lists of them); returns how many (at most
     * DUSK__MAXIN), or -1 when out of memory. */
    int (*inputs)(const layer *L, const int64_t *idx, dusk_arg **out);
    void *data;                  /* for inputs(); freed with data_free */
    void (*data_free)(void *);
    int64_t ntasks;
    const char *deps[DUSK__MAXIN];
    unsigned visit;              /* traversal stamp */
};

struct dusk_array {
    dusk_array_ctx *ctx;
    dusk_array *next;            /* in the context's list */
    int status;                  /* 0, or the error that made it */
    char *msg;                   /* its message (owned), when status != 0 */
    layer *L;                    /* the layer whose blocks it is */
    int ndim;
    int64_t shape[DUSK_MAXDIMS];
    int64_t nb[DUSK_MAXDIMS];    /* blocks per axis */
    int64_t *chunks[DUSK_MAXDIMS];  /* block sizes per axis, in chunkbuf */
    int64_t *chunkbuf;
    dusk_dtype dtype;
};

struct dusk_array_ctx {
    dusk_array *arrays;
    layer *layers;
    dusk_error first;            /* the first error of any array */
    unsigned stamp;              /* for layer traversals */
};

/* --- building blocks for array operations (core/array.c) --------------- */

/* An array in an error state with a formatted message; never NULL. */
dusk_array *dusk__array_fail(dusk_array_ctx *ctx, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
dusk_array *dusk__array_oom(dusk_array_ctx *ctx, const char *what);
/* The first of a and b that is NULL or in an error state, else NULL. */
dusk_array *dusk__array_bad_input(dusk_array *a, dusk_array *b);
/* 32 hex digits hashing the formatted text. */
void dusk__token(char out[33], const char *fmt, ...);
void dusk__fmt_shape(char *buf, size_t n, int ndim, const int64_t *shape);
/* Kernel parameters for output blocks of the given chunks (a new opaque
 * value, or NULL); *out points into it. */
dusk_value *dusk__params_new(kkind kind, const char *opname, dusk_dtype dtype, int ndim,
                             int64_t *const *chunks, const int64_t *nb, kparams **out);
/* A layer named prefix-tok in ctx; takes params over (also on failure). */
layer *dusk__layer_new(dusk_array_ctx *ctx, const char *prefix, const char *tok, lkind kind,
                       dusk_value *params, int ndim, const int64_t *shape, const int64_t *nb,
                       dusk_dtype dtype);
void dusk__layer_input(layer *L, layer *in);
/* The array of L's blocks (chunks copied). */
dusk_array *dusk__array_new(dusk_array_ctx *ctx, layer *L, int ndim, const int64_t *shape,
                            int64_t *const *chunks, const int64_t *nb, dusk_dtype dtype);
/* Normalises a chunks text for shape; on failure sets *err_out. */
int dusk__normalize_chunks(dusk_array_ctx *ctx, const char *text, int ndim, const int64_t *shape,
                           dusk_dtype dtype, int64_t **buf, int64_t *nb, int64_t **per,
                           dusk_array **err_out);

/* The task function of every array task (core/blocks.c). */
int dusk__block_task(dusk_value *const *args, size_t nargs, dusk_value **out,
                     dusk_error *err, void *ud);

#endif /* DUSK_CORE_ARRAY_H */
