"""dusk.array's creation and shape functions built from its operations (*_like, eye,
tri, tril/triu, expand_dims, atleast_*d, vstack/hstack/dstack, swapaxes, moveaxis,
flip, rot90, broadcast_to, diff, outer, count_nonzero, ptp, average): values and
dtypes against NumPy, chunks and task counts against dask.array."""
import numpy as np
import pytest

import dusk.array as da

dda = pytest.importorskip("dask.array")

from compare import same, ntasks  # noqa: E402


DTYPES = ["f8", "f4", "i8", "i2", "u1", "?", "c16"]


@pytest.mark.parametrize("dtype", DTYPES)
def test_like_functions(dtype):
    src = (np.arange(24).reshape(4, 6) % 3).astype(dtype)
    x, d = da.from_array(src, chunks=(3, 4)), dda.from_array(src, chunks=(3, 4))
    for name in ("ones_like", "zeros_like", "empty_like"):
        ours, theirs = getattr(da, name)(x), getattr(dda, name)(d)
        assert ours.chunks == theirs.chunks == x.chunks, name
        assert ours.dtype == src.dtype, name
        if name != "empty_like":
            same(ours, getattr(np, name)(src), name)
    same(da.full_like(x, 2), np.full_like(src, 2))
    # another dtype, another shape (whose chunks are then 'auto', as Dask's)
    ours, theirs = da.zeros_like(x, dtype="f4", shape=(5, 2)), dda.zeros_like(d, dtype="f4", shape=(5, 2))
    assert ours.chunks == theirs.chunks and ours.dtype == np.float32
    assert da.ones_like(x, chunks=2).chunks == dda.ones_like(d, chunks=2).chunks
    # of a NumPy array: its shape and dtype
    same(da.ones_like(src), np.ones_like(src))
    # NumPy's functions dispatch to dusk's, lazily
    assert isinstance(np.zeros_like(x), da.Array)


def test_like_arguments_as_dask():
    x = da.ones((3, 3), chunks=2)
    same(da.ones_like(x, order="F"), np.ones((3, 3)))   # taken, as Dask takes it
    with pytest.raises(TypeError, match="name="):
        da.zeros_like(x, name="mine")
    # only the shape is needed of a: strings are fine with a dtype of numbers
    same(da.zeros_like(np.array(["a", "b"]), dtype=float), np.zeros(2))
    with pytest.raises(TypeError, match="dtype"):
        da.zeros_like(np.array(["a", "b"])).compute()
    # full_like's order of arguments is Dask's (order before dtype); the fill
    # is converted to the dtype
    same(da.full_like(x, 2**70), np.full_like(np.ones((3, 3)), 2**70))
    same(da.full_like(x.astype("c16"), 1j), np.full((3, 3), 1j))
    same(da.full_like(x, 7, "C", "i2"), np.full((3, 3), 7, "i2"))
    with pytest.raises(ValueError, match="fill_value must be scalar"):
        da.full_like(x, [1, 2, 3])
    # a NumPy array's chunks are Dask's asarray's: 'auto' for its own dtype
    big = np.zeros((30000, 3000))
    assert da.ones_like(big, dtype="u1").chunks == dda.ones_like(big, dtype="u1").chunks


def test_like_of_an_h5py_dataset_reads_nothing(tmp_path):
    h5py = pytest.importorskip("h5py")
    import tracemalloc
    path = tmp_path / "big.h5"
    with h5py.File(path, "w") as f:
        f.create_dataset("x", shape=(2000, 3000), dtype="f8", chunks=(500, 500))
    with h5py.File(path, "r") as f:
        tracemalloc.start()
        z = da.zeros_like(f["x"])
        t = da.tril(f["x"])
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert z.shape == t.shape == (2000, 3000)
        assert peak < 4 << 20, peak   # not the dataset's 48 MB
        same(t[:3, :3], np.zeros((3, 3)))


EYES = [(5, 2, None, 0, float), (7, 3, 4, 1, "i4"), (4, 3, 9, -2, bool), (6, "auto", None, 0, "f4"),
        (5, 2, 5, 7, "u1"), (1, 1, 1, 0, "c8"), (10, 4, 3, -5, float)]


@pytest.mark.parametrize("n,chunks,m,k,dtype", EYES)
def test_eye(n, chunks, m, k, dtype):
    ours = da.eye(n, chunks=chunks, M=m, k=k, dtype=dtype)
    theirs = dda.eye(n, chunks=chunks, M=m, k=k, dtype=dtype)
    same(ours, np.eye(n, m, k, dtype=dtype))
    assert ours.chunks == theirs.chunks
    assert ntasks(ours) == ntasks(theirs)
    assert ours.name.startswith("eye-")


def test_eye_refuses():
    with pytest.raises(ValueError, match="chunks must be an int or a string"):
        da.eye(4, chunks=(2, 2))
    # a diagonal past the corners, however far: zeros
    same(da.eye(3, k=2**63), np.zeros((3, 3)))
    same(da.eye(3, k=-2**70), np.zeros((3, 3)))
    with pytest.raises(ValueError, match="negative"):
        da.eye(-1)
    with pytest.raises(TypeError, match="k must be an int"):
        da.eye(3, k=1.5)


