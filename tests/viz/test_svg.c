/*
** dusk tests — the SVG dusk writes itself for the pictures it lays out
** (viz/svg.c)
**
** Every picture here is laid out by dusk (DUSK_VIZ_LAYOUT_LAYERED) and
** drawn twice: "svg", written by dusk from the scene, and "svg:graphviz",
** the same scene drawn by Graphviz's own renderer. Both are read back
** into their elements (per node and edge group: titles, tooltips, shapes
** with their fill and stroke, label lines with their fonts and places,
** edge paths and arrowheads; and the document's size) and compared:
** the same elements, colours and text, numbers within rounding. Then:
** xmllint finds the files well-formed, keys that need escaping come out
** escaped, rsvg-convert (librsvg, a real client) draws the file at its
** size, a file that cannot be written or memory that runs out leaves
** nothing behind, and the number helpers print and read as printf and
** strtod do.
*/
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dusk.h"
#include "dusk/array.h"
#include "dusk/viz.h"
#include "helpers.h"
#include "viz/scene.h"

/* --- reading SVG back ------------------------------------------------------------------- */

#define MAX_ATTR 16

typedef struct elem {
    char group[32];            /* the node or edge group it is in: "node3" */
    char tag[16];
    int nattr;
    char *name[MAX_ATTR], *value[MAX_ATTR];
    char *text;                /* a <title>'s or <text>'s content */
    size_t seq;                /* its place in the document */
} elem;

typedef struct svgdoc {
    elem *e;
    size_t n, cap;
} svgdoc;

