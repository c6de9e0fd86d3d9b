"""dusk.get on Dask's dict graphs: the lecture's cells, Dask's task semantics, errors, memory."""
import gc
import operator
import sys
import threading
import time

import pytest

import dusk
from conftest import SANITIZED, add, inc, rss_bytes, run_python

SCHEDULERS = ["threads", "sync"]


@pytest.mark.parametrize("scheduler", SCHEDULERS)
def test_lecture_cells(lecture_dsk, lecture_dsk2, scheduler):
    assert dusk.get(lecture_dsk, "z", scheduler=scheduler) == 13          # Out[96]
    assert dusk.get(lecture_dsk2, "c", scheduler=scheduler) == 3          # Out[104]
    assert dusk.get(lecture_dsk2, "d", scheduler=scheduler) == 6          # Out[105]
    res = dusk.get(lecture_dsk2, ["a", "b", "c"], scheduler=scheduler)    # Out[106]
    assert res == (1, 2, 3) and type(res) is tuple


def test_lecture_imports(lecture_dsk, lecture_dsk2):
    # In[91] with dask replaced by dusk, then In[96] and In[104]-[106] through them.
    import dusk.threaded as dthr
    from dusk.threaded import get
    from dusk.delayed import Delayed
    assert dthr.get is get
    assert get(lecture_dsk, "z") == 13
    assert get(lecture_dsk2, ["a", "b", "c"]) == (1, 2, 3)
    assert get(lecture_dsk2, "d", num_workers=1, pool=None) == 6   # Dask's own options
    assert Delayed("w", lecture_dsk).key == "w" and Delayed is dusk.Delayed


def test_same_answers_as_dask(lecture_dsk, lecture_dsk2):
    dask = pytest.importorskip("dask")
    for dsk in (lecture_dsk, lecture_dsk2):
        for k in dsk:
            assert dusk.get(dsk, k) == dask.get(dsk, k)


@pytest.mark.parametrize("scheduler", SCHEDULERS)
def test_dask_task_semantics(scheduler):
    data = [1, 2]
    dsk = {
        "a": [1, 2],                                  # a literal list
        "l": ["a", (inc, 5), [("x", 0)]],             # keys and tasks in a list: computed
        ("x", 0): (inc, 1),                           # a tuple key
        ("x", 1): (add, ("x", 0), 10),                # referred to by its tuple
        "alias": ("x", 1),                            # an alias
        "nested": (add, (inc, (inc, 1)), (sum, [1, 2, (inc, 3)])),   # nested tasks
        "cat": (operator.add, "a", [3]),              # operator.add on lists: Python's
        "big": (operator.mul, 2**62, 4),              # past int64: Python's int
        "fl": (operator.add, 1.5, True),
        "neg": (operator.neg, 2.5),
        "s": (sum, [0.5, 1, 2]),
        "tup": (1, "a"),                              # not a task: data, as in Dask
        "str": "not-a-key",
        "obj": (len, data),
        "kw": (lambda *a: a, "a", "str"),
    }
    got = dusk.get(dsk, ["a", "l", "alias", "nested", "cat", "big", "fl", "neg", "s", "tup",
                         "str", "obj", ["kw", [("x", 0)]]], scheduler=scheduler)
    assert got == ([1, 2], [[1, 2], 6, [2]], 12, 10, [1, 2, 3], 2**64, 2.5, -2.5, 3.5,
                   (1, "a"), "not-a-key", 2, (([1, 2], "not-a-key"), (2,)))
    dask = pytest.importorskip("dask")
    assert got == dask.get(dsk, ["a", "l", "alias", "nested", "cat", "big", "fl", "neg", "s",
                                 "tup", "str", "obj", ["kw", [("x", 0)]]])


def test_graph_read_gives_nested_tasks_keys_of_their_own(lecture_dsk):
    from dusk import _dusk

    assert _dusk._graph_size(lecture_dsk) == 5
    assert _dusk._graph_size({"n": (add, (inc, (inc, 1)), [(inc, 2)])}) == 4
    from dusk.diagnostics import Profiler

    with Profiler() as prof:
        assert dusk.get({("x", 0): (add, (inc, 1), 1), ("y",): (inc, (inc, 0))},
                        [("x", 0), ("y",)]) == (3, 2)
    assert {t.key for t in prof.results} == {("x", 0), ("x", 0, ".1"), ("y",), ("y", ".2")}
    # A nested task's key is one the graph does not have.
    assert dusk.get({"z": (add, (inc, 1), "z.1"), "z.1": 100}, "z") == 102
    with pytest.raises(ValueError, match="same text"):
        dusk.get({("x", 0): 1, "('x', 0)": 2}, ("x", 0))


