/*
 * cmd_assets.c - `otwatch assets`: the inventory (every MAC and IP seen,
 * bindings over time, vendors, names, OT identities, services, capture
 * points) and the names and roles people give to hosts.
 *
 *   assets [list] [--role R] [PATTERN]   one line per host
 *   assets show IP|MAC                   everything known of one host
 *   assets set IP|MAC --name N --role R  stored in the database
 *   assets unset IP|MAC
 *   assets rebuild                       refill from stored sessions and l2_seen
 *
 * Reads the assets tables only (detect/assets.c keeps them current), so it
 * answers fast on a big database.
 */
#include <ctype.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/output.h"
#include "core/config.h"
#include "core/timeutil.h"
#include "detect/assetlist.h"
#include "detect/assets.h"
#include "detect/sessinfo.h"
#include "store/store.h"

#define CMD "otwatch assets"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: otwatch assets [list] [OPTIONS] [PATTERN]\n"
            "       otwatch assets show IP|MAC [OPTIONS]\n"
            "       otwatch assets set IP|MAC [--name NAME] [--role ROLE] [OPTIONS]\n"
            "       otwatch assets unset IP|MAC [OPTIONS]\n"
            "       otwatch assets rebuild [OPTIONS]\n"
            "\n"
            "The asset inventory: every host seen by IP address and MAC, with the MAC's\n"
            "vendor (IEEE lists), the names it was seen under (DHCP, DNS, NetBIOS, LLDP,\n"
            "CDP, PROFINET), its identity from OT protocols (EtherNet/IP, BACnet, S7),\n"
            "the services it served and used, capture points, first and last seen.\n"
            "Names and roles come from `asset` lines of the settings file and from\n"
            "'assets set'; they label the host in sessions, hosts, alerts and baseline.\n"
            "\n"
            "  list      one line per host (IP addresses, then MACs without one);\n"
            "            PATTERN: an IP, a CIDR range, a MAC, or text matched against\n"
            "            names, roles, vendors and identities\n"
            "  show      everything known of one host, MAC/IP bindings over time\n"
            "  set       give a host a name and/or a role (kept in the database)\n"
            "  unset     remove what 'set' gave\n"
            "  rebuild   fill the inventory again from the stored sessions and layer-2\n"
            "            sightings (for a database imported before it existed)\n"
            "\n"
            "options:\n"
            "  --db PATH              database file (default: $OTWATCH_DB or ./otwatch.db)\n"
            "  --config FILE          settings file with `asset` lines (default:\n"
            "                         $OTWATCH_CONFIG, else " OTW_DEFAULT_CONFIG " if present)\n"
            "  --format table|json|csv  output format of list and show (default table)\n"
            "  --role ROLE            list: only hosts with this role\n"
            "  --all                  list: also addresses only named (DNS answers, labels)\n"
            "  --name NAME, --role ROLE  set: the name and role (quote spaces)\n"
            "  -h, --help             this text\n"
            "\n"
            "settings file:\n"
            "  asset = 192.168.10.20 name=scada role=\"SCADA server\"\n"
            "  asset = 02:0a:c0:a8:0a:1e name=plc1 role=PLC\n"
            "\n"
            "examples:\n"
            "  otwatch assets\n"
            "  otwatch assets --role PLC\n"
            "  otwatch assets 192.168.10.0/24 --format json\n"
            "  otwatch assets show 192.168.10.30\n"
            "  otwatch assets set 192.168.10.40 --name maint --role \"maintenance server\"\n"
            "  otwatch assets unset 192.168.10.40\n"
            "\n"
            "exit status: 0 ok, 1 not found or database error, 2 usage error.\n");
}

/* --- shared with sessions and hosts (declared in output.h) ------------------------- */

int otw_cli_assets_open(const char *cmd, struct otw_store *st, const char *config, bool full,
                        struct otw_assets **out)
{
    struct otw_config *cfg = otw_config_new();
    struct otw_err err;
    bool must = true;
    int rc;

