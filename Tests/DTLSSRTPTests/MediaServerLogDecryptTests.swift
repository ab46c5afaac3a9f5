import Analysis
import Foundation
import SRTPDump
import TestSupport
import Testing

/// `--keys-from-log` end to end: the dsrtp capture's keys (from the public captures' README) written
/// as rtpengine's `--log-srtp-keys` lines amid other log text, found by trial; every packet the README
/// counts must authenticate.
@Suite(
    .enabled(
        if: SharedFiles.publicCapturesPresent, "../shared/captures/public/ is absent: public-capture tests skipped"))
struct MediaServerLogDecryptTests {
    @Test func rtpengineLinesDecryptDsrtp() throws {
        let log = """
            Nov 25 12:00:00 sbc rtpengine[901]: INFO: [call1]: DTLS-SRTP successfully negotiated
            Nov 25 12:00:00 sbc rtpengine[901]: ERR: [call1]: SRTP keys, incoming:
            Nov 25 12:00:00 sbc rtpengine[901]: ERR: [call1]: --- AES_CM_128_HMAC_SHA1_80 key eAgId4gCvoulSWTFU9cs+g== salt 7tiix3G8H2gp7OHFsYA=
            Nov 25 12:00:00 sbc rtpengine[901]: ERR: [call1]: SRTP keys, outgoing:
            Nov 25 12:00:00 sbc rtpengine[901]: ERR: [call1]: --- AES_CM_128_HMAC_SHA1_80 key awEA5G9hl6MPfCZLzXljxg== salt xFxKEVqb1dpP2ii6e5w=
            Nov 25 12:00:01 sbc rtpengine[901]: INFO: [call1]: Kernelizing media stream

            """
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rtpengine-\(UUID().uuidString).log")
            .path
        try log.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var signalling = SignallingPipeline.Options(capturePath: SharedFiles.publicCapture("dsrtp-av.pcap").path)
        signalling.inputs.keyLogFiles = [path]
        let result = try SignallingPipeline(options: signalling).run()
        #expect(result.book.entries.count == 2)
        var options = DecryptPipeline.Options(capturePath: SharedFiles.publicCapture("dsrtp-av.pcap").path)
        options.keys = KeyBookCandidates(book: result.book)
        options.progress = false
        let s = try DecryptPipeline(options: options).run(output: nil, errors: OutputStream(path: "/dev/null"))
        let srtp = s.streams.filter { $0.protocolName == "srtp" }
        let srtcp = s.streams.filter { $0.protocolName == "srtcp" }
        #expect(srtp.reduce(0) { $0 + $1.authenticated } == 1_729)
        #expect(srtcp.reduce(0) { $0 + $1.authenticated } == 45)
        #expect(s.streams.allSatisfy { $0.authFailed == 0 })
        // Server key (line 5) for the media from 49686, client key (line 3) for the SRTCP from 60401.
        #expect(srtp.allSatisfy { $0.key?.source.hasSuffix("line 5") == true })
        #expect(srtcp.filter { $0.key?.source.hasSuffix("line 3") == true }.reduce(0) { $0 + $1.authenticated } == 15)
    }
}

/// `--keys-from-log` on the project's own corpus (no public capture needed).
struct MediaServerLogMKITests {
    /// offer-lines-mki-vlan's keys are MKI-told (two per direction, `|1:2;…|2:2` and `|7:4;…|8:4`): its
    /// a=crypto lines pasted into a FreeSWITCH-style log, the SIP filtered out, every packet authenticates
    /// (the keys expected are the synthesizer's, in NAME.expected.json). Without the MKIs none could.
    @Test func mkiToldKeysFromAnSDPDump() throws {
        let capture = SharedFiles.captures.appendingPathComponent("offer-lines-mki-vlan.pcap").path
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: capture)))
        var lines = ["2026-11-25 12:00:01.123 [DEBUG] sofia.c:7000 Remote SDP:"]
        for raw in bytes.split(whereSeparator: { $0 == 0x0D || $0 == 0x0A }) {
            let line = String(decoding: raw, as: UTF8.self)
            if line.hasPrefix("a=crypto:2 "), !lines.contains(line) { lines.append(line) }
        }
        #expect(lines.count == 3)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fs-\(UUID().uuidString).log").path
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var signalling = SignallingPipeline.Options(capturePath: capture)
        signalling.inputs.keyLogFiles = [path]
        signalling.filter = "vlan and not port 5060"
        let result = try SignallingPipeline(options: signalling).run()
        #expect(result.book.entries.count == 4 && Set(result.book.entries.map(\.group)).count == 2)
        var options = DecryptPipeline.Options(capturePath: capture)
        options.filter = "vlan and not port 5060"
        options.keys = KeyBookCandidates(book: result.book)
        options.progress = false
        let s = try DecryptPipeline(options: options).run(output: nil, errors: OutputStream(path: "/dev/null"))
        let srtp = s.streams.filter { $0.protocolName == "srtp" }
        #expect(srtp.count == 2 && srtp.allSatisfy { $0.authenticated == 149 && $0.authFailed == 0 }, "\(srtp)")
    }
}
