/*
 * output.c - session rows as text. JSON objects are built with jansson (it
 * escapes); CSV fields are quoted when they hold a comma, quote or newline.
 * Field names follow ECS where ECS has one (source.ip, network.transport,
 * event.start ...) and otwatch.* otherwise, as `otwatch fields` lists them.
 */
#include "cli/output.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/session.h"
#include "core/timeutil.h"
#include "detect/assets.h"

int otw_out_parse_format(const char *s, enum otw_out_format *f)
{
    if (strcmp(s, "table") == 0)
        *f = OTW_OUT_TABLE;
    else if (strcmp(s, "json") == 0)
        *f = OTW_OUT_JSON;
    else if (strcmp(s, "csv") == 0)
        *f = OTW_OUT_CSV;
    else
        return -1;
    return 0;
}

const char *otw_out_transport(int proto, char *buf, size_t len)
{
    switch (proto) {
    case 1: return "icmp";
    case 6: return "tcp";
    case 17: return "udp";
    case 58: return "ipv6-icmp";
    case 132: return "sctp";
    case 2: return "igmp";
    case 47: return "gre";
    case 50: return "esp";
    }
    snprintf(buf, len, "%d", proto);
    return buf;
}

static void flags_str(uint8_t fl, char *buf, size_t len)
{
    static const struct {
        uint8_t bit;
        const char *name;
    } names[] = {{OTW_TCP_SYN, "syn"}, {OTW_TCP_ACK, "ack"}, {OTW_TCP_FIN, "fin"},
                 {OTW_TCP_RST, "rst"}, {OTW_TCP_PSH, "psh"}, {OTW_TCP_URG, "urg"},
                 {OTW_TCP_ECE, "ece"}, {OTW_TCP_CWR, "cwr"}};
    size_t n = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (fl & names[i].bit)
            n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s", n ? " " : "",
                                  names[i].name);
}

/* The columns of JSON and CSV, in order. */
enum vt { V_STR, V_INT, V_NULL, V_BOOL };
struct kv {
    const char *key;
    enum vt t;
    const char *s;
    long long i;
};

#define NKV 40

