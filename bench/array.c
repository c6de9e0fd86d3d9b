/*
** bench/array.c — the lecture's array computation, timed as a whole process
**
** r = x - x.mean(axis=0) over an HDF5 dataset in (500, 500) chunks, stored
** to an HDF5 file, on the threaded scheduler. Each measurement runs in a
** child process of its own, so that its peak RSS (from wait4) is that of
** the work alone:
**
**   array.copy          the limit for the line below: the input file copied
**                       to a new file renamed over the last copy (as a store
**                       renames over the last result), in 1 MiB reads and
**                       writes, in a child too
**   array.lecture       (1000, 10000) float64, 76 MiB; it and array.copy
**                       run alternately, 5 times each, and the medians are
**                       given (the first round makes the files the others
**                       replace)
**   array.lecture.h5py  the same job on the same numbers stored as the
**                       lecture's notebook stores them (h5py's
**                       create_dataset: one contiguous dataset, no
**                       chunks), in the same rounds, its median and its
**                       ratio to the copy's (array.lecture.h5py.vs_copy)
**   array.lecture.processes  the same on the processes scheduler (one
**                       worker process per core; its .peak is wait4's
**                       ru_maxrss: the largest of the scheduling process
**                       and each worker, not their sum)
**   array.big           (20000, 10000) float64, 1.6 GB (larger than what
**                       the run may hold: peak memory stays near workers x
**                       a few chunks) and array.big.copy, its copy, side by
**                       side: 5 pairs, the two alternating (which goes
**                       first too), each to a new file removed after; their
**                       medians, the largest peak, and array.big.ratio, the
**                       median of the pairs' ratios job / copy (.best, the
**                       lowest): this machine's writes of 1.6 GB take
**                       0.5-9 s from one minute to the next, so only
**                       figures of the same minutes compare
**
** Each job and its copy write files of their own: a store to a file that
** holds other datasets copies them into the new file (array/store.c), so
** a job storing to the copy's output would copy the input along.
**
** Inputs are made once (seeded normal numbers, written by dusk) under
** build/bench-data/ and reused. DUSK_BENCH_SKIP_BIG=1 skips array.big;
** DUSK_BENCH_ONLY=array.lecture (array.big, array.qr, array.rechunk) runs
** only that part (array.qr: the factorisations; array.rechunk: the rest).
**
** The factorisations (include/dusk/linalg.h), also in children, on a
** tall-and-skinny float64 dataset read from HDF5, the factors written to
** HDF5 in one streamed store (dusk stores them stacked: Q over R, and U
** over S over V, which is one graph and one pass):
**
**   array.qr            (2,000,000, 100) in (100,000, 100) blocks: tsqr
**   array.svd           the same: svd through tsqr
**                       (with DUSK_BENCH_SKIP_BIG=1, array.qr.small and
**                       array.svd.small: (200,000, 100) in 10,000 rows)
**
** And, last (so that the children above do not start with its heap),
** building a rechunk's graph in this process (no HDF5, nothing run):
**
**   array.rechunk.20k   ones((200000,), chunks=10).rechunk(15): 20,000
**                       blocks to 13,334; dusk_array_rechunk and
**                       dusk_array_graph, per output block, best of 3
**   array.rechunk.80k   the same with 80,000 blocks: per block, about the
**                       figure above when building grows with the blocks
**                       (it grew with their square before the per-axis plan)
**   array.map_blocks    a user function over 10,000 blocks of 10 (threads):
**                       the whole compute per block, the builtin x + 1
**                       beside it, and the difference per map task
*/
#define _DEFAULT_SOURCE  /* wait4 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hdf5.h>

#include <dusk.h>
#include <dusk/array.h>
#include <dusk/linalg.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void fail(const char *what, const dusk_error *err)
{
    fprintf(stderr, "bench/array: %s: %s\n", what, err->msg);
    exit(1);
}

