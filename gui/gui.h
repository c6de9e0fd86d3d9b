/*
** dusk gui — private to libdusk-gui: the viewer's state and its layout
**
** The viewer (model.c) owns everything; layout.c fills a dusk__layout from
** a plan. The files that draw include SDL through draw.h: draw.c (themes,
** glyph atlas, text), render.c (the graph panel). Nothing outside gui/
** includes SDL.
*/
#ifndef DUSK_GUI_PRIVATE_H
#define DUSK_GUI_PRIVATE_H

#include <pthread.h>
#include <stdint.h>

#include "dusk/alloc.h"
#include "dusk/gui.h"
#include "ui.h"

/* A layered layout: layer = dependency depth, and within a layer the tasks
 * by static order (a task's slot: its place there, order's index less its
 * layer's layer_start). Arrays indexed by graph id are ngraph long; a task
 * not in the plan has layer -1. layer and order share one block (layout.c),
 * which the start callback fills before the run's first task: every byte
 * of it is a page the run waits for. */
typedef struct dusk__layout {
    size_t ngraph;        /* the plan's graph size */
    size_t ntasks;
    size_t nlayers;
    size_t widest;        /* the most tasks in one layer */
    void *block;          /* what layer and order are in (dusk_free) */
    int32_t *layer;       /* per graph id */
    size_t *layer_start;  /* nlayers + 1 offsets into order */
    uint32_t *order;      /* task ids by (layer, priority) */
    int layer_view;       /* one node per layer */
    /* Where the nodes are, in layout units (y down): per graph id the
     * top-left of its 1 x 1 node (in the layer view, per layer), and the
     * bounding box. Every layout is oriented as visualize() draws (rankdir
     * BT): inputs at the bottom, results at the top. The layered layout
     * puts slot s of a layer of c tasks at x = ((widest - c) / 2 + s) *
     * (1 + DUSK__GAP), centred, and layer l at y = (nlayers - 1 - l) *
     * (1 + DUSK__GAP), layer 0 the bottom row; Graphviz may
     * fill them instead. Layers far wider than the graph is deep (a map
     * over 1,000 blocks: 2 layers of 1,000, drawn as a hairline) are
     * folded: each layer takes rows of at most `fold` slots, slot s in its
     * layer's row s / fold (counted upwards) at column s % fold, and layer
     * l's first row is above every row of the layers before it and half a
     * step more (layout.c). */
    float *x, *y;         /* per graph id (layer view: per layer) */
    size_t fold;          /* slots a row of a folded layout, else 0 */
    float fold_height;    /* its rows and the gaps between layers, in steps */
    float width, height;
    /* The layer view's edges: each pair of layers (from, to) that some
     * dependency joins, once, at [2k] and [2k + 1]; what it draws instead
     * of every task's edge (200,000 lines that fall on a few dozen). */
    uint32_t *ledges;
    size_t nledges;
    int graphviz;         /* x, y, width, height are Graphviz's */
} dusk__layout;

/* Lays p out; 0, or DUSK_ENOMEM / DUSK_EINVAL (a plan whose priorities
 * put a task before one of its dependencies, which dusk_graph_order never
 * does) with err set. L is replaced; on failure it is left empty. */
int dusk__layout_build(dusk__layout *L, const dusk_plan *p, size_t threshold, dusk_error *err);
void dusk__layout_free(dusk__layout *L);   /* ends empty */
/* The same in steps: a job (zeroed to start) lays p out into L until
 * deadline (dusk_now_ns; 0: none) and returns 1 if it stopped there (call
 * again, with the same L, p and threshold, to go on), 0 once L is laid
 * out, or an error as dusk__layout_build (L then empty). Every call makes
 * progress. The job's scratch memory is freed when it ends, or by
 * dusk__layout_job_free (a job given up). */
/* A clock in ns, in dusk_now_ns's terms, that deadlines are read with
 * (NULL: dusk_now_ns): a test gives the pump a virtual one, so that what a
 * bounded pump does is the same on every machine and under any load. */
typedef uint64_t (*dusk__clock_fn)(void *ud);

