/*
** examples/mpi.c — the lecture's array job on MPI ranks
**
**     x = da.from_array(h5py.File('rnd_data.hdf5')['/data_set_1'], chunks=(500, 500))
**     r = x - x.mean(axis=0)
**
** on DUSK_SCHED_MPI: every rank builds the same arrays and makes the same
** dusk_array_store call; rank 0 schedules, the other ranks read chunks
** and compute; each chunk stays on the rank that read it (the program
** prints the bytes the job moved between ranks: about the result's). The
** blocks gather to rank 0, which writes r to DIR/r-mpi.hdf5 (libhdf5 is
** serial here: one writer); then it runs the same job on the threads
** scheduler into DIR/r-threads.hdf5 and checks that both files hold the
** same numbers, bit for bit.
**
** Build and run:  make && mpirun -np 4 --oversubscribe build/examples/mpi [DIR]
** (as root, add --allow-run-as-root). Run without mpirun it is a job of
** one rank, which runs every task itself. DIR defaults to a directory
** under /tmp of this user and working directory; the input,
** DIR/rnd_data.hdf5 (1000 x 10000 standard normal, seeded), is made there
** by rank 0 if it is missing.
*/
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dusk.h>
#include <dusk/array.h>
#include <dusk/mpi.h>

static int fail(const char *what, const dusk_error *err)
{
    fprintf(stderr, "mpi (rank %d): %s: %s\n", dusk_mpi_rank(), what, err->msg);
    return 1;
}

/* The dataset's numbers on the threads scheduler (a new ndarray), or NULL. */
static dusk_value *read_back(dusk_array_ctx *ctx, const char *path, const char *dataset,
                             dusk_error *err)
{
    dusk_value *v = NULL;
    dusk_options threads = DUSK_OPTIONS_INIT;
    if (dusk_array_compute(dusk_from_hdf5(ctx, path, dataset, "(500, 500)"), &threads, &v, err))
        return NULL;
    return v;
}

int main(int argc, char **argv)
{
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_mpi_init(&argc, &argv, &err))
        return fail("starting MPI", &err);
    int rank = dusk_mpi_rank(), rc = 1;

    char dir[512], input[600], out_mpi[600], out_threads[600];
    if (argc > 1) {
        snprintf(dir, sizeof dir, "%s", argv[1]);
    } else {
        /* one directory per user and checkout, so that two trees do not share it */
        char cwd[400] = "";
        unsigned long h = 5381;
        if (getcwd(cwd, sizeof cwd))
            for (const char *p = cwd; *p; p++)
                h = h * 33 + (unsigned char)*p;
        snprintf(dir, sizeof dir, "/tmp/dusk-mpi-example-%lu-%08lx", (unsigned long)getuid(),
                 h & 0xffffffffUL);
    }
    snprintf(input, sizeof input, "%s/rnd_data.hdf5", dir);
    snprintf(out_mpi, sizeof out_mpi, "%s/r-mpi.hdf5", dir);
    snprintf(out_threads, sizeof out_threads, "%s/r-threads.hdf5", dir);

    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_options threads = DUSK_OPTIONS_INIT, mpi = DUSK_OPTIONS_INIT;
    mpi.scheduler = DUSK_SCHED_MPI;

    /* The input, made once by rank 0; the others wait for it. */
    int made = 0;
    if (rank == 0 && access(input, R_OK) != 0) {
        mkdir(dir, 0777);
        dusk_array *x0 = dusk_random_normal(ctx, 2026, 0.0, 1.0, DUSK_SHAPE(1000, 10000),
                                            "(500, 500)");
        made = dusk_array_store(x0, input, "/data_set_1", NULL, &threads, &err) == 0 ? 1 : -1;
    }
    if (made < 0) {
        fail("making the input", &err);
        /* the other ranks still wait at the barrier, and then fail to open it */
    }
    if (dusk_mpi_barrier(&err)) {
        fail("waiting for the input", &err);
        goto done;
    }

    dusk_array *x = dusk_from_hdf5(ctx, input, "/data_set_1", "(500, 500)");
    dusk_array *r = dusk_array_sub(x, dusk_array_mean(x, DUSK_AXIS(0), false));
    dusk_run_stats st;
    mpi.stats = &st;
    dusk_store_options over = {0, true};
    uint64_t moved0 = 0, moved1 = 0;
    if (dusk_mpi_traffic_total(&moved0, &err) ||
        dusk_array_store(r, out_mpi, "/r", &over, &mpi, &err) ||
        dusk_mpi_traffic_total(&moved1, &err)) {
        fail("storing r on MPI", &err);
        goto done;
    }
    if (rank != 0) {
        /* this rank ran tasks; rank 0 has written the result */
        rc = 0;
        goto done;
    }
    printf("r = x - x.mean(axis=0) on %d MPI rank(s): %llu tasks on %d worker(s) in %.3f s\n",
           dusk_mpi_size(), (unsigned long long)st.ntasks, st.workers, (double)st.wall_ns / 1e9);
    /* Chunks stay on the rank that read them: what moves is mostly the
     * result, gathered to rank 0. */
    printf("%.1f MiB moved between ranks for a %.1f MiB result\n",
           (double)(moved1 - moved0) / 1048576.0, 1000.0 * 10000 * 8 / 1048576.0);
    if (dusk_array_store(r, out_threads, "/r", &over, &threads, &err)) {
        fail("the threaded run", &err);
        goto done;
    }
    dusk_value *a = read_back(ctx, out_mpi, "/r", &err);
    dusk_value *b = a ? read_back(ctx, out_threads, "/r", &err) : NULL;
    if (!a || !b) {
        fail("reading the results back", &err);
    } else if (dusk_value_nbytes(a) != dusk_value_nbytes(b) ||
               memcmp(dusk_ndarray_data(a), dusk_ndarray_data(b), dusk_value_nbytes(a)) != 0) {
        fprintf(stderr, "mpi: %s and %s differ\n", out_mpi, out_threads);
    } else {
        printf("%s holds the same %zu bytes as the threaded run's %s\n", out_mpi,
               dusk_value_nbytes(a), out_threads);
        rc = 0;
    }
    dusk_value_unref(a);
    dusk_value_unref(b);
done:
    dusk_array_ctx_free(ctx);
    dusk_mpi_finalize();
    return rc;
}
