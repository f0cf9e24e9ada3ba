/*
 * tls.c - TLS (SSL 3.0 .. TLS 1.3) handshake reader: what a passive monitor
 * can learn before the stream goes opaque. A C2 implant on the HMI talks
 * TLS to the internet (MISSION.md point 8); the client fingerprint, the
 * server name and the server's certificate are what tell it from Windows
 * Update.
 *
 * Records (RFC 8446 5.1, RFC 5246 6.2):
 *
 *    0        1        2        3        4
 *   +--------+--------+--------+--------+--------+----------------
 *   | type   | version (0x03xx)| length (<= 2^14 + 2048) | fragment ...
 *   +--------+--------+--------+--------+--------+----------------
 *   type: 20 change_cipher_spec, 21 alert, 22 handshake, 23 application_data
 *
 * Handshake messages (RFC 8446 4) run across records and are reassembled
 * here per direction up to TLS_HS_MAX bytes (longer ones are skipped with
 * event tls.handshake_too_long):
 *
 *   +--------+--------+--------+--------+-------------
 *   | msg    | length (24 bits)         | body ...
 *   +--------+--------+--------+--------+-------------
 *
 * What is recorded, once per message where it occurs:
 *   ClientHello (the first of the session, either direction): tls.sni (server_name, RFC 6066 3),
 *     tls.alpn (each protocol offered, RFC 7301 3.1), tls.ja3 (Salesforce JA3:
 *     MD5 of "version,ciphers,extensions,groups,point_formats", GREASE values
 *     (RFC 8701) removed), tls.ja4 (FoxIO JA4, TCP only: "t", version, d/i,
 *     cipher and extension counts, first/last ALPN characters, then the first
 *     12 hex digits of SHA-256 over the sorted cipher list and over the
 *     sorted extension list (SNI and ALPN left out) "_" signature algorithms);
 *   ServerHello: tls.version ("1.0".."1.3", from supported_versions for
 *     TLS 1.3, RFC 8446 4.2.1; draft versions 0x7fxx count as "1.3"),
 *     tls.cipher_code (the selected cipher suite);
 *   Certificate (only readable up to TLS 1.2): the first (leaf) certificate
 *     of the session: tls.cert_subject, tls.cert_issuer (RFC 2253 strings),
 *     tls.cert_not_before, tls.cert_not_after (RFC 3339, UTC);
 *   Alert records in the clear: tls.alert (RFC 8446 6 names).
 * After a ChangeCipherSpec in a direction its handshake records are
 * encrypted and are not read. SSLv2-format hellos are not recognised.
 */
#include "proto/tls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "core/cursor.h"
#include "proto/app.h"

#define TLS_REC_MAX (16384 + 2048)  /* TLSCiphertext limit, RFC 5246 6.2.3 */
#define TLS_HS_MAX (64 * 1024)      /* reassembled handshake message cap */
#define TLS_MAX_LIST 128            /* ciphers / extensions / groups kept for fingerprints */

enum { REC_CCS = 20, REC_ALERT = 21, REC_HANDSHAKE = 22, REC_APPDATA = 23, REC_HEARTBEAT = 24 };
enum { HS_CLIENT_HELLO = 1, HS_SERVER_HELLO = 2, HS_CERTIFICATE = 11 };

static const char EV_BAD_RECORD[] = "tls.bad_record";
static const char EV_BAD_HELLO[] = "tls.bad_hello";
static const char EV_BAD_CERT[] = "tls.bad_certificate";
static const char EV_HS_TOO_LONG[] = "tls.handshake_too_long";

static const char F_VERSION[] = "tls.version";
static const char F_CIPHER[] = "tls.cipher_code";
static const char F_SNI[] = "tls.sni";
static const char F_ALPN[] = "tls.alpn";
static const char F_JA3[] = "tls.ja3";
static const char F_JA4[] = "tls.ja4";
static const char F_SUBJECT[] = "tls.cert_subject";
static const char F_ISSUER[] = "tls.cert_issuer";
static const char F_NOT_BEFORE[] = "tls.cert_not_before";
static const char F_NOT_AFTER[] = "tls.cert_not_after";
static const char F_ALERT[] = "tls.alert";

const struct otw_pfield otw_tls_fields[] = {
    OTW_TLS_FIELD_ROWS
    {NULL, 0, NULL},
};

const char *const otw_tls_events[] = {
    OTW_TLS_EVENT_ROWS
    NULL,
};

