/*
** dusk — pictures of task graphs: visualize() through Graphviz
**
** Renders a task graph, or the graph of a chunked array, to SVG, PNG, PDF,
** JPEG or DOT with the Graphviz C libraries (cgraph and gvc) in-process; no
** program is run. Link with libdusk-viz (pkg-config: libgvc libcgraph).
**
** The picture is Dask's by default: each task a circle labelled with what
** it does (its function's name; for tuple keys Dask's key_split of the key,
** which array layers name after their operation), each result a box
** labelled with its chunk index, (0, 1), or its key for string keys, a
** literal a box alone; edges from inputs to task to result; rankdir BT.
**
**     dusk_viz_options o = DUSK_VIZ_OPTIONS_INIT;
**     o.color = DUSK_VIZ_COLOR_ORDER;
**     if (dusk_visualize(g, "graph.svg", &o, &err) != 0)
**         fprintf(stderr, "%s\n", err.msg);
**
** Views. A graph of more than o.threshold tasks (default 1000) is drawn as
** its layer view unless o.view says otherwise, and a note says so on
** stderr (o.quiet silences it). The layer view has one node per layer: for
** an array, dusk_array_layers (operation, tasks, shape, dtype); for a plain
** graph, the tasks grouped by key_split of their keys ('inc-00001' and
** ('inc-ab', 3) are 'inc'), or by function name when that still gives more
** than o.threshold groups. The task view forced on a big graph gets
** Graphviz settings that trade layout polish for speed.
**
** Colours. Every mode other than NONE draws a legend (a colour bar, or a
** table of swatches). ORDER colours by the static priority
** (dusk_graph_order) and writes the number on each task, as Dask's
** color="order". WORKER, DURATION, BYTES and STATE need the events of a run
** in o.events (see dusk_viz_recorder below); STATE uses the colours of
** Dask's dashboard graph view: waiting gray, ready yellow, running green,
** in memory red, released blue, erred black.
**
** Formats. o.format, or else the path's extension: svg, png, pdf, jpg (or
** jpeg) and dot (or gv). A path with no extension and no o.format gives
** png, Dask's default. dot is the graph's source as dusk builds it (no
** layout, so it is the same on every machine); the others are laid out by
** Graphviz's dot engine. SVG nodes carry a tooltip with the key, the
** function and, where known, shape, dtype and bytes.
**
** Files are written whole or not at all: the picture goes to a temporary
** file beside path, which is then renamed over it.
**
** Errors: DUSK_EINVAL for an unknown format or colour mode, or options that
** do not fit (events of another graph, a runtime colour mode without
** events); DUSK_EIO for a path that cannot be written (the message names
** it) or a Graphviz failure (with Graphviz's message); DUSK_EEMPTY for a
** graph with no keys; DUSK_ENOMEM; and the graph's own validation error
** (a missing dependency, a cycle) for a graph that does not validate.
**
** Threads: Graphviz is not thread-safe, so every call into it is made under
** one process-wide lock; these functions may be called from any thread, and
** concurrent calls take turns inside Graphviz. The graph is only read, but
** a graph is used by one thread at a time (graph.h).
**
** Ownership: the options and the events they point to are borrowed for
** the call. dusk_visualize_mem's buffer is the caller's, freed with
** dusk_free.
*/
#ifndef DUSK_VIZ_H
#define DUSK_VIZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "array.h"
#include "error.h"
#include "events.h"
#include "graph.h"

#include "version.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    DUSK_VIZ_AUTO = 0,     /* tasks, or layers past the threshold */
    DUSK_VIZ_TASKS,        /* every task and result, however many */
    DUSK_VIZ_LAYERS        /* one node per layer */
} dusk_viz_view;

typedef enum {
    DUSK_VIZ_COLOR_NONE = 0,
    DUSK_VIZ_COLOR_ORDER,      /* static priority, numbered (plasma) */
    DUSK_VIZ_COLOR_WORKER,     /* the worker that ran it (run) */
    DUSK_VIZ_COLOR_DURATION,   /* its run time (run; viridis) */
    DUSK_VIZ_COLOR_BYTES,      /* its result's bytes (run; viridis) */
    DUSK_VIZ_COLOR_STATE,      /* its last state in the run (run) */
    DUSK_VIZ_NCOLORS
} dusk_viz_color;

typedef struct dusk_viz_options {
    const char *format;        /* "svg", "png", "pdf", "jpg", "dot"; NULL:
                                  from the path's extension */
    const char *rankdir;       /* "BT" (NULL), "TB", "LR" or "RL" */
    bool collapse_outputs;     /* task and result as one node */
    bool verbose;              /* boxes show full keys */
    dusk_viz_color color;
    dusk_viz_view view;
    size_t threshold;          /* AUTO's switch to layers; 0: 1000 */
    bool quiet;                /* no note on stderr when AUTO switches */
    const dusk_event *events;  /* a run's events, for the runtime colour */
    size_t nevents;            /*   modes and the tooltips; or NULL, 0 */
} dusk_viz_options;

