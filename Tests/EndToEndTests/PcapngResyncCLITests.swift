import Foundation
import Testing

/// A pcapng whose damage is followed by megabytes of would-be block headers claiming 8 MiB each: the
/// reader resynchronises by 4-byte steps, and each step asks for the whole claimed block. Its buffer
/// used to slide its content back at every such request (8 MiB moved per step: days for this file);
/// now the run ends in a moment. Made on the fly (12 MB, not committed).
@Suite struct PcapngResyncCLITests {
    static func le32(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)] }

    static func block(_ type: UInt32, _ body: [UInt8], trailer: UInt32? = nil) -> [UInt8] {
        let length = UInt32(12 + body.count)
        return le32(type) + le32(length) + body + le32(trailer ?? length)
    }

    @Test func resynchronisingPastHugeClaimedBlocksIsQuick() throws {
        var file: [UInt8] = []
        // Section Header Block (byte-order magic, version 1.0, section length unknown).
        file += Self.block(0x0A0D_0D0A, Self.le32(0x1A2B_3C4D) + [1, 0, 0, 0] + [UInt8](repeating: 0xFF, count: 8))
        // Interface Description Block: Ethernet, snap length 262144.
        file += Self.block(1, [1, 0, 0, 0] + Self.le32(262_144))
        // One good Enhanced Packet Block (a 60-byte frame of zeros), then one whose trailing length lies.
        let epb: [UInt8] = Self.le32(0) + Self.le32(0) + Self.le32(0) + Self.le32(60) + Self.le32(60) + [UInt8](repeating: 0, count: 60)
        file += Self.block(6, epb)
        file += Self.block(6, epb, trailer: 4)
        // 12 MB of 16-byte rows: an EPB type, a length of 8 MiB, two zero words (the claimed trailer
        // never matches).
        let row = Self.le32(6) + Self.le32(8 << 20) + [UInt8](repeating: 0, count: 8)
        for _ in 0..<(12 << 20) / row.count { file += row }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("resync-\(UUID().uuidString).pcapng").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(file).write(to: URL(fileURLWithPath: path))

        let r = try run(Paths.srtpdump.path, ["dissect", path], timeout: 120)
        #expect(!r.timedOut, "dissect still resynchronising after 120 s")
        #expect(r.exited && [0, 1, 2].contains(r.status), "status \(r.status)")
        #expect(r.text.hasPrefix("     1 "), "\(r.text.prefix(200))")
        let all = r.text + r.errorText
        #expect(all.contains("pcapng.block_length") && all.contains("no further block found"), "\(all.suffix(400))")
    }
}
