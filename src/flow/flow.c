/*
 * flow.c - the session table.
 *
 * Sessions are keyed by (IP version, protocol, the two address/port pairs in
 * a canonical order), so both directions land in one entry. VLAN is not part
 * of the key: a mirror port that sees a routed packet twice on two VLANs
 * counts it twice in one session, as tshark does; the VLAN ids are recorded.
 *
 * Who started it (the session's source): for TCP the sender of a SYN, or the
 * receiver of a SYN-ACK; otherwise the side whose port ranks lower as a
 * service port (an ephemeral port talking to 502 is the client even when the
 * capture began with the PLC's answer); on a tie, the first packet's sender.
 *
 * Expiry: entries sit on one of four LRU lists (TCP, UDP, other, closing),
 * each with its own idle timeout; the head of each list is the least recently
 * used. Packet time drives expiry, so imports of old captures time out as the
 * live traffic did.
 *
 * IP fragments: the first fragment carries the ports; its (addresses,
 * protocol, IP id) are remembered for a while so later fragments join the
 * same session. Fragments that arrive before their first are held as counts
 * and added when it arrives, or written as a port-less session if it never
 * does.
 */
#include "flow/flow.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "flow/reasm.h"
#include "proto/engine.h"

enum { LRU_TCP, LRU_UDP, LRU_OTHER, LRU_CLOSING, LRU__N };

/* TCP bits */
enum {
    T_SYN = 0x01,       /* SYN from the initiator */
    T_SYNACK = 0x02,    /* SYN-ACK from the responder */
    T_EST = 0x04,       /* established: handshake or mid-stream two-way traffic */
    T_FIN_S = 0x08,
    T_FIN_D = 0x10,
    T_RST = 0x20,       /* RST after establishment */
    T_RST_PRE = 0x40,   /* responder reset before any SYN-ACK */
};

#define KEY_LEN 38

struct flow {
    struct flow *hnext;         /* hash chain */
    struct flow *prev, *next;   /* LRU list */
    uint64_t hash;
    uint8_t key[KEY_LEN];
    uint8_t lru;
    uint8_t tcp;
    uint8_t has_isn;            /* bit d: isn[d] holds direction d's SYN sequence number */
    uint32_t isn[2];
    int64_t written_us;         /* last_us when last written as an update */
    struct otw_appflow *af;     /* application parsing, created at the first payload */
    struct otw_reasm *rs;       /* TCP reassembly for it */
    struct otw_session s;
};

struct frag {
    uint64_t hash;              /* 0: empty slot */
    uint8_t ipver, proto;
    uint8_t src[16], dst[16];
    uint32_t id;
    int64_t ts_us;
    bool have_ports;            /* the first fragment came: ports (ICMP: type/code) known */
    uint16_t sport, dport;
    int16_t icmp_type, icmp_code;
    /* later fragments seen before the first */
    uint64_t pend_packets, pend_bytes, pend_payload;
    int64_t pend_first_us, pend_last_us;
    struct otw_pkt pend_pkt;    /* a copy of one of them, to build an orphan session */
};

#define FRAG_SLOTS 1024
#define FRAG_TIMEOUT_US (30LL * 1000000)

struct otw_flowtab {
    struct otw_flow_config cfg;
    otw_flow_emit_fn emit;
    void *emit_ctx;
    struct flow **buckets;
    size_t nbuckets;            /* power of two */
    struct flow *head[LRU__N], *tail[LRU__N];
    int64_t timeout[LRU__N];
    int64_t next_expire_us;
    int64_t next_update_us;
    uint64_t uid_next;          /* record ids: a random base, then counting */
    struct otw_flow_stats st;
    struct frag *frags;
    size_t nfrags;              /* slots of frags in use: no scan when 0 */
};

void otw_flow_config_default(struct otw_flow_config *cfg)
{
    cfg->tcp_idle_us = 600LL * 1000000;
    cfg->udp_idle_us = 120LL * 1000000;
    cfg->other_idle_us = 60LL * 1000000;
    cfg->closed_linger_us = 5LL * 1000000;
    cfg->max_len_us = 3600LL * 1000000;
    cfg->max_flows = 1000000;
    cfg->parse_apps = false;
    cfg->update_us = 0;
}

