/*
 * enip.c - EtherNet/IP encapsulation and the CIP messages inside it (TCP and
 * UDP 44818), and CIP implicit I/O identification (UDP 2222, "cip-io").
 *
 * Fourth stage of the pipeline: the engine hands us the reassembled bytes of
 * each direction (or one datagram); we cut them into encapsulation packets
 * and read the Common Packet Format items and the CIP message they carry.
 * Specs: The CIP Networks Library, Volume 2 (EtherNet/IP Adaptation of CIP),
 * chapter 2 (encapsulation: 2-3 header, 2-4 commands, 2-6 Common Packet
 * Format, 2-4.2 ListIdentity / Identity item); Volume 1 (CIP) chapter 2
 * (message router request/response 2-4), appendix C (EPATH segments C-1),
 * appendix A (services A-3, general status codes B-1), chapter 3-5
 * (connection manager: Forward_Open 0x54, Unconnected_Send 0x52); Logix tag
 * services 0x4c..0x55 as Rockwell's "Logix5000 Data Access" manual names
 * them.
 *
 * Encapsulation header (24 bytes, little-endian):
 *
 *   +-----------+-----------+-----------------------+
 *   | command   | length    | session handle        |
 *   +-----------+-----------+-----------------------+
 *   | status                | sender context (8)    ...
 *   +-----------------------+-----------------------+
 *   ... sender context      | options               |
 *   +-----------------------+-----------------------+
 *   | command data (length bytes, at most 65511)
 *
 * SendRRData / SendUnitData data: interface handle(4) timeout(2), then the
 * CPF: item count(2), items type(2) length(2) data. 0x00b2 unconnected data
 * holds a CIP request/response; 0x00b1 connected data holds a sequence
 * count(2) and one. A CIP request is service(1) path-size-in-words(1)
 * EPATH data; a response is service|0x80 reserved(1) general-status(1)
 * additional-status-size(1) ... Multiple_Service_Packet (0x0a) and
 * Unconnected_Send (0x52 to the connection manager) embed further requests:
 * we read those too (depth-capped), as tshark does.
 *
 * Counting (for the golden cross-check with tshark), once per PDU:
 *   - enip.command on every encapsulation packet, both directions
 *     (tshark `-e enip.command`);
 *   - cip.service, cip.service_code, cip.class, cip.class_id, ot.class on
 *     every CIP request, embedded ones included (tshark `-Y "cip.rr == 0"`,
 *     `-e cip.sc`, one value per request); cip.status on every CIP
 *     response; cip.tag on write requests with a symbolic path;
 *   - the ListIdentity fields on every Identity item (responses);
 *   - enip.status on every packet with a non-zero encapsulation status.
 *
 * Services 0x4b..0x63 are class specific: on the connection manager they
 * are Forward_Open & co, elsewhere we name them as Logix controllers use
 * them (read_tag ...), the common case on EtherNet/IP; cip.service_code
 * keeps the number either way.
 *
 * A length above 65511 is invalid (event enip.bad_length, detach), so every
 * valid packet (at most 65535 bytes) fits the engine's OTW_PROTO_BUF_MAX
 * and no skipping is needed.
 */
#include <stdio.h>
#include <string.h>

#include "core/cursor.h"
#include "proto/proto.h"

#define ENIP_HDR 24
#define ENIP_LEN_MAX 65511      /* Vol. 2 2-3.2: the largest command data */
#define CIP_DEPTH_MAX 3         /* nesting of MSP / Unconnected_Send */

struct enip_state {
    uint8_t resync[2];          /* after a gap: look for a header */
};

static const char C_READ[] = "read", C_WRITE[] = "write", C_PROG[] = "program",
                  C_CTRL[] = "control", C_DIAG[] = "diagnostic";

static const struct otw_tok commands[] = {
    {0x0000, "nop"}, {0x0004, "list_services"}, {0x0063, "list_identity"},
    {0x0064, "list_interfaces"}, {0x0065, "register_session"}, {0x0066, "unregister_session"},
    {0x006f, "send_rr_data"}, {0x0070, "send_unit_data"}, {0x0072, "indicate_status"},
    {0x0073, "cancel"},
    {0, NULL},
};

/* Common services (Vol. 1 appendix A-3) with their ot.class. */
struct cip_svc {
    uint8_t code;
    const char *name;
    const char *cls;
};

