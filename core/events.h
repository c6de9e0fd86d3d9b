/*
** dusk — event stream internals. This file is private to dusk's core.
*/
#ifndef DUSK_CORE_EVENTS_H
#define DUSK_CORE_EVENTS_H

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
/* Room for n events in queue qi, for the caller to fill, each with the
 * low 32 bits of its sequence number in its `run` field (the consumer
 * sets the run's index there); unseen by the consumer until
 * dusk__stream_publish(s, qi). NULL when they are lost (no memory:
 * counted in dusk_stream_lost). Only queue qi's producer calls these for
 * it; every number handed out is written once, and n is not 0. */
dusk_event *dusk__stream_reserve(dusk_stream *s, int qi, size_t n);
void dusk__stream_publish(dusk_stream *s, int qi);

/* --- a cheap clock for one thread --------------------------------------
 *
 * Reading CLOCK_MONOTONIC costs about 30 ns in a virtual machine, and a
 * listened-to run reads it once a task. Where the CPU has an invariant
 * time-stamp counter (x86-64) and the kernel's own clock runs on it (so
 * the cores' counters agree), a worker instead reads the counter (about
 * 12 ns) and converts it with the ns-per-tick rate, reading the real
 * clock again at most a millisecond of ticks after the last time: the
 * times stay within a microsecond of CLOCK_MONOTONIC, typically tens of
 * ns. The rate is measured by the workers themselves over their longest
 * stretch (10 ms at least) and shared by the process; until it is known,
 * every reading is a real one. Readings of one dusk__tclock never go
 * backwards. */
typedef struct dusk__tclock {
    uint64_t real_ns, real_tick;    /* the last real reading, with its ticks */
    uint64_t first_ns, first_tick;  /* the first, for the rate */
    uint64_t last;                  /* the last value returned */
    int started;
} dusk__tclock;

uint64_t dusk__tclock_now(dusk__tclock *c);
/* 1 when readings go through the time-stamp counter on this machine. */
int dusk__tclock_counter(void);

#endif /* DUSK_CORE_EVENTS_H */
