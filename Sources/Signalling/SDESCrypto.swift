import Capture
import Transforms

/// A key lifetime (RFC 4568 §6.1): `2^n` or a decimal packet count.
public struct SDESLifetime: Hashable, Sendable {
    /// The text as given (`2^20`, `1048576`).
    public var text: String
    /// The number of packets, or nil when it does not fit 64 bits.
    public var packets: UInt64?
}

/// A Master Key Identifier (RFC 4568 §6.1, §9.1): a decimal value sent in `length` bytes.
public struct SDESMKI: Hashable, Sendable {
    public var valueText: String
    /// The value, when it fits 64 bits.
    public var value: UInt64?
    /// The MKI length in bytes as declared (1..128 by the grammar).
    public var length: Int
    /// The MKI as it appears in packets (big endian, `length` bytes), when value and length allow it.
    public var bytes: [UInt8]? {
        guard let value, length >= 1, length <= 128 else { return nil }
        if length < 8, value >> UInt64(8 * length) != 0 { return nil }
        return (0..<length).map { i in
            let shift = 8 * (length - 1 - i)
            return shift >= 64 ? 0 : UInt8(truncatingIfNeeded: value >> UInt64(shift))
        }
    }
}

/// One key-param (RFC 4568 §9.1): `inline:<key||salt>[|lifetime][|MKI:length]`.
public struct SDESKeyParam: Hashable, Sendable {
    /// The key method (`inline`; others are kept but unusable).
    public var method: String
    /// The base64 key||salt text as given.
    public var keySaltBase64: String
    /// The decoded key||salt, nil when the base64 is invalid or the method is not `inline`.
    public var keySalt: [UInt8]?
    public var lifetime: SDESLifetime?
    public var mki: SDESMKI?
    /// The key-info text after the method, as given (for unknown methods).
    public var rawInfo: String

    /// Master key and salt split per the suite, when the decoded length matches it exactly.
    public func split(for suite: SRTPSuite) -> (key: [UInt8], salt: [UInt8])? {
        guard let ks = keySalt, ks.count == suite.keySaltLength else { return nil }
        return (Array(ks.prefix(suite.keyLength)), Array(ks.suffix(suite.saltLength)))
    }
}

/// An SDES session parameter (RFC 4568 §6.3).
public enum SDESSessionParam: Hashable, Sendable {
    /// KDR=n: key derivation rate 2^n (§6.3.1; n in 0..24).
    case kdr(Int)
    case unencryptedSRTP
    case unencryptedSRTCP
    case unauthenticatedSRTP
    /// FEC_ORDER=FEC_SRTP or SRTP_FEC (§6.3.4).
    case fecOrder(String)
    /// FEC_KEY=key-params (§6.3.5).
    case fecKey([SDESKeyParam])
    /// WSH=n: SRTP replay window size hint (§6.3.6; at least 64).
    case windowSizeHint(Int)
    /// Anything else, kept as written (§6.3.7: unknown parameters are ignored but recorded).
    case unknown(String)
}

/// An `a=crypto` (RFC 4568 §9.1) or `a=cryptoscale` (MS-SDPEXT §3.1.5.2) attribute.
public struct SDESCryptoAttribute: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable { case crypto, cryptoscale }
    public var kind: Kind
    public var tag: UInt32
    /// For `a=cryptoscale`: the role field (`client`).
    public var role: String?
    public var suiteName: String
    /// The suite, nil for a name not in `SRTPSuite.all`.
    public var suite: SRTPSuite?
    public var keyParams: [SDESKeyParam]
    public var sessionParams: [SDESSessionParam]
    /// 1-based SDP line the attribute was on.
    public var line: Int
}