/* RFC 8446 6 and RFC 5246 7.2 alert descriptions. */
static const struct otw_tok alert_names[] = {
    {0, "close_notify"}, {10, "unexpected_message"}, {20, "bad_record_mac"},
    {21, "decryption_failed"}, {22, "record_overflow"}, {30, "decompression_failure"},
    {40, "handshake_failure"}, {41, "no_certificate"}, {42, "bad_certificate"},
    {43, "unsupported_certificate"}, {44, "certificate_revoked"}, {45, "certificate_expired"},
    {46, "certificate_unknown"}, {47, "illegal_parameter"}, {48, "unknown_ca"},
    {49, "access_denied"}, {50, "decode_error"}, {51, "decrypt_error"},
    {60, "export_restriction"}, {70, "protocol_version"}, {71, "insufficient_security"},
    {80, "internal_error"}, {86, "inappropriate_fallback"}, {90, "user_canceled"},
    {100, "no_renegotiation"}, {109, "missing_extension"}, {110, "unsupported_extension"},
    {111, "certificate_unobtainable"}, {112, "unrecognized_name"},
    {113, "bad_certificate_status_response"}, {114, "bad_certificate_hash_value"},
    {115, "unknown_psk_identity"}, {116, "certificate_required"},
    {120, "no_application_protocol"}, {0, NULL},
};

static const struct otw_tok version_names[] = {
    {0x0300, "ssl3"}, {0x0301, "1.0"}, {0x0302, "1.1"}, {0x0303, "1.2"}, {0x0304, "1.3"}, {0, NULL},
};

/* GREASE (RFC 8701): 0x0a0a, 0x1a1a, ... 0xfafa. */
static int is_grease(uint16_t v)
{
    return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

/* A bounded string builder on the stack; overflow sets `over`. */
struct sbuf {
    char *b;
    size_t len, cap;
    int over;
};

static void sb_add(struct sbuf *s, const char *str, size_t n)
{
    if (s->len + n + 1 > s->cap) {
        s->over = 1;
        return;
    }
    memcpy(s->b + s->len, str, n);
    s->len += n;
    s->b[s->len] = '\0';
}

static void sb_dec(struct sbuf *s, unsigned v)
{
    char t[12];
    int n = snprintf(t, sizeof(t), "%u", v);
    sb_add(s, t, (size_t)n);
}

static void sb_hex4(struct sbuf *s, uint16_t v)
{
    static const char hx[] = "0123456789abcdef";
    char t[4] = {hx[v >> 12], hx[(v >> 8) & 15], hx[(v >> 4) & 15], hx[v & 15]};
    sb_add(s, t, 4);
}

static void hexify(const uint8_t *d, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hx[d[i] >> 4];
        out[2 * i + 1] = hx[d[i] & 15];
    }
    out[2 * n] = '\0';
}

static int digest(const EVP_MD *md, const char *s, size_t n, uint8_t *out, unsigned *olen)
{
    return EVP_Digest(s, n, out, olen, md, NULL) == 1 ? 0 : -1;
}

static int cmp_u16(const void *a, const void *b)
{
    uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;
    return (x > y) - (x < y);
}

struct hello {
    uint16_t version, maxver;   /* legacy_version; highest supported_versions entry */
    uint16_t ciphers[TLS_MAX_LIST], exts[TLS_MAX_LIST], groups[TLS_MAX_LIST], sigalgs[TLS_MAX_LIST];
    uint8_t pfmts[32];
    unsigned nciphers, nexts, ngroups, nsigalgs, npfmts;
    int has_sni;
    const uint8_t *alpn1;       /* first ALPN protocol name */
    size_t alpn1_len;
};

static void list_add(uint16_t *l, unsigned *n, uint16_t v)
{
    if (*n < TLS_MAX_LIST)
        l[(*n)++] = v;
}

/* JA4 version code of a TLS/SSL version number. */
static const char *ja4_ver(uint16_t v)
{
    switch (v) {
    case 0x0304: return "13";
    case 0x0303: return "12";
    case 0x0302: return "11";
    case 0x0301: return "10";
    case 0x0300: return "s3";
    case 0x0002: return "s2";
    default: return (v >> 8) == 0x7f ? "13" : "00";  /* 0x7fxx: TLS 1.3 drafts */
    }
}

