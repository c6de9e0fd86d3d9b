"""dusk.array.overlap: dask.array.overlap on dusk arrays.

    import dusk.array as da
    g = da.overlap.overlap(x, depth={0: 1, 1: 1}, boundary="reflect")
    y = g.map_blocks(stencil)                       # each block sees its neighbours
    z = da.overlap.trim_internal(y, {0: 1, 1: 1}, boundary="reflect")
    w = da.overlap.sliding_window_view(x, (3, 3))   # NumPy's, lazily

overlap and trim_internal are map_overlap's two halves, built in C with the
same layers (Dask 2022.12's: a rechunk where a chunk is smaller than the
depth, the boundary's slices and concatenates, one 'overlap' layer of the
neighbours' pieces, the trim of the boundary; then '_trim'). periodic, reflect,
nearest and constant add one axis's boundary as Dask's do (slices, a rechunk
to the depth and a concatenate). Where dusk differs from Dask:

- a depth is one number per axis: Dask's asymmetric (before, after) pairs are
  refused (NotImplementedError);
- bad depths and boundaries are refused when the graph is built, naming the
  axis.
"""
import numbers

import numpy as np

from . import array as _da
from .blocks import map_overlap, _boundary_kind, _check_constants, _BOUNDARIES, \
    map_blocks as _map_blocks

__all__ = ["overlap", "trim_internal", "trim_overlap", "map_overlap", "boundaries", "periodic",
           "reflect", "nearest", "constant", "ensure_minimum_chunksize", "coerce_depth",
           "coerce_boundary", "sliding_window_view"]


def coerce_depth(ndim, depth):
    """{axis: depth} for every axis, from an int, a tuple or a dict (0 where
    it says nothing), as Dask's."""
    if depth is None:
        depth = 0
    if isinstance(depth, dict):
        return {ax: depth.get(ax, 0) for ax in range(ndim)}
    if isinstance(depth, (tuple, list)):
        if len(depth) != ndim:
            raise ValueError("depth %r has %d entries for %d axes" % (depth, len(depth), ndim))
        return dict(enumerate(depth))
    return {ax: depth for ax in range(ndim)}


def coerce_boundary(ndim, boundary):
    """{axis: boundary} for every axis ('none' where it says nothing), as Dask's."""
    if boundary is None:
        boundary = "none"
    if isinstance(boundary, dict):
        return {ax: boundary.get(ax, "none") for ax in range(ndim)}
    if isinstance(boundary, tuple):
        if len(boundary) != ndim:
            raise ValueError("boundary %r has %d entries for %d axes"
                             % (boundary, len(boundary), ndim))
        return dict(enumerate(boundary))
    return {ax: boundary for ax in range(ndim)}


def _depths(what, x, depth):
    d = coerce_depth(x.ndim, depth)
    out = []
    for ax in range(x.ndim):
        v = d[ax]
        if isinstance(v, tuple):
            raise NotImplementedError("%s: dusk takes one depth per axis, not a pair (Dask's "
                                      "asymmetric depth): %r" % (what, v))
        if not isinstance(v, (numbers.Integral, np.integer)) or isinstance(v, bool):
            raise TypeError("%s: the depth of axis %d must be an int, not %r" % (what, ax, v))
        if v < 0:
            raise ValueError("%s: the depth of axis %d must be at least 0, not %d"
                             % (what, ax, v))
        out.append(int(v))
    return tuple(out)


def _kinds(what, x, boundary):
    b = coerce_boundary(x.ndim, boundary)
    try:
        kinds = [_boundary_kind(b[ax], ax) for ax in range(x.ndim)]
    except (ValueError, TypeError) as e:
        raise type(e)(str(e).replace("map_overlap", what, 1)) from None
    _check_constants(what, [v for k, v in kinds if k == _BOUNDARIES["constant"]], x.dtype)
    return tuple(k for k, _ in kinds), tuple(v for _, v in kinds)


