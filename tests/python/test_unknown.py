"""Blocks of unknown size, Dask's chunks of nan: x[mask] with a lazy bool mask,
what takes such arrays (elementwise operations, every full reduction, compute,
dusk.compute, visualize), compute_chunk_sizes, and the refusals of everything
else. Values against NumPy; shapes, chunks, reprs, messages' kinds and task
counts against dask.array 2022.12."""
import math
import pickle

import numpy as np
import pytest

import dusk
import dusk.array as da

dda = pytest.importorskip("dask.array")

from compare import same, close, ntasks  # noqa: E402

RNG = np.random.RandomState(3)


def nan_shape(shape):
    """A shape with nan compared as equal to nan (Dask's and dusk's floats)."""
    return tuple("nan" if isinstance(v, float) and math.isnan(v) else v for v in shape)


def nan_chunks(chunks):
    return tuple(nan_shape(c) for c in chunks)


CASES = [
    # (shape, x's chunks, the mask's chunks)
    ((10,), 3, 3),
    ((10,), 3, 5),
    ((17,), (4, 1, 12), 6),
    ((6, 6), (3, 2), (3, 2)),
    ((6, 6), (3, 2), (2, 3)),
    ((6, 6), (3, 2), (6, 6)),
    ((4, 5, 6), (2, 5, 3), (4, 2, 3)),
]


@pytest.mark.parametrize("shape,xc,mc", CASES)
@pytest.mark.parametrize("dtype", ["f8", "i4", "u1", "?"])
def test_mask_is_numpys_and_dasks(shape, xc, mc, dtype):
    src = (RNG.randint(-5, 6, size=shape)).astype(dtype)
    cut = RNG.randint(0, 2, size=shape).astype(bool)
    x, d = da.from_array(src, chunks=xc), dda.from_array(src, chunks=xc)
    m, dm = da.from_array(cut, chunks=mc), dda.from_array(cut, chunks=mc)
    ours, theirs = x[m], d[dm]
    assert nan_shape(ours.shape) == nan_shape(theirs.shape) == ("nan",)
    assert nan_chunks(ours.chunks) == nan_chunks(theirs.chunks)
    assert ours.numblocks == theirs.numblocks and ours.npartitions == theirs.npartitions
    assert ntasks(ours) - ntasks(x) - ntasks(m) == ntasks(theirs) - ntasks(d) - ntasks(dm)
    assert ours.name.startswith("getitem-")
    same(ours, src[cut])
    # a comparison of x itself as the mask: x[x > 0]
    same(x[x > 0], src[src > 0])
    assert ntasks(x[x > 0]) - ntasks(x) == ntasks(d[d > 0]) - ntasks(d)


def test_description_is_dasks():
    x, d = da.arange(10, chunks=3), dda.arange(10, chunks=3)
    y, e = x[x > 4], d[d > 4]
    assert ntasks(y) == ntasks(e) == 16
    assert repr(y) == repr(e).replace("dask.array<", "dusk.array<")
    assert math.isnan(y.size) and math.isnan(e.size)
    assert math.isnan(y.nbytes) and math.isnan(e.nbytes)
    assert nan_shape(y.chunksize) == nan_shape(e.chunksize) == ("nan",)
    assert y.ndim == 1 and y.dtype == e.dtype
    with pytest.raises(ValueError, match="Cannot call len\\(\\) on object with unknown chunk"):
        len(e)
    with pytest.raises(ValueError, match="Cannot call len\\(\\) on object with unknown chunk"):
        len(y)
    with pytest.raises(ValueError, match="compute_chunk_sizes"):
        list(y)
    html = y._repr_html_()
    assert "unknown" in html and "(nan,)" in html


