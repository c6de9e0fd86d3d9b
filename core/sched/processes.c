/*
** dusk — the processes scheduler: tasks computed in forked worker processes
**
** The run stays in the caller's process (sched.h): one pthread per worker
** process drives the run protocol as threads.c's workers do — the same
** lock, the same condition variable, the same gated steps — but instead
** of computing a task it sends the task's message (its function's
** registered key and its argument values, encoded: core/encode.c) to its
** child and waits for the result. So every event, pretask and posttask
** happens in this process, from the thread that serves worker w, with w as
** the worker id, and every result is held here, where early release and
** the memory accounting work as for the other schedulers.
**
** The children are forked when the run starts, after the caller has
** registered its functions; each one loops: read a message, decode it,
** call the function by its key (dusk__task_call), encode the result or
** the error and send it back. Values travel over a Unix socket pair; one
** whose encoding is SHM_MIN bytes or more (an ndarray chunk, mostly) is
** encoded into a memfd that travels as a file descriptor (SCM_RIGHTS), and
** the receiver maps it and decodes arrays as views of the mapping: an
** array's elements are copied once, by memcpy, never element by element.
** A result that goes on to other tasks goes in the memfd it came in
** ("results passed on" below): a block made by one worker and read by
** another is copied once in all, by the worker that made it.
**
** Crash isolation: a child that dies (a signal, exit, _exit) closes its
** socket; its driver thread reaps it and either forks a new child and
** sends the task again (dusk_options.retries) or fails the task with
** "died: signal 11 (Segmentation fault)", which the run reports as "task
** 'x' (f) died: ...". Other workers finish the task they have, see the run
** failed and stop; fini closes every socket, so each child reads the end
** of its input and _exits, and reaps them all. A child also dies with its
** parent (PR_SET_PDEATHSIG), so none outlives a crashed caller.
**
** Forking while other threads of this process run copies their locks as
** they are; a child only mallocs (glibc's malloc is fork-safe; dusk's cache
** of big buffers gets a lock of its own in the child, dusk__big_after_fork)
** and looks its function up in the registry (whose lock it also gets anew,
** dusk__registry_after_fork, as any thread of the caller may be looking a
** name up); a respawn takes `forking` for writing while driver threads
** hold it for reading around the one call that takes the registry's lock
** (dusk__run_message). Sockets are made and
** children forked under one process-wide lock, and a child closes every
** pool's parent ends, so concurrent runs on other threads end apart.
** HDF5's lock (array/h5.c) is not reset: a child forked while another
** thread of the caller is inside libhdf5 would wait for it when it reads.
*/
#define _GNU_SOURCE   /* memfd_create */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dusk/alloc.h"
#include "dusk/encode.h"
#include "sched.h"

/* Encodings at least this long travel through shared memory: below it, the
 * memfd, its mapping on both sides and the descriptor passing cost more
 * than copying the bytes through the socket (about 20 µs against 5 µs per
 * 64 KiB here). */
enum { SHM_MIN = 64 * 1024 };

/* What precedes every message on a socket. MSG_PARTS: a task's message
 * whose large arguments are results this process got in memfds, passed on
 * as those very memfds (see "passed on" below); the bytes that follow say
 * which items they are, then encode the rest of the message. */
enum { MSG_VALUE = 1, MSG_SHM = 2, MSG_ERROR = 3, MSG_PARTS = 4 };

/* The memfds one message carries at most (MSG_PARTS), and the ones this
 * process keeps open for results it may pass on (or an eighth of the
 * descriptors it may open, if fewer): each costs a descriptor while its
 * result is held, and a program's other files need theirs. */
enum { FWD_MAX = 16, KEEP_MAX = 128 };
typedef struct frame {
    uint32_t kind;               /* MSG_...: the bytes that follow are an
                                    encoding, nothing (the encoding is in the
                                    memfd passed with the frame), or an
                                    error's message */
    int32_t status;              /* MSG_ERROR's code */
    uint64_t len;                /* bytes that follow, or the memfd's */
} frame;

typedef struct child {
    pid_t pid;                   /* -1: none (not started, or reaped) */
    int fd;                      /* this process's end of its socket, or -1 */
    int respawned;               /* forked by its driver thread (exchange) */
} child;

typedef struct pool {
    pthread_cond_t cv;           /* waiting for a ready task or the end */
    pthread_rwlock_t forking;    /* see the top */
    pthread_t *threads;
    child *kids;                 /* one per worker */
    const dusk_func *here;       /* array stores' function, run in this process */
    int retries;
    int mu_init, cv_init, rw_init;
} pool;

/* --- this process's ends of every pool's sockets -------------------------- */

/* A child forked by any run (another thread's included) must close them
 * all: one that kept another pool's end open would hide that pool's end of
 * input from its children, and its driver would wait in waitpid until this
 * child's own run ended. Sockets are made, registered and closed, and
 * children forked, under spawn_mu, so no fork sees an end it cannot close. */
enum { MAX_PARENT_FDS = 4096 };
static pthread_mutex_t spawn_mu = PTHREAD_MUTEX_INITIALIZER;
static int parent_fds[MAX_PARENT_FDS];
static size_t nparent_fds;

/* Closes a parent end and forgets it. */
static void parent_fd_close(int fd)
{
    pthread_mutex_lock(&spawn_mu);
    for (size_t i = 0; i < nparent_fds; i++)
        if (parent_fds[i] == fd) {
            parent_fds[i] = parent_fds[--nparent_fds];
            break;
        }
    close(fd);
    pthread_mutex_unlock(&spawn_mu);
}

