"""da.apply_gufunc, da.as_gufunc, da.gufunc: generalized ufuncs on dusk arrays, side by side
with dask.array's (chunks, task counts, messages) and NumPy's (values, dtypes: the numpy
gufunc itself or np.vectorize with the signature); bad input refused, named."""
import dask.array as dda   # required: these tests compare with it, never skip
import numpy as np
import pytest

import dusk.array as da

from compare import close, ntasks


RNG = np.random.RandomState(0)


def _src(shape, dtype="f8"):
    return (RNG.rand(*shape) * 10).astype(dtype)


def _pairs(srcs, chunks):
    ours = [da.from_array(s, chunks=c) for s, c in zip(srcs, chunks)]
    theirs = [dda.from_array(s, chunks=c) for s, c in zip(srcs, chunks)]
    return ours, theirs


def _added(outs, ins):
    """The tasks the outputs' graph adds to the inputs' (dusk's from_array has
    an 'original-array' task that Dask's has not: counted apart)."""
    return ntasks(outs) - sum(ntasks(a) for a in ins)


def _layers(x, inputs):
    """The layers x's graph adds to its inputs': (name without its token, tasks),
    sorted; dusk's or Dask's."""
    if isinstance(x, da.Array):
        skip = {l["name"] for a in inputs for l in a._layers()}
        got = [(l["name"], l["ntasks"]) for l in x._layers() if l["name"] not in skip]
    else:
        skip = {n for a in inputs for n in a.__dask_graph__().layers}
        got = [(n, len(l)) for n, l in x.__dask_graph__().layers.items() if n not in skip]
    return sorted((n.rsplit("-", 1)[0], k) for n, k in got)


def _both(func, signature, srcs, chunks, want, what=None, **kwargs):
    """apply_gufunc on dusk's arrays and on Dask's: dusk's values and dtypes
    NumPy's (want: one array or a tuple), its chunks and added tasks Dask's;
    the dusk outputs."""
    what = what or (signature, chunks, kwargs)
    ours_in, theirs_in = _pairs(srcs, chunks)
    ours = da.apply_gufunc(func, signature, *ours_in, **kwargs)
    theirs = dda.apply_gufunc(func, signature, *theirs_in, **kwargs)
    many = isinstance(want, tuple)
    assert isinstance(ours, tuple) == many, what
    if not many:
        ours, theirs, want = (ours,), (theirs,), (want,)
    assert len(ours) == len(theirs) == len(want), what
    for o, t, w in zip(ours, theirs, want):
        assert isinstance(o, da.Array), what
        close(o, w, what)
        assert o.dtype == t.dtype == w.dtype, what
        assert o.shape == t.shape == w.shape, what
        assert o.chunks == t.chunks, what
        assert _added(o, ours_in) == _added(t, theirs_in), what
        assert _layers(o, ours_in) == _layers(t, theirs_in), what
    return ours if many else ours[0]


# --- one output ------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["f8", "f4", "i8", "c16"])
def test_elementwise(dtype):
    src = _src((6, 8), dtype)
    for chunks in [(2, 4), (6, 8), (1, 3)]:
        _both(lambda x: x * 2 + 1, "()->()", [src], [chunks], src * 2 + 1)
    # two arguments of different ndims: the loop dimensions broadcast
    other = _src((8,), dtype)
    _both(np.add, "(),()->()", [src, other], [(2, 4), (4,)], src + other)
    _both(np.multiply, "(),()->()", [other, src], [(4,), (3, 4)], other * src)
    # and a length-1 loop dimension against a longer one, in other chunks
    col = _src((6, 1), dtype)
    _both(np.subtract, "(),()->()", [src, col], [(2, 4), (2, 1)], src - col)


@pytest.mark.parametrize("dtype", ["f8", "i4", "bool"])
def test_reductions(dtype):
    src = _src((5, 6, 7), dtype)
    gu = np.vectorize(np.sum, signature="(i)->()")
    for chunks in [(2, 3, 7), (5, 6, 7), (1, 1, 7)]:
        _both(lambda x: np.sum(x, axis=-1), "(i)->()", [src], [chunks], gu(src))
        _both(lambda x: np.max(x, axis=(-2, -1)), "(i,j)->()", [src], [chunks[:1] + (6, 7)],
              src.max(axis=(-2, -1)))
    # every dimension a core one: a 0-d result, one task per layer
    r = _both(lambda x: np.sum(x, axis=-1), "(i)->()", [src[0, 0]], [(7,)], gu(src[0, 0]))
    assert r.shape == () and r.chunks == ()


