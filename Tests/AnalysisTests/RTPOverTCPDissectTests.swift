import Analysis
import Capture
import Synth
import Foundation
import SRTPDump
import TestSupport
import Testing
import Transforms

/// `dissect` with keys on RTP over TCP (RFC 4571) where TCP does not put one packet in each segment: the
/// captures are RTPOverTCPSegmentationTests' (libsrtp protects, the byte stream is cut at chosen places).
/// Every packet must be shown once, decrypted, at the frame bringing its last byte, with the frame of
/// its first byte and its stream offset; after a hole the direction is taken up again at the next
/// segment made of whole packets (a dissection, unlike `decrypt`'s output, can start over).
@Suite struct RTPOverTCPDissectTests {
    typealias S = RTPOverTCPSegmentationTests
    typealias One = RTPOverTCPTests

    struct Shown {
        var frame: Int
        var srtp: [String: Any]
    }

    static func keys() -> StaticTrialKeys {
        let policy = SRTPPolicy(
            suite: .aesCM128HMACSHA1_80,
            keys: [Transforms.MasterKey(key: Array(One.keyAndSalt[0..<16]), salt: Array(One.keyAndSalt[16...]))])
        return StaticTrialKeys(entries: [.init(TrialKey(id: "k", material: .srtp(policy), source: "--key #1"))])
    }

