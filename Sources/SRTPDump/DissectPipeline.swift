import Analysis
import Capture
import Crypto
import Datagrams
import Output
import Transforms

/// `srtpdump dissect`: read a capture once and print every frame's layers.
///
/// Frames flow Capture → Datagrams → Output; nothing is kept between frames except the decoder's
/// bounded reassembly state, so memory stays flat on captures of any size.
///
/// With `media` set (dissect with keys), the capture's signalling is read inline as `decrypt` reads it
/// and each media packet goes through the decrypt engine: the frame's dissection then shows the SRTP,
/// SRTCP fields, the outcome, the key and the decrypted packet (`MediaDissection`). Unlike `decrypt`,
/// dissect does not hold frames back: a packet is judged with the keys known at its frame.
public struct DissectPipeline {
    /// Dissect with keys: the key inputs (read before the first frame) and the crypto provider.
    public struct MediaOptions {
        public var signalling = DecryptPipeline.SignallingInputs()
        public var cryptoProvider: String?
        public var keyObservers: [any CaptureKeyObserver] = []
        /// Keys instead of the signalling (tests); the capture's signalling is then not read.
        public var keys: (any TrialKeySource)?
        /// The ROC search's time and effort per stream, and the streams tracked at once (`--limit`,
        /// as for decrypt: Docs/robustness.md).
        public var rocSearch = ROCSearch()
        public var maxStreams = 10_000
        /// Packets each stream's replay list spans (DecryptEngine.Options.replayWindow).
        public var replayWindow = ReplayWindow.defaultSize
        public init() {}
    }

    public struct Options {
        public var capturePath: String
        public var filter: String?
        public var format: DissectionFormat = .text
        public var verbose = false
        public var decoder = FrameDecoder.Options()
        public var media: MediaOptions?
        /// Bounds on RTP/RTCP over TCP followed across segments (dissect with keys).
        public var tcpMedia = TCPMediaLimits()

        public init(capturePath: String) { self.capturePath = capturePath }
    }

    public struct Summary: Sendable {
        /// The capture was recognised but its file header is cut short: exit status 2 once reported.
        public var captureUnreadable = false
        /// Frames read from the file, and of those, frames that passed the filter and were printed.
        public var framesRead = 0
        public var framesShown = 0
        public var diagnostics = 0
        /// Media packets shown with their SRTP analysis.
        public var mediaPackets = 0
    }

    public let options: Options

    public init(options: Options) { self.options = options }

