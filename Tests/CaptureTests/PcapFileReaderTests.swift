// Classic pcap through libpcap: precision, and damaged files giving diagnostics, not crashes.
import Testing
@testable import Capture

@Suite struct PcapFileReaderTests {
    /// Three 60-byte Ethernet frames (content irrelevant to these tests: zero bytes after a broadcast header).
    static let payload: [UInt8] = [UInt8](repeating: 0xFF, count: 6) + [UInt8](repeating: 0, count: 54)

    static func threeFrames(nanosecond: Bool = false) -> PcapBuilder {
        var b = PcapBuilder(linkType: 1, nanosecond: nanosecond)
        for i in 0..<3 { b.record(seconds: 100 + UInt32(i), fraction: 999_999, data: payload) }
        return b
    }

    @Test func microsecondFileGivesMicrosecondsAsNanoseconds() throws {
        let r = try readBytes(Self.threeFrames().bytes)
        #expect(r.frames.count == 3)
        #expect(r.frames.map(\.timestamp) == (0..<3).map { Timestamp(seconds: 100 + Int64($0), nanoseconds: 999_999_000) })
        #expect(r.interfaces.first?.timestampResolution == .microseconds)
        #expect(r.diagnostics.isEmpty)
    }

    @Test func nanosecondFileKeepsNanoseconds() throws {
        let r = try readBytes(Self.threeFrames(nanosecond: true).bytes)
        #expect(r.frames.map(\.timestamp.nanoseconds) == [999_999, 999_999, 999_999])
        #expect(r.interfaces.first?.timestampResolution == .nanoseconds)
    }

    /// A record whose fraction field holds whole seconds (hostile: draft-ietf-opsawg-pcap §5 bounds it
    /// below one second) reads as the time it names, seconds carried; a copy through the writer reads back the same time.
    /// Found by the decrypt-pass fuzz target: 3,791,650,876 µs were scaled by libpcap to nanoseconds and
    /// cut to 32 bits (3,489,720,928 ns), and the copy then read 3,489,720,000 ns.
    @Test(arguments: [
        (false, UInt32(811_945_954), UInt32(3_791_650_876)), (false, 7, 1_000_000), (true, 7, 4_294_967_295),
        // Past 2^31 - 1 s once carried (libpcap reads the seconds field signed).
        (false, UInt32(Int32.max), UInt32.max), (true, UInt32(Int32.max) - 1, 3_000_000_000),
    ])
    func fractionPastOneSecondIsCarried(nanosecond: Bool, seconds: UInt32, fraction: UInt32) throws {
        var b = PcapBuilder(linkType: 1, nanosecond: nanosecond)
        b.record(seconds: seconds, fraction: fraction, data: Self.payload)
        let perSecond: UInt32 = nanosecond ? 1_000_000_000 : 1_000_000
        let expected = Timestamp(
            seconds: Int64(seconds) + Int64(fraction / perSecond),
            nanoseconds: (fraction % perSecond) * (nanosecond ? 1 : 1000))
        let dir = try TestFiles.scratchDirectory()
        defer { TestFiles.remove(dir) }
        try TestFiles.write(b.bytes, to: dir + "/in.pcap")
        #expect(try readAll(dir + "/in.pcap").frames.map(\.timestamp) == [expected])
        let reader = try CaptureReader(path: dir + "/in.pcap")
        let writer = try CaptureWriter(path: dir + "/out.pcap", like: reader)
        var frame = Frame()
        while reader.next(into: &frame) { try writer.write(frame) }
        try writer.close()
        #expect(try readAll(dir + "/out.pcap").frames.map(\.timestamp) == [expected])
    }

    @Test func bigEndianFileIsRead() throws {
        // Header and record fields byte-swapped, as a big-endian host writes them.
        var bytes = be32(0xA1B2_C3D4) + be16(2) + be16(4) + be32(0) + be32(0) + be32(65535) + be32(101)
        bytes += be32(7) + be32(5) + be32(4) + be32(4) + [0x45, 0, 0, 20]
        let r = try readBytes(bytes)
        #expect(r.frames.count == 1)
        #expect(r.frames.first?.linkType == .raw)
        #expect(r.frames.first?.timestamp == Timestamp(seconds: 7, nanoseconds: 5_000))
        #expect(r.interfaces.first?.snapLength == 65535)
    }

