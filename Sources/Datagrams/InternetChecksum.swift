/// The Internet checksum (RFC 1071) for code outside this module that builds or rewrites packets: the
/// decrypted-capture writer fixes IPv4 and UDP checksums with it, and the synthesizer writes them. One
/// implementation, the same the decoder verifies with.
public enum InternetChecksum {
    /// The one's-complement sum (not folded, not inverted) of `bytes`, added to `initial`.
    public static func sum(_ bytes: UnsafeRawBufferPointer, initial: UInt64 = 0) -> UInt64 {
        ByteView(bytes).onesComplementSum(0..<bytes.count, initial: initial)
    }

    public static func sum(_ bytes: ArraySlice<UInt8>, initial: UInt64 = 0) -> UInt64 {
        onesComplementSum(bytes, initial: initial)
    }

    /// The checksum field's value for a sum: folded to 16 bits and inverted (RFC 1071 §4.1).
    public static func finish(_ sum: UInt64) -> UInt16 {
        ~foldChecksum(sum)
    }
}
