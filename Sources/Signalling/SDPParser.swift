import Capture

/// The result of parsing one SDP body.
public struct SDPParseResult: Sendable {
    public var description: SessionDescription
    public var diagnostics: [Diagnostic]
}

/// Reads an SDP body (RFC 8866 §5 line grammar, `<type>=<value>` per line) in one pass, then fills
/// in the values media descriptions inherit from the session level.
///
/// Forgiving where real equipment is sloppy: LF or CRLF line ends, blank lines, trailing spaces,
/// several spaces between fields, lines out of order. Strict on key material: every problem in a
/// crypto, cryptoscale or k= line is a diagnostic naming the attribute, its tag and line.
public enum SDPParser {
    public static func parse(_ bytes: [UInt8]) -> SDPParseResult {
        var sink = DiagnosticSink()
        var sdp = SessionDescription()
        // One decoded string for the whole body; each line is a slice of it (see `decodedLines`).
        var lines = decodedLines(bytes[...])
        if lines.count > SignallingLimits.maxSDPLines {
            sink.add(
                .warning, SignallingCode.sdpTooManyLines, field: "SDP",
                "\(lines.count) lines exceed the limit of \(SignallingLimits.maxSDPLines); the rest are ignored")
            lines = Array(lines.prefix(SignallingLimits.maxSDPLines))
        }
        var sawVersion = false
        var sawOrigin = false
        var sawName = false
        var sawTime = false
        var mediaLimitReported = false
        var skippingMedia = false
        // Session-level attributes are read into a scratch media description, then moved to `sdp`.
        var sessionLevel = SDPMedia(type: "", port: 0, portCount: 1, proto: "", formats: [], line: 0)

        for (index, raw) in lines.enumerated() {
            let lineNumber = index + 1
            let line = raw.trimmedSpaces
            if line.isEmpty { continue }
            let u = line.utf8
            let b0 = u[u.startIndex]
            let second = u.index(after: u.startIndex)
            guard second < u.endIndex, u[second] == UInt8(ascii: "="),
                (b0 >= 0x61 && b0 <= 0x7A) || (b0 >= 0x41 && b0 <= 0x5A)
            else {
                sink.add(
                    .warning, SignallingCode.sdpLineSyntax, field: "SDP line \(lineNumber)",
                    "\(quoted(line)) is not <type>=<value>; ignored")
                continue
            }
            let type = Character(Unicode.Scalar(b0))
            // Two `Character`s: the letter and the '=', unless a combining mark after the '=' joins it
            // (then the `Character` walk decides, as it always did).
            let third = u.index(after: second)
            let value = third == u.endIndex || u[third] < 0x80 ? line[third...] : line.dropFirst(2)
            if type == "v" {
                if sawVersion {
                    sink.add(
                        .warning, SignallingCode.sdpMisplaced, field: "SDP line \(lineNumber) v=",
                        "second v= line ignored")
                    continue
                }
                sawVersion = true
                if sawOrigin || sawName || !sdp.media.isEmpty {
                    sink.add(
                        .note, SignallingCode.sdpMisplaced, field: "SDP line \(lineNumber) v=",
                        "v= is not the first line")
                }
                if value != "0" {
                    sink.add(
                        .warning, SignallingCode.sdpVersion, field: "SDP line \(lineNumber) v=",
                        "version \(quoted(value)) is not 0")
                }
                sdp.version = parseInt(value, in: 0...Int(Int32.max))
                continue
            }
            if type == "m" {
                guard sdp.media.count < SignallingLimits.maxMediaDescriptions else {
                    if !mediaLimitReported {
                        sink.add(
                            .warning, SignallingCode.sdpTooManyMedia, field: "SDP line \(lineNumber) m=",
                            "more than \(SignallingLimits.maxMediaDescriptions) media descriptions; the rest are ignored"
                        )
                        mediaLimitReported = true
                    }
                    skippingMedia = true
                    continue
                }
                if let m = parseMediaLine(value, line: lineNumber, sink: &sink) {
                    sdp.media.append(m)
                    skippingMedia = false
                } else {
                    // Keep a placeholder so that the lines after a bad m= do not attach to the previous media.
                    sdp.media.append(
                        SDPMedia(type: "", port: 0, portCount: 1, proto: "", formats: [], line: lineNumber))
                    skippingMedia = false
                }
                continue
            }
            if skippingMedia { continue }
            let atMedia = !sdp.media.isEmpty
            // Built only when a diagnostic is emitted.
            func field() -> String { "SDP line \(lineNumber) \(type)=" }
            switch type {
            case "o":
                if atMedia {
                    misplaced(&sink, field())
                    continue
                }
                sawOrigin = true
                let f = value.spaceSeparatedFields
                if f.count == 6 {
                    sdp.origin = SDPOrigin(
                        username: String(f[0]), sessionID: String(f[1]), sessionVersion: String(f[2]),
                        netType: String(f[3]), addrType: String(f[4]), address: String(f[5]))
                } else {
                    sink.add(
                        .warning, SignallingCode.sdpOrigin, field: field(), "\(quoted(value)) does not have six fields")
                }
            case "s":
                if atMedia {
                    misplaced(&sink, field())
                    continue
                }
                sawName = true
                sdp.sessionName = String(value)
            case "t":
                if atMedia {
                    misplaced(&sink, field())
                    continue
                }
                sawTime = true
                sdp.times.append(String(value))
            case "i", "u", "e", "p", "r", "z":
                continue  // descriptive lines: nothing in them matters for keys or flows
            case "b":
                if atMedia {
                    sdp.media[sdp.media.count - 1].bandwidths.append(String(value))
                } else {
                    sdp.bandwidths.append(String(value))
                }
            case "c":
                guard let c = parseConnection(value, line: lineNumber, field: field(), sink: &sink) else { continue }
                if atMedia {
                    sdp.media[sdp.media.count - 1].connections.append(c)
                } else if sdp.connection != nil {
                    sink.add(.warning, SignallingCode.sdpConnection, field: field(), "second session-level c= ignored")
                } else {
                    sdp.connection = c
                }
            case "k":
                let k = parseKeyField(value, line: lineNumber, field: field(), sink: &sink)
                if atMedia {
                    sdp.media[sdp.media.count - 1].key = k
                } else {
                    sdp.key = k
                }
            case "a":
                if atMedia {
                    parseAttribute(
                        value, line: lineNumber, level: .media, into: &sdp.media[sdp.media.count - 1], sink: &sink)
                } else {
                    parseAttribute(value, line: lineNumber, level: .session, into: &sessionLevel, sink: &sink)
                }
            default:
                sink.add(
                    .note, SignallingCode.sdpUnknownType, field: "SDP line \(lineNumber)",
                    "unknown line type \(quoted(String(type))) ignored")
            }
        }
        // RFC 8866 §5: v, o, s and t are mandatory. Their absence does not stop the reading.
        for (seen, name) in [(sawVersion, "v="), (sawOrigin, "o="), (sawName, "s="), (sawTime, "t=")] where !seen {
            sink.add(.warning, SignallingCode.sdpMissingLine, field: "SDP \(name)", "mandatory line missing")
        }
        sdp.attributes = sessionLevel.attributes
        sdp.security = sessionLevel.security
        sdp.direction = sessionLevel.direction
        // Drop placeholders of unreadable m= lines only after attributes were kept away from other media.
        sdp.media.removeAll { $0.type.isEmpty && $0.proto.isEmpty }
        inherit(&sdp, sink: &sink)
        return SDPParseResult(description: sdp, diagnostics: sink.all)
    }

