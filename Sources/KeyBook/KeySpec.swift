import Datagrams
import Signalling
import Transforms

/// Reads a `--key` SPEC (the grammar is in Docs/key-formats.md).
///
/// A SPEC is space-separated fields, in any order:
/// - `SUITE inline:KEY[|LIFETIME][|MKI:LEN][;inline:…] [SESSION-PARAMS]` — as after the tag of an
///   `a=crypto` line (a leading `a=crypto:` and tag are accepted and ignored);
/// - or key‖salt as one `MATERIAL`, optionally `SUITE:MATERIAL`, where MATERIAL is hex (`0x` prefix
///   optional) or base64;
/// - or `key=MATERIAL salt=MATERIAL`, with `suite=SUITE`, `mki=VALUE:LENGTH`, `lifetime=N|2^N` as wanted;
/// - and a scope: `ssrc=0x…` (or decimal) and `addr=IP:PORT` (`[IPv6]:PORT`), each repeatable.
/// The suite defaults to AES_CM_128_HMAC_SHA1_80.
public enum KeySpec {
    public static let defaultSuite = SRTPSuite.aesCM128HMACSHA1_80
    static let sessionParamNames: Set<String> = [
        "KDR", "UNENCRYPTED_SRTP", "UNENCRYPTED_SRTCP", "UNAUTHENTICATED_SRTP", "FEC_ORDER", "FEC_KEY", "WSH",
    ]

