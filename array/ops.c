/*
** dusk — the table of array operations and the checking of task arguments
**
** dusk__ops has one entry per operation: its name (Dask's), its kernel,
** which code of a family it computes and how many inputs and parameters
** its tasks take (the layout is in ops.h). Every entry's dusk_func runs
** op_task, which checks the arguments against the entry once and then
** calls the kernel; kernels read their parameters through the
** dusk__targs_* helpers, which name the operation when a value is not
** what it should be. So a task that arrives from elsewhere, given only its
** values, either runs exactly as it would have here or fails with a
** message; it never reads out of bounds.
*/
#include <inttypes.h>
#include <pthread.h>
#include <string.h>

#include "array.h"
#include "dusk/alloc.h"

static int op_task(dusk_value *const *args, size_t nargs, dusk_value **out, dusk_error *err,
                   void *ud);

/* The block products' kernels are weak references: a program linked
 * statically that never makes a product does not link array/linalg.c, and
 * so neither OpenBLAS, whose loading alone costs a few MiB of memory;
 * their entries then have no kernel and are not registered. The shared
 * library, and any program that calls dusk_tensordot, dusk_array_dot or
 * dusk_array_matmul, has them. */
#pragma weak dusk__k_tensordot
#pragma weak dusk__k_matmul
/* and so are the factorisations' (array/lapack.c: LAPACKE) */
#pragma weak dusk__k_la_qr
#pragma weak dusk__k_la_svd
#pragma weak dusk__k_la_item
#pragma weak dusk__k_la_vstack
#pragma weak dusk__k_la_dot
#pragma weak dusk__k_la_alias
#pragma weak dusk__k_la_trsolve
#pragma weak dusk__k_la_rank
#pragma weak dusk__k_la_singular
#pragma weak dusk__k_la_lu
#pragma weak dusk__k_la_chol
#pragma weak dusk__k_la_ctrans

#define ENTRY(id, name, kernel, code, min_in, max_in, nextra)                              \
    [id] = {{name, op_task, (void *)&dusk__ops[id]}, "array." name, kernel, code, min_in, max_in, nextra}
#define BINOP(op, name) ENTRY(DUSK__OP_BINOP + (op), name, dusk__k_binop, op, 1, 2, 0)
/* a ufunc's name for an operator: it computes as base does */
#define BINOP_AS(op, name, base) ENTRY(DUSK__OP_BINOP + (op), name, dusk__k_binop, base, 1, 2, 0)
#define UNOP(op, name) ENTRY(DUSK__OP_UNOP + (op), name, dusk__k_unop, op, 1, 1, 0)
#define RED(row, chunk, combine, agg)                                                      \
    ENTRY(DUSK__OP_RED + 3 * (row), chunk, dusk__k_red_chunk, row, 1, 1, 1),               \
    ENTRY(DUSK__OP_RED + 3 * (row) + 1, combine, dusk__k_red_combine, row, 1, 1, 0),       \
    ENTRY(DUSK__OP_RED + 3 * (row) + 2, agg, dusk__k_red_agg, row, 1, 1, 3)

/* ENTRY(id, name, kernel, code, fewest inputs, most inputs, parameters
 * after dtype and bounds); code: the dusk_binop, dusk_unop or reduction
 * row an entry computes; for the random sources 0 normal, 1 uniform, 2
 * exponential, 3 poisson. */
