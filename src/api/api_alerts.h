/*
 * api_alerts.h - JSON of alerts and hosts shared by the alerts and daily
 * check handlers (api_alerts.c, api_daily.c).
 */
#ifndef OTW_API_ALERTS_H
#define OTW_API_ALERTS_H

#include <jansson.h>

#include "detect/alert.h"
#include "store/store.h"

struct otw_assets;

/* {"ip": "192.168.10.20", "mac": "...", "name": "scada", "role": "SCADA
 * server"}: mac when given (may be NULL) or bound to the address in the
 * inventory, name and role when known. as may be NULL. A new reference. */
json_t *otw_api_host_json(const struct otw_assets *as, const uint8_t ip[16], const uint8_t *mac);

/* An alert as the API lists it (docs/API.md, "Alerts"): id, kind, title and
 * explanation in English and Japanese, severity, status, count, times,
 * hosts by name and role, port/proto, detail, who set the status. */
json_t *otw_api_alert_json(const struct otw_alert *a, const struct otw_alert_meta *m,
                           const struct otw_assets *as);

#endif
