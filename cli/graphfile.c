/*
** dusk cli — the graph file: JSON that reads as a Dask graph
**
** An object from keys to entries, read with jansson (the JSON library the
** profiler already links):
**
**     {"a": 1, "x": 10, "b": ["inc", "a"], "y": ["inc", "x"],
**      "z": ["add", "b", "y"]}
**
**  - a number, true/false, null or a string is a value; a string that is
**    another key is an alias of it (Dask: {'c': 'a'});
**  - an array whose first element is a string naming a function (the
**    builtins of builtins.h, or what a --plugin registered) is a task; its
**    other elements are the arguments:
**      - a string that is a key of the graph is a reference to it, as in
**        Dask; a string written as Dask prints a tuple key, "('x', 0, 1)",
**        is a reference too (a missing one is then named); any other
**        string is text;
**      - a nested array is a list, which reaches the function as a tuple
**        of its computed items ( ["sum", ["a", "b", "c"]] ), also when
**        its first item names a function (no nested tasks: a run that
**        fails in such a task says so, cli_graph_hint);
**      - numbers, true/false, null are literals;
**  - an array whose first element is not a string is a list: a tuple
**    value, or, when it refers to keys, a task (identity) that makes the
**    tuple of their values, as Dask computes {'l': ['a', 1]};
**  - an array whose first element is a string that is neither a function
**    nor a key is refused, naming the known functions.
** Keys are set in the file's order (their ids, which break order ties).
** Duplicate keys are refused, as dict literals would silently drop one.
*/
#define _GNU_SOURCE   /* dlopen's RTLD_* under -std=c11 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <dusk/builtins.h>
#include <dusk/graph.h>

#include "cli/cli.h"

/* --- the known functions ---------------------------------------------------- */

/* The builtins, then what plugins registered (for messages). */
static const char *names[256] = {"inc", "add", "sub", "mul", "neg", "sum", "identity", "sleep"};
static size_t nnames = 8;
static char known[4096] = "inc, add, sub, mul, neg, sum, identity, sleep";

const char *cli_known_functions(void)
{
    return known;
}

/* Why register_fn first refused a function of the plugin being loaded
 * (its init returns a code alone). */
static char refused[160];

/* What plugins get: dusk_func_register, keeping the name for messages
 * (f outlives the process's use of it, and so does its name). */
static int register_fn(const dusk_func *f)
{
    int rc = dusk_func_register(f);
    if (rc != 0 && !refused[0]) {
        if (f && f->name && f->name[0] && dusk_func_lookup(f->name))
            snprintf(refused, sizeof refused, "'%s' is already a function", f->name);
        else if (rc == DUSK_EINVAL)
            snprintf(refused, sizeof refused, "a function without a name or code");
    }
    if (rc == 0 && f && f->name) {
        size_t len = strlen(known);
        snprintf(known + len, sizeof known - len, ", %s", f->name);
        if (nnames < sizeof names / sizeof names[0])
            names[nnames++] = f->name;
    }
    return rc;
}

int cli_plugin_load(const char *path, dusk_error *err)
{
    /* a bare name would be looked up in the library path: make it a path */
    char buf[4096];
    if (!strchr(path, '/'))
        snprintf(buf, sizeof buf, "./%s", path);
    else
        snprintf(buf, sizeof buf, "%s", path);
    void *lib = dlopen(buf, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        dusk_error_set(err, DUSK_EIO, "cannot load plugin %s: %s", path, dlerror());
        return 1;
    }
    typedef int (*init_fn)(int (*)(const dusk_func *));
    init_fn init;
    void *sym = dlsym(lib, "dusk_plugin_init");
    memcpy(&init, &sym, sizeof init);   /* ISO C has no object-to-function cast */
    if (!sym) {
        dlclose(lib);
        dusk_error_set(err, DUSK_EINVAL, "plugin %s has no dusk_plugin_init", path);
        return 1;
    }
    refused[0] = '\0';
    int rc = init(register_fn);
    if (rc != 0) {
        dusk_error_set(err, DUSK_EINVAL, "plugin %s: dusk_plugin_init returned %d%s%s%s", path,
                       rc, refused[0] ? " (" : "", refused, refused[0] ? ")" : "");
        return 1;   /* registered functions may point into it: it stays loaded */
    }
    return 0;
}

