/// One packet of an RTCP compound (RFC 3550 §6.4–6.7, RFC 3611 for XR, RFC 4585 for feedback).
public struct RTCPPacket: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        case senderReport, receiverReport, sourceDescription, goodbye, application
        case transportFeedback, payloadFeedback, extendedReport
        case other(UInt8)

        init(_ pt: UInt8) {
            switch pt {
            case 200: self = .senderReport
            case 201: self = .receiverReport
            case 202: self = .sourceDescription
            case 203: self = .goodbye
            case 204: self = .application
            case 205: self = .transportFeedback
            case 206: self = .payloadFeedback
            case 207: self = .extendedReport
            default: self = .other(pt)
            }
        }

        public var name: String {
            switch self {
            case .senderReport: "SR"
            case .receiverReport: "RR"
            case .sourceDescription: "SDES"
            case .goodbye: "BYE"
            case .application: "APP"
            case .transportFeedback: "RTPFB"
            case .payloadFeedback: "PSFB"
            case .extendedReport: "XR"
            case .other(let pt): "PT\(pt)"
            }
        }
    }

    /// The sender information of an SR (RFC 3550 §6.4.1).
    public struct SenderInfo: Hashable, Sendable {
        public var ntpTimestamp: UInt64
        public var rtpTimestamp: UInt32
        public var packetCount: UInt32
        public var octetCount: UInt32
    }

    public var padding: Bool
    /// The 5-bit count field: reception report count (SR, RR), source count (SDES, BYE), subtype (APP),
    /// feedback message type (RTPFB, PSFB).
    public var count: Int
    public var packetType: UInt8
    public var kind: Kind
    /// The length field: 32-bit words minus one.
    public var lengthWords: Int
    /// Absolute range of the whole packet.
    public var range: Range<Int>
    /// The SSRC after the header (SR, RR, APP, XR, feedback: the sender; SDES, BYE: the first source), when present.
    public var ssrc: UInt32?
    public var senderInfo: SenderInfo?
    /// Report blocks (SR, RR): the count, which was checked to fit the packet.
    public var reportBlockCount: Int
    /// The APP name (4 ASCII characters as a big-endian word).
    public var appName: UInt32?
}

/// An RTCP compound packet walked packet by packet (RFC 3550 §6.1).
public struct RTCPCompound: Hashable, Sendable {
    public var packets: [RTCPPacket]
    /// Bytes after the last packet that could be walked: in SRTCP the rest is encrypted and followed by
    /// the E flag, index and tag (RFC 3711 §3.4), so the walk stops at the first header that does not
    /// fit and this range holds the rest. Empty for a plain, well-formed compound.
    public var trailingRange: Range<Int>

    /// Walks the compound in `bytes`.
    ///
    /// The first packet must be version 2 with a length that fits the datagram, and SR/RR report
    /// counts must fit their packet; otherwise this throws. Later headers that do not parse end the walk.
    public static func parse(_ bytes: ArraySlice<UInt8>) throws(ParseError) -> RTCPCompound {
        var packets: [RTCPPacket] = []
        var offset = bytes.startIndex
        while offset < bytes.endIndex {
            let first = packets.isEmpty
            guard let b0 = bytes.u8(at: offset), let pt = bytes.u8(at: offset + 1),
                let len = bytes.be16(at: offset + 2)
            else {
                if first { throw .truncated("rtcp", field: "rtcp", need: 4, have: bytes.count) }
                break
            }
            let size = (Int(len) + 1) * 4
            guard b0 >> 6 == 2 else {
                if first {
                    throw ParseError(code: "rtcp.version", field: "rtcp.version", "version \(b0 >> 6), expected 2")
                }
                break
            }
            guard bytes.has(size, at: offset) else {
                if first {
                    throw ParseError(
                        code: "rtcp.length", field: "rtcp.length",
                        "packet of \(size) bytes runs past the \(bytes.count)-byte datagram")
                }
                break
            }
            let count = Int(b0 & 0x1F)
            let kind = RTCPPacket.Kind(pt)
            let body = bytes[offset..<(offset + size)]
            var packet = RTCPPacket(
                padding: b0 & 0x20 != 0, count: count, packetType: pt, kind: kind, lengthWords: Int(len),
                range: offset..<(offset + size), ssrc: body.be32(at: offset + 4), senderInfo: nil,
                reportBlockCount: 0, appName: nil)
            switch kind {
            case .senderReport:
                // RFC 3550 §6.4.1: header, SSRC, 20 bytes of sender info, 24 bytes per report block.
                guard 28 + 24 * count <= size, let ntp = body.be64(at: offset + 8), let rtp = body.be32(at: offset + 16),
                    let pc = body.be32(at: offset + 20), let oc = body.be32(at: offset + 24)
                else {
                    throw ParseError(
                        code: "rtcp.report-count", field: "rtcp.sc",
                        "SR with \(count) report blocks needs \(28 + 24 * count) bytes, has \(size)")
                }
                packet.senderInfo = RTCPPacket.SenderInfo(
                    ntpTimestamp: ntp, rtpTimestamp: rtp, packetCount: pc, octetCount: oc)
                packet.reportBlockCount = count
            case .receiverReport:
                // RFC 3550 §6.4.2: header, SSRC, 24 bytes per report block.
                guard 8 + 24 * count <= size else {
                    throw ParseError(
                        code: "rtcp.report-count", field: "rtcp.rc",
                        "RR with \(count) report blocks needs \(8 + 24 * count) bytes, has \(size)")
                }
                packet.reportBlockCount = count
            case .application:
                // RFC 3550 §6.7: header, SSRC, 4-character name.
                packet.appName = body.be32(at: offset + 8)
            default:
                break
            }
            packets.append(packet)
            offset += size
        }
        return RTCPCompound(packets: packets, trailingRange: offset..<bytes.endIndex)
    }
}