@pytest.mark.parametrize("n,m,k", [(4, None, 0), (5, 3, 1), (3, 6, -1), (6, 6, 10), (4, 4, -9)])
def test_tri(n, m, k):
    same(da.tri(n, m, k, chunks=2), np.tri(n, m, k))
    same(da.tri(n, m, k, dtype=bool, chunks=3), np.tri(n, m, k, dtype=bool))
    assert da.tri(n, m, k, chunks=2).chunks == dda.tri(n, m, k, chunks=2).chunks


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("k", [0, 1, -2, 5, -7])
def test_tril_triu(dtype, k):
    src = (np.arange(1, 31).reshape(5, 6) % 4).astype(dtype)
    x = da.from_array(src, chunks=(2, 4))
    same(da.tril(x, k), np.tril(src, k), ("tril", k))
    same(da.triu(x, k), np.triu(src, k), ("triu", k))
    assert da.tril(x, k).chunks == x.chunks
    stack = (np.arange(60).reshape(2, 5, 6) - 20).astype(dtype)   # a stack of matrices
    same(da.triu(da.from_array(stack, chunks=(1, 3, 3)), k), np.triu(stack, k))


def test_tri_far_diagonals_and_sizes():
    for k in (2**53 + 1, 2**60, -2**60):
        same(da.tri(3, 4, k), np.tri(3, 4, k))
        same(da.tril(da.ones((3, 3)), k), np.tril(np.ones((3, 3)), k))
        same(da.triu(da.ones((3, 3)), k), np.triu(np.ones((3, 3)), k))
    same(da.tri(3, 4, 2**70), np.ones((3, 4)))   # past what NumPy's own tri counts
    same(da.tri(3, 4, -2**70), np.zeros((3, 4)))
    same(da.tri(-1), np.tri(-1))
    # Dask's: each axis in blocks of the first size the chunks give it
    assert da.tri(4, chunks=((2, 2), (1, 3))).chunks == dda.tri(4, chunks=((2, 2), (1, 3))).chunks
    irregular = np.arange(30).reshape(5, 6)
    ours = da.tril(da.from_array(irregular, chunks=((2, 3), (1, 4, 1))))
    theirs = dda.tril(dda.from_array(irregular, chunks=((2, 3), (1, 4, 1))))
    assert ours.chunks == theirs.chunks
    same(ours, np.tril(irregular))


def test_tril_of_1d_as_numpy():
    same(da.tril(da.arange(1, 5, chunks=3)), np.tril(np.arange(1, 5)))
    same(da.triu(da.arange(1, 5, chunks=3), 1), np.triu(np.arange(1, 5), 1))


def test_tril_keeps_negative_zero():
    src = np.array([[-0.0, -0.0], [-0.0, -0.0]])
    got = da.tril(da.from_array(src)).compute()
    assert np.signbit(got[1, 0]) and not np.signbit(got[0, 1])


@pytest.mark.parametrize("shape,axis", [((3, 4), 0), ((3, 4), -1), ((3, 4), (0, 2)),
                                        ((2,), (-1, 0)), ((), 0), ((2, 3), [1, 3])])
def test_expand_dims(shape, axis):
    src = np.arange(int(np.prod(shape))).reshape(shape)
    same(da.expand_dims(da.from_array(src, chunks=2), axis), np.expand_dims(src, axis))


def test_expand_dims_refuses():
    x = da.ones((2, 3))
    with pytest.raises(np.AxisError):
        da.expand_dims(x, 3)
    with pytest.raises(ValueError, match="repeated axis"):
        da.expand_dims(x, (0, 0))
    with pytest.raises(ValueError, match="at most 32"):
        da.expand_dims(x, tuple(range(31)))
    same(da.moveaxis(x, np.array([0]), np.array([1])), np.moveaxis(np.ones((2, 3)), 0, 1))
    same(da.rot90(x, np.int64(1)), np.rot90(np.ones((2, 3))))


def test_atleast():
    for src in (np.float32(2.5), np.arange(3), np.arange(6).reshape(2, 3),
                np.arange(24).reshape(2, 3, 4)):
        for f in ("atleast_1d", "atleast_2d", "atleast_3d"):
            same(getattr(da, f)(da.from_array(src)), getattr(np, f)(src), (f, np.shape(src)))
    a, b = da.atleast_2d(da.arange(2), 5)
    same(a, np.atleast_2d(np.arange(2)))
    same(b, np.atleast_2d(5))


@pytest.mark.parametrize("f", ["vstack", "hstack", "dstack"])
def test_stacking(f):
    cases = [[np.arange(4), np.arange(4, 8)], [np.arange(6).reshape(2, 3), np.ones((2, 3), "i8")],
             [np.arange(24).reshape(2, 3, 4), np.zeros((2, 3, 4), "i8")], [np.arange(3)]]
    for srcs in cases:
        try:
            want = getattr(np, f)(srcs)
        except ValueError:
            continue
        ours = getattr(da, f)([da.from_array(s, chunks=2) for s in srcs])
        theirs = getattr(dda, f)([dda.from_array(s, chunks=2) for s in srcs])
        same(ours, want, (f, [s.shape for s in srcs]))
        assert ours.chunks == theirs.chunks, (f, [s.shape for s in srcs])
    with pytest.raises(TypeError, match="sequence of arrays"):
        getattr(da, f)(da.ones(3))
    rows = np.arange(6).reshape(2, 3)   # a NumPy array is a sequence of its rows
    same(getattr(da, f)(rows), getattr(np, f)(rows))
    with pytest.raises(ValueError, match="at least one"):
        getattr(da, f)([])


