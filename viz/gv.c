/*
** dusk viz — the one door into Graphviz
**
** Graphviz (cgraph and gvc) keeps global state, its error handler and
** level among it, and is not thread-safe. Every call dusk makes into it is
** in this file and made while holding gv_mu, one process-wide lock; other
** dusk code that needs Graphviz (a window laying out a graph) takes the
** same lock with dusk__gv_lock.
**
** A render makes a fresh graph and frees it, and its layout, before it
** returns, whatever happens: agopen, gvLayout, gvRender (into a memory
** stream), gvFreeLayout, agclose. The one context (gvContext,
** with its plugins) is made once and kept for the process, and Graphviz's
** plugins keep their own caches (the pango plugin's font map, fontconfig's
** font lists); nothing else outlives a call (see
** tests/data/viz/valgrind.supp).
**
** Graphviz's error messages are caught (agseterrf) for the duration of
** the call and end up in the dusk_error of a call that fails; a call that
** works drops its warnings (the viewer's fixed-size nodes give one per
** node, "size too small for label"), where Graphviz's own handler would
** print them bare. Its handler and level are put back afterwards. A bitmap too big for the
** cairo renderer is scaled down by dusk, which says so (fit_bitmap).
**
** DOT output is the graph's source, written by agwrite through an I/O
** discipline that appends to a memory buffer: no layout, so it is the same
** on every machine and a golden file can hold it.
**
** A layout (dusk__gv_layout) is a render without the render: the same
** graph and gvLayout, then Graphviz's numbers are copied into the
** dusk_viz_layout before gvFreeLayout and agclose, so nothing of Graphviz
** outlives the call there either.
**
** The SVG of a picture dusk has placed is written by svg.c, not here
** (unless "svg:graphviz" asks for Graphviz's renderer); dusk__gv_sizes
** keeps, per distinct node, what svg.c needs of Graphviz's look.
**
** The engine is dot, unless dusk has placed the nodes (layered.c; the
** scene's pos): then every node carries pos="x,y!" and the engine is
** "nop2", neato as `neato -n2` runs it, which keeps the positions, sizes
** the nodes and draws straight edges, clipped at their shapes. Before
** that, dusk__gv_sizes measures the nodes with the same engine on a
** graph of one node per distinct label, shape and font.
*/
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cgraph.h>
#include <gvc.h>

#include "dusk/alloc.h"
#include "scene.h"

/* The sanitizer suppressions for Graphviz's and pango's caches are in
 * core/alloc.c, which every dusk program links. */

static pthread_mutex_t gv_mu = PTHREAD_MUTEX_INITIALIZER;

/* One context for the process, made on first use (caller holds gv_mu).
 * Graphviz 2.43 leaks what gvconfig allocates each time a context is
 * made and freed, and loading the plugins costs milliseconds, so the
 * context is kept: a cache, like the plugins' own, reachable to the end. */
static GVC_t *gv_ctx;

void dusk__gv_lock(void) { pthread_mutex_lock(&gv_mu); }
void dusk__gv_unlock(void) { pthread_mutex_unlock(&gv_mu); }

/* --- Graphviz's messages (caller holds gv_mu) ------------------------------------ */

static char gv_msg[DUSK_ERROR_MSG_MAX];
static size_t gv_msg_len;

static int catch_msg(char *msg)
{
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        n--;
    if (gv_msg_len && gv_msg_len + 2 < sizeof gv_msg) {
        gv_msg[gv_msg_len++] = ';';
        gv_msg[gv_msg_len++] = ' ';
    }
    size_t room = sizeof gv_msg - 1 - gv_msg_len;
    if (n > room)
        n = room;
    memcpy(gv_msg + gv_msg_len, msg, n);
    gv_msg_len += n;
    gv_msg[gv_msg_len] = '\0';
    return 0;
}

/* --- agwrite into memory ------------------------------------------------------- */

static int buf_putstr(void *chan, const char *str)
{
    dusk__buf *b = chan;
    dusk__buf_add(b, str, strlen(str));
    return b->failed ? EOF : 0;
}

static int buf_flush(void *chan)
{
    (void)chan;
    return 0;
}

static Agiodisc_t buf_io = {NULL, buf_putstr, buf_flush};

/* --- scene -> cgraph (caller holds gv_mu) --------------------------------------- */

