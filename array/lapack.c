/*
** dusk — linear algebra on chunked arrays, as dask.array.linalg builds it
**
** The graphs are Dask's (dask/array/linalg.py, 2022.12), layer for layer:
** tsqr factorises each block of a one-column grid ('qr'), splits the
** (Q, R) pairs ('getitem-T-q1', 'getitem-T-r1'), stacks the R factors
** ('stack-T-r1') and factorises them again, either in one task ('qr-T-qr2'
** and its 'getitem' -q2-aux, -q2, -r2) or, when the stack would be taller
** than the tallest block and grouping halves it, by tsqr of the stack in
** groups of blocks (recursion; 'getitem-T-q2' cuts the inner Q back into
** pieces, 'r-inner-T' passes its R on). 'dot-T-q3' multiplies each block's
** Q by its piece. svd adds 'svd-T-2' on R and 'getitem-T-u4' = Q @ U_R,
** then Dask's svd_flip out of ordinary array operations; sfqr,
** svd_compressed, lstsq and norm are array operations around these.
**
** solve_triangular, lu and cholesky are Dask's blocked algorithms, whose
** one layer holds keys of several names (the products a block subtracts
** are tasks of their own, 'solve-tri-dot', 'lu-plu-dot' ...): such a layer
** emits its tasks itself (dusk__layer's emit), and lu's three layers and
** cholesky's keys are emitted once whichever layer comes first.
**
** The block kernels call LAPACK through LAPACKE. QR is dgeqrt and dgemqrt
** on a column-major copy of the block (NumPy's reflectors, so R's signs
** are NumPy's); the SVD runs dgesdd on the row-major block as it is: a
** row-major m x n block is the column-major n x m matrix A^T, whose SVD
** gives A's Vt and U, row-major; dtrtrs, dgetrf, dpotrf, dsyevd for the
** rest. Every kernel works in float64 and stores its result in the task's
** dtype (float32 for float32 arrays). A complex task (complex128 or
** complex64) runs the kernel's complex twin (zgeqrt ... zheevd), in
** complex128; sfqr, svd_compressed and cholesky conjugate where Dask's
** transposes of a complex array would need it (see herm and
** dusk__k_la_ctrans), so a complex array's graph is a real one's plus
** those conjugations only.
**
** Blocks whose values are tuples ((Q, R), (U, S, Vt), (P, L, U)) only
** ever feed the 'getitem' tasks; no array the user gets has them.
*/
#include <cblas.h>
#include <inttypes.h>
#include <lapacke.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "dusk/alloc.h"
#include "dusk/linalg.h"
#include "nd.h"
#include "core/value.h"

/* --- kernels ---------------------------------------------------------------- */

/* dusk runs blocks in parallel on its workers; OpenBLAS's own threads on
 * top of them oversubscribe the cores (on 2 cores, 100,000-row block QRs
 * ran 5 times slower with OpenBLAS's default than with one thread per
 * call). So the first factorisation task of the process sets OpenBLAS to
 * one thread, unless the user has chosen (OPENBLAS_NUM_THREADS or
 * OMP_NUM_THREADS set): linalg.h says so. */
static pthread_once_t blas_once = PTHREAD_ONCE_INIT;

static void blas_single(void)
{
    if (!getenv("OPENBLAS_NUM_THREADS") && !getenv("OMP_NUM_THREADS"))
        openblas_set_num_threads(1);
}

static int la_oom(const dusk__targs *t, dusk_error *err)
{
    return dusk_error_set(err, DUSK_ENOMEM, "%s: out of memory for a block", t->op->func.name);
}

/* Copies 2-d block v (any dtype, any strides) into dst as row-major
 * float64. */
static void copy_f8(const dusk_value *v, double *dst)
{
    const int64_t *sh = v->u.nd.shape, *st = v->u.nd.strides;
    if (v->u.nd.dtype == DUSK_DT_F8 && dusk_ndarray_is_contiguous(v)) {
        memcpy(dst, v->u.nd.data, (size_t)(sh[0] * sh[1]) * sizeof *dst);
        return;
    }
    for (int64_t i = 0; i < sh[0]; i++)
        for (int64_t j = 0; j < sh[1]; j++)
            *dst++ = dusk__nd_loadf(v->u.nd.data + i * st[0] + j * st[1], v->u.nd.dtype);
}

/* Row-major float64 contents of block v: v's own data when it is
 * contiguous float64 (*own NULL), else a copy in *own the caller frees. */
static const double *as_f8(const dusk_value *v, double **own)
{
    *own = NULL;
    if (v->u.nd.dtype == DUSK_DT_F8 && dusk_ndarray_is_contiguous(v))
        return (const double *)v->u.nd.data;
    int64_t n = v->u.nd.shape[0] * v->u.nd.shape[1];
    *own = dusk_malloc((size_t)(n ? n : 1) * sizeof(double));
    if (*own)
        copy_f8(v, *own);
    return *own;
}

/* A float64 (complex128) result v in the task's dtype, float32
 * (complex64) or its own (consumes v); NULL when out of memory. */
static dusk_value *in_dtype(const dusk__targs *t, dusk_value *v)
{
    if (!v || t->dtype == v->u.nd.dtype)
        return v;
    dusk_value *c = NULL;
    dusk_error e = DUSK_ERROR_INIT;
    dusk__nd_astype(v, t->dtype, &c, &e);
    dusk_value_unref(v);
    return c;
}

/* The task's dtype must be one the kernels store. */
static int la_dtype_ok(const dusk__targs *t, dusk_error *err)
{
    if (t->dtype == DUSK_DT_F8 || t->dtype == DUSK_DT_F4 || t->dtype == DUSK_DT_C16 ||
        t->dtype == DUSK_DT_C8)
        return 0;
    return dusk_error_set(err, DUSK_ETYPE, "%s: a factorisation is not stored in %s "
                          "(float64, float32, complex128 or complex64)", t->op->func.name,
                          dusk_dtype_name(t->dtype));
}

/* --- complex blocks: the same kernels in complex128 -------------------------- */

typedef lapack_complex_double zc;   /* double _Complex (C99), as LAPACKE's default */

static int is_cplx(dusk_dtype t)
{
    return t == DUSK_DT_C16 || t == DUSK_DT_C8;
}

/* The real dtype of a complex one's parts (float64, float32); the real
 * dtypes the kernels store are their own. */
static dusk_dtype real_of(dusk_dtype t)
{
    return t == DUSK_DT_C8 || t == DUSK_DT_F4 ? DUSK_DT_F4 : DUSK_DT_F8;
}

/* v (consumed) in dtype want; NULL when out of memory. */
static dusk_value *as_dtype(dusk_value *v, dusk_dtype want)
{
    if (!v || v->u.nd.dtype == want)
        return v;
    dusk_value *c = NULL;
    dusk_error e = DUSK_ERROR_INIT;
    dusk__nd_astype(v, want, &c, &e);
    dusk_value_unref(v);
    return c;
}

/* Block v (2-d, any dtype and strides) as row-major complex128, into dst. */
static void copy_c16(const dusk_value *v, zc *dst)
{
    const int64_t *sh = v->u.nd.shape, *st = v->u.nd.strides;
    if (v->u.nd.dtype == DUSK_DT_C16 && dusk_ndarray_is_contiguous(v)) {
        memcpy(dst, v->u.nd.data, (size_t)(sh[0] * sh[1]) * sizeof *dst);
        return;
    }
    for (int64_t i = 0; i < sh[0]; i++)
        for (int64_t j = 0; j < sh[1]; j++)
            *dst++ = dusk__nd_loadc(v->u.nd.data + i * st[0] + j * st[1], v->u.nd.dtype);
}

/* Block v as column-major complex128 with leading dimension rows. */
static void copy_c16_colmajor(const dusk_value *v, zc *dst)
{
    const int64_t *sh = v->u.nd.shape, *st = v->u.nd.strides;
    int64_t m = sh[0], n = sh[1];
    for (int64_t i0 = 0; i0 < m; i0 += 64) {
        int64_t i1 = i0 + 64 < m ? i0 + 64 : m;
        for (int64_t i = i0; i < i1; i++)
            for (int64_t j = 0; j < n; j++)
                dst[i + j * m] = dusk__nd_loadc(v->u.nd.data + i * st[0] + j * st[1],
                                                v->u.nd.dtype);
    }
}

/* Row-major complex128 contents of block v: its own data when it is
 * contiguous complex128 (*own NULL), else a copy in *own the caller frees. */
static const zc *as_c16(const dusk_value *v, zc **own)
{
    *own = NULL;
    if (v->u.nd.dtype == DUSK_DT_C16 && dusk_ndarray_is_contiguous(v))
        return (const zc *)(const void *)v->u.nd.data;
    int64_t n = v->u.nd.shape[0] * v->u.nd.shape[1];
    *own = dusk_malloc((size_t)(n ? n : 1) * sizeof(zc));
    if (*own)
        copy_c16(v, *own);
    return *own;
}

static zc *zalloc(int64_t n)
{
    return dusk_malloc((size_t)(n > 0 ? n : 1) * sizeof(zc));
}

static int la_block(const dusk__targs *t, size_t i, const dusk_value **v, dusk_error *err)
{
    pthread_once(&blas_once, blas_single);   /* every BLAS/LAPACK kernel passes here first */
    int rc = dusk__targs_block_in(t, i, 2, v, err);
    if (rc)
        return rc;
    const int64_t *sh = (*v)->u.nd.shape;
    if (sh[0] > INT_MAX || sh[1] > INT_MAX)
        return dusk_error_set(err, DUSK_EINVAL, "%s: a block of %" PRId64 " x %" PRId64
                              " is too large for LAPACK", t->op->func.name, sh[0], sh[1]);
    return 0;
}

/* Block v (2-d, any dtype and strides) as column-major float64 with
 * leading dimension rows, into dst. */
static void copy_f8_colmajor(const dusk_value *v, double *dst)
{
    const int64_t *sh = v->u.nd.shape, *st = v->u.nd.strides;
    int64_t m = sh[0], n = sh[1];
    /* in tiles of 64 rows, so that both sides stay in cache */
    for (int64_t i0 = 0; i0 < m; i0 += 64) {
        int64_t i1 = i0 + 64 < m ? i0 + 64 : m;
        for (int64_t i = i0; i < i1; i++) {
            const char *row = v->u.nd.data + i * st[0];
            for (int64_t j = 0; j < n; j++)
                dst[i + j * m] = v->u.nd.dtype == DUSK_DT_F8
                                     ? *(const double *)(const void *)(row + j * st[1])
                                     : dusk__nd_loadf(row + j * st[1], v->u.nd.dtype);
        }
    }
}

/* The error of a LAPACKE call that returned info < 0: out of memory for
 * its workspace, or (every argument dusk passes being valid) LAPACKE's
 * check of the block for NaNs, which LAPACK itself would carry into the
 * result: dusk says so instead. */
static int lapacke_error(const dusk__targs *t, const char *routine, int64_t m, int64_t n,
                         lapack_int info, dusk_error *err)
{
    if (info == LAPACK_WORK_MEMORY_ERROR || info == LAPACK_TRANSPOSE_MEMORY_ERROR)
        return dusk_error_set(err, DUSK_ENOMEM, "%s: out of memory for LAPACK's %s workspace",
                              t->op->func.name, routine);
    return dusk_error_set(err, DUSK_EINVAL, "%s: LAPACK's %s refused a block of %" PRId64 " x %"
                          PRId64 " (info %d): it holds NaN, or an infinity that became NaN",
                          t->op->func.name, routine, m, n, (int)info);
}

/* --- the complex kernels ---------------------------------------------------------- */

/* The complex kernels below are the real ones' twins in complex128
 * (zgeqrt, zgesdd, ztrtrs, zgetrf, zpotrf, zheevd), called by them for a
 * task of dtype complex128 or complex64; a complex64 task's results are
 * computed in complex128 and stored in complex64, as float32's in
 * float64. Their transposes differ where conjugation matters: each says
 * how. */

/* np.linalg.qr of a complex block: zgeqrt (zgeqrf's reflectors, so R's
 * diagonal is NumPy's: real, of LAPACK's signs). Q's row-major m x k
 * storage is the column-major k x m matrix Q^T = conj(Q^H) = conj([I 0]
 * H^H): zgemqrt applies H^H from the right to [I 0], and every entry is
 * conjugated after. */
static int qr_c(const dusk__targs *t, const dusk_value *a, dusk_value **out, dusk_error *err)
{
    int64_t m = a->u.nd.shape[0], n = a->u.nd.shape[1], k = m < n ? m : n;
    int64_t nb = k < 128 ? (k ? k : 1) : 64;
    int64_t qs[2] = {m, k}, rs[2] = {k, n};
    int rc = 0;
    dusk_value *q = dusk_ndarray_new(DUSK_DT_C16, 2, qs);
    dusk_value *r = dusk_ndarray_new(DUSK_DT_C16, 2, rs);
    zc *w = zalloc(m * n);
    zc *T = dusk_calloc((size_t)(nb * (k ? k : 1)), sizeof(zc));   /* zeroed, as the real one */
    if (!q || !r || !w || !T) {
        rc = la_oom(t, err);
        goto done;
    }
    copy_c16_colmajor(a, w);
    if (k > 0) {
        lapack_int info = LAPACKE_zgeqrt(LAPACK_COL_MAJOR, (lapack_int)m, (lapack_int)n,
                                         (lapack_int)nb, w, (lapack_int)m, T, (lapack_int)nb);
        zc *R = (zc *)(void *)r->u.nd.data, *Q = (zc *)(void *)q->u.nd.data;
        for (int64_t i = 0; info == 0 && i < k; i++)
            for (int64_t j = i; j < n; j++)
                R[i * n + j] = w[i + j * m];
        for (int64_t i = 0; i < k; i++)
            Q[i * k + i] = 1;
        if (info == 0)
            info = LAPACKE_zgemqrt(LAPACK_COL_MAJOR, 'R', 'C', (lapack_int)k, (lapack_int)m,
                                   (lapack_int)k, (lapack_int)nb, w, (lapack_int)m, T,
                                   (lapack_int)nb, Q, (lapack_int)k);
        if (info != 0) {
            rc = lapacke_error(t, "zgeqrt/zgemqrt", m, n, info, err);
            goto done;
        }
        for (int64_t i = 0; i < m * k; i++)
            Q[i] = conj(Q[i]);
    }
    q = in_dtype(t, q);
    r = in_dtype(t, r);
    dusk_value *items[2] = {q, r};
    q = r = NULL;
    if (!(*out = dusk_tuple_of(2, items)))
        rc = la_oom(t, err);
done:
    dusk_free(w);
    dusk_free(T);
    dusk_value_unref(q);
    dusk_value_unref(r);
    return rc;
}

/* np.linalg.svd(block, full_matrices=False) of a complex block: zgesdd on
 * the column-major block itself, as NumPy calls it, so the singular
 * vectors' phases are NumPy's (the real kernel's trick, the row-major
 * block read as column-major A^T, would give U = conj(V_b), Vh = U_b^T of
 * A^T = U_b S V_b^H: a valid SVD, with phases NumPy's svd_flip cannot
 * undo). S is real: float64 (float32 for complex64). */
static int svd_c(const dusk__targs *t, const dusk_value *a, dusk_value **out, dusk_error *err)
{
    int64_t m = a->u.nd.shape[0], n = a->u.nd.shape[1], k = m < n ? m : n;
    int64_t us[2] = {m, k}, ss[1] = {k}, vs[2] = {k, n};
    int rc = 0;
    dusk_value *u = dusk_ndarray_new(DUSK_DT_C16, 2, us);
    dusk_value *s = dusk_ndarray_new(DUSK_DT_F8, 1, ss);
    dusk_value *v = dusk_ndarray_new(DUSK_DT_C16, 2, vs);
    zc *w = zalloc(m * n), *U = zalloc(m * k), *VT = zalloc(k * n);
    if (!u || !s || !v || !w || !U || !VT) {
        rc = la_oom(t, err);
        goto done;
    }
    copy_c16_colmajor(a, w);
    if (k > 0) {
        lapack_int info = LAPACKE_zgesdd(LAPACK_COL_MAJOR, 'S', (lapack_int)m, (lapack_int)n, w,
                                         (lapack_int)m, (double *)s->u.nd.data, U, (lapack_int)m,
                                         VT, (lapack_int)k);
        if (info > 0) {
            rc = dusk_error_set(err, DUSK_EINVAL, "svd: SVD did not converge on a block of %"
                                PRId64 " x %" PRId64 " (LAPACK zgesdd, info %d)", m, n, (int)info);
            goto done;
        }
        if (info < 0) {
            rc = lapacke_error(t, "zgesdd", m, n, info, err);
            goto done;
        }
        zc *pu = (zc *)(void *)u->u.nd.data, *pv = (zc *)(void *)v->u.nd.data;
        for (int64_t i = 0; i < m; i++)
            for (int64_t j = 0; j < k; j++)
                pu[i * k + j] = U[i + j * m];
        for (int64_t i = 0; i < k; i++)
            for (int64_t j = 0; j < n; j++)
                pv[i * n + j] = VT[i + j * k];
    }
    dusk_value *items[3] = {in_dtype(t, u), as_dtype(s, real_of(t->dtype)), in_dtype(t, v)};
    u = s = v = NULL;
    if (!(*out = dusk_tuple_of(3, items)))
        rc = la_oom(t, err);
done:
    dusk_free(w);
    dusk_free(U);
    dusk_free(VT);
    dusk_value_unref(u);
    dusk_value_unref(s);
    dusk_value_unref(v);
    return rc;
}

