// The expected results agree with the frames actually written: frame count, one entry per frame,
// every media frame's UDP addresses and SSRC those of its stream, and the per-stream counts the
// sums of the per-frame statuses.
import Capture
import Foundation
import Synth
import Testing

@Suite struct ExpectedConsistencyTests {
    @Test(arguments: Corpus.entries)
    func countsMatchTheFrames(_ entry: Corpus.Entry) throws {
        let expected = try Corpus.expected(entry)
        let frames = try readFrames(entry.captureURL.path)
        #expect(frames.count == expected.frames)
        #expect(expected.mediaFrames.map(\.frame) == Array(1...frames.count))

        struct Count { var packets = 0, authenticated = 0, replayed = 0, failures = 0 }
        var counts: [String: Count] = [:]
        for result in expected.mediaFrames where result.status != "not_media" {
            let frame = frames[result.frame - 1]
            let udp = try #require(UDPView(frame), "frame \(result.frame) is media but not a whole UDP datagram")
            let p = Array(udp.payload)
            try #require(p.count >= 12)
            // RTP: SSRC at bytes 8…11 (RFC 3550 §5.1); RTCP: sender SSRC at bytes 4…7 (§6.4.1).
            let at = result.kind == "rtcp" ? 4 : 8
            let ssrc = String(format: "0x%08x", UInt32(p[at]) << 24 | UInt32(p[at + 1]) << 16 | UInt32(p[at + 2]) << 8 | UInt32(p[at + 3]))
            #expect(ssrc == result.ssrc, "frame \(result.frame)")
            let proto = result.kind == "rtcp" ? "srtcp" : "srtp"
            let key = "\(proto) \(ssrc) \(udp.source) \(udp.destination)"
            var c = counts[key] ?? Count()
            c.packets += 1
            switch result.status {
            case "authenticated": c.authenticated += 1; #expect(result.digest?.count == 32)
            case "replayed": c.replayed += 1
            case "auth_failed": c.failures += 1; #expect(result.digest == nil)
            default: Issue.record("frame \(result.frame): unknown status \(result.status)")
            }
            counts[key] = c
        }
        #expect(counts.count == expected.streams.count)
        for stream in expected.streams {
            let c = counts["\(stream.protocol) \(stream.ssrc) \(stream.src) \(stream.dst)"]
            #expect(c?.packets == stream.packets, "\(stream.ssrc) \(stream.protocol)")
            #expect(c?.authenticated == stream.authenticated)
            #expect(c?.replayed == stream.replayed)
            #expect(c?.failures == stream.failures)
        }
    }

    /// The impairments each scenario asks for are there in the expected results.
    @Test func impairmentsShowInTheExpectedResults() throws {
        let entry = try #require(Corpus.entries.first { $0.name == "impairments-sll" })
        let expected = try Corpus.expected(entry)
        // Caller: 2 duplicates, 2 corruptions; callee: 2 duplicates, 1 corruption (scenario file).
        #expect(expected.streams.reduce(0) { $0 + $1.replayed } == 4)
        #expect(expected.streams.reduce(0) { $0 + $1.failures } == 3)
        // The caller's sequence numbers start at 65500: its ROC goes 0 → 1.
        #expect(expected.streams.contains { $0.protocol == "srtp" && $0.firstROC == 0 && $0.lastROC == 1 })
        // The callee's SSRC change makes a third SRTP stream; its source is the NAT address.
        #expect(expected.streams.filter { $0.protocol == "srtp" }.count == 3)
        #expect(expected.streams.filter { $0.src.hasPrefix("203.0.113.7:") }.count >= 2)
    }
}
