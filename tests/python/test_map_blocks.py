"""dusk.array's map_blocks, blockwise, map_overlap and reduction with Python functions:
values against NumPy and dask.array side by side, dtype inference, block_id and
block_info, layer names and task counts against Dask, errors, threads, lifetime."""
import collections
import gc
import os
import pickle
import threading
import time
import weakref

import numpy as np
import pytest

import dusk
import dusk.array as da
from conftest import SANITIZED, rss_bytes, run_python

dda = pytest.importorskip("dask.array")
import dask  # noqa: E402


def layers(x):
    """A graph's layers as a multiset of (name without its token, tasks)."""
    if isinstance(x, da.Array):
        pairs = [(l["name"], l["ntasks"]) for l in x._layers()]
    else:
        pairs = [(k, len(v)) for k, v in x.__dask_graph__().layers.items()]
    return collections.Counter((name.rsplit("-", 1)[0], n) for name, n in pairs)


def added(x):
    """layers(x) but for from_array's 'original-array' (dusk keeps one task of
    the values that Dask's graph has not)."""
    return collections.Counter({k: c for k, c in layers(x).items() if k[0] != "original-array"})


def same_graph(ours, theirs, what=""):
    """The same layers (names before the token, tasks each) and tasks in all as
    Dask's, and the same name, chunks and dtype."""
    assert added(ours) == added(theirs), what
    assert sum(n * c for (_, n), c in added(ours).items()) == len(dict(theirs.__dask_graph__()))
    assert ours.name.rsplit("-", 1)[0] == theirs.name.rsplit("-", 1)[0], what
    assert ours.chunks == theirs.chunks, what
    assert ours.dtype == theirs.dtype, what


def both(a, chunks):
    return da.from_array(a, chunks=chunks), dda.from_array(a, chunks=chunks)


def inc(b):
    return b + 1


def scale(b, k, offset=0.0):
    return b * k + offset


def block_sum(b):
    return b.sum(axis=1)


A = np.arange(60.0).reshape(6, 10)


# --- map_blocks: values and graphs ------------------------------------------------------------

def test_map_blocks_values_and_graphs_as_dask():
    # several calls: a lambda, a module function with extra arguments and
    # keywords, two arrays with broadcasting, drop_axis, new_axis, chunks=
    x1, d1 = da.ones((15, 15), chunks=(5, 5)), dda.ones((15, 15), chunks=(5, 5))
    x, d = both(A, (3, 4))
    v, w = both(np.arange(10.0), 4)
    cases = [
        (x1.map_blocks(lambda b: b * 2), d1.map_blocks(lambda b: b * 2), "lambda"),
        (x1.map_blocks(inc), d1.map_blocks(inc), "inc"),
        (x.map_blocks(scale, 3, offset=0.5), d.map_blocks(scale, 3, offset=0.5), "scale"),
        (da.map_blocks(np.add, x, v), dda.map_blocks(np.add, d, w), "broadcast"),
        (x.map_blocks(block_sum, drop_axis=1, dtype=float),
         d.map_blocks(block_sum, drop_axis=1, dtype=float), "drop_axis"),
        (x.map_blocks(lambda b: b[None], new_axis=0), d.map_blocks(lambda b: b[None], new_axis=0),
         "new_axis"),
        (x.map_blocks(lambda b: b[:1, :2], chunks=(1, 2)),
         d.map_blocks(lambda b: b[:1, :2], chunks=(1, 2)), "chunks"),
        (x.map_blocks(lambda b: b.sum(keepdims=True), chunks=((1, 1), (1, 1, 1))),
         d.map_blocks(lambda b: b.sum(keepdims=True), chunks=((1, 1), (1, 1, 1))), "sums"),
        (x.map_blocks(inc, name="plus"), d.map_blocks(inc, name="plus"), "name="),
    ]
    for ours, theirs, what in cases:
        same_graph(ours, theirs, what)
        got = ours.compute()
        np.testing.assert_array_equal(got, theirs.compute(scheduler="sync"), err_msg=what)
        assert got.dtype == theirs.dtype, what
    # against NumPy directly
    np.testing.assert_array_equal(cases[2][0].compute(), A * 3 + 0.5)
    np.testing.assert_array_equal(cases[3][0].compute(), A + np.arange(10.0))
    # a chain of user functions and builtins
    np.testing.assert_array_equal((x.map_blocks(inc) * 2).map_blocks(np.sqrt).compute(),
                                  np.sqrt((A + 1) * 2))


