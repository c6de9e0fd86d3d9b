/*
** dusk — the MPI transport (libdusk-mpi): DUSK_SCHED_MPI over MPI ranks
**
** A dusk_transport (include/dusk/transport.h) on a duplicate of
** MPI_COMM_WORLD, so that dusk's messages never meet the program's own.
** Three kinds of message, each one MPI message of bytes:
**
**   TAG_TASK  rank 0 -> rank w+1   task id (8 bytes), then the task message
**   TAG_OUT   rank w+1 -> rank 0   task id (8 bytes), then dusk_task_run's outcome
**   TAG_END   rank 0 -> every rank the run's status (8 bytes), then its message
**
** Rank 0 sends a worker a task only when that worker's previous outcome has
** come back, so every send finds its receiver waiting (or about to) and
** blocking sends cannot deadlock. Waiting polls (MPI_Iprobe) and, after a
** while with nothing, sleeps between polls: 4 ranks share 2 cores here, and
** a rank spinning in MPI_Probe takes the core its worker needs.
*/
#define _POSIX_C_SOURCE 200809L
#include <limits.h>
#include <mpi.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "core/util.h"
#include "dusk/alloc.h"
#include "dusk/events.h"
#include "dusk/mpi.h"
#include "dusk/sched.h"
#include "dusk/transport.h"

enum { TAG_TASK = 1, TAG_OUT = 2, TAG_END = 3 };

/* How long a waiting rank yields before it sleeps between polls. */
#define YIELD_NS (50ull * 1000 * 1000)

static struct {
    int ready;          /* dusk_mpi_init done */
    int started_mpi;    /* ... and it called MPI_Init_thread */
    int rank, size;
    MPI_Comm comm;
    uint64_t sent, received;   /* task and outcome bytes (dusk_mpi_traffic) */
} M = {0, 0, 0, 1, MPI_COMM_NULL, 0, 0};

static int mpi_fail(dusk_error *err, int mrc, const char *what)
{
    char text[MPI_MAX_ERROR_STRING];
    int n = 0;
    if (MPI_Error_string(mrc, text, &n) != MPI_SUCCESS)
        snprintf(text, sizeof text, "MPI error %d", mrc);
    return dusk_error_set(err, DUSK_ESYS, "mpi: %s: %s", what, text);
}

/* Waits for a message from src (or any) with tag (or any). */
static int wait_message(int src, int tag, MPI_Status *st, dusk_error *err)
{
    uint64_t t0 = 0;
    for (long spins = 0;; spins++) {
        int flag = 0;
        int mrc = MPI_Iprobe(src, tag, M.comm, &flag, st);
        if (mrc != MPI_SUCCESS)
            return mpi_fail(err, mrc, "waiting for a message");
        if (flag)
            return 0;
        /* Yield (a rank that yields stays runnable, and is back as soon as
         * a core is free) for the first YIELD_NS, then sleep between
         * polls: a sleeping rank on a busy machine wakes a time slice
         * late, which costs every task that much (70 ms a task with 2
         * cores under load 10), while an idle rank yielding forever takes
         * a core's worth of system calls from the ranks that compute. */
        if (spins % 64 == 0 && !t0)
            t0 = dusk_now_ns();
        if (!t0 || dusk_now_ns() - t0 < YIELD_NS) {
            sched_yield();
        } else {
            struct timespec ts = {0, 200 * 1000};
            nanosleep(&ts, NULL);
        }
    }
}

/* Receives the message st announced into a new buffer (dusk_malloc). */
static int recv_bytes(const MPI_Status *st, char **buf, int *n, dusk_error *err)
{
    MPI_Status st2;
    int mrc = MPI_Get_count(st, MPI_BYTE, n);
    if (mrc != MPI_SUCCESS || *n == MPI_UNDEFINED)
        return mpi_fail(err, mrc, "reading a message's size");
    if (!(*buf = dusk_malloc((size_t)*n + 1)))
        return dusk_error_set(err, DUSK_ENOMEM, "mpi: out of memory for a message of %d "
                              "bytes", *n);
    mrc = MPI_Recv(*buf, *n, MPI_BYTE, st->MPI_SOURCE, st->MPI_TAG, M.comm, &st2);
    if (mrc != MPI_SUCCESS) {
        dusk_free(*buf);
        *buf = NULL;
        return mpi_fail(err, mrc, "receiving a message");
    }
    if (st->MPI_TAG != TAG_END)
        M.received += (uint64_t)*n;
    return 0;
}

/* Sends an 8-byte head followed by len bytes as one message. */
static int send_bytes(int dest, int tag, int64_t head, const void *body, size_t len,
                      dusk_error *err)
{
    if (len > (size_t)INT_MAX - 8)
        return dusk_error_set(err, DUSK_EINVAL, "mpi: a message of %zu bytes is more than "
                              "one MPI message carries (2 GiB)", len);
    char *buf = dusk_malloc(len + 8);
    if (!buf)
        return dusk_error_set(err, DUSK_ENOMEM, "mpi: out of memory for a message of %zu "
                              "bytes", len);
    memcpy(buf, &head, 8);
    if (len)
        memcpy(buf + 8, body, len);
    int mrc = MPI_Send(buf, (int)(len + 8), MPI_BYTE, dest, tag, M.comm);
    dusk_free(buf);
    if (mrc == MPI_SUCCESS && tag != TAG_END)
        M.sent += (uint64_t)len + 8;
    return mrc == MPI_SUCCESS ? 0 : mpi_fail(err, mrc, "sending a message");
}

