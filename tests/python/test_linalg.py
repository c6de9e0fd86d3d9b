"""dusk.array.linalg: dask.array.linalg's functions on libdusk-array, against
numpy.linalg and scipy.linalg (values), Dask (shapes, dtypes, chunks) and the
factorisations' own identities (q @ r == a, u * s @ v == a, p @ l @ u == a),
computed by dusk's scheduler."""
import pickle

import numpy as np
import pytest

import dusk
import dusk.array as da
from conftest import run_python

dda = pytest.importorskip("dask.array")
sla = pytest.importorskip("scipy.linalg")

RTOL, ATOL = 1e-10, 1e-12


def close(got, want, rtol=RTOL, atol=ATOL):
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def well_conditioned(n, seed=0):
    """A square matrix that LU without pivoting across blocks (Dask's) solves
    accurately: diagonally dominant."""
    return rand(n, n, seed=seed) + n * np.eye(n)


def spd(n, seed=0):
    a = rand(n, n, seed=seed)
    return a @ a.T + n * np.eye(n)


def same_as_dask(ours, theirs):
    """Each of ours has the shape, dtype and chunks of Dask's."""
    ours = ours if isinstance(ours, tuple) else (ours,)
    theirs = theirs if isinstance(theirs, tuple) else (theirs,)
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        assert isinstance(o, da.Array)
        assert o.shape == t.shape and o.dtype == t.dtype, (o, t)
        assert o.chunks == t.chunks, (o.chunks, t.chunks)


def test_linalg_is_a_module_of_dusk_array():
    from dusk.array import linalg
    import dusk.array.linalg as again
    assert da.linalg is linalg is again
    for name in ("tsqr", "qr", "svd", "svd_compressed", "solve", "solve_triangular", "lstsq",
                 "lu", "inv", "cholesky", "norm"):
        assert callable(getattr(da.linalg, name)), name


# --- QR -----------------------------------------------------------------------------------

TALL = [(20, 4, (5, 4)), (20, 4, (7, 4)), (20, 4, (20, 4)), (30, 3, (4, 3)), (9, 9, (3, 9))]


@pytest.mark.parametrize("m,n,chunks", TALL)
@pytest.mark.parametrize("fn", ["qr", "tsqr"])
def test_qr_of_one_column_of_blocks(fn, m, n, chunks):
    a = rand(m, n, seed=m + n)
    q, r = getattr(da.linalg, fn)(da.from_array(a, chunks=chunks))
    same_as_dask((q, r), getattr(dda.linalg, fn)(dda.from_array(a, chunks=chunks)))
    qv, rv = q.compute(), r.compute()
    close(qv @ rv, a)
    close(qv.T @ qv, np.eye(n))
    assert np.all(np.tril(rv, -1) == 0)
    # R is numpy's up to the sign of each row (Q's columns with it)
    qn, rn = np.linalg.qr(a)
    signs = np.sign(np.diag(rv)) * np.sign(np.diag(rn))
    close(rv, signs[:, None] * rn)
    close(qv, qn * signs[None, :])
    dq, dr = dda.linalg.qr(dda.from_array(a, chunks=chunks))
    close(rv, dr.compute(scheduler="sync"))


@pytest.mark.parametrize("chunks", [(4, 5), (4, 20), (4, (6, 7, 7))])
def test_qr_of_one_row_of_blocks_is_sfqr(chunks):
    a = rand(4, 20, seed=3)
    q, r = da.linalg.qr(da.from_array(a, chunks=chunks))
    same_as_dask((q, r), dda.linalg.qr(dda.from_array(a, chunks=chunks)))
    qn, rn = np.linalg.qr(a)
    close(q.compute(), qn)
    close(r.compute(), rn)
    close(q.compute() @ r.compute(), a)


def test_qr_refuses_what_it_cannot_take():
    with pytest.raises(ValueError, match="chunks"):
        da.linalg.qr(da.from_array(rand(20, 20), chunks=5))      # blocks along both axes
    with pytest.raises(ValueError, match="tsqr"):
        da.linalg.tsqr(da.from_array(rand(4, 20), chunks=(4, 5)))
    with pytest.raises(ValueError, match=r"2-d|\(20,\)|shape"):
        da.linalg.qr(da.from_array(rand(20), chunks=5))
    # a complex array is factorised (test_complex_qr): its chunking errors are
    # ValueErrors as a real one's, not a TypeError about its dtype
    with pytest.raises(ValueError, match="chunks"):
        da.linalg.qr(da.from_array(rand(20, 20) + 1j, chunks=5))


# --- SVD -----------------------------------------------------------------------------------

@pytest.mark.parametrize("shape,chunks", [((20, 4), (5, 4)), ((20, 4), (20, 4)), ((4, 20), (4, 5)),
                                          ((30, 6), (7, 6)), ((6, 30), (6, 11)), ((8, 8), (8, 8))])
