"""dusk.array: the lecture's dask.array and h5py cells with dusk in place of dask, against
NumPy (values) and Dask (task counts, the repr table)."""
import gc
import io
import errno
import os

import numpy as np
import pytest

import dusk
import dusk.array as da
from conftest import SANITIZED, add, inc, rss_bytes, run_python

h5py = pytest.importorskip("h5py")
dda = pytest.importorskip("dask.array")


def ntasks_dask(x):
    return len(x.__dask_graph__())


def both(make):
    """The same expression built by dusk.array and by dask.array."""
    return make(da), make(dda)


LECTURE_EXPRS = {
    "x + x.T": lambda m: (lambda x: x + x.T)(m.ones((15, 15), chunks=(5, 5))),          # In [101]
    "x.sum(axis=0)": lambda m: m.ones((15, 15), chunks=(5, 5)).sum(axis=0),             # In [107]
    "x.dot(x.T + 1)": lambda m: (lambda x: x.dot(x.T + 1))(m.ones((15, 15), chunks=(5, 5))),  # In [111]
    "x - x.mean(axis=0)": lambda m: (lambda x: x - x.mean(axis=0))(m.ones((15, 15), chunks=(5, 5))),
    "x @ x / 3": lambda m: (lambda x: x @ x / 3)(m.ones((8, 8), chunks=3) * m.arange(8, chunks=3)),
    "slices": lambda m: m.ones((20, 30), chunks=(6, 7))[:10, 25:3:-2],
    "fancy": lambda m: m.ones((20, 30), chunks=(6, 7))[:, [10, 1, 5]],
    "exp sum": lambda m: m.exp(m.zeros((9, 9), chunks=4)).sum(),
    "std": lambda m: m.ones((12, 10), chunks=(5, 4)).std(axis=1),
}


@pytest.mark.parametrize("name", sorted(LECTURE_EXPRS))
def test_lecture_expressions_match_numpy_and_dask(name):
    ours, theirs = both(LECTURE_EXPRS[name])
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    assert ours.chunks == theirs.chunks
    assert ours.npartitions == theirs.npartitions and ours.numblocks == theirs.numblocks
    assert ours._ntasks == ntasks_dask(theirs), name
    got = ours.compute()
    assert isinstance(got, (np.ndarray, np.generic))
    np.testing.assert_allclose(got, theirs.compute(scheduler="sync"))
    np.testing.assert_allclose(np.asarray(ours), got)


def test_lecture_h5py_array_cells(tmp_path):
    # In [115]-[124]: rnd_data.hdf5 with /data_set_1, read through dusk's libhdf5.
    path = tmp_path / "rnd_data.hdf5"
    a = np.random.default_rng(11).standard_normal((1000, 2000))
    with h5py.File(path, "w") as f:
        f.create_dataset("data_set_1", data=a)
    data_f = h5py.File(path, "r")
    assert list(data_f.keys()) == ["data_set_1"]
    data_set = data_f["/data_set_1"]
    x_da = da.from_array(data_set, chunks=(500, 500))
    r = x_da - x_da.mean(axis=0)
    d_x = dda.from_array(data_set, chunks=(500, 500))
    d_r = d_x - d_x.mean(axis=0)
    assert (x_da._ntasks, r._ntasks) == (ntasks_dask(d_x), ntasks_dask(d_r))
    # The table Dask shows for r (Out[122]) and x_da (Out[59]).
    html = r._repr_html_()
    for cell in ("15.26 MiB", "1.91 MiB", "(1000, 2000)", "(500, 500)",
                 "%d Tasks" % ntasks_dask(d_r), "8 Chunks", "float64", "numpy.ndarray"):
        assert "<td> %s </td>" % cell in html, (cell, html)
    assert repr(r).startswith("dusk.array<sub, shape=(1000, 2000), dtype=float64, chunksize=(500, 500)")
    np.testing.assert_allclose(r.compute(), a - a.mean(axis=0))                  # Out[124]
    np.testing.assert_allclose((x_da - x_da.mean(axis=0)).compute(scheduler="sync"), d_r.compute())
    data_f.close()
    with pytest.raises(ValueError, match="closed"):
        da.from_array(data_set, chunks=(500, 500))


def test_h5py_rewrites_a_file_dusk_has_read(tmp_path):
    # A class reruns the notebook: the cell that writes rnd_data.hdf5 with
    # h5py ("w") runs again after dusk read and computed it. h5py shares
    # dusk's libhdf5, which refuses to truncate a file it has open.
    path = str(tmp_path / "rnd_data.hdf5")
    for k in range(3):
        with h5py.File(path, "w") as f:
            f.create_dataset("data_set_1", data=np.full((40, 30), float(k)))
        x = da.from_hdf5(path, "/data_set_1", chunks=(20, 10))
        if k == 1:
            x.to_hdf5(str(tmp_path / "copy.h5"), "/x")
        else:
            assert float((x + 1).sum().compute()) == (k + 1) * 1200.0


def test_h5py_datasets_are_read_by_absolute_name(tmp_path, monkeypatch):
    # An array over a file named relatively still reads it after a chdir; a
    # file with no name dusk could open is refused at once, saying why.
    monkeypatch.chdir(tmp_path)
    with h5py.File("d.h5", "w") as f:
        f.create_dataset("a", data=np.arange(10))
    f = h5py.File("d.h5", "r")
    x = da.from_array(f["a"], chunks=5)
    y = da.from_hdf5("d.h5", "/a", chunks=5)
    os.mkdir("elsewhere")
    monkeypatch.chdir(tmp_path / "elsewhere")
    np.testing.assert_array_equal(x.compute(), np.arange(10))
    np.testing.assert_array_equal(y.compute(), np.arange(10))
    f.close()
    mem = h5py.File("in-memory.h5", "w", driver="core", backing_store=False)
    mem.create_dataset("m", data=np.ones(3))
    with pytest.raises(ValueError, match="driver 'core'"):
        da.from_array(mem["m"])
    mem.close()
    buf = io.BytesIO()
    with h5py.File(buf, "w") as g:
        g.create_dataset("b", data=np.ones(3))
    with h5py.File(buf, "r") as g:
        with pytest.raises(ValueError, match="driver 'fileobj'"):
            da.from_array(g["b"])


def test_h5py_section_files_read_and_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    a1 = np.arange(100)                                                           # In [175]
    with h5py.File("data1.hdf5", "w") as f:                                       # In [177]
        f.create_dataset("a1", data=a1)
    x = da.from_array(h5py.File("data1.hdf5", "r")["a1"], chunks=30)
    assert x.dtype == np.int64
    np.testing.assert_array_equal(x[:10].compute(), a1[:10])                     # In [179]
    np.testing.assert_array_equal(x[-10:].compute(), a1[-10:])
    a_rnd1 = np.random.randn(100)                                                 # In [192]
    with h5py.File("random1.hdf5", "w") as f:
        dset = f.create_dataset("default", (1000,))
        dset[10:20] = a_rnd1[50:60]
    got = da.from_array(h5py.File("random1.hdf5", "r")["default"], chunks=100)[:30].compute()
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got[10:20], a_rnd1[50:60].astype(np.float32))
    assert not got[:10].any() and not got[20:].any()
    arr = np.random.randn(1000)                                                   # In [203], [212]
    with h5py.File("integer_1_compr.hdf5", "w") as f:
        f.create_dataset("default", data=(arr * 100).astype("i1"), compression="gzip",
                         compression_opts=9)
    with h5py.File("groups.hdf5", "w") as f:
        g = f.create_group("Base_Group")
        g.create_group("Sub_Group").create_dataset("default", data=arr)
    with h5py.File("resize_dataset.hdf5", "w") as f:                              # In [204]
        d = f.create_dataset("dataset", (100,), maxshape=(500,))
        d[:100] = arr[:100]
        d.resize((200,))
        d[100:200] = arr[100:200]
    with h5py.File("several_datasets.hdf5", "w") as f:                            # In [200]
        f.create_dataset("integers", (10,), dtype="i1")[0] = 100
        f.create_dataset("integers8", (10,), dtype="i8")[0] = 1200
    with h5py.File("several_datasets.hdf5", "r") as f:
        i1 = da.from_array(f["integers"], chunks=4)
        i8 = da.from_array(f["integers8"], chunks=4)
        assert (i1.dtype, i8.dtype) == (np.int8, np.int64)
        assert (i1.sum().compute(), i8.sum().compute()) == (100, 1200)
    comp = da.from_array(h5py.File("integer_1_compr.hdf5", "r")["default"], chunks=128)
    np.testing.assert_array_equal(comp.compute(), (arr * 100).astype("i1"))
    sub = da.from_array(h5py.File("groups.hdf5", "r")["Base_Group/Sub_Group/default"], chunks=300)
    assert sub[1].compute() == arr[1]
    np.testing.assert_array_equal(da.from_hdf5("groups.hdf5", "/Base_Group/Sub_Group/default",
                                               chunks=300).compute(), arr)
    with pytest.raises(OSError, match="nothing.hdf5"):
        da.from_hdf5("nothing.hdf5", "/x")
    res = da.from_array(h5py.File("resize_dataset.hdf5", "r")["dataset"], chunks=64)
    np.testing.assert_array_equal(res.compute(), arr[:200].astype(np.float32))
    # dusk writes, h5py reads.
    r = sub * 2 - 1
    r.to_hdf5("out.hdf5", "/r")
    da.store([sub.sum(keepdims=True)], [("out2.hdf5", "/s")], compression="gzip")
    with h5py.File("out.hdf5", "r") as f, h5py.File("out2.hdf5", "r") as g:
        np.testing.assert_allclose(f["r"][...], arr * 2 - 1)
        np.testing.assert_allclose(g["s"][...], [arr.sum()])
    with h5py.File("target.hdf5", "w") as f:
        t = f.create_dataset("t", (1000,))
        da.store(sub, t)
        np.testing.assert_allclose(t[...], arr.astype(np.float32))


def test_random_draws_as_dasks_random():
    # randint, exponential, poisson, standard_normal, random_sample and
    # permutation: Dask's chunks, task counts and layer names; NumPy's dtypes
    # and refusals; the moments of what they draw (seeded: the same numbers
    # each run)
    ours, theirs = da.random.RandomState(3), dda.random.RandomState(3)
    for name, args, kw in (("randint", (0, 10), {}), ("randint", (5,), {"dtype": "u1"}),
                           ("exponential", (2.0,), {}), ("poisson", (4.0,), {}),
                           ("standard_normal", (), {}), ("random_sample", (), {})):
        x = getattr(ours, name)(*args, size=(100, 70), chunks=30, **kw)
        d = getattr(theirs, name)(*args, size=(100, 70), chunks=30, **kw)
        assert x.chunks == d.chunks and x.dtype == d.dtype, name
        assert x._ntasks == len(d.__dask_graph__()), name
        if name in ("randint", "exponential", "poisson"):   # (dusk's normal and uniform
            assert x.name.split("-")[0] == d.name.split("-")[0], name   # draw the other two)
    r = ours.randint(-3, 4, size=70000, chunks=20000, dtype="i1").compute()
    assert r.dtype == np.int8 and r.min() == -3 and r.max() == 3
    counts = np.bincount(r + 3)
    assert (abs(counts - 10000) < 5 * np.sqrt(10000 * 6 / 7)).all(), counts
    e = ours.exponential(2.0, size=100000, chunks=30000).compute()
    assert e.min() >= 0 and abs(e.mean() - 2) < 0.03 and abs(e.var() - 4) < 0.15
    for lam in (0.5, 12, 1e6):    # both of NumPy's algorithms
        p = ours.poisson(lam, size=100000, chunks=40000).compute()
        assert p.dtype == np.int64 and p.min() >= 0
        assert abs(p.mean() - lam) < 6 * np.sqrt(lam / 1e5) and abs(p.var() / lam - 1) < 0.05
    assert da.random.randint(2, size=50, dtype=bool).compute().dtype == bool
    # permutation, as Dask's: an order drawn now, taken
    perm = ours.permutation(10)
    assert sorted(perm.compute().tolist()) == list(range(10))
    src = np.arange(12.0).reshape(6, 2)
    got = da.random.RandomState(8).permutation(da.from_array(src, chunks=4)).compute()
    assert sorted(got[:, 0].tolist()) == src[:, 0].tolist() and (got[:, 1] == got[:, 0] + 1).all()
    # the same seed, the same numbers
    np.testing.assert_array_equal(da.random.RandomState(1).randint(9, size=40, chunks=7).compute(),
                                  da.random.RandomState(1).randint(9, size=40, chunks=7).compute())
    for f, err, what in ((lambda: ours.randint(5, 5), ValueError, "low >= high"),
                         (lambda: ours.randint(0, 300, dtype="u1"), ValueError, "out of bounds"),
                         (lambda: ours.randint(0, 3, dtype=float), TypeError, "Unsupported dtype"),
                         (lambda: ours.poisson(-1), ValueError, "lam -1"),
                         (lambda: ours.exponential(-2), ValueError, "scale -2"),
                         (lambda: ours.permutation(np.float64(3.5)), ValueError, "permutation")):
        with pytest.raises(err, match=what):
            f()


