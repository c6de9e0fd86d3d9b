"""da.fft, dask.array.fft on dusk arrays: the transforms (map_blocks of numpy.fft's
over blocks holding the axes whole), fftfreq, rfftfreq, fftshift, ifftshift.
Values and dtypes against NumPy, chunks and task counts against dask.array; bad
input refused, named."""
import numpy as np
import pytest

import dusk.array as da

dda = pytest.importorskip("dask.array")

from compare import same, close, ntasks, pair, added  # noqa: E402


RNG = np.random.RandomState(0)

ONE_D = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft"]
N_D = ["fft2", "ifft2", "rfft2", "irfft2", "fftn", "ifftn", "rfftn", "irfftn"]
REAL_IN = {"rfft", "ihfft", "rfft2", "rfftn"}   # NumPy drops an imaginary part there


def _src(shape, dtype):
    src = RNG.rand(*shape) * 10
    if np.dtype(dtype).kind == "c":
        src = src + 1j * RNG.rand(*shape)
    return src.astype(dtype)


def _check(ours, theirs, want, x, d, what):
    close(ours, want, what)
    assert ours.dtype == want.dtype, what
    assert ours.chunks == theirs.chunks, what
    a, b = added(ours, x, theirs, d)
    assert a == b, what


# --- the one-axis transforms ----------------------------------------------------------------

@pytest.mark.parametrize("kind", ONE_D)
@pytest.mark.parametrize("dtype", ["f8", "f4", "i8", "c16"])
def test_one_axis(kind, dtype):
    if dtype == "c16" and kind in REAL_IN:
        return test_one_axis(kind, "f8")
    src = _src((6, 8), dtype)
    ours_f, theirs_f, np_f = getattr(da.fft, kind), getattr(dda.fft, kind), getattr(np.fft, kind)
    for axis, chunks in [(-1, (2, 8)), (1, (4, 8)), (0, (6, 3)), (None, (3, 8))]:
        x, d = pair(src, chunks)
        for n in [None, 5, 8, 11]:
            what = (kind, dtype, axis, n)
            kw = {} if axis is None else {"axis": axis}
            ours, theirs = ours_f(x, n, **kw), theirs_f(d, n, **kw)
            _check(ours, theirs, np_f(src, n, **kw), x, d, what)
            assert ours.numblocks == x.numblocks, what   # one task per block


@pytest.mark.parametrize("kind", ONE_D)
def test_one_axis_norm(kind):
    # norm= is NumPy's (Dask 2022.12 has none)
    src = _src((4, 6), "f8")
    x = da.from_array(src, chunks=(2, 6))
    for norm in ["backward", "ortho", "forward"]:
        close(getattr(da.fft, kind)(x, norm=norm), getattr(np.fft, kind)(src, norm=norm), norm)
    assert not np.allclose(da.fft.fft(x, norm="ortho").compute(), np.fft.fft(src))


# --- the transforms of several axes ---------------------------------------------------------

@pytest.mark.parametrize("kind", N_D)
@pytest.mark.parametrize("dtype", ["f8", "f4", "c16"])
def test_several_axes(kind, dtype):
    if dtype == "c16" and kind in REAL_IN:
        return test_several_axes(kind, "f8")
    src = _src((4, 6, 8), dtype)
    ours_f, theirs_f, np_f = getattr(da.fft, kind), getattr(dda.fft, kind), getattr(np.fft, kind)
    cases = [(None, None, (2, 6, 8)), ((1, 2), None, (1, 6, 8)), ((0, 2), None, (4, 3, 8)),
             ((2, 0), None, (4, 2, 8)), ((0, 1), (5, 7), (4, 6, 4)),
             ((-1, -2), (6, 4), (3, 6, 8))]
    if kind.endswith("n"):
        cases += [((0, 1, 2), None, (4, 6, 8)), ((0, 1, 2), (3, 5, 10), (4, 6, 8)),
                  ((1,), (9,), (2, 6, 4))]
    for axes, s, chunks in cases:
        if axes is None and kind.endswith("n"):
            chunks = (4, 6, 8)
        x, d = pair(src, chunks)
        what = (kind, dtype, axes, s)
        ours, theirs = ours_f(x, s, axes), theirs_f(d, s, axes)
        # numpy's fft2(a, s, axes=None) is every axis; dusk's and Dask's the last two
        want = np_f(src, s) if axes is None else np_f(src, s, axes)
        _check(ours, theirs, want, x, d, what)
        assert ours.numblocks == x.numblocks, what


