/*
** dusk — computing an array: compute (to one ndarray) and store (to HDF5)
**
** compute runs the array's graph for the keys of its blocks and copies
** each block into place in one C-contiguous result.
**
** store writes every block to an HDF5 dataset as soon as it is computed,
** with a 'store-map' task per block that writes it and returns None, so a
** block is dropped once it is on disk and peak memory stays near a few
** blocks per worker. The target is never written in place: the dataset is
** made in a temporary file reserved beside it (dusk__atomic_reserve: a
** fresh name, created exclusively, a copy of the target when it exists),
** the store tasks name that file and the dataset (they open it themselves,
** array/h5.c), and only when every task has run is the file closed and
** renamed over the target (dusk__atomic_commit). A store that fails
** removes the temporary file and leaves the target as it was.
**
** Stores to one file take turns: each copies the target, adds its dataset
** and renames the copy over it, so two at once would each drop the
** other's dataset. A store holds an exclusive flock() on a lock file
** beside the target (".NAME.dusk-lock") from before it copies until after
** it renames. flock() locks belong to an open file, so this serializes
** threads of one process as well as processes. The lock file is removed by
** its holder; a waiter that then gets the lock of a removed file tries
** again on the file now at that name. So a task of a store must not store
** to the same path itself (it would wait for its own store). A symbolic
** link is followed as core's files written whole follow it
** (dusk__write_target): the lock, the temporary file and the rename are
** its target's, so a link and its target share one lock and the link stays
** a link (two hard links of one file are still two names with two locks).
** A process killed in a store leaves its lock file, which the next store
** takes and removes, and
** its temporary file (".NAME.XXXXXX.store.tmp", as large as the target),
** which the next store to that name removes too: while it holds the lock,
** no other store can be writing one (dusk's other writers end their
** temporary names in ".tmp" alone, and are left alone).
*/
#define _DEFAULT_SOURCE  /* flock */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "core/util.h"
#include "dusk/alloc.h"
#include "h5.h"
#include "memlimit.h"
#include "nd.h"

/* The keys of every block of a, in C order (a dusk_malloc'd array of
 * strings in one buffer). */
static char **block_keys(const dusk_array *a, size_t *count)
{
    int64_t n = dusk_array_nchunks(a);
    char **keys = dusk_malloc((size_t)n * (sizeof(char *) + 512));
    if (!keys)
        return NULL;
    char *text = (char *)(keys + n);
    int64_t idx[DUSK_MAXDIMS] = {0};
    for (int64_t k = 0; k < n; k++) {
        keys[k] = text + k * 512;
        dusk_key_tuple(keys[k], 512, a->L->name, a->ndim, idx);
        dusk__next_index(a->ndim, a->nb, idx);
    }
    *count = (size_t)n;
    return keys;
}

/* Copies block src into dst at the given offsets. */
static void place_block(dusk_value *dst, const int64_t *at, const dusk_value *src)
{
    int ndim = dusk_ndarray_ndim(src);
    const int64_t *shape = dusk_ndarray_shape(src), *ss = dusk_ndarray_strides(src);
    const int64_t *ds = dusk_ndarray_strides(dst);
    size_t es = dusk_dtype_size(dusk_ndarray_dtype(src));
    int64_t count = 1;
    for (int d = 0; d < ndim; d++)
        count *= shape[d];
    if (count == 0)
        return;
    char *db = dusk_ndarray_data(dst);
    const char *sb = dusk_ndarray_data(src);
    for (int d = 0; d < ndim; d++)
        db += at[d] * ds[d];
    if (ndim == 0) {
        memcpy(db, sb, es);
        return;
    }
    int64_t idx[DUSK_MAXDIMS] = {0}, row = shape[ndim - 1];
    int contiguous_rows = ss[ndim - 1] == (int64_t)es && ds[ndim - 1] == (int64_t)es;
    for (;;) {
        int64_t so = 0, dof = 0;
        for (int d = 0; d < ndim - 1; d++) {
            so += idx[d] * ss[d];
            dof += idx[d] * ds[d];
        }
        if (contiguous_rows) {
            memcpy(db + dof, sb + so, (size_t)row * es);
        } else {
            for (int64_t i = 0; i < row; i++)
                memcpy(db + dof + i * ds[ndim - 1], sb + so + i * ss[ndim - 1], es);
        }
        if (!dusk__next_index(ndim - 1, shape, idx))
            break;
    }
}

static int compute_many(dusk_array *const *a, size_t n, const dusk_options *opts,
                        dusk_value **out, dusk_error *err);