def test_svd_matches_numpy_and_dask(shape, chunks):
    a = rand(*shape, seed=sum(shape))
    u, s, v = da.linalg.svd(da.from_array(a, chunks=chunks))
    theirs = dda.linalg.svd(dda.from_array(a, chunks=chunks))
    same_as_dask((u, s, v), theirs)
    uv, sv, vv = u.compute(), s.compute(), v.compute()
    close(sv, np.linalg.svd(a, compute_uv=False))
    close(uv * sv @ vv, a)
    k = min(shape)
    close(uv.T @ uv, np.eye(k))
    close(vv @ vv.T, np.eye(k))
    # svd_flip's signs (coerce_signs), as Dask's: the same vectors
    du, ds, dv = (x.compute(scheduler="sync") for x in theirs)
    close(uv, du)
    close(vv, dv)
    assert np.all(vv.sum(axis=1) >= 0)


def test_tsqr_compute_svd_and_svd_errors():
    a = rand(24, 5, seed=2)
    u, s, v = da.linalg.tsqr(da.from_array(a, chunks=(6, 5)), compute_svd=True)
    same_as_dask((u, s, v), dda.linalg.tsqr(dda.from_array(a, chunks=(6, 5)), compute_svd=True))
    close(s.compute(), np.linalg.svd(a, compute_uv=False))
    close(u.compute() * s.compute() @ v.compute(), a)
    with pytest.raises(ValueError, match="tsqr"):
        da.linalg.tsqr(da.from_array(a, chunks=(6, 2)), compute_svd=True)
    with pytest.raises(ValueError, match="both axes"):
        da.linalg.svd(da.from_array(rand(20, 20), chunks=5))
    with pytest.raises(ValueError, match="2-d"):
        da.linalg.svd(da.from_array(rand(4, 4, 4), chunks=4))


def test_svd_compressed_of_a_low_rank_matrix():
    rng = np.random.default_rng(7)
    a = rng.standard_normal((60, 3)) @ rng.standard_normal((3, 25))   # rank 3
    want = np.linalg.svd(a, compute_uv=False)[:3]
    for chunks in [(10, 25), (15, 5), (60, 25), (7, 9)]:
        x = da.from_array(a, chunks=chunks)
        for it, n_power_iter in [("power", 0), ("power", 2), ("QR", 1)]:
            u, s, v = da.linalg.svd_compressed(x, 3, iterator=it, n_power_iter=n_power_iter,
                                               seed=4)
            assert (u.shape, s.shape, v.shape) == ((60, 3), (3,), (3, 25))
            theirs = dda.linalg.svd_compressed(dda.from_array(a, chunks=chunks), 3, iterator=it,
                                               n_power_iter=n_power_iter, seed=4)
            assert [x.dtype for x in (u, s, v)] == [x.dtype for x in theirs]
            assert [x.shape for x in (u, s, v)] == [x.shape for x in theirs]
            close(s.compute(), want, rtol=1e-9)
            close(u.compute() * s.compute() @ v.compute(), a, rtol=1e-9, atol=1e-10)
    # the same seed gives the same factors; another seed, a valid SVD as well
    x = da.from_array(a, chunks=(15, 5))
    one = [f.compute() for f in da.linalg.svd_compressed(x, 2, seed=11)]
    two = [f.compute() for f in da.linalg.svd_compressed(x, 2, seed=11)]
    for p, q in zip(one, two):
        np.testing.assert_array_equal(p, q)
    close(da.linalg.svd_compressed(x, 3, seed=da.random.RandomState(3))[1].compute(), want)
    close(da.linalg.svd_compressed(x, 3, seed=np.random.RandomState(3))[1].compute(), want)
    close(da.linalg.svd_compressed(x, 3)[1].compute(), want)


def test_svd_compressed_refuses_bad_arguments():
    x = da.from_array(rand(20, 8), chunks=(5, 8))
    with pytest.raises(ValueError, match="k"):
        da.linalg.svd_compressed(x, 9)
    with pytest.raises(ValueError, match="k"):
        da.linalg.svd_compressed(x, 0)
    with pytest.raises(ValueError, match="n_power_iter"):
        da.linalg.svd_compressed(x, 2, n_power_iter=-1)
    with pytest.raises(ValueError, match="iterator"):
        da.linalg.svd_compressed(x, 2, iterator="lanczos")
    with pytest.raises(ValueError, match="n_oversamples"):
        da.linalg.svd_compressed(x, 2, n_oversamples=5)
    with pytest.raises(TypeError, match="k must be an int"):
        da.linalg.svd_compressed(x, 2.5)
    with pytest.raises(ValueError, match="seed"):
        da.linalg.svd_compressed(x, 2, seed=-1)


# --- solving --------------------------------------------------------------------------------

SQUARE = [(12, 4), (12, 6), (12, 12), (12, 3), (7, 7)]


@pytest.mark.parametrize("n,c", SQUARE)
def test_lu_factors_the_matrix(n, c):
    a = well_conditioned(n, seed=n + c)
    p, l, u = da.linalg.lu(da.from_array(a, chunks=c))
    theirs = dda.linalg.lu(dda.from_array(a, chunks=c))
    same_as_dask((p, l, u), theirs)
    pv, lv, uv = p.compute(), l.compute(), u.compute()
    close(pv @ lv @ uv, a)
    assert np.all(np.triu(lv, 1) == 0) and np.all(np.diag(lv) == 1)
    assert np.all(np.tril(uv, -1) == 0)
    assert sorted(pv.sum(axis=0)) == [1] * n and set(np.unique(pv)) <= {0, 1}
    for ours, dask in zip((pv, lv, uv), theirs):
        close(ours, dask.compute(scheduler="sync"))
    if n == c:   # one block: scipy's own
        for ours, want in zip((pv, lv, uv), sla.lu(a)):
            close(ours, want)


