/*
** dusk — block products: tensordot, dot and matmul, as dask.array builds them
**
** tensordot (dask/array/routines.py, 2022.12) is a blockwise product that
** keeps the summed axes: output block (i..., k..., j...) multiplies block
** (i..., k...) of a with block (k..., j...) of b, and has length 1 along
** each summed axis k, so the 'tensordot' layer has one task per pair of
** blocks. A sum over those axes ('sum', 'sum-aggregate', the tree of
** dusk_array_reduce) adds the partial products up. dot is tensordot over
** a's last axis and b's second to last.
**
** matmul is Dask's own path: 1-d operands get an axis (a 'getitem'), the
** one with fewer axes gets leading ones, a 'matmul' layer multiplies
** blocks (stacks of matrices, broadcasting) into (..., m, 1, n), and
** _sum_wo_cat adds them up over the inner axis: 'chunk_sum' and
** 'chunk_sum-aggregate' layers when that axis has more than one block, a
** squeeze (a 'getitem') when it has one. dusk makes those layers with
** dusk_array_reduce and renames them to Dask's names (rename_sum).
**
** The block kernels hand float64, float32, complex128 and complex64
** products to CBLAS (dgemm, sgemm, zgemm, cgemm), straight from the blocks
** when their strides allow and from packed copies otherwise; float16 ones
** go through sgemm and are rounded once; integer and bool products are
** loops in 64 bits. Products are computed in the result's dtype, which is Dask's
** (that of the sum over blocks): float types promote as numpy does,
** integers and bool give int64 (uint64 when unsigned). Dask computes
** integer blocks in the operands' own dtype first; dusk does not wrap
** around there.
*/
#include <cblas.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "dusk/alloc.h"
#include "join.h"
#include "nd.h"
#include "core/value.h"

/* --- 2-d products -------------------------------------------------------- */

/* A matrix view: element (i, j) at p + i * rs + j * cs (bytes). */
typedef struct {
    const char *p;
    int64_t rs, cs;
    dusk_dtype t;
} mat;

static int oom(dusk_error *err)
{
    return dusk_error_set(err, DUSK_ENOMEM, "out of memory for a block product");
}

/* Whether x (rows x cols) can go to BLAS as it is: in dtype ct, rows or
 * columns contiguous. Sets *trans and *ld. */
static int blas_ready(const mat *x, int64_t rows, int64_t cols, dusk_dtype ct,
                      enum CBLAS_TRANSPOSE *trans, int64_t *ld)
{
    int64_t es = (int64_t)dusk_dtype_size(ct);
    if (x->t != ct)
        return 0;
    if ((cols <= 1 || x->cs == es) &&
        (rows <= 1 || (x->rs > 0 && x->rs % es == 0 && x->rs / es >= cols))) {
        *trans = CblasNoTrans;
        *ld = rows <= 1 ? (cols > 1 ? cols : 1) : x->rs / es;
        return *ld <= INT_MAX;
    }
    if ((rows <= 1 || x->rs == es) &&
        (cols <= 1 || (x->cs > 0 && x->cs % es == 0 && x->cs / es >= rows))) {
        *trans = CblasTrans;
        *ld = cols <= 1 ? (rows > 1 ? rows : 1) : x->cs / es;
        return *ld <= INT_MAX;
    }
    return 0;
}

/* One element of dtype t at e, converted to ct at o (int64 bits for the
 * integer types): every dtype a product is computed in (product_dtype_ok). */
static void conv(char *o, const char *e, dusk_dtype t, dusk_dtype ct)
{
    if (ct == DUSK_DT_F8) {
        double v = dusk__nd_loadf(e, t);
        memcpy(o, &v, 8);
    } else if (ct == DUSK_DT_F4) {
        float v;
        if (t == DUSK_DT_F4)
            memcpy(&v, e, 4);
        else
            v = (float)dusk__nd_loadf(e, t);
        memcpy(o, &v, 4);
    } else if (ct == DUSK_DT_F2) {
        if (t == DUSK_DT_F2)
            memcpy(o, e, 2);
        else
            dusk__nd_storef(o, DUSK_DT_F2, dusk__nd_loadf(e, t));
    } else if (ct == DUSK_DT_C16) {
        double complex v = dusk__nd_loadc(e, t);
        memcpy(o, &v, 16);
    } else if (ct == DUSK_DT_C8) {
        float complex v = (float complex)dusk__nd_loadc(e, t);
        memcpy(o, &v, 8);
    } else {
        int64_t v = dusk__nd_loadi(e, t);
        memcpy(o, &v, 8);
    }
}