    @Test func truncatedLastRecordKeepsEarlierFrames() throws {
        var bytes = Self.threeFrames().bytes
        bytes.removeLast(10)  // the third record loses 10 of its 60 bytes
        let r = try readBytes(bytes)
        #expect(r.frames.count == 2)
        let d = try #require(r.diagnostics.first)
        #expect(d.code == "capture.truncated-record")
        #expect(d.frame == 3)
        #expect(r.diagnostics.count == 1)
    }

    @Test func truncatedRecordHeaderKeepsEarlierFrames() throws {
        var bytes = Self.threeFrames().bytes
        bytes.removeLast(60 + 8)  // half of the third record's header remains
        let r = try readBytes(bytes)
        #expect(r.frames.count == 2)
        #expect(r.diagnostics.map(\.code) == ["capture.truncated-record"])
    }

    @Test func truncatedFileHeaderIsADiagnostic() throws {
        let bytes = Array(Self.threeFrames().bytes.prefix(13))
        let r = try readBytes(bytes)
        #expect(r.frames.isEmpty)
        #expect(r.diagnostics.map(\.code) == ["capture.truncated-header"])
    }

    @Test func capturedLongerThanOriginalIsADiagnostic() throws {
        var b = PcapBuilder(linkType: 1)
        b.record(seconds: 1, fraction: 0, data: Self.payload, originalLength: 40)
        b.record(seconds: 2, fraction: 0, data: Self.payload)
        let r = try readBytes(b.bytes)
        #expect(r.frames.count == 2)
        #expect(r.frames.first?.originalLength == 40)
        #expect(r.frames.first?.capturedLength == 60)
        #expect(r.diagnostics.map(\.code) == ["capture.caplen-exceeds-len"])
        #expect(r.diagnostics.first?.frame == 1)
    }

    @Test func capturedLongerThanSnapLengthIsADiagnostic() throws {
        // Snap length 32 but a 60-byte record: libpcap cuts it to 32; the reader says so and goes on.
        var b = PcapBuilder(linkType: 1, snapLength: 32)
        b.record(seconds: 1, fraction: 0, data: Self.payload)
        b.record(seconds: 2, fraction: 0, data: Array(Self.payload.prefix(20)))
        let r = try readBytes(b.bytes)
        #expect(r.frames.map(\.capturedLength) == [32, 20])
        #expect(r.diagnostics.map(\.code) == ["capture.caplen-exceeds-snaplen"])
        #expect(r.diagnostics.first?.frame == 1)
    }

    @Test func absurdCapturedLengthStopsWithADiagnostic() throws {
        // A record claiming 300 000 captured bytes, beyond any link type's maximum: libpcap refuses it.
        var b = Self.threeFrames()
        b.record(seconds: 9, fraction: 0, data: Self.payload, capturedLength: 300_000)
        let r = try readBytes(b.bytes)
        #expect(r.frames.count == 3)
        #expect(r.diagnostics.map(\.code) == ["capture.bad-record"])
        #expect(r.diagnostics.first?.frame == 4)
    }

    @Test func zeroLengthRecordIsADiagnostic() throws {
        var b = PcapBuilder(linkType: 1)
        b.record(seconds: 1, fraction: 0, data: [])
        b.record(seconds: 2, fraction: 0, data: Self.payload)
        let r = try readBytes(b.bytes)
        #expect(r.frames.map(\.capturedLength) == [0, 60])
        #expect(r.diagnostics.map(\.code) == ["capture.zero-length"])
    }

    @Test func notACaptureIsAnError() throws {
        let dir = try TestFiles.scratchDirectory()
        defer { TestFiles.remove(dir) }
        try TestFiles.write(Array("hello, world\n".utf8), to: dir + "/text")
        #expect(throws: CaptureError.self) { try CaptureReader(path: dir + "/text") }
        #expect(throws: CaptureError.self) { try CaptureReader(path: dir + "/missing") }
        try TestFiles.write([0xD4, 0xC3], to: dir + "/tiny")
        #expect(throws: CaptureError.self) { try CaptureReader(path: dir + "/tiny") }
    }

    @Test func frameBufferIsReused() throws {
        let dir = try TestFiles.scratchDirectory()
        defer { TestFiles.remove(dir) }
        try TestFiles.write(Self.threeFrames().bytes, to: dir + "/f.pcap")
        let reader = try CaptureReader(path: dir + "/f.pcap")
        var frame = Frame()
        #expect(reader.next(into: &frame))
        let first = frame.data.withUnsafeBufferPointer { $0.baseAddress }
        #expect(reader.next(into: &frame))
        let second = frame.data.withUnsafeBufferPointer { $0.baseAddress }
        #expect(first == second, "the frame's storage should be reused, not reallocated")
    }
}
