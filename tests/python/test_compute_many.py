"""dusk.compute and da.compute of several dusk arrays: one run of their joined
graph (what they share computed once, as dask.compute), each value as its own
compute() gives it."""
import numpy as np
import pytest

import dusk
import dusk.array as da
from dusk.diagnostics import Profiler


def _names(results):
    return [str(r.key) for r in results]


@pytest.mark.parametrize("scheduler", ["sync", "threads"])
def test_shared_tasks_run_once(scheduler):
    x = da.random.RandomState(3).normal(size=(600, 400), chunks=(200, 100))
    parts = [x.mean(), x.std(), x - x.mean(axis=0), x.mean()]
    with Profiler() as together:
        got = da.compute(*parts, scheduler=scheduler)
    with Profiler() as alone:
        want = [p.compute(scheduler=scheduler) for p in parts]
    for g, w in zip(got, want):
        assert type(g) is type(w)
        np.testing.assert_array_equal(g, w)
    # x's 12 blocks made once in the joined run; in each of the four runs alone
    made = [k for k in _names(together.results) if "normal" in k]
    assert len(made) == x.npartitions, made
    assert len([k for k in _names(alone.results) if "normal" in k]) == 4 * x.npartitions
    assert len(together.results) < len(alone.results)


def test_containers_scalars_and_delayed():
    x = da.arange(10, chunks=3)
    inc = dusk.delayed(lambda v: v + 1)
    a, (b, c), d, e = dusk.compute(x.sum(), [x * 2, {"k": x[:2]}], 7, inc(1))
    assert a == 45 and isinstance(a, np.integer)
    np.testing.assert_array_equal(b, np.arange(10) * 2)
    np.testing.assert_array_equal(c["k"], [0, 1])
    assert d == 7 and e == 2
    # traverse=False leaves containers as they are
    (lst,) = dusk.compute([x.sum()], traverse=False)
    assert isinstance(lst[0], da.Array)


def test_arrays_of_two_contexts():
    a = da.ones((4, 4), chunks=2)
    da.Array._new_context()   # what compaction does: the next arrays in a new context
    b = da.arange(6, chunks=4)
    got_a, got_b, got_c = da.compute(a.sum(), b + 1, a.T)
    assert got_a == 16
    np.testing.assert_array_equal(got_b, np.arange(6) + 1)
    np.testing.assert_array_equal(got_c, np.ones((4, 4)))


def test_failure_raises_and_nothing_half_given():
    x = da.arange(8, chunks=4)

    def boom(block):
        raise ZeroDivisionError("block says no")
    bad = x.map_blocks(boom, dtype=x.dtype)
    with pytest.raises(ZeroDivisionError, match="block says no"):
        da.compute(x.sum(), bad)
    # and the good one alone still computes
    assert da.compute(x.sum())[0] == 28