const dusk__op dusk__ops[DUSK__NOPS] = {
    ENTRY(DUSK__OP_ONES_LIKE, "ones_like", dusk__k_fill, 0, 0, 0, 1),
    ENTRY(DUSK__OP_ZEROS_LIKE, "zeros_like", dusk__k_fill, 0, 0, 0, 1),
    ENTRY(DUSK__OP_EMPTY_LIKE, "empty_like", dusk__k_fill, 0, 0, 0, 1),
    ENTRY(DUSK__OP_FULL_LIKE, "full_like", dusk__k_fill, 0, 0, 0, 1),
    ENTRY(DUSK__OP_ARANGE, "arange", dusk__k_arange, 0, 0, 0, 2),
    ENTRY(DUSK__OP_LINSPACE, "linspace", dusk__k_linspace, 0, 0, 0, 3),
    ENTRY(DUSK__OP_NORMAL, "normal", dusk__k_random, 0, 0, 0, 3),
    ENTRY(DUSK__OP_UNIFORM, "uniform", dusk__k_random, 1, 0, 0, 3),
    ENTRY(DUSK__OP_ARRAY, "array", dusk__k_getter, 0, 1, DUSK__MAXIN, 0),
    BINOP(DUSK_BINOP_ADD, "add"), BINOP(DUSK_BINOP_SUB, "sub"), BINOP(DUSK_BINOP_MUL, "mul"),
    BINOP(DUSK_BINOP_DIV, "truediv"), BINOP(DUSK_BINOP_POW, "pow"), BINOP(DUSK_BINOP_LT, "lt"),
    BINOP(DUSK_BINOP_LE, "le"), BINOP(DUSK_BINOP_GT, "gt"), BINOP(DUSK_BINOP_GE, "ge"),
    BINOP(DUSK_BINOP_EQ, "eq"), BINOP(DUSK_BINOP_NE, "ne"), BINOP(DUSK_BINOP_FLOORDIV, "floordiv"),
    BINOP(DUSK_BINOP_MOD, "mod"), BINOP(DUSK_BINOP_AND, "and_"), BINOP(DUSK_BINOP_OR, "or_"),
    BINOP(DUSK_BINOP_XOR, "xor"), BINOP(DUSK_BINOP_MAX, "maximum"),
    BINOP(DUSK_BINOP_MIN, "minimum"),
    BINOP(DUSK_BINOP_ARCTAN2, "arctan2"), BINOP(DUSK_BINOP_HYPOT, "hypot"),
    BINOP(DUSK_BINOP_COPYSIGN, "copysign"), BINOP(DUSK_BINOP_NEXTAFTER, "nextafter"),
    BINOP(DUSK_BINOP_LOGADDEXP, "logaddexp"), BINOP(DUSK_BINOP_LOGADDEXP2, "logaddexp2"),
    BINOP(DUSK_BINOP_FMOD, "fmod"), BINOP(DUSK_BINOP_FMAX, "fmax"), BINOP(DUSK_BINOP_FMIN, "fmin"),
    BINOP(DUSK_BINOP_FLOAT_POWER, "float_power"), BINOP(DUSK_BINOP_LOGICAL_AND, "logical_and"),
    BINOP(DUSK_BINOP_LOGICAL_OR, "logical_or"), BINOP(DUSK_BINOP_LOGICAL_XOR, "logical_xor"),
    BINOP_AS(DUSK_BINOP_SUBTRACT, "subtract", DUSK_BINOP_SUB),
    BINOP_AS(DUSK_BINOP_MULTIPLY, "multiply", DUSK_BINOP_MUL),
    BINOP_AS(DUSK_BINOP_DIVIDE, "divide", DUSK_BINOP_DIV),
    BINOP_AS(DUSK_BINOP_POWER, "power", DUSK_BINOP_POW),
    BINOP_AS(DUSK_BINOP_EQUAL, "equal", DUSK_BINOP_EQ),
    BINOP_AS(DUSK_BINOP_NOT_EQUAL, "not_equal", DUSK_BINOP_NE),
    BINOP_AS(DUSK_BINOP_LESS, "less", DUSK_BINOP_LT),
    BINOP_AS(DUSK_BINOP_LESS_EQUAL, "less_equal", DUSK_BINOP_LE),
    BINOP_AS(DUSK_BINOP_GREATER, "greater", DUSK_BINOP_GT),
    BINOP_AS(DUSK_BINOP_GREATER_EQUAL, "greater_equal", DUSK_BINOP_GE),
    UNOP(DUSK_UNOP_NEG, "neg"), UNOP(DUSK_UNOP_ABS, "absolute"), UNOP(DUSK_UNOP_EXP, "exp"),
    UNOP(DUSK_UNOP_LOG, "log"), UNOP(DUSK_UNOP_SQRT, "sqrt"), UNOP(DUSK_UNOP_SIN, "sin"),
    UNOP(DUSK_UNOP_COS, "cos"), UNOP(DUSK_UNOP_REAL, "real"), UNOP(DUSK_UNOP_IMAG, "imag"),
    UNOP(DUSK_UNOP_CONJ, "conj"), UNOP(DUSK_UNOP_INVERT, "invert"),
    UNOP(DUSK_UNOP_FLOOR, "floor"), UNOP(DUSK_UNOP_CEIL, "ceil"), UNOP(DUSK_UNOP_TRUNC, "trunc"),
    UNOP(DUSK_UNOP_RINT, "rint"), UNOP(DUSK_UNOP_ISNAN, "isnan"), UNOP(DUSK_UNOP_ISINF, "isinf"),
    UNOP(DUSK_UNOP_ISFINITE, "isfinite"), UNOP(DUSK_UNOP_SQUARE, "square"),
    UNOP(DUSK_UNOP_SIGN, "sign"), UNOP(DUSK_UNOP_TAN, "tan"), UNOP(DUSK_UNOP_ARCSIN, "arcsin"),
    UNOP(DUSK_UNOP_ARCCOS, "arccos"), UNOP(DUSK_UNOP_ARCTAN, "arctan"),
    UNOP(DUSK_UNOP_SINH, "sinh"), UNOP(DUSK_UNOP_COSH, "cosh"), UNOP(DUSK_UNOP_TANH, "tanh"),
    UNOP(DUSK_UNOP_LOG10, "log10"), UNOP(DUSK_UNOP_LOG2, "log2"), UNOP(DUSK_UNOP_LOG1P, "log1p"),
    UNOP(DUSK_UNOP_EXPM1, "expm1"),
    UNOP(DUSK_UNOP_LOGICAL_NOT, "logical_not"), UNOP(DUSK_UNOP_POSITIVE, "positive"),
    UNOP(DUSK_UNOP_RECIPROCAL, "reciprocal"), UNOP(DUSK_UNOP_CBRT, "cbrt"),
    UNOP(DUSK_UNOP_EXP2, "exp2"), UNOP(DUSK_UNOP_FABS, "fabs"),
    UNOP(DUSK_UNOP_DEG2RAD, "deg2rad"), UNOP(DUSK_UNOP_RAD2DEG, "rad2deg"),
    UNOP(DUSK_UNOP_DEGREES, "degrees"), UNOP(DUSK_UNOP_RADIANS, "radians"),
    UNOP(DUSK_UNOP_ARCSINH, "arcsinh"), UNOP(DUSK_UNOP_ARCCOSH, "arccosh"),
    UNOP(DUSK_UNOP_ARCTANH, "arctanh"), UNOP(DUSK_UNOP_SIGNBIT, "signbit"),
    UNOP(DUSK_UNOP_SINC, "sinc"),
    ENTRY(DUSK__OP_ASTYPE, "astype", dusk__k_astype, 0, 1, 1, 0),
    ENTRY(DUSK__OP_TRANSPOSE, "transpose", dusk__k_transpose, 0, 1, 1, 1),
    RED(DUSK__RED_ROW_SUM, "sum", "sum-partial", "sum-aggregate"),
    RED(DUSK__RED_ROW_PROD, "prod", "prod-partial", "prod-aggregate"),
    RED(DUSK__RED_ROW_MEAN, "mean_chunk", "mean_combine-partial", "mean_agg-aggregate"),
    RED(DUSK__RED_ROW_VAR, "var", "var-partial", "var-aggregate"),
    RED(DUSK__RED_ROW_MIN, "chunk_min", "chunk_min-partial", "amin-aggregate"),
    RED(DUSK__RED_ROW_MAX, "chunk_max", "chunk_max-partial", "amax-aggregate"),
    RED(DUSK__RED_ROW_ANY, "any", "any-partial", "any-aggregate"),
    RED(DUSK__RED_ROW_ALL, "all", "all-partial", "all-aggregate"),
    RED(DUSK__RED_ROW_CHUNK_SUM, "chunk_sum", "_chunk_sum-partial", "_chunk_sum-aggregate"),
    RED(DUSK__RED_ROW_NANVAR, "moment_chunk", "moment_combine-partial", "moment_agg-aggregate"),
    RED(DUSK__RED_ROW_NANMIN, "nanmin_skip", "_nanmin_skip-partial", "_nanmin_skip-aggregate"),
    RED(DUSK__RED_ROW_NANMAX, "nanmax_skip", "_nanmax_skip-partial", "_nanmax_skip-aggregate"),
    ENTRY(DUSK__OP_RECHUNK_MERGE, "rechunk-merge", dusk__k_rechunk_merge, 0, 1, 1, 1),
    ENTRY(DUSK__OP_RECHUNK_SPLIT, "rechunk-split", dusk__k_rechunk_split, 0, 1, 1, 0),
    ENTRY(DUSK__OP_STORE, "store-map", dusk__k_store, 0, 1, 1, 2),
    ENTRY(DUSK__OP_GETITEM, "getitem", dusk__k_getitem, 0, 1, 2, 2),
    ENTRY(DUSK__OP_SLICE, "slice", dusk__k_getitem, 0, 1, 1, 2),
    ENTRY(DUSK__OP_SQUEEZE, "squeeze", dusk__k_squeeze, 0, 1, 1, 0),
    ENTRY(DUSK__OP_CONCATENATE, "concatenate", dusk__k_pass, 0, 1, 1, 0),
    ENTRY(DUSK__OP_STACK, "stack", dusk__k_stack, 0, 1, 1, 1),
    ENTRY(DUSK__OP_TENSORDOT, "tensordot", dusk__k_tensordot, 0, 2, 2, 4),
    ENTRY(DUSK__OP_MATMUL, "matmul", dusk__k_matmul, 0, 2, 2, 0),
    ENTRY(DUSK__OP_LA_QR, "qr", dusk__k_la_qr, 0, 1, 1, 0),
    ENTRY(DUSK__OP_LA_SVD, "svd", dusk__k_la_svd, 0, 1, 1, 0),
    ENTRY(DUSK__OP_LA_ITEM, "linalg_getitem", dusk__k_la_item, 0, 1, 1, 2),
    ENTRY(DUSK__OP_LA_VSTACK, "vstack", dusk__k_la_vstack, 0, 1, 1, 0),
    ENTRY(DUSK__OP_LA_DOT, "dot", dusk__k_la_dot, 0, 2, 2, 0),
    ENTRY(DUSK__OP_LA_ALIAS, "identity", dusk__k_la_alias, 0, 1, 1, 0),
    ENTRY(DUSK__OP_LA_TRSOLVE, "solve_triangular", dusk__k_la_trsolve, 0, 2, 4, 2),
    ENTRY(DUSK__OP_LA_RANK, "matrix_rank", dusk__k_la_rank, 0, 1, 1, 0),
    ENTRY(DUSK__OP_LA_SINGULAR, "eigvalsh", dusk__k_la_singular, 0, 2, 2, 0),
    ENTRY(DUSK__OP_LA_LU, "lu", dusk__k_la_lu, 0, 1, 2, 0),
    ENTRY(DUSK__OP_EYE, "eye", dusk__k_eye, 0, 0, 0, 1),
    ENTRY(DUSK__OP_LA_CHOL, "cholesky", dusk__k_la_chol, 0, 1, 2, 0),
    /* the transposes of a complex array's blocked cholesky (np.transpose(x).conj()) */
    ENTRY(DUSK__OP_LA_CTRANS, "conj_transpose", dusk__k_la_ctrans, 0, 1, 1, 1),
    ENTRY(DUSK__OP_ARG_CHUNK, "arg-reduce", dusk__k_arg_chunk, 0, 1, 1, 4),
    ENTRY(DUSK__OP_ARG_COMBINE, "arg_combine-partial", dusk__k_arg_combine, 0, 1, 1, 1),
    ENTRY(DUSK__OP_ARG_AGG, "arg_agg-aggregate", dusk__k_arg_agg, 0, 1, 1, 3),
    ENTRY(DUSK__OP_NANARG_AGG, "nanarg_agg-aggregate", dusk__k_arg_agg, 1, 1, 1, 3),
    ENTRY(DUSK__OP_CUMSUM, "cumsum", dusk__k_cum, 0, 1, 1, 1),
    ENTRY(DUSK__OP_CUMPROD, "cumprod", dusk__k_cum, 1, 1, 1, 1),
    ENTRY(DUSK__OP_CUMSUM_MERGE, "_cumsum_merge", dusk__k_cum_merge, 0, 2, 2, 1),
    ENTRY(DUSK__OP_CUMPROD_MERGE, "_cumprod_merge", dusk__k_cum_merge, 1, 2, 2, 1),
    ENTRY(DUSK__OP_WHERE, "where", dusk__k_where, 0, 2, 3, 0),
    /* array/ufunc.c */
    ENTRY(DUSK__OP_CLIP, "clip", dusk__k_clip, 0, 1, 1, 2),
    ENTRY(DUSK__OP_ROUND, "round_", dusk__k_round, 0, 1, 1, 1),
    ENTRY(DUSK__OP_AROUND, "around", dusk__k_round, 0, 1, 1, 1),
    ENTRY(DUSK__OP_ISCLOSE, "isclose", dusk__k_isclose, 0, 1, 2, 3),
    ENTRY(DUSK__OP_NAN_TO_NUM, "nan_to_num", dusk__k_nan_to_num, 0, 1, 1, 3),
    ENTRY(DUSK__OP_RESHAPE, "reshape", dusk__k_reshape, 0, 1, 1, 0),
    ENTRY(DUSK__OP_NANSUM, "nansum", dusk__k_red_chunk, DUSK__RED_ROW_SUM, 1, 1, 1),
    ENTRY(DUSK__OP_NANPROD, "nanprod", dusk__k_red_chunk, DUSK__RED_ROW_PROD, 1, 1, 1),
    ENTRY(DUSK__OP_SAFE_SQRT, "_sqrt", dusk__k_unop, DUSK_UNOP_SQRT, 1, 1, 0),
    ENTRY(DUSK__OP_HISTOGRAM, "_block_hist", dusk__k_hist, 0, 1, 2, 1),
    ENTRY(DUSK__OP_DIGITIZE, "digitize", dusk__k_digitize, 0, 1, 1, 3),
    ENTRY(DUSK__OP_RANDINT, "randint", dusk__k_randint, 0, 0, 0, 3),
    ENTRY(DUSK__OP_EXPONENTIAL, "exponential", dusk__k_random, 2, 0, 0, 3),
    ENTRY(DUSK__OP_POISSON, "poisson", dusk__k_random, 3, 0, 0, 3),
    ENTRY(DUSK__OP_CHUNK_SHAPE, "_get_chunk_shape", dusk__k_chunk_shape, 0, 1, 1, 0),
    ENTRY(DUSK__OP_UNIQUE, "unique_internal", dusk__k_unique, 0, 1, 1, 0),
    ENTRY(DUSK__OP_UNIQUE_AGG, "unique-aggregate", dusk__k_unique_agg, 0, 1, 1, 0),
};