/* --- the worker processes alive, for memory samplers --------------------- */

/* Every worker process of every processes run going on, so that a sampler
 * (the profiler's) can add their RSS to this process's. */
static pthread_mutex_t alive_mu = PTHREAD_MUTEX_INITIALIZER;
static int *alive;
static size_t nalive, alive_cap;

static void alive_add(pid_t pid)
{
    pthread_mutex_lock(&alive_mu);
    if (nalive == alive_cap) {
        size_t cap = alive_cap ? 2 * alive_cap : 16;
        int *a = dusk_realloc(alive, cap * sizeof *a);
        if (a) {
            alive = a;
            alive_cap = cap;
        }
    }
    if (nalive < alive_cap)   /* else the sampler misses one: memory is short */
        alive[nalive++] = (int)pid;
    pthread_mutex_unlock(&alive_mu);
}

static void alive_remove(pid_t pid)
{
    pthread_mutex_lock(&alive_mu);
    for (size_t i = 0; i < nalive; i++)
        if (alive[i] == (int)pid) {
            alive[i] = alive[--nalive];
            break;
        }
    if (nalive == 0) {
        /* none left: nothing stays allocated between runs */
        dusk_free(alive);
        alive = NULL;
        alive_cap = 0;
    }
    pthread_mutex_unlock(&alive_mu);
}

size_t dusk_sched_worker_pids(int *pids, size_t n)
{
    pthread_mutex_lock(&alive_mu);
    size_t all = nalive;
    for (size_t i = 0; pids && i < n && i < all; i++)
        pids[i] = alive[i];
    pthread_mutex_unlock(&alive_mu);
    return all;
}

/* --- messages on a socket (both sides) ----------------------------------- */

/* Sends a frame and its payload (buf, n bytes; may be NULL) and, when
 * shmfd >= 0, that descriptor with it. MSG_NOSIGNAL: a dead peer is an
 * error here, not a SIGPIPE for the whole process. */
static int send_frame_fds(int fd, uint32_t kind, int32_t status, const void *buf, size_t n,
                          uint64_t len, const int *fds, size_t nfds)
{
    frame h = {kind, status, len};
    struct iovec iov[2] = {{&h, sizeof h}, {(void *)buf, n}};
    struct msghdr m = {0};
    m.msg_iov = iov;
    m.msg_iovlen = buf && n ? 2 : 1;
    union {
        char b[CMSG_SPACE(FWD_MAX * sizeof(int))];
        struct cmsghdr align;
    } c;
    if (nfds > 0) {
        memset(&c, 0, sizeof c);
        m.msg_control = c.b;
        m.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
        struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(nfds * sizeof(int));
        memcpy(CMSG_DATA(cm), fds, nfds * sizeof(int));
    }
    size_t total = sizeof h + (m.msg_iovlen == 2 ? n : 0);
    ssize_t s;
    while ((s = sendmsg(fd, &m, MSG_NOSIGNAL)) < 0 && errno == EINTR)
        ;
    if (s < 0)
        return -1;
    /* The socket took part of it: the rest as plain bytes (the descriptor
     * went with the first). */
    size_t sent = (size_t)s;
    while (sent < total) {
        const char *p;
        size_t left;
        if (sent < sizeof h) {
            p = (const char *)&h + sent;
            left = sizeof h - sent;
        } else {
            p = (const char *)buf + (sent - sizeof h);
            left = total - sent;
        }
        while ((s = send(fd, p, left, MSG_NOSIGNAL)) < 0 && errno == EINTR)
            ;
        if (s <= 0)
            return -1;
        sent += (size_t)s;
    }
    return 0;
}

/* A frame with one descriptor (shmfd >= 0) or none. */
static int send_frame(int fd, uint32_t kind, int32_t status, const void *buf, size_t n,
                      uint64_t len, int shmfd)
{
    return send_frame_fds(fd, kind, status, buf, n, len, &shmfd, shmfd >= 0);
}

/* Reads exactly n bytes: 1, 0 at the end of the input (the peer is gone),
 * -1 on an error. */
static int recv_all(int fd, void *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t s = recv(fd, (char *)buf + got, n - got, MSG_WAITALL);
        if (s < 0 && errno == EINTR)
            continue;
        if (s < 0)
            return -1;
        if (s == 0)
            return 0;
        got += (size_t)s;
    }
    return 1;
}

/* What one read takes beyond a frame: a small message's payload arrives with
 * its frame, in the same read (one system call a message, not two). */
enum { PRE_CAP = 4096 };

/* The descriptors that came with a frame: -1 as none. */
typedef struct fdset {
    int fd[FWD_MAX];
    size_t n;
} fdset;

static void fdset_close(fdset *f)
{
    for (size_t i = 0; i < f->n; i++)
        if (f->fd[i] >= 0)
            close(f->fd[i]);
    f->n = 0;
}

/* Reads a frame, the descriptors that came with it into *fds, and into
 * pre the first *npre bytes of its payload that arrived with it (never
 * more than the payload: one message is in flight at a time): 1, 0 at the
 * end of the input, -1 on an error. */