def test_hstack_mixed_dtypes_as_numpy():
    a, b = np.arange(3, dtype="i2"), np.linspace(0, 1, 2, dtype="f4")
    same(da.hstack([da.from_array(a), da.from_array(b)]), np.hstack([a, b]))


def test_swapaxes_moveaxis():
    src = np.arange(24).reshape(2, 3, 4)
    x = da.from_array(src, chunks=(1, 2, 3))
    for i, j in [(0, 2), (-1, 0), (1, 1)]:
        same(da.swapaxes(x, i, j), np.swapaxes(src, i, j))
        same(x.swapaxes(i, j), np.swapaxes(src, i, j))
    for s, d in [(0, -1), (2, 0), ((0, 1), (-1, -2)), ([0, 2], [1, 0]), (1, 1)]:
        same(da.moveaxis(x, s, d), np.moveaxis(src, s, d), (s, d))
        assert da.moveaxis(x, s, d).chunks == dda.moveaxis(dda.from_array(src, chunks=(1, 2, 3)), s, d).chunks
    with pytest.raises(ValueError, match="same number"):
        da.moveaxis(x, (0, 1), 2)
    with pytest.raises(np.AxisError):
        da.swapaxes(x, 0, 3)


def test_flip_rot90():
    src = np.arange(24).reshape(2, 3, 4)
    x = da.from_array(src, chunks=(1, 2, 3))
    for axis in (None, 0, -1, (0, 2)):
        same(da.flip(x, axis), np.flip(src, axis), axis)
    same(da.flipud(x), np.flipud(src))
    same(da.fliplr(x), np.fliplr(src))
    for k in range(-5, 6):
        for axes in ((0, 1), (1, 0), (2, 0), (-1, 1)):
            same(da.rot90(x, k, axes), np.rot90(src, k, axes), (k, axes))
    with pytest.raises(ValueError, match="at least 2"):
        da.fliplr(da.arange(3))
    with pytest.raises(ValueError, match="differ"):
        da.rot90(x, 1, (1, 1))
    assert isinstance(np.flip(x, 0), da.Array)


BROADCASTS = [((4,), (3, 4)), ((1, 4), (3, 4)), ((3, 1), (2, 3, 5)), ((), (2, 2)), ((2, 1, 3), (2, 4, 3)),
              ((3,), (3,))]


@pytest.mark.parametrize("shape,to", BROADCASTS)
@pytest.mark.parametrize("dtype", ["f8", "?", "c16", "u2"])
def test_broadcast_to(shape, to, dtype):
    src = (np.arange(int(np.prod(shape))).reshape(shape) - 1).astype(dtype)
    x, d = da.from_array(src, chunks=2), dda.from_array(src, chunks=2)
    same(da.broadcast_to(x, to), np.broadcast_to(src, to))
    assert da.broadcast_to(x, to).chunks == dda.broadcast_to(d, to).chunks
    # chunks= rechunks the result (Dask's takes only chunks that keep x's)
    got = da.broadcast_to(x, to, chunks=1)
    assert got.chunks == tuple((1,) * n for n in to)
    same(got, np.broadcast_to(src, to))


def test_broadcast_to_keeps_special_values():
    src = np.array([-0.0, complex(np.inf, 0)], dtype="c16")
    got = da.broadcast_to(da.from_array(src), (2, 2)).compute()
    assert np.signbit(got[1, 0].real) and got[1, 1] == complex(np.inf, 0)
    with pytest.raises(ValueError, match=r"cannot broadcast an array of shape \(2,\) to \(3,\)"):
        da.broadcast_to(da.from_array(src), (3,))
    with pytest.raises(ValueError, match="cannot broadcast"):
        da.broadcast_to(da.ones((2, 3)), (3,))


@pytest.mark.parametrize("dtype", ["f8", "i4", "u1", "?"])
def test_diff(dtype):
    src = (np.arange(30).reshape(5, 6) ** 2 % 7).astype(dtype)
    x, d = da.from_array(src, chunks=(2, 4)), dda.from_array(src, chunks=(2, 4))
    for n in (0, 1, 2, 3):
        for axis in (0, -1):
            same(da.diff(x, n, axis), np.diff(src, n, axis), (n, axis))
            if dtype != "?":   # Dask 2022.12 subtracts booleans, which NumPy refuses
                assert da.diff(x, n, axis).chunks == dda.diff(d, n, axis).chunks
    same(da.diff(x, 1, 0, prepend=0, append=src[:2]), np.diff(src, 1, 0, prepend=0, append=src[:2]))
    # n=0 is a itself, prepend and append left out, as NumPy's
    same(da.diff(x, 0, prepend=0), src)
    same(da.diff(da.from_array(np.float64(2.5)), 0), np.float64(2.5))
    with pytest.raises(ValueError, match="non-negative"):
        da.diff(x, -1)
    with pytest.raises(ValueError, match="at least one dimensional"):
        da.diff(da.from_array(np.float64(1)))


