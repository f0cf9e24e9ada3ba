/*
 * fields_ja.c - the meaning of every session field in Japanese, beside the
 * English one in the catalog (fields.c for the session fields, each
 * parser's `fields` table for its own). The web interface shows these when
 * switched to Japanese; `GET /api/fields` serves both.
 *
 * Keyed by the Arkime-style name. tests/test_api_sessions.sh checks that
 * every field of the catalog has an entry here (and that it is Japanese):
 * a parser that adds a field adds its line here too.
 */
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "query/fields.h"

static const struct {
    const char *name;
    const char *ja;
} meanings[] = {
    /* session fields (fields.c) */
    {"ip.src", "通信を始めた側（送信元）のアドレス（IPv4/IPv6、CIDR 範囲も可）"},
    {"ip.dst", "通信を受けた側（宛先）のアドレス"},
    {"ip", "送信元・宛先のどちらかのアドレス（!= はどちらでもないこと）"},
    {"port.src", "送信元のポート番号（ポートのないプロトコルでは 0）"},
    {"port.dst", "宛先のポート番号"},
    {"port", "送信元・宛先のどちらかのポート番号（!= はどちらでもないこと）"},
    {"mac.src", "送信元フレームの MAC アドレス"},
    {"mac.dst", "宛先フレームの MAC アドレス"},
    {"mac", "送信元・宛先のどちらかの MAC アドレス（!= はどちらでもないこと）"},
    {"ip.protocol", "IP プロトコル：tcp、udp、icmp、ipv6-icmp など、または番号"},
    {"network.type", "ipv4 または ipv6"},
    {"packets.src", "送信元が送ったパケット数"},
    {"packets.dst", "宛先が送ったパケット数"},
    {"packets", "双方向のパケット数の合計"},
    {"bytes.src", "送信元が送ったフレームのバイト数（tshark と同じ数え方）"},
    {"bytes.dst", "宛先が送ったフレームのバイト数"},
    {"bytes", "双方向のフレームのバイト数の合計"},
    {"databytes.src", "送信元が送ったトランスポート層のペイロードのバイト数"},
    {"databytes.dst", "宛先が送ったトランスポート層のペイロードのバイト数"},
    {"databytes", "双方向のペイロードのバイト数の合計"},
    {"tcpflags.src", "送信元から見えた TCP フラグ：fin syn rst psh ack urg ece cwr"},
    {"tcpflags.dst", "宛先から見えた TCP フラグ"},
    {"vlan", "VLAN ID（外側または内側のタグ）"},
    {"community_id", "Community ID v1 のフローハッシュ（Zeek、Suricata、Arkime と同じ表記）"},
    {"state", "状態：attempt（試行）、rejected（拒否）、established（確立）、closed（終了）、"
              "reset（リセット）、timeout（タイムアウト）"},
    {"protocols", "認識したアプリケーションプロトコル（modbus、tls など）。== はそのうちの一つ"},
    {"icmp.type", "ICMP / ICMPv6 のタイプ（他のプロトコルでは値なし）"},
    {"icmp.code", "ICMP / ICMPv6 のコード"},
    {"starttime", "最初のパケットの時刻（UTC。RFC 3339、YYYY-MM-DD [HH:MM[:SS]]、UNIX 秒）"},
    {"stoptime", "最後のパケットの時刻"},
    {"duration", "最初から最後のパケットまでの秒数（整数）"},
    {"id", "このデータベースでのセッションの記録番号"},
    {"point", "取り込み時に --point で付けたキャプチャ地点の名前"},
    {"file", "セッションを取り込んだキャプチャファイルのパス"},
    {"node", "セッションを見たセンサーの名前（設定の node =。SQLite のストアではこのノード）"},
    {"segment", "最大長で分割された長いセッションの中の記録番号（最初は 0）"},
    {"continued", "後の記録にセッションが続くとき true"},
    {"end", "記録が終わった理由：eof、idle、closed、split、evicted、open（継続中）"},
    {"protocol_guess", "ペイロードを認識できなかったとき、サーバーのポート番号だけから推定した"
                       "プロトコル"},
    {"baseline", "クライアント・サーバー・プロトコル・サーバーポートのベースライン上の扱い："
                 "approved（承認済み）、learned（学習済み）、new（監視中に初めて見た未確認の"
                 "通信）、none（なし）"},
    {"baseline.category", "そのベースライン項目の分類：operational（運用）、maintenance（保守）"
                          "または none。ot-operational は !(baseline == approved && "
                          "baseline.category == operational)"},
    {"ot.class", "OT 要求の種類：read（読み出し）、write（書き込み）、program（プログラム）、"
                 "control（制御）、diagnostic（診断）"},
    /* Modbus */
    {"modbus.unit", "要求のユニット ID（MBAP の 6 バイト目）"},
    {"modbus.func", "要求のファンクション（read_holding_registers、umas、unknown など）"},
    {"modbus.func_code", "要求のファンクションコード"},
    {"modbus.class", "要求の種類：read、write、diagnostic、program"},
    {"modbus.read_range", "要求が読み出すテーブルとアドレス範囲（holding:0-9、coil:5）"},
    {"modbus.write_range", "要求が書き込むテーブルとアドレス範囲（holding:100-109、coil:5）"},
    {"modbus.mei", "カプセル化インターフェース転送（MEI）要求の MEI タイプ"},
    {"modbus.exception", "応答の例外（illegal_data_address など）"},
    {"modbus.exception_code", "応答の例外コード"},
    {"modbus.device_vendor", "機器識別：ベンダー名（オブジェクト 0）"},
    {"modbus.device_product", "機器識別：製品コード（オブジェクト 1）"},
    {"modbus.device_revision", "機器識別：リビジョン（オブジェクト 2）"},
    {"modbus.device_product_name", "機器識別：製品名（オブジェクト 4）"},
    {"modbus.device_model", "機器識別：モデル名（オブジェクト 5）"},
    /* DNP3 */
    {"dnp3.func", "アプリケーション機能（read、operate、cold_restart、response など）"},
    {"dnp3.func_code", "アプリケーション機能コード"},
    {"dnp3.object", "フラグメント内のオブジェクトのグループと種別（g12v1 = CROB）"},
    {"dnp3.iin", "応答で立っている内部表示（device_restart、need_time など）"},
    {"dnp3.src_addr", "リンク層の送信元アドレス"},
    {"dnp3.dst_addr", "リンク層の宛先アドレス"},
    /* S7comm */
    {"s7.cotp", "COTP の接続 TPDU：cr、cc、dr、dc、er など"},
    {"s7.src_tsap", "COTP CR の発呼側 TSAP（16 進）"},
    {"s7.dst_tsap", "COTP CR の着呼側 TSAP（16 進。PLC のラック／スロット）"},
    {"s7.tpdu_size", "COTP CR で提案された TPDU サイズ"},
    {"s7.rosctr", "S7 PDU の種類：job、ack、ack_data、userdata"},
    {"s7.func", "S7 ジョブの機能：read_var、write_var、download_block、plc_stop など"},
    {"s7.func_code", "S7 ジョブの機能コード"},
    {"s7.pi_service", "plc_control ジョブの PI サービス（_INSE、_DELE、P_PROGRAM など）"},
    {"s7.area", "読み書き項目のメモリ領域：inputs、outputs、flags、db1 など"},
    {"s7.block", "ダウンロード・アップロード・照会されたブロック：OB1、DB10、FC2 など"},
    {"s7.userdata_group", "要求の userdata 機能グループ：cpu_functions など"},
    {"s7.userdata_func", "要求の userdata サブ機能：read_szl、list_blocks など"},
    {"s7.szl_id", "read_szl 要求の SZL ID（0x0011 = モジュール識別）"},
    {"s7.order_number", "read_szl 0x0011 の応答：モジュールの注文番号（MLFB）"},
    {"s7.module_name", "read_szl 0x001c の応答：モジュール名"},
    {"s7.module_type", "read_szl 0x001c の応答：モジュールの型名"},
    {"s7.system_name", "read_szl 0x001c の応答：オートメーションシステム名"},
    {"s7.plant_id", "read_szl 0x001c の応答：プラント識別名"},
    {"s7.serial", "read_szl 0x001c の応答：シリアル番号"},
    {"s7.pdu_size", "setup_communication で認められた PDU サイズ"},
    {"s7.error", "ack / ack_data のエラークラス"},
    {"s7.error_code", "ack / ack_data または userdata 応答のエラークラスとコード"},
    {"s7plus.version", "S7comm-plus のプロトコルバージョン"},
    {"s7plus.opcode", "S7comm-plus のオペコード：request、response、notification"},
    {"s7plus.function", "S7comm-plus の機能：create_object、set_variable など"},
    {"s7plus.function_code", "S7comm-plus の機能コード"},
    /* EtherNet/IP, CIP */
    {"enip.command", "カプセル化コマンド：list_identity、send_rr_data など"},
    {"enip.command_code", "カプセル化コマンドのコード"},
    {"enip.status", "0 以外のカプセル化ステータス：invalid_session_handle など"},
    {"enip.vendor", "ListIdentity：ベンダー名"},
    {"enip.vendor_id", "ListIdentity：ODVA ベンダー ID"},
    {"enip.device_type", "ListIdentity：デバイスプロファイル名"},
    {"enip.device_type_id", "ListIdentity：デバイスプロファイルのコード"},
    {"enip.product_code", "ListIdentity：ベンダーの製品コード"},
    {"enip.product_name", "ListIdentity：製品名"},
    {"enip.revision", "ListIdentity：リビジョン（メジャー.マイナー）"},
    {"enip.serial", "ListIdentity：シリアル番号（16 進）"},
    {"cip.service", "CIP 要求のサービス：get_attribute_single、write_tag など"},
    {"cip.service_code", "CIP 要求のサービスコード"},
    {"cip.class", "要求が指す CIP クラス：identity、assembly など"},
    {"cip.class_id", "要求が指す CIP クラス ID"},
    {"cip.status", "応答の CIP 一般ステータス：success、privilege_violation など"},
    {"cip.tag", "CIP 書き込み要求のシンボリックタグ"},
    {"cip_io.connection", "暗黙的 I/O データグラムの接続 ID（16 進。件数 = パケット数）"},
    /* BACnet */
    {"bacnet.bvlc", "BVLC 機能：original_unicast_npdu、forwarded_npdu など"},
    {"bacnet.network_msg", "NPDU のネットワーク層メッセージ：who_is_router_to_network など"},
    {"bacnet.apdu_type", "APDU の種類：confirmed_request、complex_ack、error など"},
    {"bacnet.service", "要求のサービス：read_property、who_is、reinitialize_device など"},
    {"bacnet.confirmed_code", "不明な確認型サービスの番号"},
    {"bacnet.unconfirmed_code", "不明な非確認型サービスの番号"},
    {"bacnet.object", "要求の対象オブジェクト：analog_value:1、file:0 など"},
    {"bacnet.device_instance", "I-Am で通知されたデバイスインスタンス"},
    {"bacnet.vendor_id", "I-Am で通知された ASHRAE ベンダー ID"},
    {"bacnet.reinit_state", "ReinitializeDevice の状態：coldstart、warmstart など"},
    {"bacnet.dcc_state", "DeviceCommunicationControl：enable、disable など"},
    {"bacnet.error", "Error PDU のエラークラス：object、property、security など"},
    {"bacnet.error_code", "Error PDU のエラーコード"},
    {"bacnet.reject", "拒否の理由：unrecognized_service など"},
    {"bacnet.abort", "中断の理由：segmentation_not_supported など"},
    /* IEC 60870-5-104 */
    {"iec104.apci", "APCI のフレーム形式：i、s、u"},
    {"iec104.u_func", "U フレームの機能：startdt_act、testfr_con など"},
    {"iec104.type", "ASDU の種類：M_ME_NC_1、C_SC_NA_1、C_IC_NA_1 など"},
    {"iec104.type_id", "ASDU の型識別子"},
    {"iec104.cot", "伝送理由：spontaneous、activation など"},
    {"iec104.negative", "否定確認された ASDU の種類（P/N ビット）"},
    {"iec104.ca", "ASDU の共通アドレス（局）"},
    /* SSH */
    {"ssh.client", "クライアントの識別行（SSH-2.0-OpenSSH_8.9p1 など）"},
    {"ssh.server", "サーバーの識別行"},
    {"ssh.kex", "合意された鍵交換アルゴリズム"},
    {"ssh.host_key_alg", "合意されたサーバーのホスト鍵アルゴリズム"},
    {"ssh.auth", "推定した認証結果：success、failure、unknown"},
    {"ssh.auth_attempts", "推定した認証の試行回数（'none' による確認を含む）"},
    /* TLS */
    {"tls.version", "ServerHello で合意された TLS バージョン：1.0、1.1、1.2、1.3（SSL 3.0 は "
                    "ssl3）"},
    {"tls.cipher_code", "サーバーが選んだ暗号スイート（IANA の番号）"},
    {"tls.sni", "クライアントが求めたサーバー名（SNI）"},
    {"tls.alpn", "クライアントが提示したアプリケーションプロトコル（ALPN）"},
    {"tls.ja3", "JA3 クライアントフィンガープリント（MD5 の 16 進）"},
    {"tls.ja4", "JA4 クライアントフィンガープリント（FoxIO）"},
    {"tls.cert_subject", "サーバー証明書のサブジェクト（RFC 2253）"},
    {"tls.cert_issuer", "サーバー証明書の発行者（RFC 2253）"},
    {"tls.cert_not_before", "サーバー証明書の有効期間の開始（RFC 3339、UTC）"},
    {"tls.cert_not_after", "サーバー証明書の有効期間の終了（RFC 3339、UTC）"},
    {"tls.alert", "平文で送られたアラート（handshake_failure など）"},
    /* RDP */
    {"rdp.cookie", "接続要求のクッキーにあるユーザー名（mstshash）"},
    {"rdp.routing_token", "接続要求にある負荷分散装置のルーティングトークン（msts=）"},
    {"rdp.requested", "クライアントが提示したセキュリティプロトコル（standard_rdp、tls、credssp "
                      "など）"},
    {"rdp.selected", "サーバーが選んだセキュリティプロトコル"},
    {"rdp.failure", "サーバーからのネゴシエーション失敗コード"},
    {"rdp.client_name", "クライアントのコンピューター名（GCC クライアントコアデータ）"},
    {"rdp.keyboard_layout", "クライアントのキーボードレイアウト（Windows LCID。例：1041 は日本語）"},
    {"rdp.client_build", "クライアントのビルド番号"},
    /* SMB */
    {"smb.command", "各要求のコマンド（negotiate、session_setup、tree_connect、create、read、"
                    "write など）"},
    {"smb.dialect", "サーバーが選んだダイアレクト（NT LM 0.12、2.0.2、2.1、3.0、3.0.2、3.1.1）"},
    {"smb.ntlm_user", "NTLM AUTHENTICATE メッセージのユーザー名"},
    {"smb.ntlm_domain", "NTLM AUTHENTICATE メッセージのドメイン"},
    {"smb.ntlm_host", "NTLM AUTHENTICATE メッセージのクライアント端末名"},
    {"smb.share", "ツリー接続の共有パス（\\\\server\\share）"},
    {"smb.filename", "作成・オープン要求のファイル名"},
    {"smb.auth", "セッション確立の結果：success または failure"},
    {"smb.encrypted", "SMB3 の暗号化（トランスフォーム）メッセージごとに 1"},
    /* SOCKS */
    {"socks.target", "クライアントがプロキシに接続を求めたホスト:ポート"},
    {"socks.command", "要求コマンド：connect、bind、udp_associate"},
    {"socks.user", "RFC 1929 認証のユーザー名"},
    {"socks.reply", "サーバーの応答：succeeded、connection_refused など"},
    /* OPC UA */
    {"opcua.msg_type", "UA TCP のメッセージ種別：hello、acknowledge、open_secure_channel、"
                       "message、close_secure_channel、error、reverse_hello"},
    {"opcua.endpoint_url", "Hello の EndpointUrl"},
    {"opcua.security_policy", "OpenSecureChannel 要求の SecurityPolicyUri"},
    /* FINS */
    {"fins.command", "コマンドフレームの FINS コマンド名（memory_area_read、run、stop など）"},
    {"fins.end_code", "応答の終了コード（main << 8 | sub。0 = 正常終了）"},
    /* PROFINET */
    {"profinet.interface", "PNIO RPC のインターフェース：device、controller、supervisor、"
                           "parameter_server"},
    {"profinet.ptype", "DCE/RPC CL のパケット種別：request、response、fault、reject など"},
    {"profinet.opnum", "要求の PNIO 操作：connect、release、read、write、control、read_implicit"},
    /* MELSEC */
    {"melsec.frame", "バイナリフレームの種類：3e または 4e"},
    {"melsec.command", "要求コマンド：batch_read、batch_write、remote_run、remote_stop など"},
    {"melsec.command_code", "要求コマンドのコード（0x0401 = batch_read など）"},
    {"melsec.end_code", "応答の終了コード（0 = 正常終了）"},
    /* HART-IP */
    {"hartip.msg_id", "メッセージ ID：session_initiate、session_close、keep_alive、pass_through、"
                      "read_audit_log"},
    {"hartip.msg_type", "メッセージ種別：request、response、publish、error、nak"},
    {"hartip.command", "パススルー要求の HART コマンド番号"},
    /* DHCP */
    {"dhcp.msg_type", "DHCP メッセージ種別（オプション 53）：discover、offer、request、ack など"},
    {"dhcp.client_mac", "クライアントのハードウェアアドレス（chaddr、Ethernet）"},
    {"dhcp.hostname", "ホスト名（オプション 12）"},
    {"dhcp.vendor_class", "ベンダークラス識別子（オプション 60）"},
    {"dhcp.requested_ip", "要求された IP アドレス（オプション 50）"},
    {"dhcp.assigned_ip", "ACK で割り当てられたアドレス（yiaddr）"},
    {"dhcp.client_name", "クライアントの MAC とそのホスト名：\"02:0a:c0:a8:0a:0a hmi01\""},
    {"dhcp.lease", "クライアントの MAC と ACK で与えられたアドレス：\"MAC 192.168.10.10\""},
    /* SNMP */
    {"snmp.version", "SNMP のバージョン：v1、v2c、v3"},
    {"snmp.community_present", "空でないコミュニティ文字列が送られたとき 1（v1/v2c。文字列自体は"
                               "保存しません）"},
    {"snmp.pdu", "PDU の種類：get_request、set_request、get_response、trap など"},
    {"snmp.encrypted", "PDU が暗号化された v3 メッセージのとき 1"},
    /* HTTP, FTP, Telnet */
    {"http.method", "要求メソッド（GET、POST など）"},
    {"http.host", "要求の Host ヘッダー"},
    {"http.uri", "要求のターゲット（長さに上限あり）"},
    {"http.user_agent", "要求の User-Agent ヘッダー"},
    {"http.status", "応答のステータスコード"},
    {"ftp.command", "コマンド：USER、PASS、RETR、STOR、LIST など（PASS の引数は保存しません）"},
    {"ftp.user", "USER で送られたユーザー名"},
    {"ftp.reply", "応答コード（複数行の応答は 1 回と数えます）"},
    {"telnet.option", "ネゴシエーションされたオプション（WILL/WONT/DO/DONT）：echo、"
                      "terminal_type、naws など"},
    {"telnet.user", "login: の後に入力されたユーザー名"},
    /* NetBIOS name service, DNS, NTP */
    {"nbns.opcode", "操作：query、registration、release、refresh など"},
    {"nbns.query", "問い合わせ・登録された名前とその種別：\"PLC01<20>\""},
    {"nbns.registered", "送信元が登録する自身の（一意の）名前"},
    {"nbns.status_name", "ノード状態応答にある応答側のワークステーション名"},
    {"dns.query", "問い合わせ名（小文字。すべてのメッセージ）"},
    {"dns.qtype", "問い合わせタイプ名：a、aaaa、ptr、txt、mx、any など（other）"},
    {"dns.qtype_code", "問い合わせタイプの番号"},
    {"dns.rcode", "応答コード名：noerror、nxdomain、servfail、refused など"},
    {"dns.answer", "回答レコードの A/AAAA アドレス、または CNAME/PTR/NS 名"},
    {"dns.resolved", "A/AAAA 回答の名前とアドレス：\"plc1.example 10.0.0.5\""},
    {"ntp.version", "NTP のバージョン番号（1〜4）"},
    {"ntp.mode", "アソシエーションモード：client、server、broadcast、control、private など"},
    {"ntp.stratum", "モード 1〜5 のパケットの階層（0 = 未指定／kiss-o'-death）"},
    {"ntp.private_request", "モード 7 の要求コード（42 = monlist）"},
};

const char *otw_fields_meaning_ja(const char *name)
{
    for (size_t i = 0; i < sizeof(meanings) / sizeof(meanings[0]); i++)
        if (strcasecmp(meanings[i].name, name) == 0)
            return meanings[i].ja;
    return NULL;
}
