// A strict base64 decoder (RFC 4648 §4) for key material in SDP. Foundation's decoder is avoided so
// that the error can say which character was wrong, and because padding is optional in practice:
// RFC 4568 §9.1 key||salt strings of 30 bytes need none, other lengths are often sent without it.

enum Base64Error: Error, Equatable {
    case invalidCharacter(offset: Int, character: Character)
    case invalidLength(Int)
    case misplacedPadding(offset: Int)

    var explanation: String {
        switch self {
        case .invalidCharacter(let offset, let c): "invalid base64 character \(quoted(String(c))) at offset \(offset)"
        case .invalidLength(let n): "base64 text of \(n) characters cannot be complete (length mod 4 is 1)"
        case .misplacedPadding(let offset): "base64 padding '=' at offset \(offset) is followed by data"
        }
    }
}

enum Base64 {
    private static func sextet(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x41...0x5A: byte - 0x41
        case 0x61...0x7A: byte - 0x61 + 26
        case 0x30...0x39: byte - 0x30 + 52
        case 0x2B: 62  // +
        case 0x2F: 63  // /
        default: nil
        }
    }

    /// Decodes standard-alphabet base64, padding optional. Whitespace is not allowed.
    static func decode<S: StringProtocol>(_ text: S) -> Result<[UInt8], Base64Error> {
        let bytes = Array(text.utf8)
        var end = bytes.count
        var padding = 0
        while end > 0, bytes[end - 1] == 0x3D, padding < 2 {
            end -= 1
            padding += 1
        }
        var out: [UInt8] = []
        out.reserveCapacity(end * 3 / 4)
        var acc: UInt32 = 0
        var bits = 0
        for i in 0..<end {
            let b = bytes[i]
            if b == 0x3D { return .failure(.misplacedPadding(offset: i)) }
            guard let v = sextet(b) else {
                let scalar = Character(Unicode.Scalar(b))
                return .failure(.invalidCharacter(offset: i, character: scalar))
            }
            acc = (acc << 6) | UInt32(v)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: acc >> UInt32(bits)))
                acc &= (1 << UInt32(bits)) - 1
            }
        }
        if end % 4 == 1 { return .failure(.invalidLength(end)) }
        return .success(out)
    }

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Encodes with padding (used to render key material back in reports).
    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i < bytes.count {
            let b0 = UInt32(bytes[i])
            let b1 = i + 1 < bytes.count ? UInt32(bytes[i + 1]) : 0
            let b2 = i + 2 < bytes.count ? UInt32(bytes[i + 2]) : 0
            let n = (b0 << 16) | (b1 << 8) | b2
            out.append(alphabet[Int((n >> 18) & 63)])
            out.append(alphabet[Int((n >> 12) & 63)])
            out.append(i + 1 < bytes.count ? alphabet[Int((n >> 6) & 63)] : 0x3D)
            out.append(i + 2 < bytes.count ? alphabet[Int(n & 63)] : 0x3D)
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
