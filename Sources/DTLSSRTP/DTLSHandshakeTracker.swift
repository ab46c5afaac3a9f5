import Capture
import Crypto
import Datagrams
import KeyBook

/// Follows DTLS handshakes frame by frame and turns each DTLS-SRTP handshake whose master secret a
/// TLS key log holds into the two SRTP keys of its media (RFC 5764 §4.2).
///
/// A self-contained observer: feed it every frame (`observe`), take the key entries and diagnostics
/// each call returns, and call `finish` once at the end. Per flow (the unordered pair of endpoints,
/// which is also the media's 5-tuple, RFC 5764 §4.1) it reassembles each direction's handshake
/// messages (RFC 6347 §4.2.3), reads the hellos and certificates, and stops reading a direction at its
/// ChangeCipherSpec: everything after is encrypted. State is bounded (`maxFlows`, the reassembler's
/// own bounds), so a hostile capture costs little.
public final class DTLSHandshakeTracker {
    public struct Observation: Sendable {
        public var entries: [KeyEntry] = []
        public var diagnostics: [Diagnostic] = []
        public init() {}
    }

    /// Flows followed at once (finished ones are forgotten first); further flows are reported once
    /// and ignored.
    public static let maxFlows = 4096
    /// Handshakes recorded in all; further ClientHellos are reported once and ignored.
    public static let maxHandshakes = 65_536

    private struct FlowKey: Hashable {
        var a: Endpoint
        var b: Endpoint
        var channel: UInt16?
        init(_ x: Endpoint, _ y: Endpoint, channel: UInt16?) {
            if x < y { (a, b) = (x, y) } else { (a, b) = (y, x) }
            self.channel = channel
        }
    }

    private struct FlowState {
        /// Index into `handshakes` of the handshake in progress.
        var current: Int?
        var reassemblers: [Endpoint: HandshakeReassembler] = [:]
        /// Directions (by sender) past their ChangeCipherSpec.
        var encrypted = Set<Endpoint>()
    }

    public let keyLog: TLSKeyLog?
    let digests: any MessageDigests
    private var flows: [FlowKey: FlowState] = [:]
    private var overflowReported = false
    /// Every handshake seen, in order of ClientHello.
    public internal(set) var handshakes: [DTLSHandshake] = []
    /// Client randoms whose key-log line was used.
    private var usedRandoms = Set<[UInt8]>()

    public init(keyLog: TLSKeyLog?, digests: any MessageDigests) {
        self.keyLog = keyLog
        self.digests = digests
    }

    /// Looks at one decoded frame: UDP payloads the classifier called DTLS (RFC 7983 §7), DTLS inside
    /// TURN ChannelData (RFC 8656 §12.4; WebRTC through a relay), followed per channel, and DTLS in the
    /// DATA of TURN Send and Data indications (RFC 8656 §10–11).
    public func observe(_ frame: Frame, _ decoded: DecodedFrame) -> Observation {
        guard case .udp = decoded.transport, let s = decoded.source, let d = decoded.destination,
            let payload = decoded.payload(in: frame)
        else { return Observation() }
        switch decoded.classification.kind {
        case .dtls:
            return observe(frameNumber: frame.number, source: s, destination: d, payload: payload)
        case .turnChannelData:
            guard let cd = try? TURNChannelData.parse(payload) else { return Observation() }
            let inner = payload[cd.payloadRange]
            guard PayloadClassifier.classify(inner).kind == .dtls else { return Observation() }
            return observe(frameNumber: frame.number, source: s, destination: d, payload: inner, channel: cd.channel)
        case .stun:
            // Before a channel is bound, a TURN client and its relay carry the peer's datagrams in Send
            // and Data indications (RFC 8656 §10, §11): the DTLS handshake of a relayed WebRTC call may be
            // wholly inside them. Its keys bind to the TURN 5-tuple, as the media in those indications does.
            guard let m = try? STUNMessage.parse(payload), m.messageClass == .indication,
                m.method == Self.sendMethod || m.method == Self.dataMethod,
                let data = m.dataRange(in: payload), !data.isEmpty
            else { return Observation() }
            let inner = payload[data]
            guard PayloadClassifier.classify(inner).kind == .dtls else { return Observation() }
            return observe(frameNumber: frame.number, source: s, destination: d, payload: inner)
        default:
            return Observation()
        }
    }

