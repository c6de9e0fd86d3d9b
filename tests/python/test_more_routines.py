"""More of dask.array's functions, built from dusk.array's operations as Dask builds
them (median, nanmedian, topk, argtopk, moment, ...): values and dtypes against
NumPy, chunks and task counts against dask.array; bad input refused, named."""
import builtins
import warnings

import numpy as np
import pytest

import dusk.array as da

dda = pytest.importorskip("dask.array")

from compare import same, close, ntasks, pair, added  # noqa: E402


RNG = np.random.RandomState(0)


# --- median, nanmedian ---------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["f8", "f4", "i8", "u1", "?"])
@pytest.mark.parametrize("chunks", [(3, 4), (6, 10), (2, 3)])
def test_median(dtype, chunks):
    src = (RNG.rand(6, 10) * 10).astype(dtype)
    x, d = pair(src, chunks)
    for axis in [0, 1, -1, (0, 1)]:
        for keepdims in [False, True]:
            ours, theirs = da.median(x, axis=axis, keepdims=keepdims), \
                dda.median(d, axis=axis, keepdims=keepdims)
            same(ours, np.median(src, axis=axis, keepdims=keepdims), (axis, keepdims))
            assert ours.chunks == theirs.chunks, (axis, keepdims)
            a, b = added(ours, x, theirs, d)
            assert a == b, (axis, keepdims)
    # NumPy's function dispatches to dusk's, lazily; axis=None (which Dask
    # refuses) is the whole array
    m = np.median(x, axis=0)
    assert isinstance(m, da.Array)
    same(m, np.median(src, axis=0))
    same(da.median(x), np.median(src))


def test_nanmedian():
    src = RNG.rand(6, 10)
    src[1, 2] = src[4, :3] = np.nan
    src[5, :] = np.nan
    x, d = pair(src, (4, 3))
    for axis in [0, 1, (0, 1)]:
        ours, theirs = da.nanmedian(x, axis=axis), dda.nanmedian(d, axis=axis)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)   # the row of NaNs
            same(ours, np.nanmedian(src, axis=axis), axis)
        assert ours.chunks == theirs.chunks
        assert ntasks(ours) - ntasks(x) == ntasks(theirs) - ntasks(d)
    assert isinstance(np.nanmedian(x, axis=1, keepdims=True), da.Array)


def test_median_refusals():
    x = da.ones((4, 4), chunks=2)
    with pytest.raises(np.AxisError):
        da.median(x, axis=2)
    with pytest.raises(ValueError, match="repeated axis"):
        da.median(x, axis=(0, 0))
    with pytest.raises(TypeError, match="out= must be None"):
        da.median(x, axis=0, out=np.empty(4))


# --- topk, argtopk -------------------------------------------------------------------------