def test_map_blocks_names_are_dask_tokens():
    x = da.ones((10, 10), chunks=5)

    def f(b):
        return b + 1

    def g(b):   # same code, another function
        return b + 1
    g.__name__ = "f"
    a, b = x.map_blocks(f), x.map_blocks(f)
    assert a.name == b.name and a.name.startswith("f-")
    assert x.map_blocks(g).name != a.name                      # another function, one name
    assert x.map_blocks(scale, 2).name == x.map_blocks(scale, 2).name
    assert x.map_blocks(scale, 2).name != x.map_blocks(scale, 3).name
    assert x.map_blocks(scale, 2, offset=1).name != x.map_blocks(scale, 2, offset=2).name
    assert x.map_blocks(scale, np.arange(3.0)).name == x.map_blocks(scale, np.arange(3.0)).name
    assert x.map_blocks(scale, np.arange(3.0)).name != x.map_blocks(scale, np.ones(3)).name
    assert x.map_blocks(f, dtype="f4").name != a.name
    assert (x + 1).map_blocks(f).name != a.name                # another input
    # built again after the first is gone: the same keys while the context lives
    name = a.name
    del a, b
    assert x.map_blocks(f).name == name


def test_name_and_token_as_dask():
    # Dask 2022.12: map_blocks' name= (or token=, with a FutureWarning) is the
    # layer's name before its token, an empty one the function's name;
    # blockwise's name= is the whole name, as Dask's (whole_name), token= a
    # name before the token.
    x, d = both(np.ones((4, 4)), 2)

    def prefix(a):
        return a.name.rsplit("-", 1)[0]
    for ours, theirs in (
            (x.map_blocks(inc, name=""), d.map_blocks(inc, name="")),
            (x.map_blocks(inc, name="plus"), d.map_blocks(inc, name="plus")),
            (da.blockwise(inc, "ij", x, "ij", dtype=float, name="", token="tk"),
             dda.blockwise(inc, "ij", d, "ij", dtype=float, name="", token="tk"))):
        assert prefix(ours) == prefix(theirs)
    with pytest.warns(FutureWarning, match="name="):
        ours = da.map_blocks(inc, x, name="a", token="b")
    with pytest.warns(FutureWarning, match="name="):
        theirs = dda.map_blocks(inc, d, name="a", token="b")
    assert prefix(ours) == prefix(theirs) == "b"
    # map_overlap's name= names its map_blocks step, as Dask's
    for name, want in (("", "inc"), ("plus", "plus")):
        ours = {k for k, _ in layers(da.map_overlap(inc, x, depth=1, name=name))}
        theirs = {k for k, _ in layers(dda.map_overlap(inc, d, depth=1, name=name))}
        assert want in ours & theirs, (name, ours, theirs)
    ours = da.blockwise(inc, "ij", x, "ij", dtype=float, name="whole", token="tk")
    theirs = dda.blockwise(inc, "ij", d, "ij", dtype=float, name="whole", token="tk")
    assert ours.name == theirs.name == "whole"
    assert {l["name"] for l in ours._layers()} - {l["name"] for l in x._layers()} == {"whole"}
    assert set(theirs.__dask_graph__().layers) - set(d.__dask_graph__().layers) == {"whole"}
    np.testing.assert_array_equal(ours.compute(), theirs.compute(scheduler="sync"))
    assert ours._ntasks - x._ntasks == len(theirs.__dask_graph__()) - len(d.__dask_graph__())
    # a whole name travels through what uses the array, and a pickle
    np.testing.assert_array_equal((ours * 2).sum(axis=0).compute(), np.full(4, 16.0))
    assert pickle.loads(pickle.dumps(ours)).name == "whole"
    # without name=, token= or the function's name, then a token, as Dask's
    ours = da.blockwise(inc, "ij", x, "ij", dtype=float, token="tk")
    assert ours.name.startswith("tk-") and len(ours.name) == 35


def test_map_blocks_infers_dtype_as_dask():
    for dt in ("int8", "uint8", "float32", "int64", "bool", "float16"):
        a = (np.arange(24) % 5).astype(dt).reshape(4, 6)
        x, d = both(a, (2, 3))
        for f in (lambda b: b + 1, lambda b: b / 2, lambda b: b > 1, np.sqrt,
                  lambda b: (b * 300), lambda b: b.astype(np.float32) * 2.5):
            ours, theirs = x.map_blocks(f), d.map_blocks(f)
            assert ours.dtype == theirs.dtype, (dt, f)
            np.testing.assert_array_equal(ours.compute(), theirs.compute(scheduler="sync"))
    # meta= gives it too
    x = da.ones((4, 4), chunks=2)
    assert x.map_blocks(lambda b: b.astype("i4"), meta=np.array((), dtype="i4")).dtype == "i4"


def test_map_blocks_dtype_errors():
    x = da.ones((4, 4), chunks=2)

    def needs_two(b, c):
        return b + c
    with pytest.raises(ValueError, match="`dtype` inference failed in `map_blocks`"):
        x.map_blocks(needs_two)
    with pytest.raises(ValueError, match="dtype` inference failed"):
        x.map_blocks(lambda b: b.no_such_method())
    with pytest.raises(TypeError, match="cannot hold dtype object"):
        x.map_blocks(lambda b: b, dtype=object)
    with pytest.raises(TypeError, match="not a NumPy dtype"):
        x.map_blocks(lambda b: b, dtype="nonsense")
    # a block of another dtype than declared fails its task, naming key and function
    y = x.map_blocks(lambda b: b.astype("i4"), dtype=float)
    with pytest.raises(TypeError, match=r"task \('lambda-[0-9a-f]+', 0, 0\) \(lambda\) failed: "
                       r"lambda returned a int32 block where the array is float64"):
        y.compute(scheduler="sync")
    with pytest.raises(TypeError, match="returned a block of dtype <U1, which a dusk array"):
        x.map_blocks(lambda b: np.full(b.shape, "a"), dtype=float).compute()


