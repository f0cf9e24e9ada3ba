/*
 * l2name.c - names carried by frames that make no session (see l2name.h).
 *
 * The packet thread calls this for every packet the layer-2 table counts
 * (flow/l2seen.c), so it looks only at the few frames that can name their
 * sender and reads them with the bounds-checked cursor: a length field is
 * never trusted beyond the bytes present.
 */
#include "decode/l2name.h"

#include <string.h>

#include "core/cursor.h"

/* Copies a name up to a NUL, printable ASCII only (others as '?'), trailing
 * blanks dropped. */
static size_t put(const uint8_t *s, size_t n, char *out, size_t len)
{
    size_t o = 0;

    if (len == 0)
        return 0;
    for (size_t i = 0; i < n && o + 1 < len && s[i] != 0; i++) {
        uint8_t c = s[i];
        out[o++] = (c < 0x20 || c >= 0x7f) ? '?' : (char)c;
    }
    while (o > 0 && out[o - 1] == ' ')
        o--;
    out[o] = '\0';
    return o;
}

/*
 * LLDP (IEEE 802.1AB): TLVs of type(7 bits) length(9 bits) value; System
 * Name is type 5, End of LLDPDU type 0.
 */
size_t otw_l2name_lldp(const uint8_t *p, size_t n, char *out, size_t len)
{
    struct otw_cur c;

    otw_cur_init(&c, p, n);
    for (int i = 0; i < 64 && otw_cur_left(&c) >= 2; i++) {
        uint16_t h = otw_cur_be16(&c);
        unsigned type = h >> 9, l = h & 0x1ff;
        const uint8_t *v = otw_cur_ptr(&c, l);

        if (type == 0 || v == NULL)
            break;
        if (type == 5 && l > 0)
            return put(v, l, out, len);
    }
    if (len > 0)
        out[0] = '\0';
    return 0;
}

/*
 * CDP (after the SNAP header): version(1) ttl(1) checksum(2), then TLVs
 * type(2) length(2, header included) value; Device ID is type 1.
 */
size_t otw_l2name_cdp(const uint8_t *p, size_t n, char *out, size_t len)
{
    struct otw_cur c;

    otw_cur_init(&c, p, n);
    otw_cur_skip(&c, 4);
    for (int i = 0; i < 64 && otw_cur_left(&c) >= 4; i++) {
        uint16_t type = otw_cur_be16(&c), l = otw_cur_be16(&c);
        const uint8_t *v;

        if (l < 4)
            break;
        v = otw_cur_ptr(&c, l - 4u);
        if (v == NULL)
            break;
        if (type == 1 && l > 4)
            return put(v, l - 4u, out, len);
    }
    if (len > 0)
        out[0] = '\0';
    return 0;
}

/*
 * PROFINET DCP (IEC 61158-6-10), after the ethertype 0x8892:
 *   FrameID(2) ServiceID(1) ServiceType(1) Xid(4) reserved(2) DCPDataLength(2)
 *   blocks: Option(1) Suboption(1) DCPBlockLength(2) [BlockInfo(2)] data, padded to even
 * Only an Identify response (FrameID 0xfeff) and a Hello (0xfefc) describe
 * their sender; their blocks carry BlockInfo. NameOfStation is option 2
 * (device properties), suboption 2. (An Identify request's name block is
 * the name searched for, not the sender's.)
 */
size_t otw_l2name_dcp(const uint8_t *p, size_t n, char *out, size_t len)
{
    struct otw_cur c, d;
    uint16_t frame, dlen;
    const uint8_t *data;

    if (len > 0)
        out[0] = '\0';
    otw_cur_init(&c, p, n);
    frame = otw_cur_be16(&c);
    otw_cur_skip(&c, 8);
    dlen = otw_cur_be16(&c);
    if (c.err || (frame != 0xfeff && frame != 0xfefc))
        return 0;
    if (dlen > otw_cur_left(&c))
        dlen = (uint16_t)otw_cur_left(&c);     /* cut by the snapshot: read what is there */
    data = otw_cur_ptr(&c, dlen);
    otw_cur_init(&d, data, dlen);
    for (int i = 0; i < 64 && otw_cur_left(&d) >= 4; i++) {
        uint8_t opt = otw_cur_u8(&d), sub = otw_cur_u8(&d);
        uint16_t bl = otw_cur_be16(&d);
        const uint8_t *v = otw_cur_ptr(&d, bl);

        if (v == NULL)
            break;
        if (opt == 2 && sub == 2 && bl > 2)
            return put(v + 2, bl - 2u, out, len);
        if (bl & 1)
            otw_cur_skip(&d, 1);
    }
    return 0;
}

/*
 * DHCP (RFC 2131): a client's own request (op 1, Ethernet chaddr equal to
 * the frame's source: not relayed), option 12 host name.
 */
size_t otw_l2name_dhcp(const uint8_t *p, size_t n, const uint8_t src_mac[6], char *out,
                       size_t len)
{
    struct otw_cur c;

    if (len > 0)
        out[0] = '\0';
    if (n < 240 || p[0] != 1 || p[1] != 1 || p[2] != 6 || memcmp(p + 28, src_mac, 6) != 0 ||
        otw_be32(p + 236) != 0x63825363u)
        return 0;
    otw_cur_init(&c, p + 240, n - 240);
    while (otw_cur_left(&c)) {
        uint8_t code = otw_cur_u8(&c), l;
        const uint8_t *v;

        if (code == 0)
            continue;
        if (code == 255)
            break;
        l = otw_cur_u8(&c);
        v = otw_cur_ptr(&c, l);
        if (v == NULL)
            break;
        if (code == 12 && l > 0)
            return put(v, l, out, len);
    }
    return 0;
}

