/*
 * capstatus.h - is capture keeping up? What `otwatch status` (cli/cmd_status.c)
 * and the web status page (api/api_status.c) show, computed once: per
 * interface the latest capture statistics stored by `otwatch capture`, the
 * packet and drop rates over about the last minute, the drop percentage;
 * the packet files; the size of the database file and its WAL.
 *
 * Built on the store's public calls only (capture_stats, pcap_files): a
 * reader with its own handle works while a capture writes (WAL).
 */
#ifndef OTW_CAPSTATUS_H
#define OTW_CAPSTATUS_H

#include "store/store.h"

#define OTW_CAPSTATUS_MAX_IFACES 256
/* Rates are taken between the latest row and the latest row at least this
 * much older (rows are stored about once a minute), else the oldest row of
 * the same capture run, else the run's start. */
#define OTW_CAPSTATUS_RATE_WINDOW_US (60 * 1000000LL)

struct otw_iface_status {
    struct otw_capstat c;       /* the latest row */
    struct otw_capstat base;    /* the row the rates start from (has_base) */
    bool has_base;
    double pps;                 /* packets received per second; < 0: not known yet */
    double drops_ps;            /* packets dropped (kernel + interface) per second; < 0: not known */
    double drop_pct;            /* dropped of all packets since the capture started */
};

struct otw_capstatus {
    struct otw_iface_status ifs[OTW_CAPSTATUS_MAX_IFACES];
    int nifs;
    bool pf_ok;                 /* the packet files could be read */
    uint64_t pf_count, pf_bytes, pf_packets;
    int64_t pf_first, pf_last;  /* 0: none */
    int64_t db_bytes, wal_bytes;    /* file sizes (0 when absent) */
};

/* Fills s (large: allocate it) from the store; dbpath is the database file
 * (its size and that of dbpath-wal are read; NULL: not). 0 or OTW_ESTORE
 * with err; a failure reading the packet files only clears pf_ok. */
int otw_capstatus_read(struct otw_store *st, const char *dbpath, struct otw_capstatus *s,
                       struct otw_err *err);
/* Dropped (kernel + interface) of all packets, in percent. */
double otw_capstat_drop_pct(const struct otw_capstat *c);

/* --- store calls of the status (SQLite: sqlite_files.c) ---------------------- */

/* The imported files, the latest import first, at most limit (> 0); info
 * has no hash. */
typedef int (*otw_file_cb)(void *ctx, const struct otw_file_info *f);
int otw_store_files_recent(struct otw_store *st, int64_t limit, otw_file_cb cb, void *ctx,
                           struct otw_err *err);

#endif
