/*
** dusk — the memory check before a computation. This file is private to
** libdusk-array (array/memlimit.c has the design).
*/
#ifndef DUSK_ARRAY_MEMLIMIT_H
#define DUSK_ARRAY_MEMLIMIT_H

#include "array.h"

/* Where the limits are read from; dusk__memlimit_read(NULL, ...) reads the
 * system's own (tests point it at files of their making). */
typedef struct dusk__memlimit_paths {
    const char *self_cgroup;     /* "/proc/self/cgroup" */
    const char *meminfo;         /* "/proc/meminfo" */
    const char *statm;           /* "/proc/self/statm" */
    const char *cgroup2;         /* "/sys/fs/cgroup": the v2 hierarchy */
    const char *cgroup1;         /* "/sys/fs/cgroup/memory": v1's memory controller */
} dusk__memlimit_paths;

/* The most bytes this process may still take, and what says so. */
typedef struct dusk__memlimit {
    double bytes;                /* INFINITY when nothing readable limits it */
    char what[192];              /* "RLIMIT_AS", "the cgroup limit of /sys/...", ... */
} dusk__memlimit;

void dusk__memlimit_read(const dusk__memlimit_paths *paths, dusk__memlimit *out);

/* 0 when computing a (its blocks, then the result they are copied into:
 * twice its size) fits in what this process may take, or when a's context
 * has the check turned off; else DUSK_ENOMEM, with a message that names
 * the array, the bytes needed, the limit and what sets it. */
int dusk__memlimit_check_compute(const dusk_array *a, dusk_error *err);
/* The same for computing n arrays together: their results all at once
 * and their joined graph (n arrays of one context, in no error state). */
int dusk__memlimit_check_compute_many(dusk_array *const *a, size_t n, dusk_error *err);
/* The same for storing a, which streams: at least its largest block on
 * each worker that opts gives (NULL: one per core) at once. */
int dusk__memlimit_check_store(const dusk_array *a, const dusk_options *opts, dusk_error *err);
/* The same for what else streams a's blocks (doing: "computing the chunk
 * sizes of"): an array of unknown chunk sizes counts its largest blocks at
 * the most they can hold. */
int dusk__memlimit_check_stream(const dusk_array *a, const dusk_options *opts, const char *doing,
                                dusk_error *err);

#endif /* DUSK_ARRAY_MEMLIMIT_H */
