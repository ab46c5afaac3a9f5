import Analysis
import Capture
import Foundation
import SRTPDump
import Synth
import TestSupport
import Testing
import Transforms

/// Two smaller behaviours of the decrypt pass: media in IP fragments is decrypted (its fragments held
/// until the datagram completes), and the progress line appears only when stderr is a terminal.
@Suite struct FragmentedMediaAndProgressTests {
    static let keyAndSalt: [UInt8] = Array(7..<37)

    /// Three SRTP packets; the second is sent in two IPv4 fragments (frames 2 and 3).
    static func capture() throws -> (path: String, original: [[UInt8]]) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("frag-\(UUID().uuidString).pcap").path
        let writer = try CaptureWriter(path: path, format: .pcap, interfaces: [CaptureInterface(linkType: .raw)])
        let session = try LibsrtpSession(suite: .aesCM128HMACSHA180, keys: [.init(keyAndSalt: keyAndSalt)])
        try session.addStream(ssrc: 0xABCD_0001)
        let a = Synth.Endpoint(address: [10, 0, 0, 1], port: 40000)
        let b = Synth.Endpoint(address: [10, 0, 0, 2], port: 50000)
        var packets: [[UInt8]] = []
        for i in 0..<3 {
            var rtp: [UInt8] = [0x80, 0x00, 0x10, UInt8(i), 0, 0, 0x10, UInt8(i * 160 & 0xFF), 0xAB, 0xCD, 0x00, 0x01]
            rtp += [UInt8](repeating: UInt8(i), count: 400)
            let udp = IPPacketBuilder.udp(from: a, to: b, payload: try session.protect(rtp, rtcp: false))
            if i == 1 {
                packets += IPPacketBuilder.ipv4Fragments(
                    source: a.address, destination: b.address, proto: .udp, identification: 77, payload: udp, mtu: 300)
            } else {
                packets.append(
                    IPPacketBuilder.ip(
                        source: a.address, destination: b.address, proto: .udp, identification: UInt16(i), payload: udp)
                )
            }
        }
        for (n, p) in packets.enumerated() {
            try writer.write(
                Frame(
                    number: n + 1, timestamp: Timestamp(seconds: 1_700_000_000, nanoseconds: UInt32(n) * 20_000_000),
                    originalLength: p.count, linkType: .raw, data: p))
        }
        try writer.close()
        return (path, packets)
    }

    static var keys: StaticTrialKeys {
        let policy = SRTPPolicy(
            suite: .aesCM128HMACSHA1_80,
            keys: [Transforms.MasterKey(key: Array(keyAndSalt[0..<16]), salt: Array(keyAndSalt[16...]))])
        return StaticTrialKeys(entries: [.init(TrialKey(id: "k", material: .srtp(policy), source: "--key #1"))])
    }

    /// The fragmented packet is decrypted like the others (FragmentedMediaDecryptTests has the details):
    /// the completing frame carries its outcome, the first fragment keeps its length and the second loses
    /// the 10-byte tag.
    @Test func mediaInFragmentsIsDecrypted() throws {
        let (path, original) = try Self.capture()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try #require(original.count == 4)
        let out = path + ".out.pcap"
        defer { try? FileManager.default.removeItem(atPath: out) }
        var options = DecryptPipeline.Options(capturePath: path)
        options.outputPath = out
        options.progress = false
        options.keys = Self.keys
        let summary = try DecryptPipeline(options: options).run(
            output: nil, errors: OutputStream(path: "/dev/null"), record: true)
        #expect(summary.records.map(\.status) == [.authenticated, .notMedia, .authenticated, .authenticated])
        #expect(!summary.diagnostics.contains { $0.code == "decrypt.fragmented-media" }, "\(summary.diagnostics)")
        let reader = try CaptureReader(path: out)
        var f = Frame()
        var n = 0
        while reader.next(into: &f) {
            n += 1
            if n == 2 {
                #expect(f.data.count == original[1].count)
                #expect(f.data != original[1], "first fragment not decrypted")
            }
            if n != 2 { #expect(f.data.count == original[n - 1].count - 10, "frame \(n) not decrypted") }
        }
        #expect(n == 4)
    }

    /// The line goes to stderr every `progressInterval` frames and is erased at the end, only when
    /// stderr is a terminal (the decision injected here; `isatty(2)` otherwise).
    @Test(arguments: [true, false])
    func progressLineOnlyOnATerminal(_ terminal: Bool) throws {
        let errPath = FileManager.default.temporaryDirectory.appendingPathComponent("progress-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: errPath) }
        var options = DecryptPipeline.Options(
            capturePath: SharedFiles.captures.appendingPathComponent("demo-call.pcap").path)
        options.stderrIsTerminal = terminal
        options.progressInterval = 250
        let errors = try OutputStream(path: errPath)
        let summary = try DecryptPipeline(options: options).run(output: nil, errors: errors)
        errors.flush()
        let text = try String(contentsOfFile: errPath, encoding: .utf8)
        #expect(summary.frames == 1011)
        if terminal {
            for k in 1...4 { #expect(text.contains("\rsrtpdump: \(k * 250) frames"), "\(text.debugDescription)") }
            #expect(!text.contains("1250 frames"))
            #expect(text.hasSuffix("\r\u{1B}[K"))
        } else {
            #expect(text.isEmpty)
        }
    }
}
