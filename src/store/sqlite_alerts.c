/*
 * sqlite_alerts.c - the alerts tables of the SQLite store (store_alerts.h).
 */
#include "store/sqlite_int.h"

/* Schema migration: the alerts tables. */
const char otw_sqlite_migration_alerts[] = "";
