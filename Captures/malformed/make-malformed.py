#!/usr/bin/env python3
"""Writes the malformed-capture corpus of Captures/malformed/ (issue 7, Docs/robustness.md).

Deterministic: no randomness, no clock. Every file starts from frames of Captures/demo-call.pcap (a clean
SDES call: INVITE, 100, 180, 200 OK, ACK, then SRTP both ways, AES_CM_128_HMAC_SHA1_80) and breaks one
thing, so that the frames around the broken one are real SIP and SRTP whose keys are in the capture's
own SDP: a test can check that a valid frame after the bad one is still dissected and still decrypts.

    python3 Captures/malformed/make-malformed.py          # rewrites every file here
    python3 Captures/malformed/make-malformed.py --check  # exit 1 if a committed file differs

The README beside this script has one line per file: what is wrong, how it was made. The tests are in
Tests/EndToEndTests/MalformedCorpusTests.swift (their table names the bad frame and field of each file).
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEMO = os.path.join(HERE, "..", "demo-call.pcap")

# --- reading the source call -------------------------------------------------------------------------


def read_pcap(path):
    data = open(path, "rb").read()
    magic, _, _, _, _, snap, link = struct.unpack("<IHHiIII", data[:24])
    assert magic == 0xA1B2C3D4 and link == 1, "demo-call.pcap: little-endian microsecond Ethernet expected"
    frames, o = [], 24
    while o < len(data):
        sec, usec, caplen, length = struct.unpack("<IIII", data[o : o + 16])
        frames.append((sec, usec, data[o + 16 : o + 16 + caplen], length))
        o += 16 + caplen
    return frames


DEMO_FRAMES = read_pcap(DEMO)


def demo(n):
    """Frame n (1-based) of demo-call.pcap as (sec, usec, bytes)."""
    sec, usec, data, _ = DEMO_FRAMES[n - 1]
    return (sec, usec, bytes(data))


# --- writing ------------------------------------------------------------------------------------------


def pcap_header(snaplen=262144, link=1):
    return struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, link)


def record(frame, caplen=None, length=None):
    sec, usec, data = frame
    return struct.pack("<IIII", sec, usec, len(data) if caplen is None else caplen,
                       len(data) if length is None else length) + data


def pcap(frames, snaplen=262144):
    return pcap_header(snaplen) + b"".join(record(f) for f in frames)


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ipv4_header(src, dst, proto, payload_len, ident=0x1234, flags_frag=0x4000, ihl_words=5, total=None):
    total = 20 + payload_len if total is None else total
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl_words, 0, total, ident, flags_frag, 64, proto, 0, src, dst)
    return h[:10] + struct.pack("!H", checksum(h)) + h[12:]


def udp(src, dst, sport, dport, payload):
    length = 8 + len(payload)
    pseudo = src + dst + struct.pack("!BBH", 0, 17, length)
    h = struct.pack("!HHHH", sport, dport, length, 0)
    c = checksum(pseudo + h + payload) or 0xFFFF
    return struct.pack("!HHHH", sport, dport, length, c) + payload


def ethernet_of(frame):
    return frame[2][:14]


def ipv4_fields(frame):
    """(ethernet header, src, dst, sport, dport, UDP payload) of a demo IPv4/UDP frame."""
    data = frame[2]
    ip = data[14:34]
    sport, dport = struct.unpack("!HH", data[34:38])
    return data[:14], ip[12:16], ip[16:20], sport, dport, data[42:]


def with_udp_payload(frame, payload, sec=None, usec=None):
    """The demo frame with its UDP payload replaced (lengths and checksums fixed)."""
    eth, src, dst, sport, dport, _ = ipv4_fields(frame)
    u = udp(src, dst, sport, dport, payload)
    data = eth + ipv4_header(src, dst, 17, len(u)) + u
    return (frame[0] if sec is None else sec, frame[1] if usec is None else usec, data)


def with_bytes(frame, data):
    return (frame[0], frame[1], data)


def later(frame, usec):
    """A frame shifted by usec microseconds (kept below the next demo frame's time)."""
    total = frame[0] * 1_000_000 + frame[1] + usec
    return (total // 1_000_000, total % 1_000_000, frame[2])


def sip_payload(frame):
    return ipv4_fields(frame)[5]


def set_sip_body(message, body):
    head, _, _ = message.partition(b"\r\n\r\n")
    lines = [l for l in head.split(b"\r\n") if not l.lower().startswith(b"content-length:")]
    return b"\r\n".join(lines) + b"\r\nContent-Length: %d\r\n\r\n" % len(body) + body


def sip_body(message):
    return message.partition(b"\r\n\r\n")[2]


def replace_crypto(frame, new_line):
    """The INVITE (or 200 OK) with its a=crypto line replaced by new_line (Content-Length fixed)."""
    msg = sip_payload(frame)
    body = sip_body(msg)
    lines = body.split(b"\r\n")
    lines = [new_line if l.startswith(b"a=crypto:") else l for l in lines]
    return with_udp_payload(frame, set_sip_body(msg, b"\r\n".join(lines)))


# The call around each broken frame: demo frames 1-9 (SIP, then SRTP 6-9), the bad frame, demo 10-16.
HEAD = [demo(n) for n in range(1, 10)]
TAIL = [demo(n) for n in range(10, 17)]


def around(bad):
    """Frames 1-9 of the call, the bad frame(s) as frame 10 on, then demo frames 10-16."""
    bad = bad if isinstance(bad, list) else [bad]
    return HEAD + [later(HEAD[-1], 100 + i) if f is None else f for i, f in enumerate(bad)] + TAIL


def bad_after_nine(data):
    """A bad frame placed 100 µs after frame 9."""
    return later((HEAD[-1][0], HEAD[-1][1], data), 100)


INVITE, TRYING, RINGING, OK, ACK = HEAD[0], HEAD[1], HEAD[2], HEAD[3], HEAD[4]
SRTP_CALLEE = demo(6)  # 198.51.100.20:50000 → 192.0.2.10:40000, SSRC 0xb8e6035d, seq 4136
SRTCP_CALLEE = demo(257)  # 198.51.100.20:50001 → 192.0.2.10:40001, SR of 0xb8e6035d
SRC = ipv4_fields(INVITE)[1]
DST = ipv4_fields(INVITE)[2]
ETH = ethernet_of(INVITE)


def udp_frame(payload, sport=5060, dport=5060, src=SRC, dst=DST, ident=0x1234):
    u = udp(src, dst, sport, dport, payload)
    return ETH + ipv4_header(src, dst, 17, len(u), ident=ident) + u


def options_request(n):
    """A small valid SIP OPTIONS (a sentinel that is not part of the call)."""
    return (b"OPTIONS sip:bob@198.51.100.20 SIP/2.0\r\n"
            b"Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-malformed-%d\r\n"
            b"From: <sip:alice@example.com>;tag=m%d\r\nTo: <sip:bob@example.com>\r\n"
            b"Call-ID: malformed-options-%d@192.0.2.10\r\nCSeq: %d OPTIONS\r\nMax-Forwards: 70\r\n"
            b"Content-Length: 0\r\n\r\n" % (n, n, n, n))


# --- the cases ----------------------------------------------------------------------------------------

FILES = {}  # name -> (bytes, README line)


def case(name, data, line):
    FILES[name] = (data, line)


def build():
    call = around([])  # the unbroken 16 frames

    # Capture files ---------------------------------------------------------------------------------
    case("truncated-file-header.pcap", pcap(call)[:20],
         "a classic pcap file cut after 20 of its 24 header bytes: no frame can be read (an error diagnostic, "
         "no frames; exit status 2, as for a file that is no capture).")

    whole = pcap(call)
    case("truncated-last-record.pcap", whole[: len(whole) - 100],
         "the 16-frame call with the last record's data cut by 100 bytes (its header says 224).")

    recs = pcap_header() + b"".join(record(f) for f in call[:9])
    bad = call[9]
    recs += record(bad, caplen=len(bad[2]), length=100)
    recs += b"".join(record(f) for f in call[10:])
    case("caplen-greater-than-len.pcap", recs,
         "frame 10's record says caplen 224 but len 100 (the wire length cannot be shorter than what was captured).")

    recs = pcap_header(snaplen=1000) + b"".join(record(f) for f in call[:9])
    big = udp_frame(options_request(10) + b"z" * 1000)  # 1,308 bytes in a file whose snap length is 1,000
    recs += record(later((call[8][0], call[8][1], big), 100))
    recs += b"".join(record(f) for f in call[9:])
    case("caplen-past-snaplen.pcap", recs,
         "the file header's snap length is 1000 but frame 10's record (a SIP OPTIONS padded to 1,308 bytes) "
         "holds 1,308 (libpcap keeps the first 1,000).")

    recs = pcap_header() + b"".join(record(f) for f in call[:9])
    recs += record((call[8][0], call[8][1] + 50, b""), caplen=0, length=0)
    recs += record((call[8][0], call[8][1] + 60, b""), caplen=0, length=224)
    recs += b"".join(record(f) for f in call[9:])
    case("zero-length-records.pcap", recs,
         "frames 10 and 11 are records with caplen 0 (len 0, then len 224): empty frames between the SRTP.")

    # pcapng ------------------------------------------------------------------------------------------
    def shb():
        body = struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)
        return struct.pack("<II", 0x0A0D0D0A, 12 + len(body)) + body + struct.pack("<I", 12 + len(body))

    def idb():
        body = struct.pack("<HHI", 1, 0, 262144)
        return struct.pack("<II", 1, 12 + len(body)) + body + struct.pack("<I", 12 + len(body))

    def epb(frame):
        sec, usec, data = frame
        ts = sec * 1_000_000 + usec
        pad = (-len(data)) % 4
        body = struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(data), len(data)) + data + b"\0" * pad
        return struct.pack("<II", 6, 12 + len(body)) + body + struct.pack("<I", 12 + len(body))

    def block(btype, body, total=None, trailer=None):
        total = 12 + len(body) if total is None else total
        trailer = total if trailer is None else trailer
        return struct.pack("<II", btype, total) + body + struct.pack("<I", trailer)

    ng = shb() + idb() + b"".join(epb(f) for f in call[:9])
    ng += block(0x0BADB10C, b"an unknown block type, 32 bytes.")
    ng += b"".join(epb(f) for f in call[9:])
    case("pcapng-unknown-block.pcapng", ng,
         "pcapng: after frame 9, a block of the unregistered type 0x0BADB10C (44 bytes, well formed); frames 10-16 follow.")

    ng = shb() + idb() + b"".join(epb(f) for f in call[:9])
    e = bytearray(epb(call[9]))
    struct.pack_into("<I", e, len(e) - 4, len(e) + 8)  # trailing length disagrees with the leading one
    ng += bytes(e)
    ng += b"".join(epb(f) for f in call[10:15])
    ng += block(6, b"\0" * 8, total=0x7FFFFFF0)  # a block claiming 2 GB at the end of the file
    case("pcapng-bad-block-length.pcapng", ng,
         "pcapng: frame 10's enhanced packet block ends with a total length 8 more than its leading one "
         "(the reader skips it and resumes at the next block: demo frames 11-15 become frames 10-14); "
         "the last block claims 2,147,483,632 bytes in a 20-byte tail.")

    # IPv4 ----------------------------------------------------------------------------------------------
    d = bytearray(SRTP_CALLEE[2])
    d[14] = 0x44  # IHL 4 words = 16 bytes
    case("ipv4-ihl-below-20.pcap", pcap(around(bad_after_nine(bytes(d)))),
         "frame 10 is an SRTP frame whose IPv4 header length field (IHL) is 4, i.e. 16 bytes, below the minimum 20.")

    d = bytearray(SRTP_CALLEE[2])
    struct.pack_into("!H", d, 16, 1400)  # total length 1400 in a 210-byte IP packet
    struct.pack_into("!H", d, 24, 0)
    struct.pack_into("!H", d, 24, checksum(bytes(d[14:34])))
    case("ipv4-total-length-past-frame.pcap", pcap(around(bad_after_nine(bytes(d)))),
         "frame 10 is an SRTP frame whose IPv4 total length says 1400 bytes; the frame holds 210 (not truncated by the snap length).")

    # IPv6 extension-header chain -------------------------------------------------------------------------
    eth6 = ETH[:12] + b"\x86\xdd"
    s6 = bytes.fromhex("20010db8000000000000000000000010")
    d6 = bytes.fromhex("20010db8000000000000000000000020")
    payload = options_request(6)
    u = udp(s6, d6, 5060, 5060, payload)
    # Hop-by-Hop (0) → 200 Destination Options headers (60) each naming the next as 60, then one naming
    # Hop-by-Hop (0) again, which is only allowed first (RFC 8200 §4.1): a loop back to the start.
    exts = b""
    n_ext = 200
    exts += struct.pack("!BB", 60, 0) + b"\x01\x04\0\0\0\0"  # Hop-by-Hop, PadN
    for i in range(n_ext - 1):
        exts += struct.pack("!BB", 60, 0) + b"\x01\x04\0\0\0\0"
    exts += struct.pack("!BB", 0, 0) + b"\x01\x04\0\0\0\0"  # a Destination Options header naming Hop-by-Hop next
    exts += struct.pack("!BB", 17, 0) + b"\x01\x04\0\0\0\0"  # …and that Hop-by-Hop names UDP
    ip6 = struct.pack("!IHBB16s16s", 0x60000000, len(exts) + len(u), 0, 64, s6, d6)
    case("ipv6-extension-loop.pcap", pcap(around(bad_after_nine(eth6 + ip6 + exts + u))),
         "frame 10 is IPv6 with 202 extension headers: Hop-by-Hop, 200 Destination Options, then a Hop-by-Hop "
         "again (only allowed first, RFC 8200 §4.1) before UDP carrying a SIP OPTIONS.")

    # IPv4 fragments ---------------------------------------------------------------------------------------
    def fragments(payload_ip, ident, pieces, src=SRC, dst=DST, proto=17):
        """pieces: (offset in bytes, data, more fragments) → Ethernet frames."""
        out = []
        for off, data, mf in pieces:
            ff = (0x2000 if mf else 0) | (off // 8)
            out.append(ETH + ipv4_header(src, dst, proto, len(data), ident=ident, flags_frag=ff) + data)
        return out

    u = udp(SRC, DST, 5060, 5060, options_request(7) + b"x" * 200)
    # Fragment 1: bytes 0-95; fragment 2: bytes 48-143 with different data where they overlap; then the rest.
    conflicting = bytes(b ^ 0xFF for b in u[48:96]) + u[96:144]
    frs = fragments(None, 0x7777, [(0, u[0:96], True), (48, conflicting, True), (144, u[144:], False)])
    frames = [later(HEAD[-1], 100 + i * 10) for i in range(3)]
    frames = [(f[0], f[1], data) for f, data in zip(frames, frs)]
    case("ip-fragments-overlapping.pcap", pcap(around(frames)),
         "frames 10-12 are the IPv4 fragments of one UDP datagram (SIP OPTIONS + padding): the second overlaps the "
         "first by 48 bytes with different data, the third completes the datagram.")

    u = udp(SRC, DST, 5060, 5060, options_request(8) + b"y" * 200)
    frs = fragments(None, 0x8888, [(0, u[0:96], True), (96, u[96:192], True)])  # never the last fragment
    frames = [(f[0], f[1], data) for f, data in zip([later(HEAD[-1], 100), later(HEAD[-1], 110)], frs)]
    # The rest of the call comes 61 s later in capture time, past the 60 s a datagram waits for its fragments.
    tail = [(f[0] + 61, f[1], f[2]) for f in TAIL]
    case("ip-fragments-incomplete.pcap", pcap(HEAD + frames + tail),
         "frames 10-11 are the first two IPv4 fragments of a datagram whose last fragment never comes; "
         "frames 12-18 (the call going on) are 61 s later, past the 60 s fragment age.")

    # TCP ---------------------------------------------------------------------------------------------------
    def tcp_segment(seq, ack, flags, data, sport=5060, dport=5060, src=SRC, dst=DST):
        h = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
        pseudo = src + dst + struct.pack("!BBH", 0, 6, len(h) + len(data))
        c = checksum(pseudo + h + data)
        h = h[:16] + struct.pack("!H", c) + h[18:]
        return ETH + ipv4_header(src, dst, 6, len(h) + len(data)) + h + data

    SYN, ACKF, PSH = 0x02, 0x10, 0x08
    msg1 = options_request(11)
    msg2 = options_request(12)
    msg3 = options_request(13)
    isn = 1000
    segs = [tcp_segment(isn, 0, SYN, b"")]
    # msg1 whole; msg2 lost (a hole) ; msg3 after the hole.
    segs.append(tcp_segment(isn + 1, 1, ACKF | PSH, msg1))
    segs.append(tcp_segment(isn + 1 + len(msg1) + len(msg2), 1, ACKF | PSH, msg3))
    frames = [(f[0], f[1], data) for f, data in zip([later(HEAD[-1], 100 + 10 * i) for i in range(3)], segs)]
    case("tcp-hole.pcap", pcap(around(frames)),
         "frames 10-12: a SIP-over-TCP connection (SYN, then OPTIONS 11, then OPTIONS 13): the segment with "
         "OPTIONS 12 between them is missing, so frame 12 starts after a hole that never fills.")

    segs = [tcp_segment(isn, 0, SYN, b"")]
    segs.append(tcp_segment(isn + 1, 1, ACKF | PSH, msg1))
    altered = msg1.replace(b"OPTIONS sip:bob", b"OPTIONS sip:eve")
    segs.append(tcp_segment(isn + 1, 1, ACKF | PSH, altered))  # a "retransmission" with different bytes
    segs.append(tcp_segment(isn + 1 + len(msg1), 1, ACKF | PSH, msg2))
    frames = [(f[0], f[1], data) for f, data in zip([later(HEAD[-1], 100 + 10 * i) for i in range(4)], segs)]
    case("tcp-overlap-conflict.pcap", pcap(around(frames)),
         "frames 10-13: SIP over TCP: SYN, OPTIONS 11, the same sequence range again with different bytes "
         "(sip:bob → sip:eve), then OPTIONS 12.")

    # SIP ---------------------------------------------------------------------------------------------------
    msg = sip_payload(INVITE)
    head, _, body = msg.partition(b"\r\n\r\n")
    lines = [l for l in head.split(b"\r\n") if not l.lower().startswith(b"content-length")]
    big = b"\r\n".join(lines) + b"\r\nContent-Length: 5000\r\n\r\n" + body
    call_big = [with_udp_payload(INVITE, big)] + call[1:]
    case("sip-content-length-larger.pcap", pcap(call_big),
         "frame 1 is the INVITE with Content-Length: 5000 for a 344-byte SDP body.")

    neg = b"\r\n".join(lines) + b"\r\nContent-Length: -344\r\n\r\n" + body
    case("sip-content-length-negative.pcap", pcap([with_udp_payload(INVITE, neg)] + call[1:]),
         "frame 1 is the INVITE with Content-Length: -344.")

    folded = b"MESSAGE sip:bob@198.51.100.20 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-fold\r\n"
    folded += b"Subject: a header folded"
    folded += b"".join(b"\r\n continued %d" % i for i in range(3000))  # and never a blank line
    case("sip-folded-headers-unending.pcap", pcap(around(bad_after_nine(udp_frame(folded)))),
         "frame 10 is a UDP SIP MESSAGE whose Subject header is folded over 3,000 continuation lines and never ends "
         "(no blank line, no body).")

    sdp_lines = sip_body(msg).split(b"\r\n")
    many = [l for l in sdp_lines if l] + [b"a=x-filler:%d" % i for i in range(3000)]
    case("sdp-thousands-of-lines.pcap", pcap([with_udp_payload(INVITE, set_sip_body(msg, b"\r\n".join(many) + b"\r\n"))] + call[1:]),
         "frame 1 is the INVITE with an SDP of 3,013 lines (its 13 lines, then 3,000 a=x-filler attributes): "
         "one 48 KB datagram.")

    # a=crypto ------------------------------------------------------------------------------------------------
    suite = b"AES_CM_128_HMAC_SHA1_80"
    key = b"UuJQ61w9tql/raWSk5gIkBSst4t0az4jwnsGA7RK"  # the demo caller's key‖salt (30 bytes)
    crypto_cases = [
        ("crypto-bad-base64.pcap", b"a=crypto:1 %s inline:UuJQ61w9tql/raWSk5g!kBSst4t0az4jwnsGA7R*" % suite,
         "the INVITE's a=crypto key is not base64 ('!' and '*' in it)."),
        ("crypto-key-too-short.pcap", b"a=crypto:1 %s inline:UuJQ61w9tql/raWSk5gIkBSst4t0az4j" % suite,
         "the INVITE's a=crypto key‖salt is 24 bytes; AES_CM_128_HMAC_SHA1_80 needs 30."),
        ("crypto-key-too-long.pcap", b"a=crypto:1 %s inline:UuJQ61w9tql/raWSk5gIkBSst4t0az4jwnsGA7RKUuJQ61w9" % suite,
         "the INVITE's a=crypto key‖salt is 36 bytes; AES_CM_128_HMAC_SHA1_80 needs 30."),
        ("crypto-mki-length-0.pcap", b"a=crypto:1 %s inline:%s|2^20|1:0" % (suite, key),
         "the INVITE's a=crypto key has MKI 1 of length 0 (RFC 4568 §6.1 needs 1 to 128)."),
        ("crypto-mki-length-200.pcap", b"a=crypto:1 %s inline:%s|2^20|1:200" % (suite, key),
         "the INVITE's a=crypto key has an MKI length of 200 (RFC 4568 §6.1: at most 128)."),
        ("crypto-lifetime-2-99.pcap", b"a=crypto:1 %s inline:%s|2^99" % (suite, key),
         "the INVITE's a=crypto key has lifetime 2^99 (past the 2^48 packets SRTP allows, RFC 3711 §9.2)."),
    ]
    for name, line, text in crypto_cases:
        case(name, pcap([replace_crypto(INVITE, line)] + call[1:]), "frame 1: " + text)

    # RTP / SRTCP -----------------------------------------------------------------------------------------
    eth, src, dst, sport, dport, rtp = ipv4_fields(SRTP_CALLEE)
    r = bytearray(rtp)
    r[0] = (r[0] & 0xF0) | 15  # CC 15: 60 bytes of CSRC…
    r = r[:20]  # …in a 20-byte packet
    case("rtp-csrc-count-past-packet.pcap",
         pcap(around(bad_after_nine(eth + ipv4_header(src, dst, 17, 8 + len(r)) + udp(src, dst, sport, dport, bytes(r))))),
         "frame 10 is the callee's first SRTP packet cut to 20 bytes with its CSRC count set to 15 (60 bytes of CSRCs).")

    r = bytearray(rtp)
    r[0] |= 0x10  # X bit
    r = r[:12] + struct.pack("!HH", 0xBEDE, 0x4000) + r[12:40]  # extension of 16,384 words
    case("rtp-extension-length-past-packet.pcap",
         pcap(around(bad_after_nine(eth + ipv4_header(src, dst, 17, 8 + len(r)) + udp(src, dst, sport, dport, bytes(r))))),
         "frame 10 is an SRTP packet with a header extension (0xBEDE) whose length says 16,384 words in a 44-byte packet.")

    r = bytearray(rtp)
    r[0] |= 0x20  # P bit: the last byte (of the authentication tag here) is read as the padding count
    r[-1] = 250
    case("rtp-padding-larger-than-payload.pcap",
         pcap(around(bad_after_nine(eth + ipv4_header(src, dst, 17, 8 + len(r)) + udp(src, dst, sport, dport, bytes(r))))),
         "frame 10 is the callee's first SRTP packet with the P bit set and its last byte 250: padding larger "
         "than the 160-byte payload (and the tag no longer authenticates).")

    e2, s2, d2, sp2, dp2, rtcp = ipv4_fields(SRTCP_CALLEE)
    short = rtcp[:8] + rtcp[8:14]  # 14 bytes: the SR header and part of the sender SSRC… no E|index, no tag
    case("srtcp-shorter-than-trailer.pcap",
         pcap(around(bad_after_nine(e2 + ipv4_header(s2, d2, 17, 8 + len(short)) + udp(s2, d2, sp2, dp2, short)))),
         "frame 10 is the callee's first SRTCP packet (from demo frame 257) cut to 14 bytes: shorter than the "
         "SRTCP trailer (4-byte E|index + 10-byte tag) after an 8-byte header.")


def turn_cases():
    # ChannelData (RFC 8656 §12.4) nested in ChannelData down to a last RTP-looking header: each level
    # is 4 bytes (channel 0x4000, the length of what follows), 16,236 levels in a 65,000-byte datagram.
    # From the relay's port to the caller's media port, as relayed media comes.
    payload = b"\x80\x00\x00\x01" + b"\x00" * 8
    while len(payload) + 4 <= 65000 - 28 - 14:
        payload = struct.pack("!HH", 0x4000, len(payload)) + payload
    relay = bytes([203, 0, 113, 50])
    case("turn-channeldata-nested.pcap",
         pcap(around(bad_after_nine(udp_frame(payload, sport=3478, dport=40000, src=relay, dst=SRC)))),
         "frame 10 is a 64 KB UDP datagram from a TURN relay's port 3478 to the caller's media port holding "
         "TURN ChannelData nested 16,236 deep (each level a 4-byte header); unwrapping every level once "
         "overflowed dissect's stack.")


def main():
    build()
    turn_cases()
    check = "--check" in sys.argv
    bad = 0
    for name, (data, _) in sorted(FILES.items()):
        path = os.path.join(HERE, name)
        if check:
            if not os.path.exists(path) or open(path, "rb").read() != data:
                print("differs:", name)
                bad = 1
        else:
            with open(path, "wb") as f:
                f.write(data)
    if not check:
        for name, (_, line) in sorted(FILES.items()):
            print("- `%s` — %s" % (name, line))
    return bad


if __name__ == "__main__":
    sys.exit(main())
