/* cmd_fields.c - placeholder while the command is being written. */
#include <stdio.h>
#include "cli/cli.h"

int otw_cmd_fields(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "otwatch fields: not built yet\n");
    return 2;
}
