import Capture
import Crypto
import DTLSSRTP
import Datagrams
import KeyBook
import Signalling

/// The signalling of a capture read frame by frame, inline with whatever else the pass does: SIP over
/// UDP (datagrams whole or reassembled from IP fragments) and over TCP (one `SIPStreamFramer` per
/// direction), the dialog tracker, the keys given by hand and in side files, the key observers
/// (`CaptureKeyObserver`), the DTLS handshakes and the keys a TLS key log gives them (RFC 5764), and the
/// key book they make, which grows as the frames go by.
///
/// `calls` and `keys` run it alone (`SignallingPipeline`); `decrypt` and `streams` run it in the same loop
/// as the decrypt engine (`DecryptPipeline`), which reads `book` through `KeyBookCandidates` and notices
/// growth by `book.revision`. Keys enter the book at the frame that brings them: an offer's keys when
/// the offer is seen, taking effect (`KeyEntry.effectiveFrame`) at the frame of its answer.
///
/// Long-lived state over the whole capture (dialogs, TCP framers), hence a class.
public final class SignallingTracker {
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

    /// The key inputs read before the first frame (the command line's key options).
    public struct Inputs: Sendable {
        public var keySpecs: [String] = []
        public var keysFiles: [String] = []
        public var signallingFiles: [String] = []
        /// NSS key logs (`--tls-keylog`): master secrets of the DTLS handshakes in the capture.
        public var tlsKeyLogs: [String] = []
        /// RFC 5764 keying material (`--dtls-srtp-material`).
        public var dtlsSRTPMaterialFiles: [String] = []
        /// Media servers' logs (`--keys-from-log`): every key-shaped token is a candidate.
        public var keyLogFiles: [String] = []

        public init(
            keySpecs: [String] = [], keysFiles: [String] = [], signallingFiles: [String] = [],
            tlsKeyLogs: [String] = [], dtlsSRTPMaterialFiles: [String] = [], keyLogFiles: [String] = []
        ) {
            self.keySpecs = keySpecs
            self.keysFiles = keysFiles
            self.signallingFiles = signallingFiles
            self.tlsKeyLogs = tlsKeyLogs
            self.dtlsSRTPMaterialFiles = dtlsSRTPMaterialFiles
            self.keyLogFiles = keyLogFiles
        }
    }

    /// SIP over TCP is framed on flows that start with a SIP start line or use the SIP ports.
    static let sipPorts: Set<UInt16> = [5060, 5061, 5080]
    /// Bound on TCP directions framed at once.
    static let maxFramers = 4096

    public let dialogTracker = DialogTracker()
    /// The book as known so far: side-file keys and keys given by hand from the start, then the
    /// capture's keys as their frames go by.
    // `book` and `observers` are read on every frame (`observe`, `KeyBookCandidates.revision` through the
    // engine), so stored without runtime exclusivity checks: the tracker is not Sendable, each access is
    // one statement on the thread that owns it, and no access calls back into the tracker or the engine.
    @exclusivity(unchecked) public private(set) var book = KeyBook()
    /// Every problem found so far (SIP, SDP, offer/answer, side files, observers), in order; the key
    /// book's own (unusable key material) are in `book.diagnostics`.
    public private(set) var diagnostics: [Diagnostic] = []
    public private(set) var sipMessages = 0
    /// Times a dialog's keys were entered into the book (once per change of its exchanges).
    public private(set) var dialogsEntered = 0
    /// Observers of keys found in the capture beside SDP; add before the first frame.
    @exclusivity(unchecked) public var observers: [any CaptureKeyObserver] = []
    /// The book's groups that hold keys given by hand (`--key`, `--keys`): tried last when binding by
    /// trial, as they come last in the book the whole capture makes (`finalBook`).
    public private(set) var manualGroups: Range<Int> = 0..<0

    /// The DTLS handshakes of the capture (DTLS-SRTP or not); with a key log, their SRTP keys.
    public let dtls: DTLSHandshakeTracker

