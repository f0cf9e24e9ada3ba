/*
 * cmd_user.c - `otwatch user`: the user accounts of the web interface
 * (issue 7): add, change password or role, remove, list, check a password.
 *
 * Passwords never come from the command line (argv is visible in ps): they
 * are read from the terminal without echo, asked twice when set, or as one
 * line from stdin when stdin is not a terminal (scripts, tests). They are
 * hashed with libsodium's crypto_pwhash_str (Argon2id, salted) and the
 * buffers holding them are wiped with sodium_memzero. See docs/USERS.md.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/timeutil.h"
#include "store/store.h"

#define PW_MIN OTW_USER_PASSWORD_MIN
#define PW_MAX OTW_USER_PASSWORD_MAX

static void usage(FILE *f)
{
    fprintf(f,
            "usage: otwatch user add NAME [--role admin|viewer] [--db PATH]\n"
            "       otwatch user passwd NAME [--db PATH]\n"
            "       otwatch user role NAME admin|viewer [--db PATH]\n"
            "       otwatch user remove NAME [--db PATH]\n"
            "       otwatch user list [--format table|json] [--db PATH]\n"
            "       otwatch user check NAME [--db PATH]\n"
            "\n"
            "Manages who may log in to the web interface (docs/USERS.md). A viewer reads;\n"
            "an admin also changes the baseline, alerts and users. Passwords are never\n"
            "given on the command line: they are asked on the terminal (twice, without\n"
            "echo), or read as one line from standard input when that is not a terminal.\n"
            "They are stored only as Argon2id hashes. 'check' says whether a password is\n"
            "right (exit 0) or wrong (exit 1), for scripts.\n"
            "\n"
            "  otwatch user add tanaka --role admin\n"
            "  printf '%%s\\n' \"$PW\" | otwatch user add suzuki\n"
            "  otwatch user role suzuki admin\n"
            "  otwatch user list --format json\n"
            "\n"
            "options:\n"
            "  --db PATH              database file (default: $OTWATCH_DB or ./otwatch.db)\n"
            "  --role R               add: admin or viewer (default viewer)\n"
            "  --format table|json    list: a table (default) or JSON lines\n"
            "  -h, --help             this text\n"
            "\n"
            "Names are 1-64 characters of A-Z a-z 0-9 . _ @ -; passwords %d to %d bytes.\n"
            "Exit status: 0 ok, 1 database error, no such user, user exists or wrong\n"
            "password, 2 usage error.\n",
            PW_MIN, PW_MAX);
}

static int check_name(const char *s)
{
    size_t n = strlen(s);

    if (!otw_user_name_ok(s)) {
        fprintf(stderr, "otwatch user: bad user name '%s': 1-%d characters of A-Z a-z 0-9 . _ @ -\n",
                n > 80 ? "(too long)" : s, OTW_USER_NAME_MAX);
        return -1;
    }
    return 0;
}

static int check_role(const char *s)
{
    if (!otw_user_role_ok(s)) {
        fprintf(stderr, "otwatch user: unknown role '%s' (admin or viewer)\n", s);
        return -1;
    }
    return 0;
}

/*
 * Reads one line from fd 0 into buf (NUL-terminated, newline dropped), one
 * byte at a time so no copy stays in a stdio buffer. Returns its length,
 * -1 at end of input before anything, -2 when too long, -3 interrupted
 * (a signal while reading from the terminal).
 */
static long read_line(char *buf, size_t len, bool tty)
{
    size_t n = 0;
    bool too_long = false;
    char ch;

    for (;;) {
        ssize_t r = read(STDIN_FILENO, &ch, 1);

        if (r < 0 && errno == EINTR) {
            if (tty)                /* Ctrl-C or a stop signal (see read_tty) */
                return -3;
            continue;
        }
        if (r <= 0) {
            if (n == 0 && !too_long)
                return -1;
            break;
        }
        if (ch == '\n' || (tty && ch == '\r'))
            break;
        if (n + 1 >= len) {
            too_long = true;
            continue;
        }
        buf[n++] = ch;
    }
    if (n > 0 && buf[n - 1] == '\r')
        n--;
    buf[n] = '\0';
    ch = 0;
    return too_long ? -2 : (long)n;
}

static void on_signal(int sig)
{
    OTW_UNUSED(sig);            /* only interrupts read() */
}

/*
 * Prompts on the terminal (stderr) and reads without echo. Ctrl-C (and
 * SIGTERM, SIGHUP) interrupt the read instead of killing the process, so
 * the terminal's echo is always turned back on.
 */
