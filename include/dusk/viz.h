/*
** dusk — pictures of task graphs: visualize() through Graphviz
** Library: libdusk-viz (viz/: Graphviz, on libdusk and libdusk-array).
**
** Renders a task graph, or the graph of a chunked array, to SVG, PNG, PDF,
** JPEG or DOT with the Graphviz C libraries (cgraph and gvc) in-process; no
** program is run. Link with libdusk-viz (pkg-config: libgvc libcgraph).
**
** The picture is Dask's by default, with dask/dot.py's labels: each task
** a circle labelled with Dask's key_split of its key ('inc-6a94eca2-...'
** and ('inc-ab12', 0) are "inc", which array layers name after their
** operation; a key 'z' is "z"), each result a box labelled with its chunk
** index for a tuple key, (0, 1) or 3, blank for a string key (o.verbose:
** the key as it is; a tuple key keeps its index, as in Dask), a literal a
** box alone; edges from inputs to task to result; rankdir BT. Tooltips
** have the whole key and the function.
** One label is not Dask's: the box of an HDF5 source (dusk_from_hdf5's
** 'original-array' key, which Dask draws blank) shows the file's name and
** the dataset, "rnd_data.hdf5:/data_set_1" (o.verbose: the key).
**
**     dusk_viz_options o = DUSK_VIZ_OPTIONS_INIT;
**     o.color = DUSK_VIZ_COLOR_ORDER;
**     if (dusk_visualize(g, "graph.svg", &o, &err) != 0)
**         fprintf(stderr, "%s\n", err.msg);
**
** Views. A graph of more than o.threshold tasks (default 1000) is drawn as
** its layer view unless o.view says otherwise, and a note says so on
** stderr, naming this API's option (view DUSK_VIZ_TASKS); o.quiet
** silences it, for a caller with its own names for the options (a
** command's --view) to say it in its own words. The layer view has one
** node per layer: for an array, dusk_array_layers (operation, tasks,
** shape, dtype); for a plain graph, the tasks grouped by key_split of their keys ('inc-00001' and
** ('inc-ab', 3) are 'inc'), or by function name when that still gives more
** than o.threshold groups. The task view forced on a big graph gets
** Graphviz settings that trade layout polish for speed.
**
** Layouts. Who places the nodes (o.layout). Graphviz's dot reads best:
** it ranks, minimises crossings and routes splines, but its time grows
** much faster than the picture (0.3 s at 900 nodes, 5 s at 14,000 even
** with its polish switched off). So AUTO keeps dot up to DUSK_VIZ_DOT_MAX
** (2,000) nodes, about 1,000 tasks with their result boxes, where it
** takes a fraction of a second and its picture is the better one, and past
** that dusk lays the picture out itself, in time linear in the nodes and
** edges (plus a sort per layer): layers by dependency depth, each layer
** ordered by the static priority and then by barycentre sweeps, nodes
** spaced as dot spaces them (18 points apart, layers 36), edges running
** along the flow and bending only between layers (through a virtual node
** in each layer a long edge passes, as dot does; the long edges of one
** node share them, a bus). Graphviz then only
** measures the labels and, for PNG, PDF, JPEG and xdot, draws the picture
** with the positions pinned (its neato engine in -n2 mode); the SVG of
** such a picture dusk writes itself (see Formats): same shapes, labels,
** colours, tooltips and legend. Every edge goes from a lower layer to a higher one, no two
** nodes overlap and no edge passes over a node. DOT
** forces dot (past 2 x o.threshold task-view nodes with its fast
** settings); LAYERED forces dusk's layout, also for small pictures, layer
** views and dusk_viz_layout_plan. A value outside the enum is DUSK_EINVAL.
**
** Colours. Every mode other than NONE draws a legend (a colour bar, or a
** table of swatches). ORDER colours by the static priority
** (dusk_graph_order) and writes the number on each task, as Dask's
** color="order"; in the layer view, by each layer's median priority (when
** the bulk of it runs; nearly every layer of a big graph starts early),
** its first and last priority and the median written on the node. WORKER, DURATION, BYTES and STATE need the events of a run
** in o.events (see dusk_viz_recorder below); STATE uses the colours of
** Dask's dashboard graph view: waiting gray, ready yellow, running green,
** in memory red, released blue, erred black.
**
** Formats. o.format, or else the path's extension: svg, png, pdf, jpg (or
** jpeg), dot (or gv) and xdot. A path with no extension and no o.format
** gives png, Dask's default. dot is the graph's source as dusk builds it
** (no layout, so it is the same on every machine; a picture dusk lays
** out carries its positions, pos="x,y!" on nodes and the splines on
** edges, in points, which depend on the fonts that measured the labels,
** and `neato -n2` redraws it); the others
** are laid out (see Layouts), xdot being that source with Graphviz's
** layout added (pos, width, height, bb and drawing operations, as
** `dot -Txdot` writes it). SVG nodes carry a tooltip with the key, the
** function and, where known, shape, dtype and bytes.
**
** Who draws. The SVG of a picture dusk laid out (the layered layout) is
** written by dusk itself, streamed from the picture to the file or
** buffer with no Graphviz graph built: the document Graphviz's svg
** renderer makes of the same pinned layout, element for element (each
** node's <g class="node"> with its <title>, tooltip, shape, fill and
** stroke, label lines in the same font at the same places; each edge's
** <g class="edge"> with its path and arrowhead; the same size, viewBox
** and order), because building Graphviz's graph, its neato pass and its
** renderer were nearly all of a big picture's time (100,320 tasks: 17 to
** 23 s of CPU; dusk's own writer: under 3 s for the whole call). Two
** differences, both for keys written as they are: an '&' in a key is
** escaped as it is, where Graphviz reads "&amp;" in a label as an
** entity; and a tooltip shows a key's backslashes as they are, where
** Graphviz expands escapes such as \N in it. Labels and tooltips are
** given to Graphviz as text an SVG can hold, whoever draws it: a control
** character (but tab and line breaks) is shown as U+FFFD and a byte that
** is not UTF-8 as its Latin-1 character; a label of more than 1,000
** lines (a key's line breaks) is cut there, ending in an ellipsis.
** Format "svg:graphviz" asks for
** Graphviz's renderer instead (to compare the two, or should a viewer
** disagree with dusk's). Graphviz draws everything else: PNG, PDF and
** JPEG (its cairo renderers), DOT (its agwrite) and xdot, the SVG of a
** picture dot lays out (small ones: dot's own routing), and a picture
** dusk's writer does not draw (a shape, style or colour dusk's pictures
** never use). The same layout as
** numbers, for a program that draws the graph itself: dusk_viz_layout
** below.
**
** Files are written whole or not at all: the picture goes to a temporary
** file beside path (a fresh name, created exclusively: a link planted
** beside path is never followed), which is then renamed over it. A file
** replaced keeps its permission bits (and, for root, its owner); a new
** one gets 0666 less the umask. A full disk or a read-only file system is
** DUSK_EIO with a message naming the file and why, and path stays as it
** was. A link at path itself is replaced by the file, not followed.
**
** Notes on stderr, each line "dusk: visualize: ..." (o.who names your
** program instead: "dusk render: ..."): the switch to the
** layer view (o.quiet silences it); a PNG or JPEG bigger than Graphviz's
** cairo renderer draws (32,767 pixels a side), which dusk scales down to
** 32,000 and names the size, the scale and SVG, PDF or the layer view
** instead. Graphviz's messages are caught under its lock: in the error
** of a call that fails; not printed for one that works.
**
** Errors: DUSK_EINVAL for an unknown format, colour mode or layout, or
** options that do not fit (events of another graph, a runtime colour mode
** without events); DUSK_EIO for a path that cannot be written (the message names
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
** dusk_free; a dusk_viz_layout is the caller's, freed with
** dusk_viz_layout_free.
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

/* Who places the nodes of a picture (see "Layouts" above). */
typedef enum {
    DUSK_VIZ_LAYOUT_AUTO = 0,  /* dot up to DUSK_VIZ_DOT_MAX nodes, else
                                  layered */
    DUSK_VIZ_LAYOUT_DOT,       /* Graphviz's dot, however big */
    DUSK_VIZ_LAYOUT_LAYERED    /* dusk's layered layout, however small */
} dusk_viz_layout_mode;