int dusk_array_compute(dusk_array *a, const dusk_options *opts, dusk_value **out,
                       dusk_error *err)
{
    if (out)
        *out = NULL;
    DUSK__NONNULL(err, a);
    DUSK__NONNULL(err, out);
    dusk__h5_hold();
    int rc = compute_many(&a, 1, opts, out, err);
    dusk__h5_unhold();
    return rc;
}

int dusk_array_compute_many(dusk_array *const *arrays, size_t n, const dusk_options *opts,
                            dusk_value **out, dusk_error *err)
{
    for (size_t i = 0; out && i < n; i++)
        out[i] = NULL;
    if (n == 0)
        return 0;
    DUSK__NONNULL(err, arrays);
    DUSK__NONNULL(err, out);
    int rc = dusk__arrays_check(arrays, n, "dusk_array_compute_many", err);
    if (rc)
        return rc;
    dusk__h5_hold();
    rc = compute_many(arrays, n, opts, out, err);
    dusk__h5_unhold();
    return rc;
}

/* The block sizes of a, read from its blocks (the tuple's items from
 * first on, shapes: int64 ndarrays of ndim, or the blocks themselves)
 * where a's are unknown, into sizes (per axis, nb[d] of them at per[d],
 * in one buffer the caller frees). Blocks that do not line up (two of one
 * row of another size) are DUSK_EINVAL naming them. */
static int sizes_of_blocks(const dusk_array *a, const dusk_value *blocks, size_t first,
                           int shapes, int64_t **buf, int64_t **per, dusk_error *err)
{
    int64_t total = 1;
    for (int d = 0; d < a->ndim; d++)
        total += a->nb[d];
    int64_t *b = dusk_malloc((size_t)total * sizeof *b);
    if (!b)
        return dusk_error_set(err, DUSK_ENOMEM, "out of memory for the chunk sizes of %s",
                              a->L->name);
    int64_t at = 0;
    for (int d = 0; d < a->ndim; d++) {
        per[d] = b + at;
        for (int64_t j = 0; j < a->nb[d]; j++)
            per[d][j] = a->chunks[d][j] == DUSK_UNKNOWN_SIZE ? -2 : a->chunks[d][j];
        at += a->nb[d];
    }
    int64_t idx[DUSK_MAXDIMS] = {0}, nkeys = dusk_array_nchunks(a);
    for (int64_t k = 0; k < nkeys; k++) {
        const dusk_value *v = dusk_tuple_get(blocks, first + (size_t)k);
        const int64_t *sh = NULL;
        if (dusk_value_kind(v) == DUSK_KIND_NDARRAY) {
            if (!shapes && dusk_ndarray_ndim(v) == a->ndim)
                sh = dusk_ndarray_shape(v);
            else if (shapes && dusk_ndarray_dtype(v) == DUSK_DT_I8 && dusk_ndarray_ndim(v) == 1 &&
                     dusk_ndarray_shape(v)[0] == a->ndim && dusk_ndarray_is_contiguous(v))
                sh = dusk_ndarray_data(v);
        }
        if (!sh) {
            dusk_free(b);
            return dusk_error_set(err, DUSK_ETYPE, "block %lld of %s is not an ndarray of %d "
                                  "axes", (long long)k, a->L->name, a->ndim);
        }
        for (int d = 0; d < a->ndim; d++) {
            int64_t *c = &per[d][idx[d]];
            if (*c == -2) {
                *c = sh[d];
            } else if (*c != sh[d]) {
                char key[512];
                dusk_key_tuple(key, sizeof key, a->L->name, a->ndim, idx);
                dusk_free(b);
                return dusk_error_set(err, DUSK_EINVAL, "block %s has %lld elements along "
                                      "axis %d where the blocks beside it have %lld: the blocks "
                                      "do not make an array", key, (long long)sh[d], d,
                                      (long long)*c);
            }
        }
        dusk__next_index(a->ndim, a->nb, idx);
    }
    *buf = b;
    return 0;
}

/* The result of a from its blocks, the tuple's items from first on. An
 * array of unknown chunk sizes takes them from its blocks. */