def test_matmul_and_det():
    a, b = _src((5, 3, 4)), _src((4, 2))
    _both(np.matmul, "(i,j),(j,k)->(i,k)", [a, b], [(2, 3, 4), (4, 2)], np.matmul(a, b))
    # the loop dimensions of the two broadcast (5,1) with (1,7)
    c, d = _src((5, 1, 3, 4)), _src((1, 7, 4, 2))
    _both(np.matmul, "(i,j),(j,k)->(i,k)", [c, d], [(2, 1, 3, 4), (1, 3, 4, 2)],
          np.matmul(c, d))
    # a name twice in one argument: square matrices
    m = _src((6, 4, 4))
    _both(np.linalg.det, "(m,m)->()", [m], [(2, 4, 4)], np.linalg.det(m))
    _both(np.linalg.inv, "(m,m)->(m,m)", [m], [(4, 4, 4)], np.linalg.inv(m))


def test_new_core_dimension():
    src = _src((6, 5))

    def powers(x, n=3):
        return x[..., None] ** np.arange(n)
    want = np.vectorize(lambda x: x ** np.arange(3), signature="()->(k)")(src)
    r = _both(powers, "()->(k)", [src], [(2, 5)], want, output_sizes={"k": 3})
    assert r.chunks[-1] == (3,)
    # (i)->(i,k): an input core dimension and a new one, func's keyword given
    want = np.vectorize(lambda v: np.outer(v, np.arange(4.0)), signature="(i)->(i,k)")(src)
    _both(lambda x, scale: x[..., None] * np.arange(4.0) * scale, "(i)->(i,k)", [src],
          [(3, 5)], want, output_sizes={"k": 4}, scale=1.0)
    _both(lambda x, scale: x[..., None] * np.arange(4.0) * scale, "(i)->(i,k)", [src],
          [(3, 5)], want * 2, output_sizes={"k": 4}, scale=2.0)


# --- several outputs -------------------------------------------------------------------------

@pytest.mark.filterwarnings("ignore:Casting complex values to real")   # Dask's meta
def test_several_outputs():
    src = _src((6, 8))

    def stats(x):
        return np.mean(x, axis=-1), np.std(x, axis=-1)
    for chunks in [(2, 8), (6, 8), (1, 8)]:
        m, s = _both(stats, "(i)->(),()", [src], [chunks], (src.mean(-1), src.std(-1)))
        assert m.name != s.name

    # dtypes and core dimensions of their own each: (i)->(i),(),(k)
    def mixed(x):
        return (np.cumsum(x, axis=-1), np.argmax(x, axis=-1),
                (x[..., :2] > 5).astype(np.bool_))
    want = (np.cumsum(src, -1), np.argmax(src, -1), src[..., :2] > 5)
    c, i, b = _both(mixed, "(i)->(i),(),(k)", [src], [(3, 8)], want, output_sizes={"k": 2})
    assert (c.dtype, i.dtype, b.dtype) == (np.float64, np.int64, np.bool_)
    # computed together, one run of func per block
    got = da.compute(c, i, b)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
    # empty: a loop dimension of length 0, a core dimension of length 0
    def empty_k(v):
        return v.sum(-1), v[..., :0]
    for shape, chunks in [((0, 5), (1, 5)), ((3, 5), (1, 5))]:
        e = _src(shape)
        _both(empty_k, "(i)->(),(k)", [e], [chunks], (e.sum(-1), e[..., :0]),
              output_sizes={"k": 0})
    # as complex and float32 outputs
    z = src.astype("c16")
    _both(lambda x: (x.real.astype("f4"), x * 1j), "()->(),()", [z], [(3, 4)],
          (z.real.astype("f4"), z * 1j))


def test_several_outputs_and_broadcasting():
    a, b = _src((4, 1, 5)), _src((3, 5))

    def both_ways(x, y):
        return (x * y).sum(-1), np.maximum(x, y)
    want = ((a * b).sum(-1), np.maximum(a, b))
    _both(both_ways, "(i),(i)->(),(i)", [a, b], [(2, 1, 5), (1, 5)], want)


# --- vectorize -------------------------------------------------------------------------------

