/*
 * store_remote.h - where a node's shared data lives when it is not only its
 * own SQLite file: a ClickHouse server or cluster (issue 8, ch_*.c). Included
 * by store.h.
 *
 * The settings are process-wide: main() reads them once (the --store option,
 * the config file, the environment) and every otw_store_open() after that
 * attaches the remote store to the SQLite file it opens.
 *
 *   --store clickhouse://HOST:PORT/DB     (or store = ... in the config file,
 *                                           or $OTWATCH_STORE)
 *   clickhouse.user / clickhouse.password  ($OTWATCH_CH_USER / $OTWATCH_CH_PASSWORD)
 *   clickhouse.cluster = NAME              a cluster in the servers' remote_servers
 *   node = NAME                            this node's name ($OTWATCH_NODE; the host name)
 *   clickhouse.spool = DIR                 default: the --db file's path + ".spool"
 *   clickhouse.spool_max_mb = 1024
 *   clickhouse.batch_rows = 20000          rows per insert at most
 *   sensor.NAME = https://HOST:PORT         where a sensor's serve answers packet requests
 *   sensor.token = SECRET                  shared by the central viewer and the sensors
 *   sensor.ca = FILE                        CA certificate(s) the sensors' TLS certificates
 *                                           are checked against (self-signed ones)
 */
#ifndef OTW_STORE_REMOTE_H
#define OTW_STORE_REMOTE_H

#include "core/common.h"

struct otw_config;

/* The version of the ClickHouse schema this otwatch writes (store init). */
#define OTW_STORE_REMOTE_SCHEMA 1

struct otw_store_remote {
    char uri[512];          /* "" : SQLite only */
    char user[64], password[128];
    char node[64];          /* always set (host name by default) */
    char cluster[64];       /* "" : one server, reads go to the local tables */
    char spool_dir[1024];   /* "" : the database file's path + ".spool" */
    int64_t spool_max_bytes;
    int64_t batch_rows;
    char sensor_token[128]; /* "" : no packet requests between nodes */
    char sensor_ca[1024];   /* sensor.ca: CA file for the sensors' TLS certificates ("" : system) */
};

/* Fills r from the config file, the environment and uri_override (the
 * --store option, NULL when not given), in that order of precedence
 * (the option first). Checks the URL. 0 or OTW_EINVAL with err. */
int otw_store_remote_load(const struct otw_config *c, const char *uri_override,
                          struct otw_store_remote *r, struct otw_err *err);
/* Sets the process-wide settings (before any otw_store_open). */
void otw_store_remote_set(const struct otw_store_remote *r);
/* The process-wide settings (uri "" when none were set). */
const struct otw_store_remote *otw_store_remote_get(void);

/* This node's name: the settings' node (or the host name). */
const char *otw_store_node(void);

/* The URL of a sensor's serve from `sensor.NAME` in the config (NULL when
 * not configured); kept by otw_store_remote_load for later lookups. */
const char *otw_store_sensor_url(const char *node);

/* `otwatch store init`: creates the schema on the server at uri (and the
 * Distributed tables of cluster when not NULL/empty). */
int otw_store_remote_init(const char *uri, const struct otw_store_remote *r, struct otw_err *err);
/* `otwatch store drain`: sends the spool of the store at db_path now. */
int otw_store_remote_drain(const char *db_path, uint64_t *sent, uint64_t *left,
                           struct otw_err *err);

/* `otwatch store status`: the server of the configured store, its schema,
 * sessions per node (through the cluster when there is one), and this
 * node's spool (next to db_path unless clickhouse.spool says where). */
struct otw_store_remote_status {
    char version[32];       /* the server's */
    int schema;             /* 0: not initialised */
    uint64_t spool_files, spool_bytes;
    char spool_dir[1024];
};
struct otw_store_remote_node {
    char node[64];
    uint64_t sessions;
    int64_t first_us, last_us;
};
typedef int (*otw_store_node_cb)(void *ctx, const struct otw_store_remote_node *n);
int otw_store_remote_status(const char *db_path, struct otw_store_remote_status *s,
                            otw_store_node_cb cb, void *ctx, struct otw_err *err);

/* `otwatch store drop --before DAY`: drops, on the server at uri, the
 * partitions of every table wholly before day_us (a day: YYYYMMDD
 * partitions; a month: YYYYMM partitions). *dropped: how many. */
int otw_store_remote_drop(const char *uri, const struct otw_store_remote *r, int64_t day_us,
                          uint64_t *dropped, struct otw_err *err);

#endif