static int assemble(const dusk_array *a, const dusk_value *blocks, size_t first,
                    dusk_value **out, dusk_error *err)
{
    int64_t *const *chunks = a->chunks, *per[DUSK_MAXDIMS], *sbuf = NULL;
    int64_t shape[DUSK_MAXDIMS];
    memcpy(shape, a->shape, sizeof shape);
    if (a->unknown) {
        int rc = sizes_of_blocks(a, blocks, first, 0, &sbuf, per, err);
        if (rc)
            return rc;
        chunks = per;
        for (int d = 0; d < a->ndim; d++) {
            shape[d] = 0;
            for (int64_t j = 0; j < a->nb[d]; j++)
                shape[d] += per[d][j];
        }
    }
    dusk_value *result = dusk_ndarray_empty(a->dtype, a->ndim, shape);
    if (!result) {
        dusk_free(sbuf);
        return dusk_error_set(err, DUSK_ENOMEM, "out of memory for the result of %s", a->L->name);
    }
    int64_t idx[DUSK_MAXDIMS] = {0}, at[DUSK_MAXDIMS];
    int64_t nkeys = dusk_array_nchunks(a);
    for (int64_t k = 0; k < nkeys; k++) {
        const dusk_value *b = dusk_tuple_get(blocks, first + (size_t)k);
        for (int d = 0; d < a->ndim; d++) {
            at[d] = 0;
            for (int64_t j = 0; j < idx[d]; j++)
                at[d] += chunks[d][j];
        }
        if (dusk_value_kind(b) != DUSK_KIND_NDARRAY || dusk_ndarray_ndim(b) != a->ndim) {
            dusk_value_unref(result);
            dusk_free(sbuf);
            return dusk_error_set(err, DUSK_ETYPE, "block %lld of %s is not an ndarray of %d "
                                  "axes", (long long)k, a->L->name, a->ndim);
        }
        place_block(result, at, b);
        dusk__next_index(a->ndim, a->nb, idx);
    }
    dusk_free(sbuf);
    *out = result;
    return 0;
}

/* The arrays (of one context, checked) in one run of their joined graph:
 * what they share is computed once, as dask.compute(a, b) does. */
static int compute_many(dusk_array *const *a, size_t n, const dusk_options *opts,
                        dusk_value **out, dusk_error *err)
{
    int rc = 0;
    size_t nkeys = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        if (dusk_array_status(a[i], err))
            return a[i]->status;
        nkeys += (size_t)dusk_array_nchunks(a[i]);
    }
    if ((rc = dusk__memlimit_check_compute_many(a, n, err)))
        return rc;
    dusk_graph *g;
    if ((rc = n == 1 ? dusk_array_graph(a[0], &g, err) : dusk__arrays_graph(a, n, &g, err)))
        return rc;
    /* every array's block keys, one after another */
    size_t bytes;
    char **keys = __builtin_mul_overflow(nkeys, sizeof(char *) + 512, &bytes) ? NULL
                                                                              : dusk_malloc(bytes + 1);
    dusk_value *blocks = NULL;
    if (!keys) {
        rc = dusk_error_set(err, DUSK_ENOMEM, "out of memory computing an array");
        goto done;
    }
    char *text = (char *)(keys + nkeys);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t idx[DUSK_MAXDIMS] = {0};
        for (int64_t b = 0; b < dusk_array_nchunks(a[i]); b++, k++) {
            keys[k] = text + k * 512;
            dusk_key_tuple(keys[k], 512, a[i]->L->name, a[i]->ndim, idx);
            dusk__next_index(a[i]->ndim, a[i]->nb, idx);
        }
    }
    rc = dusk_get_list(g, (const char *const *)keys, nkeys, opts, &blocks, err);
    if (rc)
        goto done;
    if (dusk_value_kind(blocks) == DUSK_KIND_NONE) {
        /* An MPI rank other than 0 served the run (dusk/mpi.h): None. */
        for (size_t i = 0; i < n; i++)
            out[i] = dusk_value_ref(blocks);
        goto done;
    }
    size_t first = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        rc = assemble(a[i], blocks, first, &out[i], err);
        first += (size_t)dusk_array_nchunks(a[i]);
    }
    if (rc)
        for (size_t i = 0; i < n; i++) {
            dusk_value_unref(out[i]);
            out[i] = NULL;
        }
done:
    dusk_value_unref(blocks);
    dusk_free(keys);
    dusk_graph_free(g);
    return rc;
}

/* --- chunk sizes -------------------------------------------------------------------------- */

