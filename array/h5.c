/*
** dusk — HDF5 access: every libhdf5 call under one lock, chunk I/O outside it
**
** Every call into libhdf5 in dusk happens here, with h5_lock held; nothing
** else in dusk includes hdf5.h. Debian's libhdf5 is the thread-safe build,
** but the lock is still what guards the cache below, and it keeps HDF5's
** global state (its id tables, its free lists) out of reach of races in
** builds that are not thread-safe.
**
** The bytes of most chunks move without the lock: for a chunked dataset
** without filters whose elements are stored as dusk holds them (native
** byte order), in a plain file (no user block, the default driver), a
** read asks libhdf5 under the lock only where each chunk it meets is
** (H5Dget_chunk_info_by_coord) and then, the lock let go, preads the
** chunks on a descriptor of its own; a store task writes a block that
** starts at a chunk's corner and, along each dimension, is one chunk long
** or reaches the end of a dataset that cannot grow (whole chunks, and the
** part of edge chunks inside the dataset, the rest of them zero, as
** libhdf5 leaves it) with pwrite at its chunks' places, which the
** datasets dusk makes have from the start (H5D_ALLOC_TIME_EARLY, without
** fill: nothing is written twice), so a write changes no metadata and
** never meets libhdf5 writing the same bytes. Workers then read and write
** at once (plan_direct, run_direct). A contiguous dataset (h5py's
** default layout, the lecture's own file) stored as dusk holds it is read
** the same way: libhdf5 says where its elements start (H5Dget_offset) and
** a block is preads of its runs (run_contig); libhdf5's H5Dread of such a
** block, under the lock, cost three times the CPU. Anything else goes
** through libhdf5 under the lock, as below: filtered chunks, other byte
** orders, other blocks in a store, chunks not stored whole where the
** index says, compact and external datasets, writes into a contiguous
** one. dusk__h5_set_raw(0) sends everything there (for tests).
**
** Errors: HDF5 keeps its error stack, and the choice to print it, per
** thread, so printing is turned off on each thread the first time it
** enters here (lock()); a failed call puts HDF5's innermost message (its
** reason: "name doesn't exist", "No space left on device") into the
** dusk_error after dusk's own words naming the file and dataset.
**
** Reading and writing go by name (path, dataset), so that a task carries
** nothing but values. Open datasets are kept in a small cache (under
** h5_lock too) keyed by path, dataset and mode, least recently used out
** first; before each use the path is stat()ed, and an entry whose file is
** no longer the one at that path (another inode: the file was replaced,
** as a store replaces its target; or, for reading, another size or
** modification time) is closed and opened again. A file is never open for
** reading and for writing at once: opening it one way closes the other.
** The cache holds files only while a compute or a store goes
** (dusk__h5_hold): when the last one ends, everything in it is closed, so
** that h5py, sharing this libhdf5, may replace a file dusk has read (a
** notebook's cell that writes the input, run again).
**
** Compressed datasets are not read through H5Dread: libhdf5 1.10.8 trusts
** what a chunk inflates to, and a corrupt chunk that inflates to fewer
** bytes than the chunk holds makes it copy past its buffer (a segfault,
** not an error). dusk reads the bytes each chunk's index records
** itself (read_stored: pread, where H5Dread_chunk may write past what
** the index records) and decodes them with zlib: gzip, shuffle and
** fletcher32, the filters h5py and dusk write, checking that the result is
** exactly one chunk; a dataset with any other filter is refused when it is
** opened. Datasets without filters are read with H5Dread, which decodes
** nothing. The last chunk decoded is kept with its dataset, for blocks
** smaller than a chunk.
**
** Writing never touches the target: dusk__h5_create fills a temporary
** file reserved beside it (a copy of it, or a new file), store tasks write
** into that file, dusk__h5_release closes it, and the caller renames it
** into place (array/store.c). The files dusk writes are opened with
** H5F_CLOSE_STRONG (closing a file closes what is open in it) and their
** datasets without a chunk cache: each block goes to disk in its H5Dwrite,
** so a write that fails (a full disk) fails there, and no dirty chunk is
** left behind for a failed close to leak (libhdf5 keeps it, about a
** chunk cache's worth a store, when H5Dclose cannot flush it).
*/
#define _GNU_SOURCE  /* copy_file_range */
#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "core/util.h"
#include "dusk/alloc.h"
#include "h5.h"
#include "h5held.h"

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
/* Whether raw I/O outside the lock may be planned (dusk__h5_set_raw). */
static atomic_int raw_io = 1;
/* HDF5's automatic error printing is per thread in its thread-safe build:
 * off while dusk calls into HDF5 (its reason goes into dusk's message),
 * and given back as it was, for the host's own HDF5 code on that thread. */
static _Thread_local H5E_auto2_t host_func;
static _Thread_local void *host_data;

static void lock(void)
{
    pthread_mutex_lock(&h5_lock);
    host_func = NULL;
    host_data = NULL;
    H5Eget_auto2(H5E_DEFAULT, &host_func, &host_data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

static void unlock(void)
{
    H5Eset_auto2(H5E_DEFAULT, host_func, host_data);
    pthread_mutex_unlock(&h5_lock);
}

/* Keeps the description of the innermost frame of the error stack (walked
 * from the API call inwards, the last one seen). */
static herr_t innermost(unsigned n, const H5E_error2_t *e, void *ud)
{
    (void)n;
    if (!e->desc || !e->desc[0])
        return 0;
    char *why = ud;
    /* a failed system call: "file write failed: time = ..., errno = 28,
     * error message = 'No space left on device', buf = ..." says what
     * matters in its first words and its error message */
    const char *colon = strchr(e->desc, ':');
    const char *em = strstr(e->desc, "error message = '");
    const char *end = em ? strchr(em + 17, '\'') : NULL;
    if (colon && em && end)
        snprintf(why, 256, "%.*s: %.*s", (int)(colon - e->desc), e->desc,
                 (int)(end - em - 17), em + 17);
    else
        snprintf(why, 256, "%s", e->desc);
    for (char *c = why; *c; c++)
        if (*c == '\n')
            *c = ' ';
    return 0;
}

/* HDF5's reason for the call that just failed on this thread ("" when it
 * gave none) into why (256 bytes); clears the error stack. */
static void h5_reason(char *why)
{
    why[0] = '\0';
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, innermost, why);
    H5Eclear2(H5E_DEFAULT);
}

/* Fills err with code and the message, followed by HDF5's reason for the
 * call that just failed on this thread (when it gave one), and clears
 * HDF5's error stack. Caller holds h5_lock. Returns code. */
static int h5_fail(dusk_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int h5_fail(dusk_error *err, int code, const char *fmt, ...)
{
    char msg[DUSK_ERROR_MSG_MAX], why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    h5_reason(why);
    if (why[0])
        return dusk_error_set(err, code, "%s: %s", msg, why);
    return dusk_error_set(err, code, "%s", msg);
}

/* A file access property list whose files close everything open in them
 * when they close (H5F_CLOSE_STRONG), so that no id outlives its file on
 * an error path. Caller closes it. Only for the files dusk writes, which
 * are its own: HDF5 refuses to open one file twice with two close
 * degrees, and files dusk reads may be open in its host's own HDF5 code
 * too (with the default degree). */
static hid_t strong_fapl(void)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl >= 0 && H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) < 0) {
        H5Pclose(fapl);
        return H5I_INVALID_HID;
    }
    return fapl;
}

/* Opens path: for reading as any HDF5 program does, for writing (a
 * temporary file of a store) with strong_fapl. */
static hid_t file_open(const char *path, unsigned flags)
{
    if (flags == H5F_ACC_RDONLY)
        return H5Fopen(path, flags, H5P_DEFAULT);
    hid_t fapl = strong_fapl();
    hid_t f = fapl >= 0 ? H5Fopen(path, flags, fapl) : H5I_INVALID_HID;
    if (fapl >= 0)
        H5Pclose(fapl);
    return f;
}

static hid_t file_create(const char *path)
{
    hid_t fapl = strong_fapl();
    hid_t f = fapl >= 0 ? H5Fcreate(path, H5F_ACC_EXCL, H5P_DEFAULT, fapl) : H5I_INVALID_HID;
    if (fapl >= 0)
        H5Pclose(fapl);
    return f;
}

/* h5py's complex number: a compound of 'r' and 'i', each a float of
 * part (native byte order). */
static hid_t complex_type(hid_t part, size_t size)
{
    hid_t c = H5Tcreate(H5T_COMPOUND, 2 * size);
    if (c >= 0 && (H5Tinsert(c, "r", 0, part) < 0 || H5Tinsert(c, "i", size, part) < 0)) {
        H5Tclose(c);
        return H5I_INVALID_HID;
    }
    return c;
}

/* IEEE binary16 as h5py makes it (libhdf5 1.10 has no predefined one):
 * float32's layout narrowed to 1 sign, 5 exponent and 10 mantissa bits. */
static hid_t half_type(void)
{
    hid_t t = H5Tcopy(H5T_NATIVE_FLOAT);
    if (t >= 0 && (H5Tset_fields(t, 15, 10, 5, 0, 10) < 0 || H5Tset_size(t, 2) < 0 ||
                   H5Tset_precision(t, 16) < 0 || H5Tset_ebias(t, 15) < 0)) {
        H5Tclose(t);
        return H5I_INVALID_HID;
    }
    return t;
}

/* The native HDF5 type of a dusk dtype (bool: an int8 enum, complex: a
 * compound of 'r' and 'i', f2: a 16-bit IEEE float, all as h5py). */
