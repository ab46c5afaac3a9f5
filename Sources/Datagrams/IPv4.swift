/// An IPv4 header (RFC 791 §3.1), with offsets into the frame for its options and payload.
///
/// The header's own fields are views of its fixed 20 bytes, kept as read (three words, network order
/// as numbers): the decoder rewrites this header for every frame, and one store per word replaces
/// seventeen field stores and the shifts and masks that went with them (Docs/PERFORMANCE.md,
/// "Classify-only pass, third round"). A setter writes its field's bits, so a value wider than the
/// field is cut to it, as it would be on the wire (`headerLength` to a multiple of 4 up to 60,
/// `fragmentOffset` to a multiple of 8 up to 65,528, an address to its IPv4 value).
public struct IPv4Header: Hashable, Sendable, CustomStringConvertible {
    /// Bytes 0–7 as a big-endian number: version and IHL, type of service, total length,
    /// identification, flags and fragment offset.
    var word0: UInt64
    /// Bytes 8–15: TTL, protocol, header checksum, source address.
    var word1: UInt64
    /// Bytes 16–19: destination address.
    var word2: UInt32

    public var source: IPAddress {
        get { IPAddress(v4: UInt32(truncatingIfNeeded: word1)) }
        set { word1 = word1 & 0xFFFF_FFFF_0000_0000 | UInt64(newValue.v4Value) }
    }
    public var destination: IPAddress {
        get { IPAddress(v4: word2) }
        set { word2 = newValue.v4Value }
    }
    /// Header length in bytes (IHL × 4).
    public var headerLength: Int {
        get { Int(word0 >> 56 & 0x0F) * 4 }
        set { word0 = word0 & ~(0x0F << 56) | UInt64(newValue / 4 & 0x0F) << 56 }
    }
    public var typeOfService: UInt8 {
        get { UInt8(truncatingIfNeeded: word0 >> 48) }
        set { word0 = word0 & ~(0xFF << 48) | UInt64(newValue) << 48 }
    }
    public var totalLength: Int {
        get { Int(word0 >> 32 & 0xFFFF) }
        set { word0 = word0 & ~(0xFFFF << 32) | UInt64(UInt16(truncatingIfNeeded: newValue)) << 32 }
    }
    public var identification: UInt16 {
        get { UInt16(truncatingIfNeeded: word0 >> 16) }
        set { word0 = word0 & ~(0xFFFF << 16) | UInt64(newValue) << 16 }
    }
    public var dontFragment: Bool {
        get { word0 & 0x4000 != 0 }
        set { word0 = newValue ? word0 | 0x4000 : word0 & ~0x4000 }
    }
    public var moreFragments: Bool {
        get { word0 & 0x2000 != 0 }
        set { word0 = newValue ? word0 | 0x2000 : word0 & ~0x2000 }
    }
    /// Fragment offset in bytes (the field × 8).
    public var fragmentOffset: Int {
        get { Int(word0 & 0x1FFF) * 8 }
        set { word0 = word0 & ~0x1FFF | UInt64(newValue / 8 & 0x1FFF) }
    }
    public var ttl: UInt8 {
        get { UInt8(truncatingIfNeeded: word1 >> 56) }
        set { word1 = word1 & ~(0xFF << 56) | UInt64(newValue) << 56 }
    }
    public var protocolNumber: UInt8 {
        get { UInt8(truncatingIfNeeded: word1 >> 48) }
        set { word1 = word1 & ~(0xFF << 48) | UInt64(newValue) << 48 }
    }
    public var checksum: UInt16 {
        get { UInt16(truncatingIfNeeded: word1 >> 32) }
        set { word1 = word1 & ~(0xFFFF << 32) | UInt64(newValue) << 32 }
    }
    /// Whether the header checksum verifies (RFC 791 §3.1, RFC 1071).
    public var checksumValid: Bool
    /// The capture cut the datagram short (snap length); not an error.
    public var truncated: Bool
    /// Absolute range of the options in the frame (empty when IHL is 5).
    public var optionsRange: Range<Int>
    /// Absolute range of the payload that was captured.
    public var payloadRange: Range<Int>
    /// The payload length the header declares (total length − header length).
    public var declaredPayloadLength: Int

