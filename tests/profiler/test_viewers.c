/*
** dusk tests — the Chrome trace in the viewers people open it in
**
** On every worker a task's slice ends strictly before the next one starts,
** in the double arithmetic a viewer does (ts + dur, and ts less the first
** ts, as speedscope does), on threaded runs of many tiny tasks and on
** another tool's trace whose tasks start in one ns. A trace whose events
** another tool sorted by ts reads back to the same records. Then real
** clients: tests/profiler/viewers/check.mjs loads traces of the lecture's
** array job (r = x - x.mean(0)), of a run with a failing task and the one
** the demo program (build/dusk-demo) writes into speedscope 1.25's
** importer and Chrome DevTools' trace_engine, and checks no warnings, a
** thread per worker, no task nested under another, totals per function
** equal to dusk's summary and one flow per dependency edge, each joining
** that edge's producer and consumer slices (a flow moved to another slice
** fails the check: test_misbound_flow_is_caught). Those cases skip, saying
** so, without node or without the packages that scripts/install-deps.sh
** puts in build/viewers/node_modules.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>

#include "dusk.h"
#include "dusk/array.h"
#include "dusk/profiler.h"
#include "helpers.h"

#define VIEWER_MODULES "build/viewers/node_modules"
#define VIEWER_SCRIPT "tests/profiler/viewers/check.mjs"

/* A job of a test: key of g, or array a when there is one. */
typedef struct job {
    dusk_graph *g;
    const char *key;
    dusk_array *a;
} job;

/* Runs the job on 4 threads under a new profiler (the caller frees it). */
static dusk_profiler *profile_job(job j, int want_rc)
{
    dusk_profiler *p = dusk_profiler_new(NULL);
    assert_non_null(p);
    dusk_callbacks cb = dusk_profiler_callbacks(p);
    dusk_options o = opts_of(DUSK_SCHED_THREADS, 4);
    o.callbacks = &cb;
    o.ncallbacks = 1;
    dusk_error err = DUSK_ERROR_INIT;
    dusk_value *v = NULL;
    int rc = j.a ? dusk_array_compute(j.a, &o, &v, &err) : dusk_get(j.g, j.key, &o, &v, &err);
    if (rc != want_rc)
        fail_msg("run of %s: %s (%s), want %s", j.a ? "the array" : j.key, dusk_err_name(rc),
                 err.msg, dusk_err_name(want_rc));
    dusk_value_unref(v);
    return p;
}

static dusk_profiler *profile_run(dusk_graph *g, const char *key, int want_rc)
{
    return profile_job((job){g, key, NULL}, want_rc);
}

static int have_viewers(void);
static void check_trace_in_viewers(dusk_profiler *p, const char *trace);

typedef struct slice {
    double ts, dur;
} slice;

static int by_ts(const void *a, const void *b)
{
    const slice *x = a, *y = b;
    return x->ts < y->ts ? -1 : x->ts > y->ts;
}

/* Every task slice of the trace at path, per worker, ends before the next
 * starts as a viewer computes it; returns how many slices it saw. */
static size_t assert_no_overlap(const char *path, int workers)
{
    json_error_t je;
    json_t *t = json_load_file(path, 0, &je);
    if (!t)
        fail_msg("%s:%d: %s", path, je.line, je.text);
    json_t *events = json_object_get(t, "traceEvents");
    size_t n = json_array_size(events), total = 0;
    slice *s = calloc(n ? n : 1, sizeof *s);
    assert_non_null(s);
    for (int w = 0; w < workers; w++) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            json_t *e = json_array_get(events, i);
            if (strcmp(json_string_value(json_object_get(e, "ph")), "X") != 0 ||
                json_integer_value(json_object_get(e, "tid")) != w)
                continue;
            s[k].ts = json_number_value(json_object_get(e, "ts"));
            s[k].dur = json_number_value(json_object_get(e, "dur"));
            k++;
        }
        qsort(s, k, sizeof *s, by_ts);
        for (size_t i = 0; i + 1 < k; i++) {
            double end = s[i].ts + s[i].dur, from0 = (s[i].ts - s[0].ts) + s[i].dur;
            if (!(end < s[i + 1].ts) || !(from0 < s[i + 1].ts - s[0].ts))
                fail_msg("worker %d: slice %zu (ts %.17g, dur %.17g) ends at %.17g, "
                         "not before the next one's ts %.17g", w, i, s[i].ts, s[i].dur,
                         end, s[i + 1].ts);
        }
        total += k;
    }
    free(s);
    json_decref(t);
    return total;
}

