/*
 * reader.h - capture files in: pcap (both byte orders, micro/nanosecond,
 * and the old "modified" variant), pcapng (several sections, interfaces and
 * link types in one file), each optionally gzip-compressed.
 *
 * Our own reader rather than pcap_open_offline(): libpcap refuses pcapng files
 * whose interfaces have different link types, and cannot say at which byte
 * offset a file went wrong; both are requirements (see docs/DESIGN.md).
 * libpcap is still used for BPF (capture/filter.c) and live capture.
 *
 * Records are returned zero-copy: rec->data points into the reader's buffer
 * and is valid until the next otw_reader_next() call.
 */
#ifndef OTW_READER_H
#define OTW_READER_H

#include "core/common.h"

struct otw_reader;

struct otw_rec {
    int64_t ts_us;          /* microseconds since the epoch */
    uint32_t caplen;        /* bytes present in data */
    uint32_t len;           /* bytes on the wire */
    int linktype;           /* LINKTYPE_* of the record's interface (pcap: the file's) */
    uint32_t iface;         /* pcapng interface id (0 for pcap) */
    const uint8_t *data;
    uint64_t offset;        /* byte offset of the record header (uncompressed stream) */
    uint64_t index;         /* 1-based packet number within the file */
};

/* Warnings about a file that is still being read (caplen above the snapshot
 * length, unknown block types ...). The reader calls this at most a few
 * times per kind per file, then counts silently. */
typedef void (*otw_reader_warn_fn)(void *ctx, const char *path, uint64_t offset, const char *msg);

/* Opens `path`. On failure returns NULL and fills err (message names the file,
 * says what is wrong: unreadable, empty, not a capture file (with the magic
 * seen), gzip damaged). */
struct otw_reader *otw_reader_open(const char *path, otw_reader_warn_fn warn, void *warn_ctx,
                                   struct otw_err *err);

/* 1: a record in *rec; 0: clean end of file; <0: an error, err filled with a
 * message naming the file and the byte offset (truncated record, bad block
 * length, record longer than 256 KiB, ...). After an error, no more records. */
int otw_reader_next(struct otw_reader *r, struct otw_rec *rec, struct otw_err *err);

/* "pcap", "pcap-ns", "pcap-modified", "pcapng", with "+gzip" appended when
 * compressed. */
const char *otw_reader_format(const struct otw_reader *r);
/* Bytes consumed so far of the file on disk (compressed bytes for gzip): for progress. */
uint64_t otw_reader_file_pos(const struct otw_reader *r);
uint64_t otw_reader_warnings(const struct otw_reader *r);
/* Bytes of frame check sequence at the end of every frame of interface
 * `iface` (pcap: the FCS bits of the header's LinkType field; pcapng: the
 * interface's if_fcslen option), 0 when none or unknown. The frame in
 * rec->data still includes it; a decoder may ignore the trailing bytes. */
int otw_reader_fcs_len(const struct otw_reader *r, uint32_t iface);
void otw_reader_free(struct otw_reader *r);

/* Record length limit, as libpcap's MAXIMUM_SNAPLEN. */
#define OTW_MAX_RECORD (256u * 1024u)

/* LINKTYPE_* values we decode (tcpdump.org/linktypes.html). */
enum {
    OTW_LT_NULL = 0,
    OTW_LT_ETHERNET = 1,
    OTW_LT_RAW = 101,
    OTW_LT_LOOP = 108,
    OTW_LT_LINUX_SLL = 113,
    OTW_LT_IPV4 = 228,
    OTW_LT_IPV6 = 229,
    OTW_LT_LINUX_SLL2 = 276,
};

#endif