/* Registered service ports above 1023 that OT and IT servers listen on. */
static const uint16_t service_ports[] = {
    1080, 1433, 1521, 1883, 1911, 1962, 2222, 2404, 2455, 3000, 3306, 3389, 4000, 4840,
    4843, 5006, 5007, 5060, 5061, 5094, 5353, 5432, 5555, 5900, 5985, 5986, 6379, 8000,
    8080, 8443, 8883, 9600, 18245, 18246, 20000, 20295, 34962, 34963, 34964, 44818, 47808,
    50000,
};

int otw_flow_port_rank(uint8_t proto, uint16_t port)
{
    (void)proto;
    if (port < 1024)
        return 2;
    for (size_t i = 0; i < OTW_ARRAY_LEN(service_ports); i++)
        if (service_ports[i] == port)
            return 2;
    return port < 32768 ? 1 : 0;
}

struct otw_flowtab *otw_flow_new(const struct otw_flow_config *cfg, otw_flow_emit_fn emit,
                                 void *emit_ctx)
{
    struct otw_flowtab *ft = calloc(1, sizeof(*ft));

    if (ft == NULL)
        return NULL;
    if (cfg != NULL)
        ft->cfg = *cfg;
    else
        otw_flow_config_default(&ft->cfg);
    if (ft->cfg.max_flows == 0)
        ft->cfg.max_flows = 1;
    ft->emit = emit;
    ft->emit_ctx = emit_ctx;
    ft->nbuckets = 4096;
    ft->buckets = calloc(ft->nbuckets, sizeof(*ft->buckets));
    ft->frags = calloc(FRAG_SLOTS, sizeof(*ft->frags));
    if (ft->buckets == NULL || ft->frags == NULL) {
        free(ft->buckets);
        free(ft->frags);
        free(ft);
        return NULL;
    }
    ft->timeout[LRU_TCP] = ft->cfg.tcp_idle_us;
    ft->timeout[LRU_UDP] = ft->cfg.udp_idle_us;
    ft->timeout[LRU_OTHER] = ft->cfg.other_idle_us;
    ft->timeout[LRU_CLOSING] = ft->cfg.closed_linger_us;
    ft->next_expire_us = INT64_MIN;
    ft->next_update_us = INT64_MIN;
    {
        /* Record ids unique across runs into one store: 40 random bits
         * above a 24-bit counter that carries into them. */
        uint64_t r = 0;
        int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
        if (fd < 0 || read(fd, &r, sizeof(r)) != (ssize_t)sizeof(r))
            r = (uint64_t)time(NULL) * 2654435761u ^ (uint64_t)getpid();
        if (fd >= 0)
            close(fd);
        ft->uid_next = (r & 0x7fffffffffULL) << 24;
        if (ft->uid_next == 0)
            ft->uid_next = 1ULL << 24;
    }
    return ft;
}

/* --- LRU lists -------------------------------------------------------------- */

static void lru_unlink(struct otw_flowtab *ft, struct flow *f)
{
    if (f->prev)
        f->prev->next = f->next;
    else
        ft->head[f->lru] = f->next;
    if (f->next)
        f->next->prev = f->prev;
    else
        ft->tail[f->lru] = f->prev;
    f->prev = f->next = NULL;
}

static void lru_append(struct otw_flowtab *ft, struct flow *f, uint8_t list)
{
    f->lru = list;
    f->next = NULL;
    f->prev = ft->tail[list];
    if (ft->tail[list])
        ft->tail[list]->next = f;
    else
        ft->head[list] = f;
    ft->tail[list] = f;
}

static void lru_touch(struct otw_flowtab *ft, struct flow *f, uint8_t list)
{
    if (f->lru == list && ft->tail[list] == f)
        return;
    lru_unlink(ft, f);
    lru_append(ft, f, list);
}

/* --- hashing ---------------------------------------------------------------- */

static void hash_remove(struct otw_flowtab *ft, struct flow *f)
{
    struct flow **pp = &ft->buckets[f->hash & (ft->nbuckets - 1)];

    while (*pp != NULL && *pp != f)
        pp = &(*pp)->hnext;
    if (*pp == f)
        *pp = f->hnext;
}

