/*
 * alert.h - an alert: one cause, aggregated (a count and first/last seen,
 * not one row per session), with a severity, the hosts by name and role, a
 * plain sentence in English and in Japanese, and links to its evidence
 * sessions (by session uid, in the store).
 */
#ifndef OTW_ALERT_H
#define OTW_ALERT_H

#include "core/common.h"

enum otw_alert_kind {
    OTW_AK_NEW_DEVICE = 0,      /* a MAC or a plant IP never seen */
    OTW_AK_NEW_PEER,            /* two hosts that never talked */
    OTW_AK_NEW_PORT,            /* a known pair on a new port / a new service on a host */
    OTW_AK_OT_WRITE,            /* OT write from a host that never wrote to that device */
    OTW_AK_OT_PROGRAM,          /* program download/upload, ... */
    OTW_AK_OT_CONTROL,          /* start/stop/restart, ... */
    OTW_AK_PORT_SCAN,           /* many ports, mostly unanswered or rejected */
    OTW_AK_HOST_SWEEP,          /* many hosts, mostly unanswered or rejected */
    OTW_AK_AUTH_BURST,          /* many short SSH/RDP/SMB/Telnet/FTP sessions */
    OTW_AK_OUTBOUND_BLOCKED,    /* to outside the plant's networks, never answered */
    OTW_AK_OUTBOUND_CONNECTED,  /* to outside, answered (detail class=answered|data-transfer) */
    OTW_AK_OFF_HOURS,           /* outside learned hours / the plant's quiet hours */
    OTW_AK_OFF_WINDOW,          /* outside its maintenance window */
    OTW_AK_ARP_SPOOF,           /* one MAC claims others' addresses */
    OTW_AK_IP_MAC_CHANGE,       /* an IP's MAC changed */
    OTW_AK_VOLUME,              /* sessions or bytes per hour far above the profile */
    OTW_AK__COUNT
};
const char *otw_alert_kind_name(int kind);      /* "new_peer" */
int otw_alert_kind_parse(const char *name);     /* -1 if unknown */

enum otw_severity { OTW_SEV_LOW = 1, OTW_SEV_MEDIUM, OTW_SEV_HIGH, OTW_SEV_CRITICAL };
const char *otw_severity_name(int sev);         /* "low" ... */

enum otw_alert_status { OTW_AS_OPEN = 0, OTW_AS_ACKNOWLEDGED, OTW_AS_RESOLVED };
const char *otw_alert_status_name(int status);

enum otw_lang { OTW_LANG_EN = 0, OTW_LANG_JA = 1 };

struct otw_alert {
    int64_t id;                 /* store id, 0 until stored */
    int kind, severity, status;
    char key[256];              /* aggregation key: one open alert per key */
    uint8_t src[16], dst[16];   /* the actor and the target; has_* say which are set */
    bool has_src, has_dst;
    uint8_t mac[6];
    bool has_mac;
    uint8_t proto;              /* IP protocol, 0 if not about one */
    uint16_t port;              /* server port, 0 if none */
    char src_label[128], dst_label[128];    /* "scada (SCADA server)", else the address */
    char detail[512];           /* key=value pairs: "ports=443,4444 bytes_out=1100000" */
    uint64_t count;             /* sessions or events aggregated */
    int64_t first_us, last_us;
    int64_t point_id;
    char text[2][768];          /* [OTW_LANG_EN], [OTW_LANG_JA]: what happened, what to check */
};

/* Fills a->text[] for both languages from kind, labels and detail. Every
 * kind has both sentences (tests/unit/test_explain.c checks). */
void otw_alert_explain(struct otw_alert *a);
/* The one-line title of a kind ("New communication" / "新しい通信"). */
const char *otw_alert_kind_title(int kind, int lang);
/* Language from a name ("ja", "en", "ja_JP.UTF-8"); default English. */
int otw_lang_parse(const char *s);

#endif
