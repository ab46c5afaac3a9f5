/// The state of a UDP or TCP checksum after decoding.
public enum ChecksumStatus: String, Hashable, Sendable {
    /// Not checked (verification is off, or the segment was truncated by the capture).
    case unverified
    /// UDP over IPv4 with a zero checksum: the sender did not compute one (RFC 768).
    case absent
    case good
    /// Wrong: often checksum offload on the capturing host, so a note, not an error.
    case bad
}

/// A UDP header (RFC 768) with offsets into the frame.
public struct UDPHeader: Hashable, Sendable {
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    /// The UDP length field (header + data).
    public var length: Int
    public var checksum: UInt16
    public var checksumStatus: ChecksumStatus = .unverified
    /// Absolute range of the captured payload.
    public var payloadRange: Range<Int>
    /// The capture cut the datagram short.
    public var truncated: Bool

    /// Parses a UDP header at the start of `bytes`, whose IP layer declared `ipPayloadLength` bytes.
    ///
    /// A length below 8 or past the IP payload is an error (RFC 768); the payload range stops at the
    /// UDP length (ignoring trailing bytes) and at the captured data.
    public static func parse(_ bytes: ArraySlice<UInt8>, ipPayloadLength: Int) throws(ParseError) -> UDPHeader {
        var header = UDPHeader.empty
        try bytes.withByteView { (view) throws(ParseError) in
            try parse(source: view, ipPayloadLength: ipPayloadLength, into: &header)
        }
        return header
    }

    /// A header with every field zero: the initial content of a `DecodedFrame`'s UDP slot.
    static let empty = UDPHeader(
        sourcePort: 0, destinationPort: 0, length: 8, checksum: 0, payloadRange: 0..<0, truncated: false)

    /// Parses into `header`, field by field (the decoder's form; see `IPv4Header.parse(source:uncapturedBytes:into:)`).
    @inline(__always)
    static func parse(source bytes: ByteView, ipPayloadLength: Int, into header: inout UDPHeader)
        throws(ParseError)
    {
        let s = bytes.startIndex
        guard let h = bytes.fixed(8, at: s) else { throw .truncated("udp", field: "udp", need: 8, have: bytes.count) }
        let sp = h.be16(0)
        let dp = h.be16(2)
        let len = h.be16(4)
        let sum = h.be16(6)
        let length = Int(len)
        guard length >= 8, length <= ipPayloadLength else { throw lengthError(length, ipPayloadLength: ipPayloadLength) }
        let end = s + min(length, bytes.count)
        header.sourcePort = sp
        header.destinationPort = dp
        header.length = length
        header.checksum = sum
        header.checksumStatus = .unverified
        header.payloadRange = (s + 8)..<end
        header.truncated = length > bytes.count
    }

    /// The error for a length below the header or past the IP payload (RFC 768), built out of line.
    @inline(never)
    static func lengthError(_ length: Int, ipPayloadLength: Int) -> ParseError {
        length < 8
            ? ParseError(code: "udp.length", field: "udp.length", "length \(length) is below the header size 8")
            : ParseError(
                code: "udp.length", field: "udp.length",
                "length \(length) runs past the IP payload (\(ipPayloadLength) bytes)")
    }

    /// Verifies the checksum over the pseudo-header of `source`/`destination` (RFC 768; RFC 8200 §8.1
    /// for IPv6, where a zero checksum is not allowed) and the datagram in `bytes` (header first).
    public mutating func verifyChecksum(_ bytes: ArraySlice<UInt8>, source: IPAddress, destination: IPAddress) {
        if truncated || bytes.count < length {
            checksumStatus = .unverified
            return
        }
        if checksum == 0 && source.family == .v4 {
            checksumStatus = .absent
            return
        }
        let initial = pseudoHeaderSum(source, destination, protocolNumber: 17, length: length)
        let sum = onesComplementSum(bytes[bytes.startIndex..<(bytes.startIndex + length)], initial: initial)
        checksumStatus = foldChecksum(sum) == 0xFFFF ? .good : .bad
    }
}

/// The one's-complement sum of the TCP/UDP pseudo-header (RFC 768, RFC 9293 §3.1, RFC 8200 §8.1).
func pseudoHeaderSum(_ src: IPAddress, _ dst: IPAddress, protocolNumber: UInt8, length: Int) -> UInt64 {
    func words(_ a: IPAddress) -> UInt64 {
        switch a.family {
        case .v4: return (a.low >> 16 & 0xFFFF) + (a.low & 0xFFFF)
        case .v6:
            var s: UInt64 = 0
            for k in stride(from: 0, to: 64, by: 16) { s += (a.high >> UInt64(k)) & 0xFFFF }
            for k in stride(from: 0, to: 64, by: 16) { s += (a.low >> UInt64(k)) & 0xFFFF }
            return s
        }
    }
    let len = UInt64(length)
    return words(src) + words(dst) + UInt64(protocolNumber) + (len >> 16) + (len & 0xFFFF)
}
