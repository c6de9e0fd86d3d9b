"""x.vindex (point-wise indexing), x.view, x.partitions, x.store and
to_npy_stack/from_npy_stack, side by side with Dask 2022.12 and NumPy."""
import os
import threading

import dask.array as dda
import h5py
import numpy as np
import pytest

import dusk.array as da

A = np.arange(7 * 8 * 9).reshape(7, 8, 9)
RNG = np.random.default_rng(7)
CASES = [
    ([1, 5, 6],),
    ([1, 5], [2, 7]),
    (slice(None), [0, 7, 3], [8, 1, 4]),
    ([0, 6], slice(1, 5), [2, 8]),
    (2, [1, 2], [3, 4]),
    ([[1, 2], [3, 6]], 0),
    (np.array([6, 0, 2, 2]), np.array([[0], [7]]), 4),
    (Ellipsis, [1, 8]),
    ([-1, -7],),
    ([],),
    (RNG.integers(0, 7, 50), RNG.integers(0, 8, 50), RNG.integers(0, 9, 50)),
]


@pytest.mark.parametrize("index", CASES, ids=[str(i)[:40] for i in range(len(CASES))])
def test_vindex_as_dask(index):
    x = da.from_array(A, chunks=(3, 4, 5))
    d = dda.from_array(A, chunks=(3, 4, 5))
    got, want = x.vindex[index], d.vindex[index]
    assert got.shape == want.shape and got.chunks == want.chunks and got.dtype == want.dtype
    np.testing.assert_array_equal(got.compute(), want.compute())


def test_vindex_reads_only_the_blocks_with_points():
    lock, read = threading.Lock(), []

    def load(b, block_id=None):
        with lock:
            read.append(block_id)
        return b
    x = da.from_array(A, chunks=(3, 4, 5)).map_blocks(load, dtype=A.dtype)
    got = x.vindex[[0, 6, 1], [0, 7, 1], [0, 8, 2]].compute()
    np.testing.assert_array_equal(got, A[[0, 6, 1], [0, 7, 1], [0, 8, 2]])
    assert sorted(read) == [(0, 0, 0), (2, 1, 1)]    # 2 of the 18 blocks


@pytest.mark.parametrize("index, match", [
    (([True, False],), "boolean"),
    (([10],), "out of bounds"),
    (([1, 2], [1, 2, 3]), "shape mismatch"),
    (([1.5],), "ints"),
    ((None, [1]), "None"),
    (([1], [1], [1], [1]), "too many indices"),
])
def test_vindex_refuses(index, match):
    x = da.from_array(A, chunks=(3, 4, 5))
    with pytest.raises(IndexError, match=match):
        x.vindex[index]
    with pytest.raises(IndexError, match="dusk arrays"):
        x.vindex[da.arange(3, chunks=2)]


@pytest.mark.parametrize("dtype, order", [("u1", "C"), ("i8", "C"), ("f4", "C"), ("u2", "F"),
                                          ("i8", "F"), (None, "C")])
def test_view_as_dask(dtype, order):
    a = np.arange(24, dtype="i4").reshape(4, 6)
    got = da.from_array(a, chunks=(2, 2)).view(dtype, order)
    want = dda.from_array(a, chunks=(2, 2)).view(dtype, order)
    assert got.chunks == want.chunks and got.dtype == want.dtype
    np.testing.assert_array_equal(got.compute(), want.compute())


def test_view_refuses_blocks_of_part_elements():
    with pytest.raises(ValueError, match="not a whole number of int64"):
        da.from_array(np.arange(24, dtype="i4").reshape(4, 6), chunks=(2, 3)).view("i8")
    with pytest.raises(ValueError, match="Order"):
        da.ones(4, chunks=2).view("f8", order="K")
    with pytest.raises(TypeError, match="view: dusk arrays cannot hold dtype object"):
        da.ones(4, chunks=2).view("O")


