import Crypto
import Foundation
import SRTPDump
import Transforms

/// The inputs the benchmarks share, made once per process in a benchmark's `setup` hook (outside every
/// timed loop): an RTP capture written by `make-rtp-capture.py`, its first frames in memory, and SRTP
/// packets protected by our own transforms.
enum Fixtures {
    /// Frames in the generated capture read by `read+classify` and `dissect-json`.
    static let captureFrames = 100_000
    /// Frames decoded per timed iteration of `classify` (the benchmark's scaling factor).
    static let memoryFrames = 1_000

    nonisolated(unsafe) private static var directory: URL?
    nonisolated(unsafe) private(set) static var capturePath = ""
    nonisolated(unsafe) private(set) static var frames: [Frame] = []

    /// Writes the capture with the generator beside this package (located from this file's path, so it
    /// works whatever the working directory), then keeps its first `memoryFrames` frames in memory.
    static func prepareCapture() throws {
        guard directory == nil else { return }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
            "srtpdump-bench-\(getpid())", isDirectory: true)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("rtp-\(captureFrames).pcap").path
        // Benchmarks/Benchmarks/SRTPDumpBenchmarks/Fixtures.swift → Benchmarks/make-rtp-capture.py
        let generator = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("make-rtp-capture.py").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", generator, path, String(captureFrames)]
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw BenchError("make-rtp-capture.py failed (\(p.terminationStatus))")
        }
        let reader = try CaptureReader(path: path)
        var frame = Frame()
        var kept: [Frame] = []
        while kept.count < memoryFrames, reader.next(into: &frame) { kept.append(frame) }
        guard kept.count == memoryFrames else { throw BenchError("capture has \(kept.count) frames") }
        directory = dir
        capturePath = path
        frames = kept
    }

    static func removeCapture() {
        if let d = directory { try? FileManager.default.removeItem(at: d) }
        directory = nil
    }

    /// The RTP packet of the benchmarks: 12-byte header, PT 8 (PCMA), SSRC 0xDEADBEEF, 160 bytes of payload.
    static func rtpPacket(sequence: UInt16 = 65_000) -> [UInt8] {
        var p: [UInt8] = [
            0x80, 8, UInt8(sequence >> 8), UInt8(sequence & 0xFF), 0, 0, 0x0F, 0xA0, 0xDE, 0xAD, 0xBE,
            0xEF,
        ]
        p += (0..<160).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        return p
    }

    /// A master key and salt of the suite's lengths (a fixed pattern: the figures do not depend on it).
    static func policy(_ suite: SRTPSuite) -> SRTPPolicy {
        let key = (0..<suite.keyLength).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 1) }
        let salt = (0..<suite.saltLength).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 5) }
        return SRTPPolicy(suite: suite, keys: [MasterKey(key: key, salt: salt)])
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
