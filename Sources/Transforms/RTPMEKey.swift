import Crypto

/// The MS-RTPME DES key from an MS-SDP `k=base64:` passphrase (MS-SDP §3.1.5.5): base64-decode, read the
/// bytes as UTF-16LE text, encode that text as UTF-8, take MD5, and use "the first 56 bits".
public enum RTPMEKey {
    /// The two readings of "the first 56 bits" (see `../shared/protocols/microsoft.md`).
    public enum Reading: String, Sendable, Hashable, CaseIterable {
        /// The first 8 digest bytes as the DES key; DES ignores the parity bits (their low bits).
        case firstEightBytes
        /// The first 7 digest bytes (56 bits) spread over 8 bytes, 7 bits each, with odd parity added.
        case sevenBytesWithParity
    }

    /// The passphrase text: nil when `base64` is not valid base64. An odd trailing byte (half a UTF-16
    /// unit) is dropped; unpaired surrogates become U+FFFD, as a UTF-16 decoder must.
    public static func passphraseUTF8(base64: String) -> [UInt8]? {
        guard let bytes = Base64.decode(base64) else { return nil }
        let units = stride(from: 0, to: bytes.count - 1, by: 2).map { UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8 }
        return Array(String(decoding: units, as: UTF16.self).utf8)
    }

    /// MD5 of the UTF-8 passphrase.
    public static func digest(base64: String, provider: any CryptoProvider) throws -> [UInt8]? {
        guard let text = passphraseUTF8(base64: base64) else { return nil }
        return try provider.md5(text)
    }

    /// The 8-byte DES key of `reading` from a 16-byte MD5 digest.
    public static func key(digest: [UInt8], reading: Reading) -> [UInt8] {
        switch reading {
        case .firstEightBytes:
            return Array(digest.prefix(8))
        case .sevenBytesWithParity:
            var bits: UInt64 = 0
            for b in digest.prefix(7) { bits = bits << 8 | UInt64(b) }
            return (0..<8).map { i in
                let seven = UInt8(truncatingIfNeeded: bits >> (49 - 7 * UInt64(i))) & 0x7F
                let parity: UInt8 = seven.nonzeroBitCount % 2 == 0 ? 1 : 0  // odd parity over the byte
                return seven << 1 | parity
            }
        }
    }
}

/// RFC 4648 §4 base64, strict about the alphabet, lenient about missing `=` padding and whitespace.
enum Base64 {
    static func decode(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        var acc: UInt32 = 0
        var n = 0
        for c in text.utf8 {
            let v: UInt32
            switch c {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): v = UInt32(c - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): v = UInt32(c - UInt8(ascii: "a")) + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = UInt32(c - UInt8(ascii: "0")) + 52
            case UInt8(ascii: "+"): v = 62
            case UInt8(ascii: "/"): v = 63
            case UInt8(ascii: "="), UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"):
                continue
            default: return nil
            }
            acc = acc << 6 | v
            n += 1
            if n == 4 {
                out += [
                    UInt8(truncatingIfNeeded: acc >> 16), UInt8(truncatingIfNeeded: acc >> 8),
                    UInt8(truncatingIfNeeded: acc),
                ]
                acc = 0
                n = 0
            }
        }
        switch n {
        case 0: break
        case 2: out.append(UInt8(truncatingIfNeeded: acc >> 4))
        case 3: out += [UInt8(truncatingIfNeeded: acc >> 10), UInt8(truncatingIfNeeded: acc >> 2)]
        default: return nil
        }
        return out
    }
}
