"""dusk.array.linalg: dask.array.linalg on libdusk-array (include/dusk/linalg.h).

    import dusk.array as da
    q, r = da.linalg.qr(x)                 # x of one column of blocks (tsqr) or one row
    u, s, v = da.linalg.svd(x)
    x, residuals, rank, s = da.linalg.lstsq(a, b)

Each function is one call of dusk's C linear algebra, which builds Dask
2022.12's graphs with LAPACK's kernels; the factors are lazy dusk arrays, made
again from their call (with its inputs) when the array context is compacted or
an array is pickled, as every dusk array is. Results are float64 (float32 for
float32 input, computed in float64); complex128 and complex64 arrays have
complex factors of their own type (complex64's computed in complex128), with
NumPy's real parts where NumPy's are real: svd's s, lstsq's residuals and s,
lu's p, norm (of ord 0 Dask's complex count). A dtype the kernels cannot
store is a TypeError naming it. Where dusk differs from Dask:

- svd and tsqr(compute_svd=True) always give svd_flip's signs (each row of v
  sums to a non-negative number): coerce_signs=False, and Dask's tsqr SVD,
  which leaves LAPACK's signs, are a valid SVD too, not the same one.
- svd_compressed draws its test matrix from dusk's generator: the same seed
  gives the same factors, not Dask's numbers. It oversamples by 10
  (n_oversamples other than 10 is refused), and compute= (Dask's persist of
  the input between passes) changes nothing in dusk.
- Complex arrays: where Dask's graph transposes and a complex array needs
  the conjugate transpose, dusk conjugates, so that its factors are NumPy's
  and SciPy's: sfqr's R (Q^H @ A_rest, where Dask's Q.T gives a wrong R),
  svd_compressed (a.conj().T, q.conj().T) and cholesky's upper factor and
  blocks below the diagonal (L^H; Dask's np.transpose gives L^T and wrong
  blocks for more than one block). These add a 'conjugate' layer (sfqr,
  svd_compressed) or conjugating transpose tasks (cholesky) to complex
  arrays' graphs only.
"""
import numbers
import warnings

import numpy as np

from .array import RandomState, _apply, _apply_parts, _as_array

__all__ = ["tsqr", "sfqr", "qr", "svd", "svd_compressed", "solve_triangular", "lstsq", "lu",
           "solve", "inv", "cholesky", "norm"]


def sfqr(data, name=None):
    """Short-and-fat QR, as Dask's: an array of one row of blocks, either one
    column of blocks or columns at least as wide as the row is tall (the
    first); what qr does for such an array (name= is not taken: the layers
    are named as Dask names them by default)."""
    data = _as_array(data)
    if name is not None:
        raise TypeError("sfqr: dusk names the layers as Dask does by default; name= is not taken")
    ok = data.ndim == 2 and len(data.chunks[0]) == 1 and (
        data.chunks[0][0] <= data.chunks[1][0] or len(data.chunks[1]) == 1)
    if not ok:
        raise ValueError(
            "Input must have the following properties:\n"
            "  1. Have two dimensions\n"
            "  2. Have only one row of blocks\n"
            "  3. Either one column of blocks or (first) chunk size on cols\n"
            "     is at most that on rows (e.g.: for a 5x20 matrix,\n"
            "     chunks=((5), (8,4,8)) is fine, but chunks=((5), (4,8,8)) is not;\n"
            "     still, prefer something simple like chunks=(5,10) or chunks=5)\n\n"
            "Note: This function (sfqr) supports QR decomposition in the case\n"
            "of short-and-fat matrices (single row chunk/block; see qr)")
    return qr(data)


def tsqr(data, compute_svd=False, _max_vchunk_size=None):
    """Tall-and-skinny QR of an array with one column of blocks: (q, r), or
    (u, s, v) when compute_svd."""
    data = _as_array(data)
    if _max_vchunk_size is not None:
        raise TypeError("tsqr: dusk groups the stacked R factors as Dask does by default; "
                        "_max_vchunk_size is not taken")
    if not compute_svd:
        return _apply_parts("_factor", data, "tsqr")
    if data.ndim != 2 or data.numblocks[1] != 1:
        _apply_parts("_factor", data, "tsqr")   # raises, naming the chunks tsqr needs
    return _apply_parts("_factor", data, "svd")


def qr(a):
    """numpy.linalg.qr(a) (mode 'reduced'): (q, r), by tsqr for one column of
    blocks, by Dask's sfqr for one row; a real or complex a (q @ r == a,
    q.conj().T @ q == I, r's diagonal real, NumPy's for one block)."""
    return _apply_parts("_factor", _as_array(a), "qr")


def svd(a, coerce_signs=True):
    """numpy.linalg.svd(a, full_matrices=False): (u, s, v) with a = u * s @ v,
    for one column or one row of blocks. Of a complex a, v is the conjugate
    transpose V^H, as NumPy's, and s real."""
    return _apply_parts("_factor", _as_array(a), "svd")


def _seed(seed):
    """svd_compressed's seed as dusk's 64-bit one."""
    if seed is None:
        return int(np.random.randint(0, 2**63, dtype=np.int64))
    if isinstance(seed, RandomState):
        return seed._next()
    if isinstance(seed, np.random.RandomState):
        return int(seed.randint(0, 2**63, dtype=np.int64))
    if isinstance(seed, (numbers.Integral, np.integer)) and not isinstance(seed, bool):
        if not 0 <= seed < 2**64:
            raise ValueError("svd_compressed: seed must be between 0 and 2**64 - 1, not %d" % seed)
        return int(seed)
    raise TypeError("svd_compressed: seed must be None, an int or a RandomState, not %s"
                    % type(seed).__name__)


