import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Peak memory does not grow with the capture (issue 7): `srtpdump decrypt -w` over a 10 MB and a
/// 60 MB capture of the same call must peak within a few MB of each other. The captures are made in a
/// temporary directory as the test runs (the media of Captures/demo-call.pcap played again and again,
/// as Benchmarks/memory/make-large-capture.py does for `make bench-memory`'s multi-GB run) and removed.
/// Peak RSS is the child's own `VmHWM`, read while it runs (`peakRSS`, which says why not `ru_maxrss`).
@Suite struct MalformedFlatMemoryTests {
    /// Writes `megabytes` of capture: the SIP of demo-call once, then its 1,006 media frames again and
    /// again, each copy 10.08 s after the one before.
    static func writeLargeCapture(_ path: String, megabytes: Int) throws {
        let demo = try [UInt8](Data(contentsOf: SharedFiles.captures.appendingPathComponent("demo-call.pcap")))
        func u32(_ o: Int) -> Int {
            Int(demo[o]) | Int(demo[o + 1]) << 8 | Int(demo[o + 2]) << 16 | Int(demo[o + 3]) << 24
        }
        var records: [(time: Int, length: Int, data: ArraySlice<UInt8>)] = []
        var o = 24
        while o + 16 <= demo.count {
            let caplen = u32(o + 8)
            records.append((u32(o) * 1_000_000 + u32(o + 4), u32(o + 12), demo[(o + 16)..<(o + 16 + caplen)]))
            o += 16 + caplen
        }
        let media = records.dropFirst(5)
        let span = (media.last?.time ?? 0) - (media.first?.time ?? 0) + 20_000
        FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var chunk = Array(demo[0..<24])
        var written = 0
        func put(_ r: (time: Int, length: Int, data: ArraySlice<UInt8>), shift: Int) {
            let t = r.time + shift
            for v in [t / 1_000_000, t % 1_000_000, r.data.count, r.length] {
                chunk += [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24 & 0xFF)]
            }
            chunk += r.data
        }
        for r in records.prefix(5) { put(r, shift: 0) }
        var copy = 0
        while written + chunk.count < megabytes * 1_000_000 {
            for r in media { put(r, shift: copy * span) }
            copy += 1
            if chunk.count > 1 << 20 {
                try handle.write(contentsOf: chunk)
                written += chunk.count
                chunk.removeAll(keepingCapacity: true)
            }
        }
        try handle.write(contentsOf: chunk)
    }

    /// Runs the program and returns its exit status and peak resident set size in KiB.
    ///
    /// The peak is the child's own `VmHWM` (/proc/PID/status), read every 10 ms while it runs: the high-water
    /// mark of its address space, which starts afresh at exec. (`ru_maxrss` from wait4(2) does not do:
    /// posix_spawn's vfork child carries the spawning process's high-water mark across exec, so the child
    /// of a test process holding 250 MB would report 250 MB.) VmHWM only grows, so the last reading misses
    /// at most the last 10 ms of the run.
    static func peakRSS(_ program: String, _ arguments: [String]) throws -> (status: Int32, kib: Int) {
        var pid: pid_t = 0
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ([program] + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        let rc = posix_spawn(&pid, program, &actions, nil, argv, environ)
        guard rc == 0 else { throw TestFailure("posix_spawn \(program): \(rc)") }
        var status: Int32 = 0
        var peak = 0
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { break }
            guard r == 0 || errno == EINTR else { throw TestFailure("waitpid: \(errno)") }
            if let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
                let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
                let kib = Int(line.dropFirst(6).trimmingCharacters(in: .whitespaces).split(separator: " ")[0])
            {
                peak = max(peak, kib)
            }
            usleep(10_000)
        }
        return ((status >> 8) & 0xFF, peak)
    }

    /// Under AddressSanitizer (`make test-asan`) the peak is the sanitizer's shadow and quarantine
    /// (about 900 MB), not srtpdump's memory: the check is for the normal build.
    static var sanitized: Bool { ProcessInfo.processInfo.environment["ASAN_OPTIONS"] != nil }

    @Test(.enabled(if: !sanitized, "under AddressSanitizer the peak RSS measures the sanitizer: skipped"))
    func decryptPeakDoesNotGrowWithTheCapture() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flat-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var peaks: [Int: Int] = [:]
        for mb in [10, 60] {
            let input = dir.appendingPathComponent("in-\(mb).pcap").path
            let output = dir.appendingPathComponent("out-\(mb).pcap").path
            try Self.writeLargeCapture(input, megabytes: mb)
            let r = try Self.peakRSS(Paths.srtpdump.path, ["decrypt", input, "-w", output, "--format", "json"])
            #expect(r.status == 0, "decrypt of \(mb) MB exited \(r.status)")
            // A peak must have been read at all: with no VmHWM reading both would be 0 and the checks
            // below would pass on nothing.
            #expect(r.kib > 1024, "no peak read for the \(mb) MB run (VmHWM \(r.kib) KiB)")
            let size = (try FileManager.default.attributesOfItem(atPath: output)[.size] as? Int) ?? 0
            #expect(size > mb * 900_000, "the decrypted capture of \(mb) MB is \(size) bytes")
            peaks[mb] = r.kib
            try? FileManager.default.removeItem(atPath: input)
            try? FileManager.default.removeItem(atPath: output)
        }
        let small = try #require(peaks[10])
        let large = try #require(peaks[60])
        // Six times the capture, at most 4 MiB more at the peak (allocator noise, not growth).
        #expect(large - small <= 4 * 1024, "peak RSS \(small) KiB at 10 MB, \(large) KiB at 60 MB")
        #expect(large < 60 * 1024, "peak RSS \(large) KiB for a 60 MB capture")
    }
}