static int recv_frame(int fd, frame *h, fdset *fds, char *pre, size_t *npre)
{
    fds->n = 0;
    *npre = 0;
    struct iovec iov[2] = {{h, sizeof *h}, {pre, PRE_CAP}};
    union {
        char b[CMSG_SPACE(FWD_MAX * sizeof(int))];
        struct cmsghdr align;
    } c;
    struct msghdr m = {0};
    m.msg_iov = iov;
    m.msg_iovlen = 2;
    m.msg_control = c.b;
    m.msg_controllen = sizeof c.b;
    ssize_t s;
    while ((s = recvmsg(fd, &m, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
        ;
    if (s <= 0)
        return s == 0 ? 0 : -1;
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm))
        if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
            size_t k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (size_t i = 0; i < k; i++) {
                int d;
                memcpy(&d, CMSG_DATA(cm) + i * sizeof(int), sizeof d);
                if (fds->n < FWD_MAX)
                    fds->fd[fds->n++] = d;
                else
                    close(d);
            }
        }
    if ((size_t)s < sizeof *h) {
        int rc = recv_all(fd, (char *)h + s, sizeof *h - (size_t)s);
        if (rc <= 0) {
            fdset_close(fds);
            return rc;
        }
    } else {
        *npre = (size_t)s - sizeof *h;
    }
    return 1;
}

/* --- results passed on ------------------------------------------------------
 *
 * A large result comes from a child in a memfd that nothing writes again:
 * the child wrote it and closed its end, and every receiver maps it
 * private (a task that writes into its input copies the pages it writes).
 * So when this process sends that result on as another task's argument,
 * it passes the same memfd instead of encoding the array again into a new
 * one (a copy of the whole array and a fresh memfd's page faults, a
 * quarter of a processes run's time on the lecture's job). This process
 * keeps the memfd open while the result lives (up to KEEP_MAX of them),
 * with what the array was when it came: a value is passed on only if it
 * is that array (its elements where they came, its dtype and shape, C
 * contiguous), which the memfd then encodes exactly. Only the scheduling
 * process does this: a child runs tasks, which may write into their
 * inputs' private pages. */

/* A mapping that decoded arrays view: unmapped with the last of them. */
typedef struct mapping {
    void *p;
    size_t n;
    int fd;                      /* kept open to pass on, or -1 */
    const void *data;            /* the array it holds, as it came */
    dusk_dtype dtype;
    int ndim;
    int64_t shape[DUSK_MAXDIMS];
    struct mapping *prev, *next; /* in kept, while fd >= 0 */
} mapping;

static pthread_mutex_t kept_mu = PTHREAD_MUTEX_INITIALIZER;
static mapping *kept;
static int nkept;

static void mapping_free(void *ud)
{
    mapping *mp = ud;
    if (mp->fd >= 0) {
        pthread_mutex_lock(&kept_mu);
        if (mp->prev)
            mp->prev->next = mp->next;
        else
            kept = mp->next;
        if (mp->next)
            mp->next->prev = mp->prev;
        nkept--;
        pthread_mutex_unlock(&kept_mu);
        close(mp->fd);
    }
    munmap(mp->p, mp->n);
    dusk_free(mp);
}

/* Keeps shmfd with mp, whose mapping decoded into v, when v is an array
 * that can be passed on: 1 when kept (mp owns shmfd), 0 when not. */
static int mapping_keep(mapping *mp, int shmfd, const dusk_value *v)
{
    if (dusk_value_kind(v) != DUSK_KIND_NDARRAY || !dusk_ndarray_is_contiguous(v))
        return 0;
    const char *d = dusk_ndarray_data(v);
    if (!d || d < (const char *)mp->p || d >= (const char *)mp->p + mp->n)
        return 0;   /* copied, not viewed (misaligned for its dtype, say) */
    int ndim = dusk_ndarray_ndim(v);
    pthread_mutex_lock(&kept_mu);
    static int most = -1;   /* KEEP_MAX, or an eighth of the descriptors allowed */
    if (most < 0) {
        struct rlimit rl;
        most = KEEP_MAX;
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
            rl.rlim_cur / 8 < (rlim_t)most)
            most = (int)(rl.rlim_cur / 8);
    }
    int ok = nkept < most;
    if (ok) {
        mp->fd = shmfd;
        mp->data = d;
        mp->dtype = dusk_ndarray_dtype(v);
        mp->ndim = ndim;
        memcpy(mp->shape, dusk_ndarray_shape(v), (size_t)ndim * sizeof *mp->shape);
        mp->prev = NULL;
        mp->next = kept;
        if (kept)
            kept->prev = mp;
        kept = mp;
        nkept++;
    }
    pthread_mutex_unlock(&kept_mu);
    return ok;
}

/* The memfd that encodes v exactly, if this process kept one, or -1. It
 * stays open while v lives: v's elements are in its mapping, which v's
 * views keep. */
static int kept_fd(const dusk_value *v)
{
    if (dusk_value_kind(v) != DUSK_KIND_NDARRAY || !dusk_ndarray_is_contiguous(v))
        return -1;
    const void *d = dusk_ndarray_data(v);
    int ndim = dusk_ndarray_ndim(v);
    const int64_t *shape = dusk_ndarray_shape(v);
    int fd = -1;
    pthread_mutex_lock(&kept_mu);
    for (mapping *mp = kept; mp; mp = mp->next)
        if (mp->data == d) {
            if (mp->dtype == dusk_ndarray_dtype(v) && mp->ndim == ndim &&
                memcmp(mp->shape, shape, (size_t)ndim * sizeof *shape) == 0)
                fd = mp->fd;
            break;
        }
    pthread_mutex_unlock(&kept_mu);
    return fd;
}

/* Maps the memfd shmfd (len bytes) and decodes its value, arrays as views
 * of the mapping; keep: the scheduling process's side, which keeps shmfd
 * to pass the value on. Closes shmfd unless kept. */