/* Item 1: back-to-back tiny tasks on 4 threads (the tree of the overhead
 * bench: inc, add and identity tasks of a few hundred ns each). */
static void test_slices_never_overlap(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    const char *root;
    dusk_graph *g = tree_graph(4096, &root);
    dusk_profiler *p = profile_run(g, root, 0);
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_profiler_write_trace(p, scratch("tiny.json"), NULL, &err), 0);
    size_t n = assert_no_overlap(scratch("tiny.json"), 4);
    assert_int_equal(n, dusk_profiler_ntasks(p));
    /* what is read back is what was recorded, to the ns */
    dusk_profiler *q;
    assert_int_equal(dusk_profiler_read_trace(scratch("tiny.json"), &q, &err), 0);
    assert_int_equal(dusk_profiler_ntasks(q), dusk_profiler_ntasks(p));
    const dusk_task_record *a = dusk_profiler_tasks(p), *b = dusk_profiler_tasks(q);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(a[i].key, b[i].key);
        assert_string_equal(a[i].func, b[i].func);
        assert_int_equal(a[i].start_ns, b[i].start_ns);
        assert_int_equal(a[i].end_ns, b[i].end_ns);
        assert_int_equal(a[i].worker, b[i].worker);
    }
    dusk_profiler_free(q);
    dusk_profiler_free(p);
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

/* Another tool's trace, in us: on each worker two tasks that start in one
 * ns (the same ts; 0.0001 us apart), the first 0 ns long. */
static const char same_instant[] =
    "[{\"name\":\"load\",\"ph\":\"X\",\"ts\":1,\"dur\":0,\"pid\":1,\"tid\":0,"
    "\"args\":{\"id\":0}},\n"
    "{\"name\":\"add\",\"ph\":\"X\",\"ts\":1,\"dur\":2,\"pid\":1,\"tid\":0,"
    "\"args\":{\"id\":1,\"deps\":[0]}},\n"
    "{\"name\":\"load\",\"ph\":\"X\",\"ts\":5,\"dur\":0.0001,\"pid\":1,\"tid\":1,"
    "\"args\":{\"id\":2}},\n"
    "{\"name\":\"add\",\"ph\":\"X\",\"ts\":5.0001,\"dur\":1,\"pid\":1,\"tid\":1,"
    "\"args\":{\"id\":3,\"deps\":[2,0]}}]";

/* Tasks that start in one time unit still get slices of their own, one
 * after the other, in the viewers too; the records keep the exact ns. */
static void test_same_instant_slices(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_error err = DUSK_ERROR_INIT;
    dusk_profiler *p, *q;
    if (dusk_profiler_read_trace_buffer(same_instant, sizeof same_instant - 1, "other.json", &p,
                                        &err) != 0)
        fail_msg("%s", err.msg);
    static const struct {
        const char *func;
        uint64_t start, end;
        int worker;
    } want[] = {{"load", 1000, 1000, 0}, {"add", 1000, 3000, 0}, {"load", 5000, 5000, 1},
                {"add", 5000, 6000, 1}};
    assert_int_equal(dusk_profiler_ntasks(p), 4);
    const char *path = scratch("same-instant.json");
    assert_int_equal(dusk_profiler_write_trace(p, path, NULL, &err), 0);
    assert_int_equal(assert_no_overlap(path, 2), 4);
    if (dusk_profiler_read_trace(path, &q, &err) != 0)
        fail_msg("%s", err.msg);
    assert_int_equal(dusk_profiler_ntasks(q), 4);
    for (int k = 0; k < 2; k++) {
        const dusk_task_record *r = dusk_profiler_tasks(k ? q : p);
        for (size_t i = 0; i < 4; i++) {
            assert_string_equal(r[i].func, want[i].func);
            assert_int_equal(r[i].start_ns, want[i].start);
            assert_int_equal(r[i].end_ns, want[i].end);
            assert_int_equal(r[i].worker, want[i].worker);
        }
        assert_int_equal(r[3].ndeps, 2);
        assert_int_equal(r[3].deps[0], 2);
        assert_int_equal(r[3].deps[1], 0);
    }
    if (have_viewers())
        check_trace_in_viewers(p, path);
    dusk_profiler_free(q);
    dusk_profiler_free(p);
    assert_int_equal(dusk_alloc_live(), live);
}

