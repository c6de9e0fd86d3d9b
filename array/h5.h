/*
** dusk — HDF5 access. This file is private to libdusk-array.
**
** Every libhdf5 call in dusk is made in array/h5.c, under one process-wide
** lock (Debian's libhdf5 is the thread-safe build, but the lock also
** guards dusk's cache of open datasets). Chunks compute in parallel; the
** bytes of unfiltered chunks are read and written with pread and pwrite
** outside the lock, at the offsets libhdf5 gives, so workers do I/O at
** once; the rest takes turns. Compressed chunks are decoded by array/h5.c
** itself, never by H5Dread (see there why).
**
** Files are named, never handed around: a task reads or writes a dataset
** given its file's path and the dataset's name, and array/h5.c keeps the
** datasets it has opened in a small per-process cache (so a file is not
** opened once per block), checking on every use that the path still names
** the file it opened.
*/
#ifndef DUSK_ARRAY_H5_H
#define DUSK_ARRAY_H5_H

#include "dusk/array.h"

/* Checks that path:dataset is a dataset dusk reads and describes it;
 * DUSK_EIO naming the file or dataset when it is missing, not a dataset,
 * of a type dusk does not read, or stored with a filter dusk does not
 * decode. */
int dusk__h5_describe(const char *path, const char *dataset, dusk_dtype *dtype, int *ndim,
                      int64_t *shape, dusk_error *err);
/* Reads the hyperslab [start, start + count) of path:dataset into buf (C
 * order, as dtype). */
int dusk__h5_read(const char *path, const char *dataset, dusk_dtype dtype, int ndim,
                  const int64_t *start, const int64_t *count, void *buf, dusk_error *err);

/* Makes the file tmp (a fresh empty file reserved beside path) what path
 * should become: a copy of path when it exists (without dataset, when
 * overwrite replaces it) with dataset created in it, chunked, or a new
 * file holding just the dataset. tmp is closed again: writers open it by
 * name. */
int dusk__h5_create(const char *path, const char *tmp, const char *dataset, dusk_dtype dtype,
                    int ndim, const int64_t *shape, const int64_t *chunk, int gzip,
                    int overwrite, const dusk_hdf5_options *h5, dusk_dtype *file_dtype,
                    dusk_error *err);
/* With h5 (may be NULL): its attributes written on the dataset, its
 * maxshape making the dataset resizable; with h5->region, the dataset is
 * not made but must exist in path, and is checked to take the array at
 * the region (extended to it where its maxshape allows). *file_dtype is
 * the dataset's dtype, which the store tasks write. */

/* The attributes of the object (dataset or group) dataset of path: a
 * tuple of (name, value) pairs in name order, or with name, that one's
 * value (DUSK_ENOKEY when it has none). */
int dusk__h5_attrs(const char *path, const char *dataset, const char *name, dusk_value **out,
                   dusk_error *err);
/* The datasets and groups group of path holds: a tuple of (name, kind)
 * pairs in name order (dusk_hdf5_list). */
int dusk__h5_list(const char *path, const char *group, dusk_value **out, dusk_error *err);
/* Writes buf (C order, as dtype) to the hyperslab [start, start + count)
 * of file:dataset. */
int dusk__h5_write(const char *file, const char *dataset, dusk_dtype dtype, int ndim,
                   const int64_t *start, const int64_t *count, const void *buf,
                   dusk_error *err);
/* With on 0, every block goes through libhdf5 under the lock, none with
 * pread or pwrite outside it: for tests, which hold the two ways against
 * each other. 1 (the default) gives the raw way back. */
void dusk__h5_set_raw(int on);
/* Around a compute or a store: while one goes, the files it reads stay
 * open in the cache for its tasks; when the last ends, every file is
 * closed. A program (h5py in the same process, with the same libhdf5)
 * may then replace a file dusk has read: libhdf5 refuses to truncate a
 * file it has open ("unable to truncate a file which is already open"). */
void dusk__h5_hold(void);
void dusk__h5_unhold(void);
/* Closes what this process has open of file (before it is renamed or
 * removed); DUSK_EIO when that fails, as a failed flush does. */
int dusk__h5_release(const char *file, dusk_error *err);

#endif /* DUSK_ARRAY_H5_H */
