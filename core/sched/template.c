/*
** dusk — a scheduler backend to copy: every function a backend fills
**
** This backend is compiled, so that it keeps up with sched.h, but no
** dusk_options.scheduler selects it: its run refuses to run anything. To
** write a new one (say `processes`):
**
**   1. copy this file to core/sched/processes.c and rename `template`;
**   2. fill in the four functions below, following their comments and
**      the protocol at the top of sched.h;
**   3. add DUSK_SCHED_PROCESSES to dusk_sched_kind (include/dusk/sched.h)
**      and &dusk__sched_processes to backends[] in run.c;
**   4. run tests/core/test_{sched,events,alloc}.c with it in SCHEDS
**      (tests/helpers.h): every scheduler must give the same results,
**      the same events and the same callback order (events.h).
**
** What the run engine already does for you: culling, ordering and the
** plan; the ready heap, the results table and early release; every event
** and every callback. What a backend decides: how many workers, where a
** task runs, and how steps are serialised. A backend whose workers live in
** another address space (fork, MPI) keeps the run in the caller's process:
** a thread there takes the steps, sends each task (its dusk_func's name and
** its inputs, values being encodable) to a worker, and takes the next step
** when the outcome comes back; callbacks are then called on that thread.
*/
#include "sched.h"

/* How many workers a run with options o gets (o->workers >= 0; 0 means
 * one per core, or whatever suits the backend). A backend that cannot
 * honour o returns dusk_error_set(err, DUSK_EINVAL, "...") here, before
 * anything is allocated. */
static int template_workers(const dusk_options *o, dusk_error *err)
{
    (void)err;
    return o->workers > 0 ? o->workers : 1;
}

/* Before any callback: allocate the backend's state into r->backend
 * (threads keeps its condition variable and thread handles there; a
 * processes backend would fork its workers and open their pipes). On
 * failure return a code with err set: the run fails and fini follows. */
static int template_init(dusk__run *r, dusk_error *err)
{
    (void)err;
    r->backend = NULL;
    return 0;
}

/* Run every task of r->plan, for each worker w = &r->workers[i]:
 *
 *     int64_t t = dusk__run_step(r, w, dusk__run_clock(r, w), -1, NULL, 0, NULL);
 *     while (t >= 0) {
 *         status = dusk__run_task(r, w, t, &v, &terr);   // or started,
 *                                                        // elsewhere, ended
 *         t = dusk__run_step(r, w, dusk__run_clock(r, w), t, v, status, &terr);
 *     }
 *     dusk__run_flush(r, w);
 *
 * with the steps of all workers serialised, and a worker that gets -1
 * while !dusk__run_over(r) waiting for another's step (sync.c is the
 * smallest complete example, threads.c the one with a lock). Set r->used
 * to the number of workers that took part, and return 0 once no step will
 * be taken any more; a code of the backend's own (err set) only when it
 * could not run at all.
 *
 * When dusk__run_gate_armed(r), split the step around the gates as sched.h shows
 * (sync.c's and threads.c's gated_step): record, then, if
 * dusk__run_wants_gate(r), call dusk__run_gate outside any lock, then
 * take (or dusk__run_refused). */
static int template_run(dusk__run *r, dusk_error *err)
{
    r->used = 0;
    return dusk_error_set(err, DUSK_EINVAL,
                          "the %s backend runs nothing: copy core/sched/template.c to "
                          "write a scheduler", r->be->name);
}

/* After run (or a failed init): free r->backend, join or reap workers. */
static void template_fini(dusk__run *r)
{
    r->backend = NULL;
}

const dusk__backend dusk__sched_template = {
    .name = "template",
    .kind = -1,   /* no dusk_sched_kind: never selected */
    .workers = template_workers,
    .init = template_init,
    .run = template_run,
    .fini = template_fini,
};
