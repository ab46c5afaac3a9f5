import Foundation
import Testing

/// The `dissect` command as a user runs it: golden outputs, filters, exit statuses.
///
/// Golden files live in Tests/EndToEndTests/Golden; `SRTPDUMP_REGENERATE=1` rewrites them (review the
/// diff before committing: a golden file is only as good as the eye that checked it).
@Suite struct DissectCLITests {
    static let regenerate = ProcessInfo.processInfo.environment["SRTPDUMP_REGENERATE"] == "1"

    func checkGolden(_ name: String, _ arguments: [String]) throws {
        let r = try run(Paths.srtpdump.path, arguments)
        #expect(r.status == 0, "srtpdump \(arguments.joined(separator: " ")): \(r.errorText)")
        let url = Paths.golden.appendingPathComponent(name)
        if Self.regenerate {
            try r.stdout.write(to: url)
            return
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        #expect(r.text == expected, "output differs from Golden/\(name); SRTPDUMP_REGENERATE=1 rewrites it")
    }

    static func fixture(_ name: String) -> String {
        Paths.captures.appendingPathComponent("linktypes").appendingPathComponent(name).path
    }

    @Test func summaryLinesOfEthernetCapture() throws {
        try checkGolden("dissect-ethernet.txt", ["dissect", Self.fixture("ethernet.pcap")])
    }

    @Test func layerTreeOfMultiInterfacePcapng() throws {
        try checkGolden("dissect-multi-interface-verbose.txt", ["dissect", "--verbose", Self.fixture("multi-interface.pcapng")])
    }

    @Test func jsonOfQinQCapture() throws {
        try checkGolden("dissect-qinq.jsonl", ["dissect", "--format", "json", Self.fixture("ethernet-qinq.pcap")])
    }

    @Test("a TURN Send or Data indication's line names its peer and summarises the media it carries, as a ChannelData line does")
    func turnIndicationsShowTheirData() throws {
        let r = try srtpdump("dissect", Paths.captures.appendingPathComponent("turn-channeldata.pcap").path)
        #expect(r.status == 0)
        let lines = r.text.split(separator: "\n")
        let send = try #require(lines.first { $0.contains("Send Indication") })
        #expect(send.contains("Send Indication peer=198.51.100.20:50000 len=182: PT=0, SSRC=0x64348dc2, Seq="), "\(send)")
        let data = try #require(lines.first { $0.contains("Data Indication") })
        #expect(data.contains("Data Indication peer=198.51.100.20:50000 len=182: PT=0, SSRC=0x2c121bec, Seq="), "\(data)")
        // A STUN message without DATA keeps the bare method and class.
        #expect(lines.contains { $0.hasSuffix("STUN 158 Allocate Success Response") })
    }

    @Test func nanosecondTimestampsAreKept() throws {
        let r = try srtpdump("dissect", "--format", "json", Self.fixture("ethernet-nanosecond.pcap"))
        let frames = try jsonLines(r.stdout)
        // The fixture puts frame i at i·20 ms + i·111 + 7 ns (Captures/README.md).
        for (i, f) in frames.enumerated() {
            let ns = i * 20_000_000 + i * 111 + 7
            let expected = "0.\(String(repeating: "0", count: 9 - String(ns - 7).count))\(ns - 7)"
            #expect(f["time_relative"] as? String == expected, "frame \(i + 1)")
            #expect((f["time"] as? String)?.hasSuffix(String(format: "%09d", ns % 1_000_000_000) + "Z") == true)
        }
        #expect(frames.count == 10)
    }

    @Test func bpfFilterSelectsFramesAndKeepsNumbers() throws {
        let r = try srtpdump("dissect", "--format", "json", "-f", "udp port 5060", Self.fixture("ethernet.pcap"))
        #expect(r.status == 0)
        let frames = try jsonLines(r.stdout)
        #expect(frames.compactMap { $0["frame"] as? Int } == [1, 6])
        #expect(frames.allSatisfy { $0["sip"] != nil })
    }

    @Test func filterWorksAcrossLinkTypesInOnePcapng() throws {
        let r = try srtpdump("dissect", "--format", "json", "-f", "udp dst port 50001", Self.fixture("multi-interface.pcapng"))
        let frames = try jsonLines(r.stdout)
        #expect(!frames.isEmpty)
        #expect(frames.allSatisfy { ($0["udp"] as? [String: Any])?["dst_port"] as? Int == 50001 })
        #expect(Set(frames.compactMap { $0["link_type"] as? String }).count > 1)
    }

    @Test func missingFileExitsWithStatus2() throws {
        let r = try srtpdump("dissect", "/nonexistent/capture.pcap")
        #expect(r.status == 2)
        #expect(r.errorText.contains("/nonexistent/capture.pcap"))
        #expect(r.stdout.isEmpty)
    }

    @Test func notACaptureExitsWithStatus2() throws {
        let r = try srtpdump("dissect", Paths.root.appendingPathComponent("README.md").path)
        #expect(r.status == 2)
        #expect(!r.errorText.isEmpty)
    }

    @Test func badFilterExitsWithStatus2() throws {
        let r = try srtpdump("dissect", "-f", "udp port nonsense(", Self.fixture("ethernet.pcap"))
        #expect(r.status == 2)
        #expect(r.errorText.lowercased().contains("filter"))
    }

    @Test func usageErrorExitsWith64() throws {
        let r = try srtpdump("dissect")
        #expect(r.status == 64)
    }

    @Test("an unknown --crypto is a usage error naming the choices, on every command that takes it")
    func unknownCryptoProviderIsAUsageError() throws {
        let capture = Paths.captures.appendingPathComponent("demo-call.pcap").path
        for command in [["dissect"], ["streams"], ["decrypt", "-w", "/dev/null"]] {
            let r = try run(Paths.srtpdump.path, command + ["--crypto", "opensll", capture])
            #expect(r.status == 64, "\(command): \(r.status) \(r.errorText)")
            #expect(r.errorText.contains("openssl") && r.errorText.contains("gcrypt"), "\(r.errorText)")
        }
        let good = try srtpdump("dissect", "--crypto", "openssl", "--format", "json", capture)
        #expect(good.status == 0, "\(good.errorText)")
    }

    @Test("dissect honours the media analysis's --limit streams (as decrypt does)")
    func dissectStreamsLimit() throws {
        let capture = Paths.captures.appendingPathComponent("demo-call.pcap").path
        func evictions(_ extra: [String]) throws -> Int {
            let r = try run(Paths.srtpdump.path, ["dissect", "--srtp", "--format", "json", capture] + extra)
            #expect(r.status == 0, "\(r.errorText)")
            return try jsonLines(r.stdout).flatMap { ($0["diagnostics"] as? [[String: Any]]) ?? [] }
                .filter { ($0["code"] as? String) == "decrypt.streams-evicted" }.count
        }
        // demo-call has four media streams (RTP and RTCP each way): with room for one, some are forgotten.
        #expect(try evictions([]) == 0)
        #expect(try evictions(["--limit", "streams=1"]) > 0)
    }

    @Test("relative times count from the capture's first frame, filtered or not (as Wireshark's)")
    func filteredRelativeTimes() throws {
        let capture = Paths.captures.appendingPathComponent("demo-call.pcap").path
        func times(_ extra: [String]) throws -> [Int: String] {
            let r = try run(Paths.srtpdump.path, ["dissect", capture, "--format", "json"] + extra)
            var out: [Int: String] = [:]
            for l in try jsonLines(r.stdout) {
                if let f = l["frame"] as? Int, let t = l["time_relative"] as? String { out[f] = t }
            }
            return out
        }
        let all = try times([])
        let filtered = try times(["-f", "udp port 40000"])
        #expect(!filtered.isEmpty && filtered.keys.min() ?? 0 > 1)
        for (f, t) in filtered { #expect(all[f] == t, "frame \(f): \(t) filtered, \(all[f] ?? "-") unfiltered") }
    }

    @Test func versionAndHelp() throws {
        let v = try srtpdump("--version")
        #expect(v.status == 0)
        #expect(v.text.split(separator: ".").count == 3)
        let h = try srtpdump("help", "dissect")
        #expect(h.status == 0)
        #expect(h.text.contains("Examples:"))
        #expect(h.text.contains("--format"))
        // No subcommand, or help of one that does not exist: a usage error on stderr, not help and 0.
        for arguments in [[String](), ["help", "nosuch"]] {
            let r = try run(Paths.srtpdump.path, arguments)
            #expect(r.status == 64 && r.text.isEmpty, "\(arguments): \(r.status)")
            #expect(r.errorText.contains("give one of dissect, calls, keys, decrypt, streams"), "\(r.errorText)")
        }
    }

    /// `make install` ships these: each shell's script must name the subcommands and their options.
    @Test(arguments: ["bash", "zsh", "fish"])
    func completionScriptsCoverTheSubcommands(_ shell: String) throws {
        let r = try srtpdump("--generate-completion-script", shell)
        #expect(r.status == 0)
        #expect(r.text.contains("dissect"))
        // bash and zsh spell options `--format`; fish declares them as `format=` / `-l format`.
        #expect(r.text.contains("format"))
    }

    @Test func truncatedCaptureReportsTheFrameAndKeepsTheRest() throws {
        // Cut the Ethernet fixture in the middle of its last record.
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.fixture("ethernet.pcap")))
        let cut = FileManager.default.temporaryDirectory.appendingPathComponent("srtpdump-cut-\(UUID().uuidString).pcap")
        try data.prefix(data.count - 30).write(to: cut)
        defer { try? FileManager.default.removeItem(at: cut) }
        let r = try srtpdump("dissect", "--format", "json", cut.path)
        #expect(r.status == 0)
        let lines = try jsonLines(r.stdout)
        #expect(lines.filter { $0["frame"] != nil }.count == 9)
        #expect(lines.contains { $0["diagnostic"] != nil })
        #expect(r.errorText.contains("truncated"))
    }
}
