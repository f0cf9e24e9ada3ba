/* cmd_sessions.c - placeholder while the command is being written. */
#include <stdio.h>
#include "cli/cli.h"

int otw_cmd_sessions(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "otwatch sessions: not built yet\n");
    return 2;
}
