/* cmd_import.c - placeholder while the command is being written. */
#include <stdio.h>
#include "cli/cli.h"

int otw_cmd_import(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "otwatch import: not built yet\n");
    return 2;
}
