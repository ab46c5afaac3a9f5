import Capture

/// How the bytes handed to the parser were delimited.
public enum SIPFraming: Sendable {
    /// One UDP datagram: the body runs to the datagram's end when Content-Length is absent (RFC 3261 §18.3).
    case datagram
    /// One message cut out of a TCP stream by `SIPStreamFramer`: Content-Length is mandatory (RFC 3261 §18.3).
    case stream
}

/// The result of parsing one message: the message if the start line could be read, and every
/// problem found on the way (without frame numbers; see `Diagnostic.inFrame(_:)`).
public struct SIPParseResult: Sendable {
    public var message: SIPMessage?
    public var diagnostics: [Diagnostic]
}

/// Reads a SIP message from bytes (RFC 3261 §7). Strict where framing depends on it
/// (Content-Length), forgiving where equipment is sloppy (bare LF line ends, leading CRLFs,
/// spaces before the header colon, missing headers): those produce diagnostics, not failures.
public enum SIPMessageParser {
    public static func parse(_ input: [UInt8], framing: SIPFraming = .datagram) -> SIPParseResult {
        var sink = DiagnosticSink()
        var bytes = input[...]
        if bytes.count > SignallingLimits.maxMessageSize {
            sink.add(
                .error, SignallingCode.sipTooLarge, field: "SIP message",
                "\(bytes.count) bytes exceed the limit of \(SignallingLimits.maxMessageSize); the rest is ignored")
            bytes = bytes.prefix(SignallingLimits.maxMessageSize)
        }
        // RFC 3261 §7.5: CRLFs before the start line are ignored (they are also keep-alives, RFC 5626 §3.5.1).
        while let b = bytes.first, b == 0x0D || b == 0x0A { bytes = bytes.dropFirst() }
        guard !bytes.isEmpty else {
            // Also what a CRLF keep-alive looks like (RFC 5626 §3.5.1): worth a note, not a warning.
            sink.add(.note, SignallingCode.sipEmpty, field: "SIP message", "no bytes besides line ends (keep-alive)")
            return SIPParseResult(message: nil, diagnostics: sink.all)
        }

        let headerEnd = SIPHeaderSection.locateEnd(in: bytes)
        let headerBytes: ArraySlice<UInt8>
        var bodyStart: Int
        if let end = headerEnd {
            headerBytes = bytes[bytes.startIndex..<end.headersEnd]
            bodyStart = end.bodyStart
        } else {
            sink.add(
                .warning, SignallingCode.sipHeadersUnterminated, field: "SIP headers",
                "no empty line ends the header section; the message has no body")
            headerBytes = bytes
            bodyStart = bytes.endIndex
        }

        let lines = SIPHeaderSection.lines(headerBytes)
        guard let first = lines.first, let startLine = parseStartLine(first, sink: &sink) else {
            return SIPParseResult(message: nil, diagnostics: sink.all)
        }
        let headers = parseHeaders(lines.dropFirst(), sink: &sink)
        var message = SIPMessage(startLine: startLine, headers: headers, body: [])

        // Body framing by Content-Length (RFC 3261 §20.14). `available` is never negative.
        if bodyStart > bytes.endIndex { bodyStart = bytes.endIndex }
        let available = bytes.endIndex - bodyStart
        var bodyLength = available
        switch contentLength(of: message, sink: &sink) {
        case .absent:
            if framing == .stream {
                sink.add(
                    .warning, SignallingCode.sipContentLength, field: "SIP Content-Length",
                    "missing on a stream transport (RFC 3261 §18.3 requires it); "
                        + (available > 0 ? "\(available) bytes taken as the body" : "no body assumed"))
            }
        case .invalid:
            break  // reported; the rest of the bytes stand in for the body
        case .value(let n):
            if n > available {
                sink.add(
                    .warning, SignallingCode.sipBodyTruncated, field: "SIP Content-Length",
                    "declares \(n) bytes but only \(available) follow the headers; body truncated")
            } else if n < available {
                let extra = bytes[(bodyStart + n)...]
                if !extra.allSatisfy({ $0 == 0x0D || $0 == 0x0A || $0 == 0x20 || $0 == 0x09 || $0 == 0 }) {
                    sink.add(
                        .note, SignallingCode.sipTrailingBytes, field: "SIP Content-Length",
                        "\(available - n) bytes after the \(n)-byte body are ignored")
                }
                bodyLength = n
            }
        }
        message.body = Array(bytes[bodyStart..<(bodyStart + bodyLength)])
        sink.append(contentsOf: message.validateHeaders())
        return SIPParseResult(message: message, diagnostics: sink.all)
    }

