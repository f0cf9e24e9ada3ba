/*
 * ch_sessions.c - ClickHouse backend: NOT WRITTEN YET (stubs that say so).
 */
#include "store/ch_int.h"

int otw_ch_batch_add(struct otw_ch *ch, const char *table, const char *columns, const void *row,
                     size_t len, struct otw_err *err)
{
    OTW_UNUSED(ch);
    OTW_UNUSED(table);
    OTW_UNUSED(columns);
    OTW_UNUSED(row);
    OTW_UNUSED(len);
    otw_err_set(err, -1, "clickhouse: batch_add is not available yet");
    return OTW_EINVAL;
}

int otw_ch_flush(struct otw_ch *ch, struct otw_err *err)
{
    OTW_UNUSED(ch);
    otw_err_set(err, -1, "clickhouse: flush is not available yet");
    return OTW_EINVAL;
}

int otw_ch_spool_drain(struct otw_ch *ch, uint64_t *sent, uint64_t *left, struct otw_err *err)
{
    OTW_UNUSED(ch);
    OTW_UNUSED(sent);
    OTW_UNUSED(left);
    otw_err_set(err, -1, "clickhouse: spool_drain is not available yet");
    return OTW_EINVAL;
}

int otw_ch_file_find(struct otw_store *st, const uint8_t hash[16], struct otw_file_info *info,
                     struct otw_err *err)
{
    OTW_UNUSED(st);
    OTW_UNUSED(hash);
    OTW_UNUSED(info);
    otw_err_set(err, -1, "clickhouse: file_find is not available yet");
    return OTW_EINVAL;
}

int otw_ch_file_forget(struct otw_store *st, int64_t file_id, struct otw_err *err)
{
    OTW_UNUSED(st);
    OTW_UNUSED(file_id);
    otw_err_set(err, -1, "clickhouse: file_forget is not available yet");
    return OTW_EINVAL;
}

int otw_ch_file_begin(struct otw_store *st, struct otw_file_info *info, struct otw_err *err)
{
    OTW_UNUSED(st);
    OTW_UNUSED(info);
    otw_err_set(err, -1, "clickhouse: file_begin is not available yet");
    return OTW_EINVAL;
}

int otw_ch_file_end(struct otw_store *st, const struct otw_file_info *info, struct otw_err *err)
{
    OTW_UNUSED(st);
    OTW_UNUSED(info);
    otw_err_set(err, -1, "clickhouse: file_end is not available yet");
    return OTW_EINVAL;
}

void otw_ch_file_abort(struct otw_store *st)
{
    OTW_UNUSED(st);
}

int otw_ch_txn_begin(struct otw_store *st, struct otw_err *err)
{
    OTW_UNUSED(st);
    otw_err_set(err, -1, "clickhouse: txn_begin is not available yet");
    return OTW_EINVAL;
}

int otw_ch_txn_commit(struct otw_store *st, struct otw_err *err)
{
    OTW_UNUSED(st);
    otw_err_set(err, -1, "clickhouse: txn_commit is not available yet");
    return OTW_EINVAL;
}

int otw_ch_sessions_put(struct otw_store *st, int64_t file_id, int64_t point_id,
                        const struct otw_session *recs, char (*community_ids)[64], size_t n,
                        struct otw_err *err)
{
    OTW_UNUSED(st);
    OTW_UNUSED(file_id);
    OTW_UNUSED(point_id);
    OTW_UNUSED(recs);
    OTW_UNUSED(community_ids);
    OTW_UNUSED(n);
    otw_err_set(err, -1, "clickhouse: sessions_put is not available yet");
    return OTW_EINVAL;
}

int otw_ch_l2_put(struct otw_store *st, int64_t file_id, const struct otw_l2_row *rows, size_t n,
                  struct otw_err *err)
{
    OTW_UNUSED(st);
    OTW_UNUSED(file_id);
    OTW_UNUSED(rows);
    OTW_UNUSED(n);
    otw_err_set(err, -1, "clickhouse: l2_put is not available yet");
    return OTW_EINVAL;
}

int otw_ch_l2_query(struct otw_store *st, otw_l2_cb cb, void *ctx, struct otw_err *err)
{
    OTW_UNUSED(st);
    OTW_UNUSED(cb);
    OTW_UNUSED(ctx);
    otw_err_set(err, -1, "clickhouse: l2_query is not available yet");
    return OTW_EINVAL;
}

int otw_ch_files_recent(struct otw_store *st, int64_t limit, otw_file_cb cb, void *ctx,
                        struct otw_err *err)
{
    OTW_UNUSED(st);
    OTW_UNUSED(limit);
    OTW_UNUSED(cb);
    OTW_UNUSED(ctx);
    otw_err_set(err, -1, "clickhouse: files_recent is not available yet");
    return OTW_EINVAL;
}