    /// Runs the dissection, writing frames to `output` and file-level problems to `errors`.
    /// Throws `CaptureError` when the capture cannot be opened or the filter does not compile,
    /// `SignallingTracker.Failure` for an unusable key input, `CryptoError` for an unknown provider.
    public func run(output: OutputStream, errors: OutputStream) throws -> Summary {
        var tracker: SignallingTracker?
        var engine: DecryptEngine?
        var provider: (any CryptoProvider)?
        if let m = options.media {
            let p = try m.cryptoProvider.map { try CryptoProviders.named($0) } ?? CryptoProviders.default
            let keys: any TrialKeySource
            if let given = m.keys {
                keys = given
            } else {
                let t = try SignallingTracker(m.signalling, provider: p)
                t.observers += m.keyObservers
                t.dialogTracker.retainsEvicted = false
                tracker = t
                keys = KeyBookCandidates(tracker: t)
            }
            var engineOptions = DecryptEngine.Options(provider: p)
            engineOptions.rocSearch = m.rocSearch
            engineOptions.maxStreams = m.maxStreams
            engineOptions.replayWindow = m.replayWindow
            engine = DecryptEngine(keys: keys, options: engineOptions)
            provider = p
        }
        let filter = try options.filter.map { (e: String) throws(CaptureError) in try PacketFilter(e) }
        let reader = try CaptureReader(path: options.capturePath)
        let decoder = FrameDecoder(options: options.decoder)
        let writer = FrameDissectionWriter(
            format: options.format, verbose: options.verbose, output: output, interfaces: reader.interfaces)
        var summary = Summary()
        var frame = Frame()
        var pending: [Diagnostic] = []
        var engineDiagnosticsShown = 0
        var rebuilt = ReassembledMediaPacket(decoderOptions: options.decoder)
        let tcpMedia = TCPMediaDissectFollower(limits: options.tcpMedia)
        var tcpPacket = Frame()

        while reader.next(into: &frame) {
            summary.framesRead += 1
            writer.noteFrameRead(frame)
            if reader.hasDiagnostics { pending.append(contentsOf: reader.takeDiagnostics()) }
            // The decoder sees every frame, filtered or not, so that reassembly stays whole; only the
            // printing is filtered, and frames keep their file numbers, as in Wireshark.
            let decoded = decoder.decode(frame)
            let shown = filter?.matches(frame) ?? true
            var media: [MediaDissection] = []
            if let engine, let provider {
                tracker?.observe(frame, decoded)
                if decoded.isTCP, let packets = tcpMedia.packets(in: frame, decoded) {
                    // RTP/RTCP over TCP followed across segments: every packet whose last byte this
                    // segment brings, each as its own frame's bytes (length field and body).
                    tcpPacket.number = frame.number
                    tcpPacket.timestamp = frame.timestamp
                    for p in packets {
                        tcpPacket.data = p.bytes
                        tcpPacket.originalLength = p.bytes.count
                        let packet = MediaPacket(
                            flow: MediaFlowKey(source: p.flow.source, destination: p.flow.destination, tcp: true),
                            kind: p.kind, range: 2..<p.bytes.count, tcpLengthOffset: 0)
                        guard let result = engine.process(tcpPacket, packet: packet, mayHold: false),
                            var m = MediaDissector.dissect(result, frame: tcpPacket, engine: engine, provider: provider)
                        else { continue }
                        m.tcpStreamOffset = p.offset
                        m.tcpFromFrame = p.fromFrame
                        media.append(m)
                    }
                } else {
                    let result = engine.process(frame, decoded)
                    if result.status == .notMedia, decoded.payloadSource == .reassembled,
                        rebuilt.build(from: frame, decoded)
                    {
                        // A UDP datagram rebuilt from IP fragments, shown (decrypted) at the frame completing it.
                        let whole = engine.process(rebuilt.frame, rebuilt.decoded)
                        if let m = MediaDissector.dissect(whole, frame: rebuilt.frame, engine: engine, provider: provider) {
                            media.append(m)
                        }
                    } else if let m = MediaDissector.dissect(result, frame: frame, engine: engine, provider: provider) {
                        media.append(m)
                    }
                }
                if decoded.isTCP { pending.append(contentsOf: tcpMedia.takeDiagnostics()) }
                // What the engine met on this frame's packets (an MS-RTPME packet it would not take, a
                // stream evicted), shown with the frame.
                if engine.diagnostics.count > engineDiagnosticsShown {
                    pending.append(contentsOf: engine.diagnostics[engineDiagnosticsShown...])
                    engineDiagnosticsShown = engine.diagnostics.count
                }
                summary.mediaPackets += media.count
            }
            if let filter {
                let filterDiagnostics = filter.takeDiagnostics()
                if !filterDiagnostics.isEmpty { pending.append(contentsOf: filterDiagnostics) }
            }
            var frameDiagnostics = decoded.diagnostics
            if !pending.isEmpty {
                frameDiagnostics.insert(contentsOf: pending.filter { $0.frame == frame.number }, at: 0)
                for d in pending where d.frame != frame.number { report(d, writer: writer, errors: errors) }
                pending.removeAll(keepingCapacity: true)
            }
            summary.diagnostics += frameDiagnostics.count
            if shown {
                summary.framesShown += 1
                writer.write(frame: frame, decoded: decoded, diagnostics: frameDiagnostics, media: media)
            }
        }
        pending.append(contentsOf: reader.takeDiagnostics())
        let end = decoder.finish()
        pending.append(contentsOf: end.diagnostics)
        if let tracker {
            tracker.finish(tcpEvents: end.tcpEvents)
            for d in tracker.diagnostics + tracker.book.diagnostics where d.severity != .note {
                errors.write("srtpdump: \(d.severity.rawValue): \(d)\n")
            }
        }
        for d in pending { report(d, writer: writer, errors: errors) }
        summary.diagnostics += pending.count
        output.flush()
        errors.flush()
        summary.captureUnreadable = !reader.hasReadableHeader
        return summary
    }

    private func report(_ d: Diagnostic, writer: FrameDissectionWriter, errors: OutputStream) {
        writer.write(fileDiagnostic: d)
        errors.write("srtpdump: \(d.severity.rawValue): \(d)\n")
    }
}