/* a @ b of complex (or mixed) 2-d blocks: zgemm, as dot2. */
static int dot2_c(const dusk__targs *t, const dusk_value *a, const dusk_value *b, int vec,
                  dusk_value **out, dusk_error *err)
{
    int64_t m = a->u.nd.shape[0], k = a->u.nd.shape[1], n = b->u.nd.shape[1];
    if (b->u.nd.shape[0] != k)
        return dusk_error_set(err, DUSK_EINVAL, "dot: blocks of %" PRId64 " x %" PRId64 " and %"
                              PRId64 " x %" PRId64 " do not align", m, k, b->u.nd.shape[0], n);
    int64_t shape[2] = {m, n};
    dusk_value *v = dusk_ndarray_new(DUSK_DT_C16, vec ? 1 : 2, shape);
    zc *pa, *pb;
    const zc *da = as_c16(a, &pa), *db = as_c16(b, &pb);
    if (!v || !da || !db) {
        dusk_value_unref(v);
        dusk_free(pa);
        dusk_free(pb);
        return la_oom(t, err);
    }
    zc one = 1, zero = 0;
    if (m && n && k)
        cblas_zgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)n, (int)k, &one, da,
                    (int)k, db, (int)n, &zero, v->u.nd.data, (int)n);
    dusk_free(pa);
    dusk_free(pb);
    if (!(*out = in_dtype(t, v)))
        return la_oom(t, err);
    return 0;
}

/* np.vstack of complex blocks. */
static int vstack_c(const dusk__targs *t, const dusk_value *list, const int64_t *shape,
                    dusk_value **out, dusk_error *err)
{
    dusk_value *v = dusk_ndarray_empty(DUSK_DT_C16, 2, shape);
    if (!v)
        return la_oom(t, err);
    zc *o = (zc *)(void *)v->u.nd.data;
    for (size_t i = 0; i < dusk_tuple_len(list); i++) {
        const dusk_value *b = dusk_tuple_get(list, i);
        copy_c16(b, o);
        o += dusk_ndarray_shape(b)[0] * shape[1];
    }
    if (!(*out = in_dtype(t, v)))
        return la_oom(t, err);
    return 0;
}

/* load_rhs in complex128. */
static void load_rhs_c(const dusk_value *b, zc *B, int64_t n, int64_t nrhs, int tr, double sign)
{
    int bnd = dusk_ndarray_ndim(b);
    const int64_t *bs = dusk_ndarray_strides(b);
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < nrhs; j++) {
            int64_t r = tr ? j : i, c = tr ? i : j;
            B[i + j * n] += sign * dusk__nd_loadc(b->u.nd.data + r * bs[0] +
                                                  (bnd == 2 ? c * bs[1] : 0), b->u.nd.dtype);
        }
}

/* The singular-matrix error of a triangular solve, naming the block. */
static int trs_singular(const dusk__targs *t, int64_t form, lapack_int info, dusk_error *err)
{
    int64_t bi = dusk_tuple_len(t->index) ? dusk_value_int(dusk_tuple_get(t->index, 0)) : 0;
    if (form == 2 && dusk_tuple_len(t->index) > 1)
        bi = dusk_value_int(dusk_tuple_get(t->index, 1));
    return dusk_error_set(err, DUSK_EINVAL, "solve_triangular: singular matrix: a's diagonal "
                          "block (%" PRId64 ", %" PRId64 ") has a zero at its diagonal entry %d",
                          bi, bi, (int)info - 1);
}

/* dusk__k_la_trsolve of a complex task (ztrtrs); its arguments checked.
 * Form 2's transposes are plain ones, as Dask's (lu's x U = A_ki is
 * U^T x^T = A_ki^T: no conjugation). */
static int trsolve_c(const dusk__targs *t, int64_t lower, int64_t form, const dusk_value *a,
                     const dusk_value *pm, const dusk_value *b, const dusk_value *list,
                     dusk_value **out, dusk_error *err)
{
    int bnd = dusk_ndarray_ndim(b);
    int64_t n = a->u.nd.shape[0];
    int64_t br = b->u.nd.shape[0], bc = bnd == 2 ? b->u.nd.shape[1] : 1;
    int64_t nrhs = form == 2 ? br : bc;
    int rc = 0;
    zc *A = zalloc(n * n);
    dusk_value *x = dusk_ndarray_empty(DUSK_DT_C16, bnd, b->u.nd.shape);
    zc *B = dusk_calloc((size_t)(n * nrhs > 0 ? n * nrhs : 1), sizeof(zc));
    dusk_value *pb = NULL;
    if (!A || !x || !B) {
        rc = la_oom(t, err);
        goto done;
    }
    copy_c16_colmajor(a, A);
    if (pm) {   /* p @ b first */
        dusk__targs t2 = *t;
        dusk_value *in2[2] = {(dusk_value *)pm, (dusk_value *)b};
        t2.in = in2;
        t2.nin = 2;
        t2.dtype = DUSK_DT_C16;
        if ((rc = dusk__k_la_dot(&t2, &pb, err)))
            goto done;
        load_rhs_c(pb, B, n, nrhs, 0, 1);
    } else {
        load_rhs_c(b, B, n, nrhs, form == 2, 1);
    }
    for (size_t p = 0; list && p < dusk_tuple_len(list); p++) {
        const dusk_value *d = dusk_tuple_get(list, p);
        if (dusk_value_kind(d) != DUSK_KIND_NDARRAY || dusk_ndarray_ndim(d) != bnd ||
            dusk_ndarray_shape(d)[0] != br || (bnd == 2 && dusk_ndarray_shape(d)[1] != bc)) {
            rc = dusk_error_set(err, DUSK_EINVAL, "solve_triangular: product %zu is not of the "
                                "right-hand side's shape", p);
            goto done;
        }
        load_rhs_c(d, B, n, nrhs, form == 2, -1);
    }
    if (n > 0 && nrhs > 0) {
        lapack_int info = LAPACKE_ztrtrs(LAPACK_COL_MAJOR, lower ? 'L' : 'U', 'N', 'N',
                                         (lapack_int)n, (lapack_int)nrhs, A, (lapack_int)n, B,
                                         (lapack_int)n);
        if (info > 0) {
            rc = trs_singular(t, form, info, err);
            goto done;
        }
        if (info < 0) {
            rc = lapacke_error(t, "ztrtrs", n, n, info, err);
            goto done;
        }
    }
    zc *X = (zc *)(void *)x->u.nd.data;
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < nrhs; j++) {
            if (form == 2)
                X[j * bc + i] = B[i + j * n];
            else
                X[i * nrhs + j] = B[i + j * n];
        }
    *out = in_dtype(t, x);
    x = NULL;
    if (!*out)
        rc = la_oom(t, err);
done:
    dusk_free(A);
    dusk_free(B);
    dusk_value_unref(x);
    dusk_value_unref(pb);
    return rc;
}

/* The block less the products (lu's and cholesky's target), column-major
 * complex128, into w (n x n, zeroed). */
static int target_c(const dusk__targs *t, const char *what, const dusk_value *a,
                    const dusk_value *list, zc *w, int64_t n, dusk_error *err)
{
    load_rhs_c(a, w, n, n, 0, 1);
    for (size_t p = 0; list && p < dusk_tuple_len(list); p++) {
        const dusk_value *d = dusk_tuple_get(list, p);
        if (dusk_value_kind(d) != DUSK_KIND_NDARRAY || dusk_ndarray_ndim(d) != 2 ||
            dusk_ndarray_shape(d)[0] != n || dusk_ndarray_shape(d)[1] != n)
            return dusk_error_set(err, DUSK_EINVAL, "%s: product %zu is not of the block's shape",
                                  what, p);
        load_rhs_c(d, w, n, n, 0, -1);
    }
    (void)t;
    return 0;
}

/* scipy.linalg.lu of a complex block (zgetrf): P real (float64, float32
 * for complex64, as SciPy's), L and U complex. */
static int lu_c(const dusk__targs *t, const dusk_value *a, const dusk_value *list,
                dusk_value **out, dusk_error *err)
{
    int64_t n = a->u.nd.shape[0], sh[2] = {n, n};
    int rc = 0;
    dusk_value *P = dusk_ndarray_new(DUSK_DT_F8, 2, sh), *L = dusk_ndarray_new(DUSK_DT_C16, 2, sh),
               *U = dusk_ndarray_new(DUSK_DT_C16, 2, sh);
    zc *w = dusk_calloc((size_t)(n > 0 ? n * n : 1), sizeof(zc));
    lapack_int *ipiv = dusk_malloc((size_t)(n ? n : 1) * sizeof *ipiv);
    int64_t *perm = dusk_malloc((size_t)(n ? n : 1) * sizeof *perm);
    if (!P || !L || !U || !w || !ipiv || !perm) {
        rc = la_oom(t, err);
        goto done;
    }
    if ((rc = target_c(t, "lu", a, list, w, n, err)))
        goto done;
    if (n > 0) {
        lapack_int info = LAPACKE_zgetrf(LAPACK_COL_MAJOR, (lapack_int)n, (lapack_int)n, w,
                                         (lapack_int)n, ipiv);
        if (info < 0) {
            rc = lapacke_error(t, "zgetrf", n, n, info, err);
            goto done;
        }
    }
    for (int64_t i = 0; i < n; i++)
        perm[i] = i;
    for (int64_t i = 0; i < n; i++) {
        int64_t j = ipiv[i] - 1, x = perm[i];
        perm[i] = perm[j];
        perm[j] = x;
    }
    double *p = (double *)P->u.nd.data;
    zc *l = (zc *)(void *)L->u.nd.data, *u = (zc *)(void *)U->u.nd.data;
    for (int64_t i = 0; i < n; i++) {
        p[perm[i] * n + i] = 1;
        for (int64_t j = 0; j < n; j++) {
            if (j < i)
                l[i * n + j] = w[i + j * n];
            else
                u[i * n + j] = w[i + j * n];
        }
        l[i * n + i] = 1;
    }
    dusk_value *items[3] = {as_dtype(P, real_of(t->dtype)), in_dtype(t, L), in_dtype(t, U)};
    P = L = U = NULL;
    if (!(*out = dusk_tuple_of(3, items)))
        rc = la_oom(t, err);
done:
    dusk_free(w);
    dusk_free(ipiv);
    dusk_free(perm);
    dusk_value_unref(P);
    dusk_value_unref(L);
    dusk_value_unref(U);
    return rc;
}

/* np.linalg.cholesky of a complex block (zpotrf): L with L @ L^H the
 * block, which must be Hermitian; as NumPy, its lower triangle is read
 * (and the diagonal's real parts). */
static int chol_c(const dusk__targs *t, const dusk_value *a, const dusk_value *list,
                  dusk_value **out, dusk_error *err)
{
    int64_t n = a->u.nd.shape[0], sh[2] = {n, n};
    int rc = 0;
    dusk_value *v = dusk_ndarray_new(DUSK_DT_C16, 2, sh);
    zc *w = dusk_calloc((size_t)(n > 0 ? n * n : 1), sizeof(zc));
    if (!v || !w) {
        rc = la_oom(t, err);
        goto done;
    }
    if ((rc = target_c(t, "cholesky", a, list, w, n, err)))
        goto done;
    if (n > 0) {
        lapack_int info = LAPACKE_zpotrf(LAPACK_COL_MAJOR, 'L', (lapack_int)n, w, (lapack_int)n);
        if (info > 0) {
            int64_t bi = dusk_tuple_len(t->index) ? dusk_value_int(dusk_tuple_get(t->index, 0)) : 0;
            rc = dusk_error_set(err, DUSK_EINVAL, "cholesky: matrix is not positive definite "
                                "(its diagonal block (%" PRId64 ", %" PRId64 ") fails at entry "
                                "%d)", bi, bi, (int)info - 1);
            goto done;
        }
        if (info < 0) {
            rc = lapacke_error(t, "zpotrf", n, n, info, err);
            goto done;
        }
    }
    zc *L = (zc *)(void *)v->u.nd.data;
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j <= i; j++)
            L[i * n + j] = w[i + j * n];
    *out = in_dtype(t, v);
    v = NULL;
    if (!*out)
        rc = la_oom(t, err);
done:
    dusk_free(w);
    dusk_value_unref(v);
    return rc;
}

/* np.transpose(block).conj(): the transposes of the blocked Cholesky of a
 * complex array (its upper factor is L^H, where Dask's np.transpose gives
 * L^T, which makes its blocks below the diagonal wrong). A real block is
 * transposed only. */
int dusk__k_la_ctrans(const dusk__targs *t, dusk_value **out, dusk_error *err)
{
    const dusk_value *a;
    int rc = dusk__targs_block_in(t, 0, 2, &a, err);
    if (rc)
        return rc;
    const int64_t *sh = a->u.nd.shape, *st = a->u.nd.strides;
    int64_t ts[2] = {sh[1], sh[0]};
    dusk_dtype dt = a->u.nd.dtype;
    dusk_value *v = dusk_ndarray_empty(dt, 2, ts);
    if (!v)
        return la_oom(t, err);
    size_t isz = (size_t)v->u.nd.strides[1];
    for (int64_t i = 0; i < ts[0]; i++)
        for (int64_t j = 0; j < ts[1]; j++) {
            const char *src = a->u.nd.data + j * st[0] + i * st[1];
            char *dst = v->u.nd.data + (i * ts[1] + j) * (int64_t)isz;
            if (is_cplx(dt))
                dusk__nd_storec(dst, dt, conj(dusk__nd_loadc(src, dt)));
            else
                memcpy(dst, src, isz);
        }
    *out = v;
    return 0;
}

/* matrix_rank of a complex block: its singular values by zgesdd (those of
 * A^T, the row-major block read column-major, are A's). */
static int rank_c(const dusk__targs *t, const dusk_value *a, dusk_value **out, dusk_error *err)
{
    int64_t m = a->u.nd.shape[0], n = a->u.nd.shape[1], k = m < n ? m : n, rank = 0;
    int rc = 0;
    zc *w = zalloc(m * n);
    double *s = dusk_malloc((size_t)(k ? k : 1) * sizeof(double));
    dusk_value *v = dusk_ndarray_new(DUSK_DT_I8, 0, NULL);
    if (!w || !s || !v) {
        rc = la_oom(t, err);
        goto done;
    }
    copy_c16(a, w);
    if (k > 0) {
        lapack_int info = LAPACKE_zgesdd(LAPACK_COL_MAJOR, 'N', (lapack_int)n, (lapack_int)m, w,
                                         (lapack_int)n, s, NULL, 1, NULL, 1);
        if (info != 0) {
            rc = info > 0 ? dusk_error_set(err, DUSK_EINVAL, "matrix_rank: SVD did not converge "
                                           "(LAPACK zgesdd, info %d)", (int)info)
                          : lapacke_error(t, "zgesdd", m, n, info, err);
            goto done;
        }
        double tol = s[0] * (double)(m > n ? m : n) * 2.220446049250313e-16;
        for (int64_t i = 0; i < k; i++)
            rank += s[i] > tol;
    }
    *(int64_t *)v->u.nd.data = rank;
    *out = v;
    v = NULL;
done:
    dusk_free(w);
    dusk_free(s);
    dusk_value_unref(v);
    return rc;
}

/* np.linalg.qr(block) (mode 'reduced'): the tuple (Q (m, k), R (k, n)).
 * The Householder reflectors are NumPy's (dgeqrf's), so R's signs are
 * too, but computed by dgeqrt, whose recursive panels are matrix products:
 * on a block of 100,000 x 100 it and dgemqrt (Q, applied to the identity)
 * take a third of the time of dgeqrf and dorgqr, which sweep the tall
 * panels column by column. Q is built row-major directly: Q^T = [I 0] H^T
 * is dgemqrt from the right on the k x m column-major matrix that a
 * row-major Q is. */
int dusk__k_la_qr(const dusk__targs *t, dusk_value **out, dusk_error *err)
{
    const dusk_value *a;
    int rc;
    if ((rc = la_dtype_ok(t, err)) || (rc = la_block(t, 0, &a, err)))
        return rc;
    if (is_cplx(t->dtype))
        return qr_c(t, a, out, err);
    int64_t m = a->u.nd.shape[0], n = a->u.nd.shape[1], k = m < n ? m : n;
    int64_t nb = k < 128 ? (k ? k : 1) : 64;
    int64_t qs[2] = {m, k}, rs[2] = {k, n};
    dusk_value *q = dusk_ndarray_new(DUSK_DT_F8, 2, qs);
    dusk_value *r = dusk_ndarray_new(DUSK_DT_F8, 2, rs);
    double *w = dusk_malloc((size_t)(m * n > 0 ? m * n : 1) * sizeof(double));
    /* zeroed: dgeqrt writes only the triangles of T, and LAPACKE checks all
     * of it for NaNs */
    double *T = dusk_calloc((size_t)(nb * (k ? k : 1)), sizeof(double));
    if (!q || !r || !w || !T) {
        rc = la_oom(t, err);
        goto done;
    }
    copy_f8_colmajor(a, w);
    if (k > 0) {
        lapack_int info = LAPACKE_dgeqrt(LAPACK_COL_MAJOR, (lapack_int)m, (lapack_int)n,
                                         (lapack_int)nb, w, (lapack_int)m, T, (lapack_int)nb);
        double *R = (double *)r->u.nd.data, *Q = (double *)q->u.nd.data;
        for (int64_t i = 0; info == 0 && i < k; i++)
            for (int64_t j = i; j < n; j++)
                R[i * n + j] = w[i + j * m];
        for (int64_t i = 0; i < k; i++)
            Q[i * k + i] = 1;
        if (info == 0)
            info = LAPACKE_dgemqrt(LAPACK_COL_MAJOR, 'R', 'T', (lapack_int)k, (lapack_int)m,
                                   (lapack_int)k, (lapack_int)nb, w, (lapack_int)m, T,
                                   (lapack_int)nb, Q, (lapack_int)k);
        if (info != 0) {
            rc = lapacke_error(t, "dgeqrt/dgemqrt", m, n, info, err);
            goto done;
        }
    }
    q = in_dtype(t, q);
    r = in_dtype(t, r);
    dusk_value *items[2] = {q, r};
    q = r = NULL;
    if (!(*out = dusk_tuple_of(2, items)))
        rc = la_oom(t, err);
done:
    dusk_free(w);
    dusk_free(T);
    dusk_value_unref(q);
    dusk_value_unref(r);
    return rc;
}

/* np.linalg.svd(block, full_matrices=False): (U (m, k), S (k,), Vt (k, n)).
 * Dask's tsqr calls it with full_matrices left True and slices Vt's first
 * k rows off where there are more (an array wider than tall): the same
 * numbers, without an n x n Vt that a wide array would not fit. */
