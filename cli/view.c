/*
** dusk cli — `dusk view`: the live window on a graph file, a trace or an
** expression
**
** A graph file is `dusk run --view` (run.c, which reads argv[0] "view"),
** a trace goes to dusk_view_trace, and --eval hands the rest of the line
** to `dusk eval` with --view added.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dusk/gui.h>
#include <dusk/profiler.h>

#include "cli/cli.h"

int cli_view(int argc, char **argv)
{
    const char *sub = argv[0];
    if (argc < 2)
        return cli_fail(2, sub, "what to show? (usage: dusk view GRAPH.json|TRACE.json, "
                        "dusk view --eval EXPR ..., or dusk view --demo)");
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        cli_help("view", stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--eval")) {
        /* dusk eval EXPR ... --view */
        char **args = calloc((size_t)argc + 2, sizeof *args);
        if (!args)
            return cli_fail(1, sub, "out of memory");
        args[0] = "eval";
        for (int i = 2; i < argc; i++)
            args[i - 1] = argv[i];
        args[argc - 1] = "--view";
        int rc = cli_eval(argc, args);
        free(args);
        return rc;
    }
    if (!strcmp(argv[1], "--demo")) {
        /* dusk demo NAME ... (the demos that show the window: window) */
        char **args = calloc((size_t)argc + 2, sizeof *args);
        if (!args)
            return cli_fail(1, sub, "out of memory");
        int n = 0;
        args[n++] = (char *)sub;   /* its messages say "dusk view" */
        if (argc < 3 || argv[2][0] == '-')
            args[n++] = "window";
        for (int i = 2; i < argc; i++)
            args[n++] = argv[i];
        int rc = cli_demo(n, args);
        free(args);
        return rc;
    }
    /* a trace among the arguments that are not options (the first of
     * those may be an option's value: view --workers 2 TRACE.json) */
    const char *file = NULL;
    for (int i = 1; i < argc && !file; i++) {
        if (!strcmp(argv[i], "-")) {   /* standard input, kept for dusk run too */
            const char *kept = argv[i];
            if (cli_input(sub, &kept) != 0)
                return 1;
            argv[i] = (char *)kept;
        }
        if (argv[i][0] != '-' && cli_is_trace(argv[i]))
            file = argv[i];
    }
    if (file) {
        static const char *const opts[] = {"--close", "--theme="};
        cli_args a = {.argc = argc, .argv = argv, .i = 1};
        const char *val;
        dusk_view_options vo = DUSK_VIEW_OPTIONS_INIT;
        vo.close_when_done = !isatty(STDIN_FILENO);
        for (int k; (k = cli_next(&a, opts, 2, &val)) != CLI_END;) {
            if (k == CLI_BAD)
                return 2;
            if (k == CLI_HELP) {
                cli_help("view", stdout);
                return 0;
            }
            if (k == CLI_ARG && strcmp(val, file) != 0)
                return cli_fail(2, sub, "a trace is shown alone ('%s' is one more)", val);
            if (k == 0)
                vo.close_when_done = 1;
            if (k == 1) {   /* a projector's contrast theme for a replay too */
                dusk_error terr = DUSK_ERROR_INIT;
                if (dusk_view_theme_check(val, &terr) != 0)
                    return cli_fail(2, sub, "--theme: %s", terr.msg);
                vo.theme = val;
            }
        }
        char title[512];
        snprintf(title, sizeof title, "dusk: %s", cli_shown(file));
        vo.title = title;
        dusk_error err = DUSK_ERROR_INIT;
        /* a trace without tasks would open an empty window: said instead,
         * as profile and render say it */
        dusk_profiler *prof = NULL;
        if (dusk_profiler_read_trace(file, &prof, &err) != 0)
            return cli_fail(1, sub, "%s", err.msg);
        size_t ntasks = dusk_profiler_ntasks(prof);
        dusk_profiler_free(prof);
        if (ntasks == 0)
            return cli_fail(1, sub, "%s: the trace has no tasks", file);
        if (dusk_view_trace(file, &vo, &err) != 0)
            return cli_fail(1, sub, "%s", err.msg);
        return 0;
    }
    return cli_run(argc, argv);
}
