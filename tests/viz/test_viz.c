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
#include <math.h>
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
#include "helpers.h"

/* --- helpers ------------------------------------------------------------------ */


/* Entries of scratch_dir (not . and ..). */
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

/* --- golden DOT ---------------------------------------------------------------------- */

static void test_golden_lecture_dsk(void **state)
{
    (void)state;
    dusk_graph *g = lecture_dsk();
    char *dot = render(g, "dot", NULL, NULL);
    assert_golden("dsk.dot", dot);
    dot_join(dot);
    /* Dask's look: 3 circles (key_split of their keys: b, y, z), 5 boxes
     * (blank: string keys), rankdir BT */
    assert_int_equal(count_of(dot, "shape=circle"), 3);
    assert_int_equal(count_of(dot, "shape=box"), 5);
    assert_contains(dot, "rankdir=BT");
    assert_contains(dot, "fontname=helvetica");
    char buf[512];
    assert_contains(dot_node(dot, "f2", buf, sizeof buf), "label=b,");
    assert_contains(dot_node(dot, "f4", buf, sizeof buf), "label=z,");
    assert_contains(dot_node(dot, "k4", buf, sizeof buf), "label=\"\",");
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
    assert_contains(dot, "label=d,");                  /* key_split('d') */
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

    /* verbose: a tuple key's box still shows its index (Dask's box_label);
     * the key is in the tooltip */
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_array *s = dusk_array_sum(ones15(ctx), DUSK_AXIS(0), false);
    o = (dusk_viz_options)DUSK_VIZ_OPTIONS_INIT;
    o.verbose = true;
    dot = dot_join(render_array(s, "dot", &o));
    assert_null(strstr(dot, "label=\"('ones_like-"));
    assert_contains(dot, "label=\"(0, 0)\"");
    assert_contains(dot, "tooltip=\"key: ('ones_like-");
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

/* dask.visualize(x.mean(axis=0), x - x.mean(axis=0)): one picture of both,
 * what they share drawn once */
static void test_arrays_together(void **state)
{
    (void)state;
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_array *x = ones15(ctx);
    dusk_array *m = dusk_array_mean(x, DUSK_AXIS(0), false);
    dusk_array *both[2] = {m, dusk_array_sub(x, m)};
    char *buf = NULL;
    size_t n = 0;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_visualize_arrays_mem(both, 2, "dot", NULL, &buf, &n, &err), 0);
    char *dot = dot_join(buf);
    int64_t together = dusk_array_ntasks_many(both, 2);
    assert_int_equal(count_of(dot, "shape=circle"), (int)together);
    /* x's blocks and the mean once: fewer than the two pictures apart */
    assert_true(together < dusk_array_ntasks(both[0]) + dusk_array_ntasks(both[1]));
    assert_int_equal(together, dusk_array_ntasks(both[1]));   /* r needs all of m */
    assert_contains(dot, "label=mean_chunk");
    assert_contains(dot, "label=sub");
    dusk_free(dot);
    /* one array alone: the same picture as dusk_visualize_array */
    char *one = NULL, *alone = render_array(m, "dot", NULL);
    assert_int_equal(dusk_visualize_arrays_mem(both, 1, "dot", NULL, &one, &n, &err), 0);
    assert_string_equal(one, alone);
    dusk_free(one);
    dusk_free(alone);
    /* the layer view lists each layer once */
    dusk_viz_options o = DUSK_VIZ_OPTIONS_INIT;
    o.view = DUSK_VIZ_LAYERS;
    assert_int_equal(dusk_visualize_arrays_mem(both, 2, "dot", &o, &buf, &n, &err), 0);
    dot = dot_join(buf);
    assert_int_equal(count_nodes(dot, "L"), (int)dusk_array_layers_many(both, 2, NULL, 0));
    assert_int_equal(count_nodes(dot, "L"), (int)dusk_array_layers(both[1], NULL, 0));
    dusk_free(dot);

    /* errors name what is wrong, and write nothing */
    const char *path = scratch("together.svg");
    assert_int_equal(dusk_visualize_arrays(both, 0, path, NULL, &err), DUSK_EINVAL);
    assert_contains(err.msg, "no arrays");
    dusk_array_ctx *other = dusk_array_ctx_new();
    dusk_array *mixed[2] = {m, ones15(other)};
    assert_int_equal(dusk_visualize_arrays(mixed, 2, path, NULL, &err), DUSK_EINVAL);
    assert_contains(err.msg, "array 1");
    assert_contains(err.msg, "another context");
    mixed[1] = dusk_array_add(x, dusk_ones(ctx, DUSK_SHAPE(4, 3), "2", DUSK_DT_F8));
    int rc = dusk_visualize_arrays(mixed, 2, path, &o, &err);
    assert_int_equal(rc, dusk_array_status(mixed[1], NULL));
    assert_int_not_equal(rc, 0);
    mixed[1] = NULL;
    assert_int_equal(dusk_visualize_arrays(mixed, 2, path, NULL, &err), DUSK_EINVAL);
    assert_contains(err.msg, "array 1 is NULL");
    assert_false(file_exists(path));
    dusk_array_ctx_free(other);
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
        const char *path = scratch(names[i]);
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
    assert_int_equal(dusk_visualize(g, scratch("really-a-pdf.png"), &o, &err), 0);
    size_t n;
    char *data = read_file(scratch("really-a-pdf.png"), &n);
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
    assert_int_equal(dusk_visualize(g, scratch("g.svg"), NULL, &err), 0);
    data = read_file(scratch("g.svg"), NULL);
    assert_xml(data);
    free(data);
    assert_int_equal(dusk_visualize(g, scratch("g.gv"), NULL, &err), 0);
    data = read_file(scratch("g.gv"), NULL);
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

static const dusk_func failing = {"fail", fail_task, NULL};

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
    /* the options of this API, not a command the caller may not have */
    assert_contains(note, "DUSK_VIZ_TASKS");
    assert_null(strstr(note, "dusk render"));
    assert_null(strstr(note, "--view"));
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

    /* forced: the full view of a big graph (4,000 nodes) is laid out by
     * dusk (pinned positions, straight edges) ... */
    o.threshold = 0;
    o.view = DUSK_VIZ_TASKS;
    assert_int_equal(with_stderr(note, sizeof note, g, &o, &dot), 0);
    assert_string_equal(note, "");
    assert_int_equal(count_of(dot, "pos=\"") - count_of(dot, "pos=\"e,"), 4000);
    assert_int_equal(count_of(dot, "pos=\"e,"), 3500);        /* and every edge */
    assert_contains(dot, "splines=line");
    assert_null(strstr(dot, "nslimit"));
    dusk_free(dot);
    /* ... or, asked for dot, gets dot's fast-layout settings */
    o.layout = DUSK_VIZ_LAYOUT_DOT;
    assert_int_equal(with_stderr(note, sizeof note, g, &o, &dot), 0);
    assert_string_equal(note, "");
    assert_contains(dot, "nslimit=0");
    assert_contains(dot, "remincross=false");
    assert_contains(dot, "splines=line");
    assert_null(strstr(dot, "pos="));
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
    assert_contains(dot, "order (median priority):");
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

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The layer view coloured by order: each layer by the median priority of
 * its tasks, which the legend and the node say. Here 'post' starts as
 * early as 'load' (post-0 reads load-0 alone) but the rest of it waits for
 * 'total': by first priority the two looked alike (1 and 0 of 900, both
 * the darkest blue); by median they are apart. */
static void test_layers_order_median(void **state)
{
    (void)state;
    enum { N = 300 };
    dusk_graph *g = dusk_graph_new();
    dusk_arg *procs[N];
    char k[64], a[64];
    for (int i = 0; i < N; i++) {
        snprintf(k, sizeof k, "load-%d", i);
        dusk_graph_value(g, k, dusk_int(i));
        snprintf(a, sizeof a, "proc-%d", i);
        dusk_task(g, a, &dusk_inc, dusk_ref(k));
        procs[i] = dusk_ref(a);
    }
    dusk_task(g, "total-0", &dusk_sum, dusk_listv(N, procs));
    dusk_task(g, "post-0", &dusk_inc, dusk_ref("load-0"));
    for (int i = 1; i < N; i++) {
        snprintf(k, sizeof k, "load-%d", i);
        snprintf(a, sizeof a, "post-%d", i);
        dusk_task(g, a, &dusk_add, dusk_ref("total-0"), dusk_ref(k));
    }
    const int64_t *prio;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_graph_order(g, &prio, &err), 0);
    const char *groups[] = {"load", "proc", "total", "post"};
    size_t n = dusk_graph_size(g);
    int64_t *p = malloc(n * sizeof *p);
    assert_non_null(p);
    dusk_viz_options o = DUSK_VIZ_OPTIONS_INIT;
    o.view = DUSK_VIZ_LAYERS;
    o.color = DUSK_VIZ_COLOR_ORDER;
    char *dot = dot_join(render(g, "dot", &o, NULL));
    assert_contains(dot, "order (median priority):");
    char fills[4][16];
    for (int layer = 0; layer < 4; layer++) {
        size_t m = 0;
        char grp[64];
        for (size_t id = 0; id < n; id++) {
            dusk_key_split(dusk_graph_key(g, (int64_t)id), grp, sizeof grp);
            if (strcmp(grp, groups[layer]) == 0)
                p[m++] = prio[id];
        }
        qsort(p, m, sizeof *p, cmp_i64);
        char want[96], node[1024], name[8];
        snprintf(want, sizeof want, "order %lld..%lld, median %lld", (long long)p[0],
                 (long long)p[m - 1], (long long)p[(m + 1) / 2 - 1]);
        for (int l = 0; l < 4; l++) {              /* the layer of that name */
            snprintf(name, sizeof name, "L%d", l);
            dot_node(dot, name, node, sizeof node);
            char lab[80];
            snprintf(lab, sizeof lab, "label=\"%s\\n", groups[layer]);
            if (strstr(node, lab))
                break;
        }
        if (!strstr(node, want))
            fail_msg("layer %s: want \"%s\" in %s", groups[layer], want, node);
        const char *f = strstr(node, "color=\"");
        assert_non_null(f);
        snprintf(fills[layer], sizeof fills[layer], "%.7s", f + 7);
    }
    /* load and post both start early, but post's bulk runs late */
    if (!strcmp(fills[0], fills[3]))
        fail_msg("load and post are both %s", fills[0]);
    dusk_free(dot);
    free(p);
    dusk_graph_free(g);
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
    assert_contains(err.msg, "visualize: cannot write /nonexistent-dir/graph.svg");
    rc = dusk_visualize(g, scratch_dir, NULL, &err);          /* a directory */
    assert_int_not_equal(rc, 0);

    /* unknown formats */
    rc = dusk_visualize(g, scratch("graph.bmp"), NULL, &err);
    assert_int_equal(rc, DUSK_EINVAL);
    assert_contains(err.msg, "'bmp'");
    dusk_viz_options o = DUSK_VIZ_OPTIONS_INIT;
    o.format = "tiff";
    rc = dusk_visualize(g, scratch("graph.svg"), &o, &err);
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
    rc = dusk_visualize(empty, scratch("empty.svg"), NULL, &err);
    assert_int_equal(rc, DUSK_EEMPTY);
    assert_contains(err.msg, "empty");
    dusk_graph_free(empty);

    /* a graph that does not validate names the key */
    dusk_graph *bad = dusk_graph_new();
    dusk_task(bad, "b", &dusk_inc, dusk_ref("nothere"));
    rc = dusk_visualize(bad, scratch("bad.svg"), NULL, &err);
    assert_int_equal(rc, DUSK_EMISSING);
    assert_contains(err.msg, "nothere");
    dusk_graph_free(bad);

    /* nothing was left behind, not even a temporary file */
    assert_int_equal(count_files(), before);

    /* a failure leaves an existing file as it was */
    write_file(scratch("keep.svg"), "precious", 8);
    bad = dusk_graph_new();
    dusk_task(bad, "a", &dusk_inc, dusk_ref("b"));
    dusk_task(bad, "b", &dusk_inc, dusk_ref("a"));
    rc = dusk_visualize(bad, scratch("keep.svg"), NULL, &err);
    assert_int_equal(rc, DUSK_ECYCLE);
    char *kept = read_file(scratch("keep.svg"), NULL);
    assert_string_equal(kept, "precious");
    free(kept);
    /* and a success replaces it whole */
    assert_int_equal(dusk_visualize(g, scratch("keep.svg"), NULL, &err), 0);
    kept = read_file(scratch("keep.svg"), NULL);
    assert_xml(kept);
    free(kept);
    assert_int_equal(count_files(), before + 1);
    dusk_graph_free(bad);

    /* an array in an error state gives its error */
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_array *a = ones15(ctx);
    dusk_array *wrong = dusk_array_add(a, dusk_ones(ctx, DUSK_SHAPE(4, 3), "2", DUSK_DT_F8));
    rc = dusk_visualize_array(wrong, scratch("wrong.svg"), NULL, &err);
    assert_int_not_equal(rc, 0);
    assert_int_equal(rc, dusk_array_status(wrong, NULL));
    dusk_array_ctx_free(ctx);
    dusk_graph_free(g);
}