    /// STUN methods of TURN's Send and Data indications (RFC 8656 §17).
    static let sendMethod: UInt16 = 0x006
    static let dataMethod: UInt16 = 0x007

    /// Reads the DTLS records of one datagram from `source` to `destination` (inside TURN channel
    /// `channel`, when given: the keys are then bound to the TURN 5-tuple, and trial authentication
    /// tells the channels apart).
    public func observe(
        frameNumber: Int, source: Endpoint, destination: Endpoint, payload: ArraySlice<UInt8>, channel: UInt16? = nil
    ) -> Observation {
        var out = Observation()
        let key = FlowKey(source, destination, channel: channel)
        if flows[key] == nil {
            if flows.count >= Self.maxFlows {
                // Finished handshakes (both sides past ChangeCipherSpec) need no state: a restart on
                // their flow begins with a ClientHello, which makes a new flow state anyway.
                flows = flows.filter { $0.value.encrypted.count < 2 }
            }
            guard flows.count < Self.maxFlows else {
                if !overflowReported {
                    overflowReported = true
                    out.diagnostics.append(
                        Diagnostic(
                            .warning, code: DTLSCode.limit, frame: frameNumber,
                            "more than \(Self.maxFlows) DTLS flows; further flows are not followed"))
                }
                return out
            }
            flows[key] = FlowState()
        }
        var rest = payload
        while !rest.isEmpty {
            let record: DTLSRecord
            do {
                record = try DTLSRecord.parse(rest)
            } catch {
                out.diagnostics.append(
                    Diagnostic(
                        .warning, code: DTLSCode.record, frame: frameNumber, field: "dtls.record",
                        "\(rest.count) bytes after the last whole DTLS record are not a record: \(error)"))
                break
            }
            rest = rest[record.fragmentRange.upperBound...]
            handle(
                record, in: payload, frame: frameNumber, source: source, destination: destination, key: key, into: &out)
        }
        return out
    }

    private func handle(
        _ record: DTLSRecord, in payload: ArraySlice<UInt8>, frame: Int, source: Endpoint, destination: Endpoint,
        key: FlowKey, into out: inout Observation
    ) {
        guard var flow = flows[key] else { return }
        defer { flows[key] = flow }
        if record.contentType == 20 {
            // ChangeCipherSpec (RFC 5246 §7.1): this direction's next records are encrypted.
            flow.encrypted.insert(source)
            if let i = flow.current {
                if handshakes[i].client == source {
                    handshakes[i].clientChangeCipherSpecFrame = handshakes[i].clientChangeCipherSpecFrame ?? frame
                } else {
                    handshakes[i].serverChangeCipherSpecFrame = handshakes[i].serverChangeCipherSpecFrame ?? frame
                }
            }
            return
        }
        guard record.contentType == 22, record.epoch == 0 else { return }
        let (fragments, problem) = HandshakeFragment.all(in: payload[record.fragmentRange])
        if let problem {
            out.diagnostics.append(
                Diagnostic(.warning, code: DTLSCode.handshake, frame: frame, field: "dtls.handshake", problem))
        }
        for f in fragments {
            // A new ClientHello at epoch 0 after the encrypted part begins a new handshake (a restart);
            // anything else there is a retransmission of the readable part.
            if flow.encrypted.contains(source), f.type != 1 { continue }
            // A ClientHello with a random other than the current handshake's is a restart, whatever its
            // message_seq (a new handshake starts again at 0, RFC 6347 §4.2.2): forget what was delivered.
            if f.type == 1, f.offset == 0, f.body.count >= 34, let i = flow.current,
                !f.body.dropFirst(2).prefix(32).elementsEqual(handshakes[i].clientRandom)
            {
                flow.reassemblers[source] = nil
            }
            var r = flow.reassemblers[source] ?? HandshakeReassembler()
            let (message, problem) = r.add(f)
            flow.reassemblers[source] = r
            if let problem {
                out.diagnostics.append(
                    Diagnostic(.warning, code: DTLSCode.handshake, frame: frame, field: "dtls.handshake", problem))
            }
            guard let message else { continue }
            handle(message, frame: frame, source: source, destination: destination, flow: &flow, into: &out)
        }
    }