    /// The entries of one SPEC (one per key-param), all in one group. `position` is the 1-based
    /// occurrence of `--key`, used in errors and as the entries' source.
    public static func parse(_ spec: String, position: Int) throws(KeyInputError) -> [KeyEntry] {
        func fail(_ message: String) -> KeyInputError {
            KeyInputError(option: "--key", position: "#\(position) (\(quotedSpec(spec)))", message)
        }
        // Keys are pasted from logs and terminals: any whitespace separates fields (a line break, a
        // trailing CR), and a key printed as spaced hex bytes is one field again.
        var fields = joinSpacedHex(spec.split(whereSeparator: { $0.isWhitespace }).map(String.init))
        guard !fields.isEmpty else { throw fail("empty key specification") }
        for prefix in ["a=crypto:", "crypto:"] where fields[0].hasPrefix(prefix) {
            fields[0].removeFirst(prefix.count)
            if fields[0].isEmpty { fields.removeFirst() }
            break
        }
        guard !fields.isEmpty else { throw fail("empty key specification") }
        var scope = KeyScope()
        var suite: SRTPSuite?
        var suiteText: String?
        var material: (text: String, field: Int)?
        var keyApart: (text: String, field: Int)?
        var saltApart: (text: String, field: Int)?
        var mki: KeyEntry.MKI?
        var lifetime: String?
        var keyParams: [String] = []
        var sessionParams: [String] = []
        var sawTag = false

        func setSuite(_ name: String, field: Int) throws(KeyInputError) {
            guard let s = suiteNamed(name) else {
                throw fail(
                    "field \(field) \(quotedSpec(name)): unknown suite (known: \(SRTPSuite.all.map(\.name).joined(separator: ", ")))"
                )
            }
            if let suite, suite != s { throw fail("field \(field): a second suite \(s.name) after \(suite.name)") }
            suite = s
            suiteText = name
        }

        for (i, f) in fields.enumerated() {
            let n = i + 1
            if let eq = f.firstIndex(of: "="), f[..<eq].allSatisfy({ $0.isLowercase }) {
                let name = String(f[..<eq])
                let value = String(f[f.index(after: eq)...])
                guard !value.isEmpty else { throw fail("field \(n) \(quotedSpec(f)): \(name)= needs a value") }
                switch name {
                case "ssrc": scope.ssrcs.append(try parseSSRC(value, field: n, fail: fail))
                case "addr": scope.addresses.append(try parseEndpoint(value, field: n, fail: fail))
                case "key": keyApart = (value, n)
                case "salt": saltApart = (value, n)
                case "suite": try setSuite(value, field: n)
                case "mki": mki = try parseMKI(value, field: n, fail: fail)
                case "lifetime": lifetime = value
                default:
                    throw fail(
                        "field \(n) \(quotedSpec(f)): unknown name \(name)= (ssrc, addr, key, salt, suite, mki, lifetime)"
                    )
                }
                continue
            }
            if f.lowercased().hasPrefix("inline:") {
                keyParams.append(f)
                continue
            }
            let head = f.split(separator: "=", maxSplits: 1).first.map(String.init) ?? f
            if sessionParamNames.contains(head) {
                sessionParams.append(f)
                continue
            }
            if i == 0, fields.count > 1, f.count <= 9, f.allSatisfy(\.isNumber), !sawTag {
                sawTag = true  // the tag of a pasted a=crypto line
                continue
            }
            if suiteNamed(f) != nil {
                try setSuite(f, field: n)
                continue
            }
            if let colon = f.firstIndex(of: ":"), suiteNamed(String(f[..<colon])) != nil {
                try setSuite(String(f[..<colon]), field: n)
                let rest = String(f[f.index(after: colon)...])
                if rest.contains("|") {  // SUITE:KEY‖SALT|2^20|1:4, a key-param without its inline:
                    keyParams.append("inline:" + rest)
                    continue
                }
                guard material == nil else { throw fail("field \(n): key material given twice") }
                material = (rest, n)
                continue
            }
            if f.contains("_"), !f.contains("="), f.uppercased() == f {
                throw fail(
                    "field \(n) \(quotedSpec(f)): unknown suite (known: \(SRTPSuite.all.map(\.name).joined(separator: ", ")))"
                )
            }
            // KEY‖SALT|LIFETIME|MKI:LENGTH without its "inline:": a key-param all the same.
            if f.contains("|") {
                keyParams.append("inline:" + f)
                continue
            }
            guard material == nil else { throw fail("field \(n) \(quotedSpec(f)): key material given twice") }
            material = (f, n)
        }

        let chosen = suite ?? defaultSuite
        let name =
            suiteText.flatMap { SRTPSuite.sdesNamed($0)?.name ?? suiteNamed($0)?.name }
            ?? chosen.name
        var entries: [KeyEntry] = []
        func entry(_ keySalt: [UInt8]) -> KeyEntry {
            var e = KeyEntry(
                source: .commandLine(position), attribute: .manual, suiteName: name, suite: chosen, keySalt: keySalt,
                group: 0)
            e.scope = scope
            e.selected = true
            return e
        }

        let forms = [!keyParams.isEmpty, material != nil, keyApart != nil || saltApart != nil].filter { $0 }.count
        guard forms == 1 else {
            throw fail(
                forms == 0
                    ? "no key: give inline:KEY||SALT, key‖salt in hex or base64, or key= and salt="
                    : "give the key one way only (inline:, one MATERIAL field, or key= with salt=)")
        }
        if !keyParams.isEmpty {
            guard mki == nil, lifetime == nil else {
                throw fail(
                    "mki= and lifetime= go with key= or MATERIAL; in inline: form write them as in SDP (|2^31|1:4)")
            }
            let value = "1 \(name) \(keyParams.joined(separator: ";")) \(sessionParams.joined(separator: " "))"
            let (parsed, diagnostics) = SDESCryptoAttribute.parse(value: value)
            let errors = diagnostics.filter { $0.severity == .error }
            guard let attr = parsed, errors.isEmpty, !attr.keyParams.isEmpty else {
                throw fail(errors.map(\.message).joined(separator: "; ").nonEmpty ?? "cannot read the key-params")
            }
            for kp in attr.keyParams {
                guard let ks = kp.keySalt else { throw fail("key-param \(quotedSpec(kp.rawInfo)) has no usable key") }
                var e = entry(ks)
                if let m = kp.mki, let v = m.value { e.mki = KeyEntry.MKI(value: v, length: m.length) }
                e.lifetime = kp.lifetime?.text
                e.lifetimePackets = kp.lifetime?.packets
                e.params = attr.sessionParams.map(KeyBook.text(of:))
                entries.append(e)
            }
            return entries
        }
        var keySalt: [UInt8]
        if let m = material {
            keySalt = try decodeMaterial(
                m.text, expected: chosen.keySaltLength, what: "key‖salt", field: m.field, fail: fail,
                otherFit: { suitesFitting(keySaltBytes: $0, chosen: chosen, named: suite != nil) })
        } else {
            guard let k = keyApart else { throw fail("salt= given without key=") }
            guard let s = saltApart else { throw fail("key= given without salt=") }
            let key = try decodeMaterial(k.text, expected: chosen.keyLength, what: "key", field: k.field, fail: fail)
            let salt = try decodeMaterial(s.text, expected: chosen.saltLength, what: "salt", field: s.field, fail: fail)
            keySalt = key + salt
        }
        var e = entry(keySalt)
        e.mki = mki
        if let lifetime {
            e.lifetime = lifetime
            e.lifetimePackets = try parseLifetime(lifetime, fail: fail)
        }
        for p in sessionParams {
            let (parsed, diagnostics) = SDESCryptoAttribute.parse(
                value: "1 \(name) inline:\(SDESBase64.encode(keySalt)) \(p)")
            if let d = diagnostics.first(where: { $0.code == SignallingCode.cryptoSessionParam && $0.severity != .note }
            ) {
                throw fail(d.message)
            }
            e.params += parsed?.sessionParams.map(KeyBook.text(of:)) ?? []
        }
        entries.append(e)
        return entries
    }

