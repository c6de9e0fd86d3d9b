/*
** dusk viz — SVG written by dusk itself, for the pictures dusk lays out
**
** A layered picture (layered.c) has every node placed and every edge
** routed by dusk; Graphviz would only draw it, and for a big picture that
** drawing is nearly all the time (100,320 tasks: building the cgraph
** graph 2 s, neato -n2's pass 6 s, its SVG renderer 7 s, freeing 1.6 s).
** So the SVG of such a scene is written here, straight from the scene, in
** one pass into a buffer that is flushed to the file (or grown in memory),
** with no Graphviz call: what Graphviz's svg renderer writes for the same
** pinned layout, element for element (tests/viz/test_svg.c compares the
** two):
**
**   - the document: <svg> with width, height (points, rounded) and
**     viewBox, the graph's <g class="graph"> with its transform (4 points
**     of margin; y grows down, so every y is negated), the white page;
**   - per node, a comment with its name, <g id="nodeN" class="node"> with
**     <title>name</title>, its tooltip as an <a xlink:title> around the
**     drawing, its shape (<ellipse> for circles and ellipses, a <polygon>
**     for boxes, nothing for plain text; a striped box's stripes), fill and
**     stroke colours and stroke width as Graphviz gives them, and one
**     <text> per line of its label, set as Graphviz set the same label
**     when it measured it (the look: font attributes and each line's
**     place from the centre, dusk__gv_sizes);
**   - per edge, <g id="edgeN" class="edge"> with <title>tail->head</title>,
**     the spline as a <path> (M, then C and the control points) and the
**     arrowhead as Graphviz's "normal" arrow polygon (10 points long, 0.35
**     of that either side); an invisible edge only its comment;
**   - in Graphviz's order: node after node, each followed by its
**     out-edges (by head, then as added), each edge after its head.
**
** Numbers are printed as Graphviz prints them ("%.2f", trailing zeros and
** point trimmed, "0" for anything that rounds to it), and text is escaped
** as its xml_string escapes it (&, <, >, quotes, '-', newlines, a second
** space), except that an '&' is always escaped: a key that holds
** "&amp;" is shown as it is, where Graphviz reads it as an entity. Bytes
** that are not UTF-8 are taken as Latin-1 (Graphviz's fallback) and
** control characters and U+FFFE/U+FFFF, which XML cannot hold, become
** U+FFFD, so that the document is always well-formed.
**
** What it cannot draw (another shape or style, a colour it cannot name,
** an edge without dusk's spline) it says in dusk__svg_can, and the
** picture goes to Graphviz as before.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dusk/alloc.h"
#include "scene.h"

#define PAD 4.0                /* Graphviz's margin around an SVG drawing */
#define ARROW_LEN 10.0         /* its arrowhead: length ... */
#define ARROW_WIDTH 0.35       /* ... and half width, per length */
#define ARROW_EPS 0.0001       /* its guard against a zero-length arrow */
#define THIN_LINE 0.5          /* the pen of a striped box's stripes */
#define FILE_CHUNK (1u << 20)  /* bytes buffered before a write to the file */

/* --- the output ---------------------------------------------------------------------- */

typedef struct out {
    char *p;
    size_t n, cap;
    dusk__atomic *file;        /* flushed there when full; else memory grows */
    int failed;                /* DUSK_ENOMEM or DUSK_EIO; sticky */
} out;

static int flush(out *o)
{
    if (o->file && o->n && !o->failed) {
        if (dusk__atomic_write(o->file, o->p, o->n) != 0)
            o->failed = DUSK_EIO;
        o->n = 0;
    }
    return o->failed ? -1 : 0;
}

/* Room for k more bytes: 1, or 0 after a failure. */
static int room(out *o, size_t k)
{
    if (o->n + k <= o->cap)
        return !o->failed;
    if (o->failed)
        return 0;
    if (o->file && flush(o) != 0)
        return 0;
    if (o->n + k <= o->cap)
        return 1;
    size_t cap = o->cap ? o->cap : 4096;
    while (cap < o->n + k + 1)
        cap *= 2;
    char *p = dusk_realloc(o->p, cap);
    if (!p) {
        o->failed = DUSK_ENOMEM;
        return 0;
    }
    o->p = p;
    o->cap = cap;
    return 1;
}

