/*
** dusk — the sync scheduler: every task on the caller's thread
**
** One worker (id 0), no lock: the caller's thread takes a step, runs the
** task it was given, and takes the next step with the outcome, until no
** task is ready. Everything — events, pretask, posttask — happens on that
** thread, in the order the steps make, which is what makes it the
** scheduler to debug with (Dask's get_sync).
*/
#include "sched.h"

static int sync_workers(const dusk_options *o, dusk_error *err)
{
    (void)o;
    (void)err;
    return 1;
}

static int sync_run(dusk__run *r, dusk_error *err)
{
    (void)err;
    dusk__worker *w = &r->workers[0];
    dusk_error terr;
    dusk_value *v = NULL;
    int status = 0;
    int64_t t = dusk__run_step(r, w, dusk__run_clock(r, w), -1, NULL, 0, NULL);
    while (t >= 0) {
        status = dusk__run_task(r, w, t, &v, &terr);
        t = dusk__run_step(r, w, dusk__run_clock(r, w), t, v, status, &terr);
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
