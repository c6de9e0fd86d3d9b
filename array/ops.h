/*
** dusk — array operations, one table entry each. This file is private to
** libdusk-array.
**
** Every array task (but those of user functions, array/map.c, which run
** the user's dusk_block_func with the same argument layout) runs one
** entry of dusk__ops: a dusk_func registered
** under Dask's name for the operation ('add', 'mean_chunk',
** 'rechunk-merge' ...; what pictures and profiles show), whose code checks
** the task's arguments and hands them to the entry's kernel. A task's
** arguments are plain values, so that it can be encoded and run in any
** process that links libdusk-array:
**
**     (params, index, input...)
**
**   params  one tuple shared by the tasks of a layer: (dtype, bounds, extra...)
**           dtype   NumPy's code of the output ("f8")
**           bounds  per output axis, an int64 ndarray of its nb + 1 block
**                   boundaries; None where the kernel needs no geometry
**   index   the block's position in the output grid, a tuple of ints
**   input   blocks (references), one list of them, or an original value
**
**   operation                     extra (after dtype, bounds)         inputs
**   ones_like zeros_like
**     empty_like full_like        fill (float)                        -
**   arange                        start, step (floats)                -
**   linspace                      start, stop (floats), num (int)     -
**   eye                           k (int): the diagonal's offset      -
**   _block_hist                   edges (a float64 ndarray)           1 block, and its
**                                                                     weights' block
**   digitize                      bins (increasing float64 ndarray),  1 block
**                                 right, decreasing (ints)
**   normal | uniform              seed (int), loc | low, scale | high -
**   array                         -                                   the original: an
**                                                                     ndarray, or the tuple
**                                                                     (path, dataset) of HDF5
**   add sub mul truediv pow
**     lt le gt ge eq ne           - | scalar (float), scalar_first    2 blocks | 1 block
**   neg absolute exp log
**     sqrt sin cos, astype        -                                   1 block
**   transpose                     perm (tuple of ints)                1 block
**   <reduction> chunk step        axes (int, a bit mask); mean_chunk: 1 block
**                                 skipnan (optional bool: nanmean's)
**   <reduction>-partial           -                                   a list of partials
**   <reduction>-aggregate         axes, keepdims (bool), ddof (int);  a list of partials
**                                 moment_agg: nan_dof (optional bool:
**                                 no degree of freedom gives NaN)
**   rechunk-merge                 in_bounds (as bounds, of the input) a list of pieces
**   rechunk-split                 - (index: (start, stop) per axis)   1 block
**   store-map                     path (the temporary file), dataset, 1 block
**                                 region (optional: offsets per axis)
**   getitem | slice               in_ndim (int), plan (tuple)         1 block
**   getitem (x[mask])             1, None                             2 blocks (x's, the
**                                                                     mask's: bools)
**   _get_chunk_shape              -                                   1 block
**   unique_internal               -                                   1 block
**   unique-aggregate              -                                   a list of blocks
**   squeeze | concatenate         -                                   1 block
**   stack                         axis (int)                          1 block
**   tensordot                     a_ndim, b_ndim, a_axes, b_axes      2 blocks
**   matmul                        -                                   2 blocks
**   qr | svd (tuple results)      -                                   1 block
**   linalg_getitem                item (int, -1: none), rows (an      1 block or tuple
**                                 int64 nb x 2 ndarray, or None)
**   vstack                        -                                   a list of blocks
**   dot                           -                                   2 blocks
**   identity                      -                                   1 value
**   matrix_rank                   -                                   1 block
**   eigvalsh (lstsq's singular    -                                   2 blocks (R^T, R)
**     values, largest first)
**   solve_triangular              lower (bool), form (int: 0 x = a\b, a's diagonal block,
**                                 1 x = a\(p b), 2 x = b / a^T)      [p's block], b's block,
**                                                                     [a list of products
**                                                                     to subtract]
**   lu                            -                                   1 block, [a list of
**                                                                     products to subtract]
**   cholesky                      -                                   1 block, [a list of
**                                                                     products to subtract]
**   arg-reduce                    kind (dusk_argreduction), axes      1 block
**                                 (mask), ravel (bool), in_bounds
**                                 (as bounds, of the input)
**   arg_combine-partial           kind                                a list of partials
**   arg_agg | nanarg_agg          kind, axes, keepdims                a list of partials
**     -aggregate
**   cumsum | cumprod              axis (int)                          1 block
**   _cumsum_merge | _cumprod_     axis (int): -1 adds (multiplies)    2 blocks (the carry,
**     merge                       the carry into the block, else the  1 along the axis;
**                                 block's last element along axis     a block)
**                                 into it (the next carry)
**   where                         - | scalar (0-d ndarray),           3 blocks (cond, a, b) |
**                                 scalar_first                        2 (cond, a)
**   clip                          lo, hi (0-d ndarrays or None)       1 block
**   round_ | around               decimals (int)                      1 block
**   isclose                       rtol, atol (floats), equal_nan      2 blocks
**   nan_to_num                    nan, posinf, neginf (floats)        1 block
**   reshape                       - (bounds: the output's)            1 block
**   nansum | nanprod              axes (int, a bit mask)              1 block
**   _sqrt                         -                                   1 block
**
** getitem's plan has a tuple per entry of the index, (kind, axis, step,
** table, idx): the table an int64 3 x nb ndarray of, per output block along
** the entry's axis, the input block, the first element and the count; idx
** the local indices of a list entry (an int64 ndarray), else None.
** The reductions' steps are named as Dask names them: sum, prod,
** mean_chunk / mean_combine / mean_agg, var (std too), chunk_min / amin,
** chunk_max / amax, any, all, and matmul's chunk_sum / _chunk_sum; of
** the nan- forms nansum and nanprod (then sum's and prod's), nanmean's
** mean_chunk ..., moment_chunk / moment_combine / moment_agg (nanvar,
** nanstd) and nanmin_skip / _nanmin_skip (nanmax's alike). An
** arg reduction's partial is a tuple (vals, arg): the best value of its
** group in the input's dtype and its index in the whole array (int64, -1
** for a group of no element).
** Each entry is registered under "array.<name>" (dusk_func_register_as),
** since five of these names are core builtins' ('add', 'sub', 'mul',
** 'neg', 'sum'): a task travels as its function's key, dusk_func_key().
**
** Invariant: a kernel reads nothing but its arguments (and, for HDF5,
** the file they name), so the same task gives the same block in any
** process. Registration happens once per process (pthread_once), when
** the library is loaded and again, harmlessly, when a context is made.
*/
#ifndef DUSK_ARRAY_OPS_H
#define DUSK_ARRAY_OPS_H

