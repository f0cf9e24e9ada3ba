/*
 * alertout.h - where alerts go besides the database: syslog (RFC 5424, to
 * the local socket or a remote UDP/TCP collector), CEF over syslog for
 * SIEMs, a JSON-lines file, an HTTP webhook (libcurl). Configured by the
 * `alert.*` settings (docs/OUTPUTS.md lists every key and its default).
 *
 * Sending never blocks capture: otw_alertout_send() copies the alert into a
 * bounded queue per output and returns; one sender thread delivers. A
 * collector that is away is retried with backoff and reported on stderr (at
 * most once a minute per output), not waited for; when a queue is full the
 * alert is dropped for that output and counted.
 *
 * Threads: otw_alertout_new/free on one thread (the one that owns the
 * detection engine's life), otw_alertout_send from one thread at a time (the
 * writer thread); otw_alertout_get_stats from any thread.
 */
#ifndef OTW_ALERTOUT_H
#define OTW_ALERTOUT_H

#include "core/config.h"
#include "detect/alert.h"

struct otw_alertout;

/* NULL with err set ("FILE:LINE: alert.KEY: ...") on a bad setting; a handle
 * with no outputs when none is configured (send is then a no-op). */
struct otw_alertout *otw_alertout_new(const struct otw_config *cfg, struct otw_err *err);
/* Queues a copy of an alert: `opened` when it is new (or re-opened), else an
 * update of its count. Updates are sent at most once a minute per alert (by
 * id, or by key while id is 0): a newer update replaces one waiting for its
 * minute, and what is still waiting is sent by otw_alertout_free(). Alerts
 * below alert.min_severity are left out. Never blocks on I/O. */
void otw_alertout_send(struct otw_alertout *o, const struct otw_alert *a, bool opened);
/* Sends what is queued (waits up to timeout_ms for collectors that are
 * away), stops the thread, and says on stderr what could not be delivered.
 * NULL is a no-op. */
void otw_alertout_free(struct otw_alertout *o, int timeout_ms);

/* Where the sender thread's reports go (a collector away, alerts dropped);
 * stderr ("otwatch: ...") when fn is NULL. fn is called on the sender thread
 * (and on the caller's thread inside otw_alertout_free) with no lock held. */
typedef void (*otw_alertout_log_fn)(void *ctx, const char *msg);
void otw_alertout_set_log(struct otw_alertout *o, otw_alertout_log_fn fn, void *ctx);

/* Counts summed over the outputs; a "delivery" is one alert to one output. */
struct otw_alertout_stats {
    unsigned outputs;       /* outputs configured */
    uint64_t accepted;      /* alerts handed to the queues (past the two filters below;
                             * counted once however many outputs, dropped ones too) */
    uint64_t filtered;      /* below alert.min_severity */
    uint64_t held;          /* updates replaced by a newer one within their minute */
    uint64_t delivered;     /* deliveries done */
    uint64_t failures;      /* failed attempts (each retried later) */
    uint64_t dropped;       /* deliveries lost: queue full, or still queued when stopped */
    uint64_t rejected;      /* refused for good by the receiver (webhook 4xx), not retried */
    uint64_t waiting;       /* deliveries in the queues now */
};
void otw_alertout_get_stats(struct otw_alertout *o, struct otw_alertout_stats *st);

#endif
