/*
 * store_baseline.h - the store's baseline tables (SQLite: sqlite_baseline.c). Included by store.h.
 */
#ifndef OTW_STORE_BASELINE_H
#define OTW_STORE_BASELINE_H

#endif