    enum ContentLength: Equatable {
        case absent, invalid
        case value(Int)
    }

    /// Reads Content-Length: one or more copies that must agree, each 1*DIGIT.
    static func contentLength(of message: SIPMessage, sink: inout DiagnosticSink) -> ContentLength {
        let found = message.headers(named: "Content-Length")
        guard !found.isEmpty else { return .absent }
        var value: Int?
        for h in found {
            let text = h.value.trimmedSpaces
            guard let n = parseInt(text, in: 0...Int(Int32.max)) else {
                let why = text.hasPrefix("-") ? "is negative" : text.isEmpty ? "is empty" : "is not a decimal length"
                sink.add(.error, SignallingCode.sipContentLength, field: "SIP Content-Length", "\(quoted(text)) \(why)")
                return .invalid
            }
            if let v = value, v != n {
                sink.add(
                    .error, SignallingCode.sipContentLength, field: "SIP Content-Length",
                    "given twice with different values (\(v) and \(n))")
                return .invalid
            }
            value = n
        }
        return value.map { .value($0) } ?? .absent
    }

    static func parseStartLine(_ line: Substring, sink: inout DiagnosticSink) -> SIPMessage.StartLine? {
        let fields = startLineFields(line)
        func fail(_ why: String) -> SIPMessage.StartLine? {
            sink.add(.error, SignallingCode.sipStartLine, field: "SIP start line", "\(quoted(line)): \(why)")
            return nil
        }
        guard fields.count >= 2 else { return fail("not a request or status line") }
        let f0 = fields[0]
        if hasPrefixIgnoringCase(f0, "SIP/") {
            guard let code = parseInt(fields[1], in: 100...699), fields[1].count == 3 else {
                return fail("status code \(quoted(fields[1])) is not 100..699")
            }
            let reason = fields.count > 2 ? String(fields[2].trimmedSpaces) : ""
            return .response(version: String(f0), statusCode: code, reason: reason)
        }
        guard fields.count == 3 else { return fail("a request line needs method, URI and version") }
        let version = fields[2].trimmedSpaces
        guard hasPrefixIgnoringCase(version, "SIP/") else { return fail("version \(quoted(version)) is not SIP/x.y") }
        guard f0.utf8.allSatisfy(isTokenByte) else { return fail("method \(quoted(f0)) is not a token") }
        if version.containsASCII(0x20) { return fail("request URI contains a space") }
        return .request(method: String(f0), uri: String(fields[1]), version: String(version))
    }

