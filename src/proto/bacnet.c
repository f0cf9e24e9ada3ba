/*
 * bacnet.c - BACnet/IP (UDP 47808): BVLC, NPDU and APDU.
 *
 * Fourth stage of the pipeline: the engine hands us one UDP datagram per
 * call. Spec: ANSI/ASHRAE 135-2016: Annex J (BACnet/IP, J.2 BVLL), clause 6
 * (NPDU, 6.2), clause 20 (APDU encoding: 20.1 fixed parts, 20.2 tags),
 * clause 21 (service choices, object types, error/reject/abort reasons).
 *
 * BVLC (J.2):            NPDU (6.2):
 *   +------+------+        +---------+---------+-------------------------+
 *   | 0x81 | func |        | version | control | [DNET(2) DLEN DADR]     |
 *   +------+------+        |   = 1   |         | [SNET(2) SLEN SADR]     |
 *   | length (BE) |        +---------+---------+ [hop count] [msg type   |
 *   +-------------+        | (vendor id)] or the APDU                    |
 *   forwarded_npdu adds the 6-byte B/IP address of the origin.
 *   control: bit 7 network-layer message, bit 5 DNET, bit 3 SNET.
 *
 * APDU (20.1): the high nibble of the first byte is the PDU type:
 *   0 confirmed request:  flags, max-segs/max-resp, invoke id,
 *                         [sequence, window when segmented], service choice
 *   1 unconfirmed request: service choice
 *   2 simple ack, 3 complex ack ([seq, window]), 4 segment ack,
 *   5 error (invoke id, service, error class, error code), 6 reject and
 *   7 abort (invoke id, reason).
 *
 * Counting (for the golden cross-check with tshark), once per datagram:
 *   - bacnet.bvlc on every datagram, bacnet.apdu_type on every APDU;
 *   - bacnet.service and ot.class on requests only (confirmed and
 *     unconfirmed: tshark `-Y "bacapp.type == 0" -e bacapp.confirmed_service`
 *     and `-Y "bacapp.type == 1" -e bacapp.unconfirmed_service`);
 *   - bacnet.object for each object identifier at the top level of a
 *     read/write property (multiple), file or create/delete request
 *     (at most BAC_OBJECTS_MAX distinct per session);
 *   - bacnet.device_instance and bacnet.vendor_id from each I-Am;
 *   - bacnet.error / bacnet.reject / bacnet.abort on those PDUs.
 */
#include <stdio.h>
#include <string.h>

#include "core/cursor.h"
#include "proto/app.h"
#include "proto/proto.h"

#define BAC_OBJECTS_MAX 64

struct bac_state {
    unsigned objects;           /* distinct bacnet.object values recorded */
};

static const char C_READ[] = "read", C_WRITE[] = "write", C_PROG[] = "program",
                  C_CTRL[] = "control", C_DIAG[] = "diagnostic";

static const struct otw_tok bvlc_funcs[] = {
    {0x00, "bvlc_result"}, {0x01, "write_broadcast_distribution_table"},
    {0x02, "read_broadcast_distribution_table"}, {0x03, "read_broadcast_distribution_table_ack"},
    {0x04, "forwarded_npdu"}, {0x05, "register_foreign_device"},
    {0x06, "read_foreign_device_table"}, {0x07, "read_foreign_device_table_ack"},
    {0x08, "delete_foreign_device_table_entry"}, {0x09, "distribute_broadcast_to_network"},
    {0x0a, "original_unicast_npdu"}, {0x0b, "original_broadcast_npdu"},
    {0x0c, "secure_bvll"},
    {0, NULL},
};

static const struct otw_tok apdu_types[] = {
    {0, "confirmed_request"}, {1, "unconfirmed_request"}, {2, "simple_ack"},
    {3, "complex_ack"}, {4, "segment_ack"}, {5, "error"}, {6, "reject"}, {7, "abort"},
    {0, NULL},
};

struct bac_svc {
    uint8_t code;
    const char *name;
    const char *cls;
};

