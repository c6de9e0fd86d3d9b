"""dusk.get as Dask's scheduler: dask.compute(x, scheduler=dusk.get) on real Dask collections."""
import operator

import numpy as np
import pytest

import dusk

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")
db = pytest.importorskip("dask.bag")


def test_lecture_arrays_on_dusk():
    x = da.ones((15, 15), chunks=(5, 5))
    for expr in (x + x.T, x.sum(axis=0), x.dot(x.T + 1), (x - x.mean(axis=0)), x[:10, 12:2:-2]):
        got = expr.compute(scheduler=dusk.get)
        assert isinstance(got, np.ndarray)
        np.testing.assert_array_equal(got, expr.compute(scheduler="sync"))


def test_dask_compute_many_collections():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((200, 300))
    x = da.from_array(a, chunks=(50, 70))
    r = x - x.mean(axis=0)
    s, m = dask.compute(r.std(axis=1), (x @ x.T).max(), scheduler=dusk.get)
    np.testing.assert_allclose(s, (a - a.mean(axis=0)).std(axis=1))
    np.testing.assert_allclose(m, (a @ a.T).max())
    for nw in (1, 3):
        np.testing.assert_allclose(r.compute(scheduler=dusk.get, num_workers=nw), a - a.mean(axis=0))


def test_bags_and_delayed():
    b = db.from_sequence(range(100), npartitions=7)
    evens = b.filter(lambda v: v % 2 == 0).map(lambda v: v * v)
    assert evens.compute(scheduler=dusk.get) == evens.compute(scheduler="sync")
    assert b.frequencies().compute(scheduler=dusk.get) == b.frequencies().compute(scheduler="sync")
    assert b.sum().compute(scheduler=dusk.get) == 4950

    @dask.delayed
    def inc(i):
        return i + 1

    total = dask.delayed(sum)([inc(i) for i in range(50)])
    assert total.compute(scheduler=dusk.get) == sum(range(1, 51))
    assert dask.compute(inc(1), total, scheduler=dusk.get) == (2, sum(range(1, 51)))
    with dask.config.set(scheduler=dusk.get):
        assert dask.delayed(operator.mul)(inc(2), 7).compute() == 21


def test_errors_through_dask():
    @dask.delayed
    def fails(v):
        raise KeyError("no such thing %d" % v)

    with pytest.raises(KeyError, match="no such thing 3"):
        fails(3).compute(scheduler=dusk.get)
    # A block that fails when dusk runs it (not when Dask builds the graph).
    def check(b):
        if b.size and b[0, 0] > 0:
            raise ValueError("block holds %r" % b[0, 0])
        return b

    y = da.ones((4, 4), chunks=2).map_blocks(check, dtype=float, meta=np.empty((0, 0)))
    with pytest.raises(ValueError, match="block holds 1.0") as e:
        y.compute(scheduler=dusk.get)
    assert e.value.__notes__[0].startswith("raised by dusk task ('check-")
    assert (da.zeros((4, 4), chunks=2).map_blocks(check, dtype=float, meta=np.empty((0, 0)))
            .compute(scheduler=dusk.get) == 0).all()


def test_dask_users_get_dusks_profiler():
    from dusk.diagnostics import Profiler

    x = da.ones((40, 40), chunks=(10, 10))
    with Profiler() as prof:
        total = (x + x.T).sum().compute(scheduler=dusk.get, optimize_graph=False)
    assert total == 3200
    tasks = prof.results
    # Every key of Dask's graph ran (and nested tasks, which dusk gives keys of their own).
    keys = {t.key for t in tasks}
    assert keys >= set((x + x.T).sum().__dask_graph__().keys())
    assert all(t.task and t.end_time >= t.start_time for t in tasks)
    assert any(isinstance(t.key, tuple) for t in tasks)
