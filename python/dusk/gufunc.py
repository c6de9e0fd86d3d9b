"""dask.array's apply_gufunc, as_gufunc and gufunc: generalized ufuncs on dusk arrays.

    mean, std = da.apply_gufunc(stats, "(i)->(),()", x)       # two outputs
    c = da.apply_gufunc(np.matmul, "(i,j),(j,k)->(i,k)", a, b)
    d = da.apply_gufunc(np.linalg.det, "(m,m)->()", x)
    @da.as_gufunc("(i)->()", output_dtypes=float)
    def norm(v): return np.sqrt((v * v).sum(-1))

The signature names each argument's core dimensions, the last ones of the
argument (or those axes=/axis= name); the other dimensions are loop
dimensions, broadcast against each other across the arguments as NumPy
broadcasts. The graph is Dask 2022.12's, layer for layer and task for task:

  - the arguments given axes= that are not already last are transposed;
  - one blockwise layer (named after func) calls func once per block of the
    loop dimensions, with each argument's core dimensions concatenated whole
    (a core dimension in several chunks is refused unless allow_rechunk=True;
    blockwise then unifies the arguments' chunks as Dask's does);
  - each output is a layer of one task per block taking that output from the
    blockwise task's block (named <func>_<n>, as Dask's), then a transpose
    (which Dask adds even where it moves no axis), after a new axis per core
    dimension when keepdims=True.

A dusk block is one NumPy array of the array's dtype, where Dask's blocks may
hold tuples: with several outputs the blockwise task packs them side by side,
as bytes (uint8) along one more axis, each output's core values of a loop
element at a fixed offset, and each output's layer takes its bytes back as
its dtype. With one output the blockwise block is the output's block (its
core dimensions already in place) and the output's layer gives it on as it
is, without a copy. Either way the task counts and the chunks are Dask's.
"""
import functools
import numbers
import re

import numpy as np

from .array import Array, _as_array
from .blocks import blockwise, funcname, _dtype, _probe_call

__all__ = ["apply_gufunc", "as_gufunc", "gufunc"]

_KEYWORDS = ("vectorize", "axes", "axis", "keepdims", "output_sizes", "output_dtypes",
             "allow_rechunk", "meta")


# --- the signature ---------------------------------------------------------------------------

_ARG = re.compile(r"\((?:\w+(?:,\w+)*,?)?\)")


def _bad_signature(signature, why):
    return ValueError("Not a valid gufunc signature: %s (%s)" % (signature, why))


def _parse_arguments(text, signature, side):
    """The core dimensions of each argument of one side of a signature: a list
    of tuples of names; NumPy's grammar, with a trailing comma allowed after the
    inputs, and no inputs at all, as Dask allows them."""
    args, pos = [], 0
    while pos < len(text):
        m = _ARG.match(text, pos)
        if not m:
            raise _bad_signature(signature, "the %s must be parenthesized lists of dimension "
                                 "names, as (i,j); %r is not" % (side, text[pos:]))
        args.append(tuple(n for n in m.group(0)[1:-1].split(",") if n))
        pos = m.end()
        if pos < len(text):
            if text[pos] != ",":
                raise _bad_signature(signature, "a comma must separate the %s, not %r"
                                     % (side, text[pos]))
            pos += 1
            if pos == len(text) and side == "outputs":
                raise _bad_signature(signature, "a comma after the last output")
    return args


def _parse_signature(signature):
    """(input core dimensions, output core dimensions, number of outputs or
    None for one): each a list of tuples of names."""
    if not isinstance(signature, str):
        raise TypeError("`signature` has to be of type string")
    sig = re.sub(r"\s+", "", signature)
    if sig.count("->") != 1:
        raise _bad_signature(sig, "one '->' must separate the inputs from the outputs")
    left, right = sig.split("->")
    ins = _parse_arguments(left, sig, "inputs")
    outs = _parse_arguments(right, sig, "outputs")
    if not outs:
        raise _bad_signature(sig, "no output")
    return ins, outs, (len(outs) if len(outs) > 1 else None)


# --- axes=, axis=, keepdims= -----------------------------------------------------------------

def _is_int(v):
    return isinstance(v, (numbers.Integral, np.integer)) and not isinstance(v, bool)


