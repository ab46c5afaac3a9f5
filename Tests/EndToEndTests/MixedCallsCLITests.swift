import Capture
import Foundation
import Testing
import TestSupport

/// Captures holding calls of different kinds, made on the fly from the corpus: an MS-RTPME call
/// (`k=` keys) followed by an SDES call on other addresses.
@Suite struct MixedCallsCLITests {
    /// `demo-call.pcap` moved to other addresses (IPv4 headers and the SIP/SDP text alike, the same
    /// lengths: 192.0.2.10 → 192.0.2.77, 198.51.100.20 → 198.51.100.77) and to after `rtpme-k-base64.pcap`,
    /// appended to it.
    static func rtpmeThenSDES() throws -> String {
        let rtpme = try CaptureReader(path: Paths.captures.appendingPathComponent("rtpme-k-base64.pcap").path).allFrames()
        let sdes = try CaptureReader(path: Paths.captures.appendingPathComponent("demo-call.pcap").path).allFrames()
        let replacements: [([UInt8], [UInt8])] = [
            ([192, 0, 2, 10], [192, 0, 2, 77]), ([198, 51, 100, 20], [198, 51, 100, 77]),
            (Array("192.0.2.10".utf8), Array("192.0.2.77".utf8)), (Array("198.51.100.20".utf8), Array("198.51.100.77".utf8)),
        ]
        let shift = (rtpme.last?.timestamp.seconds ?? 0) + 10 - (sdes.first?.timestamp.seconds ?? 0)
        var frames = rtpme
        for var f in sdes {
            for (from, to) in replacements { f.data = Self.replacing(from, with: to, in: f.data) }
            // Ethernet + IPv4 (20 bytes) + UDP: the IPv4 checksum again, the UDP one left out (0).
            f.data[24] = 0
            f.data[25] = 0
            var sum: UInt32 = 0
            for i in stride(from: 14, to: 34, by: 2) { sum += UInt32(f.data[i]) << 8 | UInt32(f.data[i + 1]) }
            while sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
            f.data[24] = UInt8(~sum >> 8 & 0xFF)
            f.data[25] = UInt8(~sum & 0xFF)
            f.data[40] = 0
            f.data[41] = 0
            f.timestamp.seconds += shift
            frames.append(f)
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mixed-\(UUID().uuidString).pcap").path
        let writer = try CaptureWriter(
            path: path, format: .pcap, interfaces: [CaptureInterface(linkType: .ethernet, snapLength: 262_144)])
        for f in frames { try writer.write(f) }
        try writer.close()
        return path
    }

    static func replacing(_ from: [UInt8], with to: [UInt8], in data: [UInt8]) -> [UInt8] {
        var out = data
        var i = 0
        while i + from.count <= out.count {
            if out[i..<(i + from.count)].elementsEqual(from) {
                out.replaceSubrange(i..<(i + from.count), with: to)
                i += to.count
            } else {
                i += 1
            }
        }
        return out
    }

    @Test("an SDES call after an MS-RTPME call decrypts as SRTP: one k= key does not make every flow MS-RTPME")
    func sdesCallAfterAnRTPMECall() throws {
        let path = try Self.rtpmeThenSDES()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let r = try srtpdump("streams", path, "--format", "json")
        #expect(r.status == 0, "\(r.errorText)")
        let json = try #require(try JSONSerialization.jsonObject(with: r.stdout) as? [String: Any])
        let streams = try #require(json["streams"] as? [[String: Any]])
        func row(_ proto: String, _ src: String) -> [String: Any]? {
            streams.first { $0["protocol"] as? String == proto && $0["src"] as? String == src }
        }
        // The MS-RTPME call, as alone (Captures/rtpme-k-base64.expected.json).
        #expect(row("rtpme", "198.51.100.20:50000")?["authenticated"] as? Int == 99)
        #expect(row("rtpme", "192.0.2.10:40000")?["authenticated"] as? Int == 99)
        // The SDES call, as demo-call alone: every packet authenticated under its SDP's keys.
        for (src, packets) in [("198.51.100.77:50000", 499), ("192.0.2.77:40000", 499)] {
            let s = try #require(row("srtp", src), "no SRTP stream from \(src): \(streams.map { $0["src"] ?? "" })")
            #expect(s["authenticated"] as? Int == packets && s["auth_failed"] as? Int == 0)
            #expect(((s["key"] as? [String: Any])?["source"] as? String)?.hasPrefix("SDP a=crypto:1") == true)
        }
        #expect(row("srtcp", "198.51.100.77:50001")?["authenticated"] as? Int == 3)
        #expect(streams.count == 8, "\(streams.count) streams")
    }
}
