/*
** dusk viz — colours: colour maps, a run's per-task facts, legends
**
** Continuous modes use matplotlib's perceptual maps as Dask does: plasma
** for ORDER (Dask's default cmap for color="order", applied to the
** outline, with value / max as Dask normalises), viridis for DURATION and
** BYTES (filled, 0 .. max). The maps are Bokeh's 11-step Plasma11 and
** Viridis11 interpolated linearly in RGB, which is within a few units of
** the 256-entry tables. WORKER uses the tab20 categorical colours (tab10
** first), STATE the palette of Dask's dashboard graph view.
**
** A run's events become per-task facts (dusk__run_build): the state a
** task reached, the worker that ran it, its duration and its result's
** bytes. States only move forward (waiting < ready < running < memory <
** released, erred wins), so callbacks from several workers may deliver
** events of different tasks in any interleaving.
**
** Every mode draws a legend: a colour bar with its range for continuous
** modes, a table of swatches for categorical ones; Dask draws none.
*/
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dusk/alloc.h"
#include "scene.h"

/* --- colour maps ---------------------------------------------------------------- */

static const char *const PLASMA[11] = {
    "#0C0786", "#40039C", "#6A00A7", "#8F0DA3", "#B02A8F", "#CA4678",
    "#E06461", "#F1824C", "#FCA635", "#FCCC25", "#EFF821",
};
static const char *const VIRIDIS[11] = {
    "#440154", "#482374", "#404387", "#345E8D", "#29788E", "#208F8C",
    "#22A784", "#42BE71", "#79D151", "#BADE27", "#FDE724",
};

static void cmap(const char *const map[11], double t, char out[8])
{
    if (!(t >= 0))          /* also NaN */
        t = 0;
    if (t > 1)
        t = 1;
    double x = t * 10;
    int i = (int)x;
    if (i >= 10)
        i = 9;
    double f = x - i;
    uint32_t a = 0, b = 0;
    dusk__color_rgba(map[i], &a);
    dusk__color_rgba(map[i + 1], &b);
    int c[3];
    for (int k = 0; k < 3; k++) {
        int ak = (int)(a >> (24 - 8 * k) & 255), bk = (int)(b >> (24 - 8 * k) & 255);
        c[k] = (int)lround(ak + (bk - ak) * f);
    }
    snprintf(out, 8, "#%02x%02x%02x", c[0], c[1], c[2]);
}

void dusk__plasma(double t, char out[8]) { cmap(PLASMA, t, out); }
void dusk__viridis(double t, char out[8]) { cmap(VIRIDIS, t, out); }

static const char *const TAB20[20] = {
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
    "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5",
    "#c49c94", "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5",
};

const char *dusk__worker_color(int w)
{
    if (w < 0)
        return "#ffffff";
    return TAB20[w % 20];
}

/* Dask's dashboard (distributed/dashboard/components/scheduler.py,
 * TaskGraph): waiting gray, queued yellow, processing green, memory red,
 * released blue, erred black. dusk's ready is Dask's queued. */
static const char *const STATE_COLORS[DUSK__VIZ_NSTATES] = {
    "gray", "yellow", "green", "red", "blue", "black",
};
static const char *const STATE_NAMES[DUSK__VIZ_NSTATES] = {
    "waiting", "ready", "running", "in memory", "released", "erred",
};

const char *dusk__state_color(int s)
{
    return s >= 0 && s < DUSK__VIZ_NSTATES ? STATE_COLORS[s] : "white";
}

const char *dusk__state_name(int s)
{
    return s >= 0 && s < DUSK__VIZ_NSTATES ? STATE_NAMES[s] : "?";
}

/* The named colours dusk's pictures use, with the values of Graphviz's
 * X11 scheme (its "gray" is 192, not X11's 190). */
static const struct {
    const char *name;
    uint32_t rgba;
} NAMED[] = {
    {"black", 0x000000ffu},     {"white", 0xffffffffu},
    {"gray", 0xc0c0c0ffu},      {"grey", 0xc0c0c0ffu},
    {"lightgrey", 0xd3d3d3ffu}, {"lightgray", 0xd3d3d3ffu},
    {"yellow", 0xffff00ffu},    {"green", 0x00ff00ffu},
    {"red", 0xff0000ffu},       {"blue", 0x0000ffffu},
    {"transparent", 0xfffffe00u},
};

