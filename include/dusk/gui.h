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
** The callbacks set `start`, and classroom mode's gate, gate_armed and
** pretask (see the end), none of which reads a clock or builds an event
** while the run goes at full speed: the events come through the lossless
** dusk_stream, which the
** run appends to without waiting and dusk_viewer_pump drains. `start`,
** called before any task of the run can start, takes a reference to the
** run's plan, lays it out (linear time, below; Graphviz for small runs)
** and sets every task to WAITING, then queues all that under a short
** lock: the run's first task starts once its picture is ready, so a
** window shows the run from its first START (the run waits for the
** layout: some 10 ms for 200,000 tasks). pump picks it up at the run's
** RUN_BEGIN. A viewer follows any number of runs, one at a time: each
** RUN_BEGIN starts the picture afresh.
**
** Threads: the callbacks may be called from the run's thread while another
** thread (the UI's) calls everything else; all other functions but
** classroom mode's (at the end, for any thread) are for that one thread
** only.
**
** Replay: dusk_viewer_set_plan and dusk_viewer_feed apply a plan and
** recorded events (dusk_profiler_run_events) without a run;
** dusk_viewer_load_trace does it all from a trace file. The whole run is
** kept: the window can scrub back through it and play it at any speed
** (below: time).
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
** sorts: linear in tasks plus edges. Layers are rows from the bottom up,
** each node a unit square with a gap of half a unit: every layout is
** drawn as visualize() draws the graph (rankdir BT, Dask's), inputs at the
** bottom and results at the top, so that the window and the picture a
** class saw before it agree. Past
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
    /* The TrueType font of the labels; NULL: DejaVu Sans (its printable
     * ASCII, from assets/fonts/ with its licence), built into libdusk-gui,
     * so the window needs no font file. The path is read at the first
     * frame, not kept after it. */
    const char *font;
    /* Runs of at most this many tasks are laid out by Graphviz (see
     * "arrays and layout" below); 0: the default,
     * DUSK_VIEWER_GRAPHVIZ_THRESHOLD; DUSK_VIEWER_NO_GRAPHVIZ: never. */
    size_t graphviz_threshold;
} dusk_viewer_options;

#define DUSK_VIEWER_OPTIONS_INIT {0, NULL, 0}

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
/* The same for about max_ns at most (the clock is read every 1,024
 * events, and every 4,096 steps of laying a plan out; 0: no limit), for a
 * UI thread that shares the cores with the run: the window pumps
 * DUSK_VIEWER_PUMP_NS (1 ms) a frame while a run goes, some 6 % of a core
 * at 60 frames a second, and everything once it has ended. A plan the
 * start callback has not laid out (dusk_viewer_set_plan's, pumped from a
 * stream; or a start callback out of memory) is laid out by the pump: one
 * too big for that time (200,000 tasks take some 10 ms) over the next
 * calls, the run showing once it is (until then the viewer shows no run,
 * and the events after its RUN_BEGIN wait, in order). A run of tiny tasks that makes events faster than that (some
 * 10,000 a frame, half a million a second: tasks of under 10 us) is then
 * shown late, by the backlog below, rather than slowed down; it loses
 * nothing. Every call with events waiting takes at least one. It works
 * in slices of 0.1 ms and yields the core between them (sched_yield), so
 * that while the run's workers fill the cores it takes less than its time
 * and a worker it displaced gets its core back within a slice. */
DUSK_API size_t dusk_viewer_pump_for(dusk_viewer *v, uint64_t max_ns);
#define DUSK_VIEWER_PUMP_NS 1000000u
/* Events in the stream not applied yet (0 for NULL, and when the viewer
 * keeps up). */
DUSK_API uint64_t dusk_viewer_backlog(const dusk_viewer *v);
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
/* How long the current run waited for its layout: ns from the run's t = 0
 * to the end of the viewer's start callback, which lays the plan out
 * before the run's first task can start (the task stream is drawn from
 * there, on the run's own time axis). 0 for a run that no start callback
 * laid out (a replayed trace, a plan given by dusk_viewer_set_plan) or a
 * NULL v. */
DUSK_API uint64_t dusk_viewer_layout_ns(const dusk_viewer *v);
/* The current run's bytes-held curve (*pts borrowed until the next pump or
 * feed) and its length: the points of the events shown (all of them while
 * following; see time, below); the whole run's peak in *peak when peak is
 * not NULL. */
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

/* --- arrays and layout -------------------------------------------------------
 * Which layout when. A run of at most opts.graphviz_threshold tasks
 * (default DUSK_VIEWER_GRAPHVIZ_THRESHOLD) is laid out by Graphviz's dot
 * through libdusk-viz (dusk_viz_layout_plan with visualize()'s rankdir
 * BT, so inputs are at the bottom as in the layered layout and in
 * visualize()'s pictures): its crossing minimisation makes a
 * small graph readable, but its time grows much faster than the graph, and
 * the threshold is the largest run that dot laid out in about 150 ms on
 * the 2-core machine dusk is built on (the layout is made before the
 * run's first task, so this is the wait before a run starts and shows): x - x.mean(axis=0) of
 * 340 tasks in 73 ms and of 480 in 126 ms, a random DAG of 400 tasks in
 * 143 ms and of 600 in 371 ms. A bigger run, one Graphviz fails on, or
 * one whose dot drawing, fitted to a panel 1.6 times as wide as tall, has
 * nodes under 2/3 the size of the layered layout's (dot makes room for
 * every edge that skips ranks: an array job's rows spread out) gets the
 * layered layout above (linear time,
 * milliseconds for 100,000 tasks), and past opts.layer_view_threshold the
 * layer view. Task layers, slots and static order are the same in every
 * layout.
 *
 * The chunk map. For an array job (Dask's tuple keys, "('name', i, j)"),
 * a panel shows the block grid of the result array, large, and of up to
 * three of its inputs, small beside it, each block in the colour of the
 * state of the task that makes it (Dask's colours, as in the graph), so
 * the array is seen filling block by block. The grids come from the plan
 * alone: keys grouped by name, a grid's shape in blocks the largest index
 * plus one along each axis (a 1-d array is one row; of a 3-d or more, the
 * first two axes are shown, at index 0 of the others, and the title says
 * so); the result is the array of the requested keys, the inputs the
 * arrays whose tasks use no other array's (ones, from_hdf5, random ...).
 * Titles are the names without their token ("sub", "ones_like") and the
 * shape in blocks. Cells are squares unless dusk_viewer_set_array has
 * given the array's chunk sizes. A run with no tuple keys shows "no arrays
 * in this run". */
#define DUSK_VIEWER_GRAPHVIZ_THRESHOLD 400
#define DUSK_VIEWER_NO_GRAPHVIZ ((size_t)-1)

struct dusk_array;
/* The chunk sizes of the array the runs compute (the window's
 * dusk_view_array_compute calls it), so that the chunk map's cells of
 * that array (the grid named as dusk_array_name(a)) are drawn in
 * proportion to its chunks along its first two axes; kept until the
 * next call, for every run. 0, DUSK_EINVAL (a NULL argument), the
 * array's own error (an array in an error state), DUSK_ENOMEM. */
DUSK_API int dusk_viewer_set_array(dusk_viewer *v, const struct dusk_array *a, dusk_error *err);
/* --- time: scrubbing and replay ---------------------------------------------- */

/* The viewer keeps every event of the current run (from its RUN_BEGIN; a
 * new RUN_BEGIN starts afresh), so the window can show the run as it was
 * at any time: the states, counts, per-layer counts and workers' tasks are
 * then as after the last event at or before that time. Times are ns from
 * the run's start. Moving the shown time costs the events it crosses (each
 * is applied, or undone, once), not the run's length.
 *
 * By default the viewer follows: it shows every event as it comes. Once
 * it is scrubbed back (a seek before the end), events that arrive are
 * kept but not shown until the shown time reaches them or
 * dusk_viewer_follow is called. dusk_viewer_held then gives the curve of
 * the events shown (its peak stays the whole run's, so a scale does not
 * move while scrubbing).
 *
 * Shows the run at t_ns; at or past the end (dusk_viewer_duration) it
 * follows again. 0, or DUSK_EINVAL for a NULL v. */
DUSK_API int dusk_viewer_seek(dusk_viewer *v, uint64_t t_ns);
/* The shown time (the duration while following), and the time of the
 * run's last event so far; 0 for a NULL v or before any run. */
DUSK_API uint64_t dusk_viewer_time(const dusk_viewer *v);
DUSK_API uint64_t dusk_viewer_duration(const dusk_viewer *v);
/* Back to live: shows every event kept, and each new one as it comes. */
DUSK_API void dusk_viewer_follow(dusk_viewer *v);

/* Playback. The window calls dusk_viewer_advance every frame with the wall
 * time since the last one (a test, with a virtual clock's), and the shown
 * time moves by speed x wall_dt_ns: speed 1 is real time, 0.1 slow
 * motion, 20 fast, 0 stopped, negative backwards (the default is 1: a
 * followed run stays followed). It stops at 0 and at the end (where it
 * follows). dusk_viewer_set_speed: 0, or DUSK_EINVAL for a NULL v or a NaN
 * speed (infinities jump to an end). dusk_viewer_advance returns 1 while
 * the shown time can still move that way (forward on a run not yet
 * ended counts), 0 once it is at the end of an ended run or at 0, when the
 * speed is 0, and for a NULL v. */
DUSK_API int dusk_viewer_set_speed(dusk_viewer *v, double speed);
DUSK_API int dusk_viewer_advance(dusk_viewer *v, uint64_t wall_dt_ns);

/* Replay: reads the Chrome trace at path (dusk_profiler_read_trace: one
 * dusk wrote, whose task.record instants carry each task's dependencies,
 * or another tool's, with only X slices: tasks then have no edges) and
 * puts its first run in the viewer as a finished run: a plan of the
 * recorded tasks with their keys and dependencies (keys as recorded; a
 * key seen twice, as another tool's slice names may be, gets " #<n>"
 * appended; requested keys: the tasks nothing depends on; tasks call a
 * function of the recorded name that never runs), the run's events
 * (dusk_profiler_run_events), and the trace's RSS samples within the run
 * (for the memory panel). The shown time is then 0, ready to play. Load
 * it into a viewer no live run is feeding. 0, or DUSK_EINVAL (NULL, a
 * malformed trace, dependencies that form a cycle), DUSK_EIO (the file
 * cannot be read), DUSK_ENOMEM, each with a message naming the file; on
 * failure the viewer is unchanged (but when memory runs out laying the
 * plan out: then it shows no run). */
DUSK_API int dusk_viewer_load_trace(dusk_viewer *v, const char *path, dusk_error *err);
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
/* Slow motion: each worker holds each task for at least `seconds`: it
 * starts its next task no sooner than `seconds` after its own last START,
 * so the workers still run side by side (2 workers, 0.1 s: about 20 tasks
 * a second). 0: full speed; clamped to [0, 10] (NaN: 0). A change wakes
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

/* --- the window ------------------------------------------------------------------
 *
 *     dusk_view_options vo = DUSK_VIEW_OPTIONS_INIT;
 *     vo.delay = 0.1;                                  // slow motion, for a class
 *     rc = dusk_view_get(g, "z", &vo, &out, &err);     // as dusk_get, in a window
 *
 * The dusk_view_* calls run what dusk_get, dusk_compute, dusk_array_compute
 * and dusk_array_store run, on a thread of their own, while the calling thread
 * (which must be the program's main thread, as SDL requires) shows the
 * run in a window: the graph (large, left and top), the chunk map and the
 * progress bars (right), the task stream and the memory curve (bottom)
 * and a status strip at the very bottom; keys 1 to 5 show and hide the
 * panels and the splitters between them can be dragged. After the run the
 * window stays, to look back through it, until it is closed (q, Esc or
 * the window's close button), unless close_when_done, or SDL's video
 * driver is its dummy or offscreen one (SDL_VIDEODRIVER, for scripts and
 * tests), which nobody can see or close: then the call returns when the
 * run has ended, as with close_when_done. The result is the
 * run's, as the plain call gives it. A run that fails shows its failing
 * task in black and its message in the status strip, and the call
 * returns that failure once the window is closed. Closing the window
 * before the run has ended stops the run and returns DUSK_ECANCELED ("the
 * window was closed before the run ended"; *out is NULL). No display:
 * DUSK_EIO "cannot open a window: <SDL's reason>; set DISPLAY or use
 * SDL_VIDEODRIVER=dummy", before anything runs (with none of DISPLAY,
 * WAYLAND_DISPLAY, XDG_RUNTIME_DIR, SDL_VIDEODRIVER or its hint set, and
 * SDL's video not up, said before SDL is asked).
 *
 * The run's callbacks are the viewer's and then the caller's own
 * (vo->run->callbacks, kept); its stream is the viewer's, so
 * vo->run->stream must be NULL (DUSK_EINVAL otherwise). Keys (h shows them
 * in the window): space pause/resume, n or Right step one task when
 * paused, s/S slower/faster slow motion (off, 0.05, 0.1, 0.25, 0.5, 1, 2
 * s per task), t theme, ctrl+= / ctrl+- text size, F11 fullscreen, p
 * screenshot (dusk-screenshot-N.png in the current directory, N the first
 * free number), +/- or the wheel zoom, arrows or a drag pan, f or 0 fit,
 * Home/End , . move through the run (or drag the time bar under the
 * status lines), k plays it (a replay plays from its start), [ and ] halve
 * and double the playing speed, r plays backwards, q or Esc close. Closing
 * the window during the run stops it (the viewer's gates refuse with
 * "the viewer was closed") and the call returns DUSK_ECANCELED "the window
 * was closed before the run ended" (a run that had ended by then, in the
 * frame the window closed, keeps its result). Clicking a task in the task stream or the chunk map
 * outlines it in the graph too (brought into view when zoomed in). Hover a task for its
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
    const char *theme;         /* "light" (NULL), "dark", "contrast", or the
                                  path of a theme file of your own, as
                                  assets/themes/light.theme: "key = #rrggbb"
                                  lines, the rest from "base = dark" (or
                                  light, contrast); read when the window
                                  opens, DUSK_EINVAL naming its bad line */
    unsigned panels;           /* DUSK_VIEW_* shown at first; 0: all */
    int start_paused;          /* the run waits for space or n */
    double delay;              /* slow motion: each worker at least this many s
                                  per task; 0: off */
    size_t layer_view_threshold;   /* as dusk_viewer_options' */
    const char *font;          /* as dusk_viewer_options' */
    float font_scale;          /* text size, 0.5 to 4 (ctrl+= and ctrl+-'s
                                  range; else DUSK_EINVAL); 0: 1 (14 px) */
    int fullscreen;
    const char *title;         /* NULL: "dusk" */
    const char *screenshot;    /* a PNG of the last frame is written here at exit */
    int fps;                   /* frames a second at most; 0: 60 (a frame
                                  that would show what the last one does is
                                  not drawn) */
    int close_when_done;       /* close as soon as the run has ended (tests, scripts) */
    const int *stop;           /* when *stop turns nonzero (a flag a signal handler
                                  sets: the dusk command's Ctrl-C), the window
                                  closes as if the user closed it: a run still
                                  going stops, paused or not, and the call
                                  returns DUSK_ECANCELED, "interrupted"; NULL:
                                  none */
} dusk_view_options;