@pytest.mark.parametrize("n,c", SQUARE)
@pytest.mark.parametrize("bshape", ["vector", "matrix"])
def test_solve_and_inv(n, c, bshape):
    a = well_conditioned(n, seed=n)
    b = rand(n, seed=1) if bshape == "vector" else rand(n, 3, seed=1)
    x = da.linalg.solve(da.from_array(a, chunks=c), da.from_array(b, chunks=c))
    same_as_dask(x, dda.linalg.solve(dda.from_array(a, chunks=c), dda.from_array(b, chunks=c)))
    close(x.compute(), np.linalg.solve(a, b))
    s = spd(n, seed=n)
    x = da.linalg.solve(da.from_array(s, chunks=c), da.from_array(b, chunks=c), assume_a="pos")
    close(x.compute(), sla.solve(s, b, assume_a="pos"))
    ai = da.linalg.inv(da.from_array(a, chunks=c))
    same_as_dask(ai, dda.linalg.inv(dda.from_array(a, chunks=c)))
    close(ai.compute(), np.linalg.inv(a))


def test_solve_sym_pos_warns_as_dask():
    s = spd(6)
    b = rand(6)
    with pytest.warns(FutureWarning, match="sym_pos"):
        x = da.linalg.solve(da.from_array(s, chunks=3), da.from_array(b, chunks=3), sym_pos=True)
    close(x.compute(), np.linalg.solve(s, b))
    with pytest.raises(ValueError, match="assume_a"):
        da.linalg.solve(da.from_array(s, chunks=3), da.from_array(b, chunks=3), assume_a="her")


@pytest.mark.parametrize("n,c", SQUARE)
@pytest.mark.parametrize("lower", [False, True])
def test_solve_triangular(n, c, lower):
    a = well_conditioned(n, seed=5)
    t = np.tril(a) if lower else np.triu(a)
    for b in (rand(n, seed=2), rand(n, 4, seed=2)):
        x = da.linalg.solve_triangular(da.from_array(t, chunks=c), da.from_array(b, chunks=c),
                                       lower=lower)
        same_as_dask(x, dda.linalg.solve_triangular(dda.from_array(t, chunks=c),
                                                    dda.from_array(b, chunks=c), lower=lower))
        close(x.compute(), sla.solve_triangular(t, b, lower=lower))
    # the other triangle is not read
    x = da.linalg.solve_triangular(da.from_array(a, chunks=c), da.from_array(b, chunks=c),
                                   lower=lower)
    close(x.compute(), sla.solve_triangular(t, b, lower=lower))


@pytest.mark.parametrize("n,c", SQUARE)
@pytest.mark.parametrize("lower", [False, True])
def test_cholesky(n, c, lower):
    s = spd(n, seed=c)
    f = da.linalg.cholesky(da.from_array(s, chunks=c), lower=lower)
    same_as_dask(f, dda.linalg.cholesky(dda.from_array(s, chunks=c), lower=lower))
    fv = f.compute()
    close(fv, sla.cholesky(s, lower=lower))
    close(fv @ fv.T if lower else fv.T @ fv, s)


def test_solving_refuses_bad_input():
    a = da.from_array(well_conditioned(6), chunks=3)
    with pytest.raises(ValueError, match="square"):
        da.linalg.inv(da.from_array(rand(6, 4), chunks=2))
    with pytest.raises(ValueError, match=r"\(5,\)|5"):
        da.linalg.solve(a, da.from_array(rand(5), chunks=5))
    with pytest.raises(ValueError, match="chunk"):
        da.linalg.lu(da.from_array(well_conditioned(6), chunks=(3, 2)))
    with pytest.raises(ValueError, match="chunk|rechunk"):
        da.linalg.solve_triangular(a, da.from_array(rand(6), chunks=2))
    with pytest.raises(ValueError, match="2-d|shape|dimension"):
        da.linalg.cholesky(da.from_array(rand(6), chunks=3))
    # complex arrays are solved (test_complex_solve_and_inv); their bad
    # shapes and chunks are ValueErrors, as real ones'
    with pytest.raises(ValueError, match=r"\(5,\)|5"):
        da.linalg.solve(a, da.from_array(rand(5) + 1j, chunks=5))
    with pytest.raises(ValueError, match="chunk"):
        da.linalg.inv(da.from_array(np.eye(4) * (1 + 1j), chunks=(2, 4)))
    with pytest.raises(TypeError, match="dusk array"):
        a._solve("solve", "not an array")


def test_errors_of_the_computation_name_the_block():
    sing = np.ones((4, 4))
    with pytest.raises(ValueError, match="singular"):
        da.linalg.inv(da.from_array(sing, chunks=2)).compute()
    with pytest.raises(ValueError, match="positive definite"):
        da.linalg.cholesky(da.from_array(-np.eye(4), chunks=2)).compute()


