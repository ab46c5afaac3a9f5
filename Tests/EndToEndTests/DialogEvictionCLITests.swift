import Foundation
import Testing

/// `--limit dialogs=N` end to end (issue 7): a call evicted while its media still flows keeps
/// decrypting (its keys stay in the key book), and `calls` still lists it.
struct DialogEvictionCLITests {
    /// demo-call.pcap with `extra` copies of its INVITE after the ACK (frame 5), each with its own
    /// Call-ID and key, so that the real call is the idlest when its media starts.
    static func crowdedCall(extra: Int) throws -> String {
        let source = try [UInt8](Data(contentsOf: Paths.captures.appendingPathComponent("demo-call.pcap")))
        var records: [[UInt8]] = []
        var at = 24
        while at + 16 <= source.count {
            let captured =
                Int(source[at + 8]) | Int(source[at + 9]) << 8 | Int(source[at + 10]) << 16 | Int(source[at + 11]) << 24
            guard at + 16 + captured <= source.count else { break }
            records.append(Array(source[at..<(at + 16 + captured)]))
            at += 16 + captured
        }
        guard records.count == 1011 else { throw TestFailure("demo-call.pcap: \(records.count) records") }
        func overwrite(_ record: inout [UInt8], after marker: String, with text: String) throws {
            let m = Array(marker.utf8)
            guard let i = (0...(record.count - m.count)).first(where: { Array(record[$0..<($0 + m.count)]) == m }) else {
                throw TestFailure("no \(marker) in the INVITE")
            }
            record.replaceSubrange((i + m.count)..<(i + m.count + text.utf8.count), with: Array(text.utf8))
        }
        var out = Array(source[0..<24]) + records[0..<5].joined()
        for n in 0..<extra {
            var copy = records[0]
            copy.replaceSubrange(0..<8, with: records[4][0..<8])  // the ACK's timestamp
            try overwrite(&copy, after: "Call-ID: ", with: String(format: "x%07d", n))
            try overwrite(&copy, after: "inline:", with: String(format: "Zz%06d", n))
            // Ethernet + IPv4 (20 bytes) + UDP: the checksum no longer matches; 0 says "none" (RFC 768).
            copy[16 + 14 + 20 + 6] = 0
            copy[16 + 14 + 20 + 7] = 0
            out += copy
        }
        out += records[5...].joined()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("crowded-\(UUID().uuidString).pcap").path
        try Data(out).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func streams(_ r: ProcessResult) throws -> [[String: Any]] {
        let object = try JSONSerialization.jsonObject(with: r.stdout) as? [String: Any]
        return object?["streams"] as? [[String: Any]] ?? []
    }

    @Test("an evicted call's media still decrypts, as without the limit; calls lists it")
    func evictedCallStillDecrypts() throws {
        let path = try Self.crowdedCall(extra: 40)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let limited = try srtpdump("streams", path, "--format", "json", "--limit", "dialogs=4")
        let free = try srtpdump("streams", path, "--format", "json")
        #expect(limited.status == 0, "\(limited.errorText)")
        #expect(free.status == 0, "\(free.errorText)")
        #expect(limited.errorText.contains("calls followed (limit dialogs)"), "\(limited.errorText)")
        #expect(!free.errorText.contains("limit dialogs"))
        let a = try Self.streams(limited)
        let b = try Self.streams(free)
        #expect(a.count == 4)
        #expect(a.map { $0["authenticated"] as? Int } == b.map { $0["authenticated"] as? Int })
        #expect(a.reduce(0) { $0 + (($1["authenticated"] as? Int) ?? 0) } == 499 * 2 + 3 * 2)
        #expect(a.allSatisfy { ($0["auth_failed"] as? Int) == 0 })
        let keyFrames = { (s: [[String: Any]]) in s.map { ($0["key"] as? [String: Any])?["frame"] as? Int } }
        #expect(keyFrames(a) == keyFrames(b))

        // `calls` keeps evicted dialogs: the 41 calls, and the real call's BYE (after its eviction) as one more.
        let calls = try srtpdump("calls", path, "--format", "json", "--limit", "dialogs=4")
        #expect(calls.status == 0)
        let list = ((try JSONSerialization.jsonObject(with: calls.stdout)) as? [String: Any])?["calls"] as? [[String: Any]] ?? []
        #expect(list.count == 42)
        #expect(list.first?["call_id"] as? String == "6b4108251a3d3ea2d757dd6e@192.0.2.10")
        #expect(list.filter { $0["call_id"] as? String == "6b4108251a3d3ea2d757dd6e@192.0.2.10" }.count == 2)
    }
}
