#!/usr/bin/env python3
# tests/web/html-fields.py - writes tests/web/html-fields.pcap: packets whose
# fields carry HTML, for the web interface's escaping tests (issue 7).
#
#   python3 tests/web/html-fields.py OUT.pcap
#
# An unknown host 192.168.10.50 (MAC 02:0a:c0:a8:0a:32) on the plant network:
#   - DHCP request (UDP 68 -> 67) with host name (option 12)
#       <script>alert(1)</script>
#   - HTTP GET to 192.168.10.40:80 with Host  <img src=x onerror=alert(2)>
#     and User-Agent  "><svg onload=alert(3)>
#   - TLS ClientHello to 203.0.113.10:443 with server_name
#       <b onmouseover=alert(4)>sni</b>
# Plain pcap (microsecond, Ethernet); checksums are right. Times are fixed
# (2026-11-27 07:30 UTC, 16:30 plant time) so the file is reproducible.
import struct
import sys

T0 = 1795764600  # 2026-11-27 07:30:00 UTC

DHCP_NAME = b"<script>alert(1)</script>"
HTTP_HOST = b"<img src=x onerror=alert(2)>"
HTTP_UA = b'"><svg onload=alert(3)>'
TLS_SNI = b"<b onmouseover=alert(4)>sni</b>"

MAC_X = bytes.fromhex("020ac0a80a32")
MAC_MAINT = bytes.fromhex("020ac0a80a28")
MAC_ROUTER = bytes.fromhex("020ac0a80a01")
IP_X = bytes([192, 168, 10, 50])
IP_MAINT = bytes([192, 168, 10, 40])
IP_VENDOR = bytes([203, 0, 113, 10])


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ipv4(src, dst, proto, payload, ident):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0x4000, 64, proto, 0,
                      src, dst)
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def l4sum(src, dst, proto, seg):
    pseudo = src + dst + struct.pack("!BBH", 0, proto, len(seg))
    return csum(pseudo + seg)


def udp(src, dst, sport, dport, data):
    seg = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    c = l4sum(src, dst, 17, seg) or 0xFFFF
    return seg[:6] + struct.pack("!H", c) + seg[8:]


def tcp(src, dst, sport, dport, seq, ack, flags, data=b""):
    seg = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 64240, 0, 0) + data
    c = l4sum(src, dst, 6, seg)
    return seg[:16] + struct.pack("!H", c) + seg[18:]


def eth(dst, src, payload):
    return dst + src + b"\x08\x00" + payload


class Pcap:
    def __init__(self):
        self.recs = []

    def add(self, t, frame):
        sec = int(t)
        usec = int(round((t - sec) * 1e6))
        self.recs.append(struct.pack("<IIII", sec, usec, len(frame), len(frame)) + frame)

    def bytes(self):
        return struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1) + b"".join(self.recs)


def tcp_conversation(p, t, cmac, smac, cip, sip, sport, dport, request, response, ident):
    """Handshake, one request, one response, FIN both ways."""
    c, s = 1000, 5000
    F, S, A, P = 0x01, 0x02, 0x10, 0x08
    steps = [
        (True, c, 0, S, b""),
        (False, s, c + 1, S | A, b""),
        (True, c + 1, s + 1, A, b""),
        (True, c + 1, s + 1, P | A, request),
        (False, s + 1, c + 1 + len(request), P | A, response),
        (True, c + 1 + len(request), s + 1 + len(response), F | A, b""),
        (False, s + 1 + len(response), c + 2 + len(request), F | A, b""),
        (True, c + 2 + len(request), s + 2 + len(response), A, b""),
    ]
    for i, (up, seq, ack, fl, data) in enumerate(steps):
        if up:
            seg = tcp(cip, sip, sport, dport, seq, ack, fl, data)
            fr = eth(smac, cmac, ipv4(cip, sip, 6, seg, ident + i))
        else:
            seg = tcp(sip, cip, dport, sport, seq, ack, fl, data)
            fr = eth(cmac, smac, ipv4(sip, cip, 6, seg, ident + 100 + i))
        p.add(t + i * 0.01, fr)


def dhcp_request():
    bootp = struct.pack("!BBBBIHH4s4s4s4s", 1, 1, 6, 0, 0x3903F326, 0, 0x8000,
                        b"\0" * 4, b"\0" * 4, b"\0" * 4, b"\0" * 4)
    bootp += MAC_X + b"\0" * 10 + b"\0" * 64 + b"\0" * 128
    bootp += bytes([99, 130, 83, 99])
    opts = bytes([53, 1, 3]) + bytes([50, 4]) + IP_X
    opts += bytes([12, len(DHCP_NAME)]) + DHCP_NAME + bytes([255])
    return bootp + opts


def client_hello():
    name = TLS_SNI
    sni = struct.pack("!HBH", len(name) + 3, 0, len(name)) + name
    exts = struct.pack("!HH", 0x0000, len(sni)) + sni
    alpn_list = b"\x08http/1.1"
    alpn = struct.pack("!H", len(alpn_list)) + alpn_list
    exts += struct.pack("!HH", 0x0010, len(alpn)) + alpn
    sv = b"\x04\x03\x04\x03\x03"   # supported_versions: TLS 1.3, 1.2
    exts += struct.pack("!HH", 0x002B, len(sv)) + sv
    body = b"\x03\x03" + bytes(range(32)) + b"\x00"
    body += struct.pack("!H", 4) + b"\x13\x01\xc0\x2f" + b"\x01\x00"
    body += struct.pack("!H", len(exts)) + exts
    hs = b"\x01" + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x01" + struct.pack("!H", len(hs)) + hs


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "html-fields.pcap"
    p = Pcap()
    dh = udp(b"\0" * 4, b"\xff" * 4, 68, 67, dhcp_request())
    p.add(T0, eth(b"\xff" * 6, MAC_X, ipv4(b"\0" * 4, b"\xff" * 4, 17, dh, 1)))
    req = (b"GET /index.html?q=%3Cscript%3E HTTP/1.1\r\nHost: " + HTTP_HOST +
           b"\r\nUser-Agent: " + HTTP_UA + b"\r\nAccept: */*\r\n\r\n")
    body = b"<html><body>hello</body></html>\n"
    resp = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: " +
            str(len(body)).encode() + b"\r\n\r\n" + body)
    tcp_conversation(p, T0 + 1, MAC_X, MAC_MAINT, IP_X, IP_MAINT, 40001, 80, req, resp, 10)
    shello = (b"\x16\x03\x03\x00\x2a\x02\x00\x00\x26\x03\x03" + bytes(32) + b"\x00\x13\x01\x00")
    tcp_conversation(p, T0 + 2, MAC_X, MAC_ROUTER, IP_X, IP_VENDOR, 40002, 443, client_hello(),
                     shello, 300)
    with open(out, "wb") as f:
        f.write(p.bytes())


if __name__ == "__main__":
    main()
