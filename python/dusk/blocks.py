"""dask.array's map_blocks, blockwise, map_overlap and reduction with Python functions.

    y = x.map_blocks(lambda b: b - b.mean())                  # dtype inferred, as Dask does
    z = da.map_blocks(f, x, y, 2.0, dtype=float, drop_axis=1, block_id=...)
    p = da.blockwise(np.dot, "ik", a, "ij", b, "jk", dtype=float, concatenate=True)
    s = da.map_overlap(stencil, x, depth=1, boundary="reflect")
    r = da.reduction(x, chunk, aggregate, axis=0, dtype=float, combine=combine)

The graphs are built by libdusk-array's user functions (array/map.c: Dask's
layers, names and task counts); each block's task calls back into Python
(python/blocks.c: the GIL is taken for the call, the input blocks are read-only
NumPy arrays over dusk's memory). Each distinct call (the function, its extra
arguments and keywords) is one _Fn: equal calls share it, so the same expression
built twice has the same keys (the function by identity, arguments by value, as
Dask's tokenize), different functions or arguments never do. An array context
keeps the _Fn its layers call until it is freed (python/array.c), so the
function lives as long as an array that may run it.
"""
import functools
import hashlib
import inspect
import numbers
import operator
import pickle
import traceback
import warnings
import weakref

import numpy as np

from . import _dusk
from .array import Array, _apply, _chunks_text

__all__ = ["map_blocks", "blockwise", "map_overlap", "reduction"]

_DTYPES = {"float64", "float32", "float16", "int64", "int32", "int16", "int8", "uint64",
           "uint32", "uint16", "uint8", "bool", "complex128", "complex64"}


def funcname(func):
    """The name Dask gives a function's layer (dask.utils.funcname's rules)."""
    while isinstance(func, functools.partial):
        func = func.func
    if isinstance(func, operator.methodcaller):
        return func.__reduce__()[1][0][:50]
    if "numpy" in (getattr(func, "__module__", None) or "") and type(func).__name__ == "vectorize":
        return ("vectorize_" + funcname(func.pyfunc))[:50]
    try:
        name = func.__name__
    except AttributeError:
        return str(func)[:50]
    return "lambda" if name == "<lambda>" else name[:50]


def _has_keyword(func, keyword):
    try:
        return keyword in inspect.signature(func).parameters
    except Exception:
        return False


def _dtype(dtype, what):
    try:
        dt = np.dtype(dtype)
    except TypeError as e:
        raise TypeError("%s: dtype %r is not a NumPy dtype (%s)" % (what, dtype, e)) from None
    if dt.name not in _DTYPES:
        raise TypeError("%s: dusk arrays cannot hold dtype %s (they hold %s)"
                        % (what, dt, ", ".join(sorted(_DTYPES))))
    return dt


def _probe_call(func, args, kwargs, what, keyword):
    """func on one-element arrays of the array arguments' dtypes (Dask's
    apply_infer_dtype), or ValueError saying to give the dtypes by keyword."""
    probe = [np.ones((1,) * a.ndim, dtype=a.dtype) if isinstance(a, (Array, np.ndarray)) else a
             for a in args]
    try:
        with np.errstate(all="ignore"):
            return func(*probe, **kwargs)
    except Exception as e:
        tb = "".join(traceback.format_tb(e.__traceback__))
        raise ValueError("`dtype` inference failed in `%s`.\n\nPlease specify the dtype "
                         "explicitly using the `%s` kwarg.\n\nOriginal error is below:\n"
                         "------------------------\n%r\n\nTraceback:\n---------\n%s"
                         % (what, keyword, e, tb)) from None


def _infer_dtype(func, args, kwargs, what):
    """The dtype of func's result on one-element arrays of the inputs' dtypes
    (Dask's apply_infer_dtype), or ValueError saying to give dtype=."""
    o = _probe_call(func, args, kwargs, what, "dtype")
    dt = getattr(o, "dtype", None)
    return np.result_type(o) if dt is None else dt