def test_creation_functions():
    np.testing.assert_array_equal(da.zeros((3, 4), chunks=2, dtype="i4").compute(), np.zeros((3, 4), "i4"))
    np.testing.assert_array_equal(da.full((5,), 7, chunks=2).compute(), np.full(5, 7))
    assert da.empty((4, 4), chunks=2).shape == (4, 4)
    np.testing.assert_array_equal(da.arange(10, chunks=3).compute(), np.arange(10))
    np.testing.assert_allclose(da.arange(0, 1, 0.25, chunks=3).compute(), np.arange(0, 1, 0.25))
    # NumPy's dtype: a float bound makes float64 even where the values are whole
    for args in [(5.0,), (0, 5, 1.0), (np.float64(5),), (5,), (np.int32(5),), (2, 9, 3)]:
        x, want = da.arange(*args, chunks=2), np.arange(*args)
        assert x.dtype == want.dtype and x.compute().dtype == want.dtype, args
        np.testing.assert_array_equal(x.compute(), want)
    np.testing.assert_allclose(da.linspace(0, 1, 7, chunks=3).compute(), np.linspace(0, 1, 7))
    # Dask's arguments: endpoint= (NumPy's values exactly, Dask's chunks), retstep=
    for num, ch in ((10, 4), (7, 3), (1, 2), (0, 2), (50, "auto")):
        for ep in (True, False):
            x = da.linspace(0.5, 7.25, num, endpoint=ep, chunks=ch)
            np.testing.assert_array_equal(x.compute(), np.linspace(0.5, 7.25, num, endpoint=ep))
            assert x.chunks == dda.linspace(0.5, 7.25, num, endpoint=ep, chunks=ch).chunks
            _, step = da.linspace(0.5, 7.25, num, endpoint=ep, retstep=True, chunks=ch)
            want = np.linspace(0.5, 7.25, num, endpoint=ep, retstep=True)[1]
            assert step == want or (np.isnan(step) and np.isnan(want))
    with pytest.raises(ValueError, match="num must be 0 or more"):
        da.linspace(0, 1, -1)
    x = da.random.RandomState(5).normal(2, 3, size=(400, 300), chunks=100).compute()
    assert abs(x.mean() - 2) < 0.05 and abs(x.std() - 3) < 0.05
    y = da.random.RandomState(5).normal(2, 3, size=(400, 300), chunks=100).compute()
    np.testing.assert_array_equal(x, y)
    for seed in (-1, 2**64):   # NumPy refuses a negative seed; -1 was 2**64 - 1
        with pytest.raises(ValueError, match="Seed must be between 0 and 2"):
            da.random.RandomState(seed)
    u = da.random.uniform(-1, 1, size=1000, chunks=300).compute()
    assert u.min() >= -1 and u.max() < 1
    a = np.arange(24.0).reshape(4, 6)
    z = da.from_array(a, chunks=(2, 3))
    np.testing.assert_array_equal(z.compute(), a)
    np.testing.assert_array_equal(da.concatenate([z, z], axis=1).compute(), np.concatenate([a, a], 1))
    np.testing.assert_array_equal(da.stack([z, z]).compute(), np.stack([a, a]))
    np.testing.assert_allclose(da.tensordot(z, z, axes=([0], [0])).compute(), np.tensordot(a, a, ([0], [0])))
    np.testing.assert_allclose((2 ** z + np.ones(6) - z.T.T / 3).compute(), 2 ** a + 1 - a / 3)
    np.testing.assert_array_equal((z > 5).compute(), a > 5)
    np.testing.assert_allclose(da.sqrt(abs(-z)).compute(), np.sqrt(a))
    assert z.transpose(1, 0).shape == (6, 4) and z.rechunk((4, 6)).npartitions == 1
    np.testing.assert_array_equal(z[None, 1, ..., :2].compute(), a[None, 1, ..., :2])
    assert z.astype("f4").dtype == np.float32
    assert da.compute(z.sum(), z.max()) == (a.sum(), a.max())


def test_transpose_and_tensordot_axes_as_numpy_reads_them():
    a = np.arange(24.0).reshape(2, 3, 4)
    z = da.from_array(a, chunks=(1, 2, 3))
    # negative axes count from the end (they were read as a shape: "negative dimension")
    np.testing.assert_array_equal(z.transpose(-1, 0, -2).compute(), a.transpose(-1, 0, -2))
    np.testing.assert_array_equal(da.transpose(z, (-3, -1, -2)).compute(), a.transpose(0, 2, 1))
    # an axis past an int's range is out of bounds, not wrapped onto axis 1 by a cast
    with pytest.raises(ValueError, match="out of bounds"):
        z.transpose(2 ** 32 + 1, 0, 2)
    with pytest.raises(ValueError, match="out of bounds"):
        da.tensordot(z, z, axes=([2 ** 32 + 1], [1]))
    with pytest.raises(ValueError, match="out of bounds"):
        da.tensordot(z, z, axes=([0], [2 ** 64]))
    with pytest.raises(TypeError, match="axis must be an int"):
        z.transpose(0, 1.0, 2)
    np.testing.assert_allclose(da.tensordot(z, z, axes=([-1, 0], [2, -3])).compute(),
                               np.tensordot(a, a, ([-1, 0], [2, -3])))
    # np.transpose(x) calls x.transpose(None): reversed axes, as NumPy's (it was
    # "axes don't match array: 1 axes for an array of 3")
    np.testing.assert_array_equal(np.transpose(z).compute(), a.T)
    np.testing.assert_array_equal(z.transpose(None).compute(), a.T)
    # NumPy's tensordot of bools is bool, as dot's and matmul's (it was an
    # int64 count of the ands)
    b = np.arange(20).reshape(4, 5) % 3 != 0
    bx = da.from_array(b, chunks=2)
    for axes in (([1, 0], [1, 0]), 1, ([0], [0])):
        want = np.tensordot(b, b if axes != 1 else b.T, axes)
        got = da.tensordot(bx, bx if axes != 1 else bx.T, axes)
        assert got.dtype == want.dtype == bool
        np.testing.assert_array_equal(got.compute(), want)
    # float16 summed over axes out of order (the blocks packed: it was NaN,
    # written past a buffer)
    h = np.arange(20, dtype="f2").reshape(4, 5) / 8
    hx = da.from_array(h, chunks=2)
    got = da.tensordot(hx, hx, axes=([1, 0], [1, 0]))
    assert got.dtype == np.float16
    np.testing.assert_allclose(float(got.compute()), float(np.tensordot(h, h, ([1, 0], [1, 0]))),
                               rtol=1e-3)


def test_setitem_as_numpy_lazily():
    # x[x > 2] = 0 and x[key] = v, as Dask's (it was an AttributeError): x
    # becomes a where of x, and arrays made from x before keep its values
    keys = [0, -1, slice(1, 5), slice(None, None, -2), (slice(None), 2), (Ellipsis, [0, 3]),
            ([True, False, True, False, True, False],), (1, slice(0, 4, 3)),
            (slice(5, 0, -2), -3), Ellipsis, (slice(None),), ([], 1)]
    for k in keys:
        for v in (7, 2.7):
            a = np.arange(36).reshape(6, 6)
            x = da.from_array(a, chunks=(4, 4))
            before = x + 0
            a[k] = v
            x[k] = v
            assert x.dtype == a.dtype and x.chunks == ((4, 2), (4, 2))
            np.testing.assert_array_equal(x.compute(), a, err_msg=repr(k))
            np.testing.assert_array_equal(before.compute(), np.arange(36).reshape(6, 6))
    a = np.arange(36.0).reshape(6, 6)
    x, d = da.from_array(a, chunks=(4, 4)), dda.from_array(a, chunks=(4, 4))
    x[x > 20] = -1
    d[d > 20] = -1
    a[a > 20] = -1
    np.testing.assert_array_equal(x.compute(), a)
    # Dask's where, task for task (dusk's from_array holds the original as one task more)
    assert x._ntasks == len(d.__dask_graph__()) + 1
    m = a % 4 == 1                                  # a NumPy mask of x's shape
    x[m] = 100
    a[m] = 100
    np.testing.assert_array_equal(x.compute(), a)
    x[x < 0] = x * 10 + 0.5                         # a dusk array value under a dusk mask
    a[a < 0] = a[a < 0] * 10 + 0.5
    np.testing.assert_array_equal(x.compute(), a)
    # NumPy's casts and refusals, and dusk's own, each naming what is wrong
    xi = da.arange(5, chunks=2)
    with pytest.raises(ValueError, match="NaN to integer"):
        xi[0] = np.nan
    with pytest.raises(IndexError, match="index 9 is out of bounds for axis 0 with size 5"):
        xi[9] = 1
    with pytest.raises(NotImplementedError, match="not a list"):
        xi[0] = [1, 2]
    with pytest.raises(IndexError, match=r"shape \(3,\) is not the array's \(5,\)"):
        xi[da.ones(3, chunks=2) > 0] = 1
    with pytest.raises(NotImplementedError, match="more than one list"):
        x[[0, 1], [2, 3]] = 1
    with pytest.raises(NotImplementedError, match="integers"):
        xi[da.arange(2, chunks=1)] = 1
    np.testing.assert_array_equal(xi.compute(), np.arange(5))