static void hash_grow(struct otw_flowtab *ft)
{
    size_t n = ft->nbuckets * 2;
    struct flow **b = calloc(n, sizeof(*b));

    if (b == NULL)
        return;     /* keep the old table: longer chains, still correct */
    for (size_t i = 0; i < ft->nbuckets; i++) {
        struct flow *f = ft->buckets[i];
        while (f) {
            struct flow *nx = f->hnext;
            f->hnext = b[f->hash & (n - 1)];
            b[f->hash & (n - 1)] = f;
            f = nx;
        }
    }
    free(ft->buckets);
    ft->buckets = b;
    ft->nbuckets = n;
}

/* Canonical key: the lower (address, port) endpoint first. Returns 1 when
 * the packet's source is the higher endpoint. */
static int make_key(uint8_t key[KEY_LEN], uint8_t ipver, uint8_t proto, const uint8_t *sip,
                    uint16_t sp, const uint8_t *dip, uint16_t dp)
{
    int c = memcmp(sip, dip, 16);
    int swap = c > 0 || (c == 0 && sp > dp);

    key[0] = ipver;
    key[1] = proto;
    if (!swap) {
        memcpy(key + 2, sip, 16);
        memcpy(key + 18, dip, 16);
        key[34] = (uint8_t)(sp >> 8);
        key[35] = (uint8_t)sp;
        key[36] = (uint8_t)(dp >> 8);
        key[37] = (uint8_t)dp;
    } else {
        memcpy(key + 2, dip, 16);
        memcpy(key + 18, sip, 16);
        key[34] = (uint8_t)(dp >> 8);
        key[35] = (uint8_t)dp;
        key[36] = (uint8_t)(sp >> 8);
        key[37] = (uint8_t)sp;
    }
    return swap;
}

/* --- ICMP ------------------------------------------------------------------- */

/* Request/reply pairs, as the Community ID spec maps them, so that a
 * request and its reply key the same session. */
static int icmp_counterpart(uint8_t ipver, int type, int *is_reply)
{
    static const int v4[][2] = {{8, 0}, {13, 14}, {15, 16}, {10, 9}, {17, 18}};
    static const int v6[][2] = {{128, 129}, {133, 134}, {135, 136}, {130, 131}, {139, 140},
                                {144, 145}};
    const int (*t)[2] = ipver == 6 ? v6 : v4;
    size_t n = ipver == 6 ? OTW_ARRAY_LEN(v6) : OTW_ARRAY_LEN(v4);

    *is_reply = 0;
    for (size_t i = 0; i < n; i++) {
        if (t[i][0] == type)
            return t[i][1];
        if (t[i][1] == type) {
            *is_reply = 1;
            return t[i][0];
        }
    }
    return -1;
}

/* --- emitting --------------------------------------------------------------- */

static uint8_t tcp_state(const struct flow *f, int end)
{
    uint8_t t = f->tcp;

    if (!(t & T_EST)) {
        if (t & T_RST_PRE)
            return OTW_ST_REJECTED;
        if (f->s.dst.packets == 0 || (t & T_SYN))
            return OTW_ST_ATTEMPT;
        return OTW_ST_ESTABLISHED;
    }
    if (t & T_RST)
        return OTW_ST_RESET;
    if (t & (T_FIN_S | T_FIN_D))
        return OTW_ST_CLOSED;
    if (end == OTW_END_IDLE)
        return OTW_ST_TIMEOUT;
    return OTW_ST_ESTABLISHED;
}

static void emit_flow(struct otw_flowtab *ft, struct flow *f, int end, int continued)
{
    struct otw_session out = f->s;

    if (out.proto == 6)
        out.state = tcp_state(f, end);
    else
        out.state = out.dst.packets > 0 ? OTW_ST_ESTABLISHED : OTW_ST_ATTEMPT;
    out.end_reason = (uint8_t)end;
    out.continued = (uint8_t)continued;
    out.replaces = f->written_us != 0;
    out.app = NULL;
    if (f->af != NULL) {
        if (!continued && f->rs != NULL)
            otw_reasm_flush(f->rs);
        out.app = otw_engine_take(f->af, !continued);
    }
    ft->st.records++;
    ft->emit(ft->emit_ctx, &out);
}

