"""dusk.Delayed, dusk.diagnostics and dusk.view(): the lecture's Delayed cell, Dask's
profilers as context managers over dusk's profiler, the HTML report, the live window
(headless: SDL's dummy driver)."""
import json
import signal
import os
import sys
import subprocess
import time

import numpy as np
import pytest

import dusk
import dusk.array as da
from conftest import add, inc, run_python
from dusk.diagnostics import CacheProfiler, Profiler, ProgressBar, ResourceProfiler, visualize


def test_lecture_delayed_cell(lecture_dsk, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)   # visualize() writes mydask.png, as Dask's
    delayed_dsk = dusk.Delayed("w", lecture_dsk)                                   # In [97]
    picture = delayed_dsk.visualize()
    data = getattr(picture, "data", picture)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "mydask.png").read_bytes() == data
    delayed_dsk.visualize(filename=str(tmp_path / "dsk.svg"))
    svg = (tmp_path / "dsk.svg").read_text()
    # Dask's labels: a circle says key_split of its key, a string key's box is blank
    for label in (">b<", ">y<", ">z<"):
        assert label in svg, label
    for label in (">inc<", ">add<", ">a<", ">x<"):
        assert label not in svg, label
    assert dusk.Delayed("z", lecture_dsk).compute() == 13
    with pytest.raises(KeyError):
        delayed_dsk.compute()
    assert dusk.compute(dusk.Delayed("y", lecture_dsk), 5, da.ones(3, chunks=2).sum()) == (11, 5, 3.0)


def test_profilers_record_dusk_runs(tmp_path, lecture_dsk, monkeypatch):
    monkeypatch.chdir(tmp_path)   # the report's graph= picture writes no mydask file
    x = da.ones((600, 600), chunks=(200, 200))
    out = tmp_path / "bar.txt"
    with open(out, "w") as bar_file:
        with Profiler() as prof, ResourceProfiler(dt=0.01) as rprof, CacheProfiler() as cprof, \
                ProgressBar(out=bar_file) as bar:
            r = (x - x.mean(axis=0)).sum().compute()
            assert dusk.get(lecture_dsk, "z") == 13
    assert r == 0
    tasks = prof.results
    # Every task of both runs: the array's, and the lecture graph's 3 tasks (its
    # 2 values are not tasks: Dask records none; dusk's report and trace do).
    assert len(tasks) == (x - x.mean(axis=0)).sum()._ntasks + 3
    assert {t.task[0].__name__ for t in tasks} >= {"ones_like", "inc", "add"}
    assert any(t.key == "z" for t in tasks)
    assert all(t.end_time >= t.start_time >= 0 for t in tasks)
    assert all(isinstance(t.key, (str, tuple)) for t in tasks)
    assert len(rprof.results) >= 1 and all(s.mem > 0 for s in rprof.results)
    assert len(cprof.results) == len(tasks) and all(c.metric == 1 for c in cprof.results)
    assert cprof.group_results and all(c.value >= 0 for c in cprof.group_results)
    assert "100% Completed" in out.read_text()
    assert bar.last_duration >= 0
    s = prof.summary()
    # the summary counts tasks as Dask does, as the records do: not the
    # lecture graph's 2 literals
    assert s["nruns"] == 2 and s["ntasks"] == len(tasks)
    report = visualize([prof, rprof], filename=str(tmp_path / "profile.html"), graph=x.sum())
    html = open(report).read()
    assert html.lstrip().lower().startswith("<!doctype html") and "<svg" in html and "inc" in html
    assert not [p for p in os.listdir(tmp_path) if p.startswith("mydask")]
    trace = json.load(open(prof.write_trace(str(tmp_path / "trace.json"))))
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    assert sum(1 for e in events if e.get("ph") == "X") == len(tasks) + 2
    prof.write_csv(str(tmp_path / "tasks.csv"))
    assert open(tmp_path / "tasks.csv").read().count("\n") == len(tasks) + 2 + 1
    # After the block nothing is recorded.
    dusk.get(lecture_dsk, "z")
    assert len(prof.results) == len(tasks)
    prof.clear()
    assert prof.results == []