int dusk__red_row(dusk_reduction op)
{
    static const int rows[DUSK_RED_COUNT] = {
        [DUSK_RED_SUM] = DUSK__RED_ROW_SUM, [DUSK_RED_PROD] = DUSK__RED_ROW_PROD,
        [DUSK_RED_MEAN] = DUSK__RED_ROW_MEAN, [DUSK_RED_STD] = DUSK__RED_ROW_VAR,
        [DUSK_RED_VAR] = DUSK__RED_ROW_VAR, [DUSK_RED_MIN] = DUSK__RED_ROW_MIN,
        [DUSK_RED_MAX] = DUSK__RED_ROW_MAX, [DUSK_RED_ANY] = DUSK__RED_ROW_ANY,
        [DUSK_RED_ALL] = DUSK__RED_ROW_ALL,
        [DUSK_RED_NANSUM] = DUSK__RED_ROW_SUM, [DUSK_RED_NANPROD] = DUSK__RED_ROW_PROD,
        [DUSK_RED_NANMEAN] = DUSK__RED_ROW_MEAN, [DUSK_RED_NANSTD] = DUSK__RED_ROW_NANVAR,
        [DUSK_RED_NANVAR] = DUSK__RED_ROW_NANVAR, [DUSK_RED_NANMIN] = DUSK__RED_ROW_NANMIN,
        [DUSK_RED_NANMAX] = DUSK__RED_ROW_NANMAX,
    };
    return rows[op];
}

