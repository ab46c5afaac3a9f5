import Capture
import Foundation

/// A synthesized capture: its frames, interfaces, and the results a correct decryptor reports.
public struct SynthesizedCapture: Sendable {
    public var format: CaptureFormat
    public var interfaces: [CaptureInterface]
    public var frames: [Frame]
    public var expected: ExpectedResults
}

/// Turns a scenario into a capture (Docs/synth.md): the SIP dialog, the SRTP/SRTCP both ways
/// (protected by libsrtp with the SENDER's SDP key, RFC 4568 §6.1: an SDP's author keys what it
/// sends), the impairments, and the framing; then numbers the frames and derives the expected results.
public enum CallSynthesizer {
    /// One thing on the wire before framing: an IP packet (or its fragments) with what it is.
    struct WireItem {
        var time: Double
        var order: Int
        var ipPackets: [[UInt8]]
        var fromCaller: Bool
        var isMedia: Bool
        var kind: String
        var media: MediaRecord?
        /// Set on the item that completes an offer ("offer") or the first answer ("answer").
        var mark: String?
    }

    struct MediaRecord {
        var stream: StreamID
        var status: String
        var digest: String?
        var index: UInt64
        var roc: UInt32
    }

    struct StreamID: Hashable {
        var rtcp: Bool
        var ssrc: UInt32
        var src: Endpoint
        var dst: Endpoint
        var fromCaller: Bool
        var keyMark: String
        var channel: UInt16?
        var rtpmeKey: String?
        var rtpmeReading: String?
        /// "send" or "data": the packet travels in a TURN Send or Data indication (RFC 8656 §10, §11).
        var indication: String?
    }

