/*
** dusk — task graphs, schedulers and their events, in C11
**
** Include this to get every public module. See README.md for a tour.
*/
#ifndef DUSK_H
#define DUSK_H

#define DUSK_VERSION_MAJOR 0
#define DUSK_VERSION_MINOR 1
#define DUSK_VERSION_PATCH 0
#define DUSK_VERSION "0.1.0"

#include "dusk/alloc.h"
#include "dusk/array.h"
#include "dusk/builtins.h"
#include "dusk/error.h"
#include "dusk/events.h"
#include "dusk/graph.h"
#include "dusk/sched.h"
#include "dusk/value.h"

/* viz and profiler are libraries of their own (-ldusk-viz,
 * -ldusk-profiler; pkg-config dusk gives all three). */
#include "dusk/profiler.h"
#include "dusk/viz.h"

#endif /* DUSK_H */
