"""dusk.delayed, as dask.delayed for the lecture's `from dask.delayed import Delayed`."""
from . import Delayed

__all__ = ["Delayed"]
