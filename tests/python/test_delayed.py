"""dusk.delayed: graphs built from Python calls, as dask.delayed builds them,
checked side by side with Debian's Dask on the same code."""
import operator
import pickle
import threading

import dask
import numpy as np
import pytest

import dusk
import dusk.array as da
from dusk import delayed
from dusk.delayed import Delayed


def inc(x):
    return x + 1


def add(x, y=0):
    return x + y


def prefixes(d):
    return sorted(str(k).split("-")[0] for k in d.dask)


def both(build, keys=True):
    """build(delayed) with dusk's and with Dask's: values and key prefixes equal
    (Dask names a reflected operator's task '_swap', dusk after the operator)."""
    ours, theirs = build(dusk.delayed), build(dask.delayed)
    assert isinstance(ours, Delayed)
    assert ours.compute() == theirs.compute()
    if keys:
        assert prefixes(ours) == prefixes(theirs)
    return ours


def test_dusk_delayed_is_the_function():
    # the submodule stays importable (the lecture's `from dask.delayed import Delayed`)
    import sys
    from dusk.delayed import Delayed as D   # noqa: F401
    mod = sys.modules["dusk.delayed"]
    assert callable(dusk.delayed) and dusk.delayed is delayed is mod.delayed
    assert mod.Delayed is dusk.Delayed


def test_calls_build_a_graph_lazily():
    called = []

    def noisy(x):
        called.append(x)
        return x * 2

    d = delayed(noisy)(delayed(inc)(1))
    assert called == []                       # nothing runs before compute
    assert d.compute() == 4 and called == [2]
    assert d.key.startswith("noisy-") and len(d.dask) == 2


