/*
 * ch_remote.c - the remote store's settings (store_remote.h), opening and
 * closing the ClickHouse side of a store handle, `otwatch store init` and
 * `otwatch store drain`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/config.h"
#include "store/ch_int.h"

static struct otw_store_remote g_remote;
static bool g_remote_set;

/* sensor.NAME = URL lines, kept for otw_store_sensor_url(). */
#define MAX_SENSORS 64
static struct {
    char node[64];
    char url[512];
} g_sensors[MAX_SENSORS];
static size_t g_nsensors;

static void default_node(char *buf, size_t len)
{
    char host[256];

    if (gethostname(host, sizeof(host)) != 0 || host[0] == '\0')
        snprintf(host, sizeof(host), "otwatch");
    host[OTW_MIN(sizeof(host), len) - 1] = '\0';
    memcpy(buf, host, strlen(host) + 1);
}

static int copy_setting(char *dst, size_t len, const char *v, const char *key,
                        struct otw_err *err)
{
    if (v == NULL)
        return 0;
    if (strlen(v) >= len) {
        otw_err_set(err, -1, "%s: longer than %zu bytes", key, len - 1);
        return OTW_EINVAL;
    }
    snprintf(dst, len, "%s", v);
    return 0;
}

static int node_name_ok(const char *s)
{
    if (*s == '\0')
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '-' || *s == '_' || *s == '.'))
            return 0;
    return 1;
}

static int sensor_line(void *ctx, const char *key, const char *value, const char *where)
{
    struct otw_err *err = ctx;
    const char *name = key + strlen("sensor.");

    if (strcmp(name, "token") == 0 || strcmp(name, "ca") == 0)
        return 0;
    if (!node_name_ok(name) || strlen(name) >= sizeof(g_sensors[0].node) ||
        strlen(value) >= sizeof(g_sensors[0].url) ||
        (strncmp(value, "http://", 7) != 0 && strncmp(value, "https://", 8) != 0)) {
        otw_err_set(err, -1, "%s: %s: expected sensor.NAME = https://HOST:PORT", where, key);
        return OTW_EINVAL;
    }
    if (g_nsensors == MAX_SENSORS) {
        otw_err_set(err, -1, "%s: more than %d sensor lines", where, MAX_SENSORS);
        return OTW_EINVAL;
    }
    snprintf(g_sensors[g_nsensors].node, sizeof(g_sensors[0].node), "%s", name);
    snprintf(g_sensors[g_nsensors].url, sizeof(g_sensors[0].url), "%s", value);
    g_nsensors++;
    return 0;
}

int otw_store_remote_load(const struct otw_config *c, const char *uri_override,
                          struct otw_store_remote *r, struct otw_err *err)
{
    const char *env;
    int64_t v;
    struct otw_ch_url u;
    int rc = 0;