static int map_value(int shmfd, uint64_t len, int keep, dusk_value **out, dusk_error *err)
{
    *out = NULL;
    if (len == 0 || len > (uint64_t)SIZE_MAX) {
        close(shmfd);
        return dusk_error_set(err, DUSK_EINVAL, "a shared-memory message of %llu bytes",
                              (unsigned long long)len);
    }
    mapping *mp = dusk_malloc(sizeof *mp);
    /* Populated read-only, so the pages stay the memfd's (populating a
     * writable private mapping copies every page at once); writable
     * afterwards, so a task that writes into its input copies only the
     * pages it writes. */
    void *p = mp ? mmap(NULL, (size_t)len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, shmfd, 0)
                 : MAP_FAILED;
    if (p != MAP_FAILED && mprotect(p, (size_t)len, PROT_READ | PROT_WRITE) != 0) {
        munmap(p, (size_t)len);
        p = MAP_FAILED;
    }
    int e = errno;
    if (p == MAP_FAILED) {
        close(shmfd);
        dusk_free(mp);
        return dusk_error_set(err, DUSK_ENOMEM, "cannot map %llu bytes of shared memory: %s",
                              (unsigned long long)len, mp ? strerror(e) : "out of memory");
    }
    *mp = (mapping){.p = p, .n = (size_t)len, .fd = -1};
    dusk_value *owner = dusk_opaque(mp, mapping_free, 0);
    if (!owner) {
        close(shmfd);
        mapping_free(mp);
        return dusk_error_set(err, DUSK_ENOMEM, "out of memory for a shared value");
    }
    int rc = dusk_value_decode_view(p, (size_t)len, owner, out, NULL, err);
    if (!(rc == 0 && keep && mapping_keep(mp, shmfd, *out)))
        close(shmfd);
    dusk_value_unref(owner);
    return rc;
}

/* Sends v, encoded: through the socket, or through a memfd when large.
 * what says whose value it is, for the message when it cannot travel.
 * Returns 0; a code with err set when v cannot be encoded or memory runs
 * out; DUSK_ESYS when the socket is broken (the peer died). */
static int send_value(int fd, const dusk_value *v, const char *what, dusk_error *err)
{
    size_t n = dusk_value_encoded_size(v);
    if (n == 0) {
        dusk_error e = DUSK_ERROR_INIT;
        void *b = NULL;
        size_t len;
        int rc = dusk_value_encode(v, &b, &len, &e);
        dusk_free(b);
        return dusk_error_set(err, rc ? rc : DUSK_EINVAL, "%s cannot travel between processes: %s",
                              what, e.msg);
    }
    if (n < SHM_MIN) {
        void *b;
        size_t len;
        int rc = dusk_value_encode(v, &b, &len, err);
        if (rc)
            return rc;
        rc = send_frame(fd, MSG_VALUE, 0, b, len, len, -1);
        dusk_free(b);
        return rc ? dusk_error_set(err, DUSK_ESYS, "the worker process's socket: %s",
                                   strerror(errno))
                  : 0;
    }
    int mfd = memfd_create("dusk-value", MFD_CLOEXEC);
    if (mfd < 0)
        return dusk_error_set(err, DUSK_ENOMEM, "no shared memory for %zu bytes of %s: %s", n,
                              what, strerror(errno));
    void *p = MAP_FAILED;
    if (ftruncate(mfd, (off_t)n) == 0)
        p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, mfd, 0);
    if (p == MAP_FAILED) {
        int e = errno;
        close(mfd);
        return dusk_error_set(err, DUSK_ENOMEM, "no shared memory for %zu bytes of %s: %s", n,
                              what, strerror(e));
    }
    int rc = dusk_value_encode_to(v, p, n, NULL, err);
    munmap(p, n);
    if (rc == 0 && send_frame(fd, MSG_SHM, 0, NULL, 0, n, mfd) != 0)
        rc = dusk_error_set(err, DUSK_ESYS, "the worker process's socket: %s", strerror(errno));
    close(mfd);
    return rc;
}

/* Sends a task's message (a tuple: the function's key, then the
 * arguments): its arguments that are results kept in memfds go as those
 * memfds (MSG_PARTS: a count, the items' indices as 32-bit numbers, then
 * the encoding of the rest with None in their places); otherwise, or when
 * the rest is large itself, as send_value. */
static int send_message(int fd, const dusk_value *msg, const char *what, dusk_error *err)
{
    size_t n = dusk_tuple_len(msg);
    int fds[FWD_MAX];
    uint32_t at[FWD_MAX];
    size_t m = 0;
    for (size_t i = 1; i < n && m < FWD_MAX; i++) {
        int k = kept_fd(dusk_tuple_get(msg, i));
        if (k >= 0) {
            fds[m] = k;
            at[m++] = (uint32_t)i;
        }
    }
    if (m == 0 || n > UINT32_MAX)
        return send_value(fd, msg, what, err);
    dusk_value *rest = dusk_tuple_new(n);
    if (!rest)
        return dusk_error_set(err, DUSK_ENOMEM, "out of memory for %s", what);
    for (size_t i = 0, j = 0; i < n; i++) {
        if (j < m && at[j] == i)
            j++;   /* None */
        else
            dusk_tuple_set(rest, i, dusk_value_ref(dusk_tuple_get(msg, i)));
    }
    size_t head = 4 + 4 * m, len = dusk_value_encoded_size(rest);
    int rc;
    if (len == 0 || len >= SHM_MIN) {
        rc = send_value(fd, msg, what, err);   /* refused as it would be, or large */
    } else {
        char *b = dusk_malloc(head + len);
        rc = b ? dusk_value_encode_to(rest, b + head, len, NULL, err)
               : dusk_error_set(err, DUSK_ENOMEM, "out of memory for %s", what);
        if (rc == 0) {
            uint32_t c = (uint32_t)m;
            memcpy(b, &c, 4);
            memcpy(b + 4, at, 4 * m);
            if (send_frame_fds(fd, MSG_PARTS, 0, b, head + len, head + len, fds, m) != 0)
                rc = dusk_error_set(err, DUSK_ESYS, "the worker process's socket: %s",
                                    strerror(errno));
        }
        dusk_free(b);
    }
    dusk_value_unref(rest);
    return rc;
}