/* Clause 21, BACnetConfirmedServiceChoice. */
static const struct bac_svc confirmed[] = {
    {0, "acknowledge_alarm", C_CTRL},
    {1, "confirmed_cov_notification", NULL},
    {2, "confirmed_event_notification", NULL},
    {3, "get_alarm_summary", C_READ},
    {4, "get_enrollment_summary", C_READ},
    {5, "subscribe_cov", C_READ},
    {6, "atomic_read_file", C_READ},
    {7, "atomic_write_file", C_PROG},
    {8, "add_list_element", C_WRITE},
    {9, "remove_list_element", C_WRITE},
    {10, "create_object", C_WRITE},
    {11, "delete_object", C_WRITE},
    {12, "read_property", C_READ},
    {13, "read_property_conditional", C_READ},
    {14, "read_property_multiple", C_READ},
    {15, "write_property", C_WRITE},
    {16, "write_property_multiple", C_WRITE},
    {17, "device_communication_control", C_CTRL},
    {18, "confirmed_private_transfer", NULL},
    {19, "confirmed_text_message", NULL},
    {20, "reinitialize_device", C_CTRL},
    {21, "vt_open", NULL},
    {22, "vt_close", NULL},
    {23, "vt_data", NULL},
    {24, "authenticate", C_DIAG},
    {25, "request_key", C_DIAG},
    {26, "read_range", C_READ},
    {27, "life_safety_operation", C_CTRL},
    {28, "subscribe_cov_property", C_READ},
    {29, "get_event_information", C_READ},
    {30, "subscribe_cov_property_multiple", C_READ},
    {31, "confirmed_cov_notification_multiple", NULL},
    {32, "confirmed_audit_notification", NULL},
    {33, "audit_log_query", C_READ},
    {0, NULL, NULL},
};

/* Clause 21, BACnetUnconfirmedServiceChoice. */
static const struct bac_svc unconfirmed[] = {
    {0, "i_am", C_DIAG},
    {1, "i_have", C_DIAG},
    {2, "unconfirmed_cov_notification", NULL},
    {3, "unconfirmed_event_notification", NULL},
    {4, "unconfirmed_private_transfer", NULL},
    {5, "unconfirmed_text_message", NULL},
    {6, "time_synchronization", C_WRITE},
    {7, "who_has", C_DIAG},
    {8, "who_is", C_DIAG},
    {9, "utc_time_synchronization", C_WRITE},
    {10, "write_group", C_WRITE},
    {11, "unconfirmed_cov_notification_multiple", NULL},
    {12, "unconfirmed_audit_notification", NULL},
    {13, "who_am_i", C_DIAG},
    {14, "you_are", C_WRITE},
    {0, NULL, NULL},
};

/* Clause 21, BACnetObjectType. */
static const char *const object_types[] = {
    "analog_input", "analog_output", "analog_value", "binary_input", "binary_output",
    "binary_value", "calendar", "command", "device", "event_enrollment", "file", "group",
    "loop", "multi_state_input", "multi_state_output", "notification_class", "program",
    "schedule", "averaging", "multi_state_value", "trend_log", "life_safety_point",
    "life_safety_zone", "accumulator", "pulse_converter", "event_log", "global_group",
    "trend_log_multiple", "load_control", "structured_view", "access_door", "timer",
    "access_credential", "access_point", "access_rights", "access_user", "access_zone",
    "credential_data_input", "network_security", "bitstring_value", "characterstring_value",
    "date_pattern_value", "date_value", "datetime_pattern_value", "datetime_value",
    "integer_value", "large_analog_value", "octetstring_value", "positive_integer_value",
    "time_pattern_value", "time_value", "notification_forwarder", "alert_enrollment",
    "channel", "lighting_output", "binary_lighting_output", "network_port",
    "elevator_group", "escalator", "lift", "staging", "audit_log", "audit_reporter",
};

static const struct otw_tok error_classes[] = {
    {0, "device"}, {1, "object"}, {2, "property"}, {3, "resources"}, {4, "security"},
    {5, "services"}, {6, "vt"}, {7, "communication"},
    {0, NULL},
};

static const struct otw_tok reject_reasons[] = {
    {0, "other"}, {1, "buffer_overflow"}, {2, "inconsistent_parameters"},
    {3, "invalid_parameter_data_type"}, {4, "invalid_tag"}, {5, "missing_required_parameter"},
    {6, "parameter_out_of_range"}, {7, "too_many_arguments"}, {8, "undefined_enumeration"},
    {9, "unrecognized_service"}, {10, "invalid_data_encoding"},
    {0, NULL},
};