/* --- reading ------------------------------------------------------------------ */

typedef struct {
    const char *path;
    json_t *root;
    dusk_graph *g;
    dusk_error *err;
    const char *key;   /* the entry being read */
} reader;

/* The message (truncated to dusk_error's size, which is plenty for one line). */
static int fail(reader *r, const char *what, const char *fname)
{
    if (fname) {
        const char *near = cli_closest(fname, names, nnames);
        char hint[128] = "";
        if (near)
            snprintf(hint, sizeof hint, "did you mean '%s'? ", near);
        dusk_error_set(r->err, DUSK_EINVAL, "%s: key '%s': unknown function '%s'; %sknown: %s",
                       r->path, r->key, fname, hint, cli_known_functions());
    } else {
        dusk_error_set(r->err, DUSK_EINVAL, "%s: key '%s': %s", r->path, r->key, what);
    }
    return 1;
}

/* Dask's printed tuple key: "('name', ...)" */
static int tuple_key(const char *s)
{
    size_t n = strlen(s);
    return n >= 4 && s[0] == '(' && (s[1] == '\'' || s[1] == '"') && s[n - 1] == ')';
}

static int is_key(reader *r, const char *s)
{
    return json_object_get(r->root, s) != NULL;
}

/* A tuple key without the spaces outside its quotes, into out (n bytes);
 * 0, or -1 when it does not fit. */
static int squeezed(const char *s, char *out, size_t n)
{
    char quote = 0;
    size_t k = 0;
    for (; *s; s++) {
        if (quote) {
            if (*s == '\\' && s[1]) {
                if (k + 2 >= n)
                    return -1;
                out[k++] = *s++;
            } else if (*s == quote) {
                quote = 0;
            }
        } else if (*s == '\'' || *s == '"') {
            quote = *s;
        } else if (*s == ' ' || *s == '\t') {
            continue;
        }
        if (k + 1 >= n)
            return -1;
        out[k++] = *s;
    }
    out[k] = '\0';
    return 0;
}

/* A reference written as a tuple key that no key matches, though one does
 * but for the spaces ("('x',0)" for "('x', 0)"): said, naming that key. */
static int respaced(reader *r, json_t *j)
{
    if (json_is_array(j)) {
        size_t i;
        json_t *x;
        json_array_foreach(j, i, x) if (respaced(r, x)) return 1;
        return 0;
    }
    if (!json_is_string(j))
        return 0;
    const char *s = json_string_value(j);
    char want[512], have[512];
    if (!tuple_key(s) || is_key(r, s) || squeezed(s, want, sizeof want) != 0)
        return 0;
    const char *key;
    json_t *v;
    json_object_foreach(r->root, key, v) {
        if (tuple_key(key) && squeezed(key, have, sizeof have) == 0 && !strcmp(want, have)) {
            char what[1200];
            snprintf(what, sizeof what, "no key %s; did you mean %s? (a tuple key is written as "
                     "Dask prints it, spaces included)", s, key);
            fail(r, what, NULL);
            return 1;
        }
    }
    return 0;
}

static int refers(reader *r, json_t *j)
{
    if (json_is_string(j))
        return is_key(r, json_string_value(j)) || tuple_key(json_string_value(j));
    if (json_is_array(j)) {
        size_t i;
        json_t *x;
        json_array_foreach(j, i, x) if (refers(r, x)) return 1;
    }
    return 0;
}

static dusk_value *value_of(reader *r, json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_INTEGER: return dusk_int(json_integer_value(j));
    case JSON_REAL: return dusk_float(json_real_value(j));
    case JSON_TRUE: return dusk_bool(true);
    case JSON_FALSE: return dusk_bool(false);
    case JSON_NULL: return dusk_none();
    case JSON_STRING: return dusk_string_n(json_string_value(j), json_string_length(j));
    case JSON_ARRAY: {
        dusk_value *t = dusk_tuple_new(json_array_size(j));
        size_t i;
        json_t *x;
        json_array_foreach(j, i, x) {
            dusk_value *item = value_of(r, x);
            if (!item) {
                dusk_value_unref(t);
                return NULL;
            }
            dusk_tuple_set(t, i, item);
        }
        return t;
    }
    case JSON_OBJECT:
    default:
        return NULL;
    }
}