static void flow_free(struct flow *f)
{
    otw_reasm_free(f->rs);
    otw_engine_flow_free(f->af);
    free(f);
}

static void flow_drop(struct otw_flowtab *ft, struct flow *f)
{
    lru_unlink(ft, f);
    hash_remove(ft, f);
    ft->st.active--;
    flow_free(f);
}

static void flow_finish(struct otw_flowtab *ft, struct flow *f, int end)
{
    emit_flow(ft, f, end, 0);
    flow_drop(ft, f);
}

/* Writes every session that changed since it was last written, as a record
 * in progress (end_reason open); the final record replaces it. */
static void write_updates(struct otw_flowtab *ft)
{
    for (int l = 0; l < LRU__N; l++) {
        for (struct flow *f = ft->head[l]; f != NULL; f = f->next) {
            struct otw_session out;

            if (f->s.last_us == f->written_us)
                continue;
            out = f->s;
            out.state = out.proto == 6 ? tcp_state(f, OTW_END_OPEN)
                        : out.dst.packets > 0 ? OTW_ST_ESTABLISHED : OTW_ST_ATTEMPT;
            out.end_reason = OTW_END_OPEN;
            out.continued = 0;
            out.replaces = f->written_us != 0;
            out.app = f->af != NULL ? otw_engine_snapshot(f->af) : NULL;
            f->written_us = f->s.last_us;
            ft->st.updates++;
            ft->emit(ft->emit_ctx, &out);
        }
    }
}

void otw_flow_expire(struct otw_flowtab *ft, int64_t now_us)
{
    for (int l = 0; l < LRU__N; l++) {
        struct flow *f;
        while ((f = ft->head[l]) != NULL && f->s.last_us + ft->timeout[l] <= now_us)
            flow_finish(ft, f, l == LRU_CLOSING ? OTW_END_CLOSED : OTW_END_IDLE);
    }
    if (ft->cfg.update_us > 0 && now_us >= ft->next_update_us) {
        if (ft->next_update_us != INT64_MIN)
            write_updates(ft);
        ft->next_update_us = now_us + ft->cfg.update_us;
    }
}

static void evict_oldest(struct otw_flowtab *ft)
{
    struct flow *old = NULL;

    for (int l = 0; l < LRU__N; l++)
        if (ft->head[l] && (old == NULL || ft->head[l]->s.last_us < old->s.last_us))
            old = ft->head[l];
    if (old != NULL) {
        ft->st.evicted++;
        flow_finish(ft, old, OTW_END_EVICTED);
    }
}

/* --- packets ---------------------------------------------------------------- */

static uint8_t lru_for(const struct flow *f)
{
    if (f->s.proto == 6)
        return (f->tcp & (T_RST | T_RST_PRE)) || ((f->tcp & T_FIN_S) && (f->tcp & T_FIN_D))
                   ? LRU_CLOSING
                   : LRU_TCP;
    return f->s.proto == 17 ? LRU_UDP : LRU_OTHER;
}

static void add_vlans(struct otw_session *s, const struct otw_pkt *p)
{
    for (int i = 0; i < p->nvlan; i++) {
        int have = 0;
        for (int j = 0; j < s->nvlan; j++)
            if (s->vlan[j] == p->vlan[i])
                have = 1;
        if (!have && s->nvlan < OTW_MAX_VLANS)
            s->vlan[s->nvlan++] = p->vlan[i];
    }
}

