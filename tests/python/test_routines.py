"""dusk.array's diag, diagonal, trace, einsum, apply_along_axis, apply_over_axes,
bincount, percentile and searchsorted, built from its operations: values and
dtypes against NumPy (percentile's against Dask's, its approximation), chunks and
task counts against dask.array."""
import numpy as np
import pytest

import dusk.array as da

dda = pytest.importorskip("dask.array")

from compare import same, ntasks, pair, added  # noqa: E402


DTYPES = ["f8", "f4", "i8", "i2", "u1", "?", "c16"]
RNG = np.random.RandomState(0)


# --- diag, diagonal, trace -------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("chunks", [3, 10, ((4, 1, 5),)])
def test_diag_of_1d(dtype, chunks):
    src = (np.arange(10) % 4 + 1).astype(dtype)
    x, d = pair(src, chunks)
    for k in [0, 1, -3, 12, -10]:
        ours, theirs = da.diag(x, k), dda.diag(d, k)
        same(ours, np.diag(src, k), k)
        assert ours.chunks == theirs.chunks, k
        a, b = added(ours, x, theirs, d)
        # k = 0: one 'diag' task per pair of blocks, as Dask's; else pad's
        # layers, whose constant Dask makes an 'array' task more (dusk's
        # complex constant is zeros and an add, more tasks)
        if k == 0:
            assert a == b
        elif dtype != "c16":
            assert a == b - 1, k
    assert da.diag(x).name.startswith("diag-")


def test_diag_of_numpy_and_2d():
    src = np.arange(12.0).reshape(3, 4)
    for k in [0, 1, -2, 5]:
        # a NumPy array is one block, as Dask's
        same(da.diag(src, k), np.diag(src, k))
        assert da.diag(src, k).chunks == dda.diag(src, k).chunks
    same(da.diag([1, 2, 3]), np.diag([1, 2, 3]))
    x, d = pair(src, 2)
    for k in [0, 1, -1, 3, -3, 4]:
        same(da.diag(x, k), np.diag(src, k), k)
        assert da.diag(x, k).chunks == dda.diag(d, k).chunks, k
    with pytest.raises(ValueError, match="1d or 2d"):
        da.diag(da.ones((2, 2, 2), chunks=1))
    with pytest.raises(ValueError, match="1d or 2d"):
        da.diag(np.float64(3))
    with pytest.raises(TypeError, match="k must be an int"):
        da.diag(x, 1.5)


DIAGONAL_CASES = [((10, 12), (3, 3)), ((10, 12), (3, 5)), ((10, 12), ((4, 6), (5, 7))),
                  ((10, 12), (10, 12)), ((7, 4), (2, 3))]


@pytest.mark.parametrize("shape,chunks", DIAGONAL_CASES)
def test_diagonal(shape, chunks):
    src = np.arange(np.prod(shape), dtype=float).reshape(shape)
    x, d = pair(src, chunks)
    for k in [0, 1, -2, 5, -6, shape[1] - 1, -shape[0] + 1, shape[1], -shape[0], 40]:
        for axes in [(0, 1), (1, 0), (-1, -2)]:
            ours, theirs = da.diagonal(x, k, *axes), dda.diagonal(d, k, *axes)
            same(ours, np.diagonal(src, k, *axes), (k, axes))
            assert ours.chunks == theirs.chunks, (k, axes)
            a, b = added(ours, x, theirs, d)
            if ours.shape[-1] == 0:
                # empty: 'empty' blocks, x not in the graph (nor d in Dask's)
                assert ntasks(ours) == ntasks(theirs), (k, axes)
            elif len(ours.chunks[-1]) > 1:
                # a getitem, a 'diagonal' and a concatenate task per piece, where
                # Dask reads the piece straight from the block
                assert a == 3 * b, (k, axes)
            else:
                assert a in (b, 2 * b), (k, axes)