/* Dask's _get_chunk_shape: the shape of a block, as an int64 ndarray. */
int dusk__k_chunk_shape(const dusk__targs *t, dusk_value **out, dusk_error *err)
{
    const dusk_value *b;
    int rc = dusk__targs_block_in(t, 0, -1, &b, err);
    if (rc)
        return rc;
    int64_t n = dusk_ndarray_ndim(b);
    dusk_value *v = dusk_ndarray_new(DUSK_DT_I8, 1, &n);
    if (!v)
        return dusk__oom(err);
    memcpy(dusk_ndarray_data(v), dusk_ndarray_shape(b), (size_t)n * sizeof(int64_t));
    *out = v;
    return 0;
}

int dusk__chunk_shapes_graph(const dusk_array *a, dusk_graph **out, char ***keys_out, size_t *n_out,
                             dusk_error *err)
{
    /* a's graph, and a '_get_chunk_shape' task per block that keeps only
     * its shape: the blocks go as soon as their shapes are read */
    dusk_graph *g = NULL;
    int rc = dusk_array_graph(a, &g, err);
    if (rc)
        return rc;
    size_t n = 0;
    char **keys = block_keys(a, &n);
    dusk_value *params = dusk__params_new(DUSK_DT_I8, 0, NULL, NULL, 0, NULL);
    if (!keys || !params) {
        rc = dusk_error_set(err, DUSK_ENOMEM, "out of memory computing the chunk sizes of %s",
                            a->L->name);
        goto fail;
    }
    char tok[33], name[64];
    dusk__token(tok, "chunk_shape|%s", a->L->name);
    snprintf(name, sizeof name, "_get_chunk_shape-%s", tok);
    int64_t idx[DUSK_MAXDIMS] = {0};
    for (size_t k = 0; k < n && !rc; k++) {
        char block[512];
        memcpy(block, keys[k], sizeof block);
        dusk_key_tuple(keys[k], 512, name, a->ndim, idx);   /* what is asked for: the shapes */
        rc = dusk_task(g, keys[k], &dusk__op_get(DUSK__OP_CHUNK_SHAPE)->func,
                       dusk_lit(dusk_value_ref(params)), dusk__index_arg(a->ndim, idx),
                       dusk_ref(block));
        dusk__next_index(a->ndim, a->nb, idx);
    }
    if (rc) {
        dusk_graph_status(g, err);
        goto fail;
    }
    dusk_value_unref(params);
    *out = g;
    *keys_out = keys;
    *n_out = n;
    return 0;
fail:
    dusk_value_unref(params);
    dusk_free(keys);
    dusk_graph_free(g);
    return rc;
}

int dusk_array_compute_chunk_sizes(dusk_array *a, const dusk_options *opts, dusk_array **out,
                                   dusk_error *err)
{
    if (out)
        *out = NULL;
    DUSK__NONNULL(err, a);
    DUSK__NONNULL(err, out);
    if (dusk_array_status(a, err))
        return a->status;
    if (!a->unknown) {
        *out = a;
        return 0;
    }
    dusk_graph *g = NULL;
    char **keys = NULL;
    size_t n = 0;
    dusk_value *shapes = NULL;
    /* it streams, as a store: its blocks go once their shapes are read */
    int rc = dusk__memlimit_check_stream(a, opts, "computing the chunk sizes of", err);
    if (rc || (rc = dusk__chunk_shapes_graph(a, &g, &keys, &n, err)))
        return rc;
    if ((rc = dusk_get_list(g, (const char *const *)keys, n, opts, &shapes, err)))
        goto done;
    if (dusk_value_kind(shapes) == DUSK_KIND_NONE) {   /* an MPI rank that served the run */
        *out = a;
        goto done;
    }
    int64_t *buf, *per[DUSK_MAXDIMS], shape[DUSK_MAXDIMS];
    if ((rc = sizes_of_blocks(a, shapes, 0, 1, &buf, per, err)))
        goto done;
    for (int d = 0; d < a->ndim; d++) {
        shape[d] = 0;
        for (int64_t j = 0; j < a->nb[d]; j++)
            shape[d] += per[d][j];
    }
    /* the same layer, its keys and tasks: only its chunks are now known */
    dusk_array *r = dusk__array_new(a->ctx, a->L, a->ndim, shape, per, a->nb, a->dtype);
    dusk_free(buf);
    if ((rc = dusk_array_status(r, err)))
        goto done;
    *out = r;
done:
    dusk_value_unref(shapes);
    dusk_free(keys);
    dusk_graph_free(g);
    return rc;
}

/* --- store ------------------------------------------------------------------------------ */

/* The largest block of a along each axis (at least 1): the HDF5 chunk. */
static void chunk_shape(const dusk_array *a, int64_t *csize)
{
    for (int d = 0; d < a->ndim; d++) {
        csize[d] = 1;
        for (int64_t k = 0; k < a->nb[d]; k++)
            if (a->chunks[d][k] > csize[d])
                csize[d] = a->chunks[d][k];
    }
}