static void put(out *o, const char *s, size_t k)
{
    if (room(o, k)) {
        memcpy(o->p + o->n, s, k);
        o->n += k;
    }
}

#define PUTS(o, lit) put((o), (lit), sizeof(lit) - 1)

static void puts0(out *o, const char *s) { put(o, s, strlen(s)); }

/* A number as Graphviz's gvprintdouble prints it: "%.2f" with trailing
 * zeros (and point) trimmed, "0" for anything within 0.005 of zero. The
 * rounding is printf's (the exact binary value to the nearest hundredth);
 * a value too near a tie to round by hand, or too big, goes to snprintf. */
static void num(out *o, double v)
{
    if (!room(o, 40))
        return;
    char *w = o->p + o->n;
    if (v > -0.005 && v < 0.005) {
        *w = '0';
        o->n++;
        return;
    }
    double r = v * 100, fl = floor(r), fr = r - fl;
    int k;
    if (!(fabs(r) < 9e15) || fabs(fr - 0.5) < 1e-6) {
        k = snprintf(w, 40, "%.2f", v);
    } else {
        long long q = (long long)(fr > 0.5 ? fl + 1 : fl);
        unsigned long long a = q < 0 ? (unsigned long long)-q : (unsigned long long)q;
        char tmp[32];
        int t = 0;
        unsigned long long ip = a / 100;
        unsigned fp = (unsigned)(a % 100);
        do {
            tmp[t++] = (char)('0' + ip % 10);
            ip /= 10;
        } while (ip);
        k = 0;
        if (q < 0)
            w[k++] = '-';
        while (t)
            w[k++] = tmp[--t];
        w[k++] = '.';
        w[k++] = (char)('0' + fp / 10);
        w[k++] = (char)('0' + fp % 10);
    }
    /* trim "12.50" -> "12.5", "12.00" -> "12" */
    if (memchr(w, '.', (size_t)k)) {
        while (k && w[k - 1] == '0')
            k--;
        if (k && w[k - 1] == '.')
            k--;
    }
    o->n += (size_t)k;
}

static void point(out *o, double x, double y)
{
    num(o, x);
    PUTS(o, ",");
    num(o, -y);
}

/* Text escaped as Graphviz's xml_string does (see the top). */
static void esc(out *o, const char *s, size_t len)
{
    char prev = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        const char *sub = NULL;
        switch (c) {
        case '&': sub = "&amp;"; break;
        case '<': sub = "&lt;"; break;
        case '>': sub = "&gt;"; break;
        case '"': sub = "&quot;"; break;
        case '\'': sub = "&#39;"; break;
        case '-': sub = "&#45;"; break;
        case '\n': sub = "&#10;"; break;
        case '\r': sub = "&#13;"; break;
        case ' ': sub = prev == ' ' ? "&#160;" : NULL; break;
        default: break;
        }
        unsigned char u = (unsigned char)c;
        if (sub) {
            puts0(o, sub);
        } else if (u >= 0x80) {
            /* UTF-8 as it is; a byte that does not start a whole sequence
             * is taken as Latin-1, as Graphviz does for a label that is not
             * UTF-8, so that the document stays UTF-8 */
            size_t k = u >= 0xc2 && u <= 0xdf ? 2 : u >= 0xe0 && u <= 0xef ? 3
                     : u >= 0xf0 && u <= 0xf4 ? 4 : 0;
            size_t j = 1;
            while (k && j < k && i + j < len && ((unsigned char)s[i + j] & 0xc0) == 0x80)
                j++;
            /* the second byte's narrower range for E0, ED, F0, F4: no
             * overlong form, no surrogate, nothing past U+10FFFF */
            unsigned char u1 = k && j == k ? (unsigned char)s[i + 1] : 0;
            if ((u == 0xe0 && u1 < 0xa0) || (u == 0xed && u1 > 0x9f) ||
                (u == 0xf0 && u1 < 0x90) || (u == 0xf4 && u1 > 0x8f))
                k = 0;
            if (k == 3 && j == 3 && u == 0xef && u1 == 0xbf &&
                (unsigned char)s[i + 2] >= 0xbe) {
                puts0(o, "\xef\xbf\xbd");  /* U+FFFE, U+FFFF: not XML characters */
                i += 2;
            } else if (k && j == k) {
                put(o, s + i, k);
                i += k - 1;
            } else {
                char two[2] = {(char)(0xc0 | u >> 6), (char)(0x80 | (u & 0x3f))};
                put(o, two, 2);
            }
        } else if (u < 0x20 && c != '\t') {
            puts0(o, "\xef\xbf\xbd");      /* XML has no such character: U+FFFD */
        } else if (room(o, 1)) {
            o->p[o->n++] = c;
        }
        prev = c;
    }
}