def svd_compressed(a, k, iterator="power", n_power_iter=0, n_oversamples=10, seed=None,
                   compute=False, coerce_signs=True):
    """The randomised rank-k SVD (Halko, Martinsson and Tropp): (u, s, v) of
    shapes (m, k), (k,), (k, n), of any chunking."""
    for name, v in (("k", k), ("n_power_iter", n_power_iter), ("n_oversamples", n_oversamples)):
        if not isinstance(v, (numbers.Integral, np.integer)) or isinstance(v, bool):
            raise TypeError("svd_compressed: %s must be an int, not %s" % (name, type(v).__name__))
    if n_oversamples != 10:
        raise ValueError("svd_compressed: dusk oversamples by 10 (n_oversamples=10), not %d"
                         % n_oversamples)
    if not isinstance(iterator, str):
        raise TypeError("svd_compressed: iterator must be 'power' or 'QR', not %r" % (iterator,))
    if not -2**31 <= n_power_iter < 2**31:
        raise ValueError("svd_compressed: n_power_iter %d is out of range" % n_power_iter)
    return _apply_parts("_factor", _as_array(a), "svd_compressed", None, int(k),
                        int(n_power_iter), _seed(seed), iterator)


def lstsq(a, b):
    """numpy.linalg.lstsq(a, b): (x, residuals, rank, s), through qr(a); a of
    one column of blocks and at least as many rows as columns."""
    return _apply_parts("_factor", _as_array(a), "lstsq", _as_array(b))


def lu(a):
    """scipy.linalg.lu(a): (p, l, u) with a = p @ l @ u; a square, in square
    blocks of one size. p is real (float64, float32 for float32 and
    complex64), as SciPy's."""
    return _apply_parts("_factor", _as_array(a), "lu")


def solve_triangular(a, b, lower=False):
    """scipy.linalg.solve_triangular(a, b, lower): x with a @ x = b."""
    return _apply("_solve", _as_array(a), "solve_triangular", _as_array(b), bool(lower))


def solve(a, b, sym_pos=None, assume_a="gen"):
    """scipy.linalg.solve(a, b, assume_a): by LU ('gen') or Cholesky ('pos')."""
    if sym_pos is not None:
        warnings.warn("The sym_pos keyword is deprecated and should be replaced by using "
                      "``assume_a = 'pos'``. ``sym_pos`` will be removed in a future version.",
                      category=FutureWarning, stacklevel=2)
        if sym_pos:
            assume_a = "pos"
    if not isinstance(assume_a, str):
        raise ValueError("solve: assume_a = %r is not a recognized matrix structure, valid "
                         "structures in Dask are 'pos' and 'gen'." % (assume_a,))
    return _apply("_solve", _as_array(a), "solve", _as_array(b), False, assume_a)


def inv(a):
    """numpy.linalg.inv(a): solve(a, eye)."""
    return _apply("_solve", _as_array(a), "inv")


def cholesky(a, lower=False):
    """The Cholesky factor of a symmetric (complex: Hermitian) positive
    definite a: upper (a = u.conj().T @ u), as Dask's default, or lower (a = l
    @ l.conj().T). Like Dask's, it reads the blocks above the diagonal, so a
    must be Hermitian, not just its lower triangle as NumPy's."""
    return _apply("_solve", _as_array(a), "cholesky", None, bool(lower))


# The matrix norms whose meaning follows the order of the two axes: numpy's
# ord=1 over axes (1, 0) is its ord=inf over (0, 1). libdusk-array takes the
# axes as a set, in increasing order.
_TRANSPOSED_ORD = {"1": "inf", "inf": "1", "-1": "-inf", "-inf": "-1"}


def _ord_text(ord):
    if ord is None:
        return None
    if isinstance(ord, str):
        if ord not in ("fro", "nuc"):
            raise ValueError("norm: invalid norm order %r (a number, inf, -inf, 'fro' or "
                             "'nuc')" % (ord,))
        return ord
    if isinstance(ord, (numbers.Integral, np.integer)):
        return str(int(ord))
    if isinstance(ord, (numbers.Real, np.floating)):
        v = float(ord)
        if np.isinf(v):
            return "inf" if v > 0 else "-inf"
        return str(int(v)) if v.is_integer() else repr(v)
    raise TypeError("norm: ord must be None, a number or 'fro' or 'nuc', not %s"
                    % type(ord).__name__)


def norm(x, ord=None, axis=None, keepdims=False):
    """numpy.linalg.norm(x, ord, axis, keepdims), as Dask builds it: a vector
    norm over one axis, a matrix norm over two (all of a 1-d or 2-d array for
    axis None)."""
    x = _as_array(x)
    text = _ord_text(ord)
    if isinstance(axis, (tuple, list)) and len(axis) == 2 and all(
            isinstance(v, (numbers.Integral, np.integer)) for v in axis):
        i, j = (int(v) for v in axis)
        if -x.ndim <= i < x.ndim and -x.ndim <= j < x.ndim and i % x.ndim > j % x.ndim:
            text = _TRANSPOSED_ORD.get(text, text)
        axis = (i, j)
    elif isinstance(axis, list):
        axis = tuple(axis)
    return _apply("_norm", x, text, axis, bool(keepdims))
