/*
 * fields.c - the catalog of session fields (see fields.h) and the "did you
 * mean" search over it.
 *
 * Names follow Arkime where Arkime has the field (ip.src, port.dst,
 * protocols, tcpflags.syn ...) and ECS for the alias (source.ip,
 * network.transport ...). Where ECS has nothing (payload bytes, TCP flags,
 * ICMP type/code, capture point, file), the alias is otwatch.* and the
 * field carries OTW_FF_NOECS so `otwatch fields` can say so. `ip` takes the
 * ECS alias related.ip ("all of the IPs seen on your event"), which is
 * exactly its either-side meaning; port and mac have no ECS counterpart.
 */
#include "query/fields.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "core/session.h"
#include "proto/proto.h"

/* IANA protocol numbers users name; ECS network.transport spells them this way. */
static const struct otw_tok proto_names[] = {
    {1, "icmp"}, {2, "igmp"}, {6, "tcp"}, {17, "udp"}, {47, "gre"}, {50, "esp"}, {51, "ah"},
    {58, "ipv6-icmp"}, {58, "icmpv6"}, {89, "ospf"}, {103, "pim"}, {112, "vrrp"}, {132, "sctp"},
    {0, NULL},
};

static const struct otw_tok ipver_names[] = {
    {4, "ipv4"}, {6, "ipv6"}, {0, NULL},
};

static const struct otw_tok state_names[] = {
    {OTW_ST_ATTEMPT, "attempt"}, {OTW_ST_REJECTED, "rejected"},
    {OTW_ST_ESTABLISHED, "established"}, {OTW_ST_CLOSED, "closed"},
    {OTW_ST_RESET, "reset"}, {OTW_ST_TIMEOUT, "timeout"}, {0, NULL},
};

static const struct otw_tok end_names[] = {
    {OTW_END_EOF, "eof"}, {OTW_END_IDLE, "idle"}, {OTW_END_CLOSED, "closed"},
    {OTW_END_SPLIT, "split"}, {OTW_END_EVICTED, "evicted"}, {OTW_END_OPEN, "open"}, {0, NULL},
};

static const struct otw_tok tcpflag_names[] = {
    {OTW_TCP_FIN, "fin"}, {OTW_TCP_SYN, "syn"}, {OTW_TCP_RST, "rst"}, {OTW_TCP_PSH, "psh"},
    {OTW_TCP_ACK, "ack"}, {OTW_TCP_URG, "urg"}, {OTW_TCP_ECE, "ece"}, {OTW_TCP_CWR, "cwr"},
    {0, NULL},
};

/* The session's standing in the baseline (store/sqlite_query.c): the best
 * status of the entries with its client, server, protocol and server port,
 * and the category among those entries (operational wins a tie). */
static const struct otw_tok baseline_names[] = {
    {0, "approved"}, {1, "learned"}, {2, "new"}, {3, "none"}, {0, NULL},
};

static const struct otw_tok blcat_names[] = {
    {0, "operational"}, {1, "maintenance"}, {2, "none"}, {0, NULL},
};

#define U16 0, 65535
#define U8 0, 255
#define POS 0, INT64_MAX
#define NONE 0, 0