static hid_t native_type(dusk_dtype t)
{
    switch (t) {
    case DUSK_DT_F2: return half_type();
    case DUSK_DT_C16: return complex_type(H5T_NATIVE_DOUBLE, 8);
    case DUSK_DT_C8: return complex_type(H5T_NATIVE_FLOAT, 4);
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

/* The complex dtype of a compound type in h5py's layout ('r' then 'i',
 * floats of 4 or 8 bytes, one after the other), or -1. */
static int complex_of(hid_t type)
{
    if (H5Tget_nmembers(type) != 2)
        return -1;
    size_t part = H5Tget_size(type) / 2;
    int ok = part == 4 || part == 8;
    for (unsigned i = 0; ok && i < 2; i++) {
        char *name = H5Tget_member_name(type, i);
        ok = name && strcmp(name, i ? "i" : "r") == 0 &&
             H5Tget_member_class(type, i) == H5T_FLOAT && H5Tget_member_offset(type, i) == i * part;
        if (name)
            H5free_memory(name);
        hid_t m = ok ? H5Tget_member_type(type, i) : H5I_INVALID_HID;
        ok = ok && m >= 0 && H5Tget_size(m) == part;
        if (m >= 0)
            H5Tclose(m);
    }
    return !ok ? -1 : part == 8 ? DUSK_DT_C16 : DUSK_DT_C8;
}

/* Whether an enum is h5py's bool: one byte, members FALSE and TRUE.
 * libhdf5 converts enums by member name, so another enum of one byte and
 * two members (h5py.enum_dtype({'A': 0, 'B': 1})) cannot be read as bool. */
static bool is_h5py_bool(hid_t type)
{
    if (H5Tget_size(type) != 1 || H5Tget_nmembers(type) != 2)
        return false;
    bool f = false, t = false;
    for (unsigned i = 0; i < 2; i++) {
        char *name = H5Tget_member_name(type, i);
        f |= name && strcmp(name, "FALSE") == 0;
        t |= name && strcmp(name, "TRUE") == 0;
        if (name)
            H5free_memory(name);
    }
    return f && t;
}

/* The dusk dtype of a file's type, or -1. */
static int dtype_of(hid_t type)
{
    H5T_class_t cls = H5Tget_class(type);
    size_t size = H5Tget_size(type);
    if (cls == H5T_FLOAT)
        return size == 8 ? DUSK_DT_F8 : size == 4 ? DUSK_DT_F4 : size == 2 ? DUSK_DT_F2 : -1;
    if (cls == H5T_COMPOUND)
        return complex_of(type);
    if (cls == H5T_ENUM && is_h5py_bool(type))
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

/* Whether a number type's bit layout fits in its bytes. libhdf5 1.10
 * takes a file's word for it: an int16 of 65,296 bits is opened, and
 * converting its elements reads past every buffer. Writes why into why
 * when it does not. */
static bool type_fits(hid_t type, char *why, size_t n)
{
    H5T_class_t cls = H5Tget_class(type);
    if (cls == H5T_COMPOUND) {   /* a complex number: each of its parts */
        int nm = H5Tget_nmembers(type);
        bool ok = nm > 0;
        for (int i = 0; ok && i < nm; i++) {
            hid_t m = H5Tget_member_type(type, (unsigned)i);
            ok = m >= 0 && type_fits(m, why, n);
            if (m >= 0)
                H5Tclose(m);
        }
        if (nm <= 0)
            snprintf(why, n, "a compound without members");
        return ok;
    }
    if (cls == H5T_ENUM) {
        hid_t base = H5Tget_super(type);
        bool ok = base >= 0 && type_fits(base, why, n);
        if (base >= 0)
            H5Tclose(base);
        if (base < 0)
            snprintf(why, n, "an enum without a base type");
        return ok;
    }
    size_t bits = H5Tget_size(type) * 8, prec = H5Tget_precision(type);
    int off = H5Tget_offset(type);
    if (prec == 0 || off < 0 || prec > bits || (size_t)off > bits - prec) {
        snprintf(why, n, "%zu bits at bit %d of a %zu-byte number", prec, off, bits / 8);
        return false;
    }
    if (cls == H5T_FLOAT) {
        size_t spos, epos, esize, mpos, msize;
        if (H5Tget_fields(type, &spos, &epos, &esize, &mpos, &msize) < 0 || esize == 0 ||
            msize == 0 || spos >= bits || epos > bits || esize > bits - epos || mpos > bits ||
            msize > bits - mpos) {
            snprintf(why, n, "float fields that do not fit its %zu bytes", bits / 8);
            return false;
        }
    }
    return true;
}

static void type_desc(hid_t type, char *buf, size_t n);

/* H5Lexists on every component of a path ("/a/b/c"), as HDF5 wants.
 * Whether path names an object of file: 1, 0, or -1 when HDF5 fails.
 * -2 when a part of it on the way is not a group (a dataset "/x" of
 * "/x/deeper"): that part goes into blocker (n bytes). */
static htri_t link_exists(hid_t file, const char *path, char *blocker, size_t n)
{
    char buf[4096];
    size_t len = strlen(path);
    if (len >= sizeof buf)
        return -1;
    memcpy(buf, path, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        char c = buf[i];
        buf[i] = '\0';
        if (i > 1 || buf[0] != '/') {
            htri_t e = H5Lexists(file, buf, H5P_DEFAULT);
            if (e <= 0)
                return e;
            if (c == '/') {   /* more to come: this part must be a group */
                hid_t obj = H5Oopen(file, buf, H5P_DEFAULT);
                if (obj < 0)
                    return -1;
                H5I_type_t t = H5Iget_type(obj);
                H5Oclose(obj);
                if (t != H5I_GROUP) {
                    snprintf(blocker, n, "%s", buf);
                    return -2;
                }
            }
        }
        buf[i] = c;
    }
    return 1;
}

/* --- the cache of open datasets -------------------------------------------- */

#define NCACHE 8

#define MAXFILTERS 8
#define KEEP_CHUNK_MAX ((size_t)64 << 20)  /* a decoded chunk kept for the next read */

typedef struct {
    int used, writable;
    char path[4096], dataset[1024];
    hid_t file, dset;
    hid_t ftype;                 /* the elements' type in the file (reading) */
    int ndim;                    /* of the dataset's space */
    dusk_dtype dtype;            /* of the dataset's elements */
    int64_t shape[DUSK_MAXDIMS];
    dev_t dev;                   /* the file it opened, to notice a replacement */
    ino_t ino;
    off_t size;
    struct timespec mtime;
    unsigned long last;          /* when last used, for eviction */
    /* a chunked dataset, which dusk reads and decodes itself (reading) */
    int chunked;                 /* cdims and chunk_bytes are read */
    int nfilters;                /* of a chunked dataset, which dusk reads itself */
    H5Z_filter_t filter[MAXFILTERS];   /* in pipeline (writing) order */
    unsigned shuffle_size[MAXFILTERS]; /* element size, for shuffle */
    int edge_raw;                /* partial edge chunks are stored unfiltered */
    hid_t dcpl;                  /* for the fill value of chunks never written */
    hsize_t cdims[H5S_MAX_RANK]; /* a chunk's shape */
    size_t chunk_bytes;          /* a chunk's size in the file's type */
    unsigned char *cbuf;         /* the last chunk decoded, as cdtype */
    hsize_t coff[H5S_MAX_RANK];  /* its offset in elements */
    int cvalid;
    dusk_dtype cdtype;
    /* raw chunk I/O outside h5_lock (plan_direct, run_direct) */
    int fd;                      /* dusk's own descriptor of the file, or -1 */
    int direct;                  /* chunked, unfiltered, stored as dtype: raw bytes are values */
    int contig;                  /* (reading, direct) contiguous: all elements from contig_addr */
    int64_t contig_addr;
    int early;                   /* (writing) every chunk allocated when the dataset was made */
    int extendible;              /* its maxshape is not its shape */
    size_t direct_bytes;         /* a chunk's size on disk */
    hsize_t dcdims[H5S_MAX_RANK];
    unsigned char fill[64];      /* one element of the fill value, for chunks never written */
} entry;

static entry cache[NCACHE];      /* guarded by h5_lock */
static unsigned long uses;
static int runs;                 /* computes and stores going on (dusk__h5_hold), h5_lock */

/* Closes e; -1, with HDF5's reason for the first failure in why (256
 * bytes, when not NULL), when closing did not flush everything. */
static int entry_close_why(entry *e, char *why)
{
    int rc = 0;
    if (e->ftype >= 0)
        H5Tclose(e->ftype);
    if (e->dcpl >= 0)
        H5Pclose(e->dcpl);
    if (e->dset >= 0 && H5Dclose(e->dset) < 0) {
        rc = -1;
        if (why)
            h5_reason(why);
    }
    if (e->file >= 0 && H5Fclose(e->file) < 0) {
        if (why && !rc)
            h5_reason(why);
        rc = -1;
    }
    free(e->cbuf);
    e->cbuf = NULL;
    e->cvalid = 0;
    e->nfilters = 0;
    e->chunked = 0;
    e->used = 0;
    if (e->fd >= 0)
        close(e->fd);
    e->fd = -1;
    e->direct = 0;
    e->contig = 0;
    e->file = e->dset = e->ftype = e->dcpl = H5I_INVALID_HID;
    return rc;
}

static int entry_close(entry *e) { return entry_close_why(e, NULL); }

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

/* Reads how e's dataset is stored: for a chunked dataset (filtered or not),
 * its chunk shape and filters, refusing filters dusk does not decode.
 * Caller holds h5_lock. */
static int inspect_filters(entry *e, const char *path, const char *dataset, dusk_error *err)
{
    e->dcpl = H5Dget_create_plist(e->dset);
    if (e->dcpl < 0)
        return h5_fail(err, DUSK_EIO, "cannot read how '%s' in '%s' is stored", dataset, path);
    int n = H5Pget_nfilters(e->dcpl);
    if (n < 0)
        return h5_fail(err, DUSK_EIO, "cannot read the filters of '%s' in '%s'", dataset, path);
    if (H5Pget_layout(e->dcpl) != H5D_CHUNKED)
        return 0;
    if (n > MAXFILTERS)
        return dusk_error_set(err, DUSK_EIO, "'%s' in '%s' has %d HDF5 filters; dusk decodes "
                              "at most %d", dataset, path, n, MAXFILTERS);
    if (H5Pget_chunk(e->dcpl, H5S_MAX_RANK, e->cdims) != e->ndim)
        return h5_fail(err, DUSK_EIO, "cannot read the chunk shape of '%s' in '%s'", dataset,
                       path);
    /* HDF5 keeps a chunk under 4 GiB, and none of its sides is 0 */
    uint64_t bytes = H5Tget_size(e->ftype);
    for (int d = 0; d < e->ndim; d++) {
        if (e->cdims[d] == 0)
            return dusk_error_set(err, DUSK_EIO, "'%s' in '%s' is corrupt: its chunks have a "
                                  "side of 0", dataset, path);
        bytes *= e->cdims[d];
        if (bytes > UINT32_MAX)
            return dusk_error_set(err, DUSK_EIO, "the chunks of '%s' in '%s' are larger than "
                                  "HDF5 allows", dataset, path);
    }
    e->chunk_bytes = (size_t)bytes;
    e->chunked = 1;
    for (int i = 0; i < n; i++) {
        unsigned flags, cd[8], config;
        size_t ncd = 8;
        char name[64] = "";
        H5Z_filter_t id = H5Pget_filter2(e->dcpl, (unsigned)i, &flags, &ncd, cd, sizeof name,
                                         name, &config);
        e->filter[i] = id;
        if (id == H5Z_FILTER_SHUFFLE)
            e->shuffle_size[i] = ncd > 0 && cd[0] > 0 ? cd[0] : (unsigned)H5Tget_size(e->ftype);
        else if (id != H5Z_FILTER_DEFLATE && id != H5Z_FILTER_FLETCHER32)
            return dusk_error_set(err, DUSK_EIO, "'%s' in '%s' is stored with the HDF5 filter "
                                  "'%s' (id %d), which dusk does not read (it reads gzip, "
                                  "shuffle and fletcher32)", dataset, path,
                                  name[0] ? name : "?", (int)id);
    }
    unsigned opts = 0;
    if (H5Pget_chunk_opts(e->dcpl, &opts) < 0)
        return h5_fail(err, DUSK_EIO, "cannot read the chunk options of '%s' in '%s'", dataset,
                       path);
    e->edge_raw = (opts & H5D_CHUNK_DONT_FILTER_PARTIAL_CHUNKS) != 0;
    e->nfilters = n;
    return 0;
}

/* Whether e's chunks can be read (or written) with pread (pwrite) at the
 * addresses libhdf5 gives, outside h5_lock: a chunked dataset without
 * filters whose elements are stored as e->dtype's native type, in a plain
 * file (the sec2 driver, no user block, so an address is a file offset).
 * For writing, every chunk must also have been allocated when the dataset
 * was made (H5D_ALLOC_TIME_EARLY, as dusk__h5_create makes them): then no
 * write changes the file's metadata. Sets e->direct and opens e->fd; when
 * anything does not hold, e stays on libhdf5's own reads and writes.
 * Caller holds h5_lock. */
static void inspect_direct(entry *e, const char *path, const struct stat *st)
{
    hid_t dcpl = e->dcpl >= 0 ? e->dcpl : H5Dget_create_plist(e->dset);
    hid_t fcpl = H5Fget_create_plist(e->file), fapl = H5Fget_access_plist(e->file);
    hid_t native = native_type(e->dtype), space = H5Dget_space(e->dset);
    hsize_t ub = 1, dims[H5S_MAX_RANK], maxd[H5S_MAX_RANK];
    H5D_alloc_time_t at = H5D_ALLOC_TIME_ERROR;
    uint64_t bytes = H5Tget_size(e->ftype);
    H5D_layout_t layout = dcpl >= 0 ? H5Pget_layout(dcpl) : H5D_LAYOUT_ERROR;
    /* a contiguous dataset (h5py's default) is read raw too, not written */
    int contig = layout == H5D_CONTIGUOUS && !e->writable;
    int ok = dcpl >= 0 && fcpl >= 0 && fapl >= 0 && native >= 0 && space >= 0 && e->ndim > 0 &&
             (layout == H5D_CHUNKED || contig) && H5Pget_nfilters(dcpl) == 0 &&
             (contig ? H5Pget_external_count(dcpl) == 0
                     : H5Pget_chunk(dcpl, H5S_MAX_RANK, e->dcdims) == e->ndim) &&
             H5Pget_userblock(fcpl, &ub) >= 0 && ub == 0 &&
             H5Pget_driver(fapl) == H5FD_SEC2 && H5Tequal(e->ftype, native) > 0 &&
             H5Pget_alloc_time(dcpl, &at) >= 0 &&
             H5Sget_simple_extent_dims(space, dims, maxd) == e->ndim;
    e->contig = 0;
    if (ok && contig) {
        /* its elements from one address to the end of what the file held
         * when opened (a shorter file goes to libhdf5, which says so) */
        haddr_t a = H5Dget_offset(e->dset);
        uint64_t total = bytes;
        for (int d = 0; ok && d < e->ndim; d++) {
            ok = dims[d] == 0 || total <= UINT64_MAX / dims[d];
            total *= dims[d];
        }
        ok = ok && a != HADDR_UNDEF && total > 0 && a <= (haddr_t)INT64_MAX - total &&
             (off_t)(a + total) <= st->st_size;
        e->contig = ok;
        e->contig_addr = ok ? (int64_t)a : -1;
    }
    for (int d = 0; ok && !contig && d < e->ndim; d++) {
        bytes *= e->dcdims[d];
        ok = e->dcdims[d] > 0 && bytes <= UINT32_MAX;
    }
    e->extendible = 0;
    for (int d = 0; ok && d < e->ndim; d++)
        e->extendible |= maxd[d] != dims[d];
    e->early = at == H5D_ALLOC_TIME_EARLY;
    if (ok && e->writable && !e->early)
        ok = 0;
    /* what H5Dread gives for a chunk never written (decode_chunk's rule) */
    H5D_fill_value_t fv = H5D_FILL_VALUE_UNDEFINED;
    memset(e->fill, 0, sizeof e->fill);
    if (ok && !e->writable)
        ok = H5Tget_size(e->ftype) <= sizeof e->fill && H5Pfill_value_defined(dcpl, &fv) >= 0 &&
             (fv == H5D_FILL_VALUE_UNDEFINED || H5Pget_fill_value(dcpl, e->ftype, e->fill) >= 0);
    H5Eclear2(H5E_DEFAULT);
    if (ok) {
        /* the very file libhdf5 has open, not one put at the path since */
        int fd = open(path, (e->writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
        struct stat now;
        if (fd >= 0 && fstat(fd, &now) == 0 && now.st_dev == st->st_dev &&
            now.st_ino == st->st_ino) {
            e->fd = fd;
            e->direct = 1;
            e->direct_bytes = (size_t)bytes;
        } else if (fd >= 0) {
            close(fd);
        }
    }
    if (dcpl >= 0 && dcpl != e->dcpl)
        H5Pclose(dcpl);
    if (fcpl >= 0)
        H5Pclose(fcpl);
    if (fapl >= 0)
        H5Pclose(fapl);
    if (native >= 0)
        H5Tclose(native);
    if (space >= 0)
        H5Sclose(space);
}

/* What the link name of group g is: H5O_TYPE_DATASET or H5O_TYPE_GROUP, or
 * -1 for anything else (a soft, external or dangling link, a named type),
 * which a listing leaves out. */
static int member_kind(hid_t g, const char *name, const H5L_info_t *li)
{
    obj_info oi;
    if (li->type != H5L_TYPE_HARD || get_info(g, name, &oi) < 0 ||
        (oi.type != H5O_TYPE_DATASET && oi.type != H5O_TYPE_GROUP)) {
        H5Eclear2(H5E_DEFAULT);
        return -1;
    }
    return oi.type;
}

/* The members of a group, as list_members gathers them: each (name,
 * "dataset" or "group"), hard links only, in name order. */
typedef struct {
    dusk_value **items;
    size_t n, cap;
    int oom;
} member_list;

static herr_t add_member(hid_t g, const char *name, const H5L_info_t *li, void *ud)
{
    member_list *l = ud;
    int kind = member_kind(g, name, li);
    if (kind < 0)
        return 0;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 8;
        dusk_value **p = dusk_realloc(l->items, cap * sizeof *p);
        if (!p) {
            l->oom = 1;
            return -1;
        }
        l->items = p;
        l->cap = cap;
    }
    dusk_value *pair[2] = {dusk_string(name),
                           dusk_string(kind == H5O_TYPE_DATASET ? "dataset" : "group")};
    if (!(l->items[l->n] = dusk_tuple_of(2, pair))) {
        l->oom = 1;
        return -1;
    }
    l->n++;
    return 0;
}

/* The members of group where in file (open; caller holds h5_lock) into
 * *out, dusk_hdf5_list's tuple: 0, DUSK_ENOMEM, or DUSK_EIO when HDF5
 * cannot list it (the caller says what failed). */
static int list_members(hid_t file, const char *where, dusk_value **out)
{
    member_list l = {NULL, 0, 0, 0};
    hid_t g = H5Gopen2(file, where, H5P_DEFAULT);
    int rc = 0;
    if (g < 0 || H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, NULL, add_member, &l) < 0) {
        rc = l.oom ? DUSK_ENOMEM : DUSK_EIO;
    } else {
        if (!(*out = dusk_tuple_of(l.n, l.items)))
            rc = DUSK_ENOMEM;
        l.n = 0;   /* the tuple has them, or dusk_tuple_of let them go */
    }
    for (size_t i = 0; i < l.n; i++)
        dusk_value_unref(l.items[i]);
    dusk_free(l.items);
    if (g >= 0)
        H5Gclose(g);
    return rc;
}

/* What group in file holds (dusk__h5_held), for the message of one named
 * where a dataset was wanted; "" when HDF5 cannot say. Caller holds
 * h5_lock. */
static void group_datasets(hid_t file, const char *group, char *buf, size_t n)
{
    dusk_value *list = NULL;
    buf[0] = '\0';
    if (list_members(file, group, &list) != 0)
        H5Eclear2(H5E_DEFAULT);
    else
        dusk__h5_held(list, buf, n);
    dusk_value_unref(list);
}

/* Opens path:dataset into e (which the caller closes), checking that it is
 * a dataset dusk reads. Caller holds h5_lock. */
static int open_entry(entry *e, const char *path, const char *dataset, int writable,
                      const struct stat *st, dusk_error *err)
{
    e->file = e->dset = e->ftype = e->dcpl = H5I_INVALID_HID;
    e->cbuf = NULL;
    e->cvalid = 0;
    e->nfilters = 0;
    e->chunked = 0;
    e->fd = -1;
    e->direct = 0;
    e->contig = 0;
    e->writable = writable;
    e->dev = st->st_dev;
    e->ino = st->st_ino;
    e->size = st->st_size;
    e->mtime = st->st_mtim;
    if (!writable && is_hdf5(path) <= 0)
        return h5_fail(err, DUSK_EIO, "'%s' is not an HDF5 file", path);
    e->file = file_open(path, writable ? H5F_ACC_RDWR : H5F_ACC_RDONLY);
    if (e->file < 0)
        return h5_fail(err, DUSK_EIO, "cannot open HDF5 file '%s'", path);
    obj_info info;
    if (get_info(e->file, dataset, &info) < 0) {
        /* a dataset on the way ("/x" of "/x/deeper") is named as such */
        char blocker[4096], why[256];
        h5_reason(why);
        int blocked = link_exists(e->file, dataset, blocker, sizeof blocker) == -2;
        H5Eclear2(H5E_DEFAULT);
        if (blocked)
            return dusk_error_set(err, DUSK_EIO, "no dataset '%s' in '%s': '%s' there is a "
                                  "dataset, not a group", dataset, path, blocker);
        if (why[0])
            return dusk_error_set(err, DUSK_EIO, "no dataset '%s' in '%s': %s", dataset, path,
                                  why);
        return dusk_error_set(err, DUSK_EIO, "no dataset '%s' in '%s'", dataset, path);
    }
    if (info.type == H5O_TYPE_GROUP) {
        char held[384];
        group_datasets(e->file, dataset, held, sizeof held);
        return dusk_error_set(err, DUSK_EIO, "'%s' in '%s' is a group, not a dataset%s", dataset,
                              path, held);
    }
    if (info.type != H5O_TYPE_DATASET)
        return dusk_error_set(err, DUSK_EIO, "'%s' in '%s' is a named type, not a dataset",
                              dataset, path);
    /* blocks written go straight to the file: nothing dirty is kept that a
     * failed close would have to drop (array/h5.c's banner) */
    hid_t dapl = H5Pcreate(H5P_DATASET_ACCESS);
    if (dapl >= 0 && writable)
        H5Pset_chunk_cache(dapl, 0, 0, 1.0);
    e->dset = dapl >= 0 ? H5Dopen2(e->file, dataset, dapl) : H5I_INVALID_HID;
    if (dapl >= 0)
        H5Pclose(dapl);
    if (e->dset < 0)
        return h5_fail(err, DUSK_EIO, "cannot open dataset '%s' in '%s'", dataset, path);
    e->ftype = H5Dget_type(e->dset);
    int dt = e->ftype >= 0 ? dtype_of(e->ftype) : -1;
    if (dt < 0) {
        char desc[128] = "";
        if (e->ftype >= 0)
            type_desc(e->ftype, desc, sizeof desc);
        return dusk_error_set(err, DUSK_EIO,
                              "dataset '%s' in '%s' has a type dusk does not read%s%s "
                              "(it reads integers, float16/32/64, complex64/128 as h5py "
                              "writes them and bool, h5py's enum of FALSE and TRUE)", dataset,
                              path, desc[0] ? ", " : "", desc);
    }
    char why[128];
    if (!type_fits(e->ftype, why, sizeof why))
        return dusk_error_set(err, DUSK_EIO, "dataset '%s' in '%s' is corrupt: its type "
                              "claims %s", dataset, path, why);
    hid_t space = H5Dget_space(e->dset);
    /* a null dataspace has rank 0 like a scalar but no element to read */
    if (space >= 0 && H5Sget_simple_extent_type(space) == H5S_NULL) {
        H5Sclose(space);
        return dusk_error_set(err, DUSK_EIO, "dataset '%s' in '%s' has a null dataspace (no "
                              "shape and no elements, h5py's Empty), which dusk does not read",
                              dataset, path);
    }
    int nd = space >= 0 ? H5Sget_simple_extent_ndims(space) : -1;
    hsize_t dims[H5S_MAX_RANK];
    int ok = nd >= 0 && nd <= DUSK_MAXDIMS && H5Sget_simple_extent_dims(space, dims, NULL) >= 0;
    if (space >= 0)
        H5Sclose(space);
    if (!ok)
        return h5_fail(err, DUSK_EIO, "cannot read the shape of '%s' in '%s'", dataset, path);
    for (int i = 0; i < nd; i++)
        e->shape[i] = (int64_t)dims[i];
    e->ndim = nd;
    e->dtype = (dusk_dtype)dt;
    int rc = writable ? 0 : inspect_filters(e, path, dataset, err);
    if (!rc)
        inspect_direct(e, path, st);
    return rc;
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
    if (dusk__not_a_file(&st)) {
        dusk_error_set(err, DUSK_EIO, "cannot open '%s': it is %s, not an HDF5 file", path,
                       dusk__not_a_file(&st));
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
    /* names too long for the cache are cut in the scratch entry's messages */
    snprintf(slot->path, sizeof slot->path, "%s", path);
    snprintf(slot->dataset, sizeof slot->dataset, "%s", dataset);
    if (slot != scratch) {
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
        if (e == &scratch || runs == 0)
            entry_close(e);   /* from_hdf5 leaves the file closed (dusk__h5_hold) */
    }
    unlock();
    return e ? 0 : err ? err->code : DUSK_EIO;
}

/* --- decoding the chunks of a filtered dataset ------------------------------ */

/* HDF5's Fletcher-32 (H5_checksum_fletcher32): 16-bit big-endian words,
 * an odd last byte as the high half of one. */
static uint32_t fletcher32(const unsigned char *p, size_t len)
{
    uint32_t s1 = 0, s2 = 0;
    for (size_t words = len / 2; words > 0;) {
        size_t t = words > 360 ? 360 : words;
        words -= t;
        for (; t > 0; t--, p += 2) {
            s1 += (uint32_t)p[0] << 8 | p[1];
            s2 += s1;
        }
        s1 = (s1 & 0xffff) + (s1 >> 16);
        s2 = (s2 & 0xffff) + (s2 >> 16);
    }
    if (len % 2) {
        s1 += (uint32_t)p[0] << 8;
        s2 += s1;
        s1 = (s1 & 0xffff) + (s1 >> 16);
        s2 = (s2 & 0xffff) + (s2 >> 16);
    }
    s1 = (s1 & 0xffff) + (s1 >> 16);
    s2 = (s2 & 0xffff) + (s2 >> 16);
    return s2 << 16 | s1;
}

/* "(10, 0)": a chunk's offset, for messages. */
static const char *offset_text(char *buf, size_t n, int ndim, const hsize_t *off)
{
    size_t k = (size_t)snprintf(buf, n, "(");
    for (int d = 0; d < ndim && k < n; d++)
        k += (size_t)snprintf(buf + k, n - k, "%s%llu", d ? ", " : "", (unsigned long long)off[d]);
    if (k < n)
        snprintf(buf + k, n - k, ")");
    return buf;
}

/* Inflates in (n bytes) into out, which must come out exactly want bytes
 * long; NULL, or what is wrong. */
static const char *inflate_exact(const unsigned char *in, size_t n, unsigned char *out,
                                 size_t want, char *why, size_t nwhy)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (n > UINT32_MAX || want > UINT32_MAX || inflateInit(&z) != Z_OK)
        return "zlib could not start";
    z.next_in = (unsigned char *)in;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)want;
    int zr = inflate(&z, Z_FINISH);
    size_t got = z.total_out;
    const char *zmsg = z.msg ? z.msg : "";
    if (zr == Z_STREAM_END && got == want)
        snprintf(why, nwhy, "%s", "");
    else if (zr == Z_STREAM_END)
        snprintf(why, nwhy, "it inflates to %zu bytes, not the %zu of a chunk", got, want);
    else if (zr == Z_BUF_ERROR && z.avail_out == 0)
        snprintf(why, nwhy, "it inflates to more than the %zu bytes of a chunk", want);
    else if (zr == Z_BUF_ERROR)
        snprintf(why, nwhy, "its gzip data ends early");
    else
        snprintf(why, nwhy, "its gzip data is corrupt (zlib: %s)", zmsg[0] ? zmsg : "error");
    inflateEnd(&z);
    return why[0] ? why : NULL;
}

/* Whether the chunk at off is a partial one at the dataset's far edge. */
static int partial_edge(const entry *e, const hsize_t *off)
{
    for (int d = 0; d < e->ndim; d++)
        if (off[d] + e->cdims[d] > (hsize_t)e->shape[d])
            return 1;
    return 0;
}

/* The n bytes stored at the (HDF5) address addr of e's file, into buf:
 * read by dusk, on its own descriptor of the very file libhdf5 has open
 * (e->fd, close-on-exec, opened here when the dataset is not read raw),
 * not by H5Dread_chunk, which libhdf5 1.10.8 lets write more than the
 * chunk's recorded size when the file is corrupt (4 KiB into a buffer of
 * 16). Addresses count from the superblock, after the user block (if
 * any). Caller holds h5_lock. */
static int read_stored(entry *e, const char *path, const char *at, haddr_t addr, size_t n,
                       unsigned char *buf, dusk_error *err)
{
    hid_t fcpl = H5Fget_create_plist(e->file), fapl = H5Fget_access_plist(e->file);
    hsize_t ub = 0;
    int ok = fcpl >= 0 && fapl >= 0 && H5Pget_userblock(fcpl, &ub) >= 0 &&
             H5Pget_driver(fapl) == H5FD_SEC2;
    if (fcpl >= 0)
        H5Pclose(fcpl);
    if (fapl >= 0)
        H5Pclose(fapl);
    if (ok && e->fd < 0) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        struct stat now;
        if (fd >= 0 && fstat(fd, &now) == 0 && now.st_dev == e->dev && now.st_ino == e->ino)
            e->fd = fd;
        else if (fd >= 0)
            close(fd);
    }
    if (!ok || e->fd < 0)
        return h5_fail(err, DUSK_EIO, "cannot read the chunk at %s of '%s' in '%s'", at,
                       e->dataset, path);
    int fd = e->fd;
    if (addr > (haddr_t)INT64_MAX - ub || addr + ub > (haddr_t)INT64_MAX - n)
        return dusk_error_set(err, DUSK_EIO, "the chunk at %s of '%s' in '%s' is corrupt: its "
                              "address is past any file", at, e->dataset, path);
    off_t pos = (off_t)(addr + ub);
    for (size_t got = 0; got < n;) {
        ssize_t r = pread(fd, buf + got, n - got, pos + (off_t)got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return dusk_error_set(err, DUSK_EIO, "cannot read the chunk at %s of '%s' in "
                                  "'%s': %s", at, e->dataset, path, strerror(errno));
        if (r == 0)
            return dusk_error_set(err, DUSK_EIO, "the chunk at %s of '%s' in '%s' is corrupt: "
                                  "the file ends %zu bytes into its %zu", at, e->dataset,
                                  path, got, n);
        got += (size_t)r;
    }
    return 0;
}

/* Decodes the chunk of e at offset off, stored bytes at addr (as its
 * index gives them, with its filter mask0), into out (e->chunk_bytes, in
 * the file's type): raw from the file, then through the filters in
 * reverse, each step checked. Caller holds h5_lock. */
static int decode_chunk(entry *e, const char *path, const hsize_t *off, haddr_t addr,
                        hsize_t stored, unsigned mask0, unsigned char *out, dusk_error *err)
{
    char at[256], why[160];
    offset_text(at, sizeof at, e->ndim, off);
    size_t n = e->chunk_bytes;
    /* what a filter (or none) can make of a chunk, with room to spare */
    if (stored > n + n / 8 + 1024 + 4 * MAXFILTERS)
        return dusk_error_set(err, DUSK_EIO, "the chunk at %s of '%s' in '%s' is corrupt: %llu "
                              "bytes stored for a chunk of %zu", at, e->dataset, path,
                              (unsigned long long)stored, n);
    /* a corrupt index can give a chunk two sizes: they must agree, and
     * the bytes are dusk's own read of them (read_stored) */
    hsize_t reads = 0;
    if (H5Dget_chunk_storage_size(e->dset, off, &reads) < 0)
        return h5_fail(err, DUSK_EIO, "cannot find the chunk at %s of '%s' in '%s'", at,
                       e->dataset, path);
    if (reads != stored)
        return dusk_error_set(err, DUSK_EIO, "the chunk at %s of '%s' in '%s' is corrupt: its "
                              "index gives it %llu bytes and %llu", at, e->dataset, path,
                              (unsigned long long)stored, (unsigned long long)reads);
    unsigned char *cur = dusk_malloc(stored ? (size_t)stored : 1), *next = NULL;
    if (!cur)
        return dusk_error_set(err, DUSK_ENOMEM, "out of memory reading '%s' in '%s'", e->dataset,
                              path);
    int rc = read_stored(e, path, at, addr, (size_t)stored, cur, err);
    if (rc) {
        dusk_free(cur);
        return rc;
    }
    uint32_t mask = mask0;
    size_t len = (size_t)stored;
    static const char oom[] = "out of memory";
    const char *bad = NULL;
    if (e->edge_raw && partial_edge(e, off))
        mask = ~0u;
    for (int i = e->nfilters - 1; i >= 0 && !bad; i--) {
        if (mask & (1u << i))
            continue;
        switch (e->filter[i]) {
        case H5Z_FILTER_FLETCHER32: {
            if (len < 4) {
                bad = "it is too short for its checksum";
                break;
            }
            len -= 4;
            uint32_t stored_sum = (uint32_t)cur[len] | (uint32_t)cur[len + 1] << 8 |
                                  (uint32_t)cur[len + 2] << 16 | (uint32_t)cur[len + 3] << 24;
            uint32_t sum = fletcher32(cur, len);
            /* files from before HDF5 1.6.3 have the halves' bytes swapped */
            uint32_t swapped = (sum & 0x00ff00ffu) << 8 | (sum & 0xff00ff00u) >> 8;
            if (stored_sum != sum && stored_sum != swapped)
                bad = "its fletcher32 checksum does not match";
            break;
        }
        case H5Z_FILTER_DEFLATE: {
            size_t want = n;  /* plus the checksums still to be checked */
            for (int j = 0; j < i; j++)
                if (e->filter[j] == H5Z_FILTER_FLETCHER32 && !(mask & (1u << j)))
                    want += 4;
            next = dusk_malloc(want ? want : 1);
            if (!next) {
                bad = oom;
                break;
            }
            bad = inflate_exact(cur, len, next, want, why, sizeof why);
            dusk_free(cur);
            cur = next;
            next = NULL;
            len = want;
            break;
        }
        case H5Z_FILTER_SHUFFLE: {
            size_t es = e->shuffle_size[i], ne = es ? len / es : 0;
            next = dusk_malloc(len ? len : 1);
            if (!next) {
                bad = oom;
                break;
            }
            for (size_t b = 0; b < es && ne > 1; b++)
                for (size_t k = 0; k < ne; k++)
                    next[k * es + b] = cur[b * ne + k];
            if (ne <= 1)
                memcpy(next, cur, len);
            else  /* bytes past the last whole element stay where they are */
                memcpy(next + ne * es, cur + ne * es, len - ne * es);
            dusk_free(cur);
            cur = next;
            next = NULL;
            break;
        }
        }
    }
    rc = 0;
    if (!bad && len != n) {
        snprintf(why, sizeof why, "it decodes to %zu bytes, not the %zu of a chunk", len, n);
        bad = why;
    }
    if (bad == oom)
        rc = dusk_error_set(err, DUSK_ENOMEM, "out of memory decoding the chunk at %s of '%s' "
                            "in '%s'", at, e->dataset, path);
    else if (bad)
        rc = dusk_error_set(err, DUSK_EIO, "the chunk at %s of '%s' in '%s' is corrupt: %s", at,
                            e->dataset, path, bad);
    else
        memcpy(out, cur, n);
    dusk_free(cur);
    return rc;
}

/* The chunk of e at off, decoded and as dtype (mem_type): the one kept
 * with e, or decoded into it now. NULL with err set; or NULL and *never
 * set for a chunk never written (its elements the fill value: the caller
 * fills only what it reads, where a chunk of a corrupt file, or of an
 * extendible dataset, may claim gigabytes). Caller holds h5_lock. */
static const unsigned char *chunk_at(entry *e, const char *path, const hsize_t *off,
                                     dusk_dtype dtype, hid_t mem_type, int *never,
                                     dusk_error *err)
{
    *never = 0;
    if (e->cvalid && e->cdtype == dtype &&
        memcmp(e->coff, off, (size_t)e->ndim * sizeof *off) == 0)
        return e->cbuf;
    e->cvalid = 0;
    hsize_t stored = 0;
    haddr_t addr = HADDR_UNDEF;
    unsigned mask0 = 0;
    if (H5Dget_chunk_info_by_coord(e->dset, off, &mask0, &addr, &stored) < 0) {
        char at[256];
        offset_text(at, sizeof at, e->ndim, off);
        h5_fail(err, DUSK_EIO, "cannot find the chunk at %s of '%s' in '%s'", at, e->dataset,
                path);
        return NULL;
    }
    if (addr == HADDR_UNDEF) {
        *never = 1;
        return NULL;
    }
    size_t fs = H5Tget_size(e->ftype), ms = dusk_dtype_size(dtype);
    size_t nel = e->chunk_bytes / fs, need = nel * (fs > ms ? fs : ms);
    /* malloc, not dusk_malloc: the cache is the process's, and outlives
     * the contexts whose allocations dusk counts */
    if (!e->cbuf)
        e->cbuf = malloc(need > e->chunk_bytes ? need : e->chunk_bytes);
    else if (e->cdtype != dtype && need > e->chunk_bytes) {
        free(e->cbuf);
        e->cbuf = malloc(need);
    }
    if (!e->cbuf) {
        dusk_error_set(err, DUSK_ENOMEM, "out of memory reading '%s' in '%s'", e->dataset, path);
        return NULL;
    }
    e->cdtype = dtype;
    if (decode_chunk(e, path, off, addr, stored, mask0, e->cbuf, err) != 0)
        return NULL;
    htri_t same = H5Tequal(e->ftype, mem_type);
    if (same < 0 || (!same && H5Tconvert(e->ftype, mem_type, nel, e->cbuf, NULL,
                                         H5P_DEFAULT) < 0)) {
        h5_fail(err, DUSK_EIO, "cannot convert the elements of '%s' in '%s'", e->dataset, path);
        return NULL;
    }
    memcpy(e->coff, off, (size_t)e->ndim * sizeof *off);
    e->cvalid = 1;
    return e->cbuf;
}

/* Reads the hyperslab [st, st + ct) of e's dataset, a filtered chunked one,
 * into buf (C order, es bytes an element) chunk by chunk, decoding each
 * one itself. Caller holds h5_lock. */
/* The common case of an unfiltered dataset read in its own chunks: a
 * block that is exactly one whole chunk, stored whole, of the memory type,
 * goes straight into buf (no copy, no buffer). 1 when done, 0 when not
 * this case, or a DUSK_E... code. Caller holds h5_lock. */
static int read_whole_chunk(entry *e, const char *path, hid_t mem_type, const hsize_t *st,
                            const hsize_t *ct, unsigned char *buf, dusk_error *err)
{
    if (e->nfilters)
        return 0;
    for (int d = 0; d < e->ndim; d++)
        if (ct[d] != e->cdims[d] || st[d] % e->cdims[d])
            return 0;
    if (H5Tequal(e->ftype, mem_type) <= 0)
        return 0;
    hsize_t stored = 0;
    haddr_t addr = HADDR_UNDEF;
    unsigned mask = 0;
    hsize_t reads = 0;
    if (H5Dget_chunk_info_by_coord(e->dset, st, &mask, &addr, &stored) < 0 ||
        addr == HADDR_UNDEF || H5Dget_chunk_storage_size(e->dset, st, &reads) < 0 ||
        stored != e->chunk_bytes || reads != stored)
        return 0;  /* the chunk-by-chunk path says what is wrong */
    char at[256];
    offset_text(at, sizeof at, e->ndim, st);
    int rc = read_stored(e, path, at, addr, (size_t)stored, buf, err);
    return rc ? rc : 1;
}

/* Copies the rows of the part of a chunk of shape cdims (at element
 * offset off) that lies in the slab [st, st + ct) of buf, from the chunk
 * into buf or, with to_chunk, the other way: idx runs over [lo, hi) on
 * every axis but the last. */
static void copy_rows(int nd, size_t es, const hsize_t *cdims, const hsize_t *st,
                      const hsize_t *ct, const hsize_t *off, unsigned char *chunk,
                      unsigned char *buf, int to_chunk)
{
    hsize_t lo[H5S_MAX_RANK], hi[H5S_MAX_RANK], idx[H5S_MAX_RANK];
    for (int d = 0; d < nd; d++) {
        lo[d] = off[d] > st[d] ? off[d] : st[d];
        hi[d] = off[d] + cdims[d] < st[d] + ct[d] ? off[d] + cdims[d] : st[d] + ct[d];
        idx[d] = lo[d];
    }
    size_t row = (size_t)(hi[nd - 1] - lo[nd - 1]) * es;
    for (;;) {
        size_t src = 0, dst = 0;
        for (int d = 0; d < nd; d++) {
            src = src * cdims[d] + (idx[d] - off[d]);
            dst = dst * ct[d] + (idx[d] - st[d]);
        }
        if (to_chunk)
            memcpy(chunk + src * es, buf + dst * es, row);
        else
            memcpy(buf + dst * es, chunk + src * es, row);
        int d = nd - 2;
        while (d >= 0 && ++idx[d] == hi[d]) {
            idx[d] = lo[d];
            d--;
        }
        if (d < 0)
            return;
    }
}

/* Fills the part of the slab [st, st + ct) of buf (es bytes an element)
 * that the chunk at element offset off (of shape cdims) covers with the
 * element val. */
static void fill_rows(int nd, size_t es, const hsize_t *cdims, const hsize_t *st,
                      const hsize_t *ct, const hsize_t *off, const unsigned char *val,
                      unsigned char *buf)
{
    hsize_t lo[H5S_MAX_RANK], hi[H5S_MAX_RANK], idx[H5S_MAX_RANK];
    for (int d = 0; d < nd; d++) {
        lo[d] = off[d] > st[d] ? off[d] : st[d];
        hi[d] = off[d] + cdims[d] < st[d] + ct[d] ? off[d] + cdims[d] : st[d] + ct[d];
        idx[d] = lo[d];
    }
    size_t row = (size_t)(hi[nd - 1] - lo[nd - 1]) * es;
    for (;;) {
        size_t dst = 0;
        for (int d = 0; d < nd; d++)
            dst = dst * ct[d] + (idx[d] - st[d]);
        unsigned char *p = buf + dst * es;
        memcpy(p, val, es);
        for (size_t done = es; done < row; done *= 2)   /* the row doubles */
            memcpy(p + done, p, done < row - done ? done : row - done);
        int d = nd - 2;
        while (d >= 0 && ++idx[d] == hi[d]) {
            idx[d] = lo[d];
            d--;
        }
        if (d < 0)
            return;
    }
}

static int read_filtered(entry *e, const char *path, dusk_dtype dtype, hid_t mem_type,
                         const hsize_t *st, const hsize_t *ct, unsigned char *buf,
                         dusk_error *err)
{
    int nd = e->ndim;
    size_t es = dusk_dtype_size(dtype);
    int whole = read_whole_chunk(e, path, mem_type, st, ct, buf, err);
    if (whole)
        return whole < 0 ? whole : 0;
    unsigned char fill[64] = {0};
    int have_fill = 0;
    hsize_t first[H5S_MAX_RANK], last[H5S_MAX_RANK], ci[H5S_MAX_RANK];
    for (int d = 0; d < nd; d++) {
        if (ct[d] == 0)
            return 0;
        first[d] = st[d] / e->cdims[d];
        last[d] = (st[d] + ct[d] - 1) / e->cdims[d];
        ci[d] = first[d];
    }
    for (;;) {
        hsize_t off[H5S_MAX_RANK];
        for (int d = 0; d < nd; d++)
            off[d] = ci[d] * e->cdims[d];
        int never = 0;
        const unsigned char *chunk = chunk_at(e, path, off, dtype, mem_type, &never, err);
        if (never) {
            /* the fill value, as H5Dread gives it (zeros when none is set) */
            if (!have_fill) {
                H5D_fill_value_t fv = H5D_FILL_VALUE_UNDEFINED;
                if (es > sizeof fill || H5Pfill_value_defined(e->dcpl, &fv) < 0 ||
                    (fv != H5D_FILL_VALUE_UNDEFINED &&
                     H5Pget_fill_value(e->dcpl, mem_type, fill) < 0))
                    return h5_fail(err, DUSK_EIO, "cannot read the fill value of '%s' in '%s'",
                                   e->dataset, path);
                have_fill = 1;
            }
            fill_rows(nd, es, e->cdims, st, ct, off, fill, buf);
        } else if (!chunk) {
            return err ? err->code : DUSK_EIO;
        } else {
            /* read only: copy_rows writes into buf, not the chunk */
            copy_rows(nd, es, e->cdims, st, ct, off, (unsigned char *)chunk, buf, 0);
        }
        int d = nd - 1;
        while (d >= 0 && ++ci[d] > last[d]) {
            ci[d] = first[d];
            d--;
        }
        if (d < 0) {
            /* a big chunk is not kept between reads: the cache lives as
             * long as the process and nothing else counts it */
            if (e->chunk_bytes > KEEP_CHUNK_MAX) {
                free(e->cbuf);
                e->cbuf = NULL;
                e->cvalid = 0;
            }
            return 0;
        }
    }
}

/* --- raw chunk I/O outside the lock ----------------------------------------- */

/* The chunks a block meets and where they are in the file, found under
 * h5_lock (plan_direct) and read or written with pread / pwrite after it
 * is let go (run_direct), so that one worker's I/O does not wait for
 * another's. */
#define DIRECT_MAX_CHUNKS 4096   /* more chunks a block: libhdf5's H5Dread */

typedef struct {
    int fd;                       /* a dup of the entry's (close-on-exec); -1: nothing planned */
    int write, ndim;
    int contig;                   /* a contiguous dataset's block: cdims is the dataset's shape,
                                   * one_addr where its elements start */
    size_t es, chunk_bytes;
    hsize_t cdims[H5S_MAX_RANK], st[H5S_MAX_RANK], ct[H5S_MAX_RANK];
    hsize_t first[H5S_MAX_RANK], last[H5S_MAX_RANK];  /* chunk indices met, inclusive */
    size_t nchunks;
    int64_t *addr;                /* each chunk's offset in C order, -1: never written */
    int64_t one_addr;             /* addr's storage for one chunk */
    unsigned char fill[64];
} direct_job;

/* The bytes of the chunk at element offset off (of shape cdims, es bytes
 * an element) from the first to the last element of the slab [st, st +
 * ct) in it: *from and the count (the slab's part of the chunk is in
 * there, in whole rows of the chunk but for the first and last). */
static size_t span_of(int nd, const hsize_t *cdims, size_t es, const hsize_t *off,
                      const hsize_t *st, const hsize_t *ct, size_t *from)
{
    size_t a = 0, b = 0;
    for (int d = 0; d < nd; d++) {
        hsize_t lo = off[d] > st[d] ? off[d] : st[d];
        hsize_t hi = off[d] + cdims[d] < st[d] + ct[d] ? off[d] + cdims[d] : st[d] + ct[d];
        a = a * cdims[d] + (lo - off[d]);
        b = b * cdims[d] + (hi - 1 - off[d]);
    }
    *from = a * es;
    return (b - a + 1) * es;
}

/* Plans the raw I/O of [st, st + ct) of e (chunked, direct) into job, when
 * it applies: reads of dtype e->dtype whose chunks are all stored whole
 * inside the file, or writes of a block that starts at a chunk's corner
 * and along each dimension is one chunk long or reaches the end of a
 * dataset that cannot grow, its chunks allocated.
 * Leaves job->fd at -1 otherwise (libhdf5 does it, and says what is wrong
 * with a corrupt file). Caller holds h5_lock. */
static void plan_direct(entry *e, int write, dusk_dtype dtype, const hsize_t *st,
                        const hsize_t *ct, direct_job *job)
{
    job->fd = -1;
    job->addr = NULL;
    job->contig = 0;
    if (!atomic_load_explicit(&raw_io, memory_order_relaxed) || !e->direct ||
        dtype != e->dtype || (write && !e->early))
        return;
    int nd = e->ndim;
    if (e->contig) {
        if (write)
            return;
        for (int d = 0; d < nd; d++)
            if (ct[d] == 0)
                return;
        int fd = fcntl(e->fd, F_DUPFD_CLOEXEC, 0);
        if (fd < 0)
            return;
        job->fd = fd;
        job->write = 0;
        job->contig = 1;
        job->ndim = nd;
        job->es = H5Tget_size(e->ftype);
        job->one_addr = e->contig_addr;
        for (int d = 0; d < nd; d++)
            job->cdims[d] = (hsize_t)e->shape[d];
        memcpy(job->st, st, (size_t)nd * sizeof *st);
        memcpy(job->ct, ct, (size_t)nd * sizeof *ct);
        return;
    }
    size_t n = 1;
    for (int d = 0; d < nd; d++) {
        if (ct[d] == 0)
            return;
        job->first[d] = st[d] / e->dcdims[d];
        job->last[d] = (st[d] + ct[d] - 1) / e->dcdims[d];
        n *= (size_t)(job->last[d] - job->first[d] + 1);
        if (n > DIRECT_MAX_CHUNKS)
            return;
        if (write && (st[d] % e->dcdims[d] ||
                      (ct[d] != e->dcdims[d] &&
                       (e->extendible || st[d] + ct[d] != (hsize_t)e->shape[d]))))
            return;
    }
    size_t es = H5Tget_size(e->ftype);
    int64_t *addr = n == 1 ? &job->one_addr : dusk_malloc(n * sizeof *addr);
    if (!addr)
        return;
    hsize_t ci[H5S_MAX_RANK];
    memcpy(ci, job->first, (size_t)nd * sizeof *ci);
    size_t spans = 0, needed = es;
    int shared = 0;   /* a chunk met only in part, whose rest other blocks read */
    for (int d = 0; d < nd; d++)
        needed *= ct[d];
    for (size_t k = 0; k < n; k++) {
        hsize_t off[H5S_MAX_RANK], size = 0;
        haddr_t a = HADDR_UNDEF;
        unsigned mask = 0;
        size_t from;
        for (int d = 0; d < nd; d++) {
            off[d] = ci[d] * e->dcdims[d];
            hsize_t end = off[d] + e->dcdims[d] < (hsize_t)e->shape[d] ? off[d] + e->dcdims[d]
                                                                        : (hsize_t)e->shape[d];
            shared |= st[d] > off[d] || st[d] + ct[d] < end;
        }
        spans += span_of(nd, e->dcdims, es, off, st, ct, &from);
        int ok = H5Dget_chunk_info_by_coord(e->dset, off, &mask, &a, &size) >= 0;
        if (ok && a == HADDR_UNDEF && !write)
            addr[k] = -1;
        else if (ok && a != HADDR_UNDEF && size == e->direct_bytes &&
                 a <= (haddr_t)INT64_MAX - size && (write || (off_t)(a + size) <= e->size))
            addr[k] = (int64_t)a;
        else
            ok = 0;
        if (!ok) {
            H5Eclear2(H5E_DEFAULT);
            if (addr != &job->one_addr)
                dusk_free(addr);
            return;
        }
        for (int d = nd - 1; d >= 0 && ++ci[d] > job->last[d]; d--)
            ci[d] = job->first[d];
    }
    /* blocks smaller than the chunks: read raw, each block would read most
     * of its chunk again; the way under the lock keeps the last chunk for
     * the next block instead (chunk_at) */
    /* close-on-exec like every descriptor dusk opens (dup drops it): a
     * program another thread starts meanwhile holds none of the file */
    int fd = shared && spans > 2 * needed ? -1 : fcntl(e->fd, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) {
        if (addr != &job->one_addr)
            dusk_free(addr);
        return;
    }
    job->fd = fd;
    job->write = write;
    job->ndim = nd;
    job->es = es;
    job->chunk_bytes = e->direct_bytes;
    job->nchunks = n;
    job->addr = addr;
    memcpy(job->cdims, e->dcdims, (size_t)nd * sizeof *job->cdims);
    memcpy(job->st, st, (size_t)nd * sizeof *st);
    memcpy(job->ct, ct, (size_t)nd * sizeof *ct);
    memcpy(job->fill, e->fill, sizeof job->fill);
}

/* Reads or writes n bytes at off, all of them; 0, or -1 with errno (0 when
 * the file ended first). */
static int full_io(int fd, int write, unsigned char *p, size_t n, off_t off)
{
    while (n > 0) {
        ssize_t k = write ? pwrite(fd, p, n, off) : pread(fd, p, n, off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            if (k == 0)
                errno = 0;
            return -1;
        }
        p += k;
        n -= (size_t)k;
        off += k;
    }
    return 0;
}

/* Reads job's block of a contiguous dataset, without h5_lock. In C order
 * the block is runs of elements: along axis k and every axis after it,
 * which the block spans whole. Runs far apart (more bytes between two
 * than in one, or long) are read each into place; short runs closer than
 * that, several at a time (up to 1 MiB) through a buffer, the bytes
 * between dropped, rather than a system call for every few bytes. Closes
 * job's
 * descriptor. */
static int run_contig(direct_job *j, const char *path, const char *dataset, unsigned char *buf,
                      dusk_error *err)
{
    int nd = j->ndim, k = nd - 1, rc = 0;
    const hsize_t *dims = j->cdims;
    uint64_t fst[H5S_MAX_RANK];   /* the file's strides, bytes */
    fst[nd - 1] = j->es;
    for (int d = nd - 2; d >= 0; d--)
        fst[d] = fst[d + 1] * dims[d + 1];
    size_t run = (size_t)j->ct[k] * j->es;
    while (k > 0 && j->ct[k] == dims[k]) {
        k--;
        run = (size_t)j->ct[k] * (size_t)fst[k];
    }
    /* rows: the runs along axis k - 1 read at once */
    uint64_t stride = k > 0 ? fst[k - 1] : 0;
    hsize_t rows = 1;
    unsigned char *tmp = NULL;
    if (k > 0 && run < ((size_t)1 << 16) && stride - run <= run && j->ct[k - 1] > 1) {
        rows = ((hsize_t)1 << 20) / stride;
        rows = rows < 2 ? 2 : rows > j->ct[k - 1] ? j->ct[k - 1] : rows;
        if (!(tmp = dusk_malloc((size_t)((rows - 1) * stride) + run)))
            rc = dusk_error_set(err, DUSK_ENOMEM, "out of memory reading '%s' in '%s'", dataset,
                                path);
    }
    hsize_t idx[H5S_MAX_RANK] = {0};   /* within the block, axes before k */
    unsigned char *dst = buf;
    while (!rc) {
        off_t at = (off_t)j->one_addr + (off_t)(j->st[k] * fst[k]);
        for (int d = 0; d < k; d++)
            at += (off_t)((j->st[d] + idx[d]) * fst[d]);
        hsize_t n = k > 0 ? j->ct[k - 1] - idx[k - 1] : 1;
        n = n < rows ? n : rows;
        int io = tmp ? full_io(j->fd, 0, tmp, (size_t)((n - 1) * stride) + run, at)
                     : full_io(j->fd, 0, dst, run, at);
        if (io != 0) {
            if (errno == 0)
                rc = dusk_error_set(err, DUSK_EIO, "'%s' in '%s' is corrupt: its elements end "
                                    "past the end of the file", dataset, path);
            else
                rc = dusk_error_set(err, DUSK_EIO, "cannot read '%s' in '%s': %s", dataset, path,
                                    strerror(errno));
            break;
        }
        for (hsize_t r = 0; tmp && r < n; r++)
            memcpy(dst + r * run, tmp + r * stride, run);
        dst += n * run;
        if (k == 0)
            break;
        idx[k - 1] += n;
        int d = k - 1;
        while (d > 0 && idx[d] == j->ct[d]) {
            idx[d] = 0;
            idx[--d]++;
        }
        if (idx[d] == j->ct[d])
            break;
    }
    dusk_free(tmp);
    close(j->fd);
    j->fd = -1;
    return rc;
}

/* Does job, without h5_lock: each chunk read (or written) whole at its
 * offset, straight into (from) buf when the slab is that chunk, else
 * through one chunk buffer; a chunk never written reads as the fill value.
 * Closes job's descriptor. */
static int run_direct(direct_job *j, const char *path, const char *dataset, unsigned char *buf,
                      dusk_error *err)
{
    if (j->contig)
        return run_contig(j, path, dataset, buf, err);
    int nd = j->ndim, rc = 0;
    int whole = j->nchunks == 1;
    for (int d = 0; d < nd && whole; d++)
        whole = j->ct[d] == j->cdims[d];
    unsigned char *tmp = NULL;
    if (!whole && !(tmp = j->write ? dusk_calloc(1, j->chunk_bytes) : dusk_malloc(j->chunk_bytes)))
        rc = dusk_error_set(err, DUSK_ENOMEM, "out of memory %s '%s' in '%s'",
                            j->write ? "writing" : "reading", dataset, path);
    hsize_t ci[H5S_MAX_RANK];
    memcpy(ci, j->first, (size_t)nd * sizeof *ci);
    for (size_t k = 0; k < j->nchunks && !rc; k++) {
        hsize_t off[H5S_MAX_RANK];
        for (int d = 0; d < nd; d++)
            off[d] = ci[d] * j->cdims[d];
        unsigned char *chunk = whole ? buf : tmp;
        if (j->write && !whole) {
            /* an edge chunk's part past the dataset is zero, not what the
             * chunk before it left in tmp */
            int part = 0;
            for (int d = 0; d < nd; d++)
                part |= off[d] + j->cdims[d] > j->st[d] + j->ct[d];
            if (part && k > 0)
                memset(tmp, 0, j->chunk_bytes);
            copy_rows(j->ndim, j->es, j->cdims, j->st, j->ct, off, chunk, buf, 1);
        }
        /* a read takes the bytes from the slab's first element in the chunk
         * to its last; a write, the whole chunk */
        size_t from = 0, len = j->chunk_bytes;
        if (!j->write)
            len = span_of(nd, j->cdims, j->es, off, j->st, j->ct, &from);
        if (j->addr[k] < 0) {
            for (size_t b = from; b < from + len; b += j->es)
                memcpy(chunk + b, j->fill, j->es);
        } else if (full_io(j->fd, j->write, chunk + from, len, (off_t)j->addr[k] + (off_t)from)
                   != 0) {
            char at[256];
            offset_text(at, sizeof at, nd, off);
            if (errno == 0)
                rc = dusk_error_set(err, DUSK_EIO, "the chunk at %s of '%s' in '%s' is corrupt: "
                                    "it ends past the end of the file", at, dataset, path);
            else
                rc = dusk_error_set(err, DUSK_EIO, "cannot %s the chunk at %s of '%s' in '%s': "
                                    "%s", j->write ? "write" : "read", at, dataset, path,
                                    strerror(errno));
            break;
        }
        if (!j->write && !whole)
            copy_rows(j->ndim, j->es, j->cdims, j->st, j->ct, off, chunk, buf, 0);
        for (int d = nd - 1; d >= 0 && ++ci[d] > j->last[d]; d--)
            ci[d] = j->first[d];
    }
    dusk_free(tmp);
    if (j->addr != &j->one_addr)
        dusk_free(j->addr);
    j->addr = NULL;
    close(j->fd);
    j->fd = -1;
    return rc;
}

/* Reads (or writes) the hyperslab [start, start + count) of e's dataset
 * from (into) buf, as dtype; or, when its chunks can be read (written)
 * raw, only plans that into job, for the caller to do once it has let
 * h5_lock go (job->fd >= 0 then). Caller holds h5_lock. */
static int transfer(entry *e, int write, const char *path, dusk_dtype dtype, int ndim,
                    const int64_t *start, const int64_t *count, void *buf, direct_job *job,
                    dusk_error *err)
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
    plan_direct(e, write, dtype, st, ct, job);
    if (job->fd >= 0)
        return 0;
    hid_t mem_type = native_type(dtype);
    if (mem_type < 0)
        return h5_fail(err, DUSK_EIO, "cannot %s a block of '%s' in '%s'", what, e->dataset,
                       path);
    int rc = 0;
    /* chunked: chunk by chunk, each checked by dusk (decode_chunk): libhdf5
     * 1.10.8's H5Dread trusts sizes a corrupt file gets wrong */
    if (!write && e->chunked) {
        rc = read_filtered(e, path, dtype, mem_type, st, ct, buf, err);
        H5Tclose(mem_type);
        return rc;
    }
    hid_t fspace = H5Dget_space(e->dset);
    hid_t mspace = fspace >= 0 ? H5Screate_simple(ndim, ct, NULL) : H5I_INVALID_HID;
    int ok = mspace >= 0 &&
             (ndim == 0 || H5Sselect_hyperslab(fspace, H5S_SELECT_SET, st, NULL, ct, NULL) >= 0);
    if (ok)
        ok = (write ? H5Dwrite(e->dset, mem_type, mspace, fspace, H5P_DEFAULT, buf)
                    : H5Dread(e->dset, mem_type, mspace, fspace, H5P_DEFAULT, buf)) >= 0;
    /* the reason first: every HDF5 call clears the error stack */
    if (!ok)
        rc = h5_fail(err, DUSK_EIO, "cannot %s a block of '%s' in '%s'", what, e->dataset, path);
    H5Tclose(mem_type);
    if (fspace >= 0) H5Sclose(fspace);
    if (mspace >= 0) H5Sclose(mspace);
    return rc;
}

static int access_slab(const char *path, const char *dataset, int write, dusk_dtype dtype,
                       int ndim, const int64_t *start, const int64_t *count, void *buf,
                       dusk_error *err)
{
    entry scratch;
    direct_job job = {.fd = -1};
    lock();
    entry *e = get_entry(path, dataset, write, &scratch, err);
    int rc = e ? transfer(e, write, path, dtype, ndim, start, count, buf, &job, err)
               : err ? err->code : DUSK_EIO;
    char why[256] = "";
    if (e == &scratch && entry_close_why(e, why) < 0 && !rc)
        rc = dusk_error_set(err, DUSK_EIO, "cannot finish writing '%s': %s", path,
                            why[0] ? why : "HDF5 failed");
    unlock();
    if (job.fd >= 0) {
        int jrc = run_direct(&job, path, dataset, buf, err);
        rc = rc ? rc : jrc;
    }
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

void dusk__h5_set_raw(int on)
{
    atomic_store_explicit(&raw_io, on != 0, memory_order_relaxed);
}

void dusk__h5_hold(void)
{
    lock();
    runs++;
    unlock();
}

void dusk__h5_unhold(void)
{
    lock();
    if (--runs == 0)
        for (int i = 0; i < NCACHE; i++)
            if (cache[i].used)
                entry_close(&cache[i]);
    unlock();
}

int dusk__h5_release(const char *file, dusk_error *err)
{
    int rc = 0;
    char why[256] = "";
    lock();
    for (int i = 0; i < NCACHE; i++)
        if (cache[i].used && strcmp(cache[i].path, file) == 0 &&
            entry_close_why(&cache[i], rc ? NULL : why) < 0)
            rc = -1;
    unlock();
    return rc ? dusk_error_set(err, DUSK_EIO, "cannot finish writing '%s': %s", file,
                               why[0] ? why : "HDF5 failed") : 0;
}

/* --- making the file a store writes --------------------------------------- */

/* Writes all n bytes of p to fd at its offset; 0 or -1 with errno. */
static int full_io_seq(int fd, const unsigned char *p, size_t n)
{
    while (n > 0) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Copies the file at from over to (the reserved, empty temporary file):
 * by copy_file_range, which the kernel does without bringing the bytes
 * to this process (or shares them, on filesystems that can), else by
 * reads and writes. */
static int copy_file(const char *from, const char *to)
{
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return -1;
    /* never through a link planted where the reserved file was */
    int out = open(to, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
    if (out < 0) {
        close(in);
        return -1;
    }
    int rc = 0, kernel = 1;
    for (;;) {
        ssize_t n = kernel ? copy_file_range(in, NULL, out, NULL, (size_t)1 << 30, 0) : 0;
        if (n > 0)
            continue;
        if (n == 0 && kernel)
            break;
        if (n < 0 && errno == EINTR)
            continue;
        /* not between these files (another filesystem, an old kernel):
         * nothing was copied yet when it says so at once */
        if (kernel && (errno == EXDEV || errno == ENOSYS || errno == EINVAL ||
                       errno == EOPNOTSUPP) && lseek(out, 0, SEEK_CUR) == 0) {
            kernel = 0;
            continue;
        }
        if (kernel) {
            rc = -1;
            break;
        }
        char buf[1 << 16];
        ssize_t k;
        while ((k = read(in, buf, sizeof buf)) != 0) {
            if (k < 0 && errno == EINTR)
                continue;
            if (k < 0 || full_io_seq(out, (const unsigned char *)buf, (size_t)k) != 0) {
                rc = -1;
                break;
            }
        }
        break;
    }
    int saved = errno;
    close(in);
    if (close(out) != 0 && rc == 0)
        rc = -1;
    else
        errno = saved;
    return rc;
}

/* A new HDF5 file at tmp, the name dusk__atomic_reserve made: the empty
 * placeholder is removed and the file made with O_EXCL (H5F_ACC_EXCL), so
 * that HDF5 never writes through a link planted under that name. */
static hid_t create_excl(const char *tmp)
{
    if (remove(tmp) != 0 && errno != ENOENT)
        return H5I_INVALID_HID;
    return file_create(tmp);
}

/* The objects of the old file that more than one hard link names, each
 * with the path of its copy in the new file: the second link to one is
 * made a link to that copy again, not a second copy. */
typedef struct {
    obj_info *ids;
    char **paths;
    size_t n, cap;
} copied_objects;

typedef struct {
    hid_t from, to;
    const char *group;   /* the group being copied, "/..." */
    const char *skip;    /* the dataset path left out */
    copied_objects *seen;
    int rc;
} copy_state;

#if H5_VERSION_GE(1, 12, 0)
#define same_object(a, b) (memcmp(&(a)->token, &(b)->token, sizeof(a)->token) == 0)
#else
#define same_object(a, b) ((a)->addr == (b)->addr)
#endif

static const char *copied_path(const copied_objects *seen, const obj_info *info)
{
    for (size_t i = 0; i < seen->n; i++)
        if (same_object(&seen->ids[i], info))
            return seen->paths[i];
    return NULL;
}

static int copied_add(copied_objects *seen, const obj_info *info, const char *path)
{
    if (seen->n == seen->cap) {
        size_t cap = seen->cap ? 2 * seen->cap : 8;
        obj_info *ids = dusk_realloc(seen->ids, cap * sizeof *ids);
        if (!ids)
            return -1;
        seen->ids = ids;
        char **paths = dusk_realloc(seen->paths, cap * sizeof *paths);
        if (!paths)
            return -1;
        seen->paths = paths;
        seen->cap = cap;
    }
    if (!(seen->paths[seen->n] = dusk_strdup(path)))
        return -1;
    seen->ids[seen->n++] = *info;
    return 0;
}

static void copied_free(copied_objects *seen)
{
    for (size_t i = 0; i < seen->n; i++)
        dusk_free(seen->paths[i]);
    dusk_free(seen->paths);
    dusk_free(seen->ids);
}

static int copy_except(hid_t from, hid_t to, const char *group, const char *skip,
                       copied_objects *seen);

/* Copies one attribute of src onto dst, whatever its type: read in the
 * type's native form (variable-length strings as pointers), written back
 * in the file's. */
static herr_t copy_attr(hid_t src, const char *name, const H5A_info_t *ainfo, void *ud)
{
    (void)ainfo;
    hid_t dst = *(hid_t *)ud;
    hid_t a = H5Aopen(src, name, H5P_DEFAULT);
    hid_t type = a >= 0 ? H5Aget_type(a) : H5I_INVALID_HID;
    hid_t space = a >= 0 ? H5Aget_space(a) : H5I_INVALID_HID;
    hid_t mem = type >= 0 ? H5Tget_native_type(type, H5T_DIR_ASCEND) : H5I_INVALID_HID;
    hssize_t n = space >= 0 ? H5Sget_select_npoints(space) : -1;
    size_t size = mem >= 0 ? H5Tget_size(mem) : 0;
    void *buf = n >= 0 && size ? dusk_calloc((size_t)(n ? n : 1), size) : NULL;
    herr_t rc = -1;
    if (buf && H5Aread(a, mem, buf) >= 0) {
        hid_t b = H5Acreate2(dst, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
        if (b >= 0) {
            rc = H5Awrite(b, mem, buf);
            H5Aclose(b);
        }
        H5Dvlen_reclaim(mem, space, H5P_DEFAULT, buf);
    }
    dusk_free(buf);
    if (mem >= 0)
        H5Tclose(mem);
    if (space >= 0)
        H5Sclose(space);
    if (type >= 0)
        H5Tclose(type);
    if (a >= 0)
        H5Aclose(a);
    return rc < 0 ? -1 : 0;
}

/* Every attribute of the object at path in from onto the one in to. */
static int copy_attrs(hid_t from, hid_t to, const char *path)
{
    hid_t src = H5Oopen(from, path, H5P_DEFAULT), dst = H5Oopen(to, path, H5P_DEFAULT);
    int rc = src < 0 || dst < 0 ||
                     H5Aiterate2(src, H5_INDEX_NAME, H5_ITER_INC, NULL, copy_attr, &dst) < 0
                 ? -1
                 : 0;
    if (src >= 0)
        H5Oclose(src);
    if (dst >= 0)
        H5Oclose(dst);
    return rc;
}

static herr_t copy_link(hid_t g, const char *name, const H5L_info_t *info, void *ud)
{
    copy_state *st = ud;
    char path[4096];
    snprintf(path, sizeof path, "%s%s%s", st->group, strcmp(st->group, "/") ? "/" : "", name);
    char want[4096];  /* the skipped path, always absolute */
    snprintf(want, sizeof want, "%s%s", st->skip[0] == '/' ? "" : "/", st->skip);
    if (strcmp(path, want) == 0)
        return 0;  /* the dataset being replaced */
    if (info->type == H5L_TYPE_SOFT || info->type == H5L_TYPE_EXTERNAL) {
        /* a link stays a link (a copy would hold what it pointed to then,
         * apart from it from now on); one to the replaced dataset finds
         * the new one */
        char val[4096];
        const char *file = NULL, *obj = NULL;
        unsigned flags;
        herr_t e = info->u.val_size <= sizeof val
                       ? H5Lget_val(g, name, val, sizeof val, H5P_DEFAULT)
                       : -1;
        if (e >= 0 && info->type == H5L_TYPE_SOFT)
            e = H5Lcreate_soft(val, st->to, path, H5P_DEFAULT, H5P_DEFAULT);
        else if (e >= 0 && (e = H5Lunpack_elink_val(val, info->u.val_size, &flags, &file,
                                                    &obj)) >= 0)
            e = H5Lcreate_external(file, obj, st->to, path, H5P_DEFAULT, H5P_DEFAULT);
        if (e < 0)
            st->rc = -1;
        return e < 0 ? -1 : 0;
    }
    obj_info oi;
    if (get_info(g, name, &oi) < 0) {
        st->rc = -1;
        return -1;
    }
    /* an object a link already brought over: this is one more name of it */
    const char *first = oi.rc > 1 ? copied_path(st->seen, &oi) : NULL;
    if (first) {
        if (H5Lcreate_hard(st->to, first, st->to, path, H5P_DEFAULT, H5P_DEFAULT) < 0)
            st->rc = -1;
        return st->rc < 0 ? -1 : 0;
    }
    if (oi.type == H5O_TYPE_GROUP) {
        /* Made member by member, never by one H5Ocopy, so that the dataset
         * left out and the objects named twice are seen wherever they are;
         * recorded before its members, as a group may hold a link to itself. */
        hid_t src = H5Gopen2(g, name, H5P_DEFAULT);
        hid_t gcpl = src >= 0 ? H5Gget_create_plist(src) : H5I_INVALID_HID;
        hid_t ng = gcpl >= 0 ? H5Gcreate2(st->to, path, H5P_DEFAULT, gcpl, H5P_DEFAULT)
                             : H5I_INVALID_HID;
        if (ng < 0 || (oi.rc > 1 && copied_add(st->seen, &oi, path) < 0) ||
            copy_attrs(st->from, st->to, path) < 0 ||
            copy_except(st->from, st->to, path, st->skip, st->seen) < 0)
            st->rc = -1;
        if (ng >= 0)
            H5Gclose(ng);
        if (gcpl >= 0)
            H5Pclose(gcpl);
        if (src >= 0)
            H5Gclose(src);
        return st->rc < 0 ? -1 : 0;
    }
    if (H5Ocopy(st->from, path, st->to, path, H5P_DEFAULT, H5P_DEFAULT) < 0 ||
        (oi.rc > 1 && copied_add(st->seen, &oi, path) < 0)) {
        st->rc = -1;
        return -1;
    }
    return 0;
}

/* Copies every object under group of from into to, except the dataset at
 * skip; soft and external links are made again as links, and an object
 * named by several hard links is copied once and linked again. A group
 * that tracks the order its links were made in is copied in that order. */
static int copy_except(hid_t from, hid_t to, const char *group, const char *skip,
                       copied_objects *seen)
{
    copy_state st = {from, to, group, skip, seen, 0};
    hid_t g = H5Gopen2(from, group, H5P_DEFAULT);
    if (g < 0)
        return -1;
    hid_t gcpl = H5Gget_create_plist(g);
    unsigned order = 0;
    if (gcpl < 0 || H5Pget_link_creation_order(gcpl, &order) < 0) {
        if (gcpl >= 0)
            H5Pclose(gcpl);
        H5Gclose(g);
        return -1;
    }
    H5Pclose(gcpl);
    H5_index_t index = order & H5P_CRT_ORDER_INDEXED ? H5_INDEX_CRT_ORDER : H5_INDEX_NAME;
    herr_t e = H5Literate(g, index, H5_ITER_INC, NULL, copy_link, &st);
    H5Gclose(g);
    return e < 0 || st.rc < 0 ? -1 : 0;
}

/* --- attributes ---------------------------------------------------------------- */

/* Writes attribute name = v on obj (replacing one of that name), as h5py
 * writes Python's: a str as a variable-length UTF-8 string, an int as
 * int64, a float as float64, a bool as h5py's enum, an ndarray as an array
 * of its dtype. Caller holds h5_lock. */
static int attr_write(hid_t obj, const char *name, const dusk_value *v, const char *dataset,
                      const char *path, dusk_error *err)
{
    hid_t type = H5I_INVALID_HID, space = H5I_INVALID_HID;
    const void *buf = NULL;
    int64_t iv;
    double fv;
    int8_t bv;
    const char *sv;
    dusk_kind k = v ? dusk_value_kind(v) : DUSK_KIND_NONE;
    switch (k) {
    case DUSK_KIND_STRING:
        sv = dusk_value_str(v);
        type = H5Tcopy(H5T_C_S1);
        if (type >= 0 && (H5Tset_size(type, H5T_VARIABLE) < 0 ||
                          H5Tset_cset(type, H5T_CSET_UTF8) < 0)) {
            H5Tclose(type);
            type = H5I_INVALID_HID;
        }
        buf = &sv;
        break;
    case DUSK_KIND_INT:
        iv = dusk_value_int(v);
        type = H5Tcopy(H5T_NATIVE_INT64);
        buf = &iv;
        break;
    case DUSK_KIND_FLOAT:
        fv = dusk_value_float(v);
        type = H5Tcopy(H5T_NATIVE_DOUBLE);
        buf = &fv;
        break;
    case DUSK_KIND_BOOL:
        bv = dusk_value_bool(v);
        type = native_type(DUSK_DT_BOOL);
        buf = &bv;
        break;
    case DUSK_KIND_NDARRAY: {
        dusk_dtype t = dusk_ndarray_dtype(v);
        if ((unsigned)t >= DUSK_DT_C16 || !dusk_ndarray_is_contiguous(v))
            return dusk_error_set(err, DUSK_EINVAL, "attribute '%s' of '%s' in '%s': a %s%s "
                                  "ndarray cannot be written", name, dataset, path,
                                  dusk_ndarray_is_contiguous(v) ? "" : "non-contiguous ",
                                  dusk_dtype_name(t));
        int nd = dusk_ndarray_ndim(v);
        hsize_t dims[H5S_MAX_RANK];
        for (int d = 0; d < nd; d++)
            dims[d] = (hsize_t)dusk_ndarray_shape(v)[d];
        type = native_type(t);
        space = nd ? H5Screate_simple(nd, dims, NULL) : H5Screate(H5S_SCALAR);
        buf = dusk_ndarray_data(v);
        break;
    }
    default:
        return dusk_error_set(err, DUSK_EINVAL, "attribute '%s' of '%s' in '%s': a %s is not an "
                              "HDF5 attribute (strings, ints, floats, bools and ndarrays are)",
                              name, dataset, path, v ? dusk_kind_name(k) : "NULL value");
    }
    if (space < 0 && k != DUSK_KIND_NDARRAY)
        space = H5Screate(H5S_SCALAR);
    int rc = 0;
    hid_t a = H5I_INVALID_HID;
    if (type < 0 || space < 0 || (H5Aexists(obj, name) > 0 && H5Adelete(obj, name) < 0) ||
        (a = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT)) < 0 ||
        H5Awrite(a, type, buf) < 0)
        rc = h5_fail(err, DUSK_EIO, "cannot write attribute '%s' of '%s' in '%s'", name,
                     dataset, path);
    if (a >= 0)
        H5Aclose(a);
    if (type >= 0)
        H5Tclose(type);
    if (space >= 0)
        H5Sclose(space);
    return rc;
}

/* What an HDF5 type dusk does not read is, for messages: "a compound of
 * 16 bytes", "a 2-byte float". */
static void type_desc(hid_t type, char *buf, size_t n)
{
    static const char *const names[] = {
        [H5T_INTEGER] = "integer", [H5T_FLOAT] = "float", [H5T_TIME] = "time",
        [H5T_STRING] = "string", [H5T_BITFIELD] = "bitfield", [H5T_OPAQUE] = "opaque",
        [H5T_COMPOUND] = "compound", [H5T_REFERENCE] = "reference", [H5T_ENUM] = "enum",
        [H5T_VLEN] = "variable-length sequence", [H5T_ARRAY] = "array type",
    };
    H5T_class_t cls = H5Tget_class(type);
    const char *what = cls >= 0 && (size_t)cls < sizeof names / sizeof *names && names[cls]
                           ? names[cls]
                           : "unknown class";
    size_t size = H5Tget_size(type);
    if (cls == H5T_INTEGER || cls == H5T_FLOAT)
        snprintf(buf, n, "a %zu-byte %s", size, what);
    else
        snprintf(buf, n, "a%s %s of %zu byte%s", strchr("aeiou", what[0]) ? "n" : "", what, size,
                 size == 1 ? "" : "s");
}

/* The strings of string attribute a of type (rank nd, dims) as a tuple,
 * nested one level per axis as h5py's array of str. Caller holds h5_lock. */
static int attr_strings(hid_t a, hid_t type, int nd, const hsize_t *dims, const char *name,
                        const char *dataset, const char *path, dusk_value **out,
                        dusk_error *err)
{
    /* n strings; room for the most items any level has (an axis of 0
     * leaves n at 0 with outer levels still to fill with empty tuples) */
    const size_t cap = (size_t)1 << 24;
    size_t n = 1, room = 1;
    bool big = false;
    for (int d = 0; d < nd; d++) {
        n *= dims[d];
        if (dims[d] && room > cap / dims[d])
            big = true;
        else if (dims[d])
            room *= dims[d];
    }
    bool vlen = H5Tis_variable_str(type) > 0;
    size_t item = vlen ? sizeof(char *) : H5Tget_size(type);
    if (big || item == 0 || item > cap / room)
        return dusk_error_set(err, DUSK_EIO, "attribute '%s' of '%s' in '%s' is an array of "
                              "strings too large to read", name, dataset, path);
    char *buf = dusk_calloc(room, item);
    dusk_value **items = dusk_calloc(room, sizeof *items);
    hid_t mem = H5I_INVALID_HID;
    int rc = 0;
    if (!buf || !items) {
        rc = dusk_error_set(err, DUSK_ENOMEM, "out of memory for attribute '%s'", name);
        goto done;
    }
    mem = H5Tcopy(vlen ? H5T_C_S1 : type);
    if (mem < 0 || (vlen && (H5Tset_size(mem, H5T_VARIABLE) < 0 ||
                             H5Tset_cset(mem, H5Tget_cset(type)) < 0)) ||
        (n && H5Aread(a, mem, buf) < 0)) {
        rc = h5_fail(err, DUSK_EIO, "cannot read attribute '%s' of '%s' in '%s'", name, dataset,
                     path);
        goto done;
    }
    bool spaces = !vlen && H5Tget_strpad(type) == H5T_STR_SPACEPAD;
    for (size_t i = 0; i < n; i++) {
        const char *sv = vlen ? ((char **)(void *)buf)[i] : buf + i * item;
        size_t len = !sv ? 0 : vlen ? strlen(sv) : strnlen(sv, item);
        while (spaces && len && sv[len - 1] == ' ')
            len--;
        if (!rc && !(items[i] = dusk_string_n(sv ? sv : "", len)))
            rc = dusk_error_set(err, DUSK_ENOMEM, "out of memory for attribute '%s'", name);
    }
    if (vlen)
        for (size_t i = 0; i < n; i++)
            H5free_memory(((char **)(void *)buf)[i]);
    /* from the last axis out: the count items of a level become
     * dims[0] * ... * dims[d - 1] tuples of dims[d] items each */
    size_t count = n;
    for (int d = nd - 1; d >= 0 && !rc; d--) {
        size_t outer = 1;
        for (int k = 0; k < d; k++)
            outer *= dims[k];
        size_t len = dims[d];
        for (size_t g = 0; g < outer && !rc; g++) {
            dusk_value *t = dusk_tuple_of(len, len ? items + g * len : NULL);
            for (size_t k = 0; k < len; k++)
                items[g * len + k] = NULL;   /* stolen, also on failure */
            if (!(items[g] = t))
                rc = dusk_error_set(err, DUSK_ENOMEM, "out of memory for attribute '%s'", name);
        }
        count = outer;
    }
    if (!rc) {
        *out = items[0];
        items[0] = NULL;
    }
    for (size_t i = 0; i < count && i < room; i++)
        dusk_value_unref(items[i]);
done:
    if (mem >= 0)
        H5Tclose(mem);
    dusk_free(buf);
    dusk_free(items);
    return rc;
}

/* The value of attribute a (named name): a string, an int, a float or a
 * bool for a scalar, an ndarray for an array, a tuple of strings for an
 * array of strings. *unreadable is set when its type is one dusk does not
 * read (the error names it). Caller holds h5_lock. */
static int attr_value(hid_t a, const char *name, const char *dataset, const char *path,
                      dusk_value **out, bool *unreadable, dusk_error *err)
{
    hid_t type = H5Aget_type(a), space = H5Aget_space(a), mem = H5I_INVALID_HID;
    int nd = space >= 0 ? H5Sget_simple_extent_ndims(space) : -1;
    H5S_class_t sc = space >= 0 ? H5Sget_simple_extent_type(space) : H5S_NO_CLASS;
    int rc = 0;
    char why[128];
    if (type < 0 || nd < 0 || nd > DUSK_MAXDIMS) {
        rc = h5_fail(err, DUSK_EIO, "cannot read attribute '%s' of '%s' in '%s'", name, dataset,
                     path);
        goto done;
    }
    if (sc == H5S_NULL) {
        *out = dusk_none();   /* h5py's Empty */
        goto done;
    }
    if (H5Tget_class(type) == H5T_STRING) {
        if (nd != 0) {
            hsize_t dims[H5S_MAX_RANK];
            if (H5Sget_simple_extent_dims(space, dims, NULL) < 0)
                rc = h5_fail(err, DUSK_EIO, "cannot read attribute '%s' of '%s' in '%s'", name,
                             dataset, path);
            else
                rc = attr_strings(a, type, nd, dims, name, dataset, path, out, err);
            goto done;
        }
        if (H5Tis_variable_str(type) > 0) {
            char *sv = NULL;
            mem = H5Tcopy(H5T_C_S1);
            if (mem < 0 || H5Tset_size(mem, H5T_VARIABLE) < 0 ||
                H5Tset_cset(mem, H5Tget_cset(type)) < 0 || H5Aread(a, mem, &sv) < 0) {
                rc = h5_fail(err, DUSK_EIO, "cannot read attribute '%s' of '%s' in '%s'", name,
                             dataset, path);
                goto done;
            }
            *out = dusk_string(sv ? sv : "");
            H5free_memory(sv);
        } else {
            size_t n = H5Tget_size(type);
            char *sv = n < ((size_t)1 << 24) ? dusk_malloc(n + 1) : NULL;
            if (!sv) {
                rc = dusk_error_set(err, DUSK_ENOMEM, "out of memory for attribute '%s'", name);
                goto done;
            }
            mem = H5Tcopy(type);
            if (mem < 0 || H5Aread(a, mem, sv) < 0) {
                dusk_free(sv);
                rc = h5_fail(err, DUSK_EIO, "cannot read attribute '%s' of '%s' in '%s'", name,
                             dataset, path);
                goto done;
            }
            sv[n] = 0;
            size_t len = strlen(sv);
            if (H5Tget_strpad(type) == H5T_STR_SPACEPAD)
                while (len && sv[len - 1] == ' ')
                    len--;
            *out = dusk_string_n(sv, len);
            dusk_free(sv);
        }
        if (!*out)
            rc = dusk_error_set(err, DUSK_ENOMEM, "out of memory for attribute '%s'", name);
        goto done;
    }
    H5T_class_t cls = H5Tget_class(type);
    int dt = cls != H5T_INTEGER && cls != H5T_FLOAT && cls != H5T_ENUM ? -1
             : type_fits(type, why, sizeof why) ? dtype_of(type)
                                                 : -2;
    if (dt == DUSK_DT_F2)   /* attributes are read as numbers: float16 is not one */
        dt = -1;
    if (dt < 0) {
        char desc[128];
        type_desc(type, desc, sizeof desc);
        *unreadable = true;
        rc = dusk_error_set(err, DUSK_EIO, "attribute '%s' of '%s' in '%s' is of an HDF5 type "
                            "dusk does not read: %s%s%s", name, dataset, path, desc,
                            dt == -2 ? ", " : "", dt == -2 ? why : "");
        goto done;
    }
    int64_t shape[DUSK_MAXDIMS];
    hsize_t dims[H5S_MAX_RANK];
    if (nd)
        H5Sget_simple_extent_dims(space, dims, NULL);
    for (int d = 0; d < nd; d++)
        shape[d] = (int64_t)dims[d];
    dusk_value *v = dusk_ndarray_empty((dusk_dtype)dt, nd, shape);
    mem = native_type((dusk_dtype)dt);
    if (!v) {
        rc = dusk_error_set(err, DUSK_ENOMEM, "out of memory for attribute '%s'", name);
        goto done;
    }
    if (mem < 0 || H5Aread(a, mem, dusk_ndarray_data(v)) < 0) {
        dusk_value_unref(v);
        rc = h5_fail(err, DUSK_EIO, "cannot read attribute '%s' of '%s' in '%s'", name, dataset,
                     path);
        goto done;
    }
    if (nd == 0) {   /* a scalar: a number, as h5py gives numpy's scalar */
        const void *p = dusk_ndarray_data(v);
        dusk_value *x;
        if (dt == DUSK_DT_BOOL)
            x = dusk_bool(*(const int8_t *)p != 0);
        else if (dt == DUSK_DT_F8)
            x = dusk_float(*(const double *)p);
        else if (dt == DUSK_DT_F4)
            x = dusk_float(*(const float *)p);
        else if (dt == DUSK_DT_U8 && *(const uint64_t *)p > INT64_MAX)
            x = dusk_value_ref(v);   /* too large for an int: left an ndarray */
        else
            x = dusk_int(dt == DUSK_DT_I8   ? *(const int64_t *)p
                         : dt == DUSK_DT_U8 ? (int64_t)*(const uint64_t *)p
                         : dt == DUSK_DT_I4 ? (int64_t)*(const int32_t *)p
                         : dt == DUSK_DT_U4 ? (int64_t)*(const uint32_t *)p
                         : dt == DUSK_DT_I2 ? (int64_t)*(const int16_t *)p
                         : dt == DUSK_DT_U2 ? (int64_t)*(const uint16_t *)p
                         : dt == DUSK_DT_I1 ? (int64_t)*(const int8_t *)p
                                            : (int64_t)*(const uint8_t *)p);
        dusk_value_unref(v);
        v = x;
        if (!v)
            rc = dusk_error_set(err, DUSK_ENOMEM, "out of memory for attribute '%s'", name);
    }
    *out = v;
done:
    if (mem >= 0)
        H5Tclose(mem);
    if (type >= 0)
        H5Tclose(type);
    if (space >= 0)
        H5Sclose(space);
    return rc;
}

typedef struct {
    char **names;
    size_t n, cap;
    int oom;
} name_list;

static herr_t add_name(hid_t obj, const char *name, const H5A_info_t *info, void *ud)
{
    (void)obj;
    (void)info;
    name_list *l = ud;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 8;
        char **p = dusk_realloc(l->names, cap * sizeof *p);
        if (!p) {
            l->oom = 1;
            return -1;
        }
        l->names = p;
        l->cap = cap;
    }
    size_t len = strlen(name) + 1;
    if (!(l->names[l->n] = dusk_malloc(len))) {
        l->oom = 1;
        return -1;
    }
    memcpy(l->names[l->n++], name, len);
    return 0;
}

/* The HDF5 file at path opened for reading into *file, checked to hold
 * obj (a dataset's or group's path, "/" the root group): 0, or DUSK_EIO
 * naming what is wrong (no such file, not HDF5, no such object, a dataset
 * on the way to it). Caller holds h5_lock, and closes *file when >= 0. */
static int open_holding(const char *path, const char *obj, hid_t *file, dusk_error *err)
{
    *file = H5I_INVALID_HID;
    struct stat st;
    if (stat(path, &st) != 0)
        return dusk_error_set(err, DUSK_EIO, "cannot open '%s': %s", path, strerror(errno));
    if (dusk__not_a_file(&st))
        return dusk_error_set(err, DUSK_EIO, "cannot open '%s': it is %s, not an HDF5 file",
                              path, dusk__not_a_file(&st));
    if (is_hdf5(path) <= 0)
        return h5_fail(err, DUSK_EIO, "'%s' is not an HDF5 file", path);
    *file = file_open(path, H5F_ACC_RDONLY);
    char blocker[4096];
    htri_t has = -1;
    if (*file >= 0)   /* "/" and "//" are the root group, which H5Lexists cannot ask for */
        has = strspn(obj, "/") == strlen(obj) ? 1 : link_exists(*file, obj, blocker, sizeof blocker);
    if (has == -2)
        return dusk_error_set(err, DUSK_EIO, "'%s' has no '%s': '%s' there is a dataset, not "
                              "a group", path, obj, blocker);
    if (has <= 0)
        return has < 0 ? h5_fail(err, DUSK_EIO, "cannot read HDF5 file '%s'", path)
                       : dusk_error_set(err, DUSK_EIO, "'%s' has no '%s'", path, obj);
    return 0;
}

int dusk__h5_attrs(const char *path, const char *dataset, const char *name, dusk_value **out,
                   dusk_error *err)
{
    *out = NULL;
    name_list names = {NULL, 0, 0, 0};
    dusk_value *res = NULL;
    hid_t file = H5I_INVALID_HID, obj = H5I_INVALID_HID;
    lock();
    int rc = open_holding(path, dataset, &file, err);
    if (rc)
        goto done;
    if ((obj = H5Oopen(file, dataset, H5P_DEFAULT)) < 0) {
        rc = h5_fail(err, DUSK_EIO, "cannot open '%s' in '%s'", dataset, path);
        goto done;
    }
    if (name) {
        htri_t e = H5Aexists(obj, name);
        if (e <= 0) {
            rc = e < 0 ? h5_fail(err, DUSK_EIO, "cannot read the attributes of '%s' in '%s'",
                                 dataset, path)
                       : dusk_error_set(err, DUSK_ENOKEY, "'%s' in '%s' has no attribute '%s'",
                                        dataset, path, name);
            goto done;
        }
        if (add_name(obj, name, NULL, &names) < 0) {
            rc = dusk_error_set(err, DUSK_ENOMEM, "out of memory reading attributes");
            goto done;
        }
    } else {
        hsize_t at = 0;
        if (H5Aiterate2(obj, H5_INDEX_NAME, H5_ITER_INC, &at, add_name, &names) < 0) {
            rc = names.oom ? dusk_error_set(err, DUSK_ENOMEM, "out of memory reading attributes")
                           : h5_fail(err, DUSK_EIO, "cannot list the attributes of '%s' in '%s'",
                                     dataset, path);
            goto done;
        }
    }
    /* the listing leaves out attributes of types dusk does not read (a
     * netCDF file's DIMENSION_LIST, a complex number): the others are
     * still worth having; reading one of them by name says what it is */
    dusk_value **items = name ? NULL : dusk_calloc(names.n ? names.n : 1, sizeof *items);
    size_t kept = 0;
    if (!name && !items) {
        rc = dusk_error_set(err, DUSK_ENOMEM, "out of memory reading attributes");
        goto done;
    }
    for (size_t i = 0; i < names.n && !rc; i++) {
        hid_t a = H5Aopen(obj, names.names[i], H5P_DEFAULT);
        dusk_value *v = NULL;
        if (a < 0) {
            rc = h5_fail(err, DUSK_EIO, "cannot open attribute '%s' of '%s' in '%s'",
                         names.names[i], dataset, path);
            break;
        }
        bool unreadable = false;
        rc = attr_value(a, names.names[i], dataset, path, &v, &unreadable, err);
        H5Aclose(a);
        if (rc && unreadable && !name) {
            dusk_error_clear(err);
            rc = 0;
            continue;
        }
        if (rc)
            break;
        if (name) {
            res = v;
            break;
        }
        dusk_value *pair[2] = {dusk_string(names.names[i]), v};
        if (!(items[kept] = dusk_tuple_of(2, pair)))
            rc = dusk_error_set(err, DUSK_ENOMEM, "out of memory reading attributes");
        else
            kept++;
    }
    if (!name && !rc && !(res = dusk_tuple_of(kept, items)))
        rc = dusk_error_set(err, DUSK_ENOMEM, "out of memory reading attributes");
    else if (!name && rc)
        for (size_t i = 0; i < kept; i++)
            dusk_value_unref(items[i]);
    dusk_free(items);
done:
    if (obj >= 0)
        H5Oclose(obj);
    if (file >= 0)
        H5Fclose(file);
    unlock();
    for (size_t i = 0; i < names.n; i++)
        dusk_free(names.names[i]);
    dusk_free(names.names);
    if (rc)
        dusk_value_unref(res);
    else
        *out = res;
    return rc;
}

int dusk__h5_list(const char *path, const char *group, dusk_value **out, dusk_error *err)
{
    *out = NULL;
    hid_t file = H5I_INVALID_HID;
    const char *where = group[0] ? group : "/";
    lock();
    int rc = open_holding(path, where, &file, err);
    if (rc)
        goto done;
    obj_info oi;
    if (get_info(file, where, &oi) < 0) {
        rc = h5_fail(err, DUSK_EIO, "cannot open '%s' in '%s'", where, path);
        goto done;
    }
    if (oi.type != H5O_TYPE_GROUP) {
        rc = dusk_error_set(err, DUSK_EIO, "'%s' in '%s' is a %s, not a group", where, path,
                            oi.type == H5O_TYPE_DATASET ? "dataset" : "named type");
        goto done;
    }
    if ((rc = list_members(file, where, out)) != 0)
        rc = rc == DUSK_ENOMEM
                 ? dusk_error_set(err, DUSK_ENOMEM, "out of memory listing '%s'", where)
                 : h5_fail(err, DUSK_EIO, "cannot list group '%s' in '%s'", where, path);
done:
    if (file >= 0)
        H5Fclose(file);
    unlock();
    return rc;
}

/* The region store's dataset: opened in file (the copy), checked to take
 * an array of ndim axes and shape at region, and extended to it where its
 * maxshape lets it. Its dtype goes to *dt. Caller holds h5_lock. */
static int open_region(hid_t file, const char *path, const char *dataset, int ndim,
                       const int64_t *shape, const int64_t *region, hid_t *out, int *dt,
                       dusk_error *err)
{
    hid_t dset = H5Dopen2(file, dataset, H5P_DEFAULT);
    if (dset < 0)
        return h5_fail(err, DUSK_EIO, "cannot open dataset '%s' in '%s' to store into", dataset,
                       path);
    hid_t type = H5Dget_type(dset), space = H5Dget_space(dset);
    int nd = space >= 0 ? H5Sget_simple_extent_ndims(space) : -1;
    hsize_t dims[H5S_MAX_RANK], maxd[H5S_MAX_RANK];
    char why[128];
    int rc = 0;
    *dt = type >= 0 && type_fits(type, why, sizeof why) ? dtype_of(type) : -1;
    if (nd < 0 || type < 0) {
        rc = h5_fail(err, DUSK_EIO, "cannot read dataset '%s' in '%s'", dataset, path);
    } else if (*dt < 0) {
        rc = dusk_error_set(err, DUSK_EIO, "dataset '%s' in '%s' is of an HDF5 type dusk does "
                            "not write", dataset, path);
    } else if (H5Sget_simple_extent_type(space) == H5S_NULL) {
        /* rank 0 like a scalar, but no element for a 0-d array to go to */
        rc = dusk_error_set(err, DUSK_EIO, "dataset '%s' in '%s' has a null dataspace (no "
                            "shape and no elements, h5py's Empty): there is no region of it "
                            "to store into", dataset, path);
    } else if (nd != ndim) {
        rc = dusk_error_set(err, DUSK_EINVAL, "cannot store a %d-d array into dataset '%s' of "
                            "'%s': it has %d dimensions", ndim, dataset, path, nd);
    } else {
        H5Sget_simple_extent_dims(space, dims, maxd);
        int grow = 0;
        hsize_t want[H5S_MAX_RANK];
        for (int d = 0; d < nd && !rc; d++) {
            want[d] = dims[d];
            if (region[d] < 0 || shape[d] > INT64_MAX - region[d]) {
                rc = dusk_error_set(err, DUSK_EINVAL, "region start %lld of axis %d is not a "
                                    "place in dataset '%s' of '%s'", (long long)region[d], d,
                                    dataset, path);
                break;
            }
            hsize_t end = (hsize_t)(region[d] + shape[d]);
            if (end <= dims[d])
                continue;
            if (maxd[d] != H5S_UNLIMITED && end > maxd[d]) {
                rc = dusk_error_set(err, DUSK_EINVAL, "the region %lld:%llu of axis %d does not "
                                    "fit dataset '%s' of '%s': its length is %llu and its "
                                    "maxshape %llu", (long long)region[d],
                                    (unsigned long long)end, d, dataset, path,
                                    (unsigned long long)dims[d], (unsigned long long)maxd[d]);
                break;
            }
            want[d] = end;
            grow = 1;
        }
        /* an unlimited axis takes any end: the dataset stays one that
         * can be read back whole, as every array must (PTRDIFF_MAX bytes) */
        double bytes = (double)dusk_dtype_size((dusk_dtype)*dt);
        int64_t total = (int64_t)dusk_dtype_size((dusk_dtype)*dt);
        bool over = false;
        for (int d = 0; d < nd && !rc && grow; d++) {
            bytes *= (double)want[d];
            over |= want[d] > (hsize_t)INT64_MAX ||
                    __builtin_mul_overflow(total, (int64_t)want[d], &total);
        }
        if (!rc && grow && (over || total > PTRDIFF_MAX))
            rc = dusk_error_set(err, DUSK_EINVAL, "the region would extend dataset '%s' of '%s' "
                                "to %.3g bytes, more than can be addressed (%lld)", dataset,
                                path, bytes, (long long)PTRDIFF_MAX);
        if (!rc && grow && H5Dset_extent(dset, want) < 0)
            rc = h5_fail(err, DUSK_EIO, "cannot extend dataset '%s' of '%s'", dataset, path);
    }
    if (type >= 0)
        H5Tclose(type);
    if (space >= 0)
        H5Sclose(space);
    if (rc)
        H5Dclose(dset);
    else
        *out = dset;
    return rc;
}

int dusk__h5_create(const char *path, const char *tmp, const char *dataset, dusk_dtype dtype,
                    int ndim, const int64_t *shape, const int64_t *chunk, int gzip,
                    int overwrite, const dusk_hdf5_options *h5, dusk_dtype *file_dtype,
                    dusk_error *err)
{
    int rc = 0;
    struct stat st;
    int exists = stat(path, &st) == 0;
    hid_t file = H5I_INVALID_HID;
    const int64_t *region = h5 ? h5->region : NULL, *maxshape = h5 ? h5->maxshape : NULL;
    *file_dtype = dtype;
    for (int d = 0; maxshape && d < ndim; d++)
        if (maxshape[d] != -1 && maxshape[d] < shape[d])
            return dusk_error_set(err, DUSK_EINVAL, "cannot store '%s' in '%s': maxshape[%d] is "
                                  "%lld, less than the array's %lld", dataset, path, d,
                                  (long long)maxshape[d], (long long)shape[d]);
    if (region && !exists)
        return dusk_error_set(err, DUSK_EIO, "cannot store into a region of '%s' in '%s': %s",
                              dataset, path, strerror(errno));
    lock();
    if (region) {
        char blocker[4096];
        hid_t old = is_hdf5(path) > 0 ? file_open(path, H5F_ACC_RDONLY) : H5I_INVALID_HID;
        htri_t has = old >= 0 ? link_exists(old, dataset, blocker, sizeof blocker) : -1;
        if (old >= 0)
            H5Fclose(old);
        if (has == -2)
            rc = dusk_error_set(err, DUSK_EIO, "cannot store '%s' in '%s': '%s' there is a "
                                "dataset, not a group", dataset, path, blocker);
        else if (has < 0)
            rc = h5_fail(err, DUSK_EIO, "cannot read HDF5 file '%s'", path);
        else if (has == 0)
            rc = dusk_error_set(err, DUSK_EIO, "'%s' has no dataset '%s' to store a region of",
                                path, dataset);
        else if (copy_file(path, tmp) < 0)
            rc = dusk_error_set(err, DUSK_EIO, "cannot copy '%s' to '%s': %s", path, tmp,
                                strerror(errno));
        else if ((file = file_open(tmp, H5F_ACC_RDWR)) < 0)
            rc = h5_fail(err, DUSK_EIO, "cannot write HDF5 file '%s' (as '%s')", path, tmp);
        hid_t dset = H5I_INVALID_HID;
        int dt = 0;
        if (!rc)
            rc = open_region(file, path, dataset, ndim, shape, region, &dset, &dt, err);
        for (size_t k = 0; !rc && h5 && k < h5->nattrs; k++)
            rc = attr_write(dset, h5->attrs[k].name, h5->attrs[k].value, dataset, path, err);
        if (dset >= 0 && H5Dclose(dset) < 0 && !rc)
            rc = h5_fail(err, DUSK_EIO, "cannot write dataset '%s' in '%s'", dataset, path);
        if (!rc)
            *file_dtype = (dusk_dtype)dt;
        goto done;
    }
    if (exists) {
        if (is_hdf5(path) <= 0) {
            rc = h5_fail(err, DUSK_EIO, "'%s' exists and is not an HDF5 file", path);
            goto done;
        }
        hid_t old = file_open(path, H5F_ACC_RDONLY);
        char blocker[4096];
        htri_t has = old >= 0 ? link_exists(old, dataset, blocker, sizeof blocker) : -1;
        if (has == -2) {
            H5Fclose(old);
            rc = dusk_error_set(err, DUSK_EIO, "cannot store '%s' in '%s': '%s' there is a "
                                "dataset, not a group", dataset, path, blocker);
            goto done;
        }
        if (old < 0 || has < 0) {
            rc = h5_fail(err, DUSK_EIO, "cannot read HDF5 file '%s'", path);
            if (old >= 0)
                H5Fclose(old);
            goto done;
        }
        if (has && !overwrite) {
            H5Fclose(old);
            rc = dusk_error_set(err, DUSK_EIO, "'%s' already has '%s' (ask to overwrite it)",
                                path, dataset);
            goto done;
        }
        /* overwrite replaces a dataset: a group would go with all it holds */
        obj_info info;
        if (has && get_info(old, dataset, &info) >= 0 && info.type != H5O_TYPE_DATASET) {
            H5Fclose(old);
            rc = dusk_error_set(err, DUSK_EIO, "cannot store '%s' in '%s': it is a %s there, "
                                "not a dataset (overwrite replaces only a dataset)", dataset,
                                path, info.type == H5O_TYPE_GROUP ? "group" : "named type");
            goto done;
        }
        H5Eclear2(H5E_DEFAULT);
        if (has) {
            /* Deleting a dataset in place does not give its space back:
             * build a new file with everything else instead. */
            file = create_excl(tmp);
            copied_objects seen = {0};
            if (file >= 0 && (copy_attrs(old, file, "/") < 0 ||
                              copy_except(old, file, "/", dataset, &seen) < 0)) {
                copied_free(&seen);
                rc = h5_fail(err, DUSK_EIO, "cannot copy the rest of '%s'", path);
                H5Fclose(old);
                goto done;
            }
            copied_free(&seen);
            H5Fclose(old);
        } else {
            H5Fclose(old);
            if (copy_file(path, tmp) < 0) {
                rc = dusk_error_set(err, DUSK_EIO, "cannot copy '%s' to '%s': %s", path, tmp,
                                    strerror(errno));
                goto done;
            }
            file = file_open(tmp, H5F_ACC_RDWR);
        }
    } else {
        file = create_excl(tmp);
    }
    if (file < 0) {
        rc = h5_fail(err, DUSK_EIO, "cannot write HDF5 file '%s' (as '%s')", path, tmp);
        goto done;
    }
    hsize_t dims[H5S_MAX_RANK], cdims[H5S_MAX_RANK], maxd[H5S_MAX_RANK];
    int chunked = ndim > 0;
    for (int i = 0; i < ndim; i++) {
        dims[i] = (hsize_t)shape[i];
        cdims[i] = (hsize_t)(chunk[i] > 0 ? chunk[i] : 1);
        maxd[i] = maxshape && maxshape[i] == -1 ? H5S_UNLIMITED
                  : maxshape                     ? (hsize_t)maxshape[i]
                                                 : dims[i];
        if (shape[i] == 0 && !maxshape)
            chunked = 0;   /* a resizable one must be chunked, even empty */
    }
    hid_t space = H5Screate_simple(ndim, dims, maxshape ? maxd : NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    /* every element gets written: no fill values to write first (but a
     * resizable dataset keeps them, for what a later region leaves out) */
    if (!maxshape)
        H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER);
    if (chunked) {
        H5Pset_chunk(dcpl, ndim, cdims);
        if (gzip != 0)
            H5Pset_deflate(dcpl, gzip == DUSK_GZIP_LEVEL0 ? 0u : (unsigned)gzip);
        /* every chunk in place from the start (nothing written: the fill
         * time is never), so that store tasks write them with pwrite
         * outside h5_lock (run_direct) and change no metadata */
        else if (!maxshape)
            H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY);
    }
    hid_t ftype = native_type(dtype);
    hid_t dset = H5Dcreate2(file, dataset, ftype, space, lcpl, dcpl, H5P_DEFAULT);
    if (dset < 0)
        rc = h5_fail(err, DUSK_EIO, "cannot create dataset '%s' in '%s'", dataset, path);
    for (size_t k = 0; !rc && h5 && k < h5->nattrs; k++)
        rc = attr_write(dset, h5->attrs[k].name, h5->attrs[k].value, dataset, path, err);
    if (dset >= 0 && H5Dclose(dset) < 0 && !rc)
        rc = h5_fail(err, DUSK_EIO, "cannot create dataset '%s' in '%s'", dataset, path);
    H5Tclose(ftype);
    H5Pclose(lcpl);
    H5Pclose(dcpl);
    H5Sclose(space);
done:
    if (file >= 0 && H5Fclose(file) < 0 && !rc)
        rc = h5_fail(err, DUSK_EIO, "cannot write HDF5 file '%s' (as '%s')", path, tmp);
    unlock();
    return rc;
}
