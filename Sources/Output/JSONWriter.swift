/// A streaming JSON writer: appends tokens straight into a byte buffer, with commas and nesting tracked
/// by a small stack, so that one object per frame can be printed without building a tree in memory.
///
/// It writes compact JSON (one object per line when `newlineAfterTopLevel` is set, as JSON Lines) with
/// strings escaped per RFC 8259 §7. It never fails: invalid UTF-8 in a string is replaced (U+FFFD).
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    /// One entry per open container: whether it has had an element yet.
    private var hasElement: [Bool] = []
    /// After a key, the next value must not be preceded by a comma.
    private var afterKey = false

    public init(capacity: Int = 4096) {
        bytes.reserveCapacity(capacity)
    }

    /// Empties the buffer for reuse, keeping its capacity.
    public mutating func reset() {
        bytes.removeAll(keepingCapacity: true)
        hasElement.removeAll(keepingCapacity: true)
        afterKey = false
    }

    @inline(__always)
    private mutating func separate() {
        if afterKey {
            afterKey = false
            return
        }
        if let last = hasElement.last {
            if last { bytes.append(UInt8(ascii: ",")) }
            hasElement[hasElement.count - 1] = true
        }
    }

    public mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        hasElement.append(false)
    }

    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        _ = hasElement.popLast()
    }

    public mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        hasElement.append(false)
    }

    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        _ = hasElement.popLast()
    }

    public mutating func key(_ k: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        k.withUTF8Buffer { bytes.append(contentsOf: $0) }  // keys are ASCII identifiers: no escaping
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        afterKey = true
    }

    public mutating func key(dynamic k: String) {
        separate()
        appendEscaped(k)
        bytes.append(UInt8(ascii: ":"))
        afterKey = true
    }

    public mutating func value(_ s: String) {
        separate()
        appendEscaped(s)
    }

    public mutating func value(_ v: Int) {
        separate()
        appendDecimal(UInt64(v.magnitude), negative: v < 0)
    }

    public mutating func value(_ v: UInt64) {
        separate()
        appendDecimal(v, negative: false)
    }

    public mutating func value(_ v: Bool) {
        separate()
        if v {
            bytes.append(contentsOf: [0x74, 0x72, 0x75, 0x65])  // true
        } else {
            bytes.append(contentsOf: [0x66, 0x61, 0x6C, 0x73, 0x65])  // false
        }
    }

    /// A finite double; NaN and infinities (not JSON) are written as null.
    public mutating func value(_ v: Double) {
        separate()
        if v.isFinite {
            var s = "\(v)"
            s.withUTF8 { bytes.append(contentsOf: $0) }
        } else {
            bytes.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
        }
    }

    public mutating func null() {
        separate()
        bytes.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
    }

    /// Writes `"0x%08x"`-style lowercase hex of a fixed width, as a JSON string.
    public mutating func hexValue(_ v: UInt64, width: Int) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: "0"))
        bytes.append(UInt8(ascii: "x"))
        appendHex(v, width: width)
        bytes.append(UInt8(ascii: "\""))
    }

    /// Writes bytes as a lowercase hex string.
    public mutating func hexBytes<C: Collection>(_ data: C) where C.Element == UInt8 {
        separate()
        bytes.append(UInt8(ascii: "\""))
        for b in data {
            bytes.append(hexDigit(b >> 4))
            bytes.append(hexDigit(b & 0xF))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Raw, already-valid JSON text (e.g. a newline between top-level values).
    public mutating func raw(_ byte: UInt8) {
        bytes.append(byte)
    }

    // MARK: - Encoding helpers

    @inline(__always)
    private func hexDigit(_ n: UInt8) -> UInt8 {
        n < 10 ? 0x30 + n : 0x57 + n
    }

    private mutating func appendHex(_ v: UInt64, width: Int) {
        var digits = 0
        var t = v
        repeat {
            digits += 1
            t >>= 4
        } while t != 0
        for _ in 0..<max(0, width - digits) { bytes.append(0x30) }
        var shift = (digits - 1) * 4
        while shift >= 0 {
            bytes.append(hexDigit(UInt8((v >> UInt64(shift)) & 0xF)))
            shift -= 4
        }
    }

    private mutating func appendDecimal(_ v: UInt64, negative: Bool) {
        if negative { bytes.append(UInt8(ascii: "-")) }
        if v == 0 {
            bytes.append(0x30)
            return
        }
        var tmp: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                  UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        var x = v
        withUnsafeMutableBytes(of: &tmp) { buf in
            while x > 0 {
                buf[n] = 0x30 + UInt8(x % 10)
                x /= 10
                n += 1
            }
            while n > 0 {
                n -= 1
                bytes.append(buf[n])
            }
        }
    }

    private mutating func appendEscaped(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        var copy = s
        copy.withUTF8 { utf8 in
            for b in utf8 {
                switch b {
                case UInt8(ascii: "\""): bytes.append(0x5C); bytes.append(b)
                case UInt8(ascii: "\\"): bytes.append(0x5C); bytes.append(b)
                case 0x0A: bytes.append(0x5C); bytes.append(UInt8(ascii: "n"))
                case 0x0D: bytes.append(0x5C); bytes.append(UInt8(ascii: "r"))
                case 0x09: bytes.append(0x5C); bytes.append(UInt8(ascii: "t"))
                case 0..<0x20:
                    bytes.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30])
                    bytes.append(hexDigit(b >> 4))
                    bytes.append(hexDigit(b & 0xF))
                default: bytes.append(b)
                }
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
