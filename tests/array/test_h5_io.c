/*
** dusk tests — raw chunk I/O outside the HDF5 lock (array/h5.c)
**
** dusk reads the chunks of an unfiltered chunked dataset with pread at the
** offsets libhdf5 gives, and store tasks write whole chunks of the
** datasets dusk makes (allocated when made) with pwrite, both outside the
** one HDF5 lock; everything else (gzip, other byte orders, blocks across
** chunks in a store, chunks never written in a dataset being written) goes
** through libhdf5 as before. These tests hold the two ways against each
** other and against libhdf5 and h5py: the lecture's job gives the same
** bytes whichever way its input is read and its output written, on the
** threaded, synchronous and processes schedulers; chunks cut by the dataset's
** edge, chunks never written (the fill value) and blocks across chunks
** read as libhdf5 reads them; what dusk writes reads in h5py, with the
** parts of edge chunks past the dataset zero, as libhdf5 leaves them.
*/
#define _POSIX_C_SOURCE 200809L
#include <hdf5.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <cmocka.h>

#include "dusk.h"
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

/* How path:name is stored: its allocation time and number of filters. */
static void storage_of(const char *path, const char *name, H5D_alloc_time_t *at, int *nfilters)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    hid_t dcpl = H5Dget_create_plist(d);
    assert_true(H5Pget_alloc_time(dcpl, at) >= 0);
    *nfilters = H5Pget_nfilters(dcpl);
    H5Pclose(dcpl);
    H5Dclose(d);
    H5Fclose(f);
}

/* r = x - x.mean(axis=0) of path:/x stored to out:/r (gzip level, on
 * scheduler kind); the stored result as libhdf5 reads it. */
static double *lecture_job(const char *path, const char *out, int gzip, dusk_sched_kind kind,
                           const char *chunks, int64_t *n)
{
    dusk_array *x = dusk_from_hdf5(ctx, path, "/x", chunks);
    dusk_array *r = dusk_array_sub(x, dusk_array_mean(x, DUSK_AXIS(0), false));
    dusk_store_options so = {gzip, true};
    dusk_options o = opts_of(kind, 2);
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_array_store(r, out, "/r", &so, &o, &err))
        fail_msg("the lecture's job on %s to %s (gzip %d): %s", path, out, gzip, err.msg);
    return h5_read_all(out, "/r", n);
}

/* The lecture's job, its input unfiltered (read raw, outside the lock) or
 * gzip (decoded by dusk under it), its output unfiltered (written raw) or
 * gzip (written by libhdf5), on threads and sync: the same bytes every
 * way, and the mean taken out of every column. */
