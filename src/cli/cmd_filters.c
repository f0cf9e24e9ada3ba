/* cmd_filters.c - placeholder while the command is being written. */
#include <stdio.h>
#include "cli/cli.h"

int otw_cmd_filters(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "otwatch filters: not built yet\n");
    return 2;
}
