/// What unprotecting one packet concluded.
public enum UnprotectVerdict: Sendable, Hashable {
    /// The tag matched (or the suite has none) and the index is new.
    case authenticated
    /// The tag matched but the index was seen before or lies below the replay window. The packet is
    /// still decrypted: srtpdump reports replays, it does not drop them.
    case replayed
    /// The packet could not be authenticated.
    case failed(UnprotectFailure)

    /// True for `.authenticated` and `.replayed`.
    public var isAuthentic: Bool {
        if case .failed = self { return false }
        return true
    }
}

/// Why a packet failed, as far as the transform can tell.
public enum UnprotectFailure: String, Sendable, Hashable {
    /// Shorter than its header plus trailer, or not an RTP/RTCP header at all.
    case tooShort
    /// The MKI names no master key of the context.
    case unknownMKI
    /// The authentication tag does not match (wrong key, wrong ROC, or a damaged packet).
    case tagMismatch
    /// A layout the transform cannot undo (e.g. cryptex on a packet whose extension profile is unknown).
    case malformed
}

/// The outcome of one unprotect: the verdict, where the plaintext ends, and what was learnt on the way.
public struct UnprotectResult: Sendable, Hashable {
    public var verdict: UnprotectVerdict
    /// Length of the plaintext packet (header and payload, trailer removed) at the start of the caller's
    /// buffer; nil when no plaintext was produced (a failure, unless the caller asked for it anyway).
    public var plaintextLength: Int?
    /// SRTP: the 48-bit packet index used (ROC × 2^16 + SEQ); SRTCP: the 31-bit SRTCP index.
    public var index: UInt64
    /// Position in the context's key list of the master key used, nil if none could be chosen.
    public var keyIndex: Int?
    /// True when the master key has now protected more packets than its lifetime allows (RFC 3711 §9.2).
    public var lifetimeExceeded: Bool
    /// SRTCP: the E flag; SRTP: whether the payload was encrypted.
    public var encrypted: Bool
    /// True when cryptex (RFC 9335) protected the CSRC list and header extension.
    public var cryptex: Bool

    public init(
        verdict: UnprotectVerdict, plaintextLength: Int?, index: UInt64, keyIndex: Int?,
        lifetimeExceeded: Bool = false, encrypted: Bool = true, cryptex: Bool = false
    ) {
        self.verdict = verdict
        self.plaintextLength = plaintextLength
        self.index = index
        self.keyIndex = keyIndex
        self.lifetimeExceeded = lifetimeExceeded
        self.encrypted = encrypted
        self.cryptex = cryptex
    }

    static func failure(_ reason: UnprotectFailure, index: UInt64 = 0, keyIndex: Int? = nil) -> UnprotectResult {
        UnprotectResult(verdict: .failed(reason), plaintextLength: nil, index: index, keyIndex: keyIndex)
    }
}

/// Errors of protect (the sending direction, used by round trips and the synthesizer): a caller's
/// mistake, never a verdict on received data.
public struct ProtectError: Error, Hashable, Sendable, CustomStringConvertible {
    public var code: String
    public var message: String
    public init(_ code: String, _ message: String) {
        self.code = code
        self.message = message
    }
    public var description: String { "\(code): \(message)" }
}
