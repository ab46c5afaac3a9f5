// Structured readings of the SIP header values the rest of the pipeline needs: parameters,
// name-addr (From/To/Contact), Via, CSeq and Content-Type. Each reader returns nil for a value it
// cannot read; the message accessors turn that into a diagnostic naming the header.

/// A `;name=value` parameter (RFC 3261 §25.1 generic-param). Names compare case-insensitively.
public struct SIPParameter: Hashable, Sendable {
    public var name: String
    /// nil for a flag parameter such as `;lr` or `;mediasec`.
    public var value: String?

    public init(name: String, value: String?) {
        self.name = name
        self.value = value
    }

    /// Reads `;a=1;b;c="x;y"`: the text after the main value, starting at the first `;` or not.
    static func parseList(_ text: Substring) -> [SIPParameter] {
        var result: [SIPParameter] = []
        for piece in splitOutsideQuotes(text, separator: ";") {
            let p = piece.trimmedSpaces
            if p.isEmpty { continue }
            if let eq = p.firstIndex(ofASCII: 0x3D) {
                let name = p[..<eq].trimmedSpaces
                var value = p[p.index(after: eq)...].trimmedSpaces
                if isQuotedString(value) {
                    value = value.dropFirst().dropLast()
                }
                result.append(SIPParameter(name: String(name), value: String(value)))
            } else {
                result.append(SIPParameter(name: String(p), value: nil))
            }
        }
        return result
    }
}

/// `text.count >= 2 && text.first == "\"" && text.last == "\""`, on bytes when the text is ASCII (where
/// a `"` is always a `Character` of its own).
func isQuotedString(_ text: Substring) -> Bool {
    guard text.isASCII else { return text.count >= 2 && text.first == "\"" && text.last == "\"" }
    return text.utf8.count >= 2 && text.utf8.first == 0x22 && text.utf8.last == 0x22
}

extension Array where Element == SIPParameter {
    /// The value of the first parameter with this name (case-insensitive); `""` for a flag.
    public func value(named name: String) -> String? {
        guard let p = first(where: { equalsIgnoringCase($0.name, name) }) else { return nil }
        return p.value ?? ""
    }

    /// Whether a parameter with this name is present (case-insensitive).
    public func contains(named name: String) -> Bool {
        contains(where: { equalsIgnoringCase($0.name, name) })
    }
}

/// A From, To, Contact or similar value: `"Display" <uri>;params` or `uri;params` (RFC 3261 §20.10:
/// without angle brackets, everything after the first `;` is a header parameter, not a URI parameter).
public struct SIPNameAddress: Hashable, Sendable {
    public var displayName: String?
    public var uri: String
    public var parameters: [SIPParameter]

    public init(displayName: String?, uri: String, parameters: [SIPParameter]) {
        self.displayName = displayName
        self.uri = uri
        self.parameters = parameters
    }

    /// The dialog tag (RFC 3261 §19.3).
    public var tag: String? { parameters.value(named: "tag") }

    public static func parse<S: StringProtocol>(_ text: S) -> SIPNameAddress? {
        let t = text.trimmedSpaces
        if t.isEmpty { return nil }
        if let lt = firstUnquoted("<", in: t) {
            guard let gt = t[lt...].firstIndex(ofASCII: 0x3E) else { return nil }
            var display = t[..<lt].trimmedSpaces
            if isQuotedString(display) {
                display = display.dropFirst().dropLast()
            }
            let uri = t[t.index(after: lt)..<gt].trimmedSpaces
            if uri.isEmpty { return nil }
            let rest = t[t.index(after: gt)...]
            return SIPNameAddress(
                displayName: display.isEmpty ? nil : String(display), uri: String(uri),
                parameters: SIPParameter.parseList(rest))
        }
        // addr-spec without brackets: no display name is allowed, a space means garbage.
        let parts = splitOutsideQuotes(t, separator: ";")
        guard let first = parts.first else { return nil }
        let uri = first.trimmedSpaces
        if uri.isEmpty || uri.containsASCII(0x20) { return nil }
        let rest = t[first.endIndex...]
        return SIPNameAddress(displayName: nil, uri: String(uri), parameters: SIPParameter.parseList(rest))
    }

    private static func firstUnquoted(_ target: Character, in text: Substring) -> Substring.Index? {
        var found: Substring.Index?
        if text.isASCII, let byte = target.asciiValue {
            forEachUnquotedASCII(text) { i, c in
                if c == byte { found = i }
                return found == nil
            }
            return found
        }
        forEachUnquoted(text) { i, c in
            if c == target { found = i }
            return found == nil
        }
        return found
    }
}

/// One Via value (RFC 3261 §20.42): `SIP/2.0/UDP host:port;branch=z9hG4bK…`.
public struct SIPVia: Hashable, Sendable {
    public var protocolName: String
    public var protocolVersion: String
    public var transport: String
    /// The sent-by host (IPv6 references keep their brackets) and port as text.
    public var host: String
    public var port: String?
    public var parameters: [SIPParameter]

