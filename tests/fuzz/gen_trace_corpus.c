/*
** dusk fuzz seeds — writes tests/fuzz/corpus/trace/ (for fuzz_trace.c)
**
** Traces of small runs as dusk writes them: the lecture's graphs on the
** sync and threads schedulers, two runs in one profile, a task that
** fails, with and without dependency flows; and two traces of other
** tools, of X events only, for the reader's lenient side. Times differ
** from one generation to the next. `make fuzz-corpus` runs it.
*/
#include <stdio.h>
#include <string.h>

#include "dusk/builtins.h"
#include "dusk/graph.h"
#include "dusk/profiler.h"
#include "dusk/sched.h"

static int fail_task(dusk_value *const *args, size_t nargs, dusk_value **out, dusk_error *err,
                     void *ud)
{
    (void)args, (void)nargs, (void)out, (void)ud;
    return dusk_error_set(err, DUSK_EIO, "disk on fire");
}
static const dusk_func failing = {"fail", fail_task, NULL};

static dusk_graph *lecture(void)
{
    dusk_graph *g = dusk_graph_new();
    dusk_graph_value(g, "a", dusk_int(1));
    dusk_graph_value(g, "x", dusk_int(10));
    dusk_task(g, "b", &dusk_inc, dusk_ref("a"));
    dusk_task(g, "y", &dusk_inc, dusk_ref("x"));
    dusk_task(g, "z", &dusk_add, dusk_ref("b"), dusk_ref("y"));
    dusk_task(g, "s", &dusk_sum, dusk_list(dusk_ref("b"), dusk_ref("y"), dusk_ref("z")));
    dusk_task(g, "bad", &failing, dusk_ref("z"));
    return g;
}

static void run(dusk_profiler *p, dusk_graph *g, const char *key, dusk_sched_kind kind)
{
    dusk_options o = DUSK_OPTIONS_INIT;
    dusk_callbacks cb = dusk_profiler_callbacks(p);
    dusk_error err = DUSK_ERROR_INIT;
    dusk_value *v = NULL;
    o.scheduler = kind;
    o.workers = 2;
    o.callbacks = &cb;
    o.ncallbacks = 1;
    dusk_get(g, key, &o, &v, &err);  /* "bad" fails, as it should */
    dusk_value_unref(v);
}

static int write_profile(const char *dir, const char *name, unsigned record,
                         const char *keys[], const dusk_sched_kind kinds[], int nruns, int flows)
{
    dusk_profiler_options po = DUSK_PROFILER_OPTIONS_INIT;
    po.record = record;
    po.dt = 0.001;
    dusk_profiler *p = dusk_profiler_new(&po);
    dusk_graph *g = lecture();
    if (!p || !g)
        return 1;
    for (int i = 0; i < nruns; i++)
        run(p, g, keys[i], kinds[i]);
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    dusk_trace_options to = DUSK_TRACE_OPTIONS_INIT;
    to.flows = flows;
    dusk_error err = DUSK_ERROR_INIT;
    int rc = dusk_profiler_write_trace(p, path, &to, &err);
    if (rc)
        fprintf(stderr, "gen_trace_corpus: %s\n", err.msg);
    dusk_graph_free(g);
    dusk_profiler_free(p);
    return rc != 0;
}

static int write_text(const char *dir, const char *name, const char *text)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    int bad = !f || fputs(text, f) < 0;
    if (f && fclose(f))
        bad = 1;
    if (bad)
        fprintf(stderr, "gen_trace_corpus: cannot write %s\n", path);
    return bad;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_trace_corpus DIR\n");
        return 2;
    }
    const char *dir = argv[1];
    int bad = 0;
    const char *z[] = {"z"}, *two[] = {"s", "bad"};
    dusk_sched_kind sync[] = {DUSK_SCHED_SYNC}, mixed[] = {DUSK_SCHED_THREADS, DUSK_SCHED_SYNC};
    bad |= write_profile(dir, "lecture-sync.json", DUSK_PROF_TASKS, z, sync, 1, 1);
    bad |= write_profile(dir, "lecture-all-noflows.json", DUSK_PROF_ALL, z, sync, 1, 0);
    bad |= write_profile(dir, "two-runs-failure.json", DUSK_PROF_ALL, two, mixed, 2, 1);
    /* another tool's: X events (and an unknown phase), in ms */
    bad |= write_text(dir, "other-tool.json",
                      "{\"traceEvents\":[{\"name\":\"load\",\"ph\":\"X\",\"ts\":10,\"dur\":5,"
                      "\"pid\":7,\"tid\":1},{\"name\":\"mark\",\"ph\":\"i\",\"ts\":12,"
                      "\"pid\":7,\"tid\":1},{\"name\":\"save\",\"ph\":\"X\",\"ts\":16.5,"
                      "\"dur\":0.25,\"pid\":7,\"tid\":2,\"args\":{\"key\":\"save-0\"}}],"
                      "\"displayTimeUnit\":\"ms\"}\n");
    bad |= write_text(dir, "array-form.json",
                      "[{\"name\":\"a\",\"ph\":\"X\",\"ts\":0,\"dur\":1,\"pid\":1,\"tid\":0},\n"
                      " {\"name\":\"b\",\"ph\":\"X\",\"ts\":1,\"dur\":2,\"pid\":1,\"tid\":1}]\n");
    return bad;
}
