"""dusk.delayed, as dask.delayed: `Delayed(key, dsk)` for the lecture's
`from dask.delayed import Delayed`, and `delayed(f)(x, y)` to build a graph
from Python calls, run by dusk.get.

    from dusk import delayed
    @delayed
    def inc(x): return x + 1
    total = delayed(sum)([inc(i) for i in range(10)])
    total.compute()                                  # 55

Keys are named as Dask names them ("inc-<token>"): a call is impure by
default (a fresh uuid each time); pure=True gives the same key for the same
function and arguments, hashed from their pickle (a Delayed argument by its
key; a call with an argument that cannot be hashed, a lock for one, gets a
fresh key, as an impure one). Each Delayed keeps only its own tasks and the
Delayed it needs; .dask joins them on demand, so a chain of n calls costs
O(n), not O(n^2).
"""
import hashlib
import io
import operator
import pickle
import types
import uuid

from ._dusk import get, visualize_graph

__all__ = ["Delayed", "delayed"]


def _first(results):
    return results[0]


def _apply(func, args, kwargs):
    """A call with keywords, as dask.utils.apply: (_apply, f, [args], kwargs-task)."""
    return func(*args, **kwargs)


def _call_method(obj, attr, *args):
    return getattr(obj, attr)(*args)


def _call_method_kw(obj, attr, args, kwargs):
    return getattr(obj, attr)(*args, **kwargs)


def _call(func, *args):
    return func(*args)


class _Value:
    """A computed value in a graph as itself: the task (_Value(v),) gives v, where
    v written as it is would be read as a task or a key (a tuple, a string)."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __call__(self):
        return self.value

    def __repr__(self):
        return "_Value(%r)" % (self.value,)


def _held(key, value, length=None):
    """A Delayed of key whose graph holds value, computed: what persist gives."""
    plain = isinstance(value, (int, float, complex, bool, bytes, type(None))) or \
        type(value).__module__ == "numpy"
    return Delayed(key, {key: value if plain else (_Value(value),)}, length)


def _code_parts(code):
    """A code object as what it does: its bytes, the names it looks up and its
    constants, nested functions' code included (their repr has an address)."""
    return (code.co_code, code.co_names,
            tuple(_code_parts(c) if isinstance(c, types.CodeType) else c
                  for c in code.co_consts))


