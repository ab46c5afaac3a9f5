import Datagrams

/// What `dissect` learnt about one media packet from the keys (`--key`, `--keys`, `--signalling`, and
/// the capture's SDP read as the frames go by): the protected form's fields, the outcome, the key, and
/// the decrypted packet parsed in full. Without keys it still says the packet is SRTP/SRTCP and that no
/// key was known. Built by the dissect pipeline from the decrypt engine's verdict; printed by
/// `FrameDissectionWriter` (text tree and JSON, Docs/json-schema.md "srtp").
public struct MediaDissection: Sendable {
    public enum Outcome: String, Sendable {
        case authenticated
        case replayed
        case failed = "auth_failed"
        case noKey = "no_key"
    }

    /// "srtp", "srtcp", "ssrtp", "rtpme".
    public var protocolName: String
    public var outcome: Outcome
    /// Why it failed, as far as this packet tells.
    public var reason: String?
    public var suite: String?
    /// The key judged against: the one that authenticated the packet, or for a failure the stream's key
    /// (or its best candidate), with where it came from.
    public var keySource: String?
    public var keyFrame: Int?
    public var binding: String?
    /// SRTP: the ROC and the 48-bit packet index (RFC 3711 §3.3.1).
    public var roc: UInt32?
    public var index: UInt64?
    /// SRTCP: the E flag and the SRTCP index (RFC 3711 §3.4).
    public var srtcpEncrypted: Bool?
    public var srtcpIndex: UInt32?
    /// MS-SSRTP: the 48-bit encryption sequence number (MS-SSRTP §2.2.1).
    public var esn: UInt64?
    public var mki: [UInt8]?
    /// The tag as on the wire, and as the key computes it (HMAC suites).
    public var tag: [UInt8]?
    public var computedTag: [UInt8]?
    /// The decrypted RTP or RTCP packet.
    public var plaintext: [UInt8]?
    public var kind: String
    /// RTP/RTCP over TCP followed across segments (RFC 4571): the stream offset of the packet's length
    /// field, and the frame holding its first byte (the packet is shown at the frame holding its last).
    public var tcpStreamOffset: Int64?
    public var tcpFromFrame: Int?

    public init(protocolName: String, kind: String, outcome: Outcome) {
        self.protocolName = protocolName
        self.kind = kind
        self.outcome = outcome
    }

