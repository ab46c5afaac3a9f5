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
    /// The bytes fed and not yet framed are `storage[head...]`. Consuming a message or a skipped line
    /// moves `head` on instead of shifting what follows down, so a chunk holding thousands of small
    /// messages or garbage lines costs time linear in its size (shifting per message made a 64 KB
    /// chunk of 2-byte lines move ~1 GB); the consumed prefix is dropped once it is at least half of
    /// `storage`, so the bytes moved never exceed the bytes consumed.
    private var storage: [UInt8] = []
    private var head = 0
    /// For each chunk fed: the index in `storage` where its bytes end and the frame it came from.
    /// Those before `runsHead` end at or before `head` and are spent.
    private var runs: [(end: Int, frame: Int)] = []
    private var runsHead = 0
    /// Bytes moved down by dropping a consumed prefix, over the framer's life (tests check it stays
    /// within the bytes fed).
    private(set) var bytesShifted = 0
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
    public var bufferedByteCount: Int { heldCount }

    /// Number of bytes fed and not yet framed; offsets below are relative to the first of them.
    private var heldCount: Int { storage.count - head }

    /// Held bytes `range` (offsets relative to the first held byte), indexed as in `storage`.
    private func held(_ range: Range<Int>) -> ArraySlice<UInt8> {
        storage[(head + range.lowerBound)..<(head + range.upperBound)]
    }

    /// The end of the header section among the held bytes, searching from `offset`, in held offsets.
    private func locateEnd(from offset: Int = 0) -> SIPHeaderSection.End? {
        SIPHeaderSection.locateEnd(in: storage[head...], from: head + offset).map {
            SIPHeaderSection.End(headersEnd: $0.headersEnd - head, bodyStart: $0.bodyStart - head)
        }
    }

    /// Appends a chunk and returns the messages it completed, in order.
    public func feed<C: Collection>(_ chunk: C, frame: Int) -> [FramedSIPMessage] where C.Element == UInt8 {
        if !chunk.isEmpty {
            storage.append(contentsOf: chunk)
            runs.append((storage.count, frame))
        }
        return drain()
    }

    /// Call at the end of the stream: reports a message that can never complete, and any pending diagnostics.
    public func finish() -> [Diagnostic] {
        flushSkipped()
        var out = pending
        pending = []
        skipLineEnds()
        if heldCount > 0 {
            let frame = frameOf(offset: 0)
            var detail = "\(heldCount) bytes"
            if let end = locateEnd() {
                let lines = SIPHeaderSection.lines(held(0..<end.headersEnd))
                var sink = DiagnosticSink()
                let headers = SIPMessageParser.parseHeaders(lines.dropFirst(), sink: &sink)
                let message = SIPMessage(
                    startLine: .request(method: "", uri: "", version: ""), headers: headers, body: [])
                if case .value(let n) = SIPMessageParser.contentLength(of: message, sink: &sink) {
                    detail = "has \(heldCount - end.bodyStart) of \(n) body bytes"
                }
            } else {
                detail = "header section of \(heldCount) bytes never ends"
            }
            out.append(
                Diagnostic(
                    .warning, code: SignallingCode.streamIncomplete, frame: frame, field: "SIP stream",
                    "message starting in frame \(frame) never completes: \(detail)"))
            consume(heldCount)
        }
        return out
    }

    // MARK: - Framing

    private func drain() -> [FramedSIPMessage] {
        var out: [FramedSIPMessage] = []
        while true {
            skipLineEnds()
            if heldCount == 0 { break }
            if !startLineChecked {
                // Resynchronise on a start line: bytes that do not begin one are skipped up to the next line.
                guard
                    let firstLF = storage.withUnsafeBufferPointer({
                        firstOffset(of: 0x0A, in: UnsafeBufferPointer(rebasing: $0[head...]), from: searchedTo)
                    })
                else {
                    searchedTo = heldCount
                    if heldCount > SignallingLimits.maxHeaderSectionSize { overflow("start line") }
                    break
                }
                // A start line has at least two space-separated fields and a SIP version, "SIP/x.y"
                // (RFC 3261 §7.1, §7.2): a line without a space or a slash is skipped without being
                // decoded and parsed (junk lines or the body of a message begun before the capture).
                let line = held(0..<firstLF)
                let mayStart = line.contains(0x20) && line.contains(0x2F)
                if !mayStart || !looksLikeStartLine(firstLine(endingAt: firstLF)) {
                    if let run = skipped {
                        skipped = (run.bytes + firstLF + 1, run.frame, run.sample)
                    } else {
                        skipped = (firstLF + 1, frameOf(offset: 0), String(firstLine(endingAt: firstLF)))
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
                guard let end = locateEnd(from: max(0, searchedTo - 3)) else {
                    searchedTo = heldCount
                    if heldCount > SignallingLimits.maxHeaderSectionSize { overflow("header section") }
                    break
                }
                framing = frame(headersEndingAt: end)
            }
            guard let (total, lengthProblem) = framing else { break }
            guard heldCount >= total else { break }
            let bytes = Array(held(0..<total))
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
        let lines = SIPHeaderSection.lines(held(0..<end.headersEnd))
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
                "\(what) longer than \(SignallingLimits.maxHeaderSectionSize) bytes; \(heldCount) bytes discarded"))
        consume(heldCount)
    }

    /// The first held line, whose line feed is at `lf`, without its line end.
    private func firstLine(endingAt lf: Int) -> Substring {
        SIPHeaderSection.lines(held(0..<lf)).first ?? ""
    }

    /// A request line ends in SIP/x.y, a status line begins with it (RFC 3261 §7.1, §7.2).
    private func looksLikeStartLine(_ line: Substring) -> Bool {
        var sink = DiagnosticSink()
        return SIPMessageParser.parseStartLine(line, sink: &sink) != nil
    }

    private func skipLineEnds() {
        var n = 0
        while head + n < storage.count, storage[head + n] == 0x0D || storage[head + n] == 0x0A { n += 1 }
        if n > 0 { consume(n) }
    }

    /// The frame that carried the held byte at `offset`.
    private func frameOf(offset: Int) -> Int {
        let index = head + offset
        for run in runs[runsHead...] where index < run.end { return run.frame }
        return runsHead < runs.count ? runs[runs.count - 1].frame : 0
    }

    private func consume(_ count: Int) {
        startLineChecked = false
        searchedTo = 0
        framing = nil
        head += min(count, heldCount)
        while runsHead < runs.count, runs[runsHead].end <= head { runsHead += 1 }
        if head == storage.count {
            // Keep a segment's worth of room for the next chunk, but not what a peak needed (a large
            // body sent a byte per segment leaves a run per byte): there may be thousands of framers.
            storage.removeAll(keepingCapacity: storage.capacity <= 1 << 16)
            runs.removeAll(keepingCapacity: runs.capacity <= 64)
            head = 0
            runsHead = 0
        } else if head >= 4096, head * 2 >= storage.count {
            // Drop the consumed prefix: moves fewer bytes than were consumed since the last drop.
            storage.removeFirst(head)
            bytesShifted += storage.count
            runs.removeFirst(runsHead)
            for i in runs.indices { runs[i].end -= head }
            head = 0
            runsHead = 0
        }
    }
}
