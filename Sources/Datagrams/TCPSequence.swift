/// TCP sequence arithmetic (RFC 9293 §3.4): sequence numbers wrap every 2^32 bytes, so a sequence number
/// names a stream offset only up to a multiple of 4 GiB. A connection may carry more than that (a long
/// video call over TCP does), so the offset meant is the one nearest an offset known to be close: the
/// next byte expected, or the last one seen.
public enum TCPSequence {
    /// The stream offset of `seq`, where `base` is the sequence number of offset 0: of every offset `seq`
    /// can name, the one within 2^31 bytes of `near`.
    @inline(__always)
    public static func offset(of seq: UInt32, base: UInt32, near: Int64) -> Int64 {
        near + Int64(Int32(bitPattern: seq &- (base &+ UInt32(truncatingIfNeeded: near))))
    }
}
