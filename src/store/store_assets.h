/*
 * store_assets.h - the store's assets tables (SQLite: sqlite_assets.c). Included by store.h.
 */
#ifndef OTW_STORE_ASSETS_H
#define OTW_STORE_ASSETS_H

#endif
