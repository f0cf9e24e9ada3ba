/*
 * explain.c - what an alert means, in words plant staff read: the kind's
 * name and title, and one sentence in English and in Japanese saying what
 * happened and what to check (MISSION.md points 7 and 8: "a peer we never
 * talk to", "no answer: the firewall is holding", "data is flowing: treat
 * it as compromised until checked").
 *
 * A sentence is a template; {name} is replaced by the alert's host labels
 * ({src}, {dst}), its port ({port}: "tcp/443"), its count ({count}), or a
 * key of its detail ("ports=tcp/443,tcp/4444" fills {ports}). A name with
 * no value becomes "-", so no brace is ever left in a sentence.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/alert.h"

struct kind_text {
    const char *name;
    const char *title[2];
    /* [variant][lang]: variant 1 is used when the detail selects it (see pick()) */
    const char *text[2][2];
};

static const struct kind_text kinds[OTW_AK__COUNT] = {
    [OTW_AK_NEW_DEVICE] = {
        "new_device",
        {"New device", "新しい機器"},
        {{"A device never seen before appeared on the control network: {src} (MAC {mac}, "
          "vendor {vendor}). Check whether someone connected it on purpose; find and identify "
          "any device nobody knows.",
          "これまで見たことのない機器が制御ネットワークに現れました: {src}（MAC {mac}、"
          "ベンダー {vendor}）。誰かが意図して接続したものか確認してください。"
          "心当たりがなければ、機器の場所を突き止めて特定してください。"}},
    },
    [OTW_AK_NEW_PEER] = {
        "new_peer",
        {"New communication", "新しい通信"},
        {{"{src} communicated with {dst} ({ports}): a peer it never talks to. Check who "
          "started it and why; if nobody planned it, treat it as suspicious.",
          "{src} が {dst}（{ports}）と通信しました。普段まったく通信しない相手です。"
          "誰が何のために始めた通信か確認してください。予定になければ不審な通信として"
          "扱ってください。"}},
    },
    [OTW_AK_NEW_PORT] = {
        "new_port",
        {"New port", "新しいポート"},
        {{"{src} reached {dst} on {port}, a port never used between them. Check whether a "
          "new service or a change of settings was planned.",
          "{src} が {dst} の {port} に接続しました。この組み合わせでは使われたことのない"
          "ポートです。新しいサービスや設定変更の予定があったか確認してください。"}},
    },
    [OTW_AK_OT_WRITE] = {
        "ot_write",
        {"New OT write", "新しい書き込み操作"},
        {{"{src} wrote to {dst} with {app} (function {fc}), which it never did before. Check "
          "the values now set in the device and who sent these writes.",
          "{src} が {dst} に {app} で書き込みを行いました（機能コード {fc}）。"
          "これまで一度もなかった操作です。機器の設定値が変わっていないか、"
          "誰が書き込んだかを確認してください。"}},
    },
    [OTW_AK_OT_PROGRAM] = {
        "ot_program",
        {"Program change", "プログラム操作"},
        {{"{src} sent program commands (download, upload or change) to {dst} with {app} "
          "(function {fc}), never seen from it before. Compare the controller's program "
          "with the approved version now.",
          "{src} が {dst} に {app} でプログラムの書き込み・読み出し・変更の操作を行いました"
          "（機能 {fc}）。これまでなかった操作です。すぐにコントローラのプログラムが"
          "承認済みのものと同じか確認してください。"}},
    },
    [OTW_AK_OT_CONTROL] = {
        "ot_control",
        {"Control command", "運転制御コマンド"},
        {{"{src} sent control commands (start, stop, restart ...) to {dst} with {app} "
          "(function {fc}), never seen from it before. Check the state of the device and who "
          "gave the command.",
          "{src} が {dst} に {app} で起動・停止・再起動などの制御コマンドを送りました"
          "（機能 {fc}）。これまでなかった操作です。機器の状態と、誰が操作したかを"
          "確認してください。"}},
    },
    [OTW_AK_PORT_SCAN] = {
        "port_scan",
        {"Port scan", "ポートスキャン"},
        {{"{src} probed {nports} ports on {nhosts} host(s) ({targets}) within {window_s} s, "
          "mostly refused or unanswered: a port scan. Someone is mapping the control network "
          "from {src}; check that machine now.",
          "{src} が {window_s} 秒以内に {nhosts} 台（{targets}）の {nports} 個のポートを"
          "調べました。ほとんどが拒否または無応答で、ポートスキャンです。{src} から"
          "制御ネットワークが調べられています。すぐにこの機器を確認してください。"}},
    },
    [OTW_AK_HOST_SWEEP] = {
        "host_sweep",
        {"Host sweep", "ホストスイープ"},
        {{"{src} tried {nhosts} hosts ({targets}) within {window_s} s, mostly without an "
          "answer: it is looking for devices. Check that machine now.",
          "{src} が {window_s} 秒以内に {nhosts} 台の機器（{targets}）に接続を試み、"
          "ほとんど応答がありませんでした。機器を探して回っています。すぐにこの機器を"
          "確認してください。"}},
    },
    [OTW_AK_AUTH_BURST] = {
        "auth_burst",
        {"Repeated logins", "ログインの繰り返し"},
        {{"{src} opened {sessions} short {app} sessions to {dst} ({port}) within {window_s} s: "
          "repeated logins, likely password guessing. Check the login records on {dst} and "
          "whether one succeeded.",
          "{src} から {dst}（{port}）へ、{window_s} 秒以内に短い {app} 接続が {sessions} 回"
          "ありました。ログインの繰り返しで、パスワードの推測が疑われます。{dst} の"
          "ログイン記録を確認し、成功したものがないか調べてください。"}},
    },
    [OTW_AK_OUTBOUND_BLOCKED] = {
        "outbound_blocked",
        {"Outbound attempt (blocked)", "外部への接続試行（遮断）"},
        {{"{src} tried to reach {dst} ({port}) outside the plant: a peer we never talk to, "
          "suspicious. No answer came back: the firewall is holding. Find the program on "
          "{src} that keeps trying.",
          "{src} が工場の外の {dst}（{port}）へ接続しようとしました。普段通信しない相手で、"
          "不審です。応答はなく、ファイアウォールが止めています。{src} のどのプログラムが"
          "接続しようとしているのか調べてください。"},
         {"{src} tried to reach {dst} ({port}) outside the plant: a peer we never talk to, "
          "suspicious. The connection was refused: the firewall is holding. Find the program "
          "on {src} that keeps trying.",
          "{src} が工場の外の {dst}（{port}）へ接続しようとしました。普段通信しない相手で、"
          "不審です。接続は拒否されました。ファイアウォールが止めています。{src} のどの"
          "プログラムが接続しようとしているのか調べてください。"}},
    },
    [OTW_AK_OUTBOUND_CONNECTED] = {
        "outbound_connected",
        {"Outbound connection", "外部への接続"},
        {{"{src} connected to {dst} ({port}) outside the plant and it answered: the firewall "
          "let it through. Check {src} now and close the path.",
          "{src} が工場の外の {dst}（{port}）に接続し、応答がありました。ファイアウォールを"
          "通過しています。すぐに {src} を調べ、この経路を遮断してください。"},
         {"{src} connected to {dst} ({port}) outside the plant, it answered and data is "
          "flowing ({bytes_out} bytes out, {bytes_in} bytes in): treat {src} as compromised "
          "until checked, and cut the connection.",
          "{src} が工場の外の {dst}（{port}）に接続し、応答があり、データが流れています"
          "（送信 {bytes_out} バイト、受信 {bytes_in} バイト）。確認が済むまで {src} は"
          "侵害されたものとして扱い、通信を遮断してください。"}},
    },
    [OTW_AK_OFF_HOURS] = {
        "off_hours",
        {"Outside usual hours", "通常時間外の通信"},
        {{"{src} used remote access to {dst} ({port}) at {time}, in the plant's quiet hours, "
          "never seen at that hour. Check who was working at that time.",
          "{src} から {dst}（{port}）へのリモート接続が {time} にありました。通常は作業の"
          "ない時間帯で、この時間には見られなかった通信です。その時間に誰が作業して"
          "いたか確認してください。"},
         {"{src} to {dst} ({port}) is usual traffic, but it ran at {time}, an hour when it "
          "never runs. Check whether this work was planned.",
          "{src} から {dst}（{port}）への通信は普段どおりのものですが、{time} という普段は"
          "行われない時間帯にありました。予定された作業か確認してください。"}},
    },
    [OTW_AK_OFF_WINDOW] = {
        "off_window",
        {"Outside maintenance window", "保守時間外の接続"},
        {{"{src} reached {dst} ({port}) at {time}, outside its maintenance window "
          "\"{window}\". Check whether this maintenance was authorised; if not, treat the "
          "maintenance path as compromised.",
          "{src} から {dst}（{port}）への接続が {time} にありました。保守時間帯「{window}」の"
          "外です。許可された保守作業か確認してください。許可がなければ保守経路が"
          "乗っ取られたものとして扱ってください。"}},
    },
    [OTW_AK_ARP_SPOOF] = {
        "arp_spoof",
        {"ARP spoofing", "ARP なりすまし"},
        {{"The device with MAC {mac} ({src}) claims by ARP the addresses of {claimed}: "
          "a man in the middle is likely, with their traffic passing through it. Check that "
          "machine, and whether the monitoring and control values are true.",
          "MAC アドレス {mac}（{src}）の機器が、ARP で {claimed} のアドレスを名乗って"
          "います。中間者攻撃の疑いがあり、これらの機器の通信がこの機器を経由している"
          "可能性があります。この機器を確認し、監視値や制御値が正しいか確かめてください。"}},
    },
    [OTW_AK_IP_MAC_CHANGE] = {
        "ip_mac_change",
        {"Address changed hands", "MAC アドレスの変化"},
        {{"The address of {src} is now claimed by MAC {mac} instead of {old_mac}. If the "
          "device was not replaced, someone may be impersonating it (ARP spoofing).",
          "{src} のアドレスを名乗る MAC アドレスが {old_mac} から {mac} に変わりました。"
          "機器を交換していないなら、誰かがなりすましている（ARP スプーフィング）"
          "おそれがあります。"}},
    },
    [OTW_AK_VOLUME] = {
        "volume",
        {"Traffic surge", "通信量の急増"},
        {{"{src} to {dst} ({port}) had {sessions} sessions and {bytes} bytes in one hour, far "
          "above its usual peak ({peak_sessions} sessions, {peak_bytes} bytes). Check what "
          "changed.",
          "{src} から {dst}（{port}）への通信が 1 時間に {sessions} セッション・{bytes} バイト"
          "となり、普段の最大（{peak_sessions} セッション・{peak_bytes} バイト）を大きく"
          "上回りました。何が変わったのか確認してください。"}},
    },
};

