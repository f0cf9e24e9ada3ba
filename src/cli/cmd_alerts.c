/*
 * cmd_alerts.c - `otwatch alerts`: the alerts detection raised (list, show
 * one with its evidence sessions, acknowledge, resolve), in English or
 * Japanese, as a table for people, JSON lines or CSV.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/output.h"
#include "core/timeutil.h"
#include "detect/alert.h"
#include "detect/alertjson.h"
#include "store/store.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: otwatch alerts [list] [OPTIONS]\n"
            "       otwatch alerts show ID [OPTIONS]\n"
            "       otwatch alerts ack ID... [--by NAME] [--note TEXT]\n"
            "       otwatch alerts resolve ID... [--by NAME] [--note TEXT]\n"
            "       otwatch alerts reopen ID...\n"
            "\n"
            "Lists the alerts raised by detection (see docs/ALERTS.md), newest first: what\n"
            "happened, between which hosts, how often, and what to check. An alert stands\n"
            "for one cause: repeated occurrences raise its count, not new alerts, until it\n"
            "is resolved. 'show' adds the evidence sessions; 'ack' says someone is on it\n"
            "(it still counts new occurrences); 'resolve' closes it (a new occurrence then\n"
            "opens a new alert).\n"
            "\n"
            "  otwatch alerts\n"
            "  otwatch alerts --status all --kind new_peer --since -7d\n"
            "  otwatch alerts show 12 --lang ja\n"
            "  otwatch alerts ack 12 13 --by tanaka --note 'vendor maintenance, ticket 4711'\n"
            "\n"
            "options:\n"
            "  --db PATH              database file (default: $OTWATCH_DB or ./otwatch.db)\n"
            "  --status S             open (default), acknowledged, resolved, or all\n"
            "  --kind K               one kind (new_peer, port_scan, ... see docs/ALERTS.md)\n"
            "  --since T, --until T   alerts active in this time range (as for sessions)\n"
            "  --lang en|ja           language of the sentences (default from LC_ALL/LANG)\n"
            "  --format table|json|csv\n"
            "                         table (default), JSON lines, or CSV\n"
            "  --limit N              at most N alerts\n"
            "  --by NAME, --note TEXT who acknowledged or resolved, and why\n"
            "  -h, --help             this text\n"
            "\n"
            "Exit status: 0 ok, 1 database error or no such alert, 2 usage error.\n");
}

struct ctx {
    enum otw_out_format fmt;
    int lang;
    struct otw_store *st;
    uint64_t rows;
    bool detailed;      /* show */
};

static const char *proto_port(const struct otw_alert *a, char *buf, size_t len)
{
    char pb[16];

    if (a->proto == 0)
        snprintf(buf, len, "-");
    else if (a->port != 0)
        snprintf(buf, len, "%s/%u", otw_out_transport(a->proto, pb, sizeof(pb)), a->port);
    else
        snprintf(buf, len, "%s", otw_out_transport(a->proto, pb, sizeof(pb)));
    return buf;
}

static int add_uid(void *p, uint64_t uid)
{
    json_array_append_new(p, json_integer((json_int_t)uid));
    return 0;
}