def ensure_minimum_chunksize(size, chunks):
    """chunks with every chunk at least size, small ones merged into their
    neighbours, as Dask's (map_overlap and overlap do this first)."""
    chunks = tuple(int(c) for c in chunks)
    if not chunks:
        raise ValueError("The overlapping depth %d is larger than your array 0." % size)
    if size <= min(chunks):
        return chunks
    out, acc = [], 0
    for c in chunks:
        if c < size:
            if acc > 2 * size - c:       # lend the small chunk what it lacks
                out.append(acc - (size - c))
                acc = size
            else:
                acc += c
        if acc >= size:
            out.append(acc)
            acc = 0
        if c >= size:
            acc += c
    if acc >= size:
        out.append(acc)
    elif out:
        out[-1] += acc
    else:
        raise ValueError("The overlapping depth %d is larger than your array %d."
                         % (size, sum(chunks)))
    return tuple(out)


def overlap(x, depth, boundary=None, *, allow_rechunk=True):
    """x's blocks grown by depth cells of their neighbours (or of the boundary:
    'none', 'reflect', 'periodic', 'nearest' or a constant) on each side, as
    Dask's overlap: depth an int, a tuple or a dict {axis: depth}; boundary one
    for all axes, a tuple, or a dict ('none' where it says nothing). Chunks
    smaller than the depth are merged first (allow_rechunk=False: refused)."""
    x = _da._as_array(x)
    x._known_chunks("overlap")
    d = _depths("overlap", x, depth)
    kinds, values = _kinds("overlap", x, boundary)
    for ax in range(x.ndim):
        if d[ax] > x.shape[ax]:
            raise ValueError("overlap: the depth %d of axis %d is larger than the axis (%d)"
                             % (d[ax], ax, x.shape[ax]))
        if not allow_rechunk and d[ax] and min(x.chunks[ax]) < d[ax]:
            raise ValueError("The overlapping depth %d is larger than your smallest chunk "
                             "size %d. Rechunk your array with a larger chunk size or a "
                             "chunk size that more evenly divides the shape of your array."
                             % (d[ax], min(x.chunks[ax])))
    return _da._apply("_blocks_call", "overlap", x, d, kinds, values)


def trim_internal(x, axes, boundary=None):
    """depth cells off each side of every block, as Dask's trim_internal(x,
    {axis: depth}, boundary): what overlap added (on an axis of boundary 'none',
    the array's own edges keep theirs)."""
    x = _da._as_array(x)
    d = _depths("trim_internal", x, axes)
    kinds, _ = _kinds("trim_internal", x, boundary)
    return _da._apply("_blocks_call", "trim_internal", x, d, kinds)


def trim_overlap(x, depth, boundary=None):
    """trim_internal with a depth as overlap takes it, as Dask's."""
    return trim_internal(x, coerce_depth(x.ndim, depth), boundary)


def _sides(x, axis, left, right):
    lo = (slice(None),) * axis
    return x[lo + (left,)], x[lo + (right,)]


def _to_depth(l, r, axis, depth):
    # Dask's _remove_overlap_boundaries: each side one chunk of depth
    return l.rechunk({axis: depth}), r.rechunk({axis: depth})


def periodic(x, axis, depth):
    """depth cells of the other end on each side of axis, as Dask's."""
    x = _da._as_array(x)
    l, r = _sides(x, axis, slice(0, depth), slice(-depth, None))
    l, r = _to_depth(l, r, axis, depth)
    return _da.concatenate([r, x, l], axis=axis)


def reflect(x, axis, depth):
    """The first and last depth cells of axis mirrored beyond its ends (the
    edge repeated: NumPy's pad mode 'symmetric'), as Dask's."""
    x = _da._as_array(x)
    l, r = _sides(x, axis, slice(0, 1) if depth == 1 else slice(depth - 1, None, -1),
                  slice(-1, -depth - 1, -1))
    l, r = _to_depth(l, r, axis, depth)
    return _da.concatenate([l, x, r], axis=axis)


def nearest(x, axis, depth):
    """The edge cells of axis repeated depth times beyond its ends, as Dask's."""
    x = _da._as_array(x)
    l, r = _sides(x, axis, slice(0, 1), slice(-1, -2, -1))
    l, r = _to_depth(_da.concatenate([l] * depth, axis=axis),
                     _da.concatenate([r] * depth, axis=axis), axis, depth)
    return _da.concatenate([l, x, r], axis=axis)