/* Adds a 'store-map' task per block of a to g, writing into dataset of
 * file, and runs them; 0 or the first error. */
static int run_store(dusk_array *a, dusk_graph *g, const char *path, const char *file,
                     const char *dataset, dusk_dtype file_dtype, const int64_t *region,
                     const dusk_options *opts, dusk_error *err)
{
    /* a region's tasks carry where the array starts in the dataset */
    dusk_value *at[DUSK_MAXDIMS];
    for (int d = 0; region && d < a->ndim; d++)
        at[d] = dusk_int(region[d]);
    dusk_value *extra[3] = {dusk_string(file), dusk_string(dataset),
                            region ? dusk_tuple_of((size_t)a->ndim, at) : NULL};
    dusk_value *pv = dusk__params_new(file_dtype, a->ndim, a->chunks, a->nb, region ? 3 : 2,
                                      extra);
    size_t nkeys = 0;
    char **keys = pv ? block_keys(a, &nkeys) : NULL;
    char **skeys = keys ? dusk_malloc(nkeys * (sizeof(char *) + 512)) : NULL;
    int rc = 0;
    if (!skeys) {
        rc = dusk_error_set(err, DUSK_ENOMEM, "out of memory storing %s", a->L->name);
    } else {
        char tok[33];
        dusk__token(tok, "store|%s|%s|%s|%s", a->L->name, path, dataset, region ? "region" : "");
        char *text = (char *)(skeys + nkeys);
        int64_t idx[DUSK_MAXDIMS] = {0};
        char name[64];
        snprintf(name, sizeof name, "store-map-%s", tok);
        const dusk_func *f = &dusk__op_get(DUSK__OP_STORE)->func;
        for (size_t k = 0; k < nkeys && !rc; k++) {
            skeys[k] = text + k * 512;
            dusk_key_tuple(skeys[k], 512, name, a->ndim, idx);
            rc = dusk_task(g, skeys[k], f, dusk_lit(dusk_value_ref(pv)),
                           dusk__index_arg(a->ndim, idx), dusk_ref(keys[k]));
            dusk__next_index(a->ndim, a->nb, idx);
        }
        if (rc) {
            dusk_graph_status(g, err);
        } else {
            dusk_value *res = NULL;
            rc = dusk_get_list(g, (const char *const *)skeys, nkeys, opts, &res, err);
            dusk_value_unref(res);
        }
    }
    dusk_free(keys);
    dusk_free(skeys);
    dusk_value_unref(pv);
    return rc;
}

/* The lock file of path: ".NAME.dusk-lock" in path's directory (NAME cut
 * short where it is long: dusk__side_base), a dusk_malloc'd string, or
 * NULL. */
static char *lock_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    char side[DUSK__SIDE_MAX];
    size_t dir = slash ? (size_t)(slash - path) + 1 : 0;
    dusk__side_base(path + dir, 11, side);   /* "." ".dusk-lock" */
    size_t n = dir + strlen(side) + 16;
    char *p = dusk_malloc(n);
    if (p)
        snprintf(p, n, "%.*s.%s.dusk-lock", (int)dir, path, side);
    return p;
}

/* Takes the store lock of path (array/store.c's banner): an open,
 * flock()ed descriptor of its lock file, or -1 with err set. */
static int store_lock(const char *path, const char *lockpath, dusk_error *err)
{
    for (;;) {
        int fd = open(lockpath, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0666);
        if (fd < 0 && (errno == ENOENT || errno == ENOTDIR)) {
            /* the folder the file goes in is what is missing: said so */
            int e = errno;
            const char *slash = strrchr(lockpath, '/');   /* beside the file a link names */
            dusk_error_set(err, DUSK_EIO, "cannot store to '%s': %s '%.*s': %s", path,
                           e == ENOENT ? "no such folder" : "not a folder",
                           slash ? (int)(slash - lockpath) : 1, slash ? lockpath : ".",
                           strerror(e));
            errno = e;
            return -1;
        }
        if (fd < 0) {
            dusk_error_set(err, DUSK_EIO, "cannot store to '%s': cannot create its lock file "
                           "'%s': %s", path, lockpath, strerror(errno));
            return -1;
        }
        int rc;
        while ((rc = flock(fd, LOCK_EX)) != 0 && errno == EINTR)
            ;
        if (rc != 0) {
            dusk_error_set(err, DUSK_EIO, "cannot store to '%s': cannot lock '%s': %s", path,
                           lockpath, strerror(errno));
            close(fd);
            return -1;
        }
        /* still the file at that name, not one its last holder removed? */
        struct stat held, now;
        if (fstat(fd, &held) == 0 && lstat(lockpath, &now) == 0 && held.st_dev == now.st_dev &&
            held.st_ino == now.st_ino)
            return fd;
        close(fd);
    }
}

