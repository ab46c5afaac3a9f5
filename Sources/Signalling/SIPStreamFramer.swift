import Capture

/// A SIP message cut out of a byte stream, with the frames its bytes came from.
public struct FramedSIPMessage: Sendable {
    /// The message's bytes exactly as framed (start line through body).
    public var bytes: [UInt8]
    /// The frame that carried the message's first byte, and the one that carried its last.
    public var firstFrame: Int
    public var lastFrame: Int
    /// The parsed message (nil when even the start line could not be read).
    public var message: SIPMessage?
    /// Framing and parsing problems, each already attributed to `lastFrame` unless a framing problem
    /// names an earlier frame.
    public var diagnostics: [Diagnostic]
}

/// Splits a reassembled TCP (or TLS-decrypted) byte stream into SIP messages by Content-Length
/// (RFC 3261 §18.3). Feed in-order chunks with the frame each came from; complete messages come
/// out as soon as their last byte arrives. CRLF keep-alives between messages (RFC 5626 §3.5.1) are
/// skipped. Buffering is bounded: a header section longer than `maxHeaderSectionSize` or a body
/// longer than `maxMessageSize` is reported and discarded, and the framer looks for the next start line.
///
/// One framer per direction of a TCP connection; it owns long-lived state, hence a class.
public final class SIPStreamFramer {
    private var buffer: [UInt8] = []
    /// For each byte run in `buffer`: the offset where it ends and the frame it came from.
    private var runs: [(end: Int, frame: Int)] = []
    /// Diagnostics raised while no message was being emitted (garbage skipped, overflow), waiting
    /// to be handed out with the next message or from `finish()`.
    private var pending: [Diagnostic] = []
    /// A run of skipped bytes not yet reported: reported once, when a start line or the end is reached,
    /// so that a capture starting in the middle of a long body gives one diagnostic, not one per line.
    private var skipped: (bytes: Int, frame: Int, sample: String)?
    /// Per-message progress, kept so that a message arriving in many small chunks is not rescanned
    /// from its start on every chunk: whether its start line was checked, how far the buffer has been
    /// searched, and, once the headers are complete, its total length.
    private var startLineChecked = false
    private var searchedTo = 0
    private var framing: (total: Int, problem: Diagnostic?)?

    public init() {}

    /// Number of bytes held waiting for the rest of a message.
    public var bufferedByteCount: Int { buffer.count }

    /// Appends a chunk and returns the messages it completed, in order.
    public func feed<C: Collection>(_ chunk: C, frame: Int) -> [FramedSIPMessage] where C.Element == UInt8 {
        if !chunk.isEmpty {
            buffer.append(contentsOf: chunk)
            runs.append((buffer.count, frame))
        }
        return drain()
    }

    /// Call at the end of the stream: reports a message that can never complete, and any pending diagnostics.
    public func finish() -> [Diagnostic] {
        flushSkipped()
        var out = pending
        pending = []
        skipLineEnds()
        if !buffer.isEmpty {
            let frame = frameOf(offset: 0)
            var detail = "\(buffer.count) bytes"
            if let end = SIPHeaderSection.locateEnd(in: buffer[...]) {
                let lines = SIPHeaderSection.lines(buffer[0..<end.headersEnd])
                var sink = DiagnosticSink()
                let headers = SIPMessageParser.parseHeaders(lines.dropFirst(), sink: &sink)
                let message = SIPMessage(
                    startLine: .request(method: "", uri: "", version: ""), headers: headers, body: [])
                if case .value(let n) = SIPMessageParser.contentLength(of: message, sink: &sink) {
                    detail = "has \(buffer.count - end.bodyStart) of \(n) body bytes"
                }
            } else {
                detail = "header section of \(buffer.count) bytes never ends"
            }
            out.append(
                Diagnostic(
                    .warning, code: SignallingCode.streamIncomplete, frame: frame, field: "SIP stream",
                    "message starting in frame \(frame) never completes: \(detail)"))
            consume(buffer.count)
        }
        return out
    }

    // MARK: - Framing

