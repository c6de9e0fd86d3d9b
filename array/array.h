/*
** dusk — chunked array internals. This file is private to libdusk-array.
**
** An array is a view of its last layer: shape, dtype and chunk grid. A
** layer knows how to emit its tasks into a dusk_graph (one per output
** block, except 'original-array' layers, which hold one value, and
** rechunks, which add split tasks) and which layers it reads. Arrays and
** layers belong to their context and die with it.
**
** Blocks of unknown size (x[mask], compress, unique: Dask's chunks of nan)
** hold DUSK_UNKNOWN_SIZE in the array's shape and chunks along those axes
** (and in their layer's shape, which pictures show as nan), and the most
** they can hold in the array's bound, which the memory check counts.
** Only the builders on array.c's allow-list take such an array (the one
** check is dusk__array_input); they make layers whose bounds are None, so
** no kernel reads a planned size, and compute sizes the result from the
** blocks.
**
** A layer's tasks run one entry of the operation table (array/ops.h) and
** take only values: the layer's shared parameter tuple, the block's index
** and the input blocks. So a graph stays valid after its context is freed,
** and a task can be encoded and run in another process.
**
** Where the code lives:
**   array.c    contexts, errors, arrays and layers, tokens, descriptions
**   chunks.c   chunk specs ("auto", "(5, 5)", ...) to block sizes
**   create.c   ones, zeros, full, arange, linspace, eye, random, from_buffer,
**              from_hdf5, and their kernels
**   hist.c     histograms (a count per block, summed)
**   elemwise.c broadcasting binops, unops, astype, transpose
**   reduce.c   tree reductions (chunk, combine, aggregate)
**   rechunk.c  rechunk-merge and rechunk-split
**   slicing.c, join.c, linalg.c   getitem (x[mask], compress), concatenate/stack, products
**   unique.c   unique (blocks of unknown size)
**   reshape.c  reshape and ravel
**   map.c      map_blocks, blockwise, elemwise, reduction with user functions
**   lapack.c   factorisations (tsqr, qr, svd) through LAPACKE
**   emit.c     layers to tasks (dusk_array_graph)
**   store.c    compute and store
**   memlimit.c the memory they may take, checked before they start
**   ops.c      the operation table, task arguments, registration
**   nd.c       the arithmetic on ndarray blocks
**   h5.c       every libhdf5 call
*/
#ifndef DUSK_ARRAY_ARRAY_H
#define DUSK_ARRAY_ARRAY_H

#include "dusk/array.h"
#include "ops.h"

#define DUSK__MAXIN 16  /* inputs of one blockwise task (joins read many) */

/* How a layer's tasks find their inputs.
 * BLOCKS:   one task per output block, reading one block of each input.
 * REDUCE:   each output block reads a group of input blocks (a list).
 * GATHER:   a rechunk, as Dask builds it: each output block merges the
 *           pieces of the input blocks it overlaps, split off by tasks of
 *           their own where a piece is only part of a block.
 * ORIGINAL: one string key holding a value.
 * CUSTOM:   the layer's inputs() callback says what each block reads. */
typedef enum {
    DUSK__L_BLOCKS, DUSK__L_REDUCE, DUSK__L_GATHER, DUSK__L_ORIGINAL, DUSK__L_CUSTOM
} dusk__lkind;