def test_partitions_and_store_method(tmp_path):
    x = da.from_array(A, chunks=(3, 4, 5))
    np.testing.assert_array_equal(x.partitions[1, 0, 1].compute(), A[3:6, 0:4, 5:9])
    out = np.zeros_like(A)
    assert x.store(out) is None
    np.testing.assert_array_equal(out, A)
    back = x.store((tmp_path / "s.h5", "/x"), return_stored=True)
    assert back.chunks == x.chunks
    np.testing.assert_array_equal(back.compute(), A)
    with h5py.File(tmp_path / "s.h5", "r") as f:
        np.testing.assert_array_equal(f["/x"][...], A)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_npy_stack_both_ways_with_dask(tmp_path, axis):
    a = np.arange(60.0).reshape(6, 10)
    da.to_npy_stack(tmp_path / "dusk", da.from_array(a, chunks=(2, 3)), axis=axis)
    d = dda.from_npy_stack(str(tmp_path / "dusk"))
    np.testing.assert_array_equal(d.compute(), a)
    blocks = sorted(f for f in os.listdir(tmp_path / "dusk") if f.endswith(".npy"))
    assert len(blocks) == len(dda.from_array(a, chunks=(2, 3)).chunks[axis])
    dda.to_npy_stack(str(tmp_path / "dask"), dda.from_array(a, chunks=(2, 3)), axis=axis)
    x = da.from_npy_stack(tmp_path / "dask")
    assert x.chunks == dda.from_npy_stack(str(tmp_path / "dask")).chunks
    np.testing.assert_array_equal(x.compute(), a)
    np.testing.assert_array_equal(da.from_npy_stack(tmp_path / "dusk", mmap_mode=None).sum()
                                  .compute(), a.sum())


def test_npy_stack_bad_input(tmp_path):
    with pytest.raises(FileNotFoundError, match="no 'info'"):
        da.from_npy_stack(tmp_path)
    (tmp_path / "info").write_bytes(b"not a pickle")
    with pytest.raises(ValueError, match="not an info file"):
        da.from_npy_stack(tmp_path)
    da.to_npy_stack(tmp_path / "s", da.ones((4, 2), chunks=2))
    np.save(tmp_path / "s" / "1.npy", np.ones((3, 2)))    # a file changed behind its info
    with pytest.raises(ValueError, match="holds float64 \\(3, 2\\)"):
        da.from_npy_stack(tmp_path / "s").compute()
    with pytest.raises(np.AxisError):
        da.to_npy_stack(tmp_path / "t", da.ones((4, 2), chunks=2), axis=2)
    with pytest.raises(TypeError, match="dusk array"):
        da.to_npy_stack(tmp_path / "t", np.ones(3))


def test_asarray_array_and_small_methods_as_dask():
    import warnings
    x = da.ones(3, chunks=2)
    assert da.asarray(x) is x and da.asanyarray(x) is x
    for f in (da.asarray, da.asanyarray):
        for a, dt in (([1, 2, 3], "f4"), (x, "f4"), (np.arange(3), None)):
            # NumPy's dtype (dtype= was dropped; Dask 2022.12 drops it for arrays)
            got = f(a, dtype=dt)
            want = np.asarray(np.ones(3) if isinstance(a, da.Array) else a, dtype=dt)
            assert got.dtype == want.dtype
            np.testing.assert_array_equal(got.compute(), want)
    assert da.asarray([x, x]).shape == (2, 3)
    assert da.array([1, 2], ndmin=3).shape == dda.array([1, 2], ndmin=3).shape
    assert da.array(x, dtype="i2").dtype == np.int16
    with pytest.raises(TypeError, match="unexpected keyword argument 'dtype'"):
        da.from_array(np.ones(3), dtype="f4")
    da.from_array(np.ones(3), lock=True, asarray=False, fancy=False, inline_array=True)
    assert x.A is x
    c = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
    np.testing.assert_array_equal(da.arange(3, chunks=2).choose(c).compute(),
                                  np.arange(3).choose(c))
    np.testing.assert_array_equal(da.arange(3, chunks=2).repeat(2).compute(),
                                  np.arange(3).repeat(2))
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        r = da.atop(np.add, "i", x, "i", x, "i", dtype="f8")
    assert "blockwise" in str(w[0].message)
    np.testing.assert_array_equal(r.compute(), [2.0, 2.0, 2.0])