#include "dusk/array.h"

/* Rows of reduction names, and the three steps of each. std shares var's
 * row (its square root is a separate 'sqrt' layer), nanstd nanvar's. The
 * nan- forms of sum, prod and mean have rows of their own only where Dask
 * names their steps apart: nansum and nanprod start with entries of
 * their own ('nansum', 'nanprod') and go on with sum's and prod's steps;
 * nanmean is mean's row, its chunk step told to skip NaNs. */
enum {
    DUSK__RED_ROW_SUM, DUSK__RED_ROW_PROD, DUSK__RED_ROW_MEAN, DUSK__RED_ROW_VAR,
    DUSK__RED_ROW_MIN, DUSK__RED_ROW_MAX, DUSK__RED_ROW_ANY, DUSK__RED_ROW_ALL,
    DUSK__RED_ROW_CHUNK_SUM,
    DUSK__RED_ROW_NANVAR, DUSK__RED_ROW_NANMIN, DUSK__RED_ROW_NANMAX,
    DUSK__RED_NROWS
};
enum { DUSK__RED_CHUNK, DUSK__RED_COMBINE, DUSK__RED_AGG };

/* The entries of the table. */
typedef enum {
    DUSK__OP_ONES_LIKE, DUSK__OP_ZEROS_LIKE, DUSK__OP_EMPTY_LIKE, DUSK__OP_FULL_LIKE,
    DUSK__OP_ARANGE, DUSK__OP_LINSPACE, DUSK__OP_NORMAL, DUSK__OP_UNIFORM,
    DUSK__OP_ARRAY,
    DUSK__OP_BINOP,                                   /* + a dusk_binop */
    DUSK__OP_UNOP = DUSK__OP_BINOP + DUSK_BINOP_COUNT,    /* + a dusk_unop */
    DUSK__OP_ASTYPE = DUSK__OP_UNOP + DUSK_UNOP_COUNT,
    DUSK__OP_TRANSPOSE,
    DUSK__OP_RED,                                     /* + 3 * row + step */
    DUSK__OP_RECHUNK_MERGE = DUSK__OP_RED + 3 * DUSK__RED_NROWS,
    DUSK__OP_RECHUNK_SPLIT,
    DUSK__OP_STORE,
    DUSK__OP_GETITEM, DUSK__OP_SLICE, DUSK__OP_SQUEEZE,
    DUSK__OP_CONCATENATE, DUSK__OP_STACK,
    DUSK__OP_TENSORDOT, DUSK__OP_MATMUL,
    /* factorisations (array/lapack.c) */
    DUSK__OP_LA_QR, DUSK__OP_LA_SVD, DUSK__OP_LA_ITEM, DUSK__OP_LA_VSTACK, DUSK__OP_LA_DOT,
    DUSK__OP_LA_ALIAS, DUSK__OP_LA_TRSOLVE, DUSK__OP_LA_RANK, DUSK__OP_LA_SINGULAR,
    DUSK__OP_LA_LU, DUSK__OP_EYE, DUSK__OP_LA_CHOL, DUSK__OP_LA_CTRANS,
    /* argmax and friends (array/reduce.c), cumulative sums and products
     * (array/scan.c) */
    DUSK__OP_ARG_CHUNK, DUSK__OP_ARG_COMBINE, DUSK__OP_ARG_AGG, DUSK__OP_NANARG_AGG,
    DUSK__OP_CUMSUM, DUSK__OP_CUMPROD, DUSK__OP_CUMSUM_MERGE, DUSK__OP_CUMPROD_MERGE,
    DUSK__OP_WHERE,                                   /* array/elemwise.c */
    DUSK__OP_CLIP, DUSK__OP_ROUND, DUSK__OP_AROUND, DUSK__OP_ISCLOSE,   /* array/ufunc.c */
    DUSK__OP_NAN_TO_NUM,
    DUSK__OP_RESHAPE,                                 /* array/reshape.c */
    /* the chunk steps of nansum and nanprod, nanstd's square root
     * (array/reduce.c) */
    DUSK__OP_NANSUM, DUSK__OP_NANPROD, DUSK__OP_SAFE_SQRT,
    DUSK__OP_HISTOGRAM, DUSK__OP_DIGITIZE,            /* array/hist.c */
    DUSK__OP_RANDINT, DUSK__OP_EXPONENTIAL, DUSK__OP_POISSON,   /* array/create.c */
    DUSK__OP_CHUNK_SHAPE,                             /* array/store.c */
    DUSK__OP_UNIQUE, DUSK__OP_UNIQUE_AGG,             /* array/unique.c */
    DUSK__NOPS
} dusk__opid;

