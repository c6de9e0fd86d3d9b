/*
** dusk — the live viewer: a run's tasks, their states and its memory, as it happens
** Library: libdusk-gui (gui/; the only code of dusk that includes SDL headers).
**
** A dusk_viewer follows runs through two things it owns and hands out:
**
**     dusk_viewer *v = dusk_viewer_new(NULL);
**     dusk_callbacks cb = dusk_viewer_callbacks(v);   // hands over the plan
**     o.callbacks = &cb; o.ncallbacks = 1;
**     o.stream = dusk_viewer_stream(v);                // carries the events
**     ... dusk_get on a run thread; on the UI thread, every frame:
**     dusk_viewer_pump(v);                             // events -> states
**     dusk_viewer_render(v, renderer, w, h, &err);     // draw the graph panel
**
** The callbacks set only `start` (and `finish`), so the run reads no clock
** for them: the events come through the lossless dusk_stream, which the
** run appends to without waiting and dusk_viewer_pump drains. `start`
** takes a reference to the run's plan and queues it under a short lock;
** pump picks it up at the run's RUN_BEGIN, lays the plan out (linear time,
** below) and sets every task of the plan to WAITING. A viewer follows any
** number of runs, one at a time: each RUN_BEGIN starts the picture afresh.
**
** Threads: the callbacks may be called from the run's thread while another
** thread (the UI's) calls everything else; all other functions but
** classroom mode's (at the end, for any thread) are for that one thread
** only.
**
** Replay: dusk_viewer_set_plan and dusk_viewer_feed apply a plan and
** recorded events (dusk_profiler_run_events) without a run.
**
** Task states are the ones of Dask's dashboard, with its colours:
** WAITING (gray; inputs not yet in memory), READY (yellow; READY event),
** RUNNING (green; START), MEMORY (red; END), RELEASED (blue; RELEASED),
** ERRED (black; ERROR).
**
** Layout: a task's layer is its dependency depth (a task with no
** dependencies is in layer 0, any other one layer past its deepest
** dependency); within a layer tasks are placed in static order
** (dusk_plan_priority, the order the scheduler prefers). Both are counting
** sorts: linear in tasks plus edges. Layers are columns from left to
** right, each node a unit square with a gap of half a unit. Past
** opts->layer_view_threshold tasks the viewer switches to the layer view:
** one node per layer (its rectangle is the layer's, and its colour the
** state most of its tasks are in), since a node per task would be under a
** pixel.
*/
#ifndef DUSK_GUI_H
#define DUSK_GUI_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "events.h"
#include "plan.h"

#include "version.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    DUSK_TASK_WAITING = 0,
    DUSK_TASK_READY,
    DUSK_TASK_RUNNING,
    DUSK_TASK_MEMORY,
    DUSK_TASK_RELEASED,
    DUSK_TASK_ERRED,
    DUSK_TASK_NSTATES
} dusk_task_state;

typedef struct dusk_viewer_options {
    /* Past this many tasks, the layer view (one node per layer); 0: the
     * default, 100,000. */
    size_t layer_view_threshold;
    /* The TrueType font of the labels; NULL: DejaVu Sans of Debian's
     * fonts-dejavu-core (/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf).
     * The path is read at the first frame, not kept after it. */
    const char *font;
} dusk_viewer_options;

#define DUSK_VIEWER_OPTIONS_INIT {0, NULL}

typedef struct dusk_viewer dusk_viewer;

/* A point of the bytes-held curve: the scheduler's `held` after the event
 * at t_ns (one point per change). */
typedef struct dusk_held_point {
    uint64_t t_ns;
    uint64_t held;
} dusk_held_point;

/* A rectangle in layout units (see Layout above). */
typedef struct dusk_view_rect {
    float x, y, w, h;
} dusk_view_rect;

/* A new viewer with its stream (o NULL: the defaults), or NULL on out of
 * memory. Free it after its last run has ended. */
DUSK_API dusk_viewer *dusk_viewer_new(const dusk_viewer_options *o);
DUSK_API void dusk_viewer_free(dusk_viewer *v);   /* NULL-safe */
/* The callbacks to give a run (start, and classroom mode's gate and
 * pretask: see the end); all NULL for a NULL v. */
DUSK_API dusk_callbacks dusk_viewer_callbacks(dusk_viewer *v);
/* The viewer's stream, for dusk_options.stream (owned by the viewer). */
DUSK_API dusk_stream *dusk_viewer_stream(dusk_viewer *v);

/* Moves every event the stream holds now into the viewer's state; returns
 * how many (0 for NULL). */
DUSK_API size_t dusk_viewer_pump(dusk_viewer *v);
/* Replay: the plan of the runs fed next (a reference is taken; the next
 * RUN_BEGIN fed or pumped with no plan queued uses it), and events applied
 * in order as pump applies the stream's. DUSK_EINVAL for NULL, DUSK_ENOMEM. */
