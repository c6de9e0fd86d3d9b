/*
** dusk — HDF5 access, all of it under one lock
**
** libhdf5 as Debian builds it is not thread-safe, so every call into it in
** dusk happens here with h5_lock held; nothing else in dusk includes
** hdf5.h. HDF5's own error printing is turned off once: dusk reports
** errors itself, naming the file and dataset.
**
** Reading and writing go by name (path, dataset), so that a task carries
** nothing but values. Open datasets are kept in a small cache (under
** h5_lock too) keyed by path, dataset and mode, least recently used out
** first; before each use the path is stat()ed, and an entry whose file is
** no longer the one at that path (another inode: the file was replaced,
** as a store replaces its target; or, for reading, another size or
** modification time) is closed and opened again. A file is never open for
** reading and for writing at once: opening it one way closes the other.
**
** Writing never touches the target: dusk__h5_create fills a temporary
** file reserved beside it (a copy of it, or a new file), store tasks write
** into that file, dusk__h5_release closes it, and the caller renames it
** into place (array/store.c).
*/
#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "h5.h"

/* HDF5 1.10 (Debian 12) and 1.12+ name these differently. */
#if H5_VERSION_GE(1, 12, 0)
typedef H5O_info2_t obj_info;
#define get_info(loc, name, info) H5Oget_info_by_name3(loc, name, info, H5O_INFO_BASIC, H5P_DEFAULT)
#define is_hdf5(path) H5Fis_accessible(path, H5P_DEFAULT)
#else
typedef H5O_info_t obj_info;
#define get_info(loc, name, info) H5Oget_info_by_name2(loc, name, info, H5O_INFO_BASIC, H5P_DEFAULT)
#define is_hdf5(path) H5Fis_hdf5(path)
#endif

static pthread_mutex_t h5_lock = PTHREAD_MUTEX_INITIALIZER;
static int h5_quiet;  /* error printing turned off (under h5_lock) */

static void lock(void)
{
    pthread_mutex_lock(&h5_lock);
    if (!h5_quiet) {
        H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
        h5_quiet = 1;
    }
}

static void unlock(void) { pthread_mutex_unlock(&h5_lock); }

/* The native HDF5 type of a dusk dtype (bool: an int8 enum, as h5py). */
static hid_t native_type(dusk_dtype t)
{
    switch (t) {
    case DUSK_DT_F8: return H5Tcopy(H5T_NATIVE_DOUBLE);
    case DUSK_DT_F4: return H5Tcopy(H5T_NATIVE_FLOAT);
    case DUSK_DT_I8: return H5Tcopy(H5T_NATIVE_INT64);
    case DUSK_DT_I4: return H5Tcopy(H5T_NATIVE_INT32);
    case DUSK_DT_I2: return H5Tcopy(H5T_NATIVE_INT16);
    case DUSK_DT_I1: return H5Tcopy(H5T_NATIVE_INT8);
    case DUSK_DT_U8: return H5Tcopy(H5T_NATIVE_UINT64);
    case DUSK_DT_U4: return H5Tcopy(H5T_NATIVE_UINT32);
    case DUSK_DT_U2: return H5Tcopy(H5T_NATIVE_UINT16);
    case DUSK_DT_U1: return H5Tcopy(H5T_NATIVE_UINT8);
    case DUSK_DT_BOOL: {
        hid_t e = H5Tenum_create(H5T_NATIVE_INT8);
        int8_t f = 0, tr = 1;
        H5Tenum_insert(e, "FALSE", &f);
        H5Tenum_insert(e, "TRUE", &tr);
        return e;
    }
    default: return H5I_INVALID_HID;
    }
}

/* The dusk dtype of a file's type, or -1. */
static int dtype_of(hid_t type)
{
    H5T_class_t cls = H5Tget_class(type);
    size_t size = H5Tget_size(type);
    if (cls == H5T_FLOAT)
        return size == 8 ? DUSK_DT_F8 : size == 4 ? DUSK_DT_F4 : -1;
    if (cls == H5T_ENUM && size == 1 && H5Tget_nmembers(type) == 2)
        return DUSK_DT_BOOL;
    if (cls == H5T_INTEGER) {
        int sgn = H5Tget_sign(type) == H5T_SGN_2;
        switch (size) {
        case 8: return sgn ? DUSK_DT_I8 : DUSK_DT_U8;
        case 4: return sgn ? DUSK_DT_I4 : DUSK_DT_U4;
        case 2: return sgn ? DUSK_DT_I2 : DUSK_DT_U2;
        case 1: return sgn ? DUSK_DT_I1 : DUSK_DT_U1;
        }
    }
    return -1;
}

