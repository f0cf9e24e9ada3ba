/*
 * cli_common.c - small things every subcommand uses.
 */
#include <stdlib.h>

#include "cli/cli.h"

const char *otw_cli_default_db(void)
{
    const char *e = getenv("OTWATCH_DB");

    return (e != NULL && e[0] != '\0') ? e : "otwatch.db";
}