static long read_tty(const char *prompt, char *buf, size_t len)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
    struct sigaction sa, saved[OTW_ARRAY_LEN(sigs)];
    struct termios old, quiet;
    long n;

    if (tcgetattr(STDIN_FILENO, &old) != 0)
        return read_line(buf, len, false);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;      /* no SA_RESTART: read() returns EINTR */
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < OTW_ARRAY_LEN(sigs); i++)
        sigaction(sigs[i], &sa, &saved[i]);
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    quiet.c_lflag |= ECHONL;
    fprintf(stderr, "%s", prompt);
    fflush(stderr);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    n = read_line(buf, len, true);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    for (size_t i = 0; i < OTW_ARRAY_LEN(sigs); i++)
        sigaction(sigs[i], &saved[i], NULL);
    if (n == -3)
        fputc('\n', stderr);
    return n;
}

/*
 * Gets a password into pw (PW_MAX + 2 bytes): asked twice on a terminal
 * when `twice`, else one line. Returns 0, or the exit status (1 or 2) after
 * printing why.
 */
static int get_password(const char *name, bool twice, char *pw, size_t len)
{
    bool tty = isatty(STDIN_FILENO);
    char prompt[128];
    long n;

    if (tty) {
        snprintf(prompt, sizeof(prompt), "%sassword for %s: ", twice ? "New p" : "P", name);
        n = read_tty(prompt, pw, len);
    } else {
        n = read_line(pw, len, false);
    }
    if (n == -1) {
        fprintf(stderr, "otwatch user: no password given (end of input)\n");
        return 2;
    }
    if (n == -3) {
        fprintf(stderr, "otwatch user: interrupted\n");
        return 2;
    }
    if (n == -2 || n > PW_MAX) {
        fprintf(stderr, "otwatch user: password too long (at most %d bytes)\n", PW_MAX);
        return 2;
    }
    if (n < PW_MIN && twice) {
        fprintf(stderr, "otwatch user: password too short (at least %d bytes)\n", PW_MIN);
        return 2;
    }
    if (tty && twice) {
        char *again = sodium_malloc(len);
        int same;

        if (again == NULL) {
            fprintf(stderr, "otwatch user: out of memory\n");
            return 1;
        }
        n = read_tty("Again: ", again, len);
        same = n >= 0 && strcmp(pw, again) == 0;
        sodium_free(again);     /* wipes it */
        if (!same) {
            fprintf(stderr, "otwatch user: the passwords differ; nothing changed\n");
            return 2;
        }
    }
    return 0;
}

