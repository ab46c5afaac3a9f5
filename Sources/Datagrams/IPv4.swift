/// An IPv4 header (RFC 791 §3.1), with offsets into the frame for its options and payload.
public struct IPv4Header: Hashable, Sendable {
    public var source: IPAddress
    public var destination: IPAddress
    /// Header length in bytes (IHL × 4).
    public var headerLength: Int
    public var typeOfService: UInt8
    public var totalLength: Int
    public var identification: UInt16
    public var dontFragment: Bool
    public var moreFragments: Bool
    /// Fragment offset in bytes (the field × 8).
    public var fragmentOffset: Int
    public var ttl: UInt8
    public var protocolNumber: UInt8
    public var checksum: UInt16
    /// Whether the header checksum verifies (RFC 791 §3.1, RFC 1071).
    public var checksumValid: Bool
    /// Absolute range of the options in the frame (empty when IHL is 5).
    public var optionsRange: Range<Int>
    /// Absolute range of the payload that was captured.
    public var payloadRange: Range<Int>
    /// The payload length the header declares (total length − header length).
    public var declaredPayloadLength: Int
    /// The capture cut the datagram short (snap length); not an error.
    public var truncated: Bool

    /// True when this datagram is one fragment of a larger one (RFC 791 §2.3).
    public var isFragment: Bool { moreFragments || fragmentOffset != 0 }

    /// Parses an IPv4 header at the start of `bytes`.
    ///
    /// `uncapturedBytes` is how many bytes of the frame the capture dropped (original − captured length):
    /// a total length reaching into them marks the datagram `truncated`; one reaching past the frame
    /// on the wire is an error, as is an IHL below 5 (RFC 791 §3.1). Bytes after the total length
    /// (Ethernet padding) are excluded from the payload.
    public static func parse(_ bytes: ArraySlice<UInt8>, uncapturedBytes: Int = 0) throws(ParseError) -> IPv4Header {
        try parse(source: bytes, uncapturedBytes: uncapturedBytes)
    }

    /// The body of `parse(_:uncapturedBytes:)` over any byte source (the decoder passes a `ByteView`).
    @inline(__always)
    static func parse<B: ByteSource>(source bytes: B, uncapturedBytes: Int) throws(ParseError) -> IPv4Header {
        let s = bytes.startIndex
        guard let vihl = bytes.u8(at: s), let tos = bytes.u8(at: s + 1), let total = bytes.be16(at: s + 2),
            let ident = bytes.be16(at: s + 4), let frag = bytes.be16(at: s + 6), let ttl = bytes.u8(at: s + 8),
            let proto = bytes.u8(at: s + 9), let sum = bytes.be16(at: s + 10),
            let src = IPAddress.v4(bytes, at: s + 12), let dst = IPAddress.v4(bytes, at: s + 16)
        else { throw .truncated("ipv4", field: "ip", need: 20, have: bytes.count) }
        guard vihl >> 4 == 4 else {
            throw ParseError(code: "ipv4.version", field: "ip.version", "version \(vihl >> 4), expected 4")
        }
        let ihl = Int(vihl & 0x0F) * 4
        guard ihl >= 20 else {
            throw ParseError(code: "ipv4.ihl", field: "ip.hdr_len", "header length \(ihl) is below the minimum 20")
        }
        guard bytes.has(ihl, at: s) else {
            throw .truncated("ipv4", field: "ip.options", need: ihl, have: bytes.count)
        }
        let totalLength = Int(total)
        guard totalLength >= ihl else {
            throw ParseError(
                code: "ipv4.total-length", field: "ip.len",
                "total length \(totalLength) is shorter than the header (\(ihl))")
        }
        var truncated = false
        if totalLength > bytes.count {
            guard totalLength <= bytes.count + max(0, uncapturedBytes) else {
                throw ParseError(
                    code: "ipv4.total-length", field: "ip.len",
                    "total length \(totalLength) runs past the frame (\(bytes.count) bytes of IP)")
            }
            truncated = true
        }
        let end = s + min(totalLength, bytes.count)
        let valid = foldChecksum(bytes.onesComplementSum(s..<(s + ihl))) == 0xFFFF
        return IPv4Header(
            source: src, destination: dst, headerLength: ihl, typeOfService: tos, totalLength: totalLength,
            identification: ident, dontFragment: frag & 0x4000 != 0, moreFragments: frag & 0x2000 != 0,
            fragmentOffset: Int(frag & 0x1FFF) * 8, ttl: ttl, protocolNumber: proto, checksum: sum,
            checksumValid: valid, optionsRange: (s + 20)..<(s + ihl), payloadRange: (s + ihl)..<end,
            declaredPayloadLength: totalLength - ihl, truncated: truncated)
    }

    /// One IPv4 option: its type byte and the absolute range of the whole option.
    public struct Option: Hashable, Sendable {
        public var type: UInt8
        public var range: Range<Int>
    }

    /// Walks the options (RFC 791 §3.1: End of Option List and No-Operation are one byte, the others
    /// carry a length that counts the type and length bytes). Throws on a length that is below 2 or
    /// runs past the header.
    public func options(in frame: [UInt8]) throws(ParseError) -> [Option] {
        guard optionsRange.upperBound <= frame.count else { return [] }
        let o = frame[optionsRange]
        var out: [Option] = []
        var i = o.startIndex
        while i < o.endIndex {
            guard let t = o.u8(at: i) else { break }
            if t == 0 {
                out.append(Option(type: 0, range: i..<(i + 1)))
                break
            }
            if t == 1 {
                out.append(Option(type: 1, range: i..<(i + 1)))
                i += 1
                continue
            }
            guard let l = o.u8(at: i + 1), l >= 2, o.has(Int(l), at: i) else {
                throw ParseError(
                    code: "ipv4.option-length", field: "ip.opt.len", "option \(t) length runs past the header")
            }
            out.append(Option(type: t, range: i..<(i + Int(l))))
            i += Int(l)
        }
        return out
    }
}