static const char *const attr_names[DUSK__NA_COUNT] = {
    [DUSK__NA_LABEL] = "label",         [DUSK__NA_SHAPE] = "shape",
    [DUSK__NA_TOOLTIP] = "tooltip",     [DUSK__NA_STYLE] = "style",
    [DUSK__NA_COLOR] = "color",         [DUSK__NA_FILLCOLOR] = "fillcolor",
    [DUSK__NA_FONTCOLOR] = "fontcolor", [DUSK__NA_FONTNAME] = "fontname",
    [DUSK__NA_FONTSIZE] = "fontsize",   [DUSK__NA_PENWIDTH] = "penwidth",
    [DUSK__NA_MARGIN] = "margin",       [DUSK__NA_WIDTH] = "width",
    [DUSK__NA_HEIGHT] = "height",       [DUSK__NA_FIXEDSIZE] = "fixedsize",
};

/* Builds the cgraph graph of s; NULL when Graphviz or memory fails. Its
 * nodes go to nodes[] (s->nnodes of them) and, when edges is not NULL,
 * its edges to edges[] (s->nedges), in the scene's order. */
static int is_legend(const dusk__viz_scene *s, size_t v)
{
    return s->legend_n && v >= s->legend_first && v < s->legend_first + s->legend_n;
}

static Agraph_t *to_cgraph(const dusk__viz_scene *s, Agdisc_t *disc, Agnode_t **nodes,
                           Agedge_t **edges)
{
    Agraph_t *g = agopen((char *)"dusk", Agdirected, disc);
    if (!g)
        return NULL;
    for (size_t i = 0; i < s->ngattr; i++)
        agattr(g, AGRAPH, (char *)s->gattr[i][0], (char *)s->gattr[i][1]);

    /* Declare the attributes in use, in a fixed order, with defaults. */
    Agsym_t *sym[DUSK__NA_COUNT] = {0};
    for (int a = 0; a < DUSK__NA_COUNT; a++) {
        int used = s->ndef[a] != NULL;
        for (size_t i = 0; !used && i < s->nnodes; i++)
            used = s->nodes[i].a[a] != NULL;
        if (!used)
            continue;
        const char *def = s->ndef[a] ? s->ndef[a] : a == DUSK__NA_LABEL ? "\\N" : "";
        sym[a] = agattr(g, AGNODE, (char *)attr_names[a], (char *)def);
        if (!sym[a])
            goto fail;
    }

    /* dusk's positions, pinned ('!'), for neato -n2 (layered.c) */
    Agsym_t *pos = s->pos ? agattr(g, AGNODE, (char *)"pos", (char *)"") : NULL;
    if (s->pos && !pos)
        goto fail;

    for (size_t i = 0; i < s->nnodes; i++) {
        const dusk__viz_node *vn = &s->nodes[i];
        Agnode_t *n = nodes[i] = agnode(g, (char *)vn->name, 1);
        if (!n)
            goto fail;
        for (int a = 0; a < DUSK__NA_COUNT; a++) {
            if (!vn->a[a])
                continue;
            agxset(n, sym[a], (char *)vn->a[a]);
        }
        if (pos) {
            char xy[64];
            snprintf(xy, sizeof xy, "%.2f,%.2f!", s->pos[2 * i], s->pos[2 * i + 1]);
            agxset(n, pos, xy);
        }
    }
    Agsym_t *estyle = NULL;
    Agsym_t *epos = s->pos && s->epos ? agattr(g, AGEDGE, (char *)"pos", (char *)"") : NULL;
    if (s->pos && s->epos && !epos)
        goto fail;
    /* The legend is a row read left to right. With rankdir BT or TB a
     * rank is a row, so its nodes share one (rank=same, below). With LR or
     * RL a rank is a column: the nodes are left in ranks of their own, one
     * after another along the invisible edges that join them, which RL
     * runs right to left, so they are turned round there. */
    const char *rankdir = "BT";
    for (size_t i = 0; i < s->ngattr; i++)
        if (strcmp(s->gattr[i][0], "rankdir") == 0)
            rankdir = s->gattr[i][1];
    int legend_row = !s->pos && (rankdir[0] == 'L' || rankdir[0] == 'R');
    for (size_t i = 0; i < s->nedges; i++) {
        size_t tail = s->edges[i].tail, head = s->edges[i].head;
        if (legend_row && rankdir[0] == 'R' && s->edges[i].invis && is_legend(s, tail) &&
            is_legend(s, head)) {
            tail = s->edges[i].head;
            head = s->edges[i].tail;
        }
        Agedge_t *e = agedge(g, nodes[tail], nodes[head], NULL, 1);
        if (!e)
            goto fail;
        if (epos && s->epos[i])
            agxset(e, epos, (char *)s->epos[i]);
        if (edges)
            edges[i] = e;
        if (s->edges[i].invis) {
            if (!estyle)
                estyle = agattr(g, AGEDGE, (char *)"style", (char *)"");
            agxset(e, estyle, (char *)"invis");
        }
    }
    if (s->legend_n && !legend_row) {
        /* subgraph legend { rank=same; legend0; legend1; ... } */
        Agraph_t *row = agsubg(g, (char *)"legend", 1);
        if (!row)
            goto fail;
        agsafeset(row, (char *)"rank", (char *)"same", (char *)"");
        for (size_t i = 0; i < s->legend_n; i++)
            agsubnode(row, nodes[s->legend_first + i], 1);
    }
    return g;
fail:
    agclose(g);
    return NULL;
}

