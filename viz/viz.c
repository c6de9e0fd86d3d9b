/*
** dusk viz — visualize(): options, views, formats and files
**
** The entry points of include/dusk/viz.h that draw. One path for all of
** them, and for layouts (dusk__visualize): check the options and the
** format, validate the graph, digest the run's events, choose the view
** (the layer view past the threshold, saying so on stderr), build the
** scene (tasks.c or layers.c), then render it (gv.c, under the Graphviz
** lock; or svg.c, for the SVG of a picture dusk laid out) and hand the
** bytes over, or lay it out (layout.c). So a layout is
** always of the very scene a picture would show.
**
** Files are never half-written: the toolbox's atomic file (core/util.h; a
** fresh temporary name beside the target, O_EXCL) is opened first, so an
** unwritable path fails before any layout work; the picture is written to
** it whole and only then renamed over the target; any failure removes it.
*/
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dusk/alloc.h"
#include "scene.h"

/* --- formats ------------------------------------------------------------------------ */

static const struct {
    const char *name;      /* as users write it */
    const char *gv;        /* Graphviz's name, or "dot" for the source */
} FORMATS[] = {
    {"svg", "svg"}, {"png", "png"}, {"pdf", "pdf"}, {"jpg", "jpg"},
    {"jpeg", "jpg"}, {"dot", "dot"}, {"gv", "dot"}, {"xdot", "xdot"},
    /* SVG by Graphviz's own renderer, also for a picture dusk laid out
     * (whose "svg" dusk writes itself: svg.c) */
    {"svg:graphviz", "svg:graphviz"},
};
#define NFORMATS (sizeof FORMATS / sizeof FORMATS[0])

static const char *lookup_format(const char *name)
{
    for (size_t i = 0; i < NFORMATS; i++)
        if (strcasecmp(name, FORMATS[i].name) == 0)
            return FORMATS[i].gv;
    return NULL;
}

/* The extension of path's last component, or NULL. */
static const char *extension(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    return dot && dot != base && dot[1] ? dot + 1 : NULL;
}

static int resolve_format(const char *path, const char *format, const char **gv,
                          dusk_error *err)
{
    if (format) {
        *gv = lookup_format(format);
        if (!*gv)
            return dusk_error_set(err, DUSK_EINVAL,
                                  "visualize: unknown format '%s' (svg, png, pdf, jpg, "
                                  "jpeg, dot, gv, xdot or svg:graphviz)", format);
        return 0;
    }
    const char *ext = path ? extension(path) : NULL;
    if (!ext) {
        *gv = path ? "png" : "svg";            /* Dask's default for files */
        return 0;
    }
    *gv = lookup_format(ext);
    if (!*gv)
        return dusk_error_set(err, DUSK_EINVAL,
                              "visualize: unknown format '%s' of '%s' (svg, png, pdf, "
                              "jpg, jpeg, dot, gv or xdot)", ext, path);
    return 0;
}

/* --- options -------------------------------------------------------------------------- */

static const char *const COLOR_NAMES[DUSK_VIZ_NCOLORS] = {
    "none", "order", "worker", "duration", "bytes", "state",
};

int dusk_viz_color_parse(const char *name, dusk_viz_color *out)
{
    if (!out)
        return DUSK_EINVAL;
    for (int i = 0; name && i < DUSK_VIZ_NCOLORS; i++)
        if (strcasecmp(name, COLOR_NAMES[i]) == 0) {
            *out = (dusk_viz_color)i;
            return 0;
        }
    return DUSK_EINVAL;
}

const char *dusk_viz_color_name(dusk_viz_color c)
{
    return (int)c >= 0 && c < DUSK_VIZ_NCOLORS ? COLOR_NAMES[c] : "?";
}

static int runtime_mode(dusk_viz_color c)
{
    return c == DUSK_VIZ_COLOR_WORKER || c == DUSK_VIZ_COLOR_DURATION ||
           c == DUSK_VIZ_COLOR_BYTES || c == DUSK_VIZ_COLOR_STATE;
}

