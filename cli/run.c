/*
** dusk cli — `dusk run GRAPH.json [KEY...]`
**
** Loads the graph file (graphfile.c), checks everything the user typed
** before anything runs (the keys, the numbers, the output files' kinds
** and directories), runs the graph on the chosen scheduler (or in the
** live window with --view), prints the results, then writes the
** profiler's outputs. Nothing is written when the run fails.
** `dusk view GRAPH.json` is this with --view (argv[0] is then "view").
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dusk/alloc.h>
#include <dusk/builtins.h>
#include <dusk/graph.h>
#include <dusk/gui.h>
#include <dusk/profiler.h>
#include <dusk/sched.h>
#include <dusk/viz.h>

#include "cli/cli.h"

static const char *const opts[] = {
    "--scheduler=", "--workers=", "--progress", "-q|--quiet", "--trace=", "--report=",
    "--chart=", "--csv=", "--view", "--delay=", "--start-paused", "--close", "--plugin=*",
    "--theme=",
};
enum { O_SCHED, O_WORKERS, O_PROGRESS, O_QUIET, O_TRACE, O_REPORT, O_CHART, O_CSV, O_VIEW,
       O_DELAY, O_PAUSED, O_CLOSE, O_PLUGIN, O_THEME, NOPTS };

static const char *ext_of(const char *path)
{
    const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');
    return dot && (!slash || dot > slash) ? dot + 1 : "";
}

/* The keys no task depends on, in the file's order. */
static int default_keys(dusk_graph *g, const char ***keys, size_t *n)
{
    size_t size = dusk_graph_size(g);
    unsigned char *needed = calloc(size ? size : 1, 1);
    *keys = malloc((size ? size : 1) * sizeof **keys);
    if (!needed || !*keys) {
        free(needed);
        return DUSK_ENOMEM;
    }
    for (size_t id = 0; id < size; id++) {
        const int64_t *deps;
        int64_t nd = dusk_graph_dependencies(g, (int64_t)id, &deps);
        for (int64_t k = 0; k < nd; k++)
            needed[deps[k]] = 1;
    }
    *n = 0;
    for (size_t id = 0; id < size; id++)
        if (!needed[id])
            (*keys)[(*n)++] = dusk_graph_key(g, (int64_t)id);
    free(needed);
    return 0;
}

/* The graph's picture coloured by duration, for the report (NULL if it
 * cannot be drawn: the report then says it has none). */
static char *report_svg(dusk_graph *g, dusk_profiler *prof)
{
    dusk_event *ev = NULL;
    size_t nev = 0;
    char *svg = NULL;
    size_t len;
    dusk_error e = DUSK_ERROR_INIT;
    if (dusk_profiler_run_events(prof, 0, &ev, &nev) != 0)
        return NULL;
    dusk_viz_options vo = DUSK_VIZ_OPTIONS_INIT;
    vo.color = DUSK_VIZ_COLOR_DURATION;
    vo.events = ev;
    vo.nevents = nev;
    vo.quiet = true;
    if (dusk_visualize_mem(g, "svg", &vo, &svg, &len, &e) != 0)
        svg = NULL;
    dusk_free(ev);
    return svg;
}

/* The run's failure, with a hint about the failed task's entry if one
 * applies (a typo of a key passed as text); returns 1. */
static int run_failed(const char *sub, const char *path, dusk_graph *g, const char *msg)
{
    char hint[512];
    if (cli_graph_hint(path, g, msg, hint, sizeof hint))
        return cli_fail(1, sub, "%s (%s)", msg, hint);
    return cli_fail(1, sub, "%s", msg);
}

