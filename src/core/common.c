/*
 * common.c - error helpers, code tables and the one process-wide stop flag.
 */
#include "core/common.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

volatile int otw_stop;

void otw_err_set(struct otw_err *e, int64_t offset, const char *fmt, ...)
{
    va_list ap;

    if (e == NULL)
        return;
    e->offset = offset;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
}

void otw_err_clear(struct otw_err *e)
{
    if (e == NULL)
        return;
    e->msg[0] = '\0';
    e->offset = -1;
}

const char *otw_tok_str(const struct otw_tok *t, int v, const char *dflt)
{
    for (; t->s != NULL; t++)
        if (t->v == v)
            return t->s;
    return dflt;
}

static void on_signal(int sig)
{
    (void)sig;
    otw_stop = 1;
}

void otw_signals_install(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}
