/*
** dusk — event stream internals. This file is private to dusk's core.
*/
#ifndef DUSK_CORE_EVENTS_H
#define DUSK_CORE_EVENTS_H

#include "dusk/events.h"

/* Appends ev to s. Callers serialise appends (a scheduler appends under its
 * own lock, or from its one thread); the consumer needs no lock. */
void dusk__stream_append(dusk_stream *s, const dusk_event *ev);
/* Starts a new run: returns its index in the stream. Same rule. */
int dusk__stream_next_run(dusk_stream *s);

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
