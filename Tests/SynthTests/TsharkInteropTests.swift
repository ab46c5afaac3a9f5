// tshark reads every corpus file: `-Y sip` shows the dialog, `-Y rtp` with `-d udp.port==N,rtp`
// shows the SRTP headers. Skipped when tshark is not installed.
import Foundation
import Synth
import Testing

enum Tshark {
    static let path: String? = {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/usr/local/bin").split(separator: ":") {
            let candidate = "\(dir)/tshark"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }()

    static func run(_ arguments: [String]) throws -> String {
        guard let path else { return "" }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}

// tshark is an optional interop check: without it these tests are skipped (not failed).
@Suite(.enabled(if: Tshark.path != nil, "tshark is not installed (apt-get install tshark)"))
struct TsharkInteropTests {
    @Test(arguments: Corpus.entries)
    func tsharkShowsDialogAndRTP(_ entry: Corpus.Entry) throws {
        let path = entry.captureURL.path
        let expected = try Corpus.expected(entry)
        let sip = try Tshark.run(["-r", path, "-Y", "sip", "-T", "fields", "-e", "sip.Method", "-e", "sip.Status-Code"])
        if entry.scenario.captureStartSeconds == nil {
            for needed in ["INVITE", "ACK", "BYE", "200", "100"] {
                #expect(sip.contains(needed), "tshark shows no \(needed) in \(entry.name)")
            }
        } else {
            #expect(!sip.contains("INVITE"), "the capture starts mid-call")
        }
        if entry.scenario.turn != nil {
            // Media in TURN ChannelData: tshark shows it as such (RFC 8656 §12.4), not as RTP; before the
            // channel is bound, in Send and Data indications (§10, §11).
            let media = expected.mediaFrames.filter { $0.status != "not_media" }
            let inChannels = media.filter { $0.stream.map { expected.streams[$0].channel != nil } ?? false }.count
            let turn = try Tshark.run(["-r", path, "-Y", "stun.channel", "-T", "fields", "-e", "stun.channel"]).split(
                separator: "\n")
            #expect(turn.count == inChannels)
            let indications = try Tshark.run([
                "-r", path, "-Y", "stun.type.method == 0x006 || stun.type.method == 0x007", "-T", "fields", "-e",
                "frame.number",
            ]).split(separator: "\n")
            #expect(indications.count == media.count - inChannels)
            #expect(indications.count > 0, "no media before the ChannelBind")
            return
        }
        if expected.streams.contains(where: { $0.protocol == "rtpme" }) {
            // The whole RTPME packet is encrypted: tshark cannot see RTP headers; the dialog shows k=.
            let k = try Tshark.run([
                "-r", path, "-Y", "sdp.key_mgmt or sdp.encryption_key", "-T", "fields", "-e", "frame.number",
            ])
            #expect(!k.isEmpty)
            return
        }
        // Decode every RTP destination port as RTP and count frames tshark takes for (S)RTP.
        let ports = Set(
            expected.streams.filter { $0.protocol == "srtp" }.compactMap {
                $0.dst.split(separator: ":").last.map(String.init)
            })
        var arguments = ["-r", path, "-Y", "rtp", "-T", "fields", "-e", "rtp.ssrc", "-e", "rtp.seq"]
        for port in ports { arguments += ["-d", "udp.port==\(port),rtp"] }
        let rtp = try Tshark.run(arguments).split(separator: "\n")
        let mediaRTP = expected.mediaFrames.filter { $0.kind == "rtp" }.count
        #expect(rtp.count == mediaRTP, "tshark shows \(rtp.count) RTP frames, expected \(mediaRTP)")
        if let first = rtp.first, let ssrc = first.split(separator: "\t").first {
            #expect(expected.streams.contains { $0.ssrc == String(ssrc) }, "tshark's first SSRC \(ssrc)")
        }
    }
}

/// tshark reads the corpus without complaint: no malformed packet, no expert warning or error, except
/// the note that SRTCP payloads are encrypted (what the captures are about). Left out: MS-RTPME files
/// (their RTP headers are encrypted too, so tshark's SDP-set-up RTP dissector must fail on them), and
/// AEAD calls with UNENCRYPTED_SRTCP, whose 16-byte tag sits between the clear RTCP and the E‖index
/// word (RFC 7714), where tshark 4.0's SRTCP dissector reads it as one more RTCP packet.
@Suite(.enabled(if: Tshark.path != nil, "tshark is not installed (apt-get install tshark)"))
struct TsharkWarningsTests {
    static func clearAEADSRTCP(_ s: Scenario) -> Bool {
        (s.caller.crypto ?? []).contains {
            ($0.suite == .aeadAES128GCM || $0.suite == .aeadAES256GCM)
                && ($0.sessionParameters ?? []).contains("UNENCRYPTED_SRTCP")
        }
    }

    @Test(arguments: Corpus.entries.filter { $0.scenario.caller.rtpme == nil && !clearAEADSRTCP($0.scenario) })
    func noMalformedPacketsOrWarnings(_ entry: Corpus.Entry) throws {
        let text = try Tshark.run(["-r", entry.captureURL.path, "-V"])
        #expect(text.contains("Frame 1:"), "tshark read nothing from \(entry.name)")
        let complaints = text.split(separator: "\n").filter {
            ($0.contains("Malformed") || $0.contains("Expert Info (Warning") || $0.contains("Expert Info (Error"))
                && !$0.contains("Encrypted RTCP Payload - not dissected")
        }
        #expect(complaints.isEmpty, "\(entry.name): \(Set(complaints.map(String.init)))")
    }
}
