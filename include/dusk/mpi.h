/*
** dusk — the MPI scheduler: a run over the ranks of an MPI job
** Library: libdusk-mpi (mpi/), on Open MPI (Debian's libopenmpi-dev);
** pkg-config dusk links it. This header does not need <mpi.h>.
**
**     int main(int argc, char **argv) {
**         dusk_mpi_init(&argc, &argv, &err);      // every rank
**         ... build the same graph on every rank ...
**         dusk_options o = DUSK_OPTIONS_INIT;
**         o.scheduler = DUSK_SCHED_MPI;
**         dusk_get(g, "z", &o, &v, &err);          // every rank
**         if (dusk_mpi_rank() == 0) ... v is z's value ...
**         dusk_mpi_finalize();
**     }
**
**     mpirun -np 4 ./prog
**
** Every rank makes the same dusk_get / dusk_compute / store call on the same
** graph (keys are deterministic, so each rank's plan is the same). Rank 0
** schedules: it keeps the run (priorities, early release, events, every
** listener's callbacks) and sends each task, its function's registered key
** with its arguments, to a worker rank; ranks 1..N-1 each run one task at a
** time. Worker w of the run's events is rank w + 1 (dusk_mpi_worker_rank),
** thread 0; event times are rank 0's clock (a task's START when it was
** sent, its END when its outcome came back), so a trace of an MPI run
** shows every rank's stream on one time base. With one rank (mpirun -np
** 1, or the program run without mpirun) rank 0 runs every task itself, as
** the sync scheduler does.
**
** Data stays where it is made (dusk/transport.h, "Data locality"): a
** result larger than DUSK_TASK_INLINE (4 KiB) encoded stays on the rank
** that computed it, and rank 0 keeps only its size and holder. A task goes
** to the free rank holding most of its input bytes (a ready task whose
** inputs are on a free rank runs before one whose holder is busy); inputs
** held by another rank move rank to rank, once per task that needs them
** elsewhere. So a from_hdf5 chunk is read by the rank that runs its read
** task and stays there. Released results are dropped by their holders;
** the requested results are gathered to rank 0 at the end of the run.
** Small results (integers, a row of means) come back to rank 0 and travel
** inside the task messages. Values and aliases are computed on rank 0.
** Functions must be registered (dusk_func_register) on every rank before
** the run; a task whose function is not, or whose arguments or result
** cannot be encoded (opaque values), fails the run naming its key.
**
** On rank 0 the call returns as with any scheduler. On the other ranks it
** returns the same status and message once rank 0 has ended the run, with
** *out None on success (dusk_array_compute too). dusk_array_store writes
** from whichever rank runs each store task into one serial-HDF5 file, so
** it is not for MPI runs: compute on MPI (the blocks gather to rank 0) and
** store the result from rank 0, as examples/mpi.c does. A task that fails on any rank fails the run on
** every rank with "task 'k' (fn) failed: ...". A rank that dies (a crash,
** exit) ends the whole job: mpirun stops every other rank and exits
** non-zero, naming the rank.
**
** dusk_options.workers is ignored: the workers are the ranks. One MPI run
** at a time in a job (the ranks follow rank 0's messages in order). The
** ranks agree on nothing before a run: a rank whose call fails before the
** run (its graph is not the others', out of memory making the plan) still
** takes its part, so that the run fails naming it; a rank that makes a
** different call (another scheduler, or none) leaves the others waiting.
*/
#ifndef DUSK_MPI_H
#define DUSK_MPI_H

#include <stdint.h>

#include "error.h"
#include "version.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Starts MPI unless the program already did (MPI_Init_thread with at least
 * MPI_THREAD_SERIALIZED: dusk calls MPI from whichever thread calls
 * dusk_compute, one at a time) and registers DUSK_SCHED_MPI. argc and argv
 * may be NULL. Returns 0, or DUSK_ESYS with MPI's message. Calling it
 * again does nothing. */
DUSK_API int dusk_mpi_init(int *argc, char ***argv, dusk_error *err);
/* Unregisters DUSK_SCHED_MPI and, if dusk_mpi_init started MPI, finalizes
 * it. Every rank calls it, after its last run. */
DUSK_API void dusk_mpi_finalize(void);
/* This process's rank and the job's size (0 and 1 before dusk_mpi_init). */
DUSK_API int dusk_mpi_rank(void);
DUSK_API int dusk_mpi_size(void);
/* The rank that runs an MPI run's worker w (w + 1; 0 in a job of one). */
DUSK_API int dusk_mpi_worker_rank(int worker);
/* Bytes of dusk's messages this rank has sent and received since
 * dusk_mpi_init (tasks, outcomes, results moving rank to rank, drops; each
 * message's 8-byte head included; the end-of-run messages not). Results
 * that move between workers do not pass rank 0: for the whole job's
 * traffic see dusk_mpi_traffic_total. Either pointer may be NULL. */
DUSK_API void dusk_mpi_traffic(uint64_t *sent, uint64_t *received);
/* Every rank calls it (a collective, as a barrier): *bytes gets the bytes
 * every rank of the job has sent since dusk_mpi_init (each message counted
 * once, by its sender). Returns 0, or DUSK_ESYS with MPI's message;
 * outside dusk_mpi_init .. dusk_mpi_finalize, this rank's own count at once
 * (0 before init; after finalize, what it sent). bytes may be NULL. */
DUSK_API int dusk_mpi_traffic_total(uint64_t *bytes, dusk_error *err);
/* Waits until every rank has called it (MPI_Barrier on dusk's
 * communicator): rank 0 writes a file, the others then read it. Returns 0,
 * or DUSK_ESYS with MPI's message; 0 at once before dusk_mpi_init. */
DUSK_API int dusk_mpi_barrier(dusk_error *err);

#ifdef __cplusplus
}
#endif
#endif /* DUSK_MPI_H */