int dusk__k_la_svd(const dusk__targs *t, dusk_value **out, dusk_error *err)
{
    const dusk_value *a;
    int rc;
    if ((rc = la_dtype_ok(t, err)) || (rc = la_block(t, 0, &a, err)))
        return rc;
    if (is_cplx(t->dtype))
        return svd_c(t, a, out, err);
    int64_t m = a->u.nd.shape[0], n = a->u.nd.shape[1], k = m < n ? m : n;
    int64_t us[2] = {m, k}, ss[1] = {k}, vs[2] = {k, n};
    dusk_value *u = dusk_ndarray_new(DUSK_DT_F8, 2, us);
    dusk_value *s = dusk_ndarray_new(DUSK_DT_F8, 1, ss);
    dusk_value *v = dusk_ndarray_new(DUSK_DT_F8, 2, vs);
    double *w = dusk_malloc((size_t)(m * n > 0 ? m * n : 1) * sizeof(double));
    if (!u || !s || !v || !w) {
        rc = la_oom(t, err);
        goto done;
    }
    copy_f8(a, w);
    if (k > 0) {
        /* A^T = Ub S Vbt: Ub (n x k, column-major) is A's Vt row-major,
         * Vbt (k x m) is A's U */
        lapack_int info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'S', (lapack_int)n, (lapack_int)m, w,
                                         (lapack_int)n, (double *)s->u.nd.data,
                                         (double *)v->u.nd.data, (lapack_int)n,
                                         (double *)u->u.nd.data, (lapack_int)k);
        if (info > 0) {
            rc = dusk_error_set(err, DUSK_EINVAL, "svd: SVD did not converge on a block of %"
                                PRId64 " x %" PRId64 " (LAPACK dgesdd, info %d)", m, n, (int)info);
            goto done;
        }
        if (info < 0) {
            rc = lapacke_error(t, "dgesdd", m, n, info, err);
            goto done;
        }
    }
    dusk_value *items[3] = {in_dtype(t, u), as_dtype(s, real_of(t->dtype)), in_dtype(t, v)};
    u = s = v = NULL;
    if (!(*out = dusk_tuple_of(3, items)))
        rc = la_oom(t, err);
done:
    dusk_free(w);
    dusk_value_unref(u);
    dusk_value_unref(s);
    dusk_value_unref(v);
    return rc;
}

/* operator.getitem on a factorisation's results ('linalg_getitem': the
 * table's 'getitem' is x[...] of an array): item `item` of a tuple
 * (none when -1), then, when rows is given, the rows [rows[i][0],
 * rows[i][1]) of it for block i (a view). */
int dusk__k_la_item(const dusk__targs *t, dusk_value **out, dusk_error *err)
{
    int64_t item;
    int rc = dusk__targs_int(t, 0, &item, err);
    if (rc)
        return rc;
    dusk_value *v = t->in[0];
    if (item >= 0) {
        if (dusk_value_kind(v) != DUSK_KIND_TUPLE || (uint64_t)item >= dusk_tuple_len(v))
            return dusk_error_set(err, DUSK_ETYPE, "linalg_getitem: item %" PRId64 " of a %s", item,
                                  dusk_kind_name(dusk_value_kind(v)));
        v = dusk_tuple_get(v, (size_t)item);
    }
    const dusk_value *rows = dusk__params_extra(t->params, 1);
    if (dusk_value_kind(rows) == DUSK_KIND_NONE) {
        *out = dusk_value_ref(v);
        return 0;
    }
    int64_t i = dusk_tuple_len(t->index) ? dusk_value_int(dusk_tuple_get(t->index, 0)) : -1;
    if (dusk_value_kind(rows) != DUSK_KIND_NDARRAY || dusk_ndarray_dtype(rows) != DUSK_DT_I8 ||
        dusk_ndarray_ndim(rows) != 2 || dusk_ndarray_shape(rows)[1] != 2 ||
        !dusk_ndarray_is_contiguous(rows) || i < 0 || i >= dusk_ndarray_shape(rows)[0])
        return dusk_error_set(err, DUSK_EINVAL, "linalg_getitem: the row table has no block %"
                              PRId64, i);
    const int64_t *r = (const int64_t *)dusk_ndarray_data(rows) + 2 * i;
    if (dusk_value_kind(v) != DUSK_KIND_NDARRAY || dusk_ndarray_ndim(v) != 2 || r[0] < 0 ||
        r[1] < r[0] || r[1] > dusk_ndarray_shape(v)[0])
        return dusk_error_set(err, DUSK_EINVAL, "linalg_getitem: rows %" PRId64 ":%" PRId64 " are not "
                              "in the block", r[0], r[1]);
    int64_t shape[2] = {r[1] - r[0], dusk_ndarray_shape(v)[1]};
    const int64_t *st = dusk_ndarray_strides(v);
    if (!(*out = dusk_ndarray_view(v, 2, shape, st, r[0] * st[0])))
        return la_oom(t, err);
    return 0;
}

/* np.vstack of a list of 2-d blocks of one width. */
int dusk__k_la_vstack(const dusk__targs *t, dusk_value **out, dusk_error *err)
{
    const dusk_value *list;
    int rc;
    if ((rc = la_dtype_ok(t, err)) || (rc = dusk__targs_list_in(t, 0, &list, err)))
        return rc;
    size_t nl = dusk_tuple_len(list);
    int64_t shape[2] = {0, -1};
    for (size_t i = 0; i < nl; i++) {
        const dusk_value *b = dusk_tuple_get(list, i);
        if (dusk_value_kind(b) != DUSK_KIND_NDARRAY || dusk_ndarray_ndim(b) != 2 ||
            (shape[1] >= 0 && dusk_ndarray_shape(b)[1] != shape[1]))
            return dusk_error_set(err, DUSK_EINVAL, "vstack: block %zu is not a 2-d block of "
                                  "%" PRId64 " columns", i, shape[1]);
        shape[1] = dusk_ndarray_shape(b)[1];
        shape[0] += dusk_ndarray_shape(b)[0];
    }
    if (is_cplx(t->dtype))
        return vstack_c(t, list, shape, out, err);
    dusk_value *v = dusk_ndarray_empty(DUSK_DT_F8, 2, shape);
    if (!v)
        return la_oom(t, err);
    double *o = (double *)v->u.nd.data;
    for (size_t i = 0; i < nl; i++) {
        const dusk_value *b = dusk_tuple_get(list, i);
        copy_f8(b, o);
        o += dusk_ndarray_shape(b)[0] * shape[1];
    }
    if (!(*out = in_dtype(t, v)))
        return la_oom(t, err);
    return 0;
}

static int dot2(const dusk__targs *t, const dusk_value *a, const dusk_value *b, int vec,
                dusk_value **out, dusk_error *err);

/* np.dot of two 2-d blocks, or of a 2-d and a 1-d one (dgemm). */
int dusk__k_la_dot(const dusk__targs *t, dusk_value **out, dusk_error *err)
{
    const dusk_value *a, *b;
    int rc;
    if ((rc = la_dtype_ok(t, err)) || (rc = la_block(t, 0, &a, err)))
        return rc;
    /* b may be a vector (solve_triangular's right-hand side) */
    int vec = t->nin > 1 && dusk_value_kind(t->in[1]) == DUSK_KIND_NDARRAY &&
              dusk_ndarray_ndim(t->in[1]) == 1;
    dusk_value *col = NULL;
    if (vec) {
        int64_t cs[2] = {dusk_ndarray_shape(t->in[1])[0], 1};
        int64_t st[2] = {dusk_ndarray_strides(t->in[1])[0], 8};
        if (!(col = dusk_ndarray_view(t->in[1], 2, cs, st, 0)))
            return la_oom(t, err);
        b = col;
    } else if ((rc = la_block(t, 1, &b, err))) {
        return rc;
    }
    rc = dot2(t, a, b, vec, out, err);
    dusk_value_unref(col);
    return rc;
}

/* a @ b of 2-d blocks into *out (1-d when vec: b was a vector). */
static int dot2(const dusk__targs *t, const dusk_value *a, const dusk_value *b, int vec,
                dusk_value **out, dusk_error *err)
{
    if (is_cplx(t->dtype))
        return dot2_c(t, a, b, vec, out, err);
    int64_t m = a->u.nd.shape[0], k = a->u.nd.shape[1], n = b->u.nd.shape[1];
    if (b->u.nd.shape[0] != k)
        return dusk_error_set(err, DUSK_EINVAL, "dot: blocks of %" PRId64 " x %" PRId64 " and %"
                              PRId64 " x %" PRId64 " do not align", m, k, b->u.nd.shape[0], n);
    int64_t shape[2] = {m, n};
    dusk_value *v = dusk_ndarray_new(DUSK_DT_F8, vec ? 1 : 2, shape);
    double *pa, *pb;
    const double *da = as_f8(a, &pa), *db = as_f8(b, &pb);
    if (!v || !da || !db) {
        dusk_value_unref(v);
        dusk_free(pa);
        dusk_free(pb);
        return la_oom(t, err);
    }
    if (m && n && k)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)n, (int)k, 1.0, da,
                    (int)k, db, (int)n, 0.0, (double *)v->u.nd.data, (int)n);
    dusk_free(pa);
    dusk_free(pb);
    if (!(*out = in_dtype(t, v)))
        return la_oom(t, err);
    return 0;
}

/* Dask's alias task (a key whose value is another key's). */
int dusk__k_la_alias(const dusk__targs *t, dusk_value **out, dusk_error *err)
{
    (void)err;
    *out = dusk_value_ref(t->in[0]);
    return 0;
}

/* --- building the graphs ------------------------------------------------------ */

/* What a CUSTOM layer of these graphs reads for output block i: blocks
 * src[i] .. src[i] + cnt[i] - 1 of its input, as a list (vstack), or
 * block src[i] alone. */
typedef struct {
    int64_t *src, *cnt;
    int list;
} pick;

static void pick_free(void *p)
{
    pick *k = p;
    if (k) {
        dusk_free(k->src);
        dusk_free(k->cnt);
        dusk_free(k);
    }
}

static int pick_inputs(const dusk__layer *L, const int64_t *idx, dusk_arg **out)
{
    const pick *k = L->data;
    int64_t i = idx[0], first = k->src[i], n = k->list ? k->cnt[i] : 1;
    dusk_arg **refs = dusk_malloc((size_t)n * sizeof *refs);
    if (!refs)
        return -1;
    int ok = 1;
    for (int64_t j = 0; j < n; j++) {
        int64_t at[2] = {first + j, 0};
        char key[512];
        dusk_key_tuple(key, sizeof key, L->in[0]->name, L->in[0]->ndim, at);
        ok &= (refs[j] = dusk_ref(key)) != NULL;
    }
    if (!ok) {
        for (int64_t j = 0; j < n; j++)
            dusk_arg_free(refs[j]);
        dusk_free(refs);
        return -1;
    }
    out[0] = k->list ? dusk_listv((size_t)n, refs) : refs[0];
    dusk_free(refs);
    return out[0] ? 1 : -1;
}

/* A building context: the layers made so far fail together. */
typedef struct {
    dusk_array_ctx *ctx;
    int oom;
} build;

/* A layer 'prefix-tok[suffix]' of nb x 1 blocks, (rows, cols) in all,
 * over inputs in[0..nin): BLOCKS, block (i, 0) reading block (i, 0) of
 * each input, or block (0, 0) where single[j]. Takes extra (the
 * parameters after dtype and bounds) over; NULL, with b->oom set, when
 * out of memory or when an earlier layer was. */
static dusk__layer *layer(build *b, const char *prefix, const char *tok, const char *suffix,
                          int opid, int64_t nb, int64_t rows, int64_t cols, dusk_dtype dt,
                          dusk__layer **in, int nin, const int *single, size_t nextra,
                          dusk_value **extra)
{
    int64_t shape[2] = {rows, cols}, nbs[2] = {nb, 1};
    dusk_value *params = dusk__params_new(dt, 0, NULL, NULL, nextra, extra);
    dusk__layer *L = b->oom ? NULL
                            : dusk__layer_new(b->ctx, prefix, tok, DUSK__L_BLOCKS,
                                              dusk__op_get(opid), params, 2, shape, nbs, dt);
    /* Dask's names go on after the token ('getitem-<token>-q1') */
    char *name = L ? dusk_malloc(strlen(L->name) + strlen(suffix) + 1) : NULL;
    if (name) {
        snprintf(name, strlen(L->name) + strlen(suffix) + 1, "%s%s", L->name, suffix);
        dusk_free(L->name);
        L->name = name;
    } else if (L) {
        L = NULL;   /* it stays in the context's list, which frees it */
        params = NULL;
    }
    if (!L) {
        if (b->oom)
            dusk_value_unref(params);
        b->oom = 1;
        return NULL;
    }
    for (int j = 0; j < nin; j++) {
        dusk__layer_input(L, in[j]);
        L->map[j][0] = single && single[j] ? -1 : 0;
        L->map[j][1] = -1;
    }
    return L;
}

/* Makes L a CUSTOM layer reading its input through pick (taken over). */
static void custom(build *b, dusk__layer *L, pick *k)
{
    if (!L || !k) {
        pick_free(k);
        b->oom = 1;
        return;
    }
    L->kind = DUSK__L_CUSTOM;
    L->inputs = pick_inputs;
    L->data = k;
    L->data_free = pick_free;
}

static pick *pick_new(int64_t n, int list)
{
    pick *k = dusk_calloc(1, sizeof *k);
    if (k) {
        k->src = dusk_calloc((size_t)(n ? n : 1), sizeof(int64_t));
        k->cnt = dusk_calloc((size_t)(n ? n : 1), sizeof(int64_t));
        k->list = list;
        if (!k->src || !k->cnt) {
            pick_free(k);
            k = NULL;
        }
    }
    return k;
}

/* An int64 n x 2 table of row ranges. */
static dusk_value *rows_table(int64_t n, const int64_t *lo, const int64_t *hi)
{
    int64_t shape[2] = {n, 2};
    dusk_value *v = dusk_ndarray_empty(DUSK_DT_I8, 2, shape);
    if (v)
        for (int64_t i = 0; i < n; i++) {
            ((int64_t *)v->u.nd.data)[2 * i] = lo[i];
            ((int64_t *)v->u.nd.data)[2 * i + 1] = hi[i];
        }
    return v;
}

/* tsqr of the layer `in` (nr blocks of rows chunks[i], n columns): sets
 * *q (a layer of nr blocks, (chunks[i], k) each) and *r (one block,
 * (k, n)), k = min(rows, n). maxv: the recursion's _max_vchunk_size, 0
 * at the top. */
static void tsqr_layers(build *b, dusk__layer *in, const int64_t *chunks, int64_t nr, int64_t n,
                        int64_t maxv, int svd, dusk_dtype dt, dusk__layer **q, dusk__layer **r)
{
    *q = *r = NULL;
    int64_t m = 0, cr_max = 0;
    for (int64_t i = 0; i < nr; i++) {
        m += chunks[i];
        cr_max = chunks[i] > cr_max ? chunks[i] : cr_max;
    }
    int64_t k = m < n ? m : n;
    char tok[33];
    dusk__token(tok, "tsqr|%s|%d", in->name, svd);
    dusk__layer *qr = layer(b, "qr", tok, "", DUSK__OP_LA_QR, nr, m, n, dt, &in, 1, NULL, 0, NULL);
    dusk_value *x0[2] = {dusk_int(0), dusk_none()}, *x1[2] = {dusk_int(1), dusk_none()};
    dusk__layer *q1 = layer(b, "getitem", tok, "-q1", DUSK__OP_LA_ITEM, nr, m, n, dt, &qr, 1,
                            NULL, 2, x0);
    dusk__layer *r1 = layer(b, "getitem", tok, "-r1", DUSK__OP_LA_ITEM, nr, nr * n, n, dt, &qr, 1,
                            NULL, 2, x1);
    /* each block's R has min(rows, n) rows */
    int64_t *mr = dusk_malloc((size_t)nr * sizeof *mr), *lo = dusk_malloc((size_t)nr * sizeof *lo),
            *hi = dusk_malloc((size_t)nr * sizeof *hi), stacked = 0;
    if (!mr || !lo || !hi) {
        b->oom = 1;
        goto done;
    }
    for (int64_t i = 0; i < nr; i++)
        stacked += mr[i] = chunks[i] < n ? chunks[i] : n;
    int64_t prospective = (stacked + cr_max - 1) / (cr_max ? cr_max : 1);
    int meaningful = (maxv ? maxv : cr_max) >= 2 * n;
    dusk__layer *q2, *q3ins[2];
    if (meaningful && prospective > 1) {
        /* groups of consecutive R factors no taller than the tallest block */
        pick *g = pick_new(nr, 1);
        int64_t ng = 0, sz = 0, *gch = dusk_malloc((size_t)nr * sizeof *gch);
        if (!g || !gch) {
            pick_free(g);
            dusk_free(gch);
            b->oom = 1;
            goto done;
        }
        int64_t *grp = hi;   /* block i's group, then its rows inside it */
        for (int64_t i = 0; i < nr; i++) {
            if (sz + mr[i] > cr_max && g->cnt[ng] > 0) {
                gch[ng++] = sz;
                sz = 0;
                g->src[ng] = i;
            }
            lo[i] = sz;
            grp[i] = ng;
            g->cnt[ng]++;
            sz += mr[i];
        }
        gch[ng++] = sz;
        dusk__layer *st = layer(b, "stack", tok, "-r1", DUSK__OP_LA_VSTACK, ng, stacked, n, dt, &r1,
                                1, NULL, 0, NULL);
        custom(b, st, g);
        dusk__layer *qi = NULL, *ri = NULL;
        if (!b->oom)
            tsqr_layers(b, st, gch, ng, n, cr_max, 0, dt, &qi, &ri);
        dusk_free(gch);
        /* block i's piece of the inner Q: rows lo[i] .. of its group's block */
        pick *pk = pick_new(nr, 0);
        for (int64_t i = 0; pk && i < nr; i++) {
            pk->src[i] = grp[i];
            hi[i] = lo[i] + mr[i];
        }
        dusk_value *x[2] = {dusk_int(-1), rows_table(nr, lo, hi)};
        q2 = layer(b, "getitem", tok, "-q2", DUSK__OP_LA_ITEM, nr, stacked, k, dt, &qi, qi ? 1 : 0,
                   NULL, 2, x);
        custom(b, q2, pk);
        *r = layer(b, "r-inner", tok, "", DUSK__OP_LA_ALIAS, 1, k, n, dt, &ri, ri ? 1 : 0, NULL, 0,
                   NULL);
    } else {
        pick *all = pick_new(1, 1);
        if (all)
            all->cnt[0] = nr;
        dusk__layer *st = layer(b, "stack", tok, "-r1", DUSK__OP_LA_VSTACK, 1, stacked, n, dt, &r1,
                                1, NULL, 0, NULL);
        custom(b, st, all);
        dusk__layer *qr2 = layer(b, "qr", tok, "-qr2", DUSK__OP_LA_QR, 1, stacked, n, dt, &st, 1,
                                 NULL, 0, NULL);
        dusk_value *xa[2] = {dusk_int(0), dusk_none()};
        dusk__layer *aux = layer(b, "getitem", tok, "-q2-aux", DUSK__OP_LA_ITEM, 1, stacked, k,
                                 dt, &qr2, 1, NULL, 2, xa);
        for (int64_t i = 0, at = 0; i < nr; at += mr[i], i++) {
            lo[i] = at;
            hi[i] = at + mr[i];
        }
        int one = 1;
        dusk_value *x[2] = {dusk_int(-1), rows_table(nr, lo, hi)};
        q2 = layer(b, "getitem", tok, "-q2", DUSK__OP_LA_ITEM, nr, stacked, k, dt, &aux, 1, &one,
                   2, x);
        dusk_value *xr[2] = {dusk_int(1), dusk_none()};
        *r = layer(b, "getitem", tok, "-r2", DUSK__OP_LA_ITEM, 1, k, n, dt, &qr2, 1, NULL, 2, xr);
    }
    q3ins[0] = q1;
    q3ins[1] = q2;
    *q = layer(b, "dot", tok, "-q3", DUSK__OP_LA_DOT, nr, m, k, dt, q3ins, 2, NULL, 0, NULL);
done:
    dusk_free(mr);
    dusk_free(lo);
    dusk_free(hi);
    if (b->oom)
        *q = *r = NULL;
}

