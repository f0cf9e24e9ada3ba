/*
 * opcua.c - OPC UA binary, UA Connection Protocol over TCP (OPC 10000-6
 * section 7.1: "UA TCP"), identification and message types.
 *
 * Proto stage: TCP stream of chunks, each behind an 8-byte header:
 *
 *   +--------+--------+--------+--------+--------+--------+--------+--------+
 *   |       MessageType (3 ASCII)      |ChunkTyp|   MessageSize (UInt32 LE) |
 *   +--------+--------+--------+--------+--------+--------+--------+--------+
 *   MessageType: HEL ACK ERR RHE (ChunkType 'F')
 *                OPN CLO MSG     (ChunkType 'F' final, 'C' intermediate, 'A' abort)
 *   MessageSize counts the whole chunk, header included.
 *
 * Hello (7.1.2.3): ProtocolVersion, ReceiveBufferSize, SendBufferSize,
 * MaxMessageSize, MaxChunkCount (UInt32 each), EndpointUrl (String:
 * Int32 length + UTF-8, at most 4096 bytes). OpenSecureChannel (6.7.2.2):
 * SecureChannelId (UInt32), SecurityPolicyUri (String, at most 255).
 * Services inside MSG are usually signed/encrypted and not decoded.
 *
 * Counting: opcua.msg_type once per chunk, both directions;
 * opcua.endpoint_url per Hello, opcua.security_policy per OPN request.
 */
#include <string.h>

#include "core/cursor.h"
#include "proto/proto.h"

#define UA_HDR 8
#define UA_MAX_CHUNK (16u * 1024 * 1024)    /* sane upper bound for a chunk */

struct ua_state {
    size_t skip[2];
};

static const uint16_t ua_ports[] = {4840, 0};

static const char *ua_type(const uint8_t *p, int *final_only)
{
    static const struct { char t[4]; const char *name; int fo; } types[] = {
        {"HEL", "hello", 1}, {"ACK", "acknowledge", 1}, {"ERR", "error", 1},
        {"RHE", "reverse_hello", 1}, {"OPN", "open_secure_channel", 0},
        {"CLO", "close_secure_channel", 0}, {"MSG", "message", 0},
    };
    for (size_t i = 0; i < OTW_ARRAY_LEN(types); i++)
        if (memcmp(p, types[i].t, 3) == 0) {
            *final_only = types[i].fo;
            return types[i].name;
        }
    return NULL;
}

/* 1 valid header, 0 invalid. */
static int ua_header_ok(const uint8_t *p, uint32_t *size, const char **name)
{
    int fo;

    *name = ua_type(p, &fo);
    if (*name == NULL)
        return 0;
    if (p[3] != 'F' && (fo || (p[3] != 'C' && p[3] != 'A')))
        return 0;
    *size = otw_le32(p + 4);
    return *size >= UA_HDR && *size <= UA_MAX_CHUNK;
}

static int ua_probe(const uint8_t *p, size_t len, int dir, const struct otw_flowinfo *fi)
{
    uint32_t size;
    const char *name;

    if (len < UA_HDR)
        return OTW_PROBE_MORE;
    if (!ua_header_ok(p, &size, &name))
        return OTW_PROBE_NO;
    /* A session starts with HEL (client) / ACK or ERR (server), or RHE. */
    if (memcmp(p, "HEL", 3) == 0)
        return size >= UA_HDR + 24 && size <= UA_HDR + 24 + 4096 ? OTW_PROBE_YES : OTW_PROBE_NO;
    if (memcmp(p, "ACK", 3) == 0)
        return size == UA_HDR + 20 ? OTW_PROBE_YES : OTW_PROBE_NO;
    if (memcmp(p, "RHE", 3) == 0 || memcmp(p, "ERR", 3) == 0)
        return size >= UA_HDR + 8 && size <= UA_HDR + 8 + 8192 ? OTW_PROBE_YES : OTW_PROBE_NO;
    /* mid-session (capture started late): OPN/MSG/CLO with a channel id */
    return size >= UA_HDR + 4 ? OTW_PROBE_YES : OTW_PROBE_NO;
}

