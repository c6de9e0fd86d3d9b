#!/usr/bin/python3
"""Writes Dask's static order of the graphs tests/core/test_order.c compares
dusk's order with, one file per graph: tests/data/order/<name>.txt.

Run by hand with a Python that has Dask (Debian's python3-dask 2022.12):

    /usr/bin/python3 tests/data/order/gen_dask_order.py

The files are committed, so the test needs no Dask. Each holds, after '#'
comments, one line per task: Dask's priority (dask.order.order), the key
and the keys it depends on, tab-separated. Keys are written as str(key)
with each 32-digit token replaced by the key's height, the longest chain of
dependencies below it ("('sub@2', 0, 1)"): dusk's tokens are not Dask's,
and the height tells apart layers of one name (the levels of a tree
reduction's partial sums). The comments give the
peak that dask_peak() below finds, which the test finds again.
"""
import os
import re
import sys
import tempfile

import dask
import dask.array as da
import h5py
import numpy as np
from dask.core import get_dependencies
from dask.order import order

HERE = os.path.dirname(os.path.abspath(__file__))
TOKEN = re.compile(r"-[0-9a-f]{32}")


def heights(deps):
    h = {}

    def height(k):
        if k not in h:
            h[k] = 1 + max((height(d) for d in deps[k]), default=-1)
        return h[k]

    for k in deps:
        height(k)
    return h


def norm(key, h):
    return TOKEN.sub(f"@{h[key]}", str(key))


def dask_peak(deps, prio, keep_roots):
    """Results held at most while running the tasks in priority order, a
    result released once every task that needs it has run (a task with no
    dependents at once, unless keep_roots: then kept, as requested results
    are on the sync scheduler). Counted while a task runs: what is held
    and the task's own result."""
    dependents = {k: [] for k in deps}
    for k, ds in deps.items():
        for d in ds:
            dependents[d].append(k)
    waiting = {k: len(v) for k, v in dependents.items()}
    held = peak = 0
    for k in sorted(deps, key=prio.__getitem__):
        held += 1
        peak = max(peak, held)
        for d in deps[k]:
            waiting[d] -= 1
            if waiting[d] == 0:
                held -= 1
        if not dependents[k] and not keep_roots:
            held -= 1
    return peak


def write(name, what, dsk):
    dsk = dict(dsk)
    deps = {k: get_dependencies(dsk, k) for k in dsk}
    prio = order(dsk, dependencies=deps)
    h = heights(deps)
    names = {norm(k, h) for k in dsk}
    if len(names) != len(dsk):
        sys.exit(f"{name}: keys are not distinct once their tokens are dropped")
    path = os.path.join(HERE, name + ".txt")
    with open(path, "w") as f:
        f.write(f"# {what}\n")
        f.write(f"# dask {dask.__version__}, dask.order.order; {len(dsk)} tasks\n")
        f.write(f"# peak {dask_peak(deps, prio, False)} "
                f"peak_keep {dask_peak(deps, prio, True)}\n")
        for k in sorted(dsk, key=prio.__getitem__):
            f.write("\t".join([str(prio[k]), norm(k, h)] + sorted(norm(d, h) for d in deps[k])))
            f.write("\n")
    print(f"{path}: {len(dsk)} tasks, peak {dask_peak(deps, prio, False)}")


def inc(x):
    return x + 1


def add(x, y):
    return x + y


def tree(n):
    """tests/helpers.c's tree_graph(n): inc leaves, add pairs, identity
    carries for an odd one out."""
    dsk, level = {}, []
    for i in range(n):
        dsk[f"inc-{i}"] = (inc, i)
        level.append(f"inc-{i}")
    depth = 1
    while len(level) > 1:
        nxt = []
        for i in range(0, len(level) - 1, 2):
            key = f"add-{depth}-{len(nxt)}"
            dsk[key] = (add, level[i], level[i + 1])
            nxt.append(key)
        if len(level) % 2:
            key = f"carry-{depth}-{len(nxt)}"
            dsk[key] = (lambda x: x, level[-1])
            nxt.append(key)
        level = nxt
        depth += 1
    return dsk


def graph(a):
    return dict(a.__dask_graph__())


def main():
    write("lecture_dsk", "the lecture's dsk: z = add(inc(a), inc(x))",
          {"a": 1, "x": 10, "b": (inc, "a"), "y": (inc, "x"), "z": (add, "b", "y")})
    write("lecture_dsk2", "the lecture's dsk2: d = sum([a, b, c])",
          {"a": 1, "b": 2, "c": (add, "a", "b"), "d": (sum, ["a", "b", "c"])})
    write("tree_100", "tree_graph(100): a binary tree of adds over 100 leaves", tree(100))
    write("tree_37", "tree_graph(37): the same over 37 leaves (carries)", tree(37))

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "rnd_data.hdf5")
        with h5py.File(path, "w") as f:
            f.create_dataset("data_set_1", data=np.ones((20, 200)))
        with h5py.File(path, "r") as f:
            x = da.from_array(f["data_set_1"], chunks=(10, 10))
            write("lecture_r", "the lecture's r = x - x.mean(axis=0), x from HDF5 in "
                  "2 x 20 blocks", graph(x - x.mean(axis=0)))

    for rows, cols in [(2, 20), (8, 8), (20, 2), (17, 3)]:
        x = da.ones((2 * rows, 2 * cols), chunks=(2, 2))
        write(f"r_{rows}x{cols}", f"r = x - x.mean(axis=0), x = ones in {rows} x {cols} blocks",
              graph(x - x.mean(axis=0)))

    x = da.ones((15, 15), chunks=(5, 5))
    write("x_plus_xT", "x + x.T, x = ones((15, 15), chunks=(5, 5))", graph(x + x.T))
    write("x_dot_xT1", "x.dot(x.T + 1), x = ones((15, 15), chunks=(5, 5))",
          graph(x.dot(x.T + 1)))
    x = da.ones((24, 24), chunks=(4, 4))
    write("rechunk", "ones((24, 24), chunks=(4, 4)).rechunk((6, 6)) + 1",
          graph(x.rechunk((6, 6)) + 1))
    x = da.ones((64, 4), chunks=(2, 4))
    write("tall_sum", "a tall reduction: ones((64, 4), chunks=(2, 4)).sum(axis=0), "
          "32 blocks", graph(x.sum(axis=0)))
    write("tall_gram", "tsqr-like: x.T.dot(x), x = ones((64, 4), chunks=(2, 4))",
          graph(x.T.dot(x)))
    x = da.ones((16, 16), chunks=(2, 2))
    write("chain_sum", "((x + 1) * 2).sum(), x = ones((16, 16), chunks=(2, 2))",
          graph(((x + 1) * 2).sum()))


if __name__ == "__main__":
    main()