int dusk__color_rgba(const char *spec, uint32_t *out)
{
    size_t n = strcspn(spec, ":;");            /* the first of a list */
    while (n && spec[n - 1] == ' ')
        n--;
    if (spec[0] == '#' && (n == 7 || n == 9)) {
        uint32_t v = 0;
        for (size_t i = 1; i < n; i++) {
            int c = spec[i], d = c >= '0' && c <= '9' ? c - '0'
                               : c >= 'a' && c <= 'f' ? c - 'a' + 10
                               : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
            if (d < 0)
                return -1;
            v = v << 4 | (uint32_t)d;
        }
        *out = n == 7 ? v << 8 | 0xffu : v;
        return 0;
    }
    for (size_t i = 0; i < sizeof NAMED / sizeof NAMED[0]; i++)
        if (strlen(NAMED[i].name) == n && strncasecmp(spec, NAMED[i].name, n) == 0) {
            *out = NAMED[i].rgba;
            return 0;
        }
    return -1;
}

const char *dusk__text_on(const char *fill)
{
    uint32_t c;
    if (dusk__color_rgba(fill, &c) != 0)
        return "black";
    /* relative luminance, sRGB weights, on 0..255 */
    double y = 0.2126 * (c >> 24) + 0.7152 * (c >> 16 & 255) + 0.0722 * (c >> 8 & 255);
    return y < 128 ? "white" : "black";
}

/* --- a run, per task ------------------------------------------------------------- */

void dusk__run_free(dusk__viz_run *r)
{
    dusk_free(r->worker);
    dusk_free(r->dur_ns);
    dusk_free(r->nbytes);
    dusk_free(r->state);
    dusk_free(r->ran);
    memset(r, 0, sizeof *r);
}

int dusk__run_build(dusk__viz_run *r, const dusk_event *ev, size_t n, size_t ntasks,
                    dusk_error *err)
{
    memset(r, 0, sizeof *r);
    size_t m = ntasks ? ntasks : 1;
    r->ntasks = ntasks;
    r->worker = dusk_malloc(m * sizeof *r->worker);
    r->dur_ns = dusk_calloc(m, sizeof *r->dur_ns);
    r->nbytes = dusk_calloc(m, sizeof *r->nbytes);
    r->state = dusk_calloc(m, sizeof *r->state);
    r->ran = dusk_calloc(m, sizeof *r->ran);
    uint64_t *t0 = dusk_malloc(m * sizeof *t0);
    if (!r->worker || !r->dur_ns || !r->nbytes || !r->state || !r->ran || !t0) {
        dusk_free(t0);
        dusk__run_free(r);
        return dusk_error_set(err, DUSK_ENOMEM, "visualize: out of memory reading events");
    }
    for (size_t i = 0; i < ntasks; i++) {
        r->worker[i] = -1;
        t0[i] = UINT64_MAX;
    }
    int32_t last = INT32_MIN;
    for (size_t i = 0; i < n; i++)
        if (ev[i].run > last)
            last = ev[i].run;
    for (size_t i = 0; i < n; i++) {
        const dusk_event *e = &ev[i];
        if (e->run != last || e->kind == DUSK_EV_RUN_BEGIN || e->kind == DUSK_EV_RUN_END)
            continue;
        if (e->task < 0)
            continue;
        if ((uint64_t)e->task >= ntasks) {
            dusk_free(t0);
            dusk__run_free(r);
            return dusk_error_set(err, DUSK_EINVAL,
                                  "visualize: an event names task %lld but the graph has "
                                  "%zu tasks (events of another graph?)",
                                  (long long)e->task, ntasks);
        }
        size_t t = (size_t)e->task;
        int to = -1;
        switch (e->kind) {
        case DUSK_EV_READY: to = DUSK__VIZ_READY; break;
        case DUSK_EV_START:
            to = DUSK__VIZ_RUNNING;
            t0[t] = e->t_ns;
            if (e->worker >= 0)
                r->worker[t] = e->worker;
            break;
        case DUSK_EV_END:
        case DUSK_EV_ERROR:           /* it ran: its time, its worker */
            to = e->kind == DUSK_EV_END ? DUSK__VIZ_MEMORY : DUSK__VIZ_ERRED;
            r->ran[t] = 1;
            if (e->kind == DUSK_EV_END)
                r->nbytes[t] = e->nbytes;
            if (t0[t] != UINT64_MAX && e->t_ns >= t0[t])
                r->dur_ns[t] = e->t_ns - t0[t];
            if (r->worker[t] < 0 && e->worker >= 0)
                r->worker[t] = e->worker;
            break;
        case DUSK_EV_RELEASED: to = DUSK__VIZ_RELEASED; break;
        default: break;
        }
        if (to < 0 || r->state[t] == DUSK__VIZ_ERRED)
            continue;
        if (to == DUSK__VIZ_ERRED || to > r->state[t])
            r->state[t] = (uint8_t)to;
    }
    for (size_t i = 0; i < ntasks; i++)
        if (r->worker[i] + 1 > r->nworkers)
            r->nworkers = r->worker[i] + 1;
    dusk_free(t0);
    return 0;
}