    *out = NULL;
    if (cfg == NULL) {
        fprintf(stderr, "%s: out of memory\n", cmd);
        return 1;
    }
    if (config == NULL || config[0] == '\0') {
        config = getenv("OTWATCH_CONFIG");
        if (config == NULL || config[0] == '\0') {
            config = OTW_DEFAULT_CONFIG;
            must = false;
        }
    }
    rc = otw_config_load(cfg, config, must, &err);
    if (rc != 0) {
        fprintf(stderr, "%s: %s\n", cmd, err.msg);
        otw_config_free(cfg);
        return 2;
    }
    *out = full ? otw_assets_load(st, cfg, &err) : otw_assets_load_labels(st, cfg, &err);
    otw_config_free(cfg);
    if (*out == NULL) {
        fprintf(stderr, "%s: %s\n", cmd, err.msg);
        return strstr(err.msg, "asset:") || strstr(err.msg, "plant.networks") ? 2 : 1;
    }
    return 0;
}

/* --- options ------------------------------------------------------------------------- */

struct opts {
    const char *db, *config, *role, *name, *pattern, *key;
    enum otw_out_format fmt;
    bool all, name_set, role_set;
};

static int parse(int argc, char **argv, struct opts *o, const char *sub)
{
    enum { O_DB = 256, O_CONFIG, O_FORMAT, O_ROLE, O_NAME, O_ALL };
    static const struct option lo[] = {
        {"db", required_argument, NULL, O_DB},
        {"config", required_argument, NULL, O_CONFIG},
        {"format", required_argument, NULL, O_FORMAT},
        {"role", required_argument, NULL, O_ROLE},
        {"name", required_argument, NULL, O_NAME},
        {"all", no_argument, NULL, O_ALL},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;

    optind = 1;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case O_DB: o->db = optarg; break;
        case O_CONFIG: o->config = optarg; break;
        case O_FORMAT:
            if (otw_out_parse_format(optarg, &o->fmt) != 0) {
                fprintf(stderr, CMD ": --format takes table, json or csv\n");
                return 2;
            }
            break;
        case O_ROLE: o->role = optarg; o->role_set = true; break;
        case O_NAME: o->name = optarg; o->name_set = true; break;
        case O_ALL: o->all = true; break;
        case 'h': usage(stdout); return -1;
        default: usage(stderr); return 2;
        }
    }
    if (strcmp(sub, "list") == 0) {
        if (o->name_set) {
            fprintf(stderr, CMD ": --name is for 'assets set'\n");
            return 2;
        }
        if (optind < argc - 1) {
            fprintf(stderr, CMD ": give one PATTERN (quote it)\n");
            return 2;
        }
        o->pattern = optind < argc ? argv[optind] : NULL;
        return 0;
    }
    if (strcmp(sub, "rebuild") == 0) {
        if (optind < argc) {
            fprintf(stderr, CMD " rebuild: takes no arguments\n");
            return 2;
        }
        return 0;
    }
    if (optind != argc - 1) {
        fprintf(stderr, CMD " %s: give one IP address or MAC\n", sub);
        return 2;
    }
    o->key = argv[optind];
    if ((o->name_set || o->role_set) && strcmp(sub, "set") != 0) {
        fprintf(stderr, CMD " %s: --name and --role are for 'assets set'\n", sub);
        return 2;
    }
    return 0;
}

static int parse_key(const char *sub, const char *s, uint8_t key[16], uint8_t *keylen)
{
    if (otw_assets_parse_key(s, key, keylen) != 0) {
        fprintf(stderr,
                CMD " %s: '%s' is not an IP address or a MAC (aa:bb:cc:dd:ee:ff)\n", sub, s);
        return 2;
    }
    return 0;
}

/* --- list ------------------------------------------------------------------------------ */

struct listctx {
    const struct otw_assets *a;
    const struct opts *o;
    uint64_t rows;
};

static void key_str(const struct otw_asset_info *h, char *buf, size_t len)
{
    if (h->keylen == 6)
        otw_mac_str(h->key, buf, len);
    else
        otw_ip_str(h->key, buf, len);
}

static void label_str(const struct otw_asset_info *h, char *buf, size_t len)
{
    if (h->name && h->role)
        snprintf(buf, len, "%s (%s)", h->name, h->role);
    else if (h->name)
        snprintf(buf, len, "%s", h->name);
    else if (h->role)
        snprintf(buf, len, "(%s)", h->role);
    else
        snprintf(buf, len, "-");
}

static void csv_field(const char *s)
{
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, stdout);
        return;
    }
    putchar('"');
    for (; *s; s++) {
        if (*s == '"')
            putchar('"');
        putchar(*s);
    }
    putchar('"');
}

