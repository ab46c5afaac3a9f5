import Capture
import Datagrams
import KeyBook
import Signalling

/// `srtpdump calls` and `keys`: read a capture's SIP (UDP datagrams, and TCP streams through one
/// `SIPStreamFramer` per direction), follow the dialogs, and build the key book with the keys given
/// by hand (`--key`, `--keys`) and the side signalling (`--signalling`, read before the first frame).
public struct SignallingPipeline {
    public struct Options: Sendable {
        public var capturePath: String
        /// A BPF filter: only matching frames are read for signalling.
        public var filter: String?
        public var keySpecs: [String] = []
        public var keysFiles: [String] = []
        public var signallingFiles: [String] = []
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
    }

    /// Why a run could not start: the capture, the filter, or a key option.
    public enum Failure: Error, CustomStringConvertible {
        case capture(CaptureError)
        case keys(KeyInputError)
        public var description: String {
            switch self {
            case .capture(let e): "\(e)"
            case .keys(let e): "\(e)"
            }
        }
    }

    public let options: Options
    public init(options: Options) { self.options = options }

    /// SIP over TCP is framed on flows that start with a SIP start line or use the SIP ports.
    static let sipPorts: Set<UInt16> = [5060, 5061, 5080]
    /// Bound on TCP directions framed at once.
    static let maxFramers = 4096

    public func run() throws(Failure) -> Result {
        // Keys from elsewhere first, so that a bad option fails before the capture is read.
        var manual: [[KeyEntry]] = []
        for (i, spec) in options.keySpecs.enumerated() {
            do { manual.append(try KeySpec.parse(spec, position: i + 1)) } catch { throw .keys(error) }
        }
        for path in options.keysFiles {
            do { manual.append(try KeyFile.read(path: path)) } catch { throw .keys(error) }
        }
        let tracker = DialogTracker()
        // Key files others can read (issue 7): warned about, then used.
        var diagnostics = options.keysFiles.compactMap { KeyFilePermissions.warning(path: $0, option: "--keys") }
        var sideFiles: [String: String] = [:]
        for path in options.signallingFiles {
            let side: (messages: [SignallingFile.Message], diagnostics: [Diagnostic])
            do { side = try SignallingFile.read(path: path) } catch { throw .keys(error) }
            diagnostics += side.diagnostics
            for m in side.messages {
                if let id = m.message.callID, sideFiles[id] == nil { sideFiles[id] = path }
                diagnostics += tracker.process(m.message, context: SIPMessageContext(frame: 0, time: nil)).map { d in
                    var d = d
                    d.frame = nil
                    d.field = "--signalling \(path) line \(m.line)" + (d.field.map { ": " + $0 } ?? "")
                    return d
                }
            }
        }

        let filter: PacketFilter?
        let reader: CaptureReader
        do {
            filter = try options.filter.map { (e: String) throws(CaptureError) in try PacketFilter(e) }
            reader = try CaptureReader(path: options.capturePath)
        } catch {
            throw .capture(error)
        }
        let decoder = FrameDecoder(options: options.decoder)
        var framers: [TCPFlowKey: SIPStreamFramer] = [:]
        var frame = Frame()
        var decoded = DecodedFrame(frameNumber: 0)
        var framesRead = 0
        var decodeDiagnostics = 0
        var sipMessages = 0
        var firstTime: Timestamp?

        func handle(
            _ message: SIPMessage?, frame number: Int, time: Timestamp?, source: Endpoint?, destination: Endpoint?
        ) {
            guard let message else { return }
            sipMessages += 1
            diagnostics += tracker.process(
                message, context: SIPMessageContext(frame: number, time: time, source: source, destination: destination)
            )
        }
        func handle(events: [TCPStreamEvent], time: Timestamp?) {
            for event in events {
                switch event {
                case .data(let chunk):
                    var framer = framers[chunk.flow]
                    if framer == nil, framers.count < Self.maxFramers,
                        PayloadClassifier.isSIPStartLine(chunk.bytes[...])
                            || Self.sipPorts.contains(chunk.flow.source.port)
                            || Self.sipPorts.contains(chunk.flow.destination.port)
                    {
                        framer = SIPStreamFramer()
                        framers[chunk.flow] = framer
                    }
                    guard let framer else { continue }
                    for m in framer.feed(chunk.bytes, frame: chunk.frame) {
                        diagnostics += m.diagnostics
                        handle(
                            m.message, frame: m.lastFrame, time: time, source: chunk.flow.source,
                            destination: chunk.flow.destination)
                    }
                case .gap(let flow, _, _):
                    // Framing cannot go on across lost bytes: start afresh at the next start line.
                    if let old = framers[flow] {
                        diagnostics += old.finish()
                        framers[flow] = SIPStreamFramer()
                    }
                case .end(let flow, _, _):
                    if let old = framers.removeValue(forKey: flow) { diagnostics += old.finish() }
                }
            }
        }

        while reader.next(into: &frame) {
            framesRead += 1
            if firstTime == nil { firstTime = frame.timestamp }
            if reader.hasDiagnostics {
                for d in reader.takeDiagnostics() {
                    if decodeDiagnostics < options.maxDecodeDiagnostics { diagnostics.append(d) }
                    decodeDiagnostics += 1
                }
            }
            if let filter {
                let keep = filter.matches(frame)
                diagnostics += filter.takeDiagnostics()
                if !keep { continue }
            }
            decoder.decode(frame, into: &decoded)
            // Warnings too (TCP holes, overlaps, …), but a bounded number: a capture where every frame is
            // broken must not fill memory with diagnostics (issue 7).
            for d in decoded.diagnostics where d.severity != .note {
                if decodeDiagnostics < options.maxDecodeDiagnostics { diagnostics.append(d) }
                decodeDiagnostics += 1
            }
            if decoded.classification.kind == .sip, case .udp = decoded.transport,
                let payload = decoded.payload(in: frame)
            {
                let r = SIPMessageParser.parse(Array(payload), framing: .datagram)
                diagnostics += r.diagnostics.map { $0.inFrame(frame.number) }
                handle(
                    r.message, frame: frame.number, time: frame.timestamp, source: decoded.source,
                    destination: decoded.destination)
            }
            if !decoded.tcpEvents.isEmpty { handle(events: decoded.tcpEvents, time: frame.timestamp) }
        }
        if decodeDiagnostics > options.maxDecodeDiagnostics {
            diagnostics.append(
                Diagnostic(
                    .note, code: "decode.diagnostics-dropped", field: "diagnostics",
                    "\(decodeDiagnostics - options.maxDecodeDiagnostics) further frame diagnostics not kept "
                        + "(limit \(options.maxDecodeDiagnostics))"))
        }
        diagnostics += reader.takeDiagnostics()
        let end = decoder.finish()
        handle(events: end.tcpEvents, time: nil)
        for (_, f) in framers { diagnostics += f.finish() }

        var book = KeyBook()
        book.add(dialogs: tracker.dialogs, sideFiles: sideFiles)
        for batch in manual { book.add(manual: batch) }
        diagnostics += book.diagnostics
        return Result(
            dialogs: tracker.dialogs, book: book, diagnostics: diagnostics, framesRead: framesRead,
            sipMessages: sipMessages, firstTime: firstTime)
    }
}