@pytest.mark.parametrize("kind", ["fftn", "ifftn", "rfftn", "irfftn"])
def test_s_without_axes(kind):
    # NumPy transforms the last len(s) axes; Dask the first len(s): dusk is NumPy
    src = _src((4, 6, 8), "f8")
    x, d = pair(src, (2, 6, 8))
    ours = getattr(da.fft, kind)(x, (5, 6))
    close(ours, getattr(np.fft, kind)(src, (5, 6)), kind)
    assert ours.chunks[0] == x.chunks[0]
    assert ours.chunks != getattr(dda.fft, kind)(d.rechunk((4, 6, 8)), (5, 6)).chunks
    # with the axes named, Dask and NumPy agree and so does dusk
    _check(getattr(da.fft, kind)(x, (5, 6), (1, 2)), getattr(dda.fft, kind)(d, (5, 6), (1, 2)),
           getattr(np.fft, kind)(src, (5, 6), (1, 2)), x, d, kind)


def test_round_trips():
    src = _src((5, 8), "f8")
    x = da.from_array(src, chunks=(2, 8))
    close(da.fft.ifft(da.fft.fft(x)).real, src)
    close(da.fft.irfft(da.fft.rfft(x), 8), src)
    close(da.fft.irfftn(da.fft.rfftn(x.rechunk((5, 8))), (5, 8)), src)
    close(da.fft.hfft(da.fft.ihfft(x), 8), src)


def test_module_and_dispatch():
    import dusk.array.fft as F
    assert F is da.fft
    assert "fft" in da.__all__
    x = da.from_array(_src((4, 6), "f8"), chunks=(4, 6))
    for f in [np.fft.fft, np.fft.rfft2, np.fft.fftshift]:
        r = f(x)
        assert isinstance(r, da.Array), f
        close(r, f(x.compute()))
    assert da.fft.rfft.__name__ == "rfft" and "numpy.fft" in da.fft.rfft.__doc__
    # a wrap of one's own, as Dask's fft_wrap
    mine = da.fft.fft_wrap(np.fft.fft, dtype=np.complex64)
    assert mine(x).dtype == np.complex64
    assert da.fft.fft_wrap(np.fft.rfftn)(x).chunks == ((4,), (4,))
    with pytest.raises(ValueError, match="unknown `kind`"):
        da.fft.fft_wrap(np.fft.fft, kind="dct")


# --- refusals -------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ONE_D + N_D)
def test_several_chunks_refused(kind):
    src = _src((4, 6, 8), "f8")
    x, d = pair(src, (2, 3, 4))
    f, g = getattr(da.fft, kind), getattr(dda.fft, kind)
    with pytest.raises(ValueError, match="single chunk") as ours:
        f(x)
    with pytest.raises(ValueError) as theirs:
        g(d)
    assert str(ours.value) == str(theirs.value)
    # the first transformed axis in several chunks is named, as given
    axis, chunks = ("-2", "(3, 3)") if kind.endswith("2") else ("0", "(2, 2)") \
        if kind.endswith("n") else ("-1", "(4, 4)")
    assert "axis %s \nwhich has chunks %s." % (axis, chunks) in str(ours.value)