/* --- one call into Graphviz ------------------------------------------------------ */

/* A call: the lock held, Graphviz's messages caught, its handler and level
 * saved to be put back. */
typedef struct gv_call {
    agusererrf old_f;
    agerrlevel_t old_level;
} gv_call;

static void gv_enter(gv_call *c)
{
    pthread_mutex_lock(&gv_mu);
    gv_msg_len = 0;
    gv_msg[0] = '\0';
    c->old_f = agseterrf(catch_msg);
    c->old_level = agseterr(AGWARN);
}

/* Sets err for rc (DUSK_EIO: with Graphviz's message; DUSK_ENOMEM) saying
 * what failed, then puts Graphviz's handler back and unlocks. */
static int gv_leave(gv_call *c, int rc, const char *what, dusk_error *err)
{
    agseterr(c->old_level);
    agseterrf(c->old_f);
    if (rc == DUSK_EIO)
        dusk_error_set(err, rc, "visualize: Graphviz could not %s: %s", what,
                       gv_msg_len ? gv_msg : "(no message)");
    else if (rc == DUSK_ENOMEM)
        dusk_error_set(err, rc, "visualize: out of memory to %s", what);
    pthread_mutex_unlock(&gv_mu);
    return rc;
}

/* The process's context, made on first use (caller holds gv_mu). */
static GVC_t *context(void)
{
    if (!gv_ctx)
        gv_ctx = gvContext();
    return gv_ctx;
}

/* The layout engine: dot, or for a scene dusk has placed, neato keeping
 * the given positions and drawing the missing edges (its -n2 mode). */
static const char *engine(const dusk__viz_scene *s)
{
    return s->pos ? "nop2" : "dot";
}

/* Graphviz 2.43's nop engines leave the node list neato scans the graph
 * into (GD_neato_nlist, a pointer per node) for neato_cleanup to free only
 * when its global Nop is still set, which it no longer is by then: freed
 * here, after gvLayout, and cleared so that a Graphviz that does free it
 * finds NULL. */
static void nop_done(const dusk__viz_scene *s, Agraph_t *g)
{
    if (s->pos && GD_neato_nlist(g)) {
        free(GD_neato_nlist(g));
        GD_neato_nlist(g) = NULL;
    }
}

/* --- rendering --------------------------------------------------------------------- */

/* Copies n bytes into a new NUL-terminated dusk buffer. */
static int take(const char *data, size_t n, char **buf, size_t *len)
{
    char *p = dusk_malloc(n + 1);
    if (!p)
        return DUSK_ENOMEM;
    memcpy(p, data, n);
    p[n] = '\0';
    *buf = p;
    *len = n;
    return 0;
}

/* Graphviz's cairo renderer draws a bitmap (PNG, JPEG) of at most 32,767
 * pixels a side: past that it scales the picture down and says so on
 * stderr, unattributed ("(null): graph is too large for cairo-renderer
 * bitmaps"). So dusk scales it first, through the drawing's size (what
 * the size attribute sets, in points, which the renderer applies), and
 * says so itself. The picture's size in pixels at the renderer's 96 dpi,
 * with its 4 points of padding a side, goes in *wpx, *hpx; returns the
 * scale (1: it fits). Caller holds gv_mu, after gvLayout. */
#define BITMAP_MAX_PX 32767
#define BITMAP_DPI 96.0
static double fit_bitmap(Agraph_t *g, const char *gvfmt, double *wpx, double *hpx)
{
    if (strcmp(gvfmt, "png") != 0 && strcmp(gvfmt, "jpg") != 0)
        return 1;
    boxf bb = GD_bb(g);
    double w = bb.UR.x - bb.LL.x + 8, h = bb.UR.y - bb.LL.y + 8;
    *wpx = w * BITMAP_DPI / 72;
    *hpx = h * BITMAP_DPI / 72;
    /* 32,000 pixels: below the limit, whatever Graphviz rounds */
    double most = 32000 * 72 / BITMAP_DPI;
    if ((w <= most && h <= most) || !GD_drawing(g))
        return 1;
    GD_drawing(g)->size.x = GD_drawing(g)->size.y = most;
    double sw = most / w, sh = most / h;
    return sw < sh ? sw : sh;
}

