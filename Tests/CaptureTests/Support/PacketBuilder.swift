// Test support: builds IPv4/IPv6 UDP datagrams carrying RTP, RTCP and SIP, with correct checksums,
// for the link-type fixture captures. Independent of the code under test (it only writes bytes).

/// RFC 1071 Internet checksum over `bytes` (with an initial partial sum).
func internetChecksum(_ bytes: [UInt8], initial: UInt32 = 0) -> UInt16 {
    var sum = initial
    var i = 0
    while i + 1 < bytes.count {
        sum += UInt32(bytes[i]) << 8 | UInt32(bytes[i + 1])
        i += 2
    }
    if i < bytes.count { sum += UInt32(bytes[i]) << 8 }
    while sum >> 16 != 0 { sum = (sum & 0xFFFF) + (sum >> 16) }
    return ~UInt16(sum)
}

func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xFF)] }
func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }

enum IPVersion { case v4, v6 }

/// Addresses from the documentation ranges (RFC 5737, RFC 3849).
enum FixtureAddress {
    static let alice4: [UInt8] = [192, 0, 2, 10]
    static let bob4: [UInt8] = [198, 51, 100, 20]
    static let alice6: [UInt8] = [0x20, 0x01, 0x0D, 0xB8] + [UInt8](repeating: 0, count: 11) + [0x10]
    static let bob6: [UInt8] = [0x20, 0x01, 0x0D, 0xB8] + [UInt8](repeating: 0, count: 11) + [0x20]
}

/// One UDP datagram inside an IP packet, as the fixtures describe it.
struct UDPPacketSpec {
    var version: IPVersion
    var sourcePort: UInt16
    var destinationPort: UInt16
    var payload: [UInt8]
    /// IPv4: add a Router Alert option (RFC 2113), making the header 24 bytes.
    var ipv4Options = false
    /// IPv6: put a Hop-by-Hop Options header (RFC 8200 §4.3, one PadN option) before UDP.
    var ipv6HopByHop = false
    var identification: UInt16 = 1
}

/// Builds the IP packet (header, optional options or extension header, UDP header, payload).
func buildIPPacket(_ spec: UDPPacketSpec) -> [UInt8] {
    let udpLength = 8 + spec.payload.count
    var udp = be16(spec.sourcePort) + be16(spec.destinationPort) + be16(UInt16(udpLength)) + [0, 0] + spec.payload
    switch spec.version {
    case .v4:
        let src = FixtureAddress.alice4, dst = FixtureAddress.bob4
        // RFC 768 pseudo-header: source, destination, zero, protocol, UDP length.
        let pseudo = src + dst + [0, 17] + be16(UInt16(udpLength))
        var sum = internetChecksum(pseudo + udp)
        if sum == 0 { sum = 0xFFFF }
        udp[6] = UInt8(sum >> 8)
        udp[7] = UInt8(sum & 0xFF)
        let options: [UInt8] = spec.ipv4Options ? [0x94, 0x04, 0x00, 0x00] : []
        let headerLength = 20 + options.count
        var header: [UInt8] = [0x40 | UInt8(headerLength / 4), 0x00] + be16(UInt16(headerLength + udpLength))
        header += be16(spec.identification) + [0x40, 0x00, 64, 17, 0, 0] + src + dst + options
        let hsum = internetChecksum(header)
        header[10] = UInt8(hsum >> 8)
        header[11] = UInt8(hsum & 0xFF)
        return header + udp
    case .v6:
        let src = FixtureAddress.alice6, dst = FixtureAddress.bob6
        // RFC 8200 §8.1 pseudo-header: source, destination, upper-layer length, zeros, next header.
        let pseudo = src + dst + be32(UInt32(udpLength)) + [0, 0, 0, 17]
        var sum = internetChecksum(pseudo + udp)
        if sum == 0 { sum = 0xFFFF }
        udp[6] = UInt8(sum >> 8)
        udp[7] = UInt8(sum & 0xFF)
        // Hop-by-Hop: next header UDP, length 0 (8 bytes), PadN option with 4 bytes of padding.
        let extensionHeader: [UInt8] = spec.ipv6HopByHop ? [17, 0, 0x01, 0x04, 0, 0, 0, 0] : []
        let nextHeader: UInt8 = spec.ipv6HopByHop ? 0 : 17
        let header: [UInt8] = [0x60, 0, 0, 0] + be16(UInt16(extensionHeader.count + udpLength)) + [nextHeader, 64] + src + dst
        return header + extensionHeader + udp
    }
}