static const struct otw_tok abort_reasons[] = {
    {0, "other"}, {1, "buffer_overflow"}, {2, "invalid_apdu_in_this_state"},
    {3, "preempted_by_higher_priority_task"}, {4, "segmentation_not_supported"},
    {5, "security_error"}, {6, "insufficient_security"}, {7, "window_size_out_of_range"},
    {8, "application_exceeded_reply_time"}, {9, "out_of_resources"}, {10, "tsm_timeout"},
    {11, "apdu_too_long"},
    {0, NULL},
};

static const struct otw_tok network_msgs[] = {
    {0x00, "who_is_router_to_network"}, {0x01, "i_am_router_to_network"},
    {0x02, "i_could_be_router_to_network"}, {0x03, "reject_message_to_network"},
    {0x04, "router_busy_to_network"}, {0x05, "router_available_to_network"},
    {0x06, "initialize_routing_table"}, {0x07, "initialize_routing_table_ack"},
    {0x08, "establish_connection_to_network"}, {0x09, "disconnect_connection_to_network"},
    {0x0a, "challenge_request"}, {0x0b, "security_payload"}, {0x0c, "security_response"},
    {0x0d, "request_key_update"}, {0x0e, "update_key_set"},
    {0x0f, "update_distribution_key"}, {0x10, "request_master_key"},
    {0x11, "set_master_key"}, {0x12, "what_is_network_number"},
    {0x13, "network_number_is"},
    {0, NULL},
};

static const struct otw_tok reinit_states[] = {
    {0, "coldstart"}, {1, "warmstart"}, {2, "start_backup"}, {3, "end_backup"},
    {4, "start_restore"}, {5, "end_restore"}, {6, "abort_restore"}, {7, "activate_changes"},
    {0, NULL},
};

static const struct otw_tok dcc_states[] = {
    {0, "enable"}, {1, "disable"}, {2, "disable_initiation"},
    {0, NULL},
};

/* ---------------------------------------------------------------------- */

/* One BACnet tag header (20.2.1). */
struct tag {
    uint8_t num;
    uint8_t context;        /* 1: context specific */
    uint8_t open, close;    /* opening / closing tag */
    uint32_t len;           /* content length (0 for open/close/boolean) */
};

static int read_tag(struct otw_cur *c, struct tag *t)
{
    uint8_t b = otw_cur_u8(c), lvt = b & 7;

    t->num = b >> 4;
    t->context = (b >> 3) & 1;
    t->open = t->close = 0;
    t->len = 0;
    if (t->num == 15)
        t->num = otw_cur_u8(c);
    if (t->context && lvt == 6) {
        t->open = 1;
    } else if (t->context && lvt == 7) {
        t->close = 1;
    } else if (!t->context && t->num == 1) {
        t->len = 0;         /* application boolean: value in lvt */
    } else if (lvt < 5) {
        t->len = lvt;
    } else {
        uint8_t e = otw_cur_u8(c);
        if (e < 254)
            t->len = e;
        else if (e == 254)
            t->len = otw_cur_be16(c);
        else
            t->len = otw_cur_be32(c);
    }
    return c->err ? -1 : 0;
}

static uint32_t uint_val(const uint8_t *p, uint32_t n)
{
    uint32_t v = 0;

    for (uint32_t i = 0; i < n && i < 4; i++)
        v = v << 8 | p[i];
    return v;
}

static void rec_object(struct bac_state *st, struct otw_app *app, uint32_t oid)
{
    char buf[48];
    unsigned type = oid >> 22, inst = oid & 0x3fffff;
    int n;

    if (type < OTW_ARRAY_LEN(object_types))
        n = snprintf(buf, sizeof(buf), "%s:%u", object_types[type], inst);
    else
        n = snprintf(buf, sizeof(buf), "type%u:%u", type, inst);
    if (n < 0)
        return;
    if (st->objects >= BAC_OBJECTS_MAX && otw_app_count_str(app, "bacnet.object", buf) == 0) {
        otw_app_event(app, "bacnet.objects_capped");
        return;
    }
    if (otw_app_count_str(app, "bacnet.object", buf) == 0)
        st->objects++;
    otw_app_strz(app, "bacnet.object", buf);
}