    private static func misplaced(_ sink: inout DiagnosticSink, _ field: String) {
        sink.add(
            .warning, SignallingCode.sdpMisplaced, field: field,
            "session-level line inside a media description; ignored")
    }

    /// `m=<media> <port>[/<number of ports>] <proto> <fmt> ...` (RFC 8866 §5.14).
    static func parseMediaLine(_ value: Substring, line: Int, sink: inout DiagnosticSink) -> SDPMedia? {
        func field() -> String { "SDP line \(line) m=" }
        let f = value.spaceSeparatedFields
        guard f.count >= 3 else {
            sink.add(.warning, SignallingCode.sdpMedia, field: field(), "\(quoted(value)) needs media, port and protocol")
            return nil
        }
        let portParts = f[1].splitASCII(0x2F)
        guard let port = parseInt(portParts[0], in: 0...65535) else {
            sink.add(.warning, SignallingCode.sdpMedia, field: field(), "port \(quoted(f[1])) is not 0..65535")
            return nil
        }
        var count = 1
        if portParts.count > 1 {
            guard portParts.count == 2, let c = parseInt(portParts[1], in: 1...65535) else {
                sink.add(
                    .warning, SignallingCode.sdpMedia, field: field(),
                    "port count in \(quoted(f[1])) is not a positive number")
                return nil
            }
            count = c
        }
        if f.count == 3 {
            sink.add(.note, SignallingCode.sdpMedia, field: field(), "no formats listed")
        }
        let proto = String(f[2])
        let upper = proto.asciiUppercased
        if !knownProtocols.contains(upper) {
            sink.add(
                .note, SignallingCode.sdpMedia, field: field(),
                "transport protocol \(quoted(proto)) is not one this tool follows")
        } else if proto != upper {
            sink.add(
                .note, SignallingCode.sdpMedia, field: field(), "transport protocol \(quoted(proto)) is not in upper case"
            )
        }
        return SDPMedia(
            type: String(f[0]), port: port, portCount: count, proto: proto, formats: f.dropFirst(3).map(String.init),
            line: line)
    }