def test_objects_pass_through_unchanged():
    obj = object()
    before = sys.getrefcount(obj)
    assert dusk.get({"a": obj, "b": (lambda v: v, "a"), "c": (id, "b")}, ["b", "c"]) == (obj, id(obj))
    gc.collect()
    assert sys.getrefcount(obj) == before


@pytest.mark.parametrize("scheduler", SCHEDULERS)
def test_exception_comes_back_with_the_key(scheduler):
    def boom(x):
        raise ValueError("bad value %d" % x)

    dsk = {"a": 1, "b": (inc, "a"), "bad": (boom, "b")}
    with pytest.raises(ValueError) as e:
        dusk.get(dsk, "bad", scheduler=scheduler)
    assert e.value.args == ("bad value 2",)
    assert e.value.__notes__ == ["raised by dusk task 'bad' (boom)"]
    with pytest.raises(KeyError):
        dusk.get({"a": {}, "b": (operator.getitem, "a", "missing")}, "b", scheduler=scheduler)
    with pytest.raises(TypeError) as e:
        dusk.get({"a": "text", "b": (operator.add, "a", 1)}, "b", scheduler=scheduler)
    assert "'b'" in e.value.__notes__[0]
    # A failed run leaves nothing behind: the next one works.
    assert dusk.get(dsk, "b", scheduler=scheduler) == 2


@pytest.mark.parametrize("scheduler", SCHEDULERS)
def test_task_exception_keeps_its_args(scheduler):
    # The exception is the task's own: args as raised, the key in a note,
    # and one note however often a shared instance is raised again.
    with pytest.raises(KeyError) as e:
        dusk.get({"a": (lambda: {}["k"],)}, "a", scheduler=scheduler)
    assert e.value.args == ("k",)
    assert e.value.__notes__ == ["raised by dusk task 'a' (lambda)"]
    shared = ValueError("once")

    def raise_shared():
        raise shared

    for _ in range(3):
        with pytest.raises(ValueError) as e:
            dusk.get({"a": (raise_shared,)}, "a", scheduler=scheduler)
        assert e.value is shared
    assert shared.args == ("once",) and len(shared.__notes__) == 1


@pytest.mark.parametrize("scheduler", SCHEDULERS)
def test_task_exception_as_dasks(scheduler):
    # What users see is what Dask shows: the task's exception, its type,
    # args and text, nothing of dusk's (no "#0" or code); dusk adds a note
    # naming the key. Tasks failing together with texts that begin one
    # another raise the exception of the key the note names.
    import dask
    dsk = {"a": 0, "z": (lambda v: 1 / v, "a")}
    with pytest.raises(ZeroDivisionError) as ours:
        dusk.get(dsk, "z", scheduler=scheduler)
    with pytest.raises(ZeroDivisionError) as theirs:
        dask.get(dsk, "z")
    assert ours.value.args == theirs.value.args
    assert str(ours.value) == str(theirs.value) == "division by zero"
    assert ours.value.__notes__ == ["raised by dusk task 'z' (lambda)"]

    def grow(n):
        time.sleep(0.002)
        raise ValueError("x" * n)
    dsk = {"k%d" % n: (grow, n) for n in range(1, 41)}
    for _ in range(5):
        with pytest.raises(ValueError) as e:
            dusk.get(dsk, list(dsk), scheduler=scheduler)
        n = len(e.value.args[0])
        assert e.value.args == ("x" * n,)
        assert e.value.__notes__ == ["raised by dusk task 'k%d' (grow)" % n]


@pytest.mark.parametrize("scheduler", SCHEDULERS)
def test_task_exception_of_a_key_that_reads_like_dusk_message(scheduler):
    # Keys and messages holding dusk's own marks (": #1", " failed: #0")
    # still give the task's exception.
    def bad():
        raise ValueError("x: #1 failed: #0 ValueError: no")

    for key in ("x: #1", "k failed: #0 ValueError: x: #1", "z failed: #7"):
        with pytest.raises(ValueError) as e:
            dusk.get({"a": 1, key: (bad,), "b": (inc, "a")}, [key, "b"], scheduler=scheduler)
        assert e.value.args == ("x: #1 failed: #0 ValueError: no",)
        assert e.value.__notes__ == ["raised by dusk task '%s' (bad)" % key]