# --- tokens: which calls are the same ---------------------------------------------------------

def _feed(h, o, depth=0):
    """Feeds o to the hash h by value where it can be read (numbers, text,
    NumPy arrays, containers), else by identity (functions, other objects:
    the _Fn keeps them alive, so no other object takes the identity meanwhile)."""
    if depth > 50:
        h.update(b"deep%d;" % id(o))
    elif o is None or isinstance(o, (bool, numbers.Number, str, bytes, np.dtype, slice, type)) \
            and not isinstance(o, np.ndarray):
        h.update(("%s:%r;" % (type(o).__qualname__, o)).encode())
    elif isinstance(o, np.ndarray) and o.dtype != object:
        h.update(("nd%s%r:" % (o.dtype.str, o.shape)).encode())
        h.update(np.ascontiguousarray(o).tobytes())
    elif type(o) in (tuple, list, set, frozenset):
        items = sorted(o, key=repr) if isinstance(o, (set, frozenset)) else o
        h.update(("%s%d(" % (type(o).__name__, len(o))).encode())
        for x in items:
            _feed(h, x, depth + 1)
        h.update(b")")
    elif type(o) is dict:
        h.update(b"dict%d(" % len(o))
        for k in sorted(o, key=repr):
            _feed(h, k, depth + 1)
            _feed(h, o[k], depth + 1)
        h.update(b")")
    elif isinstance(o, functools.partial):
        h.update(b"partial(")
        _feed(h, (o.func, o.args, o.keywords), depth + 1)
        h.update(b")")
    else:
        h.update(b"id%d;" % id(o))


def _token(*parts):
    h = hashlib.sha1()
    _feed(h, parts)
    return h.hexdigest()


class _Fn(_dusk.BlockFunction):
    """One call of a user's function, as dusk's block function: name (the
    tasks'), runner(blocks, block_id), and spec, what makes it (pickle carries
    spec: the array then travels if the function does)."""

    def __reduce__(self):
        try:
            pickle.dumps(self.spec[1])
        except Exception as e:
            raise TypeError("cannot pickle a dusk array made with %s (%r): pickle cannot "
                            "carry that function (%s); define it at a module's top level"
                            % (self.name, self.spec[1], e)) from None
        return (_fn_again, (self.spec, self.runner.__dict__.get("state")))


_fns = weakref.WeakValueDictionary()   # token -> _Fn


def _fn(kind, func, *rest):
    """The _Fn of a call (kind, func, ...): the one alive for an equal call, or
    a new one. Its name: Dask's for that layer."""
    tok = _token(kind, func, rest)
    f = _fns.get(tok)
    if f is not None:
        return f
    maker, name = _RUNNERS[kind](func, *rest)
    f = _Fn(name, maker)
    f.spec = (kind, func) + rest
    _fns[tok] = f
    return f


def _fn_again(spec, state):
    """pickle's _Fn: made again from its spec, with what its runner had learnt."""
    f = _fn(*spec)
    if state and hasattr(f.runner, "state"):
        for k, v in state.items():
            f.runner.state.setdefault(k, v)
    return f


# --- runners: what each block's task calls --------------------------------------------------

def _map_runner(func, layout, kwargs, want_id, want_info, enforce_ndim, _geometry):
    """func called as map_blocks calls it: the blocks in the arrays' places
    among the other arguments (layout: (array number or -1, value) per place)."""
    state = {}

    def run(blocks, block_id):
        args = [blocks[i] if i >= 0 else v for i, v in layout]
        if want_id or want_info:
            kw = dict(kwargs)
            if want_id:
                kw["block_id"] = block_id
            if want_info:
                kw["block_info"] = _block_info(state["geometry"], block_id)
            out = func(*args, **kw)
        else:
            out = func(*args, **kwargs)
        if enforce_ndim is not None and getattr(out, "ndim", 0) != enforce_ndim:
            raise ValueError("Dimension mismatch: expected output of %s to have dims = %d.  "
                             "Got %d instead." % (func, enforce_ndim, getattr(out, "ndim", 0)))
        return out
    run.state = state
    return run, funcname(func)