# --- least squares ---------------------------------------------------------------------------

@pytest.mark.parametrize("chunks", [(5, 4), (20, 4), (3, 4)])
@pytest.mark.parametrize("bshape", ["vector", "matrix"])
def test_lstsq_matches_numpy(chunks, bshape):
    a = rand(20, 4, seed=9)
    b = rand(20, seed=1) if bshape == "vector" else rand(20, 3, seed=1)
    bc = chunks[0] if bshape == "vector" else (chunks[0], 3)
    ours = da.linalg.lstsq(da.from_array(a, chunks=chunks), da.from_array(b, chunks=bc))
    theirs = dda.linalg.lstsq(dda.from_array(a, chunks=chunks), dda.from_array(b, chunks=bc))
    assert len(ours) == 4
    for o, t in zip(ours, theirs):
        assert o.shape == t.shape and o.dtype == t.dtype, (o, t)
    x, res, rank, s = (v.compute() for v in ours)
    wx, wres, wrank, ws = np.linalg.lstsq(a, b, rcond=None)
    close(x, wx)
    close(res, wres, rtol=1e-9)
    assert rank == wrank == 4 and isinstance(rank, np.integer)
    close(s, ws)


def test_lstsq_refuses_bad_shapes():
    a = da.from_array(rand(20, 4), chunks=(5, 4))
    with pytest.raises(ValueError, match=r"\(19,\)|19"):
        da.linalg.lstsq(a, da.from_array(rand(19), chunks=5))
    with pytest.raises(ValueError, match=r"\(4, 20\)|rows"):
        da.linalg.lstsq(da.from_array(rand(4, 20), chunks=(4, 20)), da.from_array(rand(4)))


# --- norm ------------------------------------------------------------------------------------

NORMS = [(None, None), ("fro", None), ("nuc", None), (np.inf, None), (-np.inf, None), (1, None),
         (-1, None), (2, None), (-2, None), (None, 0), (1, 1), (3, 0), (0, 1), (-np.inf, 0),
         (0.5, 1), (1, (1, 0)), (np.inf, (1, 0)), (-1, (1, 0)), ("fro", (-1, 0)), (2, (1, 0))]


@pytest.mark.parametrize("ord,axis", NORMS)
@pytest.mark.parametrize("keepdims", [False, True])
def test_norm_of_a_matrix(ord, axis, keepdims):
    a = rand(12, 5, seed=4)
    chunks = (4, 5) if ord in ("nuc", 2, -2) else (4, 2)
    got = da.linalg.norm(da.from_array(a, chunks=chunks), ord=ord, axis=axis, keepdims=keepdims)
    want = np.linalg.norm(a, ord=ord, axis=axis, keepdims=keepdims)
    theirs = dda.linalg.norm(dda.from_array(a, chunks=chunks), ord=ord, axis=axis,
                             keepdims=keepdims)
    assert got.shape == theirs.shape == np.shape(want) and got.dtype == theirs.dtype
    close(got.compute(), want)


@pytest.mark.parametrize("ord", [None, 1, 2, 3.5, 0, np.inf, -np.inf, -1])
def test_norm_of_a_vector(ord):
    v = rand(10, seed=2)
    got = da.linalg.norm(da.from_array(v, chunks=3), ord=ord)
    same_as_dask(got, dda.linalg.norm(dda.from_array(v, chunks=3), ord=ord))
    close(got.compute(), np.linalg.norm(v, ord=ord))
    ints = np.arange(-5, 7)
    got = da.linalg.norm(da.from_array(ints, chunks=4), ord=ord)
    assert got.dtype == dda.linalg.norm(dda.from_array(ints, chunks=4), ord=ord).dtype
    with np.errstate(divide="ignore"):   # numpy's ord -1 of a vector holding 0: 1 / inf
        close(got.compute(), np.linalg.norm(ints, ord=ord))


def test_norm_refuses_what_numpy_refuses():
    x = da.from_array(rand(6, 4), chunks=2)
    v = da.from_array(rand(6), chunks=2)
    with pytest.raises(ValueError, match="nuc"):
        da.linalg.norm(v, ord="nuc")
    with pytest.raises(ValueError, match="order 0"):
        da.linalg.norm(x, ord=0)
    with pytest.raises(ValueError, match="invalid norm order"):
        da.linalg.norm(x, ord="max")
    with pytest.raises(ValueError, match="axes"):
        da.linalg.norm(da.from_array(rand(2, 2, 2), chunks=1))
    with pytest.raises(ValueError, match="out of bounds"):
        da.linalg.norm(x, axis=2)
    with pytest.raises(TypeError, match="ord"):
        da.linalg.norm(x, ord=[1])


def test_repr_names_the_layer_as_dask():
    import re
    a = rand(20, 4)

    def reprs(m, x):
        out = [m.linalg.qr(x(a, (5, 4))), m.linalg.qr(x(a.T, (4, 5))),
               m.linalg.lstsq(x(a, (5, 4)), x(a[:, 0], 5)), m.linalg.lu(x(np.eye(4), 2))]
        # the tokens differ (dusk's are not Dask's md5s)
        return [re.sub(r"[0-9a-f]{32}", "T", repr(v).split("<", 1)[1]) for f in out for v in f]
    assert reprs(da, lambda v, c: da.from_array(v, chunks=c)) == \
        reprs(dda, lambda v, c: dda.from_array(v, chunks=c))


