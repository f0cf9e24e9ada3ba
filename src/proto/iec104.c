/*
 * iec104.c - IEC 60870-5-104 (telecontrol over TCP 2404): APCI framing
 * and the ASDU of I-format frames.
 *
 * Fourth stage of the pipeline: the engine hands us the reassembled bytes of
 * each direction; we cut them into APDUs. Specs: IEC 60870-5-104:2006
 * clause 5 (APCI: start 0x68, length 4..253, control field formats I/S/U,
 * 5.1-5.3), IEC 60870-5-101:2003 clause 7 (ASDU: 7.1 data unit identifier,
 * 7.2.1 type identification table, 7.2.3 cause of transmission) with the
 * 104 profile's field sizes (COT 2 octets, common address 2, IOA 3).
 *
 *   +------+--------+-------------------------------------+
 *   | 0x68 | length |  control field (4 octets)            |   APCI
 *   +------+--------+-------------------------------------+
 *   I: byte1 bit0 = 0 (send/receive sequence numbers)
 *   S: byte1 = 0x01           U: byte1 = 0x03 | function bits
 *      (0x04/0x08 STARTDT act/con, 0x10/0x20 STOPDT, 0x40/0x80 TESTFR)
 *   ASDU (I frames only):
 *   +---------+-----+-----+------------+--------------+--------------+
 *   | type id | VSQ | COT | originator | common addr  | objects ...  |
 *   +---------+-----+-----+------------+--------------+--------------+
 *   COT: bit 7 test, bit 6 negative confirm, bits 0-5 cause.
 *
 * Counting (for the golden cross-check with tshark), once per ASDU:
 *   - iec104.apci on every APDU (i, s, u); iec104.u_func on U frames;
 *   - iec104.type, iec104.type_id, iec104.cot, iec104.ca on every ASDU in
 *     both directions (tshark `-e iec60870_asdu.typeid`, one per ASDU);
 *     iec104.negative names the type of a negatively confirmed ASDU;
 *   - ot.class on requests: control-direction types (C_*, P_*, F_SC/F_AF)
 *     with cause activation, deactivation, request or file transfer.
 *     Monitoring (M_*) ASDUs are not requests and get no class.
 */
#include <string.h>

#include "core/cursor.h"
#include "proto/proto.h"

#define APDU_LEN_MIN 4
#define APDU_LEN_MAX 253
#define ASDU_HDR 6

struct iec_state {
    uint8_t resync[2];
};

static const char C_READ[] = "read", C_WRITE[] = "write", C_PROG[] = "program",
                  C_CTRL[] = "control", C_DIAG[] = "diagnostic";

struct iec_type {
    uint8_t id;
    const char *name;
    const char *cls;        /* class when sent as a request; NULL for monitoring */
};

/* IEC 60870-5-101 7.2.1.1 and 104 clause 8 (the types valid over 104). */
static const struct iec_type types[] = {
    {1, "M_SP_NA_1", NULL}, {2, "M_SP_TA_1", NULL}, {3, "M_DP_NA_1", NULL},
    {4, "M_DP_TA_1", NULL}, {5, "M_ST_NA_1", NULL}, {6, "M_ST_TA_1", NULL},
    {7, "M_BO_NA_1", NULL}, {8, "M_BO_TA_1", NULL}, {9, "M_ME_NA_1", NULL},
    {10, "M_ME_TA_1", NULL}, {11, "M_ME_NB_1", NULL}, {12, "M_ME_TB_1", NULL},
    {13, "M_ME_NC_1", NULL}, {14, "M_ME_TC_1", NULL}, {15, "M_IT_NA_1", NULL},
    {16, "M_IT_TA_1", NULL}, {17, "M_EP_TA_1", NULL}, {18, "M_EP_TB_1", NULL},
    {19, "M_EP_TC_1", NULL}, {20, "M_PS_NA_1", NULL}, {21, "M_ME_ND_1", NULL},
    {30, "M_SP_TB_1", NULL}, {31, "M_DP_TB_1", NULL}, {32, "M_ST_TB_1", NULL},
    {33, "M_BO_TB_1", NULL}, {34, "M_ME_TD_1", NULL}, {35, "M_ME_TE_1", NULL},
    {36, "M_ME_TF_1", NULL}, {37, "M_IT_TB_1", NULL}, {38, "M_EP_TD_1", NULL},
    {39, "M_EP_TE_1", NULL}, {40, "M_EP_TF_1", NULL}, {41, "S_IT_TC_1", NULL},
    {45, "C_SC_NA_1", C_CTRL}, {46, "C_DC_NA_1", C_CTRL}, {47, "C_RC_NA_1", C_CTRL},
    {48, "C_SE_NA_1", C_CTRL}, {49, "C_SE_NB_1", C_CTRL}, {50, "C_SE_NC_1", C_CTRL},
    {51, "C_BO_NA_1", C_CTRL}, {58, "C_SC_TA_1", C_CTRL}, {59, "C_DC_TA_1", C_CTRL},
    {60, "C_RC_TA_1", C_CTRL}, {61, "C_SE_TA_1", C_CTRL}, {62, "C_SE_TB_1", C_CTRL},
    {63, "C_SE_TC_1", C_CTRL}, {64, "C_BO_TA_1", C_CTRL}, {70, "M_EI_NA_1", NULL},
    {100, "C_IC_NA_1", C_READ}, {101, "C_CI_NA_1", C_READ}, {102, "C_RD_NA_1", C_READ},
    {103, "C_CS_NA_1", C_WRITE}, {104, "C_TS_NA_1", C_DIAG}, {105, "C_RP_NA_1", C_CTRL},
    {106, "C_CD_NA_1", C_DIAG}, {107, "C_TS_TA_1", C_DIAG},
    {110, "P_ME_NA_1", C_WRITE}, {111, "P_ME_NB_1", C_WRITE}, {112, "P_ME_NC_1", C_WRITE},
    {113, "P_AC_NA_1", C_WRITE},
    {120, "F_FR_NA_1", NULL}, {121, "F_SR_NA_1", NULL}, {122, "F_SC_NA_1", C_PROG},
    {123, "F_LS_NA_1", NULL}, {124, "F_AF_NA_1", C_PROG}, {125, "F_SG_NA_1", C_PROG},
    {126, "F_DR_TA_1", NULL}, {127, "F_SC_NB_1", C_PROG},
    {0, NULL, NULL},
};

