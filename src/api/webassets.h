/*
 * webassets.h - the web interface's files, built by esbuild (web/) and
 * compiled into the binary by scripts/embed-web.py (gen/otw_webassets.c).
 */
#ifndef OTW_WEBASSETS_H
#define OTW_WEBASSETS_H
#include <stddef.h>

struct otw_webasset {
    const char *path;           /* "/app.js" */
    const char *ctype;
    const unsigned char *data;
    size_t len;
};

/* Ends with a {NULL} entry. */
extern const struct otw_webasset otw_webassets[];

#endif