static struct flow *flow_create(struct otw_flowtab *ft, const uint8_t key[KEY_LEN], uint64_t h,
                                const struct otw_pkt *p, uint16_t sp, uint16_t dp, int64_t ts)
{
    struct flow *f;
    int from_responder = 0;

    if (ft->st.active >= ft->cfg.max_flows)
        evict_oldest(ft);
    f = calloc(1, sizeof(*f));
    if (f == NULL)
        return NULL;
    memcpy(f->key, key, KEY_LEN);
    f->hash = h;

    /* Decide who initiated. */
    if (p->proto == 6 && (p->flags & OTW_PF_PORTS) && (p->tcp_flags & OTW_TCP_SYN))
        from_responder = (p->tcp_flags & OTW_TCP_ACK) != 0;
    else if (p->proto == 1 || p->proto == 58) {
        int is_reply = 0;
        (void)icmp_counterpart(p->ipver, p->icmp_type, &is_reply);
        from_responder = is_reply;
    } else if (p->flags & OTW_PF_PORTS)
        from_responder = otw_flow_port_rank(p->proto, p->sport) >
                         otw_flow_port_rank(p->proto, p->dport);

    f->s.ipver = p->ipver;
    f->s.proto = p->proto;
    f->s.uid = ft->uid_next++;
    f->s.first_us = ts;
    f->s.last_us = ts;
    f->s.icmp_type = -1;
    f->s.icmp_code = -1;
    if (!from_responder) {
        memcpy(f->s.src_ip, p->src_ip, 16);
        memcpy(f->s.dst_ip, p->dst_ip, 16);
        f->s.src_port = sp;
        f->s.dst_port = dp;
    } else {
        memcpy(f->s.src_ip, p->dst_ip, 16);
        memcpy(f->s.dst_ip, p->src_ip, 16);
        f->s.src_port = dp;
        f->s.dst_port = sp;
    }
    if (p->proto == 1 || p->proto == 58) {
        int is_reply = 0;
        int cp = icmp_counterpart(p->ipver, p->icmp_type, &is_reply);
        f->s.icmp_type = (int16_t)(is_reply ? cp : p->icmp_type);
        f->s.icmp_code = p->icmp_code;
        /* For the Community ID: the initiator's type and code. */
        f->s.src_port = (uint16_t)(f->s.icmp_type < 0 ? 0 : f->s.icmp_type);
        f->s.dst_port = (uint16_t)(f->s.icmp_code < 0 ? 0 : f->s.icmp_code);
    }
    f->hnext = ft->buckets[h & (ft->nbuckets - 1)];
    ft->buckets[h & (ft->nbuckets - 1)] = f;
    f->lru = f->s.proto == 6 ? LRU_TCP : f->s.proto == 17 ? LRU_UDP : LRU_OTHER;
    lru_append(ft, f, f->lru);
    ft->st.active++;
    ft->st.created++;
    if (ft->st.active > ft->nbuckets)
        hash_grow(ft);
    return f;
}

/* Starts the next segment of a session that reached the maximum length. */
static void flow_split(struct otw_flowtab *ft, struct flow *f, int64_t ts)
{
    emit_flow(ft, f, OTW_END_SPLIT, 1);
    f->s.uid = ft->uid_next++;
    f->written_us = 0;
    f->s.segment++;
    f->s.first_us = ts;
    memset(&f->s.src, 0, sizeof(f->s.src));
    memset(&f->s.dst, 0, sizeof(f->s.dst));
}

static void account(struct otw_flowtab *ft, struct flow *f, int64_t ts, uint64_t wire_len,
                    const struct otw_pkt *p, int from_src, uint64_t npk, uint64_t payload)
{
    struct otw_dir_stats *d = from_src ? &f->s.src : &f->s.dst;

    if (ts - f->s.first_us >= ft->cfg.max_len_us && ft->cfg.max_len_us > 0)
        flow_split(ft, f, ts);
    d->packets += npk;
    d->bytes += wire_len;
    d->payload += payload;
    if (ts > f->s.last_us)
        f->s.last_us = ts;
    if (ts < f->s.first_us)
        f->s.first_us = ts;
    if (p->flags & OTW_PF_MAC) {
        /* MACs of the initiator's side, taken from the first packet of each
         * direction (later ones may be a router's). */
        uint8_t *smac = from_src ? f->s.src_mac : f->s.dst_mac;
        uint8_t *dmac = from_src ? f->s.dst_mac : f->s.src_mac;
        static const uint8_t zero[6];
        if (memcmp(smac, zero, 6) == 0)
            memcpy(smac, p->src_mac, 6);
        if (memcmp(dmac, zero, 6) == 0)
            memcpy(dmac, p->dst_mac, 6);
    }
    if (p->nvlan)
        add_vlans(&f->s, p);
}