#define DUSK_VIEW_OPTIONS_INIT                                                  \
    {NULL, 0, 0, NULL, 0, 0, 0.0, 0, NULL, 0.0f, 0, NULL, NULL, 0, 0, NULL}

/* dusk_get(g, key, vo->run, out, err) shown in a window (see above).
 * DUSK_EINVAL for a NULL g, key or out, a bad theme or a size below 0. */
DUSK_API int dusk_view_get(dusk_graph *g, const char *key, const dusk_view_options *vo,
                           dusk_value **out, dusk_error *err);
/* dusk_compute(g, request, vo->run, out, err) shown in a window: several
 * keys, or any nesting of lists of them (dusk_ref and dusk_list, as
 * dusk_compute takes), computed in one run; *out is the same nesting of
 * tuples. Nothing is added to g: the window shows the user's tasks only.
 * Takes the request over, also on failure; a NULL request (a constructor
 * out of memory) is DUSK_ENOMEM. DUSK_EINVAL as dusk_view_get's. */
DUSK_API int dusk_view_compute(dusk_graph *g, dusk_arg *request, const dusk_view_options *vo,
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
/* Whether theme (dusk_view_options.theme: a name or a theme file) is one
 * the window can draw with: 0, or what the window would say of it
 * (DUSK_EINVAL naming the file's bad line, DUSK_EIO a file that cannot be
 * read), for programs that check their options before any work. */
DUSK_API int dusk_view_theme_check(const char *theme, dusk_error *err);

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
