/*
 * detect.h - detection: every session record and layer-2 sighting, as it
 * leaves the flow table (live) or is imported, goes past the baseline, the
 * asset inventory and the detectors; alerts are aggregated per cause and
 * written to the store in the same transaction as the sessions, then sent to
 * the configured outputs.
 *
 * Threads: an engine belongs to the writer thread (store/writer.c), which
 * owns the store handle; nothing here locks.
 */
#ifndef OTW_DETECT_H
#define OTW_DETECT_H

#include "core/config.h"
#include "core/session.h"
#include "detect/alert.h"
#include "store/store.h"

/* Thresholds and switches (`detect.*` settings; defaults in docs/ALERTS.md). */
struct otw_detect_config {
    bool enabled;                   /* detect.enabled (default yes) */
    char networks[512];             /* plant.networks: CIDRs inside the plant */
    int64_t scan_window_s;          /* port scan / sweep window */
    int64_t scan_min_ports;         /* distinct ports on one host */
    int64_t sweep_min_hosts;        /* distinct hosts */
    double scan_max_answered;       /* share of sessions answered, at most */
    int64_t auth_window_s;
    int64_t auth_min_sessions;
    int64_t auth_max_duration_s;    /* "short" */
    int64_t outbound_data_bytes;    /* data-transfer above this (each way or total) */
    char quiet_hours[128];          /* schedule when remote access is unusual */
    double volume_factor;           /* this many times the learned peak hour */
    int64_t volume_min_sessions;    /* and at least this many per hour */
    int64_t volume_min_bytes;
    int64_t hold_s;                 /* novelty alerts wait this long (a scan folds them) */
    int64_t hours_min_sessions;     /* off_hours "unusual hour": learned sessions, at least */
};
void otw_detect_config_default(struct otw_detect_config *c);
int otw_detect_config_load(struct otw_detect_config *c, const struct otw_config *cfg,
                           struct otw_err *err);

struct otw_detect;

/* Loads the baseline, the inventory and the open alerts from the store.
 * cfg may be NULL (defaults). */
struct otw_detect *otw_detect_new(struct otw_store *st, const struct otw_config *cfg,
                                  struct otw_err *err);
void otw_detect_free(struct otw_detect *d);

/* The imported file the next records come from (0: live capture): each
 * alert keeps its share per file, so importing a file again can take it out. */
void otw_detect_set_file(struct otw_detect *d, int64_t file_id);

/* Writer thread: a record was stored (s->app still attached). */
void otw_detect_session(struct otw_detect *d, const struct otw_session *s, int64_t point_id);
void otw_detect_l2(struct otw_detect *d, const struct otw_l2_row *rows, size_t n);
/* Time passes (session time on import, the clock live): windows close,
 * held alerts are decided. */
void otw_detect_tick(struct otw_detect *d, int64_t now_us);
/* End of input: everything held is decided. */
void otw_detect_finish(struct otw_detect *d);
/* Writes alerts, baseline and inventory changes (inside the caller's
 * transaction), then hands new alerts to the outputs. */
int otw_detect_save(struct otw_detect *d, struct otw_store *st, struct otw_err *err);

/* Counters for the import summary. */
struct otw_detect_stats {
    uint64_t sessions, alerts_opened, alerts_updated;
};
void otw_detect_get_stats(const struct otw_detect *d, struct otw_detect_stats *st);

#endif