# --- dtypes, compaction, pickle ---------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float32", "int64", "int16", "bool"])
def test_factor_dtypes_are_numpys(dtype):
    a = (rand(12, 3, seed=1) * 4).astype(dtype)
    ours = da.linalg.qr(da.from_array(a, chunks=(4, 3)))
    theirs = dda.linalg.qr(dda.from_array(a, chunks=(4, 3)))
    same_as_dask(ours, theirs)
    q, r = (x.compute() for x in ours)
    assert q.dtype == ours[0].dtype
    tol = 1e-5 if dtype == "float32" else RTOL
    close(q @ r, a.astype(float), rtol=tol, atol=tol)
    s = spd(6).astype("float32")
    f = da.linalg.cholesky(da.from_array(s, chunks=3))
    same_as_dask(f, dda.linalg.cholesky(dda.from_array(s, chunks=3)))
    close(f.compute(), sla.cholesky(s.astype(float)), rtol=1e-5, atol=1e-5)


def test_factors_survive_compaction(monkeypatch):
    # The context is remade from the live arrays' recipes every ~1024 arrays:
    # the factors of one call are made again from that call. (The threshold
    # doubles after each compaction: the earlier tests' must not hide this.)
    monkeypatch.setattr(da, "_compact_at", da._COMPACT_MIN)
    a = rand(20, 4, seed=3)
    q, r = da.linalg.qr(da.from_array(a, chunks=(5, 4)))
    x, res, rank, s = da.linalg.lstsq(da.from_array(a, chunks=(5, 4)),
                                      da.from_array(rand(20, seed=4), chunks=5))
    n = da.linalg.norm(da.from_array(a, chunks=(5, 4)), ord=2)
    before = [v.compute() for v in (q, r, x, res, rank, s, n)]
    made = q._context_made()
    for _ in range(1500):
        da.ones(2) + 1
    assert q._context_made() < made + 1500, "the context was not compacted"
    for v, want in zip((q, r, x, res, rank, s, n), before):
        np.testing.assert_array_equal(v.compute(), want)
    close((q @ r).compute(), a)


def test_factors_pickle():
    a = well_conditioned(6, seed=2)
    p, l, u = da.linalg.lu(da.from_array(a, chunks=3))
    y = p @ l @ u - da.linalg.inv(da.from_array(a, chunks=3))
    want = y.compute()
    data = pickle.dumps((p, l, u, y))
    p2, l2, u2, y2 = pickle.loads(data)
    assert (p2.name, l2.name, u2.name) == (p.name, l.name, u.name)
    np.testing.assert_array_equal(y2.compute(), want)
    close((p2 @ l2 @ u2).compute(), a)
    proc = run_python("""
        import pickle
        y = pickle.loads(bytes.fromhex(%r))[3]
        print(repr(y.compute().tolist()))
    """ % data.hex())
    assert proc.returncode == 0, proc.stderr
    np.testing.assert_array_equal(np.array(eval(proc.stdout)), want)


# --- complex arrays -------------------------------------------------------------------------
# complex128 and complex64 (computed in complex128, stored in complex64), against NumPy and
# SciPy, with the factorisations' identities in their complex form (q^H q == I, a = u s v
# with v = V^H, a = l l^H) and Dask's shapes, dtypes and chunks; for tsqr, svd and lu, whose
# Dask graphs are right for complex arrays, Dask's values too.

CTYPES = [(np.complex128, 1e-10, 1e-12), (np.complex64, 1e-4, 1e-5)]


def crand(*shape, seed=0, dtype=np.complex128):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)


def cwell(n, seed=0, dtype=np.complex128):
    return (crand(n, n, seed=seed) + n * np.eye(n)).astype(dtype)


def hpd(n, seed=0, dtype=np.complex128):
    """Hermitian positive definite."""
    a = crand(n, n, seed=seed)
    return (a @ a.conj().T + n * np.eye(n)).astype(dtype)


def herm_t(x):
    return x.conj().T


@pytest.mark.parametrize("dtype,rtol,atol", CTYPES)
@pytest.mark.parametrize("m,n,chunks", TALL)
@pytest.mark.parametrize("fn", ["qr", "tsqr"])
def test_complex_qr_of_one_column_of_blocks(fn, m, n, chunks, dtype, rtol, atol):
    a = crand(m, n, seed=m + n, dtype=dtype)
    q, r = getattr(da.linalg, fn)(da.from_array(a, chunks=chunks))
    theirs = getattr(dda.linalg, fn)(dda.from_array(a, chunks=chunks))
    same_as_dask((q, r), theirs)
    assert q.dtype == r.dtype == dtype
    qv, rv = q.compute(), r.compute()
    assert qv.dtype == rv.dtype == dtype
    close(qv @ rv, a, rtol, atol * 10)
    close(herm_t(qv) @ qv, np.eye(n), rtol, atol * 10)
    assert np.all(np.tril(rv, -1) == 0)
    assert np.all(np.diag(rv).imag == 0)   # LAPACK's reflectors: R's diagonal is real
    # numpy's up to the sign of each row of R (a column of Q): both diagonals are real
    qn, rn = np.linalg.qr(a)
    signs = np.sign(np.diag(rv).real) * np.sign(np.diag(rn).real)
    close(rv, signs[:, None] * rn, rtol, atol * 10)
    close(qv, qn * signs[None, :], rtol, atol * 10)
    dq, dr = (x.compute(scheduler="sync") for x in theirs)
    close(rv, dr, rtol, atol * 10)
    close(qv, dq, rtol, atol * 10)


