// The built `srtpdump-synth` binary as a user runs it: a scenario file gives the same capture and
// expected results as the library (and as the committed corpus), flags alone give a call, the same seed
// the same bytes, a bad scenario a usage error (exit 64, Docs/synth.md), and --help its usage.
import Foundation
import Synth
import Testing

enum SynthBinary {
    /// Built beside the test bundle (SynthTests depends on the executable target).
    static let url: URL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        .appendingPathComponent("srtpdump-synth")

    static var present: Bool { FileManager.default.isExecutableFile(atPath: url.path) }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        let errURL = FileManager.default.temporaryDirectory.appendingPathComponent("synth-\(UUID().uuidString).err")
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errURL) }
        let errHandle = try FileHandle(forWritingTo: errURL)
        let out = Pipe()
        process.standardOutput = out
        process.standardError = errHandle
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try errHandle.close()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: data, as: UTF8.self),
            stderr: String(decoding: (try? Data(contentsOf: errURL)) ?? Data(), as: UTF8.self))
    }
}

// The binary is built with the tests (Package.swift); a test run that did not build it skips these.
@Suite(.enabled(if: SynthBinary.present, "srtpdump-synth is not built beside the tests"))
struct SynthCommandTests {
    @Test func scenarioFileGivesTheLibrarysAndTheCorpussBytes() throws {
        let entry = try #require(Corpus.entries.first { $0.name == "turn-channeldata" })
        let dir = try Corpus.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let cli = dir.appendingPathComponent("cli/\(entry.captureURL.lastPathComponent)")
        let library = dir.appendingPathComponent("library/\(entry.captureURL.lastPathComponent)")
        for d in [cli, library] {
            try FileManager.default.createDirectory(
                at: d.deletingLastPathComponent(), withIntermediateDirectories: true)
        }
        let r = try SynthBinary.run([
            Corpus.scenarios.appendingPathComponent("\(entry.name).json").path, "-o", cli.path, "--print-expected",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        try CallSynthesizer.write(entry.scenario, to: library.path)
        let bytes = try Data(contentsOf: cli)
        #expect(bytes == (try Data(contentsOf: library)))
        #expect(bytes == (try Data(contentsOf: entry.captureURL)))
        let json = try Data(contentsOf: CallSynthesizer.expectedURL(for: cli))
        #expect(json == (try Data(contentsOf: CallSynthesizer.expectedURL(for: library))))
        // The summary line, then --print-expected's JSON: the file's bytes.
        let expected = try JSONDecoder().decode(ExpectedResults.self, from: json)
        #expect(r.stdout.hasPrefix("\(cli.path): \(expected.frames) frames, \(expected.streams.count) streams\n"))
        #expect(r.stdout.hasSuffix(String(decoding: json, as: UTF8.self)))
    }

    @Test func flagsAloneAreDeterministicBySeed() throws {
        let dir = try Corpus.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        func make(_ name: String, seed: String) throws -> Data {
            let path = dir.appendingPathComponent(name).path
            let r = try SynthBinary.run([
                "-o", path, "--seed", seed, "--duration", "1", "--suite", "AEAD_AES_256_GCM", "--codec", "opus",
                "--rtcp-mux", "--ipv6", "--framing", "sll2",
            ])
            #expect(r.status == 0, "\(r.stderr)")
            return try Data(contentsOf: URL(fileURLWithPath: path))
        }
        let a = try make("a.pcapng", seed: "5")
        let b = try make("b.pcapng", seed: "5")
        let c = try make("c.pcapng", seed: "6")
        #expect(a == b)
        #expect(a != c)
        // pcapng by the output's name: a Section Header Block first.
        #expect(Array(a.prefix(4)) == [0x0A, 0x0D, 0x0D, 0x0A])
        let expected = try JSONDecoder().decode(
            ExpectedResults.self,
            from: Data(contentsOf: CallSynthesizer.expectedURL(for: dir.appendingPathComponent("a.pcapng"))))
        #expect(expected.streams.allSatisfy { $0.suite == "AEAD_AES_256_GCM" && $0.src.hasPrefix("[2001:db8") })
    }

    @Test(arguments: [
        ("missing-callee", #"{"caller": {"address": "192.0.2.10"}}"#, "callee"),
        (
            "bad-codec",
            #"{"caller": {"address": "192.0.2.10"}, "callee": {"address": "198.51.100.20"}, "codec": "g729"}"#, "codec"
        ),
        ("not-json", "caller: 192.0.2.10", "not a valid scenario"),
        (
            "aead-unauthenticated",
            #"{"caller": {"address": "192.0.2.10", "crypto": [{"suite": "AEAD_AES_128_GCM", "sessionParameters": ["UNAUTHENTICATED_SRTP"]}]}, "callee": {"address": "198.51.100.20"}}"#,
            "crypto line 1"
        ),
    ])
    func badScenarioIsAUsageError(_ name: String, _ text: String, _ mention: String) throws {
        let dir = try Corpus.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let scenario = dir.appendingPathComponent("\(name).json")
        try Data(text.utf8).write(to: scenario)
        let output = dir.appendingPathComponent("\(name).pcap")
        let r = try SynthBinary.run([scenario.path, "-o", output.path])
        #expect(r.status == 64)
        #expect(r.stderr.hasPrefix("srtpdump-synth: ") && r.stderr.contains(mention), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output.path))
    }

    @Test func missingScenarioFileAndBadFlagsAreUsageErrors() throws {
        let missing = try SynthBinary.run(["/nonexistent/scenario.json", "-o", "/tmp/never.pcap"])
        #expect(missing.status == 64)
        #expect(missing.stderr.contains("/nonexistent/scenario.json"))
        let flag = try SynthBinary.run(["-o", "/tmp/never.pcap", "--framing", "token-ring"])
        #expect(flag.status == 64)
        #expect(flag.stderr.contains("token-ring"))
        let noOutput = try SynthBinary.run([])
        #expect(noOutput.status == 64)
    }

    @Test func helpDescribesTheCommand() throws {
        let r = try SynthBinary.run(["--help"])
        #expect(r.status == 0)
        for needed in ["USAGE: srtpdump-synth", "Docs/synth.md", "--seed", "--output", "--print-expected"] {
            #expect(r.stdout.contains(needed), "--help lacks \(needed)")
        }
    }
}
