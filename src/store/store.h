/*
 * store.h - where sessions, files and layer-2 sightings are kept.
 *
 * One interface, two backends: SQLite (store/sqlite*.c), the node's own
 * file, always; and ClickHouse (store/ch_*.c, store_remote.h), where the
 * data every node shares goes when a remote store is configured. Nothing outside src/store/ knows SQL or SQLite: callers hand over
 * records and parsed query expressions (query/query.h), never SQL text.
 *
 * Threads: a store handle belongs to one thread. The import pipeline gives
 * its handle to the writer thread (store/writer.c); readers (sessions, serve)
 * open their own handle.
 */
#ifndef OTW_STORE_H
#define OTW_STORE_H

#include "core/common.h"
#include "core/session.h"

struct otw_store;
struct otw_query;   /* query/query.h */

/* Opens (creating and migrating when needed) the store at `uri`: a file path
 * for SQLite. read_only: open an existing store without creating it. */
struct otw_store *otw_store_open(const char *uri, bool read_only, struct otw_err *err);
void otw_store_close(struct otw_store *st);

/* --- files and capture points -------------------------------------------- */

enum otw_file_status {
    OTW_FILE_IMPORTING = 0, /* import under way or interrupted (crash, Ctrl-C) */
    OTW_FILE_COMPLETE,      /* read to its end */
    OTW_FILE_DAMAGED,       /* read up to a fault; what came before is stored */
    OTW_FILE_INTERRUPTED,   /* stopped by a signal; sessions so far are stored */
};
const char *otw_file_status_name(int status);

struct otw_file_info {
    int64_t id;
    uint8_t hash[16];       /* XXH3-128 of the file's bytes as on disk */
    char path[1024];
    char point[128];
    char node[64];          /* the node that imported it ("" in a SQLite-only store) */
    char format[32];
    int64_t size;
    int status;
    char error[512];
    int64_t imported_at_us;
    uint64_t packets, sessions;
    int64_t first_us, last_us;
};

/* Finds a file by content hash. 1 found (info filled), 0 not found, <0 error. */
int otw_store_file_find(struct otw_store *st, const uint8_t hash[16], struct otw_file_info *info,
                        struct otw_err *err);
/* Deletes a file row and every session and sighting that came from it. */
int otw_store_file_forget(struct otw_store *st, int64_t file_id, struct otw_err *err);
/* Starts a file: inserts its row (status importing) and opens a transaction
 * that the writer keeps until otw_store_file_end(). Sets info->id. */
int otw_store_file_begin(struct otw_store *st, struct otw_file_info *info, struct otw_err *err);
/* Ends the file: updates status, counts, error text; commits. */
int otw_store_file_end(struct otw_store *st, const struct otw_file_info *info, struct otw_err *err);

/* Abandons the file begun with otw_store_file_begin(): nothing of it stays
 * (after a store error such as a full disk). */
void otw_store_file_abort(struct otw_store *st);

/* Transactions for live capture, where there is no file to bound one: the
 * writer commits about once a second. */
int otw_store_txn_begin(struct otw_store *st, struct otw_err *err);
int otw_store_txn_commit(struct otw_store *st, struct otw_err *err);

/* --- sessions -------------------------------------------------------------- */

/* A parser field value or event of a stored session. */
struct otw_row_field {
    const char *field;      /* "modbus.func" */
    bool is_int;
    int64_t i;
    const char *s;          /* string values: bytes as stored (slen), NUL-terminated */
    size_t slen;
    uint64_t count;
};
struct otw_row_event {
    const char *name;
    uint64_t count;
};

/* A value of the sort field of a session query, for keyset paging: the
 * page after a row is the rows after (its sort value, its id) in the order. */
enum otw_sortv_type { OTW_SORTV_NULL = 0, OTW_SORTV_INT, OTW_SORTV_TEXT, OTW_SORTV_BLOB };
struct otw_sortv {
    enum otw_sortv_type type;
    int64_t i;              /* INT */
    uint8_t b[1024];        /* TEXT (not NUL-terminated) or BLOB: len bytes */
    size_t len;
};

/* A session as stored: the record plus what the store adds. Pointers are
 * valid only while the callback runs. */
struct otw_session_row {
    int64_t id;
    struct otw_session s;   /* s.app is NULL: parser data is in fields/events */
    const struct otw_row_field *fields;     /* grouped by field name */
    size_t nfields;
    const struct otw_row_event *events;
    size_t nevents;
    char community_id[64];
    char protocols[128];    /* space-separated, may be empty */
    char protocol_guess[32];
    char point[128];
    char file[1024];
    char node[64];          /* the node that saw it ("" in a SQLite-only store) */
    struct otw_sortv sortv; /* the row's value of the query's sort field (keyset paging) */
};

/* Appends records for file `file_id` (0 for live capture) at capture point
 * `point_id`. community_ids[i] is the Community ID of recs[i]. The
 * application data recs[i].app is stored too (the caller still owns it). */
int otw_store_sessions_put(struct otw_store *st, int64_t file_id, int64_t point_id,
                           const struct otw_session *recs, char (*community_ids)[64], size_t n,
                           struct otw_err *err);

/* Looks up (creating) a capture point by name; sets *id. */
int otw_store_point_id(struct otw_store *st, const char *name, int64_t *id, struct otw_err *err);

