/*
** dusk gui — private to libdusk-gui: the viewer's state and its layout
**
** The viewer (model.c) owns everything; layout.c fills a dusk__layout from
** a plan. Only render.c includes SDL headers.
*/
#ifndef DUSK_GUI_PRIVATE_H
#define DUSK_GUI_PRIVATE_H

#include <pthread.h>
#include <stdint.h>

#include "dusk/alloc.h"
#include "dusk/gui.h"

/* A layered layout: layer = dependency depth, slot = rank by static order
 * within the layer. Arrays indexed by graph id are ngraph long; a task not
 * in the plan has layer -1. */
typedef struct dusk__layout {
    size_t ngraph;        /* the plan's graph size */
    size_t ntasks;
    size_t nlayers;
    size_t widest;        /* the most tasks in one layer */
    int32_t *layer;       /* per graph id */
    int32_t *slot;        /* per graph id */
    size_t *layer_start;  /* nlayers + 1 offsets into order */
    int64_t *order;       /* task ids by (layer, priority) */
    int layer_view;       /* one node per layer */
} dusk__layout;

/* Lays p out; 0, or DUSK_ENOMEM / DUSK_EINVAL (a plan whose dependencies
 * form a cycle, which a validated plan never has) with err set. L is
 * replaced; on failure it is left empty. */
int dusk__layout_build(dusk__layout *L, const dusk_plan *p, size_t threshold, dusk_error *err);
void dusk__layout_free(dusk__layout *L);   /* ends empty */

/* Layout units: a node is 1 x 1 with a gap of DUSK__GAP. */
#define DUSK__GAP 0.5f

/* render.c's state (a font, its glyph atlas, the node buffer), made at
 * the first frame; NULL until then. */
typedef struct dusk__render dusk__render;
void dusk__render_free(dusk__render *R);   /* NULL-safe */
/* The fit-to-window transform of the last layout at w x h pixels: a
 * layout point (x, y) is drawn at (ox + x * scale, oy + y * scale). */
void dusk__view_fit(const dusk_viewer *v, int w, int h, float *scale, float *ox, float *oy);
/* Dask's dashboard colour of each state, as render.c draws it. */
extern const uint8_t dusk__state_rgb[DUSK_TASK_NSTATES][3];
/* The font used when the options name none (fonts-dejavu-core). */
#define DUSK__DEFAULT_FONT "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

typedef struct dusk__pending {
    struct dusk__pending *next;
    const dusk_plan *plan;   /* a reference */
} dusk__pending;

struct dusk_viewer {
    dusk_viewer_options opts;
    dusk_stream *stream;
    /* the plans start callbacks handed over, oldest first (mu guards
     * these two only: the run's thread never waits on the UI) */
    pthread_mutex_t mu;
    dusk__pending *pending, *pending_tail;
    uint64_t plans_lost;          /* start callbacks that could not queue */

    /* everything below: the UI thread's */
    const dusk_plan *plan;        /* the current run's (a reference) */
    const dusk_plan *next_plan;   /* set_plan's, for the next RUN_BEGIN */
    dusk__layout layout;
    uint8_t *state;               /* per graph id: a dusk_task_state */
    size_t counts[DUSK_TASK_NSTATES];
    uint32_t *layer_counts;       /* nlayers x DUSK_TASK_NSTATES */
    int64_t *worker_task;         /* per worker */
    size_t nworkers;
    dusk_held_point *held;
    size_t nheld, held_cap;
    uint64_t held_peak;
    uint64_t events, unplaced;
    dusk_event *batch;            /* pump's buffer */
    dusk__render *render;         /* render.c's, from the first frame */

    /* control.c's: classroom mode, which the run's workers read in the
     * gate (any thread) and the UI sets (any thread). ctl_mu guards the
     * fields that are not atomics and is held for every change; the
     * atomics are also read without it. */
    pthread_mutex_t ctl_mu;
    pthread_cond_t ctl_cv;        /* on CLOCK_MONOTONIC: resume, step, close, delay */
    _Atomic int ctl_hold;         /* paused, closed or slowed: the gate must look */
    _Atomic int ctl_paused, ctl_closed;
    _Atomic uint64_t ctl_delay_ns;  /* slow motion: least time between STARTs */
    uint64_t ctl_steps;           /* tasks that may start while paused */
    uint64_t ctl_last_ns;         /* the last pass or START (dusk_now_ns) */
    int ctl_made;                 /* ctl_mu and ctl_cv exist */
};

/* control.c: makes and ends the viewer's controls (0, or -1 when a
 * mutex or condition variable cannot be made), and fills the gate and the
 * pretask (which notes when a task started, for slow motion) of the
 * viewer's callbacks. */
int dusk__control_init(dusk_viewer *v);
void dusk__control_fini(dusk_viewer *v);
void dusk__control_callbacks(dusk_viewer *v, dusk_callbacks *cb);
int dusk__control_gate(void *ud, int worker, dusk_error *err);

#define DUSK__BATCH 4096
#define DUSK__MAX_WORKERS 65536   /* workers whose current task is kept */

#endif /* DUSK_GUI_PRIVATE_H */