/* A slice is named by its function; the key is in the task's record. */
static void test_slice_names(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_graph *g = lecture_dsk();
    dusk_profiler *p = profile_run(g, "z", 0);
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_profiler_write_trace(p, scratch("names.json"), NULL, &err), 0);
    char *text = slurp(scratch("names.json"), NULL);
    assert_non_null(text);
    /* no args on a slice: speedscope would name its frame after them */
    assert_contains(text, "{\"name\":\"add\",\"cat\":\"task\",\"ph\":\"X\",\"ts\":");
    assert_null(strstr(text, "\"name\":\"z\",\"cat\":\"task\""));
    /* the key names the task's record, which has the rest in args */
    const char *rec = strstr(text, "{\"name\":\"z\",\"cat\":\"task.record\",\"ph\":\"i\"");
    assert_non_null(rec);
    const char *args = strstr(rec, ",\"args\":{\"start_ns\":");
    assert_non_null(args);
    assert_true(args < strchr(rec, '\n'));
    free(text);
    dusk_profiler_free(p);
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

/* Format 2 read back: the record comes from the task.record instant (exact
 * ns, key, function), and an instant with no slice of its own before it on
 * its worker, or one that says something impossible, is refused with its
 * place. */
static void test_read_task_records(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_error err = DUSK_ERROR_INIT;
    dusk_profiler *p;
    static const char good[] =
        "{\"traceEvents\":[\n"
        "{\"name\":\"inc\",\"cat\":\"task\",\"ph\":\"X\",\"ts\":1.0009765625,\"dur\":0.9990234375,"
        "\"pid\":1,\"tid\":1},\n"
        "{\"name\":\"b\",\"cat\":\"task.record\",\"ph\":\"i\",\"s\":\"t\",\"ts\":2,\"pid\":1,"
        "\"tid\":1,\"args\":{\"key\":\"b\",\"function\":\"inc\",\"group\":\"b\",\"start_ns\":1001,"
        "\"end_ns\":2000,\"released_ns\":2500,\"bytes\":8,\"id\":7,\"run\":0,\"deps\":[]}}\n"
        "]}";
    assert_int_equal(dusk_profiler_read_trace_buffer(good, sizeof good - 1, "good.json", &p, &err),
                     0);
    assert_int_equal(dusk_profiler_ntasks(p), 1);
    const dusk_task_record *r = dusk_profiler_tasks(p);
    assert_string_equal(r->key, "b");
    assert_string_equal(r->func, "inc");
    assert_int_equal(r->start_ns, 1001);
    assert_int_equal(r->end_ns, 2000);
    assert_int_equal(r->released_ns, 2500);
    assert_int_equal(r->task, 7);
    assert_int_equal(r->worker, 1);
    assert_int_equal(r->nbytes, 8);
    dusk_profiler_free(p);

    /* A task at the far end of time (2^62 ns is the limit), 1 us long: its
     * slice, in a viewer's doubles, would end past the limit; it still
     * writes and reads back to the ns. */
    static const char late[] =
        "{\"traceEvents\":[{\"name\":\"inc\",\"cat\":\"task\",\"ph\":\"X\",\"ts\":0,"
        "\"dur\":0,\"pid\":1,\"tid\":0},{\"name\":\"late\",\"cat\":\"task.record\","
        "\"ph\":\"i\",\"ts\":0,\"pid\":1,\"tid\":0,\"args\":{\"key\":\"late\","
        "\"start_ns\":4611686018427386804,\"end_ns\":4611686018427387894}}]}";
    if (dusk_profiler_read_trace_buffer(late, sizeof late - 1, "late.json", &p, &err) != 0)
        fail_msg("%s", err.msg);
    uint64_t start = dusk_profiler_tasks(p)->start_ns, end = dusk_profiler_tasks(p)->end_ns;
    assert_int_equal(dusk_profiler_write_trace(p, scratch("late.json"), NULL, &err), 0);
    dusk_profiler_free(p);
    if (dusk_profiler_read_trace(scratch("late.json"), &p, &err) != 0)
        fail_msg("%s", err.msg);
    assert_string_equal(dusk_profiler_tasks(p)->key, "late");
    assert_int_equal(dusk_profiler_tasks(p)->start_ns, start);
    assert_int_equal(dusk_profiler_tasks(p)->end_ns, end);
    dusk_profiler_free(p);

    static const struct {
        const char *text, *want;
    } bad[] = {
        {"{\"traceEvents\":[\n{\"name\":\"b\",\"cat\":\"task.record\",\"ph\":\"i\",\"ts\":2,"
         "\"pid\":1,\"tid\":0,\"args\":{\"key\":\"b\",\"start_ns\":1,\"end_ns\":2}}]}",
         "bad.json:2:1: event 0 (key \"b\") (a task's record) has no slice (X) of its task "
         "before it on worker 0"},
        {"{\"traceEvents\":[\n{\"name\":\"inc\",\"cat\":\"task\",\"ph\":\"X\",\"ts\":1,\"dur\":1,"
         "\"pid\":1,\"tid\":0},\n{\"name\":\"b\",\"cat\":\"task.record\",\"ph\":\"i\",\"ts\":2,"
         "\"pid\":1,\"tid\":1,\"args\":{\"key\":\"b\"}}]}",
         "bad.json:3:1: event 1 (key \"b\") (a task's record) has no slice (X) of its task "
         "before it on worker 1"},
        /* one slice, two records: the second has no slice left on worker 0 */
        {"{\"traceEvents\":[\n{\"name\":\"inc\",\"cat\":\"task\",\"ph\":\"X\",\"ts\":1,\"dur\":1,"
         "\"pid\":1,\"tid\":0},\n{\"name\":\"b\",\"cat\":\"task.record\",\"ph\":\"i\",\"ts\":2,"
         "\"pid\":1,\"tid\":0,\"args\":{}},\n{\"name\":\"c\",\"cat\":\"task.record\","
         "\"ph\":\"i\",\"ts\":2,\"pid\":1,\"tid\":0,\"args\":{\"key\":\"c\"}}]}",
         "bad.json:4:1: event 2 (key \"c\") (a task's record) has no slice (X) of its task "
         "before it on worker 0"},
        {"{\"traceEvents\":[\n{\"name\":\"inc\",\"cat\":\"task\",\"ph\":\"X\",\"ts\":1,\"dur\":1,"
         "\"pid\":1,\"tid\":0},\n{\"name\":\"b\",\"cat\":\"task.record\",\"ph\":\"i\",\"ts\":2,"
         "\"pid\":1,\"tid\":0,\"args\":{\"key\":\"b\",\"start_ns\":900,\"end_ns\":800}}]}",
         "bad.json:3:1: event 1 (key \"b\"): \"end_ns\" is before \"start_ns\""},
        {"{\"traceEvents\":[\n{\"name\":\"inc\",\"cat\":\"task\",\"ph\":\"X\",\"ts\":1,\"dur\":1,"
         "\"pid\":1,\"tid\":0},\n{\"name\":\"b\",\"cat\":\"task.record\",\"ph\":\"i\",\"ts\":2,"
         "\"pid\":1,\"tid\":0,\"args\":{\"key\":\"b\",\"start_ns\":900}}]}",
         "bad.json:3:1: event 1 (key \"b\") has only one of \"start_ns\" and \"end_ns\""},
        {"{\"traceEvents\":[\n{\"name\":\"inc\",\"cat\":\"task\",\"ph\":\"X\",\"ts\":1,\"dur\":1,"
         "\"pid\":1,\"tid\":0},\n{\"name\":\"b\",\"cat\":\"task.record\",\"ph\":\"i\",\"ts\":2,"
         "\"pid\":1,\"tid\":0,\"args\":{\"key\":\"b\",\"released_ns\":10}}]}",
         "bad.json:3:1: event 1 (key \"b\"): \"released_ns\" is before the task ended"},
        {"{\"traceEvents\":[\n{\"name\":\"inc\",\"cat\":\"task\",\"ph\":\"X\",\"ts\":1,\"dur\":1,"
         "\"pid\":1,\"tid\":0},\n{\"name\":\"b\",\"cat\":\"task.record\",\"ph\":\"i\",\"ts\":2,"
         "\"pid\":1,\"tid\":0,\"args\":{\"key\":\"b\",\"end_ns\":-3,\"start_ns\":1}}]}",
         "bad.json:3:1: \"end_ns\" of event 1 (key \"b\") is negative"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        p = NULL;
        err = (dusk_error)DUSK_ERROR_INIT;
        int rc = dusk_profiler_read_trace_buffer(bad[i].text, strlen(bad[i].text), "bad.json",
                                                 &p, &err);
        if (rc != DUSK_EINVAL || strcmp(err.msg, bad[i].want) != 0)
            fail_msg("case %zu: %s \"%s\", want \"%s\"", i, dusk_err_name(rc), err.msg,
                     bad[i].want);
        assert_null(p);
    }
    assert_int_equal(dusk_alloc_live(), live);
}

static const dusk_func failing = {"failing", fail_task, NULL};

/* Events of a trace as another tool may re-save or merge them. */
typedef struct reordered {
    json_t *ev;
    double ts;
    json_int_t tid;
    size_t at;   /* place in the file dusk wrote: keeps the sorts stable */
} reordered;

static int by_ts_stable(const void *a, const void *b)
{
    const reordered *x = a, *y = b;
    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    return x->at < y->at ? -1 : x->at > y->at;
}

/* by ts, ties by tid from the highest (as a merge of per-thread files may) */
static int by_ts_tid_down_stable(const void *a, const void *b)
{
    const reordered *x = a, *y = b;
    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    if (x->tid != y->tid)
        return x->tid > y->tid ? -1 : 1;
    return x->at < y->at ? -1 : x->at > y->at;
}

/* The trace at from, its events sorted by cmp, to to: the whole trace
 * object, or (whole 0) the bare JSON Array Format of the events. Returns
 * how many task.record instants no longer directly follow a slice. */
static size_t reorder_trace(const char *from, const char *to,
                            int (*cmp)(const void *, const void *), int whole)
{
    json_error_t je;
    json_t *t = json_load_file(from, 0, &je);
    if (!t)
        fail_msg("%s:%d: %s", from, je.line, je.text);
    json_t *events = json_object_get(t, "traceEvents");
    size_t n = json_array_size(events), apart = 0;
    reordered *r = calloc(n ? n : 1, sizeof *r);
    assert_non_null(r);
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(events, i);
        json_t *tid = json_object_get(e, "tid");
        r[i] = (reordered){json_incref(e), json_number_value(json_object_get(e, "ts")),
                           tid ? json_integer_value(tid) : -1, i};
    }
    qsort(r, n, sizeof *r, cmp);
    json_t *sorted = json_array();
    for (size_t i = 0; i < n; i++) {
        const char *cat = json_string_value(json_object_get(r[i].ev, "cat"));
        if (cat && !strcmp(cat, "task.record") &&
            (!i || strcmp(json_string_value(json_object_get(r[i - 1].ev, "ph")), "X") != 0))
            apart++;
        assert_int_equal(json_array_append_new(sorted, r[i].ev), 0);
    }
    free(r);
    if (whole) {
        assert_int_equal(json_object_set_new(t, "traceEvents", sorted), 0);
        assert_int_equal(json_dump_file(t, to, JSON_COMPACT), 0);
    } else {
        assert_int_equal(json_dump_file(sorted, to, JSON_COMPACT), 0);
        json_decref(sorted);
    }
    json_decref(t);
    return apart;
}