def _blockwise_runner(func, layout, kwargs, strip, _geometry):
    def run(blocks, block_id):
        return func(*[blocks[i] if i >= 0 else v for i, v in layout], **kwargs)
    return run, funcname(func).strip("_") if strip else funcname(func)


def _overlap_runner(func, kwargs, want_id):
    def run(blocks, block_id):
        if want_id:
            return func(blocks[0], block_id=block_id, **kwargs)
        return func(blocks[0], **kwargs)
    return run, funcname(func)


def _reduce_runner(func, axis, keepdims, strip):
    def run(blocks, block_id):
        return func(blocks[0], axis=axis, keepdims=keepdims)
    return run, funcname(func).strip("_") if strip else funcname(func)


_RUNNERS = {"map": _map_runner, "blockwise": _blockwise_runner, "overlap": _overlap_runner,
            "reduce": _reduce_runner}


def _cumsum0(c):
    out = [0]
    for n in c:
        out.append(out[-1] + n)
    return out


def _block_info(g, block_id):
    """Dask's block_info for the block block_id: each array argument's place
    (by its position among the arguments) and the output's."""
    location = dict(zip(g["out_ind"], block_id))
    info = {}
    for pos, shape, ind, starts in g["inputs"]:
        nch = tuple(len(s) - 1 for s in starts)
        k = tuple(location.get(lab, 0) if nch[j] > 1 else 0 for j, lab in enumerate(ind))
        info[pos] = {"shape": shape, "num-chunks": nch,
                     "array-location": [(starts[j][i], starts[j][i + 1]) for j, i in enumerate(k)],
                     "chunk-location": k}
    out = g["out_starts"]
    info[None] = {"shape": g["shape"], "num-chunks": g["numblocks"],
                  "array-location": [(out[j][i], out[j][i + 1]) for j, i in enumerate(block_id)],
                  "chunk-location": block_id,
                  "chunk-shape": tuple(g["chunks"][j][i] for j, i in enumerate(block_id)),
                  "dtype": g["dtype"]}
    return info


def _axes_mask(axes, ndim):
    m = 0
    for a in axes:
        m |= 1 << (a % ndim)
    return m


# --- map_blocks -----------------------------------------------------------------------------

