/*
** dusk — linear algebra on chunked arrays, like dask.array.linalg
** Library: libdusk-array (array/lapack.c: LAPACKE and OpenBLAS).
**
** Factorisations of 2-d arrays built as Dask 2022.12 builds them: the same
** layers ('qr-<token>', 'getitem-<token>-q1', 'stack-<token>-r1',
** 'dot-<token>-q3', 'svd-<token>-2' ...), the same task counts, and block
** kernels that are LAPACK's (dgeqrt/dgemqrt for QR, dgesdd for SVD, called
** through LAPACKE), never hand-written factorisations.
**
** Every result is computed in float64 (float32 for a float32 array: its
** blocks are factorised in float64 and stored as float32); integer and
** bool arrays give float64, as numpy.linalg does. float16 arrays give
** float64 too (numpy.linalg refuses them). complex128 and complex64
** arrays are factorised by LAPACK's complex kernels (zgeqrt, zgesdd,
** ztrtrs, zgetrf, zpotrf; complex64 computed in complex128 and stored as
** complex64) into complex factors, with NumPy's real results real: svd's
** S, lstsq's residuals and singular values, lu's P, the norms. Their
** graphs are a real array's, but where Dask's transposes a complex array
** needs conjugated (sfqr's Q.T, svd_compressed's a.T and q.T: a
** 'conjugate' layer; cholesky's upper factor, L^H: conjugating transpose
** tasks), which Dask's graph lacks and so gives wrong factors. A block of
** a dtype the kernels cannot store is DUSK_ETYPE naming it.
**
** Threads: dusk computes blocks in parallel on its workers, so the first
** factorisation task of a process sets OpenBLAS to one thread per call
** (openblas_set_num_threads(1)), for the whole process, unless the
** environment chooses (OPENBLAS_NUM_THREADS or OMP_NUM_THREADS set):
** BLAS's threads on top of dusk's oversubscribe the cores.
**
** Ownership and errors are array.h's: the arrays returned belong to a's
** context, and a call that cannot build its result (a not 2-d, chunked in
** a way the algorithm cannot take, NULL) returns arrays in an error state
** (never NULL) whose message says what is wrong and, for chunks, which
** chunking the algorithm needs. Errors found while computing (an SVD that
** does not converge; a block holding NaN, or an infinity that LAPACK turns
** into NaN, which LAPACKE refuses where NumPy would return NaNs) come back
** from dusk_array_compute naming the block.
*/
#ifndef DUSK_LINALG_H
#define DUSK_LINALG_H

#include "array.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The two factors of a QR decomposition: a = q @ r. */
typedef struct dusk_qr {
    dusk_array *q;             /* (m, k), orthonormal columns; k = min(m, n) */
    dusk_array *r;             /* (k, n), upper triangular */
} dusk_qr;

/* The three factors of a singular value decomposition:
 * a = u @ diag(s) @ v. */
typedef struct dusk_svd {
    dusk_array *u;             /* (m, k), orthonormal columns */
    dusk_array *s;             /* (k,), decreasing */
    dusk_array *v;             /* (k, n), orthonormal rows */
} dusk_svd;

/* Tall-and-skinny QR (Benson, Gleich and Demmel; Dask's tsqr) of a 2-d
 * array with one column of blocks: each block is factorised, the stacked
 * R factors are factorised again (recursively, in groups no taller than
 * the tallest block, when that reduces them at least twofold, as Dask
 * does; else in one task), and each block's Q is multiplied by its part
 * of the inner Q. Q keeps a's row chunks. Layers: 'qr', 'getitem' (-q1,
 * -r1), 'stack' (-r1), then 'qr' (-qr2), 'getitem' (-q2-aux, -q2, -r2)
 * in one task, or the recursion and 'getitem' (-q2), 'r-inner'; and
 * 'dot' (-q3). Dask's 0-task 'q-blocksizes' layer is not made. A NULL
 * array, an array that is not 2-d or has more than one column of blocks
 * is an error (DUSK_EINVAL) naming its shape and chunks. */
DUSK_API dusk_qr dusk_linalg_tsqr(dusk_array *a);
/* numpy.linalg.qr (mode 'reduced') as dask.array.linalg.qr: tsqr for an
 * array with one column of several blocks; Dask's sfqr for one row of
 * blocks (a single block too): the first block factorised ('sfqr-<token>
 * _A_1', '_Q_R_1', '_Q', '_R_1'), R = [R_1, Q.T @ A_rest] ('_A_rest',
 * then a concatenate). Blocks along both axes, or a first column chunk
 * narrower than the array is tall (sfqr's condition), are errors
 * (DUSK_EINVAL) saying which chunking to use. */
