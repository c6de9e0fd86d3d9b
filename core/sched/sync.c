/*
** dusk — the sync scheduler: every task on the caller's thread
**
** One worker (id 0), no lock: the caller's thread takes a step, runs the
** task it was given, and takes the next step with the outcome, until no
** task is ready. Everything — events, pretask, posttask — happens on that
** thread, in the order the steps make, which is what makes it the
** scheduler to debug with (Dask's get_sync). A gated run records each
** finished task, passes the gates, and only then takes the next. A run
** nobody listens to takes the same tasks in the same order in one loop
** (dusk__run_unheard), without a step's calls and checks per task.
*/
#include "sched.h"

static int sync_workers(const dusk_options *o, dusk_error *err)
{
    (void)o;
    (void)err;
    return 1;
}

/* The step after task done (-1: none) in a gated run. */
static int64_t gated_step(dusk__run *r, dusk__worker *w, int64_t done, dusk_value *v,
                          int status, const dusk_error *terr)
{
    dusk__run_record(r, w, dusk__run_clock(r, w), done, v, status, terr);
    if (!dusk__run_wants_gate(r))
        return -1;
    dusk_error gerr;
    int rc = dusk__run_gate(r, w, &gerr);
    if (rc) {
        dusk__run_refused(r, rc, &gerr);
        return -1;
    }
    return dusk__run_take(r, w, dusk__run_clock(r, w));
}

static int sync_run(dusk__run *r, dusk_error *err)
{
    (void)err;
    dusk__worker *w = &r->workers[0];
    dusk_error terr;
    dusk_value *v = NULL;
    int status = 0;
    if (!r->listening) {
        /* nothing to tell, time or ask between tasks: one loop, no step */
        dusk__run_unheard(r, w);
        r->used = 1;
        return 0;
    }
    if (!r->gated) {
        /* no gate to ask between the steps: the plain loop */
        int64_t t = dusk__run_step(r, w, dusk__run_clock(r, w), -1, NULL, 0, NULL);
        while (t >= 0) {
            status = dusk__run_task(r, w, t, &v, &terr);
            t = dusk__run_step(r, w, dusk__run_clock(r, w), t, v, status, &terr);
        }
        dusk__run_flush(r, w);
        r->used = 1;
        return 0;
    }
    int64_t t = dusk__run_gate_armed(r) ? gated_step(r, w, -1, NULL, 0, NULL)
                         : dusk__run_step(r, w, dusk__run_clock(r, w), -1, NULL, 0, NULL);
    while (t >= 0) {
        status = dusk__run_task(r, w, t, &v, &terr);
        t = dusk__run_gate_armed(r) ? gated_step(r, w, t, v, status, &terr)
                     : dusk__run_step(r, w, dusk__run_clock(r, w), t, v, status, &terr);
    }
    dusk__run_flush(r, w);
    r->used = 1;
    return 0;
}

const dusk__backend dusk__sched_sync = {
    .name = "sync",
    .kind = DUSK_SCHED_SYNC,
    .workers = sync_workers,
    .init = NULL,
    .run = sync_run,
    .fini = NULL,
};
