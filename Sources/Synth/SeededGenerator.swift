/// A deterministic pseudo-random generator: xoshiro256** (Blackman and Vigna, 2018) seeded through
/// SplitMix64, so that the same scenario and seed give the same capture byte for byte on every
/// machine. Not for cryptographic use: it only picks keys, SSRCs and sizes for test material.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        // SplitMix64 spreads a small seed over the 256-bit state (never all zero).
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    public mutating func next() -> UInt64 {
        let result = rotl(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotl(state.3, 45)
        return result
    }

    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// `count` pseudo-random bytes.
    public mutating func bytes(_ count: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        while out.count < count {
            var word = next()
            for _ in 0..<8 where out.count < count {
                out.append(UInt8(truncatingIfNeeded: word))
                word >>= 8
            }
        }
        return out
    }

    /// A value in `0..<bound` (bound > 0), by rejection so that no value is favoured.
    public mutating func below(_ bound: UInt64) -> UInt64 {
        guard bound > 1 else { return 0 }
        let limit = UInt64.max - UInt64.max % bound
        while true {
            let v = next()
            if v < limit { return v % bound }
        }
    }

    /// True with probability `p` (0…1).
    public mutating func chance(_ p: Double) -> Bool {
        guard p > 0 else { return false }
        return Double(next() >> 11) / Double(1 << 53) < p
    }

    /// A hexadecimal token of `count` digits (SIP tags, branches, Call-IDs).
    public mutating func hexToken(_ count: Int) -> String {
        bytes((count + 1) / 2).map { hex2($0) }.joined().prefix(count).description
    }
}

func hex2(_ b: UInt8) -> String {
    let digits = Array("0123456789abcdef")
    return String([digits[Int(b >> 4)], digits[Int(b & 0x0F)]])
}
