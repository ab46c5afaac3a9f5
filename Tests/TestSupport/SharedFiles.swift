import Foundation

/// Where the tests find files: the repository, and `../shared` beside it (real captures and published
/// vectors that are not ours to redistribute). Tests that need `../shared` are skipped, with a message
/// naming what is missing, when it is absent.
public enum SharedFiles {
    /// The repository root (this file is Tests/TestSupport/SharedFiles.swift).
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // TestSupport
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root

    public static let shared: URL = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared")
    public static let vectorsFile: URL = shared.appendingPathComponent("vectors/vectors.json")
    public static let publicCaptures: URL = shared.appendingPathComponent("captures/public")
    public static let captures: URL = repositoryRoot.appendingPathComponent("Captures")

    public static var vectorsPresent: Bool { FileManager.default.fileExists(atPath: vectorsFile.path) }
    public static var publicCapturesPresent: Bool { FileManager.default.fileExists(atPath: publicCaptures.path) }

    public static func publicCapture(_ name: String) -> URL { publicCaptures.appendingPathComponent(name) }
}
