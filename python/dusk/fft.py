"""dusk.array.fft: dask.array.fft on dusk arrays.

    import dusk.array as da
    y = da.fft.fft(x, axis=0)          # x holds axis 0 in one chunk
    f = da.fft.fftfreq(8, d=0.1, chunks=4)

Built as Dask 2022.12 builds it: each transform is one map_blocks of NumPy's
function over the blocks, which must hold the transformed axes whole (an axis in
several chunks is refused, with Dask's message; rechunk it first), the output's
chunks Dask's (rfft's n//2+1 along the last axis, irfft's 2*(m-1), ...), the
dtype NumPy's. fftfreq and rfftfreq are an arange (chunks= as arange's);
fftshift and ifftshift join the two halves of each axis with concatenate, as
Dask does. Where dusk differs from Dask:

- bad arguments are refused when the graph is built, not when it is computed:
  n or s <= 0 (NumPy's "Invalid number of FFT data points"), s and axes of
  different lengths, an axis out of range (numpy.AxisError);
- fftn, ifftn, rfftn and irfftn with s= and no axes= transform the last len(s)
  axes, as NumPy does (Dask transforms the first len(s));
- norm= ("backward", "ortho", "forward") is passed to NumPy's function
  (Dask 2022.12 has none).
"""
import numbers
from collections.abc import Sequence

import numpy as np

from .array import arange as _arange, concatenate as _concatenate, _as_array
from .blocks import map_blocks as _map_blocks

__all__ = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fft2", "ifft2", "rfft2",
           "irfft2", "fftn", "ifftn", "rfftn", "irfftn", "fftfreq", "rfftfreq", "fftshift",
           "ifftshift", "fft_wrap"]

chunk_error = (
    "Dask array only supports taking an FFT along an axis that \n"
    "has a single chunk. An FFT operation was tried on axis %s \n"
    "which has chunks %s. To change the array's chunks use "
    "dask.Array.rechunk."
)


def _axis(axis, ndim, what):
    if not isinstance(axis, (numbers.Integral, np.integer)) or isinstance(axis, bool):
        raise TypeError("%s: an axis must be an integer, not %r" % (what, axis))
    if not -ndim <= axis < ndim:
        raise np.AxisError(int(axis), ndim, what)
    return int(axis) % ndim


# The length of each transformed axis in the output, from the lengths given
# (s, or the input's when s is None): Dask's _<kind>_out_chunks.
def _fft_lengths(a, s, axes):
    return list(s) if s is not None else [a.shape[ax] for ax in axes]


def _rfft_lengths(a, s, axes):
    s = _fft_lengths(a, s, axes)
    s[-1] = s[-1] // 2 + 1
    return s


def _irfft_lengths(a, s, axes):
    if s is not None:
        return list(s)
    s = [a.shape[ax] for ax in axes]
    s[-1] = 2 * (s[-1] - 1)
    return s


def _hfft_lengths(a, s, axes):
    return list(s) if s is not None else [2 * (a.shape[axes[0]] - 1)]