static char *dup_n(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    assert_non_null(p);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

/* The string functions are avoided on whole documents: ASan's
 * interceptors measure the rest of the string at every call, which is
 * quadratic over a document of megabytes. */
static const char *skip_to(const char *p, char c)
{
    while (*p && *p != c)
        p++;
    return *p ? p : NULL;
}

static const char *find(const char *p, const char *pat)
{
    size_t k = strlen(pat);
    for (; (p = skip_to(p, pat[0])); p++) {
        size_t i = 1;
        while (i < k && p[i] == pat[i])
            i++;
        if (i == k)
            return p;
    }
    return NULL;
}

static size_t span_until(const char *p, const char *stops)
{
    size_t n = 0;
    while (p[n]) {
        for (const char *s = stops; *s; s++)
            if (p[n] == *s)
                return n;
        n++;
    }
    return n;
}

/* Reads every element of svg (each writer puts one tag on a line, but
 * nothing here relies on it), with the node or edge group it is in. */
static void parse_svg(const char *svg, svgdoc *d)
{
    memset(d, 0, sizeof *d);
    char stack[64][32];
    int depth = 0;
    const char *p = svg;
    while ((p = skip_to(p, '<'))) {
        if (!strncmp(p, "<!--", 4)) {
            p = find(p, "-->");
            assert_non_null(p);
            continue;
        }
        if (p[1] == '?' || p[1] == '!') {
            p = skip_to(p, '>');
            assert_non_null(p);
            continue;
        }
        if (p[1] == '/') {
            if (!strncmp(p, "</g>", 4)) {
                assert_true(depth > 0);
                depth--;
            }
            p++;
            continue;
        }
        if (d->n == d->cap) {
            d->cap = d->cap ? 2 * d->cap : 256;
            d->e = realloc(d->e, d->cap * sizeof *d->e);
            assert_non_null(d->e);
        }
        elem *e = &d->e[d->n];
        memset(e, 0, sizeof *e);
        e->seq = d->n;
        const char *q = p + 1;
        size_t k = span_until(q, " \t\n/>");
        assert_true(k > 0 && k < sizeof e->tag);
        memcpy(e->tag, q, k);
        q += k;
        for (;;) {
            q += strspn(q, " \t\n");
            if (*q == '>' || *q == '/')
                break;
            size_t nk = span_until(q, "=");
            assert_true(q[nk] == '=' && q[nk + 1] == '"');
            const char *v = q + nk + 2, *ve = skip_to(v, '"');
            assert_non_null(ve);
            assert_true(e->nattr < MAX_ATTR);
            e->name[e->nattr] = dup_n(q, nk);
            e->value[e->nattr] = dup_n(v, (size_t)(ve - v));
            e->nattr++;
            q = ve + 1;
        }
        int closed = *q == '/';
        q = skip_to(q, '>');
        assert_non_null(q);
        q++;
        if (!strcmp(e->tag, "g") && !closed) {
            assert_true(depth < 64);
            stack[depth][0] = '\0';
            for (int a = 0; a < e->nattr; a++)
                if (!strcmp(e->name[a], "id"))
                    snprintf(stack[depth], sizeof stack[depth], "%s", e->value[a]);
            depth++;
        }
        for (int i = depth - 1; i >= 0; i--)
            if (!strncmp(stack[i], "node", 4) || !strncmp(stack[i], "edge", 4)) {
                snprintf(e->group, sizeof e->group, "%s", stack[i]);
                break;
            }
        if (!strcmp(e->tag, "title") || !strcmp(e->tag, "text"))
            e->text = dup_n(q, span_until(q, "<"));
        d->n++;
        p = q;
    }
    assert_int_equal(depth, 0);
}

static void svgdoc_free(svgdoc *d)
{
    for (size_t i = 0; i < d->n; i++) {
        for (int a = 0; a < d->e[i].nattr; a++) {
            free(d->e[i].name[a]);
            free(d->e[i].value[a]);
        }
        free(d->e[i].text);
    }
    free(d->e);
    memset(d, 0, sizeof *d);
}

/* Groups in document order: an element's group, then its place. */
static int cmp_elem(const void *a, const void *b)
{
    const elem *p = a, *q = b;
    int c = strcmp(p->group, q->group);
    if (c)
        return c;
    return p->seq < q->seq ? -1 : p->seq > q->seq;
}

/* The numbers in s ("M27,-108C27,-121 ...", "-4,4 -4,-400"). */
static size_t numbers(const char *s, double *out, size_t cap)
{
    size_t n = 0;
    while (*s) {
        if ((*s >= '0' && *s <= '9') || *s == '-' || *s == '.') {
            char *end;
            double v = strtod(s, &end);
            if (end != s) {
                assert_true(n < cap);
                out[n++] = v;
                s = end;
                continue;
            }
        }
        s++;
    }
    return n;
}

static int numeric_attr(const char *name)
{
    static const char *const names[] = {"x", "y", "cx", "cy", "rx", "ry", "points", "d",
                                        "width", "height", "viewBox", "transform",
                                        "stroke-width", "font-size"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(name, names[i]))
            return 1;
    return 0;
}

/* The same elements, group by group: tags, attributes and text equal,
 * numbers within rounding (0.011 points). */
static void assert_same_svg(const char *mine, const char *theirs, const char *what)
{
    svgdoc a, b;
    parse_svg(mine, &a);
    parse_svg(theirs, &b);
    if (a.n != b.n)
        fail_msg("%s: %zu elements from dusk, %zu from Graphviz", what, a.n, b.n);
    qsort(a.e, a.n, sizeof *a.e, cmp_elem);
    qsort(b.e, b.n, sizeof *b.e, cmp_elem);
    static double na[200000], nb[200000];
    for (size_t i = 0; i < a.n; i++) {
        const elem *x = &a.e[i], *y = &b.e[i];
        if (strcmp(x->group, y->group) || strcmp(x->tag, y->tag) || x->nattr != y->nattr)
            fail_msg("%s: element %zu: <%s> of '%s' (%d attributes) against <%s> of '%s' (%d)",
                     what, i, x->tag, x->group, x->nattr, y->tag, y->group, y->nattr);
        if ((x->text || y->text) && (!x->text || !y->text || strcmp(x->text, y->text)))
            fail_msg("%s: %s <%s>: text '%s' against '%s'", what, x->group, x->tag,
                     x->text ? x->text : "", y->text ? y->text : "");
        for (int k = 0; k < x->nattr; k++) {
            if (strcmp(x->name[k], y->name[k]))
                fail_msg("%s: %s <%s>: attribute %s against %s", what, x->group, x->tag,
                         x->name[k], y->name[k]);
            if (!numeric_attr(x->name[k])) {
                if (strcmp(x->value[k], y->value[k]))
                    fail_msg("%s: %s <%s %s>: '%s' against '%s'", what, x->group, x->tag,
                             x->name[k], x->value[k], y->value[k]);
                continue;
            }
            size_t m = numbers(x->value[k], na, 200000);
            size_t n = numbers(y->value[k], nb, 200000);
            if (m != n)
                fail_msg("%s: %s <%s %s>: %zu numbers against %zu", what, x->group, x->tag,
                         x->name[k], m, n);
            for (size_t j = 0; j < m; j++)
                if (fabs(na[j] - nb[j]) > 0.011)
                    fail_msg("%s: %s <%s %s>: number %zu is %g against %g", what, x->group,
                             x->tag, x->name[k], j, na[j], nb[j]);
        }
    }
    svgdoc_free(&a);
    svgdoc_free(&b);
}

/* How many groups of class cls ("node", "edge") svg has. */
static int count_class(const char *svg, const char *cls)
{
    char pat[64];
    snprintf(pat, sizeof pat, "class=\"%s\"", cls);
    int n = 0;
    for (const char *p = svg; (p = find(p, pat)); p++)
        n++;
    return n;
}

/* --- rendering both ways ------------------------------------------------------------------- */

static char *render(dusk_graph *g, const char *fmt, const dusk_viz_options *o)
{
    char *buf = NULL;
    size_t n = 0;
    dusk_error err = DUSK_ERROR_INIT;
    int rc = dusk_visualize_mem(g, fmt, o, &buf, &n, &err);
    if (rc)
        fail_msg("visualize %s: %s: %s", fmt, dusk_err_name(rc), err.msg);
    assert_non_null(buf);
    assert_int_equal(strlen(buf), n);
    return buf;
}

/* g drawn by dusk and by Graphviz, compared; returns dusk's (dusk_free). */
static char *both(dusk_graph *g, const dusk_viz_options *o, const char *what)
{
    char *mine = render(g, "svg", o);
    char *theirs = render(g, "svg:graphviz", o);
    /* each went the way it was asked */
    assert_non_null(strstr(mine, "<!-- Generated by dusk"));
    assert_non_null(strstr(theirs, "<!-- Generated by graphviz"));
    assert_same_svg(mine, theirs, what);
    dusk_free(theirs);
    return mine;
}

/* --- the same picture as Graphviz's ------------------------------------------------------ */

static void test_same_as_graphviz_lecture(void **state)
{
    (void)state;
    dusk_graph *g = lecture_dsk();
    dusk_viz_recorder *rec = run_recorded(g, "z");
    dusk_viz_options o = DUSK_VIZ_OPTIONS_INIT;
    o.layout = DUSK_VIZ_LAYOUT_LAYERED;
    o.events = dusk_viz_recorder_events(rec, &o.nevents);
    /* every colour mode (fills, outlines, legends: swatches and the
     * striped bar), both views */
    for (int c = 0; c < DUSK_VIZ_NCOLORS; c++) {
        for (int v = 0; v < 2; v++) {
            o.color = (dusk_viz_color)c;
            o.view = v ? DUSK_VIZ_LAYERS : DUSK_VIZ_TASKS;
            char what[64];
            snprintf(what, sizeof what, "lecture, %s, %s", dusk_viz_color_name(o.color),
                     v ? "layers" : "tasks");
            char *svg = both(g, &o, what);
            assert_true(count_class(svg, "node") > 0);
            if (c != DUSK_VIZ_COLOR_NONE)
                assert_non_null(strstr(svg, "<title>legend0</title>"));
            if (c == DUSK_VIZ_COLOR_DURATION && !v)
                assert_non_null(strstr(svg, "stroke-width=\"0.5\""));   /* the stripes */
            dusk_free(svg);
        }
    }
    /* the task view's nodes and edges, and what fills them */
    o.color = DUSK_VIZ_COLOR_WORKER;
    o.view = DUSK_VIZ_TASKS;
    char *svg = both(g, &o, "lecture, worker");
    assert_non_null(strstr(svg, "<title>k0</title>"));
    assert_non_null(strstr(svg, "<title>f2&#45;&gt;k2</title>"));
    assert_non_null(strstr(svg, "<ellipse fill=\"#"));      /* a worker's colour */
    dusk_free(svg);
    /* rankdirs, outputs collapsed, full keys */
    static const char *const dirs[] = {"TB", "LR", "RL", "BT"};
    o = (dusk_viz_options)DUSK_VIZ_OPTIONS_INIT;
    o.layout = DUSK_VIZ_LAYOUT_LAYERED;
    for (int d = 0; d < 4; d++) {
        o.rankdir = dirs[d];
        o.collapse_outputs = d % 2;
        o.verbose = d >= 2;
        o.color = d == 3 ? DUSK_VIZ_COLOR_ORDER : DUSK_VIZ_COLOR_NONE;
        svg = both(g, &o, dirs[d]);
        dusk_free(svg);
    }
    dusk_viz_recorder_free(rec);
    dusk_graph_free(g);
}

static void test_same_as_graphviz_array(void **state)
{
    (void)state;
    /* (x + x.T).sum(axis=0), 20 x 20 chunks: 1,760 tasks, long edges
     * through the layers, a bus */
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_array *x = dusk_ones(ctx, DUSK_SHAPE(200, 200), "(10, 10)", DUSK_DT_F8);
    dusk_array *y = dusk_array_sum(dusk_array_add(x, dusk_array_transpose(x, NULL)),
                                   DUSK_AXIS(0), false);
    assert_int_equal(dusk_array_ntasks(y), 1760);
    dusk_viz_options o = DUSK_VIZ_OPTIONS_INIT;
    o.view = DUSK_VIZ_TASKS;
    o.color = DUSK_VIZ_COLOR_ORDER;          /* AUTO: layered at 3,520 nodes */
    char *mine = NULL, *theirs = NULL;
    size_t n1 = 0, n2 = 0;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_visualize_array_mem(y, "svg", &o, &mine, &n1, &err), 0);
    assert_int_equal(dusk_visualize_array_mem(y, "svg:graphviz", &o, &theirs, &n2, &err), 0);
    assert_non_null(strstr(mine, "<!-- Generated by dusk"));
    assert_same_svg(mine, theirs, "array, 1,760 tasks");
    /* 3,520 nodes and the legend's 4; every task's edges */
    assert_int_equal(count_class(mine, "node"), 3520 + 4);
    assert_int_equal(count_class(mine, "edge"), count_class(theirs, "edge"));
    assert_true(count_class(mine, "edge") > 3520);
    dusk_free(mine);
    dusk_free(theirs);
    dusk_array_ctx_free(ctx);
}