/* MSG_PARTS' payload b (len bytes) with its descriptors: the message, each
 * memfd's value put back at its index. Closes every descriptor. */
static int parts_value(const char *b, size_t len, fdset *fds, dusk_value **out, dusk_error *err)
{
    *out = NULL;
    uint32_t m = 0;
    if (len >= 4)
        memcpy(&m, b, 4);
    if (len < 4 || m == 0 || m > FWD_MAX || len < 4 + 4 * (size_t)m || m != fds->n) {
        fdset_close(fds);
        return dusk_error_set(err, DUSK_EINVAL, "a message of parts with %u parts and %zu "
                              "descriptors", m, fds->n);
    }
    uint32_t at[FWD_MAX];
    memcpy(at, b + 4, 4 * (size_t)m);
    dusk_value *msg = NULL;
    int rc = dusk_value_decode(b + 4 + 4 * (size_t)m, len - 4 - 4 * (size_t)m, &msg, NULL, err);
    for (uint32_t j = 0; rc == 0 && j < m; j++)
        if (dusk_value_kind(msg) != DUSK_KIND_TUPLE || at[j] == 0 ||
            at[j] >= dusk_tuple_len(msg) || (j && at[j] <= at[j - 1]))
            rc = dusk_error_set(err, DUSK_EINVAL, "a message of parts whose part %u is at %u",
                                j, at[j]);
    for (uint32_t j = 0; j < m; j++) {
        int d = fds->fd[j];
        fds->fd[j] = -1;
        if (rc) {
            close(d);
            continue;
        }
        struct stat st;
        if (fstat(d, &st) != 0 || st.st_size <= 0) {
            close(d);
            rc = dusk_error_set(err, DUSK_EINVAL, "a message's part %u has no shared memory", j);
            continue;
        }
        dusk_value *item;
        rc = map_value(d, (uint64_t)st.st_size, 0, &item, err);
        if (rc == 0)
            dusk_tuple_set(msg, at[j], item);
    }
    fds->n = 0;
    if (rc) {
        dusk_value_unref(msg);
        return rc;
    }
    *out = msg;
    return 0;
}

/* Reads the payload of frame h (a value, or an error's message into err
 * with its code): 0 and *out, the message's code, or DUSK_ESYS when the
 * socket is broken. keep: the scheduling process's side (see "passed
 * on"). Closes or takes over every descriptor in fds. */
static int recv_payload(int fd, const frame *h, fdset *fds, const char *pre, size_t npre,
                        int keep, dusk_value **out, dusk_error *err)
{
    *out = NULL;
    if (h->kind == MSG_SHM) {
        if (fds->n != 1) {
            fdset_close(fds);
            return dusk_error_set(err, DUSK_ESYS, "a shared-memory message came with %zu "
                                  "descriptors", fds->n);
        }
        fds->n = 0;
        return map_value(fds->fd[0], h->len, keep, out, err);
    }
    if (h->kind != MSG_PARTS)
        fdset_close(fds);
    if (h->len > (uint64_t)SIZE_MAX - 1) {
        fdset_close(fds);
        return dusk_error_set(err, DUSK_EINVAL, "a message of %llu bytes", (unsigned long long)h->len);
    }
    if (npre > h->len) {
        fdset_close(fds);
        return dusk_error_set(err, DUSK_EINVAL, "a message longer than its frame says");
    }
    /* Whole in pre (and room for the NUL an error's text gets): no copy. */
    char small[PRE_CAP + 1];
    char *b = h->len < sizeof small ? small : dusk_malloc((size_t)h->len + 1);
    if (!b) {
        fdset_close(fds);
        return dusk_error_set(err, DUSK_ENOMEM, "out of memory for a message of %llu bytes",
                              (unsigned long long)h->len);
    }
    memcpy(b, pre, npre);
    int got = npre == h->len ? 1 : recv_all(fd, b + npre, (size_t)h->len - npre);
    if (got <= 0) {
        if (b != small)
            dusk_free(b);
        fdset_close(fds);
        return dusk_error_set(err, DUSK_ESYS, "the worker process's socket closed mid-message");
    }
    int rc;
    if (h->kind == MSG_ERROR) {
        b[h->len] = '\0';
        rc = h->status < 0 ? h->status : DUSK_ETASK;
        if (b[0])
            dusk_error_set(err, rc, "%s", b);
        else
            dusk_error_set(err, rc, NULL);
    } else if (h->kind == MSG_VALUE) {
        rc = dusk_value_decode(b, (size_t)h->len, out, NULL, err);
    } else if (h->kind == MSG_PARTS) {
        rc = parts_value(b, (size_t)h->len, fds, out, err);
    } else {
        rc = dusk_error_set(err, DUSK_EINVAL, "a message of unknown kind %u", h->kind);
    }
    if (b != small)
        dusk_free(b);
    return rc;
}

