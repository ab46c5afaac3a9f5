import Capture
import Foundation
import KeyBook
import SRTPDump
import Testing
import TestSupport

/// One file of Captures/malformed/ and what a run over it must show (Captures/malformed/README.md says
/// what is broken in each). The frames around the broken one are real SIP and SRTP of demo-call.pcap,
/// keyed by the capture's own SDP: `valid` names one that must still be dissected and still decrypt.
struct MalformedCase: CustomTestStringConvertible, Sendable {
    var file: String
    /// The frame the diagnostic names; nil for a file-level problem.
    var frame: Int?
    /// The start of the field the dissection's diagnostic names; nil when dissect does not look there
    /// (it summarises SIP without parsing bodies: SIP and SDP problems are reported by the passes that
    /// parse them, `calls`, `keys`, `decrypt`).
    var dissectField: String?
    /// The start of the field a decrypt run names (its signalling pass and its decrypt pass together);
    /// nil when decrypt cannot know (padding is encrypted in SRTP).
    var decryptField: String?
    /// A frame after (or, for a broken last record, before) the bad one that must authenticate.
    var valid: Int?
    /// Frames the reader yields.
    var frames: Int

    var testDescription: String { file }
}

enum MalformedCorpus {
    static let directory = SharedFiles.captures.appendingPathComponent("malformed")
    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    static let cases: [MalformedCase] = [
        .init(file: "truncated-file-header.pcap", frame: nil, dissectField: "pcap.header", decryptField: "pcap.header", valid: nil, frames: 0),
        .init(file: "truncated-last-record.pcap", frame: 16, dissectField: "pcap.record", decryptField: "pcap.record", valid: 15, frames: 15),
        .init(file: "caplen-greater-than-len.pcap", frame: 10, dissectField: "frame.cap_len", decryptField: "frame.cap_len", valid: 11, frames: 16),
        .init(file: "caplen-past-snaplen.pcap", frame: 10, dissectField: "frame.cap_len", decryptField: "frame.cap_len", valid: 11, frames: 17),
        .init(file: "zero-length-records.pcap", frame: 10, dissectField: "frame.cap_len", decryptField: "frame.cap_len", valid: 12, frames: 18),
        .init(file: "pcapng-bad-block-length.pcapng", frame: 10, dissectField: "pcapng.block_length", decryptField: "pcapng.block_length", valid: 11, frames: 14),
        .init(file: "ipv4-ihl-below-20.pcap", frame: 10, dissectField: "ip.hdr_len", decryptField: "ip.hdr_len", valid: 11, frames: 17),
        .init(file: "ipv4-total-length-past-frame.pcap", frame: 10, dissectField: "ip.len", decryptField: "ip.len", valid: 11, frames: 17),
        .init(file: "ipv6-extension-loop.pcap", frame: 10, dissectField: "ipv6.nxt", decryptField: "ipv6.nxt", valid: 11, frames: 17),
        .init(file: "ip-fragments-overlapping.pcap", frame: 11, dissectField: "ip.frag", decryptField: "ip.frag", valid: 13, frames: 19),
        .init(file: "ip-fragments-incomplete.pcap", frame: 10, dissectField: "ip.frag", decryptField: "ip.frag", valid: 12, frames: 18),
        .init(file: "tcp-hole.pcap", frame: 12, dissectField: "tcp.seq", decryptField: "tcp.seq", valid: 13, frames: 19),
        .init(file: "tcp-overlap-conflict.pcap", frame: 12, dissectField: "tcp.seq", decryptField: "tcp.seq", valid: 14, frames: 20),
        .init(file: "sip-content-length-larger.pcap", frame: 1, dissectField: nil, decryptField: "SIP Content-Length", valid: 6, frames: 16),
        .init(file: "sip-content-length-negative.pcap", frame: 1, dissectField: nil, decryptField: "SIP Content-Length", valid: 6, frames: 16),
        .init(file: "sip-folded-headers-unending.pcap", frame: 10, dissectField: nil, decryptField: "SIP headers", valid: 11, frames: 17),
        .init(file: "sdp-thousands-of-lines.pcap", frame: 1, dissectField: nil, decryptField: "SDP", valid: 6, frames: 16),
        .init(file: "crypto-bad-base64.pcap", frame: 1, dissectField: nil, decryptField: "SDP line 12 a=crypto", valid: 6, frames: 16),
        .init(file: "crypto-key-too-short.pcap", frame: 1, dissectField: nil, decryptField: "SDP line 12 a=crypto", valid: 6, frames: 16),
        .init(file: "crypto-key-too-long.pcap", frame: 1, dissectField: nil, decryptField: "SDP line 12 a=crypto", valid: 6, frames: 16),
        .init(file: "crypto-mki-length-0.pcap", frame: 1, dissectField: nil, decryptField: "SDP line 12 a=crypto", valid: 6, frames: 16),
        .init(file: "crypto-mki-length-200.pcap", frame: 1, dissectField: nil, decryptField: "SDP line 12 a=crypto", valid: 6, frames: 16),
        .init(file: "crypto-lifetime-2-99.pcap", frame: 1, dissectField: nil, decryptField: "SDP line 12 a=crypto", valid: 6, frames: 16),
        .init(file: "rtp-csrc-count-past-packet.pcap", frame: 10, dissectField: "rtp.cc", decryptField: "rtp.cc", valid: 11, frames: 17),
        .init(file: "rtp-extension-length-past-packet.pcap", frame: 10, dissectField: "rtp.ext", decryptField: "rtp.ext", valid: 11, frames: 17),
        .init(file: "rtp-padding-larger-than-payload.pcap", frame: 10, dissectField: "rtp.padding", decryptField: nil, valid: 11, frames: 17),
        // Dissect used to unwrap ChannelData level by level, one stack frame each: a crash (issue 7).
        .init(file: "turn-channeldata-nested.pcap", frame: 10, dissectField: "turn.data", decryptField: nil, valid: 11, frames: 17),
        .init(file: "srtcp-shorter-than-trailer.pcap", frame: 10, dissectField: "rtcp.length", decryptField: "rtcp.length", valid: 11, frames: 17),
        // A block of a type the reader does not know is skipped without a word (pcapng §3.1 allows it).
        .init(file: "pcapng-unknown-block.pcapng", frame: nil, dissectField: nil, decryptField: nil, valid: 10, frames: 16),
    ]

