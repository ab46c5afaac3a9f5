import Capture

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Warns when a file holding keys (`--keys`, key logs) can be read by others than its owner.
///
/// A master key in a file anyone on the machine can read is as good as published, so the same check
/// as OpenSSH's for private keys applies: group or other read bits set (mode & 0o044) earn a warning.
/// The run goes on: the file may be on a filesystem without Unix permissions, and the user may know.
public enum KeyFilePermissions {
    /// The warning for `path` read through `option` (e.g. "--keys"), or nil when the file is private,
    /// cannot be examined (the read will report that), or is not a regular file (a pipe, `/dev/stdin`).
    public static func warning(path: String, option: String = "--keys") -> Diagnostic? {
        var st = stat()
        guard stat(path, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { return nil }
        let mode = UInt32(st.st_mode) & 0o777
        guard mode & 0o044 != 0 else { return nil }
        let who = mode & 0o004 != 0 ? "everyone" : "its group"
        return Diagnostic(
            .warning, code: "keys.file-permissions", field: "\(option) \(path)",
            "readable by \(who) (mode \(String(mode, radix: 8))): the keys in it are not secret; chmod 600 it")
    }
}