    public static func synthesize(_ scenario: Scenario, seed overrideSeed: UInt64? = nil, captureName: String)
        throws(SynthesisError) -> SynthesizedCapture
    {
        let seed = overrideSeed ?? scenario.seed ?? 1
        var rng = SeededGenerator(seed: seed)
        let codec = scenario.resolvedCodec
        guard ["pcmu", "pcma", "opus"].contains(codec) else {
            throw SynthesisError("codec \"\(codec)\": use pcmu, pcma or opus")
        }
        // Limits that keep a mistyped scenario from filling the disk (a call is test material, not a load test).
        guard scenario.resolvedDuration.isFinite, scenario.resolvedDuration <= 3600,
            scenario.resolvedRing.isFinite, scenario.resolvedRing <= 600
        else {
            throw SynthesisError("durationSeconds must be at most 3600 and ringSeconds at most 600")
        }
        guard scenario.resolvedRTCPInterval.isFinite, scenario.resolvedRTCPInterval >= 0.1 else {
            throw SynthesisError("rtcpIntervalSeconds must be at least 0.1")
        }
        guard (scenario.invitePadding ?? 0) <= 60_000, (scenario.tcpSegmentSize ?? 1400) >= 1 else {
            throw SynthesisError("invitePadding must be at most 60000 and tcpSegmentSize at least 1")
        }
        guard scenario.resolvedProvisional == 180 || scenario.resolvedProvisional == 183 else {
            throw SynthesisError("provisional must be 180 or 183")
        }

        let caller = try PartyPlan(
            scenario.caller, defaultUser: "alice", defaultSIPPort: 5060, defaultMediaPort: 40000,
            defaultLines: [Scenario.CryptoLine(tag: 1, suite: .aesCM128HMACSHA180)], rng: &rng)
        let offerFirst = caller.lines[0]
        let callee = try PartyPlan(
            scenario.callee, defaultUser: "bob", defaultSIPPort: 5060, defaultMediaPort: 50000,
            defaultLines: [Scenario.CryptoLine(tag: offerFirst.tag, suite: offerFirst.suite)], rng: &rng)
        guard caller.sipEndpoint.isIPv6 == callee.sipEndpoint.isIPv6, caller.wireMedia.isIPv6 == callee.wireMedia.isIPv6
        else {
            throw SynthesisError("caller and callee must use the same IP version")
        }
        guard (caller.rtpme == nil) == (callee.rtpme == nil) else {
            throw SynthesisError("rtpme must be set on both parties or neither")
        }
        let answerLine = callee.lines[0]
        guard let offerLine = caller.lines.first(where: { $0.tag == answerLine.tag }) else {
            throw SynthesisError("the callee's crypto tag \(answerLine.tag) names no line of the caller's offer")
        }
        guard offerLine.suite == answerLine.suite else {
            throw SynthesisError(
                "the answer's suite \(answerLine.suite.rawValue) differs from offer line \(offerLine.tag)'s \(offerLine.suite.rawValue)"
            )
        }

        var items: [WireItem] = []
        var order = 0
        func add(_ item: WireItem) {
            var item = item
            item.order = order
            order += 1
            items.append(item)
        }

        // What is added to the basic call: a forked device, a re-INVITE rekey.
        let ring = max(0.3, scenario.resolvedRing)
        let answerTime = ring
        let endTime = answerTime + max(0.1, scenario.resolvedDuration)
        var extras = SIPDialogBuilder.Extras()
        if let forkParty = scenario.fork {
            guard scenario.resolvedProvisional == 183 else { throw SynthesisError("fork needs provisional 183") }
            let fork = try PartyPlan(
                forkParty, defaultUser: "bob", defaultSIPPort: 5060, defaultMediaPort: 52000,
                defaultLines: [Scenario.CryptoLine(tag: offerLine.tag, suite: offerLine.suite)], rng: &rng)
            guard fork.lines[0].tag == offerLine.tag, fork.lines[0].suite == offerLine.suite else {
                throw SynthesisError(
                    "the fork must answer the same offer line (tag \(offerLine.tag), \(offerLine.suite.rawValue))")
            }
            extras.fork = fork
            extras.forkLine = fork.lines[0]
        }
        if let rekey = scenario.rekeyAtSeconds {
            guard rekey > answerTime + 0.1, rekey + 0.1 < endTime else {
                throw SynthesisError(
                    "rekeyAtSeconds must fall inside the media (after \(answerTime + 0.1) s, before \(endTime - 0.1) s)"
                )
            }
            extras.rekeyTime = rekey
            extras.rekeyOffer = caller.lines.map { $0.rekeyed(&rng) }
            extras.rekeyAnswer = answerLine.rekeyed(&rng)
        }

        // The caller's TURN relay: its SDP announces the relayed address.
        var callerPlan = caller
        var relay: (server: Endpoint, channel: UInt16, relayed: Endpoint)?
        if let turn = scenario.turn {
            let server = try parseEndpoint(turn.server, field: "turn.server")
            let relayed = try parseEndpoint(turn.relayed, field: "turn.relayed")
            callerPlan.sdpMedia = relayed
            let channel = turn.channel ?? 0x4000
            // RFC 8656 §12: channel numbers 0x4000 through 0x4FFF.
            guard (0x4000...0x4FFE).contains(channel) else {
                throw SynthesisError("turn.channel must be 0x4000…0x4FFE")
            }
            guard server.isIPv6 == caller.wireMedia.isIPv6, relayed.isIPv6 == caller.wireMedia.isIPv6 else {
                throw SynthesisError("turn.server and turn.relayed must use the parties' IP version")
            }
            // A forked device would need its own permission and channel: not synthesized.
            guard extras.fork == nil else { throw SynthesisError("turn and fork cannot be combined") }
            relay = (server, channel, relayed)
        }

        // Signalling.
        var dialog = SIPDialogBuilder(
            scenario: scenario, caller: callerPlan, callee: callee, offerLine: offerLine,
            answerLine: answerLine, rng: &rng)
        for item in try dialog.items(answerTime: answerTime, endTime: endTime, extras: extras, rng: &rng) { add(item) }

        // The caller's TURN exchange: allocations before the INVITE, permission and channel once the
        // answer names the callee's media address, deallocation after the call.
        var turnExchange: TURNExchange?
        if let relay, let turn = scenario.turn {
            let exchange = try TURNExchange(
                relay: turn, server: relay.server, relayed: relay.relayed, channel: relay.channel,
                client: caller.wireMedia, peer: callee.wireMedia, rtcpMux: scenario.resolvedRTCPMux,
                learnTime: scenario.resolvedProvisional == 183 ? 0.25 : answerTime, endTime: endTime,
                clientSoftware: caller.userAgent, defaultUsername: caller.user, defaultRealm: caller.domain,
                seed: seed ^ 0x5455_524E)
            for item in exchange.items { add(item) }
            turnExchange = exchange
        }

        // Media: the callee's early media starts after the 183, otherwise after the 200.
        let early = scenario.earlyMedia == true && scenario.resolvedProvisional == 183
        let calleeStart = early ? 0.3 : answerTime + 0.02
        let callerStart = answerTime + 0.035
        let callerRTP = try MediaPlan.rtp(
            options: caller.media, codec: codec, start: callerStart, end: endTime,
            keyCount: offerLine.keys.count, rng: &rng)
        let calleeRTP = try MediaPlan.rtp(
            options: callee.media, codec: codec, start: calleeStart, end: endTime,
            keyCount: answerLine.keys.count, rng: &rng)
        let interval = scenario.resolvedRTCPInterval
        let callerReports = MediaPlan.reportTimes(start: callerStart, end: endTime, interval: interval)
        let calleeReports = MediaPlan.reportTimes(start: calleeStart, end: endTime, interval: interval)
        let base = Double(scenario.resolvedStart)
        guard (scenario.rtcpXREvery ?? 0) >= 0, (scenario.rtcpAppEvery ?? 0) >= 0 else {
            throw SynthesisError("rtcpXREvery and rtcpAppEvery must be at least 0")
        }
        let rtcpExtras = MediaPlan.RTCPExtras(
            xrEvery: scenario.rtcpXREvery ?? 0, appEvery: scenario.rtcpAppEvery ?? 0)
        // RTCP BYE: the caller leaves just before its SIP BYE (at end + 0.02 s), the callee once it has
        // answered it (end + 0.035 s).
        var callerExtras = rtcpExtras
        var calleeExtras = rtcpExtras
        if scenario.rtcpBye == true {
            callerExtras.byeAt = endTime + 0.01
            calleeExtras.byeAt = endTime + 0.04
        }
        let callerSent = MediaPlan.addRTCP(
            to: callerRTP, reportTimes: callerReports, peer: calleeRTP, peerReportTimes: calleeReports,
            base: base, codec: codec, cname: "\(caller.user)@\(caller.mediaEndpoint.addressText)",
            extras: callerExtras, rng: &rng)
        let calleeSent = MediaPlan.addRTCP(
            to: calleeRTP, reportTimes: calleeReports, peer: callerRTP, peerReportTimes: callerReports,
            base: base, codec: codec, cname: "\(callee.user)@\(callee.mediaEndpoint.addressText)",
            extras: calleeExtras, rng: &rng)

        // Keys by time: each direction under its SDP key, and from the re-INVITE's 200 OK under the new ones.
        let rekeyFrom = extras.rekeyTime.map { $0 + 0.04 }
        var callerEpochs = [KeyEpoch(from: -.infinity, line: offerLine, mark: "offer")]
        var calleeEpochs = [KeyEpoch(from: -.infinity, line: answerLine, mark: "answer")]
        if let from = rekeyFrom, let newAnswer = extras.rekeyAnswer,
            let newOffer = extras.rekeyOffer.first(where: { $0.tag == answerLine.tag })
        {
            callerEpochs.append(KeyEpoch(from: from, line: newOffer, mark: "reoffer"))
            calleeEpochs.append(KeyEpoch(from: from, line: newAnswer, mark: "reanswer"))
        }
        var lines: [String: PartyPlan.ResolvedCryptoLine] = [:]
        for e in callerEpochs + calleeEpochs { lines[e.mark] = e.line }

        let mux = scenario.resolvedRTCPMux
        // Where each direction's packets travel on the captured wire (through the relay for the caller).
        func route(fromCaller: Bool, sender: PartyPlan, receiver: PartyPlan) -> Route {
            if let relay {
                let local = caller.wireMedia
                let indications = turnExchange.map {
                    Route.Indications(
                        boundAt: $0.components.map(\.boundAt), peers: $0.components.map(\.peer),
                        seed: seed ^ (fromCaller ? 0x5345_4E44 : 0x4441_5441))
                }
                return fromCaller
                    ? Route(
                        from: local, to: relay.server, channel: relay.channel, rtcpMux: mux,
                        relayPortFixed: .destination, indications: indications)
                    : Route(
                        from: relay.server, to: local, channel: relay.channel, rtcpMux: mux, relayPortFixed: .source,
                        indications: indications)
            }
            return Route(
                from: sender.wireMedia, to: receiver.wireMedia, channel: nil, rtcpMux: mux, relayPortFixed: nil)
        }
        let directions: [([SentPacket], [KeyEpoch], PartyPlan, Route, Bool)] = [
            (callerSent, callerEpochs, caller, route(fromCaller: true, sender: caller, receiver: callee), true),
            (calleeSent, calleeEpochs, callee, route(fromCaller: false, sender: callee, receiver: caller), false),
        ]
        for (sent, epochs, from, path, fromCaller) in directions {
            for m in try protectAndImpair(
                sent, epochs: epochs, options: from.media, route: path, fromCaller: fromCaller,
                rtpme: from.rtpme, rng: &rng)
            { add(m) }
        }
        if let fork = extras.fork, let line = extras.forkLine {
            // The forked device's early media, from its 183 until the main callee's 200 OK ends the fork.
            let forkRTP = try MediaPlan.rtp(
                options: fork.media, codec: codec, start: extras.forkTime + 0.05, end: answerTime,
                keyCount: line.keys.count, rng: &rng)
            let forkSent = MediaPlan.addRTCP(
                to: forkRTP,
                reportTimes: MediaPlan.reportTimes(start: extras.forkTime + 0.05, end: answerTime, interval: interval),
                peer: [], peerReportTimes: [], base: base, codec: codec,
                cname: "\(fork.user)@\(fork.mediaEndpoint.addressText)", rng: &rng)
            lines["fork"] = line
            for m in try protectAndImpair(
                forkSent, epochs: [KeyEpoch(from: -.infinity, line: line, mark: "fork")], options: fork.media,
                route: route(fromCaller: false, sender: fork, receiver: caller), fromCaller: false, rng: &rng)
            { add(m) }
        }

        // Order on the wire; a capture started late leaves out what came before.
        items.sort { ($0.time, $0.order) < ($1.time, $1.order) }
        if let start = scenario.captureStartSeconds { items.removeAll { $0.time < start } }
        return try frame(items, scenario: scenario, seed: seed, captureName: captureName, lines: lines)
    }

