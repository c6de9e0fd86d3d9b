/*
** dusk gui — classroom mode: the viewer holds the real run through its gate
**
** dusk_viewer_callbacks carries a gate (include/dusk/events.h) that every
** worker of the run passes before it takes a task. The UI, on any thread,
** pauses it (workers wait in the gate before their next task; running
** tasks finish and show in memory), steps it (one more task may start),
** slows it (each worker holds each task for at least `delay`: it starts
** its next task no sooner than `delay` after its own last START, so two
** workers still run side by side, which is what a class should see) or
** closes it (every gate refuses with DUSK_ECANCELED at once,
** waking the workers that wait, and the run ends as a failed one does).
**
** Locking: v->ctl_mu guards the controls and is held for every change,
** each change broadcasting ctl_cv, so that a worker waiting in the gate
** re-reads everything after any of them. At full speed (not paused, not
** closed, no delay) ctl_hold is 0; it is the gate_armed of the viewer's
** callbacks, so the run does not call the gate at all and takes its lock
** once a task, as an ungated run (the gate also returns at once on 0).
**
** Slow motion measures, for each worker, from its own last START (the
** pretask callback, called once the START's time is taken, notes it); a
** worker the gate does not know (worker < 0) counts from the last pass or
** START of any such worker, as one.
** Waits are pthread_cond_timedwait on CLOCK_MONOTONIC, the clock of dusk_now_ns
** and of the events' times.
*/
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "gui.h"

#define MAX_DELAY_S 10.0

int dusk__control_init(dusk_viewer *v)
{
    pthread_condattr_t ca;
    if (pthread_condattr_init(&ca) != 0)
        return -1;
    int ok = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 &&
             pthread_cond_init(&v->ctl_cv, &ca) == 0;
    pthread_condattr_destroy(&ca);
    if (!ok)
        return -1;
    if (pthread_mutex_init(&v->ctl_mu, NULL) != 0) {
        pthread_cond_destroy(&v->ctl_cv);
        return -1;
    }
    v->ctl_made = 1;
    return 0;
}

void dusk__control_fini(dusk_viewer *v)
{
    dusk_free(v->ctl_reserved);
    v->ctl_reserved = NULL;
    dusk_free(v->ctl_started);
    v->ctl_started = NULL;
    v->ctl_nreserved = 0;
    if (!v->ctl_made)
        return;
    pthread_cond_destroy(&v->ctl_cv);
    pthread_mutex_destroy(&v->ctl_mu);
    v->ctl_made = 0;
}

/* After a change, under ctl_mu: whether the gate must look, and wake
 * every worker waiting in it. */
static void changed(dusk_viewer *v)
{
    __atomic_store_n(&v->ctl_hold, atomic_load(&v->ctl_paused) || atomic_load(&v->ctl_closed) ||
                                       atomic_load(&v->ctl_delay_ns) > 0,
                     __ATOMIC_RELEASE);
    pthread_cond_broadcast(&v->ctl_cv);
}

/* Under ctl_mu: whether worker w holds a step it has not started a task
 * with (it passed the gate, then found the task taken and waited). */
static int reserved(const dusk_viewer *v, int w)
{
    return w >= 0 && (size_t)w < v->ctl_nreserved && v->ctl_reserved[w];
}

/* Under ctl_mu: room for worker w's flag and START mark; 0, or -1 when
 * there is none (w < 0, or no memory). */
static int grow(dusk_viewer *v, int w)
{
    if (w < 0)
        return -1;
    if ((size_t)w < v->ctl_nreserved)
        return 0;
    size_t n = (size_t)w + 16;
    uint8_t *r = dusk_realloc(v->ctl_reserved, n);
    if (!r)
        return -1;
    memset(r + v->ctl_nreserved, 0, n - v->ctl_nreserved);
    v->ctl_reserved = r;
    uint64_t *m = dusk_realloc(v->ctl_started, n * sizeof *m);
    if (!m)
        return -1;   /* ctl_nreserved unchanged: the larger r is harmless */
    memset(m + v->ctl_nreserved, 0, (n - v->ctl_nreserved) * sizeof *m);
    v->ctl_started = m;
    v->ctl_nreserved = n;
    return 0;
}

/* Under ctl_mu: w takes a step; 0, or -1 when its flag cannot be kept
 * (the step is then used by this pass, as if it started a task). */
static int reserve(dusk_viewer *v, int w)
{
    if (grow(v, w) != 0)
        return -1;
    v->ctl_reserved[w] = 1;
    return 0;
}

/* Under ctl_mu: where worker w's last START is noted (the shared mark for
 * a worker without a slot of its own). */
static uint64_t *mark_of(dusk_viewer *v, int w)
{
    return grow(v, w) == 0 ? &v->ctl_started[w] : &v->ctl_last_ns;
}

static void forget_steps(dusk_viewer *v)
{
    v->ctl_steps = 0;
    if (v->ctl_reserved)
        memset(v->ctl_reserved, 0, v->ctl_nreserved);
}

/* --- the run's side ------------------------------------------------------------ */

