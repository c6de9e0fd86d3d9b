"""dusk.array's argmax, argmin, nanargmax, nanargmin, cumsum, cumprod and where:
values and dtypes against NumPy, the layers and task counts against dask.array."""
import collections
import pickle

import numpy as np
import pytest

import dusk.array as da
from conftest import run_python

dda = pytest.importorskip("dask.array")

CHUNKINGS = [(3, 2), (10, 7), (1, 3), ((4, 6), (2, 5))]


def layers(x):
    """A graph's layers as a multiset of (name without its token, tasks)."""
    if isinstance(x, da.Array):
        pairs = [(l["name"], l["ntasks"]) for l in x._layers()]
    else:
        pairs = [(k, len(v)) for k, v in x.__dask_graph__().layers.items()]
    return collections.Counter((name.rsplit("-", 1)[0], n) for name, n in pairs)


def added(result, source):
    """The layers result adds to its source's (from_array's layers differ:
    dusk keeps an 'original-array' of one task that Dask's has not)."""
    return layers(result) - layers(source)


def same_graph(ours, theirs, ours_in, theirs_in, what):
    assert added(ours, ours_in) == added(theirs, theirs_in), what
    assert ours._ntasks - ours_in._ntasks == (len(theirs.__dask_graph__())
                                              - len(theirs_in.__dask_graph__())), what


def data(seed=0, nan=True):
    # small integers, so that ties are many (the first index wins); NaNs
    # where no whole row or column is NaN
    a = np.random.RandomState(seed).randint(0, 5, (10, 7)).astype(float)
    if nan:
        a[2, 3] = a[7, 0] = a[7, 5] = np.nan
    return a


# --- arg-reductions -------------------------------------------------------------------------

@pytest.mark.parametrize("chunks", CHUNKINGS)
@pytest.mark.parametrize("name", ["argmax", "argmin", "nanargmax", "nanargmin"])
def test_arg_reductions_as_numpy_and_dask(name, chunks):
    a = data()
    x, d = da.from_array(a, chunks=chunks), dda.from_array(a, chunks=chunks)
    assert x.chunks == d.chunks
    for axis in (None, 0, 1, -1):
        for keepdims in (False, True):
            for split_every in (None, 2, 3):
                what = (name, chunks, axis, keepdims, split_every)
                r = getattr(da, name)(x, axis=axis, keepdims=keepdims, split_every=split_every)
                w = getattr(dda, name)(d, axis=axis, keepdims=keepdims, split_every=split_every)
                want = getattr(np, name)(a, axis=axis, keepdims=keepdims)
                assert r.shape == want.shape == w.shape and r.dtype == want.dtype, what
                np.testing.assert_array_equal(r.compute(), want, err_msg=str(what))
                same_graph(r, w, x, d, what)


def test_arg_methods_and_dtypes_as_numpy():
    base = data(1, nan=False)
    for dt in ("f8", "f4", "f2", "i1", "i8", "u1", "u8", "?"):
        a = (base - 2).astype(dt) if dt not in ("u1", "u8", "?") else base.astype(dt)
        x = da.from_array(a, chunks=(4, 3))
        for axis in (None, 0, 1):
            for got, want in ((x.argmax(axis=axis), a.argmax(axis=axis)),
                              (x.argmin(axis, keepdims=True), a.argmin(axis, keepdims=True)),
                              (da.nanargmin(a, axis=axis), np.nanargmin(a, axis=axis))):
                assert got.dtype == np.int64 and got.shape == want.shape, (dt, axis)
                np.testing.assert_array_equal(got.compute(), want, err_msg="%s %s" % (dt, axis))
    # a 0-d array, and a float NaN: argmax gives the first NaN, nanargmax skips it
    assert da.from_array(np.array(3.0)).argmax().compute() == 0
    v = np.array([1.0, np.nan, 7.0, np.nan, 7.0])
    assert da.argmax(da.from_array(v, chunks=2)).compute() == 1
    assert da.nanargmax(da.from_array(v, chunks=2)).compute() == 2
    assert da.nanargmin(v.tolist()).compute() == 0


