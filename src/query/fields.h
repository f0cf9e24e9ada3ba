/*
 * fields.h - the one catalog of session fields.
 *
 * Every name a person can use in a query expression, a --sort option or
 * `otwatch fields` comes from this table: the Arkime-style name (ip.src), the
 * Elastic Common Schema name (source.ip) or, where ECS has no such field, an
 * `otwatch.*` name, a value type and a one-line meaning. The query parser
 * (query.c) checks names and values against it; the store backends map each
 * field id to their own columns (store/sqlite_query.c). There is no second
 * list: add a field here, then teach each backend its column.
 */
#ifndef OTW_FIELDS_H
#define OTW_FIELDS_H

#include <stddef.h>
#include <stdint.h>

#include "core/common.h"

/* Value types. The type decides which values and operators a field takes. */
enum otw_ftype {
    OTW_FT_IP = 0,  /* IPv4/IPv6 address or CIDR range; == != only */
    OTW_FT_INT,     /* integer; all operators; some also take names (tcp, udp) */
    OTW_FT_STRING,  /* text; == != with * and ? wildcards */
    OTW_FT_TIME,    /* point in time; all operators; a date means the whole day */
    OTW_FT_MAC,     /* aa:bb:cc:dd:ee:ff; == != */
    OTW_FT_ENUM,    /* one of a fixed set of names; == != */
    OTW_FT_LIST,    /* set of names (protocols); == means "contains"; wildcards */
    OTW_FT_BOOL,    /* true/false (also 1/0, yes/no); == != */
    OTW_FT_FLAGS,   /* set of flag names (syn, ack ...); == means "was seen" */
    OTW_FT__COUNT
};

enum otw_field_id {
    OTW_F_IP_SRC = 0, OTW_F_IP_DST, OTW_F_IP,
    OTW_F_PORT_SRC, OTW_F_PORT_DST, OTW_F_PORT,
    OTW_F_MAC_SRC, OTW_F_MAC_DST, OTW_F_MAC,
    OTW_F_PROTO, OTW_F_IPVER,
    OTW_F_PACKETS_SRC, OTW_F_PACKETS_DST, OTW_F_PACKETS,
    OTW_F_BYTES_SRC, OTW_F_BYTES_DST, OTW_F_BYTES,
    OTW_F_DATABYTES_SRC, OTW_F_DATABYTES_DST, OTW_F_DATABYTES,
    OTW_F_TCPFLAGS_SRC, OTW_F_TCPFLAGS_DST,
    OTW_F_VLAN, OTW_F_COMMUNITY_ID, OTW_F_STATE, OTW_F_PROTOCOLS,
    OTW_F_ICMP_TYPE, OTW_F_ICMP_CODE,
    OTW_F_START, OTW_F_STOP, OTW_F_DURATION,
    OTW_F_ID, OTW_F_POINT, OTW_F_FILE, OTW_F_NODE, OTW_F_SEGMENT, OTW_F_CONTINUED,
    OTW_F_END_REASON,
    OTW_F_PROTOCOL_GUESS,
    OTW_F_BASELINE, OTW_F_BASELINE_CATEGORY,   /* the session's baseline entries */
    OTW_F_APP,      /* every application parser field (modbus.func ...): see name */
    OTW_F__COUNT
};

/* Field flags. */
enum {
    OTW_FF_EITHER = 0x01,   /* matches when either side (source or destination) matches */
    OTW_FF_SUM = 0x02,      /* the sum of both directions */
    OTW_FF_NOECS = 0x04,    /* ECS has no such field; `ecs` is an otwatch.* name */
};

struct otw_field {
    enum otw_field_id id;
    const char *name;       /* Arkime-style: ip.src */
    const char *ecs;        /* ECS name (source.ip) or otwatch.* where ECS has none */
    enum otw_ftype type;
    unsigned flags;         /* OTW_FF_* */
    int64_t min, max;       /* INT: accepted range */
    const struct otw_tok *names;   /* INT/ENUM/FLAGS: value names, {0, NULL}-terminated */
    const char *meaning;    /* one line, for `otwatch fields` */
};

/* At most this many fields in all (the fixed ones plus the parsers'). */
#define OTW_FIELDS_MAX 1024

/* The whole catalog, in display order: the session fields, then every
 * application parser's fields (id OTW_F_APP, told apart by name, from
 * proto/registry.c). *n gets the count. Static storage, built once. */
const struct otw_field *otw_fields_all(size_t *n);
/* By id (not OTW_F_APP, which names many); NULL when out of range. */
const struct otw_field *otw_fields_get(int id);
/* By either name, case-insensitive; `len` bytes of `name` (need not be
 * NUL-terminated). NULL when unknown. */
const struct otw_field *otw_fields_findn(const char *name, size_t len);
const struct otw_field *otw_fields_find(const char *name);
/* Up to `max` field names nearest to `name` by edit distance (either naming),
 * best first, into out[] (static strings). Returns how many. */
size_t otw_fields_suggest(const char *name, size_t len, const char **out, size_t max);
/* The meaning of a field in Japanese (fields_ja.c), by name; NULL when
 * missing (a test checks that none is). */
const char *otw_fields_meaning_ja(const char *name);
/* "ip", "int", ... */
const char *otw_ftype_name(enum otw_ftype t);

#endif
