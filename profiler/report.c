/*
** dusk profiler — the HTML report: one self-contained file
**
** Like distributed's performance_report, without bokeh: a single HTML file
** with its style sheet inline, the charts inline as SVG data URIs (each an
** <img>, so that the glyph ids of cairo's SVGs never clash) and the graph
** picture, when the caller gives one, inline as SVG. It has no script and
** refers to nothing outside itself, so it opens offline, from a mail
** attachment or a CI artifact alike.
**
** Sections, each with an id a check can look for: summary, task-stream,
** resources, cache, graph, functions.
*/
#include <string.h>
#include <time.h>

#include "dusk.h"
#include "prof.h"

/* Text with <, >, &, " escaped. */
static void esc(dusk__buf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': dusk__buf_puts(b, "&lt;"); break;
        case '>': dusk__buf_puts(b, "&gt;"); break;
        case '&': dusk__buf_puts(b, "&amp;"); break;
        case '"': dusk__buf_puts(b, "&quot;"); break;
        default: dusk__buf_add(b, s, 1); break;
        }
    }
}

static void base64(dusk__buf *out, const unsigned char *d, size_t n)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char q[4];
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)d[i] << 16 | (uint32_t)d[i + 1] << 8 | d[i + 2];
        q[0] = tab[v >> 18];
        q[1] = tab[(v >> 12) & 63];
        q[2] = tab[(v >> 6) & 63];
        q[3] = tab[v & 63];
        dusk__buf_add(out, q, 4);
    }
    if (i < n) {
        uint32_t v = (uint32_t)d[i] << 16 | (i + 1 < n ? (uint32_t)d[i + 1] << 8 : 0);
        q[0] = tab[v >> 18];
        q[1] = tab[(v >> 12) & 63];
        q[2] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
        q[3] = '=';
        dusk__buf_add(out, q, 4);
    }
}

/* A chart of some panels as an <img> with an SVG data URI. */
static int chart_img(dusk_profiler *p, dusk__buf *b, unsigned panels, int height, const char *alt,
                     dusk_error *err)
{
    dusk__buf svg = {0};
    dusk_chart_options o = DUSK_CHART_OPTIONS_INIT;
    o.format = DUSK_CHART_SVG;
    o.panels = panels;
    o.width = 1000;
    o.height = height;
    o.title = alt;
    int rc = dusk__chart(p, dusk__buf_write, &svg, &o, err);
    /* the buffer stops the chart only when it cannot grow */
    if (svg.failed)
        rc = dusk_error_set(err, DUSK_ENOMEM, "report: out of memory for a chart");
    if (!rc) {
        dusk__buf_puts(b, "<img class=\"chart\" alt=\"");
        esc(b, alt);
        dusk__buf_puts(b, "\" src=\"data:image/svg+xml;base64,");
        base64(b, (const unsigned char *)svg.data, svg.len);
        dusk__buf_puts(b, "\">\n");
    }
    dusk__buf_free(&svg);
    return rc;
}

static const char style[] =
    "body{font-family:'DejaVu Sans',Verdana,sans-serif;margin:0;color:#222;background:#fafafa}"
    "header{background:#1f3b57;color:#fff;padding:18px 32px}"
    "header h1{margin:0;font-size:22px}header p{margin:6px 0 0;color:#cfe0f0;font-size:13px}"
    "nav{padding:8px 32px;background:#e9eef3;font-size:13px}nav a{margin-right:16px;color:#1f3b57}"
    "section{background:#fff;margin:18px 32px;padding:12px 20px 18px;border:1px solid #dde3e9;"
    "border-radius:6px}"
    "h2{font-size:17px;margin:6px 0 12px;color:#1f3b57}"
    "table{border-collapse:collapse;font-size:13px}"
    "td,th{padding:4px 12px;border-bottom:1px solid #eee;text-align:right}"
    "th{background:#f1f4f7}td:first-child,th:first-child{text-align:left}"
    "table.kv td:first-child{color:#555}"
    ".bar{display:inline-block;height:10px;background:#1f77b4;vertical-align:middle}"
    ".swatch{display:inline-block;width:10px;height:10px;margin-right:6px}"
    "img.chart{max-width:100%;height:auto;display:block}"
    ".graph svg{max-width:100%;height:auto}"
    ".none{color:#777;font-style:italic}code{font-size:12px}"
    "footer{margin:18px 32px 32px;font-size:12px;color:#777}";

