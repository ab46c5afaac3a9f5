import Crypto

/// The per-SSRC cryptographic state of RFC 3711 §3.2.3 for one sender: the ROC and highest index, the
/// replay lists of SRTP and SRTCP, and one set of cipher and MAC contexts per master key, made once.
///
/// Unprotect and protect work in place on the caller's buffer and allocate nothing per packet once the
/// scratch buffers have grown to the largest packet.
public final class SRTPStream {
    /// The SSRC this stream serves (set again when an `SRTPSession` adopts its spare stream).
    public internal(set) var ssrc: UInt32
    public let policy: SRTPPolicy
    let provider: any CryptoProvider
    let usage: KeyUsage

    /// The SRTP receive state, read and updated in place on every packet. It is stored without runtime
    /// exclusivity checks: every access is one statement of this file on the thread that owns the stream
    /// (it is not Sendable), none spans a call that could reach the stream again, and input decides only
    /// the values, never which accesses overlap. (Checked, the copy in and out and its two checks were
    /// among the hottest instructions of `unprotectRTP`, Docs/PERFORMANCE.md.)
    struct ReceiveState {
        var estimator: IndexEstimator
        var replay: ReplayWindow
    }
    @exclusivity(unchecked) private var rtpState: ReceiveState
    public var estimator: IndexEstimator { rtpState.estimator }
    public var replay: ReplayWindow { rtpState.replay }
    public internal(set) var rtcpReplay: ReplayWindow

    // Made once, eagerly: `let` arrays cost no exclusivity check on the packet path.
    private let rtpCiphers: [SessionCipher]
    private let rtcpCiphers: [SessionCipher]
    let scratch = ScratchBuffer()

    /// A stream of its own; `usage` is shared when the stream belongs to an `SRTPSession`.
    public convenience init(ssrc: UInt32, policy: SRTPPolicy, provider: any CryptoProvider) throws {
        try self.init(ssrc: ssrc, policy: policy, provider: provider, usage: KeyUsage(keys: policy.keys))
    }

    init(ssrc: UInt32, policy: SRTPPolicy, provider: any CryptoProvider, usage: KeyUsage) throws {
        try policy.validate()
        self.ssrc = ssrc
        self.policy = policy
        self.provider = provider
        self.usage = usage
        rtpState = ReceiveState(
            estimator: IndexEstimator(initialROC: policy.initialROC), replay: ReplayWindow(size: policy.replayWindowSize))
        rtcpReplay = ReplayWindow(size: policy.replayWindowSize)
        let kdr = policy.keyDerivationRate
        rtpCiphers = try policy.keys.map {
            try SessionCipher(provider: provider, suite: policy.suite, master: $0, rtcp: false, kdr: kdr)
        }
        rtcpCiphers = try policy.keys.map {
            try SessionCipher(provider: provider, suite: policy.suite, master: $0, rtcp: true, kdr: kdr)
        }
    }

    /// The contexts of key `k` (a valid index: it comes from the MKI lookup or a checked argument).
    @inline(__always)
    func cipher(_ k: Int, rtcp: Bool) throws -> SessionCipher {
        rtcp ? rtcpCiphers[k] : rtpCiphers[k]
    }

    /// Replaces the contexts of key `k` with ones over given session keys (published vectors that start
    /// after the KDF, such as RFC 7714 §16–17).
    func installSessionKeys(_ keys: SessionKeys, key k: Int = 0, rtcp: Bool) throws {
        try cipher(k, rtcp: rtcp).install(keys)
    }

    // MARK: SRTP (RFC 3711 §3.3)

