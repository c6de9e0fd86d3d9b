"""How a run lives next to the Python that started it: the listeners it was
given stay alive until it ends, and ^C stops it. Each case runs in a
python3 of its own (a crash or a signal must not take pytest with it)."""
import os
import time

from conftest import run_python


def test_progress_bar_dropped_while_its_run_goes_on():
    # The review's case 1: the bar unregistered and collected while another
    # thread's run, started under it, still calls it.
    p = run_python("""
        import dusk, threading, time, gc, os
        from dusk.diagnostics import ProgressBar
        def slow(i):
            time.sleep(0.002)
            return i
        dsk = {f'x{i}': (slow, i) for i in range(1000)}
        dsk['s'] = (sum, list(dsk))
        b = ProgressBar(out=open(os.devnull, 'w'))
        b.register()
        res = []
        t = threading.Thread(target=lambda: res.append(dusk.get(dsk, 's', num_workers=2)))
        t.start()
        time.sleep(0.3)
        b.unregister()
        del b
        gc.collect()
        t.join()
        print(res[0])
    """)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == [str(sum(range(1000)))]


def test_ctrl_c_stops_a_threaded_run():
    # The review's case 2: 40 tasks of 0.2 s on 2 workers take 4 s; ^C at
    # 0.5 s raises KeyboardInterrupt once the running tasks have finished.
    p = run_python("""
        import dusk, time, signal, threading, os
        dsk = {f'x{i}': (time.sleep, 0.2) for i in range(40)}
        dsk['s'] = (len, list(dsk))
        threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
        t0 = time.monotonic()
        try:
            dusk.get(dsk, 's', num_workers=2)
            print('finished')
        except KeyboardInterrupt:
            print('interrupted', time.monotonic() - t0)
        # the module still works afterwards
        print(dusk.get({'a': 1, 'b': (len, ['a', 'a'])}, 'b'))
    """)
    assert p.returncode == 0, p.stderr
    words = p.stdout.split()
    assert words[0] == "interrupted", p.stdout
    assert float(words[1]) < 3.0, p.stdout   # not the 4 s of every task
    assert words[2] == "2"


def test_array_compute_lets_other_python_threads_run():
    # compute() runs without the GIL: a thread ticking every 10 ms goes on.
    import threading

    import dusk.array as da
    x = da.random.normal(size=(1500, 1500), chunks=500)
    ticks, stop = [0], threading.Event()

    def tick():
        while not stop.is_set():
            time.sleep(0.01)
            ticks[0] += 1

    t = threading.Thread(target=tick)
    t.start()
    t0 = time.monotonic()
    try:
        total = x.dot(x.T).sum().compute()
    finally:
        elapsed = time.monotonic() - t0
        stop.set()
        t.join()
    assert total > 0
    # at least an eighth of the ticks a free thread gets, on a loaded
    # machine (a thread blocked by the GIL gets none)
    assert ticks[0] >= elapsed / 0.01 / 8, (ticks[0], elapsed)


def test_ctrl_c_stops_an_array_computation(tmp_path):
    p = run_python("""
        import dusk.array as da, time, signal, threading, os, sys
        x = da.random.normal(size=(3000, 3000), chunks=300)
        threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
        t0 = time.monotonic()
        try:
            (x.dot(x.T) + 1).sum().compute(num_workers=2)
            print('finished', time.monotonic() - t0)
        except KeyboardInterrupt:
            print('interrupted', time.monotonic() - t0)
        # a store stopped so leaves no file behind
        threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
        try:
            (x.dot(x.T) + 1).to_hdf5(%r, '/x', num_workers=2)
            print('stored')
        except KeyboardInterrupt:
            print('interrupted', os.path.exists(%r))
        print(float(da.ones(4, chunks=2).sum().compute()))
    """ % (str(tmp_path / "x.h5"), str(tmp_path / "x.h5")))
    assert p.returncode == 0, p.stderr
    words = p.stdout.split()
    assert words[0] == "interrupted" and float(words[1]) < 3, p.stdout
    assert words[2:] == ["interrupted", "False", "4.0"], p.stdout


def helper_threads():
    """The tids of this process's threads named dusk-helper (Linux)."""
    tids = []
    for tid in os.listdir("/proc/self/task"):
        try:
            with open("/proc/self/task/%s/comm" % tid) as f:
                if f.read().strip() == "dusk-helper":
                    tids.append(int(tid))
        except FileNotFoundError:
            pass   # a thread that has just ended
    return tids


def test_threaded_runs_share_one_helper_thread():
    # A thread made per run cost a tiny graph most of a millisecond: the
    # helper that runs the computation while the caller watches for ^C is
    # made once and kept.
    import operator

    import dusk

    dsk = {"a": 1, "b": (operator.add, "a", 1)}
    assert dusk.get(dsk, "b", scheduler="threads") == 2
    first = helper_threads()
    assert len(first) == 1
    for i in range(50):
        assert dusk.get(dsk, "b", scheduler="threads", num_workers=1 + i % 2) == 2
    assert helper_threads() == first


def test_runs_while_the_helper_is_busy():
    # A task that computes a graph of its own, and other Python threads'
    # runs, find the helper busy: they get a thread of their own.
    p = run_python("""
        import dusk, operator, threading
        def inner(x):
            return dusk.get({'a': x, 'b': (operator.mul, 'a', 2)}, 'b', scheduler='threads')
        dsk = {f'x{i}': (inner, i) for i in range(20)}
        dsk['s'] = (sum, list(dsk))
        out = {}
        def run(j):
            out[j] = dusk.get(dsk, 's', scheduler='threads', num_workers=2)
        ts = [threading.Thread(target=run, args=(j,)) for j in range(4)]
        for t in ts: t.start()
        for t in ts: t.join()
        print(sorted(out.values()))
    """)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == str([380] * 4)


def test_forked_child_makes_its_own_helper():
    p = run_python("""
        import dusk, operator, os
        dsk = {'a': 1, 'b': (operator.add, 'a', 1)}
        assert dusk.get(dsk, 'b', scheduler='threads') == 2
        pid = os.fork()
        if pid == 0:
            ok = dusk.get(dsk, 'b', scheduler='threads') == 2
            os._exit(0 if ok else 3)
        _, status = os.waitpid(pid, 0)
        print(os.waitstatus_to_exitcode(status), dusk.get(dsk, 'b', scheduler='threads'))
    """)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == ["0", "2"]


def test_subinterpreter_ends_after_threaded_runs():
    # The threads scheduler's workers outlive runs, and keep a Python thread
    # state for their life; a subinterpreter's may not outlive it:
    # Py_EndInterpreter refuses ("interpreter has more than one thread"), and
    # Python aborts at exit. Runs in the main interpreter keep working.
    p = run_python("""
        import _xxsubinterpreters as interp
        code = '''
        import dusk
        def inc(x):
            return x + 1
        dsk = {('a', i): (inc, i) for i in range(40)}
        dsk['s'] = (sum, [('a', i) for i in range(40)])
        for _ in range(3):
            assert dusk.get(dsk, 's', scheduler='threads', num_workers=3) == 820
        '''
        import dusk
        exec(code)
        for _ in range(5):
            sid = interp.create()
            interp.run_string(sid, code)
            interp.destroy(sid)
            exec(code)
        print('ok')
    """)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == ["ok"]