static void kv(dusk__buf *b, const char *k, const char *v)
{
    dusk__buf_puts(b, "<tr><td>");
    esc(b, k);
    dusk__buf_puts(b, "</td><td>");
    esc(b, v);
    dusk__buf_puts(b, "</td></tr>\n");
}

static void key_text(dusk__buf *b, const char *key)
{
    dusk__buf_puts(b, "<code>");
    if (key[0] == '(' && key[1] == '\'') {
        esc(b, key);
    } else {
        dusk__buf_puts(b, "'");
        esc(b, key);
        dusk__buf_puts(b, "'");
    }
    dusk__buf_puts(b, "</code>");
}

/* Bytes as people read them, with the exact count when that is rounded:
 * "912 B", "1.20 MiB (1258291 bytes)", so that it matches what a program
 * printing dusk_run_stats.held_peak says. */
static void held_text(char *out, size_t n, uint64_t bytes)
{
    char h[32];
    dusk__fmt_bytes(h, sizeof h, (double)bytes);
    if (bytes < 1024 * 9 / 10)
        snprintf(out, n, "%s", h);
    else
        snprintf(out, n, "%s (%llu bytes)", h, (unsigned long long)bytes);
}

static void summary_section(dusk_profiler *p, dusk__buf *b, const dusk_profile_summary *s)
{
    char v[96], t[64];
    dusk__buf_puts(b, "<section id=\"summary\"><h2>Summary</h2>\n<table class=\"kv\">\n");
    snprintf(v, sizeof v, "%llu", (unsigned long long)s->ntasks);
    kv(b, "tasks", v);
    snprintf(v, sizeof v, "%zu", s->nruns);
    kv(b, "runs", v);
    snprintf(v, sizeof v, "%d", s->workers);
    kv(b, "workers", v);
    dusk__fmt_ns(t, sizeof t, (double)s->wall_ns);
    kv(b, "wall time", t);
    dusk__fmt_ns(t, sizeof t, (double)s->busy_ns);
    kv(b, "busy time (sum of task durations)", t);
    snprintf(v, sizeof v, "%.1f%% (busy / (workers \xc3\x97 wall))", 100.0 * s->efficiency);
    kv(b, "parallel efficiency", v);
    dusk__fmt_ns(t, sizeof t, (double)s->critical_ns);
    snprintf(v, sizeof v, "%s over %zu task%s", t, s->ncritical, s->ncritical == 1 ? "" : "s");
    kv(b, "critical path", v);
    uint64_t rss = 0;
    for (size_t i = 0; i < p->nsamples; i++)
        if (p->samples[i].rss > rss)
            rss = p->samples[i].rss;
    if (p->nsamples) {
        dusk__fmt_bytes(t, sizeof t, (double)rss);
        kv(b, "peak RSS", t);
    }
    /* The scheduler's own figure (what dusk_run_stats.held_peak says for
     * the run), exact: the cache series and the samples can miss a peak
     * that lasted no time (a result stored and its inputs dropped in one
     * step). A trace read back does not have it: then the series' peak. */
    uint64_t peak = 0;
    for (size_t i = 0; i < p->nruns; i++)
        if (p->runs[i].held_peak > peak)
            peak = p->runs[i].held_peak;
    if (peak && p->o.cache_metric == DUSK_CACHE_BYTES) {
        held_text(t, sizeof t, peak);
        kv(b, "peak held by the scheduler", t);
    } else if (p->have_cache && p->nseries[p->nseries_groups]) {
        double top = 0;
        for (size_t i = 0; i < p->nseries[p->nseries_groups]; i++)
            if (p->series[p->nseries_groups][i].value > top)
                top = p->series[p->nseries_groups][i].value;
        if (p->o.cache_metric == DUSK_CACHE_COUNT)
            snprintf(t, sizeof t, "%.0f results", top);
        else
            held_text(t, sizeof t, (uint64_t)top);
        kv(b, "peak held by the scheduler", t);
    }
    if (s->nerrors) {
        snprintf(v, sizeof v, "%llu", (unsigned long long)s->nerrors);
        kv(b, "failed tasks", v);
    }
    if (s->lost) {
        snprintf(v, sizeof v, "%llu (out of memory while recording)", (unsigned long long)s->lost);
        kv(b, "records lost", v);
    }
    dusk__buf_puts(b, "</table>\n<p>Critical path (the chain of dependencies with the longest "
                      "total duration): ");
    for (size_t i = 0; i < s->ncritical; i++) {
        if (s->ncritical > 24 && i == 12) {
            dusk__buf_printf(b, " &rarr; &hellip; (%zu more)", s->ncritical - 24);
            i = s->ncritical - 12;
        }
        if (i)
            dusk__buf_puts(b, " &rarr; ");
        key_text(b, p->recs[s->critical[i]].key);
    }
    if (!s->ncritical)
        dusk__buf_puts(b, "<span class=\"none\">no tasks</span>");
    dusk__buf_puts(b, "</p></section>\n");
}

