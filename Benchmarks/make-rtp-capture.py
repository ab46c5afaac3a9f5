#!/usr/bin/env python3
"""Writes a classic pcap of N Ethernet/IPv4/UDP frames carrying RTP-shaped packets, for benchmarks.

Not a test fixture: the benchmark scripts make it on the fly in a temporary directory. Every 50th frame
is an RTCP SR on the next port, so that classification sees both. Deterministic for a given N.

usage: make-rtp-capture.py OUT.pcap N
"""
import struct
import sys


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data)//2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def frame(src, dst, sport, dport, payload):
    udp_len = 8 + len(payload)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, 0, 0x4000, 64, 17, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    pseudo = src + dst + struct.pack("!BBH", 0, 17, udp_len)
    udp = struct.pack("!HHHH", sport, dport, udp_len, 0) + payload
    c = checksum(pseudo + udp) or 0xFFFF
    udp = udp[:6] + struct.pack("!H", c) + udp[8:]
    eth = bytes.fromhex("020000000002" "020000000001") + b"\x08\x00"
    return eth + ip + udp


def main():
    out, n = sys.argv[1], int(sys.argv[2])
    src, dst = bytes([10, 1, 1, 1]), bytes([10, 2, 2, 2])
    body = bytes((i * 37 + 11) & 0xFF for i in range(160)) + bytes(10)  # payload + fake 80-bit tag
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        seq, ts, t = 65000, 0, 1_700_000_000_000_000
        for i in range(n):
            if i % 50 == 49:
                rtcp = struct.pack("!BBHI", 0x80, 200, 6, 0xDEADBEEF) + bytes(20) + b"\x80\x00\x00\x01" + bytes(10)
                pkt = frame(src, dst, 10001, 10001, rtcp)
            else:
                rtp = struct.pack("!BBHII", 0x80, 8, seq & 0xFFFF, ts & 0xFFFFFFFF, 0xDEADBEEF) + body
                pkt = frame(src, dst, 10000, 10000, rtp)
                seq += 1
                ts += 160
            sec, usec = divmod(t, 1_000_000)
            f.write(struct.pack("<IIII", sec, usec, len(pkt), len(pkt)))
            f.write(pkt)
            t += 20_000


if __name__ == "__main__":
    main()
