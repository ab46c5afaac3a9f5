// Inputs found by the fuzz targets (Fuzz/, Docs/robustness.md "Crashes found"), replayed as tests.
import Capture
import Foundation
import Datagrams
import Output
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite struct FuzzRegressionTests {
    /// `frame-decoder`, campaign 3 (2026-11-25), artifact crash-a8486e09…: raw IP (link type 101), the
    /// verbose text dissection of two frames — an IPv4 header with IHL 3 (below the minimum 5), then an
    /// IPv4/UDP datagram whose total length (900) runs past its 44 captured bytes, carrying the start
    /// of a SIP request ("INVITE sip:a SIP") between ports 5060. The fuzz binary, built incrementally
    /// after `DecodedFrame`'s layout changed, read a diagnostics array with a null buffer (SEGV) in
    /// `FrameDissectionWriter.write`; each frame must decode with its diagnostic and be written.
    @Test func truncatedIPv4AfterBadHeaderLengthDissects() throws {
        let udpSIP: [UInt8] =
            [0xc0, 0x00, 0x02, 0x01, 0xc0, 0x00, 0x02, 0x02, 0x13, 0xc4, 0x13, 0xc4, 0x00, 0x18, 0x00, 0x00]
            + Array("INVITE sip:a SIP".utf8)
        let first: [UInt8] = [0x43, 0x00, 0x00, 0x2c, 0x00, 0x07, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00] + udpSIP
        let second: [UInt8] = [0x45, 0x00, 0x03, 0x84, 0x00, 0x07, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00] + udpSIP
        let decoder = FrameDecoder()
        let sink = OutputStream(fd: open("/dev/null", O_WRONLY))
        for format in [DissectionFormat.text, .json] {
            let writer = FrameDissectionWriter(format: format, verbose: true, output: sink)
            var codes: [[String]] = []
            for (i, data) in [first, second].enumerated() {
                let frame = Frame(
                    number: i + 1, timestamp: Timestamp(seconds: 1_700_000_000, nanoseconds: 0),
                    originalLength: data.count, linkType: .raw, data: data)
                let decoded = decoder.decode(frame)
                codes.append(decoded.diagnostics.map(\.code))
                writer.write(frame: frame, decoded: decoded, diagnostics: decoded.diagnostics)
            }
            // Frame 1: the header length is refused; frame 2: its total length passes the frame.
            #expect(codes[0].count == 1, "\(codes)")
            #expect(!codes[1].isEmpty, "\(codes)")
        }
    }

    /// `dissect-pass`, 2026-11-26, artifact crash-c184de80… (kept as the seed
    /// `Fuzz/corpus/dissect-pass/regression-relative-time-overflow`): a pcapng whose timestamps are far
    /// apart. pcapng seconds may be anywhere in Int64, and `time_relative` was computed in nanoseconds in
    /// an Int64 (arithmetic overflow, a trap). The extremes, both ways: the difference is 2^64 - 1 s.
    @Test func relativeTimeOfFarApartTimestamps() throws {
        let data: [UInt8] = [0x45, 0, 0, 20, 0, 0, 0, 0, 64, 17, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2]
        for (first, second, sign) in [(Int64.min, Int64.max, ""), (Int64.max, Int64.min, "-")] {
            let frames = [first, second].enumerated().map { i, seconds in
                Frame(
                    number: i + 1, timestamp: Timestamp(seconds: seconds, nanoseconds: 999_999_999),
                    originalLength: data.count, linkType: .raw, data: data)
            }
            let decoder = FrameDecoder()
            var outputs: [String] = []
            for format in [DissectionFormat.text, .json] {
                let path = FileManager.default.temporaryDirectory.appendingPathComponent("reltime-\(UUID().uuidString)").path
                defer { try? FileManager.default.removeItem(atPath: path) }
                let sink = try OutputStream(path: path)
                let writer = FrameDissectionWriter(format: format, verbose: true, output: sink)
                for frame in frames { writer.write(frame: frame, decoded: decoder.decode(frame), diagnostics: []) }
                sink.flush()
                outputs.append(try String(contentsOfFile: path, encoding: .utf8))
            }
            let expected = "\(sign)\(UInt64.max).000000000"
            #expect(outputs[0].contains("     2 \(expected) "), "\(outputs[0])")
            #expect(outputs[1].contains("\"time_relative\":\"\(expected)\""), "\(outputs[1])")
        }
    }
}
