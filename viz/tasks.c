/*
** dusk viz — the task view: every task and every result, Dask's look
**
** What dask/dot.py's to_graphviz draws, key by key in the graph's order
** (ids are insertion order, Dask's dict order):
**
**   - a task: a circle (node "f<id>") labelled with what it does, and
**     its result, a box (node "k<id>"), with an edge circle -> box; every
**     dependency's box gets an edge into the circle;
**   - a literal value: a box alone; an alias: a box with an edge from the
**     box of the key it names;
**   - collapse_outputs: a task is one circle "k<id>" (no box), and a
**     literal or alias nobody uses and that uses nothing is left out, as
**     in Dask.
**
** Labels are Dask's (dot.py, 2022.12): circles show key_split of the key
** (verbose or not; 'inc-6a94eca2-...' and ('inc-ab12', 0) are 'inc', 'z'
** is 'z'), which array layers name after their operation; with color
** ORDER, the priority instead, as Dask does. Boxes show the chunk index
** of a tuple key ("(0, 1)", or "3" for one index: box_label, verbose or
** not); a string key's box is blank, or with verbose shows the key as it
** is (Dask's str(key)). One label is dusk's: an HDF5 source's box (from_hdf5's
** 'original-array' key), blank in Dask, shows its file and dataset,
** "rnd_data.hdf5:/data_set_1" (verbose: the key). The tooltip always
** has the whole key and the function.
**
** Node ids depend only on task ids, and nodes and edges are added in a
** fixed order, so the DOT text of a graph is always the same.
*/
#include <stdio.h>
#include <string.h>

#include "dusk/alloc.h"
#include "dusk/value.h"
#include "scene.h"

#define NONE ((size_t)-1)

typedef struct tview {
    dusk_graph *g;
    const dusk__viz_ctx *c;
    dusk__viz_scene *s;
    size_t *result;                /* node of each key's result, or NONE */
    dusk__viz_palette pal;
    double *val;                   /* colour value per id */
    uint8_t *has;                  /* val[id] is meaningful */
} tview;

/* --- labels and tooltips ------------------------------------------------------------ */

/* Dask's box_label: the indices of a tuple key, "(0, 1)" or "3". */
static void box_label(const char *key, dusk__buf *b)
{
    /* "('name', 0, 1)": skip the quoted name. */
    const char *q = strchr(key + 2, '\'');
    const char *rest = q ? q + 1 : key + strlen(key);
    if (*rest == ',')
        rest++;
    while (*rest == ' ')
        rest++;
    size_t n = strlen(rest);
    if (n && rest[n - 1] == ')')
        n--;
    /* one index: "3"; several: "(0, 1)"; none: "()" */
    int several = memchr(rest, ',', n) != NULL;
    if (several || n == 0)
        dusk__buf_add(b, "(", 1);
    char tmp[512];
    size_t m = n < sizeof tmp - 1 ? n : sizeof tmp - 1;
    memcpy(tmp, rest, m);
    tmp[m] = '\0';
    dusk__buf_esc(b, tmp);
    if (several || n == 0)
        dusk__buf_add(b, ")", 1);
}

static int is_tuple_key(const char *key)
{
    return key[0] == '(' && key[1] == '\'';
}

/* An HDF5 source's box: dusk_from_hdf5's 'original-array-<token>' key
 * (dusk_from_hdf5_named's 'original-<name>') holds the tuple (path,
 * dataset) (array/create.c). Dask leaves this box
 * blank and its key says nothing to a reader, so it shows the file's base
 * name and the dataset, "rnd_data.hdf5:/data_set_1" (the tooltip keeps the
 * key and the full path). 0 when id is not such a source. */
static int hdf5_source_label(tview *t, int64_t id, const char *key, dusk__buf *b)
{
    static const char prefix[] = "original-";
    if (strncmp(key, prefix, sizeof prefix - 1) != 0 ||
        dusk_graph_entry_kind(t->g, id) != DUSK_ENTRY_VALUE)
        return 0;
    const dusk_value *v = dusk_graph_literal(t->g, id);
    const char *path = dusk_value_str(dusk_tuple_get(v, 0));
    const char *dataset = dusk_value_str(dusk_tuple_get(v, 1));
    if (dusk_tuple_len(v) != 2 || !path || !dataset)
        return 0;
    const char *slash = strrchr(path, '/');
    dusk__buf_esc(b, slash && slash[1] ? slash + 1 : path);
    dusk__buf_add(b, ":", 1);
    dusk__buf_esc(b, dataset);
    return 1;
}

static const char *result_label(tview *t, int64_t id)
{
    const char *key = dusk_graph_key(t->g, id);
    dusk__buf b = {0};
    /* Dask's box_label: a tuple key's indices, verbose or not; a string
     * key's box blank, or with verbose the key as it is */
    if (is_tuple_key(key))
        box_label(key, &b);
    else if (t->c->o.verbose)
        dusk__buf_esc(&b, key);
    else if (!hdf5_source_label(t, id, key, &b))
        return "";
    return dusk__scene_take(t->s, &b);
}

