/*
** dusk viz — scenes: nodes, edges and attributes before Graphviz sees them
**
** A scene is plain data (see scene.h): growable arrays of nodes and edges
** and an arena of strings that is freed in one go. Errors are sticky: the
** first failed allocation sets s->oom, later calls do nothing, and the
** builder asks dusk__scene_status once at the end.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dusk/alloc.h"
#include "scene.h"

/* Scene strings come from the scene's arena (core/util.h); a failure is
 * sticky. */
static char *arena_alloc(dusk__viz_scene *s, size_t n)
{
    if (s->oom)
        return NULL;
    char *p = dusk__arena_alloc(&s->arena, n);
    if (!p)
        s->oom = 1;
    return p;
}

void dusk__scene_init(dusk__viz_scene *s)
{
    memset(s, 0, sizeof *s);
}

void dusk__scene_free(dusk__viz_scene *s)
{
    dusk_free(s->nodes);
    dusk_free(s->edges);
    dusk_free(s->pos);
    dusk_free(s->epos);
    dusk_free(s->looks);
    dusk_free(s->lookof);
    dusk__arena_free(&s->arena);
    memset(s, 0, sizeof *s);
}

int dusk__scene_status(const dusk__viz_scene *s, dusk_error *err)
{
    if (s->oom)
        return dusk_error_set(err, DUSK_ENOMEM,
                              "visualize: out of memory building the picture");
    return 0;
}

char *dusk__scene_strdup(dusk__viz_scene *s, const char *str)
{
    size_t n = strlen(str) + 1;
    char *p = arena_alloc(s, n);
    if (p)
        memcpy(p, str, n);
    return p;
}

const char *dusk__scene_take(dusk__viz_scene *s, dusk__buf *b)
{
    const char *r = NULL;
    if (b->failed)
        s->oom = 1;
    else
        r = dusk__scene_strdup(s, b->data ? b->data : "");
    dusk__buf_free(b);
    return r;
}

/* Grows *p (of *cap items of size sz) to hold one more. */
static int grow(dusk__viz_scene *s, void **p, size_t *cap, size_t n, size_t sz)
{
    if (n < *cap)
        return 0;
    size_t ncap = *cap ? 2 * *cap : 64;
    void *q = dusk_realloc(*p, ncap * sz);
    if (!q) {
        s->oom = 1;
        return -1;
    }
    *p = q;
    *cap = ncap;
    return 0;
}

size_t dusk__scene_node(dusk__viz_scene *s, const char *name)
{
    if (s->oom || grow(s, (void **)&s->nodes, &s->nodes_cap, s->nnodes,
                       sizeof *s->nodes))
        return (size_t)-1;
    char *nm = dusk__scene_strdup(s, name);
    if (!nm)
        return (size_t)-1;
    dusk__viz_node *n = &s->nodes[s->nnodes];
    memset(n, 0, sizeof *n);
    n->name = nm;
    n->kind = DUSK_VIZ_NODE_LEGEND;
    n->task = -1;
    return s->nnodes++;
}

void dusk__scene_meta(dusk__viz_scene *s, size_t i, dusk_viz_node_kind kind, int64_t task,
                      const char *layer)
{
    if (s->oom || i >= s->nnodes)
        return;
    s->nodes[i].kind = kind;
    s->nodes[i].task = task;
    s->nodes[i].layer = layer;
}

void dusk__scene_set(dusk__viz_scene *s, size_t i, int a, const char *v)
{
    if (s->oom || i >= s->nnodes || a < 0 || a >= DUSK__NA_COUNT || !v)
        return;
    s->nodes[i].a[a] = v;
}

static void add_edge(dusk__viz_scene *s, size_t tail, size_t head, int invis)
{
    if (s->oom || tail >= s->nnodes || head >= s->nnodes)
        return;
    if (grow(s, (void **)&s->edges, &s->edges_cap, s->nedges, sizeof *s->edges))
        return;
    s->edges[s->nedges].tail = tail;
    s->edges[s->nedges].head = head;
    s->edges[s->nedges].invis = invis;
    s->nedges++;
}

void dusk__scene_edge(dusk__viz_scene *s, size_t tail, size_t head)
{
    add_edge(s, tail, head, 0);
}

void dusk__scene_edge_invis(dusk__viz_scene *s, size_t tail, size_t head)
{
    add_edge(s, tail, head, 1);
}

void dusk__scene_gattr(dusk__viz_scene *s, const char *name, const char *value)
{
    if (!name || !value)
        return;
    for (size_t i = 0; i < s->ngattr; i++)
        if (strcmp(s->gattr[i][0], name) == 0) {
            s->gattr[i][1] = value;
            return;
        }
    if (s->ngattr < DUSK__VIZ_MAX_GATTR) {
        s->gattr[s->ngattr][0] = name;
        s->gattr[s->ngattr][1] = value;
        s->ngattr++;
    }
}

/* --- growable strings ------------------------------------------------------------- */

/* Length of the UTF-8 sequence at s that XML can hold, or 0: none, an
 * overlong form, a surrogate, past U+10FFFF, or U+FFFE/U+FFFF. */
