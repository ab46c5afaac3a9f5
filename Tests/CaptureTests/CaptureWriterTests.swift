// The writer: round trips in each format, changed lengths, copy-through, temporary file, refusal
// to overwrite the input, and tshark reading what it wrote.
import Foundation
import Testing
@testable import Capture

@Suite struct CaptureWriterTests {
    /// Reads `input` and writes every frame (and copyable block) to `output` in the input's format,
    /// passing each frame through `change` first.
    static func copy(_ input: String, to output: String, change: (inout Frame) -> Void = { _ in }) throws {
        let reader = try CaptureReader(path: input)
        let writer = try CaptureWriter(path: output, like: reader)
        var frame = Frame()
        while reader.next(into: &frame) {
            for block in reader.takeOtherBlocks() { try writer.copy(block) }
            try writer.adoptInterfaces(reader.interfaces)
            change(&frame)
            try writer.write(frame)
        }
        try writer.close()
    }

    static func sameFrames(_ a: [Frame], _ b: [Frame]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy {
            $0.number == $1.number && $0.timestamp == $1.timestamp && $0.originalLength == $1.originalLength
                && $0.linkType == $1.linkType && $0.interfaceID == $1.interfaceID && $0.data == $1.data
        }
    }

    /// libpcap's dump writes the same header and records our fixture builder does, so a classic pcap
    /// copied through the writer is byte for byte the input (micro- and nanosecond files alike).
    @Test(arguments: Fixtures.all().map(\.name).filter { $0.hasSuffix(".pcap") })
    func pcapRoundTripIsByteExact(name: String) throws {
        let dir = try TestFiles.scratchDirectory()
        defer { TestFiles.remove(dir) }
        let out = dir + "/" + name
        try Self.copy(Fixtures.path(name), to: out)
        let written = try #require(TestFiles.read(out))
        #expect(written == TestFiles.read(Fixtures.path(name)))
        #expect(Self.sameFrames(try readAll(out).frames, try readAll(Fixtures.path(name)).frames))
    }

    @Test func pcapngMultiInterfaceRoundTrip() throws {
        let dir = try TestFiles.scratchDirectory()
        defer { TestFiles.remove(dir) }
        let input = Fixtures.path("multi-interface.pcapng")
        let out = dir + "/out.pcapng"
        try Self.copy(input, to: out)
        let original = try readAll(input), copied = try readAll(out)
        #expect(copied.diagnostics.isEmpty)
        #expect(Self.sameFrames(copied.frames, original.frames))
        #expect(copied.interfaces == original.interfaces)
        #expect(copied.interfaces.map(\.timestampResolution) == [.microseconds, .nanoseconds, .microseconds])
    }

    @Test func pcapngUnusualInterfacesAndOtherBlocksSurvive() throws {
        var b = PcapngBuilder()
        b.sectionHeader()
        b.interface(linkType: 1, snapLength: 0, tsresol: 0x94, tsoffset: -3600, name: "bin")
        b.block(0x0000_0BAD, [0, 0, 0x7E, 0x57, 1, 2, 3, 4])  // custom block, copyable (§4.8)
        b.enhancedPacket(interface: 0, units: (5 << 20) | 12345, data: [1, 2, 3, 4, 5], originalLength: 9)
        let dir = try TestFiles.scratchDirectory()
        defer { TestFiles.remove(dir) }
        try TestFiles.write(b.bytes, to: dir + "/in.pcapng")
        try Self.copy(dir + "/in.pcapng", to: dir + "/out.pcapng")
        let original = try readAll(dir + "/in.pcapng"), copied = try readAll(dir + "/out.pcapng")
        #expect(Self.sameFrames(copied.frames, original.frames))
        #expect(copied.interfaces == original.interfaces)
        #expect(copied.otherBlocks.map(\.type) == [0x0BAD])
        #expect(copied.otherBlocks.map(\.body) == original.otherBlocks.map(\.body))
    }

    @Test func blocksThatCannotBeCopiedFaithfullyAreNot() throws {
        let dir = try TestFiles.scratchDirectory()
        defer { TestFiles.remove(dir) }
        let writer = try CaptureWriter(path: dir + "/o.pcapng", format: .pcapng, interfaces: [CaptureInterface(linkType: .raw)])
        #expect(try writer.copy(PcapngBlock(type: 0x0BAD, body: [0, 0, 0, 1], bigEndian: false, framesBefore: 0, section: 0)))
        #expect(try !writer.copy(PcapngBlock(type: 0x0BAD, body: [0, 0, 0, 1], bigEndian: true, framesBefore: 0, section: 0)))
        #expect(try !writer.copy(PcapngBlock(type: 5, body: [UInt8](repeating: 0, count: 12), bigEndian: false, framesBefore: 0, section: 1)))
        let pcap = try CaptureWriter(path: dir + "/o.pcap", format: .pcap, interfaces: [CaptureInterface(linkType: .raw)])
        #expect(try !pcap.copy(PcapngBlock(type: 0x0BAD, body: [0, 0, 0, 1], bigEndian: false, framesBefore: 0, section: 0)))
        try writer.close()
        #expect(try readAll(dir + "/o.pcapng").otherBlocks.map(\.type) == [0x0BAD])
    }

