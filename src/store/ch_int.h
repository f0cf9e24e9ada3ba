/*
 * ch_int.h - the ClickHouse backend (issue 8). Internal to src/store/.
 *
 * A store handle (struct otw_store, sqlite_int.h) is always the node's own
 * SQLite file. With a remote store configured (store_remote.h) it also
 * holds a struct otw_ch, and the functions of the data every node shares
 * (sessions, files, layer-2 sightings, assets, baseline, alerts, the graph
 * and the daily figures) hand their work to the otw_ch_* function of the
 * same name at their top:
 *
 *     if (st->ch != NULL)
 *         return otw_ch_sessions_put(st, ...);
 *
 * What belongs to one node stays in its SQLite file: capture points' ids,
 * packet files and capture statistics (the packets stay on the sensor),
 * and the web interface's user accounts (each viewer has its own).
 *
 * Tables (ch_schema.c; docs/CLICKHOUSE.md): each is T_local on every
 * server, written only by the sensors that write to that server, and, in a
 * cluster, a Distributed table T over T_local of every shard for reading.
 * Without a cluster the reads go to T_local. otw_ch_read_table() gives the
 * name to read. Writes always go to T_local of the server in the URL, so a
 * sensor's rows of one batch land on one server in one INSERT.
 *
 * Retries must be safe: a batch may be sent again after an answer was lost.
 * Tables that sensors write are ReplacingMergeTree(ver) whose sorting key
 * ends in a key that is the same each time the same row is sent (a session
 * id made from node, file and record number), and readers use FINAL (on
 * 18.16, a FINAL query must name a column of the sorting key: every one has
 * a condition on `start` or the like). Live updates of a session record are
 * the same key with a larger ver.
 */
#ifndef OTW_CH_INT_H
#define OTW_CH_INT_H

#include "store/ch_client.h"
#include "store/store.h"
#include "store/store_remote.h"
#include "store/capstatus.h"
#include "store/ch_detect.h"

/* One table of the schema: the local table's columns and engine; the
 * Distributed table's sharding expression. */
struct otw_ch_table {
    const char *name;       /* "sessions": T_local and T */
    const char *columns;    /* "start DateTime, start_us Int64, ..." */
    const char *engine;     /* "ReplacingMergeTree(ver) PARTITION BY ... ORDER BY ..." */
    const char *shard_key;  /* "cityHash64(node)" */
};
/* The tables of sessions, files and layer-2 sightings (ch_schema.c), and
 * the longest record per day (ch_spans.c). */
extern const struct otw_ch_table otw_ch_table_sessions, otw_ch_table_files, otw_ch_table_l2,
    otw_ch_table_spans;

/* ch_spans.c: notes a written record's length (priv[2] remembers the
 * longest per day so far); the longest record of the store, for pruning
 * time ranges by start; at `store init`, fills the table from the sessions
 * when it is empty. */
int otw_ch_spans_note(struct otw_store *st, int64_t start_us, int64_t end_us,
                      struct otw_err *err);
int otw_ch_longest(struct otw_store *st, int64_t *us, struct otw_err *err);
int otw_ch_spans_backfill(struct otw_chc *c, const char *db, struct otw_err *err);
/* The tables of each part of the backend, NULL-terminated lists of
 * pointers (ch_schema.c gathers them for `otwatch store init`). */
extern const struct otw_ch_table *const otw_ch_tables_sessions[];  /* ch_sessions.c, ch_query.c */
extern const struct otw_ch_table *const otw_ch_tables_detect[];    /* ch_assets.c, ch_baseline.c, ch_alerts.c */

#define OTW_CH_SCHEMA_VERSION OTW_STORE_REMOTE_SCHEMA

/* A batch of rows for one table, sent when full, after about a second, at
 * the end of a file and when the store closes (ch_spool.c). */
struct otw_ch_batch {
    const char *table;      /* local table name without the suffix: "sessions" */
    const char *columns;    /* every column, in RowBinary order */
    struct otw_sb rows;
    size_t nrows;
    int64_t first_add_us;   /* when the oldest row was added */
};

struct otw_ch {
    struct otw_chc *c;                  /* the server of the URL */
    struct otw_store_remote cfg;        /* copy of the settings */
    char spool_dir[1024];               /* cfg.spool_dir, or DBFILE.spool */
    bool read_only;
    /* Write state (ch_sessions.c / ch_spool.c own these). */
    struct otw_ch_batch *batches;       /* one per table written so far */
    size_t nbatches;
    uint64_t file_hash_id;              /* id of the file being imported (0: live) */
    uint64_t file_seq;                  /* records of that file so far */
    uint64_t spooled_batches, spool_full_drops;
    int64_t last_warn_us;
    void *priv[4];                      /* for the backend files' own state */
};

/* Opens the ClickHouse side of st (which is open on its SQLite file):
 * connects lazily, checks nothing yet. NULL + err on a bad setting. */
struct otw_ch *otw_ch_open(const struct otw_store_remote *cfg, const char *db_path,
                           bool read_only, struct otw_err *err);
/* Sends what is batched (or spools it), then frees. */
void otw_ch_close(struct otw_ch *ch);

/* The table to read `name` from: "DB.name" with a cluster, else "DB.name_local". */
const char *otw_ch_read_table(const struct otw_ch *ch, const char *name, char *buf, size_t len);
/* The table to write: "DB.name_local". */
const char *otw_ch_write_table(const struct otw_ch *ch, const char *name, char *buf, size_t len);