typedef struct dusk__op dusk__op;

/* A task's arguments, checked against its entry: params is a tuple with
 * at least 2 + op->nextra items whose first is a dtype code, index is a
 * tuple of ints, and there are op->min_in to op->max_in inputs. */
typedef struct dusk__targs {
    const dusk__op *op;
    const dusk_value *params;
    const dusk_value *index;
    dusk_value *const *in;
    size_t nin;
    dusk_dtype dtype;            /* params[0] */
} dusk__targs;

typedef int (*dusk__kernel)(const dusk__targs *t, dusk_value **out, dusk_error *err);

struct dusk__op {
    dusk_func func;              /* Dask's name, the checking trampoline, this entry */
    const char *key;             /* registered as: "array.<name>" */
    dusk__kernel kernel;
    int code;                    /* its dusk_binop, dusk_unop or reduction row; uniform 1 */
    unsigned char min_in, max_in;   /* inputs after (params, index) */
    unsigned char nextra;        /* parameters after (dtype, bounds) it needs */
};

extern const dusk__op dusk__ops[DUSK__NOPS];

static inline const dusk__op *dusk__op_get(int id) { return &dusk__ops[id]; }
/* The entry of step (DUSK__RED_*) of a reduction row. */
static inline const dusk__op *dusk__op_red(int row, int step)
{
    return &dusk__ops[DUSK__OP_RED + 3 * row + step];
}
/* The row of a reduction's names. */
int dusk__red_row(dusk_reduction op);