static void test_lecture_same_bytes_every_way(void **state)
{
    (void)state;
    enum { ROWS = 120, COLS = 170 };
    /* copies: scratch() answers only stay valid for its next 8 calls */
    char plain[512], gz[512], out[512];
    snprintf(plain, sizeof plain, "%s", scratch("x-plain.h5"));
    snprintf(gz, sizeof gz, "%s", scratch("x-gzip.h5"));
    snprintf(out, sizeof out, "%s", scratch("r.h5"));
    /* blocks of (40, 50): the last column of chunks is cut by the edge */
    dusk_array *x = dusk_random_normal(ctx, 3, 1, 2, DUSK_SHAPE(ROWS, COLS), "(40, 50)");
    dusk_error err = DUSK_ERROR_INIT;
    dusk_store_options zip = {4, false};
    assert_int_equal(dusk_array_store(x, plain, "/x", NULL, NULL, &err), 0);
    assert_int_equal(dusk_array_store(x, gz, "/x", &zip, NULL, &err), 0);
    H5D_alloc_time_t at;
    int nf;
    storage_of(plain, "/x", &at, &nf);
    assert_int_equal(at, H5D_ALLOC_TIME_EARLY);   /* what lets tasks pwrite */
    assert_int_equal(nf, 0);
    storage_of(gz, "/x", &at, &nf);
    assert_int_equal(nf, 1);
    int64_t n = 0, m = 0;
    double *xs = h5_read_all(plain, "/x", &n), *xz = h5_read_all(gz, "/x", &m);
    assert_int_equal(n, ROWS * COLS);
    assert_int_equal(m, n);
    assert_memory_equal(xs, xz, (size_t)n * sizeof *xs);

    /* the first way, checked against the arithmetic done here */
    double *want = lecture_job(plain, scratch("r0.h5"), 0, DUSK_SCHED_THREADS, "(40, 50)", &n);
    assert_int_equal(n, ROWS * COLS);
    for (int j = 0; j < COLS; j++) {
        double mean = 0;
        for (int i = 0; i < ROWS; i++)
            mean += xs[i * COLS + j];
        mean /= ROWS;
        for (int i = 0; i < ROWS; i++)
            if (!close_enough(want[i * COLS + j], xs[i * COLS + j] - mean, 1e-12, 1e-12))
                fail_msg("r[%d, %d] is %.17g, want %.17g", i, j, want[i * COLS + j],
                         xs[i * COLS + j] - mean);
    }
    const char *ins[2] = {plain, gz};
    /* the processes' workers inherit the open dataset, its descriptor too */
    static const dusk_sched_kind kinds[3] = {DUSK_SCHED_THREADS, DUSK_SCHED_SYNC,
                                             DUSK_SCHED_PROCESSES};
    static const char *const kind_names[3] = {"threads", "sync", "processes"};
    for (int in = 0; in < 2; in++)
        for (int gzip = 0; gzip < 2; gzip++)
            for (int k = 0; k < 3; k++) {
                double *got = lecture_job(ins[in], out, gzip ? 1 : 0, kinds[k], "(40, 50)", &m);
                assert_int_equal(m, n);
                if (memcmp(got, want, (size_t)n * sizeof *got) != 0)
                    fail_msg("the lecture's job from %s to %s on %s differs from the first",
                             in ? "gzip" : "unfiltered", gzip ? "gzip" : "unfiltered",
                             kind_names[k]);
                free(got);
            }
    /* blocks across chunks (the store then writes through libhdf5) */
    double *across = lecture_job(plain, scratch("r1.h5"), 0, DUSK_SCHED_THREADS, "(30, 70)", &m);
    for (int64_t i = 0; i < n; i++)
        if (!close_enough(across[i], want[i], 1e-12, 1e-12))
            fail_msg("r in blocks (30, 70): element %lld is %.17g, want %.17g", (long long)i,
                     across[i], want[i]);
    free(across);
    free(want);
    free(xs);
    free(xz);
}

/* --- files libhdf5 writes ------------------------------------------------------------------ */

typedef struct {
    const char *name;
    int ndim;
    hsize_t dims[3], chunk[3];
    hid_t ftype;
    int fill;        /* a fill value, rows from 12 on never written */
    int early;       /* every chunk allocated when made (and not all written) */
    int gzip;        /* shuffle and gzip */
} dspec;

/* Writes the datasets of specs into path, values from their index. */
static void write_file(const char *path, const dspec *specs, size_t n)
{
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(f >= 0);
    for (size_t k = 0; k < n; k++) {
        const dspec *s = &specs[k];
        hid_t space = H5Screate_simple(s->ndim, s->dims, NULL);
        hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
        H5Pset_chunk(dcpl, s->ndim, s->chunk);
        if (s->fill) {
            int v = s->fill;
            H5Pset_fill_value(dcpl, H5T_NATIVE_INT, &v);
        }
        if (s->early)
            H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY);
        if (s->gzip) {
            H5Pset_shuffle(dcpl);
            H5Pset_deflate(dcpl, 4);
        }
        hid_t d = H5Dcreate2(f, s->name, s->ftype, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
        assert_true(d >= 0);
        hsize_t total = 1, ct[3];
        for (int i = 0; i < s->ndim; i++)
            total *= s->dims[i];
        double *v = malloc(total * sizeof *v);
        for (hsize_t i = 0; i < total; i++)
            v[i] = (double)((i * 37 + k) % 200) - (s->ftype == H5T_STD_U8LE ? 0 : 100);
        memcpy(ct, s->dims, sizeof ct);
        if (s->fill || s->early)
            ct[0] = 12;   /* rows 12.. never written */
        hsize_t st[3] = {0};
        hid_t fs = H5Dget_space(d), ms = H5Screate_simple(s->ndim, ct, NULL);
        H5Sselect_hyperslab(fs, H5S_SELECT_SET, st, NULL, ct, NULL);
        assert_true(H5Dwrite(d, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, v) >= 0);
        H5Sclose(fs);
        H5Sclose(ms);
        free(v);
        H5Dclose(d);
        H5Pclose(dcpl);
        H5Sclose(space);
    }
    H5Fclose(f);
}