/// Parses and validates the value of `a=crypto` / `a=cryptoscale`.
enum SDESCryptoParser {
    static func parse(
        _ value: Substring, kind: SDESCryptoAttribute.Kind, line: Int, sink: inout DiagnosticSink
    ) -> SDESCryptoAttribute? {
        let fields = value.spaceSeparatedFields
        // Field names are built only when a diagnostic is emitted.
        func name() -> String { "SDP line \(line) a=\(kind.rawValue)" }
        func fail(_ why: String) -> SDESCryptoAttribute? {
            sink.add(.error, SignallingCode.cryptoSyntax, field: name(), why)
            return nil
        }
        // tag 1*9DIGIT (§9.1)
        guard let tagText = fields.first, let tagValue = parseDecimal(tagText, maxDigits: 9) else {
            return fail("tag \(quoted(fields.first ?? "")) is not 1 to 9 digits")
        }
        let tag = UInt32(tagValue)
        func field() -> String { "\(name()) tag \(tag)" }
        var index = 1
        var role: String?
        if kind == .cryptoscale {
            guard fields.count > index else { return fail("tag \(tag): role missing") }
            role = String(fields[index])
            if fields[index] != "client" {
                sink.add(
                    .warning, SignallingCode.cryptoSyntax, field: field(),
                    "role \(quoted(fields[index])) is not \"client\"")
            }
            index += 1
        }
        guard fields.count >= index + 2 else { return fail("tag \(tag): needs a suite and key-params") }
        let suiteName = String(fields[index])
        var suite = SRTPSuite.sdesNamed(suiteName)
        if suite == nil {
            // Forgiving: some stacks send the suite in lower case.
            suite = SRTPSuite.sdesNamed(suiteName.uppercased())
            if suite != nil {
                sink.add(
                    .note, SignallingCode.cryptoSuite, field: field(), "suite \(quoted(suiteName)) is not in upper case")
            } else {
                sink.add(
                    .warning, SignallingCode.cryptoSuite, field: field(),
                    "unknown crypto-suite \(quoted(suiteName)); key lengths cannot be checked")
            }
        } else if let s = suite, s.name != suiteName {
            sink.add(.note, SignallingCode.cryptoSuite, field: field(), "suite \(suiteName) read as \(s.name)")
        }
        let keyParams = parseKeyParams(fields[index + 1], suite: suite, field: field, sink: &sink)
        var sessionParams: [SDESSessionParam] = []
        for text in fields.dropFirst(index + 2) {
            if let p = parseSessionParam(text, suite: suite, field: field, sink: &sink) { sessionParams.append(p) }
        }
        return SDESCryptoAttribute(
            kind: kind, tag: tag, role: role, suiteName: suiteName, suite: suite, keyParams: keyParams,
            sessionParams: sessionParams, line: line)
    }

    /// key-params = key-param *(";" key-param)
    static func parseKeyParams(
        _ text: Substring, suite: SRTPSuite?, field: () -> String, sink: inout DiagnosticSink
    ) -> [SDESKeyParam] {
        var result: [SDESKeyParam] = []
        let pieces = text.splitASCII(0x3B)
        for (i, piece) in pieces.enumerated() {
            guard result.count < SignallingLimits.maxKeyParams else {
                sink.add(
                    .warning, SignallingCode.limit, field: field(),
                    "more than \(SignallingLimits.maxKeyParams) key-params; the rest ignored")
                break
            }
            func f() -> String { pieces.count > 1 ? "\(field()) key-param \(i + 1)" : field() }
            if let kp = parseKeyParam(piece, suite: suite, field: f, sink: &sink) { result.append(kp) }
        }
        return result
    }

