import Analysis
import Capture
import Crypto
import DTLSSRTP
import Datagrams
import Output
import Transforms

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `srtpdump decrypt` and `srtpdump streams`: read a capture once, decrypt every media packet a key
/// authenticates, optionally write the decrypted capture, and report every stream.
///
/// One loop over the frames: each is decoded once (Datagrams), its signalling read (`SignallingTracker`:
/// SIP, dialogs, key observers), so that the key book grows as the capture goes, then its media given
/// to the decrypt engine (Analysis) and the frame written (Output). Keys given by hand, key files and
/// side signalling files are read before the first frame. A media packet that keys not yet known could
/// decide (a stream no key has authenticated yet, or a packet its key fails) is held back with every
/// frame after it (`HeldFrames`), and offered again whenever the book grows; when the look-behind buffer
/// is full, its oldest frame is decided with the keys known then. The IP fragments of a datagram that may
/// carry media are held the same way until it completes (`FragmentTrains`); the datagram is then decrypted
/// as one rebuilt packet and its plaintext cut back into the fragments (`FragmentedMediaDecision`). State
/// kept across frames is per stream, per dialog and the bounded buffer, so memory grows with streams and
/// calls, not with the capture.
public struct DecryptPipeline {
    /// The key inputs read before the first frame when the pass reads the capture's signalling itself.
    /// The key inputs read before the first frame.
    public typealias SignallingInputs = SignallingTracker.Inputs

    public struct Options {
        public var capturePath: String
        /// Where to write the decrypted capture; nil for `streams`.
        public var outputPath: String?
        /// A BPF filter: frames it rejects are not analysed as media (and are written unchanged); their
        /// signalling is still read, for keys.
        public var filter: String?
        public var format: StreamsReportWriter.Format = .text
        public var cryptoProvider: String?
        /// Read the capture's signalling inline and take keys from the key book it grows (with these
        /// inputs); nil: take keys from `keys` alone.
        public var signalling: SignallingInputs?
        /// Key sources found in the capture beside SDP (see `CaptureKeyObserver`); with `signalling`.
        public var keyObservers: [any CaptureKeyObserver] = []
        /// The keys when `signalling` is nil (tests, benchmarks).
        public var keys: any TrialKeySource = NoTrialKeys()
        public var decoder = FrameDecoder.Options()
        /// The ROC search's time bound per stream (seconds).
        public var rocSearchBudget = 2.0
        /// Seconds every stream's ROC search may take in all (`ROCSearch.runBudget`).
        public var rocSearchTotalBudget = 60.0
        /// Search the ROC of streams whose first packets fail (a capture begun mid-call).
        public var rocSearchEnabled = true
        /// The look-behind buffer's bounds: frames held back while a media packet waits for its key, and
        /// their captured bytes. Past either, the oldest is decided with the keys known then.
        public var holdFrames = 4096
        public var holdBytes = 8 << 20
        /// The ROC search's effort per stream: ROCs tried, AEAD opens, KDR re-derivations (ROCSearch).
        public var rocSearchLimit: UInt64 = 1 << 32
        public var rocSearchAEADLimit: UInt32 = 64
        public var rocSearchKDRLimit: UInt32 = 256
        /// Streams tracked at once (DecryptEngine.Options.maxStreams) and diagnostics kept.
        public var maxStreams = 10_000
        public var maxDiagnostics = 10_000
        /// Packets each stream's replay list spans (DecryptEngine.Options.replayWindow).
        public var replayWindow = ReplayWindow.defaultSize
        /// What RTP/RTCP over TCP followed across segments may buffer (`TCPMediaFollower`).
        public var tcpMedia = TCPMediaLimits()
        /// Print a progress line on stderr (only honoured when stderr is a terminal).
        public var progress = true
        /// Whether stderr is a terminal; nil asks `isatty(2)` (tests set it).
        public var stderrIsTerminal: Bool?
        /// Frames between two progress lines.
        public var progressInterval = 100_000

        public init(capturePath: String) { self.capturePath = capturePath }
    }

    /// What one frame became, for tests that check a run frame by frame.
    public struct FrameRecord: Sendable {
        public var frame: Int
        public var status: DecryptEngine.Status
        public var ssrc: UInt32?
    }

