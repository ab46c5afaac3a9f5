import Capture
import Datagrams

/// Text renderings of one decoded frame: the Protocol and Info columns of the summary line (in the
/// spirit of tshark's), and the layer tree printed by `--verbose`.
enum FrameText {
    static func protocolAndInfo(
        decoded: DecodedFrame, app: PayloadDissection, payload: ArraySlice<UInt8>?
    ) -> (String, String) {
        if decoded.heldFragment {
            return (networkName(decoded), "Fragment held for reassembly" + fragmentInfo(decoded))
        }
        switch app {
        case .none, .malformed:
            break
        default:
            return (app.protocolName, info(app, payload: payload))
        }
        switch decoded.transport {
        case .udp(let u):
            return ("UDP", "\(u.sourcePort) → \(u.destinationPort) Len=\(max(0, u.length - 8))")
        case .tcp(let t):
            let len = decoded.payloadRange?.count ?? 0
            return (
                "TCP",
                "\(t.sourcePort) → \(t.destinationPort) [\(t.flags)] Seq=\(t.sequenceNumber) Ack=\(t.acknowledgmentNumber) Win=\(t.window) Len=\(len)"
            )
        case .other(let p):
            return (networkName(decoded), "IP protocol \(p)")
        case nil:
            if decoded.network != nil { return (networkName(decoded), "") }
            if let link = decoded.link { return (link.kind.rawValue, linkPayloadName(link)) }
            return ("?", "undecoded")
        }
    }

    static func info(_ app: PayloadDissection, payload: ArraySlice<UInt8>?) -> String {
        switch app {
        case .rtp(let h):
            var s = "PT=\(h.payloadType), SSRC=\(hex32(h.ssrc)), Seq=\(h.sequenceNumber), Time=\(h.timestamp)"
            if h.marker { s += ", Mark" }
            return s
        case .rtcp(let c):
            var parts = c.packets.map { p -> String in
                p.ssrc.map { "\(p.kind.name) \(hex32($0))" } ?? p.kind.name
            }
            if !c.trailingRange.isEmpty { parts.append("+\(c.trailingRange.count) bytes not walked") }
            return parts.joined(separator: "; ")
        case .stun(let m):
            let head = "\(m.methodName) \(className(m.messageClass))"
            // A TURN Send or Data indication (RFC 8656 §11) carries a peer's datagram: its peer and what
            // it carries, as a ChannelData line shows (Wireshark shows the inner RTP too).
            guard let payload, let data = m.dataRange(in: payload) else { return head }
            var s = head
            if let a = m.attribute(STUNMessage.xorPeerAddress, in: payload), let peer = m.xorAddress(a, in: payload) {
                s += " peer=\(peer)"
            }
            s += " len=\(data.count)"
            let inner = payload[data]
            let innerClass = PayloadClassifier.classify(inner)
            guard innerClass.kind != .unknown, innerClass.kind != .stun else { return s }
            return s + ": " + info(PayloadDissection.dissect(inner, as: innerClass, nested: true), payload: inner)
        case .dtls(let r):
            var s = r.contentTypeName
            // A flight: every record's handshake messages, not only the first (DTLS-SRTP, issue 8).
            let walk = payload.map(DTLSDatagramWalk.init)
            if let types = walk?.handshakeTypes, types.count > 1 {
                s += " (" + types.map(handshakeName).joined(separator: ", ") + ")"
            } else if let h = r.handshakeType {
                s += " (\(handshakeName(h)))"
            }
            s += ", epoch \(r.epoch), seq \(r.sequenceNumber)"
            if let n = walk?.records, n > 1 { s += ", \(n) records" }
            return s
        case .sip(let sip):
            var s = sip.startLine
            if let c = sip.cseq { s += " | CSeq: \(c)" }
            if let i = sip.callID { s += " | Call-ID: \(i)" }
            return s
        case .turnChannelData(let cd, let inner):
            let head = "ChannelData \(hex16(cd.channel)) len=\(cd.length)"
            guard let inner, let payload else { return head }
            let innerBytes = payload[cd.payloadRange]
            return head + ": " + info(inner, payload: innerBytes)
        case .malformed(let kind, let error):
            return "malformed \(kind.rawValue): \(error)"
        case .none:
            return ""
        }
    }

    // MARK: - Tree