@pytest.mark.parametrize("chunks", [10, 7, 30, 100, ((1, 50, 2, 47),)])
@pytest.mark.parametrize("k", [3, -3, 1, -1, 12, -12, 100, 0])
def test_topk_1d(chunks, k):
    src = RNG.permutation(100).astype("f8")
    x, d = pair(src, chunks)
    order = np.argsort(src)
    want_idx = order[::-1][:k] if k > 0 else order[:-k]
    ours, theirs = da.topk(x, k), dda.topk(d, k)
    same(ours, src[want_idx], k)
    assert ours.chunks == theirs.chunks == ((abs(k),),)
    same(x.topk(k), src[want_idx])
    arg = da.argtopk(x, k)
    same(arg, want_idx.astype(np.intp), k)
    same(x.argtopk(k), want_idx.astype(np.intp), k)
    assert arg.chunks == ((abs(k),),)
    a, b = added(ours, x, theirs, d)
    n = x.numblocks[0]
    # Dask's graph, and a rechunk task more per group that a partial merge reads
    # (none when at most split_every=4 blocks are merged at once)
    extra = 0
    while n > 4:
        n = -(-n // 4)
        extra += n
    assert a == b + extra, (a, b, extra)


@pytest.mark.parametrize("dtype", ["f8", "f4", "f2", "i8", "i2", "u1", "u8", "?", "c16"])
def test_topk_dtypes_and_axes(dtype):
    if dtype == "?":
        src = np.zeros((6, 9), dtype=bool)
        src[RNG.rand(6, 9) > 0.6] = True
    else:
        src = RNG.permutation(54).reshape(6, 9).astype(dtype)
        if dtype == "u8":
            src = src + np.uint64(2**63)   # past int64's range: the order must hold
        if dtype == "c16":
            src = src + 1j * src[::-1]
    x, d = pair(src, (4, 2))
    for axis in [0, 1, -1]:
        for k in [2, -3, 4]:
            ours, theirs = da.topk(x, k, axis=axis), dda.topk(d, k, axis=axis)
            srt = np.sort(src, axis=axis)
            n = src.shape[axis]
            want = np.take(srt, range(n - 1, n - 1 - k, -1) if k > 0 else range(-k), axis=axis)
            same(ours, want, (axis, k))
            assert ours.chunks == theirs.chunks
            if dtype != "?":   # distinct values: one answer
                idx = np.argsort(src, axis=axis)
                want = np.take(idx, range(n - 1, n - 1 - k, -1) if k > 0 else range(-k), axis=axis)
                same(da.argtopk(x, k, axis=axis), want.astype(np.intp), (axis, k))
                with warnings.catch_warnings():
                    # Dask's meta of complex input casts to intp
                    warnings.simplefilter("ignore", np.ComplexWarning)
                    theirs = dda.argtopk(d, k, axis=axis)
                same(da.argtopk(x, k, axis=axis), theirs.compute(), (axis, k))


def test_topk_split_every():
    src = RNG.permutation(200).astype("i4")
    x, d = pair(src, 5)
    for s in [2, 3, 16, 100]:
        ours, theirs = da.topk(x, -7, split_every=s), dda.topk(d, -7, split_every=s)
        same(ours, np.sort(src)[:7], s)
        same(da.argtopk(x, 5, split_every=s), np.argsort(src)[::-1][:5].astype(np.intp), s)
        assert ours.chunks == theirs.chunks
    assert da.topk(x, 3).name.startswith("topk_aggregate-aggregate-")
    assert da.topk(x, 3).name == da.topk(x, 3).name
    assert da.topk(x, 3).name != da.topk(x, 4).name


def test_topk_refusals():
    x = da.arange(10, chunks=3)
    for f in (da.topk, da.argtopk):
        with pytest.raises(ValueError, match="k=11 is out of range"):
            f(x, 11)
        with pytest.raises(ValueError, match="k=-11 is out of range"):
            f(x, -11)
        with pytest.raises(TypeError, match="k must be an int"):
            f(x, 2.5)
        with pytest.raises(np.AxisError):
            f(x, 2, axis=1)
        with pytest.raises(ValueError, match="split_every must be at least 2"):
            f(x, 2, split_every=1)
        with pytest.raises(ValueError, match="at least 1 dimension"):
            f(da.from_array(np.float64(3)), 1)


# --- moment --------------------------------------------------------------------------------

def _moment(src, order, axis=None, ddof=0, keepdims=False):
    dt = np.var(np.ones(1, src.dtype)).dtype
    src = src.astype(dt)
    mu = src.mean(axis=axis, keepdims=True)
    n = src.size // max(np.mean(src, axis=axis).size, 1)
    return np.asarray(((src - mu) ** order).sum(axis=axis, keepdims=keepdims) / (n - ddof),
                      dtype=dt)


@pytest.mark.parametrize("dtype", ["f8", "f4", "i8", "u1"])
def test_moment(dtype):
    src = (RNG.rand(7, 12) * 10).astype(dtype)
    x, d = pair(src, (3, 5))
    for order in [2, 3, 4, 5]:
        for axis in [None, 0, 1, (0, 1)]:
            ours, theirs = da.moment(x, order, axis=axis), dda.moment(d, order, axis=axis)
            rtol = 1e-4 if dtype == "f4" else 1e-10
            close(ours, _moment(src, order, axis), (order, axis), rtol)
            close(ours, theirs.compute(), (order, axis), rtol)
            assert ours.chunks == theirs.chunks
    close(x.moment(3, axis=1, ddof=1, keepdims=True), _moment(src, 3, 1, 1, True), rtol=1e-4)
    close(da.moment(x, 2, axis=0, dtype="f4"), dda.moment(d, 2, axis=0, dtype="f4").compute(),
          rtol=1e-5)
    # order 2 is var
    close(da.moment(x, 2, axis=0, ddof=1), np.var(src.astype("f8"), axis=0, ddof=1).astype(
        da.moment(x, 2).dtype), rtol=1e-4)
    for order in [0, 1]:
        ours, theirs = da.moment(x, order, axis=1), dda.moment(d, order, axis=1)
        same(ours, theirs.compute())
        assert ours.chunks == theirs.chunks


def test_moment_refusals():
    x = da.ones((3, 4), chunks=2)
    for order in [-1, 2.0, True]:
        with pytest.raises(ValueError, match="Order must be an integer >= 0"):
            da.moment(x, order)
    with pytest.raises(np.AxisError):
        da.moment(x, 2, axis=3)
    with pytest.raises(TypeError, match="real numbers"):
        da.moment(x.astype("c16"), 2)


# --- repeat, append, insert, delete, compress, ediff1d, vdot, rollaxis ------------------------

SRC = np.arange(24.0).reshape(4, 6)


def check(ours, theirs, want, x, d, extra=0, what=""):
    """Values and dtype NumPy's, chunks Dask's, and the tasks Dask adds (plus
    extra: from_array's 'original' task of a NumPy operand, dusk's layers more)."""
    same(ours, want, what)
    assert ours.chunks == theirs.chunks, what
    a, b = added(ours, x, theirs, d)
    assert a == b + extra, (what, a, b)


@pytest.mark.parametrize("chunks", [(3, 4), (4, 1), (2, 6)])
def test_repeat(chunks):
    x, d = pair(SRC, chunks)
    for axis in [0, 1, -1]:
        for r in [0, 1, 2, 3, 7]:
            check(da.repeat(x, r, axis=axis), dda.repeat(d, r, axis=axis),
                  np.repeat(SRC, r, axis=axis), x, d, what=(axis, r))
    # axis=None: the flattened array, as NumPy's (Dask's refuses it of 2-d arrays)
    same(da.repeat(x, 2), np.repeat(SRC, 2))
    same(np.repeat(x, 3, axis=0), np.repeat(SRC, 3, axis=0))
    with pytest.raises(ValueError, match="may not be negative"):
        da.repeat(x, -1, axis=0)
    with pytest.raises(NotImplementedError, match="one int"):
        da.repeat(x, [1, 2, 1, 1], axis=0)
    with pytest.raises(np.AxisError):
        da.repeat(x, 2, axis=2)


def test_append():
    x, d = pair(SRC, (3, 4))
    check(da.append(x, x, axis=0), dda.append(d, d, axis=0), np.append(SRC, SRC, axis=0), x, d)
    check(da.append(x, x, axis=1), dda.append(d, d, axis=1), np.append(SRC, SRC, axis=1), x, d)
    same(da.append(x, [1, 2]), np.append(SRC, [1, 2]))
    same(np.append(x, x), np.append(SRC, SRC))
    with pytest.raises(ValueError):
        da.append(x, da.ones((2, 5), chunks=2), axis=0)


def test_insert():
    x, d = pair(SRC, (3, 4))
    # a number: broadcast (Dask's is one task and a broadcast_to layer; dusk's
    # from_array, ones and where)
    for obj in [0, 2, 6, -1, [0, 2, 2, 6], slice(1, 5, 2)]:
        ours, theirs = da.insert(x, obj, 7.0, axis=1), dda.insert(d, obj, 7.0, axis=1)
        same(ours, np.insert(SRC, obj, 7.0, axis=1), obj)
        assert ours.chunks == theirs.chunks, obj
    # arrays
    v = np.arange(12.0).reshape(4, 3)
    vx, vd = pair(v, 2)
    check(da.insert(x, [1, 1, 4], vx, axis=1), dda.insert(d, [1, 1, 4], vd, axis=1),
          np.insert(SRC, [1, 1, 4], v, axis=1), x, d, extra=ntasks(vx) - ntasks(vd))
    row = np.arange(6.0)
    check(da.insert(x, 1, row, axis=0), dda.insert(d, 1, dda.from_array(row), axis=0),
          np.insert(SRC, 1, row, axis=0), x, d, extra=1)
    # NumPy's dtype (the array's), NumPy's axis=None
    same(da.insert(x.astype("i8"), 1, 2.7, axis=0), np.insert(SRC.astype("i8"), 1, 2.7, axis=0))
    same(da.insert(x, 3, [1, 2]), np.insert(SRC, 3, [1, 2]))
    same(np.insert(x, 2, 0.5, axis=1), np.insert(SRC, 2, 0.5, axis=1))
    with pytest.raises(IndexError, match="out of bounds"):
        da.insert(x, 8, 1.0, axis=1)
    with pytest.raises(NotImplementedError, match="monotonic"):
        da.insert(x, [3, 1], 1.0, axis=1)
    with pytest.raises(ValueError, match="do not fit"):
        da.insert(x, [1, 2], np.ones((4, 3)), axis=1)
    with pytest.raises(np.AxisError):
        da.insert(x, 1, 1.0, axis=2)


def test_delete():
    x, d = pair(SRC, (3, 4))
    for obj in [0, 5, -1, [0, 3, 5], [4, 1, 1], slice(1, 5, 2), slice(None, None, -2)]:
        check(da.delete(x, obj, axis=1), dda.delete(d, obj, axis=1),
              np.delete(SRC, obj, axis=1), x, d, what=obj)
    same(da.delete(x, [True, False, False, True], axis=0),
         np.delete(SRC, [True, False, False, True], axis=0))
    same(da.delete(x, [0, 23]), np.delete(SRC, [0, 23]))
    same(np.delete(x, 2, axis=0), np.delete(SRC, 2, axis=0))
    with pytest.raises(IndexError, match="out of bounds"):
        da.delete(x, 6, axis=1)
    with pytest.raises(ValueError, match="match the axis length"):
        da.delete(x, [True, False], axis=1)


def test_compress():
    x, d = pair(SRC, (3, 4))
    c = np.array([True, False, True, True, False, True])
    for cond in [c, c[:3], [False] * 6]:
        check(da.compress(cond, x, axis=1), dda.compress(cond, d, axis=1),
              np.compress(cond, SRC, axis=1), x, d, what=cond)
    # longer than the axis but False there: NumPy's (Dask's refuses it)
    same(da.compress(list(c) + [False], x, axis=1), np.compress(list(c) + [False], SRC, axis=1))
    same(da.compress(c[:4], x, axis=0), np.compress(c[:4], SRC, axis=0))
    same(da.compress(np.arange(24) % 5 == 0, x), np.compress(np.arange(24) % 5 == 0, SRC))
    same(da.compress(da.from_array(c), x, axis=1), np.compress(c, SRC, axis=1))
    same(np.compress(c, x, axis=1), np.compress(c, SRC, axis=1))
    with pytest.raises(IndexError, match="out of bounds"):
        da.compress(list(c) + [True], x, axis=1)
    with pytest.raises(ValueError, match="one dimensional"):
        da.compress(np.ones((2, 2), bool), x, axis=1)


def test_ediff1d_vdot_rollaxis():
    x, d = pair(SRC, (3, 4))
    check(da.ediff1d(x), dda.ediff1d(d), np.ediff1d(SRC), x, d)
    # to_begin and to_end: from_array's task each, and an astype to ary's dtype
    check(da.ediff1d(x, to_begin=[1.0, 2.0], to_end=3.0),
          dda.ediff1d(d, to_begin=[1.0, 2.0], to_end=3.0),
          np.ediff1d(SRC, to_begin=[1.0, 2.0], to_end=3.0), x, d, extra=2)
    same(da.ediff1d(x.astype("i2"), to_end=[7]), np.ediff1d(SRC.astype("i2"), to_end=[7]))
    with pytest.raises(TypeError, match="same_kind"):
        da.ediff1d(x.astype("i8"), to_begin=2.5)
    with pytest.raises(TypeError, match="boolean subtract"):
        da.ediff1d(x > 3)   # no subtraction of booleans, as in NumPy
    c = (SRC + 1j * SRC[::-1]).astype("c16")
    cx, cd = pair(c, (3, 4))
    check(da.vdot(cx, cx[::-1]), dda.vdot(cd, cd[::-1]), np.vdot(c, c[::-1]), cx, cd)
    same(np.vdot(x, x), np.vdot(SRC, SRC))
    with pytest.raises(ValueError, match="as many"):
        da.vdot(x, x[:2])
    s3 = np.arange(60).reshape(3, 4, 5)
    y, e = pair(s3, 2)
    for axis, start in [(2, 0), (0, 3), (1, 1), (-1, -2), (0, 2)]:
        check(da.rollaxis(y, axis, start), dda.rollaxis(e, axis, start),
              np.rollaxis(s3, axis, start), y, e, what=(axis, start))
    same(np.rollaxis(y, 2), np.rollaxis(s3, 2))
    with pytest.raises(np.AxisError):
        da.rollaxis(y, 3)
    with pytest.raises(np.AxisError, match="start"):
        da.rollaxis(y, 0, 5)


# --- choose, select, piecewise, coarsen, gradient, fromfunction -------------------------------

SQ = np.arange(24.0).reshape(4, 6) ** 2


def test_choose_select_piecewise():
    x, d = pair(SQ, (2, 3))
    idx = (np.arange(24).reshape(4, 6) % 3)
    i, j = pair(idx, (2, 3))
    # i's from_array keeps an 'original' task that Dask's has not
    check(da.choose(i, [x, -x, 2 * x]), dda.choose(j, [d, -d, 2 * d]),
          np.choose(idx, [SQ, -SQ, 2 * SQ]), x, d, extra=1)
    same(da.choose(i, [x, 5.0, SQ]), np.choose(idx, [SQ, 5.0, SQ]))   # broadcast choices
    same(np.choose(i, [x, -x, x]), np.choose(idx, [SQ, -SQ, SQ]))
    with pytest.raises(TypeError, match="integers"):
        da.choose(x, [x, x])
    with pytest.raises(ValueError, match="broadcast"):
        da.choose(i, [x, da.ones(5, chunks=2)])
    check(da.select([x > 50, x < 5], [x, -x], 7), dda.select([d > 50, d < 5], [d, -d], 7),
          np.select([SQ > 50, SQ < 5], [SQ, -SQ], 7), x, d)
    same(da.select([x > 50], [x.astype("i4")]), np.select([SQ > 50], [SQ.astype("i4")]))
    same(np.select([x > 50], [x]), np.select([SQ > 50], [SQ]))
    with pytest.raises(ValueError, match="same length"):
        da.select([x > 1], [x, x])
    with pytest.raises(ValueError, match="empty condition list"):
        da.select([], [])
    with pytest.raises(TypeError, match="boolean"):
        da.select([x], [x])
    funcs = [lambda v: -v, lambda v: v * 2, 0.5]
    check(da.piecewise(x, [x < 5, x > 100], funcs), dda.piecewise(d, [d < 5, d > 100], funcs),
          np.piecewise(SQ, [SQ < 5, SQ > 100], funcs), x, d)
    same(np.piecewise(x, [x < 5], [1.0, 2.0]), np.piecewise(SQ, [SQ < 5], [1.0, 2.0]))
    with pytest.raises(ValueError, match="functions are expected"):
        da.piecewise(x, [x < 5], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="shape"):
        da.piecewise(x, [x[:2] < 5], [1.0])


@pytest.mark.parametrize("chunks", [(2, 3), (3, 4), (4, 6), ((1, 3), (5, 1))])
def test_coarsen(chunks):
    x, d = pair(SQ, chunks)
    for red in [np.sum, np.mean, np.max, da.min]:
        for axes in [{0: 2, 1: 3}, {1: 2}, {0: 4}, {0: 1, 1: 6}]:
            ours = da.coarsen(red, x, axes)
            theirs = dda.coarsen(getattr(np, red.__name__), d, axes)
            shape = [v for n, f in ((n, axes.get(i, 1)) for i, n in enumerate(SQ.shape))
                     for v in (n // f, f)]
            want = getattr(np, red.__name__)(SQ.reshape(shape), axis=(1, 3))
            check(ours, theirs, want, x, d, what=(red, axes))
    t = da.coarsen(np.sum, x, {1: 4}, trim_excess=True)
    assert t.chunks == dda.coarsen(np.sum, d, {1: 4}, trim_excess=True).chunks
    same(t, SQ[:, :4].reshape(4, 1, 4).sum(axis=2))
    with pytest.raises(ValueError, match="do not align"):
        da.coarsen(np.sum, x, {1: 4})
    with pytest.raises(np.AxisError):
        da.coarsen(np.sum, x, {2: 2})
    with pytest.raises(ValueError, match="at least 1"):
        da.coarsen(np.sum, x, {0: 0})
    with pytest.raises(TypeError, match="dict"):
        da.coarsen(np.sum, x, (2, 2))


def test_gradient():
    x, d = pair(SQ, (2, 3))
    coords = np.arange(6.0) ** 1.5
    for args, kw in [((), {}), ((2.0,), {}), ((2.0, coords), {}), ((), {"axis": 1}),
                     ((), {"axis": (1, 0)}), ((), {"axis": 1, "edge_order": 2}),
                     ((coords,), {"axis": -1})]:
        ours, theirs = da.gradient(x, *args, **kw), dda.gradient(d, *args, **kw)
        want = np.gradient(SQ, *args, **kw)
        if isinstance(want, list):
            assert isinstance(ours, list) and len(ours) == len(want)
            for o, t, w in zip(ours, theirs, want):
                np.testing.assert_allclose(o.compute(), w, rtol=1e-13)
                assert o.chunks == t.chunks
        else:
            np.testing.assert_allclose(ours.compute(), want, rtol=1e-13)
            assert ours.chunks == theirs.chunks
    # integers are differentiated as floats, as NumPy's
    np.testing.assert_allclose(da.gradient(x.astype("i4"), axis=0).compute(),
                               np.gradient(SQ.astype("i4"), axis=0))
    assert isinstance(np.gradient(x, axis=0), da.Array)
    # one axis: an array, as NumPy's (Dask's is a list of one)
    same(da.gradient(x, axis=(1,)), np.gradient(SQ, axis=(1,)))
    same(da.gradient(x[0]), np.gradient(SQ[0]))
    with pytest.raises(ValueError, match="Chunk size must be larger"):
        da.gradient(da.from_array(SQ, chunks=(3, 3)), axis=0)
    with pytest.raises(ValueError, match="edge_order"):
        da.gradient(x, edge_order=3)
    with pytest.raises(TypeError, match="Spacing"):
        da.gradient(x, 1.0, 2.0, 3.0)
    with pytest.raises(ValueError, match="coordinates"):
        da.gradient(x, np.arange(5.0), axis=1)


def test_fromfunction():
    for shape, chunks, dtype in [((5, 7), 3, None), ((5, 7), (5, 2), int), ((4,), 2, "f4")]:
        f = (lambda i, j: i * 10 + j) if len(shape) == 2 else (lambda i: i ** 2)
        ours = da.fromfunction(f, shape=shape, chunks=chunks, dtype=dtype)
        theirs = dda.fromfunction(f, shape=shape, chunks=chunks, dtype=dtype)
        same(ours, np.fromfunction(f, shape, dtype=dtype or float), shape)
        assert ours.chunks == theirs.chunks
        # an arange per axis (dusk's counts in int64 or float64: an astype to
        # another dtype), one task per block; Dask broadcasts the aranges to the
        # whole grid first (meshgrid), dusk's tasks make the grid of their block
        ranges = builtins.sum(ours.numblocks) * (1 if np.dtype(dtype or float) == "f8"
                                                  or dtype is int else 2)
        assert ntasks(ours) == ranges + ours.npartitions
    same(da.fromfunction(lambda i, j, k=1: i + k * j, shape=(3, 3), chunks=2, k=5),
         np.fromfunction(lambda i, j: i + 5 * j, (3, 3)))
    with pytest.raises(TypeError, match="shape must be given"):
        da.fromfunction(lambda i: i)
    with pytest.raises(TypeError, match="callable"):
        da.fromfunction(3, shape=(2,))


# --- elementwise extras ------------------------------------------------------------------------

def test_frexp_modf_divmod():
    src = (np.arange(24.0).reshape(4, 6) - 11) / 3
    x, d = pair(src, (2, 3))
    for ours, theirs, want in [(da.frexp(x), dda.frexp(d), np.frexp(src)),
                               (da.modf(x), dda.modf(d), np.modf(src)),
                               (da.divmod(x, 0.7), dda.divmod(d, 0.7), np.divmod(src, 0.7))]:
        assert isinstance(ours, tuple) and len(ours) == 2
        for o, t, w in zip(ours, theirs, want):
            same(o, w)
            assert o.chunks == t.chunks
    # Dask's frexp and modf: a layer of pairs and two that take them apart;
    # dusk's two layers run NumPy's function each
    m, e = da.frexp(x)
    assert ntasks(m) - ntasks(x) == x.npartitions
    assert m.name.startswith("mantissa-") and e.name.startswith("exponent-")
    same(da.frexp(x.astype("f4"))[1], np.frexp(src.astype("f4"))[1])
    with pytest.raises(TypeError):
        da.frexp(x.astype("c16"))
    with pytest.raises(TypeError):
        da.modf(x.astype("c16"))


def test_ufunc_extras():
    src = np.arange(24.0).reshape(4, 6) / 3
    ints = np.arange(24).reshape(4, 6) % 7
    x, d = pair(src, (2, 3))
    i, j = pair(ints, (2, 3))
    cases = [(da.ldexp(x, i), dda.ldexp(d, j), np.ldexp(src, ints), 1),
             (da.ldexp(x, 3), dda.ldexp(d, 3), np.ldexp(src, 3), 0),
             (da.left_shift(i, 2), dda.left_shift(j, 2), np.left_shift(ints, 2), 0),
             (da.right_shift(i, i), dda.right_shift(j, j), np.right_shift(ints, ints), 0),
             (da.spacing(x), dda.spacing(d), np.spacing(src), 0),
             (da.i0(x), dda.i0(d), np.i0(src), 0),
             (da.iscomplex(x + 1j * (x > 2)), dda.iscomplex(d + 1j * (d > 2)),
              np.iscomplex(src + 1j * (src > 2)), 0),
             (da.isreal(x + 1j * (x > 2)), dda.isreal(d + 1j * (d > 2)),
              np.isreal(src + 1j * (src > 2)), 0)]
    for ours, theirs, want, extra in cases:
        same(ours, want, ours.name)
        assert ours.chunks == theirs.chunks
        assert ntasks(ours) - ntasks(x) == ntasks(theirs) - ntasks(d) + extra, ours.name
    # broadcasting, as Dask's elemwise
    same(da.ldexp(x, i[0]), np.ldexp(src, ints[0]))
    same(da.left_shift(np.int16(1), i), np.left_shift(np.int16(1), ints))
    with pytest.raises(ValueError, match="broadcast"):
        da.ldexp(x, i[:, :2])
    with pytest.raises(TypeError):
        da.left_shift(x, 2)   # NumPy has no shift of floats
    with pytest.raises(TypeError, match="takes 2 arguments"):
        da.ldexp(x)
    nan = src.copy()
    nan[1, 2] = np.nan
    y = da.from_array(nan, chunks=(2, 3))
    # Dask asks pandas; for numbers, NaN is what is missing
    same(da.isnull(y), np.isnan(nan))
    same(da.notnull(y), ~np.isnan(nan))
    same(da.isnull(i), np.zeros(ints.shape, bool))
    assert da.isnull(y).chunks == y.chunks


# --- indices, dtypes and shapes ----------------------------------------------------------------

def test_unravel_and_ravel_multi_index():
    flat = np.arange(24).reshape(4, 6) % 20
    i, j = pair(flat, (2, 3))
    for shape, order in [((4, 5), "C"), ((2, 2, 5), "F"), ((20,), "C")]:
        ours, theirs = da.unravel_index(i, shape, order), dda.unravel_index(j, shape, order)
        assert isinstance(ours, tuple) and len(ours) == len(shape)
        for o, t, w in zip(ours, theirs, np.unravel_index(flat, shape, order)):
            same(o, w.astype(np.intp))
            assert o.chunks == t.chunks
            assert ntasks(o) - ntasks(i) == ntasks(t) - ntasks(j)
    r = da.unravel_index(i, (1, 1))[0]
    with pytest.raises(ValueError):
        r.compute()   # an index past the shape: NumPy's error, when computed
    with pytest.raises(TypeError, match="int indices"):
        da.unravel_index(i.astype(float), (4, 5))
    a, b = flat % 4, flat % 5
    ai, bi = da.from_array(a, chunks=(2, 3)), da.from_array(b, chunks=(2, 3))
    ad, bd = dda.from_array(a, chunks=(2, 3)), dda.from_array(b, chunks=(2, 3))
    for dims, order in [((4, 5), "C"), ((4, 5), "F")]:
        ours, theirs = da.ravel_multi_index((ai, bi), dims, order=order), \
            dda.ravel_multi_index((ad, bd), dims, order=order)
        same(ours, np.ravel_multi_index((a, b), dims, order=order))
        assert ours.chunks == theirs.chunks
        assert ntasks(ours) - ntasks(ai) - ntasks(bi) == ntasks(theirs) - ntasks(ad) - ntasks(bd)
    same(da.ravel_multi_index(da.stack([ai, bi]), (4, 5)), np.ravel_multi_index((a, b), (4, 5)))
    same(da.ravel_multi_index((ai, bi), (3, 3), mode="clip"),
         np.ravel_multi_index((a, b), (3, 3), mode="clip"))
    with pytest.raises(ValueError, match="length 3"):
        da.ravel_multi_index((ai, bi), (4, 5, 6))
    with pytest.raises(TypeError, match="int indices"):
        da.ravel_multi_index((ai.astype(float), bi), (4, 5))
    with pytest.raises(ValueError):
        da.ravel_multi_index((ai, bi), (3, 3)).compute()


def test_result_type_shape_ndim():
    x = da.ones((3, 4), chunks=2, dtype="f4")
    assert da.result_type(x, 1, "i2") == np.result_type(np.ones(1, "f4"), 1, "i2")
    assert da.result_type(x, np.float64) == np.float64
    assert np.result_type(x, "i1") == np.float32
    assert da.shape(x) == np.shape(x) == (3, 4)
    assert da.ndim(x) == np.ndim(x) == 2
    assert da.shape([[1, 2, 3]]) == (1, 3) and da.ndim(5) == 0


def test_unify_chunks():
    s = np.arange(24.0).reshape(4, 6)
    x, d = pair(s, (2, 3))
    y, e = pair(s, (3, 4))
    row, drow = pair(s[:1], (1, 4))
    for args, dargs in [((x, "ij", y, "ij"), (d, "ij", e, "ij")),
                        ((x, "ij", y.T, "ji"), (d, "ij", e.T, "ji")),
                        ((x, "ij", row, "ij"), (d, "ij", drow, "ij")),
                        ((x, "ij", 5, None), (d, "ij", 5, None))]:
        ours, theirs = da.unify_chunks(*args), dda.unify_chunks(*dargs)
        assert ours[0] == theirs[0]
        assert [getattr(a, "chunks", a) for a in ours[1]] == \
            [getattr(a, "chunks", a) for a in theirs[1]]
        for a, b in zip(ours[1], theirs[1]):
            if isinstance(a, da.Array):
                same(a, b.compute())
    assert da.unify_chunks() == ({}, [])
    with pytest.raises(ValueError, match="Shapes do not align"):
        da.unify_chunks(x, "ij", da.ones((4, 5), chunks=2), "ij")
    with pytest.raises(ValueError, match="index"):
        da.unify_chunks(x, "i")


# --- histogramdd, histogram2d ------------------------------------------------------------------

@pytest.mark.parametrize("chunks", [30, 100, 7])
def test_histogramdd_as_dask(chunks):
    rs = np.random.RandomState(2)
    S, W = rs.rand(100, 3), rs.rand(100)
    x, d = pair(S, (chunks, 3))
    edges = [np.array([0, 0.2, 1]), np.array([0, 0.5, 1]), np.linspace(0, 1, 4)]
    for kw in ({"bins": (3, 4, 5), "range": [(0, 1)] * 3}, {"bins": edges},
               {"bins": 4, "range": [(0, 1)] * 3, "density": True},
               {"bins": (2, 2, 2), "range": [(0.1, 0.9)] * 3}):
        (c, e), (cd, ed) = da.histogramdd(x, **kw), dda.histogramdd(d, **kw)
        want, wedges = np.histogramdd(S, **kw)
        close(c, want, kw)
        assert c.chunks == cd.chunks and c.dtype == cd.dtype
        # Dask's tasks; density's widths are a from_array, with dusk's 'original'
        ours_n, theirs_n = added(c, x, cd, d)
        assert ours_n == theirs_n + (1 if kw.get("density") else 0), kw
        for ours, theirs in zip(e, wedges):
            np.testing.assert_array_equal(np.asarray(ours), theirs)
    # weights: summed in their dtype
    c, _ = da.histogramdd(x, bins=(3, 4, 5), range=[(0, 1)] * 3,
                          weights=da.from_array(W, chunks=chunks))
    close(c, np.histogramdd(S, bins=(3, 4, 5), range=[(0, 1)] * 3, weights=W)[0])
    # D 1-d arrays, and histogram2d: (counts, xedges, yedges)
    a, b = da.from_array(S[:, 0], chunks=chunks), da.from_array(S[:, 1], chunks=chunks)
    h, xe, ye = da.histogram2d(a, b, bins=5, range=[(0, 1), (0, 1)])
    want, wx, wy = np.histogram2d(S[:, 0], S[:, 1], bins=5, range=[(0, 1), (0, 1)])
    same(h, want)
    np.testing.assert_array_equal(xe.compute(), wx)
    np.testing.assert_array_equal(ye.compute(), wy)
    h2 = dda.histogram2d(dda.from_array(S[:, 0], chunks=chunks),
                         dda.from_array(S[:, 1], chunks=chunks), bins=5, range=[(0, 1), (0, 1)])[0]
    assert h.chunks == h2.chunks and ntasks(h) == ntasks(h2) + 2   # dusk's two 'original's


def test_histogramdd_refusals_name_what_is_wrong():
    x = da.from_array(np.random.RandomState(0).rand(20, 2), chunks=(5, 1))
    with pytest.raises(ValueError, match="chunked along the 0th axis"):
        da.histogramdd(x, bins=2, range=[(0, 1)] * 2)
    x = x.rechunk((5, 2))
    with pytest.raises(ValueError, match="need range="):
        da.histogramdd(x, bins=2)
    with pytest.raises(ValueError, match="dimension of bins"):
        da.histogramdd(x, bins=(2, 2, 2), range=[(0, 1)] * 3)
    with pytest.raises(ValueError, match="one entry, a min max pair"):
        da.histogramdd(x, bins=2, range=[(0, 1)])
    with pytest.raises(ValueError, match="monotonically increasing"):
        da.histogramdd(x, bins=[[0, 1], [1, 0]])
    with pytest.raises(ValueError, match="chunked identically"):
        da.histogramdd((da.ones(10, chunks=5), da.ones(10, chunks=3)), bins=2, range=[(0, 1)] * 2)
    with pytest.raises(ValueError, match="columnar"):
        da.histogramdd(da.ones((2, 2, 2), chunks=2), bins=2, range=[(0, 1)] * 3)
    with pytest.raises(TypeError, match="both 'normed' and 'density'"):
        da.histogramdd(x, bins=2, range=[(0, 1)] * 2, normed=True, density=True)
