/*
 * cursor.h - bounds-checked reads over untrusted bytes.
 *
 * Every byte that came from a file or the network is read through a cursor.
 * A read past the end sets `err` and returns 0; the error sticks, so a parser
 * may do a run of reads and check once (Arkime's BSB, tcpdump's GET_*).
 * Never cast packet bytes to a struct.
 */
#ifndef OTW_CURSOR_H
#define OTW_CURSOR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct otw_cur {
    const uint8_t *p;   /* next byte */
    const uint8_t *end; /* one past the last byte */
    int err;            /* sticky: set by any read past the end */
};

static inline void otw_cur_init(struct otw_cur *c, const uint8_t *p, size_t len)
{
    c->p = p;
    c->end = p + len;
    c->err = 0;
}

static inline size_t otw_cur_left(const struct otw_cur *c)
{
    return c->err ? 0 : (size_t)(c->end - c->p);
}

static inline int otw_cur_need(struct otw_cur *c, size_t n)
{
    if (c->err || (size_t)(c->end - c->p) < n) {
        c->err = 1;
        return 0;
    }
    return 1;
}

static inline uint8_t otw_cur_u8(struct otw_cur *c)
{
    if (!otw_cur_need(c, 1))
        return 0;
    return *c->p++;
}

static inline uint16_t otw_cur_be16(struct otw_cur *c)
{
    uint16_t v;

    if (!otw_cur_need(c, 2))
        return 0;
    v = (uint16_t)((c->p[0] << 8) | c->p[1]);
    c->p += 2;
    return v;
}

static inline uint16_t otw_cur_le16(struct otw_cur *c)
{
    uint16_t v;

    if (!otw_cur_need(c, 2))
        return 0;
    v = (uint16_t)(c->p[0] | (c->p[1] << 8));
    c->p += 2;
    return v;
}

static inline uint32_t otw_cur_be32(struct otw_cur *c)
{
    uint32_t v;

    if (!otw_cur_need(c, 4))
        return 0;
    v = ((uint32_t)c->p[0] << 24) | ((uint32_t)c->p[1] << 16) | ((uint32_t)c->p[2] << 8) | c->p[3];
    c->p += 4;
    return v;
}

static inline uint32_t otw_cur_le32(struct otw_cur *c)
{
    uint32_t v;

    if (!otw_cur_need(c, 4))
        return 0;
    v = ((uint32_t)c->p[3] << 24) | ((uint32_t)c->p[2] << 16) | ((uint32_t)c->p[1] << 8) | c->p[0];
    c->p += 4;
    return v;
}

static inline void otw_cur_skip(struct otw_cur *c, size_t n)
{
    if (otw_cur_need(c, n))
        c->p += n;
}

/* Copies n bytes to dst (zero-filled on error). */
static inline void otw_cur_bytes(struct otw_cur *c, void *dst, size_t n)
{
    if (!otw_cur_need(c, n)) {
        memset(dst, 0, n);
        return;
    }
    memcpy(dst, c->p, n);
    c->p += n;
}

/* Points at the next n bytes without copying; NULL on error. */
static inline const uint8_t *otw_cur_ptr(struct otw_cur *c, size_t n)
{
    const uint8_t *r;

    if (!otw_cur_need(c, n))
        return NULL;
    r = c->p;
    c->p += n;
    return r;
}

/* Unchecked-length loads for code that has already checked the bounds. */
static inline uint16_t otw_be16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static inline uint32_t otw_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static inline uint16_t otw_le16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t otw_le32(const uint8_t *p)
{
    return ((uint32_t)p[3] << 24) | ((uint32_t)p[2] << 16) | ((uint32_t)p[1] << 8) | p[0];
}

#endif
