/* cmd_hosts.c - placeholder while the command is being written. */
#include <stdio.h>
#include "cli/cli.h"

int otw_cmd_hosts(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "otwatch hosts: not built yet\n");
    return 2;
}