def test_map_blocks_wrong_shape_or_no_array():
    x = da.ones((10, 10), chunks=5)

    def half(b):
        return b[:2]
    with pytest.raises(ValueError, match=r"task \('half-[0-9a-f]+', \d, \d\) \(half\) failed: "
                       r"half returned a block of shape \(2, 5\) where the array's chunks make "
                       r"it \(5, 5\)"):
        x.map_blocks(half).compute()
    with pytest.raises(TypeError, match="returned a block of dtype object, which a dusk array"):
        x.map_blocks(lambda b: {}, dtype=float).compute()
    with pytest.raises(ValueError, match=r"shape \(\) where"):
        x.map_blocks(lambda b: 1.0, dtype=float).compute()


def test_map_blocks_exception_comes_back_as_itself():
    x = da.from_array(np.arange(10.0), chunks=3)

    class Mine(Exception):
        pass

    def boom(b, block_id=None):
        if block_id == (2,):
            raise Mine("block", block_id)
        return b
    y = x.map_blocks(boom)
    for scheduler in ("sync", "threads"):
        with pytest.raises(Mine) as e:
            y.compute(scheduler=scheduler)
        assert e.value.args == ("block", (2,))
        assert any(n.startswith("raised by dusk task ('boom-") and n.endswith(", 2) (boom)")
                   for n in e.value.__notes__)
    def zdiv(b):
        if b[0] > 3:
            1 // 0
        return b
    with pytest.raises(ZeroDivisionError, match="by zero"):
        x.map_blocks(zdiv, dtype=float).map_blocks(inc).sum().compute()
    # dusk.compute and store too
    with pytest.raises(Mine):
        dusk.compute(x, y)
    # and after an error, a good computation is as it was
    np.testing.assert_array_equal(x.map_blocks(inc).compute(), np.arange(10.0) + 1)


def test_map_blocks_exception_is_dasks_and_names_its_own_block():
    # As Dask: the block's own exception, its type and text and nothing of
    # dusk's. Blocks failing together raise texts that begin one another
    # ("x", "xx", ...): the one raised is the block the note names.
    def grow(b, block_id=None):
        time.sleep(0.002)
        raise ValueError("x" * (block_id[0] + 1))
    for scheduler in ("sync", "threads"):
        for _ in range(5):
            with pytest.raises(ValueError) as ours:
                da.ones(40, chunks=1).map_blocks(grow, dtype=float).compute(scheduler=scheduler)
            with pytest.raises(ValueError) as theirs:
                dda.ones(40, chunks=1).map_blocks(grow, dtype=float).compute(scheduler="sync")
            assert type(ours.value) is type(theirs.value)
            n = len(ours.value.args[0])
            assert ours.value.args == ("x" * n,)
            assert str(ours.value) == "x" * n
            note, = ours.value.__notes__
            assert note.endswith(", %d) (grow)" % (n - 1)), (note, n)


def test_map_blocks_bad_arguments():
    x = da.ones((4, 4), chunks=2)
    with pytest.raises(TypeError, match="First argument must be callable"):
        da.map_blocks(3, x)
    with pytest.raises(ValueError, match="no dusk array"):
        da.map_blocks(inc, np.ones(3))
    with pytest.raises(ValueError, match="drop_axis out of range"):
        x.map_blocks(inc, drop_axis=2)
    with pytest.raises(ValueError, match="Provided chunks have 3 dims; expected 2 dims"):
        x.map_blocks(inc, chunks=(1, 1, 1), new_axis=[])   # new_axis given: no axes added
    with pytest.raises(ValueError, match="chunks differ"):
        da.map_blocks(np.add, x, da.ones((4, 4), chunks=(1, 4)))
    with pytest.raises(TypeError, match="keyword argument y is a dusk array"):
        x.map_blocks(inc, y=x)
    with pytest.warns(FutureWarning):
        assert x.map_blocks(inc, token="tok").name.startswith("tok-")


# --- block_id and block_info -------------------------------------------------------------------

def _recorder():
    seen, lock = {}, threading.Lock()

    def f(b, c, k, block_id=None, block_info=None):
        with lock:
            seen[block_id] = block_info
        return b + c * k
    return f, seen


def _plain(info):
    """block_info with tuples and lists alike, and dtypes as NumPy's."""
    def norm(v):
        if isinstance(v, (tuple, list)):
            return tuple(norm(x) for x in v)
        if isinstance(v, dict):
            return {k: norm(x) for k, x in v.items()}
        return v
    return norm(info)