typedef struct dusk__layout_job {
    dusk__clock_fn now;      /* the deadline's clock; set before each call */
    void *now_ud;
    int phase;
    size_t i;                /* where the phase resumes */
    size_t nlayers, sum;
    uint32_t *queue;         /* the plan's tasks by priority (in L->block) */
    uint32_t *count;         /* per priority (a culled plan's), then tasks per
                                layer: count_cap entries */
    size_t count_cap;
    uint64_t *pairs;         /* the layer view's edges seen (layout.c) */
    size_t pairs_cap;        /* pairs' room; L->ledges has pairs_cap uint32_t */
    uint64_t last_pair;
    float *rowy;             /* a folded layout's first row per layer, from the
                                bottom, in steps */
} dusk__layout_job;
/* The slots a row of a layout of ntasks in nlayers (layer l has
 * layer_start[l + 1] - layer_start[l] tasks), or 0 when its layers stay
 * whole rows (layout.c). */
size_t dusk__fold_of(size_t ntasks, size_t nlayers, const size_t *layer_start);
int dusk__layout_job_run(dusk__layout *L, dusk__layout_job *j, const dusk_plan *p,
                         size_t threshold, uint64_t deadline, dusk_error *err);
void dusk__layout_job_free(dusk__layout_job *j);
/* Moves the nodes of a built layout (not the layer view) to where
 * Graphviz's dot puts them (dusk_viz_layout_plan, rankdir BT), when the
 * plan has at most max_tasks tasks (0: DUSK_VIEWER_GRAPHVIZ_THRESHOLD;
 * DUSK_VIEWER_NO_GRAPHVIZ: never) and dot's drawing, fitted to a panel
 * 1.6 times as wide as tall, has nodes more than 2/3 as large as the
 * layered layout's. 1 when it did, 0 when the layered positions stay (too
 * many tasks, or dot's nodes too small), or Graphviz's error code with err set
 * (the layered positions stay). layer and order are not changed. */
int dusk__layout_graphviz(dusk__layout *L, const dusk_plan *p, size_t max_tasks,
                          dusk_error *err);

/* Asks the kernel for 2 MiB pages under the 2 MiB-aligned part of
 * [p, p + len) (madvise; advice a kernel without transparent huge pages
 * ignores): memory written at once, where 4 KiB pages cost a fault each. */
void dusk__advise_huge(void *p, size_t len);
/* len bytes in such pages when len is at least 1 MiB (from a 2 MiB
 * boundary, in a block 2 MiB longer than len rounded up: address space
 * that is never touched), else in a plain block; the bytes' start, or NULL
 * out of memory. *block gets what to dusk_free. */
void *dusk__huge_block(size_t len, void **block);

/* Layout units: a node is 1 x 1 with a gap of DUSK__GAP. */
#define DUSK__GAP 0.5f

/* draw.c's state (a font, its glyph atlas, the node buffer), made at
 * the first frame; NULL until then. */
typedef struct dusk__render dusk__render;
void dusk__render_free(dusk__render *R);   /* NULL-safe */
/* The graph panel's transform at w x h pixels (its box at (0, 0)): the
 * layout fitted below the legend, each axis on its own (a graph of 40
 * columns and 5 rows fills the panel's height too, not a strip across its
 * middle), then zoomed by v->zoom about the box's centre and moved by
 * (v->pan_x, v->pan_y) pixels. A layout point (x, y) is drawn at
 * (ox + x * sx, oy + y * sy); a node, a square `side` px (the smaller
 * scale, at least 1), is centred in its 1 x 1 cell: dusk__node_px. */
typedef struct dusk__fit {
    float sx, sy;    /* pixels per layout unit, across and down */
    float ox, oy;    /* where the layout's (0, 0) is */
    float side;      /* a node's side in pixels */
} dusk__fit;
void dusk__view_fit(const dusk_viewer *v, int w, int h, dusk__fit *fit);
/* The top-left pixel of the node whose cell's top-left is at layout (x, y). */
static inline float dusk__node_x(const dusk__fit *t, float x)
{
    return t->ox + (x + 0.5f) * t->sx - t->side / 2;
}
static inline float dusk__node_y(const dusk__fit *t, float y)
{
    return t->oy + (y + 0.5f) * t->sy - t->side / 2;
}
/* The font used when the options name none: DejaVu Sans's printable
 * ASCII, built in from assets/fonts/ (gui/assets.h). */
#define DUSK__DEFAULT_FONT "fonts/DejaVuSans-ascii.ttf"

