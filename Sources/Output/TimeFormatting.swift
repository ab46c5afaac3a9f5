import Capture

/// Formats capture timestamps without Foundation's formatters (which are slow enough to dominate a
/// dissection of millions of frames).
enum TimeFormatting {
    /// `2013-03-15T15:00:00.000000000Z`: UTC, nanoseconds always shown.
    static func iso8601(_ t: Timestamp) -> String {
        let (days, secondOfDay) = daysAndSecondOfDay(t.seconds)
        let (y, m, d) = civilDate(daysSinceEpoch: days)
        let hh = secondOfDay / 3600
        let mm = (secondOfDay % 3600) / 60
        let ss = secondOfDay % 60
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(hh, 2)):\(pad(mm, 2)):\(pad(ss, 2)).\(pad(Int64(t.nanoseconds), 9))Z"
    }

    /// Seconds with nine decimals, relative to `origin` (tshark's `frame.time_relative`); negative when
    /// a frame is earlier than the first one.
    static func relative(_ t: Timestamp, to origin: Timestamp) -> String {
        let d = difference(t, from: origin)
        return (d.negative ? "-" : "") + "\(d.seconds).\(pad(Int64(d.nanoseconds), 9))"
    }

    /// `t - origin` as a sign and a magnitude, exact for any two timestamps a capture can hold: a pcapng
    /// timestamp's seconds may be anywhere in Int64 (a 64-bit count of units, with an offset), so the
    /// difference in nanoseconds, or even in seconds, may not fit in an Int64 (found by the
    /// `dissect-pass` fuzz target). The difference of two Int64 always fits in a UInt64.
    static func difference(_ t: Timestamp, from origin: Timestamp) -> (negative: Bool, seconds: UInt64, nanoseconds: UInt32) {
        let negative = t < origin
        let (later, earlier) = negative ? (origin, t) : (t, origin)
        var seconds = UInt64(bitPattern: later.seconds &- earlier.seconds)
        var nanoseconds = Int64(later.nanoseconds) - Int64(earlier.nanoseconds)
        if nanoseconds < 0 {
            // `later` is later, so its seconds are larger here: no wrap.
            nanoseconds += 1_000_000_000
            seconds &-= 1
        }
        return (negative, seconds, UInt32(clamping: nanoseconds))
    }

    /// Days since the epoch (rounded down) and the second within the day, for any Int64 (the obvious
    /// `(seconds - 86_399) / 86_400` overflows near Int64.min).
    static func daysAndSecondOfDay(_ seconds: Int64) -> (days: Int64, secondOfDay: Int64) {
        var days = seconds / 86_400
        var rest = seconds % 86_400
        if rest < 0 {
            days -= 1
            rest += 86_400
        }
        return (days, rest)
    }

    /// Days since 1970-01-01 to a proleptic Gregorian date (the era-based algorithm of H. Hinnant).
    static func civilDate(daysSinceEpoch: Int64) -> (Int64, Int64, Int64) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    static func pad(_ v: Int64, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}
