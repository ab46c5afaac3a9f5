import Foundation

/// One row of `tshark -q -z rtp,streams`.
struct TsharkStream {
    var ssrc: UInt32
    var payload: String
    var packets: Int
    var lost: Int
    var maxDeltaMs: Double
    var maxJitterMs: Double
    /// The "Mean Jitter(ms)" column (tshark 4.0.x as packaged in Debian 12: Min, Mean, Max Jitter).
    var meanJitterMs: Double
    var problems: Bool
}

enum Tshark {
    static var path: String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let p = "\(dir)/tshark"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    static var present: Bool { path != nil }

    /// Runs tshark to completion; returns its exit status and standard output.
    static func run(_ arguments: [String]) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path ?? "/usr/bin/tshark")
        p.arguments = arguments
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// `tshark -r FILE [decode-as] -q -z rtp,streams`, parsed. Columns (tshark 4.0): start, end, source
    /// address and port, destination address and port, SSRC, payload (may hold spaces: "g711A, CN"),
    /// packets, lost "N (P%)", min/mean/max delta, min/mean/max jitter, and "X" when problems were found.
    static func rtpStreams(_ file: String, extra: [String]) throws -> (Int32, [TsharkStream]) {
        let (status, text) = try run(["-r", file] + extra + ["-q", "-z", "rtp,streams"])
        var rows: [TsharkStream] = []
        for line in text.split(separator: "\n") {
            var t = line.split(separator: " ").map(String.init)
            guard t.count >= 17, t[6].hasPrefix("0x"), let ssrc = UInt32(t[6].dropFirst(2), radix: 16) else { continue }
            let problems = t.last == "X"
            if problems { t.removeLast() }
            let n = t.count
            guard let maxJitter = Double(t[n - 1]), let meanJitter = Double(t[n - 2]), let maxDelta = Double(t[n - 4]),
                let lost = Int(t[n - 8]),
                let packets = Int(t[n - 9])
            else { continue }
            let payload = t[7..<(n - 9)].joined(separator: " ")
            rows.append(
                TsharkStream(
                    ssrc: ssrc, payload: payload, packets: packets, lost: lost, maxDeltaMs: maxDelta,
                    maxJitterMs: maxJitter, meanJitterMs: meanJitter, problems: problems))
        }
        return (status, rows)
    }
}