def test_to_svg_and_the_notebook_picture():
    import xml.etree.ElementTree as ET
    x = da.ones((10, 10), chunks=5)
    svg = ET.fromstring(x.to_svg())
    ns = "{http://www.w3.org/2000/svg}"
    assert len(svg.findall(ns + "line")) == 6       # 3 boundaries each way, as Dask's
    assert [t.text for t in svg.findall(ns + "text")] == ["10", "10"]
    assert int(ET.fromstring(x.to_svg(size=300)).get("width")) < \
        int(ET.fromstring(x.to_svg(size=600)).get("width"))
    html = x._repr_html_()
    assert "<svg" in html and "Bytes" in html
    ET.fromstring(html.replace("&#215;", "x"))       # the table and the picture, well-formed
    box = ET.fromstring(da.ones((4, 6, 8), chunks=2).to_svg())
    assert len(box.findall(ns + "polygon")) == 3
    assert "<svg" not in da.ones((), chunks=()).sum()._repr_html_()
    with pytest.raises(ValueError, match="0-d"):
        da.ones((3,), chunks=2).sum().to_svg()
    for bad in (0, True, 2**31, 2.5):
        with pytest.raises(ValueError, match="size must be a number of pixels"):
            x.to_svg(size=bad)
    with pytest.raises(ValueError, match="axis 0 has length 0"):
        da.ones((0, 5), chunks=2).to_svg()
    assert "<svg" not in da.ones((0, 5), chunks=2)._repr_html_()


def test_assert_eq_and_performance_warning():
    import warnings
    x = da.arange(6, chunks=4) * 1.5
    assert da.assert_eq(x, np.arange(6) * 1.5)
    assert da.assert_eq(x, x + 1e-12)
    assert da.assert_eq(da.ones(3, chunks=2) / 0 * 0, np.full(3, np.nan))
    with pytest.raises(AssertionError, match="first at \\(5,\\): 7.5 and 8.0"):
        da.assert_eq(x, np.array([0, 1.5, 3, 4.5, 6, 8.0]))
    with pytest.raises(AssertionError, match="dtypes float64 and int64"):
        da.assert_eq(x, np.arange(6))
    assert da.assert_eq(x.astype("f4"), np.arange(6) * 1.5, check_dtype=False)
    with pytest.raises(AssertionError, match="shapes"):
        da.assert_eq(x, np.ones(5) * 1.5)
    with pytest.raises(AssertionError, match="do not broadcast"):
        da.assert_eq(x, np.ones(5) * 1.5, check_shape=False)
    assert issubclass(da.PerformanceWarning, Warning)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", da.PerformanceWarning)
        warnings.warn("slow", da.PerformanceWarning)


def test_asarray_of_an_h5py_dataset_stays_lazy(tmp_path):
    # read when computed, not copied when made (asarray read the whole
    # dataset into memory): values written after asarray are the ones computed
    with h5py.File(tmp_path / "d.h5", "w") as f:
        f.create_dataset("d", data=np.arange(40.0).reshape(4, 10))
    made = []
    with h5py.File(tmp_path / "d.h5", "r") as f:
        for fn in (da.asarray, da.asanyarray):
            x = fn(f["d"], chunks=(2, 5))
            assert x.chunks == ((2, 2), (5, 5))
            made.append(x)
        made.append(da.asarray(f["d"], dtype="f4"))
    with h5py.File(tmp_path / "d.h5", "r+") as f:
        f["d"][...] = -1.0
    for x in made:
        np.testing.assert_array_equal(x.compute(), np.full((4, 10), -1.0))
    assert made[-1].dtype == np.float32
    assert da.asarray(np.arange(10), chunks=5).chunks == ((5, 5),)
