import Datagrams

/// Builds IPv4 and IPv6 packets carrying UDP or TCP, with correct lengths and checksums, and splits
/// IPv4 packets into fragments. Pure byte assembly: nothing here parses.

/// RFC 1071 Internet checksum over `bytes`, continuing a partial sum (Datagrams' implementation).
func internetChecksum(_ bytes: [UInt8], initial: UInt32 = 0) -> UInt16 {
    InternetChecksum.finish(InternetChecksum.sum(bytes[...], initial: UInt64(initial)))
}

public enum IPProtocolNumber: UInt8, Sendable {
    case tcp = 6
    case udp = 17
}

/// TCP flags (RFC 9293 §3.1).
public struct TCPFlags: OptionSet, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let fin = TCPFlags(rawValue: 0x01)
    public static let syn = TCPFlags(rawValue: 0x02)
    public static let psh = TCPFlags(rawValue: 0x08)
    public static let ack = TCPFlags(rawValue: 0x10)
}

public enum IPPacketBuilder {
    /// Pseudo-header sum for the UDP/TCP checksum (RFC 768, RFC 9293 §3.1, RFC 8200 §8.1).
    static func pseudoHeaderSum(source: [UInt8], destination: [UInt8], proto: UInt8, length: Int) -> UInt32 {
        var sum: UInt32 = 0
        for addr in [source, destination] {
            var i = 0
            while i + 1 < addr.count {
                sum &+= UInt32(addr[i]) << 8 | UInt32(addr[i + 1])
                i += 2
            }
        }
        sum &+= UInt32(proto)
        sum &+= UInt32(truncatingIfNeeded: length >> 16) &+ UInt32(truncatingIfNeeded: length & 0xFFFF)
        return sum
    }

    /// A UDP datagram (header + payload) with its checksum.
    public static func udp(from source: Endpoint, to destination: Endpoint, payload: [UInt8]) -> [UInt8] {
        let length = 8 + payload.count
        var segment: [UInt8] =
            be16(source.port) + be16(destination.port) + be16(UInt16(truncatingIfNeeded: length)) + [0, 0]
        segment += payload
        var checksum = internetChecksum(
            segment,
            initial: pseudoHeaderSum(
                source: source.address, destination: destination.address, proto: 17, length: length))
        // RFC 768: a computed zero is sent as all ones (zero means "no checksum").
        if checksum == 0 { checksum = 0xFFFF }
        segment[6] = UInt8(checksum >> 8)
        segment[7] = UInt8(truncatingIfNeeded: checksum)
        return segment
    }

    /// A TCP segment with a 20-byte header (no options), window 64240.
    public static func tcp(
        from source: Endpoint, to destination: Endpoint, sequence: UInt32, acknowledgement: UInt32,
        flags: TCPFlags, options: [UInt8] = [], payload: [UInt8]
    ) -> [UInt8] {
        // Options are padded with end-of-list bytes to a multiple of 4 (RFC 9293 §3.1).
        // The data offset has 4 bits: at most 40 bytes of options are kept.
        let kept = Array(options.prefix(40))
        let padded = kept + [UInt8](repeating: 0, count: (4 - kept.count % 4) % 4)
        var segment: [UInt8] = be16(source.port) + be16(destination.port) + be32(sequence) + be32(acknowledgement)
        segment += [UInt8(5 + padded.count / 4) << 4, flags.rawValue] + be16(64240) + [0, 0] + [0, 0]
        segment += padded
        segment += payload
        let checksum = internetChecksum(
            segment,
            initial: pseudoHeaderSum(
                source: source.address, destination: destination.address, proto: 6, length: segment.count))
        segment[16] = UInt8(checksum >> 8)
        segment[17] = UInt8(truncatingIfNeeded: checksum)
        return segment
    }

    /// Wraps a transport segment in IPv4 (TTL 64, DF unless fragmenting) or IPv6 (hop limit 64).
    public static func ip(
        source: [UInt8], destination: [UInt8], proto: IPProtocolNumber, identification: UInt16,
        payload: [UInt8]
    ) -> [UInt8] {
        if source.count == 16 {
            var packet: [UInt8] =
                [0x60, 0, 0, 0] + be16(UInt16(truncatingIfNeeded: payload.count)) + [proto.rawValue, 64]
            packet += source + destination + payload
            return packet
        }
        return ipv4(
            source: source, destination: destination, proto: proto, identification: identification,
            flagsAndOffset: 0x4000, payload: payload)
    }

    static func ipv4(
        source: [UInt8], destination: [UInt8], proto: IPProtocolNumber, identification: UInt16,
        flagsAndOffset: UInt16, payload: [UInt8]
    ) -> [UInt8] {
        var header: [UInt8] = [0x45, 0] + be16(UInt16(truncatingIfNeeded: 20 + payload.count)) + be16(identification)
        header += be16(flagsAndOffset) + [64, proto.rawValue, 0, 0] + source + destination
        let checksum = internetChecksum(header)
        header[10] = UInt8(checksum >> 8)
        header[11] = UInt8(truncatingIfNeeded: checksum)
        return header + payload
    }

    /// Splits an IPv4 payload into fragments of at most `mtu` bytes each (RFC 791 §3.2: offsets in
    /// 8-byte units, MF set on all but the last), for SIP messages larger than the path MTU.
    public static func ipv4Fragments(
        source: [UInt8], destination: [UInt8], proto: IPProtocolNumber, identification: UInt16,
        payload: [UInt8], mtu: Int
    ) -> [[UInt8]] {
        let chunk = max(8, (mtu - 20) / 8 * 8)
        if payload.count <= chunk {
            return [
                ipv4(
                    source: source, destination: destination, proto: proto, identification: identification,
                    flagsAndOffset: 0, payload: payload)
            ]
        }
        var out: [[UInt8]] = []
        var offset = 0
        while offset < payload.count {
            let end = min(offset + chunk, payload.count)
            let more: UInt16 = end < payload.count ? 0x2000 : 0
            out.append(
                ipv4(
                    source: source, destination: destination, proto: proto, identification: identification,
                    flagsAndOffset: more | UInt16(offset / 8), payload: Array(payload[offset..<end])))
            offset = end
        }
        return out
    }
}
