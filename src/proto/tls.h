/*
 * tls.h - the TLS record/handshake reader, shared by the TLS parser (tls.c)
 * and by parsers whose stream switches to TLS part-way (rdp.c: RDP
 * negotiates TLS or CredSSP in X.224 and then runs TLS on the same TCP
 * connection). The owner embeds a struct otw_tls in its own state (zeroed),
 * feeds it with otw_tls_parse() exactly like a parser's parse(), and calls
 * otw_tls_release() from its free().
 */
#ifndef OTW_TLS_H
#define OTW_TLS_H

#include "proto/proto.h"

struct otw_tls_dir {
    uint8_t *hs;        /* handshake message reassembly, lazily allocated (TLS_HS_MAX); owned */
    uint32_t hs_len;    /* bytes held in hs */
    uint32_t hs_skip;   /* handshake bytes still to discard (message over the cap) */
    uint8_t encrypted;  /* ChangeCipherSpec seen: later handshake records are opaque */
};

struct otw_tls {
    struct otw_tls_dir d[2];
    uint8_t cert_done;  /* the server's leaf certificate was recorded */
    uint8_t hello_done; /* a ClientHello was fingerprinted */
};

/* Parses TLS records of direction `dir`; same contract as otw_parser.parse(). */
ssize_t otw_tls_parse(struct otw_tls *t, struct otw_app *a, int dir, const uint8_t *p, size_t len);
/* Frees the reassembly buffers (not `t` itself). */
void otw_tls_release(struct otw_tls *t);
/* True if p starts like a TLS handshake record carrying a ClientHello or ServerHello;
 * OTW_PROBE_* result. */
int otw_tls_probe_bytes(const uint8_t *p, size_t len);

/* The TLS fields and events, as rows for the fields[]/events[] of every
 * parser that records them (tls, rdp); the names match tls.c's F_ and EV_
 * strings. */
#define OTW_TLS_FIELD_ROWS \
    {"tls.version", OTW_PF_STR, "negotiated TLS version from the ServerHello: 1.0, 1.1, 1.2, 1.3 (ssl3 for SSL 3.0)"}, \
    {"tls.cipher_code", OTW_PF_INT, "cipher suite selected by the server (IANA number)"}, \
    {"tls.sni", OTW_PF_STR, "server name the client asked for (SNI)"}, \
    {"tls.alpn", OTW_PF_STR, "application protocols offered by the client (ALPN)"}, \
    {"tls.ja3", OTW_PF_STR, "JA3 client fingerprint (MD5 hex)"}, \
    {"tls.ja4", OTW_PF_STR, "JA4 client fingerprint (FoxIO)"}, \
    {"tls.cert_subject", OTW_PF_STR, "server certificate subject (RFC 2253)"}, \
    {"tls.cert_issuer", OTW_PF_STR, "server certificate issuer (RFC 2253)"}, \
    {"tls.cert_not_before", OTW_PF_STR, "server certificate validity start (RFC 3339, UTC)"}, \
    {"tls.cert_not_after", OTW_PF_STR, "server certificate validity end (RFC 3339, UTC)"}, \
    {"tls.alert", OTW_PF_STR, "alert sent in the clear (handshake_failure, ...)"},
#define OTW_TLS_EVENT_ROWS \
    "tls.bad_record", "tls.bad_hello", "tls.bad_certificate", "tls.handshake_too_long",

extern const struct otw_pfield otw_tls_fields[];
extern const char *const otw_tls_events[];

#endif