def test_diagonal_with_more_axes():
    src = np.arange(2 * 10 * 3 * 12.0).reshape(2, 10, 3, 12)
    x, d = pair(src, (1, 3, 2, 5))
    for k, a1, a2 in [(0, 1, 3), (2, 3, 1), (-3, 1, 3), (1, 0, 2), (0, -1, 0)]:
        ours, theirs = da.diagonal(x, k, a1, a2), dda.diagonal(d, k, a1, a2)
        same(ours, np.diagonal(src, k, a1, a2), (k, a1, a2))
        assert ours.chunks == theirs.chunks
        a, b = added(ours, x, theirs, d)
        assert a == 3 * b
    # nothing on the diagonal: empty, in the other axes' chunks
    ours, theirs = da.diagonal(x, 20, 1, 3), dda.diagonal(d, 20, 1, 3)
    same(ours, np.diagonal(src, 20, 1, 3))
    assert ours.chunks == theirs.chunks


def test_diagonal_refuses():
    x = da.ones((4, 5), chunks=2)
    with pytest.raises(ValueError, match="at least two dimensions"):
        da.diagonal(da.ones(3, chunks=2))
    with pytest.raises(ValueError, match="cannot be the same"):
        da.diagonal(x, 0, 1, -1)
    with pytest.raises(np.AxisError):
        da.diagonal(x, 0, 0, 2)
    with pytest.raises(TypeError, match="offset must be an int"):
        da.diagonal(x, 0.5)


@pytest.mark.parametrize("dtype", ["f8", "i2", "u1", "?", "c16"])
def test_trace(dtype):
    src = (np.arange(30) % 7).reshape(5, 6).astype(dtype)
    x, d = pair(src, (2, 4))
    for k in [0, 1, -2, 9]:
        ours, theirs = da.trace(x, k), dda.trace(d, k)
        same(ours, np.trace(src, k), k)
        assert ours.dtype == theirs.dtype
        same(x.trace(k), np.trace(src, k))
    if dtype != "c16":
        same(da.trace(x, dtype="f4"), np.trace(src, dtype="f4"))
    cube = np.arange(60.0).reshape(3, 4, 5)
    same(da.trace(da.from_array(cube, chunks=2), 1, 2, 0), np.trace(cube, 1, 2, 0))
    same(da.from_array(cube, chunks=2).trace(axis1=1, axis2=2), cube.trace(axis1=1, axis2=2))


# --- einsum ----------------------------------------------------------------------------------

A, B, C = RNG.rand(6, 7), RNG.rand(7, 5), RNG.rand(6, 6)
V, W = RNG.rand(7), RNG.rand(6)
E3 = RNG.rand(2, 6, 7)

EINSUMS = [("ij,jk->ik", (A, B)), ("ij,jk", (A, B)), ("ij->ji", (A,)), ("ij", (A,)),
           ("ij,j->i", (A, V)), ("ij->", (A,)), ("i,i", (V, V * 2)), ("i,j->ij", (W, V)),
           ("...j,jk->...k", (A, B)), ("ij,ik->jk", (A, C)), ("aij,jk->aik", (E3, B)),
           ("aij->ja", (E3,)), ("...ij->...", (E3,)), ("ij,kj,ik", (A, A * 2, C)),
           ("bij,bik->bjk", (E3, E3 * 2))]


@pytest.mark.parametrize("subscripts,ops", EINSUMS)
def test_einsum(subscripts, ops):
    ours_in = [da.from_array(o, chunks=3) for o in ops]
    theirs_in = [dda.from_array(o, chunks=3) for o in ops]
    ours, theirs = da.einsum(subscripts, *ours_in), dda.einsum(subscripts, *theirs_in)
    want = np.einsum(subscripts, *ops)
    got = ours.compute()
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert got.shape == want.shape and ours.dtype == theirs.dtype == want.dtype
    assert ours.chunks == theirs.chunks
    # one blockwise 'chunk_einsum' layer, then sum's: Dask's task counts
    assert ntasks(ours) - sum(ntasks(o) for o in ours_in) == \
        ntasks(theirs) - sum(ntasks(o) for o in theirs_in)
    assert any(l["name"].startswith("chunk_einsum-") for l in ours._layers())


