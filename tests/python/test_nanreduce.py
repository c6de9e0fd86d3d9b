"""dusk.array's nansum, nanprod, nanmean, nanstd, nanvar, nanmin and nanmax:
values and dtypes against NumPy, the layers and task counts against dask.array."""
import collections
import pickle
import warnings

import numpy as np
import pytest

import dusk.array as da

dda = pytest.importorskip("dask.array")

NAMES = ["nansum", "nanprod", "nanmean", "nanstd", "nanvar", "nanmin", "nanmax"]
CHUNKINGS = [(3, 2), (10, 7), (1, 3), ((4, 6), (2, 5))]


def layers(x):
    """A graph's layers as a multiset of (name without its token, tasks)."""
    if isinstance(x, da.Array):
        pairs = [(l["name"], l["ntasks"]) for l in x._layers()]
    else:
        pairs = [(k, len(v)) for k, v in x.__dask_graph__().layers.items()]
    return collections.Counter((name.rsplit("-", 1)[0], n) for name, n in pairs)


def same_graph(ours, theirs, ours_in, theirs_in, what):
    """The layers and tasks each adds to its input's (from_array's differ)."""
    assert layers(ours) - layers(ours_in) == layers(theirs) - layers(theirs_in), what
    assert ours._ntasks - ours_in._ntasks == (len(theirs.__dask_graph__())
                                              - len(theirs_in.__dask_graph__())), what


def data(seed=0):
    """10 x 7 halves of both signs with NaNs scattered, none in row 4, and a
    column (3) of NaNs only: an all-NaN slice along axis 0."""
    rs = np.random.RandomState(seed)
    a = (rs.randint(-4, 5, (10, 7)) / 2.0)
    a[rs.rand(10, 7) < 0.2] = np.nan
    a[4] = 1.5
    a[:, 3] = np.nan
    return a


def numpy_of(name, a, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)   # All-NaN slice, degrees of freedom
        return np.asarray(getattr(np, name)(a, **kw))


@pytest.mark.parametrize("chunks", CHUNKINGS)
@pytest.mark.parametrize("name", NAMES)
def test_nan_reductions_as_numpy_and_dask(name, chunks):
    a = data()
    x, d = da.from_array(a, chunks=chunks), dda.from_array(a, chunks=chunks)
    for axis in (None, 0, 1, -1, (0, 1)):
        for keepdims in (False, True):
            for split_every in (None, 2, 3):
                for ddof in ((0, 1) if name in ("nanstd", "nanvar") else (None,)):
                    kw = {} if ddof is None else {"ddof": ddof}
                    what = (name, chunks, axis, keepdims, split_every, ddof)
                    r = getattr(da, name)(x, axis=axis, keepdims=keepdims,
                                          split_every=split_every, **kw)
                    w = getattr(dda, name)(d, axis=axis, keepdims=keepdims,
                                           split_every=split_every, **kw)
                    want = numpy_of(name, a, axis=axis, keepdims=keepdims, **kw)
                    assert r.shape == want.shape == w.shape, what
                    assert r.dtype == want.dtype == w.dtype, what
                    np.testing.assert_allclose(r.compute(), want, rtol=1e-13, atol=1e-13,
                                               err_msg=str(what))
                    same_graph(r, w, x, d, what)


@pytest.mark.parametrize("dt", ["f8", "f4", "f2", "c16", "c8", "i1", "i8", "u1", "u8", "?"])
def test_dtypes_as_numpys(dt):
    base = data(1)
    if dt in ("f8", "f4", "f2"):
        a = base.astype(dt)
    elif dt in ("c16", "c8"):
        a = (base + 1j * np.roll(base, 1, axis=1)).astype(dt)
    else:
        a = np.nan_to_num(base + 2).astype(dt)
    x = da.from_array(a, chunks=(4, 3))
    tol = {"f4": 1e-5, "c8": 1e-5, "f2": 5e-3}.get(dt, 1e-12)
    for name in NAMES:
        if dt in ("c16", "c8") and name in ("nanmin", "nanmax"):
            with pytest.raises(TypeError, match="complex numbers .* have no order"):
                getattr(da, name)(x)
            continue
        for axis in (None, 0, 1):
            want = numpy_of(name, a, axis=axis)
            got = getattr(da, name)(x, axis=axis)
            assert got.dtype == want.dtype and got.shape == want.shape, (dt, name, axis)
            np.testing.assert_allclose(got.compute(), want, rtol=tol, atol=tol,
                                       err_msg="%s %s %s" % (dt, name, axis))


def test_all_nan_and_no_degrees_of_freedom():
    x = da.from_array(np.full((3, 4), np.nan), chunks=2)
    wants = {"nansum": 0.0, "nanprod": 1.0}
    for name in NAMES:
        got = getattr(da, name)(x, axis=0).compute()
        want = wants.get(name, np.nan)
        np.testing.assert_array_equal(got, np.full(4, want), err_msg=name)
    # NumPy's nanvar of floats: NaN with no degree of freedom left (var: inf)
    v = da.from_array(np.array([1.0, np.nan, 3.0]), chunks=1)
    assert np.isnan(da.nanvar(v, ddof=2).compute())
    assert np.isnan(da.nanstd(v, ddof=5).compute())
    # of integers NumPy's nanvar is var, which divides by zero
    i = da.arange(3, chunks=2)
    assert da.nanvar(i, ddof=3).compute() == np.nanvar(np.arange(3), ddof=3) == np.inf