/* dusk's reading of path:name in blocks chunks (threads), as libhdf5's. */
static void check_same_as_hdf5(const char *path, const char *name, const char *chunks)
{
    int64_t n = 0;
    double *want = h5_read_all(path, name, &n);
    dusk_error err = DUSK_ERROR_INIT;
    dusk_array *a = dusk_array_astype(dusk_from_hdf5(ctx, path, name, chunks), DUSK_DT_F8);
    dusk_value *v = NULL;
    dusk_options o = opts_of(DUSK_SCHED_THREADS, 3);
    if (dusk_array_compute(a, &o, &v, &err))
        fail_msg("reading %s of %s in blocks %s: %s", name, path, chunks ? chunks : "auto",
                 err.msg);
    assert_int_equal(dusk_ndarray_size(v), n);
    const double *got = dusk_ndarray_data(v);
    for (int64_t i = 0; i < n; i++)
        if (got[i] != want[i])
            fail_msg("%s of %s in blocks %s: element %lld is %g, libhdf5 reads %g", name, path,
                     chunks ? chunks : "auto", (long long)i, got[i], want[i]);
    dusk_value_unref(v);
    free(want);
}

/* Unfiltered chunked datasets: chunks cut by the edges (2-d and 3-d),
 * chunks never written (a fill value, and chunks allocated early but
 * never written), another byte order (libhdf5 converts it), blocks of a
 * chunk, of parts of chunks and of many chunks: what dusk reads is what
 * libhdf5 reads. */
static void test_unfiltered_read_as_hdf5(void **state)
{
    (void)state;
    const char *path = scratch("unfiltered.h5");
    const dspec specs[] = {   /* not static: HDF5's type ids are not constants */
        {"/f8", 2, {37, 23}, {10, 8}, H5T_IEEE_F64LE, 0, 0, 0},
        {"/holes", 2, {37, 23}, {10, 8}, H5T_IEEE_F64LE, 7, 0, 0},
        {"/early", 2, {37, 23}, {10, 8}, H5T_IEEE_F64LE, 0, 1, 0},
        {"/i4be", 2, {37, 23}, {10, 8}, H5T_STD_I32BE, 0, 0, 0},
        {"/i2", 2, {37, 23}, {10, 8}, H5T_STD_I16LE, 5, 0, 0},
        {"/edge3", 3, {9, 7, 5}, {4, 3, 5}, H5T_IEEE_F32LE, 0, 0, 0},
        {"/u1", 1, {1000}, {64}, H5T_STD_U8LE, 0, 0, 0},
    };
    size_t ns = sizeof specs / sizeof *specs;
    write_file(path, specs, ns);
    /* (10, 1) and (1, 23) are blocks of a small part of each chunk, which
     * go through libhdf5 (the chunk kept for the next block) */
    static const char *const blockings[] = {"3", NULL, "(10, 8)", "(7, 5)", "(37, 23)",
                                            "(20, 16)", "(10, 1)", "(1, 23)"};
    for (size_t k = 0; k < ns; k++)
        for (size_t b = 0; b < sizeof blockings / sizeof *blockings; b++) {
            if (specs[k].ndim != 2 && b > 1)
                continue;
            check_same_as_hdf5(path, specs[k].name, blockings[b]);
        }
    /* the rows never written are the fill value, 7 and 5 */
    dusk_value *v = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    dusk_options o = opts_of(DUSK_SCHED_THREADS, 2);
    assert_int_equal(dusk_array_compute(dusk_from_hdf5(ctx, path, "/holes", "(10, 8)"), &o, &v,
                                        &err), 0);
    assert_true(((const double *)dusk_ndarray_data(v))[20 * 23 + 5] == 7.0);
    assert_true(((const double *)dusk_ndarray_data(v))[36 * 23 + 22] == 7.0);
    dusk_value_unref(v);
    assert_int_equal(dusk_array_compute(dusk_from_hdf5(ctx, path, "/i2", "(37, 23)"), &o, &v,
                                        &err), 0);
    assert_int_equal(((const int16_t *)dusk_ndarray_data(v))[30 * 23], 5);
    dusk_value_unref(v);
}