/* Batching and the spool (ch_spool.c). Adds one row (RowBinary bytes) to
 * table's batch; sends the batch when it is full (batch_rows) or a second
 * old. table and columns must outlive the handle (static strings, e.g. an
 * otw_ch_table's name and columns; "name Type, ..." or names only). Never
 * fails for an unreachable server or an error a retry may fix: the batch
 * goes to the spool; when the spool is full or cannot be written, the rows
 * are dropped, counted and said loudly (once a minute) and it still
 * returns 0, so a capture goes on. Errors: a server refusing the rows as
 * wrong (the batch is dropped), out of memory. */
int otw_ch_batch_add(struct otw_ch *ch, const char *table, const char *columns, const void *row,
                     size_t len, struct otw_err *err);
/* Sends every batch now (end of a file, close, the writer's second). */
int otw_ch_flush(struct otw_ch *ch, struct otw_err *err);
/* Sends what the spool holds, oldest first; stops at the first failure.
 * *sent, *left: batches sent and still spooled. */
int otw_ch_spool_drain(struct otw_ch *ch, uint64_t *sent, uint64_t *left, struct otw_err *err);
/* Sends the batches whose oldest row is about a second old (a live commit). */
int otw_ch_flush_aged(struct otw_ch *ch, struct otw_err *err);
/* Forgets the rows not sent yet (an abandoned file). */
void otw_ch_batches_discard(struct otw_ch *ch);
/* At close, after the last flush: says what waits in the spool or was
 * lost, frees priv[0] and priv[1] (ch_spool.c's and ch_sessions.c's). */
void otw_ch_writes_done(struct otw_ch *ch);

/* Schema (ch_schema.c): creates the database and every table on the server
 * of c (IF NOT EXISTS), the Distributed tables when cluster is not empty,
 * and records the schema version. */
int otw_ch_schema_init(struct otw_chc *c, const char *db, const char *cluster,
                       struct otw_err *err);

/* --- the routed functions: each does what otw_store_NAME does (store.h and
 * the store_*.h headers say what); st->ch is not NULL. --- */

/* sessions, files, layer-2 (ch_sessions.c) */
int otw_ch_file_find(struct otw_store *st, const uint8_t hash[16], struct otw_file_info *info,
                     struct otw_err *err);
int otw_ch_file_forget(struct otw_store *st, int64_t file_id, struct otw_err *err);
int otw_ch_file_begin(struct otw_store *st, struct otw_file_info *info, struct otw_err *err);
int otw_ch_file_end(struct otw_store *st, const struct otw_file_info *info, struct otw_err *err);
void otw_ch_file_abort(struct otw_store *st);
int otw_ch_txn_begin(struct otw_store *st, struct otw_err *err);
int otw_ch_txn_commit(struct otw_store *st, struct otw_err *err);
int otw_ch_sessions_put(struct otw_store *st, int64_t file_id, int64_t point_id,
                        const struct otw_session *recs, char (*community_ids)[64], size_t n,
                        struct otw_err *err);
int otw_ch_l2_put(struct otw_store *st, int64_t file_id, const struct otw_l2_row *rows, size_t n,
                  struct otw_err *err);
int otw_ch_l2_query(struct otw_store *st, otw_l2_cb cb, void *ctx, struct otw_err *err);
int otw_ch_files_recent(struct otw_store *st, int64_t limit, otw_file_cb cb, void *ctx,
                        struct otw_err *err);

/* session queries (ch_query.c) */
/* The columns of a session row as otw_ch_session_row() reads them, from
 * the sessions table; the row's parser fields and events are not read. */
#define OTW_CH_SESSION_COLUMNS                                                                          \
    "id, start_us, end_us, node, hex(point) AS point_h, hex(file) AS file_h,"                \
    " toInt64(uid) AS uid_i, ipver, proto, hex(src_ip) AS src_ip_h, src_port,"                \
    " hex(dst_ip) AS dst_ip_h, dst_port, hex(src_mac) AS src_mac_h, hex(dst_mac) AS dst_mac_h," \
    " vlan1, vlan2, src_packets, src_bytes, src_payload, src_flags, dst_packets, dst_bytes,"   \
    " dst_payload, dst_flags, state, icmp_type, icmp_code, community_id, protocols,"           \
    " protocol_guess, segment, continued, end_reason"
void otw_ch_session_row(json_t *row, struct otw_session_row *r);
int otw_ch_sessions_query(struct otw_store *st, const struct otw_session_query *q,
                          otw_session_cb cb, void *ctx, struct otw_err *err);
int otw_ch_sessions_count(struct otw_store *st, const struct otw_session_query *q, int64_t cap,
                          int64_t *n, struct otw_err *err);
int otw_ch_hosts_query(struct otw_store *st, const struct otw_session_query *q, otw_host_cb cb,
                       void *ctx, struct otw_err *err);

/* graph and daily figures (ch_graph.c) */
int otw_ch_graph_edges(struct otw_store *st, const struct otw_graph_query *q,
                       otw_graph_edge_cb cb, void *ctx, uint64_t *matched, struct otw_err *err);
int otw_ch_graph_rebuild(struct otw_store *st, struct otw_err *err);
int otw_ch_session_span(struct otw_store *st, int64_t *first_us, int64_t *last_us,
                        struct otw_err *err);
int otw_ch_host_hours(struct otw_store *st, int64_t since_us, int64_t until_us, int64_t top,
                      otw_host_hour_cb cb, void *ctx, struct otw_range_totals *totals,
                      struct otw_err *err);

#endif
