import Capture

/// A parsed SIP message (RFC 3261 §7): start line, header fields in order, and body bytes.
///
/// Header lookups are case-insensitive and understand compact forms; list-valued headers are split
/// at commas outside quotes and angle brackets (RFC 3261 §7.3.1).
public struct SIPMessage: Hashable, Sendable {
    public enum StartLine: Hashable, Sendable {
        case request(method: String, uri: String, version: String)
        case response(version: String, statusCode: Int, reason: String)
    }

    public var startLine: StartLine
    public var headers: [SIPHeader]
    public var body: [UInt8]

    public init(startLine: StartLine, headers: [SIPHeader], body: [UInt8]) {
        self.startLine = startLine
        self.headers = headers
        self.body = body
    }

    public var isRequest: Bool {
        if case .request = startLine { return true }
        return false
    }

    /// The request method, or for a response the method of its CSeq.
    public var method: String? {
        switch startLine {
        case .request(let method, _, _): method
        case .response: cseq?.method
        }
    }

    public var statusCode: Int? {
        if case .response(_, let code, _) = startLine { return code }
        return nil
    }

    public var reasonPhrase: String? {
        if case .response(_, _, let reason) = startLine { return reason }
        return nil
    }

    /// All header fields with this name (any case, full or compact form).
    public func headers(named name: String) -> [SIPHeader] {
        let canonical = SIPHeaderNames.canonicalName(name)
        return headers.filter { equalsIgnoringCase($0.name, canonical) }
    }

    /// The first header field with this name.
    func firstHeader(named name: String) -> SIPHeader? {
        let canonical = SIPHeaderNames.canonicalName(name)
        return headers.first { equalsIgnoringCase($0.name, canonical) }
    }

    /// The value of the first header with this name.
    public func firstValue(_ name: String) -> String? { firstHeader(named: name)?.value }

    /// Every value of a header, lists split at top-level commas, across all its occurrences.
    public func values(_ name: String) -> [String] {
        let found = headers(named: name)
        guard let first = found.first else { return [] }
        if SIPHeaderNames.notLists.contains(first.name.asciiLowercased) { return found.map(\.value) }
        return found.flatMap { h in
            splitOutsideQuotes(h.value[...], separator: ",").map { String($0.trimmedSpaces) }.filter { !$0.isEmpty }
        }
    }

    public var callID: String? { firstValue("Call-ID").map { String($0.trimmedSpaces) } }
    public var cseq: SIPCSeq? { firstValue("CSeq").flatMap(SIPCSeq.parse) }
    public var from: SIPNameAddress? { firstValue("From").flatMap(SIPNameAddress.parse) }
    public var to: SIPNameAddress? { firstValue("To").flatMap(SIPNameAddress.parse) }
    public var vias: [SIPVia] { values("Via").compactMap(SIPVia.parse) }
    public var contentType: SIPContentType? { firstValue("Content-Type").flatMap(SIPContentType.parse) }

    /// Option tags of Require, Proxy-Require or Supported, lower-cased.
    public func optionTags(_ header: String) -> [String] { values(header).map { $0.asciiLowercased } }

    /// Security-Client/Server/Verify values (RFC 3329), media-plane ones flagged by `mediasec`.
    public var securityMechanisms: [SIPSecurityMechanism] {
        var result: [SIPSecurityMechanism] = []
        for h in [SIPSecurityMechanism.Header.client, .server, .verify] {
            result += values(h.rawValue).compactMap { SIPSecurityMechanism.parse($0, header: h) }
        }
        return result
    }

    /// Whether Require or Proxy-Require carries the `mediasec` option tag
    /// (draft-dawes-dispatch-mediasec-parameter §2.5).
    public var requiresMediasec: Bool {
        optionTags("Require").contains("mediasec") || optionTags("Proxy-Require").contains("mediasec")
    }

    /// Checks the headers every dialog-forming message needs and that later stages read
    /// (RFC 3261 §8.1.1: To, From, CSeq, Call-ID, Max-Forwards, Via). Each problem is one diagnostic.
    func validateHeaders() -> [Diagnostic] {
        var out: [Diagnostic] = []
        func problem(_ code: String, _ field: String, _ message: String) {
            out.append(Diagnostic(.warning, code: code, field: "SIP \(field)", message))
        }
        for name in ["Call-ID", "CSeq", "From", "To", "Via"] where firstHeader(named: name) == nil {
            problem(SignallingCode.sipMissingHeader, name, "header missing")
        }
        let rawCSeq = firstValue("CSeq")
        let parsedCSeq = rawCSeq.flatMap(SIPCSeq.parse)
        if let raw = rawCSeq, parsedCSeq == nil {
            problem(SignallingCode.sipCSeq, "CSeq", "cannot read \(quoted(raw)) as a number below 2^31 and a method")
        }
        if let c = parsedCSeq, case .request(let method, _, _) = startLine, c.method != method.asciiUppercased,
            !(method.asciiUppercased == "ACK" || method.asciiUppercased == "CANCEL")
        {
            problem(SignallingCode.sipCSeq, "CSeq", "method \(c.method) differs from the request method \(method)")
        }
        for name in ["From", "To"] {
            if let raw = firstValue(name), SIPNameAddress.parse(raw) == nil {
                problem(SignallingCode.sipNameAddress, name, "cannot read \(quoted(raw)) as a name-addr or addr-spec")
            }
        }
        for raw in values("Via") where SIPVia.parse(raw) == nil {
            problem(SignallingCode.sipVia, "Via", "cannot read \(quoted(raw)) as SIP/2.0/TRANSPORT host[:port]")
        }
        if let raw = firstValue("Content-Type"), SIPContentType.parse(raw) == nil {
            problem(SignallingCode.sipContentType, "Content-Type", "cannot read \(quoted(raw)) as type/subtype")
        }
        return out
    }
}