def _normalize_axes(axes, axis, keepdims, ins, outs):
    """Each input's and each output's axes of its core dimensions (tuples of
    ints, negative or not), as NumPy's gufuncs read axes=, axis= and keepdims=;
    the messages are Dask's."""
    nin, nout = len(ins), len(outs)
    if axes is not None and axis is not None:
        raise ValueError("Only one of `axis` or `axes` keyword arguments should be given")
    if axes is not None and not isinstance(axes, list):
        raise ValueError("`axes` has to be of type list")
    with_core = [cd for cd in ins if cd]
    outs_with_core = sum(1 for cd in outs if cd)
    if keepdims:
        if outs_with_core:
            raise ValueError("`keepdims` can only be used for scalar outputs")
        if not with_core:
            raise ValueError("`keepdims` needs an input with core dimensions: none has one "
                             "to keep")
        outs = [with_core[0]] * nout   # where the kept axes go: as the inputs'
    if axis is not None:
        if not _is_int(axis):
            raise ValueError("`axis` argument has to be an integer value")
        for cd in with_core:
            if len(cd) != 1:
                raise ValueError("`axis` can be used only, if one core dimension is present")
            if cd != with_core[0]:
                raise ValueError("To use `axis`, all core dimensions have to be equal")
    core = list(ins) + list(outs)
    if axes is None:
        if axis is not None:
            axes = [(int(axis),) if cd else () for cd in core]
        else:
            axes = [tuple(range(-len(cd), 0)) for cd in core]
    axes = [(a,) if _is_int(a) else tuple(a) for a in axes]
    for a in axes:
        if not all(_is_int(v) for v in a):
            raise ValueError("`axes`: each entry must be an integer or a tuple of integers, "
                             "not %r" % (a,))
    if len(axes) != nin + nout and (outs_with_core or len(axes) != nin):
        raise ValueError("The number of `axes` entries is not equal the number of input and "
                         "output arguments")
    in_axes = axes[:nin]
    out_axes = axes[nin:] or [tuple(range(-len(cd), 0)) for cd in outs]
    for k, (ax, cd) in enumerate(zip(in_axes, ins)):
        if len(ax) != len(cd):
            raise ValueError("The number of `axes` entries for argument #%d is not equal the "
                             "number of respective input core dimensions in signature" % k)
    if keepdims:
        if any(cd != ins[0] for cd in ins):
            raise ValueError("To use `keepdims`, all core dimensions have to be equal")
        out_axes = [in_axes[0]] * nout
    else:
        for k, (ax, cd) in enumerate(zip(out_axes, outs)):
            if len(ax) != len(cd):
                raise ValueError("The number of `axes` entries for argument #%d is not equal "
                                 "the number of respective output core dimensions in "
                                 "signature" % k)
    return in_axes, out_axes


def _axes_in(ax, ndim, what):
    """ax (ints) as non-negative axes of an array of ndim dimensions."""
    out = []
    for a in ax:
        if not -ndim <= a < ndim:
            raise np.AxisError(int(a), ndim, what)
        out.append(int(a) % ndim)
    if len(set(out)) != len(out):
        raise ValueError("%s: the axes %r name one axis twice" % (what, tuple(ax)))
    return out


# --- output dtypes ---------------------------------------------------------------------------

def _infer_dtypes(func, args, kwargs, nout):
    """The dtype of each output of func on one-element arrays of the inputs'
    dtypes (Dask's apply_infer_dtype), or ValueError saying to give
    output_dtypes=."""
    o = _probe_call(func, args, kwargs, "apply_gufunc", "output_dtypes")

    def dt(v):
        d = getattr(v, "dtype", None)
        return np.result_type(v) if d is None else d
    if nout is None:
        return dt(o)
    if not isinstance(o, (tuple, list)) or len(o) != nout:
        raise ValueError("apply_gufunc: the signature has %d outputs, but func returned %s "
                         "(on one-element arrays, to find the dtypes); give output_dtypes= or "
                         "have it return a tuple of %d arrays"
                         % (nout, "a %s" % type(o).__name__ if not isinstance(o, (tuple, list))
                            else "%d values" % len(o), nout))
    return tuple(dt(v) for v in o)


