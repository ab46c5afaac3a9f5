/// Every layout choice of MS-SSRTP in one place, so that a future published packet vector can settle
/// them (MS-SSRTP §4.2's packet example is truncated in every public copy; see
/// `../shared/protocols/microsoft.md` and Docs/crypto.md).
///
/// Wire (MS-SSRTP §2.2.1): `RTP header | CSRC | extension | E(payload || padding || count) | ESN (6, BE) |
/// MKI (1) | tag (10)`.
enum SSRTPLayout {
    /// §2.2.1 field A: a 48-bit big-endian encryption sequence number.
    static let esnLength = 6
    /// §2.2.1 field B: "MKI MUST be used, and the MKI length MUST be 1 byte".
    static let mkiLength = 1
    /// §2.2.1: "The authentication tag size MUST be 10 bytes".
    static let tagLength = 10
    /// §2.2.1.2: part 1 of the authenticated portion is zero-padded to this boundary.
    static let alignment = 64
    static let trailerLength = esnLength + mkiLength + tagLength

    /// Offsets of the trailer fields in a packet of `length` bytes whose header is `headerLength` long.
    static func trailer(length: Int, headerLength: Int) -> (esn: Int, mki: Int, tag: Int)? {
        guard length >= headerLength + trailerLength else { return nil }
        let tag = length - tagLength
        return (tag - esnLength - mkiLength, tag - mkiLength, tag)
    }

    /// §3.1.3.3.1: IV = (k_s × 2^16) XOR ((ESN >> 16) × 2^64) XOR (ESN × 2^16). Neither SSRC, sequence
    /// number nor ROC enter the keystream: a packet decrypts from its ESN alone.
    static func iv(salt: [UInt8], esn: UInt64, into out: UnsafeMutableRawBufferPointer) {
        for i in 0..<14 { out[i] = i < salt.count ? salt[i] : 0 }
        out[14] = 0
        out[15] = 0
        let high = UInt32(truncatingIfNeeded: esn >> 16)
        for i in 0..<4 { out[4 + i] ^= UInt8(truncatingIfNeeded: high >> (24 - 8 * UInt32(i))) }
        for i in 0..<6 { out[8 + i] ^= UInt8(truncatingIfNeeded: esn >> (40 - 8 * UInt64(i))) }
    }

    /// Zero bytes for the padding of part 1 (at most 63 are ever needed).
    nonisolated(unsafe) static let zeros: UnsafeMutableRawBufferPointer = {
        let z = UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 16)
        z.initializeMemory(as: UInt8.self, repeating: 0)
        return z
    }()

    /// The reading of §2.2.1.2 used here: part 1 = `CSRC list | encrypted payload | ESN`, zero-padded
    /// to a multiple of 64 bytes (nothing added when it already is one); part 2 = the 12-byte fixed header
    /// as on the wire, the header extension when X = 1, then the ROC (4 bytes, big endian). The MKI is
    /// not authenticated. Feeds both parts to `mac` in order, in pieces (no copy, no allocation).
    static func authenticate(
        _ packet: UnsafeRawBufferPointer, header h: RTPHeaderLayout, esnOffset: Int, rocWord: UnsafeRawBufferPointer,
        update: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        let csrc = UnsafeRawBufferPointer(rebasing: packet[12..<h.extensionOffset])
        let payload = UnsafeRawBufferPointer(rebasing: packet[h.headerLength..<esnOffset + esnLength])
        try update(csrc)
        try update(payload)
        let part1 = csrc.count + payload.count
        let pad = (alignment - part1 % alignment) % alignment
        if pad > 0 { try update(UnsafeRawBufferPointer(rebasing: zeros[0..<pad])) }
        try update(UnsafeRawBufferPointer(rebasing: packet[0..<12]))
        if h.hasExtension { try update(UnsafeRawBufferPointer(rebasing: packet[h.extensionOffset..<h.headerLength])) }
        try update(rocWord)
    }

    /// MS-SSRTP §3.1.3.3.2 step 2: the next ESN after `esn`: one more, and one more again when the low
    /// byte would be 0 ("the last 8-bit of ESN SHOULD NOT be 0"); 48 bits, wrapping.
    static func next(after esn: UInt64) -> UInt64 {
        var n = (esn + 1) & 0xFFFF_FFFF_FFFF
        if n & 0xFF == 0 { n = (n + 1) & 0xFFFF_FFFF_FFFF }
        return n
    }

    /// How many ROC values either side of the estimate are tried when the tag fails (the ROC only enters
    /// the tag; see microsoft.md "ROC helped by the ESN").
    static let rocSearch: [Int64] = [0, 1, -1]

    /// How many ROC values beyond estimate + 1 the ESN may justify trying after a long loss.
    static let maxESNROCSteps: UInt64 = 64
}
