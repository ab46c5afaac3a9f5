import Capture
import Datagrams

/// The JSON object `dissect --format json` prints for each frame (one per line). The schema is
/// documented in Docs/json-schema.md; keep the two in step.
enum FrameJSON {
    static func write(
        frame: Frame, decoded: DecodedFrame, app: PayloadDissection, payload: ArraySlice<UInt8>?,
        diagnostics: [Diagnostic], origin: Timestamp, media: [MediaDissection] = [], into w: inout JSONWriter
    ) {
        w.beginObject()
        w.key("frame"); w.value(frame.number)
        w.key("time"); w.iso8601Value(seconds: frame.timestamp.seconds, nanoseconds: frame.timestamp.nanoseconds)
        w.key("time_relative"); writeRelative(frame.timestamp, origin: origin, into: &w)
        w.key("len"); w.value(frame.originalLength)
        w.key("caplen"); w.value(frame.capturedLength)
        w.key("link_type"); w.value(frame.linkType.name)
        w.key("interface"); w.value(frame.interfaceID)
        if decoded.truncated { w.key("truncated"); w.value(true) }
        if let l = decoded.link { w.key("link"); writeLink(l, into: &w) }
        writeNetwork(decoded, into: &w)
        if let r = decoded.reassembled {
            w.key("reassembled")
            w.beginObject()
            w.key("length"); w.value(r.bytes.count)
            w.key("frames"); w.beginArray(); for f in r.frames { w.value(f) }; w.endArray()
            w.endObject()
        }
        if decoded.heldFragment { w.key("fragment_held"); w.value(true) }
        writeTransport(decoded, into: &w)
        if !decoded.tcpEvents.isEmpty { writeTCPEvents(decoded.tcpEvents, into: &w) }
        if decoded.payloadRange != nil {
            w.key("payload")
            w.beginObject()
            w.key("kind"); w.value(decoded.classification.kind.rawValue)
            w.key("basis"); w.value(decoded.classification.basis.rawValue)
            w.key("length"); w.value(payload?.count ?? 0)
            w.endObject()
        }
        writeApp(app, payload: payload, into: &w)
        if let first = media.first {
            // The first packet keeps the `srtp` key a frame of one packet has; a TCP segment completing
            // several RFC 4571 packets lists the others, in stream order, under `srtp_more`.
            w.key("srtp")
            first.write(into: &w)
            if media.count > 1 {
                w.key("srtp_more")
                w.beginArray()
                for m in media.dropFirst() { m.write(into: &w) }
                w.endArray()
            }
        }
        if !diagnostics.isEmpty {
            w.key("diagnostics")
            w.beginArray()
            for d in diagnostics { write(diagnostic: d, into: &w) }
            w.endArray()
        }
        w.endObject()
    }

    /// Seconds since the first frame, as tshark's `frame.time_relative` (nanoseconds kept exactly).
    /// Negative for a frame earlier than the first (captures are not always in time order).
    static func writeRelative(_ t: Timestamp, origin: Timestamp, into w: inout JSONWriter) {
        let d = TimeFormatting.difference(t, from: origin)
        w.secondsValue(magnitude: d.seconds, negative: d.negative, nanoseconds: d.nanoseconds)
    }

    static func write(diagnostic d: Diagnostic, into w: inout JSONWriter) {
        w.beginObject()
        w.key("severity"); w.value(d.severity.rawValue)
        w.key("code"); w.value(d.code)
        if let f = d.frame { w.key("frame"); w.value(f) }
        if let f = d.field { w.key("field"); w.value(f) }
        w.key("message"); w.value(d.message)
        w.endObject()
    }

    // MARK: - Layers

    static func writeLink(_ l: LinkLayer, into w: inout JSONWriter) {
        w.beginObject()
        w.key("kind"); w.value(l.kind.rawValue)
        if let s = l.source { w.key("src"); w.macValue(s.value) }
        if let d = l.destination { w.key("dst"); w.macValue(d.value) }
        if l.vlans.count > 0 {
            w.key("vlan"); w.beginArray(); for i in 0..<l.vlans.count { w.value(Int(l.vlans.id(i))) }; w.endArray()
        }
        if let t = l.etherType { w.key("ethertype"); w.hexValue(UInt64(t), width: 4) }
        if let p = l.sllPacketType { w.key("sll_packet_type"); w.value(Int(p)) }
        if let h = l.sllHardwareType { w.key("sll_hardware_type"); w.value(Int(h)) }
        if let i = l.sllInterfaceIndex { w.key("sll_ifindex"); w.value(Int(i)) }
        if let f = l.addressFamily { w.key("family"); w.value(Int(f)) }
        w.endObject()
    }