    static func tree(
        frame: Frame, decoded: DecodedFrame, app: PayloadDissection, payload: ArraySlice<UInt8>?,
        interfaces: [CaptureInterface]
    ) -> [String] {
        var lines: [String] = []
        var head = "Frame \(frame.number): \(frame.originalLength) bytes on wire, \(frame.capturedLength) captured, "
        head += "\(frame.linkType.name), interface \(frame.interfaceID), \(TimeFormatting.iso8601(frame.timestamp))"
        if decoded.truncated { head += " [truncated]" }
        lines.append(head)
        if let l = decoded.link { lines.append("  " + linkLine(l)) }
        switch decoded.network {
        case .ipv4(let ip):
            var s = "IPv4: \(ip.source) → \(ip.destination), TTL \(ip.ttl), proto \(ip.protocolNumber), "
            s += "total length \(ip.totalLength), id \(hex16(ip.identification)), header \(ip.headerLength) bytes"
            if ip.dontFragment { s += ", DF" }
            if ip.isFragment { s += ", fragment offset \(ip.fragmentOffset)\(ip.moreFragments ? ", MF" : "")" }
            if !ip.optionsRange.isEmpty { s += ", options \(ip.optionsRange.count) bytes" }
            if !ip.checksumValid { s += ", BAD CHECKSUM" }
            lines.append("  " + s)
        case .ipv6(let ip):
            var s = "IPv6: \(ip.source) → \(ip.destination), hop limit \(ip.hopLimit), payload length \(ip.payloadLength)"
            s += ", next header \(ip.upperProtocol)"
            if !ip.extensionHeaders.isEmpty {
                s += ", extension headers [" + ip.extensionHeaders.map(String.init).joined(separator: ", ") + "]"
            }
            if let f = ip.fragment { s += ", fragment id \(hex32(f.identification)) offset \(f.offset)\(f.moreFragments ? ", M" : "")" }
            lines.append("  " + s)
        case nil: break
        }
        if let r = decoded.reassembled {
            lines.append("  Reassembled \(r.bytes.count) bytes from frames " + r.frames.map(String.init).joined(separator: ", "))
        }
        switch decoded.transport {
        case .udp(let u):
            lines.append("  UDP: \(u.sourcePort) → \(u.destinationPort), length \(u.length), checksum \(hex16(u.checksum)) [\(u.checksumStatus.rawValue)]")
        case .tcp(let t):
            lines.append(
                "  TCP: \(t.sourcePort) → \(t.destinationPort), seq \(t.sequenceNumber), ack \(t.acknowledgmentNumber), [\(t.flags)], window \(t.window), header \(t.headerLength) bytes, payload \(decoded.payloadRange?.count ?? 0) bytes"
            )
        case .other(let p): lines.append("  IP protocol \(p) (not decoded)")
        case nil: break
        }
        for event in decoded.tcpEvents {
            switch event {
            case .data(let c): lines.append("  TCP stream \(c.flow): \(c.bytes.count) bytes in order at offset \(c.streamOffset)")
            case .gap(let flow, let offset, let length): lines.append("  TCP stream \(flow): gap of \(length) bytes at offset \(offset)")
            case .end(let flow, let reset, _): lines.append("  TCP stream \(flow): \(reset ? "reset" : "closed")")
            }
        }
        appTree(app, payload: payload, indent: "  ", into: &lines)
        return lines
    }

    static func appTree(_ app: PayloadDissection, payload: ArraySlice<UInt8>?, indent: String, into lines: inout [String]) {
        switch app {
        case .rtp(let h):
            var s = "RTP: V=\(h.version) P=\(h.padding ? 1 : 0) X=\(h.hasExtension ? 1 : 0) CC=\(h.csrcCount) M=\(h.marker ? 1 : 0) "
            s += "PT=\(h.payloadType) seq=\(h.sequenceNumber) ts=\(h.timestamp) SSRC=\(hex32(h.ssrc)), payload \(h.payloadRange.count) bytes"
            if h.paddingLength > 0 { s += ", padding \(h.paddingLength)" }
            lines.append(indent + s)
            if let payload, h.csrcCount > 0 {
                lines.append(indent + "  CSRC: " + h.csrcs(in: payload).map(hex32).joined(separator: ", "))
            }
            if let e = h.extension {
                var x = "Extension: profile \(hex16(e.profile)), \(e.lengthWords) words"
                if let payload, let elements = try? e.elements(in: payload), !elements.isEmpty {
                    x += ", elements " + elements.map { "id \($0.id) (\($0.range.count) bytes)" }.joined(separator: ", ")
                }
                lines.append(indent + "  " + x)
            }
        case .rtcp(let c):
            lines.append(indent + "RTCP compound: \(c.packets.count) packet(s)")
            for p in c.packets {
                var s = "\(p.kind.name) (PT \(p.packetType)), count \(p.count), length \(p.lengthWords) words"
                if let ssrc = p.ssrc { s += ", SSRC \(hex32(ssrc))" }
                if let si = p.senderInfo {
                    s += ", NTP \(hex64(si.ntpTimestamp)), RTP ts \(si.rtpTimestamp), \(si.packetCount) packets, \(si.octetCount) octets"
                }
                if p.reportBlockCount > 0 { s += ", \(p.reportBlockCount) report block(s)" }
                lines.append(indent + "  " + s)
            }
            if !c.trailingRange.isEmpty {
                lines.append(indent + "  \(c.trailingRange.count) bytes after the last walkable packet (encrypted or trailer)")
            }
        case .stun(let m):
            lines.append(indent + "STUN: \(m.methodName) \(className(m.messageClass)), length \(m.length)")
            if let payload {
                for kind in [STUNMessage.xorMappedAddress, STUNMessage.xorPeerAddress, STUNMessage.xorRelayedAddress] {
                    if let a = m.attribute(kind, in: payload), let e = m.xorAddress(a, in: payload) {
                        lines.append(indent + "  \(stunAttributeName(kind)): \(e)")
                    }
                }
                if let ch = m.channelNumber(in: payload) { lines.append(indent + "  CHANNEL-NUMBER: \(hex16(ch))") }
                if let d = m.dataRange(in: payload) { lines.append(indent + "  DATA: \(d.count) bytes") }
            }
        case .dtls(let r):
            var s = "DTLS: \(r.contentTypeName), version \(hex16(r.version)), epoch \(r.epoch), seq \(r.sequenceNumber), length \(r.length)"
            if let h = r.handshakeType { s += ", \(handshakeName(h))" }
            lines.append(indent + s)
        case .sip(let sip):
            lines.append(indent + "SIP: \(sip.startLine)")
            if let v = sip.callID { lines.append(indent + "  Call-ID: \(v)") }
            if let v = sip.cseq { lines.append(indent + "  CSeq: \(v)") }
            if let v = sip.from { lines.append(indent + "  From: \(v)") }
            if let v = sip.to { lines.append(indent + "  To: \(v)") }
            if let v = sip.contentType { lines.append(indent + "  Content-Type: \(v)") }
        case .turnChannelData(let cd, let inner):
            lines.append(indent + "TURN ChannelData: channel \(hex16(cd.channel)), length \(cd.length)")
            if let inner, let payload {
                appTree(inner, payload: payload[cd.payloadRange], indent: indent + "  ", into: &lines)
            }
        case .malformed(let kind, let error):
            lines.append(indent + "\(kind.rawValue) (malformed): \(error)")
        case .none:
            break
        }
    }

