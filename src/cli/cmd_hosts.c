/*
 * cmd_hosts.c - `otwatch hosts`: one line per address seen in the matching
 * sessions: as client and as server, peers, bytes each way, the ports it
 * served, first and last seen.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/output.h"
#include "core/timeutil.h"
#include "detect/assets.h"
#include "query/query.h"
#include "store/store.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: otwatch hosts [OPTIONS] [EXPRESSION]\n"
            "\n"
            "Summarises the sessions matching EXPRESSION (all when none) per IP address:\n"
            "sessions it started (OUT) and answered (IN), distinct peers, bytes sent and\n"
            "received, the ports it served, first and last seen. Busiest first.\n"
            "Hosts named in the settings file or with 'otwatch assets set' show their\n"
            "name and role.\n"
            "\n"
            "options:\n"
            "  --db PATH              database file (default: $OTWATCH_DB or ./otwatch.db)\n"
            "  --since T, --until T   time range (as for 'otwatch sessions')\n"
            "  --format table|json    output format (default table)\n"
            "  --limit N              at most N hosts\n"
            "  --config FILE          settings file with `asset` names and roles (default:\n"
            "                         $OTWATCH_CONFIG, else " OTW_DEFAULT_CONFIG " if present)\n"
            "  -h, --help             this text\n");
}

struct ctx {
    bool json;
    uint64_t rows;
    struct otw_assets *assets;
};

static int on_host(void *p, const struct otw_host_row *h)
{
    struct ctx *c = p;
    char ip[64], mac[24], b1[16], b2[16], t1[32], t2[32], label[140];
    const char *name = NULL, *role = NULL;

    otw_ip_str(h->ip, ip, sizeof(ip));
    otw_assets_name_role(c->assets, h->ip, &name, &role);
    if (name && role)
        snprintf(label, sizeof(label), "%s (%s)", name, role);
    else if (name || role)
        snprintf(label, sizeof(label), name ? "%s" : "(%s)", name ? name : role);
    else
        snprintf(label, sizeof(label), "-");
    if (h->has_mac)
        otw_mac_str(h->mac, mac, sizeof(mac));
    else
        snprintf(mac, sizeof(mac), "-");
    c->rows++;
    if (c->json) {
        json_t *o = json_pack("{s:s}", "host.ip", ip);
        char *txt;
        if (h->has_mac)
            json_object_set_new(o, "host.mac", json_string(mac));
        if (name)
            json_object_set_new(o, "host.name", json_string(name));
        if (role)
            json_object_set_new(o, "otwatch.role", json_string(role));
        json_object_set_new(o, "otwatch.sessions_out", json_integer((json_int_t)h->sessions_out));
        json_object_set_new(o, "otwatch.sessions_in", json_integer((json_int_t)h->sessions_in));
        json_object_set_new(o, "otwatch.peers", json_integer((json_int_t)h->peers));
        json_object_set_new(o, "otwatch.bytes_out", json_integer((json_int_t)h->bytes_out));
        json_object_set_new(o, "otwatch.bytes_in", json_integer((json_int_t)h->bytes_in));
        json_object_set_new(o, "otwatch.ports_served", json_string(h->ports_served));
        json_object_set_new(o, "event.start",
                            json_string(otw_time_format(h->first_us, t1, sizeof(t1))));
        json_object_set_new(o, "event.end", json_string(otw_time_format(h->last_us, t2, sizeof(t2))));
        txt = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (txt) {
            puts(txt);
            free(txt);
        }
        json_decref(o);
        return 0;
    }
    printf("%-39s %-17s %-24s %6llu %6llu %5llu %9s %9s %-19s %-19s %s\n", ip, mac, label,
           (unsigned long long)h->sessions_out, (unsigned long long)h->sessions_in,
           (unsigned long long)h->peers, otw_fmt_bytes(h->bytes_out, b1, sizeof(b1)),
           otw_fmt_bytes(h->bytes_in, b2, sizeof(b2)),
           otw_time_format_short(h->first_us, t1, sizeof(t1)),
           otw_time_format_short(h->last_us, t2, sizeof(t2)),
           h->ports_served[0] ? h->ports_served : "-");
    return 0;
}

int otw_cmd_hosts(int argc, char **argv)
{
    enum { O_DB = 256, O_SINCE, O_UNTIL, O_FORMAT, O_LIMIT, O_CONFIG };
    static const struct option lo[] = {
        {"db", required_argument, NULL, O_DB},
        {"since", required_argument, NULL, O_SINCE},
        {"until", required_argument, NULL, O_UNTIL},
        {"format", required_argument, NULL, O_FORMAT},
        {"limit", required_argument, NULL, O_LIMIT},
        {"config", required_argument, NULL, O_CONFIG},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db = otw_cli_default_db();
    const char *config = NULL;
    struct otw_session_query sq;
    struct otw_query *q = NULL;
    struct otw_store *st = NULL;
    struct otw_err err;
    struct ctx cx;
    int c, rc = 1;

    memset(&sq, 0, sizeof(sq));
    memset(&cx, 0, sizeof(cx));
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case O_DB: db = optarg; break;
        case O_CONFIG: config = optarg; break;
        case O_SINCE:
            if (otw_cli_parse_time("hosts", "--since", optarg, &sq.since_us) != 0)
                return 2;
            break;
        case O_UNTIL:
            if (otw_cli_parse_time("hosts", "--until", optarg, &sq.until_us) != 0)
                return 2;
            break;
        case O_FORMAT:
            if (strcmp(optarg, "json") == 0)
                cx.json = true;
            else if (strcmp(optarg, "table") != 0) {
                fprintf(stderr, "otwatch hosts: --format takes table or json\n");
                return 2;
            }
            break;
        case O_LIMIT:
            if (otw_cli_parse_limit("hosts", optarg, &sq.limit) != 0)
                return 2;
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc - 1) {
        fprintf(stderr, "otwatch hosts: give the expression as one argument (quote it)\n");
        return 2;
    }
    if (optind < argc && otw_cli_parse_expr("hosts", argv[optind], &q) != 0)
        return 2;
    sq.expr = q;
    st = otw_store_open(db, true, &err);
    if (st == NULL) {
        fprintf(stderr, "otwatch hosts: %s\n", err.msg);
        goto out;
    }
    if ((rc = otw_cli_assets_open("otwatch hosts", st, config, false, &cx.assets)) != 0)
        goto out;
    rc = 1;
    if (!cx.json)
        printf("%-39s %-17s %-24s %6s %6s %5s %9s %9s %-19s %-19s %s\n", "HOST", "MAC",
               "NAME (ROLE)", "OUT", "IN",
               "PEERS", "SENT", "RECEIVED", "FIRST SEEN (UTC)", "LAST SEEN (UTC)",
               "PORTS SERVED");
    if (otw_store_hosts_query(st, &sq, on_host, &cx, &err) != 0) {
        fprintf(stderr, "otwatch hosts: %s\n", err.msg);
        goto out;
    }
    rc = 0;
out:
    otw_assets_free(cx.assets);
    otw_store_close(st);
    otw_query_free(q);
    return rc;
}
