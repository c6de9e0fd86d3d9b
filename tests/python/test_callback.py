"""dusk.diagnostics.Callback: dask.callbacks' hooks on dusk's runs, side by side
with Dask's own Callback on dask.threaded.get."""
import operator
import threading

import dask
import dask.threaded
import numpy as np
import pytest
from dask.callbacks import Callback as DaskCallback

import dusk
import dusk.array as da
from dusk.diagnostics import Callback, DuskOperation


def _inc(x):
    return x + 1


DSK = {"a": 1, "b": (_inc, "a"), ("c", 0): (operator.add, "a", "b"), 5: (operator.mul, ("c", 0), 2),
       "(1, 2)": (_inc, 5)}


def _recorder(base):
    class Rec(base):
        def __init__(self):
            super().__init__()
            self.lock = threading.Lock()
            self.log = []

        def _start(self, dsk):
            self.log.append(("start", len(dsk)))

        def _pretask(self, key, dsk, state):
            with self.lock:
                self.log.append(("pre", key))

        def _posttask(self, key, result, dsk, state, worker_id):
            with self.lock:
                self.log.append(("post", key, result))

        def _finish(self, dsk, state, errored):
            self.log.append(("finish", errored))
    return Rec()


@pytest.mark.parametrize("scheduler", ["sync", "threads"])
def test_the_hooks_see_what_dasks_see(scheduler):
    ours, theirs = _recorder(Callback), _recorder(DaskCallback)
    with ours:
        assert dusk.get(DSK, "(1, 2)", scheduler=scheduler) == 7
    with theirs:
        assert dask.threaded.get(DSK, "(1, 2)") == 7
    # the same start, tasks (keys as the graph has them: 5, ("c", 0), "(1, 2)"),
    # results and finish; a task's pretask before its posttask
    assert ours.log[0] == theirs.log[0] == ("start", 5)
    assert ours.log[-1] == theirs.log[-1] == ("finish", False)
    assert sorted(map(repr, ours.log[1:-1])) == sorted(map(repr, theirs.log[1:-1]))
    for k in ("b", ("c", 0), 5, "(1, 2)"):
        assert ours.log.index(("pre", k)) < [e[:2] for e in ours.log].index(("post", k))


def test_the_hooks_of_a_run_of_dusk_arrays():
    rec = _recorder(Callback)
    x = da.arange(6, chunks=3)
    with rec:
        assert x.sum().compute() == 15
    start, finish = rec.log[0], rec.log[-1]
    assert start == ("start", 5) and finish == ("finish", False)
    pre = [e[1] for e in rec.log if e[0] == "pre"]
    assert (x.name, 0) in pre and (x.name, 1) in pre and len(pre) == 5
    post = {e[1]: e[2] for e in rec.log if e[0] == "post"}
    np.testing.assert_array_equal(post[(x.name, 1)], [3, 4, 5])
    got = {}
    with Callback(start=lambda dsk: got.update(dsk)):
        x.sum().compute()
    assert got[(x.name, 0)] == (DuskOperation("arange"),)


def test_constructor_hooks_register_and_active():
    keys = []
    cb = Callback(pretask=lambda key, dsk, state: keys.append(key))
    cb.register()
    try:
        assert cb._callback in Callback.active
        dusk.get({"x": 1, "y": (_inc, "x")}, "y")
    finally:
        cb.unregister()
    assert cb._callback not in Callback.active
    assert keys == ["y"]
    dusk.get({"x": 1, "y": (_inc, "x")}, "y")   # not called once unregistered
    assert keys == ["y"]
    with pytest.raises(TypeError, match="pretask must be callable"):
        Callback(pretask=3)


def test_a_hook_that_raises_stops_the_run():
    ran = []

    def slow(x):
        ran.append(x)
        return x

    dsk = {("t", i): (slow, i) for i in range(50)}
    dsk["all"] = (sum, list(dsk))

    class Bad(Callback):
        def _pretask(self, key, dsk, state):
            if key == ("t", 3):
                raise ValueError("no %r" % (key,))
    bad = Bad()
    with pytest.raises(ValueError, match=r"no \('t', 3\)") as caught:   # the hook's own, as Dask's
        with bad:
            with pytest.raises(dusk.DuskError,
                               match=r"_pretask raised ValueError\(\"no \('t', 3\)\"\)"):
                dusk.get(dsk, "all", scheduler="sync")
            dusk.get(dsk, "all", scheduler="sync")
    assert isinstance(caught.value.__cause__, dusk.DuskError)
    assert isinstance(bad.exception, ValueError)
    assert len(ran) < 50                      # the run stopped
    assert dusk.get(dsk, "all") == sum(range(50))   # and the next one is whole