def constant(x, axis, depth, value):
    """depth cells of value on each side of axis, as Dask's."""
    x = _da._as_array(x)
    chunks = list(x.chunks)
    chunks[axis] = (depth,)
    c = _da.full(tuple(sum(ch) for ch in chunks), value, dtype=x.dtype, chunks=tuple(chunks))
    return _da.concatenate([c, x, c], axis=axis)


def boundaries(x, depth=None, kind=None):
    """Each axis's boundary added (periodic, reflect, nearest or a constant;
    'none' adds nothing), as Dask's."""
    x = _da._as_array(x)
    if not isinstance(kind, dict):
        kind = {i: kind for i in range(x.ndim)}
    if not isinstance(depth, dict):
        depth = {i: depth for i in range(x.ndim)}
    for i in range(x.ndim):
        d = depth.get(i, 0)
        if not d:
            continue
        k = kind.get(i, "none")
        if k == "none" or k is None:
            continue
        if k == "periodic":
            x = periodic(x, i, d)
        elif k == "reflect":
            x = reflect(x, i, d)
        elif k == "nearest":
            x = nearest(x, i, d)
        elif isinstance(k, numbers.Number) and not isinstance(k, (bool, complex)):
            x = constant(x, i, d, k)
        else:
            raise ValueError("boundaries: the boundary of axis %d must be 'none', 'periodic', "
                             "'reflect', 'nearest' or a number, not %r" % (i, k))
    return x


def _windows(block, window_shape, axis, depths, block_id=None):
    # the block grown on both sides; the windows start in its own cells
    cut = tuple(slice(d if d and block_id[ax] else 0, None) for ax, d in enumerate(depths))
    return np.lib.stride_tricks.sliding_window_view(block[cut], window_shape, axis)


def sliding_window_view(x, window_shape, axis=None):
    """NumPy's sliding_window_view, lazily, as Dask's: the windows along each
    axis as new trailing axes; each block holds the windows that start in it."""
    x = _da._as_array(x)
    x._known_chunks("sliding_window_view")
    window_shape = tuple(window_shape) if np.iterable(window_shape) else (window_shape,)
    if any(w <= 0 for w in window_shape):
        raise ValueError("`window_shape` must contain values > 0")
    if axis is None:
        axis = tuple(range(x.ndim))
        if len(window_shape) != len(axis):
            raise ValueError("Since axis is `None`, must provide window_shape for all "
                             "dimensions of `x`; got %d window_shape elements and `x.ndim` "
                             "is %d." % (len(window_shape), x.ndim))
    else:
        axis = tuple(np.core.numeric.normalize_axis_tuple(axis, x.ndim, allow_duplicate=True))
        if len(window_shape) != len(axis):
            raise ValueError("Must provide matching length window_shape and axis; got %d "
                             "window_shape elements and %d axes elements."
                             % (len(window_shape), len(axis)))
    depths = [0] * x.ndim
    for ax, w in zip(axis, window_shape):
        depths[ax] += w - 1
    for ax in range(x.ndim):
        if depths[ax] >= x.shape[ax]:
            raise ValueError("window shape cannot be larger than input array shape "
                             "(axis %d: %d cells, windows of %d)" % (ax, x.shape[ax],
                                                                     depths[ax] + 1))
    x = x.rechunk(tuple(ensure_minimum_chunksize(d + 1, c) for d, c in zip(depths, x.chunks)))
    chunks = tuple(c[:-1] + (c[-1] - d,) for d, c in zip(depths, x.chunks)) + \
        tuple((w,) for w in window_shape)
    grown = overlap(x, tuple(depths), "none") if any(depths) else x
    return _map_blocks(_windows, grown, window_shape, axis, tuple(depths), dtype=x.dtype,
                       chunks=chunks, new_axis=list(range(x.ndim, x.ndim + len(axis))),
                       name="sliding-window-view")