/* H5Lexists on every component of a path ("/a/b/c"), as HDF5 wants:
 * 1, 0, or -1. */
static htri_t link_exists(hid_t file, const char *path)
{
    char buf[4096];
    size_t n = strlen(path);
    if (n >= sizeof buf)
        return -1;
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        char c = buf[i];
        buf[i] = '\0';
        if (i > 1 || buf[0] != '/') {
            htri_t e = H5Lexists(file, buf, H5P_DEFAULT);
            if (e <= 0)
                return e;
        }
        buf[i] = c;
    }
    return 1;
}


/* --- the cache of open datasets -------------------------------------------- */

#define NCACHE 8

typedef struct {
    int used, writable;
    char path[4096], dataset[1024];
    hid_t file, dset;
    int ndim;                    /* of the dataset's space */
    dusk_dtype dtype;            /* of the dataset's elements */
    int64_t shape[DUSK_MAXDIMS];
    dev_t dev;                   /* the file it opened, to notice a replacement */
    ino_t ino;
    off_t size;
    struct timespec mtime;
    unsigned long last;          /* when last used, for eviction */
} entry;

static entry cache[NCACHE];      /* guarded by h5_lock */
static unsigned long uses;

static int entry_close(entry *e)
{
    int rc = 0;
    if (e->dset >= 0 && H5Dclose(e->dset) < 0)
        rc = -1;
    if (e->file >= 0 && H5Fclose(e->file) < 0)
        rc = -1;
    e->used = 0;
    e->file = e->dset = H5I_INVALID_HID;
    return rc;
}

/* Whether e still has the file now at its path (st). */
static int same_file(const entry *e, const struct stat *st)
{
    if (e->dev != st->st_dev || e->ino != st->st_ino)
        return 0;
    /* a file being written changes under its writer; one being read must
     * not change at all */
    return e->writable || (e->size == st->st_size && e->mtime.tv_sec == st->st_mtim.tv_sec &&
                           e->mtime.tv_nsec == st->st_mtim.tv_nsec);
}

/* Opens path:dataset into e (which the caller closes), checking that it is
 * a dataset dusk reads. Caller holds h5_lock. */
static int open_entry(entry *e, const char *path, const char *dataset, int writable,
                      const struct stat *st, dusk_error *err)
{
    e->file = e->dset = H5I_INVALID_HID;
    e->writable = writable;
    e->dev = st->st_dev;
    e->ino = st->st_ino;
    e->size = st->st_size;
    e->mtime = st->st_mtim;
    if (!writable && is_hdf5(path) <= 0)
        return dusk_error_set(err, DUSK_EIO, "'%s' is not an HDF5 file", path);
    e->file = H5Fopen(path, writable ? H5F_ACC_RDWR : H5F_ACC_RDONLY, H5P_DEFAULT);
    if (e->file < 0)
        return dusk_error_set(err, DUSK_EIO, "cannot open HDF5 file '%s'", path);
    obj_info info;
    if (link_exists(e->file, dataset) <= 0 || get_info(e->file, dataset, &info) < 0)
        return dusk_error_set(err, DUSK_EIO, "no dataset '%s' in '%s'", dataset, path);
    if (info.type != H5O_TYPE_DATASET)
        return dusk_error_set(err, DUSK_EIO, "'%s' in '%s' is a %s, not a dataset", dataset, path,
                              info.type == H5O_TYPE_GROUP ? "group" : "named type");
    e->dset = H5Dopen2(e->file, dataset, H5P_DEFAULT);
    hid_t ftype = e->dset >= 0 ? H5Dget_type(e->dset) : H5I_INVALID_HID;
    int dt = ftype >= 0 ? dtype_of(ftype) : -1;
    if (ftype >= 0)
        H5Tclose(ftype);
    if (dt < 0)
        return dusk_error_set(err, DUSK_EIO,
                              "dataset '%s' in '%s' has a type dusk does not read "
                              "(it reads integers, float32/64 and bool)", dataset, path);
    hid_t space = H5Dget_space(e->dset);
    int nd = space >= 0 ? H5Sget_simple_extent_ndims(space) : -1;
    hsize_t dims[H5S_MAX_RANK];
    int ok = nd >= 0 && nd <= DUSK_MAXDIMS && H5Sget_simple_extent_dims(space, dims, NULL) >= 0;
    if (space >= 0)
        H5Sclose(space);
    if (!ok)
        return dusk_error_set(err, DUSK_EIO, "cannot read the shape of '%s' in '%s'", dataset,
                              path);
    for (int i = 0; i < nd; i++)
        e->shape[i] = (int64_t)dims[i];
    e->ndim = nd;
    e->dtype = (dusk_dtype)dt;
    return 0;
}