    static func temp(_ ext: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("malformed-\(UUID().uuidString).\(ext)").path
    }

    /// Every frame of a capture, read with the library's reader.
    static func frames(_ path: String) throws -> [Frame] {
        try CaptureReader(path: path).allFrames()
    }

    /// A run of `decrypt` through the library, as the CLI runs it: the signalling pass builds the key
    /// book, the decrypt pass uses it.
    static func decrypt(_ path: String, output: String?) throws -> (
        signalling: SignallingPipeline.Result, summary: DecryptPipeline.Summary
    ) {
        let signalling = try SignallingPipeline(options: .init(capturePath: path)).run()
        var options = DecryptPipeline.Options(capturePath: path)
        options.outputPath = output
        options.progress = false
        options.keys = KeyBookCandidates(book: signalling.book)
        let errors = try OutputStream(path: "/dev/null")
        let summary = try DecryptPipeline(options: options).run(output: nil, errors: errors, record: true)
        return (signalling, summary)
    }
}

@Suite struct MalformedCorpusTests {
    /// Whether `d` names the case's frame and a field starting with `field`.
    static func names(_ d: Diagnostic, _ c: MalformedCase, _ field: String) -> Bool {
        d.frame == c.frame && (d.field ?? "").hasPrefix(field)
    }

    @Test func generatorReproducesTheCommittedFiles() throws {
        guard let python = Paths.which("python3") else { return }
        let r = try run(python, [MalformedCorpus.path("make-malformed.py"), "--check"])
        #expect(r.status == 0, "\(r.text)\(r.errorText)")
    }