def _ihfft_lengths(a, s, axes):
    n = s[0] if s is not None else a.shape[axes[0]]
    return [n // 2 + 1]


_lengths = {"fft": _fft_lengths, "ifft": _fft_lengths, "rfft": _rfft_lengths,
            "irfft": _irfft_lengths, "hfft": _hfft_lengths, "ihfft": _ihfft_lengths}


def _points(a, s, axes, kind):
    """The transform's number of points along each axis, checked as NumPy checks them."""
    if s is None:
        if kind in ("irfft", "hfft"):
            pts = [a.shape[ax] for ax in axes]
            pts[-1] = 2 * (pts[-1] - 1)
        else:
            pts = [a.shape[ax] for ax in axes]
    else:
        pts = list(s)
    for p in pts:
        if p < 1:
            raise ValueError("Invalid number of FFT data points (%d) specified." % p)
    return pts


def fft_wrap(fft_func, kind=None, dtype=None):
    """A NumPy-like FFT function (numpy.fft's fft, fft2, fftn, ...) as a dusk one:
    map_blocks of it over blocks holding the transformed axes whole. kind (the
    numpy.fft name it behaves as) is fft_func's name when not given."""
    if kind is None:
        kind = fft_func.__name__
    base = kind.rstrip("2n")
    if base not in _lengths:
        raise ValueError("Given unknown `kind` %s." % kind)
    out_lengths = _lengths[base]
    name = fft_func.__name__

    def func(a, s=None, axes=None, norm=None):
        a = _as_array(a)
        if s is not None:
            s = [int(v) for v in s]
        if axes is None:
            if kind.endswith("2"):
                axes = (-2, -1)
            elif kind.endswith("n"):
                # NumPy's: the last len(s) axes (Dask's are the first len(s))
                axes = tuple(range(-len(s), 0)) if s is not None else tuple(range(a.ndim))
            else:
                axes = (-1,)
        else:
            axes = tuple(axes)
            if len(set(axes)) < len(axes):
                raise ValueError("Duplicate axes not allowed.")
        if s is not None and len(s) != len(axes):
            raise ValueError("Shape and axes have different lengths.")
        given = axes   # Dask's message names an axis as it was given
        axes = tuple(_axis(ax, a.ndim, name) for ax in axes)
        if len(set(axes)) < len(axes):
            raise ValueError("Duplicate axes not allowed.")
        if not axes:
            raise ValueError("%s: no axes to transform" % name)
        _points(a, s, axes, base)
        for g, ax in zip(given, axes):
            if len(a.chunks[ax]) != 1:
                raise ValueError(chunk_error % (g, a.chunks[ax]))

        _dtype = dtype
        if _dtype is None:   # NumPy's, as Dask finds it: the function on a sample
            sample = np.ones(a.ndim * (8,), dtype=a.dtype)
            try:
                _dtype = fft_func(sample, axes=axes).dtype
            except TypeError:
                _dtype = fft_func(sample).dtype

        chunks = list(a.chunks)
        for ax, m in zip(axes, out_lengths(a, s, axes)):
            chunks[ax] = (m,)
        kw = {} if norm is None else {"norm": norm}
        if kind.endswith("fft"):
            args = (None if s is None else s[0], axes[0])
        else:
            args = (s, axes)
        return _map_blocks(fft_func, a, *args, dtype=_dtype, chunks=tuple(chunks), **kw)

    if kind.endswith("fft"):
        _func = func

        def func(a, n=None, axis=-1, norm=None):
            return _func(a, None if n is None else (n,), None if axis is None else (axis,),
                         norm)

    func.__name__ = name
    func.__qualname__ = name
    func.__doc__ = ("Wrapping of %s.%s: map_blocks of it over blocks that hold the "
                    "transformed axes whole (rechunk an axis in several chunks first).\n\n"
                    % (fft_func.__module__ or "numpy.fft", name)) + (fft_func.__doc__ or "")
    return func


fft = fft_wrap(np.fft.fft)
fft2 = fft_wrap(np.fft.fft2)
fftn = fft_wrap(np.fft.fftn)
ifft = fft_wrap(np.fft.ifft)
ifft2 = fft_wrap(np.fft.ifft2)
ifftn = fft_wrap(np.fft.ifftn)
rfft = fft_wrap(np.fft.rfft)
rfft2 = fft_wrap(np.fft.rfft2)
rfftn = fft_wrap(np.fft.rfftn)
irfft = fft_wrap(np.fft.irfft)
irfft2 = fft_wrap(np.fft.irfft2)
irfftn = fft_wrap(np.fft.irfftn)
hfft = fft_wrap(np.fft.hfft)
ihfft = fft_wrap(np.fft.ihfft)


def _fftfreq_block(i, n, d):
    r = i.copy()
    r[i >= (n + 1) // 2] -= n
    r /= n * d
    return r


def fftfreq(n, d=1.0, chunks="auto"):
    """numpy.fft.fftfreq(n, d) in blocks of chunks: an arange mapped block by block."""
    n, d = int(n), float(d)
    if n < 1:
        raise ValueError("fftfreq: n must be a positive integer, not %d" % n)
    if d == 0:
        raise ZeroDivisionError("float division by zero")   # NumPy's
    r = _arange(n, dtype=float, chunks=chunks)
    return _map_blocks(_fftfreq_block, r, dtype=float, n=n, d=d)


def rfftfreq(n, d=1.0, chunks="auto"):
    """numpy.fft.rfftfreq(n, d) in blocks of chunks: an arange divided by n*d."""
    n, d = int(n), float(d)
    if n < 1:
        raise ValueError("rfftfreq: n must be a positive integer, not %d" % n)
    if d == 0:
        raise ZeroDivisionError("float division by zero")   # NumPy's
    return _arange(n // 2 + 1, dtype=float, chunks=chunks) / (n * d)


def _fftshift_helper(x, axes=None, inverse=False, what="fftshift"):
    x = _as_array(x)
    if axes is None:
        axes = list(range(x.ndim))
    elif not isinstance(axes, Sequence):
        axes = (axes,)
    axes = [_axis(ax, x.ndim, what) for ax in axes]
    y = x
    for i in axes:
        n = y.shape[i]
        half = (n + int(not inverse)) // 2
        left = [slice(None)] * y.ndim
        left[i] = slice(None, half)
        right = [slice(None)] * y.ndim
        right[i] = slice(half, None)
        y = _concatenate([y[tuple(right)], y[tuple(left)]], axis=i)
        if len(x.chunks[i]) == 1:   # as Dask: an axis in one chunk stays in one
            y = y.rechunk({i: x.chunks[i]})
    return y


def fftshift(x, axes=None):
    """numpy.fft.fftshift: the zero frequency moved to the centre of each axis."""
    return _fftshift_helper(x, axes=axes, inverse=False, what="fftshift")


def ifftshift(x, axes=None):
    """numpy.fft.ifftshift: fftshift undone."""
    return _fftshift_helper(x, axes=axes, inverse=True, what="ifftshift")
