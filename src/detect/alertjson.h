/*
 * alertjson.h - an alert's detail ("ports=443,4444 bytes_out=1100000") as
 * a JSON object, the same for `otwatch alerts --format json` and the web
 * API (api/api_alerts.c).
 */
#ifndef OTW_ALERTJSON_H
#define OTW_ALERTJSON_H

#include <jansson.h>

/* "k=v k=v" -> {"k": v}: whole numbers become JSON integers, anything else
 * a string; words without '=' are left out. A new reference (NULL only when
 * out of memory). */
json_t *otw_alert_detail_json(const char *detail);

#endif
