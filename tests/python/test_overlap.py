"""dusk.array.overlap (overlap, trim_internal, the boundaries,
sliding_window_view) side by side with Dask 2022.12's: values, chunks and the
overlap's task count."""
import random

import dask.array as dda
import numpy as np
import pytest
from dask.array.overlap import ensure_minimum_chunksize as dask_emc

import dusk.array as da

A = np.arange(20 * 13.0).reshape(20, 13)
CHUNKS = [5, ((5, 5, 2, 8), (4, 4, 5)), (2, 3)]
BOUNDARIES = ["none", "reflect", "periodic", "nearest", 3.5, {0: "reflect"},
              ("periodic", "nearest")]


def test_ensure_minimum_chunksize_is_dasks():
    rng = random.Random(1)
    for _ in range(3000):
        chunks = tuple(rng.randint(1, 9) for _ in range(rng.randint(1, 7)))
        size = rng.randint(1, 12)
        try:
            want = dask_emc(size, chunks)
        except ValueError:
            with pytest.raises(ValueError, match="larger than your array"):
                da.overlap.ensure_minimum_chunksize(size, chunks)
            continue
        assert da.overlap.ensure_minimum_chunksize(size, chunks) == want


@pytest.mark.parametrize("boundary", BOUNDARIES, ids=str)
@pytest.mark.parametrize("chunks", CHUNKS, ids=str)
@pytest.mark.parametrize("depth", [3, (1, 2), {1: 2}], ids=str)
def test_overlap_and_trim_as_dask(boundary, chunks, depth):
    x, d = da.from_array(A, chunks=chunks), dda.from_array(A, chunks=chunks)
    got, want = da.overlap.overlap(x, depth, boundary), dda.overlap.overlap(d, depth, boundary)
    assert got.chunks == want.chunks
    np.testing.assert_array_equal(got.compute(), want.compute())
    # the same layers: Dask's from_array has one task more (the array itself)
    assert got._ntasks - x._ntasks == len(dict(want.__dask_graph__())) - \
        len(dict(d.__dask_graph__()))
    axes = da.overlap.coerce_depth(2, depth)
    t, w = da.overlap.trim_internal(got, axes, boundary), \
        dda.overlap.trim_internal(want, axes, boundary)
    assert t.chunks == w.chunks
    np.testing.assert_array_equal(t.compute(), A)
    np.testing.assert_array_equal(da.overlap.trim_overlap(got, depth, boundary).compute(), A)


def test_overlap_then_map_blocks_is_map_overlap():
    x = da.from_array(A, chunks=(6, 5))

    def lap(b):
        return 4 * b - np.roll(b, 1, 0) - np.roll(b, -1, 0) - np.roll(b, 1, 1) - np.roll(b, -1, 1)
    g = da.overlap.overlap(x, 1, "periodic").map_blocks(lap, dtype=float)
    mine = da.overlap.trim_internal(g, {0: 1, 1: 1}, "periodic")
    np.testing.assert_allclose(mine.compute(), lap(A))
    np.testing.assert_allclose(mine.compute(), x.map_overlap(lap, 1, "periodic").compute())


@pytest.mark.parametrize("kind", ["periodic", "reflect", "nearest"])
@pytest.mark.parametrize("depth", [1, 2, 3])
def test_one_axis_boundaries_as_dask(kind, depth):
    got = getattr(da.overlap, kind)(da.from_array(A, chunks=4), 1, depth)
    want = getattr(dda.overlap, kind)(dda.from_array(A, chunks=4), 1, depth)
    assert got.chunks == want.chunks
    np.testing.assert_array_equal(got.compute(), want.compute())


