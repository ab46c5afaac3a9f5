import Crypto

/// AES in f8 mode (RFC 3711 §4.1.2.2): IV' = E(k_e XOR m, IV) with m = k_s || 0x5555…, then
/// S(j) = E(k_e, IV' XOR j XOR S(j−1)), S(−1) = 0, XORed over the data.
///
/// Both AES contexts and the three 16-byte blocks are made once; `apply` allocates nothing.
final class F8Keystream {
    private let cipher: any AESBlockCipher
    private let maskedCipher: any AESBlockCipher
    /// ivPrime at 0, previous S(j−1) at 16, the block being built at 32.
    private let blocks = UnsafeMutableRawBufferPointer.allocate(byteCount: 48, alignment: 16)

    /// `salt` is the session salt k_s (RFC 3711's Appendix B.1 uses a 32-bit one; SRTP's is 112 bits).
    init(provider: any CryptoProvider, key: [UInt8], salt: [UInt8]) throws {
        cipher = try provider.makeAESBlockCipher(key: key)
        maskedCipher = try provider.makeAESBlockCipher(key: Self.maskedKey(key: key, salt: salt))
    }

    deinit { blocks.deallocate() }

    /// k_e XOR m, where m = k_s || 0x55… up to the key's length (§4.1.2.2).
    static func maskedKey(key: [UInt8], salt: [UInt8]) -> [UInt8] {
        key.enumerated().map { i, b in b ^ (i < salt.count ? salt[i] : 0x55) }
    }

    /// XORs the f8 keystream for the 16-byte `iv` over `data` in place.
    func apply(iv: UnsafeRawBufferPointer, to data: UnsafeMutableRawBufferPointer) throws {
        let ivPrime = UnsafeMutableRawBufferPointer(rebasing: blocks[0..<16])
        let previous = UnsafeMutableRawBufferPointer(rebasing: blocks[16..<32])
        let work = UnsafeMutableRawBufferPointer(rebasing: blocks[32..<48])
        try maskedCipher.encryptBlock(iv, into: ivPrime)
        for i in 0..<16 { previous[i] = 0 }
        var j: UInt64 = 0
        var offset = 0
        while offset < data.count {
            for i in 0..<16 { work[i] = ivPrime[i] ^ previous[i] }
            // j is a 128-bit big-endian counter; a packet never needs more than 64 bits of it.
            for i in 0..<8 { work[8 + i] ^= UInt8(truncatingIfNeeded: j >> (56 - 8 * UInt64(i))) }
            try cipher.encryptBlock(UnsafeRawBufferPointer(work), into: previous)
            let n = min(16, data.count - offset)
            for i in 0..<n { data[offset + i] ^= previous[i] }
            offset += n
            j += 1
        }
    }
}
