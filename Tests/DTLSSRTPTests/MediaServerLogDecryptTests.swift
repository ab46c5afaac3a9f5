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