def test_outer_count_ptp():
    a, b = np.arange(1, 5), np.array([[1.5, -2], [0, 3]])
    same(da.outer(da.from_array(a, chunks=3), da.from_array(b, chunks=1)), np.outer(a, b))
    src = np.array([[0, 1, 2], [0, 0, 5], [3, 0, 0.5]])
    x = da.from_array(src, chunks=2)
    for axis in (None, 0, 1, (0, 1)):
        same(da.count_nonzero(x, axis), np.asarray(np.count_nonzero(src, axis), dtype=np.intp), axis)
        same(da.ptp(x, axis), np.ptp(src, axis), axis)


def test_average():
    src = np.arange(12, dtype="i8").reshape(3, 4)
    x = da.from_array(src, chunks=2)
    same(da.average(x), np.average(src))
    same(da.average(x, axis=1), np.average(src, axis=1))
    w = np.array([1, 2, 3])
    same(da.average(x, axis=0, weights=w), np.average(src, axis=0, weights=w))
    w2 = np.arange(12).reshape(3, 4) % 5
    same(da.average(x, weights=da.from_array(w2)), np.average(src, weights=w2))
    avg, scl = da.average(x, axis=0, weights=w, returned=True)
    want_avg, want_scl = np.average(src, axis=0, weights=w, returned=True)
    same(avg, want_avg)
    same(scl, want_scl)
    avg, scl = da.average(x, axis=1, returned=True)
    np.testing.assert_array_equal(scl.compute(), np.average(src, axis=1, returned=True)[1])
    # NumPy's dtypes: float32 for float32 with bool weights, float64 for
    # int8 with float32 weights; integer weights cannot overflow
    f4 = np.arange(6.0, dtype="f4").reshape(2, 3)
    bw = np.array([[1, 0, 1], [1, 1, 1]], bool)
    for ours, want in zip(da.average(da.from_array(f4), 0, bw, returned=True),
                          np.average(f4, 0, bw, returned=True)):
        same(ours, want)
    i1 = np.array([[1, -2, 3], [4, 5, -6]], "i1")
    same(da.average(da.from_array(i1), 1, np.ones(3, "f4")), np.average(i1, 1, np.ones(3, "f4")))
    hundreds = np.array([100, 100], "i1")
    same(da.average(da.from_array(hundreds), weights=np.array([3, 1], "i1")),
         np.average(hundreds, weights=np.array([3, 1], "i1")))
    c = np.ones((2, 3)) + 1j
    for ours, want in zip(da.average(da.from_array(c), 0, returned=True),
                          np.average(c, 0, returned=True)):
        same(ours, want)
    same(da.average(x, 1, keepdims=True), np.average(src, 1, keepdims=True))
    same(da.average(x, 0, w, keepdims=True), np.average(src, 0, w, keepdims=True))
    with pytest.raises(TypeError, match="axis must be given"):
        da.average(x, weights=w)
    with pytest.raises(ValueError, match="length of weights"):
        da.average(x, axis=1, weights=w)


BLOCK_INDICES = [1, -1, (0, 1), (slice(None, None, -1), 0), [0, 2], ([2, 0, 0], slice(1, None)),
                 (Ellipsis, 1), (1, Ellipsis), (slice(None), [1, 0]), np.array([1, 2]),
                 (slice(None, None, 2), -2)]


@pytest.mark.parametrize("index", BLOCK_INDICES, ids=repr)
def test_blocks(index):
    src = np.arange(42).reshape(7, 6)
    x = da.from_array(src, chunks=(3, 2))
    d = dda.from_array(src, chunks=(3, 2))
    ours, theirs = x.blocks[index], d.blocks[index]
    same(ours, theirs.compute(), index)
    assert ours.chunks == theirs.chunks


def test_blocks_grid_and_refusals():
    x = da.from_array(np.arange(42).reshape(7, 6), chunks=(3, 2))
    assert x.blocks.shape == (3, 3) and x.blocks.size == 9 and len(x.blocks) == 3
    flat = x.blocks.ravel()
    assert len(flat) == 9
    same(flat[4], np.arange(42).reshape(7, 6)[3:6, 2:4])
    same(x.blocks[1:1], np.zeros((0, 6), dtype=np.int64))   # Dask 2022.12 refuses this
    with pytest.raises(IndexError, match="index 3 is out of bounds for axis 0 with 3 blocks"):
        x.blocks[3]
    with pytest.raises(IndexError, match="index -4 is out of bounds for axis 1"):
        x.blocks[:, [0, -4]]
    with pytest.raises(ValueError, match="None"):
        x.blocks[None]
    with pytest.raises(ValueError, match="one list"):
        x.blocks[[0], [1]]
    with pytest.raises(IndexError, match="too many indices"):
        x.blocks[0, 0, 0]
    with pytest.raises(IndexError, match="boolean"):
        x.blocks[True]
    with pytest.raises(TypeError, match="not float"):
        x.blocks[1.0]