static int alnum(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static void record_ja4(struct otw_app *a, const struct hello *h)
{
    char raw[TLS_MAX_LIST * 5 * 2 + 8], out[64], hx[65];
    struct sbuf s = {raw, 0, sizeof(raw), 0};
    uint16_t sorted[TLS_MAX_LIST];
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned mdlen, n;
    char alpn[3] = "00";
    char part_b[13] = "000000000000", part_c[13] = "000000000000";

    if (h->alpn1_len > 0) {
        static const char hxd[] = "0123456789abcdef";
        uint8_t f = h->alpn1[0], l = h->alpn1[h->alpn1_len - 1];
        if (alnum(f) && alnum(l)) {
            alpn[0] = (char)f;
            alpn[1] = (char)l;
        } else {
            alpn[0] = hxd[f >> 4];
            alpn[1] = hxd[l & 15];
        }
    }
    if (h->nciphers > 0) {
        memcpy(sorted, h->ciphers, h->nciphers * sizeof(uint16_t));
        qsort(sorted, h->nciphers, sizeof(uint16_t), cmp_u16);
        for (unsigned i = 0; i < h->nciphers; i++) {
            if (i)
                sb_add(&s, ",", 1);
            sb_hex4(&s, sorted[i]);
        }
        if (!s.over && digest(EVP_sha256(), raw, s.len, md, &mdlen) == 0) {
            hexify(md, 6, hx);
            memcpy(part_b, hx, 12);
        }
    }
    n = 0;
    for (unsigned i = 0; i < h->nexts; i++)
        if (h->exts[i] != 0x0000 && h->exts[i] != 0x0010)
            sorted[n++] = h->exts[i];
    if (n > 0) {
        s.len = 0;
        s.over = 0;
        qsort(sorted, n, sizeof(uint16_t), cmp_u16);
        for (unsigned i = 0; i < n; i++) {
            if (i)
                sb_add(&s, ",", 1);
            sb_hex4(&s, sorted[i]);
        }
        for (unsigned i = 0; i < h->nsigalgs; i++) {
            sb_add(&s, i ? "," : "_", 1);
            sb_hex4(&s, h->sigalgs[i]);
        }
        if (!s.over && digest(EVP_sha256(), raw, s.len, md, &mdlen) == 0) {
            hexify(md, 6, hx);
            memcpy(part_c, hx, 12);
        }
    }
    snprintf(out, sizeof(out), "t%s%c%02u%02u%s_%s_%s", ja4_ver(h->maxver ? h->maxver : h->version),
             h->has_sni ? 'd' : 'i', OTW_MIN(h->nciphers, 99u), OTW_MIN(h->nexts, 99u), alpn, part_b,
             part_c);
    otw_app_strz(a, F_JA4, out);
}

static void record_ja3(struct otw_app *a, const struct hello *h)
{
    char raw[TLS_MAX_LIST * 4 * 6 + 64], hx[33];
    struct sbuf s = {raw, 0, sizeof(raw), 0};
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned mdlen;

    sb_dec(&s, h->version);
    sb_add(&s, ",", 1);
    for (unsigned i = 0; i < h->nciphers; i++) {
        if (i)
            sb_add(&s, "-", 1);
        sb_dec(&s, h->ciphers[i]);
    }
    sb_add(&s, ",", 1);
    for (unsigned i = 0; i < h->nexts; i++) {
        if (i)
            sb_add(&s, "-", 1);
        sb_dec(&s, h->exts[i]);
    }
    sb_add(&s, ",", 1);
    for (unsigned i = 0; i < h->ngroups; i++) {
        if (i)
            sb_add(&s, "-", 1);
        sb_dec(&s, h->groups[i]);
    }
    sb_add(&s, ",", 1);
    for (unsigned i = 0; i < h->npfmts; i++) {
        if (i)
            sb_add(&s, "-", 1);
        sb_dec(&s, h->pfmts[i]);
    }
    if (s.over || digest(EVP_md5(), raw, s.len, md, &mdlen) != 0)
        return;
    hexify(md, 16, hx);
    otw_app_str(a, F_JA3, hx, 32);
}

/* ClientHello (RFC 8446 4.1.2):
 *   legacy_version(2) random(32) session_id<0..32> cipher_suites<2..2^16-2>
 *   legacy_compression_methods<1..2^8-1> extensions<0..2^16-1>
 *   extension: type(2) length(2) data */
static void client_hello(struct otw_tls *t, struct otw_app *a, const uint8_t *p, size_t len)
{
    struct otw_cur c, e;
    struct hello h;
    size_t n;

    memset(&h, 0, sizeof(h));
    otw_cur_init(&c, p, len);
    h.version = otw_cur_be16(&c);
    otw_cur_skip(&c, 32);
    n = otw_cur_u8(&c);
    if (n > 32)
        goto bad;
    otw_cur_skip(&c, n);
    n = otw_cur_be16(&c);
    if (n & 1)
        goto bad;
    for (size_t i = 0; i < n / 2; i++) {
        uint16_t cs = otw_cur_be16(&c);
        if (!is_grease(cs))
            list_add(h.ciphers, &h.nciphers, cs);
    }
    n = otw_cur_u8(&c);
    otw_cur_skip(&c, n);
    if (c.err)
        goto bad;
    if (otw_cur_left(&c) >= 2) {
        n = otw_cur_be16(&c);
        if (n > otw_cur_left(&c))
            goto bad;
        otw_cur_init(&e, otw_cur_ptr(&c, n), n);
        while (otw_cur_left(&e) >= 4) {
            uint16_t et = otw_cur_be16(&e), el = otw_cur_be16(&e);
            const uint8_t *ed = otw_cur_ptr(&e, el);
            struct otw_cur x;
            if (ed == NULL)
                goto bad;
            otw_cur_init(&x, ed, el);
            if (is_grease(et))
                continue;
            list_add(h.exts, &h.nexts, et);
            switch (et) {
            case 0x0000: { /* server_name: list<2> of {type(1) name<2>} */
                otw_cur_be16(&x);
                while (otw_cur_left(&x) >= 3) {
                    uint8_t nt = otw_cur_u8(&x);
                    uint16_t nl = otw_cur_be16(&x);
                    const uint8_t *nm = otw_cur_ptr(&x, nl);
                    if (nm == NULL)
                        break;
                    if (nt == 0 && !h.has_sni) {
                        h.has_sni = 1;
                        otw_app_str(a, F_SNI, (const char *)nm, nl);
                    }
                }
                break;
            }
            case 0x0010: /* ALPN: list<2> of name<1> */
                otw_cur_be16(&x);
                while (otw_cur_left(&x) >= 1) {
                    uint8_t nl = otw_cur_u8(&x);
                    const uint8_t *nm = otw_cur_ptr(&x, nl);
                    if (nm == NULL || nl == 0)
                        break;
                    if (h.alpn1 == NULL) {
                        h.alpn1 = nm;
                        h.alpn1_len = nl;
                    }
                    otw_app_str(a, F_ALPN, (const char *)nm, nl);
                }
                break;
            case 0x000a: /* supported_groups<2> */
                otw_cur_be16(&x);
                while (otw_cur_left(&x) >= 2) {
                    uint16_t g = otw_cur_be16(&x);
                    if (!is_grease(g))
                        list_add(h.groups, &h.ngroups, g);
                }
                break;
            case 0x000b: { /* ec_point_formats<1> */
                uint8_t k = otw_cur_u8(&x);
                while (k-- > 0 && otw_cur_left(&x) >= 1) {
                    uint8_t f = otw_cur_u8(&x);
                    if (h.npfmts < OTW_ARRAY_LEN(h.pfmts))
                        h.pfmts[h.npfmts++] = f;
                }
                break;
            }
            case 0x000d: /* signature_algorithms<2> */
                otw_cur_be16(&x);
                while (otw_cur_left(&x) >= 2)
                    list_add(h.sigalgs, &h.nsigalgs, otw_cur_be16(&x));
                break;
            case 0x002b: { /* supported_versions<1> */
                uint8_t k = otw_cur_u8(&x);
                for (unsigned i = 0; i + 1 < k && otw_cur_left(&x) >= 2; i += 2) {
                    uint16_t v = otw_cur_be16(&x);
                    if (!is_grease(v) && v > h.maxver)
                        h.maxver = v;
                }
                break;
            }
            default:
                break;
            }
        }
    }
    record_ja3(a, &h);
    record_ja4(a, &h);
    t->hello_done = 1;
    return;
bad:
    otw_app_event(a, EV_BAD_HELLO);
}

/* ServerHello (RFC 8446 4.1.3): legacy_version(2) random(32) session_id<0..32>
 * cipher_suite(2) compression(1) extensions<0..2^16-1>. */
static void server_hello(struct otw_app *a, const uint8_t *p, size_t len)
{
    struct otw_cur c;
    uint16_t ver, cs;
    size_t n;

    otw_cur_init(&c, p, len);
    ver = otw_cur_be16(&c);
    otw_cur_skip(&c, 32);
    if ((ver >> 8) == 0x7f) {
        /* TLS 1.3 drafts (draft-ietf-tls-tls13-18 4.1.3): no session_id, no compression. */
        cs = otw_cur_be16(&c);
    } else {
        n = otw_cur_u8(&c);
        if (n > 32) {
            otw_app_event(a, EV_BAD_HELLO);
            return;
        }
        otw_cur_skip(&c, n);
        cs = otw_cur_be16(&c);
        otw_cur_u8(&c);
    }
    if (c.err) {
        otw_app_event(a, EV_BAD_HELLO);
        return;
    }
    if (otw_cur_left(&c) >= 2) {
        n = otw_cur_be16(&c);
        while (n >= 4 && otw_cur_left(&c) >= 4) {
            uint16_t et = otw_cur_be16(&c), el = otw_cur_be16(&c);
            if (el > n - 4 || el > otw_cur_left(&c))
                break;
            if (et == 0x002b && el == 2) /* supported_versions: selected_version */
                ver = otw_be16(c.p);
            otw_cur_skip(&c, el);
            n -= 4u + el;
        }
    }
    if ((ver >> 8) == 0x7f)
        ver = 0x0304;
    otw_app_strz(a, F_VERSION, otw_tok_str(version_names, ver, "unknown"));
    otw_app_int(a, F_CIPHER, cs);
}

static void name_str(struct otw_app *a, const char *field, X509_NAME *nm)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *d;
    long n;

    if (b == NULL)
        return;
    if (X509_NAME_print_ex(b, nm, 0, XN_FLAG_RFC2253) >= 0) {
        d = NULL;
        n = BIO_get_mem_data(b, &d);
        if (n > 0 && d != NULL) /* an empty name gives no buffer at all */
            otw_app_str(a, field, d, (size_t)n);
    }
    BIO_free(b);
}