static void tcp_update(struct flow *f, const struct otw_pkt *p, int from_src)
{
    uint8_t fl = p->tcp_flags;
    struct otw_dir_stats *d = from_src ? &f->s.src : &f->s.dst;

    if (!(p->flags & OTW_PF_PORTS) || (p->flags & OTW_PF_FRAG_LATER))
        return;
    d->tcp_flags |= fl;
    if ((fl & OTW_TCP_SYN) && !(f->has_isn & (1 << !from_src))) {
        f->has_isn |= (uint8_t)(1 << !from_src);
        f->isn[!from_src] = p->tcp_seq;
    }
    if ((fl & OTW_TCP_SYN) && !(fl & OTW_TCP_ACK) && from_src)
        f->tcp |= T_SYN;
    if ((fl & OTW_TCP_SYN) && (fl & OTW_TCP_ACK) && !from_src)
        f->tcp |= T_SYNACK | T_EST;
    if (fl & OTW_TCP_RST) {
        if (f->tcp & T_EST)
            f->tcp |= T_RST;
        else if (!from_src)
            f->tcp |= T_RST_PRE;
        else if (!(f->tcp & T_SYN))
            f->tcp |= T_RST;    /* mid-stream reset from the client */
    }
    if (fl & OTW_TCP_FIN)
        f->tcp |= from_src ? T_FIN_S : T_FIN_D;
    /* Mid-stream pick-up: no SYN seen at all, traffic with ACK set. */
    if (!(f->tcp & (T_SYN | T_SYNACK | T_EST | T_RST_PRE)) && (fl & OTW_TCP_ACK))
        f->tcp |= T_EST;
    /* Handshake missed but both sides talk after a SYN. */
    if ((f->tcp & T_SYN) && !(f->tcp & T_EST) && !from_src && (fl & OTW_TCP_ACK) &&
        !(fl & OTW_TCP_RST))
        f->tcp |= T_EST;
}

/* --- application payload ------------------------------------------------------- */

static void reasm_deliver(void *ctx, int dir, const uint8_t *p, size_t len)
{
    struct flow *f = ctx;

    otw_engine_data(f->af, dir, p, len);
}

static void reasm_gap(void *ctx, int dir, size_t lost)
{
    struct flow *f = ctx;

    otw_engine_gap(f->af, dir, lost);
}

static void app_packet(struct flow *f, const struct otw_pkt *p, int from_src)
{
    int dir = from_src ? OTW_DIR_TO_SERVER : OTW_DIR_TO_CLIENT;

    if (f->af == NULL) {
        struct otw_flowinfo fi = {
            .ipver = f->s.ipver,
            .transport = f->s.proto,
            .sport = f->s.src_port,
            .dport = f->s.dst_port,
        };
        f->af = otw_engine_flow_new(&fi);
        if (f->af == NULL)
            return;
        if (f->s.proto == 6) {
            f->rs = otw_reasm_new(reasm_deliver, reasm_gap, f);
            if (f->rs == NULL)
                return;
            for (int d = 0; d < 2; d++)
                if (f->has_isn & (1 << d))
                    otw_reasm_segment(f->rs, d, f->isn[d], OTW_TCP_SYN, NULL, 0, 0);
        }
    }
    if (f->s.proto == 17) {
        if (p->payload_cap == p->payload_len && p->payload != NULL)
            otw_engine_data(f->af, dir, p->payload, p->payload_cap);
        return;
    }
    if (f->rs != NULL)
        otw_reasm_segment(f->rs, dir, p->tcp_seq, p->tcp_flags, p->payload, p->payload_cap,
                          p->payload_len);
}

static struct flow *lookup(struct otw_flowtab *ft, const uint8_t key[KEY_LEN], uint64_t h)
{
    for (struct flow *f = ft->buckets[h & (ft->nbuckets - 1)]; f; f = f->hnext)
        if (f->hash == h && memcmp(f->key, key, KEY_LEN) == 0)
            return f;
    return NULL;
}

