import Capture
import Signalling
import Transforms

/// `--keys-from-log FILE`: SRTP keys fished out of a media server's log.
///
/// Logs are not a format; they are text with keys somewhere in it. So every line is scanned for
/// key-shaped tokens and each one is offered to the decrypt stage as an unscoped candidate (bound
/// by trial authentication), with the line number as its source:
/// - `inline:KEY||SALT[|LIFETIME][|MKI:LENGTH]` as in `a=crypto` (RFC 4568 §9.2), lifetime and MKI
///   kept: SDP bodies that FreeSWITCH, Asterisk (`sip set debug on`, `pjsip set logger on`) and most
///   SBCs print at debug level;
/// - rtpengine's `--log-srtp-keys` lines, `--- SUITE key BASE64 salt BASE64` (key and salt apart);
/// - any other base64 or hex token whose length is a key‖salt length (30, 38, 46, 28, 44 bytes).
/// A suite named on the same line chooses the suite; otherwise the length does (30 bytes: AES-128,
/// offered as both the `_80` and `_32` suites). The same key found again is offered once.
public enum MediaServerKeyLog {
    /// Key‖salt lengths and the suites each suggests when no suite is named.
    static let suitesByLength: [Int: [SRTPSuite]] = [
        30: [.aesCM128HMACSHA1_80, .aesCM128HMACSHA1_32],
        38: [.aes192CMHMACSHA1_80, .aes192CMHMACSHA1_32],
        46: [.aes256CMHMACSHA1_80, .aes256CMHMACSHA1_32],
        28: [.aeadAES128GCM],
        44: [.aeadAES256GCM],
    ]

    public static func read(path: String) throws(KeyInputError) -> (entries: [KeyEntry], diagnostics: [Diagnostic]) {
        switch FileBytes.read(path) {
        case .success(let bytes): return scan(bytes, path: path)
        case .failure(let p): throw KeyInputError(option: "--keys-from-log", position: path, p.message)
        }
    }