@pytest.mark.parametrize("scheduler", SCHEDULERS)
def test_keys_equal_by_value_are_the_graphs_own(scheduler):
    # Dask finds keys by hash and equality: 1.0 and True are the key 1.
    assert dusk.get({1: 5, "b": (inc, 1.0)}, "b", scheduler=scheduler) == 6
    assert dusk.get({1: 5, "b": (inc, True)}, "b", scheduler=scheduler) == 6
    assert dusk.get({1: 5, "b": (sum, [1.0, 2])}, "b", scheduler=scheduler) == 7
    assert dusk.get({("x", 1): 5, "y": ("x", 1.0), "b": (inc, "y")}, "b", scheduler=scheduler) == 6
    assert dusk.get({1: 5, "b": 1.0}, ["b", 1.0], scheduler=scheduler) == (5, 5)


def test_num_workers_of_numpy_ints_and_threaded_get_options(lecture_dsk):
    # num_workers=np.int64(2) was TypeError (Dask's pools take any integer);
    # dusk.threaded.get(..., scheduler=...) was "multiple values for keyword
    # argument 'scheduler'" where Dask's threaded get ignores it.
    import numpy as np
    import dusk.array as da
    from dusk.threaded import get
    for n in (np.int64(2), np.int32(1), np.uint8(3)):
        assert dusk.get(lecture_dsk, "z", num_workers=n) == 13
    assert float(da.ones(4, chunks=2).sum().compute(num_workers=np.int64(2))) == 4.0
    for bad in (True, np.True_, 2.0):
        with pytest.raises(TypeError, match="num_workers"):
            dusk.get(lecture_dsk, "z", num_workers=bad)
    with pytest.raises(ValueError, match="not 1180591620717411303424"):
        dusk.get(lecture_dsk, "z", num_workers=2**70)
    assert get(lecture_dsk, "z", scheduler="sync") == 13


def test_bad_arguments():
    with pytest.raises(KeyError):
        dusk.get({"a": 1}, "nope")
    with pytest.raises(KeyError):
        dusk.get({"a": 1}, ["a", ["nope"]])
    with pytest.raises(TypeError):
        dusk.get([("a", 1)], "a")
    with pytest.raises(ValueError, match="scheduler"):
        dusk.get({"a": 1}, "a", scheduler="processes")
    with pytest.raises(TypeError, match="scheduler"):
        dusk.get({"a": 1}, "a", scheduler=3)
    with pytest.raises(TypeError, match="num_workers"):
        dusk.get({"a": 1}, "a", num_workers="2")
    with pytest.raises(ValueError, match="num_workers"):
        dusk.get({"a": 1}, "a", num_workers=-1)
    # 0: the default, one worker per core, as Dask's threaded get takes it
    assert dusk.get({"a": 1, "b": (inc, "a")}, "b", num_workers=0) == 2
    with pytest.raises(TypeError):
        dusk.get({"a": 1}, {})
    with pytest.raises(RuntimeError, match="cycle"):
        dusk.get({"a": (inc, "b"), "b": (inc, "a")}, "a")


def test_python_tasks_run_in_parallel_without_holding_the_gil():
    # Two tasks meet at a barrier: each must wait for the other, so they
    # run at once on two workers, and neither holds the GIL while it waits.
    barrier = threading.Barrier(2, timeout=20)

    def meet(i):
        barrier.wait()
        return i

    assert dusk.get({"a": (meet, 1), "b": (meet, 2), "c": (add, "a", "b")}, "c",
                    num_workers=2) == 3
    # The caller's thread lets other Python threads run during a run.
    ev = threading.Event()
    t = threading.Thread(target=ev.set)
    assert dusk.get({"w": (lambda: (t.start(), ev.wait(20))[1],)}, "w", num_workers=1) is True
    t.join()


def test_one_thread_state_per_worker():
    # threading.local is per thread state: one worker keeps one for the run.
    local = threading.local()
    states = []

    def count(i):
        if not hasattr(local, "n"):
            local.n = 0
            states.append(local)
        local.n += 1
        return i

    dsk = {("t", i): (count, i) for i in range(2000)}
    dsk["total"] = (sum, [("t", i) for i in range(2000)])
    assert dusk.get(dsk, "total", num_workers=2) == sum(range(2000))
    assert 1 <= len(states) <= 2