    /// The key a direction sends under from a time on.
    struct KeyEpoch {
        var from: Double
        var line: PartyPlan.ResolvedCryptoLine
        /// The signalling mark of the SDP that carries the key.
        var mark: String
    }

    /// The UDP path of one direction on the captured wire, and its TURN channel if relayed.
    struct Route {
        enum Fixed { case source, destination }
        var from: Endpoint
        var to: Endpoint
        var channel: UInt16?
        var rtcpMux: Bool
        /// Through a relay, the server's port stays the same for RTCP (a second channel tells them apart).
        var relayPortFixed: Fixed?
        /// Through a relay: until each component's channel is bound, its packets go in Send/Data
        /// indications naming the peer.
        var indications: Indications?

        struct Indications {
            /// Per component (RTP, then RTCP unless rtcp-mux): when the channel is bound.
            var boundAt: [Double]
            var peers: [Endpoint]
            /// Seed of the indications' transaction IDs (a generator of their own).
            var seed: UInt64
        }

        func endpoints(rtcp: Bool) -> (Endpoint, Endpoint, UInt16?) {
            guard rtcp && !rtcpMux else { return (from, to, channel) }
            let src = relayPortFixed == .source ? from : Endpoint(address: from.address, port: from.port &+ 1)
            let dst = relayPortFixed == .destination ? to : Endpoint(address: to.address, port: to.port &+ 1)
            return (src, dst, channel.map { $0 &+ 1 })
        }
    }