/* An input of a factorisation: one dusk__array_bad_input accepts. Every
 * dtype dusk has is one: integers and bools are factorised in float64, as
 * NumPy's, complex arrays by the complex kernels. */
static dusk_array *la_input(dusk_array *a, dusk_array *b, const char *what)
{
    /* the unknown-size check by the operation's name (linalg.qr ...) */
    char who[64];
    snprintf(who, sizeof who, "linalg.%s", what);
    return dusk__array_input(a, b, who);
}

/* The dtype numpy.linalg gives a's factors: float32 and the complex types
 * their own, float64 for the rest. */
static dusk_dtype la_dtype(dusk_dtype t)
{
    return t == DUSK_DT_F4 || t == DUSK_DT_C16 || t == DUSK_DT_C8 ? t : DUSK_DT_F8;
}

static dusk_array *conj_of(dusk_array *x);

/* x.T, conjugated when x is complex (x^H): where Dask's graph has x.T and
 * a complex array needs the conjugate transpose (sfqr's Q.T,
 * svd_compressed's), the conjugation is a layer of its own, 'conjugate',
 * which a real array's graph does not have. */
static dusk_array *herm(dusk_array *x)
{
    dusk_array *t = dusk_array_transpose(x, NULL);
    return !t->status && is_cplx(t->dtype) ? conj_of(t) : t;
}

static void fmt_chunks(const dusk_array *a, char *buf, size_t n)
{
    size_t at = 0;
    at += (size_t)snprintf(buf, n, "(");
    for (int d = 0; d < a->ndim && at < n; d++) {
        at += (size_t)snprintf(buf + at, n - at, "%s(", d ? ", " : "");
        for (int64_t i = 0; i < a->nb[d] && at < n; i++) {
            if (i == 4 && a->nb[d] > 6) {
                at += (size_t)snprintf(buf + at, n - at, ", ...");
                i = a->nb[d] - 2;
                continue;
            }
            at += (size_t)snprintf(buf + at, n - at, "%s%" PRId64, i ? ", " : "", a->chunks[d][i]);
        }
        if (at < n)
            at += (size_t)snprintf(buf + at, n - at, "%s)", a->nb[d] == 1 ? "," : "");
    }
    if (at < n)
        snprintf(buf + at, n - at, ")");
}

/* NULL when a can go to tsqr, else an error array saying why. */
static dusk_array *tsqr_check(dusk_array *a, const char *what)
{
    dusk_array *e = la_input(a, NULL, what);
    if (e)
        return e;
    char sh[128], ch[256];
    dusk__fmt_shape(sh, sizeof sh, a->ndim, a->shape);
    if (a->ndim != 2)
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "%s: takes a 2-d array, not one of shape %s",
                                what, sh);
    if (a->nb[1] != 1) {
        fmt_chunks(a, ch, sizeof ch);
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "%s: the array of shape %s has %" PRId64
                                " blocks along axis 1 (chunks %s); tsqr needs one column of "
                                "blocks (tall-and-skinny): rechunk it with chunks (..., -1)",
                                what, sh, a->nb[1], ch);
    }
    return NULL;
}

/* Q and R arrays (or tsqr's layers for svd) of a checked array. */
static int tsqr_build(dusk_array *a, int svd, dusk__layer **q, dusk__layer **r)
{
    build b = {a->ctx, 0};
    tsqr_layers(&b, a->L, a->chunks[0], a->nb[0], a->shape[1], 0, svd, la_dtype(a->dtype), q, r);
    return b.oom ? -1 : 0;
}

dusk_qr dusk_linalg_tsqr(dusk_array *a)
{
    dusk_array *e = tsqr_check(a, "tsqr");
    if (e)
        return (dusk_qr){e, e};
    dusk__layer *ql, *rl;
    if (tsqr_build(a, 0, &ql, &rl) < 0) {
        e = dusk__array_oom(a->ctx, "tsqr");
        return (dusk_qr){e, e};
    }
    int64_t m = a->shape[0], n = a->shape[1], k = m < n ? m : n;
    int64_t qs[2] = {m, k}, rs[2] = {k, n}, nbq[2] = {a->nb[0], 1}, one[2] = {1, 1};
    int64_t kc[1] = {k}, nc[1] = {n};
    int64_t *qch[2] = {a->chunks[0], kc}, *rch[2] = {kc, nc};
    dusk_dtype dt = la_dtype(a->dtype);
    return (dusk_qr){dusk__array_new(a->ctx, ql, 2, qs, qch, nbq, dt),
                     dusk__array_new(a->ctx, rl, 2, rs, rch, one, dt)};
}

/* --- sfqr: short-and-fat QR ------------------------------------------------------------ */

/* Block (0, j) of sfqr's A_rest is block (0, j + 1) of the input. */
static int rest_inputs(const dusk__layer *L, const int64_t *idx, dusk_arg **out)
{
    char key[512];
    int64_t at[2] = {0, idx[1] + 1};
    dusk_key_tuple(key, sizeof key, L->in[0]->name, 2, at);
    return (out[0] = dusk_ref(key)) ? 1 : -1;
}

/* Dask's sfqr of an array with one row of blocks: Q R_1 = A_1 (the first
 * block), then R = [R_1, Q.T @ A_rest]. */
static dusk_qr sfqr(dusk_array *a)
{
    dusk_array_ctx *ctx = a->ctx;
    int64_t m = a->shape[0], n = a->shape[1], k = m < n ? m : n, nc = a->nb[1];
    int64_t cc = a->chunks[1][0];
    if (!(a->chunks[0][0] <= cc || nc == 1)) {
        char sh[128], ch[256];
        dusk__fmt_shape(sh, sizeof sh, a->ndim, a->shape);
        fmt_chunks(a, ch, sizeof ch);
        /* a tall array split only along its columns is no short-and-fat
         * one: what it wants is one column of blocks, for tsqr */
        dusk_array *e =
            m > n ? dusk__array_fail(ctx, DUSK_EINVAL, "qr: the array of shape %s (chunks %s) "
                                     "is taller than wide but has one row of blocks, and sfqr "
                                     "(qr of one row of blocks) needs its first column chunk at "
                                     "least as wide as it is tall (%" PRId64 "): rechunk with "
                                     "chunks (..., -1), one column of blocks", sh, ch, m)
                  : dusk__array_fail(ctx, DUSK_EINVAL, "qr: the array of shape %s (chunks "
                                     "%s) is short-and-fat, and sfqr needs its first column "
                                     "chunk at least as wide as it is tall (%" PRId64 "): "
                                     "rechunk, e.g. chunks (%" PRId64 ", %" PRId64 ")",
                                     sh, ch, m, m, m);
        return (dusk_qr){e, e};
    }
    dusk_dtype dt = la_dtype(a->dtype);
    char tok[33];
    dusk__token(tok, "sfqr|%s", a->L->name);
    build b = {ctx, 0};
    dusk__layer *in = a->L;
    dusk__layer *a1 = layer(&b, "sfqr", tok, "_A_1", DUSK__OP_LA_ALIAS, 1, m, cc, a->dtype, &in, 1,
                            NULL, 0, NULL);
    dusk__layer *qr1 = layer(&b, "sfqr", tok, "_Q_R_1", DUSK__OP_LA_QR, 1, m, cc, dt, &a1, 1, NULL,
                             0, NULL);
    dusk_value *x0[2] = {dusk_int(0), dusk_none()}, *x1[2] = {dusk_int(1), dusk_none()};
    dusk__layer *ql = layer(&b, "sfqr", tok, "_Q", DUSK__OP_LA_ITEM, 1, m, k, dt, &qr1, 1, NULL, 2,
                            x0);
    dusk__layer *r1 = layer(&b, "sfqr", tok, "_R_1", DUSK__OP_LA_ITEM, 1, k, cc, dt, &qr1, 1, NULL,
                            2, x1);
    dusk__layer *rest = NULL;
    if (nc > 1 && !b.oom) {
        rest = layer(&b, "sfqr", tok, "_A_rest", DUSK__OP_LA_ALIAS, 1, k, n - cc, a->dtype, &in, 1,
                     NULL, 0, NULL);
        if (rest) {
            rest->nb[1] = nc - 1;
            rest->ntasks = nc - 1;
            rest->kind = DUSK__L_CUSTOM;
            rest->inputs = rest_inputs;
        }
    }
    if (b.oom) {
        dusk_array *e = dusk__array_oom(ctx, "qr");
        return (dusk_qr){e, e};
    }
    int64_t one[2] = {1, 1}, mc[1] = {m}, kc[1] = {k}, ccc[1] = {cc};
    int64_t *qch[2] = {mc, kc}, *rch[2] = {kc, ccc};
    int64_t qs[2] = {m, k}, rs[2] = {k, cc};
    dusk_array *q = dusk__array_new(ctx, ql, 2, qs, qch, one, dt);
    dusk_array *r = dusk__array_new(ctx, r1, 2, rs, rch, one, dt);
    if (rest) {
        int64_t xs[2] = {k, n - cc}, nbr[2] = {1, nc - 1};
        int64_t *xch[2] = {kc, a->chunks[1] + 1};
        dusk_array *ar = dusk__array_new(ctx, rest, 2, xs, xch, nbr, a->dtype);
        /* Q^H A_rest: Dask's Q.T, conjugated for a complex array */
        dusk_array *parts[2] = {r, dusk_array_dot(herm(q), ar)};
        r = dusk_concatenate(parts, 2, 1);
    }
    return (dusk_qr){q, r};
}

dusk_qr dusk_linalg_qr(dusk_array *a)
{
    dusk_array *e = la_input(a, NULL, "qr");
    if (!e && a->ndim != 2) {   /* here, so that the message names qr, not tsqr */
        char sh[128];
        dusk__fmt_shape(sh, sizeof sh, a->ndim, a->shape);
        e = dusk__array_fail(a->ctx, DUSK_EINVAL, "qr: takes a 2-d array, not one of shape %s", sh);
    }
    if (!e && a->nb[0] > 1 && a->nb[1] > 1) {
        char sh[128], ch[256];
        dusk__fmt_shape(sh, sizeof sh, a->ndim, a->shape);
        fmt_chunks(a, ch, sizeof ch);
        e = dusk__array_fail(a->ctx, DUSK_EINVAL, "qr: the array of shape %s has blocks along "
                             "both axes (chunks %s); qr takes tall-and-skinny arrays (one column "
                             "of blocks: rechunk with chunks (..., -1)) or short-and-fat ones "
                             "(one row: chunks (-1, ...))", sh, ch);
    }
    if (e)
        return (dusk_qr){e, e};
    /* Dask's choice: tsqr for one column of several blocks, sfqr for one row */
    if (a->nb[0] == 1)
        return sfqr(a);
    return dusk_linalg_tsqr(a);
}