static const char *task_label(tview *t, int64_t id)
{
    const char *key = dusk_graph_key(t->g, id);
    char name[256];
    if (t->c->o.color == DUSK_VIZ_COLOR_ORDER && t->c->prio)
        snprintf(name, sizeof name, "%lld", (long long)t->c->prio[id]);
    else
        dusk_key_split(key, name, sizeof name);     /* Dask's, whatever the key */
    dusk__buf b = {0};
    dusk__buf_esc(&b, name);
    return dusk__scene_take(t->s, &b);
}

/* key, function, value, layer shape and dtype, bytes, priority, run facts */
static const char *tooltip(tview *t, int64_t id)
{
    dusk_graph *g = t->g;
    const dusk__viz_ctx *c = t->c;
    dusk__buf b = {0};
    char tmp[512];
    dusk_graph_key_repr(g, id, tmp, sizeof tmp);
    dusk__buf_add(&b, "key: ", 5);
    dusk__buf_esc(&b, tmp);
    dusk_entry_kind kind = dusk_graph_entry_kind(g, id);
    uint64_t nbytes = 0;
    int has_bytes = 0;
    if (kind == DUSK_ENTRY_TASK) {
        const dusk_func *f = dusk_graph_func(g, id);
        dusk__buf_add(&b, "\\nfunction: ", 12);
        dusk__buf_esc(&b, f && f->name ? f->name : "?");
    } else if (kind == DUSK_ENTRY_VALUE) {
        dusk_value *v = dusk_graph_literal(g, id);
        if (v) {
            dusk_value_repr(v, tmp, 80);
            dusk__buf_add(&b, "\\nvalue: ", 9);
            dusk__buf_esc(&b, tmp);
            if (dusk_value_kind(v) == DUSK_KIND_NDARRAY) {
                dusk__buf_add(&b, "\\nshape: ", 9);
                dusk__buf_shape(&b, dusk_ndarray_ndim(v), dusk_ndarray_shape(v));
                dusk__buf_printf(&b, "\\ndtype: %s", dusk_dtype_name(dusk_ndarray_dtype(v)));
            }
            nbytes = dusk_value_nbytes(v);
            has_bytes = 1;
        }
    } else {
        const int64_t *deps;
        if (dusk_graph_dependencies(g, id, &deps) == 1) {
            dusk_graph_key_repr(g, deps[0], tmp, sizeof tmp);
            dusk__buf_add(&b, "\\nalias of: ", 12);
            dusk__buf_esc(&b, tmp);
        }
    }
    const dusk_layer_info *L = dusk__layer_of(c, dusk_graph_key(g, id));
    if (L) {
        dusk__buf_add(&b, "\\nlayer: ", 9);
        dusk__buf_esc(&b, L->name);
        dusk__buf_add(&b, "\\nshape: ", 9);
        dusk__buf_shape(&b, L->ndim, L->shape);
        dusk__buf_printf(&b, "\\ndtype: %s", dusk_dtype_name(L->dtype));
    }
    if (c->has_run && c->run.ran[id]) {
        nbytes = c->run.nbytes[id];
        has_bytes = 1;
    }
    if (has_bytes) {
        dusk__fmt_bytes(tmp, sizeof tmp, (double)nbytes);
        dusk__buf_printf(&b, "\\nbytes: %s", tmp);
    }
    if (c->prio)
        dusk__buf_printf(&b, "\\npriority: %lld", (long long)c->prio[id]);
    if (c->has_run) {
        dusk__buf_printf(&b, "\\nstate: %s", dusk__state_name(c->run.state[id]));
        if (c->run.worker[id] >= 0)
            dusk__buf_printf(&b, "\\nworker: %d", (int)c->run.worker[id]);
        if (c->run.ran[id]) {
            dusk__fmt_ns(tmp, sizeof tmp, (double)c->run.dur_ns[id]);
            dusk__buf_printf(&b, "\\nduration: %s", tmp);
        }
    }
    return dusk__scene_take(t->s, &b);
}

/* --- nodes ------------------------------------------------------------------------------ */

static void style_node(tview *t, size_t i, int64_t id, int circle)
{
    dusk__viz_scene *s = t->s;
    dusk__scene_meta(s, i, circle ? DUSK_VIZ_NODE_TASK : DUSK_VIZ_NODE_RESULT, id, NULL);
    dusk__scene_set(s, i, DUSK__NA_LABEL, circle ? task_label(t, id) : result_label(t, id));
    dusk__scene_set(s, i, DUSK__NA_SHAPE, circle ? "circle" : "box");
    dusk__scene_set(s, i, DUSK__NA_TOOLTIP, tooltip(t, id));
    if (t->has[id])
        dusk__paint(s, i, &t->pal, t->val[id]);
}

/* The node holding id's result: its box, or in collapse mode its circle
 * (tasks) or box (literals, aliases). Made on first use. */
