import Crypto

/// An MS-SSRTP cryptographic context (MS-SSRTP §3.1.1): master keys with 1-byte MKIs, one ESN counter
/// shared by every SSRC of the context, and per SSRC the RFC 3711 index state and the last ESN seen.
/// Session keys come from the RFC 3711 KDF with KDR 0 (§3.1.3.4): labels 0–2 for SSRTP.
/// SSRTCP is plain SRTCP with a 1-byte MKI: use `rtcp`, an `SRTPSession` over the same keys.
public final class SSRTPContext {
    /// Per-SSRC state (§3.1.1: "the last ESN sent and received for each SSRTP stream").
    public struct StreamState: Sendable, Equatable {
        public var estimator: IndexEstimator
        public var replay: ReplayWindow
        public var lastESN: UInt64?
    }

    public let provider: any CryptoProvider
    public let keys: [MasterKey]
    public private(set) var streams: [UInt32: StreamState] = [:]
    /// The last ESN sent (the sender's counter, one per context).
    public private(set) var esn: UInt64
    /// The SSRTCP side (RFC 3711 SRTCP, AES_CM_128_HMAC_SHA1_80, 1-byte MKI).
    public let rtcp: SRTPSession
    /// The SSRTP keys as an AES_CM_128_HMAC_SHA1_80 policy (validated; its MKI lookup serves `unprotect`).
    private let policy: SRTPPolicy
    private var ciphers: [SessionCipher]
    private let initialROC: UInt32

    /// `initialESN` defaults to a random value below 2^47 (§3.1.2). `replayWindowSize`: packets each SSRC's
    /// replay list spans (SSRTP and SSRTCP).
    public init(
        keys: [MasterKey], provider: any CryptoProvider, initialESN: UInt64? = nil, initialROC: UInt32 = 0,
        replayWindowSize: Int = ReplayWindow.defaultSize
    ) throws {
        var policy = SRTPPolicy(suite: .aesCM128HMACSHA1_80, keys: keys)
        policy.replayWindowSize = replayWindowSize
        try policy.validate()
        guard policy.mkiLength == SSRTPLayout.mkiLength else {
            throw ProtectError("mki-length", "SSRTP needs 1-byte MKIs (MS-SSRTP §2.2.1)")
        }
        self.provider = provider
        self.policy = policy
        self.keys = keys
        self.initialROC = initialROC
        esn = initialESN ?? UInt64.random(in: 0..<(1 << 47))
        rtcp = try SRTPSession(policy: policy, provider: provider)
        ciphers = try keys.map {
            try SessionCipher(provider: provider, suite: .aesCM128HMACSHA1_80, master: $0, rtcp: false, kdr: 0)
        }
    }

    /// The session keys of master key `k` (for the §4.1 vector and diagnostics).
    public func sessionKeys(_ k: Int) -> SessionKeys { ciphers[k].keys }

    /// Unprotects the SSRTP packet in `packet[0..<length]` in place. The ROC is estimated per SSRC
    /// (RFC 3711 Appendix A) and its neighbours are tried when the tag fails; the result's index carries the
    /// ROC that authenticated.
    public func unprotect(
        _ packet: UnsafeMutableRawBufferPointer, length: Int, options: UnprotectOptions = UnprotectOptions()
    ) throws -> UnprotectResult {
        let ro = UnsafeRawBufferPointer(packet)
        guard let h = RTPHeaderLayout(ro, length: length),
            let t = SSRTPLayout.trailer(length: length, headerLength: h.headerLength)
        else { return .failure(.tooShort) }
        guard let k = policy.keyIndex(mkiAt: t.mki, in: ro) else { return .failure(.unknownMKI) }
        let c = ciphers[k]
        var state =
            streams[h.ssrc]
            ?? StreamState(
                estimator: IndexEstimator(initialROC: initialROC), replay: ReplayWindow(size: policy.replayWindowSize))
        let (estimate, roc) = state.estimator.estimate(sequence: h.sequenceNumber)
        var found: UInt32?
        for delta in SSRTPLayout.rocSearch {
            let candidate = Int64(roc) + delta
            guard candidate >= 0, candidate <= Int64(UInt32.max) else { continue }
            if try tagMatches(c, ro, h, esnOffset: t.esn, tagOffset: t.tag, roc: UInt32(candidate)) {
                found = UInt32(candidate)
                break
            }
        }
        let esnValue = ro.be48(t.esn)
        if found == nil, let candidate = try rocFromESN(c, ro, h, t, state: state, esn: esnValue, estimate: roc) {
            found = candidate
        }
        guard let roc = found else {
            var r = UnprotectResult.failure(.tagMismatch, index: estimate, keyIndex: k)
            if options.plaintextOnFailure {
                try decrypt(c, packet, h, esnOffset: t.esn, esn: esnValue)
                r.plaintextLength = t.esn
            }
            return r
        }
        try decrypt(c, packet, h, esnOffset: t.esn, esn: esnValue)
        let index = UInt64(roc) << 16 | UInt64(h.sequenceNumber)
        let check = state.replay.check(index)
        state.estimator.update(index: index)
        state.replay.mark(index)
        state.lastESN = max(state.lastESN ?? 0, esnValue)
        streams[h.ssrc] = state
        let exceeded = rtcp.usage.count(key: k, rtcp: false)
        return UnprotectResult(
            verdict: check == .fresh ? .authenticated : .replayed, plaintextLength: t.esn, index: index, keyIndex: k,
            lifetimeExceeded: exceeded)
    }