/* A small graph AUTO gives dot: its SVG is Graphviz's, as before. */
static void test_dot_stays_graphviz(void **state)
{
    (void)state;
    dusk_graph *g = lecture_dsk();
    char *svg = render(g, "svg", NULL);
    assert_non_null(strstr(svg, "<!-- Generated by graphviz"));
    dusk_free(svg);
    dusk_graph_free(g);
}

/* --- escaping, well-formed, drawn by a real client ------------------------------------------- */

static dusk_graph *awkward_keys(const char *key)
{
    dusk_graph *g = dusk_graph_new();
    dusk_graph_value(g, key, dusk_int(1));
    dusk_task(g, "y", &dusk_inc, dusk_ref(key));
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_graph_status(g, &err))
        fail_msg("graph: %s", err.msg);
    return g;
}

static void xmllint_ok(const char *path, int want_ok)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "xmllint --noout '%s' 2>&1", path);
    int status = -1;
    char *out = run_command(cmd, &status);
    assert_non_null(out);
    if (want_ok && status != 0)
        fail_msg("xmllint: %s: %s", path, out);
    if (!want_ok && status == 0)
        fail_msg("xmllint found %s well-formed", path);
    free(out);
}

static void test_escaping_and_xml(void **state)
{
    (void)state;
    /* <, &, quotes, a double space, dashes, a backslash, unicode */
    const char *key = "a<b&c \"q\" 'x'  two--dash \xc3\xa9\\z";
    dusk_graph *g = awkward_keys(key);
    dusk_viz_options o = DUSK_VIZ_OPTIONS_INIT;
    o.layout = DUSK_VIZ_LAYOUT_LAYERED;
    o.verbose = true;
    char *svg = both(g, &o, "awkward keys");
    const char *want = "a&lt;b&amp;c &quot;q&quot; &#39;x&#39; &#160;two&#45;&#45;dash "
                       "\xc3\xa9\\z</text>";
    if (!strstr(svg, want))
        fail_msg("the label is not escaped as expected: %s", svg);
    assert_non_null(strstr(svg, "xlink:title=\"key: &#39;a&lt;b&amp;c"));
    dusk_free(svg);

    /* well-formed: xmllint reads every file dusk writes; a cut one not */
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_visualize(g, scratch("awkward.svg"), &o, &err), 0);
    xmllint_ok(scratch("awkward.svg"), 1);
    size_t n = 0;
    char *data = slurp(scratch("awkward.svg"), &n);
    assert_non_null(data);
    assert_non_null(strstr(data, "<!-- Generated by dusk"));
    FILE *f = fopen(scratch("cut.svg"), "wb");
    assert_non_null(f);
    fwrite(data, 1, n / 2, f);
    fclose(f);
    xmllint_ok(scratch("cut.svg"), 0);
    free(data);
    dusk_graph_free(g);

    /* bytes that are not UTF-8 and a control character: still
     * well-formed, the byte as Latin-1, the control as U+FFFD */
    g = awkward_keys("bad\xff\x01" "byte");
    assert_int_equal(dusk_visualize(g, scratch("bytes.svg"), &o, &err), 0);
    xmllint_ok(scratch("bytes.svg"), 1);
    data = slurp(scratch("bytes.svg"), NULL);
    assert_non_null(data);
    assert_non_null(strstr(data, ">bad\xc3\xbf\xef\xbf\xbd" "byte</text>"));
    free(data);
    dusk_graph_free(g);

    /* byte runs shaped like UTF-8 that are not (an overlong form, a
     * surrogate, past U+10FFFF) and the non-characters U+FFFE/U+FFFF,
     * which XML cannot hold: still well-formed */
    g = awkward_keys("ov\xe0\x80\xafsu\xed\xa0\x80hi\xf4\x90\x80\x80nc\xef\xbf\xbe\xef\xbf\xbf!");
    assert_int_equal(dusk_visualize(g, scratch("shaped.svg"), &o, &err), 0);
    xmllint_ok(scratch("shaped.svg"), 1);
    dusk_graph_free(g);

    /* the same keys drawn by Graphviz, which writes a control character
     * as it is: by default (dot lays a small picture out) and as
     * svg:graphviz; still well-formed, the control as U+FFFD */
    static const char *const odd[] = {"bad\xff\x01" "byte", "c\x02\x1b\x1f\td",
                                      "ov\xe0\x80\xafsu\xed\xa0\x80hi\xf4\x90\x80\x80!"};
    for (size_t k = 0; k < sizeof odd / sizeof *odd; k++)
        for (int how = 0; how < 2; how++) {
            dusk_viz_options go = DUSK_VIZ_OPTIONS_INIT;
            go.verbose = true;
            go.layout = how ? DUSK_VIZ_LAYOUT_LAYERED : DUSK_VIZ_LAYOUT_AUTO;
            go.format = how ? "svg:graphviz" : "svg";
            g = awkward_keys(odd[k]);
            assert_int_equal(dusk_visualize(g, scratch("gv-bytes.svg"), &go, &err), 0);
            xmllint_ok(scratch("gv-bytes.svg"), 1);
            if (k == 0) {
                data = slurp(scratch("gv-bytes.svg"), NULL);
                assert_non_null(strstr(data, ">bad\xc3\xbf\xef\xbf\xbd" "byte</text>"));
                free(data);
            }
            dusk_graph_free(g);
        }

    /* an '&' in a key is the key's: dusk shows "&amp;" as it is, where
     * Graphviz would read it as an entity */
    g = awkward_keys("x&amp;y");
    svg = render(g, "svg", &o);
    assert_non_null(strstr(svg, ">x&amp;amp;y</text>"));
    dusk_free(svg);
    dusk_graph_free(g);
}