int dusk__gv_render(const dusk__viz_scene *s, const char *gvfmt, char **buf,
                    size_t *len, dusk_error *err)
{
    *buf = NULL;
    *len = 0;
    int rc = 0;
    int dot = strcmp(gvfmt, "dot") == 0;
    dusk__buf out = {0};
    Agdisc_t disc = {&AgMemDisc, &AgIdDisc, &buf_io};
    Agnode_t **nodes = dusk_malloc((s->nnodes ? s->nnodes : 1) * sizeof *nodes);
    if (!nodes)
        return dusk_error_set(err, DUSK_ENOMEM, "visualize: out of memory");

    double wpx = 0, hpx = 0, scale = 1;        /* a bitmap's size, fit_bitmap */
    gv_call call;
    gv_enter(&call);
    GVC_t *gvc = NULL;
    Agraph_t *g = to_cgraph(s, &disc, nodes, NULL);
    if (!g) {
        rc = gv_msg_len ? DUSK_EIO : DUSK_ENOMEM;
        goto done;
    }
    if (dot) {
        if (agwrite(g, &out) == EOF || out.failed) {
            rc = DUSK_ENOMEM;
            goto done;
        }
        rc = take(out.data ? out.data : "", out.len, buf, len);
        goto done;
    }
    if (!(gvc = context())) {
        rc = DUSK_ENOMEM;
        goto done;
    }
    if (gvLayout(gvc, g, engine(s)) != 0) {
        rc = DUSK_EIO;
        goto done;
    }
    nop_done(s, g);
    scale = fit_bitmap(g, gvfmt, &wpx, &hpx);
    /* Into a memory stream rather than gvRenderData: Graphviz grows its
     * own buffer to fit each write, a realloc (and for a big picture an
     * mremap) per page written, which cost a quarter of rendering 186 MB
     * of SVG; a stream's buffer grows by doubling. */
    char *data = NULL;
    size_t n = 0;
    FILE *mem = open_memstream(&data, &n);
    if (!mem) {
        rc = DUSK_ENOMEM;
    } else {
        int bad = gvRender(gvc, g, gvfmt, mem) != 0;
        bad |= fclose(mem) != 0;
        if (bad || !data)
            rc = data ? DUSK_EIO : DUSK_ENOMEM;
        else
            rc = take(data, n, buf, len);
    }
    free(data);
    gvFreeLayout(gvc, g);

done:
    if (g)
        agclose(g);
    char what[32];
    snprintf(what, sizeof what, "render %s", gvfmt);
    gv_leave(&call, rc, what, err);
    if (rc == 0 && scale < 1)
        fprintf(stderr,
                "%s: the picture is %.0f x %.0f pixels, more than a %s can "
                "hold (%d a side): drawn at %.3g of its size, which may be unreadable; "
                "write SVG or PDF, or draw the layer view (%s)\n",
                s->who ? s->who : "dusk: visualize", wpx, hpx, strcmp(gvfmt, "png") == 0 ? "PNG" : "JPEG", BITMAP_MAX_PX, scale,
                s->layers_hint ? s->layers_hint : "view DUSK_VIZ_LAYERS");
    dusk__buf_free(&out);
    dusk_free(nodes);
    return rc;
}

/* --- layouts (caller holds gv_mu) ----------------------------------------------------- */

/* Graphviz's numbers, read from its layout records (types.h: ND_coord,
 * ND_lw/ND_rw/ND_ht, ED_spl, GD_bb, ND_label), not from the text of its
 * pos attributes, which it prints with five significant digits (10 points
 * apart past 100,000). The rules for colours are those of Graphviz's
 * shapes.c: a node is filled when its style says filled (or striped,
 * wedged, radial), with its fillcolor, else its color, else lightgrey;
 * its outline is its color, else black. */

typedef struct copier {
    dusk_viz_layout *l;
    double llx, ury;               /* Graphviz's (x, y) -> (x - llx, ury - y) */
} copier;

static dusk_viz_point flip(const copier *c, pointf p)
{
    dusk_viz_point q = {p.x - c->llx, c->ury - p.y};
    return q;
}

static const char *copy_str(copier *c, const char *str)
{
    return str ? dusk__arena_strndup(&c->l->mem, str, strlen(str)) : NULL;
}

/* Non-empty value of attribute name of n, or NULL. */
static const char *attr(Agnode_t *n, const char *name)
{
    const char *v = agget(n, (char *)name);
    return v && *v ? v : NULL;
}

