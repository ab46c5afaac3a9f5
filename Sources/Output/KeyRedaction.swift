internal import COpenSSL
import Signalling
import KeyBook

/// `--redact-keys`: key material in every report and dissection replaced by a short fingerprint, so
/// that a report can be shared without the keys (issue 7).
///
/// The fingerprint is `key#` and the first 8 hex digits of SHA-256 over the decoded key‖salt (OpenSSL's
/// EVP one-shot digest): the same key gives the same fingerprint in the keys report, the calls and
/// streams reports and any SIP/SDP text, whatever its spelling there (base64 in SDP, JSON), so a reader
/// can still match keys. 32 bits name a key among a capture's few; they do not help guess a 128-bit key.
public struct KeyRedaction: Sendable {
    public init() {}

    /// `key#1a2b3c4d` for the bytes of a key (key‖salt for SDES, the passphrase bytes for `k=`).
    public static func fingerprint(_ key: [UInt8]) -> String {
        var md = [UInt8](repeating: 0, count: 32)
        var size: UInt32 = 0
        let ok = key.withUnsafeBytes { input in
            EVP_Digest(input.baseAddress, input.count, &md, &size, EVP_sha256(), nil)
        }
        // EVP_Digest fails only when it cannot allocate: then say so rather than print a false match.
        guard ok == 1 else { return "key#????????" }
        let hex = Array("0123456789abcdef".utf8)
        var out = Array("key#".utf8)
        for b in md.prefix(4) {
            out.append(hex[Int(b >> 4)])
            out.append(hex[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The fingerprint of key text as SDP or a key table spells it: base64 is decoded first (so that it
    /// matches `fingerprint(_:)` of the same bytes); text that is not base64 is fingerprinted as is.
    public static func fingerprint(base64 text: String) -> String {
        fingerprint(SDESBase64.decode(text) ?? Array(text.utf8))
    }

    /// A key option's error (`--key`, `--keys`, …) without the user's text it quotes: the `--key` spec
    /// after its number goes, and what the message quotes as key text (`KeyText`, “…”) becomes its
    /// fingerprint, so that a mistyped key cannot reach a shared report either.
    public static func redact(_ e: KeyInputError) -> String {
        // `#2 (“SPEC”)`: the number only.
        var position = Substring(e.position)
        if let spec = position.firstRange(of: " (" + KeyText.open) { position = position[..<spec.lowerBound] }
        return redact("\(e.option) \(position): \(e.message)")
    }

    /// Where key material starts in text: `inline:` (RFC 4568 §9.1 key-params, also in the keys
    /// report's text), `base64:` and `clear:` (RFC 4566 §5.12 `k=` methods). What follows, up to the
    /// first character that cannot belong to it, is replaced.
    static let markers: [(prefix: [UInt8], base64: Bool)] = [
        (Array("inline:".utf8), true), (Array("base64:".utf8), true), (Array("clear:".utf8), false),
    ]

    /// `text` with every key after a marker replaced by its fingerprint.
    public static func redact(_ text: String) -> String {
        let bytes = Array(text.utf8)
        let out = redact(bytes: bytes)
        return out == bytes ? text : String(decoding: out, as: UTF8.self)
    }

    /// The same over UTF-8 bytes (what `OutputStream` holds before it writes).
    public static func redact(bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var copied = 0
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            // Every marker starts with 'i', 'b' or 'c': skip other bytes quickly.
            guard b == 0x69 || b == 0x62 || b == 0x63,
                let m = markers.first(where: { matches(bytes, at: i, $0.prefix) })
            else {
                i += 1
                continue
            }
            let start = i + m.prefix.count
            var end = start
            while end < n, belongs(bytes[end], base64: m.base64) { end += 1 }
            // Already a fingerprint, or nothing there: leave it.
            if end == start || matches(bytes, at: start, Array("key#".utf8)) {
                i = end == start ? start : end
                continue
            }
            let token = String(decoding: bytes[start..<end], as: UTF8.self)
            let fp = m.base64 ? fingerprint(base64: token) : fingerprint(Array(token.utf8))
            if out.isEmpty { out.reserveCapacity(n) }
            out.append(contentsOf: bytes[copied..<start])
            out.append(contentsOf: fp.utf8)
            copied = end
            i = end
        }
        if copied == 0 { return redactQuotedKeyText(bytes) }
        out.append(contentsOf: bytes[copied..<n])
        return redactQuotedKeyText(out)
    }

    /// Every “…” (`KeyText`) replaced, contents and all, by “fingerprint”.
    private static func redactQuotedKeyText(_ bytes: [UInt8]) -> [UInt8] {
        let open = Array(KeyText.open.utf8)
        let close = Array(KeyText.close.utf8)
        var out: [UInt8] = []
        var copied = 0
        var i = 0
        while i + open.count <= bytes.count {
            guard bytes[i] == open[0], matches(bytes, at: i, open) else {
                i += 1
                continue
            }
            let start = i + open.count
            var end = start
            while end < bytes.count, !matches(bytes, at: end, close) { end += 1 }
            guard end < bytes.count else { break }  // unclosed: not ours
            if !matches(bytes, at: start, Array("key#".utf8)) {
                out.append(contentsOf: bytes[copied..<start])
                out.append(contentsOf: fingerprint(Array(bytes[start..<end])).utf8)
                copied = end
            }
            i = end + close.count
        }
        if copied == 0 { return bytes }
        out.append(contentsOf: bytes[copied...])
        return out
    }

    private static func matches(_ bytes: [UInt8], at i: Int, _ p: [UInt8]) -> Bool {
        guard i + p.count <= bytes.count else { return false }
        for k in 0..<p.count where bytes[i + k] != p[k] { return false }
        return true
    }

    /// Base64 (RFC 4648 §4) for `inline:`/`base64:`; for `clear:` anything up to white space, a quote,
    /// a separator or the end.
    private static func belongs(_ c: UInt8, base64: Bool) -> Bool {
        if base64 {
            return (0x41...0x5A).contains(c) || (0x61...0x7A).contains(c) || (0x30...0x39).contains(c)
                || c == 0x2B || c == 0x2F || c == 0x3D
        }
        return c > 0x20 && c != 0x22 && c != 0x7C && c != 0x2C && c != 0x3B && c != 0x5C && c < 0x7F
    }
}