static void functions_section(dusk_profiler *p, dusk__buf *b, const dusk_profile_summary *s)
{
    char t1[32], t2[32], t3[32];
    dusk__buf_puts(b, "<section id=\"functions\"><h2>Per function</h2>\n<table>\n<tr><th>function"
                      "</th><th>tasks</th><th>total</th><th>mean</th><th>max</th><th>share of "
                      "busy time</th></tr>\n");
    for (size_t i = 0; i < s->nfuncs; i++) {
        const dusk_func_stats *f = &s->funcs[i];
        double c[3];
        dusk__colour(p, f->func, c);
        dusk__fmt_ns(t1, sizeof t1, (double)f->total_ns);
        dusk__fmt_ns(t2, sizeof t2, f->mean_ns);
        dusk__fmt_ns(t3, sizeof t3, (double)f->max_ns);
        dusk__buf_printf(b, "<tr><td><span class=\"swatch\" style=\"background:#%02x%02x%02x\">"
                            "</span>",
                         (unsigned)(c[0] * 255 + 0.5), (unsigned)(c[1] * 255 + 0.5),
                         (unsigned)(c[2] * 255 + 0.5));
        esc(b, f->func);
        dusk__buf_printf(b, "</td><td>%llu</td><td>%s</td><td>%s</td><td>%s</td><td>"
                            "<span class=\"bar\" style=\"width:%.0fpx\"></span> %.1f%%</td></tr>\n",
                         (unsigned long long)f->count, t1, t2, t3, 120 * f->share, 100 * f->share);
    }
    if (!s->nfuncs)
        dusk__buf_puts(b, "<tr><td colspan=\"6\" class=\"none\">no tasks</td></tr>\n");
    dusk__buf_puts(b, "</table></section>\n");
}

static void graph_section(dusk__buf *b, const char *svg)
{
    dusk__buf_puts(b, "<section id=\"graph\"><h2>Task graph</h2>\n");
    const char *start = svg ? strstr(svg, "<svg") : NULL;
    if (start) {
        dusk__buf_puts(b, "<div class=\"graph\">\n");
        dusk__buf_puts(b, start);
        dusk__buf_puts(b, "\n</div>");
    } else {
        dusk__buf_puts(b, "<p class=\"none\">No picture of the graph was given (see "
                          "dusk_report_options.graph_svg).</p>");
    }
    dusk__buf_puts(b, "</section>\n");
}

