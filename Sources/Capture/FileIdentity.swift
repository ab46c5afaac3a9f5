#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The identity of a file on disk (device and inode), to tell whether two paths name the same file
/// through symbolic links, hard links or different spellings.
public struct FileIdentity: Hashable, Sendable {
    public var device: UInt64
    public var inode: UInt64

    /// The identity of the file `path` names (following symbolic links), or nil if it does not exist.
    public init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        device = UInt64(truncatingIfNeeded: info.st_dev)
        inode = UInt64(truncatingIfNeeded: info.st_ino)
    }

    /// Whether `a` and `b` are the same existing file. Writing a capture onto its own input would
    /// destroy the evidence being read, so writers refuse it.
    public static func sameFile(_ a: String, _ b: String) -> Bool {
        guard let x = FileIdentity(path: a), let y = FileIdentity(path: b) else { return false }
        return x == y
    }
}
