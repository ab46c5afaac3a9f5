import Analysis
import Capture
import Datagrams
import Foundation
import SRTPDump
import Synth
import TestSupport
import Testing

/// Every synthesized corpus capture, decrypted with the keys of its expected results, against those
/// results frame by frame (status, and the SHA-256 digest of the plaintext read back from the decrypted
/// capture we wrote) and stream by stream (counts and ROCs).
@Suite struct CorpusDecryptTests {
    static let names: [String] = {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: SharedFiles.captures.path)) ?? []
        return files.filter { ($0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng")) }.sorted()
    }()

    @Test(arguments: names)
    func decryptMatchesExpected(_ name: String) throws {
        let keys = try CorpusKeys(name: name)
        let input = SharedFiles.captures.appendingPathComponent(name).path
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("decrypt-\(UUID().uuidString)-\(name)")
            .path
        defer { try? FileManager.default.removeItem(atPath: out) }
        var options = DecryptPipeline.Options(capturePath: input)
        options.outputPath = out
        options.keys = keys.source
        options.progress = false
        options.rocSearchBudget = 1
        let summary = try DecryptPipeline(options: options).run(
            output: nil, errors: OutputStream(path: "/dev/null"), record: true)
        let expected = keys.expected
        #expect(summary.frames == expected.frames)

        // Frame by frame: status.
        let digests = try Self.mediaDigests(out)
        for e in expected.mediaFrames {
            guard let r = summary.records[safe: e.frame - 1] else {
                Issue.record("\(name): frame \(e.frame) missing")
                continue
            }
            let status: String =
                switch r.status {
                case .notMedia, .clear: "not_media"
                case .authenticated: "authenticated"
                case .replayed: "replayed"
                case .failed: "auth_failed"
                }
            #expect(status == e.status, "\(name) frame \(e.frame): \(status), expected \(e.status) (\(e.kind))")
            if let d = e.digest, e.status == "authenticated" || e.status == "replayed" {
                #expect(digests[e.frame] == d, "\(name) frame \(e.frame) (\(e.kind)): plaintext digest differs")
            }
        }

        if Tshark.present { try Self.checkWithTshark(name: name, decrypted: out, summary: summary, expected: expected) }

        // Stream by stream.
        for (i, e) in expected.streams.enumerated() {
            let proto = e.protocol
            let matches = summary.streams.filter {
                StreamsReportWriter.ssrcText($0.ssrc) == e.ssrc && $0.flow.source.description == e.src
                    && $0.flow.destination.description == e.dst && $0.flow.channel == e.channel
                    && $0.protocolName == proto
                    && $0.key?.id == e.suite + ":" + e.keys.joined(separator: ",")
            }
            guard let s = matches.first, matches.count == 1 else {
                Issue.record(
                    "\(name): expected stream \(i) (\(e.ssrc) \(proto) \(e.src)→\(e.dst)) found \(matches.count) times")
                continue
            }
            #expect(s.packets == e.packets, "\(name) stream \(i) packets")
            #expect(
                s.authenticated == e.authenticated,
                "\(name) stream \(i) authenticated \(s.authenticated) vs \(e.authenticated)")
            #expect(s.replayed == e.replayed, "\(name) stream \(i) replayed")
            #expect(s.authFailed == e.failures, "\(name) stream \(i) failures")
            #expect(s.suite == e.suite, "\(name) stream \(i) suite")
            if proto != "srtcp", proto != "rtpme" {
                #expect(s.firstROC == e.firstROC, "\(name) stream \(i) first ROC")
                #expect(s.lastROC == e.lastROC, "\(name) stream \(i) last ROC")
            }
        }
    }

    /// tshark reads the decrypted capture, and its `-z rtp,streams` shows each decrypted RTP stream
    /// (ChannelData and TURN indications excepted: tshark does not look inside them) with our packet count, loss, maximum delta
    /// and, for static payload types, maximum jitter; "problems" only where we saw loss or disorder.
    static func checkWithTshark(
        name: String, decrypted: String, summary: DecryptPipeline.Summary, expected: ExpectedResults
    )
        throws
    {
        let (status, rows) = try Tshark.rtpStreams(decrypted, extra: ["--enable-heuristic", "rtp_udp"])
        #expect(status == 0, "\(name): tshark could not read the decrypted capture")
        // Nor inside TURN Send/Data indications (the expected results say which streams travel in them).
        let inIndications = Set(
            expected.streams.filter { $0.indication != nil }.map { "\($0.ssrc) \($0.src) \($0.dst)" })
        for s in summary.streams where s.kind == .rtp && s.flow.channel == nil && s.authenticated > 0 {
            let id = "\(StreamsReportWriter.ssrcText(s.ssrc)) \(s.flow.source) \(s.flow.destination)"
            if inIndications.contains(id) { continue }
            let matching = rows.filter { $0.ssrc == s.ssrc }
            guard let row = matching.first(where: { $0.packets == s.packets }) ?? matching.first else {
                Issue.record("\(name): tshark shows no stream \(StreamsReportWriter.ssrcText(s.ssrc))")
                continue
            }
            // A rekey splits one SSRC into two of our rows; tshark keeps one.
            let rows = summary.streams.filter { $0.ssrc == s.ssrc && $0.kind == .rtp && $0.flow == s.flow }
            if rows.count > 1 { continue }
            #expect(row.packets == s.packets, "\(name) \(StreamsReportWriter.ssrcText(s.ssrc)): tshark packets")
            #expect(row.lost == s.statistics.lost, "\(name) \(StreamsReportWriter.ssrcText(s.ssrc)): tshark lost")
            #expect(
                abs(row.maxDeltaMs - s.statistics.maxDeltaSeconds * 1000) < 0.002,
                "\(name) \(StreamsReportWriter.ssrcText(s.ssrc)): max delta \(row.maxDeltaMs) vs ours \(s.statistics.maxDeltaSeconds * 1000)"
            )
            if s.payloadTypes.allSatisfy({ $0 < 96 }) {
                #expect(
                    abs(row.maxJitterMs - s.statistics.maxJitterSeconds * 1000) < 0.002,
                    "\(name) \(StreamsReportWriter.ssrcText(s.ssrc)): max jitter \(row.maxJitterMs) vs ours \(s.statistics.maxJitterSeconds * 1000)"
                )
                // tshark prints three decimals: half a microsecond of rounding either way.
                #expect(
                    abs(row.meanJitterMs - s.statistics.meanJitterSeconds * 1000) < 0.0015,
                    "\(name) \(StreamsReportWriter.ssrcText(s.ssrc)): mean jitter \(row.meanJitterMs) vs ours \(s.statistics.meanJitterSeconds * 1000)"
                )
            }
            if s.statistics.lost == 0 && s.statistics.sequenceErrors == 0 {
                #expect(!row.problems, "\(name) \(StreamsReportWriter.ssrcText(s.ssrc)): tshark flags problems")
            }
        }
    }

    /// The digest of every media packet in the decrypted capture, by frame (Synth's `plaintextDigest`).
    static func mediaDigests(_ path: String) throws -> [Int: String] {
        let reader = try CaptureReader(path: path)
        let decoder = FrameDecoder()
        var frame = Frame()
        var out: [Int: String] = [:]
        while reader.next(into: &frame) {
            let d = decoder.decode(frame)
            if let p = MediaPacketLocator.locate(frame, d) {
                out[frame.number] = plaintextDigest(Array(frame.data[p.range]))
            }
        }
        return out
    }
}
