/*
 * cli_common.c - small things every subcommand uses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/output.h"
#include "core/config.h"
#include "core/timeutil.h"
#include "query/query.h"
#include "store/store.h"

const char *otw_cli_default_db(void)
{
    const char *e = getenv("OTWATCH_DB");

    return (e != NULL && e[0] != '\0') ? e : "otwatch.db";
}

int otw_cli_store_setup(int *argc, char **argv, bool strip_config)
{
    const char *uri = NULL, *cfgpath = NULL;
    struct otw_config *cfg = otw_config_new();
    struct otw_store_remote r;
    struct otw_err err = {0};
    int n = 1, rc = 0;

    for (int i = 1; i < *argc; i++) {
        if (strcmp(argv[i], "--store") == 0 && i + 1 < *argc) {
            uri = argv[++i];
            continue;
        }
        if (strncmp(argv[i], "--store=", 8) == 0) {
            uri = argv[i] + 8;
            continue;
        }
        if (strcmp(argv[i], "--config") == 0 && i + 1 < *argc) {
            cfgpath = argv[i + 1];
            if (strip_config) {
                i++;
                continue;
            }
        } else if (strncmp(argv[i], "--config=", 9) == 0) {
            cfgpath = argv[i] + 9;
            if (strip_config)
                continue;
        }
        argv[n++] = argv[i];
    }
    argv[n] = NULL;
    *argc = n;
    /* Commands without --config (sessions, pcap, ...) read $OTWATCH_CONFIG, as serve does. */
    if (cfgpath == NULL && getenv("OTWATCH_CONFIG") != NULL && getenv("OTWATCH_CONFIG")[0] != '\0')
        cfgpath = getenv("OTWATCH_CONFIG");
    if (cfg == NULL) {
        fprintf(stderr, "otwatch: out of memory\n");
        return 2;
    }
    if (otw_config_load(cfg, cfgpath ? cfgpath : OTW_DEFAULT_CONFIG, cfgpath != NULL, &err) != 0 ||
        otw_store_remote_load(cfg, uri, &r, &err) != 0) {
        fprintf(stderr, "otwatch: %s\n", err.msg);
        rc = 2;
    } else {
        otw_store_remote_set(&r);
    }
    otw_config_free(cfg);
    return rc;
}

/* Parses the expression and prints a pointed error when it is wrong. */
int otw_cli_parse_expr(const char *cmd, const char *expr, struct otw_query **q)
{
    struct otw_qerr qe;
    char buf[4096];

    *q = NULL;
    if (expr == NULL)
        return 0;
    memset(&qe, 0, sizeof(qe));
    if (otw_query_parse(expr, q, &qe) != 0) {
        otw_query_format_error(expr, &qe, buf, sizeof(buf));
        fprintf(stderr, "otwatch %s: %s\n", cmd, buf);
        return -1;
    }
    return 0;
}

int otw_cli_parse_limit(const char *cmd, const char *s, int64_t *out)
{
    char *end;
    long long v = strtoll(s, &end, 10);

    if (end == s || *end != '\0' || v < 0) {
        fprintf(stderr, "otwatch %s: --limit takes a number (0: no limit), not '%s'\n", cmd, s);
        return -1;
    }
    *out = v;
    return 0;
}

int otw_cli_parse_time(const char *cmd, const char *opt, const char *s, int64_t *out)
{
    if (otw_time_parse(s, otw_now_us(), out) != 0) {
        fprintf(stderr,
                "otwatch %s: %s '%s': not a time (try 2024-05-01, '2024-05-01 13:00', "
                "2024-05-01T13:00:00Z, unix seconds, or -2h)\n",
                cmd, opt, s);
        return -1;
    }
    return 0;
}
