/*
 * store_users.h - the store's user accounts (SQLite: sqlite_users.c). Included by store.h.
 *
 * One row per user of the web interface (issue 7): name, role (admin or
 * viewer) and the password hash as libsodium's crypto_pwhash_str writes it
 * (an Argon2id string carrying its salt and parameters). The store never
 * sees a password; hashing and checking are the caller's (cli/cmd_user.c).
 */
#ifndef OTW_STORE_USERS_H
#define OTW_STORE_USERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct otw_store;

#define OTW_USER_NAME_MAX 64
#define OTW_USER_HASH_MAX 256   /* crypto_pwhash_STRBYTES is 128 */
#define OTW_USER_PASSWORD_MIN 10    /* bytes */
#define OTW_USER_PASSWORD_MAX 1024

/* The rules every way of making or changing a user follows (`otwatch user`,
 * the web API in api/auth.c): a name is 1-64 characters of A-Z a-z 0-9 . _
 * @ -; a role is admin or viewer; a new password is 10 to 1024 bytes. */
bool otw_user_name_ok(const char *name);
bool otw_user_role_ok(const char *role);
bool otw_user_password_ok(size_t len);

struct otw_user {
    char name[OTW_USER_NAME_MAX + 1];
    char role[16];              /* "admin" or "viewer" */
    char hash[OTW_USER_HASH_MAX];
    int64_t created_us, updated_us;
    char lang[8];               /* "en" or "ja": the web interface's language for this user */
};

/* OTW_EEXIST when the name is taken. */
int otw_store_user_add(struct otw_store *st, const char *name, const char *role,
                       const char *hash, struct otw_err *err);
/* OTW_ENOTFOUND when there is no such user. */
int otw_store_user_get(struct otw_store *st, const char *name, struct otw_user *u,
                       struct otw_err *err);
/* Every user, by name; a non-zero return of cb stops and is returned. */
typedef int (*otw_user_cb)(void *ctx, const struct otw_user *u);
int otw_store_users_list(struct otw_store *st, otw_user_cb cb, void *ctx, struct otw_err *err);
/* OTW_ENOTFOUND when there is no such user. */
int otw_store_user_remove(struct otw_store *st, const char *name, struct otw_err *err);
int otw_store_user_set_password(struct otw_store *st, const char *name, const char *hash,
                                struct otw_err *err);
int otw_store_user_set_role(struct otw_store *st, const char *name, const char *role,
                            struct otw_err *err);
/* "en" or "ja" (the CHECK constraint refuses anything else: OTW_ESTORE). */
int otw_store_user_set_lang(struct otw_store *st, const char *name, const char *lang,
                            struct otw_err *err);
/* The number of users (role NULL) or of users with that role. */
int otw_store_users_count(struct otw_store *st, const char *role, int64_t *n,
                          struct otw_err *err);

#endif
