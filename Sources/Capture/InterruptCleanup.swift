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
/// A signal handler may call only async-signal-safe functions: it unlinks the C strings registered here
/// (allocated beforehand), restores the default action and raises the signal again, so that the process
/// still ends as the signal says (status 130 for ^C in a shell).
public enum InterruptCleanup {
    /// Paths registered at once: a run writes one capture.
    static let slotCount = 4
    /// The registered paths, nil where free; allocated once, before any handler is installed.
    nonisolated(unsafe) static let slots: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> = {
        let p = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: slotCount)
        p.initialize(repeating: nil, count: slotCount)
        return p
    }()

    /// Installs the handlers (the command line does, once, at start; a library user may). A signal the
    /// process was started with ignored (`nohup` ignores SIGHUP) stays ignored.
    public static func installHandlers() {
        _ = slots
        for s in [SIGINT, SIGTERM, SIGHUP] {
            let previous = signal(s) { received in
                for i in 0..<InterruptCleanup.slotCount {
                    if let p = InterruptCleanup.slots[i] { unlink(p) }
                }
                signal(received, SIG_DFL)
                raise(received)
            }
            if unsafeBitCast(previous, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self) { signal(s, SIG_IGN) }
        }
    }

    /// Registers `path` for removal on interruption; returns its slot (nil when every slot is taken:
    /// the file is then only not cleaned up on ^C).
    static func register(_ path: String) -> Int? {
        for i in 0..<slotCount where slots[i] == nil {
            slots[i] = strdup(path)
            return i
        }
        return nil
    }

    /// Forgets the path of `slot` (the file was renamed or removed).
    static func unregister(_ slot: Int?) {
        guard let slot, slot >= 0, slot < slotCount else { return }
        let p = slots[slot]
        slots[slot] = nil
        free(p)
    }
}
