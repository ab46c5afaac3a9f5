// pcapng through our own block reader: byte orders, sections, resolutions, other blocks, bad lengths.
import Testing
@testable import Capture

@Suite struct PcapngFileReaderTests {
    static let ip: [UInt8] = [0x45, 0, 0, 20, 0, 1, 0x40, 0, 64, 17, 0, 0, 192, 0, 2, 10, 198, 51, 100, 20]

    /// A section with one raw-IP interface at nanosecond resolution and two frames.
    static func section(bigEndian: Bool) -> PcapngBuilder {
        var b = PcapngBuilder(bigEndian: bigEndian)
        b.sectionHeader()
        b.interface(linkType: 101, snapLength: 65535, tsresol: 9, name: "tun0")
        b.enhancedPacket(interface: 0, units: 1_700_000_000_123_456_789, data: ip)
        b.enhancedPacket(interface: 0, units: 1_700_000_001_000_000_001, data: ip, originalLength: 1500)
        return b
    }

    @Test(arguments: [false, true])
    func eitherByteOrder(bigEndian: Bool) throws {
        let r = try readBytes(Self.section(bigEndian: bigEndian).bytes)
        #expect(r.diagnostics.isEmpty)
        #expect(r.frames.count == 2)
        #expect(r.frames.map(\.timestamp) == [Timestamp(seconds: 1_700_000_000, nanoseconds: 123_456_789),
                                             Timestamp(seconds: 1_700_000_001, nanoseconds: 1)])
        #expect(r.frames.map(\.originalLength) == [20, 1500])
        #expect(r.frames.allSatisfy { $0.data == Self.ip && $0.linkType == .raw })
        #expect(r.interfaces == [CaptureInterface(linkType: .raw, snapLength: 65535, timestampResolution: .nanoseconds, name: "tun0")])
    }

    @Test func sectionsOfBothByteOrdersNumberInterfacesGlobally() throws {
        var bytes = Self.section(bigEndian: false).bytes
        var second = PcapngBuilder(bigEndian: true)
        second.sectionHeader()
        second.interface(linkType: 1)
        second.interface(linkType: 276)
        second.enhancedPacket(interface: 1, units: 5_000_001, data: Self.ip)
        second.enhancedPacket(interface: 0, units: 5_000_002, data: Self.ip)
        bytes += second.bytes
        let r = try readBytes(bytes)
        #expect(r.diagnostics.isEmpty)
        #expect(r.frames.map(\.interfaceID) == [0, 0, 2, 1])
        #expect(r.frames.map(\.linkType) == [.raw, .raw, .linuxSLL2, .ethernet])
        #expect(r.frames.map(\.number) == [1, 2, 3, 4])
        // Default resolution 10^-6: 5_000_001 µs = 5 s + 1 µs.
        #expect(r.frames[2].timestamp == Timestamp(seconds: 5, nanoseconds: 1_000))
    }

    @Test func binaryResolutionAndOffset() throws {
        var b = PcapngBuilder()
        b.sectionHeader()
        // if_tsresol 0x94: 2^-20 s units; if_tsoffset 1000 s.
        b.interface(linkType: 1, tsresol: 0x94, tsoffset: 1000)
        b.enhancedPacket(interface: 0, units: (3 << 20) | (1 << 19), data: Self.ip)
        let r = try readBytes(b.bytes)
        #expect(r.frames.first?.timestamp == Timestamp(seconds: 1003, nanoseconds: 500_000_000))
        #expect(r.interfaces.first?.timestampOffset == 1000)
        #expect(r.interfaces.first?.timestampResolution == TimestampResolution(rawValue: 0x94))
    }

    @Test func unknownBlocksAreSkippedAndKept() throws {
        var b = PcapngBuilder()
        b.sectionHeader()
        b.interface(linkType: 101)
        b.block(0x0000_0004, [0, 0, 0, 0])  // empty Name Resolution Block (end-of-records only)
        b.enhancedPacket(interface: 0, units: 1, data: Self.ip)
        b.block(0x4000_0BAD, Array("custom".utf8))  // custom block (§4.8), body padded to 8
        b.block(0x1234_5678, [1, 2, 3, 4, 5, 6, 7, 8])  // a type nobody defines
        b.enhancedPacket(interface: 0, units: 2, data: Self.ip)
        let r = try readBytes(b.bytes)
        #expect(r.frames.count == 2)
        #expect(r.diagnostics.isEmpty)
        #expect(r.otherBlocks.map(\.type) == [4, 0x4000_0BAD, 0x1234_5678])
        #expect(r.otherBlocks.map(\.framesBefore) == [0, 1, 1])
        #expect(r.otherBlocks[1].body == Array("custom".utf8) + [0, 0])
    }

    @Test func simpleAndObsoletePacketBlocks() throws {
        var b = PcapngBuilder()
        b.sectionHeader()
        b.interface(linkType: 101, snapLength: 16)
        b.simplePacket(data: Array(Self.ip.prefix(16)), originalLength: 20)
        // Obsolete Packet Block (Appendix A): interface id u16, drops u16, then as an EPB.
        b.block(2, b.u16(0) + b.u16(0) + b.u32(0) + b.u32(7_000_000) + b.u32(16) + b.u32(20) + Array(Self.ip.prefix(16)))
        let r = try readBytes(b.bytes)
        #expect(r.diagnostics.isEmpty)
        #expect(r.frames.map(\.capturedLength) == [16, 16])
        #expect(r.frames.map(\.originalLength) == [20, 20])
        #expect(r.frames[1].timestamp == Timestamp(seconds: 7, nanoseconds: 0))
    }

    /// A good frame, then a block broken as given, then a good frame that must not be read.
    static func brokenAfterOneFrame(_ breakIt: (inout PcapngBuilder) -> Void) -> [UInt8] {
        var b = PcapngBuilder()
        b.sectionHeader()
        b.interface(linkType: 101)
        b.enhancedPacket(interface: 0, units: 1, data: ip)
        breakIt(&b)
        b.enhancedPacket(interface: 0, units: 2, data: ip)
        return b.bytes
    }

    @Test(arguments: [
        ("not a multiple of 4", UInt32(45), UInt32?.none),
        ("shorter than 12", UInt32(8), UInt32?.none),
        ("past the end of the file", UInt32(1 << 20), UInt32?.none),
        ("trailing length differs", UInt32(52), UInt32(48)),
    ])
    func badBlockLengthIsADiagnostic(why: String, length: UInt32, trailing: UInt32?) throws {
        let bytes = Self.brokenAfterOneFrame { b in
            b.block(6, b.u32(0) + b.u32(0) + b.u32(3) + b.u32(20) + b.u32(20) + Self.ip, length: length, trailing: trailing)
        }
        let r = try readBytes(bytes)
        // The reader skips the damaged block and finds the well-formed one after it (issue 7).
        #expect(r.frames.count == 2, "\(why)")
        #expect(r.frames.last?.data == Self.ip, "\(why)")
        let d = try #require(r.diagnostics.first)
        #expect(d.code == "pcapng.bad-block-length")
        #expect(d.frame == 2)
        #expect(d.message.contains("file offset"))
        #expect(d.message.contains("reading resumes"), "\(d.message)")
        #expect(r.diagnostics.count == 1)
    }

    @Test func fileEndingInsideABlockHeader() throws {
        var bytes = Self.section(bigEndian: false).bytes
        bytes += [6, 0, 0]
        let r = try readBytes(bytes)
        #expect(r.frames.count == 2)
        #expect(r.diagnostics.map(\.code) == ["pcapng.truncated-block"])
    }

    @Test func unknownInterfaceIsSkipped() throws {
        let bytes = Self.brokenAfterOneFrame { b in b.enhancedPacket(interface: 5, units: 3, data: Self.ip) }
        let r = try readBytes(bytes)
        #expect(r.frames.count == 2)
        #expect(r.diagnostics.map(\.code) == ["pcapng.unknown-interface"])
    }

    @Test func capturedLengthsChecked() throws {
        var b = PcapngBuilder()
        b.sectionHeader()
        b.interface(linkType: 101, snapLength: 10)
        b.enhancedPacket(interface: 0, units: 1, data: Self.ip, originalLength: 12)  // caplen 20 > len 12 and > snaplen 10
        b.enhancedPacket(interface: 0, units: 2, data: Array(Self.ip.prefix(8)), capturedLength: 400)  // caplen past the block
        b.enhancedPacket(interface: 0, units: 3, data: [], originalLength: 0)
        let r = try readBytes(b.bytes)
        #expect(r.frames.map(\.capturedLength) == [20, 8, 0])
        #expect(r.diagnostics.map(\.code) == [
            "capture.caplen-exceeds-len", "capture.caplen-exceeds-snaplen",
            "pcapng.caplen-exceeds-block", "capture.caplen-exceeds-len", "capture.caplen-exceeds-snaplen",
            "capture.zero-length",
        ])
        #expect(r.diagnostics.map(\.frame) == [1, 1, 2, 2, 2, 3])
    }

    @Test func badByteOrderMagicStops() throws {
        var b = PcapngBuilder()
        b.block(0x0A0D_0D0A, [1, 2, 3, 4] + [UInt8](repeating: 0, count: 12))
        let r = try readBytes(b.bytes)
        #expect(r.frames.isEmpty)
        #expect(r.diagnostics.map(\.code) == ["pcapng.bad-byte-order-magic"])
    }

    @Test func largeFileCrossesBufferBoundaries() throws {
        // 20 000 frames of 100 bytes: over 2 MB, so blocks straddle the reader's 1 MiB chunks.
        var b = PcapngBuilder()
        b.sectionHeader()
        b.interface(linkType: 1)
        for i in 0..<20_000 {
            b.enhancedPacket(interface: 0, units: UInt64(i), data: [UInt8](repeating: UInt8(truncatingIfNeeded: i), count: 100 + i % 3))
        }
        let r = try readBytes(b.bytes)
        #expect(r.frames.count == 20_000)
        #expect(r.diagnostics.isEmpty)
        #expect(r.frames.enumerated().allSatisfy { i, f in
            f.data.count == 100 + i % 3 && f.data.allSatisfy { $0 == UInt8(truncatingIfNeeded: i) } && f.timestamp.nanoseconds == UInt32(i) * 1000
        })
    }
}
