"""dusk arrays and Python's cyclic garbage collector (python/array.c, blocks.c).

A function given to map_blocks, blockwise, map_overlap or reduction that
closes over a dusk array of the same context makes a cycle: array -> its
context -> the BlockFunction its layers point into -> the user's function ->
the array. gc.collect() must free it, context and blocks with it; arrays
without cycles still go at once; arrays alive still compute after
collections, and a run in progress is safe from a collection on any thread.

All arrays alive share one context (python/array.c), so each check runs in a
python3 of its own: what other tests leave alive cannot hold that context."""
import pytest

from conftest import SANITIZED, run_python

pytest.importorskip("numpy")

# The cycles of every kind of Python function on blocks, each made in a
# function of its own (a closure: a module-level function reads x as a global,
# which makes no cycle). The values checked are NumPy's.
MAKERS = """
    import gc, sys, threading, time, weakref
    import numpy as np
    import dusk._dusk as core
    import dusk.array as da

    A = np.arange(64.0).reshape(8, 8)

    def via_map_blocks():
        x = da.from_array(A, chunks=4)
        def f(b):
            return b + x.shape[0]
        return x, x.map_blocks(f), A + 8

    def via_blockwise():
        x = da.from_array(A, chunks=4)
        def f(b):
            return b * x.ndim
        return x, da.blockwise(f, "ij", x, "ij", dtype=float), A * 2

    def via_map_overlap():
        x = da.from_array(A, chunks=4)
        def f(b):
            return b + x.npartitions
        return x, x.map_overlap(f, depth=1, boundary="none"), A + 4

    def via_reduction():
        x = da.from_array(A, chunks=4)
        def chunk(b, axis, keepdims):
            return b.sum(axis=axis, keepdims=keepdims) + 0 * x.shape[0]
        def agg(b, axis, keepdims):
            return b.sum(axis=axis, keepdims=keepdims) + x.ndim
        return x, da.reduction(x, chunk, agg, axis=0, dtype=float), A.sum(axis=0) + 2

    MAKERS = [via_map_blocks, via_blockwise, via_map_overlap, via_reduction]
"""


def test_a_cycle_through_a_block_function_is_collected():
    r = run_python(MAKERS + """
    gc.disable()    # collections only where this test makes them
    gc.collect()
    base = core._alloc_live()
    for make in MAKERS:
        def step():
            x, y, want = make()
            np.testing.assert_array_equal(y.compute(), want)
            return weakref.ref(x), weakref.ref(y)
        rx, ry = step()
        # y had no cycle of its own; x is in one, with its context and blocks
        assert ry() is None, make.__name__
        assert rx() is not None, make.__name__ + ": no cycle was made"
        assert core._alloc_live() > base, make.__name__
        gc.collect()
        assert rx() is None, make.__name__ + ": the cycle was not collected"
        assert core._alloc_live() == base, (make.__name__, core._alloc_live() - base)
        print(make.__name__, "freed")
    """)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["via_map_blocks", "freed", "via_blockwise", "freed",
                                "via_map_overlap", "freed", "via_reduction", "freed"]


def test_the_memory_of_cycles_does_not_grow():
    # 8 MB of blocks in each cycle: 30 of them kept would be 240 MB
    r = run_python("""
    import gc, tracemalloc
    import numpy as np
    import dusk._dusk as core
    import dusk.array as da

    def rss():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * 4096

    def cycle():
        x = da.from_array(np.arange(1e6), chunks=250000)
        def f(b):
            return b + x.shape[0]
        assert x.map_blocks(f).sum().compute() == np.arange(1e6).sum() + 1e12

    cycle()
    gc.collect()
    base, before = core._alloc_live(), rss()
    for i in range(30):
        cycle()
    gc.collect()
    print(core._alloc_live() - base, (rss() - before) >> 20)
    """, timeout=120)
    assert r.returncode == 0, r.stderr
    blocks, mb = map(int, r.stdout.split())
    assert blocks == 0
    if not SANITIZED:   # ASan's quarantine keeps freed memory
        assert mb < 64, "memory grew by %d MB" % mb


def test_arrays_without_cycles_still_go_at_once():
    r = run_python(MAKERS + """
    gc.disable()
    gc.collect()
    base = core._alloc_live()
    def step():
        x = da.from_array(A, chunks=4)
        y = (x + 1).map_blocks(np.sqrt).map_overlap(np.negative, depth=1, boundary="none")
        np.testing.assert_allclose(y.compute(), -np.sqrt(A + 1))
        return weakref.ref(x), weakref.ref(y)
    refs = step()
    print([r() is None for r in refs], core._alloc_live() - base, gc.collect() >= 0)
    """)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["[True,", "True]", "0", "True"]