typedef struct dusk_viz_options {
    const char *format;        /* "svg", "png", "pdf", "jpg", "dot", "xdot",
                                  "svg:graphviz" (see Who draws);
                                  NULL: from the path's extension */
    const char *rankdir;       /* "BT" (NULL), "TB", "LR" or "RL" */
    bool collapse_outputs;     /* task and result as one node */
    bool verbose;              /* string keys' boxes show the key */
    dusk_viz_color color;
    dusk_viz_view view;
    size_t threshold;          /* AUTO's switch to layers; 0: 1000 */
    bool quiet;                /* no note on stderr when AUTO switches */
    const dusk_event *events;  /* a run's events, for the runtime colour */
    size_t nevents;            /*   modes and the tooltips; or NULL, 0 */
    dusk_viz_layout_mode layout; /* AUTO: dot for small pictures */
    const char *layers_hint;   /* how your users ask for the layer view, as
                                  the note on a bitmap too large to draw
                                  whole names it ("--view layers"); NULL:
                                  this API's, view DUSK_VIZ_LAYERS */
    const char *who;           /* what the notes on stderr begin with, your
                                  program as your users ran it ("dusk
                                  render": "dusk render: the picture is
                                  ..."); NULL: "dusk: visualize" */
} dusk_viz_options;