    memset(r, 0, sizeof(*r));
    r->spool_max_bytes = 1024LL << 20;
    r->batch_rows = 20000;
    if (c != NULL) {
        rc |= copy_setting(r->uri, sizeof(r->uri), otw_config_get(c, "store"), "store", err);
        rc |= copy_setting(r->user, sizeof(r->user), otw_config_get(c, "clickhouse.user"),
                           "clickhouse.user", err);
        rc |= copy_setting(r->password, sizeof(r->password),
                           otw_config_get(c, "clickhouse.password"), "clickhouse.password", err);
        rc |= copy_setting(r->cluster, sizeof(r->cluster), otw_config_get(c, "clickhouse.cluster"),
                           "clickhouse.cluster", err);
        rc |= copy_setting(r->node, sizeof(r->node), otw_config_get(c, "node"), "node", err);
        rc |= copy_setting(r->spool_dir, sizeof(r->spool_dir),
                           otw_config_get(c, "clickhouse.spool"), "clickhouse.spool", err);
        rc |= copy_setting(r->sensor_token, sizeof(r->sensor_token),
                           otw_config_get(c, "sensor.token"), "sensor.token", err);
        rc |= copy_setting(r->sensor_ca, sizeof(r->sensor_ca), otw_config_get(c, "sensor.ca"),
                           "sensor.ca", err);
        if (rc != 0)
            return OTW_EINVAL;
        if (otw_config_int(c, "clickhouse.spool_max_mb", 1024, 1, 1 << 24, &v, err) != 0)
            return OTW_EINVAL;
        r->spool_max_bytes = v << 20;
        if (otw_config_int(c, "clickhouse.batch_rows", 20000, 1, 1000000, &v, err) != 0)
            return OTW_EINVAL;
        r->batch_rows = v;
        g_nsensors = 0;
        if (otw_config_each(c, "sensor.", sensor_line, err) != 0)
            return OTW_EINVAL;
    }
    if ((env = getenv("OTWATCH_STORE")) != NULL && env[0] != '\0')
        rc |= copy_setting(r->uri, sizeof(r->uri), env, "OTWATCH_STORE", err);
    if ((env = getenv("OTWATCH_CH_USER")) != NULL && env[0] != '\0')
        rc |= copy_setting(r->user, sizeof(r->user), env, "OTWATCH_CH_USER", err);
    if ((env = getenv("OTWATCH_CH_PASSWORD")) != NULL)
        rc |= copy_setting(r->password, sizeof(r->password), env, "OTWATCH_CH_PASSWORD", err);
    if ((env = getenv("OTWATCH_NODE")) != NULL && env[0] != '\0')
        rc |= copy_setting(r->node, sizeof(r->node), env, "OTWATCH_NODE", err);
    if ((env = getenv("OTWATCH_SENSOR_TOKEN")) != NULL && env[0] != '\0')
        rc |= copy_setting(r->sensor_token, sizeof(r->sensor_token), env, "OTWATCH_SENSOR_TOKEN",
                           err);
    if (uri_override != NULL)
        rc |= copy_setting(r->uri, sizeof(r->uri), uri_override, "--store", err);
    if (rc != 0)
        return OTW_EINVAL;
    if (strcmp(r->uri, "sqlite") == 0)      /* --store sqlite: this node's file only */
        r->uri[0] = '\0';
    if (r->uri[0] != '\0' && otw_ch_url_parse(r->uri, &u, err) != 0)
        return OTW_EINVAL;
    if (r->node[0] == '\0')
        default_node(r->node, sizeof(r->node));
    if (!node_name_ok(r->node)) {
        otw_err_set(err, -1, "node '%s': letters, digits, '-', '_' and '.' only", r->node);
        return OTW_EINVAL;
    }
    return 0;
}

void otw_store_remote_set(const struct otw_store_remote *r)
{
    g_remote = *r;
    g_remote_set = true;
}

const struct otw_store_remote *otw_store_remote_get(void)
{
    return &g_remote;
}

const char *otw_store_node(void)
{
    if (!g_remote_set || g_remote.node[0] == '\0') {
        default_node(g_remote.node, sizeof(g_remote.node));
        g_remote_set = true;
    }
    return g_remote.node;
}

const char *otw_store_sensor_url(const char *node)
{
    for (size_t i = 0; i < g_nsensors; i++)
        if (strcmp(g_sensors[i].node, node) == 0)
            return g_sensors[i].url;
    return NULL;
}

/* --- the ClickHouse side of a handle ------------------------------------------- */

struct otw_ch *otw_ch_open(const struct otw_store_remote *cfg, const char *db_path,
                           bool read_only, struct otw_err *err)
{
    struct otw_ch *ch = calloc(1, sizeof(*ch));
    struct otw_ch_url u;

    if (ch == NULL) {
        otw_err_set(err, -1, "out of memory");
        return NULL;
    }
    ch->cfg = *cfg;
    ch->read_only = read_only;
    if (otw_ch_url_parse(cfg->uri, &u, err) != 0 ||
        (ch->c = otw_chc_new(&u, cfg->user, cfg->password, err)) == NULL) {
        free(ch);
        return NULL;
    }
    if (cfg->spool_dir[0] != '\0')
        snprintf(ch->spool_dir, sizeof(ch->spool_dir), "%s", cfg->spool_dir);
    else
        snprintf(ch->spool_dir, sizeof(ch->spool_dir), "%s.spool", db_path);
    return ch;
}

