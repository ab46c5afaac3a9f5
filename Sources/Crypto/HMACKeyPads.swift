/// The two key blocks of HMAC (RFC 2104 §2): K XOR ipad and K XOR opad, each one SHA-1 block
/// (B = 64 bytes) long, K zero-padded to B. Both providers build HMAC-SHA1 from these blocks and their
/// library's SHA-1, absorbing each block once per key so that a packet costs no more than the library's
/// own HMAC, and restoring the absorbed states per packet without allocating (see crypto-providers.md).
struct HMACKeyPads {
    /// SHA-1's block length B (RFC 2104 §2, FIPS 180-4 §5.1.1).
    static let blockLength = 64
    static let sha1Length = 20

    var inner: [UInt8]
    var outer: [UInt8]

    /// `key` must be at most B bytes: RFC 2104 §2 hashes longer keys first, which the caller does with
    /// its library's SHA-1.
    init(key: [UInt8]) {
        inner = [UInt8](repeating: 0x36, count: Self.blockLength)
        outer = [UInt8](repeating: 0x5C, count: Self.blockLength)
        for (i, byte) in key.prefix(Self.blockLength).enumerated() {
            inner[i] ^= byte
            outer[i] ^= byte
        }
    }

    /// Overwrites the key material (the arrays are dropped right after the states are absorbed).
    mutating func wipe() {
        for i in inner.indices { inner[i] = 0 }
        for i in outer.indices { outer[i] = 0 }
    }
}