static const char *const sev_names[] = {"", "low", "medium", "high", "critical"};
static const char *const status_names[] = {"open", "acknowledged", "resolved"};

const char *otw_alert_kind_name(int kind)
{
    if (kind < 0 || kind >= OTW_AK__COUNT)
        return "unknown";
    return kinds[kind].name;
}

int otw_alert_kind_parse(const char *name)
{
    if (name == NULL)
        return -1;
    for (int k = 0; k < OTW_AK__COUNT; k++)
        if (strcmp(name, kinds[k].name) == 0)
            return k;
    return -1;
}

const char *otw_severity_name(int sev)
{
    if (sev < OTW_SEV_LOW || sev > OTW_SEV_CRITICAL)
        return "unknown";
    return sev_names[sev];
}

const char *otw_alert_status_name(int status)
{
    if (status < OTW_AS_OPEN || status > OTW_AS_RESOLVED)
        return "unknown";
    return status_names[status];
}

const char *otw_alert_kind_title(int kind, int lang)
{
    if (kind < 0 || kind >= OTW_AK__COUNT)
        return "?";
    return kinds[kind].title[lang == OTW_LANG_JA ? 1 : 0];
}

int otw_lang_parse(const char *s)
{
    if (s != NULL && (s[0] == 'j' || s[0] == 'J') && (s[1] == 'a' || s[1] == 'A') &&
        (s[2] == '\0' || s[2] == '_' || s[2] == '-' || s[2] == '.'))
        return OTW_LANG_JA;
    return OTW_LANG_EN;
}