def test_elementwise():
    src = RNG.standard_normal(40)
    x, d = da.from_array(src, chunks=7), dda.from_array(src, chunks=7)
    y, e = x[x > 0], d[d > 0]
    pos = src[src > 0]
    for ours, theirs, want in [
        (y * 2 + y, e * 2 + e, pos * 2 + pos),
        (-y, -e, -pos),
        (np.exp(y), np.exp(e), np.exp(pos)),
        (abs(y - 1), abs(e - 1), abs(pos - 1)),
        (y.astype("f4"), e.astype("f4"), pos.astype("f4")),
        (y.T, e.T, pos),
        (da.where(y > 1, y, 0), dda.where(e > 1, e, 0), np.where(pos > 1, pos, 0)),
        (y.clip(0.5, 1.5), e.clip(0.5, 1.5), pos.clip(0.5, 1.5)),
        (y.round(2), e.round(2), pos.round(2)),
        (y + da.ones(1), e + dda.ones(1), pos + 1),
        (y[y > 1], e[e > 1], pos[pos > 1]),
    ]:
        assert nan_chunks(ours.chunks) == nan_chunks(theirs.chunks)
        # from_array's 'original-array' task is dusk's alone
        assert ntasks(ours) - ntasks(x) == ntasks(theirs) - ntasks(d)
        close(ours, want)
    # x[mask] = v under a mask of its blocks: Dask's where
    z = y.copy()
    z[z > 1] = 0
    close(z, np.where(pos > 1, 0, pos))


REDUCTIONS = ["sum", "prod", "mean", "std", "var", "min", "max", "any", "all"]
NAN_REDUCTIONS = ["nansum", "nanprod", "nanmean", "nanstd", "nanvar", "nanmin", "nanmax"]


@pytest.mark.parametrize("dtype", ["f8", "i8", "f4"])
@pytest.mark.parametrize("split_every", [None, 2])
def test_full_reductions(dtype, split_every):
    # blocks that come out empty among them (the first ten are negative)
    src = np.concatenate([-np.arange(1, 11), RNG.randint(-3, 9, size=30)]).astype(dtype)
    if dtype == "f8":
        src[15] = np.nan
    x, d = da.from_array(src, chunks=5), dda.from_array(src, chunks=5)
    y, e = x[x > 0], d[d > 0]
    kept = src[src > 0]
    for name in REDUCTIONS:
        ours = getattr(y, name)(split_every=split_every)
        theirs = getattr(e, name)(split_every=split_every)
        assert ours.shape == () and ours.chunks == theirs.chunks == ()
        assert ntasks(ours) - ntasks(x) == ntasks(theirs) - ntasks(d), name
        close(ours, getattr(np, name)(kept), name, rtol=1e-5 if dtype == "f4" else 1e-12)
    for name in NAN_REDUCTIONS:
        ours = getattr(da, name)(y, split_every=split_every)
        close(ours, getattr(np, name)(kept), name, rtol=1e-5 if dtype == "f4" else 1e-12)
    # (dusk's count_nonzero is (a != 0).sum(), of known chunks too: fewer
    # layers than Dask's two astypes, so its task count is not compared)
    same(da.count_nonzero(y), np.count_nonzero(kept))


def test_reductions_of_nothing():
    x = da.arange(10, chunks=3)
    none = x[x > 100]
    same(none.sum(), np.arange(10)[np.arange(10) > 100].sum())
    assert np.isnan(none.mean().compute())
    for name in ["min", "max"]:
        with pytest.raises(ValueError, match="zero-size array to reduction operation"):
            getattr(none, name)().compute()
        with pytest.raises(ValueError, match="zero-size array"):
            getattr(np, name)(np.arange(0))


def test_compute_and_visualize(tmp_path):
    src = RNG.randint(0, 9, size=(5, 8))
    x = da.from_array(src, chunks=(2, 3))
    y = x[x > 4]
    got = y.compute()
    np.testing.assert_array_equal(got, src[src > 4])
    np.testing.assert_array_equal(np.asarray(y), src[src > 4])
    a, s = dusk.compute(y, y.sum())
    np.testing.assert_array_equal(a, src[src > 4])
    assert s == src[src > 4].sum()
    out = tmp_path / "y.png"
    y.visualize(filename=str(out))
    assert out.stat().st_size > 0
    # pickled and made again
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(y)).compute(), src[src > 4])


