#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Files to remove when the process is interrupted (SIGINT, SIGTERM, SIGHUP) before it has finished them:
/// the temporary file a capture is written to until its rename (`CaptureWriter`). The final name is never
/// touched by an interrupted run in any case; this only keeps ^C from leaving a hidden `.NAME.tmp-PID-N`
/// beside it. (SIGKILL cannot be caught: that one file stays.)
///
/// A signal handler may call only async-signal-safe functions and must not meet memory being freed: the
/// paths live in fixed buffers allocated once, before any handler is installed, and are never freed; a
/// slot is in use while its first byte is not 0. Registering and forgetting take a lock (writers may be
/// made on several threads); the handler only reads, unlinks, restores the default action and raises the
/// signal again, so that the process still ends as the signal says (status 130 for ^C in a shell).
/// Nothing is registered until `installHandlers()` has run: a library user who does not install them
/// pays nothing.
public enum InterruptCleanup {
    /// Paths registered at once: a run writes one capture.
    static let slotCount = 4
    static let slotBytes = Int(PATH_MAX)
    /// `slotCount` buffers of `slotBytes`, each a NUL-terminated path or empty.
    nonisolated(unsafe) static let buffers: UnsafeMutablePointer<CChar> = {
        let p = UnsafeMutablePointer<CChar>.allocate(capacity: slotCount * slotBytes)
        p.initialize(repeating: 0, count: slotCount * slotBytes)
        return p
    }()
    nonisolated(unsafe) static let lock: UnsafeMutablePointer<pthread_mutex_t> = {
        let m = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        pthread_mutex_init(m, nil)
        return m
    }()
    nonisolated(unsafe) static var installed = false

    /// Installs the handlers (the command line does, once, at start; a library user may). A signal the
    /// process was started with ignored (`nohup` ignores SIGHUP) stays ignored.
    public static func installHandlers() {
        _ = buffers
        _ = lock
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        guard !installed else { return }
        installed = true
        for s in [SIGINT, SIGTERM, SIGHUP] {
            var current = sigaction()
            guard sigaction(s, nil, &current) == 0,
                unsafeBitCast(current.__sigaction_handler.sa_handler, to: Int.self)
                    != unsafeBitCast(SIG_IGN, to: Int.self)
            else { continue }
            signal(s) { received in
                for i in 0..<InterruptCleanup.slotCount {
                    let path = InterruptCleanup.buffers + i * InterruptCleanup.slotBytes
                    if path.pointee != 0 { unlink(path) }
                }
                signal(received, SIG_DFL)
                raise(received)
            }
        }
    }

    /// Registers `path` for removal on interruption; returns its slot. Nil when the handlers are not
    /// installed, the path is too long, or every slot is taken: the file is then only not removed on ^C.
    static func register(_ path: String) -> Int? {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        guard installed else { return nil }
        let bytes = Array(path.utf8)
        guard !bytes.isEmpty, bytes.count < slotBytes, !bytes.contains(0) else { return nil }
        for i in 0..<slotCount {
            let slot = buffers + i * slotBytes
            guard slot.pointee == 0 else { continue }
            // The rest first, the first byte last: the handler sees the slot in use only when whole.
            for (k, b) in bytes.enumerated().dropFirst() { slot[k] = CChar(bitPattern: b) }
            slot[bytes.count] = 0
            slot.pointee = CChar(bitPattern: bytes[0])
            return i
        }
        return nil
    }

    /// Forgets the path of `slot` (the file was renamed or removed).
    static func unregister(_ slot: Int?) {
        guard let slot, slot >= 0, slot < slotCount else { return }
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        buffers[slot * slotBytes] = 0
    }
}