    /// A header of the given fields (the memberwise form; the fields are stored as the header's bytes).
    init(
        source: IPAddress, destination: IPAddress, headerLength: Int, typeOfService: UInt8, totalLength: Int,
        identification: UInt16, dontFragment: Bool, moreFragments: Bool, fragmentOffset: Int, ttl: UInt8,
        protocolNumber: UInt8, checksum: UInt16, checksumValid: Bool, optionsRange: Range<Int>,
        payloadRange: Range<Int>, declaredPayloadLength: Int, truncated: Bool
    ) {
        word0 = 4 << 60
        word1 = 0
        word2 = 0
        self.checksumValid = checksumValid
        self.truncated = truncated
        self.optionsRange = optionsRange
        self.payloadRange = payloadRange
        self.declaredPayloadLength = declaredPayloadLength
        self.source = source
        self.destination = destination
        self.headerLength = headerLength
        self.typeOfService = typeOfService
        self.totalLength = totalLength
        self.identification = identification
        self.dontFragment = dontFragment
        self.moreFragments = moreFragments
        self.fragmentOffset = fragmentOffset
        self.ttl = ttl
        self.protocolNumber = protocolNumber
        self.checksum = checksum
    }

    public var description: String {
        "IPv4Header(source: \(source), destination: \(destination), headerLength: \(headerLength), "
            + "typeOfService: \(typeOfService), totalLength: \(totalLength), identification: \(identification), "
            + "dontFragment: \(dontFragment), moreFragments: \(moreFragments), fragmentOffset: \(fragmentOffset), "
            + "ttl: \(ttl), protocolNumber: \(protocolNumber), checksum: \(checksum), checksumValid: \(checksumValid), "
            + "optionsRange: \(optionsRange), payloadRange: \(payloadRange), "
            + "declaredPayloadLength: \(declaredPayloadLength), truncated: \(truncated))"
    }

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
        let w0 = h.be64(0)
        let w1 = h.be64(8)
        let w2 = h.be32(16)
        let vihl = UInt8(truncatingIfNeeded: w0 >> 56)
        guard vihl >> 4 == 4 else { throw versionError(vihl) }
        let ihl = Int(vihl & 0x0F) * 4
        guard ihl >= 20 else { throw headerLengthError(ihl) }
        guard bytes.has(ihl, at: s) else { throw .truncated("ipv4", field: "ip.options", need: ihl, have: bytes.count) }
        let totalLength = Int(w0 >> 32 & 0xFFFF)
        guard totalLength >= ihl else { throw totalLengthError(totalLength, shorterThan: ihl) }
        var truncated = false
        if totalLength > bytes.count {
            guard totalLength <= bytes.count + max(0, uncapturedBytes) else {
                throw totalLengthError(totalLength, pastFrame: bytes.count)
            }
            truncated = true
        }
        let end = s + min(totalLength, bytes.count)
        header.word0 = w0
        header.word1 = w1
        header.word2 = w2
        // RFC 1071 §2(B): the sum of the five 32-bit words, folded, equals the 16-bit sum.
        header.checksumValid =
            ihl == 20
            ? foldChecksum((w0 >> 32) &+ (w0 & 0xFFFF_FFFF) &+ (w1 >> 32) &+ (w1 & 0xFFFF_FFFF) &+ UInt64(w2))
                == 0xFFFF
            : headerChecksumVerifies(bytes, at: s, length: ihl)
        header.truncated = truncated
        header.optionsRange = (s + 20)..<(s + ihl)
        header.payloadRange = (s + ihl)..<end
        header.declaredPayloadLength = totalLength - ihl
    }

    // The errors, built out of line: their messages are string interpolations, code the common path
    // should not carry.
    @inline(never)
    static func versionError(_ vihl: UInt8) -> ParseError {
        ParseError(code: "ipv4.version", field: "ip.version", "version \(vihl >> 4), expected 4")
    }

    @inline(never)
    static func headerLengthError(_ ihl: Int) -> ParseError {
        ParseError(code: "ipv4.ihl", field: "ip.hdr_len", "header length \(ihl) is below the minimum 20")
    }

    @inline(never)
    static func totalLengthError(_ totalLength: Int, shorterThan ihl: Int) -> ParseError {
        ParseError(
            code: "ipv4.total-length", field: "ip.len", "total length \(totalLength) is shorter than the header (\(ihl))")
    }

    @inline(never)
    static func totalLengthError(_ totalLength: Int, pastFrame count: Int) -> ParseError {
        ParseError(
            code: "ipv4.total-length", field: "ip.len",
            "total length \(totalLength) runs past the frame (\(count) bytes of IP)")
    }

    /// Whether the header checksum of a header with options verifies (RFC 791 §3.1): the one's-complement
    /// sum of the header, checksum included, is all ones. Summed in 32-bit words, which RFC 1071 §2(B)
    /// allows (the sum is independent of the word size once folded). `length` (IHL × 4, a multiple of 4)
    /// bytes at `s` are known to be inside `bytes`.
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