static void esc0(out *o, const char *s) { esc(o, s, strlen(s)); }

/* --- escStrings: labels and tooltips as Graphviz reads them ----------------------------- */

/* Decodes the escString s of node name into b: "\N" the node's name, "\G"
 * the graph's; for a label (lines) "\n", "\l", "\r" and a newline end a
 * line, each line going into b followed by a NUL and its justification
 * ('n', 'l', 'r'), the last one kept when not empty or the only one; for a
 * tooltip "\n" and "\l" become newlines and "\r" a carriage return; any
 * other escaped character stands for itself. Returns the lines (1 for a
 * tooltip). */
static size_t unescape(const char *s, const char *name, int lines, dusk__buf *b)
{
    size_t nlines = 0, start = b->len;
    for (; *s; s++) {
        /* a run of plain characters in one go */
        size_t run = strcspn(s, lines ? "\\\n" : "\\");
        if (run) {
            dusk__buf_add(b, s, run);
            s += run;
            if (!*s)
                break;
        }
        char c = *s, end = 0;
        if (c == '\\' && s[1]) {
            c = *++s;
            if (c == 'N') {
                dusk__buf_puts(b, name);
                continue;
            }
            if (c == 'G') {
                dusk__buf_puts(b, "dusk");
                continue;
            }
            if (c == 'n' || c == 'l' || c == 'r') {
                if (lines)
                    end = c;
                else
                    c = c == 'r' ? '\r' : '\n';
            }
        } else if (c == '\n' && lines) {
            end = 'n';
        }
        if (end) {
            char tail[2] = {0, end};
            dusk__buf_add(b, tail, 2);
            nlines++;
            start = b->len;
            continue;
        }
        dusk__buf_add(b, &c, 1);
    }
    if (!lines || b->len > start || nlines == 0) {
        char tail[2] = {0, 'n'};
        dusk__buf_add(b, tail, 2);
        nlines++;
    }
    return nlines;
}

/* --- what a node looks like ----------------------------------------------------------- */

/* Node i's attribute a as Graphviz sees it: its own, the scene's default,
 * or NULL (Graphviz's default; "" is that too). */
static const char *nattr(const dusk__viz_scene *s, size_t i, int a)
{
    const char *v = s->nodes[i].a[a];
    if (!v)
        v = s->ndef[a];
    return v && *v ? v : NULL;
}

enum { SHAPE_ELLIPSE, SHAPE_BOX, SHAPE_TEXT, SHAPE_OTHER };

static int shape_kind(const char *shape)
{
    if (!shape || !strcmp(shape, "ellipse") || !strcmp(shape, "oval") ||
        !strcmp(shape, "circle"))
        return SHAPE_ELLIPSE;
    if (!strcmp(shape, "box") || !strcmp(shape, "rect") || !strcmp(shape, "rectangle"))
        return SHAPE_BOX;
    if (!strcmp(shape, "plaintext") || !strcmp(shape, "plain") || !strcmp(shape, "none"))
        return SHAPE_TEXT;
    return SHAPE_OTHER;
}

enum { ST_FILLED = 1, ST_STRIPED = 2, ST_OTHER = 4 };

static int style_flags(const char *style)
{
    int f = 0;
    for (const char *p = style; p && *p;) {
        while (*p == ',' || *p == ' ' || *p == '\t')
            p++;
        size_t k = strcspn(p, ", \t");
        if (k == 6 && !strncmp(p, "filled", 6))
            f |= ST_FILLED;
        else if (k == 7 && !strncmp(p, "striped", 7))
            f |= ST_STRIPED;
        else if (k)
            f |= ST_OTHER;
        p += k;
    }
    return f;
}

/* A colour as Graphviz's SVG names it: the names dusk uses are SVG's own
 * and kept as written; "#rrggbb[aa]" as "#rrggbb" (alpha apart, in *alpha,
 * 255 for a name). -1 for a colour dusk does not write itself. */
