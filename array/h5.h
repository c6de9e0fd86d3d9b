/*
** dusk — HDF5 access. This file is private to dusk's core.
**
** Every libhdf5 call in dusk is made in core/h5.c, under one process-wide
** lock: the Debian library is not built thread-safe. Chunks compute in
** parallel; their reads and writes take turns.
*/
#ifndef DUSK_CORE_H5_H
#define DUSK_CORE_H5_H

#include "dusk/array.h"

/* An open dataset to read from, shared by the tasks of one array. */
typedef struct dusk__h5src dusk__h5src;

/* Opens path:dataset for reading and describes it; DUSK_EIO naming the
 * file or dataset when it is missing, not a dataset, or of a type dusk
 * does not read. */
int dusk__h5_open(const char *path, const char *dataset, dusk__h5src **out,
                  dusk_dtype *dtype, int *ndim, int64_t *shape, dusk_error *err);
void dusk__h5_close(dusk__h5src *src);   /* NULL-safe */
/* Reads the hyperslab [start, start + count) into buf (C order, dtype). */
int dusk__h5_read(dusk__h5src *src, const int64_t *start, const int64_t *count, void *buf,
                  dusk_error *err);

/* A dataset being written: into a copy of the file beside it, renamed into
 * place by dusk__h5_commit. */
typedef struct dusk__h5dst dusk__h5dst;
int dusk__h5_create(const char *path, const char *dataset, dusk_dtype dtype, int ndim,
                    const int64_t *shape, const int64_t *chunk, int gzip, int overwrite,
                    dusk__h5dst **out, dusk_error *err);
int dusk__h5_write(dusk__h5dst *dst, const int64_t *start, const int64_t *count,
                   const void *buf, dusk_error *err);
/* Closes and renames the copy into place (commit = 1), or removes it. */
int dusk__h5_finish(dusk__h5dst *dst, int commit, dusk_error *err);

#endif /* DUSK_CORE_H5_H */