/* An svd result whose three arrays are one error. */
static dusk_svd svd_err(dusk_array_ctx *ctx, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static dusk_svd svd_err(dusk_array_ctx *ctx, const char *fmt, ...)
{
    char msg[DUSK_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    dusk_array *e = dusk__array_fail(ctx, DUSK_EINVAL, "%s", msg);
    return (dusk_svd){e, e, e};
}

/* Dask's svd_flip(u, v): signs = 2 * ((v.sum(axis=1, keepdims=True).T >= 0)
 * - 0.5); u * signs, v * signs.T. */
static dusk_svd svd_flip(dusk_array *u, dusk_array *s, dusk_array *v)
{
    dusk_array *sg = dusk_array_transpose(dusk_array_sum(v, DUSK_AXIS(1), true), NULL);
    sg = dusk_array_binop_scalar(DUSK_BINOP_GE, sg, 0.0, false);
    sg = dusk_array_binop_scalar(DUSK_BINOP_SUB, sg, 0.5, false);
    sg = dusk_array_astype(sg, v->dtype);
    sg = dusk_array_binop_scalar(DUSK_BINOP_MUL, sg, 2.0, true);
    return (dusk_svd){dusk_array_mul(u, sg), s, dusk_array_mul(v, dusk_array_transpose(sg, NULL))};
}

/* tsqr(x, compute_svd=True) of an array with one column of blocks: the
 * factors as Dask's tsqr returns them (no sign correction). */
static dusk_svd tsqr_svd(dusk_array *x)
{
    dusk_array *e = la_input(x, NULL, "svd");
    if (e)
        return (dusk_svd){e, e, e};
    dusk__layer *ql, *rl;
    if (tsqr_build(x, 1, &ql, &rl) < 0)
        goto oom;
    build b = {x->ctx, 0};
    int64_t m = x->shape[0], n = x->shape[1], k = m < n ? m : n, nr = x->nb[0];
    dusk_dtype dt = la_dtype(x->dtype);
    char tok[33];
    dusk__token(tok, "tsqr|%s|%d", x->L->name, 1);
    dusk__layer *sv = layer(&b, "svd", tok, "-2", DUSK__OP_LA_SVD, 1, k, n, dt, &rl, 1, NULL, 0,
                            NULL);
    dusk_value *xu[2] = {dusk_int(0), dusk_none()}, *xs[2] = {dusk_int(1), dusk_none()},
               *xv[2] = {dusk_int(2), dusk_none()};
    dusk__layer *u2 = layer(&b, "getitem", tok, "-u2", DUSK__OP_LA_ITEM, 1, k, k, dt, &sv, 1, NULL,
                            2, xu);
    dusk__layer *s2 = layer(&b, "getitem", tok, "-s2", DUSK__OP_LA_ITEM, 1, k, 0, real_of(dt), &sv,
                            1, NULL, 2, xs);
    dusk__layer *v2 = layer(&b, "getitem", tok, "-v2", DUSK__OP_LA_ITEM, 1, k, n, dt, &sv, 1, NULL,
                            2, xv);
    dusk__layer *uin[2] = {ql, u2};
    int single[2] = {0, 1};
    dusk__layer *u4 = layer(&b, "getitem", tok, "-u4", DUSK__OP_LA_DOT, nr, m, k, dt, uin, 2,
                            single, 0, NULL);
    if (b.oom)
        goto oom;
    s2->ndim = 1;   /* its key is (name, 0), as Dask's */
    int64_t us[2] = {m, k}, ss[1] = {k}, vs[2] = {k, n}, nbu[2] = {nr, 1}, one[2] = {1, 1};
    int64_t kc[1] = {k}, nc[1] = {n};
    int64_t *uch[2] = {x->chunks[0], kc}, *sch[1] = {kc}, *vch[2] = {kc, nc};
    return (dusk_svd){dusk__array_new(x->ctx, u4, 2, us, uch, nbu, dt),
                      dusk__array_new(x->ctx, s2, 1, ss, sch, one, real_of(dt)),
                      dusk__array_new(x->ctx, v2, 2, vs, vch, one, dt)};
oom:
    e = dusk__array_oom(x->ctx, "svd");
    return (dusk_svd){e, e, e};
}

/* A layer of one block, prefix-tok, of ndim (0: the key (name,)) and
 * shape, over block 0 of `in`, with extras (taken over). */
static dusk_array *one_block(dusk_array *in, const char *prefix, const char *tok, int opid,
                             int ndim, const int64_t *shape, dusk_dtype dt, size_t nextra,
                             dusk_value **extra)
{
    dusk_value *params = dusk__params_new(dt, 0, NULL, NULL, nextra, extra);
    if (in->status) {
        dusk_value_unref(params);
        return in;
    }
    int64_t nb[2] = {1, 1}, c0[1] = {ndim > 0 ? shape[0] : 0}, c1[1] = {ndim > 1 ? shape[1] : 0};
    int64_t *chunks[2] = {c0, c1};
    dusk__layer *L = dusk__layer_new(in->ctx, prefix, tok, DUSK__L_BLOCKS, dusk__op_get(opid),
                                     params, ndim, shape, nb, dt);
    if (!L)
        return dusk__array_oom(in->ctx, prefix);
    dusk__layer_input(L, in->L);
    for (int d = 0; d < in->ndim; d++)
        L->map[0][d] = -1;
    return dusk__array_new(in->ctx, L, ndim, shape, chunks, nb, dt);
}

/* Dask's svd of an array of one block: delayed(np.linalg.svd, nout=3)(a,
 * full_matrices=False), from_delayed of each factor: 'finalize' (the
 * block), 'svd', a 'getitem' and a 'from-value' per factor. Dask names
 * finalize and svd by a random uuid; dusk by its token. */
static dusk_svd svd_single(dusk_array *a)
{
    int64_t m = a->shape[0], n = a->shape[1], k = m < n ? m : n, none[2] = {0, 0};
    dusk_dtype dt = la_dtype(a->dtype);
    char tok[33];
    dusk__token(tok, "svd-single|%s", a->L->name);
    dusk_array *fin = one_block(a, "finalize", tok, DUSK__OP_LA_ALIAS, 0, none, a->dtype, 0,
                                NULL);
    dusk_array *sv = one_block(fin, "svd", tok, DUSK__OP_LA_SVD, 0, none, dt, 0, NULL);
    const int64_t shapes[3][2] = {{m, k}, {k, 0}, {k, n}};
    dusk_array *out[3];
    for (int f = 0; f < 3; f++) {
        dusk__token(tok, "svd-single|%s|%d", a->L->name, f);
        dusk_value *x[2] = {dusk_int(f), dusk_none()};
        dusk_dtype ft = f == 1 ? real_of(dt) : dt;   /* S is real */
        dusk_array *g = one_block(sv, "getitem", tok, DUSK__OP_LA_ITEM, 0, none, ft, 2, x);
        out[f] = one_block(g, "from-value", tok, DUSK__OP_LA_ALIAS, f == 1 ? 1 : 2, shapes[f], ft,
                           0, NULL);
    }
    for (int f = 0; f < 3; f++)
        if (out[f]->status)
            return (dusk_svd){out[f], out[f], out[f]};
    return (dusk_svd){out[0], out[1], out[2]};
}

dusk_svd dusk_linalg_svd(dusk_array *a)
{
    dusk_array *e = la_input(a, NULL, "svd");
    if (!e && a->ndim != 2) {
        char sh[128];
        dusk__fmt_shape(sh, sizeof sh, a->ndim, a->shape);
        e = dusk__array_fail(a->ctx, DUSK_EINVAL, "svd: takes a 2-d array, not one of shape %s",
                             sh);
    }
    if (!e && a->nb[0] > 1 && a->nb[1] > 1) {
        char sh[128], ch[256];
        dusk__fmt_shape(sh, sizeof sh, a->ndim, a->shape);
        fmt_chunks(a, ch, sizeof ch);
        e = dusk__array_fail(a->ctx, DUSK_EINVAL, "svd: the array of shape %s has blocks along "
                             "both axes (chunks %s); svd needs one column of blocks "
                             "(tall-and-skinny, chunks (..., -1)) or one row (short-and-fat, "
                             "chunks (-1, ...))", sh, ch);
    }
    if (e)
        return (dusk_svd){e, e, e};
    if (a->nb[0] == 1 && a->nb[1] == 1) {
        dusk_svd f = svd_single(a);
        return f.u->status ? f : svd_flip(f.u, f.s, f.v);
    }
    /* short-and-fat: the factors of a.T, transposed */
    int fat = a->nb[0] == 1 && a->nb[1] > 1;
    dusk_array *x = fat ? dusk_array_transpose(a, NULL) : a;
    dusk_svd f = tsqr_svd(x);
    if (f.u->status)
        return f;
    if (fat) {
        dusk_array *t = f.u;
        f.u = dusk_array_transpose(f.v, NULL);
        f.v = dusk_array_transpose(t, NULL);
    }
    /* Dask's tsqr gives Vt in full, (n, n): for an array wider than its
     * one column of blocks (or, short-and-fat, taller than its row) Dask's
     * svd keeps k rows of it (of U's transpose) in a 'getitem' task. dusk's
     * kernel made just those k: the task passes them on. */
    if (fat ? a->shape[0] > a->shape[1] : a->shape[0] < a->shape[1]) {
        char tok[33];
        dusk__token(tok, "svd-truncate|%s", a->L->name);
        dusk_array **cut = fat ? &f.u : &f.v;
        *cut = one_block(*cut, "getitem", tok, DUSK__OP_LA_ALIAS, 2, (*cut)->shape, (*cut)->dtype,
                         0, NULL);
        if ((*cut)->status)
            return (dusk_svd){*cut, *cut, *cut};
    }
    return svd_flip(f.u, f.s, f.v);
}

/* --- norm ---------------------------------------------------------------------- */

/* The axes of mask (DUSK_ALL_AXES: all) of an array of ndim axes, in
 * increasing order; how many, -1 when one is out of range, or -2 - axis
 * when an axis is given twice (as 1 and -1). */
static int axes_of(uint64_t mask, int ndim, int *ax)
{
    int n = 0;
    if (mask == DUSK_ALL_AXES) {
        for (int d = 0; d < ndim; d++)
            ax[n++] = d;
        return n;
    }
    for (int d = 0; d < 64; d++)
        if ((mask >> d) & 1) {
            int a = d >= 32 ? d - 64 : d;   /* DUSK_AXIS(-1) is bit 63 */
            if (a < 0)
                a += ndim;
            if (a < 0 || a >= ndim || n >= 2 + 1)
                return -1;
            ax[n++] = a;
        }
    /* negative axes came last: sort the (at most 3) */
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (ax[j] < ax[i]) {
                int t = ax[i];
                ax[i] = ax[j];
                ax[j] = t;
            }
    /* axis 1 and axis -1 of a 2-d array are one axis given twice */
    for (int i = 0; i + 1 < n; i++)
        if (ax[i] == ax[i + 1])
            return -2 - ax[i];
    return n;
}

/* abs(r): Python's abs on a dask array makes an 'abs' layer (elemwise of
 * operator.abs), where dusk_array_unop's is numpy's 'absolute'. */
static dusk_array *py_abs(dusk_array *r)
{
    dusk_array *a = dusk_array_unop(DUSK_UNOP_ABS, r);
    if (a->status || a == r || strncmp(a->L->name, "absolute-", 9) != 0)
        return a;
    char *name = dusk_malloc(strlen(a->L->name));
    if (!name)
        return dusk__array_oom(a->ctx, "norm");
    snprintf(name, strlen(a->L->name), "abs-%s", a->L->name + 9);
    dusk_free(a->L->name);
    a->L->name = name;
    dusk_key_split(name, a->L->op, sizeof a->L->op);
    return a;
}

/* x.sum(axis=a, keepdims=True).max(axis=b, keepdims=True), then the
 * squeeze of both when not keepdims (Dask's matrix 1- and inf-norms). */
static dusk_array *sum_then(dusk_array *r, dusk_reduction red, int a, int b, bool keepdims)
{
    r = dusk_array_reduce(red, dusk_array_sum(r, DUSK_AXIS(a), true), DUSK_AXIS(b), true, 0, 0);
    return keepdims ? r : dusk_array_squeeze(r, DUSK_AXIS(a) | DUSK_AXIS(b));
}

/* svd(x)[1][None] reduced by red over everything (Dask's 2, -2 and nuc
 * norms). */
static dusk_array *sv_norm(dusk_array *x, dusk_reduction red, bool keepdims, const char *ord)
{
    if (x->ndim > 2)
        return dusk__array_fail(x->ctx, DUSK_EINVAL, "norm: ord %s needs an SVD, which takes a "
                                "2-d array, not one of %d dimensions", ord, x->ndim);
    dusk_array *s = dusk_array_slice(dusk_linalg_svd(x).s, "None");
    return dusk_array_reduce(red, s, DUSK_ALL_AXES, keepdims, 0, 0);
}

dusk_array *dusk_linalg_norm(dusk_array *x, const char *ord, uint64_t axes, bool keepdims)
{
    dusk_array *e = la_input(x, NULL, "norm");
    if (e)
        return e;
    int ax[3];
    int n = axes_of(axes, x->ndim, ax);
    /* of a 0-d array NumPy takes ord None alone, |x| (Dask's graph: a sum
     * over no axes between the powers) */
    if (x->ndim == 0 && axes == DUSK_ALL_AXES && ord)
        return dusk__array_fail(x->ctx, DUSK_EINVAL, "norm: improper number of dimensions to "
                                "norm: ord %s of a 0-d array (NumPy takes only None there)", ord);
    if (n <= -2)
        return dusk__array_fail(x->ctx, DUSK_EINVAL, "norm: duplicate axes given (axis %d twice, "
                                "for an array of %d dimensions)", -2 - n, x->ndim);
    if (n < 0 || n > 2 || (n == 0 && x->ndim != 0))
        return dusk__array_fail(x->ctx, DUSK_EINVAL, "norm: improper number of axes for an "
                                "array of %d dimensions (give one axis or two)", x->ndim);
    uint64_t mask = 0;
    for (int i = 0; i < n; i++)
        mask |= DUSK_AXIS(ax[i]);
    int matrix = n == 2;
    double p = 2;
    enum { P_NONE, P_FRO, P_NUC, P_NUM } kind = P_NONE;
    if (ord && strcmp(ord, "fro") == 0) {
        if (!matrix)
            return dusk__array_fail(x->ctx, DUSK_EINVAL, "norm: invalid norm order 'fro' for "
                                    "vectors");
        kind = P_NONE;
    } else if (ord && strcmp(ord, "nuc") == 0) {
        if (!matrix)
            return dusk__array_fail(x->ctx, DUSK_EINVAL, "norm: invalid norm order 'nuc' for "
                                    "vectors");
        kind = P_NUC;
    } else if (ord) {
        char *end = NULL;
        /* text after a number is no order even when strtod read an
         * infinity ("inf5", "1e999x") */
        if (strcmp(ord, "inf") == 0 || strcmp(ord, "-inf") == 0)
            p = ord[0] == '-' ? -INFINITY : INFINITY;
        else if ((p = strtod(ord, &end)), end == ord || *end || isnan(p))
            return dusk__array_fail(x->ctx, DUSK_EINVAL, "norm: '%s' is not a norm order (a "
                                    "number, inf, -inf, 'fro' or 'nuc')", ord);
        kind = P_NUM;
    }
    /* float64 (or float32) throughout, as numpy.promote_types(dtype, float);
     * a complex array as it is (Dask's astype(float) is of non-inexact
     * arrays), whose abs is real */
    dusk_array *r = is_cplx(x->dtype) ? x
                                      : dusk_array_astype(x, x->dtype == DUSK_DT_F4 ? DUSK_DT_F4
                                                                                  : DUSK_DT_F8);
    if (kind == P_NONE)
        return dusk_array_binop_scalar(
            DUSK_BINOP_POW,
            dusk_array_sum(dusk_array_binop_scalar(DUSK_BINOP_POW, py_abs(r),
                                                   2, false),
                           mask, keepdims),
            0.5, false);
    if (kind == P_NUC)
        return sv_norm(x, DUSK_RED_SUM, keepdims, ord);
    if (isinf(p)) {
        dusk_reduction red = p > 0 ? DUSK_RED_MAX : DUSK_RED_MIN;
        r = py_abs(r);
        return matrix ? sum_then(r, red, ax[1], ax[0], keepdims)
                      : dusk_array_reduce(red, r, mask, keepdims, 0, 0);
    }
    if (p == 0) {
        if (matrix)
            return dusk__array_fail(x->ctx, DUSK_EINVAL, "norm: invalid norm order 0 for "
                                    "matrices");
        r = dusk_array_astype(dusk_array_binop_scalar(DUSK_BINOP_NE, r, 0, false), r->dtype);
        return dusk_array_sum(r, mask, keepdims);
    }
    if (p == 1) {
        r = py_abs(r);
        return matrix ? sum_then(r, DUSK_RED_MAX, ax[0], ax[1], keepdims)
                      : dusk_array_sum(r, mask, keepdims);
    }
    if (matrix && p == -1)
        return sum_then(py_abs(r), DUSK_RED_MIN, ax[0], ax[1], keepdims);
    if (matrix && (p == 2 || p == -2))
        return sv_norm(x, p > 0 ? DUSK_RED_MAX : DUSK_RED_MIN, keepdims, ord);
    if (matrix)
        return dusk__array_fail(x->ctx, DUSK_EINVAL, "norm: invalid norm order %s for matrices",
                                ord);
    r = dusk_array_binop_scalar(DUSK_BINOP_POW, py_abs(r), p, false);
    return dusk_array_binop_scalar(DUSK_BINOP_POW, dusk_array_sum(r, mask, keepdims), 1.0 / p,
                                   false);
}

/* --- solve_triangular ------------------------------------------------------------ */

/* A 2-d or 1-d block as an n x nrhs column-major float64 matrix (a
 * vector is one column); transposed (nrhs x n read as its transpose) when
 * tr. */
static void load_rhs(const dusk_value *b, double *B, int64_t n, int64_t nrhs, int tr, double sign)
{
    int bnd = dusk_ndarray_ndim(b);
    const int64_t *bs = dusk_ndarray_strides(b);
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < nrhs; j++) {
            int64_t r = tr ? j : i, c = tr ? i : j;
            B[i + j * n] += sign * dusk__nd_loadf(b->u.nd.data + r * bs[0] +
                                                  (bnd == 2 ? c * bs[1] : 0), b->u.nd.dtype);
        }
}

/* x = solve_triangular(a_ii, target) (dtrtrs), target being, by form:
 *   0  b - sum(products)                 (Dask's solve_triangular)
 *   1  p @ b - sum(products)             (lu's blocks right of the diagonal)
 *   2  transpose: x = solve(a_ii, (b - sum(products)).T).T
 *                                        (lu's blocks below it)
 * A zero on a's diagonal is a singular matrix, named with the block. */
int dusk__k_la_trsolve(const dusk__targs *t, dusk_value **out, dusk_error *err)
{
    const dusk_value *a, *b, *pm = NULL, *list = NULL;
    int64_t lower, form;
    int rc;
    if ((rc = la_dtype_ok(t, err)) || (rc = dusk__targs_int(t, 0, &lower, err)) ||
        (rc = dusk__targs_int(t, 1, &form, err)) || (rc = la_block(t, 0, &a, err)))
        return rc;
    size_t at = 1;
    if (form == 1 && (rc = la_block(t, at++, &pm, err)))
        return rc;
    if ((rc = dusk__targs_block_in(t, at++, -1, &b, err)) ||
        (t->nin > at && (rc = dusk__targs_list_in(t, at, &list, err))))
        return rc;
    int bnd = dusk_ndarray_ndim(b);
    int64_t n = a->u.nd.shape[0];
    int64_t br = b->u.nd.shape[0], bc = bnd == 2 ? b->u.nd.shape[1] : 1;
    int64_t rows = form == 2 ? bc : br, nrhs = form == 2 ? br : bc;
    if (a->u.nd.shape[1] != n || (bnd != 1 && bnd != 2) || rows != n ||
        (pm && (dusk_ndarray_shape(pm)[0] != n || dusk_ndarray_shape(pm)[1] != n)))
        return dusk_error_set(err, DUSK_EINVAL, "solve_triangular: a diagonal block of %" PRId64
                              " x %" PRId64 " and a right-hand side of %" PRId64 " rows",
                              a->u.nd.shape[0], a->u.nd.shape[1], rows);
    if (is_cplx(t->dtype))
        return trsolve_c(t, lower, form, a, pm, b, list, out, err);
    double *A = dusk_malloc((size_t)(n * n > 0 ? n * n : 1) * sizeof(double));
    dusk_value *x = dusk_ndarray_empty(DUSK_DT_F8, bnd, b->u.nd.shape);
    double *B = dusk_calloc((size_t)(n * nrhs > 0 ? n * nrhs : 1), sizeof(double));
    dusk_value *pb = NULL;
    if (!A || !x || !B) {
        rc = la_oom(t, err);
        goto done;
    }
    copy_f8_colmajor(a, A);
    if (pm) {   /* p @ b first */
        dusk__targs t2 = *t;
        dusk_value *in2[2] = {(dusk_value *)pm, (dusk_value *)b};
        t2.in = in2;
        t2.nin = 2;
        t2.dtype = DUSK_DT_F8;
        if ((rc = dusk__k_la_dot(&t2, &pb, err)))
            goto done;
        load_rhs(pb, B, n, nrhs, 0, 1);
    } else {
        load_rhs(b, B, n, nrhs, form == 2, 1);
    }
    for (size_t p = 0; list && p < dusk_tuple_len(list); p++) {
        const dusk_value *d = dusk_tuple_get(list, p);
        if (dusk_value_kind(d) != DUSK_KIND_NDARRAY || dusk_ndarray_ndim(d) != bnd ||
            dusk_ndarray_shape(d)[0] != br || (bnd == 2 && dusk_ndarray_shape(d)[1] != bc)) {
            rc = dusk_error_set(err, DUSK_EINVAL, "solve_triangular: product %zu is not of the "
                                "right-hand side's shape", p);
            goto done;
        }
        load_rhs(d, B, n, nrhs, form == 2, -1);
    }
    if (n > 0 && nrhs > 0) {
        lapack_int info = LAPACKE_dtrtrs(LAPACK_COL_MAJOR, lower ? 'L' : 'U', 'N', 'N',
                                         (lapack_int)n, (lapack_int)nrhs, A, (lapack_int)n, B,
                                         (lapack_int)n);
        if (info > 0) {
            rc = trs_singular(t, form, info, err);
            goto done;
        }
        if (info < 0) {
            rc = lapacke_error(t, "dtrtrs", n, n, info, err);
            goto done;
        }
    }
    double *X = (double *)x->u.nd.data;
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < nrhs; j++) {
            if (form == 2)
                X[j * bc + i] = B[i + j * n];
            else
                X[i * nrhs + j] = B[i + j * n];
        }
    *out = in_dtype(t, x);
    x = NULL;
    if (!*out)
        rc = la_oom(t, err);
done:
    dusk_free(A);
    dusk_free(B);
    dusk_value_unref(x);
    dusk_value_unref(pb);
    return rc;
}

/* What a 'solve-triangular' layer emits. */
typedef struct {
    int lower, bnd;                /* b's dimensions: 1 or 2 */
    int64_t v, h;                  /* blocks along a's axes, along b's columns */
    char *dot;                     /* 'solve-tri-dot-<token>' */
    dusk_value *dot_params;
} trs_data;

static void trs_free(void *p)
{
    trs_data *d = p;
    if (d) {
        dusk_free(d->dot);
        dusk_value_unref(d->dot_params);
        dusk_free(d);
    }
}

/* Dask's graph: block (i, j) of x solves a_ii against b_ij less the
 * products a_ik @ x_kj of the blocks solved before it (k < i for lower,
 * k > i for upper), each a task of its own, ('solve-tri-dot-<token>', i,
 * k, k, j). */