int cli_run(int argc, char **argv)
{
    const char *sub = argv[0];
    cli_args a = {.argc = argc, .argv = argv, .i = 1};
    const char *val, *path = NULL;
    const char **keys = calloc((size_t)argc, sizeof *keys);
    const char **plugins = calloc((size_t)argc, sizeof *plugins);
    size_t nkeys = 0, nplugins = 0;
    const char *trace = NULL, *report = NULL, *chart = NULL, *csv = NULL, *theme = NULL;
    int progress = 0, quiet = 0, view = !strcmp(sub, "view"), paused = 0;
    int close_when_done = !isatty(STDIN_FILENO);
    double delay = 0;
    dusk_options o = DUSK_OPTIONS_INIT;
    int rc = keys && plugins ? 0 : cli_fail(1, sub, "out of memory");
    for (int k; !rc && (k = cli_next(&a, opts, NOPTS, &val)) != CLI_END;) {
        long num;
        switch (k) {
        case CLI_HELP: cli_help("run", stdout); free(keys); free(plugins); return 0;
        case CLI_BAD: rc = 2; break;
        case CLI_ARG:
            if (!path)
                path = val;
            else
                keys[nkeys++] = val;
            break;
        case O_SCHED:
            if (!strcmp(val, "sync"))
                o.scheduler = DUSK_SCHED_SYNC;
            else if (!strcmp(val, "threads"))
                o.scheduler = DUSK_SCHED_THREADS;
            else if (!strcmp(val, "processes"))
                o.scheduler = DUSK_SCHED_PROCESSES;
            else
                rc = cli_fail(2, sub, "--scheduler is sync, threads or processes, not '%s'", val);
            break;
        case O_WORKERS:
            /* 0 is one per core, as for eval and dusk_options */
            if (cli_parse_int(val, 0, 4096, &num) != 0)
                rc = cli_fail(2, sub, "--workers takes a whole number from 0 (one per core) "
                              "to 4096, not '%s'", val);
            else
                o.workers = (int)num;
            break;
        case O_PROGRESS: progress = 1; break;
        case O_QUIET: quiet = 1; break;
        case O_TRACE: trace = val; break;
        case O_REPORT: report = val; break;
        case O_CHART: chart = val; break;
        case O_CSV: csv = val; break;
        case O_VIEW: view = 1; break;
        case O_DELAY: {
            char *end;
            errno = 0;
            delay = strtod(val, &end);
            if (!*val || *end || errno || !(delay >= 0 && delay <= 60))
                rc = cli_fail(2, sub, "--delay takes seconds from 0 to 60, not '%s'", val);
            break;
        }
        case O_PAUSED: paused = 1; break;
        case O_CLOSE: close_when_done = 1; break;
        case O_PLUGIN: plugins[nplugins++] = val; break;
        case O_THEME: {
            /* a theme file's bad line is said now, not when the window opens */
            dusk_error terr = DUSK_ERROR_INIT;
            theme = val;
            if (dusk_view_theme_check(theme, &terr) != 0)
                rc = cli_fail(2, sub, "--theme: %s", terr.msg);
            break;
        }
        }
    }
    if (!rc && !path)
        rc = cli_fail(2, sub, "which graph file? (usage: dusk %s GRAPH.json [KEY...])", sub);
    if (!rc && chart) {
        const char *e = ext_of(chart);
        if (strcasecmp(e, "png") && strcasecmp(e, "svg") && strcasecmp(e, "pdf"))
            rc = cli_fail(2, sub, "--chart %s: the chart is a .png, .svg or .pdf file", chart);
    }
    const char *outs[] = {trace, report, chart, csv};
    static const char *const out_opt[] = {"--trace", "--report", "--chart", "--csv"};
    for (size_t i = 0; i < 4 && !rc; i++)
        if (outs[i])
            rc = cli_check_output(sub, outs[i]);
    /* an output never replaces the graph file or another output */
    for (size_t i = 0; i < 4 && !rc; i++) {
        if (!outs[i])
            continue;
        if (path && cli_same_file(outs[i], path))
            rc = cli_fail(2, sub, "%s %s would replace the graph file %s", out_opt[i], outs[i],
                          path);
        for (size_t k = 0; k < i && !rc; k++)
            if (outs[k] && cli_same_file(outs[i], outs[k]))
                rc = cli_fail(2, sub, "%s and %s name one file, %s", out_opt[k], out_opt[i],
                              outs[i]);
    }
    /* an output's extension names its format (after the checks above,
     * which say worse: that the graph file would go) */
    if (!rc && trace)
        rc = cli_check_kind(sub, "--trace", trace, "the trace", "json", NULL);
    if (!rc && report)
        rc = cli_check_kind(sub, "--report", report, "the report", "html", "htm");
    if (!rc && csv)
        rc = cli_check_kind(sub, "--csv", csv, "the table of tasks", "csv", NULL);
    if ((paused || delay > 0 || theme) && !view && !rc)
        rc = cli_fail(2, sub, "--delay, --start-paused and --theme go with --view");
    if (!rc)
        rc = cli_input(sub, &path);   /* "-": standard input */
    /* a trace (dusk run --trace, dusk profile's input) read as a graph
     * would be one key 'traceEvents' holding objects: say what it is and
     * what opens it (dusk view PATH runs here only for graphs) */
    if (!rc && cli_is_trace(path)) {
        const char *p = strcmp(path, cli_shown(path)) ? "-" : path;
        rc = cli_fail(1, sub, "%s is a trace (as dusk run --trace writes), not a graph file: "
                      "dusk view %s replays it, dusk profile %s summarises it, dusk render %s "
                      "-o OUT.svg draws it", cli_shown(path), p, p, p);
    }

    dusk_error err = DUSK_ERROR_INIT;
    for (size_t i = 0; i < nplugins && !rc; i++)
        if (cli_plugin_load(plugins[i], &err) != 0)
            rc = cli_fail(1, sub, "%s", err.msg);
    dusk_graph *g = NULL;
    if (!rc && cli_graph_load(path, &g, &err) != 0)
        rc = cli_fail(1, sub, "%s", err.msg);
    if (!rc && dusk_graph_validate(g, &err) != 0)
        rc = cli_fail(1, sub, "%s: %s", path, err.msg);
    for (size_t i = 0; i < nkeys && !rc; i++) {
        if (dusk_graph_find(g, keys[i]) >= 0)
            continue;
        /* suggest a key of the graph (among its first thousand) */
        size_t n = dusk_graph_size(g) < 1000 ? dusk_graph_size(g) : 1000;
        const char *names[1000];
        for (size_t id = 0; id < n; id++)
            names[id] = dusk_graph_key(g, (int64_t)id);
        const char *near = cli_closest(keys[i], names, n);
        if (near)
            rc = cli_fail(2, sub, "%s has no key '%s'; did you mean '%s'?", path, keys[i], near);
        else
            rc = cli_fail(2, sub, "%s has no key '%s'", path, keys[i]);
    }
    const char **want = keys;
    const char **defaults = NULL;
    if (!rc && nkeys == 0) {
        if (default_keys(g, &defaults, &nkeys) != 0)
            rc = cli_fail(1, sub, "out of memory");
        want = defaults;
    }

    /* listeners: Ctrl-C's gate, the profiler when an output needs it, the
     * progress bar */
    dusk_profiler *prof = NULL;
    dusk_progress *bar = NULL;
    dusk_callbacks cbs[3];
    size_t ncb = 0;
    if (!rc) {
        cli_interrupt_install();
        cbs[ncb++] = cli_interrupt_callbacks();
    }
    if (!rc && (trace || report || chart || csv)) {
        if (!(prof = dusk_profiler_new(NULL)))
            rc = cli_fail(1, sub, "out of memory");
        else
            cbs[ncb++] = dusk_profiler_callbacks(prof);
    }
    if (!rc && progress && !view && cli_progress_wanted(quiet)) {
        if ((bar = dusk_progress_new(NULL)))
            cbs[ncb++] = dusk_progress_callbacks(bar);
    }
    o.callbacks = ncb ? cbs : NULL;
    o.ncallbacks = ncb;

    dusk_value *out = NULL;
    /* a run that failed in a task (not interrupted) still writes what the
     * profiler recorded: its trace, chart and report show the erred task,
     * which is what one wants to see of a failure */
    int task_failed = 0;
    if (!rc && !view) {
        if (dusk_get_list(g, want, nkeys, &o, &out, &err) != 0)
            rc = cli_interrupted() ? cli_interrupt_exit(sub) : run_failed(sub, path, g, err.msg);
    } else if (!rc) {
        /* the keys as one request, which gives the tuple dusk_get_list
         * would: nothing is added to the graph, so the window shows the
         * file's tasks only */
        dusk_arg **refs = malloc((nkeys ? nkeys : 1) * sizeof *refs);
        dusk_arg *req = NULL;
        if (refs) {
            for (size_t i = 0; i < nkeys; i++)
                refs[i] = dusk_ref(want[i]);
            req = dusk_listv(nkeys, refs);
            free(refs);
        }
        dusk_view_options vo = DUSK_VIEW_OPTIONS_INIT;
        char title[512];
        snprintf(title, sizeof title, "dusk: %s", cli_shown(path));
        vo.run = &o;
        vo.stop = cli_interrupt_flag();
        vo.delay = delay;
        vo.start_paused = paused;
        vo.close_when_done = close_when_done;
        vo.title = title;
        vo.theme = theme;
        if (dusk_view_compute(g, req, &vo, &out, &err) != 0)
            rc = cli_interrupted() ? cli_interrupt_exit(sub) : run_failed(sub, path, g, err.msg);
    }
    /* interrupted: nothing printed or written, whether or not the run
     * ended before the signal was seen */
    if (!rc && cli_interrupted())
        rc = cli_interrupt_exit(sub);

    /* the profiler's outputs, now that the run has succeeded or failed in
     * a task; when one fails, or Ctrl-C comes before the last, those
     * written before it go too (each appears whole or not) */
    const char *written[4];
    size_t nwritten = 0;
    int run_rc = rc;
    if (rc && prof && !cli_interrupted()) {
        /* a task erred (not a window closed early, nor no display) */
        const dusk_task_record *t = dusk_profiler_tasks(prof);
        for (size_t i = dusk_profiler_ntasks(prof); i-- > 0 && !task_failed;)
            task_failed = t[i].status != 0;
        if (task_failed)
            rc = 0;
    }
    if (!rc && trace) {
        if (dusk_profiler_write_trace(prof, trace, NULL, &err) != 0)
            rc = cli_fail(1, sub, "%s", err.msg);
        else
            written[nwritten++] = trace;
    }
    if (!rc && cli_interrupted())
        rc = cli_interrupt_exit(sub);
    if (!rc && chart) {
        if (dusk_profiler_write_chart(prof, chart, NULL, &err) != 0)
            rc = cli_fail(1, sub, "%s", err.msg);
        else
            written[nwritten++] = chart;
    }
    if (!rc && cli_interrupted())
        rc = cli_interrupt_exit(sub);
    if (!rc && csv) {
        if (dusk_profiler_write_tasks_csv(prof, csv, &err) != 0)
            rc = cli_fail(1, sub, "%s", err.msg);
        else
            written[nwritten++] = csv;
    }
    if (!rc && cli_interrupted())
        rc = cli_interrupt_exit(sub);
    if (!rc && report) {
        dusk_report_options ro = DUSK_REPORT_OPTIONS_INIT;
        char *svg = report_svg(g, prof);
        char title[512];
        snprintf(title, sizeof title, "dusk run %s", cli_shown(path));
        ro.title = title;
        ro.graph_svg = svg;
        if (dusk_profiler_write_report(prof, report, &ro, &err) != 0)
            rc = cli_fail(1, sub, "%s", err.msg);
        else
            written[nwritten++] = report;
        dusk_free(svg);
    }
    /* the results last, once every file is in place: a run whose outputs
     * cannot be written prints nothing (it printed them, then failed) */
    if (!rc && cli_interrupted())
        rc = cli_interrupt_exit(sub);
    if (!rc && !run_rc && cli_print_results(path, want, nkeys, out, stdout) != 0)
        rc = cli_fail(1, sub, "cannot write the results");
    for (size_t i = 0; rc && i < nwritten; i++)
        remove(written[i]);
    if (!rc && task_failed) {
        /* say so, as a user may think a failed run writes nothing */
        fprintf(stderr, "dusk %s: the failed run, its erred task with the others, is in", sub);
        for (size_t i = 0; i < nwritten; i++)
            fprintf(stderr, " %s", written[i]);
        fprintf(stderr, "\n");
    }
    if (!rc)
        rc = run_rc;
    dusk_value_unref(out);
    dusk_progress_free(bar);
    dusk_profiler_free(prof);
    dusk_graph_free(g);
    free(defaults);
    free(plugins);
    free(keys);
    return rc;
}
