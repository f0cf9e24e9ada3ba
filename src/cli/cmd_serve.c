/*
 * cmd_serve.c - `otwatch serve`: the web interface and its JSON API
 * (api/server.c) over a database, until SIGINT or SIGTERM.
 *
 * Listens on 127.0.0.1:8005 unless told otherwise. Beyond loopback it
 * needs TLS (--tls-cert, --tls-key) and an admin user, so a fresh install
 * is never open to the network with nobody able to log in or with anyone
 * able to make themselves admin (docs/USERS.md). A database that does not
 * exist yet is created empty.
 */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "cli/cli.h"
#include "core/config.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: otwatch serve [--listen ADDR:PORT] [--db PATH] [--config FILE]\n"
            "                     [--pcap-dir DIR] [--tls-cert PEM --tls-key PEM] [--threads N]\n"
            "\n"
            "Serves the web interface (sessions, connections, assets, alerts, baseline,\n"
            "daily check) and its JSON API (docs/API.md) from this one binary, until\n"
            "SIGINT or SIGTERM. People log in with the accounts of 'otwatch user'.\n"
            "\n"
            "  otwatch serve --db plant.db\n"
            "      http://127.0.0.1:8005/ on this machine only\n"
            "  otwatch serve --db plant.db --listen [::1]:8005\n"
            "  otwatch user add tanaka --role admin --db plant.db\n"
            "  otwatch serve --db plant.db --listen 0.0.0.0:8443 \\\n"
            "      --tls-cert /etc/otwatch/cert.pem --tls-key /etc/otwatch/key.pem\n"
            "      https://, reachable from the network\n"
            "\n"            "With a store shared by several nodes (--store), the packets of a session stay\n"
            "on the sensor that saw it: the central serve asks that sensor's serve for them\n"
            "(settings sensor.NAME = https://HOST:PORT, sensor.token, sensor.ca), and a\n"
            "sensor's serve answers those requests when sensor.token is set (docs/API.md).\n"
            "\n"
            "options:\n"
            "  --listen ADDR:PORT     address to listen on (default 127.0.0.1:8005; IPv6\n"
            "                         in brackets: [::1]:8005). Beyond loopback only with\n"
            "                         TLS and once an admin user exists\n"
            "  --db PATH              database file (default: $OTWATCH_DB or ./otwatch.db);\n"
            "                         created empty when missing\n"
            "  --config FILE          settings file: asset names and roles, plant time zone\n"
            "                         (default: $OTWATCH_CONFIG, else " OTW_DEFAULT_CONFIG
            " when present)\n"
            "  --pcap-dir DIR         the packet files, for pcap downloads (as 'otwatch pcap')\n"
            "  --tls-cert FILE        TLS certificate (PEM); serves https:// with --tls-key\n"
            "  --tls-key FILE         its private key (PEM, no passphrase)\n"
            "  --threads N            worker threads (default 4)\n"
            "  -h, --help             this text\n"
            "\n"
            "Exit status: 0 stopped by SIGINT/SIGTERM, 1 could not start (address in use,\n"
            "database error), 2 usage error (bad option, beyond loopback without TLS or\n"
            "without an admin user).\n");
}

static void list_routes(void)
{
    static const char *const access[] = {"viewer", "admin", "public", "node"};

    for (const struct otw_route *const *t = otw_api_tables; *t; t++)
        for (const struct otw_route *r = *t; r->method != NULL; r++)
            printf("%s %s %s\n", r->method, r->pattern,
                   (unsigned)r->access < OTW_ARRAY_LEN(access) ? access[r->access] : "?");
}

int otw_cmd_serve(int argc, char **argv)
{
    enum { O_LISTEN = 256, O_DB, O_CONFIG, O_PCAPDIR, O_CERT, O_KEY, O_THREADS, O_ROUTES };
    static const struct option lo[] = {
        {"listen", required_argument, NULL, O_LISTEN},
        {"db", required_argument, NULL, O_DB},
        {"config", required_argument, NULL, O_CONFIG},
        {"pcap-dir", required_argument, NULL, O_PCAPDIR},
        {"tls-cert", required_argument, NULL, O_CERT},
        {"tls-key", required_argument, NULL, O_KEY},
        {"threads", required_argument, NULL, O_THREADS},
        {"list-routes", no_argument, NULL, O_ROUTES},   /* for tests: every API route */
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct otw_serve_opts o = {.listen = "127.0.0.1:8005", .db = otw_cli_default_db(),
                              .set_plant_tz = true};
    struct otw_api *api;
    struct otw_err err;
    sigset_t mask, old;
    char *end;
    int c, rc;

    optind = 1;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case O_LISTEN: o.listen = optarg; break;
        case O_DB: o.db = optarg; break;
        case O_CONFIG: o.config = optarg; break;
        case O_PCAPDIR: o.pcap_dir = optarg; break;
        case O_CERT: o.tls_cert = optarg; break;
        case O_KEY: o.tls_key = optarg; break;
        case O_THREADS: {
            long v = strtol(optarg, &end, 10);
            if (end == optarg || *end != '\0' || v < 1 || v > 64) {
                fprintf(stderr, "otwatch serve: --threads takes 1 to 64, not '%s'\n", optarg);
                return 2;
            }
            o.threads = (int)v;
            break;
        }
        case O_ROUTES: list_routes(); return 0;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "otwatch serve: unexpected argument '%s'\n\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    otw_err_clear(&err);
    rc = otw_api_check(&o, &err);
    if (rc != 0) {
        fprintf(stderr, "otwatch serve: %s\n", err.msg);
        return rc == OTW_EINVAL ? 2 : 1;
    }
    /* Block the stop signals before any thread starts; sigwait() takes them. */
    sigemptyset(&mask);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &mask, &old);
    if ((api = otw_api_start(&o, &err)) == NULL) {
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        fprintf(stderr, "otwatch serve: %s\n", err.msg);
        return 1;
    }
    fprintf(stderr, "otwatch: serving %s://%s/ (database %s)\n", o.tls_cert ? "https" : "http",
            o.listen, o.db);
    for (;;) {
        int sig = 0;
        if (sigwait(&mask, &sig) == 0 && (sig == SIGINT || sig == SIGTERM))
            break;
    }
    fprintf(stderr, "otwatch serve: stopping\n");
    otw_api_stop(api);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return 0;
}
