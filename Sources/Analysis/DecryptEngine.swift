import Capture
import Crypto
import Datagrams
import Transforms

/// The decrypt engine: fed every frame in capture order, it finds media streams, binds keys to them,
/// unprotects each media packet once, in place, in a buffer it owns, and keeps per-stream counts and
/// statistics. After the pass, `finish()` diagnoses tag failures.
///
/// One pass, no lookahead: a flow counts as media when signalling names it, when a key authenticates
/// its packets, or when three of its first packets agree (`MediaStream.isConfirmed`). Packets of
/// unconfirmed flows are never changed.
public final class DecryptEngine {
    public struct Options {
        public var provider: any CryptoProvider
        public var clockRates = ClockRates()
        public var rocSearch = ROCSearch()
        /// Packets of a stream on which every one is tried against the candidates (then one in 64).
        public var trialLimit = 64
        /// Streams (flow, SSRC, RTP or RTCP) tracked at once; past it the idlest eighth is evicted with a
        /// diagnostic, so that a flood of SSRCs cannot grow memory without bound (issue 7).
        public var maxStreams = 10_000
        /// Diagnostics the engine keeps (malformed packets, evictions); the rest are counted.
        public var maxDiagnostics = 1_000
        /// Packets each stream's replay list spans (RFC 3711 §3.3.2): a packet older than that is
        /// reported replayed, as the RFC cannot tell it from one (`ReplayWindow.sizes`).
        public var replayWindow = ReplayWindow.defaultSize
        public init(provider: any CryptoProvider) { self.provider = provider }
    }

    /// What happened to one frame.
    public enum Status: String, Sendable {
        /// Not a media packet (or not one the engine can place).
        case notMedia = "not_media"
        /// RTP/RTCP with no key: reported, written unchanged.
        case clear
        case authenticated
        case replayed
        case failed = "auth_failed"
    }

    /// What `process` says about one frame. Plain values only, no reference and no optional of a large
    /// struct: it is made and copied on every frame, and its former form (a `MediaPacket?` and a
    /// `MediaStream?`, ~180 bytes) cost outlined copies (memmove) and a retain/release pair per copy
    /// (Docs/PERFORMANCE.md, "bench-500k, round 3").
    public struct PacketResult {
        public var status: Status
        /// RTP or RTCP (for MS-RTPME, what the plaintext turned out to be); nil when not media.
        public var kind: MediaPacketKind?
        /// The media packet's bytes in `Frame.data`; empty when not media.
        public var range: Range<Int> = 0..<0
        /// How the packet is wrapped in the frame (what a rewriter fixes around the plaintext).
        public var encapsulation: MediaPacket.Encapsulation = .udp
        /// The packet's stream: its index in `DecryptEngine.streams`, -1 for none. Read it with
        /// `DecryptEngine.stream(of:)` before the next frame is processed (an eviction renumbers rows).
        var row = -1
        /// For authenticated and replayed packets: the plaintext's length in `plaintext`.
        public var plaintextLength = 0
        /// SRTP/SSRTP packets that authenticated: the ROC they were unprotected with.
        public var roc: UInt32?

        public init(status: Status) { self.status = status }

        init(_ packet: MediaPacket, _ u: Unprotected) {
            status = u.status
            kind = packet.kind
            range = packet.range
            encapsulation = packet.encapsulation
            row = u.stream.row
            plaintextLength = u.plaintextLength
            roc = u.roc
        }

        /// Whether the frame held a media packet the engine placed (`status != .notMedia`).
        public var isMedia: Bool { status != .notMedia }
        /// Offset in `Frame.data` of the TURN ChannelData header around the packet, if any.
        public var channelDataOffset: Int? {
            if case .channelData(let h) = encapsulation { return h }
            return nil
        }
        /// Offsets in `Frame.data` of the STUN header and DATA attribute around the packet, if any.
        public var stunOffset: Int? {
            if case .stunIndication(let h, _) = encapsulation { return h }
            return nil
        }
        public var stunDataAttributeOffset: Int? {
            if case .stunIndication(_, let a) = encapsulation { return a }
            return nil
        }
        /// Offset in `Frame.data` of the RFC 4571 length field, when the packet travels over TCP.
        public var tcpLengthOffset: Int? {
            if case .tcpFramed(let t) = encapsulation { return t }
            return nil
        }
    }

    /// What unprotecting one packet gave, before it is turned into a `PacketResult`.
    struct Unprotected {
        var status: Status
        var stream: MediaStream
        var plaintextLength = 0
        var roc: UInt32?
    }

    /// The stream of a frame's result (nil for frames that are not media). Valid until the next frame is
    /// processed.
    public func stream(of result: PacketResult) -> MediaStream? {
        guard result.row >= 0, result.row < streams.count else { return nil }
        return streams[result.row]
    }

    struct StreamKey: Hashable {
        var flow: MediaFlowKey
        var ssrc: UInt32
        var kind: MediaPacketKind
    }

    public let options: Options
    public let keys: any TrialKeySource

    // The state below is read or written on every packet. It is stored without runtime exclusivity
    // checks (each `swift_beginAccess`/`endAccess` pair costs tens of ns, ~5 % of a packet in the profile
    // of Docs/PERFORMANCE.md): every access is one statement of this file on the single thread that owns
    // the engine (it is not Sendable), no access spans a call back into the engine, and input decides
    // only the values, never which accesses overlap, so no safety against hostile captures is lost.

    /// Every stream row in order of first appearance.
    @exclusivity(unchecked) public private(set) var streams: [MediaStream] = []
    @exclusivity(unchecked) private var current: [StreamKey: MediaStream] = [:]
    /// The stream of the last packet and its key, compared with `==` before hashing into `current`: a
    /// call has one stream per direction, so consecutive packets almost always share it. Always a copy of
    /// one entry of `current` (`setCurrent` is the only writer of both).
    @exclusivity(unchecked) private var lastKey: StreamKey?
    @exclusivity(unchecked) private var lastStream: MediaStream?
    /// Trial contexts per stream key and candidate: made once for the flow's own candidates (priority
    /// below 100), and for at most `keptForeignContexts` of the others (`trial`).
    private var trials: [StreamKey: [(TrialKey, Bool, StreamCrypto)]] = [:]
    /// How far each stream's trials have gone through the keys of other calls (`trial`).
    private var sweeps: [StreamKey: Sweep] = [:]

