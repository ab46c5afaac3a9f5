import Analysis
import Capture
import Crypto
import Datagrams
import Foundation
import SRTPDump
import Synth
import TestSupport
import Testing

/// MS-RTPME has no tag: a wrong key decrypts about one RTP packet in eighteen per key reading to
/// something plausible (`RTPMEAcceptance`). Such a chance packet must not be written as decrypted nor
/// start a stream in the report: `decrypt` holds a stream's first packet until a later packet of the flow
/// continues it (`DecryptEngine.probeRTPME`), and leaves it encrypted, with a diagnostic, when none does.
/// On rtpme-k-base64.pcap (99 RTP packets each way, one RTCP each way).
@Suite struct RTPMEConfirmationTests {
    static let name = "rtpme-k-base64.pcap"
    static let path = SharedFiles.captures.appendingPathComponent(name).path

    /// `count` passphrases no stream of the capture uses, each offered on every flow before any other key.
    static func wrongKeys(_ count: Int) -> [StaticTrialKeys.Entry] {
        var rng = TestSupport.SeededGenerator(seed: 0x5254_504D)
        return (0..<count).map { i in
            let pass = Data(rng.bytes(32)).base64EncodedString()
            return StaticTrialKeys.Entry(
                TrialKey(id: "wrong \(i)", material: .rtpme(passphraseBase64: pass), source: "wrong key \(i)", priority: 0))
        }
    }

    static func run(_ keys: StaticTrialKeys, holdFrames: Int = 4096) throws -> (
        summary: DecryptPipeline.Summary, input: [Frame], output: [Frame]
    ) {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("rtpme-\(UUID().uuidString).pcap").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        var options = DecryptPipeline.Options(capturePath: path)
        options.outputPath = out
        options.keys = keys
        options.progress = false
        options.holdFrames = holdFrames
        let summary = try DecryptPipeline(options: options).run(
            output: nil, errors: OutputStream(path: "/dev/null"), record: true)
        return (summary, try CaptureReader(path: path).allFrames(), try CaptureReader(path: out).allFrames())
    }

    static func unconfirmed(_ s: DecryptPipeline.Summary) -> [Diagnostic] {
        s.diagnostics.filter { $0.code == "decrypt.rtpme-unconfirmed" }
    }

    /// Eight wrong keys, two readings each, on ~200 packets: dozens of chance plausible packets, none of
    /// them taken. (Before the wait, each became a one-packet stream "authenticated" and was written as
    /// garbage plaintext.)
    @Test func wrongKeysDecryptNothing() throws {
        let corpus = try CorpusKeys(name: Self.name)
        let signalled = Set(corpus.expected.streams.compactMap { CorpusKeys.flow($0) })
        let r = try Self.run(StaticTrialKeys(entries: Self.wrongKeys(8), signalledFlows: signalled))
        let accepted = r.summary.records.filter { $0.status == .authenticated || $0.status == .replayed }
        #expect(accepted.isEmpty, "\(accepted.count) packets taken as decrypted under wrong keys")
        #expect(r.summary.streams.isEmpty || r.summary.streams.allSatisfy { $0.authenticated == 0 })
        #expect(r.output.count == r.input.count)
        for (a, b) in zip(r.input, r.output) where a.data != b.data {
            Issue.record("frame \(a.number) changed under wrong keys")
        }
        // The refusals are reported, naming the key: the wait really met chance plausible packets.
        let refused = Self.unconfirmed(r.summary)
        #expect(refused.count >= 10, "only \(refused.count) chance plausible packets refused")
        #expect(refused.allSatisfy { $0.message.contains("with the key wrong key ") && $0.frame != nil })
        // Each signalled flow of more than one packet (the two RTP flows; the RTCP flows hold one each,
        // which cannot be judged) is reported as one no key decrypts, and the run fails as a wrong SRTP
        // key's does (exit status 1).
        let noKey = r.summary.diagnostics.filter { $0.code == "decrypt.rtpme-no-key" }
        let judged = corpus.expected.streams.filter { $0.packets > 1 }.compactMap { CorpusKeys.flow($0) }
        #expect(judged.count == 2)
        #expect(noKey.count == judged.count)
        for flow in judged {
            #expect(noKey.contains { $0.message.contains("\(flow):") }, "\(flow) not reported")
        }
        #expect(noKey.contains { $0.message.contains("none of its 99 packets") })
        #expect(r.summary.exitStatus == .authenticationFailures)
    }

    /// The right keys offered after eight wrong ones: a wrong key's chance plausible first packet is
    /// refuted, the right key is then tried on it, and every media packet is decrypted, the first ones
    /// included, as the expected results say.
    @Test func rightKeyAfterWrongOnesDecryptsEveryPacket() throws {
        let corpus = try CorpusKeys(name: Self.name)
        let keys = StaticTrialKeys(entries: Self.wrongKeys(8) + corpus.trialOnlySource.entries)
        let r = try Self.run(keys)
        let media = corpus.expected.mediaFrames.filter { $0.status == "authenticated" }
        #expect(media.count == 200)
        for e in media {
            let status = r.summary.records[safe: e.frame - 1]?.status
            #expect(status == .authenticated, "frame \(e.frame) (\(e.kind)): \(String(describing: status))")
        }
        #expect(r.output.count == r.input.count)
        #expect(r.summary.streams.count == corpus.expected.streams.count)
        #expect(!r.summary.diagnostics.contains { $0.code == "decrypt.rtpme-no-key" })
    }