static int svg_color(const char *spec, char out_[16], int *alpha)
{
    uint32_t c;
    if (!spec || strchr(spec, ':') || strchr(spec, ';') || dusk__color_rgba(spec, &c) != 0)
        return -1;
    if (spec[0] == '#') {
        snprintf(out_, 16, "#%02x%02x%02x", (unsigned)(c >> 24), (unsigned)(c >> 16 & 255),
                 (unsigned)(c >> 8 & 255));
        *alpha = (int)(c & 255);
        if (*alpha == 0)
            snprintf(out_, 16, "none");
    } else {
        if (strlen(spec) >= 16)
            return -1;
        snprintf(out_, 16, "%s", spec);
        *alpha = 255;
    }
    return 0;
}

/* A striped box's fill: "c1;f1:c2;f2...": 0, or -1 for one dusk does not
 * draw itself. */
static int stripes_ok(const char *spec)
{
    if (!spec)
        return -1;
    while (*spec) {
        size_t k = strcspn(spec, ":");
        char item[64], c[16];
        int a;
        if (k >= sizeof item)
            return -1;
        memcpy(item, spec, k);
        item[k] = '\0';
        char *semi = strchr(item, ';');
        if (semi)
            *semi = '\0';
        if (svg_color(item, c, &a) != 0)
            return -1;
        spec += k;
        if (*spec == ':')
            spec++;
    }
    return 0;
}

static int node_ok(const dusk__viz_scene *s, size_t i)
{
    if (!s->looks || s->lookof[i] >= s->nlooks)
        return 0;
    const dusk__viz_look *lk = &s->looks[s->lookof[i]];
    if (!lk->font)
        return 0;                      /* an HTML label, or none set */
    int shape = shape_kind(nattr(s, i, DUSK__NA_SHAPE));
    int st = style_flags(nattr(s, i, DUSK__NA_STYLE));
    if (shape == SHAPE_OTHER || (st & ST_OTHER) || ((st & ST_STRIPED) && shape != SHAPE_BOX))
        return 0;
    char c[16];
    int a;
    const char *color = nattr(s, i, DUSK__NA_COLOR), *fill = nattr(s, i, DUSK__NA_FILLCOLOR);
    const char *font = nattr(s, i, DUSK__NA_FONTCOLOR);
    if ((color && svg_color(color, c, &a)) || (font && svg_color(font, c, &a)))
        return 0;
    if (st & ST_STRIPED)
        return stripes_ok(fill) == 0;
    if ((st & ST_FILLED) && fill && svg_color(fill, c, &a))
        return 0;
    return 1;
}

int dusk__svg_can(const dusk__viz_scene *s)
{
    if (!s->pos || !s->epos || !s->looks || !s->lookof)
        return 0;
    /* graph attributes that change the drawing (a label, a background) */
    static const char *const harmless[] = {"rankdir", "splines", "newrank", "nslimit",
                                           "nslimit1", "searchsize", "mclimit",
                                           "remincross"};
    for (size_t k = 0; k < s->ngattr; k++) {
        int ok = 0;
        for (size_t j = 0; j < sizeof harmless / sizeof harmless[0]; j++)
            ok |= !strcmp(s->gattr[k][0], harmless[j]);
        if (!ok)
            return 0;
    }
    for (size_t i = 0; i < s->nnodes; i++)
        if (!node_ok(s, i))
            return 0;
    for (size_t e = 0; e < s->nedges; e++)
        if (!s->edges[e].invis && (!s->epos[e] || strncmp(s->epos[e], "e,", 2) != 0))
            return 0;
    return 1;
}

/* --- drawing ------------------------------------------------------------------------------ */

typedef struct pen {
    char stroke[16];
    int stroke_alpha;
    double width;
} pen;

/* fill="..." stroke="..." [stroke-width] [opacities], as svg_grstyle. */
static void grstyle(out *o, const char *fill, int fill_alpha, const pen *p)
{
    PUTS(o, " fill=\"");
    puts0(o, fill ? fill : "none");
    if (fill && fill_alpha > 0 && fill_alpha < 255) {
        char t[48];
        snprintf(t, sizeof t, "\" fill-opacity=\"%f", fill_alpha / 255.0);
        puts0(o, t);
    }
    PUTS(o, "\" stroke=\"");
    puts0(o, p->stroke);
    if (p->width != 1.0) {
        PUTS(o, "\" stroke-width=\"");
        num(o, p->width);
    }
    if (p->stroke_alpha > 0 && p->stroke_alpha < 255) {
        char t[48];
        snprintf(t, sizeof t, "\" stroke-opacity=\"%f", p->stroke_alpha / 255.0);
        puts0(o, t);
    }
    PUTS(o, "\"");
}

