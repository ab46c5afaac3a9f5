import Analysis
import Capture
import Foundation
import SRTPDump
import TestSupport
import Testing

/// `decrypt` reads the capture once, the signalling inline. Its oracle is the former two-pass run: the
/// whole capture's key book first (`SignallingPipeline`), then the decrypt pass with that fixed book.
/// Both must give the same report, the same frame-by-frame outcome and the same output bytes.
@Suite struct OnePassTests {
    struct Run {
        var summary: DecryptPipeline.Summary
        var report: String
        var output: [UInt8]
    }

    static func temp(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("onepass-\(UUID().uuidString)-\(name)").path
    }

    static func options(_ path: String, out: String) -> DecryptPipeline.Options {
        var o = DecryptPipeline.Options(capturePath: path)
        o.outputPath = out
        o.progress = false
        o.rocSearchBudget = 1
        return o
    }

    static func finish(_ o: DecryptPipeline.Options, out: String) throws -> Run {
        let summary = try DecryptPipeline(options: o).run(
            output: nil, errors: OutputStream(path: "/dev/null"), record: true)
        defer { try? FileManager.default.removeItem(atPath: out) }
        let report = String(
            decoding: StreamsReportWriter.json(
                frames: summary.frames, streams: summary.streams, diagnostics: summary.diagnostics), as: UTF8.self)
        return Run(summary: summary, report: report, output: [UInt8](try Data(contentsOf: URL(fileURLWithPath: out))))
    }

    /// The former way: a signalling pass builds the book, then the decrypt pass reads the capture again.
    static func twoPass(_ path: String, keySpecs: [String] = []) throws -> Run {
        var s = SignallingPipeline.Options(capturePath: path)
        s.inputs.keySpecs = keySpecs
        let book = try SignallingPipeline(options: s).run().book
        let out = temp(URL(fileURLWithPath: path).lastPathComponent)
        var o = options(path, out: out)
        o.keys = KeyBookCandidates(book: book)
        return try finish(o, out: out)
    }

    static func onePass(_ path: String, keySpecs: [String] = [], holdFrames: Int? = nil) throws -> Run {
        let out = temp(URL(fileURLWithPath: path).lastPathComponent)
        var o = options(path, out: out)
        o.signalling = DecryptPipeline.SignallingInputs(keySpecs: keySpecs)
        if let holdFrames { o.holdFrames = holdFrames }
        return try finish(o, out: out)
    }

    static func expectSame(_ one: Run, _ two: Run, _ name: String) {
        #expect(one.summary.frames == two.summary.frames, "\(name): frames")
        #expect(one.report == two.report, "\(name): reports differ\none pass: \(one.report)\ntwo passes: \(two.report)")
        #expect(one.summary.records.count == two.summary.records.count, "\(name): records")
        for (a, b) in zip(one.summary.records, two.summary.records) where a.status != b.status || a.ssrc != b.ssrc {
            Issue.record("\(name) frame \(a.frame): \(a.status) vs \(b.status) in two passes")
            break
        }
        #expect(one.output == two.output, "\(name): decrypted captures differ")
    }

    static let corpus: [String] = {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: SharedFiles.captures.path)) ?? []
        return files.filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }.sorted()
    }()

    /// Every corpus capture with the keys of its own signalling (midcall-raw has none: keys by hand).
    @Test(arguments: corpus)
    func corpusCaptureSameAsTwoPasses(_ name: String) throws {
        let path = SharedFiles.captures.appendingPathComponent(name).path
        let keys =
            name.hasPrefix("midcall-raw")
            ? ["MDEyMzQ1Njc4OWFiY2RlZmdoaWprbG1ub3BxcnN0", "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNk"] : []
        let one = try Self.onePass(path, keySpecs: keys)
        let two = try Self.twoPass(path, keySpecs: keys)
        Self.expectSame(one, two, name)
        #expect(one.summary.streams.contains { $0.authenticated > 0 }, "\(name): nothing decrypted")
    }

    @Test(.enabled(if: SharedFiles.publicCapturesPresent, "../shared/captures/public/ is absent: skipped"))
    func publicCapturesSameAsTwoPasses() throws {
        let cases: [(String, [String])] = [
            ("gteissier-marseillaise-srtp.pcap", ["aSBrbm93IGFsbCB5b3VyIGxpdHRsZSBzZWNyZXRz"]),
            ("veon-WebRTC_PCMA_p2p_SDES_Call_1.pcap", []),
        ]
        for (name, keys) in cases {
            let path = SharedFiles.publicCapture(name).path
            let one = try Self.onePass(path, keySpecs: keys)
            let two = try Self.twoPass(path, keySpecs: keys)
            Self.expectSame(one, two, name)
        }
    }

    /// demo-call with ten media frames moved before the INVITE: the one pass holds them until the SDP
    /// brings their keys, and decrypts them as the two passes do; with a look-behind of two frames it
    /// cannot wait that long and writes most of them unchanged. Either way the output keeps the input's order.
    @Test func mediaBeforeItsSignallingIsHeld() throws {
        let source = SharedFiles.captures.appendingPathComponent("demo-call.pcap").path
        let reader = try CaptureReader(path: source)
        var frames: [Frame] = []
        var f = Frame()
        while reader.next(into: &f) { frames.append(f) }
        try #require(frames.count > 20)
        let reordered = Array(frames[5..<15]) + Array(frames[0..<5]) + Array(frames[15...])
        let path = Self.temp("early-media.pcap")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try CaptureWriter(path: path, format: .pcap, interfaces: reader.interfaces)
        for var fr in reordered {
            fr.number = 0
            try writer.write(fr)
        }
        try writer.close()

        let one = try Self.onePass(path)
        let two = try Self.twoPass(path)
        Self.expectSame(one, two, "early media")
        #expect(one.summary.framesHeld >= 10)
        for r in one.summary.records.prefix(10) { #expect(r.status == .authenticated, "frame \(r.frame)") }

        let short = try Self.onePass(path, holdFrames: 2)
        #expect(short.summary.maxHeld <= 3)
        #expect(short.summary.records.map(\.frame) == Array(1...frames.count))
        // Frames 1-8 were decided before the INVITE came (frame 11); 9 and 10 were still held when it
        // brought the caller's key: 10, the caller's, was released then, decrypted (9 is the callee's,
        // whose key comes in the 200 OK, too late for this look-behind).
        #expect(!short.summary.records.prefix(9).contains { $0.status == .authenticated })
        #expect(short.summary.records[9].status == .authenticated)
        // The frames it could not decrypt are written as they came, in their place.
        let back = try CaptureReader(path: path)
        let plainOut = Self.temp("short.pcap")
        defer { try? FileManager.default.removeItem(atPath: plainOut) }
        try Data(short.output).write(to: URL(fileURLWithPath: plainOut))
        let written = try CaptureReader(path: plainOut)
        var a = Frame()
        var b = Frame()
        var n = 0
        while back.next(into: &a), written.next(into: &b) {
            n += 1
            #expect(a.timestamp == b.timestamp, "frame \(n): order")
            if n <= 8 { #expect(a.data == b.data, "frame \(n) changed") }
        }
        #expect(n == frames.count)
    }
}