/* Top-level object identifiers of a request's service data: context tag 0
 * or application tag 12 (BACnetObjectIdentifier), 4 bytes, at depth 0. */
static void objects(struct bac_state *st, struct otw_app *app, const uint8_t *p, size_t n)
{
    struct otw_cur c;
    int depth = 0;

    otw_cur_init(&c, p, n);
    while (otw_cur_left(&c) > 0) {
        struct tag t;
        const uint8_t *v;
        if (read_tag(&c, &t) < 0)
            break;
        if (t.open) {
            depth++;
            continue;
        }
        if (t.close) {
            depth--;
            continue;
        }
        v = otw_cur_ptr(&c, t.len);
        if (v == NULL)
            break;
        if (depth == 0 && t.len == 4 && ((t.context && t.num == 0) || (!t.context && t.num == 12)))
            rec_object(st, app, otw_be32(v));
    }
    if (c.err)
        otw_app_event(app, "bacnet.bad_tag");
}

/* The value of context tag `num` at depth 0, or -1. */
static int64_t ctx_uint(const uint8_t *p, size_t n, uint8_t num)
{
    struct otw_cur c;

    otw_cur_init(&c, p, n);
    while (otw_cur_left(&c) > 0) {
        struct tag t;
        const uint8_t *v;
        if (read_tag(&c, &t) < 0 || t.open || t.close)
            return -1;
        v = otw_cur_ptr(&c, t.len);
        if (v == NULL)
            return -1;
        if (t.context && t.num == num && t.len >= 1 && t.len <= 4)
            return uint_val(v, t.len);
    }
    return -1;
}

static void i_am(struct otw_app *app, const uint8_t *p, size_t n)
{
    struct otw_cur c;
    struct tag t;
    const uint8_t *v;
    uint32_t oid;

    /* object id (app 12), max APDU (app 2), segmentation (app 9), vendor (app 2) */
    otw_cur_init(&c, p, n);
    if (read_tag(&c, &t) < 0 || t.context || t.num != 12 || t.len != 4 ||
        (v = otw_cur_ptr(&c, 4)) == NULL) {
        otw_app_event(app, "bacnet.bad_i_am");
        return;
    }
    oid = otw_be32(v);
    if ((oid >> 22) == 8)
        otw_app_int(app, "bacnet.device_instance", oid & 0x3fffff);
    for (int i = 0; i < 3; i++) {
        if (read_tag(&c, &t) < 0 || t.context || t.len > 4 || (v = otw_cur_ptr(&c, t.len)) == NULL) {
            otw_app_event(app, "bacnet.bad_i_am");
            return;
        }
        if (i == 2 && t.num == 2)
            otw_app_int(app, "bacnet.vendor_id", uint_val(v, t.len));
    }
}

static void request(struct bac_state *st, struct otw_app *app, const struct bac_svc *tab,
                    uint8_t code, int conf, const uint8_t *p, size_t n)
{
    const struct bac_svc *s;

    for (s = tab; s->name != NULL && s->code != code; s++)
        ;
    if (s->name == NULL) {
        otw_app_strz(app, "bacnet.service", "unknown");
        otw_app_int(app, conf ? "bacnet.confirmed_code" : "bacnet.unconfirmed_code", code);
        otw_app_event(app, "bacnet.unknown_service");
        return;
    }
    otw_app_strz(app, "bacnet.service", s->name);
    if (s->cls != NULL)
        otw_app_strz(app, "ot.class", s->cls);
    if (!conf) {
        if (code == 0)
            i_am(app, p, n);
        return;
    }
    switch (code) {
    case 6: case 7: case 8: case 9: case 11: case 12: case 14: case 15: case 16:
    case 26: case 5: case 28:
        objects(st, app, p, n);
        break;
    case 20: {
        int64_t v = ctx_uint(p, n, 0);
        if (v >= 0)
            otw_app_strz(app, "bacnet.reinit_state", otw_tok_str(reinit_states, (int)v, "unknown"));
        break;
    }
    case 17: {
        int64_t v = ctx_uint(p, n, 1);
        if (v >= 0)
            otw_app_strz(app, "bacnet.dcc_state", otw_tok_str(dcc_states, (int)v, "unknown"));
        break;
    }
    default:
        break;
    }
}

