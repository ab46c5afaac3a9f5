// Bounds-checked big- and little-endian reads over a slice of a frame.
//
// Every read from capture data in this module goes through these accessors: they return nil
// when the bytes are not there, so no parser can index past the captured data. Offsets are the
// slice's own indices (absolute offsets into the frame), so views built from them stay valid
// against the original buffer.

extension ArraySlice where Element == UInt8 {
    /// The byte at absolute index `i`, or nil when outside the slice.
    @inlinable
    func u8(at i: Int) -> UInt8? {
        i >= startIndex && i < endIndex ? self[i] : nil
    }

    /// A big-endian (network order) 16-bit value at absolute index `i`.
    @inlinable
    func be16(at i: Int) -> UInt16? {
        guard i >= startIndex, i <= endIndex &- 2 else { return nil }
        return UInt16(self[i]) << 8 | UInt16(self[i &+ 1])
    }

    /// A big-endian 24-bit value at absolute index `i`.
    @inlinable
    func be24(at i: Int) -> UInt32? {
        guard i >= startIndex, i <= endIndex &- 3 else { return nil }
        return UInt32(self[i]) << 16 | UInt32(self[i &+ 1]) << 8 | UInt32(self[i &+ 2])
    }

    /// A big-endian 32-bit value at absolute index `i`.
    @inlinable
    func be32(at i: Int) -> UInt32? {
        guard i >= startIndex, i <= endIndex &- 4 else { return nil }
        return UInt32(self[i]) << 24 | UInt32(self[i &+ 1]) << 16 | UInt32(self[i &+ 2]) << 8
            | UInt32(self[i &+ 3])
    }

    /// A big-endian 48-bit value at absolute index `i`.
    @inlinable
    func be48(at i: Int) -> UInt64? {
        guard i >= startIndex, i <= endIndex &- 6 else { return nil }
        var v: UInt64 = 0
        for k in 0..<6 { v = v << 8 | UInt64(self[i &+ k]) }
        return v
    }

    /// A big-endian 64-bit value at absolute index `i`.
    @inlinable
    func be64(at i: Int) -> UInt64? {
        guard let hi = be32(at: i), let lo = be32(at: i &+ 4) else { return nil }
        return UInt64(hi) << 32 | UInt64(lo)
    }

    /// A little-endian 32-bit value at absolute index `i`.
    @inlinable
    func le32(at i: Int) -> UInt32? {
        guard let v = be32(at: i) else { return nil }
        return v.byteSwapped
    }

    /// True when `count` bytes starting at absolute index `i` are inside the slice.
    @inlinable
    func has(_ count: Int, at i: Int) -> Bool {
        count >= 0 && i >= startIndex && i <= endIndex &- count
    }
}

/// The 16-bit one's-complement sum of RFC 1071 over `bytes`, added to `initial` (not folded, not inverted).
///
/// Used for the IPv4 header checksum (RFC 791 §3.1) and the UDP/TCP checksums with their pseudo-headers
/// (RFC 768, RFC 9293 §3.1, RFC 8200 §8.1).
@inlinable
func onesComplementSum(_ bytes: ArraySlice<UInt8>, initial: UInt64 = 0) -> UInt64 {
    var sum = initial
    var i = bytes.startIndex
    let end = bytes.endIndex
    while i &+ 1 < end {
        sum &+= UInt64(bytes[i]) << 8 | UInt64(bytes[i &+ 1])
        i &+= 2
    }
    if i < end { sum &+= UInt64(bytes[i]) << 8 }
    return sum
}

/// Folds a one's-complement sum to 16 bits (RFC 1071 §4.1).
@inlinable
func foldChecksum(_ sum: UInt64) -> UInt16 {
    var s = sum
    while s > 0xFFFF { s = (s & 0xFFFF) &+ (s >> 16) }
    return UInt16(truncatingIfNeeded: s)
}
