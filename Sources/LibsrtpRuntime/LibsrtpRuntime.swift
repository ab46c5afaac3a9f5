import CSRTP

/// libsrtp's process-wide initialisation, in one place.
///
/// `srtp_init()` may run only once per process: a second call fails (it registers its debug module
/// again), and two concurrent calls race. The synthesizer and the libsrtp oracle tests both use libsrtp,
/// sometimes in one test process, so both go through this one lazily initialised static (Swift runs a
/// global's initialiser exactly once, thread-safely).
public enum LibsrtpRuntime {
    /// The status of the one `srtp_init()` call (0 is `srtp_err_status_ok`).
    public static let initStatus: Int32 = Int32(srtp_init().rawValue)

    public static var initialized: Bool { initStatus == 0 }
}