class _Hasher(pickle.Pickler):
    """pickle for keys, not for loading: a Python function (a lambda, a local
    function, one decorated over its own name) is written as its name, its
    code, defaults, closure and the globals it uses, which pickle refuses or
    writes only by a name that may not find it; a module by its name."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._open = set()   # functions being written: a recursive one names itself

    def reducer_override(self, obj):
        if isinstance(obj, Delayed):   # its key names it: not its whole graph again
            return tuple, (("delayed", obj.key),)
        if isinstance(obj, types.ModuleType):
            return tuple, (("module", obj.__name__),)
        if isinstance(obj, types.FunctionType):
            if id(obj) in self._open:
                return tuple, (("function", obj.__module__, obj.__qualname__),)
            self._open.add(id(obj))
            code = obj.__code__
            cells = tuple(c.cell_contents for c in obj.__closure__ or ())
            g = obj.__globals__
            used = tuple((n, g[n]) for n in code.co_names if n in g)
            return tuple, (("function", obj.__module__, obj.__qualname__, _code_parts(code),
                            obj.__defaults__, obj.__kwdefaults__, cells, used),)
        return NotImplemented


def _token(pure, *parts):
    if pure:
        buf = io.BytesIO()
        try:
            _Hasher(buf, protocol=4).dump(parts)
            return hashlib.sha1(buf.getvalue()).hexdigest()[:32]
        except Exception:   # a lock, a generator: nothing to hash, so no key to share
            pass
    return str(uuid.uuid4())


def _funcname(func):
    name = getattr(func, "__name__", None)
    if name is None or name == "<lambda>":
        name = "lambda" if name else type(func).__name__
    return name


def _unpack(expr, deps):
    """expr as a task argument: a Delayed becomes its key (noted in deps), and
    containers holding one become tasks that rebuild them, as Dask's
    unpack_collections does. A tuple always becomes (tuple, [...]), so that a
    literal tuple whose first item is callable is not taken for a task."""
    if isinstance(expr, Delayed):
        deps.append(expr)
        return expr.key
    if _is_dusk_array(expr):
        # its value, as Dask passes a collection's (computed with the other
        # arrays of the run, in one run of their joined graph: _run_graph)
        d = _ArrayBlock(expr, None)
        deps.append(d)
        return d.key
    t = type(expr)
    if t is list:
        return [_unpack(e, deps) for e in expr]
    if t is tuple:
        return (tuple, [_unpack(e, deps) for e in expr])
    if t in (set, frozenset):
        return (t, [_unpack(e, deps) for e in expr])
    if t is dict:
        n = len(deps)
        items = [[_unpack(k, deps), _unpack(v, deps)] for k, v in expr.items()]
        return (dict, items) if len(deps) > n else expr
    if t is slice:
        return (slice, _unpack(expr.start, deps), _unpack(expr.stop, deps),
                _unpack(expr.step, deps))
    return expr


def _has_delayed(expr):
    deps = []
    _unpack(expr, deps)
    return bool(deps)


class Delayed:
    """A key of a task graph: Dask's Delayed(key, dsk), and the result of a
    delayed call. Operators, indexing, attribute access and method calls on it
    make new Delayed, as in Dask; .compute() runs it on dusk.get."""

    __slots__ = ("key", "_dsk", "_deps", "_length")

    def __init__(self, key, dsk, length=None, _deps=()):
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "_dsk", dsk)
        object.__setattr__(self, "_deps", tuple(_deps))
        object.__setattr__(self, "_length", length)

    @property
    def dask(self):
        """The whole graph behind this key (its tasks and all it needs)."""
        if not self._deps:
            return self._dsk
        return _joined((self,))[0]

    def __setattr__(self, name, value):
        raise TypeError("Delayed objects are immutable (setting %r)" % (name,))

    def __reduce__(self):
        return (Delayed, (self.key, self.dask, self._length))

    def __dask_graph__(self):
        return self.dask

    def __dask_keys__(self):
        return [self.key]

    # The rest of Dask's collection protocol: dask.compute and dask.persist
    # take a dusk.Delayed as one of theirs, run by dusk.get.
    __dask_scheduler__ = staticmethod(get)

    def __dask_postcompute__(self):
        return _first, ()

    def __dask_postpersist__(self):
        return self._rebuild, ()

    def _rebuild(self, dsk, rename=None):
        key = rename.get(self.key, self.key) if rename else self.key
        return Delayed(key, dsk, self._length)

    def __dask_tokenize__(self):
        return self.key

    def __repr__(self):
        return "Delayed(%r)" % (self.key,)

    def __hash__(self):
        return hash(self.key)

    def compute(self, scheduler=None, num_workers=None, **kwargs):
        return get(_run_graph((self,), scheduler, num_workers)[0], self.key,
                   scheduler=scheduler, num_workers=num_workers)

    def persist(self, scheduler=None, num_workers=None, **kwargs):
        """Computed now and held: a Delayed of the same key whose graph is the value
        alone, as Dask's persist (later calls on it start from the value)."""
        return _held(self.key, self.compute(scheduler=scheduler, num_workers=num_workers),
                     self._length)

    def visualize(self, filename="mydask", format=None, color=None, rankdir=None,
                  collapse_outputs=False, verbose=False, view=None, **kwargs):
        """The graph's picture, as dusk.array.Array.visualize gives it: written to
        filename (mydask.png by default, as Dask), or returned with filename=None."""
        from .array import _image, _image_file, _picture_name, _shown_format, _viz_keywords
        _viz_keywords(color, kwargs)
        filename = _picture_name(filename, format)
        r = visualize_graph(self.dask, filename, format, color, rankdir, collapse_outputs, verbose,
                            view)
        if filename is None:
            return _image(r, _shown_format(format or "png"))
        return _image_file(filename, format)

    # --- what Dask's Delayed does lazily -------------------------------------------

    def __getattr__(self, attr):
        if attr.startswith("_"):
            raise AttributeError("Delayed has no attribute %r" % (attr,))
        return _DelayedAttr(self, attr)

    def __getitem__(self, index):
        return _call_function(operator.getitem, "getitem", (self, index), {}, pure=True)

    def __call__(self, *args, **kwargs):
        pure = kwargs.pop("pure", False)
        name = kwargs.pop("dask_key_name", None)
        return _call_function(_call, "call", (self,) + args, kwargs, pure=pure, name=name)

    def __bool__(self):
        raise TypeError("Truth of Delayed objects is not supported: compute it first")

    def __len__(self):
        if self._length is None:
            raise TypeError("Delayed objects of unspecified length have no len(): "
                            "give nout= to delayed")
        return self._length

    def __iter__(self):
        if self._length is None:
            raise TypeError("Delayed objects of unspecified length are not iterable: "
                            "give nout= to delayed")
        return iter([self[i] for i in range(self._length)])


