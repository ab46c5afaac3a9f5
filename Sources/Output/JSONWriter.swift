/// A streaming JSON writer: appends tokens straight into a growable byte buffer, with commas and nesting
/// tracked by a small bit stack, so that one object per frame can be printed without building a tree.
///
/// A noncopyable struct owning raw memory: appends are plain stores, with neither copy-on-write checks
/// (as an `[UInt8]` would have) nor dynamic exclusivity checks (as a class's properties would), which
/// matters when millions of frames are printed. It writes compact JSON with strings escaped per RFC 8259 §7 and
/// never fails; invalid UTF-8 in a string is passed through as Swift's String already repaired it.
public struct JSONWriter: ~Copyable {
    private var storage: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    public private(set) var count = 0
    /// Bit i set: the container at depth i already has an element (so the next needs a comma).
    private var hasElementBits: UInt64 = 0
    private var depth = 0
    /// After a key, the next value must not be preceded by a comma.
    private var afterKey = false

    public init(capacity: Int = 4096) {
        self.capacity = max(64, capacity)
        storage = .allocate(capacity: self.capacity)
    }

    deinit { storage.deallocate() }

    /// The bytes written so far.
    public var bytes: [UInt8] { Array(UnsafeBufferPointer(start: storage, count: count)) }

    /// Calls `body` with the bytes written so far, without copying them.
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: storage, count: count))
    }

    /// Empties the buffer for reuse, keeping its capacity.
    public mutating func reset() {
        count = 0
        hasElementBits = 0
        depth = 0
        afterKey = false
    }

    // MARK: - Raw appends

    @inline(__always)
    private mutating func reserve(_ n: Int) {
        if count + n > capacity { grow(count + n) }
    }

    private mutating func grow(_ needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let newStorage = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newStorage.update(from: storage, count: count)
        storage.deallocate()
        storage = newStorage
        capacity = newCapacity
    }

    @inline(__always)
    private mutating func put(_ b: UInt8) {
        reserve(1)
        storage[count] = b
        count += 1
    }

    @inline(__always)
    private mutating func put(_ buffer: UnsafeBufferPointer<UInt8>) {
        reserve(buffer.count)
        if let base = buffer.baseAddress { (storage + count).update(from: base, count: buffer.count) }
        count += buffer.count
    }

    @inline(__always)
    private mutating func separate() {
        if afterKey {
            afterKey = false
            return
        }
        guard depth > 0 else { return }
        let bit: UInt64 = 1 << UInt64((depth - 1) & 63)
        if hasElementBits & bit != 0 { put(UInt8(ascii: ",")) }
        hasElementBits |= bit
    }

    // MARK: - Structure

    public mutating func beginObject() {
        separate()
        put(UInt8(ascii: "{"))
        open()
    }

    public mutating func endObject() {
        put(UInt8(ascii: "}"))
        close()
    }

    public mutating func beginArray() {
        separate()
        put(UInt8(ascii: "["))
        open()
    }

    public mutating func endArray() {
        put(UInt8(ascii: "]"))
        close()
    }

    @inline(__always)
    private mutating func open() {
        depth += 1
        hasElementBits &= ~(1 << UInt64((depth - 1) & 63))
    }

    @inline(__always)
    private mutating func close() {
        if depth > 0 { depth -= 1 }
    }

    public mutating func key(_ k: StaticString) {
        separate()
        reserve(k.utf8CodeUnitCount + 3)
        storage[count] = UInt8(ascii: "\"")
        count += 1
        // Keys are ASCII identifiers written in the source: no escaping needed.
        (storage + count).update(from: k.utf8Start, count: k.utf8CodeUnitCount)
        count += k.utf8CodeUnitCount
        storage[count] = UInt8(ascii: "\"")
        storage[count + 1] = UInt8(ascii: ":")
        count += 2
        afterKey = true
    }

    public mutating func key(dynamic k: String) {
        separate()
        appendEscaped(k)
        put(UInt8(ascii: ":"))
        afterKey = true
    }

    // MARK: - Values

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
            put4(0x74, 0x72, 0x75, 0x65)  // true
        } else {
            put4(0x66, 0x61, 0x6C, 0x73)  // fals
            put(0x65)  // e
        }
    }

    /// A finite double; NaN and infinities (not JSON) are written as null.
    public mutating func value(_ v: Double) {
        separate()
        if v.isFinite {
            var s = "\(v)"
            s.withUTF8 { put($0) }
        } else {
            put4(0x6E, 0x75, 0x6C, 0x6C)
        }
    }

    public mutating func null() {
        separate()
        put4(0x6E, 0x75, 0x6C, 0x6C)
    }

    /// Writes `"0x…"` lowercase hex of at least `width` digits, as a JSON string.
    public mutating func hexValue(_ v: UInt64, width: Int) {
        separate()
        put(UInt8(ascii: "\""))
        put(UInt8(ascii: "0"))
        put(UInt8(ascii: "x"))
        appendHex(v, width: width)
        put(UInt8(ascii: "\""))
    }

    /// Writes bytes as a lowercase hex string.
    public mutating func hexBytes<C: Collection>(_ data: C) where C.Element == UInt8 {
        separate()
        reserve(data.count * 2 + 2)
        put(UInt8(ascii: "\""))
        for b in data {
            storage[count] = hexDigit(b >> 4)
            storage[count + 1] = hexDigit(b & 0xF)
            count += 2
        }
        put(UInt8(ascii: "\""))
    }

    /// A dotted-quad IPv4 address (as a JSON string), without building a String.
    public mutating func ipv4Value(_ v: UInt32) {
        separate()
        put(UInt8(ascii: "\""))
        appendDottedQuad(v)
        put(UInt8(ascii: "\""))
    }

    /// A MAC address `aa:bb:cc:dd:ee:ff` (the low 48 bits of `v`), as a JSON string.
    public mutating func macValue(_ v: UInt64) {
        separate()
        reserve(19)
        storage[count] = UInt8(ascii: "\"")
        count += 1
        for i in 0..<6 {
            let b = UInt8(truncatingIfNeeded: v >> UInt64((5 - i) * 8))
            storage[count] = hexDigit(b >> 4)
            storage[count + 1] = hexDigit(b & 0xF)
            storage[count + 2] = i == 5 ? UInt8(ascii: "\"") : UInt8(ascii: ":")
            count += 3
        }
    }

    /// An IPv4 `a.b.c.d:port` endpoint (as a JSON string), without building a String.
    public mutating func ipv4EndpointValue(_ v: UInt32, port: UInt16) {
        separate()
        put(UInt8(ascii: "\""))
        appendDottedQuad(v)
        put(UInt8(ascii: ":"))
        appendDecimal(UInt64(port), negative: false)
        put(UInt8(ascii: "\""))
    }

    /// A fixed-point decimal `seconds.nnnnnnnnn` as a JSON string (timestamps keep nanoseconds exactly).
    public mutating func secondsValue(_ seconds: Int64, nanoseconds: UInt32) {
        secondsValue(magnitude: seconds.magnitude, negative: seconds < 0, nanoseconds: nanoseconds)
    }

    /// The same from a sign and a magnitude (a difference of two timestamps may not fit in an Int64).
    public mutating func secondsValue(magnitude seconds: UInt64, negative: Bool, nanoseconds: UInt32) {
        separate()
        put(UInt8(ascii: "\""))
        appendDecimal(seconds, negative: negative)
        put(UInt8(ascii: "."))
        appendPadded(UInt64(nanoseconds), width: 9)
        put(UInt8(ascii: "\""))
    }

    /// UTC `YYYY-MM-DDThh:mm:ss.nnnnnnnnnZ` (RFC 3339), written digit by digit.
    public mutating func iso8601Value(seconds: Int64, nanoseconds: UInt32) {
        separate()
        let (days, secondOfDay) = TimeFormatting.daysAndSecondOfDay(seconds)
        let (y, m, d) = TimeFormatting.civilDate(daysSinceEpoch: days)
        put(UInt8(ascii: "\""))
        appendPadded(UInt64(max(0, y)), width: 4)
        put(UInt8(ascii: "-"))
        appendPadded(UInt64(m), width: 2)
        put(UInt8(ascii: "-"))
        appendPadded(UInt64(d), width: 2)
        put(UInt8(ascii: "T"))
        appendPadded(UInt64(secondOfDay / 3600), width: 2)
        put(UInt8(ascii: ":"))
        appendPadded(UInt64(secondOfDay % 3600 / 60), width: 2)
        put(UInt8(ascii: ":"))
        appendPadded(UInt64(secondOfDay % 60), width: 2)
        put(UInt8(ascii: "."))
        appendPadded(UInt64(nanoseconds), width: 9)
        put(UInt8(ascii: "Z"))
        put(UInt8(ascii: "\""))
    }

    /// Raw, already-valid JSON text (e.g. a newline between top-level values).
    public mutating func raw(_ byte: UInt8) {
        put(byte)
    }

    // MARK: - Encoding helpers

    @inline(__always)
    private mutating func put4(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        reserve(4)
        storage[count] = a
        storage[count + 1] = b
        storage[count + 2] = c
        storage[count + 3] = d
        count += 4
    }

    @inline(__always)
    private func hexDigit(_ n: UInt8) -> UInt8 {
        n < 10 ? 0x30 + n : 0x57 + n
    }

    private mutating func appendDottedQuad(_ v: UInt32) {
        appendDecimal(UInt64(v >> 24), negative: false)
        put(UInt8(ascii: "."))
        appendDecimal(UInt64(v >> 16 & 0xFF), negative: false)
        put(UInt8(ascii: "."))
        appendDecimal(UInt64(v >> 8 & 0xFF), negative: false)
        put(UInt8(ascii: "."))
        appendDecimal(UInt64(v & 0xFF), negative: false)
    }

    private mutating func appendHex(_ v: UInt64, width: Int) {
        var digits = 1
        while digits < 16, v >> UInt64(digits * 4) != 0 { digits += 1 }
        let total = max(width, digits)
        reserve(total)
        for i in 0..<total {
            let shift = (total - 1 - i) * 4
            storage[count + i] = shift >= 64 ? 0x30 : hexDigit(UInt8((v >> UInt64(shift)) & 0xF))
        }
        count += total
    }

    private mutating func appendPadded(_ v: UInt64, width: Int) {
        var digits = 1
        var t = v / 10
        while t > 0 {
            digits += 1
            t /= 10
        }
        let total = max(width, digits)
        reserve(total)
        var x = v
        var i = total - 1
        while i >= 0 {
            storage[count + i] = 0x30 + UInt8(x % 10)
            x /= 10
            i -= 1
        }
        count += total
    }

    private mutating func appendDecimal(_ v: UInt64, negative: Bool) {
        if negative { put(UInt8(ascii: "-")) }
        appendPadded(v, width: 1)
    }

    private mutating func appendEscaped(_ s: String) {
        put(UInt8(ascii: "\""))
        var copy = s
        copy.withUTF8 { utf8 in
            reserve(utf8.count)
            for b in utf8 {
                switch b {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                    put(0x5C)
                    put(b)
                case 0x0A:
                    put(0x5C)
                    put(UInt8(ascii: "n"))
                case 0x0D:
                    put(0x5C)
                    put(UInt8(ascii: "r"))
                case 0x09:
                    put(0x5C)
                    put(UInt8(ascii: "t"))
                case 0..<0x20:
                    put4(0x5C, UInt8(ascii: "u"), 0x30, 0x30)
                    put(hexDigit(b >> 4))
                    put(hexDigit(b & 0xF))
                default:
                    put(b)
                }
            }
        }
        put(UInt8(ascii: "\""))
    }
}