/* <polygon> through the n points xy (Graphviz's coordinates), closed. */
static void polygon(out *o, const char *fill, int fill_alpha, const pen *p, const double *xy,
                    int n)
{
    PUTS(o, "<polygon");
    grstyle(o, fill, fill_alpha, p);
    PUTS(o, " points=\"");
    for (int k = 0; k <= n; k++) {
        if (k)
            PUTS(o, " ");
        point(o, xy[2 * (k % n)], xy[2 * (k % n) + 1]);
    }
    PUTS(o, "\"/>\n");
}

/* Graphviz's stripedBox: the box's width shared among the colours by
 * their fractions, left to right, the last to the right edge, each drawn
 * with a thin pen; af are the box's corners (UR, UL, LL, LR). */
static void stripes(out *o, const char *spec, const double *af, pen p)
{
    double pts[8] = {af[4], af[5], af[6], af[7], af[0], af[1], af[2], af[3]};
    double lastx = pts[2], xdelta = pts[2] - pts[0];
    pts[2] = pts[4] = pts[0];
    if (p.width > THIN_LINE)
        p.width = THIN_LINE;
    while (*spec) {
        size_t k = strcspn(spec, ":");
        char item[64], c[16];
        int a;
        memcpy(item, spec, k);
        item[k] = '\0';
        char *semi = strchr(item, ';');
        double t = 0;
        if (semi) {
            *semi = '\0';
            t = atof(semi + 1);
        }
        spec += k;
        if (*spec == ':')
            spec++;
        if (t <= 0 || svg_color(item, c, &a) != 0)
            continue;
        pts[2] = pts[4] = *spec ? pts[0] + xdelta * t : lastx;
        polygon(o, c, a, &p, pts, 4);
        pts[0] = pts[6] = pts[2];
    }
}

typedef struct writer {
    const dusk__viz_scene *s;
    out *o;
    double sx, sy;             /* Graphviz's shift of the drawing to (0, 0) */
    dusk__buf text;            /* scratch: a label's lines, a tooltip */
    double *pts;               /* scratch: an edge's points */
    size_t pts_cap;
} writer;

/* dusk's position of node i as Graphviz read it ("%.2f,%.2f!"). */
static double at2(double v) { return nearbyint(v * 100) / 100; }

