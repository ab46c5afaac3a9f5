import Analysis
import Capture
import Crypto
import Datagrams
import Output
import Transforms

/// Turns the decrypt engine's verdict on one frame into what `dissect` shows about its media packet
/// (`MediaDissection`): the trailer read with the key's suite, the tag that key computes, the ROC and
/// index, the key and the plaintext.
enum MediaDissector {
    static func dissect(
        _ result: DecryptEngine.PacketResult, frame: Frame, engine: DecryptEngine, provider: any CryptoProvider
    ) -> MediaDissection? {
        let stream = engine.stream(of: result)
        guard result.isMedia, let kind = result.kind ?? stream?.kind, result.range.upperBound <= frame.data.count
        else { return nil }
        let rtcp = kind == .rtcp
        let outcome: MediaDissection.Outcome
        switch result.status {
        case .authenticated: outcome = .authenticated
        case .replayed: outcome = .replayed
        case .failed: outcome = .failed
        case .clear, .notMedia: outcome = .noKey
        }
        var name = stream?.protocolName ?? kind.rawValue
        if name == "rtp" || name == "rtcp" { name = rtcp ? "srtcp" : "srtp" }
        var m = MediaDissection(protocolName: name, kind: kind.rawValue, outcome: outcome)
        let key: TrialKey? =
            outcome == .authenticated || outcome == .replayed
            ? stream?.key : outcome == .failed ? stream.flatMap { engine.referenceKey(for: $0) } : nil
        if let key {
            m.keySource = key.source
            m.keyFrame = key.frame
            m.binding = stream?.key?.id == key.id ? stream?.binding : "best candidate (none authenticated)"
            m.suite = key.suiteName
        }
        let bytes = Array(frame.data[result.range])
        if outcome == .authenticated || outcome == .replayed {
            let plain = engine.plaintext(result)
            m.plaintext = Array(plain)
        }
        if name == "ssrtp", let h = try? RTPHeader.parse(bytes[...]),
            let t = SRTPTrailer.readSSRTP(bytes, headerLength: h.payloadRange.lowerBound)
        {
            // MS-SSRTP: the ESN, the 1-byte MKI and the tag; the tag's input is laid out differently
            // (MS-SSRTP §2.2.1.2), so it is not recomputed here.
            m.esn = t.esn
            m.mki = t.mki
            m.tag = t.tag
            m.roc = result.roc ?? stream?.lastROC
            if let roc = m.roc { m.index = UInt64(roc) << 16 | UInt64(h.sequenceNumber) }
            if outcome == .failed { m.reason = "tag mismatch: another key, another ROC, or a modified packet" }
            return m
        }
        guard let key, case .srtp(let policy) = key.material, name == "srtp" || name == "srtcp" else {
            if outcome == .failed { m.reason = "no key authenticates it" }
            return m
        }
        var headerLength = 8
        var sequence: UInt16 = 0
        if !rtcp {
            guard let h = try? RTPHeader.parse(bytes[...]) else { return m }
            headerLength = h.payloadRange.lowerBound
            sequence = h.sequenceNumber
        }
        guard let trailer = SRTPTrailer.read(bytes, rtcp: rtcp, headerLength: headerLength, policy: policy) else {
            if outcome == .failed { m.reason = "too short for \(policy.suite.name)" }
            return m
        }
        m.mki = trailer.mki
        m.tag = trailer.tag
        m.srtcpEncrypted = trailer.encrypted
        m.srtcpIndex = trailer.srtcpIndex
        if !rtcp {
            let roc = result.roc ?? stream?.lastROC ?? policy.initialROC
            m.roc = roc
            m.index = UInt64(roc) << 16 | UInt64(sequence)
        }
        m.computedTag = trailer.computedTag(
            bytes, rtcp: rtcp, roc: m.roc ?? 0, sequence: sequence, policy: policy, provider: provider)
        if outcome == .failed {
            if policy.mkiLength > 0, !policy.keys.contains(where: { $0.mki == trailer.mki }) {
                m.reason = "the MKI names no key of \(key.source)"
            } else {
                m.reason = "tag mismatch: another key, another ROC, or a modified packet"
            }
        }
        return m
    }
}