def test_compute_chunk_sizes_is_dasks():
    src = RNG.randint(0, 9, size=23)
    x, d = da.from_array(src, chunks=5), dda.from_array(src, chunks=5)
    y, e = x[x > 4], d[d > 4]
    name = y.name
    assert y.compute_chunk_sizes() is y
    assert e.compute_chunk_sizes() is e
    assert y.chunks == e.chunks and y.shape == e.shape == (int((src > 4).sum()),)
    assert y.name == name and len(y) == y.shape[0]
    assert repr(y) == repr(e).replace("dask.array<", "dusk.array<")
    # now it slices, rechunks, joins
    same(y[1:4], src[src > 4][1:4])
    same(y.rechunk(3), src[src > 4])
    same(da.concatenate([y, y]), np.concatenate([src[src > 4]] * 2))
    # a copy made before keeps its unknown chunks, as the array was
    z = x[x > 4]
    w = z.copy()
    z.compute_chunk_sizes()
    assert all(math.isnan(c) for c in w.chunks[0])
    # made again from its recipe (pickle): known
    assert pickle.loads(pickle.dumps(y)).chunks == y.chunks


REFUSED = [
    ("getitem", lambda y: y[:3]),
    ("getitem", lambda y: y[0]),
    ("getitem", lambda y: y[[0, 1]]),
    ("rechunk", lambda y: y.rechunk(2)),
    ("reshape", lambda y: y.reshape(2, -1)),
    ("reshape", lambda y: y.ravel()),
    ("concatenate", lambda y: da.concatenate([y, y])),
    ("stack", lambda y: da.stack([y, y])),
    ("dot", lambda y: y.dot(y)),
    ("cumsum", lambda y: y.cumsum(0)),
    ("argreduce", lambda y: y.argmax()),
    ("histogram", lambda y: da.histogram(y, bins=3, range=(0, 10))),
    ("store", lambda y: y.to_hdf5("never.h5", "/y")),
    ("map_blocks", lambda y: y.map_blocks(lambda b: b)),
    ("persist", lambda y: y.persist()),
    ("to_delayed", lambda y: y.to_delayed()),
    ("mean(dtype=int32)", lambda y: y.mean(dtype="i4")),
    ("moment", lambda y: da.moment(y, 2)),
    ("average(returned=True)", lambda y: da.average(y, returned=True)),
    ("linalg.qr", lambda y: da.linalg.qr(y[:, None] if False else da.stack([y, y]).T)),
]


