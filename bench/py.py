#!/usr/bin/python3
"""bench/py.py: the Python module's figures, run by `make bench` (PYTHONPATH=build/python).

Prints `name: value unit` lines:
  py.overhead.builtin.sync|threads   ns per task of dusk.get on the 200,006-task inc+add
                                     graph of bench/overhead_graph.h written as a dict
                                     with operator.add tasks (dusk runs them in C): the
                                     whole call, graph read from Python, ordered, run,
                                     result back; best of 3, 2 workers
  py.overhead.builtin.sync.cpu       the sync figure in CPU time (time.process_time): what
                                     the call costs however loaded the machine is, as a
                                     busy machine's waits for a core are left out
  py.graph.read                      ns per task of reading that dict into a dusk graph
                                     (and freeing it): the Python side of the figure
                                     above; the rest is dusk's own graph, order and run
  py.overhead.python.sync|threads    the same graph with Python functions (inc, add,
                                     identity), which take the GIL per task
  py.overhead.dask.sync|threads      the Python-function graph on dask.get and
                                     dask.threaded.get (2 workers), once each
  py.lecture.dusk|dusk_h5py|dask|numpy
                                     seconds for a whole `python3 -c` process that
                                     computes r = x - x.mean(axis=0) over the lecture's
                                     1000 x 10000 HDF5 dataset and stores r in a new
                                     HDF5 file: dusk.array (da.from_hdf5; dusk_h5py: the
                                     lecture's h5py.File and from_array), dask.array
                                     (h5py), NumPy (h5py); median of 3 interleaved rounds
Dask's lines are left out when python3-dask is not installed.
"""
import operator
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DATA = os.path.join(ROOT, "build", "bench-data")


def inc(x):
    return x + 1


def identity(x):
    return x


def overhead_graph(builtin):
    """100,000 inc leaves summed pairwise by add, odd ones carried by identity."""
    dsk, level, depth = {}, [], 0
    for i in range(100000):
        k = "inc-%d" % i
        dsk[k] = (operator.add, i, 1) if builtin else (inc, i)
        level.append(k)
    while len(level) > 1:
        nxt = []
        for j in range(0, len(level) - 1, 2):
            k = "add-%d-%d" % (depth, j // 2)
            dsk[k] = (operator.add, level[j], level[j + 1])
            nxt.append(k)
        if len(level) % 2:
            k = "carry-%d" % depth
            dsk[k] = (operator.add, level[-1], 0) if builtin else (identity, level[-1])
            nxt.append(k)
        level = nxt
        depth += 1
    return dsk, level[0]


def per_task(fn, dsk, root, reps, clock=time.perf_counter):
    best = None
    for _ in range(reps):
        t = clock()
        v = fn(dsk, root)
        dt = clock() - t
        if v != 5000050000:
            sys.exit("bench/py.py: wrong sum %r" % (v,))
        best = dt if best is None else min(best, dt)
    return best / len(dsk) * 1e9


def overhead(have_dask):
    import dusk

    from dusk import _dusk

    dsk, root = overhead_graph(True)
    best = None
    for _ in range(3):
        t = time.perf_counter()
        if _dusk._graph_size(dsk) != len(dsk):
            sys.exit("bench/py.py: the graph read has the wrong size")
        dt = time.perf_counter() - t
        best = dt if best is None else min(best, dt)
    print("py.graph.read: %.0f ns/task" % (best / len(dsk) * 1e9), flush=True)
    for kind in ("builtin", "python"):
        dsk, root = overhead_graph(kind == "builtin")
        for sched in ("sync", "threads"):
            ns = per_task(lambda d, r: dusk.get(d, r, scheduler=sched, num_workers=2), dsk, root, 3)
            print("py.overhead.%s.%s: %.0f ns/task" % (kind, sched, ns), flush=True)
            if kind == "builtin" and sched == "sync":
                ns = per_task(lambda d, r: dusk.get(d, r, scheduler="sync"), dsk, root, 3,
                              time.process_time)
                print("py.overhead.builtin.sync.cpu: %.0f ns/task" % ns, flush=True)
    if have_dask:
        import dask
        import dask.threaded

        dsk, root = overhead_graph(False)
        print("py.overhead.dask.sync: %.0f ns/task" % per_task(dask.get, dsk, root, 1), flush=True)
        ns = per_task(lambda d, r: dask.threaded.get(d, r, num_workers=2), dsk, root, 1)
        print("py.overhead.dask.threads: %.0f ns/task" % ns, flush=True)


LECTURE = {
    "dusk": """
import dusk.array as da
x = da.from_hdf5(SRC, "/data_set_1", chunks=(500, 500))
(x - x.mean(axis=0)).to_hdf5(DST, "/r")
""",
    "dusk_h5py": """
import h5py, dusk.array as da
f = h5py.File(SRC, "r")
x = da.from_array(f["data_set_1"], chunks=(500, 500))
(x - x.mean(axis=0)).to_hdf5(DST, "/r")
""",
    "dask": """
import h5py, dask.array as da
with h5py.File(SRC, "r") as f, h5py.File(DST, "w") as g:
    x = da.from_array(f["data_set_1"], chunks=(500, 500))
    r = x - x.mean(axis=0)
    da.store(r, g.create_dataset("r", shape=r.shape, dtype=r.dtype, chunks=(500, 500)))
""",
    "numpy": """
import h5py, numpy as np
with h5py.File(SRC, "r") as f, h5py.File(DST, "w") as g:
    x = np.array(f["data_set_1"])
    g.create_dataset("r", data=x - x.mean(axis=0))
""",
}


def lecture_input():
    src = os.path.join(DATA, "lecture.hdf5")      # bench/array.c's, when it ran
    if os.path.exists(src):
        return src
    src = os.path.join(DATA, "py-lecture.hdf5")
    if not os.path.exists(src):
        import h5py
        import numpy as np

        os.makedirs(DATA, exist_ok=True)
        with h5py.File(src + ".tmp", "w") as f:
            f.create_dataset("data_set_1", data=np.random.default_rng(0).standard_normal((1000, 10000)))
        os.replace(src + ".tmp", src)
    return src


def lecture(have_dask):
    import h5py
    import numpy as np

    src = lecture_input()
    kinds = ["dusk", "dusk_h5py", "dask", "numpy"] if have_dask else ["dusk", "dusk_h5py", "numpy"]
    times = {k: [] for k in kinds}
    results = {}
    for _ in range(3):
        for k in kinds:
            dst = os.path.join(DATA, "py-r-%s.hdf5" % k)
            if os.path.exists(dst):
                os.remove(dst)
            code = "SRC, DST = %r, %r\n%s" % (src, dst, LECTURE[k])
            t = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True)
            times[k].append(time.perf_counter() - t)
            with h5py.File(dst, "r") as f:
                results[k] = f["r"][:5, :5]
            os.remove(dst)
    for k in kinds:
        if not np.allclose(results[k], results["numpy"]):
            sys.exit("bench/py.py: %s's r differs from NumPy's" % k)
        print("py.lecture.%s: %.3f s" % (k, statistics.median(times[k])), flush=True)


def main():
    try:
        import dask  # noqa: F401
        have_dask = True
    except ImportError:
        have_dask = False
    overhead(have_dask)
    lecture(have_dask)


if __name__ == "__main__":
    main()
