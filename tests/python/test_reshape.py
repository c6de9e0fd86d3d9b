"""dusk.array's reshape, ravel and flatten, and cumsum/cumprod(axis=None) of N-d
arrays: values against NumPy, layers, task counts and chunks against dask.array."""
import collections

import numpy as np
import pytest

import dusk.array as da

dda = pytest.importorskip("dask.array")


def layers(x):
    """A graph's layers as a multiset of (name without its token, tasks)."""
    if isinstance(x, da.Array):
        pairs = [(l["name"], l["ntasks"]) for l in x._layers()]
    else:
        pairs = [(k, len(v)) for k, v in x.__dask_graph__().layers.items()]
    return collections.Counter((name.rsplit("-", 1)[0], n) for name, n in pairs)


def same_graph(ours, theirs, ours_in, theirs_in, what):
    """What ours adds to ours_in is what theirs adds to theirs_in (from_array's
    own layers differ: dusk keeps an 'original-array' task)."""
    assert layers(ours) - layers(ours_in) == layers(theirs) - layers(theirs_in), what
    assert ours._ntasks - ours_in._ntasks == (len(theirs.__dask_graph__())
                                              - len(theirs_in.__dask_graph__())), what


CASES = [
    ((12,), 5, (3, 4)), ((12,), 5, (4, -1)), ((6, 4), (2, 2), (24,)), ((6, 4), (2, 4), -1),
    ((6, 4), (1, 2), (24,)), ((6, 5, 4), (3, 2, 2), (3, 2, 5, 4)), ((6, 5, 4), (3, 2, 2), (30, 4)),
    ((24,), 7, (2, 3, 4)), ((4, 1, 6), (2, 1, 3), (4, 6)), ((4, 6), (2, 3), (4, 1, 6, 1)),
    ((4, 6), (4, 6), (2, 12)), ((10, 12), ((1, 1, 5, 3), (5, 7)), (-1,)),
    ((2, 3, 4), 1, (24,)), ((12, 10), (5, 3), (3, 4, 10)), ((7, 4), ((7,), (2, 2)), (28,)),
    ((2, 3, 4, 5), (1, 3, 2, 5), (6, 20)), ((24, 5), (7, 5), (2, 3, 4, 5)), ((), (), (1, 1)),
]


@pytest.mark.parametrize("dtype", ["f8", "i2", "u1", "?", "c8"])
@pytest.mark.parametrize("shape,chunks,out", CASES)
def test_reshape_as_numpy_and_dask(shape, chunks, out, dtype):
    a = (np.arange(int(np.prod(shape))) * 7 % 11).astype(dtype).reshape(shape)
    x, d = da.from_array(a, chunks=chunks), dda.from_array(a, chunks=chunks)
    assert x.chunks == d.chunks
    r, w = x.reshape(out), d.reshape(out)
    want = a.reshape(out)
    assert r.shape == want.shape and r.chunks == w.chunks and r.dtype == want.dtype
    same_graph(r, w, x, d, (shape, chunks, out))
    np.testing.assert_array_equal(r.compute(), want)
    np.testing.assert_array_equal(da.reshape(x, out).compute(scheduler="sync"), want)


def test_the_spellings_of_a_shape():
    a = np.arange(24.0)
    x = da.from_array(a, chunks=5)
    for args in ((4, 6), ((4, 6),), ([4, 6],), (np.int64(4), -1), (np.array([4, 6]),)):
        np.testing.assert_array_equal(x.reshape(*args).compute(), a.reshape(4, 6))
    np.testing.assert_array_equal(da.reshape(x, 24).compute(), a)
    # an unchanged shape, or ravel of 1-d, is the array itself, as in Dask
    assert x.reshape(24) is x and x.ravel() is x and x.reshape(-1) is x
    y = x.reshape(2, 3, 4)
    for r in (y.ravel(), y.flatten(), da.ravel(y), y.reshape(-1)):
        np.testing.assert_array_equal(r.compute(), a)
        assert r.chunks == dda.from_array(a, chunks=5).reshape(2, 3, 4).ravel().chunks


def test_merge_chunks_false_as_dask():
    a = np.arange(24).reshape(2, 3, 4)
    for chunks in ((1, 2, 3), (2, 2, 3), (2, 3, 4)):
        x, d = da.from_array(a, chunks=chunks), dda.from_array(a, chunks=chunks)
        r, w = x.reshape((6, 4), merge_chunks=False), d.reshape((6, 4), merge_chunks=False)
        assert r.chunks == w.chunks, chunks
        same_graph(r, w, x, d, chunks)
        np.testing.assert_array_equal(r.compute(), a.reshape(6, 4))


def test_bad_shapes_get_numpys_and_dasks_errors():
    x = da.arange(12, chunks=5)
    with pytest.raises(ValueError, match=r"cannot reshape array of size 12 into shape \(5,\)"):
        x.reshape(5)
    with pytest.raises(ValueError, match=r"cannot reshape array of size 12 into shape "
                                         r"\(3,newaxis,5\)"):
        x.reshape(3, -1, 5)
    with pytest.raises(ValueError, match="can only specify one unknown dimension"):
        x.reshape(-1, -1)
    with pytest.raises(ValueError, match="negative dimensions are not allowed: -2"):
        x.reshape(-2, -6)
    with pytest.raises(TypeError, match="'float' object cannot be interpreted as an integer"):
        x.reshape(2.0, 6)
    with pytest.raises(TypeError, match="cannot be interpreted as an integer"):
        da.reshape(x, (2, "6"))
    with pytest.raises(ValueError, match="maximum supported dimension for an ndarray is 32"):
        x.reshape((1,) * 33)
    # what Dask does not build, dusk does not either (NotImplementedError)
    y = da.ones((6, 5, 4), chunks=(3, 2, 2))
    with pytest.raises(NotImplementedError, match="only merges or splits existing axes evenly"):
        y.reshape(4, 5, 6)
    with pytest.raises(NotImplementedError):
        dda.ones((6, 5, 4), chunks=(3, 2, 2)).reshape(4, 5, 6)
    with pytest.raises(NotImplementedError, match="limit="):
        y.reshape(30, 4, limit="1 MiB")


@pytest.mark.parametrize("chunks", [(3, 2), (10, 7), (1, 3), ((4, 6), (2, 5))])
@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
def test_cumulative_of_the_flattened_array(name, chunks):
    a = np.random.RandomState(3).randint(-2, 3, (10, 7)).astype("i4")
    x, d = da.from_array(a, chunks=chunks), dda.from_array(a, chunks=chunks)
    for r, w in ((getattr(x, name)(), getattr(dda, name)(d)),
                 (getattr(da, name)(x, axis=None), getattr(dda, name)(d, axis=None)),
                 (getattr(np, name)(x), getattr(dda, name)(d))):
        assert r.shape == w.shape and r.chunks == w.chunks and r.dtype == w.dtype
        same_graph(r, w, x, d, (name, chunks))
        np.testing.assert_array_equal(r.compute(), getattr(np, name)(a))
    # 3-d, floats, and a 0-d array
    b = np.linspace(0.5, 1.5, 60).reshape(3, 4, 5)
    y = da.from_array(b, chunks=(2, 2, 5))
    np.testing.assert_allclose(getattr(y, name)().compute(), getattr(np, name)(b), rtol=1e-12)
    z = da.from_array(np.array(3, dtype="i2"))
    np.testing.assert_array_equal(getattr(z, name)().compute(), getattr(np, name)(np.int16(3)))