def _output_dtypes(func, signature, args, kwargs, nout, output_dtypes, meta, vectorize):
    """The outputs' dtypes, a list, from meta= or output_dtypes= or func."""
    if meta is not None and output_dtypes is not None:
        raise ValueError("Only one of `meta` and `output_dtypes` should be given (`meta` is "
                         "preferred).")
    given = meta if meta is not None else output_dtypes
    what = "`output_dtypes`/`meta`"
    if given is None:
        f = np.vectorize(func, signature=signature) if vectorize else func
        given = _infer_dtypes(f, args, kwargs, nout)
    if nout is None:
        if isinstance(given, (tuple, list)):
            if len(given) != 1:
                raise ValueError("For a function with one output, must give a single item for "
                                 "%s, not a tuple or list." % what)
            given = given[0]
        given = [given]
    else:
        if not isinstance(given, (tuple, list)):
            raise ValueError("For a function with %d outputs, must give a tuple or list for "
                             "%s, not a single item." % (nout, what))
        if len(given) != nout:
            raise ValueError("For a function with %d outputs, must give a tuple or list of %d "
                             "items for %s, not %d." % (nout, nout, what, len(given)))
    if meta is not None:
        for m in given:
            if not hasattr(m, "dtype"):
                raise TypeError("apply_gufunc: meta= must hold arrays (their dtypes are the "
                                "outputs'), not %s" % type(m).__name__)
        given = [m.dtype for m in given]
    return [_dtype(d, "apply_gufunc") for d in given]


# --- what the tasks run ----------------------------------------------------------------------

def _call(func, vectorize, dtypes, kwargs, blocks):
    if vectorize is not None:
        func = np.vectorize(func, signature=vectorize, otypes=list(dtypes))
    return func(*blocks, **kwargs)


def _output(func, o, k, dt):
    """func's output k as an array of dtype dt (whatever its byte order), or
    TypeError naming both dtypes."""
    o = np.asarray(o)
    if o.dtype != dt:
        if o.dtype.kind != dt.kind or o.dtype.itemsize != dt.itemsize:
            raise TypeError("apply_gufunc: %s returned a %s block for output %d, which is %s "
                            "(give the dtypes its blocks have: output_dtypes=)"
                            % (funcname(func), o.dtype, k, dt))
        o = o.astype(dt)
    return o


def _gufunc_block(func, vectorize, dtypes, kwargs, *blocks):
    """func on the blocks, one output (the block of the blockwise layer)."""
    return _output(func, _call(func, vectorize, dtypes, kwargs, blocks), 0, dtypes[0])


def _gufunc_packed(func, vectorize, dtypes, kwargs, ncores, out_cores, *blocks):
    """func on the blocks, several outputs: their values side by side as bytes,
    along a last axis, after the loop dimensions."""
    res = _call(func, vectorize, dtypes, kwargs, blocks)
    name = funcname(func)
    if not isinstance(res, (tuple, list)) or len(res) != len(dtypes):
        raise ValueError("apply_gufunc: %s returned %s where the signature has %d outputs"
                         % (name, "a %s" % type(res).__name__ if not isinstance(res, (tuple, list))
                            else "%d values" % len(res), len(dtypes)))
    loop = np.broadcast_shapes(*[b.shape[:b.ndim - n] for b, n in zip(blocks, ncores)])
    parts = []
    for k, (o, dt, core) in enumerate(zip(res, dtypes, out_cores)):
        o = _output(func, o, k, dt)
        if o.shape != loop + core:
            raise ValueError("apply_gufunc: %s returned a block of shape %s for output %d, "
                             "where its loop dimensions %s and core dimensions %s make it %s"
                             % (name, o.shape, k, loop, core, loop + core))
        size = int(np.prod(core, dtype=np.int64))   # not -1: a loop dimension may be empty
        parts.append(np.ascontiguousarray(o).reshape(loop + (size,)).view(np.uint8))
    return np.concatenate(parts, axis=-1)


def _gufunc_same(block):
    """The blockwise layer's block is the output's, as it is."""
    return block


def _gufunc_unpack(offset, nbytes, dtype, core, block):
    """One output's block from the packed bytes of several."""
    loop = block.shape[:-1]
    part = np.ascontiguousarray(block[..., offset:offset + nbytes])
    return part.view(dtype).reshape(loop + core)


