"""dusk.array's NumPy ufuncs beyond the operators (arctan2 ... sinc), clip, round,
isclose, allclose and nan_to_num: dtypes and values against NumPy over dtypes
and chunkings, layers and task counts against dask.array."""
import collections
import warnings

import numpy as np
import pytest

import dusk.array as da

dda = pytest.importorskip("dask.array")

DTYPES = ["bool", "int8", "uint8", "int16", "int32", "int64", "uint64", "float16", "float32",
          "float64", "complex64", "complex128"]
CHUNKINGS = [(3, 2), ((4, 6), (2, 5)), (10, 7)]

BINARY = ["arctan2", "hypot", "copysign", "nextafter", "logaddexp", "logaddexp2", "fmod",
          "fmax", "fmin", "float_power", "logical_and", "logical_or", "logical_xor", "add",
          "subtract", "multiply", "divide", "true_divide", "power", "equal", "not_equal",
          "less", "less_equal", "greater", "greater_equal"]
UNARY = ["logical_not", "positive", "reciprocal", "cbrt", "exp2", "fabs", "deg2rad", "rad2deg",
         "degrees", "radians", "arcsinh", "arccosh", "arctanh", "signbit", "sinc"]


def layers(x):
    if isinstance(x, da.Array):
        pairs = [(l["name"], l["ntasks"]) for l in x._layers()]
    else:
        pairs = [(k, len(v)) for k, v in x.__dask_graph__().layers.items()]
    return collections.Counter((name.rsplit("-", 1)[0], n) for name, n in pairs)


def same_graph(ours, theirs, ours_in, theirs_in, what):
    assert layers(ours) - layers(ours_in) == layers(theirs) - layers(theirs_in), what
    assert ours._ntasks - ours_in._ntasks == (len(theirs.__dask_graph__())
                                              - len(theirs_in.__dask_graph__())), what


def sample(dtype, seed=0):
    """10 x 7 values of dtype with NumPy's edge cases: zeros of both signs,
    halves, nan and infinities for floats, the extremes of integers."""
    r = np.random.RandomState(seed)
    dt = np.dtype(dtype)
    if dt.kind == "b":
        return r.randint(0, 2, (10, 7)).astype(bool)
    if dt.kind in "iu":
        info = np.iinfo(dt)
        a = r.randint(max(info.min, -20), min(info.max, 20) + 1, (10, 7)).astype(dt)
        a[0, 0], a[0, 1], a[0, 2], a[0, 3] = info.min, info.max, 0, 1
        return a
    a = (r.randint(-8, 9, (10, 7)) / 4).astype(dt)
    if dt.kind == "c":
        a = a + 1j * (r.randint(-8, 9, (10, 7)) / 4).astype(dt)
    flat = a.reshape(-1)
    flat[:6] = [np.nan, np.inf, -np.inf, -0.0, 0.0, 2.5]
    return a


def same_values(got, want, what, exact=True):
    assert got.dtype == want.dtype, (what, got.dtype, want.dtype)
    if exact or got.dtype.kind not in "fc":
        np.testing.assert_array_equal(got, want, err_msg=str(what))
    else:   # transcendental functions: dusk computes float32 in double, then rounds
        rtol = {2: 1e-3, 4: 2e-6, 8: 1e-14}[np.finfo(got.dtype).bits // 8]
        # complex64 parts near 0 (sinc's): absolutely, as float32's epsilon
        atol = 2e-5 if got.dtype == np.complex64 else 0
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True,
                                   err_msg=str(what))


