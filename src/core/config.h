/*
 * config.h - the settings file: "key = value" lines, # comments, values
 * optionally in double quotes, a key may repeat (e.g. one `asset` line per
 * host). One parser for every command that reads /etc/otwatch/otwatch.conf.
 * Keys are kept in file order with where they came from ("file:line"), so a
 * consumer can say exactly which line is wrong.
 */
#ifndef OTW_CONFIG_H
#define OTW_CONFIG_H

#include "core/common.h"

#define OTW_DEFAULT_CONFIG "/etc/otwatch/otwatch.conf"

struct otw_config;

struct otw_config *otw_config_new(void);
void otw_config_free(struct otw_config *c);

/* Reads a file and appends its lines. A missing file is not an error unless
 * must_exist. 0, or OTW_EINVAL/OTW_EIO with err = "FILE:LINE: what". */
int otw_config_load(struct otw_config *c, const char *path, bool must_exist, struct otw_err *err);
/* Appends one setting (command line overrides, tests). */
int otw_config_set(struct otw_config *c, const char *key, const char *value, const char *where);

/* The last value of key, or NULL. */
const char *otw_config_get(const struct otw_config *c, const char *key);
/* Where the last value of key came from ("FILE:LINE", "command line"), or "". */
const char *otw_config_where(const struct otw_config *c, const char *key);

/* Calls cb for every line whose key equals `key`, or starts with `prefix`
 * when key ends in '.' (e.g. "detect."), in file order; cb returns non-zero
 * to stop (that value is returned). */
typedef int (*otw_config_cb)(void *ctx, const char *key, const char *value, const char *where);
int otw_config_each(const struct otw_config *c, const char *key, otw_config_cb cb, void *ctx);

/* Typed getters: the default when the key is absent; OTW_EINVAL with
 * "FILE:LINE: KEY: expected ..." when the value is not valid or out of range. */
int otw_config_int(const struct otw_config *c, const char *key, int64_t def, int64_t min,
                   int64_t max, int64_t *out, struct otw_err *err);
int otw_config_double(const struct otw_config *c, const char *key, double def, double min,
                      double max, double *out, struct otw_err *err);
int otw_config_bool(const struct otw_config *c, const char *key, bool def, bool *out,
                    struct otw_err *err);

#endif