static int has_object(json_t *j)
{
    if (json_is_object(j))
        return 1;
    if (json_is_array(j)) {
        size_t i;
        json_t *x;
        json_array_foreach(j, i, x) if (has_object(x)) return 1;
    }
    return 0;
}

static dusk_arg *arg_of(reader *r, json_t *j)
{
    if (json_is_string(j)) {
        const char *s = json_string_value(j);
        if (is_key(r, s) || tuple_key(s))
            return dusk_ref(s);
        return dusk_lit_str(s);
    }
    if (json_is_array(j)) {
        size_t n = json_array_size(j), i;
        dusk_arg **items = malloc((n ? n : 1) * sizeof *items);
        if (!items)
            return NULL;
        json_t *x;
        json_array_foreach(j, i, x) items[i] = arg_of(r, x);
        dusk_arg *l = dusk_listv(n, items);   /* takes the items, NULLs too */
        free(items);
        return l;
    }
    return dusk_lit(value_of(r, j));
}

static int entry(reader *r, const char *key, json_t *j)
{
    r->key = key;
    if (has_object(j))
        return fail(r, "an object is neither a value nor a task", NULL);
    if (json_is_string(j) && is_key(r, json_string_value(j)) && strcmp(json_string_value(j), key))
        return dusk_graph_alias(r->g, key, json_string_value(j)) ? 2 : 0;
    if (!json_is_array(j) || json_array_size(j) == 0 || !refers(r, j)) {
        if (json_is_array(j) && json_array_size(j) && json_is_string(json_array_get(j, 0)) &&
            !is_key(r, json_string_value(json_array_get(j, 0))))
            goto task;   /* ["incc", 1]: a task, whose function is unknown */
        dusk_value *v = value_of(r, j);
        return dusk_graph_value(r->g, key, v) ? 2 : 0;
    }
task:;
    json_t *head = json_array_get(j, 0);
    const char *fname = json_is_string(head) ? json_string_value(head) : NULL;
    const dusk_func *f = fname ? dusk_func_lookup(fname) : NULL;
    size_t first = 1;
    if (respaced(r, j))
        return 1;
    if (!f && fname && !is_key(r, fname)) {
        return fail(r, NULL, fname);
    }
    if (!f) {   /* a list that refers to keys: the tuple of their values */
        f = &dusk_identity;
        first = 0;
    }
    size_t n = json_array_size(j) - first;
    dusk_arg **args = malloc((n ? n : 1) * sizeof *args);
    if (!args)
        return 2;
    if (first == 0) {
        args[0] = arg_of(r, j);
        n = 1;
    } else {
        for (size_t i = 0; i < n; i++)
            args[i] = arg_of(r, json_array_get(j, i + first));
    }
    int rc = dusk_graph_taskv(r->g, key, f, n, args);
    free(args);
    return rc ? 2 : 0;
}

/* The column of jansson's error, as dusk profile's trace reader gives it
 * (profiler/trace.c, parse_error), so that a file's one fault has one
 * place whichever subcommand reads it: jansson's column is that of the
 * last character it read, and where it stopped before the character at
 * fault (the end of the text, a byte that is not UTF-8, a control
 * character in a string) the place is that next one. */
static int json_place(const json_error_t *je)
{
    enum json_error_code code = json_error_code(je);
    if (code == json_error_premature_end_of_input || code == json_error_invalid_utf8 ||
        (code == json_error_invalid_syntax && (!strncmp(je->text, "control character", 17) ||
                                               !strncmp(je->text, "unexpected newline", 18))))
        return je->column + 1;
    return je->column;
}

