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
        var header = IPv4Header.empty
        try bytes.withByteView { (view) throws(ParseError) in
            try parse(source: view, uncapturedBytes: uncapturedBytes, into: &header)
        }
        return header
    }

    /// A header with every field zero: the initial content of a `DecodedFrame`'s IPv4 slot.
    static let empty = IPv4Header(
        source: IPAddress(v4: 0), destination: IPAddress(v4: 0), headerLength: 20, typeOfService: 0, totalLength: 20,
        identification: 0, dontFragment: false, moreFragments: false, fragmentOffset: 0, ttl: 0, protocolNumber: 0,
        checksum: 0, checksumValid: false, optionsRange: 0..<0, payloadRange: 0..<0, declaredPayloadLength: 0,
        truncated: false)

    /// Parses into `header`, field by field: the decoder's form, which writes the header once, where the
    /// `DecodedFrame` keeps it. On a throw, `header` is partly written and must not be used.
    @inline(__always)
    static func parse(source bytes: ByteView, uncapturedBytes: Int, into header: inout IPv4Header)
        throws(ParseError)
    {
        let s = bytes.startIndex
        guard let h = bytes.fixed(20, at: s) else { throw .truncated("ipv4", field: "ip", need: 20, have: bytes.count) }
        let vihl = h.u8(0)
        let tos = h.u8(1)
        let total = h.be16(2)
        let ident = h.be16(4)
        let frag = h.be16(6)
        let ttl = h.u8(8)
        let proto = h.u8(9)
        let sum = h.be16(10)
        let src = h.be32(12)
        let dst = h.be32(16)
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
        header.source = IPAddress(v4: src)
        header.destination = IPAddress(v4: dst)
        header.headerLength = ihl
        header.typeOfService = tos
        header.totalLength = totalLength
        header.identification = ident
        header.dontFragment = frag & 0x4000 != 0
        header.moreFragments = frag & 0x2000 != 0
        header.fragmentOffset = Int(frag & 0x1FFF) * 8
        header.ttl = ttl
        header.protocolNumber = proto
        header.checksum = sum
        header.checksumValid = ihl == 20 ? headerChecksumVerifies(h) : headerChecksumVerifies(bytes, at: s, length: ihl)
        header.optionsRange = (s + 20)..<(s + ihl)
        header.payloadRange = (s + ihl)..<end
        header.declaredPayloadLength = totalLength - ihl
        header.truncated = truncated
    }

    /// Whether the header checksum verifies (RFC 791 §3.1): the one's-complement sum of the header,
    /// checksum included, is all ones. Summed in 32-bit words, which RFC 1071 §2(B) allows (the sum is
    /// independent of the word size once folded): 5 loads for a header without options instead of 10.
    /// `length` (IHL × 4, a multiple of 4) bytes at `s` are known to be inside `bytes`.
    @inline(__always)
    static func headerChecksumVerifies(_ h: FixedBytes) -> Bool {
        let sum =
            UInt64(h.be32(0)) &+ UInt64(h.be32(4)) &+ UInt64(h.be32(8)) &+ UInt64(h.be32(12)) &+ UInt64(h.be32(16))
        return foldChecksum(sum) == 0xFFFF
    }

    /// The same for a header with options, `length` bytes at `s`.
    @inline(__always)
    static func headerChecksumVerifies<B: ByteSource>(_ bytes: B, at s: Int, length: Int) -> Bool {
        var sum: UInt64 = 0
        var i = s
        let end = s + length
        while i < end {
            sum &+= UInt64(bytes.be32(at: i) ?? 0)
            i &+= 4
        }
        return foldChecksum(sum) == 0xFFFF
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