static const struct cip_svc services[] = {
    {0x01, "get_attributes_all", C_READ},
    {0x02, "set_attributes_all", C_WRITE},
    {0x03, "get_attribute_list", C_READ},
    {0x04, "set_attribute_list", C_WRITE},
    {0x05, "reset", C_CTRL},
    {0x06, "start", C_CTRL},
    {0x07, "stop", C_CTRL},
    {0x08, "create", C_WRITE},
    {0x09, "delete", C_WRITE},
    {0x0a, "multiple_service_packet", NULL},
    {0x0d, "apply_attributes", C_WRITE},
    {0x0e, "get_attribute_single", C_READ},
    {0x10, "set_attribute_single", C_WRITE},
    {0x11, "find_next_object_instance", C_READ},
    {0x14, "error_response", NULL},
    {0x15, "restore", C_WRITE},
    {0x16, "save", C_WRITE},
    {0x17, "nop", C_DIAG},
    {0x18, "get_member", C_READ},
    {0x19, "set_member", C_WRITE},
    {0x1a, "insert_member", C_WRITE},
    {0x1b, "remove_member", C_WRITE},
    {0x1c, "group_sync", C_DIAG},
    {0, NULL, NULL},
};

/* Connection manager (class 6) services. */
static const struct cip_svc cm_services[] = {
    {0x4e, "forward_close", C_DIAG},
    {0x52, "unconnected_send", NULL},
    {0x54, "forward_open", C_DIAG},
    {0x56, "get_connection_data", C_DIAG},
    {0x57, "search_connection_data", C_DIAG},
    {0x5a, "get_connection_owner", C_DIAG},
    {0x5b, "large_forward_open", C_DIAG},
    {0, NULL, NULL},
};

/* Logix controller services on other classes (symbol, template, ...). */
static const struct cip_svc logix_services[] = {
    {0x4b, "execute_pccc", C_WRITE},
    {0x4c, "read_tag", C_READ},
    {0x4d, "write_tag", C_WRITE},
    {0x4e, "read_modify_write_tag", C_WRITE},
    {0x4f, "read_other_tag", C_READ},
    {0x52, "read_tag_fragmented", C_READ},
    {0x53, "write_tag_fragmented", C_WRITE},
    {0x55, "get_instance_attribute_list", C_READ},
    {0, NULL, NULL},
};

static const struct otw_tok classes[] = {
    {0x01, "identity"}, {0x02, "message_router"}, {0x03, "devicenet"}, {0x04, "assembly"},
    {0x05, "connection"}, {0x06, "connection_manager"}, {0x07, "register"},
    {0x08, "discrete_input_point"}, {0x09, "discrete_output_point"},
    {0x0a, "analog_input_point"}, {0x0b, "analog_output_point"}, {0x0e, "presence_sensing"},
    {0x0f, "parameter"}, {0x10, "parameter_group"}, {0x12, "group"},
    {0x1d, "discrete_input_group"}, {0x1e, "discrete_output_group"},
    {0x23, "position_sensor"}, {0x25, "position_controller"}, {0x28, "motor_data"},
    {0x29, "control_supervisor"}, {0x2a, "ac_dc_drive"}, {0x2b, "acknowledge_handler"},
    {0x2c, "overload"}, {0x2d, "softstart"}, {0x2e, "selection"},
    {0x30, "s_device_supervisor"}, {0x37, "file"}, {0x39, "safety_supervisor"},
    {0x3a, "safety_validator"}, {0x41, "event_log"}, {0x42, "motion_axis"},
    {0x43, "time_sync"}, {0x44, "modbus"}, {0x46, "modbus_serial_link"},
    {0x47, "device_level_ring"}, {0x48, "qos"}, {0x4d, "lldp_management"},
    {0x67, "pccc"}, {0x6b, "symbol"}, {0x6c, "template"},
    {0xf0, "controlnet"}, {0xf4, "port"}, {0xf5, "tcpip_interface"},
    {0xf6, "ethernet_link"}, {0xf7, "componet_link"},
    {0, NULL},
};