def map_blocks(func, *args, name=None, token=None, dtype=None, chunks=None, drop_axis=None,
               new_axis=None, enforce_ndim=False, meta=None, **kwargs):
    """func on every block of the dusk arrays among args, as dask.array.map_blocks:
    other arguments and kwargs are passed as they are; block_id= and block_info=
    when func's signature names them; dtype inferred when not given (func called on
    one-element arrays); chunks=, drop_axis=, new_axis= as Dask's. The arrays are
    not rechunked (Dask's align_arrays=False)."""
    if not callable(func):
        raise TypeError("First argument must be callable function, not %s\n"
                        "Usage:   da.map_blocks(function, x)\n"
                        "   or:   da.map_blocks(function, x, y, z)" % type(func).__name__)
    if token:
        warnings.warn("The `token=` keyword to `map_blocks` has been moved to `name=`. "
                      "Please use `name=` instead as the `token=` keyword will be removed "
                      "in a future release.", category=FutureWarning)
        name = token
    for k, v in kwargs.items():
        if isinstance(v, Array):
            raise TypeError("map_blocks: the keyword argument %s is a dusk array; dusk passes "
                            "arrays' blocks only as positional arguments" % k)
    arrays = [a for a in args if isinstance(a, Array)]
    if not arrays:
        raise ValueError("map_blocks: no dusk array among the arguments (dusk maps over the "
                         "blocks of at least one)")
    if len(arrays) > 16:
        raise ValueError("map_blocks: %d arrays; dusk takes at most 16" % len(arrays))
    drop = [] if drop_axis is None else \
        [drop_axis] if isinstance(drop_axis, numbers.Integral) else list(drop_axis)
    new_given = new_axis is not None
    new = [] if new_axis is None else \
        [new_axis] if isinstance(new_axis, numbers.Integral) else list(new_axis)
    n = max(a.ndim for a in arrays)
    for i in drop:
        if not -n <= i < n:
            raise ValueError("drop_axis out of range (drop_axis=%s, but output is %dd)."
                             % (drop, n))
    drop = [i % n for i in drop] if n else drop
    if dtype is None and meta is not None and hasattr(meta, "dtype"):
        dtype = meta.dtype
    if dtype is None:
        dtype = _infer_dtype(func, args, kwargs, "map_blocks")
    dt = _dtype(dtype, "map_blocks")
    # Dask's labels of the axes: for block_info, and chunks given for more
    # axes than the output keeps make new ones first
    out_ind = [x for i, x in enumerate(list(range(n))[::-1]) if i not in drop]
    if not new_given and chunks is not None and len(out_ind) < len(chunks):
        new = list(range(len(chunks) - len(out_ind)))
    for ax in sorted(new):
        out_ind.insert(ax, len(out_ind) + len(drop))
    number = {id(a): k for k, a in enumerate(arrays)}
    layout = tuple((number[id(a)], None) if isinstance(a, Array) else (-1, a) for a in args)
    want_id, want_info = _has_keyword(func, "block_id"), _has_keyword(func, "block_info")
    if chunks is not None and len(chunks) != len(out_ind):
        raise ValueError("Provided chunks have %d dims; expected %d dims"
                         % (len(chunks), len(out_ind)))
    f = _fn("map", func, layout, kwargs, want_id, want_info,
            len(out_ind) if enforce_ndim else None,
            (tuple((a.name, a.chunks) for a in arrays), str(dt), chunks, drop, new))
    chunks_text = None if chunks is None else _chunks_text(tuple(chunks))
    r = _apply("_blocks_call", "map_blocks", f, arrays, dt.name, chunks_text,
               _axes_mask(drop, n), _axes_mask(new, len(out_ind)) if new else 0,
               name or None)   # Dask: f"{name or funcname(func)}-{token}"
    if want_info and "geometry" not in f.runner.state:
        inputs = []
        for pos, a in enumerate(args):
            if isinstance(a, Array):
                ind = tuple(range(a.ndim))[::-1]
                starts = [_cumsum0(c) if not drop or lab in out_ind else [0, a.shape[j]]
                          for j, (c, lab) in enumerate(zip(a.chunks, ind))]
                inputs.append((pos, a.shape, ind, starts))
        f.runner.state["geometry"] = {
            "inputs": inputs, "out_ind": out_ind, "shape": r.shape, "numblocks": r.numblocks,
            "chunks": r.chunks, "out_starts": [_cumsum0(c) for c in r.chunks],
            "dtype": dtype}
    return r


# --- blockwise -------------------------------------------------------------------------------