static void store_unlock(const char *lockpath, int fd)
{
    unlink(lockpath);  /* while still holding it: see store_lock */
    /* unlocked explicitly: a process forked meanwhile shares the lock
     * through its copy of fd, and would hold it until it exits */
    flock(fd, LOCK_UN);
    close(fd);
}

/* Removes the temporary files that stores killed before they renamed left
 * beside path (".NAME.XXXXXX.store.tmp", core/util.c's names); called with
 * the store lock held, so none of them is being written. Best effort: a
 * file that cannot be listed or removed is left, as it was. */
static void remove_stale(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
    char base[DUSK__SIDE_MAX];
    dusk__side_base(path + dirlen, 18, base);   /* as core/util.c names it */
    size_t blen = strlen(base), vcap = dirlen + blen + 24;
    char *dirname = dusk_malloc(dirlen + 2), *victim = dusk_malloc(vcap);
    DIR *d = NULL;
    if (dirname && victim) {
        snprintf(dirname, dirlen + 2, "%.*s", (int)(dirlen ? dirlen : 1), dirlen ? path : ".");
        d = opendir(dirname);
    }
    for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
        const char *n = e->d_name;
        /* "." base "." 6 letters or digits ".store.tmp" */
        if (strlen(n) != blen + 18 || n[0] != '.' || strncmp(n + 1, base, blen) != 0 ||
            n[blen + 1] != '.' || strcmp(n + blen + 8, ".store.tmp") != 0)
            continue;
        bool ours = true;
        for (size_t i = blen + 2; i < blen + 8; i++)
            ours = ours && isalnum((unsigned char)n[i]);
        if (!ours)
            continue;
        snprintf(victim, vcap, "%.*s%s", (int)dirlen, path, n);
        struct stat st;
        if (lstat(victim, &st) == 0 && S_ISREG(st.st_mode))
            unlink(victim);
    }
    if (d)
        closedir(d);
    dusk_free(dirname);
    dusk_free(victim);
}

/* Rewrites err's message to say which store failed, unless it names path
 * already. */
static void name_store(dusk_error *err, const char *path, const char *dataset)
{
    /* the target quoted: a bare "t.h5" is also inside the temporary name */
    char quoted[DUSK_ERROR_MSG_MAX];
    snprintf(quoted, sizeof quoted, "'%s'", path);
    if (!err || strstr(err->msg, quoted))
        return;
    char inner[DUSK_ERROR_MSG_MAX];
    snprintf(inner, sizeof inner, "%s", err->msg);
    dusk_error_set(err, err->code, "storing '%s' in '%s': %s", dataset, path, inner);
}

/* Writes block (an ndarray of ndim dimensions) at start in file:dataset,
 * whose dtype is dtype. */
static int write_block(const char *file, const char *dataset, dusk_dtype dtype, int ndim,
                       const int64_t *start, const dusk_value *block, dusk_error *err)
{
    if (dusk_ndarray_size(block) == 0)
        return 0;
    /* HDF5 wants C order in the dtype of the dataset */
    dusk_value *c = NULL;
    int rc = 0;
    if (dusk_ndarray_dtype(block) == dtype && dusk_ndarray_is_contiguous(block))
        c = dusk_value_ref((dusk_value *)block);
    else if ((rc = dusk__nd_astype(block, dtype, &c, err)))
        return rc;
    rc = dusk__h5_write(file, dataset, dtype, ndim, start, dusk_ndarray_shape(block),
                        dusk_ndarray_data(c), err);
    dusk_value_unref(c);
    return rc;
}

int dusk_array_store(dusk_array *a, const char *path, const char *dataset,
                     const dusk_store_options *sopts, const dusk_options *opts,
                     dusk_error *err)
{
    DUSK__NONNULL(err, a);
    DUSK__NONNULL(err, path);
    DUSK__NONNULL(err, dataset);
    return dusk_array_store_hdf5(a, path, dataset, sopts, NULL, opts, err);
}