static const struct otw_tok statuses[] = {
    {0x00, "success"}, {0x01, "connection_failure"}, {0x02, "resource_unavailable"},
    {0x03, "invalid_parameter_value"}, {0x04, "path_segment_error"},
    {0x05, "path_destination_unknown"}, {0x06, "partial_transfer"}, {0x07, "connection_lost"},
    {0x08, "service_not_supported"}, {0x09, "invalid_attribute_value"},
    {0x0a, "attribute_list_error"}, {0x0b, "already_in_requested_state"},
    {0x0c, "object_state_conflict"}, {0x0d, "object_already_exists"},
    {0x0e, "attribute_not_settable"}, {0x0f, "privilege_violation"},
    {0x10, "device_state_conflict"}, {0x11, "reply_data_too_large"},
    {0x12, "fragmentation_of_primitive"}, {0x13, "not_enough_data"},
    {0x14, "attribute_not_supported"}, {0x15, "too_much_data"},
    {0x16, "object_does_not_exist"}, {0x17, "service_fragmentation_out_of_sequence"},
    {0x18, "no_stored_attribute_data"}, {0x19, "store_operation_failure"},
    {0x1a, "routing_failure_request_too_large"}, {0x1b, "routing_failure_response_too_large"},
    {0x1c, "missing_attribute_list_entry"}, {0x1d, "invalid_attribute_value_list"},
    {0x1e, "embedded_service_error"}, {0x1f, "vendor_specific_error"},
    {0x20, "invalid_parameter"}, {0x21, "write_once_value_already_written"},
    {0x22, "invalid_reply_received"}, {0x23, "buffer_overflow"},
    {0x24, "message_format_error"}, {0x25, "key_failure_in_path"},
    {0x26, "path_size_invalid"}, {0x27, "unexpected_attribute_in_list"},
    {0x28, "invalid_member_id"}, {0x29, "member_not_settable"},
    {0x2a, "group2_only_server_general_failure"}, {0x2b, "unknown_modbus_error"},
    {0x2c, "attribute_not_gettable"},
    {0, NULL},
};

/* Encapsulation status (Vol. 2 table 2-3.3). */
static const struct otw_tok encap_statuses[] = {
    {0x0001, "invalid_command"}, {0x0002, "insufficient_memory"}, {0x0003, "incorrect_data"},
    {0x0064, "invalid_session_handle"}, {0x0065, "invalid_length"},
    {0x0069, "unsupported_protocol_revision"},
    {0, NULL},
};

/* A few dozen ODVA vendor ids (the Wireshark CIP dissector's table). */
static const struct otw_tok vendors[] = {
    {1, "Rockwell Automation/Allen-Bradley"}, {2, "Namco Controls Corp."},
    {4, "Parker Hannifin Corp."}, {5, "Rockwell Automation/Reliance Electric"},
    {7, "SMC Corporation of America"}, {8, "Woodhead Software & Electronics (SST)"},
    {12, "Banner Engineering Corp."}, {26, "Festo Corporation"},
    {40, "WAGO Corporation"}, {43, "BALLUFF GmbH"}, {44, "Yaskawa Electric America, Inc."},
    {46, "ABB Inc."}, {47, "Omron Corporation"}, {48, "Turck, Inc."},
    {50, "Real Time Automation (C&ID)"}, {56, "Softing AG"}, {57, "Pepperl + Fuchs"},
    {58, "Spectrum Controls, Inc."}, {74, "Hitachi, Ltd."}, {77, "Rockwell Software, Inc."},
    {81, "IXXAT Automation GmbH"}, {82, "Mitsubishi Electric Automation, Inc."},
    {83, "OPTO-22"}, {90, "HMS Industrial Networks AB"}, {94, "Advantech Co. Ltd."},
    {97, "Danfoss"}, {100, "Bosch Rexroth (Mecman)"}, {108, "Beckhoff Industrie Elektronik"},
    {109, "National Instruments"}, {118, "Molex Incorporated"}, {121, "KUKA Roboter GmbH"},
    {143, "GE Industrial Systems"}, {145, "Siemens Energy & Automation/Drives"},
    {161, "Mitsubishi Electric Corporation"}, {176, "Red Lion Controls"},
    {181, "Pilz GmbH & Co"}, {243, "Schneider Automation, Inc."},
    {250, "Yokogawa Electric Corporation"}, {283, "Hilscher GmbH"},
    {309, "Prosoft Technology"}, {315, "SEW Eurodrive GmbH"}, {319, "Fuji Electric Co., Ltd."},
    {322, "ifm efector, inc."}, {326, "GE Fanuc Automation North America, Inc."},
    {345, "Endress + Hauser"}, {356, "Fanuc Robotics America"}, {367, "Keyence Corporation"},
    {445, "Lenze"},
    {0, NULL},
};

