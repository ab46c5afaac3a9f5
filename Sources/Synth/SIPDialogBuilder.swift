/// The SIP dialog of one call (RFC 3261 §13–15, RFC 3264 offer/answer): INVITE with the offer,
/// 100 Trying, 180 Ringing or 183 Session Progress (with the answer SDP), 200 OK with the answer,
/// ACK, then BYE and its 200 OK; over UDP (optionally fragmented) or one TCP connection.
struct SIPDialogBuilder {
    let scenario: Scenario
    let caller: PartyPlan
    let callee: PartyPlan
    let offerLine: PartyPlan.ResolvedCryptoLine
    let answerLine: PartyPlan.ResolvedCryptoLine
    let callID: String
    let inviteBranch: String
    let sessionIDs: (UInt64, UInt64)
    var ipID: (UInt16, UInt16)
    // TCP state: caller's ephemeral port and both sequence numbers.
    var tcpPort: UInt16
    var tcpSeq: (UInt32, UInt32)

    init(
        scenario: Scenario, caller: PartyPlan, callee: PartyPlan, offerLine: PartyPlan.ResolvedCryptoLine,
        answerLine: PartyPlan.ResolvedCryptoLine, rng: inout SeededGenerator
    ) {
        self.scenario = scenario
        self.caller = caller
        self.callee = callee
        self.offerLine = offerLine
        self.answerLine = answerLine
        callID = rng.hexToken(24) + "@" + caller.sipEndpoint.addressText
        inviteBranch = "z9hG4bK" + rng.hexToken(16)
        sessionIDs = (1_000_000_000 + rng.below(1_000_000_000), 1_000_000_000 + rng.below(1_000_000_000))
        ipID = (UInt16(truncatingIfNeeded: rng.next()), UInt16(truncatingIfNeeded: rng.next()))
        tcpPort = UInt16(49152 + rng.below(16000))
        tcpSeq = (UInt32(truncatingIfNeeded: rng.next()), UInt32(truncatingIfNeeded: rng.next()))
    }

    var transport: String { scenario.usesTCP ? "TCP" : "UDP" }
    var callerSIPSource: Endpoint {
        scenario.usesTCP ? Endpoint(address: caller.sipEndpoint.address, port: tcpPort) : caller.sipEndpoint
    }

    func uri(_ p: PartyPlan) -> String { "sip:\(p.user)@\(p.domain)" }
    func contact(_ p: PartyPlan) -> String {
        "<sip:\(p.user)@\(hostPort(p.sipEndpoint))\(scenario.usesTCP ? ";transport=tcp" : "")>"
    }
    func hostPort(_ e: Endpoint) -> String { e.isIPv6 ? "[\(e.addressText)]:\(e.port)" : "\(e.addressText):\(e.port)" }
    func display(_ p: PartyPlan) -> String { p.user.prefix(1).uppercased() + p.user.dropFirst() }

    func offerSDP(lines: [PartyPlan.ResolvedCryptoLine]? = nil, version: UInt64 = 0) -> String {
        var sdp = SessionDescription(
            user: caller.user, sessionID: sessionIDs.0, version: sessionIDs.0 + version, address: caller.sdpMedia,
            codec: scenario.resolvedCodec, rtcpMux: scenario.resolvedRTCPMux,
            cryptoLines: (lines ?? caller.lines).map(\.attribute), rtpmeKey: caller.rtpme?.passphrase)
        if let padding = scenario.invitePadding, padding > 0 {
            // Long but harmless attribute lines (RFC 8866 §5.13: unknown attributes are ignored).
            var remaining = padding
            var i = 0
            while remaining > 0 {
                let length = min(remaining, 70)
                sdp.paddingLines.append("a=x-synth-padding:\(i) " + String(repeating: "p", count: length))
                remaining -= length
                i += 1
            }
        }
        return sdp.text
    }