/* x as a new row-major rows x cols buffer of ct. */
static char *pack(const mat *x, int64_t rows, int64_t cols, dusk_dtype ct)
{
    size_t es = dusk_dtype_size(ct);
    int64_t count = rows * cols;
    char *buf = dusk_malloc((size_t)(count > 0 ? count : 1) * es);
    if (!buf)
        return NULL;
    char *o = buf;
    for (int64_t i = 0; i < rows; i++) {
        const char *r = x->p + i * x->rs;
        for (int64_t j = 0; j < cols; j++, o += es)
            conv(o, r + j * x->cs, x->t, ct);
    }
    return buf;
}

/* C (row-major M x N of ct, contiguous) = A (M x K) . B (K x N). C starts
 * zeroed. */
static int gemm2d(dusk_dtype ct, int64_t M, int64_t N, int64_t K, const mat *A, const mat *B,
                  char *C, dusk_error *err)
{
    if (M == 0 || N == 0 || K == 0)
        return 0;
    if (ct == DUSK_DT_F2) {
        /* in float32, rounded once to float16 (NumPy's float16 products
         * add up in float32 too) */
        char *c4 = dusk_malloc((size_t)(M * N) * 4);
        if (!c4)
            return oom(err);
        int rc = gemm2d(DUSK_DT_F4, M, N, K, A, B, c4, err);
        for (int64_t i = 0; !rc && i < M * N; i++) {
            float v;
            memcpy(&v, c4 + i * 4, 4);
            dusk__nd_storef(C + i * 2, DUSK_DT_F2, v);
        }
        dusk_free(c4);
        return rc;
    }
    if (ct == DUSK_DT_F8 || ct == DUSK_DT_F4 || ct == DUSK_DT_C16 || ct == DUSK_DT_C8) {
        if (M > INT_MAX || N > INT_MAX || K > INT_MAX)
            return dusk_error_set(err, DUSK_EINVAL, "a block product of %" PRId64 " x %" PRId64
                                  " x %" PRId64 " is too large for BLAS", M, K, N);
        enum CBLAS_TRANSPOSE ta, tb;
        int64_t lda, ldb;
        char *pa = NULL, *pb = NULL;
        const char *a = A->p, *b = B->p;
        if (!blas_ready(A, M, K, ct, &ta, &lda)) {
            if (!(pa = pack(A, M, K, ct)))
                return oom(err);
            a = pa;
            ta = CblasNoTrans;
            lda = K;
        }
        if (!blas_ready(B, K, N, ct, &tb, &ldb)) {
            if (!(pb = pack(B, K, N, ct))) {
                dusk_free(pa);
                return oom(err);
            }
            b = pb;
            tb = CblasNoTrans;
            ldb = N;
        }
        static const double z1[2] = {1, 0}, z0[2] = {0, 0};
        static const float c1[2] = {1, 0}, c0[2] = {0, 0};
        if (ct == DUSK_DT_F8)
            cblas_dgemm(CblasRowMajor, ta, tb, (int)M, (int)N, (int)K, 1.0, (const double *)a,
                        (int)lda, (const double *)b, (int)ldb, 0.0, (double *)C, (int)N);
        else if (ct == DUSK_DT_C16)
            cblas_zgemm(CblasRowMajor, ta, tb, (int)M, (int)N, (int)K, z1, a, (int)lda, b,
                        (int)ldb, z0, C, (int)N);
        else if (ct == DUSK_DT_C8)
            cblas_cgemm(CblasRowMajor, ta, tb, (int)M, (int)N, (int)K, c1, a, (int)lda, b,
                        (int)ldb, c0, C, (int)N);
        else
            cblas_sgemm(CblasRowMajor, ta, tb, (int)M, (int)N, (int)K, 1.0f, (const float *)a,
                        (int)lda, (const float *)b, (int)ldb, 0.0f, (float *)C, (int)N);
        dusk_free(pa);
        dusk_free(pb);
        return 0;
    }
    /* integers: 64-bit loops (wrapping, as numpy's do) */
    uint64_t *pa = (uint64_t *)pack(A, M, K, ct), *pb = (uint64_t *)pack(B, K, N, ct);
    if (!pa || !pb) {
        dusk_free(pa);
        dusk_free(pb);
        return oom(err);
    }
    uint64_t *c = dusk_calloc((size_t)N, sizeof *c);
    if (!c) {
        dusk_free(pa);
        dusk_free(pb);
        return oom(err);
    }
    for (int64_t i = 0; i < M; i++) {
        memset(c, 0, (size_t)N * sizeof *c);
        for (int64_t k = 0; k < K; k++) {
            uint64_t x = pa[i * K + k];
            const uint64_t *brow = pb + k * N;
            if (x)
                for (int64_t j = 0; j < N; j++)
                    c[j] += x * brow[j];
        }
        memcpy(C + i * N * 8, c, (size_t)N * 8);
    }
    dusk_free(c);
    dusk_free(pa);
    dusk_free(pb);
    return 0;
}

