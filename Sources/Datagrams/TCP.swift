/// TCP control bits (RFC 9293 §3.1).
public struct TCPFlags: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let fin = TCPFlags(rawValue: 0x01)
    public static let syn = TCPFlags(rawValue: 0x02)
    public static let rst = TCPFlags(rawValue: 0x04)
    public static let psh = TCPFlags(rawValue: 0x08)
    public static let ack = TCPFlags(rawValue: 0x10)
    public static let urg = TCPFlags(rawValue: 0x20)
    public static let ece = TCPFlags(rawValue: 0x40)
    public static let cwr = TCPFlags(rawValue: 0x80)

    public var description: String {
        let names: [(TCPFlags, String)] = [
            (.syn, "SYN"), (.fin, "FIN"), (.rst, "RST"), (.psh, "PSH"), (.ack, "ACK"), (.urg, "URG"),
            (.ece, "ECE"), (.cwr, "CWR"),
        ]
        return names.filter { contains($0.0) }.map(\.1).joined(separator: ",")
    }
}

/// A TCP header (RFC 9293 §3.1) with offsets into the frame.
public struct TCPHeader: Hashable, Sendable {
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    public var sequenceNumber: UInt32
    public var acknowledgmentNumber: UInt32
    /// Header length in bytes (data offset × 4).
    public var headerLength: Int
    public var flags: TCPFlags
    public var window: UInt16
    public var checksum: UInt16
    public var urgentPointer: UInt16
    public var optionsRange: Range<Int>
    /// Absolute range of the captured payload.
    public var payloadRange: Range<Int>
    /// The segment's payload length according to the IP layer.
    public var declaredPayloadLength: Int
    public var truncated: Bool

    /// A header with every field zero: the initial content of a `DecodedFrame`'s TCP slot.
    static let empty = TCPHeader(
        sourcePort: 0, destinationPort: 0, sequenceNumber: 0, acknowledgmentNumber: 0, headerLength: 20, flags: [],
        window: 0, checksum: 0, urgentPointer: 0, optionsRange: 0..<0, payloadRange: 0..<0, declaredPayloadLength: 0,
        truncated: false)

    /// Parses a TCP header at the start of `bytes`, whose IP layer declared `ipPayloadLength` bytes.
    /// A data offset below 5 or past the segment is an error (RFC 9293 §3.1).
    public static func parse(_ bytes: ArraySlice<UInt8>, ipPayloadLength: Int) throws(ParseError) -> TCPHeader {
        let s = bytes.startIndex
        guard let sp = bytes.be16(at: s), let dp = bytes.be16(at: s + 2), let seq = bytes.be32(at: s + 4),
            let ack = bytes.be32(at: s + 8), let offFlags = bytes.be16(at: s + 12), let win = bytes.be16(at: s + 14),
            let sum = bytes.be16(at: s + 16), let urg = bytes.be16(at: s + 18)
        else { throw .truncated("tcp", field: "tcp", need: 20, have: bytes.count) }
        let hlen = Int(offFlags >> 12) * 4
        guard hlen >= 20 else {
            throw ParseError(code: "tcp.data-offset", field: "tcp.hdr_len", "header length \(hlen) is below 20")
        }
        guard hlen <= ipPayloadLength else {
            throw ParseError(
                code: "tcp.data-offset", field: "tcp.hdr_len",
                "header length \(hlen) runs past the segment (\(ipPayloadLength) bytes)")
        }
        guard bytes.has(hlen, at: s) else {
            throw .truncated("tcp", field: "tcp.options", need: hlen, have: bytes.count)
        }
        let end = s + min(ipPayloadLength, bytes.count)
        return TCPHeader(
            sourcePort: sp, destinationPort: dp, sequenceNumber: seq, acknowledgmentNumber: ack, headerLength: hlen,
            flags: TCPFlags(rawValue: offFlags & 0x01FF), window: win, checksum: sum, urgentPointer: urg,
            optionsRange: (s + 20)..<(s + hlen), payloadRange: (s + hlen)..<end,
            declaredPayloadLength: ipPayloadLength - hlen, truncated: ipPayloadLength > bytes.count)
    }
}
