/*
** dusk tests — which blocks move raw (pread/pwrite outside the HDF5 lock),
** and that the raw way and libhdf5's give the same bytes
**
** array/h5.c reads the blocks of unfiltered datasets stored in native byte
** order, chunked or contiguous (h5py's default), with pread at the offsets
** libhdf5 gives, and writes whole chunks of the datasets it makes with
** pwrite; everything else goes through libhdf5 under the lock.
** dusk__h5_set_raw(0) sends everything through libhdf5, so each case is
** read both ways and against libhdf5's own H5Dread (or h5py) of the whole
** dataset. This program puts its own pread and pwrite before libc's and
** counts the calls made from dusk's code (this executable's text; libhdf5
** calls them too, from its own), so a test also knows which way was taken:
** big-endian and gzip datasets must not be read raw. Raw I/O goes through
** a dup of dusk's descriptor (fcntl F_DUPFD_CLOEXEC, also wrapped), made
** for the blocks of one task; a pread of dusk's on its descriptor itself
** is the stored bytes of one chunk, read under the lock for dusk to decode
** (read_stored in array/h5.c, where H5Dread_chunk was): counted apart. The
** same wrappers
** truncate a file under dusk's first raw read when asked, as another
** process might: the read fails naming the file, it does not crash.
*/
#define _GNU_SOURCE
#include <fcntl.h>
#include <hdf5.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <cmocka.h>

#include "array/h5.h"
#include "dusk.h"
#include "dusk/array.h"
#include "helpers.h"
#include "h5_read.h"

extern char __executable_start[], etext[];

/* Counted from the run's worker threads at once. */
static atomic_int raw_reads, raw_writes, cut_next_read, stored_reads;
/* the descriptors dusk dup'ed for raw I/O (by number, while open) */
enum { MAXFD = 4096 };
static atomic_bool dup_fd[MAXFD];

static int from_dusk(const void *caller)
{
    return (const char *)caller >= __executable_start && (const char *)caller < etext;
}

int fcntl(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    long arg = va_arg(ap, long);   /* every command dusk gives takes one int */
    va_end(ap);
    int r = (int)syscall(SYS_fcntl, fd, cmd, arg);
    if (r >= 0 && r < MAXFD && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC))
        dup_fd[r] = from_dusk(__builtin_return_address(0));
    return r;
}

int close(int fd)
{
    if (fd >= 0 && fd < MAXFD)
        dup_fd[fd] = 0;
    return (int)syscall(SYS_close, fd);
}

ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
    if (from_dusk(__builtin_return_address(0)) && !(fd >= 0 && fd < MAXFD && dup_fd[fd])) {
        stored_reads++;
    } else if (from_dusk(__builtin_return_address(0))) {
        raw_reads++;
        /* dusk's descriptor is read-only: the file is cut through its name */
        char name[64];
        snprintf(name, sizeof name, "/proc/self/fd/%d", fd);
        if (atomic_exchange(&cut_next_read, 0) && truncate(name, off) != 0)
            return -1;
    }
    return syscall(SYS_pread64, fd, buf, n, off);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    if (from_dusk(__builtin_return_address(0)))
        raw_writes++;
    return syscall(SYS_pwrite64, fd, buf, n, off);
}

static dusk_array_ctx *ctx;

static int setup(void **state)
{
    ctx = dusk_array_ctx_new();
    dusk__h5_set_raw(1);
    return ctx ? scratch_setup(state) : -1;
}

static int teardown(void **state)
{
    dusk__h5_set_raw(1);
    dusk_array_ctx_free(ctx);
    return scratch_teardown(state);
}

/* dusk's reading of path:name (as float64) in blocks, raw when it may
 * (raw 1) or through libhdf5 (raw 0); the dusk preads made into *reads. */