void otw_ch_close(struct otw_ch *ch)
{
    struct otw_err err;

    if (ch == NULL)
        return;
    if (!ch->read_only && otw_ch_flush(ch, &err) != 0)
        fprintf(stderr, "otwatch: warning: %s\n", err.msg);
    otw_ch_writes_done(ch);
    free(ch->priv[2]);      /* ch_spans.c */
    for (size_t i = 0; i < ch->nbatches; i++)
        otw_sb_free(&ch->batches[i].rows);
    free(ch->batches);
    otw_chc_free(ch->c);
    free(ch);
}

const char *otw_ch_read_table(const struct otw_ch *ch, const char *name, char *buf, size_t len)
{
    struct otw_ch_url u;

    otw_ch_url_parse(ch->cfg.uri, &u, NULL);
    snprintf(buf, len, "%s.%s%s", u.db, name, ch->cfg.cluster[0] ? "" : "_local");
    return buf;
}

const char *otw_ch_write_table(const struct otw_ch *ch, const char *name, char *buf, size_t len)
{
    struct otw_ch_url u;

    otw_ch_url_parse(ch->cfg.uri, &u, NULL);
    snprintf(buf, len, "%s.%s_local", u.db, name);
    return buf;
}

int otw_store_remote_init(const char *uri, const struct otw_store_remote *r, struct otw_err *err)
{
    struct otw_ch_url u;
    struct otw_chc *c;
    int rc;

    if (otw_ch_url_parse(uri, &u, err) != 0)
        return OTW_EINVAL;
    if ((c = otw_chc_new(&u, r->user, r->password, err)) == NULL)
        return OTW_ENOMEM;
    rc = otw_ch_schema_init(c, u.db, r->cluster, err);
    otw_chc_free(c);
    return rc;
}

int otw_store_remote_drain(const char *db_path, uint64_t *sent, uint64_t *left,
                           struct otw_err *err)
{
    struct otw_ch *ch;
    int rc;

    *sent = *left = 0;
    if (g_remote.uri[0] == '\0') {
        otw_err_set(err, -1, "no remote store: give --store clickhouse://HOST:PORT/DB");
        return OTW_EINVAL;
    }
    if ((ch = otw_ch_open(&g_remote, db_path, false, err)) == NULL)
        return OTW_EINVAL;
    rc = otw_ch_spool_drain(ch, sent, left, err);
    otw_ch_close(ch);
    return rc;
}

/* --- status and dropping old days ------------------------------------------------ */

struct status_ctx {
    struct otw_store_remote_status *s;
    otw_store_node_cb cb;
    void *ctx;
};

static int schema_row(void *arg, json_t *row)
{
    struct status_ctx *c = arg;

    c->s->schema = (int)otw_chj_int(row, "v");
    return 0;
}

static int node_row(void *arg, json_t *row)
{
    struct status_ctx *c = arg;
    struct otw_store_remote_node n = {0};

    snprintf(n.node, sizeof(n.node), "%s", otw_chj_str(row, "node"));
    n.sessions = (uint64_t)otw_chj_int(row, "n");
    n.first_us = otw_chj_int(row, "first_us");
    n.last_us = otw_chj_int(row, "last_us");
    return c->cb(c->ctx, &n);
}

static void spool_usage(const char *dir, uint64_t *files, uint64_t *bytes)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    struct stat sb;
    char path[2048];

    *files = *bytes = 0;
    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode)) {
            (*files)++;
            *bytes += (uint64_t)sb.st_size;
        }
    }
    closedir(d);
}