/* --- memory ---------------------------------------------------------------------------------- */

/* The picture of an array's chunks: a line per chunk boundary on each face
 * drawn (at most 20 per axis), the lengths written, well-formed XML; what
 * it cannot draw refused. */
static void test_chunks_svg(void **state)
{
    (void)state;
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_error err = DUSK_ERROR_INIT;
    char *svg;
    size_t len;
    /* 2-d, 2 x 2 blocks: 3 lines each way, the outer ones thick */
    assert_int_equal(dusk_viz_chunks_svg(dusk_ones(ctx, DUSK_SHAPE(10, 10), "5", DUSK_DT_F8), 0,
                                         &svg, &len, &err), 0);
    assert_int_equal(len, strlen(svg));
    assert_xml(svg);
    assert_int_equal(count_of(svg, "<line "), 6);
    assert_int_equal(count_of(svg, "stroke-width:2"), 4);
    assert_int_equal(count_of(svg, ">10</text>"), 2);
    assert_int_equal(count_of(svg, "<polygon "), 1);
    dusk_free(svg);
    /* 3-d: three faces, each axis's boundaries on the two faces it spans */
    dusk_array *box = dusk_ones(ctx, DUSK_SHAPE(6, 9, 4), "(2, 3, 4)", DUSK_DT_I4);
    assert_int_equal(dusk_viz_chunks_svg(box, 300, &svg, NULL, &err), 0);
    assert_xml(svg);
    assert_int_equal(count_of(svg, "<polygon "), 3);
    assert_int_equal(count_of(svg, "<line "), 2 * (3 + 1) + 2 * (3 + 1) + 2 * (1 + 1));
    assert_int_equal(count_of(svg, ">6</text>") + count_of(svg, ">9</text>") +
                     count_of(svg, ">4</text>"), 3);
    dusk_free(svg);
    /* more axes: the last three drawn, the others named */
    assert_int_equal(dusk_viz_chunks_svg(dusk_ones(ctx, DUSK_SHAPE(3, 7, 6, 9, 4), "(1, 2, 2, 3, 4)",
                                                   DUSK_DT_F8), 0, &svg, NULL, &err), 0);
    assert_xml(svg);
    assert_non_null(strstr(svg, ">3 &#215; 7 of these</text>"));
    dusk_free(svg);
    /* 1,000 blocks along an axis: 20 of its lines, the edges among them */
    assert_int_equal(dusk_viz_chunks_svg(dusk_ones(ctx, DUSK_SHAPE(100000), "100", DUSK_DT_U1), 0,
                                         &svg, NULL, &err), 0);
    assert_xml(svg);
    assert_int_equal(count_of(svg, "<line "), 20 + 2);   /* and the bar's 2 long edges */
    assert_int_equal(count_of(svg, "stroke-width:2"), 4);
    assert_non_null(strstr(svg, ">100000</text>"));
    dusk_free(svg);
    /* refused: 0-d, an axis of length 0 (as Dask's), a size too large, an
     * array in error */
    assert_int_equal(dusk_viz_chunks_svg(dusk_ones(ctx, DUSK_SHAPE(0, 5), NULL, DUSK_DT_F8), 0,
                                         &svg, &len, &err), DUSK_EINVAL);
    assert_non_null(strstr(err.msg, "axis 0 has length 0"));
    svg = (char *)"stale";
    assert_int_equal(dusk_viz_chunks_svg(dusk_ones(ctx, DUSK_SHAPE0, NULL, DUSK_DT_F8), 0, &svg,
                                         &len, &err), DUSK_EINVAL);
    assert_non_null(strstr(err.msg, "0-d"));
    assert_null(svg);
    assert_int_equal(dusk_viz_chunks_svg(box, 1000000, &svg, &len, &err), DUSK_EINVAL);
    assert_non_null(strstr(err.msg, "too large"));
    dusk_array *bad = dusk_array_reshape(box, DUSK_SHAPE(5), false);
    assert_int_equal(dusk_viz_chunks_svg(bad, 0, &svg, &len, &err), dusk_array_status(bad, NULL));
    assert_int_not_equal(dusk_array_status(bad, NULL), 0);
    /* out of memory at every allocation: an error, nothing leaked */
    for (int nth = 0; nth < 8; nth++) {
        dusk_alloc_fail_after(nth);
        int rc = dusk_viz_chunks_svg(box, 0, &svg, &len, &err);
        dusk_alloc_fail_after(-1);
        if (rc == 0) {
            dusk_free(svg);
            break;
        }
        assert_int_equal(rc, DUSK_ENOMEM);
        assert_null(svg);
    }
    dusk_array_ctx_free(ctx);
}

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
    int rc = dusk_visualize(g, scratch("oom.svg"), NULL, NULL);
    dusk_alloc_fail_after(-1);
    assert_int_equal(rc, DUSK_ENOMEM);
    assert_int_equal(count_files(), before);
    dusk_viz_recorder_free(rec);
    dusk_graph_free(g);
}