@pytest.mark.parametrize("kw", [{}, {"drop_axis": 0, "chunks": ((2, 2, 2, 2),)}])
def test_block_id_and_block_info_as_dask(kw):
    a = np.arange(24.0).reshape(3, 8)
    x, d = both(a, (2, 4))
    v, w = both(np.arange(8.0), 4)
    if kw:   # drop_axis: the blocks along axis 0 concatenated, each row summed
        f, seen = _recorder()
        g, dseen = _recorder()
        fb = lambda b, c, k, block_id=None, block_info=None: f(b, c, k, block_id, block_info).sum(0)
        gb = lambda b, c, k, block_id=None, block_info=None: g(b, c, k, block_id, block_info).sum(0)
        # chunks of the output: v's, as Dask takes them
        ours = da.map_blocks(fb, x, v, 2.0, dtype=float, drop_axis=0)
        theirs = dda.map_blocks(gb, d, w, 2.0, dtype=float, drop_axis=0)
    else:
        f, seen = _recorder()
        g, dseen = _recorder()
        ours = da.map_blocks(f, x, v, 2.0, dtype=float)
        theirs = dda.map_blocks(g, d, w, 2.0, dtype=float)
    np.testing.assert_array_equal(ours.compute(), theirs.compute(scheduler="sync"))
    dseen.pop(None, None)   # Dask's call on meta arrays, without block_id
    assert set(seen) == set(dseen) and len(seen) == ours.npartitions
    for k in seen:
        assert _plain(seen[k]) == _plain(dseen[k]), k
    # Dask adds a 'block-id-' and a 'block-info-' layer of one task per block
    # where dusk gives every call its place: the rest is the same
    extra = collections.Counter({("block-id-" + theirs.name.rsplit("-", 1)[0], ours.npartitions): 1,
                                 ("block-info-" + theirs.name.rsplit("-", 1)[0],
                                  ours.npartitions): 1})
    assert added(ours) == added(theirs) - extra
    assert sum(n * c for (_, n), c in added(ours).items()) == \
        len(dict(theirs.__dask_graph__())) - 2 * ours.npartitions


def test_block_id_only_when_asked():
    x = da.ones((6,), chunks=2)
    got = []
    x.map_blocks(lambda b, *args, **kw: got.append(kw) or b, dtype=float).compute(scheduler="sync")
    assert got == [{}, {}, {}]

    def ids(b, block_id):   # no default: dtype must be given (inference calls without it)
        return np.full(b.shape, block_id[0], dtype="i8")
    with pytest.raises(ValueError, match="inference failed"):
        x.map_blocks(ids)
    np.testing.assert_array_equal(x.map_blocks(ids, dtype="i8").compute(), [0, 0, 1, 1, 2, 2])


# --- schedulers ----------------------------------------------------------------------------

def test_threads_run_python_functions_on_several_workers():
    # time.sleep and NumPy release the GIL: the workers overlap, as under Dask
    a = np.random.RandomState(1).rand(40, 40)
    x = da.from_array(a, chunks=5)   # 64 blocks
    threads, lock = set(), threading.Lock()

    def slow(b, block_id=None):
        with lock:
            threads.add(threading.get_ident())
        time.sleep(0.005)
        return np.sqrt(b) + block_id[0]
    y = x.map_blocks(slow, dtype=float)
    want = np.sqrt(a) + np.repeat(np.arange(8), 5)[:, None]
    t0 = time.monotonic()
    np.testing.assert_allclose(y.compute(scheduler="threads", num_workers=4), want)
    took = time.monotonic() - t0
    assert len(threads) > 1
    assert took < 64 * 0.005 * 0.9 or len(threads) >= 3   # several slept at once
    # many small Python calls from every worker at once, again and again
    for _ in range(20):
        np.testing.assert_allclose(x.map_blocks(inc).map_blocks(np.square).sum(axis=0)
                                   .compute(num_workers=8), ((a + 1) ** 2).sum(axis=0))


def test_processes_scheduler_is_refused_clearly():
    x = da.ones((4, 4), chunks=2).map_blocks(inc)
    with pytest.raises(ValueError, match="unknown scheduler 'processes'"):
        x.compute(scheduler="processes")


def test_dusk_compute_and_dask_side_by_side():
    x = da.from_array(A, chunks=(3, 5))
    a, b = x.map_blocks(inc), x.map_blocks(scale, 2.0)
    ra, rb = dusk.compute(a, b)
    np.testing.assert_array_equal(ra, A + 1)
    np.testing.assert_array_equal(rb, A * 2)
    ra, rb = da.compute(a, [b])
    np.testing.assert_array_equal(rb[0], A * 2)


