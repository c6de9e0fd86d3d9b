/*
** dusk — the MPI transport (libdusk-mpi): DUSK_SCHED_MPI over MPI ranks
**
** A dusk_transport (include/dusk/transport.h) on a duplicate of
** MPI_COMM_WORLD, so that dusk's messages never meet the program's own.
** Each message is one MPI message of bytes, an 8-byte head then a body:
**
**   TAG_TASK  rank 0 -> rank w+1   task id, the task message
**   TAG_OUT   rank w+1 -> rank 0   task id, dusk_task_run's outcome
**   TAG_DROP  rank 0 -> rank w+1   count n, n task ids whose results to drop
**   TAG_REQ   any -> holder        task id: send me its result
**   TAG_VAL   holder -> asker      task id, the result's encoding (empty:
**                                  not held there; '!' and a message: held,
**                                  but it cannot be sent)
**   TAG_END   rank 0 -> every rank the run's status, its message
**   TAG_FAIL  rank w+1 -> rank 0   task id, code, why: in place of the
**                                  task's outcome, this rank failed during
**                                  the run (it could not take the task or
**                                  send the outcome) and runs no more
**
** Rank 0 sends a worker a task only when that worker's previous outcome
** has come back, so the worker is in its serve loop, which receives
** anything; task, outcome and end messages are blocking sends. A worker
** waiting for an input it asked for keeps answering other ranks' asks,
** and drops, asks and answers go out as non-blocking sends (progressed in
** every wait, completed before a task runs and at the end), so two
** workers that ask each other for results never wait on each other.
** Waiting polls (MPI_Iprobe) and, after a while with nothing, sleeps
** between polls: 4 ranks share 2 cores here, and a rank spinning in
** MPI_Probe takes the core its worker needs.
**
** A worker whose serve loop fails during the run (no memory for a task
** message or an outcome) does not leave it: rank 0 waits for that task,
** and every message rank 0 sends it must be read in this run, not in the
** next. It answers the task with TAG_FAIL instead, then serves on (asks
** answered, no task run) until the end, and its call returns its reason.
** What it must read whatever happens is read without allocating: ends and
** asks are small, and a message with no memory for it is taken into the
** reserve (MPI cannot take part of a message); only one larger than that
** stays where it is.
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

enum { TAG_TASK = 1, TAG_OUT = 2, TAG_END = 3, TAG_DROP = 4, TAG_REQ = 5, TAG_VAL = 6,
       TAG_FAIL = 7 };

/* Room for a message that no memory could be found for (see the top). */
#define RESERVE (1 << 20)
static char reserve[RESERVE];

/* An end or a failure: an 8-byte head, a code and a message. */
typedef char small_msg[16 + DUSK_ERROR_MSG_MAX];

/* How long a waiting rank yields before it sleeps between polls. */
#define YIELD_NS (50ull * 1000 * 1000)

/* A non-blocking send under way: its buffer lives until it completes. */
typedef struct pending {
    MPI_Request req;
    char *buf;
} pending;

static struct {
    int ready;          /* dusk_mpi_init done */
    int started_mpi;    /* ... and it called MPI_Init_thread */
    int rank, size;
    MPI_Comm comm;
    uint64_t sent, received;   /* bytes of dusk's messages (dusk_mpi_traffic) */
    pending *pend;
    size_t npend, cappend;
} M = {0, 0, 0, 1, MPI_COMM_NULL, 0, 0, NULL, 0, 0};

static int mpi_fail(dusk_error *err, int mrc, const char *what)
{
    char text[MPI_MAX_ERROR_STRING];
    int n = 0;
    if (MPI_Error_string(mrc, text, &n) != MPI_SUCCESS)
        snprintf(text, sizeof text, "MPI error %d", mrc);
    return dusk_error_set(err, DUSK_ESYS, "mpi: %s: %s", what, text);
}

/* One more poll found nothing: yield (a rank that yields stays runnable,
 * and is back as soon as a core is free) for the first YIELD_NS, then
 * sleep between polls: a sleeping rank on a busy machine wakes a time
 * slice late, which costs every task that much (70 ms a task with 2 cores
 * under load 10), while an idle rank yielding forever takes a core's worth
 * of system calls from the ranks that compute. */