/* The width and height of a PNG, from its IHDR. */
static void png_size(const unsigned char *p, size_t n, unsigned *w, unsigned *h)
{
    assert_true(n > 24 && !memcmp(p, "\x89PNG\r\n\x1a\n", 8) && !memcmp(p + 12, "IHDR", 4));
    *w = (unsigned)p[16] << 24 | (unsigned)p[17] << 16 | (unsigned)p[18] << 8 | p[19];
    *h = (unsigned)p[20] << 24 | (unsigned)p[21] << 16 | (unsigned)p[22] << 8 | p[23];
}

static void test_rsvg_draws_it(void **state)
{
    (void)state;
    dusk_graph *g = lecture_dsk();
    dusk_viz_recorder *rec = run_recorded(g, "z");
    dusk_viz_options o = DUSK_VIZ_OPTIONS_INIT;
    o.layout = DUSK_VIZ_LAYOUT_LAYERED;
    o.events = dusk_viz_recorder_events(rec, &o.nevents);
    o.color = DUSK_VIZ_COLOR_DURATION;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_visualize(g, scratch("drawn.svg"), &o, &err), 0);
    char *svg = slurp(scratch("drawn.svg"), NULL);
    assert_non_null(svg);
    assert_non_null(strstr(svg, "<!-- Generated by dusk"));
    int wpt = 0, hpt = 0;
    const char *p = strstr(svg, "<svg width=\"");
    assert_non_null(p);
    assert_int_equal(sscanf(p, "<svg width=\"%dpt\" height=\"%dpt\"", &wpt, &hpt), 2);
    free(svg);
    char cmd[900];
    snprintf(cmd, sizeof cmd, "rsvg-convert -o '%s' '%s' 2>&1", scratch("drawn.png"),
             scratch("drawn.svg"));
    int status = -1;
    char *out = run_command(cmd, &status);
    assert_non_null(out);
    if (status != 0)
        fail_msg("rsvg-convert failed (%d): %s", status, out);
    free(out);
    size_t n = 0;
    unsigned char *png = slurp(scratch("drawn.png"), &n);
    assert_non_null(png);
    unsigned w, h;
    png_size(png, n, &w, &h);
    /* points at librsvg's 96 pixels an inch */
    assert_true(fabs(w - wpt * 96.0 / 72) <= 1.5);
    assert_true(fabs(h - hpt * 96.0 / 72) <= 1.5);
    free(png);
    dusk_viz_recorder_free(rec);
    dusk_graph_free(g);
}