/* Records a and b are the same tasks, to the ns, with the same edges. */
static void assert_same_records(dusk_profiler *a, dusk_profiler *b)
{
    size_t n = dusk_profiler_ntasks(a);
    assert_int_equal(dusk_profiler_ntasks(b), n);
    const dusk_task_record *x = dusk_profiler_tasks(a), *y = dusk_profiler_tasks(b);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(x[i].key, y[i].key);
        assert_string_equal(x[i].func, y[i].func);
        assert_int_equal(x[i].start_ns, y[i].start_ns);
        assert_int_equal(x[i].end_ns, y[i].end_ns);
        assert_int_equal(x[i].released_ns, y[i].released_ns);
        assert_int_equal(x[i].nbytes, y[i].nbytes);
        assert_int_equal(x[i].task, y[i].task);
        assert_int_equal(x[i].worker, y[i].worker);
        assert_int_equal(x[i].run, y[i].run);
        assert_int_equal(x[i].status, y[i].status);
        assert_int_equal(x[i].ndeps, y[i].ndeps);
        for (uint32_t k = 0; k < x[i].ndeps; k++)
            assert_int_equal(x[i].deps[k], y[i].deps[k]);
    }
}

/* A trace re-saved or merged by another tool: its events sorted by ts
 * across workers, in the trace object or in the bare JSON Array Format
 * (no "otherData": the runs are made again from the records). Each
 * task.record instant is its worker's, after its slice but no longer
 * next to it; it reads back to the same records. */
