/*
 * ch_spans.c - the longest session record per day and node, so that a
 * time-range query of the ClickHouse store can prune by start without
 * reading every record's length (ch_query.c: a session overlapping
 * [since, until) started no earlier than since minus the longest record).
 *
 * A sensor adds a row when a record is longer than any it has written for
 * that day in this run; readers take max(longest). A max is the same
 * however often a row is sent, so the table needs no ids. `otwatch store
 * init` fills it from the sessions when it is empty and sessions are not
 * (sessions loaded by other means); when it is still empty, readers fall
 * back to reading the sessions' lengths.
 */
#include <stdlib.h>
#include <string.h>

#include "store/sqlite_int.h"

const struct otw_ch_table otw_ch_table_spans = {
    "session_spans",
    "day Date, node String, longest Int64",
    "MergeTree() ORDER BY (node, day)",
    "cityHash64(node)",
};

#define SPANS_DAYS 64   /* days remembered per handle; the oldest is forgotten */

struct spans {
    int32_t day[SPANS_DAYS];
    int64_t longest[SPANS_DAYS];
    size_t n, next;
};

int otw_ch_spans_note(struct otw_store *st, int64_t start_us, int64_t end_us,
                      struct otw_err *err)
{
    struct otw_ch *ch = st->ch;
    struct spans *s = ch->priv[2];
    int64_t len = end_us - start_us;
    int32_t day = (int32_t)(start_us / 86400000000LL);
    struct otw_sb row = {0};
    size_t i;
    int rc;

    if (start_us < 0 || len <= 0)
        return 0;
    if (s == NULL && (s = ch->priv[2] = calloc(1, sizeof(*s))) == NULL) {
        otw_err_set(err, -1, "out of memory");
        return OTW_ENOMEM;
    }
    for (i = 0; i < s->n && s->day[i] != day; i++)
        ;
    if (i < s->n && s->longest[i] >= len)
        return 0;
    if (i == s->n) {
        if (s->n < SPANS_DAYS) {
            s->n++;
        } else {
            i = s->next;
            s->next = (s->next + 1) % SPANS_DAYS;
        }
        s->day[i] = day;
    }
    s->longest[i] = len;
    otw_rb_u16(&row, (uint16_t)day);
    otw_rb_str(&row, ch->cfg.node, strlen(ch->cfg.node));
    otw_rb_i64(&row, len);
    if (row.oom) {
        otw_sb_free(&row);
        otw_err_set(err, -1, "out of memory");
        return OTW_ENOMEM;
    }
    rc = otw_ch_batch_add(ch, otw_ch_table_spans.name, "day, node, longest", row.p, row.len,
                          err);
    otw_sb_free(&row);
    return rc;
}

static int max_row(void *ctx, json_t *row)
{
    int64_t *m = ctx;

    m[0] = otw_chj_int(row, "m");
    m[1] = otw_chj_int(row, "n");
    return 0;
}

int otw_ch_longest(struct otw_store *st, int64_t *us, struct otw_err *err)
{
    struct otw_sb q = {0};
    int64_t m[2] = {0, 0};
    char t[160];
    int rc;

    *us = 0;
    otw_sb_printf(&q, "SELECT max(longest) AS m, count() AS n FROM %s",
                  otw_ch_read_table(st->ch, otw_ch_table_spans.name, t, sizeof(t)));
    rc = q.oom ? OTW_ENOMEM : otw_chc_query(st->ch->c, q.p, max_row, m, err);
    if (rc == 0 && m[1] == 0) {
        /* Nothing noted (sessions loaded without otwatch): read them all. */
        otw_sb_reset(&q);
        otw_sb_printf(&q, "SELECT max(end_us - start_us) AS m, count() AS n FROM %s",
                      otw_ch_read_table(st->ch, otw_ch_table_sessions.name, t, sizeof(t)));
        rc = q.oom ? OTW_ENOMEM : otw_chc_query(st->ch->c, q.p, max_row, m, err);
    }
    otw_sb_free(&q);
    if (rc == 0 && m[0] > 0)
        *us = m[0];
    return rc;
}

static int count_row(void *ctx, json_t *row)
{
    *(int64_t *)ctx = otw_chj_int(row, "n");
    return 0;
}

int otw_ch_spans_backfill(struct otw_chc *c, const char *db, struct otw_err *err)
{
    struct otw_sb q = {0};
    int64_t n = 0;
    int rc;

    otw_sb_printf(&q, "SELECT count() AS n FROM %s.session_spans_local", db);
    rc = q.oom ? OTW_ENOMEM : otw_chc_query(c, q.p, count_row, &n, err);
    if (rc == 0 && n == 0) {
        otw_sb_reset(&q);
        otw_sb_printf(&q,
                      "INSERT INTO %s.session_spans_local (day, node, longest)"
                      " SELECT toDate(start) AS d, node, max(end_us - start_us) AS l"
                      " FROM %s.sessions_local GROUP BY d, node",
                      db, db);
        rc = q.oom ? OTW_ENOMEM : otw_chc_exec(c, q.p, err);
    }
    otw_sb_free(&q);
    return rc;
}