static size_t row_kv(const struct otw_session_row *r, const struct otw_assets *as, struct kv *kv,
                     char bufs[][64])
{
    const char *sname = NULL, *srole = NULL, *dname = NULL, *drole = NULL;
    const struct otw_session *s = &r->s;
    static const uint8_t zero[6];
    size_t n = 0;
    int b = 0;
    bool icmp = s->icmp_type >= 0;

#define STR(k, v) kv[n++] = (struct kv){k, V_STR, v, 0}
#define INT(k, v) kv[n++] = (struct kv){k, V_INT, NULL, (long long)(v)}
#define NUL(k) kv[n++] = (struct kv){k, V_NULL, NULL, 0}
#define BOOL(k, v) kv[n++] = (struct kv){k, V_BOOL, NULL, (v) ? 1 : 0}

    INT("otwatch.session_id", r->id);
    STR("event.start", otw_time_format(s->first_us, bufs[b++], 64));
    STR("event.end", otw_time_format(s->last_us, bufs[b++], 64));
    STR("network.type", s->ipver == 6 ? "ipv6" : "ipv4");
    STR("network.transport", otw_out_transport(s->proto, bufs[b++], 64));
    STR("source.ip", otw_ip_str(s->src_ip, bufs[b++], 64));
    if (icmp || (s->proto != 6 && s->proto != 17 && s->proto != 132 && s->proto != 136))
        NUL("source.port");
    else
        INT("source.port", s->src_port);
    if (memcmp(s->src_mac, zero, 6) != 0)
        STR("source.mac", otw_mac_str(s->src_mac, bufs[b++], 64));
    else
        NUL("source.mac");
    INT("source.packets", s->src.packets);
    INT("source.bytes", s->src.bytes);
    INT("otwatch.source.payload_bytes", s->src.payload);
    STR("destination.ip", otw_ip_str(s->dst_ip, bufs[b++], 64));
    if (icmp || (s->proto != 6 && s->proto != 17 && s->proto != 132 && s->proto != 136))
        NUL("destination.port");
    else
        INT("destination.port", s->dst_port);
    if (memcmp(s->dst_mac, zero, 6) != 0)
        STR("destination.mac", otw_mac_str(s->dst_mac, bufs[b++], 64));
    else
        NUL("destination.mac");
    INT("destination.packets", s->dst.packets);
    INT("destination.bytes", s->dst.bytes);
    INT("otwatch.destination.payload_bytes", s->dst.payload);
    INT("network.packets", s->src.packets + s->dst.packets);
    INT("network.bytes", s->src.bytes + s->dst.bytes);
    if (s->proto == 6) {
        flags_str(s->src.tcp_flags, bufs[b++], 64);
        STR("otwatch.source.tcp_flags", bufs[b - 1]);
        flags_str(s->dst.tcp_flags, bufs[b++], 64);
        STR("otwatch.destination.tcp_flags", bufs[b - 1]);
    } else {
        NUL("otwatch.source.tcp_flags");
        NUL("otwatch.destination.tcp_flags");
    }
    if (s->nvlan > 0)
        INT("network.vlan.id", s->vlan[0]);
    else
        NUL("network.vlan.id");
    if (s->nvlan > 1)
        INT("network.inner.vlan.id", s->vlan[1]);
    else
        NUL("network.inner.vlan.id");
    if (icmp) {
        INT("otwatch.icmp.type", s->icmp_type);
        INT("otwatch.icmp.code", s->icmp_code);
    } else {
        NUL("otwatch.icmp.type");
        NUL("otwatch.icmp.code");
    }
    if (r->community_id[0])
        STR("network.community_id", r->community_id);
    else
        NUL("network.community_id");
    if (r->protocols[0] && strspn(r->protocols, " ") != strlen(r->protocols))
        STR("network.protocol", r->protocols);  /* JSON: an array (see add_app) */
    else
        NUL("network.protocol");
    if (r->protocol_guess[0])
        STR("otwatch.protocol_guess", r->protocol_guess);
    else
        NUL("otwatch.protocol_guess");
    STR("otwatch.state", otw_state_name(s->state));
    STR("otwatch.end_reason", otw_end_name(s->end_reason));
    INT("otwatch.segment", s->segment);
    BOOL("otwatch.continued", s->continued);
    if (r->point[0])
        STR("otwatch.point", r->point);
    else
        NUL("otwatch.point");
    if (r->file[0])
        STR("otwatch.file", r->file);
    else
        NUL("otwatch.file");
    /* names and roles people gave (otwatch assets); last, so CSV columns
     * before them keep their places */
    if (as != NULL) {
        otw_assets_name_role(as, s->src_ip, &sname, &srole);
        otw_assets_name_role(as, s->dst_ip, &dname, &drole);
    }
    if (sname)
        STR("source.name", sname);
    else
        NUL("source.name");
    if (srole)
        STR("source.role", srole);
    else
        NUL("source.role");
    if (dname)
        STR("destination.name", dname);
    else
        NUL("destination.name");
    if (drole)
        STR("destination.role", drole);
    else
        NUL("destination.role");
#undef STR
#undef INT
#undef NUL
#undef BOOL
    return n;
}

/* A JSON string of bytes that may not be UTF-8: invalid bytes become \xNN. */
static json_t *json_bytes(const char *s, size_t n)
{
    json_t *v = json_stringn(s, n);
    char *t;
    size_t k = 0;

    if (v != NULL)
        return v;
    t = malloc(n * 4 + 1);
    if (t == NULL)
        return json_string("");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80)
            t[k++] = (char)c;
        else
            k += (size_t)snprintf(t + k, 5, "\\x%02x", c);
    }
    v = json_stringn(t, k);
    free(t);
    return v ? v : json_string("");
}

/* network.protocol as an array; each parser field as an array of its
 * distinct values; their counts under otwatch.counts; events. */