struct otw_session_query {
    const struct otw_query *expr;   /* NULL: all sessions */
    int64_t since_us, until_us;     /* 0: unbounded; sessions overlapping [since, until) */
    const char *sort_field;         /* a field name from `otwatch fields`; NULL: start time */
    bool sort_desc;
    int64_t limit;                  /* <= 0: no limit */
    int64_t offset;
    /* Keyset paging (the web API): non-NULL: only the rows after the row
     * whose sort value is *after and id after_id, in the query's order. */
    const struct otw_sortv *after;
    int64_t after_id;
    bool skip_app;                  /* leave parser fields and events out of rows */
};

/* Calls cb for every matching row, in order; cb returns non-zero to stop. */
typedef int (*otw_session_cb)(void *ctx, const struct otw_session_row *row);
int otw_store_sessions_query(struct otw_store *st, const struct otw_session_query *q,
                             otw_session_cb cb, void *ctx, struct otw_err *err);

/* Counts the sessions matching q (its expression and time range; sort,
 * limit and paging are ignored), stopping at cap (> 0): *n is the count,
 * or cap + 1 when there are more than cap. */
int otw_store_sessions_count(struct otw_store *st, const struct otw_session_query *q, int64_t cap,
                             int64_t *n, struct otw_err *err);

/* --- per-host summary ------------------------------------------------------- */

struct otw_host_row {
    uint8_t ip[16];
    uint8_t mac[6];
    bool has_mac;
    uint64_t sessions_out, sessions_in;   /* as initiator / as responder */
    uint64_t peers;
    uint64_t bytes_out, bytes_in;
    int64_t first_us, last_us;
    char ports_served[256];   /* "502/tcp 22/tcp ..." (the most used first, capped) */
};
typedef int (*otw_host_cb)(void *ctx, const struct otw_host_row *row);
int otw_store_hosts_query(struct otw_store *st, const struct otw_session_query *q, otw_host_cb cb,
                          void *ctx, struct otw_err *err);

/* --- layer-2 sightings (inventory side channel) ------------------------------- */

/* Packets seen per (MAC, IP, kind, VLAN, point), kept even when the session
 * filter drops them: ARP, DHCP, LLDP, CDP, multicast, broadcast ... */
struct otw_l2_row {
    uint8_t mac[6];
    uint8_t ip[16];
    bool has_ip;
    char kind[16];          /* "arp", "dhcp", "lldp", "cdp", "ipv6-nd", "mcast", "bcast", "l2" ... */
    uint16_t vlan;
    int64_t point_id;
    int64_t first_us, last_us;
    uint64_t packets;
    /* A name the frames carried (LLDP system name, CDP device id, PROFINET
     * name of station, DHCP host name, NetBIOS name); the latest wins. */
    char name[64];
};
int otw_store_l2_put(struct otw_store *st, int64_t file_id, const struct otw_l2_row *rows, size_t n,
                     struct otw_err *err);
typedef int (*otw_l2_cb)(void *ctx, const struct otw_l2_row *row, const char *point);
int otw_store_l2_query(struct otw_store *st, otw_l2_cb cb, void *ctx, struct otw_err *err);

/* --- live capture: packet files and capture statistics (sqlite_pcap.c) --- */

/* A rolling packet file written by live capture (pcapstore/). */
struct otw_pcapfile {
    int64_t id;
    char path[1024];
    char point[128];
    char iface[64];
    int linktype;
    int64_t first_us, last_us;      /* 0 when no packet yet */
    uint64_t bytes, packets;
    int64_t created_us;
    int64_t deleted_us;             /* 0 while the file exists */
};
/* Adds a file (sets f->id and created_us). */
int otw_store_pcapfile_add(struct otw_store *st, struct otw_pcapfile *f, struct otw_err *err);
/* Updates times, bytes and packets of a file being written or closed. */
int otw_store_pcapfile_update(struct otw_store *st, const struct otw_pcapfile *f,
                              struct otw_err *err);
/* Retention removed the file: its sessions' packets are gone. */
int otw_store_pcapfile_deleted(struct otw_store *st, int64_t id, int64_t when_us,
                               struct otw_err *err);
/* The packet files (not deleted unless include_deleted) that may hold
 * packets between from_us and to_us at `point` (NULL: any), oldest first. */
typedef int (*otw_pcapfile_cb)(void *ctx, const struct otw_pcapfile *f);
int otw_store_pcapfiles_between(struct otw_store *st, int64_t from_us, int64_t to_us,
                                const char *point, bool include_deleted, otw_pcapfile_cb cb,
                                void *ctx, struct otw_err *err);

/* Capture statistics of one interface, counters since `started_us`. */
struct otw_capstat {
    int64_t ts_us;
    char point[128];
    char iface[64];
    uint64_t received, dropped, ifdropped;
    int64_t started_us;
};
int otw_store_capstat_put(struct otw_store *st, const struct otw_capstat *c, struct otw_err *err);
/* The latest row per interface, then (history) every row since since_us. */
typedef int (*otw_capstat_cb)(void *ctx, const struct otw_capstat *c);
int otw_store_capstat_latest(struct otw_store *st, otw_capstat_cb cb, void *ctx,
                             struct otw_err *err);
int otw_store_capstat_since(struct otw_store *st, int64_t since_us, otw_capstat_cb cb, void *ctx,
                            struct otw_err *err);

/* Issue 6: inventory, baseline, alerts (each in its own header). */
#include "store/store_assets.h"
#include "store/store_baseline.h"
#include "store/store_alerts.h"
/* Issue 7: user accounts. */
#include "store/store_users.h"
#include "store/store_graph.h"
/* Issue 7: the daily check page. */
#include "store/store_daily.h"
/* Issue 8: a remote store (ClickHouse) beside the node's SQLite file. */
#include "store/store_remote.h"

#endif
