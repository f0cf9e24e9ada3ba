/*
 * cmd_baseline.c - otwatch baseline.
 */
#include <stdio.h>

#include "cli/cli.h"

int otw_cmd_baseline(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "otwatch baseline: not built yet\n");
    return 2;
}