    static func dissect(
        _ path: String, format: DissectionFormat = .json, verbose: Bool = false, limits: TCPMediaLimits = .init()
    ) throws -> String {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("tcpdissect-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        var options = DissectPipeline.Options(capturePath: path)
        options.format = format
        options.verbose = verbose
        options.tcpMedia = limits
        var media = DissectPipeline.MediaOptions()
        media.keys = keys()
        options.media = media
        let stream = try OutputStream(path: out.path)
        _ = try DissectPipeline(options: options).run(output: stream, errors: OutputStream(path: "/dev/null"))
        stream.flush()
        return try String(contentsOf: out, encoding: .utf8)
    }

    /// Every `srtp` and `srtp_more` object, with its frame, and each frame's diagnostic codes.
    static func shown(_ jsonLines: String) throws -> (media: [Shown], codes: [Int: [String]]) {
        var media: [Shown] = []
        var codes: [Int: [String]] = [:]
        for line in jsonLines.split(separator: "\n") {
            guard let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let n = o["frame"] as? Int
            else { continue }
            if let s = o["srtp"] as? [String: Any] { media.append(Shown(frame: n, srtp: s)) }
            for s in o["srtp_more"] as? [[String: Any]] ?? [] { media.append(Shown(frame: n, srtp: s)) }
            codes[n] = (o["diagnostics"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
        }
        return (media, codes)
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    /// Checks the dissection of one scenario; returns the indices of A's packets shown.
    @discardableResult
    static func verify(_ scenario: S.Scenario) throws -> Set<Int> {
        let built = try S.build(scenario)
        defer { try? FileManager.default.removeItem(atPath: built.path) }
        let (media, codes) = try shown(try dissect(built.path))
        // Where each of A's packets lies in the stream, and the first transmission of each stream byte.
        var starts: [Int] = []
        var at = 0
        for c in built.ciphertexts {
            starts.append(at)
            at += c.count
        }
        func frameHolding(_ byte: Int) -> Int? {
            built.segments.first { !$0.resent && $0.start <= byte && byte < $0.end }?.frame
        }
        var seen: Set<Int> = []
        var rtcpShown = 0
        for m in media {
            #expect(m.srtp["outcome"] as? String == "authenticated", "frame \(m.frame): \(m.srtp)")
            let decrypted = try #require(m.srtp["decrypted"] as? [String: Any], "frame \(m.frame)")
            let packet = try #require(decrypted["packet"] as? String)
            if m.srtp["protocol"] as? String == "srtcp" {
                #expect(m.frame == built.rtcpFrame)
                #expect(packet == hex(built.rtcpPlaintext))
                rtcpShown += 1
                continue
            }
            let i = try #require(built.plaintexts.firstIndex { hex($0) == packet }, "frame \(m.frame): unknown plaintext")
            #expect(seen.insert(i).inserted, "packet \(i) shown twice (again at frame \(m.frame))")
            let tcp = try #require(m.srtp["rfc4571"] as? [String: Any], "frame \(m.frame): no rfc4571 object")
            let first = starts[i]
            let last = starts[i] + built.ciphertexts[i].count - 1
            #expect(m.frame == frameHolding(last), "packet \(i) shown at frame \(m.frame)")
            #expect(tcp["from_frame"] as? Int == frameHolding(first), "packet \(i): from_frame")
            if scenario.handshake { #expect(tcp["offset"] as? Int == first, "packet \(i): stream offset") }
        }
        #expect(rtcpShown == 1)
        for (i, d) in built.decryptable.enumerated() where d {
            #expect(seen.contains(i), "\(scenario.name): packet \(i) not shown")
        }
        if let hole = built.frameOfFirstSegmentAfterHole {
            #expect(codes[hole]?.contains("dissect.tcp-media-framing") == true, "frame \(hole): \(codes[hole] ?? [])")
        }
        return seen
    }

    @Test(arguments: S.scenarios)
    func everyPacketShownOnceAtItsLastSegment(_ scenario: S.Scenario) throws { try Self.verify(scenario) }

    /// After the hole (stream bytes 2p+50..<2p+150 never captured), packet 2 cannot be framed, the next
    /// segment starts inside it, and the one after starts packet 3: framing is taken up there.
    @Test func framingTakenUpAgainAfterAHole() throws {
        let shown = try Self.verify(S.named("a hole"))
        #expect(shown == [0, 1, 3, 4, 5])
    }

    /// Segments of whole packets out of order: the one that comes late fills the bytes framing skipped,
    /// and its packet is shown at its own frame.
    @Test func lateSegmentOfWholePacketsShown() throws {
        let shown = try Self.verify(
            S.Scenario(name: "whole packets out of order", packets: 5, lengths: [S.p, S.p, S.p, S.p], swap: [1]))
        #expect(shown == Set(0..<5))
    }

    /// Segments sent again (go-back-N) right after framing was lost at the hole, and again at the end:
    /// nothing is shown twice, and framing is not taken up again before what was shown.
    @Test func retransmissionsAfterAHoleShowNothingAgain() throws {
        var scenario = S.named("a hole")
        scenario.replays = [3: [0, 1], 5: [0, 1, 2, 3, 4, 5]]
        let shown = try Self.verify(scenario)
        #expect(shown == [0, 1, 3, 4, 5])
    }

    @Test(arguments: 0..<8)
    func randomSegmentation(_ seed: Int) throws {
        var g = TestSupport.SeededGenerator(seed: UInt64(91_871 + seed))
        var scenario = S.randomScenario(seed, packets: 3...8, using: &g)
        if seed % 2 == 1 { scenario.resend = [Int.random(in: 0..<scenario.lengths.count, using: &g)] }
        let shown = try Self.verify(scenario)
        // No hole, no reordering: every packet.
        #expect(shown == Set(0..<scenario.packets))
    }

    /// The text form: both packets of one segment on its summary line, and each in the tree.
    @Test func textShowsEveryPacketOfASegment() throws {
        let built = try S.build(S.named("two packets in one segment"))
        defer { try? FileManager.default.removeItem(atPath: built.path) }
        let text = try Self.dissect(built.path, format: .text, verbose: true)
        let frame = try #require(built.segments.first).frame
        let summary = try #require(
            text.split(separator: "\n").first { $0.hasPrefix(String(repeating: " ", count: 6 - "\(frame)".count) + "\(frame) ") })
        #expect(summary.components(separatedBy: "SRTP authenticated").count - 1 == 2, "\(summary)")
        #expect(text.contains("RFC 4571 packet at stream offset 0, from frame \(frame)"))
        #expect(text.contains("RFC 4571 packet at stream offset \(S.p), from frame \(frame)"))
    }

    /// Past `tcp-media-bytes` (bytes of packets being assembled), the direction is dropped, with a
    /// diagnostic naming the limit at the frame that crossed it, and taken up again at a whole packet.
    @Test func assemblyLimitDropsTheDirection() throws {
        let built = try S.build(S.named("a packet split over two segments"))
        defer { try? FileManager.default.removeItem(atPath: built.path) }
        var limits = TCPMediaLimits()
        limits.maxBytesTotal = 50
        let output = try Self.dissect(built.path, limits: limits)
        let (media, codes) = try Self.shown(output)
        let first = try #require(built.segments.first).frame
        #expect(codes[first]?.contains("dissect.tcp-media-framing") == true, "frame \(first): \(codes[first] ?? [])")
        #expect(output.contains("limit tcp-media-bytes, 50"))
        // Packet 0 was being assembled when the limit was crossed: not shown. Segments of 60 and p - 60
        // bytes then split packet 1 the same way, and the segment of p bytes is packet 2 whole.
        let shownSeqs = media.compactMap { (($0.srtp["decrypted"] as? [String: Any])?["rtp"] as? [String: Any])?["seq"] as? Int }
        #expect(!shownSeqs.contains(7000))
        #expect(shownSeqs.contains(7002))
    }

    /// A connection's FIN releases its direction: with room for one direction only, a second connection
    /// after the first one's FIN is followed (without the release, it would be refused with
    /// `dissect.tcp-media-directions`), and a retransmission after the FIN shows nothing again.
    @Test func finReleasesTheDirection() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tcpfin-\(UUID().uuidString).pcap").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let capture = try TCPSegmentCapture(path: path)
        let session = try LibsrtpSession(suite: .aesCM128HMACSHA180, keys: [.init(keyAndSalt: One.keyAndSalt)])
        try session.addStream(ssrc: One.ssrcA)
        var plaintexts: [[UInt8]] = []
        var framed: [[UInt8]] = []
        for i in 0..<4 {
            plaintexts.append(One.rtp(seq: UInt16(100 + i), ts: 160 * UInt32(i)))
            framed.append(One.framed(try session.protect(plaintexts[i], rtcp: false)))
        }
        let a2 = Synth.Endpoint(address: One.a.address, port: One.a.port + 1)
        // Connection 1: two packets, then FIN, then the first segment again.
        try capture.send(One.a, One.b, seq: 1000, ack: 1, flags: [.ack, .psh], framed[0] + framed[1])
        let fin = UInt32(1000 + framed[0].count + framed[1].count)
        try capture.send(One.a, One.b, seq: fin, ack: 1, flags: [.ack, .fin], [])
        try capture.send(One.a, One.b, seq: 1000, ack: 1, flags: [.ack, .psh], framed[0] + framed[1])
        // Connection 2, from another port: two packets in one segment.
        try capture.send(a2, One.b, seq: 5000, ack: 1, flags: [.ack, .psh], framed[2] + framed[3])
        try capture.close()

        var limits = TCPMediaLimits()
        limits.maxDirections = 1
        let (media, codes) = try Self.shown(try Self.dissect(path, limits: limits))
        let packets = media.map { m in
            (m.frame, ((m.srtp["decrypted"] as? [String: Any])?["packet"] as? String) ?? "")
        }
        #expect(packets.map(\.0) == [1, 1, 4, 4], "\(packets.map(\.0))")
        #expect(packets.map(\.1) == plaintexts.map(Self.hex))
        #expect(codes.values.allSatisfy { !$0.contains("dissect.tcp-media-directions") }, "\(codes)")
    }

    /// The queue of ended directions stays bounded when connections keep reusing the same addresses (each
    /// SYN leaves a stale key): with room for one direction, the 1,025th such connection's FIN compacts
    /// the queue (past 2 × live entries + 1,024), and that direction, ended but not yet stored, must
    /// survive it, or the next connection finds no room.
    @Test func endedQueueCompactionKeepsTheLiveDirection() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tcpreuse-\(UUID().uuidString).pcap").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let capture = try TCPSegmentCapture(path: path)
        let session = try LibsrtpSession(suite: .aesCM128HMACSHA180, keys: [.init(keyAndSalt: One.keyAndSalt)])
        try session.addStream(ssrc: One.ssrcA)
        let connections = 1_025
        for i in 0..<connections {
            let packet = One.framed(try session.protect(One.rtp(seq: UInt16(i), ts: 160 * UInt32(i)), rtcp: false))
            let isn = UInt32(10_000 * i)
            try capture.send(One.a, One.b, seq: isn, ack: 0, flags: .syn, [])
            try capture.send(One.a, One.b, seq: isn &+ 1, ack: 1, flags: [.ack, .psh, .fin], packet)
        }
        let last = [
            One.framed(try session.protect(One.rtp(seq: 5000, ts: 0), rtcp: false)),
            One.framed(try session.protect(One.rtp(seq: 5001, ts: 160), rtcp: false)),
        ]
        let other = Synth.Endpoint(address: One.a.address, port: One.a.port + 7)
        try capture.send(other, One.b, seq: 77, ack: 1, flags: [.ack, .psh], last[0] + last[1])
        try capture.close()

        var limits = TCPMediaLimits()
        limits.maxDirections = 1
        let (media, codes) = try Self.shown(try Self.dissect(path, limits: limits))
        #expect(media.count == connections + 2)
        #expect(media.allSatisfy { $0.srtp["outcome"] as? String == "authenticated" })
        #expect(media.suffix(2).allSatisfy { $0.frame == 2 * connections + 1 })
        #expect(codes.values.allSatisfy { !$0.contains("dissect.tcp-media-directions") })
    }
}
