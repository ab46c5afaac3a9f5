import Capture

/// One body part that carries a session description, with where it was found.
public struct SIPBodyPart: Hashable, Sendable {
    /// The part's media type (`application/sdp`), or nil when it was guessed from content.
    public var contentType: SIPContentType?
    /// The part's own headers (empty for a non-multipart body).
    public var headers: [SIPHeader]
    public var content: [UInt8]
    /// Path of part indices through nested multiparts (empty for the whole body).
    public var path: [Int]
}

/// Body handling: the SDP of a message is the whole body (`application/sdp`) or the SDP parts of a
/// `multipart/mixed` or `multipart/alternative` body (RFC 5621; RFC 2046 §5.1 for the syntax).
public enum SIPBody {
    /// The SDP parts of a message's body, with diagnostics for what could not be read.
    public static func sdpParts(of message: SIPMessage) -> (parts: [SIPBodyPart], diagnostics: [Diagnostic]) {
        var sink = DiagnosticSink()
        guard !message.body.isEmpty else { return ([], []) }
        var parts: [SIPBodyPart] = []
        let type = message.contentType
        collect(
            content: message.body[...], type: type, headers: [], path: [], depth: 0, into: &parts, sink: &sink)
        return (parts, sink.all)
    }

    private static func looksLikeSDP(_ content: ArraySlice<UInt8>) -> Bool {
        var c = content
        while let b = c.first, b == 0x0D || b == 0x0A || b == 0x20 { c = c.dropFirst() }
        return c.starts(with: Array("v=0".utf8))
    }

    private static func collect(
        content: ArraySlice<UInt8>, type: SIPContentType?, headers: [SIPHeader], path: [Int], depth: Int,
        into parts: inout [SIPBodyPart], sink: inout DiagnosticSink
    ) {
        let field = path.isEmpty ? "SIP body" : "SIP body part " + path.map { String($0 + 1) }.joined(separator: ".")
        guard let type else {
            // Forgiving: some stacks omit Content-Type on an SDP body.
            if looksLikeSDP(content) {
                sink.add(.note, SignallingCode.sipContentType, field: field, "no Content-Type; content taken as SDP")
                parts.append(SIPBodyPart(contentType: nil, headers: headers, content: Array(content), path: path))
            }
            return
        }
        if type.isSDP {
            parts.append(SIPBodyPart(contentType: type, headers: headers, content: Array(content), path: path))
            return
        }
        guard type.isMultipart else { return }
        guard depth < SignallingLimits.maxMultipartDepth else {
            sink.add(
                .warning, SignallingCode.limit, field: field,
                "multipart nested deeper than \(SignallingLimits.maxMultipartDepth); not followed")
            return
        }
        guard let boundary = type.boundary, !boundary.isEmpty, boundary.utf8.count <= 70 else {
            sink.add(
                .warning, SignallingCode.sipMultipart, field: field,
                "\(type.mediaType) without a usable boundary parameter (RFC 2046 §5.1.1: 1 to 70 characters)")
            return
        }
        let found = splitMultipart(content, boundary: boundary, field: field, sink: &sink)
        for (index, rawPart) in found.enumerated() {
            let partPath = path + [index]
            let partField = "SIP body part " + partPath.map { String($0 + 1) }.joined(separator: ".")
            // Part headers end at the first empty line; a part may have none (RFC 2046 §5.1.1, then text/plain).
            var partHeaders: [SIPHeader] = []
            var partContent = rawPart
            if rawPart.first == 0x0D || rawPart.first == 0x0A {
                var c = rawPart
                if c.first == 0x0D { c = c.dropFirst() }
                partContent = c.dropFirst()
            } else if let end = SIPHeaderSection.locateEnd(in: rawPart) {
                var headerSink = DiagnosticSink()
                partHeaders = SIPMessageParser.parseHeaders(
                    SIPHeaderSection.lines(rawPart[rawPart.startIndex..<end.headersEnd])[...], sink: &headerSink)
                sink.append(contentsOf: headerSink.all)
                partContent = rawPart[end.bodyStart...]
            } else {
                sink.add(
                    .warning, SignallingCode.sipMultipart, field: partField, "part headers never end; part skipped")
                continue
            }
            let partTypeText = partHeaders.first(where: { equalsIgnoringCase($0.name, "content-type") })?.value
            let partType = partTypeText.flatMap(SIPContentType.parse)
            if let text = partTypeText, partType == nil {
                sink.add(
                    .warning, SignallingCode.sipContentType, field: partField,
                    "cannot read Content-Type \(quoted(text))")
            }
            collect(
                content: partContent, type: partType, headers: partHeaders, path: partPath, depth: depth + 1,
                into: &parts, sink: &sink)
        }
    }