def test_dtype_argument_as_numpy():
    a = np.array([[1.5, np.nan, 2.5], [np.nan, -1.0, 4.0]])
    x = da.from_array(a, chunks=1)
    for name, kw in (("nansum", {"dtype": "f4"}), ("nansum", {"dtype": int}),
                     ("nanprod", {"dtype": "i8"}), ("nanmean", {"dtype": "f4"}),
                     ("nanvar", {"dtype": "f4", "ddof": 1}), ("nanstd", {"dtype": "f8"})):
        want = numpy_of(name, a, axis=1, **kw)
        got = getattr(da, name)(x, axis=1, **kw)
        assert got.dtype == want.dtype, (name, kw)
        np.testing.assert_allclose(got.compute(), want, rtol=1e-6, err_msg=str((name, kw)))
    with pytest.raises(TypeError, match="If a is inexact, then dtype must be inexact"):
        da.nanmean(x, dtype=int)
    # integers hold no NaN: their nanmean with an integer dtype is NumPy's mean
    i = np.arange(7).reshape(1, 7)
    assert da.nanmean(i, dtype=int).compute() == np.nanmean(i, dtype=int)


def test_errors_name_what_is_wrong():
    x = da.from_array(data(), chunks=3)
    with pytest.raises(ValueError, match=r"nanmin: zero-size array to reduction operation fmin "
                                         r"which has no identity \(axis 0 of shape \(0, 3\)"):
        da.nanmin(da.zeros((0, 3), chunks=2), axis=0)
    with pytest.raises(ValueError, match="reduction operation fmax"):
        da.nanmax(da.zeros((0, 3), chunks=2))
    # the other axis is not empty: an empty result, as NumPy's
    e = da.nanmin(da.zeros((0, 3), chunks=2), axis=1)
    assert e.shape == (0,) and e.compute().shape == (0,)
    with pytest.raises(TypeError, match=r"nanmax: complex numbers \(complex128\) have no order"):
        da.nanmax(x.astype(complex))
    with pytest.raises(ValueError, match="axis 2 is out of bounds for array of dimension 2"):
        da.nansum(x, axis=2)
    with pytest.raises(ValueError, match="duplicate value in 'axis'"):
        da.nanvar(x, axis=(0, -2))
    with pytest.raises(ValueError, match="split_every must be 0 .default. or at least 2, not 1"):
        da.nanmean(x, split_every=1)
    with pytest.raises(TypeError, match="split_every must be an int"):
        da.nanprod(x, split_every=2.5)
    with pytest.raises(TypeError, match="out= must be None"):
        da.nanstd(x, out=np.zeros(7))


def test_names_and_pickle():
    a = data(3)
    x = da.from_array(a, chunks=(3, 4))
    # the same expression has the same name; the nan- form's is not the plain one's
    assert da.nanmean(x, axis=0).name == da.nanmean(x, axis=0).name
    assert da.nanmean(x, axis=0).name != x.mean(axis=0).name
    assert da.nansum(x).name != x.sum().name
    assert da.nanvar(x, ddof=1).name != da.nanvar(x).name
    arrays = [da.nansum(x, axis=1), da.nanstd(x, axis=0, ddof=1), da.nanmax(x, keepdims=True)]
    wants = [numpy_of("nansum", a, axis=1), numpy_of("nanstd", a, axis=0, ddof=1),
             numpy_of("nanmax", a, keepdims=True)]
    for r, want in zip(arrays, wants):
        z = pickle.loads(pickle.dumps(r))
        assert z.name == r.name and z.dtype == r.dtype and z.chunks == r.chunks
        np.testing.assert_allclose(z.compute(), want, rtol=1e-13)


def test_numpys_nan_functions_dispatch():
    # np.nansum and its kin have no array method to call: NumPy dispatches
    # them through __array_function__ to da.nansum ..., lazily, as Dask's
    a = data(5)
    x = da.from_array(a, chunks=(4, 3))
    for name in ("nansum", "nanprod", "nanmean", "nanstd", "nanvar", "nanmin", "nanmax"):
        got = getattr(np, name)(x, axis=0)
        assert isinstance(got, da.Array), name
        np.testing.assert_allclose(got.compute(), getattr(np, name)(a, axis=0), rtol=1e-13)


def test_float64_extremes_products_and_truths_as_numpys():
    # min, max, their nan-forms, prod, any and all of float64 blocks fold
    # contiguous rows in loops of their own (array/nd.c's fold_f8_*): a NaN
    # carried on (or skipped), all-NaN rows and columns, -0.0 against 0.0,
    # either axis and both, against NumPy's, element for element
    rng = np.random.default_rng(1)
    for trial in range(30):
        a = rng.standard_normal((7, 9))
        a[rng.random((7, 9)) < rng.random() * 0.5] = np.nan
        if trial % 5 == 0:
            a[:, 3] = np.nan
            a[2, :] = np.nan
        if trial % 7 == 0:
            a[a > 0] = 0.0
            a[0, 0] = -0.0
        x = da.from_array(a, chunks=(3, 4))
        for name in ["max", "min", "nanmax", "nanmin", "prod", "any", "all"]:
            for axis in [None, 0, 1]:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    want = getattr(np, name)(a, axis=axis)
                    got = getattr(da, name)(x, axis=axis).compute()
                what = "%s axis=%s trial %d" % (name, axis, trial)
                assert got.dtype == want.dtype, what
                if name == "prod":   # blocks' products multiply in another order
                    np.testing.assert_allclose(got, want, rtol=1e-13, err_msg=what)
                else:
                    np.testing.assert_array_equal(got, want, err_msg=what)