DUSK_API int dusk_viewer_set_plan(dusk_viewer *v, const dusk_plan *plan, dusk_error *err);
DUSK_API int dusk_viewer_feed(dusk_viewer *v, const dusk_event *ev, size_t n);

/* A task's state, or -1 for a task not in the current plan or a NULL v. */
DUSK_API int dusk_viewer_state(const dusk_viewer *v, int64_t task);
/* How many tasks of the current run are in a state (0 for a bad state). */
DUSK_API size_t dusk_viewer_count(const dusk_viewer *v, int state);
/* The task a worker runs now, -1 when it is idle or unknown. */
DUSK_API int64_t dusk_viewer_worker_task(const dusk_viewer *v, int worker);
/* Events applied since the viewer was made, and events it could not place
 * (a task not in the plan, an unknown kind): the status line shows both. */
DUSK_API uint64_t dusk_viewer_events(const dusk_viewer *v);
DUSK_API uint64_t dusk_viewer_unplaced(const dusk_viewer *v);
/* The current run's bytes-held curve (*pts borrowed until the next pump or
 * feed) and its length; its peak in *peak when peak is not NULL. */
DUSK_API size_t dusk_viewer_held(const dusk_viewer *v, const dusk_held_point **pts,
                                 uint64_t *peak);

/* The node of a task in the layout (in the layer view: its layer's node):
 * 0, or DUSK_EINVAL for a task not in the plan or a NULL argument. */
DUSK_API int dusk_viewer_node(const dusk_viewer *v, int64_t task, dusk_view_rect *r);
/* The layout's layers, and 1 when it is the layer view. */
DUSK_API size_t dusk_viewer_nlayers(const dusk_viewer *v);
DUSK_API int dusk_viewer_layer_view(const dusk_viewer *v);

/* --- drawing (SDL2) ----------------------------------------------------------- */

struct SDL_Renderer;

/* Draws the graph panel of the viewer's state as it is now into r's
 * current target, over (0, 0)-(w, h): a legend strip (each state's colour,
 * name and count) at the top, the graph fitted below it, nodes in their
 * state's colour, edges (every k-th only when there are more than 20,000)
 * when a node is at least 2 pixels wide. It does not present: read pixels
 * or present afterwards. The first call opens the font (DUSK_EIO naming it
 * when it cannot be read) and keeps a glyph atlas; nothing of r is kept
 * between calls, so r may be destroyed before or after the viewer. 0 or
 * DUSK_EINVAL (NULL, an empty size), DUSK_EIO, DUSK_ENOMEM. */
DUSK_API int dusk_viewer_render(dusk_viewer *v, struct SDL_Renderer *r, int w, int h,
                                dusk_error *err);

/* --- classroom mode ----------------------------------------------------------- */

/* The viewer's callbacks (dusk_viewer_callbacks) carry a gate
 * (dusk_callbacks.gate, events.h) that the run's workers pass before they
 * take each task, and a pretask that notes when it started: these calls
 * hold the real run, not a replay of it. They are thread-safe, may be
 * called from any thread (the UI's, usually) before, during or between
 * runs, and take effect at each worker's next gate; running tasks finish
 * (and show in memory) either way. A NULL v does nothing, and its getters
 * answer 0. */

/* Pause (non-zero) or resume (0) the run: while paused no task starts;
 * workers wait in the gate. Resuming forgets unused steps. */
DUSK_API void dusk_viewer_pause(dusk_viewer *v, int paused);
DUSK_API int dusk_viewer_paused(const dusk_viewer *v);
/* While paused, lets one more task start (each call one more); does
 * nothing while running. */
DUSK_API void dusk_viewer_step(dusk_viewer *v);
/* Slow motion: at least `seconds` between two STARTs of the run, across
 * all workers (0: full speed), clamped to [0, 10] (NaN: 0). A change wakes
 * the workers waiting for the old delay; 0.05 s to 2 s suit a class. */
DUSK_API void dusk_viewer_set_delay(dusk_viewer *v, double seconds);
DUSK_API double dusk_viewer_delay(const dusk_viewer *v);
/* The window was closed: every gate refuses at once (also those waiting
 * in a pause or a delay), so the run stops as a failed run does, its
 * running tasks finishing, and dusk_get returns DUSK_ECANCELED with "the
 * viewer was closed"; nothing leaks. For good: a later run through this
 * viewer stops before its first task. Free the viewer once the run has
 * returned. */
DUSK_API void dusk_viewer_close(dusk_viewer *v);
DUSK_API int dusk_viewer_closed(const dusk_viewer *v);

#ifdef __cplusplus
}
#endif
#endif /* DUSK_GUI_H */