    /// Splits a multipart body at its delimiter lines (`--boundary`, closed by `--boundary--`).
    /// The CRLF before a delimiter belongs to the delimiter (RFC 2046 §5.1.1), so it is not part content.
    static func splitMultipart(
        _ body: ArraySlice<UInt8>, boundary: String, field: String, sink: inout DiagnosticSink
    ) -> [ArraySlice<UInt8>] {
        let delimiter = Array(("--" + boundary).utf8)
        var parts: [ArraySlice<UInt8>] = []
        var partStart: Int?
        var closed = false
        var lineStart = body.startIndex
        while lineStart < body.endIndex, !closed {
            var lineEnd = lineStart
            while lineEnd < body.endIndex, body[lineEnd] != 0x0A { lineEnd += 1 }
            let line = body[lineStart..<lineEnd]
            if line.starts(with: delimiter) {
                var rest = line.dropFirst(delimiter.count)
                let isClose = rest.starts(with: [0x2D, 0x2D])
                if isClose { rest = rest.dropFirst(2) }
                // Only transport padding (spaces, tabs, CR) may follow a delimiter.
                if rest.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) {
                    if let start = partStart {
                        var end = lineStart
                        if end > start, body[end - 1] == 0x0A { end -= 1 }
                        if end > start, body[end - 1] == 0x0D { end -= 1 }
                        if parts.count < SignallingLimits.maxMultipartParts {
                            parts.append(body[start..<max(start, end)])
                        } else {
                            sink.add(
                                .warning, SignallingCode.limit, field: field,
                                "more than \(SignallingLimits.maxMultipartParts) parts; the rest are ignored")
                            return parts
                        }
                    }
                    if isClose {
                        closed = true
                    } else {
                        partStart = min(lineEnd + 1, body.endIndex)
                    }
                }
            }
            lineStart = lineEnd + 1
        }
        if parts.isEmpty, partStart == nil {
            sink.add(.warning, SignallingCode.sipMultipart, field: field, "boundary \(quoted(boundary)) never appears")
        } else if !closed {
            sink.add(
                .warning, SignallingCode.sipMultipart, field: field, "no closing delimiter; last part taken to the end")
            if let start = partStart, start < body.endIndex, parts.count < SignallingLimits.maxMultipartParts {
                parts.append(body[start...])
            }
        }
        return parts
    }
}

extension SIPBody {
    /// The session descriptions a message carries, parsed, each with its body part; diagnostics of
    /// the body structure and of every SDP come back together.
    public static func sessionDescriptions(
        of message: SIPMessage
    ) -> (descriptions: [(part: SIPBodyPart, sdp: SessionDescription)], diagnostics: [Diagnostic]) {
        let (parts, structural) = sdpParts(of: message)
        var diagnostics = structural
        var out: [(part: SIPBodyPart, sdp: SessionDescription)] = []
        for part in parts {
            let r = SDPParser.parse(part.content)
            diagnostics += r.diagnostics
            out.append((part, r.description))
        }
        return (out, diagnostics)
    }
}
