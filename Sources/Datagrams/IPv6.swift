/// An IPv6 header (RFC 8200 §3) and the extension headers that follow it, walked up to a bound.
public struct IPv6Header: Hashable, Sendable {
    /// The most extension headers walked before the packet is reported: a chain longer than this is
    /// malformed or hostile (RFC 8200 §4.1 expects each header at most once or twice).
    public static let extensionHeaderLimit = 8

    public var source: IPAddress
    public var destination: IPAddress
    public var trafficClass: UInt8
    public var flowLabel: UInt32
    public var payloadLength: Int
    /// The Next Header of the fixed header.
    public var firstNextHeader: UInt8
    public var hopLimit: UInt8
    /// The extension header types walked, in order (packed: type `i` in bits 8i..8i+7).
    var packedExtensions: UInt64 = 0
    public private(set) var extensionHeaderCount = 0
    /// The upper-layer protocol after the extension headers (or, for a fragment, after the fragment header).
    public var upperProtocol: UInt8
    /// The fragment header, when there is one (RFC 8200 §4.5).
    public var fragment: Fragment?
    /// Absolute range of the captured upper-layer payload (for a fragment: the fragment's data).
    public var payloadRange: Range<Int>
    /// The payload length the headers declare for `payloadRange`.
    public var declaredPayloadLength: Int
    public var truncated: Bool

    /// A header with every field zero: the initial content of a `DecodedFrame`'s IPv6 slot.
    static let empty = IPv6Header(
        source: IPAddress(v6High: 0, low: 0), destination: IPAddress(v6High: 0, low: 0), trafficClass: 0, flowLabel: 0,
        payloadLength: 0, firstNextHeader: 0, hopLimit: 0, upperProtocol: 0, fragment: nil, payloadRange: 0..<0,
        declaredPayloadLength: 0, truncated: false)

    public struct Fragment: Hashable, Sendable {
        public var identification: UInt32
        /// Offset in bytes.
        public var offset: Int
        public var moreFragments: Bool
        /// The Next Header inside the fragment header (the protocol of the reassembled payload).
        public var nextHeader: UInt8
    }

    /// The extension header types in order (hop-by-hop 0, routing 43, fragment 44, destination options 60).
    public var extensionHeaders: [UInt8] {
        (0..<extensionHeaderCount).map { UInt8(truncatingIfNeeded: packedExtensions >> (8 * $0)) }
    }

    public var isFragment: Bool { fragment != nil }

    /// Parses an IPv6 header and walks its extension headers.
    ///
    /// A payload length reaching into bytes the capture dropped marks the packet `truncated`; past the
    /// frame on the wire it is an error. Jumbograms (payload length 0, RFC 2675) are not decoded.
    public static func parse(_ bytes: ArraySlice<UInt8>, uncapturedBytes: Int = 0) throws(ParseError) -> IPv6Header {
        let s = bytes.startIndex
        guard let w0 = bytes.be32(at: s), let plen = bytes.be16(at: s + 4), let nh = bytes.u8(at: s + 6),
            let hl = bytes.u8(at: s + 7), let src = IPAddress.v6(bytes, at: s + 8),
            let dst = IPAddress.v6(bytes, at: s + 24)
        else { throw .truncated("ipv6", field: "ipv6", need: 40, have: bytes.count) }
        guard w0 >> 28 == 6 else {
            throw ParseError(code: "ipv6.version", field: "ipv6.version", "version \(w0 >> 28), expected 6")
        }
        let payloadLength = Int(plen)
        let available = bytes.count - 40
        var truncated = false
        if payloadLength > available {
            guard payloadLength <= available + max(0, uncapturedBytes) else {
                throw ParseError(
                    code: "ipv6.payload-length", field: "ipv6.plen",
                    "payload length \(payloadLength) runs past the frame (\(available) bytes after the header)")
            }
            truncated = true
        }
        let end = s + 40 + min(payloadLength, available)
        var header = IPv6Header(
            source: src, destination: dst, trafficClass: UInt8(truncatingIfNeeded: w0 >> 20),
            flowLabel: w0 & 0xFFFFF, payloadLength: payloadLength, firstNextHeader: nh, hopLimit: hl,
            upperProtocol: nh, fragment: nil, payloadRange: (s + 40)..<end, declaredPayloadLength: payloadLength,
            truncated: truncated)
        let view = bytes[bytes.startIndex..<end]
        let walk: (next: UInt8, offset: Int)
        do {
            walk = try walkExtensions(view, from: s + 40, next: nh, header: &header)
        } catch {
            // An extension header cut by the snap length is a truncated capture, not a malformed packet.
            var e = error
            if truncated && e.code != "ipv6.extension-limit" { e.truncated = true }
            throw e
        }
        header.upperProtocol = walk.next
        header.payloadRange = walk.offset..<end
        header.declaredPayloadLength = payloadLength - (walk.offset - (s + 40))
        return header
    }

    /// Whether `type` is an extension header this walker steps over.
    static func isExtension(_ type: UInt8) -> Bool {
        type == 0 || type == 43 || type == 44 || type == 60
    }

    /// Walks extension headers in `bytes` from `offset` while `next` names one, recording them in
    /// `header`. Stops after a fragment header (the rest belongs to the reassembled payload).
    static func walkExtensions(
        _ bytes: ArraySlice<UInt8>, from offset: Int, next: UInt8, header: inout IPv6Header
    ) throws(ParseError) -> (next: UInt8, offset: Int) {
        var next = next
        var offset = offset
        while isExtension(next) {
            guard header.extensionHeaderCount < extensionHeaderLimit else {
                throw ParseError(
                    code: "ipv6.extension-limit", field: "ipv6.nxt",
                    "more than \(extensionHeaderLimit) extension headers")
            }
            header.packedExtensions |= UInt64(next) << (8 * UInt64(header.extensionHeaderCount))
            header.extensionHeaderCount += 1
            if next == 44 {
                // RFC 8200 §4.5: Next Header, reserved, offset (13 bits) | res | M, identification.
                guard let nh = bytes.u8(at: offset), let off = bytes.be16(at: offset + 2),
                    let ident = bytes.be32(at: offset + 4)
                else { throw .truncated("ipv6", field: "ipv6.fraghdr", need: 8, have: bytes.endIndex - offset) }
                header.fragment = Fragment(
                    identification: ident, offset: Int(off >> 3) * 8, moreFragments: off & 1 != 0, nextHeader: nh)
                return (nh, offset + 8)
            }
            // RFC 8200 §4.3–4.6: Next Header, Hdr Ext Len in 8-octet units not counting the first 8.
            guard let nh = bytes.u8(at: offset), let len = bytes.u8(at: offset + 1) else {
                throw .truncated("ipv6", field: "ipv6.exthdr", need: 2, have: max(0, bytes.endIndex - offset))
            }
            let size = (Int(len) + 1) * 8
            guard bytes.has(size, at: offset) else {
                throw ParseError(
                    code: "ipv6.extension-length", field: "ipv6.exthdr.len",
                    "extension header \(next) of \(size) bytes runs past the packet",
                    truncated: false)
            }
            next = nh
            offset += size
        }
        return (next, offset)
    }
}