    /// The SDES suite (`AES_CM_128_HMAC_SHA1_80`, any case) or DTLS-SRTP profile (`SRTP_AES128_CM_HMAC_SHA1_80`,
    /// as key logs of DTLS-SRTP print it) called `text`.
    static func suiteNamed(_ text: String) -> SRTPSuite? {
        if let s = SRTPSuite.sdesNamed(text) ?? SRTPSuite.sdesNamed(text.uppercased()) { return s }
        guard text.uppercased().hasPrefix("SRTP_") else { return nil }
        return SRTPProtectionProfile.named(text)?.suite
    }

    /// Runs of 16 or more fields of two hex digits each (`69 20 6b 6e …`, a hex dump) made one field.
    static func joinSpacedHex(_ fields: [String]) -> [String] {
        func isByte(_ f: String) -> Bool { f.count == 2 && f.allSatisfy(\.isHexDigit) }
        var out: [String] = []
        var i = 0
        while i < fields.count {
            var j = i
            while j < fields.count, isByte(fields[j]) { j += 1 }
            if j - i >= 16 {
                // A pasted a=crypto tag of two digits in front of the dump ("10 00 01 …"): not a byte.
                let keyLengths: Set<Int> = [28, 30, 38, 44, 46]
                if i == 0, !keyLengths.contains(j - i), keyLengths.contains(j - i - 1) {
                    out.append(fields[0])
                    i = 1
                }
                out.append(fields[i..<j].joined())
                i = j
            } else {
                out.append(fields[i])
                i += 1
            }
        }
        return out
    }