def test_einsum_dtypes_and_forms():
    i8 = (np.arange(42) % 5).reshape(6, 7).astype("i1")
    x, d = da.from_array(i8, chunks=3), dda.from_array(i8, chunks=3)
    ours, theirs = da.einsum("ij,ij->i", x, x), dda.einsum("ij,ij->i", d, d)
    # Dask's dtype: the contraction's sum makes small integers int64 (NumPy keeps int8)
    assert ours.dtype == theirs.dtype == np.int64
    same(ours, np.einsum("ij,ij->i", i8.astype("i8"), i8.astype("i8")))
    same(da.einsum("ij->ji", x), i8.T)   # no contraction: int8 kept, as Dask's
    # booleans: NumPy's any, where Dask counts the blocks
    bm = i8 > 2
    bx = da.from_array(bm, chunks=3)
    same(da.einsum("ij,kj->ik", bx, bx), np.einsum("ij,kj->ik", bm, bm))
    # dtype= is the kernel's and the result's
    xa, xb = da.from_array(A, chunks=3), da.from_array(B, chunks=4)
    r = da.einsum("ij,jk->ik", xa, xb, dtype="f4", casting="unsafe")
    assert r.dtype == np.float32
    np.testing.assert_allclose(r.compute(), np.einsum("ij,jk->ik", A, B, dtype="f4",
                                                      casting="unsafe"), rtol=1e-6)
    with pytest.raises(TypeError, match="casting='unsafe'"):
        da.einsum("ij,jk->ik", xa, xb, dtype="f4")
    # the interleaved form, optimize=, split_every=
    xa, xb = da.from_array(A, chunks=2), da.from_array(B, chunks=2)
    np.testing.assert_allclose(da.einsum(xa, [0, 1], xb, [1, 2], [0, 2]).compute(), A @ B)
    np.testing.assert_allclose(da.einsum(xa, [Ellipsis, 1], [Ellipsis]).compute(), A.sum(1))
    np.testing.assert_allclose(da.einsum("ij,jk,kl", xa, xb, da.from_array(B.T, chunks=2),
                                         optimize=True).compute(), A @ B @ B.T)
    ours = da.einsum("ij->", xa, split_every=2)
    theirs = dda.einsum("ij->", dda.from_array(A, chunks=2), split_every=2)
    assert ntasks(ours) - ntasks(xa) == ntasks(theirs) - ntasks(dda.from_array(A, chunks=2))
    np.testing.assert_allclose(ours.compute(), A.sum())
    # NumPy's operands become one-block dusk arrays
    np.testing.assert_allclose(da.einsum("ij,jk", A, xb).compute(), A @ B)
    # np.einsum dispatches
    assert isinstance(np.einsum("ij,jk", xa, xb), da.Array)


def test_einsum_repeated_index():
    # the operand's diagonal first: Dask's chunks where its blockwise reads
    # the index as it is (axes chunked alike)
    for subscripts in ["ii->i", "ii", "ij,jj->i"]:
        n = subscripts.split("->")[0].count(",") + 1
        x, d = pair(C, 2)
        ours = da.einsum(subscripts, *((x,) * n))
        np.testing.assert_allclose(ours.compute(), np.einsum(subscripts, *((C,) * n)))
        assert ours.chunks == dda.einsum(subscripts, *((d,) * n)).chunks
        # axes chunked differently: Dask's blocks do not align ("Shapes do
        # not align" when computed); dusk's diagonal follows both
        x = da.from_array(C, chunks=(2, 4))
        np.testing.assert_allclose(da.einsum(subscripts, *((x,) * n)).compute(),
                                   np.einsum(subscripts, *((C,) * n)))
    cube = RNG.rand(4, 3, 4)
    np.testing.assert_allclose(da.einsum("iji->j", da.from_array(cube, chunks=2)).compute(),
                               np.einsum("iji->j", cube))


