/*
 * alertjson.c - an alert's key=value detail as a JSON object (alertjson.h).
 * Moved here from cli/cmd_alerts.c so the CLI and the web API give the same
 * object.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/alert.h"
#include "detect/alertjson.h"

json_t *otw_alert_detail_json(const char *detail)
{
    json_t *o = json_object();
    char buf[sizeof(((struct otw_alert *)0)->detail)], *save = NULL;

    if (o == NULL)
        return NULL;
    snprintf(buf, sizeof(buf), "%s", detail != NULL ? detail : "");
    for (char *t = strtok_r(buf, " ", &save); t != NULL; t = strtok_r(NULL, " ", &save)) {
        char *eq = strchr(t, '='), *end;
        long long v;
        if (eq == NULL)
            continue;
        *eq = '\0';
        v = strtoll(eq + 1, &end, 10);
        if (eq[1] != '\0' && *end == '\0' && (eq[1] != '0' || eq[2] == '\0'))
            json_object_set_new(o, t, json_integer(v));
        else
            json_object_set_new(o, t, json_string(eq + 1));
    }
    return o;
}