static void idle(long spins, uint64_t *t0)
{
    if (spins % 64 == 0 && !*t0)
        *t0 = dusk_now_ns();
    if (!*t0 || dusk_now_ns() - *t0 < YIELD_NS) {
        sched_yield();
    } else {
        struct timespec ts = {0, 200 * 1000};
        nanosleep(&ts, NULL);
    }
}

/* Completes what it can of the non-blocking sends. */
static int progress(dusk_error *err)
{
    size_t k = 0;
    for (size_t i = 0; i < M.npend; i++) {
        int done = 0;
        int mrc = MPI_Test(&M.pend[i].req, &done, MPI_STATUS_IGNORE);
        if (mrc != MPI_SUCCESS)
            return mpi_fail(err, mrc, "sending a message");
        if (done)
            dusk_free(M.pend[i].buf);
        else
            M.pend[k++] = M.pend[i];
    }
    M.npend = k;
    return 0;
}

/* Receives the message st announced into buf, size bytes (a message of
 * up to size bytes, as the sender keeps it so: *n its size). */
static int recv_into(const MPI_Status *st, char *buf, int size, int *n, dusk_error *err)
{
    MPI_Status st2;
    int mrc = MPI_Get_count(st, MPI_BYTE, n);
    if (mrc != MPI_SUCCESS || *n == MPI_UNDEFINED)
        return mpi_fail(err, mrc, "reading a message's size");
    if (*n > size)
        return dusk_error_set(err, DUSK_EINVAL, "mpi: rank %d sent a message of %d bytes "
                              "(tag %d), where at most %d were expected", st->MPI_SOURCE, *n,
                              st->MPI_TAG, size);
    mrc = MPI_Recv(buf, *n, MPI_BYTE, st->MPI_SOURCE, st->MPI_TAG, M.comm, &st2);
    if (mrc != MPI_SUCCESS)
        return mpi_fail(err, mrc, "receiving a message");
    if (st->MPI_TAG != TAG_END)
        M.received += (uint64_t)*n;
    return 0;
}

/* Receives the message st announced into a new buffer (dusk_malloc). With
 * no memory for it, it fails, having received the message into the
 * reserve all the same when it fits there (*taken 1; taken may be NULL
 * when the caller cannot lose it), so that it is not read later. */