    // MARK: - Names and numbers

    static func linkLine(_ l: LinkLayer) -> String {
        var s: String
        switch l.kind {
        case .ethernet: s = "Ethernet"
        case .linuxSLL: s = "Linux cooked (SLL)"
        case .linuxSLL2: s = "Linux cooked v2 (SLL2)"
        case .rawIP: s = "Raw IP"
        case .bsdNull: s = "BSD loopback (NULL)"
        case .bsdLoop: s = "OpenBSD loopback (LOOP)"
        }
        if let src = l.source, let dst = l.destination { s += ": \(src) → \(dst)" }
        if l.vlans.count > 0 { s += ", VLAN " + l.vlans.ids.map(String.init).joined(separator: "/") }
        if let t = l.etherType { s += ", type \(hex16(t))" }
        if let p = l.sllPacketType { s += ", packet type \(p)" }
        if let i = l.sllInterfaceIndex { s += ", ifindex \(i)" }
        if let f = l.addressFamily { s += ", family \(f)" }
        return s
    }

    static func linkPayloadName(_ l: LinkLayer) -> String {
        switch l.payload {
        case .ipv4: "IPv4"
        case .ipv6: "IPv6"
        case .other(let v): "payload type \(hex32(v))"
        }
    }

    static func networkName(_ d: DecodedFrame) -> String {
        switch d.network {
        case .ipv4: "IPv4"
        case .ipv6: "IPv6"
        case nil: "?"
        }
    }

    static func fragmentInfo(_ d: DecodedFrame) -> String {
        switch d.network {
        case .ipv4(let ip): " (id \(hex16(ip.identification)), offset \(ip.fragmentOffset)\(ip.moreFragments ? ", MF" : ""))"
        case .ipv6(let ip): ip.fragment.map { " (id \(hex32($0.identification)), offset \($0.offset)\($0.moreFragments ? ", M" : ""))" } ?? ""
        case nil: ""
        }
    }

    static func className(_ c: STUNMessage.Class) -> String {
        switch c {
        case .request: "Request"
        case .indication: "Indication"
        case .successResponse: "Success Response"
        case .errorResponse: "Error Response"
        }
    }

    static func stunAttributeName(_ t: UInt16) -> String {
        switch t {
        case STUNMessage.xorMappedAddress: "XOR-MAPPED-ADDRESS"
        case STUNMessage.xorPeerAddress: "XOR-PEER-ADDRESS"
        case STUNMessage.xorRelayedAddress: "XOR-RELAYED-ADDRESS"
        default: hex16(t)
        }
    }

    static func handshakeName(_ t: UInt8) -> String {
        switch t {
        case 1: "ClientHello"
        case 2: "ServerHello"
        case 3: "HelloVerifyRequest"
        case 11: "Certificate"
        case 12: "ServerKeyExchange"
        case 13: "CertificateRequest"
        case 14: "ServerHelloDone"
        case 15: "CertificateVerify"
        case 16: "ClientKeyExchange"
        case 20: "Finished"
        default: "handshake type \(t)"
        }
    }

    static func hex16(_ v: UInt16) -> String { "0x" + hexDigits(UInt64(v), 4) }
    static func hex32(_ v: UInt32) -> String { "0x" + hexDigits(UInt64(v), 8) }
    static func hex64(_ v: UInt64) -> String { "0x" + hexDigits(v, 16) }

    static func hexDigits(_ v: UInt64, _ width: Int) -> String {
        let s = String(v, radix: 16)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    static func leftPad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
    }
}