    /// Protects the RTP packet in `packet[0..<length]` with ROC `roc`, the context's next ESN and master
    /// key `keyIndex`; returns the SSRTP packet's length (17 bytes more).
    public func protect(_ packet: UnsafeMutableRawBufferPointer, length: Int, roc: UInt32, keyIndex k: Int = 0) throws
        -> Int
    {
        guard k >= 0, k < keys.count else { throw ProtectError("key-index", "no master key \(k)") }
        guard let h = RTPHeaderLayout(UnsafeRawBufferPointer(packet), length: length) else {
            throw ProtectError("not-rtp", "not an RTP packet of \(length) bytes")
        }
        let total = length + SSRTPLayout.trailerLength
        guard total <= packet.count else { throw ProtectError("capacity", "no room for the SSRTP trailer") }
        esn = SSRTPLayout.next(after: esn)
        let c = ciphers[k]
        packet.storeBE48(esn, at: length)
        try decrypt(c, packet, h, esnOffset: length, esn: esn)  // counter mode: the same XOR encrypts
        packet[length + SSRTPLayout.esnLength] = keys[k].mki[0]
        try mac(c, UnsafeRawBufferPointer(packet), h, esnOffset: length, roc: roc)
        let tag = length + SSRTPLayout.esnLength + SSRTPLayout.mkiLength
        for i in 0..<SSRTPLayout.tagLength { packet[tag + i] = c.digest[i] }
        return total
    }

    /// After a long loss the sequence number can have wrapped more than once, which Appendix A cannot
    /// see. The ESN grows by at least one per packet across the context, so since the last packet of this
    /// SSRC at most ESN − lastESN packets were sent on it: the ROCs above the estimate up to that bound
    /// (at most `SSRTPLayout.maxESNROCSteps`) are tried.
    private func rocFromESN(
        _ c: SessionCipher, _ ro: UnsafeRawBufferPointer, _ h: RTPHeaderLayout, _ t: (esn: Int, mki: Int, tag: Int),
        state: StreamState, esn: UInt64, estimate: UInt32
    ) throws -> UInt32? {
        guard let last = state.lastESN, esn > last, let highest = state.estimator.highestIndex else { return nil }
        let bound = min((highest + (esn - last)) >> 16, UInt64(estimate) + SSRTPLayout.maxESNROCSteps)
        guard bound <= UInt64(UInt32.max), bound >= UInt64(estimate) + 2 else { return nil }
        for candidate in (UInt64(estimate) + 2)...bound {
            if try tagMatches(c, ro, h, esnOffset: t.esn, tagOffset: t.tag, roc: UInt32(candidate)) {
                return UInt32(candidate)
            }
        }
        return nil
    }

    private func decrypt(
        _ c: SessionCipher, _ packet: UnsafeMutableRawBufferPointer, _ h: RTPHeaderLayout, esnOffset: Int, esn: UInt64
    ) throws {
        let x = c.current
        SSRTPLayout.iv(salt: x.keys.salt, esn: esn, into: c.iv)
        guard let counter = x.counter else { return }
        try counter.apply(iv: UnsafeRawBufferPointer(c.iv), to: packet.slice(h.headerLength..<esnOffset))
    }

    private func mac(_ c: SessionCipher, _ p: UnsafeRawBufferPointer, _ h: RTPHeaderLayout, esnOffset: Int, roc: UInt32)
        throws
    {
        guard let hmac = c.current.hmac else { throw CryptoError("no-mac", "SSRTP needs HMAC-SHA1") }
        c.word.storeBE32(roc, at: 0)
        try hmac.reset()
        try SSRTPLayout.authenticate(p, header: h, esnOffset: esnOffset, rocWord: UnsafeRawBufferPointer(c.word)) {
            try hmac.update($0)
        }
        try hmac.finalize(into: c.digest)
    }

    private func tagMatches(
        _ c: SessionCipher, _ p: UnsafeRawBufferPointer, _ h: RTPHeaderLayout, esnOffset: Int, tagOffset: Int,
        roc: UInt32
    ) throws -> Bool {
        try mac(c, p, h, esnOffset: esnOffset, roc: roc)
        return constantTimeEqual(
            UnsafeRawBufferPointer(c.digest), UnsafeRawBufferPointer(rebasing: p[tagOffset..<tagOffset + 10]),
            count: SSRTPLayout.tagLength)
    }
}

extension SSRTPContext {
    /// Convenience: unprotects a copy of `packet`.
    public func unprotect(_ packet: [UInt8], options: UnprotectOptions = UnprotectOptions()) throws -> (
        UnprotectResult, [UInt8]?
    ) {
        var buffer = packet
        let r = try buffer.withUnsafeMutableBytes { try unprotect($0, length: packet.count, options: options) }
        return (r, r.plaintextLength.map { Array(buffer[0..<$0]) })
    }

    /// Convenience: protects a copy of `packet`.
    public func protect(_ packet: [UInt8], roc: UInt32, keyIndex: Int = 0) throws -> [UInt8] {
        var buffer = packet + [UInt8](repeating: 0, count: SSRTPLayout.trailerLength)
        let n = try buffer.withUnsafeMutableBytes {
            try protect($0, length: packet.count, roc: roc, keyIndex: keyIndex)
        }
        return Array(buffer[0..<n])
    }
}
