"""dusk for Python: Dask's task graphs, arrays and diagnostics on dusk's C core.

    import dusk
    dusk.get(dsk, 'z')                     # as dask.get / dask.threaded.get
    dask.compute(x, scheduler=dusk.get)    # Dask's collections on dusk's scheduler
    import dusk.array as da                # dask.array on libdusk-array
    with dusk.view(): ...                  # computations in the live window
"""
import contextlib

from ._dusk import DuskError, get, ncores, visualize_graph, __version__

__all__ = ["get", "compute", "Delayed", "view", "visualize_graph", "ncores", "DuskError",
           "__version__"]


def _first(results):
    return results[0]


class Delayed:
    """A key of a Dask graph, as dask.delayed.Delayed(key, dsk) in the lecture."""

    def __init__(self, key, dsk):
        self.key = key
        self.dask = dsk

    def __dask_graph__(self):
        return self.dask

    def __dask_keys__(self):
        return [self.key]

    # The rest of Dask's collection protocol: dask.compute and dask.persist
    # take a dusk.Delayed as one of theirs, run by dusk.get.
    __dask_scheduler__ = staticmethod(get)

    def __dask_postcompute__(self):
        return _first, ()

    def __dask_postpersist__(self):
        return self._rebuild, ()

    def _rebuild(self, dsk, rename=None):
        key = rename.get(self.key, self.key) if rename else self.key
        return Delayed(key, dsk)

    def __dask_tokenize__(self):
        return self.key

    def __repr__(self):
        return "Delayed(%r)" % (self.key,)

    def compute(self, scheduler=None, num_workers=None, **kwargs):
        return get(self.dask, self.key, scheduler=scheduler, num_workers=num_workers)

    def visualize(self, filename=None, format=None, color=None, rankdir=None,
                  collapse_outputs=False, verbose=False, **kwargs):
        """The graph's picture, as dusk.array.Array.visualize gives it: written to
        filename, or returned when no filename is given."""
        from .array import _image, _image_file, _picture_name
        filename = _picture_name(filename, format)
        r = visualize_graph(self.dask, filename, format, color, rankdir, collapse_outputs, verbose)
        return _image(r, format or "png") if filename is None else _image_file(filename, format)


def compute(*args, scheduler=None, num_workers=None, traverse=True, **kwargs):
    """The values of dusk arrays and Delayed objects (others pass through), as a tuple;
    as Dask's, those inside lists, tuples, sets and dicts too (unless traverse=False)."""
    def value(a):
        if hasattr(a, "compute") and type(a).__module__.startswith("dusk"):
            return a.compute(scheduler=scheduler, num_workers=num_workers)
        if traverse and type(a) in (list, tuple, set, frozenset):
            return type(a)(value(x) for x in a)
        if traverse and type(a) is dict:
            return {k: value(v) for k, v in a.items()}
        return a
    return tuple(value(a) for a in args)


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
