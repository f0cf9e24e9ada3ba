/*
 * cmd_assets.c - otwatch assets.
 */
#include <stdio.h>

#include "cli/cli.h"

int otw_cmd_assets(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "otwatch assets: not built yet\n");
    return 2;
}