@pytest.mark.parametrize("dtype,rtol,atol", CTYPES)
@pytest.mark.parametrize("chunks", [(4, 5), (4, 20), (4, (6, 7, 7))])
def test_complex_qr_of_one_row_of_blocks(chunks, dtype, rtol, atol):
    a = crand(4, 20, seed=3, dtype=dtype)
    q, r = da.linalg.qr(da.from_array(a, chunks=chunks))
    same_as_dask((q, r), dda.linalg.qr(dda.from_array(a, chunks=chunks)))
    # R = [R_1, Q^H A_rest]: numpy's (Dask's Q.T @ A_rest is not, for a complex array)
    qn, rn = np.linalg.qr(a)
    close(q.compute(), qn, rtol, atol * 10)
    close(r.compute(), rn, rtol, atol * 10)
    close(q.compute() @ r.compute(), a, rtol, atol * 10)


@pytest.mark.filterwarnings("ignore:Casting complex values:numpy.ComplexWarning")   # Dask's meta
@pytest.mark.parametrize("dtype,rtol,atol", CTYPES)
@pytest.mark.parametrize("shape,chunks", [((20, 4), (5, 4)), ((20, 4), (20, 4)), ((4, 20), (4, 5)),
                                          ((30, 6), (7, 6)), ((6, 30), (6, 11)), ((8, 8), (8, 8))])
def test_complex_svd(shape, chunks, dtype, rtol, atol):
    a = crand(*shape, seed=sum(shape), dtype=dtype)
    u, s, v = da.linalg.svd(da.from_array(a, chunks=chunks))
    theirs = dda.linalg.svd(dda.from_array(a, chunks=chunks))
    same_as_dask((u, s, v), theirs)
    assert u.dtype == v.dtype == dtype and s.dtype == np.finfo(dtype).dtype
    uv, sv, vv = u.compute(), s.compute(), v.compute()
    assert uv.dtype == vv.dtype == dtype and sv.dtype == np.finfo(dtype).dtype
    close(sv, np.linalg.svd(a, compute_uv=False), rtol, atol * 10)
    close(uv * sv @ vv, a, rtol, atol * 100)   # v is V^H, as NumPy's
    k = min(shape)
    close(herm_t(uv) @ uv, np.eye(k), rtol, atol * 10)
    close(vv @ herm_t(vv), np.eye(k), rtol, atol * 10)
    # the singular vectors are NumPy's up to a phase each, and Dask's (svd_flip of NumPy's)
    un, _, vn = np.linalg.svd(a, full_matrices=False)
    close(np.abs(np.sum(uv.conj() * un, axis=0)), np.ones(k), rtol, atol * 100)
    du, ds, dv = (x.compute(scheduler="sync") for x in theirs)
    close(uv, du, rtol, atol * 10)
    close(vv, dv, rtol, atol * 10)


@pytest.mark.filterwarnings("ignore:Casting complex values:numpy.ComplexWarning")   # Dask's meta
@pytest.mark.parametrize("dtype,rtol,atol", CTYPES)
def test_complex_svd_compressed(dtype, rtol, atol):
    rng = np.random.default_rng(9)
    a = ((rng.standard_normal((60, 3)) + 1j * rng.standard_normal((60, 3))) @
         (rng.standard_normal((3, 25)) + 1j * rng.standard_normal((3, 25)))).astype(dtype)
    want = np.linalg.svd(a, compute_uv=False)[:3]
    for chunks in [(10, 25), (15, 5), (7, 9)]:
        for it, n_power_iter in [("power", 0), ("power", 2), ("QR", 1)]:
            u, s, v = da.linalg.svd_compressed(da.from_array(a, chunks=chunks), 3, iterator=it,
                                               n_power_iter=n_power_iter, seed=4)
            assert (u.dtype, s.dtype, v.dtype) == (dtype, np.finfo(dtype).dtype, dtype)
            uv, sv, vv = u.compute(), s.compute(), v.compute()
            close(sv, want, rtol * 10, atol * 1e3)
            close(uv * sv @ vv, a, rtol * 10, atol * 1e3)
            close(herm_t(uv) @ uv, np.eye(3), rtol * 10, atol * 1e3)


