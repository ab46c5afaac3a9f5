// Builders for test frames. Each builds one header the way the RFC lays it out, computing lengths and
// checksums here (independently of the module under test), so fixtures read as annotated protocol
// layouts rather than opaque hex.
import Capture
import Datagrams

/// Bytes from hex text; whitespace and `|` separators are ignored, `#` starts a comment to end of line.
func hex(_ text: String) -> [UInt8] {
    var out: [UInt8] = []
    var nibble: UInt8?
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
        for c in line.prefix(while: { $0 != "#" }) {
            guard let v = c.hexDigitValue else { continue }
            if let n = nibble {
                out.append(n << 4 | UInt8(v))
                nibble = nil
            } else {
                nibble = UInt8(v)
            }
        }
    }
    return out
}

func be16(_ v: Int) -> [UInt8] { [UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }

/// RFC 1071 Internet checksum over `bytes` (a separate implementation from the module's).
func internetChecksum(_ bytes: [UInt8]) -> Int {
    var sum = 0
    var i = 0
    while i < bytes.count {
        let hi = Int(bytes[i])
        let lo = i + 1 < bytes.count ? Int(bytes[i + 1]) : 0
        sum += hi << 8 | lo
        i += 2
    }
    while sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
    return ~sum & 0xFFFF
}

func v4(_ text: String) -> [UInt8] { text.split(separator: ".").map { UInt8($0) ?? 0 } }

/// IPv6 address bytes from the full eight-group form (tests only use that form here).
func v6(_ groups: [Int]) -> [UInt8] { groups.flatMap { be16($0) } }

// MARK: Network layer

/// An IPv4 header (RFC 791 §3.1) with a correct checksum, followed by `payload`.
func ipv4(
    src: [UInt8] = v4("10.0.0.1"), dst: [UInt8] = v4("10.0.0.2"), proto: UInt8 = 17, id: Int = 0x1234,
    dontFragment: Bool = false, moreFragments: Bool = false, fragmentOffset: Int = 0, options: [UInt8] = [],
    totalLength: Int? = nil, ihl: Int? = nil, ttl: UInt8 = 64, payload: [UInt8]
) -> [UInt8] {
    let hl = 20 + options.count
    var flags = fragmentOffset / 8
    if dontFragment { flags |= 0x4000 }
    if moreFragments { flags |= 0x2000 }
    var h: [UInt8] = [UInt8(0x40 | (ihl ?? hl / 4)), 0] + be16(totalLength ?? hl + payload.count) + be16(id) + be16(flags)
    h += [ttl, proto, 0, 0] + src + dst + options
    let sum = internetChecksum(h)
    h[10] = UInt8(sum >> 8)
    h[11] = UInt8(sum & 0xFF)
    return h + payload
}

let v6Src = v6([0x2001, 0x0db8, 0, 0, 0, 0, 0, 1])
let v6Dst = v6([0x2001, 0x0db8, 0, 0, 0, 0, 0, 2])

/// An IPv6 header (RFC 8200 §3) with `next` as Next Header, followed by `payload` (which holds any
/// extension headers).
func ipv6(src: [UInt8] = v6Src, dst: [UInt8] = v6Dst, next: UInt8, payloadLength: Int? = nil, payload: [UInt8]) -> [UInt8] {
    [0x60, 0, 0, 0] + be16(payloadLength ?? payload.count) + [next, 64] + src + dst + payload
}

/// A generic extension header (hop-by-hop, routing, destination options: RFC 8200 §4.3–4.6) of
/// `8 * (units + 1)` bytes, padded with a PadN option or zeros.
func extensionHeader(next: UInt8, units: Int = 0) -> [UInt8] {
    let size = 8 * (units + 1)
    // PadN option (type 1) filling the rest (RFC 8200 §4.2).
    return [next, UInt8(units), 1, UInt8(size - 4)] + [UInt8](repeating: 0, count: size - 4)
}

/// An IPv6 fragment header (RFC 8200 §4.5).
func fragmentHeader(next: UInt8, offset: Int, more: Bool, id: UInt32) -> [UInt8] {
    [next, 0] + be16((offset / 8) << 3 | (more ? 1 : 0)) + be32(id)
}

// MARK: Transport layer

/// The pseudo-header sum input for UDP/TCP checksums (RFC 768, RFC 8200 §8.1).
func pseudoHeader(src: [UInt8], dst: [UInt8], proto: UInt8, length: Int) -> [UInt8] {
    if src.count == 4 { return src + dst + [0, proto] + be16(length) }
    return src + dst + be32(UInt32(length)) + [0, 0, 0, proto]
}

/// A UDP datagram (RFC 768) with a correct checksum for `src`/`dst`.
func udp(_ sport: Int, _ dport: Int, src: [UInt8] = v4("10.0.0.1"), dst: [UInt8] = v4("10.0.0.2"), length: Int? = nil, payload: [UInt8]) -> [UInt8] {
    let len = 8 + payload.count
    var d = be16(sport) + be16(dport) + be16(length ?? len) + [0, 0] + payload
    var sum = internetChecksum(pseudoHeader(src: src, dst: dst, proto: 17, length: len) + d)
    if sum == 0 { sum = 0xFFFF }
    d[6] = UInt8(sum >> 8)
    d[7] = UInt8(sum & 0xFF)
    return d
}

/// A TCP segment (RFC 9293 §3.1), 20-byte header, checksum over the IPv4 pseudo-header.
func tcp(
    _ sport: Int, _ dport: Int, seq: UInt32, ack: UInt32 = 0, flags: UInt8 = 0x18, dataOffset: Int = 5,
    src: [UInt8] = v4("10.0.0.1"), dst: [UInt8] = v4("10.0.0.2"), payload: [UInt8]
) -> [UInt8] {
    var d = be16(sport) + be16(dport) + be32(seq) + be32(ack) + [UInt8(dataOffset << 4), flags] + be16(65535) + [0, 0, 0, 0]
    d += payload
    let sum = internetChecksum(pseudoHeader(src: src, dst: dst, proto: 6, length: d.count) + d)
    d[16] = UInt8(sum >> 8)
    d[17] = UInt8(sum & 0xFF)
    return d
}

// MARK: Link layer

let macA: [UInt8] = [0x00, 0x11, 0x22, 0x33, 0x44, 0x55]
let macB: [UInt8] = [0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB]

/// Ethernet II: destination, source, then (TPID, TCI) per tag, then the EtherType.
func ethernet(type: Int = 0x0800, tags: [(tpid: Int, vid: Int)] = [], payload: [UInt8]) -> [UInt8] {
    var f = macB + macA
    for t in tags { f += be16(t.tpid) + be16(t.vid) }
    return f + be16(type) + payload
}

/// Linux cooked capture v1 (16 bytes): packet type, ARPHRD_ETHER, address length 6, address (8), protocol.
func sll(packetType: Int = 0, type: Int = 0x0800, payload: [UInt8]) -> [UInt8] {
    be16(packetType) + be16(1) + be16(6) + macA + [0, 0] + be16(type) + payload
}

/// Linux cooked capture v2 (20 bytes): protocol, reserved, ifindex, ARPHRD_ETHER, packet type, address length, address (8).
func sll2(packetType: UInt8 = 4, type: Int = 0x86DD, ifindex: UInt32 = 3, payload: [UInt8]) -> [UInt8] {
    be16(type) + [0, 0] + be32(ifindex) + be16(1) + [packetType, 6] + macA + [0, 0] + payload
}

func frame(_ data: [UInt8], link: LinkType = .ethernet, number: Int = 1, seconds: Int64 = 1_700_000_000, originalLength: Int? = nil) -> Frame {
    Frame(
        number: number, timestamp: Timestamp(seconds: seconds, nanoseconds: 0), originalLength: originalLength ?? data.count,
        linkType: link, interfaceID: 0, data: data)
}

// MARK: Media

/// An RTP header (RFC 3550 §5.1) and payload.
func rtp(
    pt: UInt8 = 0, seq: Int = 1, ts: UInt32 = 160, ssrc: UInt32 = 0xDEAD_BEEF, marker: Bool = false,
    csrcs: [UInt32] = [], ccOverride: Int? = nil, padding: Int = 0, paddingCountOverride: UInt8? = nil,
    extensionProfile: Int? = nil, extensionData: [UInt8] = [], extensionWordsOverride: Int? = nil, payload: [UInt8] = [0xAA, 0xBB, 0xCC, 0xDD]
) -> [UInt8] {
    var b0 = 0x80 | UInt8(ccOverride ?? csrcs.count)
    if padding > 0 || paddingCountOverride != nil { b0 |= 0x20 }
    if extensionProfile != nil { b0 |= 0x10 }
    var p: [UInt8] = [b0, (marker ? 0x80 : 0) | pt] + be16(seq) + be32(ts) + be32(ssrc)
    for c in csrcs { p += be32(c) }
    if let prof = extensionProfile {
        p += be16(prof) + be16(extensionWordsOverride ?? extensionData.count / 4) + extensionData
    }
    p += payload
    if padding > 0 { p += [UInt8](repeating: 0, count: padding - 1) + [UInt8(padding)] }
    if let o = paddingCountOverride { p += [o] }
    return p
}

/// A full Ethernet/IPv4/UDP frame around `payload`.
func udpFrame(_ payload: [UInt8], sport: Int = 10000, dport: Int = 20000, number: Int = 1) -> Frame {
    frame(ethernet(payload: ipv4(payload: udp(sport, dport, payload: payload))), number: number)
}
