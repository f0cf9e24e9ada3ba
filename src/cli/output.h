/*
 * output.h - how sessions are printed: a table for people, JSON lines with
 * Elastic Common Schema names, CSV with the same names as its header.
 */
#ifndef OTW_OUTPUT_H
#define OTW_OUTPUT_H

#include <stdio.h>

#include "store/store.h"

enum otw_out_format { OTW_OUT_TABLE, OTW_OUT_JSON, OTW_OUT_CSV };

int otw_out_parse_format(const char *s, enum otw_out_format *f);
/* Header line (table, CSV). */
void otw_out_begin(FILE *f, enum otw_out_format fmt);
void otw_out_session(FILE *f, enum otw_out_format fmt, const struct otw_session_row *r);
/* The same with the names and roles of hosts (NULL: none): next to the
 * address in the table, source.name/.role and destination.name/.role in
 * JSON and CSV. */
struct otw_assets;
void otw_out_session_ex(FILE *f, enum otw_out_format fmt, const struct otw_session_row *r,
                        const struct otw_assets *as);
/* "tcp", "udp", "icmp", "ipv6-icmp", or the number. buf >= 8. */
const char *otw_out_transport(int proto, char *buf, size_t len);

/* Shared by the commands that take an expression and times (cmd_sessions.c). */
struct otw_query;
int otw_cli_parse_expr(const char *cmd, const char *expr, struct otw_query **q);
int otw_cli_parse_time(const char *cmd, const char *opt, const char *s, int64_t *out);
/* --limit N (N >= 0); prints the error and returns -1 when not a number. */
int otw_cli_parse_limit(const char *cmd, const char *s, int64_t *out);

/* Names and roles of hosts (detect/assets.h) for the listings: loads the
 * settings file (config; NULL: $OTWATCH_CONFIG, else the default file if
 * present) and the store's labels (full: the whole inventory). Prints the
 * error; returns 0, 1 (store) or 2 (settings). cmd_assets.c. */
int otw_cli_assets_open(const char *cmd, struct otw_store *st, const char *config, bool full,
                        struct otw_assets **out);

#endif
