import Analysis
import Foundation
import SRTPDump
import TestSupport
import Testing
import Transforms

/// The public captures in `../shared/captures/public/` against the counts in their README (libsrtp as
/// the independent reference), with the keys listed there; tshark reads each decrypted capture.
/// Skipped, with this message, when the directory is absent (it is not part of the repository).
@Suite(
    .enabled(
        if: SharedFiles.publicCapturesPresent, "../shared/captures/public/ is absent: public-capture tests skipped"))
struct PublicCaptureTests {
    static func key(_ base64: String, _ name: String) throws -> TrialKey {
        let raw = try #require(Data(base64Encoded: base64))
        let bytes = [UInt8](raw)
        let policy = SRTPPolicy(
            suite: .aesCM128HMACSHA1_80, keys: [MasterKey(key: Array(bytes[0..<16]), salt: Array(bytes[16...]))])
        return TrialKey(id: name, material: .srtp(policy), source: name)
    }

    static func decrypt(_ file: String, keys: [TrialKey]) throws -> (DecryptPipeline.Summary, String) {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("public-\(UUID().uuidString).pcap").path
        var options = DecryptPipeline.Options(capturePath: SharedFiles.publicCapture(file).path)
        options.outputPath = out
        options.keys = StaticTrialKeys(entries: keys.map { StaticTrialKeys.Entry($0) })
        options.progress = false
        let summary = try DecryptPipeline(options: options).run(output: nil, errors: OutputStream(path: "/dev/null"))
        return (summary, out)
    }

    /// The UDP rows (the README's counts are of the UDP media).
    func stream(_ s: DecryptPipeline.Summary, _ ssrc: UInt32, _ proto: String) -> [MediaStream] {
        s.streams.filter { $0.ssrc == ssrc && $0.protocolName == proto && !$0.flow.tcp }
    }

    @Test func marseillaise() throws {
        let (s, out) = try Self.decrypt(
            "gteissier-marseillaise-srtp.pcap", keys: [try Self.key("aSBrbm93IGFsbCB5b3VyIGxpdHRsZSBzZWNyZXRz", "k")])
        defer { try? FileManager.default.removeItem(atPath: out) }
        #expect(s.frames == 11_888)
        #expect(s.streams.count == 1)
        let m = try #require(stream(s, 0xDEAD_BEEF, "srtp").first)
        #expect(m.packets == 11_888 && m.authenticated == 11_888 && m.authFailed == 0)
        #expect(m.statistics.lost == 0)
        #expect(s.exitStatus == .success)
        if Tshark.present {
            let (status, rows) = try Tshark.rtpStreams(out, extra: ["-d", "udp.port==10000,rtp"])
            #expect(status == 0)
            let row = try #require(rows.first { $0.ssrc == 0xDEAD_BEEF })
            #expect(row.payload == "g711A")
            #expect(row.packets == 11_888 && row.lost == 0 && !row.problems)
        }
    }

    /// The dsrtp capture keyed the way a user would: `--dtls-srtp-material` with the published keying
    /// material (no flow given, so bound by trial), through the signalling pipeline's key book.
    @Test func dsrtpBothDirections() throws {
        var signalling = SignallingPipeline.Options(capturePath: SharedFiles.publicCapture("dsrtp-av.pcap").path)
        signalling.inputs.dtlsSRTPMaterialFiles = [SharedFiles.publicCapture("dsrtp-av_material.hex").path]
        let book = try SignallingPipeline(options: signalling).run().book
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("public-\(UUID().uuidString).pcap").path
        var options = DecryptPipeline.Options(capturePath: SharedFiles.publicCapture("dsrtp-av.pcap").path)
        options.outputPath = out
        options.keys = KeyBookCandidates(book: book)
        options.progress = false
        let s = try DecryptPipeline(options: options).run(output: nil, errors: OutputStream(path: "/dev/null"))
        defer { try? FileManager.default.removeItem(atPath: out) }
        // The README's keys (key||salt) per side, to tell which one each stream authenticated with.
        let client = try #require(Data(base64Encoded: "eAgId4gCvoulSWTFU9cs+u7YosdxvB9oKezhxbGA"))
        let server = try #require(Data(base64Encoded: "awEA5G9hl6MPfCZLzXljxsRcShFam9XaT9oounuc"))
        func keyedWith(_ m: MediaStream) -> Data? {
            guard case .srtp(let p)? = m.key?.material, let k = p.keys.first else { return nil }
            return Data(k.key + k.salt)
        }
        let srtp = s.streams.filter { $0.protocolName == "srtp" }
        let srtcp = s.streams.filter { $0.protocolName == "srtcp" && !$0.flow.tcp }
        #expect(srtp.reduce(0) { $0 + $1.authenticated } == 1_729)
        #expect(stream(s, 0xE454_D8D4, "srtp").first?.authenticated == 1_239)
        #expect(stream(s, 0xFF81_56B7, "srtp").first?.authenticated == 490)
        #expect(srtp.allSatisfy { keyedWith($0) == server })
        #expect(srtcp.filter { keyedWith($0) == server }.reduce(0) { $0 + $1.authenticated } == 30)
        #expect(srtcp.filter { keyedWith($0) == client }.reduce(0) { $0 + $1.authenticated } == 15)
        #expect(s.streams.allSatisfy { $0.authFailed == 0 })
        #expect(s.streams.allSatisfy { $0.key?.source.hasPrefix("--dtls-srtp-material ") == true })
        if Tshark.present {
            let (status, rows) = try Tshark.rtpStreams(out, extra: ["--enable-heuristic", "rtp_udp"])
            #expect(status == 0)
            #expect(rows.first { $0.ssrc == 0xE454_D8D4 }?.packets == 1_239)
            #expect(rows.first { $0.ssrc == 0xFF81_56B7 }?.packets == 490)
            #expect(rows.allSatisfy { $0.lost == 0 && !$0.problems })
        }
    }