    static func parseKeyParam(
        _ text: Substring, suite: SRTPSuite?, field: () -> String, sink: inout DiagnosticSink
    ) -> SDESKeyParam? {
        guard let colon = text.firstIndex(ofASCII: 0x3A) else {
            sink.add(.error, SignallingCode.cryptoSyntax, field: field(), "key-param \(KeyText.quoted(text)) has no key-method")
            return nil
        }
        let method = String(text[..<colon])
        let info = text[text.index(after: colon)...]
        guard equalsIgnoringCase(method, "inline") else {
            sink.add(
                .warning, SignallingCode.cryptoSyntax, field: field(),
                "key-method \(quoted(method)) is not \"inline\"; kept unread")
            return SDESKeyParam(
                method: method, keySaltBase64: "", keySalt: nil, lifetime: nil, mki: nil, rawInfo: String(info))
        }
        if method != "inline" {
            sink.add(.note, SignallingCode.cryptoSyntax, field: field(), "key-method \(quoted(method)) is not lower case")
        }
        let parts = info.splitASCII(0x7C)
        let keyText = parts.first ?? ""
        var param = SDESKeyParam(
            method: "inline", keySaltBase64: String(keyText), keySalt: nil, lifetime: nil, mki: nil,
            rawInfo: String(info))
        switch Base64.decode(keyText) {
        case .success(let bytes):
            param.keySalt = bytes
            if bytes.isEmpty {
                sink.add(.error, SignallingCode.cryptoBase64, field: field(), "key||salt is empty")
            } else if let suite, bytes.count != suite.keySaltLength {
                sink.add(
                    .error, SignallingCode.cryptoKeyLength, field: field(),
                    "key is \(bytes.count) bytes, suite needs \(suite.keySaltLength) (\(suite.keyLength)-byte key + \(suite.saltLength)-byte salt)"
                )
            }
        case .failure(let error):
            sink.add(.error, SignallingCode.cryptoBase64, field: field(), "key||salt: \(error.explanation)")
        }
        // Then up to two optional fields: a lifetime (no ':') then an MKI (with ':').
        var sawLifetime = false
        var sawMKI = false
        for extra in parts.dropFirst() {
            if extra.containsASCII(0x3A) {
                if sawMKI {
                    sink.add(.error, SignallingCode.cryptoSyntax, field: field(), "more than one MKI \(quoted(extra))")
                    continue
                }
                sawMKI = true
                param.mki = parseMKI(extra, field: field, sink: &sink)
            } else {
                if sawLifetime || sawMKI {
                    sink.add(
                        .error, SignallingCode.cryptoSyntax, field: field(), "lifetime \(quoted(extra)) out of place")
                    continue
                }
                sawLifetime = true
                param.lifetime = parseLifetime(extra, field: field, sink: &sink)
            }
        }
        return param
    }

    /// lifetime = ["2^"] 1*DIGIT (RFC 4568 §9.1). SRTP allows at most 2^48 packets, SRTCP 2^31 (RFC 3711 §9.2).
    static func parseLifetime(_ text: Substring, field: () -> String, sink: inout DiagnosticSink) -> SDESLifetime? {
        var lifetime = SDESLifetime(text: String(text), packets: nil)
        if text.hasPrefix("2^") {
            guard let n = parseInt(text.dropFirst(2), in: 0...9999) else {
                sink.add(.error, SignallingCode.cryptoLifetime, field: field(), "lifetime \(quoted(text)) is not 2^n")
                return lifetime
            }
            if n > 48 {
                sink.add(
                    .warning, SignallingCode.cryptoLifetime, field: field(),
                    "lifetime 2^\(n) exceeds the SRTP maximum of 2^48 packets (RFC 3711 §9.2)")
            }
            if n < 64 { lifetime.packets = UInt64(1) << UInt64(n) }
        } else {
            guard let v = parseDecimal(text, maxDigits: 40) else {
                sink.add(
                    .error, SignallingCode.cryptoLifetime, field: field(),
                    "lifetime \(quoted(text)) is not 2^n or a decimal count that fits 64 bits")
                return lifetime
            }
            if v > (UInt64(1) << 48) {
                sink.add(
                    .warning, SignallingCode.cryptoLifetime, field: field(),
                    "lifetime \(v) exceeds the SRTP maximum of 2^48 packets")
            }
            if v == 0 {
                sink.add(.warning, SignallingCode.cryptoLifetime, field: field(), "lifetime 0 allows no packets")
            }
            lifetime.packets = v
        }
        return lifetime
    }