def test_einsum_refuses():
    x, y = da.ones((3, 4), chunks=2), da.ones((4, 5), chunks=2)
    with pytest.raises(ValueError, match="invalid subscript '1'"):
        da.einsum("i1", x)
    with pytest.raises(ValueError, match="'->'"):
        da.einsum("ij->->ij", x)
    with pytest.raises(ValueError, match="multiple times"):
        da.einsum("ij->ii", x)
    with pytest.raises(ValueError, match="did not appear"):
        da.einsum("ij->k", x)
    with pytest.raises(ValueError, match="name 2 operands, but 1"):
        da.einsum("ij,jk", x)
    with pytest.raises(ValueError, match="name 1 axes of an operand of 2"):
        da.einsum("i", x)
    with pytest.raises(ValueError, match="lengths 4 and 3"):
        da.einsum("ij,ji", x, x)
    with pytest.raises(ValueError, match="don't match"):
        da.einsum("ii", x)
    with pytest.raises(ValueError, match="ellipsis"):
        da.einsum("..i", x)
    with pytest.raises(ValueError, match="No input operands"):
        da.einsum()
    with pytest.raises(ValueError, match="subscripts are ints"):
        da.einsum(x, [0, "a"])
    with pytest.raises(TypeError, match="out="):
        da.einsum("ij,jk", x, y, out=np.empty((3, 5)))


# --- apply_along_axis, apply_over_axes ---------------------------------------------------------

SRC = RNG.rand(6, 7)


def top_two(r):
    return np.sort(r)[-2:]


@pytest.mark.parametrize("func,axis,kw", [(np.sum, 0, {}), (np.cumsum, 1, {"shape": (7,)}),
                                          (top_two, 0, {"shape": (2,)}),
                                          (top_two, -1, {"shape": (2,), "dtype": "f8"}),
                                          (lambda r: np.outer(r, r)[:2], 0, {"shape": (2, 6)}),
                                          (np.argmax, 1, {})])
def test_apply_along_axis(func, axis, kw):
    x, d = pair(SRC, (4, 3))
    ours = da.apply_along_axis(func, axis, x, **kw)
    theirs = dda.apply_along_axis(func, axis, d, **kw)
    same(ours, np.apply_along_axis(func, axis, SRC))
    assert ours.chunks == theirs.chunks and ours.dtype == theirs.dtype
    a, b = added(ours, x, theirs, d)
    assert a == b   # a rechunk of the axis to one block, then a task per block
    assert ours.name.startswith(dda.core.funcname(func) + "-along-axis-")


def test_apply_along_axis_arguments_and_refusals():
    x = da.from_array(SRC, chunks=(4, 3))
    same(da.apply_along_axis(np.percentile, 1, x, 30, method="lower"),
         np.apply_along_axis(np.percentile, 1, SRC, 30, method="lower"))
    same(da.apply_along_axis(lambda r: r.sum() > 3, 1, x), SRC.sum(1) > 3)
    same(da.apply_along_axis(np.sum, 0, x, dtype="f4", shape=()), SRC.sum(0).astype("f4"))
    # a shape guessed from a one-element call that the blocks do not give:
    # an error naming shape=, when computed
    with pytest.raises(ValueError, match="give shape="):
        da.apply_along_axis(np.cumsum, 1, x).compute()
    with pytest.raises(np.AxisError):
        da.apply_along_axis(np.sum, 2, x)
    with pytest.raises(TypeError, match="callable"):
        da.apply_along_axis("sum", 0, x)


def test_apply_over_axes():
    x, d = pair(SRC, (4, 3))
    for axes in [0, [0, 1], (1,), [-1, 0]]:
        ours, theirs = da.apply_over_axes(np.sum, x, axes), dda.apply_over_axes(np.sum, d, axes)
        same(ours, np.apply_over_axes(np.sum, SRC, axes), axes)
        assert ours.chunks == theirs.chunks, axes
        a, b = added(ours, x, theirs, d)
        assert a == b, axes
    with pytest.raises(ValueError, match="preserve dimensionality"):
        da.apply_over_axes(lambda a, axis: np.outer(a, a), x, 0)


# --- bincount ----------------------------------------------------------------------------------