def test_a_profiler_block_starts_empty_as_dask(lecture_dsk):
    # Dask's profilers clear their results on __enter__: one used for two
    # blocks showed both blocks' tasks (and the report both runs).
    prof, rprof, cprof = Profiler(), ResourceProfiler(dt=0.01), CacheProfiler()
    for _ in range(2):
        with prof, rprof, cprof:
            assert dusk.get(lecture_dsk, "z") == 13
        assert sorted(t.key for t in prof.results) == ["b", "y", "z"]
        assert prof.summary()["nruns"] == 1
    # register() goes on adding, as Dask's (no clear there).
    prof.register()
    dusk.get(lecture_dsk, "z")
    prof.unregister()
    assert len(prof.results) == 6


def test_profiler_results_keep_the_keys_python_had():
    # dusk records keys by their text: an int key came back as the str '1',
    # and a str key that reads as a tuple as that tuple.
    dsk = {"a": 5, 1: (inc, "a"), "(1, 2)": (inc, 1), ("x", 0): (add, "(1, 2)", 1),
           ("x", 1): (add, (inc, ("x", 0)), 1)}
    with Profiler() as prof:
        assert dusk.get(dsk, ("x", 1)) == 20   # 1 is a key: 6
    keys = [t.key for t in prof.results]
    for k in (1, "(1, 2)", ("x", 0), ("x", 1)):
        assert keys.count(k) == 1, (k, keys)
    assert "a" not in keys     # a value, not a task
    assert "1" not in keys and (1, 2) not in keys
    assert ("x", 1, ".1") in keys   # the nested task's own key, from its text
    prof.clear()
    assert prof._keys == {}


def test_diagnostics_errors(tmp_path):
    with pytest.raises(ValueError):
        ResourceProfiler(dt=0.0001)
    with pytest.raises(TypeError, match="parsecs"):
        CacheProfiler(metric="parsecs")
    with pytest.raises(TypeError, match="len"):
        CacheProfiler(metric=len)
    with pytest.raises(TypeError):
        ProgressBar(out=42.5)
    with pytest.raises(TypeError):
        visualize(["not a profiler"])
    with Profiler() as prof:
        with pytest.raises(RuntimeError, match="already active"):
            prof.register()
    with pytest.raises(OSError):
        prof.write_report(str(tmp_path / "no" / "dir" / "r.html"))


def test_diagnostics_refuse_nan_and_name_the_value():
    # NaN passes every comparison-based range check; the message names the
    # number given (PyErr_Format has no %g).
    for dt in (-1.0, 0.0001, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="not %s" % dt):
            ResourceProfiler(dt=dt)
    for kw in ({"dt": float("nan")}, {"dt": float("inf")}, {"minimum": float("nan")}):
        with pytest.raises(ValueError, match="ProgressBar"):
            ProgressBar(**kw)