    private func handle(
        _ m: HandshakeReassembler.Message, frame: Int, source: Endpoint, destination: Endpoint,
        flow: inout FlowState, into out: inout Observation
    ) {
        func warn(_ text: String) {
            out.diagnostics.append(
                Diagnostic(
                    .warning, code: DTLSCode.handshake, frame: frame,
                    field: "dtls.handshake.\(HandshakeFragment.name(m.type))", text))
        }
        if m.type == 1 {
            let hello: HelloMessage
            do { hello = try HelloMessage.parse(m.body, client: true) } catch {
                warn(error.reason)
                return
            }
            if let i = flow.current, handshakes[i].clientRandom == hello.random, handshakes[i].client == source {
                // The ClientHello again, with the cookie of a HelloVerifyRequest (RFC 6347 §4.2.1 keeps
                // the random): same handshake.
                record(m, frame: frame, fromClient: true, in: i)
                return
            }
            guard handshakes.count < Self.maxHandshakes else {
                if !overflowReported {
                    overflowReported = true
                    warn("more than \(Self.maxHandshakes) DTLS handshakes; further ones are not followed")
                }
                return
            }
            // A new handshake: the flow's state starts afresh, apart from this message.
            let seq = m.messageSeq
            flow.reassemblers = [:]
            var r = HandshakeReassembler()
            r.markDelivered(seq)
            flow.reassemblers[source] = r
            flow.encrypted = []
            var h = DTLSHandshake(
                client: source, server: destination, clientHelloFrame: frame, offeredVersion: hello.version,
                clientRandom: hello.random)
            h.offeredProfiles = (hello.srtpProfiles ?? []).map(SRTPProtectionProfile.init(id:))
            h.offeredMKI = hello.srtpMKI
            h.extendedMasterSecret = hello.extendedMasterSecret
            flow.current = handshakes.count
            handshakes.append(h)
            record(m, frame: frame, fromClient: true, in: handshakes.count - 1)
            return
        }
        guard let i = flow.current else { return }  // the capture began mid-handshake
        let fromClient = handshakes[i].client == source
        record(m, frame: frame, fromClient: fromClient, in: i)
        switch m.type {
        case 2 where !fromClient:
            let hello: HelloMessage
            do { hello = try HelloMessage.parse(m.body, client: false) } catch {
                warn(error.reason)
                return
            }
            handshakes[i].serverHelloFrame = frame
            handshakes[i].version = hello.selectedVersion ?? hello.version
            handshakes[i].serverRandom = hello.random
            handshakes[i].cipherSuite = hello.cipherSuites.first
            handshakes[i].extendedMasterSecret = handshakes[i].extendedMasterSecret && hello.extendedMasterSecret
            handshakes[i].mki = hello.srtpMKI
            if let chosen = hello.srtpProfiles {
                guard chosen.count == 1, let id = chosen.first else {
                    warn(
                        "use_srtp in the ServerHello lists \(chosen.count) profiles; RFC 5764 §4.1.1 allows exactly one"
                    )
                    return
                }
                let p = SRTPProtectionProfile(id: id)
                handshakes[i].profile = p
                if !handshakes[i].offeredProfiles.contains(p) {
                    warn("the server chose \(p.name), which the ClientHello did not offer")
                }
                if p.suite == nil { warn("protection profile \(p.name) is not one srtpdump implements; no keys") }
            } else {
                out.diagnostics.append(
                    Diagnostic(
                        .note, code: DTLSCode.handshake, frame: frame, field: "dtls.handshake.server_hello",
                        "no use_srtp in the ServerHello: a DTLS handshake, but not DTLS-SRTP"))
            }
            derive(i, frame: frame, into: &out)
        case 11:
            if let cert = CertificateMessage.firstCertificate(m.body) {
                if fromClient {
                    handshakes[i].clientCertificate = cert
                    handshakes[i].clientCertificateFrame = frame
                } else {
                    handshakes[i].serverCertificate = cert
                    handshakes[i].serverCertificateFrame = frame
                }
            } else {
                warn("Certificate message without a readable certificate")
            }
        default:
            break
        }
    }

    private func record(_ m: HandshakeReassembler.Message, frame: Int, fromClient: Bool, in i: Int) {
        guard handshakes[i].messages.count < DTLSHandshake.maxMessages else { return }
        handshakes[i].messages.append(DTLSHandshake.Message(frame: frame, fromClient: fromClient, type: m.type))
    }

