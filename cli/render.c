/*
** dusk cli — `dusk render GRAPH.json|TRACE.json -o OUT`
**
** dusk_visualize on the graph of a graph file, or on the graph of a
** trace's first run (trace.c) with the run's events, so that a trace can
** be coloured by worker, duration, bytes or state (by duration unless
** --color says otherwise). Which of the two a file is: cli_is_trace. The
** format is OUT's extension's unless --format names one (svg:graphviz:
** Graphviz's SVG renderer instead of dusk's own SVG writer). -o - with
** --format writes the picture on standard output (drawn into a temporary
** file first: the writers put a file in place by a rename).
*/
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <dusk/alloc.h>
#include <dusk/viz.h>

#include "cli/cli.h"

/* The picture drawn at path, onto standard output. */
static int copy_to_stdout(const char *sub, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return cli_fail(1, sub, "cannot read the picture back: %s", strerror(errno));
    char buf[65536];
    size_t n;
    int bad = 0;
    while (!bad && (n = fread(buf, 1, sizeof buf, f)) > 0)
        bad = fwrite(buf, 1, n, stdout) != n;
    bad |= ferror(f) || fflush(stdout) != 0;
    int e = errno;
    fclose(f);
    return bad ? cli_fail(1, sub, "cannot write the picture to standard output: %s",
                          strerror(e))
               : 0;
}

static const char *const opts[] = {"-o|--output=", "--color=", "--view=", "--threshold=",
                                   "--collapse-outputs", "--verbose", "--rankdir=", "-q|--quiet",
                                   "--plugin=*", "--layout=", "--format="};
enum { O_OUTPUT, O_COLOR, O_VIEW, O_THRESHOLD, O_COLLAPSE, O_VERBOSE, O_RANKDIR, O_QUIET,
       O_PLUGIN, O_LAYOUT, O_FORMAT, NOPTS };

/* What --format takes (dusk_viz_options.format): the extensions' formats,
 * and svg:graphviz, Graphviz's own SVG renderer rather than dusk's writer. */
static const char *const formats[] = {"svg", "png", "pdf", "jpg", "jpeg", "dot", "gv", "xdot",
                                      "svg:graphviz"};
#define NFORMATS (sizeof formats / sizeof *formats)

