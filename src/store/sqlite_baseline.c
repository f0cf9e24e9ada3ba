/*
 * sqlite_baseline.c - the baseline tables of the SQLite store (store_baseline.h).
 */
#include "store/sqlite_int.h"

/* Schema migration: the baseline tables. */
const char otw_sqlite_migration_baseline[] = "";
