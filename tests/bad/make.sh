#!/bin/bash
# make.sh - rebuilds the crafted bad capture files in this folder (see README.md).
# Run from anywhere: bash tests/bad/make.sh. Needs only bash, head, gzip.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
pcaps=$here/../pcaps
cd "$here"

# Little-endian integers as raw bytes.
le32() { printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)))"; }
le16() { printf "$(printf '\\x%02x\\x%02x' $(($1 & 255)) $(($1 >> 8 & 255)))"; }
zeros() { head -c "$1" /dev/zero; }

# pcap file header: magic a1b2c3d4 (usec), version 2.4, snaplen $1, Ethernet.
pcap_hdr() { le32 0xa1b2c3d4; le16 2; le16 4; le32 0; le32 0; le32 "$1"; le32 1; }
# pcap record: ts_sec $1, caplen $2, len $3, then caplen zero bytes unless $4=nodata.
pcap_rec() { le32 "$1"; le32 500000; le32 "$2"; le32 "$3"; [ "${4:-}" = nodata ] || zeros "$2"; }

# pcapng blocks, little-endian.
shb() { le32 0x0a0d0d0a; le32 28; le32 0x1a2b3c4d; le16 1; le16 0; le32 0xffffffff; le32 0xffffffff; le32 28; }
idb() { le32 1; le32 20; le16 "$1"; le16 0; le32 0; le32 20; }   # linktype, snaplen 0
epb() { # iface caplen: data zero bytes, 4-byte padded
    local pad=$(((4 - $2 % 4) % 4)) blen=$((32 + $2 + (4 - $2 % 4) % 4))
    le32 6; le32 $blen; le32 "$1"; le32 0x00059a3c; le32 0x12345678; le32 "$2"; le32 "$2"
    zeros "$2"; zeros $pad; le32 $blen
}

# 1. pcap whose last record is cut short: 10 records of 114 bytes, last 10 bytes gone.
head -c $((1164 - 10)) "$pcaps/icmp/zeek-5-pings.pcap" > trunc-last.pcap
# 2. the same for pcapng: 3 EPBs, the last cut by 10 bytes.
size=$(stat -c %s "$pcaps/tcp/zeek-retransmit-timeout.pcapng")
head -c $((size - 10)) "$pcaps/tcp/zeek-retransmit-timeout.pcapng" > trunc-last.pcapng
# 3. binary junk where the magic should be.
{ le32 0x03020100; zeros 20; pcap_rec 1 60 60; } > bad-magic.pcap
# 4. snaplen 64, first record 100 bytes (warning, kept), second 60 bytes.
{ pcap_hdr 64; pcap_rec 1 100 100; pcap_rec 2 60 60; } > over-snaplen.pcap
# 5. a good record, then one claiming 300000 bytes (more than 256 KiB).
{ pcap_hdr 262144; pcap_rec 1 60 60; pcap_rec 2 300000 300000 nodata; zeros 100; } > over-256k.pcap
# 6. empty file.
: > empty.pcap
# 7. a text file.
printf 'This is a text file, not a capture.\nSecond line.\n' > text.pcap
# 8. pcapng: SHB, IDB, one good EPB, then a block whose length (30) is not a multiple of 4.
{ shb; idb 1; epb 0 60; le32 6; le32 30; zeros 22; } > bad-blocklen.pcapng
# 9. gzip stream cut in the middle (about half of the compressed bytes).
gzip -9 -n -c "$pcaps/modbus/zeek-modbusSmall.pcap" > full.tmp.gz
gsize=$(stat -c %s full.tmp.gz)
head -c $((gsize / 2)) full.tmp.gz > trunc.pcap.gz
rm -f full.tmp.gz
# 10. pcap header cut short (10 bytes).
pcap_hdr 65535 > short-header.tmp && head -c 10 short-header.tmp > short-header.pcap && rm -f short-header.tmp
# 11. pcapng: EPB referring to interface 3 when only interface 0 exists.
{ shb; idb 1; epb 0 60; epb 3 60; } > bad-iface.pcapng
# 12. pcapng: trailing block length differs from the leading one.
{ shb; idb 1; epb 0 60; le32 6; le32 92; le32 0; le32 0; le32 0; le32 60; le32 60; zeros 60; le32 88; } > bad-trailer.pcapng
# 13. captured length above the original length (warning; len taken as caplen).
{ pcap_hdr 65535; pcap_rec 1 80 60; pcap_rec 2 60 60; } > caplen-over-len.pcap
