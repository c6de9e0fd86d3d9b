"""dusk.array: dask.array's interface on libdusk-array (``import dusk.array as da``).

Every operation is one call into dusk's C arrays (include/dusk/array.h), which
build the same layers and task counts as Dask 2022.12; this module only turns
Python's arguments into those calls. Arrays are lazy: ``compute()`` runs the
graph on dusk's scheduler and returns a NumPy array that shares the memory dusk
computed into.

    x = da.ones((15, 15), chunks=(5, 5))
    (x + x.T).visualize(filename="transpose.svg")
    x_da = da.from_array(h5py_file["/data_set_1"], chunks=(500, 500))
    (x_da - x_da.mean(axis=0)).compute()

HDF5 datasets given by h5py are read by dusk's own libhdf5, from the dataset's
file name and path, chunk by chunk, not through h5py's handle.
"""
import builtins
import errno
import fcntl
import numbers
import operator
import os
import sys as _sys
import threading
import uuid
import warnings
import weakref

import numpy as np

from . import _dusk

__all__ = [
    "Array", "ones", "zeros", "empty", "full", "arange", "linspace", "from_array", "from_hdf5",
    "asarray", "random", "exp", "log", "sqrt", "sin", "cos", "absolute", "abs", "negative",
    "invert", "bitwise_not", "floor_divide", "remainder", "mod", "bitwise_and", "bitwise_or",
    "bitwise_xor", "maximum", "minimum", "fix", "floor", "ceil", "trunc", "rint", "isnan",
    "isinf", "isfinite", "square", "sign", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh",
    "tanh", "log10", "log2", "log1p", "expm1",
    "dot", "matmul", "tensordot", "concatenate", "stack", "transpose", "sum", "prod",
    "mean", "std", "var", "min", "max", "any", "all", "squeeze", "rechunk", "store",
    "to_hdf5", "compute", "linalg", "argmax", "argmin", "nanargmax", "nanargmin", "cumsum",
    "cumprod", "where", "reshape", "ravel",
    # NumPy's elementwise functions dask.array has (array/ufunc.c, nd.c)
    "arctan2", "hypot", "copysign", "nextafter", "logaddexp", "logaddexp2", "fmod", "fmax",
    "fmin", "float_power", "logical_and", "logical_or", "logical_xor", "add", "subtract",
    "multiply", "divide", "true_divide", "power", "equal", "not_equal", "less", "less_equal",
    "greater", "greater_equal", "logical_not", "positive", "reciprocal", "cbrt", "exp2", "fabs",
    "deg2rad", "rad2deg", "degrees", "radians", "arcsinh", "arccosh", "arctanh", "signbit",
    "sinc", "isneginf", "isposinf", "clip", "round", "around", "isclose", "allclose",
    "nan_to_num",
]

_BINOPS = {"add": 0, "sub": 1, "mul": 2, "truediv": 3, "pow": 4,
           "lt": 5, "le": 6, "gt": 7, "ge": 8, "eq": 9, "ne": 10,
           "floordiv": 11, "mod": 12, "and_": 13, "or_": 14, "xor": 15,
           "maximum": 16, "minimum": 17,
           "arctan2": 18, "hypot": 19, "copysign": 20, "nextafter": 21, "logaddexp": 22,
           "logaddexp2": 23, "fmod": 24, "fmax": 25, "fmin": 26, "float_power": 27,
           "logical_and": 28, "logical_or": 29, "logical_xor": 30, "subtract": 31,
           "multiply": 32, "divide": 33, "power": 34, "equal": 35, "not_equal": 36, "less": 37,
           "less_equal": 38, "greater": 39, "greater_equal": 40}
_UNOPS = {"neg": 0, "abs": 1, "exp": 2, "log": 3, "sqrt": 4, "sin": 5, "cos": 6,
          "real": 7, "imag": 8, "conj": 9, "invert": 10, "floor": 11, "ceil": 12, "trunc": 13,
          "rint": 14, "isnan": 15, "isinf": 16, "isfinite": 17, "square": 18, "sign": 19,
          "tan": 20, "arcsin": 21, "arccos": 22, "arctan": 23, "sinh": 24, "cosh": 25,
          "tanh": 26, "log10": 27, "log2": 28, "log1p": 29, "expm1": 30,
          "logical_not": 31, "positive": 32, "reciprocal": 33, "cbrt": 34, "exp2": 35,
          "fabs": 36, "deg2rad": 37, "rad2deg": 38, "degrees": 39, "radians": 40,
          "arcsinh": 41, "arccosh": 42, "arctanh": 43, "signbit": 44, "sinc": 45}
# NumPy's ufuncs of one array that dusk has under their own names
_MORE_UNARY = ("floor", "ceil", "trunc", "rint", "isnan", "isinf", "isfinite", "square", "sign",
               "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "log10", "log2",
               "log1p", "expm1", "logical_not", "positive", "reciprocal", "cbrt", "exp2",
               "fabs", "deg2rad", "rad2deg", "degrees", "radians", "arcsinh", "arccosh",
               "arctanh", "signbit", "sinc")
# NumPy's ufuncs of two arrays that dusk has under their own names (the
# operators' function names among them: their layers are named so)
_MORE_BINARY = ("arctan2", "hypot", "copysign", "nextafter", "logaddexp", "logaddexp2", "fmod",
                "fmax", "fmin", "float_power", "logical_and", "logical_or", "logical_xor",
                "subtract", "multiply", "divide", "power", "equal", "not_equal", "less",
                "less_equal", "greater", "greater_equal")
# The operations NumPy has no loop of for some dtypes: asked of NumPy first
_UFUNC_OF = {"and_", "or_", "xor", "floordiv", "mod", "invert", "floor", "ceil", "trunc",
             "sign", "arctan2", "hypot", "copysign", "nextafter", "logaddexp", "logaddexp2",
             "fmod", "positive", "cbrt", "fabs", "deg2rad", "rad2deg", "degrees", "radians",
             "signbit", "subtract"}
_REDUCTIONS = {"sum": 0, "prod": 1, "mean": 2, "std": 3, "var": 4,
               "min": 5, "max": 6, "any": 7, "all": 8}
# the nan- forms (dusk_reduction's DUSK_RED_NANSUM ...)
_REDUCTIONS.update({"nansum": 9, "nanprod": 10, "nanmean": 11, "nanstd": 12, "nanvar": 13,
                    "nanmin": 14, "nanmax": 15})
_ARG_REDUCTIONS = {"argmax": 0, "argmin": 1, "nanargmax": 2, "nanargmin": 3}


def _chunks_text(chunks, ndim=None, old=None):
    """Dask's chunks argument as the text libdusk-array reads. A dict {axis:
    chunks} needs the number of axes, ndim: an axis it leaves out is whole, or
    keeps its old chunks (rechunk's), as Dask's."""
    if chunks is None or (isinstance(chunks, str) and chunks == "auto"):
        return "auto"
    if isinstance(chunks, str):
        return chunks
    if isinstance(chunks, (numbers.Integral, np.integer)) and not isinstance(chunks, bool):
        return str(int(chunks))
    if isinstance(chunks, dict):
        if ndim is None:
            raise TypeError("chunks as a dict {axis: chunks} need the array's shape: give a tuple")
        by_axis = {}
        for k, v in chunks.items():
            if not isinstance(k, (numbers.Integral, np.integer)) or isinstance(k, bool) \
                    or not -ndim <= k < ndim:
                raise ValueError("chunks: axis %r is out of range for %d dimensions" % (k, ndim))
            by_axis[int(k) % ndim] = v
        chunks = tuple(by_axis.get(i, None if old is None else old[i]) for i in range(ndim))
    if isinstance(chunks, (tuple, list)):
        parts = []
        for c in chunks:
            if c is None:
                parts.append("-1")
            elif isinstance(c, str) and c == "auto":
                parts.append("auto")   # libdusk-array sizes that axis
            elif isinstance(c, (tuple, list)):
                parts.append("(" + ", ".join(str(int(v)) for v in c) + ("," if len(c) == 1 else "") + ")")
            elif isinstance(c, (numbers.Integral, np.integer)) and not isinstance(c, bool):
                parts.append(str(int(c)))
            else:
                raise TypeError("chunks must hold ints, -1, None or tuples of ints, not %r" % (c,))
        return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"
    raise TypeError("chunks must be 'auto', an int or a tuple, not %s" % type(chunks).__name__)


def _dtype_name(dtype):
    if dtype is None:
        return None
    dt = np.dtype(dtype)
    if dt.kind not in "biufc":
        # strings and bytes as NumPy writes them ('<U3': the name, 'str96', means little)
        raise TypeError("dusk arrays have no dtype '%s' (%s): they hold numbers and bools"
                        % (dt.str if dt.kind in "USV" else dt.name,
                           {"U": "strings", "S": "bytes", "O": "objects", "M": "dates",
                            "m": "time spans", "V": "records"}.get(dt.kind, "other values")))
    return dt.name


def _shape(shape):
    if isinstance(shape, (numbers.Integral, np.integer)):
        return (int(shape),)
    if not isinstance(shape, (tuple, list)) or not builtins.all(
            isinstance(s, (numbers.Integral, np.integer)) for s in shape):
        raise TypeError("shape must be an int or a tuple of ints, not %r" % (shape,))
    return tuple(int(s) for s in shape)


