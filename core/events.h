/*
** dusk — event stream internals. This file is private to dusk's core.
*/
#ifndef DUSK_CORE_EVENTS_H
#define DUSK_CORE_EVENTS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "dusk/events.h"

/* The producers' side (see events.c). A run begins with nq producers,
 * queues 0..nq-1 (a worker's id, and one for the calling thread), says
 * about how many events it expects (0: unknown; it sizes the queues'
 * first blocks, so that a big run starts in big blocks of 2 MiB pages), and
 * gets its index in the stream and its first sequence number in *seq; the
 * run hands out the numbers that follow, one per event, in the stream's
 * order, and gives the next free one back at its end. Begin and end: the
 * run's calling thread, one run at a time. */
int dusk__stream_begin(dusk_stream *s, int nq, size_t expect, uint64_t *seq);
void dusk__stream_end(dusk_stream *s, uint64_t seq);
/* Writing to queue qi, by its producer only; nothing written is seen by
 * the consumer until dusk__stream_publish(s, qi). Events that cannot be
 * written (no memory) are counted in dusk_stream_lost. Every number
 * handed out is written once.
 *
 * dusk__stream_event: one event, numbered seq (its `run` is ignored).
 * dusk__stream_readys: n READYs (n > 0) of worker -1 at time t with held
 * bytes, numbered from seq: returns room for their n tasks, or NULL.
 * dusk__stream_reserve: room for a record of `words` words holding
 * `events` events (both > 0), or NULL: a worker writes its step there as
 * one R_STEP record (events.c describes the records), about the size of
 * the ids it names, which the consumer unfolds into its events. */
void dusk__stream_event(dusk_stream *s, int qi, uint64_t seq, const dusk_event *ev);
/* A run without the lock (sched.h) takes no numbers: it begins with this
 * instead of dusk__stream_begin, with its epoch t0 (dusk_now_ns() less the
 * events' times), and the consumer merges its queues by time (events.c,
 * "By time"); its records' numbers are not read. Its
 * events then carry times that order causes strictly before effects
 * across queues, and its queue qi's times never decrease; the last queue
 * (the calling thread's) has, after the first READYs, only RUN_END, later
 * than every other event. Each worker's queue says when it is quiet
 * (dusk__stream_quiet): its next event will be later than a clock
 * reading taken while it is, so the consumer never waits on a worker that
 * runs a long task, waits in a gate or idles. */
int dusk__stream_begin_by_time(dusk_stream *s, int nq, size_t expect, uint64_t t0);
static inline void dusk__stream_quiet(dusk_stream *s, int qi, int on);
int64_t *dusk__stream_readys(dusk_stream *s, int qi, uint64_t seq, size_t n, uint64_t t,
                             uint64_t held);
static inline uint64_t *dusk__stream_reserve(dusk_stream *s, int qi, size_t words,
                                             size_t events);

enum { DUSK__R_EVENT = 1, DUSK__R_READYS = 2, DUSK__R_STEP = 3 };
enum { DUSK__F_DONE = 4, DUSK__F_START = 8, DUSK__F_ERROR = 16, DUSK__F_TIMES = 32 };

/* A record's first word: the low 32 bits of its first event's number, its
 * type and flags, its worker. */
static inline uint64_t dusk__rec_head(uint64_t seq, unsigned type, int worker)
{
    return (uint64_t)(uint32_t)seq | (uint64_t)type << 32 |
           (uint64_t)((uint32_t)(worker + 1) & 0xffffffu) << 40;
}
static inline void dusk__stream_publish(dusk_stream *s, int qi);

/* The producers' side of a run's queue, which reserve and publish (a
 * worker's once a task) read and move inline: where its tail block's
 * words are, how many are written and its room, the events written and
 * published. events.c keeps the rest (the blocks) and grows the queue
 * when a record does not fit; one cache line a queue, so that workers do
 * not share one. */