    public static func scan(_ bytes: [UInt8], path: String) -> (entries: [KeyEntry], diagnostics: [Diagnostic]) {
        var entries: [KeyEntry] = []
        var groups = 0
        var seen = Set<[UInt8]>()  // key‖salt and MKI
        var lines = 0
        for (i, raw) in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            let n = i + 1
            // An SDP quoted in JSON or a C string keeps its line breaks as escapes (`\r\n`): they separate
            // as the breaks would; `\/` is JSON's escaped slash, which base64 keys contain.
            let text = String(decoding: raw, as: UTF8.self)
                .replacing("\\r", with: " ").replacing("\\n", with: " ").replacing("\\t", with: " ")
                .replacing("\\/", with: "/")
            let tokens = text.split(whereSeparator: { " \t\r\"',;<>()[]{}".contains($0) }).map(String.init)
            var named: SRTPSuite?
            for t in tokens {
                if let s = SRTPSuite.sdesNamed(t) ?? SRTPSuite.sdesNamed(t.uppercased()) { named = s }
            }
            // Each key takes the suite named last before it on the line (several a=crypto lines of an SDP
            // on one log line), else the line's.
            var current: SRTPSuite?
            var found: [(keySalt: [UInt8], extras: KeyParamExtras, suite: SRTPSuite?)] = []
            var j = 0
            while j < tokens.count {
                let t = tokens[j]
                if let s = SRTPSuite.sdesNamed(t) ?? SRTPSuite.sdesNamed(t.uppercased()) { current = s }
                // rtpengine: "key K salt S".
                if t == "key", j + 3 < tokens.count, tokens[j + 2] == "salt", let k = SDESBase64.decode(tokens[j + 1]),
                    let s = SDESBase64.decode(tokens[j + 3])
                {
                    found.append((k + s, KeyParamExtras(), current))
                    j += 4
                    continue
                }
                var body = Self.trimmed(Substring(t))
                var extras = KeyParamExtras()
                if let colon = body.firstIndex(of: ":"), body[..<colon].lowercased().hasSuffix("inline") {
                    body = body[body.index(after: colon)...]
                    // An SDES key-param keeps its lifetime and MKI: without the MKI, packets that carry
                    // one could never authenticate.
                    if let bar = body.firstIndex(of: "|") { extras = KeyParamExtras(body[body.index(after: bar)...]) }
                }
                if let bar = body.firstIndex(of: "|") { body = body[..<bar] }
                if let eq = body.firstIndex(of: "="), eq > body.startIndex,
                    body[..<eq].allSatisfy({ $0.isLetter || $0.isNumber || "_-.".contains($0) })
                {
                    body = body[body.index(after: eq)...]  // key=VALUE, srtp_key=VALUE
                }
                if body.count >= 20, let b = decode(body) { found.append((b, extras, current)) }
                j += 1
            }
            // The MKI-told keys of one line (`inline:…|1:4;inline:…|2:4`) are one policy per suite and MKI
            // length, as the key-params of one a=crypto line are (RFC 4568 §6.1): the packet's MKI chooses.
            var mkiGroups: [String: Int] = [:]
            // A key seen again is offered once, unless it comes with another MKI (a bare dump of the key,
            // then its a=crypto line): the MKI is what lets its packets authenticate.
            for (ks, extras, suite) in found where seen.insert(ks + extras.identity).inserted {
                let suites: [SRTPSuite]
                if let s = suite ?? named, s.keySaltLength == ks.count {
                    suites = [s]
                } else {
                    suites = suitesByLength[ks.count] ?? []
                }
                for suite in suites {
                    let group: Int
                    let policy = "\(suite.name)/\(extras.mki?.length ?? 0)"
                    if extras.mki != nil, let g = mkiGroups[policy] {
                        group = g
                    } else {
                        group = groups
                        groups += 1
                        if extras.mki != nil { mkiGroups[policy] = group }
                    }
                    var e = KeyEntry(
                        source: .keyLog(path: path, line: n), attribute: .log, suiteName: suite.name, suite: suite,
                        keySalt: ks, group: group)
                    e.selected = true
                    e.mki = extras.mki
                    e.lifetime = extras.lifetime
                    e.lifetimePackets = extras.lifetimePackets
                    entries.append(e)
                }
                lines += 1
            }
        }
        // A group's entries side by side (the key book reads a group as a run of entries), else in order.
        entries = entries.enumerated().sorted { ($0.element.group, $0.offset) < ($1.element.group, $1.offset) }.map(\.element)
        var diagnostics: [Diagnostic] = []
        if entries.isEmpty {
            diagnostics.append(
                Diagnostic(
                    .warning, code: KeyBookCode.keyLog, field: "--keys-from-log \(path)",
                    "no key-shaped token found (inline:…, \"key … salt …\", or base64/hex of 28 to 46 bytes)"))
        } else {
            diagnostics.append(
                Diagnostic(
                    .note, code: KeyBookCode.keyLog, field: "--keys-from-log \(path)",
                    "\(lines) distinct key(s) found, offered as \(entries.count) candidate(s) for trial authentication")
            )
        }
        return (entries, diagnostics)
    }

    /// A token without what logs put around a key: the escapes of an SDP quoted in JSON or C strings
    /// (`inline:KEY\r\n`, backslash and letter), and a sentence's final period or colon.
    static func trimmed(_ t: Substring) -> Substring {
        var t = t
        while true {
            if t.hasSuffix("\\r") || t.hasSuffix("\\n") || t.hasSuffix("\\t") {
                t = t.dropLast(2)
            } else if let last = t.last, last == "." || last == ":" {
                t = t.dropLast()
            } else {
                return t
            }
        }
    }

    /// The `|LIFETIME|MKI:LENGTH` fields after an `inline:` key (RFC 4568 §9.2), as far as they read;
    /// a field that reads as neither is ignored (a log may cut or decorate the line).
    struct KeyParamExtras {
        var lifetime: String?
        var lifetimePackets: UInt64?
        var mki: KeyEntry.MKI?

        init() {}

        /// The MKI as bytes to tell copies of a key apart by (empty without one).
        var identity: [UInt8] {
            guard let mki else { return [] }
            return [UInt8(truncatingIfNeeded: mki.length)] + (0..<8).map { UInt8(truncatingIfNeeded: mki.value >> (8 * $0)) }
        }

        init(_ fields: Substring) {
            for f in fields.split(separator: "|") {
                if let colon = f.firstIndex(of: ":") {
                    if let v = UInt64(f[..<colon]), let l = Int(f[f.index(after: colon)...]), (1...128).contains(l) {
                        mki = KeyEntry.MKI(value: v, length: l)
                    }
                } else if f.hasPrefix("2^"), let k = Int(f.dropFirst(2)), (0..<64).contains(k) {
                    lifetime = String(f)
                    lifetimePackets = 1 << UInt64(k)
                } else if let n = UInt64(f) {
                    lifetime = String(f)
                    lifetimePackets = n
                }
            }
        }
    }

    /// Hex or canonical base64 whose length is a key‖salt length (hex first: a token of hex digits
    /// only is more likely hex than base64 that happens to avoid every other letter).
    static func decode(_ t: Substring) -> [UInt8]? {
        var h = t
        if h.hasPrefix("0x") || h.hasPrefix("0X") { h = h.dropFirst(2) }
        if let b = Hex.decode(h), suitesByLength[b.count] != nil { return b }
        if let b = SDESBase64.decode(String(t)), suitesByLength[b.count] != nil { return b }
        return nil
    }
}