/* Registers every entry's function by its name (dusk_func_register),
 * once per process; thread-safe. A name a core builtin already owns stays
 * the builtin's; tensordot and matmul are left out of a static program
 * that does not link the block products (array/ops.c). */
void dusk__ops_register(void);

/* --- parameters, at build time ------------------------------------------- */

/* (dtype, bounds, extra[0..nextra)) with bounds from chunks (None when
 * chunks is NULL); steals the extras, also on failure. NULL when out of
 * memory. */
dusk_value *dusk__params_new(dusk_dtype dtype, int ndim, int64_t *const *chunks,
                             const int64_t *nb, size_t nextra, dusk_value **extra);
/* Per axis an int64 ndarray of nb[d] + 1 boundaries; NULL when out of memory. */
dusk_value *dusk__bounds_new(int ndim, int64_t *const *chunks, const int64_t *nb);
/* Axis d's boundaries in a bounds value made by dusk__bounds_new. */
static inline const int64_t *dusk__bounds_axis(const dusk_value *bounds, int d)
{
    return (const int64_t *)dusk_ndarray_data(dusk_tuple_get(bounds, (size_t)d));
}
/* A tuple of n ints; NULL when out of memory. */
dusk_value *dusk__ints_value(const int *v, int n);
/* Parameter i after (dtype, bounds) of a layer's parameter tuple. */
static inline dusk_value *dusk__params_extra(const dusk_value *params, size_t i)
{
    return dusk_tuple_get(params, 2 + i);
}

/* --- task arguments, at run time ------------------------------------------- */

int dusk__oom(dusk_error *err);  /* DUSK_ENOMEM: "out of memory for a block" */
/* The block's start and shape from bounds and index; DUSK_EINVAL when
 * they do not describe a block. */
int dusk__targs_block(const dusk__targs *t, int64_t *start, int64_t *shape, dusk_error *err);
/* A tuple of n ints; NULL when out of memory. */
dusk_value *dusk__ints_value(const int *v, int n);
/* Parameter i after (dtype, bounds), of the given kind; DUSK_EINVAL
 * naming the operation when it is not. */
int dusk__targs_int(const dusk__targs *t, size_t i, int64_t *out, dusk_error *err);
int dusk__targs_float(const dusk__targs *t, size_t i, double *out, dusk_error *err);
int dusk__targs_str(const dusk__targs *t, size_t i, const char **out, dusk_error *err);
/* A 0-d ndarray (a scalar operand, in the dtype it computes in). */
int dusk__targs_scalar(const dusk__targs *t, size_t i, const dusk_value **out, dusk_error *err);
/* A tuple of at most max small ints (axes, a permutation) into out. */
int dusk__targs_ints(const dusk__targs *t, size_t i, int *out, int max, int *n,
                     dusk_error *err);
/* Input i, which must be an ndarray (of ndim axes unless ndim < 0). */
int dusk__targs_block_in(const dusk__targs *t, size_t i, int ndim, const dusk_value **out,
                         dusk_error *err);
/* Input i, which must be a list (a tuple) of ndarrays. */
int dusk__targs_list_in(const dusk__targs *t, size_t i, const dusk_value **out,
                        dusk_error *err);

/* --- the kernels the table names (in the files of their operations) ------ */

