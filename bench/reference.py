#!/usr/bin/env python3
"""bench/reference.py: the same figures as `make bench`, measured with Dask and NumPy.

Run by `make bench-reference` (it needs Debian's python3-dask, python3-numpy and
python3-h5py, which it does not install: `apt-get install python3-dask python3-h5py`).
Prints `name: value unit` lines beside dusk's, so both sides come from one machine
and one run. Reads the inputs that bench/array.c makes under build/bench-data/.
"""
import os
import resource
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(os.path.dirname(HERE), "build", "bench-data")


def overhead_graph(leaves=100000):
    from operator import add

    def inc(x):
        return x + 1

    def identity(x):
        return x

    dsk = {}
    level = []
    for i in range(leaves):
        k = "inc-%d" % i
        dsk[k] = (inc, i)
        level.append(k)
    depth = 0
    while len(level) > 1:
        nxt = []
        for j in range(0, len(level) - 1, 2):
            k = "add-%d-%d" % (depth, j // 2)
            dsk[k] = (add, level[j], level[j + 1])
            nxt.append(k)
        if len(level) % 2:
            k = "carry-%d" % depth
            dsk[k] = (identity, level[-1])
            nxt.append(k)
        level = nxt
        depth += 1
    return dsk, level[0]


def overhead():
    import dask
    import dask.threaded

    dsk, root = overhead_graph()
    n = len(dsk)
    t = time.perf_counter()
    dask.get(dsk, root)
    print("overhead.sync.dask: %.0f ns/task" % ((time.perf_counter() - t) / n * 1e9), flush=True)
    t = time.perf_counter()
    dask.threaded.get(dsk, root, num_workers=2)
    print("overhead.threads.dask: %.0f ns/task" % ((time.perf_counter() - t) / n * 1e9), flush=True)
    # Dask's multiprocessing scheduler, 2 processes, as overhead.processes;
    # on the same graph with 10,000 leaves (20,006 tasks): at its hundreds of
    # microseconds a task, the whole graph would take minutes.
    import dask.multiprocessing

    dsk, root = overhead_graph(10000)
    n = len(dsk)
    t = time.perf_counter()
    got = dask.multiprocessing.get(dsk, root, num_workers=2)
    secs = time.perf_counter() - t
    assert got == 10000 * 10001 // 2, got
    print("overhead.processes.dask: %.0f ns/task" % (secs / n * 1e9), flush=True)


def child(kind, src, dst):
    """One measurement in this (child) process: r = x - x.mean(axis=0), stored."""
    import h5py
    import numpy as np

    t = time.perf_counter()
    if kind == "dask":
        import dask.array as da

        with h5py.File(src, "r") as f, h5py.File(dst, "w") as g:
            x = da.from_array(f["data_set_1"], chunks=(500, 500))
            r = x - x.mean(axis=0)
            out = g.create_dataset("r", shape=r.shape, dtype=r.dtype, chunks=(500, 500))
            da.store(r, out)
    else:
        with h5py.File(src, "r") as f, h5py.File(dst, "w") as g:
            x = np.array(f["data_set_1"])
            g.create_dataset("r", data=x - x.mean(axis=0))
    secs = time.perf_counter() - t
    print(secs, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def child_linalg(kind, src, dst):
    """The factorisations of bench/array.c's array.qr and array.svd: the
    tall dataset /a read, its factors written to dst."""
    import h5py
    import numpy as np

    what, how = kind.split("-")
    t = time.perf_counter()
    with h5py.File(src, "r") as f, h5py.File(dst, "w") as g:
        if how == "dask":
            import dask.array as da

            x = da.from_array(f["a"], chunks=f["a"].chunks)
            parts = da.linalg.qr(x) if what == "qr" else da.linalg.svd(x)
            outs = [g.create_dataset("f%d" % i, shape=p.shape, dtype=p.dtype) for i, p in enumerate(parts)]
            da.store(list(parts), outs)
        else:
            x = np.array(f["a"])
            parts = np.linalg.qr(x) if what == "qr" else np.linalg.svd(x, full_matrices=False)
            for i, p in enumerate(parts):
                g.create_dataset("f%d" % i, data=p)
    secs = time.perf_counter() - t
    print(secs, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def measure(name, kind, src, dst):
    cmd = [sys.executable, __file__, "--child", kind, src, dst]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    secs, rss = out.strip().splitlines()[-1].split()
    secs, rss = float(secs), int(rss)
    if secs < 10:
        print("%s: %.0f ms" % (name, secs * 1000))
    else:
        print("%s: %.2f s" % (name, secs))
    print("%s.peak: %.0f MiB" % (name, rss / 1024), flush=True)
    os.remove(dst)


def map_blocks():
    """array.map_blocks in Dask: a Python function adding 1 to each of
    10,000 blocks of 10 float64, threads, beside x + 1; medians of 7."""
    import dask.array as da

    def add_one(b):
        return b + 1

    times = {"map": [], "builtin": []}
    for _ in range(7):
        for which in ("map", "builtin"):
            x = da.ones(100000, chunks=10)
            y = x.map_blocks(add_one, dtype="f8") if which == "map" else x + 1
            t = time.perf_counter()
            y.compute(scheduler="threads")
            times[which].append(time.perf_counter() - t)
    for which, name in (("map", "array.map_blocks.dask"), ("builtin", "array.map_blocks.builtin.dask")):
        ts = sorted(times[which])
        print("%s: %.2f us/block" % (name, ts[len(ts) // 2] / 10000 * 1e6), flush=True)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        if "-" in sys.argv[2]:
            child_linalg(*sys.argv[2:5])
        else:
            child(*sys.argv[2:5])
        return
    try:
        import dask  # noqa: F401
        import h5py  # noqa: F401
        import numpy  # noqa: F401
    except ImportError as e:
        sys.exit("bench/reference.py: %s (apt-get install python3-dask python3-h5py)" % e)
    lecture = os.path.join(DATA, "lecture.hdf5")
    big = os.path.join(DATA, "big.hdf5")
    if not os.path.exists(lecture):
        sys.exit("bench/reference.py: run `make bench` first (it makes %s)" % lecture)
    print("reference: dask %s, numpy %s" % (dask.__version__, numpy.__version__), flush=True)
    measure("array.lecture.numpy", "numpy", lecture, os.path.join(DATA, "ref-r.hdf5"))
    measure("array.lecture.dask", "dask", lecture, os.path.join(DATA, "ref-r.hdf5"))
    if os.path.exists(big):
        measure("array.big.dask", "dask", big, os.path.join(DATA, "ref-r.hdf5"))
        measure("array.big.numpy", "numpy", big, os.path.join(DATA, "ref-r.hdf5"))
    # bench/array.c's factorisations: the full size, or the small one
    # that DUSK_BENCH_SKIP_BIG=1 makes
    for tall, suffix in (("tall.hdf5", ""), ("tall-small.hdf5", ".small")):
        src = os.path.join(DATA, tall)
        if os.path.exists(src):
            for what in ("qr", "svd"):
                for how in ("dask", "numpy"):
                    measure("array.%s%s.%s" % (what, suffix, how), "%s-%s" % (what, how), src,
                            os.path.join(DATA, "ref-f.hdf5"))
    overhead()
    map_blocks()


if __name__ == "__main__":
    main()