int otw_store_remote_status(const char *db_path, struct otw_store_remote_status *s,
                            otw_store_node_cb cb, void *ctx, struct otw_err *err)
{
    struct status_ctx c = {s, cb, ctx};
    struct otw_ch *ch;
    struct otw_sb q = {0};
    char t[160];
    int rc;

    memset(s, 0, sizeof(*s));
    if (g_remote.uri[0] == '\0') {
        otw_err_set(err, -1, "no remote store: give --store clickhouse://HOST:PORT/DB");
        return OTW_EINVAL;
    }
    if ((ch = otw_ch_open(&g_remote, db_path, true, err)) == NULL)
        return OTW_EINVAL;
    snprintf(s->spool_dir, sizeof(s->spool_dir), "%s", ch->spool_dir);
    spool_usage(ch->spool_dir, &s->spool_files, &s->spool_bytes);
    rc = otw_chc_version(ch->c, s->version, sizeof(s->version), err);
    if (rc == 0) {
        otw_sb_printf(&q, "SELECT max(version) AS v FROM %s",
                      otw_ch_write_table(ch, "schema", t, sizeof(t)));
        rc = q.oom ? OTW_ENOMEM : otw_chc_query(ch->c, q.p, schema_row, &c, err);
    }
    if (rc == 0) {
        otw_sb_reset(&q);
        otw_sb_printf(&q,
                      "SELECT node, count() AS n, min(start_us) AS first_us,"
                      " max(start_us) AS last_us FROM %s FINAL WHERE start >= toDateTime(0)"
                      " GROUP BY node ORDER BY node",
                      otw_ch_read_table(ch, "sessions", t, sizeof(t)));
        rc = q.oom ? OTW_ENOMEM : otw_chc_query(ch->c, q.p, node_row, &c, err);
    }
    otw_sb_free(&q);
    ch->read_only = true;   /* nothing to flush */
    otw_ch_close(ch);
    return rc;
}

struct drop_ctx {
    char day[16], month[16];
    struct otw_sb list;     /* "table\tpartition\n" ... */
};

static int part_row(void *arg, json_t *row)
{
    struct drop_ctx *d = arg;
    const char *p = otw_chj_str(row, "partition"), *t = otw_chj_str(row, "table");
    size_t n = strlen(p);

    for (size_t i = 0; i < n; i++)
        if (p[i] < '0' || p[i] > '9')
            return 0;                       /* not a day or month partition */
    if ((n == 8 && strcmp(p, d->day) < 0) || (n == 6 && strcmp(p, d->month) < 0))
        otw_sb_printf(&d->list, "%s\t%s\n", t, p);
    return 0;
}

int otw_store_remote_drop(const char *uri, const struct otw_store_remote *r, int64_t day_us,
                          uint64_t *dropped, struct otw_err *err)
{
    struct drop_ctx d = {0};
    struct otw_ch_url u;
    struct otw_chc *c;
    struct otw_sb q = {0};
    time_t t = (time_t)(day_us / 1000000);
    struct tm tm;
    int rc;

    *dropped = 0;
    if (otw_ch_url_parse(uri, &u, err) != 0)
        return OTW_EINVAL;
    if ((c = otw_chc_new(&u, r->user, r->password, err)) == NULL)
        return OTW_ENOMEM;
    gmtime_r(&t, &tm);
    strftime(d.day, sizeof(d.day), "%Y%m%d", &tm);
    strftime(d.month, sizeof(d.month), "%Y%m", &tm);
    otw_sb_printf(&q,
                  "SELECT DISTINCT table, partition FROM system.parts WHERE active AND"
                  " database = '%s' AND endsWith(table, '_local') ORDER BY table, partition",
                  u.db);
    rc = q.oom ? OTW_ENOMEM : otw_chc_query(c, q.p, part_row, &d, err);
    for (char *line = d.list.p; rc == 0 && line != NULL && *line != '\0';) {
        char *tab = strchr(line, '\t'), *nl = strchr(line, '\n');

        *tab = '\0';
        *nl = '\0';
        otw_sb_reset(&q);
        otw_sb_printf(&q, "ALTER TABLE %s.%s DROP PARTITION %s", u.db, line, tab + 1);
        rc = q.oom ? OTW_ENOMEM : otw_chc_exec(c, q.p, err);
        if (rc == 0)
            (*dropped)++;
        line = nl + 1;
    }
    otw_sb_free(&q);
    otw_sb_free(&d.list);
    otw_chc_free(c);
    return rc;
}