    /// A stream's trials of the candidates not signalled for its flow or call (priority 100: every other
    /// key of the capture, for media behind NAT or a relay, and keys given for no flow). Those that
    /// failed on one packet of the stream fail on the next as well while the stream keeps its key, so a
    /// trial tries them all ("a full sweep") only on the stream's first `fullSweeps` trials, on every
    /// 16th after, and on the first failure after a packet authenticated (a rekey may have begun);
    /// in between, only those added since.
    struct Sweep {
        /// Trials run so far.
        var attempts = 0
        /// How many of the other calls' candidates (positions in the source's order) had been tried
        /// when the last trial failed.
        var foreignTried = 0
        /// The stream's authenticated packets at the last full sweep.
        var authenticatedAtFull = 0
    }
    /// ROCs every key is searched over once a stream's search is out of time (`searchROC`).
    static let rocsPastDeadline: UInt64 = 64
    /// Full sweeps a stream gets before they turn incremental: a first packet can be damaged.
    static let fullSweeps = 3
    /// Contexts of other calls' candidates kept per stream (the flow's own are all kept): with thousands
    /// of calls in a capture, keeping every one cost a context per key per stream (1.4 GB for 2,000 keys
    /// on 50 streams).
    static let keptForeignContexts = 8
    /// MS-RTPME contexts per flow and candidate: the SSRC is known only after decryption.
    private var rtpmeContexts: [MediaFlowKey: [(TrialKey, RTPMEContext)]] = [:]
    /// Every candidate met in the run, for the diagnosis ("another known key").
    private var seenCandidates: [String: (TrialKey, MediaFlowKey)] = [:]
    private var seenOrder: [String] = []
    private let buffer: UnsafeMutableRawBufferPointer
    @exclusivity(unchecked) public private(set) var frames = 0
    /// Problems met on the way: media packets that cannot be well formed, streams evicted.
    public private(set) var diagnostics: [Diagnostic] = []
    private var droppedDiagnostics = 0

    public static let bufferSize = 65536

