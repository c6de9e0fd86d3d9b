/*
** dusk tests — HDF5 files and disks that go wrong (array/h5.c, array/store.c)
**
** A corrupt gzip chunk is an error naming the file, the dataset and the
** chunk, in a process that lives on (libhdf5 1.10.8's own H5Dread copies
** past its buffer on one that inflates short); valid gzip, shuffle and
** fletcher32 data, chunks never written and partial edge chunks read as
** HDF5 (and h5py) read them; filters dusk does not decode are refused.
** Two threads storing into one file both keep their dataset, also when one
** stores through a symbolic link to it (which stays a link). A store onto
** a full disk fails cleanly, again and again, without leaking; one onto a
** read-only disk says so. HDF5 prints nothing from worker threads, and
** its reason ends up in the dusk_error.
*/
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE  /* mallinfo2, mount */
#include <fcntl.h>
#include <hdf5.h>
#include <malloc.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <zlib.h>
#include <cmocka.h>

#include "dusk.h"
#include "core/util.h"   /* dusk__side_base: the short name beside a long one */
#include "dusk/array.h"
#include "helpers.h"
#include "h5_read.h"

static dusk_array_ctx *ctx;

static int setup(void **state)
{
    ctx = dusk_array_ctx_new();
    return ctx ? scratch_setup(state) : -1;
}

static int teardown(void **state)
{
    dusk_array_ctx_free(ctx);
    return scratch_teardown(state);
}

/* Computes a on the sync scheduler: 0 and the ndarray, or the code and the
 * message in err. */
static int compute_sync(dusk_array *a, dusk_value **out, dusk_error *err)
{
    dusk_options o = opts_of(DUSK_SCHED_SYNC, 1);
    return dusk_array_compute(a, &o, out, err);
}

/* --- files written with the HDF5 C API -------------------------------------------------- */

typedef struct {
    int ndim;
    hsize_t dims[3], chunk[3];
    hid_t ftype;          /* in the file, e.g. H5T_STD_I16BE */
    int shuffle, gzip, fletcher, edge_raw;
    int fill;             /* user-defined fill value, when not 0 */
} dspec;

