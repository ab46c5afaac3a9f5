/// RTP clock rates by payload type, needed for jitter (RFC 3550 §6.4.1 / A.8 measure it in timestamp
/// units). Static types from RFC 3551 §6; dynamic types from `a=rtpmap` when signalling gave one,
/// else a guess: 48000 for Opus' customary 111, 90000 for other dynamic types (video).
public struct ClockRates: Sendable {
    /// Overrides, e.g. from `a=rtpmap:<pt> <name>/<rate>`.
    public var overrides: [UInt8: Int]

    public init(overrides: [UInt8: Int] = [:]) { self.overrides = overrides }

    public func rate(payloadType pt: UInt8) -> Int {
        // Asked on every RTP packet: an empty table is not hashed into.
        if !overrides.isEmpty, let r = overrides[pt] { return r }
        switch pt {
        case 0...9, 12, 13, 15, 18: return 8000  // PCMU, GSM, G723, DVI4/8000, LPC, PCMA, G722, QCELP, CN, G728, G729
        case 10, 11: return 44100  // L16
        case 14: return 90000  // MPA
        case 16: return 11025  // DVI4/11025
        case 17: return 22050  // DVI4/22050
        case 25, 26, 28, 31, 32, 33, 34: return 90000  // video
        case 111: return 48000  // Opus, as WebRTC offers it
        default: return pt >= 96 ? 90000 : 8000
        }
    }
}
