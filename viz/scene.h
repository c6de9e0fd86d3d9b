/*
** dusk viz — scenes and the shared internals of viz/. This file is private
** to viz/.
**
** A picture is made in two steps. First a *scene* is built from the task
** graph with no Graphviz call at all: nodes with their attributes (label,
** shape, tooltip, colours ...), edges and graph attributes, all strings in
** one arena, and for each node what it stands for (a task's circle or
** result box, a layer, the legend). Then gv.c turns the scene into a
** cgraph graph, lays it out and renders it, or copies the layout into a
** dusk_viz_layout, under the Graphviz lock; or, for the SVG of a scene
** dusk laid out (layered.c), svg.c writes it straight from the scene. So the lock is held only for
** Graphviz's own work, and the scene (hence the DOT output) is
** deterministic: nodes and edges keep the order they were added in.
**
** Memory: every string of a scene is either static or in its arena; a
** failed allocation sets s->oom and makes later calls no-ops, so builders
** check once, at the end (dusk__scene_status), cairo style.
*/
#ifndef DUSK_VIZ_SCENE_H
#define DUSK_VIZ_SCENE_H

#include <stddef.h>
#include <stdint.h>

#include "dusk/error.h"
#include "dusk/events.h"
#include "dusk/graph.h"
#include "core/util.h"
#include "dusk/viz.h"

/* Node attributes, in the order they are declared to Graphviz. */
enum {
    DUSK__NA_LABEL, DUSK__NA_SHAPE, DUSK__NA_TOOLTIP, DUSK__NA_STYLE, DUSK__NA_COLOR, DUSK__NA_FILLCOLOR,
    DUSK__NA_FONTCOLOR, DUSK__NA_FONTNAME, DUSK__NA_FONTSIZE, DUSK__NA_PENWIDTH, DUSK__NA_MARGIN,
    DUSK__NA_WIDTH, DUSK__NA_HEIGHT, DUSK__NA_FIXEDSIZE,
    DUSK__NA_COUNT
};

typedef struct dusk__viz_node {
    const char *name;               /* the DOT node id: "k12", "f12", ... */
    const char *a[DUSK__NA_COUNT];        /* NULL: Graphviz's default */
    /* what the node stands for, for layouts (not given to Graphviz) */
    dusk_viz_node_kind kind;
    int64_t task;                   /* -1: none */
    const char *layer;              /* LAYER nodes: static or arena */
} dusk__viz_node;

/* What Graphviz makes of one distinct node, measured once per distinct
 * label, shape, font and margin (dusk__gv_sizes): its size for the layered
 * layout, and how its label is set, for dusk's own SVG (svg.c). */
typedef struct dusk__viz_look {
    double w, h;                    /* the node's size, in points */
    double hx, hy;                  /* its outline's half width and height as
                                       drawn (Graphviz scales the shape's
                                       vertices by w over w rounded) */
    const char *font;               /* the text attributes Graphviz's SVG gives
                                       its label: ` font-family="..." ...
                                       font-size="14.00"` (arena) */
    size_t nlines;                  /* the label's lines, as Graphviz split it */
    const double *dx, *dy;          /* per line: its anchor from the node's
                                       centre, in points, y up (arena) */
    const char *just;               /* per line: 'n' middle, 'l', 'r' */
} dusk__viz_look;

typedef struct dusk__viz_edge {
    size_t tail, head;              /* node indexes */
    int invis;                      /* style=invis: only orders nodes */
} dusk__viz_edge;

#define DUSK__VIZ_MAX_GATTR 16

