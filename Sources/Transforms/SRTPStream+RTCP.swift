import Crypto

/// SRTCP (RFC 3711 §3.4): `RTCP compound | E || SRTCP index (32 bits) | MKI | tag`, the tag always
/// present; with AEAD (RFC 7714 §9, libsrtp's layout): `RTCP | tag(16) | E || index | MKI`.
extension SRTPStream {
    /// Where the SRTCP trailer fields lie in a packet of `length` bytes, or nil if it is too short.
    private func rtcpLayout(length: Int) -> (trailer: Int, mki: Int, tag: Int, end: Int)? {
        let suite = policy.suite
        let mkiLength = policy.mkiLength
        let tagLength = suite.rtcpTagLength
        guard length >= 8 + 4 + mkiLength + tagLength else { return nil }
        if suite.isAEAD {
            let mki = length - mkiLength
            let trailer = mki - 4
            let tag = trailer - tagLength
            return (trailer, mki, tag, tag)
        }
        let tag = length - tagLength
        let mki = tag - mkiLength
        let trailer = mki - 4
        return (trailer, mki, tag, trailer)
    }

    /// Unprotects the SRTCP packet in `packet[0..<length]` in place; the plaintext RTCP compound is
    /// `packet[0..<plaintextLength]`. Follows each packet's E flag (RFC 3711 §3.4).
    public func unprotectRTCP(
        _ packet: UnsafeMutableRawBufferPointer, length: Int, options: UnprotectOptions = UnprotectOptions()
    ) throws -> UnprotectResult {
        let ro = UnsafeRawBufferPointer(packet)
        guard length <= packet.count, let l = rtcpLayout(length: length), ro[0] >> 6 == 2 else {
            return .failure(.tooShort)
        }
        guard let k = policy.keyIndex(mkiAt: l.mki, in: ro) else { return .failure(.unknownMKI) }
        let word = ro.be32(l.trailer)
        let encrypted = word & 0x8000_0000 != 0
        let index = UInt64(word & 0x7FFF_FFFF)
        let ssrc = ro.be32(4)
        let replayCheck = rtcpReplay.check(index)
        let c = try cipher(k, rtcp: true)
        try c.prepare(index: index)
        let x = c.current
        let suite = policy.suite
        var authentic: Bool
        if suite.isAEAD {
            Self.rtcpGCMIV(salt: x.keys.salt, ssrc: ssrc, index: UInt32(index), into: c.iv)
            guard let gcm = x.gcm else { throw CryptoError("no-gcm", "GCM context missing") }
            let tag = UnsafeRawBufferPointer(packet.slice(l.tag..<l.tag + 16))
            let empty = UnsafeMutableRawBufferPointer(start: c.aad.baseAddress, count: 0)
            if encrypted {
                // RFC 7714 §9.2: AAD = the first 8 bytes || E || index; the rest is ciphertext.
                for i in 0..<8 { c.aad[i] = packet[i] }
                c.aad.storeBE32(word, at: 8)
                let data = packet.slice(8..<l.tag)
                let saved = scratch.take(data.count)
                saved.copyMemory(from: UnsafeRawBufferPointer(data))
                authentic = try gcm.open(
                    iv: UnsafeRawBufferPointer(c.iv.slice(0..<12)), aad: UnsafeRawBufferPointer(c.aad.slice(0..<12)),
                    data: data, tag: tag)
                if !authentic {
                    data.copyMemory(from: UnsafeRawBufferPointer(saved))
                    if options.plaintextOnFailure {
                        c.iv.storeBE32(2, at: 12)
                        if let counter = x.counter { try counter.apply(iv: UnsafeRawBufferPointer(c.iv), to: data) }
                    }
                }
            } else {
                // §9.3: E = 0, the whole compound and the trailer word are AAD, the plaintext empty.
                let aad = scratch.take(l.tag + 4)
                aad.slice(0..<l.tag).copyMemory(from: UnsafeRawBufferPointer(packet.slice(0..<l.tag)))
                aad.storeBE32(word, at: l.tag)
                authentic = try gcm.open(
                    iv: UnsafeRawBufferPointer(c.iv.slice(0..<12)), aad: UnsafeRawBufferPointer(aad), data: empty,
                    tag: tag)
            }
        } else {
            // §3.4: the tag covers the compound and the E || index word; the MKI is not authenticated.
            try c.mac(x, UnsafeRawBufferPointer(packet.slice(0..<l.trailer + 4)))
            authentic = constantTimeEqual(
                UnsafeRawBufferPointer(c.digest), UnsafeRawBufferPointer(packet.slice(l.tag..<length)),
                count: suite.rtcpTagLength)
            if encrypted, authentic || options.plaintextOnFailure {
                try applyRTCPKeystream(c, packet, region: 8..<l.trailer, ssrc: ssrc, word: word)
            }
        }
        guard authentic else {
            var r = UnprotectResult.failure(.tagMismatch, index: index, keyIndex: k)
            r.encrypted = encrypted
            if options.plaintextOnFailure { r.plaintextLength = l.end }
            return r
        }
        rtcpReplay.mark(index)
        let exceeded = usage.count(key: k, rtcp: true)
        return UnprotectResult(
            verdict: replayCheck == .fresh ? .authenticated : .replayed, plaintextLength: l.end, index: index,
            keyIndex: k, lifetimeExceeded: exceeded, encrypted: encrypted)
    }