/* --- registration -------------------------------------------------------- */

/* Registration happens at load time and again whenever a context is made,
 * until it has fully succeeded: a registration that ran out of memory is
 * tried again, rather than leaving an entry unknown for the process's life. */
static pthread_mutex_t register_mu = PTHREAD_MUTEX_INITIALIZER;
static int registered_all;

void dusk__ops_register(void)
{
    pthread_mutex_lock(&register_mu);
    if (!registered_all) {
        /* keyed "array.<name>", apart from the builtins' names; registering
         * an entry again is a no-op, so a retry picks up where it failed */
        int ok = 1;
        for (int i = 0; i < DUSK__NOPS; i++)
            if (dusk__ops[i].kernel &&
                dusk_func_register_as(dusk__ops[i].key, &dusk__ops[i].func) != 0)
                ok = 0;
        registered_all = ok;
    }
    pthread_mutex_unlock(&register_mu);
}

#if defined(__GNUC__)
/* At load time, so that a process that only runs tasks (given by name)
 * finds the functions without making a context first. */
__attribute__((constructor)) static void register_at_load(void) { dusk__ops_register(); }
#endif

/* --- parameters ------------------------------------------------------------ */

dusk_value *dusk__bounds_new(int ndim, int64_t *const *chunks, const int64_t *nb)
{
    dusk_value *b = dusk_tuple_new((size_t)ndim);
    for (int d = 0; b && d < ndim; d++) {
        int64_t n = nb[d] + 1;
        dusk_value *v = dusk_ndarray_empty(DUSK_DT_I8, 1, &n);
        if (!v) {
            dusk_value_unref(b);
            return NULL;
        }
        int64_t *o = dusk_ndarray_data(v);
        o[0] = 0;
        for (int64_t k = 0; k < nb[d]; k++)
            o[k + 1] = o[k] + chunks[d][k];
        dusk_tuple_set(b, (size_t)d, v);
    }
    return b;
}