# --- apply_gufunc ----------------------------------------------------------------------------

def apply_gufunc(func, signature, *args, axes=None, axis=None, keepdims=False,
                 output_dtypes=None, output_sizes=None, vectorize=None, allow_rechunk=False,
                 meta=None, **kwargs):
    """func, a generalized ufunc or a function that acts as one, on dusk arrays,
    as dask.array.apply_gufunc: signature ("(i,j),(j,k)->(i,k)", "(i)->(),()")
    names the core dimensions func consumes and makes; the other (loop)
    dimensions of the arguments broadcast against each other, and func runs on
    each block of them, with the core dimensions whole (each must be in one
    chunk, unless allow_rechunk=True). axes=/axis=/keepdims= as NumPy's gufuncs;
    output_dtypes (one, or one per output) found by calling func on
    one-element arrays when not given (or meta=); output_sizes={name: size}
    for the outputs' core dimensions that no input has; vectorize=True
    wraps func in np.vectorize with the signature; kwargs go to func. One
    output is a dusk array, several a tuple of them."""
    if not callable(func):
        raise TypeError("apply_gufunc: func must be callable, not %s" % type(func).__name__)
    ins, outs, nout = _parse_signature(signature)
    signature = re.sub(r"\s+", "", signature)
    for k, v in kwargs.items():
        if isinstance(v, Array):
            raise TypeError("apply_gufunc: the keyword argument %s is a dusk array; dusk gives "
                            "func arrays' blocks only as positional arguments" % k)
    # the arguments counted before func is called on them to find the dtypes
    # (Dask counts them after)
    if len(ins) != len(args):
        raise ValueError("According to `signature`, `func` requires %d arguments, but %s given"
                         % (len(ins), len(args)))
    if not args:
        raise ValueError("apply_gufunc: the signature %r takes no argument; dusk applies func "
                         "over the blocks of at least one array" % signature)
    if len(args) > 16:
        raise ValueError("apply_gufunc: %d arguments; dusk takes at most 16" % len(args))
    dtypes = _output_dtypes(func, signature, args, kwargs, nout, output_dtypes, meta, vectorize)
    output_sizes = dict(output_sizes or {})
    for name, size in output_sizes.items():
        if isinstance(size, (bool, np.bool_)) or not isinstance(size, (numbers.Integral,
                                                                      np.integer)) or size < 0:
            raise ValueError("apply_gufunc: output_sizes gives the core dimension '%s' the size "
                             "%r: a size is an int of 0 or more" % (name, size))
    in_axes, out_axes = _normalize_axes(axes, axis, keepdims, ins, outs)

    # the arguments, their core dimensions last
    arrays = []
    for k, (a, ax, cd) in enumerate(zip(args, in_axes, ins)):
        a = _as_array(a)
        if a.ndim < len(cd):
            raise ValueError("apply_gufunc: argument %d has %d dimensions, fewer than its core "
                             "dimensions in the signature, (%s)" % (k, a.ndim, ",".join(cd)))
        core = _axes_in(ax, a.ndim, "apply_gufunc: axes of argument %d" % k)
        loop = [d for d in range(a.ndim) if d not in core]
        if loop + core != list(range(a.ndim)):
            a = a.transpose(tuple(loop + core))
        arrays.append(a)

    # every dimension's length, and its chunks
    nloops = [a.ndim - len(cd) for a, cd in zip(arrays, ins)]
    nloop = max(nloops)
    seen = {}   # dimension -> [(argument, length, chunks)]
    for k, (a, cd, n) in enumerate(zip(arrays, ins, nloops)):
        dims = [("loop", nloop - n + d) for d in range(n)] + [("core", c) for c in cd]
        for dim, length, chunks in zip(dims, a.shape, a.chunks):
            seen.setdefault(dim, []).append((k, length, chunks))
    core_sizes = {}
    for dim, found in seen.items():
        lengths = {length for _, length, _ in found}
        label = "'__loopdim%d__'" % dim[1] if dim[0] == "loop" else "'%s'" % dim[1]
        which = ", ".join("%d (argument %d)" % (length, k) for k, length, _ in found)
        if dim[0] == "core":
            if len(lengths) > 1:   # NumPy's rule: core dimensions do not broadcast
                raise ValueError("Dimension `%s` with different lengths in arrays: the core "
                                 "dimension has the lengths %s" % (label, which))
            core_sizes[dim[1]] = lengths.pop()
        elif lengths | {1} != {1, max(lengths)}:
            raise ValueError("Dimension `%s` with different lengths in arrays: the loop "
                             "dimension %d (from the end: %d) has the lengths %s, which do not "
                             "broadcast" % (label, dim[1], nloop - dim[1], which))
        if allow_rechunk:
            continue
        if dim[0] == "core":
            for k, length, chunks in found:
                if len(chunks) > 1:
                    raise ValueError(
                        "Core dimension `%s` consists of multiple chunks. To fix, rechunk into "
                        "a single chunk along this dimension or set `allow_rechunk=True`, but "
                        "beware that this may increase memory usage significantly. (argument "
                        "%d has the chunks %s there)" % (label, k, chunks))
        else:
            distinct = {chunks for _, length, chunks in found if length > 1}
            if len(distinct) > 1:
                raise ValueError("Dimension `%s` with different chunksize present: the loop "
                                 "dimension has the chunks %s"
                                 % (label, ", ".join("%s (argument %d)" % (chunks, k)
                                                     for k, length, chunks in found
                                                     if length > 1)))
    for name, size in output_sizes.items():
        if name in core_sizes and core_sizes[name] != size:
            raise ValueError("apply_gufunc: output_sizes gives the core dimension '%s' the size "
                             "%r, where the inputs have it %d long" % (name, size, core_sizes[name]))
    sizes = dict(output_sizes, **core_sizes)
    for cd in outs:
        for c in cd:
            if c not in sizes:
                raise ValueError("apply_gufunc: the output core dimension '%s' is in no input: "
                                 "give its size, output_sizes={'%s': n}" % (c, c))
    out_cores = [tuple(int(sizes[c]) for c in cd) for cd in outs]

    # the blockwise layer: loop dimensions out, each argument's core
    # dimensions contracted (concatenated whole); a name repeated within one
    # argument, as (m,m), is two dimensions to blockwise
    loop_ind = tuple(("loop", d) for d in range(nloop))
    pairs = []
    for k, (a, cd, n) in enumerate(zip(arrays, ins, nloops)):
        ind = [("loop", nloop - n + d) for d in range(n)]
        for p, c in enumerate(cd):
            ind.append(("core", c) if c not in cd[:p] else ("again", k, p))
        pairs += [a, tuple(ind)]
    vsig = signature if vectorize else None
    name = funcname(np.vectorize(func) if vectorize else func)
    dts = tuple(dtypes)
    kw = dict(kwargs)
    def output_ind(cd):
        return tuple(("out", c) if c not in cd[:p] else ("out again", p) for p, c in enumerate(cd))
    if nout is None:
        out_ind = output_ind(outs[0])
        tmp = blockwise(functools.partial(_gufunc_block, func, vsig, dts, kw),
                        loop_ind + out_ind, *pairs, dtype=dts[0], concatenate=True,
                        new_axes=dict(zip(out_ind, out_cores[0])), token=name)
        leaves = [blockwise(_gufunc_same, loop_ind + out_ind, tmp, loop_ind + out_ind,
                            dtype=dts[0], token="%s_0" % name)]
    else:
        nbytes = [int(np.prod(core, dtype=np.int64)) * dt.itemsize
                  for core, dt in zip(out_cores, dts)]
        packed = ("bytes",)
        tmp = blockwise(functools.partial(_gufunc_packed, func, vsig, dts, kw,
                                          tuple(len(cd) for cd in ins), tuple(out_cores)),
                        loop_ind + packed, *pairs, dtype=np.uint8, concatenate=True,
                        new_axes={packed[0]: sum(nbytes)}, token=name)
        leaves, offset = [], 0
        for k, (cd, core, dt, nb) in enumerate(zip(outs, out_cores, dts, nbytes)):
            out_ind = output_ind(cd)
            leaves.append(blockwise(functools.partial(_gufunc_unpack, offset, nb, dt, core),
                                    loop_ind + out_ind, tmp, loop_ind + packed,
                                    dtype=dt, concatenate=True,
                                    new_axes=dict(zip(out_ind, core)), token="%s_%d" % (name, k)))
            offset += nb

    # each output's core dimensions where axes= puts them
    results = []
    for leaf, oax in zip(leaves, out_axes):
        if keepdims:
            leaf = leaf[(slice(None),) * leaf.ndim + (None,) * len(oax)]
        nd = leaf.ndim
        places = _axes_in(oax, nd, "apply_gufunc: axes of an output")
        order = [None] * nd
        for p, src in zip(places, range(nd - len(oax), nd)):
            order[p] = src
        rest = iter(range(nd - len(oax)))
        order = tuple(next(rest) if o is None else o for o in order)
        results.append(leaf.transpose(order))   # Dask transposes even in place
    return tuple(results) if nout else results[0]