/* --- painting nodes ------------------------------------------------------------------ */

void dusk__palette_color(const dusk__viz_palette *p, double v, char out[8])
{
    switch (p->mode) {
    case DUSK_VIZ_COLOR_ORDER: {
        double max = p->hi > 1 ? p->hi : 1;       /* Dask: v / max(1, max) */
        dusk__plasma(v / max, out);
        break;
    }
    case DUSK_VIZ_COLOR_DURATION:
    case DUSK_VIZ_COLOR_BYTES:
        dusk__viridis(p->hi > p->lo ? (v - p->lo) / (p->hi - p->lo) : 0, out);
        break;
    case DUSK_VIZ_COLOR_WORKER:
        snprintf(out, 8, "%s", dusk__worker_color((int)v));
        break;
    case DUSK_VIZ_COLOR_STATE: {
        uint32_t c = 0xffffffffu;
        dusk__color_rgba(dusk__state_color((int)v), &c);
        snprintf(out, 8, "#%06x", (unsigned)(c >> 8));
        break;
    }
    default:
        snprintf(out, 8, "#000000");
        break;
    }
}

void dusk__paint(dusk__viz_scene *s, size_t i, const dusk__viz_palette *p, double v)
{
    if (p->mode == DUSK_VIZ_COLOR_NONE)
        return;
    const char *c;
    char hex[8];
    if (p->mode == DUSK_VIZ_COLOR_WORKER) {
        c = dusk__worker_color((int)v);
    } else if (p->mode == DUSK_VIZ_COLOR_STATE) {
        c = dusk__state_color((int)v);
    } else {
        dusk__palette_color(p, v, hex);
        c = dusk__scene_strdup(s, hex);
    }
    if (!c)
        return;
    if (p->mode == DUSK_VIZ_COLOR_ORDER) {
        dusk__scene_set(s, i, DUSK__NA_COLOR, c);
        dusk__scene_set(s, i, DUSK__NA_PENWIDTH, "2");
        return;
    }
    dusk__scene_set(s, i, DUSK__NA_STYLE, "filled");
    dusk__scene_set(s, i, DUSK__NA_FILLCOLOR, c);
    dusk__scene_set(s, i, DUSK__NA_FONTCOLOR, dusk__text_on(c));
}

/* --- legends -------------------------------------------------------------------------- */

static void fmt_value(const dusk__viz_palette *p, double v, char *buf, size_t n)
{
    switch (p->mode) {
    case DUSK_VIZ_COLOR_DURATION: dusk__fmt_ns(buf, n, (double)(uint64_t)(v < 0 ? 0 : v)); break;
    case DUSK_VIZ_COLOR_BYTES: dusk__fmt_bytes(buf, n, (double)(uint64_t)(v < 0 ? 0 : v)); break;
    default: snprintf(buf, n, "%.0f", v); break;
    }
}

#define BAR_STRIPES 12

/* One legend node, named legend<k>. */
static size_t legend_node(dusk__viz_scene *s, const char *label)
{
    char name[32];
    snprintf(name, sizeof name, "legend%zu", s->nnodes - s->legend_first);
    size_t i = dusk__scene_node(s, name);
    if (i != (size_t)-1)
        dusk__scene_set(s, i, DUSK__NA_LABEL, dusk__scene_strdup(s, label));
    return i;
}

