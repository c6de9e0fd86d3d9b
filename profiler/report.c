/*
** dusk profiler — the HTML report: one self-contained file
**
** Like distributed's performance_report, without bokeh: a single HTML file
** with its style sheet inline, the charts inline as SVG data URIs (each an
** <img>, so that the glyph ids of cairo's SVGs never clash) and the graph
** picture, when the caller gives one, inline as SVG. It refers to nothing
** outside itself, so it opens offline, from a mail attachment or a CI
** artifact alike.
**
** Interactive without a library: the records (tasks up to REPORT_MAX_TASKS,
** and the resource samples) go into the page as JSON, and an inline script
** (viewer[] below) draws the task stream and the memory and CPU charts as
** SVG from them, on one time axis: hovering a task shows its key, function,
** worker, start and duration (on memory and CPU: the sample there and the
** tasks running), dragging or the wheel zooms on a time range and a
** double-click shows it all. The script only adds to the page: a section
** it made live hides its static picture (CSS), so that without JavaScript
** the cairo pictures are what one sees. Hooks a test can read: each chart's
** <svg data-t0 data-t1> (the range shown, ns), a task's <rect data-i> (its
** index in the records) and the tooltip, #dusk-tip.
**
** Sections, each with an id a check can look for: summary, task-stream,
** resources, cache, graph, functions.
*/
#include <string.h>
#include <time.h>

#include "dusk.h"
#include "prof.h"

/* Text with <, >, &, " escaped, as UTF-8 (a stray byte as Latin-1) with
 * no control character but tab and line breaks (HTML has none: U+FFFD). */