def numpy_or_error(f, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with np.errstate(all="ignore"):
                return f(*args), None
        except (TypeError, ValueError) as e:
            return None, e


EXACT_BINARY = {"copysign", "nextafter", "fmod", "fmax", "fmin", "logical_and", "logical_or",
                "logical_xor", "add", "subtract", "multiply", "divide", "true_divide",
                "equal", "not_equal", "less", "less_equal", "greater", "greater_equal", "hypot"}


@pytest.mark.parametrize("name", BINARY)
def test_binary_dtypes_and_values_as_numpy(name):
    for ta in DTYPES:
        for tb in ("bool", "int8", "uint8", "int64", "float16", "float32", "float64",
                   "complex128"):
            a, b = sample(ta, 1), sample(tb, 2)
            want, err = numpy_or_error(getattr(np, name), a, b)
            x, y = da.from_array(a, chunks=(3, 2)), da.from_array(b, chunks=(4, 3))
            if err is not None:
                with pytest.raises((TypeError, ValueError)):
                    getattr(da, name)(x, y).compute()
                continue
            if name in ("power", "float_power") and np.dtype(want.dtype).kind in "iu":
                continue   # integers to negative powers: NumPy's ValueError, dusk's too
            got = getattr(da, name)(x, y).compute()
            same_values(got, want, (name, ta, tb), exact=name in EXACT_BINARY and
                        np.dtype(want.dtype).kind != "c")


@pytest.mark.parametrize("name", ["arctan2", "hypot", "fmod", "fmax", "logaddexp",
                                  "float_power", "logical_xor", "subtract", "less"])
def test_binary_with_scalars_as_numpy(name):
    """A number on either side, typed by value as NumPy 1.x types it."""
    for ta in ("bool", "int8", "uint8", "int32", "float16", "float32", "float64"):
        a = sample(ta, 3)
        for s in (2, 300, -1, 2.5, np.float32(1.5), np.int16(3), True):
            for first in (False, True):
                args = (s, a) if first else (a, s)
                want, err = numpy_or_error(getattr(np, name), *args)
                x = da.from_array(a, chunks=(4, 3))
                dargs = (s, x) if first else (x, s)
                if err is not None:
                    with pytest.raises((TypeError, ValueError)):
                        getattr(da, name)(*dargs).compute()
                    continue
                got = getattr(da, name)(*dargs).compute()
                same_values(got, want, (name, ta, s, first), exact=False)


@pytest.mark.parametrize("name", UNARY + ["isneginf", "isposinf"])
def test_unary_dtypes_and_values_as_numpy(name):
    for t in DTYPES:
        a = sample(t, 4)
        want, err = numpy_or_error(getattr(np, name), a)
        x = da.from_array(a, chunks=(3, 2))
        if err is not None:
            with pytest.raises((TypeError, ValueError)):
                getattr(da, name)(x).compute()
            continue
        got = getattr(da, name)(x).compute()
        exact = name in ("logical_not", "positive", "fabs", "signbit", "isneginf", "isposinf")
        same_values(got, want, (name, t), exact=exact or (name == "reciprocal" and
                                                         np.dtype(t).kind not in "c"))


def test_nan_and_inf_edges():
    nan, inf = np.nan, np.inf
    a = np.array([nan, 1.0, nan, inf, -inf, 0.0])
    b = np.array([1.0, nan, nan, nan, 2.0, -0.0])
    x, y = da.from_array(a, chunks=2), da.from_array(b, chunks=3)
    # fmax ignores a nan, maximum does not
    np.testing.assert_array_equal(da.fmax(x, y).compute(), [1, 1, nan, inf, 2, 0])
    np.testing.assert_array_equal(da.maximum(x, y).compute(), [nan, nan, nan, nan, 2, 0])
    # hypot of inf and nan is inf
    assert da.hypot(x, y).compute()[3] == inf
    assert np.isnan(da.hypot(x, y).compute()[0])
    np.testing.assert_array_equal(da.logaddexp(x, y).compute(), np.logaddexp(a, b))
    assert np.signbit(da.copysign(x, y).compute()[5])
    f = np.array([1.0, 0.0, -1.0], np.float32)
    np.testing.assert_array_equal(da.nextafter(da.from_array(f), 2).compute(),
                                  np.nextafter(f, np.float32(2)))
    h = np.array([1.0, 0.0, -1.0, 65504.0], np.float16)
    got = da.nextafter(da.from_array(h), da.from_array(np.full(4, -np.inf, np.float16)))
    np.testing.assert_array_equal(got.compute(), np.nextafter(h, np.float16(-np.inf)))


# --- clip, round ---------------------------------------------------------------------------

@pytest.mark.parametrize("chunks", CHUNKINGS)
def test_clip_as_numpy_and_dask(chunks):
    for t in DTYPES:
        a = sample(t, 5)
        for lo, hi in ((0, 2), (-1.5, 1.5), (0, 300), (None, 1), (2, None), (np.nan, 1),
                       (np.float32(0.5), np.int16(3)), (3, 1), (False, True)):
            want, err = numpy_or_error(np.clip, a, lo, hi)
            x = da.from_array(a, chunks=chunks)
            if err is not None:
                with pytest.raises((TypeError, ValueError)):
                    da.clip(x, lo, hi).compute()
                continue
            r = da.clip(x, lo, hi)
            same_values(r.compute(), want, ("clip", t, lo, hi))
            same_values(x.clip(lo, hi).compute(), want, ("Array.clip", t, lo, hi))
    a = sample("float64")
    x, d = da.from_array(a, chunks=chunks), dda.from_array(a, chunks=chunks)
    same_graph(da.clip(x, 0, 1), dda.clip(d, 0, 1), x, d, "clip")
    same_graph(x.clip(0), d.clip(0), x, d, "Array.clip")
    with pytest.raises(ValueError, match="max or min"):
        da.clip(x)


@pytest.mark.parametrize("chunks", CHUNKINGS)
def test_round_as_numpy_and_dask(chunks):
    for t in DTYPES:
        a = sample(t, 6)
        if np.dtype(t).kind in "fc":
            a = a * np.array(1.37, a.dtype) + np.array(0.005, a.dtype)
        for decimals in (0, 1, 2, -1, -2, 3, 25, -25):
            want, err = numpy_or_error(np.round, a, decimals)
            x = da.from_array(a, chunks=chunks)
            if err is not None:
                with pytest.raises((TypeError, ValueError)):
                    da.round(x, decimals).compute()
                continue
            same_values(da.round(x, decimals).compute(), want, ("round", t, decimals))
            same_values(da.around(x, decimals).compute(), want, ("around", t, decimals))
            same_values(x.round(decimals).compute(), want, ("Array.round", t, decimals))
    # halves to even, and the doubles as they are
    v = np.array([0.5, 1.5, 2.5, -0.5, -2.5, 2.675, 1.35, 125.0, 135.0])
    x = da.from_array(v, chunks=4)
    for decimals in (0, 1, 2, -1):
        np.testing.assert_array_equal(da.round(x, decimals).compute(), np.round(v, decimals))
    a = sample("float64")
    x, d = da.from_array(a, chunks=chunks), dda.from_array(a, chunks=chunks)
    same_graph(da.round(x, 2), dda.round(d, 2), x, d, "round")
    same_graph(da.around(x, 2), dda.around(d, 2), x, d, "around")
    same_graph(x.round(1), d.round(1), x, d, "Array.round")


# --- isclose, allclose, nan_to_num ---------------------------------------------------------

@pytest.mark.parametrize("chunks", CHUNKINGS)
def test_isclose_allclose_as_numpy_and_dask(chunks):
    for ta in DTYPES:
        for tb in ("bool", "int64", "float16", "float32", "float64", "complex64"):
            a, b = sample(ta, 7), sample(tb, 7)
            for kw in ({}, {"equal_nan": True}, {"rtol": 0.1, "atol": 0.3}):
                want, err = numpy_or_error(lambda p, q: np.isclose(p, q, **kw), a, b)
                x, y = da.from_array(a, chunks=chunks), da.from_array(b, chunks=(5, 3))
                if err is not None:
                    continue
                same_values(da.isclose(x, y, **kw).compute(), want, ("isclose", ta, tb, kw))
                assert da.allclose(x, y, **kw).compute() == np.allclose(a, b, **kw)
    # broadcasting, and the tolerance in float32 where y is float32
    a = np.float32(1) + np.arange(7, dtype=np.float32) * np.float32(1e-6)
    b = np.ones((3, 1), np.float32)
    np.testing.assert_array_equal(da.isclose(da.from_array(a, 3), da.from_array(b, 2)).compute(),
                                  np.isclose(a, b))
    a, b = sample("float64", 8), sample("float64", 9)
    x, y = da.from_array(a, chunks=chunks), da.from_array(b, chunks=chunks)
    d, e = dda.from_array(a, chunks=chunks), dda.from_array(b, chunks=chunks)
    same_graph(da.isclose(x, y), dda.isclose(d, e), x + y, d + e, "isclose")
    r = da.allclose(x, y)
    assert r.shape == () and r.dtype == bool
    same_graph(r, dda.allclose(d, e), x + y, d + e, "allclose")


def test_isclose_of_a_number_as_dask():
    # A number is passed into every block's isclose, as Dask's elemwise does:
    # one 'isclose' layer (it was made an array: two layers more), the values
    # NumPy's over dtypes, either side, the number of any type.
    for t in DTYPES:
        a = sample(t, 13)
        x, d = da.from_array(a, chunks=(3, 4)), dda.from_array(a, chunks=(3, 4))
        for s in (1.0, 2, np.float32(0.5), np.nan, True, 1 + 1j):
            for kw in ({}, {"equal_nan": True}, {"rtol": 0.1, "atol": 0.3}):
                want, err = numpy_or_error(lambda p, q: np.isclose(p, q, **kw), a, s)
                if err is not None:
                    continue
                same_values(da.isclose(x, s, **kw).compute(), want, ("isclose", t, s, kw))
                same_values(da.isclose(s, x, **kw).compute(),
                            np.isclose(s, a, **kw), ("isclose", s, t, kw))
                assert da.allclose(x, s, **kw).compute() == np.allclose(a, s, **kw)
    a = sample("float64", 14)
    x, d = da.from_array(a, chunks=(3, 4)), dda.from_array(a, chunks=(3, 4))
    for ours, theirs in ((da.isclose(x, 1.0), dda.isclose(d, 1.0)),
                         (da.isclose(0.5, x, rtol=0.2), dda.isclose(0.5, d, rtol=0.2)),
                         (da.allclose(x, 2), dda.allclose(d, 2)),
                         (da.isclose(x[0, 0], 1.0), dda.isclose(d[0, 0], 1.0))):
        same_graph(ours, theirs, x, d, "isclose of a number")
        assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
        np.testing.assert_array_equal(ours.compute(), theirs.compute(scheduler="sync"))


def test_isclose_with_a_zero_d_array_as_dask():
    # Two arrays, one of them 0-d (from_array of a number, or x.sum()):
    # values and dtype as Dask's, over dtypes either side.
    for t1 in ("int8", "uint8", "float16", "float32", "float64", "complex64", "bool"):
        a = np.arange(3).astype(t1)
        for t2 in ("int8", "float32", "float64", "int64", "complex128", "bool"):
            for shape in ((), (3,)):
                b = (np.ones(shape) * 2).astype(t2)
                try:
                    want = dda.isclose(dda.from_array(a, chunks=2), dda.from_array(b)).compute()
                except (TypeError, ValueError) as e:
                    with pytest.raises(type(e)):
                        da.isclose(da.from_array(a, chunks=2), da.from_array(b)).compute()
                    continue
                got = da.isclose(da.from_array(a, chunks=2), da.from_array(b)).compute()
                assert got.dtype == want.dtype and got.shape == want.shape, (t1, t2, shape)
                np.testing.assert_array_equal(got, want)


def _isclose_per_block(a, s, chunk, first, *tol):
    """numpy.isclose on every block of a 1-d a, as Dask's elemwise calls it."""
    return np.concatenate([np.isclose(s, a[i:i + chunk], *tol) if first
                           else np.isclose(a[i:i + chunk], s, *tol)
                           for i in range(0, len(a), chunk)])


@pytest.mark.parametrize("dt", ["float64", "float32", "int8", "uint8", "int16", "int32",
                                "uint32", "int64", "uint64", "bool"])
def test_isclose_of_a_number_in_c_is_numpys_exactly(dt):
    # C computes isclose(x, number) where it is NumPy's exactly (item by
    # item: NumPy 1.24 subtracts a float32 block that is all finite in
    # float32, with the number and the tolerance rounded to float32 when
    # they fit (value-based casting), any other block in float64); the
    # values of tricky numbers, tolerances and blocks with nan or inf
    # beside NumPy's isclose on the same blocks
    scalars = [0.1, 1 / 3, 1e-8, -0.0, 3.39e38, 3.41e38, 1e300, np.inf, -np.inf, np.nan,
               65504.0, 2.0 ** 53, 16777217.0, 70000, -40000, 5, 0, 2 ** 53, -(2 ** 53)]
    tols = [(1e-5, 1e-8, False), (0.0, 0.0, True), (1e-3, 1e-6, False), (np.nan, 0.0, True),
            (np.inf, 0.0, False), (0.0, 3.5e38, False), (3.5e38, 0.0, True), (1e-45, 1e-45, False),
            (0, 0, False), (1, 0, True), (0.1, 3.39e38, False), (2.0, 1e-30, False)]
    t = np.dtype(dt)
    rs = np.random.RandomState(3)
    in_c = differ = 0
    for s in scalars:
        if t.kind == "b":
            blocks = [rs.randint(0, 2, 35).astype(bool)]
        elif t.kind in "iu":
            info = np.iinfo(t)
            v = [info.min, info.max, 0, 1, 5, 2]
            if abs(s) < 2 ** 62 and np.isfinite(s):
                v += [int(s) - 1, int(s), int(s) + 1]
            blocks = [np.array([k for k in v if info.min <= k <= info.max] * 4, dtype=t)]
        else:
            sf, eps = (float(s) if np.isfinite(s) else 1.0), np.finfo(t).eps
            v = ([sf * (1 + k * eps) for k in range(-6, 7)] + [sf * (1 + k * 1e-5) for k in (-1, 1)]
                 + [sf + k * 1e-8 for k in (-1, 1)] + [0.0, -0.0, 1e-45, 3.4e38, -3.4e38])
            with np.errstate(all="ignore"):
                a = np.array(v * 2).astype(t)
            b = a.copy()
            b[3] = np.nan
            b[30] = np.inf
            blocks = [a, b]
        for a in blocks:
            x = da.from_array(a, chunks=7)
            for rtol, atol, en in tols:
                for first in (False, True):
                    in_c += da._isclose_native(x, s, first, rtol, atol)
                    got = (da.isclose(s, x, rtol, atol, en) if first
                           else da.isclose(x, s, rtol, atol, en)).compute()
                    want = _isclose_per_block(a, s, 7, first, rtol, atol, en)
                    assert got.dtype == want.dtype == bool
                    np.testing.assert_array_equal(got, want, err_msg=str((dt, s, rtol, atol, en,
                                                                           first)))
                    if t == np.float32:   # what computing it all in float64 would give
                        with np.errstate(all="ignore"):
                            wide = _isclose_per_block(a.astype(np.float64), s, 7, first, rtol,
                                                      atol, en)
                        differ += int((wide != want).sum())
    # nearly all in C (not: isclose(int past int16/uint16, float32), int tolerances of 1)
    assert in_c > 0.85 * len(scalars) * len(tols) * 2 * len(blocks)
    if t == np.float32:
        assert differ > 0   # the test tells float32 from float64


def test_isclose_of_a_number_in_c_blocks_as_numpy():
    # 0-d blocks (NumPy: scalars, no value-based casting), transposed
    # blocks, and what C leaves to NumPy (float16, complex, a float32
    # scalar, Python ints past 2**53) give NumPy's values too
    a = (np.random.RandomState(4).rand(6, 10) * 1e-7 + 0.1).astype(np.float32)
    x = da.from_array(a, chunks=(3, 4))
    for s in (0.1, 0.1000000015, np.float32(0.1), 2 ** 60):
        for rtol, atol in ((0.0, 0.0), (1e-6, 0.0)):
            np.testing.assert_array_equal(da.isclose(x[2, 3], s, rtol, atol).compute(),
                                          np.isclose(a[2, 3], s, rtol, atol))
            np.testing.assert_array_equal(da.isclose(s, x[2, 3], rtol, atol).compute(),
                                          np.isclose(s, a[2, 3], rtol, atol))
            got = da.isclose(x.T, s, rtol, atol).compute()
            want = np.block([[np.isclose(a.T[i:i + 4, j:j + 3], s, rtol, atol)
                              for j in range(0, 6, 3)] for i in range(0, 10, 4)])
            np.testing.assert_array_equal(got, want)
    assert not da._isclose_native(x, np.float32(0.1), False, 1e-5, 1e-8)
    assert not da._isclose_native(x, 2 ** 60, False, 1e-5, 1e-8)
    assert not da._isclose_native(x.astype("f2"), 0.5, False, 1e-5, 1e-8)
    assert not da._isclose_native(x, 70000, True, 1e-5, 1e-8)
    assert da._isclose_native(x, 70000, False, 1e-5, 1e-8)
    h = da.from_array(a.astype("f2"), chunks=4)
    np.testing.assert_array_equal(da.isclose(h, 0.1).compute(),
                                  np.concatenate([np.isclose(a.astype("f2")[i:i + 4], 0.1)
                                                  for i in range(0, 6, 4)]))


def test_nan_to_num_as_numpy_and_dask():
    for t in DTYPES:
        a = sample(t, 10)
        for kw in ({}, {"nan": -1.0}, {"posinf": 9.0, "neginf": -9.0}, {"posinf": 1e6}):
            x = da.from_array(a, chunks=(3, 4))
            same_values(da.nan_to_num(x, **kw).compute(), np.nan_to_num(a, **kw),
                        ("nan_to_num", t, kw))
    a = sample("float64")
    x, d = da.from_array(a, chunks=3), dda.from_array(a, chunks=3)
    same_graph(da.nan_to_num(x), dda.nan_to_num(d), x, d, "nan_to_num")


@pytest.mark.parametrize("name", BINARY)
def test_binary_layers_as_dask(name):
    a, b = sample("float64", 11), sample("float64", 12)
    for ca, cb in (((3, 2), (3, 2)), ((3, 2), (4, 5)), ((10, 7), (2, 7))):
        x, y = da.from_array(a, chunks=ca), da.from_array(b, chunks=cb)
        d, e = dda.from_array(a, chunks=ca), dda.from_array(b, chunks=cb)
        r, w = getattr(da, name)(x, y), getattr(dda, name)(d, e)
        assert r.chunks == w.chunks, (name, ca, cb)
        ours = layers(r) - layers(x) - layers(y)
        theirs = layers(w) - layers(d) - layers(e)
        assert ours == theirs, (name, ca, cb)
        # a number in the tasks: no layer of its own
        same_graph(getattr(da, name)(x, 2), getattr(dda, name)(d, 2), x, d, name)
    # NumPy's ufunc on a dusk array names the layer as dask.array's function does
    x, d = da.from_array(a, chunks=3), dda.from_array(a, chunks=3)
    same_graph(getattr(np, name)(x, 2.0), getattr(np, name)(d, 2.0), x, d, ("np", name))


@pytest.mark.parametrize("name", UNARY + ["isneginf", "isposinf"])
def test_unary_layers_as_dask(name):
    a = sample("float64", 13)
    x, d = da.from_array(a, chunks=(3, 4)), dda.from_array(a, chunks=(3, 4))
    same_graph(getattr(da, name)(x), getattr(dda, name)(d), x, d, name)


def test_refusals_name_the_function():
    x = da.from_array(sample("complex128"), chunks=3)
    with pytest.raises(TypeError, match="arctan2"):
        da.arctan2(x, x)
    with pytest.raises(TypeError, match="cbrt"):
        da.cbrt(x)
    with pytest.raises(TypeError):
        da.positive(da.from_array(sample("bool"), chunks=3))
    with pytest.raises(TypeError, match="isneginf"):
        da.isneginf(x)
    with pytest.raises(TypeError, match="decimals"):
        da.round(x, 1.5)
    with pytest.raises(TypeError, match="min"):
        da.clip(x, "a", 1)
    with pytest.raises(TypeError, match="bools are not rounded"):   # NumPy's TypeError
        da.round(da.from_array(sample("bool"), chunks=3), 1)