def test_vectorize():
    a, b = _src((4, 5)), _src((3, 1, 6))

    def outer(x, y):
        assert x.ndim == y.ndim == 1   # np.vectorize gives it one vector at a time
        return np.einsum("i,j->ij", x, y)
    want = np.vectorize(outer, signature="(i),(j)->(i,j)")(a, b)
    r = _both(outer, "(i),(j)->(i,j)", [a, b], [(2, 5), (2, 1, 6)], want, vectorize=True)
    assert r.shape == (3, 4, 5, 6)

    def minmax(v):
        return v.min(), v.max()
    want = np.vectorize(minmax, signature="(i)->(),()")(a)
    _both(minmax, "(i)->(),()", [a], [(1, 5)], want, vectorize=True)
    # with output_dtypes given: np.vectorize makes those dtypes
    r = _both(minmax, "(i)->(),()", [a], [(2, 5)],
              tuple(w.astype("f4") for w in want), vectorize=True,
              output_dtypes=("f4", "f4"))
    assert r[0].dtype == np.float32
    # the layers' names are Dask's, vectorize_<func>
    assert [n for n, _ in _layers(r[1], [])] == \
        ["array", "original-array", "transpose", "vectorize_minmax", "vectorize_minmax_1"]


# --- axes=, axis=, keepdims= -----------------------------------------------------------------

def test_axes():
    a, b = _src((3, 6, 4)), _src((4, 6, 3))
    # matrices in the first two axes of b and the last two of a; the result's in its first two
    want = np.matmul(a, np.moveaxis(b, 2, 0))
    want = np.moveaxis(want, 0, -1)
    _both(np.matmul, "(i,j),(j,k)->(i,k)", [a, b], [(3, 6, 4), (4, 6, 3)], want,
          axes=[(1, 2), (0, 1), (0, 1)])
    _both(np.matmul, "(i,j),(j,k)->(i,k)", [a, b], [(1, 6, 4), (4, 6, 1)], want,
          axes=[(-2, -1), (0, 1), (0, -2)])
    # ints for one core dimension, the outputs' left out where all are scalars
    src = _src((7, 5, 3))
    want = src.sum(axis=1)
    _both(lambda x: x.sum(-1), "(i)->()", [src], [(2, 5, 1)], want, axes=[1])
    _both(lambda x: x.sum(-1), "(i)->()", [src], [(2, 5, 1)], want, axes=[(1,), ()])
    # (i)->(i) with the core dimension moved and moved back
    _both(lambda x: np.cumsum(x, -1), "(i)->(i)", [src], [(7, 2, 3)], np.cumsum(src, 0),
          axes=[0, 0])
    _both(lambda x: np.cumsum(x, -1), "(i)->(i)", [src], [(7, 2, 3)],
          np.moveaxis(np.cumsum(src, 0), 0, -1), axes=[0, -1])


def test_axis():
    src, other = _src((7, 5, 3)), _src((7, 5, 3))
    for axis in [0, 1, -1, 2]:
        chunks = [(3, 2, 1)]
        chunks[0] = tuple(n if d == axis % 3 else c for d, (n, c) in
                          enumerate(zip(src.shape, chunks[0])))
        _both(lambda x: x.sum(-1), "(i)->()", [src], chunks, src.sum(axis=axis), axis=axis)
        _both(lambda x, y: (x * y).sum(-1), "(i),(i)->()", [src, other], chunks * 2,
              (src * other).sum(axis=axis), axis=axis)
    # with a scalar argument beside the vectors: it has no axis
    _both(lambda x, s: x.sum(-1) * s, "(i),()->()", [src, np.float64(2.0)],
          [(7, 1, 3), ()], src.sum(axis=0) * 2, axis=0)


def test_keepdims():
    src = _src((7, 5, 3))
    for axis in [0, 1, 2]:
        chunks = tuple(n if d == axis else 1 for d, n in enumerate(src.shape))
        r = _both(lambda x: x.sum(-1), "(i)->()", [src], [chunks],
                  src.sum(axis=axis, keepdims=True), axis=axis, keepdims=True)
        assert r.shape[axis] == 1
    _both(lambda x: x.sum(-1), "(i)->()", [src], [(2, 5, 3)],
          src.sum(axis=-1, keepdims=True), keepdims=True)
    _both(lambda x: (x.min(axis=(-2, -1)), x.max(axis=(-2, -1))), "(i,j)->(),()", [src],
          [(7, 5, 2)], (src.min(axis=(0, 1), keepdims=True), src.max(axis=(0, 1), keepdims=True)),
          axes=[(0, 1)], keepdims=True)


