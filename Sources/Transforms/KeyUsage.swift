/// Packets protected with each master key, per direction, to hold them against the key lifetimes
/// (RFC 3711 §9.2; RFC 4568 §6.1 lifetime). Shared by every stream of one context.
public final class KeyUsage {
    public private(set) var rtp: [UInt64]
    public private(set) var rtcp: [UInt64]
    let rtpLimits: [UInt64]
    let rtcpLimits: [UInt64]

    /// RFC 3711 §9.2: at most 2^48 SRTP packets and 2^31 SRTCP packets per master key.
    static let rtpMaximum: UInt64 = 1 << 48
    static let rtcpMaximum: UInt64 = 1 << 31

    init(keys: [MasterKey]) {
        rtp = Array(repeating: 0, count: keys.count)
        rtcp = Array(repeating: 0, count: keys.count)
        rtpLimits = keys.map { min($0.lifetime ?? Self.rtpMaximum, Self.rtpMaximum) }
        rtcpLimits = keys.map { min($0.lifetime ?? Self.rtcpMaximum, Self.rtcpMaximum) }
    }

    /// Counts one packet; true when the key has now protected more than its lifetime allows.
    func count(key: Int, rtcp isRTCP: Bool) -> Bool {
        if isRTCP {
            rtcp[key] += 1
            return rtcp[key] > rtcpLimits[key]
        }
        rtp[key] += 1
        return rtp[key] > rtpLimits[key]
    }
}

/// What the caller wants from an unprotect beyond the defaults.
public struct UnprotectOptions: Sendable, Hashable {
    /// Decrypt even when the tag does not match (for diagnosis). The result's verdict still says `failed`.
    public var plaintextOnFailure: Bool

    public init(plaintextOnFailure: Bool = false) {
        self.plaintextOnFailure = plaintextOnFailure
    }
}