/* Device profiles (Vol. 1 chapter 6). */
static const struct otw_tok device_types[] = {
    {0x00, "generic_device"}, {0x02, "ac_drive"}, {0x03, "motor_overload"},
    {0x04, "limit_switch"}, {0x05, "inductive_proximity_switch"},
    {0x06, "photoelectric_sensor"}, {0x07, "general_purpose_discrete_io"},
    {0x09, "resolver"}, {0x0c, "communications_adapter"},
    {0x0e, "programmable_logic_controller"}, {0x10, "position_controller"},
    {0x13, "dc_drive"}, {0x15, "contactor"}, {0x16, "motor_starter"}, {0x17, "soft_start"},
    {0x18, "human_machine_interface"}, {0x1a, "mass_flow_controller"},
    {0x1b, "pneumatic_valve"}, {0x1c, "vacuum_pressure_gauge"},
    {0x1d, "process_control_value"}, {0x1e, "residual_gas_analyzer"},
    {0x1f, "dc_power_generator"}, {0x20, "rf_power_generator"},
    {0x21, "turbomolecular_vacuum_pump"}, {0x22, "encoder"},
    {0x23, "safety_discrete_io"}, {0x24, "fluid_flow_controller"},
    {0x25, "cip_motion_drive"}, {0x26, "componet_repeater"},
    {0x2b, "generic_device_keyable"}, {0x2c, "managed_switch"},
    {0x32, "controlnet_physical_layer_component"},
    {0, NULL},
};

/* ---------------------------------------------------------------------- */

/* What an EPATH names. */
struct epath {
    int cls;                    /* -1: none */
    const uint8_t *sym;         /* first symbolic segment, or NULL */
    uint8_t symlen;
};

/* Vol. 1 appendix C-1: port, logical, network, symbolic and data segments.
 * Returns 0, or -1 on a malformed path. */
static int read_epath(const uint8_t *p, size_t n, struct epath *ep)
{
    struct otw_cur c;

    ep->cls = -1;
    ep->sym = NULL;
    ep->symlen = 0;
    otw_cur_init(&c, p, n);
    while (otw_cur_left(&c) > 0) {
        uint8_t seg = otw_cur_u8(&c);
        switch (seg & 0xe0) {
        case 0x00: {            /* port segment */
            if ((seg & 0x0f) == 0x0f)
                otw_cur_skip(&c, 2);
            if (seg & 0x10) {
                uint8_t l = otw_cur_u8(&c);
                otw_cur_skip(&c, (size_t)l + (l & 1));
            } else {
                otw_cur_skip(&c, 1);
            }
            break;
        }
        case 0x20: {            /* logical segment */
            uint8_t ltype = (seg >> 2) & 7, fmt = seg & 3;
            uint32_t v;
            if (ltype == 5) {   /* special: electronic key, format byte + 8 bytes */
                otw_cur_skip(&c, 1 + 8);
                break;
            }
            if (fmt == 0) {
                v = otw_cur_u8(&c);
            } else if (fmt == 1) {
                otw_cur_skip(&c, 1);
                v = otw_cur_le16(&c);
            } else if (fmt == 2) {
                otw_cur_skip(&c, 1);
                v = otw_cur_le32(&c);
            } else {
                return -1;
            }
            if (ltype == 0 && ep->cls < 0 && !c.err)
                ep->cls = (int)(v & 0xffff);
            break;
        }
        case 0x40:              /* network segment */
            if (seg == 0x50) {
                uint8_t w = otw_cur_u8(&c);
                otw_cur_skip(&c, 2 * (size_t)w);
            } else {
                otw_cur_skip(&c, 1);
            }
            break;
        case 0x60: {            /* symbolic segment */
            uint8_t l = seg & 0x1f;
            const uint8_t *s;
            if (l == 0) {       /* extended: format byte, ... */
                otw_cur_skip(&c, 1);
                return c.err ? -1 : 0;
            }
            s = otw_cur_ptr(&c, l);
            if (s != NULL && ep->sym == NULL) {
                ep->sym = s;
                ep->symlen = l;
            }
            break;
        }
        case 0x80:              /* data segment */
            if (seg == 0x91) {  /* ANSI extended symbol: len, chars, pad */
                uint8_t l = otw_cur_u8(&c);
                const uint8_t *s = otw_cur_ptr(&c, l);
                if (s != NULL && ep->sym == NULL) {
                    ep->sym = s;
                    ep->symlen = l;
                }
                if (l & 1)
                    otw_cur_skip(&c, 1);
            } else if (seg == 0x80) {
                uint8_t w = otw_cur_u8(&c);
                otw_cur_skip(&c, 2 * (size_t)w);
            } else {
                return -1;
            }
            break;
        default:
            return -1;
        }
        if (c.err)
            return -1;
    }
    return 0;
}

