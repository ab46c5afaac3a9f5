// Finding a byte with the C library's `memchr`: line ends in SIP header sections and SDP bodies.
//
// Why not a Swift loop: under the fuzzer every comparison in this module's code is instrumented
// (libFuzzer's `-fsanitize-coverage` calls a hook per compare), which made a byte-by-byte scan for
// LF the single largest cost of a SIP execution; libc is not instrumented, and its `memchr` is
// vectorised besides.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Offset of the first `byte` in `buffer` at or after `start`, or nil.
func firstOffset(of byte: UInt8, in buffer: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
    guard let base = buffer.baseAddress, start >= 0, start < buffer.count else { return nil }
    guard let found = memchr(base + start, Int32(byte), buffer.count - start) else { return nil }
    return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
}

/// The lines of `buffer` as offset ranges, split at LF with one CR before each LF dropped; a final
/// line without LF is kept (the rule of `splitLines`).
func lineRanges(_ buffer: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
    var out: [Range<Int>] = []
    var start = 0
    while let lf = firstOffset(of: 0x0A, in: buffer, from: start) {
        var end = lf
        if end > start, buffer[end - 1] == 0x0D { end -= 1 }
        out.append(start..<end)
        start = lf + 1
    }
    if start < buffer.count {
        var end = buffer.count
        if buffer[end - 1] == 0x0D { end -= 1 }
        out.append(start..<end)
    }
    return out
}
