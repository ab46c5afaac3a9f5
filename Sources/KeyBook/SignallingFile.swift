import Capture
import Datagrams
import Signalling

/// `--signalling FILE`: SIP messages, or bare SDP bodies, read from a text file as if they had come
/// before the first frame (frame 0), for captures whose signalling went over TLS or was logged elsewhere.
///
/// SIP messages are cut at their start lines (RFC 3261 §7.1/§7.2), so that a log whose line ends were
/// changed (CRLF to LF) still reads; each is parsed as a datagram. A file whose first line is `v=0`
/// holds bare SDP bodies, each starting at its `v=0` line: the first is an offer, the next its answer,
/// and so on. They are wrapped in a synthetic dialog (Call-ID `signalling-file:NAME`); each body's
/// sender is its own `c=`/`m=` address.
public enum SignallingFile {
    public struct Message: Sendable {
        public var message: SIPMessage
        /// 1-based line of the file where the message (or body) starts.
        public var line: Int
    }

    /// Reads and splits a file; errors name the option and the file.
    public static func read(path: String) throws(KeyInputError) -> (messages: [Message], diagnostics: [Diagnostic]) {
        switch FileBytes.read(path) {
        case .success(let bytes): return parse(bytes, name: path)
        case .failure(let p): throw KeyInputError(option: "--signalling", position: path, p.message)
        }
    }

    /// Splits the text of a file (see the type's comment).
    public static func parse(_ bytes: [UInt8], name: String) -> (messages: [Message], diagnostics: [Diagnostic]) {
        let lines = lineStarts(bytes)
        // The first non-blank line decides the kind of file.
        guard let first = lines.first(where: { !isBlank(bytes, $0) }) else {
            return (
                [],
                [
                    Diagnostic(
                        .warning, code: KeyBookCode.signallingFile, field: "--signalling \(name)",
                        "the file holds no text")
                ]
            )
        }
        if lineText(bytes, first.start) == "v=0" {
            return bareBodies(bytes, lines: lines, name: name)
        }
        var messages: [Message] = []
        var diagnostics: [Diagnostic] = []
        let starts = lines.filter { PayloadClassifier.isSIPStartLine(bytes[$0.start...]) }
        if starts.isEmpty {
            diagnostics.append(
                Diagnostic(
                    .error, code: KeyBookCode.signallingFile, field: "--signalling \(name)",
                    "no SIP start line (\"INVITE sip:… SIP/2.0\", \"SIP/2.0 200 OK\") and no SDP body starting with v=0"
                ))
        }
        for (k, s) in starts.enumerated() {
            let end = k + 1 < starts.count ? starts[k + 1].start : bytes.count
            var chunk = trimmedChunk(bytes, s.start, end)
            // A message without a body lost its empty line to the trimming: give it back.
            if !hasHeaderEnd(chunk) { chunk += chunk.contains(0x0D) ? [0x0D, 0x0A] : [0x0A] }
            let r = SIPMessageParser.parse(chunk, framing: .datagram)
            let field = "--signalling \(name) line \(s.number)"
            diagnostics += r.diagnostics.map { d in
                var d = d
                d.field = field + (d.field.map { ": " + $0 } ?? "")
                return d
            }
            if let m = r.message { messages.append(Message(message: m, line: s.number)) }
        }
        return (messages, diagnostics)
    }

    private static func bareBodies(_ bytes: [UInt8], lines: [(start: Int, number: Int)], name: String) -> (
        messages: [Message], diagnostics: [Diagnostic]
    ) {
        let starts = lines.filter { lineText(bytes, $0.start) == "v=0" }
        var messages: [Message] = []
        let callID = "signalling-file:" + (name.split(separator: "/").last.map(String.init) ?? name)
        for (k, s) in starts.enumerated() {
            let end = k + 1 < starts.count ? starts[k + 1].start : bytes.count
            let body = trimmedChunk(bytes, s.start, end)
            let exchange = UInt32(k / 2 + 1)
            let isOffer = k % 2 == 0
            // The offerer keeps tag "o"; the answerer's tag "a" appears once it has answered.
            let toTag = (isOffer && k == 0) ? "" : ";tag=a"
            func h(_ n: String, _ v: String) -> SIPHeader { SIPHeader(rawName: n, name: n, value: v, line: 0) }
            let headers = [
                h("Call-ID", callID), h("CSeq", "\(exchange) INVITE"),
                h("From", "<sip:offerer@signalling-file>;tag=o"), h("To", "<sip:answerer@signalling-file>\(toTag)"),
                h("Content-Type", "application/sdp"),
            ]
            let start: SIPMessage.StartLine =
                isOffer
                ? .request(method: "INVITE", uri: "sip:answerer@signalling-file", version: "SIP/2.0")
                : .response(version: "SIP/2.0", statusCode: 200, reason: "OK")
            messages.append(
                Message(message: SIPMessage(startLine: start, headers: headers, body: body), line: s.number))
        }
        return (messages, [])
    }

    private static func hasHeaderEnd(_ b: [UInt8]) -> Bool {
        var i = 0
        while i + 1 < b.count {
            if b[i] == 0x0A, b[i + 1] == 0x0A { return true }
            if b[i] == 0x0A, b[i + 1] == 0x0D, i + 2 < b.count, b[i + 2] == 0x0A { return true }
            i += 1
        }
        return false
    }

    /// Line starts with their 1-based numbers.
    private static func lineStarts(_ b: [UInt8]) -> [(start: Int, number: Int)] {
        var out: [(Int, Int)] = [(0, 1)]
        for i in b.indices where b[i] == 0x0A && i + 1 < b.count { out.append((i + 1, out.count + 1)) }
        return out
    }

    private static func lineText(_ b: [UInt8], _ start: Int) -> String {
        var end = start
        while end < b.count, b[end] != 0x0A { end += 1 }
        var e = end
        while e > start, b[e - 1] == 0x0D || b[e - 1] == 0x20 || b[e - 1] == 0x09 { e -= 1 }
        return String(decoding: b[start..<e], as: UTF8.self)
    }

    private static func isBlank(_ b: [UInt8], _ line: (start: Int, number: Int)) -> Bool {
        lineText(b, line.start).allSatisfy { $0 == " " || $0 == "\t" }
    }

    /// The bytes from `start` to `end` without trailing blank lines, ending in one line end.
    private static func trimmedChunk(_ b: [UInt8], _ start: Int, _ end: Int) -> [UInt8] {
        var e = end
        while e > start, b[e - 1] == 0x0A || b[e - 1] == 0x0D || b[e - 1] == 0x20 || b[e - 1] == 0x09 { e -= 1 }
        let crlf = b[start..<e].contains(0x0D)
        return Array(b[start..<e]) + (crlf ? [0x0D, 0x0A] : [0x0A])
    }
}