/* Does style (Graphviz's "filled,dashed" or "rounded, filled") fill? */
static int style_fills(const char *style)
{
    static const char *const fills[] = {"filled", "striped", "wedged", "radial"};
    for (const char *p = style; p && *p;) {
        while (*p == ',' || *p == ' ' || *p == '\t')
            p++;
        size_t k = strcspn(p, ", \t(");
        for (size_t i = 0; i < sizeof fills / sizeof fills[0]; i++)
            if (k == strlen(fills[i]) && strncmp(p, fills[i], k) == 0)
                return 1;
        p += k;
        if (*p == '(')                 /* setlinewidth(2) */
            p += strcspn(p, ")") + (p[strcspn(p, ")")] ? 1 : 0);
    }
    return 0;
}

static uint32_t rgba(const char *spec, uint32_t dflt)
{
    uint32_t c;
    return spec && dusk__color_rgba(spec, &c) == 0 ? c : dflt;
}

static dusk_viz_shape shape_of(const char *name)
{
    static const struct {
        const char *name;
        dusk_viz_shape shape;
    } SHAPES[] = {
        {"circle", DUSK_VIZ_SHAPE_CIRCLE},      {"box", DUSK_VIZ_SHAPE_BOX},
        {"rect", DUSK_VIZ_SHAPE_BOX},           {"rectangle", DUSK_VIZ_SHAPE_BOX},
        {"ellipse", DUSK_VIZ_SHAPE_ELLIPSE},    {"oval", DUSK_VIZ_SHAPE_ELLIPSE},
        {"plaintext", DUSK_VIZ_SHAPE_PLAINTEXT}, {"plain", DUSK_VIZ_SHAPE_PLAINTEXT},
        {"none", DUSK_VIZ_SHAPE_PLAINTEXT},
    };
    for (size_t i = 0; name && i < sizeof SHAPES / sizeof SHAPES[0]; i++)
        if (strcmp(name, SHAPES[i].name) == 0)
            return SHAPES[i].shape;
    return DUSK_VIZ_SHAPE_OTHER;
}

/* The label as Graphviz set it: its lines (escapes resolved) joined by
 * newlines. */
static const char *copy_label(copier *c, Agnode_t *n)
{
    textlabel_t *lab = ND_label(n);
    if (!lab)
        return copy_str(c, "");
    if (lab->html || lab->u.txt.nspans <= 0)
        return copy_str(c, lab->text ? lab->text : "");
    size_t len = 0;
    for (short i = 0; i < lab->u.txt.nspans; i++)
        len += strlen(lab->u.txt.span[i].str ? lab->u.txt.span[i].str : "") + 1;
    char *text = dusk__arena_alloc(&c->l->mem, len);
    if (!text)
        return NULL;
    char *w = text;
    for (short i = 0; i < lab->u.txt.nspans; i++) {
        const char *line = lab->u.txt.span[i].str ? lab->u.txt.span[i].str : "";
        size_t k = strlen(line);
        memcpy(w, line, k);
        w += k;
        *w++ = '\n';
    }
    w[-1] = '\0';
    return text;
}

static int copy_node(copier *c, const dusk__viz_node *vn, Agnode_t *n, dusk_viz_node *out)
{
    memset(out, 0, sizeof *out);
    out->kind = vn->kind;
    out->task = vn->task;
    out->layer = copy_str(c, vn->layer);
    out->name = copy_str(c, vn->name);
    out->label = copy_label(c, n);
    if (!out->name || !out->label || (vn->layer && !out->layer))
        return DUSK_ENOMEM;
    out->shape = shape_of(ND_shape(n) ? ND_shape(n)->name : NULL);
    dusk_viz_point p = flip(c, ND_coord(n));
    out->x = p.x;
    out->y = p.y;
    out->width = ND_lw(n) + ND_rw(n);
    out->height = ND_ht(n);
    const char *color = attr(n, "color");
    if (style_fills(attr(n, "style"))) {
        const char *fill = attr(n, "fillcolor");
        fill = fill ? fill : color ? color : "lightgrey";
        out->fillcolor = copy_str(c, fill);
        if (!out->fillcolor)
            return DUSK_ENOMEM;
        out->fill = rgba(fill, 0);
    }
    out->pen = rgba(color ? color : "black", 0x000000ffu);
    const char *pw = attr(n, "penwidth");
    out->penwidth = pw ? atof(pw) : 1.0;
    out->fontcolor = rgba(ND_label(n) ? ND_label(n)->fontcolor : NULL, 0x000000ffu);
    out->fontsize = ND_label(n) ? ND_label(n)->fontsize : 14.0;
    return 0;
}