    /// Transport protocols of m= lines this tool knows (RFC 8866 §5.14 and the registry it points to).
    static let knownProtocols: [String] = [
        "RTP/AVP", "RTP/SAVP", "RTP/AVPF", "RTP/SAVPF", "UDP/TLS/RTP/SAVP", "UDP/TLS/RTP/SAVPF",
        "TCP/TLS/RTP/SAVP", "TCP/TLS/RTP/SAVPF", "TCP/RTP/AVP", "TCP/RTP/SAVP", "UDP", "TCP",
        "UDP/DTLS/SCTP", "TCP/DTLS/SCTP", "DTLS/SCTP", "SIP", "TCP/MSRP", "TCP/TLS/MSRP", "TCP/BFCP",
        "UDP/BFCP", "TCP/TLS/BFCP", "UDP/TLS/BFCP",
    ]

    /// `c=IN IP4 <addr>[/<ttl>[/<count>]]` or `c=IN IP6 <addr>[/<count>]` (RFC 8866 §5.7).
    /// `field` is evaluated only when a diagnostic is emitted.
    static func parseConnection(
        _ value: Substring, line: Int, field: @autoclosure () -> String, sink: inout DiagnosticSink
    ) -> SDPConnection? {
        let f = value.spaceSeparatedFields
        guard f.count == 3 else {
            sink.add(
                .warning, SignallingCode.sdpConnection, field: field(), "\(quoted(value)) does not have three fields")
            return nil
        }
        if f[0] != "IN" {
            sink.add(.note, SignallingCode.sdpConnection, field: field(), "network type \(quoted(f[0])) is not IN")
        }
        let addrType = f[1].asciiUppercased
        let parts = f[2].splitASCII(0x2F)
        let address = String(parts[0])
        var ttl: Int?
        var count = 1
        switch addrType {
        case "IP4":
            let octets = address[...].splitASCII(0x2E)
            let isLiteral = octets.count == 4 && octets.allSatisfy { parseInt($0, in: 0...255) != nil && $0.count <= 3 }
            if !isLiteral && address.allSatisfy({ $0.isNumber || $0 == "." }) {
                sink.add(
                    .warning, SignallingCode.sdpConnection, field: field(), "\(quoted(address)) is not an IPv4 address")
                return nil
            }
            let isMulticast = isLiteral && (parseInt(octets[0], in: 224...239) != nil)
            if parts.count > 3 {
                sink.add(
                    .warning, SignallingCode.sdpConnection, field: field(), "\(quoted(f[2])) has too many '/' fields")
                return nil
            }
            if parts.count >= 2 {
                guard let t = parseInt(parts[1], in: 0...255) else {
                    sink.add(
                        .warning, SignallingCode.sdpConnection, field: field(), "TTL \(quoted(parts[1])) is not 0..255")
                    return nil
                }
                ttl = t
                if !isMulticast {
                    sink.add(
                        .note, SignallingCode.sdpConnection, field: field(),
                        "TTL on a unicast address (RFC 8866 §5.7 forbids it)")
                }
            } else if isMulticast {
                sink.add(
                    .note, SignallingCode.sdpConnection, field: field(),
                    "IPv4 multicast address without a TTL (RFC 8866 §5.7 requires one)")
            }
            if parts.count == 3 {
                guard let c = parseInt(parts[2], in: 1...65535) else {
                    sink.add(
                        .warning, SignallingCode.sdpConnection, field: field(),
                        "address count \(quoted(parts[2])) is not positive")
                    return nil
                }
                count = c
            }
        case "IP6":
            if address.contains(":") && !address.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) {
                sink.add(
                    .warning, SignallingCode.sdpConnection, field: field(), "\(quoted(address)) is not an IPv6 address")
                return nil
            }
            if parts.count > 2 {
                sink.add(
                    .warning, SignallingCode.sdpConnection, field: field(),
                    "\(quoted(f[2])) has too many '/' fields (IP6 has no TTL)")
                return nil
            }
            if parts.count == 2 {
                guard let c = parseInt(parts[1], in: 1...65535) else {
                    sink.add(
                        .warning, SignallingCode.sdpConnection, field: field(),
                        "address count \(quoted(parts[1])) is not positive")
                    return nil
                }
                count = c
            }
        default:
            sink.add(
                .note, SignallingCode.sdpConnection, field: field(), "address type \(quoted(f[1])) is neither IP4 nor IP6"
            )
        }
        if address.isEmpty {
            sink.add(.warning, SignallingCode.sdpConnection, field: field(), "empty address")
            return nil
        }
        return SDPConnection(
            netType: String(f[0]), addrType: addrType, address: address, ttl: ttl, count: count, line: line)
    }

    /// `k=<method>[:<encryption key>]` (RFC 4566 §5.12): clear, base64, uri, prompt.
    static func parseKeyField(
        _ value: Substring, line: Int, field: @autoclosure () -> String, sink: inout DiagnosticSink
    ) -> SDPKeyField {
        let methodText: Substring
        var text: Substring = ""
        if let colon = value.firstIndex(ofASCII: 0x3A) {
            methodText = value[..<colon]
            text = value[value.index(after: colon)...]
        } else {
            methodText = value
        }
        if text.first == " " {
            sink.add(
                .note, SignallingCode.sdpKey, field: field(), "space after the key method ignored (as in MS-SDP §4.1)")
        }
        let trimmed = String(text.trimmedSpaces)
        let method = SDPKeyField.Method(rawValue: methodText.asciiLowercased) ?? .unknown
        var key = SDPKeyField(
            method: method, text: method == .unknown ? String(value) : trimmed, decoded: nil, line: line)
        switch method {
        case .base64:
            switch Base64.decode(trimmed) {
            case .success(let b):
                key.decoded = b
                if b.isEmpty { sink.add(.error, SignallingCode.sdpKey, field: field(), "base64 key is empty") }
            case .failure(let e): sink.add(.error, SignallingCode.sdpKey, field: field(), "base64 key: \(e.explanation)")
            }
        case .clear, .uri:
            if trimmed.isEmpty {
                sink.add(.warning, SignallingCode.sdpKey, field: field(), "\(method.rawValue): with no key")
            }
            if method == .clear { key.decoded = Array(trimmed.utf8) }
        case .prompt:
            if !trimmed.isEmpty { sink.add(.note, SignallingCode.sdpKey, field: field(), "prompt takes no value") }
        case .unknown:
            sink.add(.warning, SignallingCode.sdpKey, field: field(), "unknown key method \(quoted(methodText))")
        }
        return key
    }

    enum Level { case session, media }

    /// Attributes RFC 8866 §6 and their own RFCs define at media level only.
    static let mediaOnly: Set<String> = [
        "rtpmap", "fmtp", "ptime", "maxptime", "rtcp", "rtcp-mux", "ssrc", "candidate", "mid", "crypto", "cryptoscale",
    ]

    /// Reads one `a=` line into `target`: the media description, or a scratch description that
    /// collects the session level.
    static func parseAttribute(
        _ value: Substring, line: Int, level: Level, into target: inout SDPMedia, sink: inout DiagnosticSink
    ) {
        let name: Substring
        var attrValue: Substring?
        if let colon = value.firstIndex(ofASCII: 0x3A) {
            name = value[..<colon]
            attrValue = value[value.index(after: colon)...]
        } else {
            name = value
        }
        let lname = name.asciiLowercased
        // Built only when a diagnostic is emitted.
        func field() -> String { "SDP line \(line) a=\(lname)" }
        target.attributes.append(SDPAttribute(name: String(name), value: attrValue.map(String.init), line: line))
        if level == .session, mediaOnly.contains(lname) {
            let why =
                lname == "crypto" || lname == "cryptoscale"
                ? "at session level, but RFC 4568 §9.1 defines it for media only; recorded, not applied to media"
                : "at session level, but it is a media-level attribute; recorded, not applied"
            sink.add(.warning, SignallingCode.sdpMisplaced, field: field(), why)
        }
        func unreadable() {
            sink.add(.warning, SignallingCode.sdpAttribute, field: field(), "cannot read \(quoted(attrValue ?? ""))")
        }
        let v = attrValue ?? ""
        switch lname {
        case "rtpmap":
            if let m = SDPRtpMap.parse(v) { target.rtpmaps.append(m) } else { unreadable() }
        case "fmtp":
            if let m = SDPFmtp.parse(v) { target.fmtps.append(m) } else { unreadable() }
        case "ptime":
            if let d = Double(String(v.trimmedSpaces)), d > 0, d < 100_000 { target.ptime = d } else { unreadable() }
        case "rtcp":
            if let r = SDPRtcp.parse(v) { target.rtcp = r } else { unreadable() }
        case "rtcp-mux":
            target.rtcpMux = true
        case "ssrc":
            if let r = SDPSsrc.parse(v) { target.ssrcs.append(r) } else { unreadable() }
        case "candidate":
            if let c = SDPCandidate.parse(v) { target.candidates.append(c) } else { unreadable() }
        case "mid":
            target.mid = String(v.trimmedSpaces)
        case "sendrecv", "sendonly", "recvonly", "inactive":
            if target.direction != nil {
                sink.add(
                    .warning, SignallingCode.sdpAttribute, field: field(), "second direction attribute; the last one wins"
                )
            }
            target.direction = SDPDirection(rawValue: lname)
        case "extmap":
            if let e = SDPExtmap.parse(v) {
                target.extmaps.append(e)
                if e.isEncrypted, e.encryptedURI == nil {
                    sink.add(
                        .warning, SignallingCode.sdpAttribute, field: field(),
                        "encrypted extension without the URI it protects (RFC 6904 §4)")
                }
            } else {
                unreadable()
            }
        case "cryptex":
            target.security.cryptex = true
        case "crypto", "cryptoscale":
            let kind: SDESCryptoAttribute.Kind = lname == "crypto" ? .crypto : .cryptoscale
            if let c = SDESCryptoParser.parse(v, kind: kind, line: line, sink: &sink) {
                // Tags are unique per media across crypto and cryptoscale (RFC 4568 §9.1; MS-SDPEXT §3.1.5.2).
                if target.security.crypto.contains(where: { $0.tag == c.tag }) {
                    sink.add(
                        .warning, SignallingCode.cryptoDuplicateTag, field: "\(field()) tag \(c.tag)",
                        "tag \(c.tag) already used in this media description")
                }
                target.security.crypto.append(c)
            }
        case "encryption":
            if let p = SDPEncryptionPolicy(rawValue: v.trimmedSpaces.asciiLowercased) {
                target.security.encryption = p
            } else {
                sink.add(
                    .warning, SignallingCode.sdpEncryption, field: field(),
                    "\(quoted(v)) is not required, optional or rejected (MS-SDP §3.1.5.4)")
            }
        case "key-mgmt":
            if let k = SDPKeyManagement.parse(v) {
                if k.decodedLength == nil {
                    sink.add(
                        .warning, SignallingCode.sdpAttribute, field: field(), "\(k.protocolID) data is not valid base64")
                }
                target.security.keyManagement.append(k)
            } else {
                unreadable()
            }
        case "fingerprint":
            if let f = SDPFingerprint.parse(v) { target.security.fingerprints.append(f) } else { unreadable() }
        case "setup":
            let role = v.trimmedSpaces.asciiLowercased
            if ["active", "passive", "actpass", "holdconn"].contains(role) {
                target.security.setup = role
            } else {
                unreadable()
            }
        case "zrtp-hash":
            if let z = SDPZRTPHash.parse(v) { target.security.zrtpHashes.append(z) } else { unreadable() }
        case "3ge2ae":
            target.security.endToAccessEdge = true
        default:
            break  // RFC 8866 §5.13: unknown attributes are ignored (but kept in `attributes`)
        }
    }

    /// Fills each media description's inherited values (RFC 8866 §5: a media-level value overrides
    /// the session-level one) and reports media left without a connection address.
    static func inherit(_ sdp: inout SessionDescription, sink: inout DiagnosticSink) {
        for i in sdp.media.indices {
            var m = sdp.media[i]
            m.effectiveConnection = m.connections.first ?? sdp.connection
            if m.effectiveConnection == nil, !m.isRejected {
                sink.add(
                    .warning, SignallingCode.sdpConnection, field: "SDP line \(m.line) m=\(m.type)",
                    "no c= line at media or session level (RFC 8866 §5.7)")
            }
            m.effectiveKey = m.key ?? sdp.key
            m.effectiveEncryption = m.security.encryption ?? sdp.security.encryption
            m.effectiveDirection = m.direction ?? sdp.direction ?? .sendrecv
            m.effectiveFingerprints =
                m.security.fingerprints.isEmpty ? sdp.security.fingerprints : m.security.fingerprints
            m.effectiveSetup = m.security.setup ?? sdp.security.setup
            m.effectiveKeyManagement =
                m.security.keyManagement.isEmpty ? sdp.security.keyManagement : m.security.keyManagement
            m.effectiveCryptex = m.security.cryptex || sdp.security.cryptex
            m.effectiveEndToAccessEdge = m.security.endToAccessEdge || sdp.security.endToAccessEdge
            if !m.security.crypto.isEmpty, !m.isSecureProfile {
                // Allowed by MS-SDPEXT §3.1.5.1 and RFC 8643 (opportunistic SRTP): SRTP is then optional.
                sink.add(
                    .note, SignallingCode.sdpMisplaced, field: "SDP line \(m.line) m=\(m.type)",
                    "a=crypto on \(m.proto): opportunistic SRTP (RFC 8643, MS-SDPEXT §3.1.5.1)")
            }
            sdp.media[i] = m
        }
    }
}

