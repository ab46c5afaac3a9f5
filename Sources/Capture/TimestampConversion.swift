/// Conversions between a count of `TimestampResolution` units and `Timestamp`
/// (draft-ietf-opsawg-pcapng §4.3: an EPB timestamp is a 64-bit count of `if_tsresol` units since
/// 1970-01-01 00:00:00 UTC, to which `if_tsoffset` seconds are added).
extension TimestampResolution {
    /// Units per second for a decimal resolution (10^exponent); nil for binary or out-of-range ones.
    @inlinable
    var decimalUnitsPerSecond: UInt64? {
        guard !isBinary, exponent <= 19 else { return nil }
        var v: UInt64 = 1
        for _ in 0..<exponent { v &*= 10 }
        return v
    }

    /// The timestamp `units` counts of this resolution after the epoch, plus `offset` seconds.
    /// Unsupported resolutions must be replaced by the caller before this is called; they give 0.
    func timestamp(units: UInt64, offset: Int64) -> Timestamp {
        if let perSecond = decimalUnitsPerSecond {
            let seconds = units / perSecond
            let fraction = units % perSecond
            let nanos: UInt64
            if exponent <= 9 {
                var scale: UInt64 = 1
                for _ in exponent..<9 { scale &*= 10 }
                nanos = fraction &* scale
            } else {
                var scale: UInt64 = 1
                for _ in 9..<exponent { scale &*= 10 }
                nanos = fraction / scale
            }
            return Timestamp(seconds: Int64(truncatingIfNeeded: seconds) &+ offset, nanoseconds: UInt32(truncatingIfNeeded: nanos))
        }
        guard isBinary, exponent <= 63 else { return Timestamp(seconds: offset, nanoseconds: 0) }
        let seconds = units >> UInt64(exponent)
        let fraction = units & ((1 << UInt64(exponent)) &- 1)
        // fraction · 10^9 / 2^e, in 128 bits so that e up to 63 cannot overflow.
        let product = fraction.multipliedFullWidth(by: 1_000_000_000)
        let nanos = exponent == 0 ? 0 : (product.low >> UInt64(exponent)) | (product.high << UInt64(64 - exponent))
        return Timestamp(seconds: Int64(truncatingIfNeeded: seconds) &+ offset, nanoseconds: UInt32(truncatingIfNeeded: nanos))
    }

    /// The count of units for `timestamp` minus `offset` seconds: the inverse of `timestamp(units:offset:)`.
    /// Binary fractions round up so that a value read from a file converts back to the same count.
    func units(for timestamp: Timestamp, offset: Int64) -> UInt64 {
        let seconds = UInt64(truncatingIfNeeded: timestamp.seconds &- offset)
        let nanos = UInt64(timestamp.nanoseconds)
        if let perSecond = decimalUnitsPerSecond {
            let fraction: UInt64
            if exponent <= 9 {
                var scale: UInt64 = 1
                for _ in exponent..<9 { scale &*= 10 }
                fraction = nanos / scale
            } else {
                var scale: UInt64 = 1
                for _ in 9..<exponent { scale &*= 10 }
                fraction = nanos &* scale
            }
            return seconds &* perSecond &+ fraction
        }
        guard isBinary, exponent <= 63 else { return 0 }
        // ceil(nanos · 2^e / 10^9)
        let shifted = nanos.multipliedFullWidth(by: exponent == 0 ? 1 : (1 << UInt64(exponent)))
        let (q, r) = UInt64(1_000_000_000).dividingFullWidth(shifted)
        let fraction = q &+ (r == 0 ? 0 : 1)
        return (seconds << UInt64(exponent)) &+ fraction
    }
}

/// An interface's timestamp conversion with its constants worked out once, for the per-packet path.
struct PacketClock {
    let resolution: TimestampResolution
    let offset: Int64
    /// Decimal resolutions: units per second, and the factor between a unit and a nanosecond.
    let perSecond: UInt64
    let scale: UInt64
    let finerThanNanoseconds: Bool

    init(_ resolution: TimestampResolution, offset: Int64) {
        self.resolution = resolution
        self.offset = offset
        perSecond = resolution.decimalUnitsPerSecond ?? 0
        var scale: UInt64 = 1
        let e = resolution.exponent
        if e <= 9 { for _ in e..<9 { scale &*= 10 } } else { for _ in 9..<min(e, 19) { scale &*= 10 } }
        self.scale = scale
        finerThanNanoseconds = e > 9
    }

    @inline(__always)
    func timestamp(units: UInt64) -> Timestamp {
        guard perSecond != 0 else { return resolution.timestamp(units: units, offset: offset) }
        let (seconds, fraction) = units.quotientAndRemainder(dividingBy: perSecond)
        let nanos = finerThanNanoseconds ? fraction / scale : fraction &* scale
        return Timestamp(seconds: Int64(truncatingIfNeeded: seconds) &+ offset, nanoseconds: UInt32(truncatingIfNeeded: nanos))
    }
}
