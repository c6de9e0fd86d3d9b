/*
** dusk — HDF5 access, all of it under one lock
**
** libhdf5 as Debian builds it is not thread-safe, so every call into it in
** dusk happens here with h5_lock held; nothing else in dusk includes
** hdf5.h. HDF5's own error printing is turned off once: dusk reports
** errors itself, naming the file and dataset.
**
** Writing never touches the target until the end: a dataset is written
** into a copy of the file (or a new file) named <path>.dusk-tmp-<pid> in
** the same directory, and renamed over the target only when every chunk
** is written and the file is closed. A failed store leaves the target as
** it was.
*/
#include <errno.h>
#include <hdf5.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dusk/alloc.h"
#include "h5.h"

/* HDF5 1.10 (Debian 12) and 1.12+ name these differently. */
#if H5_VERSION_GE(1, 12, 0)
typedef H5O_info2_t obj_info;
#define get_info(loc, name, info) H5Oget_info_by_name3(loc, name, info, H5O_INFO_BASIC, H5P_DEFAULT)
#define is_hdf5(path) is_hdf5(path)
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

struct dusk__h5src {
    hid_t file, dset, mem_type;
    int ndim;
    char *what;  /* "path:dataset", for messages */
};

int dusk__h5_open(const char *path, const char *dataset, dusk__h5src **out,
                  dusk_dtype *dtype, int *ndim, int64_t *shape, dusk_error *err)
{
    *out = NULL;
    struct stat st;
    if (stat(path, &st) != 0)
        return dusk_error_set(err, DUSK_EIO, "cannot open '%s': %s", path, strerror(errno));
    dusk__h5src *s = dusk_calloc(1, sizeof *s);
    size_t wl = strlen(path) + strlen(dataset) + 2;
    char *what = dusk_malloc(wl);
    if (!s || !what) {
        dusk_free(s);
        dusk_free(what);
        return dusk_error_set(err, DUSK_ENOMEM, "out of memory opening '%s'", path);
    }
    snprintf(what, wl, "%s:%s", path, dataset);
    s->what = what;
    s->file = s->dset = s->mem_type = H5I_INVALID_HID;
    int rc = 0;
    lock();
    if (is_hdf5(path) <= 0) {
        rc = dusk_error_set(err, DUSK_EIO, "'%s' is not an HDF5 file", path);
        goto done;
    }
    s->file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (s->file < 0) {
        rc = dusk_error_set(err, DUSK_EIO, "cannot open HDF5 file '%s'", path);
        goto done;
    }
    obj_info info;
    if (link_exists(s->file, dataset) <= 0 || get_info(s->file, dataset, &info) < 0) {
        rc = dusk_error_set(err, DUSK_EIO, "no dataset '%s' in '%s'", dataset, path);
        goto done;
    }
    if (info.type != H5O_TYPE_DATASET) {
        rc = dusk_error_set(err, DUSK_EIO, "'%s' in '%s' is a %s, not a dataset", dataset, path,
                            info.type == H5O_TYPE_GROUP ? "group" : "named type");
        goto done;
    }
    s->dset = H5Dopen2(s->file, dataset, H5P_DEFAULT);
    hid_t ftype = s->dset >= 0 ? H5Dget_type(s->dset) : H5I_INVALID_HID;
    int dt = ftype >= 0 ? dtype_of(ftype) : -1;
    if (ftype >= 0)
        H5Tclose(ftype);
    if (dt < 0) {
        rc = dusk_error_set(err, DUSK_EIO,
                            "dataset '%s' in '%s' has a type dusk does not read "
                            "(it reads integers, float32/64 and bool)", dataset, path);
        goto done;
    }
    hid_t space = H5Dget_space(s->dset);
    int nd = H5Sget_simple_extent_ndims(space);
    hsize_t dims[H5S_MAX_RANK];
    if (nd < 0 || nd > DUSK_MAXDIMS || H5Sget_simple_extent_dims(space, dims, NULL) < 0) {
        H5Sclose(space);
        rc = dusk_error_set(err, DUSK_EIO, "cannot read the shape of '%s' in '%s'", dataset, path);
        goto done;
    }
    H5Sclose(space);
    for (int i = 0; i < nd; i++)
        shape[i] = (int64_t)dims[i];
    *ndim = s->ndim = nd;
    *dtype = (dusk_dtype)dt;
    s->mem_type = native_type((dusk_dtype)dt);
done:
    unlock();
    if (rc) {
        dusk__h5_close(s);
        return rc;
    }
    *out = s;
    return 0;
}

void dusk__h5_close(dusk__h5src *s)
{
    if (!s)
        return;
    lock();
    if (s->mem_type >= 0) H5Tclose(s->mem_type);
    if (s->dset >= 0) H5Dclose(s->dset);
    if (s->file >= 0) H5Fclose(s->file);
    unlock();
    dusk_free(s->what);
    dusk_free(s);
}

/* Selects [start, start + count) in a dataset's space; returns the file
 * and memory spaces (both to close), or -1. */
static int select_slab(hid_t dset, int ndim, const int64_t *start, const int64_t *count,
                       hid_t *fspace, hid_t *mspace)
{
    hsize_t st[H5S_MAX_RANK], ct[H5S_MAX_RANK];
    for (int i = 0; i < ndim; i++) {
        st[i] = (hsize_t)start[i];
        ct[i] = (hsize_t)count[i];
    }
    *fspace = H5Dget_space(dset);
    *mspace = H5Screate_simple(ndim, ct, NULL);
    if (*fspace < 0 || *mspace < 0 ||
        (ndim > 0 && H5Sselect_hyperslab(*fspace, H5S_SELECT_SET, st, NULL, ct, NULL) < 0)) {
        if (*fspace >= 0) H5Sclose(*fspace);
        if (*mspace >= 0) H5Sclose(*mspace);
        return -1;
    }
    return 0;
}