static void print_host(struct listctx *c, const struct otw_asset_info *h,
                       const struct otw_asset_summary *sum)
{
    char key[64], mac[24], t1[32], t2[32], label[160];

    key_str(h, key, sizeof(key));
    if (h->keylen == 16 && h->has_mac)
        otw_mac_str(h->mac, mac, sizeof(mac));
    else if (h->keylen == 6)
        otw_mac_str(h->key, mac, sizeof(mac));
    else
        snprintf(mac, sizeof(mac), "-");
    c->rows++;
    if (c->o->fmt == OTW_OUT_JSON) {
        json_t *o = json_object();
        char *txt;
        if (h->keylen == 16)
            json_object_set_new(o, "host.ip", json_string(key));
        if (strcmp(mac, "-") != 0)
            json_object_set_new(o, "host.mac", json_string(mac));
        if (h->vendor)
            json_object_set_new(o, "otwatch.vendor", json_string(h->vendor));
        if (h->name)
            json_object_set_new(o, "host.name", json_string(h->name));
        if (h->role)
            json_object_set_new(o, "otwatch.role", json_string(h->role));
        if (sum->names[0])
            json_object_set_new(o, "host.hostname", otw_asset_list_json(sum->names));
        if (sum->ident[0])
            json_object_set_new(o, "otwatch.identity", otw_asset_list_json(sum->ident));
        if (sum->served[0])
            json_object_set_new(o, "otwatch.served", otw_asset_list_json(sum->served));
        if (sum->used[0])
            json_object_set_new(o, "otwatch.used", otw_asset_list_json(sum->used));
        if (sum->points[0])
            json_object_set_new(o, "otwatch.points", otw_asset_list_json(sum->points));
        json_object_set_new(o, "otwatch.sessions_out", json_integer((json_int_t)h->sessions_out));
        json_object_set_new(o, "otwatch.sessions_in", json_integer((json_int_t)h->sessions_in));
        if (h->keylen == 6)
            json_object_set_new(o, "otwatch.l2_packets", json_integer((json_int_t)h->packets));
        if (h->seen) {
            json_object_set_new(o, "event.start",
                                json_string(otw_time_format(h->first_us, t1, sizeof(t1))));
            json_object_set_new(o, "event.end",
                                json_string(otw_time_format(h->last_us, t2, sizeof(t2))));
        }
        txt = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (txt) {
            puts(txt);
            free(txt);
        }
        json_decref(o);
        return;
    }
    if (c->o->fmt == OTW_OUT_CSV) {
        const char *cols[] = {h->keylen == 16 ? key : "", strcmp(mac, "-") ? mac : "",
                              h->vendor ? h->vendor : "", h->name ? h->name : "",
                              h->role ? h->role : "", sum->names, sum->ident, sum->served, sum->used,
                              sum->points,
                              h->seen ? otw_time_format(h->first_us, t1, sizeof(t1)) : "",
                              h->seen ? otw_time_format(h->last_us, t2, sizeof(t2)) : ""};
        for (size_t i = 0; i < OTW_ARRAY_LEN(cols); i++) {
            if (i)
                putchar(',');
            csv_field(cols[i]);
        }
        putchar('\n');
        return;
    }
    label_str(h, label, sizeof(label));
    printf("%-39s %-17s %-24.24s %-26s %-20s %-19s %-19s %s%s%s\n", key, mac,
           h->vendor ? h->vendor : "-", label, sum->names[0] ? sum->names : "-",
           h->seen ? otw_time_format_short(h->first_us, t1, sizeof(t1)) : "-",
           h->seen ? otw_time_format_short(h->last_us, t2, sizeof(t2)) : "-",
           sum->served[0] ? sum->served : "-", sum->ident[0] ? "  " : "", sum->ident);
}

static int on_list(void *p, const struct otw_asset_info *h, const struct otw_asset_summary *s)
{
    print_host(p, h, s);
    return 0;
}

