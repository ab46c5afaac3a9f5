import Crypto

/// MS-RTPME legacy media encryption (as RFC 3550 §9.1): DES-CBC with a zero IV over the whole RTP or
/// RTCP packet, header included, padded with zeros to a multiple of 8 bytes without setting the P bit;
/// one key for RTP and RTCP. Both readings of the key are kept; a packet is accepted under the reading
/// whose plaintext passes `RTPMEAcceptance` (whole-packet plausibility, then consistency with the stream
/// seen so far), and the reading of the confirmed stream is tried first afterwards.
///
/// One context serves one flow: the decrypt engine, the tests and the synthesizer all use this type.
public final class RTPMEContext {
    public enum PacketKind: Sendable { case rtp, rtcp }

    /// The outcome of one unprotect.
    public struct Result: Sendable, Hashable {
        /// The reading the packet was accepted under; nil when none (or with `plaintextOnFailure`).
        public var reading: RTPMEKey.Reading? = nil
        /// The plaintext length without the DES padding: exact for RTCP (the length words), a best guess
        /// for RTP (see `RTPMEAcceptance.unpaddedLength`). The padding bytes stay in the buffer, zero.
        /// Nil when nothing was decrypted.
        public var plaintextLength: Int? = nil
        /// True when the packet continues a stream seen on an earlier packet (same SSRC, same reading):
        /// the strong acceptance. A first packet is accepted tentatively (false here).
        public var confirmed = false

        public var accepted: Bool { reading != nil }
    }

    private let ciphers: [(RTPMEKey.Reading, any DESCBC)]
    private var rtp = RTPMEAcceptance()
    private var rtcp = RTPMEAcceptance()
    private var lastRTPLength: Int?
    /// 0..<8 a decrypted first block, 8..<16 the zero IV.
    private let block = UnsafeMutableRawBufferPointer.allocate(byteCount: 16, alignment: 16)
    /// The ciphertext set aside while one reading is tried, so that a refusal leaves the buffer as it was.
    private let saved = ScratchBuffer()
    /// The copy `wouldConfirm` decrypts.
    private let peeked = ScratchBuffer()