static void node(writer *W, size_t i)
{
    const dusk__viz_scene *s = W->s;
    out *o = W->o;
    const dusk__viz_node *vn = &s->nodes[i];
    const dusk__viz_look *lk = &s->looks[s->lookof[i]];
    double x = at2(s->pos[2 * i]) - W->sx, y = at2(s->pos[2 * i + 1]) - W->sy;
    char id[32];
    snprintf(id, sizeof id, "node%zu", i + 1);

    PUTS(o, "<!-- ");
    esc0(o, vn->name);
    PUTS(o, " -->\n<g id=\"");
    puts0(o, id);
    PUTS(o, "\" class=\"node\">\n<title>");
    esc0(o, vn->name);
    PUTS(o, "</title>\n");
    const char *tip = nattr(s, i, DUSK__NA_TOOLTIP);
    if (tip) {
        W->text.len = 0;
        unescape(tip, vn->name, 0, &W->text);
        PUTS(o, "<g id=\"a_");
        puts0(o, id);
        PUTS(o, "\"><a xlink:title=\"");
        if (!W->text.failed)
            esc(o, W->text.data, W->text.len - 2);
        PUTS(o, "\">\n");
    }

    /* the shape */
    int shape = shape_kind(nattr(s, i, DUSK__NA_SHAPE));
    int st = style_flags(nattr(s, i, DUSK__NA_STYLE));
    const char *color = nattr(s, i, DUSK__NA_COLOR);
    pen p;
    svg_color(color ? color : "black", p.stroke, &p.stroke_alpha);
    const char *pw = nattr(s, i, DUSK__NA_PENWIDTH);
    p.width = pw ? atof(pw) : 1.0;
    char fill[16] = "";
    int fill_alpha = 255, filled = (st & ST_FILLED) != 0;
    if (filled) {
        const char *f = nattr(s, i, DUSK__NA_FILLCOLOR);
        svg_color(f ? f : color ? color : "lightgrey", fill, &fill_alpha);
    }
    int peripheries = shape == SHAPE_TEXT ? 0 : 1;
    if (peripheries == 0 && filled) {
        peripheries = 1;               /* a filled plain text: an unseen outline */
        snprintf(p.stroke, sizeof p.stroke, "transparent");
        p.stroke_alpha = 255;
    }
    double hw = lk->hx, hh = lk->hy;
    if (peripheries && shape == SHAPE_ELLIPSE) {
        PUTS(o, "<ellipse");
        grstyle(o, filled ? fill : NULL, fill_alpha, &p);
        PUTS(o, " cx=\"");
        num(o, x);
        PUTS(o, "\" cy=\"");
        num(o, -y);
        PUTS(o, "\" rx=\"");
        num(o, hw);
        PUTS(o, "\" ry=\"");
        num(o, hh);
        PUTS(o, "\"/>\n");
    } else if (peripheries) {
        double af[8] = {x + hw, y + hh, x - hw, y + hh, x - hw, y - hh, x + hw, y - hh};
        if (st & ST_STRIPED) {
            stripes(o, nattr(s, i, DUSK__NA_FILLCOLOR), af, p);
            polygon(o, NULL, 255, &p, af, 4);
        } else {
            polygon(o, filled ? fill : NULL, fill_alpha, &p, af, 4);
        }
    }

    /* the label, a <text> per line */
    const char *label = nattr(s, i, DUSK__NA_LABEL);
    W->text.len = 0;
    size_t nl = unescape(label ? label : "\\N", vn->name, 1, &W->text);
    /* the text's colour: a name as written, black left unsaid; a colour
     * given as "#..." always, as "#rrggbb" (svg_textspan) */
    const char *fc = nattr(s, i, DUSK__NA_FONTCOLOR);
    char fcol[16] = "";
    uint32_t rgb = 0;
    if (fc && fc[0] == '#' && dusk__color_rgba(fc, &rgb) == 0)
        snprintf(fcol, sizeof fcol, "#%02x%02x%02x", (unsigned)(rgb >> 24),
                 (unsigned)(rgb >> 16 & 255), (unsigned)(rgb >> 8 & 255));
    else if (fc && strcasecmp(fc, "black") != 0 && strlen(fc) < sizeof fcol)
        snprintf(fcol, sizeof fcol, "%s", fc);
    const char *line = W->text.failed ? NULL : W->text.data;
    for (size_t k = 0; line && k < nl && k < lk->nlines; k++) {
        size_t len = strlen(line);
        if (len) {
            PUTS(o, "<text text-anchor=\"");
            puts0(o, lk->just[k] == 'l' ? "start" : lk->just[k] == 'r' ? "end" : "middle");
            PUTS(o, "\" x=\"");
            num(o, x + lk->dx[k]);
            PUTS(o, "\" y=\"");
            num(o, -(y + lk->dy[k]));
            PUTS(o, "\"");
            puts0(o, lk->font);
            if (fcol[0]) {
                PUTS(o, " fill=\"");
                puts0(o, fcol);
                PUTS(o, "\"");
            }
            PUTS(o, ">");
            esc(o, line, len);
            PUTS(o, "</text>\n");
        }
        line += len + 2;
    }
    if (tip)
        PUTS(o, "</a>\n</g>\n");
    PUTS(o, "</g>\n");
}

/* Parses dusk's edge pos, "e,x,y x,y ...", into W->pts (x, y pairs; the
 * tip first); the number of points after the tip, or 0 on failure. */
static size_t parse_pos(writer *W, const char *pos)
{
    size_t n = 0;
    const char *p = pos + 2;
    for (;;) {
        if (2 * n + 2 > W->pts_cap) {
            size_t cap = W->pts_cap ? 2 * W->pts_cap : 64;
            double *q = dusk_realloc(W->pts, cap * sizeof *q);
            if (!q) {
                W->o->failed = DUSK_ENOMEM;
                return 0;
            }
            W->pts = q;
            W->pts_cap = cap;
        }
        const char *end;
        double x = dusk__read_num(p, &end);
        if (end == p || *end != ',')
            break;
        p = end + 1;
        double y = dusk__read_num(p, &end);
        if (end == p)
            break;
        W->pts[2 * n] = x;
        W->pts[2 * n + 1] = y;
        n++;
        p = end;
        while (*p == ' ')
            p++;
        if (!*p)
            break;
    }
    return n ? n - 1 : 0;
}

