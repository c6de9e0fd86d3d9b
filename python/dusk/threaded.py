"""dusk.threaded, as dask.threaded: the lecture's `import dask.threaded as dthr` and
`from dask.threaded import get` with dask replaced by dusk."""
from . import get as _get

__all__ = ["get"]


def get(dsk, keys, num_workers=None, **kwargs):
    """dusk.get on the threads scheduler, as dask.threaded.get (Dask's own options,
    pool= and the like, are accepted and not used; so is scheduler=, which Dask's
    threaded get ignores too)."""
    kwargs.pop("scheduler", None)
    return _get(dsk, keys, scheduler="threads", num_workers=num_workers, **kwargs)