    static func writeNetwork(_ d: DecodedFrame, into w: inout JSONWriter) {
        switch d.network {
        case .ipv4(let ip):
            w.key("ip")
            w.beginObject()
            w.key("version"); w.value(4)
            w.key("src"); w.ipv4Value(ip.source.v4Value)
            w.key("dst"); w.ipv4Value(ip.destination.v4Value)
            w.key("header_length"); w.value(ip.headerLength)
            w.key("total_length"); w.value(ip.totalLength)
            w.key("id"); w.hexValue(UInt64(ip.identification), width: 4)
            w.key("ttl"); w.value(Int(ip.ttl))
            w.key("protocol"); w.value(Int(ip.protocolNumber))
            w.key("df"); w.value(ip.dontFragment)
            w.key("mf"); w.value(ip.moreFragments)
            w.key("fragment_offset"); w.value(ip.fragmentOffset)
            w.key("checksum_ok"); w.value(ip.checksumValid)
            if !ip.optionsRange.isEmpty { w.key("options_length"); w.value(ip.optionsRange.count) }
            w.endObject()
        case .ipv6(let ip):
            w.key("ip")
            w.beginObject()
            w.key("version"); w.value(6)
            w.key("src"); w.value(ip.source.description)
            w.key("dst"); w.value(ip.destination.description)
            w.key("payload_length"); w.value(ip.payloadLength)
            w.key("hop_limit"); w.value(Int(ip.hopLimit))
            w.key("next_header"); w.value(Int(ip.upperProtocol))
            if !ip.extensionHeaders.isEmpty {
                w.key("extension_headers"); w.beginArray(); for e in ip.extensionHeaders { w.value(Int(e)) }; w.endArray()
            }
            if let f = ip.fragment {
                w.key("fragment")
                w.beginObject()
                w.key("id"); w.hexValue(UInt64(f.identification), width: 8)
                w.key("offset"); w.value(f.offset)
                w.key("more"); w.value(f.moreFragments)
                w.endObject()
            }
            w.endObject()
        case nil:
            break
        }
    }

    static func writeTransport(_ d: DecodedFrame, into w: inout JSONWriter) {
        switch d.transport {
        case .udp(let u):
            w.key("udp")
            w.beginObject()
            w.key("src_port"); w.value(Int(u.sourcePort))
            w.key("dst_port"); w.value(Int(u.destinationPort))
            w.key("length"); w.value(u.length)
            w.key("checksum"); w.hexValue(UInt64(u.checksum), width: 4)
            w.key("checksum_status"); w.value(u.checksumStatus.rawValue)
            w.endObject()
        case .tcp(let t):
            w.key("tcp")
            w.beginObject()
            w.key("src_port"); w.value(Int(t.sourcePort))
            w.key("dst_port"); w.value(Int(t.destinationPort))
            w.key("seq"); w.value(UInt64(t.sequenceNumber))
            w.key("ack"); w.value(UInt64(t.acknowledgmentNumber))
            w.key("flags"); w.value(t.flags.description)
            w.key("window"); w.value(Int(t.window))
            w.key("header_length"); w.value(t.headerLength)
            w.key("payload_length"); w.value(d.payloadRange?.count ?? 0)
            w.endObject()
        case .other(let p):
            w.key("ip_protocol"); w.value(Int(p))
        case nil:
            break
        }
    }

    static func writeTCPEvents(_ events: [TCPStreamEvent], into w: inout JSONWriter) {
        w.key("tcp_stream")
        w.beginArray()
        for e in events {
            w.beginObject()
            switch e {
            case .data(let c):
                w.key("event"); w.value("data")
                w.key("flow"); w.value(c.flow.description)
                w.key("offset"); w.value(c.streamOffset)
                w.key("length"); w.value(c.bytes.count)
                w.key("from_frame"); w.value(c.frame)
            case .gap(let flow, let offset, let length):
                w.key("event"); w.value("gap")
                w.key("flow"); w.value(flow.description)
                w.key("offset"); w.value(offset)
                w.key("length"); w.value(length)
            case .end(let flow, let reset, let frame):
                w.key("event"); w.value(reset ? "reset" : "fin")
                w.key("flow"); w.value(flow.description)
                w.key("from_frame"); w.value(frame)
            }
            w.endObject()
        }
        w.endArray()
    }

    // MARK: - Application layer