    /// Protects each packet with libsrtp in sending order, then applies the party's impairments.
    static func protectAndImpair(
        _ sent: [SentPacket], epochs: [KeyEpoch], options: Scenario.MediaOptions,
        route: Route, fromCaller: Bool, rtpme: (passphrase: String, reading: String)? = nil,
        rng: inout SeededGenerator
    ) throws(SynthesisError) -> [WireItem] {
        var sessions: [any SenderTransform] = []
        // MS-SSRTP: the answerer that selected a cryptoscale line sends SSRTP (Microsoft protocols notes).
        let ssrtp = !fromCaller && epochs.first?.line.scale == true
        for epoch in epochs {
            if let rtpme {
                sessions.append(try RTPMESender(passphrase: rtpme.passphrase, reading: rtpme.reading))
            } else {
                sessions.append(try senderTransform(for: epoch.line, ssrtp: ssrtp, rng: &rng))
            }
        }
        let lose = Set(options.lose ?? [])
        let duplicate = Set(options.duplicate ?? [])
        let reorder = Set(options.reorder ?? [])
        let corrupt = Set(options.corrupt ?? [])
        let dropFirst = options.dropFirst ?? 0
        let dropUntil = sent.first(where: { !$0.rtcp && $0.number >= dropFirst })?.time ?? .infinity
        var firstSSRC: UInt32?
        var out: [WireItem] = []
        // Times of the next RTP packet, for reordering.
        let rtpTimes = sent.filter { !$0.rtcp }.map(\.time)
        var ipID = UInt16(truncatingIfNeeded: rng.next())
        var stunRNG = SeededGenerator(seed: route.indications?.seed ?? 0)
        for p in sent {
            let epoch = epochs.lastIndex { $0.from <= p.time } ?? 0
            let session = sessions[epoch]
            if firstSSRC == nil { firstSSRC = p.ssrc }
            // The first SSRC keeps its ROC across a rekey (the sequence numbers go on); a new SSRC starts at 0.
            try session.prepare(ssrc: p.ssrc, roc: p.ssrc == firstSSRC ? p.roc : 0)
            var wire = try session.protect(p.plaintext, rtcp: p.rtcp, keyIndex: p.keyIndex, roc: p.roc, index: p.index)
            if p.time < dropUntil { continue }
            if !p.rtcp && (lose.contains(p.number) || (options.lossRate.map { rng.chance($0) } ?? false)) { continue }
            var status = "authenticated"
            var digest: String? = plaintextDigest(p.plaintext)
            if !p.rtcp && corrupt.contains(p.number) {
                // Flip one bit inside the encrypted payload: covered by the tag, so authentication fails.
                let offset = 12 + Int(rng.below(UInt64(max(1, p.plaintext.count - 12))))
                let bit = UInt8(1) << UInt8(rng.below(8))
                wire[offset] ^= bit
                if rtpme == nil, !epochs[epoch].line.services.authenticateRTP {
                    // UNAUTHENTICATED_SRTP (RFC 4568 §6.3.3): no tag, nothing notices. Counter mode (and
                    // the clear) carries the flip to the same plaintext bit: the receiver accepts
                    // altered media (RFC 3711 §9.5.1), which the digest shows.
                    var altered = p.plaintext
                    altered[offset] ^= bit
                    digest = plaintextDigest(altered)
                } else {
                    status = "auth_failed"
                    digest = nil
                }
            }
            var (src, dst, channel) = route.endpoints(rtcp: p.rtcp)
            var indication: String?
            let component = p.rtcp && !route.rtcpMux ? 1 : 0
            if channel != nil, let relay = route.indications, component < relay.boundAt.count,
                p.time < relay.boundAt[component]
            {
                // Before the ChannelBind succeeds: a Send indication to the server, a Data indication from it.
                wire = TURNExchange.indication(
                    wire, toPeer: fromCaller, peer: relay.peers[component], rng: &stunRNG)
                indication = fromCaller ? "send" : "data"
                channel = nil
            }
            let id = StreamID(
                rtcp: p.rtcp, ssrc: p.ssrc, src: src, dst: dst, fromCaller: fromCaller, keyMark: epochs[epoch].mark,
                channel: channel, rtpmeKey: rtpme?.passphrase, rtpmeReading: rtpme?.reading, indication: indication)
            if let channel {
                // ChannelData (RFC 8656 §12.4): channel number, length, data; no padding over UDP.
                wire = be16(channel) + be16(UInt16(wire.count)) + wire
            }
            var time = p.time
            if !p.rtcp && reorder.contains(p.number), p.number + 1 < rtpTimes.count {
                time = rtpTimes[p.number + 1] + 0.0004
            }
            func item(_ time: Double, _ status: String, _ digest: String?) -> WireItem {
                ipID &+= 1
                let udp = IPPacketBuilder.udp(from: src, to: dst, payload: wire)
                return WireItem(
                    time: time, order: 0,
                    ipPackets: [
                        IPPacketBuilder.ip(
                            source: src.address, destination: dst.address, proto: .udp,
                            identification: ipID, payload: udp)
                    ],
                    fromCaller: fromCaller, isMedia: true, kind: p.rtcp ? "rtcp" : "rtp",
                    media: MediaRecord(stream: id, status: status, digest: digest, index: p.index, roc: p.roc),
                    mark: nil)
            }
            out.append(item(time, status, digest))
            if !p.rtcp && duplicate.contains(p.number) {
                // The copy arrives after the original: a replay (RFC 3711 §3.3.2).
                out.append(
                    item(
                        time + 0.0002, status == "authenticated" ? "replayed" : status,
                        status == "authenticated" ? digest : nil))
            }
        }
        return out
    }