/* One packet (or a held group of fragments: npk packets) into its session. */
static void flow_add(struct otw_flowtab *ft, int64_t ts, uint64_t wire_len,
                     const struct otw_pkt *p, uint16_t sp, uint16_t dp, uint64_t npk,
                     uint64_t payload)
{
    uint8_t key[KEY_LEN];
    uint64_t h;
    struct flow *f;
    int from_src;
    uint16_t ksp = sp, kdp = dp;

    if (p->proto == 1 || p->proto == 58) {
        int is_reply;
        int cp = icmp_counterpart(p->ipver, p->icmp_type, &is_reply);
        ksp = (uint16_t)(p->icmp_type < 0 ? 0 : p->icmp_type);
        kdp = (uint16_t)(cp >= 0 ? cp : (p->icmp_code < 0 ? 0 : p->icmp_code));
    }
    make_key(key, p->ipver, p->proto, p->src_ip, ksp, p->dst_ip, kdp);
    h = XXH3_64bits(key, KEY_LEN);
    f = lookup(ft, key, h);

    /* A new SYN on a closed session's ports starts a new session. */
    if (f != NULL && p->proto == 6 && (p->flags & OTW_PF_PORTS) &&
        (p->tcp_flags & (OTW_TCP_SYN | OTW_TCP_ACK)) == OTW_TCP_SYN &&
        (f->lru == LRU_CLOSING || (f->tcp & (T_FIN_S | T_FIN_D)))) {
        flow_finish(ft, f, OTW_END_CLOSED);
        f = NULL;
    }
    if (f == NULL) {
        f = flow_create(ft, key, h, p, sp, dp, ts);
        if (f == NULL)
            return;
    }
    if ((p->proto == 1 || p->proto == 58) && memcmp(p->src_ip, p->dst_ip, 16) == 0) {
        /* Both ends on one host (loopback): only the type tells a reply. */
        int is_reply = 0;
        (void)icmp_counterpart(p->ipver, p->icmp_type, &is_reply);
        from_src = !is_reply;
    } else if (p->proto == 1 || p->proto == 58)
        from_src = memcmp(p->src_ip, f->s.src_ip, 16) == 0;
    else
        from_src = memcmp(p->src_ip, f->s.src_ip, 16) == 0 && sp == f->s.src_port;
    account(ft, f, ts, wire_len, p, from_src, npk, payload);
    if (p->proto == 6)
        tcp_update(f, p, from_src);
    if (ft->cfg.parse_apps && p->payload_len > 0 && !(p->flags & OTW_PF_FRAG) &&
        (p->flags & OTW_PF_PORTS) && (p->proto == 6 || p->proto == 17))
        app_packet(f, p, from_src);
    lru_touch(ft, f, lru_for(f));
}

/* --- fragments -------------------------------------------------------------- */

static uint64_t frag_hash(const struct otw_pkt *p)
{
    uint8_t k[40];

    k[0] = p->ipver;
    k[1] = p->proto;
    memcpy(k + 2, p->src_ip, 16);
    memcpy(k + 18, p->dst_ip, 16);
    memcpy(k + 34, &p->frag_id, 4);
    return XXH3_64bits(k, 38) | 1;
}

static bool frag_match(const struct frag *fr, uint64_t h, const struct otw_pkt *p)
{
    return fr->hash == h && fr->ipver == p->ipver && fr->proto == p->proto &&
           fr->id == p->frag_id && memcmp(fr->src, p->src_ip, 16) == 0 &&
           memcmp(fr->dst, p->dst_ip, 16) == 0;
}

/* Later fragments that never met their first: a session without ports. */
static void frag_orphan(struct otw_flowtab *ft, struct frag *fr)
{
    if (fr->hash == 0 || fr->pend_packets == 0)
        return;
    ft->st.frag_orphans += fr->pend_packets;
    flow_add(ft, fr->pend_first_us, fr->pend_bytes, &fr->pend_pkt, 0, 0,
             fr->pend_packets, fr->pend_payload);
    fr->pend_packets = 0;
}