/* Creates dataset name in file f as spec says; the caller closes it. */
static hid_t make_dataset(hid_t f, const char *name, const dspec *s)
{
    hid_t space = H5Screate_simple(s->ndim, s->dims, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, s->ndim, s->chunk);
    if (s->shuffle)
        H5Pset_shuffle(dcpl);
    if (s->gzip)
        H5Pset_deflate(dcpl, (unsigned)s->gzip);
    if (s->fletcher)
        H5Pset_fletcher32(dcpl);
    if (s->edge_raw)
        H5Pset_chunk_opts(dcpl, H5D_CHUNK_DONT_FILTER_PARTIAL_CHUNKS);
    if (s->fill) {
        int v = s->fill;
        H5Pset_fill_value(dcpl, H5T_NATIVE_INT, &v);
    }
    hid_t d = H5Dcreate2(f, name, s->ftype, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    assert_true(d >= 0);
    H5Pclose(dcpl);
    H5Sclose(space);
    return d;
}

/* Writes the double values v to the hyperslab [st, st + ct) of d. */
static void write_slab(hid_t d, int ndim, const hsize_t *st, const hsize_t *ct, const double *v)
{
    hid_t fs = H5Dget_space(d), ms = H5Screate_simple(ndim, ct, NULL);
    H5Sselect_hyperslab(fs, H5S_SELECT_SET, st, NULL, ct, NULL);
    assert_true(H5Dwrite(d, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, v) >= 0);
    H5Sclose(fs);
    H5Sclose(ms);
}

/* A (1000, 1000) float64 dataset in one gzip chunk, whose stored chunk is
 * raw (n bytes) instead of what HDF5 would write. */
static void write_gzip_file_with_chunk(const char *path, const void *raw, size_t n,
                                       int fletcher)
{
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    dspec s = {2, {1000, 1000}, {1000, 1000}, H5T_IEEE_F64LE, 0, 4, fletcher, 0, 0};
    hid_t d = make_dataset(f, "/z", &s);
    hsize_t off[2] = {0, 0};
    assert_true(H5Dwrite_chunk(d, H5P_DEFAULT, 0, off, n, raw) >= 0);
    H5Dclose(d);
    H5Fclose(f);
}

/* In a child process: reading path:/z fails with DUSK_EIO, naming the file,
 * the dataset and the chunk, and with why. Fails the test when the child
 * dies instead. */
static void expect_corrupt(const char *path, const char *why)
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* a crash must end the child (cmocka's handlers would carry on
         * with the next test in it) */
        signal(SIGSEGV, SIG_DFL);
        signal(SIGBUS, SIG_DFL);
        signal(SIGABRT, SIG_DFL);
        signal(SIGILL, SIG_DFL);
        dusk_array_ctx *c = dusk_array_ctx_new();
        dusk_error err = DUSK_ERROR_INIT;
        dusk_value *v = NULL;
        int rc = compute_sync(dusk_from_hdf5(c, path, "/z", NULL), &v, &err);
        int ok = rc == DUSK_EIO && contains(err.msg, path) && contains(err.msg, "'/z'") &&
                 contains(err.msg, "chunk at (0, 0)") && contains(err.msg, why);
        if (!ok)
            fprintf(stderr, "reading %s: %s (%s), want DUSK_EIO and \"%s\"\n", path,
                    dusk_err_name(rc), err.msg, why);
        dusk_value_unref(v);
        dusk_array_ctx_free(c);
        _exit(ok ? 0 : 1);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (WIFSIGNALED(status))
        fail_msg("reading the corrupt chunk of %s killed the process (signal %d)", path,
                 WTERMSIG(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* A corrupt chunk is an error, never a crash: one that inflates to 10
 * bytes (HDF5 1.10.8 then copies 8 MB from a 10-byte buffer), one with
 * bytes flipped, one that inflates to too much, and checksums that do not
 * match. */
static void test_corrupt_gzip_chunk(void **state)
{
    (void)state;
    const char *path = scratch("corrupt.h5");
    unsigned char small[64];
    uLongf n = sizeof small;
    assert_int_equal(compress2(small, &n, (const Bytef *)"ten bytes!", 10, 6), Z_OK);
    write_gzip_file_with_chunk(path, small, n, 0);
    expect_corrupt(path, "inflates to 10 bytes, not the 8000000");

    /* a real chunk with bytes flipped in the middle */
    size_t nel = 1000 * 1000;
    double *v = malloc(nel * sizeof *v);
    for (size_t i = 0; i < nel; i++)
        v[i] = (double)(i % 977) * 0.5;
    uLongf big = compressBound(nel * sizeof *v);
    unsigned char *z = malloc(big + 4);
    assert_int_equal(compress2(z, &big, (const Bytef *)v, nel * sizeof *v, 4), Z_OK);
    for (uLongf i = big / 2; i < big / 2 + 16; i++)
        z[i] ^= 0xff;
    write_gzip_file_with_chunk(path, z, big, 0);
    expect_corrupt(path, "corrupt");

    /* more than a chunk: 8 MB and one more byte */
    unsigned char *zeros = calloc(nel * sizeof *v + 1, 1);
    uLongf nz = compressBound(nel * sizeof *v + 1);
    unsigned char *zz = malloc(nz);
    assert_int_equal(compress2(zz, &nz, zeros, nel * sizeof *v + 1, 9), Z_OK);
    write_gzip_file_with_chunk(path, zz, nz, 0);
    expect_corrupt(path, "more than the 8000000 bytes");

    /* fletcher32: a chunk too short for its checksum, and a wrong one */
    write_gzip_file_with_chunk(path, "ab", 2, 1);
    expect_corrupt(path, "too short");
    big = compressBound(nel * sizeof *v);
    assert_int_equal(compress2(z, &big, (const Bytef *)v, nel * sizeof *v, 4), Z_OK);
    memset(z + big, 0x5a, 4);
    write_gzip_file_with_chunk(path, z, big + 4, 1);
    expect_corrupt(path, "fletcher32");
    free(zz);
    free(zeros);
    free(z);
    free(v);
}

/* Checks that dusk reads path:name, in blocks of chunks, as libhdf5 does. */
static void check_same_as_hdf5(const char *path, const char *name, const char *chunks)
{
    int64_t n = 0;
    double *want = h5_read_all(path, name, &n);
    dusk_error err = DUSK_ERROR_INIT;
    dusk_array *a = dusk_array_astype(dusk_from_hdf5(ctx, path, name, chunks), DUSK_DT_F8);
    dusk_value *v = NULL;
    if (compute_sync(a, &v, &err))
        fail_msg("reading %s of %s in blocks %s: %s", name, path, chunks, err.msg);
    assert_int_equal(dusk_ndarray_size(v), n);
    const double *got = dusk_ndarray_data(v);
    for (int64_t i = 0; i < n; i++)
        if (got[i] != want[i])
            fail_msg("%s of %s in blocks %s: element %lld is %g, HDF5 reads %g", name, path,
                     chunks, (long long)i, got[i], want[i]);
    dusk_value_unref(v);
    free(want);
}

/* gzip, shuffle and fletcher32 in their combinations, a big-endian type,
 * chunks never written (a fill value), partial edge chunks filtered or
 * not, blocks that cut across chunks: what dusk decodes is what libhdf5
 * decodes. */
static void test_valid_filters_read_as_hdf5(void **state)
{
    (void)state;
    const char *path = scratch("filters.h5");
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    const dspec specs[] = {  /* not static: HDF5's type ids are not constants */
        {2, {37, 23}, {10, 8}, H5T_IEEE_F64LE, 0, 6, 0, 0, 0},
        {2, {37, 23}, {10, 8}, H5T_STD_I32LE, 1, 4, 0, 0, 0},
        {2, {37, 23}, {10, 8}, H5T_STD_I16BE, 1, 1, 1, 0, 0},
        {3, {9, 7, 5}, {4, 3, 5}, H5T_IEEE_F32LE, 1, 9, 1, 1, 0},
        {1, {1000}, {64}, H5T_STD_U8LE, 0, 0, 1, 0, 0},
        {2, {37, 23}, {10, 8}, H5T_STD_I32LE, 1, 4, 0, 0, 7},
    };
    static const char *const names[] = {"/gz", "/shuf", "/be", "/edge3", "/fl", "/holes"};
    for (size_t k = 0; k < sizeof specs / sizeof *specs; k++) {
        const dspec *s = &specs[k];
        hid_t d = make_dataset(f, names[k], s);
        hsize_t total = 1;
        for (int i = 0; i < s->ndim; i++)
            total *= s->dims[i];
        double *v = malloc(total * sizeof *v);
        for (hsize_t i = 0; i < total; i++)
            v[i] = (double)((i * 37 + k) % 200) - (s->ftype == H5T_STD_U8LE ? 0 : 100);
        hsize_t st[3] = {0}, ct[3];
        memcpy(ct, s->dims, sizeof ct);
        if (s->fill) {
            ct[0] = 12;  /* rows 12.. never written: chunks of the fill value */
            write_slab(d, s->ndim, st, ct, v);
        } else {
            write_slab(d, s->ndim, st, s->dims, v);
        }
        H5Dclose(d);
        free(v);
    }
    H5Fclose(f);
    static const char *const blockings[] = {NULL, "(10, 8)", "(7, 5)", "(37, 23)", "3"};
    for (size_t k = 0; k < sizeof names / sizeof *names; k++)
        for (size_t b = 0; b < sizeof blockings / sizeof *blockings; b++) {
            if (specs[k].ndim != 2 && b > 0 && b < 4)
                continue;
            check_same_as_hdf5(path, names[k], blockings[b]);
        }
    /* rows of the fill value are 7, as HDF5 says */
    int64_t n;
    double *holes = h5_read_all(path, "/holes", &n);
    assert_true(holes[20 * 23] == 7.0);
    free(holes);

    /* a file h5py wrote (gzip + shuffle + fletcher32), when h5py is there */
    const char *py = scratch("h5py.h5");
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c 'import h5py, numpy as np\n"
             "with h5py.File(\"%s\", \"w\") as f:\n"
             "    f.create_dataset(\"a\", data=np.arange(4000, dtype=\"f8\").reshape(40, 100),"
             " chunks=(10, 30), compression=\"gzip\", shuffle=True, fletcher32=True)\n"
             "    f.create_dataset(\"b\", data=np.arange(-500, 500, dtype=\"i2\"), chunks=(64,),"
             " compression=\"gzip\", compression_opts=9)' 2>&1",
             py);
    int status;
    char *out = run_command(cmd, &status);
    free(out);
    if (status != 0) {
        print_message("test_valid_filters_read_as_hdf5: no h5py (python3-h5py): files h5py "
                      "writes are not tried\n");
        return;
    }
    dusk_value *v = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    if (compute_sync(dusk_from_hdf5(ctx, py, "/a", "(7, 33)"), &v, &err))
        fail_msg("h5py's /a: %s", err.msg);
    for (int i = 0; i < 4000; i++)
        assert_true(((const double *)dusk_ndarray_data(v))[i] == i);
    dusk_value_unref(v);
    if (compute_sync(dusk_from_hdf5(ctx, py, "/b", NULL), &v, &err))
        fail_msg("h5py's /b: %s", err.msg);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(((const int16_t *)dusk_ndarray_data(v))[i], i - 500);
    dusk_value_unref(v);
    check_same_as_hdf5(py, "/a", "(40, 7)");
}

/* A filter dusk does not decode (scale-offset, n-bit) is refused when the
 * array is made, by name. */
static void test_unknown_filter_refused(void **state)
{
    (void)state;
    const char *path = scratch("nbit.h5");
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hsize_t dims[1] = {100}, chunk[1] = {10};
    hid_t space = H5Screate_simple(1, dims, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 1, chunk);
    H5Pset_scaleoffset(dcpl, H5Z_SO_INT, H5Z_SO_INT_MINBITS_DEFAULT);
    hid_t d = H5Dcreate2(f, "/so", H5T_STD_I32LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    int v[100];
    for (int i = 0; i < 100; i++)
        v[i] = i;
    assert_true(H5Dwrite(d, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
    H5Dclose(d);
    H5Pclose(dcpl);
    H5Sclose(space);
    H5Fclose(f);
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_array_status(dusk_from_hdf5(ctx, path, "/so", NULL), &err), DUSK_EIO);
    assert_contains(err.msg, "/so");
    assert_contains(err.msg, path);
    assert_contains(err.msg, "scaleoffset");
    assert_contains(err.msg, "does not read");
}

/* A one-byte enum of two members is h5py's bool only when they are FALSE
 * and TRUE: libhdf5 converts enums by name, so {A, B} used to open as bool
 * and fail in every task with "no appropriate function for conversion
 * path", and an attribute of it failed dusk_hdf5_attrs as a whole. */
static void test_enum_not_bool_refused(void **state)
{
    (void)state;
    const char *path = scratch("enum.h5");
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hsize_t dims[1] = {3};
    hid_t space = H5Screate_simple(1, dims, NULL), scalar = H5Screate(H5S_SCALAR);
    int8_t vals[3] = {0, 1, 1}, zero = 0, one = 1;
    hid_t ab = H5Tenum_create(H5T_NATIVE_INT8), tf = H5Tenum_create(H5T_NATIVE_INT8);
    H5Tenum_insert(ab, "A", &zero);
    H5Tenum_insert(ab, "B", &one);
    H5Tenum_insert(tf, "FALSE", &zero);
    H5Tenum_insert(tf, "TRUE", &one);
    hid_t d = H5Dcreate2(f, "/ab", ab, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(H5Dwrite(d, ab, H5S_ALL, H5S_ALL, H5P_DEFAULT, vals) >= 0);
    hid_t a = H5Acreate2(d, "e", ab, scalar, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(H5Awrite(a, ab, &one) >= 0);
    H5Aclose(a);
    double x = 2.5;
    a = H5Acreate2(d, "x", H5T_IEEE_F64LE, scalar, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(H5Awrite(a, H5T_NATIVE_DOUBLE, &x) >= 0);
    H5Aclose(a);
    H5Dclose(d);
    d = H5Dcreate2(f, "/tf", tf, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(H5Dwrite(d, tf, H5S_ALL, H5S_ALL, H5P_DEFAULT, vals) >= 0);
    H5Dclose(d);
    H5Tclose(ab);
    H5Tclose(tf);
    H5Sclose(scalar);
    H5Sclose(space);
    H5Fclose(f);

    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_array_status(dusk_from_hdf5(ctx, path, "/ab", NULL), &err), DUSK_EIO);
    assert_contains(err.msg, "'/ab'");
    assert_contains(err.msg, path);
    assert_contains(err.msg, "an enum of 1 byte");
    assert_contains(err.msg, "does not read");

    /* h5py's own bool still reads */
    dusk_value *v = NULL;
    assert_int_equal(compute_sync(dusk_from_hdf5(ctx, path, "/tf", NULL), &v, &err), 0);
    assert_int_equal(dusk_ndarray_dtype(v), DUSK_DT_BOOL);
    assert_memory_equal(dusk_ndarray_data(v), vals, 3);
    dusk_value_unref(v);

    /* the enum attribute is left out of the listing, and named when asked for */
    v = NULL;
    assert_int_equal(dusk_hdf5_attrs(path, "/ab", &v, &err), 0);
    char buf[256];
    dusk_value_repr(v, buf, sizeof buf);
    assert_string_equal(buf, "(('x', 2.5),)");
    dusk_value_unref(v);
    v = NULL;
    assert_int_equal(dusk_hdf5_attr_get(path, "/ab", "e", &v, &err), DUSK_EIO);
    assert_null(v);
    assert_contains(err.msg, "'e'");
    assert_contains(err.msg, "an enum of 1 byte");
}

/* A dataset with a null dataspace (h5py's Empty) has rank 0 but no
 * element: it used to open as a 0-d array whose one task failed with
 * libhdf5's "src and dest dataspaces have different number of elements
 * selected". */
static void test_null_dataspace_refused(void **state)
{
    (void)state;
    const char *path = scratch("null-space.h5");
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hid_t space = H5Screate(H5S_NULL);
    hid_t d = H5Dcreate2(f, "/empty", H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT,
                         H5P_DEFAULT);
    assert_true(d >= 0);
    H5Dclose(d);
    H5Sclose(space);
    H5Fclose(f);
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_array_status(dusk_from_hdf5(ctx, path, "/empty", NULL), &err),
                     DUSK_EIO);
    assert_contains(err.msg, "'/empty'");
    assert_contains(err.msg, path);
    assert_contains(err.msg, "null dataspace");
    /* nor is it a region to store a 0-d array into: refused before any
     * task runs, naming the file given, not dusk's temporary copy */
    int64_t at[1] = {0};
    dusk_hdf5_options h5 = DUSK_HDF5_OPTIONS_INIT;
    h5.region = at;
    dusk_error_clear(&err);
    assert_int_equal(dusk_array_store_hdf5(dusk_full(ctx, DUSK_SHAPE0, "()", DUSK_DT_F8, 2), path,
                                           "/empty", NULL, &h5, NULL, &err), DUSK_EIO);
    assert_contains(err.msg, "'/empty'");
    assert_contains(err.msg, path);
    assert_contains(err.msg, "null dataspace");
    assert_false(contains(err.msg, ".tmp"));
}

/* A file whose chunk index gives a chunk two sizes (found by the hdf5 fuzz
 * target): H5Dread_chunk writes the larger into a buffer of the smaller,
 * unless dusk refuses the chunk first. ASan sees the overflow. */
static void test_chunk_sizes_disagree(void **state)
{
    (void)state;
    const char *path = "tests/data/array/corrupt-chunk-index.h5";
    dusk_value *v = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    int rc = compute_sync(dusk_from_hdf5(ctx, path, "/data", "-1"), &v, &err);
    assert_int_equal(rc, DUSK_EIO);
    assert_null(v);
    assert_contains(err.msg, path);
    assert_contains(err.msg, "'/data'");
    assert_contains(err.msg, "its index gives it 35 bytes and 38");
}

/* A file whose first chunk libhdf5 1.10.8's H5Dread_chunk reads as 4 KiB
 * where its index (both ways of asking) records 16 bytes (found by the
 * hdf5 fuzz target; libhdf5 wrote past dusk's buffer, and the fuzz run took
 * it for libhdf5's own fault). dusk reads the 16 bytes itself: the first
 * block reads, and the chunk that has no storage is an error. */
static void test_chunk_read_past_record(void **state)
{
    (void)state;
    const char *path = "tests/data/array/corrupt-chunk-read-past.h5";
    dusk_value *v = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    dusk_array *a = dusk_from_hdf5(ctx, path, "/data", "(2, 2, 1)");
    assert_int_equal(compute_sync(dusk_array_slice(a, ":2, :2, :1"), &v, &err), 0);
    assert_int_equal(dusk_ndarray_size(v), 4);
    dusk_value_unref(v);
    v = NULL;
    int rc = compute_sync(dusk_from_hdf5(ctx, path, "/data", "-1"), &v, &err);
    assert_int_equal(rc, DUSK_EIO);
    assert_null(v);
    assert_contains(err.msg, path);
    assert_contains(err.msg, "'/data'");
    assert_contains(err.msg, "the chunk at (2, 0, 0)");
}

/* An unfiltered chunked dataset whose index says a chunk is shorter than a
 * chunk (found by the hdf5 fuzz target): libhdf5 1.10.8's H5Dread reads a
 * whole chunk out of the shorter buffer (ASan: heap-buffer-overflow inside
 * libhdf5), unless dusk checks the chunks a block meets first. */
static void test_raw_chunk_shorter(void **state)
{
    (void)state;
    const char *path = "tests/data/array/corrupt-raw-chunk.h5";
    dusk_value *v = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    int rc = compute_sync(dusk_from_hdf5(ctx, path, "/g/x", "-1"), &v, &err);
    assert_int_equal(rc, DUSK_EIO);
    assert_null(v);
    assert_contains(err.msg, path);
    assert_contains(err.msg, "'/g/x'");
    assert_contains(err.msg, "is corrupt");
    assert_contains(err.msg, "its index gives it 7 bytes and 12");
}

/* An int16 whose type says it has 65,296 bits (found by the hdf5 fuzz
 * target): libhdf5 opens it, and converting its elements reads far past
 * the chunk (a SEGV inside H5T__bit_find, from the second read on). dusk
 * refuses the type when it opens the dataset. */
static void test_type_bits_corrupt(void **state)
{
    (void)state;
    const char *path = "tests/data/array/corrupt-int-precision.h5";
    for (int round = 0; round < 3; round++) {
        dusk_array *a = dusk_from_hdf5(ctx, path, "/data", NULL);
        dusk_error err = DUSK_ERROR_INIT;
        assert_int_equal(dusk_array_status(a, &err), DUSK_EIO);
        assert_contains(err.msg, path);
        assert_contains(err.msg, "'/data'");
        assert_contains(err.msg, "is corrupt: its type claims 65296 bits at bit 0 of a 2-byte");
    }
}

/* dusk silences HDF5 only while it calls it: the host's own error handler
 * on that thread is there again afterwards. */
static herr_t host_handler(hid_t stack, void *data)
{
    (void)stack;
    ++*(int *)data;
    return 0;
}

static void test_host_error_handler_kept(void **state)
{
    (void)state;
    int calls = 0;
    H5E_auto2_t before = NULL;
    void *before_data = NULL;
    H5Eget_auto2(H5E_DEFAULT, &before, &before_data);
    assert_true(H5Eset_auto2(H5E_DEFAULT, host_handler, &calls) >= 0);
    dusk_error err = DUSK_ERROR_INIT;
    const char *path = "tests/data/array/h5py_fixture.h5";
    assert_int_equal(dusk_array_status(dusk_from_hdf5(ctx, path, "/no/such", NULL), &err),
                     DUSK_EIO);
    assert_int_equal(calls, 0);               /* quiet inside dusk */
    H5E_auto2_t now = NULL;
    void *now_data = NULL;
    H5Eget_auto2(H5E_DEFAULT, &now, &now_data);
    assert_true(now == host_handler && now_data == &calls);
    assert_true(H5Fopen("no-such-file.h5", H5F_ACC_RDONLY, H5P_DEFAULT) < 0);
    assert_int_equal(calls, 1);               /* the host's own failure reaches it */
    H5Eset_auto2(H5E_DEFAULT, before, before_data);
}

/* --- two stores into one file ----------------------------------------------------------- */

typedef struct {
    const char *path, *dataset;
    double value;
    pthread_barrier_t *go;
    int rc;
    dusk_error err;
} store_job;

static void *store_thread(void *p)
{
    store_job *j = p;
    /* a context of its own: one context is one thread's */
    dusk_array_ctx *c = dusk_array_ctx_new();
    dusk_array *a = dusk_full(c, DUSK_SHAPE(300, 300), "(60, 60)", DUSK_DT_F8, j->value);
    dusk_options o = opts_of(DUSK_SCHED_THREADS, 2);
    dusk_error_clear(&j->err);
    pthread_barrier_wait(j->go);
    j->rc = dusk_array_store(a, j->path, j->dataset, NULL, &o, &j->err);
    dusk_array_ctx_free(c);
    return NULL;
}

/* Stores first and second (each full of its value) at once, from two
 * threads let go together; each job's rc and err say how it went. */
static void store_both(const char *path1, const char *set1, double v1, const char *path2,
                       const char *set2, double v2, store_job j[2])
{
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, 2);
    j[0] = (store_job){path1, set1, v1, &go, 0, DUSK_ERROR_INIT};
    j[1] = (store_job){path2, set2, v2, &go, 0, DUSK_ERROR_INIT};
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, store_thread, &j[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&go);
}

/* Both stores reported success, so both datasets are in the file. */
static void test_two_stores_one_file(void **state)
{
    (void)state;
    for (int round = 0; round < 6; round++) {
        char name[64];
        snprintf(name, sizeof name, "both%d.h5", round);
        const char *path = scratch(name);
        store_job j[2];
        store_both(path, "/first", 1, path, "/second", 2, j);
        for (int i = 0; i < 2; i++) {
            if (j[i].rc)
                fail_msg("round %d: storing %s: %s", round, j[i].dataset, j[i].err.msg);
            dusk_error err = DUSK_ERROR_INIT;
            dusk_value *v = NULL;
            if (compute_sync(dusk_from_hdf5(ctx, path, j[i].dataset, NULL), &v, &err))
                fail_msg("round %d: %s was stored, and is gone: %s", round, j[i].dataset,
                         err.msg);
            assert_true(((const double *)dusk_ndarray_data(v))[299 * 300 + 299] == j[i].value);
            dusk_value_unref(v);
        }
    }
    assert_int_equal(count_entries_with(scratch_dir, ".tmp"), 0);
    assert_int_equal(count_entries_with(scratch_dir, "dusk-lock"), 0);
}

static void put_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* A store killed before its rename leaves ".NAME.XXXXXX.store.tmp" (as
 * large as the target); the next store to that name removes it, and only
 * it. */
static void test_stale_temporary_removed(void **state)
{
    (void)state;
    char path[4096];  /* scratch() reuses its buffer */
    snprintf(path, sizeof path, "%s", scratch("stale.h5"));
    const char *left[] = {".stale.h5.Ab3xZ9.store.tmp", ".stale.h5.000000.store.tmp"};
    /* not a store's: other names, and another writer's temporary file
     * (".tmp" alone: a trace or picture being written to that name) */
    const char *kept[] = {".stale.h5.Ab3x.store.tmp", ".stale.h5.Ab3xZ9.store.tmp.keep",
                          ".other.h5.Ab3xZ9.store.tmp", "stale.h5.Ab3xZ9.store.tmp",
                          ".stale.h5.Ab-xZ9.store.tmp", ".stale.h5.Ab3xZ9.tmp"};
    for (size_t i = 0; i < 2; i++)
        put_file(scratch(left[i]), "half a store");
    for (size_t i = 0; i < 6; i++)
        put_file(scratch(kept[i]), "not a store's");
    dusk_error err = DUSK_ERROR_INIT;
    dusk_array *a = dusk_ones(ctx, DUSK_SHAPE(20, 20), "(10, 10)", DUSK_DT_F8);
    if (dusk_array_store(a, path, "/x", NULL, NULL, &err))
        fail_msg("store: %s", err.msg);
    for (size_t i = 0; i < 2; i++)
        if (access(scratch(left[i]), F_OK) == 0)
            fail_msg("%s, left by a killed store, is still there", left[i]);
    for (size_t i = 0; i < 6; i++)
        if (access(scratch(kept[i]), F_OK) != 0)
            fail_msg("%s is not a store's temporary file, and was removed", kept[i]);
    assert_int_equal(count_entries_with(scratch_dir, "dusk-lock"), 0);
}

/* A name of 250 bytes: the store's lock and temporary files beside it cut
 * the name short (they would pass the 255 bytes a name may have), and a
 * store killed before its rename is cleaned up under that short name too. */
static void test_store_long_name(void **state)
{
    (void)state;
    char base[251], stale[300], path[4096], side[DUSK__SIDE_MAX];
    memset(base, 'L', 247);
    memcpy(base + 247, ".h5", 4);
    dusk__side_base(base, 18, side);
    snprintf(stale, sizeof stale, ".%s.Ab3xZ9.store.tmp", side);
    assert_true(strlen(stale) <= 255);
    put_file(scratch(stale), "half a store");
    snprintf(path, sizeof path, "%s", scratch(base));
    /* and one reserved as a store reserves its own (core/util.c's name) */
    dusk_error rerr = DUSK_ERROR_INIT;
    char *reserved = dusk__atomic_reserve(path, ".store.tmp", &rerr);
    assert_non_null(reserved);
    dusk_error err = DUSK_ERROR_INIT;
    dusk_array *a = dusk_ones(ctx, DUSK_SHAPE(20, 20), "(10, 10)", DUSK_DT_F8);
    if (dusk_array_store(a, path, "/x", NULL, NULL, &err))
        fail_msg("store to a name of 250 bytes: %s", err.msg);
    if (access(scratch(stale), F_OK) == 0)
        fail_msg("the killed store's temporary file is still there");
    if (access(reserved, F_OK) == 0)
        fail_msg("%s, a store's temporary name, is still there", reserved);
    dusk_free(reserved);
    int64_t n = 0;
    double *back = h5_read_all(path, "/x", &n);
    assert_non_null(back);
    assert_int_equal(n, 400);
    for (int64_t i = 0; i < n; i++)
        assert_true(back[i] == 1.0);
    free(back);
    /* no lock or temporary file left under the short name */
    assert_int_equal(count_entries_with(scratch_dir, strchr(side, '~')), 0);
    assert_int_equal(count_entries_with(scratch_dir, "dusk-lock"), 0);
}

/* Whether path is a symbolic link to want. */
static bool is_link_to(const char *path, const char *want)
{
    char got[4096];
    struct stat st;
    ssize_t n = lstat(path, &st) == 0 && S_ISLNK(st.st_mode)
                    ? readlink(path, got, sizeof got - 1) : -1;
    if (n < 0)
        return false;
    got[n] = '\0';
    return strcmp(got, want) == 0;
}

/* A store through a symbolic link (relative, from another directory)
 * writes the file it points to, as core's files written whole do: the link
 * stays a link, the target gets the dataset beside the ones it had, and
 * neither directory keeps a lock or temporary file. The lock is the
 * target's, so a store through the link and one to the target at once
 * both keep their dataset; a dangling link's target is created; a killed
 * store's temporary file beside the target is cleaned up. */
static void test_store_through_symlink(void **state)
{
    (void)state;
    /* scratch() reuses its buffers */
    char links[4096], files[4096], link[4096], target[4096], dangling[4096], made[4096],
        stale[4096];
    snprintf(links, sizeof links, "%s", scratch("links"));
    snprintf(files, sizeof files, "%s", scratch("files"));
    snprintf(link, sizeof link, "%s", scratch("links/t.h5"));
    snprintf(target, sizeof target, "%s", scratch("files/t.h5"));
    snprintf(dangling, sizeof dangling, "%s", scratch("links/new.h5"));
    snprintf(made, sizeof made, "%s", scratch("files/new.h5"));
    snprintf(stale, sizeof stale, "%s", scratch("files/.t.h5.Ab3xZ9.store.tmp"));
    assert_int_equal(mkdir(links, 0777), 0);
    assert_int_equal(mkdir(files, 0777), 0);
    assert_int_equal(symlink("../files/t.h5", link), 0);
    dusk_error err = DUSK_ERROR_INIT;
    dusk_array *a = dusk_full(ctx, DUSK_SHAPE(20, 30), "(10, 10)", DUSK_DT_F8, 1);
    if (dusk_array_store(a, target, "/first", NULL, NULL, &err))
        fail_msg("store to the target: %s", err.msg);
    /* what a store through the link killed before its rename left */
    put_file(stale, "half a store");
    dusk_array *b = dusk_full(ctx, DUSK_SHAPE(20, 30), "(7, 9)", DUSK_DT_F8, 2);
    if (dusk_array_store(b, link, "/second", NULL, NULL, &err))
        fail_msg("store through the link: %s", err.msg);
    if (!is_link_to(link, "../files/t.h5"))
        fail_msg("%s is no longer a link to ../files/t.h5", link);
    static const char *const names[] = {"/first", "/second"};
    for (int i = 0; i < 2; i++) {
        int64_t n = 0;
        double *back = h5_read_all(target, names[i], &n);
        if (!back)
            fail_msg("%s is not in the target", names[i]);
        assert_int_equal(n, 600);
        assert_true(back[599] == i + 1);
        free(back);
    }
    if (access(stale, F_OK) == 0)
        fail_msg("the killed store's temporary file beside the target is still there");
    /* both names at once: one lock, so both datasets stay */
    store_job j[2];
    store_both(link, "/via_link", 3, target, "/direct", 4, j);
    static const char *const all[] = {"/first", "/second", "/via_link", "/direct"};
    for (int i = 0; i < 4; i++) {
        if (i >= 2 && j[i - 2].rc)
            fail_msg("storing %s: %s", j[i - 2].dataset, j[i - 2].err.msg);
        if (dusk_array_status(dusk_from_hdf5(ctx, link, all[i], NULL), &err))
            fail_msg("%s was stored, and is gone: %s", all[i], err.msg);
    }
    assert_true(is_link_to(link, "../files/t.h5"));
    /* a dangling link: its target is made, the link kept */
    assert_int_equal(symlink(made, dangling), 0);
    if (dusk_array_store(a, dangling, "/x", NULL, NULL, &err))
        fail_msg("store through a dangling link: %s", err.msg);
    assert_true(is_link_to(dangling, made));
    int64_t n = 0;
    double *back = h5_read_all(made, "/x", &n);
    assert_non_null(back);
    assert_int_equal(n, 600);
    free(back);
    /* links in a loop lead to no file: refused, naming the path */
    char loop[4096];
    snprintf(loop, sizeof loop, "%s", scratch("links/loop.h5"));
    assert_int_equal(symlink("loop.h5", loop), 0);
    assert_int_equal(dusk_array_store(a, loop, "/x", NULL, NULL, &err), DUSK_EIO);
    assert_contains(err.msg, "loop.h5");
    assert_contains(err.msg, strerror(ELOOP));
    const char *const dirs[] = {links, files};
    for (int i = 0; i < 2; i++) {
        assert_int_equal(count_entries_with(dirs[i], ".tmp"), 0);
        assert_int_equal(count_entries_with(dirs[i], "dusk-lock"), 0);
    }
}

/* The same between two processes: a child stores /child while this one
 * stores /parent, both let go at once through a pipe. */
static void test_two_processes_one_file(void **state)
{
    (void)state;
    for (int round = 0; round < 4; round++) {
        char name[64];
        snprintf(name, sizeof name, "procs%d.h5", round);
        const char *path = scratch(name);
        dusk_array *a = dusk_full(ctx, DUSK_SHAPE(300, 300), "(60, 60)", DUSK_DT_F8, 3);
        dusk_options o = opts_of(DUSK_SCHED_SYNC, 1);
        int go[2];
        assert_int_equal(pipe(go), 0);
        fflush(NULL);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            char c;
            close(go[1]);
            if (read(go[0], &c, 1) != 1)
                _exit(2);
            dusk_error err = DUSK_ERROR_INIT;
            int rc = dusk_array_store(a, path, "/child", NULL, &o, &err);
            if (rc)
                fprintf(stderr, "child's store: %s\n", err.msg);
            _exit(rc ? 1 : 0);
        }
        close(go[0]);
        assert_int_equal(write(go[1], "x", 1), 1);
        close(go[1]);
        dusk_error err = DUSK_ERROR_INIT;
        int rc = dusk_array_store(a, path, "/parent", NULL, &o, &err);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (rc)
            fail_msg("round %d: the parent's store: %s", round, err.msg);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        static const char *const both[] = {"/parent", "/child"};
        for (int i = 0; i < 2; i++)
            if (dusk_array_status(dusk_from_hdf5(ctx, path, both[i], NULL), &err))
                fail_msg("round %d: %s was stored, and is gone: %s", round, both[i], err.msg);
    }
    assert_int_equal(count_entries_with(scratch_dir, "dusk-lock"), 0);
}

/* --- a full disk, a read-only disk ------------------------------------------------------ */

static char mnt[512];
static int mounted;

static int unmount_teardown(void **state)
{
    (void)state;
    if (mounted)
        umount2(mnt, MNT_DETACH);
    mounted = 0;
    return reset_alloc(state);
}

static size_t heap_in_use(void)
{
    struct mallinfo2 m = mallinfo2();
    return m.uordblks + m.hblkhd;
}

static void test_full_disk(void **state)
{
    (void)state;
    snprintf(mnt, sizeof mnt, "%s", scratch("small-disk"));
    assert_int_equal(mkdir(mnt, 0700), 0);
    if (mount("tmpfs", mnt, "tmpfs", 0, "size=256k") != 0) {
        print_message("test_full_disk: cannot mount a 256 KiB tmpfs (%s; needs root): "
                      "skipped\n", strerror(errno));
        skip();
    }
    mounted = 1;
    char target[600];
    snprintf(target, sizeof target, "%s/t.h5", mnt);
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_array_store(dusk_ones(ctx, DUSK_SHAPE(10), NULL, DUSK_DT_F8), target,
                                      "/small", NULL, NULL, &err), 0);
    size_t len0 = 0;
    unsigned char *before = slurp(target, &len0);
    assert_non_null(before);
    /* 1.2 MiB of blocks do not fit in 256 KiB */
    dusk_array *big = dusk_ones(ctx, DUSK_SHAPE(400, 400), "(100, 100)", DUSK_DT_F8);
    dusk_options o = opts_of(DUSK_SCHED_THREADS, 2);
    ssize_t objs0 = H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL);
    size_t heap0 = 0;
    for (int i = 0; i < 55; i++) {
        if (i == 5)
            heap0 = heap_in_use();  /* after the first ones have warmed the free lists */
        int rc = dusk_array_store(big, target, "/big", NULL, &o, &err);
        if (rc != DUSK_EIO)
            fail_msg("store %d onto a full disk: %s (%s), want DUSK_EIO", i, dusk_err_name(rc),
                     err.msg);
        assert_contains(err.msg, target);
        assert_contains(err.msg, "/big");
        if (i == 0)
            print_message("a store onto a full disk: %s\n", err.msg);
        assert_int_equal(H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL), objs0);
        assert_int_equal(count_entries_with(mnt, ".tmp"), 0);
        assert_int_equal(count_entries_with(mnt, "dusk-lock"), 0);
    }
    size_t heap1 = heap_in_use();
    print_message("50 failed stores: the heap from %zu to %zu bytes\n", heap0, heap1);
    if (heap1 > heap0 + 2 * 1024 * 1024)
        fail_msg("50 failed stores: the heap grew from %zu to %zu bytes", heap0, heap1);
    size_t len1 = 0;
    unsigned char *after = slurp(target, &len1);
    assert_int_equal(len0, len1);
    assert_memory_equal(before, after, len0);
    free(after);
    free(before);
    /* the small dataset still reads */
    dusk_value *v = NULL;
    assert_int_equal(compute_sync(dusk_from_hdf5(ctx, target, "/small", NULL), &v, &err), 0);
    dusk_value_unref(v);

    /* read-only: a clear error, and the file as it was */
    assert_int_equal(mount(NULL, mnt, NULL, MS_REMOUNT | MS_RDONLY, NULL), 0);
    int rc = dusk_array_store(dusk_ones(ctx, DUSK_SHAPE(3), NULL, DUSK_DT_F8), target, "/tiny",
                              NULL, NULL, &err);
    assert_int_equal(rc, DUSK_EIO);
    assert_contains(err.msg, target);
    assert_contains(err.msg, "Read-only file system");
    assert_int_equal(compute_sync(dusk_from_hdf5(ctx, target, "/small", NULL), &v, &err), 0);
    dusk_value_unref(v);
}

/* --- HDF5's error stack ----------------------------------------------------------------- */

/* Reading a dataset gone from its file, on worker threads: HDF5 prints
 * nothing, and its reason is in the message. */
static void test_worker_errors_quiet(void **state)
{
    (void)state;
    const char *path = scratch("quiet.h5"), *other = scratch("quiet-other.h5");
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_array_store(dusk_ones(ctx, DUSK_SHAPE(20), "5", DUSK_DT_F8), path,
                                      "/x", NULL, NULL, &err), 0);
    assert_int_equal(dusk_array_store(dusk_ones(ctx, DUSK_SHAPE(20), "5", DUSK_DT_F8), other,
                                      "/y", NULL, NULL, &err), 0);
    dusk_array *x = dusk_from_hdf5(ctx, path, "/x", "5");
    assert_int_equal(dusk_array_status(x, NULL), 0);
    /* path now names a file without /x */
    assert_int_equal(rename(other, path), 0);

    const char *log = scratch("stderr.txt");
    fflush(stderr);
    int saved = dup(2), fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(saved >= 0 && fd >= 0);
    dup2(fd, 2);
    close(fd);
    dusk_options o = opts_of(DUSK_SCHED_THREADS, 3);
    dusk_value *v = NULL;
    int rc = dusk_array_compute(x, &o, &v, &err);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    dusk_value_unref(v);
    size_t n = 0;
    char *printed = slurp(log, &n);
    assert_non_null(printed);
    if (n > 0)
        fail_msg("HDF5 printed from a worker thread:\n%s", printed);
    free(printed);
    assert_int_equal(rc, DUSK_EIO);
    assert_contains(err.msg, "/x");
    assert_contains(err.msg, path);
    assert_contains(err.msg, "doesn't exist");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_corrupt_gzip_chunk, reset_alloc),
        cmocka_unit_test_teardown(test_valid_filters_read_as_hdf5, reset_alloc),
        cmocka_unit_test_teardown(test_unknown_filter_refused, reset_alloc),
        cmocka_unit_test_teardown(test_enum_not_bool_refused, reset_alloc),
        cmocka_unit_test_teardown(test_null_dataspace_refused, reset_alloc),
        cmocka_unit_test_teardown(test_chunk_sizes_disagree, reset_alloc),
        cmocka_unit_test_teardown(test_raw_chunk_shorter, reset_alloc),
        cmocka_unit_test_teardown(test_chunk_read_past_record, reset_alloc),
        cmocka_unit_test_teardown(test_type_bits_corrupt, reset_alloc),
        cmocka_unit_test_teardown(test_host_error_handler_kept, reset_alloc),
        cmocka_unit_test_teardown(test_two_stores_one_file, reset_alloc),
        cmocka_unit_test_teardown(test_two_processes_one_file, reset_alloc),
        cmocka_unit_test_teardown(test_stale_temporary_removed, reset_alloc),
        cmocka_unit_test_teardown(test_store_long_name, reset_alloc),
        cmocka_unit_test_teardown(test_store_through_symlink, reset_alloc),
        cmocka_unit_test_teardown(test_full_disk, unmount_teardown),
        cmocka_unit_test_teardown(test_worker_errors_quiet, reset_alloc),
    };
    return cmocka_run_group_tests_name("h5_faults", tests, setup, teardown);
}