def test_same_graphs_as_dask():
    both(lambda dl: dl(sum)([dl(inc)(i) for i in range(20)]))
    both(lambda dl: dl(add)(dl(inc)(1), y=dl(inc)(2)))          # keywords
    both(lambda dl: dl(add)(1, 2) * 3 - dl(inc)(4) // 2 + dl(inc)(7) % dl(inc)(1))
    d = both(lambda dl: 7 % dl(inc)(2) + 10 / dl(inc)(1) - 2 ** dl(inc)(2), keys=False)
    assert d.compute() == 1 + 5.0 - 8
    both(lambda dl: -dl(inc)(1) + abs(dl(inc)(-5)) + (dl(inc)(1) ** 3))
    both(lambda dl: dl(inc)(2) < 4)
    both(lambda dl: dl({"a": 1, "b": dl(inc)(1)})["b"])             # dict holding a Delayed
    both(lambda dl: dl([1, 2, 3, 2]).count(2))                       # a method call
    both(lambda dl: dl(inc)(1).real)                                 # an attribute
    both(lambda dl: dl((dl(inc)(1), (2, 3))))                        # tuples rebuilt
    both(lambda dl: dl(sorted)({dl(inc)(1), 5}))                     # sets
    both(lambda dl: dl(list)(range(10))[dl(inc)(1):6])               # slices holding one


def test_keys_pure_and_named():
    assert delayed(inc, pure=True)(5).key == delayed(inc, pure=True)(5).key
    assert delayed(inc, pure=True)(5).key != delayed(inc, pure=True)(6).key
    assert delayed(inc)(5).key != delayed(inc)(5).key               # impure: fresh keys
    assert delayed(inc)(5, pure=True).key == delayed(inc)(5, pure=True).key
    assert delayed(lambda x: x)(1).key.startswith("lambda-")
    assert delayed(5).key.startswith("int-") and delayed(5).compute() == 5
    assert delayed(inc, name="f").key == "f"
    d = delayed(inc)(1, dask_key_name="mine")
    assert d.key == "mine" and d.compute() == 2


def test_pure_keys_see_what_the_code_does():
    import math

    # two lambdas differing only in the global name they call: two keys
    f = delayed(lambda x: math.sin(x), pure=True)
    g = delayed(lambda x: math.cos(x), pure=True)
    assert f(1.0).key != g(1.0).key
    assert dusk.compute(f(1.0), g(1.0)) == (math.sin(1.0), math.cos(1.0))
    # nested functions, defaults and closures count too
    assert delayed(lambda x: (lambda: x + 1)(), pure=True)(1).key != \
        delayed(lambda x: (lambda: x + 2)(), pure=True)(1).key
    assert delayed(lambda x, k=1: x + k, pure=True)(1).key != \
        delayed(lambda x, k=2: x + k, pure=True)(1).key
    assert delayed(lambda x: math.sin(x), pure=True)(1.0).key == f(1.0).key

    def fact(n):   # refers to itself: hashed all the same
        return 1 if n < 2 else n * fact(n - 1)
    assert delayed(fact, pure=True)(5).key == delayed(fact, pure=True)(5).key
    assert delayed(fact, pure=True)(5).compute() == 120


def test_values_are_values():
    # a tuple that looks like a task stays a tuple, as in Dask
    both(lambda dl: dl((sum, [1, 2])))
    assert delayed((sum, [1, 2])).compute() == (sum, [1, 2])
    a, b = delayed((1, 2), nout=2)
    assert (a.compute(), b.compute()) == (1, 2)
    assert len(delayed([1, 2, 3], nout=3)) == 3


def test_decorators():
    @delayed
    def double(x):
        return 2 * x

    @delayed(pure=True)
    def half(x):
        return x / 2

    assert double.__name__ == "double"
    assert half(double(3)).compute() == 3.0
    assert half(4).key == half(4).key


def test_nout_and_unpacking():
    q, r = delayed(divmod, nout=2)(17, 5)
    assert (q.compute(), r.compute()) == (3, 2)
    assert len(delayed(divmod, nout=2)(1, 1)) == 2
    with pytest.raises(TypeError, match="nout="):
        len(delayed(inc)(1))
    with pytest.raises(TypeError, match="nout="):
        iter(delayed(inc)(1))
    with pytest.raises(ValueError, match="nout"):
        delayed(divmod, nout=-1)
    with pytest.raises(TypeError, match="Truth"):
        bool(delayed(inc)(1))
    with pytest.raises(TypeError, match="immutable"):
        delayed(inc)(1).key = "x"
    with pytest.raises(AttributeError):
        delayed(inc)(1)._private


def test_compute_shares_what_they_need():
    lock, calls = threading.Lock(), []

    def counted(x):
        with lock:
            calls.append(x)
        return x

    shared = delayed(counted)(10)
    a, b = delayed(inc)(shared), delayed(add)(shared, 5)
    assert dusk.compute(a, b, [a, 7], {"k": b}) == (11, 15, [11, 7], {"k": 15})
    assert calls == [10]                      # one run: the shared task ran once
    assert dusk.compute(a, scheduler="sync") == (11,)


def test_task_errors_surface_as_raised():
    def boom(x):
        raise KeyError("no %s" % x)

    with pytest.raises(KeyError, match="no 3"):
        delayed(boom)(delayed(inc)(2)).compute()


def test_with_dask_and_pickle():
    total = delayed(sum)([delayed(inc)(i) for i in range(5)])
    assert dask.compute(total) == (15,)      # Dask runs it, on dusk.get
    again = pickle.loads(pickle.dumps(total))
    assert again.key == total.key and again.compute() == 15
    # a long chain: .dask joins the tasks in one walk, and runs deep
    d = delayed(0, name="start")
    for _ in range(2000):
        d = d + 1
    assert len(d.dask) == 2001 and d.compute() == 2000


def test_lecture_delayed_still_takes_a_graph():
    d = Delayed("z", {"x": 1, "y": 2, "z": (operator.add, "x", "y")})
    assert d.compute() == 3 and d.dask["x"] == 1
    assert (d * 2).compute() == 6


def test_persist_holds_the_value():
    # Delayed.persist was taken for a lazy method call (d.persist() a Delayed of
    # getattr, failing when computed); it is Dask's: computed now, same key.
    calls = []

    def inc(a):
        calls.append(a)
        return a + 1
    d = dusk.delayed(inc)(1)
    p = d.persist()
    assert isinstance(p, dusk.Delayed) and p.key == d.key and calls == [1]
    assert p.dask == {d.key: 2}
    assert p.compute() == 2 and (p * 10).compute() == 20 and calls == [1]
    # a value a graph would read as a task or a key stays that value
    for value in [("a", 1), (max, 1, 2), "a-key", [1, "x"], {"k": (len, "ab")}]:
        q = dusk.delayed(lambda v=value: v)().persist()
        assert q.compute() == value
    # dusk.persist, as dask.persist: several, arrays too, run together
    x = da.ones((4, 4), chunks=2)
    a, s, both = dusk.persist(d, x.sum(axis=0), [d, 3])
    assert a.compute() == 2 and both[1] == 3 and both[0].compute() == 2
    assert isinstance(s, da.Array) and s.chunks == ((2, 2),)
    np.testing.assert_array_equal(s.compute(), [4.0] * 4)
    assert calls == [1, 1]   # d computed once more, for the two of it together


def test_from_delayed_stacks_lazy_loads():
    """The lecture's pattern: one lazy load per file, stacked into an array."""
    import numpy as np
    import dusk.array as da
    calls = []

    def load(i):
        calls.append(i)
        return np.full((2, 3), i, dtype="i4")
    parts = [da.from_delayed(dusk.delayed(load)(i), (2, 3), dtype="i4") for i in range(4)]
    assert calls == []   # nothing loaded yet
    x = da.stack(parts)
    assert x.shape == (4, 2, 3) and x.chunks == ((1, 1, 1, 1), (2,), (3,)) and x.dtype == np.int32
    np.testing.assert_array_equal(x.compute(), np.repeat(np.arange(4, dtype="i4"), 6).reshape(4, 2, 3))
    assert sorted(calls) == [0, 1, 2, 3]
    assert parts[0].name.startswith("from-value-")
    # a plain value is taken as delayed(value); meta gives the dtype
    np.testing.assert_array_equal(da.from_delayed(np.arange(3.0), (3,)).compute(), [0, 1, 2])
    assert da.from_delayed(dusk.delayed(load)(1), (2, 3), meta=np.empty(0, "i4")).dtype == np.int32
    with pytest.raises(ValueError, match=r"has shape \(2, 3\), not the shape \(3, 3\) given"):
        da.from_delayed(dusk.delayed(load)(1), (3, 3)).compute()
    with pytest.raises(TypeError, match="shape must be a tuple"):
        da.from_delayed(dusk.delayed(load)(1), "2x3")


def test_to_delayed_blocks_as_dask_keys_computed_alone_or_together():
    import threading
    import numpy as np
    import dask.array as dda
    import dusk.array as da
    x = da.arange(10, chunks=3) * 2
    d = x.to_delayed()
    assert d.shape == x.numblocks and d.dtype == object
    assert d[1].key == (x.name, 1)
    assert [b.key[1:] for b in d] == [k[1:] for k in dda.arange(10, chunks=3).__dask_keys__()]
    blocks = dusk.compute(*d)
    for got, want in zip(blocks, np.split(np.arange(10) * 2, [3, 6, 9])):
        np.testing.assert_array_equal(got, want)
    sums = dusk.compute(*[b.sum() for b in d])
    assert sums == (6, 24, 42, 18)
    # each block's graph is its own task, as Dask's keys of the array
    graph = {}
    for b in d:
        graph.update(b.dask)
    assert len(graph) == x.npartitions

    # one block computes that block alone; all of them, in one call, compute
    # what they share once (here x's blocks, read by the mean and the
    # difference), where one run per block would read x's 4 blocks 4 times over
    lock, read = threading.Lock(), []

    def load(b, block_info=None):
        with lock:
            read.append(block_info[0]["chunk-location"])
        return b * 2.0
    x = da.arange(10, chunks=3).map_blocks(load, dtype=float)
    r = x - x.mean()
    np.testing.assert_array_equal(x.to_delayed()[2].compute(), np.arange(6, 9) * 2.0)
    assert read == [(2,)]
    read.clear()
    got = dusk.compute(*r.to_delayed())
    want = np.arange(10) * 2.0 - 9.0
    np.testing.assert_array_equal(np.concatenate(got), want)
    assert sorted(read) == [(0,), (1,), (2,), (3,)]
    read.clear()
    # in one Delayed's graph too: the blocks are computed together first
    total = dusk.delayed(sum)([dusk.delayed(np.sum)(b) for b in r.to_delayed()])
    assert abs(total.compute() - want.sum()) < 1e-12
    assert sorted(read) == [(0,), (1,), (2,), (3,)]
    read.clear()
    # where Dask runs the graph (dask.compute), each block is computed on its own
    import dask
    assert dask.compute(*x.to_delayed()[:2])[1].tolist() == [6.0, 8.0, 10.0]
    assert sorted(read) == [(0,), (1,)]
    y = da.ones((4, 6), chunks=(2, 4)).to_delayed()
    assert y.shape == (2, 2)
    np.testing.assert_array_equal(y[1, 1].compute(), np.ones((2, 2)))


def test_dusk_arrays_are_values_to_delayed_calls_and_dask_collections():
    # A dusk array given to a delayed call (dusk's or Dask's) or to
    # dask.compute was passed on as the lazy object: np.sum of it was a dusk
    # array, dask.compute gave it back uncomputed. Now its value, as a dask
    # array's; the arrays of one delayed graph are computed in one run.
    import threading
    import dask
    import dask.array as dda
    import numpy as np
    import dusk.array as da
    x = da.arange(6, chunks=2)
    r = dusk.delayed(np.sum)(x).compute()
    assert r == 15 and not isinstance(r, da.Array)
    assert dask.delayed(np.sum)(x).compute() == 15
    got = dask.compute(x, x.sum())
    np.testing.assert_array_equal(got[0], np.arange(6))
    assert got[1] == 15
    p = dask.persist(x * 2)[0]
    assert isinstance(p, da.Array) and p.chunks == x.chunks and p.sum().compute() == 30
    mixed = dask.compute(x + 1, dda.ones(2), scheduler="sync")
    np.testing.assert_array_equal(mixed[0], np.arange(1, 7))
    with pytest.raises(ValueError, match="differing default schedulers"):   # Dask's own
        dask.compute(x, dda.ones(2))
    lock, read = threading.Lock(), []

    def load(b, block_id=None):
        with lock:
            read.append(block_id)
        return b
    y = da.arange(6, chunks=2).map_blocks(load, dtype=int)
    m = y - y.mean()
    both = dusk.delayed(lambda a, b: np.concatenate([a, b]))(m, m * 2).compute()
    np.testing.assert_allclose(both, np.r_[np.arange(6) - 2.5, 2 * (np.arange(6) - 2.5)])
    assert sorted(read) == [(0,), (1,), (2,)]       # y's blocks once, for both arrays
    d = dusk.delayed(len)(x)
    assert "finalize-" + x.name in d.dask


def test_from_delayed_of_delayed_work_on_dusk_arrays():
    # Dask's to_delayed -> process -> from_delayed: the array's blocks become
    # inputs of the from_delayed arrays, in the same run (Dask's delayed of a
    # dusk array hung; a to_delayed block was refused as a nested run)
    import numpy as np
    import dusk.array as da
    y = da.arange(10, chunks=5)
    assert da.from_delayed(dask.delayed(np.sum)(y), shape=(), dtype=int).compute() == 45
    np.testing.assert_array_equal(
        da.from_delayed(y.to_delayed()[1], shape=(5,), dtype=y.dtype).compute(), np.arange(5, 10))
    parts = [da.from_delayed(delayed(lambda b: b * 10)(b), shape=(5,), dtype=int)
             for b in y.to_delayed()]
    np.testing.assert_array_equal(da.concatenate(parts).compute(), np.arange(10) * 10)
    m = y - y.mean()
    d = m.to_delayed()
    both = da.from_delayed(delayed(np.add)(d[0], d[1]), (5,), float)
    np.testing.assert_array_equal(both.compute(), [-4.0, -2.0, 0.0, 2.0, 4.0])
    with pytest.raises(ValueError, match="shape \\(5,\\), not the shape \\(4,\\)"):
        da.from_delayed(d[0], (4,), float).compute()


def test_one_run_for_delayed_and_arrays_together():
    import numpy as np
    import dusk.array as da
    lock, n = threading.Lock(), [0]

    def f(b):
        with lock:
            n[0] += 1
        return b
    y = da.arange(10, chunks=5).map_blocks(f, dtype=int)
    s, v = dusk.compute(delayed(np.sum)(y), y)
    assert s == 45 and v.tolist() == list(range(10))
    assert n[0] == 2                      # y's 2 blocks once, where two runs made 4
    x = da.arange(4, chunks=2)
    assert dask.optimize(x)[0] is x       # the graph unrun: the array itself