typedef struct dusk__layer dusk__layer;
struct dusk__layer {
    dusk__layer *next;           /* in the context's list */
    char *name;                  /* 'add-<token>' */
    char op[40];                 /* key_split of name */
    dusk__lkind kind;
    const dusk__op *kop;         /* what its tasks run; NULL for ORIGINAL */
    const dusk_func *func;       /* a user's function its tasks run instead (map.c) */
    dusk_value *params;          /* the tasks' shared parameter tuple */
    dusk_value *literal;         /* ORIGINAL: its value */
    int ndim;
    int64_t shape[DUSK_MAXDIMS];
    int64_t nb[DUSK_MAXDIMS];    /* blocks per axis */
    dusk_dtype dtype;
    int nin;
    dusk__layer *in[DUSK__MAXIN];
    /* BLOCKS: input i's block index along its axis d is the output's
     * along axis map[i][d], or 0 when map[i][d] is -1 (broadcast). */
    int map[DUSK__MAXIN][DUSK_MAXDIMS];
    /* REDUCE: each output block gathers, along every axis in split,
     * split[d] consecutive input blocks; out_axis[d] is the output axis of
     * input axis d, -1 when it is dropped. */
    int64_t split[DUSK_MAXDIMS];
    int out_axis[DUSK_MAXDIMS];
    /* CUSTOM: the arguments after (params, index) of block idx, as new
     * dusk_args (references or lists of them); returns how many (at most
     * DUSK__MAXIN), or -1 when out of memory. */
    int (*inputs)(const dusk__layer *L, const int64_t *idx, dusk_arg **out);
    /* When set, emits every task of the layer itself (keys of several
     * names, as Dask's linear-algebra layers hold: array/lapack.c) and
     * ntasks is what it emits. 0, or a DUSK_E... code. */
    int (*emit)(dusk_graph *g, const dusk__layer *L);
    void *data;                  /* what emission needs; freed with data_free */
    void (*data_free)(void *);
    int64_t ntasks;
    /* Its tasks are counted and listed as part of the one layer that reads
     * it, as Dask merges a mixed getitem's 'slice' keys into its 'getitem'
     * layer: dusk_array_layers leaves it out (ntasks 0 here). */
    bool inner;
    const char *deps[DUSK__MAXIN];
    unsigned visit;              /* traversal stamp */
};

struct dusk_array {
    dusk_array_ctx *ctx;
    dusk_array *next;            /* in the context's list */
    int status;                  /* 0, or the error that made it */
    char *msg;                   /* its message (owned), when status != 0 */
    dusk__layer *L;              /* the layer whose blocks it is */
    int ndim;
    int64_t shape[DUSK_MAXDIMS];
    int64_t nb[DUSK_MAXDIMS];    /* blocks per axis */
    int64_t *chunks[DUSK_MAXDIMS];  /* block sizes per axis, in chunkbuf */
    int64_t *chunkbuf;
    dusk_dtype dtype;
    /* Blocks of unknown size (x[mask]): shape and chunks hold
     * DUSK_UNKNOWN_SIZE along those axes; bound holds, per axis, the most
     * it can hold (the shape where known): what the memory check counts. */
    bool unknown;
    int64_t bound[DUSK_MAXDIMS];
    int64_t bmax[DUSK_MAXDIMS];  /* its largest block along each axis (at most, where unknown) */
    /* per axis of unknown length, the layer whose blocks first had those
     * sizes (x[mask]'s ...), kept through the operations that keep them:
     * two such axes line up only when they come from the same one */
    const void *usrc[DUSK_MAXDIMS];
};

struct dusk_array_ctx {
    dusk_array *arrays;
    dusk__layer *layers;
    dusk_error first;            /* the first error of any array */
    unsigned stamp;              /* for layer traversals */
    bool no_memory_check;        /* dusk_array_ctx_set_memory_check(ctx, false) */
};

/* --- building blocks for array operations (array.c) --------------------- */

