"""dusk.diagnostics: dask.diagnostics' context managers on dusk's profiler (libdusk-profiler).

    from dusk.diagnostics import Profiler, ResourceProfiler, CacheProfiler, ProgressBar, visualize
    with Profiler() as prof, ResourceProfiler(dt=0.01) as rprof, ProgressBar():
        r.compute()
    visualize([prof, rprof], filename="profile.html")   # dusk's HTML report
    prof.write_trace("trace.json")                      # for Perfetto / chrome://tracing

Every computation started inside the block, dusk.get and dusk arrays alike, is
recorded. Each profiler records everything dusk measures (tasks, resources and
cache), so a report made from any of them is complete; .results shows each one's
share, in Dask's namedtuples: the tasks run (a graph's literals are not tasks),
each with the task as the graph holds it (dsk[key]; for a dusk array, whose
tasks are C, (DuskOperation('add'), *input keys)).
"""
import ast
from collections import namedtuple

from . import _dusk

__all__ = ["Profiler", "ResourceProfiler", "CacheProfiler", "ProgressBar", "visualize",
           "TaskData", "ResourceData", "CacheData", "DuskOperation", "Callback"]

TaskData = namedtuple("TaskData", ["key", "task", "start_time", "end_time", "worker_id"])
ResourceData = namedtuple("ResourceData", ["time", "mem", "cpu"])
CacheData = namedtuple("CacheData", ["key", "task", "metric", "cache_time", "free_time"])
# dusk's own: what the scheduler held per task group (key_split), a step series
GroupCacheData = namedtuple("GroupCacheData", ["group", "time", "value"])


class DuskOperation:
    """The function of a dusk array's task in TaskData.task/CacheData.task: dusk
    runs it in C, so this names it (task[0].__name__, 'add', 'sum-partial' ...)
    where Dask's tuple holds the Python function; calling it says so."""

    __slots__ = ("__name__",)

    def __init__(self, name):
        self.__name__ = name

    def __call__(self, *args, **kwargs):
        raise TypeError("%s is dusk's C operation, run by dusk's scheduler: it cannot be "
                        "called from Python" % self.__name__)

    def __eq__(self, other):
        return isinstance(other, DuskOperation) and other.__name__ == self.__name__

    def __hash__(self):
        return hash(self.__name__)

    def __repr__(self):
        return "DuskOperation(%r)" % self.__name__


def _tasks_run(prof):
    """[(key, task, start, end, worker, nbytes, released)] of the tasks the
    profiler saw run to their end, in the order they started; the graph's
    literals ('(value)' records) are not tasks, as in Dask's records."""
    recs = prof._tasks()
    keys = prof._keys   # the keys dusk.get met whose text does not say them
    graphs = prof._graphs

    def key_of(text):
        return keys[text] if text in keys else _key(text)

    out = []
    for k, f, s, e, w, b, st, _r, rel, deps in recs:
        if f == "(value)" or st != 0:
            continue
        key = key_of(k)
        task = _missing = object()
        for g in reversed(graphs):   # the latest run holding the key
            try:
                task = g[key]
                break
            except (KeyError, TypeError):
                pass
        if task is _missing:
            task = (DuskOperation(f),) + tuple(key_of(recs[d][0]) for d in deps)
        out.append((key, task, s, e, w, b, rel))
    return out


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
        return [TaskData(k, t, s, e, w) for k, t, s, e, w, _b, _rel in _tasks_run(self)]


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


# Metric functions dusk can apply after the run: the result's size in bytes,
# which dusk measures as each task ends (cachey's nbytes, dask's sizeof).
_BYTES_METRICS = ("nbytes", "sizeof")


