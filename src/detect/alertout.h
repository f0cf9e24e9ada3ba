/*
 * alertout.h - where alerts go besides the database: syslog (RFC 5424, to
 * the local socket or a remote UDP/TCP collector), CEF over syslog for
 * SIEMs, a JSON-lines file, an HTTP webhook (libcurl). Configured by the
 * `alert.*` settings (docs/ALERTS.md). Sending never blocks capture for
 * long: a bounded queue and a sender thread; a collector that is away is
 * retried and reported, not waited for.
 */
#ifndef OTW_ALERTOUT_H
#define OTW_ALERTOUT_H

#include "core/config.h"
#include "detect/alert.h"

struct otw_alertout;

/* NULL with err set on a bad setting; a handle with no outputs when none is
 * configured. */
struct otw_alertout *otw_alertout_new(const struct otw_config *cfg, struct otw_err *err);
/* Queues an alert: `opened` when it is new (or re-opened), else an update
 * of its count (sent at most once a minute per alert). */
void otw_alertout_send(struct otw_alertout *o, const struct otw_alert *a, bool opened);
/* Sends what is queued (waits up to timeout_ms), stops the thread. */
void otw_alertout_free(struct otw_alertout *o, int timeout_ms);

#endif
