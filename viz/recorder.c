/*
** dusk viz — a recorder: the events of a run, kept for a picture
**
** A growable array of dusk_event behind a mutex, and a reference to the
** plan of the last run followed (taken in `start`), which names the
** events' task ids (keys, functions, dependencies) however the graph
** changes afterwards. on_event is called by the scheduler's threads
** concurrently, so appends take the mutex; readers
** (dusk_viz_recorder_events, _plan) run after the run has ended, when no
** callback of it is called any more. An append that cannot grow the array
** counts the event as lost (a callback cannot report an error).
*/
#include <pthread.h>
#include <string.h>

#include "dusk/alloc.h"
#include "dusk/plan.h"
#include "dusk/viz.h"

struct dusk_viz_recorder {
    pthread_mutex_t mu;            /* guards everything below */
    dusk_event *ev;
    size_t n, cap;
    uint64_t lost;
    const dusk_plan *plan;         /* the last run's (a reference), or NULL */
};

dusk_viz_recorder *dusk_viz_recorder_new(void)
{
    dusk_viz_recorder *r = dusk_calloc(1, sizeof *r);
    if (!r)
        return NULL;
    if (pthread_mutex_init(&r->mu, NULL) != 0) {
        dusk_free(r);
        return NULL;
    }
    return r;
}

void dusk_viz_recorder_free(dusk_viz_recorder *r)
{
    if (!r)
        return;
    pthread_mutex_destroy(&r->mu);
    dusk_plan_unref(r->plan);
    dusk_free(r->ev);
    dusk_free(r);
}

/* Caller holds r->mu. */
static int reserve(dusk_viz_recorder *r, size_t more)
{
    if (r->n + more <= r->cap)
        return 0;
    size_t cap = r->cap ? r->cap : 1024;
    while (cap < r->n + more)
        cap *= 2;
    dusk_event *p = dusk_realloc(r->ev, cap * sizeof *p);
    if (!p)
        return DUSK_ENOMEM;
    r->ev = p;
    r->cap = cap;
    return 0;
}

int dusk_viz_recorder_add(dusk_viz_recorder *r, const dusk_event *ev, size_t n)
{
    if (!r || (n && !ev))
        return DUSK_EINVAL;
    pthread_mutex_lock(&r->mu);
    int rc = reserve(r, n);
    if (!rc && n) {
        memcpy(r->ev + r->n, ev, n * sizeof *ev);
        r->n += n;
    }
    pthread_mutex_unlock(&r->mu);
    return rc;
}

static void on_event(void *ud, const dusk_event *ev)
{
    dusk_viz_recorder *r = ud;
    pthread_mutex_lock(&r->mu);
    if (reserve(r, 1) == 0)
        r->ev[r->n++] = *ev;
    else
        r->lost++;
    pthread_mutex_unlock(&r->mu);
}

/* The run's plan replaces the previous run's. */
static void on_start(void *ud, const dusk_plan *plan, size_t ntasks)
{
    dusk_viz_recorder *r = ud;
    (void)ntasks;
    pthread_mutex_lock(&r->mu);
    dusk_plan_unref(r->plan);
    r->plan = dusk_plan_ref(plan);
    pthread_mutex_unlock(&r->mu);
}

dusk_callbacks dusk_viz_recorder_callbacks(dusk_viz_recorder *r)
{
    dusk_callbacks cb;
    memset(&cb, 0, sizeof cb);
    if (!r)   /* nothing to record into: callbacks that listen to nothing */
        return cb;
    cb.ud = r;
    cb.start = on_start;
    cb.on_event = on_event;
    return cb;
}

const dusk_plan *dusk_viz_recorder_plan(const dusk_viz_recorder *r)
{
    return r ? r->plan : NULL;
}

const dusk_event *dusk_viz_recorder_events(const dusk_viz_recorder *r, size_t *n)
{
    if (!r) {
        if (n)
            *n = 0;
        return NULL;
    }
    if (n)
        *n = r->n;
    return r->ev;
}

uint64_t dusk_viz_recorder_lost(const dusk_viz_recorder *r)
{
    return r ? r->lost : 0;
}

void dusk_viz_recorder_clear(dusk_viz_recorder *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->mu);
    r->n = 0;
    r->lost = 0;
    dusk_plan_unref(r->plan);
    r->plan = NULL;
    pthread_mutex_unlock(&r->mu);
}
