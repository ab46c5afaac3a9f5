/// Packets protected with each master key, per direction, to hold them against the key lifetimes
/// (RFC 3711 §9.2; RFC 4568 §6.1 lifetime). Shared by every stream of one context.
public final class KeyUsage {
    /// Counts live in one buffer allocated once (SRTP counts, then SRTCP counts): the packet path then
    /// pays no exclusivity check for them.
    private let counts: UnsafeMutableBufferPointer<UInt64>
    private let keyCount: Int
    let rtpLimits: [UInt64]
    let rtcpLimits: [UInt64]

    /// RFC 3711 §9.2: at most 2^48 SRTP packets and 2^31 SRTCP packets per master key.
    static let rtpMaximum: UInt64 = 1 << 48
    static let rtcpMaximum: UInt64 = 1 << 31

    init(keys: [MasterKey]) {
        keyCount = keys.count
        counts = UnsafeMutableBufferPointer.allocate(capacity: max(1, 2 * keys.count))
        counts.initialize(repeating: 0)
        rtpLimits = keys.map { min($0.lifetime ?? Self.rtpMaximum, Self.rtpMaximum) }
        rtcpLimits = keys.map { min($0.lifetime ?? Self.rtcpMaximum, Self.rtcpMaximum) }
    }

    deinit { counts.deallocate() }

    /// SRTP packets counted per master key.
    public var rtp: [UInt64] { Array(counts[0..<keyCount]) }
    /// SRTCP packets counted per master key.
    public var rtcp: [UInt64] { Array(counts[keyCount..<2 * keyCount]) }

    /// Counts one packet; true when the key has now protected more than its lifetime allows.
    @inline(__always)
    func count(key: Int, rtcp isRTCP: Bool) -> Bool {
        let slot = isRTCP ? keyCount + key : key
        counts[slot] &+= 1
        return counts[slot] > (isRTCP ? rtcpLimits[key] : rtpLimits[key])
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
