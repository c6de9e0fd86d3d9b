/*
** dusk — the lossless event stream
**
** Each producer of a run (a worker, and the run's calling thread for the
** events of worker -1) has a queue of its own: single producer, single
** consumer, in blocks. A worker writes its step there outside the
** scheduler's lock, as one record of the ids and bytes it names (see
** Records below: some 10 words for a step's 4 events, not 4 x 48 bytes),
** numbered by the sequence numbers its step took inside the lock (two
** additions there, instead of building the events in it), and then
** publishes it with a release store of its count of events. The consumer
** unfolds the records into dusk_events and merges the queues back into
** the one order of the sequence numbers: it takes the queue whose oldest
** unread event carries the next number, copies that queue's run of
** consecutive numbers, and stops when the next number is not published
** yet. The producers never look at consumer state
** nor wait for it, and the consumer takes no lock a producer takes, so a
** slow consumer only costs memory.
**
** A run's queues form a segment; segments are linked in run order. The
** consumer leaves a segment (and frees it) once the next one exists and
** it has read everything in it: the next run begins only after the last
** one published its last event. dusk_stream_appended sums the queues'
** counts under a mutex that only it and the consumer's leaving a segment
** take.
**
** Losses: when a block cannot be allocated, the event is counted lost and
** its run marked; in a marked run the consumer no longer waits for a
** missing number but takes the smallest one published, so the order there
** is only nearly kept. Without a loss, the order is exact.
**
** Invariant: a block is freed only by the consumer, only once it has read
** all its events and the producer has moved to the next block (it only
** ever writes the tail, and publishes the link with the events after it).
*/
#define _DEFAULT_SOURCE   /* madvise's MADV_HUGEPAGE */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "dusk/alloc.h"
#include "events.h"

/* A queue holds records of 8-byte words (below). Its first block holds
 * BLOCK_WORDS (48 KiB), each next one twice its last, up to BLOCK_MAX
 * (4 MiB), placed on a 2 MiB boundary that the kernel is asked to back
 * with 2 MiB pages: a run that outpaces its consumer fills tens of
 * megabytes, and a fresh 4 KiB page costs a fault of 4 to 8 us in a
 * virtual machine (40 MiB: 30-80 ms, against 6-13 ms in 2 MiB pages,
 * measured here). A run that says how many events it expects
 * (dusk__stream_begin) starts its queues at that size, so that a big run
 * does not fault its way up the small blocks. A record longer than
 * BLOCK_MAX gets a block of its own size. */
#define BLOCK_WORDS 6144
#define HUGE_PAGE ((size_t)2 << 20)
#define BLOCK_MAX ((2 * HUGE_PAGE - sizeof(block)) / sizeof(uint64_t))

/* Records. A worker's step is one record, about the size of the ids it
 * names, not 48 bytes an event: the consumer unfolds it into the step's
 * dusk_events. Each record's events carry consecutive numbers from the
 * low 32 bits of its first word (the consumer puts the run's index in
 * `run`); the first word also holds the record's type and flags (bits
 * 32-39) and its worker + 1 (bits 40-63).
 *   R_EVENT   one event as it is: 6 words
 *   R_READYS  READYs made together: count, t, held, then the tasks
 *   R_STEP    F_DONE: nready | ndrop << 32, t, task, nbytes, held,
 *             (F_ERROR: status), the READY tasks, (task, bytes) of each
 *             RELEASED (held falls by each one's bytes), then
 *             F_START: task, held, and t unless F_DONE (the START at the
 *             time of the END, numbered right after its part)
 *             F_TIMES (a run merged by time, whose parts have times of
 *             their own): F_DONE's words have the READY and RELEASED
 *             events' time after the status, and a START that joins the
 *             done part its own time after its held
 * (run.c's deliver writes R_STEP records; the constants are in events.h.) */
enum { R_EVENT = DUSK__R_EVENT, R_READYS = DUSK__R_READYS, R_STEP = DUSK__R_STEP };
enum { F_DONE = DUSK__F_DONE, F_START = DUSK__F_START, F_ERROR = DUSK__F_ERROR,
       F_TIMES = DUSK__F_TIMES };
#define rec_head dusk__rec_head

typedef struct block {
    _Atomic(struct block *) next;   /* set by the producer, after fill */
    size_t fill;                 /* words in it, final once next is set */
    size_t cap;                  /* its room, in words */
    void *raw;                   /* what dusk_malloc gave (the block is in it) */
    char pad[32];                /* the records on cache lines of their own */
    uint64_t w[];
} block;

/* Blocks read to their end wait in the stream's pool for a producer to
 * take again, up to POOL_BYTES: memory the kernel has already mapped in,
 * which the next events fill without a fault. */
#define POOL_BYTES ((size_t)32 << 20)

/* One producer's queue; the two sides on cache lines of their own (the
 * producer's cursor, which reserve and publish move inline, in the
 * segment's array of them: events.h). */