    public struct Summary {
        public var frames = 0
        public var streams: [MediaStream] = []
        /// The report's diagnostics: file, decoding and decryption problems.
        public var diagnostics: [Diagnostic] = []
        /// What the signalling found wrong (SIP, SDP, offer/answer, key material), with frame numbers;
        /// printed on stderr by the command line, as `calls` and `keys` do.
        public var signallingDiagnostics: [Diagnostic] = []
        public var records: [FrameRecord] = []
        /// Frames that were held back at least once, and the most held at one time.
        public var framesHeld = 0
        public var maxHeld = 0
        /// The DTLS handshakes the capture holds (RFC 5764), for the report.
        public var dtlsHandshakes: [DTLSHandshake] = []
        /// 0 when every keyed packet authenticated, 1 otherwise.
        public var exitStatus: ExitStatus = .success
    }

    public let options: Options

    public init(options: Options) { self.options = options }

    /// Runs the pass. Throws `CaptureError` when the capture cannot be read or written, `CryptoError`
    /// when the provider is unknown, `SignallingTracker.Failure` when a key input is unusable. `record`
    /// keeps one `FrameRecord` per frame in the summary.
    public func run(output: OutputStream?, errors: OutputStream, record: Bool = false) throws -> Summary {
        let provider = try options.cryptoProvider.map { try CryptoProviders.named($0) } ?? CryptoProviders.default
        let tracker = try options.signalling.map { s throws(SignallingTracker.Failure) in
            try SignallingTracker(s, provider: provider)
        }
        tracker?.observers += options.keyObservers
        // Evicted calls' keys are in the book already: their dialogs need not be kept (bounded memory).
        tracker?.dialogTracker.retainsEvicted = false
        let keys: any TrialKeySource = tracker.map { KeyBookCandidates(tracker: $0) } ?? options.keys
        let filter = try options.filter.map { (e: String) throws(CaptureError) in try PacketFilter(e) }
        let reader = try CaptureReader(path: options.capturePath)
        let writer = try options.outputPath.map { path throws(CaptureError) in
            try CaptureWriter(path: path, like: reader)
        }
        var engineOptions = DecryptEngine.Options(provider: provider)
        engineOptions.rocSearch.timeBudget = options.rocSearchBudget
        engineOptions.rocSearch.runBudget = options.rocSearchTotalBudget
        engineOptions.rocSearch.enabled = options.rocSearchEnabled
        engineOptions.rocSearch.limit = options.rocSearchLimit
        engineOptions.rocSearch.aeadLimit = options.rocSearchAEADLimit
        engineOptions.rocSearch.kdrLimit = options.rocSearchKDRLimit
        engineOptions.maxStreams = options.maxStreams
        engineOptions.maxDiagnostics = options.maxDiagnostics
        engineOptions.replayWindow = options.replayWindow
        let engine = DecryptEngine(keys: keys, options: engineOptions)
        let decoder = FrameDecoder(options: options.decoder)
        let progress = options.progress && (options.stderrIsTerminal ?? (isatty(2) == 1))
        var summary = Summary()
        // The output keeps the input's format (pcapng keeps its interfaces and comments); a name that
        // says otherwise is worth a word, since tools trust extensions.
        if let path = options.outputPath {
            let named: CaptureFormat? =
                path.lowercased().hasSuffix(".pcapng") ? .pcapng : path.lowercased().hasSuffix(".pcap") ? .pcap : nil
            if let named, named != reader.format {
                summary.diagnostics.append(
                    Diagnostic(
                        .warning, code: "capture.output-format", field: "-w",
                        "\(path) is written as \(reader.format.rawValue), the input's format, though its name says \(named.rawValue)"))
            }
        }
        var frame = Frame()
        var decoded = DecodedFrame(frameNumber: 0)
        var rewritten = Frame()
        let tcpRewriter = TCPMediaRewriter()
        let tcpMedia = TCPMediaFollower(limits: options.tcpMedia, rewriter: tcpRewriter)
        var knownInterfaces = reader.interfaces.count
        var held = HeldFrames(maxFrames: options.holdFrames, maxBytes: options.holdBytes)
        var heldRevision = keys.revision
        // IP fragments of media datagrams, held until their datagram completes (FragmentTrains).
        var trains = FragmentTrains(maxAgeNanoseconds: options.decoder.fragmentLimits.maxAgeNanoseconds)
        let fragmentDecision = FragmentedMediaDecision(decoderOptions: options.decoder)
        var fragmentOut = Frame()

        /// Writes `rewritten` when a TCP rewriter made it (true), else the frame as it came: nil when the frame
        /// needed no change, false when its layout could not be fixed (then with a warning).
        func write(_ outcome: Bool?, _ frame: Frame, to writer: CaptureWriter, failure: String) throws {
            switch outcome {
            case true?: try writer.write(rewritten)
            case false?:
                summary.diagnostics.append(Diagnostic(.warning, code: "decrypt.rewrite", frame: frame.number, failure))
                try writer.write(frame)
            case nil: try writer.write(frame)
            }
        }

        /// Writes one decided frame (and records it).
        func emit(_ frame: Frame, _ decoded: DecodedFrame, _ result: DecryptEngine.PacketResult) throws {
            // Only a frame that completed an IP datagram has a reassembled payload: that stored field is
            // tested first, the `reassembled` and `udp` views (copies) only then.
            if decoded.payloadSource == .reassembled, let r = decoded.reassembled, decoded.udp != nil,
                decoded.classification.kind == .rtp || decoded.classification.kind == .rtcp
            {
                // The plaintext would have to be cut back into the fragments, written already.
                summary.diagnostics.append(
                    Diagnostic(
                        .warning, code: "decrypt.fragmented-media", frame: frame.number,
                        field: "IP fragments",
                        "\(decoded.classification.kind == .rtp ? "RTP" : "RTCP") datagram reassembled from the IP fragments in frames \(r.frames.map(String.init).joined(separator: ", ")): not decrypted, its fragments are written unchanged"
                    ))
            }
            if record {
                summary.records.append(
                    FrameRecord(frame: frame.number, status: result.status, ssrc: engine.stream(of: result)?.ssrc))
            }
            guard let writer else { return }
            // pcapng: interfaces met mid-file are declared before their first frame.
            try adoptNewInterfaces(writer)
            let decrypted = result.status == .authenticated || result.status == .replayed
            if decrypted, case .tcpFramed(let lengthOffset) = result.encapsulation {
                // RFC 4571 over TCP: the connection is renumbered around the shorter plaintext.
                if tcpRewriter.rewrite(
                    frame, decoded, media: (result.range, lengthOffset), plaintext: engine.plaintext(result),
                    into: &rewritten) == true
                {
                    try writer.write(rewritten)
                } else {
                    summary.diagnostics.append(
                        Diagnostic(
                            .warning, code: "decrypt.rewrite", frame: frame.number,
                            "could not fix the TCP segment around the plaintext; frame written unchanged"))
                    try writer.write(frame)
                }
            } else if decrypted {
                let ok = DecryptedFrameRewriter.rewrite(
                    frame, decoded, packetRange: result.range, channelDataOffset: result.channelDataOffset,
                    stunOffset: result.stunOffset, stunDataAttributeOffset: result.stunDataAttributeOffset,
                    plaintext: engine.plaintext(result), into: &rewritten)
                if !ok {
                    summary.diagnostics.append(
                        Diagnostic(
                            .warning, code: "decrypt.rewrite", frame: frame.number,
                            "could not fix the lengths around the plaintext; frame written unchanged"))
                    try writer.write(frame)
                } else {
                    try writer.write(rewritten)
                }
            } else if tcpRewriter.isActive, case .tcp = decoded.transport {
                // A later segment of a renumbered connection (or its acknowledgments).
                try write(
                    tcpRewriter.rewrite(frame, decoded, media: nil, plaintext: nil, into: &rewritten), frame, to: writer,
                    failure: "could not renumber this TCP segment after decrypted media; frame written unchanged")
            } else {
                try writer.write(frame)
            }
        }

        /// Declares, in a pcapng output, the interfaces the reader met since the last frame written.
        func adoptNewInterfaces(_ writer: CaptureWriter) throws {
            if reader.format == .pcapng, reader.interfaces.count != knownInterfaces {
                try writer.adoptInterfaces(reader.interfaces)
                knownInterfaces = reader.interfaces.count
            }
        }

        /// Writes one member of a fragment train (rewritten or not) and records it.
        func emitFragment(_ frame: Frame, _ status: DecryptEngine.Status, _ ssrc: UInt32?) throws {
            if record { summary.records.append(FrameRecord(frame: frame.number, status: status, ssrc: ssrc)) }
            guard let writer else { return }
            try adoptNewInterfaces(writer)
            try writer.write(frame)
        }

        /// Writes one decided frame of RFC 4571 media followed across segments (and records it).
        func emitTCPMedia(_ frame: Frame, _ decoded: DecodedFrame, _ plan: TCPMediaFollower.Plan) throws {
            if record { summary.records.append(FrameRecord(frame: frame.number, status: plan.status, ssrc: plan.ssrc)) }
            guard let writer else {
                tcpMedia.skip(frame.number)
                return
            }
            try adoptNewInterfaces(writer)
            try write(
                tcpMedia.write(frame, decoded, into: &rewritten), frame, to: writer,
                failure: "could not fix the TCP segment around the RTP/RTCP it carries; frame written unchanged")
        }

        /// Drops the oldest held frame once written. Its MS-RTPME wait, if any, ends with it (a key that
        /// came meanwhile may have decided the frame by another path).
        func dropHead() {
            if let h = held.first { engine.endRTPMEWait(frame: h.frame.number) }
            held.removeFirst()
        }

        /// Decides held frames from the oldest: while they need not wait (or, with `force`, the oldest
        /// whatever it waits for, then the rest while they need not wait).
        func release(force: Bool) throws {
            var force = force
            while let h = held.first {
                if trains.isMember(h.frame.number) {
                    var found: [Diagnostic] = []
                    let step = fragmentDecision.step(
                        h.frame, h.decoded, trains: &trains, force: force, engine: engine, into: &fragmentOut,
                        diagnostics: &found)
                    if summary.diagnostics.count < options.maxDiagnostics { summary.diagnostics += found }
                    switch step {
                    case .wait: return
                    case .write(let rewritten, let status, let ssrc):
                        try emitFragment(rewritten ? fragmentOut : h.frame, status, ssrc)
                        dropHead()
                        force = false
                        continue
                    case .ordinary: break
                    }
                }
                let result: DecryptEngine.PacketResult
                if !h.selected {
                    result = DecryptEngine.PacketResult(status: .notMedia)
                } else if tcpMedia.claims(h.frame.number) {
                    guard let plan = tcpMedia.decide(h.frame.number, engine: engine, mayHold: !force) else { return }
                    try emitTCPMedia(h.frame, h.decoded, plan)
                    dropHead()
                    force = false
                    continue
                } else if let r = engine.process(h.frame, h.decoded, mayHold: !force) {
                    result = r
                } else {
                    return
                }
                try emit(h.frame, h.decoded, result)
                dropHead()
                force = false
            }
        }

        /// An MS-RTPME packet at the head of the held frames waits for a later packet of its flow to confirm
        /// its stream (`DecryptEngine.awaitsRTPMEConfirmation`): the frames held after it are shown to the
        /// engine, from the first not yet shown, and the held frames move as soon as it has decided.
        func settleRTPME() throws {
            while engine.awaitsRTPMEConfirmation {
                let through = engine.rtpmeProbedThrough
                // Held frames are in capture order: the ones not shown yet are the newest (found from the
                // end, so a long hold is not scanned again for each new frame).
                let unseen = held.all.reversed().prefix { $0.frame.number > through }
                var decided = false
                for h in unseen.reversed() where h.selected {
                    decided = engine.probeRTPME(h.frame, h.decoded)
                    if decided { break }
                }
                guard decided else { return }
                try release(force: false)
            }
        }

        /// Decides the oldest held frame whatever it waits for, after an MS-RTPME packet waiting at the head
        /// has seen the frames held after it — unless that already made room (`untilUnder`: the buffer is
        /// within its bounds again).
        func releaseOldest(untilUnder: Bool) throws {
            try settleRTPME()
            if untilUnder ? held.isOverLimit : !held.isEmpty { try release(force: true) }
        }

        /// Whether a key signalled for `flow` or its call is an MS-RTPME passphrase (its packets may start
        /// with any byte). Not every key of the capture: one Lync call would make every flow MS-RTPME.
        func mayBeRTPME(_ flow: MediaFlowKey, _ frameNumber: Int) -> Bool {
            keys.candidates(for: flow, ssrc: nil, frame: frameNumber, skippingForeign: .max).keys.contains {
                if case .rtpme = $0.material { return true }
                return false
            }
        }

        /// The decoder's warnings on a frame, less its complaints about RTP/RTCP headers on a flow keyed
        /// by MS-RTPME: there the whole packet is DES ciphertext, whose first bytes look like a header
        /// only by chance (a decrypted capture would otherwise come with a warning per such packet).
        func decoderWarnings(_ frame: Frame, _ decoded: DecodedFrame) -> [Diagnostic] {
            var found = decoded.diagnostics.filter { $0.severity != .note }
            func mediaHeader(_ d: Diagnostic) -> Bool {
                guard let f = d.field else { return false }
                return f.hasPrefix("rtp.") || f.hasPrefix("rtcp.")
            }
            if found.contains(where: mediaHeader), let s = decoded.source, let d = decoded.destination,
                mayBeRTPME(MediaFlowKey(source: s, destination: d), frame.number)
            {
                found.removeAll(where: mediaHeader)
            }
            return found
        }

        /// Reads a frame's signalling, then, when nothing is held, decides it and writes it; false when it
        /// must be held (the engine waits for keys, or earlier frames wait). `decoded` is a parameter so
        /// that the three calls share one borrow of it: each use of the loop's `var` as an argument copied
        /// the ~600-byte decoding and retained its arrays (3 % of a packet, Docs/PERFORMANCE.md round 3).
        func decideNow(_ frame: Frame, _ decoded: DecodedFrame, selected: Bool) throws -> Bool {
            // The signalling of every frame, selected or not (as dissect reads it): `-f "udp port 40000"`
            // chooses the media to analyse, and its keys are in SIP frames the filter leaves out.
            tracker?.observe(frame, decoded)
            // A fragment of a datagram that may carry media waits for the rest of it (FragmentTrains).
            if decoded.heldFragment, trains.observe(frame, decoded, selected: selected, mayBeRTPME: mayBeRTPME) {
                return false
            }
            guard held.isEmpty else { return false }
            if !selected {
                try emit(frame, decoded, DecryptEngine.PacketResult(status: .notMedia))
                return true
            }
            if tcpMedia.claims(frame.number) {
                guard let plan = tcpMedia.decide(frame.number, engine: engine, mayHold: true) else { return false }
                try emitTCPMedia(frame, decoded, plan)
                return true
            }
            guard let result = engine.process(frame, decoded, mayHold: true) else { return false }
            try emit(frame, decoded, result)
            return true
        }

        var droppedDiagnostics = 0
        /// Bounded: a file broken in every record must not fill memory (issue 7).
        func keep(_ found: [Diagnostic]) {
            for d in found {
                if summary.diagnostics.count < options.maxDiagnostics {
                    summary.diagnostics.append(d)
                } else {
                    droppedDiagnostics += 1
                }
            }
        }

        do {  // the writer removes its temporary file when dropped unclosed
            while reader.next(into: &frame) {
                summary.frames += 1
                if reader.hasDiagnostics { keep(reader.takeDiagnostics()) }
                decoder.decode(frame, into: &decoded)
                // The decoder's warnings too (bad IP headers, TCP holes, malformed media headers).
                if !decoded.diagnostics.isEmpty { keep(decoderWarnings(frame, decoded)) }
                let selected = filter?.matches(frame) ?? true
                // RTP/RTCP over TCP: the segment's bytes are framed now, whatever waits before it.
                // (`isTCP` first: one bit, where the call and the `tcp` view cost ~45 instructions per UDP frame.)
                let tcpClaimed = selected && decoded.isTCP && tcpMedia.ingest(frame, decoded)
                let wasEmpty = held.isEmpty
                if try decideNow(frame, decoded, selected: selected) {
                    // Decided and written.
                } else if wasEmpty {
                    held.append(taking: &frame, decoded: decoded, selected: selected)
                    summary.framesHeld += 1
                    heldRevision = keys.revision
                } else {
                    let now = frame.timestamp
                    held.append(taking: &frame, decoded: decoded, selected: selected)
                    summary.framesHeld += 1
                    summary.maxHeld = max(summary.maxHeld, held.count)
                    // Trains past the decoder's reassembly age can no longer complete.
                    if !trains.isEmpty, trains.expire(now: now) { try release(force: false) }
                    // New keys: what waited may be decided now.
                    if keys.revision != heldRevision {
                        heldRevision = keys.revision
                        try release(force: false)
                    } else if tcpClaimed, tcpMedia.waitsForBytes, let first = held.first,
                        tcpMedia.claims(first.frame.number)
                    {
                        // This segment may bring the last byte of a packet the oldest frame waits for.
                        try release(force: false)
                    }
                    while held.isOverLimit { try releaseOldest(untilUnder: true) }
                }
                // A fragment train completed or was let go: what it held may move.
                if decoded.heldFragment, trains.becameReady {
                    trains.becameReady = false
                    try release(force: false)
                }
                if !held.isEmpty { try settleRTPME() }
                if tcpClaimed { keep(tcpMedia.takeDiagnostics()) }
                if progress, summary.frames % max(1, options.progressInterval) == 0 {
                    errors.write("\rsrtpdump: \(summary.frames) frames, \(engine.streams.count) streams")
                    errors.flush()
                }
            }
            keep(reader.takeDiagnostics())
            let end = decoder.finish()
            keep(end.diagnostics)
            if droppedDiagnostics > 0 {
                summary.diagnostics.append(
                    Diagnostic(
                        .note, code: "decode.diagnostics-dropped", field: "diagnostics",
                        "\(droppedDiagnostics) further frame diagnostics not kept (limit \(options.maxDiagnostics))"))
            }
            tracker?.finish(tcpEvents: end.tcpEvents)
            // The end of the capture: no key can come any more.
            while !held.isEmpty { try releaseOldest(untilUnder: false) }
            keep(tcpMedia.takeDiagnostics())
            try writer?.close()
        }
        if progress, summary.frames >= max(1, options.progressInterval) { errors.write("\r\u{1B}[K") }
        engine.finish()
        if let tracker {
            summary.signallingDiagnostics = tracker.diagnostics + tracker.book.diagnostics
            summary.dtlsHandshakes = tracker.dtls.handshakes
        }
        summary.diagnostics += engine.allDiagnostics
        summary.streams = engine.reportedStreams
        if let tracker {
            summary.diagnostics += UnmatchedKeyScopes.diagnostics(entries: tracker.book.entries, streams: summary.streams)
        }
        // A handshake no key log keyed whose media another key decrypted (--dtls-srtp-material, a media
        // server's log, --key): say which, rather than "not derived" beside streams that decrypt.
        for i in summary.dtlsHandshakes.indices where summary.dtlsHandshakes[i].keySource == nil {
            let h = summary.dtlsHandshakes[i]
            let ends: Set<Endpoint> = [h.client, h.server]
            if let key = summary.streams.first(where: {
                $0.authenticated > 0 && Set([$0.flow.source, $0.flow.destination]) == ends
            })?.key {
                summary.dtlsHandshakes[i].keySource = "\(key.source) (its media decrypts with it)"
            }
        }
        let failed =
            summary.streams.contains { $0.authFailed > 0 } || engine.undecryptedRTPMEFlows > 0
            || engine.undecryptedSignalledStreams > 0
        summary.exitStatus =
            !reader.hasReadableHeader ? .inputUnreadable : failed ? .authenticationFailures : .success
        if let output {
            switch options.format {
            case .text:
                output.write(
                    StreamsReportWriter.text(
                        frames: summary.frames, streams: summary.streams, diagnostics: summary.diagnostics,
                        handshakes: summary.dtlsHandshakes))
            case .json:
                output.write(
                    bytes: StreamsReportWriter.json(
                        frames: summary.frames, streams: summary.streams, diagnostics: summary.diagnostics,
                        handshakes: summary.dtlsHandshakes))
            }
            output.flush()
        }
        errors.flush()
        return summary
    }
}