/* Edge i of the scene, Graphviz's e, into out: its spline, all pieces. */
static int copy_edge(copier *c, const dusk__viz_edge *ve, Agedge_t *e, dusk_viz_edge *out)
{
    memset(out, 0, sizeof *out);
    out->tail = ve->tail;
    out->head = ve->head;
    splines *spl = ED_spl(e);
    size_t np = 0;
    for (int i = 0; spl && i < spl->size; i++)
        np += (size_t)spl->list[i].size;
    if (np == 0)
        return 0;
    dusk_viz_point *pts = dusk__arena_alloc(&c->l->mem, np * sizeof *pts);
    if (!pts)
        return DUSK_ENOMEM;
    for (int i = 0; i < spl->size; i++) {
        const bezier *bz = &spl->list[i];
        for (int j = 0; j < bz->size; j++)
            pts[out->npoints++] = flip(c, bz->list[j]);
        if (bz->eflag) {
            out->arrow = true;
            out->tip = flip(c, bz->ep);
        }
    }
    out->points = pts;
    return 0;
}

/* Copies the laid-out g into c->l. */
static int copy_layout(copier *c, const dusk__viz_scene *s, Agraph_t *g, Agnode_t **nodes,
                       Agedge_t **edges)
{
    dusk_viz_layout *l = c->l;
    boxf bb = GD_bb(g);
    c->llx = bb.LL.x;
    c->ury = bb.UR.y;
    l->width = bb.UR.x - bb.LL.x;
    l->height = bb.UR.y - bb.LL.y;
    size_t nvis = 0;
    for (size_t i = 0; i < s->nedges; i++)
        nvis += !s->edges[i].invis;
    l->nodes = dusk__arena_alloc(&l->mem, (s->nnodes ? s->nnodes : 1) * sizeof *l->nodes);
    l->edges = dusk__arena_alloc(&l->mem, (nvis ? nvis : 1) * sizeof *l->edges);
    if (!l->nodes || !l->edges)
        return DUSK_ENOMEM;
    for (size_t i = 0; i < s->nnodes; i++, l->nnodes++)
        if (copy_node(c, &s->nodes[i], nodes[i], &l->nodes[i]))
            return DUSK_ENOMEM;
    for (size_t i = 0; i < s->nedges; i++) {
        if (s->edges[i].invis)
            continue;
        if (copy_edge(c, &s->edges[i], edges[i], &l->edges[l->nedges]))
            return DUSK_ENOMEM;
        l->nedges++;
    }
    return 0;
}

int dusk__gv_layout(const dusk__viz_scene *s, dusk_viz_layout *l, dusk_error *err)
{
    int rc = 0;
    Agdisc_t disc = {&AgMemDisc, &AgIdDisc, &buf_io};
    Agnode_t **nodes = dusk_malloc((s->nnodes ? s->nnodes : 1) * sizeof *nodes);
    Agedge_t **edges = dusk_malloc((s->nedges ? s->nedges : 1) * sizeof *edges);
    if (!nodes || !edges) {
        dusk_free(nodes);
        dusk_free(edges);
        return dusk_error_set(err, DUSK_ENOMEM, "visualize: out of memory");
    }

    gv_call call;
    gv_enter(&call);
    GVC_t *gvc = context();
    Agraph_t *g = gvc ? to_cgraph(s, &disc, nodes, edges) : NULL;
    if (!g) {
        rc = gv_msg_len ? DUSK_EIO : DUSK_ENOMEM;
    } else if (gvLayout(gvc, g, engine(s)) != 0) {
        rc = DUSK_EIO;
    } else {
        nop_done(s, g);
        copier c = {l, 0, 0};
        rc = copy_layout(&c, s, g, nodes, edges);
        gvFreeLayout(gvc, g);
    }
    if (g)
        agclose(g);
    gv_leave(&call, rc, "lay out the graph", err);
    dusk_free(nodes);
    dusk_free(edges);
    return rc;
}

/* --- node sizes (for the layered layout) ----------------------------------------------- */

/* The attributes that decide a node's size, as one string into b (NULL
 * and "" apart); 0 or DUSK_ENOMEM. */
static int size_key(const dusk__viz_node *vn, dusk__buf *b)
{
    static const int attrs[] = {DUSK__NA_LABEL, DUSK__NA_SHAPE, DUSK__NA_STYLE,
                                DUSK__NA_FONTNAME, DUSK__NA_FONTSIZE, DUSK__NA_PENWIDTH,
                                DUSK__NA_MARGIN, DUSK__NA_WIDTH, DUSK__NA_HEIGHT,
                                DUSK__NA_FIXEDSIZE};
    b->len = 0;
    for (size_t k = 0; k < sizeof attrs / sizeof attrs[0]; k++) {
        const char *v = vn->a[attrs[k]];
        /* no label: Graphviz's "\N", the node's own name */
        if (!v && attrs[k] == DUSK__NA_LABEL)
            v = vn->name;
        if (!v) {
            dusk__buf_add(b, "\x1f", 1);
            continue;
        }
        size_t at = b->len;
        dusk__buf_add(b, v, strlen(v) + 1);
        /* Digits are all as wide as each other in the fonts Graphviz
         * uses (tabular figures), so "(3, 14)" is measured as "(0, 00)":
         * a picture of 100,000 chunks has a handful of sizes, not 100,000
         * labels to measure. Were a font's digits to differ, the gap
         * between nodes (18 points) would absorb it. */
        if (attrs[k] == DUSK__NA_LABEL && !b->failed)
            for (char *c = b->data + at; *c; c++)
                if (*c >= '1' && *c <= '9')
                    *c = '0';
    }
    return b->failed ? DUSK_ENOMEM : 0;
}

