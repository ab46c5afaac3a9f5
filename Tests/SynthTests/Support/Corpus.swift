// Test support: where the committed corpus lives, and the list of its scenarios.
import Foundation
import Synth

enum Corpus {
    /// The package root, from this file's path (Tests/SynthTests/Support/Corpus.swift).
    static let root: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let captures = root.appendingPathComponent("Captures")
    static let scenarios = captures.appendingPathComponent("scenarios")

    struct Entry: Sendable, CustomStringConvertible {
        var name: String
        var scenario: Scenario
        var captureURL: URL
        var description: String { name }
    }

    /// Every scenario under Captures/scenarios, with the capture it makes (Captures/NAME.pcap or .pcapng).
    static let entries: [Entry] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: scenarios.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted().compactMap { file in
            guard let data = FileManager.default.contents(atPath: scenarios.appendingPathComponent(file).path),
                let scenario = try? JSONDecoder().decode(Scenario.self, from: data)
            else { return nil }
            let name = String(file.dropLast(5))
            let ext = scenario.format == "pcapng" ? "pcapng" : "pcap"
            return Entry(name: name, scenario: scenario, captureURL: captures.appendingPathComponent("\(name).\(ext)"))
        }
    }()

    static var regenerate: Bool { ProcessInfo.processInfo.environment["SRTPDUMP_REGENERATE"] == "1" }

    static func scratchDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("synth-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func expected(_ entry: Entry) throws -> ExpectedResults {
        let data = try Data(contentsOf: CallSynthesizer.expectedURL(for: entry.captureURL))
        return try JSONDecoder().decode(ExpectedResults.self, from: data)
    }
}