int dusk__k_fill(const dusk__targs *t, dusk_value **out, dusk_error *err);       /* create.c */
int dusk__k_arange(const dusk__targs *t, dusk_value **out, dusk_error *err);
int dusk__k_linspace(const dusk__targs *t, dusk_value **out, dusk_error *err);
int dusk__k_eye(const dusk__targs *t, dusk_value **out, dusk_error *err);
int dusk__k_hist(const dusk__targs *t, dusk_value **out, dusk_error *err);       /* hist.c */
int dusk__k_digitize(const dusk__targs *t, dusk_value **out, dusk_error *err);
int dusk__k_random(const dusk__targs *t, dusk_value **out, dusk_error *err);
int dusk__k_randint(const dusk__targs *t, dusk_value **out, dusk_error *err);
int dusk__k_getter(const dusk__targs *t, dusk_value **out, dusk_error *err);
int dusk__k_binop(const dusk__targs *t, dusk_value **out, dusk_error *err);      /* elemwise.c */
int dusk__k_unop(const dusk__targs *t, dusk_value **out, dusk_error *err);
int dusk__k_astype(const dusk__targs *t, dusk_value **out, dusk_error *err);
int dusk__k_transpose(const dusk__targs *t, dusk_value **out, dusk_error *err);
int dusk__k_red_chunk(const dusk__targs *t, dusk_value **out, dusk_error *err);   /* reduce.c */
int dusk__k_red_combine(const dusk__targs *t, dusk_value **out, dusk_error *err);
int dusk__k_red_agg(const dusk__targs *t, dusk_value **out, dusk_error *err);
int dusk__k_rechunk_merge(const dusk__targs *t, dusk_value **out, dusk_error *err); /* rechunk.c */
int dusk__k_rechunk_split(const dusk__targs *t, dusk_value **out, dusk_error *err);
int dusk__k_store(const dusk__targs *t, dusk_value **out, dusk_error *err);      /* store.c */
int dusk__k_getitem(const dusk__targs *t, dusk_value **out, dusk_error *err);    /* slicing.c */
int dusk__k_squeeze(const dusk__targs *t, dusk_value **out, dusk_error *err);
int dusk__k_pass(const dusk__targs *t, dusk_value **out, dusk_error *err);       /* join.c */
int dusk__k_stack(const dusk__targs *t, dusk_value **out, dusk_error *err);
int dusk__k_tensordot(const dusk__targs *t, dusk_value **out, dusk_error *err);  /* linalg.c */
int dusk__k_matmul(const dusk__targs *t, dusk_value **out, dusk_error *err);
int dusk__k_la_qr(const dusk__targs *t, dusk_value **out, dusk_error *err);      /* lapack.c */
int dusk__k_la_svd(const dusk__targs *t, dusk_value **out, dusk_error *err);
int dusk__k_la_item(const dusk__targs *t, dusk_value **out, dusk_error *err);
int dusk__k_la_vstack(const dusk__targs *t, dusk_value **out, dusk_error *err);
int dusk__k_la_dot(const dusk__targs *t, dusk_value **out, dusk_error *err);
int dusk__k_la_alias(const dusk__targs *t, dusk_value **out, dusk_error *err);
int dusk__k_la_trsolve(const dusk__targs *t, dusk_value **out, dusk_error *err);
int dusk__k_la_rank(const dusk__targs *t, dusk_value **out, dusk_error *err);
int dusk__k_la_singular(const dusk__targs *t, dusk_value **out, dusk_error *err);
int dusk__k_la_lu(const dusk__targs *t, dusk_value **out, dusk_error *err);
int dusk__k_la_chol(const dusk__targs *t, dusk_value **out, dusk_error *err);
int dusk__k_la_ctrans(const dusk__targs *t, dusk_value **out, dusk_error *err);
int dusk__k_arg_chunk(const dusk__targs *t, dusk_value **out, dusk_error *err);  /* reduce.c */
int dusk__k_arg_combine(const dusk__targs *t, dusk_value **out, dusk_error *err);
int dusk__k_arg_agg(const dusk__targs *t, dusk_value **out, dusk_error *err);
int dusk__k_cum(const dusk__targs *t, dusk_value **out, dusk_error *err);        /* scan.c */
int dusk__k_cum_merge(const dusk__targs *t, dusk_value **out, dusk_error *err);
int dusk__k_where(const dusk__targs *t, dusk_value **out, dusk_error *err);      /* elemwise.c */
int dusk__k_clip(const dusk__targs *t, dusk_value **out, dusk_error *err);       /* ufunc.c */
int dusk__k_round(const dusk__targs *t, dusk_value **out, dusk_error *err);
int dusk__k_isclose(const dusk__targs *t, dusk_value **out, dusk_error *err);
int dusk__k_nan_to_num(const dusk__targs *t, dusk_value **out, dusk_error *err);
int dusk__k_reshape(const dusk__targs *t, dusk_value **out, dusk_error *err);    /* reshape.c */
int dusk__k_chunk_shape(const dusk__targs *t, dusk_value **out, dusk_error *err); /* store.c */
int dusk__k_unique(const dusk__targs *t, dusk_value **out, dusk_error *err);      /* unique.c */
int dusk__k_unique_agg(const dusk__targs *t, dusk_value **out, dusk_error *err);

#endif /* DUSK_ARRAY_OPS_H */
