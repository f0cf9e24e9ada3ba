/*
 * snmp.c - SNMP v1/v2c/v3 over UDP 161/162 (RFC 1157, RFC 3416, RFC 3412).
 *
 * Proto stage: one datagram per call. The message is BER (X.690); we
 * walk only the fixed outer structure, never a generic tree, so the
 * nesting depth is bounded by construction (at most 4 levels:
 * message / scopedPDU / PDU). Every TLV length is checked against its
 * enclosing TLV; indefinite lengths and lengths of more than 3 bytes are
 * refused (snmp.bad_ber).
 *
 *   v1/v2c:  SEQUENCE { version INTEGER (0|1), community OCTET STRING,
 *                       PDU [0..8] IMPLICIT SEQUENCE { ... } }
 *   v3:      SEQUENCE { version INTEGER (3), msgGlobalData SEQUENCE,
 *                       msgSecurityParameters OCTET STRING,
 *                       msgData: ScopedPDU SEQUENCE { contextEngineID,
 *                                contextName, PDU }  | encryptedPDU OCTET STRING }
 *
 * The community string is a password: it is never stored, only whether
 * one was present (non-empty).
 *
 * Counting: snmp.version, snmp.pdu and snmp.community_present once per
 * message in both directions (tshark: snmp.data).
 */
#include "core/cursor.h"
#include "proto/proto.h"

static const uint16_t snmp_ports[] = {161, 162, 0};

static const struct otw_tok snmp_pdus[] = {
    {0xA0, "get_request"}, {0xA1, "get_next_request"}, {0xA2, "get_response"},
    {0xA3, "set_request"}, {0xA4, "trap"}, {0xA5, "get_bulk_request"},
    {0xA6, "inform_request"}, {0xA7, "snmpv2_trap"}, {0xA8, "report"}, {0, NULL},
};

/* One TLV header at c: tag and content length, which must fit in c. */
static int ber_tlv(struct otw_cur *c, uint8_t *tag, size_t *len)
{
    uint8_t l;

    *tag = otw_cur_u8(c);
    l = otw_cur_u8(c);
    if (c->err)
        return -1;
    if ((*tag & 0x1F) == 0x1F)      /* multi-byte tags are not used by SNMP */
        return -1;
    if (l & 0x80) {
        unsigned n = l & 0x7F;
        size_t v = 0;

        if (n == 0 || n > 3)        /* indefinite, or absurd for UDP */
            return -1;
        while (n--)
            v = (v << 8) | otw_cur_u8(c);
        if (c->err)
            return -1;
        *len = v;
    } else {
        *len = l;
    }
    return *len <= otw_cur_left(c) ? 0 : -1;
}

/* An INTEGER of at most 4 bytes. */
static int ber_int(struct otw_cur *c, int64_t *v)
{
    uint8_t tag;
    size_t len;
    int64_t x;

    if (ber_tlv(c, &tag, &len) < 0 || tag != 0x02 || len == 0 || len > 4)
        return -1;
    x = (int8_t)otw_cur_u8(c);
    for (size_t i = 1; i < len; i++)
        x = x * 256 + otw_cur_u8(c);
    *v = x;
    return c->err ? -1 : 0;
}

struct snmp_msg {
    int64_t version;
    int community;      /* -1 (v3), 0 empty, 1 present */
    int pdu;            /* PDU tag, 0 = none seen (encrypted) */
    int encrypted;
};