    /// Unprotects the SRTP packet in `packet[0..<length]` in place. On success the plaintext RTP packet
    /// (trailer removed; for cryptex, the CSRC list and extension restored) is `packet[0..<plaintextLength]`.
    /// On failure the buffer is left as it was, unless `options.plaintextOnFailure`.
    public func unprotectRTP(
        _ packet: UnsafeMutableRawBufferPointer, length: Int, options: UnprotectOptions = UnprotectOptions()
    ) throws -> UnprotectResult {
        let suite = policy.suite
        let ro = UnsafeRawBufferPointer(packet)
        guard let h = RTPHeaderLayout(ro, length: length) else { return .failure(.tooShort) }
        let mkiLength = policy.mkiLength
        let authenticated = policy.sessionParameters.authenticateRTP || suite.isAEAD
        let tagLength = authenticated ? suite.rtpTagLength : 0
        guard length >= h.headerLength + mkiLength + tagLength else { return .failure(.tooShort) }
        // RFC 3711 §3.1: payload | MKI | tag. RFC 7714 §8 (as libsrtp lays it out): payload | tag | MKI.
        let mkiOffset = suite.isAEAD ? length - mkiLength : length - tagLength - mkiLength
        let tagOffset = suite.isAEAD ? mkiOffset - tagLength : length - tagLength
        let payloadEnd = suite.isAEAD ? tagOffset : mkiOffset
        guard let k = policy.keyIndex(mkiAt: mkiOffset, in: ro) else { return .failure(.unknownMKI) }
        let (index, roc) = rtpState.estimator.estimate(sequence: h.sequenceNumber)
        let replayCheck = rtpState.replay.check(index)
        let c = try cipher(k, rtcp: false)
        try c.prepare(index: index)
        let x = c.current

        let cryptex = HeaderProtection.isCryptex(h.extensionProfile(ro))
        let encrypted = policy.sessionParameters.encryptRTP && suite.cipher != .null
        // The encrypted region: the payload, or for cryptex the CSRC list, extension body and payload
        // once the extension header has been moved in front of the CSRCs.
        let regionStart = cryptex ? 16 : h.headerLength
        var authentic = true

        switch suite.cipher {
        case .aesGCM:
            Self.gcmIV(salt: x.keys.salt, ssrc: h.ssrc, roc: roc, seq: h.sequenceNumber, into: c.iv)
            if cryptex { HeaderProtection.moveExtensionHeaderFirst(packet, h) }
            let data = packet.slice(regionStart..<payloadEnd)
            let saved = scratch.take(data.count)
            saved.copyMemory(from: UnsafeRawBufferPointer(data))
            guard let gcm = x.gcm else { throw CryptoError("no-gcm", "GCM context missing") }
            authentic = try gcm.open(
                iv: UnsafeRawBufferPointer(c.iv.slice(0..<12)),
                aad: UnsafeRawBufferPointer(packet.slice(0..<regionStart)),
                data: data, tag: UnsafeRawBufferPointer(packet.slice(tagOffset..<tagOffset + 16)))
            if !authentic {
                data.copyMemory(from: UnsafeRawBufferPointer(saved))
                if options.plaintextOnFailure { try gcmCounterDecrypt(c, data) }
            }
            // RFC 6904 with GCM (libsrtp's reading, see crypto.md): the tag covers the encrypted elements,
            // which are decrypted after it is checked, with the AES-CM keystream of labels 6 and 7.
            if !cryptex, authentic || options.plaintextOnFailure {
                try decryptHeaderElements(packet, h, c, index: index)
            }
            if cryptex {
                HeaderProtection.restoreExtensionHeader(packet, h)
                if authentic || options.plaintextOnFailure { restoreProfile(packet, h) }
            }
        default:
            if tagLength > 0 {
                // RFC 3711 §4.2: the tag covers the packet up to the MKI, then the ROC. The MKI and tag
                // follow the payload (at least 4 bytes), so the ROC is written there for one contiguous MAC
                // call (one library call fewer per packet), after the received tag has been set aside.
                let received = c.received
                received.copyMemory(from: UnsafeRawBufferPointer(packet.slice(tagOffset..<tagOffset + tagLength)))
                let saved = UnsafeRawBufferPointer(packet).be32(payloadEnd)
                packet.storeBE32(roc, at: payloadEnd)
                try c.mac(x, UnsafeRawBufferPointer(packet.slice(0..<payloadEnd + 4)))
                packet.storeBE32(saved, at: payloadEnd)
                authentic = constantTimeEqual(
                    UnsafeRawBufferPointer(c.digest), UnsafeRawBufferPointer(received), count: tagLength)
            }
            if authentic || options.plaintextOnFailure {
                if !cryptex { try decryptHeaderElements(packet, h, c, index: index) }
                if encrypted {
                    if cryptex { HeaderProtection.moveExtensionHeaderFirst(packet, h) }
                    try applyKeystream(
                        c, packet, region: regionStart..<payloadEnd, ssrc: h.ssrc, index: index, roc: roc)
                    if cryptex {
                        HeaderProtection.restoreExtensionHeader(packet, h)
                        restoreProfile(packet, h)
                    }
                }
            }
        }

        guard authentic else {
            var r = UnprotectResult.failure(.tagMismatch, index: index, keyIndex: k)
            if options.plaintextOnFailure { r.plaintextLength = payloadEnd }
            r.cryptex = cryptex
            return r
        }
        rtpState.estimator.update(index: index)
        rtpState.replay.mark(index)
        let exceeded = usage.count(key: k, rtcp: false)
        return UnprotectResult(
            verdict: replayCheck == .fresh ? .authenticated : .replayed, plaintextLength: payloadEnd, index: index,
            keyIndex: k, lifetimeExceeded: exceeded, encrypted: encrypted, cryptex: cryptex)
    }