static void cip_msg(struct otw_app *app, const uint8_t *p, size_t n, int depth);

/* Multiple_Service_Packet data: count(2) offsets(2 each, from the count)
 * and the embedded messages. */
static void cip_msp(struct otw_app *app, const uint8_t *d, size_t n, int depth)
{
    uint16_t cnt;

    if (n < 2)
        return;
    cnt = otw_le16(d);
    if ((size_t)2 + 2 * (size_t)cnt > n) {
        otw_app_event(app, "cip.bad_msp");
        return;
    }
    for (uint16_t i = 0; i < cnt; i++) {
        size_t start = otw_le16(d + 2 + 2 * i);
        size_t end = i + 1 < cnt ? otw_le16(d + 2 + 2 * (i + 1)) : n;
        if (start < 2 + 2 * (size_t)cnt || end > n || start >= end) {
            otw_app_event(app, "cip.bad_msp");
            return;
        }
        cip_msg(app, d + start, end - start, depth + 1);
    }
}

/* One CIP message router request or response. */
static void cip_msg(struct otw_app *app, const uint8_t *p, size_t n, int depth)
{
    uint8_t svc;

    if (depth > CIP_DEPTH_MAX)
        return;
    if (n < 2) {
        otw_app_event(app, "cip.bad_message");
        return;
    }
    svc = p[0];
    if (svc & 0x80) {           /* response */
        size_t hl;
        if (n < 4) {
            otw_app_event(app, "cip.bad_message");
            return;
        }
        otw_app_strz(app, "cip.status", otw_tok_str(statuses, p[2], "unknown"));
        hl = 4 + 2 * (size_t)p[3];
        if ((svc & 0x7f) == 0x0a && (p[2] == 0x00 || p[2] == 0x1e) && hl <= n)
            cip_msp(app, p + hl, n - hl, depth);
        return;
    }
    {
        size_t pl = 2 * (size_t)p[1];
        struct epath ep;
        const struct cip_svc *t, *s;
        const char *cls;

        if (2 + pl > n || read_epath(p + 2, pl, &ep) < 0) {
            otw_app_event(app, "cip.bad_path");
            otw_app_int(app, "cip.service_code", svc);
            return;
        }
        if (svc < 0x32)
            t = services;
        else if (ep.cls == 0x06)
            t = cm_services;
        else
            t = logix_services;
        for (s = t; s->name != NULL && s->code != svc; s++)
            ;
        otw_app_int(app, "cip.service_code", svc);
        otw_app_strz(app, "cip.service", s->name ? s->name : "unknown");
        if (ep.cls >= 0) {
            otw_app_int(app, "cip.class_id", ep.cls);
            otw_app_strz(app, "cip.class", otw_tok_str(classes, ep.cls, "unknown"));
        }
        cls = s->cls;
        if (ep.cls == 0x37)     /* the file object: EDS files, firmware, programs */
            cls = C_PROG;
        if (cls != NULL)
            otw_app_strz(app, "ot.class", cls);
        if (cls == C_WRITE && ep.sym != NULL)
            otw_app_str(app, "cip.tag", (const char *)ep.sym, ep.symlen);
        if (svc == 0x0a)
            cip_msp(app, p + 2 + pl, n - 2 - pl, depth);
        else if (svc == 0x52 && ep.cls == 0x06) {
            /* priority/tick(1) timeout ticks(1) size(2) message [pad] route */
            const uint8_t *d = p + 2 + pl;
            size_t dn = n - 2 - pl, ml;
            if (dn < 4) {
                otw_app_event(app, "cip.bad_message");
                return;
            }
            ml = otw_le16(d + 2);
            if (4 + ml > dn) {
                otw_app_event(app, "cip.bad_message");
                return;
            }
            cip_msg(app, d + 4, ml, depth + 1);
        }
    }
}

