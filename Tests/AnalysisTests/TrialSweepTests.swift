import Analysis
import Capture
import Datagrams
import Foundation
import SRTPDump
import TestSupport
import Testing
import Transforms

/// The engine's trial of keys signalled for neither a flow nor its call (every other key of a capture,
/// for media behind NAT): each such key is tried on a stream a bounded number of times, not on each of
/// its first 64 packets (`DecryptEngine.Sweep`; 2,000 calls and 50 such streams took 375 s before).
@Suite struct TrialSweepTests {
    /// `StaticTrialKeys` that counts the candidates it hands out of priority 100 (the other calls' keys).
    final class CountingKeys: TrialKeySource {
        let inner: StaticTrialKeys
        var foreignHandedOut = 0
        init(_ inner: StaticTrialKeys) { self.inner = inner }

        var fullCalls = 0
        var skipCalls: [Int: Int] = [:]
        func candidates(for flow: MediaFlowKey, ssrc: UInt32?, frame: Int) -> [TrialKey] {
            fullCalls += 1
            let all = inner.candidates(for: flow, ssrc: ssrc, frame: frame)
            foreignHandedOut += all.count { $0.priority >= 100 }
            return all
        }

        func candidates(
            for flow: MediaFlowKey, ssrc: UInt32?, frame: Int, skippingForeign: Int
        ) -> (keys: [TrialKey], foreign: Int, all: Int) {
            skipCalls[skippingForeign == .max ? -1 : skippingForeign, default: 0] += 1
            let r = inner.candidates(for: flow, ssrc: ssrc, frame: frame, skippingForeign: skippingForeign)
            foreignHandedOut += r.keys.count { $0.priority >= 100 }
            return r
        }

        /// Not counted: asking whether there is any key hands out none (KeyBookCandidates answers it
        /// without building the list).
        func hasCandidates(for flow: MediaFlowKey, ssrc: UInt32?, frame: Int) -> Bool {
            !inner.candidates(for: flow, ssrc: ssrc, frame: frame).isEmpty
        }

        func isSignalledMedia(_ flow: MediaFlowKey, frame: Int) -> Bool { false }
    }

    /// 300 keys nobody uses, and the callee's key of demo-call.pcap among them (position 150), none scoped
    /// to a flow: the callee's streams bind by trial at their first packet; the caller's (keyless here)
    /// are tried a few times per key, not 64 and more.
    @Test func keysOfOtherCallsAreTriedABoundedNumberOfTimesPerStream() throws {
        var entries: [StaticTrialKeys.Entry] = (0..<300).map { i in
            let bytes = (0..<30).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ i &* 13) }
            let k = MasterKey(key: Array(bytes.prefix(16)), salt: Array(bytes.dropFirst(16)), mki: [])
            return .init(TrialKey(id: "wrong \(i)", material: .srtp(SRTPPolicy(suite: .aesCM128HMACSHA1_80, keys: [k])), source: "wrong \(i)"))
        }
        entries.insert(
            .init(TrialKey(id: "callee", material: .srtp(DiagnosisTests.policy(DiagnosisTests.calleeKey)), source: "callee")),
            at: 150)
        let keys = CountingKeys(StaticTrialKeys(entries: entries))
        var options = DecryptPipeline.Options(capturePath: SharedFiles.captures.appendingPathComponent("demo-call.pcap").path)
        options.keys = keys
        options.progress = false
        options.rocSearchEnabled = false
        let s = try DecryptPipeline(options: options).run(output: nil, errors: OutputStream(path: "/dev/null"))
        let callee = try #require(s.streams.first { $0.ssrc == 0xB8E6_035D && $0.kind == .rtp })
        #expect(callee.authenticated == 499 && callee.authFailed == 0)
        #expect(callee.key?.source == "callee")
        let caller = try #require(s.streams.first { $0.ssrc == 0xAE1C_7766 && $0.kind == .rtp })
        #expect(caller.authenticated == 0 && caller.packets == 499)
        // The caller's RTP stream is tried on its first 64 packets and on one in 64 after: 71 trials.
        // Full sweeps on the first 3 and every 16th trial (7 here), the others only over keys added since
        // (none); about as many for its RTCP stream, one each for the callee's streams, and one each for
        // the report (a failed stream's suite, its diagnosis) and for the MS-RTPME question (are all keys
        // MS-RTPME?): about 21 lists of 301 in all. Before: 720.
        #expect(keys.foreignHandedOut <= 301 * 30, "\(keys.foreignHandedOut) keys handed out; full \(keys.fullCalls), skip \(keys.skipCalls)")
        #expect(keys.foreignHandedOut >= 301 * 4, "\(keys.foreignHandedOut): the caller's stream was not swept")
    }
}

/// A rekey on a stream whose new key is among keys already tried and failed on it (a media server's log
/// gives every key of a call from the start; two damaged packets earlier put the new key among them):
/// the first failure after packets that authenticated is a full sweep, so the new key binds at once.
@Suite struct TrialSweepRekeyTests {
    @Test func aRekeyBindsAtOnceAfterDamagedPacketsSweptItsKey() throws {
        let corpus = try CorpusKeys(name: "reinvite-rekey.pcap")
        // Every key from the start, for every flow (no frame, so none waits for its SDP).
        let keys = corpus.candidates.map { c -> StaticTrialKeys.Entry in
            var k = c
            k.frame = nil
            return .init(k)
        }
        // Two packets of the callee's first key, tags damaged (the last byte flipped).
        let callee = corpus.expected.mediaFrames.filter { $0.ssrc == "0x76d8cc25" && $0.kind == "rtp" }.map(\.frame)
        let damaged = Set([callee[10], callee[20]])
        var frames = try CaptureReader(path: SharedFiles.captures.appendingPathComponent("reinvite-rekey.pcap").path)
            .allFrames()
        for i in frames.indices where damaged.contains(frames[i].number) {
            frames[i].data[frames[i].data.count - 1] ^= 0xFF
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rekey-\(UUID().uuidString).pcap").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try CaptureWriter(
            path: path, format: .pcap, interfaces: [CaptureInterface(linkType: .ethernet, snapLength: 262_144)])
        for f in frames { try writer.write(f) }
        try writer.close()

        var options = DecryptPipeline.Options(capturePath: path)
        options.keys = StaticTrialKeys(entries: keys)
        options.progress = false
        options.rocSearchEnabled = false
        let s = try DecryptPipeline(options: options).run(output: nil, errors: OutputStream(path: "/dev/null"))
        let rows = s.streams.filter { $0.ssrc == 0x76D8_CC25 && $0.kind == .rtp }
        #expect(rows.map(\.authenticated) == [74, 73], "\(rows.map { ($0.authenticated, $0.authFailed) })")
        #expect(rows.map(\.authFailed) == [2, 0], "\(rows.map { ($0.authenticated, $0.authFailed) })")
    }
}
