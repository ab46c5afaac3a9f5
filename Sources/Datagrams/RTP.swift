/// An RTP fixed header (RFC 3550 §5.1) with its CSRC list, header extension (RFC 3550 §5.3.1) and
/// padding, all as offsets into the bytes parsed.
///
/// Over SRTP (RFC 3711 §3.1) the header is in the clear, so this parses SRTP packets too; the padding
/// count, though, is then inside the encrypted part and the last byte is the authentication tag, so
/// `paddingLength` is only meaningful for plain RTP.
public struct RTPHeader: Hashable, Sendable {
    public var version: UInt8
    public var padding: Bool
    public var hasExtension: Bool
    public var csrcCount: Int
    public var marker: Bool
    public var payloadType: UInt8
    public var sequenceNumber: UInt16
    public var timestamp: UInt32
    public var ssrc: UInt32
    /// Absolute range of the CSRC identifiers (4 bytes each).
    public var csrcRange: Range<Int>
    public var `extension`: Extension?
    /// Bytes of header: fixed part, CSRCs and extension.
    public var headerLength: Int
    /// Absolute range of the payload after the header (padding included; see `paddingLength`).
    public var payloadRange: Range<Int>
    /// The padding count from the last byte when P is set (RFC 3550 §5.1), else 0.
    public var paddingLength: Int

    /// A header extension: the 16-bit profile field and the absolute range of its data.
    public struct Extension: Hashable, Sendable {
        public var profile: UInt16
        /// Length in 32-bit words, as the field says.
        public var lengthWords: Int
        public var dataRange: Range<Int>

        /// One element of an RFC 8285 extension.
        public struct Element: Hashable, Sendable {
            public var id: UInt8
            public var range: Range<Int>
        }

        /// RFC 8285 §4.2: profile 0xBEDE, one-byte headers.
        public var isOneByte: Bool { profile == 0xBEDE }
        /// RFC 8285 §4.3: profile 0x100X, two-byte headers.
        public var isTwoByte: Bool { profile & 0xFFF0 == 0x1000 }

        /// The RFC 8285 elements in `bytes` (the same buffer the header was parsed from).
        ///
        /// One-byte form: 4-bit ID and 4-bit length − 1; ID 0 is a padding byte and ID 15 stops the walk
        /// (§4.2). Two-byte form: 8-bit ID and 8-bit length; a zero byte is padding (§4.3). Throws on an
        /// element running past the extension; returns [] for other profiles.
        public func elements(in bytes: ArraySlice<UInt8>) throws(ParseError) -> [Element] {
            guard isOneByte || isTwoByte, dataRange.upperBound <= bytes.endIndex,
                dataRange.lowerBound >= bytes.startIndex
            else { return [] }
            let data = bytes[dataRange]
            var out: [Element] = []
            var i = data.startIndex
            while i < data.endIndex, let b = data.u8(at: i) {
                if b == 0 {
                    i += 1
                    continue
                }
                let id: UInt8
                let length: Int
                if isOneByte {
                    id = b >> 4
                    if id == 15 { break }
                    length = Int(b & 0x0F) + 1
                    i += 1
                } else {
                    guard let l = data.u8(at: i + 1) else {
                        throw ParseError(
                            code: "rtp.ext-element", field: "rtp.ext.len", "element header runs past the extension")
                    }
                    id = b
                    length = Int(l)
                    i += 2
                }
                guard data.has(length, at: i) else {
                    throw ParseError(
                        code: "rtp.ext-element", field: "rtp.ext.len",
                        "element \(id) of \(length) bytes runs past the extension")
                }
                out.append(Element(id: id, range: i..<(i + length)))
                i += length
            }
            return out
        }
    }

    /// The CSRC identifiers, read from `bytes` (the buffer the header was parsed from).
    public func csrcs(in bytes: ArraySlice<UInt8>) -> [UInt32] {
        stride(from: csrcRange.lowerBound, to: csrcRange.upperBound, by: 4).compactMap { bytes.be32(at: $0) }
    }

    /// Parses the RTP header at the start of `bytes`.
    ///
    /// Throws when the version is not 2, when the fixed header, the CSRC list or the extension runs past
    /// the packet, or when the padding count is zero or larger than the payload.
    public static func parse(_ bytes: ArraySlice<UInt8>) throws(ParseError) -> RTPHeader {
        try parse(source: bytes)
    }

