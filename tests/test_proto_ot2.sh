#!/usr/bin/env bash
# Golden test of the ot2 parsers (S7comm / S7comm-plus, EtherNet/IP + CIP,
# CIP I/O, BACnet/IP, IEC 60870-5-104) on the captures under tests/pcaps:
#   1. expected fields per session, written by hand from reading the
#      captures with tshark -V (frame numbers in the comments);
#   2. per session (5-tuple), the function counts otwatch recorded equal
#      those of tshark's own dissection:
#        S7comm   s7.func_code   = s7comm.param.func of ROSCTR 1 (job) PDUs
#                 s7.rosctr      = s7comm.header.rosctr (all PDUs)
#        ENIP     enip.command_code = enip.command (all packets)
#                 cip.service_code  = cip.sc of frames sent to 44818 (requests,
#                                     embedded ones included)
#        BACnet   bacnet.service = bacapp.confirmed_service of type 0 and
#                                  bacapp.unconfirmed_service of type 1 APDUs
#        IEC 104  iec104.type_id = iec60870_asdu.typeid (all ASDUs)
# usage: test_proto_ot2.sh OTWATCH SRCDIR
set -uo pipefail
otw=$1
src=$2
command -v tshark >/dev/null || { echo "tshark is missing"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

export OTW="$otw" SRC="$src" TMP="$tmp"
python3 - <<'PY'
import json, os, subprocess, sys
from collections import Counter, defaultdict

otw, src, tmp = os.environ["OTW"], os.environ["SRC"], os.environ["TMP"]
passed = failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what)