/* The open dataset path:dataset, from the cache or opened into it (or, for
 * names too long to cache, into *scratch: the caller closes that one).
 * Caller holds h5_lock. NULL with err set on failure. */
static entry *get_entry(const char *path, const char *dataset, int writable, entry *scratch,
                        dusk_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        dusk_error_set(err, DUSK_EIO, "cannot open '%s': %s", path, strerror(errno));
        return NULL;
    }
    entry *slot = NULL;
    for (int i = 0; i < NCACHE; i++) {
        entry *e = &cache[i];
        if (!e->used || strcmp(e->path, path) != 0)
            continue;
        if (e->writable != writable || !same_file(e, &st)) {
            entry_close(e);
        } else if (strcmp(e->dataset, dataset) == 0) {
            e->last = ++uses;
            return e;
        }
    }
    if (strlen(path) < sizeof slot->path && strlen(dataset) < sizeof slot->dataset) {
        for (int i = 0; i < NCACHE; i++)
            if (!slot || !cache[i].used || (slot->used && cache[i].last < slot->last))
                slot = &cache[i];
        if (slot->used)
            entry_close(slot);
    } else {
        slot = scratch;
    }
    if (open_entry(slot, path, dataset, writable, &st, err) != 0) {
        entry_close(slot);
        return NULL;
    }
    if (slot != scratch) {
        snprintf(slot->path, sizeof slot->path, "%s", path);
        snprintf(slot->dataset, sizeof slot->dataset, "%s", dataset);
        slot->used = 1;
        slot->last = ++uses;
    }
    return slot;
}

/* --- reading and writing --------------------------------------------------- */

int dusk__h5_describe(const char *path, const char *dataset, dusk_dtype *dtype, int *ndim,
                      int64_t *shape, dusk_error *err)
{
    entry scratch;
    lock();
    entry *e = get_entry(path, dataset, 0, &scratch, err);
    if (e) {
        *dtype = e->dtype;
        *ndim = e->ndim;
        memcpy(shape, e->shape, (size_t)e->ndim * sizeof *shape);
        if (e == &scratch)
            entry_close(e);
    }
    unlock();
    return e ? 0 : err ? err->code : DUSK_EIO;
}

/* Reads (or writes) the hyperslab [start, start + count) of e's dataset
 * from (into) buf, as dtype. Caller holds h5_lock. */
static int transfer(entry *e, int write, const char *path, dusk_dtype dtype, int ndim,
                    const int64_t *start, const int64_t *count, void *buf, dusk_error *err)
{
    const char *what = write ? "write" : "read";
    if (ndim != e->ndim)
        return dusk_error_set(err, DUSK_EIO, "cannot %s a %d-d block of '%s' in '%s': it has %d "
                              "dimensions", what, ndim, e->dataset, path, e->ndim);
    hsize_t st[H5S_MAX_RANK], ct[H5S_MAX_RANK];
    for (int i = 0; i < ndim; i++) {
        if (start[i] < 0 || count[i] < 0 || start[i] + count[i] > e->shape[i])
            return dusk_error_set(err, DUSK_EIO, "cannot %s a block of '%s' in '%s': axis %d "
                                  "ends at %lld, past its length %lld", what, e->dataset, path, i,
                                  (long long)(start[i] + count[i]), (long long)e->shape[i]);
        st[i] = (hsize_t)start[i];
        ct[i] = (hsize_t)count[i];
    }
    hid_t mem_type = native_type(dtype);
    hid_t fspace = H5Dget_space(e->dset);
    hid_t mspace = H5Screate_simple(ndim, ct, NULL);
    int ok = mem_type >= 0 && fspace >= 0 && mspace >= 0 &&
             (ndim == 0 || H5Sselect_hyperslab(fspace, H5S_SELECT_SET, st, NULL, ct, NULL) >= 0);
    if (ok)
        ok = (write ? H5Dwrite(e->dset, mem_type, mspace, fspace, H5P_DEFAULT, buf)
                    : H5Dread(e->dset, mem_type, mspace, fspace, H5P_DEFAULT, buf)) >= 0;
    if (mem_type >= 0) H5Tclose(mem_type);
    if (fspace >= 0) H5Sclose(fspace);
    if (mspace >= 0) H5Sclose(mspace);
    if (!ok)
        return dusk_error_set(err, DUSK_EIO, "cannot %s a block of '%s' in '%s'", what, e->dataset,
                              path);
    return 0;
}