static dusk_value *dusk_read(const char *path, const char *name, const char *blocks, int raw,
                             int *reads)
{
    dusk__h5_set_raw(raw);
    dusk_error err = DUSK_ERROR_INIT;
    dusk_array *a = dusk_array_astype(dusk_from_hdf5(ctx, path, name, blocks), DUSK_DT_F8);
    dusk_value *v = NULL;
    dusk_options o = opts_of(DUSK_SCHED_THREADS, 2);
    int before = raw_reads;
    if (dusk_array_compute(a, &o, &v, &err))
        fail_msg("reading %s of %s in blocks %s (%s): %s", name, path, blocks,
                 raw ? "raw" : "libhdf5", err.msg);
    *reads = raw_reads - before;
    dusk__h5_set_raw(1);
    return v;
}

/* path:name read by dusk both ways in each of blocks: the same doubles as
 * libhdf5's H5Dread of the whole, and raw reads made exactly when raw
 * (the dataset is one dusk may read raw). */
static void check_both_ways(const char *path, const char *name, const char *const *blocks,
                            size_t nb, int raw)
{
    int64_t n = 0;
    double *want = h5_read_all(path, name, &n);
    for (size_t b = 0; b < nb; b++)
        for (int way = 0; way < 2; way++) {
            int reads = 0;
            dusk_value *v = dusk_read(path, name, blocks[b], way, &reads);
            assert_int_equal(dusk_ndarray_size(v), n);
            const double *got = dusk_ndarray_data(v);
            for (int64_t i = 0; i < n; i++)
                if (got[i] != want[i])
                    fail_msg("%s of %s in blocks %s (%s): element %lld is %.17g, libhdf5 "
                             "reads %.17g", name, path, blocks[b], way ? "raw" : "libhdf5",
                             (long long)i, got[i], want[i]);
            if (way == 0 && reads != 0)
                fail_msg("%s of %s in blocks %s: %d raw reads with raw I/O off", name, path,
                         blocks[b], reads);
            if (way == 1 && (reads > 0) != raw)
                fail_msg("%s of %s in blocks %s: %d raw reads, want %s", name, path, blocks[b],
                         reads, raw ? "some" : "none");
            dusk_value_unref(v);
        }
    free(want);
}

/* A contiguous dataset of shape dims (ftype in the file, values i * 0.25
 * - 50 from the index), and none of its bytes anywhere else. */