    /// Hex (with or without `0x`, bytes optionally separated by `:` as Wireshark and OpenSSL print them)
    /// when it decodes to the expected length, else base64.
    ///
    /// `otherFit` gives what to add to a length mismatch's message (the suites whose key‖salt it is).
    static func decodeMaterial(
        _ text: String, expected: Int, what: String, field: Int, fail: (String) -> KeyInputError,
        otherFit: (Int) -> String? = { _ in nil }
    ) throws(KeyInputError) -> [UInt8] {
        var t = Substring(text)
        let pairs = t.split(separator: ":", omittingEmptySubsequences: false)
        if pairs.count >= 2, pairs.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isHexDigit) }) {
            t = Substring(pairs.joined())
        }
        let forcedHex = t.hasPrefix("0x") || t.hasPrefix("0X")
        if forcedHex { t = t.dropFirst(2) }
        let isHex = !t.isEmpty && t.count % 2 == 0 && t.allSatisfy(\.isHexDigit)
        var bytes: [UInt8]?
        if isHex, forcedHex || t.count == 2 * expected {
            var out: [UInt8] = []
            var i = t.startIndex
            while i < t.endIndex {
                let j = t.index(i, offsetBy: 2)
                if let b = UInt8(t[i..<j], radix: 16) { out.append(b) }
                i = j
            }
            bytes = out
        } else if forcedHex {
            throw fail("field \(field): \(what) \(quotedSpec(text)) is not an even number of hex digits")
        } else if isHex, SDESBase64.decode(text)?.count != expected {
            // All hex digits, but neither reading fits: report the hex reading, which was surely meant.
            throw fail(
                "field \(field): \(what) is \(t.count) hex digits (\(t.count / 2) bytes), the suite needs \(expected) bytes (\(2 * expected) hex digits)"
                    + (otherFit(t.count / 2) ?? ""))
        } else {
            guard let b = SDESBase64.decode(text) else {
                throw fail(
                    "field \(field): \(what) \(quotedSpec(text)) is neither \(2 * expected) hex digits nor base64 (\(SDESBase64.problem(text) ?? "invalid"))"
                )
            }
            bytes = b
        }
        let b = bytes ?? []
        guard b.count == expected else {
            throw fail("field \(field): \(what) is \(b.count) bytes, the suite needs \(expected)" + (otherFit(b.count) ?? ""))
        }
        return b
    }

    /// For a key‖salt of the wrong length: which suite was assumed when none was named, and which suites
    /// take `count` bytes (46: AES-256, RFC 6188 §7; 28 and 44: AEAD, RFC 7714 §12; 38: AES-192), so that
    /// a pasted AES-256 key without its suite is pointed to the suite rather than only refused.
    static func suitesFitting(keySaltBytes count: Int, chosen: SRTPSuite, named: Bool) -> String? {
        let fits = SRTPSuite.all.filter { $0.keySaltLength == count }.map(\.name)
        let assumed = named ? "" : "; no suite was named, so the default \(chosen.name)"
        guard let first = fits.first else { return assumed }
        let which = fits.count == 1 ? first : fits.dropLast().joined(separator: ", ") + " or " + (fits.last ?? first)
        return assumed + "; \(count) bytes fit \(which): name it before the key, as \(first):KEY"
    }

    static func parseSSRC(_ v: String, field: Int, fail: (String) -> KeyInputError) throws(KeyInputError) -> UInt32 {
        let value: UInt32? =
            v.hasPrefix("0x") || v.hasPrefix("0X") ? UInt32(v.dropFirst(2), radix: 16) : UInt32(v, radix: 10)
        guard let value else { throw fail("field \(field): ssrc=\(v) is not a 32-bit number (0x… or decimal)") }
        return value
    }

    static func parseEndpoint(_ v: String, field: Int, fail: (String) -> KeyInputError) throws(KeyInputError)
        -> Endpoint
    {
        guard let e = EndpointText.parse(v) else {
            throw fail("field \(field): addr=\(v) is not IP:PORT (IPv6 as [addr]:port)")
        }
        return e
    }

    static func parseMKI(_ v: String, field: Int, fail: (String) -> KeyInputError) throws(KeyInputError) -> KeyEntry.MKI
    {
        let parts = v.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let value = UInt64(parts[0]), let length = Int(parts[1]), (1...4).contains(length),
            length == 8 || value >> UInt64(8 * length) == 0
        else {
            throw fail("field \(field): mki=\(v) is not VALUE:LENGTH with LENGTH 1 to 4 bytes and VALUE fitting it")
        }
        return KeyEntry.MKI(value: value, length: length)
    }

    static func parseLifetime(_ v: String, fail: (String) -> KeyInputError) throws(KeyInputError) -> UInt64 {
        if v.hasPrefix("2^"), let n = Int(v.dropFirst(2)), (0...48).contains(n) { return UInt64(1) << UInt64(n) }
        if let n = UInt64(v), n > 0, n <= UInt64(1) << 48 { return n }
        throw fail("lifetime=\(v) is not 2^N (N ≤ 48) or a packet count from 1 to 2^48")
    }
}

/// `ip:port` and `[ipv6]:port` text (RFC 5952 §6), as the key book writes and reads it.
public enum EndpointText {
    public static func parse(_ text: String) -> Endpoint? {
        var host: Substring
        var port: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { return nil }
            port = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            port = text[text.index(after: colon)...]
            if host.contains(":") { return nil }
        }
        guard let a = IPAddress(host), let p = UInt16(port) else { return nil }
        return Endpoint(a, p)
    }
}

/// A spec or a field of one in a message: key text, quoted as `KeyText` does (so `--redact-keys` hides it).
func quotedSpec(_ s: String) -> String { KeyText.quoted(s) }

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}
