import Crypto

/// MS-RTPME legacy media encryption (as RFC 3550 §9.1): DES-CBC with a zero IV over the whole RTP or
/// RTCP packet, header included, padded with zeros to a multiple of 8 bytes without setting the P bit;
/// one key for RTP and RTCP. Both readings of the key are kept; unprotect reports which one produced a
/// plausible header and, once one has, tries it first.
public final class RTPMEContext {
    public enum PacketKind: Sendable { case rtp, rtcp }

    /// The outcome of one unprotect.
    public struct Result: Sendable, Hashable {
        /// The reading whose first block decrypted to a plausible header; nil when neither did.
        public var reading: RTPMEKey.Reading? = nil
        /// The decrypted length (the ciphertext's: the sender's zero padding cannot be told from data);
        /// nil when nothing was decrypted.
        public var plaintextLength: Int? = nil
    }

    private let ciphers: [(RTPMEKey.Reading, any DESCBC)]
    /// The reading that last produced a plausible header.
    public private(set) var settled: RTPMEKey.Reading?
    private let block = UnsafeMutableRawBufferPointer.allocate(byteCount: 16, alignment: 16)

    /// Keys from the `k=base64:` value; throws `ProtectError("passphrase")` when it is not base64.
    public convenience init(base64Passphrase: String, provider: any CryptoProvider) throws {
        guard let digest = try RTPMEKey.digest(base64: base64Passphrase, provider: provider) else {
            throw ProtectError("passphrase", "the k= value is not base64")
        }
        try self.init(digest: digest, provider: provider)
    }

    public init(digest: [UInt8], provider: any CryptoProvider) throws {
        ciphers = try RTPMEKey.Reading.allCases.map {
            ($0, try provider.makeDESCBC(key: RTPMEKey.key(digest: digest, reading: $0)))
        }
    }

    deinit { block.deallocate() }

    /// A decrypted first block that could start an RTP packet (version 2, a payload type outside the RTCP
    /// range 72–76 of RFC 5761 §4) or an RTCP packet (version 2, packet type 192–223).
    static func plausible(_ b: UnsafeRawBufferPointer, kind: PacketKind) -> Bool {
        guard b[0] >> 6 == 2 else { return false }
        switch kind {
        case .rtp:
            let pt = b[1] & 0x7F
            return !(72...76).contains(pt)
        case .rtcp:
            return (192...223).contains(b[1])
        }
    }

    /// Decrypts `packet[0..<length]` in place with the reading whose first block looks like `kind`.
    public func unprotect(
        _ packet: UnsafeMutableRawBufferPointer, length: Int, kind: PacketKind,
        options: UnprotectOptions = UnprotectOptions()
    ) throws -> Result {
        guard length >= 8, length % 8 == 0, length <= packet.count else { return Result() }
        let zeroIV = UnsafeRawBufferPointer(rebasing: block[8..<16])
        for i in 8..<16 { block[i] = 0 }
        // The settled reading first, then the other; no array is built per packet.
        let start = ciphers.firstIndex { $0.0 == settled } ?? 0
        for j in 0..<ciphers.count {
            let (reading, des) = ciphers[(start + j) % ciphers.count]
            let first = block.slice(0..<8)
            first.copyMemory(from: UnsafeRawBufferPointer(packet.slice(0..<8)))
            try des.decrypt(iv: zeroIV, data: first)
            if Self.plausible(UnsafeRawBufferPointer(first), kind: kind) {
                try des.decrypt(iv: zeroIV, data: packet.slice(0..<length))
                settled = reading
                return Result(reading: reading, plaintextLength: length)
            }
        }
        if options.plaintextOnFailure, let des = ciphers.first?.1 {
            try des.decrypt(iv: zeroIV, data: packet.slice(0..<length))
            return Result(reading: nil, plaintextLength: length)
        }
        return Result()
    }

    /// Pads `packet[0..<length]` with zeros to a multiple of 8 (the P bit untouched) and encrypts it in
    /// place with `reading`; returns the new length.
    public func protect(_ packet: UnsafeMutableRawBufferPointer, length: Int, reading: RTPMEKey.Reading) throws -> Int {
        let padded = (length + 7) / 8 * 8
        guard padded <= packet.count, length > 0 else { throw ProtectError("capacity", "no room for DES padding") }
        for i in length..<padded { packet[i] = 0 }
        guard let des = ciphers.first(where: { $0.0 == reading })?.1 else { return length }
        for i in 8..<16 { block[i] = 0 }
        try des.encrypt(iv: UnsafeRawBufferPointer(rebasing: block[8..<16]), data: packet.slice(0..<padded))
        return padded
    }
}