    /// Protects the RTP packet in `packet[0..<length]` in place with ROC `roc` and master key `keyIndex`,
    /// appending the MKI and tag; returns the SRTP packet's length. With cryptex in the policy, a packet with
    /// CSRCs and no extension gets an empty one (RFC 9335 §5.2), which needs 4 more bytes of capacity.
    public func protectRTP(
        _ packet: UnsafeMutableRawBufferPointer, length: Int, roc: UInt32, keyIndex k: Int = 0
    ) throws -> Int {
        let suite = policy.suite
        guard k >= 0, k < policy.keys.count else { throw ProtectError("key-index", "no master key \(k)") }
        var length = length
        guard var h = RTPHeaderLayout(UnsafeRawBufferPointer(packet), length: length) else {
            throw ProtectError("not-rtp", "not an RTP packet of \(length) bytes")
        }
        if policy.cryptex, h.csrcCount > 0, !h.hasExtension {
            guard length + 4 <= packet.count else { throw ProtectError("capacity", "no room for an empty extension") }
            let at = h.extensionOffset
            var i = length - 1
            while i >= at {
                packet[i + 4] = packet[i]
                i -= 1
            }
            packet.storeBE32(UInt32(HeaderProtection.oneByte) << 16, at: at)
            packet[0] |= 0x10
            length += 4
            guard let h2 = RTPHeaderLayout(UnsafeRawBufferPointer(packet), length: length) else {
                throw ProtectError("not-rtp", "extension insertion failed")
            }
            h = h2
        }
        let mkiLength = policy.mkiLength
        let authenticated = policy.sessionParameters.authenticateRTP || suite.isAEAD
        let tagLength = authenticated ? suite.rtpTagLength : 0
        guard length + mkiLength + tagLength <= packet.count else {
            throw ProtectError("capacity", "the buffer has no room for the \(mkiLength + tagLength)-byte trailer")
        }
        let index = UInt64(roc) << 16 | UInt64(h.sequenceNumber)
        let c = try cipher(k, rtcp: false)
        try c.prepare(index: index)
        let x = c.current
        let cryptex = policy.cryptex && h.hasExtension
        if cryptex {
            let profile = UnsafeRawBufferPointer(packet).be16(h.extensionOffset)
            let marked: UInt16
            if profile == HeaderProtection.oneByte {
                marked = HeaderProtection.cryptexOneByte
            } else if profile & 0xFFF0 == HeaderProtection.twoByte {
                marked = HeaderProtection.cryptexTwoByte
            } else {
                throw ProtectError(
                    "cryptex-profile", "cryptex needs a one- or two-byte extension, not 0x\(String(profile, radix: 16))"
                )
            }
            packet.storeBE16(marked, at: h.extensionOffset)
        } else {
            try decryptHeaderElements(packet, h, c, index: index)  // XOR: encrypting is the same operation
        }
        let regionStart = cryptex ? 16 : h.headerLength
        let payloadEnd = length
        let encrypted = policy.sessionParameters.encryptRTP && suite.cipher != .null
        switch suite.cipher {
        case .aesGCM:
            Self.gcmIV(salt: x.keys.salt, ssrc: h.ssrc, roc: roc, seq: h.sequenceNumber, into: c.iv)
            if cryptex { HeaderProtection.moveExtensionHeaderFirst(packet, h) }
            guard let gcm = x.gcm else { throw CryptoError("no-gcm", "GCM context missing") }
            try gcm.seal(
                iv: UnsafeRawBufferPointer(c.iv.slice(0..<12)),
                aad: UnsafeRawBufferPointer(packet.slice(0..<regionStart)),
                data: packet.slice(regionStart..<payloadEnd), tag: packet.slice(payloadEnd..<payloadEnd + 16))
            if cryptex { HeaderProtection.restoreExtensionHeader(packet, h) }
            for (i, b) in policy.keys[k].mki.enumerated() { packet[payloadEnd + 16 + i] = b }
        default:
            if encrypted {
                if cryptex { HeaderProtection.moveExtensionHeaderFirst(packet, h) }
                try applyKeystream(c, packet, region: regionStart..<payloadEnd, ssrc: h.ssrc, index: index, roc: roc)
                if cryptex { HeaderProtection.restoreExtensionHeader(packet, h) }
            }
            for (i, b) in policy.keys[k].mki.enumerated() { packet[payloadEnd + i] = b }
            if tagLength > 0 {
                c.word.storeBE32(roc, at: 0)
                try c.mac(x, UnsafeRawBufferPointer(packet.slice(0..<payloadEnd)), UnsafeRawBufferPointer(c.word))
                let at = payloadEnd + mkiLength
                for i in 0..<tagLength { packet[at + i] = c.digest[i] }
            }
        }
        _ = usage.count(key: k, rtcp: false)
        return length + mkiLength + tagLength
    }