static void make_input(const char *path, int64_t rows)
{
    struct stat st;
    if (stat(path, &st) == 0)
        return;
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_error err = DUSK_ERROR_INIT;
    dusk_array *x = dusk_random_normal(ctx, 7, 0, 1, DUSK_SHAPE(rows, 10000), "(500, 500)");
    if (dusk_array_store(x, path, "/data_set_1", NULL, NULL, &err))
        fail("making the input", &err);
    dusk_array_ctx_free(ctx);
}

/* in:/data_set_1 copied to path as one contiguous dataset, as h5py's
 * create_dataset stores an array given whole (the lecture's file). */
static void make_contiguous(const char *in, const char *path)
{
    struct stat st;
    if (stat(path, &st) == 0)
        return;
    hid_t f = H5Fopen(in, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t d = f >= 0 ? H5Dopen2(f, "/data_set_1", H5P_DEFAULT) : H5I_INVALID_HID;
    hid_t space = d >= 0 ? H5Dget_space(d) : H5I_INVALID_HID;
    hssize_t n = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
    double *v = n > 0 ? malloc((size_t)n * sizeof *v) : NULL;
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    hid_t g = H5I_INVALID_HID, e = H5I_INVALID_HID;
    int ok = v && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0 &&
             (g = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT)) >= 0 &&
             (e = H5Dcreate2(g, "/data_set_1", H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT,
                             H5P_DEFAULT)) >= 0 &&
             H5Dwrite(e, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0;
    if (e >= 0)
        ok = H5Dclose(e) >= 0 && ok;
    if (g >= 0)
        ok = H5Fclose(g) >= 0 && ok;
    if (space >= 0)
        H5Sclose(space);
    if (d >= 0)
        H5Dclose(d);
    if (f >= 0)
        H5Fclose(f);
    free(v);
    if (!ok || rename(tmp, path) != 0) {
        fprintf(stderr, "bench/array: cannot make the contiguous input %s\n", path);
        exit(1);
    }
}

/* The measured work, in a child: its wall time in seconds (through a
 * pipe) and its peak RSS in MiB (through wait4). */
static double measure_job(const char *name, const char *in, const char *out,
                          dusk_sched_kind kind, double *peak)
{
    int fd[2];
    if (pipe(fd) != 0) {
        perror("pipe");
        exit(1);
    }
    pid_t pid = fork();
    if (pid == 0) {
        close(fd[0]);
        double t0 = now_s();
        dusk_array_ctx *ctx = dusk_array_ctx_new();
        dusk_error err = DUSK_ERROR_INIT;
        dusk_array *x = dusk_from_hdf5(ctx, in, "/data_set_1", "(500, 500)");
        dusk_array *r = dusk_array_sub(x, dusk_array_mean(x, DUSK_AXIS(0), false));
        dusk_store_options so = {0, true};
        dusk_options o = DUSK_OPTIONS_INIT;
        o.scheduler = kind;
        if (dusk_array_store(r, out, "/r", &so, &o, &err))
            fail(name, &err);
        dusk_array_ctx_free(ctx);
        double t = now_s() - t0;
        if (write(fd[1], &t, sizeof t) != (ssize_t)sizeof t)
            _exit(1);
        _exit(0);
    }
    close(fd[1]);
    double t = -1;
    if (read(fd[0], &t, sizeof t) != (ssize_t)sizeof t)
        t = -1;
    close(fd[0]);
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0 || t < 0) {
        fprintf(stderr, "bench/array: %s failed\n", name);
        exit(1);
    }
    *peak = ru.ru_maxrss / 1024.0;
    return t;
}

static void print_time(const char *name, double t)
{
    if (t < 10)
        printf("%s: %.0f ms\n", name, t * 1000);
    else
        printf("%s: %.2f s\n", name, t);
    fflush(stdout);
}

static void measure(const char *name, const char *in, const char *out, dusk_sched_kind kind)
{
    double peak, t = measure_job(name, in, out, kind, &peak);
    print_time(name, t);
    printf("%s.peak: %.0f MiB\n", name, peak);
    fflush(stdout);
}

/* The I/O limit of measure(): in a child, in to a temporary file renamed
 * over out, as dusk's stores write; the time in seconds through a pipe. */
