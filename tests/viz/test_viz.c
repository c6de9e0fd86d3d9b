/*
** dusk tests — pictures of task graphs (include/dusk/viz.h)
**
** Golden DOT files for the lecture's small graphs (tests/data/viz/, one .dot each;
** set DUSK_UPDATE_GOLDEN=1 to rewrite them after a deliberate change);
** SVG that parses as XML with one node per task and per result and the
** tooltips; PNG, PDF and JPEG signatures; every colour mode with its
** legend; the layer view and the automatic switch to it; errors for an
** unwritable path, an unknown format, an empty or invalid graph, with no
** file half-written; allocation failures; concurrent renders.
*/
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "dusk.h"
#include "dusk/array.h"
#include "dusk/viz.h"
#include "test_util.h"

/* --- helpers ------------------------------------------------------------------ */

static char tmpdir[256];

static int make_tmpdir(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/dusk-test-viz-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
    (void)state;
    DIR *d = opendir(tmpdir);
    if (d) {
        struct dirent *e;
        char p[512];
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.' && (!e->d_name[1] || e->d_name[1] == '.'))
                continue;
            snprintf(p, sizeof p, "%s/%s", tmpdir, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(tmpdir);
    return 0;
}

static const char *tpath(const char *name)
{
    static char p[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", tmpdir, name);
    return p[k];
}

/* Entries of tmpdir (not . and ..). */
static int count_files(void)
{
    DIR *d = opendir(tmpdir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (!(e->d_name[0] == '.' && (!e->d_name[1] || e->d_name[1] == '.')))
            n++;
    if (d)
        closedir(d);
    return n;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = malloc((size_t)n + 1);
    if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
        free(p);
        p = NULL;
    }
    fclose(f);
    if (p) {
        p[n] = '\0';
        if (len)
            *len = (size_t)n;
    }
    return p;
}

static void write_file(const char *path, const char *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    fclose(f);
}

/* Renders g into memory; fails the test on error. Caller dusk_frees. */
static char *render(dusk_graph *g, const char *fmt, const dusk_viz_options *o, size_t *len)
{
    char *buf = NULL;
    size_t n = 0;
    dusk_error err = DUSK_ERROR_INIT;
    int rc = dusk_visualize_mem(g, fmt, o, &buf, &n, &err);
    if (rc)
        fail_msg("visualize %s: %s: %s", fmt, dusk_err_name(rc), err.msg);
    assert_non_null(buf);
    if (fmt && (strcmp(fmt, "dot") == 0 || strcmp(fmt, "svg") == 0))
        assert_int_equal(strlen(buf), n);
    if (len)
        *len = n;
    return buf;
}

static char *render_array(dusk_array *a, const char *fmt, const dusk_viz_options *o)
{
    char *buf = NULL;
    size_t n = 0;
    dusk_error err = DUSK_ERROR_INIT;
    int rc = dusk_visualize_array_mem(a, fmt, o, &buf, &n, &err);
    if (rc)
        fail_msg("visualize array %s: %s: %s", fmt, dusk_err_name(rc), err.msg);
    return buf;
}

/* Compares text with tests/data/viz/<name>; rewrites the file instead when
 * DUSK_UPDATE_GOLDEN is set. */
static void assert_golden(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "tests/data/viz/%s", name);
    if (getenv("DUSK_UPDATE_GOLDEN")) {
        write_file(path, text, strlen(text));
        return;
    }
    char *want = read_file(path, NULL);
    if (!want)
        fail_msg("golden file %s missing (DUSK_UPDATE_GOLDEN=1 writes it)", path);
    if (strcmp(want, text) != 0) {
        fprintf(stderr, "--- %s (want)\n%s--- got\n%s", path, want, text);
        free(want);
        fail_msg("%s differs from the golden file", name);
    }
    free(want);
}

/* Nodes of DOT text whose names are prefix + a number. */
static int count_nodes(const char *dot, const char *prefix)
{
    int n = 0;
    size_t k = strlen(prefix);
    for (const char *p = dot; (p = strstr(p, prefix)); p += k) {
        if (p == dot || p[-1] != '\t')
            continue;
        const char *q = p + k;
        if (*q < '0' || *q > '9')
            continue;
        while (*q >= '0' && *q <= '9')
            q++;
        if (q[0] == '\t' && q[1] == '[')
            n++;
    }
    return n;
}

static int count_of(const char *hay, const char *needle)
{
    int n = 0;
    size_t k = strlen(needle);
    for (const char *p = strstr(hay, needle); p; p = strstr(p + k, needle))
        n++;
    return n;
}

/* Joins the lines agwrite continues with a backslash, in place, so that
 * attribute values can be searched for. */
static char *dot_join(char *dot)
{
    char *w = dot;
    for (const char *r = dot; *r; r++) {
        if (r[0] == '\\' && r[1] == '\n') {
            r++;
            continue;
        }
        *w++ = *r;
    }
    *w = '\0';
    return dot;
}

/* The attribute list of node `name` in DOT text written by agwrite
 * ("\tname\t[a=b,\n\t\tc=d];", indented once more inside a subgraph),
 * copied into buf; "" if absent. */
static const char *dot_node(const char *dot, const char *name, char *buf, size_t n)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\t%s\t[", name);
    const char *p = dot;
    buf[0] = '\0';
    while ((p = strstr(p, pat)) && p > dot && p[-1] != '\n' && p[-1] != '\t')
        p++;
    if (!p)
        return buf;
    p += strlen(pat);
    const char *e = strstr(p, "];");
    size_t m = e ? (size_t)(e - p) : strlen(p);
    if (m >= n)
        m = n - 1;
    memcpy(buf, p, m);
    buf[m] = '\0';
    return buf;
}

/* --- a small XML well-formedness check ---------------------------------------- */

static int name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-' || c == ':' || c == '.';
}

/* Checks an entity reference at s ('&'); returns its length or 0. */
static size_t entity(const char *s)
{
    const char *p = s + 1;
    if (*p == '#') {
        p++;
        int hex = *p == 'x';
        if (hex)
            p++;
        const char *d = p;
        while ((*p >= '0' && *p <= '9') ||
               (hex && ((*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F'))))
            p++;
        if (p == d || *p != ';')
            return 0;
        return (size_t)(p - s) + 1;
    }
    static const char *const named[] = {"amp;", "lt;", "gt;", "quot;", "apos;"};
    for (size_t i = 0; i < 5; i++)
        if (strncmp(p, named[i], strlen(named[i])) == 0)
            return 1 + strlen(named[i]);
    return 0;
}

/* 1 if s is well-formed XML with one root element; why says where not. */
static int xml_well_formed(const char *s, char *why, size_t n)
{
    char stack[64][64];
    int depth = 0, roots = 0;
    const char *p = s;
#define BAD(msg)                                                               \
    do {                                                                       \
        snprintf(why, n, "%s at offset %ld", msg, (long)(p - s));             \
        return 0;                                                              \
    } while (0)
    while (*p) {
        if (*p != '<') {
            if (*p == '&') {
                size_t k = entity(p);
                if (!k)
                    BAD("bad entity in text");
                p += k;
                continue;
            }
            if (depth == 0 && !(*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
                BAD("text outside the root");
            p++;
            continue;
        }
        if (strncmp(p, "<?", 2) == 0) {
            const char *e = strstr(p, "?>");
            if (!e)
                BAD("unterminated <?");
            p = e + 2;
        } else if (strncmp(p, "<!--", 4) == 0) {
            const char *e = strstr(p + 4, "-->");
            if (!e)
                BAD("unterminated comment");
            p = e + 3;
        } else if (strncmp(p, "<!DOCTYPE", 9) == 0) {
            const char *e = strchr(p, '>');
            if (!e || depth)
                BAD("bad DOCTYPE");
            p = e + 1;
        } else if (p[1] == '/') {
            p += 2;
            const char *nm = p;
            while (name_char(*p))
                p++;
            size_t len = (size_t)(p - nm);
            while (*p == ' ' || *p == '\n')
                p++;
            if (*p != '>' || depth == 0 || strlen(stack[depth - 1]) != len ||
                strncmp(stack[depth - 1], nm, len) != 0)
                BAD("mismatched end tag");
            depth--;
            p++;
        } else {
            p++;
            const char *nm = p;
            while (name_char(*p))
                p++;
            size_t len = (size_t)(p - nm);
            if (!len || len >= 64)
                BAD("bad element name");
            if (depth == 0 && roots++)
                BAD("second root element");
            for (;;) {
                while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')
                    p++;
                if (*p == '>' || (p[0] == '/' && p[1] == '>'))
                    break;
                const char *an = p;
                while (name_char(*p))
                    p++;
                if (p == an || *p != '=')
                    BAD("bad attribute");
                p++;
                char q = *p;
                if (q != '"' && q != '\'')
                    BAD("unquoted attribute");
                p++;
                while (*p && *p != q) {
                    if (*p == '<')
                        BAD("< in attribute");
                    if (*p == '&') {
                        size_t k = entity(p);
                        if (!k)
                            BAD("bad entity in attribute");
                        p += k;
                    } else {
                        p++;
                    }
                }
                if (!*p)
                    BAD("unterminated attribute");
                p++;
            }
            if (*p == '/') {
                p += 2;
            } else {
                if (depth == 64)
                    BAD("too deep");
                memcpy(stack[depth], nm, len);
                stack[depth][len] = '\0';
                depth++;
                p++;
            }
        }
    }
    if (depth)
        BAD("unclosed elements");
    if (roots != 1)
        BAD("no root element");
#undef BAD
    return 1;
}

static void assert_xml(const char *svg)
{
    char why[128];
    if (!xml_well_formed(svg, why, sizeof why))
        fail_msg("SVG is not well-formed XML: %s", why);
}

/* Task and result nodes of an SVG: <title>f...</title> and <title>k...</title>. */
static void svg_nodes(const char *svg, int *tasks, int *results, int *all)
{
    *tasks = count_of(svg, "class=\"node\">\n<title>f");
    *results = count_of(svg, "class=\"node\">\n<title>k");
    *all = count_of(svg, "class=\"node\"");
}

/* --- graphs and arrays of the lecture ----------------------------------------------- */

/* x = da.ones((15, 15), chunks=(5, 5)) */
static dusk_array *ones15(dusk_array_ctx *ctx)
{
    return dusk_ones(ctx, DUSK_SHAPE(15, 15), "(5, 5)", DUSK_DT_F8);
}

static dusk_graph *array_graph(dusk_array *a)
{
    dusk_graph *g = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    int rc = dusk_array_graph(a, &g, &err);
    if (rc)
        fail_msg("array graph: %s", err.msg);
    return g;
}

/* Runs g for key with a recorder on 2 threads; the recorder is the caller's. */
static dusk_viz_recorder *run_recorded(dusk_graph *g, const char *key)
{
    dusk_viz_recorder *rec = dusk_viz_recorder_new();
    assert_non_null(rec);
    dusk_callbacks cb = dusk_viz_recorder_callbacks(rec);
    dusk_options run = DUSK_OPTIONS_INIT;
    run.workers = 2;
    run.callbacks = &cb;
    run.ncallbacks = 1;
    dusk_value *v = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    int rc = dusk_get(g, key, &run, &v, &err);
    if (rc)
        fail_msg("run: %s", err.msg);
    dusk_value_unref(v);
    assert_int_equal(dusk_viz_recorder_lost(rec), 0);
    return rec;
}

/* --- golden DOT ---------------------------------------------------------------------- */

static void test_golden_lecture_dsk(void **state)
{
    (void)state;
    dusk_graph *g = lecture_dsk();
    char *dot = render(g, "dot", NULL, NULL);
    assert_golden("dsk.dot", dot);
    dot_join(dot);
    /* Dask's look: 3 circles (inc, inc, add), 5 boxes, rankdir BT */
    assert_int_equal(count_of(dot, "shape=circle"), 3);
    assert_int_equal(count_of(dot, "shape=box"), 5);
    assert_contains(dot, "rankdir=BT");
    assert_contains(dot, "fontname=helvetica");
    char buf[512];
    assert_contains(dot_node(dot, "f2", buf, sizeof buf), "label=inc");
    assert_contains(dot_node(dot, "f4", buf, sizeof buf), "label=add");
    assert_contains(dot_node(dot, "k4", buf, sizeof buf), "label=z");
    /* edges: input box -> task circle -> result box */
    assert_contains(dot, "k0 -> f2;");
    assert_contains(dot, "f2 -> k2;");
    assert_contains(dot, "k2 -> f4;");
    assert_contains(dot, "k3 -> f4;");
    assert_contains(dot, "f4 -> k4;");
    dusk_free(dot);
    dusk_graph_free(g);
}

static void test_golden_lecture_dsk2(void **state)
{
    (void)state;
    dusk_graph *g = lecture_dsk2();
    char *dot = render(g, "dot", NULL, NULL);
    assert_golden("dsk2.dot", dot);
    dot_join(dot);
    assert_contains(dot, "label=sum");
    assert_int_equal(count_of(dot, " -> f3;"), 3);      /* sum(['a', 'b', 'c']) */
    dusk_free(dot);
    dusk_graph_free(g);
}

static void test_golden_collapse_and_verbose(void **state)
{
    (void)state;
    dusk_graph *g = lecture_dsk();
    dusk_viz_options o = DUSK_VIZ_OPTIONS_INIT;
    o.collapse_outputs = true;
    char *dot = render(g, "dot", &o, NULL);
    assert_golden("dsk-collapse.dot", dot);
    dot_join(dot);
    assert_int_equal(count_of(dot, "shape=circle"), 3);   /* tasks only */
    assert_int_equal(count_of(dot, "shape=box"), 2);      /* a, x */
    assert_int_equal(count_nodes(dot, "f"), 0);
    dusk_free(dot);
    dusk_graph_free(g);

    /* verbose: boxes show full keys */
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_array *s = dusk_array_sum(ones15(ctx), DUSK_AXIS(0), false);
    o = (dusk_viz_options)DUSK_VIZ_OPTIONS_INIT;
    o.verbose = true;
    dot = dot_join(render_array(s, "dot", &o));
    assert_contains(dot, "label=\"('ones_like-");
    dusk_free(dot);
    dusk_array_ctx_free(ctx);
}

static void test_golden_lecture_arrays(void **state)
{
    (void)state;
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_array *x = ones15(ctx);

    /* res = x.sum(axis=0): 9 ones, 9 chunk sums, 3 aggregates */
    dusk_array *res = dusk_array_sum(x, DUSK_AXIS(0), false);
    char *dot = render_array(res, "dot", NULL);
    assert_golden("ones-sum.dot", dot);
    dot_join(dot);
    assert_int_equal(count_of(dot, "shape=circle"), (int)dusk_array_ntasks(res));
    assert_contains(dot, "label=\"(0, 1)\"");
    assert_contains(dot, "label=ones_like");
    dusk_free(dot);

    /* y = x + x.T (the lecture's transpose.svg) */
    dusk_array *y = dusk_array_add(x, dusk_array_transpose(x, NULL));
    dot = render_array(y, "dot", NULL);
    assert_golden("transpose.dot", dot);
    dot_join(dot);
    assert_contains(dot, "label=transpose");
    assert_contains(dot, "label=add");
    assert_contains(dot, "shape: (15, 15)\\ndtype: float64");
    dusk_free(dot);

    /* r = x - x.mean(axis=0), the lecture's (1000, 10000) in (500, 500)
     * blocks: its layer view */
    dusk_array *big = dusk_ones(ctx, DUSK_SHAPE(1000, 10000), "(500, 500)", DUSK_DT_F8);
    dusk_array *r = dusk_array_sub(big, dusk_array_mean(big, DUSK_AXIS(0), false));
    dusk_viz_options o = DUSK_VIZ_OPTIONS_INIT;
    o.view = DUSK_VIZ_LAYERS;
    dot = render_array(r, "dot", &o);
    assert_golden("r-layers.dot", dot);
    dot_join(dot);
    assert_int_equal(count_nodes(dot, "L"), (int)dusk_array_layers(r, NULL, 0));
    assert_contains(dot, "mean_chunk\\n40 tasks\\n(2, 10000) float64");
    assert_contains(dot, "sub\\n40 tasks\\n(1000, 10000) float64");
    dusk_free(dot);
    dusk_array_ctx_free(ctx);
}

static void test_deterministic(void **state)
{
    (void)state;
    for (int k = 0; k < 2; k++) {
        const char *fmt = k ? "svg" : "dot";
        dusk_array_ctx *c1 = dusk_array_ctx_new(), *c2 = dusk_array_ctx_new();
        dusk_array *a = dusk_array_add(ones15(c1), dusk_array_transpose(ones15(c1), NULL));
        dusk_array *b = dusk_array_add(ones15(c2), dusk_array_transpose(ones15(c2), NULL));
        char *x = render_array(a, fmt, NULL), *y = render_array(b, fmt, NULL);
        assert_string_equal(x, y);
        dusk_free(x);
        dusk_free(y);
        dusk_array_ctx_free(c1);
        dusk_array_ctx_free(c2);
    }
}

/* --- SVG ---------------------------------------------------------------------------- */

static void test_svg(void **state)
{
    (void)state;
    dusk_graph *g = lecture_dsk();
    char *svg = render(g, "svg", NULL, NULL);
    assert_xml(svg);
    int t, r, all;
    svg_nodes(svg, &t, &r, &all);
    assert_int_equal(t, 3);
    assert_int_equal(r, 5);
    assert_int_equal(all, 8);
    assert_contains(svg, "xlink:title=\"key: &#39;z&#39;&#10;function: add");
    assert_contains(svg, "key: &#39;a&#39;&#10;value: 1&#10;bytes: 8 B");
    dusk_free(svg);
    dusk_graph_free(g);

    /* an array: one circle per task, one box per result, shapes in tooltips */
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_array *x = ones15(ctx);
    dusk_array *y = dusk_array_add(x, dusk_array_transpose(x, NULL));
    g = array_graph(y);
    svg = render(g, "svg", NULL, NULL);
    assert_xml(svg);
    svg_nodes(svg, &t, &r, &all);
    assert_int_equal(t, (int)dusk_graph_size(g));
    assert_int_equal(r, (int)dusk_graph_size(g));
    assert_int_equal(all, 2 * (int)dusk_graph_size(g));
    dusk_free(svg);
    svg = render_array(y, "svg", NULL);
    assert_xml(svg);
    assert_contains(svg, "shape: (15, 15)&#10;dtype: float64");
    dusk_free(svg);

    /* collapse_outputs: one node per task */
    dusk_viz_options o = DUSK_VIZ_OPTIONS_INIT;
    o.collapse_outputs = true;
    svg = render(g, "svg", &o, NULL);
    assert_xml(svg);
    svg_nodes(svg, &t, &r, &all);
    assert_int_equal(t, 0);
    assert_int_equal(r, (int)dusk_graph_size(g));
    dusk_free(svg);
    dusk_graph_free(g);
    dusk_array_ctx_free(ctx);
}

/* --- binary formats ------------------------------------------------------------------- */

static void assert_png(const char *p, size_t n)
{
    assert_true(n > 500 && n < 10 * 1024 * 1024);
    assert_memory_equal(p, "\x89PNG\r\n\x1a\n", 8);
    assert_memory_equal(p + 12, "IHDR", 4);
    const unsigned char *u = (const unsigned char *)p;
    uint32_t w = (uint32_t)u[16] << 24 | (uint32_t)u[17] << 16 | (uint32_t)u[18] << 8 | u[19];
    uint32_t h = (uint32_t)u[20] << 24 | (uint32_t)u[21] << 16 | (uint32_t)u[22] << 8 | u[23];
    assert_true(w > 50 && w < 20000);
    assert_true(h > 50 && h < 20000);
    assert_memory_equal(p + n - 8, "IEND", 4);
}

static void assert_pdf(const char *p, size_t n)
{
    assert_true(n > 500 && n < 10 * 1024 * 1024);
    assert_memory_equal(p, "%PDF-", 5);
    char tail[64];
    size_t k = n < 63 ? n : 63;
    memcpy(tail, p + n - k, k);
    tail[k] = '\0';
    assert_non_null(strstr(tail, "%%EOF"));
}

static void assert_jpeg(const char *p, size_t n)
{
    assert_true(n > 500 && n < 10 * 1024 * 1024);
    assert_memory_equal(p, "\xff\xd8\xff", 3);
    assert_memory_equal(p + n - 2, "\xff\xd9", 2);
}

static void test_binary_formats(void **state)
{
    (void)state;
    dusk_graph *g = lecture_dsk();
    dusk_error err = DUSK_ERROR_INIT;
    static const char *const names[] = {"g.png", "g.pdf", "g.jpg", "g.jpeg", "G.PNG", "noext"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *path = tpath(names[i]);
        int rc = dusk_visualize(g, path, NULL, &err);
        if (rc)
            fail_msg("%s: %s", names[i], err.msg);
        size_t n;
        char *data = read_file(path, &n);
        assert_non_null(data);
        if (strstr(names[i], "pdf"))
            assert_pdf(data, n);
        else if (strstr(names[i], "jp"))
            assert_jpeg(data, n);
        else
            assert_png(data, n);      /* no extension: png, Dask's default */
        free(data);
    }
    /* the format option wins over the extension */
    dusk_viz_options o = DUSK_VIZ_OPTIONS_INIT;
    o.format = "pdf";
    assert_int_equal(dusk_visualize(g, tpath("really-a-pdf.png"), &o, &err), 0);
    size_t n;
    char *data = read_file(tpath("really-a-pdf.png"), &n);
    assert_pdf(data, n);
    free(data);
    /* and into memory */
    char *p = render(g, "png", NULL, &n);
    assert_png(p, n);
    dusk_free(p);
    p = render(g, "jpeg", NULL, &n);
    assert_jpeg(p, n);
    dusk_free(p);
    /* .svg, .dot and .gv files */
    assert_int_equal(dusk_visualize(g, tpath("g.svg"), NULL, &err), 0);
    data = read_file(tpath("g.svg"), NULL);
    assert_xml(data);
    free(data);
    assert_int_equal(dusk_visualize(g, tpath("g.gv"), NULL, &err), 0);
    data = read_file(tpath("g.gv"), NULL);
    assert_true(strncmp(data, "digraph dusk {", 14) == 0);
    free(data);
    dusk_graph_free(g);
}

/* --- colours ----------------------------------------------------------------------------- */

static void test_color_order(void **state)
{
    (void)state;
    dusk_graph *g = lecture_dsk();
    const int64_t *prio;
    assert_int_equal(dusk_graph_order(g, &prio, NULL), 0);
    dusk_viz_options o = DUSK_VIZ_OPTIONS_INIT;
    o.color = DUSK_VIZ_COLOR_ORDER;
    char *dot = render(g, "dot", &o, NULL);
    assert_golden("dsk-order.dot", dot);
    dot_join(dot);
    /* each task circle shows its priority, every node has a colour */
    char buf[512], want[32];
    for (int64_t id = 2; id < 5; id++) {
        char name[8];
        snprintf(name, sizeof name, "f%lld", (long long)id);
        snprintf(want, sizeof want, "label=%lld", (long long)prio[id]);
        assert_contains(dot_node(dot, name, buf, sizeof buf), want);
        assert_contains(buf, "color=\"#");
    }
    assert_contains(dot_node(dot, "k0", buf, sizeof buf), "color=\"#");
    /* the legend: a colour bar from 0 to the last priority */
    assert_contains(dot, "order (static priority):");
    assert_contains(dot, "style=striped");
    assert_contains(dot, "rank=same");
    assert_contains(dot_node(dot, "legend3", buf, sizeof buf), "label=4");
    dusk_free(dot);
    char *svg = render(g, "svg", &o, NULL);
    assert_xml(svg);
    dusk_free(svg);
    dusk_graph_free(g);
}

static void test_color_runtime(void **state)
{
    (void)state;
    dusk_graph *g = lecture_dsk();
    dusk_viz_recorder *rec = run_recorded(g, "z");
    dusk_viz_options o = DUSK_VIZ_OPTIONS_INIT;
    o.events = dusk_viz_recorder_events(rec, &o.nevents);
    assert_true(o.nevents >= 2 + 5 * 3);
    char buf[1024];

    o.color = DUSK_VIZ_COLOR_STATE;
    char *dot = dot_join(render(g, "dot", &o, NULL));
    assert_contains(dot_node(dot, "k4", buf, sizeof buf), "fillcolor=red");    /* z: in memory */
    assert_contains(dot_node(dot, "f4", buf, sizeof buf), "fillcolor=red");
    assert_contains(dot_node(dot, "k2", buf, sizeof buf), "fillcolor=blue");   /* b: released */
    assert_contains(buf, "state: released");
    assert_contains(dot, "label=\"in memory\"");
    assert_contains(dot, "label=released");
    assert_contains(dot, "state:");
    dusk_free(dot);

    o.color = DUSK_VIZ_COLOR_WORKER;
    dot = dot_join(render(g, "dot", &o, NULL));
    assert_contains(dot_node(dot, "f4", buf, sizeof buf), "style=filled");
    assert_contains(buf, "worker: ");
    assert_contains(dot, "label=\"worker 0\"");
    dusk_free(dot);

    o.color = DUSK_VIZ_COLOR_DURATION;
    dot = dot_join(render(g, "dot", &o, NULL));
    assert_contains(dot_node(dot, "f2", buf, sizeof buf), "fillcolor=\"#");
    assert_contains(buf, "duration: ");
    assert_contains(dot, "duration:");
    assert_contains(dot, "style=striped");
    dusk_free(dot);

    o.color = DUSK_VIZ_COLOR_BYTES;
    dot = dot_join(render(g, "dot", &o, NULL));
    assert_contains(dot_node(dot, "k4", buf, sizeof buf), "fillcolor=\"#");
    assert_contains(dot, "result bytes:");
    assert_contains(dot, "label=\"8 B\"");
    dusk_free(dot);

    /* every runtime mode renders to a valid SVG, also in the layer view */
    for (int c = DUSK_VIZ_COLOR_WORKER; c < DUSK_VIZ_NCOLORS; c++) {
        o.color = (dusk_viz_color)c;
        o.view = DUSK_VIZ_TASKS;
        char *svg = render(g, "svg", &o, NULL);
        assert_xml(svg);
        dusk_free(svg);
        o.view = DUSK_VIZ_LAYERS;
        svg = render(g, "svg", &o, NULL);
        assert_xml(svg);
        assert_contains(svg, "legend0");
        dusk_free(svg);
    }

    /* a runtime mode without events, and events of another graph */
    dusk_error err = DUSK_ERROR_INIT;
    dusk_viz_options bad = DUSK_VIZ_OPTIONS_INIT;
    bad.color = DUSK_VIZ_COLOR_DURATION;
    char *p;
    size_t n;
    assert_int_equal(dusk_visualize_mem(g, "svg", &bad, &p, &n, &err), DUSK_EINVAL);
    assert_contains(err.msg, "duration");
    assert_null(p);
    dusk_graph *small = dusk_graph_new();
    dusk_graph_value(small, "a", dusk_int(1));
    assert_int_equal(dusk_visualize_mem(small, "svg", &o, &p, &n, &err), DUSK_EINVAL);
    assert_contains(err.msg, "another graph");
    dusk_graph_free(small);
    dusk_viz_recorder_free(rec);
    dusk_graph_free(g);
}

static int fail_fn(dusk_value *const *args, size_t nargs, dusk_value **out,
                   dusk_error *err, void *ud)
{
    (void)args;
    (void)nargs;
    (void)out;
    (void)ud;
    return dusk_error_set(err, DUSK_EINVAL, "no");
}

static const dusk_func failing = {"fail", fail_fn, NULL};

static void test_color_run_with_error(void **state)
{
    (void)state;
    /* a failing task: erred, and the tasks that needed it stay waiting */
    dusk_graph *g = dusk_graph_new();
    dusk_graph_value(g, "a", dusk_int(1));
    dusk_graph_value(g, "zero", dusk_int(0));
    dusk_task(g, "q", &failing, dusk_ref("a"), dusk_ref("zero"));
    dusk_task(g, "r", &dusk_inc, dusk_ref("q"));
    dusk_viz_recorder *rec = dusk_viz_recorder_new();
    dusk_callbacks cb = dusk_viz_recorder_callbacks(rec);
    dusk_options run = DUSK_OPTIONS_INIT;
    run.scheduler = DUSK_SCHED_SYNC;
    run.callbacks = &cb;
    run.ncallbacks = 1;
    dusk_value *v = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_not_equal(dusk_get(g, "r", &run, &v, &err), 0);
    dusk_viz_options o = DUSK_VIZ_OPTIONS_INIT;
    o.color = DUSK_VIZ_COLOR_STATE;
    o.events = dusk_viz_recorder_events(rec, &o.nevents);
    char *dot = dot_join(render(g, "dot", &o, NULL));
    char buf[1024];
    assert_contains(dot_node(dot, "f2", buf, sizeof buf), "fillcolor=black");
    assert_contains(buf, "fontcolor=white");
    assert_contains(dot_node(dot, "f3", buf, sizeof buf), "fillcolor=gray");
    assert_contains(dot, "label=erred");
    assert_contains(dot, "label=waiting");
    dusk_free(dot);
    dusk_viz_recorder_free(rec);
    dusk_graph_free(g);
}

static void test_color_parse(void **state)
{
    (void)state;
    for (int c = 0; c < DUSK_VIZ_NCOLORS; c++) {
        dusk_viz_color got;
        assert_int_equal(dusk_viz_color_parse(dusk_viz_color_name((dusk_viz_color)c), &got), 0);
        assert_int_equal(got, c);
    }
    dusk_viz_color got;
    assert_int_equal(dusk_viz_color_parse("rainbow", &got), DUSK_EINVAL);
    assert_int_equal(dusk_viz_color_parse("ORDER", &got), 0);
    assert_int_equal(got, DUSK_VIZ_COLOR_ORDER);
}

/* --- views ----------------------------------------------------------------------------------- */

/* inc-<i> on n values, add-<i> pairing them: 3n/2 tasks in 3 groups */
static dusk_graph *inc_add_graph(int n)
{
    dusk_graph *g = dusk_graph_new();
    char k[64], a[64], b[64];
    for (int i = 0; i < n; i++) {
        snprintf(k, sizeof k, "x-%d", i);
        dusk_graph_value(g, k, dusk_int(i));
        snprintf(a, sizeof a, "inc-%d", i);
        dusk_task(g, a, &dusk_inc, dusk_ref(k));
    }
    for (int i = 0; i + 1 < n; i += 2) {
        snprintf(k, sizeof k, "add-%d", i / 2);
        snprintf(a, sizeof a, "inc-%d", i);
        snprintf(b, sizeof b, "inc-%d", i + 1);
        dusk_task(g, k, &dusk_add, dusk_ref(a), dusk_ref(b));
    }
    return g;
}

/* Runs f with stderr going into buf (n bytes). */
static int with_stderr(char *buf, size_t n, dusk_graph *g, const dusk_viz_options *o,
                       char **out)
{
    fflush(stderr);
    int saved = dup(2);
    FILE *cap = tmpfile();
    assert_non_null(cap);
    dup2(fileno(cap), 2);
    size_t len;
    dusk_error err = DUSK_ERROR_INIT;
    int rc = dusk_visualize_mem(g, "dot", o, out, &len, &err);
    if (rc == 0)
        dot_join(*out);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    rewind(cap);
    size_t got = fread(buf, 1, n - 1, cap);
    buf[got] = '\0';
    fclose(cap);
    return rc;
}

static void test_threshold(void **state)
{
    (void)state;
    dusk_graph *g = inc_add_graph(1000);        /* 2,500 keys */
    char note[1024];
    char *dot = NULL;

    /* AUTO past 1000: the layer view, and a note on stderr */
    assert_int_equal(with_stderr(note, sizeof note, g, NULL, &dot), 0);
    dot_join(dot);
    assert_contains(note, "2500 tasks");
    assert_contains(note, "layer view");
    assert_int_equal(count_nodes(dot, "L"), 3);             /* x, inc, add */
    assert_contains(dot, "label=\"inc\\n1000 tasks\"");
    assert_contains(dot, "label=\"add\\n500 tasks\"");
    assert_contains(dot, "L0 -> L1;");
    assert_contains(dot, "L1 -> L2;");
    assert_int_equal(count_of(dot, " -> "), 2);
    dusk_free(dot);

    /* quiet */
    dusk_viz_options o = DUSK_VIZ_OPTIONS_INIT;
    o.quiet = true;
    assert_int_equal(with_stderr(note, sizeof note, g, &o, &dot), 0);
    assert_string_equal(note, "");
    dusk_free(dot);

    /* a higher threshold: every task */
    o.threshold = 5000;
    assert_int_equal(with_stderr(note, sizeof note, g, &o, &dot), 0);
    assert_string_equal(note, "");
    assert_int_equal(count_of(dot, "shape=circle"), 1500);
    dusk_free(dot);

    /* forced: the full view of a big graph gets the fast-layout settings */
    o.threshold = 0;
    o.view = DUSK_VIZ_TASKS;
    assert_int_equal(with_stderr(note, sizeof note, g, &o, &dot), 0);
    assert_string_equal(note, "");
    assert_contains(dot, "nslimit=0");
    assert_contains(dot, "remincross=false");
    assert_contains(dot, "splines=line");
    dusk_free(dot);
    dusk_graph_free(g);

    /* a lower threshold switches a small graph; LAYERS forces it */
    g = lecture_dsk();
    o = (dusk_viz_options)DUSK_VIZ_OPTIONS_INIT;
    o.threshold = 3;
    o.quiet = true;
    dot = dot_join(render(g, "dot", &o, NULL));
    assert_int_equal(count_of(dot, "shape=circle"), 0);
    assert_contains(dot, "\n\tL0\t[");
    dusk_free(dot);
    o.threshold = 0;
    o.view = DUSK_VIZ_LAYERS;
    dot = dot_join(render(g, "dot", &o, NULL));
    /* a, x, b, y, z split to themselves: 5 groups */
    assert_int_equal(count_nodes(dot, "L"), 5);
    dusk_free(dot);
    dusk_graph_free(g);
}

static void test_layers_by_function(void **state)
{
    (void)state;
    /* keys n0, n1 ... split to themselves: too many groups, so the layer
     * view groups by function */
    rdag r;
    assert_int_equal(rdag_build(&r, 7, 3000), 0);
    dusk_viz_options o = DUSK_VIZ_OPTIONS_INIT;
    o.view = DUSK_VIZ_LAYERS;
    o.color = DUSK_VIZ_COLOR_ORDER;
    char *dot = dot_join(render(r.g, "dot", &o, NULL));
    int layers = count_nodes(dot, "L");
    assert_true(layers >= 3 && layers <= 12);
    assert_contains(dot, "label=\"add\\n");
    assert_contains(dot, "label=\"value\\n");
    assert_contains(dot, "order (first priority):");
    dusk_free(dot);
    char *svg = render(r.g, "svg", &o, NULL);
    assert_xml(svg);
    dusk_free(svg);
    rdag_free(&r);
}

static void test_layers_array_colours(void **state)
{
    (void)state;
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_array *x = ones15(ctx);
    dusk_array *r = dusk_array_sub(x, dusk_array_mean(x, DUSK_AXIS(0), false));
    dusk_graph *g = array_graph(r);
    /* run the very graph, so that the events' ids are its ids */
    int64_t idx[2] = {0, 0};
    char key[256];
    assert_true(dusk_array_block_key(r, idx, key, sizeof key) > 0);
    dusk_viz_recorder *rec = run_recorded(g, key);
    dusk_viz_options o = DUSK_VIZ_OPTIONS_INIT;
    o.view = DUSK_VIZ_LAYERS;
    o.events = dusk_viz_recorder_events(rec, &o.nevents);
    for (int c = 0; c < DUSK_VIZ_NCOLORS; c++) {
        o.color = (dusk_viz_color)c;
        char *dot = dot_join(render_array(r, "dot", &o));
        assert_int_equal(count_nodes(dot, "L"), (int)dusk_array_layers(r, NULL, 0));
        assert_contains(dot, "ran: ");
        if (c)
            assert_contains(dot, "legend0");
        dusk_free(dot);
    }
    dusk_viz_recorder_free(rec);
    dusk_graph_free(g);
    dusk_array_ctx_free(ctx);
}

/* --- errors ------------------------------------------------------------------------------------ */

static void test_errors(void **state)
{
    (void)state;
    dusk_graph *g = lecture_dsk();
    dusk_error err = DUSK_ERROR_INIT;
    int before = count_files();

    /* unwritable path */
    int rc = dusk_visualize(g, "/nonexistent-dir/graph.svg", NULL, &err);
    assert_int_equal(rc, DUSK_EIO);
    assert_contains(err.msg, "'/nonexistent-dir/graph.svg'");
    rc = dusk_visualize(g, tmpdir, NULL, &err);          /* a directory */
    assert_int_not_equal(rc, 0);

    /* unknown formats */
    rc = dusk_visualize(g, tpath("graph.bmp"), NULL, &err);
    assert_int_equal(rc, DUSK_EINVAL);
    assert_contains(err.msg, "'bmp'");
    dusk_viz_options o = DUSK_VIZ_OPTIONS_INIT;
    o.format = "tiff";
    rc = dusk_visualize(g, tpath("graph.svg"), &o, &err);
    assert_int_equal(rc, DUSK_EINVAL);
    assert_contains(err.msg, "'tiff'");
    char *p = (char *)1;
    size_t n = 7;
    rc = dusk_visualize_mem(g, "gif", NULL, &p, &n, &err);
    assert_int_equal(rc, DUSK_EINVAL);
    assert_null(p);
    assert_int_equal(n, 0);

    /* bad options */
    o = (dusk_viz_options)DUSK_VIZ_OPTIONS_INIT;
    o.rankdir = "UP";
    assert_int_equal(dusk_visualize_mem(g, "dot", &o, &p, &n, &err), DUSK_EINVAL);
    assert_contains(err.msg, "'UP'");
    o.rankdir = "LR";
    p = dot_join(render(g, "dot", &o, NULL));
    assert_contains(p, "rankdir=LR");
    dusk_free(p);
    o = (dusk_viz_options)DUSK_VIZ_OPTIONS_INIT;
    o.color = (dusk_viz_color)99;
    assert_int_equal(dusk_visualize_mem(g, "dot", &o, &p, &n, &err), DUSK_EINVAL);
    assert_int_equal(dusk_visualize(NULL, "x.svg", NULL, &err), DUSK_EINVAL);
    assert_int_equal(dusk_visualize_mem(g, "svg", NULL, NULL, &n, &err), DUSK_EINVAL);

    /* empty graph */
    dusk_graph *empty = dusk_graph_new();
    rc = dusk_visualize(empty, tpath("empty.svg"), NULL, &err);
    assert_int_equal(rc, DUSK_EEMPTY);
    assert_contains(err.msg, "empty");
    dusk_graph_free(empty);

    /* a graph that does not validate names the key */
    dusk_graph *bad = dusk_graph_new();
    dusk_task(bad, "b", &dusk_inc, dusk_ref("nothere"));
    rc = dusk_visualize(bad, tpath("bad.svg"), NULL, &err);
    assert_int_equal(rc, DUSK_EMISSING);
    assert_contains(err.msg, "nothere");
    dusk_graph_free(bad);

    /* nothing was left behind, not even a temporary file */
    assert_int_equal(count_files(), before);

    /* a failure leaves an existing file as it was */
    write_file(tpath("keep.svg"), "precious", 8);
    bad = dusk_graph_new();
    dusk_task(bad, "a", &dusk_inc, dusk_ref("b"));
    dusk_task(bad, "b", &dusk_inc, dusk_ref("a"));
    rc = dusk_visualize(bad, tpath("keep.svg"), NULL, &err);
    assert_int_equal(rc, DUSK_ECYCLE);
    char *kept = read_file(tpath("keep.svg"), NULL);
    assert_string_equal(kept, "precious");
    free(kept);
    /* and a success replaces it whole */
    assert_int_equal(dusk_visualize(g, tpath("keep.svg"), NULL, &err), 0);
    kept = read_file(tpath("keep.svg"), NULL);
    assert_xml(kept);
    free(kept);
    assert_int_equal(count_files(), before + 1);
    dusk_graph_free(bad);

    /* an array in an error state gives its error */
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_array *a = ones15(ctx);
    dusk_array *wrong = dusk_array_add(a, dusk_ones(ctx, DUSK_SHAPE(4, 3), "2", DUSK_DT_F8));
    rc = dusk_visualize_array(wrong, tpath("wrong.svg"), NULL, &err);
    assert_int_not_equal(rc, 0);
    assert_int_equal(rc, dusk_array_status(wrong, NULL));
    dusk_array_ctx_free(ctx);
    dusk_graph_free(g);
}

/* --- memory ---------------------------------------------------------------------------------- */

static void test_alloc_failures(void **state)
{
    (void)state;
    dusk_graph *g = lecture_dsk();
    dusk_viz_recorder *rec = run_recorded(g, "z");
    dusk_viz_options o = DUSK_VIZ_OPTIONS_INIT;
    o.events = dusk_viz_recorder_events(rec, &o.nevents);
    const char *fmts[] = {"dot", "svg"};
    for (int c = 0; c < DUSK_VIZ_NCOLORS; c++) {
        o.color = (dusk_viz_color)c;
        for (int v = 0; v < 2; v++) {
            o.view = v ? DUSK_VIZ_LAYERS : DUSK_VIZ_TASKS;
            const char *fmt = fmts[(c + v) % 2];
            char *warm = render(g, fmt, &o, NULL);       /* caches (order) */
            dusk_free(warm);
            long live = dusk_alloc_live();
            int rc = -1;
            for (long nth = 0; nth < 10000 && rc != 0; nth++) {
                char *p = NULL;
                size_t n = 0;
                dusk_error err = DUSK_ERROR_INIT;
                dusk_alloc_fail_after(nth);
                rc = dusk_visualize_mem(g, fmt, &o, &p, &n, &err);
                dusk_alloc_fail_after(-1);
                if (rc) {
                    if (rc != DUSK_ENOMEM)
                        fail_msg("allocation %ld: %s", nth, err.msg);
                    assert_null(p);
                    assert_int_equal(dusk_alloc_live(), live);
                } else {
                    dusk_free(p);
                }
            }
            assert_int_equal(rc, 0);
            assert_int_equal(dusk_alloc_live(), live);
        }
    }
    /* a file render that fails for memory leaves no file */
    int before = count_files();
    dusk_alloc_fail_after(3);
    int rc = dusk_visualize(g, tpath("oom.svg"), NULL, NULL);
    dusk_alloc_fail_after(-1);
    assert_int_equal(rc, DUSK_ENOMEM);
    assert_int_equal(count_files(), before);
    dusk_viz_recorder_free(rec);
    dusk_graph_free(g);
}

static void test_many_renders(void **state)
{
    (void)state;
    /* run under valgrind or LSan: nothing grows from one render to the next */
    dusk_graph *g = lecture_dsk2();
    dusk_viz_options o = DUSK_VIZ_OPTIONS_INIT;
    o.color = DUSK_VIZ_COLOR_ORDER;
    long live = -1;
    for (int i = 0; i < 20; i++) {
        char *p = render(g, i % 2 ? "png" : "svg", &o, NULL);
        dusk_free(p);
        if (i == 0)
            live = dusk_alloc_live();
    }
    assert_int_equal(dusk_alloc_live(), live);
    dusk_graph_free(g);
}

/* --- threads ---------------------------------------------------------------------------------- */

static void *render_thread(void *arg)
{
    int k = *(int *)arg;
    dusk_graph *g = k % 2 ? lecture_dsk() : lecture_dsk2();
    dusk_viz_options o = DUSK_VIZ_OPTIONS_INIT;
    o.color = k % 3 ? DUSK_VIZ_COLOR_ORDER : DUSK_VIZ_COLOR_NONE;
    int bad = 0;
    for (int i = 0; i < 4; i++) {
        char *p = NULL;
        size_t n;
        dusk_error err = DUSK_ERROR_INIT;
        if (dusk_visualize_mem(g, i % 2 ? "svg" : "png", &o, &p, &n, &err) != 0 || n < 100)
            bad++;
        dusk_free(p);
    }
    dusk_graph_free(g);
    return bad ? (void *)1 : NULL;
}

static void test_threads(void **state)
{
    (void)state;
    pthread_t th[4];
    int ids[4];
    for (int i = 0; i < 4; i++) {
        ids[i] = i;
        assert_int_equal(pthread_create(&th[i], NULL, render_thread, &ids[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        void *ret;
        pthread_join(th[i], &ret);
        assert_null(ret);
    }
}

static void test_recorder(void **state)
{
    (void)state;
    assert_null(dusk_viz_recorder_events(NULL, NULL));
    dusk_viz_recorder_free(NULL);
    rdag r;
    assert_int_equal(rdag_build(&r, 3, 400), 0);
    dusk_viz_recorder *rec = dusk_viz_recorder_new();
    dusk_stream *st = dusk_stream_new();
    dusk_callbacks cb = dusk_viz_recorder_callbacks(rec);
    dusk_options run = DUSK_OPTIONS_INIT;
    run.workers = 4;
    run.callbacks = &cb;
    run.ncallbacks = 1;
    run.stream = st;
    dusk_value *v = NULL;
    assert_int_equal(dusk_get(r.g, r.keys[r.n - 1], &run, &v, NULL), 0);
    dusk_value_unref(v);
    size_t n;
    const dusk_event *ev = dusk_viz_recorder_events(rec, &n);
    assert_int_equal(n, dusk_stream_appended(st));
    assert_int_equal(ev[0].kind == DUSK_EV_RUN_BEGIN || n > 0, 1);
    /* the run's plan names the events' tasks */
    const dusk_plan *plan = dusk_viz_recorder_plan(rec);
    assert_non_null(plan);
    assert_int_equal(dusk_plan_ntasks(plan), ev[0].nbytes);
    assert_string_equal(dusk_plan_key(plan, dusk_plan_requested(plan)[0]), r.keys[r.n - 1]);
    for (size_t i = 0; i < n; i++)
        if (ev[i].task >= 0)
            assert_string_equal(dusk_plan_key(plan, ev[i].task), dusk_graph_key(r.g, ev[i].task));

    /* the same events drained from the stream, added to a second recorder */
    dusk_viz_recorder *rec2 = dusk_viz_recorder_new();
    dusk_event buf[256];
    size_t k;
    while ((k = dusk_stream_drain(st, buf, 256)) > 0)
        assert_int_equal(dusk_viz_recorder_add(rec2, buf, k), 0);
    size_t n2;
    dusk_viz_recorder_events(rec2, &n2);
    assert_int_equal(n2, n);
    assert_null(dusk_viz_recorder_plan(rec2));   /* it followed no run */

    /* both draw the same picture */
    dusk_viz_options o = DUSK_VIZ_OPTIONS_INIT;
    o.color = DUSK_VIZ_COLOR_STATE;
    o.events = dusk_viz_recorder_events(rec, &o.nevents);
    char *a = render(r.g, "dot", &o, NULL);
    o.events = dusk_viz_recorder_events(rec2, &o.nevents);
    char *b = render(r.g, "dot", &o, NULL);
    assert_string_equal(a, b);
    dusk_free(a);
    dusk_free(b);

    dusk_viz_recorder_clear(rec);
    dusk_viz_recorder_events(rec, &n);
    assert_int_equal(n, 0);
    assert_null(dusk_viz_recorder_plan(rec));
    dusk_viz_recorder_free(rec);
    dusk_viz_recorder_free(rec2);
    dusk_stream_free(st);
    rdag_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_golden_lecture_dsk, reset_alloc),
        cmocka_unit_test_teardown(test_golden_lecture_dsk2, reset_alloc),
        cmocka_unit_test_teardown(test_golden_collapse_and_verbose, reset_alloc),
        cmocka_unit_test_teardown(test_golden_lecture_arrays, reset_alloc),
        cmocka_unit_test_teardown(test_deterministic, reset_alloc),
        cmocka_unit_test_teardown(test_svg, reset_alloc),
        cmocka_unit_test_teardown(test_binary_formats, reset_alloc),
        cmocka_unit_test_teardown(test_color_order, reset_alloc),
        cmocka_unit_test_teardown(test_color_runtime, reset_alloc),
        cmocka_unit_test_teardown(test_color_run_with_error, reset_alloc),
        cmocka_unit_test_teardown(test_color_parse, reset_alloc),
        cmocka_unit_test_teardown(test_threshold, reset_alloc),
        cmocka_unit_test_teardown(test_layers_by_function, reset_alloc),
        cmocka_unit_test_teardown(test_layers_array_colours, reset_alloc),
        cmocka_unit_test_teardown(test_errors, reset_alloc),
        cmocka_unit_test_teardown(test_alloc_failures, reset_alloc),
        cmocka_unit_test_teardown(test_many_renders, reset_alloc),
        cmocka_unit_test_teardown(test_threads, reset_alloc),
        cmocka_unit_test_teardown(test_recorder, reset_alloc),
    };
    return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