/* Compressed datasets with chunks never written: dusk decodes the others
 * itself and fills only the part of a block that a missing chunk covers
 * (the fill value, as libhdf5 reads it), in blocks of whole chunks, of
 * parts and across chunks. */
static void test_filtered_holes_read_as_hdf5(void **state)
{
    (void)state;
    const char *path = scratch("filtered.h5");
    const dspec specs[] = {
        {"/gz", 2, {37, 23}, {10, 8}, H5T_IEEE_F64LE, 0, 0, 1},
        {"/gzholes", 2, {37, 23}, {10, 8}, H5T_IEEE_F64LE, 7, 0, 1},
        {"/gzi2", 2, {37, 23}, {10, 8}, H5T_STD_I16BE, -3, 0, 1},
    };
    size_t ns = sizeof specs / sizeof *specs;
    write_file(path, specs, ns);
    static const char *const blockings[] = {"3", NULL, "(10, 8)", "(7, 5)", "(37, 23)",
                                            "(20, 16)", "(10, 1)", "(1, 23)"};
    for (size_t k = 0; k < ns; k++)
        for (size_t b = 0; b < sizeof blockings / sizeof *blockings; b++)
            check_same_as_hdf5(path, specs[k].name, blockings[b]);
    dusk_value *v = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    dusk_options o = opts_of(DUSK_SCHED_THREADS, 2);
    assert_int_equal(dusk_array_compute(dusk_from_hdf5(ctx, path, "/gzi2", "(7, 5)"), &o, &v,
                                        &err), 0);
    assert_int_equal(((const int16_t *)dusk_ndarray_data(v))[30 * 23 + 4], -3);
    dusk_value_unref(v);
}

/* A compressed chunk of 1 GiB never written (an extendible dataset of
 * 100 bytes, as h5py makes one with chunks=(2**30,)): reading 10 bytes
 * of it fills those 10, where dusk used to fill the whole chunk first
 * (2 s and 1 GiB of memory; a corrupt file's chunk of 4 GiB ran the hdf5
 * fuzz target out of memory). */