/* The axes list ax[0..n) of v as one axis: its length and its stride,
 * when the axes collapse (C order); 0 when they do not. */
static int collapse(const dusk_value *v, const int *ax, int n, int64_t *len, int64_t *stride)
{
    const int64_t *sh = v->u.nd.shape, *st = v->u.nd.strides;
    int64_t l = 1, s = 0, inner = -1;
    for (int k = n - 1; k >= 0; k--) {
        int64_t m = sh[ax[k]];
        l *= m;
        if (m == 1)
            continue;
        if (inner < 0) {
            s = st[ax[k]];
        } else if (st[ax[k]] != inner) {
            return 0;
        }
        inner = st[ax[k]] * m;
    }
    *len = l;
    *stride = s;
    return 1;
}

/* v's axes rows[0..nr) by cols[0..nc) as a matrix: a view when they
 * collapse, else a packed copy in *buf (of ct) that the caller frees. */
static int as_matrix(const dusk_value *v, const int *rows, int nr, const int *cols, int nc,
                     dusk_dtype ct, mat *m, int64_t *R, int64_t *C, char **buf)
{
    int64_t rl, rs, cl, cs;
    *buf = NULL;
    if (collapse(v, rows, nr, &rl, &rs) && collapse(v, cols, nc, &cl, &cs)) {
        *m = (mat){v->u.nd.data, rs, cs, v->u.nd.dtype};
        *R = rl;
        *C = cl;
        return 0;
    }
    /* gather in C order over (rows..., cols...) */
    const int64_t *sh = v->u.nd.shape, *st = v->u.nd.strides;
    int ax[2 * DUSK_MAXDIMS], n = 0;
    int64_t total = 1;
    for (int k = 0; k < nr; k++)
        ax[n++] = rows[k];
    for (int k = 0; k < nc; k++)
        ax[n++] = cols[k];
    rl = cl = 1;
    for (int k = 0; k < nr; k++)
        rl *= sh[rows[k]];
    for (int k = 0; k < nc; k++)
        cl *= sh[cols[k]];
    total = rl * cl;
    size_t es = dusk_dtype_size(ct);
    char *b = dusk_malloc((size_t)(total ? total : 1) * es);
    if (!b)
        return -1;
    int64_t i[2 * DUSK_MAXDIMS] = {0};
    for (int64_t q = 0; q < total; q++) {
        int64_t off = 0;
        for (int k = 0; k < n; k++)
            off += i[k] * st[ax[k]];
        conv(b + q * (int64_t)es, v->u.nd.data + off, v->u.nd.dtype, ct);
        for (int k = n - 1; k >= 0; k--) {
            if (++i[k] < sh[ax[k]])
                break;
            i[k] = 0;
        }
    }
    *buf = b;
    *m = (mat){b, cl * (int64_t)es, (int64_t)es, ct};
    *R = rl;
    *C = cl;
    return 0;
}

/* --- tensordot ------------------------------------------------------------ */

typedef struct {
    int n, na, nb;                         /* summed axes; ndims of a and b */
    int la[DUSK_MAXDIMS], rb[DUSK_MAXDIMS];
} td_axes;