static int cmd_list(struct opts *o, struct otw_assets *a)
{
    struct otw_asset_filter f;
    struct listctx c;
    struct otw_err err;
    int rc;

    memset(&c, 0, sizeof(c));
    c.a = a;
    c.o = o;
    if (otw_asset_filter_init(&f, o->pattern, o->role, o->all, &err) != 0) {
        fprintf(stderr, CMD ": %s\n", err.msg);
        return 2;
    }
    if (o->fmt == OTW_OUT_TABLE)
        printf("%-39s %-17s %-24s %-26s %-20s %-19s %-19s %s\n", "HOST", "MAC", "VENDOR",
               "NAME (ROLE)", "SEEN AS", "FIRST SEEN (UTC)", "LAST SEEN (UTC)",
               "SERVES  IDENTITY");
    else if (o->fmt == OTW_OUT_CSV)
        printf("host.ip,host.mac,otwatch.vendor,host.name,otwatch.role,host.hostname,"
               "otwatch.identity,otwatch.served,otwatch.used,otwatch.points,event.start,"
               "event.end\n");
    rc = otw_assets_list(a, &f, on_list, &c);
    if (rc != 0) {
        fprintf(stderr, CMD ": out of memory\n");
        return 1;
    }
    if (o->fmt == OTW_OUT_TABLE)
        printf("(%llu host%s)\n", (unsigned long long)c.rows, c.rows == 1 ? "" : "s");
    return 0;
}

/* --- show --------------------------------------------------------------------------------- */

struct showctx {
    const struct otw_assets *a;
    bool json;
    json_t *o;
    json_t *facts;
    json_t *binds;
    const char *last_kind;
};

static const char *sources_str(unsigned s, char *buf, size_t len)
{
    static const struct {
        unsigned bit;
        const char *name;
    } names[] = {{OTW_BIND_ARP, "arp"}, {OTW_BIND_DHCP, "dhcp"}, {OTW_BIND_ND, "nd"},
                 {OTW_BIND_SESSION, "session"}, {OTW_BIND_L2, "l2"}};

    size_t o = 0;

    buf[0] = '\0';
    if (s == 0) {
        snprintf(buf, len, "session (a router's MAC?)");
        return buf;
    }
    for (size_t i = 0; i < OTW_ARRAY_LEN(names); i++)
        if ((s & names[i].bit) && o < len)
            o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? "," : "", names[i].name);
    return buf;
}

static int on_show_binding(void *p, const struct otw_asset_binding_row *b)
{
    struct showctx *c = p;
    char mac[24], ip[64], t1[32], t2[32], src[64];
    const char *v = otw_mac_vendor(b->mac);

    otw_mac_str(b->mac, mac, sizeof(mac));
    otw_ip_str(b->ip, ip, sizeof(ip));
    sources_str(b->sources, src, sizeof(src));
    if (c->json) {
        json_t *o = json_pack("{s:s,s:s,s:s,s:I,s:s,s:s}", "mac", mac, "ip", ip, "seen_by", src,
                              "count", (json_int_t)b->count, "first",
                              otw_time_format(b->first_us, t1, sizeof(t1)), "last",
                              otw_time_format(b->last_us, t2, sizeof(t2)));
        if (v != NULL)
            json_object_set_new(o, "vendor", json_string(v));
        json_array_append_new(c->binds, o);
        return 0;
    }
    printf("    %-17s %-39s %-19s .. %-19s %s\n", mac, ip,
           otw_time_format_short(b->first_us, t1, sizeof(t1)),
           otw_time_format_short(b->last_us, t2, sizeof(t2)), src);
    return 0;
}

static int on_show_fact(void *p, const struct otw_asset_fact_row *f)
{
    struct showctx *c = p;
    char t1[32], t2[32];

    if (c->json) {
        json_t *arr = json_object_get(c->facts, f->kind);
        if (arr == NULL) {
            arr = json_array();
            json_object_set_new(c->facts, f->kind, arr);
        }
        json_array_append_new(arr, json_pack("{s:s,s:I,s:s,s:s}", "value", f->value, "count",
                                             (json_int_t)f->count, "first",
                                             otw_time_format(f->first_us, t1, sizeof(t1)),
                                             "last", otw_time_format(f->last_us, t2, sizeof(t2))));
        return 0;
    }
    printf("  %-22s %-40s x%-7llu %s .. %s\n",
           c->last_kind && strcmp(c->last_kind, f->kind) == 0 ? "" : f->kind, f->value,
           (unsigned long long)f->count, otw_time_format_short(f->first_us, t1, sizeof(t1)),
           otw_time_format_short(f->last_us, t2, sizeof(t2)));
    c->last_kind = strcmp(f->kind, "served") == 0 ? "served"
                   : strcmp(f->kind, "used") == 0 ? "used"
                   : strcmp(f->kind, "point") == 0 ? "point"
                                                   : NULL;
    return 0;
}

