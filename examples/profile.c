/*
** examples/profile.c — profiling a run, as dask.diagnostics does
**
** Builds a small map-reduce graph (per group a `sleep` that stands for
** loading a chunk, some `add` tasks on it, a `sum`, a `sleep` that stands
** for storing it; then a grand `sum`), runs it on 4 threads with every
** recorder attached (Profiler, ResourceProfiler and CacheProfiler in one
** dusk_profiler, and a ProgressBar, which draws only on a terminal), then:
**
**   - prints the summary: per function count, total, mean, max and share,
**     the critical path and the parallel efficiency;
**   - writes into DIR (argv[1], default build/profile-example):
**       trace.json     Chrome Trace Event JSON: open it in ui.perfetto.dev,
**                      chrome://tracing or speedscope.app
**       timeline.png   task stream, memory, CPU and cache on one time axis
**       timeline.svg   the same as SVG (timeline.pdf: as PDF)
**       tasks.csv, resources.csv
**       report.html    one self-contained page: summary, charts, the graph
**                      coloured by task duration (through viz), per-function
**                      table
**   - reads trace.json back and checks it holds the same tasks.
**
** Exits non-zero when a result or an output is wrong.
*/
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <dusk.h>
#include <dusk/profiler.h>
#include <dusk/viz.h>

enum { GROUPS = 8, PARTS = 12, WORKERS = 4 };

static dusk_graph *build(int64_t *expected)
{
    dusk_graph *g = dusk_graph_new();
    dusk_arg *stores[GROUPS];
    char key[64], load[64];
    *expected = 0;
    for (int i = 0; i < GROUPS; i++) {
        dusk_arg *parts[PARTS];
        snprintf(load, sizeof load, "load-%d", i);
        dusk_task(g, load, &dusk_sleep, dusk_lit_int(6), dusk_lit_int(i));
        for (int j = 0; j < PARTS; j++) {
            snprintf(key, sizeof key, "('add-part', %d, %d)", i, j);
            dusk_task(g, key, &dusk_add, dusk_ref(load), dusk_lit_int(j));
            parts[j] = dusk_ref(key);
            *expected += i + j;
        }
        snprintf(key, sizeof key, "sum-%d", i);
        dusk_graph_taskv(g, key, &dusk_sum, 1, (dusk_arg *[]){dusk_listv(PARTS, parts)});
        snprintf(load, sizeof load, "store-%d", i);
        dusk_task(g, load, &dusk_sleep, dusk_lit_int(3), dusk_ref(key));
        stores[i] = dusk_ref(load);
    }
    dusk_graph_taskv(g, "total", &dusk_sum, 1, (dusk_arg *[]){dusk_listv(GROUPS, stores)});
    return g;
}