def blockwise(func, out_ind, *args, name=None, token=None, dtype=None, adjust_chunks=None,
              new_axes=None, align_arrays=True, concatenate=None, meta=None, **kwargs):
    """func over the blocks of (array, index) pairs, as dask.array.blockwise:
    blockwise(np.dot, "ik", a, "ij", b, "jk", dtype=float, concatenate=True);
    an index of None passes its argument as it is; indices of the output missing
    from the inputs are new axes (new_axes={index: size}); indices of the inputs
    missing from the output are contracted (the blocks along them concatenated,
    or lists of them without concatenate); adjust_chunks={index: int, tuple or
    callable} as Dask's. The arrays are rechunked to common chunks as Dask's
    unify_chunks. name= is the layer's whole name, as Dask's (its keys are then
    the caller's to keep unique); else token= (or the function's name) and a
    token."""
    if not callable(func):
        raise TypeError("blockwise: func must be callable, not %s" % type(func).__name__)
    if len(args) % 2:
        raise TypeError("blockwise: arguments come in (array, index) pairs")
    if not align_arrays:
        raise NotImplementedError("blockwise: dusk always unifies the arrays' chunks "
                                  "(align_arrays=True)")
    out_ind = tuple(out_ind)
    if len(set(out_ind)) != len(out_ind):
        raise ValueError("Repeated elements not allowed in output index",
                         [k for k in set(out_ind) if out_ind.count(k) > 1])
    new_axes = dict(new_axes or {})
    pairs = list(zip(args[::2], args[1::2]))
    known = {i for a, ind in pairs if ind is not None for i in ind} | set(new_axes)
    unknown = set(out_ind) - known
    if unknown:
        raise ValueError("Unknown dimension", unknown)
    letters = {}
    for i in list(out_ind) + [i for a, ind in pairs if ind is not None for i in ind]:
        letters.setdefault(i, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"[len(letters)]
                           if len(letters) < 52 else None)
    if None in letters.values():
        raise ValueError("blockwise: more than 52 indices")
    arrays, layout, specs = [], [], []
    for a, ind in pairs:
        if ind is None:
            layout.append((-1, a))
            continue
        if not isinstance(a, Array):
            raise TypeError("blockwise: an argument with an index must be a dusk array, not "
                            "%s (give None as its index to pass it as it is)" % type(a).__name__)
        if len(tuple(ind)) != a.ndim:
            raise ValueError("blockwise: index %r has %d entries for an array of %d dimensions"
                             % (ind, len(tuple(ind)), a.ndim))
        layout.append((len(arrays), None))
        arrays.append(a)
        specs.append("".join(letters[i] for i in ind))
    if not arrays:
        raise ValueError("blockwise: no dusk array among the arguments")
    if len(arrays) > 16:
        raise ValueError("blockwise: %d arrays; dusk takes at most 16" % len(arrays))
    if dtype is None and meta is not None and hasattr(meta, "dtype"):
        dtype = meta.dtype
    if dtype is None:
        dtype = _infer_dtype(func, args[::2], kwargs, "blockwise")
    dt = _dtype(dtype, "blockwise")
    indices = ",".join(specs) + "->" + "".join(letters[i] for i in out_ind)
    # the output's chunks, where new_axes or adjust_chunks change them
    chunks_text = None
    if new_axes or adjust_chunks:
        chunks_text = _chunks_text(tuple(
            _out_chunks(i, pairs, new_axes, adjust_chunks or {}) for i in out_ind))
    if concatenate is None:
        concatenate = False
    f = _fn("blockwise", func, tuple(layout), kwargs, token is None,
            (tuple((a.name, a.chunks) for a in arrays), indices, str(dt), chunks_text,
             bool(concatenate)))
    if name:   # Dask: the whole name, no token
        return _apply("_blocks_call", "blockwise", f, indices, arrays, dt.name,
                      bool(concatenate), chunks_text, str(name), True)
    return _apply("_blocks_call", "blockwise", f, indices, arrays, dt.name, bool(concatenate),
                  chunks_text, token or None)


def _refine(chunkss):
    """The common refinement of several chunkings of one length (unify_chunks)."""
    edges = sorted({e for c in chunkss for e in _cumsum0(c)})
    return tuple(b - a for a, b in zip(edges, edges[1:]))


