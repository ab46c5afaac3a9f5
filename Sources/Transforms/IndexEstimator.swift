/// The SRTP packet index of RFC 3711 §3.3.1 and Appendix A: a 48-bit index i = 2^16 × ROC + SEQ,
/// guessed for each arriving packet from the highest sequence number s_l and its ROC, and advanced only
/// by packets that authenticate.
public struct IndexEstimator: Sendable, Equatable {
    /// The ROC of the highest authenticated index.
    public private(set) var roc: UInt32
    /// s_l: the sequence number of the highest authenticated index, nil before the first packet.
    public private(set) var highestSequence: UInt16?

    /// `initialROC` is the ROC the first packet is assumed to carry (0 unless signalled otherwise).
    public init(initialROC: UInt32 = 0) {
        roc = initialROC
    }

    /// The highest authenticated index, nil before the first packet.
    public var highestIndex: UInt64? {
        highestSequence.map { UInt64(roc) << 16 | UInt64($0) }
    }

    /// Appendix A: v = ROC − 1, ROC or ROC + 1, whichever puts SEQ nearest s_l. A guess of −1 is taken as 0
    /// (an early packet reordered before the first one seen); a guess past 2^32 − 1 wraps.
    public func estimate(sequence seq: UInt16) -> (index: UInt64, roc: UInt32) {
        guard let sl = highestSequence else { return (UInt64(roc) << 16 | UInt64(seq), roc) }
        var v = roc
        if sl < 32768 {
            if Int(seq) - Int(sl) > 32768, roc > 0 { v = roc - 1 }
        } else {
            if Int(sl) - 32768 > Int(seq) { v = roc &+ 1 }
        }
        return (UInt64(v) << 16 | UInt64(seq), v)
    }

    /// Records an authenticated packet: s_l and ROC follow it when it is the newest.
    public mutating func update(index: UInt64) {
        if let highest = highestIndex, index <= highest { return }
        roc = UInt32(truncatingIfNeeded: index >> 16)
        highestSequence = UInt16(truncatingIfNeeded: index)
    }
}