static int recv_bytes(const MPI_Status *st, char **buf, int *n, int *taken, dusk_error *err)
{
    MPI_Status st2;
    if (taken)
        *taken = 0;
    int mrc = MPI_Get_count(st, MPI_BYTE, n);
    if (mrc != MPI_SUCCESS || *n == MPI_UNDEFINED)
        return mpi_fail(err, mrc, "reading a message's size");
    if (!(*buf = dusk_malloc((size_t)*n + 1))) {
        int k = 0;
        if (taken && *n <= RESERVE && recv_into(st, reserve, RESERVE, &k, err) == 0)
            *taken = 1;
        return dusk_error_set(err, DUSK_ENOMEM, "mpi: out of memory for a message of %d "
                              "bytes", *n);
    }
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

/* An 8-byte head followed by len bytes, in a new buffer (*out). */
static int message(int64_t head, const void *body, size_t len, char **out, dusk_error *err)
{
    *out = NULL;
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
    *out = buf;
    return 0;
}

/* Sends head and body as one message, blocking. */
static int send_bytes(int dest, int tag, int64_t head, const void *body, size_t len,
                      dusk_error *err)
{
    char *buf = NULL;
    int rc = message(head, body, len, &buf, err);
    if (rc)
        return rc;
    int mrc = MPI_Send(buf, (int)(len + 8), MPI_BYTE, dest, tag, M.comm);
    dusk_free(buf);
    if (mrc == MPI_SUCCESS && tag != TAG_END)
        M.sent += (uint64_t)len + 8;
    return mrc == MPI_SUCCESS ? 0 : mpi_fail(err, mrc, "sending a message");
}

/* The same without waiting: the send completes in a later progress(). */
static int post_bytes(int dest, int tag, int64_t head, const void *body, size_t len,
                      dusk_error *err)
{
    if (M.npend == M.cappend) {
        size_t cap = M.cappend ? 2 * M.cappend : 16;
        pending *p = dusk_realloc(M.pend, cap * sizeof *p);
        if (!p)
            return dusk_error_set(err, DUSK_ENOMEM, "mpi: out of memory for a message");
        M.pend = p;
        M.cappend = cap;
    }
    char *buf = NULL;
    int rc = message(head, body, len, &buf, err);
    if (rc)
        return rc;
    pending *p = &M.pend[M.npend];
    int mrc = MPI_Isend(buf, (int)(len + 8), MPI_BYTE, dest, tag, M.comm, &p->req);
    if (mrc != MPI_SUCCESS) {
        dusk_free(buf);
        return mpi_fail(err, mrc, "sending a message");
    }
    p->buf = buf;
    M.npend++;
    M.sent += (uint64_t)len + 8;
    return 0;
}

/* Answers the ask st announced: the result it names, or an empty answer
 * when this rank does not hold it. */
static int answer(const MPI_Status *st, dusk_error *err)
{
    char ask[8];
    int n = 0, rc = recv_into(st, ask, sizeof ask, &n, err);
    if (rc)
        return rc;
    int64_t t = -1;
    if (n >= 8)
        memcpy(&t, ask, 8);
    void *val = NULL;
    size_t len = 0;
    dusk_error why = DUSK_ERROR_INIT;
    int hrc = dusk_task_held_encode(t, &val, &len, &why);   /* not held: empty */
    if (hrc == 0 && len > (size_t)INT_MAX - 8) {
        dusk_error_set(&why, DUSK_EINVAL, "its encoding of %zu bytes is more than one MPI "
                       "message carries (2 GiB)", len);
        hrc = DUSK_EINVAL;
    }
    if (hrc && hrc != DUSK_ENOKEY) {
        /* The asker waits for an answer: it gets the reason (an encoding
         * never begins with '!'), and this rank serves on. */
        dusk_free(val);
        char text[sizeof why.msg + 1];
        int k = snprintf(text, sizeof text, "!%s", why.msg);
        val = NULL;
        rc = post_bytes(st->MPI_SOURCE, TAG_VAL, t, text, (size_t)k, &why);
    } else {
        rc = post_bytes(st->MPI_SOURCE, TAG_VAL, t, val, len, &why);
        dusk_free(val);
    }
    if (rc == 0)
        return 0;
    /* No memory to send it (or no room to keep the send): the asker still
     * gets an answer, the reason, sent at once from here (it waits for
     * it, so the send completes). */
    small_msg text;
    memcpy(text, &t, 8);
    int k = snprintf(text + 8, sizeof text - 8, "!%s", why.msg);
    if (k >= (int)sizeof text - 8)
        k = (int)sizeof text - 9;
    int mrc = MPI_Send(text, 8 + k, MPI_BYTE, st->MPI_SOURCE, TAG_VAL, M.comm);
    if (mrc != MPI_SUCCESS)
        return mpi_fail(err, mrc, "sending a message");
    M.sent += (uint64_t)k + 8;
    return 0;
}

/* Answers every ask waiting, progresses the sends; *got 1 when a message
 * with tag from src (or any) is waiting, its status in *st. One probe for
 * any message first: while a rank waits, that is all it finds (most polls
 * find nothing), and a second probe on every poll costs a task's latency. */
static int poll_once(int src, int tag, MPI_Status *st, int *got, dusk_error *err)
{
    int rc = progress(err), flag = 1;
    while (!rc) {
        int mrc = MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, M.comm, &flag, st);
        if (mrc != MPI_SUCCESS)
            return mpi_fail(err, mrc, "waiting for a message");
        if (!flag) {
            *got = 0;
            return 0;
        }
        if (st->MPI_TAG != TAG_REQ)
            break;
        rc = answer(st, err);
    }
    if (rc)
        return rc;
    if ((src == MPI_ANY_SOURCE || st->MPI_SOURCE == src) &&
        (tag == MPI_ANY_TAG || st->MPI_TAG == tag)) {
        *got = 1;
        return 0;
    }
    /* The first message waiting is not the one wanted (rank 0's next
     * drop while this rank waits for an input): asks, then the one. */
    for (flag = 1; flag && !rc;) {
        MPI_Status ast;
        int mrc = MPI_Iprobe(MPI_ANY_SOURCE, TAG_REQ, M.comm, &flag, &ast);
        if (mrc != MPI_SUCCESS)
            return mpi_fail(err, mrc, "waiting for a message");
        if (flag)
            rc = answer(&ast, err);
    }
    if (rc)
        return rc;
    int mrc = MPI_Iprobe(src, tag, M.comm, got, st);
    return mrc == MPI_SUCCESS ? 0 : mpi_fail(err, mrc, "waiting for a message");
}