    public var branch: String? { parameters.value(named: "branch") }

    public static func parse<S: StringProtocol>(_ text: S) -> SIPVia? {
        let t = text.trimmedSpaces
        let parts = splitOutsideQuotes(t, separator: ";")
        guard let head = parts.first else { return nil }
        let fields = head.spaceSeparatedFields
        // sent-protocol may itself be written with spaces around '/' (LWS is allowed by the grammar).
        guard fields.count >= 2, let sentBy = fields.last else { return nil }
        let proto = fields.dropLast().joined()[...].splitASCII(0x2F)
        guard proto.count == 3, proto.allSatisfy({ !$0.isEmpty }) else { return nil }
        let hostPort = sentBy.trimmedSpaces
        var host = Substring(hostPort)
        var port: Substring?
        if hostPort.first == "[" {
            guard let close = hostPort.firstIndex(ofASCII: 0x5D) else { return nil }
            host = hostPort[...close]
            let after = hostPort[hostPort.index(after: close)...]
            if after.first == ":" { port = after.dropFirst() } else if !after.isEmpty { return nil }
        } else if let colon = hostPort.firstIndex(ofASCII: 0x3A) {
            host = hostPort[..<colon]
            port = hostPort[hostPort.index(after: colon)...]
        }
        if host.isEmpty { return nil }
        if let p = port, parseInt(p, in: 0...65535) == nil { return nil }
        return SIPVia(
            protocolName: String(proto[0]), protocolVersion: String(proto[1]), transport: proto[2].asciiUppercased,
            host: String(host), port: port.map(String.init),
            parameters: SIPParameter.parseList(t[head.endIndex...]))
    }
}

/// The CSeq header (RFC 3261 §20.16): a sequence number below 2^31 and a method.
public struct SIPCSeq: Hashable, Sendable {
    public var number: UInt32
    public var method: String

    public static func parse<S: StringProtocol>(_ text: S) -> SIPCSeq? {
        let fields = text.spaceSeparatedFields
        guard fields.count == 2, let n = parseDecimal(fields[0], maxDigits: 10), n < (1 << 31) else { return nil }
        return SIPCSeq(number: UInt32(n), method: fields[1].asciiUppercased)
    }
}

/// A media type with parameters (RFC 3261 §20.15, RFC 2045 §5.1); type and subtype lower-cased.
public struct SIPContentType: Hashable, Sendable {
    public var type: String
    public var subtype: String
    public var parameters: [SIPParameter]

    public var mediaType: String { type + "/" + subtype }
    public var isSDP: Bool { mediaType == "application/sdp" }
    public var isMultipart: Bool { type == "multipart" }
    public var boundary: String? { parameters.value(named: "boundary") }

    public static func parse<S: StringProtocol>(_ text: S) -> SIPContentType? {
        let t = text.trimmedSpaces
        let parts = splitOutsideQuotes(t, separator: ";")
        guard let head = parts.first else { return nil }
        let mt = head.trimmedSpaces.splitASCII(0x2F)
        guard mt.count == 2 else { return nil }
        let type = mt[0].trimmedSpaces.asciiLowercased
        let subtype = mt[1].trimmedSpaces.asciiLowercased
        if type.isEmpty || subtype.isEmpty || type.containsASCII(0x20) || subtype.containsASCII(0x20) { return nil }
        return SIPContentType(type: type, subtype: subtype, parameters: SIPParameter.parseList(t[head.endIndex...]))
    }
}

/// A Security-Client/Server/Verify value (RFC 3329 §2.2): a mechanism name and parameters, with the
/// `mediasec` flag of draft-dawes-dispatch-mediasec-parameter §2.4.1 marking a media-plane mechanism.
public struct SIPSecurityMechanism: Hashable, Sendable {
    public enum Header: String, Sendable {
        case client = "Security-Client"
        case server = "Security-Server"
        case verify = "Security-Verify"
    }
    public var header: Header
    public var mechanism: String
    public var parameters: [SIPParameter]

    /// True when the value applies to the media plane (`;mediasec`).
    public var isMediaPlane: Bool { parameters.contains(named: "mediasec") }
    /// The preference `q` parameter, if any.
    public var preference: String? { parameters.value(named: "q") }

    static func parse<S: StringProtocol>(_ text: S, header: Header) -> SIPSecurityMechanism? {
        let t = text.trimmedSpaces
        let parts = splitOutsideQuotes(t, separator: ";")
        guard let head = parts.first else { return nil }
        let name = head.trimmedSpaces
        if name.isEmpty || name.containsASCII(0x20) { return nil }
        return SIPSecurityMechanism(
            header: header, mechanism: name.asciiLowercased,
            parameters: SIPParameter.parseList(t[head.endIndex...]))
    }
}
