/*
 * pcapstore.h - rolling packet files for live capture.
 *
 * The packet thread hands every captured record to otw_pcapstore_write();
 * the record's bytes go unchanged into a classic pcap file (microsecond
 * timestamps) of its interface and link type, through a large buffer.
 * Files roll by size and by time; retention deletes the oldest closed files
 * when the directory passes its size limit or free disk falls below a
 * floor. Every file is a row of the store's pcap_files table, written when
 * a file opens, periodically, when it closes and when retention deletes
 * it, never per packet, through the pcapstore's own store handle and its
 * own small thread: the writer thread holds the database's write lock most
 * of the time during live capture, and the packet thread must not wait. `otwatch pcap`
 * (cli/cmd_pcap.c) finds a live session's packets through those rows:
 * files at the session's capture point whose time range overlaps it.
 *
 * A write error (ENOSPC, EIO) never stops capture: the file is closed,
 * retention runs, a new file is opened; the records that could not be
 * written are counted and the failure is logged once per episode.
 *
 * Threads: a pcapstore belongs to one thread (the packet thread); it runs
 * one more internally for the database (started by open, joined by close).
 * docs/PCAPSTORE.md describes the files, rotation and retention.
 */
#ifndef OTW_PCAPSTORE_H
#define OTW_PCAPSTORE_H

#include "capture/reader.h"
#include "core/common.h"

struct otw_pcapstore;

struct otw_pcapstore_opts {
    uint64_t max_file_bytes;    /* roll a file at this size; 0: 1 GiB */
    int64_t max_file_secs;      /* roll a file after this long; 0: 3600 */
    uint64_t dir_limit_bytes;   /* keep the directory's files below this; 0: no limit */
    uint64_t min_free_bytes;    /* keep this much disk free; 0: the smaller of 1 GiB and
                                 * 5% of the file system */
    size_t buffer_bytes;        /* write buffer per open file; 0: 1 MiB */
    int64_t update_secs;        /* how often an open file's row is updated; 0: 10 */
    /* Where messages go (write errors, retention); NULL: standard error as
     * "otwatch pcapstore: MSG". Called from the thread that owns ps. */
    void (*log)(void *ctx, const char *msg);
    void *log_ctx;
};

struct otw_pcapstore_stats {
    uint64_t packets, bytes;        /* written */
    uint64_t lost_packets;          /* could not be written (write errors) */
    uint64_t write_errors;          /* failed writes (each closes its file) */
    uint64_t files_opened, files_deleted;
    uint64_t dir_bytes;             /* bytes of our files in the directory, by our count */
};

/* Opens a packet store writing to directory `dir` (created if missing) and
 * recording its files in the store at `db_path` (NULL: no database, files
 * only). `point` names the capture point (NULL or "": none; used in file
 * names as "otw"). `o` may be NULL for the defaults. Files of earlier runs
 * in the directory that the database knows are counted and are candidates
 * for retention. Returns NULL and fills err on failure. Free with
 * otw_pcapstore_close(). */
struct otw_pcapstore *otw_pcapstore_open(const char *dir, const struct otw_pcapstore_opts *o,
                                         const char *db_path, const char *point,
                                         struct otw_err *err);

/* Appends one record captured on `iface` (rec->linktype, ts_us, caplen, len,
 * data; the bytes exactly as captured). Returns 0 when written (buffered),
 * or a negative OTW_E* when the record was lost (counted; capture goes on).
 * Never blocks on anything but the file write. */
int otw_pcapstore_write(struct otw_pcapstore *ps, const char *iface, const struct otw_rec *rec);

/* Housekeeping, about once a second from the packet thread (also with no
 * traffic): rolls files past their age, updates open files' rows, runs
 * retention. `now_us` is wall-clock time. */
void otw_pcapstore_tick(struct otw_pcapstore *ps, int64_t now_us);

/* Flushes buffers to the kernel (not fsync); for a clean stop or tests. */
int otw_pcapstore_flush(struct otw_pcapstore *ps, struct otw_err *err);

void otw_pcapstore_get_stats(const struct otw_pcapstore *ps, struct otw_pcapstore_stats *st);

/* Flushes and closes every file, records them in the store and frees ps.
 * Returns 0 or the first error (ps is freed either way). NULL is a no-op. */
int otw_pcapstore_close(struct otw_pcapstore *ps, struct otw_err *err);

#endif
