/*
 * api.h - the route tables of the JSON API, one per file, and the server's
 * entry points. server.c walks every table in otw_api_tables[] for each
 * request under /api/.
 */
#ifndef OTW_API_H
#define OTW_API_H
#include <stdbool.h>

#include "api/http.h"

extern const struct otw_route otw_routes_auth[];       /* auth.c: login, logout, me, setup, users */
extern const struct otw_route otw_routes_sessions[];   /* api_sessions.c: sessions, pcap, fields */
extern const struct otw_route otw_routes_graph[];      /* api_graph.c: connections graph */
extern const struct otw_route otw_routes_assets[];     /* api_assets.c */
extern const struct otw_route otw_routes_alerts[];     /* api_alerts.c */
extern const struct otw_route otw_routes_baseline[];   /* api_baseline.c */
extern const struct otw_route otw_routes_daily[];      /* api_daily.c: daily check, status */
/* All of the above, in that order, then NULL (server.c; `otwatch serve --list-routes`). */
extern const struct otw_route *const otw_api_tables[];

/* How `otwatch serve` (and `capture --serve`) runs the server. */
struct otw_serve_opts {
    const char *listen;         /* "127.0.0.1:8005" (default), "[::1]:8005", "0.0.0.0:8443" */
    const char *db;             /* database path */
    const char *config;         /* settings file, or NULL */
    const char *pcap_dir;       /* packet directory, or NULL */
    const char *tls_cert;       /* PEM files; required to listen beyond loopback */
    const char *tls_key;
    int threads;                /* worker threads (default 4) */
    /* Set the plant time zone from the settings (plant.timezone) at start:
     * `serve` does; `capture --serve` has set it already, before its
     * threads started (the zone is process-wide). */
    bool set_plant_tz;
};

/* Starts the server in its own threads; NULL with err when it cannot
 * (address in use, no admin user while listening beyond loopback, TLS
 * files unreadable...). */
struct otw_api *otw_api_start(const struct otw_serve_opts *o, struct otw_err *err);
/* What otw_api_start checks before it starts anything: the listen address
 * parses; beyond loopback only with a TLS certificate and key (readable,
 * valid, matching) and an admin user in the database (created when missing).
 * 0; OTW_EINVAL: the options are wrong (a usage error); else a database or
 * file error. err says which. */
int otw_api_check(const struct otw_serve_opts *o, struct otw_err *err);
void otw_api_stop(struct otw_api *api);

#endif
