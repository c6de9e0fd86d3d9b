/*
** dusk cli — `dusk profile TRACE.json [-o OUT]`
**
** Reads a trace back (dusk_profiler_read_trace) and prints its summary,
** or writes, by the extension of -o: the HTML report (.html), a chart
** (.png, .svg, .pdf) or the task records (.csv). The report shows the
** recorded run's graph coloured by duration, as `dusk run --report` does.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <dusk/alloc.h>
#include <dusk/profiler.h>
#include <dusk/viz.h>

#include "cli/cli.h"

static const char *const opts[] = {"-o|--output="};

int cli_profile(int argc, char **argv)
{
    const char *sub = argv[0];
    cli_args a = {.argc = argc, .argv = argv, .i = 1};
    const char *val, *in = NULL, *out = NULL, *ext = NULL;
    int rc = 0;
    for (int k; !rc && (k = cli_next(&a, opts, 1, &val)) != CLI_END;) {
        switch (k) {
        case CLI_HELP: cli_help("profile", stdout); return 0;
        case CLI_BAD: rc = 2; break;
        case CLI_ARG:
            if (in)
                rc = cli_fail(2, sub, "one trace at a time ('%s' and '%s')", in, val);
            in = val;
            break;
        default: out = val; break;
        }
    }
    if (!rc && !in)
        rc = cli_fail(2, sub, "which trace? (usage: dusk profile TRACE.json [-o OUT])");
    if (!rc && out) {
        const char *slash = strrchr(out, '/'), *dot = strrchr(out, '.');
        ext = dot && (!slash || dot > slash) ? dot + 1 : "";
        if (strcasecmp(ext, "html") && strcasecmp(ext, "png") && strcasecmp(ext, "svg") &&
            strcasecmp(ext, "pdf") && strcasecmp(ext, "csv"))
            rc = cli_fail(2, sub, "%s: -o writes a .html report, a .png, .svg or .pdf chart, "
                          "or a .csv of the tasks", out);
        if (!rc)
            rc = cli_check_output(sub, out);
        if (!rc && cli_same_file(out, in))   /* a trace named t.csv */
            rc = cli_fail(2, sub, "-o %s would replace the input file %s", out, in);
    }
    if (!rc)
        rc = cli_input(sub, &in);   /* "-": standard input */
    if (rc)
        return rc;
    dusk_error err = DUSK_ERROR_INIT;
    dusk_profiler *prof = NULL;
    if (dusk_profiler_read_trace(in, &prof, &err) != 0) {
        /* a graph file given where a trace belongs: say how to profile it */
        dusk_graph *g = NULL;
        dusk_error gerr = DUSK_ERROR_INIT;
        if (!cli_is_trace(in) && cli_graph_load(in, &g, &gerr) == 0) {
            dusk_graph_free(g);
            return cli_fail(1, sub, "%s is a graph, not a trace: dusk run %s --trace T.json "
                            "(or --report R.html) runs it and records the profile",
                            cli_shown(in), strcmp(in, cli_shown(in)) ? "-" : in);
        }
        return cli_fail(1, sub, "%s", err.msg);
    }
    /* no tasks: nothing to summarise (not a run on 0 workers) */
    if (dusk_profiler_ntasks(prof) == 0) {
        dusk_profiler_free(prof);
        return cli_fail(1, sub, "%s: the trace has no tasks", in);
    }
    if (!out) {
        if (dusk_profiler_print_summary(prof, stdout) != 0)
            rc = cli_fail(1, sub, "cannot write the summary");
    } else if (!strcasecmp(ext, "html")) {
        dusk_report_options ro = DUSK_REPORT_OPTIONS_INIT;
        char title[512];
        snprintf(title, sizeof title, "dusk profile %s", cli_shown(in));
        ro.title = title;
        /* the recorded run's graph, coloured by duration (none if it cannot be drawn) */
        cli_trace_graph t;
        char *svg = NULL;
        size_t len;
        dusk_error ignored = DUSK_ERROR_INIT;
        if (cli_trace_graph_load(in, &t, &ignored) == 0) {
            dusk_viz_options vo = DUSK_VIZ_OPTIONS_INIT;
            vo.color = DUSK_VIZ_COLOR_DURATION;
            vo.events = t.ev;
            vo.nevents = t.nev;
            vo.quiet = true;
            if (dusk_visualize_mem(t.g, "svg", &vo, &svg, &len, &ignored) != 0)
                svg = NULL;
            cli_trace_graph_free(&t);
        }
        ro.graph_svg = svg;
        if (dusk_profiler_write_report(prof, out, &ro, &err) != 0)
            rc = cli_fail(1, sub, "%s", err.msg);
        dusk_free(svg);
    } else if (!strcasecmp(ext, "csv")) {
        if (dusk_profiler_write_tasks_csv(prof, out, &err) != 0)
            rc = cli_fail(1, sub, "%s", err.msg);
    } else if (dusk_profiler_write_chart(prof, out, NULL, &err) != 0) {
        rc = cli_fail(1, sub, "%s", err.msg);
    }
    dusk_profiler_free(prof);
    return rc;
}