dusk_value *dusk__ints_value(const int *v, int n)
{
    dusk_value *items[DUSK_MAXDIMS * 2];
    if (n < 0 || n > DUSK_MAXDIMS * 2)
        return NULL;
    for (int i = 0; i < n; i++)
        items[i] = dusk_int(v[i]);
    return dusk_tuple_of((size_t)n, items);
}

dusk_value *dusk__params_new(dusk_dtype dtype, int ndim, int64_t *const *chunks,
                             const int64_t *nb, size_t nextra, dusk_value **extra)
{
    dusk_value *items[2 + 8];
    size_t n = 0;
    items[n++] = dusk_string(dusk_dtype_code(dtype));
    items[n++] = chunks ? dusk__bounds_new(ndim, chunks, nb) : dusk_none();
    for (size_t i = 0; i < nextra && n < sizeof items / sizeof *items; i++)
        items[n++] = extra[i];
    return dusk_tuple_of(n, items);  /* drops them all when one is NULL */
}

/* --- checking a task's arguments ------------------------------------------------ */

int dusk__oom(dusk_error *err)
{
    return dusk_error_set(err, DUSK_ENOMEM, "out of memory for a block");
}

/* The dtype of a NumPy code, or -1. */
static int dtype_of_code(const char *s)
{
    for (int t = 0; s && t < DUSK_DT_COUNT; t++)
        if (strcmp(dusk_dtype_code((dusk_dtype)t), s) == 0)
            return t;
    return -1;
}

