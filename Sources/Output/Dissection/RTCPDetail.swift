/// An RTCP compound packet parsed in full, for the dissection of decrypted SRTCP: sender info and report
/// blocks of SR and RR (RFC 3550 §6.4), SDES chunks and items (§6.5), BYE sources and reason (§6.6), APP
/// subtype, name and data (§6.7), and XR report blocks (RFC 3611 §3). Every read is bounds-checked; a
/// packet whose declared length runs past the buffer ends the walk.
public struct RTCPDetail: Sendable, Hashable {
    public struct ReportBlock: Sendable, Hashable {
        public var ssrc: UInt32
        public var fractionLost: UInt8
        /// 24-bit signed (RFC 3550 §6.4.1).
        public var cumulativeLost: Int32
        public var highestSequence: UInt32
        public var jitter: UInt32
        public var lastSR: UInt32
        public var delaySinceLastSR: UInt32
    }

    public struct SenderInfo: Sendable, Hashable {
        public var ntpTimestamp: UInt64
        public var rtpTimestamp: UInt32
        public var packetCount: UInt32
        public var octetCount: UInt32
    }

    public struct SDESItem: Sendable, Hashable {
        public var type: UInt8
        public var text: String
        /// CNAME, NAME, EMAIL, PHONE, LOC, TOOL, NOTE, PRIV (RFC 3550 §6.5.1–8).
        public var name: String {
            let names = ["END", "CNAME", "NAME", "EMAIL", "PHONE", "LOC", "TOOL", "NOTE", "PRIV"]
            return Int(type) < names.count ? names[Int(type)] : "item \(type)"
        }
    }

    public struct SDESChunk: Sendable, Hashable {
        public var ssrc: UInt32
        public var items: [SDESItem]
    }

    public struct XRBlock: Sendable, Hashable {
        public var blockType: UInt8
        public var typeSpecific: UInt8
        public var lengthWords: Int
    }

    public enum Body: Sendable, Hashable {
        case report(sender: SenderInfo?, blocks: [ReportBlock])
        case sdes([SDESChunk])
        case bye(sources: [UInt32], reason: String?)
        case app(subtype: UInt8, name: String, dataLength: Int)
        case xr([XRBlock])
        case other(length: Int)
    }

    public struct Packet: Sendable, Hashable {
        public var packetType: UInt8
        public var count: Int
        public var ssrc: UInt32?
        public var body: Body

        public var name: String {
            switch packetType {
            case 200: "SR"
            case 201: "RR"
            case 202: "SDES"
            case 203: "BYE"
            case 204: "APP"
            case 207: "XR"
            default: "PT \(packetType)"
            }
        }
    }

    public var packets: [Packet] = []
    /// Bytes after the last packet that could be walked.
    public var trailing = 0

    static let maxPackets = 64

    public static func parse(_ b: [UInt8]) -> RTCPDetail {
        var out = RTCPDetail()
        func u32(_ i: Int) -> UInt32 {
            UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
        }
        func text(_ r: Range<Int>) -> String { String(decoding: b[r], as: UTF8.self) }
        var at = 0
        while at + 4 <= b.count, out.packets.count < maxPackets {
            let count = Int(b[at] & 0x1F)
            let pt = b[at + 1]
            let length = ((Int(b[at + 2]) << 8 | Int(b[at + 3])) + 1) * 4
            guard b[at] >> 6 == 2, at + length <= b.count else { break }
            let end = at + length
            let ssrc: UInt32? = at + 8 <= end ? u32(at + 4) : nil
            var body = Body.other(length: length)
            switch pt {
            case 200, 201:
                var p = at + 8
                var sender: SenderInfo?
                if pt == 200, p + 20 <= end {
                    sender = SenderInfo(
                        ntpTimestamp: UInt64(u32(p)) << 32 | UInt64(u32(p + 4)), rtpTimestamp: u32(p + 8),
                        packetCount: u32(p + 12), octetCount: u32(p + 16))
                    p += 20
                }
                var blocks: [ReportBlock] = []
                for _ in 0..<count where p + 24 <= end {
                    let lostField = u32(p + 4) & 0x00FF_FFFF
                    let lost = Int32(bitPattern: lostField << 8) >> 8
                    blocks.append(
                        ReportBlock(
                            ssrc: u32(p), fractionLost: b[p + 4], cumulativeLost: lost, highestSequence: u32(p + 8),
                            jitter: u32(p + 12), lastSR: u32(p + 16), delaySinceLastSR: u32(p + 20)))
                    p += 24
                }
                body = .report(sender: sender, blocks: blocks)
            case 202:
                var chunks: [SDESChunk] = []
                var p = at + 4
                for _ in 0..<count where p + 4 <= end {
                    let source = u32(p)
                    p += 4
                    var items: [SDESItem] = []
                    while p < end, b[p] != 0, items.count < 16 {
                        guard p + 2 <= end, p + 2 + Int(b[p + 1]) <= end else { break }
                        items.append(SDESItem(type: b[p], text: text((p + 2)..<(p + 2 + Int(b[p + 1])))))
                        p += 2 + Int(b[p + 1])
                    }
                    // The null item ends the chunk, padded to a 32-bit boundary (RFC 3550 §6.5).
                    p += 1
                    p = (p + 3) & ~3
                    chunks.append(SDESChunk(ssrc: source, items: items))
                }
                body = .sdes(chunks)
            case 203:
                var sources: [UInt32] = []
                var p = at + 4
                for _ in 0..<count where p + 4 <= end {
                    sources.append(u32(p))
                    p += 4
                }
                var reason: String?
                if p < end, p + 1 + Int(b[p]) <= end { reason = text((p + 1)..<(p + 1 + Int(b[p]))) }
                body = .bye(sources: sources, reason: reason)
            case 204:
                if at + 12 <= end {
                    body = .app(subtype: UInt8(count), name: text((at + 8)..<(at + 12)), dataLength: end - at - 12)
                }
            case 207:
                var blocks: [XRBlock] = []
                var p = at + 8
                while p + 4 <= end, blocks.count < 32 {
                    let words = Int(b[p + 2]) << 8 | Int(b[p + 3])
                    blocks.append(XRBlock(blockType: b[p], typeSpecific: b[p + 1], lengthWords: words))
                    p += 4 + words * 4
                }
                body = .xr(blocks)
            default: break
            }
            out.packets.append(Packet(packetType: pt, count: count, ssrc: pt == 202 ? nil : ssrc, body: body))
            at = end
        }
        out.trailing = b.count - at
        return out
    }
}
