/*
 * sqlite_query.h - query expressions (query/query.h) compiled to a SQLite
 * WHERE clause with ? parameters: the SQLite dialect of the compiler in
 * sqlq.h. Internal to src/store/.
 *
 * The clause refers to the sessions table by its name ("sessions.src_ip"), so
 * the SELECT must name the table `sessions` without an alias (joins to points
 * and files are fine). User values never enter the SQL text: each one is a
 * bind value, in the order its ? appears.
 *
 *   struct otw_sqlq w;
 *   otw_sqlq_compile(q, &w, &err);                  // "sessions.dst_port IN (?, ?)"
 *   ... "SELECT ... FROM sessions WHERE start_us >= ? AND (" w.where ")" ...
 *   otw_sqlq_bind(stmt, &w, 2);                     // our first ? is parameter 2
 *   otw_sqlq_free(&w);
 */
#ifndef OTW_SQLITE_QUERY_H
#define OTW_SQLITE_QUERY_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/common.h"
#include "query/query.h"
#include "store/sqlq.h"

/* Compiles q (NULL or an empty query: "1") into *out, which the caller frees
 * with otw_sqlq_free() whether or not this succeeds. */
int otw_sqlq_compile(const struct otw_query *q, struct otw_sqlq *out, struct otw_err *err);
/* The same; app_exists: parser field comparisons as correlated EXISTS
 * (SQLite then walks the ORDER BY index and probes session_fields per
 * session) instead of id IN (...) (SQLite looks up each listed session and
 * sorts them): the first is fast when the field matches many sessions,
 * the second when it matches few (sqlite.c chooses with
 * otw_sqlq_app_probe). */
int otw_sqlq_compile_ex(const struct otw_query *q, bool app_exists, struct otw_sqlq *out,
                        struct otw_err *err);
/* The condition on session_fields rows ("(field = ? AND value = ?)") of one
 * parser field comparison n (a CMP node of a parser field), for counting
 * the rows it finds. Freed with otw_sqlq_free(). */
int otw_sqlq_app_probe(const struct otw_qnode *n, struct otw_sqlq *out, struct otw_err *err);
/* Binds out's values as parameters first_index, first_index + 1 ...
 * (first_index is 1-based, as in sqlite3_bind_*). Values are copied
 * (SQLITE_TRANSIENT): out may be freed before the statement is stepped.
 * Returns 0 or OTW_ESTORE. */
int otw_sqlq_bind(sqlite3_stmt *st, const struct otw_sqlq *q, int first_index);

/* The ORDER BY list for sorting by `field` (either naming; NULL: starttime),
 * e.g. "sessions.dst_port DESC, sessions.id DESC"; the id makes the order
 * total. Unknown field: OTW_EINVAL with a "did you mean" message in err. */
int otw_sqlq_order_by(const char *field, bool desc, char *buf, size_t len, struct otw_err *err);

/* The expression a sort by `field` orders by (static text), and whether it
 * may be NULL (SQLite puts NULL first in ascending order); as
 * otw_sqlq_order_by, OTW_EINVAL for a field that cannot sort. */
int otw_sqlq_sort_expr(const char *field, const char **expr, bool *nullable,
                       struct otw_err *err);

#endif
