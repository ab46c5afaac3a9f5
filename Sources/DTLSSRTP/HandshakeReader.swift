/// A bounds-checked reader over handshake bytes: every read returns nil when the bytes run out, so a
/// truncated or lying length field ends the parse instead of trapping.
struct HandshakeReader {
    let bytes: ArraySlice<UInt8>
    private(set) var offset: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        offset = bytes.startIndex
    }

    var remaining: Int { bytes.endIndex - offset }
    var isAtEnd: Bool { offset >= bytes.endIndex }

    mutating func u8() -> UInt8? {
        guard remaining >= 1 else { return nil }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func u16() -> UInt16? {
        guard remaining >= 2 else { return nil }
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    mutating func u24() -> Int? {
        guard remaining >= 3 else { return nil }
        defer { offset += 3 }
        return Int(bytes[offset]) << 16 | Int(bytes[offset + 1]) << 8 | Int(bytes[offset + 2])
    }

    mutating func take(_ n: Int) -> ArraySlice<UInt8>? {
        guard n >= 0, remaining >= n else { return nil }
        defer { offset += n }
        return bytes[offset..<(offset + n)]
    }

    /// A vector with a 1-, 2- or 3-byte length prefix (RFC 5246 §4.3).
    mutating func vector8() -> ArraySlice<UInt8>? { u8().flatMap { take(Int($0)) } }
    mutating func vector16() -> ArraySlice<UInt8>? { u16().flatMap { take(Int($0)) } }
    mutating func vector24() -> ArraySlice<UInt8>? { u24().flatMap { take($0) } }
}