    /// `line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)`, on bytes when the
    /// line is ASCII: empty pieces do not count as splits, and the third piece keeps what follows it.
    static func startLineFields(_ line: Substring) -> [Substring] {
        guard line.isASCII else { return line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true) }
        var fields: [Substring] = []
        let u = line.utf8
        var start = u.startIndex
        var i = u.startIndex
        while i < u.endIndex {
            if u[i] == 0x20 {
                if start != i {
                    fields.append(line[start..<i])
                    if fields.count == 2 {
                        start = u.index(after: i)
                        break
                    }
                }
                start = u.index(after: i)
            }
            i = u.index(after: i)
        }
        if start != u.endIndex { fields.append(line[start..<u.endIndex]) }
        return fields
    }

    /// RFC 3261 §25.1 token characters.
    static func isTokenByte(_ b: UInt8) -> Bool {
        switch b {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "!"), UInt8(ascii: "%"), UInt8(ascii: "*"),
            UInt8(ascii: "_"), UInt8(ascii: "+"), UInt8(ascii: "`"), UInt8(ascii: "'"), UInt8(ascii: "~"):
            true
        default: false
        }
    }

    /// Reads header lines, joining continuation lines (RFC 3261 §7.3.1: a line starting with space
    /// or tab continues the previous header).
    static func parseHeaders(_ lines: ArraySlice<Substring>, sink: inout DiagnosticSink) -> [SIPHeader] {
        var headers: [SIPHeader] = []
        var lineNumber = 1
        var limitReported = false
        for line in lines {
            lineNumber += 1
            if line.isEmpty { continue }
            if startsWithSpaceOrTab(line) {
                guard !headers.isEmpty else {
                    sink.add(
                        .warning, SignallingCode.sipHeaderFolding, field: "SIP line \(lineNumber)",
                        "continuation line with no header before it is ignored")
                    continue
                }
                let more = line.trimmedSpaces
                if !more.isEmpty {
                    let last = headers.count - 1
                    headers[last].value += (headers[last].value.isEmpty ? "" : " ") + more
                }
                continue
            }
            guard let colon = line.firstIndex(ofASCII: 0x3A) else {
                sink.add(
                    .warning, SignallingCode.sipHeaderSyntax, field: "SIP line \(lineNumber)",
                    "\(quoted(line)) has no ':' and is ignored")
                continue
            }
            let rawName = line[..<colon].trimmedSpaces
            guard !rawName.isEmpty, rawName.utf8.allSatisfy(isTokenByte) else {
                sink.add(
                    .warning, SignallingCode.sipHeaderSyntax, field: "SIP line \(lineNumber)",
                    "header name \(quoted(rawName)) is not a token; line ignored")
                continue
            }
            guard headers.count < SignallingLimits.maxHeaderCount else {
                if !limitReported {
                    sink.add(
                        .warning, SignallingCode.sipTooManyHeaders, field: "SIP headers",
                        "more than \(SignallingLimits.maxHeaderCount) headers; the rest are ignored")
                    limitReported = true
                }
                continue
            }
            let value = line[line.index(after: colon)...].trimmedSpaces
            let name = String(rawName)
            headers.append(
                SIPHeader(
                    rawName: name, name: SIPHeaderNames.knownName(rawName) ?? name, value: String(value),
                    line: lineNumber))
        }
        return headers
    }

    /// Whether the first `Character` of the line is a space or a tab (a continuation line).
    private static func startsWithSpaceOrTab(_ line: Substring) -> Bool {
        guard let b = line.utf8.first, b == 0x20 || b == 0x09 else { return false }
        // A following combining mark would join the space into another `Character`.
        let second = line.utf8.dropFirst().first ?? 0
        if second < 0x80 { return true }
        if let c = line.first { return c == " " || c == "\t" }
        return false
    }
}

/// Locating the header section and splitting it into lines; shared by the parser and the stream framer.
enum SIPHeaderSection {
    struct End {
        /// Index just past the last header line's text and line end.
        var headersEnd: Int
        /// Index of the first body byte.
        var bodyStart: Int
    }

    /// Finds the empty line after the headers: CRLF CRLF, or the bare-LF forms some stacks send.
    static func locateEnd(in bytes: ArraySlice<UInt8>, from start: Int? = nil) -> End? {
        let base = bytes.startIndex
        return bytes.withUnsafeBufferPointer { buffer -> End? in
            // Offsets into `buffer`; the answer is in the slice's indices.
            var i = max(0, (start ?? base) - base)
            while let lf = firstOffset(of: 0x0A, in: buffer, from: i) {
                let next = lf + 1
                if next < buffer.count, buffer[next] == 0x0A {
                    return End(headersEnd: base + next, bodyStart: base + next + 1)
                }
                if next + 1 < buffer.count, buffer[next] == 0x0D, buffer[next + 1] == 0x0A {
                    return End(headersEnd: base + next, bodyStart: base + next + 2)
                }
                i = next
            }
            return nil
        }
    }

    /// Splits header bytes into lines, accepting CRLF or bare LF, with the line ends removed.
    /// Splitting happens on bytes: in a Swift `String`, CR LF is a single `Character`.
    static func lines(_ bytes: ArraySlice<UInt8>) -> [Substring] {
        decodedLines(bytes)
    }
}
