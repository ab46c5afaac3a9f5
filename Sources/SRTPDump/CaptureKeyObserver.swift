import Capture
import Datagrams
import KeyBook

/// A source of keys found in the capture itself, beside SIP and SDP (a DTLS-SRTP handshake with its key
/// log, for one): `SignallingTracker` shows it every frame the signalling reads, in capture order, and
/// enters the keys it returns into the key book at once, so that media from that frame on can use them.
///
/// Observers own long-lived per-capture state (handshakes in progress), hence a class protocol.
public protocol CaptureKeyObserver: AnyObject {
    /// Called for every frame the signalling reads (those the BPF filter keeps), decoded once by the
    /// pass's `FrameDecoder`. Returns the keys this frame made effective, one batch per key group.
    func observe(_ frame: Frame, _ decoded: DecodedFrame) -> CaptureKeyFindings
    /// Called once after the last frame (flows that ended with the file).
    func finish() -> CaptureKeyFindings
}

/// What an observer found in one frame: keys (each inner array one group, as `KeyBook.add(manual:)`
/// takes them) and problems, with frame numbers.
public struct CaptureKeyFindings: Sendable {
    public var keys: [[KeyEntry]]
    public var diagnostics: [Diagnostic]

    public init(keys: [[KeyEntry]] = [], diagnostics: [Diagnostic] = []) {
        self.keys = keys
        self.diagnostics = diagnostics
    }

    public static let none = CaptureKeyFindings()
}