    /// Whether `parse(source:)` would succeed, without building the header: the classifier's question,
    /// asked of every RTP-looking datagram. The same checks in the same order as `parse(source:)`
    /// (a test holds the two to agreeing on random bytes).
    @inline(__always)
    /// `checkPadding: false` accepts a padding count that does not fit: the classifier's case, since in
    /// SRTP the count is the last byte of the encrypted payload, followed by the tag (RFC 3711 §3.1).
    static func isValid<B: ByteSource>(source bytes: B, checkPadding: Bool = true) -> Bool {
        let s = bytes.startIndex
        guard bytes.has(12, at: s), let b0 = bytes.u8(at: s), b0 >> 6 == 2 else { return false }
        var offset = s + 12 + 4 * Int(b0 & 0x0F)
        guard offset <= bytes.endIndex else { return false }
        if b0 & 0x10 != 0 {
            guard bytes.has(4, at: offset), let words = bytes.be16(at: offset + 2) else { return false }
            let length = Int(words) * 4
            guard bytes.has(length, at: offset + 4) else { return false }
            offset += 4 + length
        }
        if checkPadding, b0 & 0x20 != 0 {
            let p = Int(bytes.u8(at: bytes.endIndex - 1) ?? 0)
            guard p > 0, p <= bytes.endIndex - offset else { return false }
        }
        return true
    }

    /// Whether `parse(_:)` would succeed on `bytes` (for tests of the classifier's shortcut).
    static func isValid(_ bytes: ArraySlice<UInt8>) -> Bool { isValid(source: bytes) }

    /// The body of `parse(_:)` over any byte source (the classifier passes a `ByteView`).
    @inline(__always)
    static func parse<B: ByteSource>(source bytes: B) throws(ParseError) -> RTPHeader {
        let s = bytes.startIndex
        guard let b0 = bytes.u8(at: s), let b1 = bytes.u8(at: s + 1), let seq = bytes.be16(at: s + 2),
            let ts = bytes.be32(at: s + 4), let ssrc = bytes.be32(at: s + 8)
        else { throw .truncated("rtp", field: "rtp", need: 12, have: bytes.count) }
        guard b0 >> 6 == 2 else {
            throw ParseError(code: "rtp.version", field: "rtp.version", "version \(b0 >> 6), expected 2")
        }
        let cc = Int(b0 & 0x0F)
        var offset = s + 12
        guard bytes.has(4 * cc, at: offset) else {
            throw ParseError(
                code: "rtp.csrc-count", field: "rtp.cc",
                "\(cc) CSRCs need \(12 + 4 * cc) bytes, packet has \(bytes.count)")
        }
        let csrcRange = offset..<(offset + 4 * cc)
        offset += 4 * cc
        var ext: Extension?
        if b0 & 0x10 != 0 {
            guard let profile = bytes.be16(at: offset), let words = bytes.be16(at: offset + 2) else {
                throw ParseError(
                    code: "rtp.extension-length", field: "rtp.ext", "extension header runs past the packet")
            }
            let length = Int(words) * 4
            guard bytes.has(length, at: offset + 4) else {
                throw ParseError(
                    code: "rtp.extension-length", field: "rtp.ext.len",
                    "extension of \(length) bytes runs past the packet")
            }
            ext = Extension(profile: profile, lengthWords: Int(words), dataRange: (offset + 4)..<(offset + 4 + length))
            offset += 4 + length
        }
        var paddingLength = 0
        if b0 & 0x20 != 0 {
            let p = Int(bytes.u8(at: bytes.endIndex - 1) ?? 0)
            guard p > 0, p <= bytes.endIndex - offset else {
                throw ParseError(
                    code: "rtp.padding", field: "rtp.padding.count",
                    "padding count \(p) does not fit the \(bytes.endIndex - offset)-byte payload")
            }
            paddingLength = p
        }
        return RTPHeader(
            version: 2, padding: b0 & 0x20 != 0, hasExtension: b0 & 0x10 != 0, csrcCount: cc,
            marker: b1 & 0x80 != 0, payloadType: b1 & 0x7F, sequenceNumber: seq, timestamp: ts, ssrc: ssrc,
            csrcRange: csrcRange, extension: ext, headerLength: offset - s, payloadRange: offset..<bytes.endIndex,
            paddingLength: paddingLength)
    }
}