static const struct otw_field base_fields[OTW_F_APP] = {
    {OTW_F_IP_SRC, "ip.src", "source.ip", OTW_FT_IP, 0, NONE, NULL,
     "address of the initiator (IPv4 or IPv6; CIDR ranges allowed)"},
    {OTW_F_IP_DST, "ip.dst", "destination.ip", OTW_FT_IP, 0, NONE, NULL,
     "address of the responder"},
    {OTW_F_IP, "ip", "related.ip", OTW_FT_IP, OTW_FF_EITHER, NONE, NULL,
     "either address; != means neither side"},
    {OTW_F_PORT_SRC, "port.src", "source.port", OTW_FT_INT, 0, U16, NULL,
     "port of the initiator (0 for protocols without ports)"},
    {OTW_F_PORT_DST, "port.dst", "destination.port", OTW_FT_INT, 0, U16, NULL,
     "port of the responder"},
    {OTW_F_PORT, "port", "otwatch.port", OTW_FT_INT, OTW_FF_EITHER | OTW_FF_NOECS, U16, NULL,
     "either port; != means neither side"},
    {OTW_F_MAC_SRC, "mac.src", "source.mac", OTW_FT_MAC, 0, NONE, NULL,
     "Ethernet address of the initiator's frames"},
    {OTW_F_MAC_DST, "mac.dst", "destination.mac", OTW_FT_MAC, 0, NONE, NULL,
     "Ethernet address of the responder's frames"},
    {OTW_F_MAC, "mac", "otwatch.mac", OTW_FT_MAC, OTW_FF_EITHER | OTW_FF_NOECS, NONE, NULL,
     "either Ethernet address; != means neither side"},
    {OTW_F_PROTO, "ip.protocol", "network.transport", OTW_FT_INT, 0, U8, proto_names,
     "IP protocol: tcp, udp, icmp, ipv6-icmp ... or its number"},
    {OTW_F_IPVER, "network.type", "network.type", OTW_FT_ENUM, 0, NONE, ipver_names,
     "ipv4 or ipv6"},
    {OTW_F_PACKETS_SRC, "packets.src", "source.packets", OTW_FT_INT, 0, POS, NULL,
     "packets sent by the initiator"},
    {OTW_F_PACKETS_DST, "packets.dst", "destination.packets", OTW_FT_INT, 0, POS, NULL,
     "packets sent by the responder"},
    {OTW_F_PACKETS, "packets", "network.packets", OTW_FT_INT, OTW_FF_SUM, POS, NULL,
     "packets in both directions"},
    {OTW_F_BYTES_SRC, "bytes.src", "source.bytes", OTW_FT_INT, 0, POS, NULL,
     "on-wire frame bytes sent by the initiator (as tshark counts)"},
    {OTW_F_BYTES_DST, "bytes.dst", "destination.bytes", OTW_FT_INT, 0, POS, NULL,
     "on-wire frame bytes sent by the responder"},
    {OTW_F_BYTES, "bytes", "network.bytes", OTW_FT_INT, OTW_FF_SUM, POS, NULL,
     "frame bytes in both directions"},
    {OTW_F_DATABYTES_SRC, "databytes.src", "otwatch.source.payload_bytes", OTW_FT_INT,
     OTW_FF_NOECS, POS, NULL, "transport payload bytes sent by the initiator"},
    {OTW_F_DATABYTES_DST, "databytes.dst", "otwatch.destination.payload_bytes", OTW_FT_INT,
     OTW_FF_NOECS, POS, NULL, "transport payload bytes sent by the responder"},
    {OTW_F_DATABYTES, "databytes", "otwatch.network.payload_bytes", OTW_FT_INT,
     OTW_FF_SUM | OTW_FF_NOECS, POS, NULL, "transport payload bytes in both directions"},
    {OTW_F_TCPFLAGS_SRC, "tcpflags.src", "otwatch.source.tcp_flags", OTW_FT_FLAGS,
     OTW_FF_NOECS, NONE, tcpflag_names,
     "TCP flags seen from the initiator: fin syn rst psh ack urg ece cwr"},
    {OTW_F_TCPFLAGS_DST, "tcpflags.dst", "otwatch.destination.tcp_flags", OTW_FT_FLAGS,
     OTW_FF_NOECS, NONE, tcpflag_names, "TCP flags seen from the responder"},
    {OTW_F_VLAN, "vlan", "network.vlan.id", OTW_FT_INT, OTW_FF_EITHER, 0, 4095, NULL,
     "VLAN id, outer or inner tag"},
    {OTW_F_COMMUNITY_ID, "community_id", "network.community_id", OTW_FT_STRING, 0, NONE, NULL,
     "Community ID v1 flow hash (1:...), as Zeek, Suricata and Arkime print it"},
    {OTW_F_STATE, "state", "otwatch.state", OTW_FT_ENUM, OTW_FF_NOECS, NONE, state_names,
     "attempt, rejected, established, closed, reset or timeout"},
    {OTW_F_PROTOCOLS, "protocols", "network.protocol", OTW_FT_LIST, 0, NONE, NULL,
     "application protocols recognised (modbus, tls ...); == means one of them"},
    {OTW_F_ICMP_TYPE, "icmp.type", "otwatch.icmp.type", OTW_FT_INT, OTW_FF_NOECS, U8, NULL,
     "ICMP or ICMPv6 type (absent for other protocols)"},
    {OTW_F_ICMP_CODE, "icmp.code", "otwatch.icmp.code", OTW_FT_INT, OTW_FF_NOECS, U8, NULL,
     "ICMP or ICMPv6 code"},
    {OTW_F_START, "starttime", "event.start", OTW_FT_TIME, 0, NONE, NULL,
     "first packet (UTC; RFC 3339, YYYY-MM-DD [HH:MM[:SS]] or unix seconds)"},
    {OTW_F_STOP, "stoptime", "event.end", OTW_FT_TIME, 0, NONE, NULL, "last packet"},
    {OTW_F_DURATION, "duration", "event.duration", OTW_FT_INT, 0, POS, NULL,
     "whole seconds from first to last packet (ECS counts nanoseconds; here seconds)"},
    {OTW_F_ID, "id", "otwatch.session_id", OTW_FT_INT, OTW_FF_NOECS, POS, NULL,
     "session record number in this database"},
    {OTW_F_POINT, "point", "otwatch.point", OTW_FT_STRING, OTW_FF_NOECS, NONE, NULL,
     "capture point name given to import --point"},
    {OTW_F_FILE, "file", "otwatch.file", OTW_FT_STRING, OTW_FF_NOECS, NONE, NULL,
     "path of the capture file the session came from"},
    {OTW_F_NODE, "node", "observer.name", OTW_FT_STRING, 0, NONE, NULL,
     "name of the sensor that saw the session (node = in its config; a SQLite store: this node)"},
    {OTW_F_SEGMENT, "segment", "otwatch.segment", OTW_FT_INT, OTW_FF_NOECS, U16, NULL,
     "record number within a long session split at the maximum length (0 first)"},
    {OTW_F_CONTINUED, "continued", "otwatch.continued", OTW_FT_BOOL, OTW_FF_NOECS, NONE, NULL,
     "true when a later record carries the session on"},
    {OTW_F_END_REASON, "end", "otwatch.end_reason", OTW_FT_ENUM, OTW_FF_NOECS, NONE, end_names,
     "why the record ended: eof, idle, closed, split, evicted, or open (still going)"},
    {OTW_F_PROTOCOL_GUESS, "protocol_guess", "otwatch.protocol_guess", OTW_FT_STRING,
     OTW_FF_NOECS, NONE, NULL,
     "protocol guessed from the server port alone, when no parser recognised the payload"},
    {OTW_F_BASELINE, "baseline", "otwatch.baseline", OTW_FT_ENUM, OTW_FF_NOECS, NONE,
     baseline_names,
     "the session's client, server, protocol and server port in the baseline: approved, "
     "learned, new (seen while protecting, not reviewed) or none"},
    {OTW_F_BASELINE_CATEGORY, "baseline.category", "otwatch.baseline.category", OTW_FT_ENUM,
     OTW_FF_NOECS, NONE, blcat_names,
     "category of those baseline entries: operational, maintenance or none; "
     "!(baseline == approved && baseline.category == operational) is ot-operational"},
};