    func answerSDP(_ party: PartyPlan? = nil, line: PartyPlan.ResolvedCryptoLine? = nil, version: UInt64 = 0) -> String
    {
        let p = party ?? callee
        return SessionDescription(
            user: p.user, sessionID: sessionIDs.1, version: sessionIDs.1 + version, address: p.sdpMedia,
            codec: scenario.resolvedCodec, rtcpMux: scenario.resolvedRTCPMux,
            cryptoLines: [(line ?? answerLine).attribute], rtpmeKey: p.rtpme?.passphrase
        ).text
    }

    /// What happens besides the basic dialog: a forked 183 and a re-INVITE rekey.
    struct Extras {
        var fork: PartyPlan?
        var forkLine: PartyPlan.ResolvedCryptoLine?
        var forkTime = 0.3
        var rekeyTime: Double?
        var rekeyOffer: [PartyPlan.ResolvedCryptoLine] = []
        var rekeyAnswer: PartyPlan.ResolvedCryptoLine?
    }

    /// The dialog's messages as wire items, at their times.
    mutating func items(answerTime: Double, endTime: Double, extras: Extras, rng: inout SeededGenerator)
        throws(SynthesisError) -> [CallSynthesizer.WireItem]
    {
        let via = "SIP/2.0/\(transport) \(hostPort(caller.sipEndpoint));branch=\(inviteBranch);rport"
        let from = "\"\(display(caller))\" <\(uri(caller))>;tag=\(caller.tag)"
        let toNoTag = "<\(uri(callee))>"
        let to = "\(toNoTag);tag=\(callee.tag)"
        let allow = "INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, PRACK"
        func request(_ method: String, cseq: Int, branch: String, to: String, body: String = "") -> SIPMessage {
            var headers: [(String, String)] = [
                ("Via", "SIP/2.0/\(transport) \(hostPort(caller.sipEndpoint));branch=\(branch);rport"),
                ("Max-Forwards", "70"),
                ("From", from), ("To", to), ("Call-ID", callID), ("CSeq", "\(cseq) \(method)"),
            ]
            if method == "INVITE" {
                headers += [("Contact", contact(caller)), ("Allow", allow), ("Supported", "replaces, timer")]
            }
            headers.append(("User-Agent", caller.userAgent))
            return SIPMessage(
                startLine:
                    "\(method) sip:\(callee.user)@\(method == "INVITE" ? callee.domain : hostPort(callee.sipEndpoint)) SIP/2.0",
                headers: headers, body: body, contentType: body.isEmpty ? nil : "application/sdp")
        }
        func response(
            _ code: Int, _ reason: String, cseq: String, via: String, withTag: Bool, body: String = "",
            from device: PartyPlan? = nil
        ) -> SIPMessage {
            let d = device ?? callee
            var headers: [(String, String)] = [
                ("Via", via + ";received=\(caller.sipEndpoint.addressText)"), ("From", from),
                ("To", withTag ? "\(toNoTag);tag=\(d.tag)" : toNoTag), ("Call-ID", callID), ("CSeq", cseq),
            ]
            if code >= 180 && cseq.hasSuffix("INVITE") { headers += [("Contact", contact(d)), ("Allow", allow)] }
            headers.append(("Server", d.userAgent))
            return SIPMessage(
                startLine: "SIP/2.0 \(code) \(reason)", headers: headers, body: body,
                contentType: body.isEmpty ? nil : "application/sdp")
        }

        var out: [CallSynthesizer.WireItem] = []
        let tcp = scenario.usesTCP
        var t = 0.0
        if tcp {
            out += handshake(at: 0)
            t = 0.001
        }
        let provisional = scenario.resolvedProvisional
        let byeBranch = "z9hG4bK" + rng.hexToken(16)
        let ackBranch = "z9hG4bK" + rng.hexToken(16)
        let answer = answerSDP()
        var messages: [(Double, SIPMessage, Bool, String?)] = [
            (t, request("INVITE", cseq: 1, branch: inviteBranch, to: toNoTag, body: offerSDP()), true, "offer"),
            (t + 0.012, response(100, "Trying", cseq: "1 INVITE", via: via, withTag: false), false, nil),
            provisional == 183
                ? (
                    0.25, response(183, "Session Progress", cseq: "1 INVITE", via: via, withTag: true, body: answer),
                    false, "answer"
                )
                : (0.25, response(180, "Ringing", cseq: "1 INVITE", via: via, withTag: true), false, nil),
            (answerTime, response(200, "OK", cseq: "1 INVITE", via: via, withTag: true, body: answer), false, "answer"),
            (answerTime + 0.015, request("ACK", cseq: 1, branch: ackBranch, to: to), true, nil),
        ]
        if let fork = extras.fork, let line = extras.forkLine {
            // The forked device's 183: its own To-tag, Contact, SDP and key (RFC 3261 §16.7, §13.2.2.4).
            messages.append(
                (
                    extras.forkTime,
                    response(
                        183, "Session Progress", cseq: "1 INVITE", via: via, withTag: true,
                        body: answerSDP(fork, line: line), from: fork), false, "fork"
                ))
        }
        var byeCSeq = 2
        if let time = extras.rekeyTime, let answer = extras.rekeyAnswer {
            // A re-INVITE in the dialog (RFC 3261 §14): new branch, CSeq 2, To with the tag, SDP version + 1.
            let branch = "z9hG4bK" + rng.hexToken(16)
            let reVia = "SIP/2.0/\(transport) \(hostPort(caller.sipEndpoint));branch=\(branch);rport"
            var reinvite = request(
                "INVITE", cseq: 2, branch: branch, to: to, body: offerSDP(lines: extras.rekeyOffer, version: 1))
            reinvite.startLine = "INVITE sip:\(callee.user)@\(hostPort(callee.sipEndpoint)) SIP/2.0"
            messages.append((time, reinvite, true, "reoffer"))
            messages.append(
                (
                    time + 0.04,
                    response(
                        200, "OK", cseq: "2 INVITE", via: reVia, withTag: true,
                        body: answerSDP(line: answer, version: 1)), false, "reanswer"
                ))
            messages.append(
                (time + 0.055, request("ACK", cseq: 2, branch: "z9hG4bK" + rng.hexToken(16), to: to), true, nil))
            byeCSeq = 3
        }
        let byeVia = "SIP/2.0/\(transport) \(hostPort(caller.sipEndpoint));branch=\(byeBranch);rport"
        messages.append((endTime + 0.02, request("BYE", cseq: byeCSeq, branch: byeBranch, to: to), true, nil))
        messages.append(
            (endTime + 0.035, response(200, "OK", cseq: "\(byeCSeq) BYE", via: byeVia, withTag: true), false, nil))
        messages.sort { $0.0 < $1.0 }
        for (time, message, fromCaller, mark) in messages {
            out += try carry(message.bytes, at: time, fromCaller: fromCaller, mark: mark)
        }
        return out
    }