static int trs_emit(dusk_graph *g, const dusk__layer *L)
{
    const trs_data *d = L->data;
    const char *an = L->in[0]->name, *bn = L->in[1]->name;
    char key[512], ka[512], kb[512];
    for (int64_t i = 0; i < d->v; i++)
        for (int64_t j = 0; j < d->h; j++) {
            int64_t lo = d->lower ? 0 : i + 1, hi = d->lower ? i : d->v, np = hi - lo;
            dusk_arg **prev = np ? dusk_malloc((size_t)np * sizeof *prev) : NULL;
            if (np && !prev)
                return DUSK_ENOMEM;
            int rc = 0;
            for (int64_t k = lo; k < hi; k++) {
                int64_t di[4] = {i, k, k, j}, ai[2] = {i, k}, xi[2] = {k, j};
                dusk_key_tuple(key, sizeof key, d->dot, 4, di);
                dusk_key_tuple(ka, sizeof ka, an, 2, ai);
                dusk_key_tuple(kb, sizeof kb, L->name, d->bnd, xi);
                dusk_arg *args[4] = {dusk_lit(dusk_value_ref(d->dot_params)),
                                     dusk__index_arg(4, di), dusk_ref(ka), dusk_ref(kb)};
                if (!rc)
                    rc = dusk_graph_taskv(g, key, &dusk__op_get(DUSK__OP_LA_DOT)->func, 4, args);
                else
                    for (int q = 0; q < 4; q++)
                        dusk_arg_free(args[q]);
                prev[k - lo] = dusk_ref(key);
            }
            int64_t xi[2] = {i, j}, ai[2] = {i, i};
            dusk_key_tuple(key, sizeof key, L->name, d->bnd, xi);
            dusk_key_tuple(ka, sizeof ka, an, 2, ai);
            dusk_key_tuple(kb, sizeof kb, bn, d->bnd, xi);
            dusk_arg *args[5] = {dusk_lit(dusk_value_ref(L->params)), dusk__index_arg(d->bnd, xi),
                                 dusk_ref(ka), dusk_ref(kb), NULL};
            size_t nargs = 4;
            if (np)
                args[nargs++] = dusk_listv((size_t)np, prev);
            dusk_free(prev);
            if (!rc)
                rc = dusk_graph_taskv(g, key, &L->kop->func, nargs, args);
            else
                for (size_t q = 0; q < nargs; q++)
                    dusk_arg_free(args[q]);
            if (rc)
                return rc;
        }
    return 0;
}

static void fmt_axis_chunks(const dusk_array *a, int d, char *buf, size_t n)
{
    size_t at = (size_t)snprintf(buf, n, "(");
    for (int64_t i = 0; i < a->nb[d] && at < n; i++) {
        if (i == 4 && a->nb[d] > 6) {
            at += (size_t)snprintf(buf + at, n - at, ", ...");
            i = a->nb[d] - 2;
            continue;
        }
        at += (size_t)snprintf(buf + at, n - at, "%s%" PRId64, i ? ", " : "", a->chunks[d][i]);
    }
    if (at < n)
        snprintf(buf + at, n - at, "%s)", a->nb[d] == 1 ? "," : "");
}

dusk_array *dusk_linalg_solve_triangular(dusk_array *a, dusk_array *b, bool lower)
{
    dusk_array *e = la_input(a, b, "solve_triangular");
    if (e)
        return e;
    if (!b)
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "solve_triangular: no b given");
    if (a->ctx != b->ctx)
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "solve_triangular: a and b belong to "
                                "different contexts");
    char sa[128], sb[128], ca[256], cb[256];
    dusk__fmt_shape(sa, sizeof sa, a->ndim, a->shape);
    dusk__fmt_shape(sb, sizeof sb, b->ndim, b->shape);
    if (a->ndim != 2 || a->shape[0] != a->shape[1])
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "solve_triangular: a must be a square "
                                "2-d array, not one of shape %s", sa);
    if (b->ndim != 1 && b->ndim != 2)
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "solve_triangular: b must be 1 or 2 "
                                "dimensional, not of shape %s", sb);
    if (a->shape[1] != b->shape[0])
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "solve_triangular: a.shape[1] and "
                                "b.shape[0] must be equal (a %s, b %s)", sa, sb);
    int same = a->nb[0] == a->nb[1] && a->nb[1] == b->nb[0];
    for (int64_t i = 0; same && i < a->nb[1]; i++)
        same = a->chunks[0][i] == a->chunks[1][i] && a->chunks[1][i] == b->chunks[0][i];
    if (!same) {
        fmt_axis_chunks(a, 1, ca, sizeof ca);
        fmt_axis_chunks(b, 0, cb, sizeof cb);
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "solve_triangular: a.chunks[1] %s and "
                                "b.chunks[0] %s must be equal, and a's blocks square (a.chunks"
                                "[0] = a.chunks[1]); use rechunk to change the chunks", ca, cb);
    }
    dusk_dtype dt = la_dtype(dusk__promote(a->dtype, b->dtype));
    char tok[33];
    dusk__token(tok, "solve-triangular|%s|%s|%d", a->L->name, b->L->name, (int)lower);
    trs_data *d = dusk_calloc(1, sizeof *d);
    size_t dl = strlen(tok) + 16;
    char *dot = dusk_malloc(dl);
    dusk_value *x[2] = {dusk_bool(lower), dusk_int(0)};
    dusk_value *params = dusk__params_new(dt, 0, NULL, NULL, 2, x);
    dusk_value *dp = dusk__params_new(dt, 0, NULL, NULL, 0, NULL);
    int64_t v = a->nb[0], h = b->ndim == 2 ? b->nb[1] : 1, nb[2] = {v, h};
    dusk__layer *L = d && dot && dp ? dusk__layer_new(a->ctx, "solve-triangular", tok,
                                                     DUSK__L_CUSTOM, dusk__op_get(DUSK__OP_LA_TRSOLVE),
                                                     params, b->ndim, b->shape, nb, dt)
                                    : (dusk_value_unref(params), NULL);
    if (!L) {
        dusk_free(d);
        dusk_free(dot);
        dusk_value_unref(dp);
        return dusk__array_oom(a->ctx, "solve_triangular");
    }
    snprintf(dot, dl, "solve-tri-dot-%s", tok);
    *d = (trs_data){lower, b->ndim, v, h, dot, dp};
    L->data = d;
    L->data_free = trs_free;
    L->emit = trs_emit;
    L->ntasks = v * h + v * (v - 1) / 2 * h;
    dusk__layer_input(L, a->L);
    dusk__layer_input(L, b->L);
    return dusk__array_new(a->ctx, L, b->ndim, b->shape, b->chunks, b->nb, dt);
}

/* --- lstsq --------------------------------------------------------------------------- */

/* np.linalg.matrix_rank(block): the singular values (dgesdd) above
 * S.max() * max(m, n) * eps; an int64 0-d array. */
int dusk__k_la_rank(const dusk__targs *t, dusk_value **out, dusk_error *err)
{
    const dusk_value *a;
    int rc = la_block(t, 0, &a, err);
    if (rc)
        return rc;
    if (is_cplx(a->u.nd.dtype))
        return rank_c(t, a, out, err);
    int64_t m = a->u.nd.shape[0], n = a->u.nd.shape[1], k = m < n ? m : n, rank = 0;
    double *w = dusk_malloc((size_t)(m * n > 0 ? m * n : 1) * sizeof(double));
    double *s = dusk_malloc((size_t)(k ? k : 1) * sizeof(double));
    dusk_value *v = dusk_ndarray_new(DUSK_DT_I8, 0, NULL);
    if (!w || !s || !v) {
        rc = la_oom(t, err);
        goto done;
    }
    copy_f8(a, w);
    if (k > 0) {
        lapack_int info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'N', (lapack_int)n, (lapack_int)m, w,
                                         (lapack_int)n, s, NULL, 1, NULL, 1);
        if (info != 0) {
            rc = info > 0 ? dusk_error_set(err, DUSK_EINVAL, "matrix_rank: SVD did not converge "
                                           "(LAPACK dgesdd, info %d)", (int)info)
                          : lapacke_error(t, "dgesdd", m, n, info, err);
            goto done;
        }
        double tol = s[0] * (double)(m > n ? m : n) * 2.220446049250313e-16;
        for (int64_t i = 0; i < k; i++)
            rank += s[i] > tol;
    }
    *(int64_t *)v->u.nd.data = rank;
    *out = v;
    v = NULL;
done:
    dusk_free(w);
    dusk_free(s);
    dusk_value_unref(v);
    return rc;
}

/* lstsq's singular values: sqrt(eigvalsh(rt @ r)) largest first (dsyevd
 * on the product; zheevd on R^H R of a complex R). The task's dtype is
 * the values' real one. */
int dusk__k_la_singular(const dusk__targs *t, dusk_value **out, dusk_error *err)
{
    dusk_value *p = NULL;
    dusk_dtype want = real_of(t->dtype);
    dusk__targs tc = *t;
    for (size_t i = 0; i < t->nin; i++)
        if (dusk_value_kind(t->in[i]) == DUSK_KIND_NDARRAY && is_cplx(dusk_ndarray_dtype(t->in[i])))
            tc.dtype = DUSK_DT_C16;
    int cx = tc.dtype == DUSK_DT_C16;
    if (cx)
        t = &tc;
    int rc = dusk__k_la_dot(t, &p, err);
    if (rc)
        return rc;
    int64_t n = dusk_ndarray_shape(p)[0];
    if (dusk_ndarray_ndim(p) != 2 || dusk_ndarray_shape(p)[1] != n) {
        dusk_value_unref(p);
        return dusk_error_set(err, DUSK_EINVAL, "eigvalsh: R^T R is not square");
    }
    dusk_value *v = dusk_ndarray_empty(DUSK_DT_F8, 1, &n);
    double *e = dusk_malloc((size_t)(n ? n : 1) * sizeof(double)), *w = NULL;
    if (!v || !e || (!cx && t->dtype != DUSK_DT_F8 &&
                     !(w = dusk_malloc((size_t)(n > 0 ? n * n : 1) * 8)))) {
        rc = la_oom(t, err);
        goto done;
    }
    if (!w)
        w = (double *)p->u.nd.data;   /* our own product: dsyevd may overwrite it */
    else
        copy_f8(p, w);
    if (cx && n > 0) {   /* p is our own complex128 product */
        lapack_int info = LAPACKE_zheevd(LAPACK_ROW_MAJOR, 'N', 'L', (lapack_int)n,
                                         (zc *)(void *)p->u.nd.data, (lapack_int)n, e);
        if (info != 0) {
            rc = info > 0 ? dusk_error_set(err, DUSK_EINVAL, "eigvalsh: did not converge "
                                           "(LAPACK zheevd, info %d)", (int)info)
                          : lapacke_error(t, "zheevd", n, n, info, err);
            goto done;
        }
    } else if (n > 0) {
        lapack_int info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'N', 'L', (lapack_int)n, w,
                                         (lapack_int)n, e);
        if (info != 0) {
            rc = info > 0 ? dusk_error_set(err, DUSK_EINVAL, "eigvalsh: did not converge "
                                           "(LAPACK dsyevd, info %d)", (int)info)
                          : lapacke_error(t, "dsyevd", n, n, info, err);
            goto done;
        }
    }
    /* R^T R is positive semi-definite: the eigenvalues rounding leaves
     * below 0 (of a rank-deficient a) are 0, not the NaN singular values
     * Dask's sqrt gives them (NaN itself stays NaN) */
    for (int64_t i = 0; i < n; i++)
        ((double *)v->u.nd.data)[i] = sqrt(e[n - 1 - i] < 0 ? 0 : e[n - 1 - i]);
    *out = as_dtype(v, want);
    v = NULL;
    if (!*out)
        rc = la_oom(t, err);
done:
    if (w != (double *)p->u.nd.data)
        dusk_free(w);
    dusk_free(e);
    dusk_value_unref(v);
    dusk_value_unref(p);
    return rc;
}

/* a renamed to prefix-<its token> (Dask's name for the same blocks). */
static dusk_array *renamed(dusk_array *a, const char *from, const char *prefix)
{
    if (a->status || strncmp(a->L->name, from, strlen(from)) != 0)
        return a;
    const char *tok = a->L->name + strlen(from);
    size_t n = strlen(prefix) + strlen(tok) + 1;
    char *name = dusk_malloc(n);
    if (!name)
        return dusk__array_oom(a->ctx, prefix);
    snprintf(name, n, "%s%s", prefix, tok);
    dusk_free(a->L->name);
    a->L->name = name;
    dusk_key_split(name, a->L->op, sizeof a->L->op);
    return a;
}

/* x.conj(): of a real array a 'conjugate' layer passing the blocks on, of
 * a complex one numpy.conjugate's, named 'conjugate' as Dask's. */
static dusk_array *conj_of(dusk_array *x)
{
    if (x->status)
        return x;
    if (is_cplx(x->dtype))
        return renamed(dusk_array_unop(DUSK_UNOP_CONJ, x), "conj", "conjugate");
    int map[1][DUSK_MAXDIMS];
    for (int d = 0; d < x->ndim; d++)
        map[0][d] = d;
    char tok[33];
    dusk__token(tok, "conjugate|%s", x->L->name);
    dusk_array *c = dusk__blockwise_layer(dusk__op_get(DUSK__OP_LA_ALIAS), tok, &x, 1, map,
                                          x->ndim, x->shape, x->chunks, x->nb, x->dtype, 0, NULL);
    return renamed(c, "identity", "conjugate");
}

/* One-task layer prefix-tok over ins (block (0, 0) of each), of ndim
 * (0: the key (name,), 1: (name, 0)) and length n. */
static dusk_array *one_task(dusk_array_ctx *ctx, const char *prefix, const char *tok, int opid,
                            dusk_array **ins, int nin, int ndim, int64_t n, dusk_dtype dt)
{
    int64_t shape[1] = {n}, nb[1] = {1}, ch[1] = {n};
    int64_t *chunks[1] = {ch};
    dusk_value *params = dusk__params_new(dt, 0, NULL, NULL, 0, NULL);
    dusk__layer *L = dusk__layer_new(ctx, prefix, tok, DUSK__L_BLOCKS, dusk__op_get(opid), params,
                                     ndim, shape, nb, dt);
    if (!L)
        return dusk__array_oom(ctx, prefix);
    for (int j = 0; j < nin; j++) {
        dusk__layer_input(L, ins[j]->L);
        for (int d = 0; d < ins[j]->ndim; d++)
            L->map[j][d] = -1;
    }
    return dusk__array_new(ctx, L, ndim, shape, chunks, nb, dt);
}

dusk_lstsq dusk_linalg_lstsq(dusk_array *a, dusk_array *b)
{
    dusk_array *e = la_input(a, b, "lstsq");
    if (!e && !b)
        e = dusk__array_fail(a->ctx, DUSK_EINVAL, "lstsq: no b given");
    if (!e && a->ctx != b->ctx)
        e = dusk__array_fail(a->ctx, DUSK_EINVAL, "lstsq: a and b belong to different contexts");
    if (!e && a->ndim != 2) {   /* here, so that the message names lstsq, not qr */
        char sa[128];
        dusk__fmt_shape(sa, sizeof sa, a->ndim, a->shape);
        e = dusk__array_fail(a->ctx, DUSK_EINVAL, "lstsq: a must be a 2-d array, not one of "
                             "shape %s", sa);
    }
    if (!e && (b->ndim < 1 || b->ndim > 2 || (a->ndim == 2 && b->shape[0] != a->shape[0]))) {
        char sa[128], sb[128];
        dusk__fmt_shape(sa, sizeof sa, a->ndim, a->shape);
        dusk__fmt_shape(sb, sizeof sb, b->ndim, b->shape);
        e = dusk__array_fail(a->ctx, DUSK_EINVAL, "lstsq: b must be 1 or 2 dimensional with "
                             "a's rows (a %s, b %s)", sa, sb);
    }
    /* R of a wider a is not square: solve_triangular would refuse it, in
     * words about an array the caller never made */
    if (!e && a->ndim == 2 && a->shape[0] < a->shape[1]) {
        char sa[128];
        dusk__fmt_shape(sa, sizeof sa, a->ndim, a->shape);
        e = dusk__array_fail(a->ctx, DUSK_EINVAL, "lstsq: a %s has fewer rows than columns; "
                             "lstsq solves with qr's R, square only when a has at least as "
                             "many rows as columns", sa);
    }
    dusk_qr f = e ? (dusk_qr){e, e} : dusk_linalg_qr(a);
    if ((e = dusk__array_bad_input(f.q, f.r)))
        return (dusk_lstsq){e, e, e, e};
    dusk_array *x = dusk_linalg_solve_triangular(
        f.r, dusk_array_dot(conj_of(dusk_array_transpose(f.q, NULL)), b), false);
    dusk_array *res = dusk_array_sub(b, dusk_array_dot(a, x));
    res = dusk_array_sum(py_abs(dusk_array_binop_scalar(DUSK_BINOP_POW, res, 2, false)),
                         DUSK_AXIS(0), b->ndim == 1);
    if ((e = dusk__array_bad_input(x, res)))
        return (dusk_lstsq){e, e, e, e};
    char tok[33];
    dusk__token(tok, "lstsq|%s|%s", a->L->name, b->L->name);
    dusk_array *rank = one_task(a->ctx, "lstsq-rank", tok, DUSK__OP_LA_RANK, &f.r, 1, 0, 0,
                                DUSK_DT_I8);
    dusk_array *rs[2] = {conj_of(dusk_array_transpose(f.r, NULL)), f.r};
    dusk_array *s = (e = dusk__array_bad_input(rs[0], NULL))
                        ? e
                        : one_task(a->ctx, "lstsq-singular", tok, DUSK__OP_LA_SINGULAR, rs, 2, 1,
                                   f.r->shape[0], real_of(la_dtype(f.r->dtype)));
    return (dusk_lstsq){x, res, rank, s};
}

/* --- lu, solve, inv ------------------------------------------------------------------ */

/* scipy.linalg.lu(block - sum(products)) (dgetrf): the tuple (P, L, U),
 * block = P @ L @ U. A singular block factorises (U has a zero on its
 * diagonal); solving with it is what fails. */