def test_memory_stays_flat_over_10000_computations(lecture_dsk):
    obj = [1, 2, 3]
    dsk = dict(lecture_dsk, o=obj, p=(len, "o"), q=(operator.add, "o", "o"))

    def loop(n):
        for _ in range(n):
            assert dusk.get(dsk, ["z", "p", "q"]) == (13, 3, [1, 2, 3, 1, 2, 3])

    def failing(n):
        for _ in range(n):
            with pytest.raises(ZeroDivisionError):
                dusk.get({"a": 0, "b": (operator.truediv, 1, "a")}, "b")

    import tracemalloc

    from dusk import _dusk

    loop(1000)
    failing(200)
    gc.collect()
    tracemalloc.start()
    refs, before, blocks = sys.getrefcount(obj), rss_bytes(), _dusk._alloc_live()
    py_before = tracemalloc.get_traced_memory()[0]
    loop(10000)
    failing(2000)
    gc.collect()
    py_grew = tracemalloc.get_traced_memory()[0] - py_before
    tracemalloc.stop()
    assert sys.getrefcount(obj) == refs
    assert _dusk._alloc_live() == blocks       # every graph, value and run freed
    assert py_grew < 256 << 10, "Python's memory grew by %d bytes" % py_grew
    if not SANITIZED:
        assert rss_bytes() - before < 4 << 20, "memory grew by %d bytes" % (rss_bytes() - before)


@pytest.mark.parametrize("scheduler", SCHEDULERS)
def test_many_arguments_and_nested_computations(scheduler):
    dsk = {"many": (lambda *a: sum(a), *range(20)), "a": 5,
           # A task that computes a graph of its own, from a worker thread.
           "inner": (lambda v: dusk.get({"p": v, "q": (inc, "p")}, "q", scheduler=scheduler), "a")}
    assert dusk.get(dsk, ["many", "inner"], scheduler=scheduler) == (190, 6)


@pytest.mark.parametrize("scheduler", SCHEDULERS)
def test_references_found_by_equality_not_identity(scheduler):
    # dusk.get knows the dict's own key objects by address while it reads
    # the graph; an equal str made anew, a str subclass, or numbers in a
    # graph of str keys must still be read as Dask reads them.
    class S(str):
        pass

    a = "".join(["a", "b"])
    dsk = {"ab": 2, "c": (operator.add, a, 1), "d": (operator.add, S("ab"), "c"),
           "e": (operator.mul, 1, 2.5), "f": (operator.add, "c", "d")}
    assert dusk.get(dsk, ["c", "d", "e", "f"], scheduler=scheduler) == (3, 5, 2.5, 8)
    # a number that is a key of a graph with a number key is a reference
    dsk = {0: 7, "x": (operator.add, 0, 0.0), "y": (operator.add, "x", False)}
    assert dusk.get(dsk, "y", scheduler=scheduler) == 21
    # the same str object twice in one task, and as its own key's text
    k = "k-" + str(3)
    dsk = {k: 4, "t": (operator.mul, k, k), "u": (operator.add, "t", "k-3")}
    assert dusk.get(dsk, "u", scheduler=scheduler) == 20


def test_tasks_nested_too_deep_raise_recursion_error():
    # Nested tasks are read recursively (each gets a key of its own): past
    # DUSK_MAX_DEPTH levels, of tasks or of lists in tasks, the graph is
    # refused with RecursionError, as Dask's own recursion would, instead
    # of running off the C stack. In a python3 of its own: that crashed.
    p = run_python("""
        import dusk
        inc = lambda v: v[0] + 1 if isinstance(v, list) else v + 1
        t = 1
        for i in range(500):
            t = (inc, t)
        print(dusk.get({'a': t}, 'a'))
        for wrap in (lambda t: (inc, t), lambda t: (inc, [t])):
            t = 1
            for i in range(200000):
                t = wrap(t)
            try:
                dusk.get({'a': t}, 'a')
            except RecursionError as e:
                print('RecursionError')
        print(dusk.get({'a': 1, 'b': (inc, 'a')}, 'b'))
    """)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == ["501", "RecursionError", "RecursionError", "2"]


def test_multiprocessing_says_what_to_use_instead():
    # the lecture lists dask.multiprocessing.get among Dask's schedulers: dusk's
    # module of that name explains that Python tasks do not travel to processes,
    # where a bare ModuleNotFoundError would leave a student guessing
    import sys
    with pytest.raises(ImportError) as e:
        import dusk.multiprocessing  # noqa: F401
    assert not isinstance(e.value, ModuleNotFoundError)
    assert "scheduler='threads'" in str(e.value) and "--scheduler processes" in str(e.value)
    assert "dusk.multiprocessing" not in sys.modules