static void write_contiguous(const char *path, const char *name, int ndim, const hsize_t *dims,
                             hid_t ftype)
{
    hid_t f = access(path, F_OK) == 0 ? H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT)
                                      : H5Fcreate(path, H5F_ACC_EXCL, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(f >= 0);
    hid_t space = H5Screate_simple(ndim, dims, NULL);
    hid_t d = H5Dcreate2(f, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(d >= 0);
    hsize_t total = 1;
    for (int i = 0; i < ndim; i++)
        total *= dims[i];
    double *v = malloc(total * sizeof *v);
    for (hsize_t i = 0; i < total; i++)
        v[i] = (double)i * 0.25 - 50;
    assert_true(H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
    free(v);
    hid_t dcpl = H5Dget_create_plist(d);
    assert_int_equal(H5Pget_layout(dcpl), H5D_CONTIGUOUS);
    H5Pclose(dcpl);
    H5Dclose(d);
    H5Sclose(space);
    H5Fclose(f);
}

/* Contiguous datasets (2-d and 3-d) in blocks: whole rows (one run a
 * block), parts of rows far apart (a read a run), parts of rows close
 * together (several runs a read, the bytes between dropped), blocks cut
 * by the edges, single elements, the whole: raw and through libhdf5, the
 * same as libhdf5. Big-endian ones go through libhdf5, which swaps. */
static void test_contiguous_both_ways(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s", scratch("contig.h5"));
    hsize_t d2[2] = {37, 53}, d3[3] = {5, 7, 9}, wide[2] = {12, 300};
    write_contiguous(path, "/a", 2, d2, H5T_IEEE_F64LE);
    write_contiguous(path, "/b", 3, d3, H5T_IEEE_F64LE);
    write_contiguous(path, "/w", 2, wide, H5T_IEEE_F64LE);
    write_contiguous(path, "/be", 2, d2, H5T_IEEE_F64BE);
    write_contiguous(path, "/i", 2, d2, H5T_STD_I32LE);
    static const char *const b2[] = {"(10, 20)", "(5, 53)", "(37, 53)", "(1, 1)", "(37, 40)",
                                     "(4, 52)", "((30, 7), (50, 3))"};
    static const char *const b3[] = {"(2, 7, 9)", "(2, 3, 9)", "(2, 3, 4)", "(5, 1, 9)",
                                     "(1, 7, 5)", "(5, 7, 9)"};
    /* runs of 250 elements 50 apart: several rows to a read */
    static const char *const bw[] = {"(12, 250)", "(5, 250)", "(12, 299)"};
    check_both_ways(path, "/a", b2, sizeof b2 / sizeof *b2, 1);
    check_both_ways(path, "/b", b3, sizeof b3 / sizeof *b3, 1);
    check_both_ways(path, "/w", bw, sizeof bw / sizeof *bw, 1);
    check_both_ways(path, "/be", b2, 3, 0);
    /* int32 blocks read as int32, raw too (astype after) */
    check_both_ways(path, "/i", b2, 3, 1);
}

/* Chunked datasets: unfiltered little-endian ones raw, with partial edge
 * chunks and blocks across chunks; big-endian and gzip ones through
 * libhdf5 (or dusk's decoder), all the same bytes as libhdf5's. */
static void test_chunked_both_ways(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s", scratch("chunked.h5"));
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hsize_t dims[2] = {45, 31}, chunk[2] = {10, 8};
    struct {
        const char *name;
        hid_t type;
        int gzip;
    } sets[] = {{"/le", H5T_IEEE_F64LE, 0}, {"/be", H5T_IEEE_F64BE, 0}, {"/gz", H5T_IEEE_F64LE, 1}};
    double v[45 * 31];
    for (int i = 0; i < 45 * 31; i++)
        v[i] = i * 1.5 - 300;
    for (int k = 0; k < 3; k++) {
        hid_t space = H5Screate_simple(2, dims, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE);
        H5Pset_chunk(dcpl, 2, chunk);
        if (sets[k].gzip)
            H5Pset_deflate(dcpl, 4);
        hid_t d = H5Dcreate2(f, sets[k].name, sets[k].type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
        assert_true(d >= 0);
        assert_true(H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
        H5Dclose(d);
        H5Pclose(dcpl);
        H5Sclose(space);
    }
    H5Fclose(f);
    static const char *const blocks[] = {"(10, 8)", "(20, 16)", "(45, 31)", "(13, 9)"};
    check_both_ways(path, "/le", blocks, 4, 1);
    check_both_ways(path, "/be", blocks, 4, 0);
    /* gzip's chunks: each of the 20 read by dusk itself (read_stored), in
     * each of the 4 blockings both ways, never by H5Dread_chunk */
    int before = stored_reads;
    check_both_ways(path, "/gz", blocks, 4, 0);
    assert_true(stored_reads - before >= 8 * 20);
}

/* A file with a user block (1 KiB before the superblock): HDF5's
 * addresses count from the superblock, so the chunks dusk reads itself
 * are at address + 1024; nothing is raw (the raw way wants no user block). */
static void test_user_block(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s", scratch("userblock.h5"));
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
    assert_true(H5Pset_userblock(fcpl, 1024) >= 0);
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, fcpl, H5P_DEFAULT);
    assert_true(f >= 0);
    hsize_t dims[2] = {45, 31}, chunk[2] = {10, 8};
    double v[45 * 31];
    for (int i = 0; i < 45 * 31; i++)
        v[i] = i * 0.25 + 7;
    static const char *const names[] = {"/le", "/gz"};
    for (int k = 0; k < 2; k++) {
        hid_t space = H5Screate_simple(2, dims, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE);
        H5Pset_chunk(dcpl, 2, chunk);
        if (k)
            H5Pset_deflate(dcpl, 4);
        hid_t d = H5Dcreate2(f, names[k], H5T_IEEE_F64LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
        assert_true(d >= 0);
        assert_true(H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
        H5Dclose(d);
        H5Pclose(dcpl);
        H5Sclose(space);
    }
    H5Fclose(f);
    H5Pclose(fcpl);
    static const char *const blocks[] = {"(10, 8)", "(45, 31)", "(13, 9)"};
    int before = stored_reads;
    check_both_ways(path, "/le", blocks, 3, 0);
    check_both_ways(path, "/gz", blocks, 3, 0);
    assert_true(stored_reads - before >= 2 * 2 * 20);
}

/* r = x - x.mean(axis=0) of path:/x stored to out:/r, raw or not; the
 * stored result as libhdf5 reads it, and the raw writes made. */
static double *lecture_job(const char *path, const char *x, const char *out, const char *blocks,
                           int gzip, int raw, dusk_sched_kind kind, int64_t *n, int *writes)
{
    dusk__h5_set_raw(raw);
    dusk_array *a = dusk_from_hdf5(ctx, path, x, blocks);
    dusk_array *r = dusk_array_sub(a, dusk_array_mean(a, DUSK_AXIS(0), false));
    dusk_store_options so = {gzip, true};
    dusk_options o = opts_of(kind, 2);
    dusk_error err = DUSK_ERROR_INIT;
    int before = raw_writes;
    if (dusk_array_store(r, out, "/r", &so, &o, &err))
        fail_msg("the lecture's job on %s to %s (%s): %s", path, out, raw ? "raw" : "libhdf5",
                 err.msg);
    *writes = raw_writes - before;
    dusk__h5_set_raw(1);
    return h5_read_all(out, "/r", n);
}

/* The lecture's own file, as its notebook makes it (h5py's
 * create_dataset: contiguous, little-endian), and a big-endian copy: the
 * job's output the same bytes raw and through libhdf5 (and from either
 * input) in the same blocks, its raw writes made only when raw and
 * unfiltered, and h5py reads every output as NumPy's x - x.mean(axis=0). */
static void test_lecture_file_from_h5py(void **state)
{
    (void)state;
    char in[512], out[512], cmd[4096];
    snprintf(in, sizeof in, "%s", scratch("rnd_data.hdf5"));
    snprintf(out, sizeof out, "%s", scratch("r.h5"));
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c 'import h5py, numpy as np\n"
             "x = np.random.default_rng(2026).standard_normal((100, 330))\n"
             "with h5py.File(\"%s\", \"w\") as f:\n"
             "    f.create_dataset(\"data_set_1\", data=x)\n"
             "    f.create_dataset(\"big\", data=x.astype(\">f8\"))\n"
             "    assert f[\"data_set_1\"].chunks is None\n"
             "print(\"ok\")' 2>&1",
             in);
    int status;
    char *o = run_command(cmd, &status);
    if (status != 0)
        fail_msg("h5py making %s: %s", in, o);
    free(o);
    int64_t n = 0, m = 0;
    int writes = 0;
    /* the processes' workers read with the descriptor they inherit (their
     * raw writes are their own: not counted here) */
    static const struct {
        const char *x, *blocks;
        int gzip, raw;
        dusk_sched_kind kind;
    } ways[] = {{"/data_set_1", "(50, 50)", 0, 1, DUSK_SCHED_THREADS},
                {"/big", "(50, 50)", 0, 1, DUSK_SCHED_THREADS},
                {"/data_set_1", "(50, 50)", 1, 1, DUSK_SCHED_THREADS},
                {"/data_set_1", "(100, 330)", 0, 1, DUSK_SCHED_THREADS},
                {"/big", "(100, 330)", 0, 0, DUSK_SCHED_THREADS},
                {"/data_set_1", "(50, 50)", 0, 1, DUSK_SCHED_PROCESSES}};
    for (size_t k = 0; k < sizeof ways / sizeof *ways; k++) {
        /* libhdf5's way in these blocks (the sums' order follows them) */
        double *want = lecture_job(in, "/data_set_1", out, ways[k].blocks, 0, 0,
                                   DUSK_SCHED_THREADS, &n, &writes);
        assert_int_equal(n, 100 * 330);
        assert_int_equal(writes, 0);
        double *got = lecture_job(in, ways[k].x, out, ways[k].blocks, ways[k].gzip, ways[k].raw,
                                  ways[k].kind, &m, &writes);
        assert_int_equal(m, n);
        if (memcmp(got, want, (size_t)n * sizeof *got) != 0)
            fail_msg("the job on %s in blocks %s (gzip %d, %s) differs from libhdf5's way",
                     ways[k].x, ways[k].blocks, ways[k].gzip, ways[k].raw ? "raw" : "libhdf5");
        if (ways[k].kind == DUSK_SCHED_THREADS && (writes > 0) != (ways[k].raw && !ways[k].gzip))
            fail_msg("the job on %s in blocks %s (gzip %d, %s): %d raw writes", ways[k].x,
                     ways[k].blocks, ways[k].gzip, ways[k].raw ? "raw" : "libhdf5", writes);
        free(got);
        free(want);
        /* h5py reads what this way wrote as NumPy computes it */
        snprintf(cmd, sizeof cmd,
                 "/usr/bin/python3 -c 'import h5py, numpy as np\n"
                 "with h5py.File(\"%s\", \"r\") as f:\n"
                 "    x = f[\"data_set_1\"][...]\n"
                 "with h5py.File(\"%s\", \"r\") as f:\n"
                 "    r = f[\"r\"][...]\n"
                 "assert r.dtype == np.float64 and r.shape == x.shape\n"
                 "assert np.allclose(r, x - x.mean(axis=0), rtol=1e-13, atol=1e-13)\n"
                 "print(\"ok\")' 2>&1",
                 in, out);
        o = run_command(cmd, &status);
        if (status != 0)
            fail_msg("h5py reading the job's output (%s in blocks %s, gzip %d, %s): %s",
                     ways[k].x, ways[k].blocks, ways[k].gzip, ways[k].raw ? "raw" : "libhdf5",
                     o);
        assert_contains(o, "ok");
        free(o);
    }
}

/* Files cut short: before dusk opens one (libhdf5 sees its end is gone),
 * and under dusk's first raw read (another process truncating it): each
 * a DUSK_EIO naming the file and dataset, nothing read, no crash. */
static void test_truncated_files(void **state)
{
    (void)state;
    const char *kinds[2] = {"contiguous", "chunked"};
    for (int k = 0; k < 2; k++)
        for (int when = 0; when < 2; when++) {
            char path[512];
            snprintf(path, sizeof path, "%s", scratch(when ? "cut-later.h5" : "cut.h5"));
            remove(path);
            dusk_error err = DUSK_ERROR_INIT;
            if (k == 0) {
                hsize_t dims[2] = {64, 100};
                write_contiguous(path, "/x", 2, dims, H5T_IEEE_F64LE);
            } else {
                dusk_array *x = dusk_random_normal(ctx, 5, 0, 1, DUSK_SHAPE(64, 100), "(16, 100)");
                assert_int_equal(dusk_array_store(x, path, "/x", NULL, NULL, &err), 0);
            }
            struct stat st;
            assert_int_equal(stat(path, &st), 0);
            if (!when)
                assert_int_equal(truncate(path, st.st_size / 2), 0);
            dusk_array *a = dusk_from_hdf5(ctx, path, "/x", "(16, 100)");
            dusk_value *v = NULL;
            /* one block at a time: the cut read is the one that fails */
            dusk_options o = opts_of(DUSK_SCHED_SYNC, 1);
            cut_next_read = when;
            int before = raw_reads;
            int rc = dusk_array_status(a, &err);
            if (!rc)
                rc = dusk_array_compute(a, &o, &v, &err);
            cut_next_read = 0;
            if (rc != DUSK_EIO)
                fail_msg("a %s file cut %s: code %d (%s)", kinds[k],
                         when ? "under a read" : "before", rc, rc ? err.msg : "read");
            assert_null(v);
            assert_contains(err.msg, path);
            if (when) {   /* the raw read saw the end */
                assert_true(raw_reads > before);
                assert_contains(err.msg, "'/x'");
                assert_contains(err.msg, "past the end of the file");
            }
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_contiguous_both_ways),
        cmocka_unit_test(test_chunked_both_ways),
        cmocka_unit_test(test_user_block),
        cmocka_unit_test(test_lecture_file_from_h5py),
        cmocka_unit_test(test_truncated_files),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