HIST_DATA = np.concatenate([np.random.RandomState(1).normal(size=500) * 3,
                            [np.nan, np.inf, -np.inf, -2.0, 2.0, 0.0, 7.5]]).reshape(507 // 3, 3)


@pytest.mark.parametrize("bins,range_", [(10, (-2, 2)), (7, (-9, 9)), (1, (0, 0)),
                                         ([-3, -1, 0, 0.5, 2, 10], None), (np.arange(-4, 5), None)])
@pytest.mark.parametrize("dtype", ["f8", "f4", "i4", "u1"])
def test_histogram(bins, range_, dtype):
    with np.errstate(invalid="ignore"):
        src = np.nan_to_num(HIST_DATA) .astype(dtype) if dtype[0] in "iu" else HIST_DATA.astype(dtype)
    x, d = da.from_array(src, chunks=(40, 2)), dda.from_array(src, chunks=(40, 2))
    h, edges = da.histogram(x, bins=bins, range=range_)
    dh, dedges = dda.histogram(d, bins=bins, range=range_)
    # the edges are Dask's (float64; NumPy's are float32 for float32 values), and the
    # counts NumPy's with them; an empty range is widened by 0.5 each way, as
    # NumPy's (Dask's makes bins of width 0)
    if range_ is not None and range_[0] == range_[1]:
        np.testing.assert_array_equal(edges, [range_[0] - 0.5, range_[1] + 0.5])
    else:
        np.testing.assert_array_equal(edges, dedges)
    assert edges.dtype == dedges.dtype
    values = src[np.isfinite(src.astype(float))] if dtype[0] == "f" else src
    same(h, np.histogram(values, bins=edges)[0])
    assert h.dtype == dh.dtype and h.chunks == dh.chunks
    # Dask's graph: a task per block, then its sum (Dask makes array bins a
    # task and a finalize of their own; dusk's from_array keeps an
    # 'original-array' task)
    ours = {l["name"].rsplit("-", 1)[0]: l["ntasks"] for l in h._layers()}
    theirs = {k.rsplit("-", 1)[0]: len(v) for k, v in dh.__dask_graph__().layers.items()}
    assert ours["histogram-sum"] == theirs["histogram-sum"] == x.npartitions
    if not np.iterable(bins):
        assert h._ntasks == ntasks(dh) + 1


def test_histogram_weights_and_density():
    src = HIST_DATA[:, :2].copy()
    w = np.abs(np.sin(np.arange(src.size))).reshape(src.shape)
    x, wx = da.from_array(src, chunks=(25, 1)), da.from_array(w, chunks=(25, 1))
    finite = np.isfinite(src)
    h, e = da.histogram(x, bins=6, range=(-3, 3), weights=wx)
    want, _ = np.histogram(src[finite], bins=6, range=(-3, 3), weights=w[finite])
    np.testing.assert_allclose(h.compute(), want, rtol=1e-12)
    assert h.dtype == np.float64
    iw = (np.arange(src.size) % 4).astype("i2").reshape(src.shape)
    h, _ = da.histogram(x, bins=[-1, 0, 1], weights=da.from_array(iw, chunks=(25, 1)))
    dh, _ = dda.histogram(dda.from_array(src, chunks=(25, 1)), bins=[-1, 0, 1],
                          weights=dda.from_array(iw, chunks=(25, 1)))
    assert h.dtype == dh.dtype
    np.testing.assert_array_equal(h.compute(), dh.compute())
    dens, _ = da.histogram(x, bins=5, range=(-2, 3), density=True)
    np.testing.assert_allclose(dens.compute(), np.histogram(src[finite], 5, (-2, 3), density=True)[0])


def test_histogram_refuses():
    x = da.from_array(np.arange(10.0), chunks=3)
    with pytest.raises(ValueError, match="specifying both a range and the number of bins"):
        da.histogram(x, bins=5)
    with pytest.raises(ValueError, match="normed"):
        da.histogram(x, bins=[0, 1], normed=True)
    with pytest.raises(ValueError, match="increase monotonically"):
        da.histogram(x, bins=[0, 2, 1])
    with pytest.raises(ValueError, match="max must be larger"):
        da.histogram(x, bins=3, range=(5, 1))
    with pytest.raises(ValueError, match="not finite"):
        da.histogram(x, bins=3, range=(0, np.inf))
    with pytest.raises(ValueError, match="positive"):
        da.histogram(x, bins=0, range=(0, 1))
    with pytest.raises(ValueError, match="same chunked structure"):
        da.histogram(x, bins=[0, 1], weights=da.ones(10, chunks=5))
    with pytest.raises(ValueError, match="complex"):
        da.histogram(x.astype("c16"), bins=[0, 1])
    with pytest.raises(ValueError, match="NaN"):
        da.histogram(x, bins=[0, np.nan])


def test_histogram_open_ended_and_one_edge():
    src = np.array([-5.0, -0.5, 0, 2, np.inf, np.nan, 1e300])
    x = da.from_array(src, chunks=3)
    for bins in ([-np.inf, 0, np.inf], [1], [0, 0, 1]):
        h, e = da.histogram(x, bins=bins)
        same(h, np.histogram(src[~np.isnan(src)], bins=bins)[0])
        np.testing.assert_array_equal(e, np.asarray(bins, dtype=float))


SRC = np.arange(42, dtype="f8").reshape(6, 7) - 20


def test_roll():
    x, d = da.from_array(SRC, chunks=(4, 3)), dda.from_array(SRC, chunks=(4, 3))
    for shift, axis in [(1, 1), (-3, 0), (50, None), ((1, -2), (0, 1)), (0, 0), (7, -1), (2, (0, 1))]:
        ours = da.roll(x, shift, axis)
        same(ours, np.roll(SRC, shift, axis), (shift, axis))
        if axis is not None and np.ndim(shift) == np.ndim(axis):
            assert ours.chunks == dda.roll(d, shift, axis).chunks, (shift, axis)
    same(da.roll(da.zeros((0, 3)), 2, 0), np.zeros((0, 3)))
    with pytest.raises(ValueError, match="same number"):
        da.roll(x, (1, 2, 3), (0, 1))


@pytest.mark.parametrize("reps", [2, (2, 1), (1, 3), (2, 1, 2), 0, (3, 0)])
def test_tile(reps):
    x = da.from_array(SRC[:2, :3], chunks=2)
    same(da.tile(x, reps), np.tile(SRC[:2, :3], reps))
    same(da.tile(da.arange(3), reps), np.tile(np.arange(3), reps))
    with pytest.raises(ValueError, match="Negative"):
        da.tile(x, -1)


def test_take():
    x = da.from_array(SRC, chunks=(4, 3))
    for idx, axis in [([0, 5, 2], 0), ([-1, 0], 1), (3, 1), (np.array([6, 6]), -1), ([], 0)]:
        same(da.take(x, idx, axis), np.take(SRC, idx, axis), (idx, axis))
    with pytest.raises(NotImplementedError, match="1-d"):
        da.take(x, [[0, 1]], 0)
    with pytest.raises(IndexError):
        da.take(x, [9], 0)


@pytest.mark.parametrize("indexing", ["xy", "ij"])
@pytest.mark.parametrize("sparse", [False, True])
def test_meshgrid_and_broadcast_arrays(indexing, sparse):
    a, b, c = np.arange(3.0), np.linspace(0, 1, 5), np.array([7, 8])
    ours = da.meshgrid(da.from_array(a), da.from_array(b, chunks=2), da.from_array(c),
                       indexing=indexing, sparse=sparse)
    theirs = dda.meshgrid(dda.from_array(a), dda.from_array(b, chunks=2), dda.from_array(c),
                          indexing=indexing, sparse=sparse)
    for o, t, w in zip(ours, theirs, np.meshgrid(a, b, c, indexing=indexing, sparse=sparse)):
        same(o, w)
        assert o.chunks == t.chunks
    p, q = da.broadcast_arrays(da.ones((3, 1), chunks=2), da.arange(4, chunks=3))
    assert p.shape == q.shape == (3, 4) and p.chunks == q.chunks == ((2, 1), (3, 1))
    with pytest.raises(ValueError, match="chunks do not align"):
        da.broadcast_arrays(da.ones(4, chunks=2), da.ones(4, chunks=3))
    with pytest.raises(ValueError, match="indexing"):
        da.meshgrid(da.ones(2), indexing="yx")


def test_indices():
    for dims, chunks in [((2, 3), 2), ((4,), "auto"), ((3, 1, 2), 1), ((0, 3), 2)]:
        ours = da.indices(dims, chunks=chunks)
        same(ours, np.indices(dims))
        assert ours.chunks == dda.indices(dims, chunks=chunks).chunks, dims


PADS = [1, (2, 3), ((1, 0), (0, 2)), ((3, 3), (1, 1))]


@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "symmetric", "wrap"])
@pytest.mark.parametrize("width", PADS, ids=repr)
def test_pad(mode, width):
    src = SRC[:4, :5]
    x, d = da.from_array(src, chunks=(3, 2)), dda.from_array(src, chunks=(3, 2))
    ours = da.pad(x, width, mode)
    same(ours, np.pad(src, width, mode), (mode, width))
    assert ours.chunks == dda.pad(d, width, mode).chunks