/* The summed axes of a tensordot task, from its parameters, checked. */
static int td_read(const dusk__targs *t, td_axes *ax, dusk_error *err)
{
    int64_t na, nb;
    int nl, nr, rc;
    if ((rc = dusk__targs_int(t, 0, &na, err)) || (rc = dusk__targs_int(t, 1, &nb, err)) ||
        (rc = dusk__targs_ints(t, 2, ax->la, DUSK_MAXDIMS, &nl, err)) ||
        (rc = dusk__targs_ints(t, 3, ax->rb, DUSK_MAXDIMS, &nr, err)))
        return rc;
    int ok = na >= 0 && na <= DUSK_MAXDIMS && nb >= 0 && nb <= DUSK_MAXDIMS && nl == nr &&
             nl <= na && nl <= nb && na + nb - nl == (int64_t)dusk_tuple_len(t->index);
    for (int k = 0; k < nl && ok; k++)
        ok = ax->la[k] < na && ax->rb[k] < nb;
    if (!ok)
        return dusk_error_set(err, DUSK_EINVAL, "tensordot: the summed axes do not fit "
                              "blocks of %" PRId64 " and %" PRId64 " axes", na, nb);
    ax->n = nl;
    ax->na = (int)na;
    ax->nb = (int)nb;
    return 0;
}

/* The dtypes a product is computed and stored in (what the sum of its
 * terms has: numpy promotes integer sums to 64 bits). A task that names
 * another (it may come from elsewhere) is refused: the kernels write
 * elements of this size. */
static int product_dtype_ok(const dusk__targs *t, dusk_error *err)
{
    dusk_dtype d = t->dtype;
    if (d == DUSK_DT_F8 || d == DUSK_DT_F4 || d == DUSK_DT_F2 || d == DUSK_DT_C16 ||
        d == DUSK_DT_C8 || d == DUSK_DT_I8 || d == DUSK_DT_U8)
        return 0;
    return dusk_error_set(err, DUSK_EINVAL, "%s: a product is not computed in %s "
                          "(a float or complex type, int64 or uint64)", t->op->func.name,
                          dusk_dtype_name(d));
}

int dusk__k_tensordot(const dusk__targs *t, dusk_value **out, dusk_error *err)
{
    td_axes axes, *ax = &axes;
    const dusk_value *a, *b;
    int rc = td_read(t, ax, err);
    if (rc || (rc = product_dtype_ok(t, err)) || (rc = dusk__targs_block_in(t, 0, ax->na, &a, err)) ||
        (rc = dusk__targs_block_in(t, 1, ax->nb, &b, err)))
        return rc;
    int fa[DUSK_MAXDIMS], fb[DUSK_MAXDIMS], nfa = 0, nfb = 0;
    int64_t shape[DUSK_MAXDIMS];
    int ondim = 0;
    for (int d = 0; d < ax->na; d++) {
        int summed = 0;
        for (int k = 0; k < ax->n; k++)
            summed |= ax->la[k] == d;
        if (!summed)
            fa[nfa++] = d;
        shape[ondim++] = summed ? 1 : a->u.nd.shape[d];
    }
    for (int d = 0; d < ax->nb; d++) {
        int summed = 0;
        for (int k = 0; k < ax->n; k++)
            summed |= ax->rb[k] == d;
        if (!summed) {
            fb[nfb++] = d;
            shape[ondim++] = b->u.nd.shape[d];
        }
    }
    for (int k = 0; k < ax->n; k++)
        if (a->u.nd.shape[ax->la[k]] != b->u.nd.shape[ax->rb[k]])
            return dusk_error_set(err, DUSK_EINVAL, "tensordot: blocks do not match along "
                                  "summed axes");
    mat A, B;
    int64_t M, K, K2, N;
    char *ba = NULL, *bb = NULL;
    if (as_matrix(a, fa, nfa, ax->la, ax->n, t->dtype, &A, &M, &K, &ba) < 0)
        return oom(err);
    if (as_matrix(b, ax->rb, ax->n, fb, nfb, t->dtype, &B, &K2, &N, &bb) < 0) {
        dusk_free(ba);
        return oom(err);
    }
    dusk_value *v = dusk_ndarray_new(t->dtype, ondim, shape);
    if (!v) {
        rc = oom(err);
    } else {
        rc = gemm2d(t->dtype, M, N, K, &A, &B, v->u.nd.data, err);
        if (rc)
            dusk_value_unref(v);
        else
            *out = v;
    }
    dusk_free(ba);
    dusk_free(bb);
    return rc;
}

/* The dtype of a product (and of the sum over blocks): Dask's. */
static dusk_dtype product_dtype(dusk_dtype a, dusk_dtype b)
{
    return dusk__reduce_dtype(DUSK_RED_SUM, dusk__promote(a, b));
}

/* Gives axis la[k] of a and axis rb[k] of b common chunks (k < n, see
 * dusk__unify_chunks), replacing a and b; NULL, or an error array. */