static void rec_identity(struct otw_app *app, const uint8_t *d, size_t n)
{
    struct otw_cur c;
    uint16_t vendor, dtype, pcode;
    uint8_t maj, min, nl;
    uint32_t serial;
    const uint8_t *name;
    char buf[16];

    /* version(2) sockaddr(16, big-endian) vendor device-type product-code
     * revision(major, minor) status(2) serial(4) name-length name state */
    otw_cur_init(&c, d, n);
    otw_cur_skip(&c, 2 + 16);
    vendor = otw_cur_le16(&c);
    dtype = otw_cur_le16(&c);
    pcode = otw_cur_le16(&c);
    maj = otw_cur_u8(&c);
    min = otw_cur_u8(&c);
    otw_cur_skip(&c, 2);
    serial = otw_cur_le32(&c);
    nl = otw_cur_u8(&c);
    name = otw_cur_ptr(&c, nl);
    if (c.err) {
        otw_app_event(app, "enip.bad_identity");
        return;
    }
    otw_app_int(app, "enip.vendor_id", vendor);
    otw_app_strz(app, "enip.vendor", otw_tok_str(vendors, vendor, "unknown"));
    otw_app_int(app, "enip.device_type_id", dtype);
    otw_app_strz(app, "enip.device_type", otw_tok_str(device_types, dtype, "unknown"));
    otw_app_int(app, "enip.product_code", pcode);
    snprintf(buf, sizeof(buf), "%u.%u", maj, min);
    otw_app_strz(app, "enip.revision", buf);
    snprintf(buf, sizeof(buf), "%08x", serial);
    otw_app_strz(app, "enip.serial", buf);
    if (nl > 0)
        otw_app_str(app, "enip.product_name", (const char *)name, nl);
}

/* The Common Packet Format of a command's data (after any fixed prefix). */
static void cpf(struct otw_app *app, const uint8_t *d, size_t n)
{
    struct otw_cur c;
    uint16_t cnt;

    otw_cur_init(&c, d, n);
    cnt = otw_cur_le16(&c);
    for (uint16_t i = 0; i < cnt && !c.err; i++) {
        uint16_t type = otw_cur_le16(&c), len = otw_cur_le16(&c);
        const uint8_t *v = otw_cur_ptr(&c, len);
        if (v == NULL)
            break;
        if (type == 0x00b2)
            cip_msg(app, v, len, 0);
        else if (type == 0x00b1 && len >= 2)
            cip_msg(app, v + 2, len - 2u, 0);
        else if (type == 0x000c)
            rec_identity(app, v, len);
    }
    if (c.err)
        otw_app_event(app, "enip.bad_cpf");
}

/* One encapsulation packet: header `hdr`, its `n` data bytes at `d`. */
static void packet(struct otw_app *app, const uint8_t *hdr, const uint8_t *d, size_t n)
{
    uint16_t cmd = otw_le16(hdr);
    uint32_t status = otw_le32(hdr + 8);
    const char *name = otw_tok_str(commands, cmd, NULL);

    otw_app_int(app, "enip.command_code", cmd);
    if (status != 0)
        otw_app_strz(app, "enip.status", otw_tok_str(encap_statuses, (int)status, "unknown"));
    if (name == NULL) {
        otw_app_strz(app, "enip.command", "unknown");
        otw_app_event(app, "enip.unknown_command");
        return;
    }
    otw_app_strz(app, "enip.command", name);
    switch (cmd) {
    case 0x0004:
    case 0x0063:
    case 0x0064:
        if (n == 0)             /* the request */
            otw_app_strz(app, "ot.class", C_DIAG);
        else
            cpf(app, d, n);
        break;
    case 0x006f:
    case 0x0070:
        if (n >= 6)
            cpf(app, d + 6, n - 6);
        else
            otw_app_event(app, "enip.bad_cpf");
        break;
    default:
        break;
    }
}

/* A plausible encapsulation header: a known command, options 0, a length
 * within limits. */
static int header_ok(const uint8_t *p)
{
    uint16_t cmd = otw_le16(p), len = otw_le16(p + 2);

    return otw_tok_str(commands, cmd, NULL) != NULL && otw_le32(p + 20) == 0 &&
           len <= ENIP_LEN_MAX && otw_le32(p + 8) <= 0xffff;
}