    @Test func veonTwoKeys() throws {
        let (s, out) = try Self.decrypt(
            "veon-WebRTC_PCMA_p2p_SDES_Call_1.pcap",
            keys: [
                try Self.key("7SYMKhu8sVMhCr4VXh+ZqkteB01QgqDSgLr4L9iU", "A"),
                try Self.key("bhn3DDDcf7GhHEnFkGLW9V223XncT60nJrTQK06x", "B"),
            ])
        defer { try? FileManager.default.removeItem(atPath: out) }
        let a = try #require(stream(s, 0xD092_D296, "srtp").first)
        let b = try #require(stream(s, 0x522B_93AB, "srtp").first)
        #expect(a.authenticated == 259 && a.key?.id == "A")
        #expect(b.authenticated == 227 && b.key?.id == "B")
        let srtcp = s.streams.filter { $0.protocolName == "srtcp" && !$0.flow.tcp }
        // The same SSRCs also went over an ICE-TCP candidate first (RFC 4571 framing, RFC 6544): 13 and 11
        // SRTP packets and one SRTCP each, under the same keys.
        let tcp = s.streams.filter(\.flow.tcp)
        #expect(tcp.first { $0.ssrc == 0xD092_D296 && $0.kind == .rtp }?.authenticated == 13)
        #expect(tcp.first { $0.ssrc == 0x522B_93AB && $0.kind == .rtp }?.authenticated == 11)
        #expect(tcp.filter { $0.kind == .rtcp }.map(\.authenticated) == [1, 1])
        #expect(tcp.allSatisfy { $0.authFailed == 0 && $0.key != nil })
        #expect(srtcp.filter { $0.key?.id == "A" }.reduce(0) { $0 + $1.authenticated } == 4)
        #expect(srtcp.filter { $0.key?.id == "B" }.reduce(0) { $0 + $1.authenticated } == 4)
        #expect(stream(s, 0xFA17_FA17, "srtcp").first?.authenticated == 2)
        #expect(s.streams.allSatisfy { $0.authFailed == 0 })
        if Tshark.present {
            let (status, rows) = try Tshark.rtpStreams(out, extra: ["--enable-heuristic", "rtp_udp"])
            #expect(status == 0)
            let ta = try #require(rows.first { $0.ssrc == 0xD092_D296 })
            let tb = try #require(rows.first { $0.ssrc == 0x522B_93AB })
            #expect(ta.packets == 259 && tb.packets == 227 && !ta.problems && !tb.problems)
            // tshark's own statistics of the decrypted streams agree with ours.
            #expect(abs(ta.maxDeltaMs - a.statistics.maxDeltaSeconds * 1000) < 0.002)
            #expect(abs(tb.maxJitterMs - b.statistics.maxJitterSeconds * 1000) < 0.002)
            // Mean jitter: this capture has markers and a timestamp going back mid-stream, where a plain
            // average of J and Wireshark's running mean part (10.274 ms, not 11.074, for B).
            #expect(abs(ta.meanJitterMs - a.statistics.meanJitterSeconds * 1000) < 0.0015)
            #expect(abs(tb.meanJitterMs - b.statistics.meanJitterSeconds * 1000) < 0.0015)
        }
    }
}