static int op_task(dusk_value *const *args, size_t nargs, dusk_value **out, dusk_error *err,
                   void *ud)
{
    const dusk__op *op = ud;
    const char *name = op->func.name;
    if (nargs < 2 || dusk_value_kind(args[0]) != DUSK_KIND_TUPLE ||
        dusk_tuple_len(args[0]) < 2u + op->nextra)
        return dusk_error_set(err, DUSK_EINVAL, "%s: an array task takes (params, index, "
                              "inputs...) with %u parameters after dtype and bounds", name,
                              op->nextra);
    int dt = dtype_of_code(dusk_value_str(dusk_tuple_get(args[0], 0)));
    if (dt < 0)
        return dusk_error_set(err, DUSK_EINVAL, "%s: the first parameter is not a dtype code",
                              name);
    /* the index of a block has at most DUSK_MAXDIMS entries (a split's
     * has two per axis), so kernels may size their arrays by it */
    const dusk_value *index = args[1];
    size_t maxidx = op == &dusk__ops[DUSK__OP_RECHUNK_SPLIT] ? 2 * DUSK_MAXDIMS : DUSK_MAXDIMS;
    if (dusk_value_kind(index) != DUSK_KIND_TUPLE || dusk_tuple_len(index) > maxidx)
        return dusk_error_set(err, DUSK_EINVAL, "%s: the block index is not a tuple of at most "
                              "%zu ints", name, maxidx);
    for (size_t d = 0; d < dusk_tuple_len(index); d++)
        if (dusk_value_kind(dusk_tuple_get(index, d)) != DUSK_KIND_INT)
            return dusk_error_set(err, DUSK_EINVAL, "%s: the block index holds a %s", name,
                                  dusk_kind_name(dusk_value_kind(dusk_tuple_get(index, d))));
    size_t nin = nargs - 2;
    if (nin < op->min_in || nin > op->max_in)
        return dusk_error_set(err, DUSK_EINVAL, "%s: takes %u to %u input%s, got %zu", name,
                              op->min_in, op->max_in, op->max_in == 1 ? "" : "s", nin);
    dusk__targs t = {op, args[0], index, args + 2, nin, (dusk_dtype)dt};
    return op->kernel(&t, out, err);
}

