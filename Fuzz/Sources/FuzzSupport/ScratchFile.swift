#if canImport(Glibc)
    import Glibc
#endif

/// A file a target writes its input to, for the parts of srtpdump whose API takes a path (the capture
/// reader, the decrypt and dissect passes). One per process and name, so that parallel fuzzing jobs
/// (`-jobs=N`) do not share it; in /dev/shm (tmpfs) when there is one: on a disk file system, truncating
/// and rewriting the file cost a fifth of each execution. Removed when libFuzzer exits normally (a crash
/// leaves it, next to the artifact it reproduces).
public struct ScratchFile {
    public let path: String

    private static let directory: String = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
    private static var registered: [String] = []

    public init(_ name: String) {
        path = "\(Self.directory)/srtpdump-fuzz-\(name)-\(getpid()).bin"
        if Self.registered.isEmpty {
            atexit { for p in ScratchFile.registered { unlink(p) } }
        }
        Self.registered.append(path)
    }

    /// Replaces the file's contents with `count` bytes at `start`; false when the file cannot be written.
    public func write(_ start: UnsafeRawPointer, _ count: Int) -> Bool {
        let fd = open(path, O_WRONLY | O_TRUNC | O_CREAT, 0o600)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var written = 0
        while written < count {
            let n = Glibc.write(fd, start + written, count - written)
            if n <= 0 { return false }
            written += n
        }
        return true
    }

    public func remove() { unlink(path) }
}

/// The keys the whole-pass targets (`decrypt-pass`, `dissect-pass`) give by hand, chosen by the low three
/// bits of their first input byte: none, or one `--key` spec (Docs/key-formats.md). Unscoped keys are
/// tried on every stream, so media no SDP keys goes through the engine too. Material 0x00, 0x01, …
/// (Fuzz/Scripts/make-seeds.py protects its TCP and fragment seeds with spec 1).
public enum FuzzKeys {
    static func material(_ n: Int) -> String {
        "0x" + (0..<n).map { i in String(repeating: "0", count: i < 16 ? 1 : 0) + String(i, radix: 16) }.joined()
    }

    public static let specs: [String?] = [
        nil,
        material(30),
        "AES_CM_128_HMAC_SHA1_32 " + material(30),
        "AEAD_AES_128_GCM:" + material(28),
        "inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd|2^20|1:1",
        material(30) + " ssrc=0x11223344",
        "NULL_HMAC_SHA1_80 " + material(30),
        "AES_256_CM_HMAC_SHA1_80 " + material(46),
    ]

    /// The spec the control byte chooses, as `SignallingTracker.Inputs(keySpecs:)` takes it.
    public static func chosen(_ control: UInt8) -> [String] { specs[Int(control & 7)].map { [$0] } ?? [] }
}