/* 101 7.2.3, cause of transmission. */
static const struct otw_tok causes[] = {
    {1, "periodic"}, {2, "background"}, {3, "spontaneous"}, {4, "initialized"},
    {5, "request"}, {6, "activation"}, {7, "activation_con"}, {8, "deactivation"},
    {9, "deactivation_con"}, {10, "activation_term"}, {11, "return_remote"},
    {12, "return_local"}, {13, "file_transfer"}, {20, "interrogated"},
    {21, "interrogated_group1"}, {22, "interrogated_group2"}, {23, "interrogated_group3"},
    {24, "interrogated_group4"}, {25, "interrogated_group5"}, {26, "interrogated_group6"},
    {27, "interrogated_group7"}, {28, "interrogated_group8"}, {29, "interrogated_group9"},
    {30, "interrogated_group10"}, {31, "interrogated_group11"}, {32, "interrogated_group12"},
    {33, "interrogated_group13"}, {34, "interrogated_group14"}, {35, "interrogated_group15"},
    {36, "interrogated_group16"}, {37, "counter_interrogated"}, {38, "counter_group1"},
    {39, "counter_group2"}, {40, "counter_group3"}, {41, "counter_group4"},
    {44, "unknown_type"}, {45, "unknown_cause"}, {46, "unknown_common_address"},
    {47, "unknown_object_address"},
    {0, NULL},
};

static const struct otw_tok u_funcs[] = {
    {0x04, "startdt_act"}, {0x08, "startdt_con"}, {0x10, "stopdt_act"},
    {0x20, "stopdt_con"}, {0x40, "testfr_act"}, {0x80, "testfr_con"},
    {0, NULL},
};

/* ---------------------------------------------------------------------- */

static void asdu(struct otw_app *app, const uint8_t *p, size_t n)
{
    const struct iec_type *t;
    uint8_t cause;

    if (n < ASDU_HDR) {
        otw_app_event(app, "iec104.bad_asdu");
        return;
    }
    for (t = types; t->name != NULL && t->id != p[0]; t++)
        ;
    otw_app_int(app, "iec104.type_id", p[0]);
    otw_app_strz(app, "iec104.type", t->name ? t->name : "unknown");
    if (t->name == NULL)
        otw_app_event(app, "iec104.unknown_type");
    cause = p[2] & 0x3f;
    otw_app_strz(app, "iec104.cot", otw_tok_str(causes, cause, "unknown"));
    if ((p[2] & 0x40) && t->name != NULL)
        otw_app_strz(app, "iec104.negative", t->name);
    otw_app_int(app, "iec104.ca", otw_le16(p + 4));
    if (t->cls != NULL && (cause == 5 || cause == 6 || cause == 8 || cause == 13))
        otw_app_strz(app, "ot.class", t->cls);
}

static void apdu(struct otw_app *app, const uint8_t *p, size_t n)
{
    /* p: the control field and the ASDU (n = the APCI length) */
    if ((p[0] & 1) == 0) {
        otw_app_strz(app, "iec104.apci", "i");
        asdu(app, p + 4, n - 4);
        return;
    }
    if ((p[0] & 3) == 1) {
        otw_app_strz(app, "iec104.apci", "s");
    } else {
        otw_app_strz(app, "iec104.apci", "u");
        otw_app_strz(app, "iec104.u_func", otw_tok_str(u_funcs, p[0] & 0xfc, "unknown"));
    }
    if (n != 4)
        otw_app_event(app, "iec104.bad_length");
}

