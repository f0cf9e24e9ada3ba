/*
 * sqlite_assets.c - the assets tables of the SQLite store (store_assets.h).
 */
#include "store/sqlite_int.h"

/* Schema migration: the assets tables. */
const char otw_sqlite_migration_assets[] = "";