static dusk_array *unify_pair(dusk_array **a, dusk_array **b, const int *la, const int *rb, int n,
                              const char *what)
{
    int group[2][DUSK_MAXDIMS];
    memset(group, -1, sizeof group);
    for (int k = 0; k < n; k++) {
        group[0][la[k]] = k;
        group[1][rb[k]] = k;
    }
    dusk_array *ab[2] = {*a, *b}, *e;
    if (dusk__unify_chunks(ab, 2, group, what, &e) < 0)
        return e;
    *a = ab[0];
    *b = ab[1];
    return NULL;
}

static dusk_array *check_pair(dusk_array *a, dusk_array *b, const char *what)
{
    dusk_array *e = dusk__array_input(a, b, what);
    if (e)
        return e;
    if (!b)
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "%s: no second array given", what);
    if (a->ctx != b->ctx)
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "%s: the arrays belong to different contexts",
                                what);
    return NULL;
}

dusk_array *dusk_tensordot(dusk_array *a, dusk_array *b, const int *a_axes, const int *b_axes,
                           int naxes)
{
    dusk_array *e = check_pair(a, b, "tensordot");
    if (e)
        return e;
    dusk_array_ctx *ctx = a->ctx;
    if (!a_axes != !b_axes)
        return dusk__array_fail(ctx, DUSK_EINVAL, "tensordot: give both a_axes and b_axes, or "
                                "neither");
    if (naxes < 0 || naxes > a->ndim || naxes > b->ndim)
        return dusk__array_fail(ctx, DUSK_EINVAL, "tensordot: cannot sum over %d axes of arrays "
                                "of %d and %d dimensions", naxes, a->ndim, b->ndim);
    td_axes ax = {naxes, a->ndim, b->ndim, {0}, {0}};
    for (int k = 0; k < naxes; k++) {
        int l = a_axes ? a_axes[k] : a->ndim - naxes + k, r = b_axes ? b_axes[k] : k;
        if (l < -a->ndim || l >= a->ndim)
            return dusk__array_fail(ctx, DUSK_EINVAL, "tensordot: axis %d is out of range for a, "
                                    "of %d dimension%s", l, a->ndim, a->ndim == 1 ? "" : "s");
        if (r < -b->ndim || r >= b->ndim)
            return dusk__array_fail(ctx, DUSK_EINVAL, "tensordot: axis %d is out of range for b, "
                                    "of %d dimension%s", r, b->ndim, b->ndim == 1 ? "" : "s");
        ax.la[k] = l < 0 ? l + a->ndim : l;
        ax.rb[k] = r < 0 ? r + b->ndim : r;
        for (int j = 0; j < k; j++) {
            if (ax.la[j] == ax.la[k])
                return dusk__array_fail(ctx, DUSK_EINVAL, "tensordot: axis %d of a is summed "
                                        "twice", ax.la[k]);
            if (ax.rb[j] == ax.rb[k])
                return dusk__array_fail(ctx, DUSK_EINVAL, "tensordot: axis %d of b is summed "
                                        "twice", ax.rb[k]);
        }
        if (a->shape[ax.la[k]] != b->shape[ax.rb[k]])
            return dusk__array_fail(ctx, DUSK_EINVAL, "tensordot: shape mismatch for sum: axis "
                                    "%d of a has length %" PRId64 ", axis %d of b has length %"
                                    PRId64, ax.la[k], a->shape[ax.la[k]], ax.rb[k],
                                    b->shape[ax.rb[k]]);
    }
    int ndim = a->ndim + b->ndim - naxes;
    if (ndim > DUSK_MAXDIMS)
        return dusk__array_fail(ctx, DUSK_EINVAL, "tensordot: the product would have %d "
                                "dimensions (at most %d)", ndim, DUSK_MAXDIMS);
    dusk_dtype ct = product_dtype(a->dtype, b->dtype);
    /* the summed axes get common chunks */
    if ((e = unify_pair(&a, &b, ax.la, ax.rb, naxes, "tensordot")))
        return e;
    /* the product's grid: a's axes (the summed ones one block wide), then
     * b's others */
    int64_t shape[DUSK_MAXDIMS], nb[DUSK_MAXDIMS];
    int64_t *chunks[DUSK_MAXDIMS], *ones;
    int map[2][DUSK_MAXDIMS];
    memset(map, -1, sizeof map);
    uint64_t summed = 0, summed_b = 0;
    for (int k = 0; k < naxes; k++) {
        summed |= (uint64_t)1 << ax.la[k];
        summed_b |= (uint64_t)1 << ax.rb[k];
        map[1][ax.rb[k]] = ax.la[k];
    }
    if (dusk__unit_chunks(a, summed, &ones, chunks) < 0)
        return dusk__array_oom(ctx, "tensordot");
    for (int d = 0; d < a->ndim; d++) {
        map[0][d] = d;
        nb[d] = a->nb[d];
        shape[d] = (summed >> d) & 1 ? a->nb[d] : a->shape[d];
    }
    for (int d = 0, o = a->ndim; d < b->ndim; d++) {
        if ((summed_b >> d) & 1)
            continue;
        map[1][d] = o;
        shape[o] = b->shape[d];
        nb[o] = b->nb[d];
        chunks[o++] = b->chunks[d];
    }
    char text[512] = "", tok[33];
    for (int k = 0; k < naxes; k++) {
        size_t l = strlen(text);
        snprintf(text + l, sizeof text - l, "%d:%d,", ax.la[k], ax.rb[k]);
    }
    dusk__token(tok, "tensordot|%s|%s|%s|%s", a->L->name, b->L->name, text, dusk_dtype_code(ct));
    dusk_value *extra[4] = {dusk_int(ax.na), dusk_int(ax.nb), dusk__ints_value(ax.la, naxes),
                            dusk__ints_value(ax.rb, naxes)};
    dusk_array *ab[2] = {a, b};
    dusk_array *x = dusk__blockwise_layer(dusk__op_get(DUSK__OP_TENSORDOT), tok, ab, 2, map, ndim,
                                          shape, chunks, nb, ct, 4, extra);
    dusk_free(ones);
    if (x->status)
        return x;
    return dusk_array_reduce(DUSK_RED_SUM, x, summed, false, 0, 0);
}

