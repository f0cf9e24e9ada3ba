/*
 * store_alerts.h - the store's alerts tables (SQLite: sqlite_alerts.c). Included by store.h.
 */
#ifndef OTW_STORE_ALERTS_H
#define OTW_STORE_ALERTS_H

#endif