/* Waits for a message from src (or any) with tag (or any, asks aside),
 * answering asks meanwhile. */
static int wait_message(int src, int tag, MPI_Status *st, dusk_error *err)
{
    uint64_t t0 = 0;
    for (long spins = 0;; spins++) {
        int got = 0, rc = poll_once(src, tag, st, &got, err);
        if (rc)
            return rc;
        if (got && st->MPI_TAG != TAG_REQ)
            return 0;
        if (!got)
            idle(spins, &t0);
    }
}

/* Waits until every non-blocking send has completed, answering asks. */
static int drain(dusk_error *err)
{
    uint64_t t0 = 0;
    for (long spins = 0; M.npend > 0; spins++) {
        MPI_Status st;
        int got = 0, rc = poll_once(MPI_ANY_SOURCE, TAG_REQ, &st, &got, err);
        if (rc)
            return rc;
        if (M.npend > 0)
            idle(spins, &t0);
    }
    return 0;
}

/* Brings task t's result from rank `from`, answering others meanwhile. */
static int fetch_from(int from, int64_t t, void **out, size_t *len, dusk_error *err)
{
    *out = NULL;
    *len = 0;
    if (from < 1 || from >= M.size)
        return dusk_error_set(err, DUSK_EINVAL, "mpi: task %lld's result is held by rank %d, "
                              "which is not a worker of this job", (long long)t, from);
    int rc = post_bytes(from, TAG_REQ, t, NULL, 0, err);
    MPI_Status st;
    char *buf = NULL;
    int n = 0;
    int taken = 0;
    if (rc || (rc = wait_message(from, TAG_VAL, &st, err)) != 0 ||
        (rc = recv_bytes(&st, &buf, &n, &taken, err)) != 0)
        return rc;   /* no memory for it: it went to the reserve (taken), or stays */
    int64_t head = -1;
    if (n >= 8)
        memcpy(&head, buf, 8);
    if (n > 9 && head == t && buf[8] == '!') {
        buf[n] = '\0';   /* recv_bytes leaves room for it */
        rc = dusk_error_set(err, DUSK_EINVAL, "mpi: rank %d holds it but cannot send it: %s",
                            from, buf + 9);
        dusk_free(buf);
        return rc;
    }
    if (n <= 8 || head != t) {
        dusk_free(buf);
        return dusk_error_set(err, DUSK_EINVAL, "mpi: rank %d does not hold task %lld's "
                              "result", from, (long long)t);
    }
    memmove(buf, buf + 8, (size_t)n - 8);
    *out = buf;
    *len = (size_t)n - 8;
    return 0;
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
    for (;;) {
        if ((rc = wait_message(MPI_ANY_SOURCE, MPI_ANY_TAG, &st, err)) != 0)
            return rc;
        if (st.MPI_TAG == TAG_OUT)
            break;
        if (st.MPI_TAG == TAG_FAIL) {
            /* in place of an outcome: task *t and its rank are lost */
            small_msg m;
            if ((rc = recv_into(&st, m, (int)sizeof m - 1, &n, err)) != 0)
                return rc;
            int64_t code = DUSK_ESYS;
            if (n >= 16)
                memcpy(&code, m + 8, 8);
            m[n >= 16 ? n : 0] = '\0';
            memcpy(t, m, 8);
            *w = st.MPI_SOURCE - 1;
            return dusk_error_set(err, code < 0 && code >= DUSK_ECANCELED ? (int)code : DUSK_ESYS,
                                  "mpi: rank %d failed during the run: %s", st.MPI_SOURCE,
                                  n >= 16 ? m + 16 : "(no reason given)");
        }
        /* Anything else (an answer no one waits for any more) is read and
         * dropped, so that it is not read as this run's. */
        int taken = 0;
        if ((rc = recv_bytes(&st, &buf, &n, &taken, err)) != 0 && !taken)
            return rc;
        dusk_free(buf);
        buf = NULL;
    }
    if ((rc = recv_bytes(&st, &buf, &n, NULL, err)) != 0)
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

static int t_fetch(void *ud, int w, int64_t t, void **out, size_t *len, dusk_error *err)
{
    (void)ud;
    return fetch_from(w + 1, t, out, len, err);
}

static int t_drop(void *ud, int w, const int64_t *ts, size_t n, dusk_error *err)
{
    (void)ud;
    return post_bytes(w + 1, TAG_DROP, (int64_t)n, ts, n * sizeof *ts, err);
}

static void t_end(void *ud, int rc, const dusk_error *rerr)
{
    (void)ud;
    const char *m = rc && rerr ? rerr->msg : "";
    dusk_error ignored;
    for (int k = 1; k < M.size; k++)
        send_bytes(k, TAG_END, rc, m, strlen(m), &ignored);
    drain(&ignored);   /* the drops, which every worker reads before the end */
}

/* A worker's fetch: from the rank of worker w. */
static int fetch_input(void *ud, int w, int64_t t, void **out, size_t *len, dusk_error *err)
{
    (void)ud;
    return fetch_from(w + 1, t, out, len, err);
}

/* This rank failed (rc, why): its call will return that, and each task it
 * is sent from now on (t, and the one it failed on) is answered with
 * TAG_FAIL, without allocating. */
static int send_fail(int64_t t, int rc, const dusk_error *why, dusk_error *err)
{
    small_msg m;
    int64_t code = rc;
    const char *r = why->msg;
    if (strncmp(r, "mpi: ", 5) == 0)
        r += 5;   /* rank 0 says "mpi: rank K failed during the run: " */
    memcpy(m, &t, 8);
    memcpy(m + 8, &code, 8);
    int k = snprintf(m + 16, sizeof m - 16, "%s", r);
    if (k >= (int)sizeof m - 16)
        k = (int)sizeof m - 17;
    int mrc = MPI_Send(m, 16 + k, MPI_BYTE, 0, TAG_FAIL, M.comm);
    return mrc == MPI_SUCCESS ? 0 : mpi_fail(err, mrc, "sending a message");
}

/* Sets *err to "mpi: doing: reason" (the reason of e) with e's code. */
static int failed_at(const char *doing, const dusk_error *e, dusk_error *err)
{
    const char *r = e->msg;
    if (strncmp(r, "mpi: ", 5) == 0)
        r += 5;
    return dusk_error_set(err, e->code ? e->code : DUSK_ESYS, "mpi: %s: %s", doing, r);
}

/* The serve loop. Once it has failed (rc, err) it serves on until the
 * end, running nothing (see the top); it leaves before the end only when
 * MPI itself fails it, or a message cannot be taken off the wire. */
static int t_serve(void *ud, dusk_error *err)
{
    (void)ud;
    int rc = 0;
    for (;;) {
        MPI_Status st;
        char *buf = NULL;
        int n = 0, taken = 0, mrc;
        dusk_error e = DUSK_ERROR_INIT;
        if ((mrc = wait_message(MPI_ANY_SOURCE, MPI_ANY_TAG, &st, &e)) != 0) {
            if (!rc)
                rc = failed_at("waiting for a message", &e, err);
            break;
        }
        if (st.MPI_TAG == TAG_END && st.MPI_SOURCE == 0) {
            small_msg m;
            int64_t head = DUSK_ESYS;
            if ((mrc = recv_into(&st, m, (int)sizeof m - 1, &n, &e)) != 0) {
                if (!rc)
                    rc = failed_at("receiving the end of the run", &e, err);
                break;
            }
            if (n >= 8)
                memcpy(&head, m, 8);
            m[n >= 8 ? n : 0] = '\0';
            if (!rc && (rc = (int)head) != 0)
                dusk_error_set(err, rc, "%s", n > 8 ? m + 8 : "");
            dusk_error ignored;
            drain(&ignored);
            dusk_task_held_clear();
            return rc;
        }
        if ((mrc = recv_bytes(&st, &buf, &n, &taken, &e)) != 0 && !taken) {
            if (!rc)
                rc = failed_at("receiving a message", &e, err);
            break;   /* it stays first in line: nothing more can be read */
        }
        const char *m = buf ? buf : reserve;
        int64_t head = 0;
        if (n >= 8)
            memcpy(&head, m, 8);
        if (n < 8 || st.MPI_SOURCE != 0 || (st.MPI_TAG != TAG_TASK && st.MPI_TAG != TAG_DROP)) {
            dusk_free(buf);
            if (!rc)
                rc = dusk_error_set(err, DUSK_EINVAL, "mpi: rank %d sent a message of %d bytes "
                                    "(tag %d) between tasks", st.MPI_SOURCE, n, st.MPI_TAG);
            continue;
        }
        if (st.MPI_TAG == TAG_DROP) {
            /* with no memory for it, the results stay until the end */
            for (int64_t i = 0; buf && i < head && 8 + 8 * (i + 1) <= n; i++) {
                int64_t t;
                memcpy(&t, buf + 8 + 8 * i, 8);
                dusk_task_held_drop(t);
            }
            dusk_free(buf);
            continue;
        }
        /* A task: what this rank sent others goes first, so that a large
         * answer is not left half-sent while the task computes. */
        if (!rc && mrc)
            rc = failed_at("receiving a task", &e, err);
        if (!rc && (mrc = drain(&e)) != 0)
            rc = failed_at("sending before a task", &e, err);
        if (rc) {
            dusk_free(buf);
            if ((mrc = send_fail(head, rc, err, &e)) != 0)
                break;
            continue;
        }
        void *out = NULL;
        size_t olen = 0;
        dusk_error terr = DUSK_ERROR_INIT;
        dusk_task_run(head, buf + 8, (size_t)n - 8, fetch_input, NULL, &out, &olen,
                      &terr);   /* olen 0: no memory */
        dusk_free(buf);
        mrc = send_bytes(0, TAG_OUT, head, out, olen, &e);
        dusk_free(out);
        if (mrc) {
            rc = failed_at("sending a task's outcome", &e, err);
            if (send_fail(head, rc, err, &e) != 0)
                break;
        }
    }
    dusk_task_held_clear();
    return rc;
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
        .workers = t_workers, .send = t_send, .recv = t_recv, .end = t_end, .serve = t_serve,
        .fetch = t_fetch, .drop = t_drop};
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
    dusk_error ignored;
    drain(&ignored);
    dusk_free(M.pend);
    M.pend = NULL;
    M.npend = M.cappend = 0;
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

int dusk_mpi_traffic_total(uint64_t *bytes, dusk_error *err)
{
    if (bytes)
        *bytes = M.sent;
    if (!M.ready)
        return 0;
    uint64_t all = 0;
    int mrc = MPI_Allreduce(&M.sent, &all, 1, MPI_UINT64_T, MPI_SUM, M.comm);
    if (mrc != MPI_SUCCESS)
        return mpi_fail(err, mrc, "MPI_Allreduce");
    if (bytes)
        *bytes = all;
    return 0;
}

int dusk_mpi_barrier(dusk_error *err)
{
    if (!M.ready)
        return 0;
    int mrc = MPI_Barrier(M.comm);
    return mrc == MPI_SUCCESS ? 0 : mpi_fail(err, mrc, "MPI_Barrier");
}