def _out_chunks(i, pairs, new_axes, adjust):
    if i in new_axes:
        v = new_axes[i]
        c = tuple(v) if isinstance(v, (tuple, list)) else (v,)
    else:
        found = [a.chunks[ind.index(i)] for a, ind in pairs
                 if ind is not None and i in ind and a.shape[tuple(ind).index(i)] != 1]
        if not found:
            found = [a.chunks[tuple(ind).index(i)] for a, ind in pairs
                     if ind is not None and i in ind]
        # one chunking as it is: its blocks of length 0 are blocks too
        c = found[0] if all(f == found[0] for f in found) else _refine(found)
    if i in adjust:
        v = adjust[i]
        if callable(v):
            c = tuple(v(n) for n in c)
        elif isinstance(v, numbers.Integral):
            c = tuple(v for _ in c)
        elif isinstance(v, (tuple, list)):
            if len(v) != len(c):
                raise ValueError("Dimension %r has %d blocks, adjust_chunks specified with %d "
                                 "blocks" % (i, len(c), len(v)))
            c = tuple(v)
        else:
            raise NotImplementedError("adjust_chunks values must be callable, int, or tuple")
    return c


# --- map_overlap -------------------------------------------------------------------------------

_BOUNDARIES = {"none": 0, "constant": 1, "reflect": 2, "periodic": 3, "nearest": 4}


def _check_constants(what, values, dtype):
    """A constant boundary goes through a C double into the array's dtype: an
    integer array's must be a whole number a double holds exactly (NaN into
    ints is NumPy's ValueError; 2**60 + 1 would become 2**60)."""
    if np.dtype(dtype).kind not in "biu":
        return
    for v in values:
        if v != v or v in (float("inf"), float("-inf")) or v != int(v) or abs(v) > 2**53:
            raise ValueError("%s: the constant boundary %r cannot be put in an array of %s "
                             "(a whole number of at most 2**53 can)" % (what, v, dtype))


def _boundary_kind(b, axis):
    """(kind, constant) of one axis's boundary."""
    if isinstance(b, str):
        if b not in _BOUNDARIES:
            raise ValueError("map_overlap: boundary must be 'reflect', 'periodic', 'nearest', "
                             "'none' or a number, not %r (axis %d)" % (b, axis))
        return _BOUNDARIES[b], 0.0
    if isinstance(b, numbers.Number) and not isinstance(b, complex):
        return _BOUNDARIES["constant"], float(b)
    raise TypeError("map_overlap: boundary must be a string or a number, not %s (axis %d)"
                    % (type(b).__name__, axis))


