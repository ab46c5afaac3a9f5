/// The RFC 3711 §3.3.2 replay list as a sliding bitmap of the last `size` indices below the highest
/// authenticated one. srtpdump only *reports* replays: an offline decryptor decrypts them anyway
/// (MS-SRTP expects repeated packets, e.g. DTMF).
public struct ReplayWindow: Sendable, Equatable {
    /// How a packet index relates to the window.
    public enum Check: Sendable, Equatable {
        /// Never seen: newer than the highest, or inside the window and not yet marked.
        case fresh
        /// Inside the window and already seen.
        case duplicate
        /// Older than the window: cannot be told apart from a replay (RFC 3711 §3.3.2 drops these).
        case tooOld
    }

    /// Window size in packets: 128 (RFC 3711 §9.3 asks for at least 64).
    public static let size: UInt64 = 128

    /// Highest index marked, nil before the first.
    public private(set) var highest: UInt64?
    /// Bit i set: index highest − i was seen (bit 0 is `highest` itself).
    private var low: UInt64 = 0
    private var high: UInt64 = 0

    public init() {}

    public func check(_ index: UInt64) -> Check {
        guard let highest else { return .fresh }
        if index > highest { return .fresh }
        let delta = highest - index
        if delta >= Self.size { return .tooOld }
        let bit = delta < 64 ? (low >> delta) & 1 : (high >> (delta - 64)) & 1
        return bit == 1 ? .duplicate : .fresh
    }

    /// Marks `index` as seen (after the packet authenticated), sliding the window when it is the newest.
    public mutating func mark(_ index: UInt64) {
        guard let current = highest else {
            highest = index
            low = 1
            high = 0
            return
        }
        if index > current {
            shift(by: index - current)
            highest = index
            low |= 1
        } else {
            let delta = current - index
            guard delta < Self.size else { return }
            if delta < 64 { low |= 1 << delta } else { high |= 1 << (delta - 64) }
        }
    }

    private mutating func shift(by n: UInt64) {
        if n >= 128 {
            low = 0
            high = 0
        } else if n >= 64 {
            high = n == 64 ? low : low << (n - 64)
            low = 0
        } else if n > 0 {
            high = (high << n) | (low >> (64 - n))
            low <<= n
        }
    }
}