/* --- a child ----------------------------------------------------------------- */

static _Noreturn void child_main(int fd, pid_t parent)
{
    /* The parent's handlers (a test harness's, say) mean nothing here: a
     * crash must kill this process, for the parent to see the signal. */
    static const int fatal[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS,
                                SIGINT, SIGTERM, SIGPIPE, SIGCHLD};
    for (size_t i = 0; i < sizeof fatal / sizeof *fatal; i++)
        signal(fatal[i], SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    pthread_sigmask(SIG_SETMASK, &none, NULL);
    /* (Strictly: when the thread that forked it ends. A restarted worker's
     * is its driver thread, which ends it first: driver_main.) */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(0);   /* the parent died before PDEATHSIG was set */
    /* A test's failure injection counts the allocations of the process
     * that armed it: they are this process's (the run's) only. */
    dusk_alloc_fail_after(-1);
    for (;;) {
        frame h;
        fdset fds;
        char pre[PRE_CAP];
        size_t npre;
        if (recv_frame(fd, &h, &fds, pre, &npre) <= 0) {
            fflush(NULL);   /* what the tasks printed (stdout to a file or a pipe) */
            _exit(0);       /* the run is over (or the parent is gone) */
        }
        dusk_error err = DUSK_ERROR_INIT;
        dusk_value *msg = NULL, *out = NULL;
        int rc = recv_payload(fd, &h, &fds, pre, npre, 0, &msg, &err);
        if (rc == DUSK_ESYS) {
            fflush(NULL);
            _exit(0);
        }
        if (rc == 0)
            rc = dusk__task_call(msg, &out, &err);
        dusk_value_unref(msg);
        if (rc == 0) {
            rc = send_value(fd, out, "its result", &err);
            dusk_value_unref(out);
            if (rc == DUSK_ESYS) {
                fflush(NULL);
                _exit(0);
            }
        }
        if (rc && send_frame(fd, MSG_ERROR, rc, err.msg, strlen(err.msg), strlen(err.msg), -1)) {
            fflush(NULL);
            _exit(0);
        }
    }
}

/* Forks worker i's child. Called with `forking` held for writing, or
 * before any driver thread runs. */
static int spawn(pool *pl, int i, dusk_error *err)
{
    int sv[2];
    pthread_mutex_lock(&spawn_mu);
    if (nparent_fds == MAX_PARENT_FDS) {
        pthread_mutex_unlock(&spawn_mu);
        return dusk_error_set(err, DUSK_ESYS, "cannot start worker process %d: %d worker "
                              "processes are running in this process already", i,
                              MAX_PARENT_FDS);
    }
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        int e = errno;
        pthread_mutex_unlock(&spawn_mu);
        return dusk_error_set(err, DUSK_ESYS, "cannot make a socket for worker process %d: %s",
                              i, strerror(e));
    }
    /* A program that closed stdin, stdout or stderr gets those numbers
     * back here: a task's printf (or the program's) would then write into
     * the socket, in the middle of the messages. Each end moves above 2. */
    for (int s = 0; s < 2; s++)
        if (sv[s] <= 2) {
            int moved = fcntl(sv[s], F_DUPFD_CLOEXEC, 3);
            if (moved < 0) {
                int e = errno;
                close(sv[0]);
                close(sv[1]);
                pthread_mutex_unlock(&spawn_mu);
                return dusk_error_set(err, DUSK_ESYS, "cannot make a socket for worker "
                                      "process %d: %s", i, strerror(e));
            }
            close(sv[s]);
            sv[s] = moved;
        }
    fflush(NULL);   /* or the child would write this process's buffered output again */
    pid_t parent = getpid(), pid = fork();
    if (pid < 0) {
        int e = errno;
        close(sv[0]);
        close(sv[1]);
        pthread_mutex_unlock(&spawn_mu);
        return dusk_error_set(err, DUSK_ESYS, "cannot fork worker process %d: %s", i,
                              strerror(e));
    }
    if (pid == 0) {
        /* This process's ends of every pool's sockets (this pool's other
         * workers' among them): a child that kept one would hide that
         * worker's death, or its run's end, from its driver. */
        for (size_t k = 0; k < nparent_fds; k++)
            close(parent_fds[k]);
        close(sv[0]);
        /* A task here may start a processes run of its own: it needs
         * spawn_mu (held by this thread at the fork, and never unlocked
         * in this process), alive_mu (maybe held by another thread of the
         * parent) and lists that are this process's, not the parent's
         * (numbers closed above may name its own descriptors later). */
        pthread_mutex_init(&spawn_mu, NULL);
        nparent_fds = 0;
        pthread_mutex_init(&alive_mu, NULL);
        alive = NULL;   /* the parent's list: this process's memory to lose */
        nalive = alive_cap = 0;
        dusk__big_after_fork();
        dusk__registry_after_fork();
        child_main(sv[1], parent);
    }
    parent_fds[nparent_fds++] = sv[0];
    close(sv[1]);
    pthread_mutex_unlock(&spawn_mu);
    pl->kids[i] = (child){pid, sv[0], 0};
    alive_add(pid);
    return 0;
}

/* Closes worker i's socket and reaps its child: *status gets its wait
 * status, -1 if there was no child, -2 if it was reaped elsewhere. */