def test_view_runs_python_block_functions():
    # the live window's run must not hold the GIL that the workers need
    r = run_python("""
        import os, numpy as np
        os.environ["SDL_VIDEODRIVER"] = "dummy"
        import dusk, dusk.array as da
        x = da.ones((6, 6), chunks=3).map_blocks(lambda b: b * 3)
        with dusk.view(close_when_done=True):
            print(int(x.compute().sum()))
        print(int(x.compute(scheduler="view").sum()))
    """, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["108", "108"]


# --- lifetime, pickling, compaction ----------------------------------------------------------

def test_function_lives_with_its_arrays_and_goes_after():
    r = run_python("""
        import gc, weakref, numpy as np
        import dusk.array as da
        class F:
            def __call__(self, b):
                return b + 1
        f = F()
        ref = weakref.ref(f)
        x = da.ones((4, 4), chunks=2).map_blocks(f)
        del f
        gc.collect()
        assert ref() is not None                 # x may still run it
        y = x * 2                                # so may y
        del x
        gc.collect()
        assert ref() is not None
        assert (y.compute() == 4).all()
        del y
        gc.collect()
        print(ref() is None)
    """)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "True"


def test_memory_stays_flat_over_10000_arrays():
    import dusk._dusk as core
    import tracemalloc

    a = np.arange(16.0).reshape(4, 4)
    kept = da.from_array(a, chunks=2).map_blocks(inc)   # lives across compactions

    def loop(n):
        for i in range(n):
            y = da.from_array(a, chunks=2).map_blocks(scale, float(i % 7), offset=1.0)
            if i % 50 == 0:
                assert y.sum().compute() == pytest.approx(a.sum() * (i % 7) + 16)
                np.testing.assert_array_equal(kept.compute(), a + 1)

    # until the context has been compacted once (tests before may have left a
    # context that compacts only after thousands of arrays more)
    loop(2000)
    for _ in range(100):
        made = kept._context_made()
        loop(200)
        if kept._context_made() < made:   # kept was made again in a fresh context
            break
    else:
        raise AssertionError("the context was never compacted")
    loop(1000)
    gc.collect()
    tracemalloc.start()
    before, blocks, py_before = rss_bytes(), core._alloc_live(), tracemalloc.get_traced_memory()[0]
    loop(10000)
    gc.collect()
    py_grew = tracemalloc.get_traced_memory()[0] - py_before
    tracemalloc.stop()
    assert py_grew < 1 << 20, "Python's memory grew by %d bytes" % py_grew
    if not SANITIZED:
        assert rss_bytes() - before < 8 << 20, "memory grew by %d bytes" % (rss_bytes() - before)
    assert core._alloc_live() - blocks < 20000
    np.testing.assert_array_equal(kept.compute(), a + 1)


def test_pickle_carries_module_functions_and_refuses_lambdas():
    x = da.from_array(A, chunks=(3, 5))
    y = x.map_blocks(scale, 2.0, offset=1.0).map_blocks(inc)
    z = pickle.loads(pickle.dumps(y))
    assert z.name == y.name
    np.testing.assert_array_equal(z.compute(), A * 2 + 2)
    with pytest.raises(TypeError, match="cannot pickle a dusk array made with lambda"):
        pickle.dumps(x.map_blocks(lambda b: b))


def test_pickled_block_info_function_runs_in_another_process(tmp_path):
    p = tmp_path / "arr.pkl"
    x = da.from_array(np.arange(8.0), chunks=3).map_blocks(_where, dtype=float)
    p.write_bytes(pickle.dumps(x))
    r = run_python("""
        import pickle, sys
        sys.path.insert(0, %r)
        import test_map_blocks
        x = pickle.loads(open(%r, "rb").read())
        print(list(x.compute()))
    """ % (os.path.dirname(__file__), str(p)))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == str(list(x.compute()))


def _where(b, block_info=None):
    return b * 0 + block_info[None]["array-location"][0][0]


# --- blockwise -------------------------------------------------------------------------------

def test_blockwise_as_dask():
    a = np.arange(48.0).reshape(6, 8)
    b = np.arange(48.0).reshape(8, 6)
    x, d = both(a, (2, 4))
    y, e = both(b, (4, 3))
    z, f = both(a.T.copy(), (4, 3))
    v, w = both(np.arange(6.0), 2)
    cases = [
        (da.blockwise(np.add, "ij", x, "ij", x, "ij", dtype=float),
         dda.blockwise(np.add, "ij", d, "ij", d, "ij", dtype=float), a + a),
        (da.blockwise(np.transpose, "ji", x, "ij", dtype=float),
         dda.blockwise(np.transpose, "ji", d, "ij", dtype=float), a.T),
        (da.blockwise(lambda p, q: p + q.T, "ij", x, "ij", z, "ji", dtype=float),
         dda.blockwise(lambda p, q: p + q.T, "ij", d, "ij", f, "ji", dtype=float), a + a),
        (da.blockwise(np.dot, "ik", x, "ij", y, "jk", dtype=float, concatenate=True),
         dda.blockwise(np.dot, "ik", d, "ij", e, "jk", dtype=float, concatenate=True), a @ b),
        (da.blockwise(lambda p, q: sum(pp @ qq for pp, qq in zip(p, q)), "ik", x, "ij", y, "jk",
                      dtype=float),
         dda.blockwise(lambda p, q: sum(pp @ qq for pp, qq in zip(p, q)), "ik", d, "ij", e, "jk",
                       dtype=float), a @ b),
        (da.blockwise(np.outer, "ij", v, "i", v, "j", dtype=float),
         dda.blockwise(np.outer, "ij", w, "i", w, "j", dtype=float),
         np.outer(np.arange(6.0), np.arange(6.0))),
        (da.blockwise(scale, "ij", x, "ij", 3.0, None, offset=1.0, dtype=float),
         dda.blockwise(scale, "ij", d, "ij", 3.0, None, offset=1.0, dtype=float), a * 3 + 1),
        (da.blockwise(lambda p: p[:, :, None] * np.ones(2), "ijk", x, "ij", new_axes={"k": 2},
                      dtype=float),
         dda.blockwise(lambda p: p[:, :, None] * np.ones(2), "ijk", d, "ij", new_axes={"k": 2},
                       dtype=float), a[:, :, None] * np.ones(2)),
        (da.blockwise(lambda p: np.concatenate([p, p]), "ij", x, "ij",
                      adjust_chunks={"i": lambda n: 2 * n}, dtype=float),
         dda.blockwise(lambda p: np.concatenate([p, p]), "ij", d, "ij",
                       adjust_chunks={"i": lambda n: 2 * n}, dtype=float), None),
    ]
    for k, (ours, theirs, want) in enumerate(cases):
        same_graph(ours, theirs, k)
        got = ours.compute()
        np.testing.assert_allclose(got, theirs.compute(scheduler="sync"), err_msg=str(k))
        if want is not None:
            np.testing.assert_allclose(got, want, err_msg=str(k))
    # chunks to unify: Dask's rechunk-merge layers, the same values
    x2, d2 = both(a, (3, 2))
    ours = da.blockwise(np.add, "ij", x, "ij", x2, "ij", dtype=float)
    theirs = dda.blockwise(np.add, "ij", d, "ij", d2, "ij", dtype=float)
    same_graph(ours, theirs)
    np.testing.assert_array_equal(ours.compute(), a + a)
    # inferred dtype
    assert da.blockwise(lambda p: p > 3, "ij", x, "ij").dtype == bool


def test_blockwise_keeps_blocks_of_length_0():
    # adjust_chunks over chunks with an empty block: a block per input block,
    # the empty one too, as Dask's
    src = np.arange(10.0)
    x, d = da.from_array(src, chunks=((4, 0, 6),)), dda.from_array(src, chunks=((4, 0, 6),))
    ours = da.blockwise(lambda b: b.sum(keepdims=True), "i", x, "i", adjust_chunks={"i": 1},
                        dtype=float)
    theirs = dda.blockwise(lambda b: b.sum(keepdims=True), "i", d, "i", adjust_chunks={"i": 1},
                           dtype=float)
    assert ours.chunks == theirs.chunks == ((1, 1, 1),)
    np.testing.assert_array_equal(ours.compute(), [6.0, 0.0, 39.0])


def test_blockwise_errors():
    x = da.ones((4, 4), chunks=2)
    with pytest.raises(ValueError, match="Repeated elements"):
        da.blockwise(inc, "ii", x, "ij", dtype=float)
    with pytest.raises(ValueError, match="Unknown dimension"):
        da.blockwise(inc, "ik", x, "ij", dtype=float)
    with pytest.raises(TypeError, match="must be a dusk array"):
        da.blockwise(inc, "ij", np.ones((4, 4)), "ij", dtype=float)
    with pytest.raises(ValueError, match="adjust_chunks specified with 3 blocks"):
        da.blockwise(inc, "ij", x, "ij", adjust_chunks={"i": (1, 1, 1)}, dtype=float)


# --- map_overlap -----------------------------------------------------------------------------

def _stencil(b):
    out = b.copy()
    out[1:-1, 1:-1] = (b[:-2, 1:-1] + b[2:, 1:-1] + b[1:-1, :-2] + b[1:-1, 2:]) / 4
    return out


@pytest.mark.parametrize("boundary", ["reflect", "periodic", "nearest", "none", 7.5])
def test_map_overlap_as_dask(boundary):
    a = np.random.RandomState(3).rand(12, 10)
    x, d = both(a, (4, 5))
    ours = da.map_overlap(_stencil, x, depth=1, boundary=boundary)
    theirs = dda.map_overlap(_stencil, d, depth=1, boundary=boundary)
    np.testing.assert_allclose(ours.compute(), theirs.compute(scheduler="sync"))
    assert ours.chunks == theirs.chunks and ours.dtype == theirs.dtype
    # the last layer is '_trim', as Dask 2022.12's
    assert ours.name.rsplit("-", 1)[0] == theirs.name.rsplit("-", 1)[0] == "_trim"
    # the method, with depth per axis
    np.testing.assert_allclose(
        x.map_overlap(_stencil, depth={0: 1, 1: 2}, boundary=boundary).compute(),
        d.map_overlap(_stencil, depth={0: 1, 1: 2}, boundary=boundary).compute(scheduler="sync"))


def test_map_overlap_default_boundary_is_dasks():
    # Dask 2022.12's default boundary is 'none' (coerce_boundary), also for
    # the axes a dict leaves out; dusk's was 'reflect', other values.
    a = np.random.RandomState(5).rand(12, 10)
    x, d = both(a, (4, 5))
    ours = da.map_overlap(_stencil, x, depth=1)
    theirs = dda.map_overlap(_stencil, d, depth=1)
    np.testing.assert_array_equal(ours.compute(), theirs.compute(scheduler="sync"))
    assert ours.chunks == theirs.chunks
    # Dask's only extra layer is the block_info its trim function takes
    assert added(ours) - added(theirs) == collections.Counter()
    assert added(theirs) - added(ours) == collections.Counter({("block-info-_trim", 6): 1})
    for boundary, depth in (({}, 1), ({0: "reflect"}, {0: 1, 1: 0}), ({1: "nearest"}, (0, 2))):
        np.testing.assert_array_equal(
            x.map_overlap(_stencil, depth=depth, boundary=boundary).compute(),
            d.map_overlap(_stencil, depth=depth, boundary=boundary).compute(scheduler="sync"))


def overlap_layers(x):
    """layers(x) without Dask's block-info layers (dusk gives block_info none)."""
    return collections.Counter({k: c for k, c in added(x).items()
                                if not k[0].startswith("block-info")})


def _trim1(b):
    return b[1:-1, 1:-1]


def _edges(b):
    """the grown block as it is (trim=False), tagged by its shape"""
    return b * 10 + (b.shape[0] * 100 + b.shape[1])


@pytest.mark.parametrize("boundary,depth", [
    ({0: "reflect", 1: "none"}, 1),
    ({0: "reflect", 1: "none"}, {0: 2, 1: 1}),
    ({0: "none", 1: "periodic"}, {0: 1, 1: 2}),
    ({0: -1.5, 1: "nearest"}, 2),
    ({1: 4}, {0: 1, 1: 1}),                       # axis 0 left out: 'none'
    (("nearest", "reflect"), (1, 2)),
    ({0: "reflect", 1: "periodic"}, {0: 0, 1: 2}),   # depth 0: axis 0's boundary unused
])
@pytest.mark.parametrize("trim", [True, False])
def test_map_overlap_per_axis_boundaries_and_trim_as_dask(boundary, depth, trim):
    # Dask 2022.12: a boundary (or constant) per axis, a depth per axis, and
    # trim=False (no '_trim': func's blocks, of the array's chunks as Dask's
    # map_blocks chunks=, func shrinking its grown blocks itself)
    a = np.random.RandomState(7).rand(12, 10)
    x, d = both(a, (4, 5))
    for f in (_stencil, _edges):
        # without trim, the blocks are the grown ones: chunks= says their
        # sizes (Dask's own overlap's), as Dask's map_blocks keyword
        kw = {} if trim else {"chunks": theirs_chunks(d, depth, boundary)}
        ours = x.map_overlap(f, depth=depth, boundary=boundary, trim=trim, **kw)
        theirs = d.map_overlap(f, depth=depth, boundary=boundary, trim=trim, **kw)
        what = (f.__name__, boundary, depth, trim)
        np.testing.assert_array_equal(ours.compute(), theirs.compute(scheduler="sync"),
                                      err_msg=str(what))
        assert ours.chunks == theirs.chunks and ours.dtype == theirs.dtype, what
        assert overlap_layers(ours) == overlap_layers(theirs), what
        assert ours.name.rsplit("-", 1)[0] == theirs.name.rsplit("-", 1)[0], what


def theirs_chunks(d, depth, boundary):
    """the grown blocks' chunks, from Dask's own overlap"""
    from dask.array.overlap import overlap, coerce_depth, coerce_boundary
    return overlap(d, coerce_depth(d.ndim, depth), coerce_boundary(d.ndim, boundary)).chunks


def test_map_overlap_trim_false_keeps_chunks_and_refuses_small_ones():
    x, d = both(np.arange(36.0).reshape(6, 6), 3)
    ours = x.map_overlap(_trim1, depth=1, boundary="reflect", trim=False)
    theirs = d.map_overlap(_trim1, depth=1, boundary="reflect", trim=False)
    assert ours.name.rsplit("-", 1)[0] == theirs.name.rsplit("-", 1)[0] == "_trim1"
    np.testing.assert_array_equal(ours.compute(), np.arange(36.0).reshape(6, 6))
    # the blocks would be rechunked to fit the depth, and no longer have x's
    # chunks: Dask builds an array whose chunks are wrong, dusk says so
    y = da.from_array(np.ones((6, 6)), chunks=(1, 3))
    with pytest.raises(ValueError, match="smaller than the depth"):
        y.map_overlap(_trim1, depth=2, trim=False)
    # chunks= is map_blocks', not the function's keyword
    np.testing.assert_array_equal(
        x.map_overlap(_trim1, depth=1, boundary="none", trim=True, chunks=((2, 2), (2, 2)))
        .compute(),
        d.map_overlap(_trim1, depth=1, boundary="none", trim=True, chunks=((2, 2), (2, 2)))
        .compute(scheduler="sync"))


def test_map_overlap_refuses_what_it_cannot():
    x = da.ones((6, 6), chunks=3)
    # several arrays are taken now (tests/python/test_overlap.py), other arguments are not
    np.testing.assert_array_equal(da.map_overlap(np.add, x, x, depth=1).compute(),
                                  np.full((6, 6), 2.0))
    with pytest.raises(TypeError, match="All variadic arguments must be arrays"):
        da.map_overlap(np.add, x, 1.0, depth=1)
    with pytest.raises(ValueError, match="boundary must be"):
        x.map_overlap(_stencil, depth=1, boundary="wrap")
    with pytest.raises(ValueError, match="axis 1"):
        x.map_overlap(_stencil, depth=1, boundary={0: "reflect", 1: "wrap"})
    with pytest.raises(ValueError, match="2 axes"):
        x.map_overlap(_stencil, depth=1, boundary=("reflect",))
    with pytest.raises(NotImplementedError, match="asymmetric"):
        x.map_overlap(_stencil, depth={0: (1, 2)})


# --- reduction -------------------------------------------------------------------------------

def _chunk_sumsq(b, axis=None, keepdims=False):
    return (b * b).sum(axis=axis, keepdims=keepdims)


def _agg_sum(b, axis=None, keepdims=False):
    return b.sum(axis=axis, keepdims=keepdims)


def _combine_sum(b, axis=None, keepdims=False):
    return b.sum(axis=axis, keepdims=keepdims)


@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1), -1])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reduction_as_dask(axis, keepdims):
    a = np.arange(200.0).reshape(20, 10)
    x, d = both(a, (2, 3))
    for combine in (None, _combine_sum):
        for split_every in (None, 2, 3):
            ours = da.reduction(x, _chunk_sumsq, _agg_sum, axis=axis, keepdims=keepdims,
                                dtype=float, combine=combine, split_every=split_every)
            theirs = dda.reduction(d, _chunk_sumsq, _agg_sum, axis=axis, keepdims=keepdims,
                                   dtype=float, combine=combine, split_every=split_every)
            what = (axis, keepdims, combine, split_every)
            same_graph(ours, theirs, what)
            np.testing.assert_allclose(ours.compute(), theirs.compute(scheduler="sync"))
            np.testing.assert_allclose(ours.compute(), (a * a).sum(axis=axis, keepdims=keepdims))


