#!/usr/bin/env python3
"""Seeds for fuzz_parser from the test captures: every TCP or UDP stream in
tests/pcaps becomes one seed file in fuzz_parser's chunk format (direction
byte, length byte, bytes), the stream's first sender being direction 0.
usage: make_seeds.py OUTDIR PCAP..."""
import collections
import os
import subprocess
import sys


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    n = 0
    for path in sys.argv[2:]:
        r = subprocess.run(
            ["tshark", "-n", "-r", path, "-T", "fields", "-E", "occurrence=f",
             "-e", "tcp.stream", "-e", "udp.stream", "-e", "ip.src", "-e", "ipv6.src",
             "-e", "tcp.srcport", "-e", "udp.srcport", "-e", "tcp.payload", "-e", "udp.payload",
             "-Y", "tcp.payload || udp.payload"],
            capture_output=True, text=True, check=False)
        streams = collections.OrderedDict()
        for line in r.stdout.splitlines():
            v = line.split("\t")
            if len(v) < 8:
                continue
            key = ("t" + v[0]) if v[0] else ("u" + v[1])
            sender = (v[2] or v[3], v[4] or v[5])
            payload = bytes.fromhex((v[6] or v[7]).replace(":", ""))
            s = streams.setdefault(key, {"first": sender, "chunks": []})
            s["chunks"].append((0 if sender == s["first"] else 1, payload))
        for s in streams.values():
            blob = bytearray()
            for d, p in s["chunks"]:
                for i in range(0, len(p), 255):
                    part = p[i:i + 255]
                    blob += bytes([d, len(part)]) + part
                if len(blob) > 16384:
                    break
            with open(os.path.join(out, "seed%05d" % n), "wb") as f:
                f.write(blob)
            n += 1
    print("%d seeds" % n)


if __name__ == "__main__":
    main()
