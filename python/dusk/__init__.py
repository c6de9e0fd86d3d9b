"""dusk for Python: Dask's task graphs, arrays and diagnostics on dusk's C core.

    import dusk
    dusk.get(dsk, 'z')                     # as dask.get / dask.threaded.get
    dask.compute(x, scheduler=dusk.get)    # Dask's collections on dusk's scheduler
    import dusk.array as da                # dask.array on libdusk-array
"""
from ._dusk import DuskError, get, ncores, __version__

__all__ = ["get", "ncores", "DuskError", "__version__"]
