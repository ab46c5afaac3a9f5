#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into Fuzz/corpus/<target>/.

Sources (all in the repository, except the public captures, used when ../shared sits next to it):
  - Captures/linktypes/*.pcap(ng): whole files (capture-file), their frames (frame-decoder), their UDP
    payloads (rtp-rtcp-stun, sip, sdp) and their SIP carried as TCP segments (tcp-reassembler);
  - Tests/SignallingTests/Fixtures.swift: the SIP and SDP texts (sip, sdp, tcp-reassembler);
  - Tests/DatagramsTests/MediaFixtures.swift: the hex STUN fixtures (rtp-rtcp-stun);
  - /work/shared/captures/public/*.pcap: a few UDP payloads of each first-byte class (rtp-rtcp-stun)
    and the first frames (frame-decoder).
  - dtls_handshake_seeds below: DTLS 1.2/1.0/1.3 handshakes built field by field after RFC 5246 §7.4 and
    RFC 6347 §4.2 (as Tests/DTLSSRTPTests/HandshakeBuilder.swift does), with the client randoms of the
    dtls-handshake target's fixed key log (dtls-handshake);
  - key_log_seeds below: the key-log formats of Docs/key-formats.md (key-input, selectors 3-5).
  - decrypt_pass_seeds below: the Captures/*.pcap(ng) calls cut to their first frames, and SRTP over TCP
    (RFC 4571, segments cut across packets) and in IPv4 fragments, protected here after RFC 3711 with the
    decrypt-pass target's first hand-given key (decrypt-pass, and the same for dissect-pass).
The unprotect seeds are written by the target itself (SRTPDUMP_FUZZ_WRITE_SEEDS, see `make fuzz-seeds`).
Deterministic: the same inputs give the same files (names are content hashes). Files with other
names in Fuzz/corpus/<target>/ are hand-written seeds (key-input's) and are kept.
Arguments, if any, name the targets whose corpora are rewritten (e.g. `make-seeds.py decrypt-pass`);
the others are left as they are.
"""
import glob, hashlib, os, re, struct, sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT = os.path.join(ROOT, "Fuzz", "corpus")
PUBLIC = os.path.normpath(os.path.join(ROOT, "..", "shared", "captures", "public"))
# The frame-decoder's byte 0 indexes this list (FrameDecoderFuzz.swift `linkTypes`).
LINK_INDEX = {1: 0, 113: 1, 276: 2, 101: 3, 228: 4, 229: 5, 0: 6, 108: 7}


ONLY = set(sys.argv[1:])


def clear_generated():
    """Removes the seeds an earlier run wrote (16-hex-digit names), keeping hand-written ones."""
    for path in glob.glob(os.path.join(OUT, "*", "*")):
        if ONLY and os.path.basename(os.path.dirname(path)) not in ONLY:
            continue
        if re.fullmatch(r"[0-9a-f]{16}", os.path.basename(path)):
            os.remove(path)


def save(target, data):
    if ONLY and target not in ONLY:
        return
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()[:16]), "wb") as f:
        f.write(data)


def prefixed(pieces, control=None):
    out = b""
    for p in pieces:
        p = p[:0xFFFF]
        out += struct.pack(">H", len(p)) + (bytes([control]) if control is not None else b"") + p
    return out


def read_pcap(path):
    """(linktype, [frames]) of a classic pcap; None for anything else."""
    data = open(path, "rb").read()
    if len(data) < 24:
        return None
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        return None
    linktype = struct.unpack(e + "I", data[20:24])[0] & 0xFFFF
    frames, off = [], 24
    while off + 16 <= len(data):
        caplen = struct.unpack(e + "I", data[off + 8:off + 12])[0]
        frames.append(data[off + 16:off + 16 + caplen])
        off += 16 + caplen
    return linktype, frames


def ip_payload(frame, linktype):
    """(protocol, transport bytes) of an Ethernet/SLL/raw frame over IPv4/IPv6, or None."""
    if linktype == 1:
        if len(frame) < 14:
            return None
        off, et = 14, struct.unpack(">H", frame[12:14])[0]
        while et in (0x8100, 0x88A8) and len(frame) >= off + 4:
            et = struct.unpack(">H", frame[off + 2:off + 4])[0]
            off += 4
        ip = frame[off:]
    elif linktype == 113:
        ip = frame[16:]
    elif linktype == 276:
        ip = frame[20:]
    elif linktype in (101, 228, 229):
        ip = frame
    elif linktype in (0, 108):
        ip = frame[4:]
    else:
        return None
    if len(ip) < 20:
        return None
    if ip[0] >> 4 == 4:
        ihl = (ip[0] & 15) * 4
        return ip[9], ip[ihl:struct.unpack(">H", ip[2:4])[0]]
    if ip[0] >> 4 == 6 and len(ip) >= 40:
        nh, off = ip[6], 40
        while nh in (0, 43, 60) and len(ip) >= off + 8:
            nh, off = ip[off], off + (ip[off + 1] + 1) * 8
        return nh, ip[off:]
    return None


def udp_payloads(frames, linktype):
    for f in frames:
        r = ip_payload(f, linktype)
        if r and r[0] == 17 and len(r[1]) >= 8:
            yield r[1][8:]


def swift_strings(path):
    """The triple-quoted string literals of a Swift file, indentation removed, LF line ends."""
    text = open(path).read()
    for m in re.finditer(r'"""\n(.*?)\n( *)"""', text, re.S):
        indent = len(m.group(2))
        yield "\n".join(line[indent:] for line in m.group(1).split("\n")) + "\n"


def crlf(s):
    return s.replace("\n", "\r\n").encode()


# --- DTLS handshakes (dtls-handshake target: DTLSHandshakeFuzz.swift) -------------------------------
def u16(v): return struct.pack(">H", v & 0xFFFF)
def u24(v): return struct.pack(">I", v & 0xFFFFFF)[1:]

CLIENT_RANDOM = bytes(range(32))                  # the target's key log, line 1
RESTART_RANDOM = bytes(x ^ 0xFF for x in range(32))  # line 2
SERVER_RANDOM = bytes(0x80 + i for i in range(32))
# The target's certificate: its sha-256 is the offer's a=fingerprint.
CERTIFICATE = bytes([0x30, 0x81, 0x80]) + bytes((i * 7) & 0xFF for i in range(128))


def hello_extensions(profiles=None, mki=b"", ems=True, supported_version=None):
    e = b""
    if profiles is not None:  # use_srtp (14), RFC 5764 §4.1.1: profile list, then srtp_mki
        data = u16(2 * len(profiles)) + b"".join(u16(p) for p in profiles) + bytes([len(mki)]) + mki
        e += u16(14) + u16(len(data)) + data
    if ems:  # extended_master_secret (23), RFC 7627 §5.1
        e += u16(23) + u16(0)
    if supported_version is not None:  # supported_versions (43), ServerHello form, RFC 8446 §4.2.1
        e += u16(43) + u16(2) + u16(supported_version)
    return u16(len(e)) + e


def client_hello(random, profiles=(0x0007, 0x0001), cookie=b"", mki=b"", version=0xFEFD):
    # version, random, session_id<0>, cookie<0..255> (RFC 6347 §4.2.1), cipher_suites, compression
    suites = u16(0xC02B) + u16(0xC02C) + u16(0x002F)
    return (u16(version) + random + b"\x00" + bytes([len(cookie)]) + cookie + u16(len(suites)) + suites
            + b"\x01\x00" + hello_extensions(list(profiles), mki))


def server_hello(suite=0xC02B, profile=0x0001, mki=b"", version=0xFEFD, supported_version=None):
    return (u16(version) + SERVER_RANDOM + b"\x00" + u16(suite) + b"\x00"
            + hello_extensions(None if profile is None else [profile], mki, supported_version=supported_version))


def certificate(der=CERTIFICATE):
    one = u24(len(der)) + der
    return u24(len(one)) + one


def fragment(msg_type, seq, body, offset=0, length=None):
    """A handshake message (fragment) with its DTLS header (RFC 6347 §4.2.2)."""
    total = len(body) if length is None else length
    return bytes([msg_type]) + u24(total) + u16(seq) + u24(offset) + u24(len(body)) + body


def record(content_type, seq, body, epoch=0, version=0xFEFD):
    """A DTLSPlaintext record (RFC 6347 §4.1): type, version, epoch, 48-bit sequence number, length."""
    return bytes([content_type]) + u16(version) + u16(epoch) + struct.pack(">Q", seq)[2:] + u16(len(body)) + body


def dtls_handshake_seeds():
    """(name, header byte, [(control, datagram)]) of each seed. Control bit 0: B → A; bit 1: inside
    TURN ChannelData; bit 2: straight to the tracker."""
    hs = 22
    ch = record(hs, 0, fragment(1, 0, client_hello(CLIENT_RANDOM)))
    sh = fragment(2, 0, server_hello())
    cert = fragment(11, 1, certificate())
    done = fragment(14, 2, b"")
    server_flight = record(hs, 0, sh) + record(hs, 1, cert) + record(hs, 2, done)
    client_cert = fragment(11, 1, certificate())
    cke = fragment(16, 2, u16(65) + bytes([4]) + bytes(64))  # ClientKeyExchange (ECDHE point)
    ccs = record(20, 3, b"\x01")
    finished = record(hs, 0, bytes(40), epoch=1)  # encrypted Finished: never read
    client_flight = record(hs, 1, client_cert) + record(hs, 2, cke) + ccs + finished
    server_end = record(20, 3, b"\x01") + record(hs, 0, bytes(40), epoch=1)
    full = [(0, ch), (1, server_flight), (0, client_flight), (1, server_end)]
    seeds = [("dtls12", 0, full), ("dtls12-gcrypt", 1, full),
             ("dtls12-direct", 0, [(c | 4, d) for c, d in full]),
             ("dtls12-turn", 1, [(c | 2, d) for c, d in full]),
             ("dtls12-turn-direct", 0, [(c | 6 | 0x10, d) for c, d in full])]
    # The certificate in three fragments, out of order over two datagrams, one repeated; then the
    # whole flight retransmitted (RFC 6347 §4.2.3).
    c = certificate()
    c1 = fragment(11, 1, c[:50], 0, len(c))
    c2 = fragment(11, 1, c[50:100], 50, len(c))
    c3 = fragment(11, 1, c[100:], 100, len(c))
    seeds.append(("fragments", 0, [(0, ch), (1, record(hs, 0, sh) + record(hs, 1, c3) + record(hs, 2, c1)),
                                   (1, record(hs, 3, c1) + record(hs, 4, c2) + record(hs, 5, done)),
                                   (1, server_flight), (0, client_flight), (1, server_end)]))
    # HelloVerifyRequest and the ClientHello again with the cookie (RFC 6347 §4.2.1), then after both
    # ChangeCipherSpecs a restart with the key log's second random.
    cookie = b"\x09" * 8
    hvr = record(hs, 0, fragment(3, 0, u16(0xFEFF) + bytes([len(cookie)]) + cookie))
    ch2 = record(hs, 1, fragment(1, 1, client_hello(CLIENT_RANDOM, cookie=cookie)))
    sh1 = record(hs, 1, fragment(2, 1, server_hello()))
    restart = record(hs, 5, fragment(1, 0, client_hello(RESTART_RANDOM)))
    seeds.append(("cookie-restart", 1, [(0, ch), (1, hvr), (0, ch2), (1, sh1), (0, ccs), (1, ccs),
                                        (0, restart), (1, record(hs, 4, sh))]))
    # DTLS 1.0 (the TLS 1.0 PRF), a SHA-384 suite with AES-256-GCM, an MKI, DTLS 1.3 (not keyed),
    # a ServerHello without use_srtp, and one listing two profiles.
    ch10 = record(hs, 0, fragment(1, 0, client_hello(CLIENT_RANDOM, version=0xFEFF)), version=0xFEFF)
    seeds.append(("dtls10", 0, [(0, ch10), (1, record(hs, 0, fragment(2, 0, server_hello(suite=0x002F,
                                                      version=0xFEFF)), version=0xFEFF))]))
    seeds.append(("sha384-gcm", 1, [(0, record(hs, 0, fragment(1, 0, client_hello(CLIENT_RANDOM, profiles=(0x0008,))))),
                                    (1, record(hs, 0, fragment(2, 0, server_hello(suite=0xC02C, profile=0x0008))))]))
    seeds.append(("mki", 0, [(0, record(hs, 0, fragment(1, 0, client_hello(CLIENT_RANDOM, mki=b"\x01\x02")))),
                             (1, record(hs, 0, fragment(2, 0, server_hello(mki=b"\x01\x02"))))]))
    seeds.append(("dtls13", 0, [(0, ch), (1, record(hs, 0, fragment(2, 0, server_hello(suite=0x1301,
                                                      supported_version=0xFEFC))))]))
    seeds.append(("no-use-srtp", 1, [(0, ch), (1, record(hs, 0, fragment(2, 0, server_hello(profile=None))))]))
    # use_srtp listing two profiles (RFC 5764 §4.1.1 allows one in a ServerHello).
    ext = u16(14) + u16(7) + u16(4) + u16(1) + u16(7) + b"\x00"
    two = server_hello(profile=None)[:38] + u16(len(ext)) + ext
    seeds.append(("two-profiles", 0, [(0, ch), (1, record(hs, 0, fragment(2, 0, two)))]))
    return seeds


def key_log_seeds():
    """Selector byte (KeyInputFuzz.swift: 3 TLS key log, 4 DTLS-SRTP material, 5 media-server log) and text."""
    cr = CLIENT_RANDOM.hex()
    ms = bytes(0x40 + i for i in range(48)).hex()
    material = bytes(range(60)).hex()
    return [
        (3, "# SSL/TLS secrets log file, generated by OpenSSL\n"
            "CLIENT_RANDOM 303c2eb8c51706985dbe0a6d2042d1dd2f143136526d5cedb8d11335d27aadfa "
            "b4dd19c58a74052c55966dbce414b2114769da33aae1475befda873fe74b9adc517c6df62654ffadb4a3ebe0a967b22a\n"),
        (3, "CLIENT_RANDOM %s %s\r\nCLIENT_RANDOM %s %s\nCLIENT_HANDSHAKE_TRAFFIC_SECRET %s %s\n"
            "RSA 0011 %s\nCLIENT_RANDOM %s\nCLIENT_RANDOM zz %s\nCLIENT_RANDOM %s 00\nBOGUS x y\n\t \n"
            % (cr, ms, cr, ms[::-1], cr, ms, ms, cr, ms, cr)),
        (4, "# dsrtp-av: the client was 192.168.121.234:60401\n"
            "780808778802be8ba54964c553d72cfa6b0100e46f6197a30f7c264bcd7963c6eed8a2c771bc1f6829ece1c5b180c45c4a115a9bd5da4fda28ba7b9c\n"
            "SRTP_AEAD_AES_128_GCM 0x6b0100e46f6197a30f7c264bcd7963c6780808778802be8ba54964c553d72cfaeed8a2c771bc1f6829ece1c5b180c45c4a115a9bd5da4fda"
            " client=[2001:db8::1]:5000 server=[2001:db8::2]:6000\n"),
        (4, "SRTP_AES128_CM_HMAC_SHA1_80 %s client=10.0.0.1:5000 server=10.0.0.2:6000 # comment\n"
            "0x0001 %s\n%s\n" % (material, material, __import__("base64").b64encode(bytes(range(88))).decode())),
        (4, "SRTP_AEAD_AES_256_GCM %s\n" % material),
        (5, "Nov 25 12:00:00 sbc rtpengine[901]: ERR: [call1]: SRTP keys, incoming:\n"
            "Nov 25 12:00:00 sbc rtpengine[901]: ERR: [call1]: --- AES_CM_128_HMAC_SHA1_80 key eAgId4gCvoulSWTFU9cs+g== salt 7tiix3G8H2gp7OHFsYA=\n"
            "2026-11-25 12:00:01.123 [DEBUG] sofia.c:7000 Remote SDP:\n"
            "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^31\n"),
        (5, "key=%s srtp_key=0x%s (AES_256_CM_HMAC_SHA1_32) [%s] {AEAD_AES_128_GCM %s}\n"
            % (bytes(range(30)).hex(), bytes(range(46)).hex(), bytes(range(44)).hex(), bytes(range(28)).hex())),
    ]


# --- decrypt-pass: captures cut short, and SRTP built here (RFC 3711) over TCP and in IPv4 fragments ---

DECRYPT_FRAMES = 60          # frames kept of each Captures/ call: its SIP and the first media
DECRYPT_KEY = bytes(range(30))  # the decrypt-pass target's key spec 1 (material 0x00 0x01 ... 0x1d)


def cut_capture(data, n):
    """The first n frames of a pcap or pcapng file (pcapng: every other block before them is kept)."""
    if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
        out, off = data[:24], 24
        for _ in range(n):
            if off + 16 > len(data):
                break
            caplen = struct.unpack(e + "I", data[off + 8:off + 12])[0]
            out += data[off:off + 16 + caplen]
            off += 16 + caplen
        return out
    if data[:4] != b"\x0a\x0d\x0d\x0a" or len(data) < 12:
        return data
    e = "<" if data[8:12] == b"\x4d\x3c\x2b\x1a" else ">"
    out, off, packets = b"", 0, 0
    while off + 12 <= len(data) and packets < n:
        kind, length = struct.unpack(e + "II", data[off:off + 8])
        if length < 12:
            break
        out += data[off:off + length]
        off += length
        packets += kind in (2, 3, 6)
    return out


def srtp_session_keys(master, labels):
    """RFC 3711 §4.3.1 with key_derivation_rate 0: x = label || 0 (48 bits) XOR master salt, keystream."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    key, salt = master[:16], master[16:30]
    out = []
    for label, n in labels:
        x = bytearray(salt)
        x[7] ^= label
        iv = bytes(x) + b"\x00\x00"
        enc = Cipher(algorithms.AES(key), modes.CTR(iv)).encryptor()
        out.append(enc.update(bytes(n)))
    return out


def srtp_protect(master, packet, roc=0):
    """AES_CM_128_HMAC_SHA1_80 (RFC 3711 §4.1.1, §4.2): the payload after the 12-byte header encrypted,
    then an 80-bit tag over header, payload and ROC."""
    import hmac
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    ke, ka, ks = srtp_session_keys(master, [(0, 16), (1, 20), (2, 14)])
    seq, ssrc = struct.unpack(">H", packet[2:4])[0], struct.unpack(">I", packet[8:12])[0]
    iv = int.from_bytes(ks, "big") << 16 ^ ssrc << 64 ^ ((roc << 16 | seq) << 16)
    enc = Cipher(algorithms.AES(ke), modes.CTR(iv.to_bytes(16, "big"))).encryptor()
    body = packet[:12] + enc.update(packet[12:])
    return body + hmac.new(ka, body + struct.pack(">I", roc), "sha1").digest()[:10]


def rtp(seq, ssrc=0x5EED0001, size=160):
    return struct.pack(">BBHII", 0x80, 0, seq, 8000 + 160 * seq, ssrc) + bytes((seq + i) & 0xFF for i in range(size))


def inet_checksum(b):
    if len(b) % 2:
        b += b"\x00"
    s = sum(struct.unpack(">%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def eth_ipv4(src, dst, proto, payload, ident=1, frag=0, total=None):
    h = struct.pack(">BBHHHBBH4s4s", 0x45, 0, total or 20 + len(payload), ident, frag, 64, proto, 0, bytes(src), bytes(dst))
    h = h[:10] + struct.pack(">H", inet_checksum(h)) + h[12:]
    return b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00" + h + payload


def tcp_segment(src, dst, sport, dport, seq, ack, flags, data):
    h = struct.pack(">HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 5 << 4, flags, 65535, 0, 0)
    pseudo = bytes(src) + bytes(dst) + struct.pack(">BBH", 0, 6, len(h) + len(data))
    h = h[:16] + struct.pack(">H", inet_checksum(pseudo + h + data)) + h[18:]
    return eth_ipv4(src, dst, 6, h + data)


def pcap_file(frames):
    """A classic pcap (Ethernet), one frame every 20 ms."""
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    for i, f in enumerate(frames):
        out += struct.pack("<IIII", 1_700_000_000 + i // 50, (i % 50) * 20000, len(f), len(f)) + f
    return out


def srtp_over_tcp(cuts):
    """One TCP connection (handshake, then RFC 4571 frames of SRTP cut at the given segment lengths, an
    acknowledgment after each segment, a retransmission of the second segment, FIN)."""
    a, b, pa, pb = [10, 1, 0, 1], [10, 1, 0, 2], 40000, 50000
    stream = b"".join(struct.pack(">H", len(p)) + p for p in (srtp_protect(DECRYPT_KEY, rtp(s)) for s in range(1, 9)))
    frames = [tcp_segment(a, b, pa, pb, 999, 0, 0x02, b""), tcp_segment(b, a, pb, pa, 4999, 1000, 0x12, b""),
              tcp_segment(a, b, pa, pb, 1000, 5000, 0x10, b"")]
    offsets, off = [], 0
    for n in cuts + [len(stream)]:
        n = min(n, len(stream) - off)
        if n <= 0:
            break
        offsets.append((off, n))
        off += n
    for i, (o, n) in enumerate(offsets):
        frames.append(tcp_segment(a, b, pa, pb, 1000 + o, 5000, 0x18, stream[o:o + n]))
        frames.append(tcp_segment(b, a, pb, pa, 5000, 1000 + o + n, 0x10, b""))
        if i == 2:
            o1, n1 = offsets[1]
            frames.append(tcp_segment(a, b, pa, pb, 1000 + o1, 5000, 0x18, stream[o1:o1 + n1]))
    frames.append(tcp_segment(a, b, pa, pb, 1000 + len(stream), 5000, 0x11, b""))
    return pcap_file(frames)


def srtp_in_fragments():
    """SRTP over UDP: two whole packets, then datagrams of 600-byte payloads sent as three IPv4 fragments
    (RFC 791; the third datagram's fragments out of order, a plain UDP datagram between fragments)."""
    a, b = [10, 1, 0, 1], [10, 1, 0, 2]
    udp = lambda p: struct.pack(">HHHH", 40002, 50002, 8 + len(p), 0) + p
    frames = [eth_ipv4(a, b, 17, udp(srtp_protect(DECRYPT_KEY, rtp(s))), ident=s) for s in (1, 2)]
    for s in (3, 4, 5):
        d = udp(srtp_protect(DECRYPT_KEY, rtp(s, size=600)))
        pieces = [(0, d[:256]), (32, d[256:512]), (64, d[512:])]
        frags = [eth_ipv4(a, b, 17, p, ident=s, frag=(o | (0x2000 if i < 2 else 0)), total=20 + len(p))
                 for i, (o, p) in enumerate(pieces)]
        if s == 5:
            frags = [frags[2], frags[0], frags[1]]
        if s == 4:
            frags.insert(1, eth_ipv4(b, a, 17, struct.pack(">HHHH", 50002, 40002, 12, 0) + b"ping", ident=99))
        frames += frags
    frames.append(eth_ipv4(a, b, 17, udp(srtp_protect(DECRYPT_KEY, rtp(6))), ident=6))
    return pcap_file(frames)


def decrypt_pass_seeds():
    """(control byte, capture) pairs; the control byte is DecryptPassFuzz.swift's `options`."""
    seeds = []
    calls = sorted(glob.glob(os.path.join(ROOT, "Captures", "*.pcap")) + glob.glob(os.path.join(ROOT, "Captures", "*.pcapng")))
    for i, path in enumerate(calls):
        # ROC search on; the look-behind buffer from tiny to the default, in turn.
        seeds.append((0x08 | (i % 4) << 4, cut_capture(open(path, "rb").read(), DECRYPT_FRAMES)))
    try:
        import cryptography  # noqa: F401
    except ImportError:
        print("make-seeds: python3-cryptography missing: no SRTP over TCP or fragment seeds for decrypt-pass")
        return seeds
    p = 2 + 182  # one RFC 4571 frame: length field, 12-byte header, 160 bytes, 10-byte tag
    for cuts, control in [([2 * p, 100, p - 100, p + 1, p - 1, 2, p - 2], 0x31), ([p, p - 4, p + 6, 3 * p + 5], 0x01),
                          ([p, 2 * p], 0x41)]:
        seeds.append((control, srtp_over_tcp(cuts)))
    seeds.append((0x31, srtp_in_fragments()))
    seeds.append((0x01, srtp_in_fragments()))
    return seeds


def main():
    clear_generated()
    for _, header, datagrams in dtls_handshake_seeds():
        out = bytes([header])
        for control, d in datagrams:
            out += struct.pack(">H", len(d)) + bytes([control]) + d
        save("dtls-handshake", out)
    for selector, text in key_log_seeds():
        save("key-input", bytes([selector]) + text.encode())
    for control, capture in decrypt_pass_seeds():
        save("decrypt-pass", bytes([control]) + capture)
        # dissect-pass reads the same format (byte 0's low bits choose the same key).
        save("dissect-pass", bytes([control]) + capture)

    linkfiles = sorted(glob.glob(os.path.join(ROOT, "Captures", "**", "*.pcap*"), recursive=True))
    sip_payloads, media = [], []
    for path in linkfiles:
        save("capture-file", open(path, "rb").read())
        r = read_pcap(path)
        if not r:
            continue
        linktype, frames = r
        if linktype in LINK_INDEX:
            # The whole call as one input (control byte 0: same second, not truncated), and each frame alone.
            save("frame-decoder", bytes([LINK_INDEX[linktype]]) + prefixed(frames, control=0))
            save("frame-decoder", bytes([LINK_INDEX[linktype] | 8]) + prefixed(frames[:3], control=1))
        for p in udp_payloads(frames, linktype):
            (sip_payloads if p[:1].isalpha() else media).append(p)

    texts = []
    fixtures = os.path.join(ROOT, "Tests", "SignallingTests", "Fixtures.swift")
    if os.path.exists(fixtures):
        texts = list(swift_strings(fixtures))
    sdps = [crlf(t) for t in texts if t.startswith("v=")]
    sips = [crlf(t) for t in texts if not t.startswith("v=") and re.match(r"^[A-Z]+ \S+ SIP/2\.0|^SIP/2\.0 ", t)]
    for s in sdps:
        save("sdp", b"\x00" + s)
    # One attribute-mode seed per attribute kind the sdp target knows (its `attributes` order).
    for idx, value in [(0, b"1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4"),
                       (1, b"1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^31|1:1"),
                       (2, b"base64:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9"), (3, b"96 opus/48000/2"),
                       (6, b"53020 IN IP4 126.16.64.4"), (7, b"12345 cname:user@example.com"),
                       (8, b"1 1 UDP 2130706431 10.0.1.1 8998 typ host generation 0"),
                       (9, b"urn:ietf:params:rtp-hdrext:encrypt urn:ietf:params:rtp-hdrext:ssrc-audio-level"),
                       (10, b"sha-256 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB"),
                       (12, b"mikey AQAFgM0XflABAAAAAAAAAAAAAAsAyO5aKm6sAAAAAAAAAAA=")]:
        save("sdp", b"\x01" + bytes([idx]) + value)
    # The sip target's byte 0 picks the reading (mod 3: datagram, stream, TCP framer): each message
    # is a seed for all three.
    sip_seeds = list(sips + sip_payloads)
    for s in sips:
        for sdp in sdps[:2]:
            if b"Content-Length" not in s:
                sip_seeds.append(s.rstrip(b"\r\n") + b"\r\nContent-Type: application/sdp\r\nContent-Length: %d\r\n\r\n" % len(sdp) + sdp)
    for body in sip_seeds:
        for mode in range(3):
            save("sip", bytes([mode]) + body)

    # TCP: a SIP message in three segments after a SYN, one direction; then out of order with a FIN.
    def seg(control, seq, data):
        return bytes([control]) + struct.pack(">I", seq) + struct.pack(">H", len(data)) + data
    for m in (sips + sip_payloads)[:6]:
        a, b = len(m) // 3, 2 * len(m) // 3
        save("tcp-reassembler", seg(0x02, 1000, b"") + seg(0x10, 1001, m[:a]) + seg(0x10, 1001 + a, m[a:b])
             + seg(0x18, 1001 + b, m[b:]) + seg(0x91, 5000, m[:40]))
        save("tcp-reassembler", seg(0x10, 1001 + b, m[b:]) + seg(0x10, 1001, m[:a]) + seg(0x10, 1001 + a, m[a:b])
             + seg(0x11, 1001 + len(m), b""))

    media_fixtures = os.path.join(ROOT, "Tests", "DatagramsTests", "MediaFixtures.swift")
    if os.path.exists(media_fixtures):
        for t in swift_strings(media_fixtures):
            hexdigits = re.sub(r"#.*", "", t)
            hexdigits = re.sub(r"\s", "", hexdigits)
            if re.fullmatch(r"[0-9a-fA-F]+", hexdigits) and len(hexdigits) % 2 == 0:
                media.append(bytes.fromhex(hexdigits))

    # Public captures: the first few UDP payloads of each first-byte class, and the first frames.
    for path in sorted(glob.glob(os.path.join(PUBLIC, "*.pcap"))):
        r = read_pcap(path)
        if not r:
            continue
        linktype, frames = r
        if linktype in LINK_INDEX:
            save("frame-decoder", bytes([LINK_INDEX[linktype]]) + prefixed(frames[:12], control=0))
        seen = {}
        for p in udp_payloads(frames, linktype):
            key = (p[0] >> 6, p[1] if len(p) > 1 and 192 <= p[1] <= 223 else -1, len(p) > 200)
            if seen.get(key, 0) < 3:
                seen[key] = seen.get(key, 0) + 1
                media.append(p)
    for p in media:
        save("rtp-rtcp-stun", p)

    # Hand-written hostile values from issue 7's list (lying lengths, huge numbers, bad base64), so the
    # campaigns start next to the edges instead of having to find them.
    key = b"inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"
    for idx, value in [(0, b"1 AES_CM_128_HMAC_SHA1_80 " + key + b"|2^99|1:200"),
                       (0, b"1 AES_CM_128_HMAC_SHA1_80 " + key + b"|18446744073709551616|99999999999999999999:4"),
                       (0, b"1 AES_CM_128_HMAC_SHA1_80 inline:!!!!|2^20|1:0"),
                       (0, b"1 AES_256_CM_HMAC_SHA1_80 " + key + b"|2^20|1:4"),
                       (0, b"1 AES_CM_128_HMAC_SHA1_80 " + key + b"|2^|:|1:4;inline:|"),
                       (1, b"1 AES_CM_128_HMAC_SHA1_80 " + key + b"|2^64|18446744073709551615:8 KDR=99 UNENCRYPTED_SRTP WSH=-1"),
                       (2, b"base64:===="), (3, b"999999999999999999999 x/99999999999999999999/-1"),
                       (5, b"99999999999999999999 IN IP4")]:
        save("sdp", b"\x01" + bytes([idx]) + value)
    save("sdp", b"\x00" + b"v=0\r\n" + b"a=x\r\n" * 3000)
    for m in [b"INVITE sip:a SIP/2.0\r\nContent-Length: -1\r\n\r\nabc",
              b"INVITE sip:a SIP/2.0\r\nContent-Length: 99999999999999999999999999\r\n\r\nabc",
              b"INVITE sip:a SIP/2.0\r\nContent-Length: 500\r\n\r\nabc",
              b"INVITE sip:a SIP/2.0\r\nVia: a\r\n \r\n \r\n \r\n",
              b"SIP/2.0 200 OK\r\nContent-Type: multipart/mixed;boundary=a\r\nContent-Length: 71\r\n\r\n"
              b"--a\r\nContent-Type: multipart/mixed;boundary=a\r\n\r\n--a\r\n--a--\r\n--a--\r\n"]:
        save("sip", m)

    # Captures: truncated header, caplen > len, caplen past the snap length, a zero-length record,
    # a pcapng block with a bad length and one of an unknown type.
    ph = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 96, 1)
    rec = lambda caplen, length, data: struct.pack("<IIII", 1, 0, caplen, length) + data
    for c in [ph[:13], ph + rec(60, 40, bytes(60)), ph + rec(200, 200, bytes(200)), ph + rec(0, 0, b"") + rec(14, 14, bytes(14)),
              ph + rec(0xFFFFFFF0, 10, bytes(10))]:
        save("capture-file", c)
    shb = struct.pack("<IIIHHq", 0x0A0D0D0A, 28, 0x1A2B3C4D, 1, 0, -1) + struct.pack("<I", 28)
    idb = struct.pack("<IIHHI", 1, 20, 1, 0, 0) + struct.pack("<I", 20)
    for c in [shb + idb + struct.pack("<II", 6, 0xFFFFFF00) + bytes(24), shb + idb + struct.pack("<II", 6, 13) + bytes(5),
              shb + struct.pack("<II", 0x0BAD, 12) + struct.pack("<I", 12) + idb]:
        save("capture-file", c)

    # Frames (raw IPv4, link index 3): header length below 20, total length past the frame, and
    # overlapping fragments with different data that never complete.
    def ipv4(payload, ihl=5, total=None, frag=0, ident=7, proto=17):
        h = struct.pack(">BBHHHBBH4s4s", 0x40 | ihl, 0, total if total is not None else 20 + len(payload), ident, frag, 64,
                        proto, 0, bytes([192, 0, 2, 1]), bytes([192, 0, 2, 2]))
        return h + payload
    udp = struct.pack(">HHHH", 5060, 5060, 8 + 16, 0) + b"INVITE sip:a SIP"
    save("frame-decoder", bytes([3]) + prefixed([ipv4(udp, ihl=3), ipv4(udp, total=900)], control=0))
    save("frame-decoder", bytes([3]) + prefixed([ipv4(udp[:16], frag=0x2000), ipv4(udp[8:], frag=0x2001),
                                                 ipv4(b"X" * 16, frag=0x2001), ipv4(udp[:8], frag=0x2000, ident=8)], control=1))


if __name__ == "__main__":
    sys.exit(main())