@pytest.mark.filterwarnings("ignore:Casting complex values:numpy.ComplexWarning")   # Dask's meta
@pytest.mark.parametrize("dtype,rtol,atol", CTYPES)
@pytest.mark.parametrize("n,c", SQUARE)
def test_complex_lu(n, c, dtype, rtol, atol):
    a = cwell(n, seed=n + c, dtype=dtype)
    p, l, u = da.linalg.lu(da.from_array(a, chunks=c))
    theirs = dda.linalg.lu(dda.from_array(a, chunks=c))
    same_as_dask((p, l, u), theirs)   # p real, as SciPy's
    pv, lv, uv = p.compute(), l.compute(), u.compute()
    assert pv.dtype == np.finfo(dtype).dtype and lv.dtype == uv.dtype == dtype
    close(pv @ lv @ uv, a, rtol, atol * 100)
    assert np.all(np.triu(lv, 1) == 0) and np.all(np.diag(lv) == 1)
    assert np.all(np.tril(uv, -1) == 0)
    assert sorted(pv.sum(axis=0)) == [1] * n and set(np.unique(pv)) <= {0, 1}
    for ours, dask in zip((pv, lv, uv), theirs):
        close(ours, dask.compute(scheduler="sync"), rtol, atol * 100)
    if n == c:   # one block: scipy's own
        for ours, want in zip((pv, lv, uv), sla.lu(a)):
            close(ours, want, rtol, atol * 100)


@pytest.mark.filterwarnings("ignore:Casting complex values:numpy.ComplexWarning")   # Dask's meta
@pytest.mark.parametrize("dtype,rtol,atol", CTYPES)
@pytest.mark.parametrize("n,c", SQUARE)
def test_complex_solve_and_inv(n, c, dtype, rtol, atol):
    a = cwell(n, seed=n, dtype=dtype)
    for b in (crand(n, seed=1, dtype=dtype), crand(n, 3, seed=1, dtype=dtype)):
        x = da.linalg.solve(da.from_array(a, chunks=c), da.from_array(b, chunks=c))
        same_as_dask(x, dda.linalg.solve(dda.from_array(a, chunks=c), dda.from_array(b, chunks=c)))
        close(x.compute(), np.linalg.solve(a, b), rtol, atol * 10)
        h = hpd(n, seed=n, dtype=dtype)
        x = da.linalg.solve(da.from_array(h, chunks=c), da.from_array(b, chunks=c), assume_a="pos")
        close(x.compute(), np.linalg.solve(h, b), rtol, atol * 10)
    # a real a and a complex b, and the other way round: complex x
    ar, br = well_conditioned(n, seed=n), rand(n, seed=2)
    bc = crand(n, seed=3)
    x = da.linalg.solve(da.from_array(ar, chunks=c), da.from_array(bc, chunks=c))
    assert x.dtype == np.complex128
    close(x.compute(), np.linalg.solve(ar, bc))
    close(da.linalg.solve(da.from_array(cwell(n), chunks=c), da.from_array(br, chunks=c)).compute(),
          np.linalg.solve(cwell(n), br))
    ai = da.linalg.inv(da.from_array(a, chunks=c))
    dai = dda.linalg.inv(dda.from_array(a, chunks=c))
    # NumPy's dtype: Dask's float64 eye makes complex64's inverse complex128
    assert ai.dtype == np.linalg.inv(a).dtype == dtype
    assert ai.shape == dai.shape and ai.chunks == dai.chunks
    close(ai.compute(), np.linalg.inv(a), rtol, atol * 10)
    close(a @ ai.compute(), np.eye(n), rtol, atol * 100)


@pytest.mark.parametrize("dtype,rtol,atol", CTYPES)
@pytest.mark.parametrize("n,c", SQUARE)
@pytest.mark.parametrize("lower", [False, True])
def test_complex_solve_triangular(n, c, lower, dtype, rtol, atol):
    a = cwell(n, seed=5, dtype=dtype)
    t = np.tril(a) if lower else np.triu(a)
    for b in (crand(n, seed=2, dtype=dtype), crand(n, 4, seed=2, dtype=dtype)):
        x = da.linalg.solve_triangular(da.from_array(t, chunks=c), da.from_array(b, chunks=c),
                                       lower=lower)
        same_as_dask(x, dda.linalg.solve_triangular(dda.from_array(t, chunks=c),
                                                    dda.from_array(b, chunks=c), lower=lower))
        close(x.compute(), sla.solve_triangular(t, b, lower=lower), rtol, atol * 10)


@pytest.mark.parametrize("dtype,rtol,atol", CTYPES)
@pytest.mark.parametrize("n,c", SQUARE)
@pytest.mark.parametrize("lower", [False, True])
def test_complex_cholesky(n, c, lower, dtype, rtol, atol):
    h = hpd(n, seed=c, dtype=dtype)
    f = da.linalg.cholesky(da.from_array(h, chunks=c), lower=lower)
    same_as_dask(f, dda.linalg.cholesky(dda.from_array(h, chunks=c), lower=lower))
    fv = f.compute()
    assert fv.dtype == dtype
    # lower: numpy's L; upper: L^H, scipy's (Dask's np.transpose gives L^T)
    close(fv, np.linalg.cholesky(h) if lower else sla.cholesky(h, lower=False), rtol,
          atol * 100)
    close(fv @ herm_t(fv) if lower else herm_t(fv) @ fv, h, rtol, atol * 1000)