int cli_graph_load(const char *path, dusk_graph **out, dusk_error *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        dusk_error_set(err, DUSK_EIO, "cannot read %s: %s", path, strerror(errno));
        return 1;
    }
    json_error_t je;
    errno = 0;
    json_t *root = json_loadf(f, JSON_REJECT_DUPLICATES, &je);
    /* fopen opens a directory; its read fails (EISDIR): say why */
    int read_err = ferror(f) ? (errno ? errno : EIO) : 0;
    fclose(f);
    if (!root) {
        if (read_err)
            dusk_error_set(err, DUSK_EIO, "cannot read %s: %s", path, strerror(read_err));
        else if (strstr(je.text, "JSON_ALLOW_NUL"))   /* keys and text are C strings */
            dusk_error_set(err, DUSK_EINVAL, "%s:%d:%d: a string holds \\u0000, which keys "
                           "and text cannot", path, je.line, json_place(&je));
        else
            dusk_error_set(err, DUSK_EINVAL, "%s:%d:%d: %s", path, je.line, json_place(&je),
                           je.text);
        return 1;
    }
    if (!json_is_object(root)) {
        dusk_error_set(err, DUSK_EINVAL,
                       "%s: a graph file is a JSON object from keys to values or tasks", path);
        json_decref(root);
        return 1;
    }
    if (json_object_size(root) == 0) {
        dusk_error_set(err, DUSK_EINVAL, "%s: the graph has no keys", path);
        json_decref(root);
        return 1;
    }
    reader r = {path, root, dusk_graph_new(), err, NULL};
    int rc = r.g ? 0 : 2;
    const char *key;
    json_t *j;
    json_object_foreach(root, key, j) {
        if (rc)
            break;
        rc = entry(&r, key, j);
    }
    if (rc == 2) {   /* the graph said why (depth, memory) */
        dusk_error e = DUSK_ERROR_INIT;
        if (r.g && dusk_graph_status(r.g, &e))
            dusk_error_set(err, DUSK_EINVAL, "%s: %s", path, e.msg);
        else
            dusk_error_set(err, DUSK_ENOMEM, "%s: out of memory", path);
    }
    json_decref(root);
    if (rc) {
        dusk_graph_free(r.g);
        return 1;
    }
    *out = r.g;
    return 0;
}

/* --- hints for a failed run ------------------------------------------------------ */

/* The key of the task a run's message names ("task 'K' (f) failed: ...",
 * sched.h), checked against g (a key may hold "' ("), or NULL. */
static const char *failed_key(dusk_graph *g, const char *msg, char *buf, size_t n)
{
    if (strncmp(msg, "task '", 6) != 0)
        return NULL;
    const char *k = msg + 6;
    for (const char *end = strstr(k, "' ("); end; end = strstr(end + 1, "' (")) {
        if ((size_t)(end - k) >= n)
            return NULL;
        memcpy(buf, k, (size_t)(end - k));
        buf[end - k] = '\0';
        if (dusk_graph_find(g, buf) >= 0)
            return buf;
    }
    return NULL;
}

typedef struct {
    json_t *root;
    const char **keys;     /* the graph's keys, for cli_closest */
    size_t nkeys;
    char *out;
    size_t n;
} hinter;

/* The first hint for the arguments in j (a task's, at depth > 0 inside a
 * list): a string that is no key but close to one; a list that reads as a
 * nested task. 1 when one was written. */