/* The look of the probe node n, set by Graphviz, into lk: its size and
 * how its label is set (what Graphviz's emit_label and svg_textspan do
 * with it: the first line's baseline half the label's height above the
 * centre, less the font size, each next one a line lower, every one
 * moved by its centre-line offset). Strings and arrays in s's arena. */
static int keep_look(dusk__viz_scene *s, Agnode_t *n, dusk__viz_look *lk)
{
    memset(lk, 0, sizeof *lk);
    lk->w = ND_lw(n) + ND_rw(n);
    lk->h = ND_ht(n);
    /* poly_gencode's outline: the first periphery's vertices, scaled by
     * the size over the size in whole points */
    lk->hx = lk->w / 2;
    lk->hy = lk->h / 2;
    polygon_t *poly = ND_shape_info(n);
    int wpt = POINTS(ND_width(n)), hpt = POINTS(ND_height(n));
    if (poly && poly->vertices && poly->sides > 0 && wpt > 0 && hpt > 0) {
        double mx = 0, my = 0;
        for (int v = 0; v < poly->sides; v++) {
            mx = fmax(mx, fabs(poly->vertices[v].x));
            my = fmax(my, fabs(poly->vertices[v].y));
        }
        lk->hx = mx * lk->w / wpt;
        lk->hy = my * lk->h / hpt;
    }
    textlabel_t *lab = ND_label(n);
    if (!lab || lab->html)
        return 0;                      /* no text svg.c can set: Graphviz's */
    size_t k = lab->u.txt.nspans > 0 ? (size_t)lab->u.txt.nspans : 0;
    double *dx = dusk__arena_alloc(&s->arena, (k ? k : 1) * 2 * sizeof *dx);
    char *just = dusk__arena_alloc(&s->arena, k ? k : 1);
    dusk__buf b = {0};
    if (!dx || !just)
        return DUSK_ENOMEM;
    double *dy = dx + (k ? k : 1);
    /* a node's label is centred on it (the probe's label position is not
     * moved with the node when neato shifts the drawing) */
    double y = lab->dimen.y / 2 - lab->fontsize;
    double fontsize = lab->fontsize;
    PostscriptAlias *pa = NULL;
    for (size_t i = 0; i < k; i++) {
        textspan_t *sp = &lab->u.txt.span[i];
        char j = sp->just == 'l' || sp->just == 'r' ? sp->just : 'n';
        just[i] = j;
        dx[i] = j == 'l' ? -lab->space.x / 2 : j == 'r' ? lab->space.x / 2 : 0;
        dy[i] = y + sp->yoffset_centerline;
        y -= sp->size.y;
        if (i == 0 && sp->font) {
            pa = sp->font->postscript_alias;
            if (sp->font->size > 0)
                fontsize = sp->font->size;
        }
    }
    /* svg_textspan's attributes, for fonts as Graphviz names them natively */
    if (pa) {
        dusk__buf_printf(&b, " font-family=\"%s", pa->family ? pa->family : "");
        if (pa->svg_font_family)
            dusk__buf_printf(&b, ",%s", pa->svg_font_family);
        dusk__buf_add(&b, "\"", 1);
        if (pa->weight)
            dusk__buf_printf(&b, " font-weight=\"%s\"", pa->weight);
        if (pa->stretch)
            dusk__buf_printf(&b, " font-stretch=\"%s\"", pa->stretch);
        if (pa->style)
            dusk__buf_printf(&b, " font-style=\"%s\"", pa->style);
    } else {
        dusk__buf_printf(&b, " font-family=\"%s\"", lab->fontname ? lab->fontname : "");
    }
    dusk__buf_printf(&b, " font-size=\"%.2f\"", fontsize);
    if (b.failed) {
        dusk__buf_free(&b);
        return DUSK_ENOMEM;
    }
    lk->font = dusk__arena_strndup(&s->arena, b.data, b.len);
    dusk__buf_free(&b);
    if (!lk->font)
        return DUSK_ENOMEM;
    lk->nlines = k;
    lk->dx = dx;
    lk->dy = dy;
    lk->just = just;
    return 0;
}

