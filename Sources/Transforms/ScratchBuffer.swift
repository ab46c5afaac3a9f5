/// A byte buffer that grows to the largest size asked of it and is then reused, so that the packet path
/// stops allocating after the first large packet.
final class ScratchBuffer {
    private(set) var bytes: UnsafeMutableRawBufferPointer

    init(capacity: Int = 2048) {
        bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
    }

    deinit { bytes.deallocate() }

    /// The first `count` bytes, growing the buffer if needed (contents unspecified).
    func take(_ count: Int) -> UnsafeMutableRawBufferPointer {
        if count > bytes.count {
            bytes.deallocate()
            bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 2 * bytes.count), alignment: 16)
        }
        return UnsafeMutableRawBufferPointer(rebasing: bytes[0..<count])
    }
}

extension UnsafeMutableRawBufferPointer {
    /// The bytes in `range` as a buffer of their own (callers pass ranges they have checked).
    @inline(__always) func slice(_ range: Range<Int>) -> UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(rebasing: self[range])
    }
}