    static func writeApp(_ app: PayloadDissection, payload: ArraySlice<UInt8>?, into w: inout JSONWriter) {
        switch app {
        case .rtp(let h):
            w.key("rtp")
            w.beginObject()
            w.key("version"); w.value(Int(h.version))
            w.key("padding"); w.value(h.padding)
            w.key("extension"); w.value(h.hasExtension)
            w.key("csrc_count"); w.value(h.csrcCount)
            w.key("marker"); w.value(h.marker)
            w.key("payload_type"); w.value(Int(h.payloadType))
            w.key("seq"); w.value(Int(h.sequenceNumber))
            w.key("timestamp"); w.value(UInt64(h.timestamp))
            w.key("ssrc"); w.hexValue(UInt64(h.ssrc), width: 8)
            if h.csrcCount > 0, let payload {
                w.key("csrcs"); w.beginArray(); for c in h.csrcs(in: payload) { w.hexValue(UInt64(c), width: 8) }; w.endArray()
            }
            if let e = h.extension {
                w.key("header_extension")
                w.beginObject()
                w.key("profile"); w.hexValue(UInt64(e.profile), width: 4)
                w.key("length_words"); w.value(e.lengthWords)
                if let payload, let elements = try? e.elements(in: payload) {
                    w.key("elements")
                    w.beginArray()
                    for el in elements {
                        w.beginObject(); w.key("id"); w.value(Int(el.id)); w.key("length"); w.value(el.range.count); w.endObject()
                    }
                    w.endArray()
                }
                w.endObject()
            }
            w.key("payload_length"); w.value(h.payloadRange.count)
            if h.paddingLength > 0 { w.key("padding_length"); w.value(h.paddingLength) }
            w.endObject()
        case .rtcp(let c):
            w.key("rtcp")
            w.beginObject()
            w.key("packets")
            w.beginArray()
            for p in c.packets {
                w.beginObject()
                w.key("type"); w.value(p.kind.name)
                w.key("pt"); w.value(Int(p.packetType))
                w.key("count"); w.value(p.count)
                w.key("length_words"); w.value(p.lengthWords)
                if let s = p.ssrc { w.key("ssrc"); w.hexValue(UInt64(s), width: 8) }
                if let si = p.senderInfo {
                    w.key("sender_info")
                    w.beginObject()
                    w.key("ntp_timestamp"); w.hexValue(si.ntpTimestamp, width: 16)
                    w.key("rtp_timestamp"); w.value(UInt64(si.rtpTimestamp))
                    w.key("packet_count"); w.value(UInt64(si.packetCount))
                    w.key("octet_count"); w.value(UInt64(si.octetCount))
                    w.endObject()
                }
                if p.reportBlockCount > 0 { w.key("report_block_count"); w.value(p.reportBlockCount) }
                if let n = p.appName { w.key("app_name"); w.hexValue(UInt64(n), width: 8) }
                w.endObject()
            }
            w.endArray()
            if !c.trailingRange.isEmpty { w.key("unwalked_length"); w.value(c.trailingRange.count) }
            w.endObject()
        case .stun(let m):
            w.key("stun")
            w.beginObject()
            w.key("method"); w.value(m.methodName)
            w.key("class"); w.value(m.messageClass.rawValue)
            w.key("type"); w.hexValue(UInt64(m.messageType), width: 4)
            w.key("length"); w.value(m.length)
            if let payload {
                w.key("transaction_id"); w.hexBytes(payload[m.transactionIDRange])
                for (kind, name) in [
                    (STUNMessage.xorMappedAddress, "xor_mapped_address" as StaticString),
                    (STUNMessage.xorPeerAddress, "xor_peer_address"),
                    (STUNMessage.xorRelayedAddress, "xor_relayed_address"),
                ] {
                    if let a = m.attribute(kind, in: payload), let e = m.xorAddress(a, in: payload) {
                        w.key(name); w.value(e.description)
                    }
                }
                if let ch = m.channelNumber(in: payload) { w.key("channel"); w.hexValue(UInt64(ch), width: 4) }
                if let d = m.dataRange(in: payload) { w.key("data_length"); w.value(d.count) }
            }
            w.endObject()
        case .dtls(let r):
            w.key("dtls")
            w.beginObject()
            w.key("content_type"); w.value(r.contentTypeName)
            w.key("version"); w.hexValue(UInt64(r.version), width: 4)
            w.key("epoch"); w.value(Int(r.epoch))
            w.key("seq"); w.value(r.sequenceNumber)
            w.key("length"); w.value(r.length)
            if let h = r.handshakeType { w.key("handshake_type"); w.value(FrameText.handshakeName(h)) }
            if let payload {
                let walk = DTLSDatagramWalk(payload)
                w.key("records"); w.value(walk.records)
                w.key("handshake_types")
                w.beginArray()
                for t in walk.handshakeTypes { w.value(FrameText.handshakeName(t)) }
                w.endArray()
            }
            w.endObject()
        case .sip(let sip):
            w.key("sip")
            w.beginObject()
            w.key("start_line"); w.value(sip.startLine)
            if let v = sip.callID { w.key("call_id"); w.value(v) }
            if let v = sip.cseq { w.key("cseq"); w.value(v) }
            if let v = sip.from { w.key("from"); w.value(v) }
            if let v = sip.to { w.key("to"); w.value(v) }
            if let v = sip.contentType { w.key("content_type"); w.value(v) }
            w.endObject()
        case .turnChannelData(let cd, let inner):
            w.key("turn_channel_data")
            w.beginObject()
            w.key("channel"); w.hexValue(UInt64(cd.channel), width: 4)
            w.key("length"); w.value(cd.length)
            if let inner, let payload {
                writeApp(inner, payload: payload[cd.payloadRange], into: &w)
            }
            w.endObject()
        case .malformed, .none:
            break
        }
    }
}