int dusk__k_la_lu(const dusk__targs *t, dusk_value **out, dusk_error *err)
{
    const dusk_value *a, *list = NULL;
    int rc;
    if ((rc = la_dtype_ok(t, err)) || (rc = la_block(t, 0, &a, err)) ||
        (t->nin > 1 && (rc = dusk__targs_list_in(t, 1, &list, err))))
        return rc;
    int64_t n = a->u.nd.shape[0];
    if (a->u.nd.shape[1] != n)
        return dusk_error_set(err, DUSK_EINVAL, "lu: a block of %" PRId64 " x %" PRId64 " is "
                              "not square", n, a->u.nd.shape[1]);
    if (is_cplx(t->dtype))
        return lu_c(t, a, list, out, err);
    int64_t sh[2] = {n, n};
    dusk_value *P = dusk_ndarray_new(DUSK_DT_F8, 2, sh), *L = dusk_ndarray_new(DUSK_DT_F8, 2, sh),
               *U = dusk_ndarray_new(DUSK_DT_F8, 2, sh);
    double *w = dusk_calloc((size_t)(n > 0 ? n * n : 1), sizeof(double));
    lapack_int *ipiv = dusk_malloc((size_t)(n ? n : 1) * sizeof *ipiv);
    int64_t *perm = dusk_malloc((size_t)(n ? n : 1) * sizeof *perm);
    if (!P || !L || !U || !w || !ipiv || !perm) {
        rc = la_oom(t, err);
        goto done;
    }
    load_rhs(a, w, n, n, 0, 1);
    for (size_t p = 0; list && p < dusk_tuple_len(list); p++) {
        const dusk_value *d = dusk_tuple_get(list, p);
        if (dusk_value_kind(d) != DUSK_KIND_NDARRAY || dusk_ndarray_ndim(d) != 2 ||
            dusk_ndarray_shape(d)[0] != n || dusk_ndarray_shape(d)[1] != n) {
            rc = dusk_error_set(err, DUSK_EINVAL, "lu: product %zu is not of the block's shape", p);
            goto done;
        }
        load_rhs(d, w, n, n, 0, -1);
    }
    if (n > 0) {
        lapack_int info = LAPACKE_dgetrf(LAPACK_COL_MAJOR, (lapack_int)n, (lapack_int)n, w,
                                         (lapack_int)n, ipiv);
        if (info < 0) {
            rc = lapacke_error(t, "dgetrf", n, n, info, err);
            goto done;
        }
    }
    for (int64_t i = 0; i < n; i++)
        perm[i] = i;
    for (int64_t i = 0; i < n; i++) {
        int64_t j = ipiv[i] - 1, x = perm[i];
        perm[i] = perm[j];
        perm[j] = x;
    }
    double *p = (double *)P->u.nd.data, *l = (double *)L->u.nd.data, *u = (double *)U->u.nd.data;
    for (int64_t i = 0; i < n; i++) {
        p[perm[i] * n + i] = 1;
        for (int64_t j = 0; j < n; j++) {
            if (j < i)
                l[i * n + j] = w[i + j * n];
            else
                u[i * n + j] = w[i + j * n];
        }
        l[i * n + i] = 1;
    }
    dusk_value *items[3] = {in_dtype(t, P), in_dtype(t, L), in_dtype(t, U)};
    P = L = U = NULL;
    if (!(*out = dusk_tuple_of(3, items)))
        rc = la_oom(t, err);
done:
    dusk_free(w);
    dusk_free(ipiv);
    dusk_free(perm);
    dusk_value_unref(P);
    dusk_value_unref(L);
    dusk_value_unref(U);
    return rc;
}

/* A block of numpy.eye: ones where column - row is k (global indices). */
/* Adding tasks to a graph from an emitter: a key already there (another
 * layer of the same factorisation emitted it) is left as it is. */
typedef struct {
    dusk_graph *g;
    int rc;
} emitter;

static void em_task(emitter *e, const char *key, int opid, dusk_value *params, int nidx,
                    const int64_t *idx, int nin, dusk_arg **ins)
{
    if (e->rc || dusk_graph_find(e->g, key) >= 0) {
        for (int i = 0; i < nin; i++)
            dusk_arg_free(ins[i]);
        return;
    }
    dusk_arg *args[2 + 8];
    args[0] = dusk_lit(dusk_value_ref(params));
    args[1] = dusk__index_arg(nidx, idx);
    for (int i = 0; i < nin; i++)
        args[2 + i] = ins[i];
    e->rc = dusk_graph_taskv(e->g, key, &dusk__op_get(opid)->func, (size_t)(2 + nin), args);
}

static dusk_arg *kref(const char *name, int n, int64_t a, int64_t b, int64_t c, int64_t d)
{
    char key[512];
    int64_t idx[4] = {a, b, c, d};
    dusk_key_tuple(key, sizeof key, name, n, idx);
    return dusk_ref(key);
}

static void kname(char *key, const char *name, int n, int64_t a, int64_t b, int64_t c, int64_t d)
{
    int64_t idx[4] = {a, b, c, d};
    dusk_key_tuple(key, 512, name, n, idx);
}

/* Dask's lu layers' names, after 'lu-': the factorisation's families. */
enum { LU_LU, LU_P, LU_L, LU_U, LU_PINV, LU_LPERM, LU_UT, LU_PLUDOT, LU_LUDOT, LU_NNAMES };
static const char *const lu_names[LU_NNAMES] = {
    "lu-lu-", "lu-p-", "lu-l-", "lu-u-", "lu-p-inv-", "lu-l-permute-", "lu-u-transpose-",
    "lu-plu-dot-", "lu-lu-dot-",
};

typedef struct {
    int64_t v;
    char *name[LU_NNAMES];
    const char *a;               /* the input's layer name */
    dusk_value *plain, *item[3], *tr, *zeros, *right, *below;
    dusk_value *ptr, *pzeros;    /* p's transposes and zeros: p is real, as SciPy's */
} lu_data;

static void lu_free(void *p)
{
    lu_data *d = p;
    if (!d)
        return;
    for (int i = 0; i < LU_NNAMES; i++)
        dusk_free(d->name[i]);
    dusk_value_unref(d->plain);
    for (int i = 0; i < 3; i++)
        dusk_value_unref(d->item[i]);
    dusk_value_unref(d->tr);
    dusk_value_unref(d->zeros);
    dusk_value_unref(d->right);
    dusk_value_unref(d->below);
    dusk_value_unref(d->ptr);
    dusk_value_unref(d->pzeros);
    dusk_free(d);
}

/* The products p of row i's blocks (p < i) that a block subtracts, each
 * a task ((dot name, r, p, p, c) = left(r, p) @ u(p, c)), as a list. */
static dusk_arg *lu_prevs(emitter *e, const lu_data *d, int dot, int left, int64_t r, int64_t c,
                          int64_t i)
{
    if (i == 0)
        return NULL;
    dusk_arg **prev = dusk_malloc((size_t)i * sizeof *prev);
    if (!prev) {
        e->rc = DUSK_ENOMEM;
        return NULL;
    }
    for (int64_t p = 0; p < i; p++) {
        char key[512];
        kname(key, d->name[dot], 4, r, p, p, c);
        int64_t idx[4] = {r, p, p, c};
        dusk_arg *ins[2] = {kref(d->name[left], 2, r, p, 0, 0), kref(d->name[LU_U], 2, p, c, 0, 0)};
        em_task(e, key, DUSK__OP_LA_DOT, d->plain, 4, idx, 2, ins);
        prev[p] = dusk_ref(key);
    }
    dusk_arg *list = dusk_listv((size_t)i, prev);
    dusk_free(prev);
    return list;
}

/* Dask's blocked LU (dask/array/linalg.py lu): every key of every family,
 * whichever of the p, l and u layers emits first. */
static int lu_emit(dusk_graph *g, const dusk__layer *L)
{
    const lu_data *d = L->data;
    emitter e = {g, 0};
    char key[512];
    int64_t v = d->v;
    for (int64_t i = 0; i < v && !e.rc; i++) {
        int64_t ii[2] = {i, i};
        dusk_arg *ins[4];
        int n = 0;
        ins[n++] = kref(d->a, 2, i, i, 0, 0);
        dusk_arg *pl = lu_prevs(&e, d, LU_PLUDOT, LU_LPERM, i, i, i);
        if (pl)
            ins[n++] = pl;
        kname(key, d->name[LU_LU], 2, i, i, 0, 0);
        em_task(&e, key, DUSK__OP_LA_LU, d->plain, 2, ii, n, ins);
        for (int64_t j = i + 1; j < v; j++) {
            int64_t ij[2] = {i, j};
            n = 0;
            ins[n++] = kref(d->name[LU_L], 2, i, i, 0, 0);
            ins[n++] = kref(d->name[LU_PINV], 2, i, i, 0, 0);
            ins[n++] = kref(d->a, 2, i, j, 0, 0);
            if ((pl = lu_prevs(&e, d, LU_LUDOT, LU_L, i, j, i)))
                ins[n++] = pl;
            kname(key, d->name[LU_LU], 2, i, j, 0, 0);
            em_task(&e, key, DUSK__OP_LA_TRSOLVE, d->right, 2, ij, n, ins);
        }
        for (int64_t k = i + 1; k < v; k++) {
            int64_t ki[2] = {k, i};
            n = 0;
            ins[n++] = kref(d->name[LU_UT], 2, i, i, 0, 0);
            ins[n++] = kref(d->a, 2, k, i, 0, 0);
            if ((pl = lu_prevs(&e, d, LU_PLUDOT, LU_LPERM, k, i, i)))
                ins[n++] = pl;
            kname(key, d->name[LU_LU], 2, k, i, 0, 0);
            em_task(&e, key, DUSK__OP_LA_TRSOLVE, d->below, 2, ki, n, ins);
        }
    }
    for (int64_t i = 0; i < v && !e.rc; i++)
        for (int64_t j = 0; j < v; j++) {
            int64_t ij[2] = {i, j};
            dusk_arg *in1[2];
            if (i == j) {
                for (int f = 0; f < 3; f++) {
                    in1[0] = kref(d->name[LU_LU], 2, i, j, 0, 0);
                    kname(key, d->name[LU_P + f], 2, i, j, 0, 0);
                    em_task(&e, key, DUSK__OP_LA_ITEM, d->item[f], 2, ij, 1, in1);
                }
                in1[0] = kref(d->name[LU_P], 2, i, j, 0, 0);
                in1[1] = kref(d->name[LU_L], 2, i, j, 0, 0);
                kname(key, d->name[LU_LPERM], 2, i, j, 0, 0);
                em_task(&e, key, DUSK__OP_LA_DOT, d->plain, 2, ij, 2, in1);
                in1[0] = kref(d->name[LU_U], 2, i, j, 0, 0);
                kname(key, d->name[LU_UT], 2, i, j, 0, 0);
                em_task(&e, key, DUSK__OP_TRANSPOSE, d->tr, 2, ij, 1, in1);
                in1[0] = kref(d->name[LU_P], 2, i, j, 0, 0);
                kname(key, d->name[LU_PINV], 2, i, j, 0, 0);
                em_task(&e, key, DUSK__OP_TRANSPOSE, d->ptr, 2, ij, 1, in1);
            } else {
                /* zeros for p, and for u below the diagonal, l above it */
                kname(key, d->name[LU_P], 2, i, j, 0, 0);
                em_task(&e, key, DUSK__OP_ZEROS_LIKE, d->pzeros, 2, ij, 0, NULL);
                kname(key, d->name[i > j ? LU_U : LU_L], 2, i, j, 0, 0);
                em_task(&e, key, DUSK__OP_ZEROS_LIKE, d->zeros, 2, ij, 0, NULL);
                if (i > j) {
                    in1[0] = kref(d->name[LU_PINV], 2, i, i, 0, 0);
                    in1[1] = kref(d->name[LU_LU], 2, i, j, 0, 0);
                    kname(key, d->name[LU_L], 2, i, j, 0, 0);
                    em_task(&e, key, DUSK__OP_LA_DOT, d->plain, 2, ij, 2, in1);
                    in1[0] = kref(d->name[LU_LU], 2, i, j, 0, 0);
                    kname(key, d->name[LU_LPERM], 2, i, j, 0, 0);
                    em_task(&e, key, DUSK__OP_LA_ALIAS, d->plain, 2, ij, 1, in1);
                } else {
                    in1[0] = kref(d->name[LU_LU], 2, i, j, 0, 0);
                    kname(key, d->name[LU_U], 2, i, j, 0, 0);
                    em_task(&e, key, DUSK__OP_LA_ALIAS, d->plain, 2, ij, 1, in1);
                }
            }
        }
    return e.rc;
}

/* How many keys lu's graph has for v x v blocks. */
static int64_t lu_ntasks(int64_t v)
{
    int64_t n = 0;
    for (int64_t i = 0; i < v; i++)
        n += 1 + i + (v - 1 - i) * (1 + i) * 2;   /* lu(i, i), its dots; right and below */
    n += v * 6 + (v * v - v) / 2 * 4 + (v * v - v) / 2 * 3;   /* diagonal; below; above */
    return n;
}

/* NULL when a can be factorised as Dask's lu does, else an error array. */
static dusk_array *square_check(dusk_array *a, const char *what)
{
    dusk_array *e = la_input(a, NULL, what);
    if (e)
        return e;
    char sh[128], ch[256];
    dusk__fmt_shape(sh, sizeof sh, a->ndim, a->shape);
    if (a->ndim != 2 || a->shape[0] != a->shape[1])
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "%s: takes a square 2-d array, not one of "
                                "shape %s", what, sh);
    int ok = a->nb[0] == a->nb[1];
    for (int64_t i = 0; ok && i < a->nb[0]; i++)
        ok = a->chunks[0][i] == a->chunks[1][i] && a->chunks[0][i] == a->chunks[0][0];
    if (!ok) {
        /* a size that divides the side, no larger than the first chunk
         * (the side itself when only those under half the first chunk do) */
        int64_t side = a->shape[0], c0 = a->chunks[0][0], want = side;
        for (int64_t c = c0 < side ? c0 : side; c >= 1; c--)
            if (side % c == 0) {
                want = c * 2 >= c0 ? c : side;
                break;
            }
        fmt_chunks(a, ch, sizeof ch);
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "%s: all chunks must be square and of one "
                                "size (the array of shape %s has chunks %s); use rechunk, e.g. "
                                "chunks (%" PRId64 ", %" PRId64 ")", what, sh, ch, want, want);
    }
    return NULL;
}

dusk_lu dusk_linalg_lu(dusk_array *a)
{
    dusk_array *e = square_check(a, "lu");
    if (e)
        return (dusk_lu){e, e, e};
    dusk_array_ctx *ctx = a->ctx;
    dusk_dtype dt = la_dtype(a->dtype), pt = real_of(dt);   /* p's: real */
    char tok[33];
    dusk__token(tok, "lu|%s", a->L->name);
    lu_data *d = dusk_calloc(1, sizeof *d);
    int ok = d != NULL;
    for (int f = 0; ok && f < LU_NNAMES; f++) {
        size_t n = strlen(lu_names[f]) + 33;
        ok = (d->name[f] = dusk_malloc(n)) != NULL;
        if (ok)
            snprintf(d->name[f], n, "%s%s", lu_names[f], tok);
    }
    if (ok) {
        int perm[2] = {1, 0};
        dusk_value *tr[1] = {dusk__ints_value(perm, 2)}, *z[1] = {dusk_float(0)};
        dusk_value *ptr[1] = {dusk__ints_value(perm, 2)}, *pz[1] = {dusk_float(0)};
        dusk_value *rt[2] = {dusk_bool(true), dusk_int(1)}, *bl[2] = {dusk_bool(true), dusk_int(2)};
        d->v = a->nb[0];
        d->a = a->L->name;
        d->plain = dusk__params_new(dt, 0, NULL, NULL, 0, NULL);
        for (int f = 0; f < 3; f++) {
            dusk_value *it[2] = {dusk_int(f), dusk_none()};
            d->item[f] = dusk__params_new(f == 0 ? pt : dt, 0, NULL, NULL, 2, it);
            ok &= d->item[f] != NULL;
        }
        d->tr = dusk__params_new(dt, 0, NULL, NULL, 1, tr);
        d->zeros = dusk__params_new(dt, 2, a->chunks, a->nb, 1, z);
        d->ptr = dusk__params_new(pt, 0, NULL, NULL, 1, ptr);
        d->pzeros = dusk__params_new(pt, 2, a->chunks, a->nb, 1, pz);
        d->right = dusk__params_new(dt, 0, NULL, NULL, 2, rt);
        d->below = dusk__params_new(dt, 0, NULL, NULL, 2, bl);
        ok &= d->plain && d->tr && d->zeros && d->right && d->below && d->ptr && d->pzeros;
    }
    dusk_array *out[3];
    int64_t ntasks = lu_ntasks(a->nb[0]);
    for (int f = 0; f < 3; f++) {
        dusk__layer *L = NULL;
        if (ok) {
            const char *prefix = f == 0 ? "lu-p" : f == 1 ? "lu-l" : "lu-u";
            dusk_dtype ft = f == 0 ? pt : dt;
            L = dusk__layer_new(ctx, prefix, tok, DUSK__L_CUSTOM, dusk__op_get(DUSK__OP_LA_LU),
                                dusk__params_new(ft, 0, NULL, NULL, 0, NULL), 2, a->shape, a->nb,
                                ft);
        }
        if (!L) {
            if (f == 0)   /* else the first layer owns d, and the context frees it */
                lu_free(d);
            e = dusk__array_oom(ctx, "lu");
            return (dusk_lu){e, e, e};
        }
        /* the first layer owns the emitter's data; all three emit */
        L->data = d;
        L->data_free = f == 0 ? lu_free : NULL;
        L->emit = lu_emit;
        L->ntasks = ntasks;
        dusk__layer_input(L, a->L);
        out[f] = dusk__array_new(ctx, L, 2, a->shape, a->chunks, a->nb, f == 0 ? pt : dt);
    }
    return (dusk_lu){out[0], out[1], out[2]};
}

/* b of solve: 1 or 2 axes, a's rows. Checked here so that a mismatch is
 * named as solve's, not as the product or triangular solve inside it. */