    private var manual: [[KeyEntry]] = []
    /// Keys the observers found, in order, for `finalBook`.
    private var observed: [[KeyEntry]] = []
    private var sideFiles: [String: String] = [:]
    /// Per dialog (by serial): what its exchanges looked like when its keys were last entered
    /// (`keyState`). A dialog unchanged since is not entered again.
    private var enteredState: [Int: Int] = [:]
    private var framers: [TCPFlowKey: SIPStreamFramer] = [:]
    private var finished = false

    /// Reads the keys from elsewhere first (`--key` specs, `--keys` files, `--signalling` files, DTLS-SRTP
    /// material, media-server logs, TLS key logs), so that a bad option fails before the capture is read.
    /// `provider` gives the hashes of the TLS PRF and of certificate fingerprints (nil: the default).
    public init(_ inputs: Inputs = Inputs(), provider: (any CryptoProvider)? = nil) throws(Failure) {
        // Key files others can read (issue 7): warned about, then used.
        let keyFiles =
            inputs.keysFiles.map { ($0, "--keys") } + inputs.tlsKeyLogs.map { ($0, "--tls-keylog") }
            + inputs.dtlsSRTPMaterialFiles.map { ($0, "--dtls-srtp-material") }
            + inputs.keyLogFiles.map { ($0, "--keys-from-log") }
        diagnostics += keyFiles.compactMap { KeyFilePermissions.warning(path: $0.0, option: $0.1) }
        for (i, spec) in inputs.keySpecs.enumerated() {
            do { manual.append(try KeySpec.parse(spec, position: i + 1)) } catch { throw .keys(error) }
        }
        for path in inputs.keysFiles {
            do {
                let found = try KeyFile.read(path: path)
                manual.append(found.entries)
                diagnostics += found.diagnostics
            } catch { throw .keys(error) }
        }
        for path in inputs.dtlsSRTPMaterialFiles {
            do { manual.append(try DTLSSRTPMaterialFile.read(path: path)) } catch { throw .keys(error) }
        }
        for path in inputs.keyLogFiles {
            do {
                let found = try MediaServerKeyLog.read(path: path)
                manual.append(found.entries)
                diagnostics += found.diagnostics
            } catch { throw .keys(error) }
        }
        var keyLogs: [TLSKeyLog] = []
        for path in inputs.tlsKeyLogs {
            do { keyLogs.append(try TLSKeyLog.read(path: path)) } catch { throw .keys(error) }
        }
        let keyLog = TLSKeyLog.merged(keyLogs)
        diagnostics += keyLog?.diagnostics ?? []
        do {
            dtls = DTLSHandshakeTracker(
                keyLog: keyLog, digests: try CryptoProviders.digests(of: provider ?? CryptoProviders.default))
        } catch {
            throw .keys(KeyInputError(option: "--crypto", position: provider?.name ?? "default", "\(error)"))
        }
        for path in inputs.signallingFiles {
            let side: (messages: [SignallingFile.Message], diagnostics: [Diagnostic])
            do { side = try SignallingFile.read(path: path) } catch { throw .keys(error) }
            diagnostics += side.diagnostics
            for m in side.messages {
                if let id = m.message.callID, sideFiles[id] == nil { sideFiles[id] = path }
                let found = dialogTracker.process(m.message, context: SIPMessageContext(frame: 0, time: nil))
                diagnostics += found.map { d in
                    var d = d
                    d.frame = nil
                    d.field = "--signalling \(path) line \(m.line)" + (d.field.map { ": " + $0 } ?? "")
                    return d
                }
                updateBook(callID: m.message.callID)
            }
        }
        let first = book.groupCount
        for batch in manual { book.add(manual: batch) }
        manualGroups = first..<book.groupCount
    }

    /// Reads one frame's signalling. Call for every frame of the pass that the filter keeps, in order.
    public func observe(_ frame: Frame, _ decoded: DecodedFrame) {
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
        // DTLS-SRTP (RFC 5764): a handshake's keys enter the book at its ServerHello, before the media.
        switch decoded.classification.kind {
        case .dtls, .turnChannelData, .stun:
            let o = dtls.observe(frame, decoded)
            add(CaptureKeyFindings(keys: [o.entries], diagnostics: o.diagnostics))
        default:
            break
        }
        for o in observers { add(o.observe(frame, decoded)) }
    }