static void esc(dusk__buf *b, const char *s)
{
    dusk__buf tmp = {0};
    if (!(s = dusk__utf8_text(s, &tmp)))
        b->failed = 1;
    for (; s && *s; s++) {
        switch (*s) {
        case '<': dusk__buf_puts(b, "&lt;"); break;
        case '>': dusk__buf_puts(b, "&gt;"); break;
        case '&': dusk__buf_puts(b, "&amp;"); break;
        case '"': dusk__buf_puts(b, "&quot;"); break;
        default:
            if ((unsigned char)*s < 0x20 && *s != '\t' && *s != '\n' && *s != '\r')
                dusk__buf_puts(b, "\xef\xbf\xbd");
            else
                dusk__buf_add(b, s, 1);
            break;
        }
    }
    dusk__buf_free(&tmp);
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
        dusk__buf_puts(b, "<img class=\"chart static\" alt=\"");
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
    "footer{margin:18px 32px 32px;font-size:12px;color:#777}"
    /* the interactive charts (viewer[] below) */
    "section.live img.static{display:none}"
    ".hint{font-size:12px;color:#666;margin:0 0 6px}"
    ".ix-chart{display:block;font-size:11px;user-select:none;cursor:crosshair}"
    ".ix-chart .grid{stroke:#e6e6e6}.ix-chart .row{stroke:#dbdbdb}"
    ".ix-chart .frame{fill:none;stroke:#555}"
    ".ix-chart .tick{fill:#444;font-size:10px}.ix-chart .label{fill:#333;font-size:11px}"
    ".ix-chart .title{font-weight:bold;font-size:12px;fill:#111}"
    ".ix-chart .range{fill:#555;font-size:11px}"
    ".ix-chart path{fill:none;stroke-width:1.6;stroke-linejoin:round}"
    ".ix-chart rect.failed{stroke:#c00;stroke-width:1.5}"
    ".ix-chart .sel{fill:rgba(31,119,180,.15);stroke:#1f77b4}"
    ".ix-chart .cursor{stroke:#888;stroke-dasharray:3 3}"
    ".ix-chart .hl{fill:none;stroke:#000;stroke-width:1.5}"
    "#dusk-tip{position:fixed;z-index:10;background:#fff;border:1px solid #999;"
    "border-radius:4px;padding:6px 8px;font-size:12px;box-shadow:0 2px 6px rgba(0,0,0,.2);"
    "pointer-events:none;max-width:480px;overflow-wrap:anywhere}"
    "#dusk-tip .bad{color:#c00}#dusk-tip .dim{color:#777}";

/* Past this many tasks the page would weigh tens of megabytes: the task
 * stream stays a picture (memory and CPU are still live). */
#define REPORT_MAX_TASKS 200000

/* The viewer: draws the live charts from the page's JSON (see the top). */
static const char *const viewer[] = {
    "(function () {\n",
    "  'use strict';\n",
    "  var el = document.getElementById('dusk-data');\n",
    "  if (!el || !window.JSON || !document.createElementNS) return;\n",
    "  var D = JSON.parse(el.textContent);\n",
    "  var T1 = D.t1 > 0 ? D.t1 : 1, MIN_SPAN = 1000;\n",
    "  var view = [0, T1], charts = [], drag = null;\n",
    "  var n = D.s.length, nw = D.workers > 0 ? D.workers : 1, failed = {};\n",
    "  /* lanes, as the chart's (dusk__task_lanes): a worker's row has one per\n",
    "     level of the tasks nested on it (D.dp, a task's level, is there only\n",
    "     when some nest); byL[l]: lane l's tasks, by start */\n",
    "  var dp = D.dp || null, rows = [], first = [], byL = [], nl = 0;\n",
    "  for (var k = 0; k < nw; k++) rows.push(1);\n",
    "  for (var i = 0; i < n; i++)\n",
    "    if (dp && D.w[i] >= 0 && D.w[i] < nw && dp[i] >= rows[D.w[i]]) rows[D.w[i]] = dp[i] + 1;\n",
    "  for (k = 0; k < nw; k++) { first.push(nl); nl += rows[k]; }\n",
    "  for (k = 0; k < nl; k++) byL.push([]);\n",
    "  /* a literal's record ('a': 1, D.lit) is kept in the trace but is no\n",
    "     task (Dask runs nothing for it): not drawn, not hovered */\n",
    "  var lit = {};\n",
    "  for (i = 0; D.lit && i < D.lit.length; i++) lit[D.lit[i]] = 1;\n",
    "  for (i = 0; i < n; i++)\n",
    "    if (D.w[i] >= 0 && D.w[i] < nw && !lit[i]) byL[first[D.w[i]] + (dp ? dp[i] : 0)].push(i);\n",
    "  for (i = 0; i < D.e.length; i++) failed[D.e[i]] = 1;\n",
    "  function esc(s) {\n",
    "    return String(s).replace(/[&<>\"]/g, function (c) {\n",
    "      return c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;';\n",
    "    });\n",
    "  }\n",
    "  function fmtNs(ns) {\n",
    "    if (ns < 1e3) return Math.max(0, ns).toFixed(0) + ' ns';\n",
    "    if (ns < 1e6) return (ns / 1e3).toFixed(1) + ' us';\n",
    "    if (ns < 1e9) return (ns / 1e6).toFixed(1) + ' ms';\n",
    "    return (ns / 1e9).toFixed(2) + ' s';\n",
    "  }\n",
    "  var UNITS = [['PiB', 1125899906842624], ['TiB', 1099511627776], ['GiB', 1073741824],\n",
    "               ['MiB', 1048576], ['kiB', 1024]];\n",
    "  function fmtBytes(b) {\n",
    "    for (var u = 0; u < UNITS.length; u++)\n",
    "      if (b >= UNITS[u][1] * 0.9) return (b / UNITS[u][1]).toFixed(2) + ' ' + UNITS[u][0];\n",
    "    return Math.max(0, b).toFixed(0) + ' B';\n",
    "  }\n",
    "  /* Byte ticks are round in the unit they are shown in (0, 5, 10 MiB, not\n",
    "   * 1.91, 3.81 MiB: round decimal MB labelled MiB): the unit is the largest\n",
    "   * that top reaches, as the cairo chart's, and the step 1, 2 or 5 times a\n",
    "   * power of ten of it. The report stays in binary units, as dusk's other\n",
    "   * outputs and its tooltips (Dask's format_bytes does too). */\n",
    "  function byteUnit(top) {\n",
    "    for (var u = 0; u < UNITS.length; u++)\n",
    "      if (top >= UNITS[u][1]) return UNITS[u];\n",
    "    return ['B', 1];\n",
    "  }\n",
    "  function tickFormat(fmt, top, step) {\n",
    "    if (fmt !== fmtBytes) return fmt;\n",
    "    var u = byteUnit(top), s = step / u[1];\n",
    "    var dec = s >= 1 ? 0 : Math.min(6, Math.ceil(-Math.log(s) / Math.LN10 - 1e-9));\n",
    "    return function (v) { return (v / u[1]).toFixed(dec) + ' ' + u[0]; };\n",
    "  }\n",
    "  function niceStep(range, count) {\n",
    "    if (!(range > 0)) return 1;\n",
    "    var raw = range / count, mag = Math.pow(10, Math.floor(Math.log(raw) / Math.LN10));\n",
    "    var r = raw / mag;\n",
    "    return (r < 1.5 ? 1 : r < 3.5 ? 2 : r < 7.5 ? 5 : 10) * mag;\n",
    "  }\n",
    "  function timeUnit(span) {\n",
    "    return span >= 2e9 ? [1e9, 's'] : span >= 2e6 ? [1e6, 'ms'] : span >= 2e3 ? [1e3, 'us']\n",
    "                                                                       : [1, 'ns'];\n",
    "  }\n",
    "  /* first index j of list (ascending by key(j)) with key >= v */\n",
    "  function lower(list, key, v) {\n",
    "    var lo = 0, hi = list.length;\n",
    "    while (lo < hi) {\n",
    "      var mid = (lo + hi) >> 1;\n",
    "      if (key(list[mid]) < v) lo = mid + 1; else hi = mid;\n",
    "    }\n",
    "    return lo;\n",
    "  }\n",
    "  /* --- a chart: an SVG whose x axis is the shared view ------------------- */\n",
    "  function Chart(host, kind, height) {\n",
    "    this.host = host;\n",
    "    this.kind = kind;\n",
    "    this.height = height;\n",
    "    this.svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');\n",
    "    this.svg.setAttribute('class', 'ix-chart ix-' + kind);\n",
    "    host.appendChild(this.svg);\n",
    "    charts.push(this);\n",
    "    var self = this;\n",
    "    this.svg.addEventListener('wheel', function (e) { self.wheel(e); }, {passive: false});\n",
    "    this.svg.addEventListener('mousedown', function (e) { self.down(e); });\n",
    "    this.svg.addEventListener('mousemove', function (e) { if (!drag) self.hover(e); });\n",
    "    this.svg.addEventListener('mouseleave', function () { if (!drag) hideHover(); });\n",
    "    this.svg.addEventListener('dblclick', function (e) {\n",
    "      e.preventDefault();\n",
    "      setView(0, T1);\n",
    "    });\n",
    "  }\n",
    "  Chart.prototype.layout = function () {\n",
    "    var w = Math.max(400, this.host.clientWidth || 1000);\n",
    "    this.W = w;\n",
    "    this.f = {x: 78, y: 26, w: w - 78 - 72, h: this.height - 26 - 30};\n",
    "  };\n",
    "  Chart.prototype.X = function (t) {\n",
    "    return this.f.x + this.f.w * (t - view[0]) / (view[1] - view[0]);\n",
    "  };\n",
    "  Chart.prototype.T = function (x) {\n",
    "    return view[0] + (x - this.f.x) / this.f.w * (view[1] - view[0]);\n",
    "  };\n",
    "  Chart.prototype.pos = function (e) {\n",
    "    var r = this.svg.getBoundingClientRect();\n",
    "    return [e.clientX - r.left, e.clientY - r.top];\n",
    "  };\n",
    "  Chart.prototype.inFrame = function (p) {\n",
    "    var f = this.f;\n",
    "    return p[0] >= f.x && p[0] <= f.x + f.w && p[1] >= f.y && p[1] <= f.y + f.h;\n",
    "  };\n",
    "  Chart.prototype.axis = function (out) {\n",
    "    var f = this.f, span = view[1] - view[0], u = timeUnit(span);\n",
    "    var step = niceStep(span / u[0], Math.max(2, Math.floor(f.w / 90)));\n",
    "    var first = Math.ceil(view[0] / u[0] / step - 1e-9) * step;\n",
    "    var dec = step >= 1 ? 0 : Math.min(6, Math.ceil(-Math.log(step) / Math.LN10 - 1e-9));\n",
    "    for (var v = first; v <= view[1] / u[0] * (1 + 1e-12); v += step) {\n",
    "      var x = Math.floor(this.X(v * u[0])) + 0.5;\n",
    "      out.push('<line class=\"grid\" x1=\"' + x + '\" x2=\"' + x + '\" y1=\"' + f.y + '\" y2=\"' +\n",
    "               (f.y + f.h) + '\"/><text class=\"tick\" x=\"' + x + '\" y=\"' + (f.y + f.h + 14) +\n",
    "               '\" text-anchor=\"middle\">' + v.toFixed(dec) + '</text>');\n",
    "    }\n",
    "    out.push('<text class=\"label\" x=\"' + (f.x + f.w) + '\" y=\"' + (f.y + f.h + 27) +\n",
    "             '\" text-anchor=\"end\">time (' + u[1] + ')</text>');\n",
    "  };\n",
    "  Chart.prototype.valueAxis = function (out, top, fmt) {\n",
    "    var sc = fmt === fmtBytes ? byteUnit(top)[1] : 1;\n",
    "    var f = this.f, step = sc * niceStep(top / sc, Math.max(2, Math.floor(f.h / 28)));\n",
    "    fmt = tickFormat(fmt, top, step);\n",
    "    var vtop = Math.max(step, Math.ceil(top / step - 1e-9) * step);\n",
    "    if (top > 0 && vtop - top < 0.02 * vtop) vtop += step;   /* the top off the frame */\n",
    "    for (var v = 0; v <= vtop * (1 + 1e-9); v += step) {\n",
    "      var y = Math.floor(f.y + f.h - f.h * v / vtop) + 0.5;\n",
    "      out.push('<line class=\"grid\" x1=\"' + f.x + '\" x2=\"' + (f.x + f.w) + '\" y1=\"' + y +\n",
    "               '\" y2=\"' + y + '\"/><text class=\"tick\" x=\"' + (f.x - 6) + '\" y=\"' + (y + 4) +\n",
    "               '\" text-anchor=\"end\">' + esc(fmt(v)) + '</text>');\n",
    "    }\n",
    "    return vtop;\n",
    "  };\n",
    "  /* ticks on the right, for a series drawn on a scale of its own */\n",
    "  Chart.prototype.rightAxis = function (out, top, fmt, colour) {\n",
    "    var sc = fmt === fmtBytes ? byteUnit(top)[1] : 1;\n",
    "    var f = this.f, step = sc * niceStep(top / sc, Math.max(2, Math.floor(f.h / 28)));\n",
    "    fmt = tickFormat(fmt, top, step);\n",
    "    var vtop = Math.max(step, Math.ceil(top / step - 1e-9) * step);\n",
    "    if (top > 0 && vtop - top < 0.02 * vtop) vtop += step;   /* the top off the frame */\n",
    "    for (var v = 0; v <= vtop * (1 + 1e-9); v += step)\n",
    "      out.push('<text class=\"tick\" fill=\"' + colour + '\" style=\"fill:' + colour +\n",
    "               '\" x=\"' + (f.x + f.w + 6) + '\" y=\"' +\n",
    "               (Math.floor(f.y + f.h - f.h * v / vtop) + 4) + '\">' + esc(fmt(v)) + '</text>');\n",
    "    return vtop;\n",
    "  };\n",
    "  Chart.prototype.legend = function (out, title, items) {\n",
    "    var x = this.f.x;\n",
    "    out.push('<text class=\"title\" x=\"' + x + '\" y=\"15\">' + esc(title) + '</text>');\n",
    "    x += 8 * title.length + 16;\n",
    "    for (var j = 0; j < items.length && x < this.W - 120; j++) {\n",
    "      out.push('<rect x=\"' + x + '\" y=\"6\" width=\"10\" height=\"10\" fill=\"' + items[j][1] +\n",
    "               '\"/><text class=\"tick\" x=\"' + (x + 14) + '\" y=\"15\">' + esc(items[j][0]) +\n",
    "               '</text>');\n",
    "      x += 14 + 7 * items[j][0].length + 14;\n",
    "    }\n",
    "  };\n",
    "  Chart.prototype.render = function () {\n",
    "    this.layout();\n",
    "    var f = this.f, out = [];\n",
    "    this.svg.setAttribute('width', this.W);\n",
    "    this.svg.setAttribute('height', this.height);\n",
    "    this.svg.setAttribute('viewBox', '0 0 ' + this.W + ' ' + this.height);\n",
    "    this.svg.setAttribute('data-t0', Math.round(view[0]));\n",
    "    this.svg.setAttribute('data-t1', Math.round(view[1]));\n",
    "    out.push('<defs><clipPath id=\"clip-' + this.kind + '\"><rect x=\"' + f.x + '\" y=\"' + f.y +\n",
    "             '\" width=\"' + f.w + '\" height=\"' + f.h + '\"/></clipPath></defs>');\n",
    "    this.axis(out);   /* its grid first: under the bars and lines */\n",
    "    this.draw(out);\n",
    "    out.push('<rect class=\"frame\" x=\"' + (Math.floor(f.x) + 0.5) + '\" y=\"' +\n",
    "             (Math.floor(f.y) + 0.5) + '\" width=\"' + Math.floor(f.w) + '\" height=\"' +\n",
    "             Math.floor(f.h) + '\"/>');\n",
    "    out.push('<rect class=\"sel\" x=\"0\" y=\"' + f.y + '\" width=\"0\" height=\"' + f.h +\n",
    "             '\" visibility=\"hidden\"/><line class=\"cursor\" x1=\"0\" x2=\"0\" y1=\"' + f.y +\n",
    "             '\" y2=\"' + (f.y + f.h) + '\" visibility=\"hidden\"/>');\n",
    "    if (this.kind === 'tasks') out.push('<rect class=\"hl\" visibility=\"hidden\"/>');\n",
    "    this.svg.innerHTML = out.join('');\n",
    "    this.sel = this.svg.querySelector('.sel');\n",
    "    this.cursor = this.svg.querySelector('.cursor');\n",
    "    this.hl = this.svg.querySelector('.hl');\n",
    "  };\n",
    "  Chart.prototype.wheel = function (e) {\n",
    "    var p = this.pos(e);\n",
    "    if (!this.inFrame(p)) return;\n",
    "    e.preventDefault();\n",
    "    var span = view[1] - view[0], t = this.T(p[0]);\n",
    "    var ns = Math.min(T1, Math.max(MIN_SPAN, span * Math.exp(e.deltaY * 0.002)));\n",
    "    var t0 = t - (t - view[0]) * ns / span;\n",
    "    setView(t0, t0 + ns);\n",
    "  };\n",
    "  Chart.prototype.down = function (e) {\n",
    "    var p = this.pos(e);\n",
    "    if (e.button !== 0 || !this.inFrame(p)) return;\n",
    "    e.preventDefault();\n",
    "    drag = {chart: this, x0: p[0], x1: p[0]};\n",
    "    hideHover();\n",
    "  };\n",
    "  Chart.prototype.hover = function (e) {\n",
    "    var p = this.pos(e);\n",
    "    if (!this.inFrame(p)) { hideHover(); return; }\n",
    "    var t = this.T(p[0]), html = this.tipAt(p, t);\n",
    "    charts.forEach(function (c) {\n",
    "      var x = c.X(t);\n",
    "      c.cursor.setAttribute('x1', x);\n",
    "      c.cursor.setAttribute('x2', x);\n",
    "      c.cursor.setAttribute('visibility', c.kind === 'tasks' ? 'hidden' : 'visible');\n",
    "    });\n",
    "    if (!html) { tip.hidden = true; return; }\n",
    "    tip.innerHTML = html;\n",
    "    tip.hidden = false;\n",
    "    var x = e.clientX + 14, y = e.clientY + 14;\n",
    "    if (x + tip.offsetWidth > window.innerWidth - 4) x = e.clientX - 14 - tip.offsetWidth;\n",
    "    if (y + tip.offsetHeight > window.innerHeight - 4) y = e.clientY - 14 - tip.offsetHeight;\n",
    "    tip.style.left = Math.max(0, x) + 'px';\n",
    "    tip.style.top = Math.max(0, y) + 'px';\n",
    "  };\n",
    "  /* the task of lane l running at time t: its index, or -1 */\n",
    "  function taskAt(l, t) {\n",
    "    var list = byL[l], j = lower(list, function (i) { return D.s[i]; }, t + 1) - 1;\n",
    "    return j >= 0 && D.s[list[j]] + D.d[list[j]] >= t ? list[j] : -1;\n",
    "  }\n",
    "  function taskTip(i) {\n",
    "    return '<b>' + esc(D.k[i]) + '</b><br>function ' + esc(D.funcs[D.f[i]]) + '<br>worker ' +\n",
    "           D.w[i] + (dp && dp[i] ? ', nested ' + dp[i] + ' deep' : '') + '<br>start ' +\n",
    "           fmtNs(D.s[i]) + '<br>duration ' + fmtNs(D.d[i]) +\n",
    "           (failed[i] ? '<br><span class=\"bad\">failed</span>' : '');\n",
    "  }\n",
    "  /* --- the task stream --------------------------------------------------- */\n",
    "  function TaskChart(host) {\n",
    "    Chart.call(this, host, 'tasks', Math.max(120, Math.min(380, nl * 18)) + 56);\n",
    "  }\n",
    "  TaskChart.prototype = Object.create(Chart.prototype);\n",
    "  TaskChart.prototype.draw = function (out) {\n",
    "    var f = this.f, laneh = f.h / nl, gap = laneh > 6 ? 1.5 : 0, self = this;\n",
    "    var items = [];\n",
    "    /* the legend: functions by total time (D.order: literals' '(value)' is\n",
    "       none, so it can be shorter than D.funcs) */\n",
    "    for (var j = 0; j < D.order.length && j < 12; j++) items.push([D.funcs[D.order[j]],\n",
    "                                                                   D.colours[D.order[j]]]);\n",
    "    this.legend(out, 'Task stream', items);\n",
    "    var every = Math.ceil(14 / laneh), next = 0;\n",
    "    for (var k = 0; k < nw; k++) {\n",
    "      if (first[k] < next) continue;   /* a label every so many lanes */\n",
    "      next = first[k] + every;\n",
    "      out.push('<text class=\"tick\" x=\"' + (f.x - 6) + '\" y=\"' +\n",
    "               (f.y + laneh * (first[k] + rows[k] / 2) + 4) + '\" text-anchor=\"end\">' + k +\n",
    "               '</text>');\n",
    "    }\n",
    "    for (k = 1; dp && k < nw; k++) {   /* rows of several lanes: a line between rows */\n",
    "      var ry = Math.floor(f.y + laneh * first[k]) + 0.5;\n",
    "      out.push('<line class=\"row\" x1=\"' + f.x + '\" x2=\"' + (f.x + f.w) + '\" y1=\"' + ry +\n",
    "               '\" y2=\"' + ry + '\"/>');\n",
    "    }\n",
    "    out.push('<text class=\"label\" transform=\"translate(14,' + (f.y + f.h / 2) +\n",
    "             ') rotate(-90)\" text-anchor=\"middle\">worker</text>');\n",
    "    out.push('<g clip-path=\"url(#clip-tasks)\">');\n",
    "    for (var l = 0; l < nl; l++) {\n",
    "      var list = byL[l], lastX = -1, lastF = -1, y = f.y + laneh * l + gap, h = laneh - 2 * gap;\n",
    "      var j0 = lower(list, function (i) { return D.s[i]; }, view[0]);\n",
    "      if (j0 > 0) j0--;\n",
    "      for (var jj = j0; jj < list.length; jj++) {\n",
    "        var i = list[jj], s = D.s[i];\n",
    "        if (s > view[1]) break;\n",
    "        var x0 = Math.max(f.x - 2, self.X(s)), x1 = Math.min(f.x + f.w + 2, self.X(s + D.d[i]));\n",
    "        if (x1 < f.x) continue;\n",
    "        if (x1 - x0 < 1) x1 = x0 + 1;\n",
    "        if (D.f[i] === lastF && x1 <= lastX && !failed[i]) continue;  /* same pixels, same colour */\n",
    "        if (D.f[i] === lastF && x0 < lastX) x0 = lastX;\n",
    "        var inset = x1 - x0 >= 4 ? 0.5 : 0;\n",
    "        out.push('<rect data-i=\"' + i + '\" x=\"' + (x0 + inset).toFixed(1) + '\" y=\"' +\n",
    "                 y.toFixed(1) + '\" width=\"' + (x1 - x0 - 2 * inset).toFixed(1) + '\" height=\"' +\n",
    "                 h.toFixed(1) + '\" fill=\"' + D.colours[D.f[i]] + '\"' +\n",
    "                 (failed[i] ? ' class=\"failed\"' : '') + '/>');\n",
    "        lastX = x1;\n",
    "        lastF = D.f[i];\n",
    "      }\n",
    "    }\n",
    "    out.push('</g>');\n",
    "    out.push('<text class=\"range\" x=\"' + (f.x + f.w) + '\" y=\"15\" text-anchor=\"end\">' +\n",
    "             (view[0] > 0 || view[1] < T1 ? 'showing ' + fmtNs(view[0]) + ' to ' +\n",
    "              fmtNs(view[1]) + ' of ' + fmtNs(T1) + ' (double-click: all)'\n",
    "                                         : 'all of ' + fmtNs(T1)) + '</text>');\n",
    "  };\n",
    "  TaskChart.prototype.tipAt = function (p, t) {\n",
    "    var f = this.f, laneh = f.h / nl, l = Math.floor((p[1] - f.y) / laneh);\n",
    "    if (l < 0 || l >= nl) return '';\n",
    "    var i = taskAt(l, t), per = (view[1] - view[0]) / f.w;\n",
    "    if (i < 0) {   /* within 3 pixels of a task */\n",
    "      var list = byL[l], j = lower(list, function (q) { return D.s[q]; }, t);\n",
    "      var best = -1, bd = 3 * per;\n",
    "      [j - 1, j].forEach(function (q) {\n",
    "        if (q < 0 || q >= list.length) return;\n",
    "        var a = D.s[list[q]], b = a + D.d[list[q]], d = t < a ? a - t : t > b ? t - b : 0;\n",
    "        if (d <= bd) { bd = d; best = list[q]; }\n",
    "      });\n",
    "      i = best;\n",
    "    }\n",
    "    if (i < 0) { this.hl.setAttribute('visibility', 'hidden'); return ''; }\n",
    "    var x0 = this.X(D.s[i]), x1 = Math.max(x0 + 2, this.X(D.s[i] + D.d[i]));\n",
    "    this.hl.setAttribute('x', x0);\n",
    "    this.hl.setAttribute('width', x1 - x0);\n",
    "    this.hl.setAttribute('y', f.y + laneh * l);\n",
    "    this.hl.setAttribute('height', laneh);\n",
    "    this.hl.setAttribute('visibility', 'visible');\n",
    "    return taskTip(i);\n",
    "  };\n",
    "  /* --- memory and CPU, from the samples ------------------------------------ */\n",
    "  var S = D.samples, HS = D.hs && D.hs.t.length ? D.hs : null;\n",
    "  function LineChart(host, kind, title, series, fmt, height) {\n",
    "    Chart.call(this, host, kind, height);\n",
    "    this.title = title;\n",
    "    this.series = series;   /* [name, colour, values] */\n",
    "    this.fmt = fmt;\n",
    "  }\n",
    "  LineChart.prototype = Object.create(Chart.prototype);\n",
    "  /* the points of a series (its own times, or the samples') in the view,\n",
    "     with one either side */\n",
    "  function inView(times) {\n",
    "    var a = lower(times, function (v) { return v; }, view[0]);\n",
    "    var b = lower(times, function (v) { return v; }, view[1]);\n",
    "    return [Math.max(0, a - 1), Math.min(times.length, b + 1)];\n",
    "  }\n",
    "  LineChart.prototype.draw = function (out) {\n",
    "    var f = this.f, self = this;\n",
    "    var top = this.kind === 'cpu' ? 100 : 1, tops = [];\n",
    "    this.series.forEach(function (s) {\n",
    "      var t = 0, r = inView(s[3] || S.t);\n",
    "      for (var j = r[0]; j < r[1]; j++) if (s[2][j] > t) t = s[2][j];\n",
    "      tops.push(t);\n",
    "    });\n",
    "    /* the held bytes' scale reaches the peak the summary states (the\n",
    "       scheduler's, at an END between two samples), marked dashed */\n",
    "    var peak = this.kind === 'memory' && D.peak > 0 ? D.peak : 0;\n",
    "    if (tops.length > 1 && peak > tops[1]) tops[1] = peak;\n",
    "    /* a series far below the first (bytes held beside the RSS) gets a\n",
    "       scale of its own, on the right, so that its curve shows */\n",
    "    var own = tops.length > 1 && tops[1] > 0 && tops[1] < 0.2 * tops[0];\n",
    "    top = Math.max(top, tops[0], own ? 0 : tops[1] || 0);\n",
    "    this.legend(out, this.title, this.series.map(function (s, q) {\n",
    "      return [s[0] + (q && own ? ' (right scale)' : ''), s[1]];\n",
    "    }));\n",
    "    top = this.valueAxis(out, top, this.fmt);\n",
    "    var topR = own ? this.rightAxis(out, tops[1], this.fmt, this.series[1][1]) : top;\n",
    "    out.push('<g clip-path=\"url(#clip-' + this.kind + ')\">');\n",
    "    this.series.forEach(function (s, q) {\n",
    "      var d = [], lastCol = null, lo = 0, hi = 0, v = s[2], sc = q ? topR : top, pen = false;\n",
    "      var times = s[3] || S.t, r = inView(times), a = r[0], b = r[1];\n",
    "      function Y(val) { return (f.y + f.h - f.h * val / sc).toFixed(1); }\n",
    "      function flush() {\n",
    "        if (lastCol === null) return;\n",
    "        d.push((pen ? 'L' : 'M') + lastCol + ' ' + Y(lo) + 'L' + lastCol + ' ' + Y(hi));\n",
    "        pen = true;\n",
    "        lastCol = null;\n",
    "      }\n",
    "      /* one point per sample, or per pixel column its lowest and highest;\n",
    "         a CPU % is its interval's mean: a step over the interval since the\n",
    "         sample before; bytes held change only at events: a level held\n",
    "         until the next point (never a ramp between two); a null (a\n",
    "         session's first sample: not measured) breaks the line */\n",
    "      var dense = b - a > 2 * f.w, step = self.kind === 'cpu', hold = !!s[4];\n",
    "      for (var j = a; j < b; j++) {\n",
    "        if (v[j] === null || (step && j === 0)) { flush(); pen = false; continue; }\n",
    "        var x = self.X(times[j]);\n",
    "        if (!dense) {\n",
    "          d.push((pen ? 'L' : 'M') + (step ? self.X(times[j - 1]).toFixed(1) + ' ' + Y(v[j]) +\n",
    "                                            'L' : '') +\n",
    "                 (hold && pen ? x.toFixed(1) + ' ' + Y(v[j - 1]) + 'L' : '') +\n",
    "                 x.toFixed(1) + ' ' + Y(v[j]));\n",
    "          pen = true;\n",
    "          continue;\n",
    "        }\n",
    "        var col = Math.floor(x);\n",
    "        if (col !== lastCol) {\n",
    "          flush();\n",
    "          lastCol = col;\n",
    "          lo = hi = v[j];\n",
    "        } else {\n",
    "          lo = Math.min(lo, v[j]);\n",
    "          hi = Math.max(hi, v[j]);\n",
    "        }\n",
    "      }\n",
    "      flush();\n",
    "      if (d.length) out.push('<path class=\"series-' + q + '\" d=\"' + d.join('') +\n",
    "                             '\" stroke=\"' + s[1] + '\"/>');\n",
    "    });\n",
    "    if (peak) {\n",
    "      var py = Math.floor(f.y + f.h - f.h * peak / topR) + 0.5, below = py - 14 < f.y;\n",
    "      out.push('<line class=\"peak\" x1=\"' + f.x + '\" x2=\"' + (f.x + f.w) + '\" y1=\"' + py +\n",
    "               '\" y2=\"' + py + '\" stroke=\"' + this.series[1][1] +\n",
    "               '\" stroke-dasharray=\"4 3\"/><text class=\"tick\" style=\"fill:' +\n",
    "               this.series[1][1] + '\" x=\"' + (f.x + 6) + '\" y=\"' + (below ? py + 12 : py - 3) +\n",
    "               '\">peak held ' + esc(fmtBytes(peak)) + '</text>');\n",
    "    }\n",
    "    out.push('</g>');\n",
    "  };\n",
    "  LineChart.prototype.tipAt = function (p, t) {\n",
    "    if (!S.t.length) return '';\n",
    "    var j = lower(S.t, function (v) { return v; }, t);\n",
    "    if (j >= S.t.length || (j > 0 && t - S.t[j - 1] < S.t[j] - t)) j--;\n",
    "    /* held at t itself from the exact steps, when the records count bytes */\n",
    "    var held = S.held[j];\n",
    "    if (HS) {\n",
    "      var q = lower(HS.t, function (v) { return v; }, t + 1) - 1;\n",
    "      held = q >= 0 ? HS.v[q] : 0;\n",
    "    }\n",
    "    var h = '<b>' + fmtNs(t) + '</b><br>RSS ' + fmtBytes(S.rss[j]) + '<br>held ' +\n",
    "            fmtBytes(held) + '<br>CPU ' +\n",
    "            (S.cpu[j] === null ? 'not measured (first sample)' : S.cpu[j].toFixed(0) + '%') +\n",
    "            '<br><span class=\"dim\">(sample at ' + fmtNs(S.t[j]) + ')</span>';\n",
    "    var run = [];\n",
    "    for (var k = 0; k < nw && run.length < 6; k++) {\n",
    "      var i = -1;   /* the innermost of its lanes' */\n",
    "      for (var l = first[k] + rows[k] - 1; n && i < 0 && l >= first[k]; l--) i = taskAt(l, t);\n",
    "      if (i >= 0) run.push('worker ' + k + ': ' + esc(D.k[i]) + ' (' + esc(D.funcs[D.f[i]]) +\n",
    "                           ')');\n",
    "    }\n",
    "    if (run.length) h += '<br>running:<br>' + run.join('<br>');\n",
    "    return h;\n",
    "  };\n",
    "  /* --- the shared view ------------------------------------------------------- */\n",
    "  function setView(t0, t1) {\n",
    "    var span = Math.min(T1, Math.max(MIN_SPAN, t1 - t0));\n",
    "    t0 = Math.max(0, Math.min(t0, T1 - span));\n",
    "    view = [t0, t0 + span];\n",
    "    charts.forEach(function (c) { c.render(); });\n",
    "  }\n",
    "  function hideHover() {\n",
    "    tip.hidden = true;\n",
    "    charts.forEach(function (c) {\n",
    "      if (c.cursor) c.cursor.setAttribute('visibility', 'hidden');\n",
    "      if (c.hl) c.hl.setAttribute('visibility', 'hidden');\n",
    "    });\n",
    "  }\n",
    "  window.addEventListener('mousemove', function (e) {\n",
    "    if (!drag) return;\n",
    "    var c = drag.chart, p = c.pos(e), f = c.f;\n",
    "    drag.x1 = Math.max(f.x, Math.min(f.x + f.w, p[0]));\n",
    "    c.sel.setAttribute('x', Math.min(drag.x0, drag.x1));\n",
    "    c.sel.setAttribute('width', Math.abs(drag.x1 - drag.x0));\n",
    "    c.sel.setAttribute('visibility', 'visible');\n",
    "  });\n",
    "  window.addEventListener('mouseup', function () {\n",
    "    if (!drag) return;\n",
    "    var c = drag.chart, a = Math.min(drag.x0, drag.x1), b = Math.max(drag.x0, drag.x1);\n",
    "    drag = null;\n",
    "    c.sel.setAttribute('visibility', 'hidden');\n",
    "    if (b - a >= 4) setView(c.T(a), c.T(b));\n",
    "  });\n",
    "  window.addEventListener('resize', function () { setView(view[0], view[1]); });\n",
    "  var tip = document.createElement('div');\n",
    "  tip.id = 'dusk-tip';\n",
    "  tip.hidden = true;\n",
    "  document.body.appendChild(tip);\n",
    "  var hint = 'Hover for details; drag or turn the wheel to zoom on a time range; ' +\n",
    "             'double-click to see it all.';\n",
    "  function mount(sectionId, make) {\n",
    "    var sec = document.getElementById(sectionId);\n",
    "    if (!sec) return;\n",
    "    var host = document.createElement('div');\n",
    "    host.className = 'ix';\n",
    "    var p = document.createElement('p');\n",
    "    p.className = 'hint';\n",
    "    p.textContent = hint;\n",
    "    sec.appendChild(p);\n",
    "    sec.appendChild(host);\n",
    "    make(host);\n",
    "    sec.className += ' live';\n",
    "  }\n",
    "  if (n) mount('task-stream', function (h) { new TaskChart(h); });\n",
    "  if (S.t.length) mount('resources', function (h) {\n",
    "    new LineChart(h, 'memory', 'Memory',\n",
    "                  [['RSS', '#1f77b4', S.rss],\n",
    "                   HS ? ['held by the scheduler', '#ff7f0e', HS.v, HS.t, true]\n",
    "                      : ['held by the scheduler', '#ff7f0e', S.held, null, true]],\n",
    "                  fmtBytes, 230);\n",
    "    new LineChart(h, 'cpu', 'CPU (100% = one core)', [['CPU %', '#2ca02c', S.cpu]],\n",
    "                  function (v) { return v.toFixed(0) + '%'; }, 180);\n",
    "  });\n",
    "  setView(0, T1);\n",
    "})();\n",
    NULL,
};

/* A JSON string that is safe inside <script>: quotes, backslashes and
 * control characters escaped, and <, >, & as \u escapes so that no text
 * (a key like "</script>") can end the element. */
static void json_str(dusk__buf *b, const char *s)
{
    dusk__buf tmp = {0};
    if (!(s = dusk__utf8_text(s, &tmp)))   /* the page is UTF-8 */
        b->failed = 1;
    dusk__buf_puts(b, "\"");
    for (const unsigned char *c = (const unsigned char *)s; c && *c; c++) {
        if (*c == '"' || *c == '\\')
            dusk__buf_printf(b, "\\%c", *c);
        else if (*c < 0x20 || *c == '<' || *c == '>' || *c == '&')
            dusk__buf_printf(b, "\\u%04x", *c);
        else
            dusk__buf_add(b, (const char *)c, 1);
    }
    dusk__buf_puts(b, "\"");
    dusk__buf_free(&tmp);
}

/* The records the viewer draws, as JSON: t1 (the time axis' end, ns),
 * workers, funcs (names by interned index) with their colours and order
 * (most total time first), per task s (start), d (duration), w (worker),
 * f (function), k (key), lit (indices of literals' records, not drawn), e
 * (indices of failed tasks), dp (per task its
 * lane in its worker's row, only when tasks nest: dusk__task_lanes), peak
 * (the scheduler's peak of bytes held, 0 when not known), the samples and
 * hs, the bytes held as exact steps (times t, values v; empty when the
 * records count no bytes or the tasks are left out). */
static void viewer_data(dusk_profiler *p, dusk__buf *b, double t1, int workers)
{
    /* times from the axis' start (see dusk__time_start), as the charts */
    uint64_t t0 = dusk__time_start(p);
    for (size_t i = 0; i < p->nrecs; i++)   /* a trace may name more workers than its runs */
        if (p->recs[i].worker >= workers)
            workers = p->recs[i].worker + 1;
    int tasks = p->nrecs <= REPORT_MAX_TASKS;
    size_t nt = tasks ? p->nrecs : 0, nf = p->funcs.n;
    dusk__buf_printf(b, "{\"t1\":%.0f,\"workers\":%d,\"omitted\":%zu,\"funcs\":[", t1 - (double)t0,
                     workers, tasks ? (size_t)0 : p->nrecs);
    for (size_t k = 0; k < nf; k++) {
        if (k)
            dusk__buf_puts(b, ",");
        json_str(b, dusk__strtab_text(&p->funcs, (int64_t)k));
    }
    dusk__buf_puts(b, "],\"colours\":[");
    for (size_t k = 0; k < nf; k++) {
        double c[3];
        dusk__colour(p, dusk__strtab_text(&p->funcs, (int64_t)k), c);
        dusk__buf_printf(b, "%s\"#%02x%02x%02x\"", k ? "," : "", (unsigned)(c[0] * 255 + 0.5),
                         (unsigned)(c[1] * 255 + 0.5), (unsigned)(c[2] * 255 + 0.5));
    }
    dusk__buf_puts(b, "],\"order\":[");
    for (size_t i = 0; i < p->nfstats && i < 12; i++)
        for (size_t k = 0; k < nf; k++)
            if (dusk__strtab_text(&p->funcs, (int64_t)k) == p->fstats[i].func)
                dusk__buf_printf(b, "%s%zu", i ? "," : "", k);
    dusk__buf_puts(b, "],\n\"s\":[");
    for (size_t i = 0; i < nt; i++)
        dusk__buf_printf(b, "%s%llu", i ? "," : "",
                         (unsigned long long)(p->recs[i].start_ns - t0));
    dusk__buf_puts(b, "],\n\"d\":[");
    for (size_t i = 0; i < nt; i++) {
        const dusk_task_record *r = &p->recs[i];
        dusk__buf_printf(b, "%s%llu", i ? "," : "",
                         (unsigned long long)(r->end_ns > r->start_ns ? r->end_ns - r->start_ns
                                                                      : 0));
    }
    dusk__buf_puts(b, "],\n\"w\":[");
    for (size_t i = 0; i < nt; i++)
        dusk__buf_printf(b, "%s%d", i ? "," : "", (int)p->recs[i].worker);
    dusk__buf_puts(b, "],\n\"f\":[");
    for (size_t i = 0; i < nt; i++)
        dusk__buf_printf(b, "%s%u", i ? "," : "", (unsigned)p->rec_func[i]);
    dusk__buf_puts(b, "],\n\"k\":[");
    for (size_t i = 0; i < nt; i++) {
        if (i)
            dusk__buf_puts(b, ",");
        json_str(b, p->recs[i].key);
    }
    dusk__buf_puts(b, "],\n\"lit\":[");
    for (size_t i = 0, m = 0; i < nt; i++)
        if (dusk__is_literal(&p->recs[i]))
            dusk__buf_printf(b, "%s%zu", m++ ? "," : "", i);
    dusk__buf_puts(b, "],\n\"e\":[");
    for (size_t i = 0, m = 0; i < nt; i++)
        if (p->recs[i].status)
            dusk__buf_printf(b, "%s%zu", m++ ? "," : "", i);
    uint32_t *depth = NULL, *rows = NULL;
    if (nt && !dusk__task_lanes(p, workers, &depth, &rows))
        b->failed = 1;
    if (depth) {
        dusk__buf_puts(b, "],\n\"dp\":[");
        for (size_t i = 0; i < nt; i++)
            dusk__buf_printf(b, "%s%u", i ? "," : "", (unsigned)depth[i]);
    }
    dusk_free(depth);
    dusk_free(rows);
    /* The samples on the axis, and one either side of it (the curves run
     * to its edges): a block's samples before or after its runs are off
     * the axis (dusk__time_start), and so are times before t0 (signed).
     * A CPU % not measured (a session's first sample) is null. */
    static const char *const cols[] = {"t", "rss", "held", "cpu"};
    size_t s0 = 0, s1 = p->nsamples;
    while (s0 + 1 < s1 && p->samples[s0 + 1].t_ns <= t0)
        s0++;
    while (s1 > s0 + 1 && (double)p->samples[s1 - 2].t_ns >= t1)
        s1--;
    dusk__buf_printf(b, "],\n\"peak\":%llu,\n\"samples\":{",
                     (unsigned long long)dusk__held_peak(p));
    for (int c = 0; c < 4; c++) {
        dusk__buf_printf(b, "%s\"%s\":[", c ? "],\n" : "", cols[c]);
        for (size_t i = s0; i < s1; i++) {
            const dusk_resource_sample *sm = &p->samples[i];
            const char *sep = i > s0 ? "," : "";
            if (c == 0)
                dusk__buf_printf(b, "%s%lld", sep, (long long)sm->t_ns - (long long)t0);
            else if (c == 1)
                dusk__buf_printf(b, "%s%llu", sep, (unsigned long long)sm->rss);
            else if (c == 2)
                dusk__buf_printf(b, "%s%llu", sep, (unsigned long long)sm->held);
            else if (dusk__cpu_known(p, i))
                dusk__buf_printf(b, "%s%.1f", sep, sm->cpu);
            else
                dusk__buf_printf(b, "%snull", sep);
        }
    }
    dusk__buf_puts(b, "]}");
    /* the bytes held as exact steps (dusk__held_steps), with the tasks:
     * from nothing at the axis' start, the last level to its end */
    const dusk_cache_point *hs = NULL;
    size_t nhs = nt ? dusk__held_steps(p, &hs) : 0;
    long long end = (long long)(t1 - (double)t0);
    int lead = nhs && hs[0].t_ns > t0, tail = nhs && (long long)(hs[nhs - 1].t_ns - t0) < end;
    dusk__buf_puts(b, ",\n\"hs\":{\"t\":[");
    if (lead)
        dusk__buf_puts(b, "0,");
    for (size_t i = 0; i < nhs; i++)
        dusk__buf_printf(b, "%s%lld", i ? "," : "", (long long)hs[i].t_ns - (long long)t0);
    if (tail)
        dusk__buf_printf(b, ",%lld", end);
    dusk__buf_puts(b, "],\"v\":[");
    if (lead)
        dusk__buf_puts(b, "0,");
    for (size_t i = 0; i < nhs; i++)
        dusk__buf_printf(b, "%s%.0f", i ? "," : "", hs[i].value);
    if (tail)
        dusk__buf_printf(b, ",%.0f", hs[nhs - 1].value);
    dusk__buf_puts(b, "]}}");
}

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
    kv(b, "busy time (workers in tasks)", t);
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
    uint64_t peak = dusk__held_peak(p);
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
        /* no C names: `dusk profile -o report.html` users read this too */
        dusk__buf_puts(b, "<p class=\"none\">No picture of the graph was given.</p>");
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
    if (p->nrecs > REPORT_MAX_TASKS)
        dusk__buf_printf(&b, "<p class=\"none\">%zu tasks: more than the %d this page draws "
                             "live; the picture below is the whole run.</p>\n",
                         p->nrecs, REPORT_MAX_TASKS);
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
                         "the peak held is the scheduler's own count.</footer>\n",
                     DUSK_VERSION, every, p->nsamples);
    dusk__buf_puts(&b, "<script type=\"application/json\" id=\"dusk-data\">");
    viewer_data(p, &b, dusk__time_end(p), s.workers);
    dusk__buf_puts(&b, "</script>\n<script>\n");
    for (size_t i = 0; viewer[i]; i++)
        dusk__buf_puts(&b, viewer[i]);
    dusk__buf_puts(&b, "</script>\n</body>\n</html>\n");
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