int dusk__h5_read(dusk__h5src *s, const int64_t *start, const int64_t *count, void *buf,
                  dusk_error *err)
{
    int rc = 0;
    lock();
    hid_t fspace, mspace;
    if (select_slab(s->dset, s->ndim, start, count, &fspace, &mspace) < 0) {
        rc = dusk_error_set(err, DUSK_EIO, "cannot select a block of %s", s->what);
    } else {
        if (H5Dread(s->dset, s->mem_type, mspace, fspace, H5P_DEFAULT, buf) < 0)
            rc = dusk_error_set(err, DUSK_EIO, "cannot read a block of %s", s->what);
        H5Sclose(fspace);
        H5Sclose(mspace);
    }
    unlock();
    return rc;
}

struct dusk__h5dst {
    hid_t file, dset, mem_type;
    int ndim;
    char *path, *tmp, *dataset;
};

/* Copies the file at from to to (which must not exist). */
static int copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb");
    if (!in)
        return -1;
    FILE *out = fopen(to, "wbx");
    if (!out) {
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

static char *dup_str(const char *s) { return dusk_strdup(s); }

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

int dusk__h5_create(const char *path, const char *dataset, dusk_dtype dtype, int ndim,
                    const int64_t *shape, const int64_t *chunk, int gzip, int overwrite,
                    dusk__h5dst **out, dusk_error *err)
{
    *out = NULL;
    if (gzip < 0 || gzip > 9)
        return dusk_error_set(err, DUSK_EINVAL, "gzip level must be 0 to 9, not %d", gzip);
    if (!dataset[0] || (dataset[0] == '/' && !dataset[1]))
        return dusk_error_set(err, DUSK_EINVAL, "no dataset name given for '%s'", path);
    dusk__h5dst *d = dusk_calloc(1, sizeof *d);
    size_t tl = strlen(path) + 40;
    char *tmp = dusk_malloc(tl);
    if (!d || !tmp || !(d->path = dup_str(path)) || !(d->dataset = dup_str(dataset))) {
        if (d) {
            dusk_free(d->path);
            dusk_free(d->dataset);
        }
        dusk_free(d);
        dusk_free(tmp);
        return dusk_error_set(err, DUSK_ENOMEM, "out of memory creating '%s'", path);
    }
    snprintf(tmp, tl, "%s.dusk-tmp-%ld", path, (long)getpid());
    d->tmp = tmp;
    d->ndim = ndim;
    d->file = d->dset = d->mem_type = H5I_INVALID_HID;
    unlink(tmp);  /* a leftover of a crashed run of this process id */
    int rc = 0;
    struct stat st;
    int exists = stat(path, &st) == 0;
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
            d->file = H5Fcreate(tmp, H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT);
            if (d->file >= 0 && copy_except(old, d->file, "/", dataset) < 0) {
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
            d->file = H5Fopen(tmp, H5F_ACC_RDWR, H5P_DEFAULT);
        }
    } else {
        d->file = H5Fcreate(tmp, H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT);
    }
    if (d->file < 0) {
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
    d->mem_type = native_type(dtype);
    d->dset = H5Dcreate2(d->file, dataset, d->mem_type, space, lcpl, dcpl, H5P_DEFAULT);
    H5Pclose(lcpl);
    H5Pclose(dcpl);
    H5Sclose(space);
    if (d->dset < 0)
        rc = dusk_error_set(err, DUSK_EIO, "cannot create dataset '%s' in '%s'", dataset, path);
done:
    unlock();
    if (rc) {
        dusk__h5_finish(d, 0, NULL);
        return rc;
    }
    *out = d;
    return 0;
}

int dusk__h5_write(dusk__h5dst *d, const int64_t *start, const int64_t *count,
                   const void *buf, dusk_error *err)
{
    int rc = 0;
    lock();
    hid_t fspace, mspace;
    if (select_slab(d->dset, d->ndim, start, count, &fspace, &mspace) < 0) {
        rc = dusk_error_set(err, DUSK_EIO, "cannot select a block of '%s' in '%s'", d->dataset,
                            d->path);
    } else {
        if (H5Dwrite(d->dset, d->mem_type, mspace, fspace, H5P_DEFAULT, buf) < 0)
            rc = dusk_error_set(err, DUSK_EIO, "cannot write a block of '%s' in '%s'",
                                d->dataset, d->path);
        H5Sclose(fspace);
        H5Sclose(mspace);
    }
    unlock();
    return rc;
}

int dusk__h5_finish(dusk__h5dst *d, int commit, dusk_error *err)
{
    if (!d)
        return 0;
    int rc = 0;
    lock();
    if (d->mem_type >= 0) H5Tclose(d->mem_type);
    if (d->dset >= 0 && H5Dclose(d->dset) < 0)
        rc = -1;
    if (d->file >= 0 && H5Fclose(d->file) < 0)
        rc = -1;
    unlock();
    if (rc < 0 && commit)
        rc = dusk_error_set(err, DUSK_EIO, "cannot finish writing '%s'", d->path);
    if (commit && rc == 0 && rename(d->tmp, d->path) != 0)
        rc = dusk_error_set(err, DUSK_EIO, "cannot rename '%s' to '%s': %s", d->tmp, d->path,
                            strerror(errno));
    if (!commit || rc)
        unlink(d->tmp);
    dusk_free(d->path);
    dusk_free(d->tmp);
    dusk_free(d->dataset);
    dusk_free(d);
    return rc;
}