static int nbns_name_at(const uint8_t *m, size_t n, size_t pos, char name[16], uint8_t *suffix)
{
    uint8_t raw[16];

    if (pos + 33 > n || m[pos] != 32)
        return -1;
    for (int i = 0; i < 16; i++) {
        uint8_t hi = m[pos + 1 + 2 * i], lo = m[pos + 2 + 2 * i];
        if (hi < 'A' || hi > 'P' || lo < 'A' || lo > 'P')
            return -1;
        raw[i] = (uint8_t)((hi - 'A') << 4 | (lo - 'A'));
    }
    *suffix = raw[15];
    put(raw, 15, name, 16);
    return 0;
}

int otw_nbns_name(const uint8_t *m, size_t n, size_t *pos, char name[16], uint8_t *suffix)
{
    size_t p = *pos;

    if (p >= n)
        return -1;
    if ((m[p] & 0xc0) == 0xc0) {
        size_t off;
        if (p + 2 > n)
            return -1;
        off = (size_t)(m[p] & 0x3f) << 8 | m[p + 1];
        if (off >= p || nbns_name_at(m, n, off, name, suffix) != 0)
            return -1;
        *pos = p + 2;
        return 0;
    }
    if (nbns_name_at(m, n, p, name, suffix) != 0)
        return -1;
    p += 33;
    /* scope labels, up to the root label or a pointer */
    for (int i = 0; i < 64; i++) {
        if (p >= n)
            return -1;
        if (m[p] == 0) {
            *pos = p + 1;
            return 0;
        }
        if ((m[p] & 0xc0) == 0xc0) {
            if (p + 2 > n)
                return -1;
            *pos = p + 2;
            return 0;
        }
        if (m[p] & 0xc0)
            return -1;
        p += 1 + (size_t)m[p];
    }
    return -1;
}

/*
 * NetBIOS name service (RFC 1002 4.2): header id(2) flags(2: R, opcode(4),
 * NM flags, rcode) qd an ns ar counts (2 each). The sender's own name is
 * in a registration, refresh or multi-homed registration request (opcode
 * 5, 8, 9, 15; the question name, when unique: the NB_FLAGS G bit of the
 * additional record clear) and in a node status response (type NBSTAT,
 * 0x21: a list of 18-byte entries name(15) suffix(1) flags(2)). Only
 * workstation (0x00) and server (0x20) names are host names.
 */
size_t otw_l2name_nbns(const uint8_t *m, size_t n, char *out, size_t len)
{
    uint16_t flags, qd, an, ar;
    unsigned opcode;
    char name[16];
    uint8_t suffix;
    size_t pos = 12;

    if (len > 0)
        out[0] = '\0';
    if (n < 12)
        return 0;
    flags = otw_be16(m + 2);
    qd = otw_be16(m + 4);
    an = otw_be16(m + 6);
    ar = otw_be16(m + 10);
    opcode = (flags >> 11) & 0xf;
    if (!(flags & 0x8000) && (opcode == 5 || opcode == 8 || opcode == 9 || opcode == 15) &&
        qd == 1) {
        if (otw_nbns_name(m, n, &pos, name, &suffix) != 0 || (suffix != 0x00 && suffix != 0x20))
            return 0;
        pos += 4;                               /* type, class */
        if (ar >= 1) {
            char rn[16];
            uint8_t rs;
            if (otw_nbns_name(m, n, &pos, rn, &rs) != 0 || pos + 12 > n)
                return 0;
            /* type(2) class(2) ttl(4) rdlength(2) NB_FLAGS(2): G bit: group */
            if (m[pos + 10] & 0x80)
                return 0;
        }
        return put((const uint8_t *)name, strlen(name), out, len);
    }
    if ((flags & 0x8000) && opcode == 0 && an >= 1 && qd == 0) {
        uint8_t count;
        if (otw_nbns_name(m, n, &pos, name, &suffix) != 0 || pos + 11 > n ||
            otw_be16(m + pos) != 0x21)
            return 0;
        count = m[pos + 10];
        pos += 11;
        for (unsigned i = 0; i < count && pos + 18 <= n; i++, pos += 18)
            if (m[pos + 15] == 0x00 && !(m[pos + 16] & 0x80))
                return put(m + pos, 15, out, len);
    }
    return 0;
}

size_t otw_l2_name(const struct otw_pkt *p, char *out, size_t len)
{
    if (len > 0)
        out[0] = '\0';
    switch (p->l2kind) {
    case OTW_L2_LLDP:
        return p->l2_payload ? otw_l2name_lldp(p->l2_payload, p->l2_payload_cap, out, len) : 0;
    case OTW_L2_CDP:
        return p->l2_payload ? otw_l2name_cdp(p->l2_payload, p->l2_payload_cap, out, len) : 0;
    case OTW_L2_PROFINET:
        return p->l2_payload ? otw_l2name_dcp(p->l2_payload, p->l2_payload_cap, out, len) : 0;
    default:
        break;
    }
    if (p->ipver == 0 || p->proto != 17 || !(p->flags & OTW_PF_PORTS) || p->payload == NULL)
        return 0;
    if (p->sport == 68 && p->dport == 67 && (p->flags & OTW_PF_MAC))
        return otw_l2name_dhcp(p->payload, p->payload_cap, p->src_mac, out, len);
    if (p->sport == 137 || p->dport == 137)
        return otw_l2name_nbns(p->payload, p->payload_cap, out, len);
    return 0;
}