# --- allow_rechunk ---------------------------------------------------------------------------

def test_allow_rechunk():
    src = _src((6, 8))
    # a core dimension in several chunks: concatenated in the task, as Dask's
    for chunks in [(3, 4), (2, 3), (6, 1)]:
        _both(lambda x: np.sum(x, axis=-1), "(i)->()", [src], [chunks], src.sum(-1),
              allow_rechunk=True)
    a, b = _src((3, 4)), _src((4, 5))
    _both(np.matmul, "(i,j),(j,k)->(i,k)", [a, b], [(3, 2), (1, 5)], a @ b, allow_rechunk=True)
    _both(np.matmul, "(i,j),(j,k)->(i,k)", [a, b], [(1, 4), (3, 2)], a @ b, allow_rechunk=True)
    # loop dimensions in different chunks: unified, as Dask's blockwise unifies them
    x, y = _src((6, 4)), _src((6, 4))
    _both(lambda p, q: (p * q).sum(-1), "(i),(i)->()", [x, y], [(3, 4), (2, 4)],
          (x * y).sum(-1), allow_rechunk=True)
    _both(lambda p, q: (p * q, p - q), "(),()->(),()", [x, y], [(3, 2), (2, 4)],
          (x * y, x - y), allow_rechunk=True)
    # as gufunc's call keyword too
    g = da.gufunc(lambda v: v.sum(-1), signature="(i)->()", output_dtypes=float)
    close(g(da.from_array(src, chunks=(3, 4)), allow_rechunk=True), src.sum(-1))


# --- inputs that are not dusk arrays, dtypes, kwargs, keys -----------------------------------

def test_numpy_and_scalar_inputs():
    src = _src((4, 5))
    r = da.apply_gufunc(lambda x, s: x.sum(-1) * s, "(i),()->()", src, 3)
    assert isinstance(r, da.Array)
    close(r, src.sum(-1) * 3)
    stack = _src((3, 4, 5))
    r = da.apply_gufunc(np.matmul, "(i,j),(j,k)->(i,k)", da.from_array(stack, chunks=(1, 4, 5)),
                        src.T)
    close(r, stack @ src.T)
    assert r.chunks == ((1, 1, 1), (4,), (4,))


