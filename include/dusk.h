/*
** dusk — task graphs, schedulers and their events, in C11
**
** Include this to get every public module. See README.md for a tour.
*/
#ifndef DUSK_H
#define DUSK_H

#include "dusk/alloc.h"
#include "dusk/builtins.h"
#include "dusk/encode.h"
#include "dusk/error.h"
#include "dusk/events.h"
#include "dusk/graph.h"
#include "dusk/plan.h"
#include "dusk/sched.h"
#include "dusk/transport.h"
#include "dusk/value.h"
#include "dusk/version.h"

/* arrays, viz and profiler are libraries of their own (-ldusk-array,
 * -ldusk-viz, -ldusk-profiler; pkg-config dusk gives all four). */
#include "dusk/array.h"
#include "dusk/linalg.h"
#include "dusk/mpi.h"
#include "dusk/profiler.h"
#include "dusk/viz.h"

#endif /* DUSK_H */
