// srtpdump-synth: writes captures of synthetic calls with known answers. See Docs/synth.md.
import ArgumentParser
import Foundation
import Synth

@main
struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "srtpdump-synth",
        abstract: "Write a capture of a synthetic SIP + SRTP call, and NAME.expected.json beside it.",
        discussion: """
            Describe the call in a scenario JSON file (see Docs/synth.md), or give one call with flags only:
              srtpdump-synth Captures/scenarios/demo-call.json -o demo-call.pcap
              srtpdump-synth -o call.pcapng --suite AES_256_CM_HMAC_SHA1_80 --duration 5 --rtcp-mux --seed 7
            Flags given with a scenario file override its fields.
            """)

    @Argument(help: "Scenario JSON file (optional: without it the flags describe the call).")
    var scenario: String?

    @Option(name: .shortAndLong, help: "Output capture; .pcapng writes pcapng, anything else pcap.")
    var output: String

    @Option(help: "Seed of the pseudo-random generator (overrides the scenario's).")
    var seed: UInt64?

    @Option(help: "Crypto suite of the offer and answer.")
    var suite: String?

    @Option(help: "Seconds of two-way media.")
    var duration: Double?

    @Option(help: "pcmu, pcma or opus.")
    var codec: String?

    @Option(help: "ethernet, vlan, sll, sll2 or raw.")
    var framing: String?

    @Flag(help: "Multiplex RTCP on the RTP port (RFC 5761).")
    var rtcpMux = false

    @Flag(help: "Use IPv6 documentation addresses (2001:db8::/32).")
    var ipv6 = false

    @Flag(help: "Carry SIP over TCP.")
    var tcp = false

    @Flag(help: "Print the expected results after writing.")
    var printExpected = false

    func validate() throws {
        if let suite, CryptoSuite(rawValue: suite) == nil {
            throw ValidationError(
                "unknown suite \(suite); one of: \(CryptoSuite.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let framing, LinkFraming(rawValue: framing) == nil {
            throw ValidationError(
                "unknown framing \(framing); one of: \(LinkFraming.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    /// Exit statuses (Docs/synth.md): 64 (EX_USAGE) for a bad flag, an unreadable or invalid scenario
    /// — the scenario is the command's argument list in a file —, 1 when the capture cannot be written.
    static let usageError: Int32 = 64

    /// Prints `srtpdump-synth: message` on standard error and exits with a usage error.
    func usage(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("srtpdump-synth: \(message)\n".utf8))
        return ExitCode(Self.usageError)
    }

    func run() throws {
        var s: Scenario
        if let path = scenario {
            let data: Data
            do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
                throw usage("cannot read the scenario \(path): \(error.localizedDescription)")
            }
            do { s = try JSONDecoder().decode(Scenario.self, from: data) } catch {
                throw usage("scenario \(path) is not a valid scenario: \(Self.describe(error))")
            }
        } else {
            s =
                ipv6
                ? Scenario(caller: .init(address: "2001:db8::10"), callee: .init(address: "2001:db8:1::20"))
                : Scenario(caller: .init(address: "192.0.2.10"), callee: .init(address: "198.51.100.20"))
        }
        if output.hasSuffix(".pcapng") { s.format = "pcapng" }
        if let suite, let value = CryptoSuite(rawValue: suite) {
            s.caller.crypto = [Scenario.CryptoLine(tag: 1, suite: value)]
            s.callee.crypto = [Scenario.CryptoLine(tag: 1, suite: value)]
        }
        if let duration { s.durationSeconds = duration }
        if let codec { s.codec = codec }
        if let framing { s.framing = LinkFraming(rawValue: framing) }
        if rtcpMux { s.rtcpMux = true }
        if tcp { s.sipTransport = "tcp" }
        let capture: SynthesizedCapture
        do { capture = try CallSynthesizer.write(s, seed: seed, to: output) } catch let error as SynthesisError {
            throw usage(error.description)
        }
        let expected = capture.expected
        print("\(output): \(expected.frames) frames, \(expected.streams.count) streams")
        if printExpected, let text = String(data: try expected.encoded(), encoding: .utf8) {
            print(text, terminator: "")
        }
    }

    /// A JSON decoding error in a sentence that names the field.
    static func describe(_ error: any Error) -> String {
        guard let e = error as? DecodingError else { return "\(error)" }
        func path(_ c: DecodingError.Context) -> String {
            let p = c.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return p.isEmpty ? "" : " at \(p.hasPrefix(".") ? String(p.dropFirst()) : p)"
        }
        switch e {
        case .keyNotFound(let key, let c): return "missing field \(key.stringValue)\(path(c))"
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c):
            return "\(c.debugDescription)\(path(c))"
        @unknown default: return "\(error)"
        }
    }
}
