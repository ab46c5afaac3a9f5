/// The Internet checksum (RFC 1071) for code outside this module that builds or rewrites packets: the
/// decrypted-capture writer fixes IPv4 and UDP checksums with it, and the synthesizer writes them. One
/// implementation, the same the decoder verifies with.
public enum InternetChecksum {
    /// The one's-complement sum (not folded, not inverted) of `bytes`, added to `initial`.
    ///
    /// Summed in big-endian 32-bit words (RFC 1071 §2(B): the folded sum does not depend on the word
    /// size, since 2^16 ≡ 1 modulo 2^16 − 1), then a 16-bit word and a last odd byte as the high half of
    /// one: a quarter of the loop of a byte-pair sum, for the decrypted-capture writer's UDP checksum
    /// over every packet. The unfolded value differs from a 16-bit sum's; folded, it is the same.
    public static func sum(_ bytes: UnsafeRawBufferPointer, initial: UInt64 = 0) -> UInt64 {
        var sum = initial
        let n = bytes.count
        var i = 0
        while i &+ 4 <= n {
            sum &+= UInt64(UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt32.self)))
            i &+= 4
        }
        if i &+ 2 <= n {
            sum &+= UInt64(bytes[i]) << 8 | UInt64(bytes[i &+ 1])
            i &+= 2
        }
        if i < n { sum &+= UInt64(bytes[i]) << 8 }
        return sum
    }

    public static func sum(_ bytes: ArraySlice<UInt8>, initial: UInt64 = 0) -> UInt64 {
        onesComplementSum(bytes, initial: initial)
    }

    /// The checksum field's value for a sum: folded to 16 bits and inverted (RFC 1071 §4.1).
    public static func finish(_ sum: UInt64) -> UInt16 {
        ~foldChecksum(sum)
    }
}