static double measure_copy(const char *name, const char *in, const char *out)
{
    int fd[2];
    if (pipe(fd) != 0) {
        perror("pipe");
        exit(1);
    }
    pid_t pid = fork();
    if (pid == 0) {
        close(fd[0]);
        double t0 = now_s();
        char tmp[4096];
        snprintf(tmp, sizeof tmp, "%s.copy-tmp", out);
        FILE *src = fopen(in, "rb"), *dst = fopen(tmp, "wb");
        static char buf[1 << 20];
        size_t n;
        if (!src || !dst)
            _exit(1);
        while ((n = fread(buf, 1, sizeof buf, src)) > 0)
            if (fwrite(buf, 1, n, dst) != n)
                _exit(1);
        if (ferror(src) || fclose(dst) != 0 || rename(tmp, out) != 0)
            _exit(1);
        fclose(src);
        double t = now_s() - t0;
        if (write(fd[1], &t, sizeof t) != (ssize_t)sizeof t)
            _exit(1);
        _exit(0);
    }
    close(fd[1]);
    double t = -1;
    if (read(fd[0], &t, sizeof t) != (ssize_t)sizeof t)
        t = -1;
    close(fd[0]);
    int status;
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0 || t < 0) {
        fprintf(stderr, "bench/array: %s failed\n", name);
        exit(1);
    }
    return t;
}

static int cmp_double(const void *a, const void *b);

/* array.copy, array.lecture and array.lecture.h5py (the job on the
 * contiguous input contig), in turn, ROUNDS each: their medians (and the
 * lecture's largest peak). */
static void lecture_against_copy(const char *in, const char *contig, const char *copy_out,
                                 const char *out)
{
    enum { ROUNDS = 5 };
    double tc[ROUNDS], tl[ROUNDS], th[ROUNDS], peak = 0;
    /* a result left by an older bench may hold more than /r, which every
     * store would copy along */
    remove(copy_out);
    remove(out);
    for (int r = 0; r < ROUNDS; r++) {
        double p;
        tc[r] = measure_copy("array.copy", in, copy_out);
        tl[r] = measure_job("array.lecture", in, out, DUSK_SCHED_THREADS, &p);
        peak = p > peak ? p : peak;
        th[r] = measure_job("array.lecture.h5py", contig, out, DUSK_SCHED_THREADS, &p);
    }
    qsort(tc, ROUNDS, sizeof *tc, cmp_double);
    qsort(tl, ROUNDS, sizeof *tl, cmp_double);
    qsort(th, ROUNDS, sizeof *th, cmp_double);
    print_time("array.copy", tc[ROUNDS / 2]);
    print_time("array.lecture", tl[ROUNDS / 2]);
    printf("array.lecture.peak: %.0f MiB\n", peak);
    printf("array.lecture.vs_copy: %.2f x\n", tl[ROUNDS / 2] / tc[ROUNDS / 2]);
    print_time("array.lecture.h5py", th[ROUNDS / 2]);
    printf("array.lecture.h5py.vs_copy: %.2f x\n", th[ROUNDS / 2] / tc[ROUNDS / 2]);
    fflush(stdout);
}

/* array.big and array.big.copy in alternating pairs (see the top). */
static void big_against_copy(const char *in, const char *copy_out, const char *out)
{
    enum { PAIRS = 5 };
    double tc[PAIRS], tj[PAIRS], ratio[PAIRS], peak = 0;
    for (int r = 0; r < PAIRS; r++) {
        double p;
        remove(copy_out);
        remove(out);
        if (r % 2 == 0)
            tc[r] = measure_copy("array.big.copy", in, copy_out);
        tj[r] = measure_job("array.big", in, out, DUSK_SCHED_THREADS, &p);
        if (r % 2 == 1)
            tc[r] = measure_copy("array.big.copy", in, copy_out);
        peak = p > peak ? p : peak;
        ratio[r] = tj[r] / tc[r];
    }
    remove(copy_out);
    remove(out);
    qsort(tc, PAIRS, sizeof *tc, cmp_double);
    qsort(tj, PAIRS, sizeof *tj, cmp_double);
    qsort(ratio, PAIRS, sizeof *ratio, cmp_double);
    print_time("array.big.copy", tc[PAIRS / 2]);
    print_time("array.big", tj[PAIRS / 2]);
    printf("array.big.peak: %.0f MiB\n", peak);
    printf("array.big.ratio: %.2f x\n", ratio[PAIRS / 2]);
    printf("array.big.ratio.best: %.2f x\n", ratio[0]);
    fflush(stdout);
}