def _joined(roots):
    """The joined graph of the Delayed roots and all they need, and the blocks
    of dusk arrays among them (x.to_delayed()), each key once."""
    out, blocks, seen, todo = {}, {}, set(), list(roots)
    while todo:
        d = todo.pop()
        if id(d) in seen:
            continue
        seen.add(id(d))
        out.update(d._dsk)
        if type(d) is _ArrayBlock:
            blocks[d.key] = d
        todo.extend(d._deps)
    return out, list(blocks.values())


def _run_graph(roots, scheduler=None, num_workers=None, arrays=()):
    """The graph to run for roots: their joined graph, with the blocks of dusk
    arrays in it computed first, all in one run of their arrays' joined graph
    (what the blocks share, an input read or a mean, once), as Dask's graph of
    to_delayed's keys shares it; with them, in the same run, the values of
    arrays (dusk.compute's other arguments): (graph, their values)."""
    dsk, blocks = _joined(roots)
    arrays = list(arrays)
    values = []
    if blocks or arrays:
        from .array import _compute_together
        values = _compute_together([b._part() for b in blocks] + arrays, scheduler=scheduler,
                                   num_workers=num_workers)
        for b, v in zip(blocks, values):
            dsk[b.key] = (_Value(v),)
    return dsk, values[len(blocks):]


def _block_value(x, idx):
    """A block of x on its own (x.blocks[idx]), where a graph with it runs
    elsewhere than dusk.compute or Delayed.compute (dask.compute, dusk.get)."""
    return _ArrayBlock(x, idx)._part().compute()


def _is_dusk_array(x):
    mod = type(x).__module__
    if not mod.startswith("dusk"):
        return False
    from .array import Array
    return isinstance(x, Array)


class _ArrayBlock(Delayed):
    """Block idx of dusk array x as a Delayed, as x.to_delayed() gives them:
    key (x.name, *idx), the task that computes the block alone; idx None:
    the whole array's value, as a Delayed call's argument (key
    'finalize-<name>', Dask's)."""

    __slots__ = ("_array", "_idx")

    def __init__(self, x, idx):
        if idx is None:
            key = "finalize-" + x.name
            Delayed.__init__(self, key, {key: (_block_value, x, None)})
        else:
            key = (x.name,) + tuple(idx)
            Delayed.__init__(self, key, {key: (_block_value, x, tuple(idx))})
        object.__setattr__(self, "_array", x)
        object.__setattr__(self, "_idx", None if idx is None else tuple(idx))

    def _part(self):
        return self._array.blocks[self._idx] if self._idx else self._array


class _DelayedAttr(Delayed):
    """x.attr: getattr(x, 'attr') when computed, and x.attr(...) one task of
    its own (Dask's methodcaller), named after the method."""

    __slots__ = ("_obj", "_attr")

    def __init__(self, obj, attr):
        key = "getattr-" + _token(True, obj.key, attr)
        Delayed.__init__(self, key, {key: (getattr, obj.key, attr)}, None, (obj,))
        object.__setattr__(self, "_obj", obj)
        object.__setattr__(self, "_attr", attr)

    def __call__(self, *args, **kwargs):
        pure = kwargs.pop("pure", False)
        name = kwargs.pop("dask_key_name", None)
        if name is None:
            name = "%s-%s" % (self._attr, _token(pure, self._obj.key, self._attr, args, kwargs))
        deps = []
        obj = _unpack(self._obj, deps)
        args2 = [_unpack(a, deps) for a in args]
        if kwargs:
            task = (_call_method_kw, obj, self._attr, args2, _unpack(kwargs, deps))
        else:
            task = (_call_method, obj, self._attr) + tuple(args2)
        return Delayed(name, {name: task}, None, deps)