def map_overlap(func, *args, depth=None, boundary=None, trim=True, align_arrays=True,
                allow_rechunk=True, dtype=None, name=None, meta=None, chunks=None, **kwargs):
    """func on every block of one dusk array grown by depth cells of its
    neighbours (or of the boundary), the result trimmed back (trim=True), as
    dask.array.map_overlap: depth an int, a tuple or a dict {axis: depth};
    boundary 'none' (Dask's default), 'reflect', 'periodic', 'nearest' or a
    number (a constant), for all axes or per axis (a tuple, or a dict whose
    missing axes are 'none'). trim=False gives func's blocks as they are, of
    the array's chunks unless chunks= says otherwise, as Dask's. block_id= is
    given when func names it."""
    if isinstance(func, Array) and callable(args[0] if args else None):
        func, args = args[0], (func,) + args[1:]   # Dask's old order: (x, func)
    if not callable(func):
        raise TypeError("map_overlap: func must be callable, not %s" % type(func).__name__)
    if not args or not all(isinstance(a, Array) for a in args):
        raise TypeError("All variadic arguments must be arrays, not %s\n"
                        "Usage:   da.map_overlap(function, x)\n"
                        "   or:   da.map_overlap(function, x, y, z)"
                        % [type(a).__name__ for a in args])
    for a in args:
        a._known_chunks("map_overlap")
    if (len(args) > 1 or isinstance(depth, list) or isinstance(boundary, list) or
            _has_keyword(func, "block_info") or "drop_axis" in kwargs or "new_axis" in kwargs):
        # Dask's own way: overlap each array, map_blocks, trim_internal (the
        # same layers as one array's stencil in C, which takes none of these)
        return _map_overlap_apart(func, list(args), depth, boundary, trim, align_arrays,
                                  allow_rechunk, dict(kwargs, dtype=dtype, name=name, meta=meta,
                                                      chunks=chunks))
    x = args[0]
    if depth is None:
        depth = 0
    if isinstance(depth, dict):
        d = tuple(depth.get(i, depth.get(i - x.ndim, 0)) for i in range(x.ndim))
    elif isinstance(depth, (tuple, list)):
        if len(depth) != x.ndim:
            raise ValueError("map_overlap: depth %r has %d entries for %d axes"
                             % (depth, len(depth), x.ndim))
        d = tuple(depth)
    else:
        d = (depth,) * x.ndim
    if any(isinstance(v, tuple) for v in d):
        raise NotImplementedError("map_overlap: dusk takes one depth per axis, not a pair "
                                  "(Dask's asymmetric depth): %r" % (depth,))
    d = tuple(int(v) for v in d)
    if any(v < 0 for v in d):
        raise ValueError("map_overlap: depth must be at least 0, not %r" % (depth,))
    # Dask 2022.12's coerce_boundary: 'none' by default, also for the axes a
    # dict leaves out; an axis of depth 0 grows by nothing, whatever its boundary
    if boundary is None:
        boundary = "none"
    if isinstance(boundary, dict):
        per_axis = tuple(boundary.get(i, "none") for i in range(x.ndim))
    elif isinstance(boundary, tuple):
        if len(boundary) != x.ndim:
            raise ValueError("map_overlap: boundary %r has %d entries for %d axes"
                             % (boundary, len(boundary), x.ndim))
        per_axis = boundary
    else:
        per_axis = (boundary,) * x.ndim
    kinds = tuple(_boundary_kind(b, i) for i, b in enumerate(per_axis))
    _check_constants("map_overlap", [v for k, v in kinds if k == _BOUNDARIES["constant"]],
                     x.dtype)
    if dtype is None and meta is not None and hasattr(meta, "dtype"):
        dtype = meta.dtype
    if dtype is None:
        dtype = _infer_dtype(func, (x,), kwargs, "map_overlap")
    dt = _dtype(dtype, "map_overlap")
    chunks_text = None if chunks is None else _chunks_text(tuple(chunks))
    f = _fn("overlap", func, kwargs, _has_keyword(func, "block_id"))
    return _apply("_blocks_call", "map_overlap", f, [x], dt.name, d,
                  tuple(k for k, _ in kinds), tuple(v for _, v in kinds), name or None,
                  bool(trim), chunks_text)


def _map_overlap_apart(func, arrays, depth, boundary, trim, align_arrays, allow_rechunk, kwargs):
    """map_overlap of several arrays (a depth and a boundary for all, or a list
    of one per array), or with block_info=, drop_axis= or new_axis=, as Dask
    builds it: the arrays' chunks unified, each overlapped, func on their
    blocks (map_blocks), and the result trimmed by the depth and boundary of
    the array of most axes (the first of them)."""
    from . import overlap as _ov
    from .array import unify_chunks

    def per_array(v, what):
        if not isinstance(v, list):
            return [v] * len(arrays)
        if len(v) != len(arrays):
            raise ValueError("map_overlap: a list of %d %s for %d array%s" % (
                len(v), what, len(arrays), "" if len(arrays) == 1 else "s"))
        return v
    depths = [_ov.coerce_depth(x.ndim, d) for x, d in zip(arrays, per_array(depth, "depths"))]
    bounds = [_ov.coerce_boundary(x.ndim, b)
              for x, b in zip(arrays, per_array(boundary, "boundaries"))]
    if align_arrays and len(arrays) > 1:
        # the last axes line up, as broadcasting does
        pairs = []
        for x in arrays:
            pairs += [x, tuple(reversed(range(x.ndim)))]
        _, arrays = unify_chunks(*pairs)
    kwargs = {k: v for k, v in kwargs.items() if v is not None or k not in
              ("dtype", "name", "meta", "chunks")}
    if all(v == 0 for d in depths for v in d.values()):
        return map_blocks(func, *arrays, **kwargs)
    if not trim and kwargs.get("chunks") is None:
        kwargs["chunks"] = arrays[0].chunks
    grown = [_ov.overlap(x, d, b, allow_rechunk=allow_rechunk)
             for x, d, b in zip(arrays, depths, bounds)]
    y = map_blocks(func, *grown, **kwargs)
    if not trim:
        return y
    i = max(range(len(grown)), key=lambda k: (grown[k].ndim, -k))
    d, b = depths[i], bounds[i]
    # the trim's depth per output axis: the kept input axes' in order, 0
    # (and no boundary) on the axes new_axis= put in
    drop = kwargs.get("drop_axis")
    drop = [] if drop is None else [drop] if isinstance(drop, numbers.Integral) else list(drop)
    nd = max(a.ndim for a in grown)
    drop = {a % nd for a in drop}
    kept = [(d[ax], b[ax]) for ax in range(grown[i].ndim) if ax not in drop]
    new = kwargs.get("new_axis")
    new = [] if new is None else [new] if isinstance(new, numbers.Integral) else list(new)
    new = {a % y.ndim for a in new}
    d, b, it = {}, {}, iter(kept)
    for ax in range(y.ndim):
        d[ax], b[ax] = (0, "none") if ax in new else next(it, (0, "none"))
    return _ov.trim_internal(y, d, b)