static void edge(writer *W, size_t e)
{
    const dusk__viz_scene *s = W->s;
    out *o = W->o;
    const dusk__viz_edge *ed = &s->edges[e];
    const char *t = s->nodes[ed->tail].name, *h = s->nodes[ed->head].name;
    PUTS(o, "<!-- ");
    esc0(o, t);
    PUTS(o, "&#45;&gt;");
    esc0(o, h);
    PUTS(o, " -->\n");
    if (ed->invis)
        return;
    char id[32];
    snprintf(id, sizeof id, "edge%zu", e + 1);
    PUTS(o, "<g id=\"");
    puts0(o, id);
    PUTS(o, "\" class=\"edge\">\n<title>");
    esc0(o, t);
    PUTS(o, "&#45;&gt;");
    esc0(o, h);
    PUTS(o, "</title>\n");
    size_t n = parse_pos(W, s->epos[e]);
    const double *tip = W->pts, *pt = W->pts + 2;
    pen p = {"black", 255, 1.0};
    if (n) {
        PUTS(o, "<path");
        grstyle(o, NULL, 255, &p);
        PUTS(o, " d=\"");
        for (size_t k = 0; k < n; k++) {
            put(o, k == 0 ? "M" : k == 1 ? "C" : " ", 1);
            point(o, pt[2 * k] - W->sx, pt[2 * k + 1] - W->sy);
        }
        PUTS(o, "\"/>\n");
        /* Graphviz's arrow_gen and arrow_type_normal: from the tip back
         * to the base, 10 points, 0.35 of that either side */
        double px = tip[0] - W->sx, py = tip[1] - W->sy;
        double ux = pt[2 * (n - 1)] - W->sx - px, uy = pt[2 * (n - 1) + 1] - W->sy - py;
        double sc = ARROW_LEN / (sqrt(ux * ux + uy * uy) + ARROW_EPS);
        ux += ux >= 0 ? ARROW_EPS : -ARROW_EPS;
        uy += uy >= 0 ? ARROW_EPS : -ARROW_EPS;
        ux *= sc;
        uy *= sc;
        double vx = -uy * ARROW_WIDTH, vy = ux * ARROW_WIDTH;
        double qx = px + ux, qy = py + uy;
        double a[6] = {qx - vx, qy - vy, px, py, qx + vx, qy + vy};
        polygon(o, "black", 255, &p, a, 3);
    }
    PUTS(o, "</g>\n");
}

/* --- the whole ----------------------------------------------------------------------------- */