def test_arg_reduction_errors_name_what_is_wrong():
    x = da.from_array(data(), chunks=3)
    with pytest.raises(ValueError, match=r"attempt to get argmax of an empty sequence "
                                         r"\(axis 0 of shape \(0, 3\)"):
        da.zeros((0, 3), chunks=2).argmax(axis=0)
    with pytest.raises(ValueError, match="argmin of an empty sequence"):
        da.argmin(da.zeros((0, 3), chunks=2))
    # the other axis is not empty: an empty result, as NumPy's
    e = da.zeros((0, 3), chunks=2).argmax(axis=1)
    assert e.shape == (0,) and e.compute().shape == (0,)
    with pytest.raises(TypeError, match=r"argmax: complex numbers \(complex128\) have no order"):
        x.astype(complex).argmax()
    with pytest.raises(TypeError, match="complex"):
        da.nanargmin(x.astype("c8"), axis=0)
    with pytest.raises(ValueError, match="axis 2 is out of bounds for array of dimension 2"):
        x.argmax(axis=2)
    with pytest.raises(ValueError, match="axis -3 is out of bounds"):
        da.argmin(x, axis=-3)
    with pytest.raises(TypeError, match="an axis must be an int, not tuple"):
        x.argmax(axis=(0, 1))
    with pytest.raises(ValueError, match="split_every must be 0 .default. or at least 2, not 1"):
        x.argmax(split_every=1)
    with pytest.raises(TypeError, match="split_every must be an int"):
        x.argmax(split_every=2.5)
    with pytest.raises(TypeError, match="out= must be None"):
        da.nanargmax(x, out=np.zeros(7))
    with pytest.raises(TypeError, match="out= must be None"):
        x.argmin(out=np.zeros(7))
    # an all-NaN slice fails when computed, as NumPy's
    with pytest.raises(ValueError, match="All-NaN slice encountered"):
        da.nanargmax(da.from_array(np.array([[np.nan, 1], [np.nan, 2]]), chunks=1), axis=0).compute()


# --- cumulative sums and products -------------------------------------------------------------

CUM_DTYPES = ("f8", "f4", "f2", "c16", "i4", "i1", "u1", "u8", "?")


@pytest.mark.parametrize("chunks", CHUNKINGS)
def test_cumsum_cumprod_as_numpy_and_dask(chunks):
    base = data(2, nan=False)
    for dt in CUM_DTYPES:
        a = (base - 1).astype(dt) if dt[0] in "fci" else base.astype(dt)
        if dt == "c16":
            a = a + 1j * base[::-1]
        x, d = da.from_array(a, chunks=chunks), dda.from_array(a, chunks=chunks)
        for name in ("cumsum", "cumprod"):
            for axis in (0, 1, -1):
                what = (dt, name, axis, chunks)
                r, w = getattr(x, name)(axis=axis), getattr(dda, name)(d, axis=axis)
                want = getattr(np, name)(a, axis=axis)
                assert r.dtype == want.dtype == w.dtype and r.shape == want.shape, what
                got = r.compute()
                assert got.dtype == want.dtype, what
                if dt[0] in "fc":
                    np.testing.assert_allclose(got, want, rtol=2e-3 if dt == "f2" else 1e-6,
                                               err_msg=str(what))
                else:
                    np.testing.assert_array_equal(got, want, err_msg=str(what))   # wrapping as NumPy's
                same_graph(r, w, x, d, what)