static void reap(child *k, int *status)
{
    int st = -1;
    if (k->fd >= 0) {
        parent_fd_close(k->fd);
        k->fd = -1;
    }
    if (k->pid > 0) {
        pid_t got;
        while ((got = waitpid(k->pid, &st, 0)) < 0 && errno == EINTR)
            ;
        if (got < 0)
            st = -2;   /* ECHILD: SIGCHLD ignored, or the program's handler waited */
        alive_remove(k->pid);
        k->pid = -1;
    }
    if (status)
        *status = st;
}

/* How a child ended, as the run's message says it. */
static void describe_death(int st, dusk_error *terr)
{
    if (st >= 0 && WIFSIGNALED(st))
        dusk_error_set(terr, DUSK_ETASK, "died: signal %d (%s)", WTERMSIG(st),
                       strsignal(WTERMSIG(st)));
    else if (st >= 0 && WIFEXITED(st))
        dusk_error_set(terr, DUSK_ETASK, "died: its worker process exited with status %d",
                       WEXITSTATUS(st));
    else if (st == -2)
        dusk_error_set(terr, DUSK_ETASK, "died: its worker process ended, and how is unknown: "
                       "this program ignores SIGCHLD or waits for its children itself, which "
                       "took the exit status");
    else
        dusk_error_set(terr, DUSK_ETASK, "died: its worker process is gone");
}

/* --- the scheduling side -------------------------------------------------------- */

/* Task t on worker w's child: sends msg, waits for the outcome; restarts a
 * child that died and sends it again, up to pl->retries times. A child
 * found dead before it had the whole message (killed while it waited
 * between tasks, say) never ran the task: it is restarted once for the
 * task without counting as a retry, so that the task is not blamed. */
static int exchange(dusk__run *r, dusk__worker *w, const dusk_value *msg, dusk_value **out,
                    dusk_error *terr)
{
    pool *pl = r->backend;
    child *k = &pl->kids[w->id];
    int unsent = 0;   /* the restarts for a child dead before the message */
    for (int attempt = 0;; attempt++) {
        int rc = k->fd < 0 ? DUSK_ESYS : send_message(k->fd, msg, "its arguments", terr);
        int sent = rc == 0;
        if (rc == 0) {
            frame h;
            char pre[PRE_CAP];
            size_t npre;
            fdset fds;
            int got = recv_frame(k->fd, &h, &fds, pre, &npre);
            rc = got > 0 ? recv_payload(k->fd, &h, &fds, pre, npre, 1, out, terr)
                         : dusk_error_set(terr, DUSK_ESYS, "the worker process is gone");
        }
        if (rc != DUSK_ESYS)
            return rc;   /* done, or failed while the child lives */
        int st;
        reap(k, &st);
        describe_death(st, terr);
        if (!sent && unsent++ == 0) {
            attempt--;   /* not the task's doing */
        } else if (attempt >= pl->retries) {
            if (!sent) {
                dusk_error e = *terr;
                dusk_error_set(terr, DUSK_ETASK, "its worker process was dead before the task "
                               "reached it, and so was the one started again (%s)",
                               e.msg + 6);   /* after "died: " */
            }
            return DUSK_ETASK;
        }
        dusk_error ferr;
        pthread_rwlock_wrlock(&pl->forking);
        int frc = spawn(pl, w->id, &ferr);
        pthread_rwlock_unlock(&pl->forking);
        k->respawned = frc == 0;
        if (frc)
            return dusk_error_set(terr, DUSK_ETASK, "%s; restarting it failed: %s", terr->msg,
                                  ferr.msg);
    }
}

/* Task t, started and ended here, computed by w's child (a value or an
 * alias, which need no function, and an array store's write, here). */
static int remote_task(dusk__run *r, dusk__worker *w, int64_t t, dusk_value **out,
                       dusk_error *terr)
{
    pool *pl = r->backend;
    dusk__run_started(r, w, t);
    *out = NULL;
    dusk_error_clear(terr);
    dusk_value *msg = NULL;
    int rc = 0;
    if (!pl->here || dusk_plan_func(r->plan, t) != pl->here) {
        pthread_rwlock_rdlock(&pl->forking);
        rc = dusk__run_message(r, t, &msg, terr);
        pthread_rwlock_unlock(&pl->forking);
    }
    if (rc == 0 && !msg)
        rc = dusk__run_execute(r, t, out, terr);
    else if (rc == 0)
        rc = exchange(r, w, msg, out, terr);
    dusk_value_unref(msg);
    dusk__run_ended(r, w, t, *out, rc);
    return rc;
}

static int processes_workers(const dusk_options *o, dusk_error *err)
{
    if (o->retries < 0)
        return dusk_error_set(err, DUSK_EINVAL, "retries is %d; it counts restarts, 0 or more",
                              o->retries);
    return o->workers > 0 ? o->workers : dusk_ncores();
}

/* threads.c's spinning lock, without the spin: a step here waits for a
 * child anyway. */
static int64_t gated_step(dusk__run *r, dusk__worker *w, uint64_t now, int64_t done,
                          dusk_value *v, int status, const dusk_error *terr)
{
    pool *pl = r->backend;
    dusk__run_record(r, w, now, done, v, status, terr);
    if (!dusk__run_wants_gate(r))
        return -1;
    if (r->idle > 0 && r->nheap > 0)
        pthread_cond_signal(&pl->cv);
    pthread_mutex_unlock(&r->mu);
    dusk_error gerr;
    int rc = dusk__run_gate(r, w, &gerr);
    now = dusk__run_clock(r, w);
    pthread_mutex_lock(&r->mu);
    if (rc) {
        dusk__run_refused(r, rc, &gerr);
        return -1;
    }
    return dusk__run_take(r, w, now);
}