#define DUSK_VIZ_THRESHOLD 1000
/* AUTO's switch from dot to the layered layout: a picture of more nodes
 * (circles and boxes; 2 per task) than this is laid out by dusk. */
#define DUSK_VIZ_DOT_MAX 2000
#define DUSK_VIZ_OPTIONS_INIT                                                \
    {NULL, NULL, false, false, DUSK_VIZ_COLOR_NONE, DUSK_VIZ_AUTO, 0, false, \
     NULL, 0, DUSK_VIZ_LAYOUT_AUTO, NULL, NULL}

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
/* Several arrays of one context in one picture, as dask.visualize(a, b):
 * their joined graph (dusk_array_graph_many), so what they share (an input
 * read, a mean) is drawn once. Events in o come from
 * dusk_array_compute_many of the same arrays in the same order. */
DUSK_API int dusk_visualize_arrays(dusk_array *const *a, size_t n, const char *path,
                                   const dusk_viz_options *o, dusk_error *err);
DUSK_API int dusk_visualize_arrays_mem(dusk_array *const *a, size_t n, const char *format,
                                       const dusk_viz_options *o, char **buf, size_t *len,
                                       dusk_error *err);

/* The picture of an array's chunks, as Dask's Array.to_svg draws it beside
 * the table in a notebook: the array as a bar (1-d), a rectangle (2-d) or
 * a box (3-d; of more axes, the last three, the others written under it),
 * a line at every chunk boundary (at most 20 per axis, evenly picked, the
 * edges among them) and each axis's length along its edge. size: about
 * the longest edge, in pixels (0: Dask's 120); axes are drawn in
 * proportion, a ratio past 5 compressed. Into *buf (dusk_malloc'd,
 * NUL-terminated after *len bytes; the caller frees it with dusk_free). A
 * 0-d array has no chunks to draw (DUSK_EINVAL). */
DUSK_API int dusk_viz_chunks_svg(const dusk_array *a, int size, char **buf, size_t *len,
                                 dusk_error *err);