/* Reads, checks and hashes a new password into hash; 0 or the exit status. */
static int new_hash(const char *name, char hash[crypto_pwhash_STRBYTES])
{
    char *pw = sodium_malloc(PW_MAX + 2);
    int rc;

    if (pw == NULL) {
        fprintf(stderr, "otwatch user: out of memory\n");
        return 1;
    }
    rc = get_password(name, true, pw, PW_MAX + 2);
    if (rc == 0 && crypto_pwhash_str(hash, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                     crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
        fprintf(stderr, "otwatch user: hashing the password failed (out of memory)\n");
        rc = 1;
    }
    sodium_free(pw);            /* sodium_memzero, then free */
    return rc;
}

struct list_ctx {
    bool json;
};

static int list_one(void *p, const struct otw_user *u)
{
    struct list_ctx *c = p;
    char t1[40], t2[40];

    otw_time_format(u->created_us, t1, sizeof(t1));
    otw_time_format(u->updated_us, t2, sizeof(t2));
    if (c->json) {
        json_t *o = json_object();
        char *s;

        json_object_set_new(o, "name", json_string(u->name));
        json_object_set_new(o, "role", json_string(u->role));
        json_object_set_new(o, "created", json_string(t1));
        json_object_set_new(o, "updated", json_string(t2));
        s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (s != NULL)
            printf("%s\n", s);
        free(s);
        json_decref(o);
    } else {
        printf("%-24s %-7s %-28s %s\n", u->name, u->role, t1, t2);
    }
    return 0;
}

int otw_cmd_user(int argc, char **argv)
{
    static const struct option lo[] = {
        {"db", required_argument, NULL, 'd'},
        {"role", required_argument, NULL, 'r'},
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db = otw_cli_default_db(), *role = NULL, *verb, *name = NULL;
    bool json = false;
    struct otw_store *st = NULL;
    struct otw_err err;
    char hash[crypto_pwhash_STRBYTES];
    int c, rc = 1, nargs, want;

    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    verb = argv[1];
    if (strcmp(verb, "-h") == 0 || strcmp(verb, "--help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(verb, "add") == 0 || strcmp(verb, "passwd") == 0 ||
        strcmp(verb, "remove") == 0 || strcmp(verb, "check") == 0)
        want = 1;
    else if (strcmp(verb, "role") == 0)
        want = 2;
    else if (strcmp(verb, "list") == 0)
        want = 0;
    else {
        fprintf(stderr, "otwatch user: unknown action '%s' (add, passwd, role, remove, list, "
                        "check)\n", verb);
        return 2;
    }
    optind = 2;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'r':
            if (strcmp(verb, "add") != 0) {
                fprintf(stderr, "otwatch user: --role is for add; use 'otwatch user role NAME "
                                "ROLE'\n");
                return 2;
            }
            role = optarg;
            break;
        case 'f':
            if (strcmp(verb, "list") != 0) {
                fprintf(stderr, "otwatch user: --format is for list\n");
                return 2;
            }
            if (strcmp(optarg, "json") == 0)
                json = true;
            else if (strcmp(optarg, "table") != 0) {
                fprintf(stderr, "otwatch user: --format takes table or json\n");
                return 2;
            }
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    nargs = argc - optind;
    if (nargs != want) {
        if (want == 0)
            fprintf(stderr, "otwatch user: unexpected argument '%s'\n", argv[optind]);
        else if (nargs > want && want == 1)
            fprintf(stderr, "otwatch user: %s takes one user name (the password is asked, "
                            "never given as an argument)\n", verb);
        else
            fprintf(stderr, "otwatch user: %s needs %s\n", verb,
                    want == 2 ? "a user name and a role" : "a user name");
        return 2;
    }
    if (want >= 1) {
        name = argv[optind];
        if (check_name(name) != 0)
            return 2;
    }
    if (want == 2) {
        role = argv[optind + 1];
        if (check_role(role) != 0)
            return 2;
    }
    if (strcmp(verb, "add") == 0) {
        if (role == NULL)
            role = "viewer";
        if (check_role(role) != 0)
            return 2;
    }
    if (sodium_init() < 0) {
        fprintf(stderr, "otwatch user: libsodium failed to initialise\n");
        return 1;
    }

    otw_err_clear(&err);
    st = otw_store_open(db, strcmp(verb, "list") == 0 || strcmp(verb, "check") == 0, &err);
    if (st == NULL) {
        fprintf(stderr, "otwatch user: %s\n", err.msg);
        return 1;
    }
    if (strcmp(verb, "list") == 0) {
        struct list_ctx lc = {.json = json};

        if (!json)
            printf("%-24s %-7s %-28s %s\n", "NAME", "ROLE", "CREATED", "UPDATED");
        if (otw_store_users_list(st, list_one, &lc, &err) != 0)
            goto fail;
        rc = 0;
    } else if (strcmp(verb, "add") == 0 || strcmp(verb, "passwd") == 0) {
        struct otw_user u;
        bool add = strcmp(verb, "add") == 0;
        int r = otw_store_user_get(st, name, &u, &err);

        if (add && r == 0) {
            fprintf(stderr, "otwatch user: user '%s' already exists\n", name);
            goto out;
        }
        if (r != 0 && (add ? r != OTW_ENOTFOUND : true))
            goto fail;
        rc = new_hash(name, hash);
        if (rc != 0)
            goto out;
        rc = 1;
        r = add ? otw_store_user_add(st, name, role, hash, &err)
                : otw_store_user_set_password(st, name, hash, &err);
        sodium_memzero(hash, sizeof(hash));
        if (r != 0)
            goto fail;
        if (add)
            fprintf(stderr, "otwatch user: added %s (%s)\n", name, role);
        else
            fprintf(stderr, "otwatch user: password of %s changed\n", name);
        rc = 0;
    } else if (strcmp(verb, "role") == 0) {
        if (otw_store_user_set_role(st, name, role, &err) != 0)
            goto fail;
        fprintf(stderr, "otwatch user: %s is now %s\n", name, role);
        rc = 0;
    } else if (strcmp(verb, "remove") == 0) {
        if (otw_store_user_remove(st, name, &err) != 0)
            goto fail;
        fprintf(stderr, "otwatch user: removed %s\n", name);
        rc = 0;
    } else {    /* check */
        struct otw_user u;
        char *pw;
        int r;

        if (otw_store_user_get(st, name, &u, &err) != 0)
            goto fail;
        pw = sodium_malloc(PW_MAX + 2);
        if (pw == NULL) {
            fprintf(stderr, "otwatch user: out of memory\n");
            goto out;
        }
        r = get_password(name, false, pw, PW_MAX + 2);
        if (r != 0) {
            sodium_free(pw);
            rc = r;
            goto out;
        }
        r = crypto_pwhash_str_verify(u.hash, pw, strlen(pw));
        sodium_free(pw);
        sodium_memzero(&u, sizeof(u));
        if (r == 0) {
            printf("password ok\n");
            rc = 0;
        } else {
            fprintf(stderr, "otwatch user: wrong password for %s\n", name);
            rc = 1;
        }
    }
    goto out;
fail:
    fprintf(stderr, "otwatch user: %s\n", err.msg);
    rc = 1;
out:
    otw_store_close(st);
    return rc;
}