static int count_fact(void *p, const struct otw_asset_fact_row *f)
{
    (void)f;
    (*(int *)p)++;
    return 0;
}

static int on_show(void *p, const struct otw_asset_info *h)
{
    struct showctx *c = p;
    char key[64], mac[24], t1[32], t2[32], label[160], names[256];

    key_str(h, key, sizeof(key));
    otw_assets_names(c->a, h->key, h->keylen, names, sizeof(names));
    if (c->json) {
        c->o = json_object();
        json_object_set_new(c->o, h->keylen == 16 ? "host.ip" : "host.mac", json_string(key));
        if (h->keylen == 16 && h->has_mac)
            json_object_set_new(c->o, "host.mac", json_string(otw_mac_str(h->mac, mac,
                                                                          sizeof(mac))));
        if (h->vendor)
            json_object_set_new(c->o, "otwatch.vendor", json_string(h->vendor));
        if (h->name)
            json_object_set_new(c->o, "host.name", json_string(h->name));
        if (h->role)
            json_object_set_new(c->o, "otwatch.role", json_string(h->role));
        if (h->label_from)
            json_object_set_new(c->o, "otwatch.label_from", json_string(h->label_from));
        if (h->seen) {
            json_object_set_new(c->o, "event.start",
                                json_string(otw_time_format(h->first_us, t1, sizeof(t1))));
            json_object_set_new(c->o, "event.end",
                                json_string(otw_time_format(h->last_us, t2, sizeof(t2))));
        }
        json_object_set_new(c->o, "otwatch.sessions_out",
                            json_integer((json_int_t)h->sessions_out));
        json_object_set_new(c->o, "otwatch.sessions_in", json_integer((json_int_t)h->sessions_in));
        if (h->keylen == 6)
            json_object_set_new(c->o, "otwatch.l2_packets", json_integer((json_int_t)h->packets));
        c->facts = json_object();
        c->binds = json_array();
        otw_assets_each_fact(c->a, h->key, h->keylen, on_show_fact, c);
        if (h->keylen == 16 && h->has_mac) {
            json_t *own = c->facts;
            c->facts = json_object();
            otw_assets_each_fact(c->a, h->mac, 6, on_show_fact, c);
            json_object_set_new(own, "mac", c->facts);
            c->facts = own;
        }
        otw_assets_each_binding(c->a, h->key, h->keylen, on_show_binding, c);
        json_object_set_new(c->o, "otwatch.facts", c->facts);
        json_object_set_new(c->o, "otwatch.bindings", c->binds);
        return 0;
    }
    label_str(h, label, sizeof(label));
    printf("%s\n", key);
    printf("  %-22s %s%s%s%s\n", "name (role)", label, h->label_from ? "  [from " : "",
           h->label_from ? h->label_from : "", h->label_from ? "]" : "");
    if (h->keylen == 16)
        printf("  %-22s %s\n", "MAC now",
               h->has_mac ? otw_mac_str(h->mac, mac, sizeof(mac)) : "- (none trusted)");
    printf("  %-22s %s\n", "vendor", h->vendor ? h->vendor : "-");
    printf("  %-22s %s\n", "seen as", names[0] ? names : "-");
    printf("  %-22s %s\n", "first seen (UTC)",
           h->seen ? otw_time_format_short(h->first_us, t1, sizeof(t1)) : "-");
    printf("  %-22s %s\n", "last seen (UTC)",
           h->seen ? otw_time_format_short(h->last_us, t2, sizeof(t2)) : "-");
    printf("  %-22s %llu started, %llu answered\n", "sessions",
           (unsigned long long)h->sessions_out, (unsigned long long)h->sessions_in);
    if (h->keylen == 6)
        printf("  %-22s %llu\n", "layer-2 packets", (unsigned long long)h->packets);
    printf("  %s:\n", h->keylen == 16 ? "MACs of this address over time"
                                      : "addresses of this MAC over time");
    otw_assets_each_binding(c->a, h->key, h->keylen, on_show_binding, c);
    printf("  facts (kind, value, count, first .. last seen):\n");
    otw_assets_each_fact(c->a, h->key, h->keylen, on_show_fact, c);
    if (h->keylen == 16 && h->has_mac) {
        int n = 0;
        otw_assets_each_fact(c->a, h->mac, 6, count_fact, &n);
        if (n > 0) {
            c->last_kind = NULL;
            printf("  facts of its MAC %s:\n", otw_mac_str(h->mac, mac, sizeof(mac)));
            otw_assets_each_fact(c->a, h->mac, 6, on_show_fact, c);
        }
    }
    return 0;
}

