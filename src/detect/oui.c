/*
 * oui.c - MAC address vendors from Debian's ieee-data: the IEEE registries
 * MA-L (oui.csv, 24-bit prefixes), MA-M (mam.csv, 28-bit), MA-S (oui36.csv,
 * 36-bit) and the older IAB (iab.csv, 36-bit). The MA-M and MA-S blocks are
 * carved out of MA-L prefixes registered to "IEEE Registration Authority",
 * so the longest matching prefix wins.
 *
 * Loaded once, on the first lookup (pthread_once), into three sorted
 * arrays; after that the tables are read-only and any thread may look up.
 * A missing file only means fewer vendors. CSV lines are
 * `Registry,Assignment,Organization Name,Organization Address` with RFC 4180
 * quoting; only the first three fields are read.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/assets.h"

#define IEEE_DIR "/usr/share/ieee-data"
#define ORG_MAX 96

struct oui {
    uint64_t prefix;        /* the assignment's bits, right-aligned */
    uint32_t org;           /* offset into the names arena */
};

struct oui_table {
    struct oui *v;
    size_t n, cap;
};

/* The frozen registry: written once under pthread_once, then only read. */
static struct oui_table tables[3];  /* 0: 24-bit, 1: 28-bit, 2: 36-bit */
static char *names;
static size_t names_len, names_cap;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static const char *ieee_dir = IEEE_DIR;

void otw_mac_vendor_dir(const char *dir)
{
    ieee_dir = dir != NULL ? dir : IEEE_DIR;
}

/* Copies CSV field `want` (0-based) of line into out; false if absent. */
static bool csv_field(const char *line, int want, char *out, size_t len)
{
    int field = 0;
    size_t k = 0;
    const char *p = line;

    while (*p && *p != '\n' && *p != '\r') {
        bool quoted = *p == '"';
        if (quoted)
            p++;
        k = 0;
        for (;;) {
            char ch = *p;
            if (ch == '\0' || ((ch == '\n' || ch == '\r') && !quoted))
                break;
            if (quoted && ch == '"') {
                if (p[1] == '"') {
                    p += 2;
                    if (field == want && k + 1 < len)
                        out[k++] = '"';
                    continue;
                }
                quoted = false;
                p++;
                continue;
            }
            if (!quoted && ch == ',')
                break;
            if (field == want && k + 1 < len)
                out[k++] = ch;
            p++;
        }
        if (field == want) {
            while (k > 0 && (out[k - 1] == ' ' || out[k - 1] == '\t'))
                k--;
            out[k] = '\0';
            return true;
        }
        if (*p != ',')
            return false;
        p++;
        field++;
    }
    if (field == want && len > 0) {
        out[0] = '\0';
        return true;
    }
    return false;
}

static int add_name(const char *org, uint32_t *off)
{
    size_t l = strlen(org) + 1;

    if (names_len + l > names_cap) {
        size_t nc = names_cap ? names_cap * 2 : 256 * 1024;
        char *nn;
        while (nc < names_len + l)
            nc *= 2;
        nn = realloc(names, nc);
        if (nn == NULL)
            return -1;
        names = nn;
        names_cap = nc;
    }
    memcpy(names + names_len, org, l);
    *off = (uint32_t)names_len;
    names_len += l;
    return 0;
}

static void load_file(const char *file)
{
    char path[1024], line[1024], hex[16], org[ORG_MAX];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", ieee_dir, file);
    f = fopen(path, "r");
    if (f == NULL)
        return;
    while (fgets(line, sizeof(line), f) != NULL) {
        size_t hl;
        uint64_t v = 0;
        struct oui_table *t;
        bool ok = true;

        if (!csv_field(line, 1, hex, sizeof(hex)) || !csv_field(line, 2, org, sizeof(org)))
            continue;
        hl = strlen(hex);
        if (hl == 6)
            t = &tables[0];
        else if (hl == 7)
            t = &tables[1];
        else if (hl == 9)
            t = &tables[2];
        else
            continue;       /* the header line, or garbage */
        for (size_t i = 0; i < hl && ok; i++) {
            char ch = hex[i];
            int d = ch >= '0' && ch <= '9' ? ch - '0'
                    : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                    : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
            ok = d >= 0;
            v = v << 4 | (uint64_t)(d < 0 ? 0 : d);
        }
        if (!ok || org[0] == '\0')
            continue;
        if (t->n == t->cap) {
            size_t nc = t->cap ? t->cap * 2 : 1024;
            struct oui *nv = realloc(t->v, nc * sizeof(*nv));
            if (nv == NULL)
                break;
            t->v = nv;
            t->cap = nc;
        }
        if (add_name(org, &t->v[t->n].org) != 0)
            break;
        t->v[t->n++].prefix = v;
    }
    fclose(f);
}

static int cmp_oui(const void *a, const void *b)
{
    const struct oui *x = a, *y = b;

    return x->prefix < y->prefix ? -1 : x->prefix > y->prefix;
}

static void load_all(void)
{
    load_file("oui.csv");
    load_file("mam.csv");
    load_file("oui36.csv");
    load_file("iab.csv");
    for (size_t i = 0; i < 3; i++)
        if (tables[i].n > 0)
            qsort(tables[i].v, tables[i].n, sizeof(struct oui), cmp_oui);
}

static const char *find(const struct oui_table *t, uint64_t prefix)
{
    size_t lo = 0, hi = t->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->v[mid].prefix == prefix)
            return names + t->v[mid].org;
        if (t->v[mid].prefix < prefix)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const char *otw_mac_vendor(const uint8_t mac[6])
{
    uint64_t m = 0;
    const char *r;

    if (mac[0] & 0x02)
        return "(locally administered)";
    if (mac[0] & 0x01)
        return NULL;    /* a group address names no device */
    pthread_once(&once, load_all);
    for (int i = 0; i < 6; i++)
        m = m << 8 | mac[i];
    if ((r = find(&tables[2], m >> 12)) != NULL)
        return r;
    if ((r = find(&tables[1], m >> 20)) != NULL)
        return r;
    return find(&tables[0], m >> 24);
}
