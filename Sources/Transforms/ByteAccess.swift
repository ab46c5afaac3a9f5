/// Big-endian loads and stores on raw buffers. Callers check bounds before calling (every caller does
/// so through a layout type that has validated the lengths); these helpers only assemble bytes.
extension UnsafeRawBufferPointer {
    @inline(__always) func be16(_ offset: Int) -> UInt16 {
        UInt16(self[offset]) << 8 | UInt16(self[offset + 1])
    }
    @inline(__always) func be32(_ offset: Int) -> UInt32 {
        UInt32(self[offset]) << 24 | UInt32(self[offset + 1]) << 16 | UInt32(self[offset + 2]) << 8
            | UInt32(self[offset + 3])
    }
    @inline(__always) func be48(_ offset: Int) -> UInt64 {
        UInt64(be16(offset)) << 32 | UInt64(be32(offset + 2))
    }
}

extension UnsafeMutableRawBufferPointer {
    @inline(__always) func storeBE16(_ value: UInt16, at offset: Int) {
        self[offset] = UInt8(truncatingIfNeeded: value >> 8)
        self[offset + 1] = UInt8(truncatingIfNeeded: value)
    }
    @inline(__always) func storeBE32(_ value: UInt32, at offset: Int) {
        for i in 0..<4 { self[offset + i] = UInt8(truncatingIfNeeded: value >> (24 - 8 * UInt32(i))) }
    }
    @inline(__always) func storeBE48(_ value: UInt64, at offset: Int) {
        for i in 0..<6 { self[offset + i] = UInt8(truncatingIfNeeded: value >> (40 - 8 * UInt64(i))) }
    }
}

/// A comparison whose time does not depend on where the first difference is.
@inline(__always)
func constantTimeEqual(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer, count: Int) -> Bool {
    guard a.count >= count, b.count >= count else { return false }
    var diff: UInt8 = 0
    for i in 0..<count { diff |= a[i] ^ b[i] }
    return diff == 0
}
