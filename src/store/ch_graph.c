/*
 * ch_graph.c - ClickHouse backend: NOT WRITTEN YET (stubs that say so).
 */
#include "store/ch_int.h"

int otw_ch_graph_edges(struct otw_store *st, const struct otw_graph_query *q,
                       otw_graph_edge_cb cb, void *ctx, uint64_t *matched, struct otw_err *err)
{
    OTW_UNUSED(st);
    OTW_UNUSED(q);
    OTW_UNUSED(cb);
    OTW_UNUSED(ctx);
    OTW_UNUSED(matched);
    otw_err_set(err, -1, "clickhouse: graph_edges is not available yet");
    return OTW_EINVAL;
}

int otw_ch_graph_rebuild(struct otw_store *st, struct otw_err *err)
{
    OTW_UNUSED(st);
    otw_err_set(err, -1, "clickhouse: graph_rebuild is not available yet");
    return OTW_EINVAL;
}

int otw_ch_session_span(struct otw_store *st, int64_t *first_us, int64_t *last_us,
                        struct otw_err *err)
{
    OTW_UNUSED(st);
    OTW_UNUSED(first_us);
    OTW_UNUSED(last_us);
    otw_err_set(err, -1, "clickhouse: session_span is not available yet");
    return OTW_EINVAL;
}

int otw_ch_host_hours(struct otw_store *st, int64_t since_us, int64_t until_us, int64_t top,
                      otw_host_hour_cb cb, void *ctx, struct otw_range_totals *totals,
                      struct otw_err *err)
{
    OTW_UNUSED(st);
    OTW_UNUSED(since_us);
    OTW_UNUSED(until_us);
    OTW_UNUSED(top);
    OTW_UNUSED(cb);
    OTW_UNUSED(ctx);
    OTW_UNUSED(totals);
    otw_err_set(err, -1, "clickhouse: host_hours is not available yet");
    return OTW_EINVAL;
}
