/*
** bench/mpi.c — the MPI scheduler (DUSK_SCHED_MPI), run under mpirun
**
** `make bench` runs it as `mpirun -np 4 --oversubscribe build/bench/mpi`
** (rank 0 schedules, ranks 1-3 run tasks); every rank runs the same
** calls, rank 0 prints:
**
**   overhead.mpi          ns/task on the overhead graph of bench/overhead.c,
**                         on 2,000 leaves (4,000 tasks: at hundreds of µs a
**                         task, the 100,000-leaf graph would take minutes),
**                         best of 3
**   overhead.mpi.bytes    bytes moved per task on that graph (task message
**                         and result, both ways, dusk_mpi_traffic)
**   overhead.mpi.sync     the same graph on the sync scheduler, in the same
**                         run on rank 0, to compare side by side
**   array.lecture.mpi     r = x - x.mean(axis=0) on (1000, 10000) float64 in
**                         (500, 500) chunks from build/bench-data/lecture.hdf5
**                         (bench/array.c's input, made here if missing),
**                         computed on MPI and stored from rank 0
**   array.lecture.mpi.bytes   bytes that run moved between all ranks
**                             (dusk_mpi_traffic_total; the result is 76 MiB)
**   array.lecture.mpi.peak    rank 0's peak RSS (it gathers the result)
*/
#define _POSIX_C_SOURCE 200809L
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dusk/mpi.h>

#include "overhead_graph.h"

enum { LEAVES = 2000, REPS = 3 };

static void give_up(const char *what, const dusk_error *err)
{
    fprintf(stderr, "bench/mpi (rank %d): %s: %s\n", dusk_mpi_rank(), what, err->msg);
    dusk_mpi_finalize();
    exit(1);
}

/* Best ns/task of REPS runs of g's root on opts; checks the sum. */
static double overhead(dusk_graph *g, const char *root, const dusk_options *o, size_t ntasks)
{
    uint64_t best = UINT64_MAX;
    for (int i = 0; i < REPS; i++) {
        dusk_error err = DUSK_ERROR_INIT;
        dusk_value *v = NULL;
        uint64_t t0 = now_ns();
        if (dusk_get(g, root, o, &v, &err))
            give_up("the overhead graph", &err);
        uint64_t t = now_ns() - t0;
        int64_t want = (int64_t)LEAVES * (LEAVES + 1) / 2;
        if (dusk_mpi_rank() == 0 && o->scheduler == DUSK_SCHED_MPI && dusk_value_int(v) != want)
            fail("overhead.mpi: sum %lld, want %lld", (long long)dusk_value_int(v),
                 (long long)want);
        dusk_value_unref(v);
        if (t < best)
            best = t;
    }
    return (double)best / (double)ntasks;
}

int main(int argc, char **argv)
{
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_mpi_init(&argc, &argv, &err))
        give_up("starting MPI", &err);
    int rank = dusk_mpi_rank();

    size_t ninc, nadd, nid;
    const char *root;
    dusk_graph *g = build_n(LEAVES, &root, &ninc, &nadd, &nid);
    if (!g) {
        fprintf(stderr, "bench/mpi: cannot build the graph\n");
        return 1;
    }
    size_t ntasks = overhead_ntasks(LEAVES);
    dusk_options mpi = DUSK_OPTIONS_INIT, sync = DUSK_OPTIONS_INIT;
    mpi.scheduler = DUSK_SCHED_MPI;
    sync.scheduler = DUSK_SCHED_SYNC;
    uint64_t s0, r0, s1, r1;
    dusk_mpi_traffic(&s0, &r0);
    double ns = overhead(g, root, &mpi, ntasks);
    dusk_mpi_traffic(&s1, &r1);
    if (rank == 0) {
        double ns_sync = overhead(g, root, &sync, ntasks);
        printf("overhead.mpi: %.0f ns/task (%d ranks, %zu tasks)\n", ns, dusk_mpi_size(), ntasks);
        printf("overhead.mpi.bytes: %.0f bytes/task\n",
               (double)(s1 - s0 + r1 - r0) / REPS / (double)ntasks);
        printf("overhead.mpi.sync: %.0f ns/task\n", ns_sync);
        fflush(stdout);
    }
    dusk_graph_free(g);

    /* The lecture's array job. */
    const char *in = "build/bench-data/lecture.hdf5";
    if (rank == 0 && access(in, R_OK) != 0) {
        mkdir("build", 0777);
        mkdir("build/bench-data", 0777);
        dusk_array_ctx *c0 = dusk_array_ctx_new();
        dusk_array *x0 = dusk_random_normal(c0, 7, 0, 1, DUSK_SHAPE(1000, 10000), "(500, 500)");
        if (dusk_array_store(x0, in, "/data_set_1", NULL, NULL, &err))
            give_up("making the input", &err);
        dusk_array_ctx_free(c0);
    }
    if (dusk_mpi_barrier(&err))
        give_up("waiting for the input", &err);
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    uint64_t moved0 = 0, moved1 = 0;
    if (dusk_mpi_traffic_total(&moved0, &err))
        give_up("counting the traffic", &err);
    uint64_t t0 = now_ns();
    dusk_array *x = dusk_from_hdf5(ctx, in, "/data_set_1", "(500, 500)");
    dusk_array *r = dusk_array_sub(x, dusk_array_mean(x, DUSK_AXIS(0), false));
    dusk_value *v = NULL;
    if (dusk_array_compute(r, &mpi, &v, &err))
        give_up("array.lecture.mpi", &err);
    if (dusk_mpi_traffic_total(&moved1, &err))
        give_up("counting the traffic", &err);
    if (rank == 0) {
        dusk_array *gathered = dusk_from_buffer(ctx, dusk_ndarray_data(v), dusk_ndarray_dtype(v),
                                                DUSK_SHAPE(1000, 10000), "(500, 500)");
        dusk_store_options so = {0, true};
        if (dusk_array_store(gathered, "build/bench-data/lecture-r-mpi.hdf5", "/r", &so, NULL,
                             &err))
            give_up("array.lecture.mpi's store", &err);
        double t = (double)(now_ns() - t0) / 1e9;
        printf("array.lecture.mpi: %.0f ms (%d ranks)\n", t * 1000, dusk_mpi_size());
        printf("array.lecture.mpi.bytes: %.1f MiB\n", (double)(moved1 - moved0) / 1048576.0);
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        printf("array.lecture.mpi.peak: %.0f MiB (rank 0)\n", ru.ru_maxrss / 1024.0);
    }
    dusk_value_unref(v);
    dusk_array_ctx_free(ctx);
    dusk_mpi_finalize();
    return failures ? 1 : 0;
}
