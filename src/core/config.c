/*
 * config.c - the settings file (see config.h).
 */
#include "core/config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct line {
    char *key, *value, *where;
};

struct otw_config {
    struct line *v;
    size_t n, cap;
};

struct otw_config *otw_config_new(void)
{
    return calloc(1, sizeof(struct otw_config));
}

void otw_config_free(struct otw_config *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->n; i++) {
        free(c->v[i].key);
        free(c->v[i].value);
        free(c->v[i].where);
    }
    free(c->v);
    free(c);
}

int otw_config_set(struct otw_config *c, const char *key, const char *value, const char *where)
{
    struct line *l;

    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 32;
        struct line *v = realloc(c->v, cap * sizeof(*v));
        if (v == NULL)
            return OTW_ENOMEM;
        c->v = v;
        c->cap = cap;
    }
    l = &c->v[c->n];
    l->key = strdup(key);
    l->value = strdup(value);
    l->where = strdup(where ? where : "");
    if (l->key == NULL || l->value == NULL || l->where == NULL) {
        free(l->key);
        free(l->value);
        free(l->where);
        return OTW_ENOMEM;
    }
    c->n++;
    return 0;
}

static char *trim(char *s)
{
    char *e;

    while (*s == ' ' || *s == '\t')
        s++;
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
        *--e = '\0';
    return s;
}

int otw_config_load(struct otw_config *c, const char *path, bool must_exist, struct otw_err *err)
{
    FILE *f = fopen(path, "r");
    char line[4096], where[1100];
    int lineno = 0, rc = 0;

    if (f == NULL) {
        if (!must_exist && errno == ENOENT)
            return 0;
        otw_err_set(err, -1, "%s: cannot read: %s", path, strerror(errno));
        return OTW_EIO;
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        char *k, *v, *eq;
        size_t vl;

        lineno++;
        snprintf(where, sizeof(where), "%s:%d", path, lineno);
        if (strchr(line, '\n') == NULL && !feof(f)) {
            otw_err_set(err, -1, "%s: line too long (at most %zu characters)", where,
                        sizeof(line) - 2);
            rc = OTW_EINVAL;
            break;
        }
        k = trim(line);
        if (*k == '\0' || *k == '#')
            continue;
        eq = strchr(k, '=');
        if (eq == NULL) {
            otw_err_set(err, -1, "%s: expected 'key = value'", where);
            rc = OTW_EINVAL;
            break;
        }
        *eq = '\0';
        k = trim(k);
        v = trim(eq + 1);
        if (*k == '\0') {
            otw_err_set(err, -1, "%s: a key is missing before '='", where);
            rc = OTW_EINVAL;
            break;
        }
        vl = strlen(v);
        if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"') {
            v[vl - 1] = '\0';
            v++;
        }
        if ((rc = otw_config_set(c, k, v, where)) != 0) {
            otw_err_set(err, -1, "%s: out of memory", where);
            break;
        }
    }
    if (rc == 0 && ferror(f)) {
        otw_err_set(err, -1, "%s: read error: %s", path, strerror(errno));
        rc = OTW_EIO;
    }
    fclose(f);
    return rc;
}

static const struct line *last(const struct otw_config *c, const char *key)
{
    if (c == NULL)
        return NULL;
    for (size_t i = c->n; i-- > 0;)
        if (strcmp(c->v[i].key, key) == 0)
            return &c->v[i];
    return NULL;
}

const char *otw_config_get(const struct otw_config *c, const char *key)
{
    const struct line *l = last(c, key);

    return l ? l->value : NULL;
}

const char *otw_config_where(const struct otw_config *c, const char *key)
{
    const struct line *l = last(c, key);

    return l ? l->where : "";
}

int otw_config_each(const struct otw_config *c, const char *key, otw_config_cb cb, void *ctx)
{
    size_t kl = strlen(key);
    bool prefix = kl > 0 && key[kl - 1] == '.';

    if (c == NULL)
        return 0;
    for (size_t i = 0; i < c->n; i++) {
        const struct line *l = &c->v[i];
        int rc;
        if (prefix ? strncmp(l->key, key, kl) != 0 : strcmp(l->key, key) != 0)
            continue;
        if ((rc = cb(ctx, l->key, l->value, l->where)) != 0)
            return rc;
    }
    return 0;
}

static int bad(const struct line *l, struct otw_err *err, const char *what)
{
    otw_err_set(err, -1, "%s: %s: expected %s, not '%s'", l->where[0] ? l->where : "settings",
                l->key, what, l->value);
    return OTW_EINVAL;
}

int otw_config_int(const struct otw_config *c, const char *key, int64_t def, int64_t min,
                   int64_t max, int64_t *out, struct otw_err *err)
{
    const struct line *l = last(c, key);
    char *end, what[96];
    long long v;

    *out = def;
    if (l == NULL)
        return 0;
    snprintf(what, sizeof(what), "a whole number from %lld to %lld", (long long)min,
             (long long)max);
    errno = 0;
    v = strtoll(l->value, &end, 10);
    if (errno != 0 || end == l->value || *end != '\0' || v < min || v > max)
        return bad(l, err, what);
    *out = v;
    return 0;
}

int otw_config_double(const struct otw_config *c, const char *key, double def, double min,
                      double max, double *out, struct otw_err *err)
{
    const struct line *l = last(c, key);
    char *end, what[96];
    double v;

    *out = def;
    if (l == NULL)
        return 0;
    snprintf(what, sizeof(what), "a number from %g to %g", min, max);
    errno = 0;
    v = strtod(l->value, &end);
    if (errno != 0 || end == l->value || *end != '\0' || !isfinite(v) || v < min || v > max)
        return bad(l, err, what);
    *out = v;
    return 0;
}

int otw_config_bool(const struct otw_config *c, const char *key, bool def, bool *out,
                    struct otw_err *err)
{
    const struct line *l = last(c, key);

    *out = def;
    if (l == NULL)
        return 0;
    if (!strcasecmp(l->value, "yes") || !strcasecmp(l->value, "true") ||
        !strcasecmp(l->value, "on") || !strcmp(l->value, "1"))
        *out = true;
    else if (!strcasecmp(l->value, "no") || !strcasecmp(l->value, "false") ||
             !strcasecmp(l->value, "off") || !strcmp(l->value, "0"))
        *out = false;
    else
        return bad(l, err, "yes or no");
    return 0;
}