int dusk__targs_block(const dusk__targs *t, int64_t *start, int64_t *shape, dusk_error *err)
{
    const dusk_value *bounds = dusk_tuple_get(t->params, 1);
    size_t ndim = dusk_tuple_len(t->index);
    if (dusk_value_kind(bounds) != DUSK_KIND_TUPLE || dusk_tuple_len(bounds) != ndim ||
        ndim > DUSK_MAXDIMS)
        return dusk_error_set(err, DUSK_EINVAL, "%s: the block bounds do not match the index",
                              t->op->func.name);
    for (size_t d = 0; d < ndim; d++) {
        const dusk_value *b = dusk_tuple_get(bounds, d);
        int64_t i = dusk_value_int(dusk_tuple_get(t->index, d));
        if (dusk_value_kind(b) != DUSK_KIND_NDARRAY || dusk_ndarray_dtype(b) != DUSK_DT_I8 ||
            dusk_ndarray_ndim(b) != 1 || !dusk_ndarray_is_contiguous(b) || i < 0 ||
            i >= dusk_ndarray_shape(b)[0] - 1)
            return dusk_error_set(err, DUSK_EINVAL, "%s: block %" PRId64 " of axis %zu is not "
                                  "in the bounds", t->op->func.name, i, d);
        const int64_t *o = dusk_ndarray_data(b);
        if (o[i] < 0 || o[i + 1] < o[i])   /* checked before subtracting: no overflow */
            return dusk_error_set(err, DUSK_EINVAL, "%s: the bounds of axis %zu decrease",
                                  t->op->func.name, d);
        start[d] = o[i];
        shape[d] = o[i + 1] - o[i];
    }
    return 0;
}