@pytest.mark.parametrize("chunks", [7, 50, 1, ((20, 0, 30),)])
@pytest.mark.parametrize("dtype", ["i8", "u1", "i2", "?"])
def test_bincount(chunks, dtype):
    src = RNG.randint(0, 2 if dtype == "?" else 10, 50).astype(dtype)
    x, d = pair(src, chunks)
    ours, theirs = da.bincount(x, minlength=12), dda.bincount(d, minlength=12)
    same(ours, np.bincount(src, minlength=12))
    assert ours.chunks == theirs.chunks == ((12,),) and ours.dtype == theirs.dtype
    # Dask sums the blocks' counts in its tree; dusk's sum adds its first
    # step, a task per block
    a, b = added(ours, x, theirs, d)
    assert a == b + x.npartitions
    w = RNG.rand(50)
    xw, dw = pair(w, chunks)
    ours, theirs = da.bincount(x, xw, minlength=10), dda.bincount(d, dw, minlength=10)
    np.testing.assert_allclose(ours.compute(), np.bincount(src, w, minlength=10))
    assert ours.dtype == theirs.dtype == np.float64 and ours.chunks == theirs.chunks
    same(np.bincount(x, minlength=12), np.bincount(src, minlength=12))   # dispatched


def test_bincount_refuses():
    x = da.from_array(np.array([0, 3, 1, 3]), chunks=2)
    with pytest.raises(ValueError, match="give minlength"):
        da.bincount(x)
    with pytest.raises(ValueError, match="must not be negative"):
        da.bincount(x, minlength=-1)
    with pytest.raises(ValueError, match="one dimensional"):
        da.bincount(da.ones((2, 2), dtype=int, chunks=1), minlength=2)
    with pytest.raises(TypeError, match="integers"):
        da.bincount(da.ones(3, chunks=1), minlength=2)
    with pytest.raises(ValueError, match="Chunks of input array x and weights must match"):
        da.bincount(x, da.ones(4, chunks=3), minlength=4)
    with pytest.raises(ValueError, match="x holds 3, past minlength=2"):
        da.bincount(x, minlength=2).compute()
    with pytest.raises(ValueError, match="negative"):
        da.bincount(x - 2, minlength=4).compute()
    same(da.bincount(x, split_every=2, minlength=5), np.bincount([0, 3, 1, 3], minlength=5))


# --- percentile --------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["f8", "f4", "f2", "i4", "u1", "i8"])
@pytest.mark.parametrize("chunks", [7, 50, 1, ((10, 0, 40),)])
@pytest.mark.parametrize("method", ["linear", "lower", "higher", "midpoint", "nearest"])
def test_percentile_as_dask(dtype, chunks, method):
    src = (RNG.rand(50) * 100).astype(dtype)
    x, d = pair(src, chunks)
    for q in [[0, 10, 50, 90, 100], 37.5, [25, 75], np.array([33.3, 1], "f4"), [50]]:
        ours, theirs = da.percentile(x, q, method=method), dda.percentile(d, q, method=method)
        got, want = ours.compute(), theirs.compute()
        # NumPy's dtype (Dask declares float64 for integers where lower,
        # higher and nearest compute theirs), Dask's chunks
        assert ours.dtype == got.dtype == np.percentile(src, [50], method=method).dtype, q
        assert ours.chunks == theirs.chunks, q
        # Dask's values (its merge of the blocks' percentiles)
        np.testing.assert_array_equal(got, want.astype(ours.dtype), err_msg=str(q))
        a, b = added(ours, x, theirs, d)
        assert a == b   # a 'percentile_chunk' task per block, one 'percentile'
    if x.npartitions == 1:
        same(da.percentile(x, [10, 50], method=method),
             np.percentile(src, [10, 50], method=method).astype(ours.dtype))


def test_percentile_approximates_numpy():
    # Dask's merge reads each block at q only (and 0 and 100): coarse for a
    # few q over many blocks, closer for many q
    src = np.random.RandomState(1).normal(size=2000)
    x = da.from_array(src, chunks=100)
    q = [5, 25, 50, 75, 95]
    got = da.percentile(x, q).compute()
    want = dda.percentile(dda.from_array(src, chunks=100), q).compute()
    np.testing.assert_array_equal(got, want)
    assert np.abs(got - np.percentile(src, q)).max() > 0.1   # Dask's, not NumPy's
    q = np.linspace(0, 100, 101)
    got = da.percentile(x, q).compute()
    np.testing.assert_allclose(got[5:-5], np.percentile(src, q)[5:-5], atol=0.15)
    assert isinstance(np.percentile(x, 50), da.Array)