def test_view_runs_in_the_live_window(tmp_path, lecture_dsk):
    os.environ["SDL_VIDEODRIVER"] = "dummy"
    shot = tmp_path / "window.png"
    x = da.ones((15, 15), chunks=(5, 5))
    with dusk.view(close_when_done=True, screenshot=str(shot)):
        assert dusk.get(lecture_dsk, ["z", "b"]) == (13, 2)
        np.testing.assert_array_equal((x + x.T).compute(), np.full((15, 15), 2.0))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with dusk.view(close_when_done=True):
        with pytest.raises(ZeroDivisionError) as e:
            dusk.get({"a": 0, "bad": (lambda v: 1 / v, "a")}, "bad")
    assert e.value.__notes__ == ["raised by dusk task 'bad' (lambda)"]
    with dusk.view(close_when_done=True):
        assert dusk.get(lecture_dsk, "z", scheduler="view") == 13
        # The window's gathering task takes a name the graph does not have.
        assert dusk.get({"dusk-view-request": 5, "b": (sum, ["dusk-view-request"] * 2)},
                        ["b", "dusk-view-request"]) == (10, 5)
    # Slow motion arms the window's gate; Python's Ctrl-C gate beside it,
    # never armed, must not be called (it refused: "interrupted").
    t0 = time.monotonic()
    with dusk.view(delay=0.05, close_when_done=True):
        assert dusk.get(lecture_dsk, "z") == 13
        np.testing.assert_array_equal((x + x.T).compute(), np.full((15, 15), 2.0))
    assert time.monotonic() - t0 >= 0.05 * 3
    with pytest.raises(ValueError, match="theme"):
        with dusk.view(theme="neon"):
            pass
    with pytest.raises(OSError, match="cannot read the theme .*gone.theme"):
        with dusk.view(theme=str(tmp_path / "gone.theme")):
            pass
    bad = tmp_path / "bad.theme"
    bad.write_text("base = dark\nbackground = blue\n")
    with pytest.raises(ValueError, match="bad.theme:2: background 'blue' is not a colour"):
        with dusk.view(theme=str(bad)):
            pass
    mine = tmp_path / "mine.theme"
    mine.write_text("base = contrast\naccent = #ff8800\n")
    with dusk.view(theme=str(mine), close_when_done=True):
        assert dusk.get(lecture_dsk, "z") == 13
    with dusk.view(close_when_done=True):
        with pytest.raises(RuntimeError, match="already open"):
            with dusk.view():
                pass


def test_view_shows_the_users_graph_only():
    # The window runs the keys as they are asked for, one key or several,
    # however nested: no gathering task of dusk's shows in its graph,
    # counts or runs.
    os.environ["SDL_VIDEODRIVER"] = "dummy"
    dsk = {"a": 1, "x": (inc, "a")}
    for keys, want in (("x", 2), (["x"], (2,)), ([["x", "x"], "x"], ((2, 2), 2)),
                       (["x", "a"], (2, 1)), ([["a"], ["x", ["a"]]], ((1,), (2, (1,))))):
        with dusk.view(close_when_done=True):
            with Profiler() as p:
                assert dusk.get(dsk, keys) == want
        assert sorted(r.key for r in p.results) == ["x"], keys