static json_t *alert_json(struct ctx *c, const struct otw_alert *a, const struct otw_alert_meta *m)
{
    char ip[64], t1[40], t2[40], pp[32];
    json_t *o = json_object(), *txt = json_object(), *ev = json_array();
    struct otw_err err;

    json_object_set_new(o, "id", json_integer(a->id));
    json_object_set_new(o, "kind", json_string(otw_alert_kind_name(a->kind)));
    json_object_set_new(o, "title", json_string(otw_alert_kind_title(a->kind, c->lang)));
    json_object_set_new(o, "severity", json_string(otw_severity_name(a->severity)));
    json_object_set_new(o, "status", json_string(otw_alert_status_name(a->status)));
    json_object_set_new(o, "src", a->has_src ? json_string(otw_ip_str(a->src, ip, sizeof(ip)))
                                             : json_null());
    json_object_set_new(o, "dst", a->has_dst ? json_string(otw_ip_str(a->dst, ip, sizeof(ip)))
                                             : json_null());
    json_object_set_new(o, "src_label", json_string(a->src_label));
    json_object_set_new(o, "dst_label", json_string(a->dst_label));
    if (a->has_mac)
        json_object_set_new(o, "mac", json_string(otw_mac_str(a->mac, ip, sizeof(ip))));
    json_object_set_new(o, "proto", a->proto ? json_string(otw_out_transport(a->proto, pp,
                                                                               sizeof(pp)))
                                             : json_null());
    json_object_set_new(o, "port", a->port ? json_integer(a->port) : json_null());
    json_object_set_new(o, "count", json_integer((json_int_t)a->count));
    json_object_set_new(o, "first_seen", json_string(otw_time_format(a->first_us, t1,
                                                                     sizeof(t1))));
    json_object_set_new(o, "last_seen", json_string(otw_time_format(a->last_us, t2,
                                                                    sizeof(t2))));
    json_object_set_new(o, "detail", otw_alert_detail_json(a->detail));
    json_object_set_new(txt, "en", json_string(a->text[OTW_LANG_EN]));
    json_object_set_new(txt, "ja", json_string(a->text[OTW_LANG_JA]));
    json_object_set_new(o, "text", txt);
    if (m->status_us != 0) {
        json_object_set_new(o, "status_time", json_string(otw_time_format(m->status_us, t1,
                                                                          sizeof(t1))));
        json_object_set_new(o, "status_by", json_string(m->status_by));
        json_object_set_new(o, "status_note", json_string(m->status_note));
    }
    otw_err_clear(&err);
    otw_store_alert_evidence(c->st, a->id, add_uid, ev, &err);
    json_object_set_new(o, "evidence", ev);
    OTW_UNUSED(pp);
    return o;
}

static void csv_field(const char *s)
{
    bool q = strpbrk(s, ",\"\n") != NULL;

    if (!q) {
        fputs(s, stdout);
        return;
    }
    putchar('"');
    for (; *s; s++) {
        if (*s == '"')
            putchar('"');
        putchar(*s);
    }
    putchar('"');
}

static int on_alert(void *p, const struct otw_alert *a, const struct otw_alert_meta *m)
{
    struct ctx *c = p;
    char t1[40], t2[40], pp[32], ip1[64], ip2[64];

    c->rows++;
    if (c->fmt == OTW_OUT_JSON) {
        json_t *o = alert_json(c, a, m);
        char *txt = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (txt != NULL) {
            puts(txt);
            free(txt);
        }
        json_decref(o);
        return 0;
    }
    if (c->fmt == OTW_OUT_CSV) {
        char n[32];
        snprintf(n, sizeof(n), "%lld", (long long)a->id);
        printf("%s,%s,%s,%s,", n, otw_alert_kind_name(a->kind), otw_severity_name(a->severity),
               otw_alert_status_name(a->status));
        printf("%s,%s,", a->has_src ? otw_ip_str(a->src, ip1, sizeof(ip1)) : "",
               a->has_dst ? otw_ip_str(a->dst, ip2, sizeof(ip2)) : "");
        csv_field(a->src_label);
        putchar(',');
        csv_field(a->dst_label);
        printf(",%s,%llu,%s,%s,", proto_port(a, pp, sizeof(pp)), (unsigned long long)a->count,
               otw_time_format(a->first_us, t1, sizeof(t1)),
               otw_time_format(a->last_us, t2, sizeof(t2)));
        csv_field(a->detail);
        putchar(',');
        csv_field(a->text[c->lang]);
        putchar('\n');
        return 0;
    }
    printf("%-5lld %-8s %-12s %-18s %6llu  %-19s  %s -> %s  %s\n", (long long)a->id,
           otw_severity_name(a->severity), otw_alert_status_name(a->status),
           otw_alert_kind_name(a->kind), (unsigned long long)a->count,
           otw_time_format_short(a->last_us, t2, sizeof(t2)), a->src_label, a->dst_label,
           proto_port(a, pp, sizeof(pp)));
    printf("      %s\n", a->text[c->lang]);
    if (c->detailed) {
        printf("      %s: %s\n", c->lang == OTW_LANG_JA ? "種類" : "title",
               otw_alert_kind_title(a->kind, c->lang));
        printf("      first seen %s, last seen %s (UTC)\n",
               otw_time_format_short(a->first_us, t1, sizeof(t1)),
               otw_time_format_short(a->last_us, t2, sizeof(t2)));
        if (a->detail[0])
            printf("      detail: %s\n", a->detail);
        printf("      %s\n", a->text[c->lang == OTW_LANG_JA ? OTW_LANG_EN : OTW_LANG_JA]);
        if (m->status_us != 0)
            printf("      %s %s by %s%s%s\n", otw_alert_status_name(a->status),
                   otw_time_format_short(m->status_us, t1, sizeof(t1)),
                   m->status_by[0] ? m->status_by : "-", m->status_note[0] ? ": " : "",
                   m->status_note);
    }
    return 0;
}