static int access_slab(const char *path, const char *dataset, int write, dusk_dtype dtype,
                       int ndim, const int64_t *start, const int64_t *count, void *buf,
                       dusk_error *err)
{
    entry scratch;
    lock();
    entry *e = get_entry(path, dataset, write, &scratch, err);
    int rc = e ? transfer(e, write, path, dtype, ndim, start, count, buf, err)
               : err ? err->code : DUSK_EIO;
    if (e == &scratch && entry_close(e) < 0 && !rc)
        rc = dusk_error_set(err, DUSK_EIO, "cannot finish writing '%s'", path);
    unlock();
    return rc;
}

int dusk__h5_read(const char *path, const char *dataset, dusk_dtype dtype, int ndim,
                  const int64_t *start, const int64_t *count, void *buf, dusk_error *err)
{
    return access_slab(path, dataset, 0, dtype, ndim, start, count, buf, err);
}

int dusk__h5_write(const char *file, const char *dataset, dusk_dtype dtype, int ndim,
                   const int64_t *start, const int64_t *count, const void *buf,
                   dusk_error *err)
{
    return access_slab(file, dataset, 1, dtype, ndim, start, count, (void *)buf, err);
}

int dusk__h5_release(const char *file, dusk_error *err)
{
    int rc = 0;
    lock();
    for (int i = 0; i < NCACHE; i++)
        if (cache[i].used && strcmp(cache[i].path, file) == 0 && entry_close(&cache[i]) < 0)
            rc = -1;
    unlock();
    return rc ? dusk_error_set(err, DUSK_EIO, "cannot finish writing '%s'", file) : 0;
}

/* --- making the file a store writes --------------------------------------- */

/* Copies the file at from over to (the reserved, empty temporary file). */
static int copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb");
    if (!in)
        return -1;
    /* never through a link planted where the reserved file was */
    int fd = open(to, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
    FILE *out = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (!out) {
        if (fd >= 0)
            close(fd);
        fclose(in);
        return -1;
    }
    char buf[1 << 16];
    size_t n;
    int rc = 0;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n) {
            rc = -1;
            break;
        }
    if (ferror(in))
        rc = -1;
    fclose(in);
    if (fclose(out) != 0)
        rc = -1;
    return rc;
}

/* A new HDF5 file at tmp, the name dusk__atomic_reserve made: the empty
 * placeholder is removed and the file made with O_EXCL (H5F_ACC_EXCL), so
 * that HDF5 never writes through a link planted under that name. */
static hid_t create_excl(const char *tmp)
{
    if (remove(tmp) != 0 && errno != ENOENT)
        return H5I_INVALID_HID;
    return H5Fcreate(tmp, H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT);
}

typedef struct {
    hid_t from, to;
    const char *group;   /* the group being copied, "/..." */
    const char *skip;    /* the dataset path left out */
    int rc;
} copy_state;

static int copy_except(hid_t from, hid_t to, const char *group, const char *skip);