/* The catalog: base_fields, then the parsers' fields. Built once, then
 * read-only (a frozen registry). */
static struct otw_field fields[OTW_FIELDS_MAX];
static size_t nfields;
static pthread_once_t fields_once = PTHREAD_ONCE_INIT;

static void add_app_field(const char *name, enum otw_pftype t, const char *meaning)
{
    for (size_t i = 0; i < nfields; i++)
        if (strcasecmp(fields[i].name, name) == 0)
            return;
    if (nfields == OTW_FIELDS_MAX)
        return;
    fields[nfields] = (struct otw_field){
        .id = OTW_F_APP,
        .name = name,
        .ecs = name,
        .type = t == OTW_PF_INT ? OTW_FT_INT : OTW_FT_STRING,
        .flags = OTW_FF_NOECS,
        .min = t == OTW_PF_INT ? INT64_MIN : 0,
        .max = t == OTW_PF_INT ? INT64_MAX : 0,
        .names = NULL,
        .meaning = meaning,
    };
    nfields++;
}

static void fields_build(void)
{
    for (size_t i = 0; i < OTW_ARRAY_LEN(base_fields); i++)
        fields[nfields++] = base_fields[i];
    add_app_field("ot.class", OTW_PF_STR,
                  "what an OT request did: read, write, program, control or diagnostic");
    for (size_t i = 0; otw_parsers[i] != NULL; i++) {
        const struct otw_pfield *pf = otw_parsers[i]->fields;
        for (; pf != NULL && pf->name != NULL; pf++)
            add_app_field(pf->name, pf->type, pf->meaning);
    }
}

static void catalog(void)
{
    pthread_once(&fields_once, fields_build);
}

static const char *const ftype_names[OTW_FT__COUNT] = {
    "ip", "int", "string", "time", "mac", "enum", "list", "bool", "flags",
};

