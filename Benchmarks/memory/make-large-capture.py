#!/usr/bin/env python3
"""Writes a large capture for the flat-memory check (Docs/PERFORMANCE.md, `make bench-memory`).

    make-large-capture.py OUT.pcap SIZE_MB

The capture is Captures/demo-call.pcap (one SDES call, AES_CM_128_HMAC_SHA1_80, keys in its SDP) with
its media played again and again, 10 s later each time, until the file is SIZE_MB megabytes: the SIP
once, then copies of the 1,006 SRTP/SRTCP frames. Each copy repeats the sequence numbers of the first,
so after the first copy the packets authenticate and are reported as replays; decrypt -w still
decrypts and rewrites every one. Written as it goes, never held in memory; never committed.
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEMO = os.path.join(HERE, "..", "..", "Captures", "demo-call.pcap")


def main():
    out, size_mb = sys.argv[1], float(sys.argv[2])
    data = open(DEMO, "rb").read()
    header, records, o = data[:24], [], 24
    while o < len(data):
        sec, usec, caplen, length = struct.unpack("<IIII", data[o:o + 16])
        records.append((sec * 1_000_000 + usec, length, data[o + 16:o + 16 + caplen]))
        o += 16 + caplen
    sip, media = records[:5], records[5:]
    span = media[-1][0] - media[0][0] + 20_000
    target = int(size_mb * 1_000_000)
    written = 0
    with open(out, "wb", buffering=1 << 20) as f:
        f.write(header)
        written += len(header)
        for t, length, frame in sip:
            f.write(struct.pack("<IIII", t // 1_000_000, t % 1_000_000, len(frame), length) + frame)
            written += 16 + len(frame)
        copy = 0
        while written < target:
            shift = copy * span
            chunk = []
            for t, length, frame in media:
                u = t + shift
                chunk.append(struct.pack("<IIII", u // 1_000_000, u % 1_000_000, len(frame), length))
                chunk.append(frame)
            blob = b"".join(chunk)
            f.write(blob)
            written += len(blob)
            copy += 1
    print("%s: %d bytes, %d copies of the media" % (out, written, copy))


if __name__ == "__main__":
    main()
