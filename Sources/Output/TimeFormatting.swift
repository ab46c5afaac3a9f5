import Capture

/// Formats capture timestamps without Foundation's formatters (which are slow enough to dominate a
/// dissection of millions of frames).
enum TimeFormatting {
    /// `2013-03-15T15:00:00.000000000Z`: UTC, nanoseconds always shown.
    static func iso8601(_ t: Timestamp) -> String {
        let days = t.seconds >= 0 ? t.seconds / 86_400 : (t.seconds - 86_399) / 86_400
        let secondOfDay = t.seconds - days * 86_400
        let (y, m, d) = civilDate(daysSinceEpoch: days)
        let hh = secondOfDay / 3600
        let mm = (secondOfDay % 3600) / 60
        let ss = secondOfDay % 60
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(hh, 2)):\(pad(mm, 2)):\(pad(ss, 2)).\(pad(Int64(t.nanoseconds), 9))Z"
    }

    /// Seconds with nine decimals, relative to `origin` (tshark's `frame.time_relative`); negative when
    /// a frame is earlier than the first one.
    static func relative(_ t: Timestamp, to origin: Timestamp) -> String {
        var delta = (t.seconds - origin.seconds) * 1_000_000_000 + Int64(t.nanoseconds) - Int64(origin.nanoseconds)
        let negative = delta < 0
        if negative { delta = -delta }
        return (negative ? "-" : "") + "\(delta / 1_000_000_000).\(pad(delta % 1_000_000_000, 9))"
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
