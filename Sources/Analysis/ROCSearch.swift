import Crypto
import Transforms

/// Recovers the ROC of an SRTP stream whose capture began mid-call (RFC 3711 §3.3.1: the ROC is never
/// sent, so a receiver that missed the start guesses 0 and every tag fails).
///
/// The ROC enters only the HMAC (§4.2: tag = HMAC(auth_key, packet ‖ ROC)), so a candidate ROC costs one
/// HMAC-SHA1 over the packet, about 0.5–1 µs: the search derives the session authentication key once and
/// tries ROCs with the provider's HMAC, likely values first (0, 1, 2, … — calls rarely pass 2^16 × 65,536
/// packets), then upwards until `timeBudget` runs out. The whole 32-bit range (~2^32 HMACs, about an
/// hour) is out of reach; when the budget is exceeded the stream is reported with its failures and the
/// diagnosis names the last ROC tried. With a 32-bit tag a single packet is not proof (one false match in
/// 2^32), so a match must also authenticate the stream's second packet.
///
/// AEAD suites have no separate MAC: their ROCs are tried by full GCM opens, up to `aeadLimit`.
/// With a key derivation rate the authentication key depends on the index: re-derived per candidate,
/// up to `kdrLimit` candidates.
public struct ROCSearch {
    /// Off: a stream whose first packets fail stays failed (and the diagnosis says why).
    public var enabled = true
    public var timeBudget: Double = 2.0
    /// Seconds every stream's search may take in all, in one run (the engine keeps the count): a wrong
    /// key on a capture of many streams would otherwise cost `timeBudget` per stream.
    public var runBudget: Double = 60
    /// ROCs from `start` below `limit` are tried (the engine first searches 0..<2^16 for every key,
    /// then goes wider).
    public var start: UInt32 = 0
    public var limit: UInt64 = 1 << 32
    public var aeadLimit: UInt32 = 64
    public var kdrLimit: UInt32 = 256

    public init() {}

    public struct Result: Sendable, Hashable {
        public var roc: UInt32?
        public var tried: UInt64
        public var exhausted: Bool
    }

    /// Searches the ROC of `packets` (SRTP packets of one SSRC, in capture order, the first two used)
    /// under `policy`, master key `keyIndex`.
    public func search(packets: [[UInt8]], policy: SRTPPolicy, provider: any CryptoProvider) -> Result {
        guard let first = packets.first, first.count >= 12 else { return Result(roc: nil, tried: 0, exhausted: true) }
        let suite = policy.suite
        if suite.isAEAD || policy.keyDerivationRate != 0 || !policy.sessionParameters.authenticateRTP {
            guard start == 0 else { return Result(roc: nil, tried: 0, exhausted: false) }
            return searchByStreams(
                packets: packets, policy: policy, provider: provider,
                limit: suite.isAEAD ? aeadLimit : kdrLimit)
        }
        // The layout of RFC 3711 §3.1: header ‖ payload ‖ MKI ‖ tag.
        let tagLength = suite.rtpTagLength
        let mkiLength = policy.mkiLength
        guard first.count >= 12 + mkiLength + tagLength else { return Result(roc: nil, tried: 0, exhausted: true) }
        let end = first.count - tagLength - mkiLength
        var keyIndex = 0
        if mkiLength > 0 {
            let mki = Array(first[end..<(end + mkiLength)])
            guard let k = policy.keys.firstIndex(where: { $0.mki == mki }) else {
                return Result(roc: nil, tried: 0, exhausted: true)
            }
            keyIndex = k
        }
        let master = policy.keys[keyIndex]
        guard
            let keys = try? KeyDerivation.sessionKeys(
                provider: provider, suite: suite, masterKey: master.key, masterSalt: master.salt, rtcp: false),
            let mac = try? provider.makeHMACSHA1(key: keys.authenticationKey)
        else { return Result(roc: nil, tried: 0, exhausted: true) }
        var message = Array(first[0..<end]) + [0, 0, 0, 0]
        let tag = Array(first[(first.count - tagLength)...])
        var digest = [UInt8](repeating: 0, count: 20)
        let strongTag = tagLength >= 10
        let began = DispatchClock.now()
        var tried: UInt64 = 0
        var roc: UInt32 = start
        while UInt64(roc) < limit {
            message[end] = UInt8(truncatingIfNeeded: roc >> 24)
            message[end + 1] = UInt8(truncatingIfNeeded: roc >> 16)
            message[end + 2] = UInt8(truncatingIfNeeded: roc >> 8)
            message[end + 3] = UInt8(truncatingIfNeeded: roc)
            let ok: Bool = message.withUnsafeBytes { m in
                digest.withUnsafeMutableBytes { d in
                    do {
                        try mac.reset()
                        try mac.update(m)
                        try mac.finalize(into: d)
                    } catch { return false }
                    for i in 0..<tagLength where d[i] != tag[i] { return false }
                    return true
                }
            }
            tried += 1
            if ok, strongTag || confirm(roc: roc, packets: packets, policy: policy, provider: provider) {
                return Result(roc: roc, tried: tried, exhausted: false)
            }
            if roc == UInt32.max { return Result(roc: nil, tried: tried, exhausted: true) }
            roc += 1
            if tried & 0xFFF == 0, DispatchClock.now() - began > timeBudget {
                return Result(roc: nil, tried: tried, exhausted: false)
            }
        }
        return Result(roc: nil, tried: tried, exhausted: limit >= 1 << 32)
    }

    /// A weak (32-bit) match is kept only if the second packet authenticates under the same ROC.
    private func confirm(roc: UInt32, packets: [[UInt8]], policy: SRTPPolicy, provider: any CryptoProvider) -> Bool {
        guard packets.count >= 2 else { return false }
        var p = policy
        p.initialROC = roc
        guard let s = try? SRTPStream(ssrc: 0, policy: p, provider: provider) else { return false }
        guard let (r1, _) = try? s.unprotectRTP(packets[0]), r1.verdict.isAuthentic else { return false }
        guard let (r2, _) = try? s.unprotectRTP(packets[1]) else { return false }
        return r2.verdict.isAuthentic
    }

    /// One context per candidate ROC: for AEAD and KDR, where the tag check is not a bare HMAC.
    private func searchByStreams(packets: [[UInt8]], policy: SRTPPolicy, provider: any CryptoProvider, limit: UInt32)
        -> Result
    {
        var tried: UInt64 = 0
        for roc in 0..<limit {
            var p = policy
            p.initialROC = roc
            tried += 1
            guard let s = try? SRTPStream(ssrc: 0, policy: p, provider: provider),
                let (r, _) = try? s.unprotectRTP(packets[0])
            else { continue }
            if r.verdict.isAuthentic { return Result(roc: roc, tried: tried, exhausted: false) }
        }
        return Result(roc: nil, tried: tried, exhausted: false)
    }
}

/// A monotonic clock in seconds.
enum DispatchClock {
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