static dusk_array *solve_b_check(dusk_array *a, dusk_array *b)
{
    if (b->ndim >= 1 && b->ndim <= 2 && b->shape[0] == a->shape[0])
        return NULL;
    char sa[128], sb[128];
    dusk__fmt_shape(sa, sizeof sa, a->ndim, a->shape);
    dusk__fmt_shape(sb, sizeof sb, b->ndim, b->shape);
    return dusk__array_fail(a->ctx, DUSK_EINVAL, "solve: b must be 1 or 2 dimensional with a's "
                            "rows (a %s, b %s)", sa, sb);
}

dusk_array *dusk_linalg_solve(dusk_array *a, dusk_array *b)
{
    dusk_array *e = la_input(a, b, "solve");
    if (e)
        return e;
    if (!b)
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "solve: no b given");
    if ((e = square_check(a, "solve")) || (e = solve_b_check(a, b)))
        return e;
    dusk_lu f = dusk_linalg_lu(a);
    /* b = p.T.dot(b); uy = solve_triangular(l, b, lower=True); x =
     * solve_triangular(u, uy) */
    dusk_array *pb = dusk_array_dot(dusk_array_transpose(f.p, NULL), b);
    return dusk_linalg_solve_triangular(f.u, dusk_linalg_solve_triangular(f.l, pb, true), false);
}

dusk_array *dusk_linalg_solve_assume(dusk_array *a, dusk_array *b, const char *assume_a)
{
    if (!assume_a || strcmp(assume_a, "gen") == 0)
        return dusk_linalg_solve(a, b);
    dusk_array *e = la_input(a, b, "solve");
    if (e)
        return e;
    if (strcmp(assume_a, "pos") != 0)
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "solve: assume_a '%s' is not a matrix "
                                "structure dusk knows: 'gen' (lu) or 'pos' (cholesky), as Dask",
                                assume_a);
    if (!b)
        return dusk__array_fail(a->ctx, DUSK_EINVAL, "solve: no b given");
    if ((e = square_check(a, "solve")) || (e = solve_b_check(a, b)))
        return e;
    /* Dask's _cholesky: the lower and upper factors' layers hold the same
     * tasks (the emitter adds each key once); uy = solve_triangular(l, b,
     * lower=True), x = solve_triangular(u, uy) */
    dusk_array *l = dusk_linalg_cholesky(a, true), *u = dusk_linalg_cholesky(a, false);
    return dusk_linalg_solve_triangular(u, dusk_linalg_solve_triangular(l, b, true), false);
}

dusk_array *dusk_linalg_inv(dusk_array *a)
{
    dusk_array *e = square_check(a, "inv");
    if (e)
        return e;
    char c[32];   /* a 0 x 0 a has chunks of 0, which no chunks text reads */
    snprintf(c, sizeof c, "%" PRId64, a->chunks[0][0] > 0 ? a->chunks[0][0] : 1);
    return dusk_linalg_solve(a, dusk_eye(a->ctx, a->shape[0], a->shape[0], 0, c,
                                         la_dtype(a->dtype)));
}

/* --- svd_compressed ----------------------------------------------------------------- */

/* Dask's compression_matrix and svd_compressed; qr: iterator 'QR'. */
static dusk_svd svd_compressed(dusk_array *a, int64_t k, int n_power_iter, uint64_t seed, int qr)
{
    dusk_array *e = la_input(a, NULL, "svd_compressed");
    if (!e && a->ndim != 2) {
        char sh[128];
        dusk__fmt_shape(sh, sizeof sh, a->ndim, a->shape);
        e = dusk__array_fail(a->ctx, DUSK_EINVAL, "svd_compressed: takes a 2-d array, not one "
                             "of shape %s", sh);
    }
    if (!e && (k < 1 || n_power_iter < 0))
        e = dusk__array_fail(a->ctx, DUSK_EINVAL, "svd_compressed: k must be at least 1 (got %"
                             PRId64 ") and n_power_iter at least 0 (got %d)", k, n_power_iter);
    if (e)
        return (dusk_svd){e, e, e};
    dusk_array_ctx *ctx = a->ctx;
    int64_t m = a->shape[0], n = a->shape[1], mn = m < n ? m : n;
    /* before k + 10, which a k near INT64_MAX would overflow */
    if (k > mn)
        return svd_err(ctx, "svd_compressed: k %" PRId64 " is more than min(m, n) = %" PRId64, k, mn);
    /* compression_level(min(m, n), k): k + 10 oversamples, at least 20 */
    int64_t level = k + 10 > 20 ? k + 10 : 20;
    level = level < mn ? level : mn;
    /* omega: standard normal (n, level), chunked (a.chunks[1], (level,)) */
    size_t cap = (size_t)a->nb[1] * 24 + 64;
    char *text = dusk_malloc(cap);
    if (!text) {
        e = dusk__array_oom(ctx, "svd_compressed");
        return (dusk_svd){e, e, e};
    }
    size_t at = (size_t)snprintf(text, cap, "((");
    for (int64_t i = 0; i < a->nb[1]; i++)
        at += (size_t)snprintf(text + at, cap - at, "%s%" PRId64, i ? ", " : "", a->chunks[1][i]);
    snprintf(text + at, cap - at, "%s), (%" PRId64 ",))", a->nb[1] == 1 ? "," : "", level);
    dusk_dtype dt = la_dtype(a->dtype);
    dusk_array *omega = dusk_random_normal(ctx, seed, 0, 1, DUSK_SHAPE(n, level), text);
    dusk_free(text);
    omega = dusk_array_astype(renamed(omega, "normal", "standard_normal"), dt);
    dusk_array *h = dusk_array_dot(a, omega);
    if (!qr)   /* power iterations: (a a.T)^i a omega, orthonormalised once */
        for (int i = 0; i < n_power_iter; i++)
            h = dusk_array_dot(a, dusk_array_dot(herm(a), h));
    if ((e = dusk__array_bad_input(h, NULL)))
        return (dusk_svd){e, e, e};
    dusk_array *q = dusk_linalg_tsqr(h).q;
    /* 'QR': orthonormalised after every product, which keeps the small
     * singular directions that powers of a a.T round away */
    for (int i = 0; qr && i < n_power_iter; i++) {
        q = dusk_linalg_tsqr(dusk_array_dot(herm(a), q)).q;
        q = dusk_linalg_tsqr(dusk_array_dot(a, q)).q;
    }
    if ((e = dusk__array_bad_input(q, NULL)))
        return (dusk_svd){e, e, e};
    /* Dask's a.T and q.T, which a complex array needs conjugated too (Dask's
     * own give a complex array wrong factors): herm */
    dusk_array *comp = herm(q);
    dusk_array *ac = dusk_array_dot(comp, a);
    if ((e = dusk__array_bad_input(ac, NULL)))
        return (dusk_svd){e, e, e};
    dusk_svd f = tsqr_svd(dusk_array_transpose(ac, NULL));   /* v, s, u */
    if (f.u->status)
        return f;
    dusk_array *u = dusk_array_dot(herm(comp), dusk_array_transpose(f.v, NULL));
    dusk_array *v = dusk_array_transpose(f.u, NULL);
    char ix[64];
    snprintf(ix, sizeof ix, ":, :%" PRId64, k);
    u = dusk_array_slice(u, ix);
    snprintf(ix, sizeof ix, ":%" PRId64, k);
    dusk_array *s = dusk_array_slice(f.s, ix);
    snprintf(ix, sizeof ix, ":%" PRId64 ", :", k);
    v = dusk_array_slice(v, ix);
    if ((e = dusk__array_bad_input(u, v)) || (e = dusk__array_bad_input(s, NULL)))
        return (dusk_svd){e, e, e};
    return svd_flip(u, s, v);
}

dusk_svd dusk_linalg_svd_compressed(dusk_array *a, int64_t k, int n_power_iter, uint64_t seed)
{
    return svd_compressed(a, k, n_power_iter, seed, 0);
}

dusk_svd dusk_linalg_svd_compressed_iter(dusk_array *a, int64_t k, int n_power_iter, uint64_t seed,
                                         const char *iterator)
{
    if (iterator && strcmp(iterator, "power") != 0 && strcmp(iterator, "QR") != 0) {
        dusk_array *e = la_input(a, NULL, "svd_compressed");
        if (!e)
            e = dusk__array_fail(a->ctx, DUSK_EINVAL, "svd_compressed: iterator '%s' is not "
                                 "one of 'power' and 'QR'", iterator);
        return (dusk_svd){e, e, e};
    }
    return svd_compressed(a, k, n_power_iter, seed, iterator && strcmp(iterator, "QR") == 0);
}

/* --- cholesky ---------------------------------------------------------------------- */

/* np.linalg.cholesky(block - sum(products)) (dpotrf): lower triangular L
 * with L @ L.T the block. A block that is not positive definite is an
 * error naming the diagonal block, as NumPy's LinAlgError. */
int dusk__k_la_chol(const dusk__targs *t, dusk_value **out, dusk_error *err)
{
    const dusk_value *a, *list = NULL;
    int rc;
    if ((rc = la_dtype_ok(t, err)) || (rc = la_block(t, 0, &a, err)) ||
        (t->nin > 1 && (rc = dusk__targs_list_in(t, 1, &list, err))))
        return rc;
    int64_t n = a->u.nd.shape[0];
    if (a->u.nd.shape[1] != n)
        return dusk_error_set(err, DUSK_EINVAL, "cholesky: a block of %" PRId64 " x %" PRId64
                              " is not square", n, a->u.nd.shape[1]);
    if (is_cplx(t->dtype))
        return chol_c(t, a, list, out, err);
    int64_t sh[2] = {n, n};
    dusk_value *v = dusk_ndarray_new(DUSK_DT_F8, 2, sh);
    double *w = dusk_calloc((size_t)(n > 0 ? n * n : 1), sizeof(double));
    if (!v || !w) {
        rc = la_oom(t, err);
        goto done;
    }
    load_rhs(a, w, n, n, 0, 1);
    for (size_t p = 0; list && p < dusk_tuple_len(list); p++) {
        const dusk_value *d = dusk_tuple_get(list, p);
        if (dusk_value_kind(d) != DUSK_KIND_NDARRAY || dusk_ndarray_ndim(d) != 2 ||
            dusk_ndarray_shape(d)[0] != n || dusk_ndarray_shape(d)[1] != n) {
            rc = dusk_error_set(err, DUSK_EINVAL, "cholesky: product %zu is not of the block's "
                                "shape", p);
            goto done;
        }
        load_rhs(d, w, n, n, 0, -1);
    }
    if (n > 0) {
        lapack_int info = LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', (lapack_int)n, w, (lapack_int)n);
        if (info > 0) {
            int64_t bi = dusk_tuple_len(t->index) ? dusk_value_int(dusk_tuple_get(t->index, 0)) : 0;
            rc = dusk_error_set(err, DUSK_EINVAL, "cholesky: matrix is not positive definite "
                                "(its diagonal block (%" PRId64 ", %" PRId64 ") fails at entry "
                                "%d)", bi, bi, (int)info - 1);
            goto done;
        }
        if (info < 0) {
            rc = lapacke_error(t, "dpotrf", n, n, info, err);
            goto done;
        }
    }
    double *L = (double *)v->u.nd.data;
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j <= i; j++)
            L[i * n + j] = w[i + j * n];
    *out = in_dtype(t, v);
    v = NULL;
    if (!*out)
        rc = la_oom(t, err);
done:
    dusk_free(w);
    dusk_value_unref(v);
    return rc;
}

typedef struct {
    int64_t v;
    char *lower, *upper, *dot;
    const char *a;
    dusk_value *plain, *tr, *zeros, *solve;
    int trop;                    /* the transposes' op: a complex array's conjugate */
} chol_data;

static void chol_free(void *p)
{
    chol_data *d = p;
    if (!d)
        return;
    dusk_free(d->lower);
    dusk_free(d->upper);
    dusk_free(d->dot);
    dusk_value_unref(d->plain);
    dusk_value_unref(d->tr);
    dusk_value_unref(d->zeros);
    dusk_value_unref(d->solve);
    dusk_free(d);
}

/* The products lower(r, p) @ upper(p, c), p < n, each a task
 * ('cholesky-lt-dot', r, p, c, p), as a list (NULL when n is 0). */
static dusk_arg *chol_prevs(emitter *e, const chol_data *d, int64_t r, int64_t c, int64_t n)
{
    if (n == 0)
        return NULL;
    dusk_arg **prev = dusk_malloc((size_t)n * sizeof *prev);
    if (!prev) {
        e->rc = DUSK_ENOMEM;
        return NULL;
    }
    char key[512];
    for (int64_t p = 0; p < n; p++) {
        kname(key, d->dot, 4, r, p, c, p);
        int64_t idx[4] = {r, p, c, p};
        dusk_arg *ins[2] = {kref(d->lower, 2, r, p, 0, 0), kref(d->upper, 2, p, c, 0, 0)};
        em_task(e, key, DUSK__OP_LA_DOT, d->plain, 4, idx, 2, ins);
        prev[p] = dusk_ref(key);
    }
    dusk_arg *list = dusk_listv((size_t)n, prev);
    dusk_free(prev);
    return list;
}

/* Dask's blocked Cholesky (dask/array/linalg.py _cholesky): the lower and
 * upper factors' keys and the products between them, whichever of the
 * two layers emits first. */
static int chol_emit(dusk_graph *g, const dusk__layer *L)
{
    const chol_data *d = L->data;
    emitter e = {g, 0};
    char key[512];
    for (int64_t i = 0; i < d->v && !e.rc; i++)
        for (int64_t j = 0; j < d->v; j++) {
            int64_t ij[2] = {i, j}, ji[2] = {j, i};
            dusk_arg *ins[3];
            int n = 0;
            if (i < j) {
                kname(key, d->lower, 2, i, j, 0, 0);
                em_task(&e, key, DUSK__OP_ZEROS_LIKE, d->zeros, 2, ij, 0, NULL);
                ins[0] = kref(d->lower, 2, i, j, 0, 0);
                kname(key, d->upper, 2, j, i, 0, 0);
                em_task(&e, key, DUSK__OP_LA_ALIAS, d->plain, 2, ji, 1, ins);
            } else if (i == j) {
                ins[n++] = kref(d->a, 2, i, i, 0, 0);
                dusk_arg *pl = chol_prevs(&e, d, i, i, i);
                if (pl)
                    ins[n++] = pl;
                kname(key, d->lower, 2, i, i, 0, 0);
                em_task(&e, key, DUSK__OP_LA_CHOL, d->plain, 2, ij, n, ins);
                ins[0] = kref(d->lower, 2, i, i, 0, 0);
                kname(key, d->upper, 2, i, i, 0, 0);
                em_task(&e, key, d->trop, d->tr, 2, ij, 1, ins);
            } else {
                ins[n++] = kref(d->lower, 2, j, j, 0, 0);
                ins[n++] = kref(d->a, 2, j, i, 0, 0);
                dusk_arg *pl = chol_prevs(&e, d, j, i, j);
                if (pl)
                    ins[n++] = pl;
                kname(key, d->upper, 2, j, i, 0, 0);
                em_task(&e, key, DUSK__OP_LA_TRSOLVE, d->solve, 2, ji, n, ins);
                ins[0] = kref(d->upper, 2, j, i, 0, 0);
                kname(key, d->lower, 2, i, j, 0, 0);
                em_task(&e, key, d->trop, d->tr, 2, ij, 1, ins);
            }
        }
    return e.rc;
}

dusk_array *dusk_linalg_cholesky(dusk_array *a, bool lower)
{
    dusk_array *e = square_check(a, "cholesky");
    if (e)
        return e;
    dusk_array_ctx *ctx = a->ctx;
    dusk_dtype dt = la_dtype(a->dtype);
    char tok[33];
    dusk__token(tok, "cholesky|%s", a->L->name);
    chol_data *d = dusk_calloc(1, sizeof *d);
    int ok = d != NULL;
    if (ok) {
        size_t n = 64;
        d->lower = dusk_malloc(n);
        d->upper = dusk_malloc(n);
        d->dot = dusk_malloc(n);
        ok = d->lower && d->upper && d->dot;
        if (ok) {
            snprintf(d->lower, n, "cholesky-%s", tok);
            snprintf(d->upper, n, "cholesky-upper-%s", tok);
            snprintf(d->dot, n, "cholesky-lt-dot-%s", tok);
        }
        int perm[2] = {1, 0};
        dusk_value *tr[1] = {dusk__ints_value(perm, 2)}, *z[1] = {dusk_float(0)};
        dusk_value *sl[2] = {dusk_bool(true), dusk_int(0)};
        d->v = a->nb[0];
        d->a = a->L->name;
        /* the upper factor is L^H: Dask's np.transpose, conjugated for a
         * complex array (Dask's own gives L^T, and wrong blocks below the
         * diagonal) */
        d->trop = is_cplx(dt) ? DUSK__OP_LA_CTRANS : DUSK__OP_TRANSPOSE;
        d->plain = dusk__params_new(dt, 0, NULL, NULL, 0, NULL);
        d->tr = dusk__params_new(dt, 0, NULL, NULL, 1, tr);
        d->zeros = dusk__params_new(dt, 2, a->chunks, a->nb, 1, z);
        d->solve = dusk__params_new(dt, 0, NULL, NULL, 2, sl);
        ok &= d->plain && d->tr && d->zeros && d->solve;
    }
    int64_t v = a->nb[0], ntasks = 2 * v * v;
    for (int64_t i = 0; i < v; i++)
        ntasks += i + i * (v - 1 - i);   /* the diagonal's products; those of the blocks below */
    dusk__layer *L = NULL;
    if (ok)
        L = dusk__layer_new(ctx, lower ? "cholesky" : "cholesky-upper", tok, DUSK__L_CUSTOM,
                            dusk__op_get(DUSK__OP_LA_CHOL),
                            dusk__params_new(dt, 0, NULL, NULL, 0, NULL), 2, a->shape, a->nb, dt);
    if (!L) {
        chol_free(d);
        return dusk__array_oom(ctx, "cholesky");
    }
    L->data = d;
    L->data_free = chol_free;
    L->emit = chol_emit;
    L->ntasks = ntasks;
    dusk__layer_input(L, a->L);
    return dusk__array_new(ctx, L, 2, a->shape, a->chunks, a->nb, dt);
}