def test_percentile_refuses():
    x = da.arange(10.0, chunks=3)
    with pytest.raises(NotImplementedError, match="1-d"):
        da.percentile(da.ones((2, 2), chunks=1), 50)
    with pytest.raises(ValueError, match=r"range \[0, 100\]"):
        da.percentile(x, [10, 101])
    with pytest.raises(ValueError, match=r"range \[0, 100\]"):
        da.percentile(x, np.nan)
    with pytest.raises(ValueError, match="method must be one of"):
        da.percentile(x, 50, method="cubic")
    with pytest.raises(ValueError, match="1-d sequence"):
        da.percentile(x, [[10, 20]])
    with pytest.raises(TypeError, match="integers and floats"):
        da.percentile(x.astype("c16"), 50)
    with pytest.raises(NotImplementedError, match="t-digest"):
        da.percentile(x, 50, internal_method="tdigest")
    with pytest.warns(FutureWarning, match="internal_method"):
        same(da.percentile(x, [50], method="dask"),
             dda.percentile(dda.arange(10.0, chunks=3), [50]).compute())
    with pytest.raises(ValueError, match="No non-trivial arrays"):
        da.percentile(da.ones(0, chunks=1), 50).compute()


# --- searchsorted ------------------------------------------------------------------------------

@pytest.mark.parametrize("chunks", [7, 50, 1, ((20, 0, 30),)])
@pytest.mark.parametrize("side", ["left", "right"])
def test_searchsorted(chunks, side):
    a = np.sort(RNG.randint(0, 20, 50)).astype(float)
    v = np.array([[-1, 0, 3.5, 7], [19, 20, 25, 10]])
    x, d = pair(a, chunks)
    xv, dv = pair(v, (1, 3))
    ours, theirs = da.searchsorted(x, xv, side), dda.searchsorted(d, dv, side)
    same(ours, np.searchsorted(a, v, side))
    assert ours.chunks == theirs.chunks and ours.dtype == theirs.dtype
    # Dask's layers; its offsets' from_array has no 'original-array' task
    assert ntasks(ours) - ntasks(x) - ntasks(xv) == ntasks(theirs) - ntasks(d) - ntasks(dv) + 1
    same(da.searchsorted(x, da.from_array(v[0], chunks=2), side), np.searchsorted(a, v[0], side))
    same(da.searchsorted(x, 3.5, side), np.searchsorted(a, 3.5, side))
    same(np.searchsorted(x, xv, side), np.searchsorted(a, v, side))   # dispatched


def test_searchsorted_refuses():
    x = da.arange(5, chunks=2)
    with pytest.raises(ValueError, match="one dimensional"):
        da.searchsorted(da.ones((2, 2), chunks=1), x)
    with pytest.raises(NotImplementedError, match="sorter"):
        da.searchsorted(x, x, sorter=np.arange(5))
    with pytest.raises(ValueError, match="side must be"):
        da.searchsorted(x, x, side="middle")
    same(da.searchsorted(da.ones(0, chunks=1), x), np.zeros(5, dtype=np.intp))


def test_numpy_dispatch():
    x = da.from_array(np.arange(12.0).reshape(3, 4), chunks=2)
    for f, want in [(lambda m: np.diag(m, 1), np.diag),
                    (lambda m: np.diagonal(m, -1), np.diagonal),
                    (lambda m: np.trace(m), np.trace),
                    (lambda m: np.apply_along_axis(np.sum, 0, m), np.apply_along_axis),
                    (lambda m: np.apply_over_axes(np.sum, m, [1]), np.apply_over_axes)]:
        r = f(x)
        assert isinstance(r, da.Array), want
        np.testing.assert_array_equal(r.compute(), f(x.compute()))
    for name in ["diag", "diagonal", "trace", "einsum", "apply_along_axis", "apply_over_axes",
                 "bincount", "percentile", "searchsorted"]:
        assert name in da.__all__, name