    /// Derives the keys of handshake `i` when the key log has its master secret.
    private func derive(_ i: Int, frame: Int, into out: inout Observation) {
        let h = handshakes[i]
        if let v = h.version, v != 0xFEFD, v != 0xFEFF {
            // DTLS 1.3 exports from its own key schedule (RFC 8446 §7.5), which a CLIENT_RANDOM master
            // secret does not give.
            out.diagnostics.append(
                Diagnostic(
                    .note, code: DTLSCode.keys, frame: frame,
                    "\(DTLSHandshake.versionName(v)): srtpdump derives DTLS-SRTP keys for DTLS 1.0 and 1.2 only"))
            return
        }
        guard let keyLog, let secret = keyLog.secrets[h.clientRandom], let serverRandom = h.serverRandom,
            let profile = h.profile, profile.suite != nil, let version = h.version, let suite = h.cipherSuite
        else { return }
        usedRandoms.insert(h.clientRandom)
        let prf = CipherSuitePRF.prf(version: version, cipherSuite: suite)
        let material: DTLSSRTPKeyingMaterial?
        do {
            material = try DTLSSRTPExporter.keyingMaterial(
                masterSecret: secret.masterSecret, clientRandom: h.clientRandom, serverRandom: serverRandom, prf: prf,
                profile: profile, digests: digests)
        } catch {
            out.diagnostics.append(
                Diagnostic(.error, code: DTLSCode.keys, frame: frame, "cannot compute the RFC 5705 exporter: \(error)"))
            return
        }
        guard let material else { return }
        var entries = material.entries(
            source: .dtlsHandshake(frame: frame, keyLog: secret.path, line: secret.line), client: h.client,
            server: h.server, frame: frame)
        if !h.mki.isEmpty {
            if h.mki.count <= 8 {
                let value = h.mki.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                for j in entries.indices { entries[j].mki = KeyEntry.MKI(value: value, length: h.mki.count) }
            } else {
                out.diagnostics.append(
                    Diagnostic(
                        .warning, code: DTLSCode.keys, frame: frame,
                        "MKI of \(h.mki.count) bytes: srtpdump handles MKIs up to 8 bytes; keys offered without it"))
            }
        }
        handshakes[i].keySource = "--tls-keylog \(secret.path) line \(secret.line) (\(prf.name))"
        out.entries += entries
        out.diagnostics.append(
            Diagnostic(
                .note, code: DTLSCode.keys, frame: frame,
                "DTLS-SRTP keys for \(h.client) ⇄ \(h.server) (\(profile.name)) from --tls-keylog \(secret.path) line \(secret.line)"
            ))
    }

    /// End of the capture: what the key log held that the capture did not show, and handshakes the key
    /// log could not key.
    public func finish() -> Observation {
        var out = Observation()
        guard let keyLog else { return out }
        for h in handshakes where h.profile?.suite != nil && h.keySource == nil && h.version != 0xFEFC {
            out.diagnostics.append(
                Diagnostic(
                    .warning, code: DTLSCode.noSecret, frame: h.serverHelloFrame ?? h.clientHelloFrame,
                    "no CLIENT_RANDOM line in --tls-keylog \(keyLog.path) for the handshake \(h.client) → \(h.server) (client random \(DTLSHandshake.hex(h.clientRandom))): its SRTP keys cannot be derived"
                ))
        }
        let unused = keyLog.secrets.filter { !usedRandoms.contains($0.key) }.sorted { $0.value.line < $1.value.line }
        for (random, s) in unused.prefix(5) {
            out.diagnostics.append(
                Diagnostic(
                    .warning, code: DTLSCode.handshakeMissing, field: "--tls-keylog \(s.path) line \(s.line)",
                    "client random \(DTLSHandshake.hex(random)) matches no DTLS-SRTP handshake in the capture (handshake not captured, or a TLS session of something else)"
                ))
        }
        if unused.count > 5 {
            out.diagnostics.append(
                Diagnostic(
                    .warning, code: DTLSCode.handshakeMissing, field: "--tls-keylog \(keyLog.path)",
                    "\(unused.count - 5) more key-log lines match no DTLS-SRTP handshake in the capture"))
        }
        return out
    }
}

/// Stable diagnostic codes of DTLS handshake tracking.
public enum DTLSCode {
    public static let record = "dtls.record"
    public static let handshake = "dtls.handshake"
    public static let limit = "dtls.limit"
    public static let keys = "dtls.keys"
    public static let noSecret = "dtls.no-secret"
    public static let handshakeMissing = "dtls.handshake-missing"
    public static let fingerprint = "dtls.fingerprint-mismatch"
}
