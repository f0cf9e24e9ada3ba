/*
 * common.h - types, error codes and small helpers shared by every module.
 *
 * Functions return 0 or a negative OTW_E* code; constructors return a pointer
 * or NULL. A struct otw_err carries a human message (and, for input files, the
 * byte offset) up to the CLI, which is the only place that prints it.
 */
#ifndef OTW_COMMON_H
#define OTW_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

enum {
    OTW_OK = 0,
    OTW_EINVAL = -1,    /* bad argument or configuration */
    OTW_ENOMEM = -2,
    OTW_EIO = -3,       /* read/write error; errno-based message in otw_err */
    OTW_EFORMAT = -4,   /* input is not what it claims (bad magic, bad block) */
    OTW_ETRUNC = -5,    /* input ends in the middle of a record */
    OTW_ENOTFOUND = -6,
    OTW_EEXIST = -7,
    OTW_ESTORE = -8,    /* database error */
    OTW_ESYNTAX = -9,   /* query expression error */
    OTW_EINTR = -10,    /* stopped by a signal */
};

/* An error a person will read. `offset` is a byte offset into an input file,
 * or -1 when it does not apply. */
struct otw_err {
    char msg[512];
    int64_t offset;
};

void otw_err_set(struct otw_err *e, int64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void otw_err_clear(struct otw_err *e);

#define OTW_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define OTW_MIN(a, b) ((a) < (b) ? (a) : (b))
#define OTW_MAX(a, b) ((a) > (b) ? (a) : (b))
#define OTW_UNUSED(x) ((void)(x))
#define OTW_LIKELY(x) __builtin_expect(!!(x), 1)
#define OTW_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* A code-to-name table row; tables end with {0, NULL} (tcpdump's tok). */
struct otw_tok {
    int v;
    const char *s;
};
const char *otw_tok_str(const struct otw_tok *t, int v, const char *dflt);

/* The stop flag, set by SIGINT/SIGTERM handlers (see core/signals.c). */
extern volatile int otw_stop;
void otw_signals_install(void);

#endif