    /// Ends the pass: TCP streams still open at the end of the file (`FrameDecoder.finish()`'s events),
    /// framers, observers.
    public func finish(tcpEvents: [TCPStreamEvent]) {
        guard !finished else { return }
        finished = true
        handle(events: tcpEvents, time: nil)
        for (_, f) in framers { diagnostics += f.finish() }
        framers.removeAll()
        for o in observers { add(o.finish()) }
        // What the key log held that the capture did not show, and the certificates against the SDP's
        // a=fingerprint (RFC 5763 §5); a handshake that matches a call names it on its keys.
        let end = dtls.finish()
        add(CaptureKeyFindings(keys: [end.entries], diagnostics: end.diagnostics))
        diagnostics += dtls.checkFingerprints(against: dialogTracker.allDialogs)
        for i in observed.indices { dtls.assignCalls(to: &observed[i]) }
    }

    /// Adds the pass's own problems (file, filter, decoding) in order among the signalling's.
    public func note(_ found: [Diagnostic]) { diagnostics += found }

    /// The dialogs as tracked so far, those evicted past the `dialogs` limit included (unless the pass
    /// turned `dialogTracker.retainsEvicted` off).
    public var dialogs: [Dialog] { dialogTracker.allDialogs }

    /// The book the whole capture makes, in its canonical order (the dialogs' keys in dialog order, then
    /// the observers', then the keys given by hand), as `calls` and `keys` list it. Its diagnostics are
    /// those of `book`.
    public func finalBook() -> KeyBook {
        var out = KeyBook()
        out.add(dialogs: dialogTracker.allDialogs, sideFiles: sideFiles)
        for batch in observed { out.add(manual: batch) }
        for batch in manual { out.add(manual: batch) }
        return out
    }

    private func add(_ findings: CaptureKeyFindings) {
        diagnostics += findings.diagnostics
        for batch in findings.keys where !batch.isEmpty {
            observed.append(batch)
            book.add(manual: batch)
        }
    }

    /// Enters the keys of the dialogs of `callID` again (new exchanges, answers, forks). Only dialogs
    /// whose exchanges changed: every SIP message of a call (a 100 Trying, a retransmission, a BYE) used
    /// to enter all of the call's key-params again, each with an id string built and hashed, which one
    /// large INVITE followed by thousands of small messages made quadratic.
    private func updateBook(callID: String?) {
        guard let callID else { return }
        // By serial, not position: positions move when older calls are evicted (`DialogTracker`).
        for d in dialogTracker.dialogs(ofCall: callID) {
            let state = Self.keyState(d)
            guard enteredState[d.serial] != state else { continue }
            enteredState[d.serial] = state
            dialogsEntered += 1
            book.add(dialog: d, at: d.serial, sideFile: sideFiles[callID])
        }
    }

    /// What `KeyBook.add(dialog:)` reads of a dialog that can change as its messages come: its exchanges,
    /// the frames of their offer and answer (an answer completes an exchange, a new offer replaces one),
    /// and their rejection.
    static func keyState(_ d: Dialog) -> Int {
        var h = Hasher()
        h.combine(d.exchanges.count)
        for x in d.exchanges {
            h.combine(x.offer.context.frame)
            h.combine(x.answer?.context.frame)
            h.combine(x.rejectedFrame)
        }
        return h.finalize()
    }

    private func handle(
        _ message: SIPMessage?, frame number: Int, time: Timestamp?, source: Endpoint?, destination: Endpoint?
    ) {
        guard let message else { return }
        sipMessages += 1
        diagnostics += dialogTracker.process(
            message, context: SIPMessageContext(frame: number, time: time, source: source, destination: destination))
        updateBook(callID: message.callID)
    }

    private func handle(events: [TCPStreamEvent], time: Timestamp?) {
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
}