def _call_function(func, func_token, args, kwargs, pure=False, nout=None, name=None):
    if name is None:
        name = "%s-%s" % (_funcname(func) if func_token is None else func_token,
                          _token(pure, func_token or func, args, kwargs))
    deps = []
    args2 = [_unpack(a, deps) for a in args]
    if kwargs:
        task = (_apply, func, args2, _unpack(kwargs, deps))
    else:
        task = (func,) + tuple(args2)
    return Delayed(name, {name: task}, nout, deps)


def _operator(op, name):
    def method(self, *others):
        return _call_function(op, name, (self,) + others, {}, pure=True)
    method.__name__ = "__%s__" % name
    return method


def _reflected(op, name):
    def method(self, other):
        return _call_function(op, name, (other, self), {}, pure=True)
    method.__name__ = "__r%s__" % name
    return method


for _name in ("add", "sub", "mul", "matmul", "truediv", "floordiv", "mod", "pow",
              "and_", "or_", "xor", "lshift", "rshift"):
    _op = getattr(operator, _name)
    _n = _name.rstrip("_")
    setattr(Delayed, "__%s__" % _n, _operator(_op, _n))
    setattr(Delayed, "__r%s__" % _n, _reflected(_op, _n))
for _name in ("eq", "ne", "lt", "le", "gt", "ge", "neg", "pos", "abs", "invert"):
    setattr(Delayed, "__%s__" % _name, _operator(getattr(operator, _name), _name))
Delayed.__hash__ = lambda self: hash(self.key)   # __eq__ above would unset it
del _name, _op, _n


class _DelayedLeaf(Delayed):
    """delayed(f) or delayed(value): a Delayed whose task is the object
    itself; calling it builds a task f(...) instead of calling f."""

    __slots__ = ("_obj", "_pure", "_nout")

    def __init__(self, obj, key, pure, nout):
        Delayed.__init__(self, key, {key: obj}, nout)
        object.__setattr__(self, "_obj", obj)
        object.__setattr__(self, "_pure", pure)
        object.__setattr__(self, "_nout", nout)

    def __call__(self, *args, **kwargs):
        pure = kwargs.pop("pure", self._pure)
        name = kwargs.pop("dask_key_name", None)
        return _call_function(self._obj, None, args, kwargs, pure=pure, nout=self._nout,
                              name=name)

    @property
    def __name__(self):
        return _funcname(self._obj)

    @property
    def __wrapped__(self):
        return self._obj


def delayed(obj=None, name=None, pure=None, nout=None, traverse=True):
    """A lazy function or value, as dask.delayed: delayed(f)(x) makes a task
    f(x); @delayed and @delayed(pure=True) decorate; delayed(value) wraps a
    value (a list or dict holding Delayed becomes a task that assembles it).
    pure=True: equal calls share one key; nout=n: a call's result unpacks
    into n Delayed; name=: the key of what delayed returns (a call's key is
    its dask_key_name= keyword)."""
    if obj is None:   # @delayed(pure=True)
        return lambda f: delayed(f, name=name, pure=pure, nout=nout, traverse=traverse)
    if nout is not None and (type(nout) is not int or nout < 0):
        raise ValueError("nout must be None or a non-negative integer, not %r" % (nout,))
    if isinstance(obj, Delayed):
        return obj
    deps = []
    task = _unpack(obj, deps) if traverse else obj
    if task is obj:   # a function or a plain value: callable later, as Dask's DelayedLeaf
        key = name or "%s-%s" % (_funcname(obj), _token(pure, obj, nout))
        return _DelayedLeaf(obj, key, bool(pure), nout)
    key = name or "%s-%s" % (type(obj).__name__, _token(pure, obj))
    return Delayed(key, {key: task}, nout, deps)