static int hint_args(hinter *h, json_t *j, int depth)
{
    if (json_is_string(j)) {
        const char *s = json_string_value(j);
        json_t *entry = json_object_get(h->root, s);
        if (entry && json_is_string(entry) && !json_object_get(h->root, json_string_value(entry))) {
            /* a key whose entry is text close to a key: a typo of an alias */
            const char *text = json_string_value(entry);
            const char *near = cli_closest(text, h->keys, h->nkeys);
            if (!near)
                return 0;
            snprintf(h->out, h->n, "'%s' is the text '%s', no alias: no key has that name; did "
                     "you mean '%s'?", s, text, near);
            return 1;
        }
        if (entry || tuple_key(s))
            return 0;
        const char *near = cli_closest(s, h->keys, h->nkeys);
        if (!near)
            return 0;
        snprintf(h->out, h->n, "'%s' is no key, so it is passed as text; did you mean '%s'?",
                 s, near);
        return 1;
    }
    if (!json_is_array(j))
        return 0;
    json_t *head = json_array_get(j, 0);
    if (depth > 0 && json_array_size(j) > 1 && json_is_string(head) &&
        !json_object_get(h->root, json_string_value(head)) &&
        dusk_func_lookup(json_string_value(head))) {
        snprintf(h->out, h->n, "[\"%s\", ...] inside a task is a list, not a task: graph files "
                 "have no nested tasks; make it a key of its own and name that key",
                 json_string_value(head));
        return 1;
    }
    size_t i;
    json_t *x;
    json_array_foreach(j, i, x) {
        if ((depth > 0 || i > 0) && hint_args(h, x, depth + 1))
            return 1;
    }
    return 0;
}

int cli_graph_hint(const char *path, dusk_graph *g, const char *msg, char *out, size_t n)
{
    char kbuf[1024];
    const char *key = failed_key(g, msg, kbuf, sizeof kbuf);
    if (!key || n == 0)
        return 0;
    json_t *root = json_load_file(path, 0, NULL);
    json_t *task = root ? json_object_get(root, key) : NULL;
    size_t size = dusk_graph_size(g);
    const char **keys = malloc((size ? size : 1) * sizeof *keys);
    int found = 0;
    if (task && json_is_array(task) && keys) {
        for (size_t id = 0; id < size; id++)
            keys[id] = dusk_graph_key(g, (int64_t)id);
        hinter h = {root, keys, size, out, n};
        found = hint_args(&h, task, 0);
    }
    free(keys);
    json_decref(root);
    return found;
}

int cli_is_trace(const char *path)
{
    /* A scan of the JSON's tokens, not a parse: the file is a trace when
     * it is an array of objects (the Trace Event Format's array form; []
     * too, a trace without events) or when its
     * top-level object has the key "traceEvents" (whatever its value: the
     * trace reader then says what is wrong with one that is no list of
     * events), wherever that key stands (Python's json.dump(...,
     * sort_keys=True) puts "metadata" first). A graph's value
     * "traceEvents", or that text inside a string, is no key. A trace
     * stops the scan at its key; a graph is read to its end. */
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    static const char want[] = "traceEvents";
    enum { WANT = sizeof want - 1 };
    char buf[65536];
    size_t n;
    int depth = 0, started = 0, in_str = 0, esc = 0, key_done = 0, match = 0, verdict = -1;
    size_t pos = 0;
    while (verdict < 0 && (n = fread(buf, 1, sizeof buf, f)) > 0) {
        for (size_t i = 0; i < n && verdict < 0; i++) {
            char c = buf[i];
            if (in_str) {
                if (esc) {
                    esc = 0;
                } else if (c == '\\') {
                    esc = 1;
                    match = 0;   /* an escaped spelling is not the key dusk writes */
                } else if (c == '"') {
                    in_str = 0;
                    key_done = depth == 1 && match && pos == WANT;
                } else if (match && pos < WANT && c == want[pos]) {
                    pos++;
                } else {
                    match = 0;
                }
                continue;
            }
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
                continue;
            if (!started) {
                started = 1;
                if (c != '{' && c != '[')
                    verdict = 0;
                depth = c == '{' ? 1 : -1;   /* -1: an array, its first item next */
                continue;
            }
            if (depth < 0) {   /* an array of events, or none; [1, 2] is no trace */
                verdict = c == '{' || c == ']';
                continue;
            }
            if (key_done && c == ':')
                verdict = 1;
            key_done = 0;
            if (c == '"') {
                in_str = 1;
                match = 1;
                pos = 0;
            } else if (c == '{' || c == '[') {
                depth++;
            } else if ((c == '}' || c == ']') && --depth == 0) {
                verdict = 0;
            }
        }
    }
    fclose(f);
    return verdict > 0;
}