static size_t xml_utf8_len(const unsigned char *s)
{
    unsigned char u = s[0];
    size_t k = u >= 0xc2 && u <= 0xdf ? 2 : u >= 0xe0 && u <= 0xef ? 3
             : u >= 0xf0 && u <= 0xf4 ? 4 : 0;
    for (size_t j = 1; j < k; j++)
        if ((s[j] & 0xc0) != 0x80)
            return 0;
    if ((u == 0xe0 && s[1] < 0xa0) || (u == 0xed && s[1] > 0x9f) || (u == 0xf0 && s[1] < 0x90) ||
        (u == 0xf4 && s[1] > 0x8f) || (u == 0xef && s[1] == 0xbf && s[2] >= 0xbe))
        return 0;
    return k;
}

void dusk__buf_esc(dusk__buf *b, const char *s)
{
    const char *run = s;
    size_t lines = 1;
    while (*s) {
        unsigned char c = (unsigned char)*s;
        size_t k = c >= 0x80 ? xml_utf8_len((const unsigned char *)s) : 0;
        if (k) {
            s += k;
            continue;
        }
        if (c == '\n' && ++lines > DUSK__VIZ_MAX_LINES) {
            dusk__buf_add(b, run, (size_t)(s - run));
            dusk__buf_add(b, "\xe2\x80\xa6", 3);   /* an ellipsis: the rest is cut */
            return;
        }
        if (c != '\\' && (c >= 0x20 || c == '\t' || c == '\n' || c == '\r') && c < 0x80) {
            s++;
            continue;
        }
        dusk__buf_add(b, run, (size_t)(s - run));
        if (c == '\\') {
            dusk__buf_add(b, "\\\\", 2);
        } else if (c < 0x80) {
            dusk__buf_add(b, "\xef\xbf\xbd", 3);   /* a control: U+FFFD */
        } else if (c == 0xef && (unsigned char)s[1] == 0xbf &&
                   ((unsigned char)s[2] == 0xbe || (unsigned char)s[2] == 0xbf)) {
            dusk__buf_add(b, "\xef\xbf\xbd", 3);   /* U+FFFE, U+FFFF */
            s += 2;
        } else {
            char two[2] = {(char)(0xc0 | c >> 6), (char)(0x80 | (c & 0x3f))};
            dusk__buf_add(b, two, 2);               /* a stray byte: Latin-1 */
        }
        run = ++s;
    }
    dusk__buf_add(b, run, (size_t)(s - run));
}


void dusk__buf_shape(dusk__buf *b, int ndim, const int64_t *shape)
{
    dusk__buf_add(b, "(", 1);
    for (int d = 0; d < ndim; d++) {
        if (shape[d] == DUSK_UNKNOWN_SIZE)   /* known once computed (x[mask]): Dask's nan */
            dusk__buf_printf(b, d ? ", nan" : "nan");
        else
            dusk__buf_printf(b, d ? ", %lld" : "%lld", (long long)shape[d]);
    }
    dusk__buf_add(b, ndim == 1 ? ",)" : ")", ndim == 1 ? 2 : 1);
}

void dusk__buf_fixed2(dusk__buf *b, double v)
{
    double r = v * 100, fl = floor(r), fr = r - fl;
    /* printf rounds the exact binary value: a product too near a tie (or
     * too big for the integers below) is left to it */
    if (!(fabs(r) < 9e15) || fabs(fr - 0.5) < 1e-6) {
        dusk__buf_printf(b, "%.2f", v);
        return;
    }
    long long q = (long long)(fr > 0.5 ? fl + 1 : fl);
    unsigned long long a = q < 0 ? (unsigned long long)-q : (unsigned long long)q;
    char tmp[32];
    int t = 0;
    tmp[t++] = (char)('0' + a % 10);
    tmp[t++] = (char)('0' + a / 10 % 10);
    tmp[t++] = '.';
    a /= 100;
    do {
        tmp[t++] = (char)('0' + a % 10);
        a /= 10;
    } while (a);
    if (q < 0 || (q == 0 && signbit(v)))
        tmp[t++] = '-';                  /* printf's "-0.00" */
    char w[32];
    for (int k = 0; k < t; k++)
        w[k] = tmp[t - 1 - k];
    dusk__buf_add(b, w, (size_t)t);
}

double dusk__read_num(const char *s, const char **end)
{
    /* [-]digits[.d[d]], the common case, by hand: the integer over 100 is
     * the double strtod gives (both are correctly rounded) */
    const char *p = s;
    int neg = *p == '-';
    p += neg;
    unsigned long long m = 0;
    int nd = 0, nf = 0;
    while (*p >= '0' && *p <= '9' && nd < 15) {
        m = m * 10 + (unsigned)(*p++ - '0');
        nd++;
    }
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9' && nf < 2) {
            m = m * 10 + (unsigned)(*p++ - '0');
            nf++;
        }
    }
    if (nd == 0 || (*p >= '0' && *p <= '9') || *p == 'e' || *p == 'E' || *p == '.') {
        char *e;
        double v = strtod(s, &e);
        *end = e;
        return v;
    }
    *end = p;
    double v = nf == 2 ? (double)m / 100 : nf == 1 ? (double)m / 10 : (double)m;
    return neg ? -v : v;
}
