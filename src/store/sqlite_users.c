/*
 * sqlite_users.c - the user accounts table of the SQLite store (store_users.h).
 *
 * users: name, role, password hash (libsodium's Argon2id string), when the
 * row was created and last changed. Read and written by `otwatch user` and,
 * later, the web interface's login (issue 7).
 */
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "store/sqlite_int.h"

/* Schema migration: the users table. */
const char otw_sqlite_migration_users[] =
    "CREATE TABLE users ("
    " name TEXT PRIMARY KEY,"
    " role TEXT NOT NULL CHECK (role IN ('admin', 'viewer')),"
    " hash TEXT NOT NULL,"
    " created_us INTEGER NOT NULL,"
    " updated_us INTEGER NOT NULL);";

/* Schema migration 9: the language each user reads the web interface in. */
const char otw_sqlite_migration_users_lang[] =
    "ALTER TABLE users ADD COLUMN lang TEXT NOT NULL DEFAULT 'en' CHECK (lang IN ('en', 'ja'));";

/* --- the rules for names, roles and passwords (store_users.h) ---------------------------- */

bool otw_user_name_ok(const char *name)
{
    size_t n = strlen(name);

    return n > 0 && n <= OTW_USER_NAME_MAX &&
           strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._@-") == n;
}

bool otw_user_role_ok(const char *role)
{
    return strcmp(role, "admin") == 0 || strcmp(role, "viewer") == 0;
}

bool otw_user_password_ok(size_t len)
{
    return len >= OTW_USER_PASSWORD_MIN && len <= OTW_USER_PASSWORD_MAX;
}

static int64_t wall_us(void)
{
    struct timeval tv;

    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

static void copy_text(char *dst, size_t len, const unsigned char *src)
{
    snprintf(dst, len, "%s", src ? (const char *)src : "");
}

static void row_user(sqlite3_stmt *s, struct otw_user *u)
{
    memset(u, 0, sizeof(*u));
    copy_text(u->name, sizeof(u->name), sqlite3_column_text(s, 0));
    copy_text(u->role, sizeof(u->role), sqlite3_column_text(s, 1));
    copy_text(u->hash, sizeof(u->hash), sqlite3_column_text(s, 2));
    u->created_us = sqlite3_column_int64(s, 3);
    u->updated_us = sqlite3_column_int64(s, 4);
    copy_text(u->lang, sizeof(u->lang), sqlite3_column_text(s, 5));
}

int otw_store_user_add(struct otw_store *st, const char *name, const char *role,
                       const char *hash, struct otw_err *err)
{
    sqlite3_stmt *s = NULL;
    int64_t now = wall_us();
    int rc;

    if (otw_sqlite_prepare(st, &s,
                           "INSERT INTO users (name, role, hash, created_us, updated_us)"
                           " VALUES (?1, ?2, ?3, ?4, ?4)",
                           err) != 0)
        return OTW_ESTORE;
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, role, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, hash, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, now);
    rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) {
        rc = 0;
    } else if (sqlite3_extended_errcode(st->db) == SQLITE_CONSTRAINT_PRIMARYKEY) {
        otw_err_set(err, -1, "user '%s' already exists", name);
        rc = OTW_EEXIST;
    } else {
        rc = otw_sqlite_fail(st, err, "adding a user");
    }
    sqlite3_finalize(s);
    return rc;
}

int otw_store_user_get(struct otw_store *st, const char *name, struct otw_user *u,
                       struct otw_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc;

    if (otw_sqlite_prepare(st, &s,
                           "SELECT name, role, hash, created_us, updated_us, lang FROM users"
                           " WHERE name = ?1",
                           err) != 0)
        return OTW_ESTORE;
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        row_user(s, u);
        rc = 0;
    } else if (rc == SQLITE_DONE) {
        otw_err_set(err, -1, "no user '%s'", name);
        rc = OTW_ENOTFOUND;
    } else {
        rc = otw_sqlite_fail(st, err, "reading a user");
    }
    sqlite3_finalize(s);
    return rc;
}

int otw_store_users_list(struct otw_store *st, otw_user_cb cb, void *ctx, struct otw_err *err)
{
    sqlite3_stmt *s = NULL;
    struct otw_user u;
    int rc;

    if (otw_sqlite_prepare(st, &s,
                           "SELECT name, role, hash, created_us, updated_us, lang FROM users"
                           " ORDER BY name",
                           err) != 0)
        return OTW_ESTORE;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        row_user(s, &u);
        rc = cb(ctx, &u);
        if (rc != 0)
            goto out;
    }
    rc = rc == SQLITE_DONE ? 0 : otw_sqlite_fail(st, err, "listing users");
out:
    sqlite3_finalize(s);
    return rc;
}

/* Runs an UPDATE or DELETE of one user (?1 = name, ?2 = value, ?3 = now). */
static int change_one(struct otw_store *st, const char *sql, const char *name, const char *val,
                      const char *what, struct otw_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc = OTW_ESTORE;

    if (otw_sqlite_prepare(st, &s, sql, err) != 0)
        return OTW_ESTORE;
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    if (val != NULL)
        sqlite3_bind_text(s, 2, val, -1, SQLITE_STATIC);
    if (sqlite3_bind_parameter_count(s) >= 3)
        sqlite3_bind_int64(s, 3, wall_us());
    if (sqlite3_step(s) != SQLITE_DONE) {
        rc = otw_sqlite_fail(st, err, what);
        goto out;
    }
    if (sqlite3_changes(st->db) == 0) {
        otw_err_set(err, -1, "no user '%s'", name);
        rc = OTW_ENOTFOUND;
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(s);
    return rc;
}

int otw_store_user_remove(struct otw_store *st, const char *name, struct otw_err *err)
{
    return change_one(st, "DELETE FROM users WHERE name = ?1", name, NULL, "removing a user",
                      err);
}

int otw_store_user_set_password(struct otw_store *st, const char *name, const char *hash,
                                struct otw_err *err)
{
    return change_one(st, "UPDATE users SET hash = ?2, updated_us = ?3 WHERE name = ?1", name,
                      hash, "changing a password", err);
}

int otw_store_user_set_role(struct otw_store *st, const char *name, const char *role,
                            struct otw_err *err)
{
    return change_one(st, "UPDATE users SET role = ?2, updated_us = ?3 WHERE name = ?1", name,
                      role, "changing a role", err);
}

int otw_store_user_set_lang(struct otw_store *st, const char *name, const char *lang,
                            struct otw_err *err)
{
    return change_one(st, "UPDATE users SET lang = ?2, updated_us = ?3 WHERE name = ?1", name,
                      lang, "changing a language", err);
}

int otw_store_users_count(struct otw_store *st, const char *role, int64_t *n,
                          struct otw_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc;

    if (otw_sqlite_prepare(st, &s, "SELECT count(*) FROM users WHERE ?1 IS NULL OR role = ?1",
                           err) != 0)
        return OTW_ESTORE;
    if (role != NULL)
        sqlite3_bind_text(s, 1, role, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *n = sqlite3_column_int64(s, 0);
        rc = 0;
    } else {
        rc = otw_sqlite_fail(st, err, "counting users");
    }
    sqlite3_finalize(s);
    return rc;
}