extension SDPParser {
    /// Splits text holding several SDP bodies one after another (as in a `--signalling` file of bare
    /// bodies) at each `v=` line; text before the first `v=` line is dropped. Each body keeps its
    /// own line ends, and the 1-based line number it starts on in the whole text comes with it.
    public static func splitConcatenatedBodies(_ bytes: [UInt8]) -> [(firstLine: Int, body: [UInt8])] {
        var bodies: [(firstLine: Int, body: [UInt8])] = []
        var current: (firstLine: Int, start: Int)?
        var lineStart = 0
        var lineNumber = 1
        while lineStart < bytes.count {
            var lineEnd = lineStart
            while lineEnd < bytes.count, bytes[lineEnd] != 0x0A { lineEnd += 1 }
            var first = lineStart
            while first < lineEnd, bytes[first] == 0x20 || bytes[first] == 0x09 { first += 1 }
            if lineEnd - first >= 2, bytes[first] == UInt8(ascii: "v"), bytes[first + 1] == UInt8(ascii: "=") {
                if let c = current { bodies.append((c.firstLine, Array(bytes[c.start..<lineStart]))) }
                current = (lineNumber, lineStart)
            }
            lineStart = lineEnd + 1
            lineNumber += 1
        }
        if let c = current { bodies.append((c.firstLine, Array(bytes[c.start...]))) }
        return bodies
    }
}
