/*
 * ch_detect.c - ClickHouse backend: assets, baseline and alerts tables.
 * NOT WRITTEN YET.
 */
#include "store/ch_int.h"

const struct otw_ch_table *const otw_ch_tables_detect[] = {NULL};
