import Crypto
import Transforms

/// The trailer of an SRTP or SRTCP packet as it is on the wire — the MKI, the authentication tag and, for
/// SRTCP, the E flag and the SRTCP index — read with a key's suite and MKI length, and the tag that key
/// computes for the packet, so that a dissection can show both side by side.
///
/// Layouts: RFC 3711 §3.1 (SRTP: payload | MKI | tag) and §3.4 (SRTCP: payload | E+index | MKI | tag);
/// AEAD suites as RFC 7714 §8 and §9 lay them out (payload | tag | MKI; payload | tag | E+index | MKI).
public struct SRTPTrailer: Sendable, Hashable {
    public var mki: [UInt8]
    public var tag: [UInt8]
    /// SRTCP: the E flag (payload encrypted) and the 31-bit SRTCP index (RFC 3711 §3.4).
    public var encrypted: Bool?
    public var srtcpIndex: UInt32?
    /// Where the authenticated portion ends (the tag covers `packet[0..<authenticatedEnd]`, plus the ROC
    /// for SRTP).
    public var authenticatedEnd: Int

    /// MS-SSRTP §2.2.1: `… | ESN (6 bytes, big endian) | MKI (1) | tag (10)`. Returns the ESN, MKI and
    /// tag of an SSRTP packet whose header is `headerLength` bytes; nil when it is too short.
    public static func readSSRTP(_ packet: [UInt8], headerLength: Int) -> (esn: UInt64, mki: [UInt8], tag: [UInt8])? {
        let n = packet.count
        guard n >= headerLength + 17 else { return nil }
        var esn: UInt64 = 0
        for b in packet[(n - 17)..<(n - 11)] { esn = esn << 8 | UInt64(b) }
        return (esn, [packet[n - 11]], Array(packet[(n - 10)...]))
    }

    /// Reads the trailer of `packet` (an SRTP packet when `rtcp` is false) for `policy`; nil when the
    /// packet is too short for it.
    public static func read(_ packet: [UInt8], rtcp: Bool, headerLength: Int, policy: SRTPPolicy) -> SRTPTrailer? {
        let suite = policy.suite
        let mkiLength = policy.mkiLength
        let n = packet.count
        if rtcp {
            let tagLength = suite.rtcpTagLength
            guard n >= 8 + 4 + mkiLength + tagLength else { return nil }
            let indexAt = suite.isAEAD ? n - mkiLength - 4 : n - tagLength - mkiLength - 4
            let tagAt = suite.isAEAD ? indexAt - tagLength : n - tagLength
            let mkiAt = suite.isAEAD ? n - mkiLength : indexAt + 4
            guard indexAt >= 8, tagAt >= 8 else { return nil }
            let word =
                UInt32(packet[indexAt]) << 24 | UInt32(packet[indexAt + 1]) << 16
                | UInt32(packet[indexAt + 2]) << 8 | UInt32(packet[indexAt + 3])
            return SRTPTrailer(
                mki: Array(packet[mkiAt..<(mkiAt + mkiLength)]), tag: Array(packet[tagAt..<(tagAt + tagLength)]),
                encrypted: word & 0x8000_0000 != 0, srtcpIndex: word & 0x7FFF_FFFF,
                authenticatedEnd: suite.isAEAD ? tagAt : indexAt + 4)
        }
        let tagLength = policy.sessionParameters.authenticateRTP || suite.isAEAD ? suite.rtpTagLength : 0
        guard n >= headerLength + mkiLength + tagLength else { return nil }
        let mkiAt = suite.isAEAD ? n - mkiLength : n - tagLength - mkiLength
        let tagAt = suite.isAEAD ? mkiAt - tagLength : n - tagLength
        return SRTPTrailer(
            mki: Array(packet[mkiAt..<(mkiAt + mkiLength)]), tag: Array(packet[tagAt..<(tagAt + tagLength)]),
            encrypted: nil, srtcpIndex: nil, authenticatedEnd: suite.isAEAD ? tagAt : mkiAt)
    }

    /// The HMAC-SHA1 tag `policy` computes for `packet` (RFC 3711 §4.2: over the authenticated portion,
    /// then the ROC for SRTP), truncated to the suite's tag length; nil for AEAD suites (the tag comes out
    /// of GCM with the decryption, RFC 7714 §7.2) and for suites without authentication. The session
    /// authentication key is derived from the master key the MKI selects (the first without MKI) at the
    /// packet's index (RFC 3711 §4.3.1).
    public func computedTag(
        _ packet: [UInt8], rtcp: Bool, roc: UInt32, sequence: UInt16, policy: SRTPPolicy,
        provider: any CryptoProvider
    ) -> [UInt8]? {
        let suite = policy.suite
        guard !suite.isAEAD, !tag.isEmpty, suite.authKeyLength > 0, authenticatedEnd <= packet.count else {
            return nil
        }
        let key = policy.keys.first { $0.mki == mki } ?? policy.keys.first
        guard let key else { return nil }
        let index = rtcp ? UInt64(srtcpIndex ?? 0) : UInt64(roc) << 16 | UInt64(sequence)
        guard
            let authKey = try? KeyDerivation.derive(
                provider: provider, masterKey: key.key, masterSalt: key.salt,
                label: rtcp
                    ? KeyDerivation.Label.rtcpAuthentication.rawValue : KeyDerivation.Label.rtpAuthentication.rawValue,
                index: index, kdr: policy.keyDerivationRate, length: suite.authKeyLength),
            let mac = try? provider.makeHMACSHA1(key: authKey)
        else { return nil }
        var input = Array(packet[0..<authenticatedEnd])
        if !rtcp { input += [UInt8(roc >> 24), UInt8(roc >> 16 & 0xFF), UInt8(roc >> 8 & 0xFF), UInt8(roc & 0xFF)] }
        var digest = [UInt8](repeating: 0, count: 20)
        do {
            try mac.reset()
            try input.withUnsafeBytes { try mac.update($0) }
            try digest.withUnsafeMutableBytes { try mac.finalize(into: $0) }
        } catch {
            return nil
        }
        return Array(digest.prefix(tag.count))
    }
}