typedef struct dusk__wcur {
    uint64_t *w;                       /* NULL (cap 0) until a first block */
    size_t n, cap;
    uint64_t written;
    _Atomic uint64_t published;        /* read by the consumer */
    atomic_int quiet;                  /* by time: see dusk__stream_quiet */
    char pad[64 - 4 * sizeof(uint64_t) - sizeof(_Atomic uint64_t) - sizeof(atomic_int)];
} dusk__wcur;

/* A dusk_stream begins with this: the current run's cursors, one per
 * queue (NULL between runs, and for a run whose queues could not be
 * made: its events are counted lost). */
typedef struct dusk__stream_w {
    dusk__wcur *cur;
} dusk__stream_w;

/* When the record does not fit (a new block), or there is no run. */
uint64_t *dusk__stream_reserve_slow(dusk_stream *s, int qi, size_t words, size_t events);

static inline uint64_t *dusk__stream_reserve(dusk_stream *s, int qi, size_t words,
                                             size_t events)
{
    dusk__wcur *c = ((dusk__stream_w *)(void *)s)->cur;
    if (c) {
        c += qi;
        if (c->n + words <= c->cap) {
            uint64_t *p = c->w + c->n;
            c->n += words;
            c->written += events;
            return p;
        }
    }
    return dusk__stream_reserve_slow(s, qi, words, events);
}

static inline void dusk__stream_publish(dusk_stream *s, int qi)
{
    dusk__wcur *c = ((dusk__stream_w *)(void *)s)->cur;
    if (c)
        atomic_store_explicit(&c[qi].published, c[qi].written, memory_order_release);
}

/* on: the producer of queue qi has published all it wrote and reads the
 * clock for its next event only after it calls this with 0. Setting is a
 * release store; clearing a seq_cst one (the consumer reads its clock,
 * then the flag: seeing it set, it knows the producer's next reading is
 * later than its own, to within the clocks' skew, which it allows for). */
static inline void dusk__stream_quiet(dusk_stream *s, int qi, int on)
{
    dusk__wcur *c = ((dusk__stream_w *)(void *)s)->cur;
    if (c)
        atomic_store_explicit(&c[qi].quiet, on, on ? memory_order_release
                                                   : memory_order_seq_cst);
}

/* --- a cheap clock for one thread --------------------------------------
 *
 * Reading CLOCK_MONOTONIC costs about 30 ns in a virtual machine, and a
 * listened-to run reads it once a task. Where the CPU has an invariant
 * time-stamp counter (x86-64) and the kernel's own clock runs on it
 * ("tsc", or "kvm-clock", which scales it; so the cores' counters
 * agree), a worker instead reads the counter (about 12 ns) and converts
 * it with the ns-per-tick rate, reading the real clock again at most a
 * millisecond of ticks after the last time: the times stay within a few
 * microseconds of CLOCK_MONOTONIC, typically tens of ns. Each real
 * reading of an anchored clock (not the first ones, before the rate is
 * known, nor one split by preemption) checks the counter's time for it;
 * one 5 us off, plus 0.1 % of the time since the clock's last real
 * reading (cores whose counters disagree, a counter that jumped), turns
 * the counter off for the process, each clock at its next real reading. The rate is measured by the workers themselves over their
 * longest stretch (10 ms at least) and shared by the process; until it
 * is known, every reading is a real one. Readings of one dusk__tclock
 * never go backwards. */
typedef struct dusk__tclock {   /* zeroed to start */
    /* from the last real reading, once the rate is known (else 0): ticks
     * past real_tick read without a real reading, and ns per tick << 32,
     * so that a reading between real ones is a subtraction, a compare and
     * a multiply */
    uint64_t span_ticks, mult;
    uint64_t real_ns, real_tick;    /* the last real reading, with its ticks */
    uint64_t first_ns, first_tick;  /* the first, for the rate */
    uint64_t last;                  /* the last value returned */
    int started;
} dusk__tclock;

uint64_t dusk__tclock_now(dusk__tclock *c);
/* 1 when readings go through the time-stamp counter on this machine. */
int dusk__tclock_counter(void);

#endif /* DUSK_CORE_EVENTS_H */