    /// What decrypt does: frames come back shorter (an authentication tag removed) with their metadata.
    @Test(arguments: ["ethernet-nanosecond.pcap", "multi-interface.pcapng"])
    func framesMayChangeLength(name: String) throws {
        let dir = try TestFiles.scratchDirectory()
        defer { TestFiles.remove(dir) }
        let out = dir + "/" + name
        try Self.copy(Fixtures.path(name), to: out) { frame in
            frame.data.removeLast(10)
            frame.originalLength -= 10
        }
        let original = try readAll(Fixtures.path(name)).frames, copied = try readAll(out).frames
        #expect(copied.count == original.count)
        for (o, c) in zip(original, copied) {
            #expect(c.data == Array(o.data.dropLast(10)))
            #expect(c.originalLength == o.originalLength - 10)
            #expect(c.timestamp == o.timestamp)
            #expect(c.interfaceID == o.interfaceID)
        }
    }

    @Test func refusesToWriteOntoTheInputThroughLinks() throws {
        let dir = try TestFiles.scratchDirectory()
        defer { TestFiles.remove(dir) }
        let input = dir + "/evidence.pcap"
        let original = Fixtures.pcap(.ethernet)
        try TestFiles.write(original, to: input)
        try FileManager.default.createSymbolicLink(atPath: dir + "/symlink.pcap", withDestinationPath: input)
        try FileManager.default.linkItem(atPath: input, toPath: dir + "/hardlink.pcap")
        let reader = try CaptureReader(path: input)
        for target in [input, dir + "/symlink.pcap", dir + "/hardlink.pcap", dir + "/./evidence.pcap"] {
            do {
                _ = try CaptureWriter(path: target, like: reader)
                Issue.record("writing onto \(target) should be refused")
            } catch {
                #expect(error.code == .outputIsInput)
            }
        }
        #expect(FileIdentity.sameFile(input, dir + "/symlink.pcap"))
        #expect(!FileIdentity.sameFile(input, Fixtures.path("ethernet.pcap")))
        #expect(TestFiles.read(input) == original)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["evidence.pcap", "hardlink.pcap", "symlink.pcap"])
    }

    @Test(arguments: [CaptureFormat.pcap, .pcapng])
    func finalNameAppearsOnlyOnClose(format: CaptureFormat) throws {
        let dir = try TestFiles.scratchDirectory()
        defer { TestFiles.remove(dir) }
        let interface = CaptureInterface(linkType: .raw)
        let frame = Frame(number: 1, originalLength: 4, linkType: .raw, data: [0x45, 0, 0, 4])
        do {
            let writer = try CaptureWriter(path: dir + "/out", format: format, interfaces: [interface])
            try writer.write(frame)
            #expect(!FileManager.default.fileExists(atPath: dir + "/out"))
            // Dropped without close(): an interrupted run.
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty, "no final file and no temporary left behind")
        let writer = try CaptureWriter(path: dir + "/out", format: format, interfaces: [interface])
        try writer.write(frame)
        try writer.close()
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["out"])
        #expect(Self.sameFrames(try readAll(dir + "/out").frames, [frame]))
    }

    @Test func framesThatDoNotFitAreRefused() throws {
        let dir = try TestFiles.scratchDirectory()
        defer { TestFiles.remove(dir) }
        let pcap = try CaptureWriter(path: dir + "/a.pcap", format: .pcap, interfaces: [CaptureInterface(linkType: .ethernet)])
        #expect(throws: CaptureError.self) { try pcap.write(Frame(linkType: .raw, data: [0x45])) }
        #expect(throws: CaptureError.self) { try pcap.addInterface(CaptureInterface(linkType: .raw)) }
        let ng = try CaptureWriter(path: dir + "/b.pcapng", format: .pcapng, interfaces: [CaptureInterface(linkType: .ethernet)])
        #expect(throws: CaptureError.self) { try ng.write(Frame(linkType: .ethernet, interfaceID: 1, data: [0])) }
        #expect(throws: CaptureError.self) {
            try CaptureWriter(path: dir + "/c.pcap", format: .pcap, interfaces: [])
        }
    }

    // Needs tshark; skipped with this message otherwise.
    @Test(.enabled(if: Tshark.isAvailable, "tshark is not installed: interop check skipped"),
          arguments: ["ethernet.pcap", "ethernet-nanosecond.pcap", "multi-interface.pcapng"])
    func tsharkReadsWrittenFiles(name: String) throws {
        let dir = try TestFiles.scratchDirectory()
        defer { TestFiles.remove(dir) }
        let out = dir + "/" + name
        try Self.copy(Fixtures.path(name), to: out)
        let fields = ["frame.number", "frame.time_epoch", "frame.len", "udp.srcport", "frame.interface_id"]
        let ours = try Tshark.fields(out, fields)
        let theirs = try Tshark.fields(Fixtures.path(name), fields)
        #expect(ours.count == readAllCount(Fixtures.path(name)))
        #expect(ours == theirs)
    }

    func readAllCount(_ path: String) -> Int { (try? readAll(path).frames.count) ?? -1 }
}