/* The value of `key` in "k=v k=v" detail text, copied to buf; false if absent. */
static bool detail_get(const char *detail, const char *key, char *buf, size_t len)
{
    size_t kl = strlen(key);
    const char *p = detail;

    while (p != NULL && *p != '\0') {
        while (*p == ' ')
            p++;
        if (strncmp(p, key, kl) == 0 && p[kl] == '=') {
            size_t n = strcspn(p + kl + 1, " ");
            if (n >= len)
                n = len - 1;
            memcpy(buf, p + kl + 1, n);
            buf[n] = '\0';
            return true;
        }
        p = strchr(p, ' ');
    }
    return false;
}

static const char *proto_name(int proto, char *buf, size_t len)
{
    switch (proto) {
    case 6: return "tcp";
    case 17: return "udp";
    case 1: return "icmp";
    case 58: return "ipv6-icmp";
    case 132: return "sctp";
    default: snprintf(buf, len, "%d", proto); return buf;
    }
}

/* The value of one placeholder. */
/* A plant-local time from the detail ("Fri_10:40") as a sentence shows it:
 * "Fri 10:40" / "金曜 10:40". */
static void local_time_text(char *buf, size_t len, int lang)
{
    static const char *const en[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    static const char *const ja[] = {"月曜", "火曜", "水曜", "木曜", "金曜", "土曜", "日曜"};
    char *us = strchr(buf, '_');
    char tmp[64];

    if (us == NULL)
        return;
    *us = '\0';
    for (size_t i = 0; i < OTW_ARRAY_LEN(en); i++) {
        if (strcmp(buf, en[i]) == 0) {
            snprintf(tmp, sizeof(tmp), "%s %s", lang == OTW_LANG_JA ? ja[i] : en[i], us + 1);
            snprintf(buf, len, "%s", tmp);
            return;
        }
    }
    *us = ' ';
}

static void value_of(const struct otw_alert *a, const char *name, char *buf, size_t len,
                     int lang)
{
    char pb[8];

    buf[0] = '\0';
    if (strcmp(name, "src") == 0) {
        snprintf(buf, len, "%s", a->src_label);
    } else if (strcmp(name, "dst") == 0) {
        snprintf(buf, len, "%s", a->dst_label);
    } else if (strcmp(name, "port") == 0) {
        if (a->port != 0)
            snprintf(buf, len, "%s/%u", proto_name(a->proto, pb, sizeof(pb)), a->port);
        else if (a->proto != 0)
            snprintf(buf, len, "%s", proto_name(a->proto, pb, sizeof(pb)));
    } else if (strcmp(name, "count") == 0) {
        snprintf(buf, len, "%llu", (unsigned long long)a->count);
    } else if (!detail_get(a->detail, name, buf, len)) {
        if (strcmp(name, "mac") == 0 && a->has_mac)
            snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", a->mac[0], a->mac[1],
                     a->mac[2], a->mac[3], a->mac[4], a->mac[5]);
        else if (strcmp(name, "ports") == 0 && a->port != 0)
            snprintf(buf, len, "%s/%u", proto_name(a->proto, pb, sizeof(pb)), a->port);
        else if (strcmp(name, "sessions") == 0)
            snprintf(buf, len, "%llu", (unsigned long long)a->count);
    }
    /* detail lists use ',' without blanks; a sentence reads better with them */
    if (strchr(buf, ',') != NULL && strlen(buf) * 2 < len) {
        char tmp[512];
        size_t o = 0;
        for (const char *p = buf; *p && o + 3 < sizeof(tmp); p++) {
            tmp[o++] = *p;
            if (*p == ',')
                tmp[o++] = ' ';
        }
        tmp[o] = '\0';
        snprintf(buf, len, "%s", tmp);
    }
    if (strcmp(name, "time") == 0)
        local_time_text(buf, len, lang);
    /* the two vendor texts that are ours, not a registry's */
    if (strcmp(name, "vendor") == 0 && lang == OTW_LANG_JA) {
        if (strcmp(buf, "unknown") == 0)
            snprintf(buf, len, "不明");
        else if (strcmp(buf, "(locally administered)") == 0 ||
                 strcmp(buf, "(locally_administered)") == 0)     /* as a detail stores it */
            snprintf(buf, len, "なし（ローカル管理の MAC アドレス）");
    }
    if (buf[0] == '\0')
        snprintf(buf, len, "-");
}