def test_bad_arguments_refused():
    x = da.from_array(_src((4, 6), "f8"), chunks=(4, 6))
    for f, args in [(da.fft.fft, (None, 2)), (da.fft.rfft, (None, -3)),
                    (da.fft.fft2, (None, (0, 2))), (da.fft.fftn, (None, (0, 5)))]:
        with pytest.raises(np.AxisError, match="out of bounds"):
            f(x, *args)
    with pytest.raises(np.AxisError):
        da.fft.fft2(da.ones(5, chunks=5))
    with pytest.raises(ValueError, match="Duplicate axes"):
        da.fft.fftn(x, axes=(0, 0))
    with pytest.raises(ValueError, match="Duplicate axes"):
        da.fft.fft2(x, axes=(1, -1))
    with pytest.raises(ValueError, match="different lengths"):
        da.fft.fftn(x, (4, 6), axes=(0,))
    for f, n in [(da.fft.fft, 0), (da.fft.ifft, -1), (da.fft.rfft, 0), (da.fft.irfft, 0),
                 (da.fft.hfft, -4), (da.fft.ihfft, 0)]:
        with pytest.raises(ValueError, match="Invalid number of FFT data points"):
            f(x, n)
        with pytest.raises(ValueError, match="Invalid number of FFT data points"):
            getattr(np.fft, f.__name__)(x.compute(), n)
    with pytest.raises(ValueError, match="Invalid number of FFT data points"):
        da.fft.rfftn(x, (4, 0))
    # irfft of one point has no output (NumPy's n = 2*(1-1))
    with pytest.raises(ValueError, match=r"FFT data points \(0\)"):
        da.fft.irfft(da.ones((3, 1), chunks=1))
    with pytest.raises(TypeError, match="integer"):
        da.fft.fft(x, axis=1.0)


# --- fftfreq, rfftfreq ----------------------------------------------------------------------

@pytest.mark.parametrize("n", [1, 2, 7, 10, 33])
@pytest.mark.parametrize("d", [1.0, 0.1, 3])
@pytest.mark.parametrize("chunks", ["auto", 4, 1])
def test_fftfreq(n, d, chunks):
    for name in ["fftfreq", "rfftfreq"]:
        ours, theirs = getattr(da.fft, name)(n, d, chunks=chunks), \
            getattr(dda.fft, name)(n, d, chunks=chunks)
        close(ours, getattr(np.fft, name)(n, d), (name, n, d, chunks), rtol=1e-15)
        assert ours.chunks == theirs.chunks, (name, n, d, chunks)
        # dusk's arange has a task more per block than Dask's; what fftfreq
        # adds to it is Dask's
        base = n if name == "fftfreq" else n // 2 + 1
        assert ntasks(ours) - ntasks(da.arange(base, dtype=float, chunks=chunks)) == \
            ntasks(theirs) - ntasks(dda.arange(base, dtype=float, chunks=chunks)), \
            (name, n, d, chunks)


def test_fftfreq_refused():
    for f in [da.fft.fftfreq, da.fft.rfftfreq]:
        with pytest.raises(ValueError, match="positive"):
            f(0)
        with pytest.raises(ZeroDivisionError):
            f(8, 0.0)   # as NumPy's
    with pytest.raises(ZeroDivisionError):
        np.fft.fftfreq(0)   # NumPy's n=0: a division by zero


# --- fftshift, ifftshift --------------------------------------------------------------------

@pytest.mark.parametrize("name", ["fftshift", "ifftshift"])
@pytest.mark.parametrize("shape,chunks", [((7,), (7,)), ((8,), (3,)), ((5, 8), (2, 8)),
                                           ((5, 8), (5, 3)), ((4, 6, 7), (2, 6, 3))])
def test_fftshift(name, shape, chunks):
    src = RNG.randint(0, 100, size=shape)
    x, d = pair(src, chunks)
    f, g, h = getattr(da.fft, name), getattr(dda.fft, name), getattr(np.fft, name)
    for axes in [None, -1, 0, (0,), tuple(range(len(shape)))[::-1]]:
        ours, theirs = f(x, axes), g(d, axes)
        same(ours, h(src, axes), (name, axes))
        assert ours.chunks == theirs.chunks, (name, axes)
        a, b = added(ours, x, theirs, d)
        assert a == b, (name, axes)
    same(da.fft.ifftshift(da.fft.fftshift(x)), src)


def test_fftshift_refused():
    x = da.ones((4, 6), chunks=2)
    for f in [da.fft.fftshift, da.fft.ifftshift]:
        with pytest.raises(np.AxisError):
            f(x, axes=2)
        with pytest.raises(np.AxisError):
            f(x, axes=(0, -3))