static int on_session(void *p, const struct otw_session_row *r)
{
    OTW_UNUSED(p);
    otw_out_session(stdout, OTW_OUT_TABLE, r);
    return 0;
}

static int parse_id(const char *s, int64_t *id)
{
    char *end;
    long long v = strtoll(s, &end, 10);

    if (end == s || *end != '\0' || v <= 0) {
        fprintf(stderr, "otwatch alerts: '%s' is not an alert id\n", s);
        return -1;
    }
    *id = v;
    return 0;
}

static int default_lang(void)
{
    const char *v[] = {getenv("LC_ALL"), getenv("LC_MESSAGES"), getenv("LANG")};

    for (size_t i = 0; i < OTW_ARRAY_LEN(v); i++)
        if (v[i] != NULL && v[i][0] != '\0')
            return otw_lang_parse(v[i]);
    return OTW_LANG_EN;
}

int otw_cmd_alerts(int argc, char **argv)
{
    enum { O_DB = 256, O_STATUS, O_KIND, O_SINCE, O_UNTIL, O_LANG, O_FORMAT, O_LIMIT, O_BY,
           O_NOTE };
    static const struct option lo[] = {
        {"db", required_argument, NULL, O_DB},
        {"status", required_argument, NULL, O_STATUS},
        {"kind", required_argument, NULL, O_KIND},
        {"since", required_argument, NULL, O_SINCE},
        {"until", required_argument, NULL, O_UNTIL},
        {"lang", required_argument, NULL, O_LANG},
        {"format", required_argument, NULL, O_FORMAT},
        {"limit", required_argument, NULL, O_LIMIT},
        {"by", required_argument, NULL, O_BY},
        {"note", required_argument, NULL, O_NOTE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db = otw_cli_default_db(), *by = NULL, *note = NULL, *verb = "list";
    struct otw_alert_query q;
    struct otw_store *st = NULL;
    struct otw_err err;
    struct ctx cx;
    int c, rc = 1, first = 1;

    memset(&q, 0, sizeof(q));
    memset(&cx, 0, sizeof(cx));
    q.status = OTW_AS_OPEN;
    q.kind = -1;
    cx.fmt = OTW_OUT_TABLE;
    cx.lang = default_lang();
    if (argc > 1 && argv[1][0] != '-') {
        verb = argv[1];
        first = 2;
        if (strcmp(verb, "list") && strcmp(verb, "show") && strcmp(verb, "ack") &&
            strcmp(verb, "acknowledge") && strcmp(verb, "resolve") && strcmp(verb, "reopen")) {
            fprintf(stderr, "otwatch alerts: unknown action '%s' (list, show, ack, resolve, "
                            "reopen)\n\n", verb);
            usage(stderr);
            return 2;
        }
    }
    optind = first;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case O_DB: db = optarg; break;
        case O_STATUS:
            if (!strcmp(optarg, "all"))
                q.status = -1;
            else if (!strcmp(optarg, "open"))
                q.status = OTW_AS_OPEN;
            else if (!strcmp(optarg, "acknowledged") || !strcmp(optarg, "ack"))
                q.status = OTW_AS_ACKNOWLEDGED;
            else if (!strcmp(optarg, "resolved"))
                q.status = OTW_AS_RESOLVED;
            else {
                fprintf(stderr, "otwatch alerts: --status takes open, acknowledged, resolved "
                                "or all\n");
                return 2;
            }
            break;
        case O_KIND:
            if ((q.kind = otw_alert_kind_parse(optarg)) < 0) {
                fprintf(stderr, "otwatch alerts: unknown kind '%s'; kinds:", optarg);
                for (int k = 0; k < OTW_AK__COUNT; k++)
                    fprintf(stderr, " %s", otw_alert_kind_name(k));
                fprintf(stderr, "\n");
                return 2;
            }
            break;
        case O_SINCE:
            if (otw_cli_parse_time("alerts", "--since", optarg, &q.since_us) != 0)
                return 2;
            break;
        case O_UNTIL:
            if (otw_cli_parse_time("alerts", "--until", optarg, &q.until_us) != 0)
                return 2;
            break;
        case O_LANG:
            if (strcmp(optarg, "en") && strcmp(optarg, "ja")) {
                fprintf(stderr, "otwatch alerts: --lang takes en or ja\n");
                return 2;
            }
            cx.lang = otw_lang_parse(optarg);
            break;
        case O_FORMAT:
            if (otw_out_parse_format(optarg, &cx.fmt) != 0) {
                fprintf(stderr, "otwatch alerts: --format takes table, json or csv\n");
                return 2;
            }
            break;
        case O_LIMIT:
            if (otw_cli_parse_limit("alerts", optarg, &q.limit) != 0)
                return 2;
            break;
        case O_BY: by = optarg; break;
        case O_NOTE: note = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }

    if (!strcmp(verb, "ack") || !strcmp(verb, "acknowledge") || !strcmp(verb, "resolve") ||
        !strcmp(verb, "reopen")) {
        int status = !strcmp(verb, "resolve") ? OTW_AS_RESOLVED
                     : !strcmp(verb, "reopen") ? OTW_AS_OPEN : OTW_AS_ACKNOWLEDGED;
        if (optind >= argc) {
            fprintf(stderr, "otwatch alerts: %s needs one or more alert ids\n", verb);
            return 2;
        }
        for (int i = optind; i < argc; i++) {
            int64_t id = 0;
            if (parse_id(argv[i], &id) != 0)
                return 2;
        }
        st = otw_store_open(db, false, &err);
        if (st == NULL) {
            fprintf(stderr, "otwatch alerts: %s\n", err.msg);
            return 1;
        }
        rc = 0;
        for (int i = optind; i < argc; i++) {
            int64_t id = 0;
            parse_id(argv[i], &id);
            if (otw_store_alert_set_status(st, id, status, by, note, &err) != 0) {
                fprintf(stderr, "otwatch alerts: %s\n", err.msg);
                rc = 1;
            } else {
                printf("alert %lld: %s\n", (long long)id, otw_alert_status_name(status));
            }
        }
        otw_store_close(st);
        return rc;
    }

    if (!strcmp(verb, "show")) {
        if (optind != argc - 1) {
            fprintf(stderr, "otwatch alerts: show takes one alert id\n");
            return 2;
        }
        if (parse_id(argv[optind], &q.id) != 0)
            return 2;
        q.status = -1;
        cx.detailed = true;
    } else if (optind < argc) {
        fprintf(stderr, "otwatch alerts: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    st = otw_store_open(db, true, &err);
    if (st == NULL) {
        fprintf(stderr, "otwatch alerts: %s\n", err.msg);
        return 1;
    }
    cx.st = st;
    if (cx.fmt == OTW_OUT_TABLE)
        printf("%-5s %-8s %-12s %-18s %6s  %-19s  %s\n", "ID", "SEVERITY", "STATUS", "KIND",
               "COUNT", "LAST SEEN (UTC)", "SOURCE -> DESTINATION  PORT");
    else if (cx.fmt == OTW_OUT_CSV)
        printf("id,kind,severity,status,src,dst,src_label,dst_label,port,count,first_seen,"
               "last_seen,detail,text\n");
    if (otw_store_alerts_query(st, &q, on_alert, &cx, &err) != 0) {
        fprintf(stderr, "otwatch alerts: %s\n", err.msg);
        goto out;
    }
    if (cx.detailed && cx.rows == 0) {
        fprintf(stderr, "otwatch alerts: no alert with id %lld\n", (long long)q.id);
        goto out;
    }
    if (cx.detailed && cx.fmt == OTW_OUT_TABLE) {
        printf("\nevidence sessions (at most %d are linked; the count goes on):\n",
               OTW_ALERT_EVIDENCE_MAX);
        otw_out_begin(stdout, OTW_OUT_TABLE);
        if (otw_store_alert_sessions(st, q.id, on_session, NULL, &err) != 0) {
            fprintf(stderr, "otwatch alerts: %s\n", err.msg);
            goto out;
        }
    } else if (!cx.detailed && cx.fmt == OTW_OUT_TABLE && cx.rows == 0) {
        printf("(no alerts%s)\n", q.status == OTW_AS_OPEN ? " open; --status all shows every one"
                                                           : "");
    }
    rc = 0;
out:
    otw_store_close(st);
    return rc;
}