    /// Frames in capture order and every one written, while the first packets wait: with a look-behind
    /// buffer of 1 frame the wait is cut short, and the packets that could not wait are left encrypted
    /// with a diagnostic rather than taken on trust. (A chance plausible reading of a first packet must
    /// not displace the stream its context saw: before the per-reading tentatives, one direction lost
    /// its second packet too.)
    @Test func aShortBufferLeavesUnconfirmedPacketsEncrypted() throws {
        let corpus = try CorpusKeys(name: Self.name)
        let r = try Self.run(corpus.trialOnlySource, holdFrames: 1)
        #expect(r.output.count == r.input.count)
        for (i, (a, b)) in zip(r.input, r.output).enumerated() where b.timestamp != a.timestamp {
            Issue.record("frame \(i + 1) written out of order")
            break
        }
        for (i, rec) in r.summary.records.enumerated() where rec.status != .authenticated {
            #expect(r.input[i].data == r.output[i].data, "frame \(i + 1) (\(rec.status)) changed")
        }
        // The RTP after the first packet of each direction still decrypts.
        let rtp = r.summary.streams.filter { $0.kind == .rtp }
        #expect(rtp.count == 2)
        // Only the first packet of each direction is lost: each waits, the buffer is full at once, and it
        // is decided unconfirmed (frames 6 and 7 open the two directions).
        #expect(rtp.map(\.authenticated) == [98, 98])
        #expect(Set(Self.unconfirmed(r.summary).compactMap(\.frame)) == [6, 7])
    }

    /// `dissect` holds nothing: the first RTP packet of each direction cannot wait for the next, so it is
    /// shown undecrypted with the warning, and the rest of the stream decrypts.
    @Test func dissectShowsFirstPacketsUnconfirmed() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("rtpme-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: out) }
        var options = DissectPipeline.Options(capturePath: Self.path)
        options.format = .json
        options.media = DissectPipeline.MediaOptions()
        let stream = try OutputStream(path: out.path)
        _ = try DissectPipeline(options: options).run(output: stream, errors: OutputStream(path: "/dev/null"))
        stream.flush()
        var warned: [Int] = []
        var decrypted = 0
        for line in try String(contentsOf: out, encoding: .utf8).split(separator: "\n") {
            let f = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            guard let n = f["frame"] as? Int else { continue }
            let codes = (f["diagnostics"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
            if codes.contains("decrypt.rtpme-unconfirmed") {
                warned.append(n)
                #expect(f["srtp"] == nil, "frame \(n) shown decrypted")
            }
            if let srtp = f["srtp"] as? [String: Any], srtp["outcome"] as? String == "authenticated" { decrypted += 1 }
        }
        // Frames 6 and 7 open the two RTP streams (expected.json).
        #expect(warned == [6, 7])
        #expect(decrypted == 198)
    }

    /// A key offered for every flow and a flood of flows: the MS-RTPME contexts and counts kept stay
    /// within the streams limit, the idlest forgotten with a diagnostic (issue 7's bounded resources).
    @Test func rtpmeFlowsAreBounded() throws {
        let limit = 16
        var options = DecryptEngine.Options(provider: try CryptoProviders.named("openssl"))
        options.maxStreams = limit
        let engine = DecryptEngine(keys: StaticTrialKeys(entries: Self.wrongKeys(1)), options: options)
        let decoder = FrameDecoder(options: FrameDecoder.Options())
        var decoded = DecodedFrame(frameNumber: 0)
        var rng = TestSupport.SeededGenerator(seed: 7)
        var most = 0
        for n in 1...600 {
            let a = Synth.Endpoint(address: [10, 0, UInt8(n >> 8), UInt8(n & 0xFF)], port: 40000)
            let b = Synth.Endpoint(address: [10, 1, 0, 1], port: 50000)
            let ip = IPPacketBuilder.ip(
                source: a.address, destination: b.address, proto: .udp, identification: UInt16(n),
                payload: IPPacketBuilder.udp(from: a, to: b, payload: rng.bytes(24)))
            let frame = Frame(
                number: n, timestamp: Timestamp(seconds: Int64(n), nanoseconds: 0), originalLength: ip.count,
                linkType: .raw, data: ip)
            decoder.decode(frame, into: &decoded)
            _ = engine.process(frame, decoded)
            most = max(most, engine.rtpmeFlowsTracked)
        }
        #expect(most <= limit)
        #expect(most == limit, "the flood did not reach the limit: the test tries nothing")
        #expect(engine.allDiagnostics.contains { $0.code == "decrypt.rtpme-flows-evicted" })
    }
}