# --- gufunc and as_gufunc --------------------------------------------------------------------

class gufunc:
    """func bound into dusk.array.apply_gufunc, as dask.array.gufunc:

        gustats = da.gufunc(stats, signature="(i)->(),()", output_dtypes=(float, float))
        mean, std = gustats(x)

    signature= and the keywords of apply_gufunc (vectorize, axes, axis,
    keepdims, output_sizes, output_dtypes, allow_rechunk, meta) are kept and
    given to every call; a call's own keyword arguments go to func, but for
    allow_rechunk=True, which allows rechunking for that call."""

    def __init__(self, pyfunc, *, signature=None, vectorize=False, axes=None, axis=None,
                 keepdims=False, output_sizes=None, output_dtypes=None, allow_rechunk=False,
                 meta=None):
        if not callable(pyfunc):
            raise TypeError("gufunc: pyfunc must be callable, not %s" % type(pyfunc).__name__)
        self.pyfunc = pyfunc
        self.signature = signature
        self.vectorize = vectorize
        self.axes = axes
        self.axis = axis
        self.keepdims = keepdims
        self.output_sizes = output_sizes
        self.output_dtypes = output_dtypes
        self.allow_rechunk = allow_rechunk
        self.meta = meta
        self.__doc__ = """
        Bound ``dusk.array.gufunc``
        func: ``{func}``
        signature: ``'{signature}'``

        Parameters
        ----------
        *args : NumPy or dusk arrays, or scalars
            The arrays func is applied to. Core dimensions as specified in
            ``signature`` need to come last (unless axes= or axis= say where).
        **kwargs : dict
            Extra keyword arguments to pass to ``func``

        Returns
        -------
        One dusk.array.Array, or a tuple of them
        """.format(func=str(self.pyfunc), signature=self.signature)

    def __call__(self, *args, allow_rechunk=False, **kwargs):
        return apply_gufunc(self.pyfunc, self.signature, *args, vectorize=self.vectorize,
                            axes=self.axes, axis=self.axis, keepdims=self.keepdims,
                            output_sizes=self.output_sizes, output_dtypes=self.output_dtypes,
                            allow_rechunk=self.allow_rechunk or allow_rechunk, meta=self.meta,
                            **kwargs)

    def __repr__(self):
        return "<dusk.array.gufunc %s, signature %r>" % (funcname(self.pyfunc), self.signature)


def as_gufunc(signature=None, **kwargs):
    """Decorator making a function a dusk.array.gufunc, as dask.array.as_gufunc:

        @da.as_gufunc("(i)->(),()", output_dtypes=(float, float))
        def stats(x):
            return np.mean(x, axis=-1), np.std(x, axis=-1)

    kwargs: apply_gufunc's keywords (vectorize, axes, axis, keepdims,
    output_sizes, output_dtypes, allow_rechunk, meta)."""
    unknown = sorted(set(kwargs) - set(_KEYWORDS))
    if unknown:
        raise TypeError("Unsupported keyword argument(s) provided: %s (as_gufunc takes %s)"
                        % (", ".join(unknown), ", ".join(_KEYWORDS)))

    def _as_gufunc(pyfunc):
        return gufunc(pyfunc, signature=signature, **kwargs)

    _as_gufunc.__doc__ = """
        Decorator to make ``dusk.array.gufunc``
        signature: ``'{signature}'``

        Parameters
        ----------
        pyfunc : callable
            Function matching signature ``'{signature}'``.

        Returns
        -------
        ``dusk.array.gufunc``
        """.format(signature=signature)
    return _as_gufunc