def test_reduction_errors():
    x = da.ones((4, 4), chunks=2)
    with pytest.raises(ValueError, match="Must specify dtype"):
        da.reduction(x, _chunk_sumsq, _agg_sum)
    with pytest.raises(NotImplementedError, match="weights"):
        da.reduction(x, _chunk_sumsq, _agg_sum, dtype=float, weights=np.ones(4))

    def bad(b, axis=None, keepdims=False):
        raise KeyError("no")
    with pytest.raises(KeyError, match="no"):
        da.reduction(x, bad, _agg_sum, dtype=float).compute()


def test_profile_keeps_the_names_of_functions_gone(tmp_path):
    # a profile's recorded plans point at the function's dusk_func: it stays
    # (the graveyard) after the function and its arrays went, until the profile goes
    r = run_python("""
        import gc, weakref
        import dusk.array as da
        from dusk.diagnostics import Profiler
        class Twice:
            __name__ = "twice"
            def __call__(self, b):
                return b * 2
        f = Twice()
        ref = weakref.ref(f)
        with Profiler() as prof:
            y = da.ones((6, 6), chunks=3).map_blocks(f)
            y.compute()
        del y, f
        gc.collect()
        for i in range(3000):      # compactions free the old context
            z = da.ones((6, 6), chunks=3) + i
        gc.collect()
        print(ref() is None, sorted({r.task[0].__name__ for r in prof.results}))
        prof.write_trace(%r)
        print(open(%r).read().count('"name":"twice"') >= 4)
    """ % ((str(tmp_path / "trace.json"),) * 2))
    assert r.returncode == 0, r.stderr
    assert r.stdout.split("\n")[:2] == ["True ['ones_like', 'twice']", "True"]


@pytest.mark.parametrize("scheduler", ["threads", "sync"])
def test_arrays_inside_a_block_function_raise_not_hang(scheduler):
    # The compute that runs a block's function holds the arrays until its run
    # ends: building or computing one there waited for good (^C did not stop
    # it); it is a RuntimeError that says what to do instead.
    x = da.from_array(np.arange(10.0), chunks=5)
    for f in (lambda b: b - float(x.mean()),
              lambda b: b - x.mean().compute(),
              lambda b: np.asarray(da.from_array(b))):
        with pytest.raises(RuntimeError, match=r"cannot build or compute dusk arrays.*"
                                               r"m = x\.mean\(\)\.compute\(\)"):
            x.map_blocks(f).compute(scheduler=scheduler)
    # what it says works, and the arrays still do
    m = float(x.mean())
    np.testing.assert_array_equal(x.map_blocks(lambda b: b - m).compute(scheduler=scheduler),
                                  np.arange(10.0) - 4.5)
    assert (x + 1).sum().compute() == 55.0
