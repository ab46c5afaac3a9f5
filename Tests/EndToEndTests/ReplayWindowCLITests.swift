import Foundation
import Testing

/// `--limit replay-window=N` reaches every stream's replay list (RFC 3711 §3.3.2): a packet delivered
/// late by more than the window cannot be told from a replay and is reported `replayed`; inside the
/// window it is fresh. The capture is the bundled call with one RTP frame moved later, made here.
@Suite struct ReplayWindowCLITests {
    /// The classic pcap's records (header and data), after its 24-byte file header.
    static func records(_ file: [UInt8]) throws -> (header: [UInt8], records: [[UInt8]]) {
        #expect(file.count >= 24)
        #expect(Array(file[0..<4]) == [0xD4, 0xC3, 0xB2, 0xA1], "little-endian microsecond pcap expected")
        var out: [[UInt8]] = []
        var at = 24
        while at + 16 <= file.count {
            let caplen = Int(file[at + 8]) | Int(file[at + 9]) << 8 | Int(file[at + 10]) << 16 | Int(file[at + 11]) << 24
            try #require(at + 16 + caplen <= file.count)
            out.append(Array(file[at..<(at + 16 + caplen)]))
            at += 16 + caplen
        }
        return (Array(file[0..<24]), out)
    }

    /// The UDP source port of an Ethernet/IPv4 record, nil for anything else.
    static func udpSourcePort(_ record: [UInt8]) -> Int? {
        let f = Array(record.dropFirst(16))
        guard f.count >= 14 + 20 + 8, f[12] == 0x08, f[13] == 0x00, f[14] >> 4 == 4, f[23] == 17 else { return nil }
        let udp = 14 + Int(f[14] & 0x0F) * 4
        guard f.count >= udp + 8 else { return nil }
        return Int(f[udp]) << 8 | Int(f[udp + 1])
    }

    /// demo-call.pcap with its 10th RTP frame from port 40000 moved `later` frames further on; returns the
    /// path and how many frames of that stream now come between its place and the moved one.
    static func capture(movingLaterBy later: Int) throws -> (path: String, overtaken: Int) {
        let file = try [UInt8](Data(contentsOf: Paths.captures.appendingPathComponent("demo-call.pcap")))
        let (header, records) = try Self.records(file)
        let rtp = records.indices.filter { Self.udpSourcePort(records[$0]) == 40000 }
        try #require(rtp.count > 400)
        let from = rtp[9]
        var moved = records
        let record = moved.remove(at: from)
        let to = min(from + later, moved.count)
        moved.insert(record, at: to)
        let overtaken = rtp.count { $0 > from && $0 <= to }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("replay-\(UUID().uuidString).pcap").path
        try Data(header + moved.joined()).write(to: URL(fileURLWithPath: path))
        return (path, overtaken)
    }

    /// Total `replayed` and `auth_failed` over the streams report (decrypt's, without writing).
    static func counts(_ path: String, _ extra: [String]) throws -> (replayed: Int, failed: Int, authenticated: Int) {
        let r = try run(Paths.srtpdump.path, ["streams", path, "--format", "json"] + extra)
        #expect(r.status == 0, "\(extra): \(r.errorText)")
        let json = try #require(try JSONSerialization.jsonObject(with: r.stdout) as? [String: Any])
        let streams = try #require(json["streams"] as? [[String: Any]])
        func sum(_ field: String) -> Int { streams.reduce(0) { $0 + ($1[field] as? Int ?? 0) } }
        return (sum("replayed"), sum("auth_failed"), sum("authenticated"))
    }

    @Test("a packet ~100 late is fresh in the default window of 128 and replayed in one of 64")
    func narrowerWindow() throws {
        let (path, overtaken) = try Self.capture(movingLaterBy: 200)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(overtaken > 64 && overtaken < 127, "\(overtaken)")
        let byDefault = try Self.counts(path, [])
        #expect(byDefault.replayed == 0 && byDefault.failed == 0)
        let narrow = try Self.counts(path, ["--limit", "replay-window=64"])
        #expect(narrow.replayed == 1 && narrow.failed == 0)
        // Replayed packets are still decrypted: the authenticated count drops by exactly that one.
        #expect(narrow.authenticated == byDefault.authenticated - 1)
    }

    @Test("a packet ~490 late is replayed in the default window and fresh in one of 1024")
    func widerWindow() throws {
        let (path, overtaken) = try Self.capture(movingLaterBy: 980)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(overtaken > 128 && overtaken < 1023, "\(overtaken)")
        #expect(try Self.counts(path, []).replayed == 1)
        #expect(try Self.counts(path, ["--limit", "replay-window=1024"]).replayed == 0)
    }
}
