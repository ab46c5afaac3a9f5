// Media-layer fixtures: STUN from RFC 5769, and builders for RTCP, DTLS and TURN ChannelData.

/// RFC 5769 §2.2 "Sample IPv4 Response": a Binding success response with SOFTWARE ("test vector "),
/// XOR-MAPPED-ADDRESS 192.0.2.1:32853, MESSAGE-INTEGRITY and FINGERPRINT. The layout, transaction ID and
/// XOR-MAPPED-ADDRESS bytes are the RFC's; the HMAC and CRC values are replaced by zeros/placeholders
/// because nothing here checks them.
let stunIPv4Response = hex(
    """
    0101 003c              # Binding success response, length 60
    2112a442               # magic cookie
    b7e7a701 bc34d686 fa87dfae   # transaction ID
    8022 000b 74657374 20766563 746f7220   # SOFTWARE "test vector " (11 bytes + 1 pad)
    0020 0008 0001 a147 e112a643           # XOR-MAPPED-ADDRESS IPv4, port ^ 0x2112, address ^ cookie
    0008 0014 00000000 00000000 00000000 00000000 00000000   # MESSAGE-INTEGRITY (HMAC zeroed)
    8028 0004 00000000     # FINGERPRINT (CRC zeroed)
    """)

/// RFC 5769 §2.3 "Sample IPv6 Response" (same transaction ID): XOR-MAPPED-ADDRESS
/// [2001:db8:1234:5678:11:2233:4455:6677]:32853; other attributes dropped, length adjusted to 24.
let stunIPv6Response = hex(
    """
    0101 0018 2112a442 b7e7a701 bc34d686 fa87dfae
    0020 0014 0002 a147 0113a9fa a5d3f179 bc25f4b5 bed2b9d9   # XOR-MAPPED-ADDRESS IPv6
    """)

/// A STUN Send indication (RFC 8656 §10): XOR-PEER-ADDRESS 192.0.2.1:32853 and DATA of 5 bytes (padded to 8).
let stunSendIndication = hex(
    """
    0016 001c 2112a442 000102030405060708090a0b    # Send indication (method 6, class indication), length 28
    0012 0008 0001 a147 e112a643                   # XOR-PEER-ADDRESS
    0013 0005 68656c6c6f 000000                    # DATA "hello" + 3 pad
    0000 0000                                      # an empty attribute of unknown type 0 (4 bytes)
    """)

/// An RTCP packet header: V=2, P, count, PT, length in words − 1 (computed from `body`), then `body`.
func rtcp(pt: UInt8, count: Int = 0, body: [UInt8], lengthOverride: Int? = nil) -> [UInt8] {
    [0x80 | UInt8(count), pt] + be16(lengthOverride ?? body.count / 4) + body
}

/// A 24-byte report block for SSRC `ssrc` (RFC 3550 §6.4.1).
func reportBlock(_ ssrc: UInt32) -> [UInt8] { be32(ssrc) + [UInt8](repeating: 0, count: 20) }

/// SR from 0x11111111 with sender info (NTP 0x0102030405060708, RTP ts 0x0A0B0C0D, 7 packets, 700 octets)
/// and one report block.
let senderReport = rtcp(
    pt: 200, count: 1,
    body: be32(0x1111_1111) + be32(0x0102_0304) + be32(0x0506_0708) + be32(0x0A0B_0C0D) + be32(7) + be32(700)
        + reportBlock(0x2222_2222))
/// SDES with one chunk: SSRC 0x11111111, CNAME "ab", end, padding to a word.
let sdes = rtcp(pt: 202, count: 1, body: be32(0x1111_1111) + [1, 2, 0x61, 0x62, 0, 0, 0, 0])
let bye = rtcp(pt: 203, count: 1, body: be32(0x1111_1111))
let app = rtcp(pt: 204, count: 0, body: be32(0x1111_1111) + Array("TEST".utf8))
/// XR (RFC 3611) with one empty block of type 4 (Receiver Reference Time, here truncated to its header + NTP).
let xr = rtcp(pt: 207, body: be32(0x1111_1111) + [4, 0] + be16(2) + be32(1) + be32(2))
let receiverReport = rtcp(pt: 201, count: 2, body: be32(0x3333_3333) + reportBlock(1) + reportBlock(2))

/// A DTLS 1.2 record (RFC 6347 §4.1) of content type `type`, epoch, 48-bit sequence, carrying `body`.
func dtlsRecord(
    type: UInt8 = 22, version: Int = 0xFEFD, epoch: Int = 0, seq: UInt64 = 5, body: [UInt8], lengthOverride: Int? = nil
) -> [UInt8] {
    var r: [UInt8] = [type] + be16(version) + be16(epoch)
    for k in (0..<6).reversed() { r.append(UInt8(truncatingIfNeeded: seq >> (8 * UInt64(k)))) }
    return r + be16(lengthOverride ?? body.count) + body
}

/// The start of a ClientHello handshake message (type 1, length 3 bytes, message_seq, fragment offset/length).
let clientHelloStart: [UInt8] = [1, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0xFE, 0xFD, 0, 0]

/// TURN ChannelData (RFC 8656 §12.4): channel, length, data.
func channelData(_ channel: Int, _ data: [UInt8], lengthOverride: Int? = nil) -> [UInt8] {
    be16(channel) + be16(lengthOverride ?? data.count) + data
}