def test_one_axis_of_three_as_numpy():
    # of a 3-d array axis 1 and -1 differ: each axis, counted either way, is NumPy's
    a = np.arange(60.0).reshape(3, 4, 5) % 7
    x = da.from_array(a, chunks=(2, 3, 2))
    for axis in (0, 1, 2, -1, -2, -3, None):
        for name in ("cumsum", "cumprod", "argmax", "argmin"):
            np.testing.assert_array_equal(getattr(da, name)(x, axis=axis).compute(),
                                          getattr(np, name)(a, axis=axis),
                                          err_msg="%s axis=%s" % (name, axis))
    for axis in (3, -4):
        with pytest.raises(np.AxisError, match="axis %d is out of bounds for array of "
                           "dimension 3" % axis):
            x.cumsum(axis=axis)


def test_cumulative_of_one_axis_none_and_functions():
    v = np.arange(1, 11, dtype="f4")
    for chunks in (3, 1, 10):
        x, d = da.from_array(v, chunks=chunks), dda.from_array(v, chunks=chunks)
        for name in ("cumsum", "cumprod"):
            r, w = getattr(da, name)(x), getattr(dda, name)(d)   # axis=None: flattened
            want = getattr(np, name)(v)
            assert r.dtype == want.dtype == np.float32 and r.shape == want.shape
            np.testing.assert_allclose(r.compute(), want, rtol=1e-6)
            same_graph(r, w, x, d, (name, chunks))
    np.testing.assert_array_equal(da.cumsum([True, True, False]).compute(), [1, 2, 2])
    e = da.zeros((0, 3), chunks=2, dtype="i4").cumsum(axis=0)
    assert e.dtype == np.int64 and e.compute().shape == (0, 3)


def test_cumulative_dtype_is_numpys_accumulator():
    # dtype= casts each element first and accumulates in that type: int8
    # wraps, floats cast to int8 truncate then wrap, bools or (cumsum) and
    # and (cumprod) as NumPy's add and multiply of bools
    cases = [(np.array([100, 100, 100, 7], "i1"), "i1"), (np.array([300.7, 1.0, -2.5, 9]), "i1"),
             (np.array([1, 0, 1, 1]), bool), (np.array([1.5, 2.5, 3.5, 0.5]), int),
             (np.arange(1, 5, dtype="i8") * 70000, "i4"), (np.array([250, 3, 9, 1], "u1"), "u1"),
             (np.arange(1, 5.0) / 3, "f4"), (np.arange(4), "c8")]
    for a, dt in cases:
        x = da.from_array(a, chunks=3)
        for name in ("cumsum", "cumprod"):
            want = getattr(np, name)(a, dtype=dt)
            for r in (getattr(x, name)(dtype=dt), getattr(da, name)(a, axis=0, dtype=dt)):
                assert r.dtype == want.dtype, (a.dtype, dt, name)
                np.testing.assert_allclose(r.compute(), want, rtol=1e-6, err_msg=str((a, dt, name)))


def test_cumulative_errors_name_what_is_wrong():
    x = da.ones((4, 4), chunks=2)
    with pytest.raises(ValueError, match="axis 2 is out of bounds for array of dimension 2"):
        x.cumprod(axis=2)
    with pytest.raises(TypeError, match="an axis must be an int, not tuple"):
        da.cumsum(x, axis=(0, 1))
    with pytest.raises(ValueError, match="dusk builds method='sequential' only, not Dask's "
                                         "'blelloch'"):
        x.cumsum(axis=0, method="blelloch")
    with pytest.raises(ValueError, match="Expected 'sequential' or 'blelloch'. Got: 'fast'"):
        da.cumprod(x, axis=0, method="fast")
    with pytest.raises(TypeError, match="out= must be None"):
        x.cumsum(axis=0, out=np.zeros((4, 4)))
    with pytest.raises(TypeError, match=r"no dtype 'datetime64\[s\]'"):
        x.cumsum(axis=0, dtype="M8[s]")


# --- where -------------------------------------------------------------------------------------