static void frag_packet(struct otw_flowtab *ft, int64_t ts, uint32_t wire_len,
                        const struct otw_pkt *p)
{
    uint64_t h = frag_hash(p);
    struct frag *fr = &ft->frags[h & (FRAG_SLOTS - 1)];

    if (fr->hash != 0 && (!frag_match(fr, h, p) || ts - fr->ts_us > FRAG_TIMEOUT_US)) {
        frag_orphan(ft, fr);
        fr->hash = 0;
        ft->nfrags--;
    }
    if (fr->hash == 0) {
        memset(fr, 0, sizeof(*fr));
        fr->hash = h;
        ft->nfrags++;
        fr->ipver = p->ipver;
        fr->proto = p->proto;
        memcpy(fr->src, p->src_ip, 16);
        memcpy(fr->dst, p->dst_ip, 16);
        fr->id = p->frag_id;
    }
    fr->ts_us = ts;
    if (!(p->flags & OTW_PF_FRAG_LATER)) {
        /* The first fragment: it has the ports. */
        fr->have_ports = (p->flags & OTW_PF_PORTS) != 0 || p->icmp_type >= 0;
        fr->sport = p->sport;
        fr->dport = p->dport;
        fr->icmp_type = p->icmp_type;
        fr->icmp_code = p->icmp_code;
        flow_add(ft, ts, wire_len, p, p->sport, p->dport, 1, p->payload_len);
        if (fr->pend_packets) {
            struct otw_pkt q = *p;
            q.flags = (uint16_t)((q.flags & ~OTW_PF_PORTS) | OTW_PF_FRAG_LATER);
            flow_add(ft, fr->pend_first_us, fr->pend_bytes, &q, p->sport, p->dport,
                     fr->pend_packets, fr->pend_payload);
            fr->pend_packets = 0;
        }
        return;
    }
    if (fr->have_ports) {
        /* ICMP keys its session by type/code, which only the first had. */
        struct otw_pkt q = *p;
        q.icmp_type = fr->icmp_type;
        q.icmp_code = fr->icmp_code;
        flow_add(ft, ts, wire_len, &q, fr->sport, fr->dport, 1, p->payload_len);
        return;
    }
    if (fr->pend_packets == 0) {
        fr->pend_first_us = ts;
        fr->pend_pkt = *p;
        fr->pend_pkt.payload = NULL;
        fr->pend_pkt.payload_cap = 0;
    }
    fr->pend_packets++;
    fr->pend_bytes += wire_len;
    fr->pend_payload += p->payload_len;
    fr->pend_last_us = ts;
}

static void frag_expire(struct otw_flowtab *ft, int64_t now_us, bool all)
{
    for (size_t i = 0; i < FRAG_SLOTS && ft->nfrags > 0; i++) {
        struct frag *fr = &ft->frags[i];
        if (fr->hash != 0 && (all || now_us - fr->ts_us > FRAG_TIMEOUT_US)) {
            frag_orphan(ft, fr);
            fr->hash = 0;
            ft->nfrags--;
        }
    }
}

void otw_flow_packet(struct otw_flowtab *ft, int64_t ts_us, uint32_t wire_len,
                     const struct otw_pkt *p)
{
    if (OTW_UNLIKELY(ts_us >= ft->next_expire_us)) {
        if (ft->next_expire_us != INT64_MIN) {
            otw_flow_expire(ft, ts_us);
            frag_expire(ft, ts_us, false);
        }
        ft->next_expire_us = ts_us + 1000000;
    }
    if (p->flags & OTW_PF_FRAG) {
        frag_packet(ft, ts_us, wire_len, p);
        return;
    }
    flow_add(ft, ts_us, wire_len, p, (p->flags & OTW_PF_PORTS) ? p->sport : 0,
             (p->flags & OTW_PF_PORTS) ? p->dport : 0, 1, p->payload_len);
}

void otw_flow_flush(struct otw_flowtab *ft)
{
    frag_expire(ft, 0, true);
    for (int l = 0; l < LRU__N; l++)
        while (ft->head[l] != NULL)
            flow_finish(ft, ft->head[l], l == LRU_CLOSING ? OTW_END_CLOSED : OTW_END_EOF);
}

void otw_flow_get_stats(const struct otw_flowtab *ft, struct otw_flow_stats *st)
{
    *st = ft->st;
}

void otw_flow_free(struct otw_flowtab *ft)
{
    if (ft == NULL)
        return;
    for (int l = 0; l < LRU__N; l++) {
        struct flow *f = ft->head[l];
        while (f) {
            struct flow *nx = f->next;
            flow_free(f);
            f = nx;
        }
    }
    free(ft->buckets);
    free(ft->frags);
    free(ft);
}