int dusk_hdf5_attrs(const char *path, const char *dataset, dusk_value **out, dusk_error *err)
{
    if (out)
        *out = NULL;
    DUSK__NONNULL(err, path);
    DUSK__NONNULL(err, dataset);
    DUSK__NONNULL(err, out);
    return dusk__h5_attrs(path, dataset, NULL, out, err);
}

int dusk_hdf5_list(const char *path, const char *group, dusk_value **out, dusk_error *err)
{
    if (out)
        *out = NULL;
    DUSK__NONNULL(err, path);
    DUSK__NONNULL(err, group);
    DUSK__NONNULL(err, out);
    return dusk__h5_list(path, group, out, err);
}

int dusk_hdf5_attr_get(const char *path, const char *dataset, const char *name, dusk_value **out,
                       dusk_error *err)
{
    if (out)
        *out = NULL;
    DUSK__NONNULL(err, path);
    DUSK__NONNULL(err, dataset);
    DUSK__NONNULL(err, name);
    DUSK__NONNULL(err, out);
    return dusk__h5_attrs(path, dataset, name, out, err);
}

static int store_hdf5(dusk_array *a, const char *path, const char *dataset,
                      const dusk_store_options *sopts, const dusk_hdf5_options *h5,
                      const dusk_options *opts, dusk_error *err);

int dusk_array_store_hdf5(dusk_array *a, const char *path, const char *dataset,
                          const dusk_store_options *sopts, const dusk_hdf5_options *h5,
                          const dusk_options *opts, dusk_error *err)
{
    DUSK__NONNULL(err, a);
    DUSK__NONNULL(err, path);
    DUSK__NONNULL(err, dataset);
    dusk__h5_hold();
    int rc = store_hdf5(a, path, dataset, sopts, h5, opts, err);
    dusk__h5_unhold();
    return rc;
}

static int store_hdf5(dusk_array *a, const char *path, const char *dataset,
                      const dusk_store_options *sopts, const dusk_hdf5_options *h5,
                      const dusk_options *opts, dusk_error *err)
{
    /* a dataset is made of a's shape, its chunks a's blocks: they must be
     * known (the one input check of builders refuses them otherwise) */
    dusk_array *bad = dusk__array_input(a, NULL, "store");
    if (bad)
        return dusk_array_status(bad, err);
    static const dusk_store_options defaults = {0, false};
    if (!sopts)
        sopts = &defaults;
    if (sopts->gzip < DUSK_GZIP_LEVEL0 || sopts->gzip > 9)
        return dusk_error_set(err, DUSK_EINVAL, "gzip level must be 0 to 9 (or DUSK_GZIP_LEVEL0), "
                              "not %d", sopts->gzip);
    if (!dataset[0] || (dataset[0] == '/' && !dataset[1]))
        return dusk_error_set(err, DUSK_EINVAL, "no dataset name given for '%s'", path);
    /* a region goes into the dataset as it is: what would make or remake
     * one is not applied there, so it is refused rather than ignored */
    if (h5 && h5->region && (h5->maxshape || sopts->gzip || sopts->overwrite))
        return dusk_error_set(err, DUSK_EINVAL, "storing a region of dataset '%s' in '%s': %s "
                              "applies to a dataset being made, not to one stored into (leave "
                              "it unset)", dataset, path,
                              h5->maxshape ? "maxshape" : sopts->gzip ? "gzip" : "overwrite");
    int64_t csize[DUSK_MAXDIMS];
    chunk_shape(a, csize);
    dusk_graph *g = NULL;
    dusk_value *whole = NULL;
    int rc;
    if (opts && opts->scheduler == DUSK_SCHED_MPI) {
        /* The libhdf5 dusk links is serial: one writer per file. So the
         * ranks compute the array together and rank 0, where the result
         * gathers, writes it alone; the other ranks are done once it has
         * gathered (None: they served the run). */
        if ((rc = dusk_array_compute(a, opts, &whole, err)))
            return rc;
        if (dusk_value_kind(whole) == DUSK_KIND_NONE) {
            dusk_value_unref(whole);
            return 0;
        }
    } else if ((rc = dusk__memlimit_check_store(a, opts, err)) ||
               (rc = dusk__array_graph_stream(a, &g, err))) {
        return rc;
    }
    dusk_error rerr = DUSK_ERROR_INIT;
    /* A link is followed (to the file at the end of a chain): the lock,
     * the temporary file and the leftovers of killed stores are the
     * target's, beside it, and the rename lands on the target, so the
     * link stays a link and a store through it takes turns with one to
     * the target. */
    char *target = dusk__write_target(path, &rerr);
    char *lockpath = target ? lock_name(target) : NULL;
    int lockfd = lockpath ? store_lock(path, lockpath, &rerr) : -1;
    if (lockfd >= 0)
        remove_stale(target);
    char *tmp = lockfd >= 0 ? dusk__atomic_reserve(target, ".store.tmp", &rerr) : NULL;
    if (!tmp) {
        if (target && !lockpath)
            dusk_error_set(&rerr, DUSK_ENOMEM, "out of memory storing to '%s'", path);
        if (lockfd >= 0)
            store_unlock(lockpath, lockfd);
        dusk_free(lockpath);
        dusk_free(target);
        dusk_graph_free(g);
        dusk_value_unref(whole);
        if (err)
            *err = rerr;
        return rerr.code;
    }
    for (size_t k = 0; h5 && k < h5->nattrs && !rc; k++)
        if (!h5->attrs || !h5->attrs[k].name)
            rc = dusk_error_set(err, DUSK_EINVAL, "storing '%s' in '%s': attribute %zu has no "
                                "name", dataset, path, k);
    dusk_dtype fdt = a->dtype;
    if (!rc)
        rc = dusk__h5_create(path, tmp, dataset, a->dtype, a->ndim, a->shape, csize,
                             sopts->gzip, sopts->overwrite, h5, &fdt, err);
    if (!rc && whole) {
        static const int64_t origin[DUSK_MAXDIMS];
        const int64_t *at = h5 && h5->region ? h5->region : origin;
        if ((rc = write_block(tmp, dataset, fdt, a->ndim, at, whole, err)))
            name_store(err, path, dataset);
    } else if (!rc && (rc = run_store(a, g, path, tmp, dataset, fdt, h5 ? h5->region : NULL,
                                      opts, err))) {
        name_store(err, path, dataset);
    }
    dusk_graph_free(g);
    dusk_value_unref(whole);
    /* this process's handles on the file go before it is renamed */
    int rrc = dusk__h5_release(tmp, &rerr);
    if (!rc && rrc) {
        rc = rrc;
        if (err)
            *err = rerr;
        name_store(err, path, dataset);
    }
    if (!rc)
        rc = dusk__atomic_commit(tmp, target, err);
    else
        remove(tmp);
    store_unlock(lockpath, lockfd);
    dusk_free(lockpath);
    dusk_free(target);
    dusk_free(tmp);
    return rc;
}

