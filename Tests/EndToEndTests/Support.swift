import Foundation
import TestSupport

/// Paths and process helpers shared by the end-to-end tests.
enum Paths {
    static let root: URL = SharedFiles.repositoryRoot
    static let captures: URL = SharedFiles.captures
    static let golden: URL = root.appendingPathComponent("Tests/EndToEndTests/Golden")

    static func publicCapture(_ name: String) -> URL { SharedFiles.publicCapture(name) }

    static var sharedPresent: Bool { SharedFiles.publicCapturesPresent }

    /// The `srtpdump` binary built beside the test bundle (same build directory).
    static var srtpdump: URL {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return exe.deletingLastPathComponent().appendingPathComponent("srtpdump")
    }

    static func which(_ tool: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let p = "\(dir)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    static var tsharkPresent: Bool { which("tshark") != nil }
}

struct ProcessResult {
    var status: Int32
    /// False when the child was ended by a signal (a crash, or the timeout below): `status` is then the
    /// signal's number.
    var exited = true
    /// True when the child outran the timeout it was given and was killed.
    var timedOut = false
    var stdout: Data
    var stderr: Data
    var text: String { String(decoding: stdout, as: UTF8.self) }
    var errorText: String { String(decoding: stderr, as: UTF8.self) }
}

/// Runs a program to completion, collecting its output (stderr through a temporary file, so that a
/// full pipe can never block the child). With a timeout, a child still running after it is killed
/// (SIGKILL) and the result says so: a hang is a finding, not a stuck test run.
func run(_ executable: String, _ arguments: [String], timeout: TimeInterval? = nil) throws -> ProcessResult {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    let out = Pipe()
    let errURL = FileManager.default.temporaryDirectory.appendingPathComponent("srtpdump-test-\(UUID().uuidString).err")
    FileManager.default.createFile(atPath: errURL.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: errURL) }
    let errHandle = try FileHandle(forWritingTo: errURL)
    p.standardOutput = out
    p.standardError = errHandle
    try p.run()
    let killed = Killed()
    let pid = p.processIdentifier
    let killer = DispatchWorkItem { killed.kill(pid) }
    if let timeout { DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: killer) }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    killed.finished()
    killer.cancel()
    try errHandle.close()
    let errData = (try? Data(contentsOf: errURL)) ?? Data()
    return ProcessResult(
        status: p.terminationStatus, exited: p.terminationReason == .exit, timedOut: killed.value,
        stdout: outData, stderr: errData)
}

/// The timeout's verdict: the child is killed only if it has not been seen to end (under one lock, so a
/// timeout firing as the child ends does not signal a reaped, perhaps reused, pid).
private final class Killed: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    private var ended = false
    func kill(_ pid: Int32) {
        lock.withLock {
            guard !ended else { return }
            flag = true
            _ = Glibc.kill(pid, SIGKILL)
        }
    }
    func finished() { lock.withLock { ended = true } }
    var value: Bool { lock.withLock { flag } }
}

func srtpdump(_ arguments: String...) throws -> ProcessResult {
    try run(Paths.srtpdump.path, arguments)
}

func tshark(_ arguments: [String]) throws -> ProcessResult {
    try run(Paths.which("tshark") ?? "/usr/bin/tshark", arguments)
}

/// Parses JSON Lines into objects.
func jsonLines(_ data: Data) throws -> [[String: Any]] {
    try String(decoding: data, as: UTF8.self).split(separator: "\n").map { line in
        guard let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw TestFailure("not a JSON object: \(line.prefix(200))")
        }
        return obj
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