static ssize_t enip_parse(void *state, struct otw_app *app, int dir, const uint8_t *p, size_t len)
{
    struct enip_state *st = state;
    size_t off = 0;

    if (st->resync[dir]) {
        while (off + ENIP_HDR <= len && !header_ok(p + off))
            off++;
        if (off + ENIP_HDR > len)
            return (ssize_t)(len >= ENIP_HDR ? len - ENIP_HDR + 1 : 0);
        st->resync[dir] = 0;
    }
    while (len - off >= ENIP_HDR) {
        uint16_t dlen = otw_le16(p + off + 2);
        size_t total = ENIP_HDR + (size_t)dlen;

        if (dlen > ENIP_LEN_MAX) {
            otw_app_event(app, "enip.bad_length");
            return -1;
        }
        if (otw_le32(p + off + 20) != 0) {
            otw_app_event(app, "enip.bad_header");
            return -1;
        }
        if (len - off < total)
            break;
        packet(app, p + off, p + off + ENIP_HDR, dlen);
        off += total;
    }
    return (ssize_t)off;
}

static void enip_gap(void *state, struct otw_app *app, int dir, size_t lost)
{
    struct enip_state *st = state;

    st->resync[dir] = 1;
}

/*
 * Identification from the first packet: a known command, options 0, status
 * 0 in requests, a length that fits the command (0 for list requests and
 * nop, 4 with protocol version 1 for register_session, at least the
 * interface handle, timeout and item count for SendRRData/SendUnitData).
 */
static int enip_probe(const uint8_t *p, size_t len, int dir, const struct otw_flowinfo *fi)
{
    uint16_t cmd, dlen;
    uint32_t status;

    if (len < 2)
        return OTW_PROBE_MORE;
    if (otw_tok_str(commands, otw_le16(p), NULL) == NULL)
        return OTW_PROBE_NO;
    if (len < ENIP_HDR)
        return OTW_PROBE_MORE;
    cmd = otw_le16(p);
    dlen = otw_le16(p + 2);
    status = otw_le32(p + 8);
    if (!header_ok(p) || dlen > ENIP_LEN_MAX)
        return OTW_PROBE_NO;
    if (status > 0xffff)
        return OTW_PROBE_NO;
    switch (cmd) {
    case 0x0004:
    case 0x0063:
    case 0x0064:
        if (dlen == 0)
            return status == 0 ? OTW_PROBE_YES : OTW_PROBE_NO;
        if (dlen < 2 || len < ENIP_HDR + 2)
            return len < ENIP_HDR + 2 ? OTW_PROBE_MORE : OTW_PROBE_NO;
        return otw_le16(p + ENIP_HDR) >= 1 && otw_le16(p + ENIP_HDR) <= 16 ? OTW_PROBE_YES
                                                                             : OTW_PROBE_NO;
    case 0x0065:
        if (dlen != 4)
            return OTW_PROBE_NO;
        if (len < ENIP_HDR + 4)
            return OTW_PROBE_MORE;
        return otw_le16(p + ENIP_HDR) == 1 ? OTW_PROBE_YES : OTW_PROBE_NO;
    case 0x006f:
    case 0x0070:
        if (dlen < 8)
            return OTW_PROBE_NO;
        if (len < ENIP_HDR + 8)
            return OTW_PROBE_MORE;
        /* interface handle 0 (CIP), item count 1..16 */
        if (otw_le32(p + ENIP_HDR) != 0)
            return OTW_PROBE_NO;
        return otw_le16(p + ENIP_HDR + 6) >= 1 && otw_le16(p + ENIP_HDR + 6) <= 16
                   ? OTW_PROBE_YES
                   : OTW_PROBE_NO;
    case 0x0066:
    case 0x0000:
        /* too little to tell on its own: only on the EtherNet/IP port */
        return (fi != NULL && (fi->dport == 44818 || fi->sport == 44818)) ? OTW_PROBE_YES
                                                                          : OTW_PROBE_NO;
    default:
        return OTW_PROBE_NO;
    }
}

/* --- CIP implicit I/O (UDP 2222) ------------------------------------------ */

/*
 * Class 0/1 I/O datagrams are a bare CPF (Vol. 2 2-6): item count (2),
 * a sequenced address item (0x8002, length 8: connection id, sequence
 * number) and a connected data item (0x00b1). We record the connection id
 * (hex) once per datagram, so its count is the packet count.
 */