static herr_t copy_link(hid_t g, const char *name, const H5L_info_t *info, void *ud)
{
    (void)g;
    (void)info;
    copy_state *st = ud;
    char path[4096];
    snprintf(path, sizeof path, "%s%s%s", st->group, strcmp(st->group, "/") ? "/" : "", name);
    char want[4096];  /* the skipped path, always absolute */
    snprintf(want, sizeof want, "%s%s", st->skip[0] == '/' ? "" : "/", st->skip);
    size_t pl = strlen(path);
    if (strcmp(path, want) == 0)
        return 0;  /* the dataset being replaced */
    if (strncmp(want, path, pl) == 0 && want[pl] == '/') {
        /* an ancestor of it: make the group and copy its other members */
        hid_t ng = H5Gcreate2(st->to, path, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        if (ng < 0 || copy_except(st->from, st->to, path, st->skip) < 0)
            st->rc = -1;
        if (ng >= 0)
            H5Gclose(ng);
        return st->rc < 0 ? -1 : 0;
    }
    if (H5Ocopy(st->from, path, st->to, path, H5P_DEFAULT, H5P_DEFAULT) < 0) {
        st->rc = -1;
        return -1;
    }
    return 0;
}

/* Copies every object under group of from into to, except the dataset at
 * skip (and creating the groups on its way). */
static int copy_except(hid_t from, hid_t to, const char *group, const char *skip)
{
    copy_state st = {from, to, group, skip, 0};
    hid_t g = H5Gopen2(from, group, H5P_DEFAULT);
    if (g < 0)
        return -1;
    herr_t e = H5Literate(g, H5_INDEX_NAME, H5_ITER_NATIVE, NULL, copy_link, &st);
    H5Gclose(g);
    return e < 0 || st.rc < 0 ? -1 : 0;
}

int dusk__h5_create(const char *path, const char *tmp, const char *dataset, dusk_dtype dtype,
                    int ndim, const int64_t *shape, const int64_t *chunk, int gzip,
                    int overwrite, dusk_error *err)
{
    int rc = 0;
    struct stat st;
    int exists = stat(path, &st) == 0;
    hid_t file = H5I_INVALID_HID;
    lock();
    if (exists) {
        if (is_hdf5(path) <= 0) {
            rc = dusk_error_set(err, DUSK_EIO, "'%s' exists and is not an HDF5 file", path);
            goto done;
        }
        hid_t old = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
        htri_t has = old >= 0 ? link_exists(old, dataset) : -1;
        if (old < 0 || has < 0) {
            if (old >= 0)
                H5Fclose(old);
            rc = dusk_error_set(err, DUSK_EIO, "cannot read HDF5 file '%s'", path);
            goto done;
        }
        if (has && !overwrite) {
            H5Fclose(old);
            rc = dusk_error_set(err, DUSK_EIO, "'%s' already has '%s' (ask to overwrite it)",
                                path, dataset);
            goto done;
        }
        if (has) {
            /* Deleting a dataset in place does not give its space back:
             * build a new file with everything else instead. */
            file = create_excl(tmp);
            if (file >= 0 && copy_except(old, file, "/", dataset) < 0) {
                H5Fclose(old);
                rc = dusk_error_set(err, DUSK_EIO, "cannot copy the rest of '%s'", path);
                goto done;
            }
            H5Fclose(old);
        } else {
            H5Fclose(old);
            if (copy_file(path, tmp) < 0) {
                rc = dusk_error_set(err, DUSK_EIO, "cannot copy '%s' to '%s': %s", path, tmp,
                                    strerror(errno));
                goto done;
            }
            file = H5Fopen(tmp, H5F_ACC_RDWR, H5P_DEFAULT);
        }
    } else {
        file = create_excl(tmp);
    }
    if (file < 0) {
        rc = dusk_error_set(err, DUSK_EIO, "cannot write HDF5 file '%s' (as '%s')", path, tmp);
        goto done;
    }
    hsize_t dims[H5S_MAX_RANK], cdims[H5S_MAX_RANK];
    int chunked = ndim > 0;
    for (int i = 0; i < ndim; i++) {
        dims[i] = (hsize_t)shape[i];
        cdims[i] = (hsize_t)(chunk[i] > 0 ? chunk[i] : 1);
        if (shape[i] == 0)
            chunked = 0;
    }
    hid_t space = H5Screate_simple(ndim, dims, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    /* every element gets written: no fill values to write first */
    H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER);
    if (chunked) {
        H5Pset_chunk(dcpl, ndim, cdims);
        if (gzip > 0)
            H5Pset_deflate(dcpl, (unsigned)gzip);
    }
    hid_t ftype = native_type(dtype);
    hid_t dset = H5Dcreate2(file, dataset, ftype, space, lcpl, dcpl, H5P_DEFAULT);
    H5Tclose(ftype);
    H5Pclose(lcpl);
    H5Pclose(dcpl);
    H5Sclose(space);
    if (dset < 0 || H5Dclose(dset) < 0)
        rc = dusk_error_set(err, DUSK_EIO, "cannot create dataset '%s' in '%s'", dataset, path);
done:
    if (file >= 0 && H5Fclose(file) < 0 && !rc)
        rc = dusk_error_set(err, DUSK_EIO, "cannot write HDF5 file '%s' (as '%s')", path, tmp);
    unlock();
    return rc;
}