static void test_huge_chunk_never_written(void **state)
{
    (void)state;
    const char *path = scratch("hugechunk.h5");
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hsize_t dims[1] = {100}, maxd[1] = {H5S_UNLIMITED}, chunk[1] = {(hsize_t)1 << 30};
    hid_t space = H5Screate_simple(1, dims, maxd), dcpl = H5Pcreate(H5P_DATASET_CREATE);
    unsigned char three = 3;
    H5Pset_chunk(dcpl, 1, chunk);
    H5Pset_deflate(dcpl, 1);
    H5Pset_fill_value(dcpl, H5T_NATIVE_UCHAR, &three);
    hid_t d = H5Dcreate2(f, "/x", H5T_STD_U8LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    assert_true(d >= 0);
    H5Dclose(d);
    H5Pclose(dcpl);
    H5Sclose(space);
    H5Fclose(f);
    struct rusage before, after;
    getrusage(RUSAGE_SELF, &before);
    dusk_value *v = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    dusk_options o = opts_of(DUSK_SCHED_THREADS, 2);
    dusk_array *a = dusk_array_slice(dusk_from_hdf5(ctx, path, "/x", "auto"), ":10");
    assert_int_equal(dusk_array_compute(a, &o, &v, &err), 0);
    assert_int_equal(dusk_ndarray_size(v), 10);
    for (int i = 0; i < 10; i++)
        assert_int_equal(((const uint8_t *)dusk_ndarray_data(v))[i], 3);
    dusk_value_unref(v);
    getrusage(RUSAGE_SELF, &after);
    /* peak resident set, in KiB: not a gibibyte more */
    if (after.ru_maxrss - before.ru_maxrss > 256 * 1024)
        fail_msg("reading 10 bytes of a chunk never written raised the peak by %ld KiB",
                 after.ru_maxrss - before.ru_maxrss);
}

/* Stores whose blocks are whole chunks, chunks cut by the edge (written
 * raw, the rest of the chunk zero), and blocks across chunks (through
 * libhdf5), into a new file and into a copy of one: libhdf5 and h5py read
 * back every value. */
static void test_stored_chunks_read_back(void **state)
{
    (void)state;
    enum { R = 37, C = 23 };
    double src[R * C];
    for (int i = 0; i < R * C; i++)
        src[i] = i * 0.5 - 100;
    const char *path = scratch("stored.h5");
    static const char *const blockings[] = {"(10, 8)", "((3, 5, 2, 10, 10, 7), (8, 8, 7))",
                                            "(37, 23)", "(9, 23)"};
    static const char *const names[] = {"/a", "/b", "/c", "/d"};
    dusk_error err = DUSK_ERROR_INIT;
    dusk_options o = opts_of(DUSK_SCHED_THREADS, 2);
    for (int k = 0; k < 4; k++) {
        dusk_array *a = dusk_from_buffer(ctx, src, DUSK_DT_F8, DUSK_SHAPE(R, C), blockings[k]);
        if (dusk_array_store(a, path, names[k], NULL, &o, &err))
            fail_msg("storing in blocks %s: %s", blockings[k], err.msg);
        int64_t n = 0;
        double *got = h5_read_all(path, names[k], &n);
        assert_int_equal(n, R * C);
        assert_memory_equal(got, src, sizeof src);
        free(got);
    }
    /* the edge chunk of /a at (30, 16): 7 rows of 7 values inside, the
     * rest of its (10, 8) zero, the same bytes every time */
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t d = H5Dopen2(f, "/a", H5P_DEFAULT);
    hsize_t off[2] = {30, 16};
    uint32_t mask = 0;
    double chunk[80];
    memset(chunk, 0xff, sizeof chunk);
    assert_true(H5Dread_chunk(d, H5P_DEFAULT, off, &mask, chunk) >= 0);
    for (int i = 0; i < 10; i++)
        for (int j = 0; j < 8; j++) {
            double want = i < 7 && j < 7 ? src[(30 + i) * C + 16 + j] : 0.0;
            if (chunk[i * 8 + j] != want)
                fail_msg("the edge chunk of /a at (30, 16): [%d, %d] is %g, want %g", i, j,
                         chunk[i * 8 + j], want);
        }
    H5Dclose(d);
    H5Fclose(f);
    /* h5py reads them all (its own libhdf5 build, through NumPy) */
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c 'import h5py, numpy as np\n"
             "want = np.arange(%d, dtype=\"f8\").reshape(%d, %d) * 0.5 - 100\n"
             "with h5py.File(\"%s\", \"r\") as f:\n"
             "    for n in (\"a\", \"b\", \"c\", \"d\"):\n"
             "        assert (f[n][...] == want).all(), n\n"
             "print(\"ok\")' 2>&1",
             R * C, R, C, path);
    int status;
    char *out = run_command(cmd, &status);
    if (status != 0)
        fail_msg("h5py reading %s: %s", path, out);
    assert_contains(out, "ok");
    free(out);
}

/* A region store whose block spans several chunks of an existing dataset
 * up to its end (written raw, chunk by chunk): the values land, and the
 * part of the last (edge) chunk past the dataset is zero, as for a store's
 * own edge chunks, not the tail of the chunk written before it. */
