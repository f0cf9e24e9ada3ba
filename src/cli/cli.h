/*
 * cli.h - the subcommands. Each lives in its own file (cmd_*.c) and takes
 * argc/argv starting at the subcommand name. Return value is the exit status:
 * 0 ok, 1 some input failed or nothing matched an error, 2 usage error.
 */
#ifndef OTW_CLI_H
#define OTW_CLI_H

#include <stdbool.h>

struct otw_cmd {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
    bool own_config;    /* reads --config FILE itself */
};

int otw_cmd_import(int argc, char **argv);
int otw_cmd_sessions(int argc, char **argv);
int otw_cmd_hosts(int argc, char **argv);
int otw_cmd_fields(int argc, char **argv);
int otw_cmd_filters(int argc, char **argv);
int otw_cmd_capture(int argc, char **argv);
int otw_cmd_status(int argc, char **argv);
int otw_cmd_pcap(int argc, char **argv);
int otw_cmd_assets(int argc, char **argv);
int otw_cmd_baseline(int argc, char **argv);
int otw_cmd_alerts(int argc, char **argv);
int otw_cmd_user(int argc, char **argv);
int otw_cmd_serve(int argc, char **argv);
int otw_cmd_store(int argc, char **argv);

/* The default database path: $OTWATCH_DB, else ./otwatch.db */
const char *otw_cli_default_db(void);

/* Takes the remote store settings for the whole process (store_remote.h):
 * removes every --store URI / --store=URI from argv (any position after the
 * command), reads the --config file (or $OTWATCH_CONFIG, or
 * /etc/otwatch/otwatch.conf when it exists) and the environment; with
 * strip_config also removes --config FILE (commands that read no other
 * settings). 0, or 2 after printing the error. */
int otw_cli_store_setup(int *argc, char **argv, bool strip_config);

#endif