/* Building the graph of a 1-d rechunk of nblocks blocks of 10 to blocks of
 * 15: the best of 3, in microseconds per output block. */
static void rechunk_build(const char *name, int64_t nblocks)
{
    double best = -1;
    int64_t nout = 0;
    for (int rep = 0; rep < 3; rep++) {
        dusk_array_ctx *ctx = dusk_array_ctx_new();
        dusk_error err = DUSK_ERROR_INIT;
        dusk_array *x = dusk_ones(ctx, DUSK_SHAPE(nblocks * 10), "10", DUSK_DT_F8);
        dusk_graph *g = NULL;
        double t0 = now_s();
        dusk_array *y = dusk_array_rechunk(x, "15");
        if (dusk_array_graph(y, &g, &err))
            fail(name, &err);
        double t = now_s() - t0;
        nout = dusk_array_nchunks(y);
        dusk_graph_free(g);
        dusk_array_ctx_free(ctx);
        if (best < 0 || t < best)
            best = t;
    }
    printf("%s: %.2f us/block\n", name, best * 1e6 / (double)nout);
    fflush(stdout);
}

/* array.map_blocks: the per-task cost of a user function on blocks. f
 * adds 1 to a block of 10 float64 (a copy, as x + 1 makes), on 10,000
 * blocks, threads; beside it the same work by the builtin x + 1, and the
 * difference per task, the user function's own overhead (the trampoline,
 * its checks). Medians of 7 runs, the two interleaved. */
static int add_one_fn(const dusk_block *b, dusk_value **out, dusk_error *err, void *ud)
{
    (void)err;
    (void)ud;
    const dusk_value *x = b->in[0];
    dusk_value *r = dusk_ndarray_empty(DUSK_DT_F8, dusk_ndarray_ndim(x), dusk_ndarray_shape(x));
    if (!r)
        return DUSK_ENOMEM;
    const double *p = dusk_ndarray_data(x);
    double *o = dusk_ndarray_data(r);
    for (int64_t k = 0; k < dusk_ndarray_size(x); k++)
        o[k] = p[k] + 1;
    *out = r;
    return 0;
}
static const dusk_block_func add_one = DUSK_BLOCK_FUNC(add_one, "add_one", add_one_fn, NULL);

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void map_blocks_bench(const char *name, int64_t nblocks)
{
    enum { REPS = 7 };
    double t_map[REPS], t_builtin[REPS];
    for (int rep = 0; rep < REPS; rep++)
        for (int which = 0; which < 2; which++) {
            dusk_array_ctx *ctx = dusk_array_ctx_new();
            dusk_error err = DUSK_ERROR_INIT;
            dusk_array *x = dusk_ones(ctx, DUSK_SHAPE(nblocks * 10), "10", DUSK_DT_F8);
            dusk_array *y = which ? dusk_array_binop_scalar(DUSK_BINOP_ADD, x, 1, false)
                                  : dusk_map_blocks(&add_one, &x, 1, DUSK_DT_F8, NULL);
            dusk_value *v = NULL;
            double t0 = now_s();
            if (dusk_array_compute(y, NULL, &v, &err))
                fail(name, &err);
            double t = now_s() - t0;
            if (((const double *)dusk_ndarray_data(v))[nblocks * 10 - 1] != 2) {
                fprintf(stderr, "bench/array: %s: wrong result\n", name);
                exit(1);
            }
            dusk_value_unref(v);
            dusk_array_ctx_free(ctx);
            (which ? t_builtin : t_map)[rep] = t;
        }
    qsort(t_map, REPS, sizeof *t_map, cmp_double);
    qsort(t_builtin, REPS, sizeof *t_builtin, cmp_double);
    double ntasks = 2.0 * (double)nblocks;   /* ones_like and the map */
    printf("%s: %.2f us/block\n", name, t_map[REPS / 2] * 1e6 / (double)nblocks);
    printf("%s.builtin: %.2f us/block\n", name, t_builtin[REPS / 2] * 1e6 / (double)nblocks);
    printf("%s.overhead: %.0f ns/task\n", name,
           (t_map[REPS / 2] - t_builtin[REPS / 2]) * 1e9 / ntasks * 2);
    fflush(stdout);
}