dusk_array *dusk_array_dot(dusk_array *a, dusk_array *b)
{
    dusk_array *e = check_pair(a, b, "dot");
    if (e)
        return e;
    if (a->ndim == 0 || b->ndim == 0)
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "dot: takes arrays of at least one "
                                "dimension (a has %d, b has %d)", a->ndim, b->ndim);
    int l = a->ndim - 1, r = b->ndim >= 2 ? b->ndim - 2 : 0;
    if (a->shape[l] != b->shape[r])
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "dot: shapes do not align: a's last axis "
                                "has length %" PRId64 ", b's axis %d has length %" PRId64,
                                a->shape[l], r, b->shape[r]);
    return dusk_tensordot(a, b, &l, &r, 1);
}

/* --- matmul ---------------------------------------------------------------- */

/* Blocks (..., m, k) and (..., k, n), their leading axes broadcasting, to
 * (..., m, 1, n). */
int dusk__k_matmul(const dusk__targs *t, dusk_value **out, dusk_error *err)
{
    int nd = (int)dusk_tuple_len(t->index) - 1;
    const dusk_value *a, *b;
    int rc;
    if (nd < 2)
        return dusk_error_set(err, DUSK_EINVAL, "matmul: a %d-d block index", nd + 1);
    if ((rc = product_dtype_ok(t, err)) || (rc = dusk__targs_block_in(t, 0, nd, &a, err)) ||
        (rc = dusk__targs_block_in(t, 1, nd, &b, err)))
        return rc;
    const int64_t *sa = a->u.nd.shape, *sb = b->u.nd.shape;
    const int64_t *ta = a->u.nd.strides, *tb = b->u.nd.strides;
    int64_t shape[DUSK_MAXDIMS], M = sa[nd - 2], K = sa[nd - 1], N = sb[nd - 1];
    if (sb[nd - 2] != K)
        return dusk_error_set(err, DUSK_EINVAL, "matmul: blocks do not match along the inner "
                              "axis");
    int64_t batches = 1;
    for (int d = 0; d < nd - 2; d++) {
        if (sa[d] != sb[d] && sa[d] != 1 && sb[d] != 1)
            return dusk_error_set(err, DUSK_EINVAL, "matmul: blocks do not broadcast");
        shape[d] = sa[d] == 1 ? sb[d] : sa[d];
        batches *= shape[d];
    }
    shape[nd - 2] = M;
    shape[nd - 1] = 1;
    shape[nd] = N;
    dusk_value *v = dusk_ndarray_new(t->dtype, nd + 1, shape);
    if (!v)
        return oom(err);
    int64_t i[DUSK_MAXDIMS] = {0}, es = (int64_t)dusk_dtype_size(t->dtype);
    for (int64_t q = 0; q < batches && !rc; q++) {
        int64_t oa = 0, ob = 0;
        for (int d = 0; d < nd - 2; d++) {
            oa += sa[d] == 1 ? 0 : i[d] * ta[d];
            ob += sb[d] == 1 ? 0 : i[d] * tb[d];
        }
        mat A = {a->u.nd.data + oa, ta[nd - 2], ta[nd - 1], a->u.nd.dtype};
        mat B = {b->u.nd.data + ob, tb[nd - 2], tb[nd - 1], b->u.nd.dtype};
        rc = gemm2d(t->dtype, M, N, K, &A, &B, v->u.nd.data + q * M * N * es, err);
        for (int d = nd - 3; d >= 0; d--) {
            if (++i[d] < shape[d])
                break;
            i[d] = 0;
        }
    }
    if (rc) {
        dusk_value_unref(v);
        return rc;
    }
    *out = v;
    return 0;
}