static int check_options(dusk__viz_ctx *c, const dusk_viz_options *o, dusk_error *err)
{
    static const dusk_viz_options defaults = DUSK_VIZ_OPTIONS_INIT;
    c->o = o ? *o : defaults;
    c->rankdir = c->o.rankdir ? c->o.rankdir : "BT";
    if (strcmp(c->rankdir, "BT") && strcmp(c->rankdir, "TB") &&
        strcmp(c->rankdir, "LR") && strcmp(c->rankdir, "RL"))
        return dusk_error_set(err, DUSK_EINVAL,
                              "visualize: rankdir '%s' is not BT, TB, LR or RL", c->rankdir);
    if ((int)c->o.color < 0 || c->o.color >= DUSK_VIZ_NCOLORS)
        return dusk_error_set(err, DUSK_EINVAL, "visualize: unknown colour mode %d",
                              (int)c->o.color);
    if ((int)c->o.view < 0 || c->o.view > DUSK_VIZ_LAYERS)
        return dusk_error_set(err, DUSK_EINVAL, "visualize: unknown view %d", (int)c->o.view);
    if ((int)c->o.layout < 0 || c->o.layout > DUSK_VIZ_LAYOUT_LAYERED)
        return dusk_error_set(err, DUSK_EINVAL,
                              "visualize: unknown layout %d (DUSK_VIZ_LAYOUT_AUTO, "
                              "DUSK_VIZ_LAYOUT_DOT or DUSK_VIZ_LAYOUT_LAYERED)",
                              (int)c->o.layout);
    if (runtime_mode(c->o.color) && (!c->o.events || !c->o.nevents))
        return dusk_error_set(err, DUSK_EINVAL,
                              "visualize: colour mode '%s' needs the events of a run "
                              "(options.events; see dusk_viz_recorder)",
                              dusk_viz_color_name(c->o.color));
    c->threshold = c->o.threshold ? c->o.threshold : DUSK_VIZ_THRESHOLD;
    return 0;
}

/* --- graph attributes ---------------------------------------------------------------- */

int dusk__want_layered(dusk_viz_layout_mode mode, const dusk__viz_scene *s)
{
    return mode == DUSK_VIZ_LAYOUT_LAYERED ||
           (mode == DUSK_VIZ_LAYOUT_AUTO && s->nnodes > DUSK_VIZ_DOT_MAX);
}

void dusk__scene_defaults(dusk__viz_scene *s, const dusk__viz_ctx *c, size_t nnodes,
                          int layered)
{
    dusk__scene_gattr(s, "rankdir", c->rankdir);
    s->ndef[DUSK__NA_FONTNAME] = "helvetica";       /* Dask's node_attr */
    if (layered) {
        /* dusk places the nodes; Graphviz draws straight edges between
         * them (layered.c) */
        dusk__scene_gattr(s, "splines", "line");
        return;
    }
    /* A big task view: trade layout polish for time. dot spends its time
     * in network simplex (ranking, then x positions: nslimit, nslimit1,
     * searchsize bound its iterations), in crossing minimisation
     * (mclimit scales its passes; remincross=false skips the second
     * round) and in routing splines (straight lines instead). */
    if (nnodes > 2 * c->threshold) {
        dusk__scene_gattr(s, "newrank", "true");
        dusk__scene_gattr(s, "nslimit", "0");
        dusk__scene_gattr(s, "nslimit1", "0");
        dusk__scene_gattr(s, "searchsize", "10");
        dusk__scene_gattr(s, "mclimit", "0.01");
        dusk__scene_gattr(s, "remincross", "false");
        dusk__scene_gattr(s, "splines", "line");
    }
}

/* --- the one path ---------------------------------------------------------------------- */

/* Puts "visualize: " before a message of the toolbox (which names the
 * file only) and returns rc. */
static int visualize_said(dusk_error *err, int rc)
{
    if (err && err->msg[0]) {
        char msg[sizeof err->msg];
        memcpy(msg, err->msg, sizeof msg);
        dusk_error_set(err, rc, "visualize: %s", msg);
    }
    return rc;
}

/* The view g (or the layers) is drawn in; says so on stderr when AUTO
 * switches to layers, naming the options of this API: a program that has
 * its own names for them (the CLI's --view, Python's view=) sets quiet and
 * says it in its own words. */
static dusk_viz_view choose_view(const dusk__viz_ctx *c, size_t ntasks)
{
    if (c->o.view != DUSK_VIZ_AUTO)
        return c->o.view;
    if (ntasks <= c->threshold)
        return DUSK_VIZ_TASKS;
    if (!c->o.quiet)
        fprintf(stderr,
                "%s: %zu tasks, more than %zu: drawing the layer view "
                "(one node per layer); the task view draws every task (option view "
                "DUSK_VIZ_TASKS, or a threshold above %zu)\n",
                c->o.who ? c->o.who : "dusk: visualize", ntasks, c->threshold, ntasks - 1);
    return DUSK_VIZ_LAYERS;
}

/* Lays the scene out into a new layout, *out on success. */
static int make_layout(const dusk__viz_scene *s, dusk_viz_view view, dusk_viz_layout **out,
                       dusk_error *err)
{
    dusk_viz_layout *l = dusk_calloc(1, sizeof *l);
    if (!l)
        return dusk_error_set(err, DUSK_ENOMEM, "visualize: out of memory");
    l->view = view;
    int rc = dusk__gv_layout(s, l, err);
    if (rc) {
        dusk_viz_layout_free(l);
        return rc;
    }
    *out = l;
    return 0;
}