/* A UA String (Int32 length, -1 = null) capped at max; 0 ok, -1 bad. */
static int ua_string(struct otw_cur *c, size_t max, const uint8_t **s, size_t *n)
{
    int32_t l = (int32_t)otw_cur_le32(c);

    *s = NULL;
    *n = 0;
    if (c->err)
        return -1;
    if (l == -1)
        return 0;
    if (l < 0 || (size_t)l > max)
        return -1;
    *s = otw_cur_ptr(c, (size_t)l);
    *n = (size_t)l;
    return *s ? 0 : -1;
}

static void ua_chunk(struct otw_app *app, int dir, const uint8_t *p, size_t size, const char *name)
{
    struct otw_cur c;
    const uint8_t *s;
    size_t n;

    otw_app_strz(app, "opcua.msg_type", name);
    otw_cur_init(&c, p + UA_HDR, size - UA_HDR);
    if (memcmp(p, "HEL", 3) == 0) {
        otw_cur_skip(&c, 20);
        if (ua_string(&c, 4096, &s, &n) < 0)
            otw_app_event(app, "opcua.bad_hello");
        else if (s)
            otw_app_str(app, "opcua.endpoint_url", (const char *)s, n);
    } else if (memcmp(p, "OPN", 3) == 0 && dir == OTW_DIR_TO_SERVER) {
        otw_cur_skip(&c, 4);
        if (ua_string(&c, 255, &s, &n) < 0)
            otw_app_event(app, "opcua.bad_open");
        else if (s)
            otw_app_str(app, "opcua.security_policy", (const char *)s, n);
    }
}

static ssize_t ua_parse(void *state, struct otw_app *app, int dir, const uint8_t *p, size_t len)
{
    struct ua_state *st = state;
    size_t off = 0;

    if (st->skip[dir]) {
        off = (size_t)OTW_MIN((uint64_t)st->skip[dir], (uint64_t)len);
        st->skip[dir] -= off;
        if (st->skip[dir])
            return (ssize_t)off;
    }
    while (len - off >= UA_HDR) {
        uint32_t size;
        const char *name;

        if (!ua_header_ok(p + off, &size, &name)) {
            otw_app_event(app, "opcua.bad_header");
            return -1;
        }
        if (size > OTW_PROTO_BUF_MAX) {
            /* Too big to hold: record the header and skip the rest. */
            otw_app_strz(app, "opcua.msg_type", name);
            if (len - off >= size) {
                off += size;
                continue;
            }
            st->skip[dir] = size - (len - off);
            return (ssize_t)len;
        }
        if (len - off < size)
            break;
        ua_chunk(app, dir, p + off, size, name);
        off += size;
    }
    return (ssize_t)off;
}

static void ua_gap(void *state, struct otw_app *app, int dir, size_t lost)
{
    struct ua_state *st = state;

    if (st->skip[dir] > lost) {
        st->skip[dir] -= lost;
        return;
    }
    /* Lost inside a header or chunk: the next bytes are not a header.
     * There is no resynchronisation marker, so give up on this direction's
     * framing by skipping everything (the engine detaches on -1 anyway). */
    st->skip[dir] = (size_t)-1;
    otw_app_event(app, "opcua.gap");
}

static const struct otw_pfield ua_fields[] = {
    {"opcua.msg_type", OTW_PF_STR, "UA TCP message type: hello, acknowledge, open_secure_channel, message, close_secure_channel, error, reverse_hello"},
    {"opcua.endpoint_url", OTW_PF_STR, "EndpointUrl of a Hello"},
    {"opcua.security_policy", OTW_PF_STR, "SecurityPolicyUri of an OpenSecureChannel request"},
    {NULL, 0, NULL},
};

static const char *const ua_events[] = {
    "opcua.bad_header", "opcua.bad_hello", "opcua.bad_open", "opcua.gap", NULL,
};

const struct otw_parser otw_parser_opcua = {
    .name = "opcua",
    .desc = "OPC UA binary (UA TCP)",
    .transports = OTW_PT_TCP,
    .ports = ua_ports,
    .probe = ua_probe,
    .state_size = sizeof(struct ua_state),
    .parse = ua_parse,
    .gap = ua_gap,
    .fields = ua_fields,
    .events = ua_events,
};
