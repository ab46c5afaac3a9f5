/// An IPv4 or IPv6 address, stored inline in two words so that it is cheap to copy, hash and compare.
///
/// IPv4 addresses keep their 32 bits in the low half of `low`; the `family` keeps `10.0.0.1` apart from
/// the IPv6 address `::a00:1`. The text form follows RFC 5952 for IPv6 (lower-case hex, no leading
/// zeros, the longest run of two or more zero groups shortened to `::`, the first run on a tie, and
/// IPv4-mapped addresses written `::ffff:192.0.2.1`, RFC 5952 §5) and dotted quad for IPv4.
public struct IPAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    public enum Family: UInt8, Hashable, Sendable, Comparable {
        case v4 = 4
        case v6 = 6
        public static func < (a: Family, b: Family) -> Bool { a.rawValue < b.rawValue }
    }

    public let family: Family
    /// The first 64 bits of an IPv6 address (0 for IPv4).
    public let high: UInt64
    /// The last 64 bits of an IPv6 address, or the IPv4 address in the low 32 bits.
    public let low: UInt64

    /// An IPv4 address from its 32-bit value in host order (`0x0A000001` is 10.0.0.1).
    public init(v4 value: UInt32) {
        family = .v4
        high = 0
        low = UInt64(value)
    }

    /// An IPv6 address from its two 64-bit halves in host order.
    public init(v6High high: UInt64, low: UInt64) {
        family = .v6
        self.high = high
        self.low = low
    }

    /// Reads an IPv4 address (4 bytes) at absolute index `i` of `bytes`.
    @inline(__always)
    static func v4<B: ByteSource>(_ bytes: B, at i: Int) -> IPAddress? {
        guard let v = bytes.be32(at: i) else { return nil }
        return IPAddress(v4: v)
    }

    /// Reads an IPv6 address (16 bytes) at absolute index `i` of `bytes`.
    @inline(__always)
    static func v6<B: ByteSource>(_ bytes: B, at i: Int) -> IPAddress? {
        guard let h = bytes.be64(at: i), let l = bytes.be64(at: i &+ 8) else { return nil }
        return IPAddress(v6High: h, low: l)
    }

    /// The IPv4 value (meaningful when `family == .v4`).
    public var v4Value: UInt32 { UInt32(truncatingIfNeeded: low) }

    /// The address in network byte order (4 or 16 bytes).
    public var bytes: [UInt8] {
        switch family {
        case .v4: return (0..<4).map { UInt8(truncatingIfNeeded: low >> (24 - 8 * $0)) }
        case .v6:
            return (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * $0)) }
                + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * $0)) }
        }
    }

    public static func < (a: IPAddress, b: IPAddress) -> Bool {
        (a.family, a.high, a.low) < (b.family, b.high, b.low)
    }

    public var description: String {
        switch family {
        case .v4: return Self.dotted(v4Value)
        case .v6: return v6Text
        }
    }

    private static func dotted(_ v: UInt32) -> String {
        "\(v >> 24).\(v >> 16 & 0xFF).\(v >> 8 & 0xFF).\(v & 0xFF)"
    }

    private var v6Text: String {
        // RFC 5952 §5: IPv4-mapped addresses (::ffff:0:0/96) keep the dotted quad.
        if high == 0 && low >> 32 == 0xFFFF {
            return "::ffff:" + Self.dotted(UInt32(truncatingIfNeeded: low))
        }
        var groups = [UInt16](repeating: 0, count: 8)
        for k in 0..<4 {
            groups[k] = UInt16(truncatingIfNeeded: high >> (48 - 16 * k))
            groups[k + 4] = UInt16(truncatingIfNeeded: low >> (48 - 16 * k))
        }
        // RFC 5952 §4.2: shorten the longest run of zero groups (two or more), the first on a tie.
        var bestStart = -1
        var bestLength = 1
        var k = 0
        while k < 8 {
            if groups[k] == 0 {
                var e = k
                while e < 8 && groups[e] == 0 { e += 1 }
                if e - k > bestLength {
                    bestStart = k
                    bestLength = e - k
                }
                k = e
            } else {
                k += 1
            }
        }
        var s = ""
        k = 0
        while k < 8 {
            if k == bestStart {
                s += "::"
                k += bestLength
                continue
            }
            if !s.isEmpty && !s.hasSuffix(":") { s += ":" }
            s += String(groups[k], radix: 16)
            k += 1
        }
        return s
    }

    /// Parses the text form of an address: dotted-quad IPv4 or any valid IPv6 text (RFC 4291 §2.2,
    /// including `::` and a trailing dotted quad). Returns nil for anything else (no zone identifiers).
    public init?(_ text: some StringProtocol) {
        if let v = Self.parseV4(Substring(text)) {
            self.init(v4: v)
            return
        }
        guard let (h, l) = Self.parseV6(Substring(text)) else { return nil }
        self.init(v6High: h, low: l)
    }

    private static func parseV4(_ s: Substring) -> UInt32? {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var v: UInt32 = 0
        for p in parts {
            guard !p.isEmpty, p.count <= 3, p.allSatisfy({ $0.isASCII && $0.isNumber }),
                let n = UInt32(p), n <= 255
            else { return nil }
            v = v << 8 | n
        }
        return v
    }

    private static func parseV6(_ s: Substring) -> (UInt64, UInt64)? {
        guard s.count >= 2, s.count <= 45 else { return nil }
        var head: [UInt16] = []
        var tail: [UInt16] = []
        let halves = s.split(separator: "::", omittingEmptySubsequences: false).map(String.init)
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String, allowV4: Bool) -> [UInt16]? {
            if part.isEmpty { return [] }
            var out: [UInt16] = []
            let fields = part.split(separator: ":", omittingEmptySubsequences: false)
            for (i, f) in fields.enumerated() {
                if allowV4 && i == fields.count - 1 && f.contains(".") {
                    guard let v = parseV4(f) else { return nil }
                    out.append(UInt16(v >> 16))
                    out.append(UInt16(v & 0xFFFF))
                } else {
                    guard !f.isEmpty, f.count <= 4, let g = UInt16(f, radix: 16) else { return nil }
                    out.append(g)
                }
            }
            return out
        }
        if halves.count == 2 {
            guard let h = groups(halves[0], allowV4: false), let t = groups(halves[1], allowV4: true),
                h.count + t.count <= 7
            else { return nil }
            head = h
            tail = t
        } else {
            guard let h = groups(halves[0], allowV4: true), h.count == 8 else { return nil }
            head = h
        }
        let all = head + [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail
        var hi: UInt64 = 0
        var lo: UInt64 = 0
        for k in 0..<4 {
            hi = hi << 16 | UInt64(all[k])
            lo = lo << 16 | UInt64(all[k + 4])
        }
        return (hi, lo)
    }
}

/// A transport endpoint: an address and a UDP or TCP port.
///
/// Text form `192.0.2.1:5060`, or `[2001:db8::1]:5060` for IPv6 (RFC 5952 §6).
public struct Endpoint: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var address: IPAddress
    public var port: UInt16

    public init(_ address: IPAddress, _ port: UInt16) {
        self.address = address
        self.port = port
    }

    public static func < (a: Endpoint, b: Endpoint) -> Bool { (a.address, a.port) < (b.address, b.port) }

    public var description: String {
        switch address.family {
        case .v4: "\(address):\(port)"
        case .v6: "[\(address)]:\(port)"
        }
    }
}
