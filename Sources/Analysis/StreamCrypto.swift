import Crypto
import Transforms

/// The context that unprotects one stream: made once per stream and candidate, then one in-place
/// unprotect per packet.
public enum StreamCrypto {
    case srtp(SRTPStream)
    case ssrtp(SSRTPContext)
    case rtpme(RTPMEContext)

    /// The protocol name for the report.
    func protocolName(_ kind: MediaPacketKind) -> String {
        switch (self, kind) {
        case (.srtp, .rtp): "srtp"
        case (.srtp, .rtcp): "srtcp"
        case (.ssrtp, .rtp): "ssrtp"
        case (.ssrtp, .rtcp): "srtcp"
        case (.rtpme, _): "rtpme"
        }
    }

    /// Builds the context of `material` for the stream of `ssrc`. `asSSRTP` reads SRTP keys as MS-SSRTP
    /// (a leg where `a=cryptoscale` was offered). `initialROC` is the ROC assumed for the first packet.
    static func make(
        _ material: KeyMaterial, ssrc: UInt32, asSSRTP: Bool = false, initialROC: UInt32 = 0,
        provider: any CryptoProvider
    ) throws -> StreamCrypto {
        switch material {
        case .srtp(var policy):
            if asSSRTP {
                return .ssrtp(try SSRTPContext(keys: policy.keys, provider: provider, initialESN: 0, initialROC: initialROC))
            }
            policy.initialROC = initialROC
            return .srtp(try SRTPStream(ssrc: ssrc, policy: policy, provider: provider))
        case .ssrtp(let keys):
            return .ssrtp(try SSRTPContext(keys: keys, provider: provider, initialESN: 0, initialROC: initialROC))
        case .rtpme(let passphrase):
            return .rtpme(try RTPMEContext(base64Passphrase: passphrase, provider: provider))
        }
    }

    /// The outcome of one unprotect, reduced to what the engine needs.
    struct Outcome {
        var verdict: UnprotectVerdict
        var plaintextLength: Int?
        /// SRTP/SSRTP: the ROC used; nil otherwise.
        var roc: UInt32?
    }

    /// Unprotects `buffer[0..<length]` in place.
    func unprotect(_ buffer: UnsafeMutableRawBufferPointer, length: Int, kind: MediaPacketKind) throws -> Outcome {
        switch self {
        case .srtp(let s):
            let r =
                kind == .rtp ? try s.unprotectRTP(buffer, length: length) : try s.unprotectRTCP(buffer, length: length)
            return Outcome(
                verdict: r.verdict, plaintextLength: r.plaintextLength,
                roc: kind == .rtp ? UInt32(truncatingIfNeeded: r.index >> 16) : nil)
        case .ssrtp(let c):
            let r =
                kind == .rtp ? try c.unprotect(buffer, length: length) : try c.rtcp.unprotectRTCP(buffer, length: length)
            return Outcome(
                verdict: r.verdict, plaintextLength: r.plaintextLength,
                roc: kind == .rtp ? UInt32(truncatingIfNeeded: r.index >> 16) : nil)
        case .rtpme(let c):
            let r = try c.unprotect(buffer, length: length, kind: kind == .rtp ? .rtp : .rtcp)
            guard r.reading != nil, let n = r.plaintextLength else {
                return Outcome(verdict: .failed(.tagMismatch), plaintextLength: nil, roc: nil)
            }
            return Outcome(verdict: .authenticated, plaintextLength: Self.rtpmeUnpaddedLength(buffer, n, kind), roc: nil)
        }
    }

    /// MS-RTPME pads with zeros to 8 bytes without setting the P bit, so the padding is not marked.
    /// RTCP: the compound's length fields give the true end (RFC 3550 §6.4.1). RTP: trailing zero bytes
    /// (at most 7) are taken as padding — a heuristic, since a payload may end in zeros; G.711 silence
    /// is 0xFF/0xD5, not 0x00.
    static func rtpmeUnpaddedLength(_ p: UnsafeMutableRawBufferPointer, _ n: Int, _ kind: MediaPacketKind) -> Int {
        switch kind {
        case .rtcp:
            var at = 0
            while at + 4 <= n {
                let words = Int(p[at + 2]) << 8 | Int(p[at + 3])
                let next = at + (words + 1) * 4
                if next > n { break }
                at = next
                // The padding is zeros: a zero first byte is not version 2, so the compound ended.
                if at + 4 <= n, p[at] >> 6 != 2 { break }
            }
            return at > 0 ? at : n
        case .rtp:
            var end = n
            while end > n - 7, end > 12, p[end - 1] == 0 { end -= 1 }
            return end
        }
    }
}