/* --- the layout, without a picture ---------------------------------------------
 * The picture dusk_visualize draws, as numbers, for a program that draws
 * the graph itself (the live viewer, which recolours nodes as a run goes):
 *
 *     dusk_viz_layout *lay;
 *     if (dusk_viz_layout_graph(g, &o, &lay, &err) != 0) ...
 *     size_t nn, ne;
 *     const dusk_viz_node *n = dusk_viz_layout_nodes(lay, &nn);
 *     const dusk_viz_edge *e = dusk_viz_layout_edges(lay, &ne);
 *     ... draw n[i] at (n[i].x, n[i].y), e[j] through e[j].points ...
 *     dusk_viz_layout_free(lay);
 *
 * Same picture: the options mean what they mean to dusk_visualize (the
 * view, the threshold and its note on stderr, collapse_outputs, verbose,
 * rankdir, colour mode and legend, layout; format is not used), the same
 * scene is built and laid out the same way (dot, or dusk's layered layout
 * drawn by Graphviz); the numbers are Graphviz's own (its layout records,
 * not text), copied out.
 *
 * Coordinates are in points (1/72 inch), as Graphviz gives them, but with
 * the origin at the top left corner of the bounding box and y growing
 * downwards, as on a screen (Graphviz's y grows upwards): Graphviz's point
 * (x, y) is (x - llx, ury - y) here, where (llx, lly, urx, ury) is its bb.
 * The bounding box is (0, 0) to (width, height); nothing is padded (SVG
 * output adds 4 points on each side).
 *
 * Ownership, once for all the readers: a layout owns every array and
 * string they return, which stay valid and unchanged until
 * dusk_viz_layout_free; nothing of Graphviz outlives the call that makes
 * a layout. A layout is never changed, so any number of threads may read
 * it at once. Readers given NULL give NULL, zeros and DUSK_VIZ_AUTO. */
typedef struct dusk_viz_layout dusk_viz_layout;

typedef enum {
    DUSK_VIZ_NODE_TASK = 0,    /* a task's circle (with collapse_outputs, the
                                  task and its result in one) */
    DUSK_VIZ_NODE_RESULT,      /* a key's box: a task's result, a literal
                                  value or an alias */
    DUSK_VIZ_NODE_LAYER,       /* the layer view's node for a layer */
    DUSK_VIZ_NODE_LEGEND       /* part of the colour legend */
} dusk_viz_node_kind;

typedef enum {
    DUSK_VIZ_SHAPE_OTHER = 0,
    DUSK_VIZ_SHAPE_CIRCLE,     /* tasks */
    DUSK_VIZ_SHAPE_BOX,        /* results, layers, legend swatches */
    DUSK_VIZ_SHAPE_ELLIPSE,
    DUSK_VIZ_SHAPE_PLAINTEXT   /* text only, no outline (legend) */
} dusk_viz_shape;

typedef struct dusk_viz_point {
    double x, y;
} dusk_viz_point;

typedef struct dusk_viz_node {
    dusk_viz_node_kind kind;
    int64_t task;              /* its task's id in the graph (for an array,
                                  in dusk_array_graph's graph); -1 for
                                  layer and legend nodes */
    const char *layer;         /* LAYER: the layer's name ('add-ab12'), or
                                  for a plain graph the group's ('inc');
                                  else NULL */
    const char *label;         /* the text drawn, lines joined by '\n' */
    const char *name;          /* its name in the DOT: "f12", "k12", "L3" */
    dusk_viz_shape shape;
    double x, y;               /* centre */
    double width, height;      /* size, in points */
    uint32_t fill;             /* 0xRRGGBBAA that Graphviz fills it with
                                  (its default lightgrey where filled
                                  without a colour); 0 when not filled, or
                                  filled with a colour name that dusk's
                                  pictures never use (fillcolor names it) */
    const char *fillcolor;     /* that colour as Graphviz reads it ("red",
                                  "#29788e"; a striped legend bar lists
                                  several, "c1;0.08:c2..." and fill is the
                                  first); NULL when not filled */
    uint32_t pen;              /* the outline's 0xRRGGBBAA */
    double penwidth;           /* the outline's width, in points */
    uint32_t fontcolor;        /* the label's 0xRRGGBBAA */
    double fontsize;           /* in points */
} dusk_viz_node;