typedef struct queue {
    /* producer side */
    block *tail;
    size_t next_cap;             /* the room of the next block */
    block *first;                /* the first block, for the consumer */
    dusk__wcur *wc;              /* its cursor (set once, read by both) */
    char pad1[64];
    /* consumer side */
    block *head;
    size_t head_i;               /* words of head read: the record being read */
    const uint64_t *rec;         /* that record, once looked at (else NULL) */
    size_t rwords;               /* its words */
    uint32_t rk, rn;             /* its events read, and its events */
    uint64_t rheld;              /* held after the last RELEASED read of it */
    uint64_t consumed;
    uint64_t seen;               /* the last published count loaded */
    uint64_t last_t;             /* by time: the last event's time read */
    char pad2[64];
} queue;

typedef struct segment {
    _Atomic(struct segment *) next;
    uint64_t first_seq;
    int32_t run;                 /* the run's index in the stream */
    atomic_int lossy;            /* some event of this run was lost */
    int nq;
    int by_time;                 /* merged by time, not by number */
    uint64_t t0;                 /* ... the run's epoch, for the quiet test */
    uint64_t held;               /* ... the consumer's sum of the bytes held */
    void *wc_raw;                /* the cursors' allocation (wc in it, aligned) */
    queue q[];
} segment;

struct dusk_stream {
    dusk__stream_w w;            /* first: the inline reserve's (events.h) */
    /* producer side: the thread that runs a run (begin, end) */
    segment *prod;               /* the current run's segment (NULL: none) */
    segment *last;               /* the last one linked */
    uint64_t seq;                /* the next run's first sequence number */
    int runs;                    /* runs begun */
    atomic_uint_least64_t lost;
    /* consumer side */
    segment *cur;
    uint64_t next;               /* the next sequence number to hand out */
    /* dusk_stream_appended against the consumer leaving a segment */
    pthread_mutex_t mu;
    uint64_t retired;            /* events of the segments left */
    /* the pool: the consumer puts, producers take, once a block each */
    pthread_mutex_t pool_mu;
    block *pool;
    size_t pool_bytes;
};

static size_t block_bytes(size_t cap) { return sizeof(block) + cap * sizeof(uint64_t); }

/* A new block of room cap: one of a huge page or more starts on a 2 MiB
 * boundary (dusk_malloc gives 16-byte alignment: the slack is address
 * space, never touched) and asks for 2 MiB pages, advice which a kernel
 * without transparent huge pages ignores. */