@pytest.mark.parametrize("dtype", ["f8", "f4", "i4", "u1", "i8", "c16", "?", "f2"])
def test_pad_every_mode_as_numpy(dtype):
    # every mode NumPy has, pads past the axis's length (NumPy repeats the
    # reflection; Dask's come out short), the statistics' options, integers
    # rounded and floored as NumPy's
    rs = np.random.RandomState(3)
    src = (rs.rand(5, 4) * 20).astype(dtype) if dtype != "c16" else rs.rand(5, 4) + 1j * rs.rand(5, 4)
    x = da.from_array(src, chunks=(2, 3))
    tol = {"f4": 1e-6, "f2": 1e-3}.get(dtype, 1e-12)
    modes = ["constant", "edge", "reflect", "symmetric", "wrap", "linear_ramp", "mean"]
    if dtype not in ("c16",):
        modes += ["maximum", "minimum", "median"]
    for mode in modes:
        extras = [{}]
        if mode == "linear_ramp":
            extras.append({"end_values": ((5, -2), (1, 7))})
        elif mode in ("maximum", "minimum", "mean", "median"):
            extras.append({"stat_length": ((2, 1), (3, 4))})
        for width in [((1, 2), (3, 0)), ((7, 11), (9, 2)), 2, ((0, 13), (6, 0))]:
            for extra in extras:
                want = np.pad(src, width, mode, **extra)
                got = da.pad(x, width, mode, **extra)
                assert got.dtype == want.dtype and got.shape == want.shape, (mode, width, extra)
                g = got.compute()
                if dtype in ("f4", "f2", "c16", "f8") and mode in ("mean", "linear_ramp", "median"):
                    np.testing.assert_allclose(g, want, rtol=tol, err_msg=str((mode, width, extra)))
                else:
                    np.testing.assert_array_equal(g, want, err_msg=str((mode, width, extra)))
    # one value reflected is that value, as NumPy's
    one = np.array([[4.0], [2.0]])
    for mode in ("reflect", "symmetric", "wrap"):
        same(da.pad(da.from_array(one), ((0, 0), (3, 2)), mode), np.pad(one, ((0, 0), (3, 2)), mode))


