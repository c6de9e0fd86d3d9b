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
**     dusk_viewer_render(v, renderer, w, h, &err);     // draw the panels
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
** thread (the UI's) calls everything else; all other functions are for
** that one thread only.
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
#include "sched.h"

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
/* The callbacks to give a run (start and finish only); all NULL for a
 * NULL v. */
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

/* Draws the window of the viewer's state as it is now into r's current
 * target, over (0, 0)-(w, h): the panels shown (see "the window" below;
 * the graph large at the left and top, a status strip at the bottom),
 * the hovered task's tooltip and the help overlay when shown, and writes
 * the screenshot that p asked for. The graph panel: a legend strip (each
 * state's colour, name and count) at the top, the graph fitted below it,
 * nodes in their state's colour, edges (every k-th only when there are
 * more than 20,000) when a node is at least 2 pixels wide, running tasks
 * outlined in their worker's colour, the selected task and its
 * neighbours in the theme's accent. It does not present: read pixels or
 * present afterwards. The first call opens the font (DUSK_EIO naming it
 * when it cannot be read) and keeps a glyph atlas; nothing of r is kept
 * between calls, so r may be destroyed before or after the viewer. 0 or
 * DUSK_EINVAL (NULL, an empty size), DUSK_EIO, DUSK_ENOMEM. */
DUSK_API int dusk_viewer_render(dusk_viewer *v, struct SDL_Renderer *r, int w, int h,
                                dusk_error *err);


/* --- the window ------------------------------------------------------------------
 *
 *     dusk_view_options vo = DUSK_VIEW_OPTIONS_INIT;
 *     vo.delay = 0.1;                                  // slow motion, for a class
 *     rc = dusk_view_get(g, "z", &vo, &out, &err);     // as dusk_get, in a window
 *
 * The dusk_view_* calls run what dusk_get, dusk_array_compute and
 * dusk_array_store run, on a thread of their own, while the calling thread
 * (which must be the program's main thread, as SDL requires) shows the
 * run in a window: the graph (large, left and top), the chunk map and the
 * progress bars (right), the task stream and the memory curve (bottom)
 * and a status strip at the very bottom; keys 1 to 5 show and hide the
 * panels and the splitters between them can be dragged. After the run the
 * window stays, to look back through it, until it is closed (q, Esc or
 * the window's close button), unless close_when_done. The result is the
 * run's, as the plain call gives it. A run that fails shows its failing
 * task in black and its message in the status strip, and the call
 * returns that failure once the window is closed. Closing the window
 * before the run has ended stops the run and returns DUSK_ECANCELED ("the
 * window was closed before the run ended"; *out is NULL). No display:
 * DUSK_EIO "cannot open a window: <SDL's reason>; set DISPLAY or use
 * SDL_VIDEODRIVER=dummy", before anything runs.
 *
 * The run's callbacks are the viewer's and then the caller's own
 * (vo->run->callbacks, kept); its stream is the viewer's, so
 * vo->run->stream must be NULL (DUSK_EINVAL otherwise). Keys (h shows them
 * in the window): space pause/resume, n or Right step one task when
 * paused, s/S slower/faster slow motion (off, 0.05, 0.1, 0.25, 0.5, 1, 2
 * s per task), t theme, ctrl+= / ctrl+- text size, F11 fullscreen, p
 * screenshot (dusk-screenshot-N.png in the current directory, N the first
 * free number), +/- or the wheel zoom, arrows or a drag pan, f or 0 fit,
 * Home/End , . move through the run, q or Esc close. Hover a task for its
 * key, function, state, worker, duration and bytes (for a waiting task,
 * the inputs it waits for); click one to outline it with what it needs and
 * what needs it. */

union SDL_Event;
struct dusk_array;
struct dusk_store_options;

/* The panels, for dusk_view_options.panels (keys 1 to 5 in that order;
 * the status strip has no key). */
enum {
    DUSK_VIEW_GRAPH = 1u << 0,
    DUSK_VIEW_CHUNKS = 1u << 1,
    DUSK_VIEW_STREAM = 1u << 2,
    DUSK_VIEW_MEMORY = 1u << 3,
    DUSK_VIEW_PROGRESS = 1u << 4,
    DUSK_VIEW_STATUS = 1u << 5,
    DUSK_VIEW_ALL = (1u << 6) - 1
};

typedef struct dusk_view_options {
    const dusk_options *run;   /* the run's options; NULL: DUSK_OPTIONS_INIT */
    int width, height;         /* the window's size; 0: 1280 x 800 */
    const char *theme;         /* "light" (NULL), "dark" or "contrast" */
    unsigned panels;           /* DUSK_VIEW_* shown at first; 0: all */
    int start_paused;          /* the run waits for space or n */
    double delay;              /* slow motion: at least this many s per task; 0: off */
    size_t layer_view_threshold;   /* as dusk_viewer_options' */
    const char *font;          /* as dusk_viewer_options' */
    float font_scale;          /* text size; 0: 1 (14 px) */
    int fullscreen;
    const char *title;         /* NULL: "dusk" */
    const char *screenshot;    /* a PNG of the last frame is written here at exit */
    int fps;                   /* frames a second at most; 0: 60 */
    int close_when_done;       /* close as soon as the run has ended (tests, scripts) */
} dusk_view_options;

#define DUSK_VIEW_OPTIONS_INIT {NULL, 0, 0, NULL, 0, 0, 0.0, 0, NULL, 0.0f, 0, NULL, NULL, 0, 0}

/* dusk_get(g, key, vo->run, out, err) shown in a window (see above).
 * DUSK_EINVAL for a NULL g, key or out, a bad theme or a size below 0. */
DUSK_API int dusk_view_get(dusk_graph *g, const char *key, const dusk_view_options *vo,
                           dusk_value **out, dusk_error *err);
/* dusk_array_compute and dusk_array_store (array.h) shown in a window. */
DUSK_API int dusk_view_array_compute(struct dusk_array *a, const dusk_view_options *vo,
                                     dusk_value **out, dusk_error *err);
DUSK_API int dusk_view_array_store(struct dusk_array *a, const char *path, const char *dataset,
                                   const struct dusk_store_options *sopts,
                                   const dusk_view_options *vo, dusk_error *err);
/* A trace the profiler wrote (dusk_profiler_write_trace), replayed in the
 * window; returns when the window is closed. */
DUSK_API int dusk_view_trace(const char *path, const dusk_view_options *vo, dusk_error *err);

/* For programs with their own loop: every SDL event for the window goes
 * here (keys, mouse, wheel as listed above). Returns 1 when the viewer
 * used it, 0 otherwise (and for NULL). Positions are the last frame's
 * (dusk_viewer_render). */
DUSK_API int dusk_viewer_handle(dusk_viewer *v, const union SDL_Event *e);
/* Draws a frame as dusk_viewer_render does and writes it to path as a PNG
 * (NULL: dusk-screenshot-N.png in the current directory), whole or not at
 * all. 0, or DUSK_EINVAL (NULL v or r, an empty size), DUSK_EIO naming the
 * file. */
DUSK_API int dusk_viewer_screenshot(dusk_viewer *v, struct SDL_Renderer *r, int w, int h,
                                    const char *path, dusk_error *err);

#ifdef __cplusplus
}
#endif
#endif /* DUSK_GUI_H */