static block *block_new(size_t cap)
{
    size_t bytes = block_bytes(cap);
    int huge = bytes >= HUGE_PAGE;
    /* The advice covers whole huge pages from b on: the allocation holds
     * them all (bytes rounded up), so it never reaches memory not ours. */
    size_t len = (bytes + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
    char *raw = dusk_malloc(huge ? len + HUGE_PAGE : bytes);
    if (!raw)
        return NULL;
    block *b = (block *)raw;
    if (huge) {
        b = (block *)(((uintptr_t)raw + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
#ifdef MADV_HUGEPAGE
        (void)madvise(b, len, MADV_HUGEPAGE);
#endif
    }
    b->raw = raw;
    b->cap = cap;
    return b;
}

static void block_free(block *b)
{
    if (b)
        dusk_free(b->raw);
}

/* A block for at least n events: one of the pool's, or a new one of
 * room cap (>= n). */
static block *block_get(dusk_stream *s, size_t n, size_t cap)
{
    block *b = NULL;
    pthread_mutex_lock(&s->pool_mu);
    block *prev = NULL;
    for (block *c = s->pool; c; prev = c, c = atomic_load_explicit(&c->next, memory_order_relaxed)) {
        if (c->cap >= n) {
            block *next = atomic_load_explicit(&c->next, memory_order_relaxed);
            if (prev)
                atomic_store_explicit(&prev->next, next, memory_order_relaxed);
            else
                s->pool = next;
            s->pool_bytes -= block_bytes(c->cap);
            b = c;
            break;
        }
    }
    pthread_mutex_unlock(&s->pool_mu);
    if (!b)
        b = block_new(cap);
    if (b) {
        atomic_init(&b->next, NULL);
        b->fill = 0;
    }
    return b;
}

static void block_put(dusk_stream *s, block *b)
{
    pthread_mutex_lock(&s->pool_mu);
    int kept = s->pool_bytes + block_bytes(b->cap) <= POOL_BYTES;
    if (kept) {
        atomic_store_explicit(&b->next, s->pool, memory_order_relaxed);
        s->pool = b;
        s->pool_bytes += block_bytes(b->cap);
    }
    pthread_mutex_unlock(&s->pool_mu);
    if (!kept)
        block_free(b);
}

static segment *segment_new(int nq, uint64_t first_seq)
{
    segment *g = dusk_calloc(1, sizeof *g + (size_t)nq * sizeof(queue));
    if (!g)
        return NULL;
    /* the cursors on cache lines of their own (dusk_calloc aligns to 16) */
    if (!(g->wc_raw = dusk_calloc(1, (size_t)nq * sizeof(dusk__wcur) + 64))) {
        dusk_free(g);
        return NULL;
    }
    dusk__wcur *wc = (dusk__wcur *)(((uintptr_t)g->wc_raw + 63) & ~(uintptr_t)63);
    atomic_init(&g->next, NULL);
    atomic_init(&g->lossy, 0);
    g->first_seq = first_seq;
    g->nq = nq;
    for (int i = 0; i < nq; i++) {
        g->q[i].wc = &wc[i];
        atomic_init(&wc[i].published, 0);
        /* by time: a worker is quiet until it reads the clock for its
         * first event (its run has not read one for it yet) */
        atomic_init(&wc[i].quiet, 1);
    }
    return g;
}

/* Frees g's blocks that the consumer has not freed yet, and g. */
static void segment_free(segment *g)
{
    for (int i = 0; i < g->nq; i++) {
        block *b = g->q[i].head ? g->q[i].head : g->q[i].first;
        while (b) {
            block *next = atomic_load_explicit(&b->next, memory_order_relaxed);
            block_free(b);
            b = next;
        }
    }
    dusk_free(g->wc_raw);
    dusk_free(g);
}

static void pool_free(dusk_stream *s)
{
    for (block *b = s->pool; b;) {
        block *next = atomic_load_explicit(&b->next, memory_order_relaxed);
        block_free(b);
        b = next;
    }
    s->pool = NULL;
    s->pool_bytes = 0;
}

dusk_stream *dusk_stream_new(void)
{
    dusk_stream *s = dusk_calloc(1, sizeof *s);
    if (!s)
        return NULL;
    /* an empty first segment, so that cur and last are never NULL */
    if (!(s->cur = s->last = segment_new(0, 0)) || pthread_mutex_init(&s->mu, NULL) != 0) {
        if (s->cur)
            segment_free(s->cur);
        dusk_free(s);
        return NULL;
    }
    if (pthread_mutex_init(&s->pool_mu, NULL) != 0) {
        pthread_mutex_destroy(&s->mu);
        segment_free(s->cur);
        dusk_free(s);
        return NULL;
    }
    atomic_init(&s->lost, 0);
    return s;
}

void dusk_stream_free(dusk_stream *s)
{
    if (!s)
        return;
    segment *g = s->cur;
    while (g) {
        segment *next = atomic_load(&g->next);
        segment_free(g);
        g = next;
    }
    pool_free(s);
    pthread_mutex_destroy(&s->pool_mu);
    pthread_mutex_destroy(&s->mu);
    dusk_free(s);
}

/* --- the producers --------------------------------------------------------- */

static int stream_begin(dusk_stream *s, int nq, size_t expect, uint64_t *seq, int by_time,
                        uint64_t t0)
{
    segment *g = segment_new(nq, s->seq);
    if (g) {
        /* before the segment is linked: the consumer reads them then */
        g->by_time = by_time;
        g->t0 = t0;
        /* each queue's first block for its share of the run's events, at
         * some 3 words an event (a step of 4 events takes 8 to 12) */
        size_t share = 3 * (expect / (size_t)(nq > 1 ? nq - 1 : 1));
        size_t cap = share < BLOCK_WORDS ? BLOCK_WORDS : share > BLOCK_MAX ? BLOCK_MAX : share;
        for (int i = 0; i < nq; i++)
            g->q[i].next_cap = cap;
        g->run = s->runs;
        atomic_store_explicit(&s->last->next, g, memory_order_release);
        s->last = g;
    }
    s->prod = g;   /* NULL: this run's events are all lost */
    s->w.cur = g ? g->q[0].wc : NULL;
    *seq = s->seq;
    return s->runs++;
}

int dusk__stream_begin(dusk_stream *s, int nq, size_t expect, uint64_t *seq)
{
    return stream_begin(s, nq, expect, seq, 0, 0);
}

int dusk__stream_begin_by_time(dusk_stream *s, int nq, size_t expect, uint64_t t0)
{
    uint64_t seq;
    return stream_begin(s, nq, expect, &seq, 1, t0);
}

void dusk__stream_end(dusk_stream *s, uint64_t seq)
{
    s->seq = seq;
    s->prod = NULL;
    s->w.cur = NULL;
}

/* A new tail block for q with room for n words; 0, or -1 when the
 * record's events are lost. Out of the way of the common case, which must stay a few
 * instructions (a worker reserves once a task). */
static __attribute__((noinline)) int queue_grow(dusk_stream *s, segment *g, queue *q, size_t n,
                                                 size_t events)
{
    size_t cap = q->next_cap ? q->next_cap : BLOCK_WORDS;
    if (cap < n)
        cap = n;
    block *b = block_get(s, n, cap);
    if (!b) {
        atomic_fetch_add_explicit(&s->lost, events, memory_order_relaxed);
        atomic_store_explicit(&g->lossy, 1, memory_order_release);
        return -1;
    }
    dusk__wcur *c = q->wc;
    if (q->tail) {
        q->tail->fill = c->n;
        atomic_store_explicit(&q->tail->next, b, memory_order_release);
    } else {
        q->first = b;
    }
    q->tail = b;
    c->w = b->w;
    c->n = 0;
    c->cap = b->cap;
    q->next_cap = b->cap < BLOCK_MAX / 2 ? 2 * b->cap : BLOCK_MAX;
    return 0;
}

uint64_t *dusk__stream_reserve_slow(dusk_stream *s, int qi, size_t n, size_t events)
{
    segment *g = s->prod;
    if (!g) {
        atomic_fetch_add_explicit(&s->lost, events, memory_order_relaxed);
        return NULL;
    }
    queue *q = &g->q[qi];
    dusk__wcur *c = q->wc;
    if (c->n + n > c->cap && queue_grow(s, g, q, n, events) != 0)
        return NULL;
    uint64_t *w = c->w + c->n;
    c->n += n;
    c->written += events;
    return w;
}

void dusk__stream_event(dusk_stream *s, int qi, uint64_t seq, const dusk_event *ev)
{
    uint64_t *w = dusk__stream_reserve(s, qi, 7, 1);
    if (!w)
        return;
    w[0] = rec_head(seq, R_EVENT, ev->worker);
    memcpy(w + 1, ev, sizeof *ev);
}

int64_t *dusk__stream_readys(dusk_stream *s, int qi, uint64_t seq, size_t n, uint64_t t,
                             uint64_t held)
{
    uint64_t *w = dusk__stream_reserve(s, qi, 4 + n, n);
    if (!w)
        return NULL;
    w[0] = rec_head(seq, R_READYS, qi == s->prod->nq - 1 ? -1 : qi);
    w[1] = n;
    w[2] = t;
    w[3] = held;
    return (int64_t *)(w + 4);
}

/* --- the consumer ------------------------------------------------------------ */

/* Sets q's record fields for the record at q->head_i. */
static void rec_look(queue *q)
{
    const uint64_t *r = &q->head->w[q->head_i];
    unsigned type = (unsigned)(r[0] >> 32) & 0xffu;
    q->rec = r;
    q->rk = 0;
    switch (type & 3u) {
    case R_EVENT:
        q->rn = 1;
        q->rwords = 7;
        break;
    case R_READYS:
        q->rn = (uint32_t)r[1];
        q->rwords = 4 + (size_t)r[1];
        break;
    default: {   /* R_STEP */
        size_t nready = 0, ndrop = 0, nw = 0, timed = (type & F_TIMES) != 0;
        if (type & F_DONE) {
            nready = (uint32_t)r[1];
            ndrop = (size_t)(r[1] >> 32);
            nw = 6 + ((type & F_ERROR) ? 1 : 0) + timed + nready + 2 * ndrop;
            q->rheld = r[5];
        }
        q->rn = (uint32_t)((type & F_DONE ? 1 + nready + ndrop : 0) + (type & F_START ? 1 : 0));
        q->rwords = nw + (type & F_START ? (type & F_DONE ? 2 + timed : 3) : 0) +
                    (type & F_DONE ? 0 : 1);
        break;
    }
    }
}

/* The number of q's next event (its low 32 bits). */
static inline uint32_t rec_seq(const queue *q) { return (uint32_t)q->rec[0] + q->rk; }

/* Unfolds up to max of the events of q's record that are left into out,
 * in a loop per part of it, with `run` the run's index; returns how many,
 * and moves past them (and past the record once it is read). */
static size_t rec_copy(queue *q, dusk_event *out, size_t max, int32_t run)
{
    const uint64_t *r = q->rec;
    unsigned type = (unsigned)(r[0] >> 32) & 0xffu;
    int32_t worker = (int32_t)(r[0] >> 40) - 1;
    uint32_t k = q->rk, end = q->rn;
    if (end - k > max)
        end = k + (uint32_t)max;
    dusk_event *e = out;
    switch (type & 3u) {
    case R_EVENT:
        memcpy(e, r + 1, sizeof *e);
        e++->run = run;
        k++;
        break;
    case R_READYS: {
        uint64_t t = r[2], held = r[3];
        for (; k < end; k++)
            *e++ = (dusk_event){t, 0, held, (int64_t)r[4 + k], worker, DUSK_EV_READY, 0, run};
        break;
    }
    default: {   /* R_STEP */
        if (!(type & F_DONE)) {
            *e++ = (dusk_event){r[1], 0, r[3], (int64_t)r[2], worker, DUSK_EV_START, 0, run};
            k++;
            break;
        }
        uint32_t nready = (uint32_t)r[1], ndrop = (uint32_t)(r[1] >> 32);
        int err = (type & F_ERROR) != 0, timed = (type & F_TIMES) != 0;
        const uint64_t *ids = r + 6 + err + timed;
        uint64_t t = r[2], ta = timed ? r[6 + err] : t;
        if (k == 0 && k < end) {
            *e++ = (dusk_event){t, err ? 0 : r[4], r[5], (int64_t)r[3], worker,
                                err ? DUSK_EV_ERROR : DUSK_EV_END,
                                err ? (int32_t)(uint32_t)r[6] : 0, run};
            k++;
        }
        for (; k < end && k - 1 < nready; k++)
            *e++ = (dusk_event){ta, 0, r[5], (int64_t)ids[k - 1], worker, DUSK_EV_READY, 0, run};
        for (; k < end && k - 1 - nready < ndrop; k++) {
            const uint64_t *d = ids + nready + 2 * (size_t)(k - 1 - nready);
            q->rheld -= d[1];
            *e++ = (dusk_event){ta, d[1], q->rheld, (int64_t)d[0], worker, DUSK_EV_RELEASED, 0,
                                run};
        }
        if (k < end) {   /* the START that joins the step */
            const uint64_t *st = ids + nready + 2 * (size_t)ndrop;
            *e++ = (dusk_event){timed ? st[2] : t, 0, st[1], (int64_t)st[0], worker,
                                DUSK_EV_START, 0, run};
            k++;
        }
        break;
    }
    }
    q->rk = k;
    if (k == q->rn) {   /* the next record, looked at when needed */
        q->head_i += q->rwords;
        q->rec = NULL;
    }
    return (size_t)(e - out);
}

/* How many events q has to read in a row from its record (0: none yet):
 * loads the producer's count only when what was seen last is read, and
 * moves past a block read to its end. A record is published whole. */
static size_t queue_ready(dusk_stream *s, queue *q)
{
    if (q->seen == q->consumed) {
        q->seen = atomic_load_explicit(&q->wc->published, memory_order_acquire);
        if (q->seen == q->consumed)
            return 0;
        if (!q->head)
            q->head = q->first;
    }
    if (!q->rec) {
        for (;;) {
            /* fill is final, and may be read, once next is set; while next
             * is not set, every published record left is in head */
            block *next = atomic_load_explicit(&q->head->next, memory_order_acquire);
            if (!next || q->head_i < q->head->fill)
                break;
            block_put(s, q->head);
            q->head = next;
            q->head_i = 0;
        }
        rec_look(q);
    }
    return q->rn - q->rk;
}

/* After the RUN_END of g is read: its producers are done, so the blocks
 * of the queues read to their end go now, not when the next run begins
 * (a stream between runs holds no block). */
static void segment_done(dusk_stream *s, segment *g)
{
    for (int i = 0; i < g->nq; i++) {
        queue *q = &g->q[i];
        if (q->consumed != atomic_load_explicit(&q->wc->published, memory_order_acquire))
            continue;   /* a run with losses: what is left stays readable */
        block *b = q->head ? q->head : q->first;
        while (b) {
            block *next = atomic_load_explicit(&b->next, memory_order_relaxed);
            block_put(s, b);
            b = next;
        }
        q->head = q->first = q->tail = NULL;
        q->head_i = 0;
        q->rec = NULL;
    }
}

/* Leaves segment cur for next (cur is read to its end). */
static void segment_leave(dusk_stream *s, segment *next)
{
    segment *g = s->cur;
    uint64_t n = 0;
    for (int i = 0; i < g->nq; i++)
        n += g->q[i].consumed;
    pthread_mutex_lock(&s->mu);
    s->retired += n;
    s->cur = next;
    pthread_mutex_unlock(&s->mu);
    s->next = next->first_seq;
    segment_free(g);
}

/* --- by time ----------------------------------------------------------------
 *
 * A run without the lock takes no numbers. Its events' times order it
 * (run.c makes an effect strictly later than its cause on another queue,
 * and a queue's times never decrease), so the consumer merges its queues
 * by (time, rank), rank 0 the calling thread's queue and k + 1 worker k's:
 * an event goes out when no queue can still produce one with a smaller
 * key. A queue with events waiting bounds the others by its next one; an
 * empty queue by the time of its last event (its next is not earlier),
 * or, while its producer is quiet (dusk__stream_quiet: in a task, in a
 * gate, or idle), by the consumer's clock read before it saw the flag,
 * less QUIET_MARGIN_NS for the workers' clock (events.h: within a
 * microsecond of dusk_now_ns). The calling thread's queue, once its first
 * READYs are read, holds only RUN_END, later than all: it bounds nothing,
 * and once RUN_END is published every other queue is complete. So the
 * consumer waits only for a worker between two tasks (a few hundred ns
 * of its own work), never for one that is idle or in a long task. */
#define QUIET_MARGIN_NS 20000u

/* The time of q's next event (its record looked at). */
static uint64_t rec_time(const queue *q)
{
    const uint64_t *r = q->rec;
    unsigned type = (unsigned)(r[0] >> 32) & 0xffu;
    switch (type & 3u) {
    case R_EVENT:
        return r[1];
    case R_READYS:
        return r[2];
    default: {
        if (!(type & F_DONE))
            return r[1];
        if (q->rk == 0 || !(type & F_TIMES))
            return r[2];
        uint32_t nready = (uint32_t)r[1], ndrop = (uint32_t)(r[1] >> 32);
        int err = (type & F_ERROR) != 0;
        if (q->rk <= nready + ndrop)
            return r[6 + err];
        return r[7 + err + nready + 2 * (size_t)ndrop + 2];   /* the START's own */
    }
    }
}

/* The time of the last event of q's record (the latest: a record's times
 * never decrease). */
static uint64_t rec_last_time(const queue *q)
{
    const uint64_t *r = q->rec;
    unsigned type = (unsigned)(r[0] >> 32) & 0xffu;
    if ((type & 3u) != R_STEP || !(type & F_DONE) || !(type & F_TIMES))
        return rec_time(q);
    uint32_t nready = (uint32_t)r[1], ndrop = (uint32_t)(r[1] >> 32);
    int err = (type & F_ERROR) != 0;
    if (type & F_START)
        return r[7 + err + nready + 2 * (size_t)ndrop + 2];
    return nready + ndrop ? r[6 + err] : r[2];
}

/* How many of q's record's events left share the next one's time (one
 * part of a step: its END, its READY and RELEASED, its START). */
static uint32_t rec_part(const queue *q)
{
    const uint64_t *r = q->rec;
    unsigned type = (unsigned)(r[0] >> 32) & 0xffu;
    if ((type & 3u) != R_STEP || !(type & F_DONE) || !(type & F_TIMES))
        return q->rn - q->rk;
    uint32_t nmid = (uint32_t)r[1] + (uint32_t)(r[1] >> 32);
    if (q->rk == 0)
        return 1;
    if (q->rk <= nmid)
        return nmid + 1 - q->rk;
    return q->rn - q->rk;
}

static int rec_is_run_end(const queue *q)
{
    const uint64_t *r = q->rec;
    if (((unsigned)(r[0] >> 32) & 3u) != R_EVENT)
        return 0;
    dusk_event ev;
    memcpy(&ev, r + 1, sizeof ev);
    return ev.kind == DUSK_EV_RUN_END;
}

/* Up to max of g's events in time order, as described above; sets *end
 * when g's RUN_END was read (or g is complete: `final`, the next run has
 * begun, and everything in it is read). */
static size_t drain_by_time(dusk_stream *s, segment *g, int final, dusk_event *out, size_t max,
                            int *end)
{
    int nq = g->nq;
    queue *calling = &g->q[nq - 1];
    uint64_t bound_now = 0;
    int have_now = 0;
    size_t n = 0;
    *end = 0;
    while (n < max) {
        if (!final && queue_ready(s, calling) && rec_is_run_end(calling))
            final = 1;   /* every worker's events are published */
        queue *best = NULL;
        uint64_t bt = 0, lt = UINT64_MAX;   /* best's key and the least other */
        int br = 0, lr = INT32_MAX;
        for (int i = 0; i < nq; i++) {
            queue *q = &g->q[i];
            int rank = i == nq - 1 ? 0 : i + 1, pending = queue_ready(s, q) != 0;
            uint64_t t;
            if (pending) {
                t = rec_time(q);
            } else if (final || q == calling) {
                continue;   /* nothing more will come from it */
            } else {
                if (!have_now) {
                    /* the clock before any quiet flag it is held against */
                    uint64_t now = dusk_now_ns(), lim = g->t0 + QUIET_MARGIN_NS;
                    bound_now = now > lim ? now - lim : 0;
                    have_now = 1;
                }
                t = q->last_t;
                if (atomic_load_explicit(&q->wc->quiet, memory_order_seq_cst)) {
                    /* what it published before it went quiet is visible */
                    if ((pending = queue_ready(s, q) != 0))
                        t = rec_time(q);
                    else if (bound_now > t)
                        t = bound_now;
                }
            }
            if (pending && (!best || t < bt || (t == bt && rank < br))) {
                if (best && (bt < lt || (bt == lt && br < lr))) {
                    lt = bt;
                    lr = br;
                }
                best = q;
                bt = t;
                br = rank;
            } else if (t < lt || (t == lt && rank < lr)) {
                lt = t;
                lr = rank;
            }
        }
        if (!best) {
            *end = final;
            break;
        }
        if (!(bt < lt || (bt == lt && br < lr)))
            break;   /* an earlier event may still come from another queue */
        for (;;) {
            /* the whole record when its last event goes too (most often),
             * else the part of it at the next time */
            uint64_t tl = rec_last_time(best);
            uint32_t part = tl < lt || (tl == lt && br < lr) ? best->rn - best->rk
                                                              : rec_part(best);
            size_t c = rec_copy(best, out + n, part < max - n ? part : max - n, g->run);
            /* held in the stream's order: the workers' counter moves
             * without a lock, at other moments than their events' times */
            for (dusk_event *e = out + n, *e1 = out + n + c; e < e1; e++) {
                if (e->kind == DUSK_EV_END)
                    g->held += e->nbytes;
                else if (e->kind == DUSK_EV_RELEASED)
                    g->held -= e->nbytes;
                e->held = g->held;
            }
            n += c;
            best->consumed += c;
            best->last_t = out[n - 1].t_ns;
            if (out[n - 1].kind == DUSK_EV_RUN_END) {
                segment_done(s, g);
                *end = 1;
                return n;
            }
            if (n == max || queue_ready(s, best) == 0)
                break;
            bt = rec_time(best);
            if (!(bt < lt || (bt == lt && br < lr)))
                break;
        }
    }
    return n;
}

size_t dusk_stream_drain(dusk_stream *s, dusk_event *out, size_t max)
{
    if (!s || !out)   /* nowhere to put events: none is taken */
        return 0;
    size_t n = 0;
    while (n < max) {
        segment *g = s->cur;
        /* Read before the queues: if the next run has begun, every event
         * of this one is published. */
        segment *next = atomic_load_explicit(&g->next, memory_order_acquire);
        if (g->by_time) {
            int end;
            n += drain_by_time(s, g, next != NULL, out + n, max - n, &end);
            if (!end || !next)
                break;   /* more of this run to come, or all read */
            /* what is left of g (nothing, but after losses) goes with it */
            segment_leave(s, next);
            continue;
        }
        queue *best = NULL;
        int32_t best_d = INT32_MAX;   /* its head's number, less the next one */
        for (int i = 0; i < g->nq; i++) {
            queue *q = &g->q[i];
            size_t k = queue_ready(s, q);
            if (!k)
                continue;
            int32_t d = (int32_t)(rec_seq(q) - (uint32_t)s->next);
            if (!best || d < best_d) {
                best = q;
                best_d = d;
                if (d == 0)
                    break;
            }
        }
        if (!best) {
            if (!next)
                break;   /* the run goes on: nothing more yet */
            segment_leave(s, next);
            continue;
        }
        if (best_d != 0) {
            /* The next number is not published yet; unless it never will
             * be (a lost event), wait for it. */
            if (!next && !atomic_load_explicit(&g->lossy, memory_order_acquire))
                break;
            s->next += (uint64_t)(int64_t)best_d;
        }
        /* This queue's run of consecutive numbers (its records', each of
         * consecutive numbers). */
        for (;;) {
            if (rec_seq(best) != (uint32_t)s->next)
                break;
            size_t c = rec_copy(best, out + n, max - n, g->run);
            n += c;
            best->consumed += c;
            s->next += c;
            if (out[n - 1].kind == DUSK_EV_RUN_END) {
                segment_done(s, g);
                break;
            }
            if (n == max || queue_ready(s, best) == 0)
                break;
        }
    }
    return n;
}

uint64_t dusk_stream_appended(const dusk_stream *cs)
{
    if (!cs)
        return 0;
    dusk_stream *s = (dusk_stream *)cs;
    pthread_mutex_lock(&s->mu);
    uint64_t n = s->retired;
    for (segment *g = s->cur; g; g = atomic_load_explicit(&g->next, memory_order_acquire))
        for (int i = 0; i < g->nq; i++)
            n += atomic_load_explicit(&g->q[i].wc->published, memory_order_acquire);
    pthread_mutex_unlock(&s->mu);
    return n;
}

uint64_t dusk_stream_lost(const dusk_stream *s)
{
    if (!s)
        return 0;
    return atomic_load_explicit(&((dusk_stream *)s)->lost, memory_order_relaxed);
}

const char *dusk_event_kind_name(int kind)
{
    static const char *names[] = {"run-begin", "ready", "start", "end",
                                  "error", "released", "run-end"};
    return kind >= 0 && (size_t)kind < sizeof names / sizeof *names ? names[kind] : "?";
}

uint64_t dusk_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* --- dusk__tclock -------------------------------------------------------- */

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <x86intrin.h>
#define DUSK_HAVE_TSC 1
#endif

/* Re-read the real clock after this many ns of ticks; measure the rate
 * over at least MIN_BASE ns. Each real reading of an anchored clock
 * checks the counter: if the time the counter and the rate give for it
 * is further from the real one than AGREE_NS and AGREE_PPM of the time
 * since the anchor, the counters do not agree (cores apart, a counter
 * that jumped), and the process reads the real clock from then on (each
 * clock at its next real reading, within a span). The slack: two pairs'
 * halves (2 us at worst at 2 GHz, 4 at 1 GHz), the rate's error (2e-4 at
 * worst over the first 10 ms) and a change of NTP's slew (5e-4 at most). */
enum { TCLOCK_SPAN_NS = 1000000, TCLOCK_MIN_BASE_NS = 10000000, TCLOCK_AGREE_NS = 5000,
       TCLOCK_AGREE_PPM = 1000 };
/* A real reading whose ticks before and after are further apart than
 * this (1 to 2 us at 2 to 4 GHz; an uninterrupted one takes about 150)
 * was interrupted: its pair is off by up to half of it. Anchors are then
 * good to 1 us, and the rate, over at least 10 ms, to 1e-4. */
#define TCLOCK_PAIR_TICKS 4000u

/* The process's rate, as the bits of a double (0: not known yet), and the
 * stretch it was measured over. Read-mostly. */
static _Atomic uint64_t tclock_rate_bits, tclock_rate_base;
/* Set once a check found the counter off the real clock: read-mostly. */
static _Atomic int tclock_distrusted;

static int tclock_usable(void)
{
#ifdef DUSK_HAVE_TSC
    /* -1 unknown, 0 no, 1 yes; racing first calls compute the same answer */
    static _Atomic int usable = -1;
    int u = atomic_load_explicit(&usable, memory_order_relaxed);
    if (u < 0) {
        /* The CPU says the counter is invariant, and the kernel keeps its
         * own clock on it: "tsc", or "kvm-clock", which scales the
         * counter by the hypervisor's figures and serves clock_gettime
         * from it only while the hypervisor says that the virtual CPUs'
         * counters agree (else each reading is a system call). Either
         * way every real reading checks them (dusk__tclock_now). */
        unsigned a, b, c, d;
        char src[32] = "";
        FILE *f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "r");
        if (f) {
            if (!fgets(src, sizeof src, f))
                src[0] = '\0';
            fclose(f);
        }
        u = __get_cpuid(0x80000007u, &a, &b, &c, &d) && (d & (1u << 8)) &&
            (strcmp(src, "tsc\n") == 0 || strcmp(src, "tsc") == 0 ||
             strcmp(src, "kvm-clock\n") == 0 || strcmp(src, "kvm-clock") == 0);
        atomic_store_explicit(&usable, u, memory_order_relaxed);
    }
    return u && !atomic_load_explicit(&tclock_distrusted, memory_order_relaxed);
#else
    return 0;
#endif
}

int dusk__tclock_counter(void) { return tclock_usable(); }

static double tclock_rate(void)
{
    uint64_t bits = atomic_load_explicit(&tclock_rate_bits, memory_order_relaxed);
    double r;
    memcpy(&r, &bits, sizeof r);
    return r;
}

/* Offers a rate measured over base ns; the longest stretch wins. Racing
 * offers may both store: either rate is good. */
static void tclock_offer(double rate, uint64_t base)
{
    if (base <= atomic_load_explicit(&tclock_rate_base, memory_order_relaxed))
        return;
    uint64_t bits;
    memcpy(&bits, &rate, sizeof bits);
    atomic_store_explicit(&tclock_rate_bits, bits, memory_order_relaxed);
    atomic_store_explicit(&tclock_rate_base, base, memory_order_relaxed);
}

uint64_t dusk__tclock_now(dusk__tclock *c)
{
    uint64_t t;
#ifdef DUSK_HAVE_TSC
    if (c->span_ticks) {
        /* anchored, the rate known: the counter alone (a counter behind
         * the anchor wraps d past the span) */
        uint64_t d = __rdtsc() - c->real_tick;
        if (d < c->span_ticks) {
            t = c->real_ns + ((d * c->mult) >> 32);   /* d * mult < 2^52 */
            goto out;
        }
    }
    if (tclock_usable()) {
        /* A real reading, paired with the ticks around it; a pair split
         * by preemption is read again, or used but not trusted for the
         * rate. */
        uint64_t tick, was_span = c->span_ticks, was_ns = c->real_ns, was_tick = c->real_tick;
        int tries = 0, tight;
        do {
            uint64_t before = __rdtsc();
            t = dusk_now_ns();
            tick = __rdtsc();
            tight = tick - before < TCLOCK_PAIR_TICKS;
            tick = before + (tick - before) / 2;
        } while (!tight && ++tries < 3);
        c->span_ticks = 0;
        if (!tight) {
            c->started = 0;   /* no anchor: the next reading is real too */
        } else {
            /* the check: the time the counter gives, from the last real
             * reading, against this one */
            int64_t dt = (int64_t)(tick - was_tick);
            if (was_span) {
                double since = (double)(t - was_ns);
                double off = since - (double)dt * ((double)c->mult / 4294967296.0);
                if (fabs(off) > TCLOCK_AGREE_NS + since * (TCLOCK_AGREE_PPM * 1e-6)) {
                    atomic_store_explicit(&tclock_distrusted, 1, memory_order_relaxed);
                    c->started = 0;
                    goto out;
                }
            }
            if (!c->started || tick < c->first_tick) {
                c->first_ns = t;
                c->first_tick = tick;
                c->started = 1;
            } else if (t - c->first_ns >= TCLOCK_MIN_BASE_NS && tick > c->first_tick) {
                tclock_offer((double)(t - c->first_ns) / (double)(tick - c->first_tick),
                             t - c->first_ns);
            }
            c->real_ns = t;
            c->real_tick = tick;
            double rate = tclock_rate();
            if (rate > 0) {
                c->mult = (uint64_t)(rate * 4294967296.0 + 0.5);
                c->span_ticks = (uint64_t)((double)TCLOCK_SPAN_NS / rate);
            }
        }
    } else {
        c->span_ticks = 0;   /* turned off: never the counter again */
        t = dusk_now_ns();
    }
#else
    t = dusk_now_ns();
#endif
#ifdef DUSK_HAVE_TSC
out:
#endif
    if (t < c->last)
        t = c->last;
    c->last = t;
    return t;
}
