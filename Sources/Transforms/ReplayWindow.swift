/// The RFC 3711 §3.3.2 replay list: a bitmap of the last `size` indices up to the highest authenticated
/// one. srtpdump only *reports* replays: an offline decryptor decrypts them anyway (MS-SRTP expects
/// repeated packets, e.g. DTMF).
///
/// The bitmap is a ring of `capacity` bits held inline (no heap storage: the window lives in per-SSRC
/// state that is copied in and out of a dictionary per packet, and an array there would be copied on
/// write, an allocation per packet). Index i has bit `i mod capacity`; sliding the window clears the bits
/// of the indices it passes over, so a slide by one costs one bit, not a shift of every word. `size`
/// (settable, `--limit replay-window`) only decides which indices count as inside the window.
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

    /// The default window in packets: 128 (RFC 3711 §9.3 asks for at least 64; libsrtp's default is 128).
    public static let defaultSize = 128
    /// The sizes a window may have: RFC 3711 §9.3's minimum up to the bits held inline.
    public static let sizes = 64...capacity
    /// Bits held: 16 words.
    public static let capacity = 1024
    private static let indexMask = UInt64(capacity - 1)

    /// Packets the window spans (in `sizes`).
    public let size: Int
    /// Highest index marked, nil before the first.
    public private(set) var highest: UInt64?
    /// The ring: bit `i & indexMask` stands for index i, for the `capacity` indices up to `highest`.
    private var bits: Words = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    private typealias Words = (
        UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
        UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64
    )

    /// A window of `size` packets, clamped to `sizes`.
    public init(size: Int = ReplayWindow.defaultSize) {
        self.size = min(max(size, Self.sizes.lowerBound), Self.sizes.upperBound)
    }

    public func check(_ index: UInt64) -> Check {
        guard let highest else { return .fresh }
        if index > highest { return .fresh }
        if highest - index >= UInt64(size) { return .tooOld }
        return isSet(index) ? .duplicate : .fresh
    }

    /// Marks `index` as seen (after the packet authenticated), sliding the window when it is the newest.
    public mutating func mark(_ index: UInt64) {
        guard let current = highest else {
            highest = index
            setBit(index, to: true)
            return
        }
        if index > current {
            // The new indices current+1 … index take over the ring bits of indices that leave the window.
            // Only the last `size` of them can be read while inside it (older ones are `tooOld` at once),
            // so at most `size` bits are cleared, one for the usual slide by one.
            let slide = index - current
            // (A counted loop, not `for k in first...slide`: the range's generic iterator allocates in
            // unoptimised builds, where the allocation tests run, and the count cannot overflow.)
            var k = slide > UInt64(size) ? slide - UInt64(size) + 1 : 1
            var left = slide - k + 1
            while left > 0 {
                setBit(current &+ k, to: false)
                k &+= 1
                left -= 1
            }
            highest = index
            setBit(index, to: true)
        } else if current - index < UInt64(size) {
            setBit(index, to: true)
        }
    }

    /// Equal when they answer every `check` alike: same size and highest, and the same indices seen
    /// inside the window (ring bits of indices already out of it do not count).
    public static func == (a: ReplayWindow, b: ReplayWindow) -> Bool {
        guard a.size == b.size, a.highest == b.highest else { return false }
        guard let highest = a.highest else { return true }
        let oldest = highest >= UInt64(a.size) ? highest - UInt64(a.size) + 1 : 0
        for i in oldest...highest where a.isSet(i) != b.isSet(i) { return false }
        return true
    }

    // Word `(i & mask) >> 6` of the 16, bit `i & 63`: always inside the tuple's 128 bytes.
    @inline(__always)
    private func isSet(_ i: UInt64) -> Bool {
        let bit = i & Self.indexMask
        let word = withUnsafeBytes(of: bits) { $0.load(fromByteOffset: Int(bit >> 6) * 8, as: UInt64.self) }
        return (word >> (bit & 63)) & 1 == 1
    }

    /// Sets (`seen`) or clears the bit of index `i`.
    @inline(__always)
    private mutating func setBit(_ i: UInt64, to seen: Bool) {
        let bit = i & Self.indexMask
        let mask: UInt64 = 1 << (bit & 63)
        withUnsafeMutableBytes(of: &bits) {
            let offset = Int(bit >> 6) * 8
            let word = $0.load(fromByteOffset: offset, as: UInt64.self)
            $0.storeBytes(of: seen ? word | mask : word & ~mask, toByteOffset: offset, as: UInt64.self)
        }
    }
}