const struct otw_field *otw_fields_all(size_t *n)
{
    catalog();
    if (n != NULL)
        *n = nfields;
    return fields;
}

const struct otw_field *otw_fields_get(int id)
{
    if (id < 0 || id >= (int)OTW_ARRAY_LEN(base_fields))
        return NULL;
    catalog();
    return &fields[id];     /* the fixed fields keep their index in the catalog */
}

static int name_eq(const char *a, const char *b, size_t blen)
{
    return strlen(a) == blen && strncasecmp(a, b, blen) == 0;
}

const struct otw_field *otw_fields_findn(const char *name, size_t len)
{
    catalog();
    for (size_t i = 0; i < nfields; i++)
        if (name_eq(fields[i].name, name, len) || name_eq(fields[i].ecs, name, len))
            return &fields[i];
    return NULL;
}

const struct otw_field *otw_fields_find(const char *name)
{
    return otw_fields_findn(name, strlen(name));
}

const char *otw_ftype_name(enum otw_ftype t)
{
    if ((int)t < 0 || t >= OTW_FT__COUNT)
        return "?";
    return ftype_names[t];
}

static int lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

/* Levenshtein distance, case-insensitive; names longer than 63 bytes are
 * compared on their first 63 (no field name is that long). */
static size_t edit_distance(const char *a, size_t alen, const char *b)
{
    size_t blen = strlen(b);
    size_t row[64];

    alen = OTW_MIN(alen, (size_t)63);
    blen = OTW_MIN(blen, (size_t)63);
    for (size_t j = 0; j <= blen; j++)
        row[j] = j;
    for (size_t i = 1; i <= alen; i++) {
        size_t diag = row[0];

        row[0] = i;
        for (size_t j = 1; j <= blen; j++) {
            size_t up = row[j];
            size_t cost = lower((unsigned char)a[i - 1]) == lower((unsigned char)b[j - 1]) ? 0 : 1;
            size_t best = OTW_MIN(row[j] + 1, row[j - 1] + 1);

            row[j] = OTW_MIN(best, diag + cost);
            diag = up;
        }
    }
    return row[blen];
}

size_t otw_fields_suggest(const char *name, size_t len, const char **out, size_t max)
{
    size_t best_d[OTW_FIELDS_MAX];
    const char *best_s[OTW_FIELDS_MAX];
    size_t n = 0;
    /* Typos within half of the name (at least 3 edits) are worth a
     * suggestion; beyond that the list is noise. */
    size_t limit = OTW_MAX((size_t)3, len / 2);
    char swapped[64] = "";
    const char *dot = memchr(name, '.', len);

    if (dot != NULL && len < sizeof(swapped)) {
        size_t a = (size_t)(dot - name), b = len - a - 1;

        memcpy(swapped, dot + 1, b);
        swapped[b] = '.';
        memcpy(swapped + b + 1, name, a);
        swapped[len] = '\0';
    }

    catalog();
    for (size_t i = 0; i < nfields; i++) {
        size_t dn = edit_distance(name, len, fields[i].name);
        size_t de = edit_distance(name, len, fields[i].ecs);
        size_t d = OTW_MIN(dn, de);
        const char *s = dn <= de ? fields[i].name : fields[i].ecs;

        /* "dst.port" for "port.dst": the parts the other way round */
        if (swapped[0] != '\0') {
            size_t ds = edit_distance(swapped, len, fields[i].name) + 1;

            if (ds < d) {
                d = ds;
                s = fields[i].name;
            }
        }

        /* A prefix of a field name ("source" -> source.ip) is a good hint too. */
        if (d > limit && len >= 2 && (strncasecmp(fields[i].name, name, len) == 0 ||
                                      strncasecmp(fields[i].ecs, name, len) == 0)) {
            d = limit;
            s = strncasecmp(fields[i].name, name, len) == 0 ? fields[i].name : fields[i].ecs;
        }
        if (d > limit)
            continue;
        /* insertion sort, stable: catalog order breaks ties */
        size_t k = n++;
        while (k > 0 && best_d[k - 1] > d) {
            best_d[k] = best_d[k - 1];
            best_s[k] = best_s[k - 1];
            k--;
        }
        best_d[k] = d;
        best_s[k] = s;
    }
    n = OTW_MIN(n, max);
    for (size_t i = 0; i < n; i++)
        out[i] = best_s[i];
    return n;
}