static void apdu(struct bac_state *st, struct otw_app *app, const uint8_t *p, size_t n)
{
    uint8_t type = p[0] >> 4;
    size_t at;

    if (type > 7) {
        otw_app_event(app, "bacnet.bad_apdu");
        return;
    }
    otw_app_strz(app, "bacnet.apdu_type", otw_tok_str(apdu_types, type, NULL));
    switch (type) {
    case 0:             /* flags, max segs/resp, invoke id, [seq, window], service */
        at = (p[0] & 0x08) ? 5 : 3;
        if (n < at + 1) {
            otw_app_event(app, "bacnet.bad_apdu");
            return;
        }
        /* a later segment carries only a piece of the service data */
        request(st, app, confirmed, p[at], 1, p + at + 1,
                (p[0] & 0x08) && p[3] != 0 ? 0 : n - at - 1);
        return;
    case 1:             /* service */
        if (n < 2) {
            otw_app_event(app, "bacnet.bad_apdu");
            return;
        }
        request(st, app, unconfirmed, p[1], 0, p + 2, n - 2);
        return;
    case 5: {           /* invoke id, service, error class, error code */
        struct otw_cur c;
        struct tag t;
        const uint8_t *v;
        uint32_t cls;
        otw_cur_init(&c, p + 1, n - 1);
        otw_cur_skip(&c, 2);
        if (otw_cur_left(&c) > 0 && (*c.p & 0x0f) == 0x0e)  /* opening tag 0 (some services) */
            otw_cur_skip(&c, 1);
        if (read_tag(&c, &t) < 0 || t.context || t.num != 9 || t.len > 4 ||
            (v = otw_cur_ptr(&c, t.len)) == NULL) {
            otw_app_event(app, "bacnet.bad_apdu");
            return;
        }
        cls = uint_val(v, t.len);
        otw_app_strz(app, "bacnet.error", otw_tok_str(error_classes, (int)cls, "unknown"));
        if (read_tag(&c, &t) == 0 && !t.context && t.num == 9 && t.len <= 4 &&
            (v = otw_cur_ptr(&c, t.len)) != NULL)
            otw_app_int(app, "bacnet.error_code", uint_val(v, t.len));
        return;
    }
    case 6:             /* invoke id, reason */
        if (n >= 3)
            otw_app_strz(app, "bacnet.reject", otw_tok_str(reject_reasons, p[2], "unknown"));
        return;
    case 7:
        if (n >= 3)
            otw_app_strz(app, "bacnet.abort", otw_tok_str(abort_reasons, p[2], "unknown"));
        return;
    default:
        return;
    }
}

/* NPDU (6.2): version, control, optional DNET/SNET addresses, hop count,
 * then a network-layer message or the APDU. */
static void npdu(struct bac_state *st, struct otw_app *app, const uint8_t *p, size_t n)
{
    struct otw_cur c;
    uint8_t ctl;

    otw_cur_init(&c, p, n);
    if (otw_cur_u8(&c) != 1) {
        otw_app_event(app, "bacnet.bad_npdu");
        return;
    }
    ctl = otw_cur_u8(&c);
    if (ctl & 0x20) {           /* DNET, DLEN, DADR */
        otw_cur_skip(&c, 2);
        otw_cur_skip(&c, otw_cur_u8(&c));
    }
    if (ctl & 0x08) {           /* SNET, SLEN, SADR */
        otw_cur_skip(&c, 2);
        otw_cur_skip(&c, otw_cur_u8(&c));
    }
    if (ctl & 0x20)
        otw_cur_skip(&c, 1);    /* hop count */
    if (ctl & 0x80) {           /* network-layer message */
        uint8_t mt = otw_cur_u8(&c);
        if (c.err) {
            otw_app_event(app, "bacnet.bad_npdu");
            return;
        }
        otw_app_strz(app, "bacnet.network_msg", otw_tok_str(network_msgs, mt, "vendor_specific"));
        return;
    }
    if (c.err || otw_cur_left(&c) == 0) {
        otw_app_event(app, "bacnet.bad_npdu");
        return;
    }
    apdu(st, app, c.p, otw_cur_left(&c));
}