static int cmd_show(struct opts *o, struct otw_assets *a)
{
    struct showctx c;
    uint8_t key[16], kl;
    int rc;

    if (parse_key("show", o->key, key, &kl) != 0)
        return 2;
    memset(&c, 0, sizeof(c));
    c.a = a;
    c.json = o->fmt != OTW_OUT_TABLE;
    rc = otw_assets_get(a, key, kl, on_show, &c);
    if (rc == OTW_ENOTFOUND) {
        fprintf(stderr, CMD " show: %s is not in the inventory\n", o->key);
        return 1;
    }
    if (c.o != NULL) {
        char *txt = json_dumps(c.o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (txt) {
            puts(txt);
            free(txt);
        }
        json_decref(c.o);
    }
    return rc == 0 ? 0 : 1;
}

/* --- set, unset ---------------------------------------------------------------------------- */

static int cmd_set(struct opts *o)
{
    struct otw_asset_label_row row;
    struct otw_store *st;
    struct otw_err err;
    uint8_t key[16];
    uint8_t kl;
    int rc = 1;

    if (parse_key("set", o->key, key, &kl) != 0)
        return 2;
    if (!o->name_set && !o->role_set) {
        fprintf(stderr, CMD " set: give --name NAME, --role ROLE or both\n");
        return 2;
    }
    if ((o->name_set && otw_assets_check_text("--name", o->name, &err) != 0) ||
        (o->role_set && otw_assets_check_text("--role", o->role, &err) != 0) ||
        otw_asset_key_check(o->key, key, kl, &err) != 0) {
        fprintf(stderr, CMD " set: %s\n", err.msg);
        return 2;
    }
    st = otw_store_open(o->db, false, &err);
    if (st == NULL) {
        fprintf(stderr, CMD " set: %s\n", err.msg);
        return 1;
    }
    if (otw_asset_label_update(st, key, kl, o->name_set ? o->name : NULL,
                               o->role_set ? o->role : NULL, &row, &err) != 0) {
        fprintf(stderr, CMD " set: %s\n", err.msg);
        goto out;
    }
    printf("%s: name %s, role %s\n", o->key, row.name[0] ? row.name : "-",
           row.role[0] ? row.role : "-");
    rc = 0;
out:
    otw_store_close(st);
    return rc;
}

static int cmd_unset(struct opts *o)
{
    uint8_t key[16], kl;
    struct otw_store *st;
    struct otw_assets *a = NULL;
    struct otw_err err;
    int rc = 1, r;

    if (parse_key("unset", o->key, key, &kl) != 0)
        return 2;
    st = otw_store_open(o->db, false, &err);
    if (st == NULL) {
        fprintf(stderr, CMD " unset: %s\n", err.msg);
        return 1;
    }
    r = otw_store_asset_label_unset(st, key, kl, &err);
    if (r == OTW_ENOTFOUND) {
        const char *name, *role;
        fprintf(stderr, CMD " unset: no name or role was given to %s with 'assets set'\n",
                o->key);
        /* a label from the settings file is changed there */
        if (otw_cli_assets_open(CMD " unset", st, o->config, false, &a) == 0 && kl == 16 &&
            otw_assets_name_role(a, key, &name, &role))
            fprintf(stderr, CMD " unset: its name/role comes from the settings file: edit "
                            "the `asset` line there\n");
        goto out;
    }
    if (r != 0) {
        fprintf(stderr, CMD " unset: %s\n", err.msg);
        goto out;
    }
    printf("%s: name and role removed\n", o->key);
    rc = 0;
out:
    otw_assets_free(a);
    otw_store_close(st);
    return rc;
}

/* --- rebuild --------------------------------------------------------------------------------- */

struct rebuild {
    struct otw_assets *a;
    struct otw_store *st;
    struct otw_err *err;
    char point[128];
    int64_t point_id;
    uint64_t sessions, l2;
    int rc;
};

static int on_rebuild_session(void *p, const struct otw_session_row *r)
{
    struct rebuild *b = p;
    struct otw_sessinfo fi;

    if (strcmp(r->point, b->point) != 0) {
        snprintf(b->point, sizeof(b->point), "%s", r->point);
        b->point_id = 0;
        if (r->point[0] && otw_store_point_id(b->st, r->point, &b->point_id, b->err) != 0) {
            b->rc = OTW_ESTORE;
            return 1;
        }
    }
    otw_sessinfo_from_row(&fi, r, b->point_id);
    otw_assets_observe_row(b->a, &fi, r);
    b->sessions++;
    return 0;
}

static int on_rebuild_l2(void *p, const struct otw_l2_row *row, const char *point)
{
    struct rebuild *b = p;

    (void)point;
    otw_assets_observe_l2(b->a, row);
    b->l2++;
    return 0;
}

static int cmd_rebuild(struct opts *o)
{
    struct otw_session_query q;
    struct rebuild b;
    struct otw_err err;
    struct otw_assets_stats s;
    int rc = 1, r;

    memset(&b, 0, sizeof(b));
    memset(&q, 0, sizeof(q));
    b.err = &err;
    b.st = otw_store_open(o->db, false, &err);
    if (b.st == NULL) {
        fprintf(stderr, CMD " rebuild: %s\n", err.msg);
        return 1;
    }
    if ((r = otw_cli_assets_open(CMD " rebuild", b.st, o->config, false, &b.a)) != 0) {
        rc = r;
        goto out;
    }
    if (otw_store_txn_begin(b.st, &err) != 0 || otw_store_assets_clear(b.st, &err) != 0 ||
        otw_store_sessions_query(b.st, &q, on_rebuild_session, &b, &err) != 0 || b.rc != 0 ||
        otw_store_l2_query(b.st, on_rebuild_l2, &b, &err) != 0 ||
        otw_assets_save(b.a, b.st, &err) != 0 || otw_store_txn_commit(b.st, &err) != 0) {
        fprintf(stderr, CMD " rebuild: %s\n", err.msg);
        goto out;
    }
    otw_assets_get_stats(b.a, &s);
    printf("rebuilt from %llu sessions and %llu layer-2 rows: %llu addresses and MACs, "
           "%llu bindings\n",
           (unsigned long long)b.sessions, (unsigned long long)b.l2,
           (unsigned long long)s.entries, (unsigned long long)s.bindings);
    rc = 0;
out:
    otw_assets_free(b.a);
    otw_store_close(b.st);
    return rc;
}

/* --- entry ---------------------------------------------------------------------------- */

int otw_cmd_assets(int argc, char **argv)
{
    static const char *const subs[] = {"list", "show", "set", "unset", "rebuild"};
    const char *sub = "list";
    struct opts o;
    struct otw_store *st = NULL;
    struct otw_assets *a = NULL;
    struct otw_err err;
    int rc;

    memset(&o, 0, sizeof(o));
    o.db = otw_cli_default_db();
    o.fmt = OTW_OUT_TABLE;
    if (argc >= 2 && argv[1][0] != '-') {
        bool known = false;
        for (size_t i = 0; i < OTW_ARRAY_LEN(subs); i++)
            if (strcmp(argv[1], subs[i]) == 0)
                known = true;
        /* `assets 192.168.10.0/24` lists; `assets frobnicate` is a typo */
        if (known) {
            sub = argv[1];
            argc--;
            argv++;
        } else if (!strchr(argv[1], '.') && !strchr(argv[1], ':') && !strchr(argv[1], '/') &&
                   isalpha((unsigned char)argv[1][0])) {
            fprintf(stderr, CMD ": unknown subcommand '%s' (list, show, set, unset, rebuild);"
                            " to search for a name use 'assets list %s'\n",
                    argv[1], argv[1]);
            return 2;
        }
    }
    rc = parse(argc, argv, &o, sub);
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    if (strcmp(sub, "set") == 0)
        return cmd_set(&o);
    if (strcmp(sub, "unset") == 0)
        return cmd_unset(&o);
    if (strcmp(sub, "rebuild") == 0)
        return cmd_rebuild(&o);
    st = otw_store_open(o.db, true, &err);
    if (st == NULL) {
        fprintf(stderr, CMD ": %s\n", err.msg);
        return 1;
    }
    rc = otw_cli_assets_open(CMD, st, o.config, true, &a);
    if (rc == 0)
        rc = strcmp(sub, "show") == 0 ? cmd_show(&o, a) : cmd_list(&o, a);
    otw_assets_free(a);
    otw_store_close(st);
    return rc;
}