/* An array in an error state with a formatted message; never NULL. */
dusk_array *dusk__array_fail(dusk_array_ctx *ctx, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
dusk_array *dusk__array_oom(dusk_array_ctx *ctx, const char *what);
/* The first of a and b that is NULL or in an error state, else NULL; the
 * one place that refuses an input with blocks of unknown size (x[mask]):
 * DUSK_EINVAL naming the operation `who` and saying to compute the chunk
 * sizes, unless who is on the allow-list in array.c (the builders whose
 * kernels size their blocks from their inputs' values). The macro names
 * the calling function; a helper that checks for a public function passes
 * that one's name to dusk__array_input. */
dusk_array *dusk__array_input(dusk_array *a, dusk_array *b, const char *who);
#define dusk__array_bad_input(a, b) dusk__array_input((a), (b), __func__)
/* The error of that check (detail, if not NULL, follows the shape): for a
 * builder on the allow-list that takes only some arrays of unknown chunk
 * sizes (getitem: ':' along those axes). */
dusk_array *dusk__refuse_unknown(dusk_array *a, const char *who, const char *detail);
/* Whether two arrays' unknown axes (right-aligned, as they broadcast) line
 * up: the same number of blocks, or length 1 in the other; else an error
 * array naming op. NULL when they do. */
dusk_array *dusk__unknown_align(dusk_array *a, dusk_array *b, const char *op);
/* After a layer of blocks that follow their inputs' (map as
 * dusk__blockwise's): the bound (and largest block) of each unknown axis
 * of r, the largest of its inputs' there. */
void dusk__bound_from_inputs(dusk_array *r, dusk_array *const *in, int nin,
                             int (*map)[DUSK_MAXDIMS]);
/* One axis of a (NumPy's int, negative from the end) as 0 .. ndim - 1 in
 * *out, or DUSK_AXIS_NONE left as it is; NULL, or an array in the error
 * state DUSK_EINVAL, "<name>: axis 2 is out of bounds for array of
 * dimension 2", as NumPy's AxisError. a is not in an error state. */
dusk_array *dusk__array_one_axis(dusk_array *a, int axis, const char *name, int *out);
/* 32 hex digits hashing the formatted text. */
void dusk__token(char out[33], const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* A hash of every block size, for tokens (chunk lists can be long). */
uint64_t dusk__hash_chunks(int ndim, int64_t *const *per, const int64_t *nb);
/* A layer named prefix-tok (tok NULL: prefix, a name the user chose) in ctx whose tasks run kop (NULL for an
 * ORIGINAL layer); takes params over (also on failure). NULL when out of
 * memory. */
dusk__layer *dusk__layer_new(dusk_array_ctx *ctx, const char *prefix, const char *tok,
                             dusk__lkind kind, const dusk__op *kop, dusk_value *params,
                             int ndim, const int64_t *shape, const int64_t *nb,
                             dusk_dtype dtype);
void dusk__layer_input(dusk__layer *L, dusk__layer *in);
/* The array of L's blocks (chunks copied). */
dusk_array *dusk__array_new(dusk_array_ctx *ctx, dusk__layer *L, int ndim, const int64_t *shape,
                            int64_t *const *chunks, const int64_t *nb, dusk_dtype dtype);
/* Visits the layers L needs, inputs first, calling f on each once. */
size_t dusk__walk(dusk_array_ctx *ctx, dusk__layer *L, void (*f)(dusk__layer *, void *),
                  void *ud);
/* 0 when n arrays can go together (none NULL or in an error state, all of
 * a[0]'s context), else the code, err naming the array, after who. */
int dusk__arrays_check(dusk_array *const *a, size_t n, const char *who, dusk_error *err);
/* The same from several layers of ctx, each layer once (one walk). */
size_t dusk__walk_many(dusk_array_ctx *ctx, dusk__layer *const *L, size_t n,
                       void (*f)(dusk__layer *, void *), void *ud);

/* Block sizes of n blocks of length 1 along each axis in the mask (the
 * rest keep x's chunks): for steps that keep a reduced block as one
 * element. chunks[d] points into *buf (dusk_free it). -1 when out of
 * memory. */
int dusk__unit_chunks(const dusk_array *x, uint64_t mask, int64_t **buf, int64_t **chunks);

/* --- chunks (chunks.c) ---------------------------------------------------- */

void dusk__fmt_shape(char *buf, size_t n, int ndim, const int64_t *shape);
/* The same for an array's shape: DUSK_UNKNOWN_SIZE as nan, as Dask shows it. */
void dusk__fmt_array_shape(char *buf, size_t n, int ndim, const int64_t *shape);
/* 0 when an array of shape and dtype (and nb blocks per axis, unless nb
 * is NULL) can exist: its byte size addressable (at most PTRDIFF_MAX, the
 * axes of length 0 aside, as NumPy counts) and its blocks countable in
 * an int64. Otherwise -1, with why (n bytes) naming the shape. */
int dusk__check_size(int ndim, const int64_t *shape, dusk_dtype dtype, const int64_t *nb,
                     char *why, size_t n);
/* Normalises a chunks text for shape, as Dask's normalize_chunks: block
 * sizes per axis (nb[d] of them at per[d], in one new buffer *buf the
 * caller frees). On failure returns -1 and sets *err_out to an error
 * array naming the text and shape. */
/* a rechunked to chunks in one step, without the intermediate chunkings
 * dusk_array_rechunk plans (for tests of the step itself). */
dusk_array *dusk__rechunk_one_step(dusk_array *a, const char *chunks);
int dusk__normalize_chunks(dusk_array_ctx *ctx, const char *text, int ndim, const int64_t *shape,
                           dusk_dtype dtype, int64_t **buf, int64_t *nb, int64_t **per,
                           dusk_array **err_out);

/* --- elementwise (elemwise.c) ---------------------------------------------- */

/* A BLOCKS layer of kop over nin inputs with the given output grid;
 * input i's axis d follows output axis map[i][d] (-1: block 0). The token
 * hashes prefix, code, the inputs, the dtype and extra; the layer's
 * parameters are (dtype, None, args...) (args stolen). */
dusk_array *dusk__blockwise(const dusk__op *kop, int code, dusk_array **in, int nin,
                            int (*map)[DUSK_MAXDIMS], int ndim, const int64_t *shape,
                            int64_t *const *chunks, const int64_t *nb, dusk_dtype dtype,
                            const char *extra, size_t nargs, dusk_value **args);
/* The broadcast of a and b (chunks unified) and its layer of kop, of
 * dtype t (the token hashes extra; args stolen, also on failure). */
dusk_array *dusk__binary(const dusk__op *kop, dusk_array *a, dusk_array *b, dusk_dtype t,
                         const char *extra, size_t nargs, dusk_value **args);
/* An error array when s's value is one its dtype cannot hold, else NULL. */
dusk_array *dusk__bad_scalar(dusk_array *a, const dusk_scalar *s);
/* s as a 0-d ndarray of dtype st (NULL when out of memory), and in extra
 * the text of it for a token. */
dusk_value *dusk__scalar_arg(dusk_dtype st, const dusk_scalar *s, bool scalar_first, char *extra,
                             size_t n);
/* The same with the token given. */
dusk_array *dusk__blockwise_layer(const dusk__op *kop, const char *tok, dusk_array **in, int nin,
                                  int (*map)[DUSK_MAXDIMS], int ndim, const int64_t *shape,
                                  int64_t *const *chunks, const int64_t *nb, dusk_dtype dtype,
                                  size_t nargs, dusk_value **args);

/* --- slicing (slicing.c) ---------------------------------------------------- */

/* Dask's layer of aliases over y's blocks ('getitem-<token>', i) -> y's
 * (i), of y's shape, chunks and bounds: what Dask's x[mask] and unique end
 * with. what tells the token apart. */
dusk_array *dusk__alias_layer(dusk_array *y, const char *what);

/* --- rechunk (rechunk.c) ---------------------------------------------------- */

/* The tasks of output block idx of a GATHER layer (and its splits, the
 * *splits-th on). */
int dusk__rechunk_emit(dusk_graph *g, const dusk__layer *L, const int64_t *idx, const char *key,
                       int64_t *splits);

/* --- emission (emit.c) ------------------------------------------------------ */

/* The block index as a literal tuple. */
dusk_arg *dusk__index_arg(int ndim, const int64_t *idx);
/* dusk_array_graph for a store: each layer that reads a file's blocks
 * another layer reads too reads them again, under a copy of its own
 * ('array-<token>'), rather than sharing them (emit.c says why). */
int dusk__array_graph_stream(const dusk_array *a, dusk_graph **out, dusk_error *err);
/* dusk_array_compute_chunk_sizes's graph: a's, and a '_get_chunk_shape'
 * task per block; *keys (n, dusk_free it, one buffer) are those tasks'. */
int dusk__chunk_shapes_graph(const dusk_array *a, dusk_graph **out, char ***keys, size_t *n,
                             dusk_error *err);
/* One graph of the tasks of n arrays of one context (checked by the
 * caller), each layer emitted once. */
int dusk__arrays_graph(dusk_array *const *a, size_t n, dusk_graph **out, dusk_error *err);

/* The next index in C order over a grid of nb blocks; 0 after the last. */
static inline int dusk__next_index(int ndim, const int64_t *nb, int64_t *idx)
{
    for (int d = ndim - 1; d >= 0; d--) {
        if (++idx[d] < nb[d])
            return 1;
        idx[d] = 0;
    }
    return 0;
}

#endif /* DUSK_ARRAY_ARRAY_H */