    // MARK: Pieces shared by protect and unprotect

    /// XORs the keystream of the suite's cipher over `region` (RFC 3711 §4.1.1 counter mode, §4.1.2 f8).
    @inline(__always)
    private func applyKeystream(
        _ c: SessionCipher, _ packet: UnsafeMutableRawBufferPointer, region: Range<Int>, ssrc: UInt32, index: UInt64,
        roc: UInt32
    ) throws {
        let x = c.current
        switch policy.suite.cipher {
        case .aesCM:
            SessionCipher.counterIV(saltWords: x.saltWords, ssrc: ssrc, index: index, into: c.iv)
            guard let counter = x.counter else { return }
            try counter.apply(iv: UnsafeRawBufferPointer(c.iv), to: packet.slice(region))
        case .aesF8:
            // §4.1.2.2: IV = 0x00 || M || PT || SEQ || TS || SSRC || ROC.
            c.iv[0] = 0
            for i in 1..<12 { c.iv[i] = packet[i] }
            c.iv.storeBE32(roc, at: 12)
            guard let f8 = x.f8 else { return }
            try f8.apply(iv: UnsafeRawBufferPointer(c.iv), to: packet.slice(region))
        case .aesGCM, .null:
            break
        }
    }

    /// GCM's payload keystream without the tag check: counter block IV || 00000002.
    private func gcmCounterDecrypt(_ c: SessionCipher, _ data: UnsafeMutableRawBufferPointer) throws {
        let x = c.current
        c.iv.storeBE32(2, at: 12)
        guard let counter = x.counter else { return }
        try counter.apply(iv: UnsafeRawBufferPointer(c.iv), to: data)
    }

    /// RFC 7714 §8.1: IV = (00 00 || SSRC || ROC || SEQ) XOR salt, 12 bytes.
    static func gcmIV(salt: [UInt8], ssrc: UInt32, roc: UInt32, seq: UInt16, into iv: UnsafeMutableRawBufferPointer) {
        iv[0] = 0
        iv[1] = 0
        iv.storeBE32(ssrc, at: 2)
        iv.storeBE32(roc, at: 6)
        iv.storeBE16(seq, at: 10)
        for i in 0..<12 { iv[i] ^= i < salt.count ? salt[i] : 0 }
        for i in 12..<16 { iv[i] = 0 }
    }

    /// RFC 9335 §5.1: a decrypted cryptex packet gets its ordinary profile back.
    private func restoreProfile(_ packet: UnsafeMutableRawBufferPointer, _ h: RTPHeaderLayout) {
        let profile = UnsafeRawBufferPointer(packet).be16(h.extensionOffset)
        packet.storeBE16(
            profile == HeaderProtection.cryptexOneByte ? HeaderProtection.oneByte : HeaderProtection.twoByte,
            at: h.extensionOffset)
    }

    /// RFC 6904 §4.1: XORs the header-extension keystream (keys of labels 6 and 7, IV as in §4.1.1 of
    /// RFC 3711) over the data of the chosen elements, keystream offset = offset in the extension body.
    private func decryptHeaderElements(
        _ packet: UnsafeMutableRawBufferPointer, _ h: RTPHeaderLayout, _ c: SessionCipher, index: UInt64
    ) throws {
        let x = c.current
        guard !policy.encryptedExtensionIDs.isEmpty, h.hasExtension, h.extensionBodyLength > 0,
            let counter = x.headerCounter
        else { return }
        let keystream = scratch.take(h.extensionBodyLength)
        for i in 0..<keystream.count { keystream[i] = 0 }
        SessionCipher.counterIV(salt: x.keys.headerSalt, ssrc: h.ssrc, index: index, into: c.headerIV)
        try counter.apply(iv: UnsafeRawBufferPointer(c.headerIV), to: keystream)
        let start = h.extensionOffset + 4
        HeaderProtection.forEachEncryptedByte(UnsafeRawBufferPointer(packet), h, ids: policy.encryptedExtensionIDs) {
            packet[start + $0] ^= keystream[$0]
        }
    }
}
