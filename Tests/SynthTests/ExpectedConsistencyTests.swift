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
            let streamIndex = try #require(result.stream, "frame \(result.frame) names no stream")
            try #require(streamIndex < expected.streams.count)
            let stream = expected.streams[streamIndex]
            // Through TURN: the ChannelData header or the Send/Data indication around it must be as the stream says.
            let p = try #require(relayedPacket(udp.payload, stream), "frame \(result.frame): relay framing")
            try #require(p.count >= 12)
            // RTP: SSRC at bytes 8…11 (RFC 3550 §5.1); RTCP: sender SSRC at bytes 4…7 (§6.4.1).
            let at = result.kind == "rtcp" ? 4 : 8
            var ssrc = String(
                format: "0x%08x",
                UInt32(p[at]) << 24 | UInt32(p[at + 1]) << 16 | UInt32(p[at + 2]) << 8 | UInt32(p[at + 3]))
            if stream.protocol == "rtpme" {
                // MS-RTPME encrypts the whole packet, header included: the SSRC is not visible; the
                // length is padded to a multiple of 8 (DES-CBC).
                #expect(p.count % 8 == 0, "frame \(result.frame): RTPME length \(p.count)")
                ssrc = stream.ssrc
            }
            #expect(ssrc == result.ssrc, "frame \(result.frame)")
            let proto =
                stream.protocol == "rtpme"
                ? "rtpme" : result.kind == "rtcp" ? "srtcp" : (stream.protocol == "ssrtp" ? "ssrtp" : "srtp")
            #expect(
                stream.protocol == proto && stream.ssrc == ssrc && stream.src == udp.source
                    && stream.dst == udp.destination,
                "frame \(result.frame) is not on the wire what its stream says")
            let key = "\(streamIndex)"
            var c = counts[key] ?? Count()
            c.packets += 1
            switch result.status {
            case "authenticated":
                c.authenticated += 1
                #expect(result.digest?.count == 32)
            case "replayed": c.replayed += 1
            case "auth_failed":
                c.failures += 1
                #expect(result.digest == nil)
            default: Issue.record("frame \(result.frame): unknown status \(result.status)")
            }
            counts[key] = c
        }
        #expect(counts.count == expected.streams.count)
        for (i, stream) in expected.streams.enumerated() {
            let c = counts["\(i)"]
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

@Suite struct ScenarioFeatureTests {
    /// A re-INVITE rekey splits each flow in two streams: the same SSRC and addresses, new keys, keyed
    /// by the re-INVITE (caller) and its 200 OK (callee), and the sequence numbers go on.
    @Test func rekeyMakesSecondGenerationStreams() throws {
        let entry = try #require(Corpus.entries.first { $0.name == "reinvite-rekey" })
        let expected = try Corpus.expected(entry)
        let rtp = expected.streams.filter { $0.protocol == "srtp" }
        #expect(rtp.count == 4)
        for old in rtp.prefix(2) {
            let new = try #require(rtp.dropFirst(2).first { $0.ssrc == old.ssrc && $0.src == old.src })
            #expect(new.keys != old.keys)
            #expect(new.keyFrame > old.keyFrame)
        }
    }

    /// Forking: the second device's early media is keyed by its own 183 and comes from its own address.
    @Test func forkHasItsOwnKeyAndAddress() throws {
        let entry = try #require(Corpus.entries.first { $0.name == "forking-early-media" })
        let expected = try Corpus.expected(entry)
        let fork = try #require(expected.streams.first { $0.protocol == "srtp" && $0.src.hasPrefix("198.51.100.30:") })
        let main = try #require(expected.streams.first { $0.protocol == "srtp" && $0.src.hasPrefix("198.51.100.20:") })
        #expect(fork.keys != main.keys)
        #expect(fork.keyFrame != main.keyFrame && fork.keyFrame > 0 && main.keyFrame > 0)
        // The fork's media stops at the 200 OK: fewer packets than the main device's.
        #expect(fork.packets < main.packets)
    }
}

@Suite struct SSRTPLayoutTests {
    /// MS-SSRTP §2.2.1 wire layout, checked from the bytes: payload as long as the plaintext's, then a
    /// 6-byte ESN that grows across the context's packets (skipping low bytes of 0), the 1-byte MKI, a
    /// 10-byte tag.
    @Test func ssrtpFramesCarryESNAndMKI() throws {
        let entry = try #require(Corpus.entries.first { $0.name == "ssrtp-cryptoscale" })
        let expected = try Corpus.expected(entry)
        let frames = try readFrames(entry.captureURL.path)
        let index = try #require(expected.streams.firstIndex { $0.protocol == "ssrtp" })
        var lastESN: UInt64 = 0
        var count = 0
        for result in expected.mediaFrames where result.stream == index {
            let p = Array(try #require(UDPView(frames[result.frame - 1])).payload)
            // PCMU: 12-byte header + 160 bytes, then ESN (6) + MKI (1) + tag (10).
            try #require(p.count == 12 + 160 + 17, "frame \(result.frame): \(p.count) bytes")
            let esn = p[172..<178].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            #expect(p[178] == 1, "frame \(result.frame): MKI")
            #expect(esn > lastESN && esn & 0xFF != 0, "frame \(result.frame): ESN \(esn) after \(lastESN)")
            lastESN = esn
            count += 1
        }
        #expect(count > 100)
    }
}