typedef struct dusk_viz_edge {
    size_t tail, head;         /* node indexes: from an input to its user */
    const dusk_viz_point *points; /* the spline, tail to head: npoints
                                  (3k + 1) control points of a piecewise
                                  cubic Bezier curve, Graphviz's pos (one
                                  curve in dusk's pictures; were there
                                  several, they would follow each other).
                                  In a layered picture the long edges of
                                  one node share one way through the
                                  layers: the longest starts at the tail
                                  and draws it, each other one starts
                                  where it leaves it */
    size_t npoints;
    bool arrow;                /* an arrowhead at the head */
    dusk_viz_point tip;        /* the arrowhead's point (pos's "e,x,y"); the
                                  spline ends at its base */
} dusk_viz_edge;

/* Lays out the picture dusk_visualize(g, ..., o, ...) draws; o may be
 * NULL: the defaults. On success *out is a new layout, the caller's, else
 * NULL; returns 0 or what dusk_visualize would (DUSK_EINVAL for a NULL g
 * or out, or bad options; DUSK_EEMPTY; DUSK_ENOMEM; DUSK_EIO for a
 * Graphviz failure; the graph's validation error). */
DUSK_API int dusk_viz_layout_graph(dusk_graph *g, const dusk_viz_options *o,
                                   dusk_viz_layout **out, dusk_error *err);
/* The same for an array, as dusk_visualize_array draws it. */
DUSK_API int dusk_viz_layout_array(const dusk_array *a, const dusk_viz_options *o,
                                   dusk_viz_layout **out, dusk_error *err);
/* The same for a run's plan (plan.h), for a program that holds the plan
 * and not the graph (the live viewer): one node per task of the plan, as
 * collapse_outputs draws them (a circle labelled with what the task does,
 * a box for a literal or an alias; o->verbose: the keys), every node the
 * same fixed size, 36 x 36 points, whatever its label, and an edge from
 * each dependency to each dependent. Of o only rankdir, verbose,
 * threshold (dot's fast settings past twice it) and layout (AUTO: dot up
 * to DUSK_VIZ_DOT_MAX tasks) are used; a colour mode other than NONE or
 * the view LAYERS is DUSK_EINVAL. DUSK_EEMPTY for a
 * plan with no tasks, else as dusk_viz_layout_graph. */
DUSK_API int dusk_viz_layout_plan(const struct dusk_plan *p, const dusk_viz_options *o,
                                  dusk_viz_layout **out, dusk_error *err);
DUSK_API void dusk_viz_layout_free(dusk_viz_layout *l);     /* NULL-safe */

/* DUSK_VIZ_TASKS or DUSK_VIZ_LAYERS: the view that was laid out (what
 * DUSK_VIZ_AUTO chose). */
DUSK_API dusk_viz_view dusk_viz_layout_view(const dusk_viz_layout *l);
/* The bounding box, (0, 0) to (*width, *height), in points. */
DUSK_API void dusk_viz_layout_bbox(const dusk_viz_layout *l, double *width,
                                   double *height);
/* The nodes, in the order of the DOT source, and their count in *n. */
DUSK_API const dusk_viz_node *dusk_viz_layout_nodes(const dusk_viz_layout *l,
                                                    size_t *n);
/* The edges that are drawn (the legend's invisible ones left out), in the
 * order of the DOT source, and their count in *n. */
DUSK_API const dusk_viz_edge *dusk_viz_layout_edges(const dusk_viz_layout *l,
                                                    size_t *n);

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
/* Callbacks whose on_event appends to r; r must outlive the run. A NULL r
 * gives callbacks that listen to nothing. */
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