/* Renames a layer made by dusk_array_reduce to prefix-<its token>, and
 * has its tasks run the entry of that name. */
static int rename_layer(dusk__layer *L, const char *prefix, const dusk__op *kop)
{
    const char *tok = strrchr(L->name, '-');
    size_t n = strlen(prefix) + strlen(tok) + 1;
    char *name = dusk_malloc(n);
    if (!name)
        return -1;
    snprintf(name, n, "%s%s", prefix, tok);
    dusk_free(L->name);
    L->name = name;
    dusk_key_split(name, L->op, sizeof L->op);
    L->kop = kop;
    return 0;
}

/* Dask sums matmul's blocks with its own _chunk_sum: the layers that
 * dusk_array_reduce named 'sum', 'sum-partial' and 'sum-aggregate' (from
 * r down to x) become 'chunk_sum', '_chunk_sum-partial' and
 * '_chunk_sum-aggregate'. */
static dusk_array *rename_sum(dusk_array *r, const dusk_array *x)
{
    dusk__layer *prev = NULL;
    for (dusk__layer *L = r->L; L && L != x->L; L = L->in[0]) {
        int step = L->kop == dusk__op_red(DUSK__RED_ROW_SUM, DUSK__RED_AGG)       ? DUSK__RED_AGG
                   : L->kop == dusk__op_red(DUSK__RED_ROW_SUM, DUSK__RED_COMBINE) ? DUSK__RED_COMBINE
                                                                                 : DUSK__RED_CHUNK;
        const dusk__op *kop = dusk__op_red(DUSK__RED_ROW_CHUNK_SUM, step);
        if (rename_layer(L, kop->func.name, kop) < 0)
            return dusk__array_oom(r->ctx, "matmul");
        if (prev)
            prev->deps[0] = L->name;
        prev = L;
    }
    return r;
}