/// RTP (RFC 3550 §5.1): V=2, PT 0 (PCMU), 160 bytes of payload (20 ms at 8 kHz).
func rtpPacket(sequence: UInt16, timestamp: UInt32, ssrc: UInt32, marker: Bool) -> [UInt8] {
    [0x80, marker ? 0x80 : 0x00] + be16(sequence) + be32(timestamp) + be32(ssrc)
        + (0..<160).map { UInt8(truncatingIfNeeded: 0xD5 ^ $0) }
}

/// RTCP Sender Report with no report blocks (RFC 3550 §6.4.1): 28 bytes, length field 6.
func rtcpSenderReport(ssrc: UInt32, rtpTimestamp: UInt32, packets: UInt32, octets: UInt32) -> [UInt8] {
    [0x80, 200] + be16(6) + be32(ssrc) + be32(0xE8F0_0000) + be32(0x8000_0000) + be32(rtpTimestamp) + be32(packets) + be32(octets)
}

/// A SIP INVITE (RFC 3261 §7.1) with an SDP offer for the RTP stream.
func sipInvite(version: IPVersion) -> [UInt8] {
    let (a, b, ipv) = version == .v4 ? ("192.0.2.10", "198.51.100.20", "IP4") : ("[2001:db8::10]", "[2001:db8::20]", "IP6")
    let bare = version == .v4 ? "192.0.2.10" : "2001:db8::10"
    let sdp = "v=0\r\no=alice 1 1 IN \(ipv) \(bare)\r\ns=-\r\nc=IN \(ipv) \(bare)\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
    let message = "INVITE sip:bob@\(b) SIP/2.0\r\n"
        + "Via: SIP/2.0/UDP \(a):5060;branch=z9hG4bK-fixture\r\n"
        + "Max-Forwards: 70\r\n"
        + "From: <sip:alice@\(a)>;tag=a1\r\n"
        + "To: <sip:bob@\(b)>\r\n"
        + "Call-ID: linktype-fixture@\(bare)\r\n"
        + "CSeq: 1 INVITE\r\n"
        + "Contact: <sip:alice@\(a):5060>\r\n"
        + "Content-Type: application/sdp\r\n"
        + "Content-Length: \(sdp.utf8.count)\r\n\r\n" + sdp
    return Array(message.utf8)
}

/// What each fixture frame carries, so that tests can check what they read without re-deriving it.
enum FixturePayloadKind: Equatable { case sip, rtp(sequence: UInt16, ssrc: UInt32), rtcp }

struct FixtureDatagram {
    var kind: FixturePayloadKind
    var version: IPVersion
    var ipPacket: [UInt8]
    /// Carries IPv4 options or an IPv6 extension header.
    var extraHeader = false
}

/// The fixture "call" for one IP version: SIP INVITE, three RTP packets of one SSRC (the second with
/// IPv4 options or an IPv6 Hop-by-Hop header), one RTCP SR.
func fixtureCall(_ version: IPVersion) -> [FixtureDatagram] {
    let ssrc: UInt32 = version == .v4 ? 0x1122_3344 : 0x5566_7788
    let firstSequence: UInt16 = version == .v4 ? 1000 : 2000
    var out: [FixtureDatagram] = []
    var id: UInt16 = version == .v4 ? 0x100 : 0x200
    func add(_ kind: FixturePayloadKind, _ src: UInt16, _ dst: UInt16, _ payload: [UInt8], extra: Bool = false) {
        var spec = UDPPacketSpec(version: version, sourcePort: src, destinationPort: dst, payload: payload)
        spec.identification = id
        id += 1
        if extra {
            spec.ipv4Options = version == .v4
            spec.ipv6HopByHop = version == .v6
        }
        out.append(FixtureDatagram(kind: kind, version: version, ipPacket: buildIPPacket(spec), extraHeader: extra))
    }
    add(.sip, 5060, 5060, sipInvite(version: version))
    for i in 0..<3 {
        let seq = firstSequence + UInt16(i)
        add(.rtp(sequence: seq, ssrc: ssrc), 40000, 50000,
            rtpPacket(sequence: seq, timestamp: 160_000 + 160 * UInt32(i), ssrc: ssrc, marker: i == 0), extra: i == 1)
    }
    add(.rtcp, 40001, 50001, rtcpSenderReport(ssrc: ssrc, rtpTimestamp: 160_480, packets: 3, octets: 480))
    return out
}
