/*
** dusk cli — private to the `dusk` command (cli/, built to build/dusk)
**
** main.c reads the subcommand and hands the rest of argv to one of these;
** each returns the command's exit code: 0 done, 1 the run or a file
** failed, 2 bad usage. Messages go to stderr as one line,
** "dusk SUB: what is wrong", naming the file, key, option or column.
*/
#ifndef DUSK_CLI_H
#define DUSK_CLI_H

#include <stddef.h>

/* argv[0] is the subcommand's name ("run"), argv[1..argc) its arguments. */
int cli_run(int argc, char **argv);
int cli_render(int argc, char **argv);
int cli_profile(int argc, char **argv);
int cli_eval(int argc, char **argv);      /* cli/eval.c */
int cli_demo(int argc, char **argv);
int cli_view(int argc, char **argv);

/* The known word closest to `given` (edit distance, at most 3 edits), or
 * NULL: "unknown option '--wrokers'; did you mean '--workers'?". */
const char *cli_closest(const char *given, const char *const *known, size_t n);

/* Whether stderr is a terminal and --quiet was not given (progress bars). */
int cli_progress_wanted(int quiet);

#endif /* DUSK_CLI_H */
