"""Shared set-up of tests/python: the module under test is the one `make python` built.

tests/python/run.sh (what `make test` runs) puts $(BUILD)/python first on
sys.path; run by hand, `PYTHONPATH=build/python /usr/bin/python3 -m pytest tests/python`.
"""
import os
import subprocess
import sys
import textwrap

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("DUSK_TEST_BUILD", os.path.join(ROOT, "build"))
if os.path.join(BUILD, "python") not in sys.path:
    sys.path.insert(0, os.path.join(BUILD, "python"))


def inc(i):
    return i + 1


def add(i, j):
    return i + j


# Under SANITIZE=address the allocator keeps freed blocks in quarantine (up to
# 256 MB): the process's size says nothing then, and the memory tests check
# dusk's live blocks and Python's own allocations (tracemalloc) instead.
SANITIZED = "address" in os.environ.get("DUSK_TEST_SANITIZE", "")


def run_python(code, timeout=60):
    """code run by a python3 of its own (a crash or a signal must not take pytest with it)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env,
                          capture_output=True, text=True, timeout=timeout)


def rss_bytes():
    """The process's resident set size, from /proc/self/statm."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.fixture
def lecture_dsk():
    # The lecture's cell In [95].
    return {"a": 1, "x": 10, "b": (inc, "a"), "y": (inc, "x"), "z": (add, "b", "y")}


@pytest.fixture
def lecture_dsk2():
    # The lecture's cell In [102].
    return {"a": 1, "b": 2, "c": (add, "a", "b"), "d": (sum, ["a", "b", "c"])}