typedef struct dusk__viz_scene {
    dusk__viz_node *nodes;
    size_t nnodes, nodes_cap;
    dusk__viz_edge *edges;
    size_t nedges, edges_cap;
    const char *gattr[DUSK__VIZ_MAX_GATTR][2];   /* graph attributes: name, value */
    const char *ndef[DUSK__NA_COUNT];     /* node defaults (node [...]); static */
    /* The legend: nodes [legend_first, legend_first + legend_n), side by
     * side in the subgraph "legend" (rank=same). */
    size_t legend_first, legend_n;
    size_t ngattr;
    double *pos;                    /* laid out by dusk (layered.c): node i's
                                       centre at (pos[2i], pos[2i+1]), in
                                       points, y up; NULL: dot lays it out */
    const char **epos;              /* with pos, per edge: its spline as
                                       Graphviz's pos (arena), or NULL for
                                       Graphviz's straight line; may be NULL */
    dusk__viz_look *looks;          /* with pos: what Graphviz made of each */
    size_t nlooks;                  /* distinct node (dusk__gv_sizes), */
    uint32_t *lookof;               /* and node i's look, looks[lookof[i]] */
    dusk__arena arena;              /* the scene's strings */
    int oom;                        /* an allocation failed */
    const char *layers_hint;        /* dusk_viz_options.layers_hint */
    const char *who;                /* dusk_viz_options.who, or "dusk: visualize" */
} dusk__viz_scene;

void dusk__scene_init(dusk__viz_scene *s);
void dusk__scene_free(dusk__viz_scene *s);
/* DUSK_ENOMEM (with a message in err) if an allocation failed, else 0. */
int dusk__scene_status(const dusk__viz_scene *s, dusk_error *err);
/* A new node (name copied), of kind LEGEND with no task until
 * dusk__scene_meta says otherwise; its index, or (size_t)-1 after a
 * failure. */
size_t dusk__scene_node(dusk__viz_scene *s, const char *name);
/* What node i stands for; layer static or in the arena, or NULL. */
void dusk__scene_meta(dusk__viz_scene *s, size_t i, dusk_viz_node_kind kind, int64_t task,
                      const char *layer);
/* Sets attribute a of node i to v, which must be static or in the arena. */
void dusk__scene_set(dusk__viz_scene *s, size_t i, int a, const char *v);
void dusk__scene_edge(dusk__viz_scene *s, size_t tail, size_t head);
void dusk__scene_edge_invis(dusk__viz_scene *s, size_t tail, size_t head);
/* Adds (or replaces) a graph attribute; name and value static or arena. */
void dusk__scene_gattr(dusk__viz_scene *s, const char *name, const char *value);
char *dusk__scene_strdup(dusk__viz_scene *s, const char *str);
/* b's text copied into the arena (NULL, and s->oom, if b failed); frees b. */
const char *dusk__scene_take(dusk__viz_scene *s, dusk__buf *b);

/* --- growable strings: dusk__buf (core/util.h), plus Graphviz escaping --- */
/* Appends s escaped for a Graphviz escString (backslashes doubled), as
 * text an SVG can hold, which Graphviz's renderer does not see to: a
 * control character but tab, LF and CR, and U+FFFE/U+FFFF, become U+FFFD;
 * a byte outside a valid UTF-8 sequence is taken as Latin-1 (as svg.c
 * does, so that both writers show the same text). Text of more than
 * DUSK__VIZ_MAX_LINES lines is cut there, ending in an ellipsis: Graphviz
 * counts a label's lines in a short and exits the process ("out of
 * memory") past 32,767 of them. */
#define DUSK__VIZ_MAX_LINES 1000
void dusk__buf_esc(dusk__buf *b, const char *s);
/* Appends v as printf's "%.2f" writes it, without printf's cost (a
 * layered picture's splines are millions of such numbers). */
void dusk__buf_fixed2(dusk__buf *b, double v);
/* Reads a number dusk__buf_fixed2 wrote (or any strtod reads) at s; *end
 * past it (s when there is none). */
double dusk__read_num(const char *s, const char **end);
/* Appends a shape as Python prints it: "(3,)", "(2, 10000)". */
void dusk__buf_shape(dusk__buf *b, int ndim, const int64_t *shape);

/* --- what a run did, per task (viz/color.c) ------------------------------------- */
enum {
    DUSK__VIZ_WAITING, DUSK__VIZ_READY, DUSK__VIZ_RUNNING, DUSK__VIZ_MEMORY, DUSK__VIZ_RELEASED, DUSK__VIZ_ERRED,
    DUSK__VIZ_NSTATES
};