static void test_many_renders(void **state)
{
    (void)state;
    /* run under valgrind or LSan: nothing grows from one render to the next,
     * laid out by dot or by dusk (Graphviz's neato -n2) */
    dusk_graph *g = lecture_dsk2();
    dusk_viz_options o = DUSK_VIZ_OPTIONS_INIT;
    o.color = DUSK_VIZ_COLOR_ORDER;
    long live = -1;
    for (int i = 0; i < 20; i++) {
        o.layout = i / 2 % 2 ? DUSK_VIZ_LAYOUT_LAYERED : DUSK_VIZ_LAYOUT_AUTO;
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
        dusk_viz_layout *l = NULL;                      /* layouts take turns too */
        if (dusk_viz_layout_graph(g, &o, &l, &err) != 0 || !dusk_viz_layout_nodes(l, &n))
            bad++;
        dusk_viz_layout_free(l);
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

/* --- layouts ------------------------------------------------------------------------------------ */

static dusk_viz_layout *layout_of(dusk_graph *g, const dusk_viz_options *o)
{
    dusk_viz_layout *l = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    int rc = dusk_viz_layout_graph(g, o, &l, &err);
    if (rc)
        fail_msg("layout: %s: %s", dusk_err_name(rc), err.msg);
    assert_non_null(l);
    return l;
}

static dusk_viz_layout *layout_of_array(dusk_array *a, const dusk_viz_options *o)
{
    dusk_viz_layout *l = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    int rc = dusk_viz_layout_array(a, o, &l, &err);
    if (rc)
        fail_msg("layout of an array: %s: %s", dusk_err_name(rc), err.msg);
    assert_non_null(l);
    return l;
}

/* The node of task id and kind, or -1; fails if there are two. */
static long node_of(const dusk_viz_node *n, size_t nn, int64_t id, dusk_viz_node_kind kind)
{
    long at = -1;
    for (size_t i = 0; i < nn; i++)
        if (n[i].task == id && n[i].kind == kind) {
            if (at >= 0)
                fail_msg("task %lld has two nodes of kind %d", (long long)id, (int)kind);
            at = (long)i;
        }
    return at;
}

/* Is there an edge from node t to node h? */
static int has_edge(const dusk_viz_edge *e, size_t ne, long t, long h)
{
    for (size_t i = 0; i < ne; i++)
        if ((long)e[i].tail == t && (long)e[i].head == h)
            return 1;
    return 0;
}

/* Every node and every control point inside the bounding box. */
static void assert_inside(const dusk_viz_layout *l)
{
    double w, h;
    dusk_viz_layout_bbox(l, &w, &h);
    assert_true(w > 0 && h > 0);
    size_t nn, ne;
    const dusk_viz_node *n = dusk_viz_layout_nodes(l, &nn);
    const dusk_viz_edge *e = dusk_viz_layout_edges(l, &ne);
    const double eps = 0.01;
    for (size_t i = 0; i < nn; i++) {
        if (n[i].x - n[i].width / 2 < -eps || n[i].x + n[i].width / 2 > w + eps ||
            n[i].y - n[i].height / 2 < -eps || n[i].y + n[i].height / 2 > h + eps)
            fail_msg("node %s (%.2f, %.2f; %.2f x %.2f) is outside 0 0 %.2f %.2f", n[i].name,
                     n[i].x, n[i].y, n[i].width, n[i].height, w, h);
        assert_true(n[i].width > 0 && n[i].height > 0);
    }
    for (size_t i = 0; i < ne; i++) {
        assert_true(e[i].tail < nn && e[i].head < nn);
        assert_true(e[i].npoints >= 4 && e[i].npoints % 3 == 1);
        /* the curve (not its control points, which may stand outside) */
        for (size_t k = 0; k + 3 < e[i].npoints; k += 3) {
            const dusk_viz_point *c = e[i].points + k;
            for (double t = 0; t <= 1; t += 0.125) {
                double u = 1 - t, b0 = u * u * u, b1 = 3 * u * u * t, b2 = 3 * u * t * t,
                       b3 = t * t * t;
                double x = b0 * c[0].x + b1 * c[1].x + b2 * c[2].x + b3 * c[3].x;
                double y = b0 * c[0].y + b1 * c[1].y + b2 * c[2].y + b3 * c[3].y;
                if (x < -1 || x > w + 1 || y < -1 || y > h + 1)
                    fail_msg("edge %zu, piece %zu at %.3f: (%.2f, %.2f) is outside", i, k / 3,
                             t, x, y);
            }
        }
        assert_true(e[i].arrow);
        assert_true(e[i].tip.x >= -eps && e[i].tip.x <= w + eps);
        assert_true(e[i].tip.y >= -eps && e[i].tip.y <= h + eps);
    }
}

/* The task view of g in l: one node per key for its value (a box, or with
 * collapse its task's circle), one circle per task, edges exactly the
 * dependencies (through the circles) and the task -> result edges. */
static void assert_task_view(dusk_graph *g, const dusk_viz_layout *l, int collapse)
{
    assert_int_equal(dusk_viz_layout_view(l), DUSK_VIZ_TASKS);
    size_t nn, ne;
    const dusk_viz_node *n = dusk_viz_layout_nodes(l, &nn);
    const dusk_viz_edge *e = dusk_viz_layout_edges(l, &ne);
    size_t size = dusk_graph_size(g), want_nodes = 0, want_edges = 0;
    for (size_t u = 0; u < size; u++) {
        int64_t id = (int64_t)u;
        const int64_t *deps;
        int64_t nd = dusk_graph_dependencies(g, id, &deps);
        int task = dusk_graph_entry_kind(g, id) == DUSK_ENTRY_TASK;
        long f = node_of(n, nn, id, DUSK_VIZ_NODE_TASK);
        long k = node_of(n, nn, id, DUSK_VIZ_NODE_RESULT);
        if (collapse) {
            const int64_t *users;
            if (!task && nd == 0 && dusk_graph_dependents(g, id, &users) == 0) {
                assert_true(f < 0 && k < 0);          /* left out, as Dask does */
                continue;
            }
            assert_true(task ? f >= 0 && k < 0 : f < 0 && k >= 0);
            want_nodes++;
        } else {
            assert_true(k >= 0);
            assert_true(task ? f >= 0 : f < 0);
            want_nodes += task ? 2 : 1;
            if (task) {
                assert_true(has_edge(e, ne, f, k));
                want_edges++;
            }
        }
        long user = task ? f : k;             /* the node that reads the inputs */
        assert_string_equal(n[user].shape == DUSK_VIZ_SHAPE_CIRCLE ? "circle" : "box",
                            task ? "circle" : "box");
        for (int64_t j = 0; j < nd; j++) {
            long dep = collapse && dusk_graph_entry_kind(g, deps[j]) == DUSK_ENTRY_TASK
                           ? node_of(n, nn, deps[j], DUSK_VIZ_NODE_TASK)
                           : node_of(n, nn, deps[j], DUSK_VIZ_NODE_RESULT);
            assert_true(dep >= 0);
            if (!has_edge(e, ne, dep, user))
                fail_msg("no edge for %s -> %s", dusk_graph_key(g, deps[j]),
                         dusk_graph_key(g, id));
            want_edges++;
        }
    }
    assert_int_equal(nn, want_nodes);
    assert_int_equal(ne, want_edges);
    for (size_t i = 0; i < nn; i++) {
        assert_true(n[i].task >= 0 && (size_t)n[i].task < size);
        assert_null(n[i].layer);
    }
}

static void test_layout_lecture(void **state)
{
    (void)state;
    dusk_graph *g = lecture_dsk();
    dusk_viz_layout *l = layout_of(g, NULL);
    size_t nn, ne;
    const dusk_viz_node *n = dusk_viz_layout_nodes(l, &nn);
    dusk_viz_layout_edges(l, &ne);
    assert_int_equal(nn, 8);                  /* 3 circles, 5 boxes */
    assert_int_equal(ne, 7);                  /* 4 dependencies, 3 task -> result */
    assert_task_view(g, l, 0);
    assert_inside(l);
    /* Graphviz's labels and shapes */
    long f = node_of(n, nn, 4, DUSK_VIZ_NODE_TASK), k = node_of(n, nn, 4, DUSK_VIZ_NODE_RESULT);
    assert_string_equal(n[f].label, "z");    /* Dask's key_split of 'z' */
    assert_string_equal(n[f].name, "f4");
    assert_int_equal(n[f].shape, DUSK_VIZ_SHAPE_CIRCLE);
    assert_string_equal(n[k].label, "");     /* a string key's box: blank */
    assert_int_equal(n[k].shape, DUSK_VIZ_SHAPE_BOX);
    assert_int_equal(n[k].fill, 0);           /* not filled */
    assert_null(n[k].fillcolor);
    assert_int_equal(n[k].pen, 0x000000ff);
    assert_true(n[k].penwidth == 1.0 && n[k].fontsize == 14.0);
    assert_int_equal(n[k].fontcolor, 0x000000ff);
    assert_true(n[f].width == n[f].height);  /* a circle */
    dusk_viz_layout_free(l);

    /* collapse_outputs: one circle per task, edges exactly the dependencies */
    dusk_viz_options o = DUSK_VIZ_OPTIONS_INIT;
    o.collapse_outputs = true;
    l = layout_of(g, &o);
    dusk_viz_layout_nodes(l, &nn);
    dusk_viz_layout_edges(l, &ne);
    assert_int_equal(nn, 5);
    assert_int_equal(ne, 4);
    assert_task_view(g, l, 1);
    assert_inside(l);
    dusk_viz_layout_free(l);
    dusk_graph_free(g);

    /* dsk2: sum(['a', 'b', 'c']) reads three keys */
    g = lecture_dsk2();
    l = layout_of(g, NULL);
    assert_task_view(g, l, 0);
    assert_inside(l);
    dusk_viz_layout_free(l);
    dusk_graph_free(g);

    /* the lecture's arrays: x.sum(axis=0) and x + x.T */
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_array *x = ones15(ctx);
    dusk_array *arrs[2] = {dusk_array_sum(x, DUSK_AXIS(0), false),
                           dusk_array_add(x, dusk_array_transpose(x, NULL))};
    for (int i = 0; i < 2; i++) {
        l = layout_of_array(arrs[i], NULL);
        g = array_graph(arrs[i]);              /* the same ids */
        assert_task_view(g, l, 0);
        assert_inside(l);
        n = dusk_viz_layout_nodes(l, &nn);
        assert_string_equal(n[node_of(n, nn, 0, DUSK_VIZ_NODE_RESULT)].label, "(0, 0)");
        dusk_graph_free(g);
        dusk_viz_layout_free(l);
    }
    dusk_array_ctx_free(ctx);
}

static void test_layout_rankdir(void **state)
{
    (void)state;
    dusk_graph *g = lecture_dsk();
    const char *dirs[] = {NULL, "BT", "TB", "LR", "RL"};
    for (size_t d = 0; d < sizeof dirs / sizeof dirs[0]; d++) {
        dusk_viz_options o = DUSK_VIZ_OPTIONS_INIT;
        o.rankdir = dirs[d];
        dusk_viz_layout *l = layout_of(g, &o);
        assert_inside(l);
        size_t nn, ne;
        const dusk_viz_node *n = dusk_viz_layout_nodes(l, &nn);
        const dusk_viz_edge *e = dusk_viz_layout_edges(l, &ne);
        const char *dir = dirs[d] ? dirs[d] : "BT";
        /* every edge goes from an input to its user: BT puts the input
         * below (greater y, screen-down), TB above, LR left, RL right */
        for (size_t i = 0; i < ne; i++) {
            const dusk_viz_node *t = &n[e[i].tail], *h = &n[e[i].head];
            double dy = t->y - h->y, dx = t->x - h->x;
            int ok = !strcmp(dir, "BT") ? dy > 0 : !strcmp(dir, "TB") ? dy < 0
                   : !strcmp(dir, "LR") ? dx < 0 : dx > 0;
            if (!ok)
                fail_msg("rankdir %s: %s (%.1f, %.1f) -> %s (%.1f, %.1f)", dir, t->name, t->x,
                         t->y, h->name, h->x, h->y);
            /* the arrowhead points at the user: its tip is nearer to it than
             * the spline's last point */
            dusk_viz_point last = e[i].points[e[i].npoints - 1];
            double d_tip = hypot(e[i].tip.x - h->x, e[i].tip.y - h->y);
            double d_end = hypot(last.x - h->x, last.y - h->y);
            assert_true(d_tip < d_end);
        }
        /* 'a' (id 0) is below 'z' (id 4) in the default picture */
        long a = node_of(n, nn, 0, DUSK_VIZ_NODE_RESULT), z = node_of(n, nn, 4, DUSK_VIZ_NODE_RESULT);
        if (!strcmp(dir, "BT"))
            assert_true(n[a].y > n[z].y);
        dusk_viz_layout_free(l);
    }
    dusk_graph_free(g);
}

/* The colour legend reads left to right in every rankdir, laid out by dot
 * or by dusk, in the task view and the layer view: its title, the bar's
 * two ends and the bar (or the swatches) share one line, each right of
 * the one before, and no legend node overlaps the graph's. */
static void test_legend_every_rankdir(void **state)
{
    (void)state;
    dusk_graph *g = lecture_dsk();
    const char *dirs[] = {"BT", "TB", "LR", "RL"};
    for (size_t d = 0; d < 4; d++)
        for (int lay = 0; lay < 2; lay++)
            for (int layers = 0; layers < 2; layers++) {
                dusk_viz_options o = DUSK_VIZ_OPTIONS_INIT;
                o.rankdir = dirs[d];
                o.color = DUSK_VIZ_COLOR_ORDER;
                o.layout = lay ? DUSK_VIZ_LAYOUT_LAYERED : DUSK_VIZ_LAYOUT_DOT;
                o.view = layers ? DUSK_VIZ_LAYERS : DUSK_VIZ_TASKS;
                dusk_viz_layout *l = layout_of(g, &o);
                size_t nn;
                const dusk_viz_node *n = dusk_viz_layout_nodes(l, &nn);
                const dusk_viz_node *prev = NULL;
                int legend = 0;
                for (size_t i = 0; i < nn; i++) {
                    if (n[i].kind != DUSK_VIZ_NODE_LEGEND)
                        continue;
                    legend++;
                    if (prev && (fabs(n[i].y - prev->y) > 1 ||
                                 n[i].x - n[i].width / 2 < prev->x + prev->width / 2))
                        fail_msg("rankdir %s, %s, %s view: legend '%s' at (%.1f, %.1f) is not "
                                 "right of '%s' at (%.1f, %.1f)",
                                 dirs[d], lay ? "layered" : "dot", layers ? "layer" : "task",
                                 n[i].label, n[i].x, n[i].y, prev->label, prev->x, prev->y);
                    for (size_t j = 0; j < nn; j++)
                        if (n[j].kind != DUSK_VIZ_NODE_LEGEND &&
                            fabs(n[j].x - n[i].x) < (n[j].width + n[i].width) / 2 &&
                            fabs(n[j].y - n[i].y) < (n[j].height + n[i].height) / 2)
                            fail_msg("rankdir %s: legend '%s' overlaps '%s'", dirs[d],
                                     n[i].label, n[j].label);
                    prev = &n[i];
                }
                assert_int_equal(legend, 4);        /* title, 0, bar, 4 */
                dusk_viz_layout_free(l);
            }
    dusk_graph_free(g);
}

static void test_layout_layers(void **state)
{
    (void)state;
    /* past the threshold: one node per layer, as dusk_visualize draws it */
    dusk_graph *g = inc_add_graph(1000);        /* 2,500 keys */
    dusk_viz_options o = DUSK_VIZ_OPTIONS_INIT;
    o.quiet = true;
    dusk_viz_layout *l = layout_of(g, &o);
    assert_int_equal(dusk_viz_layout_view(l), DUSK_VIZ_LAYERS);
    size_t nn, ne;
    const dusk_viz_node *n = dusk_viz_layout_nodes(l, &nn);
    const dusk_viz_edge *e = dusk_viz_layout_edges(l, &ne);
    assert_int_equal(nn, 3);
    const char *names[3] = {"x", "inc", "add"};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(n[i].kind, DUSK_VIZ_NODE_LAYER);
        assert_int_equal(n[i].task, -1);
        assert_string_equal(n[i].layer, names[i]);
        assert_int_equal(n[i].shape, DUSK_VIZ_SHAPE_BOX);
    }
    assert_string_equal(n[1].label, "inc\n1000 tasks");
    assert_true(n[1].fontsize > n[2].fontsize);   /* sized by task count */
    assert_int_equal(ne, 2);
    assert_true(has_edge(e, ne, 0, 1) && has_edge(e, ne, 1, 2));
    assert_inside(l);
    dusk_viz_layout_free(l);
    dusk_graph_free(g);

    /* an array's layers, named as dusk_array_layers names them */
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_array *big = dusk_ones(ctx, DUSK_SHAPE(1000, 10000), "(500, 500)", DUSK_DT_F8);
    dusk_array *r = dusk_array_sub(big, dusk_array_mean(big, DUSK_AXIS(0), false));
    o.view = DUSK_VIZ_LAYERS;
    l = layout_of_array(r, &o);
    assert_int_equal(dusk_viz_layout_view(l), DUSK_VIZ_LAYERS);
    n = dusk_viz_layout_nodes(l, &nn);
    size_t nl = dusk_array_layers(r, NULL, 0);
    dusk_layer_info *info = calloc(nl, sizeof *info);
    dusk_array_layers(r, info, nl);
    assert_int_equal(nn, nl);
    for (size_t i = 0; i < nl; i++)
        assert_string_equal(n[i].layer, info[i].name);
    free(info);
    assert_inside(l);
    dusk_viz_layout_free(l);
    dusk_array_ctx_free(ctx);
}

/* --- the layout is the picture: Graphviz's own xdot text, compared ------------------------------ */

/* The value of attribute name in an agwrite attribute list, unquoted, into
 * buf; 0 if absent. */
static int dot_attr(const char *list, const char *name, char *buf, size_t n)
{
    size_t k = strlen(name);
    for (const char *p = list; (p = strstr(p, name)); p += k) {
        if ((p != list && p[-1] != '\t' && p[-1] != ',' && p[-1] != ' ' && p[-1] != '[') ||
            p[k] != '=')
            continue;
        p += k + 1;
        size_t m;
        if (*p == '"') {
            p++;
            m = strcspn(p, "\"");
        } else {
            m = strcspn(p, ",];\n");
        }
        if (m >= n)
            m = n - 1;
        memcpy(buf, p, m);
        buf[m] = '\0';
        return 1;
    }
    return 0;
}

/* The attribute list of edge "t -> h" in agwrite's text, into buf. */
static const char *dot_edge(const char *dot, const char *t, const char *h, char *buf, size_t n)
{
    char pat[128];
    snprintf(pat, sizeof pat, "\t%s -> %s\t[", t, h);
    const char *p = strstr(dot, pat);
    buf[0] = '\0';
    if (!p)
        return buf;
    p += strlen(pat);
    const char *end = strstr(p, "];");
    size_t m = end ? (size_t)(end - p) : strlen(p);
    if (m >= n)
        m = n - 1;
    memcpy(buf, p, m);
    buf[m] = '\0';
    return buf;
}

/* The colour of the first xdot op `op` ('C' fill, 'c' pen) in ops, as
 * 0xRRGGBBAA; 0 if there is none. */
static uint32_t xdot_color(const char *ops, char op)
{
    for (const char *p = ops; *p; p++) {
        if (*p != op || (p != ops && p[-1] != ' ') || p[1] != ' ')
            continue;
        int len = 0;
        const char *q = p + 2;
        if (sscanf(q, "%d -", &len) != 1)
            continue;
        q = strchr(q, '-') + 1;
        unsigned v = 0;
        if (len == 7 && sscanf(q, "#%6x", &v) == 1)
            return v << 8 | 0xffu;
        if (len == 9 && sscanf(q, "#%8x", &v) == 1)
            return v;
        fail_msg("xdot colour of %d characters: %.20s", len, q);
    }
    return 0;
}

/* Graphviz's text has five significant digits (%.5g), here of a value and
 * of the box it was translated by: near enough within a unit of the fifth
 * digit of each. */
static double text_box;

static void assert_near(double got, double want, const char *what, const char *name)
{
    if (fabs(got - want) > 1e-3 + 1e-4 * (fabs(want) + text_box))
        fail_msg("%s of %s: layout %.4f, Graphviz's text %.4f", what, name, got, want);
}

/* Every number of l against xdot, Graphviz's text of the same picture. */
static void assert_same_picture(const dusk_viz_layout *l, char *xdot)
{
    dot_join(xdot);
    char buf[8192], v[4096];
    double llx, lly, urx, ury, w, h;
    const char *bb = strstr(xdot, "bb=\"");
    assert_non_null(bb);
    assert_int_equal(sscanf(bb, "bb=\"%lf,%lf,%lf,%lf\"", &llx, &lly, &urx, &ury), 4);
    text_box = fabs(urx) + fabs(ury);
    dusk_viz_layout_bbox(l, &w, &h);
    assert_near(w, urx - llx, "width", "the graph");
    assert_near(h, ury - lly, "height", "the graph");
    size_t nn, ne;
    const dusk_viz_node *n = dusk_viz_layout_nodes(l, &nn);
    const dusk_viz_edge *e = dusk_viz_layout_edges(l, &ne);
    for (size_t i = 0; i < nn; i++) {
        const char *list = dot_node(xdot, n[i].name, buf, sizeof buf);
        double px, py;
        assert_true(dot_attr(list, "pos", v, sizeof v));
        assert_int_equal(sscanf(v, "%lf,%lf", &px, &py), 2);
        assert_near(n[i].x, px - llx, "x", n[i].name);
        assert_near(n[i].y, ury - py, "y", n[i].name);
        assert_true(dot_attr(list, "width", v, sizeof v));
        assert_near(n[i].width, 72 * atof(v), "width", n[i].name);
        assert_true(dot_attr(list, "height", v, sizeof v));
        assert_near(n[i].height, 72 * atof(v), "height", n[i].name);
        if (!dot_attr(list, "_draw_", v, sizeof v))
            v[0] = '\0';                           /* plaintext: nothing drawn */
        if (n[i].fill)
            assert_int_equal(n[i].fill, xdot_color(v, 'C'));
        else
            assert_int_equal(xdot_color(v, 'C'), 0);
        if (n[i].shape != DUSK_VIZ_SHAPE_PLAINTEXT)
            assert_int_equal(n[i].pen, xdot_color(v, 'c'));
    }
    for (size_t i = 0; i < ne; i++) {
        const char *t = n[e[i].tail].name, *hd = n[e[i].head].name;
        const char *list = dot_edge(xdot, t, hd, buf, sizeof buf);
        assert_true(dot_attr(list, "pos", v, sizeof v));
        /* "e,x,y x1,y1 x2,y2 ..." */
        const char *p = v;
        double x, y;
        int used;
        assert_int_equal(sscanf(p, "e,%lf,%lf%n", &x, &y, &used), 2);
        assert_true(e[i].arrow);
        assert_near(e[i].tip.x, x - llx, "arrow x", t);
        assert_near(e[i].tip.y, ury - y, "arrow y", t);
        p += used;
        size_t k = 0;
        while (sscanf(p, " %lf,%lf%n", &x, &y, &used) == 2) {
            assert_true(k < e[i].npoints);
            assert_near(e[i].points[k].x, x - llx, "spline x", t);
            assert_near(e[i].points[k].y, ury - y, "spline y", t);
            k++;
            p += used;
        }
        assert_int_equal(k, e[i].npoints);
    }
    /* and nothing more: as many visible edges in the text */
    assert_int_equal(count_of(xdot, " -> ") - count_of(xdot, "style=invis"), (int)ne);
}

/* Lays g (or a) out and renders it to xdot with the same options; the two agree. */
static void check_same(dusk_graph *g, dusk_array *a, const dusk_viz_options *o)
{
    dusk_viz_layout *l = g ? layout_of(g, o) : layout_of_array(a, o);
    char *xdot = g ? render(g, "xdot", o, NULL) : render_array(a, "xdot", o);
    assert_same_picture(l, xdot);
    assert_inside(l);
    dusk_free(xdot);
    dusk_viz_layout_free(l);
}

static void test_layout_same_picture(void **state)
{
    (void)state;
    dusk_graph *g = lecture_dsk();
    dusk_viz_options o = DUSK_VIZ_OPTIONS_INIT;
    check_same(g, NULL, &o);
    o.collapse_outputs = true;
    o.rankdir = "LR";
    check_same(g, NULL, &o);
    /* colours: the outline (order) and, after a run, the fill (state, with
     * Graphviz's named colours; duration, with a striped colour bar) */
    o = (dusk_viz_options)DUSK_VIZ_OPTIONS_INIT;
    o.color = DUSK_VIZ_COLOR_ORDER;
    check_same(g, NULL, &o);
    dusk_viz_recorder *rec = run_recorded(g, "z");
    o.events = dusk_viz_recorder_events(rec, &o.nevents);
    for (int c = DUSK_VIZ_COLOR_WORKER; c < DUSK_VIZ_NCOLORS; c++) {
        o.color = (dusk_viz_color)c;
        check_same(g, NULL, &o);
    }
    o.color = DUSK_VIZ_COLOR_STATE;
    dusk_viz_layout *l = layout_of(g, &o);
    size_t nn;
    const dusk_viz_node *n = dusk_viz_layout_nodes(l, &nn);
    long z = node_of(n, nn, 4, DUSK_VIZ_NODE_RESULT);
    assert_string_equal(n[z].fillcolor, "red");          /* in memory */
    assert_int_equal(n[z].fill, 0xff0000ff);
    assert_int_equal(n[z].fontcolor, 0xffffffff);        /* white reads on red */
    int legend = 0;
    for (size_t i = 0; i < nn; i++)
        legend += n[i].kind == DUSK_VIZ_NODE_LEGEND && n[i].task == -1;
    assert_true(legend >= 2);                            /* title, swatches */
    dusk_viz_layout_free(l);
    dusk_viz_recorder_free(rec);

    /* the fast-layout settings of a big task view (straight edges) */
    o = (dusk_viz_options)DUSK_VIZ_OPTIONS_INIT;
    o.view = DUSK_VIZ_TASKS;
    o.threshold = 3;
    check_same(g, NULL, &o);
    o = (dusk_viz_options)DUSK_VIZ_OPTIONS_INIT;
    o.view = DUSK_VIZ_LAYERS;
    o.rankdir = "TB";
    check_same(g, NULL, &o);
    dusk_graph_free(g);

    /* arrays: the task view, and the layer view from layers alone */
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_array *x = ones15(ctx);
    dusk_array *r = dusk_array_sub(x, dusk_array_mean(x, DUSK_AXIS(0), false));
    o = (dusk_viz_options)DUSK_VIZ_OPTIONS_INIT;
    check_same(NULL, r, &o);
    o.view = DUSK_VIZ_LAYERS;
    check_same(NULL, r, &o);
    dusk_array_ctx_free(ctx);
}

static void test_layout_errors(void **state)
{
    (void)state;
    dusk_graph *g = lecture_dsk();
    dusk_error err = DUSK_ERROR_INIT;
    dusk_viz_layout *l = (dusk_viz_layout *)1;
    assert_int_equal(dusk_viz_layout_graph(NULL, NULL, &l, &err), DUSK_EINVAL);
    assert_null(l);
    assert_int_equal(dusk_viz_layout_graph(g, NULL, NULL, &err), DUSK_EINVAL);
    l = (dusk_viz_layout *)1;
    assert_int_equal(dusk_viz_layout_array(NULL, NULL, &l, &err), DUSK_EINVAL);
    assert_null(l);
    assert_int_equal(dusk_viz_layout_array(NULL, NULL, NULL, NULL), DUSK_EINVAL);
    /* bad options, as for dusk_visualize */
    dusk_viz_options o = DUSK_VIZ_OPTIONS_INIT;
    o.rankdir = "UP";
    assert_int_equal(dusk_viz_layout_graph(g, &o, &l, &err), DUSK_EINVAL);
    assert_contains(err.msg, "'UP'");
    assert_null(l);
    o = (dusk_viz_options)DUSK_VIZ_OPTIONS_INIT;
    o.color = DUSK_VIZ_COLOR_DURATION;                  /* no events */
    assert_int_equal(dusk_viz_layout_graph(g, &o, &l, &err), DUSK_EINVAL);
    /* o.format is not used */
    o = (dusk_viz_options)DUSK_VIZ_OPTIONS_INIT;
    o.format = "bmp";
    assert_int_equal(dusk_viz_layout_graph(g, &o, &l, &err), 0);
    dusk_viz_layout_free(l);
    /* empty and invalid graphs */
    dusk_graph *empty = dusk_graph_new();
    assert_int_equal(dusk_viz_layout_graph(empty, NULL, &l, &err), DUSK_EEMPTY);
    assert_null(l);
    dusk_graph_free(empty);
    dusk_graph *bad = dusk_graph_new();
    dusk_task(bad, "b", &dusk_inc, dusk_ref("nothere"));
    assert_int_equal(dusk_viz_layout_graph(bad, NULL, &l, &err), DUSK_EMISSING);
    assert_contains(err.msg, "nothere");
    assert_null(l);
    dusk_graph_free(bad);
    /* readers and free with NULL */
    size_t n = 7;
    double w = 1, h = 1;
    assert_null(dusk_viz_layout_nodes(NULL, &n));
    assert_int_equal(n, 0);
    n = 7;
    assert_null(dusk_viz_layout_edges(NULL, &n));
    assert_int_equal(n, 0);
    dusk_viz_layout_bbox(NULL, &w, &h);
    assert_true(w == 0 && h == 0);
    assert_int_equal(dusk_viz_layout_view(NULL), DUSK_VIZ_AUTO);
    dusk_viz_layout_free(NULL);
    /* an array in an error state gives its error */
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_array *wrong = dusk_array_add(ones15(ctx), dusk_ones(ctx, DUSK_SHAPE(4, 3), "2",
                                                              DUSK_DT_F8));
    assert_int_equal(dusk_viz_layout_array(wrong, NULL, &l, &err),
                     dusk_array_status(wrong, NULL));
    assert_null(l);
    dusk_array_ctx_free(ctx);
    dusk_graph_free(g);
}

static void test_layout_alloc_failures(void **state)
{
    (void)state;
    dusk_graph *g = lecture_dsk();
    dusk_viz_recorder *rec = run_recorded(g, "z");
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_array *a = dusk_array_sum(ones15(ctx), DUSK_AXIS(0), false);
    for (int k = 0; k < 5; k++) {
        dusk_viz_options o = DUSK_VIZ_OPTIONS_INIT;
        o.view = k == 1 || k == 4 ? DUSK_VIZ_LAYERS : DUSK_VIZ_TASKS;
        o.color = k == 2 ? DUSK_VIZ_COLOR_ORDER : k == 3 ? DUSK_VIZ_COLOR_STATE : 0;
        if (k == 3)
            o.events = dusk_viz_recorder_events(rec, &o.nevents);
        dusk_viz_layout *warm = NULL;         /* caches (order) */
        if (k < 4)
            assert_int_equal(dusk_viz_layout_graph(g, &o, &warm, NULL), 0);
        else
            assert_int_equal(dusk_viz_layout_array(a, &o, &warm, NULL), 0);
        dusk_viz_layout_free(warm);
        long live = dusk_alloc_live();
        int rc = -1;
        long nth;
        for (nth = 0; nth < 10000 && rc != 0; nth++) {
            dusk_viz_layout *l = (dusk_viz_layout *)1;
            dusk_error err = DUSK_ERROR_INIT;
            dusk_alloc_fail_after(nth);
            rc = k < 4 ? dusk_viz_layout_graph(g, &o, &l, &err)
                       : dusk_viz_layout_array(a, &o, &l, &err);
            dusk_alloc_fail_after(-1);
            if (rc) {
                if (rc != DUSK_ENOMEM)
                    fail_msg("case %d, allocation %ld: %s", k, nth, err.msg);
                assert_null(l);
                assert_int_equal(dusk_alloc_live(), live);
            } else {
                size_t nn;
                dusk_viz_layout_nodes(l, &nn);
                assert_true(nn > 0);
                dusk_viz_layout_free(l);
            }
        }
        assert_int_equal(rc, 0);
        assert_true(nth > 5);
        assert_int_equal(dusk_alloc_live(), live);
    }
    dusk_array_ctx_free(ctx);
    dusk_viz_recorder_free(rec);
    dusk_graph_free(g);
}

/* --- the layered layout ------------------------------------------------------------------ */

static const dusk_viz_node *by_left_nodes;

static int by_left(const void *a, const void *b)
{
    const dusk_viz_node *p = &by_left_nodes[*(const size_t *)a];
    const dusk_viz_node *q = &by_left_nodes[*(const size_t *)b];
    double x = p->x - p->width / 2, y = q->x - q->width / 2;
    return x < y ? -1 : x > y;
}

/* Is (x, y) inside node n's outline, shrunk by 0.5 point (an ellipse for
 * circles, else its box)? */
static int inside_node(const dusk_viz_node *n, double x, double y)
{
    double a = n->width / 2 - 0.5, b = n->height / 2 - 0.5;
    if (n->shape == DUSK_VIZ_SHAPE_CIRCLE || n->shape == DUSK_VIZ_SHAPE_ELLIPSE) {
        double dx = (x - n->x) / a, dy = (y - n->y) / b;
        return dx * dx + dy * dy < 1;
    }
    return fabs(x - n->x) < a && fabs(y - n->y) < b;
}

/* The layered layout's promises on l, drawn with rankdir rd (NULL: BT):
 * every edge goes from a lower layer to a higher one, the two nodes at
 * least ranksep (36 points) apart, no two nodes overlap, and no edge
 * passes over a node other than its two ends. Node sizes are Graphviz's
 * own. */
static void assert_layered(const dusk_viz_layout *l, const char *rd)
{
    rd = rd ? rd : "BT";
    size_t nn, ne;
    const dusk_viz_node *n = dusk_viz_layout_nodes(l, &nn);
    const dusk_viz_edge *e = dusk_viz_layout_edges(l, &ne);
    assert_true(nn > 0);
    for (size_t i = 0; i < ne; i++) {
        const dusk_viz_node *t = &n[e[i].tail], *h = &n[e[i].head];
        double gap;
        if (strcmp(rd, "BT") == 0)          /* screen y grows downwards */
            gap = (t->y - t->height / 2) - (h->y + h->height / 2);
        else if (strcmp(rd, "TB") == 0)
            gap = (h->y - h->height / 2) - (t->y + t->height / 2);
        else if (strcmp(rd, "LR") == 0)
            gap = (h->x - h->width / 2) - (t->x + t->width / 2);
        else
            gap = (t->x - t->width / 2) - (h->x + h->width / 2);
        if (gap < 36 - 0.01)
            fail_msg("%s: edge %s -> %s: %.2f points from layer to layer, not 36", rd,
                     t->name, h->name, gap);
    }
    /* overlaps: by left edge, each node against those that start before
     * it ends */
    size_t *idx = malloc(nn * sizeof *idx);
    assert_non_null(idx);
    for (size_t i = 0; i < nn; i++)
        idx[i] = i;
    by_left_nodes = n;
    qsort(idx, nn, sizeof *idx, by_left);
    for (size_t a = 0; a < nn; a++) {
        const dusk_viz_node *p = &n[idx[a]];
        for (size_t b = a + 1; b < nn; b++) {
            const dusk_viz_node *q = &n[idx[b]];
            if (q->x - q->width / 2 >= p->x + p->width / 2 - 0.01)
                break;
            if (fabs(p->y - q->y) < (p->height + q->height) / 2 - 0.01)
                fail_msg("%s: nodes %s (%.2f, %.2f; %.2f x %.2f) and %s (%.2f, %.2f; "
                         "%.2f x %.2f) overlap", rd, p->name, p->x, p->y, p->width,
                         p->height, q->name, q->x, q->y, q->width, q->height);
        }
    }
    /* edges: sampled along each piece, against the nodes near it */
    for (size_t i = 0; i < ne; i++) {
        assert_true(e[i].npoints >= 4 && e[i].npoints % 3 == 1);
        for (size_t k = 0; k + 3 < e[i].npoints; k += 3) {
            const dusk_viz_point *c = e[i].points + k;
            for (int step = 0; step <= 16; step++) {
                double t = step / 16.0, u = 1 - t, b0 = u * u * u, b1 = 3 * u * u * t,
                       b2 = 3 * u * t * t, b3 = t * t * t;
                double x = b0 * c[0].x + b1 * c[1].x + b2 * c[2].x + b3 * c[3].x;
                double y = b0 * c[0].y + b1 * c[1].y + b2 * c[2].y + b3 * c[3].y;
                for (size_t j = 0; j < nn; j++)
                    if (j != e[i].tail && j != e[i].head && inside_node(&n[j], x, y))
                        fail_msg("%s: edge %s -> %s passes over node %s at (%.2f, %.2f)", rd,
                                 n[e[i].tail].name, n[e[i].head].name, n[j].name, x, y);
            }
        }
    }
    free(idx);
}

/* 'a' and a chain of n inc tasks: 2n + 1 nodes in the task view. */
static dusk_graph *inc_chain(int n)
{
    dusk_graph *g = dusk_graph_new();
    dusk_graph_value(g, "a", dusk_int(0));
    char k[32], prev[32] = "a";
    for (int i = 0; i < n; i++) {
        snprintf(k, sizeof k, "inc-%d", i);
        dusk_task(g, k, &dusk_inc, dusk_ref(prev));
        memcpy(prev, k, sizeof k);
    }
    return g;
}

static void test_layered_positions(void **state)
{
    (void)state;
    static const char *const dirs[] = {"BT", "TB", "LR", "RL"};
    dusk_viz_options o = DUSK_VIZ_OPTIONS_INIT;
    o.layout = DUSK_VIZ_LAYOUT_LAYERED;

    /* the lecture's graph, each way up, with and without result boxes */
    dusk_graph *g = lecture_dsk();
    for (size_t d = 0; d < 4; d++) {
        o.rankdir = dirs[d];
        for (int c = 0; c < 2; c++) {
            o.collapse_outputs = c;
            dusk_viz_layout *l = layout_of(g, &o);
            assert_task_view(g, l, c);
            assert_inside(l);
            assert_layered(l, dirs[d]);
            dusk_viz_layout_free(l);
        }
    }
    /* the legend is a row of its own: it overlaps nothing */
    o = (dusk_viz_options)DUSK_VIZ_OPTIONS_INIT;
    o.layout = DUSK_VIZ_LAYOUT_LAYERED;
    o.color = DUSK_VIZ_COLOR_ORDER;
    dusk_viz_layout *l = layout_of(g, &o);
    assert_layered(l, NULL);
    dusk_viz_layout_free(l);

    /* the plan's picture, every node a 36-point square */
    dusk_plan *p = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    const char *z = "z";
    assert_int_equal(dusk_plan_new(g, &z, 1, &p, &err), 0);
    o = (dusk_viz_options)DUSK_VIZ_OPTIONS_INIT;
    o.layout = DUSK_VIZ_LAYOUT_LAYERED;
    o.rankdir = "LR";
    assert_int_equal(dusk_viz_layout_plan(p, &o, &l, &err), 0);
    size_t nn;
    const dusk_viz_node *n = dusk_viz_layout_nodes(l, &nn);
    assert_int_equal(nn, dusk_plan_ntasks(p));
    for (size_t i = 0; i < nn; i++) {
        assert_true(fabs(n[i].width - 36) < 0.01 && fabs(n[i].height - 36) < 0.01);
    }
    assert_layered(l, "LR");
    dusk_viz_layout_free(l);
    dusk_plan_unref(p);
    dusk_graph_free(g);

    /* a big task view: AUTO lays 4,000 nodes out itself */
    g = inc_add_graph(1000);
    o = (dusk_viz_options)DUSK_VIZ_OPTIONS_INIT;
    o.view = DUSK_VIZ_TASKS;
    l = layout_of(g, &o);
    assert_task_view(g, l, 0);
    assert_inside(l);
    assert_layered(l, NULL);
    /* inputs sit just below their users: x-i, inc-i's circle and box, and
     * add's circle are four layers, not more */
    double w, h;
    dusk_viz_layout_bbox(l, &w, &h);
    n = dusk_viz_layout_nodes(l, &nn);
    double top = h, bottom = 0;
    for (size_t i = 0; i < nn; i++) {
        if (n[i].y < top)
            top = n[i].y;
        if (n[i].y > bottom)
            bottom = n[i].y;
    }
    assert_true(bottom - top < 5 * (36 + 60));
    dusk_viz_layout_free(l);
    dusk_graph_free(g);

    /* an array: (x + x.T).sum(axis=0) over 10 x 10 chunks, and the
     * lecture's r = x - x.mean(axis=0), whose tasks have several inputs */
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_array *x = dusk_ones(ctx, DUSK_SHAPE(100, 100), "(10, 10)", DUSK_DT_F8);
    dusk_array *y = dusk_array_sum(dusk_array_add(x, dusk_array_transpose(x, NULL)),
                                   DUSK_AXIS(0), false);
    dusk_array *r = dusk_array_sub(x, dusk_array_mean(x, DUSK_AXIS(0), false));
    o = (dusk_viz_options)DUSK_VIZ_OPTIONS_INIT;
    o.view = DUSK_VIZ_TASKS;
    for (size_t d = 0; d < 4; d++) {
        o.rankdir = dirs[d];
        l = layout_of_array(y, &o);
        assert_layered(l, dirs[d]);
        dusk_viz_layout_free(l);
        l = layout_of_array(r, &o);
        assert_layered(l, dirs[d]);
        dusk_viz_layout_free(l);
    }
    dusk_array_ctx_free(ctx);
}

/* A layered picture is drawn as laid out: the layout's numbers are those
 * of Graphviz's xdot text of the same picture, whatever the options. */
static void test_layered_same_picture(void **state)
{
    (void)state;
    dusk_graph *g = lecture_dsk();
    dusk_viz_options o = DUSK_VIZ_OPTIONS_INIT;
    o.layout = DUSK_VIZ_LAYOUT_LAYERED;
    check_same(g, NULL, &o);
    o.collapse_outputs = true;
    o.rankdir = "RL";
    check_same(g, NULL, &o);
    o = (dusk_viz_options)DUSK_VIZ_OPTIONS_INIT;
    o.layout = DUSK_VIZ_LAYOUT_LAYERED;
    o.color = DUSK_VIZ_COLOR_ORDER;
    check_same(g, NULL, &o);
    o.color = DUSK_VIZ_COLOR_NONE;
    o.view = DUSK_VIZ_LAYERS;
    check_same(g, NULL, &o);
    dusk_graph_free(g);
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_array *x = ones15(ctx);
    dusk_array *r = dusk_array_sub(x, dusk_array_mean(x, DUSK_AXIS(0), false));
    o = (dusk_viz_options)DUSK_VIZ_OPTIONS_INIT;
    o.layout = DUSK_VIZ_LAYOUT_LAYERED;
    check_same(NULL, r, &o);
    dusk_array_ctx_free(ctx);
}

/* Where AUTO switches (DUSK_VIZ_DOT_MAX nodes), and both ways forced. */
static void test_layered_modes(void **state)
{
    (void)state;
    dusk_viz_options o = DUSK_VIZ_OPTIONS_INIT;
    o.view = DUSK_VIZ_TASKS;
    o.quiet = true;
    int nt = (DUSK_VIZ_DOT_MAX - 1) / 2;          /* 2 nt + 1 nodes: dot's last */
    dusk_graph *g = inc_chain(nt);
    char *dot = dot_join(render(g, "dot", &o, NULL));
    assert_int_equal(count_of(dot, "shape=circle"), nt);
    assert_null(strstr(dot, "pos="));
    dusk_free(dot);
    o.layout = DUSK_VIZ_LAYOUT_LAYERED;
    dot = dot_join(render(g, "dot", &o, NULL));
    assert_int_equal(count_of(dot, "pos=\"") - count_of(dot, "pos=\"e,"), 2 * nt + 1);
    dusk_free(dot);
    dusk_graph_free(g);

    g = inc_chain(nt + 1);                        /* two nodes more: layered */
    o.layout = DUSK_VIZ_LAYOUT_AUTO;
    dot = dot_join(render(g, "dot", &o, NULL));
    assert_int_equal(count_of(dot, "pos=\"") - count_of(dot, "pos=\"e,"), 2 * nt + 3);
    /* a chain is a column: every node at the same x (edges' pos: "e,...") */
    const char *p = strstr(dot, "pos=\"");
    double x0 = atof(p + 5);
    for (; p; p = strstr(p + 5, "pos=\""))
        assert_true(p[5] == 'e' || fabs(atof(p + 5) - x0) < 0.01);
    dusk_free(dot);
    o.layout = DUSK_VIZ_LAYOUT_DOT;
    dot = dot_join(render(g, "dot", &o, NULL));
    assert_null(strstr(dot, "pos="));
    dusk_free(dot);
    dusk_graph_free(g);

    /* small graphs: dot, unless asked; then Graphviz keeps dusk's places */
    g = lecture_dsk();
    o = (dusk_viz_options)DUSK_VIZ_OPTIONS_INIT;
    dot = dot_join(render(g, "dot", &o, NULL));
    assert_null(strstr(dot, "pos="));
    assert_null(strstr(dot, "splines"));
    dusk_free(dot);
    o.layout = DUSK_VIZ_LAYOUT_LAYERED;
    dot = dot_join(render(g, "dot", &o, NULL));
    assert_true(count_of(dot, "shape=") > 5);
    assert_int_equal(count_of(dot, "pos=\"") - count_of(dot, "pos=\"e,"),
                     count_of(dot, "shape="));                   /* every node */
    assert_contains(dot, "splines=line");
    dusk_viz_layout *l = layout_of(g, &o);
    size_t nn;
    const dusk_viz_node *n = dusk_viz_layout_nodes(l, &nn);
    for (size_t i = 1; i < nn; i++) {
        /* dusk's pos, in Graphviz's y-up points; the layout's y is down */
        char buf[4096], v[64];
        double x0p, y0p, xip, yip;
        assert_true(dot_attr(dot_node(dot, n[0].name, buf, sizeof buf), "pos", v, sizeof v));
        assert_int_equal(sscanf(v, "%lf,%lf!", &x0p, &y0p), 2);
        assert_true(dot_attr(dot_node(dot, n[i].name, buf, sizeof buf), "pos", v, sizeof v));
        assert_int_equal(sscanf(v, "%lf,%lf!", &xip, &yip), 2);
        assert_true(strchr(v, '!') != NULL);
        assert_true(fabs((n[i].x - n[0].x) - (xip - x0p)) < 0.02);
        assert_true(fabs((n[i].y - n[0].y) + (yip - y0p)) < 0.02);
    }
    dusk_viz_layout_free(l);
    dusk_free(dot);
    dusk_graph_free(g);
}

/* 'a', 'c' and a chain of n add tasks, each adding 'c' to the last: the
 * edges from 'c' span from 2 to 2n layers. */
static dusk_graph *chain_with_constant(int n)
{
    dusk_graph *g = dusk_graph_new();
    dusk_graph_value(g, "a", dusk_int(0));
    dusk_graph_value(g, "c", dusk_int(1));
    char k[32], prev[32] = "a";
    for (int i = 0; i < n; i++) {
        snprintf(k, sizeof k, "add-%d", i);
        dusk_task(g, k, &dusk_add, dusk_ref(prev), dusk_ref("c"));
        memcpy(prev, k, sizeof k);
    }
    return g;
}

/* An input read by every step of a long chain: its edges share one way
 * through the layers, so the picture's splines grow with the chain, not
 * with its square (one way per edge: 4 million points for 2,000 steps,
 * and minutes in Graphviz reading them). */
static void test_layered_long_edges(void **state)
{
    (void)state;
    dusk_viz_options o = DUSK_VIZ_OPTIONS_INIT;
    o.layout = DUSK_VIZ_LAYOUT_LAYERED;
    o.view = DUSK_VIZ_TASKS;
    o.quiet = true;
    static const char *const dirs[] = {"BT", "TB", "LR", "RL"};
    dusk_graph *g = chain_with_constant(40);
    for (size_t d = 0; d < 4; d++) {
        o.rankdir = dirs[d];
        dusk_viz_layout *l = layout_of(g, &o);
        assert_layered(l, dirs[d]);
        size_t ne;
        dusk_viz_layout_edges(l, &ne);
        assert_int_equal(ne, 40 * 3);
        dusk_viz_layout_free(l);
    }
    dusk_graph_free(g);
    g = chain_with_constant(2000);
    o.rankdir = NULL;
    dusk_viz_layout *l = layout_of(g, &o);
    size_t ne, points = 0;
    const dusk_viz_edge *e = dusk_viz_layout_edges(l, &ne);
    assert_int_equal(ne, 2000 * 3);
    for (size_t i = 0; i < ne; i++)
        points += e[i].npoints;
    if (points > 64 * ne)
        fail_msg("%zu control points for %zu edges", points, ne);
    dusk_viz_layout_free(l);
    dusk_graph_free(g);

    /* out of memory anywhere, the shared ways included: DUSK_ENOMEM, no leak */
    g = chain_with_constant(5);
    char *warm = render(g, "svg", &o, NULL);
    dusk_free(warm);
    long live = dusk_alloc_live();
    int ok = 0;
    dusk_error err = DUSK_ERROR_INIT;
    for (int k = 0; k < 10000 && !ok; k++) {
        l = NULL;
        dusk_alloc_fail_after(k);
        int rc = dusk_viz_layout_graph(g, &o, &l, &err);
        dusk_alloc_fail_after(-1);
        if (rc == 0) {
            ok = 1;
            dusk_viz_layout_free(l);
        } else {
            if (rc != DUSK_ENOMEM)
                fail_msg("allocation %d failing: %s: %s", k, dusk_err_name(rc), err.msg);
            assert_null(l);
            assert_int_equal(dusk_alloc_live(), live);
        }
    }
    assert_true(ok);
    assert_int_equal(dusk_alloc_live(), live);
    dusk_graph_free(g);
}

/* Every format of a layered picture is written whole and opens. */
static void test_layered_formats(void **state)
{
    (void)state;
    dusk_graph *g = inc_add_graph(1000);          /* 4,000 nodes: AUTO's layered */
    dusk_viz_options o = DUSK_VIZ_OPTIONS_INIT;
    o.view = DUSK_VIZ_TASKS;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_visualize(g, scratch("big.svg"), &o, &err), 0);
    char *data = read_file(scratch("big.svg"), NULL);
    assert_non_null(data);
    assert_xml(data);
    int tasks, results, all;
    svg_nodes(data, &tasks, &results, &all);
    assert_int_equal(tasks, 1500);
    assert_int_equal(results, 2500);
    assert_int_equal(count_of(data, "class=\"edge\""), 1000 + 1500 + 1000);
    assert_contains(data, "xlink:title=\"key: &#39;inc&#45;7&#39;&#10;function: inc\"");
    free(data);
    dusk_graph_free(g);

    /* the lecture's array, forced, into every format */
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_array *x = ones15(ctx);
    dusk_array *r = dusk_array_sub(x, dusk_array_mean(x, DUSK_AXIS(0), false));
    o = (dusk_viz_options)DUSK_VIZ_OPTIONS_INIT;
    o.layout = DUSK_VIZ_LAYOUT_LAYERED;
    static const char *const names[] = {"r.svg", "r.png", "r.pdf", "r.jpg", "r.dot", "r.xdot"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *path = scratch(names[i]);
        int rc = dusk_visualize_array(r, path, &o, &err);
        if (rc)
            fail_msg("%s: %s", names[i], err.msg);
        size_t n;
        data = read_file(path, &n);
        assert_non_null(data);
        if (strstr(names[i], "svg")) {
            assert_xml(data);
            svg_nodes(data, &tasks, &results, &all);
            assert_true(tasks > 0 && results >= tasks);
        } else if (strstr(names[i], "png")) {
            assert_png(data, n);
        } else if (strstr(names[i], "pdf")) {
            assert_pdf(data, n);
        } else if (strstr(names[i], "jpg")) {
            assert_jpeg(data, n);
        } else {
            assert_true(strncmp(data, "digraph dusk {", 14) == 0);
            assert_contains(data, "pos=\"");
            if (strstr(names[i], "xdot"))
                assert_contains(data, "_draw_");
        }
        free(data);
    }
    dusk_array_ctx_free(ctx);
}