/* --- the transport ------------------------------------------------------------ */

static int t_schedules(void *ud)
{
    (void)ud;
    return M.rank == 0;
}

static int t_workers(void *ud)
{
    (void)ud;
    return M.size - 1;
}

static int t_send(void *ud, int w, int64_t t, const void *msg, size_t len, dusk_error *err)
{
    (void)ud;
    return send_bytes(w + 1, TAG_TASK, t, msg, len, err);
}

static int t_recv(void *ud, int *w, int64_t *t, void **out, size_t *len, dusk_error *err)
{
    (void)ud;
    MPI_Status st;
    char *buf = NULL;
    int n = 0, rc;
    *out = NULL;
    *len = 0;
    if ((rc = wait_message(MPI_ANY_SOURCE, TAG_OUT, &st, err)) != 0 ||
        (rc = recv_bytes(&st, &buf, &n, err)) != 0)
        return rc;
    if (n < 8) {
        dusk_free(buf);
        return dusk_error_set(err, DUSK_EINVAL, "mpi: rank %d sent an outcome of %d bytes",
                              st.MPI_SOURCE, n);
    }
    *w = st.MPI_SOURCE - 1;
    memcpy(t, buf, 8);
    /* The outcome follows the head: move it to the front of its buffer. */
    memmove(buf, buf + 8, (size_t)n - 8);
    *out = buf;
    *len = (size_t)n - 8;
    return 0;
}

static void t_end(void *ud, int rc, const dusk_error *rerr)
{
    (void)ud;
    const char *m = rc && rerr ? rerr->msg : "";
    dusk_error ignored;
    for (int k = 1; k < M.size; k++)
        send_bytes(k, TAG_END, rc, m, strlen(m), &ignored);
}

static int t_serve(void *ud, dusk_error *err)
{
    (void)ud;
    for (;;) {
        MPI_Status st;
        char *buf = NULL;
        int n = 0, rc;
        if ((rc = wait_message(0, MPI_ANY_TAG, &st, err)) != 0 ||
            (rc = recv_bytes(&st, &buf, &n, err)) != 0)
            return rc;
        int64_t head = 0;
        if (n < 8) {
            dusk_free(buf);
            return dusk_error_set(err, DUSK_EINVAL, "mpi: rank 0 sent a message of %d bytes",
                                  n);
        }
        memcpy(&head, buf, 8);
        if (st.MPI_TAG == TAG_END) {
            buf[n] = '\0';
            rc = (int)head;
            if (rc)
                dusk_error_set(err, rc, "%s", buf + 8);
            dusk_free(buf);
            return rc;
        }
        void *out = NULL;
        size_t olen = 0;
        dusk_error terr = DUSK_ERROR_INIT;
        dusk_task_run(buf + 8, (size_t)n - 8, &out, &olen, &terr);  /* olen 0: no memory */
        dusk_free(buf);
        rc = send_bytes(0, TAG_OUT, head, out, olen, err);
        dusk_free(out);
        if (rc)
            return rc;
    }
}

/* --- the public calls ----------------------------------------------------------- */

int dusk_mpi_init(int *argc, char ***argv, dusk_error *err)
{
    if (M.ready)
        return 0;
    int flag = 0, mrc;
    MPI_Initialized(&flag);
    if (!flag) {
        int provided = 0;
        if ((mrc = MPI_Init_thread(argc, argv, MPI_THREAD_SERIALIZED, &provided)) != MPI_SUCCESS)
            return mpi_fail(err, mrc, "MPI_Init_thread");
        M.started_mpi = 1;
    }
    if ((mrc = MPI_Comm_dup(MPI_COMM_WORLD, &M.comm)) != MPI_SUCCESS)
        return mpi_fail(err, mrc, "MPI_Comm_dup");
    /* Errors come back as codes, which dusk turns into messages. */
    MPI_Comm_set_errhandler(M.comm, MPI_ERRORS_RETURN);
    MPI_Comm_rank(M.comm, &M.rank);
    MPI_Comm_size(M.comm, &M.size);
    dusk_transport t = {
        .name = "mpi", .kind = DUSK_SCHED_MPI, .ud = NULL, .schedules = t_schedules,
        .workers = t_workers, .send = t_send, .recv = t_recv, .end = t_end, .serve = t_serve};
    int rc = dusk_transport_register(&t, err);
    if (rc) {
        MPI_Comm_free(&M.comm);
        return rc;
    }
    M.ready = 1;
    return 0;
}

void dusk_mpi_finalize(void)
{
    if (!M.ready)
        return;
    dusk_transport_unregister(DUSK_SCHED_MPI);
    MPI_Comm_free(&M.comm);
    if (M.started_mpi)
        MPI_Finalize();
    M.ready = M.started_mpi = 0;
    M.rank = 0;
    M.size = 1;
}

int dusk_mpi_rank(void) { return M.rank; }

int dusk_mpi_size(void) { return M.size; }

int dusk_mpi_worker_rank(int worker) { return M.size > 1 ? worker + 1 : 0; }

void dusk_mpi_traffic(uint64_t *sent, uint64_t *received)
{
    if (sent)
        *sent = M.sent;
    if (received)
        *received = M.received;
}

int dusk_mpi_barrier(dusk_error *err)
{
    if (!M.ready)
        return 0;
    int mrc = MPI_Barrier(M.comm);
    return mrc == MPI_SUCCESS ? 0 : mpi_fail(err, mrc, "MPI_Barrier");
}
