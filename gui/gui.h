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
    /* Where the nodes are, in layout units: per graph id the top-left of
     * its 1 x 1 node (in the layer view, per layer), and the bounding box.
     * The layered layout puts layer l at x = l * (1 + DUSK__GAP) and slot
     * s at y = s * (1 + DUSK__GAP); another layout may fill them instead. */
    float *x, *y;         /* per graph id (layer view: per layer) */
    float width, height;
} dusk__layout;

/* Lays p out; 0, or DUSK_ENOMEM / DUSK_EINVAL (a plan whose dependencies
 * form a cycle, which a validated plan never has) with err set. L is
 * replaced; on failure it is left empty. */
int dusk__layout_build(dusk__layout *L, const dusk_plan *p, size_t threshold, dusk_error *err);
void dusk__layout_free(dusk__layout *L);   /* ends empty */

/* Layout units: a node is 1 x 1 with a gap of DUSK__GAP. */
#define DUSK__GAP 0.5f

/* draw.c's state (a font, its glyph atlas, the node buffer), made at
 * the first frame; NULL until then. */
typedef struct dusk__render dusk__render;
void dusk__render_free(dusk__render *R);   /* NULL-safe */
/* The graph panel's transform at w x h pixels (its box at (0, 0)): the
 * layout fitted below the legend, then zoomed by v->zoom about the box's
 * centre and moved by (v->pan_x, v->pan_y) pixels. A layout point (x, y)
 * is drawn at (ox + x * scale, oy + y * scale). */
void dusk__view_fit(const dusk_viewer *v, int w, int h, float *scale, float *ox, float *oy);
/* Dask's dashboard colour of each state, as the panels draw it. */
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
    /* The current run's events in the order applied, from its RUN_BEGIN:
     * what the task stream, the memory curve and scrubbing read. */
    dusk_event *log;
    size_t nlog, log_cap;
    size_t shown;                 /* log events the states show: nlog unless
                                     scrubbed back (then states, counts,
                                     worker_task and held are as of
                                     log[shown - 1]) */
    uint64_t t0;                  /* the RUN_BEGIN's t_ns */
    /* per graph id, from the log (facts, whatever is shown): START's time
     * and worker, END's or ERROR's time; 0 / -1 until then */
    uint64_t *t_start, *t_end;
    int32_t *worker_of;
    /* the process's resident memory over time: sampled while a run is
     * followed, or a trace's samples in a replay */
    dusk_held_point *rss;
    size_t nrss, rss_cap;
    int run_over, run_status;     /* RUN_END seen, and its status */

    /* how the window shows things (the UI thread's) */
    dusk__render *render;         /* draw.c's, from the first frame */
    int theme;                    /* DUSK__THEME_* (draw.h) */
    float font_scale;             /* 1: 14 px text */
    float zoom;                   /* the graph panel: 1 = fitted */
    float pan_x, pan_y;           /* ... moved by this many pixels */
    int64_t selected, hover;      /* tasks, -1 for none */
    dusk__ui ui;                  /* the window's: panels, mouse, overlays (ui.h) */
};

#define DUSK__BATCH 4096
#define DUSK__MAX_WORKERS 65536   /* workers whose current task is kept */

#endif /* DUSK_GUI_PRIVATE_H */
