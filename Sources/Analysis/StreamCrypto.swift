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
    /// (a leg where `a=cryptoscale` was offered). `initialROC` is the ROC assumed for the first packet
    /// (nil: the policy's, which is 0 unless the key source knew better). `replayWindow`: packets the
    /// replay lists span (`DecryptEngine.Options.replayWindow`).
    static func make(
        _ material: KeyMaterial, ssrc: UInt32, asSSRTP: Bool = false, initialROC: UInt32? = nil,
        replayWindow: Int = ReplayWindow.defaultSize, provider: any CryptoProvider
    ) throws -> StreamCrypto {
        switch material {
        case .srtp(var policy):
            if asSSRTP {
                return .ssrtp(
                    try SSRTPContext(
                        keys: policy.keys, provider: provider, initialESN: 0,
                        initialROC: initialROC ?? policy.initialROC, replayWindowSize: replayWindow))
            }
            if let initialROC { policy.initialROC = initialROC }
            policy.replayWindowSize = replayWindow
            return .srtp(try SRTPStream(ssrc: ssrc, policy: policy, provider: provider))
        case .ssrtp(let keys):
            return .ssrtp(
                try SSRTPContext(
                    keys: keys, provider: provider, initialESN: 0, initialROC: initialROC ?? 0,
                    replayWindowSize: replayWindow))
        case .rtpme(let passphrase):
            guard let passphrase else { throw ProtectError("passphrase", "the k= line gives no passphrase") }
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
                kind == .rtp
                ? try c.unprotect(buffer, length: length) : try c.rtcp.unprotectRTCP(buffer, length: length)
            return Outcome(
                verdict: r.verdict, plaintextLength: r.plaintextLength,
                roc: kind == .rtp ? UInt32(truncatingIfNeeded: r.index >> 16) : nil)
        case .rtpme(let c):
            // MS-RTPME has no tag: "authenticated" means accepted by RTPMEAcceptance (Transforms).
            let r = try c.unprotect(buffer, length: length, kind: kind == .rtp ? .rtp : .rtcp)
            guard r.accepted, let n = r.plaintextLength else {
                return Outcome(verdict: .failed(.tagMismatch), plaintextLength: nil, roc: nil)
            }
            return Outcome(verdict: .authenticated, plaintextLength: n, roc: nil)
        }
    }
}