    /// Protects the RTCP compound in `packet[0..<length]` with SRTCP index `index` (31 bits) and master key
    /// `keyIndex`; E follows the policy's UNENCRYPTED_SRTCP. Returns the SRTCP packet's length.
    public func protectRTCP(
        _ packet: UnsafeMutableRawBufferPointer, length: Int, index: UInt32, keyIndex k: Int = 0
    ) throws -> Int {
        guard k >= 0, k < policy.keys.count else { throw ProtectError("key-index", "no master key \(k)") }
        guard length >= 8, length <= packet.count else { throw ProtectError("not-rtcp", "RTCP needs 8 bytes") }
        let suite = policy.suite
        let mki = policy.keys[k].mki
        let total = length + 4 + mki.count + suite.rtcpTagLength
        guard total <= packet.count else { throw ProtectError("capacity", "no room for the SRTCP trailer") }
        let encrypted = policy.sessionParameters.encryptRTCP && suite.cipher != .null
        let word = (encrypted ? 0x8000_0000 : 0) | (index & 0x7FFF_FFFF)
        let ssrc = UnsafeRawBufferPointer(packet).be32(4)
        let c = try cipher(k, rtcp: true)
        try c.prepare(index: UInt64(index & 0x7FFF_FFFF))
        let x = c.current
        if suite.isAEAD {
            Self.rtcpGCMIV(salt: x.keys.salt, ssrc: ssrc, index: index & 0x7FFF_FFFF, into: c.iv)
            guard let gcm = x.gcm else { throw CryptoError("no-gcm", "GCM context missing") }
            let tag = packet.slice(length..<length + 16)
            if encrypted {
                for i in 0..<8 { c.aad[i] = packet[i] }
                c.aad.storeBE32(word, at: 8)
                try gcm.seal(
                    iv: UnsafeRawBufferPointer(c.iv.slice(0..<12)), aad: UnsafeRawBufferPointer(c.aad.slice(0..<12)),
                    data: packet.slice(8..<length), tag: tag)
            } else {
                packet.storeBE32(word, at: length)  // the AAD is contiguous before the tag is written
                try gcm.seal(
                    iv: UnsafeRawBufferPointer(c.iv.slice(0..<12)),
                    aad: UnsafeRawBufferPointer(packet.slice(0..<length + 4)),
                    data: UnsafeMutableRawBufferPointer(start: c.aad.baseAddress, count: 0),
                    tag: c.scratch.slice(16..<32))
                for i in 0..<16 { tag[i] = c.scratch[16 + i] }
            }
            packet.storeBE32(word, at: length + 16)
            for (i, b) in mki.enumerated() { packet[length + 20 + i] = b }
        } else {
            if encrypted { try applyRTCPKeystream(c, packet, region: 8..<length, ssrc: ssrc, word: word) }
            packet.storeBE32(word, at: length)
            for (i, b) in mki.enumerated() { packet[length + 4 + i] = b }
            try c.mac(x, UnsafeRawBufferPointer(packet.slice(0..<length + 4)))
            let at = length + 4 + mki.count
            for i in 0..<suite.rtcpTagLength { packet[at + i] = c.digest[i] }
        }
        _ = usage.count(key: k, rtcp: true)
        return total
    }

    /// RTCP keystream: counter mode with the SRTCP index as i (RFC 3711 §4.1.1), or f8 with
    /// IV = 0^32 || E || index || the first 8 bytes of the header (§4.1.2.3).
    private func applyRTCPKeystream(
        _ c: SessionCipher, _ packet: UnsafeMutableRawBufferPointer, region: Range<Int>, ssrc: UInt32, word: UInt32
    ) throws {
        let x = c.current
        switch policy.suite.cipher {
        case .aesCM:
            SessionCipher.counterIV(salt: x.keys.salt, ssrc: ssrc, index: UInt64(word & 0x7FFF_FFFF), into: c.iv)
            if let counter = x.counter { try counter.apply(iv: UnsafeRawBufferPointer(c.iv), to: packet.slice(region)) }
        case .aesF8:
            c.iv.storeBE32(0, at: 0)
            c.iv.storeBE32(word, at: 4)
            for i in 0..<8 { c.iv[8 + i] = packet[i] }
            if let f8 = x.f8 { try f8.apply(iv: UnsafeRawBufferPointer(c.iv), to: packet.slice(region)) }
        case .aesGCM, .null:
            break
        }
    }

    /// RFC 7714 §9.1: IV = (00 00 || SSRC || 00 00 || 0 || SRTCP index) XOR salt.
    static func rtcpGCMIV(salt: [UInt8], ssrc: UInt32, index: UInt32, into iv: UnsafeMutableRawBufferPointer) {
        iv[0] = 0
        iv[1] = 0
        iv.storeBE32(ssrc, at: 2)
        iv[6] = 0
        iv[7] = 0
        iv.storeBE32(index & 0x7FFF_FFFF, at: 8)
        for i in 0..<12 { iv[i] ^= i < salt.count ? salt[i] : 0 }
        for i in 12..<16 { iv[i] = 0 }
    }
}
