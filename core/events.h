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

#endif /* DUSK_CORE_EVENTS_H */
