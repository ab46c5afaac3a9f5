#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A buffered byte sink over a file descriptor (standard output by default).
///
/// Reports and dissections are written through one buffer that is flushed in large writes, so that
/// printing a line per frame on a 10 GB capture costs a memcpy, not a system call, and memory stays flat.
public final class OutputStream {
    private var buffer: [UInt8]
    private let fd: Int32
    private let ownsFile: Bool
    /// Set when a write failed (e.g. EPIPE when piped into `head`); later output is discarded.
    public private(set) var failed = false
    private let flushThreshold: Int
    /// `--redact-keys`: key material in what is written is replaced by its fingerprint as the buffer
    /// is flushed (KeyRedaction). Writers write whole lines or documents, so a key is never cut
    /// between two flushes.
    public var redactsKeys = false

    /// Writes to standard output.
    public convenience init() {
        self.init(fd: STDOUT_FILENO, ownsFile: false)
    }

    /// Opens `path` for writing (truncating it).
    public convenience init(path: String) throws {
        let f = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard f >= 0 else {
            throw OutputError("cannot open \(path) for writing: \(String(cString: strerror(errno)))")
        }
        self.init(fd: f, ownsFile: true)
    }

    /// Writes to an open file descriptor (1 standard output, 2 standard error) that it does not close.
    public convenience init(fd: Int32) {
        self.init(fd: fd, ownsFile: false)
    }

    init(fd: Int32, ownsFile: Bool, flushThreshold: Int = 1 << 16) {
        self.fd = fd
        self.ownsFile = ownsFile
        self.flushThreshold = flushThreshold
        self.buffer = []
        self.buffer.reserveCapacity(flushThreshold + 4096)
    }

    deinit {
        flush()
        if ownsFile { close(fd) }
    }

    @inline(__always)
    public func write(_ string: String) {
        var s = string
        s.withUTF8 { buffer.append(contentsOf: $0) }
        if buffer.count >= flushThreshold { flush() }
    }

    @inline(__always)
    public func write(byte: UInt8) {
        buffer.append(byte)
    }

    public func write<S: Sequence>(bytes: S) where S.Element == UInt8 {
        buffer.append(contentsOf: bytes)
        if buffer.count >= flushThreshold { flush() }
    }

    @inline(__always)
    public func write(raw: UnsafeRawBufferPointer) {
        buffer.append(contentsOf: raw)
        if buffer.count >= flushThreshold { flush() }
    }

    public func flush() {
        guard !buffer.isEmpty else { return }
        if redactsKeys { buffer = KeyRedaction.redact(bytes: buffer) }
        if !failed {
            buffer.withUnsafeBytes { raw in
                guard let base = raw.baseAddress else { return }
                var offset = 0
                while offset < raw.count {
                    let n = Glibc.write(fd, base + offset, raw.count - offset)
                    if n < 0 {
                        if errno == EINTR { continue }
                        failed = true
                        return
                    }
                    offset += n
                }
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

public struct OutputError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
