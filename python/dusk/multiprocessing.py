"""dusk.multiprocessing: the lecture's third scheduler, dask.multiprocessing.get, has
no counterpart for Python tasks in dusk. Importing this module says so and what to use
instead, where Python's own error would only say that the module is missing."""

raise ImportError(
    "dusk has no multiprocessing scheduler for Python tasks: a Python task (a lambda, "
    "a local function) would have to be pickled to reach another process, and dusk's "
    "processes scheduler runs C tasks only. Use dusk.threaded.get or dusk.get(dsk, keys, "
    "scheduler='threads') (or scheduler='sync' to debug); the dusk command runs graph "
    "files on worker processes with --scheduler processes.",
    name="dusk.multiprocessing")
