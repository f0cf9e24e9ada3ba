/*
 * store_alerts.h - the store's alerts tables (SQLite: sqlite_alerts.c). Included by store.h.
 *
 * An alert is one row, aggregated per cause (its key); its evidence is the
 * uids of the session records behind it (capped per alert, the count goes
 * on), and its share per imported file, so that importing a file again
 * (--force) first takes that file's share back out instead of counting it
 * twice.
 */
#ifndef OTW_STORE_ALERTS_H
#define OTW_STORE_ALERTS_H

#include "detect/alert.h"

/* Evidence rows kept per alert; the count goes on beyond it. */
#define OTW_ALERT_EVIDENCE_MAX 100

struct otw_store;

/* Inserts (a->id == 0: sets a->id) or updates an alert: every column but
 * the status. `file_id` (0: live) gets `file_count` added to its share.
 * Returns 1, changing nothing, when the alert was resolved (or deleted)
 * meanwhile (`otwatch alerts resolve` while a capture runs): a resolved
 * alert absorbs nothing, the caller stores the occurrences as a new one. */
int otw_store_alert_put(struct otw_store *st, struct otw_alert *a, int64_t file_id,
                        uint64_t file_count, struct otw_err *err);
/* Links one evidence session (by record uid); a uid already linked is not
 * added again; nothing is added past OTW_ALERT_EVIDENCE_MAX. */
int otw_store_alert_evidence_add(struct otw_store *st, int64_t alert_id, uint64_t uid,
                                 int64_t file_id, struct otw_err *err);

/* Which alerts to list. */
struct otw_alert_query {
    int status;             /* OTW_AS_*, or -1 any, -2 open or acknowledged */
    int kind;               /* OTW_AK_*, or -1 any */
    int64_t since_us, until_us;     /* 0: unbounded; alerts last seen >= since, first < until */
    int64_t id;             /* > 0: only this one */
    int64_t limit;          /* <= 0: no limit */
    bool this_node;         /* only the alerts this node raised (a shared store's detector) */
};
/* Extra columns of a listed alert (who set its status, when). */
struct otw_alert_meta {
    int64_t created_us, updated_us, status_us;
    char status_by[64];
    char status_note[256];
};
typedef int (*otw_alert_cb)(void *ctx, const struct otw_alert *a, const struct otw_alert_meta *m);
/* Newest (last seen) first; loading for aggregation passes status -2. */
int otw_store_alerts_query(struct otw_store *st, const struct otw_alert_query *q, otw_alert_cb cb,
                           void *ctx, struct otw_err *err);

/* The evidence uids of an alert, oldest link first. */
typedef int (*otw_alert_uid_cb)(void *ctx, uint64_t uid);
int otw_store_alert_evidence(struct otw_store *st, int64_t alert_id, otw_alert_uid_cb cb,
                             void *ctx, struct otw_err *err);
/* The session rows of an alert's evidence that are still stored. */
int otw_store_alert_sessions(struct otw_store *st, int64_t alert_id, otw_session_cb cb,
                             void *ctx, struct otw_err *err);

/* Acknowledge / resolve (or reopen). OTW_ENOTFOUND when there is no such id. */
int otw_store_alert_set_status(struct otw_store *st, int64_t id, int status, const char *by,
                               const char *note, struct otw_err *err);

/* Before a file is imported again: takes its share out of every alert
 * (count, evidence); alerts left with nothing are deleted. Runs in its own
 * transaction. */
int otw_store_alerts_forget_file(struct otw_store *st, int64_t file_id, struct otw_err *err);

#endif