@pytest.mark.parametrize("name,op", REFUSED, ids=[f"{n}-{i}" for i, (n, _) in enumerate(REFUSED)])
def test_refusals(name, op, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    x = da.arange(10, chunks=3)
    y = x[x > 4]
    with pytest.raises(ValueError) as info:
        op(y)
    msg = str(info.value)
    assert "compute_chunk_sizes()" in msg and "(nan,)" in msg, msg
    if name != "linalg.qr":   # stack refuses first
        assert msg.startswith(name + ": "), msg
    assert not (tmp_path / "never.h5").exists()


def test_refusals_of_shapes():
    x = da.arange(10, chunks=3)
    y = x[x > 4]
    w = da.arange(20, chunks=4)
    with pytest.raises(ValueError, match="could not be broadcast"):
        y + w[w > 3]          # 4 blocks and 5
    with pytest.raises(ValueError, match="could not be broadcast"):
        y + da.ones(4, chunks=1)
    with pytest.raises(ValueError, match="broadcast"):
        dda.arange(10, chunks=3)[dda.arange(10, chunks=3) > 4] + dda.ones(4, chunks=1)
    with pytest.raises(IndexError, match="did not match"):
        x[da.ones(9, dtype=bool)]
    with pytest.raises(IndexError, match="x\\[mask\\], a bool array of x's shape"):
        x[da.arange(3)]
    with pytest.raises(ValueError, match="compute_chunk_sizes"):
        y[:2] = 0


@pytest.mark.parametrize("shape,chunks,axis,cchunks", [
    ((10,), 3, 0, 3), ((10,), 3, None, 4), ((10, 4), (3, 2), 0, 3), ((10, 4), (3, 2), 0, 5),
    ((6, 7), (4, 3), 1, 2), ((6, 7), (4, 3), -1, 7), ((2, 3, 4), (1, 2, 3), None, 5),
])
def test_compress_of_a_lazy_condition(shape, chunks, axis, cchunks):
    src = RNG.randint(0, 9, size=shape)
    n = src.size if axis is None else shape[axis]
    keep = RNG.randint(0, 2, size=n - 1)   # one short of the axis: the rest dropped
    x, d = da.from_array(src, chunks=chunks), dda.from_array(src, chunks=chunks)
    c, dc = da.from_array(keep, chunks=cchunks), dda.from_array(keep, chunks=cchunks)
    ours, theirs = da.compress(c, x, axis), dda.compress(dc, d, axis)
    assert nan_chunks(ours.chunks) == nan_chunks(theirs.chunks)
    assert nan_shape(ours.shape) == nan_shape(theirs.shape)
    assert ntasks(ours) - ntasks(x) - ntasks(c) == ntasks(theirs) - ntasks(d) - ntasks(dc)
    same(ours, np.compress(keep, src, axis))
    # and its sizes, computed: Dask's
    assert ours.compute_chunk_sizes().chunks == theirs.compute_chunk_sizes().chunks
    same(ours, np.compress(keep, src, axis))


def test_compress_refusals():
    x = da.ones((4, 5), chunks=2)
    with pytest.raises(ValueError, match="Condition must be one dimensional"):
        da.compress(x > 0, x, 0)
    with pytest.raises(ValueError, match="more than the 5 of axis 1"):
        da.compress(da.ones(6, dtype=bool), x, 1)
    y = x[x > 0]
    with pytest.raises(ValueError, match="compress: .*compute_chunk_sizes"):
        da.compress(da.ones(3, dtype=bool), y)


@pytest.mark.parametrize("src,chunks", [
    (np.arange(10) % 4, 3),
    (np.array([3., np.nan, -0., 0., 2, np.nan, 3, 1e300, -np.inf]), 2),
    (RNG.randint(0, 5, size=(4, 6)).astype("i2"), (2, 3)),
    (RNG.randint(0, 3, size=(3, 4, 5)).astype("f4"), (2, 2, 5)),
    (np.array([2**64 - 1, 5, 2**63, 5], dtype="u8"), 3),
    (np.array([True, False, True]), 1),
])
def test_unique_is_numpys_and_dasks(src, chunks):
    x, d = da.from_array(src, chunks=chunks), dda.from_array(src, chunks=chunks)
    ours, theirs = da.unique(x), dda.unique(d)
    assert nan_chunks(ours.chunks) == nan_chunks(theirs.chunks) == (("nan",),)
    assert ntasks(ours) - ntasks(x) == ntasks(theirs) - ntasks(d)
    same(ours, np.unique(src))
    # of x[mask] too, as Dask's
    m = x[x > 0]
    same(da.unique(m), np.unique(src[src > 0]))
    assert ntasks(da.unique(m)) - ntasks(m) == ntasks(dda.unique(d[d > 0])) - ntasks(d[d > 0])


def test_unique_refusals():
    x = da.arange(4, chunks=2)
    with pytest.raises(NotImplementedError, match="return_counts=True"):
        da.unique(x, return_counts=True)
    with pytest.raises(TypeError, match="complex"):
        da.unique(x.astype("c16"))


@pytest.mark.parametrize("shape,chunks", [((10,), 3), ((7,), 7), ((6, 5), (4, 2)),
                                          ((3, 4, 5), (2, 3, 2))])
@pytest.mark.parametrize("dtype", ["i8", "f8", "?"])
def test_argwhere_nonzero_flatnonzero(shape, chunks, dtype):
    src = RNG.randint(0, 3, size=shape).astype(dtype)
    if dtype == "f8":
        src.flat[1] = np.nan   # nonzero, as NumPy counts it
    x, d = da.from_array(src, chunks=chunks), dda.from_array(src, chunks=chunks)
    # Dask's index grid (indices) has fewer tasks than dusk's (its
    # broadcast_to): the layers each adds to x and the grid are compared
    grid = ntasks(da.indices(shape, dtype=np.intp, chunks=chunks)) if len(shape) > 1 else 0
    dgrid = len(dda.indices(shape, dtype=np.intp, chunks=chunks).dask) if len(shape) > 1 else 0
    for name in ["argwhere", "flatnonzero"]:
        ours, theirs = getattr(da, name)(x), getattr(dda, name)(d)
        assert nan_chunks(ours.chunks) == nan_chunks(theirs.chunks), name
        g, dg = (grid, dgrid) if name == "argwhere" else (0, 0)
        assert ntasks(ours) - ntasks(x) - g == ntasks(theirs) - ntasks(d) - dg, name
        same(ours, getattr(np, name)(src), name)
    ours, theirs = da.nonzero(x), dda.nonzero(d)
    assert len(ours) == len(theirs) == len(shape)
    for o, t, want in zip(ours, theirs, np.nonzero(src)):
        assert nan_chunks(o.chunks) == nan_chunks(t.chunks)
        assert ntasks(o) - ntasks(x) - grid == ntasks(t) - ntasks(d) - dgrid
        same(o, want)
    assert x.nonzero()[0].name == ours[0].name
    # np.nonzero of a dusk array is dusk's
    assert isinstance(np.nonzero(x)[0], da.Array)


def test_slicing_of_unknown_chunks_is_dasks():
    x, d = da.arange(10., chunks=3), dda.arange(10., chunks=3)
    y, e = x[x > 4], d[d > 4]
    o, od = da.ones((10, 4), chunks=(3, 2)), dda.ones((10, 4), chunks=(3, 2))
    c, cd = da.compress(x > 4, o, 0), dda.compress(d > 4, od, 0)
    want = np.ones((10, 4))[np.arange(10.) > 4]
    for ours, theirs, w in [
        (y[:], e[:], np.arange(5., 10)), (y[None], e[None], np.arange(5., 10)[None]),
        (y[:, None], e[:, None], np.arange(5., 10)[:, None]), (y[...], e[...], np.arange(5., 10)),
        (c[:, 1], cd[:, 1], want[:, 1]), (c[:, 1:3], cd[:, 1:3], want[:, 1:3]),
        (c[:, [0, 2]], cd[:, [0, 2]], want[:, [0, 2]]), (c[..., 0], cd[..., 0], want[..., 0]),
        (c[:, ::-1], cd[:, ::-1], want[:, ::-1]),
    ]:
        assert nan_chunks(ours.chunks) == nan_chunks(theirs.chunks)
        assert ntasks(ours) == ntasks(theirs)
        same(ours, w)
    # along an axis of unknown length, ':' only
    for index in [0, slice(1, None), slice(None, None, 2), [0], slice(None, None, -1)]:
        with pytest.raises(ValueError, match="axis 0 takes ':' only.*compute_chunk_sizes"):
            y[index]
    with pytest.raises(ValueError, match="axis 0 takes ':' only"):
        c[1, :]


def test_the_days_other_additions_refuse_unknown_chunks_by_name():
    # vindex, view, to_npy_stack, overlap, sliding_window_view, map_overlap,
    # to_svg and the NumPy-drawn random draws read chunk sizes: each names
    # itself and says to compute them, where some failed on nan arithmetic
    x = da.arange(10, chunks=3)
    y = x[x > 4]
    for name, f in [("vindex", lambda: y.vindex[[0]]), ("view", lambda: y.view("u1")),
                    ("to_npy_stack", lambda: da.to_npy_stack("/nonexistent-dir", y)),
                    ("overlap", lambda: da.overlap.overlap(y, 1, "none")),
                    ("sliding_window_view", lambda: da.overlap.sliding_window_view(y, 2)),
                    ("map_overlap", lambda: y.map_overlap(lambda b: b, 1)),
                    ("random.binomial", lambda: da.random.binomial(y, 0.5))]:
        with pytest.raises(ValueError, match=name + ": array chunk sizes are unknown"):
            f()
    with pytest.raises(ValueError, match="blocks of unknown size"):
        y.to_svg()
    html = y._repr_html_()
    assert "nan" in html and "<svg" not in html


def test_two_selections_line_up_only_when_their_sizes_are_the_same():
    # as many blocks is not enough: a block of 1 broadcast against one of n
    # gave silently wrong values (Dask 2022.12 gives the same wrong ones)
    an, bn = np.arange(6.0), np.arange(6.0) * 100
    mn = np.array([1, 1, 0, 1, 0, 0], bool)
    a = da.from_array(an, chunks=3)
    m = da.from_array(mn, chunks=6)
    with pytest.raises(ValueError, match="two different selections"):
        a[m] + da.from_array(bn, chunks=(1, 5))[m]       # m cut two ways: other sizes
    np.testing.assert_array_equal((a[m] + da.from_array(bn, chunks=3)[m]).compute(),
                                  an[mn] + bn[mn])       # the same cut: the same sizes
    x = da.from_array(np.array([3.0, -1, 2, 0, 5, -4, 7, 1, -2, 6, 8, 9]), chunks=3)
    y, w = x[x > 0], x[x > 1.5]
    with pytest.raises(ValueError, match="two different selections"):
        y + w
    with pytest.raises(ValueError, match="two different selections"):
        y[w > 2] = 0
    xs = x.compute()
    np.testing.assert_array_equal(((2 * x)[x > 0] + x[x > 0]).compute(), 3 * xs[xs > 0])
    q = y.copy()
    q[q > 2] = 0
    np.testing.assert_array_equal(q.compute(), np.where(xs[xs > 0] > 2, 0, xs[xs > 0]))


def test_a_known_row_meets_blocks_of_unknown_size():
    # c + a row was refused as a rechunk of c (whose chunks needed none)
    a = np.arange(24.0).reshape(6, 4)
    k = np.array([1, 0, 1, 1, 0, 1])
    c = da.compress(da.from_array(k, chunks=3) > 0, da.from_array(a, chunks=(2, 2)), axis=0)
    want = np.compress(k > 0, a, axis=0)
    for row in (np.ones(4), np.ones((1, 4)), da.arange(4, chunks=4), da.arange(4, chunks=2)):
        np.testing.assert_array_equal((c + row).compute(), want + np.asarray(row))


def test_refusals_that_read_a_shape_name_themselves():
    x = da.arange(8, chunks=3)
    y = x[x > 2]
    for name, f in [("_like", lambda: da.zeros_like(y)), ("_like", lambda: da.full_like(y, 2)),
                    ("broadcast_arrays", lambda: da.broadcast_arrays(y, 1)),
                    ("average", lambda: da.average(y, weights=y))]:
        with pytest.raises(ValueError, match=name + ".*array chunk sizes are unknown"):
            f()


def test_array_functions_name_themselves():
    # einsum and apply_along_axis failed on nan arithmetic ("cannot convert
    # float NaN to integer"); the others named the operation they are built
    # of (getitem, reshape, concatenate), not the one the user called
    x = da.arange(10, chunks=3)
    y = x[x > 4]
    for name, f in [("einsum", lambda: da.einsum("i->", y)),
                    ("apply_along_axis", lambda: da.apply_along_axis(np.sum, 0, y)),
                    ("topk", lambda: da.topk(y, 2)), ("percentile", lambda: da.percentile(y, 50)),
                    ("median", lambda: da.median(y, axis=0)), ("pad", lambda: da.pad(y, 1)),
                    ("roll", lambda: da.roll(y, 1)), ("tile", lambda: da.tile(y, 2)),
                    ("outer", lambda: da.outer(x, y)), ("repeat", lambda: da.repeat(y, 2)),
                    ("take", lambda: da.take(y, [0])), ("diff", lambda: da.diff(y)),
                    ("searchsorted", lambda: da.searchsorted(x, y))]:
        with pytest.raises(ValueError, match="^" + name + ": array chunk sizes are unknown"):
            f()


def test_known_axes_of_an_unknown_array_still_work():
    # diff and take along a known axis read no unknown size (one
    # block along it: a[:, 1:] - a[:, :-1] across blocks needs a rechunk,
    # which dusk still refuses on blocks of unknown size)
    a = np.arange(24.0).reshape(6, 4)
    k = np.array([1, 0, 1, 1, 0, 1])
    c = da.compress(da.from_array(k, chunks=3) > 0, da.from_array(a, chunks=(2, 4)), axis=0)
    want = np.compress(k > 0, a, axis=0)
    np.testing.assert_array_equal(da.diff(c, axis=1).compute(), np.diff(want, axis=1))
    np.testing.assert_array_equal(da.take(c, [0, 3], axis=1).compute(), want[:, [0, 3]])
    with pytest.raises(ValueError, match="^diff: array chunk sizes are unknown"):
        da.diff(c, axis=0)
