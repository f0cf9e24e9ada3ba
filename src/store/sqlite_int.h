/*
 * sqlite_int.h - the SQLite backend's handle and helpers, shared by the
 * files of the backend (sqlite.c, sqlite_pcap.c ...). Internal to src/store/.
 */
#ifndef OTW_SQLITE_INT_H
#define OTW_SQLITE_INT_H

#include <sqlite3.h>

#include "store/ch_int.h"
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
    struct otw_ch *ch;      /* the remote store (ch_int.h), or NULL */
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

/* The columns of one session row, in the order otw_sqlite_session_row()
 * reads them (the table must be named `sessions` in the query): 0 id ..
 * 31 file path, 32 uid. */
#define OTW_SQLITE_SESSION_COLUMNS                                                          \
    "sessions.id, sessions.start_us, sessions.end_us, sessions.ipver, sessions.proto,"       \
    " sessions.src_ip, sessions.src_port, sessions.dst_ip, sessions.dst_port,"               \
    " sessions.src_mac, sessions.dst_mac, sessions.vlan1, sessions.vlan2,"                   \
    " sessions.src_packets, sessions.src_bytes, sessions.src_payload, sessions.src_flags,"   \
    " sessions.dst_packets, sessions.dst_bytes, sessions.dst_payload, sessions.dst_flags,"   \
    " sessions.state, sessions.icmp_type, sessions.icmp_code, sessions.community_id,"        \
    " sessions.protocols, sessions.segment, sessions.continued, sessions.end_reason,"        \
    " IFNULL((SELECT name FROM points WHERE points.id = sessions.point_id), ''),"           \
    " IFNULL(sessions.protocol_guess, ''),"                                                  \
    " IFNULL((SELECT path FROM files WHERE files.id = sessions.file_id), ''), sessions.uid"
void otw_sqlite_session_row(sqlite3_stmt *s, struct otw_session_row *r);

#endif