/* --- failures --------------------------------------------------------------------------- */

static int count_files(void)
{
    DIR *d = opendir(scratch_dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (!(e->d_name[0] == '.' && (!e->d_name[1] || e->d_name[1] == '.')))
            n++;
    if (d)
        closedir(d);
    return n;
}

static void test_failures(void **state)
{
    (void)state;
    dusk_graph *g = lecture_dsk();
    dusk_viz_options o = DUSK_VIZ_OPTIONS_INIT;
    o.layout = DUSK_VIZ_LAYOUT_LAYERED;
    o.color = DUSK_VIZ_COLOR_ORDER;
    dusk_error err = DUSK_ERROR_INIT;
    int before = count_files();
    /* a path that cannot be written: a clear message, nothing left */
    assert_int_equal(dusk_visualize(g, scratch("no/such/dir.svg"), &o, &err), DUSK_EIO);
    assert_non_null(strstr(err.msg, "no/such/dir.svg"));
    assert_int_equal(count_files(), before);

    /* memory running out anywhere: DUSK_ENOMEM, no leak, no file (after
     * a render that fills the graph's caches: the order) */
    dusk_free(render(g, "svg", &o));
    long live = dusk_alloc_live();
    int ok = 0;
    for (long k = 0; k < 100000 && !ok; k++) {
        char *buf = NULL;
        size_t len = 0;
        dusk_alloc_fail_after(k);
        int rc = k % 2 ? dusk_visualize_mem(g, "svg", &o, &buf, &len, &err)
                       : dusk_visualize(g, scratch("oom.svg"), &o, &err);
        dusk_alloc_fail_after(-1);
        if (rc == 0) {
            ok = k % 2 ? 1 : 0;
            if (buf) {
                assert_non_null(strstr(buf, "<!-- Generated by dusk"));
                dusk_free(buf);
            }
            if (!(k % 2)) {
                assert_int_equal(remove(scratch("oom.svg")), 0);
            }
        } else {
            if (rc != DUSK_ENOMEM)
                fail_msg("allocation %ld failing: %s: %s", k, dusk_err_name(rc), err.msg);
            assert_null(buf);
            assert_int_equal(dusk_alloc_live(), live);
            assert_int_equal(count_files(), before);
        }
    }
    assert_true(ok);
    assert_int_equal(dusk_alloc_live(), live);
    dusk_graph_free(g);
}

/* --- the number helpers ------------------------------------------------------------------ */

static void test_numbers(void **state)
{
    (void)state;
    uint64_t r = 0x9e3779b97f4a7c15ull;
    dusk__buf b = {0};
    char want[64];
    static const double edge[] = {0, -0.0, 0.004, -0.004, 0.005, -0.005, 0.125, 1.005,
                                  127.125, 200.135, 254.135, -27.5, 1e6 + 0.015, 99.995,
                                  -99.995, 1e17, -3e16, 0.1, 2.675};
    for (int i = 0; i < 200000 + (int)(sizeof edge / sizeof edge[0]); i++) {
        double v;
        if (i < (int)(sizeof edge / sizeof edge[0])) {
            v = edge[i];
        } else {
            r ^= r << 13;
            r ^= r >> 7;
            r ^= r << 17;
            double scale = (double)(r >> 60) * 1000;     /* 0 .. 15,000 */
            v = ((double)(r >> 11) / 9007199254740992.0 - 0.5) * scale;
            if (i % 3 == 0)
                v = nearbyint(v * 1000) / 1000;          /* ties at the third place */
        }
        b.len = 0;
        dusk__buf_fixed2(&b, v);
        snprintf(want, sizeof want, "%.2f", v);
        assert_false(b.failed);
        if (strcmp(b.data, want))
            fail_msg("%.17g: \"%s\", printf \"%s\"", v, b.data, want);
        const char *end;
        double back = dusk__read_num(b.data, &end);
        assert_true(*end == '\0');
        if (back != strtod(want, NULL))
            fail_msg("read \"%s\" as %.17g, strtod %.17g", want, back, strtod(want, NULL));
    }
    /* what it does not read by hand, strtod does */
    const char *end;
    assert_true(dusk__read_num("1.5e3,", &end) == 1500 && *end == ',');
    assert_true(dusk__read_num("0.125 ", &end) == 0.125 && *end == ' ');
    assert_true(dusk__read_num("x", &end) == 0 && !strcmp(end, "x"));
    dusk__buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_same_as_graphviz_lecture, reset_alloc),
        cmocka_unit_test_teardown(test_same_as_graphviz_array, reset_alloc),
        cmocka_unit_test_teardown(test_dot_stays_graphviz, reset_alloc),
        cmocka_unit_test_teardown(test_escaping_and_xml, reset_alloc),
        cmocka_unit_test_teardown(test_rsvg_draws_it, reset_alloc),
        cmocka_unit_test_teardown(test_failures, reset_alloc),
        cmocka_unit_test_teardown(test_numbers, reset_alloc),
    };
    return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
