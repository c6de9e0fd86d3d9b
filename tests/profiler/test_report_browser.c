/*
** dusk tests — the HTML report, driven in headless Chromium
**
** The report's task stream and memory and CPU charts are live: this test
** loads a report in Debian's chromium and drives it through the DevTools
** protocol, as a user's mouse would (Input.dispatchMouseEvent): hovering a
** task shows a tooltip naming that task (key, function, worker, start,
** duration); the wheel and a drag zoom on a time range, on every chart at
** once; a double-click shows the whole run again. Another tool's nested
** slices go a lane below the slice they are in, and still show zoomed in
** past where their outer slice began. Grid lines are under the task bars
** and curves; the held bytes' scale reaches the stated peak; the CPU curve
** starts at its first measured interval; no curve's top lies on the
** frame; the held bytes are steps at the records' events, in the curve and
** the tooltip. Throughout, the page
** makes no network request (only its own file) and logs no error. With
** JavaScript off, the static pictures are what shows. A broken page (a
** remote image, a throwing script) is caught by the same checks, so that
** they can fail.
**
** The client: chromium --remote-debugging-pipe reads commands on fd 3 and
** writes replies and events on fd 4, each a JSON text ended by a NUL
** (jansson parses them). Skipped, with a message, without chromium.
*/
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>

#include "dusk.h"
#include "dusk/profiler.h"
#include "helpers.h"
#include "held_trace.h"

/* --- a DevTools client over a pipe ------------------------------------------------ */

typedef struct cdp {
    pid_t pid;
    int to, from;            /* our ends: commands in, replies and events out */
    char *buf;               /* bytes read and not yet parsed */
    size_t len, cap;
    int id;
    char session[128];
    char profile[512];
    /* what the page did, from events */
    int loaded;              /* Page.loadEventFired */
    char requests[4096];     /* URLs fetched other than file: and data: */
    char errors[4096];       /* exceptions, console errors, error log entries */
} cdp;

static void append(char *dst, size_t cap, const char *s)
{
    size_t n = strlen(dst);
    snprintf(dst + n, cap - n, "%s%s", n ? "; " : "", s);
}

static void note_event(cdp *c, json_t *m)
{
    const char *method = json_string_value(json_object_get(m, "method"));
    json_t *pr = json_object_get(m, "params");
    if (!method)
        return;
    if (!strcmp(method, "Page.loadEventFired")) {
        c->loaded = 1;
    } else if (!strcmp(method, "Network.requestWillBeSent")) {
        const char *url = json_string_value(json_object_get(json_object_get(pr, "request"), "url"));
        if (url && strncmp(url, "file://", 7) != 0 && strncmp(url, "data:", 5) != 0)
            append(c->requests, sizeof c->requests, url);
    } else if (!strcmp(method, "Runtime.exceptionThrown")) {
        json_t *d = json_object_get(pr, "exceptionDetails");
        const char *t = json_string_value(
            json_object_get(json_object_get(d, "exception"), "description"));
        append(c->errors, sizeof c->errors, t ? t : json_string_value(json_object_get(d, "text")));
    } else if (!strcmp(method, "Runtime.consoleAPICalled")) {
        const char *type = json_string_value(json_object_get(pr, "type"));
        if (type && (!strcmp(type, "error") || !strcmp(type, "assert"))) {
            json_t *a0 = json_array_get(json_object_get(pr, "args"), 0);
            const char *v = json_string_value(json_object_get(a0, "value"));
            append(c->errors, sizeof c->errors, v ? v : "console.error");
        }
    } else if (!strcmp(method, "Log.entryAdded")) {
        json_t *e = json_object_get(pr, "entry");
        const char *level = json_string_value(json_object_get(e, "level"));
        if (level && !strcmp(level, "error"))
            append(c->errors, sizeof c->errors, json_string_value(json_object_get(e, "text")));
    }
}

/* The next message (a new reference), waiting at most timeout_ms. */
static json_t *cdp_read(cdp *c, int timeout_ms)
{
    for (;;) {
        char *end = c->len ? memchr(c->buf, '\0', c->len) : NULL;
        if (end) {
            json_error_t je;
            json_t *m = json_loadb(c->buf, (size_t)(end - c->buf), 0, &je);
            if (!m)
                fail_msg("DevTools sent bad JSON: %s", je.text);
            size_t used = (size_t)(end - c->buf) + 1;
            memmove(c->buf, c->buf + used, c->len - used);
            c->len -= used;
            return m;
        }
        struct pollfd pf = {c->from, POLLIN, 0};
        int r = poll(&pf, 1, timeout_ms);
        if (r <= 0)
            fail_msg("chromium did not answer within %d ms", timeout_ms);
        if (c->cap - c->len < 65536) {
            c->cap = c->cap ? 2 * c->cap : 1 << 20;
            c->buf = realloc(c->buf, c->cap);
        }
        ssize_t n = read(c->from, c->buf + c->len, c->cap - c->len);
        if (n <= 0)
            fail_msg("chromium closed the DevTools pipe");
        c->len += (size_t)n;
    }
}

/* Sends method(params) (params is taken over; NULL: {}) to the page's
 * session (or the browser when session is 0) and returns the reply's
 * result (a new reference), noting the events that come before it. */
static json_t *cdp_call(cdp *c, int session, const char *method, json_t *params)
{
    json_t *m = json_pack("{s:i, s:s, s:o}", "id", ++c->id, "method", method, "params",
                          params ? params : json_object());
    if (session)
        json_object_set_new(m, "sessionId", json_string(c->session));
    char *text = json_dumps(m, JSON_COMPACT);
    json_decref(m);
    size_t n = strlen(text) + 1;   /* with its NUL */
    for (size_t off = 0; off < n;) {
        ssize_t w = write(c->to, text + off, n - off);
        if (w <= 0)
            fail_msg("cannot write to chromium's DevTools pipe");
        off += (size_t)w;
    }
    free(text);
    for (;;) {
        json_t *r = cdp_read(c, 60000);
        json_t *id = json_object_get(r, "id");
        if (id && json_integer_value(id) == c->id) {
            json_t *err = json_object_get(r, "error");
            if (err)
                fail_msg("%s: %s", method, json_string_value(json_object_get(err, "message")));
            json_t *res = json_incref(json_object_get(r, "result"));
            json_decref(r);
            return res;
        }
        note_event(c, r);
        json_decref(r);
    }
}

