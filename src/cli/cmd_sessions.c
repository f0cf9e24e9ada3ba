/*
 * cmd_sessions.c - `otwatch sessions`: query the store, print a table, JSON
 * lines (Elastic Common Schema names) or CSV.
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
            "usage: otwatch sessions [OPTIONS] [EXPRESSION]\n"
            "\n"
            "Lists the sessions that match EXPRESSION (all when none is given), oldest first.\n"
            "Expressions are written as in Arkime, with Arkime or ECS field names:\n"
            "  otwatch sessions 'ip.src == 192.168.10.5 && port.dst == 502'\n"
            "  otwatch sessions 'destination.port == [22, 3389] && state == attempt'\n"
            "  otwatch sessions 'ip == 10.0.0.0/8 && !(protocols == modbus)'\n"
            "'otwatch fields' lists every field; docs/QUERY.md describes the language.\n"
            "\n"
            "options:\n"
            "  --db PATH               database file (default: $OTWATCH_DB or ./otwatch.db)\n"
            "  --since T, --until T    time range: 2024-05-01, '2024-05-01 13:00',\n"
            "                          2024-05-01T13:00:00+09:00, unix seconds, or -2h / -7d\n"
            "  --format table|json|csv table (default), JSON lines with ECS names, or CSV\n"
            "  --limit N               at most N sessions (default 1000 for table, none else)\n"
            "  --sort FIELD            sort by a field; --desc for descending order\n"
            "  --desc                  descending order\n"
            "  --filter ot-operational leave out the approved operational communications of\n"
            "                          the baseline: maintenance and anything new remain\n"
            "  -h, --help              this text\n");
}

struct ctx {
    enum otw_out_format fmt;
    uint64_t rows;
    struct otw_assets *assets;      /* names and roles of hosts, or NULL */
};

static int on_row(void *p, const struct otw_session_row *r)
{
    struct ctx *c = p;

    otw_out_session_ex(stdout, c->fmt, r, c->assets);
    c->rows++;
    return 0;
}


int otw_cmd_sessions(int argc, char **argv)
{
    enum { O_DB = 256, O_SINCE, O_UNTIL, O_FORMAT, O_LIMIT, O_SORT, O_DESC, O_FILTER };
    static const struct option lo[] = {
        {"db", required_argument, NULL, O_DB},
        {"since", required_argument, NULL, O_SINCE},
        {"until", required_argument, NULL, O_UNTIL},
        {"format", required_argument, NULL, O_FORMAT},
        {"limit", required_argument, NULL, O_LIMIT},
        {"sort", required_argument, NULL, O_SORT},
        {"desc", no_argument, NULL, O_DESC},
        {"filter", required_argument, NULL, O_FILTER},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db = otw_cli_default_db();
    struct otw_session_query sq;
    struct otw_query *q = NULL;
    struct otw_store *st = NULL;
    struct otw_err err;
    struct ctx cx;
    char *expr = NULL;
    int c, rc = 1;
    bool limit_set = false, ot_operational = false;

    memset(&sq, 0, sizeof(sq));
    memset(&cx, 0, sizeof(cx));
    cx.fmt = OTW_OUT_TABLE;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case O_DB: db = optarg; break;
        case O_SINCE:
            if (otw_cli_parse_time("sessions", "--since", optarg, &sq.since_us) != 0)
                return 2;
            break;
        case O_UNTIL:
            if (otw_cli_parse_time("sessions", "--until", optarg, &sq.until_us) != 0)
                return 2;
            break;
        case O_FORMAT:
            if (otw_out_parse_format(optarg, &cx.fmt) != 0) {
                fprintf(stderr, "otwatch sessions: --format takes table, json or csv\n");
                return 2;
            }
            break;
        case O_LIMIT:
            if (otw_cli_parse_limit("sessions", optarg, &sq.limit) != 0)
                return 2;
            limit_set = true;
            break;
        case O_SORT: sq.sort_field = optarg; break;
        case O_DESC: sq.sort_desc = true; break;
        case O_FILTER:
            /* the preset in the expression language (docs/BASELINE.md) */
            if (strcmp(optarg, "ot-operational") != 0 && strcmp(optarg, "all") != 0) {
                fprintf(stderr, "otwatch sessions: --filter takes ot-operational or all\n");
                return 2;
            }
            ot_operational |= strcmp(optarg, "ot-operational") == 0;
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    /* The expression may come as several words: join them. */
    if (optind < argc) {
        size_t n = 0;
        for (int i = optind; i < argc; i++)
            n += strlen(argv[i]) + 1;
        expr = calloc(1, n + 1);
        if (expr == NULL)
            return 1;
        n = 0;
        for (int i = optind; i < argc; i++) {
            size_t l = strlen(argv[i]);
            if (i > optind)
                expr[n++] = ' ';
            memcpy(expr + n, argv[i], l);
            n += l;
        }
    }
    if (ot_operational) {
        static const char preset[] = "!(baseline == approved && baseline.category == operational)";
        size_t n = (expr ? strlen(expr) + 8 : 0) + sizeof(preset);
        char *e = malloc(n);

        if (e == NULL) {
            free(expr);
            return 1;
        }
        if (expr != NULL)
            snprintf(e, n, "(%s) && %s", expr, preset);
        else
            snprintf(e, n, "%s", preset);
        free(expr);
        expr = e;
    }
    if (!limit_set && cx.fmt == OTW_OUT_TABLE)
        sq.limit = 1000;
    if (otw_cli_parse_expr("sessions", expr, &q) != 0) {
        rc = 2;
        goto out;
    }
    sq.expr = q;
    st = otw_store_open(db, true, &err);
    if (st == NULL) {
        fprintf(stderr, "otwatch sessions: %s\n", err.msg);
        goto out;
    }
    /* host names and roles: the settings file ($OTWATCH_CONFIG) and `assets set` */
    if ((rc = otw_cli_assets_open("otwatch sessions", st, NULL, false, &cx.assets)) != 0)
        goto out;
    rc = 1;
    otw_out_begin(stdout, cx.fmt);
    if (otw_store_sessions_query(st, &sq, on_row, &cx, &err) != 0) {
        fprintf(stderr, "otwatch sessions: %s\n", err.msg);
        rc = err.msg[0] && strstr(err.msg, "did you mean") ? 2 : 1;
        goto out;
    }
    if (cx.fmt == OTW_OUT_TABLE) {
        if (!limit_set && cx.rows == 1000)
            printf("(first 1000 sessions; --limit 0 shows all)\n");
        else
            printf("(%llu session%s)\n", (unsigned long long)cx.rows, cx.rows == 1 ? "" : "s");
    }
    rc = 0;
out:
    otw_assets_free(cx.assets);
    otw_store_close(st);
    otw_query_free(q);
    free(expr);
    return rc;
}