static void test_reordered_trace_reads_back(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    const char *root;
    dusk_graph *g = tree_graph(2048, &root);
    char rootkey[64];
    snprintf(rootkey, sizeof rootkey, "%s", root);
    dusk_task(g, "bad", &failing, dusk_ref(rootkey));
    dusk_profiler *p = profile_run(g, "bad", DUSK_EIO);
    dusk_error err = DUSK_ERROR_INIT;
    const char *path = scratch("reorder.json");
    assert_int_equal(dusk_profiler_write_trace(p, path, NULL, &err), 0);
    dusk_profiler *as_written;
    if (dusk_profiler_read_trace(path, &as_written, &err) != 0)
        fail_msg("%s", err.msg);
    static const struct {
        const char *name;
        int (*cmp)(const void *, const void *);
        int whole;
    } ways[] = {{"by-ts.json", by_ts_stable, 1}, {"by-ts-tid.json", by_ts_tid_down_stable, 0}};
    for (size_t w = 0; w < sizeof ways / sizeof ways[0]; w++) {
        const char *to = scratch(ways[w].name);
        size_t apart = reorder_trace(path, to, ways[w].cmp, ways[w].whole);
        assert_true(apart > 0);
        dusk_profiler *q;
        if (dusk_profiler_read_trace(to, &q, &err) != 0)
            fail_msg("%s (%zu records apart from their slices): %s", ways[w].name, apart,
                     err.msg);
        assert_same_records(as_written, q);
        dusk_profiler_free(q);
    }
    assert_same_records(p, as_written);
    dusk_profiler_free(as_written);
    dusk_profiler_free(p);
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

/* --- the real clients -------------------------------------------------------- */

static int have_viewers(void)
{
    int status = -1;
    char *out = run_command("command -v node >/dev/null 2>&1 && echo yes", &status);
    int node = out && !strncmp(out, "yes", 3);
    free(out);
    if (!node) {
        print_message("skipped: no `node` on PATH (scripts/install-deps.sh installs nodejs)\n");
        return 0;
    }
    if (access(VIEWER_MODULES "/speedscope/package.json", R_OK) != 0 ||
        access(VIEWER_MODULES "/@paulirish/trace_engine/package.json", R_OK) != 0) {
        print_message("skipped: no speedscope or @paulirish/trace_engine in " VIEWER_MODULES
                      " (scripts/install-deps.sh installs them with npm ci)\n");
        return 0;
    }
    return 1;
}

/* What the viewers must find, from dusk's own records and summary: the
 * workers, the tasks, the edges (a task named by its worker and its place
 * among that worker's tasks, which is the order of its slices), the
 * per-function totals. */
static void write_expect(dusk_profiler *p, const char *path)
{
    dusk_profile_summary s;
    assert_int_equal(dusk_profiler_summary(p, &s), 0);
    const dusk_task_record *r = dusk_profiler_tasks(p);
    size_t n = dusk_profiler_ntasks(p);
    size_t count[64] = {0};
    size_t *place = calloc(n ? n : 1, sizeof *place);
    assert_non_null(place);
    for (size_t i = 0; i < n; i++) {
        assert_in_range(r[i].worker, 0, 63);
        place[i] = count[r[i].worker]++;
    }
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "{\"workers\":[");
    for (int w = 0, first = 1; w < 64; w++)
        if (count[w]) {
            fprintf(f, "%s%d", first ? "" : ",", w);
            first = 0;
        }
    fprintf(f, "],\"tasks\":%zu,\n\"edges\":[", n);
    for (size_t i = 0, first = 1; i < n; i++)
        for (uint32_t j = 0; j < r[i].ndeps; j++) {
            size_t d = r[i].deps[j];
            fprintf(f, "%s[%d,%zu,%d,%zu]", first ? "" : ",", r[d].worker, place[d],
                    r[i].worker, place[i]);
            first = 0;
        }
    fprintf(f, "],\n\"functions\":{");
    for (size_t k = 0; k < s.nfuncs; k++) {
        json_t *name = json_string(s.funcs[k].func);
        char *quoted = json_dumps(name, JSON_ENCODE_ANY);
        fprintf(f, "%s%s:[%llu,%llu]", k ? "," : "", quoted,
                (unsigned long long)s.funcs[k].count, (unsigned long long)s.funcs[k].total_ns);
        free(quoted);
        json_decref(name);
    }
    fprintf(f, "}}\n");
    assert_int_equal(fclose(f), 0);
    free(place);
}