def test_pad_statistics_as_dask_builds_them():
    src = np.arange(30.0).reshape(5, 6) ** 1.5
    x, d = da.from_array(src, chunks=(2, 4)), dda.from_array(src, chunks=(2, 4))
    for mode in ("maximum", "mean", "minimum", "linear_ramp"):
        ours = da.pad(x, ((2, 1), (0, 3)), mode)
        assert ours.chunks == dda.pad(d, ((2, 1), (0, 3)), mode).chunks, mode
        np.testing.assert_allclose(ours.compute(), np.pad(src, ((2, 1), (0, 3)), mode), rtol=1e-12)


def test_pad_options_and_refusals():
    src = np.arange(6, dtype="i2").reshape(2, 3)
    x = da.from_array(src)
    same(da.pad(x, 1, constant_values=((5, 6), (7, 8))), np.pad(src, 1, constant_values=((5, 6), (7, 8))))
    same(da.pad(x, 1, constant_values=2.7), np.pad(src, 1, constant_values=2.7))   # cast as NumPy
    assert da.pad(x, 2, "empty").shape == (6, 7)
    with pytest.raises(NotImplementedError, match="not 'spiral'"):
        da.pad(x, 1, "spiral")
    with pytest.raises(TypeError, match="takes no end_values"):
        da.pad(x, 1, "mean", end_values=3)
    with pytest.raises(ValueError, match="stat_length of 0"):
        da.pad(x, 1, "maximum", stat_length=0)
    with pytest.raises(ValueError, match="negative"):
        da.pad(x, 1, "minimum", stat_length=-1)
    with pytest.raises(ValueError, match="empty axis 0"):
        da.pad(da.ones((0, 3), chunks=2), 1, "mean")
    with pytest.raises(NotImplementedError, match="odd"):
        da.pad(x, 1, "reflect", reflect_type="odd")
    with pytest.raises(TypeError, match="takes no constant_values"):
        da.pad(x, 1, "edge", constant_values=3)
    with pytest.raises(ValueError, match="negative"):
        da.pad(x, -1)
    with pytest.raises(ValueError, match="does not fit"):
        da.pad(x, ((1, 2, 3),))