/* --- printing results ------------------------------------------------------------
 * dusk carries Python's lists and tuples alike, as tuples (values have no
 * list kind). What a result was in Dask is read from the graph file: a
 * JSON list, and a list that refers to keys, is a list ([1, [2, 3]], as
 * get({'l': [1, [2, 3]]}, 'l') gives); identity, and sleep's second
 * argument, return what they were given; any other function's tuple is a
 * tuple ((1, 2), and (1,)), as a C plugin builds one with dusk_tuple_of,
 * and so is every tuple inside it. */

typedef struct printer {
    json_t *root;   /* the graph file, or NULL: every tuple is a tuple */
    FILE *f;
} printer;

static void print_repr(const dusk_value *v, FILE *f)
{
    char small[256];
    size_t len = dusk_value_repr(v, small, sizeof small);
    if (len < sizeof small) {
        fputs(small, f);
        return;
    }
    char *big = malloc(len + 1);
    if (!big) {
        fputs(small, f);   /* truncated with "...", as repr does */
        return;
    }
    dusk_value_repr(v, big, len + 1);
    fputs(big, f);
    free(big);
}

static void print_entry(printer *p, const dusk_value *v, const char *key, json_t *j, int hops);

/* v, an item of a list the file wrote as j (one of its JSON items). */
static void print_item(printer *p, const dusk_value *v, json_t *j, int hops)
{
    if (json_is_string(j) && p->root && json_object_get(p->root, json_string_value(j))) {
        const char *k = json_string_value(j);   /* a reference: that key's value */
        print_entry(p, v, k, json_object_get(p->root, k), hops + 1);
        return;
    }
    size_t n = dusk_tuple_len(v);
    if (!json_is_array(j) || dusk_value_kind(v) != DUSK_KIND_TUPLE || json_array_size(j) != n) {
        print_repr(v, p->f);   /* a literal, or a tuple of a function's */
        return;
    }
    fputc('[', p->f);
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputs(", ", p->f);
        print_item(p, dusk_tuple_get(v, i), json_array_get(j, i), hops);   /* DUSK_MAX_DEPTH */
    }
    fputc(']', p->f);
}

/* v, the value of key, whose entry in the file is j: its list items, the
 * argument identity or sleep passes through, or a function's result. The
 * hops through references are bounded (a graph that ran has no cycle). */
static void print_entry(printer *p, const dusk_value *v, const char *key, json_t *j, int hops)
{
    if (!j || hops > 10000) {
        print_repr(v, p->f);
        return;
    }
    if (json_is_string(j) && strcmp(json_string_value(j), key) != 0) {
        print_item(p, v, j, hops);   /* an alias */
        return;
    }
    json_t *head = json_is_array(j) ? json_array_get(j, 0) : NULL;
    const char *fname = json_is_string(head) ? json_string_value(head) : NULL;
    const dusk_func *fn = fname ? dusk_func_lookup(fname) : NULL;
    if (!fn) {   /* a value, or a list (of references) */
        print_item(p, v, j, hops);
        return;
    }
    size_t nargs = json_array_size(j) - 1;
    if (fn == &dusk_identity && nargs == 1)
        print_item(p, v, json_array_get(j, 1), hops);
    else if (fn == &dusk_sleep && nargs == 2)
        print_item(p, v, json_array_get(j, 2), hops);
    else
        print_repr(v, p->f);
}

int cli_print_results(const char *path, const char *const *keys, size_t n, dusk_value *tuple,
                      FILE *f)
{
    /* the file read again (it ran: it parses); unreadable now, tuples
     * print as tuples */
    printer p = {path ? json_load_file(path, JSON_REJECT_DUPLICATES, NULL) : NULL, f};
    /* as Dask's get prints them: get(dsk, 'c') is 3, get(dsk, ['a', 'c'])
     * the tuple (1, 3), the one tuple of a result */
    if (n != 1)
        fputc('(', f);
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputs(", ", f);
        print_entry(&p, dusk_tuple_get(tuple, i), keys[i],
                    p.root ? json_object_get(p.root, keys[i]) : NULL, 0);
    }
    if (n != 1)
        fputc(')', f);
    fputc('\n', f);
    json_decref(p.root);
    return ferror(f) ? 1 : 0;
}