    static func hex(_ b: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(b.count * 2)
        for x in b {
            out.append(digits[Int(x >> 4)])
            out.append(digits[Int(x & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The outcome for the summary line: "SRTP authenticated", "SRTCP auth_failed", …
    var summary: String {
        var s = "\(protocolName.uppercased()) \(outcome.rawValue)"
        if let roc, outcome != .noKey { s += " ROC=\(roc)" }
        return s
    }

    // MARK: - Text tree

    func tree(indent: String, into lines: inout [String]) {
        var head = "\(protocolName.uppercased()): \(outcome.rawValue)"
        if let reason { head += " (\(reason))" }
        if let suite { head += ", \(suite)" }
        lines.append(indent + head)
        if let tcpStreamOffset {
            var t = "RFC 4571 packet at stream offset \(tcpStreamOffset)"
            if let tcpFromFrame { t += ", from frame \(tcpFromFrame)" }
            lines.append(indent + "  " + t)
        }
        if let keySource {
            var k = "key: \(keySource)"
            // "SDP a=crypto:1 in frame 4 by …" already names its frame.
            if let keyFrame, !keySource.contains("frame \(keyFrame)") { k += " (frame \(keyFrame))" }
            if let binding { k += " — \(binding)" }
            lines.append(indent + "  " + k)
        }
        if let roc, let index { lines.append(indent + "  ROC \(roc), packet index \(index)") }
        if let e = srtcpEncrypted, let i = srtcpIndex { lines.append(indent + "  E=\(e ? 1 : 0), SRTCP index \(i)") }
        if let esn { lines.append(indent + "  ESN \(esn)") }
        if let mki, !mki.isEmpty { lines.append(indent + "  MKI: \(Self.hex(mki))") }
        if let tag {
            var t = "tag: \(Self.hex(tag))"
            if let computedTag {
                t += ", computed \(Self.hex(computedTag))\(computedTag == tag ? " (match)" : " (mismatch)")"
            }
            lines.append(indent + "  " + t)
        }
        guard let plaintext else { return }
        if kind == "rtp" {
            if let h = try? RTPHeader.parse(plaintext[...]) {
                let payload = plaintext[h.payloadRange]
                var s = "decrypted RTP: PT=\(h.payloadType) seq=\(h.sequenceNumber) ts=\(h.timestamp)"
                s += " SSRC=\(FrameText.hex32(h.ssrc)), payload \(payload.count) bytes"
                lines.append(indent + "  " + s)
                lines.append(indent + "    " + Self.hex(Array(payload.prefix(32))) + (payload.count > 32 ? "…" : ""))
            }
        } else {
            let d = RTCPDetail.parse(plaintext)
            lines.append(indent + "  decrypted RTCP compound: \(d.packets.count) packet(s)")
            for p in d.packets { Self.tree(p, indent: indent + "    ", into: &lines) }
            if d.trailing > 0 { lines.append(indent + "    \(d.trailing) bytes after the last packet") }
        }
    }

    static func tree(_ p: RTCPDetail.Packet, indent: String, into lines: inout [String]) {
        var s = "\(p.name) (PT \(p.packetType)), count \(p.count)"
        if let ssrc = p.ssrc { s += ", SSRC \(FrameText.hex32(ssrc))" }
        lines.append(indent + s)
        switch p.body {
        case .report(let sender, let blocks):
            if let si = sender {
                lines.append(
                    indent + "  sender info: NTP \(FrameText.hex64(si.ntpTimestamp)), RTP ts \(si.rtpTimestamp), "
                        + "\(si.packetCount) packets, \(si.octetCount) octets")
            }
            for b in blocks {
                lines.append(
                    indent + "  report block: SSRC \(FrameText.hex32(b.ssrc)), fraction lost \(b.fractionLost)/256, "
                        + "cumulative lost \(b.cumulativeLost), highest seq \(b.highestSequence), jitter \(b.jitter), "
                        + "LSR \(FrameText.hex32(b.lastSR)), DLSR \(b.delaySinceLastSR)")
            }
        case .sdes(let chunks):
            for c in chunks {
                lines.append(
                    indent + "  chunk \(FrameText.hex32(c.ssrc)): "
                        + c.items.map { "\($0.name) \"\($0.text)\"" }.joined(separator: ", "))
            }
        case .bye(let sources, let reason):
            lines.append(
                indent + "  sources: " + sources.map(FrameText.hex32).joined(separator: ", ")
                    + (reason.map { ", reason \"\($0)\"" } ?? ""))
        case .app(let subtype, let name, let length):
            lines.append(indent + "  subtype \(subtype), name \"\(name)\", \(length) bytes of data")
        case .xr(let blocks):
            for b in blocks {
                lines.append(
                    indent + "  XR block type \(b.blockType), type-specific \(b.typeSpecific), \(b.lengthWords) words")
            }
        case .other: break
        }
    }

    // MARK: - JSON

    func write(into w: inout JSONWriter) {
        w.beginObject()
        w.key("protocol"); w.value(protocolName)
        w.key("outcome"); w.value(outcome.rawValue)
        if let reason { w.key("reason"); w.value(reason) }
        w.key("suite"); if let suite { w.value(suite) } else { w.null() }
        if let tcpStreamOffset {
            w.key("rfc4571")
            w.beginObject()
            w.key("offset"); w.value(Int(tcpStreamOffset))
            if let tcpFromFrame { w.key("from_frame"); w.value(tcpFromFrame) }
            w.endObject()
        }
        if let keySource {
            w.key("key")
            w.beginObject()
            w.key("source"); w.value(keySource)
            w.key("frame"); if let keyFrame { w.value(keyFrame) } else { w.null() }
            if let binding { w.key("binding"); w.value(binding) }
            w.endObject()
        }
        if let roc { w.key("roc"); w.value(Int(roc)) }
        if let index { w.key("index"); w.value(Int(index)) }
        if let e = srtcpEncrypted { w.key("e"); w.value(e) }
        if let i = srtcpIndex { w.key("srtcp_index"); w.value(Int(i)) }
        if let esn { w.key("esn"); w.value(Int(esn)) }
        if let mki, !mki.isEmpty { w.key("mki"); w.value(Self.hex(mki)) }
        if let tag { w.key("tag"); w.value(Self.hex(tag)) }
        if let computedTag { w.key("tag_computed"); w.value(Self.hex(computedTag)) }
        if let plaintext {
            w.key("decrypted")
            w.beginObject()
            if kind == "rtp", let h = try? RTPHeader.parse(plaintext[...]) {
                w.key("rtp")
                w.beginObject()
                w.key("payload_type"); w.value(Int(h.payloadType))
                w.key("seq"); w.value(Int(h.sequenceNumber))
                w.key("timestamp"); w.value(Int(h.timestamp))
                w.key("ssrc"); w.value(FrameText.hex32(h.ssrc))
                w.key("marker"); w.value(h.marker)
                w.key("payload_length"); w.value(h.payloadRange.count)
                w.key("payload"); w.value(Self.hex(Array(plaintext[h.payloadRange])))
                w.endObject()
            } else if kind == "rtcp" {
                let d = RTCPDetail.parse(plaintext)
                w.key("rtcp")
                w.beginArray()
                for p in d.packets { Self.write(p, into: &w) }
                w.endArray()
            }
            w.key("length"); w.value(plaintext.count)
            w.key("packet"); w.value(Self.hex(plaintext))
            w.endObject()
        }
        w.endObject()
    }

    static func write(_ p: RTCPDetail.Packet, into w: inout JSONWriter) {
        w.beginObject()
        w.key("type"); w.value(p.name)
        w.key("pt"); w.value(Int(p.packetType))
        w.key("count"); w.value(p.count)
        if let ssrc = p.ssrc { w.key("ssrc"); w.value(FrameText.hex32(ssrc)) }
        switch p.body {
        case .report(let sender, let blocks):
            if let si = sender {
                w.key("sender_info")
                w.beginObject()
                w.key("ntp_timestamp"); w.value(FrameText.hex64(si.ntpTimestamp))
                w.key("rtp_timestamp"); w.value(Int(si.rtpTimestamp))
                w.key("packet_count"); w.value(Int(si.packetCount))
                w.key("octet_count"); w.value(Int(si.octetCount))
                w.endObject()
            }
            w.key("report_blocks")
            w.beginArray()
            for b in blocks {
                w.beginObject()
                w.key("ssrc"); w.value(FrameText.hex32(b.ssrc))
                w.key("fraction_lost"); w.value(Int(b.fractionLost))
                w.key("cumulative_lost"); w.value(Int(b.cumulativeLost))
                w.key("highest_seq"); w.value(Int(b.highestSequence))
                w.key("jitter"); w.value(Int(b.jitter))
                w.key("lsr"); w.value(Int(b.lastSR))
                w.key("dlsr"); w.value(Int(b.delaySinceLastSR))
                w.endObject()
            }
            w.endArray()
        case .sdes(let chunks):
            w.key("chunks")
            w.beginArray()
            for c in chunks {
                w.beginObject()
                w.key("ssrc"); w.value(FrameText.hex32(c.ssrc))
                w.key("items")
                w.beginArray()
                for i in c.items {
                    w.beginObject()
                    w.key("type"); w.value(i.name)
                    w.key("text"); w.value(i.text)
                    w.endObject()
                }
                w.endArray()
                w.endObject()
            }
            w.endArray()
        case .bye(let sources, let reason):
            w.key("sources")
            w.beginArray()
            for s in sources { w.value(FrameText.hex32(s)) }
            w.endArray()
            if let reason { w.key("reason"); w.value(reason) }
        case .app(let subtype, let name, let length):
            w.key("subtype"); w.value(Int(subtype))
            w.key("name"); w.value(name)
            w.key("data_length"); w.value(length)
        case .xr(let blocks):
            w.key("blocks")
            w.beginArray()
            for b in blocks {
                w.beginObject()
                w.key("bt"); w.value(Int(b.blockType))
                w.key("type_specific"); w.value(Int(b.typeSpecific))
                w.key("length_words"); w.value(b.lengthWords)
                w.endObject()
            }
            w.endArray()
        case .other: break
        }
        w.endObject()
    }
}
