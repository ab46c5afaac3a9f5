/// A cursor over one fuzz input, from which a target draws its choices and its pieces.
///
/// Every read is total: past the end it yields zeros or an empty slice, so that any byte string is a
/// valid input and libFuzzer's mutations never waste runs on inputs the harness rejects.
public struct FuzzInput {
    public let bytes: [UInt8]
    public private(set) var position = 0

    public init(_ start: UnsafeRawPointer, _ count: Int) {
        bytes = count > 0 ? Array(UnsafeRawBufferPointer(start: start, count: count)) : []
    }

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var isAtEnd: Bool { position >= bytes.count }
    public var remaining: Int { max(0, bytes.count - position) }

    public mutating func byte() -> UInt8 {
        guard position < bytes.count else { return 0 }
        defer { position += 1 }
        return bytes[position]
    }

    public mutating func u16() -> UInt16 { UInt16(byte()) << 8 | UInt16(byte()) }

    public mutating func u32() -> UInt32 { UInt32(u16()) << 16 | UInt32(u16()) }

    /// Up to `n` bytes (fewer at the end).
    public mutating func take(_ n: Int) -> ArraySlice<UInt8> {
        let end = min(bytes.count, position + max(0, n))
        defer { position = end }
        return bytes[min(position, end)..<end]
    }

    /// The rest of the input.
    public mutating func rest() -> ArraySlice<UInt8> { take(remaining) }

    /// A piece framed by a 2-byte big-endian length (cut short at the end of the input): how targets
    /// that consume a sequence (frames, segments, packets) split their input.
    public mutating func chunk() -> ArraySlice<UInt8> { take(Int(u16())) }

    /// Every length-prefixed piece to the end of the input, at most `limit` of them.
    public mutating func chunks(limit: Int = 256) -> [ArraySlice<UInt8>] {
        var out: [ArraySlice<UInt8>] = []
        while !isAtEnd && out.count < limit { out.append(chunk()) }
        return out
    }
}

/// Builds a seed in the format `chunk()` reads: each piece behind its 2-byte big-endian length.
public func lengthPrefixed(_ pieces: [[UInt8]]) -> [UInt8] {
    var out: [UInt8] = []
    for p in pieces {
        let n = min(p.count, 0xFFFF)
        out += [UInt8(n >> 8), UInt8(n & 0xFF)] + p.prefix(n)
    }
    return out
}
