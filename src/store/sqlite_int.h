/*
 * sqlite_int.h - the SQLite backend's handle and helpers, shared by the
 * files of the backend (sqlite.c, sqlite_pcap.c ...). Internal to src/store/.
 */
#ifndef OTW_SQLITE_INT_H
#define OTW_SQLITE_INT_H

#include <sqlite3.h>

#include "store/store.h"

struct otw_store {
    sqlite3 *db;
    bool read_only;
    sqlite3_stmt *ins_session;
    sqlite3_stmt *ins_field;
    sqlite3_stmt *ins_event;
    sqlite3_stmt *sel_fields;
    sqlite3_stmt *sel_events;
    sqlite3_stmt *del_fields;
    sqlite3_stmt *del_events;
    sqlite3_stmt *ins_l2;
    bool in_txn;
};

/* Runs SQL without results; fills err with SQLite's message on failure. */
int otw_sqlite_exec(struct otw_store *st, const char *sql, struct otw_err *err);
/* Prepares a statement; fills err on failure. */
int otw_sqlite_prepare(struct otw_store *st, sqlite3_stmt **s, const char *sql,
                       struct otw_err *err);
/* Runs statements (each may use ?1 = file_id) in one transaction; `what`
 * names the work in the error ("forgetting a file"). */
int otw_sqlite_file_statements(struct otw_store *st, const char *const *sql, size_t n,
                               int64_t file_id, const char *what, struct otw_err *err);
/* Fills err with "database: WHAT: sqlite's message"; returns OTW_ESTORE. */
int otw_sqlite_fail(struct otw_store *st, struct otw_err *err, const char *what);

/* Migrations kept beside the tables they create (sqlite.c runs them in order). */
extern const char otw_sqlite_migration_assets[];    /* 5 */
extern const char otw_sqlite_migration_baseline[];  /* 6 */
extern const char otw_sqlite_migration_alerts[];    /* 7 */
extern const char otw_sqlite_migration_users[];     /* 8 */
extern const char otw_sqlite_migration_users_lang[];    /* 9 */
extern const char otw_sqlite_migration_web[];      /* 10: sqlite_graph.c (indexes for the web pages) */
extern const char otw_sqlite_migration_sessions_web[];  /* 11: sqlite_query.c (sessions page) */

#endif