/* check.mjs on the trace at path, against what p says (its output, which
 * the caller frees, and its exit status). */
static char *run_viewers(dusk_profiler *p, const char *trace, int *status)
{
    char expect[600], cmd[1600];
    snprintf(expect, sizeof expect, "%s.expect", trace);
    write_expect(p, expect);
    snprintf(cmd, sizeof cmd, "node " VIEWER_SCRIPT " " VIEWER_MODULES " '%s' '%s' 2>&1", trace,
             expect);
    *status = -1;
    char *out = run_command(cmd, status);
    assert_non_null(out);
    print_message("%s", out);
    return out;
}

static void check_trace_in_viewers(dusk_profiler *p, const char *trace)
{
    int status;
    char *out = run_viewers(p, trace, &status);
    if (status != 0)
        fail_msg("the viewers disagree with dusk about %s:\n%s", trace, out);
    free(out);
}

/* Writes p's trace to scratch/name and checks it in the viewers. */
static void check_in_viewers(dusk_profiler *p, const char *name)
{
    char trace[300];
    snprintf(trace, sizeof trace, "%s", scratch(name));
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_profiler_write_trace(p, trace, NULL, &err), 0);
    check_trace_in_viewers(p, trace);
}

/* The demo's array job, the lecture's r = x - x.mean(axis=0), smaller. */
static void test_lecture_array_in_viewers(void **state)
{
    (void)state;
    if (!have_viewers())
        skip();
    long live = dusk_alloc_live();
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_array *x = dusk_random_normal(ctx, 2026, 0, 1, DUSK_SHAPE(400, 4000), "(100, 100)");
    dusk_array *r = dusk_array_sub(x, dusk_array_mean(x, DUSK_AXIS(0), false));
    dusk_profiler *p = profile_job((job){NULL, NULL, r}, 0);
    assert_true(dusk_profiler_ntasks(p) > 400);
    check_in_viewers(p, "lecture-array.json");
    dusk_profiler_free(p);
    dusk_array_ctx_free(ctx);
    assert_int_equal(dusk_alloc_live(), live);
}

