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
** returns, whatever happens: agopen, gvLayout, gvRenderData,
** gvFreeRenderData, gvFreeLayout, agclose. The one context (gvContext,
** with its plugins) is made once and kept for the process, and Graphviz's
** plugins keep their own caches (the pango plugin's font map, fontconfig's
** font lists); nothing else outlives a call (see
** tests/data/viz/valgrind.supp).
**
** Graphviz's error messages are caught (agseterrf) for the duration of
** the call and end up in the dusk_error; its handler and level are put
** back afterwards.
**
** DOT output is the graph's source, written by agwrite through an I/O
** discipline that appends to a memory buffer: no layout, so it is the same
** on every machine and a golden file can hold it.
*/
#include <pthread.h>
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

static const char *const attr_names[NA_COUNT] = {
    [NA_LABEL] = "label",         [NA_SHAPE] = "shape",
    [NA_TOOLTIP] = "tooltip",     [NA_STYLE] = "style",
    [NA_COLOR] = "color",         [NA_FILLCOLOR] = "fillcolor",
    [NA_FONTCOLOR] = "fontcolor", [NA_FONTNAME] = "fontname",
    [NA_FONTSIZE] = "fontsize",   [NA_PENWIDTH] = "penwidth",
    [NA_MARGIN] = "margin",       [NA_WIDTH] = "width",
    [NA_HEIGHT] = "height",       [NA_FIXEDSIZE] = "fixedsize",
};

/* Builds the cgraph graph of s; NULL when Graphviz or memory fails. */
static Agraph_t *to_cgraph(const viz_scene *s, Agdisc_t *disc)
{
    Agraph_t *g = agopen((char *)"dusk", Agdirected, disc);
    if (!g)
        return NULL;
    for (size_t i = 0; i < s->ngattr; i++)
        agattr(g, AGRAPH, (char *)s->gattr[i][0], (char *)s->gattr[i][1]);

    /* Declare the attributes in use, in a fixed order, with defaults. */
    Agsym_t *sym[NA_COUNT] = {0};
    for (int a = 0; a < NA_COUNT; a++) {
        int used = s->ndef[a] != NULL;
        for (size_t i = 0; !used && i < s->nnodes; i++)
            used = s->nodes[i].a[a] != NULL;
        if (!used)
            continue;
        const char *def = s->ndef[a] ? s->ndef[a] : a == NA_LABEL ? "\\N" : "";
        sym[a] = agattr(g, AGNODE, (char *)attr_names[a], (char *)def);
        if (!sym[a])
            goto fail;
    }

    Agnode_t **nodes = dusk_malloc((s->nnodes ? s->nnodes : 1) * sizeof *nodes);
    if (!nodes)
        goto fail;
    for (size_t i = 0; i < s->nnodes; i++) {
        const viz_node *vn = &s->nodes[i];
        Agnode_t *n = nodes[i] = agnode(g, (char *)vn->name, 1);
        if (!n) {
            dusk_free(nodes);
            goto fail;
        }
        for (int a = 0; a < NA_COUNT; a++) {
            if (!vn->a[a])
                continue;
            agxset(n, sym[a], (char *)vn->a[a]);
        }
    }
    Agsym_t *estyle = NULL;
    for (size_t i = 0; i < s->nedges; i++) {
        Agedge_t *e = agedge(g, nodes[s->edges[i].tail], nodes[s->edges[i].head], NULL, 1);
        if (!e) {
            dusk_free(nodes);
            goto fail;
        }
        if (s->edges[i].invis) {
            if (!estyle)
                estyle = agattr(g, AGEDGE, (char *)"style", (char *)"");
            agxset(e, estyle, (char *)"invis");
        }
    }
    if (s->legend_n) {
        /* subgraph legend { rank=same; legend0; legend1; ... } */
        Agraph_t *row = agsubg(g, (char *)"legend", 1);
        if (!row) {
            dusk_free(nodes);
            goto fail;
        }
        agsafeset(row, (char *)"rank", (char *)"same", (char *)"");
        for (size_t i = 0; i < s->legend_n; i++)
            agsubnode(row, nodes[s->legend_first + i], 1);
    }
    dusk_free(nodes);
    return g;
fail:
    agclose(g);
    return NULL;
}

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

int dusk__gv_render(const viz_scene *s, const char *gvfmt, char **buf,
                    size_t *len, dusk_error *err)
{
    *buf = NULL;
    *len = 0;
    int rc = 0;
    int dot = strcmp(gvfmt, "dot") == 0;
    dusk__buf out = {0};
    Agdisc_t disc = {&AgMemDisc, &AgIdDisc, &buf_io};

    pthread_mutex_lock(&gv_mu);
    gv_msg_len = 0;
    gv_msg[0] = '\0';
    agusererrf old_f = agseterrf(catch_msg);
    agerrlevel_t old_level = agseterr(AGWARN);

    GVC_t *gvc = NULL;
    Agraph_t *g = to_cgraph(s, &disc);
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
    if (!gv_ctx)
        gv_ctx = gvContext();
    gvc = gv_ctx;
    if (!gvc) {
        rc = DUSK_ENOMEM;
        goto done;
    }
    if (gvLayout(gvc, g, "dot") != 0) {
        rc = DUSK_EIO;
        goto done;
    }
    char *data = NULL;
    unsigned int n = 0;
    if (gvRenderData(gvc, g, gvfmt, &data, &n) != 0 || !data) {
        rc = DUSK_EIO;
    } else {
        rc = take(data, n, buf, len);
    }
    if (data)
        gvFreeRenderData(data);
    gvFreeLayout(gvc, g);

done:
    if (g)
        agclose(g);
    agseterr(old_level);
    agseterrf(old_f);
    if (rc == DUSK_EIO)
        dusk_error_set(err, rc, "visualize: Graphviz could not render %s: %s",
                       gvfmt, gv_msg_len ? gv_msg : "(no message)");
    else if (rc == DUSK_ENOMEM)
        dusk_error_set(err, rc, "visualize: out of memory rendering %s", gvfmt);
    pthread_mutex_unlock(&gv_mu);
    dusk__buf_free(&out);
    return rc;
}