DUSK_API dusk_qr dusk_linalg_qr(dusk_array *a);
/* numpy.linalg.svd(a, full_matrices=False) as dask.array.linalg.svd with
 * coerce_signs: an array of one block is one 'svd' task on the block
 * ('finalize', 'svd', then a 'getitem' and a 'from-value' layer per
 * factor, as Dask's delayed call; Dask names the first two by a random
 * uuid, dusk by its token); through tsqr for an array with one column of
 * blocks (a 'svd' task on tsqr's R, U = Q @ U_R in 'getitem-<token>-u4'),
 * through tsqr of a.T for one row of blocks, a 'getitem' keeping k =
 * min(m, n) vectors where the array is wider (taller) than its one
 * column (row) of blocks; then Dask's svd_flip, so that each row of v
 * sums to a non-negative number (the 'sum', 'transpose', 'ge', 'sub' and
 * 'mul' layers of dask.array.utils.svd_flip). Blocks along both axes are
 * an error (DUSK_EINVAL) pointing to a rechunk. */
DUSK_API dusk_svd dusk_linalg_svd(dusk_array *a);

/* dask.array.linalg.svd_compressed(a, k, n_power_iter=..., seed=...):
 * the randomised SVD of Halko, Martinsson and Tropp, any chunking: a is
 * compressed onto a seeded standard normal test matrix of k + 10 columns
 * (at least 20, at most min(m, n); 'standard_normal'), n_power_iter power
 * iterations, tsqr of the product, tsqr's SVD of the compressed array,
 * then the first k factors with svd_flip's signs. The same seed gives the
 * same factors (dusk's generator, not NumPy's: the numbers differ from
 * Dask's). k below 1 or above min(m, n), or n_power_iter below 0, is an
 * error (DUSK_EINVAL). */
DUSK_API dusk_svd dusk_linalg_svd_compressed(dusk_array *a, int64_t k, int n_power_iter,
                                             uint64_t seed);
/* The same with Dask's iterator: "power" (or NULL) as above; "QR" takes
 * tsqr's Q of a omega, then n_power_iter times Q of a.T @ Q and Q of
 * a @ Q (Dask's compression_matrix with iterator='QR'): more tasks, and
 * the small singular values of a matrix whose spectrum decays slowly
 * kept to more digits. Another iterator is DUSK_EINVAL. */
DUSK_API dusk_svd dusk_linalg_svd_compressed_iter(dusk_array *a, int64_t k, int n_power_iter,
                                                  uint64_t seed, const char *iterator);

/* scipy.linalg.solve_triangular(a, b, lower) as dask.array.linalg builds
 * it: x with a @ x = b for a triangular a (its other triangle is not
 * read), b of 1 or 2 dimensions. One 'solve-triangular' layer: block
 * (i, j) of x solves a's diagonal block (i, i) (LAPACK's dtrtrs) against
 * b's block less the products of the blocks solved before it, each a
 * task ('solve-tri-dot-<token>', i, k, k, j) that dusk keeps in that
 * layer, as Dask does. a must be square with square blocks, and its
 * column chunks b's row chunks (DUSK_EINVAL naming both, as Dask's "use
 * .rechunk"); a zero on a's diagonal is an error of the computation
 * naming the diagonal block (a singular matrix). */
DUSK_API dusk_array *dusk_linalg_solve_triangular(dusk_array *a, dusk_array *b, bool lower);

/* What numpy.linalg.lstsq returns. */
typedef struct dusk_lstsq {
    dusk_array *x;             /* (n,) or (n, k): the least-squares solution */
    dusk_array *residuals;     /* (1,) or (k,): the squared 2-norms of b - a @ x */
    dusk_array *rank;          /* 0-d int64: a's rank (of R, as matrix_rank) */
    dusk_array *s;             /* (n,): a's singular values, largest first */
} dusk_lstsq;

/* numpy.linalg.lstsq(a, b) as dask.array.linalg.lstsq builds it: q, r =
 * qr(a); x = solve_triangular(r, q.T.conj() @ b); the residuals
 * abs((b - a @ x) ** 2).sum(axis=0); 'lstsq-rank' (matrix_rank of R) and
 * 'lstsq-singular' (sqrt(eigvalsh(R^T R)), reversed; an eigenvalue that
 * rounding makes negative, as a rank-deficient a's may be, gives 0 where
 * Dask's gives NaN). a must be one
 * column of blocks (qr's errors) with at least as many rows as columns
 * (R is then square; DUSK_EINVAL naming a's shape), b of 1 or 2
 * dimensions with a's rows (DUSK_EINVAL naming both shapes). */