    @Test func everyFileHasATestAndAReadmeLine() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: MalformedCorpus.directory.path)
            .filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }
        let readme = try String(contentsOf: MalformedCorpus.directory.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(Set(files) == Set(MalformedCorpus.cases.map(\.file)))
        for f in files { #expect(readme.contains("- `\(f)` — "), "README line for \(f)") }
    }

    @Test(arguments: MalformedCorpus.cases)
    func dissectReportsAndGoesOn(_ c: MalformedCase) throws {
        let out = MalformedCorpus.temp("jsonl")
        defer { try? FileManager.default.removeItem(atPath: out) }
        var options = DissectPipeline.Options(capturePath: MalformedCorpus.path(c.file))
        options.format = .json
        let summary = try DissectPipeline(options: options).run(
            output: try OutputStream(path: out), errors: try OutputStream(path: "/dev/null"))
        #expect(summary.framesRead == c.frames)
        let lines = try jsonLines(try Data(contentsOf: URL(fileURLWithPath: out)))
        let frames = lines.filter { $0["frame"] != nil }
        #expect(frames.count == c.frames)
        var diagnostics: [[String: Any]] = lines.compactMap { $0["diagnostic"] as? [String: Any] }
        for f in frames { diagnostics += (f["diagnostics"] as? [[String: Any]]) ?? [] }
        if let field = c.dissectField {
            let hit = diagnostics.contains {
                ($0["frame"] as? Int) == c.frame && (($0["field"] as? String) ?? "").hasPrefix(field)
            }
            #expect(hit, "no diagnostic naming frame \(c.frame.map(String.init) ?? "-") and \(field): \(diagnostics)")
        } else if c.file.hasPrefix("pcapng-unknown") {
            #expect(diagnostics.allSatisfy { ($0["severity"] as? String) == "note" }, "\(diagnostics)")
        }
        if let v = c.valid {
            let frame = try #require(frames.first { ($0["frame"] as? Int) == v })
            #expect(frame["rtp"] != nil, "frame \(v) after the bad one is no longer RTP: \(frame)")
        }
    }

    @Test(arguments: MalformedCorpus.cases)
    func decryptReportsGoesOnAndWritesEveryFrame(_ c: MalformedCase) throws {
        let path = MalformedCorpus.path(c.file)
        let out = MalformedCorpus.temp(c.file.hasSuffix(".pcapng") ? "pcapng" : "pcap")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let (signalling, summary) = try MalformedCorpus.decrypt(path, output: out)
        let all = signalling.diagnostics + summary.diagnostics
        if let field = c.decryptField {
            #expect(all.contains { Self.names($0, c, field) }, "no diagnostic naming frame and \(field): \(all)")
        }
        #expect(summary.frames == c.frames)
        #expect(summary.records.count == c.frames)
        if let v = c.valid {
            let record = try #require(summary.records.first { $0.frame == v })
            #expect(record.status == .authenticated, "frame \(v): \(record.status)")
        }
        // decrypt -w: exactly the input's frames, in order; those not decrypted byte for byte.
        let input = try MalformedCorpus.frames(path)
        let written = try MalformedCorpus.frames(out)
        #expect(written.count == input.count)
        for (i, (a, b)) in zip(input, written).enumerated() {
            #expect(a.timestamp == b.timestamp, "frame \(i + 1)")
            let status = summary.records[i].status
            if status != .authenticated && status != .replayed {
                #expect(a.data == b.data, "frame \(i + 1) (\(status)) changed")
                #expect(a.originalLength == b.originalLength, "frame \(i + 1)")
            } else {
                #expect(b.data.count < a.data.count, "frame \(i + 1) decrypted: the tag is gone")
            }
        }
    }

    /// A few files through the built binary: exit status 0, 1 or 2, the diagnostic on stderr, every
    /// frame written.
    @Test(arguments: [
        "ipv4-ihl-below-20.pcap", "rtp-csrc-count-past-packet.pcap", "crypto-mki-length-200.pcap",
        "pcapng-bad-block-length.pcapng", "truncated-file-header.pcap", "tcp-overlap-conflict.pcap", "turn-channeldata-nested.pcap",
    ])
    func theBinary(_ file: String) throws {
        let c = try #require(MalformedCorpus.cases.first { $0.file == file })
        let path = MalformedCorpus.path(file)
        let d = try srtpdump("dissect", path)
        #expect([0, 1, 2].contains(d.status))
        if let field = c.dissectField {
            let named = "\(c.frame.map { "frame \($0): " } ?? "")\(field)"
            #expect(d.text.contains(named) || d.errorText.contains(named), "\(named) not in dissect output")
        }
        let out = MalformedCorpus.temp(file.hasSuffix(".pcapng") ? "pcapng" : "pcap")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try srtpdump("decrypt", path, "-w", out)
        #expect([0, 1, 2].contains(r.status), "\(r.errorText)")
        // A file header cut short: nothing could be read, which a script must be able to tell (exit 2).
        if file == "truncated-file-header.pcap" { #expect(d.status == 2 && r.status == 2) }
        if let field = c.decryptField {
            let named = "\(c.frame.map { "frame \($0): " } ?? "")\(field)"
            #expect(r.errorText.contains(named) || r.text.contains(named), "\(named) not in decrypt output")
        }
        #expect(try MalformedCorpus.frames(out).count == c.frames)
    }
}