int cli_render(int argc, char **argv)
{
    const char *sub = argv[0];
    cli_args a = {.argc = argc, .argv = argv, .i = 1};
    const char *val, *in = NULL, *out = NULL;
    const char **plugins = calloc((size_t)argc, sizeof *plugins);
    size_t nplugins = 0;
    dusk_viz_options vo = DUSK_VIZ_OPTIONS_INIT;
    vo.layers_hint = "--view layers";
    char who[64];
    snprintf(who, sizeof who, "dusk %s", sub);   /* viz's notes name the subcommand */
    vo.who = who;
    char rankdir[3] = "";
    int color_given = 0, rc = plugins ? 0 : cli_fail(1, sub, "out of memory");
    for (int k; !rc && (k = cli_next(&a, opts, NOPTS, &val)) != CLI_END;) {
        long num;
        switch (k) {
        case CLI_HELP: cli_help("render", stdout); free(plugins); return 0;
        case CLI_BAD: rc = 2; break;
        case CLI_ARG:
            if (in)
                rc = cli_fail(2, sub, "one input file at a time ('%s' and '%s')", in, val);
            in = val;
            break;
        case O_OUTPUT: out = val; break;
        case O_COLOR:
            if (dusk_viz_color_parse(val, &vo.color) != 0) {
                static const char *const modes[] = {"none", "order", "worker", "duration",
                                                    "bytes", "state"};
                const char *near = cli_closest(val, modes, 6);
                rc = cli_fail(2, sub, "--color is none, order, worker, duration, bytes or state, "
                              "not '%s'%s%s%s", val, near ? "; did you mean '" : "",
                              near ? near : "", near ? "'?" : "");
            }
            color_given = 1;
            break;
        case O_VIEW:
            if (!strcmp(val, "auto"))
                vo.view = DUSK_VIZ_AUTO;
            else if (!strcmp(val, "tasks"))
                vo.view = DUSK_VIZ_TASKS;
            else if (!strcmp(val, "layers"))
                vo.view = DUSK_VIZ_LAYERS;
            else
                rc = cli_fail(2, sub, "--view is auto, tasks or layers, not '%s'", val);
            break;
        case O_THRESHOLD:
            if (cli_parse_int(val, 1, 1000000000, &num) != 0)
                rc = cli_fail(2, sub, "--threshold takes a whole number of tasks from 1, "
                              "not '%s'", val);
            else
                vo.threshold = (size_t)num;
            break;
        case O_COLLAPSE: vo.collapse_outputs = true; break;
        case O_VERBOSE: vo.verbose = true; break;
        case O_RANKDIR:
            /* lr as LR: Graphviz (and dusk_visualize) take the upper case only */
            if (strcasecmp(val, "BT") && strcasecmp(val, "TB") && strcasecmp(val, "LR") &&
                strcasecmp(val, "RL"))
                rc = cli_fail(2, sub, "--rankdir is BT, TB, LR or RL, not '%s'", val);
            else {
                rankdir[0] = (char)toupper((unsigned char)val[0]);
                rankdir[1] = (char)toupper((unsigned char)val[1]);
                vo.rankdir = rankdir;
            }
            break;
        case O_LAYOUT:
            if (!strcmp(val, "auto"))
                vo.layout = DUSK_VIZ_LAYOUT_AUTO;
            else if (!strcmp(val, "dot"))
                vo.layout = DUSK_VIZ_LAYOUT_DOT;
            else if (!strcmp(val, "layered"))
                vo.layout = DUSK_VIZ_LAYOUT_LAYERED;
            else {
                static const char *const layouts[] = {"auto", "dot", "layered"};
                const char *near = cli_closest(val, layouts, 3);
                rc = cli_fail(2, sub, "--layout is auto, dot or layered, not '%s'%s%s%s", val,
                              near ? "; did you mean '" : "", near ? near : "",
                              near ? "'?" : "");
            }
            break;
        case O_QUIET: vo.quiet = true; break;
        case O_FORMAT: {
            int known = 0;
            for (size_t i = 0; i < NFORMATS; i++)
                known |= !strcasecmp(val, formats[i]);
            const char *near = known ? NULL : cli_closest(val, formats, NFORMATS);
            if (!known)
                rc = cli_fail(2, sub, "--format is svg, png, pdf, jpg, jpeg, dot, gv, xdot or "
                              "svg:graphviz, "
                              "not '%s'%s%s%s", val, near ? "; did you mean '" : "",
                              near ? near : "", near ? "'?" : "");
            vo.format = val;
            break;
        }
        case O_PLUGIN: plugins[nplugins++] = val; break;
        }
    }
    /* the threshold is where auto switches view: with a view named, it
     * would be ignored, and the user would not learn why */
    if (!rc && vo.threshold && vo.view != DUSK_VIZ_AUTO)
        rc = cli_fail(2, sub, "--threshold goes with --view auto (the default), not --view %s",
                      vo.view == DUSK_VIZ_TASKS ? "tasks" : "layers");
    if (!rc && !in)
        rc = cli_fail(2, sub, "which file? (usage: dusk render GRAPH.json|TRACE.json -o OUT.svg)");
    if (!rc && !out)
        rc = cli_fail(2, sub, "where to? -o OUT.svg|png|pdf|jpg|jpeg|dot|gv|xdot");
    int to_stdout = out && !strcmp(out, "-");
    if (!rc && to_stdout && !vo.format)
        rc = cli_fail(2, sub, "-o - (standard output) has no extension: name the format with "
                      "--format svg|png|pdf|jpg|jpeg|dot|gv|xdot");
    if (!rc && !vo.format)   /* the format from the extension */
        rc = cli_check_picture(sub, NULL, out);
    if (!rc && !to_stdout)
        rc = cli_check_output(sub, out);
    /* --format lets any name through: never draw over the file drawn */
    if (!rc && !to_stdout && cli_same_file(out, in))
        rc = cli_fail(2, sub, "-o %s would replace the input file %s", out, in);
    if (!rc)
        rc = cli_input(sub, &in);   /* "-": standard input */
    dusk_error err = DUSK_ERROR_INIT;
    for (size_t i = 0; i < nplugins && !rc; i++)
        if (cli_plugin_load(plugins[i], &err) != 0)
            rc = cli_fail(1, sub, "%s", err.msg);
    dusk_graph *g = NULL;
    cli_trace_graph t = {0};
    if (!rc && cli_is_trace(in)) {
        if (cli_trace_graph_load(in, &t, &err) != 0) {
            rc = cli_fail(1, sub, "%s", err.msg);
        } else {
            g = t.g;
            vo.events = t.ev;
            vo.nevents = t.nev;
            if (!color_given)
                vo.color = DUSK_VIZ_COLOR_DURATION;
        }
    } else if (!rc) {
        if (cli_graph_load(in, &g, &err) != 0)
            rc = cli_fail(1, sub, "%s", err.msg);
        else if (vo.color != DUSK_VIZ_COLOR_NONE && vo.color != DUSK_VIZ_COLOR_ORDER)
            rc = cli_fail(2, sub, "--color %s needs a run: render a trace (dusk run --trace)",
                          dusk_viz_color_name(vo.color));
    }
    if (!rc) {
        char how[64];
        snprintf(how, sizeof how, "--view tasks (or --threshold %zu)", dusk_graph_size(g));
        cli_layers_note(sub, &vo, dusk_graph_size(g), how);
    }
    char tmp[64] = "";
    if (!rc && to_stdout) {
        const char *dir = getenv("TMPDIR");
        snprintf(tmp, sizeof tmp, "%s/dusk-render-XXXXXX", dir && *dir && strlen(dir) < 40 ? dir
                                                                                          : "/tmp");
        int fd = mkstemp(tmp);
        if (fd < 0)
            rc = cli_fail(1, sub, "cannot make a temporary file for standard output: %s",
                          strerror(errno));
        else
            close(fd);
    }
    if (!rc && dusk_visualize(g, to_stdout ? tmp : out, &vo, &err) != 0)
        rc = cli_fail(1, sub, "%s: %s", in, err.msg);
    if (!rc && to_stdout)
        rc = copy_to_stdout(sub, tmp);
    if (tmp[0])
        unlink(tmp);
    if (t.g)
        cli_trace_graph_free(&t);
    else
        dusk_graph_free(g);
    free(plugins);
    return rc;
}
