/*
** dusk cli — DELETE AT MERGE: a stand-in for cli/eval.c
**
** `dusk eval` is written on another branch (cli/eval.c, cli/expr.c). Until
** that branch is merged, this file gives the command a cli_eval so that
** it links; the integrator deletes this file when cli/eval.c arrives.
*/
#include <stdio.h>

#include "cli/cli.h"

int cli_eval(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "dusk eval: not built yet\n");
    return 2;
}