/* --- the store task --------------------------------------------------------------------- */

int dusk__k_store(const dusk__targs *t, dusk_value **out, dusk_error *err)
{
    int64_t shape[DUSK_MAXDIMS], start[DUSK_MAXDIMS];
    const dusk_value *block;
    const char *file, *dataset;
    int rc = dusk__targs_block(t, start, shape, err);
    int ndim = (int)dusk_tuple_len(t->index);
    if (rc || (rc = dusk__targs_block_in(t, 0, ndim, &block, err)) ||
        (rc = dusk__targs_str(t, 0, &file, err)) || (rc = dusk__targs_str(t, 1, &dataset, err)))
        return rc;
    /* a store into a region: where the array starts in the dataset */
    const dusk_value *at = dusk_tuple_len(t->params) > 4 ? dusk__params_extra(t->params, 2) : NULL;
    int64_t wstart[DUSK_MAXDIMS];
    for (int d = 0; d < ndim; d++) {
        const dusk_value *o = at ? dusk_tuple_get(at, (size_t)d) : NULL;
        if (at && (dusk_value_kind(at) != DUSK_KIND_TUPLE || dusk_tuple_len(at) != (size_t)ndim ||
                   dusk_value_kind(o) != DUSK_KIND_INT || dusk_value_int(o) < 0 ||
                   dusk_value_int(o) > INT64_MAX - start[d]))
            return dusk_error_set(err, DUSK_EINVAL, "store-map: the region is not %d offsets",
                                  ndim);
        wstart[d] = start[d] + (at ? dusk_value_int(o) : 0);
    }
    if (memcmp(dusk_ndarray_shape(block), shape, (size_t)ndim * sizeof(int64_t)) != 0)
        return dusk_error_set(err, DUSK_EINVAL, "store-map: the block's shape is not that of "
                              "its place in '%s' of '%s'", dataset, file);
    if ((rc = write_block(file, dataset, t->dtype, ndim, wstart, block, err)))
        return rc;
    *out = dusk_none();
    return 0;
}
