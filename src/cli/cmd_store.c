/*
 * cmd_store.c - `otwatch store`: the remote store (ClickHouse). NOT WRITTEN YET.
 */
#include <stdio.h>

#include "cli/cli.h"

int otw_cmd_store(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "otwatch store: not written yet\n");
    return 2;
}