    /// The reading of the stream the context has accepted, confirmed first (RTP before RTCP); nil before
    /// any packet was accepted.
    public var settled: RTPMEKey.Reading? {
        if let id = rtp.current, id.confirmed { return id.reading }
        if let id = rtcp.current, id.confirmed { return id.reading }
        return rtp.current?.reading ?? rtcp.current?.reading
    }

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
        for i in 8..<16 { block[i] = 0 }
    }

    deinit { block.deallocate() }

    private var zeroIV: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: block[8..<16]) }

    /// Decrypts `packet[0..<length]` in place when a reading gives an acceptable `kind` packet; otherwise
    /// leaves the buffer as it was (or, with `options.plaintextOnFailure`, decrypts it with the settled
    /// reading and returns a result without a reading). `excluded`: a reading not to try (the decrypt
    /// engine's, once a later packet has refuted what it gave).
    public func unprotect(
        _ packet: UnsafeMutableRawBufferPointer, length: Int, kind: PacketKind,
        options: UnprotectOptions = UnprotectOptions(), excluding excluded: RTPMEKey.Reading? = nil
    ) throws -> Result {
        guard length >= 8, length % 8 == 0, length <= packet.count else { return Result() }
        let data = packet.slice(0..<length)
        let preferred = settled
        // The settled reading first, then the other; no array is built per packet.
        let start = ciphers.firstIndex { $0.0 == preferred } ?? 0
        var copied = false
        for j in 0..<ciphers.count {
            let (reading, des) = ciphers[(start + j) % ciphers.count]
            if reading == excluded { continue }
            // CBC with a zero IV: the first plaintext block depends on the first ciphertext block only,
            // so most wrong readings are turned away after one block.
            let first = block.slice(0..<8)
            first.copyMemory(from: UnsafeRawBufferPointer(data.slice(0..<8)))
            try des.decrypt(iv: zeroIV, data: first)
            guard RTPMEAcceptance.plausibleStart(UnsafeRawBufferPointer(first), kind: kind) else { continue }
            let backup = saved.take(length)
            if !copied {
                backup.copyMemory(from: UnsafeRawBufferPointer(data))
                copied = true
            }
            try des.decrypt(iv: zeroIV, data: data)
            if let decision = accept(UnsafeRawBufferPointer(data), length: length, kind: kind, reading: reading) {
                return decision
            }
            data.copyMemory(from: UnsafeRawBufferPointer(backup))
        }
        if options.plaintextOnFailure,
            let des = ciphers.first(where: { $0.0 == preferred })?.1 ?? ciphers.first?.1
        {
            try des.decrypt(iv: zeroIV, data: data)
            return Result(reading: nil, plaintextLength: length)
        }
        return Result()
    }

    /// Whether `packet[0..<length]`, decrypted under `reading`, is a plausible RTP packet (stage 1) that
    /// would confirm a tentative stream `ssrc`/`sequence` (stage 2: same SSRC, sequence number close by
    /// and not the same, so that a duplicate confirms nothing). The packet is decrypted in a copy and
    /// nothing the context remembers changes: the decrypt engine uses it to look ahead at the packets held
    /// after a tentatively accepted one.
    public func wouldConfirm(
        _ packet: UnsafeRawBufferPointer, length: Int, reading: RTPMEKey.Reading, ssrc: UInt32, sequence: UInt16
    ) throws -> Bool {
        guard length >= 12, length % 8 == 0, length <= packet.count,
            let des = ciphers.first(where: { $0.0 == reading })?.1
        else { return false }
        let copy = peeked.take(length)
        copy.copyMemory(from: UnsafeRawBufferPointer(rebasing: packet[0..<length]))
        try des.decrypt(iv: zeroIV, data: copy)
        let p = UnsafeRawBufferPointer(copy)
        guard RTPMEAcceptance.plausible(p, padded: length, kind: .rtp, lastRTPLength: lastRTPLength) != nil else {
            return false
        }
        let tentative = RTPMEAcceptance.Identity(reading: reading, ssrc: ssrc, sequence: sequence, count: 1)
        return tentative.matches(reading, p.be32(8), p.be16(2), kind: .rtp)
    }

    /// Stage 1 and 2 of `RTPMEAcceptance` on a decrypted packet; nil when refused.
    private func accept(_ p: UnsafeRawBufferPointer, length: Int, kind: PacketKind, reading: RTPMEKey.Reading)
        -> Result?
    {
        guard
            let plain = RTPMEAcceptance.plausible(
                p, padded: length, kind: kind, lastRTPLength: kind == .rtp ? lastRTPLength : nil)
        else { return nil }
        let decision: RTPMEAcceptance.Decision
        switch kind {
        case .rtp:
            decision = rtp.decide(reading: reading, ssrc: p.be32(8), sequence: p.be16(2), kind: .rtp)
        case .rtcp:
            decision = rtcp.decide(reading: reading, ssrc: p.be32(4), sequence: 0, kind: .rtcp)
        }
        guard decision != .refused else { return nil }
        if kind == .rtp { lastRTPLength = plain }
        return Result(reading: reading, plaintextLength: plain, confirmed: decision == .confirmed)
    }

    /// Pads `packet[0..<length]` with zeros to a multiple of 8 (the P bit untouched) and encrypts it in
    /// place with `reading`; returns the new length.
    public func protect(_ packet: UnsafeMutableRawBufferPointer, length: Int, reading: RTPMEKey.Reading) throws -> Int {
        let padded = (length + 7) / 8 * 8
        guard padded <= packet.count, length > 0 else { throw ProtectError("capacity", "no room for DES padding") }
        for i in length..<padded { packet[i] = 0 }
        guard let des = ciphers.first(where: { $0.0 == reading })?.1 else { return length }
        try des.encrypt(iv: zeroIV, data: packet.slice(0..<padded))
        return padded
    }
}