static int cipio_ok(const uint8_t *p, size_t len, uint32_t *conn)
{
    uint16_t dlen;

    if (len < 2 + 4 + 8 + 4 || otw_le16(p) != 2 || otw_le16(p + 2) != 0x8002 ||
        otw_le16(p + 4) != 8 || otw_le16(p + 14) != 0x00b1)
        return 0;
    dlen = otw_le16(p + 16);
    if ((size_t)18 + dlen != len)
        return 0;
    *conn = otw_le32(p + 6);
    return 1;
}

static int cipio_probe(const uint8_t *p, size_t len, int dir, const struct otw_flowinfo *fi)
{
    uint32_t conn;

    return cipio_ok(p, len, &conn) ? OTW_PROBE_YES : OTW_PROBE_NO;
}

static ssize_t cipio_parse(void *state, struct otw_app *app, int dir, const uint8_t *p, size_t len)
{
    uint32_t conn;
    char buf[12];

    if (!cipio_ok(p, len, &conn)) {
        otw_app_event(app, "cip_io.bad_packet");
        return (ssize_t)len;
    }
    snprintf(buf, sizeof(buf), "%08x", conn);
    otw_app_strz(app, "cip_io.connection", buf);
    return (ssize_t)len;
}

static const uint16_t enip_ports[] = {44818, 0};
static const uint16_t cipio_ports[] = {2222, 0};

static const struct otw_pfield enip_fields[] = {
    {"enip.command", OTW_PF_STR, "encapsulation command: list_identity, send_rr_data ..."},
    {"enip.command_code", OTW_PF_INT, "encapsulation command code"},
    {"enip.status", OTW_PF_STR, "non-zero encapsulation status: invalid_session_handle ..."},
    {"enip.vendor", OTW_PF_STR, "ListIdentity: vendor name"},
    {"enip.vendor_id", OTW_PF_INT, "ListIdentity: ODVA vendor id"},
    {"enip.device_type", OTW_PF_STR, "ListIdentity: device profile name"},
    {"enip.device_type_id", OTW_PF_INT, "ListIdentity: device profile code"},
    {"enip.product_code", OTW_PF_INT, "ListIdentity: vendor's product code"},
    {"enip.product_name", OTW_PF_STR, "ListIdentity: product name"},
    {"enip.revision", OTW_PF_STR, "ListIdentity: revision major.minor"},
    {"enip.serial", OTW_PF_STR, "ListIdentity: serial number (hex)"},
    {"cip.service", OTW_PF_STR, "CIP request service: get_attribute_single, write_tag ..."},
    {"cip.service_code", OTW_PF_INT, "CIP request service code"},
    {"cip.class", OTW_PF_STR, "CIP class addressed by a request: identity, assembly ..."},
    {"cip.class_id", OTW_PF_INT, "CIP class id addressed by a request"},
    {"cip.status", OTW_PF_STR, "CIP general status of a response: success, privilege_violation ..."},
    {"cip.tag", OTW_PF_STR, "symbolic tag of a CIP write request"},
    {"ot.class", OTW_PF_STR, "class of an OT request: read, write, program, control, diagnostic"},
    {NULL, 0, NULL},
};

static const char *const enip_events[] = {
    "enip.bad_length", "enip.bad_header", "enip.unknown_command", "enip.bad_cpf",
    "enip.bad_identity", "cip.bad_message", "cip.bad_path", "cip.bad_msp", NULL,
};

static const struct otw_pfield cipio_fields[] = {
    {"cip_io.connection", OTW_PF_STR, "connection id of implicit I/O datagrams (hex); count = packets"},
    {NULL, 0, NULL},
};

static const char *const cipio_events[] = {"cip_io.bad_packet", NULL};

const struct otw_parser otw_parser_enip = {
    .name = "enip",
    .desc = "EtherNet/IP encapsulation and CIP",
    .transports = OTW_PT_TCP | OTW_PT_UDP,
    .ports = enip_ports,
    .probe = enip_probe,
    .state_size = sizeof(struct enip_state),
    .parse = enip_parse,
    .gap = enip_gap,
    .finish = NULL,
    .free = NULL,
    .fields = enip_fields,
    .events = enip_events,
};

const struct otw_parser otw_parser_cipio = {
    .name = "cip-io",
    .desc = "CIP implicit I/O (class 0/1) over UDP",
    .transports = OTW_PT_UDP,
    .ports = cipio_ports,
    .probe = cipio_probe,
    .state_size = 0,
    .parse = cipio_parse,
    .gap = NULL,
    .finish = NULL,
    .free = NULL,
    .fields = cipio_fields,
    .events = cipio_events,
};