static size_t text_node(dusk__viz_scene *s, const char *label)
{
    size_t i = legend_node(s, label);
    dusk__scene_set(s, i, DUSK__NA_SHAPE, "plaintext");
    dusk__scene_set(s, i, DUSK__NA_WIDTH, "0.2");
    dusk__scene_set(s, i, DUSK__NA_MARGIN, "0.04");
    return i;
}

static void swatch(dusk__viz_scene *s, const char *label, const char *color)
{
    size_t i = legend_node(s, label);
    if (i == (size_t)-1)
        return;
    dusk__scene_set(s, i, DUSK__NA_SHAPE, "box");
    dusk__scene_set(s, i, DUSK__NA_STYLE, "filled");
    dusk__scene_set(s, i, DUSK__NA_FILLCOLOR, color);
    dusk__scene_set(s, i, DUSK__NA_FONTCOLOR, dusk__text_on(color));
}

/* The legend is a row of plain nodes (rank=same), joined by invisible
 * edges that keep them in order: its title, then swatches for categories
 * or a striped box between the two ends of the range for a colour bar.
 * Not an HTML-like table, nor a cluster: Graphviz 2.43 leaks memory on
 * every table it sizes and every cluster it lays out. */
void dusk__legend(dusk__viz_scene *s, const dusk__viz_palette *p, const char *title)
{
    if (p->mode == DUSK_VIZ_COLOR_NONE || s->oom)
        return;
    s->legend_first = s->nnodes;
    char head[128];
    snprintf(head, sizeof head, "%s:", title);
    text_node(s, head);
    if (p->mode == DUSK_VIZ_COLOR_WORKER) {
        for (int w = 0; w < p->nworkers; w++) {
            char label[32];
            snprintf(label, sizeof label, "worker %d", w);
            swatch(s, label, dusk__worker_color(w));
        }
        if (p->missing || p->nworkers == 0)
            swatch(s, "not run", "#ffffff");
    } else if (p->mode == DUSK_VIZ_COLOR_STATE) {
        for (int st = 0; st < DUSK__VIZ_NSTATES; st++)
            if (p->states_seen[st])
                swatch(s, STATE_NAMES[st], STATE_COLORS[st]);
    } else {
        double lo = p->mode == DUSK_VIZ_COLOR_ORDER ? 0 : p->lo;
        double hi = p->mode == DUSK_VIZ_COLOR_ORDER ? (p->hi > 1 ? p->hi : 1) : p->hi;
        char a[32], z[32];
        fmt_value(p, lo, a, sizeof a);
        fmt_value(p, hi, z, sizeof z);
        dusk__buf stripes = {0};
        for (int k = 0; k < BAR_STRIPES; k++) {
            char hex[8];
            dusk__palette_color(p, lo + (hi - lo) * (k + 0.5) / BAR_STRIPES, hex);
            dusk__buf_printf(&stripes, "%s%s;%.4f", k ? ":" : "", hex, 1.0 / BAR_STRIPES);
        }
        text_node(s, a);
        size_t i = legend_node(s, "");
        dusk__scene_set(s, i, DUSK__NA_SHAPE, "box");
        dusk__scene_set(s, i, DUSK__NA_STYLE, "striped");
        if (stripes.failed)
            s->oom = 1;
        else
            dusk__scene_set(s, i, DUSK__NA_FILLCOLOR, dusk__scene_strdup(s, stripes.data));
        dusk__buf_free(&stripes);
        dusk__scene_set(s, i, DUSK__NA_WIDTH, "2.4");
        dusk__scene_set(s, i, DUSK__NA_HEIGHT, "0.3");
        dusk__scene_set(s, i, DUSK__NA_FIXEDSIZE, "true");
        text_node(s, z);
    }
    s->legend_n = s->nnodes - s->legend_first;
    for (size_t k = 1; k < s->legend_n; k++)
        dusk__scene_edge_invis(s, s->legend_first + k - 1, s->legend_first + k);
    for (size_t k = 0; k < s->legend_n; k++)
        dusk__scene_set(s, s->legend_first + k, DUSK__NA_TOOLTIP, title);
}