    /// Numbers the frames, frames them, and derives the expected results.
    static func frame(
        _ items: [WireItem], scenario: Scenario, seed: UInt64, captureName: String,
        lines: [String: PartyPlan.ResolvedCryptoLine]
    ) throws(SynthesisError) -> SynthesizedCapture {
        let framing = scenario.resolvedFraming
        let format = scenario.resolvedFormat
        let split = format == .pcapng && scenario.separateMediaInterface == true
        var interfaces = [
            CaptureInterface(linkType: framing.linkType, name: format == .pcapng ? (split ? "sip0" : "eth0") : nil)
        ]
        if split {
            interfaces.append(CaptureInterface(linkType: .linuxSLL2, name: "rtp0", interfaceDescription: "media tap"))
        }
        let base = scenario.resolvedStart
        var frames: [Frame] = []
        var results: [ExpectedResults.FrameResult] = []
        var marks: [String: Int] = [:]
        struct Tally {
            var first: Int
            var packets = 0, authenticated = 0, replayed = 0, failures = 0
            var firstROC: UInt32 = 0, lastROC: UInt32 = 0
        }
        var tallies: [StreamID: Tally] = [:]
        var streamOfResult: [Int: StreamID] = [:]
        for item in items {
            let onMedia = split && item.isMedia
            let linkFraming: LinkFraming = onMedia ? .sll2 : framing
            for ip in item.ipPackets {
                // Floor division: the TURN allocation comes before the INVITE (negative times).
                let (q, r) = Int64((item.time * 1_000_000).rounded()).quotientAndRemainder(dividingBy: 1_000_000)
                let (seconds, microseconds) = r < 0 ? (q - 1, r + 1_000_000) : (q, r)
                let number = frames.count + 1
                let data =
                    linkFraming.header(ipv6: ip.first.map { $0 >> 4 == 6 } ?? false, outgoing: item.fromCaller) + ip
                frames.append(
                    Frame(
                        number: number,
                        timestamp: Timestamp(
                            seconds: base + seconds, nanoseconds: UInt32(microseconds) * 1000),
                        originalLength: data.count, linkType: linkFraming.linkType, interfaceID: onMedia ? 1 : 0,
                        data: data))
            }
            let number = frames.count
            if let mark = item.mark, marks[mark] == nil { marks[mark] = number }
            if let m = item.media {
                streamOfResult[results.count] = m.stream
                results.append(
                    ExpectedResults.FrameResult(
                        frame: number, status: m.status, digest: m.digest, kind: item.kind,
                        ssrc: ssrcText(m.stream.ssrc), index: m.index))
                var t = tallies[m.stream] ?? Tally(first: number, firstROC: m.roc)
                t.packets += 1
                switch m.status {
                case "authenticated": t.authenticated += 1
                case "replayed": t.replayed += 1
                default: t.failures += 1
                }
                t.lastROC = max(t.lastROC, m.roc)
                tallies[m.stream] = t
            } else {
                for n in (number - item.ipPackets.count + 1)...number {
                    results.append(
                        ExpectedResults.FrameResult(
                            frame: n, status: "not_media", digest: nil, kind: item.kind, ssrc: nil, index: nil))
                }
            }
        }
        let order = tallies.sorted { $0.value.first < $1.value.first }.map(\.key)
        var position: [StreamID: Int] = [:]
        for (i, id) in order.enumerated() { position[id] = i }
        for i in results.indices {
            if let id = streamOfResult[i] { results[i].stream = position[id] }
        }
        let streams = try tallies.sorted { $0.value.first < $1.value.first }.map { (id, t) throws(SynthesisError) in
            guard let line = lines[id.keyMark] else { throw SynthesisError("internal: no key line for \(id.keyMark)") }
            let ssrtp = !id.fromCaller && line.scale
            let proto = id.rtpmeKey != nil ? "rtpme" : id.rtcp ? "srtcp" : (ssrtp ? "ssrtp" : "srtp")
            return ExpectedResults.Stream(
                ssrc: ssrcText(id.ssrc), protocol: proto, src: id.src.description, dst: id.dst.description,
                suite: id.rtpmeKey != nil ? "RTPME_DES_CBC" : line.suite.rawValue, packets: t.packets,
                authenticated: t.authenticated, replayed: t.replayed,
                failures: t.failures, firstROC: t.firstROC, lastROC: t.lastROC,
                keyFrame: marks[id.keyMark] ?? 0, cryptoTag: line.tag,
                keys: id.rtpmeKey.map { [$0] } ?? line.keys.map { base64($0.keyAndSalt) }, channel: id.channel,
                rtpmeReading: id.rtpmeReading, indication: id.indication,
                sessionParameters: id.rtpmeKey == nil && !line.sessionParameters.isEmpty ? line.sessionParameters : nil)
        }
        let expected = ExpectedResults(
            capture: captureName, scenario: scenario.name, seed: seed, frames: frames.count,
            streams: streams, mediaFrames: results)
        return SynthesizedCapture(format: format, interfaces: interfaces, frames: frames, expected: expected)
    }

    /// Synthesizes `scenario` and writes `path` and, beside it, `NAME.expected.json`.
    @discardableResult
    public static func write(_ scenario: Scenario, seed: UInt64? = nil, to path: String) throws -> SynthesizedCapture {
        let url = URL(fileURLWithPath: path)
        let name = url.lastPathComponent
        let capture = try synthesize(scenario, seed: seed, captureName: name)
        let writer = try CaptureWriter(path: path, format: capture.format, interfaces: capture.interfaces)
        for frame in capture.frames { try writer.write(frame) }
        try writer.close()
        try capture.expected.encoded().write(to: expectedURL(for: url))
        return capture
    }

    /// `NAME.pcap` → `NAME.expected.json`.
    public static func expectedURL(for capture: URL) -> URL {
        capture.deletingPathExtension().appendingPathExtension("expected.json")
    }
}