def test_view_without_a_screen_returns():
    # SDL's dummy driver shows nothing and takes no input: nobody could
    # close the window, so a run in it returns once it has ended (it waited
    # for a close forever). In a process of its own, with a time limit.
    prog = ("import dusk\n"
            "print(dusk.get({'a': 1, 'b': (lambda x: x + 1, 'a')}, 'b', scheduler='view'))\n"
            "with dusk.view():\n"
            "    print(dusk.get({'a': 2}, 'a'))\n")
    env = dict(os.environ, SDL_VIDEODRIVER="dummy")
    r = subprocess.run([sys.executable, "-c", prog], env=env, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["2", "2"]


def test_progress_bar_writes_through_python_file_objects(capsys):
    # The bar goes through out.write: an io.StringIO, and by default
    # sys.stdout (as Dask's, so that it shows in a Jupyter cell).
    import io
    import re
    import time
    buf = io.StringIO()
    seen_mid_run = []

    def slow(i):
        time.sleep(0.01)
        if i == 40:
            # The run waits on this task while the bar (redrawn every dt,
            # written out by the calling thread every 0.1 s) shows up; a
            # loaded machine may take a while to wake either thread.
            deadline = time.monotonic() + 10
            while "% Completed" not in buf.getvalue() and time.monotonic() < deadline:
                time.sleep(0.01)
            seen_mid_run.append(buf.getvalue())
        return i

    dsk = {"x%d" % i: (slow, i) for i in range(60)}
    dsk["s"] = (sum, ["x%d" % i for i in range(60)])
    with ProgressBar(out=buf, dt=0.05):
        assert dusk.get(dsk, "s", num_workers=2) == sum(range(60))
    text = buf.getvalue()
    # the time in Dask's units ("1.23 ms", "1.00 s"), as its ProgressBar writes it
    assert re.search(r"\] \| 100% Completed \| [0-9]+\.[0-9]{2} m?s *\n$", text), text
    assert text.count("\r") >= 3, text   # redraws while the run went on
    assert "% Completed" in seen_mid_run[0], seen_mid_run   # written during the run
    with ProgressBar():
        assert dusk.get(lecture_dsk_small(), "b") == 2
    assert "100% Completed" in capsys.readouterr().out
    with pytest.raises(TypeError, match="write"):
        ProgressBar(out=3)


def test_diagnostics_visualize_writes_what_the_name_says(tmp_path):
    # .html: the report; .png/.svg/.pdf: the chart (an HTML page was written
    # under any name); another extension: ValueError, nothing written.
    from dusk.diagnostics import Profiler, ResourceProfiler, visualize
    with Profiler() as p, ResourceProfiler() as r:
        dusk.get({"a": 1, "b": (add, "a", 1)}, "b")
    heads = {".html": b"<!DOCTYPE html", ".png": b"\x89PNG", ".svg": b"<?xml", ".pdf": b"%PDF"}
    for ext, head in heads.items():
        path = str(tmp_path / ("d" + ext))
        assert visualize([p, r], filename=path) == path
        assert open(path, "rb").read(len(head)) == head, ext
    for bad in ("d.txt", "d", "d.json"):
        with pytest.raises(ValueError, match="HTML report"):
            visualize([p], filename=str(tmp_path / bad))
        assert not (tmp_path / bad).exists()


def test_exception_in_a_progress_bar_block_is_raised():
    # An exception inside `with ProgressBar():` (a task's, or the block's
    # own) reaches the caller as in Dask: the bar's drain cleared it, and
    # the interpreter crashed (exit 139) in a process of its own here.
    r = run_python("""
        import dusk
        from dusk.diagnostics import ProgressBar
        try:
            with ProgressBar():
                raise ValueError("mine")
        except ValueError as e:
            print("caught", e)
        def f():
            raise KeyError("boom")
        try:
            with ProgressBar():
                dusk.get({"a": (f,)}, "a")
        except KeyError as e:
            print("caught", e)
    """)
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("caught") == 2 and "mine" in r.stdout and "boom" in r.stdout


def test_progress_bar_shows_during_a_sync_run():
    # The sync scheduler runs the tasks on the caller's thread, which never
    # waited in pyd_run_wait, the only place that wrote the bar out: a sync
    # run showed no bar until it ended.
    import io
    buf = io.StringIO()
    seen_mid_run = []

    def slow(i):
        time.sleep(0.02)
        seen_mid_run.append(buf.getvalue())   # what the bar had shown by then
        return i

    dsk = {"x%d" % i: (slow, i) for i in range(60)}
    dsk["s"] = (sum, ["x%d" % i for i in range(60)])
    with ProgressBar(out=buf, dt=0.05):
        assert dusk.get(dsk, "s", scheduler="sync") == sum(range(60))
    assert any("% Completed" in t for t in seen_mid_run[:-1]), seen_mid_run[-1]
    assert "100% Completed" in buf.getvalue()


def lecture_dsk_small():
    return {"a": 1, "b": (inc, "a")}


def test_records_are_dasks_side_by_side():
    # The reviewer's graph, recorded by Dask's profilers and dusk's: the same
    # namedtuples (fields, order), the same keys (tasks run, literals not),
    # the task as the graph holds it (task[0] the function), metric 1.
    import dask
    from dask.diagnostics import CacheProfiler as DaskCache, Profiler as DaskProfiler
    from dask.sizeof import sizeof
    dsk = {"a": 1, "x": 10, "b": (inc, "a"), "y": (inc, "x"), "z": (add, "b", "y"),
           ("t", 0): (inc, "z")}
    with DaskProfiler() as dp, DaskCache() as dc:
        assert dask.get(dsk, ("t", 0)) == 14
    with Profiler() as p, CacheProfiler() as c:
        assert dusk.get(dsk, ("t", 0), scheduler="sync") == 14
    assert type(p.results[0])._fields == type(dp.results[0])._fields
    assert type(c.results[0])._fields == type(dc.results[0])._fields
    assert len(p.results) == len(dp.results) == 4
    assert [(r.key, r.task) for r in p.results] == [(r.key, r.task) for r in dp.results]
    assert p.results[0].task[0] is inc and p.results[2].task == (add, "b", "y")
    assert sorted(map(str, ((r.key, r.task, r.metric) for r in c.results))) == \
        sorted(map(str, ((r.key, r.task, r.metric) for r in dc.results)))
    for r in c.results:
        assert r.metric == 1 and 0 <= r.cache_time <= r.free_time
        assert isinstance(r.cache_time, float) and isinstance(r.free_time, float)
    for r in p.results:
        assert isinstance(r.start_time, float) and r.start_time <= r.end_time
    # metric=sizeof (dask's; cachey's nbytes alike): each result's bytes
    with CacheProfiler(metric=sizeof) as cb:
        (da.ones((4,), chunks=2) + 1).sum().compute()
    assert cb._metric_name == "sizeof"
    adds = [r for r in cb.results if r.key[0].startswith("add")]
    assert len(adds) == 2 and all(r.metric == 16 for r in adds)     # 2 float64


def test_array_tasks_are_tuples_naming_their_operation():
    from dusk.diagnostics import DuskOperation
    x = da.ones((4,), chunks=2)
    y = x + 1
    with Profiler() as p:
        y.compute()
    recs = {r.key: r.task for r in p.results}
    assert len(recs) == 4
    for k, t in recs.items():
        assert isinstance(t, tuple) and isinstance(t[0], DuskOperation)
        if k[0].startswith("add"):
            assert t[0].__name__ == "add"
            assert t[1:] == ((x.name, k[1]),)      # its input chunk's key, as Dask's
    with pytest.raises(TypeError, match="dusk's C operation"):
        next(iter(recs.values()))[0](1)


VIEW_INTERRUPTED = r"""
import os, signal, sys, time
import dusk, dusk.array as da
kind, out = sys.argv[1], sys.argv[2]
x = da.ones((10, 10), chunks=2)


class Mine(Exception):
    pass


def mine(signum, frame):
    raise Mine()


if kind == "handler":   # the user's own handler is the one that runs
    signal.signal(signal.SIGINT, mine)
print("ready", flush=True)
try:
    with dusk.view(start_paused=True):
        if kind == "compute":
            x.sum().compute()
        elif kind == "get":
            dusk.get({"a": 1, "b": (lambda v: v + 1, "a")}, "b")
        else:
            x.to_hdf5(out, "/x")
    print("not interrupted")
except KeyboardInterrupt:
    print("interrupted")
except Mine:
    print("interrupted by mine")
want = mine if kind == "handler" else signal.default_int_handler
print("handler restored", signal.getsignal(signal.SIGINT) is want)
"""


@pytest.mark.parametrize("kind", ["compute", "get", "store", "handler"])
def test_view_paused_stops_at_ctrl_c(tmp_path, kind):
    """Ctrl-C closes a paused live window and raises KeyboardInterrupt; before,
    the window's loop kept the main thread, where Python waits to see the
    signal, and the paused run never ended."""
    env = dict(os.environ, SDL_VIDEODRIVER="dummy",
               PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    out = tmp_path / "x.h5"
    p = subprocess.Popen([sys.executable, "-c", VIEW_INTERRUPTED, kind, str(out)], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert p.stdout.readline() == "ready\n"
    time.sleep(1.5)   # the window open and paused
    p.send_signal(signal.SIGINT)
    try:
        stdout, stderr = p.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        p.kill()
        pytest.fail("the paused window did not stop at Ctrl-C")
    said = "interrupted by mine" if kind == "handler" else "interrupted"
    assert stdout == said + "\nhandler restored True\n", (stdout, stderr)
    assert p.returncode == 0, stderr
    assert not out.exists()   # nothing half-written