/* <build>/dusk-demo, beside this program's build tree (this program is
 * <build>/tests/profiler/test_viewers; the Makefile builds the demo first). */
static void demo_path(char *path, size_t size)
{
    assert_int_equal(build_path(path, size, "dusk-demo"), 0);
    if (!file_exists(path))
        fail_msg("%s is not built (make %s)", path, path);
}

/* The trace `make demo` writes (its generated map-reduce on 4 threads, a
 * few thousand tasks of 3 functions), as the demo wrote it: what the
 * viewers must find is what dusk reads back from that file. */
static void test_demo_trace_in_viewers(void **state)
{
    (void)state;
    if (!have_viewers())
        skip();
    long live = dusk_alloc_live();
    char demo[4200], cmd[9000], trace[600];
    demo_path(demo, sizeof demo);
    const char *dir = scratch("demo");
    snprintf(cmd, sizeof cmd, "'%s' --dir '%s' 2>&1", demo, dir);
    int status = -1;
    char *out = run_command(cmd, &status);
    assert_non_null(out);
    if (status != 0)
        fail_msg("%s exited with %d:\n%s", demo, status, out);
    free(out);
    snprintf(trace, sizeof trace, "%s/trace.json", dir);
    dusk_profiler *p;
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_profiler_read_trace(trace, &p, &err) != 0)
        fail_msg("%s", err.msg);
    assert_true(dusk_profiler_ntasks(p) > 1000);
    check_trace_in_viewers(p, trace);
    dusk_profiler_free(p);
    assert_int_equal(dusk_alloc_live(), live);
}

