// Test support: scratch files and running tshark.
import Foundation

enum TestFiles {
    /// A fresh directory under the system temporary directory.
    static func scratchDirectory() throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("capture-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    static func read(_ path: String) -> [UInt8]? {
        FileManager.default.contents(atPath: path).map { [UInt8]($0) }
    }

    static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }
}

enum Tshark {
    /// tshark's path, if it is installed (interop tests are skipped without it).
    static let path: String? = {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/usr/local/bin").split(separator: ":") {
            let candidate = "\(dir)/tshark"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }()

    static var isAvailable: Bool { path != nil }

    /// Runs tshark with `arguments`; returns its exit status, standard output and standard error.
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        guard let path else { return (-1, "", "tshark not installed") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }

    /// One line per frame of `tshark -r file -T fields -E separator=/t -e …`, split into fields.
    static func fields(_ file: String, _ names: [String], options: [String] = []) throws -> [[String]] {
        let result = try run(["-r", file, "-T", "fields", "-E", "separator=/t"] + options.flatMap { ["-o", $0] } + names.flatMap { ["-e", $0] })
        guard result.status == 0 else { throw TsharkFailure(message: result.error) }
        return result.output.split(separator: "\n", omittingEmptySubsequences: true).map {
            $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        }
    }

    struct TsharkFailure: Error { var message: String }
}