static void add_app(json_t *o, const struct otw_session_row *r)
{
    json_t *counts = NULL, *events = NULL;

    if (json_object_get(o, "network.protocol") != NULL) {
        json_t *arr = json_array();
        char tmp[sizeof(r->protocols)];
        char *save = NULL, *tok;
        snprintf(tmp, sizeof(tmp), "%s", r->protocols);
        for (tok = strtok_r(tmp, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
            json_array_append_new(arr, json_string(tok));
        json_object_set_new(o, "network.protocol", arr);
    }
    for (size_t i = 0; i < r->nfields; i++) {
        const struct otw_row_field *f = &r->fields[i];
        json_t *arr = json_object_get(o, f->field);
        json_t *fc;
        char key[32];

        if (arr == NULL || !json_is_array(arr)) {
            arr = json_array();
            json_object_set_new(o, f->field, arr);
        }
        json_array_append_new(arr, f->is_int ? json_integer(f->i) : json_bytes(f->s, f->slen));
        if (counts == NULL)
            counts = json_object();
        fc = json_object_get(counts, f->field);
        if (fc == NULL) {
            fc = json_object();
            json_object_set_new(counts, f->field, fc);
        }
        if (f->is_int) {
            snprintf(key, sizeof(key), "%lld", (long long)f->i);
            json_object_set_new(fc, key, json_integer((json_int_t)f->count));
        } else {
            json_t *kv = json_bytes(f->s, f->slen);
            json_object_set_new(fc, json_string_value(kv), json_integer((json_int_t)f->count));
            json_decref(kv);
        }
    }
    if (counts != NULL)
        json_object_set_new(o, "otwatch.counts", counts);
    for (size_t i = 0; i < r->nevents; i++) {
        if (events == NULL)
            events = json_object();
        json_object_set_new(events, r->events[i].name, json_integer((json_int_t)r->events[i].count));
    }
    if (events != NULL)
        json_object_set_new(o, "otwatch.events", events);
}

json_t *otw_out_session_json(const struct otw_session_row *r, const struct otw_assets *as)
{
    struct kv kv[NKV];
    char bufs[16][64];
    size_t n = row_kv(r, as, kv, bufs);
    json_t *o = json_object();

    if (o == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        json_t *v = NULL;
        switch (kv[i].t) {
        case V_STR: v = json_string(kv[i].s); break;
        case V_INT: v = json_integer(kv[i].i); break;
        case V_BOOL: v = json_boolean(kv[i].i); break;
        case V_NULL: continue;  /* absent rather than null, as ECS documents do */
        }
        if (v == NULL)  /* not valid UTF-8: store bytes as given */
            v = json_stringn_nocheck(kv[i].s, strlen(kv[i].s));
        json_object_set_new(o, kv[i].key, v);
    }
    add_app(o, r);
    /* the sensor that saw it (a store shared by several nodes) */
    if (r->node[0])
        json_object_set_new(o, "observer.name", json_string(r->node));
    return o;
}

static void csv_field(FILE *f, const char *s)
{
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* A NODE column after POINT when the store is shared by several nodes
 * (store_remote.h): its rows say which sensor saw them. */
static bool node_column(void)
{
    return otw_store_remote_get()->uri[0] != '\0';
}

static void table_header(FILE *f)
{
    bool node = node_column();

    fprintf(f, "%-19s %8s %-5s %-21s %-21s %-11s %7s %7s %9s %9s %-12s %s%s\n", "START (UTC)",
            "DUR", "PROTO", "SOURCE", "DESTINATION", "STATE", "PKTS>", "<PKTS", "BYTES>",
            "<BYTES", "APP", node ? "POINT        " : "POINT", node ? "NODE" : "");
}

void otw_out_begin(FILE *f, enum otw_out_format fmt)
{
    if (fmt == OTW_OUT_TABLE) {
        table_header(f);
    } else if (fmt == OTW_OUT_CSV) {
        struct otw_session_row r;
        struct kv kv[NKV];
        char bufs[16][64];
        size_t n;

        memset(&r, 0, sizeof(r));
        n = row_kv(&r, NULL, kv, bufs);
        for (size_t i = 0; i < n; i++) {
            if (i)
                fputc(',', f);
            fputs(kv[i].key, f);
        }
        fputc('\n', f);
    }
}

static void endpoint(char *buf, size_t len, const struct otw_session *s, bool src,
                     const struct otw_assets *as)
{
    char ip[64];
    const uint8_t *a = src ? s->src_ip : s->dst_ip;
    uint16_t port = src ? s->src_port : s->dst_port;
    const char *name = NULL, *role = NULL;
    size_t n;

    otw_ip_str(a, ip, sizeof(ip));
    if (s->proto != 6 && s->proto != 17 && s->proto != 132)
        snprintf(buf, len, "%s", ip);
    else if (s->ipver == 6)
        snprintf(buf, len, "[%s]:%u", ip, port);
    else
        snprintf(buf, len, "%s:%u", ip, port);
    /* the host's name (or role) next to the address: "192.168.10.20:502 (scada)" */
    if (as != NULL && otw_assets_name_role(as, a, &name, &role) && (n = strlen(buf)) < len)
        snprintf(buf + n, len - n, " (%s)", name ? name : role);
}

static void duration(char *buf, size_t len, int64_t us)
{
    double s = (double)us / 1e6;

    if (s < 10)
        snprintf(buf, len, "%.3fs", s);
    else if (s < 3600)
        snprintf(buf, len, "%.0fs", s);
    else if (s < 86400)
        snprintf(buf, len, "%.1fh", s / 3600);
    else
        snprintf(buf, len, "%.1fd", s / 86400);
}

void otw_out_session(FILE *f, enum otw_out_format fmt, const struct otw_session_row *r)
{
    otw_out_session_ex(f, fmt, r, NULL);
}

void otw_out_session_ex(FILE *f, enum otw_out_format fmt, const struct otw_session_row *r,
                        const struct otw_assets *as)
{
    const struct otw_session *s = &r->s;

    if (fmt == OTW_OUT_TABLE) {
        char t[32], d[16], src[160], dst[160], pb[16], b1[16], b2[16], st[24], app[64];
        size_t a0 = strspn(r->protocols, " ");

        endpoint(src, sizeof(src), s, true, as);
        endpoint(dst, sizeof(dst), s, false, as);
        duration(d, sizeof(d), s->last_us - s->first_us);
        if (s->icmp_type >= 0)
            snprintf(st, sizeof(st), "type %d/%d", s->icmp_type, s->icmp_code);
        else
            snprintf(st, sizeof(st), "%s%s", otw_state_name(s->state), s->continued ? "+" : "");
        if (r->protocols[a0])
            snprintf(app, sizeof(app), "%s", r->protocols + a0);
        else if (r->protocol_guess[0])
            snprintf(app, sizeof(app), "%s?", r->protocol_guess);
        else
            snprintf(app, sizeof(app), "-");
        for (size_t k = strlen(app); k > 0 && app[k - 1] == ' '; k--)
            app[k - 1] = '\0';
        for (char *c = app; *c; c++)
            if (*c == ' ')
                *c = ',';
        fprintf(f, "%-19s %8s %-5s %-21s %-21s %-11s %7llu %7llu %9s %9s %-12s %*s%s%s\n",
                otw_time_format_short(s->first_us, t, sizeof(t)), d,
                otw_out_transport(s->proto, pb, sizeof(pb)), src, dst, st,
                (unsigned long long)s->src.packets, (unsigned long long)s->dst.packets,
                otw_fmt_bytes(s->src.bytes, b1, sizeof(b1)),
                otw_fmt_bytes(s->dst.bytes, b2, sizeof(b2)), app, r->node[0] ? -12 : 0,
                r->point[0] ? r->point : "-", r->node[0] ? " " : "", r->node);
        return;
    }
    {
        struct kv kv[NKV];
        char bufs[16][64];
        size_t n = row_kv(r, as, kv, bufs);

        if (fmt == OTW_OUT_JSON) {
            json_t *o = otw_out_session_json(r, as);
            char *txt = o != NULL ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

            if (txt != NULL) {
                fputs(txt, f);
                fputc('\n', f);
                free(txt);
            }
            json_decref(o);
            return;
        }
        for (size_t i = 0; i < n; i++) {
            char num[32];
            if (i)
                fputc(',', f);
            switch (kv[i].t) {
            case V_STR: csv_field(f, kv[i].s); break;
            case V_INT:
                snprintf(num, sizeof(num), "%lld", kv[i].i);
                fputs(num, f);
                break;
            case V_BOOL: fputs(kv[i].i ? "true" : "false", f); break;
            case V_NULL: break;
            }
        }
        fputc('\n', f);
    }
}
