/*
 * reader.c - capture files in: pcap and pcapng, plain or gzip-compressed.
 *
 * The first stage of the pipeline (capture -> decode -> flow ...). The
 * importer calls otw_reader_next() once per packet, so this is the hot path of
 * an import that must reach several million packets per second: the file is
 * read with read(2) into one large buffer, records are returned zero-copy
 * pointing into it, and when a record does not fit the remaining bytes, the
 * partial tail is moved to the front and the buffer refilled. No allocation
 * and no system call per record. gzip input (magic 1f 8b, whatever the name)
 * goes through zlib's gzread() into the same buffer.
 *
 * Every length in the file is checked against what remains before it is used;
 * a fault stops the file with a message naming the path and the byte offset
 * (offset in the uncompressed stream for gzip), after every record before it
 * has been returned.
 *
 * Formats:
 *   pcap    https://datatracker.ietf.org/doc/draft-ietf-opsawg-pcap/
 *   pcapng  https://datatracker.ietf.org/doc/draft-ietf-opsawg-pcapng/
 */
#include "capture/reader.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "core/cursor.h"

/* The read buffer. It must hold the largest block we accept whole (a pcapng
 * packet block: record + options), and is large enough that the read(2)
 * per refill costs nothing next to the records in it. */
#define RD_BUF_SIZE (2u * 1024u * 1024u)
/* Bytes asked of gzread() at a time: zlib drops the bytes of a call that ends
 * in a data error, so smaller calls keep the reported offset close. */
#define RD_GZ_CHUNK (128u * 1024u)
/* Interfaces per pcapng section: more is certainly a damaged file. */
#define RD_MAX_IFACES 65536u

/* pcap magic numbers, as read little-endian from the first four bytes. */
#define PCAP_MAGIC_US 0xa1b2c3d4u
#define PCAP_MAGIC_NS 0xa1b23c4du
#define PCAP_MAGIC_MOD 0xa1b2cd34u /* Kuznetzov's "modified" pcap */

/* pcapng block types (draft-ietf-opsawg-pcapng section 11.1). */
#define NG_SHB 0x0a0d0d0au
#define NG_IDB 0x00000001u
#define NG_PB 0x00000002u /* obsolete Packet Block */
#define NG_SPB 0x00000003u
#define NG_NRB 0x00000004u
#define NG_ISB 0x00000005u
#define NG_EPB 0x00000006u
#define NG_SJE 0x00000009u
#define NG_DSB 0x0000000au
#define NG_CB_COPY 0x00000badu
#define NG_CB_NOCOPY 0x40000badu
#define NG_BOM 0x1a2b3c4du

/* IDB options. */
#define NG_OPT_END 0
#define NG_OPT_IF_TSRESOL 9
#define NG_OPT_IF_FCSLEN 13
#define NG_OPT_IF_TSOFFSET 14

/* pcap LinkType field (draft-ietf-opsawg-pcap section 4):
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |FCS len|R|P|     Reserved3     |        Link-layer type        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * P set: every packet ends with an FCS of "FCS len" 16-bit words. */
#define LT_LINKTYPE(x) ((int)((x) & 0xffffu))
#define LT_FCS_PRESENT(x) (((x) & 0x04000000u) != 0)
#define LT_FCS_WORDS(x) (((x) >> 28) & 0xfu)

enum ts_mode { TS_MUL, TS_DIV, TS_BIN };

struct rd_iface {
    int linktype;
    uint32_t snaplen;       /* 0: no limit */
    uint8_t ts_mode;        /* enum ts_mode */
    uint8_t ts_shift;       /* TS_BIN: units are 2^-shift s */
    uint8_t fcs_len;        /* bytes of FCS at the end of each frame */
    uint64_t ts_fac;        /* TS_MUL/TS_DIV factor to microseconds */
    uint64_t ts_off_us;     /* if_tsoffset in microseconds (two's complement) */
};

enum rd_warn { W_SNAPLEN, W_ORIGLEN, W_BLOCK, W_NKINDS };

struct otw_reader {
    /* The buffer: bytes [pos, end) are read and not yet consumed; buf[0] is
     * at offset `base` of the (uncompressed) stream. */
    uint8_t *buf;
    size_t pos;
    size_t end;
    uint64_t base;
    bool eof;

    int (*next)(struct otw_reader *r, struct otw_rec *rec, struct otw_err *err);
    bool be;                /* file fields are big-endian */
    bool ns;                /* pcap: nanosecond fractions */
    uint32_t hdrlen;        /* pcap record header: 16, or 24 (modified) */
    uint32_t snap_chk;      /* pcap: snaplen, or UINT32_MAX when 0 */
    int linktype;           /* pcap */
    uint8_t fcs_len;        /* pcap */
    uint64_t index;

    struct rd_iface *ifaces; /* pcapng: this section's interfaces */
    uint32_t n_ifaces;
    uint32_t cap_ifaces;

    int fd;
    gzFile gz;              /* non-NULL: gzip input; owns fd */
    bool gz_bad;            /* gzread failed: the stream ends here */
    char gz_msg[128];