static int mkdirs(const char *path)
{
    char p[512];
    snprintf(p, sizeof p, "%s", path);
    for (char *s = p + 1; *s; s++)
        if (*s == '/') {
            *s = '\0';
            if (mkdir(p, 0777) != 0 && errno != EEXIST)
                return -1;
            *s = '/';
        }
    return mkdir(p, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

static int failures;

static void check(int rc, const char *what, const dusk_error *err)
{
    if (rc != 0) {
        fprintf(stderr, "profile: %s: %s\n", what, err->msg[0] ? err->msg : dusk_strerror(rc));
        failures++;
    }
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);   /* in order with stderr, even into a pipe */
    const char *dir = argc > 1 ? argv[1] : "build/profile-example";
    char path[600];
    dusk_error err = DUSK_ERROR_INIT;
    int64_t expected;

    if (mkdirs(dir) != 0) {
        fprintf(stderr, "profile: cannot create %s: %s\n", dir, strerror(errno));
        return 1;
    }
    dusk_graph *g = build(&expected);
    if (dusk_graph_status(g, &err) != 0) {
        fprintf(stderr, "profile: %s\n", err.msg);
        return 1;
    }

    /* with Profiler() as prof, ResourceProfiler() as rprof,
     *      CacheProfiler() as cprof, ProgressBar(): (dusk's resource
     *      samples start every 1 ms and thin out as the run goes on, so
     *      this short run gets a curve where dt=0.01 would give 3 points) */
    dusk_profiler_options po = DUSK_PROFILER_OPTIONS_INIT;
    dusk_profiler *prof = dusk_profiler_new(&po);
    dusk_progress *bar = dusk_progress_new(NULL);
    dusk_callbacks cbs[2] = {dusk_profiler_callbacks(prof), dusk_progress_callbacks(bar)};
    dusk_options o = DUSK_OPTIONS_INIT;
    o.workers = WORKERS;
    o.callbacks = cbs;
    o.ncallbacks = 2;
    dusk_value *v = NULL;
    int rc = dusk_get(g, "total", &o, &v, &err);
    check(rc, "get(total)", &err);
    if (!rc && dusk_value_int(v) != expected) {
        fprintf(stderr, "profile: total is %lld, expected %lld\n",
                (long long)dusk_value_int(v), (long long)expected);
        failures++;
    }
    dusk_value_unref(v);

    printf("== %zu tasks on %d workers\n", dusk_graph_size(g), WORKERS);
    dusk_profiler_print_summary(prof, stdout);

    /* the graph, coloured by how long each task took */
    char *svg = NULL;
    size_t svglen = 0;
    dusk_event *events = NULL;
    size_t nevents = 0;
    if (dusk_profiler_run_events(prof, 0, &events, &nevents) == 0) {
        dusk_viz_options vo = DUSK_VIZ_OPTIONS_INIT;
        dusk_error verr = DUSK_ERROR_INIT;
        vo.color = DUSK_VIZ_COLOR_DURATION;
        vo.events = events;
        vo.nevents = nevents;
        vo.quiet = true;
        if (dusk_visualize_mem(g, "svg", &vo, &svg, &svglen, &verr) != 0) {
            printf("(no graph picture in the report: %s)\n", verr.msg);
            svg = NULL;
        }
    }

    dusk_trace_options to = DUSK_TRACE_OPTIONS_INIT;
    snprintf(path, sizeof path, "%s/trace.json", dir);
    check(dusk_profiler_write_trace(prof, path, &to, &err), "trace.json", &err);
    snprintf(path, sizeof path, "%s/timeline.png", dir);
    check(dusk_profiler_write_chart(prof, path, NULL, &err), "timeline.png", &err);
    snprintf(path, sizeof path, "%s/timeline.svg", dir);
    check(dusk_profiler_write_chart(prof, path, NULL, &err), "timeline.svg", &err);
    snprintf(path, sizeof path, "%s/timeline.pdf", dir);
    check(dusk_profiler_write_chart(prof, path, NULL, &err), "timeline.pdf", &err);
    snprintf(path, sizeof path, "%s/tasks.csv", dir);
    check(dusk_profiler_write_tasks_csv(prof, path, &err), "tasks.csv", &err);
    snprintf(path, sizeof path, "%s/resources.csv", dir);
    check(dusk_profiler_write_resources_csv(prof, path, &err), "resources.csv", &err);
    dusk_report_options ro = DUSK_REPORT_OPTIONS_INIT;
    ro.title = "examples/profile.c";
    ro.graph_svg = svg;
    snprintf(path, sizeof path, "%s/report.html", dir);
    check(dusk_profiler_write_report(prof, path, &ro, &err), "report.html", &err);
    printf("wrote %s/{trace.json,timeline.png,timeline.svg,timeline.pdf,tasks.csv,"
           "resources.csv,report.html}\n", dir);

    /* dusk reads its own traces back */
    dusk_profiler *back = NULL;
    snprintf(path, sizeof path, "%s/trace.json", dir);
    rc = dusk_profiler_read_trace(path, &back, &err);
    check(rc, "reading trace.json back", &err);
    if (!rc && dusk_profiler_ntasks(back) != dusk_profiler_ntasks(prof)) {
        fprintf(stderr, "profile: read back %zu tasks, wrote %zu\n", dusk_profiler_ntasks(back),
                dusk_profiler_ntasks(prof));
        failures++;
    }
    if (!rc)
        printf("read %s back: %zu tasks, %zu resource samples\n", path,
               dusk_profiler_ntasks(back), dusk_profiler_nsamples(back));

    dusk_profiler_free(back);
    dusk_free(events);
    dusk_free(svg);
    dusk_progress_free(bar);
    dusk_profiler_free(prof);
    dusk_graph_free(g);
    return failures ? 1 : 0;
}
