"""dusk for Python: Dask's task graphs, arrays and diagnostics on dusk's C core.

    import dusk
    dusk.get(dsk, 'z')                     # as dask.get / dask.threaded.get
    dask.compute(x, scheduler=dusk.get)    # Dask's collections on dusk's scheduler
    import dusk.array as da                # dask.array on libdusk-array
    dusk.delayed(f)(x).compute()           # dask.delayed
    with dusk.view(): ...                  # computations in the live window
"""
import contextlib

from ._dusk import DuskError, get, ncores, visualize_graph, __version__

from .delayed import Delayed, delayed, _is_dusk_array   # dusk.delayed: the function

__all__ = ["get", "compute", "persist", "visualize", "Delayed", "delayed", "view", "visualize_graph",
           "ncores", "DuskError", "__version__"]


def compute(*args, scheduler=None, num_workers=None, traverse=True, **kwargs):
    """The values of dusk arrays and Delayed objects (others pass through), as a tuple;
    as Dask's, those inside lists, tuples, sets and dicts too (unless traverse=False).
    The Delayed run together, in one run of their joined graphs, and so do the dusk
    arrays, so that what they share (an input read, a mean) is computed once."""
    found, arrays = _collect(args, traverse)
    values = {}
    if found or arrays:
        # the arrays, and those the Delayed use, in one run of their joined graph
        from .delayed import _run_graph
        dsk, got = _run_graph(found.values(), scheduler, num_workers, arrays.values())
        values.update(zip(arrays, got))   # by id: the arrays are alive in args meanwhile
        if found:
            keys = list(found)
            values.update(zip(keys, get(dsk, keys, scheduler=scheduler,
                                        num_workers=num_workers)))

    def value(a):
        if isinstance(a, Delayed):
            return values[a.key]
        if _is_dusk_array(a):
            return values[id(a)]
        if hasattr(a, "compute") and type(a).__module__.startswith("dusk"):
            return a.compute(scheduler=scheduler, num_workers=num_workers)
        if traverse and type(a) in (list, tuple, set, frozenset):
            return type(a)(value(x) for x in a)
        if traverse and type(a) is dict:
            return {k: value(v) for k, v in a.items()}
        return a
    return tuple(value(a) for a in args)


def _collect(args, traverse):
    """The Delayed objects (by key) and dusk arrays (by id) among args, and,
    unless traverse is false, inside their lists, tuples, sets and dicts, as
    Dask's unpack_collections finds them."""
    found, arrays = {}, {}

    def collect(a):
        if isinstance(a, Delayed):
            found[a.key] = a
        elif _is_dusk_array(a):
            arrays[id(a)] = a
        elif traverse and type(a) in (list, tuple, set, frozenset):
            for x in a:
                collect(x)
        elif traverse and type(a) is dict:
            for x in a.values():
                collect(x)

    for a in args:
        collect(a)
    return found, arrays


def persist(*args, scheduler=None, num_workers=None, traverse=True, **kwargs):
    """As dask.persist: the dusk arrays and Delayed objects among args (and, unless
    traverse=False, inside their lists, tuples, sets and dicts) computed now and held,
    as a tuple; the Delayed run together, as compute runs them. Those inside a set
    are computed once more, together: a set's values cannot be paired with its
    items by position."""
    from .delayed import _held
    values = compute(*args, scheduler=scheduler, num_workers=num_workers, traverse=traverse)

    def held(a, v):
        if isinstance(a, Delayed):
            return _held(a.key, v, a._length)
        if hasattr(a, "persist") and type(a).__module__.startswith("dusk"):
            from .array import from_array
            return from_array(v, chunks=a.chunks)
        if traverse and type(a) in (list, tuple, set, frozenset) and type(a) is type(v):
            if type(a) in (set, frozenset):   # no order to pair them by: all again, in one run
                return type(a)(persist(*a, scheduler=scheduler, num_workers=num_workers))
            return type(a)(held(x, y) for x, y in zip(a, v))
        if traverse and type(a) is dict:
            return {k: held(a[k], v[k]) for k in a}
        return a
    return tuple(held(a, v) for a, v in zip(args, values))


def visualize(*args, filename="mydask", traverse=True, format=None, color=None, rankdir=None,
              collapse_outputs=False, verbose=False, view=None, **kwargs):
    """One picture of several computations, as dask.visualize(a, b): dusk arrays
    (their joined graph: what they share, an input read or a mean, is drawn
    once), or Delayed objects (their graphs merged). Those inside lists, tuples,
    sets and dicts are found too, unless traverse=False, as Dask 2022.12 finds
    them (a dict is searched, not drawn: dusk.visualize_graph draws a graph). The
    file and what is returned are those of Array.visualize."""
    from .array import _image, _image_file, _picture_name, _shown_format, _viz_keywords
    _viz_keywords(color, kwargs)
    found, arrays = _collect(args, traverse)
    graphs = [d.dask for d in found.values()]
    if arrays and graphs:
        raise NotImplementedError("visualize: dusk draws dusk arrays together, or Delayed "
                                  "objects together, not both in one picture; draw them "
                                  "apart")
    if not arrays and not graphs:
        raise ValueError("visualize: nothing to draw: give dusk arrays or Delayed objects "
                         "(a task graph, a dict, is drawn by dusk.visualize_graph)")
    filename = _picture_name(filename, format)
    how = (filename, format, color, rankdir, collapse_outputs, verbose, view)
    if arrays:
        from .array import Array, _locked
        with _locked:   # no compaction moves them meanwhile
            r = Array._visualize_many(list(arrays.values()), *how)
    else:
        dsk = {}
        for g in graphs:
            dsk.update(g)
        r = visualize_graph(dsk, *how)
    if filename is None:
        return _image(r, _shown_format(format or "png"))
    return _image_file(filename, format)


@contextlib.contextmanager
def view(delay=0.0, start_paused=False, close_when_done=False, theme=None, title=None,
         screenshot=None, width=0, height=0):
    """Computations inside the block run in dusk's live window (the graph running,
    the chunk map, the task stream, memory), which stays open after each run until
    it is closed (q), unless close_when_done. Also scheduler='view'."""
    _dusk_view_begin(delay=delay, start_paused=start_paused, close_when_done=close_when_done,
                     theme=theme, title=title, screenshot=screenshot, width=width, height=height)
    try:
        yield
    finally:
        _dusk_view_end()


from ._dusk import _view_begin as _dusk_view_begin, _view_end as _dusk_view_end  # noqa: E402