DUSK_API dusk_lstsq dusk_linalg_lstsq(dusk_array *a, dusk_array *b);

/* The factors of an LU decomposition: a = p @ l @ u. */
typedef struct dusk_lu {
    dusk_array *p;             /* a permutation matrix */
    dusk_array *l;             /* lower triangular, ones on the diagonal */
    dusk_array *u;             /* upper triangular */
} dusk_lu;

/* scipy.linalg.lu(a) as dask.array.linalg.lu builds it: a blocked LU
 * whose diagonal blocks are LAPACK's dgetrf (partial pivoting within the
 * block) and whose other blocks are triangular solves; Dask's families of
 * keys ('lu-lu', 'lu-p-inv', 'lu-plu-dot' ...) all live in each of the
 * 'lu-p', 'lu-l' and 'lu-u' layers, as Dask's graphs hold them. a must be
 * square, its chunks square and of one size (DUSK_EINVAL saying so and
 * which chunks to rechunk to). */
DUSK_API dusk_lu dusk_linalg_lu(dusk_array *a);
/* numpy.linalg.solve(a, b) as dask.array.linalg.solve (assume_a 'gen'):
 * lu(a), then p.T @ b, then solve_triangular with l and with u. lu's
 * conditions on a; b of 1 or 2 dimensions with a's rows (DUSK_EINVAL
 * naming both shapes); a singular a (a zero pivot) is an error of the
 * computation, "singular matrix", naming the diagonal block. */
DUSK_API dusk_array *dusk_linalg_solve(dusk_array *a, dusk_array *b);
/* scipy.linalg.solve(a, b, assume_a=...) as dask.array.linalg.solve:
 * assume_a "gen" (or NULL) is dusk_linalg_solve; "pos" (a symmetric
 * positive definite) factors a with Dask's blocked Cholesky (the
 * 'cholesky' and 'cholesky-upper' layers of dusk_linalg_cholesky, whose
 * chunk conditions apply) and solves with the lower factor, then the
 * upper: half lu's work, and no pivoting. An a that is not positive
 * definite is an error of the computation, "not positive definite",
 * naming the diagonal block; another assume_a is DUSK_EINVAL. */
DUSK_API dusk_array *dusk_linalg_solve_assume(dusk_array *a, dusk_array *b, const char *assume_a);
/* numpy.linalg.inv(a) as dask.array.linalg.inv: solve(a, eye(n)) with
 * the identity in blocks of a's chunk size ('eye'). */
DUSK_API dusk_array *dusk_linalg_inv(dusk_array *a);

/* dask.array.linalg.cholesky(a, lower): the factor L with a = L @ L^H
 * (lower) or U = L^H with a = U^H @ U (not lower, Dask's default) of a
 * symmetric (complex: Hermitian) positive definite a, of which it reads, as Dask does, the
 * lower triangle of each diagonal block and the blocks above the
 * diagonal (not those below it: with one block, numpy's lower triangle), by
 * Dask's blocked algorithm: dpotrf on the diagonal blocks, triangular
 * solves below them, products between them as tasks of their own, all in
 * one 'cholesky' (or 'cholesky-upper') layer as Dask's graph holds them.
 * a must be square with square chunks of one size (DUSK_EINVAL naming the
 * chunks to use); a matrix that is not positive definite is an error of
 * the computation naming the diagonal block. */
DUSK_API dusk_array *dusk_linalg_cholesky(dusk_array *a, bool lower);

/* numpy.linalg.norm as dask.array.linalg.norm builds it, from array
 * operations ('astype' to a float type, 'absolute', 'pow', 'sum', 'max',
 * 'min', 'squeeze', and svd for ord "2", "-2" and "nuc"). ord is numpy's
 * ord as text: NULL (None: the 2-norm of a vector, Frobenius of a
 * matrix), "fro", "nuc", "inf", "-inf", or a number ("1", "-2", "0",
 * "3.5"). axes: one axis (a vector norm) or two (a matrix norm; taken in
 * increasing order, as axis=(i, j) with i < j), DUSK_ALL_AXES for all of
 * a 1-d or 2-d array; a 0-d array takes ord NULL only (its absolute
 * value, as NumPy gives). An ord numpy refuses for the kind of norm ("nuc"
 * of a vector, "0" of a matrix ...), more than two axes, text that is not
 * an ord, or an SVD-based norm of an array of more than 2 dimensions is
 * an error (DUSK_EINVAL) naming it. */
DUSK_API dusk_array *dusk_linalg_norm(dusk_array *x, const char *ord, uint64_t axes, bool keepdims);

#ifdef __cplusplus
}
#endif
#endif /* DUSK_LINALG_H */
