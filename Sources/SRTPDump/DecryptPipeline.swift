import Analysis
import Capture
import Crypto
import Datagrams
import Output

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `srtpdump decrypt` and `srtpdump streams`: read a capture once, decrypt every media packet a key
/// authenticates, optionally write the decrypted capture, and report every stream.
///
/// Frames flow Capture → Datagrams → Analysis (the decrypt engine) → Output (the rewritten frame and
/// the report); the only state kept across frames is per stream, so memory grows with streams, not
/// with the capture.
public struct DecryptPipeline {
    public struct Options {
        public var capturePath: String
        /// Where to write the decrypted capture; nil for `streams`.
        public var outputPath: String?
        /// A BPF filter: frames it rejects are not analysed (and are written unchanged).
        public var filter: String?
        public var format: StreamsReportWriter.Format = .text
        public var cryptoProvider: String?
        public var keys: any TrialKeySource = NoTrialKeys()
        public var decoder = FrameDecoder.Options()
        /// The ROC search's time bound per stream (seconds).
        public var rocSearchBudget = 2.0
        /// Search the ROC of streams whose first packets fail (a capture begun mid-call).
        public var rocSearchEnabled = true
        /// The ROC search's effort per stream: ROCs tried, AEAD opens, KDR re-derivations (ROCSearch).
        public var rocSearchLimit: UInt64 = 1 << 32
        public var rocSearchAEADLimit: UInt32 = 64
        public var rocSearchKDRLimit: UInt32 = 256
        /// Streams tracked at once (DecryptEngine.Options.maxStreams) and diagnostics kept.
        public var maxStreams = 10_000
        public var maxDiagnostics = 1_000
        /// Print a progress line on stderr (only honoured when stderr is a terminal).
        public var progress = true

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
        public var diagnostics: [Diagnostic] = []
        public var records: [FrameRecord] = []
        /// 0 when every keyed packet authenticated, 1 otherwise.
        public var exitStatus: ExitStatus = .success
    }

    public let options: Options

    public init(options: Options) { self.options = options }

    /// Runs the pass. Throws `CaptureError` when the capture cannot be read or written, `CryptoError`
    /// when the provider is unknown. `record` keeps one `FrameRecord` per frame in the summary.
    public func run(output: OutputStream?, errors: OutputStream, record: Bool = false) throws -> Summary {
        let provider = try options.cryptoProvider.map { try CryptoProviders.named($0) } ?? CryptoProviders.default
        let filter = try options.filter.map { (e: String) throws(CaptureError) in try PacketFilter(e) }
        let reader = try CaptureReader(path: options.capturePath)
        let writer = try options.outputPath.map { path throws(CaptureError) in
            try CaptureWriter(path: path, like: reader)
        }
        var engineOptions = DecryptEngine.Options(provider: provider)
        engineOptions.rocSearch.timeBudget = options.rocSearchBudget
        engineOptions.rocSearch.enabled = options.rocSearchEnabled
        engineOptions.rocSearch.limit = options.rocSearchLimit
        engineOptions.rocSearch.aeadLimit = options.rocSearchAEADLimit
        engineOptions.rocSearch.kdrLimit = options.rocSearchKDRLimit
        engineOptions.maxStreams = options.maxStreams
        engineOptions.maxDiagnostics = options.maxDiagnostics
        let engine = DecryptEngine(keys: options.keys, options: engineOptions)
        let decoder = FrameDecoder(options: options.decoder)
        let progress = options.progress && isatty(2) == 1
        var summary = Summary()
        var frame = Frame()
        var decoded = DecodedFrame(frameNumber: 0)
        var rewritten = Frame()
        var knownInterfaces = reader.interfaces.count
        do {  // the writer removes its temporary file when dropped unclosed
            while reader.next(into: &frame) {
                summary.frames += 1
                if reader.hasDiagnostics {
                    // Bounded: a file broken in every record must not fill memory (issue 7).
                    let ds = reader.takeDiagnostics()
                    if summary.diagnostics.count < options.maxDiagnostics { summary.diagnostics += ds }
                }
                decoder.decode(frame, into: &decoded)
                let selected = filter?.matches(frame) ?? true
                let result = selected ? engine.process(frame, decoded) : DecryptEngine.PacketResult(status: .notMedia)
                if record {
                    summary.records.append(
                        FrameRecord(frame: frame.number, status: result.status, ssrc: result.stream?.ssrc))
                }
                if let writer {
                    // pcapng: interfaces met mid-file are declared before their first frame.
                    if reader.interfaces.count != knownInterfaces {
                        try writer.adoptInterfaces(reader.interfaces)
                        knownInterfaces = reader.interfaces.count
                    }
                    if result.status == .authenticated || result.status == .replayed, let p = result.packet {
                        let ok = DecryptedFrameRewriter.rewrite(
                            frame, decoded, packetRange: p.range, channelDataOffset: p.channelDataOffset,
                            stunOffset: p.stunOffset, stunDataAttributeOffset: p.stunDataAttributeOffset,
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
                    } else {
                        try writer.write(frame)
                    }
                }
                if progress, summary.frames % 100_000 == 0 {
                    errors.write("\rsrtpdump: \(summary.frames) frames, \(engine.streams.count) streams")
                    errors.flush()
                }
            }
            summary.diagnostics.append(contentsOf: reader.takeDiagnostics())
            summary.diagnostics.append(contentsOf: decoder.finish().diagnostics)
            try writer?.close()
        }
        if progress, summary.frames >= 100_000 { errors.write("\r\u{1B}[K") }
        engine.finish()
        summary.diagnostics += engine.allDiagnostics
        summary.streams = engine.reportedStreams
        let failed = summary.streams.contains { $0.authFailed > 0 }
        summary.exitStatus = failed ? .authenticationFailures : .success
        if let output {
            switch options.format {
            case .text:
                output.write(
                    StreamsReportWriter.text(
                        frames: summary.frames, streams: summary.streams, diagnostics: summary.diagnostics))
            case .json:
                output.write(
                    bytes: StreamsReportWriter.json(
                        frames: summary.frames, streams: summary.streams, diagnostics: summary.diagnostics))
            }
            output.flush()
        }
        errors.flush()
        return summary
    }
}
