/// Big-endian encoders and base64, the few byte helpers the builders share.
@inline(__always) func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(truncatingIfNeeded: v)] }
@inline(__always) func be32(_ v: UInt32) -> [UInt8] {
    [
        UInt8(v >> 24), UInt8(truncatingIfNeeded: v >> 16), UInt8(truncatingIfNeeded: v >> 8),
        UInt8(truncatingIfNeeded: v),
    ]
}

extension Array where Element == UInt8 {
    mutating func appendBE16(_ v: UInt16) { append(contentsOf: be16(v)) }
    mutating func appendBE32(_ v: UInt32) { append(contentsOf: be32(v)) }
}

/// Hex of bytes, lower case, no separators.
func hexString(_ bytes: some Sequence<UInt8>) -> String { bytes.map { hex2($0) }.joined() }

/// RFC 4648 §4 base64 with padding.
func base64(_ bytes: [UInt8]) -> String {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
    var out = ""
    var i = 0
    while i < bytes.count {
        let b0 = Int(bytes[i])
        let b1 = i + 1 < bytes.count ? Int(bytes[i + 1]) : 0
        let b2 = i + 2 < bytes.count ? Int(bytes[i + 2]) : 0
        out.append(alphabet[b0 >> 2])
        out.append(alphabet[((b0 & 3) << 4) | (b1 >> 4)])
        out.append(i + 1 < bytes.count ? alphabet[((b1 & 15) << 2) | (b2 >> 6)] : "=")
        out.append(i + 2 < bytes.count ? alphabet[b2 & 63] : "=")
        i += 3
    }
    return out
}