/* One driver thread: threads.c's worker loop, with remote_task. */
static void *driver_main(void *arg)
{
    dusk__worker *w = arg;
    dusk__run *r = w->r;
    pool *pl = r->backend;
    int64_t t = -1;
    int status = 0;
    dusk_value *v = NULL;
    dusk_error terr;

    uint64_t now = dusk__run_clock(r, w);
    pthread_mutex_lock(&r->mu);
    for (;;) {
        t = dusk__run_gate_armed(r) ? gated_step(r, w, now, t, v, status, &terr)
                                    : dusk__run_step(r, w, now, t, v, status, &terr);
        while (t < 0 && !dusk__run_over(r)) {
            if (dusk__run_pending(w)) {
                pthread_mutex_unlock(&r->mu);
                dusk__run_flush(r, w);
                now = dusk__run_clock(r, w);
                pthread_mutex_lock(&r->mu);
            } else {
                r->idle++;
                pthread_cond_wait(&pl->cv, &r->mu);
                r->idle--;
                now = dusk__run_clock_real(r);
            }
            t = dusk__run_gate_armed(r) ? gated_step(r, w, now, -1, NULL, 0, NULL)
                                        : dusk__run_step(r, w, now, -1, NULL, 0, NULL);
        }
        if (t < 0) {
            pthread_cond_broadcast(&pl->cv);
            break;
        }
        if (r->idle > 0 && dusk__run_has_ready(r))
            pthread_cond_signal(&pl->cv);
        pthread_mutex_unlock(&r->mu);

        status = remote_task(r, w, t, &v, &terr);
        now = dusk__run_clock(r, w);
        pthread_mutex_lock(&r->mu);
    }
    pthread_mutex_unlock(&r->mu);
    dusk__run_flush(r, w);
    /* A child this thread forked gets SIGKILL when the thread ends
     * (PR_SET_PDEATHSIG): it is ended here first, through the end of its
     * input, so that it flushes what its tasks printed. */
    if (pl->kids[w->id].respawned)
        reap(&pl->kids[w->id], NULL);
    return NULL;
}

static int processes_init(dusk__run *r, dusk_error *err)
{
    pool *pl = dusk_calloc(1, sizeof *pl);
    if (!pl)
        return dusk_error_set(err, DUSK_ENOMEM, "out of memory starting a run");
    r->backend = pl;
    pl->threads = dusk_malloc((size_t)r->nworkers * sizeof *pl->threads);
    pl->kids = dusk_malloc((size_t)r->nworkers * sizeof *pl->kids);
    if (!pl->threads || !pl->kids)
        return dusk_error_set(err, DUSK_ENOMEM, "out of memory starting a run");
    for (int i = 0; i < r->nworkers; i++)
        pl->kids[i] = (child){-1, -1, 0};
    if (pthread_mutex_init(&r->mu, NULL) != 0)
        return dusk_error_set(err, DUSK_ESYS, "cannot create a mutex");
    pl->mu_init = 1;
    if (pthread_cond_init(&pl->cv, NULL) != 0)
        return dusk_error_set(err, DUSK_ESYS, "cannot create a condition variable");
    pl->cv_init = 1;
    if (pthread_rwlock_init(&pl->forking, NULL) != 0)
        return dusk_error_set(err, DUSK_ESYS, "cannot create a lock");
    pl->rw_init = 1;
    pl->retries = r->opts->retries;
    /* An array store's tasks write each block into the HDF5 file that this
     * process made and holds open (array/store.c); HDF5 has one writer per
     * file, so they run here, on the driver threads, as on threads: their
     * input blocks are here already. */
    pl->here = dusk_func_lookup("array.store-map");
    for (int i = 0; i < r->nworkers; i++) {
        int rc = spawn(pl, i, err);
        if (rc)
            return rc;
    }
    return 0;
}

static int processes_run(dusk__run *r, dusk_error *err)
{
    pool *pl = r->backend;
    int started;
    for (started = 0; started < r->nworkers; started++)
        if (pthread_create(&pl->threads[started], NULL, driver_main, &r->workers[started]) != 0)
            break;
    for (int i = 0; i < started; i++)
        pthread_join(pl->threads[i], NULL);
    r->used = started ? started : r->nworkers;
    if (started == 0)
        return dusk_error_set(err, DUSK_ESYS, "cannot start the threads that drive the "
                              "worker processes");
    return 0;
}

static void processes_fini(dusk__run *r)
{
    pool *pl = r->backend;
    if (!pl)
        return;
    if (pl->kids) {
        /* Every socket first, so that the children end together. */
        for (int i = 0; i < r->nworkers; i++)
            if (pl->kids[i].fd >= 0) {
                parent_fd_close(pl->kids[i].fd);
                pl->kids[i].fd = -1;
            }
        for (int i = 0; i < r->nworkers; i++)
            reap(&pl->kids[i], NULL);
    }
    if (pl->rw_init)
        pthread_rwlock_destroy(&pl->forking);
    if (pl->cv_init)
        pthread_cond_destroy(&pl->cv);
    if (pl->mu_init)
        pthread_mutex_destroy(&r->mu);
    dusk_free(pl->kids);
    dusk_free(pl->threads);
    dusk_free(pl);
    r->backend = NULL;
}

const dusk__backend dusk__sched_processes = {
    .name = "processes",
    .kind = DUSK_SCHED_PROCESSES,
    .workers = processes_workers,
    .init = processes_init,
    .run = processes_run,
    .fini = processes_fini,
};