def test_constant_and_boundaries_as_dask():
    got = da.overlap.constant(da.from_array(A, chunks=4), 0, 2, 7.0)
    want = dda.overlap.constant(dda.from_array(A, chunks=4), 0, 2, 7.0)
    assert got.chunks == want.chunks
    np.testing.assert_array_equal(got.compute(), want.compute())
    kinds = {0: "reflect", 1: 1.5}
    got = da.overlap.boundaries(da.from_array(A, chunks=4), {0: 2, 1: 1}, kinds)
    want = dda.overlap.boundaries(dda.from_array(A, chunks=4), {0: 2, 1: 1}, kinds)
    assert got.chunks == want.chunks
    np.testing.assert_array_equal(got.compute(), want.compute())


@pytest.mark.parametrize("window, axis", [((3, 3), None), (3, 0), ((2,), 1), ((4, 2), (0, 0)),
                                          ((1, 1), None), ((6,), 1)], ids=str)
@pytest.mark.parametrize("chunks", [5, (3, 4), (2, 3)], ids=str)
def test_sliding_window_view_as_dask(window, axis, chunks):
    got = da.lib.stride_tricks.sliding_window_view(da.from_array(A, chunks=chunks), window, axis)
    want = dda.lib.stride_tricks.sliding_window_view(dda.from_array(A, chunks=chunks), window,
                                                     axis)
    assert got.chunks == want.chunks
    np.testing.assert_array_equal(got.compute(), want.compute())
    assert da.overlap.sliding_window_view is da.lib.stride_tricks.sliding_window_view


def test_bad_input():
    x = da.from_array(A, chunks=(2, 3))
    with pytest.raises(NotImplementedError, match="asymmetric"):
        da.overlap.overlap(x, {0: (1, 2)}, "none")
    with pytest.raises(ValueError, match="depth 21 of axis 0 is larger"):
        da.overlap.overlap(x, 21, "none")
    with pytest.raises(ValueError, match="at least 0"):
        da.overlap.overlap(x, -1, "none")
    with pytest.raises(ValueError, match="overlap: boundary must be"):
        da.overlap.overlap(x, 1, "mirror")
    with pytest.raises(ValueError, match="smallest chunk size 2"):
        da.overlap.overlap(x, 3, "none", allow_rechunk=False)
    with pytest.raises(ValueError, match="block 0 of axis 0 holds 2 cells"):
        da.overlap.trim_internal(x, {0: 2}, "reflect")
    with pytest.raises(ValueError, match="window shape cannot be larger"):
        da.overlap.sliding_window_view(x, (21, 1))
    with pytest.raises(ValueError, match="> 0"):
        da.overlap.sliding_window_view(x, (0, 1))
    with pytest.raises(ValueError, match="matching length"):
        da.overlap.sliding_window_view(x, (2, 2), axis=0)
    with pytest.raises(ValueError, match="boundaries: the boundary of axis 0"):
        da.overlap.boundaries(x, 1, "mirror")


def _layer_tasks(x):
    """{op: tasks} of x's layers, but Dask's block-info and dusk's original-array."""
    out = {}
    if isinstance(x, da.Array):
        for layer in x._layers():
            out[layer["op"]] = out.get(layer["op"], 0) + layer["ntasks"]
    else:
        from dask.utils import key_split
        for k, v in x.__dask_graph__().layers.items():
            out[key_split(k)] = out.get(key_split(k), 0) + len(v)
    out.pop("block-info", None)
    out.pop("original-array", None)
    return out


def _stencil(p, q):
    return p + q[None, :] + np.roll(p, 1, 0)


@pytest.mark.parametrize("kw", [dict(depth=1, boundary="reflect"),
                                dict(depth=[1, 1], boundary=["periodic", "reflect"]),
                                dict(depth=[{0: 2}, 0], boundary="nearest")], ids=str)
def test_map_overlap_of_several_arrays_as_dask(kw):
    # refused before (dusk's took one array); Dask's graph: overlap each,
    # map_blocks, trim_internal; the tasks Dask's but for its block-info layer
    b = np.arange(13.0)
    x, y = da.from_array(A, chunks=(5, 4)), da.from_array(b, chunks=5)
    X, Y = dda.from_array(A, chunks=(5, 4)), dda.from_array(b, chunks=5)
    got, want = da.map_overlap(_stencil, x, y, dtype=float, **kw), \
        dda.map_overlap(_stencil, X, Y, dtype=float, **kw)
    assert got.chunks == want.chunks
    np.testing.assert_array_equal(got.compute(), want.compute())
    assert _layer_tasks(got) == _layer_tasks(want)


