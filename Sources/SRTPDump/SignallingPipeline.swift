import Capture
import Crypto
import DTLSSRTP
import Datagrams
import KeyBook
import Signalling

/// `srtpdump calls` and `keys`: read a capture's signalling alone, through the `SignallingTracker` that
/// `decrypt` runs inline (SIP over UDP and TCP, dialogs, keys by hand and in side files, key observers),
/// and give the dialogs and the book the whole capture makes.
public struct SignallingPipeline {
    public struct Options: Sendable {
        public var capturePath: String
        /// A BPF filter: only matching frames are read for signalling.
        public var filter: String?
        /// The keys given and the files to read before the first frame (the command line's key options).
        public var inputs = SignallingTracker.Inputs()
        /// The provider of the PRF's and fingerprints' hashes (nil: the default).
        public var cryptoProvider: String?
        public var decoder = FrameDecoder.Options()
        /// Frame-decoding diagnostics kept (malformed IP, TCP holes, …); the rest are counted.
        public var maxDecodeDiagnostics = 10_000

        public init(capturePath: String) { self.capturePath = capturePath }
    }

    public struct Result: Sendable {
        public var dialogs: [Dialog]
        public var book: KeyBook
        /// Every problem found (SIP, SDP, offer/answer, key material), in order, with frame numbers.
        public var diagnostics: [Diagnostic]
        public var framesRead: Int
        public var sipMessages: Int
        public var firstTime: Timestamp?
        /// The DTLS handshakes seen (DTLS-SRTP or not), in order.
        public var dtlsHandshakes: [DTLSHandshake] = []
        /// The capture was recognised but its file header is cut short: exit status 2 once reported.
        public var captureUnreadable = false

        /// The handshakes as text, for `calls` (empty when there were none).
        public var dtlsReport: String { dtlsHandshakes.map(\.summary).joined() }
    }

    /// Why a run could not start: the capture, the filter, or a key option.
    public typealias Failure = SignallingTracker.Failure

    public let options: Options
    public init(options: Options) { self.options = options }

    public func run() throws(Failure) -> Result {
        let provider: (any CryptoProvider)?
        do {
            provider = try options.cryptoProvider.map { try CryptoProviders.named($0) }
        } catch {
            throw .keys(KeyInputError(option: "--crypto", position: options.cryptoProvider ?? "", "\(error)"))
        }
        let tracker = try SignallingTracker(options.inputs, provider: provider)
        let filter: PacketFilter?
        let reader: CaptureReader
        do {
            filter = try options.filter.map { (e: String) throws(CaptureError) in try PacketFilter(e) }
            reader = try CaptureReader(path: options.capturePath)
        } catch {
            throw .capture(error)
        }
        let decoder = FrameDecoder(options: options.decoder)
        var frame = Frame()
        var decoded = DecodedFrame(frameNumber: 0)
        var framesRead = 0
        var decodeDiagnostics = 0
        /// The reader's and the decoder's diagnostics, up to `maxDecodeDiagnostics`.
        func keep(_ found: [Diagnostic]) {
            for d in found {
                if decodeDiagnostics < options.maxDecodeDiagnostics { tracker.note([d]) }
                decodeDiagnostics += 1
            }
        }
        var firstTime: Timestamp?
        while reader.next(into: &frame) {
            framesRead += 1
            if firstTime == nil { firstTime = frame.timestamp }
            if reader.hasDiagnostics { keep(reader.takeDiagnostics()) }
            if let filter {
                let keep = filter.matches(frame)
                tracker.note(filter.takeDiagnostics())
                if !keep { continue }
            }
            decoder.decode(frame, into: &decoded)
            // Warnings too (TCP holes, overlaps, …), but a bounded number: a capture where every frame is
            // broken must not fill memory with diagnostics (issue 7).
            if !decoded.diagnostics.isEmpty { keep(decoded.diagnostics.filter { $0.severity != .note }) }
            tracker.observe(frame, decoded)
        }
        keep(reader.takeDiagnostics())
        if decodeDiagnostics > options.maxDecodeDiagnostics {
            tracker.note([
                Diagnostic(
                    .note, code: "decode.diagnostics-dropped", field: "diagnostics",
                    "\(decodeDiagnostics - options.maxDecodeDiagnostics) further frame diagnostics not kept "
                        + "(limit \(options.maxDecodeDiagnostics))")
            ])
        }
        let end = decoder.finish()
        tracker.finish(tcpEvents: end.tcpEvents)

        let book = tracker.finalBook()
        var result = Result(
            dialogs: tracker.dialogs, book: book, diagnostics: tracker.diagnostics + book.diagnostics,
            framesRead: framesRead, sipMessages: tracker.sipMessages, firstTime: firstTime)
        result.dtlsHandshakes = tracker.dtls.handshakes
        result.captureUnreadable = !reader.hasReadableHeader
        return result
    }
}