typedef struct dusk__pending {
    struct dusk__pending *next;
    const dusk_plan *plan;   /* a reference */
    uint64_t epoch;          /* dusk_now_ns() at the start callback: the run's
                                t = 0 (core reads it just before) */
    /* The plan laid out by the start callback, before the run's first
     * task, with every task WAITING: the RUN_BEGIN only adopts them.
     * state NULL: not made (out of memory); the pump lays the plan out. */
    dusk__layout layout;
    uint8_t *state;          /* per graph id, as v->state */
    uint32_t *layer_counts;  /* as v->layer_counts */
    uint64_t layout_ns;      /* the start callback's time, from epoch */
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
    size_t *held_log;             /* per point: nlog once its event was logged */
    size_t nheld, held_cap;
    uint64_t held_peak;
    uint64_t events, unplaced;
    dusk__clock_fn pump_clock;    /* what a bounded pump reads (NULL: */
    void *pump_clock_ud;          /* dusk_now_ns); tests set a virtual one */
    uint64_t pump_yields;         /* slices a bounded pump ended with a yield */
    dusk_event *batch;            /* pump's buffer: drained from the stream, */
    size_t batch_i, batch_n;      /* ... applied up to batch_i of batch_n */
    /* A RUN_BEGIN taken but not laid out yet (model.c's begin_work): a
     * bounded pump lays a big plan out over several calls, the events
     * after it waiting in the batch and the stream. The layout and the
     * states are built aside and become the run's at its end. */
    int begin_pending;
    int begin_phase;
    size_t begin_i;
    dusk_event begin_ev;
    uint64_t begin_epoch;
    dusk__layout begin_layout;
    dusk__layout_job begin_job;
    uint8_t *begin_state;
    uint32_t *begin_counts;       /* a start callback's layer counts (its
                                     states are begin_state), NULL otherwise */
    /* The current run's events in the order applied, from its RUN_BEGIN:
     * what the task stream, the memory curve and scrubbing read. */
    dusk_event *log;
    size_t nlog, log_cap;
    size_t shown;                 /* log events the states show: nlog unless
                                     scrubbed back (then states, counts and
                                     worker_task are as of log[shown - 1];
                                     held keeps every point: dusk__held_at) */
    uint64_t t0;                  /* the RUN_BEGIN's t_ns */
    uint64_t epoch;               /* a live run's t = 0 in dusk_now_ns() terms
                                     (its start callback's); 0: not live */
    uint64_t layout_ns;           /* a live run's wait for its start callback
                                     (dusk_viewer_layout_ns); 0: none */
    /* Scrubbing (model.c). Moving the shown point forward applies log
     * events, backward undoes them, each from what applying it overwrote
     * (kept per log event, log_cap long), so a move costs the events it
     * crosses. The log's times are non-decreasing (a later event stamped
     * earlier is logged at its predecessor's time). */
    uint8_t *undo_state;          /* the task's state before log[i] */
    int64_t *undo_worker;         /* START/END/ERROR: the worker's task before */
    int follow;                   /* 1: shown follows nlog (live); 0: scrubbed */
    uint64_t cursor;              /* scrubbed: the shown time from t0 */
    double speed, carry;          /* playback speed; the ns fraction not yet moved */
    struct dusk__replayed *replayed;   /* replay.c: the functions of trace plans */
    /* per graph id, from the log (facts, whatever is shown): START's time
     * and worker, END's or ERROR's time; 0 / -1 until then */
    uint64_t *t_start, *t_end;
    int32_t *worker_of;
    /* the process's resident memory over time: sampled while a run is
     * followed, or a trace's samples in a replay */
    dusk_held_point *rss;
    size_t nrss, rss_cap;
    int run_over, run_status;     /* RUN_END seen, and its status */
    uint64_t runs;                /* clear_run's count: a run's points are
                                     appended only, until the next one */

    /* how the window shows things (the UI thread's) */
    dusk__render *render;         /* draw.c's, from the first frame */
    int theme;                    /* DUSK__THEME_* (draw.h) */
    struct dusk__theme *user_theme;   /* DUSK__THEME_USER's, from a file; NULL: none */
    float font_scale;             /* 1: 14 px text */
    float zoom;                   /* the graph panel: 1 = fitted */
    float pan_x, pan_y;           /* ... moved by this many pixels */
    int64_t selected, hover;      /* tasks, -1 for none */
    struct dusk__chunks *chunks;  /* chunks.c's grids and set_array's sizes,
                                     NULL until used */

    /* panels.c: the task stream, memory and progress panels */
    double stream_span;           /* seconds the task stream shows at most (0: 10) */
    uint64_t rss_epoch;           /* dusk_now_ns() at the run's t = 0, as estimated
                                     by dusk__rss_sample (0: not yet) */
    uint64_t rss_last;            /* dusk_now_ns() of the last RSS sample */
    struct dusk__panels *panels;  /* panels.c's per-plan cache (function
                                     colours, task groups, buffers) */

    /* control.c's: classroom mode, which the run's workers read in the
     * gate (any thread) and the UI sets (any thread). ctl_mu guards the
     * fields that are not atomics and is held for every change; the
     * atomics are also read without it. */
    pthread_mutex_t ctl_mu;
    pthread_cond_t ctl_cv;        /* on CLOCK_MONOTONIC: resume, step, close, delay */
    int ctl_hold;                 /* paused, closed or slowed: the gate must look
                                     (the run's gate_armed; __atomic loads and stores) */
    _Atomic int ctl_paused, ctl_closed;
    _Atomic uint64_t ctl_delay_ns;  /* slow motion: least time between two
                                       STARTs of one worker */
    uint64_t ctl_steps;           /* tasks that may start while paused */
    uint8_t *ctl_reserved;        /* per worker: holds a step, no START yet */
    uint64_t *ctl_started;        /* per worker: its last START (dusk_now_ns) */
    size_t ctl_nreserved;         /* workers ctl_reserved and ctl_started hold */
    uint64_t ctl_last_ns;         /* workers < 0: their last pass or START */
    int ctl_made;                 /* ctl_mu and ctl_cv exist */
    dusk__ui ui;                  /* the window's: panels, mouse, overlays (ui.h) */
};