int dusk__gv_sizes(dusk__viz_scene *s, double *w, double *h, dusk_error *err)
{
    /* One probe node per distinct key: a scene of its own, no edges, every
     * node at (0, 0), laid out by neato -n2 (sizes, no positions). */
    size_t n = s->nnodes;
    dusk__strtab keys = {0};
    dusk__buf b = {0};
    int64_t *kid = dusk_malloc((n ? n : 1) * sizeof *kid);
    dusk__viz_scene probe;
    dusk__scene_init(&probe);
    probe.nodes = dusk_malloc((n ? n : 1) * sizeof *probe.nodes);
    Agnode_t **nodes = dusk_malloc((n ? n : 1) * sizeof *nodes);
    int rc = 0;
    if (!kid || !probe.nodes || !nodes) {
        rc = DUSK_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        if (size_key(&s->nodes[i], &b)) {
            rc = DUSK_ENOMEM;
            goto done;
        }
        kid[i] = dusk__strtab_intern(&keys, b.data, b.len);
        if (kid[i] < 0) {
            rc = DUSK_ENOMEM;
            goto done;
        }
        if ((size_t)kid[i] == probe.nnodes) {
            probe.nodes[probe.nnodes] = s->nodes[i];
            probe.nodes[probe.nnodes].a[DUSK__NA_TOOLTIP] = NULL;
            probe.nnodes++;
        }
    }
    memcpy(probe.ndef, s->ndef, sizeof probe.ndef);
    probe.pos = dusk_calloc(probe.nnodes ? 2 * probe.nnodes : 1, sizeof *probe.pos);
    double *pw = dusk_malloc((probe.nnodes ? probe.nnodes : 1) * sizeof *pw);
    double *ph = dusk_malloc((probe.nnodes ? probe.nnodes : 1) * sizeof *ph);
    if (!probe.pos || !pw || !ph) {
        dusk_free(pw);
        dusk_free(ph);
        rc = DUSK_ENOMEM;
        goto done;
    }

    Agdisc_t disc = {&AgMemDisc, &AgIdDisc, &buf_io};
    gv_call call;
    gv_enter(&call);
    GVC_t *gvc = context();
    Agraph_t *g = gvc ? to_cgraph(&probe, &disc, nodes, NULL) : NULL;
    if (!g) {
        rc = gv_msg_len ? DUSK_EIO : DUSK_ENOMEM;
    } else if (gvLayout(gvc, g, "nop2") != 0) {
        rc = DUSK_EIO;
    } else {
        nop_done(&probe, g);
        dusk_free(s->looks);
        dusk_free(s->lookof);
        s->nlooks = 0;
        s->looks = dusk_malloc((probe.nnodes ? probe.nnodes : 1) * sizeof *s->looks);
        s->lookof = dusk_malloc((n ? n : 1) * sizeof *s->lookof);
        if (!s->looks || !s->lookof)
            rc = DUSK_ENOMEM;
        for (size_t k = 0; k < probe.nnodes && rc == 0; k++) {
            pw[k] = ND_lw(nodes[k]) + ND_rw(nodes[k]);
            ph[k] = ND_ht(nodes[k]);
            rc = keep_look(s, nodes[k], &s->looks[k]);
        }
        if (rc == 0)
            s->nlooks = probe.nnodes;
        gvFreeLayout(gvc, g);
    }
    if (g)
        agclose(g);
    gv_leave(&call, rc, "measure the nodes", err);
    if (rc == 0)
        for (size_t i = 0; i < n; i++) {
            w[i] = pw[kid[i]];
            h[i] = ph[kid[i]];
            s->lookof[i] = (uint32_t)kid[i];
        }
    if (rc) {
        dusk_free(s->looks);
        dusk_free(s->lookof);
        s->looks = NULL;
        s->lookof = NULL;
        s->nlooks = 0;
    }
    dusk_free(pw);
    dusk_free(ph);
done:
    if (rc == DUSK_ENOMEM && !(err && err->code == DUSK_ENOMEM))
        dusk_error_set(err, DUSK_ENOMEM, "visualize: out of memory measuring %zu nodes", n);
    /* the probe's nodes borrow the scene's strings: not the scene's to free */
    dusk_free(probe.nodes);
    dusk_free(probe.pos);
    probe.nodes = NULL;
    probe.pos = NULL;
    dusk__scene_free(&probe);
    dusk__strtab_free(&keys);
    dusk__buf_free(&b);
    dusk_free(kid);
    dusk_free(nodes);
    return rc;
}
