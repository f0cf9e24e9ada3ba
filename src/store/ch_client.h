/*
 * ch_client.h - a connection to one ClickHouse server over its HTTP
 * interface (libcurl), and the pieces every ClickHouse store file needs:
 * SQL text with escaped values, RowBinary rows for inserts, JSONEachRow
 * answers parsed a row at a time. Internal to src/store/.
 *
 * Written for the SQL both ClickHouse 18.16 (Debian 12) and current
 * releases accept (docs/CLICKHOUSE.md): no query parameters, so every value
 * enters the SQL through otw_sb_str()/otw_sb_blob(); answers are JSONEachRow
 * with output_format_json_quote_64bit_integers=0; any non-200 answer is an
 * error, of which only the leading "Code: N" is parsed.
 *
 *   struct otw_sb q = {0};
 *   otw_sb_printf(&q, "SELECT count() AS n FROM %s WHERE node = ", table);
 *   otw_sb_str(&q, node, strlen(node));
 *   rc = otw_chc_query(c, q.p, row_cb, ctx, err);   // row_cb gets a json_t per row
 *   otw_sb_free(&q);
 */
#ifndef OTW_CH_CLIENT_H
#define OTW_CH_CLIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/common.h"

/* --- a growing byte buffer (SQL text, RowBinary bodies) ---------------------- */

struct otw_sb {
    char *p;        /* NUL-terminated while only text was added */
    size_t len, cap;
    bool oom;       /* an allocation failed: every later add is ignored */
};
void otw_sb_add(struct otw_sb *b, const void *p, size_t n);
void otw_sb_puts(struct otw_sb *b, const char *s);
void otw_sb_printf(struct otw_sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A ClickHouse string literal: '...' with \\, \', control bytes and bytes
 * >= 0x80 as \xNN, so any bytes (binary too) survive. */
void otw_sb_str(struct otw_sb *b, const void *s, size_t n);
/* A FixedString/String literal of raw bytes written as unhex('..'). */
void otw_sb_blob(struct otw_sb *b, const void *p, size_t n);
void otw_sb_reset(struct otw_sb *b);    /* len = 0, keeps the memory */
void otw_sb_free(struct otw_sb *b);

/* RowBinary values (little-endian; strings with a LEB128 length). */
void otw_rb_u8(struct otw_sb *b, uint8_t v);
void otw_rb_u16(struct otw_sb *b, uint16_t v);
void otw_rb_u32(struct otw_sb *b, uint32_t v);
void otw_rb_u64(struct otw_sb *b, uint64_t v);
void otw_rb_i64(struct otw_sb *b, int64_t v);
void otw_rb_varuint(struct otw_sb *b, uint64_t v);
void otw_rb_str(struct otw_sb *b, const void *s, size_t n);     /* String */
void otw_rb_fixed(struct otw_sb *b, const void *p, size_t n, size_t width);  /* FixedString(width), zero-padded */
void otw_rb_datetime(struct otw_sb *b, int64_t us);     /* DateTime: whole seconds of us (UInt32) */

/* --- the server ---------------------------------------------------------------- */

/* Where: clickhouse://HOST:PORT/DB (http) or clickhouses://HOST:PORT/DB
 * (https). User and password never come from the URL (they come from the
 * config file or environment: store/store_remote.h). */
struct otw_ch_url {
    char host[256];
    int port;
    char db[64];
    bool tls;
};
/* 0, or OTW_EINVAL with err saying what is wrong with `uri`. DB: letters,
 * digits and '_' only (it is written into SQL unquoted). */
int otw_ch_url_parse(const char *uri, struct otw_ch_url *u, struct otw_err *err);

struct otw_chc;
/* A connection (nothing is sent yet). user may be NULL ("default"). */
struct otw_chc *otw_chc_new(const struct otw_ch_url *u, const char *user, const char *password,
                            struct otw_err *err);
void otw_chc_free(struct otw_chc *c);
/* Seconds a request may take (connect 5 s; default 300 s). */
void otw_chc_set_timeout(struct otw_chc *c, long seconds);

/* Errors of the calls below: OTW_EIO when the server could not be reached
 * or the connection broke (retry later), OTW_ESTORE when it answered with
 * an error (err: "clickhouse HOST:PORT: Code: N, message"). */

/* Runs a statement with no result (DDL, ALTER, INSERT ... VALUES). */
int otw_chc_exec(struct otw_chc *c, const char *sql, struct otw_err *err);
/* INSERT INTO `table` (columns) FORMAT RowBinary with body as the rows.
 * columns: "a, b, c" (every column of the table, always). */
int otw_chc_insert_rowbinary(struct otw_chc *c, const char *table, const char *columns,
                             const void *body, size_t len, struct otw_err *err);
/* Runs a SELECT; FORMAT JSONEachRow is appended. cb gets each row as a
 * JSON object (borrowed: valid during the call); non-zero from cb stops
 * (that value is returned). Rows are parsed as they arrive. */
typedef int (*otw_chc_row_cb)(void *ctx, json_t *row);
int otw_chc_query(struct otw_chc *c, const char *sql, otw_chc_row_cb cb, void *ctx,
                  struct otw_err *err);
/* The server's version ("18.16.1"); 0 or an error as above. */
int otw_chc_version(struct otw_chc *c, char *buf, size_t len, struct otw_err *err);

/* Readers of JSONEachRow values: ClickHouse prints UInt64 as numbers (with
 * the setting above), strings as strings; these accept either. */
int64_t otw_chj_int(json_t *row, const char *key);
const char *otw_chj_str(json_t *row, const char *key);     /* "" when absent */
/* hex(column) back into bytes: returns the byte count (<= max), 0 on bad hex. */
size_t otw_chj_hex(json_t *row, const char *key, uint8_t *out, size_t max);

#endif