def sessions(pcap):
    """otwatch sessions of one capture, keyed by (transport, frozenset of endpoints);
    records of one 5-tuple (a split UDP conversation) are merged."""
    db = os.path.join(tmp, os.path.basename(pcap) + ".db")
    subprocess.run([otw, "import", "--db", db, pcap], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out = subprocess.run([otw, "sessions", "--db", db, "--format", "json"], check=True,
                         capture_output=True, text=True).stdout
    res = {}
    for line in out.splitlines():
        d = json.loads(line)
        key = (d["network.transport"], frozenset([(d["source.ip"], d["source.port"]),
                                                  (d["destination.ip"], d["destination.port"])]))
        m = res.setdefault(key, {"protocols": set(), "counts": defaultdict(Counter),
                                 "events": Counter(), "guess": None})
        m["protocols"].update(d.get("network.protocol", []))
        for f, vals in d.get("otwatch.counts", {}).items():
            m["counts"][f].update(vals)
        m["events"].update(d.get("otwatch.events", {}))
        m["guess"] = m["guess"] or d.get("otwatch.protocol_guess")
    return res


def key(tr, a, ap, b, bp):
    return (tr, frozenset([(a, int(ap)), (b, int(bp))]))


def tshark(pcap, dfilter, fields):
    out = subprocess.run(["tshark", "-r", pcap, "-Y", dfilter, "-T", "fields",
                          "-E", "separator=|"] + sum([["-e", f] for f in fields], []),
                         capture_output=True, text=True, check=True).stdout
    return [l.split("|") for l in out.splitlines()]


def vals(s):
    return [v for v in s.split(",") if v != ""]


def session_of(res, k, what):
    if k not in res:
        check(False, f"{what}: no otwatch session for {sorted(k[1])}")
        return None
    return res[k]


def cross(pcap, res, tr, dfilter, field, otw_field, conv=lambda v: str(int(v, 0)), extra=()):
    """Counts of tshark `field` per session must equal otwatch.counts[otw_field]."""
    want = defaultdict(Counter)
    pre = "tcp" if tr == "tcp" else "udp"
    for row in tshark(pcap, dfilter, ["ip.src", pre + ".srcport", "ip.dst", pre + ".dstport", field]):
        if len(row) < 5 or not row[1]:
            continue
        for v in vals(row[4]):
            want[key(tr, *row[:4])][conv(v)] += 1
    if not want:
        check(False, f"{os.path.basename(pcap)}: tshark found no {field}")
    for k, c in want.items():
        s = session_of(res, k, os.path.basename(pcap))
        if s is None:
            continue
        got = Counter({v: n for v, n in s["counts"].get(otw_field, {}).items()})
        check(got == c, f"{os.path.basename(pcap)} {sorted(k[1])}: {otw_field} {dict(got)} != tshark {field} {dict(c)}")


def expect(res, k, what, protocols=None, counts=None, absent=(), events=None):
    s = session_of(res, k, what)
    if s is None:
        return
    if protocols is not None:
        check(s["protocols"] == set(protocols), f"{what}: protocols {s['protocols']} != {protocols}")
    for f, vc in (counts or {}).items():
        for v, n in vc.items():
            got = s["counts"].get(f, {}).get(v, 0)
            check(got == n, f"{what}: {f}={v} count {got} != {n}")
    for f in absent:
        check(f not in s["counts"], f"{what}: unexpected field {f}")
    for e, n in (events or {}).items():
        check(s["events"].get(e, 0) == n, f"{what}: event {e} {s['events'].get(e, 0)} != {n}")


P = lambda *a: os.path.join(src, "tests", "pcaps", *a)

# ---- S7comm ---------------------------------------------------------------
f = P("s7comm", "ndpi-s7comm.pcap")
r = sessions(f)
k = key("tcp", "192.168.1.10", 4185, "192.168.1.40", 102)
# frames 1-2 CR/CC with TSAPs c1=0100 c2=0102, TPDU size 0x0a; 3-4 setup
# communication (PDU 240); SZL reads (6, 9, 12, 15, 36); block functions
# (18-33; 33 get_block_info DB1, answered with error 0xd209); 39
# request_download DB1, 42/45/48 download_block (jobs from the PLC), 51
# download_ended, 54 PI service _INSE(DB1).
expect(r, k, "ndpi-s7comm", protocols=["s7comm"], counts={
    "s7.src_tsap": {"0100": 1}, "s7.dst_tsap": {"0102": 1}, "s7.tpdu_size": {"1024": 1},
    "s7.func": {"setup_communication": 1, "request_download": 1, "download_block": 3,
                "download_ended": 1, "plc_control": 1},
    "s7.pi_service": {"_INSE": 1}, "s7.block": {"DB1": 6}, "s7.pdu_size": {"240": 1},
    "s7.userdata_group": {"cpu_functions": 5, "block_functions": 6},
    "s7.userdata_func": {"read_szl": 5, "list_blocks": 4, "list_blocks_of_type": 1,
                         "get_block_info": 1},
    "s7.szl_id": {"0x0132": 3, "0x0013": 1, "0x0131": 1},
    "s7.error_code": {str(0xd209): 1},
    "ot.class": {"program": 6, "read": 11, "diagnostic": 1}}, events={})
cross(f, r, "tcp", "s7comm.header.rosctr == 1", "s7comm.param.func", "s7.func_code")
cross(f, r, "tcp", "s7comm", "s7comm.header.rosctr", "s7.rosctr",
      conv=lambda v: {"1": "job", "2": "ack", "3": "ack_data", "7": "userdata"}[v])

# arkime-s7comm_synthetic.pcap: synthetic; Wireshark flags the setup
# communication PDUs malformed (6-byte parameters, the real ones have 8) and
# some ack_data, but the headers and function codes are well formed, so the
# cross-check still applies.
f = P("s7comm", "arkime-s7comm_synthetic.pcap")
r = sessions(f)
expect(r, key("tcp", "10.0.0.1", 49152, "10.0.0.2", 102), "synthetic read", protocols=["s7comm"],
       counts={"s7.func": {"setup_communication": 1, "read_var": 1}, "s7.area": {"db0": 1},
               "ot.class": {"read": 1, "diagnostic": 1}})
# frame 18: ack_data with error class 0x81 code 0x04; frame 19: an ack
expect(r, key("tcp", "10.0.0.3", 49153, "10.0.0.4", 102), "synthetic write", protocols=["s7comm"],
       counts={"s7.func": {"write_var": 1}, "ot.class": {"write": 1, "diagnostic": 1},
               "s7.error": {"application_relationship_error": 1}, "s7.rosctr": {"ack": 1}})
# frames 25-27: protocol id 0x72 (S7comm-plus V3: request, response, notification)
expect(r, key("tcp", "10.0.0.5", 49154, "10.0.0.6", 102), "synthetic s7comm-plus",
       protocols=["s7comm-plus"], counts={"s7plus.opcode": {"request": 1, "response": 1,
                                                            "notification": 1}},
       absent=["s7.func", "s7.rosctr"])
# frame 35 SZL read (no SZL id: return code 0x0a), answered by frame 36,
# another userdata *request* (type 4: tshark says "Request" too), 37 PI
# service with an empty name, 39 PLC stop
expect(r, key("tcp", "10.0.0.7", 49155, "10.0.0.8", 102), "synthetic stop", protocols=["s7comm"],
       counts={"s7.func": {"plc_control": 1, "plc_stop": 1}, "s7.userdata_func": {"read_szl": 2},
               "ot.class": {"control": 2, "read": 2, "diagnostic": 1}}, absent=["s7.pi_service"])
cross(f, r, "tcp", "s7comm.header.rosctr == 1", "s7comm.param.func", "s7.func_code")

# zeek-modbusBig.pcap: its two tcp/102 sessions are S7comm-plus V2 (tshark 4.0
# has no S7comm-plus dissector and shows COTP only); picked up mid-session.
f = P("modbus", "zeek-modbusBig.pcap")
r = sessions(f)
expect(r, key("tcp", "10.235.149.95", 49456, "10.235.149.240", 102), "modbusBig s7+ 240",
       protocols=["s7comm-plus"], counts={"s7plus.function": {"explore": 76}})
expect(r, key("tcp", "10.235.149.95", 49447, "10.235.149.243", 102), "modbusBig s7+ 243",
       protocols=["s7comm-plus"], counts={"s7plus.function": {"explore": 76, "set_variable": 460}})

# ---- EtherNet/IP + CIP ----------------------------------------------------
f = P("enip", "ndpi-ethernetIP.pcap")
r = sessions(f)
# frame 29: SendRRData Unconnected_Send wrapping Get_Attributes_All on class
# 0xac; connected SendUnitData with Multiple_Service_Packets of Read Tag
# (0x4c) and Read-Modify-Write Tag (0x4e) requests, e.g. frame 37.
expect(r, key("tcp", "141.81.0.10", 50275, "141.81.0.83", 44818), "enip 83", protocols=["enip"],
       counts={"enip.command": {"send_unit_data": 24, "send_rr_data": 2},
               "cip.service": {"unconnected_send": 1, "get_attributes_all": 1, "read_tag": 87,
                               "multiple_service_packet": 12, "read_modify_write_tag": 4},
               "cip.class": {"connection_manager": 1, "message_router": 12},
               "cip.tag": {"LMS_SETPOINTCHANGE_RECEIVED": 1},
               "ot.class": {"read": 88, "write": 4}})
expect(r, key("tcp", "141.81.0.10", 52594, "141.81.0.43", 44818), "enip 43", protocols=["enip"],
       counts={"cip.tag": {"LMS_ALIVEBIT": 1}, "cip.status": {"success": 80}})
cross(f, r, "tcp", "enip", "enip.command", "enip.command_code")
cross(f, r, "tcp", "cip && tcp.dstport == 44818", "cip.sc", "cip.service_code")

f = P("enip", "ndpi-cip_io.pcap")
r = sessions(f)
# 4 datagrams 192.168.5.62:2222 <-> 192.168.5.50:2222, CPF 0x8002 + 0x00b1
expect(r, key("udp", "192.168.5.62", 2222, "192.168.5.50", 2222), "cip io", protocols=["cip-io"],
       counts={"cip_io.connection": {"003a7b78": 2, "7691b4eb": 2}})

# ---- BACnet/IP ------------------------------------------------------------
f = P("bacnet", "arkime-bacnet-stack-services.pcap")
r = sessions(f)
# frames 13, 33, ...: I-Am device 61 vendor 42 (broadcast); 14-29 atomic
# write file file:0; 34 reinitialize device; 40/46/52 read property;
# 60 write property analog_output:0; 66/72 device communication control.
expect(r, key("udp", "192.168.0.5", 47808, "192.168.0.255", 47808), "bacnet i-am",
       counts={"bacnet.device_instance": {"61": 8}, "bacnet.vendor_id": {"42": 8},
               "bacnet.service": {"i_am": 8, "who_has": 1, "time_synchronization": 1}})
expect(r, key("udp", "192.168.0.13", 47808, "192.168.0.5", 47808), "bacnet unicast",
       protocols=["bacnet"],
       counts={"bacnet.service": {"atomic_write_file": 9, "read_property": 3, "write_property": 1,
                                  "reinitialize_device": 3, "device_communication_control": 8,
                                  "atomic_read_file": 4, "read_property_multiple": 1},
               "bacnet.object": {"file:0": 13, "device:61": 1, "analog_output:0": 1},
               "bacnet.reject": {"unrecognized_service": 2},
               "ot.class": {"program": 9, "control": 11, "read": 8, "write": 1}},
       # frames 77, 79, 81, 83: an NPDU with a destination and no APDU
       events={"bacnet.bad_npdu": 4})
# frame 1: a BVLC whose NPDU is missing (the APDU 10 07 ... = who-has sits
# where the NPDU should be; tshark reads it as NPDU version 0x10 and decodes
# a Simple-ACK): bacnet.bad_npdu, not a service.
expect(r, key("udp", "192.168.0.13", 47808, "192.168.0.255", 47808), "bacnet bad npdu",
       protocols=["bacnet"], counts={"bacnet.service": {"who_is": 8, "who_has": 2, "i_am": 3}},
       events={"bacnet.bad_npdu": 1})
# Frames 3, 6, 9 ... are BACnet over 802.2 LLC, not IP: not ours, and the
# udp filter leaves them out.
SVC_C = {0: "acknowledge_alarm", 5: "subscribe_cov", 6: "atomic_read_file", 7: "atomic_write_file",
         12: "read_property", 14: "read_property_multiple", 15: "write_property",
         16: "write_property_multiple", 17: "device_communication_control",
         20: "reinitialize_device"}
SVC_U = {0: "i_am", 1: "i_have", 2: "unconfirmed_cov_notification", 6: "time_synchronization",
         7: "who_has", 8: "who_is"}
want = defaultdict(Counter)
for row in tshark(f, "udp && bacapp", ["ip.src", "udp.srcport", "ip.dst", "udp.dstport", "bacapp.type",
                                       "bacapp.confirmed_service", "bacapp.unconfirmed_service"]):
    if row[4] == "0" and row[5]:
        want[key("udp", *row[:4])][SVC_C[int(row[5])]] += 1
    elif row[4] == "1" and row[6]:
        want[key("udp", *row[:4])][SVC_U[int(row[6])]] += 1
for k, c in want.items():
    s = session_of(r, k, "bacnet")
    if s is not None:
        got = Counter(s["counts"].get("bacnet.service", {}))
        check(got == c, f"bacnet {sorted(k[1])}: bacnet.service {dict(got)} != tshark {dict(c)}")

# ---- IEC 60870-5-104 ------------------------------------------------------
f = P("iec104", "zeekpkg-iec104.pcap")
r = sessions(f)
# frames 4-8 STARTDT/TESTFR, 9 C_IC_NA_1 act, then commands 45-51 each
# activated, confirmed and terminated, monitoring replies of 20 types.
expect(r, key("tcp", "10.20.102.1", 46413, "10.20.100.108", 2404), "iec104 zeek",
       protocols=["iec104"],
       counts={"iec104.u_func": {"startdt_act": 1, "startdt_con": 1, "testfr_act": 4,
                                 "testfr_con": 4},
               "iec104.type": {"C_SC_NA_1": 6, "C_IC_NA_1": 6, "C_SE_NC_1": 6, "M_EI_NA_1": 1},
               "iec104.cot": {"activation": 16, "activation_con": 16, "activation_term": 16},
               "iec104.ca": {"10": 91}, "ot.class": {"control": 14, "read": 2}}, events={})
cross(f, r, "tcp", "iec60870_asdu", "iec60870_asdu.typeid", "iec104.type_id", conv=lambda v: str(int(v)))

f = P("iec104", "ndpi-IEC104.pcap")
r = sessions(f)
expect(r, key("tcp", "10.119.105.26", 54768, "10.175.211.1", 2404), "iec104 ndpi",
       protocols=["iec104"],
       counts={"iec104.type": {"M_ME_TF_1": 6}, "iec104.ca": {"10516": 4, "10772": 2},
               "iec104.cot": {"spontaneous": 6}}, absent=["ot.class"])
cross(f, r, "tcp", "iec60870_asdu", "iec60870_asdu.typeid", "iec104.type_id", conv=lambda v: str(int(v)))

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