    /// mki = mki-value ":" mki-length; mki-value 1*DIGIT, mki-length 1*3DIGIT in 1..128 (RFC 4568 §9.1).
    static func parseMKI(_ text: Substring, field: () -> String, sink: inout DiagnosticSink) -> SDESMKI? {
        let halves = text.splitASCII(0x3A)
        guard halves.count == 2, !halves[0].isEmpty, halves[0].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            let length = parseInt(halves[1], in: 0...999), halves[1].count <= 3
        else {
            sink.add(
                .error, SignallingCode.cryptoMKI, field: field(), "MKI \(quoted(text)) is not VALUE:LENGTH in decimal")
            return nil
        }
        let mki = SDESMKI(valueText: String(halves[0]), value: parseDecimal(halves[0], maxDigits: 40), length: length)
        if length == 0 || length > 128 {
            sink.add(.error, SignallingCode.cryptoMKI, field: field(), "MKI length \(length) is outside 1..128")
        } else if length > 4 {
            sink.add(
                .warning, SignallingCode.cryptoMKI, field: field(),
                "MKI length \(length) bytes is unusually large (implementations use 1 to 4)")
        }
        if let v = mki.value, length >= 1, length < 8, v >> UInt64(8 * length) != 0 {
            sink.add(.error, SignallingCode.cryptoMKI, field: field(), "MKI value \(v) does not fit in \(length) bytes")
        } else if mki.value == nil {
            sink.add(
                .warning, SignallingCode.cryptoMKI, field: field(), "MKI value \(quoted(halves[0])) does not fit 64 bits")
        }
        return mki
    }

    static func parseSessionParam(
        _ text: Substring, suite: SRTPSuite?, field: () -> String, sink: inout DiagnosticSink
    ) -> SDESSessionParam? {
        let name: Substring
        let value: Substring?
        if let eq = text.firstIndex(ofASCII: 0x3D) {
            name = text[..<eq]
            value = text[text.index(after: eq)...]
        } else {
            name = text
            value = nil
        }
        func bad(_ why: String) -> SDESSessionParam? {
            sink.add(
                .warning, SignallingCode.cryptoSessionParam, field: field(), "session parameter \(quoted(text)): \(why)")
            return .unknown(String(text))
        }
        switch (name, value) {
        case ("KDR", let v?):
            guard let n = parseInt(v, in: 0...24) else { return bad("KDR must be 0..24 (RFC 4568 §6.3.1)") }
            return .kdr(n)
        case ("UNENCRYPTED_SRTP", nil): return .unencryptedSRTP
        case ("UNENCRYPTED_SRTCP", nil): return .unencryptedSRTCP
        case ("UNAUTHENTICATED_SRTP", nil): return .unauthenticatedSRTP
        case ("FEC_ORDER", let v?):
            guard v == "FEC_SRTP" || v == "SRTP_FEC" else { return bad("FEC_ORDER must be FEC_SRTP or SRTP_FEC") }
            return .fecOrder(String(v))
        case ("FEC_KEY", let v?):
            return .fecKey(parseKeyParams(v, suite: suite, field: { field() + " FEC_KEY" }, sink: &sink))
        case ("WSH", let v?):
            guard let n = parseInt(v, in: 0...Int(Int32.max)) else { return bad("WSH is not a decimal") }
            if n < 64 {
                sink.add(
                    .warning, SignallingCode.cryptoSessionParam, field: field(),
                    "WSH=\(n) is below the minimum of 64 (RFC 4568 §6.3.6)")
            }
            return .windowSizeHint(n)
        case ("KDR", nil), ("FEC_ORDER", nil), ("FEC_KEY", nil), ("WSH", nil):
            return bad("needs a value")
        case ("UNENCRYPTED_SRTP", _?), ("UNENCRYPTED_SRTCP", _?), ("UNAUTHENTICATED_SRTP", _?):
            return bad("takes no value")
        default:
            // RFC 4568 §6.3.7: unknown parameters are ignored ("-" prefixed ones deliberately so).
            sink.add(
                .note, SignallingCode.cryptoSessionParam, field: field(), "unknown session parameter \(quoted(text)) kept"
            )
            return .unknown(String(text))
        }
    }
}