    bool done;              /* clean end of file reached */
    int failed;             /* 0, or the error code every later call returns */
    struct otw_err failed_err;

    otw_reader_warn_fn warn;
    void *warn_ctx;
    uint64_t warn_n[W_NKINDS];
    uint64_t warnings;

    char format[24];
    char *path;
};

/* ---- byte order --------------------------------------------------------- */

static inline uint32_t rd32(const struct otw_reader *r, const uint8_t *p)
{
    return r->be ? otw_be32(p) : otw_le32(p);
}

static inline uint16_t rd16(const struct otw_reader *r, const uint8_t *p)
{
    return r->be ? otw_be16(p) : otw_le16(p);
}

static inline uint16_t cur16(const struct otw_reader *r, struct otw_cur *c)
{
    return r->be ? otw_cur_be16(c) : otw_cur_le16(c);
}

/* ---- errors and warnings ------------------------------------------------ */

/* " (uncompressed offset)" after every offset of a gzip file. */
static const char *off_note(const struct otw_reader *r)
{
    return r->gz != NULL ? " (uncompressed offset)" : "";
}

/* Fills err with "<path>: <message>", remembers it, and returns code: after
 * an error the reader returns the same error again. */
static int fail(struct otw_reader *r, struct otw_err *err, int code, int64_t off,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int fail(struct otw_reader *r, struct otw_err *err, int code, int64_t off,
                const char *fmt, ...)
{
    char msg[400];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    otw_err_set(&r->failed_err, off, "%s: %s", r->path, msg);
    r->failed = code;
    if (err != NULL)
        *err = r->failed_err;
    return code;
}

static void warn(struct otw_reader *r, enum rd_warn kind, uint64_t off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void warn(struct otw_reader *r, enum rd_warn kind, uint64_t off, const char *fmt, ...)
{
    char msg[400];
    va_list ap;

    r->warnings++;
    if (r->warn_n[kind]++ > 0 || r->warn == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    r->warn(r->warn_ctx, r->path, off, msg);
}

/* At the end of a file, one line per kind of warning that repeated. */
static void warn_summary(struct otw_reader *r)
{
    static const char *const what[W_NKINDS] = {
        [W_SNAPLEN] = "records longer than the snapshot length",
        [W_ORIGLEN] = "records with captured length above the original length",
        [W_BLOCK] = "blocks of unknown type skipped",
    };
    char msg[160];
    int k;

    if (r->warn == NULL)
        return;
    for (k = 0; k < W_NKINDS; k++) {
        if (r->warn_n[k] < 2)
            continue;
        snprintf(msg, sizeof(msg), "%" PRIu64 " %s in all", r->warn_n[k], what[k]);
        r->warn(r->warn_ctx, r->path, r->base + r->pos, msg);
    }
}

/* ---- the buffer --------------------------------------------------------- */

static inline uint64_t stream_off(const struct otw_reader *r)
{
    return r->base + r->pos;
}

static inline size_t avail(const struct otw_reader *r)
{
    return r->end - r->pos;
}

/* Reads into buf[end, RD_BUF_SIZE). Returns bytes read, 0 at end of input,
 * or a negative error (err filled). */
static ssize_t fill_once(struct otw_reader *r, struct otw_err *err)
{
    size_t room = RD_BUF_SIZE - r->end;
    ssize_t n;

    if (r->gz != NULL) {
        int e = Z_OK;
        const char *m;
        int k = gzread(r->gz, r->buf + r->end, (unsigned)OTW_MIN(room, RD_GZ_CHUNK));

        if (k > 0)
            return k;
        m = gzerror(r->gz, &e);
        if (k < 0 || e != Z_OK) {
            /* A damaged or cut-short stream: the records fully inflated so
             * far are still returned, then this error (see at_end()). */
            r->gz_bad = true;
            if (e == Z_ERRNO)
                m = strerror(errno);
            else if (m != NULL && strncmp(m, "<fd:", 4) == 0 && strstr(m, ": ") != NULL)
                m = strstr(m, ": ") + 2;    /* zlib's "<fd:3>: " names no file */
            snprintf(r->gz_msg, sizeof(r->gz_msg), "%s", m != NULL ? m : "unknown error");
        }
        return 0;
    }
    for (;;) {
        n = read(r->fd, r->buf + r->end, room);
        if (n >= 0)
            return n;
        if (errno != EINTR)
            break;
    }
    return fail(r, err, OTW_EIO, (int64_t)(r->base + r->end), "read error at offset %" PRIu64 ": %s",
                r->base + r->end, strerror(errno));
}

/* Makes at least `need` bytes available at pos if the input has them
 * (need <= RD_BUF_SIZE). Returns 0 (check avail() for what there is) or a
 * negative error. */
static int refill(struct otw_reader *r, size_t need, struct otw_err *err)
{
    ssize_t n;

    if (avail(r) >= need)
        return 0;
    if (r->pos > 0) {
        size_t tail = avail(r);

        memmove(r->buf, r->buf + r->pos, tail);
        r->base += r->pos;
        r->pos = 0;
        r->end = tail;
    }
    while (!r->eof && r->end < RD_BUF_SIZE && avail(r) < need) {
        n = fill_once(r, err);
        if (n < 0)
            return (int)n;
        if (n == 0)
            r->eof = true;
        r->end += (size_t)n;
    }
    return 0;
}

/* The input ended where a record or block should start, or inside one.
 * A damaged gzip stream is the real cause when there is one. */
static int gz_failure(struct otw_reader *r, struct otw_err *err)
{
    uint64_t reached = r->base + r->end;

    return fail(r, err, OTW_EFORMAT, (int64_t)reached,
                "damaged gzip stream: %s, at offset %" PRIu64 " (uncompressed offset)", r->gz_msg,
                reached);
}

static int at_end(struct otw_reader *r, struct otw_err *err)
{
    if (r->gz_bad)
        return gz_failure(r, err);
    if (!r->done)
        warn_summary(r);
    r->done = true;
    return 0;
}

static int truncated(struct otw_reader *r, struct otw_err *err, uint64_t need)
{
    if (r->gz_bad)
        return gz_failure(r, err);
    return fail(r, err, OTW_ETRUNC, (int64_t)stream_off(r),
                "truncated record at offset %" PRIu64 "%s (needs %" PRIu64 " bytes, %zu present)",
                stream_off(r), off_note(r), need, avail(r));
}

/* Consumes n bytes, which may be more than the buffer holds (skipped blocks).
 * On a short input returns the truncation error for the block at block_off
 * of length need. */
static int skip(struct otw_reader *r, uint64_t n, uint64_t block_off, uint64_t need,
                struct otw_err *err)
{
    int rc;

    while (n > 0) {
        size_t k;

        if (avail(r) == 0) {
            rc = refill(r, 1, err);
            if (rc < 0)
                return rc;
            if (avail(r) == 0) {
                if (r->gz_bad)
                    return gz_failure(r, err);
                return fail(r, err, OTW_ETRUNC, (int64_t)block_off,
                            "truncated record at offset %" PRIu64 "%s (needs %" PRIu64
                            " bytes, %" PRIu64 " present)",
                            block_off, off_note(r), need, stream_off(r) - block_off);
            }
        }
        k = (size_t)OTW_MIN((uint64_t)avail(r), n);
        r->pos += k;
        n -= k;
    }
    return 0;
}

/* ---- common record checks ----------------------------------------------- */

static int too_long(struct otw_reader *r, struct otw_err *err, uint64_t off, uint32_t caplen)
{
    return fail(r, err, OTW_EFORMAT, (int64_t)off,
                "record at offset %" PRIu64 "%s claims %" PRIu32 " bytes, more than %u", off,
                off_note(r), caplen, OTW_MAX_RECORD);
}

static void warn_snaplen(struct otw_reader *r, uint64_t off, uint32_t caplen, uint32_t snaplen)
{
    warn(r, W_SNAPLEN, off,
         "record at offset %" PRIu64 "%s has %" PRIu32 " bytes, more than the snapshot length %" PRIu32
         " (kept; further such records are only counted)",
         off, off_note(r), caplen, snaplen);
}

static void warn_origlen(struct otw_reader *r, uint64_t off, uint32_t caplen, uint32_t len)
{
    warn(r, W_ORIGLEN, off,
         "record at offset %" PRIu64 "%s has %" PRIu32 " captured bytes but an original length of %" PRIu32
         " (original length taken as %" PRIu32 "; further such records are only counted)",
         off, off_note(r), caplen, len, caplen);
}

/* ---- pcap --------------------------------------------------------------- */

/* Record header (16 bytes; the modified format adds ifindex(4), protocol(2),
 * pkt_type(1), pad(1)):
 *
 *   +---------------------------------------------------------------+
 *   |                      Timestamp (seconds)                      |
 *   |             Timestamp (micro- or nanoseconds)                 |
 *   |                    Captured Packet Length                     |
 *   |                    Original Packet Length                     |
 *   +---------------------------------------------------------------+
 */
static int pcap_next(struct otw_reader *r, struct otw_rec *rec, struct otw_err *err)
{
    const size_t hl = r->hdrlen;
    const uint8_t *p;
    uint32_t sec, frac, caplen, len;
    uint64_t off;
    int rc;

    if (OTW_UNLIKELY(avail(r) < hl)) {
        rc = refill(r, hl, err);
        if (rc < 0)
            return rc;
        if (avail(r) == 0)
            return at_end(r, err);
        if (avail(r) < hl)
            return truncated(r, err, hl);
    }
    p = r->buf + r->pos;
    sec = rd32(r, p);
    frac = rd32(r, p + 4);
    caplen = rd32(r, p + 8);
    len = rd32(r, p + 12);
    if (OTW_UNLIKELY(caplen > OTW_MAX_RECORD))
        return too_long(r, err, stream_off(r), caplen);
    if (OTW_UNLIKELY(avail(r) - hl < caplen)) {
        rc = refill(r, hl + caplen, err);
        if (rc < 0)
            return rc;
        if (avail(r) < hl + caplen)
            return truncated(r, err, hl + caplen);
        p = r->buf + r->pos;
    }
    off = stream_off(r);
    if (OTW_UNLIKELY(caplen > r->snap_chk))
        warn_snaplen(r, off, caplen, r->snap_chk);
    if (OTW_UNLIKELY(caplen > len)) {
        warn_origlen(r, off, caplen, len);
        len = caplen;
    }
    rec->ts_us = (int64_t)sec * 1000000 + (int64_t)(r->ns ? frac / 1000u : frac);
    rec->caplen = caplen;
    rec->len = len;
    rec->linktype = r->linktype;
    rec->iface = 0;
    rec->data = p + hl;
    rec->offset = off;
    rec->index = ++r->index;
    r->pos += hl + caplen;
    return 1;
}

/* File header (24 bytes):
 *
 *   +---------------------------------------------------------------+
 *   |                          Magic Number                         |
 *   |         Major Version         |         Minor Version         |
 *   |                           Reserved1 (thiszone)                |
 *   |                           Reserved2 (sigfigs)                 |
 *   |                            SnapLen                            |
 *   | FCS |f|0 0 0 0 0 0 0 0 0 0 0 0|         LinkType              |
 *   +---------------------------------------------------------------+
 */
static int pcap_open(struct otw_reader *r, uint32_t magic, bool be, struct otw_err *err)
{
    const uint8_t *p = r->buf + r->pos;
    uint16_t major, minor;
    uint32_t snaplen, lt;

    if (avail(r) < 24)
        return fail(r, err, OTW_ETRUNC, 0, "pcap file header cut short (needs 24 bytes, %zu present)",
                    avail(r));
    r->be = be;
    r->ns = magic == PCAP_MAGIC_NS;
    r->hdrlen = magic == PCAP_MAGIC_MOD ? 24 : 16;
    major = rd16(r, p + 4);
    minor = rd16(r, p + 6);
    snaplen = rd32(r, p + 16);
    lt = rd32(r, p + 20);
    if (major != 2)
        return fail(r, err, OTW_EFORMAT, 4, "unsupported pcap version %u.%u (expected 2.x)", major, minor);
    r->snap_chk = snaplen != 0 ? snaplen : UINT32_MAX;
    r->linktype = LT_LINKTYPE(lt);
    r->fcs_len = LT_FCS_PRESENT(lt) ? (uint8_t)(LT_FCS_WORDS(lt) * 2) : 0;
    r->pos += 24;
    r->next = pcap_next;
    snprintf(r->format, sizeof(r->format), "%s%s",
             magic == PCAP_MAGIC_MOD ? "pcap-modified" : r->ns ? "pcap-ns" : "pcap",
             r->gz != NULL ? "+gzip" : "");
    return 0;
}

/* ---- pcapng ------------------------------------------------------------- */

/* General block structure (section 3.1):
 *
 *   +---------------------------------------------------------------+
 *   |                          Block Type                           |
 *   |                      Block Total Length                       |
 *   /                          Block Body                           /
 *   |                      Block Total Length                       |
 *   +---------------------------------------------------------------+
 */

static void iface_set_tsresol(struct rd_iface *f, uint8_t v)
{
    static const uint64_t pow10[] = {
        1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull,
        100000000ull, 1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull,
        10000000000000ull, 100000000000000ull, 1000000000000000ull, 10000000000000000ull,
        100000000000000000ull, 1000000000000000000ull, 10000000000000000000ull,
    };
    unsigned n = v & 0x7fu;

    if (v & 0x80u) {            /* units of 2^-n seconds */
        f->ts_mode = TS_BIN;
        f->ts_shift = (uint8_t)n;
    } else if (n <= 6) {        /* units of 10^-n seconds */
        f->ts_mode = TS_MUL;
        f->ts_fac = pow10[6 - n];
    } else {
        f->ts_mode = TS_DIV;
        f->ts_fac = pow10[OTW_MIN(n - 6, OTW_ARRAY_LEN(pow10) - 1)];
        if (n - 6 >= OTW_ARRAY_LEN(pow10))
            f->ts_fac = UINT64_MAX; /* finer than 10^-25 s: every time is ~0 */
    }
}

/* Unsigned arithmetic throughout: a hostile timestamp wraps, it is not UB. */
static inline int64_t iface_ts(const struct rd_iface *f, uint64_t t)
{
    uint64_t us;

    if (OTW_LIKELY(f->ts_mode == TS_MUL))
        us = t * f->ts_fac;
    else if (f->ts_mode == TS_DIV)
        us = t / f->ts_fac;
    else
        us = (uint64_t)(((unsigned __int128)t * 1000000u) >> f->ts_shift);
    return (int64_t)(us + f->ts_off_us);
}

/* Block body of an IDB (p at the Block Type, len checked >= 20):
 *
 *   |           LinkType            |           Reserved            |
 *   |                            SnapLen                            |
 *   /                      Options (variable)                       /
 */
static int ng_idb(struct otw_reader *r, const uint8_t *p, uint32_t len, uint64_t off,
                  struct otw_err *err)
{
    struct rd_iface f;
    struct otw_cur c;

    if (len < 20)
        return fail(r, err, OTW_EFORMAT, (int64_t)off,
                    "interface description block at offset %" PRIu64 "%s is %" PRIu32
                    " bytes, less than 20",
                    off, off_note(r), len);
    if (r->n_ifaces >= RD_MAX_IFACES)
        return fail(r, err, OTW_EFORMAT, (int64_t)off,
                    "interface description block at offset %" PRIu64 "%s: more than %u interfaces",
                    off, off_note(r), RD_MAX_IFACES);
    memset(&f, 0, sizeof(f));
    f.linktype = rd16(r, p + 8);
    f.snaplen = rd32(r, p + 12);
    iface_set_tsresol(&f, 6);
    otw_cur_init(&c, p + 16, len - 20);
    while (otw_cur_left(&c) >= 4) {
        uint16_t code = cur16(r, &c);
        uint16_t olen = cur16(r, &c);
        const uint8_t *v = otw_cur_ptr(&c, olen);

        if (v == NULL || code == NG_OPT_END)
            break;          /* an option overrunning the block: ignore the rest */
        otw_cur_skip(&c, (4u - (olen & 3u)) & 3u);
        if (code == NG_OPT_IF_TSRESOL && olen == 1)
            iface_set_tsresol(&f, v[0]);
        else if (code == NG_OPT_IF_TSOFFSET && olen == 8)
            f.ts_off_us = (r->be ? ((uint64_t)otw_be32(v) << 32) | otw_be32(v + 4)
                                 : ((uint64_t)otw_le32(v + 4) << 32) | otw_le32(v)) * 1000000u;
        else if (code == NG_OPT_IF_FCSLEN && olen == 1)
            f.fcs_len = v[0] / 8;   /* the option is in bits */
    }
    if (r->n_ifaces == r->cap_ifaces) {
        uint32_t ncap = r->cap_ifaces != 0 ? r->cap_ifaces * 2 : 4;
        struct rd_iface *n = realloc(r->ifaces, ncap * sizeof(*n));

        if (n == NULL)
            return fail(r, err, OTW_ENOMEM, (int64_t)off, "out of memory");
        r->ifaces = n;
        r->cap_ifaces = ncap;
    }
    r->ifaces[r->n_ifaces++] = f;
    return 0;
}

/* Section Header Block; the block starts at pos and at least 12 bytes are
 * available. Sets the byte order, checks the version, forgets the
 * interfaces of the previous section, and consumes the block.
 *
 *   |                   Block Type = 0x0A0D0D0A                     |
 *   |                      Block Total Length                       |
 *   |                      Byte-Order Magic                         |
 *   |          Major Version        |         Minor Version         |
 *   |                          Section Length (64)                  |
 *   /                      Options (variable)                       /
 *   |                      Block Total Length                       |
 */
static int ng_shb(struct otw_reader *r, struct otw_err *err)
{
    const uint8_t *p = r->buf + r->pos;
    uint64_t off = stream_off(r);
    uint32_t len, major;
    int rc;

    if (otw_le32(p + 8) == NG_BOM)
        r->be = false;
    else if (otw_be32(p + 8) == NG_BOM)
        r->be = true;
    else
        return fail(r, err, OTW_EFORMAT, (int64_t)off,
                    "section header block at offset %" PRIu64 "%s has a bad byte-order magic "
                    "0x%02x%02x%02x%02x",
                    off, off_note(r), p[8], p[9], p[10], p[11]);
    len = rd32(r, p + 4);
    if (len < 28 || (len & 3u) != 0)
        return fail(r, err, OTW_EFORMAT, (int64_t)off,
                    "section header block at offset %" PRIu64 "%s has a bad length %" PRIu32
                    " (must be at least 28 and a multiple of 4)",
                    off, off_note(r), len);
    if (len > RD_BUF_SIZE)
        return fail(r, err, OTW_EFORMAT, (int64_t)off,
                    "section header block at offset %" PRIu64 "%s is %" PRIu32
                    " bytes, more than the %u this reader accepts",
                    off, off_note(r), len, RD_BUF_SIZE);
    rc = refill(r, len, err);
    if (rc < 0)
        return rc;
    if (avail(r) < len) {
        if (r->gz_bad)
            return gz_failure(r, err);
        return fail(r, err, OTW_ETRUNC, (int64_t)off,
                    "pcapng section header at offset %" PRIu64 "%s cut short (needs %" PRIu32
                    " bytes, %zu present)",
                    off, off_note(r), len, avail(r));
    }
    p = r->buf + r->pos;
    if (rd32(r, p + len - 4) != len)
        return fail(r, err, OTW_EFORMAT, (int64_t)off,
                    "block at offset %" PRIu64 "%s: trailing length %" PRIu32
                    " differs from leading length %" PRIu32,
                    off, off_note(r), rd32(r, p + len - 4), len);
    major = rd16(r, p + 12);
    if (major != 1)
        return fail(r, err, OTW_EFORMAT, (int64_t)off,
                    "section header block at offset %" PRIu64 "%s: unsupported pcapng version %u.%u",
                    off, off_note(r), major, rd16(r, p + 14));
    r->n_ifaces = 0;
    r->pos += len;
    return 0;
}

static int ng_bad_len(struct otw_reader *r, struct otw_err *err, uint64_t off, uint32_t type,
                      uint32_t len)
{
    return fail(r, err, OTW_EFORMAT, (int64_t)off,
                "block at offset %" PRIu64 "%s (type 0x%08" PRIx32 ") has a bad length %" PRIu32
                " (must be at least 12 and a multiple of 4)",
                off, off_note(r), type, len);
}

static int ng_no_iface(struct otw_reader *r, struct otw_err *err, uint64_t off, uint32_t id)
{
    return fail(r, err, OTW_EFORMAT, (int64_t)off,
                "packet block at offset %" PRIu64 "%s refers to interface %" PRIu32
                ", but the section defines %" PRIu32,
                off, off_note(r), id, r->n_ifaces);
}

/* Fills rec from a packet block's fields; checks the lengths. */
static int ng_packet(struct otw_reader *r, struct otw_rec *rec, struct otw_err *err,
                     const uint8_t *p, uint32_t id, uint64_t ts, uint32_t caplen, uint32_t len,
                     uint32_t room, uint32_t data_at)
{
    const struct rd_iface *f;
    uint64_t off = stream_off(r);

    if (OTW_UNLIKELY(caplen > OTW_MAX_RECORD))
        return too_long(r, err, off, caplen);
    if (OTW_UNLIKELY(caplen > room))
        return fail(r, err, OTW_EFORMAT, (int64_t)off,
                    "packet block at offset %" PRIu64 "%s claims %" PRIu32
                    " captured bytes but has room for %" PRIu32,
                    off, off_note(r), caplen, room);
    if (OTW_UNLIKELY(id >= r->n_ifaces))
        return ng_no_iface(r, err, off, id);
    f = &r->ifaces[id];
    if (OTW_UNLIKELY(f->snaplen != 0 && caplen > f->snaplen))
        warn_snaplen(r, off, caplen, f->snaplen);
    if (OTW_UNLIKELY(caplen > len)) {
        warn_origlen(r, off, caplen, len);
        len = caplen;
    }
    rec->ts_us = iface_ts(f, ts);
    rec->caplen = caplen;
    rec->len = len;
    rec->linktype = f->linktype;
    rec->iface = id;
    rec->data = p + data_at;
    rec->offset = off;
    rec->index = ++r->index;
    return 1;
}

static bool ng_known_skip(uint32_t type)
{
    return type == NG_NRB || type == NG_ISB || type == NG_SJE || type == NG_DSB ||
           type == NG_CB_COPY || type == NG_CB_NOCOPY;
}

static int pcapng_next(struct otw_reader *r, struct otw_rec *rec, struct otw_err *err)
{
    const uint8_t *p;
    uint32_t type, len;
    uint64_t off;
    int rc;

    for (;;) {
        if (OTW_UNLIKELY(avail(r) < 12)) {
            rc = refill(r, 12, err);
            if (rc < 0)
                return rc;
            if (avail(r) == 0)
                return at_end(r, err);
            if (avail(r) < 12)
                return truncated(r, err, 12);
        }
        p = r->buf + r->pos;
        off = stream_off(r);
        type = rd32(r, p);
        if (type == NG_SHB) {
            rc = ng_shb(r, err);
            if (rc < 0)
                return rc;
            continue;
        }
        len = rd32(r, p + 4);
        if (OTW_UNLIKELY(len < 12 || (len & 3u) != 0))
            return ng_bad_len(r, err, off, type, len);

        if (type != NG_EPB && type != NG_SPB && type != NG_PB && type != NG_IDB) {
            /* Not needed: skip by the length, which may exceed the buffer,
             * then check the trailing length. */
            if (!ng_known_skip(type))
                warn(r, W_BLOCK, off,
                     "skipped block of unknown type 0x%08" PRIx32 " at offset %" PRIu64
                     "%s (further ones are only counted)",
                     type, off, off_note(r));
            rc = skip(r, len - 4, off, len, err);
            if (rc == 0)
                rc = refill(r, 4, err);
            if (rc < 0)
                return rc;
            if (avail(r) < 4) {
                if (r->gz_bad)
                    return gz_failure(r, err);
                return fail(r, err, OTW_ETRUNC, (int64_t)off,
                            "truncated record at offset %" PRIu64 "%s (needs %" PRIu32
                            " bytes, %" PRIu64 " present)",
                            off, off_note(r), len, stream_off(r) + avail(r) - off);
            }
            if (rd32(r, r->buf + r->pos) != len)
                return fail(r, err, OTW_EFORMAT, (int64_t)off,
                            "block at offset %" PRIu64 "%s: trailing length %" PRIu32
                            " differs from leading length %" PRIu32,
                            off, off_note(r), rd32(r, r->buf + r->pos), len);
            r->pos += 4;
            continue;
        }

        /* Blocks we parse are read whole into the buffer. */
        if (OTW_UNLIKELY(len > avail(r))) {
            if (len > RD_BUF_SIZE) {
                rc = refill(r, 24, err);
                if (rc < 0)
                    return rc;
                p = r->buf + r->pos;
                if ((type == NG_EPB || type == NG_PB) && avail(r) >= 24 &&
                    rd32(r, p + 20) > OTW_MAX_RECORD)
                    return too_long(r, err, off, rd32(r, p + 20));
                return fail(r, err, OTW_EFORMAT, (int64_t)off,
                            "block at offset %" PRIu64 "%s (type 0x%08" PRIx32 ") is %" PRIu32
                            " bytes, more than the %u this reader accepts",
                            off, off_note(r), type, len, RD_BUF_SIZE);
            }
            rc = refill(r, len, err);
            if (rc < 0)
                return rc;
            if (avail(r) < len)
                return truncated(r, err, len);
            p = r->buf + r->pos;
        }
        if (OTW_UNLIKELY(rd32(r, p + len - 4) != len))
            return fail(r, err, OTW_EFORMAT, (int64_t)off,
                        "block at offset %" PRIu64 "%s: trailing length %" PRIu32
                        " differs from leading length %" PRIu32,
                        off, off_note(r), rd32(r, p + len - 4), len);

        /* EPB (section 4.3), and the obsolete PB whose first word is
         * Interface ID (16) | Drops Count (16):
         *
         *   |                         Interface ID                          |
         *   |                        Timestamp (High)                       |
         *   |                        Timestamp (Low)                        |
         *   |                    Captured Packet Length                     |
         *   |                    Original Packet Length                     |
         *   /                          Packet Data                          /
         *   /                      Options (variable)                       /
         */
        if (OTW_LIKELY(type == NG_EPB || type == NG_PB)) {
            uint32_t id;

            if (OTW_UNLIKELY(len < 32))
                return fail(r, err, OTW_EFORMAT, (int64_t)off,
                            "packet block at offset %" PRIu64 "%s is %" PRIu32 " bytes, less than 32",
                            off, off_note(r), len);
            id = type == NG_EPB ? rd32(r, p + 8) : rd16(r, p + 8);
            rc = ng_packet(r, rec, err, p, id,
                           ((uint64_t)rd32(r, p + 12) << 32) | rd32(r, p + 16), rd32(r, p + 20),
                           rd32(r, p + 24), len - 32, 28);
            if (rc > 0)
                r->pos += len;
            return rc;
        }
        /* SPB (section 4.4): Original Packet Length, then data; interface 0,
         * no timestamp; captured length is what the block and snaplen allow. */
        if (type == NG_SPB) {
            uint32_t origlen, caplen;

            if (OTW_UNLIKELY(len < 16))
                return fail(r, err, OTW_EFORMAT, (int64_t)off,
                            "simple packet block at offset %" PRIu64 "%s is %" PRIu32
                            " bytes, less than 16",
                            off, off_note(r), len);
            if (OTW_UNLIKELY(r->n_ifaces == 0))
                return ng_no_iface(r, err, off, 0);
            origlen = rd32(r, p + 8);
            caplen = OTW_MIN(origlen, len - 16);
            if (r->ifaces[0].snaplen != 0)
                caplen = OTW_MIN(caplen, r->ifaces[0].snaplen);
            rc = ng_packet(r, rec, err, p, 0, 0, caplen, origlen, len - 16, 12);
            if (rc > 0)
                r->pos += len;
            return rc;
        }
        /* IDB */
        rc = ng_idb(r, p, len, off, err);
        if (rc < 0)
            return rc;
        r->pos += len;
    }
}

static int pcapng_open(struct otw_reader *r, struct otw_err *err)
{
    int rc;

    if (avail(r) < 12)
        return fail(r, err, OTW_ETRUNC, 0,
                    "pcapng section header cut short (needs at least 28 bytes, %zu present)",
                    avail(r));
    rc = ng_shb(r, err);
    if (rc < 0)
        return rc;
    r->next = pcapng_next;
    snprintf(r->format, sizeof(r->format), "pcapng%s", r->gz != NULL ? "+gzip" : "");
    return 0;
}

/* ---- open --------------------------------------------------------------- */

static bool looks_like_text(const uint8_t *p, size_t n)
{
    size_t i;

    n = OTW_MIN(n, (size_t)256);
    for (i = 0; i < n; i++)
        if (p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' && p[i] != '\r' && p[i] != '\f')
            return false;
    return n > 0;
}

/* Reads the first bytes and dispatches on the magic number. */
static int detect(struct otw_reader *r, struct otw_err *err)
{
    const uint8_t *p;
    uint32_t le;
    int rc;

    rc = refill(r, 24, err);
    if (rc < 0)
        return rc;
    if (avail(r) == 0) {
        if (r->gz_bad)
            return gz_failure(r, err);
        return fail(r, err, OTW_EFORMAT, 0, "empty file, no capture header%s",
                    r->gz != NULL ? " (gzip stream holds no data)" : "");
    }
    p = r->buf + r->pos;
    if (r->gz == NULL && avail(r) >= 2 && p[0] == 0x1f && p[1] == 0x8b) {
        /* gzip: start again through zlib, which takes over the fd. */
        if (lseek(r->fd, 0, SEEK_SET) != 0)
            return fail(r, err, OTW_EIO, 0, "gzip input must be seekable: %s", strerror(errno));
        r->gz = gzdopen(r->fd, "rb");
        if (r->gz == NULL)
            return fail(r, err, OTW_ENOMEM, 0, "cannot open the gzip stream");
        r->fd = -1;
        gzbuffer(r->gz, 256u * 1024u);
        r->pos = r->end = 0;
        r->base = 0;
        r->eof = false;
        return detect(r, err);
    }
    if (avail(r) < 4) {
        if (r->gz_bad)
            return gz_failure(r, err);
        return fail(r, err, OTW_ETRUNC, 0, "file of %zu bytes%s is too short for a capture header",
                    avail(r), r->gz != NULL ? " (uncompressed)" : "");
    }
    le = otw_le32(p);
    if (le == PCAP_MAGIC_US || le == PCAP_MAGIC_NS || le == PCAP_MAGIC_MOD)
        return pcap_open(r, le, false, err);
    if (__builtin_bswap32(le) == PCAP_MAGIC_US || __builtin_bswap32(le) == PCAP_MAGIC_NS ||
        __builtin_bswap32(le) == PCAP_MAGIC_MOD)
        return pcap_open(r, __builtin_bswap32(le), true, err);
    if (le == NG_SHB) {
        rc = refill(r, 28, err);
        if (rc < 0)
            return rc;
        return pcapng_open(r, err);
    }
    return fail(r, err, OTW_EFORMAT, 0, "not a pcap or pcapng file%s: starts with 0x%02x%02x%02x%02x%s",
                r->gz != NULL ? " (after gunzip)" : "", p[0], p[1], p[2], p[3],
                looks_like_text(p, avail(r)) ? " (looks like text)" : "");
}

struct otw_reader *otw_reader_open(const char *path, otw_reader_warn_fn warn_fn, void *warn_ctx,
                                   struct otw_err *err)
{
    struct otw_reader *r = NULL;
    struct stat st;
    int rc = OTW_ENOMEM;

    otw_err_clear(err);
    if (path == NULL) {
        otw_err_set(err, -1, "(null): no path given");
        return NULL;
    }
    r = calloc(1, sizeof(*r));
    if (r == NULL) {
        otw_err_set(err, -1, "%s: out of memory", path);
        goto out;
    }
    r->fd = -1;
    r->warn = warn_fn;
    r->warn_ctx = warn_ctx;
    r->path = strdup(path);
    r->buf = malloc(RD_BUF_SIZE);
    if (r->path == NULL || r->buf == NULL) {
        otw_err_set(err, -1, "%s: out of memory", path);
        goto out;
    }
    r->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (r->fd < 0) {
        rc = fail(r, err, OTW_EIO, -1, "cannot open: %s", strerror(errno));
        goto out;
    }
    if (fstat(r->fd, &st) != 0) {
        rc = fail(r, err, OTW_EIO, -1, "cannot stat: %s", strerror(errno));
        goto out;
    }
    if (S_ISDIR(st.st_mode)) {
        rc = fail(r, err, OTW_EINVAL, -1, "is a directory, not a capture file");
        goto out;
    }
    posix_fadvise(r->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    rc = detect(r, err);
out:
    if (rc < 0) {
        otw_reader_free(r);
        return NULL;
    }
    return r;
}

int otw_reader_next(struct otw_reader *r, struct otw_rec *rec, struct otw_err *err)
{
    if (OTW_UNLIKELY(r->failed != 0)) {
        if (err != NULL)
            *err = r->failed_err;
        return r->failed;
    }
    if (OTW_UNLIKELY(r->done))
        return 0;
    return r->next(r, rec, err);
}

const char *otw_reader_format(const struct otw_reader *r)
{
    return r->format;
}

uint64_t otw_reader_file_pos(const struct otw_reader *r)
{
    if (r->gz != NULL) {
        z_off_t o = gzoffset(r->gz);

        return o > 0 ? (uint64_t)o : 0;
    }
    return r->base + r->pos;
}

uint64_t otw_reader_warnings(const struct otw_reader *r)
{
    return r->warnings;
}

int otw_reader_fcs_len(const struct otw_reader *r, uint32_t iface)
{
    if (r->next == pcap_next)
        return r->fcs_len;
    if (iface < r->n_ifaces)
        return r->ifaces[iface].fcs_len;
    return 0;
}

void otw_reader_free(struct otw_reader *r)
{
    if (r == NULL)
        return;
    if (r->gz != NULL)
        gzclose(r->gz);
    else if (r->fd >= 0)
        close(r->fd);
    free(r->ifaces);
    free(r->buf);
    free(r->path);
    free(r);
}
