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