void dusk__control_begin(dusk_viewer *v)
{
    pthread_mutex_lock(&v->ctl_mu);
    if (v->ctl_reserved)   /* a step held in the last run is not this one's */
        memset(v->ctl_reserved, 0, v->ctl_nreserved);
    pthread_mutex_unlock(&v->ctl_mu);
}

int dusk__control_gate(void *ud, int worker, dusk_error *err)
{
    dusk_viewer *v = ud;
    if (!__atomic_load_n(&v->ctl_hold, __ATOMIC_ACQUIRE))
        return 0;   /* full speed */
    int rc = 0;
    pthread_mutex_lock(&v->ctl_mu);
    for (;;) {
        if (atomic_load(&v->ctl_closed)) {
            rc = dusk_error_set(err, DUSK_ECANCELED, "the viewer was closed");
            break;
        }
        /* paused: a step of its own still unused, or a new one */
        if (atomic_load(&v->ctl_paused) && v->ctl_steps == 0 && !reserved(v, worker)) {
            pthread_cond_wait(&v->ctl_cv, &v->ctl_mu);
            continue;
        }
        uint64_t delay = atomic_load(&v->ctl_delay_ns);
        uint64_t *mark = mark_of(v, worker);
        if (delay && *mark) {
            uint64_t due = *mark + delay, now = dusk_now_ns();
            if (now < due) {
                struct timespec ts = {(time_t)(due / 1000000000u), (long)(due % 1000000000u)};
                pthread_cond_timedwait(&v->ctl_cv, &v->ctl_mu, &ts);
                continue;   /* the time, or a change: look again */
            }
        }
        /* A step is held by the worker until its task STARTs (pretask), so
         * a pass that finds the task taken by another worker, which then
         * waits for a ready task, does not use one up: each step starts
         * exactly one task. */
        if (atomic_load(&v->ctl_paused) && !reserved(v, worker)) {
            v->ctl_steps--;
            reserve(v, worker);
        }
        if (mark == &v->ctl_last_ns)   /* workers without a mark of their own share one */
            v->ctl_last_ns = dusk_now_ns();
        break;
    }
    pthread_mutex_unlock(&v->ctl_mu);
    return rc;
}

/* pretask: the task's START has its time; the worker's slow motion
 * counts from it. */
static void control_started(void *ud, int64_t task, int worker)
{
    dusk_viewer *v = ud;
    (void)task;
    if (!__atomic_load_n(&v->ctl_hold, __ATOMIC_ACQUIRE))
        return;
    pthread_mutex_lock(&v->ctl_mu);
    if (reserved(v, worker))
        v->ctl_reserved[worker] = 0;   /* its step is used: a task started */
    uint64_t *mark = mark_of(v, worker), now = dusk_now_ns();
    if (now > *mark)
        *mark = now;
    pthread_mutex_unlock(&v->ctl_mu);
}

void dusk__control_callbacks(dusk_viewer *v, dusk_callbacks *cb)
{
    cb->gate = dusk__control_gate;
    /* at full speed the run does not call the gate at all: one lock a task */
    cb->gate_armed = &v->ctl_hold;
    cb->pretask = control_started;
}

/* --- the UI's side --------------------------------------------------------------- */

void dusk_viewer_pause(dusk_viewer *v, int paused)
{
    if (!v)
        return;
    pthread_mutex_lock(&v->ctl_mu);
    /* steps asked for count for their pause only: forgotten on a change */
    if (atomic_load(&v->ctl_paused) != (paused != 0))
        forget_steps(v);
    atomic_store(&v->ctl_paused, paused != 0);
    changed(v);
    pthread_mutex_unlock(&v->ctl_mu);
}

int dusk_viewer_paused(const dusk_viewer *v)
{
    return v ? atomic_load(&v->ctl_paused) : 0;
}

void dusk_viewer_step(dusk_viewer *v)
{
    if (!v)
        return;
    pthread_mutex_lock(&v->ctl_mu);
    if (atomic_load(&v->ctl_paused)) {
        v->ctl_steps++;
        changed(v);
    }
    pthread_mutex_unlock(&v->ctl_mu);
}

void dusk_viewer_set_delay(dusk_viewer *v, double seconds)
{
    if (!v)
        return;
    if (!(seconds > 0))   /* negative, zero, NaN: full speed */
        seconds = 0;
    if (seconds > MAX_DELAY_S)
        seconds = MAX_DELAY_S;
    pthread_mutex_lock(&v->ctl_mu);
    atomic_store(&v->ctl_delay_ns, (uint64_t)(seconds * 1e9 + 0.5));
    changed(v);
    pthread_mutex_unlock(&v->ctl_mu);
}

double dusk_viewer_delay(const dusk_viewer *v)
{
    return v ? (double)atomic_load(&v->ctl_delay_ns) / 1e9 : 0.0;
}

void dusk_viewer_close(dusk_viewer *v)
{
    if (!v)
        return;
    pthread_mutex_lock(&v->ctl_mu);
    atomic_store(&v->ctl_closed, 1);
    changed(v);
    pthread_mutex_unlock(&v->ctl_mu);
}

int dusk_viewer_closed(const dusk_viewer *v)
{
    return v ? atomic_load(&v->ctl_closed) : 0;
}
