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
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("decrypt-\(UUID().uuidString)-\(name)").path
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

        // Stream by stream.
        for (i, e) in expected.streams.enumerated() {
            let proto = e.protocol
            let matches = summary.streams.filter {
                StreamsReportWriter.ssrcText($0.ssrc) == e.ssrc && $0.flow.source.description == e.src
                    && $0.flow.destination.description == e.dst && $0.protocolName == proto
                    && $0.key?.id == e.suite + ":" + e.keys.joined(separator: ",")
            }
            guard let s = matches.first, matches.count == 1 else {
                Issue.record("\(name): expected stream \(i) (\(e.ssrc) \(proto) \(e.src)→\(e.dst)) found \(matches.count) times")
                continue
            }
            #expect(s.packets == e.packets, "\(name) stream \(i) packets")
            #expect(s.authenticated == e.authenticated, "\(name) stream \(i) authenticated \(s.authenticated) vs \(e.authenticated)")
            #expect(s.replayed == e.replayed, "\(name) stream \(i) replayed")
            #expect(s.authFailed == e.failures, "\(name) stream \(i) failures")
            #expect(s.suite == e.suite, "\(name) stream \(i) suite")
            if proto != "srtcp", proto != "rtpme" {
                #expect(s.firstROC == e.firstROC, "\(name) stream \(i) first ROC")
                #expect(s.lastROC == e.lastROC, "\(name) stream \(i) last ROC")
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