static void test_region_edge_chunk_rest_zero(void **state)
{
    (void)state;
    const char *path = scratch("region-edge.h5");
    dusk_error err = DUSK_ERROR_INIT;
    dusk_options o = opts_of(DUSK_SCHED_THREADS, 2);
    /* /r: (37,) in chunks of 10, allocated when made */
    dusk_array *z = dusk_zeros(ctx, DUSK_SHAPE(37), "10", DUSK_DT_F8);
    assert_int_equal(dusk_array_store(z, path, "/r", NULL, &o, &err), 0);
    H5D_alloc_time_t at;
    int nf;
    storage_of(path, "/r", &at, &nf);
    assert_int_equal(at, H5D_ALLOC_TIME_EARLY);
    /* 17 values in one block at [20, 37): chunks 2 and 3 (the edge one) */
    double src[17];
    for (int i = 0; i < 17; i++)
        src[i] = 100 + i;
    dusk_array *a = dusk_from_buffer(ctx, src, DUSK_DT_F8, DUSK_SHAPE(17), "17");
    const int64_t region[1] = {20};
    dusk_hdf5_options h5 = DUSK_HDF5_OPTIONS_INIT;
    h5.region = region;
    if (dusk_array_store_hdf5(a, path, "/r", NULL, &h5, &o, &err))
        fail_msg("the region store: %s", err.msg);
    int64_t n = 0;
    double *got = h5_read_all(path, "/r", &n);
    assert_int_equal(n, 37);
    for (int i = 0; i < 37; i++)
        assert_true(got[i] == (i < 20 ? 0.0 : src[i - 20]));
    free(got);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t d = H5Dopen2(f, "/r", H5P_DEFAULT);
    hsize_t off[1] = {30};
    uint32_t mask = 0;
    double chunk[10];
    memset(chunk, 0xff, sizeof chunk);
    assert_true(H5Dread_chunk(d, H5P_DEFAULT, off, &mask, chunk) >= 0);
    H5Dclose(d);
    H5Fclose(f);
    for (int i = 0; i < 10; i++) {
        double want = i < 7 ? src[10 + i] : 0.0;
        if (chunk[i] != want)
            fail_msg("the edge chunk at 30: [%d] is %g, want %g", i, chunk[i], want);
    }
}

/* A store into a file that holds other datasets copies the file first
 * (copy_file_range, or reads and writes): what was there reads back the
 * same, the file's other bytes too, and the new dataset beside it. */
static void test_store_beside_copies_the_file(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s", scratch("beside.h5"));
    dusk_error err = DUSK_ERROR_INIT;
    dusk_array *a = dusk_random_uniform(ctx, 5, -1, 1, DUSK_SHAPE(300, 400), "(100, 100)");
    assert_int_equal(dusk_array_store(a, path, "/a", NULL, NULL, &err), 0);
    size_t n0 = 0;
    unsigned char *before = slurp(path, &n0);
    assert_non_null(before);
    int64_t n = 0, m = 0, nb = 0;
    double *a0 = h5_read_all(path, "/a", &n);
    dusk_array *b = dusk_ones(ctx, DUSK_SHAPE(50), "10", DUSK_DT_I4);
    assert_int_equal(dusk_array_store(b, path, "/g/b", NULL, NULL, &err), 0);
    double *a1 = h5_read_all(path, "/a", &m), *b1 = h5_read_all(path, "/g/b", &nb);
    assert_int_equal(m, n);
    assert_memory_equal(a0, a1, (size_t)n * sizeof *a0);
    assert_int_equal(nb, 50);
    for (int i = 0; i < 50; i++)
        assert_true(b1[i] == 1.0);
    /* /a's chunks are where they were: the copy is byte for byte, and
     * HDF5 adds /g/b after them */
    size_t n1 = 0;
    unsigned char *after = slurp(path, &n1);
    assert_non_null(after);
    assert_true(n1 > 300 * 400 * 8);
    assert_memory_equal(after + 4096, before + 4096, 300 * 400 * 8 - 4096);
    free(before);
    free(after);
    free(a0);
    free(a1);
    free(b1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lecture_same_bytes_every_way),
        cmocka_unit_test(test_unfiltered_read_as_hdf5),
        cmocka_unit_test(test_filtered_holes_read_as_hdf5),
        cmocka_unit_test(test_huge_chunk_never_written),
        cmocka_unit_test(test_stored_chunks_read_back),
        cmocka_unit_test(test_store_beside_copies_the_file),
        cmocka_unit_test(test_region_edge_chunk_rest_zero),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