/* The ts of the first task slice on tid after the one at ts (in the
 * trace's events), or NULL. */
static json_t *next_slice_ts(json_t *events, json_int_t tid, double ts)
{
    json_t *best = NULL, *e;
    size_t i;
    json_array_foreach(events, i, e) {
        json_t *t = json_object_get(e, "ts");
        if (!strcmp(json_string_value(json_object_get(e, "ph")), "X") &&
            json_integer_value(json_object_get(e, "tid")) == tid &&
            json_number_value(t) > ts &&
            (!best || json_number_value(t) < json_number_value(best)))
            best = t;
    }
    return best;
}

/* The flow check is not fooled: a flow moved from its consumer's slice to
 * the next slice on that worker (still a task slice, still later than its
 * producer's) fails check.mjs, naming the flow. */
static void test_misbound_flow_is_caught(void **state)
{
    (void)state;
    if (!have_viewers())
        skip();
    long live = dusk_alloc_live();
    const char *root;
    dusk_graph *g = tree_graph(256, &root);
    dusk_profiler *p = profile_run(g, root, 0);
    const char *path = scratch("misbound.json");
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_profiler_write_trace(p, path, NULL, &err), 0);
    json_error_t je;
    json_t *t = json_load_file(path, 0, &je);
    assert_non_null(t);
    json_t *events = json_object_get(t, "traceEvents"), *e, *moved = NULL;
    size_t i;
    json_array_foreach(events, i, e) {
        if (strcmp(json_string_value(json_object_get(e, "ph")), "f") != 0)
            continue;
        json_t *to = next_slice_ts(events, json_integer_value(json_object_get(e, "tid")),
                                   json_number_value(json_object_get(e, "ts")));
        if (to) {
            assert_int_equal(json_object_set(e, "ts", to), 0);
            moved = e;
            break;
        }
    }
    assert_non_null(moved);
    assert_int_equal(json_dump_file(t, path, JSON_COMPACT), 0);
    json_decref(t);
    int status;
    char *out = run_viewers(p, path, &status);
    assert_int_not_equal(status, 0);
    assert_contains(out, "FAIL: trace_engine:");
    assert_contains(out, "1 not an edge of dusk's");
    assert_contains(out, "1 edges without their flow");
    assert_null(strstr(out, "FAIL: speedscope"));
    free(out);
    dusk_profiler_free(p);
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

/* A run that fails half-way: what ran is in the trace, the failed task too. */
static void test_failing_run_in_viewers(void **state)
{
    (void)state;
    if (!have_viewers())
        skip();
    long live = dusk_alloc_live();
    const char *root;
    dusk_graph *g = tree_graph(1024, &root);
    char rootkey[64];
    snprintf(rootkey, sizeof rootkey, "%s", root);
    dusk_task(g, "bad", &failing, dusk_ref(rootkey));
    dusk_task(g, "after", &dusk_inc, dusk_ref("bad"));
    dusk_profiler *p = profile_run(g, "after", DUSK_EIO);
    dusk_profile_summary s;
    assert_int_equal(dusk_profiler_summary(p, &s), 0);
    assert_int_equal(s.nerrors, 1);
    check_in_viewers(p, "failing.json");
    dusk_profiler_free(p);
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_slices_never_overlap, reset_alloc),
        cmocka_unit_test_teardown(test_same_instant_slices, reset_alloc),
        cmocka_unit_test_teardown(test_slice_names, reset_alloc),
        cmocka_unit_test_teardown(test_read_task_records, reset_alloc),
        cmocka_unit_test_teardown(test_reordered_trace_reads_back, reset_alloc),
        cmocka_unit_test_teardown(test_lecture_array_in_viewers, reset_alloc),
        cmocka_unit_test_teardown(test_failing_run_in_viewers, reset_alloc),
        cmocka_unit_test_teardown(test_demo_trace_in_viewers, reset_alloc),
        cmocka_unit_test_teardown(test_misbound_flow_is_caught, reset_alloc),
    };
    return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