/* "Now" in the log's clock: the time of the last event shown, or, while a
 * live run is followed, the clock's (so a long task's bar grows and the
 * elapsed time runs between events). */
uint64_t dusk__view_now(const dusk_viewer *v);

/* Frees chunks.c's state (NULL-safe); dusk_viewer_free calls it. */
void dusk__chunks_free(struct dusk__chunks *C);
/* Frees panels.c's cache (v->panels); dusk_viewer_free calls it. */
void dusk__panels_free(dusk_viewer *v);
/* The number of points of p[0..n) at or before t (p by time). A panel
 * draws the first dusk__held_at(v) points of v->held (those of the events
 * shown) and the first dusk__rss_at(v) of v->rss (those up to the shown
 * time; times from the run's start). */
size_t dusk__points_upto(const dusk_held_point *p, size_t n, uint64_t t);
size_t dusk__held_at(const dusk_viewer *v);
size_t dusk__rss_at(const dusk_viewer *v);
/* Shows exactly the first k events of the log (k from 1 to nlog; the
 * cursor goes to log[k - 1]'s time): a key that steps one event, and the
 * tests' way to stop between events of one time. */
void dusk__show(dusk_viewer *v, size_t k);
/* replay.c: starts a run of plan (a reference is taken, no queued plan is
 * used) at the RUN_BEGIN begin, as dusk_viewer_feed would with that plan. */
void dusk__begin_with(dusk_viewer *v, const dusk_plan *plan, const dusk_event *begin);
/* replay.c: frees the functions of replayed plans (after the last of
 * those plans is gone: the viewer's end). */
void dusk__replayed_free(struct dusk__replayed *r);

/* control.c: makes and ends the viewer's controls (0, or -1 when a
 * mutex or condition variable cannot be made), and fills the gate and the
 * pretask (which notes when a task started, for slow motion) of the
 * viewer's callbacks. */
int dusk__control_init(dusk_viewer *v);
void dusk__control_fini(dusk_viewer *v);
void dusk__control_callbacks(dusk_viewer *v, dusk_callbacks *cb);
int dusk__control_gate(void *ud, int worker, dusk_error *err);
/* A run starts (its start callback): steps workers held in the last one
 * are dropped. */
void dusk__control_begin(dusk_viewer *v);

#define DUSK__BATCH 4096
#define DUSK__MAX_WORKERS 65536   /* workers whose current task is kept */

#endif /* DUSK_GUI_PRIVATE_H */