#define DUSK_VIZ_THRESHOLD 1000
#define DUSK_VIZ_OPTIONS_INIT                                                \
    {NULL, NULL, false, false, DUSK_VIZ_COLOR_NONE, DUSK_VIZ_AUTO, 0, false, \
     NULL, 0}

/* Renders g to path (format from o->format or the extension). o may be
 * NULL: the defaults. Returns 0 or a DUSK_E... code, err saying why. */
DUSK_API int dusk_visualize(dusk_graph *g, const char *path, const dusk_viz_options *o,
                   dusk_error *err);
/* The same into memory: *buf (dusk_malloc'd, NUL-terminated after *len
 * bytes; the caller frees it with dusk_free) in format (NULL: o->format,
 * else "svg"). On failure *buf is NULL and *len 0. */
DUSK_API int dusk_visualize_mem(dusk_graph *g, const char *format,
                       const dusk_viz_options *o, char **buf, size_t *len,
                       dusk_error *err);

/* An array's graph (dusk_array_graph), with its layers' shapes and dtypes
 * in the tooltips and dusk_array_layers for the layer view. An array in an
 * error state gives that error. Events given in o must come from running
 * the graph dusk_array_graph(a) returns (their task ids are its ids). */
DUSK_API int dusk_visualize_array(const dusk_array *a, const char *path,
                         const dusk_viz_options *o, dusk_error *err);
DUSK_API int dusk_visualize_array_mem(const dusk_array *a, const char *format,
                             const dusk_viz_options *o, char **buf,
                             size_t *len, dusk_error *err);

/* Colour modes by name ("none", "order", "worker", "duration", "bytes",
 * "state"), for command lines: 0, or DUSK_EINVAL for another name. */
DUSK_API int dusk_viz_color_parse(const char *name, dusk_viz_color *out);
DUSK_API const char *dusk_viz_color_name(dusk_viz_color c);

/* --- recording a run's events ----------------------------------------------
 * A recorder keeps every event of the runs it follows, for o.events:
 *
 *     dusk_viz_recorder *rec = dusk_viz_recorder_new();
 *     dusk_callbacks cb = dusk_viz_recorder_callbacks(rec);
 *     dusk_options run = DUSK_OPTIONS_INIT;
 *     run.callbacks = &cb; run.ncallbacks = 1;
 *     dusk_get(g, "z", &run, &z, &err);
 *     o.events = dusk_viz_recorder_events(rec, &o.nevents);
 *     o.color = DUSK_VIZ_COLOR_DURATION;
 *     dusk_visualize(g, "durations.svg", &o, &err);
 *     dusk_viz_recorder_free(rec);
 *
 * Its on_event is thread-safe (workers call it concurrently). Events from
 * a drained dusk_stream can be appended with dusk_viz_recorder_add, or an
 * array of them passed as o.events directly. When o.events holds several
 * runs, the last one (highest dusk_event.run) is drawn. */
typedef struct dusk_viz_recorder dusk_viz_recorder;

DUSK_API dusk_viz_recorder *dusk_viz_recorder_new(void);     /* NULL on ENOMEM */
DUSK_API void dusk_viz_recorder_free(dusk_viz_recorder *r);  /* NULL-safe */
/* Callbacks whose on_event appends to r; r must outlive the run. */
DUSK_API dusk_callbacks dusk_viz_recorder_callbacks(dusk_viz_recorder *r);
/* Appends n events; 0 or DUSK_ENOMEM (then none of them is kept). */
DUSK_API int dusk_viz_recorder_add(dusk_viz_recorder *r, const dusk_event *ev,
                          size_t n);
/* The events so far (borrowed, valid until r next changes) and their
 * count; not while a run is still appending. */
DUSK_API const dusk_event *dusk_viz_recorder_events(const dusk_viz_recorder *r,
                                           size_t *n);
/* The plan of the last run followed (borrowed, valid until r is cleared,
 * follows another run or is freed; dusk_plan_ref keeps it), or NULL: it
 * names the events' task ids, keys, functions and dependencies, also
 * after the graph has changed. */
DUSK_API const struct dusk_plan *dusk_viz_recorder_plan(const dusk_viz_recorder *r);
/* Events that could not be kept for lack of memory (on_event cannot
 * report it), 0 normally. */
DUSK_API uint64_t dusk_viz_recorder_lost(const dusk_viz_recorder *r);
/* Forgets the events and the plan, to follow a new run. */
DUSK_API void dusk_viz_recorder_clear(dusk_viz_recorder *r);

#ifdef __cplusplus
}
#endif
#endif /* DUSK_VIZ_H */
