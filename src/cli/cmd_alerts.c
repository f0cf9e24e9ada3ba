/*
 * cmd_alerts.c - otwatch alerts.
 */
#include <stdio.h>

#include "cli/cli.h"

int otw_cmd_alerts(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "otwatch alerts: not built yet\n");
    return 2;
}