# --- reduction ---------------------------------------------------------------------------------

def reduction(x, chunk, aggregate, axis=None, keepdims=False, dtype=None, split_every=None,
              combine=None, name=None, out=None, concatenate=True, output_size=1, meta=None,
              weights=None):
    """dask.array.reduction with Python functions: chunk(block, axis=, keepdims=True)
    on every block, combine (default: aggregate) on split_every partial results
    at a time, concatenated along the reduced axes, with keepdims=True, then
    aggregate(..., axis=, keepdims=keepdims); axis a tuple of the reduced axes.
    Every step returns blocks of dtype (which Dask also requires)."""
    if not isinstance(x, Array):
        raise TypeError("reduction: x must be a dusk array, not %s" % type(x).__name__)
    if out is not None:
        raise TypeError("dusk arrays are lazy: out= must be None")
    if weights is not None or output_size != 1 or not concatenate:
        raise NotImplementedError("reduction: dusk's has no weights=, output_size= or "
                                  "concatenate=False")
    if dtype is None:
        raise ValueError("Must specify dtype")
    dt = _dtype(dtype, "reduction")
    if axis is None:
        axis = tuple(range(x.ndim))
    elif isinstance(axis, numbers.Integral):
        axis = (axis,)
    axis = tuple(axis)
    for a in axis:
        if not -x.ndim <= a < x.ndim:
            raise np.AxisError(a, x.ndim)
    axis = tuple(a % x.ndim for a in axis) if x.ndim else axis
    if len(set(axis)) != len(axis):
        raise ValueError("duplicate value in 'axis'")
    if isinstance(split_every, dict):
        raise NotImplementedError("reduction: dusk takes split_every as one int")
    for f in (chunk, aggregate, combine):
        if f is not None and not callable(f):
            raise TypeError("reduction: chunk, combine and aggregate must be callable")
    if _has_arg(chunk, "dtype"):
        chunk = functools.partial(chunk, dtype=dtype)
    if _has_arg(aggregate, "dtype"):
        aggregate = functools.partial(aggregate, dtype=dtype)
    fs = (_fn("reduce", chunk, axis, True, True),
          _fn("reduce", combine or aggregate, axis, True, False),
          _fn("reduce", aggregate, axis, bool(keepdims), False))
    return _apply("_blocks_call", "reduction", fs, [x], dt.name, _axes_mask(axis, x.ndim or 1),
                  bool(keepdims), int(split_every or 0), name)


def _has_arg(func, name):
    try:
        return name in inspect.getfullargspec(func).args
    except TypeError:
        return False