class CacheProfiler(_Base):
    """Dask's: .results is a list of CacheData(key, task, metric, cache_time,
    free_time), one per task run, metric 1 (metric=None, as Dask) or its result's
    bytes (metric=nbytes, cachey's, or dask.sizeof.sizeof; 'bytes' and 'count'
    also name them). .group_results: dusk's series of what the scheduler held
    per task group, GroupCacheData(group, time, value)."""

    def __init__(self, metric=None, metric_name=None, **kwargs):
        pass

    def __new__(cls, metric=None, metric_name=None, **kwargs):
        if metric is None or metric == "count":
            kind = "count"
        elif metric == "bytes" or getattr(metric, "__name__", None) in _BYTES_METRICS:
            kind = "bytes"
        else:
            raise TypeError("dusk's CacheProfiler measures results by count (metric=None) "
                            "or bytes (metric=nbytes or dask.sizeof.sizeof); it cannot "
                            "call %r on them" % (metric,))
        self = super().__new__(cls, cache_metric=kind)
        self._bytes = kind == "bytes"
        self._metric_name = metric_name or (
            kind if isinstance(metric, str) or metric is None else metric.__name__)
        return self

    @property
    def results(self):
        return [CacheData(k, t, b if self._bytes else 1, e, rel)
                for k, t, _s, e, _w, b, rel in
                sorted(_tasks_run(self), key=lambda r: (r[6], r[3]))]

    @property
    def group_results(self):
        return [GroupCacheData(g, t, v) for g, series in self._cache().items() if g
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
    dusk writes one self-contained page with the same panels), or for a filename
    ending in .png, .svg or .pdf the same panels as a chart. graph: a dusk array
    or Delayed whose picture goes in the report. Returns filename."""
    if isinstance(profilers, _Base):
        profilers = [profilers]
    profs = [p for p in profilers if isinstance(p, _Base)]
    if not profs:
        raise TypeError("visualize takes dusk.diagnostics profilers")
    ext = __import__("os").path.splitext(str(filename))[1].lower()
    if ext not in (".html", ".htm", ".png", ".svg", ".pdf"):
        # an HTML page under any other name would be a file nothing opens
        raise ValueError("visualize writes an HTML report (.html, .htm) or a chart (.png, "
                         ".svg, .pdf), not %r" % (str(filename),))
    svg = None
    if graph is not None:
        svg = graph.visualize(None, format="svg")
        svg = getattr(svg, "data", svg)
        svg = svg.decode() if isinstance(svg, bytes) else svg
    # The first profiler that recorded tasks holds the whole record.
    best = max(profs, key=lambda p: len(p._tasks()))
    if ext in (".png", ".svg", ".pdf"):
        best._write("chart", filename, title)
    else:
        best._write("report", filename, title, svg)
    if show:
        import webbrowser
        webbrowser.open("file://" + __import__("os").path.abspath(filename))
    return filename


class _RunKeys(dict):
    """The dsk a Callback gets for a run of dusk arrays, whose graph is C's:
    each key of the run, as Dask keys it, with (DuskOperation(its function),)."""


class Callback:
    """dask.callbacks.Callback (dask.diagnostics.Callback) on dusk's runs: its
    _start(dsk), _start_state(dsk, state), _pretask(key, dsk, state),
    _posttask(key, result, dsk, state, worker_id) and _finish(dsk, state,
    errored), given to the constructor or defined by a subclass, are called
    for every computation started inside the block (or from register() until
    unregister()), dusk.get's and dusk arrays' alike:

        class PrintKeys(Callback):
            def _pretask(self, key, dsk, state):
                print("computing", key)
        with PrintKeys():
            dusk.get(dsk, "z")

    pretask and posttask run on the worker that runs the task, each holding
    Python's lock while it runs (keep them short). dsk is the graph dusk.get
    was given, or, for dusk arrays (tasks in C), each key of the run with
    (DuskOperation(its function),); state, which is Dask's scheduler's own
    dict, is None. A callback that raises stops the run: the computation
    raises dusk.DuskError naming it, and .exception holds what it raised; at
    the end of a with block, the callback's exception itself is raised, as
    Dask raises it."""

    active = set()   # the callbacks registered, as Dask's class attribute

    def __init__(self, start=None, start_state=None, pretask=None, posttask=None,
                 finish=None):
        for name, f in (("_start", start), ("_start_state", start_state),
                        ("_pretask", pretask), ("_posttask", posttask), ("_finish", finish)):
            if f is not None:
                if not callable(f):
                    raise TypeError("Callback: %s must be callable, not %s"
                                    % (name[1:], type(f).__name__))
                setattr(self, name, f)
        self._listener = _dusk.Listener(self)
        self._dsk = None
        self.exception = None

    @property
    def _callback(self):
        return tuple(getattr(self, "_" + n, None)
                     for n in ("start", "start_state", "pretask", "posttask", "finish"))

    def __enter__(self):
        self.register()
        return self

    def __exit__(self, etype, exc, tb):
        self.unregister()
        # the run stopped for a hook: the hook's own exception, as Dask's
        if isinstance(exc, _dusk.DuskError) and self.exception is not None and \
                "dusk.diagnostics.Callback" in str(exc):
            raise self.exception from exc
        return False

    def register(self):
        self._listener._start()
        Callback.active.add(self._callback)

    def unregister(self):
        self._listener._stop()
        Callback.active.discard(self._callback)

    # called by dusk's scheduler (_dusk.Listener), Python's lock held
    def _dusk_start(self, dsk, keys):
        self.exception = None
        if dsk is None:
            dsk = _RunKeys((_key(k), (DuskOperation(f),)) for k, f in keys or ())
        self._dsk = dsk
        if hasattr(self, "_start"):
            self._start(dsk)
        if hasattr(self, "_start_state"):
            self._start_state(dsk, None)

    def _run_key(self, text):
        key = _key(text)
        dsk = self._dsk
        if dsk is not None and not isinstance(dsk, _RunKeys):
            try:
                if key not in dsk:   # a key whose text does not say it (1, "(1, 2)")
                    for k in dsk:
                        if str(k) == text or repr(k) == text:
                            return k
            except TypeError:
                pass
        return key

    def _dusk_pretask(self, text, worker):
        if hasattr(self, "_pretask"):
            self._pretask(self._run_key(text), self._dsk, None)

    def _dusk_posttask(self, text, result, status, worker):
        if hasattr(self, "_posttask"):
            self._posttask(self._run_key(text), result, self._dsk, None, worker)

    def _dusk_finish(self, status):
        if hasattr(self, "_finish"):
            self._finish(self._dsk, None, status != 0)
        self._dsk = None

    @property
    def _dusk_error(self):
        return self.exception

    @_dusk_error.setter
    def _dusk_error(self, e):
        self.exception = e