int dusk__visualize(dusk_graph *g, const dusk_layer_info *layers, size_t nlayers,
                    const dusk_viz_options *o, const dusk__viz_out *out, dusk_error *err)
{
    dusk__viz_ctx c;
    memset(&c, 0, sizeof c);
    c.layers = layers;
    c.nlayers = nlayers;
    dusk__viz_scene s;
    dusk__scene_init(&s);
    dusk__atomic file = {0};
    char *bytes = NULL;
    size_t nbytes = 0;
    const char *gvfmt = NULL;
    int rc;

    if (out->buf) {
        *out->buf = NULL;
        *out->len = 0;
    }
    if (out->layout)
        *out->layout = NULL;
    if ((rc = check_options(&c, o, err)))
        return rc;
    s.layers_hint = c.o.layers_hint;
    s.who = c.o.who ? c.o.who : "dusk: visualize";
    if (!out->layout &&
        (rc = resolve_format(out->path, out->format ? out->format : c.o.format, &gvfmt, err)))
        return rc;

    /* the size that decides the view */
    size_t ntasks = 0;
    if (g) {
        if ((rc = dusk_graph_status(g, err)))
            return rc;
        ntasks = dusk_graph_size(g);
    } else {
        for (size_t i = 0; i < nlayers; i++)
            ntasks += (size_t)layers[i].ntasks;
    }
    if (ntasks == 0)
        return dusk_error_set(err, DUSK_EEMPTY, "visualize: the graph is empty (no keys)");
    if (g && (rc = dusk_graph_validate(g, err)))
        return rc;

    dusk_viz_view view = choose_view(&c, ntasks);
    if (!g && (view == DUSK_VIZ_TASKS || c.o.color != DUSK_VIZ_COLOR_NONE))
        return dusk_error_set(err, DUSK_EINVAL, "visualize: this view needs the task graph");

    /* An unwritable path fails here, before any layout work. */
    if (out->path && (rc = dusk__atomic_open(&file, out->path, err)))
        return visualize_said(err, rc);

    if (c.o.events && c.o.nevents) {
        if ((rc = dusk__run_build(&c.run, c.o.events, c.o.nevents, ntasks, err)))
            goto done;
        c.has_run = 1;
    }
    if (c.o.color == DUSK_VIZ_COLOR_ORDER && (rc = dusk_graph_order(g, &c.prio, err)))
        goto done;

    if (view == DUSK_VIZ_LAYERS)
        rc = dusk__build_layers(g, &c, &s, err);
    else
        rc = dusk__build_tasks(g, &c, &s, err);
    if (rc)
        goto done;
    int layered = dusk__want_layered(c.o.layout, &s);
    dusk__scene_defaults(&s, &c, view == DUSK_VIZ_TASKS ? s.nnodes : 0, layered);
    if (layered) {
        const int64_t *prio = c.prio;
        if (g && !prio && (rc = dusk_graph_order(g, &prio, err)))
            goto done;
        rc = dusk__scene_layered(&s, c.rankdir, g ? prio : NULL, g ? dusk_graph_size(g) : 0,
                                 err);
        if (rc)
            goto done;
    }

    if (out->layout) {
        rc = make_layout(&s, view, out->layout, err);
        goto done;
    }
    /* SVG of a picture dusk laid out: written by dusk (svg.c), streamed
     * to the file, with no cgraph graph (Graphviz's own renderer when
     * asked, "svg:graphviz", or for a scene svg.c cannot draw) */
    if (strcmp(gvfmt, "svg") == 0 && dusk__svg_can(&s)) {
        rc = dusk__svg_write(&s, out->path ? &file : NULL, out->buf, out->len, err);
        if (rc == 0 && out->path && (rc = dusk__atomic_close(&file, 1, err)))
            visualize_said(err, rc);
        goto done;
    }
    if (strcmp(gvfmt, "svg:graphviz") == 0)
        gvfmt = "svg";
    if ((rc = dusk__gv_render(&s, gvfmt, &bytes, &nbytes, err)))
        goto done;
    if (out->path) {
        dusk__atomic_write(&file, bytes, nbytes);
        rc = dusk__atomic_close(&file, 1, err);
        if (rc)
            visualize_said(err, rc);
    } else {
        *out->buf = bytes;
        *out->len = nbytes;
        bytes = NULL;
    }

done:
    dusk__atomic_close(&file, 0, NULL);        /* after a failure: removes it */
    dusk_free(bytes);
    dusk__run_free(&c.run);
    dusk__scene_free(&s);
    return rc;
}

int dusk_visualize(dusk_graph *g, const char *path, const dusk_viz_options *o,
                   dusk_error *err)
{
    DUSK__NONNULL(err, g);
    DUSK__NONNULL(err, path);
    dusk__viz_out out = {path, NULL, NULL, NULL, NULL};
    return dusk__visualize(g, NULL, 0, o, &out, err);
}

int dusk_visualize_mem(dusk_graph *g, const char *format, const dusk_viz_options *o,
                       char **buf, size_t *len, dusk_error *err)
{
    if (buf)
        *buf = NULL;
    if (len)
        *len = 0;
    DUSK__NONNULL(err, g);
    DUSK__NONNULL(err, buf);
    DUSK__NONNULL(err, len);
    dusk__viz_out out = {NULL, format, buf, len, NULL};
    return dusk__visualize(g, NULL, 0, o, &out, err);
}