int dusk_profiler_write_report(dusk_profiler *p, const char *path, const dusk_report_options *o,
                               dusk_error *err)
{
    static const dusk_report_options defaults = DUSK_REPORT_OPTIONS_INIT;
    dusk_profile_summary s;
    dusk__buf b = {0};
    dusk__atomic out;
    int rc;
    DUSK__NONNULL(err, p);
    DUSK__NONNULL(err, path);
    if (!o)
        o = &defaults;
    const char *title = o->title ? o->title : "dusk performance report";
    rc = dusk_profiler_summary(p, &s);
    if (!rc)
        rc = dusk__cache(p);
    if (rc || !p->have_summary || !p->have_cache)
        return dusk_error_set(err, DUSK_ENOMEM, "report: out of memory");

    char when[64] = "";
    time_t now = time(NULL);
    struct tm tm;
    if (localtime_r(&now, &tm))
        strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
    dusk__buf_puts(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                       "<title>");
    esc(&b, title);
    dusk__buf_puts(&b, "</title>\n<style>");
    dusk__buf_puts(&b, style);
    dusk__buf_puts(&b, "</style>\n</head>\n<body>\n<header><h1>");
    esc(&b, title);
    char wall[32];
    dusk__fmt_ns(wall, sizeof wall, (double)s.wall_ns);
    dusk__buf_printf(&b, "</h1><p>dusk %s &middot; %s &middot; %llu tasks on %d worker%s in %s"
                         "</p></header>\n",
                     DUSK_VERSION, when, (unsigned long long)s.ntasks, s.workers,
                     s.workers == 1 ? "" : "s", wall);
    dusk__buf_puts(&b, "<nav><a href=\"#summary\">Summary</a><a href=\"#task-stream\">Task stream"
                       "</a><a href=\"#resources\">Memory and CPU</a><a href=\"#cache\">Cache</a>"
                       "<a href=\"#graph\">Task graph</a><a href=\"#functions\">Per function</a>"
                       "</nav>\n");
    summary_section(p, &b, &s);

    rc = 0;
    dusk__buf_puts(&b, "<section id=\"task-stream\"><h2>Task stream</h2>\n");
    if (p->nrecs)
        rc = chart_img(p, &b, DUSK_PANEL_TASKS, 0, "Task stream", err);
    else
        dusk__buf_puts(&b, "<p class=\"none\">No task records.</p>\n");
    dusk__buf_puts(&b, "</section>\n<section id=\"resources\"><h2>Memory and CPU</h2>\n");
    if (!rc && p->nsamples)
        rc = chart_img(p, &b, DUSK_PANEL_MEMORY | DUSK_PANEL_CPU, 0, "Memory and CPU", err);
    else if (!rc)
        dusk__buf_puts(&b, "<p class=\"none\">No resource samples.</p>\n");
    dusk__buf_puts(&b, "</section>\n<section id=\"cache\"><h2>Cache</h2>\n");
    if (!rc && p->nseries_groups && p->nseries[p->nseries_groups])
        rc = chart_img(p, &b, DUSK_PANEL_CACHE, 0, "Cache", err);
    else if (!rc)
        dusk__buf_puts(&b, "<p class=\"none\">No results held.</p>\n");
    dusk__buf_puts(&b, "</section>\n");
    graph_section(&b, o->graph_svg);
    functions_section(p, &b, &s);
    char every[96];
    if (p->o.dt > 0)
        snprintf(every, sizeof every, "every %.0f ms", p->o.dt * 1000);
    else
        snprintf(every, sizeof every, "every millisecond at first, less often as a run "
                 "lengthens");
    dusk__buf_printf(&b, "<footer>Written by dusk %s. Times are measured on the workers "
                         "(START to END events); CPU and RSS are sampled %s (%zu samples); "
                         "the peak held is the scheduler's own count.</footer>\n"
                         "</body>\n</html>\n",
                     DUSK_VERSION, every, p->nsamples);
    if (!rc && b.failed)
        rc = dusk_error_set(err, DUSK_ENOMEM, "report: out of memory");
    if (rc) {
        dusk__buf_free(&b);
        return rc;
    }
    if ((rc = dusk__atomic_open(&out, path, err)) == 0) {
        dusk__atomic_write(&out, b.data, b.len);
        rc = dusk__atomic_close(&out, 1, err);
    }
    dusk__buf_free(&b);
    return rc;
}