def test_map_overlap_with_block_info_drop_axis_and_new_axis():
    x, X = da.from_array(A, chunks=(5, 4)), dda.from_array(A, chunks=(5, 4))

    def where(blk, block_info=None):
        return blk * 0 + block_info[0]["chunk-location"][0]
    np.testing.assert_array_equal(
        da.map_overlap(where, x, depth=1, boundary="none", dtype=float).compute(),
        dda.map_overlap(where, X, depth=1, boundary="none", dtype=float).compute())
    got = da.map_overlap(lambda q: q.sum(axis=1), x, depth={0: 1, 1: 0}, boundary="reflect",
                         drop_axis=1, dtype=float)
    want = dda.map_overlap(lambda q: q.sum(axis=1), X, depth={0: 1, 1: 0}, boundary="reflect",
                           drop_axis=1, dtype=float)
    assert got.chunks == want.chunks
    np.testing.assert_array_equal(got.compute(), want.compute())
    # the function trims itself (trim=False): the array's chunks, as Dask's
    got = da.map_overlap(lambda q, q2: q[1:-1] * 2, x[:, 0], x[:, 1], depth=1,
                         boundary="periodic", trim=False, dtype=float)
    np.testing.assert_array_equal(got.compute(), A[:, 0] * 2)
    with pytest.raises(TypeError, match="All variadic arguments must be arrays"):
        da.map_overlap(_stencil, x, 3)
    with pytest.raises(ValueError, match="a list of 2 depths for 1 array$"):
        da.map_overlap(lambda q: q, x, depth=[1, 1], dtype=float)


def test_overlap_of_depth_0_as_dask():
    x, X = da.from_array(A, chunks=(5, 4)), dda.from_array(A, chunks=(5, 4))
    got, want = da.overlap.overlap(x, 0, "none"), dda.overlap.overlap(X, 0, "none")
    assert got.chunks == want.chunks and _layer_tasks(got) == _layer_tasks(want)
    np.testing.assert_array_equal(got.compute(), A)


def test_map_overlap_new_axis_anywhere():
    # the trim's depths follow the kept axes past the new ones (they were
    # left in place, so a new first axis was trimmed and the others not)
    a = np.arange(80.0).reshape(8, 10)
    x = da.from_array(a, chunks=(4, 5))
    r = da.map_overlap(lambda p: np.stack([p] * 4), x, depth=1, boundary="reflect", new_axis=0,
                       chunks=((4,), (6, 6), (7, 7)))
    assert r.shape == (4, 8, 10) and r.chunks == ((4,), (4, 4), (5, 5))
    np.testing.assert_array_equal(r.compute()[3], a)
    r = da.map_overlap(lambda p: p[:, None], x, depth=1, boundary="reflect", new_axis=1,
                       chunks=((6, 6), (1,), (7, 7)))
    assert r.shape == (8, 1, 10)
    np.testing.assert_array_equal(r.compute()[:, 0], a)


def test_constant_boundaries_an_integer_array_cannot_hold_are_refused():
    # they went through a C double: NaN became 0 and 2**60 + 1 became 2**60
    x = da.arange(12, chunks=4)
    for c in (float("nan"), 2.5, 2**60 + 1):
        with pytest.raises(ValueError, match="cannot be put in an array of int64"):
            da.overlap.overlap(x, 1, c)
        with pytest.raises(ValueError, match="cannot be put in an array of int64"):
            x.map_overlap(lambda b: b, 1, c)
    np.testing.assert_array_equal(da.overlap.overlap(x, 1, -7).compute()[:2], [-7, 0])
    assert np.isnan(da.overlap.overlap(x.astype(float), 1, float("nan")).compute()[0])
