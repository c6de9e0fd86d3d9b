"""dusk.array's diag, diagonal, trace, einsum, apply_along_axis, apply_over_axes,
bincount, percentile and searchsorted, built from its operations: values and
dtypes against NumPy (percentile's against Dask's, its approximation), chunks and
task counts against dask.array."""
import numpy as np
import pytest

import dusk.array as da

dda = pytest.importorskip("dask.array")


def same(ours, want, what=""):
    got = ours.compute()
    assert got.dtype == np.asarray(want).dtype, what
    assert got.shape == np.shape(want), what
    np.testing.assert_array_equal(got, want, err_msg=str(what))


def ntasks(x):
    return x._ntasks if isinstance(x, da.Array) else len(x.__dask_graph__())


def pair(src, chunks):
    return da.from_array(src, chunks=chunks), dda.from_array(src, chunks=chunks)


def added(ours, ours_in, theirs, theirs_in):
    """The tasks each graph adds to its input's (from_array's differ: dusk
    keeps an 'original-array' task that Dask's has not)."""
    return ntasks(ours) - ntasks(ours_in), ntasks(theirs) - ntasks(theirs_in)


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
