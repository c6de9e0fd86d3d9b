"""What the dusk.array tests compare: values and dtypes with NumPy's, task counts
with dask.array's (test_manip, test_routines, test_more_routines)."""
import numpy as np

import dusk.array as da


def same(ours, want, what=""):
    """ours computed is want exactly, in want's dtype and shape."""
    got = ours.compute()
    assert got.dtype == np.asarray(want).dtype, what
    assert got.shape == np.shape(want), what
    np.testing.assert_array_equal(got, want, err_msg=str(what))


def close(ours, want, what="", rtol=1e-12):
    """The same to rtol."""
    got = ours.compute()
    assert got.dtype == np.asarray(want).dtype, what
    assert got.shape == np.shape(want), what
    np.testing.assert_allclose(got, want, rtol=rtol, err_msg=str(what))


def ntasks(x):
    """The tasks of a dusk array's graph, or of a Dask collection's."""
    return x._ntasks if isinstance(x, da.Array) else len(x.__dask_graph__())


def pair(src, chunks):
    """src as a dusk array and as a dask array of the same chunks."""
    import dask.array as dda
    return da.from_array(src, chunks=chunks), dda.from_array(src, chunks=chunks)


def added(ours, ours_in, theirs, theirs_in):
    """The tasks each graph adds to its input's (from_array's differ: dusk
    keeps an 'original-array' task that Dask's has not)."""
    return ntasks(ours) - ntasks(ours_in), ntasks(theirs) - ntasks(theirs_in)
