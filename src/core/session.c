/*
 * session.c - names and text forms for the session record's fields.
 */
#include "core/session.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

static const char *const state_names[OTW_ST__COUNT] = {
    "attempt", "rejected", "established", "closed", "reset", "timeout",
};

const char *otw_state_name(int state)
{
    if (state < 0 || state >= OTW_ST__COUNT)
        return "unknown";
    return state_names[state];
}

int otw_state_parse(const char *name)
{
    for (int i = 0; i < OTW_ST__COUNT; i++)
        if (strcmp(name, state_names[i]) == 0)
            return i;
    return -1;
}

const char *otw_end_name(int end)
{
    switch (end) {
    case OTW_END_EOF: return "eof";
    case OTW_END_IDLE: return "idle";
    case OTW_END_CLOSED: return "closed";
    case OTW_END_SPLIT: return "split";
    case OTW_END_EVICTED: return "evicted";
    case OTW_END_OPEN: return "open";
    }
    return "unknown";
}

const char *otw_ip_str(const uint8_t ip[16], char *buf, size_t len)
{
    if (otw_ip_is_v4(ip)) {
        snprintf(buf, len, "%u.%u.%u.%u", ip[12], ip[13], ip[14], ip[15]);
        return buf;
    }
    if (inet_ntop(AF_INET6, ip, buf, (socklen_t)len) == NULL && len > 0)
        buf[0] = '\0';
    return buf;
}

int otw_ip_parse(const char *s, uint8_t ip[16])
{
    struct in_addr a4;

    if (inet_pton(AF_INET, s, &a4) == 1) {
        memset(ip, 0, 10);
        ip[10] = 0xff;
        ip[11] = 0xff;
        memcpy(ip + 12, &a4, 4);
        return 0;
    }
    if (inet_pton(AF_INET6, s, ip) == 1)
        return 0;
    return -1;
}

const char *otw_mac_str(const uint8_t mac[6], char *buf, size_t len)
{
    snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
             mac[5]);
    return buf;
}

int otw_mac_parse(const char *s, uint8_t mac[6])
{
    unsigned v[6];
    char tail;

    if (sscanf(s, "%x%*[:-]%x%*[:-]%x%*[:-]%x%*[:-]%x%*[:-]%x%c", &v[0], &v[1], &v[2], &v[3],
               &v[4], &v[5], &tail) != 6)
        return -1;
    for (int i = 0; i < 6; i++) {
        if (v[i] > 0xff)
            return -1;
        mac[i] = (uint8_t)v[i];
    }
    return 0;
}