static ssize_t bac_parse(void *state, struct otw_app *app, int dir, const uint8_t *p, size_t len)
{
    struct bac_state *st = state;
    uint8_t fn;
    uint16_t blen;
    size_t hl = 4;

    if (len < 4 || p[0] != 0x81) {
        otw_app_event(app, "bacnet.bad_bvlc");
        return (ssize_t)len;
    }
    fn = p[1];
    blen = otw_be16(p + 2);
    if (blen < 4 || blen > len) {
        otw_app_event(app, "bacnet.bad_length");
        return (ssize_t)len;
    }
    otw_app_strz(app, "bacnet.bvlc", otw_tok_str(bvlc_funcs, fn, "unknown"));
    switch (fn) {
    case 0x04:                  /* forwarded: origin B/IP address (6) */
        hl = 10;
        /* fall through */
    case 0x09:
    case 0x0a:
    case 0x0b:
        if (blen < hl + 2) {
            otw_app_event(app, "bacnet.bad_length");
            break;
        }
        npdu(st, app, p + hl, blen - hl);
        break;
    case 0x05:
        otw_app_strz(app, "ot.class", C_DIAG);
        break;
    default:
        break;
    }
    return (ssize_t)len;
}

/* Identification from one datagram: BVLC type 0x81, a known function and a
 * length equal to the datagram's (a strong check on its own: a bad NPDU
 * behind a good BVLC is then reported as bacnet.bad_npdu, not hidden). */
static int bac_probe(const uint8_t *p, size_t len, int dir, const struct otw_flowinfo *fi)
{
    if (len < 4 || p[0] != 0x81 || p[1] > 0x0c || otw_be16(p + 2) != len)
        return OTW_PROBE_NO;
    return OTW_PROBE_YES;
}

static const uint16_t bac_ports[] = {47808, 0};

static const struct otw_pfield bac_fields[] = {
    {"bacnet.bvlc", OTW_PF_STR, "BVLC function: original_unicast_npdu, forwarded_npdu ..."},
    {"bacnet.network_msg", OTW_PF_STR, "NPDU network-layer message: who_is_router_to_network ..."},
    {"bacnet.apdu_type", OTW_PF_STR, "APDU type: confirmed_request, complex_ack, error ..."},
    {"bacnet.service", OTW_PF_STR, "service of a request: read_property, who_is, reinitialize_device ..."},
    {"bacnet.confirmed_code", OTW_PF_INT, "unknown confirmed service choice"},
    {"bacnet.unconfirmed_code", OTW_PF_INT, "unknown unconfirmed service choice"},
    {"bacnet.object", OTW_PF_STR, "object of a request: analog_value:1, file:0 ..."},
    {"bacnet.device_instance", OTW_PF_INT, "device instance announced by I-Am"},
    {"bacnet.vendor_id", OTW_PF_INT, "ASHRAE vendor id announced by I-Am"},
    {"bacnet.reinit_state", OTW_PF_STR, "ReinitializeDevice state: coldstart, warmstart ..."},
    {"bacnet.dcc_state", OTW_PF_STR, "DeviceCommunicationControl: enable, disable ..."},
    {"bacnet.error", OTW_PF_STR, "error class of an Error PDU: object, property, security ..."},
    {"bacnet.error_code", OTW_PF_INT, "error code of an Error PDU"},
    {"bacnet.reject", OTW_PF_STR, "reject reason: unrecognized_service ..."},
    {"bacnet.abort", OTW_PF_STR, "abort reason: segmentation_not_supported ..."},
    {"ot.class", OTW_PF_STR, "class of an OT request: read, write, program, control, diagnostic"},
    {NULL, 0, NULL},
};

static const char *const bac_events[] = {
    "bacnet.bad_bvlc", "bacnet.bad_length", "bacnet.bad_npdu", "bacnet.bad_apdu",
    "bacnet.bad_tag", "bacnet.bad_i_am", "bacnet.unknown_service", "bacnet.objects_capped",
    NULL,
};

const struct otw_parser otw_parser_bacnet = {
    .name = "bacnet",
    .desc = "BACnet/IP (BVLC, NPDU, APDU)",
    .transports = OTW_PT_UDP,
    .ports = bac_ports,
    .probe = bac_probe,
    .state_size = sizeof(struct bac_state),
    .parse = bac_parse,
    .gap = NULL,
    .finish = NULL,
    .free = NULL,
    .fields = bac_fields,
    .events = bac_events,
};