/* da.histogram of 20 M float64 values into 100 even bins, the array in
 * memory (from_buffer), beside its sum, a reduction that reads every value
 * once as well: rounds interleaved, medians. */
static void histogram_bench(const char *name)
{
    enum { REPS = 7, ROWS = 4000, COLS = 5000 };
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_error err = DUSK_ERROR_INIT;
    dusk_value *src = NULL;
    if (dusk_array_compute(dusk_random_normal(ctx, 7, 0, 1, DUSK_SHAPE(ROWS, COLS), "(1000, 1000)"),
                           NULL, &src, &err))
        fail(name, &err);
    dusk_array *x = dusk_from_buffer(ctx, dusk_ndarray_data(src), DUSK_DT_F8,
                                     DUSK_SHAPE(ROWS, COLS), "(1000, 1000)");
    double edges[101];
    for (int i = 0; i <= 100; i++)
        edges[i] = -4 + 8.0 * i / 100;
    double t_hist[REPS], t_sum[REPS];
    for (int rep = 0; rep < REPS; rep++)
        for (int which = 0; which < 2; which++) {
            dusk_array *y = which ? dusk_array_sum(x, DUSK_ALL_AXES, false)
                                  : dusk_array_histogram(x, edges, 101, NULL);
            dusk_value *v = NULL;
            double t0 = now_s();
            if (dusk_array_compute(y, NULL, &v, &err))
                fail(name, &err);
            (which ? t_sum : t_hist)[rep] = now_s() - t0;
            if (!which) {   /* nearly every value counted: N(0, 1) beyond 4 is rare */
                int64_t n = 0;
                for (int b = 0; b < 100; b++)
                    n += ((const int64_t *)dusk_ndarray_data(v))[b];
                if (n < (int64_t)ROWS * COLS * 99 / 100) {
                    fprintf(stderr, "bench/array: %s: %lld values counted\n", name, (long long)n);
                    exit(1);
                }
            }
            dusk_value_unref(v);
        }
    qsort(t_hist, REPS, sizeof *t_hist, cmp_double);
    qsort(t_sum, REPS, sizeof *t_sum, cmp_double);
    printf("%s: %.1f ms\n", name, t_hist[REPS / 2] * 1e3);
    printf("%s.per_value: %.2f ns\n", name, t_hist[REPS / 2] * 1e9 / ((double)ROWS * COLS));
    printf("%s.vs_sum: %.2f x\n", name, t_hist[REPS / 2] / t_sum[REPS / 2]);
    fflush(stdout);
    dusk_value_unref(src);
    dusk_array_ctx_free(ctx);
}

/* --- factorisations ---------------------------------------------------------------- */

static void make_tall(const char *path, int64_t rows, const char *chunks)
{
    struct stat st;
    if (stat(path, &st) == 0)
        return;
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_error err = DUSK_ERROR_INIT;
    dusk_array *x = dusk_random_normal(ctx, 11, 0, 1, DUSK_SHAPE(rows, 100), chunks);
    if (dusk_array_store(x, path, "/a", NULL, NULL, &err))
        fail("making the tall input", &err);
    dusk_array_ctx_free(ctx);
}

/* In a child: A from in, its QR (svd 0) or SVD factors stacked and stored
 * to out; wall time through a pipe, peak RSS through wait4. */