def test_where_as_numpy_and_dask():
    a = data(3)
    for chunks in CHUNKINGS:
        x, d = da.from_array(a, chunks=chunks), dda.from_array(a, chunks=chunks)
        b = np.arange(7, dtype="f4")
        xb, db = da.from_array(b, chunks=3), dda.from_array(b, chunks=3)
        cases = [
            (lambda m, x, xb: m.where(x > 2, x, xb), lambda: np.where(a > 2, a, b)),
            (lambda m, x, xb: m.where(x, xb, x.astype("i1")), lambda: np.where(a, b, a.astype("i1"))),
            (lambda m, x, xb: m.where(x[0] > 1, x, x[:, :1]), lambda: np.where(a[0] > 1, a, a[:, :1])),
            (lambda m, x, xb: m.where(x > 2, x.astype("i1"), 0), lambda: np.where(a > 2, a.astype("i1"), 0)),
            (lambda m, x, xb: m.where(x > 2, 300, x.astype("i1")), lambda: np.where(a > 2, 300, a.astype("i1"))),
            (lambda m, x, xb: m.where(x > 2, 0.5, xb), lambda: np.where(a > 2, 0.5, b)),
            (lambda m, x, xb: m.where(x > 2, xb, np.float32(2)), lambda: np.where(a > 2, b, np.float32(2))),
            (lambda m, x, xb: m.where(x > 2, x.astype("u1"), True), lambda: np.where(a > 2, a.astype("u1"), True)),
        ]
        for i, (f, numpy_f) in enumerate(cases):
            what = (i, chunks)
            r, w = f(da, x, xb), f(dda, d, db)
            with np.errstate(invalid="ignore"):
                want = numpy_f()
            assert r.dtype == want.dtype and r.shape == want.shape, what
            got = r.compute()
            assert got.dtype == want.dtype, what
            np.testing.assert_array_equal(got, want, err_msg=str(what))
            # the layers and tasks where adds to its inputs' (xb's, when it
            # is one: cases 0, 1, 5 and 6)
            uses_b = i in (0, 1, 5, 6)
            assert added(r, x) - layers(xb) == added(w, d) - layers(db), what
            ours_in = x._ntasks + (xb._ntasks if uses_b else 0)
            theirs_in = len(d.__dask_graph__()) + (len(db.__dask_graph__()) if uses_b else 0)
            assert r._ntasks - ours_in == len(w.__dask_graph__()) - theirs_in, what


def test_where_takes_numbers_lists_and_numpy_arrays_with_numpys_dtype():
    c = np.array([[True, False, True], [False, False, True]])
    xc = da.from_array(c, chunks=1)
    i1 = np.array([1, -2, 3], "i1")
    cases = [(1, 2.0), (np.float32(1), 2.0), (np.int8(1), 300), (True, 2.5), (np.uint8(1), -1),
             (1, 2), (2**63 + 1, -1), (np.array(5, "i1"), np.array(2.5, "f4")), ([1, 2, 3], 7),
             (i1, 300), (-1, i1), (i1, np.uint64(5)), (1j, i1), (i1, np.array(2, "u8")),
             (np.arange(3.0), [[1], [2]])]
    for x, y in cases:
        want = np.where(c, x, y)
        for cond in (xc, c, c.tolist()):
            r = da.where(cond, x, y)
            assert r.dtype == want.dtype and r.shape == want.shape, (x, y, r.dtype, want.dtype)
            np.testing.assert_array_equal(r.compute(), want, err_msg=str((x, y)))
    # a float condition: nonzero (NaN too) is true
    f = np.array([0.0, np.nan, -1.0])
    np.testing.assert_array_equal(da.where(da.from_array(f), 1, 0).compute(), np.where(f, 1, 0))