def test_arrays_alive_compute_after_collections():
    # Cycles made and dropped in the context of arrays still alive are not
    # garbage (the context is alive): their functions must still run, and
    # after compaction moves the live arrays away, the old context goes.
    r = run_python(MAKERS + """
    kept = [make() for make in MAKERS]
    for i in range(3):
        for make in MAKERS:
            make()          # dropped at once: cycles in the live context
        gc.collect()
        for x, y, want in kept:
            np.testing.assert_array_equal(y.compute(), want)
            np.testing.assert_array_equal((y + x.sum()).compute(), want + A.sum())
    # a chain built on a cycle's array, with collections between its steps
    x, y, want = kept[0]
    z = y
    for i in range(5):
        z = z.map_blocks(lambda b, i=i: b + i)
        gc.collect()
    np.testing.assert_array_equal(z.compute(scheduler="threads"), want + 10)
    # many arrays: compaction remakes the live ones in a new context (the
    # arrays of cycles dropped too, until collected, but not their functions:
    # their recipes are from_array's), and the old one goes
    gc.collect()
    refs = [weakref.ref(make()[0]) for make in MAKERS]
    for i in range(3000):
        w = kept[0][1] + i
    gc.collect()
    print(sum(r() is None for r in refs))
    for x, y, want in kept:
        np.testing.assert_array_equal(y.compute(), want)
    """, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["4"]


def test_collections_during_a_threaded_run_do_not_break_it():
    # The array a thread computes is held by nothing but that thread's frame,
    # and its input is in a cycle through the function of its blocks, which
    # collects on the workers; another thread collects without stop meanwhile.
    r = run_python(MAKERS + """
    gc.collect()
    base = core._alloc_live()
    results, refs, errors = [], [], []

    def build():
        x = da.from_array(np.arange(400.0).reshape(20, 20), chunks=2)   # 100 blocks
        def f(b):
            junk = [[]]
            junk[0].append(junk)       # garbage for every collection
            if np.random.rand() < 0.3:
                gc.collect()
            time.sleep(0.001)
            return b * 2 + x.shape[0]
        refs.append(weakref.ref(x))
        return x.map_blocks(f)

    def job(k):
        try:
            y = build()
            results.append((k, float(y.sum().compute(scheduler="threads", num_workers=4))))
        except BaseException as e:
            errors.append(e)

    stop = threading.Event()
    def collector():
        n = 0
        while not stop.is_set():
            junk = [[]]
            junk[0].append(junk)
            gc.collect()
            n += 1
        results.append(("collections", n))

    c = threading.Thread(target=collector)
    c.start()
    jobs = [threading.Thread(target=job, args=(k,)) for k in range(3)]
    for t in jobs:
        t.start()
    for t in jobs:
        t.join()
    stop.set()
    c.join()
    assert not errors, errors
    want = float((np.arange(400.0) * 2 + 20).sum())
    assert sorted(v for k, v in results if k != "collections") == [want] * 3, results
    assert dict(results)["collections"] > 10, results
    gc.collect()
    print(sum(r() is None for r in refs), core._alloc_live() - base)
    """, timeout=180)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["3", "0"]


def test_diagnostics_in_cycles_are_collected():
    # a ProgressBar whose file holds it; a Profiler whose recorded keys hold it
    r = run_python("""
    import gc, io, weakref
    import dusk
    from dusk.diagnostics import Profiler, ProgressBar
    gc.disable()

    class Out(io.StringIO):
        pass

    class Part:
        def __init__(self, owner):
            self.owner = owner
        def __repr__(self):
            return "Part"

    def bar_cycle():
        out = Out()
        bar = ProgressBar(out=out, minimum=0, dt=0.01)
        out.bar = bar
        with bar:
            assert dusk.get({"a": 1, "b": (sum, ["a", "a"])}, "b") == 2
        return weakref.ref(bar), out

    def profile_cycle():
        prof = Profiler()
        key = ("x", Part(prof))      # a key whose text does not say it: prof keeps it
        with prof:
            assert dusk.get({key: (sum, [1]), "y": (sum, [key, key])}, "y") == 2
        assert key in {t.key for t in prof.results}
        return weakref.ref(prof)

    ref, out = bar_cycle()
    drawn = out.getvalue()
    del out
    pref = profile_cycle()
    print(ref() is not None, pref() is not None, "Completed" in drawn)
    gc.collect()
    print(ref() is None, pref() is None)
    """)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["True", "True", "True", "True", "True"]


def test_a_run_stopped_by_ctrl_c_keeps_no_exception_of_its_blocks():
    # A block raised, then ^C came while the others ran: the run reports
    # KeyboardInterrupt, and the block's exception (whose traceback holds the
    # function, and so x and its context) must not stay kept until the next
    # failure.
    r = run_python("""
    import gc, os, signal, threading, time, weakref
    import numpy as np
    import dusk._dusk as core
    import dusk.array as da
    gc.collect()
    base = core._alloc_live()
    started, raised, killed = threading.Event(), threading.Event(), threading.Lock()

    def make():
        x = da.from_array(np.arange(64.0).reshape(8, 8), chunks=4)
        def f(b, block_id=None):
            if block_id == (0, 0):
                started.wait(5)    # not before another block runs: the run then waits for it
                raised.set()
                raise ValueError("block 0")
            started.set()
            raised.wait(5)
            if killed.acquire(blocking=False):
                os.kill(os.getpid(), signal.SIGINT)
            time.sleep(1.0)
            return b + x.ndim
        return weakref.ref(x), x.map_blocks(f, dtype=float)   # no probing call

    ref, y = make()
    try:
        y.compute(scheduler="threads", num_workers=4)
        print("finished")
    except KeyboardInterrupt:
        print("interrupted")
    del y
    gc.collect()
    print(ref() is None, core._alloc_live() - base)
    """)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["interrupted", "True", "0"]
