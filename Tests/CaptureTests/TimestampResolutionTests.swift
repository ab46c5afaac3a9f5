// if_tsresol conversions (draft-ietf-opsawg-pcapng §4.2): units ↔ seconds and nanoseconds.
import Testing
@testable import Capture

@Suite struct TimestampResolutionTests {
    typealias Case = (raw: UInt8, units: UInt64, seconds: Int64, nanoseconds: UInt32)
    static let cases: [Case] = [
        // (if_tsresol byte, units, expected seconds, expected nanoseconds)
        (6, 1_700_000_000_123_456, 1_700_000_000, 123_456_000),
        (9, 1_700_000_000_123_456_789, 1_700_000_000, 123_456_789),
        (3, 1_500, 1, 500_000_000),
        (0, 42, 42, 0),
        (12, 2_000_000_000_001_999, 2_000, 1),  // picoseconds: 1 999 ps is 1 ns, the rest dropped
        (0x80, 7, 7, 0),  // 2^0
        (0x81, 7, 3, 500_000_000),  // 2^-1
        (0x94, (9 << 20) | (1 << 18), 9, 250_000_000),  // 2^-20
        (0xA0, (1 << 32) | (1 << 31), 1, 500_000_000),  // 2^-32
    ]

    @Test(arguments: 0..<cases.count)
    func unitsToTimestamp(index: Int) {
        let (raw, units, seconds, nanoseconds) = Self.cases[index]
        let r = TimestampResolution(rawValue: raw)
        #expect(r.timestamp(units: units, offset: 0) == Timestamp(seconds: seconds, nanoseconds: nanoseconds))
        #expect(r.timestamp(units: units, offset: -10) == Timestamp(seconds: seconds - 10, nanoseconds: nanoseconds))
    }

    /// Writing a timestamp read from a file gives back the file's count, for every resolution the
    /// nanosecond `Timestamp` can hold exactly (decimal up to 10^-9, binary up to 2^-29).
    @Test(arguments: [UInt8(0), 3, 6, 9, 0x80, 0x8A, 0x94, 0x9D])
    func roundTrip(raw: UInt8) {
        let r = TimestampResolution(rawValue: raw)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<1000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let units = state >> 8
            let t = r.timestamp(units: units, offset: 77)
            #expect(r.units(for: t, offset: 77) == units)
        }
    }

    @Test func outOfRangeResolutionsAreFlagged() {
        #expect(TimestampResolution(rawValue: 19).isSupported)
        #expect(!TimestampResolution(rawValue: 20).isSupported)
        #expect(TimestampResolution(rawValue: 0xBF).isSupported)
        #expect(!TimestampResolution(rawValue: 0xC0).isSupported)
    }
}