static void time_str(struct otw_app *a, const char *field, const ASN1_TIME *at)
{
    struct tm tm;
    char out[96];

    if (at == NULL || ASN1_TIME_to_tm(at, &tm) != 1)
        return;
    snprintf(out, sizeof(out), "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    otw_app_strz(a, field, out);
}

/* One DER TLV header (X.690 8.1): single-byte tags only, definite lengths of
 * at most 4 bytes. Leaves the cursor at the value; returns its length. */
static size_t der_tlv(struct otw_cur *c, uint8_t *tag)
{
    size_t n;
    uint8_t l;

    *tag = otw_cur_u8(c);
    l = otw_cur_u8(c);
    if (l & 0x80) {
        unsigned k = l & 0x7f;
        if (k == 0 || k > 4) {
            c->err = 1;
            return 0;
        }
        n = 0;
        while (k-- > 0)
            n = (n << 8) | otw_cur_u8(c);
    } else {
        n = l;
    }
    if (n > otw_cur_left(c))
        c->err = 1;
    return c->err ? 0 : n;
}

/* Certificate (RFC 5246 7.4.2): certificate_list<3> of ASN.1Cert<3> (DER).
 * Only the names and validity of the leaf are wanted, so the TBSCertificate
 * (RFC 5280 4.1) is walked here and just those parts are decoded: a full
 * d2i_X509 would also decode the public key, which costs more than
 * everything else this parser does. */
static void certificate(struct otw_tls *t, struct otw_app *a, const uint8_t *p, size_t len)
{
    struct otw_cur c;
    uint32_t total, n;
    uint8_t tag;
    size_t l;
    const uint8_t *issuer, *validity, *subject, *q;
    size_t issuer_len, validity_len, subject_len;
    X509_NAME *nm;
    ASN1_TIME *tm;

    otw_cur_init(&c, p, len);
    total = (uint32_t)otw_cur_u8(&c) << 16;
    total |= otw_cur_be16(&c);
    if (c.err || total != otw_cur_left(&c))
        goto bad;
    if (total == 0)
        return;
    n = (uint32_t)otw_cur_u8(&c) << 16;
    n |= otw_cur_be16(&c);
    q = otw_cur_ptr(&c, n);
    if (q == NULL)
        goto bad;
    otw_cur_init(&c, q, n);
    l = der_tlv(&c, &tag);                      /* Certificate SEQUENCE */
    if (tag != 0x30)
        goto bad;
    l = der_tlv(&c, &tag);                      /* tbsCertificate SEQUENCE */
    if (tag != 0x30)
        goto bad;
    otw_cur_init(&c, c.p, l);
    if (otw_cur_left(&c) > 0 && c.p[0] == 0xa0) {   /* [0] EXPLICIT version */
        l = der_tlv(&c, &tag);
        otw_cur_skip(&c, l);
    }
    l = der_tlv(&c, &tag);                      /* serialNumber */
    otw_cur_skip(&c, l);
    l = der_tlv(&c, &tag);                      /* signature AlgorithmIdentifier */
    otw_cur_skip(&c, l);
    issuer = c.p;
    l = der_tlv(&c, &tag);
    otw_cur_skip(&c, l);
    issuer_len = c.err ? 0 : (size_t)(c.p - issuer);
    l = der_tlv(&c, &tag);
    validity_len = l;
    validity = c.p;
    otw_cur_skip(&c, l);
    subject = c.p;
    l = der_tlv(&c, &tag);
    otw_cur_skip(&c, l);
    subject_len = c.err ? 0 : (size_t)(c.p - subject);
    if (c.err)
        goto bad;
    t->cert_done = 1;
    q = subject;
    if ((nm = d2i_X509_NAME(NULL, &q, (long)subject_len)) != NULL) {
        name_str(a, F_SUBJECT, nm);
        X509_NAME_free(nm);
    }
    q = issuer;
    if ((nm = d2i_X509_NAME(NULL, &q, (long)issuer_len)) != NULL) {
        name_str(a, F_ISSUER, nm);
        X509_NAME_free(nm);
    }
    /* Validity ::= SEQUENCE { notBefore Time, notAfter Time } */
    otw_cur_init(&c, validity, validity_len);
    for (int i = 0; i < 2; i++) {
        const uint8_t *tstart = c.p;
        l = der_tlv(&c, &tag);
        otw_cur_skip(&c, l);
        if (c.err)
            break;
        q = tstart;
        if ((tm = d2i_ASN1_TIME(NULL, &q, (long)(c.p - tstart))) != NULL) {
            time_str(a, i == 0 ? F_NOT_BEFORE : F_NOT_AFTER, tm);
            ASN1_TIME_free(tm);
        }
    }
    return;
bad:
    otw_app_event(a, EV_BAD_CERT);
}

static void handshake_msg(struct otw_tls *t, struct otw_app *a, int dir, const uint8_t *m, size_t len)
{
    const uint8_t *body = m + 4;
    size_t blen = len - 4;

    switch (m[0]) {
    case HS_CLIENT_HELLO:
        if (!t->hello_done)
            client_hello(t, a, body, blen);
        break;
    case HS_SERVER_HELLO:
        server_hello(a, body, blen);
        break;
    case HS_CERTIFICATE:
        /* The server's chain; a client certificate (mutual TLS) is not recorded. */
        if (dir == OTW_DIR_TO_CLIENT && !t->cert_done)
            certificate(t, a, body, blen);
        break;
    default:
        break;
    }
}

static uint32_t len24(const uint8_t *p)
{
    return ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* Feeds one plaintext handshake fragment into the direction's message stream. */
static void handshake_bytes(struct otw_tls *t, struct otw_app *a, int dir, const uint8_t *p, size_t len)
{
    struct otw_tls_dir *d = &t->d[dir];

    while (len > 0) {
        size_t n, need;
        if (d->hs_skip) {
            n = OTW_MIN((size_t)d->hs_skip, len);
            d->hs_skip -= (uint32_t)n;
            p += n;
            len -= n;
            continue;
        }
        if (d->hs_len == 0 && len >= 4 && len24(p) + 4u <= len) {
            n = len24(p) + 4u;
            handshake_msg(t, a, dir, p, n);
            p += n;
            len -= n;
            continue;
        }
        if (d->hs == NULL && (d->hs = malloc(TLS_HS_MAX)) == NULL)
            return;
        if (d->hs_len < 4) {
            n = OTW_MIN(4u - d->hs_len, len);
            memcpy(d->hs + d->hs_len, p, n);
            d->hs_len += (uint32_t)n;
            p += n;
            len -= n;
            continue;
        }
        need = len24(d->hs) + 4u;
        if (need > TLS_HS_MAX) {
            otw_app_event(a, EV_HS_TOO_LONG);
            d->hs_skip = (uint32_t)(need - d->hs_len);
            d->hs_len = 0;
            continue;
        }
        n = OTW_MIN(need - d->hs_len, len);
        memcpy(d->hs + d->hs_len, p, n);
        d->hs_len += (uint32_t)n;
        p += n;
        len -= n;
        if (d->hs_len == need) {
            handshake_msg(t, a, dir, d->hs, need);
            d->hs_len = 0;
        }
    }
}

ssize_t otw_tls_parse(struct otw_tls *t, struct otw_app *a, int dir, const uint8_t *p, size_t len)
{
    struct otw_tls_dir *d = &t->d[dir & 1];
    size_t off = 0;

    dir &= 1;
    while (len - off >= 5) {
        uint8_t type = p[off];
        uint16_t ver = otw_be16(p + off + 1), rlen = otw_be16(p + off + 3);
        const uint8_t *frag = p + off + 5;

        if (type < REC_CCS || type > REC_HEARTBEAT || (ver >> 8) != 3 || (ver & 0xff) > 4 ||
            rlen > TLS_REC_MAX) {
            otw_app_event(a, EV_BAD_RECORD);
            return -1;
        }
        if (len - off - 5 < rlen)
            break;
        switch (type) {
        case REC_CCS:
            /* Later handshake records of this direction are opaque: the
             * reassembly buffer is no longer needed. */
            d->encrypted = 1;
            free(d->hs);
            d->hs = NULL;
            d->hs_len = 0;
            d->hs_skip = 0;
            break;
        case REC_ALERT:
            if (!d->encrypted && rlen == 2)
                otw_app_strz(a, F_ALERT, otw_tok_str(alert_names, frag[1], "unknown"));
            break;
        case REC_HANDSHAKE:
            if (!d->encrypted)
                handshake_bytes(t, a, dir, frag, rlen);
            break;
        default:
            break;
        }
        off += 5u + rlen;
    }
    return (ssize_t)off;
}

void otw_tls_release(struct otw_tls *t)
{
    for (int i = 0; i < 2; i++) {
        free(t->d[i].hs);
        t->d[i].hs = NULL;
        t->d[i].hs_len = 0;
    }
}

int otw_tls_probe_bytes(const uint8_t *p, size_t len)
{
    /* type(1)=22 version(2)=0x0300..0x0304 length(2) msg_type(1) */
    if (p[0] != REC_HANDSHAKE)
        return OTW_PROBE_NO;
    if (len >= 2 && p[1] != 3)
        return OTW_PROBE_NO;
    if (len >= 3 && p[2] > 4)
        return OTW_PROBE_NO;
    if (len < 6)
        return OTW_PROBE_MORE;
    if (otw_be16(p + 3) < 4 || otw_be16(p + 3) > TLS_REC_MAX)
        return OTW_PROBE_NO;
    if (p[5] != HS_CLIENT_HELLO && p[5] != HS_SERVER_HELLO)
        return OTW_PROBE_NO;
    return OTW_PROBE_YES;
}

static int tls_probe(const uint8_t *p, size_t len, int dir, const struct otw_flowinfo *fi)
{
    return otw_tls_probe_bytes(p, len);
}

static ssize_t tls_parse(void *state, struct otw_app *a, int dir, const uint8_t *p, size_t len)
{
    return otw_tls_parse(state, a, dir, p, len);
}

static void tls_gap(void *state, struct otw_app *a, int dir, size_t lost)
{
    struct otw_tls *t = state;

    /* A lost handshake fragment cannot be rebuilt; later records are read if
     * the stream resumes at a record boundary, else the parser detaches. */
    t->d[dir & 1].hs_len = 0;
    t->d[dir & 1].hs_skip = 0;
}

static void tls_free(void *state)
{
    otw_tls_release(state);
}

static const uint16_t tls_ports[] = {443, 8443, 636, 993, 995, 465, 853, 0};

const struct otw_parser otw_parser_tls = {
    .name = "tls",
    .desc = "TLS / SSL 3.0 handshake",
    .transports = OTW_PT_TCP,
    .ports = tls_ports,
    .probe = tls_probe,
    .state_size = sizeof(struct otw_tls),
    .parse = tls_parse,
    .gap = tls_gap,
    .finish = NULL,
    .free = tls_free,
    .fields = otw_tls_fields,
    .events = otw_tls_events,
};
