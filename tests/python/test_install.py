"""make install puts the package where Debian's python3 finds it (DESTDIR and PREFIX honoured)."""
import os
import subprocess
import sys

from conftest import ROOT


def test_make_install_python(tmp_path):
    san = os.environ.get("DUSK_TEST_SANITIZE", "")
    # make itself must not run with the sanitizers' runtime preloaded.
    plain = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "ASAN_OPTIONS")}
    # -o python: install what `make test` built, without building again (with other
    # flags than the outer make's, it would rebuild the tree the other tests use).
    subprocess.run(["make", "-s", "--no-print-directory", "-o", "python", "install-python",
                    "DESTDIR=%s" % tmp_path, "PREFIX=/usr/local", "SANITIZE=%s" % san], cwd=ROOT,
                   env=plain, check=True, stdout=subprocess.DEVNULL)
    site = tmp_path / ("usr/local/lib/python%d.%d/dist-packages" % sys.version_info[:2])
    assert sorted(p.name for p in (site / "dusk").iterdir() if p.suffix == ".py") == \
        ["__init__.py", "array.py", "blocks.py", "delayed.py", "diagnostics.py", "fft.py",
         "gufunc.py", "linalg.py", "multiprocessing.py", "overlap.py", "threaded.py"]
    out = subprocess.run([sys.executable, "-c",
                          "import dusk, dusk.array as da; print(dusk.__file__); "
                          "print(dusk.get({'a': 1, 'b': (sum, ['a', 'a'])}, 'b'), "
                          "da.arange(10, chunks=3).sum().compute(), "
                          "da.linalg.norm(da.ones(4, chunks=3)).compute(), "
                          "da.apply_gufunc(lambda v: v.sum(-1), '(i)->()', "
                          "da.ones(3, chunks=3)).compute())"],
                         cwd=str(tmp_path), env=dict(os.environ, PYTHONPATH=str(site)),
                         check=True, capture_output=True, text=True).stdout.split()
    assert out[0].startswith(str(site)) and out[1:] == ["2", "45", "2.0", "3.0"]
    # /usr goes to Debian's own dist-packages.
    dry = subprocess.run(["make", "-s", "-n", "--no-print-directory", "-o", "python", "install-python",
                          "PREFIX=/usr",
                          "SANITIZE=%s" % san], cwd=ROOT, env=plain, check=True, capture_output=True,
                         text=True)
    assert "/usr/lib/python3/dist-packages/dusk" in dry.stdout