static size_t result_node(tview *t, int64_t id)
{
    if (t->result[id] != NONE)
        return t->result[id];
    char name[32];
    snprintf(name, sizeof name, "k%lld", (long long)id);
    size_t i = dusk__scene_node(t->s, name);
    if (i == NONE)
        return NONE;
    int circle = t->c->o.collapse_outputs &&
                 dusk_graph_entry_kind(t->g, id) == DUSK_ENTRY_TASK;
    style_node(t, i, id, circle);
    return t->result[id] = i;
}

/* --- colour values ------------------------------------------------------------------- */

static void colour_values(tview *t, size_t n)
{
    const dusk__viz_ctx *c = t->c;
    dusk__viz_palette *p = &t->pal;
    memset(p, 0, sizeof *p);
    p->mode = c->o.color;
    int first = 1;
    for (size_t id = 0; id < n; id++) {
        double v = 0;
        int has = 0;
        switch (p->mode) {
        case DUSK_VIZ_COLOR_ORDER:
            if (c->prio) {
                v = (double)c->prio[id];
                has = 1;
            }
            break;
        case DUSK_VIZ_COLOR_WORKER:
            has = c->run.worker[id] >= 0;
            v = c->run.worker[id];
            break;
        case DUSK_VIZ_COLOR_DURATION:
            has = c->run.ran[id];
            v = (double)c->run.dur_ns[id];
            break;
        case DUSK_VIZ_COLOR_BYTES:
            has = c->run.ran[id] && c->run.state[id] != DUSK__VIZ_ERRED;
            v = (double)c->run.nbytes[id];
            break;
        case DUSK_VIZ_COLOR_STATE:
            has = 1;
            v = c->run.state[id];
            p->states_seen[c->run.state[id]] = 1;
            break;
        default:
            break;
        }
        t->has[id] = (uint8_t)has;
        if (!has)
            p->missing = 1;
        t->val[id] = v;
        if (has) {
            if (first || v < p->lo)
                p->lo = v;
            if (first || v > p->hi)
                p->hi = v;
            first = 0;
        }
    }
    if (p->mode == DUSK_VIZ_COLOR_DURATION || p->mode == DUSK_VIZ_COLOR_BYTES)
        p->lo = 0;
    if (c->has_run)
        p->nworkers = c->run.nworkers;
}

static const char *legend_title(dusk_viz_color m)
{
    switch (m) {
    case DUSK_VIZ_COLOR_ORDER: return "order (static priority)";
    case DUSK_VIZ_COLOR_WORKER: return "worker";
    case DUSK_VIZ_COLOR_DURATION: return "duration";
    case DUSK_VIZ_COLOR_BYTES: return "result bytes";
    case DUSK_VIZ_COLOR_STATE: return "state";
    default: return "";
    }
}

/* --- the view ------------------------------------------------------------------------ */

int dusk__build_tasks(dusk_graph *g, const dusk__viz_ctx *c, dusk__viz_scene *s, dusk_error *err)
{
    size_t n = dusk_graph_size(g);
    tview t = {g, c, s, NULL, {0}, NULL, NULL};
    t.result = dusk_malloc(n * sizeof *t.result);
    t.val = dusk_malloc(n * sizeof *t.val);
    t.has = dusk_calloc(n, 1);
    int rc = 0;
    if (!t.result || !t.val || !t.has) {
        rc = dusk_error_set(err, DUSK_ENOMEM, "visualize: out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        t.result[i] = NONE;
    colour_values(&t, n);

    for (size_t u = 0; u < n && !s->oom; u++) {
        int64_t id = (int64_t)u;
        dusk_entry_kind kind = dusk_graph_entry_kind(g, id);
        const int64_t *deps;
        int64_t nd = dusk_graph_dependencies(g, id, &deps);
        if (nd < 0) {
            rc = dusk_graph_validate(g, err);
            goto done;
        }
        if (kind == DUSK_ENTRY_TASK) {
            size_t f;
            if (c->o.collapse_outputs) {
                f = result_node(&t, id);
            } else {
                char name[32];
                snprintf(name, sizeof name, "f%lld", (long long)id);
                f = dusk__scene_node(s, name);
                if (f != NONE)
                    style_node(&t, f, id, 1);
                dusk__scene_edge(s, f, result_node(&t, id));
            }
            for (int64_t j = 0; j < nd; j++)
                dusk__scene_edge(s, result_node(&t, deps[j]), f);
        } else {
            int64_t nused;
            const int64_t *users;
            nused = dusk_graph_dependents(g, id, &users);
            if (c->o.collapse_outputs && nd == 0 && nused == 0)
                continue;          /* Dask leaves unconnected outputs out */
            size_t k = result_node(&t, id);
            for (int64_t j = 0; j < nd; j++)       /* alias: target -> key */
                dusk__scene_edge(s, result_node(&t, deps[j]), k);
        }
    }
    if (c->o.color != DUSK_VIZ_COLOR_NONE)
        dusk__legend(s, &t.pal, legend_title(c->o.color));
    rc = dusk__scene_status(s, err);
done:
    dusk_free(t.result);
    dusk_free(t.val);
    dusk_free(t.has);
    return rc;
}
