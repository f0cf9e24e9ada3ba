/*
 * capstatus.c - capture health from the stored statistics (capstatus.h),
 * shared by `otwatch status` and the web status page.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "store/capstatus.h"

struct reading {
    struct otw_capstatus *s;
    int cur;                    /* interface whose history is being read */
};

static int on_latest(void *ctx, const struct otw_capstat *c)
{
    struct reading *r = ctx;
    struct otw_capstatus *s = r->s;

    if (s->nifs == OTW_CAPSTATUS_MAX_IFACES)
        return 1;
    memset(&s->ifs[s->nifs], 0, sizeof(s->ifs[s->nifs]));
    s->ifs[s->nifs].c = *c;
    s->nifs++;
    return 0;
}

/* History of one interface: keep the latest row at least a window older
 * than the newest, else the oldest of the same run. */
static int on_history(void *ctx, const struct otw_capstat *c)
{
    struct reading *rd = ctx;
    struct otw_iface_status *r = &rd->s->ifs[rd->cur];

    if (strcmp(c->iface, r->c.iface) != 0 || strcmp(c->point, r->c.point) != 0 ||
        c->started_us != r->c.started_us || c->ts_us >= r->c.ts_us)
        return 0;
    /* rows come oldest first: the last one a window old wins; until one
     * is found, the oldest of the run stands in */
    if (c->ts_us <= r->c.ts_us - OTW_CAPSTATUS_RATE_WINDOW_US || !r->has_base) {
        r->base = *c;
        r->has_base = true;
    }
    return 0;
}

double otw_capstat_drop_pct(const struct otw_capstat *c)
{
    uint64_t all = c->received + c->ifdropped;

    return all ? 100.0 * (double)(c->dropped + c->ifdropped) / (double)all : 0.0;
}

static void rates(struct otw_iface_status *r)
{
    const struct otw_capstat *b = r->has_base ? &r->base : NULL;
    int64_t t0 = b ? b->ts_us : r->c.started_us;
    uint64_t p0 = b ? b->received : 0;
    uint64_t d0 = b ? b->dropped + b->ifdropped : 0, d1 = r->c.dropped + r->c.ifdropped;
    double secs = (double)(r->c.ts_us - t0) / 1e6;

    r->pps = r->drops_ps = -1;
    if (secs < 1)
        return;
    if (r->c.received >= p0)
        r->pps = (double)(r->c.received - p0) / secs;
    if (d1 >= d0)
        r->drops_ps = (double)(d1 - d0) / secs;
}

static int on_pcapfile(void *ctx, const struct otw_pcapfile *f)
{
    struct otw_capstatus *s = ctx;

    s->pf_count++;
    s->pf_bytes += f->bytes;
    s->pf_packets += f->packets;
    if (f->first_us && (s->pf_first == 0 || f->first_us < s->pf_first))
        s->pf_first = f->first_us;
    if (f->last_us > s->pf_last)
        s->pf_last = f->last_us;
    return 0;
}

static int64_t file_size(const char *path)
{
    struct stat sb;

    return stat(path, &sb) == 0 ? (int64_t)sb.st_size : 0;
}

int otw_capstatus_read(struct otw_store *st, const char *dbpath, struct otw_capstatus *s,
                       struct otw_err *err)
{
    struct reading rd = {s, 0};
    struct otw_err perr;

    memset(s, 0, sizeof(*s));
    if (otw_store_capstat_latest(st, on_latest, &rd, err) != 0)
        return OTW_ESTORE;
    for (rd.cur = 0; rd.cur < s->nifs; rd.cur++) {
        if (otw_store_capstat_since(st, s->ifs[rd.cur].c.started_us, on_history, &rd, err) != 0)
            return OTW_ESTORE;
        rates(&s->ifs[rd.cur]);
        s->ifs[rd.cur].drop_pct = otw_capstat_drop_pct(&s->ifs[rd.cur].c);
    }
    /* Packet files, when this database has any; a failure here only
     * leaves them out. */
    s->pf_ok = otw_store_pcapfiles_between(st, 0, INT64_MAX, NULL, false, on_pcapfile, s,
                                           &perr) == 0;
    if (dbpath != NULL && dbpath[0] != '\0') {
        char wal[1100];

        snprintf(wal, sizeof(wal), "%s-wal", dbpath);
        s->db_bytes = file_size(dbpath);
        s->wal_bytes = file_size(wal);
    }
    return 0;
}