static int bad_param(const dusk__targs *t, size_t i, const char *want, dusk_error *err)
{
    const dusk_value *v = dusk__params_extra(t->params, i);
    return dusk_error_set(err, DUSK_EINVAL, "%s: parameter %zu is %s, not %s", t->op->func.name,
                          i + 2, v ? dusk_kind_name(dusk_value_kind(v)) : "missing", want);
}

int dusk__targs_int(const dusk__targs *t, size_t i, int64_t *out, dusk_error *err)
{
    const dusk_value *v = dusk__params_extra(t->params, i);
    dusk_kind k = v ? dusk_value_kind(v) : DUSK_KIND_NONE;
    if (k != DUSK_KIND_INT && k != DUSK_KIND_BOOL)
        return bad_param(t, i, "an int", err);
    *out = dusk_value_int(v);
    return 0;
}

int dusk__targs_float(const dusk__targs *t, size_t i, double *out, dusk_error *err)
{
    const dusk_value *v = dusk__params_extra(t->params, i);
    if (!v || !dusk_value_number(v, out))
        return bad_param(t, i, "a number", err);
    return 0;
}

int dusk__targs_scalar(const dusk__targs *t, size_t i, const dusk_value **out, dusk_error *err)
{
    const dusk_value *v = dusk__params_extra(t->params, i);
    if (!v || dusk_value_kind(v) != DUSK_KIND_NDARRAY || dusk_ndarray_ndim(v) != 0)
        return bad_param(t, i, "a 0-d ndarray", err);
    *out = v;
    return 0;
}

int dusk__targs_str(const dusk__targs *t, size_t i, const char **out, dusk_error *err)
{
    const dusk_value *v = dusk__params_extra(t->params, i);
    if (!v || !(*out = dusk_value_str(v)))
        return bad_param(t, i, "a string", err);
    return 0;
}

int dusk__targs_ints(const dusk__targs *t, size_t i, int *out, int max, int *n,
                     dusk_error *err)
{
    const dusk_value *v = dusk__params_extra(t->params, i);
    if (!v || dusk_value_kind(v) != DUSK_KIND_TUPLE || dusk_tuple_len(v) > (size_t)max)
        return bad_param(t, i, "a tuple of ints", err);
    *n = (int)dusk_tuple_len(v);
    for (int k = 0; k < *n; k++) {
        const dusk_value *x = dusk_tuple_get(v, (size_t)k);
        if (dusk_value_kind(x) != DUSK_KIND_INT || dusk_value_int(x) < 0 ||
            dusk_value_int(x) >= DUSK_MAXDIMS)
            return bad_param(t, i, "a tuple of axes", err);
        out[k] = (int)dusk_value_int(x);
    }
    return 0;
}

int dusk__targs_block_in(const dusk__targs *t, size_t i, int ndim, const dusk_value **out,
                         dusk_error *err)
{
    const dusk_value *v = i < t->nin ? t->in[i] : NULL;
    if (!v || dusk_value_kind(v) != DUSK_KIND_NDARRAY)
        return dusk_error_set(err, DUSK_ETYPE, "%s: expected an ndarray block, got %s",
                              t->op->func.name, v ? dusk_kind_name(dusk_value_kind(v)) : "nothing");
    if (ndim >= 0 && dusk_ndarray_ndim(v) != ndim)
        return dusk_error_set(err, DUSK_ETYPE, "%s: expected an ndarray block of %d axes, got %d",
                              t->op->func.name, ndim, dusk_ndarray_ndim(v));
    *out = v;
    return 0;
}

int dusk__targs_list_in(const dusk__targs *t, size_t i, const dusk_value **out,
                        dusk_error *err)
{
    const dusk_value *v = i < t->nin ? t->in[i] : NULL;
    if (!v || dusk_value_kind(v) != DUSK_KIND_TUPLE || dusk_tuple_len(v) == 0)
        return dusk_error_set(err, DUSK_ETYPE, "%s: expected a list of blocks, got %s",
                              t->op->func.name, v ? dusk_kind_name(dusk_value_kind(v)) : "nothing");
    *out = v;
    return 0;
}