/* A plausible APCI at p (n >= 6). */
static int apci_ok(const uint8_t *p, size_t n)
{
    uint8_t l = p[1], c = p[2];

    if (p[0] != 0x68 || l < APDU_LEN_MIN || l > APDU_LEN_MAX)
        return 0;
    if ((c & 1) == 0)
        return l >= 4 + ASDU_HDR && (p[4] & 1) == 0;
    if ((c & 3) == 1)
        return l == 4 && c == 0x01 && p[3] == 0 && (p[4] & 1) == 0;
    return l == 4 && otw_tok_str(u_funcs, c & 0xfc, NULL) != NULL && p[3] == 0 && p[4] == 0 &&
           p[5] == 0;
}

static ssize_t iec_parse(void *state, struct otw_app *app, int dir, const uint8_t *p, size_t len)
{
    struct iec_state *st = state;
    size_t off = 0;

    if (st->resync[dir]) {
        while (off + 6 <= len && !apci_ok(p + off, len - off))
            off++;
        if (off + 6 > len)
            return (ssize_t)(len > 5 ? len - 5 : 0);
        st->resync[dir] = 0;
    }
    while (len - off >= 2) {
        uint8_t l = p[off + 1];
        if (p[off] != 0x68) {
            otw_app_event(app, "iec104.bad_start");
            return -1;
        }
        if (l < APDU_LEN_MIN || l > APDU_LEN_MAX) {
            otw_app_event(app, "iec104.bad_length");
            return -1;
        }
        if (len - off < (size_t)l + 2)
            break;
        apdu(app, p + off + 2, l);
        off += (size_t)l + 2;
    }
    return (ssize_t)off;
}

static void iec_gap(void *state, struct otw_app *app, int dir, size_t lost)
{
    struct iec_state *st = state;

    st->resync[dir] = 1;
}

/* Identification: the first APDU is a well-formed U, S or I frame; an I
 * frame must carry a known type id and a non-zero cause. */
static int iec_probe(const uint8_t *p, size_t len, int dir, const struct otw_flowinfo *fi)
{
    const struct iec_type *t;

    if (p[0] != 0x68)
        return OTW_PROBE_NO;
    if (len < 2)
        return OTW_PROBE_MORE;
    if (p[1] < APDU_LEN_MIN || p[1] > APDU_LEN_MAX)
        return OTW_PROBE_NO;
    if (len < 6)
        return OTW_PROBE_MORE;
    if (!apci_ok(p, len))
        return OTW_PROBE_NO;
    if (p[2] & 1)
        return OTW_PROBE_YES;
    if (len < 2 + 4 + ASDU_HDR)
        return OTW_PROBE_MORE;
    for (t = types; t->name != NULL && t->id != p[6]; t++)
        ;
    if (t->name == NULL || (p[8] & 0x3f) == 0)
        return OTW_PROBE_NO;
    return OTW_PROBE_YES;
}

static const uint16_t iec_ports[] = {2404, 0};

static const struct otw_pfield iec_fields[] = {
    {"iec104.apci", OTW_PF_STR, "APCI frame format: i, s, u"},
    {"iec104.u_func", OTW_PF_STR, "U frame function: startdt_act, testfr_con ..."},
    {"iec104.type", OTW_PF_STR, "ASDU type: M_ME_NC_1, C_SC_NA_1, C_IC_NA_1 ..."},
    {"iec104.type_id", OTW_PF_INT, "ASDU type identification"},
    {"iec104.cot", OTW_PF_STR, "cause of transmission: spontaneous, activation ..."},
    {"iec104.negative", OTW_PF_STR, "ASDU type negatively confirmed (P/N bit)"},
    {"iec104.ca", OTW_PF_INT, "common address of ASDU (station)"},
    {"ot.class", OTW_PF_STR, "class of an OT request: read, write, program, control, diagnostic"},
    {NULL, 0, NULL},
};

static const char *const iec_events[] = {
    "iec104.bad_start", "iec104.bad_length", "iec104.bad_asdu", "iec104.unknown_type", NULL,
};

const struct otw_parser otw_parser_iec104 = {
    .name = "iec104",
    .desc = "IEC 60870-5-104",
    .transports = OTW_PT_TCP,
    .ports = iec_ports,
    .probe = iec_probe,
    .state_size = sizeof(struct iec_state),
    .parse = iec_parse,
    .gap = iec_gap,
    .finish = NULL,
    .free = NULL,
    .fields = iec_fields,
    .events = iec_events,
};
