/*
** dusk — plan internals. This file is private to dusk's core.
**
** A plan is one block of memory, this struct followed by its own arrays,
** plus references to what it shares with its graph (see plan.c): the key
** text, and the dependency lists and priorities of the graph's version it
** was made from. Per-task arrays are indexed by graph task id (gsize
** entries) so that a scheduler and a listener read an event's task
** directly; ids outside the plan have kind DUSK__PLAN_OUT (and whatever
** the shared arrays say, which no reader looks at). Schedulers read the
** lists and the priorities of the plan's tasks on their hot path.
*/
#ifndef DUSK_CORE_PLAN_H
#define DUSK_CORE_PLAN_H

#include <stdatomic.h>

#include "dusk/plan.h"
#include "graph.h"

/* kind[] of a task is its dusk_entry_kind, but for these: */
enum {
    DUSK__PLAN_DEPARGS = 3,      /* a task whose arguments are its dependencies'
                                    results, in the order of its dependency list
                                    (references only, none repeated, at most
                                    DUSK__PLAN_DEPARGS_MAX): a run builds them
                                    from the list it walks anyway, without the
                                    graph's arguments and name table */
    DUSK__PLAN_FLAT = 4,         /* a task whose arguments are literals and
                                    references, at most DUSK__PLAN_DEPARGS_MAX,
                                    the references its dependency list in
                                    order: the list stands for them */
    DUSK__PLAN_OUT = 0xff        /* an id not in the plan */
};
enum { DUSK__PLAN_DEPARGS_MAX = 8 };

struct dusk_plan {
    atomic_long refs;
    size_t gsize;                /* the graph's size: ids are below this */
    size_t n;                    /* tasks in the plan */
    size_t nwant;                /* requested ids (repeats kept) */
    size_t maxdeps, maxrdeps;    /* the longest lists, for per-worker buffers */
    size_t maxready;             /* at least as many tasks with a dependency as
                                    can be ready at once (the size of a run's
                                    heap; plan.c) */
    size_t nvalues;              /* value entries (each holds its literal) */
    size_t nfirst;               /* tasks with no dependency: ready at the start */
    size_t nsinks;               /* tasks with no dependent in the plan */
    const uint64_t *first;       /* ... as prio << 32 | id, increasing: a run
                                    takes them in order from this list, made once
                                    a plan, instead of sifting them through its
                                    heap (a wide graph starts with 10^5 or more) */
    dusk__id *tasks;             /* n ids, increasing; NULL when the plan takes
                                    every task (the i-th is i): dusk__plan_task */
    dusk__id *want;              /* nwant ids, in request order */
    const dusk__off *dep_off;    /* dependencies of t: dep_ids[dep_off[t] ..
                                    dep_off[t+1]) (shared: the graph's) */
    const dusk__id *dep_ids;
    const dusk__off *rdep_off;   /* dependents of t within the plan, the same */
    const dusk__id *rdep_ids;    /* way (the graph's when whole) */
    const uint32_t *prio;        /* dusk_graph_order's priorities (shared) */
    uint32_t *key;               /* the key text's offset in the graph's interner
                                    (core/util.h), whose text pages are shared
                                    and whose page table is copied to pages:
                                    dusk__plan_key; 0 outside */
    char **pages;
    const void **entry;          /* by kind[]: the dusk_func of a task, the literal
                                    (an owned reference) of a value, NULL else */
    unsigned char *kind;         /* a dusk_entry_kind, or DUSK__PLAN_OUT */
    dusk__keep *lists, *text;    /* references to what is shared */
    /* 64-bit copies of tasks, want, dep_ids and rdep_ids for the public
     * API, made the first time one is asked for (by any of the threads
     * reading the plan: the first copy published wins), freed with it */
    _Atomic(int64_t *) tasks64, want64, deps64, rdeps64;
    /* A finished run's per-task block (run.c: its slots, in spare_st
     * followed by its event times), kept for the plan's next run instead
     * of being freed and allocated (and faulted in page by page) again:
     * taken and given back with an atomic exchange, so runs of one plan at
     * once each get their own; a run of the other layout resizes it (one
     * block kept: the last run's). Freed with the plan. Not part of the
     * plan's value. */
    _Atomic(void *) spare_s, spare_st;
};

/* The plan of a run of g for the task ids want[0..nwant) (which exist):
 * g's cached plan when it was made for the same request since g last
 * changed, else a new one, which g then caches. Orders g (validating it)
 * first. Sets *out to a new reference; 0 or an error code. */
int dusk__plan_make(dusk_graph *g, const int64_t *want, size_t nwant, dusk_plan **out,
                    dusk_error *err);

/* The i-th task of p (i < p->n). */
static inline int64_t dusk__plan_task(const dusk_plan *p, size_t i)
{
    return p->tasks ? (int64_t)p->tasks[i] : (int64_t)i;
}

/* The key text of task t of p. */
static inline const char *dusk__plan_key(const dusk_plan *p, int64_t t)
{
    uint32_t o = p->key[t];
    return p->pages[o >> DUSK__STRTAB_SHIFT] + (o & ((1u << DUSK__STRTAB_SHIFT) - 1));
}

/* The dusk_entry_kind of task t of p (in the plan). */
static inline int dusk__plan_kind(const dusk_plan *p, int64_t t)
{
    return p->kind[t] >= DUSK__PLAN_DEPARGS ? DUSK_ENTRY_TASK : p->kind[t];
}

static inline int dusk__plan_has(const dusk_plan *p, int64_t id)
{
    return id >= 0 && (size_t)id < p->gsize && p->kind[id] != DUSK__PLAN_OUT;
}

#endif /* DUSK_CORE_PLAN_H */
