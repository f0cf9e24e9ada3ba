/*
 * ch_detect.h - the ClickHouse backend of the assets, baseline and alerts
 * tables (ch_assets.c, ch_baseline.c, ch_alerts.c; ch_detect.c holds what
 * the three share). Internal to src/store/; included by ch_int.h.
 *
 * Nothing is updated in place (ClickHouse has no UPDATE): a change is a new
 * row. Mutable things (labels, baseline entries and people's decisions on
 * them, devices, windows, rules, settings, alerts and their status) are rows
 * with a version `ver` (ReplacingMergeTree(ver) keyed by the thing's key)
 * read with argMax(column, ver) grouped by the key, which is right across
 * shards too (FINAL only merges within one shard); a removal is a row with
 * deleted = 1. Counts that grow (an asset's sessions, a file's share of an
 * alert) are rows of increments summed when read, each with a row id `rid`
 * in the sorting key, so a batch sent twice counts once. Every row names
 * the node that wrote it. docs/CLICKHOUSE.md has the tables.
 */
#ifndef OTW_CH_DETECT_H
#define OTW_CH_DETECT_H

#include "store/ch_client.h"
#include "store/store.h"

struct otw_store;
struct otw_ch;

/* assets (ch_assets.c) */
int otw_ch_assets_put(struct otw_store *st, const struct otw_asset_batch *b, struct otw_err *err);
int otw_ch_assets_read(struct otw_store *st, const struct otw_asset_readers *rd, void *ctx,
                       struct otw_err *err);
int otw_ch_assets_read_labels(struct otw_store *st, const struct otw_asset_readers *rd, void *ctx,
                              struct otw_err *err);
int otw_ch_asset_label_set(struct otw_store *st, const struct otw_asset_label_row *l,
                           struct otw_err *err);
int otw_ch_asset_label_unset(struct otw_store *st, const uint8_t *key, size_t keylen,
                             struct otw_err *err);
int otw_ch_assets_clear(struct otw_store *st, struct otw_err *err);

/* baseline (ch_baseline.c) */
int otw_ch_bl_entries(struct otw_store *st, otw_bl_entry_cb cb, void *ctx, struct otw_err *err);
int otw_ch_bl_entry_get(struct otw_store *st, int64_t id, struct otw_bl_entry *e,
                        struct otw_err *err);
int otw_ch_bl_entry_observed(struct otw_store *st, struct otw_bl_entry *e, struct otw_err *err);
int otw_ch_bl_entry_put(struct otw_store *st, struct otw_bl_entry *e, struct otw_err *err);
int otw_ch_bl_entry_set(struct otw_store *st, int64_t id, int status, int category,
                        const char *note, struct otw_err *err);
int otw_ch_bl_entry_delete(struct otw_store *st, int64_t id, struct otw_err *err);
int otw_ch_bl_approve_all(struct otw_store *st, uint64_t *n, struct otw_err *err);
int otw_ch_bl_devices(struct otw_store *st, otw_bl_device_cb cb, void *ctx, struct otw_err *err);
int otw_ch_bl_device_put(struct otw_store *st, const struct otw_bl_device *d,
                         struct otw_err *err);
int otw_ch_bl_windows(struct otw_store *st, otw_bl_window_cb cb, void *ctx, struct otw_err *err);
int otw_ch_bl_window_put(struct otw_store *st, const struct otw_bl_window *w,
                         struct otw_err *err);
int otw_ch_bl_window_delete(struct otw_store *st, const char *name, struct otw_err *err);
int otw_ch_bl_rules(struct otw_store *st, otw_bl_rule_cb cb, void *ctx, struct otw_err *err);
int otw_ch_bl_rule_add(struct otw_store *st, struct otw_bl_rule *r, struct otw_err *err);
int otw_ch_bl_meta_get(struct otw_store *st, const char *key, char *value, size_t len,
                       struct otw_err *err);
int otw_ch_bl_meta_set(struct otw_store *st, const char *key, const char *value,
                       struct otw_err *err);