    private func drain() -> [FramedSIPMessage] {
        var out: [FramedSIPMessage] = []
        while true {
            skipLineEnds()
            if buffer.isEmpty { break }
            if !startLineChecked {
                // Resynchronise on a start line: bytes that do not begin one are skipped up to the next line.
                guard let firstLF = buffer.withUnsafeBufferPointer({ firstOffset(of: 0x0A, in: $0, from: searchedTo) })
                else {
                    searchedTo = buffer.count
                    if buffer.count > SignallingLimits.maxHeaderSectionSize { overflow("start line") }
                    break
                }
                let firstLine = SIPHeaderSection.lines(buffer[0..<firstLF]).first ?? ""
                if !looksLikeStartLine(firstLine) {
                    if let run = skipped {
                        skipped = (run.bytes + firstLF + 1, run.frame, run.sample)
                    } else {
                        skipped = (firstLF + 1, frameOf(offset: 0), String(firstLine))
                    }
                    consume(firstLF + 1)
                    continue
                }
                flushSkipped()
                startLineChecked = true
                searchedTo = 0
            }
            if framing == nil {
                // Resume the search where the last one stopped (an end pattern is at most 3 bytes long).
                guard let end = SIPHeaderSection.locateEnd(in: buffer[...], from: max(0, searchedTo - 3)) else {
                    searchedTo = buffer.count
                    if buffer.count > SignallingLimits.maxHeaderSectionSize { overflow("header section") }
                    break
                }
                framing = frame(headersEndingAt: end)
            }
            guard let (total, lengthProblem) = framing else { break }
            guard buffer.count >= total else { break }
            let bytes = Array(buffer[0..<total])
            let first = frameOf(offset: 0)
            let last = frameOf(offset: total - 1)
            var result = SIPMessageParser.parse(bytes, framing: .stream)
            if let lengthProblem { result.diagnostics.append(lengthProblem) }
            let diagnostics = pending + result.diagnostics.map { $0.frame == nil ? $0.inFrame(last) : $0 }
            pending = []
            out.append(
                FramedSIPMessage(
                    bytes: bytes, firstFrame: first, lastFrame: last, message: result.message, diagnostics: diagnostics)
            )
            consume(total)
        }
        return out
    }

    /// Reads Content-Length from a complete header section: the message's total length, and a
    /// diagnostic when the declared length cannot be honoured.
    private func frame(headersEndingAt end: SIPHeaderSection.End) -> (total: Int, problem: Diagnostic?) {
        var sink = DiagnosticSink()
        let lines = SIPHeaderSection.lines(buffer[0..<end.headersEnd])
        let headers = SIPMessageParser.parseHeaders(lines.dropFirst(), sink: &sink)
        let probe = SIPMessage(startLine: .request(method: "", uri: "", version: ""), headers: headers, body: [])
        switch SIPMessageParser.contentLength(of: probe, sink: &sink) {
        case .absent, .invalid:
            // Without a usable length the body cannot be found: take none, and let resynchronisation
            // skip whatever follows until the next start line. The parser reports the header itself.
            return (end.bodyStart, nil)
        case .value(let n):
            guard n <= SignallingLimits.maxMessageSize - end.bodyStart else {
                let problem = Diagnostic(
                    .error, code: SignallingCode.streamOverflow, frame: frameOf(offset: 0), field: "SIP Content-Length",
                    "\(n) bytes exceed the limit of \(SignallingLimits.maxMessageSize); body not read")
                return (end.bodyStart, problem)
            }
            return (end.bodyStart + n, nil)
        }
    }

    private func flushSkipped() {
        guard let run = skipped else { return }
        skipped = nil
        pending.append(
            Diagnostic(
                .warning, code: SignallingCode.streamGarbage, frame: run.frame, field: "SIP stream",
                "\(run.bytes) bytes that do not start a SIP message skipped, from frame \(run.frame): \(quoted(run.sample))"
            ))
    }

    private func overflow(_ what: String) {
        flushSkipped()
        pending.append(
            Diagnostic(
                .error, code: SignallingCode.streamOverflow, frame: frameOf(offset: 0), field: "SIP stream",
                "\(what) longer than \(SignallingLimits.maxHeaderSectionSize) bytes; \(buffer.count) bytes discarded"))
        consume(buffer.count)
    }

    /// A request line ends in SIP/x.y, a status line begins with it (RFC 3261 §7.1, §7.2).
    private func looksLikeStartLine(_ line: Substring) -> Bool {
        var sink = DiagnosticSink()
        return SIPMessageParser.parseStartLine(line, sink: &sink) != nil
    }

    private func skipLineEnds() {
        var n = 0
        while n < buffer.count, buffer[n] == 0x0D || buffer[n] == 0x0A { n += 1 }
        if n > 0 { consume(n) }
    }

    /// The frame that carried the byte at `offset` of the buffer.
    private func frameOf(offset: Int) -> Int {
        for run in runs where offset < run.end { return run.frame }
        return runs.last?.frame ?? 0
    }

    private func consume(_ count: Int) {
        startLineChecked = false
        searchedTo = 0
        framing = nil
        let n = min(count, buffer.count)
        buffer.removeFirst(n)
        runs = runs.compactMap { run in run.end - n > 0 ? (run.end - n, run.frame) : nil }
    }
}