    /// Puts one SIP message on the wire: a UDP datagram (fragmented when larger than `fragmentMTU`)
    /// or TCP segments of at most `tcpSegmentSize` bytes followed by the peer's ACK.
    mutating func carry(_ bytes: [UInt8], at time: Double, fromCaller: Bool, mark: String?) throws(SynthesisError)
        -> [CallSynthesizer.WireItem]
    {
        let src = fromCaller ? callerSIPSource : callee.sipEndpoint
        let dst = fromCaller ? callee.sipEndpoint : callerSIPSource
        if fromCaller { ipID.0 &+= 1 } else { ipID.1 &+= 1 }
        let id = fromCaller ? ipID.0 : ipID.1
        if !scenario.usesTCP {
            let udp = IPPacketBuilder.udp(from: src, to: dst, payload: bytes)
            var packets: [[UInt8]]
            if let mtu = scenario.fragmentMTU, !src.isIPv6, udp.count + 20 > mtu {
                guard mtu >= 68 else { throw SynthesisError("fragmentMTU must be at least 68 (RFC 791)") }
                packets = IPPacketBuilder.ipv4Fragments(
                    source: src.address, destination: dst.address, proto: .udp, identification: id,
                    payload: udp, mtu: mtu)
            } else {
                packets = [
                    IPPacketBuilder.ip(
                        source: src.address, destination: dst.address, proto: .udp, identification: id, payload: udp)
                ]
            }
            return [
                CallSynthesizer.WireItem(
                    time: time, order: 0, ipPackets: packets, fromCaller: fromCaller, isMedia: false, kind: "sip",
                    media: nil, mark: mark)
            ]
        }
        let segmentSize = max(1, scenario.tcpSegmentSize ?? 1400)
        var out: [CallSynthesizer.WireItem] = []
        var offset = 0
        var k = 0
        while offset < bytes.count {
            let end = min(offset + segmentSize, bytes.count)
            let last = end == bytes.count
            let (seq, ack) = fromCaller ? (tcpSeq.0, tcpSeq.1) : (tcpSeq.1, tcpSeq.0)
            let segment = IPPacketBuilder.tcp(
                from: src, to: dst, sequence: seq, acknowledgement: ack,
                flags: last ? [.ack, .psh] : [.ack], payload: Array(bytes[offset..<end]))
            if fromCaller { tcpSeq.0 &+= UInt32(end - offset) } else { tcpSeq.1 &+= UInt32(end - offset) }
            let ipPacket = IPPacketBuilder.ip(
                source: src.address, destination: dst.address, proto: .tcp, identification: id &+ UInt16(k),
                payload: segment)
            out.append(
                CallSynthesizer.WireItem(
                    time: time + Double(k) * 0.00005, order: 0, ipPackets: [ipPacket], fromCaller: fromCaller,
                    isMedia: false, kind: "sip", media: nil, mark: last ? mark : nil))
            offset = end
            k += 1
        }
        // The receiver acknowledges the whole message (RFC 9293 §3.8.6.3 lets it delay; it does not).
        let (seq, ack) = fromCaller ? (tcpSeq.1, tcpSeq.0) : (tcpSeq.0, tcpSeq.1)
        let ackSegment = IPPacketBuilder.tcp(
            from: dst, to: src, sequence: seq, acknowledgement: ack, flags: [.ack], payload: [])
        out.append(
            CallSynthesizer.WireItem(
                time: time + Double(k) * 0.00005 + 0.0003, order: 0,
                ipPackets: [
                    IPPacketBuilder.ip(
                        source: dst.address, destination: src.address, proto: .tcp,
                        identification: 0, payload: ackSegment)
                ],
                fromCaller: !fromCaller, isMedia: false, kind: "tcp", media: nil, mark: nil))
        return out
    }