typedef struct dusk__viz_run {
    size_t ntasks;
    int32_t *worker;                /* -1: not run */
    uint64_t *dur_ns;               /* END - START; 0 when not both seen */
    uint64_t *nbytes;               /* the result's bytes (END) */
    uint8_t *state;                 /* DUSK__VIZ_WAITING ... */
    uint8_t *ran;                   /* END or ERROR seen */
    int nworkers;                   /* highest worker id + 1 */
} dusk__viz_run;

/* Digests the events of the last run among ev for a graph of ntasks
 * tasks. DUSK_EINVAL (err names it) for an event of a task >= ntasks. */
int dusk__run_build(dusk__viz_run *r, const dusk_event *ev, size_t n, size_t ntasks,
                    dusk_error *err);
void dusk__run_free(dusk__viz_run *r);
const char *dusk__state_name(int state);

/* --- colours (viz/color.c) -------------------------------------------------------- */
/* A colour map at t in [0, 1] as "#rrggbb" into out (8 bytes). */
void dusk__plasma(double t, char out[8]);
void dusk__viridis(double t, char out[8]);
/* The categorical colour of worker w (tab20 order, cycling). */
const char *dusk__worker_color(int w);
const char *dusk__state_color(int state);
/* Black or white, whichever reads better on the fill colour "#rrggbb". */
const char *dusk__text_on(const char *fill);
/* The colour Graphviz makes of spec (its first, for a list "c1;0.5:c2"),
 * as 0xRRGGBBAA: "#rrggbb", "#rrggbbaa" and the names dusk's pictures use
 * (Graphviz's X11 values). 0, or -1 for a colour it does not know. */
int dusk__color_rgba(const char *spec, uint32_t *out);

/* Per-item colour values for a mode: value[i] (double) and has[i]; the
 * colour of a value and the legend for the range. */
typedef struct dusk__viz_palette {
    dusk_viz_color mode;
    double lo, hi;                  /* the range a colour bar spans */
    int nworkers;
    int states_seen[DUSK__VIZ_NSTATES];   /* which states occur (legend rows) */
    int missing;                    /* some node has no value (not run) */
} dusk__viz_palette;

/* Fill (runtime modes) or outline (order) colour of value v into out. */
void dusk__palette_color(const dusk__viz_palette *p, double v, char out[8]);
/* Adds the legend node for p to the scene (a colour bar or swatches). */
void dusk__legend(dusk__viz_scene *s, const dusk__viz_palette *p, const char *title);
/* Colours node i of s for value v under p (outline for ORDER, fill for
 * the runtime modes, with a readable font colour). */
void dusk__paint(dusk__viz_scene *s, size_t i, const dusk__viz_palette *p, double v);

/* --- the builders ----------------------------------------------------------------- */

/* What the builders share: options with defaults filled in, the run, the
 * priorities, and (for arrays) the layers. */
typedef struct dusk__viz_ctx {
    dusk_viz_options o;             /* defaults filled in */
    const char *rankdir;            /* never NULL */
    size_t threshold;               /* never 0 */
    dusk__viz_run run;                    /* when o.events */
    int has_run;
    const int64_t *prio;            /* for ORDER */
    /* array graphs: the layers (may be NULL, 0) */
    const dusk_layer_info *layers;
    size_t nlayers;
} dusk__viz_ctx;

/* The task view of g (every task and result), Dask's look. */
int dusk__build_tasks(dusk_graph *g, const dusk__viz_ctx *c, dusk__viz_scene *s,
                      dusk_error *err);
/* The layer view: given layers (an array's), or groups of a plain graph. */
int dusk__build_layers(dusk_graph *g, const dusk__viz_ctx *c, dusk__viz_scene *s,
                       dusk_error *err);

/* Graph attributes every picture has (rankdir, fonts) and, for big task
 * views laid out by dot, the fast-layout settings; straight edges for a
 * layered one. */
void dusk__scene_defaults(dusk__viz_scene *s, const dusk__viz_ctx *c, size_t nnodes,
                          int layered);

/* --- the layered layout (viz/layered.c) ------------------------------------------ */
/* Does the picture of this scene go to dusk's layered layout rather than
 * dot? mode: the options' layout. */