int otw_ch_bl_clear(struct otw_store *st, struct otw_err *err);
/* Appends to sql a SELECT of each (client, server, proto, port) of the live
 * baseline entries (bc, bs, bp, bo) and the best rank r of its entries
 * (status approved 0, learned 1, new 2, times 2, plus category
 * operational 0, maintenance 1), read as otw_ch_bl_entries() reads them:
 * the query fields baseline and baseline.category (ch_query.c). */
int otw_ch_bl_ranks_sql(struct otw_store *st, struct otw_sb *sql, struct otw_err *err);

/* alerts (ch_alerts.c) */
int otw_ch_alert_put(struct otw_store *st, struct otw_alert *a, int64_t file_id,
                     uint64_t file_count, struct otw_err *err);
int otw_ch_alert_evidence_add(struct otw_store *st, int64_t alert_id, uint64_t uid,
                              int64_t file_id, struct otw_err *err);
int otw_ch_alerts_query(struct otw_store *st, const struct otw_alert_query *q, otw_alert_cb cb,
                        void *ctx, struct otw_err *err);
int otw_ch_alert_evidence(struct otw_store *st, int64_t alert_id, otw_alert_uid_cb cb, void *ctx,
                          struct otw_err *err);
int otw_ch_alert_sessions(struct otw_store *st, int64_t alert_id, otw_session_cb cb, void *ctx,
                          struct otw_err *err);
int otw_ch_alert_set_status(struct otw_store *st, int64_t id, int status, const char *by,
                            const char *note, struct otw_err *err);
int otw_ch_alerts_forget_file(struct otw_store *st, int64_t file_id, struct otw_err *err);

/* --- shared by the three files (ch_detect.c) --- */

/* A version: microseconds of the wall clock, strictly increasing within
 * the process, below 2^52 (prio may be put above it: (prio << 52) | us). */
uint64_t otw_chd_ver(void);
#define OTW_CHD_VER_TIME(v) ((v) & ((1ULL << 52) - 1))
/* A 64-bit hash of bytes (XXH3) with a seed. */
uint64_t otw_chd_hash(const void *p, size_t n, uint64_t seed);
/* An id for things people type or a browser keeps as a number: 53 bits,
 * never 0. */
int64_t otw_chd_id53(uint64_t h);
/* "DB.T" to read (Distributed with a cluster) and "DB.T_local" to write. */
const char *otw_chd_rt(struct otw_store *st, const char *name, char *buf, size_t len);
/* Sends rows (RowBinary of `columns`) to table `name` of the server in the
 * URL. OTW_EINVAL on a read-only handle. */
int otw_chd_send(struct otw_store *st, const char *name, const char *columns,
                 const struct otw_sb *rows, struct otw_err *err);
/* Adds one row (RowBinary in *row, which is emptied) to table `name`'s
 * batch (ch_spool.c): sent with the file, the live commit or the close,
 * or spooled while the server cannot be reached. */
int otw_chd_add(struct otw_store *st, const char *name, const char *columns, struct otw_sb *row,
                struct otw_err *err);
/* Runs a SELECT (sb is freed), after sending what this handle batched for
 * these tables (a read sees the handle's own writes). */
int otw_chd_query(struct otw_store *st, struct otw_sb *sql, otw_chc_row_cb cb, void *ctx,
                  struct otw_err *err);
/* `what` ("assets", "baseline") cleared: rows at or before the version
 * *ver (0: never) are left out when read. */
int otw_chd_cleared(struct otw_store *st, const char *what, uint64_t *ver, struct otw_err *err);
int otw_chd_clear(struct otw_store *st, const char *what, struct otw_err *err);
/* The SQLite side of st: a capture point's name by local id ("" if none),
 * and a local id by name (0 if none). */
void otw_chd_point_name(struct otw_store *st, int64_t id, char *buf, size_t len);
int64_t otw_chd_point_id(struct otw_store *st, const char *name);

#endif