static void cdp_void(cdp *c, const char *method, json_t *params)
{
    json_decref(cdp_call(c, 1, method, params));
}

/* Starts chromium on a new empty profile and attaches to a new page. */
static void cdp_open(cdp *c)
{
    memset(c, 0, sizeof *c);
    int in[2], out[2];
    snprintf(c->profile, sizeof c->profile, "%s/chrome-XXXXXX", scratch_dir);
    assert_non_null(mkdtemp(c->profile));
    assert_int_equal(pipe(in), 0);
    assert_int_equal(pipe(out), 0);
    char udd[600];
    snprintf(udd, sizeof udd, "--user-data-dir=%s", c->profile);
    const char *log = scratch("chromium.log");
    c->pid = fork();
    assert_true(c->pid >= 0);
    if (c->pid == 0) {
        /* fd 3: what chromium reads; fd 4: what it writes */
        int r3 = dup(in[0]), w4 = dup(out[1]);
        if (dup2(r3, 3) < 0 || dup2(w4, 4) < 0)
            _exit(127);
        int lf = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (lf >= 0)
            dup2(lf, 2);
        int devnull = open("/dev/null", O_RDWR);
        if (devnull >= 0) {
            dup2(devnull, 0);
            dup2(devnull, 1);
        }
        for (int fd = 5; fd < 1024; fd++)
            close(fd);
        execl(chromium_path(), "chromium", "--headless", "--no-sandbox", "--disable-gpu",
              "--disable-quic", "--no-first-run", "--disable-background-networking",
              "--disable-component-update", "--disable-sync", "--disable-extensions",
              "--proxy-server=127.0.0.1:9", udd, "--remote-debugging-pipe",
              "--window-size=1200,900", "about:blank", (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    c->to = in[1];
    c->from = out[0];
    signal(SIGPIPE, SIG_IGN);
    json_t *r = cdp_call(c, 0, "Target.createTarget", json_pack("{s:s}", "url", "about:blank"));
    const char *tid = json_string_value(json_object_get(r, "targetId"));
    assert_non_null(tid);
    json_t *a = cdp_call(c, 0, "Target.attachToTarget",
                         json_pack("{s:s, s:b}", "targetId", tid, "flatten", 1));
    json_decref(r);
    snprintf(c->session, sizeof c->session, "%s",
             json_string_value(json_object_get(a, "sessionId")));
    json_decref(a);
    cdp_void(c, "Page.enable", NULL);
    cdp_void(c, "Network.enable", NULL);
    cdp_void(c, "Runtime.enable", NULL);
    cdp_void(c, "Log.enable", NULL);
    cdp_void(c, "Emulation.setDeviceMetricsOverride",
             json_pack("{s:i, s:i, s:f, s:b}", "width", 1200, "height", 900,
                       "deviceScaleFactor", 1.0, "mobile", 0));
}

static void cdp_close(cdp *c)
{
    json_t *m = json_pack("{s:i, s:s}", "id", ++c->id, "method", "Browser.close");
    char *text = json_dumps(m, JSON_COMPACT);
    json_decref(m);
    ssize_t w = write(c->to, text, strlen(text) + 1);
    (void)w;
    free(text);
    close(c->to);
    int status;
    for (int i = 0; i < 200 && waitpid(c->pid, &status, WNOHANG) == 0; i++)
        sleep_ms(50);
    if (waitpid(c->pid, &status, WNOHANG) == 0) {
        kill(c->pid, SIGKILL);   /* the browser this test started */
        waitpid(c->pid, &status, 0);
    }
    close(c->from);
    free(c->buf);
    rm_tree(c->profile);
    memset(c, 0, sizeof *c);
}

/* Opens file path in the page and waits for its load event. */
static void cdp_load(cdp *c, const char *path)
{
    char url[600];
    snprintf(url, sizeof url, "file://%s", path);
    c->loaded = 0;
    c->requests[0] = c->errors[0] = '\0';
    cdp_void(c, "Page.navigate", json_pack("{s:s}", "url", url));
    while (!c->loaded) {
        json_t *m = cdp_read(c, 60000);
        note_event(c, m);
        json_decref(m);
    }
}

/* The value of a JavaScript expression in the page (a new reference). */
static json_t *js(cdp *c, const char *expr)
{
    json_t *r = cdp_call(c, 1, "Runtime.evaluate",
                         json_pack("{s:s, s:b}", "expression", expr, "returnByValue", 1));
    json_t *ex = json_object_get(r, "exceptionDetails");
    if (ex)
        fail_msg("%s: %s", expr, json_dumps(ex, 0));
    json_t *v = json_incref(json_object_get(json_object_get(r, "result"), "value"));
    json_decref(r);
    return v;
}

static void js_run(cdp *c, const char *expr)
{
    json_decref(js(c, expr));
}

static double js_num(cdp *c, const char *expr)
{
    json_t *v = js(c, expr);
    if (!json_is_number(v))
        fail_msg("%s is not a number", expr);
    double d = json_number_value(v);
    json_decref(v);
    return d;
}

/* The text of an expression's value, malloc'd ("" for null). */
static char *js_text(cdp *c, const char *expr)
{
    json_t *v = js(c, expr);
    char *s = strdup(json_is_string(v) ? json_string_value(v) : "");
    json_decref(v);
    return s;
}

static void mouse(cdp *c, const char *type, double x, double y, const char *button,
                  int buttons, int clicks, double wheel)
{
    json_t *p = json_pack("{s:s, s:f, s:f, s:s, s:i, s:i}", "type", type, "x", x, "y", y,
                          "button", button, "buttons", buttons, "clickCount", clicks);
    if (!strcmp(type, "mouseWheel")) {
        json_object_set_new(p, "deltaX", json_real(0));
        json_object_set_new(p, "deltaY", json_real(wheel));
    }
    cdp_void(c, "Input.dispatchMouseEvent", p);
}

/* The browser of the test running (closed by its teardown if it fails). */
static cdp browser;

/* --- the report ---------------------------------------------------------------------- */

/* The key of the task the test hovers: it must come back in the tooltip
 * as text, whatever HTML or JSON it looks like. */
#define ODD_KEY "odd</script><b>\"key\"</b>&"

/* Six 15 ms sleeps on two workers, one with an odd key, summed. */
static dusk_profiler *profile_run(void)
{
    dusk_graph *g = dusk_graph_new();
    dusk_arg *parts[6];
    for (int i = 0; i < 6; i++) {
        char k[48];
        if (i == 3)
            snprintf(k, sizeof k, "%s", ODD_KEY);
        else
            snprintf(k, sizeof k, "nap-%d", i);
        dusk_task(g, k, &dusk_sleep, dusk_lit_int(15 + 5 * (i % 2)), dusk_lit_int(i));
        parts[i] = dusk_ref(k);
    }
    dusk_task(g, "total", &dusk_sum,
              dusk_list(parts[0], parts[1], parts[2], parts[3], parts[4], parts[5]));
    dusk_profiler *p = dusk_profiler_new(NULL);
    dusk_callbacks cb = dusk_profiler_callbacks(p);
    dusk_options o = DUSK_OPTIONS_INIT;
    o.workers = 2;
    o.callbacks = &cb;
    o.ncallbacks = 1;
    dusk_error err = DUSK_ERROR_INIT;
    dusk_value *v = NULL;
    assert_int_equal(dusk_get(g, "total", &o, &v, &err), 0);
    assert_int_equal(dusk_value_int(v), 15);
    dusk_value_unref(v);
    dusk_graph_free(g);
    return p;
}

/* The range a chart shows, from its data-t0 and data-t1. */
static void range_of(cdp *c, const char *chart, double r[2])
{
    char e[256];
    snprintf(e, sizeof e, "+document.querySelector('svg.ix-%s').getAttribute('data-t0')", chart);
    r[0] = js_num(c, e);
    snprintf(e, sizeof e, "+document.querySelector('svg.ix-%s').getAttribute('data-t1')", chart);
    r[1] = js_num(c, e);
}

/* The plot frame of a chart in page coordinates: left, top, width, height. */
static void frame_of(cdp *c, const char *chart, double f[4])
{
    char e[256];
    static const char *const side[] = {"left", "top", "width", "height"};
    for (int i = 0; i < 4; i++) {
        snprintf(e, sizeof e,
                 "document.querySelector('svg.ix-%s rect.frame').getBoundingClientRect().%s",
                 chart, side[i]);
        f[i] = js_num(c, e);
    }
}

static void test_report_live(void **state)
{
    (void)state;
    SKIP_WITHOUT_CHROMIUM();
    dusk_profiler *p = profile_run();
    dusk_error err = DUSK_ERROR_INIT;
    char page[512];
    snprintf(page, sizeof page, "%s", scratch("live.html"));
    assert_int_equal(dusk_profiler_write_report(p, page, NULL, &err), 0);
    const dusk_task_record *odd = NULL;
    for (size_t i = 0; i < dusk_profiler_ntasks(p); i++)
        if (!strcmp(dusk_profiler_tasks(p)[i].key, ODD_KEY))
            odd = &dusk_profiler_tasks(p)[i];
    assert_non_null(odd);

    cdp *const c = &browser;
    cdp_open(c);
    cdp_load(c, page);
    /* both live, their pictures hidden */
    assert_int_equal(js_num(c, "document.querySelectorAll('section.live').length"), 2);
    char *disp = js_text(c, "getComputedStyle(document.querySelector('#task-stream img')).display");
    assert_string_equal(disp, "none");
    free(disp);

    /* hover the odd task: the tooltip names it */
    json_t *at = js(c, "(function () {"
                        "  var D = JSON.parse(document.getElementById('dusk-data').textContent);"
                        "  var i = D.k.indexOf(" "'odd</scr' + 'ipt><b>\"key\"</b>&'" ");"
                        "  var r = document.querySelector('#task-stream rect[data-i=\"' + i + '\"]');"
                        "  r.scrollIntoView({block: 'center'});"
                        "  var b = r.getBoundingClientRect();"
                        "  return [b.left + b.width / 2, b.top + b.height / 2, b.width];"
                        "})()");
    assert_true(json_is_array(at) && json_array_size(at) == 3);
    double hx = json_number_value(json_array_get(at, 0)), hy = json_number_value(json_array_get(at, 1));
    assert_true(json_number_value(json_array_get(at, 2)) > 20);   /* 15+ ms of ~60 */
    json_decref(at);
    mouse(c, "mouseMoved", hx, hy, "none", 0, 0, 0);
    char *tip = js_text(c, "(function () { var t = document.getElementById('dusk-tip');"
                            "  return t.hidden ? '' : t.textContent; })()");
    char want[128];
    assert_contains(tip, ODD_KEY);
    assert_contains(tip, "function sleep");
    snprintf(want, sizeof want, "worker %d", odd->worker);
    assert_contains(tip, want);
    snprintf(want, sizeof want, "start %.1f ms", (double)odd->start_ns / 1e6);
    assert_contains(tip, want);
    snprintf(want, sizeof want, "duration %.1f ms", (double)(odd->end_ns - odd->start_ns) / 1e6);
    assert_contains(tip, want);
    free(tip);
    /* and its box is outlined */
    assert_int_equal(js_num(c, "+(document.querySelector('#task-stream rect.hl')"
                                ".getAttribute('visibility') === 'visible')"), 1);

    /* on the memory chart: the sample there */
    double mf[4];
    js_run(c, "document.querySelector('svg.ix-memory').scrollIntoView({block: 'center'})");
    frame_of(c, "memory", mf);
    mouse(c, "mouseMoved", mf[0] + mf[2] / 2, mf[1] + mf[3] / 2, "none", 0, 0, 0);
    tip = js_text(c, "document.getElementById('dusk-tip').textContent");
    assert_contains(tip, "RSS ");
    assert_contains(tip, "held ");
    assert_contains(tip, "CPU ");
    free(tip);

    /* the wheel zooms in about the pointer, on every chart */
    double full[2], r[2], f[4], m[2];
    js_run(c, "document.querySelector('svg.ix-tasks').scrollIntoView({block: 'center'})");
    range_of(c, "tasks", full);
    assert_int_equal(full[0], 0);
    frame_of(c, "tasks", f);
    double px = f[0] + f[2] * 0.25;
    mouse(c, "mouseWheel", px, f[1] + f[3] / 2, "none", 0, 0, -400);
    range_of(c, "tasks", r);
    if (!(r[1] - r[0] < 0.6 * (full[1] - full[0]) && r[0] >= full[0] && r[1] <= full[1]))
        fail_msg("the wheel left the range at %.0f..%.0f (all: %.0f..%.0f)", r[0], r[1],
                 full[0], full[1]);
    double tp = full[0] + 0.25 * (full[1] - full[0]);   /* the time under the pointer stays */
    assert_true(fabs(r[0] + 0.25 * (r[1] - r[0]) - tp) < 0.01 * (full[1] - full[0]));
    range_of(c, "memory", m);
    assert_true(m[0] == r[0] && m[1] == r[1]);
    range_of(c, "cpu", m);
    assert_true(m[0] == r[0] && m[1] == r[1]);

    /* a drag selects a range */
    double x1 = f[0] + f[2] * 0.2, x2 = f[0] + f[2] * 0.6, y = f[1] + f[3] / 2;
    double want0 = r[0] + 0.2 * (r[1] - r[0]), want1 = r[0] + 0.6 * (r[1] - r[0]);
    mouse(c, "mousePressed", x1, y, "left", 1, 1, 0);
    mouse(c, "mouseMoved", (x1 + x2) / 2, y, "left", 1, 0, 0);
    mouse(c, "mouseMoved", x2, y, "left", 1, 0, 0);
    mouse(c, "mouseReleased", x2, y, "left", 0, 1, 0);
    range_of(c, "tasks", r);
    if (fabs(r[0] - want0) > 0.01 * (want1 - want0) + 2000 ||
        fabs(r[1] - want1) > 0.01 * (want1 - want0) + 2000)
        fail_msg("a drag over %.0f..%.0f showed %.0f..%.0f", want0, want1, r[0], r[1]);
    range_of(c, "memory", m);
    assert_true(m[0] == r[0] && m[1] == r[1]);
    char *label = js_text(c, "document.querySelector('svg.ix-tasks text.range').textContent");
    assert_contains(label, "showing ");
    free(label);

    /* a double-click shows it all again */
    mouse(c, "mousePressed", px, y, "left", 1, 1, 0);
    mouse(c, "mouseReleased", px, y, "left", 0, 1, 0);
    mouse(c, "mousePressed", px, y, "left", 1, 2, 0);
    mouse(c, "mouseReleased", px, y, "left", 0, 2, 0);
    range_of(c, "tasks", r);
    assert_true(r[0] == full[0] && r[1] == full[1]);

    /* nothing fetched, nothing wrong */
    if (c->requests[0] || c->errors[0])
        fail_msg("the report fetched [%s] and logged [%s]", c->requests, c->errors);

    /* without JavaScript: the pictures */
    cdp_void(c, "Emulation.setScriptExecutionDisabled", json_pack("{s:b}", "value", 1));
    cdp_load(c, page);
    assert_int_equal(js_num(c, "document.querySelectorAll('section.live, svg.ix-chart').length"), 0);
    assert_int_equal(js_num(c, "Array.prototype.filter.call(document.images, function (im) {"
                                "  return im.complete && im.naturalWidth > 100 &&"
                                "    im.getBoundingClientRect().height > 50; }).length"), 3);
    cdp_void(c, "Emulation.setScriptExecutionDisabled", json_pack("{s:b}", "value", 0));

    /* the checks can fail: a page that fetches and throws */
    char *html = slurp(page, NULL);
    char *end = strstr(html, "</body>");
    assert_non_null(end);
    *end = '\0';
    FILE *bad = fopen(scratch("bad.html"), "w");
    fprintf(bad, "%s<img src=\"http://192.0.2.1/pixel.png\"><script>no_such_function();"
                 "</script></body></html>\n", html);
    fclose(bad);
    free(html);
    cdp_load(c, scratch("bad.html"));
    assert_contains(c->requests, "http://192.0.2.1/pixel.png");
    assert_contains(c->errors, "no_such_function");
    cdp_close(c);
    dusk_profiler_free(p);
}

/* Past 200,000 tasks the task stream stays a picture, and the page says
 * so: the records are not in the page (its pictures are, already tens of
 * megabytes at that size). A page without task records (resources only)
 * has live memory and CPU charts and loads cleanly. */
static void test_report_without_tasks(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    const char *root;
    dusk_graph *g = tree_graph(100100, &root);   /* 200,000 and some tasks */
    dusk_profiler_options po = DUSK_PROFILER_OPTIONS_INIT;
    po.record = DUSK_PROF_TASKS;
    dusk_profiler *p = dusk_profiler_new(&po);
    dusk_callbacks cb = dusk_profiler_callbacks(p);
    dusk_options o = DUSK_OPTIONS_INIT;
    o.workers = 2;
    o.callbacks = &cb;
    o.ncallbacks = 1;
    dusk_error err = DUSK_ERROR_INIT;
    dusk_value *v = NULL;
    assert_int_equal(dusk_get(g, root, &o, &v, &err), 0);
    dusk_value_unref(v);
    size_t n = dusk_profiler_ntasks(p);
    assert_true(n > 200000);
    char page[512];
    snprintf(page, sizeof page, "%s", scratch("many.html"));
    assert_int_equal(dusk_profiler_write_report(p, page, NULL, &err), 0);
    char *html = slurp(page, NULL);
    char want[128];
    snprintf(want, sizeof want, "%zu tasks: more than the 200000 this page draws live", n);
    assert_contains(html, want);
    const char *data = strstr(html, "<script type=\"application/json\" id=\"dusk-data\">");
    assert_non_null(data);
    const char *end = strstr(data, "</script>");
    assert_non_null(end);
    assert_true(end - data < 4096);   /* no records, no samples */
    snprintf(want, sizeof want, "\"omitted\":%zu", n);
    assert_contains(data, want);
    assert_contains(data, "\"s\":[]");
    free(html);
    dusk_profiler_free(p);
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
    if (!chromium_path()) {
        fprintf(stderr, "  (no chromium: install Debian's chromium to load the page)\n");
        return;
    }
    po.record = DUSK_PROF_RESOURCES;
    p = dusk_profiler_new(&po);
    assert_int_equal(dusk_profiler_begin(p), 0);
    sleep_ms(50);
    assert_int_equal(dusk_profiler_end(p), 0);
    snprintf(page, sizeof page, "%s", scratch("resources.html"));
    assert_int_equal(dusk_profiler_write_report(p, page, NULL, &err), 0);
    dusk_profiler_free(p);
    cdp_open(&browser);
    cdp_load(&browser, page);
    assert_int_equal(js_num(&browser, "document.querySelectorAll('section.live').length"), 1);
    assert_int_equal(js_num(&browser, "document.querySelectorAll('#resources.live svg.ix-chart')"
                                      ".length"), 2);
    double fr[4];
    js_run(&browser, "document.querySelector('svg.ix-cpu').scrollIntoView({block: 'center'})");
    frame_of(&browser, "cpu", fr);
    mouse(&browser, "mouseMoved", fr[0] + fr[2] / 2, fr[1] + fr[3] / 2, "none", 0, 0, 0);
    char *tip = js_text(&browser, "document.getElementById('dusk-tip').textContent");
    assert_contains(tip, "CPU ");
    assert_null(strstr(tip, "running"));
    free(tip);
    if (browser.requests[0] || browser.errors[0])
        fail_msg("the report fetched [%s] and logged [%s]", browser.requests, browser.errors);
    cdp_close(&browser);
}

/* Another tool's nested slices in the live task stream: each a lane below
 * the slice it is in, lanes of one height, the next worker's row below
 * them all; hovering a lane names its slice; zoomed in where an outer
 * slice began long before the view, it is still drawn. */
static const char nested_trace[] =
    "[{\"name\":\"outer\",\"ph\":\"X\",\"ts\":0,\"dur\":1000,\"pid\":1,\"tid\":1},\n"
    "{\"name\":\"first\",\"ph\":\"X\",\"ts\":0,\"dur\":100,\"pid\":1,\"tid\":1},\n"
    "{\"name\":\"inner\",\"ph\":\"B\",\"ts\":200,\"pid\":1,\"tid\":1},\n"
    "{\"name\":\"leaf\",\"ph\":\"X\",\"ts\":300,\"dur\":100,\"pid\":1,\"tid\":1},\n"
    "{\"ph\":\"E\",\"ts\":600,\"pid\":1,\"tid\":1},\n"
    "{\"name\":\"solo\",\"ph\":\"X\",\"ts\":0,\"dur\":1000,\"pid\":1,\"tid\":2}]";

/* The box of the task keyed name in the live task stream, page
 * coordinates (left, top, right, bottom); left -1 when it is not drawn. */
static void task_box(cdp *c, const char *name, double b[4])
{
    char e[512];
    snprintf(e, sizeof e,
             "(function () {"
             "  var D = JSON.parse(document.getElementById('dusk-data').textContent);"
             "  var r = document.querySelector('#task-stream rect[data-i=\"' + D.k.indexOf('%s') +"
             "                                 '\"]');"
             "  if (!r) return [-1, -1, -1, -1];"
             "  var b = r.getBoundingClientRect();"
             "  return [b.left, b.top, b.right, b.bottom];"
             "})()", name);
    json_t *v = js(c, e);
    assert_true(json_is_array(v) && json_array_size(v) == 4);
    for (size_t i = 0; i < 4; i++)
        b[i] = json_number_value(json_array_get(v, i));
    json_decref(v);
}

static void test_report_nested(void **state)
{
    (void)state;
    SKIP_WITHOUT_CHROMIUM();
    dusk_profiler *p = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_profiler_read_trace_buffer(nested_trace, sizeof nested_trace - 1, "nested", &p,
                                        &err) != 0)
        fail_msg("%s", err.msg);
    char page[512];
    snprintf(page, sizeof page, "%s", scratch("nested.html"));
    assert_int_equal(dusk_profiler_write_report(p, page, NULL, &err), 0);
    dusk_profiler_free(p);

    cdp *const c = &browser;
    cdp_open(c);
    cdp_load(c, page);
    js_run(c, "document.querySelector('svg.ix-tasks').scrollIntoView({block: 'center'})");
    double outer[4], first[4], inner[4], leaf[4], solo[4];
    task_box(c, "outer", outer);
    task_box(c, "first", first);
    task_box(c, "inner", inner);
    task_box(c, "leaf", leaf);
    task_box(c, "solo", solo);
    double lh = outer[3] - outer[1];
    assert_true(lh > 5);
    assert_true(fabs(inner[3] - inner[1] - lh) < 0.5 && fabs(leaf[3] - leaf[1] - lh) < 0.5);
    if (!(inner[1] >= outer[3]))
        fail_msg("inner (y %.1f..%.1f) is not below outer (y %.1f..%.1f)", inner[1], inner[3],
                 outer[1], outer[3]);
    assert_true(fabs(first[1] - inner[1]) < 0.5);
    assert_true(leaf[1] >= inner[3]);
    assert_true(solo[1] >= leaf[3]);

    /* hovering a lane names its slice */
    double x = (leaf[0] + leaf[2]) / 2;
    mouse(c, "mouseMoved", x, (inner[1] + inner[3]) / 2, "none", 0, 0, 0);
    char *tip = js_text(c, "document.getElementById('dusk-tip').textContent");
    assert_contains(tip, "function inner");
    assert_contains(tip, "nested 1 deep");
    free(tip);
    mouse(c, "mouseMoved", x, (outer[1] + outer[3]) / 2, "none", 0, 0, 0);
    tip = js_text(c, "document.getElementById('dusk-tip').textContent");
    assert_contains(tip, "function outer");
    assert_null(strstr(tip, "nested"));
    free(tip);

    /* zoomed in on 450..550 us: outer and inner began before it, and show */
    double f[4];
    frame_of(c, "tasks", f);
    double y = f[1] + f[3] - 2;
    mouse(c, "mousePressed", f[0] + f[2] * 0.45, y, "left", 1, 1, 0);
    mouse(c, "mouseMoved", f[0] + f[2] * 0.5, y, "left", 1, 0, 0);
    mouse(c, "mouseReleased", f[0] + f[2] * 0.55, y, "left", 0, 1, 0);
    double r[2];
    range_of(c, "tasks", r);
    assert_true(r[0] > 300000 && r[1] < 700000);
    task_box(c, "outer", outer);
    task_box(c, "inner", inner);
    task_box(c, "leaf", leaf);
    if (outer[0] < 0 || inner[0] < 0)
        fail_msg("zoomed in on %.0f..%.0f ns, outer %s drawn and inner %s", r[0], r[1],
                 outer[0] < 0 ? "is not" : "is", inner[0] < 0 ? "is not" : "is");
    assert_true(outer[2] - outer[0] > 0.9 * f[2]);   /* across the view */
    assert_true(inner[1] >= outer[3]);
    if (c->requests[0] || c->errors[0])
        fail_msg("the report fetched [%s] and logged [%s]", c->requests, c->errors);
    cdp_close(c);
}

/* A run of 8 ms whose samples saw 8 bytes held where the scheduler's peak
 * was 72 B, the first sample's CPU (0: not measured) and a sample after
 * the run's end, as a reviewer's 17-task run recorded them. */
static const char late_trace[] =
    "{\"traceEvents\":[\n"
    "{\"name\":\"inc\",\"cat\":\"task\",\"ph\":\"X\",\"ts\":1000,\"dur\":5000,\"pid\":1,\"tid\":0},\n"
    "{\"name\":\"inc\",\"cat\":\"task\",\"ph\":\"X\",\"ts\":6200,\"dur\":1500,\"pid\":1,\"tid\":1},\n"
    "{\"name\":\"memory\",\"ph\":\"C\",\"ts\":200,\"pid\":1,\"args\":{\"rss\":20000000,\"held\":0}},\n"
    "{\"name\":\"cpu\",\"ph\":\"C\",\"ts\":200,\"pid\":1,\"args\":{\"percent\":0}},\n"
    "{\"name\":\"memory\",\"ph\":\"C\",\"ts\":4000,\"pid\":1,\"args\":{\"rss\":20000000,\"held\":8}},\n"
    "{\"name\":\"cpu\",\"ph\":\"C\",\"ts\":4000,\"pid\":1,\"args\":{\"percent\":100}},\n"
    "{\"name\":\"memory\",\"ph\":\"C\",\"ts\":7900,\"pid\":1,\"args\":{\"rss\":20000000,\"held\":8}},\n"
    "{\"name\":\"cpu\",\"ph\":\"C\",\"ts\":7900,\"pid\":1,\"args\":{\"percent\":40}},\n"
    "{\"name\":\"memory\",\"ph\":\"C\",\"ts\":16500,\"pid\":1,\"args\":{\"rss\":20000000,\"held\":8}},\n"
    "{\"name\":\"cpu\",\"ph\":\"C\",\"ts\":16500,\"pid\":1,\"args\":{\"percent\":30}}\n"
    "],\"otherData\":{\"producer\":\"dusk\",\"version\":2,\"cache_metric\":\"bytes\",\"lost\":0,"
    "\"runs\":[{\"begin\":0.0,\"wall\":8000.0,\"ntasks\":2,\"workers\":2,\"status\":0,"
    "\"held_peak\":72}]}}\n";

/* The y values of an SVG path's points (its d: M/L x y ...), as a JS array. */
#define PATH_YS(sel)                                                                     \
    "(function () { var p = document.querySelector('" sel "');"                          \
    "  if (!p) return null;"                                                             \
    "  var n = p.getAttribute('d').match(/-?[0-9.]+/g).map(Number), ys = [];"            \
    "  for (var i = 1; i < n.length; i += 2) ys.push(n[i]);"                             \
    "  return ys; })()"

/* The report of a trace (its text, len bytes), written as scratch NAME.html
 * and loaded in the test's browser. */
static cdp *open_trace_report(const char *text, size_t len, const char *name)
{
    dusk_profiler *p = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_profiler_read_trace_buffer(text, len, name, &p, &err))
        fail_msg("%s", err.msg);
    char page[512], file[64];
    snprintf(file, sizeof file, "%s.html", name);
    snprintf(page, sizeof page, "%s", scratch(file));
    assert_int_equal(dusk_profiler_write_report(p, page, NULL, &err), 0);
    dusk_profiler_free(p);
    cdp *const c = &browser;
    cdp_open(c);
    cdp_load(c, page);
    return c;
}

/* What the live charts draw over what: the grid lines under the task bars
 * and the curves (drawn over them, a 5 ms task crossed by grid lines every
 * 0.5 ms read as eleven tasks); the held bytes on a scale that reaches the
 * peak the summary states, their line off the frame; the CPU curve from
 * its first measured interval, not from a made-up 0 %; the axis the run's
 * 8 ms, not the 16.5 ms of a sample taken after it. */
static void test_report_layers(void **state)
{
    (void)state;
    SKIP_WITHOUT_CHROMIUM();
    cdp *const c = open_trace_report(late_trace, sizeof late_trace - 1, "late");
    double r[2];
    range_of(c, "tasks", r);
    assert_true(r[0] == 0 && r[1] == 8000000);

    /* every grid line before (under) every task box and curve */
    double over = js_num(c, "(function () { var n = 0;"
                            "  document.querySelectorAll('svg.ix-chart').forEach(function (svg) {"
                            "    var drawn = false;"
                            "    svg.querySelectorAll('line.grid, rect[data-i], path').forEach("
                            "      function (e) {"
                            "        if (e.matches('line.grid')) { if (drawn) n++; }"
                            "        else drawn = true;"
                            "      });"
                            "  });"
                            "  return n; })()");
    if (over > 0)
        fail_msg("%.0f grid lines are drawn over task boxes or curves", over);
    /* and what one sees where a grid line crosses the 5 ms task is the task */
    js_run(c, "document.querySelector('svg.ix-tasks').scrollIntoView({block: 'center'})");
    double hit = js_num(c, "(function () {"
                           "  var svg = document.querySelector('svg.ix-tasks'), hits = 0, seen = 0;"
                           "  var box = svg.querySelector('rect[data-i=\"0\"]').getBoundingClientRect();"
                           "  svg.querySelectorAll('line.grid').forEach(function (g) {"
                           "    var x = g.getBoundingClientRect().left + 0.5;"
                           "    if (x <= box.left + 1 || x >= box.right - 1) return;"
                           "    seen++;"
                           "    var e = document.elementFromPoint(x, box.top + box.height / 2);"
                           "    if (e && e.matches('rect[data-i=\"0\"]')) hits++;"
                           "  });"
                           "  return seen > 2 && hits === seen ? 1 : -seen * 1000 - hits; })()");
    if (hit != 1)
        fail_msg("of the grid lines across the 5 ms task, not all show the task (%.0f)", hit);

    /* held: a scale to 72 B at least, the peak marked in the frame, the
     * line off the floor */
    js_run(c, "document.querySelector('svg.ix-memory').scrollIntoView({block: 'center'})");
    double f[4];
    frame_of(c, "memory", f);
    double top = js_num(c, "(function () { var t = 0;"
                           "  document.querySelectorAll('svg.ix-memory text.tick').forEach("
                           "    function (e) {"
                           "      var m = /^([0-9.]+) B$/.exec(e.textContent);"
                           "      if (m && e.getAttribute('x') > 500) t = Math.max(t, +m[1]);"
                           "    });"
                           "  return t; })()");
    if (top < 72)
        fail_msg("the held bytes' scale tops out at %.0f B; the report states a peak of 72 B", top);
    /* the RSS ticks (20,000,000 B; left of the frame, at x 72) are round in the unit shown: one unit,
     * a step of 1, 2 or 5 times a power of ten of it, every tick a multiple
     * (they read 0, 1.91, 3.81, 5.72 MiB: 2 MB steps labelled MiB) */
    json_t *ticks = js(c, "(function () { var a = [];"
                          "  document.querySelectorAll('svg.ix-memory text.tick').forEach("
                          "    function (e) { if (+e.getAttribute('x') < 78) a.push(e.textContent); });"
                          "  return a; })()");
    assert_true(json_is_array(ticks) && json_array_size(ticks) >= 3);
    double step = 0;
    for (size_t i = 0; i < json_array_size(ticks); i++) {
        const char *t = json_string_value(json_array_get(ticks, i));
        char unit[8];
        double v;
        if (!t || sscanf(t, "%lf %7s", &v, unit) != 2 || strcmp(unit, "MiB") != 0)
            fail_msg("memory tick %zu reads \"%s\", not a number of MiB", i, t ? t : "?");
        if (i == 1)
            step = v;
        if (i >= 1) {
            double k = v / step, m = step / pow(10, floor(log10(step)));
            if (fabs(k - round(k)) > 1e-9 || !(fabs(m - 1) < 1e-9 || fabs(m - 2) < 1e-9 ||
                                               fabs(m - 5) < 1e-9))
                fail_msg("memory tick %zu reads \"%s\": not a round step of MiB (%g)", i, t,
                         step);
        }
    }
    json_decref(ticks);
    double py = js_num(c, "document.querySelector('svg.ix-memory line.peak')"
                          ".getBoundingClientRect().top");
    assert_true(py > f[1] + 1 && py < f[1] + f[3] - 1);
    json_t *ys = js(c, PATH_YS("svg.ix-memory path.series-1"));
    assert_true(json_is_array(ys) && json_array_size(ys) >= 3);
    double bottom = js_num(c, "+document.querySelector('svg.ix-memory rect.frame')"
                              ".getAttribute('y') + +document.querySelector('svg.ix-memory "
                              "rect.frame').getAttribute('height')");
    double fy = js_num(c, "+document.querySelector('svg.ix-memory rect.frame').getAttribute('y')");
    double lo = 1e9;
    for (size_t i = 0; i < json_array_size(ys); i++)
        if (json_number_value(json_array_get(ys, i)) < lo)
            lo = json_number_value(json_array_get(ys, i));
    json_decref(ys);
    if (!(lo < bottom - 5 && lo > fy + 5))   /* 8 B of 80: 10 % up, not on the frame */
        fail_msg("the held line's highest point is at y %.1f in a frame of %.1f..%.1f", lo, fy,
                 bottom);

    /* CPU: from the first measured interval (100 %: under the frame's top,
     * not on it, where the frame hid it), never at 0 % */
    ys = js(c, PATH_YS("svg.ix-cpu path.series-0"));
    assert_true(json_is_array(ys) && json_array_size(ys) >= 2);
    bottom = js_num(c, "+document.querySelector('svg.ix-cpu rect.frame').getAttribute('y') + "
                       "+document.querySelector('svg.ix-cpu rect.frame').getAttribute('height')");
    fy = js_num(c, "+document.querySelector('svg.ix-cpu rect.frame').getAttribute('y')");
    for (size_t i = 0; i < json_array_size(ys); i++)
        if (json_number_value(json_array_get(ys, i)) < fy + 3)
            fail_msg("the CPU curve's point %zu (100 %%) is on the frame's top (y %.1f, top "
                     "%.1f)", i, json_number_value(json_array_get(ys, i)), fy);
    for (size_t i = 0; i < json_array_size(ys); i++)
        if (json_number_value(json_array_get(ys, i)) > bottom - 5)
            fail_msg("the CPU curve's point %zu is at 0 %% (y %.1f, floor %.1f): the first "
                     "sample's CPU was not measured", i, json_number_value(json_array_get(ys, i)),
                     bottom);
    json_decref(ys);
    if (c->requests[0] || c->errors[0])
        fail_msg("the report fetched [%s] and logged [%s]", c->requests, c->errors);
    cdp_close(c);
}

/* held_trace (held_trace.h): a 10 ms run whose one task, at 8 ms, ends at
 * 8.5 ms with a 1000 B result held to the end, and samples only at the
 * start (0 B) and the end (1000 B): the held line is steps at the
 * records' events, flat at 0 until 8.5 ms (a line between the two samples
 * rose from the start, before any task ran), and the tooltip's held is
 * the step's at the time hovered. */
static void test_report_held_steps(void **state)
{
    (void)state;
    SKIP_WITHOUT_CHROMIUM();
    cdp *const c = open_trace_report(held_trace, sizeof held_trace - 1, "held");
    js_run(c, "document.querySelector('svg.ix-memory').scrollIntoView({block: 'center'})");
    /* every segment of the held line level or upright, and the line on
     * the floor (0 B) until the task's end, 85 % of the way */
    double bad = js_num(c, "(function () {"
                           "  var p = document.querySelector('svg.ix-memory path.series-1');"
                           "  var fr = document.querySelector('svg.ix-memory rect.frame');"
                           "  var x0 = +fr.getAttribute('x'), w = +fr.getAttribute('width');"
                           "  var floor = +fr.getAttribute('y') + +fr.getAttribute('height');"
                           "  var n = p.getAttribute('d').match(/-?[0-9.]+/g).map(Number), bad = 0;"
                           "  for (var i = 2; i + 1 < n.length; i += 2) {"
                           "    var dx = Math.abs(n[i] - n[i - 2]), dy = Math.abs(n[i + 1] - n[i - 1]);"
                           "    if (dx > 0.2 && dy > 0.2) bad++;"
                           "  }"
                           "  for (var i = 0; i + 1 < n.length; i += 2)"
                           "    if (n[i] < x0 + 0.84 * w && Math.abs(n[i + 1] - floor) > 1) bad += 100;"
                           "  return n.length >= 8 ? bad : -1; })()");
    if (bad != 0)
        fail_msg("the held line is not steps at the task's events (%.0f)", bad);
    double mf[4];
    frame_of(c, "memory", mf);
    /* 7 ms: nothing held yet (the nearest sample, at 10 ms, says 1000 B) */
    mouse(c, "mouseMoved", mf[0] + mf[2] * 0.7, mf[1] + mf[3] / 2, "none", 0, 0, 0);
    char *tip = js_text(c, "document.getElementById('dusk-tip').textContent");
    assert_contains(tip, "held 0 B");
    free(tip);
    /* 9 ms: the task's 1000 B */
    mouse(c, "mouseMoved", mf[0] + mf[2] * 0.9, mf[1] + mf[3] / 2, "none", 0, 0, 0);
    tip = js_text(c, "document.getElementById('dusk-tip').textContent");
    assert_contains(tip, "held 0.98 kiB");   /* 1000 B, as Dask's format_bytes */
    free(tip);
    if (c->requests[0] || c->errors[0])
        fail_msg("the report fetched [%s] and logged [%s]", c->requests, c->errors);
    cdp_close(c);
}

/* The lecture's graph, whose literals ('a': 1) have records but are no
 * function of the legend: the live charts draw (the page threw reading
 * past the legend's order, and showed neither chart), with its 3 tasks'
 * boxes and no error. */
static void test_report_with_literals(void **state)
{
    (void)state;
    SKIP_WITHOUT_CHROMIUM();
    dusk_graph *g = lecture_dsk();
    dusk_profiler *p = run_profiled(g, "z");
    dusk_graph_free(g);
    dusk_error err = DUSK_ERROR_INIT;
    char page[512];
    snprintf(page, sizeof page, "%s", scratch("lecture.html"));
    assert_int_equal(dusk_profiler_write_report(p, page, NULL, &err), 0);
    dusk_profiler_free(p);
    cdp *const c = &browser;
    cdp_open(c);
    cdp_load(c, page);
    if (c->errors[0])
        fail_msg("the report logged [%s]", c->errors);
    assert_int_equal(js_num(c, "document.querySelectorAll('section.live').length"), 2);
    assert_int_equal(js_num(c, "document.querySelectorAll('svg.ix-tasks rect[data-i]').length"),
                     3);
    cdp_close(c);
}

/* A test that failed half-way leaves its browser open: closed here. */
static int close_browser(void **state)
{
    if (browser.pid > 0)
        cdp_close(&browser);
    return reset_alloc(state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_report_live, close_browser),
        cmocka_unit_test_teardown(test_report_without_tasks, close_browser),
        cmocka_unit_test_teardown(test_report_nested, close_browser),
        cmocka_unit_test_teardown(test_report_layers, close_browser),
        cmocka_unit_test_teardown(test_report_held_steps, close_browser),
        cmocka_unit_test_teardown(test_report_with_literals, close_browser),
    };
    return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