    public init(keys: any TrialKeySource, options: Options) {
        self.keys = keys
        self.options = options
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.bufferSize, alignment: 16)
    }

    deinit { buffer.deallocate() }

    /// The plaintext of the last authenticated packet.
    public func plaintext(_ result: PacketResult) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: buffer[0..<min(result.plaintextLength, buffer.count)])
    }

    /// Registers a stream made for a packet that was not held: it is listed in the report from here.
    private func register(_ s: MediaStream, for key: StreamKey) {
        s.signalled = keys.isSignalledMedia(key.flow, frame: s.firstFrame)
        setCurrent(s, for: key)
        appendRow(s)
    }

    /// Lists `s` in the report; `s.row` is its index in `streams` (what a `PacketResult` carries).
    private func appendRow(_ s: MediaStream) {
        s.row = streams.count
        streams.append(s)
    }

    /// Makes `s` the stream of `key` (and the one-entry cache's).
    private func setCurrent(_ s: MediaStream, for key: StreamKey) {
        current[key] = s
        lastKey = key
        lastStream = s
    }

    /// The current stream of `key`: the last packet's when the key is the same, else from `current`.
    @inline(__always)
    private func currentStream(_ key: StreamKey) -> MediaStream? {
        if let s = lastStream, lastKey == key { return s }
        guard let s = current[key] else { return nil }
        lastKey = key
        lastStream = s
        return s
    }

    /// The stream for `key`, made (and listed in the report) the first time the key is seen.
    private func stream(for key: StreamKey, frame: Int) -> (stream: MediaStream, created: Bool) {
        if let s = currentStream(key) { return (s, false) }
        if current.count >= options.maxStreams { evictIdleStreams(frame: frame) }
        let s = MediaStream(flow: key.flow, ssrc: key.ssrc, kind: key.kind, frame: frame)
        register(s, for: key)
        return (s, true)
    }

    /// Processes one frame.
    public func process(_ frame: Frame, _ decoded: DecodedFrame) -> PacketResult {
        process(frame, decoded, mayHold: false) ?? PacketResult(status: .notMedia)
    }

    /// Processes one frame, or, with `mayHold`, returns nil without counting anything when the packet
    /// would be decided by keys not known yet: a packet of a young stream (its first `trialLimit`
    /// packets) no key has authenticated (no candidate, or none that authenticates it), or one of the
    /// first `trialLimit` packets that a bound stream's key and every other candidate fail. The caller holds such frames back and
    /// offers them again, in order, once the key source has grown (`TrialKeySource.revision`), or with
    /// `mayHold: false` once it can wait no longer. Nothing but trial contexts is kept from a held
    /// attempt, so a packet processed after being held gives what it would have given at once with the
    /// keys known then. An MS-RTPME stream's first packet is held the same way until later packets say
    /// whether they continue its stream: the caller shows them to `probeRTPME` (`processUnclassified`).
    public func process(_ frame: Frame, _ decoded: DecodedFrame, mayHold: Bool) -> PacketResult? {
        guard let packet = MediaPacketLocator.locate(frame, decoded) else {
            frames += 1
            return PacketResult(status: .notMedia)
        }
        return processLocated(frame, packet, mayHold: mayHold, mayWait: true)
    }

    /// Processes one media packet found by the caller at `packet.range` of `frame.data` (RTP/RTCP over TCP
    /// followed across segments: `frame` is then the packet's own bytes, numbered and timed as the segment
    /// that brought its last byte). Same rules and result as `process(_:_:mayHold:)`.
    public func process(_ frame: Frame, packet: MediaPacket, mayHold: Bool) -> PacketResult? {
        // Several packets may share a frame number here, and `probeRTPME` sees frames, not the follower's
        // packets: an MS-RTPME packet cannot wait for confirmation (`processUnclassified`).
        processLocated(frame, packet, mayHold: mayHold, mayWait: false)
    }

    /// The body of both `process` entry points, inlined into each: the UDP path (the frame-by-frame one)
    /// then pays no second call with the ~100-byte `MediaPacket` copied into it (valgrind: +59 instructions
    /// per packet when it was one out-of-line function, session 4).
    @inline(__always)
    private func processLocated(_ frame: Frame, _ packet: MediaPacket, mayHold: Bool, mayWait: Bool) -> PacketResult? {
        if keys.revision != seenRevision {
            seenRevision = keys.revision
            rtpmeFlows.removeAll(keepingCapacity: true)
            plainFlow = nil
        }
        let n = packet.range.count
        guard n <= buffer.count, packet.range.lowerBound >= 0, packet.range.upperBound <= frame.data.count else {
            frames += 1
            return PacketResult(status: .notMedia)
        }
        frame.data.withUnsafeBytes { src in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[packet.range]))
        }
        // MS-RTPME encrypts the header too: a flow keyed by RTPME is decrypted before it is classified
        // (a ciphertext's first byte looks like RTP one time in four).
        guard let kind = packet.kind, !isRTPMEFlow(packet.flow, frame: frame.number) else {
            return processUnclassified(packet, frame: frame, length: n, mayHold: mayHold, mayWait: mayWait)
        }
        let ro = UnsafeRawBufferPointer(buffer)
        let ssrcOffset = kind == .rtp ? 8 : 4
        guard n >= ssrcOffset + 4 else {
            frames += 1
            return PacketResult(status: .notMedia)
        }
        let ssrc = ro.loadBE32(ssrcOffset)
        let key = StreamKey(flow: packet.flow, ssrc: ssrc, kind: kind)
        // A stream is listed from its first packet that is not held (held packets come back in order).
        let existing = currentStream(key)
        let stream = existing ?? MediaStream(flow: key.flow, ssrc: key.ssrc, kind: key.kind, frame: frame.number)
        guard let u = unprotect(stream, key: key, packet: packet, frame: frame, length: n, mayHold: mayHold)
        else { return nil }
        frames += 1
        if existing == nil {
            if current.count >= options.maxStreams { evictIdleStreams(frame: frame.number) }
            register(stream, for: key)
        }
        let s = u.stream
        s.packets += 1
        s.lastFrame = frame.number
        if kind == .rtp {
            // Header fields are in the clear in SRTP (RFC 3711 §3.1), so statistics need no key.
            let seq = UInt16(ro[2]) << 8 | UInt16(ro[3])
            let ts = ro.loadBE32(4)
            let pt = ro[1] & 0x7F
            s.noteHeader(sequence: seq)
            if s.payloadTypes.count < 4, !s.payloadTypes.contains(pt) { s.payloadTypes.append(pt) }
            s.statistics.add(
                sequence: seq, timestamp: ts, arrival: frame.timestamp.timeInterval,
                clockRate: options.clockRates.rate(payloadType: pt), frame: frame.number, marker: ro[1] & 0x80 != 0,
                payloadType: pt)
        } else {
            s.agreeing += 1
        }
        switch u.status {
        case .authenticated: s.authenticated += 1
        case .replayed: s.replayed += 1
        case .failed:
            s.authFailed += 1
            if s.failedSamples.count < TagFailureDiagnosis.sampleLimit {
                s.failedSamples.append(
                    (frame.number, Array(frame.data[packet.range])))
            }
        default: break
        }
        if u.status == .failed,
            let d = MalformedMedia.diagnostic(frame.data[packet.range], kind: kind, frame: frame.number)
        {
            report(d)
        }
        return PacketResult(packet, u)
    }

    private func report(_ d: Diagnostic) {
        if diagnostics.count < options.maxDiagnostics { diagnostics.append(d) } else { droppedDiagnostics += 1 }
    }

    /// Forgets the eighth of the tracked streams idle the longest: their contexts go, confirmed rows stay
    /// in the report, unconfirmed ones (never authenticated, never signalled) are dropped. A later packet
    /// of an evicted stream starts a new row.
    private func evictIdleStreams(frame: Int) {
        let idle = current.sorted { $0.value.lastFrame < $1.value.lastFrame }.prefix(max(1, current.count / 8))
        var dropped = Set<ObjectIdentifier>()
        for (key, s) in idle {
            current[key] = nil
            trials[key] = nil
            sweeps[key] = nil
            s.crypto = nil
            if !s.isConfirmed { dropped.insert(ObjectIdentifier(s)) }
        }
        if !dropped.isEmpty {
            streams.removeAll { dropped.contains(ObjectIdentifier($0)) }
            for (i, s) in streams.enumerated() { s.row = i }
        }
        // The one-entry cache must not hand out an evicted stream.
        lastKey = nil
        lastStream = nil
        report(
            Diagnostic(
                .warning, code: "decrypt.streams-evicted", frame: frame, field: "streams",
                "\(options.maxStreams) streams tracked (limit streams): the \(idle.count) idle longest "
                    + "(last packet in frame \(idle.last?.value.lastFrame ?? 0) or before) forgotten, "
                    + "\(dropped.count) of them unconfirmed and left out of the report"))
    }

    /// Unprotects the packet in `buffer` for `stream`: with its bound context, else by trial.
    private func unprotect(
        _ stream: MediaStream, key: StreamKey, packet: MediaPacket, frame: Frame, length n: Int, mayHold: Bool
    ) -> Unprotected? {
        if let crypto = stream.crypto {
            if let r = try? crypto.unprotect(buffer, length: n, kind: key.kind), r.verdict.isAuthentic {
                return accept(stream, r)
            }
            // A rekey (RFC 4568 §7.1.4) keeps the SSRC: another candidate may now authenticate.
            if let (cand, ssrtp, ctx, r, _) = trial(
                key, packet: packet, frame: frame, length: n, except: stream.key?.id, authenticated: stream.authenticated)
            {
                sweeps[key] = nil  // a new row: its sweeps start again
                let row = MediaStream(flow: key.flow, ssrc: key.ssrc, kind: key.kind, frame: frame.number)
                row.signalled = stream.signalled
                row.agreeing = stream.agreeing
                row.lastSequence = stream.lastSequence
                bind(row, cand, ssrtp: ssrtp, ctx, how: cand.namesTheFlow ? "signalled" : "trial")
                setCurrent(row, for: key)
                appendRow(row)
                return accept(row, r)
            }
            // Held only for the stream's first failures: a rekey's SDP normally comes before its media,
            // and a stream that keeps failing should not keep the look-behind buffer full.
            if mayHold && stream.authFailed < options.trialLimit { return nil }
            return Unprotected(status: .failed, stream: stream)
        }
        // Every packet is tried while the stream is young; after that one in 64 (a key signalled later
        // still binds, and an unknown-key stream costs little). Only packets that are tried can be held.
        let young = stream.packets < options.trialLimit
        let tried = young || stream.packets % 64 == 0
        // Only a young stream's packets are held: later ones are tried one in 64 anyway, and a key that
        // comes late still binds at the next of those.
        let holdable = mayHold && young
        // Asked without building the list: most packets of a stream no key authenticates are not tried.
        guard keys.hasCandidates(for: key.flow, ssrc: key.ssrc, frame: frame.number) else {
            if holdable { return nil }
            return Unprotected(status: .clear, stream: stream)
        }
        if tried {
            if let (cand, ssrtp, ctx, r, count) = trial(
                key, packet: packet, frame: frame, length: n, except: nil, authenticated: stream.authenticated)
            {
                let how = cand.namesTheFlow ? "signalled" : count == 1 ? "only candidate" : "trial"
                bind(stream, cand, ssrtp: ssrtp, ctx, how: how)
                return accept(stream, r)
            }
            if holdable { return nil }
            if key.kind == .rtp, !stream.rocSearched, options.rocSearch.enabled,
                let (cand, ctx, search) = searchROC(
                    stream, candidates: keys.candidates(for: key.flow, ssrc: key.ssrc, frame: frame.number),
                    packet: packet, length: n),
                let r = try? ctx.unprotect(buffer, length: n, kind: key.kind), r.verdict.isAuthentic
            {
                bind(stream, cand, ssrtp: false, ctx, how: "ROC search")
                stream.recoveredROC = search
                return accept(stream, r)
            }
        }
        if stream.key == nil, stream.suite == nil,
            let c = keys.candidates(for: key.flow, ssrc: key.ssrc, frame: frame.number).first
        {
            stream.suite = c.suiteName
            stream.protocolName = key.kind == .rtp ? "srtp" : "srtcp"
            if case .rtpme = c.material { stream.protocolName = "rtpme" }
        }
        return Unprotected(status: .failed, stream: stream)
    }

    private func accept(_ stream: MediaStream, _ r: StreamCrypto.Outcome) -> Unprotected {
        if let roc = r.roc {
            if stream.firstROC == nil { stream.firstROC = roc }
            stream.lastROC = max(stream.lastROC ?? roc, roc)
        }
        let status: Status = r.verdict == .replayed ? .replayed : .authenticated
        return Unprotected(status: status, stream: stream, plaintextLength: r.plaintextLength ?? 0, roc: r.roc)
    }

    private func bind(_ stream: MediaStream, _ c: TrialKey, ssrtp: Bool, _ ctx: StreamCrypto, how: String) {
        stream.crypto = ctx
        stream.key = c
        stream.binding = how
        stream.suite = c.suiteName
        stream.protocolName = ctx.protocolName(stream.kind)
    }

    /// Tries the candidates (and their MS-SSRTP reading where cryptoscale was offered) on the packet in
    /// `buffer`; the first that authenticates wins. A failed unprotect leaves the buffer as it was.
    ///
    /// The flow's own candidates are tried every time; the other calls' only as `Sweep` says, so that
    /// a stream no key authenticates costs each key once per 64 trials rather than on every packet
    /// (2,000 calls and 50 such streams of 200 packets: 375 s before, Docs/robustness.md).
    ///
    /// Also gives how many candidates there are (the flow's own, and all the others: "only candidate").
    private func trial(
        _ key: StreamKey, packet: MediaPacket, frame: Frame, length n: Int, except: String?, authenticated: Int
    ) -> (TrialKey, Bool, StreamCrypto, StreamCrypto.Outcome, Int)? {
        var sweep = sweeps[key] ?? Sweep()
        let full =
            sweep.attempts < Self.fullSweeps || sweep.attempts % 16 == 0 || authenticated > sweep.authenticatedAtFull
        sweep.attempts += 1
        if full { sweep.authenticatedAtFull = authenticated }
        defer { sweeps[key] = sweep }
        let (candidates, foreignTotal, count) = keys.candidates(
            for: key.flow, ssrc: key.ssrc, frame: frame.number, skippingForeign: full ? 0 : sweep.foreignTried)
        var made = trials[key] ?? []
        defer { trials[key] = made }
        var foreignKept = made.count { $0.0.priority >= 100 }
        for c in candidates where c.id != except {
            let isForeign = c.priority >= 100
            note(c, key.flow)
            for ssrtp in c.cryptoscale && key.kind == .rtp ? [false, true] : [false] {
                let ctx: StreamCrypto
                if let m = made.first(where: { $0.0.id == c.id && $0.1 == ssrtp }) {
                    ctx = m.2
                } else {
                    guard
                        let x = try? StreamCrypto.make(
                            c.material, ssrc: key.ssrc, asSSRTP: ssrtp, replayWindow: options.replayWindow,
                            provider: options.provider)
                    else { continue }
                    if !isForeign || foreignKept < Self.keptForeignContexts {
                        made.append((c, ssrtp, x))
                        if isForeign { foreignKept += 1 }
                    }
                    ctx = x
                }
                if let r = try? ctx.unprotect(buffer, length: n, kind: key.kind), r.verdict.isAuthentic {
                    made.removeAll { $0.0.id == c.id && $0.1 == ssrtp }
                    return (c, ssrtp, ctx, r, count)
                }
            }
        }
        sweep.foreignTried = foreignTotal
        return nil
    }

    /// Seconds the ROC searches of this run have taken, against `ROCSearch.runBudget`.
    private var rocSearchSpent = 0.0
    private var rocSearchStopped = false

    /// The ROC search of a stream no candidate authenticated (the capture began mid-call).
    private func searchROC(_ stream: MediaStream, candidates: [TrialKey], packet: MediaPacket, length n: Int)
        -> (TrialKey, StreamCrypto, ROCSearch.Result)?
    {
        stream.unboundSamples.append(Array(UnsafeRawBufferPointer(rebasing: buffer[0..<n])))
        let srtp = candidates.compactMap { c -> (TrialKey, SRTPPolicy)? in
            if case .srtp(let p) = c.material { return (c, p) }
            return nil
        }
        // No search where the answer declined every offered key: the media is plain RTP (finish()).
        guard !srtp.isEmpty, keys.declinedKeysAnswer(for: stream.flow, frame: stream.lastFrame) == nil else {
            stream.rocSearched = true
            return nil
        }
        let weak = srtp.contains { $0.1.suite.rtpTagLength < 10 }
        guard !weak || stream.unboundSamples.count >= 2 else { return nil }
        stream.rocSearched = true
        let samples = Array(stream.unboundSamples.suffix(2))
        let remaining = options.rocSearch.runBudget - rocSearchSpent
        guard remaining > 0 else {
            if !rocSearchStopped {
                rocSearchStopped = true
                report(
                    Diagnostic(
                        .warning, code: "decrypt.roc-search-stopped", frame: stream.lastFrame, field: "roc",
                        "ROC searches took \(options.rocSearch.runBudget) s in all (limit roc-search-total-seconds): "
                            + "streams whose first packets fail from here on are not searched"))
            }
            return nil
        }
        let began = DispatchClock.now()
        defer { rocSearchSpent += DispatchClock.now() - began }
        // Two phases: ROCs below 2^16 for every key (a few tens of ms each), then wider within the time
        // bound shared by the keys, so that one wrong key cannot use up the time of the right one.
        var narrow = options.rocSearch
        narrow.limit = 1 << 16
        var wide = options.rocSearch
        wide.start = 1 << 16
        wide.timeBudget = min(options.rocSearch.timeBudget, remaining) / Double(srtp.count)
        var tried: UInt64 = 0
        // The stream's whole search, over every key, stays within its time bound and what the run has
        // left: the narrow phase alone costs ~50 ms a key, and a capture of 2,000 calls offers them all
        // to a stream behind NAT (100 s, past every bound, before this check).
        let deadline = began + min(options.rocSearch.timeBudget, remaining)
        for (p, phase) in [narrow, wide].enumerated() {
            for (c, policy) in srtp {
                var phase = phase
                let left = deadline - DispatchClock.now()
                if left <= 0 {
                    // Out of time: each key still gets its likeliest ROCs (0 to 63, a capture that began
                    // within the first ~4 M packets of its stream), a few ms for all of them; no wide phase.
                    guard p == 0 else {
                        stream.recoveredROC = ROCSearch.Result(roc: nil, tried: tried, exhausted: false)
                        return nil
                    }
                    phase.limit = min(phase.limit, Self.rocsPastDeadline)
                }
                phase.timeBudget = max(0, min(phase.timeBudget, left))
                let r = phase.search(packets: samples, policy: policy, provider: options.provider)
                tried += r.tried
                stream.recoveredROC = ROCSearch.Result(roc: r.roc, tried: tried, exhausted: r.exhausted)
                guard let roc = r.roc,
                    let ctx = try? StreamCrypto.make(
                        c.material, ssrc: stream.ssrc, initialROC: roc, replayWindow: options.replayWindow,
                        provider: options.provider)
                else { continue }
                if samples.count == 2 {
                    // The ROC found is the first sample's: let the context see it so that its estimator
                    // follows (the current packet, the second, may lie past a wrap).
                    var first = samples[0]
                    let count = first.count
                    _ = first.withUnsafeMutableBytes { try? ctx.unprotect($0, length: count, kind: .rtp) }
                }
                return (c, ctx, stream.recoveredROC ?? r)
            }
        }
        return nil
    }

    /// Whole-packet MS-RTPME: tried only where a key names the flow.
    ///
    /// MS-RTPME has no tag, and the first plausible RTP packet of a stream under a key is only a
    /// tentative acceptance (`RTPMEAcceptance`, stage 2): a wrong key gets that far on about one packet in
    /// eighteen per reading. Such a packet is not taken as decrypted on its own. With `mayHold` (and
    /// `mayWait`: the ordinary path, where the caller looks ahead with `probeRTPME`) it is held until a
    /// later packet of the flow continues its stream (same SSRC, sequence close by) or enough do not;
    /// otherwise, and when refuted, that key is not trusted with the packet (a diagnostic says so) and the
    /// other candidates are tried. RTCP's tentative acceptance stands: its length words must chain to the
    /// end, which a wrong key's output almost never does.
    private func processUnclassified(
        _ packet: MediaPacket, frame: Frame, length n: Int, mayHold: Bool, mayWait: Bool
    ) -> PacketResult? {
        // After a wait: the candidate and reading whose stream a later packet continued are the only ones
        // tried; those whose stream none did are not tried again on this packet as RTP.
        var only: RTPMEAttempt?
        var refuted: [RTPMEAttempt] = []
        if let p = pendingRTPME, p.frame == frame.number, p.flow == packet.flow {
            // Offered again before the later packets have said (new keys released the held frames).
            if p.verdict == nil && mayHold && mayWait { return nil }
            pendingRTPME = nil
            if p.verdict == true {
                only = p.attempt
            } else {
                // Refuted, or decided before any later packet could confirm it (the look-behind buffer
                // full, the end of the capture).
                refuted = p.refutedBefore + [p.attempt]
                reportUnconfirmed(p, frame: frame.number, waited: p.probes > 0)
            }
        }
        guard n >= 8, n % 8 == 0 else {
            frames += 1
            return PacketResult(status: .notMedia)
        }
        // A flow no MS-RTPME key was found for at this revision: not looked up again per packet (the
        // lookup lists every key of the capture).
        if noRTPMEKey[packet.flow] == keys.revision {
            frames += 1
            return PacketResult(status: .notMedia)
        }
        var contexts = rtpmeContexts[packet.flow] ?? []
        // Looked up again when the key source has grown (a k= line may come after the first packets).
        if rtpmeContexts[packet.flow] == nil || rtpmeLookup[packet.flow] != keys.revision {
            var keyless: TrialKey?
            for c in keys.candidates(for: packet.flow, ssrc: nil, frame: frame.number)
            where !contexts.contains(where: { $0.0.id == c.id }) {
                guard case .rtpme(let pass) = c.material else { continue }
                guard let pass, let ctx = try? RTPMEContext(base64Passphrase: pass, provider: options.provider) else {
                    keyless = keyless ?? c
                    continue
                }
                note(c, packet.flow)
                contexts.append((c, ctx))
            }
            if contexts.isEmpty && keyless == nil {
                if noRTPMEKey.count >= 4 * options.maxStreams { noRTPMEKey.removeAll() }
                noRTPMEKey[packet.flow] = keys.revision
                frames += 1
                return PacketResult(status: .notMedia)
            }
            if rtpmeContexts[packet.flow] == nil, rtpmeContexts.count >= options.maxStreams {
                evictIdleRTPMEFlows(frame: frame.number)
            }
            rtpmeLookup[packet.flow] = keys.revision
            rtpmeContexts[packet.flow] = contexts
            if contexts.isEmpty, let keyless { rtpmeKeyless[packet.flow] = keyless.source }
        }
        // Counted once per frame: a packet offered again after a wait is the same packet.
        rtpmeTally[packet.flow, default: RTPMETally(firstFrame: frame.number)].count(frame.number)
        // A k= line names the flow but gives no passphrase (k=prompt, not base64): nothing to try; the
        // packets are counted and reported when the run ends (decrypt.rtpme-no-key), never read as RTP.
        if contexts.isEmpty {
            frames += 1
            return PacketResult(status: .notMedia)
        }
        // The candidate that last decrypted this flow first; a ciphertext is never changed by a failed try.
        // RTCP before RTP: its acceptance is strong (length words that chain to the end), where a wrong
        // reading passes as RTP one time in eighteen and would hold an RTCP packet for nothing.
        let preferred = rtpmeLast[packet.flow] ?? 0
        for j in 0..<contexts.count {
            let index = (preferred + j) % contexts.count
            if let only, only.context != index { continue }
            let (c, ctx) = contexts[index]
            for kind in only == nil ? [MediaPacketKind.rtcp, .rtp] : [.rtp] {
                // A reading refuted on this packet is not tried again as RTP (its context would take the
                // packet as the continuation of itself); the vouched one is the only one tried.
                var excluded: RTPMEKey.Reading?
                if let only {
                    excluded = RTPMEKey.Reading.allCases.first { $0 != only.reading }
                } else if kind == .rtp {
                    let out = refuted.filter { $0.context == index }.map(\.reading)
                    if out.count >= RTPMEKey.Reading.allCases.count { continue }
                    excluded = out.first
                }
                var accepted: Int?  // the plaintext's length
                attempt: do {
                    guard
                        let r = try? ctx.unprotect(
                            buffer, length: n, kind: kind == .rtp ? .rtp : .rtcp, excluding: excluded),
                        let reading = r.reading, let len = r.plaintextLength
                    else { break attempt }
                    let ro = UnsafeRawBufferPointer(buffer)
                    guard len >= (kind == .rtp ? 12 : 8) else {
                        restore(packet, frame)
                        break attempt
                    }
                    guard kind == .rtp, !r.confirmed, only == nil else {
                        accepted = len
                        break attempt
                    }
                    let pending = PendingRTPME(
                        frame: frame.number, flow: packet.flow, attempt: RTPMEAttempt(context: index, reading: reading),
                        ssrc: ro.loadBE32(8), sequence: UInt16(ro[2]) << 8 | UInt16(ro[3]), key: c,
                        probedThrough: frame.number, refutedBefore: refuted)
                    if mayHold && mayWait {
                        // Nothing is counted: the packet comes back once a later one has said.
                        pendingRTPME = pending
                        return nil
                    }
                    // It cannot wait, so it is not taken under any reading (the other would be as
                    // tentative, and trying it would only replace the stream the context has just seen).
                    reportUnconfirmed(pending, frame: frame.number, waited: false)
                    restore(packet, frame)
                    break attempt
                }
                guard let len = accepted else { continue }
                let ro = UnsafeRawBufferPointer(buffer)
                let ssrc = ro.loadBE32(kind == .rtp ? 8 : 4)
                frames += 1
                rtpmeLast[packet.flow] = index
                rtpmeTally[packet.flow]?.accepted += 1
                let key = StreamKey(flow: packet.flow, ssrc: ssrc, kind: kind)
                let (stream, created) = stream(for: key, frame: frame.number)
                if created { bind(stream, c, ssrtp: false, StreamCrypto.rtpme(ctx), how: "trial") }
                var p = packet
                p.kind = kind
                stream.packets += 1
                stream.authenticated += 1
                stream.lastFrame = frame.number
                if kind == .rtp {
                    let seq = UInt16(ro[2]) << 8 | UInt16(ro[3])
                    let pt = ro[1] & 0x7F
                    stream.noteHeader(sequence: seq)
                    if stream.payloadTypes.count < 4, !stream.payloadTypes.contains(pt) {
                        stream.payloadTypes.append(pt)
                    }
                    stream.statistics.add(
                        sequence: seq, timestamp: ro.loadBE32(4), arrival: frame.timestamp.timeInterval,
                        clockRate: options.clockRates.rate(payloadType: pt), frame: frame.number,
                        marker: ro[1] & 0x80 != 0, payloadType: pt)
                }
                return PacketResult(p, Unprotected(status: .authenticated, stream: stream, plaintextLength: len))
            }
        }
        frames += 1
        return PacketResult(status: .notMedia)
    }

    /// Puts the packet's ciphertext back in the buffer (an unprotect decrypted it in place).
    private func restore(_ packet: MediaPacket, _ frame: Frame) {
        frame.data.withUnsafeBytes { src in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[packet.range]))
        }
    }

    // MARK: MS-RTPME packets waiting for confirmation

    /// One way an MS-RTPME packet was read: a candidate (index in `rtpmeContexts[flow]`) and a key reading.
    struct RTPMEAttempt: Equatable {
        var context: Int
        var reading: RTPMEKey.Reading
    }

    /// An MS-RTPME RTP packet accepted tentatively, held while later packets of its flow are looked at.
    struct PendingRTPME {
        var frame: Int
        var flow: MediaFlowKey
        /// The candidate and reading that decrypted the packet.
        var attempt: RTPMEAttempt
        var ssrc: UInt32
        var sequence: UInt16
        var key: TrialKey
        /// The last frame looked at (the packet's own at first), and how many packets of the flow were.
        var probedThrough: Int
        /// Candidates and readings refuted on this packet before this one took it.
        var refutedBefore: [RTPMEAttempt]
        var probes = 0
        /// True when a later packet continued the stream, false when `confirmationProbes` did not.
        var verdict: Bool?
    }

    /// Later packets of the flow looked at before a tentative packet is refuted. A real stream's next
    /// packet confirms it (same SSRC, sequence within `RTPMEAcceptance.sequenceWindow`); a wrong key's
    /// chance plausibility is confirmed only by a second one with the same 32-bit SSRC.
    public static let confirmationProbes = 16

    private var pendingRTPME: PendingRTPME?

    /// True while an MS-RTPME packet waits for later packets of its flow (`process` returned nil for it):
    /// the caller shows the frames it holds after it to `probeRTPME`, in order, then offers it again.
    public var awaitsRTPMEConfirmation: Bool { pendingRTPME.map { $0.verdict == nil } ?? false }

    /// The last frame `probeRTPME` looked at for the waiting packet (0 when none waits).
    public var rtpmeProbedThrough: Int { pendingRTPME?.probedThrough ?? 0 }

    /// Ends the wait of the MS-RTPME packet of `frame`, if one waits: the caller wrote that frame.
    public func endRTPMEWait(frame: Int) {
        if let p = pendingRTPME, p.frame == frame { pendingRTPME = nil }
    }

    /// Looks at a frame held after the waiting MS-RTPME packet, without counting or changing anything but
    /// the wait; true when the wait is over (confirmed or refuted), and the waiting frame can be offered
    /// again.
    public func probeRTPME(_ frame: Frame, _ decoded: DecodedFrame) -> Bool {
        guard var p = pendingRTPME, p.verdict == nil, frame.number > p.probedThrough else { return false }
        p.probedThrough = frame.number
        defer { pendingRTPME = p }
        guard let packet = MediaPacketLocator.locate(frame, decoded), packet.flow == p.flow,
            packet.range.lowerBound >= 0, packet.range.upperBound <= frame.data.count,
            let contexts = rtpmeContexts[p.flow], p.attempt.context < contexts.count
        else { return false }
        let ctx = contexts[p.attempt.context].1
        let confirms = frame.data.withUnsafeBytes { src in
            (try? ctx.wouldConfirm(
                UnsafeRawBufferPointer(rebasing: src[packet.range]), length: packet.range.count, reading: p.attempt.reading,
                ssrc: p.ssrc, sequence: p.sequence)) ?? false
        }
        if confirms {
            p.verdict = true
        } else {
            p.probes += 1
            if p.probes >= Self.confirmationProbes { p.verdict = false }
        }
        return p.verdict != nil
    }

    /// A tentative MS-RTPME packet not taken: `waited` when later packets were looked at (and none
    /// continued its stream before it had to be decided), false when the packet could not wait.
    private func reportUnconfirmed(_ p: PendingRTPME, frame: Int, waited: Bool) {
        let ssrc = "0x" + hex32(p.ssrc)
        let why =
            waited
            ? "no later packet of the flow continued that stream"
            : "a stream's first packet is taken only once a later one continues it, and this pass cannot wait"
        report(
            Diagnostic(
                .warning, code: "decrypt.rtpme-unconfirmed", frame: frame, field: "rtpme",
                "MS-RTPME: decrypts to a plausible RTP packet (SSRC \(ssrc), sequence \(p.sequence)) with the key "
                    + "\(p.key.source), but \(why); left encrypted (without a tag, a wrong key passes about one "
                    + "packet in eighteen)"))
    }


    @exclusivity(unchecked) private var rtpmeFlows: [MediaFlowKey: Bool] = [:]
    /// The last flow found not to be MS-RTPME for good (an entry `false` of `rtpmeFlows`), compared with
    /// `==` before hashing: the media of a call comes in long runs of one flow.
    @exclusivity(unchecked) private var plainFlow: MediaFlowKey?
    /// The key source's revision at which each flow's MS-RTPME candidates were last looked up.
    private var rtpmeLookup: [MediaFlowKey: Int] = [:]
    /// Flows whose MS-RTPME lookup found no key, and the key source's revision it was made at.
    private var noRTPMEKey: [MediaFlowKey: Int] = [:]
    /// The key source's revision the caches above were filled at.
    @exclusivity(unchecked) private var seenRevision = 0
    private var rtpmeLast: [MediaFlowKey: Int] = [:]

    /// True when a key for `flow` is an MS-RTPME passphrase.
    @inline(__always)
    private func isRTPMEFlow(_ flow: MediaFlowKey, frame: Int) -> Bool {
        if let p = plainFlow, p == flow { return false }
        return lookUpRTPMEFlow(flow, frame: frame)
    }

    /// A flow is MS-RTPME when a key signalled for it or its call is an MS-RTPME passphrase. A flow no
    /// key names (behind NAT, relayed) is MS-RTPME when every key known is an MS-RTPME passphrase, or
    /// once one of its packets decrypted so (packets that do not look like RTP or RTCP are offered to
    /// the MS-RTPME keys anyway, `processUnclassified`): counting any `k=` key of the capture made every
    /// flow MS-RTPME, the SRTP calls of a capture that also holds a Lync call included.
    private func lookUpRTPMEFlow(_ flow: MediaFlowKey, frame: Int) -> Bool {
        if let known = rtpmeFlows[flow] {
            if !known { plainFlow = flow }
            return known
        }
        // A flow no key names, looked up already at this revision: no key lists per packet (TURN-relayed
        // and NAT'ed media is all such flows).
        if let u = unnamedFlows[flow], u.revision == keys.revision {
            return u.onlyRTPME || (rtpmeTally[flow]?.accepted ?? 0) > 0
        }
        let (cands, _, all) = keys.candidates(for: flow, ssrc: nil, frame: frame, skippingForeign: .max)
        guard !cands.isEmpty else {
            let only = onlyRTPMEKeys(for: flow, frame: frame, all: all)
            // Not for a fixed source (revision 0 throughout), whose keys appear as the frames pass.
            if keys.revision > 0 {
                if unnamedFlows.count >= 4 * options.maxStreams { unnamedFlows.removeAll() }
                unnamedFlows[flow] = (keys.revision, only)
            }
            return only || (rtpmeTally[flow]?.accepted ?? 0) > 0
        }
        let yes = cands.contains { if case .rtpme = $0.material { return true } else { return false } }
        // Decided for good only once some key names the flow (the SDP may come later). A cache: emptied
        // when it holds many more flows than the streams tracked (a flood of flows, issue 7).
        do {
            if rtpmeFlows.count >= 4 * options.maxStreams { rtpmeFlows.removeAll() }
            rtpmeFlows[flow] = yes
            if !yes { plainFlow = flow }
        }
        return yes
    }

    /// Whether every key the source has for `flow` (all of them, for a flow nothing names) is an MS-RTPME
    /// passphrase. Listing them is asked once per revision of the source and count of keys (`all`; a
    /// fixed source's count grows with the frame): the flows nothing names share one list.
    private func onlyRTPMEKeys(for flow: MediaFlowKey, frame: Int, all count: Int) -> Bool {
        if let (revision, n, answer) = onlyRTPME, revision == keys.revision, n == count { return answer }
        let all = keys.candidates(for: flow, ssrc: nil, frame: frame)
        let answer = !all.isEmpty && all.allSatisfy { if case .rtpme = $0.material { return true } else { return false } }
        onlyRTPME = (keys.revision, count, answer)
        return answer
    }
    private var onlyRTPME: (Int, Int, Bool)?
    /// Flows no key names (`lookUpRTPMEFlow`): the source's revision they were looked up at, and whether
    /// every key was MS-RTPME then.
    private var unnamedFlows: [MediaFlowKey: (revision: Int, onlyRTPME: Bool)] = [:]

    private func note(_ c: TrialKey, _ flow: MediaFlowKey) {
        if seenCandidates[c.id] == nil {
            seenCandidates[c.id] = (c, flow)
            seenOrder.append(c.id)
        }
    }

    /// Packets of an MS-RTPME-keyed flow, and how many a key took.
    struct RTPMETally {
        var firstFrame: Int
        var packets = 0
        var accepted = 0
        var lastFrame = 0

        mutating func count(_ frame: Int) {
            if frame != lastFrame { packets += 1 }
            lastFrame = frame
        }
    }

    private var rtpmeTally: [MediaFlowKey: RTPMETally] = [:]
    /// MS-RTPME flows whose only keys give no passphrase, with the source of one such key (for the report).
    private var rtpmeKeyless: [MediaFlowKey: String] = [:]

    /// Signalled media flows keyed by MS-RTPME whose packets no key decrypted (`finish`): each is a
    /// failure as a stream whose tags all fail is, though with no SSRC to list it under.
    public private(set) var undecryptedRTPMEFlows = 0
    /// Streams signalled as protected that no key could be tried on (`decrypt.no-usable-key`); like a
    /// stream whose tags all fail, a failure for the exit status.
    public private(set) var undecryptedSignalledStreams = 0

    /// MS-RTPME flows tracked (their contexts and counts): at most `Options.maxStreams`.
    public var rtpmeFlowsTracked: Int { rtpmeContexts.count }

    /// A signalled MS-RTPME flow none of whose packets any key took, reported when the run ends or the
    /// flow is forgotten.
    private func reportIfUndecrypted(_ flow: MediaFlowKey, _ t: RTPMETally) {
        // One packet cannot be judged: a stream's first is taken only once a second continues it.
        guard t.accepted == 0, t.packets >= 2, keys.isSignalledMedia(flow, frame: t.firstFrame) else { return }
        undecryptedRTPMEFlows += 1
        let sources = (rtpmeContexts[flow] ?? []).map(\.0.source)
        if sources.isEmpty, let keyless = rtpmeKeyless[flow] {
            report(
                Diagnostic(
                    .warning, code: "decrypt.rtpme-no-key", frame: t.firstFrame, field: "rtpme",
                    "MS-RTPME media \(flow): \(t.packets) packets, but the key offered for it (\(keyless)) gives "
                        + "no passphrase to try (k=prompt, k=uri:, or a value that is not base64)"))
            return
        }
        report(
            Diagnostic(
                .warning, code: "decrypt.rtpme-no-key", frame: t.firstFrame, field: "rtpme",
                "MS-RTPME media \(flow): none of its \(t.packets) packet\(t.packets == 1 ? "" : "s") decrypts to "
                    + "RTP or RTCP under the key\(sources.count == 1 ? "" : "s") offered for it "
                    + "(\(sources.joined(separator: "; "))): the key is wrong, or the flow is not MS-RTPME"))
    }

    /// Forgets the eighth of the MS-RTPME flows idle the longest (their DES contexts and counts), so that
    /// a key offered for every flow cannot make a flood of flows grow memory without bound (issue 7). A
    /// later packet of a forgotten flow starts it again.
    private func evictIdleRTPMEFlows(frame: Int) {
        let idle = rtpmeContexts.keys.sorted { (rtpmeTally[$0]?.lastFrame ?? 0) < (rtpmeTally[$1]?.lastFrame ?? 0) }
            .prefix(max(1, rtpmeContexts.count / 8))
        for flow in idle {
            if let t = rtpmeTally[flow] { reportIfUndecrypted(flow, t) }
            rtpmeContexts[flow] = nil
            rtpmeLookup[flow] = nil
            rtpmeLast[flow] = nil
            rtpmeTally[flow] = nil
            rtpmeKeyless[flow] = nil
            if pendingRTPME?.flow == flow { pendingRTPME = nil }
        }
        report(
            Diagnostic(
                .warning, code: "decrypt.rtpme-flows-evicted", frame: frame, field: "streams",
                "\(options.maxStreams) MS-RTPME flows tracked (limit streams): the \(idle.count) idle longest "
                    + "forgotten"))
    }

    /// Runs the tag-failure diagnosis on every stream with failures; call once after the last frame.
    public func finish() {
        // MS-RTPME: a signalled flow none of whose packets any key took. Its header is encrypted, so no
        // stream row can show it: a diagnostic does, with the keys tried.
        for (flow, t) in rtpmeTally.sorted(by: { $0.value.firstFrame < $1.value.firstFrame }) {
            reportIfUndecrypted(flow, t)
        }
        rtpmeTally.removeAll()
        rtpmeKeyless.removeAll()
        // Signalling that came after a stream's first packet still names it as media.
        for s in streams where !s.signalled { s.signalled = keys.isSignalledMedia(s.flow, frame: s.firstFrame) }
        // Best-effort SRTP answered in clear: the offer's keys were tried and none took a packet of a
        // flow whose answer declined them all; its packets are the plain RTP the answer agreed to.
        for s in streams where s.authFailed > 0 && s.authenticated + s.replayed == 0 && s.key == nil {
            guard let answer = keys.declinedKeysAnswer(for: s.flow, frame: s.lastFrame) else { continue }
            let failed = s.authFailed
            s.takeAsClear()
            report(
                Diagnostic(
                    .note, code: "decrypt.negotiated-clear", frame: s.firstFrame, field: "key",
                    "\(s.protocolName) stream 0x\(hex32(s.ssrc)) \(s.flow): the answer in frame \(answer) declined the keys "
                        + "offered for it and none authenticates its \(failed) packet\(failed == 1 ? "" : "s"): taken as "
                        + "sent in clear"))
        }
        let diagnosis = TagFailureDiagnosis(provider: options.provider)
        for s in streams where s.authFailed > 0 {
            let reference = s.key ?? keys.candidates(for: s.flow, ssrc: s.ssrc, frame: s.firstFrame).first
            let others: [(TrialKey, String, related: Bool)] = seenOrder.compactMap { id in
                guard let (c, flow) = seenCandidates[id] else { return nil }
                if flow == s.flow.reversed || (flow.source == s.flow.destination) {
                    return (c, "the other direction's key", true)
                } else if flow == s.flow {
                    return (c, "another key offered for this flow", true)
                }
                return (c, "a key seen on \(flow)", false)
            }
            let missing = s.key == nil ? keys.missingKeyReason(for: s.flow, frame: s.lastFrame) : nil
            s.diagnosis = diagnosis.diagnose(s, reference: reference, others: others, missingKey: missing)
        }
        // Streams signalling says are protected that no key reached at all: written unchanged, which the
        // report must not pass off as clear RTP.
        for s in streams where s.key == nil && s.authFailed == 0 && s.authenticated == 0 && s.packets > 0 {
            guard let why = keys.missingKeyReason(for: s.flow, frame: s.lastFrame) else { continue }
            s.protocolName = s.kind == .rtcp ? "srtcp" : "srtp"
            s.signalled = true  // reported, however few its packets: signalling keyed its flow
            undecryptedSignalledStreams += 1
            report(
                Diagnostic(
                    .warning, code: "decrypt.no-usable-key", frame: s.firstFrame, field: "key",
                    "\(s.protocolName) stream 0x\(hex32(s.ssrc)) \(s.flow): \(s.packets) packet\(s.packets == 1 ? "" : "s") "
                        + "not decrypted: \(why)"))
        }
    }

    /// The key a packet of `stream` is judged against when none authenticated it: the bound key, else
    /// the best candidate (for dissection's computed tag).
    public func referenceKey(for stream: MediaStream) -> TrialKey? {
        stream.key ?? keys.candidates(for: stream.flow, ssrc: stream.ssrc, frame: stream.lastFrame).first
    }

    /// The diagnostics, with one saying how many were left out past `maxDiagnostics`.
    public var allDiagnostics: [Diagnostic] {
        guard droppedDiagnostics > 0 else { return diagnostics }
        return diagnostics + [
            Diagnostic(
                .note, code: "decrypt.diagnostics-dropped", field: "diagnostics",
                "\(droppedDiagnostics) further diagnostics not kept (limit \(options.maxDiagnostics))")
        ]
    }

    /// Confirmed streams, in order of appearance.
    public var reportedStreams: [MediaStream] { streams.filter(\.isConfirmed) }
}

extension UnsafeRawBufferPointer {
    @inline(__always)
    func loadBE32(_ i: Int) -> UInt32 {
        UInt32(self[i]) << 24 | UInt32(self[i + 1]) << 16 | UInt32(self[i + 2]) << 8 | UInt32(self[i + 3])
    }
}

/// Eight hex digits, as SSRCs are shown in reports.
private func hex32(_ v: UInt32) -> String {
    let hex = String(v, radix: 16)
    return String(repeating: "0", count: 8 - hex.count) + hex
}