static void test_layered_errors(void **state)
{
    (void)state;
    dusk_graph *g = lecture_dsk();
    dusk_error err = DUSK_ERROR_INIT;
    dusk_viz_options o = DUSK_VIZ_OPTIONS_INIT;
    int before = count_files();
    static const int bad[] = {-1, 3, 99};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        o.layout = (dusk_viz_layout_mode)bad[i];
        char want[64];
        snprintf(want, sizeof want, "unknown layout %d", bad[i]);
        assert_int_equal(dusk_visualize(g, scratch("bad-layout.svg"), &o, &err), DUSK_EINVAL);
        assert_contains(err.msg, want);
        assert_contains(err.msg, "DUSK_VIZ_LAYOUT_LAYERED");
        char *buf = (char *)1;
        size_t len = 1;
        assert_int_equal(dusk_visualize_mem(g, "svg", &o, &buf, &len, &err), DUSK_EINVAL);
        assert_contains(err.msg, want);
        assert_null(buf);
        assert_int_equal(len, 0);
        dusk_viz_layout *l = (dusk_viz_layout *)1;
        assert_int_equal(dusk_viz_layout_graph(g, &o, &l, &err), DUSK_EINVAL);
        assert_contains(err.msg, want);
        assert_null(l);
        dusk_plan *p = NULL;
        const char *z = "z";
        assert_int_equal(dusk_plan_new(g, &z, 1, &p, &err), 0);
        assert_int_equal(dusk_viz_layout_plan(p, &o, &l, &err), DUSK_EINVAL);
        assert_contains(err.msg, want);
        assert_null(l);
        dusk_plan_unref(p);
    }
    assert_int_equal(count_files(), before);      /* nothing half-written */
    dusk_graph_free(g);

    /* out of memory anywhere in a layered picture: DUSK_ENOMEM, no leak */
    g = lecture_dsk();
    o = (dusk_viz_options)DUSK_VIZ_OPTIONS_INIT;
    o.layout = DUSK_VIZ_LAYOUT_LAYERED;
    o.color = DUSK_VIZ_COLOR_ORDER;                /* and its legend */
    char *warm = render(g, "svg", &o, NULL);        /* caches (order) */
    dusk_free(warm);
    long live = dusk_alloc_live();
    int ok = 0;
    for (int k = 0; k < 10000 && !ok; k++) {
        char *buf = NULL;
        size_t len = 0;
        dusk_alloc_fail_after(k);
        int rc = dusk_visualize_mem(g, k % 2 ? "svg" : "dot", &o, &buf, &len, &err);
        dusk_alloc_fail_after(-1);
        if (rc == 0) {
            ok = 1;
            assert_non_null(buf);
            dusk_free(buf);
        } else {
            if (rc != DUSK_ENOMEM)
                fail_msg("allocation %d failing: %s: %s", k, dusk_err_name(rc), err.msg);
            assert_null(buf);
            assert_int_equal(dusk_alloc_live(), live);
        }
    }
    assert_true(ok);
    assert_int_equal(dusk_alloc_live(), live);
    dusk_graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_golden_lecture_dsk, reset_alloc),
        cmocka_unit_test_teardown(test_golden_lecture_dsk2, reset_alloc),
        cmocka_unit_test_teardown(test_golden_collapse_and_verbose, reset_alloc),
        cmocka_unit_test(test_legend_every_rankdir),
        cmocka_unit_test_teardown(test_chunks_svg, reset_alloc),
        cmocka_unit_test_teardown(test_arrays_together, reset_alloc),
        cmocka_unit_test(test_layers_order_median),
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
        cmocka_unit_test_teardown(test_layout_lecture, reset_alloc),
        cmocka_unit_test_teardown(test_layout_rankdir, reset_alloc),
        cmocka_unit_test_teardown(test_layout_layers, reset_alloc),
        cmocka_unit_test_teardown(test_layout_same_picture, reset_alloc),
        cmocka_unit_test_teardown(test_layout_errors, reset_alloc),
        cmocka_unit_test_teardown(test_layout_alloc_failures, reset_alloc),
        cmocka_unit_test_teardown(test_layered_positions, reset_alloc),
        cmocka_unit_test_teardown(test_layered_same_picture, reset_alloc),
        cmocka_unit_test_teardown(test_layered_modes, reset_alloc),
        cmocka_unit_test_teardown(test_layered_long_edges, reset_alloc),
        cmocka_unit_test_teardown(test_layered_formats, reset_alloc),
        cmocka_unit_test_teardown(test_layered_errors, reset_alloc),
    };
    return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
