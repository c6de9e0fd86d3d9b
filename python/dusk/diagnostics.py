"""dusk.diagnostics: dask.diagnostics' context managers on dusk's profiler (libdusk-profiler).

    from dusk.diagnostics import Profiler, ResourceProfiler, CacheProfiler, ProgressBar, visualize
    with Profiler() as prof, ResourceProfiler(dt=0.01) as rprof, ProgressBar():
        r.compute()
    visualize([prof, rprof], filename="profile.html")   # dusk's HTML report
    prof.write_trace("trace.json")                      # for Perfetto / chrome://tracing

Every computation started inside the block, dusk.get and dusk arrays alike, is
recorded. Each profiler records everything dusk measures (tasks, resources and
cache), so a report made from any of them is complete; .results shows each one's
share, in Dask's namedtuples.
"""
import ast
from collections import namedtuple

from . import _dusk

__all__ = ["Profiler", "ResourceProfiler", "CacheProfiler", "ProgressBar", "visualize"]

TaskData = namedtuple("TaskData", ["key", "task", "start_time", "end_time", "worker_id"])
ResourceData = namedtuple("ResourceData", ["time", "mem", "cpu"])
CacheData = namedtuple("CacheData", ["group", "time", "value"])


def _key(text):
    """A key as Python had it: dusk keeps tuple keys as Dask prints them."""
    if text.startswith("("):
        try:
            return ast.literal_eval(text)
        except (ValueError, SyntaxError):
            pass
    return text


class _Base(_dusk.Profile):
    _block = False

    def __enter__(self):
        self._start(self._block)
        # As Dask's: a block starts with no records (a profiler used for two
        # blocks shows the second's runs); register() keeps what it has.
        self.clear()
        return self

    def __exit__(self, *exc):
        self._stop()
        return False

    def register(self):
        """Records every computation from now on (until unregister())."""
        self._start(self._block)

    def unregister(self):
        self._stop()

    def write_report(self, filename="dusk-report.html", title=None, graph_svg=None):
        """The self-contained HTML report (summary, task stream, memory, CPU, cache)."""
        self._write("report", filename, title, graph_svg)
        return filename

    def write_trace(self, filename="dusk-trace.json"):
        """A Chrome trace: load it in Perfetto (ui.perfetto.dev) or chrome://tracing."""
        self._write("trace", filename)
        return filename

    def write_chart(self, filename="dusk-profile.png", title=None):
        self._write("chart", filename, title)
        return filename

    def write_csv(self, filename, kind="tasks"):
        """kind: 'tasks', 'resources' or 'cache'."""
        self._write(kind + ".csv", filename)
        return filename

    def visualize(self, filename="dusk-report.html", **kwargs):
        return visualize([self], filename=filename, **kwargs)


class Profiler(_Base):
    """Task timings: .results is a list of TaskData(key, task, start_time, end_time, worker_id)."""

    @property
    def results(self):
        keys = self._keys   # the keys dusk.get met whose text does not say them
        return [TaskData(keys[k] if k in keys else _key(k), f, s, e, w)
                for k, f, s, e, w, _b, _st, _r in self._tasks()]


class ResourceProfiler(_Base):
    """Memory (RSS, MB) and CPU (%) over the whole block: .results of ResourceData."""

    _block = True

    def __init__(self, dt=0.0, **kwargs):
        pass

    def __new__(cls, dt=0.0, **kwargs):
        return super().__new__(cls, dt=dt)

    @property
    def results(self):
        return [ResourceData(t, rss / 1e6, cpu) for t, rss, _held, cpu in self._samples()]


class CacheProfiler(_Base):
    """What the scheduler held per task group over time (metric 'bytes' or 'count')."""

    def __init__(self, metric="bytes", **kwargs):
        pass

    def __new__(cls, metric="bytes", **kwargs):
        if callable(metric):
            raise TypeError("dusk's CacheProfiler counts 'bytes' or 'count', not a function")
        return super().__new__(cls, cache_metric=metric)

    @property
    def results(self):
        return [CacheData(g, t, v) for g, series in self._cache().items() if g
                for t, v in series]


class ProgressBar(_dusk.Progress):
    """[########                ] | 35% Completed | 1.20 s, drawn by dusk's C thread."""

    def __enter__(self):
        self._start()
        return self

    def __exit__(self, *exc):
        self._stop()
        return False

    def register(self):
        self._start()

    def unregister(self):
        self._stop()


def visualize(profilers, filename="dusk-report.html", show=False, save=True, title=None,
              graph=None, **kwargs):
    """Writes dusk's HTML report of the profiled runs (Dask draws a bokeh figure;
    dusk writes one self-contained page with the same panels). graph: a dusk array
    or Delayed whose picture goes in the report. Returns filename."""
    if isinstance(profilers, _Base):
        profilers = [profilers]
    profs = [p for p in profilers if isinstance(p, _Base)]
    if not profs:
        raise TypeError("visualize takes dusk.diagnostics profilers")
    svg = None
    if graph is not None:
        svg = graph.visualize(None, format="svg")
        svg = getattr(svg, "data", svg)
        svg = svg.decode() if isinstance(svg, bytes) else svg
    # The first profiler that recorded tasks holds the whole record.
    best = max(profs, key=lambda p: len(p._tasks()))
    best._write("report", filename, title, svg)
    if show:
        import webbrowser
        webbrowser.open("file://" + __import__("os").path.abspath(filename))
    return filename