    /// SYN, SYN-ACK, ACK from the caller's ephemeral port to the callee's SIP port (RFC 9293 §3.5).
    mutating func handshake(at time: Double) -> [CallSynthesizer.WireItem] {
        let c = callerSIPSource
        let s = callee.sipEndpoint
        let syn = IPPacketBuilder.tcp(
            from: c, to: s, sequence: tcpSeq.0, acknowledgement: 0, flags: [.syn], payload: [])
        tcpSeq.0 &+= 1
        let synAck = IPPacketBuilder.tcp(
            from: s, to: c, sequence: tcpSeq.1, acknowledgement: tcpSeq.0, flags: [.syn, .ack], payload: [])
        tcpSeq.1 &+= 1
        let ack = IPPacketBuilder.tcp(
            from: c, to: s, sequence: tcpSeq.0, acknowledgement: tcpSeq.1, flags: [.ack], payload: [])
        func item(_ t: Double, _ seg: [UInt8], _ fromCaller: Bool) -> CallSynthesizer.WireItem {
            let (a, b) = fromCaller ? (c, s) : (s, c)
            return CallSynthesizer.WireItem(
                time: t, order: 0,
                ipPackets: [
                    IPPacketBuilder.ip(
                        source: a.address, destination: b.address, proto: .tcp,
                        identification: 0, payload: seg)
                ],
                fromCaller: fromCaller, isMedia: false, kind: "tcp", media: nil, mark: nil)
        }
        return [item(time, syn, true), item(time + 0.0004, synAck, false), item(time + 0.0008, ack, true)]
    }
}
