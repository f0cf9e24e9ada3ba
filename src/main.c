/*
 * main.c - argv[1] -> subcommand table; nothing else.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "otw_version.h"

static const struct otw_cmd commands[] = {
    {"import", otw_cmd_import, "read capture files (pcap, pcapng, gzip) into the database", true},
    {"capture", otw_cmd_capture, "capture live from network interfaces (a mirror port)", true},
    {"status", otw_cmd_status, "capture statistics per interface, database and packet files", false},
    {"sessions", otw_cmd_sessions, "list sessions matching an expression", false},
    {"pcap", otw_cmd_pcap, "write the packets of matching sessions as one pcap", true},
    {"hosts", otw_cmd_hosts, "per-host summary of sessions", true},
    {"assets", otw_cmd_assets, "the asset inventory; give hosts names and roles", true},
    {"baseline", otw_cmd_baseline, "learn, review, export and import the normal communications",
     true},
    {"alerts", otw_cmd_alerts, "list, acknowledge and resolve alerts", false},
    {"serve", otw_cmd_serve, "the web interface and its JSON API (docs/API.md)", true},
    {"user", otw_cmd_user, "user accounts of the web interface (names, roles, passwords)", false},
    {"store", otw_cmd_store, "the remote store (ClickHouse): init, drain, status, drop", true},
    {"fields", otw_cmd_fields, "list the fields usable in expressions", false},
    {"filters", otw_cmd_filters, "list the capture filter presets", false},
    {NULL, NULL, NULL, false},
};

static void usage(FILE *f)
{
    fprintf(f, "otwatch %s - passive monitor for OT networks\n\n"
               "usage: otwatch COMMAND [OPTIONS] [ARGS]\n\ncommands:\n",
            OTW_VERSION);
    for (const struct otw_cmd *c = commands; c->name; c++)
        fprintf(f, "  %-10s %s\n", c->name, c->summary);
    fprintf(f, "\n'otwatch COMMAND --help' shows a command's options.\n"
               "The database is ./otwatch.db unless --db or $OTWATCH_DB says otherwise;\n"
               "--store clickhouse://HOST:PORT/DB (any command) puts the data every node\n"
               "shares in ClickHouse (docs/CLICKHOUSE.md); --config FILE (any command, or\n"
               "$OTWATCH_CONFIG) names the settings file, /etc/otwatch/otwatch.conf by default.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("otwatch %s\n", OTW_VERSION);
        return 0;
    }
    for (const struct otw_cmd *c = commands; c->name; c++) {
        if (strcmp(argv[1], c->name) == 0) {
            argc--;
            argv++;
            if (otw_cli_store_setup(&argc, argv, !c->own_config) != 0)
                return 2;
            return c->run(argc, argv);
        }
    }
    fprintf(stderr, "otwatch: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