@pytest.mark.parametrize("rowvar", [True, False])
@pytest.mark.parametrize("dtype", ["f8", "f4", "i4", "u1"])
def test_cov_corrcoef(rowvar, dtype):
    rs = np.random.RandomState(5)
    src = (np.abs(rs.normal(size=(4, 30))) * 10).astype(dtype)
    x = da.from_array(src, chunks=(2, 7))
    np.testing.assert_allclose(da.cov(x, rowvar=rowvar).compute(), np.cov(src, rowvar=rowvar),
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(da.cov(x, bias=True, rowvar=rowvar).compute(),
                               np.cov(src, bias=True, rowvar=rowvar), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(da.cov(x, ddof=3, rowvar=rowvar).compute(),
                               np.cov(src, ddof=3, rowvar=rowvar), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(da.corrcoef(x, rowvar=rowvar).compute(),
                               np.corrcoef(src, rowvar=rowvar), rtol=1e-12, atol=1e-12)
    assert da.cov(x, rowvar=rowvar).dtype == np.cov(src, rowvar=rowvar).dtype
    # two variables given apart, and one alone (a 0-d result)
    np.testing.assert_allclose(da.cov(x[0], x[1]).compute(), np.cov(src[0], src[1]), rtol=1e-12)
    np.testing.assert_allclose(da.cov(x[0]).compute(), np.cov(src[0]), rtol=1e-12)
    np.testing.assert_allclose(da.corrcoef(x[0]).compute(), np.corrcoef(src[0]), rtol=1e-12)
    with pytest.raises(ValueError, match="ddof must be integer"):
        da.cov(x, ddof=1.5)
    # complex variables: X times its conjugate (zgemm in the blocks), as NumPy
    z = src.astype("c16") * (1 - 0.5j) + 1j * np.arange(src.size).reshape(src.shape)
    zx = da.from_array(z, chunks=(2, 7))
    for f in (da.cov, da.corrcoef):
        got = f(zx, rowvar=rowvar)
        want = getattr(np, f.__name__)(z, rowvar=rowvar)
        assert got.dtype == want.dtype == np.complex128
        np.testing.assert_allclose(got.compute(), want, rtol=1e-10, atol=1e-10)


def test_complex_parts_and_angle():
    z = np.array([[1 + 2j, -3 - 0.5j], [0j, -1 + 0j]])
    x = da.from_array(z, chunks=1)
    same(da.real(x), np.real(z))
    same(da.imag(x), np.imag(z))
    same(da.conj(x), np.conj(z))
    same(da.conjugate(x), np.conjugate(z))
    for deg in (False, True):
        same(da.angle(x, deg), np.angle(z, deg))
        same(da.angle(da.arange(-2, 3), deg), np.angle(np.arange(-2, 3), deg))


def test_nancumsum_nancumprod():
    src = np.array([[1.5, np.nan, 2.0, -1.0], [np.nan, np.nan, 3.0, 0.5]])
    x = da.from_array(src, chunks=(1, 3))
    for axis in (0, 1):
        np.testing.assert_allclose(da.nancumsum(x, axis).compute(), np.nancumsum(src, axis))
        np.testing.assert_allclose(da.nancumprod(x, axis).compute(), np.nancumprod(src, axis))
    same(da.nancumsum(da.arange(5, chunks=2), 0), np.nancumsum(np.arange(5), 0))


def test_isin():
    x = da.from_array(np.arange(12).reshape(3, 4), chunks=2)
    for test, invert in [([2, 5, 11, 40], False), (np.array([[0, 7]]), True), ([], False)]:
        same(da.isin(x, test, invert=invert), np.isin(np.arange(12).reshape(3, 4), test, invert=invert))
    f = np.array([np.nan, 1.0, -0.0])
    same(da.isin(da.from_array(f), [np.nan, 0.0]), np.isin(f, [np.nan, 0.0]))


def test_block():
    A, B = np.ones((2, 2)), np.zeros((2, 3))
    C, D = np.full((1, 2), 3.0), np.full((1, 3), 4.0)
    for arrays in ([[A, B], [C, D]], [1, np.arange(3)], [[np.arange(2)], [np.arange(2, 4)]], [A]):
        wrapped = [[da.from_array(e) if isinstance(e, np.ndarray) else e for e in row]
                   if isinstance(row, list) else (da.from_array(row) if isinstance(row, np.ndarray) else row)
                   for row in arrays]
        same(da.block(wrapped), np.block(arrays))
    with pytest.raises(ValueError, match="depths are mismatched"):
        da.block([[A], B])
    with pytest.raises(ValueError, match="cannot be empty"):
        da.block([[]])


def test_histogram_on_the_edges_of_even_bins():
    """Values exactly on the edges of many even bins (where the guess from the
    value's place may miss by one), uneven and repeated edges: NumPy's bins."""
    for edges in (np.linspace(-1, 1, 1001), np.linspace(0, 3, 7), np.array([0, 1, 1, 2, 5, 5.5]),
                  np.geomspace(1e-3, 1e3, 40)):
        rs = np.random.RandomState(len(edges))
        src = np.concatenate([edges, np.nextafter(edges, np.inf), np.nextafter(edges, -np.inf),
                              rs.uniform(edges[0] - 1, edges[-1] + 1, 5000)])
        for x in (da.from_array(src, chunks=777), da.from_array(src.astype("f4"), chunks=500)[::-3]):
            want = np.histogram(x.compute(), bins=edges)[0]
            same(da.histogram(x, bins=edges)[0], want)
    same(da.histogram(da.from_array(np.float64(2.0)), bins=[0, 1, 5])[0], np.array([0, 1]))


@pytest.mark.parametrize("right", [False, True])
@pytest.mark.parametrize("bins", [[-3, 0, 0, 2.5, 7], [7, 2.5, 0, 0, -3], [1], [], np.arange(10) * 0.5])
def test_digitize(bins, right):
    src = np.array([[-6, -3, 0, 0.0, 2.5, np.nan], [7, 8, -np.inf, np.inf, 1, -0.0]])
    x, d = da.from_array(src, chunks=(1, 4)), dda.from_array(src, chunks=(1, 4))
    ours = da.digitize(x, bins, right)
    same(ours, np.digitize(src, bins, right))
    theirs = dda.digitize(d, np.asarray(bins), right)
    assert ours.chunks == theirs.chunks and ours._ntasks == ntasks(theirs) + 1
    ints = np.arange(-3, 9, dtype="i2").reshape(3, 4)
    same(da.digitize(da.from_array(ints, chunks=2)[:, ::-1], bins, right),
         np.digitize(ints[:, ::-1], bins, right))


def test_digitize_refuses():
    x = da.arange(4)
    with pytest.raises(ValueError, match="monotonically"):
        da.digitize(x, [0, 2, 1])
    with pytest.raises(TypeError, match="complex"):
        da.digitize(x.astype("c8"), [0, 1])
    with pytest.raises(ValueError, match="too deep"):
        da.digitize(x, [[0, 1]])
