import Capture
import Datagrams
import Foundation
import TestSupport
import Testing

/// Every DTLS datagram of the dsrtp capture walked as `dissect` shows it, against tshark's DTLS
/// dissector (record count and handshake types per frame).
@Suite(
    .enabled(
        if: SharedFiles.publicCapturesPresent && FileManager.default.isExecutableFile(atPath: "/usr/bin/tshark"),
        "../shared/captures/public/ or /usr/bin/tshark is absent: DTLS walk cross-check skipped"))
struct DTLSDatagramWalkTests {
    @Test func agreesWithTshark() throws {
        let path = SharedFiles.publicCapture("dsrtp-av.pcap").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/tshark")
        p.arguments = [
            "-r", path, "-Y", "dtls", "-T", "fields", "-e", "frame.number", "-e", "dtls.handshake.type",
            "-e", "dtls.record.content_type",
        ]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        var expected: [Int: (types: [UInt8], records: Int)] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard f.count == 3, let n = Int(f[0]) else { continue }
            let types = f[1].split(separator: ",").compactMap { UInt8($0) }
            expected[n] = (types, f[2].split(separator: ",").count)
        }
        #expect(expected.count == 15)  // the README's 15 DTLS frames

        let reader = try CaptureReader(path: path)
        let decoder = FrameDecoder()
        var frame = Frame()
        var seen = 0
        while reader.next(into: &frame) {
            let decoded = decoder.decode(frame)
            guard decoded.classification.kind == .dtls, let payload = decoded.payload(in: frame) else { continue }
            seen += 1
            let walk = DTLSDatagramWalk(payload)
            let want = try #require(expected[frame.number], "frame \(frame.number) is DTLS for us, not for tshark")
            #expect(walk.records == want.records, "frame \(frame.number)")
            #expect(walk.handshakeTypes == want.types, "frame \(frame.number)")
        }
        #expect(seen == expected.count)
    }
}