int dusk__want_layered(dusk_viz_layout_mode mode, const dusk__viz_scene *s);
/* Places the scene's nodes (s->pos; sizes measured by Graphviz), rankdir
 * "BT", "TB", "LR" or "RL"; prio[task] (ntasks of them, or NULL) orders
 * each layer first. 0, DUSK_ENOMEM, or DUSK_EIO from Graphviz. */
int dusk__scene_layered(dusk__viz_scene *s, const char *rankdir, const int64_t *prio,
                        size_t nprio, dusk_error *err);

/* The layer of an array key ("('add-ab12', 0, 1)" -> the layer named
 * 'add-ab12'), or NULL. */
const dusk_layer_info *dusk__layer_of(const dusk__viz_ctx *c, const char *key);

/* --- the entry shared by graphs and arrays (viz/viz.c) ------------------------- */
/* What a call makes: a file (path), bytes (buf, len) or a layout. */
typedef struct dusk__viz_out {
    const char *path;               /* a file, or NULL */
    const char *format;             /* NULL: o->format, or path's extension */
    char **buf;                     /* into memory, when not NULL */
    size_t *len;
    dusk_viz_layout **layout;       /* the layout only, when not NULL */
} dusk__viz_out;

/* Draws (or lays out) g, or for an array's layer view with no colour
 * its layers alone (g NULL). Clears *buf, *len and *layout first. */
int dusk__visualize(dusk_graph *g, const dusk_layer_info *layers,
                    size_t nlayers, const dusk_viz_options *o,
                    const dusk__viz_out *out, dusk_error *err);

/* --- layouts (viz/layout.c) --------------------------------------------------------- */
/* Filled by dusk__gv_layout; every array and string in mem. */
struct dusk_viz_layout {
    dusk_viz_view view;
    double width, height;           /* the bounding box, from (0, 0) */
    dusk_viz_node *nodes;           /* the scene's nodes, in its order */
    size_t nnodes;
    dusk_viz_edge *edges;           /* its visible edges, in its order */
    size_t nedges;
    dusk__arena mem;
};

/* --- Graphviz (viz/gv.c) ---------------------------------------------------------- */
/* Lays out and renders the scene in Graphviz format gvfmt ("svg", "png",
 * "pdf", "jpg"), or writes its DOT source when gvfmt is "dot", into a
 * dusk_malloc'd NUL-terminated buffer. Takes the Graphviz lock. */
int dusk__gv_render(const dusk__viz_scene *s, const char *gvfmt, char **buf,
                    size_t *len, dusk_error *err);
/* Lays out the scene as dusk__gv_render does and copies the result into
 * l (its nodes, edges and box; l->mem holds them). Takes the Graphviz
 * lock. On failure l may hold part of it: the caller frees l. */
int dusk__gv_layout(const dusk__viz_scene *s, dusk_viz_layout *l, dusk_error *err);
/* The size Graphviz gives each node of the scene, w[i] x h[i] points
 * (its width and height, unturned: x and y), measured once per distinct
 * label, shape, font and margin; keeps each distinct node's look in s
 * (s->looks, s->lookof) for svg.c. Takes the Graphviz lock. */
int dusk__gv_sizes(dusk__viz_scene *s, double *w, double *h, dusk_error *err);

/* --- dusk's own SVG (viz/svg.c) ----------------------------------------------------- */
/* Can dusk write the SVG of this scene itself? A scene dusk laid out (pos,
 * epos and looks), whose nodes are drawn with what svg.c draws (ellipses,
 * circles, boxes, plain text; filled or striped; colours it can name) and
 * whose visible edges all have dusk's splines. */
int dusk__svg_can(const dusk__viz_scene *s);
/* Writes the scene's SVG, as Graphviz's svg renderer would draw the same
 * pinned layout, to file (when not NULL) or into a new dusk_malloc'd
 * NUL-terminated *buf of *len bytes. 0, DUSK_ENOMEM or DUSK_EIO (a file
 * that failed; err names it, and the caller discards the file). */
int dusk__svg_write(const dusk__viz_scene *s, dusk__atomic *file, char **buf, size_t *len,
                    dusk_error *err);
/* The Graphviz lock, for any other code of dusk that calls Graphviz. */
void dusk__gv_lock(void);
void dusk__gv_unlock(void);

#endif /* DUSK_VIZ_SCENE_H */