def _format_bytes(n):
    for unit, k in (("PiB", 2**50), ("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("kiB", 2**10)):
        if n >= k * 0.9:
            return "%.2f %s" % (n / k, unit)
    return "%d B" % n


# --- contexts ---------------------------------------------------------------------------------
# libdusk-array frees arrays only with their context, which every array alive
# shares (python/array.c). So that a long-lived array does not keep every array
# made since, each array keeps its recipe (the call that made it, with its
# inputs' recipes): when the context holds many more arrays than are alive,
# the live ones are made again in a fresh context and the old one goes.
_live = weakref.WeakSet()
_COMPACT_MIN = 1024


def _recipe_of(a):
    if isinstance(a, Array):
        return a._recipe
    if isinstance(a, list) and a and isinstance(a[0], Array):
        return [x._recipe for x in a]
    return a


# Making an array and compacting are one step for other threads: between
# _new_context and the last _rebind, another thread's array would land in a
# context the others are leaving.
_lock = threading.RLock()


class _Locked:
    """`with _locked:` takes _lock, unless this thread runs a function of
    map_blocks (blockwise, map_overlap, reduction) on a block: the compute
    that runs it holds the lock until its run ends, so waiting for it there
    would wait for good. That is an error, which says what to do instead."""
    __slots__ = ()

    def __enter__(self):
        if _dusk._in_block_task():
            raise RuntimeError(
                "a function that dusk runs on blocks (map_blocks, blockwise, map_overlap, "
                "reduction) cannot build or compute dusk arrays: the compute that runs it "
                "holds them until it ends. Compute what the function needs first "
                "(m = x.mean().compute()) and give it that value")
        _lock.acquire()

    def __exit__(self, *exc):
        _lock.release()


_locked = _Locked()


def _apply(name, *args):
    """Array.<name>(*args), remembered as the result's recipe."""
    with _locked:
        r = getattr(Array, name)(*args)
        if args and r is args[0]:
            return r
        r._recipe = _Recipe((name, tuple(_recipe_of(a) for a in args)))
        _live.add(r)
        made = r._context_made()
        if made > _compact_at and made > 8 * len(_live):
            _compact(made)
        return r


def _apply_parts(name, *args):
    """Array.<name>(*args) for a call that makes several arrays (linalg's
    factors, a tuple): each remembers the call and its place in it, so that
    compaction makes the call again once for all of them."""
    with _locked:
        parts = getattr(Array, name)(*args)
        call = _Recipe((name, tuple(_recipe_of(a) for a in args)))
        for i, r in enumerate(parts):
            r._recipe = _Recipe(("_part", (call, i)))
            _live.add(r)
        made = parts[0]._context_made()
        if made > _compact_at and made > 8 * len(_live):
            _compact(made)
        return parts


def _no_out(out):
    if out is not None:
        raise TypeError("dusk arrays are lazy: out= must be None")


# NumPy's ufuncs that dusk arrays have, by the name of dusk's operation.
_UFUNC_UNARY = {"exp": "exp", "log": "log", "sqrt": "sqrt", "sin": "sin", "cos": "cos",
                "absolute": "abs", "negative": "neg", "invert": "invert",
                **{name: name for name in _MORE_UNARY}}
_UFUNC_BINARY = {"add": "add", "true_divide": "divide",
                 "floor_divide": "floordiv", "remainder": "mod", "bitwise_and": "and_",
                 "bitwise_or": "or_", "bitwise_xor": "xor", "maximum": "maximum",
                 "minimum": "minimum", **{name: name for name in _MORE_BINARY}}


class _Recipe(tuple):
    __slots__ = ()


# The context is compacted once it has made more than this many arrays (and
# 8 times as many as are alive); after each attempt, twice what the fresh
# context then holds: one live array may need its whole ancestry (x = x + 1
# in a loop), and compacting it again at every step would be quadratic.
_compact_at = _COMPACT_MIN


def _recipe_inputs(args):
    for a in args:
        if isinstance(a, _Recipe):
            yield a
        elif isinstance(a, list) and a and isinstance(a[0], _Recipe):
            yield from a


def _replay(roots):
    """The arrays of recipes roots, made again in the live context: inputs
    first, each once, without recursion (a chain may be thousands long)."""
    memo = {}   # id(recipe) -> (array, recipe), the recipe kept for its id
    out = []
    for root in roots:
        stack = [(root, False)]
        while stack:
            rec, ready = stack.pop()
            if id(rec) in memo:
                continue
            name, args = rec
            if not ready:
                stack.append((rec, True))
                stack.extend((a, False) for a in _recipe_inputs(args) if id(a) not in memo)
                continue
            real = []
            for a in args:
                if isinstance(a, _Recipe):
                    a = memo[id(a)][0]
                elif isinstance(a, list) and a and isinstance(a[0], _Recipe):
                    a = [memo[id(x)][0] for x in a]
                real.append(a)
            memo[id(rec)] = (getattr(Array, name)(*real), rec)
        out.append(memo[id(root)][0])
    return out


def _from_recipe(recipe):
    """The array a recipe makes, in the live context (pickle's loads)."""
    with _locked:
        r = _replay([recipe])[0]
        r._recipe = recipe
        _live.add(r)
        return r


def _compact(made):
    global _compact_at
    arrays = list(_live)
    old = arrays[0] if arrays else None
    _dusk.Array._new_context()
    try:
        fresh = _replay([a._recipe for a in arrays])
    except Exception:
        # An input went away (a file removed): keep the old context, and
        # try again only once it has doubled.
        if old is not None:
            old._use_context()
        _compact_at = builtins.max(_COMPACT_MIN, 2 * made)
        return
    for a, f in zip(arrays, fresh):
        a._rebind(f)
    _compact_at = builtins.max(_COMPACT_MIN, 2 * (fresh[0]._context_made() if fresh else 0))


# The end of Dask's messages for arrays of unknown chunk sizes (len(x), ...)
_UNKNOWN_CHUNK_MESSAGE = (
    "\n\nA possible solution: https://docs.dask.org/en/latest/array-chunks.html#unknown-chunks"
    "\nSummary: to compute chunks sizes, use\n\n"
    "   x.compute_chunk_sizes()  # for Dask Array `x`\n"
    "   ddf.to_dask_array(lengths=True)  # for Dask DataFrame `ddf`")

# NumPy's functions whose __name__ is not the name np.<name> gives them
# (np.max is amax in NumPy 1.x): dusk's function of the public name serves them
_NUMPY_ALIASES = {"amax": "max", "amin": "min", "round_": "round", "product": "prod",
                  "cumproduct": "cumprod", "sometrue": "any", "alltrue": "all"}


class Array(_dusk.Array):
    """A lazy chunked array: a grid of NumPy blocks and the task graph that makes them."""

    def _array_function(self, func, types, args, kwargs):
        """np.where(c, x, y), np.nansum(x), np.concatenate([x, y]) ...: dusk.array's
        function of the same name, lazily, as Dask dispatches (NEP 18); one dusk
        does not have computes its dusk arguments and calls NumPy's, with Dask's
        FutureWarning. Installed as __array_function__ below."""
        if not builtins.all(issubclass(Array, t) or issubclass(t, np.ndarray) for t in types):
            return NotImplemented
        module = _sys.modules[__name__]
        for sub in func.__module__.split(".")[1:]:
            module = getattr(module, sub, None)
            if module is None:
                break
        name = _NUMPY_ALIASES.get(func.__name__, func.__name__)
        ours = getattr(module, name, None) if module is not None else None
        if ours is None or ours is func or not callable(ours):
            warnings.warn("The `%s.%s` function is not implemented by dusk array. You may "
                          "want to use the da.map_blocks function or something similar to "
                          "silence this warning. Your code may stop working in a future "
                          "release." % (func.__module__, func.__name__), FutureWarning,
                          stacklevel=3)
            args, kwargs = _computed((args, kwargs))
            return func(*args, **kwargs)
        return ours(*args, **kwargs)

    class _NotToDask:
        """__array_function__ for NumPy's calls from everywhere but Dask's own
        code. dask.array.from_array(x) of a dusk array keeps dusk arrays as its
        blocks, and its concatenate3 and reductions call np.concatenate and
        the like on them: dispatched here, they made Dask's results lazy dusk
        arrays (y.sum().compute() no number). To Dask's code a dusk array is
        then what it was before dusk had __array_function__, an array NumPy
        computes through __array__. The lookup walks up past NumPy's frames
        to the code that called it (a few microseconds, on dusk arrays only)."""

        def __init__(self, f):
            self.f = f

        def __get__(self, obj, owner=None):
            f = _sys._getframe(1)
            while f is not None and f.f_globals.get("__name__", "").startswith("numpy"):
                f = f.f_back
            if f is not None and f.f_globals.get("__name__", "").startswith("dask."):
                raise AttributeError("__array_function__")
            return self.f if obj is None else self.f.__get__(obj, owner)

    @property
    def blocks(self):
        """Dask's block view: x.blocks[i, j] is the array of those blocks (an int
        keeps its axis), with slices, ... and one list of ints; .shape, .size
        and .ravel() as the grid of blocks."""
        return _BlockView(self)

    def persist(self, **kwargs):
        """The array computed now and held in memory, with the same chunks (as
        Dask's persist, though its name is new: a from_array of the values)."""
        self._known_chunks("persist")
        return from_array(self.compute(**kwargs), chunks=self.chunks)

    def _known_chunks(self, what, axes=None):
        """ValueError, as Dask's, for what a Python function builds from x's
        chunk sizes when they are unknown (x[x > 0]'s): of any axis, or of
        one of axes when given."""
        if self._unknown_chunks and (axes is None or builtins.any(
                self.shape[ax] != self.shape[ax] for ax in axes)):
            raise ValueError("%s: array chunk sizes are unknown: shape %s; call "
                             "x.compute_chunk_sizes() first%s"
                             % (what, self.shape, _UNKNOWN_CHUNK_MESSAGE))

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        """np.exp(x), np.add(a, x) ...: the ufuncs dusk has, as dusk arrays;
        NumPy's operators with an ndarray on the left come here too."""
        if method != "__call__" or kwargs.get("out") is not None or set(kwargs) - {"out"}:
            return NotImplemented
        if ufunc.__name__ == "matmul" and len(inputs) == 2:
            return _bool_product(_as_array(inputs[0]), "matmul", _as_array(inputs[1]))
        if ufunc.__name__ in _UFUNC_UNARY and len(inputs) == 1:
            return self._unary(_UFUNC_UNARY[ufunc.__name__])
        if ufunc.__name__ in _UFUNC_BINARY and len(inputs) == 2:
            a, b = inputs
            name = _UFUNC_BINARY[ufunc.__name__]
            return a._op(b, name) if isinstance(a, Array) else b._op(a, name, True)
        f = _UFUNC_PYTHON.get(ufunc.__name__)
        if f is not None and len(inputs) == ufunc.nin:
            return f(*inputs)
        return NotImplemented

    def __float__(self):
        return float(self.compute())

    def __int__(self):
        return int(self.compute())

    def __complex__(self):
        return complex(self.compute())
    __array_priority__ = 20

    @staticmethod
    def _part(parts, i):
        """Array i of a call that made several (_apply_parts's recipes)."""
        return parts[i]

    # --- description -----------------------------------------------------------------
    @property
    def dtype(self):
        return np.dtype(self._dtype_name)

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def size(self):
        # nan when a length is known only once computed (x[x > 0]), as Dask's
        if self._unknown_chunks:
            return np.nan
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def itemsize(self):
        return self.dtype.itemsize

    @property
    def nbytes(self):
        return self.size * self.itemsize

    @property
    def chunksize(self):
        return tuple(builtins.max(c) if c else 0 for c in self.chunks)

    @property
    def T(self):
        return _apply("_transpose", self)

    def __len__(self):
        if not self.shape:
            raise TypeError("len() of unsized object")
        if self._unknown_chunks and self.shape[0] != self.shape[0]:
            # Dask's ValueError and message
            raise ValueError("Cannot call len() on object with unknown chunk size." +
                             _UNKNOWN_CHUNK_MESSAGE)
        return self.shape[0]

    def __iter__(self):
        # As Dask's: the rows, lazily (a 0-d array is TypeError, as NumPy's)
        if not self.shape:
            raise TypeError("iteration over a 0-d array")
        for i in range(len(self)):
            yield self[i]

    def compute_chunk_sizes(self):
        """Dask's x.compute_chunk_sizes(): computes the blocks' sizes (x[x > 0]'s,
        known only once computed) and makes them x's chunks, in place; returns x.
        The blocks are computed and dropped as their shapes are read."""
        with _locked:
            if not self._unknown_chunks:
                return self
            r = self._compute_chunk_sizes()
            self._rebind(r)
            # made again (compaction, pickle) by computing the sizes again
            self._recipe = _Recipe(("_compute_chunk_sizes", (self._recipe,)))
        return self

    def __dask_graph_size__(self):
        return self._ntasks

    def __repr__(self):
        # Dask's: the name without its last '-' part (the token, or a
        # suffix after it: tsqr's Q is 'dot-<token>' there, from 'dot-<token>-q3')
        op = self.name.rsplit("-", 1)[0]
        return "dusk.array<%s, shape=%s, dtype=%s, chunksize=%s, chunktype=numpy.ndarray>" % (
            op, self.shape, self.dtype, self.chunksize)

    def _repr_html_(self):
        """Dask's table (Bytes, Shape, Count, Type), as dusk_array_describe writes it,
        and beside it the picture of the chunks (to_svg), as Dask shows them."""
        lines = self._describe().rstrip("\n").split("\n")
        col = lines[0].index("Chunk")
        rows = []
        for line in lines[1:]:
            label, left, right = line[:9].strip(), line[9:col].strip(), line[col:].strip()
            rows.append("<tr><th> %s </th><td> %s </td><td> %s </td></tr>" % (label, left, right))
        table = ("<table><thead><tr><td> </td><th> Array </th><th> Chunk </th></tr></thead>"
                 "<tbody>%s</tbody></table>" % "".join(rows))
        if self.ndim == 0 or self._unknown_chunks or 0 in self.shape:
            return table   # no picture of sizes not yet known, nor of nothing
        return "<table><tr><td>%s</td><td>%s</td></tr></table>" % (table, self._chunks_svg(120))

    def to_svg(self, size=500):
        """The picture of the chunks as SVG text, as Dask's to_svg: the array as a
        bar, a rectangle or a box, a line at each chunk boundary, the lengths along
        the edges (dusk_viz_chunks_svg)."""
        if isinstance(size, (bool, np.bool_)) or not isinstance(size, numbers.Integral) or \
                not 0 < size <= 100000:
            raise ValueError("to_svg: size must be a number of pixels from 1 to 100000, not %r"
                             % (size,))
        return self._chunks_svg(int(size))

    # A dusk array never changes (its values are made when computed), so a
    # copy is the array itself; pickle carries its recipe (the calls that
    # made it, with from_array's private copy of the values), which the
    # loading process makes again (_from_recipe).
    def __copy__(self):
        return self.copy()

    def __deepcopy__(self, memo):
        return self.copy()

    def copy(self):
        """Another array object of the same values, as Dask's copy (no graph of
        its own: the values never change, but x[...] = v changes what the object
        it is done to stands for, and only that one)."""
        with _locked:
            r = self._same()
            r._recipe = self._recipe
            _live.add(r)
            return r

    def __reduce__(self):
        return (_from_recipe, (self._recipe,))

    def describe(self):
        """The same table as text."""
        return self._describe()

    # --- arithmetic -------------------------------------------------------------------
    def _refuse(self, name, other=None):
        if isinstance(other, np.ndarray) and other.ndim == 0:
            other = other[()]   # a 0-d array casts as its scalar does
        # NumPy's TypeError where it has no loop (bitwise operations of
        # floats, uint64 with int64, floor division of complex numbers):
        # asked of NumPy itself, on one element of each dtype
        one = np.ones(1, self.dtype)
        if isinstance(other, Array):
            other = np.ones(1, other.dtype)
        elif isinstance(other, (np.ndarray, list, tuple)):
            other = np.ones(1, np.asarray(other).dtype)
        with np.errstate(all="ignore"):
            if name in _UNOPS:
                getattr(np, name)(one)
            else:
                _NUMPY_ARITH[name](one, other)

    def _unary(self, name):
        if name in _UFUNC_OF:
            self._refuse(name)
        return _apply("_unop", self, _UNOPS[name])

    def _op(self, other, name, reflected=False):
        code = _BINOPS[name]
        if isinstance(other, np.ndarray) and other.ndim == 0:
            other = other[()]   # NumPy casts a 0-d array as its scalar (value-based)
        if name in _UFUNC_OF:
            self._refuse(name, other)
        if isinstance(other, Array):
            return _apply("_binop", other, code, self) if reflected else _apply("_binop", self, code, other)
        s = _scalar(other)
        if s is not None:
            # the scalar with its type, which NumPy 1.x's casting reads
            # with its value (uint8 - 2.0 is float64, bool & True bool):
            # one layer, as Dask's
            return _apply("_binop_scalar", self, code, *s, reflected)
        if isinstance(other, (numbers.Number, np.generic)):
            # a NumPy type dusk has not: as NumPy makes it
            _refuse_int_past_64_bits(other)
            other = from_array(np.asarray(other))
            return _apply("_binop", other, code, self) if reflected else _apply("_binop", self, code, other)
        if isinstance(other, (np.ndarray, list, tuple)):
            other = from_array(np.asarray(other))
            return _apply("_binop", other, code, self) if reflected else _apply("_binop", self, code, other)
        return NotImplemented

    def __add__(self, o): return self._op(o, "add")
    def __radd__(self, o): return self._op(o, "add", True)
    def __sub__(self, o): return self._op(o, "sub")
    def __rsub__(self, o): return self._op(o, "sub", True)
    def __mul__(self, o): return self._op(o, "mul")
    def __rmul__(self, o): return self._op(o, "mul", True)
    def __truediv__(self, o): return self._op(o, "truediv")
    def __rtruediv__(self, o): return self._op(o, "truediv", True)
    def __pow__(self, o): return self._op(o, "pow")
    def __rpow__(self, o): return self._op(o, "pow", True)
    def __lt__(self, o): return self._op(o, "lt")
    def __le__(self, o): return self._op(o, "le")
    def __gt__(self, o): return self._op(o, "gt")
    def __ge__(self, o): return self._op(o, "ge")
    def __eq__(self, o):
        # NumPy compares with None elementwise: an array of False (of True for !=)
        return zeros(self.shape, dtype=bool, chunks=self.chunks) if o is None else self._op(o, "eq")

    def __ne__(self, o):
        return ones(self.shape, dtype=bool, chunks=self.chunks) if o is None else self._op(o, "ne")

    def __floordiv__(self, o): return self._op(o, "floordiv")
    def __rfloordiv__(self, o): return self._op(o, "floordiv", True)
    def __mod__(self, o): return self._op(o, "mod")
    def __rmod__(self, o): return self._op(o, "mod", True)
    def __and__(self, o): return self._op(o, "and_")
    def __rand__(self, o): return self._op(o, "and_", True)
    def __or__(self, o): return self._op(o, "or_")
    def __ror__(self, o): return self._op(o, "or_", True)
    def __xor__(self, o): return self._op(o, "xor")
    def __rxor__(self, o): return self._op(o, "xor", True)
    def __invert__(self): return self._unary("invert")
    __hash__ = _dusk.Array.__hash__

    def __neg__(self): return _apply("_unop", self, _UNOPS["neg"])
    def __pos__(self): return self
    def __abs__(self): return _apply("_unop", self, _UNOPS["abs"])

    # the parts of complex arrays (of real ones: the numbers, zeros, the numbers)
    @property
    def real(self): return _apply("_unop", self, _UNOPS["real"])

    @property
    def imag(self): return _apply("_unop", self, _UNOPS["imag"])

    def conj(self): return _apply("_unop", self, _UNOPS["conj"])

    def clip(self, min=None, max=None):
        """numpy.clip of the array (see dusk.array.clip)."""
        return clip(self, min, max)

    def round(self, decimals=0):
        """numpy.round of the array, halves to even (see dusk.array.round)."""
        return _apply("_round", self, _decimals(decimals), False)

    def __matmul__(self, o):
        return _bool_product(self, "matmul", _as_array(o))

    def __rmatmul__(self, o):
        return _bool_product(_as_array(o), "matmul", self)

    def __bool__(self):
        # As Dask's and NumPy's: an array of one element is the truth of its
        # value (if (x > 0).any(): ... computes it); of more, ValueError.
        if self.size > 1:   # (nan for x[mask]'s: computed, NumPy's rule)
            raise ValueError("the truth value of a dusk array of more than one element is "
                             "ambiguous: use a.any() or a.all()")
        return bool(self.compute())

    # --- shape ------------------------------------------------------------------------
    def transpose(self, *axes):
        if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
            axes = axes[0]   # x.transpose(None), as np.transpose(x) calls it: reversed
        return _apply("_transpose", self, tuple(axes) if axes else None)

    def astype(self, dtype):
        return _apply("_astype", self, _dtype_name(dtype))

    def swapaxes(self, axis1, axis2):
        return swapaxes(self, axis1, axis2)

    def rechunk(self, chunks="auto"):
        # As Dask's rechunk: a dict names the axes that change, and None (in a
        # tuple, or an axis a dict leaves out) keeps an axis's chunks (in
        # creation None is the whole axis)
        if isinstance(chunks, dict):
            axes = {}
            for k, v in chunks.items():
                if not isinstance(k, (numbers.Integral, np.integer)) or isinstance(k, bool):
                    raise TypeError("rechunk: a dict's keys are axes (ints), not %r" % (k,))
                if not -self.ndim <= k < self.ndim:
                    raise np.AxisError(int(k), self.ndim)
                axes[int(k) % self.ndim] = v
            chunks = tuple(axes.get(d) for d in range(self.ndim))
        if isinstance(chunks, (tuple, list)) and len(chunks) == self.ndim:
            chunks = tuple(self.chunks[d] if c is None else c for d, c in enumerate(chunks))
        return _apply("_rechunk", self, _chunks_text(chunks))

    def squeeze(self, axis=None):
        return _apply("_squeeze", self, axis)

    def reshape(self, *shape, merge_chunks=True, limit=None):
        """numpy.reshape in C order, as dask.array.reshape builds it: x.reshape(3, 4),
        x.reshape((3, -1)). Like Dask, only merges or splits axes evenly."""
        if len(shape) == 1 and not isinstance(shape[0], (numbers.Number, np.integer)):
            shape = shape[0]
        return reshape(self, shape, merge_chunks=merge_chunks, limit=limit)

    def ravel(self):
        return _apply("_reshape", self, (-1,), True)

    flatten = ravel

    def __getitem__(self, index):
        if isinstance(index, tuple) and len(index) == 1 and isinstance(index[0], Array):
            index = index[0]
        if isinstance(index, Array) and index.dtype == bool and index.ndim == self.ndim:
            # x[x > 0]: Dask's slice_with_bool_dask_array, one block of unknown
            # size (nan) per block of x
            if index.shape != self.shape and not (self._unknown_chunks or
                                                  index._unknown_chunks):
                raise IndexError("boolean index did not match indexed array: its shape is %s, "
                                 "the array's %s" % (index.shape, self.shape))
            return _apply("_mask", self, index)
        if isinstance(index, Array) or (isinstance(index, tuple) and
                                        builtins.any(isinstance(it, Array) for it in index)):
            raise IndexError(
                "dusk arrays take a dusk array as an index only as x[mask], a bool array of "
                "x's shape (blocks whose sizes are known once computed, Dask's chunks of nan); "
                "not integers or a mask along one axis of several. Compute the index first: "
                "x[idx.compute()]")
        if isinstance(index, (np.ndarray, list)) and np.ndim(index) > 1 and \
                np.asarray(index).dtype == bool and np.ndim(index) == self.ndim:
            # x[mask] of a mask of x's shape: the elements where it is True, in C
            # order (NumPy's), from the flattened array
            mask = np.asarray(index)
            if mask.shape != self.shape:
                raise IndexError("boolean index did not match indexed array: its shape is %s, "
                                 "the array's %s" % (mask.shape, self.shape))
            return self.ravel()[np.flatnonzero(mask)]
        if not isinstance(index, tuple):
            index = (index,)
        items = []
        for pos, it in enumerate(index):
            if isinstance(it, (bool, np.bool_)):
                # NumPy reads x[True] as a new axis, not as x[1]
                raise IndexError("dusk arrays take no boolean index (%r)" % (it,))
            if isinstance(it, list) and it and builtins.all(isinstance(v, (bool, np.bool_)) for v in it):
                it = np.array(it)   # a mask, as NumPy reads it: not the indices 1, 0, 1
            if isinstance(it, np.ndarray):
                if it.dtype == bool:
                    it = self._mask_indices(index, pos, it)
                it = it.tolist()
            items.append(it)
        return _apply("_getitem", self, tuple(items))

    def __setitem__(self, key, value):
        """x[key] = value, as Dask's: x becomes where(mask, value, x), lazily (arrays
        made from x before keep its old values). key is a dusk bool array of x's
        shape (x[x > 2] = 0, Dask's where), or ints, slices, a list of ints or a
        one-dimensional bool mask per axis, or a NumPy bool mask of x's shape (the
        places marked by comparisons of aranges, not a mask in memory). value is
        cast to x's dtype as NumPy casts it (2.7 into int: 2; NaN: ValueError); a
        dusk array value needs a dusk bool key and broadcasts to x."""
        if self._unknown_chunks and not isinstance(key, Array):
            raise ValueError("x[key] = value: x's chunk sizes are unknown (shape %s); set it "
                             "under a dusk bool mask of its blocks (x[x > 2] = 0), or call "
                             "x.compute_chunk_sizes() first%s"
                             % (self.shape, _UNKNOWN_CHUNK_MESSAGE))
        if isinstance(key, Array):
            if key.dtype != bool:
                raise NotImplementedError("x[key] = value with a dusk array of integers: dusk "
                                          "sets through a dusk bool array of x's shape, or "
                                          "indices known now (compute the key first)")
            if not (self._unknown_chunks or key._unknown_chunks) and key.shape != self.shape:
                raise IndexError("x[mask] = value: the mask's shape %s is not the array's %s"
                                 % (key.shape, self.shape))
            mask = key
        else:
            mask = self._places(key)
        if isinstance(value, Array):
            if not isinstance(key, Array):
                raise NotImplementedError("x[key] = array: dusk sets an array's values under a "
                                          "dusk bool mask of x's shape; at indices, numbers")
            v = value.astype(self.dtype)
        else:
            v = np.array(value, dtype=self.dtype)    # NumPy's cast, and its errors
            if v.ndim:
                raise NotImplementedError("x[key] = value: dusk sets a number (or a dusk array "
                                          "under a dusk mask), not a %s of shape %s"
                                          % (type(value).__name__, v.shape))
            v = v[()]
        r = full(self.shape, v, dtype=self.dtype, chunks=self.chunks) if mask is None else \
            where(mask, v, self)
        with _locked:
            # no longer what ones(...) of its arguments gives
            for k in [k for k, c in _created.items() if c is self]:
                del _created[k]
            self._rebind(r)
            self._recipe = r._recipe

    def _places(self, key):
        """A dusk bool array true at the places key (ints, slices, a list or a 1-d
        mask per axis, ..., or a NumPy mask of x's shape) picks in x; None for
        all of them."""
        if isinstance(key, list) and key and builtins.all(isinstance(v, (bool, np.bool_))
                                                          for v in key):
            key = np.array(key)
        if isinstance(key, np.ndarray) and key.dtype == bool and key.ndim == self.ndim and \
                self.ndim > 1:
            if key.shape != self.shape:
                raise IndexError("x[mask] = value: the mask's shape %s is not the array's %s"
                                 % (key.shape, self.shape))
            return from_array(key, chunks=self.chunks)
        key = key if isinstance(key, tuple) else (key,)
        if builtins.sum(1 for k in key if k is Ellipsis) > 1:
            raise IndexError("an index can only have a single ellipsis ('...')")
        if builtins.any(k is None for k in key):
            raise IndexError("x[key] = value takes no new axis (None) in key")
        n_ax = len(key) - builtins.sum(1 for k in key if k is Ellipsis)
        if n_ax > self.ndim:
            raise IndexError("too many indices for array: array is %d-dimensional, but %d "
                             "were indexed" % (self.ndim, n_ax))
        full_key = []
        for k in key:
            full_key.extend([slice(None)] * (self.ndim - n_ax) if k is Ellipsis else [k])
        full_key += [slice(None)] * (self.ndim - len(full_key))
        if builtins.sum(1 for k in full_key if isinstance(k, (list, np.ndarray))) > 1:
            raise NotImplementedError("x[key] = value with more than one list: NumPy pairs "
                                      "them, which dusk does not; one list at most")
        mask = None
        for d, k in enumerate(full_key):
            n = self.shape[d]
            ar = arange(n, chunks=(self.chunks[d],))
            if isinstance(k, slice):
                if k == slice(None):
                    continue
                start, stop, step = k.indices(n)
                if step > 0:
                    c = (ar >= start) & (ar < stop)
                    if step > 1:
                        c = c & ((ar - start) % step == 0)
                else:
                    c = (ar <= start) & (ar > stop)
                    if step < -1:
                        c = c & ((start - ar) % -step == 0)
            elif isinstance(k, (numbers.Integral, np.integer)) and not isinstance(k, (bool, np.bool_)):
                i = int(k)
                if not -n <= i < n:
                    raise IndexError("index %d is out of bounds for axis %d with size %d"
                                     % (i, d, n))
                c = ar == (i + n if i < 0 else i)
            elif isinstance(k, (list, np.ndarray)):
                k = np.asarray(k)
                if k.dtype == bool:
                    if k.shape != (n,):
                        raise IndexError("boolean index did not match indexed array along "
                                         "dimension %d; dimension is %d but corresponding "
                                         "boolean dimension is %s" % (d, n, k.shape[0] if k.ndim else 0))
                    k = np.flatnonzero(k)
                if k.ndim != 1 or (k.size and k.dtype.kind not in "iu"):
                    raise IndexError("x[key] = value: a list index holds integers (one axis)")
                if k.size and ((k < -n).any() or (k >= n).any()):
                    bad = k[(k < -n) | (k >= n)][0]
                    raise IndexError("index %d is out of bounds for axis %d with size %d"
                                     % (bad, d, n))
                c = isin(ar, np.where(k < 0, k + n, k)) if k.size else zeros(n, dtype=bool, chunks=(self.chunks[d],))
            else:
                raise IndexError("x[key] = value takes ints, slices, lists of ints, bool masks "
                                 "and ..., not %s" % type(k).__name__)
            c = c.reshape((1,) * d + (n,) + (1,) * (self.ndim - d - 1)) if self.ndim > 1 else c
            mask = c if mask is None else mask & c
        return mask

    def _mask_indices(self, index, pos, mask):
        """A one-dimensional boolean mask at index[pos] as the indices NumPy picks."""
        if mask.ndim != 1:
            raise IndexError("dusk arrays take boolean masks of one dimension only, not %d"
                             % mask.ndim)
        takes = [not (it is None or it is Ellipsis) for it in index]
        after_ellipsis = builtins.any(it is Ellipsis for it in index[:pos])   # (no ==: arrays)
        axis = self.ndim - builtins.sum(takes[pos:]) if after_ellipsis else builtins.sum(takes[:pos])
        if not 0 <= axis < self.ndim or mask.shape[0] != self.shape[axis]:
            raise IndexError("boolean index did not match indexed array along dimension %d; "
                             "dimension is %s but corresponding boolean dimension is %d"
                             % (axis, self.shape[axis] if 0 <= axis < self.ndim else "missing",
                                mask.shape[0]))
        return np.flatnonzero(mask)

    # --- products and reductions --------------------------------------------------------
    def dot(self, other):
        return _bool_product(self, "dot", _as_array(other))

    def _red(self, name, axis, keepdims, split_every, ddof=0, dtype=None):
        x = self if dtype is None else self.astype(dtype)
        if isinstance(split_every, dict) or (split_every is not None and not isinstance(split_every, int)):
            raise TypeError("split_every must be an int")
        if dtype is not None and name == "mean" and np.dtype(dtype).kind in "biu":
            # NumPy's mean(dtype=int): the sum in that dtype (wrapping), divided,
            # cast back; dusk's mean is a float's
            x._known_chunks("mean(dtype=%s)" % np.dtype(dtype))
            s = x._red("sum", axis, keepdims, split_every, dtype=dtype)
            n = x.size // builtins.max(s.size, 1) if x.size else 0
            return (s / n).astype(dtype)
        r = _apply("_reduce", x, _REDUCTIONS[name], axis, bool(keepdims), int(split_every or 0), int(ddof))
        if dtype is not None and r.dtype != np.dtype(dtype):
            # NumPy gives the dtype asked for; dusk's sum and prod of small integers
            # and bools are 64-bit (so cast back: the same bits NumPy's wrapping
            # sum in that dtype has), its var and std floats
            r = r.astype(dtype)
        return r

    def sum(self, axis=None, dtype=None, keepdims=False, split_every=None, out=None):
        _no_out(out)
        return self._red("sum", axis, keepdims, split_every, dtype=dtype)

    def prod(self, axis=None, dtype=None, keepdims=False, split_every=None, out=None):
        _no_out(out)
        return self._red("prod", axis, keepdims, split_every, dtype=dtype)

    def mean(self, axis=None, dtype=None, keepdims=False, split_every=None, out=None):
        _no_out(out)
        return self._red("mean", axis, keepdims, split_every, dtype=dtype)

    def std(self, axis=None, dtype=None, keepdims=False, ddof=0, split_every=None, out=None):
        _no_out(out)
        return self._red("std", axis, keepdims, split_every, ddof, dtype)

    def var(self, axis=None, dtype=None, keepdims=False, ddof=0, split_every=None, out=None):
        _no_out(out)
        return self._red("var", axis, keepdims, split_every, ddof, dtype)

    def min(self, axis=None, keepdims=False, split_every=None, out=None):
        _no_out(out)
        return self._red("min", axis, keepdims, split_every)

    def max(self, axis=None, keepdims=False, split_every=None, out=None):
        _no_out(out)
        return self._red("max", axis, keepdims, split_every)

    def any(self, axis=None, keepdims=False, split_every=None, out=None):
        _no_out(out)
        return self._red("any", axis, keepdims, split_every)

    def all(self, axis=None, keepdims=False, split_every=None, out=None):
        _no_out(out)
        return self._red("all", axis, keepdims, split_every)

    def _arg(self, name, axis, keepdims, split_every):
        if isinstance(split_every, dict) or (split_every is not None and not isinstance(split_every, int)):
            raise TypeError("split_every must be an int")
        return _apply("_argreduce", self, _ARG_REDUCTIONS[name], axis, bool(keepdims),
                      int(split_every or 0))

    def argmax(self, axis=None, keepdims=False, split_every=None, out=None):
        _no_out(out)
        return self._arg("argmax", axis, keepdims, split_every)

    def argmin(self, axis=None, keepdims=False, split_every=None, out=None):
        _no_out(out)
        return self._arg("argmin", axis, keepdims, split_every)

    def _cum(self, name, axis, dtype, out, method):
        _no_out(out)
        if method != "sequential":
            if method == "blelloch":
                raise ValueError("%s: dusk builds method='sequential' only, not Dask's "
                                 "'blelloch'" % name)
            raise ValueError("Invalid method for cumreduction. Expected 'sequential' or "
                             "'blelloch'. Got: %r" % (method,))
        if dtype is None:
            return _apply("_cumulative", self, name, axis)
        # NumPy's dtype= is the accumulator's type, each element cast to it
        # first: the input cast, accumulated (dusk's integers in 64 bits,
        # which wrap to the same bits once cast back), cast to dtype
        dtype = np.dtype(dtype)
        x = self if self.dtype == dtype else self.astype(dtype)
        r = _apply("_cumulative", x, name, axis)
        return r if r.dtype == dtype else r.astype(dtype)

    def cumsum(self, axis=None, dtype=None, out=None, method="sequential"):
        return self._cum("cumsum", axis, dtype, out, method)

    def cumprod(self, axis=None, dtype=None, out=None, method="sequential"):
        return self._cum("cumprod", axis, dtype, out, method)

    # --- Python functions on blocks (dusk/blocks.py) ------------------------------------------
    def map_blocks(self, func, *args, **kwargs): return _blocks.map_blocks(func, self, *args, **kwargs)
    def map_overlap(self, func, depth, boundary=None, trim=True, **kwargs):
        return _blocks.map_overlap(func, self, depth=depth, boundary=boundary, trim=trim, **kwargs)

    @staticmethod
    def _blocks_call(kind, *args):
        """_dusk's builder of kind (_map_blocks ...): an Array (the recipe's call)."""
        return getattr(_dusk, "_" + kind)(Array, *args)

    # --- computing ------------------------------------------------------------------------
    def compute(self, scheduler=None, num_workers=None, **kwargs):
        """The array's values, as a NumPy array (a NumPy scalar for 0-d results)."""
        # Without the GIL, under the lock (no array built meanwhile): python/array.c
        with _locked, _linalg_errors():
            r = self._compute(scheduler=scheduler, num_workers=num_workers)
        return r[()] if r.ndim == 0 else r

    def __array__(self, dtype=None):
        with _locked, _linalg_errors():
            r = np.asarray(self._compute())
        return r if dtype is None else r.astype(dtype, copy=False)

    def to_hdf5(self, filename, datapath, compression=None, overwrite=None, **kwargs):
        """Computes the array into dataset datapath of the HDF5 file filename (what
        store gives back: a dusk.Delayed that stores for compute=False). Of h5py's
        create_dataset keywords, which Dask passes on, chunks=True (the array's
        blocks, as dusk writes them) and compression_opts= (the gzip level) are
        taken; the others dusk does not write raise, naming themselves."""
        kwargs = dict(kwargs)
        chunks = kwargs.pop("chunks", True)
        if chunks is not True and chunks is not None:
            raise NotImplementedError("to_hdf5: chunks=: dusk writes the dataset in HDF5 "
                                      "chunks of the array's blocks (rechunk it first)")
        level = kwargs.pop("compression_opts", None)
        if level is not None:
            if compression not in (None, "gzip"):
                raise ValueError("to_hdf5: compression_opts=%r is a gzip level; compression "
                                 "is %r" % (level, compression))
            compression = int(level)
        h5py_only = sorted(set(kwargs) & {"shuffle", "fletcher32", "scaleoffset", "maxshape",
                                          "fillvalue", "track_times", "track_order", "dtype",
                                          "external", "data"})
        if h5py_only:
            raise NotImplementedError("to_hdf5: %s: dusk does not write %s" % (
                ", ".join(k + "=" for k in h5py_only), "it" if len(h5py_only) == 1 else "them"))
        unknown = sorted(set(kwargs) - {"compute", "return_stored", "lock", "scheduler",
                                        "num_workers"})
        if unknown:
            raise TypeError("to_hdf5: unexpected keyword argument%s %s" % (
                "s" if len(unknown) > 1 else "", ", ".join(repr(k) for k in unknown)))
        return store(self, (filename, datapath), compression=compression, overwrite=overwrite,
                     **kwargs)

    def visualize(self, filename="mydask", format=None, color=None, rankdir=None,
                  collapse_outputs=False, verbose=False, view=None, **kwargs):
        """The task graph's picture: written to filename (mydask.png by default, as
        Dask; format given and not its extension: added to it; no format and no
        extension Dask knows: .png added, as Dask), or returned with filename=None.
        An IPython image where IPython is and shows the format (png, jpeg, svg);
        else None for a file, the image's bytes without one. Dask's keywords that
        dusk cannot honour raise (see _viz_keywords)."""
        _viz_keywords(color, kwargs)
        filename = _picture_name(filename, format)
        with _locked:   # the walk marks the context's layers: one at a time
            r = self._visualize(filename, format, color, rankdir, collapse_outputs, verbose, view)
        if filename is None:
            return _image(r, _shown_format(format or "png"))
        return _image_file(filename, format)

Array.__array_function__ = Array._NotToDask(Array._array_function)


class _BlockView:
    """x.blocks: indexing the grid of blocks, as dask.array's BlockView. The
    blocks are taken by slicing at their edges (which keeps them as they
    are), and joined with concatenate where they are not next to each other."""

    __slots__ = ("_a",)

    def __init__(self, a):
        self._a = a

    @property
    def shape(self):
        return tuple(self._a.numblocks)

    @property
    def size(self):
        return int(np.prod(self.shape, dtype=np.int64))

    def __len__(self):
        return self.shape[0] if self.shape else 0

    def ravel(self):
        return [self[idx] for idx in np.ndindex(*self.shape)]

    def _axes(self, index):
        """index as the block numbers it picks on each axis."""
        if not isinstance(index, tuple):
            index = (index,)
        if builtins.any(i is None for i in index):
            raise ValueError("x.blocks: slicing with None (np.newaxis) is not supported")
        if builtins.sum(isinstance(i, (list, np.ndarray)) for i in index) > 1:
            raise ValueError("x.blocks: only one list of blocks can be given")
        if builtins.sum(i is Ellipsis for i in index) > 1:
            raise IndexError("x.blocks: an index can only have a single ellipsis ('...')")
        at = [k for k, i in enumerate(index) if i is Ellipsis]   # not `in`: an ndarray compares
        if at:
            at = at[0]
            index = index[:at] + (slice(None),) * (len(self.shape) - len(index) + 1) + index[at + 1:]
        if len(index) > len(self.shape):
            raise IndexError("x.blocks: too many indices for a grid of %d axes" % len(self.shape))
        index = index + (slice(None),) * (len(self.shape) - len(index))
        picked = []
        for d, (it, n) in enumerate(zip(index, self.shape)):
            if isinstance(it, (bool, np.bool_)):
                raise IndexError("x.blocks takes no boolean index (%r)" % (it,))
            if isinstance(it, (numbers.Integral, np.integer)):
                if not -n <= it < n:
                    raise IndexError("x.blocks: index %d is out of bounds for axis %d with "
                                     "%d blocks" % (it, d, n))
                picked.append([int(it) % n])
            elif isinstance(it, slice):
                picked.append(list(range(n))[it])
            elif isinstance(it, (list, np.ndarray)):
                it = np.asarray(it)
                if it.ndim != 1 or (it.size and it.dtype.kind not in "iu"):
                    raise IndexError("x.blocks: a list of blocks is of ints, not %r" % (it,))
                bad = [int(i) for i in it if not -n <= i < n]
                if bad:
                    raise IndexError("x.blocks: index %d is out of bounds for axis %d with "
                                     "%d blocks" % (bad[0], d, n))
                picked.append([int(i) % n for i in it])
            else:
                raise TypeError("x.blocks takes ints, slices, ... and one list of ints, not %s"
                                % type(it).__name__)
        return picked

    def __getitem__(self, index):
        a = self._a
        for d, blocks in enumerate(self._axes(index)):
            edges = np.concatenate([[0], np.cumsum(a.chunks[d], dtype=np.int64)])
            if blocks == list(range(a.numblocks[d])):
                continue   # the whole axis
            runs = []      # blocks next to each other, in order: one slice each
            for b in blocks:
                if runs and runs[-1][1] == b:
                    runs[-1][1] = b + 1
                else:
                    runs.append([b, b + 1])
            if not runs:
                runs = [[0, 0]]
            lead = (slice(None),) * d
            pieces = [a[lead + (slice(int(edges[lo]), int(edges[hi])),)] for lo, hi in runs]
            a = pieces[0] if len(pieces) == 1 else concatenate(pieces, axis=d)
        return a


# The extensions Dask takes a format from (dask/dot.py graphviz_to_file); any
# other name, 'my.graph' too, gets .png added, as Dask's.
_DASK_EXTENSIONS = (".png", ".pdf", ".dot", ".svg", ".jpeg", ".jpg")


def _shown_format(fmt):
    """The file format of a picture format: Graphviz's SVG writer writes SVG."""
    fmt = str(fmt).lower()
    return "svg" if fmt == "svg:graphviz" else fmt


def _picture_name(filename, format):
    """The file visualize writes, named as Dask names it: a format given is added
    to a name that does not end with it ('graph' and 'pdf': graph.pdf;
    'svg:graphviz' adds .svg), else a name ending with an extension Dask knows
    says the format (lowercased, as Dask writes it), and any other name gets
    .png."""
    if filename is None:
        return None
    name = os.fsdecode(filename)
    if format is not None:
        ext = "." + _shown_format(format)
        if not name.lower().endswith(ext):
            name += ext
    else:
        ext = [e for e in _DASK_EXTENSIONS if name.lower().endswith(e)]
        if ext:            # Dask splits it off and adds it lowercased: a.PNG is a.png
            name = name[:-len(ext[0])] + ext[0]
        else:
            name += ".png"     # Dask's default format
    return name


def _viz_keywords(color, kwargs):
    """Dask's visualize keywords past dusk's own, checked: those dusk honours
    pass, the rest raise naming themselves, never ignored. Dask uses cmap for
    the color= colourings (default plasma, which is what dusk's 'order' uses),
    engine to choose who draws, optimize_graph to draw the optimized graph,
    and hands any other keyword to Graphviz as a graph attribute; dusk's
    pictures have no graph attributes but rankdir."""
    kwargs = dict(kwargs)
    if "cmap" in kwargs:
        cmap = kwargs.pop("cmap")
        name = cmap if isinstance(cmap, str) else getattr(cmap, "name", None)
        if color is None or color == "none":
            raise TypeError("visualize: cmap=%r colours a color= mode; none was given" % (cmap,))
        if name != "plasma":
            raise NotImplementedError("visualize: cmap=%r: dusk colours color=%r with "
                                      "plasma only" % (cmap, color))
    engine = kwargs.pop("engine", None)
    if engine not in (None, "graphviz"):
        raise NotImplementedError("visualize: engine=%r: dusk draws with Graphviz only"
                                  % (engine,))
    if kwargs.pop("optimize_graph", False):
        raise NotImplementedError("visualize: optimize_graph=True: dusk does not "
                                  "optimize (fuse) graphs; it draws the graph it runs")
    if "maxval" in kwargs:
        raise NotImplementedError("visualize: maxval: dusk's 'order' colours are not "
                                  "normalised by a given maximum")
    if kwargs:
        raise TypeError("visualize: unexpected keyword argument%s %s (Dask passes these "
                        "to Graphviz as graph attributes; dusk's pictures take rankdir, "
                        "and dusk's own view=, of the graph attributes)" % ("s" if len(kwargs) > 1 else "",
                                   ", ".join(repr(k) for k in sorted(kwargs))))


# What IPython shows: Dask returns None for the rest (pdf, dot ...), whose
# Image would raise "Cannot embed the 'pdf' image format".
_IPYTHON_SHOWS = ("png", "jpeg", "jpg", "svg")


def _image(data, fmt):
    fmt = str(fmt).lower()
    try:
        from IPython.display import SVG, Image
    except ImportError:
        return data
    if fmt not in _IPYTHON_SHOWS:
        return data
    return SVG(data=data) if fmt == "svg" else Image(data=data, format=fmt)


_svg_file_class = None


def _svg_file(filename):
    """IPython's SVG of the file, as Dask returns, but read when shown or its
    data asked for: IPython's SVG parses the whole document with minidom when
    made (minutes and gigabytes for a picture of 100,000 tasks), which a
    script that only writes the file never needs."""
    global _svg_file_class
    if _svg_file_class is None:
        from IPython.display import SVG

        class SVGFile(SVG):
            _pending = False

            def reload(self):
                self._pending = self.filename is not None

            @property
            def data(self):
                if self._pending:
                    self._pending = False
                    SVG.reload(self)
                return self._data

            @data.setter
            def data(self, svg):
                SVG.data.fset(self, svg)

        SVGFile.__name__ = SVGFile.__qualname__ = "SVG"
        _svg_file_class = SVGFile
    return _svg_file_class(filename=filename)


def _image_file(filename, format=None):
    fmt = _shown_format(format or filename.rsplit(".", 1)[-1])
    try:
        from IPython.display import Image
    except ImportError:
        return None
    if fmt not in _IPYTHON_SHOWS:
        return None
    return _svg_file(filename) if fmt == "svg" else Image(filename=filename, format=fmt)


def _as_array(x):
    if isinstance(x, Array):
        return x
    # an h5py dataset is read lazily, by dusk, block by block; anything else
    # as NumPy makes it
    return from_array(x) if _is_h5py_dataset(x) else from_array(np.asarray(x))


# Python's operators, not NumPy's ufuncs: ndarray ** 2.0 has a dtype of its own.
_NUMPY_ARITH = {"add": operator.add, "sub": operator.sub, "mul": operator.mul,
                "truediv": operator.truediv, "pow": operator.pow,
                "floordiv": operator.floordiv, "mod": operator.mod, "and_": operator.and_,
                "or_": operator.or_, "xor": operator.xor, "maximum": np.maximum,
                "minimum": np.minimum, **{name: getattr(np, name) for name in _MORE_BINARY}}


_SCALAR_DTYPES = frozenset(["bool", "int8", "int16", "int32", "int64", "uint8", "uint16",
                            "uint32", "uint64", "float16", "float32", "float64", "complex64",
                            "complex128"])


def _scalar(v):
    """A Python or NumPy scalar as dusk's typed scalar calls take it: (dtype
    name as Python or NumPy types it, int, real part, imaginary part); None
    for an int past 64 bits, a NumPy type dusk has not, or no number."""
    if isinstance(v, np.generic):
        name = v.dtype.name
        if name not in _SCALAR_DTYPES:
            return None
        v = v.item()
    elif isinstance(v, bool):
        name = "bool"
    elif isinstance(v, int):
        if not -2**63 <= v < 2**64:
            return None
        name = "int64" if v < 2**63 else "uint64"
    elif isinstance(v, float):
        name = "float64"
    elif isinstance(v, complex):
        name = "complex128"
    else:
        return None
    if isinstance(v, (bool, int)):
        i = int(v)
        return (name, i - 2**64 if i >= 2**63 else i, 0.0, 0.0)
    v = complex(v)
    return (name, 0, v.real, v.imag)


def _refuse_int_past_64_bits(v):
    """An int NumPy holds in no dtype (past -2**63 .. 2**64 - 1): NumPy 1.24
    makes an object array of it, which dusk has not; refused, named."""
    if isinstance(v, int) and not isinstance(v, bool) and not -2**63 <= v < 2**64:
        digits = len(str(builtins.abs(v)))
        name = "the integer %d" % v if digits <= 40 else "an integer of %d digits" % digits
        raise OverflowError("%s does not fit in 64 bits (int64 or uint64): NumPy makes an "
                            "object array of it, which dusk does not have" % name)


def _exact_as_float(v):
    """Whether the double dusk's scalar calls take holds v exactly."""
    if isinstance(v, (bool, np.bool_, float, np.floating)):
        return True
    try:
        return float(v) == v
    except OverflowError:
        return False


def _bool_product(a, kind, b):
    # NumPy's product of two bool arrays is bool (any of the ands).
    r = _apply("_product", a, kind, b)
    return r.astype(bool) if a.dtype == bool and b.dtype == bool else r


# --- creation -------------------------------------------------------------------------------
# ones, zeros, empty and full of the same arguments give the array already made
# while it lives, as Dask names such calls by their arguments: ones(s) + ones(s).T
# then has the tasks of x + x.T (27 for (15, 15) in (5, 5) blocks, not 36).
_created = weakref.WeakValueDictionary()


def _create(*args):
    key = repr(args)   # not args: -0.0 == 0.0, and fills of both would meet
    with _locked:
        a = _created.get(key)
        if a is None:
            a = _apply("_create", *args)
            _created[key] = a
            return a
        # another object over the same array: x[...] = v on one leaves the other
        return a.copy()


def ones(shape, dtype=float, chunks="auto"):
    return _create("ones", _shape(shape), _chunks_text(chunks, len(_shape(shape))), _dtype_name(dtype))


def zeros(shape, dtype=float, chunks="auto"):
    return _create("zeros", _shape(shape), _chunks_text(chunks, len(_shape(shape))), _dtype_name(dtype))


def empty(shape, dtype=float, chunks="auto"):
    return _create("empty", _shape(shape), _chunks_text(chunks, len(_shape(shape))), _dtype_name(dtype))


def full(shape, fill_value, dtype=None, chunks="auto"):
    if np.ndim(fill_value) != 0:
        raise ValueError("fill_value must be scalar. Received %s instead"
                         % type(fill_value).__name__)
    _refuse_int_past_64_bits(fill_value)
    if dtype is None:
        dtype = np.array(fill_value).dtype
    if isinstance(fill_value, (complex, np.complexfloating)):
        # dusk's fill is a double: a complex one is zeros plus the value
        return zeros(shape, dtype=dtype, chunks=chunks) + from_array(np.array(fill_value, dtype=dtype))
    if not _exact_as_float(fill_value):
        # An int a double would round (2**60 + 1): zeros plus the value as a
        # 0-d array of the dtype, which keeps it whole.
        return zeros(shape, dtype=dtype, chunks=chunks) + from_array(np.array(fill_value, dtype=dtype))
    return _create("full", _shape(shape), _chunks_text(chunks, len(_shape(shape))), _dtype_name(dtype),
                  float(fill_value))


def arange(start, stop=None, step=1, chunks="auto", dtype=None):
    if stop is None:
        start, stop = 0, start
    for v in (start, stop, step):
        if isinstance(v, (complex, np.complexfloating)) or not _exact_as_float(v):
            raise ValueError("arange: dusk counts in doubles, which do not hold %r exactly" % (v,))
    # NumPy's dtype: float64 when any bound is a float (arange(5.0)), not when the
    # values happen to be whole
    floats = builtins.any(isinstance(v, (float, np.floating)) for v in (start, stop, step))
    x = _apply("_arange", float(start), float(stop), float(step), _chunks_text(chunks, 1), floats)
    return x if dtype is None else x.astype(dtype)


def linspace(start, stop, num=50, endpoint=True, retstep=False, chunks="auto", dtype=None):
    """numpy.linspace as dask.array.linspace (its arguments, in its order):
    endpoint=False leaves stop out (num + 1 points to stop, the last block of
    one dropped: NumPy's step and values), retstep=True returns (array, step)."""
    num = int(num)
    if num < 0:
        raise ValueError("linspace: num must be 0 or more, not %d" % num)
    if endpoint:
        x = _apply("_linspace", float(start), float(stop), num, _chunks_text(chunks, 1))
    else:
        want = empty((num,), chunks=chunks).chunks[0]   # the chunks Dask gives num points
        x = _apply("_linspace", float(start), float(stop), num + 1,
                   _chunks_text((tuple(want) + (1,),), 1))[:num]
    if dtype is not None:
        x = x.astype(dtype)
    if not retstep:
        return x
    div = num - 1 if endpoint else num
    return x, ((float(stop) - float(start)) / div if div > 0 else float("nan"))


def from_array(x, chunks="auto", name=None, **kwargs):
    """A dusk array over a NumPy array (copied once into dusk's buffer) or an h5py
    dataset (read lazily by dusk, chunk by chunk, from its file). name= as
    Dask's: the layer's whole name (its source 'original-<name>'); False a
    random one, 'array-<uuid1>'; None (or True) 'array-<token>'. Dask's lock=,
    asarray=, fancy=, getitem=, meta= and inline_array= are taken (dusk reads
    the values itself); other keywords are TypeError, as Dask's."""
    extra = set(kwargs) - {"lock", "asarray", "fancy", "getitem", "meta", "inline_array"}
    if extra:
        raise TypeError("from_array() got an unexpected keyword argument %r" % sorted(extra)[0])
    if isinstance(x, Array):
        return x if chunks == "auto" else x.rechunk(chunks)
    if name is True or name is None:
        name = None
    elif name is False:
        name = "array-" + str(uuid.uuid1())   # kept in the recipe: replayed as it is
    elif not isinstance(name, str):
        raise TypeError("from_array: name must be a string, True, False or None, not %s"
                        % type(name).__name__)
    if _is_h5py_dataset(x):
        try:
            filename, path, driver = x.file.filename, x.name, x.file.driver
        except (ValueError, RuntimeError) as e:   # a closed file
            raise ValueError("from_array: the h5py dataset is not readable (%s): is its file closed?" % e)
        # dusk reads the file itself, by name: a file in memory (driver 'core')
        # or behind a Python file object ('fileobj') has no name it could open.
        if driver in ("core", "fileobj"):
            raise ValueError("from_array: the h5py dataset %s is in a file opened with driver "
                             "'%s' (%r), which dusk cannot read by its name: use "
                             "from_array(dataset[...]) to copy it" % (path, driver, filename))
        return _apply("_from_hdf5", os.path.abspath(filename), path, _chunks_text(chunks, x.ndim),
                      name)
    if not isinstance(x, np.ndarray):
        if not hasattr(x, "__array__") and not isinstance(x, (list, tuple, numbers.Number)):
            raise TypeError("from_array takes a NumPy array, an h5py dataset or what "
                            "numpy.asarray takes, not %s" % type(x).__name__)
        x = np.asarray(x)
    if x.dtype.kind not in "biufc":
        raise TypeError("dusk arrays hold numbers, not %s" % x.dtype)
    # The recipe (what compaction replays) keeps a copy of its own: the
    # caller may change x afterwards, and the array must not follow. The
    # copy is in native byte order (h5py gives a big-endian dataset's
    # values as '>f8'), which is what dusk holds, as Dask takes either.
    private = np.array(x, dtype=x.dtype.newbyteorder("="), copy=True)
    private.flags.writeable = False
    return _apply("_from_numpy", private, _chunks_text(chunks, private.ndim), name)


def asarray(a, dtype=None, order=None, *, like=None, inline_array=False,
            allow_unknown_chunksizes=False, **kwargs):
    """a as a dusk array, as Dask's: a dusk array as it is; an array-like with a
    shape and a dtype (a NumPy array, an h5py dataset, read lazily) through
    from_array (kwargs: its chunks=, name=); a list or a number through
    numpy.asarray(a, order=). dtype= casts, as NumPy's asarray (Dask 2022.12
    leaves an array's dtype as it is)."""
    if isinstance(a, Array):
        x = a
    elif isinstance(a, (list, tuple)) and builtins.any(isinstance(v, Array) for v in a):
        x = stack([asarray(v) for v in a])
    elif hasattr(a, "shape") and hasattr(a, "dtype") and not np.isscalar(a):
        x = from_array(a, **kwargs)
    else:
        x = from_array(np.asarray(a, dtype=dtype, order=order), **kwargs)
    return x if dtype is None or np.dtype(dtype) == x.dtype else x.astype(dtype)


asanyarray = asarray


def array(x, dtype=None, ndmin=None, *, like=None):
    """numpy.array's, as Dask's: asarray(x), cast to dtype, and axes of length 1
    added in front up to ndmin."""
    x = asarray(x)
    while ndmin is not None and x.ndim < ndmin:
        x = x[None, ...]
    if dtype is not None and x.dtype != np.dtype(dtype):
        x = x.astype(dtype)
    return x


def from_hdf5(filename, datapath, chunks="auto"):
    """A dusk array over dataset datapath of the HDF5 file filename, read lazily by
    dusk, chunk by chunk (from_array of an h5py dataset does the same; this needs no
    h5py)."""
    # The file is read when computed: by its absolute name, as the working
    # directory may change meanwhile.
    return _apply("_from_hdf5", os.path.abspath(os.fsdecode(filename)), _datapath(datapath),
                  _chunks_text(chunks))


def _datapath(p):
    """A dataset's path as h5py takes it: str, or bytes in UTF-8 (str() of
    anything else would name the wrong dataset, "b'/x'")."""
    if isinstance(p, bytes):
        return p.decode("utf-8")
    if not isinstance(p, str):
        raise TypeError("a dataset path must be a str, not %s" % type(p).__name__)
    return p


def _is_h5py_dataset(x):
    t = type(x)
    return t.__module__.startswith("h5py") and t.__name__ == "Dataset"


class RandomState:
    """Seeded generators: the same seed, shape and chunks give the same numbers."""

    def __init__(self, seed=None):
        self._seed = np.random.randint(0, 2**63) if seed is None else int(seed)
        if not 0 <= self._seed < 2**64:   # NumPy's RandomState refuses a negative one too
            raise ValueError("Seed must be between 0 and 2**64 - 1, not %d" % self._seed)

    def _next(self):
        s = self._seed
        self._seed = (self._seed * 6364136223846793005 + 1442695040888963407) % 2**64
        return s

    def normal(self, loc=0.0, scale=1.0, size=None, chunks="auto"):
        return _apply("_random", "normal", self._next(), float(loc), float(scale),
                             _shape(size if size is not None else ()),
                             _chunks_text(chunks, len(_shape(size if size is not None else ()))))

    def uniform(self, low=0.0, high=1.0, size=None, chunks="auto"):
        return _apply("_random", "uniform", self._next(), float(low), float(high),
                             _shape(size if size is not None else ()),
                             _chunks_text(chunks, len(_shape(size if size is not None else ()))))

    def random(self, size=None, chunks="auto"):
        return self.uniform(0.0, 1.0, size, chunks)

    random_sample = random

    def standard_normal(self, size=None, chunks="auto"):
        return self.normal(0.0, 1.0, size, chunks)

    def exponential(self, scale=1.0, size=None, chunks="auto"):
        """numpy.random.exponential, one 'exponential' task per block (Dask's)."""
        shape = _shape(size if size is not None else ())
        return _apply("_random", "exponential", self._next(), float(scale), 0.0, shape,
                      _chunks_text(chunks, len(shape)))

    def poisson(self, lam=1.0, size=None, chunks="auto"):
        """numpy.random.poisson: int64 counts, one 'poisson' task per block."""
        shape = _shape(size if size is not None else ())
        return _apply("_random", "poisson", self._next(), float(lam), 0.0, shape,
                      _chunks_text(chunks, len(shape)))

    def randint(self, low, high=None, size=None, chunks="auto", dtype=int):
        """numpy.random.randint: integers in [low, high) ([0, low) without high),
        each as likely, of an integer dtype (int64 by default, as NumPy's)."""
        if high is None:
            low, high = 0, low
        dt = np.dtype(dtype)
        if dt.kind not in "biu":
            raise TypeError("Unsupported dtype %r for randint" % dt.name)
        shape = _shape(size if size is not None else ())
        if not -2**63 <= int(low) < int(high) < 2**63:
            if int(low) >= int(high):
                raise ValueError("randint: low >= high (%d >= %d)" % (low, high))
            raise ValueError("randint: dusk draws from [-2**63, 2**63 - 1) (int64 bounds); "
                             "[%d, %d) is past it" % (low, high))
        return _apply("_randint", self._next(), int(low), int(high), shape,
                      _chunks_text(chunks, len(shape)), _dtype_name(dt))

    def permutation(self, x):
        """numpy.random.permutation as Dask's: the first axis taken in an order
        drawn now (NumPy's RandomState, seeded from this one); an int n is
        arange(n)."""
        if isinstance(x, (numbers.Integral, np.integer)):
            x = arange(int(x), chunks="auto")
        x = _as_array(x)
        if x.ndim == 0:
            raise ValueError("permutation: x must be an int or an array of 1 or more axes")
        order = np.random.RandomState(self._next() % 2**32).permutation(x.shape[0])
        return x[order.tolist()]


class _RandomModule:
    RandomState = RandomState

    def __init__(self):
        self._state = RandomState()

    def seed(self, seed=None):
        self._state = RandomState(seed)

    def normal(self, loc=0.0, scale=1.0, size=None, chunks="auto"):
        return self._state.normal(loc, scale, size, chunks)

    def uniform(self, low=0.0, high=1.0, size=None, chunks="auto"):
        return self._state.uniform(low, high, size, chunks)

    def random(self, size=None, chunks="auto"):
        return self._state.random(size, chunks)

    def __getattr__(self, name):
        # the rest of RandomState's draws, from the module's state, as NumPy's
        if name in ("random_sample", "standard_normal", "exponential", "poisson", "randint",
                    "permutation") + self._MORE:
            return getattr(self._state, name)
        raise AttributeError("module 'dusk.array.random' has no attribute %r" % name)


random = _RandomModule()


# --- functions ------------------------------------------------------------------------------
def exp(x): return _apply("_unop", _as_array(x), _UNOPS["exp"])
def log(x): return _apply("_unop", _as_array(x), _UNOPS["log"])
def sqrt(x): return _apply("_unop", _as_array(x), _UNOPS["sqrt"])
def sin(x): return _apply("_unop", _as_array(x), _UNOPS["sin"])
def cos(x): return _apply("_unop", _as_array(x), _UNOPS["cos"])
def absolute(x): return _apply("_unop", _as_array(x), _UNOPS["abs"])
def negative(x): return _apply("_unop", _as_array(x), _UNOPS["neg"])
def invert(x): return _as_array(x)._unary("invert")


def _binary(name, x1, x2):
    if isinstance(x1, Array):
        return x1._op(x2, name)
    if isinstance(x2, Array):
        return x2._op(x1, name, True)
    return _as_array(x1)._op(x2, name)


def floor_divide(x1, x2): return _binary("floordiv", x1, x2)
def remainder(x1, x2): return _binary("mod", x1, x2)
def bitwise_and(x1, x2): return _binary("and_", x1, x2)
def bitwise_or(x1, x2): return _binary("or_", x1, x2)
def bitwise_xor(x1, x2): return _binary("xor", x1, x2)
def maximum(x1, x2): return _binary("maximum", x1, x2)
def minimum(x1, x2): return _binary("minimum", x1, x2)
def add(x1, x2): return _binary("add", x1, x2)
def true_divide(x1, x2): return _binary("divide", x1, x2)


def _binary_function(name):
    def f(x1, x2):
        return _binary(name, x1, x2)
    f.__name__ = name
    f.__doc__ = "numpy.%s of dusk arrays or numbers, lazily (as dask.array.%s)" % (name, name)
    return f


for _name in _MORE_BINARY:
    globals()[_name] = _binary_function(_name)
del _name


def _refuse_complex_inf(x, name):
    if np.issubdtype(x.dtype, np.complexfloating):
        raise TypeError("%s: This operation is not supported for %s values because it would "
                        "be ambiguous (as in NumPy)" % (name, x.dtype))


def isneginf(x):
    """numpy.isneginf, as dask.array's: an 'equal' layer of x and -inf."""
    x = _as_array(x)
    _refuse_complex_inf(x, "isneginf")
    return x._op(-np.inf, "equal")


def isposinf(x):
    """numpy.isposinf, as dask.array's: an 'equal' layer of x and inf."""
    x = _as_array(x)
    _refuse_complex_inf(x, "isposinf")
    return x._op(np.inf, "equal")


def _clip_bound(v, what):
    if v is None:
        return None
    if isinstance(v, np.ndarray) and v.ndim == 0:
        v = v[()]
    s = _scalar(v)
    if s is None:
        raise TypeError("clip: %s must be a number (or None), not %s" % (what, type(v).__name__))
    return s


def clip(a, min=None, max=None):
    """numpy.clip(a, min, max) with number bounds (None: no bound on that side), as
    dask.array.clip: one 'clip' layer, NumPy's dtype (clip(int8, 0, 300) is int16)."""
    a = _as_array(a)
    if min is None and max is None:
        raise ValueError("One of max or min must be given")
    return _apply("_clip", a, _clip_bound(min, "min"), _clip_bound(max, "max"))


def _decimals(decimals):
    if not isinstance(decimals, (numbers.Integral, np.integer)) or isinstance(decimals, bool):
        raise TypeError("round: decimals must be an int, not %s" % type(decimals).__name__)
    if not -2**31 <= int(decimals) < 2**31:
        raise ValueError("round: decimals %d is out of range" % decimals)
    return int(decimals)


def round(a, decimals=0):
    """numpy.round(a, decimals): halves to even, as dask.array.round (layer 'round_')."""
    return _apply("_round", _as_array(a), _decimals(decimals), False)


def around(x, decimals=0):
    """numpy.around(x, decimals), as dask.array.around (layer 'around')."""
    return _apply("_round", _as_array(x), _decimals(decimals), True)


def isclose(arr1, arr2, rtol=1e-5, atol=1e-8, equal_nan=False):
    """numpy.isclose of dusk arrays (or array-likes), as dask.array.isclose: one
    'isclose' layer of bools."""
    one = _isclose_of_a_number(arr1, arr2, rtol, atol, equal_nan)
    if one is not None:
        return one
    a, b = _as_array(arr1), _as_array(arr2)
    return _apply("_isclose", a, b, float(rtol), float(atol), bool(equal_nan), False)


def _is_number(x):
    return (not isinstance(x, (Array, str, bytes)) and np.ndim(x) == 0
            and np.asarray(x).dtype.kind in "biufc")


def _isclose_native(x, s, first, rtol, atol):
    """Whether C's isclose of x and the number s gives numpy.isclose's values
    exactly: s a Python float (or NumPy float64), or an int a double holds
    (NumPy makes it a float64 first, but for isclose(s, float32 block) where
    an int past int16's range and uint16's makes NumPy subtract in float64);
    rtol and atol floats, or ints whose float32 is exact (NumPy pairs them
    with float32 blocks by value); x float64, float32, an integer type or
    bool. Else NumPy's own isclose runs on every block."""
    def tol_ok(v):
        return isinstance(v, float) or (type(v) is int and -32768 <= v <= 65535)
    if x.dtype.kind not in "biuf" or x.dtype == np.float16:
        return False
    if not (tol_ok(rtol) and tol_ok(atol)):
        return False
    if isinstance(s, float):
        return True
    if type(s) is not int or abs(s) > 2 ** 53:
        return False
    return not (first and x.dtype == np.float32 and not -32768 <= s <= 65535)


def _isclose_of_a_number(arr1, arr2, rtol, atol, equal_nan):
    """isclose of a dusk array and a number as Dask's elemwise makes it: the
    number passed into every block's isclose (one 'isclose' layer), not made
    an array of its own (two layers more); None for other operands. C's
    isclose of a scalar where it is NumPy's exactly, else numpy.isclose."""
    if isinstance(arr1, Array) and _is_number(arr2):
        x, s, first, args = arr1, arr2, False, (arr1, "x", arr2, None)
    elif isinstance(arr2, Array) and _is_number(arr1):
        x, s, first, args = arr2, arr1, True, (arr1, None, arr2, "x")
    else:
        return None
    if _isclose_native(x, s, first, rtol, atol):
        return _apply("_isclose_scalar", x, float(s), first, float(rtol), float(atol),
                      bool(equal_nan))
    ind = tuple(range(x.ndim))
    args = tuple(ind if a == "x" else a for a in args)
    return _blocks.blockwise(np.isclose, ind, *args, dtype=bool, rtol=rtol, atol=atol,
                             equal_nan=equal_nan)


def allclose(arr1, arr2, rtol=1e-5, atol=1e-8, equal_nan=False):
    """numpy.allclose, lazily as dask.array.allclose: a 0-d bool dusk array
    (isclose and its 'all' reduction)."""
    one = _isclose_of_a_number(arr1, arr2, rtol, atol, equal_nan)
    if one is not None:
        return one.all()   # as Dask's allclose
    a, b = _as_array(arr1), _as_array(arr2)
    return _apply("_isclose", a, b, float(rtol), float(atol), bool(equal_nan), True)


def nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    """numpy.nan_to_num(x, nan=, posinf=, neginf=), as dask.array's: one
    'nan_to_num' layer; the infinities' None is the dtype's largest number."""
    if not copy:
        raise ValueError("nan_to_num: dusk arrays are immutable: copy must be True")
    x = _as_array(x)
    return _apply("_nan_to_num", x, float(nan), None if posinf is None else float(posinf),
                  None if neginf is None else float(neginf))


mod = remainder
bitwise_not = invert


def _unary_function(name):
    def f(x):
        return _as_array(x)._unary(name)
    f.__name__ = name
    f.__doc__ = "numpy.%s of a dusk array, lazily (as dask.array.%s)" % (name, name)
    return f


for _name in _MORE_UNARY:
    globals()[_name] = _unary_function(_name)
fix = globals()["trunc"]
del _name


abs = absolute


def dot(a, b): return _as_array(a).dot(b)
def matmul(a, b): return _as_array(a) @ b


def tensordot(a, b, axes=2):
    a, b = _as_array(a), _as_array(b)
    if isinstance(axes, (numbers.Integral, np.integer)):
        r = _apply("_product", a, "tensordot", b, int(axes))
    else:
        aa, bb = axes
        aa = [aa] if isinstance(aa, (numbers.Integral, np.integer)) else list(aa)
        bb = [bb] if isinstance(bb, (numbers.Integral, np.integer)) else list(bb)
        r = _apply("_product", a, "tensordot", b, len(aa), aa, bb)
    # NumPy's tensordot of two bool arrays is bool (any of the ands), as dot's
    return r.astype(bool) if a.dtype == bool and b.dtype == bool else r


def concatenate(seq, axis=0):
    if axis is None:   # NumPy's and Dask's: the arrays flattened, then joined
        return concatenate([_as_array(x).ravel() for x in seq], axis=0)
    return _apply("_join", "concatenate", [_as_array(x) for x in seq], int(axis))


def stack(seq, axis=0):
    return _apply("_join", "stack", [_as_array(x) for x in seq], int(axis))


def transpose(a, axes=None): return _as_array(a).transpose(axes) if axes else _as_array(a).T
def sum(a, axis=None, **kw): return _as_array(a).sum(axis, **kw)
def prod(a, axis=None, **kw): return _as_array(a).prod(axis, **kw)
def mean(a, axis=None, **kw): return _as_array(a).mean(axis, **kw)
def std(a, axis=None, **kw): return _as_array(a).std(axis, **kw)
def var(a, axis=None, **kw): return _as_array(a).var(axis, **kw)
def min(a, axis=None, **kw): return _as_array(a).min(axis, **kw)
def max(a, axis=None, **kw): return _as_array(a).max(axis, **kw)
def any(a, axis=None, **kw): return _as_array(a).any(axis, **kw)
def all(a, axis=None, **kw): return _as_array(a).all(axis, **kw)
def squeeze(a, axis=None): return _as_array(a).squeeze(axis)
def ravel(a): return _as_array(a).ravel()


def reshape(x, shape, merge_chunks=True, limit=None):
    if limit is not None:
        # Dask 2022.12 splits output blocks larger than limit without
        # splitting their input blocks to match (dask/dask#10199)
        raise NotImplementedError("reshape: dusk does not take limit= (Dask's splitting of "
                                  "large output blocks breaks the reshape, dask/dask#10199)")
    if isinstance(shape, (numbers.Integral, np.integer)):
        shape = (shape,)
    return _apply("_reshape", _as_array(x), tuple(shape), bool(merge_chunks))
def rechunk(a, chunks="auto"): return _as_array(a).rechunk(chunks)


def argmax(x, axis=None, keepdims=False, split_every=None, out=None):
    return _as_array(x).argmax(axis, keepdims, split_every, out)


def argmin(x, axis=None, keepdims=False, split_every=None, out=None):
    return _as_array(x).argmin(axis, keepdims, split_every, out)


def nanargmax(x, axis=None, keepdims=False, split_every=None, out=None):
    _no_out(out)
    return _as_array(x)._arg("nanargmax", axis, keepdims, split_every)


def nanargmin(x, axis=None, keepdims=False, split_every=None, out=None):
    _no_out(out)
    return _as_array(x)._arg("nanargmin", axis, keepdims, split_every)


def cumsum(x, axis=None, dtype=None, out=None, method="sequential"):
    return _as_array(x).cumsum(axis, dtype, out, method)


def cumprod(x, axis=None, dtype=None, out=None, method="sequential"):
    return _as_array(x).cumprod(axis, dtype, out, method)


# --- the nan- reductions (numpy.nansum ...: NaNs skipped), as dask.array's ---------------
__all__ += ["nansum", "nanprod", "nanmean", "nanstd", "nanvar", "nanmin", "nanmax"]


def _nan_red(name, a, axis, dtype, keepdims, split_every, out, ddof=0):
    _no_out(out)
    x = _as_array(a)
    if dtype is not None and np.dtype(dtype).kind not in "fc" and x.dtype.kind in "fc":
        if name in ("nanmean", "nanvar", "nanstd"):
            raise TypeError("If a is inexact, then dtype must be inexact")   # NumPy's words
        # NumPy's nansum(x, dtype=int): the NaNs become 0 (nanprod's 1), then the
        # numbers are cast and added up
        x = where(isnan(x), 0 if name == "nansum" else 1, x)
    elif dtype is not None and x.dtype.kind not in "fc" and name in ("nanmean", "nanvar", "nanstd"):
        # integers hold no NaN: NumPy's nanmean of them is their mean
        return x._red(name[3:], axis, keepdims, split_every, ddof, dtype)
    return x._red(name, axis, keepdims, split_every, ddof, dtype)


def nansum(a, axis=None, dtype=None, keepdims=False, split_every=None, out=None):
    return _nan_red("nansum", a, axis, dtype, keepdims, split_every, out)


def nanprod(a, axis=None, dtype=None, keepdims=False, split_every=None, out=None):
    return _nan_red("nanprod", a, axis, dtype, keepdims, split_every, out)


def nanmean(a, axis=None, dtype=None, keepdims=False, split_every=None, out=None):
    return _nan_red("nanmean", a, axis, dtype, keepdims, split_every, out)


def nanvar(a, axis=None, dtype=None, keepdims=False, ddof=0, split_every=None, out=None):
    return _nan_red("nanvar", a, axis, dtype, keepdims, split_every, out, ddof)


def nanstd(a, axis=None, dtype=None, keepdims=False, ddof=0, split_every=None, out=None):
    return _nan_red("nanstd", a, axis, dtype, keepdims, split_every, out, ddof)


def nanmin(a, axis=None, keepdims=False, split_every=None, out=None):
    return _nan_red("nanmin", a, axis, None, keepdims, split_every, out)


def nanmax(a, axis=None, keepdims=False, split_every=None, out=None):
    return _nan_red("nanmax", a, axis, None, keepdims, split_every, out)


def _where_operand(v):
    """x or y of where: a dusk array, or a number as _scalar types it (a 0-d
    NumPy array as its scalar, which NumPy casts by its value)."""
    if isinstance(v, Array):
        return v
    if isinstance(v, np.ndarray) and v.ndim == 0:
        v = v[()]
    s = _scalar(v)
    if s is not None:
        return s
    _refuse_int_past_64_bits(v)
    return from_array(np.asarray(v))   # an array-like, or a NumPy type dusk has not


def where(condition, x=None, y=None):
    """numpy.where(condition, x, y), as dask.array.where: x and y arrays or numbers."""
    if x is None and y is None:
        raise TypeError("where(condition) without x and y is numpy.nonzero, which dusk "
                        "does not have: give x and y")
    if x is None or y is None:
        raise ValueError("either both or neither of x and y should be given")
    cond = _as_array(condition)
    a, b = _where_operand(x), _where_operand(y)
    if isinstance(a, Array) and isinstance(b, Array):
        return _apply("_where", cond, a, b)
    if isinstance(a, Array):
        return _apply("_where_scalar", cond, a, *b, False)
    if isinstance(b, Array):
        return _apply("_where_scalar", cond, b, *a, True)
    # Two numbers: NumPy types them as two 0-d arrays (no value-based
    # casting between scalars alone: float32(1) and 2.0 give float64)
    return _apply("_where", cond, from_array(np.asarray(x)), from_array(np.asarray(y)))


def _computed(obj):
    """obj with every dusk array in it (in lists, tuples and dicts) computed, all
    in one run."""
    found = []

    def walk(o):
        if isinstance(o, Array):
            found.append(o)
        elif isinstance(o, (list, tuple)):
            for i in o:
                walk(i)
        elif isinstance(o, dict):
            for i in o.values():
                walk(i)
    walk(obj)
    if not found:
        return obj
    values = dict(zip(map(id, found), compute(*found)))

    def put(o):
        if isinstance(o, Array):
            return values[id(o)]
        if isinstance(o, (list, tuple)):
            r = [put(i) for i in o]
            return r if isinstance(o, list) else tuple(r)
        if isinstance(o, dict):
            return {k: put(v) for k, v in o.items()}
        return o
    return put(obj)


class LinAlgError(np.linalg.LinAlgError, ValueError):
    """A factorisation's block that LAPACK could not factor (a singular matrix,
    one not positive definite, an SVD that did not converge): NumPy's
    LinAlgError, as NumPy's and Dask's raise it, and a ValueError, as dusk's
    refusals are."""


class _linalg_errors:
    """Turns the ValueError of a run that failed in a factorisation's block
    into LinAlgError, its message kept."""

    _WORDS = ("singular matrix", "not positive definite", "did not converge")

    def __enter__(self):
        return self

    def __exit__(self, etype, exc, tb):
        if etype is ValueError and not isinstance(exc, LinAlgError) and \
                builtins.any(w in str(exc) for w in self._WORDS):
            raise LinAlgError(str(exc)) from None
        return False


def _compute_together(arrays, scheduler=None, num_workers=None):
    """The values of dusk arrays, a list, those of one context in one run of
    their joined graph (dask.compute's sharing)."""
    with _locked, _linalg_errors():
        rs = Array._compute_many(list(arrays), scheduler=scheduler, num_workers=num_workers)
    return [r[()] if r.ndim == 0 else r for r in rs]


def compute(*arrays, **kwargs):
    """The values of several arrays, as a tuple (dask.compute's form: arrays inside
    lists, tuples, sets and dicts too, unless traverse=False)."""
    from . import compute as _compute
    return _compute(*arrays, **kwargs)


def _target(t):
    """(file name, dataset path) of a store target."""
    if isinstance(t, tuple) and len(t) == 2:
        # os.fsdecode: a bytes or PathLike name is the file it names, and an
        # int or None no file at all (TypeError), not the file "b'x.h5'" or "5"
        return os.fsdecode(t[0]), _datapath(t[1])
    if _is_h5py_dataset(t) or (hasattr(t, "__setitem__") and hasattr(t, "shape")):
        return None   # an array-like, written with t[region] = values, as Dask's
    raise TypeError("a store target is an h5py dataset, an array-like (a NumPy array) or a "
                    "(filename, datapath) pair, not %s" % type(t).__name__)


def _refuse_open_writer(filename):
    """OSError when HDF5 (h5py) has filename open for writing: dusk replaces the
    file whole, and what that handle wrote later would be lost. HDF5 holds an
    exclusive flock() on a file it writes (a shared one on a file it reads)
    unless HDF5_USE_FILE_LOCKING=FALSE, which this check cannot see through."""
    try:
        fd = os.open(filename, os.O_RDONLY | os.O_NONBLOCK)   # a FIFO must not block
    except OSError:
        return   # no such file yet (or unreadable: the store will say)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        raise OSError(errno.EBUSY, "store: '%s' is open for writing (an h5py.File in mode "
                      "'w', 'a' or 'r+'?); dusk replaces the file whole, so close it first"
                      % filename, filename) from None
    except OSError:
        pass     # a file system without flock: nothing to learn
    finally:
        os.close(fd)


def _replaces_as_dask(filename, path, s):
    """How a store of s to (filename, path) meets a dataset already there, as Dask's
    (h5py's require_dataset) would: (True, s cast to its dtype) for one of s's shape
    whose dtype s casts to safely, which a rerun of the same cell finds; TypeError for
    another one; (False, s) when there is none. dusk replaces the dataset (its
    attributes, compression and chunks are the new store's), where h5py writes into
    it."""
    filename = os.fsdecode(filename)
    if not os.path.isfile(filename):
        return False, s
    try:
        old = from_hdf5(filename, path)
    except OSError:
        return False, s   # no such dataset (or no HDF5 file: the store says so)
    if old.shape != s.shape or not np.can_cast(s.dtype, old.dtype):
        raise TypeError("store: %r already has %s of shape %s and dtype %s, which %s of %s "
                        "cannot be written into (overwrite=True replaces it)"
                        % (filename, path, old.shape, old.dtype, s.shape, s.dtype))
    return True, s if old.dtype == s.dtype else s.astype(old.dtype)


def store(sources, targets, lock=True, regions=None, compute=True, return_stored=False,
          compression=None, overwrite=None, scheduler=None, num_workers=None, **kwargs):
    """Computes sources into targets: (filename, datapath) pairs, written by dusk
    (chunk by chunk, the file replaced whole once all is written), or h5py datasets
    and other array-likes (NumPy arrays), which get the computed values by
    target[region] = values (regions: one tuple of slices, or one per target, as
    Dask's). A dataset already in the file is replaced where Dask would write into
    it (overwrite=None: one of the same shape and a dtype the values cast to safely,
    which keeps its dtype; another is TypeError), always (overwrite=True) or never
    (False: OSError). compute=False returns a dusk.Delayed that stores when computed;
    return_stored=True the stored arrays (read back from the targets), as Dask's."""
    if isinstance(sources, Array):
        sources, targets = [sources], [targets]
    sources, targets = list(sources), list(targets)
    if len(sources) != len(targets):
        raise ValueError("store: %d sources and %d targets" % (len(sources), len(targets)))
    if regions is None or isinstance(regions, tuple):
        regions = [regions] * len(sources)
    regions = list(regions)
    if len(regions) != len(sources):
        raise ValueError("store: %d sources and %d regions" % (len(sources), len(regions)))
    if compression is True or compression is False:   # h5py's True is gzip's level 4
        compression = "gzip" if compression else None
    if compression not in (None, "gzip") and not (
            isinstance(compression, (int, np.integer)) and 0 <= compression <= 9):
        raise ValueError("compression must be None, 'gzip' or a gzip level 0 to 9, not %r"
                         % (compression,))
    # h5py's levels: "gzip" is level 4, and 0 is gzip at level 0 (its filter, the
    # data kept as it is: _store's -1), not no compression
    level = (0 if compression is None else 4 if compression == "gzip"
             else -1 if compression == 0 else int(compression))
    for s, t, r in zip(sources, targets, regions):
        if not isinstance(s, Array):
            raise TypeError("store: a source must be a dusk array, not %s" % type(s).__name__)
        if _target(t) is not None and r is not None:
            raise TypeError("store: regions= need an array-like target: dusk writes a "
                            "(filename, datapath) target's dataset whole")
    if not compute:
        # Dask's Delayed of the store: it runs when computed (dusk.get calls it).
        import functools
        import uuid
        from . import Delayed
        key = "store-" + uuid.uuid4().hex
        run = functools.partial(store, sources, targets, regions=regions,
                                return_stored=return_stored, compression=compression,
                                overwrite=overwrite, num_workers=num_workers)
        return Delayed(key, {key: (run,)})
    stored = []
    for s, t, r in zip(sources, targets, regions):
        where = _target(t)
        if where is None:
            if r is None and tuple(t.shape) != s.shape:
                raise ValueError("store: shape %s does not fit the target's %s" % (s.shape, t.shape))
            t[... if r is None else r] = s.compute(scheduler=scheduler, num_workers=num_workers)
            # in the source's chunks, as Dask's stored arrays
            stored.append(from_array(t if r is None else t[r], chunks=s.chunks)
                          if return_stored else None)
        else:
            _refuse_open_writer(where[0])
            replace = overwrite
            if overwrite is None:
                replace, s = _replaces_as_dask(where[0], where[1], s)
            with _locked:
                s._store(where[0], where[1], gzip=level, overwrite=bool(replace),
                         scheduler=scheduler, num_workers=num_workers)
            stored.append(from_hdf5(where[0], where[1], chunks=s.chunks) if return_stored else None)
    return tuple(stored) if return_stored else None


def to_hdf5(filename, datapath, x=None, **kwargs):
    """da.to_hdf5(filename, '/x', x), or with a dict {datapath: array}."""
    if isinstance(datapath, dict):
        if x is not None:
            raise TypeError("to_hdf5: a dict of datasets takes no array besides it")
        done = [arr.to_hdf5(filename, path, **kwargs) for path, arr in datapath.items()]
        return None if builtins.all(d is None for d in done) else tuple(done)
    if not isinstance(x, Array):
        raise TypeError("to_hdf5(filename, datapath, x): x must be a dusk array, not %s"
                        % type(x).__name__)
    return x.to_hdf5(filename, datapath, **kwargs)


# da.linalg, as dask.array.linalg (import dusk.array.linalg too)
from . import linalg  # noqa: E402
_sys.modules[__name__ + ".linalg"] = linalg


from . import blocks as _blocks   # noqa: E402  (it builds on Array)
from .blocks import map_blocks, blockwise, map_overlap, reduction   # noqa: E402,F401
__all__ += ["map_blocks", "blockwise", "map_overlap", "reduction"]


# --- NumPy's creation and shape functions, from dusk's operations ------------------------
# Each builds the graph dask.array builds where Dask's is a composition
# (tri, tril, diff, vstack ...): slices, None axes, transposes, where and
# concatenate; eye is a layer of its own (dusk_eye), as in Dask.

def _like_shape_chunks(a, chunks, shape):
    """Dask's rule for *_like: a's shape and chunks, or the shape given with
    'auto' chunks unless chunks says otherwise. A NumPy array's chunks are
    those Dask's asarray gives it: 'auto' for its own dtype."""
    if shape is None and isinstance(a, Array):
        a._known_chunks("the *_like functions (their shape)")
    if shape is None:
        if chunks is None:
            chunks = a.chunks if isinstance(a, Array) else \
                zeros(a.shape, dtype=_sized_like(a.dtype), chunks="auto").chunks
        return a.shape, chunks
    return _shape(shape), ("auto" if chunks is None else chunks)


def _sized_like(dt):
    """A dtype dusk has of dt's item size: 'auto' chunks count bytes (strings'
    too, whose shape is all *_like takes of them)."""
    if dt.kind in "biufc":
        return dt
    return {1: "u1", 2: "u2", 4: "u4", 8: "u8", 16: "c16"}.get(dt.itemsize, "f8")


def _like_of(a):
    """a's shape and dtype without reading it: a dusk array, an h5py dataset
    (as dusk reads it, lazily), or what NumPy makes of anything else."""
    if isinstance(a, Array):
        return a
    if _is_h5py_dataset(a):
        return from_array(a)
    return np.asarray(a)


def _like_dtype(a, dtype):
    return a.dtype if dtype is None else dtype


def _refuse_name(name, what):
    if name is not None:
        raise TypeError("%s: dusk names the layer by its arguments, as Dask does with no "
                        "name=; name=%r cannot be given" % (what, name))


def _like(make, what, a, dtype, chunks, name, shape):
    _refuse_name(name, what)
    a = _like_of(a)
    shape, chunks = _like_shape_chunks(a, chunks, shape)
    return make(shape, dtype=_like_dtype(a, dtype), chunks=chunks)


# order= is taken as Dask takes it: blocks in F order hold the same values,
# and dusk's are in C order.
def empty_like(a, dtype=None, order="C", chunks=None, name=None, shape=None):
    """numpy.empty_like as dask.array's: an uninitialised array of a's shape,
    dtype and chunks (or those given)."""
    return _like(empty, "empty_like", a, dtype, chunks, name, shape)


def ones_like(a, dtype=None, order="C", chunks=None, name=None, shape=None):
    """numpy.ones_like as dask.array's: ones of a's shape, dtype and chunks
    (or those given)."""
    return _like(ones, "ones_like", a, dtype, chunks, name, shape)


def zeros_like(a, dtype=None, order="C", chunks=None, name=None, shape=None):
    """numpy.zeros_like as dask.array's: zeros of a's shape, dtype and chunks
    (or those given)."""
    return _like(zeros, "zeros_like", a, dtype, chunks, name, shape)


def full_like(a, fill_value, order="C", dtype=None, chunks=None, name=None, shape=None):
    """numpy.full_like as dask.array's (its order of arguments: order before
    dtype): fill_value, converted to the dtype, in a's shape and chunks."""
    _refuse_name(name, "full_like")
    a = _like_of(a)
    shape, chunks = _like_shape_chunks(a, chunks, shape)
    dtype = np.dtype(_like_dtype(a, dtype))
    if np.ndim(fill_value) != 0:
        raise ValueError("fill_value must be scalar. Received %s instead"
                         % type(fill_value).__name__)
    # the value as the dtype holds it (2**70 as a float64, 1j as a complex)
    return full(shape, np.array(fill_value).astype(dtype)[()], dtype=dtype, chunks=chunks)


def _whole(v, what):
    """An int, as operator.index reads it (a NumPy integer, a 0-d integer array)."""
    try:
        return operator.index(v)
    except TypeError:
        raise TypeError("%s must be an int, not %s" % (what, type(v).__name__)) from None


def eye(N, chunks="auto", M=None, k=0, dtype=float):
    """numpy.eye(N, M, k) as dask.array.eye: one 'eye' task per block, square
    blocks of the first row block's size."""
    if not isinstance(chunks, (numbers.Integral, np.integer, str)) or isinstance(chunks, bool):
        raise ValueError("eye: chunks must be an int or a string, not %r" % (chunks,))
    N = _whole(N, "eye: N")
    M = N if M is None else _whole(M, "eye: M")
    # a diagonal past the corners is none: as far as int64 reaches, the same
    k = builtins.max(-N - 1, builtins.min(_whole(k, "eye: k"), M + 1))
    return _apply("_eye", N, M, k, _chunks_text(chunks),
                  _dtype_name(float if dtype is None else dtype))


def tri(N, M=None, k=0, dtype=float, chunks="auto", like=None):
    """numpy.tri: ones at and below the diagonal k, as dask.array.tri builds it
    (arange(N) >= arange(-k, M - k), an outer comparison, each axis in blocks
    of the first size chunks gives it). like= is taken and ignored, as Dask's
    NumPy arrays need none."""
    N = builtins.max(0, _whole(N, "tri: N"))   # NumPy's: a negative size is empty
    M = N if M is None else builtins.max(0, _whole(M, "tri: M"))
    # a diagonal past the corners gives all or nothing: the same, in numbers
    # arange counts exactly
    k = builtins.max(-N - 1, builtins.min(_whole(k, "tri: k"), M + 1))
    c = zeros((N, M), dtype=dtype, chunks=chunks).chunks   # chunks as Dask normalises them
    rows = arange(N, chunks=c[0][0] if c[0] and c[0][0] else 1)
    cols = arange(-k, M - k, chunks=c[1][0] if c[1] and c[1][0] else 1)
    m = rows[:, None] >= cols[None, :]
    return m if np.dtype(dtype) == bool else m.astype(dtype)


def _triangle(m, k, lower):
    m = _as_array(m)
    k = _whole(k, "tril: k" if lower else "triu: k")
    if m.ndim < 1:
        raise ValueError("%s: the array must have at least 1 dimension" %
                         ("tril" if lower else "triu"))
    shape, chunks = m.shape[-2:], m.chunks[-2:]
    if m.ndim == 1:   # NumPy's: a 1-d array is the row of a square one
        shape, chunks = shape * 2, chunks * 2
    mask = tri(shape[0], shape[1], k=k if lower else k - 1, dtype=bool, chunks=chunks)
    zero = m.dtype.type(0)
    return where(mask, m, zero) if lower else where(mask, zero, m)


def tril(m, k=0):
    """numpy.tril: the array with its elements above the diagonal k zero."""
    return _triangle(m, k, True)


def triu(m, k=0):
    """numpy.triu: the array with its elements below the diagonal k zero."""
    return _triangle(m, k, False)


def _axis_of(axis, ndim, what):
    axis = _whole(axis, what + ": axis")
    if not -ndim <= axis < ndim:
        raise np.AxisError(axis, ndim)
    return axis % ndim


def _axes_of(axis, ndim, what):
    if isinstance(axis, np.ndarray):
        axis = axis.tolist()
    axes = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    out = tuple(_axis_of(a, ndim, what) for a in axes)
    if len(set(out)) != len(out):
        raise ValueError("%s: repeated axis in %r" % (what, axis))
    return out


def expand_dims(a, axis):
    """numpy.expand_dims: new axes of length 1 at the places axis names (in the
    result's axes)."""
    a = _as_array(a)
    ndim = a.ndim + (len(axis) if isinstance(axis, (tuple, list)) else 1)
    if ndim > 32:
        raise ValueError("expand_dims: the result would have %d dimensions; dusk arrays have "
                         "at most 32" % ndim)
    new = _axes_of(axis, ndim, "expand_dims")
    return a[tuple(None if d in new else slice(None) for d in range(a.ndim + len(new)))]


def atleast_1d(*arys):
    """numpy.atleast_1d: 0-d arrays as 1-d of one element; one array or a list."""
    out = [_as_array(a) for a in arys]
    out = [a[None] if a.ndim == 0 else a for a in out]
    return out[0] if len(out) == 1 else out


def atleast_2d(*arys):
    """numpy.atleast_2d: 0-d and 1-d arrays as rows; one array or a list."""
    out = []
    for a in arys:
        a = _as_array(a)
        out.append(a[None, None] if a.ndim == 0 else a[None, :] if a.ndim == 1 else a)
    return out[0] if len(out) == 1 else out


def atleast_3d(*arys):
    """numpy.atleast_3d: (N,) as (1, N, 1), (M, N) as (M, N, 1); one array or a list."""
    out = []
    for a in arys:
        a = _as_array(a)
        if a.ndim == 0:
            a = a[None, None, None]
        elif a.ndim == 1:
            a = a[None, :, None]
        elif a.ndim == 2:
            a = a[:, :, None]
        out.append(a)
    return out[0] if len(out) == 1 else out


def _sequence(tup, what):
    if isinstance(tup, Array) or not np.iterable(tup) or isinstance(tup, (str, bytes)):
        raise TypeError("%s takes a sequence of arrays (a list, a tuple, a NumPy array's "
                        "rows), not %s" % (what, type(tup).__name__))
    tup = list(tup)
    if not tup:
        raise ValueError("%s: need at least one array to concatenate" % what)
    return tup


# allow_unknown_chunksizes= is taken as Dask's, and does nothing: dusk joins no
# array of unknown chunk sizes (x[mask]'s), whichever it is (concatenate refuses
# them, saying to call compute_chunk_sizes() first).
def vstack(tup, allow_unknown_chunksizes=False):
    """numpy.vstack: rows after rows (1-d arrays as rows)."""
    tup = _sequence(tup, "vstack")
    return concatenate([atleast_2d(a) for a in tup], axis=0)


def hstack(tup, allow_unknown_chunksizes=False):
    """numpy.hstack: along the second axis (along the first for 1-d arrays)."""
    arrs = [atleast_1d(a) for a in _sequence(tup, "hstack")]
    return concatenate(arrs, axis=0 if arrs[0].ndim == 1 else 1)


def dstack(tup, allow_unknown_chunksizes=False):
    """numpy.dstack: along the third axis."""
    return concatenate([atleast_3d(a) for a in _sequence(tup, "dstack")], axis=2)


def swapaxes(a, axis1, axis2):
    """numpy.swapaxes: axis1 and axis2 exchanged (a transpose)."""
    a = _as_array(a)
    i, j = _axis_of(axis1, a.ndim, "swapaxes"), _axis_of(axis2, a.ndim, "swapaxes")
    perm = list(range(a.ndim))
    perm[i], perm[j] = perm[j], perm[i]
    return a if i == j else a.transpose(tuple(perm))


def moveaxis(a, source, destination):
    """numpy.moveaxis: axes source moved to the places destination, the others
    in their order."""
    a = _as_array(a)
    src = _axes_of(source, a.ndim, "moveaxis")
    dst = _axes_of(destination, a.ndim, "moveaxis")
    if len(src) != len(dst):
        raise ValueError("moveaxis: source and destination must have the same number of "
                         "elements")
    order = [d for d in range(a.ndim) if d not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return a if order == list(range(a.ndim)) else a.transpose(tuple(order))


def flip(m, axis=None):
    """numpy.flip: the elements of axis (of every axis when None) in reverse order."""
    m = _as_array(m)
    axes = range(m.ndim) if axis is None else _axes_of(axis, m.ndim, "flip")
    return m[tuple(slice(None, None, -1) if d in axes else slice(None) for d in range(m.ndim))]


def flipud(m):
    """numpy.flipud: the rows in reverse order."""
    m = _as_array(m)
    if m.ndim < 1:
        raise ValueError("flipud: the array must have at least 1 dimension")
    return flip(m, 0)


def fliplr(m):
    """numpy.fliplr: the columns in reverse order."""
    m = _as_array(m)
    if m.ndim < 2:
        raise ValueError("fliplr: the array must have at least 2 dimensions")
    return flip(m, 1)


def rot90(m, k=1, axes=(0, 1)):
    """numpy.rot90: turned k times by 90 degrees, from the first of axes toward
    the second."""
    m = _as_array(m)
    axes = tuple(axes)
    if len(axes) != 2:
        raise ValueError("rot90: axes must name 2 axes")
    if m.ndim < 2:
        raise ValueError("rot90: the array must have at least 2 dimensions")
    a0, a1 = _axis_of(axes[0], m.ndim, "rot90"), _axis_of(axes[1], m.ndim, "rot90")
    if a0 == a1:
        raise ValueError("rot90: the axes must differ")
    k = _whole(k, "rot90: k") % 4
    if k == 0:
        return m
    if k == 2:
        return flip(flip(m, a0), a1)
    perm = list(range(m.ndim))
    perm[a0], perm[a1] = perm[a1], perm[a0]
    return flip(m, a1).transpose(tuple(perm)) if k == 1 else flip(m.transpose(tuple(perm)), a1)


def broadcast_to(x, shape, chunks=None, meta=None):
    """numpy.broadcast_to: x repeated along the axes it lacks or has of length
    1. New axes and stretched ones are one chunk each, as Dask's; chunks
    rechunks the result."""
    x = _as_array(x)
    shape = _shape(shape)
    lead = len(shape) - x.ndim
    if lead < 0 or builtins.any(s not in (1, n) for s, n in zip(x.shape, shape[lead:])):
        raise ValueError("cannot broadcast an array of shape %s to %s" % (x.shape, shape))
    if x.shape == shape:
        return x if chunks is None else x.rechunk(chunks)
    sizes = [(n,) for n in shape[:lead]]
    sizes += [(n,) if s != n else c for s, n, c in zip(x.shape, shape[lead:], x.chunks)]
    # where picks x's elements exactly (a product or sum would not keep -0.0
    # or a complex infinity); the mask gives the shape and chunks
    r = where(ones(shape, dtype=bool, chunks=tuple(sizes)), x, x)
    return r if chunks is None else r.rechunk(chunks)


def _broadcast_end(v, a, axis, what):
    """prepend= or append= of diff: a number or array with a's shape but 1
    (or any length) along axis."""
    v = _as_array(v)
    if v.ndim == 0:
        shape = list(a.shape)
        shape[axis] = 1
        return broadcast_to(v, tuple(shape))
    return v


def diff(a, n=1, axis=-1, prepend=None, append=None):
    """numpy.diff: the n-th differences along axis, as dask.array.diff builds
    them (a[1:] - a[:-1], n times; not_equal for booleans)."""
    a = _as_array(a)
    n = _whole(n, "diff: n")
    if n < 0:
        raise ValueError("diff: order must be non-negative but got %d" % n)
    if n == 0:   # NumPy's: a itself, whatever prepend and append say
        return a
    if a.ndim == 0:
        raise ValueError("diff requires input that is at least one dimensional")
    axis = _axis_of(axis, a.ndim, "diff")
    a._known_chunks("diff", (axis,))
    parts = []
    if prepend is not None:
        parts.append(_broadcast_end(prepend, a, axis, "prepend"))
    parts.append(a)
    if append is not None:
        parts.append(_broadcast_end(append, a, axis, "append"))
    if len(parts) > 1:
        a = concatenate(parts, axis=axis)
    hi = tuple(slice(1, None) if d == axis else slice(None) for d in range(a.ndim))
    lo = tuple(slice(None, -1) if d == axis else slice(None) for d in range(a.ndim))
    for _ in range(n):
        a = (a[hi] != a[lo]) if a.dtype == bool else a[hi] - a[lo]
    return a


def outer(a, b):
    """numpy.outer: a.ravel()[i] * b.ravel()[j]."""
    a, b = _as_array(a), _as_array(b)
    a._known_chunks("outer")
    b._known_chunks("outer")
    a, b = a.ravel(), b.ravel()
    return a[:, None] * b[None, :]


def count_nonzero(a, axis=None):
    """numpy.count_nonzero, as Dask's: the sum of a != 0, in int64."""
    return (_as_array(a) != 0).sum(axis=axis).astype(np.intp)


def ptp(a, axis=None):
    """numpy.ptp: max - min along axis."""
    a = _as_array(a)
    return a.max(axis=axis) - a.min(axis=axis)


def average(a, axis=None, weights=None, returned=False, keepdims=False):
    """numpy.average: the mean along axis, weighted when weights are given (of
    a's shape, or 1-d along axis), in NumPy's dtype (float64 for integers);
    returned=True adds the sum of the weights, keepdims keeps the axes."""
    a = _as_array(a)
    if weights is None:
        avg = a.mean(axis=axis, keepdims=keepdims)
        if not returned:
            return avg
        a._known_chunks("average(returned=True)")
        scl = np.asarray(avg.dtype.type(a.size / builtins.max(avg.size, 1)))
        return avg, broadcast_to(from_array(scl), avg.shape)
    w = _as_array(weights)
    a._known_chunks("average(weights=)")
    w._known_chunks("average(weights=)")
    if w.shape != a.shape:
        if axis is None:
            raise TypeError("average: axis must be given when the shapes of a and weights "
                            "differ")
        if w.ndim != 1:
            raise TypeError("average: 1-d weights are expected when the shapes of a and "
                            "weights differ")
        ax = _axis_of(axis, a.ndim, "average")
        if w.shape[0] != a.shape[ax]:
            raise ValueError("average: length of weights %d differs from axis %d of a (%d)"
                             % (w.shape[0], ax, a.shape[ax]))
        w = broadcast_to(w[tuple(slice(None) if d == ax else None for d in range(a.ndim))],
                         a.shape)
    # NumPy's: the product and both sums in the result's dtype (float64 at
    # least for integers, so that int8 weights cannot overflow)
    rt = np.result_type(a.dtype, w.dtype)
    if a.dtype.kind in "biu":
        rt = np.result_type(rt, "f8")
    w = w.astype(rt)
    scl = w.sum(axis=axis, keepdims=keepdims)
    avg = (a.astype(rt) * w).sum(axis=axis, keepdims=keepdims) / scl
    return (avg, scl) if returned else avg


__all__ += ["empty_like", "ones_like", "zeros_like", "full_like", "eye", "tri", "tril", "triu",
            "expand_dims", "atleast_1d", "atleast_2d", "atleast_3d", "vstack", "hstack",
            "dstack", "swapaxes", "moveaxis", "flip", "flipud", "fliplr", "rot90",
            "broadcast_to", "diff", "outer", "count_nonzero", "ptp", "average"]


def broadcast_arrays(*args, subok=False):
    """numpy.broadcast_arrays: the arrays broadcast to their common shape, each
    axis in the chunks of an array that has it whole (Dask's broadcast_chunks)."""
    arrs = [_as_array(a) for a in args]
    if not arrs:
        return []
    for a in arrs:
        a._known_chunks("broadcast_arrays")
    shape = np.broadcast_shapes(*(a.shape for a in arrs))
    chunks = []
    for d in range(len(shape)):
        got = None
        for a in arrs:
            ad = d - (len(shape) - a.ndim)
            if ad >= 0 and a.shape[ad] == shape[d] and (shape[d] != 1 or got is None):
                if got is not None and a.chunks[ad] != got:
                    raise ValueError("broadcast_arrays: chunks do not align along axis %d: %s "
                                     "and %s (rechunk one of them)" % (d, got, a.chunks[ad]))
                got = a.chunks[ad]
        chunks.append(got if got is not None else (shape[d],))
    chunks = tuple(chunks)
    out = []
    for a in arrs:
        b = broadcast_to(a, shape)
        out.append(b if b.chunks == chunks else b.rechunk(chunks))
    return out


def meshgrid(*xi, sparse=False, indexing="xy", **kwargs):
    """numpy.meshgrid as dask.array's: each array flattened along its own axis
    of the grid ('xy': the first two swapped, as NumPy), broadcast to the whole
    grid unless sparse."""
    kwargs.pop("copy", None)
    if kwargs:
        raise TypeError("meshgrid: unsupported keyword argument(s) %s" % ", ".join(sorted(kwargs)))
    if indexing not in ("ij", "xy"):
        raise ValueError("`indexing` must be `'ij'` or `'xy'`")
    xi = [_as_array(e).ravel() for e in xi]
    if indexing == "xy" and len(xi) > 1:
        xi[0], xi[1] = xi[1], xi[0]
    grid = [x[tuple(slice(None) if i == j else None for j in range(len(xi)))]
            for i, x in enumerate(xi)]
    if not sparse:
        grid = broadcast_arrays(*grid)
    if indexing == "xy" and len(xi) > 1:
        grid[0], grid[1] = grid[1], grid[0]
    return grid


def indices(dimensions, dtype=int, chunks="auto"):
    """numpy.indices as dask.array's: the stack of each axis's index grid, of
    shape (len(dimensions),) + dimensions."""
    dimensions = tuple(_whole(d, "indices: a dimension") for d in dimensions)
    dtype = np.dtype(dtype)
    c = zeros(dimensions, dtype=dtype, chunks=chunks).chunks
    if builtins.all(dimensions):
        xi = [arange(n, chunks=(c[i],), dtype=dtype) for i, n in enumerate(dimensions)]
        return stack(meshgrid(*xi, indexing="ij")) if xi else empty((0,), dtype=dtype)
    return empty((len(dimensions),) + dimensions, dtype=dtype, chunks=((1,) * len(dimensions),) + c)


def roll(array, shift, axis=None):
    """numpy.roll as dask.array's: each axis's two slices swapped by concatenate
    (the array flattened when axis is None)."""
    a = _as_array(array)
    a._known_chunks("roll")
    result = a
    if axis is None:
        result = result.ravel()
        shifts, axes = (_whole(shift, "roll: shift"),), (0,)
    else:
        shifts = tuple(shift) if np.iterable(shift) else (shift,)
        axes = tuple(axis) if np.iterable(axis) else (axis,)
        if len(shifts) != len(axes):
            if len(shifts) == 1:
                shifts = shifts * len(axes)
            elif len(axes) == 1:
                axes = axes * len(shifts)
            else:
                raise ValueError("roll: shift and axis must have the same number of entries")
    for ax, sh in zip(axes, shifts):
        ax = _axis_of(ax, result.ndim, "roll")
        n = result.shape[ax]
        if n == 0:
            continue
        s = -_whole(sh, "roll: shift") % n
        if s == 0:
            continue
        lead = (slice(None),) * ax
        result = concatenate([result[lead + (slice(s, None),)], result[lead + (slice(None, s),)]],
                             axis=ax)
    return result.reshape(a.shape) if axis is None else result


def tile(A, reps):
    """numpy.tile as dask.array's: copies joined by concatenate along each axis."""
    tup = tuple(reps) if np.iterable(reps) else (reps,)
    tup = tuple(_whole(r, "tile: reps") for r in tup)
    if builtins.any(r < 0 for r in tup):
        raise ValueError("Negative `reps` are not allowed.")
    c = _as_array(A)
    c._known_chunks("tile")
    if len(tup) < c.ndim:
        tup = (1,) * (c.ndim - len(tup)) + tup
    if c.ndim < len(tup):
        c = c[(None,) * (len(tup) - c.ndim)]
    for ax, r in enumerate(tup):
        if r == 0:
            c = c[(slice(None),) * ax + (slice(0, 0),)]
        elif r > 1:
            c = concatenate([c] * r, axis=ax)
    return c


def take(a, indices, axis=0):
    """numpy.take as dask.array's: a[..., indices, ...] along axis (indices an
    int or a list or 1-d array of them)."""
    a = _as_array(a)
    axis = _axis_of(axis, a.ndim, "take")
    a._known_chunks("take", (axis,))
    if isinstance(indices, Array):
        indices = indices.compute()
    idx = np.asarray(indices)
    if idx.ndim > 1:
        raise NotImplementedError("take: dusk takes an int or a 1-d list of indices, not %d-d"
                                  % idx.ndim)
    if idx.dtype.kind not in "iu" and idx.size:
        raise IndexError("take: indices are integers, not %s" % idx.dtype)
    item = int(idx) if idx.ndim == 0 else idx.tolist()
    return a[(slice(None),) * axis + (item,)]


_PAD_MODES = ("constant", "edge", "linear_ramp", "maximum", "mean", "median", "minimum",
              "reflect", "symmetric", "wrap", "empty")
_PAD_STATS = ("maximum", "mean", "median", "minimum")


def _median_keep(block, axis):
    """np.median of a block along axis, kept (pad's median mode)."""
    return np.median(block, axis=axis, keepdims=True)


def _pad_stat(a, d, side, w, length, mode):
    """The pad of width w on side (0 before, 1 after) of axis d: mode's statistic
    of the length values nearest it, broadcast, in a's dtype (a mean or median
    of integers rounded to even, as NumPy's)."""
    n = a.shape[d]
    lead = (slice(None),) * d
    region = a[lead + (slice(0, length) if side == 0 else slice(n - length, n),)]
    if mode == "maximum":
        stat = region.max(axis=d, keepdims=True)
    elif mode == "minimum":
        stat = region.min(axis=d, keepdims=True)
    elif mode == "mean":
        stat = region.mean(axis=d, keepdims=True)
    else:   # median: NumPy's, on the region in one block along d
        region = region.rechunk({d: -1})
        kind = np.median(np.zeros(1, a.dtype)).dtype
        stat = region.map_blocks(_median_keep, axis=d, dtype=kind,
                                 chunks=region.chunks[:d] + ((1,),) + region.chunks[d + 1:])
    if mode in ("mean", "median") and np.issubdtype(a.dtype, np.integer):
        stat = stat.round()
    shape = a.shape[:d] + (w,) + a.shape[d + 1:]
    return broadcast_to(stat.astype(a.dtype), shape)


def _pad_ramp(a, d, side, w, end):
    """linear_ramp's pad, as NumPy's: np.linspace(end, edge, w, endpoint=False)
    from the outside in, computed as linspace computes it (i * step + end; NumPy
    takes i / w * delta instead when some edge equals its end, which can differ
    in the last bit) and floored for integers, as linspace's dtype= does."""
    n = a.shape[d]
    lead = (slice(None),) * d
    edge = a[lead + (slice(0, 1) if side == 0 else slice(n - 1, n),)]
    kind = (np.zeros(1, a.dtype) * 1.0).dtype   # linspace's: start * 1.0 (float32 stays)
    start = np.array(end, dtype=kind)
    step = (edge.astype(kind) - start) / w
    i = arange(0, w, chunks=w, dtype=kind)
    if side == 1:
        i = i[::-1]          # the end value outermost
    i = i.reshape((1,) * d + (w,) + (1,) * (a.ndim - d - 1))
    ramp = i * step + start
    if np.issubdtype(a.dtype, np.integer):
        ramp = floor(ramp)
    return ramp.astype(a.dtype).rechunk(a.chunks[:d] + ((w,),) + a.chunks[d + 1:])


def _pad_pairs(v, ndim, what):
    """NumPy's pad_width (or constant_values) as one (before, after) per axis."""
    arr = np.asarray(v)
    if arr.ndim > 2 or (arr.ndim == 2 and arr.shape[1] != 2) or \
            (arr.ndim >= 1 and arr.shape[0] not in (1, ndim) and not (arr.ndim == 1 and arr.shape[0] == 2)):
        raise ValueError("pad: %s %r does not fit an array of %d dimensions" % (what, v, ndim))
    return [tuple(p) for p in np.broadcast_to(arr, (ndim, 2)).tolist()]


def pad(array, pad_width, mode="constant", **kwargs):
    """numpy.pad, axis after axis as NumPy and dask.array pad (each pad a piece
    joined by concatenate): modes constant (constant_values=), edge, linear_ramp
    (end_values=), maximum, mean, median and minimum (stat_length=), reflect and
    symmetric (reflect_type 'even'), wrap and empty. The values are NumPy's:
    reflect, symmetric and wrap repeat past the axis's length as NumPy's do (Dask's
    come out short), and the statistics of a corner are those of the axes padded
    before it (Dask takes them of the original, and refuses median)."""
    a = _as_array(array)
    a._known_chunks("pad")
    if callable(mode) or mode not in _PAD_MODES:
        raise NotImplementedError("pad: dusk has the modes %s, not %r" % (", ".join(_PAD_MODES), mode))
    allowed = {"constant": {"constant_values"}, "reflect": {"reflect_type"},
               "symmetric": {"reflect_type"}, "linear_ramp": {"end_values"},
               **{m: {"stat_length"} for m in _PAD_STATS}}.get(mode, set())
    if set(kwargs) - allowed:
        raise TypeError("pad: mode %r takes no %s" % (mode, ", ".join(sorted(set(kwargs) - allowed))))
    if kwargs.get("reflect_type", "even") != "even":
        raise NotImplementedError("pad: reflect_type 'odd' is not built (as in Dask)")
    widths = _pad_pairs(pad_width, a.ndim, "pad_width")
    for pw in widths:
        for w in pw:
            if w != int(w) or w < 0:
                raise ValueError("index can't contain negative values" if w < 0 else
                                 "pad: pad_width %r is not whole" % (w,))
    widths = [(int(b), int(e)) for b, e in widths]
    consts = _pad_pairs(kwargs.get("constant_values", 0), a.ndim, "constant_values")
    ends = _pad_pairs(kwargs.get("end_values", 0), a.ndim, "end_values")
    lengths = None
    if mode in _PAD_STATS and kwargs.get("stat_length") is not None:
        lengths = _pad_pairs(kwargs["stat_length"], a.ndim, "stat_length")
        for pair in lengths:
            for v in pair:
                if v != int(v) or v < 0:
                    raise ValueError("index can't contain negative values" if v < 0 else
                                     "pad: stat_length %r is not whole" % (v,))
    for d in range(a.ndim):
        before, after = widths[d]
        n = a.shape[d]
        if (before or after) and n == 0 and mode not in ("constant", "empty"):
            raise ValueError("can't extend empty axis %d using modes other than 'constant' or "
                             "'empty'" % d)
        if mode in ("reflect", "symmetric") and n == 1:
            mode_d = "edge"   # NumPy's: one value reflected is that value
        else:
            mode_d = mode
        if mode_d in ("reflect", "symmetric", "wrap"):
            # NumPy repeats past the axis's length by padding the padded axis
            # again, each time by what it holds
            while before or after:
                m = a.shape[d]
                limit = m - 1 if mode_d == "reflect" else m
                step = (builtins.min(before, limit), builtins.min(after, limit))
                a = _pad_axis(a, d, step, mode_d, None, None, None)
                before, after = before - step[0], after - step[1]
            continue
        if before or after:
            stat = None
            if mode_d in _PAD_STATS:
                stat = [builtins.min(int(v), n) for v in (lengths[d] if lengths else (n, n))]
                if 0 in [s_ for s_, w in zip(stat, (before, after)) if w] and \
                        (mode_d != "mean" or not np.issubdtype(a.dtype, np.inexact)):
                    raise ValueError("stat_length of 0 yields no value for padding")
            a = _pad_axis(a, d, (before, after), mode_d, consts[d], ends[d], stat)
    return a


def _pad_axis(a, d, widths, mode, consts, ends, stat):
    """a padded along axis d by widths (before, after) in mode (pad's modes;
    reflect, symmetric and wrap by at most what the axis holds)."""
    n = a.shape[d]
    lead = (slice(None),) * d
    before, after = widths
    pieces = []
    for side, w in ((0, before), (1, after)):
        if not w:
            pieces.append(None)
            continue
        shape = a.shape[:d] + (w,) + a.shape[d + 1:]
        chunks = a.chunks[:d] + ((w,),) + a.chunks[d + 1:]
        if mode in ("constant", "empty"):
            value = consts[side] if mode == "constant" else 0
            piece = full(shape, np.array(value).astype(a.dtype)[()], dtype=a.dtype,
                         chunks=chunks) if mode == "constant" else \
                empty(shape, dtype=a.dtype, chunks=chunks)
        elif mode == "edge":
            piece = broadcast_to(a[lead + (slice(0, 1) if side == 0 else slice(n - 1, n),)],
                                 shape)
        elif mode in _PAD_STATS:
            piece = _pad_stat(a, d, side, w, stat[side], mode)
        elif mode == "linear_ramp":
            piece = _pad_ramp(a, d, side, w, ends[side])
        elif mode == "wrap":
            piece = a[lead + ((slice(n - w, n) if side == 0 else slice(0, w)),)]
        else:
            o = 1 if mode == "reflect" else 0   # reflect leaves the edge out
            sl = slice(o, o + w) if side == 0 else slice(n - o - w, n - o)
            piece = flip(a[lead + (sl,)], d)
        pieces.append(piece)
    parts = [p for p in (pieces[0], a, pieces[1]) if p is not None]
    return concatenate(parts, axis=d)


def real(val):
    """numpy.real: the real part (the array itself for real dtypes)."""
    return _as_array(val).real


def imag(val):
    """numpy.imag: the imaginary part (zeros for real dtypes)."""
    return _as_array(val).imag


def conj(x):
    """numpy.conj: the complex conjugate."""
    return _as_array(x).conj()


conjugate = conj


def angle(z, deg=False):
    """numpy.angle: the argument of each complex number, arctan2(imag, real),
    in radians (degrees with deg=True); float64 for real input, as NumPy."""
    z = _as_array(z)
    if z.dtype.kind != "c":
        z = z.astype("f8")
    a = arctan2(z.imag, z.real)
    return a * (180 / np.pi) if deg else a


def nancumsum(x, axis, dtype=None, out=None, *, method="sequential"):
    """numpy.nancumsum: cumsum with NaN counted as 0 (Dask's: the same
    layers as cumsum, over the blocks with NaN replaced)."""
    x = _as_array(x)
    if x.dtype.kind in "fc":
        x = where(isnan(x), x.dtype.type(0), x)
    return x.cumsum(axis, dtype, out, method)


def nancumprod(x, axis, dtype=None, out=None, *, method="sequential"):
    """numpy.nancumprod: cumprod with NaN counted as 1."""
    x = _as_array(x)
    if x.dtype.kind in "fc":
        x = where(isnan(x), x.dtype.type(1), x)
    return x.cumprod(axis, dtype, out, method)


def isin(element, test_elements, assume_unique=False, invert=False):
    """numpy.isin as dask.array's: each element compared with every test
    element (broadcast along new axes), then any() over them."""
    element = _as_array(element)
    test = _as_array(test_elements)
    if test.ndim != 1:
        test = test.ravel()
    hit = (element[(Ellipsis, None)] == test).any(axis=-1)
    return ~hit if invert else hit


def block(arrays, allow_unknown_chunksizes=False):
    """numpy.block: nested lists of arrays joined by concatenate, the innermost
    lists along the last axis, as Dask's (each array made at least as many
    dimensions as the nesting is deep)."""
    def depth(x):
        if isinstance(x, list):
            if not x:
                raise ValueError("block: lists cannot be empty")
            ds = {depth(e) for e in x}
            if len(ds) != 1:
                raise ValueError("block: list depths are mismatched")
            return ds.pop() + 1
        if isinstance(x, tuple):
            raise TypeError("block: arrays are nested in lists, not tuples (%r)" % (x,))
        return 0

    levels = depth(arrays)

    def arrays_in(x):
        return [a for e in x for a in arrays_in(e)] if isinstance(x, list) else [_as_array(x)]

    ndim = builtins.max([levels] + [a.ndim for a in arrays_in(arrays)])

    def join(x, level):
        if not isinstance(x, list):
            a = _as_array(x)
            return a[(None,) * (ndim - a.ndim)] if a.ndim < ndim else a
        return concatenate([join(e, level + 1) for e in x], axis=ndim - levels + level)
    return join(arrays, 0)


def cov(m, y=None, rowvar=True, bias=False, ddof=None):
    """numpy.cov as dask.array's: each variable's mean taken away, then a dot of
    the rows (of the columns when rowvar=False), over N - ddof."""
    if ddof is not None and ddof != int(ddof):
        raise ValueError("ddof must be integer")
    m = _as_array(m)
    dtype = np.result_type(m.dtype, np.float64) if y is None else \
        np.result_type(m.dtype, _as_array(y).dtype, np.float64)
    X = atleast_2d(m).astype(dtype)
    if X.shape[0] == 1:
        rowvar = True
    axis = 0 if rowvar else 1
    N = X.shape[1 - axis]
    if ddof is None:
        ddof = 0 if bias else 1
    fact = float(N - ddof)
    if fact <= 0:
        warnings.warn("Degrees of freedom <= 0 for slice", RuntimeWarning, stacklevel=2)
        fact = 0.0
    if y is not None:
        X = concatenate([X, atleast_2d(_as_array(y)).astype(dtype)], axis=axis)
    X = X - X.mean(axis=1 - axis, keepdims=True)
    c = dot(X, X.T.conj()) if rowvar else dot(X.T, X.conj())
    return squeeze(c / fact)


def corrcoef(x, y=None, rowvar=True):
    """numpy.corrcoef as dask.array's: cov divided by the square roots of its
    diagonal, by rows and by columns."""
    c = cov(x, y, rowvar)
    if c.ndim == 0:
        return c / c
    d = where(eye(c.shape[0], chunks=c.chunks[0][0] or 1, dtype=bool), c, c.dtype.type(0)).sum(axis=1)
    sqr = sqrt(d)[:, None]
    return (c / sqr) / sqr.T


# --- histogram ------------------------------------------------------------------------------

def histogram(a, bins=None, range=None, normed=False, weights=None, density=None):
    """dask.array.histogram: (counts, bin_edges), the counts a dusk array of one
    'histogram-sum' task per block added up along the blocks (dusk_array_histogram),
    the edges a NumPy array. bins as edges, or a number of them with range;
    weights a dusk array of a's chunks; density=True divides by the total and
    the bins' widths, as NumPy's."""
    a = _as_array(a)
    if normed is not False:
        raise ValueError("The normed= keyword argument has been deprecated. Please use density "
                         "instead. See the numpy.histogram docstring for more information.")
    if bins is None or (not np.iterable(bins) and range is None):
        raise ValueError("histogram requires either specifying bins as an iterable or "
                         "specifying both a range and the number of bins")
    if isinstance(bins, Array) or isinstance(range, Array):
        raise TypeError("histogram: bins and range are numbers or NumPy arrays here, not dusk "
                        "arrays (compute them first)")
    if np.iterable(bins):
        edges = np.asarray(bins)
        if edges.ndim != 1:
            raise ValueError("`bins` must be 1d, when an array")
        if edges.dtype.kind not in "biuf":
            raise TypeError("histogram: bin edges are real numbers, not %s" % edges.dtype)
        if np.any(edges[:-1] > edges[1:]):
            raise ValueError("`bins` must increase monotonically, when an array")
    else:
        if isinstance(bins, (bool, np.bool_)) or not isinstance(bins, (numbers.Integral, np.integer)):
            raise TypeError("`bins` must be an integer, a string, or an array")
        if bins < 1:
            raise ValueError("`bins` must be positive, when an integer")
        lo, hi = range
        if not (np.isfinite(lo) and np.isfinite(hi)):
            raise ValueError("supplied range of [%s, %s] is not finite" % (lo, hi))
        if lo > hi:
            raise ValueError("max must be larger than min in range parameter.")
        if lo == hi:   # NumPy's: one unit around the value
            lo, hi = lo - 0.5, hi + 0.5
        edges = np.linspace(lo, hi, int(bins) + 1)
    w = None
    if weights is not None:
        w = _as_array(weights)
        if w.chunks != a.chunks:
            raise ValueError("Input array and weights must have the same chunked structure")
    n = _apply("_histogram", a, tuple(float(e) for e in edges), w)
    if density:
        widths = from_array(np.diff(edges).astype(float), chunks=n.chunks)
        return n / widths / n.sum(), edges
    return n, edges


def digitize(a, bins, right=False):
    """numpy.digitize as dask.array's: each value's bin index (int64), one
    'digitize' task per block, counted in C; bins a 1-d increasing or
    decreasing sequence of numbers."""
    a = _as_array(a)
    if a.dtype.kind == "c":
        raise TypeError("x may not be complex")
    if isinstance(bins, Array):
        bins = bins.compute()
    b = np.asarray(bins)
    if b.ndim != 1:
        raise ValueError("object too deep for desired array" if b.ndim > 1 else
                         "object of too small depth for desired array")
    if b.dtype.kind not in "biuf" and b.size:
        raise TypeError("digitize: bins are real numbers, not %s" % b.dtype)
    return _apply("_digitize", a, tuple(float(v) for v in b), bool(right))


# --- diagonals ------------------------------------------------------------------------------

def _diag_block(b, block_id=None, widths=None):
    """A block of diag(v): v's block on the diagonal, zeros beside it."""
    i, j = block_id
    return np.diag(b) if i == j else np.zeros((b.shape[0], widths[j]), dtype=b.dtype)


def diag(v, k=0):
    """numpy.diag as dask.array.diag builds it: a 1-d v on the diagonal k of
    a square (one 'diag' task per block pair, v's blocks along both axes,
    then pad for k != 0); of a 2-d v its diagonal k, as diagonal(v, k)."""
    if not isinstance(v, Array):
        v = np.asarray(v)
        if v.ndim not in (1, 2):
            raise ValueError("Array must be 1d or 2d only")
        # Dask's: a NumPy array is one block
        v = from_array(v, chunks=-1)
    k = _whole(k, "diag: k")
    if v.ndim == 2:
        return diagonal(v, k)
    if v.ndim != 1:
        raise ValueError("Array must be 1d or 2d only")
    if k == 0:
        c = v.chunks[0]
        # blocks off the diagonal only need their width; v's block gives the height
        return map_blocks(_diag_block, v, new_axis=1, chunks=(c, c), dtype=v.dtype,
                          name="diag", widths=c)
    m = builtins.abs(k)
    return pad(diag(v), [[0, m], [m, 0]] if k > 0 else [[m, 0], [0, m]], mode="constant")


def _diagonal_block(b, offset=0, axis1=0, axis2=1):
    return np.diagonal(b, offset, axis1, axis2)


def diagonal(a, offset=0, axis1=0, axis2=1):
    """numpy.diagonal: the diagonal offset of the axes axis1 and axis2, as
    the last axis, in Dask's chunks (a piece per block the diagonal crosses).
    Dask reads each such block in one 'diagonal' task; dusk slices the block
    out (a getitem task), takes its diagonal, and joins the pieces with
    concatenate: three tasks per piece where Dask has one. (A block of
    length 0 on the way is a piece of length 0 in Dask's chunks; concatenate
    leaves it out, in dusk as in Dask.)"""
    a = _as_array(a)
    if a.ndim < 2:
        raise ValueError("diag requires an array of at least two dimensions")
    axis1 = _axis_of(axis1, a.ndim, "diagonal")
    axis2 = _axis_of(axis2, a.ndim, "diagonal")
    if axis1 == axis2:
        raise ValueError("axis1 and axis2 cannot be the same")
    k = _whole(offset, "diagonal: offset")
    if axis1 > axis2:
        axis1, axis2, k = axis2, axis1, -k
    free = [d for d in range(a.ndim) if d not in (axis1, axis2)]
    free_chunks = tuple(a.chunks[d] for d in free)
    rows, cols = a.shape[axis1], a.shape[axis2]
    r, c = builtins.max(0, -k), builtins.max(0, k)
    n = builtins.min(rows - r, cols - c)
    if n <= 0:
        return empty(tuple(a.shape[d] for d in free) + (0,), dtype=a.dtype,
                     chunks=free_chunks + ((0,),))
    row_stops = np.cumsum(a.chunks[axis1], dtype=np.int64).tolist()
    col_stops = np.cumsum(a.chunks[axis2], dtype=np.int64).tolist()
    # the blocks holding the diagonal's start (past blocks of length 0, as
    # Dask's); later ones of length 0 give pieces of length 0, as in Dask
    I = int(np.searchsorted(row_stops, r, side="right"))
    J = int(np.searchsorted(col_stops, c, side="right"))
    pieces = []
    while r < rows and c < cols:
        r0, c0 = row_stops[I] - a.chunks[axis1][I], col_stops[J] - a.chunks[axis2][J]
        length = builtins.min(row_stops[I] - r, col_stops[J] - c)
        index = [slice(None)] * a.ndim
        index[axis1] = slice(r0, row_stops[I])
        index[axis2] = slice(c0, col_stops[J])
        pieces.append(map_blocks(_diagonal_block, a[tuple(index)], offset=(c - c0) - (r - r0),
                                 axis1=axis1, axis2=axis2, drop_axis=[axis1, axis2],
                                 new_axis=len(free), chunks=free_chunks + ((length,),),
                                 dtype=a.dtype, name="diagonal"))
        r, c = r + length, c + length
        I, J = I + (r == row_stops[I]), J + (c == col_stops[J])
    return pieces[0] if len(pieces) == 1 else concatenate(pieces, axis=-1)


def trace(a, offset=0, axis1=0, axis2=1, dtype=None):
    """numpy.trace, as Dask's: the sum of diagonal(a, offset, axis1, axis2)
    along its last axis (with dtype=, dusk's sum adds an astype layer)."""
    return diagonal(a, offset=offset, axis1=axis1, axis2=axis2).sum(-1, dtype=dtype)


Array.trace = lambda self, offset=0, axis1=0, axis2=1, dtype=None: \
    trace(self, offset, axis1, axis2, dtype)


# --- einsum ---------------------------------------------------------------------------------

_EINSUM_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _einsum_sublist(sub, what):
    """einsum's interleaved form: a list of ints (0-51) and Ellipsis as letters."""
    out = []
    for v in sub:
        if v is Ellipsis:
            out.append("...")
        elif isinstance(v, (numbers.Integral, np.integer)) and not isinstance(v, bool) \
                and 0 <= v < len(_EINSUM_LETTERS):
            out.append(_EINSUM_LETTERS[int(v)])
        else:
            raise ValueError("einsum: %s %r holds %r; subscripts are ints from 0 to 51 and "
                             "Ellipsis" % (what, sub, v))
    return "".join(out)


def _einsum_parse(operands):
    """(input terms, output term, arrays) with '...' made letters, as NumPy
    reads them: each operand's ellipsis stands for its leading axes, lined up
    from the right; no '->' gives the ellipsis's axes, then the letters met
    once, in ASCII order."""
    if not operands:
        raise ValueError("No input operands")
    if isinstance(operands[0], str):
        subscripts, ops = operands[0].replace(" ", ""), list(operands[1:])
    else:
        # (op, sublist, op, sublist, ..., [output sublist])
        out = operands[-1] if len(operands) % 2 else None
        if out is not None:
            operands = operands[:-1]
        ops, terms = list(operands[0::2]), list(operands[1::2])
        subscripts = ",".join(_einsum_sublist(t, "subscripts") for t in terms)
        if out is not None:
            subscripts += "->" + _einsum_sublist(out, "output subscripts")
    ops = [_as_array(o) for o in ops]
    if subscripts.count("->") > 1 or subscripts.replace("->", "").count("-") or \
            subscripts.replace("->", "").count(">"):
        raise ValueError("einsum: subscripts %r may hold one '->' only" % subscripts)
    for ch in subscripts:
        if ch not in ".,->" and ch not in _EINSUM_LETTERS:
            raise ValueError("invalid subscript %r in einstein sum subscripts string, "
                             "subscripts must be letters" % ch)
    explicit = "->" in subscripts
    inputs, output = subscripts.split("->") if explicit else (subscripts, None)
    terms = inputs.split(",")
    if len(terms) != len(ops):
        raise ValueError("einsum: the subscripts %r name %d operands, but %d were given"
                         % (subscripts, len(terms), len(ops)))
    used = set(subscripts)
    spare = [ch for ch in _EINSUM_LETTERS if ch not in used]
    longest = 0
    for t, o in zip(terms, ops):
        if t.count(".") not in (0, 3) or (t.count(".") == 3 and "..." not in t):
            raise ValueError("einsum: invalid ellipsis in %r" % t)
        letters = len(t.replace("...", ""))
        if "..." not in t and letters != o.ndim:
            raise ValueError("einsum: the subscripts %r name %d axes of an operand of %d "
                             "dimensions" % (t, letters, o.ndim))
        if letters > o.ndim:
            raise ValueError("einsum: the subscripts %r name more axes than the operand's %d"
                             % (t, o.ndim))
        if "..." in t:
            longest = builtins.max(longest, o.ndim - letters)
    if longest > len(spare):
        raise ValueError("einsum: too many axes under '...' (%d) for the letters left" % longest)
    ell = "".join(spare[:longest])
    terms = [t.replace("...", ell[longest - (o.ndim - len(t.replace("...", ""))):])
             for t, o in zip(terms, ops)]
    if output is None:
        once = [ch for ch in sorted(set("".join(terms)) - set(ell))
                if "".join(terms).count(ch) == 1]
        output = ell + "".join(once)
    else:
        if output.count(".") not in (0, 3) or (output.count(".") == 3 and "..." not in output):
            raise ValueError("einsum: invalid ellipsis in the output %r" % output)
        output = output.replace("...", ell)
    for ch in output:
        if output.count(ch) > 1:
            raise ValueError("einstein sum subscripts string includes output subscript %r "
                             "multiple times" % ch)
        if ch not in "".join(terms):
            raise ValueError("Output character %s did not appear in the input" % ch)
    return terms, output, ops


def _chunk_einsum(*blocks, subscripts=None, ncontract=0, kernel_dtype=None, **kwargs):
    """One block's einsum, with a length-1 axis for each contracted index
    (which blockwise keeps, and sum then takes away)."""
    out = np.einsum(subscripts, *blocks, dtype=kernel_dtype, **kwargs)
    return out.reshape(out.shape + (1,) * ncontract)


def einsum(*operands, dtype=None, optimize=False, split_every=None, **kwargs):
    """numpy.einsum as dask.array.einsum builds it: a blockwise np.einsum over
    every index, a length-1 axis for each contracted one, then their sum
    (split_every as sum's). The dtype is Dask's: the operands' result type,
    then sum's (int64 for smaller ints, where NumPy keeps them); of booleans
    dusk takes any() where Dask sums (a count of blocks), which is NumPy's
    bool. An index repeated within one operand (NumPy's diagonal, 'ii->i')
    is first that operand's diagonal(), where Dask's blockwise reads it as
    it is. optimize= plans the contraction on the whole shapes, as Dask's."""
    if kwargs.get("out") is not None:
        raise TypeError("einsum: dusk arrays are lazy: out= must be None")
    kwargs.pop("out", None)
    terms, output, ops = _einsum_parse(operands)
    for o in ops:
        if isinstance(o, Array):
            o._known_chunks("einsum")
    for t, o in zip(terms, ops):
        for ch in set(t):
            sizes = {o.shape[p] for p, c in enumerate(t) if c == ch}
            if len(sizes) > 1:
                raise ValueError("einsum: dimensions in single operand for collapsing index "
                                 "%r don't match (%s)"
                                 % (ch, " != ".join(map(str, sorted(sizes)))))
    sizes = {}
    for t, o in zip(terms, ops):
        for ch, n in zip(t, o.shape):
            if n != 1 and sizes.setdefault(ch, n) != n:
                raise ValueError("einsum: index %r has lengths %d and %d (operands could not "
                                 "be broadcast together)" % (ch, sizes[ch], n))
    result_dtype = np.result_type(*[o.dtype for o in ops]) if dtype is None else np.dtype(dtype)
    casting = kwargs.get("casting", "safe")
    for o in ops:
        # NumPy's refusal, before any block is computed
        if dtype is not None and not np.can_cast(o.dtype, result_dtype, casting):
            raise TypeError("einsum: an operand of %s cannot be cast to dtype %s by the rule "
                            "%r (give casting='unsafe')" % (o.dtype, result_dtype, casting))
    # a repeated index within a term: that operand's diagonal, last
    for i, (t, o) in enumerate(zip(terms, ops)):
        while len(set(t)) < len(t):
            ch = next(c for c in t if t.count(c) > 1)
            p = t.index(ch)
            q = t.index(ch, p + 1)
            o = diagonal(o, 0, p, q)
            t = t[:p] + t[p + 1:q] + t[q + 1:] + ch
        terms[i], ops[i] = t, o
    contract = sorted(set("".join(terms)) - set(output))
    subscripts = ",".join(terms) + "->" + output
    if optimize is not False:
        # planned on zeros of the whole shapes, read by no block
        fake = [np.broadcast_to(o.dtype.type(0), o.shape) for o in ops]
        optimize = np.einsum_path(subscripts, *fake, optimize=optimize)[0]
    args = [v for t, o in zip(terms, ops) for v in (o, tuple(t))]
    r = blockwise(_chunk_einsum, tuple(output) + tuple(contract), *args,
                  adjust_chunks={ch: 1 for ch in contract}, dtype=result_dtype,
                  subscripts=subscripts, ncontract=len(contract), kernel_dtype=dtype,
                  optimize=optimize, **kwargs)
    if not contract:
        return r
    axes = tuple(range(len(output), len(output) + len(contract)))
    if r.dtype == bool:
        return r.any(axis=axes, split_every=split_every)
    return r.sum(axis=axes, split_every=split_every)


# --- apply_along_axis, apply_over_axes ---------------------------------------------------------

def _apply_along_axis_block(b, func1d=None, func1d_axis=0, func1d_args=(), func1d_kwargs=None,
                            shape=(), out_dtype=None):
    out = np.apply_along_axis(func1d, func1d_axis, b, *func1d_args, **func1d_kwargs)
    got = out.shape[func1d_axis:out.ndim - (b.ndim - 1 - func1d_axis)]
    if got != shape:
        raise ValueError("apply_along_axis: %s returned shape %s where shape=%s was given or "
                         "guessed from a one-element call; give shape= (and dtype=)"
                         % (_blocks.funcname(func1d), got, shape))
    return out.astype(out_dtype, copy=False)   # the dtype given (NumPy's sum is float64)


def apply_along_axis(func1d, axis, arr, *args, dtype=None, shape=None, **kwargs):
    """numpy.apply_along_axis as dask.array's: the axis rechunked to one block,
    then np.apply_along_axis on every block (map_blocks), func1d's result
    axes in its place. dtype and shape, when not given, are those of func1d
    called on a one-element array (give them when that would mislead)."""
    if not callable(func1d):
        raise TypeError("apply_along_axis: func1d must be callable, not %s"
                        % type(func1d).__name__)
    arr = _as_array(arr)
    axis = _axis_of(axis, arr.ndim, "apply_along_axis")
    arr._known_chunks("apply_along_axis")
    if shape is None or dtype is None:
        test = np.asarray(func1d(np.ones((1,), dtype=arr.dtype), *args, **kwargs))
        shape = test.shape if shape is None else shape
        dtype = test.dtype if dtype is None else dtype
    shape = _shape(shape)
    arr = arr.rechunk(arr.chunks[:axis] + ((arr.shape[axis],),) + arr.chunks[axis + 1:])
    return map_blocks(_apply_along_axis_block, arr, name=_blocks.funcname(func1d) + "-along-axis",
                      dtype=dtype, chunks=arr.chunks[:axis] + shape + arr.chunks[axis + 1:],
                      drop_axis=axis, new_axis=list(range(axis, axis + len(shape))),
                      func1d=func1d, func1d_axis=axis, func1d_args=args, func1d_kwargs=kwargs,
                      shape=shape, out_dtype=np.dtype(dtype))


def apply_over_axes(func, a, axes):
    """numpy.apply_over_axes as dask.array's: func(x, axis) along each axis
    in turn (apply_along_axis), an axis it takes away put back as length 1."""
    a = _as_array(a)
    axes = tuple(axes) if np.iterable(axes) else (axes,)
    result = a
    for i in axes:
        i = _axis_of(i, a.ndim, "apply_over_axes")
        result = apply_along_axis(func, i, result, 0)
        if result.ndim == a.ndim - 1:
            result = result[(slice(None),) * i + (None,)]
        elif result.ndim != a.ndim:
            raise ValueError("func must either preserve dimensionality of the input or reduce "
                             "it by one.")
    return result


# --- bincount, percentile, searchsorted ----------------------------------------------------------

def _bincount_block(b, w=None, minlength=0):
    """One block's counts, as a row of the (blocks, minlength) array summed next."""
    # (NumPy counts empty weights as ints)
    c = np.bincount(b, weights=w, minlength=minlength).astype(np.intp if w is None else np.float64,
                                                            copy=False)
    if len(c) > minlength:
        raise ValueError("bincount: x holds %d, past minlength=%d: the counts' length is "
                         "minlength, fixed before computing (give a larger one)"
                         % (len(c) - 1, minlength))
    return c[None, :]


def bincount(x, weights=None, minlength=0, split_every=None):
    """numpy.bincount as dask.array's: each block counted (a 'bincount' task),
    then the counts summed along the blocks (split_every as sum's). Dask
    2022.12's minlength=0 gives counts of unknown length (chunks of nan), which
    dusk's sum along the blocks cannot line up, so minlength must be given, larger than any value of x
    (a larger value is an error when computed). Dask sums the blocks' counts
    in its tree directly; dusk's sum adds its first step, a task per block."""
    x = _as_array(x)
    if x.ndim != 1:
        raise ValueError("Input array must be one dimensional. Try using x.ravel()")
    if not np.can_cast(x.dtype, np.intp, "safe"):
        raise TypeError("bincount: x holds counts' indices, integers, not %s" % x.dtype)
    minlength = _whole(minlength, "bincount: minlength")
    if minlength < 0:
        raise ValueError("'minlength' must not be negative")
    if minlength == 0:
        raise ValueError("bincount: give minlength, more than x's largest value: Dask's "
                         "minlength=0 makes counts of unknown length, which dusk cannot sum")
    args = [x, "i"]
    dtype = np.intp
    if weights is not None:
        w = _as_array(weights)
        if w.chunks != x.chunks:
            raise ValueError("Chunks of input array x and weights must match.")
        if w.dtype.kind == "c":
            raise TypeError("bincount: weights are real numbers, not %s" % w.dtype)
        args += [w, "i"]
        dtype = np.float64
    counts = blockwise(_bincount_block, "ij", *args, new_axes={"j": minlength},
                       adjust_chunks={"i": 1}, dtype=dtype, minlength=minlength,
                       token="bincount")
    return counts.sum(axis=0, split_every=split_every)


_PERCENTILE_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


def _percentile_chunk(b, calc_q=None, method="linear"):
    """One block's row: its length, then its percentiles calc_q (NaN if empty)."""
    row = np.full((1, len(calc_q) + 1), np.nan)
    row[0, 0] = len(b)
    if len(b):
        row[0, 1:] = np.percentile(b, calc_q, method=method)
    return row


def _merge_percentiles(rows, q=None, calc_q=None, method="linear", values=None, out_dtype=None):
    """Dask's merge of the blocks' percentiles: each block's values weighted
    by the share of its length between its percentiles, all sorted, the
    cumulative weights read at q (by np.interp for 'linear')."""
    n = rows[:, 0].astype(np.int64)
    keep = n > 0
    if not keep.any():
        raise ValueError("No non-trivial arrays found")
    n, vals = n[keep], rows[keep, 1:].astype(values)
    steps = np.diff(calc_q, prepend=calc_q[:1] * 0).astype(calc_q.dtype)
    counts = np.empty(vals.shape, dtype=calc_q.dtype)
    counts[:] = steps
    counts *= n[:, None]
    vals, counts = vals.ravel(), counts.ravel()
    order = np.argsort(vals)
    vals, cum = vals[order], np.cumsum(counts[order])
    want = q * int(n.sum())
    if method == "linear":
        out = np.interp(want, cum, vals)
    else:
        left = np.minimum(np.searchsorted(cum, want, side="left"), len(vals) - 1)
        right = np.searchsorted(cum, want, side="right") - 1
        lower, upper = np.minimum(left, right), np.maximum(left, right)
        if method == "lower":
            out = vals[lower]
        elif method == "higher":
            out = vals[upper]
        elif method == "midpoint":
            out = 0.5 * (vals[lower] + vals[upper])
        else:   # nearest: the upper one only when strictly nearer
            nearer = np.abs(cum[lower] - want) > np.abs(cum[upper] - want)
            out = vals[np.where(nearer, upper, lower)]
    return np.asarray(out).astype(out_dtype)


def percentile(a, q, method="linear", internal_method="default"):
    """dask.array.percentile of a 1-d array: each block's percentiles (a
    'percentile_chunk' task per block, with 0 and 100 added), merged in one
    'percentile' task as Dask merges them. With several blocks the result
    is Dask's approximation, not NumPy's exact percentile (one block gives
    NumPy's); its values are Dask's. q a number or a 1-d sequence (a
    number too gives a 1-element array, as Dask's); the dtype is NumPy's (a's
    for floats and for the methods that pick one of a's values, else float64)."""
    a = _as_array(a)
    a._known_chunks("percentile")
    if a.ndim != 1:
        raise NotImplementedError("Percentiles only implemented for 1-d arrays")
    if method in ("default", "dask", "tdigest"):   # Dask's old name of internal_method
        warnings.warn("In Dask 2022.1.0, the `method=` argument was renamed to "
                      "`internal_method=`", FutureWarning, stacklevel=2)
        internal_method, method = method, "linear"
    if internal_method == "tdigest":
        raise NotImplementedError("percentile: dusk has Dask's own merge "
                                  "(internal_method='default'), not t-digest")
    if internal_method not in ("default", "dask"):
        raise ValueError("`internal_method=` must be one of ['default', 'dask', 'tdigest']")
    if method not in _PERCENTILE_METHODS:
        raise ValueError("percentile: method must be one of %s, not %r"
                         % (", ".join(_PERCENTILE_METHODS), method))
    if a.dtype.kind not in "iuf":
        raise TypeError("percentile: dusk takes integers and floats, not %s" % a.dtype)
    if isinstance(q, Array):
        q = q.compute()
    qa = np.atleast_1d(np.asarray(q))
    if qa.ndim != 1 or qa.dtype.kind not in "iuf":
        raise ValueError("percentile: q is a number or a 1-d sequence of them, not %r" % (q,))
    if np.isnan(qa).any() or (qa < 0).any() or (qa > 100).any():
        raise ValueError("Percentiles must be in the range [0, 100]")
    # NumPy's dtype: a's for floats, float64 for integers but with the methods
    # that pick a value of a (lower, higher, nearest ...), which keep a's
    # (Dask declares float64 there and computes a's)
    dtype = np.percentile(np.zeros(1, dtype=a.dtype), [50], method=method).dtype
    calc_q = np.pad(qa, 1)   # 0 and 100 either side, as Dask's
    calc_q[-1] = 100
    rows = blockwise(_percentile_chunk, "ij", a, "i", new_axes={"j": len(calc_q) + 1},
                     adjust_chunks={"i": 1}, dtype=np.float64, calc_q=calc_q, method=method,
                     token="percentile_chunk")
    # the blocks' percentiles, merged in the dtype NumPy gives them (the rows'
    # float64 holds them exactly, integers up to 2**53)
    values = np.percentile(np.zeros(1, dtype=a.dtype), [50], method=method).dtype
    return map_blocks(_merge_percentiles, rows, drop_axis=0, chunks=((len(qa),),), dtype=dtype,
                      name="percentile", q=qa, calc_q=calc_q, method=method, values=values,
                      out_dtype=dtype)


def _searchsorted_block(x, y, side="left"):
    """np.searchsorted in one block of a, 0 made -1 (0 is right in the first
    block only; the max over the blocks then passes it)."""
    res = np.asarray(np.searchsorted(x, y, side=side))   # an array also for a 0-d y
    res[res == 0] = -1
    return res[np.newaxis]


def searchsorted(a, v, side="left", sorter=None):
    """numpy.searchsorted as dask.array's: np.searchsorted of every block of v
    in every block of the sorted 1-d a (blockwise), each block's offset
    added, the max over a's blocks taken, and -1 (before every block) made 0."""
    a, v = _as_array(a), _as_array(v)
    if a.ndim != 1:
        raise ValueError("Input array a must be one dimensional")
    a._known_chunks("searchsorted")
    v._known_chunks("searchsorted")
    if sorter is not None:
        raise NotImplementedError("da.searchsorted with a sorter argument is not supported")
    if side not in ("left", "right"):
        raise ValueError("side must be 'left' or 'right' (got %r)" % (side,))
    out = blockwise(_searchsorted_block, list(range(v.ndim + 1)), a, [0],
                    v, list(range(1, v.ndim + 1)), side, None, dtype=np.intp,
                    adjust_chunks={0: 1})
    starts = np.cumsum((0,) + a.chunks[0], dtype=np.intp)[:-1]
    offsets = from_array(starts[(Ellipsis,) + (None,) * v.ndim], chunks=1)
    out = where(out < 0, out, out + offsets).max(axis=0)
    return where(out == -1, 0, out)


__all__ += ["diag", "diagonal", "trace", "einsum", "apply_along_axis", "apply_over_axes",
            "bincount", "percentile", "searchsorted"]


# --- to and from dusk.delayed -------------------------------------------------------------

def _delayed_block(_one, value, shape, dtype):
    """from_delayed's block: the Delayed computed, of the shape given."""
    v = value.compute() if hasattr(value, "compute") else value
    v = np.asarray(v)
    if v.shape != shape:
        raise ValueError("from_delayed: the value computed has shape %s, not the shape %s "
                         "given" % (v.shape, shape))
    return v.astype(dtype, copy=False)


def _graph_eval(graph, expr, cache):
    """expr of a Dask graph evaluated here, in Python, as Dask's get does it:
    a task (f, *args) called, a list item by item, a key of graph its value
    (kept in cache), anything else as it is."""
    if type(expr) is tuple and expr and callable(expr[0]):
        return expr[0](*[_graph_eval(graph, a, cache) for a in expr[1:]])
    if type(expr) is list:
        return [_graph_eval(graph, a, cache) for a in expr]
    try:
        known = expr in cache or expr in graph
    except TypeError:   # unhashable: a value
        return expr
    if not known:
        return expr
    if expr not in cache:
        cache[expr] = _graph_eval(graph, graph[expr], cache)
    return cache[expr]


def _delayed_of_arrays(*parts, spec=None):
    """from_delayed's block of a Delayed whose graph uses dusk arrays: their
    values (parts, in spec's keys' order) in place of their tasks, and the rest
    of its graph evaluated here (a task of a dusk run starts no other run)."""
    graph, key, keys, shape, dtype = spec
    v = np.asarray(_graph_eval(graph, key, dict(zip(keys, parts))))
    if v.shape != shape:
        raise ValueError("from_delayed: the value computed has shape %s, not the shape %s "
                         "given" % (v.shape, shape))
    return v.astype(dtype, copy=False)


def from_delayed(value, shape, dtype=None, meta=None, name=None):
    """dask.array.from_delayed: an array of one block, the value of a dusk.Delayed
    (or anything with .compute(), or a value), whose shape must be given and is
    checked when computed; dtype float64 unless given (or meta's). A Delayed
    that uses dusk arrays (x.to_delayed()'s blocks, delayed(f)(x), dusk's or
    Dask's) takes them as inputs of this array: they are computed in the same
    run, and the Delayed's own tasks on this array's block."""
    from .delayed import Delayed, delayed, _block_value
    if not isinstance(value, Delayed) and not hasattr(value, "compute"):
        value = delayed(value)
    if shape is None or (not isinstance(shape, (tuple, list, numbers.Integral, np.integer))):
        raise TypeError("from_delayed: shape must be a tuple of ints, not %r" % (shape,))
    shape = _shape(shape)
    if dtype is None:
        dtype = getattr(meta, "dtype", None) or np.float64
    dtype = np.dtype(dtype)
    from .blocks import map_blocks, blockwise
    graph = dict(value.__dask_graph__()) if hasattr(value, "__dask_graph__") else {}
    uses = [(k, t) for k, t in graph.items()
            if type(t) is tuple and len(t) == 3 and t[0] is _block_value and isinstance(t[1], Array)]
    if uses:
        # blockwise with every axis of the arrays contracted: each task gets
        # the arrays whole (their blocks concatenated), the output's axes new
        letters = iter("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
        out_ind = "".join(next(letters) for _ in shape)
        args = []
        for _k, (_f, x, idx) in uses:
            part = x.blocks[idx] if idx else x
            part._known_chunks("from_delayed")
            args += [part, "".join(next(letters) for _ in range(part.ndim))]
        rest = {k: t for k, t in graph.items() if k not in dict(uses)}
        spec = (rest, value.key, tuple(k for k, _ in uses), shape, dtype)
        return blockwise(_delayed_of_arrays, out_ind, *args, dtype=dtype, concatenate=True,
                         new_axes=dict(zip(out_ind, shape)), name=name, spec=spec)
    one = empty((1,) * len(shape), dtype=dtype, chunks=1)
    return map_blocks(_delayed_block, one, value, shape, dtype, dtype=dtype,
                      chunks=tuple((n,) for n in shape), name=name or "from-value")


def _to_delayed(self, optimize_graph=True):
    """The blocks as dusk.Delayed, in a NumPy object array of the block grid's
    shape, keyed (name, i, j) as Dask's to_delayed. Computing one computes that
    block and what it needs (x.blocks[i, j]); computing several together, with
    dusk.compute or in one Delayed's graph, computes them in one run of the
    array's graph, so what they share (an input read, a mean) is computed once."""
    from .delayed import _ArrayBlock
    self._known_chunks("to_delayed")
    out = np.empty(self.numblocks, dtype=object)
    for idx in np.ndindex(*self.numblocks):
        out[idx] = _ArrayBlock(self, idx)
    return out


Array.to_delayed = _to_delayed


# --- Dask's collection protocol: dask.compute(x), dask.delayed(f)(x) ------------------------
# To Dask a dusk array is one task that computes it with dusk (keyed
# 'finalize-<name>', as Dask's finalize task), so that dask.compute,
# dask.persist and dask.delayed calls take its value, as they take a dask
# array's, where they passed the lazy object on.

def _finalize_key(self):
    return "finalize-" + self.name


def _first_of(results):
    return results[0]


def _persisted(dsk, key, chunks, x, rename=None):
    """The array of a persisted value; the array itself where the graph is
    still its task (dask.optimize hands the graph over unrun)."""
    v = dsk[rename.get(key, key) if rename else key]
    if type(v) is tuple and v and callable(v[0]):
        return x
    return from_array(v, chunks=chunks)


def _dask_graph(self):
    from .delayed import _block_value
    return {_finalize_key(self): (_block_value, self, None)}


def _no_optimize(dsk, keys, **kwargs):
    return dsk


Array.__dask_graph__ = _dask_graph
Array.__dask_keys__ = lambda self: [_finalize_key(self)]
Array.__dask_layers__ = lambda self: (_finalize_key(self),)
Array.__dask_postcompute__ = lambda self: (_first_of, ())
Array.__dask_postpersist__ = lambda self: (_persisted, (_finalize_key(self), self.chunks, self))
Array.__dask_tokenize__ = lambda self: self.name
Array.__dask_optimize__ = staticmethod(_no_optimize)
Array.__dask_scheduler__ = staticmethod(_dusk.get)


# --- vindex: point-wise indexing -------------------------------------------------------------

def _vindex_points(block, axes, local):
    """The points of one block, their axis first: local holds their places
    in it along the indexed axes (one array per axis)."""
    return np.moveaxis(block, axes, tuple(range(len(axes))))[local]


def _vindex_merge(block, back):
    """The points in the order asked (back: where each one is in block)."""
    return block[back]


class _VIndex:
    """x.vindex[i, j]: NumPy's point-wise indexing with index arrays broadcast
    together, as dask.array's vindex: the broadcast axes first, then the axes
    left whole (where NumPy would keep them in place when adjacent). Ints and
    slices apply first; a bool array is refused as Dask refuses it."""

    __slots__ = ("_a",)

    def __init__(self, a):
        self._a = a

    def __getitem__(self, index):
        x = self._a
        x._known_chunks("vindex")
        if not isinstance(index, tuple):
            index = (index,)
        if builtins.any(isinstance(i, Array) for i in index):
            raise IndexError("vindex does not support indexing with dusk arrays (compute "
                             "the indices first)")
        if builtins.sum(i is Ellipsis for i in index) > 1:
            raise IndexError("an index can only have a single ellipsis ('...')")
        if Ellipsis in [i for i in index if i is Ellipsis]:
            at = [k for k, i in enumerate(index) if i is Ellipsis][0]
            index = index[:at] + (slice(None),) * (x.ndim - len(index) + 1) + index[at + 1:]
        if builtins.any(i is None for i in index):
            raise IndexError("vindex does not support None (np.newaxis) in its index")
        if len(index) > x.ndim:
            raise IndexError("too many indices for array: array is %d-dimensional, but %d "
                             "were indexed" % (x.ndim, len(index)))
        index = index + (slice(None),) * (x.ndim - len(index))
        plain, fancy = [], []
        for i in index:
            if isinstance(i, (numbers.Integral, np.integer)) and not isinstance(i, (bool, np.bool_)):
                plain.append(i)
            elif isinstance(i, slice):
                plain.append(i)
                fancy.append(slice(None))
            else:
                plain.append(slice(None))
                fancy.append(i)
        x = x[tuple(plain)]
        arrays = {}
        for ax, (i, n) in enumerate(zip(fancy, x.shape)):
            if isinstance(i, slice):
                continue
            i = np.array(i)
            if i.dtype.kind == "b":
                raise IndexError("vindex does not support indexing with boolean arrays")
            if i.size == 0:
                i = i.astype(np.int64)   # [] is float64 to NumPy
            if i.dtype.kind not in "iu":
                raise IndexError("vindex takes arrays of ints, not of %s" % i.dtype)
            if i.size and ((i >= n) | (i < -n)).any():
                raise IndexError("vindex key has entries out of bounds for indexing along "
                                 "axis %d of size %d: %r" % (ax, n, i))
            arrays[ax] = (i % n).astype(np.int64) if n else i.astype(np.int64)
        if not arrays:
            return x
        try:
            parts = np.broadcast_arrays(*arrays.values())
        except ValueError:
            raise IndexError("shape mismatch: indexing arrays could not be broadcast together "
                             "with shapes " + " ".join(str(a.shape) for a in arrays.values())) \
                from None
        shape = parts[0].shape
        axes = list(arrays)
        rest = [d for d in range(x.ndim) if d not in arrays]
        pts = np.stack([p.ravel() for p in parts]) if parts[0].size else \
            np.zeros((len(axes), 0), np.int64)
        tail_shape = tuple(x.shape[d] for d in rest)
        tail_chunks = tuple(x.chunks[d] for d in rest)
        if pts.shape[1] == 0:
            return empty(shape + tail_shape, dtype=x.dtype,
                         chunks=tuple((n,) for n in shape) + tail_chunks)
        # each point's block along the indexed axes and its place in that block
        edges = [np.concatenate([[0], np.cumsum(x.chunks[d], dtype=np.int64)]) for d in axes]
        blk = np.stack([np.searchsorted(e, p, side="right") - 1 for e, p in zip(edges, pts)])
        local = np.stack([p - e[b] for e, p, b in zip(edges, pts, blk)])
        groups, inverse = np.unique(blk.T, axis=0, return_inverse=True)
        inverse = inverse.ravel()
        firsts, pieces = np.argsort(inverse, kind="stable"), []
        # each group's points, in the order asked: one split of the sorted order
        members = np.split(firsts, np.cumsum(np.bincount(inverse, minlength=len(groups)))[:-1])
        for g, coords in enumerate(groups):
            mine = members[g]
            sel = [slice(None)] * x.ndim
            for d, c in zip(axes, coords):
                sel[d] = slice(int(edges[axes.index(d)][c]), int(edges[axes.index(d)][c + 1]))
            n = len(mine)
            pieces.append(map_blocks(
                _vindex_points, x[tuple(sel)], tuple(axes),
                tuple(local[k][mine] for k in range(len(axes))), dtype=x.dtype,
                chunks=((n,),) + tail_chunks, drop_axis=axes, new_axis=0, name="vindex-slice"))
        flat = concatenate(pieces, axis=0) if len(pieces) > 1 else pieces[0]
        back = np.empty(len(firsts), np.int64)
        back[firsts] = np.arange(len(firsts))
        if len(pieces) > 1:
            flat = flat.rechunk({0: -1})
        if not np.array_equal(back, np.arange(len(back))):
            flat = flat.map_blocks(_vindex_merge, back, dtype=x.dtype, name="vindex-merge")
        return flat.reshape(shape + tail_shape) if len(shape) != 1 else flat


Array.vindex = property(lambda self: _VIndex(self), doc=_VIndex.__doc__)
Array.partitions = property(lambda self: self.blocks,
                            doc="x.blocks, by Dask's other name for it")


def _view_block(block, dtype, order):
    if order == "C":
        return np.ascontiguousarray(block).view(dtype)
    return np.asfortranarray(block).T.view(dtype).T   # NumPy rescales only the last axis


def _view(self, dtype=None, order="C"):
    """The blocks' bytes read as another dtype, as Dask's Array.view: the last
    axis (the first, order='F') of every block scaled by the itemsizes' ratio,
    which must leave whole elements."""
    self._known_chunks("view")
    from .blocks import _dtype
    dtype = self.dtype if dtype is None else _dtype(dtype, "view")
    if order not in ("C", "F"):
        raise ValueError("Order must be one of 'C' or 'F'")
    if self.ndim == 0:
        raise ValueError("view: a 0-d array has no axis to read as another dtype")
    ax = -1 if order == "C" else 0
    scaled = []
    for c in self.chunks[ax]:
        n, r = divmod(c * self.dtype.itemsize, dtype.itemsize)
        if r:
            raise ValueError("view: a block of %d %s along axis %d is not a whole number of "
                             "%s" % (c, self.dtype, ax % self.ndim, dtype))
        scaled.append(n)
    chunks = list(self.chunks)
    chunks[ax] = tuple(scaled)
    return self.map_blocks(_view_block, dtype, order, dtype=dtype, chunks=tuple(chunks),
                           name="view")


Array.view = _view


# --- to_npy_stack, from_npy_stack -------------------------------------------------------------

def _npy_save(block, dirname, axis, block_id=None):
    np.save(os.path.join(dirname, "%d.npy" % block_id[axis]), block)
    return np.zeros((1,) * block.ndim, dtype=bool)


def to_npy_stack(dirname, x, axis=0):
    """x into directory dirname as Dask writes it: one NumPy file per block along
    axis (0.npy, 1.npy ..., the other axes whole), and a pickled 'info' of the
    chunks, dtype and axis, so that Dask's from_npy_stack reads it, and dusk's
    Dask's. The blocks are written as they are computed, in parallel."""
    if not isinstance(x, Array):
        raise TypeError("to_npy_stack: x must be a dusk array, not %s" % type(x).__name__)
    x._known_chunks("to_npy_stack")
    if x.ndim == 0:
        raise ValueError("to_npy_stack: a 0-d array has no axis to stack along")
    if not -x.ndim <= axis < x.ndim:
        raise np.AxisError(axis, x.ndim)
    axis %= x.ndim
    import pickle
    chunks = tuple(c if i == axis else (builtins.sum(c),) for i, c in enumerate(x.chunks))
    xx = x.rechunk(chunks)
    os.makedirs(dirname, exist_ok=True)
    with open(os.path.join(dirname, "info"), "wb") as f:
        pickle.dump({"chunks": chunks, "dtype": x.dtype, "axis": axis}, f)
    xx.map_blocks(_npy_save, os.fspath(dirname), axis, dtype=bool,
                  chunks=tuple((1,) * len(c) for c in chunks), name="to-npy-stack").compute()


def _npy_load(block, dirname, axis, mmap_mode, block_id=None):
    v = np.load(os.path.join(dirname, "%d.npy" % block_id[axis]), mmap_mode=mmap_mode)
    if v.shape != block.shape or v.dtype != block.dtype:
        raise ValueError("from_npy_stack: %s holds %s %s where its info says %s %s" % (
            os.path.join(dirname, "%d.npy" % block_id[axis]), v.dtype, v.shape, block.dtype,
            block.shape))
    return v


def from_npy_stack(dirname, mmap_mode="r"):
    """The array that to_npy_stack (dusk's or Dask's) wrote into dirname: one
    block per file, read (memory-mapped, by default) when computed."""
    import pickle
    try:
        with open(os.path.join(dirname, "info"), "rb") as f:
            info = pickle.load(f)
        dtype, chunks, axis = np.dtype(info["dtype"]), tuple(map(tuple, info["chunks"])), \
            int(info["axis"])
    except FileNotFoundError:
        raise FileNotFoundError(errno.ENOENT, "from_npy_stack: no 'info' in %s (is it a "
                                "directory that to_npy_stack wrote?)" % os.fspath(dirname),
                                os.path.join(dirname, "info")) from None
    except (KeyError, TypeError, ValueError, pickle.UnpicklingError, EOFError) as e:
        raise ValueError("from_npy_stack: %s is not an info file of to_npy_stack (%s)"
                         % (os.path.join(dirname, "info"), e)) from None
    shape = tuple(builtins.sum(c) for c in chunks)
    return empty(shape, dtype=dtype, chunks=chunks).map_blocks(
        _npy_load, os.fspath(dirname), axis, mmap_mode, dtype=dtype, name="from-npy-stack")


__all__ += ["to_npy_stack", "from_npy_stack"]


def _store_one(self, target, **kwargs):
    """store(x, target), as Dask's Array.store (with return_stored=True, the
    one array stored)."""
    r = store([self], [target], **kwargs)
    return r[0] if kwargs.get("return_stored", False) else r


Array.store = _store_one
Array.A = property(lambda self: self, doc="The array itself (NumPy matrix's .A), as Dask's.")
Array.choose = lambda self, choices: choose(self, choices)
Array.repeat = lambda self, repeats, axis=None: repeat(self, repeats, axis=axis)


def atop(*args, **kwargs):
    """blockwise, by its old name (Dask warns the same)."""
    warnings.warn("The da.atop function has moved to da.blockwise")
    return blockwise(*args, **kwargs)


__all__ += ["asanyarray", "array", "atop"]

__all__ += ["from_delayed", "histogram", "digitize", "broadcast_arrays", "meshgrid", "indices", "roll", "tile",
            "take", "pad", "real", "imag", "conj", "conjugate", "angle", "nancumsum", "nancumprod",
            "isin", "block", "cov", "corrcoef"]


# --- median, topk, moment ----------------------------------------------------------------------

def _median_of(func, a, axis, keepdims, out):
    """Dask's median and nanmedian: the axes reduced rechunked to one block
    (the others to 'auto', as Dask's), then func on every block (map_blocks)."""
    _no_out(out)
    a = _as_array(a)
    what = func.__name__
    a._known_chunks(what)
    # Dask refuses axis=None; dusk takes it as every axis, the whole array one block
    axes = tuple(range(a.ndim)) if axis is None else _axes_of(axis, a.ndim, what)
    dtype = func(np.ones(1, dtype=a.dtype)).dtype   # NumPy's refusal (nanmedian of complex) too
    if builtins.any(a.numblocks[d] > 1 for d in axes):
        a = a.rechunk({d: -1 if d in axes else "auto" for d in range(a.ndim)})
    if keepdims:
        return map_blocks(func, a, axis=axes, keepdims=True, dtype=dtype,
                          chunks=tuple((1,) * len(c) if d in axes else c
                                       for d, c in enumerate(a.chunks)))
    return map_blocks(func, a, axis=axes, keepdims=False, dtype=dtype, drop_axis=list(axes))


def median(a, axis=None, keepdims=False, out=None):
    """numpy.median as dask.array's: the axes reduced rechunked to one block
    (the other axes 'auto'), then np.median on every block. Dask refuses
    axis=None; dusk takes it as all axes (the whole array in one block)."""
    return _median_of(np.median, a, axis, keepdims, out)


def nanmedian(a, axis=None, keepdims=False, out=None):
    """numpy.nanmedian as dask.array's (see median): NaNs skipped; a slice of
    NaNs only is NaN, with NumPy's RuntimeWarning when computed."""
    return _median_of(np.nanmedian, a, axis, keepdims, out)


def _split_every_of(split_every, what):
    """Dask's split_every for a reduction along one axis: 4 by default."""
    if split_every is None:
        return 4
    if isinstance(split_every, bool) or not isinstance(split_every, (numbers.Integral, np.integer)):
        raise TypeError("%s: split_every must be an int, not %s"
                        % (what, type(split_every).__name__))
    if split_every < 2:
        raise ValueError("%s: split_every must be at least 2, not %d" % (what, split_every))
    return int(split_every)


def _along(axis, ndim, s):
    return (slice(None),) * axis + (s,) + (slice(None),) * (ndim - axis - 1)


def _topk_pick(b, k=0, axis=0):
    """Dask's chunk.topk: the |k| largest (k > 0) or smallest (k < 0) of b
    along axis, in no order; b itself when it has no more."""
    if builtins.abs(k) >= b.shape[axis]:
        return b
    b = np.partition(b, -k, axis=axis)
    return b[_along(axis, b.ndim, slice(-k, None) if k > 0 else slice(None, -k))]


def _topk_aggregate(b, k=0, axis=0):
    """Dask's topk_aggregate: the pick, sorted, largest first for k > 0."""
    b = np.sort(_topk_pick(b, k, axis), axis=axis)
    return b if k < 0 else b[_along(axis, b.ndim, slice(None, None, -1))]


def _tree_along(y, axis, split_every, combine, aggregate, size, out_len, name, dtype, out_dtype,
                drop_last=False, **kwargs):
    """Dask's tree reduction along one axis of blocks that keep up to |k|
    elements: split_every blocks at a time merged (a rechunk: dusk's blocks
    have the sizes their chunks say, so the group is made one block, where
    Dask's partial_reduce concatenates them in its task) and combine run on
    each, until at most split_every are left; then aggregate on all of them
    (a blockwise reading the whole axis, one task per output block, as Dask's).
    drop_last: y's last axis (argtopk's pair) is not in the output."""
    n = y.numblocks[axis]
    while n > split_every:
        c = y.chunks[axis]
        groups = tuple(builtins.sum(c[i:i + split_every]) for i in range(0, n, split_every))
        y = y.rechunk({axis: groups})
        y = map_blocks(combine, y, dtype=dtype, name=name + "-partial",
                       chunks=y.chunks[:axis] + (tuple(size(g) for g in groups),) +
                       y.chunks[axis + 1:], axis=axis, **kwargs)
        n = y.numblocks[axis]
    ind = tuple(range(y.ndim))
    out = ind[:axis] + (-1,) + ind[axis + 1:y.ndim - drop_last]
    return blockwise(aggregate, out, y, ind, new_axes={-1: out_len}, concatenate=True,
                     dtype=out_dtype, token=name + "_aggregate-aggregate", axis=axis, **kwargs)


def _topk_k(a, k, axis, what):
    k = _whole(k, what + ": k")
    axis = _axis_of(axis, a.ndim, what) if a.ndim else None
    if axis is None:
        raise ValueError("%s: the array must have at least 1 dimension" % what)
    if builtins.abs(k) > a.shape[axis]:
        raise ValueError("%s: k=%d is out of range: axis %d has %d elements (|k| at most that)"
                         % (what, k, axis, a.shape[axis]))
    return k, axis


def topk(a, k, axis=-1, split_every=None):
    """dask.array.topk: the k largest elements along axis, largest first (k < 0:
    the -k smallest, smallest first), in one block along axis, as Dask builds it:
    each block's |k| by np.partition, merged split_every blocks at a time, the
    last merge sorted. Dask's partial merges read their group in one task; dusk
    makes the group one block first (a rechunk task more per group, for arrays
    of more than split_every blocks along axis). |k| past the axis's length is
    a ValueError (Dask's chunks would then be wrong)."""
    a = _as_array(a)
    a._known_chunks("topk")
    k, axis = _topk_k(a, k, axis, "topk")
    split_every = _split_every_of(split_every, "topk")
    m = builtins.abs(k)
    y = map_blocks(_topk_pick, a, dtype=a.dtype, name="topk", k=k, axis=axis,
                   chunks=a.chunks[:axis] + (tuple(builtins.min(m, c) for c in a.chunks[axis]),) +
                   a.chunks[axis + 1:])
    return _tree_along(y, axis, split_every, _topk_pick, _topk_aggregate,
                       lambda g: builtins.min(m, g), m, "topk", a.dtype, a.dtype, k=k)


def _carrier(dt):
    """The dtype that holds argtopk's values and indices side by side, exactly
    (an index below 2**53 in a float64 or a complex128's real part)."""
    return np.complex128 if dt.kind == "c" else np.float64 if dt.kind == "f" else np.int64


def _argtopk_block(b, block_id=None, k=0, axis=0, starts=(), carrier=None):
    """A block's |k| (value, index) pairs along a last axis of 2, in carrier;
    uint64 with its top bit flipped, which keeps the order in int64."""
    v = (b ^ np.uint64(1 << 63)).view(np.int64) if b.dtype == np.uint64 else \
        b.astype(carrier, copy=False)
    shape = [1] * b.ndim
    shape[axis] = b.shape[axis]
    idx = (np.arange(b.shape[axis]) + starts[block_id[axis]]).reshape(shape)
    pairs = np.stack([v, np.broadcast_to(idx, b.shape).astype(carrier)], axis=-1)
    return _argtopk_pick(pairs, k, axis)


def _argtopk_pick(p, k=0, axis=0):
    """Dask's chunk.argtopk on (value, index) pairs: the |k| pairs of the
    largest (smallest) values along axis, in no order."""
    if builtins.abs(k) >= p.shape[axis]:
        return p
    i = np.argpartition(p[..., 0], -k, axis=axis)
    i = i[_along(axis, i.ndim, slice(-k, None) if k > 0 else slice(None, -k))]
    return np.take_along_axis(p, i[..., None], axis=axis)


def _argtopk_aggregate(p, k=0, axis=0):
    """Dask's argtopk_aggregate: the pick sorted by value (largest first for
    k > 0), its indices only."""
    p = _argtopk_pick(p, k, axis)
    order = np.argsort(p[..., 0], axis=axis)
    if k > 0:
        order = order[_along(axis, order.ndim, slice(None, None, -1))]
    idx = np.take_along_axis(p[..., 1], order, axis=axis)
    return (idx.real if idx.dtype.kind == "c" else idx).astype(np.intp)


def argtopk(a, k, axis=-1, split_every=None):
    """dask.array.argtopk: the indices along axis of the k largest elements,
    largest first (k < 0: the -k smallest, smallest first), as intp in one
    block, as Dask builds it (topk's reduction on values with their indices).
    Dask pairs them as tuples in object blocks; dusk's blocks are numbers, so
    each value and its index sit side by side along a last axis of 2 in one
    dtype that holds both exactly; the indices come from the block's place
    (block_id), where Dask adds an arange and a pairing layer. Which index of
    equal values comes first is np.argpartition's, as in Dask."""
    a = _as_array(a)
    k, axis = _topk_k(a, k, axis, "argtopk")
    split_every = _split_every_of(split_every, "argtopk")
    m = builtins.abs(k)
    carrier = np.dtype(_carrier(a.dtype))
    starts = tuple(np.cumsum((0,) + a.chunks[axis][:-1], dtype=np.int64).tolist())
    y = map_blocks(_argtopk_block, a, dtype=carrier, name="argtopk", k=k, axis=axis,
                   starts=starts, carrier=carrier, new_axis=a.ndim,
                   chunks=a.chunks[:axis] + (tuple(builtins.min(m, c) for c in a.chunks[axis]),) +
                   a.chunks[axis + 1:] + ((2,),))
    return _tree_along(y, axis, split_every, _argtopk_pick, _argtopk_aggregate,
                       lambda g: builtins.min(m, g), m, "argtopk", carrier, np.intp,
                       drop_last=True, k=k)


def moment(a, order, axis=None, dtype=None, keepdims=False, ddof=0, split_every=None, out=None):
    """dask.array.moment: the order-th central moment, sum((a - mean)**order)
    / (N - ddof), in Dask's dtype (np.var's of a's: float64 for integers).
    Dask adds up each block's moments in one pass (Pebay's formulas), in a
    reduction whose blocks carry dicts; dusk's blocks are arrays of numbers,
    so dusk takes the mean first, then the sum of the powers (two reductions:
    values equal to rounding, other task counts). Order 0 is ones and 1 zeros,
    as Dask's (of the reduced shape; keepdims kept, which Dask's ignores)."""
    _no_out(out)
    if isinstance(order, bool) or not isinstance(order, (numbers.Integral, np.integer)) \
            or order < 0:
        raise ValueError("Order must be an integer >= 0")
    a = _as_array(a)
    if a.dtype.kind == "c":
        raise TypeError("moment: dusk takes real numbers, not %s" % a.dtype)
    axes = tuple(range(a.ndim)) if axis is None else _axes_of(axis, a.ndim, "moment")
    if order < 2:
        reduced = a.sum(axis=axes, keepdims=keepdims)
        make = ones if order == 0 else zeros
        return make(reduced.shape, dtype="f8", chunks=reduced.chunks)
    # (N is read from a's shape: not known for x[mask]'s chunks)
    a._known_chunks("moment")
    dt = np.dtype(dtype) if dtype is not None else np.var(np.ones(1, dtype=a.dtype)).dtype
    x = a if a.dtype == dt else a.astype(dt)
    mu = x.mean(axis=axes, keepdims=True, split_every=split_every)
    m = ((x - mu) ** int(order)).sum(axis=axes, keepdims=keepdims, split_every=split_every)
    n = int(np.prod([a.shape[d] for d in axes], dtype=np.int64))
    denominator = n - ddof
    r = m / (float(denominator) if denominator >= 0 else np.nan)
    return r if r.dtype == dt else r.astype(dt)


Array.topk = lambda self, k, axis=-1, split_every=None: topk(self, k, axis, split_every)
Array.argtopk = lambda self, k, axis=-1, split_every=None: argtopk(self, k, axis, split_every)
Array.moment = lambda self, order, axis=None, dtype=None, keepdims=False, ddof=0, \
    split_every=None, out=None: moment(self, order, axis, dtype, keepdims, ddof, split_every, out)

__all__ += ["median", "nanmedian", "topk", "argtopk", "moment"]


# --- repeat, append, insert, delete, compress, ediff1d, vdot, rollaxis --------------------------

def _repeat_block(b, repeats=1, axis=0):
    return np.repeat(b, repeats, axis=axis)


def repeat(a, repeats, axis=None):
    """numpy.repeat with an int repeats, as dask.array's: each block cut into
    up to repeats slabs along axis (so that no block grows past repeats times
    a slab), np.repeat on each (map_blocks), joined with concatenate. As
    Dask's, repeats is one int (not one per element). axis=None repeats the
    flattened array, as NumPy's (Dask's takes it of 1-d arrays only)."""
    a = _as_array(a)
    a._known_chunks("repeat")   # its map_blocks reads every axis's chunks
    if axis is None:
        a = a.ravel() if a.ndim != 1 else a
        axis = 0
    axis = _axis_of(axis, a.ndim, "repeat")
    if isinstance(repeats, Array) or np.ndim(repeats) != 0 or isinstance(repeats, bool) \
            or not isinstance(repeats, (numbers.Integral, np.integer)):
        raise NotImplementedError("repeat: dusk repeats by one int, as Dask's, not %r" % (repeats,))
    repeats = int(repeats)
    if repeats < 0:
        raise ValueError("repeat: repeats may not be negative (%d)" % repeats)
    if repeats == 0:
        return a[_along(axis, a.ndim, slice(0, 0))]
    if repeats == 1:
        return a
    edges = np.cumsum((0,) + a.chunks[axis], dtype=np.int64).tolist()
    out = []
    for lo, hi in zip(edges, edges[1:]):
        cuts = np.linspace(lo, hi, repeats).round(0)
        for s, e in zip(cuts, cuts[1:]):
            if s != e:
                slab = a[_along(axis, a.ndim, slice(int(s), int(e)))]
                out.append(map_blocks(_repeat_block, slab, repeats=repeats, axis=axis,
                                      dtype=a.dtype, chunks=slab.chunks[:axis] +
                                      ((slab.shape[axis] * repeats,),) + slab.chunks[axis + 1:]))
    if not out:   # an empty axis
        return a
    return out[0] if len(out) == 1 else concatenate(out, axis=axis)


def append(arr, values, axis=None):
    """numpy.append as dask.array's: concatenate of arr and values (both
    flattened when axis is None)."""
    arr, values = _as_array(arr), _as_array(values)
    if axis is None:
        arr = arr.ravel() if arr.ndim != 1 else arr
        values = values.ravel() if values.ndim != 1 else values
        axis = arr.ndim - 1
    return concatenate([arr, values], axis=axis)


def _split_at(a, breaks, axis):
    """a in pieces along axis, cut at breaks (sorted): Dask's split_at_breaks."""
    bounds = [None] + [int(b) for b in breaks] + [None]
    return [a[_along(axis, a.ndim, slice(lo, hi))] for lo, hi in zip(bounds, bounds[1:])]


def _positions(obj, n, what, end_ok):
    """obj (an int, slice or sequence of ints) as a 1-d array of indices in
    0 .. n - 1 (n too where end_ok: insert's end), NumPy's IndexError past them."""
    if isinstance(obj, slice):
        return np.arange(*obj.indices(n)), False
    if isinstance(obj, Array):
        obj = obj.compute()
    idx = np.asarray(obj)
    if idx.dtype == bool:
        raise IndexError("%s: obj is indices (ints), not booleans" % what)
    if idx.size and idx.dtype.kind not in "iu":
        raise IndexError("%s: obj is indices (ints), not %s" % (what, idx.dtype))
    if idx.ndim > 1:
        raise ValueError("%s: obj must be an int or a 1-d sequence of ints" % what)
    scalar = idx.ndim == 0
    idx = np.atleast_1d(idx).astype(np.int64)
    top = n + 1 if end_ok else n
    bad = idx[(idx < -n) | (idx >= top)] if idx.size else idx
    if bad.size:
        raise IndexError("index %d is out of bounds for axis with size %d" % (bad[0], n))
    return np.where(idx < 0, idx + n, idx), scalar


def insert(arr, obj, values, axis=None):
    """numpy.insert as dask.array's: arr cut at the places obj names, values
    (broadcast, cut likewise) put between, joined with concatenate. obj an
    int, a slice or increasing ints (Dask's); values take arr's dtype, as
    NumPy's (Dask's concatenate promotes). axis=None inserts into the
    flattened array, as NumPy's (Dask needs an axis)."""
    arr = _as_array(arr)
    if axis is None:
        arr = arr.ravel() if arr.ndim != 1 else arr
        axis = 0
    axis = _axis_of(axis, arr.ndim, "insert")
    idx, scalar = _positions(obj, arr.shape[axis], "insert", True)
    if (np.diff(idx) < 0).any():
        raise NotImplementedError("da.insert only implemented for monotonic ``obj`` argument")
    v = values if isinstance(values, Array) else np.asarray(values)
    v = _as_array(v).astype(arr.dtype) if v.dtype != arr.dtype else _as_array(v)
    if v.ndim < arr.ndim:
        v = v[(None,) * (arr.ndim - v.ndim)]
    if scalar and v.ndim:   # NumPy's: the first axis of values is the one inserted
        v = moveaxis(v, 0, axis)
    numnew = v.shape[axis] if scalar else len(idx)
    shape = arr.shape[:axis] + (numnew,) + arr.shape[axis + 1:]
    try:
        np.broadcast_shapes(v.shape, shape)
        if np.broadcast_shapes(v.shape, shape) != shape:
            raise ValueError
    except ValueError:
        raise ValueError("insert: values of shape %s do not fit the shape %s inserted"
                         % (v.shape, shape)) from None
    v = broadcast_to(v, shape) if v.shape != shape else v
    v = v.rechunk(arr.chunks[:axis] + (v.chunks[axis],) + arr.chunks[axis + 1:])
    if scalar:
        idx = np.repeat(idx, numnew)
    counts = np.bincount(idx, minlength=arr.shape[axis] + 1)[:-1]
    pieces = []
    for p, q in zip(_split_at(arr, np.unique(idx), axis),
                    _split_at(v, np.cumsum(counts[counts > 0]), axis) + [None]):
        pieces += [x for x in (p, q) if x is not None and x.shape[axis]]
    if not pieces:
        return arr
    return pieces[0] if len(pieces) == 1 else concatenate(pieces, axis=axis)


def delete(arr, obj, axis=None):
    """numpy.delete as dask.array's: arr cut at the places obj names (an int,
    a slice, ints, or a boolean mask of the axis's length), the first element
    of each piece after a cut left out, the rest joined with concatenate.
    axis=None deletes from the flattened array, as NumPy's (Dask needs an
    axis); indices past the axis are NumPy's IndexError (Dask ignores them)."""
    arr = _as_array(arr)
    if axis is None:
        arr = arr.ravel() if arr.ndim != 1 else arr
        axis = 0
    axis = _axis_of(axis, arr.ndim, "delete")
    n = arr.shape[axis]
    mask = None if isinstance(obj, (slice, Array)) else np.asarray(obj)
    if mask is not None and mask.dtype == bool:
        if mask.shape != (n,):
            raise ValueError("boolean array argument obj to delete must be one dimensional "
                             "and match the axis length of %d" % n)
        idx = np.flatnonzero(mask)
    else:
        idx = np.unique(_positions(obj, n, "delete", False)[0])
    pieces = _split_at(arr, idx, axis)
    pieces = [p if i == 0 else p[_along(axis, p.ndim, slice(1, None))]
              for i, p in enumerate(pieces)]
    return pieces[0] if len(pieces) == 1 else concatenate(pieces, axis=axis)


def compress(condition, a, axis=None):
    """numpy.compress as dask.array's: a[condition] along axis (the flattened
    array when None), condition a 1-d sequence of booleans, shorter than the
    axis meaning False for the rest; True past the axis is NumPy's IndexError
    (Dask cuts the condition short). A dusk array condition is lazy, as
    Dask's: the result's blocks along axis are of unknown size (nan) until
    computed (x.compute_chunk_sizes()); it may not be longer than the axis."""
    if isinstance(condition, Array):
        if condition.ndim != 1:
            raise ValueError("Condition must be one dimensional")
        return _apply("_compress", _as_array(a), condition, axis)
    cond = np.asarray(condition).astype(bool)
    if cond.ndim != 1:
        raise ValueError("Condition must be one dimensional")
    a = _as_array(a)
    if axis is None:
        a = a.ravel() if a.ndim != 1 else a
        axis = 0
    axis = _axis_of(axis, a.ndim, "compress")
    n = a.shape[axis]
    if cond[n:].any():
        raise IndexError("index %d is out of bounds for axis %d with size %d"
                         % (n + np.flatnonzero(cond[n:])[0], axis, n))
    a = a[_along(axis, a.ndim, slice(None, len(cond)))] if len(cond) < n else a
    return a[_along(axis, a.ndim, cond[:n])]


def argwhere(a):
    """numpy.argwhere as dask.array's: the indices of the nonzero elements, one row
    each, (nan, a.ndim): a's index grid (indices), its rows flattened and stacked,
    compressed by a != 0 (astype(bool), flattened); blocks of unknown size along
    the rows (nan) until computed."""
    a = _as_array(a)
    a._known_chunks("argwhere")
    nz = a.astype(bool).ravel()
    ind = indices(a.shape, dtype=np.intp, chunks=a.chunks)
    if ind.ndim > 1:
        ind = stack([ind[i].ravel() for i in range(len(ind))], axis=1)
    return compress(nz, ind, axis=0)


def nonzero(a):
    """numpy.nonzero as dask.array's: argwhere's columns, one array per axis,
    each of unknown length (nan) until computed."""
    ind = argwhere(a)
    if ind.ndim > 1:
        return tuple(ind[:, i] for i in range(ind.shape[1]))
    return (ind,)


def flatnonzero(a):
    """numpy.flatnonzero as dask.array's: argwhere of the flattened array, its
    column: of unknown length (nan) until computed."""
    return argwhere(_as_array(a).ravel())[:, 0]


Array.nonzero = lambda self: nonzero(self)


def unique(ar, return_index=False, return_inverse=False, return_counts=False):
    """numpy.unique's sorted distinct values (of the flattened array; NaN once, as
    NumPy 1.24's), as dask.array.unique builds them: each block's, then one task of
    them all, one block of unknown size (nan) until computed. return_index,
    return_inverse and return_counts are not built (NotImplementedError)."""
    asked = [k for k, v in (("return_index", return_index), ("return_inverse", return_inverse),
                            ("return_counts", return_counts)) if v]
    if asked:
        raise NotImplementedError("unique: %s: dusk builds the values only"
                                  % ", ".join(k + "=True" for k in asked))
    a = _as_array(ar)
    if a.dtype.kind == "c":
        raise TypeError("unique: complex numbers (%s) are not sorted by dusk" % a.dtype)
    return _apply("_unique", a)


def ediff1d(ary, to_end=None, to_begin=None):
    """numpy.ediff1d as dask.array's: the flattened array's differences, with
    to_begin and to_end (flattened) joined before and after. In ary's dtype,
    as NumPy's (to_begin and to_end must cast to it by the 'same_kind' rule);
    Dask's concatenate promotes."""
    ary = _as_array(ary)
    flat = ary.ravel() if ary.ndim != 1 else ary
    parts = [flat[1:] - flat[:-1]]
    for name, v in (("to_begin", to_begin), ("to_end", to_end)):
        if v is None:
            continue
        v = _as_array(v)
        if not np.can_cast(v.dtype, ary.dtype, casting="same_kind"):
            raise TypeError("dtype of `%s` must be compatible with input `ary` under the "
                            "`same_kind` rule." % name)
        v = v.ravel() if v.ndim != 1 else v
        v = v if v.dtype == parts[0].dtype else v.astype(parts[0].dtype)
        parts = [v] + parts if name == "to_begin" else parts + [v]
    return parts[0] if len(parts) == 1 else concatenate(parts)


def vdot(a, b):
    """numpy.vdot as dask.array's: dot of the flattened conj(a) and b."""
    a, b = _as_array(a), _as_array(b)
    if a.size != b.size:
        raise ValueError("vdot: a has %d elements and b %d; they must have as many"
                         % (a.size, b.size))
    return dot(a.conj().ravel(), b.ravel())


def rollaxis(a, axis, start=0):
    """numpy.rollaxis, as dask.array's: axis moved to the place before start
    (a transpose)."""
    a = _as_array(a)
    n = a.ndim
    axis = _axis_of(axis, n, "rollaxis")
    start = _whole(start, "rollaxis: start")
    if start < 0:
        start += n
    if not 0 <= start < n + 1:
        raise np.AxisError("'start' arg requires %d <= start < %d, but %d was passed in"
                           % (-n, n + 1, start))
    if axis < start:
        start -= 1
    if axis == start:
        return a
    order = list(range(n))
    order.remove(axis)
    order.insert(start, axis)
    return a.transpose(tuple(order))


__all__ += ["repeat", "append", "insert", "delete", "compress", "unique", "argwhere", "nonzero",
            "flatnonzero", "ediff1d", "vdot", "rollaxis"]


# --- choose, select, piecewise, coarsen, gradient, fromfunction ----------------------------------

def _elemwise(func, *args, dtype=None, name=None, **kwargs):
    """Dask's elemwise: func on the blocks of dusk arrays broadcast together
    (their axes lined up from the right, chunks unified), numbers passed as
    they are; one blockwise layer named after func."""
    arrays = [a if isinstance(a, Array) else _as_array(a) if np.ndim(a) else a for a in args]
    ndim = builtins.max([a.ndim for a in arrays if isinstance(a, Array)] + [0])
    shapes = [a.shape for a in arrays if isinstance(a, Array)]
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        raise ValueError("%s: operands could not be broadcast together with shapes %s"
                         % (name or _blocks.funcname(func), " ".join(map(str, shapes)))) from None
    pairs = []
    for a in arrays:
        if isinstance(a, Array):
            pairs += [a, tuple(range(ndim - a.ndim, ndim))]
        else:
            pairs += [a, None]
    if not builtins.any(isinstance(a, Array) for a in arrays):
        pairs[0:2] = [from_array(np.asarray(arrays[0])), ()]
    return blockwise(func, tuple(range(ndim)), *pairs, dtype=dtype, token=name, **kwargs)


def _choose_block(a, *choices):
    return np.choose(a, choices)


def choose(a, choices):
    """numpy.choose as dask.array's: one elementwise layer of np.choose over a
    and the choices, broadcast together (an index past them is NumPy's error
    when computed)."""
    a = _as_array(a)
    if a.dtype.kind not in "biu":
        raise TypeError("choose: a holds indices (integers), not %s" % a.dtype)
    choices = [c if isinstance(c, Array) else np.asarray(c) for c in choices]
    if not choices:
        raise ValueError("choose: choices must not be empty")
    dtype = np.result_type(*[c.dtype for c in choices])
    return _elemwise(_choose_block, a, *choices, dtype=dtype, name="variadic_choose")


def _select_block(*args, default=0):
    half = len(args) // 2
    return np.select(list(args[:half]), list(args[half:]), default=default)



def select(condlist, choicelist, default=0):
    """numpy.select as dask.array's: one blockwise 'select' layer over the
    conditions and choices (of one shape), in their common dtype."""
    if len(condlist) != len(choicelist):
        raise ValueError("list of cases must be same length as list of conditions")
    if len(condlist) == 0:
        raise ValueError("select with an empty condition list is not possible")
    choicelist = [_as_array(c) for c in choicelist]
    condlist = [_as_array(c) for c in condlist]
    for c in condlist:
        if c.dtype != bool:
            raise TypeError("invalid entry in condlist: should be boolean ndarray")
    try:
        # the default counts too, as in NumPy's (select(..., default=0.5) of ints is float)
        dtype = np.select([np.zeros(1, bool)] * len(choicelist),
                          [np.zeros(1, c.dtype) for c in choicelist], default=default).dtype
    except TypeError as e:
        raise TypeError("Choicelist elements do not have a common dtype.") from e
    shape = choicelist[0].shape
    for c in condlist + choicelist:
        if c.shape != shape:
            raise ValueError("select: conditions and choices must have one shape, not %s and %s"
                             % (shape, c.shape))
    ind = tuple(range(len(shape)))
    args = [v for c in condlist + choicelist for v in (c, ind)]
    return blockwise(_select_block, ind, *args, dtype=dtype, token="select", default=default)


def _piecewise_block(x, *condlist, funclist=(), func_args=(), func_kw=None):
    return np.piecewise(x, list(condlist), funclist, *func_args, **(func_kw or {}))


def piecewise(x, condlist, funclist, *args, **kw):
    """numpy.piecewise as dask.array's: np.piecewise on every block of x and of
    the conditions (arrays of x's shape and chunks), in x's dtype; funclist's
    functions see one block at a time."""
    x = _as_array(x)
    if isinstance(condlist, (Array, np.ndarray)) or not isinstance(condlist, (list, tuple)):
        condlist = [condlist]
    conds = []
    for c in condlist:
        c = _as_array(c)
        if c.shape != x.shape:
            raise ValueError("piecewise: a condition of shape %s for x of shape %s"
                             % (c.shape, x.shape))
        conds.append(c if c.chunks == x.chunks else c.rechunk(x.chunks))
    n = len(conds)
    if len(funclist) not in (n, n + 1):
        raise ValueError("with %d condition(s), either %d or %d functions are expected"
                         % (n, n, n + 1))
    return map_blocks(_piecewise_block, x, *conds, dtype=x.dtype, name="piecewise",
                      funclist=list(funclist), func_args=args, func_kw=kw)


def _aligned_coarsen_chunks(chunks, multiple):
    """Dask's aligned_coarsen_chunks: chunks made multiples of multiple, the
    excess moved onto the smallest blocks (and a last block of the rest)."""
    chunks = np.array(chunks, dtype=np.int64)
    overflow = chunks % multiple
    excess = int(overflow.sum())
    new = chunks - overflow
    valid = new == chunks
    bad_i, good_i = np.where(~valid)[0], np.where(valid)[0]
    order = [*bad_i[np.argsort(new[bad_i], kind="stable")],
             *good_i[np.argsort(new[good_i], kind="stable")]]
    for i in range(excess // multiple):
        new[order[i]] += multiple
    if excess % multiple:
        new = np.append(new, excess % multiple)
    return tuple(int(c) for c in new if c > 0)


def _coarsen_block(b, reduction=None, factors=(), trim_excess=False, kwargs=None):
    """Dask's chunk.coarsen: each axis split into (n // factor, factor), the
    factor axes reduced."""
    if trim_excess:
        b = b[tuple(slice(0, n - n % f) for n, f in zip(b.shape, factors))]
    shape = tuple(v for n, f in zip(b.shape, factors) for v in (n // f, f))
    return reduction(b.reshape(shape), axis=tuple(range(1, 2 * b.ndim, 2)), **(kwargs or {}))


def coarsen(reduction, x, axes, trim_excess=False, **kwargs):
    """dask.array.coarsen: reduction (np.sum, np.mean ...) over each block of
    axes[i] elements along axis i, as Dask builds it: the axes rechunked to
    multiples of their factor (Dask's aligned chunks), then one 'coarsen' task
    per block. trim_excess drops what does not fill a last block; without it
    a length no factor divides is a ValueError."""
    x = _as_array(x)
    if not callable(reduction):
        raise TypeError("coarsen: reduction must be a function (np.sum, np.mean ...), not %s"
                        % type(reduction).__name__)
    if not isinstance(axes, dict):
        raise TypeError("coarsen: axes is a dict {axis: factor}, not %s" % type(axes).__name__)
    factors = [1] * x.ndim
    for ax, f in axes.items():
        d = _axis_of(ax, x.ndim, "coarsen")
        f = _whole(f, "coarsen: a factor")
        if f < 1:
            raise ValueError("coarsen: factors must be at least 1, not %d (axis %d)" % (f, d))
        factors[d] = f
    if not trim_excess and not builtins.all(n % f == 0 for n, f in zip(x.shape, factors)):
        raise ValueError("Coarsening factors %s do not align with array shape %s."
                         % (axes, x.shape))
    if getattr(reduction, "__module__", "") and reduction.__module__.startswith("dusk."):
        reduction = getattr(np, reduction.__name__)   # da.sum on blocks is np.sum's work
    new = {d: _aligned_coarsen_chunks(x.chunks[d], f) for d, f in enumerate(factors) if f > 1}
    new = {d: c for d, c in new.items() if c != x.chunks[d]}
    if new:
        x = x.rechunk(new)
    chunks = tuple(tuple(c // f for c in cs) for cs, f in zip(x.chunks, factors))
    dtype = reduction(np.empty((1,) * x.ndim, dtype=x.dtype), **kwargs).dtype
    return map_blocks(_coarsen_block, x, dtype=dtype, chunks=chunks, name="coarsen",
                      reduction=reduction, factors=tuple(factors), trim_excess=bool(trim_excess),
                      kwargs=kwargs)


def _gradient_block(b, block_id=None, coord=None, axis=0, starts=None, stops=None,
                    grad_kwargs=None):
    """np.gradient of a block grown by one element either side along axis;
    coord's piece under it when coordinates are given."""
    if starts is not None:
        i = block_id[axis]
        coord = coord[starts[i]:stops[i]]
    return np.gradient(b, coord, axis=axis, **grad_kwargs)


def gradient(f, *varargs, axis=None, **kwargs):
    """numpy.gradient as dask.array's: for each axis a map_overlap of depth 1
    along it (boundary 'none') running np.gradient on the grown blocks.
    varargs: one spacing (a number or coordinates, a 1-d NumPy array) for all
    axes or one per axis; edge_order 1 or 2; each block along an axis must
    be longer than edge_order + 1, as Dask's. One axis (a 1-d array's, or
    axis=(1,)) gives an array, more a list, as NumPy's (Dask's gives a list
    unless axis is an int)."""
    f = _as_array(f)
    edge_order = kwargs.get("edge_order", 1)
    kwargs["edge_order"] = int(np.ceil(edge_order))
    if set(kwargs) - {"edge_order"}:
        raise TypeError("gradient: unexpected keyword argument(s) %s"
                        % ", ".join(sorted(set(kwargs) - {"edge_order"})))
    if kwargs["edge_order"] > 2:
        raise ValueError("edge_order must be less than or equal to 2.")
    axes = tuple(range(f.ndim)) if axis is None else _axes_of(axis, f.ndim, "gradient")
    if not varargs:
        varargs = (1,)
    if len(varargs) == 1:
        varargs = varargs * len(axes)
    if len(varargs) != len(axes):
        raise TypeError("Spacing must either be a single scalar, or a scalar / 1d-array per axis")
    if f.dtype.kind in "biu" or (f.dtype.kind == "f" and f.itemsize < 4):
        f = f.astype(float)
    results = []
    for i, ax in enumerate(axes):
        small = builtins.min(f.chunks[ax]) if f.chunks[ax] else 0
        if small < kwargs["edge_order"] + 1:
            raise ValueError("Chunk size must be larger than edge_order + 1. Minimum chunk for "
                             "axis {} is {}. Rechunk to proceed.".format(ax, small))
        coord = varargs[i]
        starts = stops = None
        if np.ndim(coord) != 0:
            if isinstance(coord, Array):
                raise NotImplementedError("dask array coordinated is not supported.")
            coord = np.asarray(coord)
            if coord.ndim != 1 or len(coord) != f.shape[ax]:
                raise ValueError("gradient: coordinates of axis %d must be 1-d of its length %d"
                                 % (ax, f.shape[ax]))
            c = np.array(f.chunks[ax])
            stop = np.cumsum(c) + 1
            start = stop - c - 2
            stop[-1] -= 1
            start[0] = 0
            starts, stops = tuple(start.tolist()), tuple(stop.tolist())
        results.append(map_overlap(_gradient_block, f, dtype=f.dtype,
                                   depth={j: 1 if j == ax else 0 for j in range(f.ndim)},
                                   boundary="none", coord=coord, axis=ax, starts=starts,
                                   stops=stops, grad_kwargs=dict(kwargs)))
    return results[0] if len(results) == 1 else results


def _fromfunction_block(*coords, maker=None, kwargs=None):
    return maker(*np.meshgrid(*coords, indexing="ij"), **kwargs)


def fromfunction(func, chunks="auto", shape=None, dtype=None, **kwargs):
    """numpy.fromfunction as dask.array's: func called on every block's
    coordinate arrays, one blockwise 'fromfunction' layer; the coordinates in
    dtype (float by default), the result in func's dtype. Dask broadcasts an
    arange per axis to the whole grid first (meshgrid, a layer per axis);
    dusk gives each block its aranges' blocks and makes the grid there (fewer
    tasks, the same values)."""
    if not callable(func):
        raise TypeError("fromfunction: func must be callable, not %s" % type(func).__name__)
    if shape is None:
        raise TypeError("fromfunction: shape must be given")
    shape = _shape(shape)
    dtype = dtype or float
    chunks = zeros(shape, dtype=dtype, chunks=chunks).chunks
    ind = tuple(range(len(shape)))
    args = []
    for d, (n, c) in enumerate(zip(shape, chunks)):
        # counted in float64 (or int64) directly, other dtypes cast
        r = arange(0.0 if np.dtype(dtype).kind in "fc" else 0, n, chunks=(c,)) if n else \
            zeros((0,), dtype=dtype, chunks=(c,))
        args += [r if r.dtype == dtype else r.astype(dtype), (d,)]
    probe = func(*np.meshgrid(*[np.ones(1, dtype) for _ in shape], indexing="ij"), **kwargs)
    return blockwise(_fromfunction_block, ind, *args, token="fromfunction",
                     dtype=np.result_type(probe), maker=func, kwargs=kwargs)


__all__ += ["choose", "select", "piecewise", "coarsen", "gradient", "fromfunction"]


# --- elementwise functions past NumPy's operators --------------------------------------------

def _nth(b, n=0, ufunc=None):
    return ufunc(b)[n]


def _two_parts(func, x, names):
    x = _as_array(x)
    one = func(np.ones(1, dtype=x.dtype))   # NumPy's TypeError for the dtypes it refuses
    return tuple(map_blocks(_nth, x, n=i, ufunc=func, dtype=one[i].dtype, name=names[i])
                 for i in range(2))


def frexp(x):
    """numpy.frexp, as dask.array's: (mantissa, exponent), two arrays; Dask
    computes a layer of pairs and takes each out, dusk runs np.frexp in each
    (2 tasks a block where Dask's are 3)."""
    return _two_parts(np.frexp, x, ("mantissa", "exponent"))


def modf(x):
    """numpy.modf, as dask.array's: (fractional part, integral part) (see frexp)."""
    return _two_parts(np.modf, x, ("modf1", "modf2"))


def divmod(x, y):
    """numpy.divmod, as dask.array's: (x // y, x % y)."""
    return floor_divide(x, y), remainder(x, y)


def _ufunc_function(uf, nin):
    def f(*args):
        if len(args) != nin:
            raise TypeError("%s takes %d argument%s, not %d"
                            % (uf.__name__, nin, "s" if nin > 1 else "", len(args)))
        dtype = uf(*[np.ones(1, a.dtype) if isinstance(a, (Array, np.ndarray)) else a
                     for a in args]).dtype   # NumPy's TypeError for dtypes it has no loop of
        return _elemwise(uf, *args, dtype=dtype)
    f.__name__ = uf.__name__
    f.__doc__ = ("numpy.%s of dusk arrays or numbers, lazily, as dask.array.%s: one "
                 "elementwise layer" % (uf.__name__, uf.__name__))
    return f


ldexp = _ufunc_function(np.ldexp, 2)
left_shift = _ufunc_function(np.left_shift, 2)
right_shift = _ufunc_function(np.right_shift, 2)
# np.left_shift(x, 1), ndarray << x, np.divmod(x, 3) ...: the ufuncs whose dusk
# function is Python's, through __array_ufunc__
_UFUNC_PYTHON = {}
# x << 1 and x >> 1, divmod(x, 3), as NumPy's and Dask's operators
Array.__divmod__ = lambda self, other: divmod(self, other)
Array.__rdivmod__ = lambda self, other: divmod(other, self)
Array.__lshift__ = lambda self, other: left_shift(self, other)
Array.__rlshift__ = lambda self, other: left_shift(other, self)
Array.__rshift__ = lambda self, other: right_shift(self, other)
Array.__rrshift__ = lambda self, other: right_shift(other, self)
spacing = _ufunc_function(np.spacing, 1)
i0 = _ufunc_function(np.i0, 1)
iscomplex = _ufunc_function(np.iscomplex, 1)
isreal = _ufunc_function(np.isreal, 1)


def _isnull_block(b):
    return np.isnan(b) if b.dtype.kind in "fc" else np.zeros(b.shape, dtype=bool)


def _notnull_block(b):
    return ~_isnull_block(b)


def isnull(values):
    """dask.array.isnull: where values are missing, one elementwise layer.
    Dask asks pandas; dusk's arrays hold numbers only, whose missing values
    are NaN (pandas's answer for them too)."""
    return _elemwise(_isnull_block, _as_array(values), dtype=bool, name="isnull")


def notnull(values):
    """dask.array.notnull: not isnull."""
    return _elemwise(_notnull_block, _as_array(values), dtype=bool, name="notnull")


__all__ += ["frexp", "modf", "divmod", "ldexp", "left_shift", "right_shift", "spacing", "i0",
            "iscomplex", "isreal", "isnull", "notnull"]


# --- indices, dtypes and shapes ---------------------------------------------------------------

def _unravel_block(b, shape=(), order="C"):
    return np.stack(np.unravel_index(b, shape, order=order))


def unravel_index(indices, shape, order="C"):
    """numpy.unravel_index as dask.array's: one map_blocks of np.unravel_index
    (a new first axis, one row per dimension of shape), then its rows: a tuple
    of arrays of indices' shape and chunks. An index past shape is NumPy's
    ValueError when computed."""
    indices = _as_array(indices)
    if indices.dtype.kind not in "iu":
        raise TypeError("only int indices permitted")
    shape = _shape(shape)
    if order not in ("C", "F"):
        raise ValueError("only 'C' or 'F' order is permitted")
    if not shape or not indices.size:
        return tuple(empty((0,), dtype=np.intp, chunks=1) for _ in shape)
    both = map_blocks(_unravel_block, indices, dtype=np.intp, new_axis=0,
                      chunks=((len(shape),),) + indices.chunks, shape=shape, order=order)
    return tuple(both[i] for i in range(len(shape)))


def _ravel_block(b, dims=(), mode="raise", order="C"):
    return np.ravel_multi_index(tuple(b), dims, mode=mode, order=order)


def ravel_multi_index(multi_index, dims, mode="raise", order="C"):
    """numpy.ravel_multi_index as dask.array's: the indices stacked (broadcast
    first), then one map_blocks of np.ravel_multi_index dropping that axis."""
    if np.isscalar(dims):
        dims = (dims,)
    if isinstance(dims, Array) or builtins.any(isinstance(d, Array) for d in dims):
        raise NotImplementedError("Dask types are not supported in the `dims` argument: %r"
                                  % (dims,))
    dims = _shape(tuple(dims))
    if isinstance(multi_index, (Array, np.ndarray)):
        stacked = _as_array(multi_index)
    else:
        stacked = stack(broadcast_arrays(*[_as_array(m) for m in multi_index]))
    if stacked.ndim == 0 or len(stacked) != len(dims):
        raise ValueError("parameter multi_index must be a sequence of length %d" % len(dims))
    if stacked.dtype.kind != "i":
        raise TypeError("only int indices permitted")
    # (map_blocks joins the blocks along the axis it drops)
    return map_blocks(_ravel_block, stacked, dtype=np.intp, chunks=stacked.chunks[1:],
                      drop_axis=0, name="ravel_multi_index", dims=dims, mode=mode, order=order)


def result_type(*arrays_and_dtypes):
    """numpy.result_type of dusk arrays (their dtypes), dtypes and numbers."""
    return np.result_type(*[a.dtype if isinstance(a, Array) else a for a in arrays_and_dtypes])


def shape(array):
    """numpy.shape: the array's shape (a dusk array's without computing it)."""
    return array.shape if isinstance(array, Array) else np.shape(array)


def ndim(a):
    """numpy.ndim: the number of dimensions."""
    return a.ndim if isinstance(a, Array) else np.ndim(a)


def unify_chunks(*args, **kwargs):
    """dask.array.unify_chunks of (array, index) pairs: ({index: chunks}, the
    arrays rechunked to the chunks common to each index: every boundary of
    any of them), an axis of length 1 left as it is. An index of None passes
    its argument as it is."""
    if not args:
        return {}, []
    if len(args) % 2:
        raise TypeError("unify_chunks takes (array, index) pairs")
    pairs = [(_as_array(a) if ind is not None else a, ind) for a, ind in zip(args[::2], args[1::2])]
    chunkss = {}
    for a, ind in pairs:
        if ind is None:
            continue
        ind = tuple(ind)
        if len(ind) != a.ndim:
            raise ValueError("unify_chunks: index %r for an array of %d dimensions"
                             % (ind, a.ndim))
        for i, c in zip(ind, a.chunks):
            chunkss.setdefault(i, []).append(c)
    out = {}
    for i, cs in chunkss.items():
        lengths = {builtins.sum(c) for c in cs if builtins.sum(c) != 1}
        if len(lengths) > 1:
            raise ValueError("Shapes do not align: index %r has lengths %s"
                             % (i, sorted(lengths)))
        real = [c for c in cs if builtins.sum(c) != 1] or cs
        out[i] = real[0] if builtins.all(c == real[0] for c in real) else _blocks._refine(real)
    arrays = []
    for a, ind in pairs:
        if ind is None:
            arrays.append(a)
            continue
        chunks = tuple(out[i] if n > 1 else (n,) for i, n in zip(tuple(ind), a.shape))
        arrays.append(a.rechunk(chunks) if chunks != a.chunks and builtins.all(a.chunks) else a)
    return out, arrays


__all__ += ["unravel_index", "ravel_multi_index", "result_type", "shape", "ndim", "unify_chunks"]

_UFUNC_PYTHON.update({f.__name__: f for f in (left_shift, right_shift, divmod, frexp, modf, ldexp,
                                              spacing)})


# --- histogramdd, histogram2d ----------------------------------------------------------------

def _histdd_block(*parts, bins=None, range=None, weighted=False, columnar=True):
    """One block's np.histogramdd, with a leading axis of length 1 (the blocks'
    counts are then summed along it)."""
    w = parts[-1] if weighted else None
    parts = parts[:-1] if weighted else parts
    h, _ = np.histogramdd(parts[0] if columnar else parts, bins=bins, range=range, weights=w)
    return h[np.newaxis]


def histogramdd(sample, bins, range=None, normed=None, weights=None, density=None):
    """dask.array.histogramdd: a (N, D) sample chunked along its rows only, or D
    1-d arrays of one chunking; one np.histogramdd task per block ('histogramdd-
    sum'), summed along the blocks. bins: a number per axis (or one for all) with
    range=, or the edges; weights of the rows' chunks; density as NumPy's. Returns
    (counts, edges): the edges dusk arrays, or NumPy arrays with density=True, as
    Dask's. Counts given as numbers need range=, as Dask's (the data is not read
    to find it)."""
    if normed is not None:
        if density is not None:
            raise TypeError("Cannot specify both 'normed' and 'density'")
        density = normed
    density = bool(density)
    if isinstance(sample, (tuple, list)):
        parts = [_as_array(s) for s in sample]
        if not parts or builtins.any(p.ndim != 1 for p in parts):
            raise ValueError("Incompatible sample. Must be a 2D array or a sequence of 1D "
                             "arrays.")
        if builtins.any(p.chunks != parts[0].chunks for p in parts):
            raise ValueError("All coordinate arrays must be chunked identically.")
        columnar, dims, rows = False, len(parts), parts[0].chunks[0]
    else:
        sample = _as_array(sample)
        if sample.ndim != 2:
            raise ValueError("Single array input to histogramdd should be columnar")
        if sample.numblocks[1] != 1:
            raise ValueError("Input array can only be chunked along the 0th axis.")
        parts, columnar, dims, rows = [sample], True, sample.shape[1], sample.chunks[0]
    if dims > 20:
        raise ValueError("histogramdd: dusk counts in at most 20 dimensions, not %d" % dims)
    if weights is not None:
        weights = _as_array(weights)
        if weights.ndim != 1 or weights.chunks[0] != rows:
            raise ValueError("Input array%s and weights must have the same shape and chunk "
                             "structure along the first dimension."
                             % ("" if columnar else "s"))
    if isinstance(bins, (numbers.Integral, np.integer)):
        bins = (int(bins),) * dims
    if not isinstance(bins, (tuple, list)) or len(bins) != dims:
        raise ValueError("The dimension of bins must be equal to the dimension of the sample.")
    if range is not None:
        if len(range) != dims:
            raise ValueError("range argument requires one entry, a min max pair, per dimension.")
        if not builtins.all(len(r) == 2 for r in range):
            raise ValueError("range argument should be a sequence of pairs")
    edges = []
    for d, b in enumerate(bins):
        if isinstance(b, (numbers.Integral, np.integer)):
            if range is None:
                raise ValueError("histogramdd: bins given as counts need range= (dusk does not "
                                 "read the data to find it, as Dask does not)")
            if b < 1:
                raise ValueError("`bins[%d]` must be positive, when an integer" % d)
            edges.append(np.linspace(range[d][0], range[d][1], int(b) + 1))
        else:
            e = np.asarray(b)
            if e.ndim != 1 or e.size < 1:
                raise ValueError("`bins[%d]` must be a 1d array of edges" % d)
            if (np.diff(e) < 0).any():
                raise ValueError("`bins[%d]` must be monotonically increasing, when an array"
                                 % d)
            edges.append(e)
    nbins = [e.size - 1 for e in edges]
    dtype = weights.dtype if weights is not None else np.dtype(np.float64)
    letters = "abcdefghklmnopqrstuv"[:dims]      # the counts' axes; i the blocks, j the columns
    args = []
    for p in parts:
        args += [p, "ij" if columnar else "i"]
    if weights is not None:
        args += [weights, "i"]
    # bins and range as given: each block's np.histogramdd finds the edges above
    mapped = blockwise(_histdd_block, "i" + letters, *args,
                       new_axes=dict(zip(letters, nbins)), adjust_chunks={"i": 1},
                       concatenate=True, dtype=dtype, token="histogramdd-sum",
                       bins=[b if isinstance(b, (numbers.Integral, np.integer)) else np.asarray(b)
                             for b in bins],
                       range=None if range is None else [tuple(r) for r in range],
                       weighted=weights is not None, columnar=columnar)
    n = mapped.sum(axis=0)
    if density:
        width = np.ones(tuple(nbins))
        for d in builtins.range(dims):
            shape = [1] * dims
            shape[d] = nbins[d]
            width = width * np.diff(edges[d]).reshape(shape)
        return n / from_array(width, chunks=n.chunks) / n.sum(), edges
    return n, [from_array(e) for e in edges]


def histogram2d(x, y, bins=10, range=None, normed=None, weights=None, density=None):
    """dask.array.histogram2d: histogramdd of (x, y); (counts, xedges, yedges)."""
    counts, edges = histogramdd((x, y), bins=bins, range=range, normed=normed, weights=weights,
                                density=density)
    return counts, edges[0], edges[1]


__all__ += ["histogramdd", "histogram2d"]


# da.fft, as dask.array.fft (import dusk.array.fft too)
from . import fft  # noqa: E402
_sys.modules[__name__ + ".fft"] = fft
__all__ += ["fft"]
from . import overlap  # noqa: E402
_sys.modules[__name__ + ".overlap"] = overlap
# dask.array.lib.stride_tricks.sliding_window_view, where Dask has it too
import types as _types  # noqa: E402
lib = _types.ModuleType(__name__ + ".lib", "NumPy's lib functions Dask has: stride_tricks.")
lib.stride_tricks = _types.ModuleType(__name__ + ".lib.stride_tricks",
                                      "sliding_window_view, as Dask's.")
lib.stride_tricks.sliding_window_view = overlap.sliding_window_view
_sys.modules[__name__ + ".lib"] = lib
_sys.modules[__name__ + ".lib.stride_tricks"] = lib.stride_tricks
__all__ += ["overlap", "lib"]


# da.apply_gufunc, da.as_gufunc, da.gufunc, as dask.array's (dusk/gufunc.py)
from .gufunc import apply_gufunc, as_gufunc, gufunc  # noqa: E402,F401
__all__ += ["apply_gufunc", "as_gufunc", "gufunc"]


# --- Dask's PerformanceWarning and assert_eq ----------------------------------------------------

class PerformanceWarning(Warning):
    """Dask's category for a computation that will be slow (dask.array's
    PerformanceWarning), so that code that filters it runs with dusk."""


def assert_eq(a, b, check_shape=True, check_graph=True, check_meta=True, check_chunks=True,
              check_ndim=True, check_type=True, check_dtype=True, equal_nan=True,
              scheduler="sync", **kwargs):
    """As dask.array.utils.assert_eq, for tests: a and b (dusk arrays, NumPy arrays,
    numbers or lists) computed, then their dtypes (check_dtype), shapes and
    values compared: floats and complex numbers as numpy.allclose (rtol=, atol=
    in kwargs; NaNs equal with equal_nan), others exactly. A dusk array's blocks
    are checked against its chunks as it computes. AssertionError naming what
    differs; True when they agree."""
    def value(x):
        if isinstance(x, Array):
            return x, np.asarray(x.compute(scheduler=scheduler))
        return None, np.asarray(x)
    xa, va = value(a)
    xb, vb = value(b)
    for x, v in ((xa, va), (xb, vb)):
        if x is not None and check_shape and x.shape != v.shape:
            raise AssertionError("assert_eq: the array says shape %s, its value has %s"
                                 % (x.shape, v.shape))
        if x is not None and check_dtype and x.dtype != v.dtype:
            raise AssertionError("assert_eq: the array says dtype %s, its value has %s"
                                 % (x.dtype, v.dtype))
    if check_dtype and va.dtype != vb.dtype and not (
            va.dtype.kind in "OUS" or vb.dtype.kind in "OUS"):
        raise AssertionError("assert_eq: dtypes %s and %s differ" % (va.dtype, vb.dtype))
    if check_shape and va.shape != vb.shape:
        raise AssertionError("assert_eq: shapes %s and %s differ" % (va.shape, vb.shape))
    try:
        np.broadcast_shapes(va.shape, vb.shape)
    except ValueError:
        raise AssertionError("assert_eq: shapes %s and %s do not broadcast together"
                             % (va.shape, vb.shape)) from None
    if va.dtype.kind in "fc" or vb.dtype.kind in "fc":
        ok = np.allclose(va, vb, equal_nan=equal_nan, **kwargs)
    else:
        ok = np.array_equal(va, vb)
    if not ok:
        bad = np.argwhere(~np.isclose(va, vb, equal_nan=equal_nan, **kwargs)
                          if va.dtype.kind in "fc" or vb.dtype.kind in "fc" else va != vb)
        at = tuple(bad[0]) if bad.size else ()
        raise AssertionError("assert_eq: the values differ%s" % (
            " first at %s: %r and %r" % (at, va[at], vb[at]) if bad.size and va.shape else
            ": %r and %r" % (va, vb)))
    return True


__all__ += ["PerformanceWarning", "assert_eq"]


# --- random draws that NumPy makes for each block ----------------------------------------------
# dusk draws normal, uniform, exponential, poisson and randint in C. The
# rest of numpy.random.RandomState's distributions are drawn by NumPy, one
# task per block as Dask's, each block from a RandomState of its own, seeded
# from this RandomState's stream and the block's place (so the same seed,
# shape and chunks give the same numbers). Parameters that are arrays
# broadcast against size, as NumPy's; their blocks meet the draw's.

_NUMPY_DRAWS = {
    "beta": ("a", "b"), "binomial": ("n", "p"), "chisquare": ("df",),
    "f": ("dfnum", "dfden"), "gamma": ("shape", ("scale", 1.0)), "geometric": ("p",),
    "gumbel": (("loc", 0.0), ("scale", 1.0)), "hypergeometric": ("ngood", "nbad", "nsample"),
    "laplace": (("loc", 0.0), ("scale", 1.0)), "logistic": (("loc", 0.0), ("scale", 1.0)),
    "lognormal": (("mean", 0.0), ("sigma", 1.0)), "logseries": ("p",),
    "negative_binomial": ("n", "p"), "noncentral_chisquare": ("df", "nonc"),
    "noncentral_f": ("dfnum", "dfden", "nonc"), "pareto": ("a",), "power": ("a",),
    "rayleigh": (("scale", 1.0),), "standard_cauchy": (), "standard_exponential": (),
    "standard_gamma": ("shape",), "standard_t": ("df",), "triangular": ("left", "mode", "right"),
    "vonmises": ("mu", "kappa"), "wald": ("mean", "scale"), "weibull": ("a",), "zipf": ("a",),
}


# NumPy's integer draws: their dtype is int64 whatever the parameters'
_DISCRETE_DRAWS = ("binomial", "geometric", "hypergeometric", "logseries",
                   "negative_binomial", "zipf", "multinomial")


def _draw_block(block, *rest, block_id=None):
    """One block of a NumPy draw: rest is the parameters' blocks (the arrays
    among them), then (name, values, where the arrays go, seed, extra)."""
    name, values, arrays_at, seed, extra = rest[-5:]
    params = list(values)
    for k, at in enumerate(arrays_at):
        params[at] = rest[k]
    state = np.random.RandomState(
        np.random.SeedSequence([seed & 0xFFFFFFFF, seed >> 32] + list(block_id)).generate_state(4))
    shape = block.shape[:block.ndim - len(extra)] if extra else block.shape
    if name == "choice":
        a, replace, p = params
        return state.choice(a, size=shape, replace=replace, p=p)
    return getattr(state, name)(*params, size=shape)


def _numpy_draw(state, name, params, size, chunks, extra=()):
    """The dusk array of draws of numpy.random.RandomState.<name>(*params, size)."""
    for v in params:
        if isinstance(v, Array):
            v._known_chunks("random." + name)
    arrays_at = [k for k, v in enumerate(params)
                 if isinstance(v, (Array, np.ndarray, list, tuple)) and name != "choice"]
    if name == "multinomial":
        arrays_at = []
    shape = _shape(size) if size is not None else ()
    if arrays_at:
        shapes = [np.shape(params[k]) for k in arrays_at]
        try:
            shape = np.broadcast_shapes(shape, *shapes) if size is None else shape
            for s in shapes:
                np.broadcast_shapes(shape, s)
            if size is not None and np.broadcast_shapes(shape, *shapes) != shape:
                raise ValueError
        except ValueError:
            raise ValueError("%s: the parameters' shapes %s do not broadcast to size %s"
                             % (name, ", ".join(map(str, shapes)), shape)) from None
    # the dtype, and NumPy's checks of the parameters, from one draw now; a
    # parameter that is a dusk array (not computed for it) or empty is
    # checked by NumPy as the blocks are drawn, the dtype NumPy's for its kind
    if name != "choice" and builtins.any(isinstance(params[k], Array) or np.size(params[k]) == 0
                                for k in arrays_at):
        dt = np.dtype(np.int64) if name in _DISCRETE_DRAWS else np.dtype(np.float64)
    else:
        probe = [np.asarray(v).ravel()[:1].reshape(()) if k in arrays_at else v
                 for k, v in enumerate(params)]
        try:
            if name == "choice":
                dt = np.random.RandomState(0).choice(probe[0], size=(1,), replace=True,
                                                     p=probe[2]).dtype
            else:
                dt = getattr(np.random.RandomState(0), name)(*probe, size=(1,)).dtype
        except TypeError as e:
            raise TypeError("%s: %s" % (name, e)) from None
    full = shape + tuple(extra)
    if extra:   # the outcomes' axis whole
        lead = empty(shape, dtype=dt, chunks=chunks)
        base = empty(full, dtype=dt, chunks=tuple(lead.chunks) + tuple((n,) for n in extra))
    else:
        base = empty(full, dtype=dt, chunks=chunks)
    ins = []
    for k in arrays_at:
        v = params[k]
        v = v if isinstance(v, Array) else from_array(np.asarray(v))
        ins.append(broadcast_to(v, shape).rechunk(base.chunks))
    values = tuple(None if k in arrays_at else v for k, v in enumerate(params))
    seed = state._next()
    return map_blocks(_draw_block, base, *ins, name, values, tuple(arrays_at), seed,
                      tuple(extra), dtype=dt, name=name)


def _draw_method(name, params):
    names = [p if isinstance(p, str) else p[0] for p in params]
    defaults = {p[0]: p[1] for p in params if not isinstance(p, str)}

    def draw(self, *args, size=None, chunks="auto", **kwargs):
        if len(args) > len(names) + 2:
            raise TypeError("%s() takes at most %d positional arguments (%d given)"
                            % (name, len(names) + 2, len(args)))
        given = dict(zip(names, args))
        rest = args[len(names):]
        if rest:
            size = rest[0]
        if len(rest) > 1:
            chunks = rest[1]
        for k, v in kwargs.items():
            if k not in names:
                raise TypeError("%s() got an unexpected keyword argument %r" % (name, k))
            if k in given:
                raise TypeError("%s() got multiple values for argument %r" % (name, k))
            given[k] = v
        missing = [n for n in names if n not in given and n not in defaults]
        if missing:
            raise TypeError("%s() missing required argument %r" % (name, missing[0]))
        return _numpy_draw(self, name, [given.get(n, defaults.get(n)) for n in names], size,
                           chunks)
    draw.__name__ = draw.__qualname__ = name
    draw.__doc__ = ("numpy.random.RandomState.%s(%s, size=None), lazily (chunks=): one task "
                    "per block, drawn by NumPy from the block's own seed." % (
                        name, ", ".join(p if isinstance(p, str) else "%s=%r" % p
                                        for p in params)))
    return draw


for _name, _params in _NUMPY_DRAWS.items():
    setattr(RandomState, _name, _draw_method(_name, _params))
del _name, _params


def _choice(self, a, size=None, replace=True, p=None, chunks="auto"):
    """numpy.random.choice, lazily, as Dask's: a an int or a 1-d array (its
    values), p their probabilities; without replacement only into one chunk."""
    if isinstance(a, Array) or isinstance(p, Array):
        raise NotImplementedError("choice: a and p are taken as NumPy values here; compute "
                                  "the dusk array first")
    if isinstance(a, (numbers.Integral, np.integer)):
        if a < 0:
            raise ValueError("a must be greater than 0")
        n = int(a)
    else:
        a = np.asarray(a)
        if a.ndim != 1:
            raise ValueError("a must be one dimensional")
        n = len(a)
    if p is not None:
        p = np.asarray(p, dtype=float)
        if p.ndim != 1:
            raise ValueError("p must be one dimensional")
        if len(p) != n:
            raise ValueError("a and p must have the same size")
        if not np.isclose(p.sum(), 1, rtol=1e-7, atol=0):
            raise ValueError("probabilities do not sum to 1")
    shape = _shape(size) if size is not None else ()
    probe = empty(shape, chunks=chunks)
    if not replace and builtins.any(len(c) > 1 for c in probe.chunks):
        raise NotImplementedError("replace=False is not currently supported for "
                                  "dask.array.choice with multi-chunk output arrays")
    return _numpy_draw(self, "choice", [a, replace, p], size, chunks)


def _multinomial(self, n, pvals, size=None, chunks="auto"):
    """numpy.random.multinomial, lazily, as Dask's: the counts of len(pvals)
    outcomes along a last axis of one chunk."""
    pvals = np.asarray(pvals, dtype=float)
    if pvals.ndim != 1:
        raise ValueError("multinomial: pvals must be one dimensional")
    return _numpy_draw(self, "multinomial", [n, pvals], size, chunks, extra=(len(pvals),))


RandomState.choice = _choice
RandomState.multinomial = _multinomial
_RandomModule._MORE = tuple(_NUMPY_DRAWS) + ("choice", "multinomial")