def test_dtype_refusals_are_type_errors_as_numpys():
    # NumPy raises TypeError for an operation its operands' dtypes do not have
    b = da.ones(3, dtype=bool, chunks=2)
    z = da.ones(3, dtype="c16", chunks=2)
    for f, what in ((lambda: b - b, "boolean subtract"), (lambda: -b, "boolean negative"),
                    (lambda: ~da.ones(3, chunks=2), "invert"),
                    (lambda: z.max(), "have no order"), (lambda: z.argmax(), "have no order"),
                    (lambda: z // 2, "floor"), (lambda: da.floor(z), "floor")):
        with pytest.raises(TypeError, match=what):
            f()


def test_dtypes_that_are_not_numbers_are_named_as_numpy_writes_them():
    x = da.ones(3, chunks=2)
    with pytest.raises(TypeError, match=r"no dtype '<U3' \(strings\)"):   # not 'str96'
        x.astype("U3")
    with pytest.raises(TypeError, match=r"no dtype '\|S2' \(bytes\)"):
        da.zeros(3, dtype="S2")
    with pytest.raises(TypeError, match=r"no dtype 'object' \(objects\)"):
        da.ones(2, dtype=object)


def test_shift_operators_as_numpys():
    a = np.arange(6, dtype="i2")
    x = da.from_array(a, chunks=4)
    for got, want in ((x << 1, a << 1), (x >> 1, a >> 1), (3 << x, 3 << a), (64 >> x, 64 >> a),
                      (x << x, a << a)):
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got.compute(), want)
    with pytest.raises(TypeError, match="left_shift"):
        da.ones(3, chunks=2) << 1


def test_setitem_changes_only_the_object_it_is_done_to():
    # copy() and ones() of the same arguments are other objects (they were the
    # same one, so y[4] = -1 on a copy changed the original)
    import copy
    x = da.from_array(np.arange(10.0), chunks=3)
    y, z = x.copy(), copy.deepcopy(x)
    y[4] = -1
    z[0] = 9
    np.testing.assert_array_equal(x.compute(), np.arange(10.0))
    assert y.compute()[4] == -1 and z.compute()[0] == 9
    a, b = da.ones(3, chunks=2), da.ones(3, chunks=2)
    assert a is not b and a.name == b.name       # one array, one name: Dask's keys
    a[0] = 5
    np.testing.assert_array_equal(b.compute(), np.ones(3))
    np.testing.assert_array_equal(da.ones(3, chunks=2).compute(), np.ones(3))
    np.testing.assert_array_equal(a.compute(), [5, 1, 1])


def test_ufuncs_dusk_has_in_python_dispatch_from_numpy():
    # np.left_shift(x, 1), ndarray << x, np.divmod(x, 3), divmod(x, 3) ...
    # (NotImplemented from __array_ufunc__ before)
    a = np.arange(10)
    x = da.from_array(a, chunks=3)
    for got, want in ((np.arange(10) << x, a << a), (np.int64(2) << x, 2 << a),
                      (np.arange(10) >> x, a >> a), (np.left_shift(x, 1), a << 1),
                      (np.ldexp(x.astype(float), 2), np.ldexp(a.astype(float), 2)),
                      (np.spacing(x.astype(float)), np.spacing(a.astype(float)))):
        assert isinstance(got, da.Array)
        np.testing.assert_array_equal(got.compute(), want)
    for q, r in (np.divmod(x, 3), divmod(x, 3)):
        np.testing.assert_array_equal(q.compute(), a // 3)
        np.testing.assert_array_equal(r.compute(), a % 3)
    q, r = divmod(7, x + 1)
    np.testing.assert_array_equal(q.compute(), 7 // (a + 1))
    m, e = np.frexp(x / 3)
    np.testing.assert_array_equal(m.compute(), np.frexp(a / 3)[0])
    f, i = np.modf(x / 3)
    np.testing.assert_array_equal(i.compute(), np.modf(a / 3)[1])


def test_select_default_counts_in_the_dtype():
    # a float default of int choices: float, as NumPy's (the blocks failed)
    I = np.arange(12).reshape(3, 4)
    xi = da.from_array(I, chunks=2)
    for default in (0.5, np.nan, 0):
        got, want = da.select([xi > 5], [xi], default=default), np.select([I > 5], [I], default=default)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got.compute(), want)


def test_concatenate_axis_none_flattens_as_numpy():
    a, b = np.arange(6.0).reshape(2, 3), np.arange(4.0)
    got = da.concatenate([da.from_array(a, chunks=2), da.from_array(b, chunks=3)], axis=None)
    np.testing.assert_array_equal(got.compute(), np.concatenate([a, b], axis=None))
    assert got.chunks == dda.concatenate([dda.from_array(a, chunks=2), dda.from_array(b, chunks=3)],
                                         axis=None).chunks


def test_rechunk_dicts_and_none_keep_axes_as_dask():
    a = np.arange(60.0).reshape(6, 10)
    for spec in ({0: 2}, {-1: 3}, {0: (1, 2, 3)}, {1: None}, (None, 4), (2, None), (None, None)):
        x = da.from_array(a, chunks=3).rechunk(spec)
        # None kept the axis's chunks (it was the whole axis); dicts were TypeError
        assert x.chunks == dda.from_array(a, chunks=3).rechunk(spec).chunks, spec
        np.testing.assert_array_equal(x.compute(), a)
    with pytest.raises(ValueError, match="out of bounds"):
        da.from_array(a, chunks=3).rechunk({2: 1})
    # in creation None is still the whole axis, as Dask's
    assert da.from_array(a, chunks=(None, 4)).chunks == ((6,), (4, 4, 2))


def test_reductions_give_the_dtype_asked_for():
    a = np.arange(-50, 50, dtype="i4").reshape(10, 10)
    x = da.from_array(a, chunks=3)
    # NumPy sums in the dtype given, wrapping: 206 in uint8 (dusk gave 12750 as uint64)
    for op, dt in (("sum", "i1"), ("sum", "u1"), ("prod", "i2"), ("sum", bool), ("prod", bool)):
        want = getattr(a, op)(dtype=dt)
        got = getattr(x, op)(dtype=dt)
        assert got.dtype == want.dtype, (op, dt)
        assert got.compute() == want and got.compute().dtype == want.dtype, (op, dt)
    np.testing.assert_array_equal(x.sum(axis=1, dtype="u1").compute(), a.sum(axis=1, dtype="u1"))
    # mean(dtype=int): the wrapped sum divided and cast back (dusk gave -0.5, float64)
    for dt in ("i4", "i1", "u1", bool):
        for axis in (None, 0):
            want = a.mean(axis=axis, dtype=dt)
            got = x.mean(axis=axis, dtype=dt).compute()
            assert got.dtype == want.dtype
            np.testing.assert_array_equal(got, want)
    big = np.full(10, 100, dtype="i4")
    assert da.from_array(big, chunks=4).mean(dtype="i1").compute() == big.mean(dtype="i1") == -2
    assert x.var(dtype="i4").dtype == a.var(dtype="i4").dtype


def test_chunks_per_axis_auto_and_dicts_as_dask():
    # (2, 'auto') and {0: 2} were TypeError though Dask takes both (and
    # libdusk-array reads "auto" for one axis); rechunk's dict keeps the
    # chunks of the axes it leaves out, as Dask's.
    assert da.ones((4, 6), chunks=(2, "auto")).chunks == ((2, 2), (6,))
    assert da.ones((4, 6), chunks={0: 2}).chunks == ((2, 2), (6,))
    assert da.zeros((4, 6), chunks={1: 2, 0: -1}).chunks == ((4,), (2, 2, 2))
    assert da.from_array(np.arange(12).reshape(3, 4), chunks={1: 2}).chunks == ((3,), (2, 2))
    assert da.arange(10, chunks={0: 3}).chunks == ((3, 3, 3, 1),)
    x = da.ones((4, 6), chunks=(1, 3))
    assert x.rechunk({0: 2}).chunks == ((2, 2), (3, 3))
    assert x.rechunk({-1: 2}).chunks == ((1, 1, 1, 1), (2, 2, 2))
    assert x.rechunk({0: None}).chunks == ((1, 1, 1, 1), (3, 3))   # None keeps them, as Dask's
    np.testing.assert_array_equal(x.rechunk({1: "auto"}).compute(), np.ones((4, 6)))
    with pytest.raises(ValueError, match="axis 2"):
        x.rechunk({2: 1})


def test_boolean_masks_pick_what_numpy_picks():
    # x[[True, False, True]] took the bools as the indices 1, 0, 1 (rows
    # 1, 0, 1 where NumPy and Dask give rows 0 and 2); a NumPy mask was
    # refused.
    a = np.arange(24.0).reshape(2, 3, 4)
    x = da.from_array(a, chunks=2)
    m3, m4 = [True, False, True], np.array([1, 0, 0, 1], bool)
    for ix in ([True, False], (slice(None), m3), (Ellipsis, m4), (0, m3),
               (None, slice(None), m3), (slice(None), [np.True_, np.False_, np.True_]),
               ([False, False],), ([1, True],)):
        np.testing.assert_array_equal(x[ix].compute(), a[ix])
        assert x[ix].shape == a[ix].shape
    with pytest.raises(IndexError, match="dimension 1; dimension is 3"):
        x[:, [True, False]]
    with pytest.raises(IndexError, match="one dimension"):
        x[np.ones((2, 3), bool)]
    # a mask of the array's own shape: NumPy's elements in C order (Dask's
    # chunks are nan there; dusk's are known, from the mask)
    full = (a % 5 > 1)
    for mask in (full, full.tolist(), np.zeros_like(full)):
        np.testing.assert_array_equal(x[mask].compute(), a[np.asarray(mask)])
        assert x[mask].shape == a[np.asarray(mask)].shape
    assert sum(x[full].chunks[0]) == int(full.sum())
    with pytest.raises(IndexError, match=r"its shape is \(2, 3, 5\), the array's \(2, 3, 4\)"):
        x[np.ones((2, 3, 5), bool)]
    # a lazy mask of x's shape: blocks of sizes unknown until computed (Dask's
    # chunks of nan, tests/python/test_unknown.py), NumPy's elements
    lazy = x[x > 4]
    assert all(np.isnan(c) for c in lazy.chunks[0]) and np.isnan(lazy.shape[0])
    np.testing.assert_array_equal(lazy.compute(), a[a > 4])
    # a lazy mask along one axis of several is not built: said, with the way out
    with pytest.raises(IndexError, match=r"only as x\[mask\], a bool array of x's shape.*"
                                         r"x\[idx.compute\(\)\]"):
        x[0, da.ones(3, chunks=2) > 0]
    np.testing.assert_array_equal(x[(x > 4).compute()].compute(), a[a > 4])
    # (the mask's axis is found without ==, which an ndarray before it would
    # answer elementwise: "truth value ... is ambiguous")
    with pytest.raises(ValueError, match="only one list"):
        x[np.array([0, 1]), [True, False, True]]


def test_too_many_indices_are_index_errors_and_0d_arrays_do_not_iterate():
    # NumPy's and Dask's IndexError were ValueError; list() of a 0-d array
    # raised that ValueError too, where NumPy says it cannot iterate.
    x = da.ones((2, 3), chunks=1)
    z = da.ones((), chunks=())
    with pytest.raises(IndexError, match="too many indices"):
        x[0, 0, 0]
    with pytest.raises(IndexError, match="too many indices"):
        z[0]
    with pytest.raises(IndexError, match="ellipsis"):
        x[..., ..., 0]
    # the least int64 is out of bounds as any other (it was a ValueError naming DUSK_NIL)
    for i in (-2**63, 2**63 - 1, 2, -3):
        with pytest.raises(IndexError, match="index %d is out of bounds for axis 0 with size 2" % i):
            x[i]
    with pytest.raises(TypeError, match="0-d"):
        list(z)
    rows = list(x)
    assert len(rows) == 2 and all(isinstance(r, da.Array) for r in rows)
    np.testing.assert_array_equal(rows[1].compute(), np.ones(3))


def test_truth_and_complex_of_one_element_compute_as_dask():
    # bool() of any dusk array was TypeError: "if (x > 0).any():", which
    # Dask and NumPy answer, failed; complex(x) of a complex array too.
    x = da.from_array(np.array([[-1.0, 2.0]]), chunks=1)
    assert bool((x > 0).any()) is True and bool((x > 5).any()) is False
    assert bool(x[0, 1]) is True and bool(x[:, :1] + 1) is False
    if (x < 0).any():
        pass
    else:
        raise AssertionError("(x < 0).any() read as false")
    assert complex(da.from_array(np.array([1 + 2j]), chunks=1).sum()) == 1 + 2j
    assert complex(x.sum()) == 1 + 0j
    with pytest.raises(ValueError, match="ambiguous"):
        bool(x)


def test_visualize(tmp_path):
    x = da.ones((15, 15), chunks=(5, 5))
    y = x + x.T
    y.visualize(filename=str(tmp_path / "transpose.svg"))                        # In [101]
    svg = (tmp_path / "transpose.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg and svg.count("class=\"node\"") > 27
    x.sum(axis=0).visualize(filename=str(tmp_path / "sum"))
    assert (tmp_path / "sum.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    data = y.visualize(None, format="svg", color="order")
    data = data.data if hasattr(data, "data") else data
    assert b"<svg" in (data if isinstance(data, bytes) else data.encode())
    with pytest.raises(ValueError, match="color"):
        y.visualize(filename=str(tmp_path / "bad.svg"), color="nonsense")
    with pytest.raises(OSError):
        y.visualize(filename=str(tmp_path / "no" / "such" / "dir.svg"))


def test_transpose_takes_none_and_negative_axes_as_numpy():
    # x.transpose(None) was TypeError, so np.transpose(x) (which calls it)
    # fell back to computing x into an ndarray; negative axes were
    # "negative dimension -1 in shape".
    a = np.arange(24.0).reshape(2, 3, 4)
    x = da.from_array(a, chunks=2)
    for got, want in ((x.transpose(None), a.T), (np.transpose(x), a.T),
                      (x.transpose((-1, 0, 1)), a.transpose((-1, 0, 1))),
                      (x.transpose(-2, -1, 0), a.transpose(-2, -1, 0)),
                      (da.transpose(x, (2, -3, 1)), np.transpose(a, (2, -3, 1)))):
        assert isinstance(got, da.Array)
        np.testing.assert_array_equal(got.compute(), want)
    with pytest.raises(ValueError, match="axis -4 is out of bounds"):
        x.transpose(-4, 0, 1)


def test_slice_bounds_past_64_bits_are_clamped_as_numpy():
    # x[:2**70] was IndexError "cannot fit 'int' into an index-sized
    # integer"; NumPy's and Dask's slices clamp their bounds.
    a = np.arange(10.0)
    x = da.from_array(a, chunks=3)
    for sl in (slice(None, 2**70), slice(-2**70, None), slice(None, -2**70, -1),
               slice(2**70, None, -1), slice(None, None, 2**70), slice(None, None, -2**70),
               slice(-2**63, 5), slice(5, -2**63, -1), slice(3, 2**64, 2)):
        np.testing.assert_array_equal(x[sl].compute(), a[sl])
    with pytest.raises(IndexError):
        x[2**70]


def test_visualize_names_and_shows_formats_as_dask(tmp_path):
    # A format IPython cannot show (pdf, dot) is written and gives None, as
    # Dask's; IPython's Image of it raised "Cannot embed the 'pdf' image
    # format" after the file was written. A format given is added to a name
    # without it, as Dask's graphviz_to_file does (dusk wrote "g" in pdf).
    from IPython.display import SVG, Image   # python3-ipykernel (make deps)
    x = da.ones((4, 4), chunks=2)
    d = dusk.Delayed("b", {"a": 1, "b": (inc, "a")})
    for obj, stem in ((x, "x"), (d, "d")):
        assert obj.visualize(filename=str(tmp_path / (stem + "1.pdf"))) is None
        assert (tmp_path / (stem + "1.pdf")).read_bytes()[:5] == b"%PDF-"
        assert obj.visualize(filename=str(tmp_path / (stem + "2.dot"))) is None
        assert "digraph" in (tmp_path / (stem + "2.dot")).read_text()
        assert obj.visualize(filename=str(tmp_path / (stem + "3")), format="pdf") is None
        assert (tmp_path / (stem + "3.pdf")).read_bytes()[:5] == b"%PDF-"
        assert isinstance(obj.visualize(filename=str(tmp_path / (stem + "4")), format="svg"), SVG)
        assert "<svg" in (tmp_path / (stem + "4.svg")).read_text()
        assert isinstance(obj.visualize(filename=str(tmp_path / (stem + "5.svg")), format="png"), Image)
        assert (tmp_path / (stem + "5.svg.png")).read_bytes()[:4] == b"\x89PNG"
        assert isinstance(obj.visualize(filename=str(tmp_path / (stem + "6.jpg"))), Image)
        assert obj.visualize(None, format="pdf")[:5] == b"%PDF-"   # no file: the bytes
        assert b"digraph" in obj.visualize(filename=None, format="dot")
        assert not os.path.exists(str(tmp_path / (stem + "3")))


def test_visualize_writes_mydask_png_by_default(tmp_path, monkeypatch):
    # Dask 2022.12's filename='mydask': a script run outside a notebook gets
    # the picture on disk (dusk returned it and wrote nothing)
    from IPython.display import Image
    monkeypatch.chdir(tmp_path)
    for obj in (da.ones((4, 4), chunks=2).sum(), dusk.Delayed("b", {"a": 1, "b": (inc, "a")})):
        assert isinstance(obj.visualize(), Image)
        assert (tmp_path / "mydask.png").read_bytes()[:4] == b"\x89PNG"
        (tmp_path / "mydask.png").unlink()
    assert sorted(os.listdir(tmp_path)) == []


def test_errors_are_the_types_dask_users_expect():
    x = da.ones((4, 6), chunks=2)
    with pytest.raises(ValueError, match="broadcast"):
        x + da.ones((5,), chunks=5)
    # an axis out of range is NumPy's AxisError (a ValueError and an
    # IndexError), as Dask raises it, with the axis as given
    dx = pytest.importorskip("dask.array").ones((4, 6), chunks=2)
    for f in (lambda a: a.sum(axis=2), lambda a: a.cumsum(axis=-3),
              lambda a: a.argmax(axis=10**30), lambda a: a.mean(axis=(0, 7)),
              lambda a: a.rechunk({4: 2})):
        with pytest.raises(np.AxisError) as ours:
            f(x)
        with pytest.raises(np.AxisError):
            f(dx)
        assert ours.value.axis in (2, -3, 10**30, 7, 4) and ours.value.ndim == 2
    with pytest.raises(ValueError):
        da.ones((4, 4), chunks=(2, 2, 2))
    with pytest.raises(TypeError):
        da.ones("four")
    with pytest.raises(TypeError):
        da.ones((4, 4), chunks=2.5)
    with pytest.raises(IndexError):
        x[10]
    with pytest.raises(IndexError):
        x[:, [1, 99]]
    with pytest.raises(IndexError):      # as NumPy: only integers, slices ... are valid indices
        x["a"]
    with pytest.raises(TypeError):
        da.from_array(object())
    with pytest.raises(TypeError):
        da.from_array(np.array(["a", "b"]))
    with pytest.raises(ValueError):
        x.dot(da.ones((5, 5), chunks=5))
    with pytest.raises(OSError, match="nope.hdf5"):
        da.Array._from_hdf5("/nonexistent/nope.hdf5", "/x", "auto")
    with pytest.raises(ValueError, match="any"):   # Dask's and NumPy's type
        bool(x)
    with pytest.raises(TypeError):
        da.Array()
    with pytest.raises(ValueError, match="scheduler"):
        x.compute(scheduler="nope")


def test_memory_stays_flat_over_10000_array_computations():
    import dusk._dusk as core

    a = np.arange(64.0).reshape(8, 8)
    kept = da.from_array(a, chunks=4)     # a long-lived array, as a notebook keeps x_da

    def loop(n):
        for i in range(n):
            x = da.from_array(a, chunks=4)
            assert (x - x.mean(axis=0)).sum().compute() == pytest.approx(0, abs=1e-9)
            assert (kept + i).max().compute() == 63 + i

    import tracemalloc

    loop(3000)
    gc.collect()
    tracemalloc.start()
    before, blocks, py_before = rss_bytes(), core._alloc_live(), tracemalloc.get_traced_memory()[0]
    loop(10000)
    gc.collect()
    py_grew = tracemalloc.get_traced_memory()[0] - py_before
    tracemalloc.stop()
    assert py_grew < 1 << 20, "Python's memory grew by %d bytes" % py_grew
    if not SANITIZED:
        assert rss_bytes() - before < 8 << 20, "memory grew by %d bytes" % (rss_bytes() - before)
    # The context is compacted every ~1024 arrays: its blocks stay bounded.
    assert core._alloc_live() - blocks < 20000
    np.testing.assert_array_equal(kept.compute(), a)


def test_from_array_keeps_its_values_through_compaction():
    # The array is the values from_array saw: changing the NumPy input later
    # changes nothing, before or after the context is compacted (every ~1024
    # arrays, replaying the live arrays' recipes).
    a = np.ones(3)
    x = da.from_array(a)
    a[:] = 5
    np.testing.assert_array_equal(x.compute(), [1, 1, 1])
    for _ in range(1200):
        da.ones(2) + 1
    np.testing.assert_array_equal(x.compute(), [1, 1, 1])


def test_arrays_built_from_two_threads():
    # Compaction swaps the context under every live array: another thread's
    # operation must not fall between the swap and the rebinding.
    import threading
    kept = da.ones((4, 4), chunks=2)
    errors = []

    def work():
        try:
            for _ in range(1500):
                y = (kept + da.ones((4, 4), chunks=2)) * 2
            errors.append(float(y.sum().compute()))
        except Exception as e:   # noqa: BLE001 (reported below)
            errors.append(e)

    import sys
    threads = [threading.Thread(target=work) for _ in range(2)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)   # threads take turns often, as under load
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    assert errors == [64.0, 64.0]


def test_scalars_keep_their_value_and_kind():
    # Ints that a double would round stay whole; complex scalars are NumPy's
    # (they were refused while the operators took doubles); bool products,
    # duplicate axes and x[True] are NumPy's.
    big = 2**60 + 1
    np.testing.assert_array_equal(da.full((2,), big, dtype=np.int64).compute(), [big, big])
    x = da.zeros(3, dtype=np.int64, chunks=2)
    assert (x + big).compute().tolist() == [big] * 3
    assert (big - x).compute().tolist() == [big] * 3
    assert (x + 2).dtype == np.int64
    with np.errstate(invalid="ignore"):   # 0 ** (0.5 + 1j) is nan, as NumPy's
        for got, want in ((da.ones(3) + np.complex64(1 + 2j), np.ones(3) + np.complex64(1 + 2j)),
                          ((1j) * da.ones(3, dtype="f4"), (1j) * np.ones(3, "f4")),
                          (da.arange(3) ** (0.5 + 1j), np.arange(3) ** (0.5 + 1j))):
            assert got.dtype == want.dtype
            np.testing.assert_allclose(got.compute(), want, rtol=1e-15)
    with pytest.raises(ValueError, match="arange"):
        da.arange(big, big + 10)
    b = np.array([[True, False], [False, False]])
    r = da.from_array(b) @ da.from_array(b)
    assert r.dtype == (b @ b).dtype == bool
    np.testing.assert_array_equal(r.compute(), b @ b)
    assert da.from_array(b).dot(da.from_array(b)).dtype == bool
    with pytest.raises(ValueError, match="duplicate value in 'axis': axis 0 given twice$"):
        da.ones((2, 2)).sum(axis=(0, 0))
    with pytest.raises(ValueError, match=r"duplicate value in 'axis': axis 1 given twice \(as 1 and -1\)"):
        da.ones((2, 2)).sum(axis=(1, -1))
    with pytest.raises(ValueError, match="duplicate value in 'axis': axis 0 given twice"):
        da.ones((1, 2)).squeeze(axis=(0, 0))   # (squeeze took it)
    with pytest.raises(ValueError, match="duplicate value in 'axis': axis 0 given twice"):
        da.ones((1, 2)).squeeze(axis=[-2, 0])
    with pytest.raises(IndexError, match="boolean"):
        da.arange(3)[True]


def test_scalar_operands_build_dasks_layers():
    # A number with an array is one layer of one task per block, as Dask's:
    # an int array - 2.0 was first made float64 (an astype layer more), a
    # bool array ^ True took a 0-d array; dtypes and values stay Dask's.
    import dask.array as dka
    exprs = [
        lambda m: m.arange(6, chunks=2) - 2.0,
        lambda m: 2.0 - m.arange(6, chunks=2),
        lambda m: m.arange(6, chunks=2) // 2.5,
        lambda m: (m.arange(6, chunks=2) > 2) ^ True,
        lambda m: False | (m.arange(6, chunks=2) > 2),
        lambda m: m.ones(6, chunks=2, dtype=bool) + True,
        lambda m: m.arange(6, chunks=2).astype("u1") + 300,
        lambda m: m.arange(6, chunks=2).astype("u1") // 300,
        lambda m: m.arange(6, chunks=2).astype("f2") * np.float32(1e5),
        lambda m: m.arange(6, chunks=2) * 1j,
        lambda m: m.arange(6, chunks=2) + (2**60 + 1),
        lambda m: m.arange(6, chunks=2) ** 2.0,
    ]
    for i, f in enumerate(exprs):
        x, d = f(da), f(dka)
        assert x.__dask_graph_size__() == len(dict(d.__dask_graph__())), i
        assert x.dtype == d.dtype, i
        got, want = x.compute(), d.compute()
        assert got.dtype == want.dtype, i
        np.testing.assert_array_equal(got, want)


def test_scalar_operands_give_numpys_dtype_and_values():
    # dusk's scalar calls take a double and judge its kind by its value:
    # uint8 - 2.0 stayed uint8 and wrapped to 255 (NumPy: float64 -1.0),
    # float16 + 300 stayed float16 (NumPy: float32), bool + True was the
    # int 2 (NumPy: True).
    import operator
    ops = (operator.add, operator.sub, operator.mul, operator.truediv, operator.pow)
    scalars = (2.0, np.float32(2), np.float64(2), 1.5, 300, 2, True, np.int8(3), np.uint64(5),
               2**40)
    for dt in ("u1", "i1", "i4", "u4", "i8", "u8", "f2", "f4", "f8", "c8", "?"):
        a = np.array([1, 2, 3]).astype(dt)
        x = da.from_array(a, chunks=2)
        for op in ops:
            for s in scalars:
                for got, want in ((lambda: op(x, s), lambda: op(a, s)),
                                  (lambda: op(s, x), lambda: op(s, a))):
                    try:
                        with np.errstate(all="ignore"):
                            w = want()
                    except (TypeError, ValueError):
                        continue   # NumPy refuses it (bool - bool, int ** -1)
                    if dt == "?" and op is operator.pow:
                        continue   # NumPy's bool ** scalar is an int8 of its own
                    g = got()
                    assert g.dtype == w.dtype, (dt, op.__name__, s, g.dtype, w.dtype)
                    with np.errstate(all="ignore"):
                        np.testing.assert_allclose(g.compute(), w, rtol=1e-3)


def test_compaction_of_a_long_chain_is_linear(monkeypatch):
    # x = x + 1 in a loop: the one live array needs its whole ancestry, so
    # the context is compacted only each time it has doubled (not at every
    # step), and replaying thousands of recipes needs no recursion.
    import dusk.array as mod
    attempts, replayed = [], []
    real_compact, real_replay = mod._compact, mod._replay

    def compact(*args):
        attempts.append(args)
        return real_compact(*args)

    def replay(*args):
        out = real_replay(*args)
        replayed.append(out)
        return out

    monkeypatch.setattr(mod, "_compact", compact)
    monkeypatch.setattr(mod, "_replay", replay)
    x = da.ones(10, chunks=5)
    for _ in range(5000):
        x = x + 1
    assert 1 <= len(attempts) <= 8, attempts
    assert len(replayed) == len(attempts)   # every attempt replayed: none failed (RecursionError)
    np.testing.assert_array_equal(x.compute(), np.full(10, 5001.0))


def test_numpy_and_dask_protocols():
    # NumPy's functions and ufuncs take dusk arrays; Python's float() and
    # int() compute a 0-d one; dask.compute takes a dusk.Delayed.
    import dask

    import dusk
    a = np.arange(6.0).reshape(2, 3)
    x = da.from_array(a, chunks=2)
    assert float(np.mean(x).compute()) == a.mean()
    assert float(np.sum(x)) == a.sum() and int(x.sum()) == 15
    np.testing.assert_allclose(np.std(x, axis=0).compute(), np.std(a, axis=0))
    assert float(np.max(x)) == 5.0 and bool(np.any(x).compute())
    e = np.exp(x)
    assert isinstance(e, da.Array)
    np.testing.assert_allclose(e.compute(), np.exp(a))
    np.testing.assert_allclose(np.add(a, x).compute(), a + a)
    np.testing.assert_allclose((a - x).compute(), np.zeros_like(a))
    np.testing.assert_array_equal((a < x + 1).compute(), np.ones_like(a, bool))
    np.testing.assert_allclose((a.T @ x).compute(), a.T @ a)
    with pytest.raises(TypeError, match="out"):
        x.sum(out=np.empty(()))
    with pytest.raises(TypeError):
        np.exp(x, out=np.empty((2, 3)))
    assert dask.compute(dusk.Delayed("z", {"z": 1})) == (1,)
    d = dusk.Delayed("z", {"a": 1, "z": (add, "a", 2)})
    assert dask.compute(d, 5) == (3, 5)
    (p,) = dask.persist(d)
    assert p.compute() == 3


def test_dask_arrays_over_dusk_arrays_compute_to_numbers():
    # dask.array.from_array(x) of a dusk array keeps dusk arrays as its
    # blocks (x has __array_ufunc__); its concatenate3 then fills a NumPy
    # array from them. dusk's __array_function__ (a lazy np.concatenate)
    # made Dask concatenate them lazily instead, and y.sum().compute() gave
    # a dusk array, not a number: so Dask's own code does not see it.
    a = np.arange(12.0).reshape(3, 4)
    x = da.from_array(a, chunks=2)
    with pytest.warns(UserWarning, match="already a Dask collection"):   # Dask's word
        y = dda.from_array(x, chunks=2)
    assert y.sum().compute() == a.sum()
    np.testing.assert_array_equal((y + 1).compute(), a + 1)
    assert isinstance((y + 1).compute(), np.ndarray)
    # from anywhere else NumPy's functions dispatch to dusk's, lazily
    z = np.concatenate([x, x])
    assert isinstance(z, da.Array)
    np.testing.assert_array_equal(z.compute(), np.concatenate([a, a]))


def test_numpy_functions_dispatch_as_dasks():
    # NEP 18, as Dask: NumPy's function of a dusk array is dusk.array's of the
    # same name (numpy.linalg's too), lazily; one dusk lacks computes with
    # Dask's FutureWarning
    a = np.arange(12.0).reshape(3, 4) - 5
    x = da.from_array(a, chunks=2)
    for got, want in ((np.where(x > 0, x, 0), np.where(a > 0, a, 0)),
                      (np.nansum(x, axis=0), np.nansum(a, axis=0)),
                      (np.clip(x, -1, 2), np.clip(a, -1, 2)),
                      (np.reshape(x, (3, 2, 2)), np.reshape(a, (3, 2, 2))),
                      (np.linalg.norm(x), np.linalg.norm(a)),
                      (np.stack([x, x]), np.stack([a, a])),
                      (np.max(x, axis=1), np.max(a, axis=1)),
                      (np.round(x / 3, 1), np.round(a / 3, 1))):
        assert isinstance(got, da.Array)
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_allclose(got.compute(), want)
    # np.unique: dusk.array's, as Dask's: one block of unknown size
    u = np.unique(x)
    assert isinstance(u, da.Array) and np.isnan(u.shape[0])
    np.testing.assert_array_equal(u.compute(), np.unique(a))
    # (np.sort, which dusk does not build: NumPy's, on the computed array, with
    # Dask's warning)
    with pytest.warns(FutureWarning, match="numpy.sort. function is not implemented by dusk"):
        m = np.sort(x)
    assert isinstance(m, np.ndarray)
    np.testing.assert_array_equal(m, np.sort(a))
    # an ndarray among the arguments is fine; another array type is not ours
    assert isinstance(np.where(x > 0, a, 0), da.Array)

    class Other:
        def __array_function__(self, func, types, args, kwargs):
            return "other"
    assert np.concatenate([x, Other()]) == "other"


def test_from_array_takes_either_byte_order(tmp_path):
    # h5py gives a big-endian dataset's values as '>f8' (and a file's reader
    # may be told to copy with dataset[...]); Dask takes them, dusk said
    # "dusk arrays hold numbers in native byte order, not >f8".
    for dt in (">f8", ">i4", ">u2", ">c16", ">f2", "<f4"):
        a = np.arange(6).astype(dt)
        x = da.from_array(a, chunks=4)
        assert x.dtype == a.dtype.newbyteorder("=")
        np.testing.assert_array_equal(x.compute(), a)
        np.testing.assert_array_equal((np.ones(6) + x).compute(), a + 1)
        np.testing.assert_array_equal((x * a).compute(), a * a)
    with h5py.File(tmp_path / "be.h5", "w") as f:
        f.create_dataset("d", data=np.arange(6, dtype=">f8"))
    with h5py.File(tmp_path / "be.h5", "r") as f:
        assert f["d"].dtype == np.dtype(">f8")
        np.testing.assert_array_equal(da.from_array(f["d"][...], chunks=4).compute(), np.arange(6.0))
        np.testing.assert_array_equal(da.from_array(f["d"], chunks=4).compute(), np.arange(6.0))
    with pytest.raises(TypeError, match="U1"):
        da.from_array(np.array(["a"]))


def test_arrays_copy_and_pickle(tmp_path):
    # copy.copy, copy.deepcopy and pickle raised "cannot pickle 'Array'
    # object"; Dask's arrays do all three. A pickle carries the recipe
    # (from_array's values, the HDF5 file's name, the random seed), made
    # again in the loading process.
    import copy
    import pickle
    a = np.arange(24.0).reshape(4, 6)
    with h5py.File(tmp_path / "p.h5", "w") as f:
        f["d"] = a
    x = da.from_array(a, chunks=2)
    h = da.from_hdf5(str(tmp_path / "p.h5"), "/d", chunks=(2, 3))
    r = da.random.RandomState(5).normal(size=(4, 6), chunks=3)
    y = (da.concatenate([x, h], axis=0)[::-1, [0, 2]] @ da.ones((2, 3), chunks=1)
         + da.tensordot(x, h, axes=([0], [0])).sum() - r[:, :3].T.sum(axis=0).mean())
    want = y.compute()
    # other objects over the same array, as Dask's copies (x[...] = v on one
    # leaves the others)
    for c in (copy.copy(y), copy.deepcopy([y])[0], y.copy()):
        assert c is not y and c.name == y.name and c.chunks == y.chunks
    data = pickle.dumps(y)
    z = pickle.loads(data)
    assert isinstance(z, da.Array) and z.name == y.name and z.chunks == y.chunks
    np.testing.assert_array_equal(z.compute(), want)
    np.testing.assert_array_equal((z + x[:2, :3].sum()).compute(), want + a[:2, :3].sum())
    p = run_python("""
        import pickle
        z = pickle.loads(bytes.fromhex(%r))
        print(repr(z.compute().tolist()))
    """ % data.hex())
    assert p.returncode == 0, p.stderr
    assert eval(p.stdout) == want.tolist()


def test_compute_goes_into_lists_and_dicts_as_dask():
    # dask.compute([x.sum(), ...]) computes inside the list; dusk.compute and
    # da.compute gave the list of lazy arrays back.
    x = da.ones(4, chunks=2)
    d = dusk.Delayed("b", {"a": 1, "b": (inc, "a")})
    assert dusk.compute([x.sum(), {"k": d, "j": (x.max(), 3)}], 5, {x.min()}) == \
        ([4.0, {"k": 2, "j": (1.0, 3)}], 5, {1.0})
    assert da.compute([x.sum()], x.sum(), scheduler="sync") == ([4.0], 4.0)
    assert isinstance(dusk.compute([x.sum()], traverse=False)[0][0], da.Array)


def test_store_into_arrays_regions_and_not_computed_as_dask(tmp_path):
    # A NumPy target was TypeError; regions=, compute=False and
    # return_stored=True were taken and not used (compute=False stored at
    # once, regions= wrote the whole dataset or failed on its shape).
    import dask
    a = np.arange(12.0).reshape(3, 4)
    x = da.from_array(a, chunks=2)
    out = np.zeros((3, 4))
    assert da.store(x, out) is None
    np.testing.assert_array_equal(out, a)
    big = np.zeros((5, 6))
    da.store(x, big, regions=(slice(1, 4), slice(2, 6)))
    np.testing.assert_array_equal(big[1:4, 2:], a)
    assert big.sum() == a.sum()
    with h5py.File(tmp_path / "r.h5", "w") as f:
        ds = f.create_dataset("z", shape=(6, 4))
        da.store([x, x + 1], [ds, out], regions=[(slice(3, 6),), None])
        np.testing.assert_array_equal(ds[3:], a)
        assert ds[:3].sum() == 0
    np.testing.assert_array_equal(out, a + 1)
    out[:] = 0
    later = da.store([x * 2, x], [out, (tmp_path / "later.h5", "/a")], compute=False)
    assert isinstance(later, dusk.Delayed)
    assert out.sum() == 0 and not (tmp_path / "later.h5").exists()
    dask.compute(later)
    np.testing.assert_array_equal(out, 2 * a)
    with h5py.File(tmp_path / "later.h5", "r") as f:
        np.testing.assert_array_equal(f["/a"][...], a)
    back = da.store([x, x], [(tmp_path / "s.h5", "/b"), out], return_stored=True)
    assert len(back) == 2 and all(isinstance(b, da.Array) for b in back)
    for b in back:
        np.testing.assert_array_equal(b.compute(), a)
        assert b.chunks == x.chunks            # the source's, as Dask's
    # to_hdf5 takes h5py's chunks=True and compression_opts=, which Dask passes
    # on; what dusk does not write is said, nothing written
    x.to_hdf5(tmp_path / "co.h5", "/x", chunks=True, compression="gzip", compression_opts=7)
    with h5py.File(tmp_path / "co.h5", "r") as f:
        assert f["/x"].compression_opts == 7
    # level 0 is h5py's gzip at level 0 (the filter named, the data as it is),
    # not no compression; True is its level 4
    for n, kw in enumerate(({"compression": 0}, {"compression": "gzip", "compression_opts": 0},
                            {"compression": True}, {"compression": None})):
        x.to_hdf5(tmp_path / "lv.h5", "/x%d" % n, **kw)
    with h5py.File(tmp_path / "lv.h5", "r") as f:
        got = [(f["/x%d" % n].compression, f["/x%d" % n].compression_opts) for n in range(4)]
        assert got == [("gzip", 0), ("gzip", 0), ("gzip", 4), (None, None)]
        for n in range(4):
            np.testing.assert_array_equal(f["/x%d" % n][...], a)
    for n in range(3):   # dusk reads its gzip chunks itself
        np.testing.assert_array_equal(da.from_hdf5(tmp_path / "lv.h5", "/x%d" % n).compute(), a)
    for bad in (10, -1, "lzf", 2.5):
        with pytest.raises(ValueError, match="compression"):
            x.to_hdf5(tmp_path / "no.h5", "/x", compression=bad)
        assert not (tmp_path / "no.h5").exists()
    for kw, err in (({"bogus": 5}, TypeError), ({"shuffle": True}, NotImplementedError),
                    ({"chunks": (2, 2)}, NotImplementedError)):
        with pytest.raises(err, match=list(kw)[0]):
            x.to_hdf5(tmp_path / "no.h5", "/x", **kw)
    assert not (tmp_path / "no.h5").exists()
    # to_hdf5 gives store's Delayed back (it was dropped: nothing was written)
    later = x.to_hdf5(tmp_path / "th.h5", "/x", compute=False)
    assert isinstance(later, dusk.Delayed) and not (tmp_path / "th.h5").exists()
    later.compute()
    with h5py.File(tmp_path / "th.h5", "r") as f:
        np.testing.assert_array_equal(f["/x"][...], a)
    with pytest.raises(TypeError, match="regions"):
        da.store(x, (tmp_path / "t.h5", "/c"), regions=(slice(0, 3),))
    with pytest.raises(ValueError, match="regions"):
        da.store(x, out, regions=[(slice(0, 1),), (slice(0, 1),)])


def test_to_hdf5_refuses_a_file_h5py_writes(tmp_path):
    # dusk replaces the file whole: a handle h5py still writes through would
    # lose what it writes, so the store is refused, and the file is kept.
    path = str(tmp_path / "open.h5")
    f = h5py.File(path, "w")
    f.create_dataset("mine", data=np.arange(3))
    with pytest.raises(OSError, match="open for writing"):
        da.ones(4, chunks=2).to_hdf5(path, "/x")
    f["later"] = np.ones(2)
    f.close()
    with h5py.File(path, "r") as g:
        assert sorted(g) == ["later", "mine"]
        # a reader does not stop a store
        da.ones(4, chunks=2).to_hdf5(path, "/x")
    with h5py.File(path, "r") as g:
        assert sorted(g) == ["later", "mine", "x"]
        np.testing.assert_array_equal(g["x"][...], np.ones(4))


def test_float16_and_complex_round_trip():
    # NumPy's float16, complex64 and complex128 arrays come in and go out as
    # they are, with NumPy's result dtypes and values
    h = (np.arange(12).reshape(3, 4) / 8 - 0.7).astype(np.float16)
    z = np.arange(12).reshape(3, 4) * (1 - 0.5j)
    w = (np.arange(4) + 2.5j).astype(np.complex64)
    dh, dz, dw = (da.from_array(a, chunks=2) for a in (h, z, w))
    assert dh.dtype == np.float16 and dz.dtype == np.complex128 and dw.dtype == np.complex64
    np.testing.assert_array_equal(dh.compute(), h)
    assert dh.compute().dtype == np.float16
    np.testing.assert_array_equal((dh + dh).compute(), h + h)
    assert (dh + dh).dtype == (h + h).dtype == np.float16
    np.testing.assert_array_equal(dz.compute(), z)
    np.testing.assert_allclose((dz * dw).compute(), z * w, rtol=1e-6)
    assert (dz * dw).dtype == (z * w).dtype
    np.testing.assert_array_equal(dz.real.compute(), z.real)
    np.testing.assert_array_equal(dw.imag.compute(), w.imag)
    assert dw.imag.dtype == np.float32
    np.testing.assert_array_equal(dz.conj().compute(), z.conj())
    np.testing.assert_allclose(abs(dz).compute(), abs(z))
    np.testing.assert_allclose(dz.sum(axis=0).compute(), z.sum(axis=0))


def test_errors_while_computing_or_storing_are_python_exceptions(tmp_path):
    # dusk's failures during a run (all its codes are negative) come back as
    # the Python exception they name, not as "returned NULL without setting
    # an exception"; a failed store keeps the target file as it was.
    bad = da.arange(4, chunks=2).astype(int) ** -da.arange(1, 5, chunks=2)
    for scheduler in ("sync", "threads"):
        with pytest.raises(ValueError, match="negative integer powers"):
            bad.compute(scheduler=scheduler)
    with pytest.raises(OSError):
        da.ones(4, chunks=2).to_hdf5(str(tmp_path / "no" / "dir.h5"), "/x")
    assert not (tmp_path / "no").exists()
    path = str(tmp_path / "kept.h5")
    da.ones(4, chunks=2).to_hdf5(path, "/x")
    before = open(path, "rb").read()
    with pytest.raises(ValueError, match="negative integer powers"):
        bad.to_hdf5(path, "/y")
    assert open(path, "rb").read() == before
    assert sorted(os.listdir(tmp_path)) == ["kept.h5"]
    np.testing.assert_array_equal(da.from_hdf5(path, "/x").compute(), np.ones(4))


def test_same_creation_calls_are_one_array():
    # As Dask names ones/zeros/full by their arguments: ones(s) + ones(s).T has
    # the 27 tasks of x + x.T, not 36; other arguments, another array; -0.0 is
    # not 0.0 (NumPy's sign of zero kept).
    x = da.ones((15, 15), chunks=(5, 5)) + da.ones((15, 15), chunks=(5, 5)).T
    assert "27 Tasks" in x._repr_html_()
    assert da.ones(4, chunks=2).name == da.ones(4, chunks=2).name   # one array, two objects
    assert da.ones(4, chunks=2) is not da.ones(4, chunks=2)         # (x[0] = 5 on one only)
    assert da.ones(4, chunks=2).name != da.ones(4, chunks=3).name
    assert da.full(3, 2.0).name != da.full(3, 2.0, dtype="f4").name
    with np.errstate(divide="ignore"):
        np.testing.assert_array_equal(1 / da.full(2, -0.0).compute(), np.full(2, -np.inf))
        np.testing.assert_array_equal(1 / da.full(2, 0.0).compute(), np.full(2, np.inf))


def test_to_hdf5_again_replaces_as_dask(tmp_path):
    # A cell run again (Dask's to_hdf5: h5py's require_dataset) replaces a
    # dataset of the same shape and dtype; one of another shape is TypeError
    # and the file is left as it was; overwrite=False refuses, True replaces.
    path = str(tmp_path / "r.h5")
    da.ones((4, 3), chunks=2).to_hdf5(path, "/r")
    (da.ones((4, 3), chunks=2) * 2).to_hdf5(path, "/r")
    np.testing.assert_array_equal(da.from_hdf5(path, "/r").compute(), np.full((4, 3), 2.0))
    before = open(path, "rb").read()
    with pytest.raises(TypeError, match=r"shape \(4, 3\) and dtype float64, which \(5,\)"):
        da.ones(5, chunks=2).to_hdf5(path, "/r")
    with pytest.raises(TypeError, match="dtype int8, which .* float64 cannot"):
        da.ones((4, 3), chunks=2, dtype="i1").to_hdf5(path + ".i1", "/r")
        da.ones((4, 3), chunks=2).to_hdf5(path + ".i1", "/r")
    os.remove(path + ".i1")
    with pytest.raises(OSError, match="already has"):
        da.ones((4, 3), chunks=2).to_hdf5(path, "/r", overwrite=False)
    assert open(path, "rb").read() == before
    # a dtype that casts safely is written as the dataset's (h5py's require_dataset)
    (da.ones((4, 3), chunks=2, dtype="i4") * 3).to_hdf5(path, "/r")
    back = da.from_hdf5(path, "/r").compute()
    assert back.dtype == np.float64
    np.testing.assert_array_equal(back, np.full((4, 3), 3.0))
    da.ones(5, chunks=2).to_hdf5(path, "/r", overwrite=True)
    assert da.from_hdf5(path, "/r").shape == (5,)
    # Dask's dict form: several datasets in one call
    da.to_hdf5(path, {"/y": da.zeros(2, chunks=1), "/z": da.ones(3, chunks=2)})
    np.testing.assert_array_equal(da.from_hdf5(path, "/z").compute(), np.ones(3))
    np.testing.assert_array_equal(da.from_hdf5(path, "/y").compute(), np.zeros(2))
    with pytest.raises(TypeError, match="dusk array"):
        da.to_hdf5(path, "/w")


def test_store_target_names_are_paths_not_their_repr(tmp_path, monkeypatch):
    # A bytes or PathLike file name is the file it names (as for h5py and
    # from_hdf5), not a file called "b'out.h5'"; what names no file (an
    # int, None) is a TypeError, and writes nothing.
    monkeypatch.chdir(tmp_path)
    da.ones(3, chunks=2).to_hdf5(b"out.h5", b"/x")
    da.store(da.zeros(2, chunks=2), (tmp_path / "p.h5", "/y"))
    assert sorted(os.listdir(tmp_path)) == ["out.h5", "p.h5"]
    np.testing.assert_array_equal(da.from_hdf5(b"out.h5", b"/x").compute(), np.ones(3))
    np.testing.assert_array_equal(da.from_hdf5(tmp_path / "p.h5", "/y").compute(), np.zeros(2))
    for name, path in ((5, "/x"), (None, "/x"), ("q.h5", 5), ("q.h5", None)):
        with pytest.raises(TypeError):
            da.ones(3).to_hdf5(name, path)
        with pytest.raises(TypeError):
            da.from_hdf5(name, path)
    assert sorted(os.listdir(tmp_path)) == ["out.h5", "p.h5"]


def test_zero_d_operands_typed_as_dasks():
    # A 0-d array with a scalar: Dask types it as an array (value-based:
    # float32 x.sum() / 3 stays float32, where NumPy's all-scalar promotion
    # gives float64), and so does dusk, whose cells must run as Dask's.
    import operator as o
    for dt in ("?", "i1", "u1", "i2", "u4", "i8", "u8", "f2", "f4", "f8", "c8"):
        for op in (o.add, o.sub, o.mul, o.truediv, o.floordiv, o.pow, o.and_, o.lt):
            for s in (1, -1, 2, 300, 2.0, 0.5, True, 1j, np.float32(2), np.int8(3)):
                for first in (False, True):
                    try:
                        d = dda.ones((), dtype=dt)
                        want = (op(s, d) if first else op(d, s)).dtype
                    except (TypeError, ValueError):
                        continue   # Dask refuses it (int ** -1, complex //)
                    x = da.ones((), dtype=dt)
                    got = (op(s, x) if first else op(x, s)).dtype
                    assert got == want, (dt, op.__name__, s, first, got, want)
    y, d = da.arange(6, dtype="f4", chunks=4), dda.arange(6, dtype="f4", chunks=4)
    assert (y.sum() / 3).dtype == (d.sum() / 3).dtype == np.float32
    assert (y.sum() / 3).compute().dtype == (d.sum() / 3).compute().dtype


def test_integer_to_a_negative_scalar_power_refused_at_once():
    # int x ** -1 fails in every block: NumPy's ValueError when the graph is
    # built (Dask refuses it then too, as a TypeError), not at compute; a
    # float exponent, a float or uint64 array, and s ** x are fine.
    for dt in ("?", "i1", "u1", "i8"):
        for s in (-1, np.int8(-1), -3):
            with pytest.raises(ValueError, match="negative integer powers"):
                da.ones(3, dtype=dt, chunks=2) ** s
            with pytest.raises(ValueError, match="negative integer powers"):
                np.ones(3, dtype=dt) ** s
    for dt, s in (("i1", -1.0), ("u8", -1), ("f4", -1), ("i8", 2)):
        x, a = da.ones(3, dtype=dt, chunks=2), np.ones(3, dtype=dt)
        assert (x ** s).dtype == (a ** s).dtype
        np.testing.assert_array_equal((x ** s).compute(), a ** s)
    np.testing.assert_array_equal((2.0 ** -da.ones(3, dtype="i1", chunks=2)).compute(),
                                  2.0 ** -np.ones(3, dtype="i1"))


def test_uint64_power_by_an_exponent_past_int64():
    # A uint64 exponent of 2**63 or more is a large number, not a negative
    # one: it wraps as NumPy's does instead of failing "negative powers".
    a = np.array([2**64 - 1, 2**63, 5, 3], dtype=np.uint64)
    b = np.array([2**64 - 1, 2**63, 5, 2**63 + 1], dtype=np.uint64)
    got = (da.from_array(a, chunks=2) ** da.from_array(b, chunks=2)).compute()
    assert got.dtype == np.uint64
    np.testing.assert_array_equal(got, a ** b)
    with pytest.raises(ValueError, match="negative integer powers"):
        (da.from_array(np.arange(3), chunks=2) ** da.from_array(np.array([1, -1, 2]))).compute()


PYTHON_INT_EXPRS = [
    # Python ints with arrays as NumPy 1.24 types them: int64 when they fit,
    # uint64 from 2**63 to 2**64 - 1, exactly (not through a double)
    "u + 18446744073709551615", "a + 18446744073709551615", "a + 9007199254740993",
    "u + 9007199254740993", "a + 2**63", "a + (-2**63)", "b + 2**63", "i1 + 2**63",
    "u - 18446744073709551615", "18446744073709551615 - u", "u & 18446744073709551615",
    "u // (2**63 + 1)", "np.maximum(u, 2**64 - 2)", "a + 9223372036854775807",
    "u == 18446744073709551615", "f + 9007199254740993", "da.full(3, 2**63 + 1)",
    "da.full(3, 9007199254740993)",
]


@pytest.mark.parametrize("expr", PYTHON_INT_EXPRS)
def test_python_ints_as_numpy_types_them(expr):
    def env(m):
        a = m.asarray(np.arange(3)) if m is np else da.from_array(np.arange(3), chunks=2)
        return {"np": np, "da": m, "a": a, "u": a.astype("u8"), "f": a.astype("f8"),
                "b": a > 0, "i1": a.astype("i1")}
    want = np.asarray(eval(expr, env(np)))
    got = np.asarray(eval(expr, env(da)).compute())
    assert got.dtype == want.dtype
    assert got.tolist() == want.tolist()


@pytest.mark.parametrize("expr", ["x + 2**64", "2**64 - x", "np.add(x, 2**64)",
                                  "da.maximum(x, 2**64)", "x == 2**64", "x * (-2**63 - 1)",
                                  "x.astype(float) + 10**400", "da.full(3, 2**64)"])
def test_python_ints_past_64_bits_are_refused_naming_them(expr):
    # NumPy 1.24 makes an object array of such an int (np.arange(3) + 2**64);
    # dusk has none: OverflowError (NumPy's where a dtype must hold it) that
    # names the int, not "dusk arrays hold numbers, not object".
    x = da.from_array(np.arange(3), chunks=2)
    name = {"x * (-2**63 - 1)": "the integer -9223372036854775809",
            "x.astype(float) + 10**400": "an integer of 401 digits"}.get(
                expr, "the integer 18446744073709551616")
    with pytest.raises(OverflowError, match=name + " does not fit in 64 bits"):
        eval(expr, {"np": np, "da": da, "x": x})
    assert (np.arange(3) + 2**64).dtype == object


def test_store_into_a_fifo_is_refused_without_blocking(tmp_path):
    # The check for an h5py writer opened the target to read: a FIFO there
    # blocked it until some writer came (for ever). In a python3 of its own,
    # with a timeout: the store must end with the core's refusal.
    fifo = tmp_path / "pipe.h5"
    os.mkfifo(fifo)
    p = run_python("""
        import dusk.array as da
        try:
            da.ones(3, chunks=2).to_hdf5(%r, "/x")
        except ValueError as e:
            print("ValueError", e)
    """ % str(fifo), timeout=30)
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("ValueError") and "pipe" in p.stdout


def test_floor_division_remainder_bitwise_and_extrema_as_numpy():
    # // % & | ^ ~ maximum minimum: for every pair of these dtypes, and
    # scalars of each kind on either side, NumPy's dtype and numbers (its
    # value-based casting: uint8 // 70000 is int32), and its TypeError
    # where it has no loop (floats' bitwise operations, uint64 & int64)
    import warnings
    codes = ["f8", "f4", "f2", "i8", "i1", "u8", "u1", "b1"]
    a = np.array([-7, 7, -7, 7, 0, 5, -5, 3, 100, -128, 0, 1])
    b = np.array([2, 2, -2, -2, 3, 0, 0, -1, 7, -1, 0, 1])
    ops = {"//": (lambda p, q: p // q,) * 2, "%": (lambda p, q: p % q,) * 2,
           "&": (lambda p, q: p & q,) * 2, "|": (lambda p, q: p | q,) * 2,
           "^": (lambda p, q: p ^ q,) * 2, "max": (np.maximum, da.maximum),
           "min": (np.minimum, da.minimum)}
    scalars = [3, -2, 0, 70000, 2.5, True, np.int8(-3)]
    checked = refused = 0

    def same(want_f, got_f):
        nonlocal checked, refused
        try:
            want = want_f()
        except TypeError:
            with pytest.raises(TypeError):
                got_f()
            refused += 1
            return
        got = got_f()
        assert isinstance(got, da.Array)
        got = got.compute()
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
        checked += 1

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for x in codes:
            p = a.astype(x)
            dp = da.from_array(p, chunks=5)
            for y in codes:
                q = b.astype(y)
                dq = da.from_array(q, chunks=5)
                for f, g in ops.values():
                    same(lambda: f(p, q), lambda: g(dp, dq))
            for s in scalars:
                for f, g in ops.values():
                    same(lambda: f(p, s), lambda: g(dp, s))
                    same(lambda: f(s, p), lambda: g(s, dp))
            same(lambda: ~p, lambda: ~dp)
            same(lambda: np.invert(p), lambda: np.invert(dp))
    assert checked > 700 and refused > 100
    x = da.from_array(np.arange(-5, 5), chunks=3)
    np.testing.assert_array_equal(np.floor_divide(x, 3).compute(), np.arange(-5, 5) // 3)
    np.testing.assert_array_equal(da.remainder(x, -3).compute(), np.arange(-5, 5) % -3)
    np.testing.assert_array_equal(((x > 0) & (x < 3)).compute(), [False] * 6 + [True] * 2 + [False] * 2)
    assert (x // 2).name.startswith("floordiv-") and ((x > 0) | (x < -3)).name.startswith("or_-")
    with pytest.raises(TypeError):
        da.from_array(np.ones(3, complex), chunks=2) // 2


def test_more_ufuncs_of_one_array_as_numpy():
    # floor ceil trunc fix rint isnan isinf isfinite square sign tan arcsin
    # arccos arctan sinh cosh tanh log10 log2 log1p expm1: lazily, through
    # da.NAME and np.NAME alike, NumPy's dtype for every dtype, its numbers
    # (a few ulps where libm and NumPy's loops may round apart), and its
    # TypeError where it has no loop (floor of complex, sign of bool)
    import warnings
    v = [-2.5, -0.5, 0.5, 1.5, 2.5, -0.0, 0.25, 3.0, np.nan, np.inf, -np.inf, 0.0]
    iv = [-3, -1, 0, 1, 2, 3, 100, -100, 7, 0, 1, 2]
    cv = [complex(a, b) for a, b in zip(v, [0.5, -1, 0, 2.5, -0.5, 0, 1, -3, 0, 0, 1, np.nan])]
    exact = {"floor", "ceil", "trunc", "fix", "rint", "isnan", "isinf", "isfinite", "square",
             "sign"}
    names = sorted(exact) + ["tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh",
                             "log10", "log2", "log1p", "expm1"]
    checked = refused = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for t in ["f8", "f4", "f2", "c16", "c8", "i8", "i2", "u8", "u1", "b1"]:
            k = np.dtype(t).kind
            x = np.array(cv if k == "c" else v if k == "f" else iv).astype(t)
            dx = da.from_array(x, chunks=5)
            for name in names:
                try:
                    want = getattr(np, name)(x)
                except TypeError:
                    with pytest.raises(TypeError):
                        getattr(da, name)(dx)
                    refused += 1
                    continue
                ways = [getattr(da, name)(dx)] + ([] if name == "fix" else [getattr(np, name)(dx)])
                for got in ways:
                    assert isinstance(got, da.Array) and got.name.startswith(
                        {"fix": "trunc"}.get(name, name) + "-")
                    got = got.compute()
                    assert got.dtype == want.dtype, (name, t)
                    eps = np.finfo(want.real.dtype).eps if want.dtype.kind in "fc" else 0
                    np.testing.assert_allclose(got, want, rtol=0 if name in exact else 4 * eps,
                                               atol=0, equal_nan=True, err_msg="%s(%s)" % (name, t))
                    checked += 1
    assert checked > 300 and refused == 9
    assert bool(da.isnan(da.from_array(np.array([1.0, np.nan]), chunks=1)).any())


def test_zero_d_arrays_cast_as_their_scalars():
    # NumPy's value-based casting takes a 0-d array as its scalar: uint8 & a
    # 0-d int64 5 is uint8, not a TypeError or float64
    a = np.arange(6, dtype="u1")
    x = da.from_array(a, chunks=4)
    for f in (lambda p, q: p & q, lambda p, q: p // q, lambda p, q: p % q, lambda p, q: p + q,
              np.maximum):
        for q in (np.array(5), np.array(-3), np.array(2.5)):
            try:
                want = f(a, q)
            except TypeError:
                with pytest.raises(TypeError):
                    f(x, q)
                continue
            got = f(x, q).compute()
            assert got.dtype == want.dtype
            np.testing.assert_array_equal(got, want)


def test_from_array_name_as_dask(tmp_path):
    # Dask 2022.12: name= is the array's whole name (its layer's), False a
    # random 'array-<uuid1>', None a token of the values
    a = np.arange(12.0).reshape(3, 4)
    for name in ("foo", "my-array-1"):
        x, d = da.from_array(a, chunks=2, name=name), dda.from_array(a, chunks=2, name=name)
        assert x.name == d.name == name
        # dusk keeps its source under 'original-<name>' (Dask's numpy blocks need none)
        assert [l["name"] for l in x._layers()] == ["original-" + name, name]
        np.testing.assert_array_equal((x + 1).compute(), (d + 1).compute(scheduler="sync"))
        assert x._ntasks == len(d.__dask_graph__()) + 1
    r1, r2 = da.from_array(a, chunks=2, name=False), da.from_array(a, chunks=2, name=False)
    assert r1.name.startswith("array-") and len(r1.name) == len("array-") + 36
    assert r1.name != r2.name != da.from_array(a, chunks=2).name
    assert dda.from_array(a, chunks=2, name=False).name.startswith("array-")
    assert da.from_array(a, chunks=2).name == da.from_array(a, chunks=2, name=None).name
    assert da.from_array(a, chunks=2).name.startswith("array-")
    np.testing.assert_array_equal(r1.compute(), a)
    # the name a recipe replays is the one given (False: the uuid it drew)
    import pickle
    assert pickle.loads(pickle.dumps(r1)).name == r1.name
    assert pickle.loads(pickle.dumps(da.from_array(a, name="foo"))).name == "foo"
    # an h5py dataset: the name is the layer's, and dusk still reads the file
    path = str(tmp_path / "named.h5")
    with h5py.File(path, "w") as f:
        f["d"] = a
    with h5py.File(path, "r") as f:
        x = da.from_array(f["d"], chunks=(2, 2), name="fromfile")
        assert x.name == "fromfile"
        assert [l["name"] for l in x._layers()] == ["original-fromfile", "fromfile"]
        np.testing.assert_array_equal(x.compute(), a)
    with pytest.raises(ValueError, match="name is empty"):
        da.from_array(a, name="")
    with pytest.raises(TypeError, match="name must be"):
        da.from_array(a, name=3)
    with pytest.raises(ValueError, match="at most 200"):
        da.from_array(a, name="n" * 201)
    assert da.from_array(a, chunks=2, name="n" * 200).sum().compute() == a.sum()


def test_visualize_releases_the_gil_while_it_draws(tmp_path):
    # The render is C reading C structures: a Python thread runs meanwhile,
    # as it does during compute() (it stalled for the whole render before).
    import threading
    import time
    r = (da.ones((1500,), chunks=1) + 1).sum()          # 5,002 tasks
    ticks, spans, stop = [], [], threading.Event()

    def tick():
        while not stop.is_set():
            ticks.append(time.monotonic())
            time.sleep(0.005)
    t = threading.Thread(target=tick)
    t.start()
    try:
        time.sleep(0.05)
        # renders until 0.3 s of them, however fast this machine is now
        while sum(b - a for a, b in spans) < 0.3 and len(spans) < 50:
            t0 = time.monotonic()
            r.visualize(filename=str(tmp_path / "big.svg"), view="tasks")
            spans.append((t0, time.monotonic()))
    finally:
        stop.set()
        t.join()
    # the ticker ran during the renders, away from their ends: with the GIL
    # held it got no tick there at all. A few ticks, not one every 5 ms, as
    # a loaded machine (CI's sanitizer runs) starves the ticker's thread.
    inside = [x for x in ticks for a, b in spans if a + 0.01 <= x <= b - 0.01]
    assert len(inside) >= 3, (len(inside), spans)


def test_visualize_svg_file_is_read_only_when_shown(tmp_path):
    # IPython's SVG parses the whole file with minidom when made (minutes
    # for 85,440 tasks): dusk's is an SVG that reads it when shown.
    from IPython.display import SVG
    x = da.ones((4, 4), chunks=2) + 1
    path = tmp_path / "g.svg"
    pic = x.visualize(filename=str(path))
    assert isinstance(pic, SVG) and pic.filename == str(path)
    assert pic._data is None                       # nothing read yet
    text = pic._repr_svg_()                        # what a notebook shows
    assert text.startswith("<svg") and "</svg>" in text
    assert pic.data == text


def test_visualize_svg_graphviz_writes_svg(tmp_path):
    # 'svg:graphviz' is SVG written by Graphviz's own renderer: the file is
    # name.svg (it was 'sg.svg.svg:graphviz' and the call gave None)
    from IPython.display import SVG
    x = da.ones((40, 40), chunks=2) + 1           # 1,200 tasks: dusk's layout
    d = dusk.Delayed("b", {"a": 1, "b": (inc, "a")})
    for obj, stem in ((x, "x"), (d, "d")):
        for name in (stem + ".svg", stem + "2"):
            pic = obj.visualize(filename=str(tmp_path / name), format="svg:graphviz",
                                view="tasks")
            out = tmp_path / (name if name.endswith(".svg") else name + ".svg")
            assert isinstance(pic, SVG)
            assert "Generated by graphviz" in out.read_text()
        mem = obj.visualize(filename=None, format="svg:graphviz", view="tasks")
        assert isinstance(mem, SVG) and mem.data.startswith("<svg")
    assert sorted(os.listdir(tmp_path)) == ["d.svg", "d2.svg", "x.svg", "x2.svg"]


def test_visualize_file_names_as_dask(tmp_path):
    # Dask takes the format from the extensions it knows only; any other
    # name gets .png (dask/dot.py graphviz_to_file, run here on a stand-in
    # for graphviz's Digraph, as python3-graphviz is not installed).
    from dask.dot import graphviz_to_file

    class Piped:
        def pipe(self, format):
            return b"\x89PNG\r\n\x1a\n" if format == "png" else b"%PDF-"
    x = da.ones((4,), chunks=2) + 1
    for name in ("my.graph", "v1.2", "a.PNG", "b.Pdf", "c"):
        dask_dir, dusk_dir = tmp_path / "dask", tmp_path / "dusk"
        for d in (dask_dir, dusk_dir):
            d.mkdir(exist_ok=True)
        graphviz_to_file(Piped(), str(dask_dir / name), None)
        x.visualize(filename=str(dusk_dir / name))
        assert sorted(os.listdir(dusk_dir)) == sorted(os.listdir(dask_dir)), name
        for d in (dask_dir, dusk_dir):
            for f in os.listdir(d):
                os.unlink(d / f)


def test_visualize_keywords_dusk_cannot_honour_raise(tmp_path):
    # Dask uses cmap for color= colourings and hands other keywords to
    # Graphviz as graph attributes: dusk raises for what it cannot do, and
    # never swallows a keyword silently.
    x = da.ones((4,), chunks=2) + 1
    d = dusk.Delayed("b", {"a": 1, "b": (inc, "a")})
    f = str(tmp_path / "k.svg")
    for obj in (x, d):
        with pytest.raises(NotImplementedError, match="cmap='viridis'"):
            obj.visualize(filename=f, color="order", cmap="viridis")
        with pytest.raises(TypeError, match="cmap"):
            obj.visualize(filename=f, cmap="plasma")
        with pytest.raises(NotImplementedError, match="optimize_graph"):
            obj.visualize(filename=f, optimize_graph=True)
        with pytest.raises(NotImplementedError, match="engine='cytoscape'"):
            obj.visualize(filename=f, engine="cytoscape")
        with pytest.raises(TypeError, match="'ratio', 'size'"):
            obj.visualize(filename=f, size="10", ratio="fill")
        assert not os.path.exists(f)
        # plasma is what dusk's 'order' colours with; the defaults pass
        obj.visualize(filename=f, color="order", cmap="plasma", optimize_graph=False,
                      engine="graphviz")
        assert "<svg" in open(f).read()
        os.unlink(f)


def test_dusk_visualize_draws_several_as_dask_visualize(tmp_path):
    # dask.visualize(m, r): one picture of the joined graph, what m and r share
    # (x's blocks, the mean) drawn once: as many tasks as Dask's joined graph
    import dask
    (m, r), (dm, dr) = both(lambda mod: (lambda x: (x.mean(axis=0), x - x.mean(axis=0)))(
        mod.ones((15, 15), chunks=(5, 5))))
    joined = len(dask.base.collections_to_dsk([dm, dr], optimize_graph=False))
    dot = dusk.visualize(m, r, filename=None, format="dot").decode()
    assert dot.count("shape=circle") == joined == r._ntasks
    assert dot.count("shape=circle") < m._ntasks + r._ntasks
    # inside lists and dicts (traverse), the file named as Dask names it
    dusk.visualize([m, {"r": r}], filename=str(tmp_path / "both"))
    assert open(tmp_path / "both.png", "rb").read(4) == b"\x89PNG"
    with pytest.raises(ValueError, match="nothing to draw"):
        dusk.visualize([m], traverse=False, filename=None)
    # in a dict: searched, as Dask 2022.12 searches it (not drawn as a graph)
    dot = dusk.visualize({"m": m, "r": r}, filename=None, format="dot").decode()
    assert dot.count("shape=circle") == joined
    # Delayed objects, their graphs merged
    d = dusk.Delayed("b", {"a": 1, "b": (inc, "a")})
    e = dusk.Delayed("c", {"c": (add, 1, 2)})
    dot = dusk.visualize(d, [e], filename=None, format="dot").decode()
    assert dot.count("shape=circle") == 2              # b and c; a is data
    assert "key: 'b'" in dot and "label=c" in dot
    with pytest.raises(ValueError, match="visualize_graph"):
        dusk.visualize({"c": (add, 1, 2)}, filename=None)
    # what dusk cannot draw together, or draw at all, is said, and nothing written
    f = tmp_path / "no.svg"
    with pytest.raises(NotImplementedError, match="not both"):
        dusk.visualize(m, d, filename=str(f))
    with pytest.raises(ValueError, match="nothing to draw"):
        dusk.visualize(filename=str(f))
    with pytest.raises(TypeError, match="'size'"):
        dusk.visualize(m, r, filename=str(f), size="3")
    with pytest.raises(TypeError, match="every array drawn"):
        da.Array._visualize_many([m, 3], str(f))
    assert not f.exists()
    # past the threshold, the layer view, with Dask's warning
    big = da.ones((1200,), chunks=1)
    with pytest.warns(UserWarning, match="3600 tasks"):    # the ones once, not twice
        dusk.visualize(big + 1, big * 2, filename=str(f))
    assert "<svg" in f.read_text()


def test_visualize_warns_when_it_draws_the_layer_view(tmp_path):
    x = da.ones((1200,), chunks=1) + 1                 # 2,400 tasks
    with pytest.warns(UserWarning, match=r"2400 tasks, more than 1000.*view='tasks'"):
        x.visualize(filename=str(tmp_path / "l.svg"))
    dsk = {"k%d" % i: (inc, 1) for i in range(1500)}
    with pytest.warns(UserWarning, match=r"1500 tasks, more than 1000.*view='tasks'"):
        dusk.Delayed("k0", dsk).visualize(filename=str(tmp_path / "d.svg"))
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")            # none for these
        x.visualize(filename=str(tmp_path / "t.svg"), view="tasks")
        x.visualize(filename=str(tmp_path / "l2.svg"), view="layers")
        (da.ones((4,), chunks=2) + 1).visualize(filename=str(tmp_path / "s.svg"))


def test_system_errors_are_oserror_subclasses(tmp_path):
    """dusk's system errors carry their errno: a missing folder or file is
    FileNotFoundError, as h5py and open() raise it."""
    x = da.ones(3)
    with pytest.raises(FileNotFoundError) as e:
        x.to_hdf5(str(tmp_path / "no" / "such" / "f.h5"), "/x")
    assert e.value.errno == 2 and "no/such" in str(e.value)
    assert "no such folder '%s'" % (tmp_path / "no" / "such") in str(e.value)   # not "lock file"
    # through a link: the folder the link names (not the link's)
    (tmp_path / "link.h5").symlink_to(tmp_path / "gone" / "t.h5")
    with pytest.raises(FileNotFoundError, match="no such folder '%s'" % (tmp_path / "gone")):
        x.to_hdf5(str(tmp_path / "link.h5"), "/x")
    with pytest.raises(FileNotFoundError, match="cannot open"):
        da.from_hdf5(str(tmp_path / "missing.h5"), "/x").compute()
    # another errno, another subclass: a file where a folder should be
    plain = tmp_path / "plain.txt"
    plain.write_text("not a folder")
    with pytest.raises(NotADirectoryError) as e:
        x.to_hdf5(str(plain / "f.h5"), "/x")
    assert e.value.errno == errno.ENOTDIR and "not a folder '%s'" % plain in str(e.value)


def test_compare_with_none_elementwise():
    """As NumPy and Dask: x == None is an array of False, x != None of True."""
    x = da.arange(5, chunks=2)
    eq, ne = x == None, x != None   # noqa: E711
    assert isinstance(eq, da.Array) and eq.dtype == bool and eq.chunks == x.chunks
    np.testing.assert_array_equal(eq.compute(), np.arange(5) == None)   # noqa: E711
    np.testing.assert_array_equal(ne.compute(), np.arange(5) != None)   # noqa: E711
    assert (None == x).compute().tolist() == [False] * 5   # noqa: E711