static void fill(const struct otw_alert *a, const char *tmpl, char *out, size_t len, int lang)
{
    size_t o = 0;

    for (const char *p = tmpl; *p != '\0' && o + 1 < len;) {
        const char *e;
        if (*p == '{' && (e = strchr(p, '}')) != NULL && (size_t)(e - p) < 32) {
            char name[32], val[512];
            size_t vl;
            memcpy(name, p + 1, (size_t)(e - p - 1));
            name[e - p - 1] = '\0';
            value_of(a, name, val, sizeof(val), lang);
            vl = strlen(val);
            if (o + vl >= len)
                vl = len - 1 - o;
            memcpy(out + o, val, vl);
            o += vl;
            p = e + 1;
        } else {
            out[o++] = *p++;
        }
    }
    /* never cut a UTF-8 sequence in the middle */
    if (o + 1 >= len)
        while (o > 0 && ((unsigned char)out[o - 1] & 0xc0) == 0x80)
            o--;
    if (o > 0 && o + 1 >= len && ((unsigned char)out[o - 1] & 0xc0) == 0xc0)
        o--;
    out[o] = '\0';
}

/* Which variant of the sentence the detail asks for. */
static int pick(const struct otw_alert *a)
{
    char v[64];

    if (a->kind == OTW_AK_OUTBOUND_CONNECTED && detail_get(a->detail, "class", v, sizeof(v)) &&
        strcmp(v, "data-transfer") == 0)
        return 1;
    if (a->kind == OTW_AK_OUTBOUND_BLOCKED && detail_get(a->detail, "answer", v, sizeof(v)) &&
        strcmp(v, "refused") == 0)
        return 1;
    if (a->kind == OTW_AK_OFF_HOURS && detail_get(a->detail, "reason", v, sizeof(v)) &&
        strcmp(v, "unusual-hour") == 0)
        return 1;
    return 0;
}

void otw_alert_explain(struct otw_alert *a)
{
    int v;

    if (a->kind < 0 || a->kind >= OTW_AK__COUNT) {
        snprintf(a->text[OTW_LANG_EN], sizeof(a->text[0]), "Unknown alert.");
        snprintf(a->text[OTW_LANG_JA], sizeof(a->text[1]), "不明なアラートです。");
        return;
    }
    v = pick(a);
    if (kinds[a->kind].text[v][0] == NULL)
        v = 0;
    fill(a, kinds[a->kind].text[v][0], a->text[OTW_LANG_EN], sizeof(a->text[0]), OTW_LANG_EN);
    fill(a, kinds[a->kind].text[v][1], a->text[OTW_LANG_JA], sizeof(a->text[1]), OTW_LANG_JA);
}