static void measure_la(const char *name, int svd, const char *in, const char *chunks,
                       const char *out)
{
    int fd[2];
    if (pipe(fd) != 0) {
        perror("pipe");
        exit(1);
    }
    pid_t pid = fork();
    if (pid == 0) {
        close(fd[0]);
        double t0 = now_s();
        dusk_array_ctx *ctx = dusk_array_ctx_new();
        dusk_error err = DUSK_ERROR_INIT;
        dusk_array *x = dusk_from_hdf5(ctx, in, "/a", chunks), *all;
        if (svd) {
            dusk_svd f = dusk_linalg_svd(x);
            dusk_array *parts[3] = {f.u, dusk_array_slice(f.s, "None, :"), f.v};
            all = dusk_concatenate(parts, 3, 0);
        } else {
            dusk_qr f = dusk_linalg_qr(x);
            dusk_array *parts[2] = {f.q, f.r};
            all = dusk_concatenate(parts, 2, 0);
        }
        dusk_store_options so = {0, true};
        if (dusk_array_store(all, out, "/f", &so, NULL, &err))
            fail(name, &err);
        dusk_array_ctx_free(ctx);
        double t = now_s() - t0;
        if (write(fd[1], &t, sizeof t) != (ssize_t)sizeof t)
            _exit(1);
        _exit(0);
    }
    close(fd[1]);
    double t = -1;
    if (read(fd[0], &t, sizeof t) != (ssize_t)sizeof t)
        t = -1;
    close(fd[0]);
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0 || t < 0) {
        fprintf(stderr, "bench/array: %s failed\n", name);
        exit(1);
    }
    printf("%s: %.0f ms\n", name, t * 1000);
    printf("%s.peak: %.0f MiB\n", name, ru.ru_maxrss / 1024.0);
    fflush(stdout);
    remove(out);
}

static void factorisations(int small)
{
    const char *in = small ? "build/bench-data/tall-small.hdf5" : "build/bench-data/tall.hdf5";
    const char *chunks = small ? "(10000, 100)" : "(100000, 100)";
    make_tall(in, small ? 200000 : 2000000, chunks);
    measure_la(small ? "array.qr.small" : "array.qr", 0, in, chunks, "build/bench-data/qr.hdf5");
    measure_la(small ? "array.svd.small" : "array.svd", 1, in, chunks,
               "build/bench-data/svd.hdf5");
}

/* Whether DUSK_BENCH_ONLY (unset: everything) names the part that prints
 * name (array.lecture, array.big, array.qr, array.rechunk). */
static int wanted(const char *name)
{
    const char *only = getenv("DUSK_BENCH_ONLY");
    return !only || !only[0] || strcmp(only, name) == 0;
}

int main(void)
{
    mkdir("build", 0777);
    mkdir("build/bench-data", 0777);
    if (wanted("array.lecture")) {
        make_input("build/bench-data/lecture.hdf5", 1000);
        /* each to a file of its own (see the top), which the rounds after
         * the first replace, as a rerun does */
        make_contiguous("build/bench-data/lecture.hdf5",
                        "build/bench-data/lecture-contiguous.hdf5");
        lecture_against_copy("build/bench-data/lecture.hdf5",
                             "build/bench-data/lecture-contiguous.hdf5",
                             "build/bench-data/lecture-copy.hdf5",
                             "build/bench-data/lecture-r.hdf5");
        measure("array.lecture.processes", "build/bench-data/lecture.hdf5",
                "build/bench-data/lecture-r.hdf5", DUSK_SCHED_PROCESSES);
    }
    const char *skip = getenv("DUSK_BENCH_SKIP_BIG");
    if ((!skip || strcmp(skip, "1") != 0) && wanted("array.big")) {
        make_input("build/bench-data/big.hdf5", 20000);
        big_against_copy("build/bench-data/big.hdf5", "build/bench-data/big-copy.hdf5",
                         "build/bench-data/big-r.hdf5");
    }
    if (wanted("array.qr"))
        factorisations(skip && strcmp(skip, "1") == 0);
    if (wanted("array.histogram"))
        histogram_bench("array.histogram");
    /* last: the children above would start with this heap in their RSS */
    if (wanted("array.rechunk")) {
        rechunk_build("array.rechunk.20k", 20000);
        rechunk_build("array.rechunk.80k", 80000);
        map_blocks_bench("array.map_blocks", 10000);
    }
    return 0;
}