dusk_array *dusk_array_matmul(dusk_array *a, dusk_array *b)
{
    dusk_array *e = check_pair(a, b, "matmul");
    if (e)
        return e;
    dusk_array_ctx *ctx = a->ctx;
    if (a->ndim == 0 || b->ndim == 0)
        return dusk__array_fail(ctx, DUSK_EINVAL, "matmul: does not take 0-d arrays (a has %d "
                                "dimensions, b has %d)", a->ndim, b->ndim);
    /* check the shapes before adding any layer */
    int a1 = a->ndim == 1, b1 = b->ndim == 1;
    int na = a1 ? 2 : a->ndim, nbd = b1 ? 2 : b->ndim, nd = na > nbd ? na : nbd;
    int64_t ka = a->shape[a->ndim - 1], kb = b1 ? b->shape[0] : b->shape[b->ndim - 2];
    if (ka != kb)
        return dusk__array_fail(ctx, DUSK_EINVAL, "matmul: mismatch in the inner dimension: a "
                                "has %" PRId64 " columns, b has %" PRId64 " rows", ka, kb);
    for (int d = 0; d < nd - 2; d++) {
        int da = d - (nd - na), db = d - (nd - nbd);
        int64_t x = da >= 0 ? a->shape[da] : 1, y = db >= 0 ? b->shape[db] : 1;
        if (x != y && x != 1 && y != 1)
            return dusk__array_fail(ctx, DUSK_EINVAL, "matmul: the stack axes do not broadcast "
                                    "(axis %d: %" PRId64 " vs %" PRId64 ")", d, x, y);
    }
    if (nd + 1 > DUSK_MAXDIMS)
        return dusk__array_fail(ctx, DUSK_EINVAL, "matmul: the product would have %d dimensions "
                                "(at most %d)", nd + 1, DUSK_MAXDIMS);
    dusk_dtype ct = product_dtype(a->dtype, b->dtype);
    /* a[np.newaxis, :], b[:, np.newaxis], then leading axes */
    dusk_index ix[DUSK_MAXDIMS];
    if (a1) {
        ix[0] = DUSK_NEWAXIS;
        ix[1] = DUSK_ALL;
        a = dusk_array_getitem(a, ix, 2);
    }
    if (b1) {
        ix[0] = DUSK_ALL;
        ix[1] = DUSK_NEWAXIS;
        b = dusk_array_getitem(b, ix, 2);
    }
    if ((e = dusk__array_bad_input(a, b)))
        return e;
    if (a->ndim != b->ndim) {
        dusk_array **s = a->ndim < b->ndim ? &a : &b;
        int k = nd - (*s)->ndim;
        for (int i = 0; i < k; i++)
            ix[i] = DUSK_NEWAXIS;
        *s = dusk_array_getitem(*s, ix, k);
        if ((e = dusk__array_bad_input(*s, NULL)))
            return e;
    }
    /* stack axes and the inner axis get common chunks */
    int la[DUSK_MAXDIMS], rb[DUSK_MAXDIMS];
    for (int d = 0; d < nd - 2; d++)
        la[d] = rb[d] = d;
    la[nd - 2] = nd - 1;
    rb[nd - 2] = nd - 2;
    if ((e = unify_pair(&a, &b, la, rb, nd - 1, "matmul")))
        return e;
    /* the grid: stack axes, a's rows, the inner axis one block wide, b's
     * columns */
    int64_t shape[DUSK_MAXDIMS], nb[DUSK_MAXDIMS];
    int64_t *chunks[DUSK_MAXDIMS];
    int map[2][DUSK_MAXDIMS];
    memset(map, -1, sizeof map);
    for (int d = 0; d < nd - 2; d++) {
        const dusk_array *s = a->shape[d] != 1 || b->shape[d] == 1 ? a : b;
        shape[d] = s->shape[d];
        nb[d] = s->nb[d];
        chunks[d] = s->chunks[d];
        map[0][d] = a->nb[d] == 1 ? -1 : d;
        map[1][d] = b->nb[d] == 1 ? -1 : d;
    }
    int64_t nbk = a->nb[nd - 1];
    int64_t *ones = dusk_malloc((size_t)(nbk ? nbk : 1) * sizeof(int64_t));
    if (!ones)
        return dusk__array_oom(ctx, "matmul");
    for (int64_t i = 0; i < nbk; i++)
        ones[i] = 1;
    shape[nd - 2] = a->shape[nd - 2];
    nb[nd - 2] = a->nb[nd - 2];
    chunks[nd - 2] = a->chunks[nd - 2];
    shape[nd - 1] = nbk;
    nb[nd - 1] = nbk;
    chunks[nd - 1] = ones;
    shape[nd] = b->shape[nd - 1];
    nb[nd] = b->nb[nd - 1];
    chunks[nd] = b->chunks[nd - 1];
    map[0][nd - 2] = nd - 2;
    map[0][nd - 1] = nd - 1;
    map[1][nd - 2] = nd - 1;
    map[1][nd - 1] = nd;
    char tok[33];
    dusk__token(tok, "matmul|%s|%s|%s", a->L->name, b->L->name, dusk_dtype_code(ct));
    dusk_array *ab[2] = {a, b};
    dusk_array *x = dusk__blockwise_layer(dusk__op_get(DUSK__OP_MATMUL), tok, ab, 2, map, nd + 1,
                                          shape, chunks, nb, ct, 0, NULL);
    dusk_free(ones);
    if (x->status)
        return x;
    /* _sum_wo_cat over the inner axis */
    dusk_array *r;
    if (x->shape[nd - 1] == 1) {
        r = dusk_array_squeeze(x, DUSK_AXIS(-2));
    } else {
        r = dusk_array_reduce(DUSK_RED_SUM, x, DUSK_AXIS(-2), false, 0, 0);
        if (!r->status)
            r = rename_sum(r, x);
    }
    if (a1)
        r = dusk_array_squeeze(r, DUSK_AXIS(-2));
    if (b1)
        r = dusk_array_squeeze(r, DUSK_AXIS(-1));
    return r;
}
