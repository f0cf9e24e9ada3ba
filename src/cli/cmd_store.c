/*
 * cmd_store.c - `otwatch store`: the remote store (ClickHouse) of a node.
 *
 *   otwatch store init [--cluster NAME] [URI...]   create or upgrade the schema on each server
 *   otwatch store status                           server, schema, sessions per node, spool
 *   otwatch store drain                            send this node's spool now
 *   otwatch store drop --before DAY [URI...]       drop whole days older than DAY
 *
 * The URIs default to the configured store (--store, `store =` in the
 * config file, $OTWATCH_STORE). docs/CLICKHOUSE.md is the user's guide.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/timeutil.h"
#include "query/query.h"
#include "store/store.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: otwatch store init [--cluster NAME] [--store URI] [URI...]\n"
            "       otwatch store status [--store URI] [--db PATH]\n"
            "       otwatch store drain [--store URI] [--db PATH]\n"
            "       otwatch store drop --before DAY [--store URI] [URI...]\n"
            "\n"
            "The remote store (ClickHouse, docs/CLICKHOUSE.md) keeps the sessions, assets,\n"
            "baseline and alerts of every node; each node keeps its packets and its own\n"
            "SQLite file (--db) beside it.\n"
            "\n"
            "  init     creates the database and tables on each server given (or the\n"
            "           configured one), and with --cluster the Distributed tables that\n"
            "           read all shards. Run it on EVERY server of a cluster (no ON CLUSTER:\n"
            "           that needs ZooKeeper/Keeper). Safe to run again; upgrades the schema.\n"
            "  status   the server's version, the schema, sessions per node, this node's spool\n"
            "  drain    sends what this node spooled while the server was away\n"
            "  drop     drops every day (partition) before DAY on each server given: the way\n"
            "           to keep N days (ClickHouse 18.16 has no TTL)\n"
            "\n"
            "  otwatch store init --cluster otwatch clickhouse://ch1:8123/otwatch \\\n"
            "                                       clickhouse://ch2:8123/otwatch\n"
            "  otwatch store status --store clickhouse://ch1:8123/otwatch\n"
            "  otwatch store drop --before 2026-01-01 clickhouse://ch1:8123/otwatch\n"
            "\n"
            "options:\n"
            "  --store URI       clickhouse://HOST:PORT/DB (https: clickhouses://)\n"
            "  --cluster NAME    init: the cluster of the servers' remote_servers\n"
            "                    (default: clickhouse.cluster of the config file)\n"
            "  --before DAY      drop: a date (2026-01-31) or a time; whole days before it\n"
            "  --db PATH         this node's own database file (default: $OTWATCH_DB or\n"
            "                    ./otwatch.db); the spool is PATH.spool unless configured\n"
            "  --config FILE     settings file (default /etc/otwatch/otwatch.conf):\n"
            "                    store, clickhouse.user, clickhouse.password, clickhouse.cluster,\n"
            "                    node, clickhouse.spool, clickhouse.spool_max_mb\n"
            "  -h, --help        this text\n"
            "\n"
            "User and password come from the config file or $OTWATCH_CH_USER and\n"
            "$OTWATCH_CH_PASSWORD, never from the command line.\n"
            "Exit status: 0 ok, 1 a server failed, 2 usage error.\n");
}

static int print_node(void *ctx, const struct otw_store_remote_node *n)
{
    char a[40] = "-", b[40] = "-";

    OTW_UNUSED(ctx);
    if (n->sessions > 0) {
        otw_time_format(n->first_us, a, sizeof(a));
        otw_time_format(n->last_us, b, sizeof(b));
    }
    printf("  %-24s %12llu  %s .. %s\n", n->node, (unsigned long long)n->sessions, a, b);
    return 0;
}

static int cmd_status(const char *db)
{
    struct otw_store_remote_status s;
    struct otw_err err = {0};
    const struct otw_store_remote *r = otw_store_remote_get();
    int rc;

    if (r->cluster[0])
        printf("store:    %s (cluster %s)\n", r->uri, r->cluster);
    else
        printf("store:    %s (one server)\n", r->uri);
    printf("node:     %s\n", otw_store_node());
    printf("sessions per node:\n");
    rc = otw_store_remote_status(db, &s, print_node, NULL, &err);
    if (s.version[0])
        printf("server:   ClickHouse %s, schema %d (otwatch's is %d)\n", s.version, s.schema,
               OTW_STORE_REMOTE_SCHEMA);
    printf("spool:    %llu batches, %llu bytes in %s\n", (unsigned long long)s.spool_files,
           (unsigned long long)s.spool_bytes, s.spool_dir);
    if (rc != 0) {
        fprintf(stderr, "otwatch store status: %s\n", err.msg);
        return 1;
    }
    return 0;
}

int otw_cmd_store(int argc, char **argv)
{
    static const struct option opts[] = {
        {"cluster", required_argument, NULL, 'c'}, {"before", required_argument, NULL, 'b'},
        {"db", required_argument, NULL, 'd'},      {"config", required_argument, NULL, 'C'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
    };
    struct otw_store_remote r = *otw_store_remote_get();
    const char *verb, *db = otw_cli_default_db(), *before = NULL;
    struct otw_err err = {0};
    int c, failed = 0, nuri;

    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    verb = argv[1];
    argc--;
    argv++;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            if (strlen(optarg) >= sizeof(r.cluster)) {
                fprintf(stderr, "otwatch store: --cluster: too long\n");
                return 2;
            }
            snprintf(r.cluster, sizeof(r.cluster), "%s", optarg);
            break;
        case 'b': before = optarg; break;
        case 'd': db = optarg; break;
        case 'C': break;    /* read by otw_cli_store_setup() */
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    nuri = argc - optind;
    if (strcmp(verb, "status") == 0 || strcmp(verb, "drain") == 0) {
        if (nuri > 0) {
            fprintf(stderr, "otwatch store %s: give the store with --store\n", verb);
            return 2;
        }
        if (r.uri[0] == '\0') {
            fprintf(stderr, "otwatch store %s: no remote store configured: give --store "
                            "clickhouse://HOST:PORT/DB or `store =` in the config file\n",
                    verb);
            return 2;
        }
        if (strcmp(verb, "status") == 0)
            return cmd_status(db);
        uint64_t sent, left;
        int rc = otw_store_remote_drain(db, &sent, &left, &err);

        printf("spool: %llu batches sent, %llu left\n", (unsigned long long)sent,
               (unsigned long long)left);
        if (rc != 0) {
            fprintf(stderr, "otwatch store drain: %s\n", err.msg);
            return 1;
        }
        return left > 0 ? 1 : 0;
    }
    if (strcmp(verb, "init") != 0 && strcmp(verb, "drop") != 0) {
        fprintf(stderr, "otwatch store: unknown verb '%s' (init, status, drain, drop)\n", verb);
        usage(stderr);
        return 2;
    }
    if (nuri == 0 && r.uri[0] == '\0') {
        fprintf(stderr, "otwatch store %s: which server? give URIs or --store "
                        "clickhouse://HOST:PORT/DB\n", verb);
        return 2;
    }
    int64_t day_us = 0, hi;

    if (strcmp(verb, "drop") == 0) {
        if (before == NULL || otw_query_parse_time(before, &day_us, &hi) != 0) {
            fprintf(stderr, "otwatch store drop: give --before DAY (2026-01-31)\n");
            return 2;
        }
    }
    for (int i = 0; i < (nuri ? nuri : 1); i++) {
        const char *uri = nuri ? argv[optind + i] : r.uri;
        uint64_t dropped = 0;
        int rc;

        if (strcmp(verb, "init") == 0)
            rc = otw_store_remote_init(uri, &r, &err);
        else
            rc = otw_store_remote_drop(uri, &r, day_us, &dropped, &err);
        if (rc != 0) {
            fprintf(stderr, "otwatch store %s: %s: %s\n", verb, uri, err.msg);
            failed = 1;
        } else if (strcmp(verb, "init") == 0) {
            printf("%s: schema %d ready%s%s\n", uri, OTW_STORE_REMOTE_SCHEMA,
                   r.cluster[0] ? ", Distributed tables over cluster " : "", r.cluster);
        } else {
            printf("%s: %llu partitions dropped\n", uri, (unsigned long long)dropped);
        }
    }
    return failed;
}
