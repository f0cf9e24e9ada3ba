/*
 * ch_query.c - ClickHouse backend: NOT WRITTEN YET (stubs that say so).
 */
#include "store/ch_int.h"

int otw_ch_sessions_query(struct otw_store *st, const struct otw_session_query *q,
                          otw_session_cb cb, void *ctx, struct otw_err *err)
{
    OTW_UNUSED(st);
    OTW_UNUSED(q);
    OTW_UNUSED(cb);
    OTW_UNUSED(ctx);
    otw_err_set(err, -1, "clickhouse: sessions_query is not available yet");
    return OTW_EINVAL;
}

int otw_ch_sessions_count(struct otw_store *st, const struct otw_session_query *q, int64_t cap,
                          int64_t *n, struct otw_err *err)
{
    OTW_UNUSED(st);
    OTW_UNUSED(q);
    OTW_UNUSED(cap);
    OTW_UNUSED(n);
    otw_err_set(err, -1, "clickhouse: sessions_count is not available yet");
    return OTW_EINVAL;
}

int otw_ch_hosts_query(struct otw_store *st, const struct otw_session_query *q, otw_host_cb cb,
                       void *ctx, struct otw_err *err)
{
    OTW_UNUSED(st);
    OTW_UNUSED(q);
    OTW_UNUSED(cb);
    OTW_UNUSED(ctx);
    otw_err_set(err, -1, "clickhouse: hosts_query is not available yet");
    return OTW_EINVAL;
}