def test_where_errors_name_what_is_wrong():
    c = da.ones((4, 3), chunks=2, dtype=bool)
    a = da.ones((4, 3), chunks=2)
    with pytest.raises(ValueError, match=r"where: shapes \(4, 3\), \(4, 3\) and \(4,\) do not "
                                         r"broadcast"):
        da.where(c, a, da.ones(4, chunks=2))
    with pytest.raises(ValueError, match="do not broadcast"):
        da.where(c, 1.0, np.ones(5))
    with pytest.raises(TypeError, match="numpy.nonzero, which dusk does not have"):
        da.where(c)
    with pytest.raises(ValueError, match="both or neither of x and y"):
        da.where(c, a)
    with pytest.raises(OverflowError, match="does not fit in 64 bits"):
        da.where(c, a, 2**70)
    with pytest.raises(TypeError, match="dusk arrays hold numbers"):
        da.where(c, a, np.array(["a"]))


# --- recipes: compaction and pickle ---------------------------------------------------------------

def test_results_survive_compaction_and_pickle():
    a = data(4)
    x = da.from_array(a, chunks=(3, 4))
    arrays = [da.nanargmax(x, axis=0, keepdims=True, split_every=2), x.argmin(),
              x.cumsum(axis=1), da.cumprod(x[:, 0], dtype="f4"),
              da.where(x > 1, x, 0), da.where(x > 1, 1, np.float32(2)),
              da.where(x[0] > 1, x, x[:, :1])]
    with np.errstate(invalid="ignore"):
        wants = [np.nanargmax(a, axis=0, keepdims=True), a.argmin(), a.cumsum(axis=1),
                 np.cumprod(a[:, 0], dtype="f4"), np.where(a > 1, a, 0),
                 np.where(a > 1, 1, np.float32(2)), np.where(a[0] > 1, a, a[:, :1])]
    names = [r.name for r in arrays]
    before = [r._context_made() for r in arrays[:1]]
    for _ in range(1300):   # past the compaction threshold: the live arrays are replayed
        da.ones(2) + 1
    assert arrays[0]._context_made() < before[0] + 1300   # compacted (a fresh context)
    for r, want, name in zip(arrays, wants, names):
        assert r.name == name
        np.testing.assert_allclose(r.compute(), want, rtol=1e-6)
        z = pickle.loads(pickle.dumps(r))
        assert z.name == name and z.dtype == r.dtype and z.chunks == r.chunks
        np.testing.assert_allclose(z.compute(), want, rtol=1e-6)
    p = run_python("""
        import pickle
        rs = pickle.loads(bytes.fromhex(%r))
        print(repr([r.compute().tolist() for r in rs]))
    """ % pickle.dumps(arrays).hex())
    assert p.returncode == 0, p.stderr
    got = eval(p.stdout.replace("nan", "float('nan')"))
    for g, want in zip(got, wants):
        np.testing.assert_allclose(np.array(g), want, rtol=1e-6)


def test_numpys_functions_call_the_methods():
    # np.argmax, np.argmin, np.cumsum and np.cumprod call the array's method
    # (NumPy's _wrapfunc): a dusk array back, lazily; np.where has no such
    # method and comes through __array_function__ to da.where, lazily too
    a = data(5, nan=False)
    x = da.from_array(a, chunks=(4, 3))
    for got, want in ((np.argmax(x, axis=0), np.argmax(a, axis=0)),
                      (np.argmin(x, keepdims=True), np.argmin(a, keepdims=True)),
                      (np.cumsum(x, axis=1), np.cumsum(a, axis=1)),
                      (np.cumprod(x[:, 1], dtype="f4"), np.cumprod(a[:, 1], dtype="f4"))):
        assert isinstance(got, da.Array) and got.dtype == want.dtype
        np.testing.assert_allclose(got.compute(), want, rtol=1e-6)
    # axis=None flattens (tests/python/test_reshape.py checks it against Dask)
    np.testing.assert_array_equal(np.cumsum(x).compute(), np.cumsum(a))
    w = np.where(x > 2, x, 0)
    assert isinstance(w, da.Array)
    np.testing.assert_array_equal(w.compute(), np.where(a > 2, a, 0))