/* Walks the message; 0 or -1 (malformed). */
static int snmp_walk(const uint8_t *p, size_t len, struct snmp_msg *m)
{
    struct otw_cur c, in;
    uint8_t tag;
    size_t l;

    m->community = -1;
    m->pdu = 0;
    m->encrypted = 0;
    otw_cur_init(&c, p, len);
    if (ber_tlv(&c, &tag, &l) < 0 || tag != 0x30)
        return -1;
    otw_cur_init(&in, c.p, l);
    if (ber_int(&in, &m->version) < 0)
        return -1;
    if (m->version == 0 || m->version == 1) {
        if (ber_tlv(&in, &tag, &l) < 0 || tag != 0x04)
            return -1;
        m->community = l > 0;
        otw_cur_skip(&in, l);
    } else if (m->version == 3) {
        if (ber_tlv(&in, &tag, &l) < 0 || tag != 0x30)  /* msgGlobalData */
            return -1;
        otw_cur_skip(&in, l);
        if (ber_tlv(&in, &tag, &l) < 0 || tag != 0x04)  /* msgSecurityParameters */
            return -1;
        otw_cur_skip(&in, l);
        if (ber_tlv(&in, &tag, &l) < 0)
            return -1;
        if (tag == 0x04) {                              /* encryptedPDU */
            m->encrypted = 1;
            return 0;
        }
        if (tag != 0x30)
            return -1;
        /* ScopedPDU: contextEngineID, contextName, then the PDU */
        for (int i = 0; i < 2; i++) {
            if (ber_tlv(&in, &tag, &l) < 0 || tag != 0x04)
                return -1;
            otw_cur_skip(&in, l);
        }
    } else {
        return -1;
    }
    if (ber_tlv(&in, &tag, &l) < 0 || tag < 0xA0 || tag > 0xA8)
        return -1;
    m->pdu = tag;
    return 0;
}

static int snmp_probe(const uint8_t *p, size_t len, int dir, const struct otw_flowinfo *fi)
{
    struct snmp_msg m;

    /* The outer length must cover the datagram exactly (UDP: one message);
     * the engine may cut the probe at OTW_PROBE_BYTES, so only check the
     * walk there. */
    if (len < OTW_PROBE_BYTES) {
        struct otw_cur c;
        uint8_t tag;
        size_t l;

        otw_cur_init(&c, p, len);
        if (ber_tlv(&c, &tag, &l) < 0 || l != otw_cur_left(&c))
            return OTW_PROBE_NO;
    }
    return snmp_walk(p, len, &m) == 0 ? OTW_PROBE_YES : OTW_PROBE_NO;
}

static ssize_t snmp_parse(void *state, struct otw_app *app, int dir, const uint8_t *p, size_t len)
{
    struct snmp_msg m;

    if (snmp_walk(p, len, &m) < 0) {
        otw_app_event(app, "snmp.bad_ber");
        return (ssize_t)len;
    }
    otw_app_strz(app, "snmp.version", m.version == 0 ? "v1" : m.version == 1 ? "v2c" : "v3");
    if (m.community >= 0)
        otw_app_int(app, "snmp.community_present", m.community);
    if (m.encrypted)
        otw_app_int(app, "snmp.encrypted", 1);
    if (m.pdu)
        otw_app_strz(app, "snmp.pdu", otw_tok_str(snmp_pdus, m.pdu, "other"));
    return (ssize_t)len;
}

static const struct otw_pfield snmp_fields[] = {
    {"snmp.version", OTW_PF_STR, "SNMP version: v1, v2c, v3"},
    {"snmp.community_present", OTW_PF_INT, "1 if a non-empty community string was sent (v1/v2c; never stored)"},
    {"snmp.pdu", OTW_PF_STR, "PDU type: get_request, set_request, get_response, trap ..."},
    {"snmp.encrypted", OTW_PF_INT, "1 for a v3 message with an encrypted PDU"},
    {NULL, 0, NULL},
};

static const char *const snmp_events[] = {"snmp.bad_ber", NULL};

const struct otw_parser otw_parser_snmp = {
    .name = "snmp",
    .desc = "SNMP v1/v2c/v3",
    .transports = OTW_PT_UDP,
    .ports = snmp_ports,
    .probe = snmp_probe,
    .state_size = 0,
    .parse = snmp_parse,
    .fields = snmp_fields,
    .events = snmp_events,
};
