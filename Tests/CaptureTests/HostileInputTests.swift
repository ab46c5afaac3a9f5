// Damaged captures never crash the reader: every truncation and many random corruptions of the
// fixtures are read to the end (or to a diagnostic) without a trap.
import Testing
@testable import Capture

@Suite struct HostileInputTests {
    /// Cutting a file anywhere gives a diagnostic, except at the end of a block or record (a shorter but
    /// valid file): 1 + 10 such places in a pcap (file header, records), 4 + 10 in the pcapng (SHB, 3 IDBs, EPBs).
    @Test(arguments: [("multi-interface.pcapng", 4), ("linux-sll2.pcap", 1)])
    func everyTruncation(name: String, headerBlocks: Int) throws {
        let bytes = try #require(TestFiles.read(Fixtures.path(name)))
        let dir = try TestFiles.scratchDirectory()
        defer { TestFiles.remove(dir) }
        let path = dir + "/cut"
        let full = try readAll(Fixtures.path(name)).frames.count
        var previous = 0
        var clean = 0
        for length in stride(from: 4, through: bytes.count, by: 1) {
            try TestFiles.write(Array(bytes.prefix(length)), to: path)
            let r = try readAll(path)
            // Frames only ever accumulate as the file grows, and a cut file never yields more than the whole.
            #expect(r.frames.count >= previous && r.frames.count <= full)
            if r.diagnostics.isEmpty { clean += 1 }
            previous = r.frames.count
        }
        #expect(previous == full)
        #expect(clean == headerBlocks + full)
    }

    @Test func randomCorruptionsOfPcapng() throws {
        let bytes = try #require(TestFiles.read(Fixtures.path("multi-interface.pcapng")))
        let dir = try TestFiles.scratchDirectory()
        defer { TestFiles.remove(dir) }
        let path = dir + "/bad.pcapng"
        var state: UInt64 = 12345
        func random() -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(truncatingIfNeeded: state >> 33)
        }
        for _ in 0..<1500 {
            var damaged = bytes
            for _ in 0..<(1 + random() % 4) {
                damaged[12 + random() % (damaged.count - 12)] = UInt8(truncatingIfNeeded: random())
            }
            try TestFiles.write(damaged, to: path)
            let r = try readAll(path)
            #expect(r.frames.count <= 40)
        }
    }
}