int dusk__svg_write(const dusk__viz_scene *s, dusk__atomic *file, char **buf, size_t *len,
                    dusk_error *err)
{
    if (buf) {
        *buf = NULL;
        *len = 0;
    }
    out o = {0};
    o.file = file;
    writer W = {0};
    W.s = s;
    W.o = &o;
    size_t nn = s->nnodes, ne = s->nedges;
    size_t *start = dusk_calloc(nn + 1, sizeof *start);
    size_t *byhead = dusk_malloc((ne ? ne : 1) * sizeof *byhead);
    size_t *order = dusk_malloc((ne ? ne : 1) * sizeof *order);
    uint8_t *done = dusk_calloc(nn ? nn : 1, 1);
    int rc = 0;
    if (!start || !byhead || !order || !done || !room(&o, file ? FILE_CHUNK : nn * 600 + ne * 300)) {
        rc = DUSK_ENOMEM;
        goto done;
    }

    /* Graphviz's bounding box: the nodes' boxes and every spline point;
     * neato -n2 shifts the drawing to put its lower left corner at (0, 0). */
    double llx = INFINITY, lly = INFINITY, urx = -INFINITY, ury = -INFINITY;
    for (size_t i = 0; i < nn; i++) {
        const dusk__viz_look *lk = &s->looks[s->lookof[i]];
        double x = at2(s->pos[2 * i]), y = at2(s->pos[2 * i + 1]);
        llx = fmin(llx, x - lk->w / 2);
        urx = fmax(urx, x + lk->w / 2);
        lly = fmin(lly, y - lk->h / 2);
        ury = fmax(ury, y + lk->h / 2);
    }
    for (size_t e = 0; e < ne; e++) {
        if (s->edges[e].invis)
            continue;
        size_t n = parse_pos(&W, s->epos[e]);
        for (size_t k = 1; k <= n; k++) {
            llx = fmin(llx, W.pts[2 * k]);
            urx = fmax(urx, W.pts[2 * k]);
            lly = fmin(lly, W.pts[2 * k + 1]);
            ury = fmax(ury, W.pts[2 * k + 1]);
        }
    }
    if (nn == 0)
        llx = lly = urx = ury = 0;
    W.sx = llx;
    W.sy = lly;
    double bw = urx - llx, bh = ury - lly;

    char head[512];
    snprintf(head, sizeof head,
             "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
             "<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\"\n"
             " \"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\">\n"
             "<!-- Generated by dusk version %s (its own SVG writer, Graphviz's look)\n"
             " -->\n"
             "<!-- Title: dusk Pages: 1 -->\n"
             "<svg width=\"%dpt\" height=\"%dpt\"\n"
             " viewBox=\"0.00 0.00 %.2f %.2f\" xmlns=\"http://www.w3.org/2000/svg\" "
             "xmlns:xlink=\"http://www.w3.org/1999/xlink\">\n"
             "<g id=\"graph0\" class=\"graph\" transform=\"scale(1 1) rotate(0) translate(",
             DUSK_VERSION, (int)(bw + 2 * PAD + 0.5), (int)(bh + 2 * PAD + 0.5),
             bw + 2 * PAD, bh + 2 * PAD);
    puts0(&o, head);
    num(&o, PAD);
    PUTS(&o, " ");
    num(&o, bh + PAD);
    PUTS(&o, ")\">\n<title>dusk</title>\n");
    pen page = {"transparent", 255, 1.0};
    double box[8] = {-PAD, -PAD, -PAD, bh + PAD, bw + PAD, bh + PAD, bw + PAD, -PAD};
    polygon(&o, "white", 255, &page, box, 4);

    /* Graphviz's order: each node, then its out-edges by head (then as
     * added), each after its head: a counting sort by head, then a
     * stable one by tail */
    for (size_t e = 0; e < ne; e++)
        start[s->edges[e].head + 1]++;
    for (size_t i = 0; i < nn; i++)
        start[i + 1] += start[i];
    for (size_t e = 0; e < ne; e++)
        byhead[start[s->edges[e].head]++] = e;
    memset(start, 0, (nn + 1) * sizeof *start);
    for (size_t e = 0; e < ne; e++)
        start[s->edges[e].tail + 1]++;
    for (size_t i = 0; i < nn; i++)
        start[i + 1] += start[i];
    for (size_t k = 0; k < ne; k++) {
        size_t e = byhead[k];
        order[start[s->edges[e].tail]++] = e;
    }
    for (size_t i = nn; i > 0; i--)
        start[i] = start[i - 1];
    start[0] = 0;
    for (size_t i = 0; i < nn && !o.failed; i++) {
        if (!done[i]) {
            done[i] = 1;
            node(&W, i);
        }
        for (size_t k = start[i]; k < start[i + 1]; k++) {
            size_t e = order[k], h = s->edges[e].head;
            if (!done[h]) {
                done[h] = 1;
                node(&W, h);
            }
            edge(&W, e);
        }
    }
    PUTS(&o, "</g>\n</svg>\n");
    if (W.text.failed && !o.failed)
        o.failed = DUSK_ENOMEM;
    if (file)
        flush(&o);
    /* a file that failed (o.failed DUSK_EIO) keeps its errno: the caller's
     * dusk__atomic_close reports it, naming the file, and removes it */
    rc = o.failed == DUSK_EIO ? 0 : o.failed;
    if (rc == 0 && buf) {
        /* give back what doubling left over */
        char *p = dusk_realloc(o.p, o.n + 1);
        if (p)
            o.p = p;
        o.p[o.n] = '\0';
        *buf = o.p;
        *len = o.n;
        o.p = NULL;
    }
done:
    if (rc == DUSK_ENOMEM)
        dusk_error_set(err, rc, "visualize: out of memory writing the SVG of %zu nodes", nn);
    dusk_free(o.p);
    dusk_free(start);
    dusk_free(byhead);
    dusk_free(order);
    dusk_free(done);
    dusk__buf_free(&W.text);
    dusk_free(W.pts);
    return rc;
}