def test_complex_cholesky_needs_a_hermitian_positive_definite_matrix():
    h = hpd(6, seed=1)
    # Hermitian but not positive definite: an error naming the block, as NumPy's
    with pytest.raises(ValueError, match="positive definite"):
        da.linalg.cholesky(da.from_array(-h, chunks=3)).compute()
    with pytest.raises(np.linalg.LinAlgError):
        np.linalg.cholesky(-h)
    # complex symmetric (a.T == a), not Hermitian: like Dask's, dusk reads the blocks
    # above the diagonal, so its factor of more than one block is no factor of a
    s = h + 1j * np.eye(6)
    s = np.tril(s) + np.tril(s, -1).T
    lv = da.linalg.cholesky(da.from_array(s, chunks=3), lower=True).compute()
    assert not np.allclose(lv @ herm_t(lv), s)
    # of one block, NumPy's: the lower triangle only, the diagonal's real parts
    one = da.linalg.cholesky(da.from_array(s, chunks=6), lower=True).compute()
    close(one, np.linalg.cholesky(s))


@pytest.mark.filterwarnings("ignore:Casting complex values:numpy.ComplexWarning")   # Dask's meta
@pytest.mark.parametrize("dtype,rtol,atol", CTYPES)
@pytest.mark.parametrize("chunks", [(5, 4), (20, 4), (3, 4)])
@pytest.mark.parametrize("bshape", ["vector", "matrix"])
def test_complex_lstsq(chunks, bshape, dtype, rtol, atol):
    a = crand(20, 4, seed=4, dtype=dtype)
    b = crand(20, seed=5, dtype=dtype) if bshape == "vector" else crand(20, 2, seed=5, dtype=dtype)
    bch = chunks[0] if bshape == "vector" else (chunks[0], 2)
    ours = da.linalg.lstsq(da.from_array(a, chunks=chunks), da.from_array(b, chunks=bch))
    theirs = dda.linalg.lstsq(dda.from_array(a, chunks=chunks), dda.from_array(b, chunks=bch))
    same_as_dask(ours, theirs)
    x, res, rank, s = (f.compute() for f in ours)
    xn, resn, rankn, sn = np.linalg.lstsq(a, b, rcond=None)
    assert x.dtype == dtype and res.dtype == s.dtype == np.finfo(dtype).dtype
    close(x, xn, rtol, atol * 10)
    close(res, resn, rtol * 10, atol * 100)
    assert rank == rankn == 4
    close(s, sn, rtol * 10, atol * 100)


@pytest.mark.parametrize("dtype,rtol,atol", CTYPES)
def test_complex_norm(dtype, rtol, atol):
    v = crand(10, seed=6, dtype=dtype)
    m = crand(6, 8, seed=7, dtype=dtype)
    for ord in [None, 1, 2, np.inf, -np.inf, 0, -1, 3]:
        close(da.linalg.norm(da.from_array(v, chunks=3), ord).compute(), np.linalg.norm(v, ord),
              rtol, atol * 10)
    for ord in [None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf]:
        got = da.linalg.norm(da.from_array(m, chunks=(3, 8)), ord)
        if ord not in ("nuc", 2, -2):   # the SVD's need one row or column of blocks
            got = da.linalg.norm(da.from_array(m, chunks=(3, 4)), ord)
        close(got.compute(), np.linalg.norm(m, ord), rtol, atol * 10)
    # the norms are real (of ord 0 Dask's complex count: (x != 0).astype(x.dtype).sum())
    assert da.linalg.norm(da.from_array(m, chunks=3)).dtype == np.finfo(dtype).dtype
    assert da.linalg.norm(da.from_array(v, chunks=3), 0).dtype == dtype
    assert dda.linalg.norm(dda.from_array(v, chunks=3), 0).dtype.kind == "c"


def test_sfqr_as_dask():
    import dask.array as dda
    a = np.arange(40.0).reshape(4, 10) ** 1.5 % 7
    for chunks in ((4, 5), (4, 10), ((4,), (6, 4))):
        q, r = da.linalg.sfqr(da.from_array(a, chunks=chunks))
        dq, dr = dda.linalg.sfqr(dda.from_array(a, chunks=chunks))
        assert q.chunks == dq.chunks and r.chunks == dr.chunks
        np.testing.assert_allclose(q.compute() @ r.compute(), a, atol=1e-12)
        np.testing.assert_allclose(np.abs(r.compute()), np.abs(dr.compute()), atol=1e-12)
    for chunks in ((2, 5), ((4,), (3, 7))):
        with pytest.raises(ValueError, match="Have only one row of blocks"):
            da.linalg.sfqr(da.from_array(a, chunks=chunks))


def test_blocks_lapack_cannot_factor_are_numpys_linalg_error():
    # they were ValueError only: `except np.linalg.LinAlgError`, as written for
    # NumPy or Dask, did not catch them (a ValueError still does)
    for bad in (lambda: da.linalg.inv(da.zeros((3, 3), chunks=3)),
                lambda: da.linalg.cholesky(-da.eye(3, chunks=3)),
                lambda: da.linalg.solve(da.zeros((4, 4), chunks=2), da.ones(4, chunks=2))):
        with pytest.raises(np.linalg.LinAlgError, match="singular|positive definite"):
            bad().compute()
        with pytest.raises(ValueError):
            dusk.compute(bad())