def test_output_dtypes():
    src = _src((4, 5), "i4")
    x = da.from_array(src, chunks=(2, 5))
    # inferred from func on one-element arrays, as Dask infers them
    assert da.apply_gufunc(lambda v: v.sum(-1), "(i)->()", x).dtype == \
        dda.apply_gufunc(lambda v: v.sum(-1), "(i)->()", dda.from_array(src)).dtype
    assert da.apply_gufunc(lambda v: v.mean(-1), "(i)->()", x).dtype == np.float64
    assert da.apply_gufunc(lambda v: v > 3, "()->()", x).dtype == np.bool_
    assert [r.dtype for r in da.apply_gufunc(lambda v: (v / 2, v // 2), "()->(),()", x)] == \
        [np.float64, np.int32]
    # given: the blocks must then have it
    close(da.apply_gufunc(lambda v: v.sum(-1).astype("f4"), "(i)->()", x, output_dtypes="f4"),
          src.sum(-1).astype("f4"))
    close(da.apply_gufunc(lambda v: v.sum(-1).astype("f4"), "(i)->()", x,
                          output_dtypes=["f4"]), src.sum(-1).astype("f4"))
    close(da.apply_gufunc(lambda v: v * 1.5, "()->()", x, meta=np.array((), dtype="f8")),
          src * 1.5)
    m, n = da.apply_gufunc(lambda v: (v * 1.5, v), "()->(),()", x,
                           meta=(np.array((), "f8"), np.array((), "i4")))
    assert (m.dtype, n.dtype) == (np.float64, np.int32)
    close(n, src)
    with pytest.raises(TypeError, match="returned a float32 block for output 0, which is "
                       "float64 .give the dtypes its blocks have: output_dtypes="):
        da.apply_gufunc(lambda v: v.sum(-1).astype("f4"), "(i)->()", x,
                        output_dtypes="f8").compute()
    with pytest.raises(TypeError, match="output 1, which is int64"):
        da.apply_gufunc(lambda v: (v, v * 0.5), "()->(),()", x,
                        output_dtypes=("i4", "i8"))[1].compute()


def test_names_and_keys():
    src = _src((4, 5))
    x = da.from_array(src, chunks=(2, 5))

    def total(v, scale=1):
        return v.sum(-1) * scale
    a = da.apply_gufunc(total, "(i)->()", x)
    assert a.name == da.apply_gufunc(total, "(i)->()", x).name   # the same call, the same keys
    assert a.name != da.apply_gufunc(total, "(i)->()", x, scale=2).name
    assert a.name.startswith("transpose-")   # Dask's last layer
    close(da.apply_gufunc(total, "(i)->()", x, scale=2), src.sum(-1) * 2)
    theirs = dda.apply_gufunc(total, "(i)->()", dda.from_array(src, chunks=(2, 5)))
    prefixes = sorted({k[0].split("-")[0] for k in dict(theirs.__dask_graph__())} - {"array"})
    assert prefixes == ["total", "total_0", "transpose"]


# --- gufunc, as_gufunc -----------------------------------------------------------------------

def test_gufunc_and_as_gufunc():
    src = _src((6, 8))
    x = da.from_array(src, chunks=(2, 8))

    def stats(v):
        return np.mean(v, axis=-1), np.std(v, axis=-1)
    g = da.gufunc(stats, signature="(i)->(),()", output_dtypes=(float, float))
    assert g.signature == "(i)->(),()" and g.pyfunc is stats
    assert "Bound ``dusk.array.gufunc``" in g.__doc__ and "'(i)->(),()'" in g.__doc__
    assert callable(g)
    m, s = g(x)
    close(m, src.mean(-1))
    close(s, src.std(-1))

    @da.as_gufunc("(i),(j)->(i,j)", output_dtypes=float, vectorize=True)
    def outer(a, b):
        return np.einsum("i,j->ij", a, b)
    assert isinstance(outer, da.gufunc) and outer.signature == "(i),(j)->(i,j)"
    assert outer.vectorize is True
    y = _src((3, 1, 4))
    r = outer(x, da.from_array(y, chunks=(1, 1, 4)))
    want = np.vectorize(lambda a, b: np.einsum("i,j->ij", a, b),
                        signature="(i),(j)->(i,j)")(src, y)
    close(r, want)
    theirs = dda.as_gufunc("(i),(j)->(i,j)", output_dtypes=float, vectorize=True)(
        lambda a, b: np.einsum("i,j->ij", a, b))(dda.from_array(src, chunks=(2, 8)),
                                                 dda.from_array(y, chunks=(1, 1, 4)))
    assert r.chunks == theirs.chunks
    deco = da.as_gufunc("(i)->()", axis=0, keepdims=True)
    assert "'(i)->()'" in deco.__doc__
    close(deco(lambda v: v.sum(-1))(x.rechunk((6, 4))), src.sum(0, keepdims=True))
    assert da.as_gufunc(signature="()->()")(np.sin).signature == "()->()"
    import dusk.gufunc
    assert da.apply_gufunc is dusk.gufunc.apply_gufunc
    assert {"apply_gufunc", "as_gufunc", "gufunc"} <= set(da.__all__)


# --- refusals --------------------------------------------------------------------------------

def _refused(exc, match, call, theirs=None):
    """call() raises exc matching match; theirs(), Dask's, raises it too."""
    with pytest.raises(exc, match=match):
        call()
    if theirs is not None:
        with pytest.raises(exc, match=match):
            theirs()


@pytest.mark.parametrize("sig", ["(i)", "(i)->", "(i)(j)->()", "(i)->()->()", "(i->()",
                                 "(i,)j->()", "(i-j)->()", "(i)->(),", "i->()", "->"])
def test_bad_signatures(sig):
    x, d = da.ones((3, 4), chunks=2), dda.ones((3, 4), chunks=2)
    _refused(ValueError, "Not a valid gufunc signature",
             lambda: da.apply_gufunc(np.sum, sig, x, output_dtypes=float),
             lambda: dda.apply_gufunc(np.sum, sig, d, output_dtypes=float))


def test_bad_signature_says_why():
    x = da.ones(4, chunks=4)
    for sig, why in [("(i)", "one '->'"), ("(i)->", "no output"), ("(i)->(),", "a comma after"),
                     ("(i)(j)->()", "a comma must separate the inputs"),
                     ("(i;j)->()", "parenthesized lists")]:
        with pytest.raises(ValueError, match=why):
            da.apply_gufunc(np.sum, sig, x, output_dtypes=float)
    with pytest.raises(TypeError, match="`signature` has to be of type string"):
        da.apply_gufunc(np.sum, None, x, output_dtypes=float)
    # whitespace, and a trailing comma among the inputs and in a list, are allowed
    close(da.apply_gufunc(lambda v: v.sum(-1), " ( i , ) , -> ( ) ", x), np.float64(4))


def test_wrong_number_of_arguments():
    x, d = da.ones((3, 4), chunks=2), dda.ones((3, 4), chunks=2)
    msg = r"`func` requires 2 arguments, but 1 given"
    _refused(ValueError, msg, lambda: da.apply_gufunc(np.add, "(),()->()", x, output_dtypes=float),
             lambda: dda.apply_gufunc(np.add, "(),()->()", d, output_dtypes=float))
    _refused(ValueError, "requires 1 arguments, but 2 given",
             lambda: da.apply_gufunc(np.sin, "()->()", x, x, output_dtypes=float),
             lambda: dda.apply_gufunc(np.sin, "()->()", d, d, output_dtypes=float))
    # counted before func is called to find the dtypes: not a failed inference
    with pytest.raises(ValueError, match="requires 2 arguments, but 3 given"):
        da.apply_gufunc(lambda a, b: a + b, "(),()->()", x, x, x)
    with pytest.raises(ValueError, match="fewer than its core dimensions"):
        da.apply_gufunc(np.matmul, "(i,j),(j,k)->(i,k)", x, da.ones(4, chunks=4),
                        output_dtypes=float)


def test_core_dimension_in_several_chunks():
    src = _src((6, 8))
    x, d = da.from_array(src, chunks=(2, 4)), dda.from_array(src, chunks=(2, 4))
    msg = r"Core dimension `'i'` consists of multiple chunks. To fix, rechunk into a single " \
          r"chunk along this dimension or set `allow_rechunk=True`"
    _refused(ValueError, msg, lambda: da.apply_gufunc(lambda v: v.sum(-1), "(i)->()", x),
             lambda: dda.apply_gufunc(lambda v: v.sum(-1), "(i)->()", d))
    with pytest.raises(ValueError, match=r"argument 0 has the chunks \(4, 4\)"):
        da.apply_gufunc(lambda v: v.sum(-1), "(i)->()", x)
    # the second argument's, where the first has the dimension whole: named too (Dask
    # says its chunks differ)
    a, b = da.from_array(src[:, :6], chunks=(6, 6)), da.from_array(src[:6], chunks=(3, 8))
    with pytest.raises(ValueError, match=r"Core dimension `'j'` consists of multiple chunks"
                       r".*argument 1 has the chunks \(3, 3\)"):
        da.apply_gufunc(np.matmul, "(i,j),(j,k)->(i,k)", a, b)
    # with axis=, the chunks of the axis named
    with pytest.raises(ValueError, match="consists of multiple chunks"):
        da.apply_gufunc(lambda v: v.sum(-1), "(i)->()", x, axis=0)
    close(da.apply_gufunc(lambda v: v.sum(-1), "(i)->()", x.rechunk((2, 8))), src.sum(-1))


def test_inconsistent_sizes():
    a, b = da.ones((3, 4), chunks=(3, 4)), da.ones((5, 2), chunks=(5, 2))
    d1, d2 = dda.ones((3, 4), chunks=(3, 4)), dda.ones((5, 2), chunks=(5, 2))
    msg = r"Dimension `'j'` with different lengths in arrays"
    _refused(ValueError, msg, lambda: da.apply_gufunc(np.matmul, "(i,j),(j,k)->(i,k)", a, b),
             lambda: dda.apply_gufunc(np.matmul, "(i,j),(j,k)->(i,k)", d1, d2))
    with pytest.raises(ValueError, match=r"lengths 4 \(argument 0\), 5 \(argument 1\)"):
        da.apply_gufunc(np.matmul, "(i,j),(j,k)->(i,k)", a, b)
    # (m,m) of a matrix that is not square
    with pytest.raises(ValueError, match=r"`'m'` with different lengths.*3 \(argument 0\), "
                       r"4 \(argument 0\)"):
        da.apply_gufunc(np.linalg.det, "(m,m)->()", a)
    # NumPy's rule: a core dimension of length 1 does not broadcast (Dask's passes it on)
    with pytest.raises(ValueError):
        np.vectorize(np.matmul, signature="(i,j),(j,k)->(i,k)")(np.ones((3, 1)), np.ones((4, 2)))
    with pytest.raises(ValueError, match="core dimension has the lengths 1"):
        da.apply_gufunc(np.matmul, "(i,j),(j,k)->(i,k)", da.ones((3, 1), chunks=3),
                        da.ones((4, 2), chunks=4), output_dtypes=float)
    # loop dimensions that do not broadcast
    _refused(ValueError, r"Dimension `'__loopdim0__'` with different lengths in arrays",
             lambda: da.apply_gufunc(np.add, "(),()->()", da.ones(3, chunks=3),
                                     da.ones(4, chunks=4)),
             lambda: dda.apply_gufunc(np.add, "(),()->()", dda.ones(3, chunks=3),
                                      dda.ones(4, chunks=4)))
    # loop dimensions in different chunks
    _refused(ValueError, r"Dimension `'__loopdim0__'` with different chunksize present",
             lambda: da.apply_gufunc(np.add, "(),()->()", da.ones(6, chunks=3),
                                     da.ones(6, chunks=2)),
             lambda: dda.apply_gufunc(np.add, "(),()->()", dda.ones(6, chunks=3),
                                      dda.ones(6, chunks=2)))
    # output_sizes that contradict an input
    with pytest.raises(ValueError, match="output_sizes gives the core dimension 'i' the size 5"):
        da.apply_gufunc(lambda v: v, "(i)->(i)", da.ones(4, chunks=4), output_sizes={"i": 5})


def test_other_refusals():
    x = da.ones((3, 4), chunks=(3, 4))
    with pytest.raises(ValueError, match=r"output core dimension 'k' is in no input.*"
                       r"output_sizes=\{'k': n\}"):
        da.apply_gufunc(lambda v: v[..., None], "()->(k)", x, output_dtypes=float)
    with pytest.raises(ValueError, match="Only one of `meta` and `output_dtypes`"):
        da.apply_gufunc(np.sin, "()->()", x, output_dtypes=float, meta=np.array(()))
    with pytest.raises(ValueError, match="For a function with 2 outputs, must give a tuple or "
                       "list for `output_dtypes`/`meta`, not a single item"):
        da.apply_gufunc(lambda v: (v, v), "()->(),()", x, output_dtypes=float)
    with pytest.raises(ValueError, match="must give a tuple or list of 2 items"):
        da.apply_gufunc(lambda v: (v, v), "()->(),()", x, output_dtypes=(float,))
    with pytest.raises(ValueError, match="For a function with one output, must give a single"):
        da.apply_gufunc(np.sin, "()->()", x, output_dtypes=(float, float))
    with pytest.raises(ValueError, match="(?s)`dtype` inference failed in `apply_gufunc`.*"
                       "`output_dtypes` kwarg.*ZeroDivisionError"):
        da.apply_gufunc(lambda v: 1 // 0, "()->()", x)
    with pytest.raises(ValueError, match="the signature has 2 outputs, but func returned a "
                       "ndarray"):
        da.apply_gufunc(lambda v: v, "()->(),()", x)
    with pytest.raises(TypeError, match="dusk arrays cannot hold dtype object"):
        da.apply_gufunc(lambda v: v, "()->()", x, output_dtypes=object)
    with pytest.raises(TypeError, match="func must be callable"):
        da.apply_gufunc(3, "()->()", x)
    with pytest.raises(TypeError, match="keyword argument y is a dusk array"):
        da.apply_gufunc(lambda v, y: v + y, "()->()", x, y=x, output_dtypes=float)
    with pytest.raises(ValueError, match="takes no argument"):
        da.apply_gufunc(lambda: np.ones(3), "->(i)", output_dtypes=float, output_sizes={"i": 3})
    # what func returns is checked when the blocks are made
    with pytest.raises(ValueError, match=r"returned 1 values where the signature has 2 outputs"):
        da.apply_gufunc(lambda v: (v,), "()->(),()", x, output_dtypes=(float, float))[0].compute()
    with pytest.raises(ValueError, match=r"block of shape \(3,\) for output 1, where its loop "
                       r"dimensions \(3,\) and core dimensions \(4,\) make it \(3, 4\)"):
        da.apply_gufunc(lambda v: (v.sum(-1), v.sum(-1)), "(i)->(),(i)", x,
                        output_dtypes=(float, float))[0].compute()
    with pytest.raises(TypeError, match="Unsupported keyword argument.*: dtype"):
        da.as_gufunc("()->()", dtype=float)


def test_bad_axes():
    x, d = da.ones((3, 4), chunks=(3, 4)), dda.ones((3, 4), chunks=(3, 4))
    f = lambda v: v.sum(-1)  # noqa: E731
    for kw, msg in [({"axes": [0], "axis": 0}, "Only one of `axis` or `axes`"),
                    ({"axes": (0,)}, "`axes` has to be of type list"),
                    ({"axis": 0.5}, "`axis` argument has to be an integer value"),
                    ({"axes": [0, 1, 1]}, "The number of `axes` entries is not equal"),
                    ({"axes": [(0, 1)]}, "entries for argument #0 is not equal the number of "
                     "respective input core dimensions")]:
        _refused(ValueError, msg, lambda: da.apply_gufunc(f, "(i)->()", x, **kw),
                 lambda: dda.apply_gufunc(f, "(i)->()", d, **kw))
    _refused(ValueError, "`keepdims` can only be used for scalar outputs",
             lambda: da.apply_gufunc(lambda v: v, "(i)->(i)", x, keepdims=True),
             lambda: dda.apply_gufunc(lambda v: v, "(i)->(i)", d, keepdims=True))
    _refused(ValueError, "`axis` can be used only, if one core dimension is present",
             lambda: da.apply_gufunc(np.linalg.det, "(m,m)->()", x, axis=0),
             lambda: dda.apply_gufunc(np.linalg.det, "(m,m)->()", d, axis=0))
    _refused(ValueError, "To use `axis`, all core dimensions have to be equal",
             lambda: da.apply_gufunc(lambda a, b: a.sum(-1), "(i),(j)->()", x, x, axis=0),
             lambda: dda.apply_gufunc(lambda a, b: a.sum(-1), "(i),(j)->()", d, d, axis=0))
    _refused(ValueError, "To use `keepdims`, all core dimensions have to be equal",
             lambda: da.apply_gufunc(lambda a, b: a.sum(-1), "(i),(i,j)->()", x, x,
                                     keepdims=True),
             lambda: dda.apply_gufunc(lambda a, b: a.sum(-1), "(i),(i,j)->()", d, d,
                                      keepdims=True))
    with pytest.raises(np.AxisError):
        da.apply_gufunc(f, "(i)->()", x, axis=2)
    with pytest.raises(np.AxisError):
        da.apply_gufunc(lambda v: v, "(i)->(i)", x, axes=[0, 2])
    with pytest.raises(ValueError, match="name one axis twice"):
        da.apply_gufunc(np.linalg.det, "(m,m)->()", da.ones((4, 4), chunks=4), axes=[(0, -2)])
    with pytest.raises(ValueError, match="`keepdims` needs an input with core dimensions"):
        da.apply_gufunc(np.sin, "()->()", x, keepdims=True)


def test_pickle():
    import pickle
    src = _src((6, 3, 3))
    x = da.from_array(src, chunks=(2, 3, 3))
    sign, logdet = da.apply_gufunc(np.linalg.slogdet, "(m,m)->(),()", x)
    again = pickle.loads(pickle.dumps(logdet))
    assert again.name == logdet.name
    close(again, np.linalg.slogdet(src)[1])
    close(pickle.loads(pickle.dumps(sign)), np.linalg.slogdet(src)[0])


def test_output_sizes_must_be_sizes():
    # -1 fell to blockwise's chunks message, 2.5 was cut to 2
    x = da.ones((4, 3), chunks=(2, 3))
    for bad in (-1, 2.5, True):
        with pytest.raises(ValueError, match="output_sizes gives the core dimension 'k' the size"):
            da.apply_gufunc(lambda a: np.zeros(a.shape[:-1] + (2,)), "(i)->(k)", x,
                            output_dtypes=float, output_sizes={"k": bad})
