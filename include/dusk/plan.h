/*
** dusk — plans: what a run executes, fixed before it starts
** Library: libdusk (core/).
**
** A plan is the view of a graph that one run executes, taken once the
** graph has been validated, culled and ordered: the tasks the requested
** keys need, and for each of them its key, its function (or literal
** value, or alias), its dependencies, its dependents within the plan and
** its static priority (dusk_graph_order), plus the requested keys
** themselves. Task ids are the graph's (the ids events carry): a plan
** answers for the ids of its tasks and says "not in the plan" (NULL, -1
** or DUSK_EINVAL) for any other.
**
** A plan is immutable and holds no pointer into the graph: it stays valid,
** and says what the run did, after the graph has been changed or freed. A
** run hands its plan to every listener's start callback (events.h); a
** listener that wants it after `finish` takes a reference:
**
**     static void on_start(void *ud, const dusk_plan *plan, size_t ntasks)
**     {
**         my_recorder *m = ud;
**         m->plan = dusk_plan_ref(plan);     // dusk_plan_unref it later
**     }
**
** dusk_plan_new makes the plan a run for those keys would execute, without
** running anything (to lay a run out before it starts). A graph keeps the
** last plan it made until it changes, so a run for the same keys reuses
** it: plans of one graph version and one request are the same object.
**
** Ownership, stated once: a plan is reference-counted. dusk_plan_new
** gives one reference to the caller; dusk_plan_ref adds one and
** dusk_plan_unref ends one, the last freeing the plan. Pointers a plan
** hands out (keys, id arrays, literal values) are borrowed and live as
** long as the plan. A plan holds references to its literal values; it
** points to its tasks' dusk_func, which must outlive it (graph.h).
**
** Threads: a plan is never written after dusk_plan_new returns (but for
** the 64-bit id arrays below, made the first time one is asked for, once,
** whichever thread asks, and the block of per-task counters a run leaves
** to the plan's next run, taken and given back atomically), so any number
** of threads may read it, and reference and unreference it, at once.
** Memory: a plan that has run keeps that block, 16 bytes a task of the
** graph (24 after a threads run with listeners), until it is freed.
*/
#ifndef DUSK_PLAN_H
#define DUSK_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "graph.h"
#include "value.h"

#include "version.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dusk_plan dusk_plan;

/* The plan of a run of g for keys[0..nkeys): validates and orders g (their
 * errors come back as dusk_graph_validate's), culls it to what the keys
 * need, and sets *out to a new reference. A key not in the graph gives
 * DUSK_ENOKEY naming it; no keys (nkeys 0) gives an empty plan. On
 * failure *out is NULL. */
DUSK_API int dusk_plan_new(dusk_graph *g, const char *const *keys, size_t nkeys,
                           dusk_plan **out, dusk_error *err);
/* Adds a reference and returns p (NULL for NULL). */
DUSK_API dusk_plan *dusk_plan_ref(const dusk_plan *p);
/* Ends a reference; the last one frees the plan. NULL-safe. */
DUSK_API void dusk_plan_unref(const dusk_plan *p);

/* --- the tasks ----------------------------------------------------------- */

/* How many tasks the run executes, and their ids in increasing order
 * (NULL, like dusk_plan_requested, when there is no memory for the array,
 * which the plan makes at the first call). */
DUSK_API size_t dusk_plan_ntasks(const dusk_plan *p);
DUSK_API const int64_t *dusk_plan_tasks(const dusk_plan *p);
/* The graph's size when the plan was made: every id is below it. */
DUSK_API size_t dusk_plan_graph_size(const dusk_plan *p);
/* 1 when task id is in the plan, 0 otherwise. */
DUSK_API int dusk_plan_contains(const dusk_plan *p, int64_t id);

/* The requested keys' ids, in the order of the request (a key asked for
 * twice is there twice), and their count. */
DUSK_API size_t dusk_plan_nrequested(const dusk_plan *p);
DUSK_API const int64_t *dusk_plan_requested(const dusk_plan *p);

/* --- one task (NULL, -1 or DUSK_EINVAL for an id not in the plan) ---------- */

/* The key's text, and the key as messages print it ('a', ('x', 0)). */
DUSK_API const char *dusk_plan_key(const dusk_plan *p, int64_t id);
DUSK_API size_t dusk_plan_key_repr(const dusk_plan *p, int64_t id, char *buf, size_t n);
/* What the key was set to, as dusk_graph_entry_kind; DUSK_ENTRY_VALUE for
 * an id not in the plan. */
DUSK_API dusk_entry_kind dusk_plan_entry_kind(const dusk_plan *p, int64_t id);
/* The function of a task; NULL for values and aliases. */
DUSK_API const dusk_func *dusk_plan_func(const dusk_plan *p, int64_t id);
/* The literal of a value entry (borrowed); NULL otherwise. */
DUSK_API dusk_value *dusk_plan_literal(const dusk_plan *p, int64_t id);
/* Its static priority: dusk_graph_order's number (0 runs first); -1. */
DUSK_API int64_t dusk_plan_priority(const dusk_plan *p, int64_t id);
/* The distinct tasks id depends on (all in the plan), and the tasks of
 * the plan that depend on it, by decreasing priority (as the graph lists
 * them): *ids points into the plan. Return the
 * count, or DUSK_EINVAL, or DUSK_ENOMEM (the first call makes the
 * plan's array of them). */
DUSK_API int64_t dusk_plan_dependencies(const dusk_plan *p, int64_t id, const int64_t **ids);
DUSK_API int64_t dusk_plan_dependents(const dusk_plan *p, int64_t id, const int64_t **ids);

/* --- the whole plan at once ------------------------------------------------ */

/* A plan's own arrays, for a reader that walks every task (the live viewer
 * lays a 200,000-task run out from them before its first task starts,
 * where a call per task and per list cost as much as the walk). Ids,
 * offsets and priorities are 32-bit inside dusk (a graph has fewer than
 * 2^32 tasks and dependency edges). The arrays are indexed by graph id;
 * what they hold for an id not in the plan means nothing. */
typedef struct dusk_plan_arrays {
    size_t graph_size;         /* dusk_plan_graph_size: every id is below it */
    size_t ntasks;             /* dusk_plan_ntasks */
    const uint32_t *tasks;     /* the ntasks ids, increasing; NULL when the
                                  plan has every id of the graph (the i-th
                                  task is i) */
    const uint32_t *dep_off;   /* graph_size + 1 offsets: task t's dependencies
                                  are dep_ids[dep_off[t] .. dep_off[t + 1]) */
    const uint32_t *dep_ids;   /* as dusk_plan_dependencies lists them */
    const uint32_t *priority;  /* graph_size entries: dusk_plan_priority */
} dusk_plan_arrays;
/* Fills *out with p's arrays, borrowed: they live as long as p. 0, or
 * DUSK_EINVAL for a NULL p or out (*out then zeroed when out is not NULL).
 * Allocates nothing, so it cannot fail otherwise. */
DUSK_API int dusk_plan_get_arrays(const dusk_plan *p, dusk_plan_arrays *out);

#ifdef __cplusplus
}
#endif
#endif /* DUSK_PLAN_H */
