"""How a run lives next to the Python that started it: the listeners it was
given stay alive until it ends, and ^C stops it. Each case runs in a
python3 of its own (a crash or a signal must not take pytest with it)."""
import os
import subprocess
import sys
import textwrap
import time


def run_python(code, timeout=60):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env,
                          capture_output=True, text=True, timeout=timeout)


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
    assert float(words[1]) < 1.5, p.stdout
    assert words[2] == "2"
